-- polygon.bars: rows equal to the real Polygon bodies they come from.
\i test/regress/setup.sql
SELECT regress.make_server('mock');

-- AAPL day bars 2022-04-01 .. 2022-04-04 (fixture v2_aggs_ticker_AAPL_range_1_day_2022-04-01_2022-04-04.json)
SELECT * FROM mock.bars
 WHERE ticker = 'AAPL' AND timespan = 'day' AND ts >= '2022-04-01' AND ts < '2022-04-05';

-- "t" is Unix milliseconds: the conversion is exact both ways
SELECT ts, (extract(epoch FROM ts) * 1000)::bigint AS t_ms, ts AT TIME ZONE 'UTC' AS utc
  FROM mock.bars
 WHERE ticker = 'AAPL' AND timespan = 'day' AND ts >= '2022-04-01' AND ts < '2022-04-05';

-- volumes written as 642646396.0 (fixture of 2005) are doubles, not integers
SELECT ts::date, volume, vwap, transactions, volume = 642646396 AS exact
  FROM mock.bars
 WHERE ticker = 'AAPL' AND timespan = 'day' AND ts BETWEEN '2005-04-01' AND '2005-04-04';

-- status DELAYED is a success, said once per scan in a NOTICE
SELECT ticker, ts, close, volume FROM mock.bars
 WHERE ticker = 'NVDA' AND timespan = 'day' AND ts >= '2024-10-14' AND ts < '2024-10-15';
SELECT count(*), min(ts), max(ts), sum(volume) FROM mock.bars
 WHERE ticker = 'AAPL' AND timespan = 'hour' AND ts >= '2024-04-29' AND ts < '2024-04-30';

-- a page with next_url: LIMIT 10 reads only the first page
SELECT regress.mock_requests('plain') AS before \gset
SELECT ts, open, close, volume, vwap, transactions FROM mock.bars
 WHERE ticker = 'AAPL' AND ts >= '2023-07-31 04:00' AND ts < '2023-07-31 16:00'
 LIMIT 10;
SELECT regress.mock_requests('plain') - :before AS requests;
-- reading on follows next_url (the mock has no further AAPL data)
SELECT count(*) FROM mock.bars
 WHERE ticker = 'AAPL' AND ts >= '2023-07-31 04:00' AND ts < '2023-07-31 16:00';
SELECT regress.mock_requests('plain') - :before AS requests;
SELECT path FROM regress.mock_log('plain') WHERE path LIKE '/v2/aggs/ticker/AAPL/range/1/minute/%' LIMIT 3;

-- empty results: "results" missing, null, or []
SELECT regress.make_server('empty1', 'body=v2_aggs_empty_no_results_key.json');
SELECT regress.make_server('empty2', 'body=v2_aggs_empty_results_null.json');
SELECT regress.make_server('empty3', 'body=local_v2_aggs_results_empty_array.json');
SELECT (SELECT count(*) FROM empty1.bars WHERE ticker = 'X' AND timespan = 'day' AND ts >= '2021-12-23') AS missing,
       (SELECT count(*) FROM empty2.bars WHERE ticker = 'X' AND timespan = 'day' AND ts >= '2021-12-23') AS null,
       (SELECT count(*) FROM empty3.bars WHERE ticker = 'X' AND timespan = 'day' AND ts >= '2021-12-23') AS empty_array;

-- grouped daily (spec example): preferred "KIMpL", fractional volume 25933.6, t = 16:00 New York
SELECT * FROM mock.grouped_daily WHERE date = '2020-10-14' ORDER BY ticker;

-- the demo universe: one week of ACME day bars
SELECT ts::date, open, high, low, close, volume, vwap, transactions
  FROM mock.bars
 WHERE ticker = 'ACME' AND timespan = 'day' AND ts >= '2025-09-29' AND ts < '2025-10-04';

-- day bars are the sum of the day's minute bars (04:00 - 20:00 New York)
SELECT d.ts::date, d.volume AS day_volume, m.volume AS minute_volume, m.bars, m.first_bar, m.last_bar
  FROM mock.bars d
  JOIN LATERAL (SELECT sum(volume) AS volume, count(*) AS bars, min(ts)::time AS first_bar, max(ts)::time AS last_bar
                  FROM mock.bars m
                 WHERE m.ticker = 'BOLT' AND m.ts >= '2025-03-10' AND m.ts < '2025-03-11') m ON true
 WHERE d.ticker = 'BOLT' AND d.timespan = 'day' AND d.ts = '2025-03-10';

-- multipliers: 30-minute bars, and the first hour bars of a day across DST (EST before, EDT after)
SELECT ts, open, high, low, close, volume FROM mock.bars
 WHERE ticker = 'DYNX' AND timespan = 'minute' AND multiplier = 30
   AND ts >= '2025-10-07 09:30' AND ts < '2025-10-07 11:00';
SELECT ts, ts AT TIME ZONE 'UTC' AS utc FROM mock.bars
 WHERE ticker = 'DYNX' AND timespan = 'hour' AND ts >= '2025-03-07' AND ts < '2025-03-11'
   AND ts::time = '04:00';

-- split-adjusted and raw prices of CRWN around its 1-for-10 reverse split (2025-06-16)
SELECT ts::date, adjusted, close, volume FROM mock.bars
 WHERE ticker = 'CRWN' AND timespan = 'day' AND adjusted IN (true, false)
   AND ts >= '2025-06-12' AND ts < '2025-06-18'
 ORDER BY adjusted DESC, ts;

-- a long range comes in pages: the mock cuts pages at 100 bars; every page is read, in order
SELECT regress.make_server('paged', 'tag=paged,page=100');
SELECT count(*), count(DISTINCT ts), min(ts), max(ts),
       bool_and(ts > prev) AS ascending
  FROM (SELECT ts, lag(ts, 1, '-infinity') OVER () AS prev FROM paged.bars
         WHERE ticker = 'ACME' AND ts >= '2025-10-06' AND ts < '2025-10-08') b;
SELECT count(*) AS requests, count(*) FILTER (WHERE path LIKE '%cursor=%') AS next_pages
  FROM regress.mock_log('paged');

-- two tickers: one request series each, in ticker order
SELECT ticker, count(*), min(ts), max(ts) FROM (
  SELECT ticker, ts FROM mock.bars
   WHERE ticker IN ('FLUX', 'BOLT') AND ts >= '2025-10-06' AND ts < '2025-10-07'
   ORDER BY ticker, ts) s
 GROUP BY ticker ORDER BY ticker;
