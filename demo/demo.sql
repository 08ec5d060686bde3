-- tape demo: the main job on the bundled demo data.
--
-- Runs against the Polygon mock server (test/mock/polygon_mock.py), whose
-- demo universe is fictional small caps with deterministic generated data.
-- With a real key, point base_url at https://api.massive.com instead.

\getenv mock_url TAPE_MOCK_URL
\getenv api_key TAPE_API_KEY
\pset null '∅'
\set ECHO queries

CREATE EXTENSION tape;
SELECT tape.version();

-- 1. Connect polygon_fdw to the API (here: the mock server) and import its tables.
CREATE SERVER polygon FOREIGN DATA WRAPPER polygon_fdw
  OPTIONS (base_url :'mock_url', requests_per_minute '0');
\set ECHO none
CREATE USER MAPPING FOR CURRENT_USER SERVER polygon OPTIONS (api_key :'api_key');
\set ECHO queries
CREATE SCHEMA polygon;
IMPORT FOREIGN SCHEMA polygon FROM SERVER polygon INTO polygon;

SET timezone = 'America/New_York';

-- 2. The universe: active and delisted tickers (no condition on active fetches both lists).
SELECT ticker, name, primary_exchange, type, active, delisted_utc::date AS delisted
  FROM polygon.tickers
 ORDER BY ticker;

-- 3. Day bars of three small caps for one week (one request per ticker).
SELECT ticker, ts::date AS day, open, high, low, close, volume, vwap, transactions
  FROM polygon.bars
 WHERE ticker IN ('ACME', 'BOLT', 'CRWN') AND timespan = 'day'
   AND ts >= '2025-09-29' AND ts < '2025-10-04'
 ORDER BY ticker, ts;

-- 4. Minute bars around a news spike: ACME on 2025-10-02 near 12:20 New York time.
SELECT ts, open, high, low, close, volume, transactions
  FROM polygon.bars
 WHERE ticker = 'ACME' AND ts >= '2025-10-02 12:14' AND ts < '2025-10-02 12:27'
 ORDER BY ts;

-- 5. What the spike looks like per session of that day (pre-market, regular, after hours).
SELECT CASE WHEN ts::time < '09:30' THEN 'PM' WHEN ts::time < '16:00' THEN 'RTH' ELSE 'AH' END AS session,
       count(*) AS bars, min(ts)::time AS first_bar, max(ts)::time AS last_bar,
       sum(volume) AS volume, round((sum(vwap * volume) / sum(volume))::numeric, 4) AS vwap
  FROM polygon.bars
 WHERE ticker = 'ACME' AND ts >= '2025-10-02' AND ts < '2025-10-03'
 GROUP BY 1
 ORDER BY min(ts);

-- 6. Split-adjusted and raw prices around CRWN's 1-for-10 reverse split of 2025-06-16.
SELECT ts::date AS day, adjusted, close, volume
  FROM polygon.bars
 WHERE ticker = 'CRWN' AND timespan = 'day' AND adjusted IN (true, false)
   AND ts >= '2025-06-12' AND ts < '2025-06-18'
 ORDER BY adjusted DESC, ts;

-- 7. The whole market on one day, and reference details of a delisted name.
SELECT ticker, close, volume, round((close * volume)::numeric) AS dollar_volume, otc
  FROM polygon.grouped_daily
 WHERE date = '2024-11-29'
 ORDER BY dollar_volume DESC;

SELECT ticker, name, active, list_date, delisted_utc, market_cap, sic_description
  FROM polygon.ticker_details
 WHERE ticker = 'EVTX' AND date = '2024-06-03';

-- 8. What a query costs before it runs: the endpoint, the pushed-down
--    conditions and the exact requests (the API key never appears).
EXPLAIN (COSTS OFF)
SELECT * FROM polygon.bars
 WHERE ticker IN ('BOLT', 'ACME') AND ts >= '2025-10-01' AND ts < '2025-10-03'
 ORDER BY ticker, ts;

-- ... and what it cost once it ran.
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF)
SELECT count(*) FROM polygon.bars
 WHERE ticker IN ('BOLT', 'ACME') AND ts >= '2025-10-01' AND ts < '2025-10-03';
