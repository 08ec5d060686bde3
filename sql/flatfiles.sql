-- Flat files: one gzip CSV file per day (us_stocks_sip/...), read as a stream
-- from a local directory and from S3 (the mock checks AWS Signature V4).  The
-- files are written here in the layout Polygon publishes, from the real head
-- of a trades file and from the REST tables' rows, and read back equal.
\i test/regress/setup.sql
\i test/regress/fixtures.sql
\getenv flatdir TAPE_FLATFILES_DIR
SELECT set_config('regress.flatdir', :'flatdir', false) IS NOT NULL AS flatdir_set;
SELECT regress.make_server('mock');

-- run a shell command (as the server's user); it reads COPY's one line first, so a
-- command that exits at once never breaks the pipe
CREATE FUNCTION regress.run(p_command text) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  EXECUTE format('COPY (SELECT 1) TO PROGRAM %L', 'cat >/dev/null; ' || p_command);
END $$;
-- the path of the flat file of a dataset and day, its directory made
CREATE FUNCTION regress.flat_path(p_dataset text, p_day date) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
  dir text := format('%s/us_stocks_sip/%s/%s', current_setting('regress.flatdir'), p_dataset, to_char(p_day, 'YYYY/MM'));
BEGIN
  PERFORM regress.run('mkdir -p ' || dir);
  RETURN format('%s/%s.csv.gz', dir, to_char(p_day, 'YYYY-MM-DD'));
END $$;
-- write the rows of a query as the file of a dataset and day (gzip, with a header)
CREATE FUNCTION regress.write_flat(p_dataset text, p_day date, p_query text) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
  EXECUTE format('COPY (%s) TO PROGRAM %L WITH (FORMAT csv, HEADER)', p_query,
                 'gzip -c > ' || regress.flat_path(p_dataset, p_day));
END $$;

\set flat_url file:// :flatdir
CREATE SERVER flat_local FOREIGN DATA WRAPPER polygon_fdw OPTIONS (flatfiles_url :'flat_url');
CREATE SCHEMA flat_local;
IMPORT FOREIGN SCHEMA polygon LIMIT TO (flat_trades, flat_quotes, flat_minute_aggs, flat_day_aggs)
  FROM SERVER flat_local INTO flat_local;

-- the real head of a trades file (flatfiles_us_stocks_sip_trades_v1_2024-04-05_head.csv), gzip'd;
-- a 0 in trf_id, trf_timestamp or correction means none: NULL, as a missing field in REST
SELECT regress.run(format('gzip -c %s/flatfiles_us_stocks_sip_trades_v1_2024-04-05_head.csv > %s',
                          current_setting('regress.fixdir'), regress.flat_path('trades_v1', '2024-04-05')));
SELECT * FROM flat_local.flat_trades WHERE date = '2024-04-05';

-- trades of two tickers for ten minutes, written as Polygon lays them out, read back equal to the REST rows
SELECT regress.write_flat('trades_v1', '2025-10-02', $$
  SELECT ticker, array_to_string(conditions, ',') AS conditions, coalesce(correction, 0) AS correction, exchange, id,
         participant_timestamp, price, sequence_number, sip_timestamp, size, tape, coalesce(trf_id, 0) AS trf_id,
         coalesce(trf_timestamp, 0) AS trf_timestamp
    FROM mock.trades WHERE ticker IN ('ACME', 'BOLT') AND ts >= '2025-10-02 12:15' AND ts < '2025-10-02 12:25'
   ORDER BY ticker, ts$$);
CREATE TABLE regress.rest_trades AS
SELECT ticker, ts, sip_timestamp, participant_timestamp, trf_timestamp, price, size, exchange, trf_id, tape,
       conditions, correction, id, sequence_number
  FROM mock.trades WHERE ticker IN ('ACME', 'BOLT') AND ts >= '2025-10-02 12:15' AND ts < '2025-10-02 12:25';
CREATE TABLE regress.flat_trades AS
SELECT ticker, ts, sip_timestamp, participant_timestamp, trf_timestamp, price, size, exchange, trf_id, tape,
       conditions, correction, id, sequence_number
  FROM flat_local.flat_trades WHERE date = '2025-10-02';
SELECT (SELECT count(*) FROM regress.flat_trades) AS trades,
       (SELECT count(*) FROM regress.flat_trades WHERE trf_id IS NOT NULL) AS via_a_trf,
       (SELECT count(*) FROM (SELECT * FROM regress.flat_trades EXCEPT ALL SELECT * FROM regress.rest_trades) a) +
       (SELECT count(*) FROM (SELECT * FROM regress.rest_trades EXCEPT ALL SELECT * FROM regress.flat_trades) b) AS differences;

-- quotes on both sides of 2025-11-03: the files held round lots before, shares since; both read as shares
SELECT regress.write_flat('quotes_v1', d, format($$
  SELECT ticker, ask_exchange, ask_price, (ask_size / %1$s)::bigint AS ask_size, bid_exchange, bid_price,
         (bid_size / %1$s)::bigint AS bid_size, array_to_string(conditions, ',') AS conditions,
         array_to_string(indicators, ',') AS indicators, participant_timestamp, sequence_number, sip_timestamp, tape,
         coalesce(trf_timestamp, 0) AS trf_timestamp
    FROM mock.quotes WHERE ticker = 'ACME' AND ts >= '%2$s 12:20' AND ts < '%2$s 12:22'$$,
  CASE WHEN d < '2025-11-03' THEN 100 ELSE 1 END, d))
  FROM unnest(ARRAY['2025-10-31', '2025-11-03']::date[]) AS d;
SELECT date, count(*) AS quotes, min(bid_size) AS min_bid_size, max(ask_size) AS max_ask_size,
       count(*) FILTER (WHERE (ticker, sip_timestamp, bid_price, bid_size, ask_price, ask_size, sequence_number) NOT IN
                              (SELECT ticker, sip_timestamp, bid_price, bid_size, ask_price, ask_size, sequence_number
                                 FROM mock.quotes WHERE ticker = 'ACME' AND ts >= date::timestamp + time '12:20'
                                  AND ts < date::timestamp + time '12:22')) AS not_in_rest
  FROM flat_local.flat_quotes q WHERE date IN ('2025-10-31', '2025-11-03') GROUP BY date ORDER BY date;

-- minute and day bars: window_start in nanoseconds; columns are found by the header, in any order
SELECT regress.write_flat('minute_aggs_v1', '2025-10-02', $$
  SELECT transactions, ticker, (extract(epoch FROM ts) * 1e9)::bigint AS window_start, low, high, close, open, volume
    FROM mock.bars WHERE ticker IN ('ACME', 'BOLT') AND ts >= '2025-10-02' AND ts < '2025-10-03'$$);
SELECT regress.write_flat('day_aggs_v1', '2025-10-02', $$
  SELECT ticker, volume, open, close, high, low, (extract(epoch FROM ts) * 1e9)::bigint AS window_start, transactions
    FROM mock.bars WHERE ticker IN ('ACME', 'BOLT', 'CRWN') AND timespan = 'day' AND ts >= '2025-10-02' AND ts < '2025-10-03'$$);
SELECT (SELECT count(*) FROM flat_local.flat_minute_aggs WHERE date = '2025-10-02') AS minute_bars,
       (SELECT count(*) FROM (SELECT ticker, ts, open, high, low, close, volume, transactions FROM flat_local.flat_minute_aggs
                               WHERE date = '2025-10-02'
                              EXCEPT ALL
                              SELECT ticker, ts, open, high, low, close, volume, transactions FROM mock.bars
                               WHERE ticker IN ('ACME', 'BOLT') AND ts >= '2025-10-02' AND ts < '2025-10-03') d) AS differences;
SELECT ticker, date, ts, open, high, low, close, volume, transactions FROM flat_local.flat_day_aggs WHERE date = '2025-10-02'
 ORDER BY ticker;

-- a file of two gzip members (files joined with cat) reads as one
SELECT regress.run(format('zcat %1$s > %3$s && (head -2 %3$s | gzip -c; tail -n +3 %3$s | gzip -c) > %2$s && rm %3$s',
                          regress.flat_path('day_aggs_v1', '2025-10-02'), regress.flat_path('day_aggs_v1', '2025-10-01'),
                          current_setting('regress.flatdir') || '/two_members.csv'));
SELECT count(*) AS day_bars_from_two_members FROM flat_local.flat_day_aggs WHERE date = '2025-10-01';

-- a day without a file (a holiday, or not published yet) has no rows; weekends are not asked for
EXPLAIN (COSTS OFF) SELECT * FROM flat_local.flat_trades WHERE date BETWEEN '2025-10-02' AND '2025-10-06';
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF)
SELECT count(*) FROM flat_local.flat_trades WHERE date BETWEEN '2025-10-02' AND '2025-10-06';

-- the same files from S3: the mock serves the directory as the bucket "flatfiles" and checks SigV4
\set s3_url :mock_url /flatfiles
CREATE SERVER flat_s3 FOREIGN DATA WRAPPER polygon_fdw OPTIONS (flatfiles_url :'s3_url');
CREATE USER MAPPING FOR CURRENT_USER SERVER flat_s3
  OPTIONS (s3_access_key_id 'tape-test-s3-key-id', s3_secret_access_key 'tape-test-secret-not-secret');
CREATE SCHEMA flat_s3;
IMPORT FOREIGN SCHEMA polygon LIMIT TO (flat_trades, flat_day_aggs) FROM SERVER flat_s3 INTO flat_s3;
SELECT (SELECT count(*) FROM flat_s3.flat_trades WHERE date = '2025-10-02') AS trades_from_s3,
       (SELECT count(*) FROM (SELECT ticker, sip_timestamp, price, size, conditions FROM flat_s3.flat_trades WHERE date = '2025-10-02'
                              EXCEPT ALL SELECT ticker, sip_timestamp, price, size, conditions FROM regress.rest_trades) d) AS differences;
SELECT regress.mock_requests('plain') AS before \gset
SELECT count(*) AS day_bars FROM flat_s3.flat_day_aggs WHERE date BETWEEN '2025-10-01' AND '2025-10-03';
SELECT path, status, auth FROM regress.mock_log('plain') WHERE path LIKE '/flatfiles/%day_aggs%' ORDER BY path;

-- a download counts against temp_file_limit; the error leaves the next download working
SET temp_file_limit = '16kB';
SELECT count(*) FROM flat_s3.flat_trades WHERE date = '2025-10-02';  -- ERROR
RESET temp_file_limit;
SELECT count(*) AS trades_after_the_limit FROM flat_s3.flat_trades WHERE date = '2025-10-02';

-- S3 refusals say why, and the secret appears nowhere
ALTER USER MAPPING FOR CURRENT_USER SERVER flat_s3 OPTIONS (SET s3_secret_access_key 'not-the-secret');
SELECT count(*) FROM flat_s3.flat_trades WHERE date = '2025-10-02';  -- ERROR
ALTER USER MAPPING FOR CURRENT_USER SERVER flat_s3 OPTIONS (DROP s3_secret_access_key);
SELECT count(*) FROM flat_s3.flat_trades WHERE date = '2025-10-02';  -- ERROR

-- broken files say where
SELECT regress.run(format('printf ''ticker,volume\nACME,1\n'' | gzip -c > %s', regress.flat_path('day_aggs_v1', '2025-09-30')));
SELECT count(*) FROM flat_local.flat_day_aggs WHERE date = '2025-09-30';  -- ERROR
SELECT regress.run(format('printf ''ticker,volume,open,close,high,low,window_start,transactions\nACME,1,2\n'' | gzip -c > %s',
                          regress.flat_path('day_aggs_v1', '2025-09-29')));
SELECT count(*) FROM flat_local.flat_day_aggs WHERE date = '2025-09-29';  -- ERROR
SELECT regress.run(format('printf ''ticker,volume,open,close,high,low,window_start,transactions\nACME,1x,2,2,2,2,1759118400000000000,3\n'' | gzip -c > %s',
                          regress.flat_path('day_aggs_v1', '2025-09-26')));
SELECT ticker, volume FROM flat_local.flat_day_aggs WHERE date = '2025-09-26';  -- ERROR
SELECT regress.run(format('gzip -c < %s/flatfiles_us_stocks_sip_trades_v1_2024-04-05_head.csv | head -c 60 > %s',
                          current_setting('regress.fixdir'), regress.flat_path('trades_v1', '2024-04-04')));
SELECT count(*) FROM flat_local.flat_trades WHERE date = '2024-04-04';  -- ERROR
SELECT count(*) FROM flat_local.flat_trades WHERE ticker = 'ACME';  -- ERROR

-- a local directory is for roles that may read the server's files (pg_read_server_files):
-- checked when the option is set, and again when a scan reads through it
CREATE ROLE regress_flat_analyst;
CREATE ROLE regress_flat_reader IN ROLE pg_read_server_files;
GRANT USAGE ON FOREIGN DATA WRAPPER polygon_fdw TO regress_flat_analyst, regress_flat_reader;
GRANT USAGE ON SCHEMA flat_local TO regress_flat_analyst, regress_flat_reader;
GRANT SELECT ON flat_local.flat_day_aggs TO regress_flat_analyst, regress_flat_reader;
SET ROLE regress_flat_analyst;
CREATE SERVER regress_flat_own FOREIGN DATA WRAPPER polygon_fdw OPTIONS (flatfiles_url 'file:///etc');  -- ERROR
CREATE SERVER regress_flat_own FOREIGN DATA WRAPPER polygon_fdw OPTIONS (flatfiles_url 'FILE:///etc');  -- ERROR
CREATE SERVER regress_flat_own FOREIGN DATA WRAPPER polygon_fdw;
ALTER SERVER regress_flat_own OPTIONS (ADD flatfiles_url 'file:///etc');  -- ERROR
SELECT count(*) FROM flat_local.flat_day_aggs WHERE date = '2025-10-02';  -- ERROR
RESET ROLE;
-- a server handed to a role without the privilege does not let it point elsewhere
ALTER SERVER flat_local OWNER TO regress_flat_analyst;
SET ROLE regress_flat_analyst;
ALTER SERVER flat_local OPTIONS (SET flatfiles_url 'file:///etc');  -- ERROR
RESET ROLE;
ALTER SERVER flat_local OWNER TO CURRENT_USER;
SET ROLE regress_flat_reader;
SELECT count(*) AS day_bars_for_a_reader FROM flat_local.flat_day_aggs WHERE date = '2025-10-02';
CREATE SERVER regress_flat_reader_own FOREIGN DATA WRAPPER polygon_fdw OPTIONS (flatfiles_url 'file:///srv/polygon');
RESET ROLE;
SET client_min_messages = warning;
DROP SERVER regress_flat_own, regress_flat_reader_own;
REVOKE ALL ON flat_local.flat_day_aggs FROM regress_flat_analyst, regress_flat_reader;
REVOKE ALL ON SCHEMA flat_local FROM regress_flat_analyst, regress_flat_reader;
REVOKE ALL ON FOREIGN DATA WRAPPER polygon_fdw FROM regress_flat_analyst, regress_flat_reader;
DROP ROLE regress_flat_analyst, regress_flat_reader;
RESET client_min_messages;
