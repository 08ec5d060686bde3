-- Which WHERE conditions push down into the bars request, and exactly how.
-- EXPLAIN shows the endpoint, the pushed-down conditions and the requests.
\i test/regress/setup.sql
SELECT regress.make_server('mock');

-- ticker and a ts range: minute bars by default, ms bounds with exact inclusive/exclusive meaning
EXPLAIN (COSTS OFF)
SELECT * FROM mock.bars WHERE ticker = 'ACME' AND ts >= '2025-10-06 09:30' AND ts < '2025-10-06 16:00';
EXPLAIN (COSTS OFF)
SELECT * FROM mock.bars WHERE ticker = 'ACME' AND ts > '2025-10-06 09:30' AND ts <= '2025-10-06 16:00';
-- BETWEEN, bounds given as dates or timestamps without time zone, reversed operands
EXPLAIN (COSTS OFF)
SELECT * FROM mock.bars WHERE ticker = 'ACME' AND ts BETWEEN date '2025-10-06' AND timestamp '2025-10-06 12:00';
EXPLAIN (COSTS OFF)
SELECT * FROM mock.bars WHERE 'ACME' = ticker AND '2025-10-06' <= ts AND '2025-10-07' > ts;
-- several bounds: the tightest wins
EXPLAIN (COSTS OFF)
SELECT * FROM mock.bars WHERE ticker = 'ACME' AND ts >= '2025-10-01' AND ts >= '2025-10-06'
   AND ts < '2025-10-10' AND ts < '2025-10-07';
-- ts = one instant
EXPLAIN (COSTS OFF)
SELECT * FROM mock.bars WHERE ticker = 'ACME' AND ts = '2025-10-06 09:31';

-- day bars and longer use New York dates; a bar starts at 00:00 New York
EXPLAIN (COSTS OFF)
SELECT * FROM mock.bars WHERE ticker = 'ACME' AND timespan = 'day' AND ts >= '2025-10-01' AND ts < '2025-11-01';
EXPLAIN (COSTS OFF)
SELECT * FROM mock.bars WHERE ticker = 'ACME' AND timespan = 'day'
   AND ts > '2025-10-01 00:00-04' AND ts <= '2025-10-31 09:30-04';
SET timezone = 'UTC';
-- 2025-10-01 00:00 UTC is 2025-09-30 20:00 New York: the first bar is the one of 2025-10-01
EXPLAIN (COSTS OFF)
SELECT * FROM mock.bars WHERE ticker = 'ACME' AND timespan = 'day' AND ts >= '2025-10-01' AND ts < '2025-10-02';
SET timezone = 'America/New_York';
-- without a lower bound, day bars come from the whole history
EXPLAIN (COSTS OFF)
SELECT * FROM mock.bars WHERE ticker = 'ACME' AND timespan = 'week' AND ts < '2025-01-01';

-- timespan, multiplier and adjusted are path and query parameters
EXPLAIN (COSTS OFF)
SELECT * FROM mock.bars WHERE ticker = 'ACME' AND timespan = 'hour' AND multiplier = 4
   AND NOT adjusted AND ts >= '2025-10-06' AND ts < '2025-10-08';
EXPLAIN (COSTS OFF)
SELECT * FROM mock.bars WHERE ticker = 'ACME' AND timespan = 'day' AND adjusted
   AND ts >= '2025-10-06' AND ts < '2025-10-08';

-- IN lists: one request series per value, tickers in sort order; ORDER BY ticker, ts needs no Sort
EXPLAIN (COSTS OFF)
SELECT * FROM mock.bars WHERE ticker IN ('FLUX', 'ACME', 'BOLT', 'ACME') AND timespan = 'day'
   AND ts >= '2025-10-06' AND ts < '2025-10-08'
 ORDER BY ticker, ts;
EXPLAIN (COSTS OFF)
SELECT * FROM mock.bars WHERE ticker = ANY (ARRAY['DYNX', 'CRWN']) AND timespan = 'day'
   AND ts >= '2025-10-06' AND ts < '2025-10-08'
 ORDER BY ticker, ts;
-- a single ticker is ordered by ts
EXPLAIN (COSTS OFF)
SELECT * FROM mock.bars WHERE ticker = 'ACME' AND ts >= '2025-10-06' AND ts < '2025-10-07' ORDER BY ts;
-- descending order needs a Sort
EXPLAIN (COSTS OFF)
SELECT * FROM mock.bars WHERE ticker = 'ACME' AND ts >= '2025-10-06' AND ts < '2025-10-07' ORDER BY ts DESC;
-- several timespans: several series per ticker, no longer in (ticker, ts) order
EXPLAIN (COSTS OFF)
SELECT * FROM mock.bars WHERE ticker = 'ACME' AND timespan IN ('day', 'week')
   AND ts >= '2025-10-06' AND ts < '2025-10-08'
 ORDER BY ticker, ts;
-- contradictory equalities: nothing to fetch
EXPLAIN (COSTS OFF)
SELECT * FROM mock.bars WHERE ticker = 'ACME' AND ticker = 'BOLT' AND ts >= '2025-10-06' AND ts < '2025-10-07';
SELECT count(*) FROM mock.bars WHERE ticker = 'ACME' AND ticker = 'BOLT' AND ts >= '2025-10-06' AND ts < '2025-10-07';
SELECT count(*) FROM mock.bars WHERE ticker = NULL AND ts >= '2025-10-06' AND ts < '2025-10-07';
SELECT count(*) FROM mock.bars WHERE ticker IN ('ACME', NULL) AND timespan = 'day' AND ts >= '2025-10-06' AND ts < '2025-10-07';

-- conditions that do not push down stay local filters
EXPLAIN (COSTS OFF)
SELECT * FROM mock.bars WHERE ticker = 'ACME' AND ts >= '2025-10-06' AND ts < '2025-10-07'
   AND close > 5 AND upper(timespan) = 'MINUTE';

-- parameters and stable functions are evaluated when the scan starts
PREPARE q(text, timestamptz) AS
  SELECT count(*) FROM mock.bars WHERE ticker = $1 AND ts >= $2 AND ts < $2 + interval '1 day';
EXPLAIN (COSTS OFF) EXECUTE q('BOLT', '2025-10-06');
EXECUTE q('BOLT', '2025-10-06');
DEALLOCATE q;
EXPLAIN (COSTS OFF)
SELECT count(*) FROM mock.bars WHERE ticker = lower('ACME') AND ts >= date '2025-10-06' + 1
   AND ts < date '2025-10-06' + 2;

-- row estimates follow the range: trading days x bars per day of the timespan
EXPLAIN SELECT * FROM mock.bars WHERE ticker = 'ACME' AND ts >= '2025-10-06' AND ts < '2025-10-08';
EXPLAIN SELECT * FROM mock.bars WHERE ticker IN ('ACME', 'BOLT') AND timespan = 'day'
   AND ts >= '2025-01-01' AND ts < '2026-01-01';
EXPLAIN SELECT * FROM mock.bars WHERE ticker = 'ACME' AND timespan = 'minute' AND multiplier = 5
   AND ts >= '2025-10-06' AND ts < '2025-10-07';

-- a range in the future has nothing to fetch yet
EXPLAIN (COSTS OFF)
SELECT * FROM mock.bars WHERE ticker = 'ACME' AND ts >= now() + interval '1 day';
SELECT count(*) FROM mock.bars WHERE ticker = 'ACME' AND ts >= now() + interval '1 day';

-- what cannot run says why
SELECT * FROM mock.bars WHERE ts >= '2025-10-06';  -- ERROR
SELECT * FROM mock.bars WHERE ticker LIKE 'AC%' AND ts >= '2025-10-06';  -- ERROR
SELECT * FROM mock.bars WHERE ticker = 'ACME';  -- ERROR
SELECT * FROM mock.bars WHERE ticker = 'ACME' AND timespan = 'minute' AND ts < '2025-10-06';  -- ERROR
SELECT * FROM mock.bars WHERE ticker = 'ACME' AND timespan = 'minutes' AND ts >= '2025-10-06';  -- ERROR
SELECT * FROM mock.bars WHERE ticker = 'ACME' AND multiplier = 0 AND ts >= '2025-10-06';  -- ERROR
SELECT * FROM mock.bars WHERE ticker = 'ACME' AND ts >= '2025-10-07' AND ts < '2025-10-06';  -- ERROR
SELECT * FROM mock.bars WHERE ticker = 'ACME' AND ts >= '2025-10-06 10:00' AND ts < '2025-10-06 10:00';  -- ERROR
SELECT * FROM mock.bars WHERE ticker = 'ACME' AND timespan = 'day' AND ts >= '2025-10-07' AND ts <= '2025-10-06 23:59';  -- ERROR
SELECT * FROM mock.bars WHERE ticker = 'ACME' AND ts >= '2025-02-30';  -- ERROR
-- infinite bounds mean no bound
EXPLAIN (COSTS OFF)
SELECT * FROM mock.bars WHERE ticker = 'ACME' AND timespan = 'month' AND ts >= '-infinity' AND ts < '2024-01-01';
SELECT count(*) FROM mock.bars WHERE ticker = 'ACME' AND ts >= 'infinity';
