-- Requests in flight at once within one scan (concurrent_requests): the first
-- pages of the next series and the next page of the current one are asked for
-- early, rows still come in order, and nothing is asked early when the query
-- may stop before the end (LIMIT, EXISTS, cursors).
\i test/regress/setup.sql

-- the greatest number of requests of a tag the mock was answering at the same time
CREATE FUNCTION regress.max_in_flight(p_tag text) RETURNS bigint LANGUAGE sql AS $$
  WITH r AS (SELECT ((line::jsonb) ->> 't')::float8 AS t0,
                    ((line::jsonb) ->> 't')::float8 + ((line::jsonb) ->> 'ms')::float8 / 1000 AS t1
               FROM regexp_split_to_table(pg_read_file(current_setting('regress.mock_log')), E'\n') AS l(line)
              WHERE line <> '' AND (line::jsonb) ->> 'tag' = p_tag)
  SELECT max(n) FROM (SELECT (SELECT count(*) FROM r r2 WHERE r2.t0 <= r1.t0 AND r2.t1 > r1.t0) AS n FROM r r1) s
$$;

-- six tickers' day bars from a server that takes 300 ms to answer: one, then four at a time
SELECT regress.make_server('conc1', 'tag=conc1,delay_ms=300', 'concurrent_requests ''1''');
SELECT regress.make_server('conc4', 'tag=conc4,delay_ms=300', 'concurrent_requests ''4''');
CREATE TABLE regress.one_at_a_time AS
SELECT ticker, ts, close, volume FROM conc1.bars
 WHERE ticker IN ('ACME', 'BOLT', 'CRWN', 'DYNX', 'FLUX', 'GRNQ') AND timespan = 'day'
   AND ts >= '2025-09-01' AND ts < '2025-10-01';
CREATE TABLE regress.four_at_a_time AS
SELECT ticker, ts, close, volume FROM conc4.bars
 WHERE ticker IN ('ACME', 'BOLT', 'CRWN', 'DYNX', 'FLUX', 'GRNQ') AND timespan = 'day'
   AND ts >= '2025-09-01' AND ts < '2025-10-01';
SELECT regress.mock_requests('conc1') AS requests_one, regress.mock_requests('conc4') AS requests_four,
       regress.max_in_flight('conc1') AS in_flight_one, regress.max_in_flight('conc4') >= 3 AS in_flight_four_at_least_3;
SELECT (SELECT count(*) FROM regress.one_at_a_time) AS bars,
       (SELECT count(*) FROM (SELECT * FROM regress.one_at_a_time EXCEPT SELECT * FROM regress.four_at_a_time) d) +
       (SELECT count(*) FROM (SELECT * FROM regress.four_at_a_time EXCEPT SELECT * FROM regress.one_at_a_time) d) AS differences;

-- the rows still come in (ticker, ts) order, so ORDER BY needs no sort
EXPLAIN (COSTS OFF) SELECT ticker, ts FROM conc4.bars
 WHERE ticker IN ('ACME', 'BOLT', 'CRWN') AND timespan = 'day' AND ts >= '2025-09-01' AND ts < '2025-10-01'
 ORDER BY ticker, ts;
SELECT bool_and(in_order) AS in_order, count(*) AS bars
  FROM (SELECT (ticker, ts) >= lag((ticker, ts)) OVER () OR lag(ticker) OVER () IS NULL AS in_order
          FROM conc4.bars WHERE ticker IN ('FLUX', 'ACME', 'DYNX', 'BOLT') AND timespan = 'day'
           AND ts >= '2025-09-01' AND ts < '2025-10-01') s;

-- a series of several pages: the next page is asked for while the current one is read
SELECT regress.make_server('cpage1', 'tag=cpage1,page=1000,delay_ms=200', 'concurrent_requests ''1''');
SELECT regress.make_server('cpage2', 'tag=cpage2,page=1000,delay_ms=200', 'concurrent_requests ''2''');
SELECT (SELECT count(*) FROM cpage1.trades WHERE ticker = 'ACME' AND ts >= '2025-10-02 12:00' AND ts < '2025-10-02 12:30') AS trades_one,
       (SELECT count(*) FROM cpage2.trades WHERE ticker = 'ACME' AND ts >= '2025-10-02 12:00' AND ts < '2025-10-02 12:30') AS trades_two;
SELECT regress.mock_requests('cpage1') AS requests_one, regress.mock_requests('cpage2') AS requests_two;

-- a range of several days becomes one request per market day, asked for together: days end at
-- midnight New York and a weekend joins its Friday; the rows are the same and still in order
CREATE TABLE regress.days_one_request AS
SELECT ticker, ts, sip_timestamp, price, size FROM conc1.trades
 WHERE ticker IN ('ACME', 'BOLT') AND ts >= '2025-10-03 19:30' AND ts < '2025-10-07 04:30';
SELECT regress.mock_requests('conc4') AS before_days \gset
CREATE TABLE regress.days_in_flight AS
SELECT ticker, ts, sip_timestamp, price, size, row_number() OVER () AS n FROM conc4.trades
 WHERE ticker IN ('ACME', 'BOLT') AND ts >= '2025-10-03 19:30' AND ts < '2025-10-07 04:30';
SELECT regress.mock_requests('conc4') - :before_days AS requests_for_two_tickers_and_three_days;
SELECT substring(path FROM '/v3/trades/([A-Z]+)') AS ticker,
       to_timestamp(substring(path FROM 'timestamp.gte=([0-9]+)')::numeric / 1e9) AT TIME ZONE 'America/New_York' AS from_ny,
       to_timestamp((substring(path FROM 'timestamp.lte=([0-9]+)')::numeric + 1) / 1e9) AT TIME ZONE 'America/New_York' AS until_ny
  FROM regress.mock_log('conc4') WHERE path LIKE '%/v3/trades/%' ORDER BY 1, 2;
SELECT (SELECT count(*) FROM regress.days_in_flight) AS trades,
       (SELECT count(DISTINCT ts::date) FROM regress.days_in_flight) AS days,
       (SELECT count(*) FROM (SELECT ticker, ts, sip_timestamp, price, size FROM regress.days_in_flight
                              EXCEPT ALL SELECT * FROM regress.days_one_request) d) +
       (SELECT count(*) FROM (SELECT * FROM regress.days_one_request
                              EXCEPT ALL SELECT ticker, ts, sip_timestamp, price, size FROM regress.days_in_flight) d) AS differences,
       (SELECT bool_and(in_order) FROM (SELECT (ticker, sip_timestamp) >= lag((ticker, sip_timestamp)) OVER (ORDER BY n)
                                                 OR n = 1 AS in_order FROM regress.days_in_flight) s) AS in_order;

-- a longer range is cut into at most 32 pieces of whole days: nine months, 28 requests of 7 weekdays
EXPLAIN (COSTS OFF) SELECT * FROM conc4.trades WHERE ticker = 'ACME' AND ts >= '2025-01-01' AND ts < '2025-10-01';

-- a query that may stop early asks for nothing early: LIMIT 3 makes one request
SELECT regress.make_server('conclim', 'tag=conclim,delay_ms=100', 'concurrent_requests ''4''');
SELECT ticker, ts::date FROM conclim.bars
 WHERE ticker IN ('ACME', 'BOLT', 'CRWN', 'DYNX') AND timespan = 'day' AND ts >= '2025-09-01' AND ts < '2025-10-01'
 LIMIT 3;
SELECT regress.mock_requests('conclim') AS requests_for_limit_3;
SELECT EXISTS (SELECT 1 FROM conclim.bars WHERE ticker IN ('ACME', 'BOLT', 'CRWN', 'DYNX') AND timespan = 'day'
                  AND ts >= '2025-09-01' AND ts < '2025-10-01') AS any_bar;
SELECT regress.mock_requests('conclim') AS requests_after_exists;

-- an error in one series stops the scan; the pages asked early are dropped
SELECT regress.make_server('concerr', 'tag=concerr', 'concurrent_requests ''4''');
SELECT count(*) FROM concerr.ticker_details WHERE ticker IN ('ACME', 'BOLT', 'NOPE', 'DYNX');  -- ERROR
SELECT count(*) AS after_the_error FROM concerr.ticker_details WHERE ticker IN ('ACME', 'BOLT', 'DYNX');

-- the option's bounds
ALTER SERVER conc4 OPTIONS (SET concurrent_requests '17');  -- ERROR
