-- What a careless or a hostile user can type, and what a server can answer:
-- every option, every condition and every next_url gets a clear error or a
-- correct result.  Nothing crashes: the session and the postmaster are the
-- same at the end as at the start.
\i test/regress/setup.sql
SELECT pg_backend_pid() AS start_pid, pg_postmaster_start_time() AS start_time \gset

-- 1. Options are checked again when they are used.  A wrapper created without our validator
--    lets anything into the catalog; base_url 'http://' crashed the server at the first scan.
CREATE FOREIGN DATA WRAPPER hostile_raw HANDLER tape.polygon_fdw_handler;
CREATE FUNCTION regress.raw_scan_error(p_server_options text, p_key text DEFAULT 'regress-raw-key')
RETURNS text LANGUAGE plpgsql AS $$
DECLARE
  v_msg text; v_detail text;
BEGIN
  PERFORM set_config('client_min_messages', 'warning', true);
  DROP SERVER IF EXISTS hostile_raw CASCADE;
  EXECUTE format('CREATE SERVER hostile_raw FOREIGN DATA WRAPPER hostile_raw OPTIONS (%s)', p_server_options);
  EXECUTE format('CREATE USER MAPPING FOR CURRENT_USER SERVER hostile_raw OPTIONS (api_key %L)', p_key);
  CREATE FOREIGN TABLE hostile_raw_bars (ticker text, timespan text, ts timestamptz, close float8)
    SERVER hostile_raw OPTIONS (endpoint 'bars');
  PERFORM count(*) FROM hostile_raw_bars
   WHERE ticker = 'ACME' AND timespan = 'day' AND ts >= '2025-10-01' AND ts < '2025-10-03';
  RETURN 'no error';
EXCEPTION WHEN OTHERS THEN
  GET STACKED DIAGNOSTICS v_msg = MESSAGE_TEXT, v_detail = PG_EXCEPTION_DETAIL;
  RETURN concat_ws(' ', v_msg, nullif(v_detail, ''));
END $$;
SELECT o AS server_options, regress.raw_scan_error(o) AS error
  FROM unnest(ARRAY[$$base_url 'http://'$$, $$base_url 'https://'$$, $$base_url 'http://:8080'$$,
                    $$base_url 'http://[::1'$$, $$base_url 'http://127.0.0.1:0'$$,
                    $$base_url 'http://127.0.0.1/a/../v2'$$, $$base_url 'http://u:p@127.0.0.1'$$,
                    $$base_url 'ftp://127.0.0.1'$$, $$base_url E'http://127.0.0.1/\r\nX-Injected: 1'$$,
                    $$requests_per_minute '0.4'$$, $$max_retries '1e3'$$, $$timeout_ms '0x10'$$,
                    $$concurrent_requests '-1'$$, $$max_scan_requests '0'$$, $$cache 'maybe'$$,
                    $$flatfiles_region 'US EAST'$$]) AS o;
-- secrets go into a request header: checked again too, and never echoed
SELECT k AS key, regress.raw_scan_error(format('base_url %L, requests_per_minute %L', current_setting('regress.mock_url'), '0'), k) AS error
  FROM unnest(ARRAY['', 'two words', E'k\r\nX-Injected: 1']) AS k;
-- a valid server on the raw wrapper works
SELECT regress.raw_scan_error(format('base_url %L, requests_per_minute %L, cache %L',
                                     current_setting('regress.mock_url'), '0', 'false'),
                              current_setting('regress.api_key')) AS valid_server;
SET client_min_messages = warning;
DROP FOREIGN DATA WRAPPER hostile_raw CASCADE;
RESET client_min_messages;

-- 2. A hand-made table may give a column another type; a condition on it then filters
--    locally and never feeds a request (ticker integer crashed the server).
SELECT regress.make_server('hostile', 'tag=hostile');
CREATE FOREIGN TABLE regress.int_bars (ticker integer, ts timestamptz, close float8)
  SERVER hostile OPTIONS (endpoint 'bars');
SELECT * FROM regress.int_bars WHERE ticker = 5 AND ts >= '2025-10-01' AND ts < '2025-10-02';  -- ERROR
CREATE FOREIGN TABLE regress.tstz_grouped (date timestamptz, ticker text, close float8)
  SERVER hostile OPTIONS (endpoint 'grouped_daily');
SELECT * FROM regress.tstz_grouped WHERE date >= '2025-10-01';  -- ERROR
CREATE FOREIGN TABLE regress.text_splits (ticker text, execution_date text, split_from float8)
  SERVER hostile OPTIONS (endpoint 'splits');
SELECT count(*) FROM regress.text_splits WHERE execution_date >= '2025-01-01';
CREATE FOREIGN TABLE regress.int8_bars (ticker text, multiplier bigint, ts timestamptz, close float8)
  SERVER hostile OPTIONS (endpoint 'bars');
SELECT count(*) FROM regress.int8_bars WHERE ticker = 'ACME' AND multiplier = 5::bigint AND ts >= '2025-10-02 12:00' AND ts < '2025-10-02 13:00';

-- 3. No value can change the path it is written in: "." and ".." are not dot segments,
--    "/", "?", "%" and spaces are encoded; an empty ticker is an error.
SELECT regress.make_server('hpath', 'tag=hpath');
SELECT count(*) AS bars FROM hpath.bars
 WHERE ticker IN ('.', '..', '...', 'BRK.A', 'A/B', '../v3', 'A?B', '50%', 'A B', 'A#B')
   AND timespan = 'day' AND ts >= '2025-10-01' AND ts < '2025-10-03';
SELECT * FROM hpath.ticker_details WHERE ticker = '..';  -- ERROR
SELECT path, status FROM regress.mock_log('hpath') ORDER BY path;
SELECT count(*) FROM hpath.bars WHERE ticker = '' AND ts >= '2025-10-01' AND ts < '2025-10-02';  -- ERROR
SELECT count(*) FROM hpath.bars WHERE ticker IN ('ACME', '') AND ts >= '2025-10-01' AND ts < '2025-10-02';  -- ERROR
SELECT count(*) FROM hpath.ticker_details WHERE ticker = '';  -- ERROR
SELECT count(*) FROM hpath.trades WHERE ticker = '' AND ts >= '2025-10-02 12:00' AND ts < '2025-10-02 12:01';  -- ERROR
SELECT count(*) FROM hpath.tickers WHERE ticker = '';  -- ERROR
SELECT count(*) AS requests_after_empty_tickers FROM regress.mock_log('hpath');

-- 4. A scan may plan at most max_scan_requests first requests (10,000 by default): more is an
--    error at plan time, fast (grouped_daily from year 1 planned 528,531 requests in 40 s).
SET statement_timeout = '10s';
EXPLAIN (COSTS OFF) SELECT * FROM hostile.grouped_daily WHERE date >= '0001-01-01' AND date < '2020-01-01';  -- ERROR
SELECT count(*) FROM hostile.grouped_daily WHERE date BETWEEN '1970-01-01' AND '2010-12-31';  -- ERROR
-- the same range under a higher bound plans (and lists its requests)
ALTER SERVER hostile OPTIONS (ADD max_scan_requests '20000');
EXPLAIN (COSTS OFF) SELECT * FROM hostile.grouped_daily WHERE date BETWEEN '1970-01-01' AND '2010-12-31';
ALTER SERVER hostile OPTIONS (SET max_scan_requests '3');
SELECT count(*) FROM hostile.bars WHERE ticker IN ('ACME', 'BOLT', 'CRWN', 'DYNX') AND timespan = 'day' AND ts >= '2025-10-01' AND ts < '2025-10-03';  -- ERROR
-- repeats of a value are one request
SELECT count(*) FROM hostile.bars WHERE ticker IN ('ACME', 'ACME', 'BOLT', 'ACME', 'CRWN', 'BOLT') AND timespan = 'day' AND ts >= '2025-10-01' AND ts < '2025-10-03';
-- values known only when the scan starts are bounded the same way, before any request
SELECT regress.mock_requests('hostile') AS before \gset
PREPARE many_tickers(text[]) AS
  SELECT count(*) FROM hostile.bars WHERE ticker = ANY ($1) AND timespan = 'day' AND ts >= '2025-10-01' AND ts < '2025-10-03';
EXECUTE many_tickers(ARRAY['ACME', 'BOLT', 'CRWN', 'DYNX']);  -- ERROR
SELECT regress.mock_requests('hostile') - :before AS requests;
DEALLOCATE many_tickers;
-- a long list is planned in O(n log n) and statement_timeout interrupts it
ALTER SERVER hostile OPTIONS (SET max_scan_requests '10000000');
CREATE TABLE regress.many (tickers text[]);
INSERT INTO regress.many SELECT array_agg('T' || g) FROM generate_series(1, 300000) g;
CREATE FUNCTION regress.many_tickers() RETURNS text[] LANGUAGE sql STABLE AS 'SELECT tickers FROM regress.many';
SET statement_timeout = '300ms';
EXPLAIN (COSTS OFF) SELECT * FROM hostile.bars WHERE ticker = ANY (regress.many_tickers()) AND timespan = 'day' AND ts >= '2025-10-01';  -- ERROR
RESET statement_timeout;
ALTER SERVER hostile OPTIONS (DROP max_scan_requests);

-- 5. Absurd bounds: no market data exists before 1970, so a lower bound before it asks from
--    1970 ('4713-01-01 BC' gave "time zone displacement out of range"); an upper bound
--    beyond now asks until now; bounds in the wrong order are still an empty range.
SELECT count(*) AS bars FROM hostile.bars
 WHERE ticker = 'ACME' AND timespan = 'day' AND ts >= '4713-01-01 BC' AND ts < '2023-01-06';
EXPLAIN (COSTS OFF) SELECT * FROM hostile.bars
 WHERE ticker = 'ACME' AND timespan = 'day' AND ts >= '4713-01-01 BC' AND ts < '2023-01-06';
EXPLAIN (COSTS OFF) SELECT * FROM hostile.bars
 WHERE ticker = 'ACME' AND ts >= '4713-01-01 BC'::timestamp AND ts < '1970-01-02'::date;
SELECT count(*) AS bars_before_1970 FROM hostile.bars
 WHERE ticker = 'ACME' AND timespan = 'day' AND ts < '4713-01-01 BC';
SELECT count(*) AS bars_after_294276 FROM hostile.bars
 WHERE ticker = 'ACME' AND timespan = 'day' AND ts >= '294276-01-01';
SELECT count(*) AS bars_at_4713_bc FROM hostile.bars
 WHERE ticker = 'ACME' AND ts = '4713-01-01 BC';
SELECT count(*) > 0 AS to_the_end_of_time FROM hostile.bars
 WHERE ticker = 'ACME' AND timespan = 'day' AND ts >= '2025-10-01' AND ts <= '294276-12-30';
SELECT count(*) FROM hostile.bars
 WHERE ticker = 'ACME' AND timespan = 'day' AND ts >= '294276-01-01' AND ts < '4713-01-01 BC';  -- ERROR
EXPLAIN (COSTS OFF) SELECT * FROM hostile.trades
 WHERE ticker = 'ACME' AND ts >= '4713-01-01 BC' AND ts < '2025-10-02 09:31';
EXPLAIN (COSTS OFF) SELECT * FROM hostile.trades
 WHERE ticker = 'ACME' AND ts >= '2025-10-02 09:30' AND ts <= '294276-12-31';
EXPLAIN (COSTS OFF) SELECT * FROM hostile.news
 WHERE published_utc >= '4713-01-01 BC' AND published_utc < '294276-01-01';
EXPLAIN (COSTS OFF) SELECT * FROM hostile.splits
 WHERE execution_date >= '4713-01-01 BC' AND execution_date <= '5874897-12-31';
EXPLAIN (COSTS OFF) SELECT * FROM hostile.grouped_daily
 WHERE date BETWEEN '4713-01-01 BC' AND '1970-01-09';

-- 6. A next_url is the server's text: one that could reach another path (dot segments) or
--    carries control characters is refused before anything is sent for it.
SELECT regress.make_server('hnext_dots', 'tag=hnext_dots,body=local_v3_reference_tickers_next_url_dot_segments.json');
SELECT regress.make_server('hnext_crlf', 'tag=hnext_crlf,body=local_v3_reference_tickers_next_url_crlf.json');
SELECT ticker FROM hnext_dots.tickers WHERE active;  -- ERROR
SELECT ticker FROM hnext_crlf.tickers WHERE active;  -- ERROR
SELECT regress.mock_requests('hnext_dots') AS dots_requests, regress.mock_requests('hnext_crlf') AS crlf_requests;

-- 7. Retry-After values that are not a number of seconds or a date fall back to the back-off.
SELECT v AS retry_after,
       regress.make_server('hretry' || i, format('tag=hretry%s,status=429,times=1,retry_after=%s', i, v),
                           'max_retries ''2'', retry_base_ms ''1'', retry_max_ms ''5''') AS made
  FROM unnest(ARRAY['abc', '-5', '1.5', '0x10', '%20']) WITH ORDINALITY AS t(v, i);
SELECT (SELECT count(*) FROM hretry1.bars WHERE ticker = 'ACME' AND timespan = 'day' AND ts >= '2025-10-01' AND ts < '2025-10-03') AS abc,
       (SELECT count(*) FROM hretry2.bars WHERE ticker = 'ACME' AND timespan = 'day' AND ts >= '2025-10-01' AND ts < '2025-10-03') AS minus_five,
       (SELECT count(*) FROM hretry3.bars WHERE ticker = 'ACME' AND timespan = 'day' AND ts >= '2025-10-01' AND ts < '2025-10-03') AS one_and_a_half,
       (SELECT count(*) FROM hretry4.bars WHERE ticker = 'ACME' AND timespan = 'day' AND ts >= '2025-10-01' AND ts < '2025-10-03') AS hex,
       (SELECT count(*) FROM hretry5.bars WHERE ticker = 'ACME' AND timespan = 'day' AND ts >= '2025-10-01' AND ts < '2025-10-03') AS blank;
-- the same session, the same postmaster: nothing crashed
SELECT pg_backend_pid() = :start_pid AS same_session, pg_postmaster_start_time() = :'start_time' AS same_postmaster;

SET client_min_messages = warning;
DROP SERVER hostile, hpath, hnext_dots, hnext_crlf, hretry1, hretry2, hretry3, hretry4, hretry5 CASCADE;
DROP SCHEMA hostile, hpath, hnext_dots, hnext_crlf, hretry1, hretry2, hretry3, hretry4, hretry5 CASCADE;
DROP TABLE regress.many;
