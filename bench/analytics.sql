-- The analytics in C side by side with plain SQL, measured in one run on the
-- same local table of generated minute bars with an index on (ticker, ts)
-- (bench/run.sh sets the variables: tickers, days, reps, work_mem; a generous
-- work_mem keeps the plain-SQL sorts in memory).
--   tape.rth_vwap   vs  sum(pv) / sum(v) FILTER (09:30 on) OVER (PARTITION BY ticker, New York day ORDER BY ts)
--   tape.rvol       vs  volume / avg(volume) OVER (ROWS BETWEEN 20 PRECEDING AND 1 PRECEDING)
--   tape.atr        vs  (no plain-SQL window: Wilder's ATR is recursive; shown for its rate)
--   tape.vwap, tape.dollar_volume, tape.ohlcv  vs  sum() / min() / max() / ordered array_agg()
--     grouped by ticker and day, by day, and tape.vwap over a sliding frame of 30 rows
--   tape.detect_intraday over the whole table  vs  the plain ordered scan of the same rows
--   tape.intraday_events(b ORDER BY ts) ... GROUP BY ticker  vs  tape.detect_intraday (the same events),
--   and the same aggregate over rows already in (ticker, ts) order, without the ORDER BY
-- row_number() over the same window shows the floor any window function pays
-- (the WindowAgg node spools every row).
-- Every query reads every bar and aggregates its result, so no rows travel to the client.
\i bench/common.sql
SET work_mem = :work_mem;
SET tape.progress_interval = 0;
DROP SCHEMA IF EXISTS bench_analytics CASCADE;
CREATE SCHEMA bench_analytics;

-- :tickers tickers x :days trading days x 960 minutes (04:00-20:00), one minute in
-- ten without a bar; a random walk with bursts, so the detectors have work to do
CREATE TABLE bench_analytics.bars AS
SELECT ticker, ts, round(open::numeric, 4)::float8 AS open,
       round((greatest(open, close) * (1 + 0.002 * random()))::numeric, 4)::float8 AS high,
       round((least(open, close) * (1 - 0.002 * random()))::numeric, 4)::float8 AS low,
       round(close::numeric, 4)::float8 AS close, volume,
       round(((open + close) / 2)::numeric, 4)::float8 AS vwap, greatest(1, round(volume / 150))::float8 AS transactions
  FROM (SELECT ticker, ts, lag(price, 1, price) OVER (PARTITION BY ticker ORDER BY ts) AS open, price AS close, volume
          FROM (SELECT t.ticker, m.ts,
                       (2 + t.n % 15) * exp(0.004 * sum(random() - 0.5) OVER (PARTITION BY t.ticker ORDER BY m.ts)) AS price,
                       round(1000 + 20000 * random() ^ 4 * (CASE WHEN random() < 0.01 THEN 20 ELSE 1 END))::float8 AS volume
                  FROM (SELECT n, 'B' || lpad(n::text, 4, '0') AS ticker FROM generate_series(1, :tickers) AS n) AS t
                  CROSS JOIN (SELECT d::date AS day FROM generate_series('2025-09-02'::date, '2026-06-30', interval '1 day') AS d
                               WHERE tape.is_trading_day(d::date) ORDER BY 1 LIMIT :days) AS d
                  CROSS JOIN LATERAL tape.session_bounds(d.day) AS s
                  CROSS JOIN LATERAL generate_series(s.pm_open, s.ah_close - interval '1 minute', interval '1 minute') AS m(ts)
                 WHERE random() >= 0.1) AS walk) AS b;
CREATE INDEX ON bench_analytics.bars (ticker, ts);
VACUUM ANALYZE bench_analytics.bars;
-- write the new table out now, so no checkpoint lands in a measurement
CHECKPOINT;

CREATE TABLE bench_analytics.results (method text, seconds float8, rows bigint);

\o /dev/null
SELECT bench_common.time_it('bench_analytics.results', 'scan: plain ordered scan of the bars', $q$
  SELECT count(*) FROM (SELECT ticker, ts, open, high, low, close, volume, vwap, transactions
                          FROM bench_analytics.bars ORDER BY ticker, ts OFFSET 0) s
   WHERE close IS NOT NULL AND volume IS NOT NULL$q$, :reps);
SELECT bench_common.time_it('bench_analytics.results', 'window floor: row_number() over the same window', $q$
  SELECT count(x) FROM (SELECT row_number() OVER (PARTITION BY ticker ORDER BY ts) AS x
                          FROM bench_analytics.bars) s$q$, :reps);
SELECT bench_common.time_it('bench_analytics.results', 'rth_vwap: tape.rth_vwap', $q$
  SELECT count(x) FROM (SELECT tape.rth_vwap(ts, tape.bar_price(high, low, close), volume)
                               OVER (PARTITION BY ticker ORDER BY ts) AS x
                          FROM bench_analytics.bars) s$q$, :reps);
SELECT bench_common.time_it('bench_analytics.results', 'rth_vwap: plain SQL window', $q$
  SELECT count(x) FROM (
    SELECT sum(price * volume) FILTER (WHERE local >= day + time '09:30') OVER w
           / nullif(sum(volume) FILTER (WHERE local >= day + time '09:30') OVER w, 0) AS x
      FROM (SELECT ticker, ts, volume, (high + low + close) / 3 AS price,
                   ts AT TIME ZONE 'America/New_York' AS local,
                   (ts AT TIME ZONE 'America/New_York')::date AS day
              FROM bench_analytics.bars) b
    WINDOW w AS (PARTITION BY ticker, day ORDER BY ts)) s$q$, :reps);
SELECT bench_common.time_it('bench_analytics.results', 'rvol: tape.rvol(volume, 20)', $q$
  SELECT count(x) FROM (SELECT tape.rvol(volume, 20) OVER (PARTITION BY ticker ORDER BY ts) AS x
                          FROM bench_analytics.bars) s$q$, :reps);
SELECT bench_common.time_it('bench_analytics.results', 'rvol: plain SQL window', $q$
  SELECT count(x) FROM (SELECT CASE WHEN count(volume) OVER w = 20 THEN volume / nullif(avg(volume) OVER w, 0) END AS x
                          FROM bench_analytics.bars
                        WINDOW w AS (PARTITION BY ticker ORDER BY ts ROWS BETWEEN 20 PRECEDING AND 1 PRECEDING)) s$q$, :reps);
SELECT bench_common.time_it('bench_analytics.results', 'atr: tape.atr(high, low, close, 14)', $q$
  SELECT count(x) FROM (SELECT tape.atr(high, low, close, 14) OVER (PARTITION BY ticker ORDER BY ts) AS x
                          FROM bench_analytics.bars) s$q$, :reps);
-- the aggregates: per ticker and New York day, per day across tickers (the shape that
-- needs partial aggregates on a distributed table), and over a sliding frame
SELECT bench_common.time_it('bench_analytics.results', 'vwap by ticker-day: tape.vwap', $q$
  SELECT count(x) FROM (SELECT tape.vwap(close, volume) AS x FROM bench_analytics.bars
                         GROUP BY ticker, (ts AT TIME ZONE 'America/New_York')::date) s$q$, :reps);
SELECT bench_common.time_it('bench_analytics.results', 'vwap by ticker-day: plain SQL', $q$
  SELECT count(x) FROM (SELECT sum(close * volume) / nullif(sum(volume), 0) AS x FROM bench_analytics.bars
                         GROUP BY ticker, (ts AT TIME ZONE 'America/New_York')::date) s$q$, :reps);
SELECT bench_common.time_it('bench_analytics.results', 'dollar_volume by day: tape.dollar_volume', $q$
  SELECT count(x) FROM (SELECT tape.dollar_volume(close, volume) AS x FROM bench_analytics.bars
                         GROUP BY (ts AT TIME ZONE 'America/New_York')::date) s$q$, :reps);
SELECT bench_common.time_it('bench_analytics.results', 'dollar_volume by day: plain SQL', $q$
  SELECT count(x) FROM (SELECT sum(close * volume) AS x FROM bench_analytics.bars
                         GROUP BY (ts AT TIME ZONE 'America/New_York')::date) s$q$, :reps);
SELECT bench_common.time_it('bench_analytics.results', 'ohlcv by ticker-day: tape.ohlcv', $q$
  SELECT count(x) FROM (SELECT tape.ohlcv(ts, close, volume) AS x FROM bench_analytics.bars
                         GROUP BY ticker, (ts AT TIME ZONE 'America/New_York')::date) s$q$, :reps);
SELECT bench_common.time_it('bench_analytics.results', 'ohlcv by ticker-day: plain SQL', $q$
  SELECT count(x) FROM (SELECT ROW((array_agg(close ORDER BY ts))[1], max(close), min(close),
                                   (array_agg(close ORDER BY ts DESC))[1], sum(volume),
                                   sum(close * volume) / nullif(sum(volume), 0), count(*), min(ts), max(ts)) AS x
                          FROM bench_analytics.bars
                         GROUP BY ticker, (ts AT TIME ZONE 'America/New_York')::date) s$q$, :reps);
SELECT bench_common.time_it('bench_analytics.results', 'vwap over 30 rows: tape.vwap', $q$
  SELECT count(x) FROM (SELECT tape.vwap(close, volume)
                               OVER (PARTITION BY ticker ORDER BY ts ROWS BETWEEN 29 PRECEDING AND CURRENT ROW) AS x
                          FROM bench_analytics.bars) s$q$, :reps);
SELECT bench_common.time_it('bench_analytics.results', 'vwap over 30 rows: plain SQL', $q$
  SELECT count(x) FROM (SELECT sum(close * volume) OVER w / nullif(sum(volume) OVER w, 0) AS x
                          FROM bench_analytics.bars
                        WINDOW w AS (PARTITION BY ticker ORDER BY ts ROWS BETWEEN 29 PRECEDING AND CURRENT ROW)) s$q$, :reps);
SELECT bench_common.time_it('bench_analytics.results', 'detect: tape.detect_intraday over the whole table', $q$
  SELECT count(*) FROM tape.detect_intraday('SELECT * FROM bench_analytics.bars')$q$, :reps);
SELECT bench_common.time_it('bench_analytics.results', 'detect: tape.intraday_events, GROUP BY ticker', $q$
  SELECT count(*) FROM (SELECT tape.intraday_events(b ORDER BY ts) AS ev FROM bench_analytics.bars b GROUP BY ticker) s,
                       unnest(s.ev)$q$, :reps);
SELECT bench_common.time_it('bench_analytics.results', 'detect: tape.intraday_events over sorted rows, GROUP BY ticker', $q$
  SELECT count(*) FROM (SELECT tape.intraday_events(b) AS ev
                          FROM (SELECT * FROM bench_analytics.bars ORDER BY ticker, ts) b GROUP BY ticker) s,
                       unnest(s.ev)$q$, :reps);
\o

SELECT count(*) AS bars, count(DISTINCT ticker) AS tickers,
       count(DISTINCT (ts AT TIME ZONE 'America/New_York')::date) AS days,
       pg_size_pretty(pg_total_relation_size('bench_analytics.bars')) AS size
  FROM bench_analytics.bars \gset
\echo
\echo '== analytics on' :bars 'generated minute bars (' :tickers 'tickers,' :days 'days,' :size '), best of' :reps
SELECT method, round(seconds::numeric, 3) AS seconds,
       round(((SELECT count(*) FROM bench_analytics.bars) / seconds / 1e6)::numeric, 2) AS "M bars/s",
       rows AS "rows out"
  FROM bench_analytics.results ORDER BY method;

-- each ratio: the time of one method over another's
SELECT c.comparison, round((num.seconds / den.seconds)::numeric, 2) AS ratio, c.meaning
  FROM (VALUES
    (1, 'tape.rth_vwap vs plain SQL', 'rth_vwap: plain SQL window', 'rth_vwap: tape.rth_vwap', 'x faster (target >= 3)'),
    (2, 'tape.rvol vs plain SQL', 'rvol: plain SQL window', 'rvol: tape.rvol(volume, 20)', 'x faster (target >= 3)'),
    (3, 'tape.rth_vwap vs the window floor', 'rth_vwap: tape.rth_vwap', 'window floor: row_number() over the same window',
     'x the time of row_number() (1.00 = free)'),
    (4, 'tape.vwap vs plain SQL, by ticker-day', 'vwap by ticker-day: plain SQL', 'vwap by ticker-day: tape.vwap', 'x faster'),
    (5, 'tape.dollar_volume vs plain SQL, by day', 'dollar_volume by day: plain SQL', 'dollar_volume by day: tape.dollar_volume',
     'x faster'),
    (6, 'tape.ohlcv vs plain SQL, by ticker-day', 'ohlcv by ticker-day: plain SQL', 'ohlcv by ticker-day: tape.ohlcv', 'x faster'),
    (7, 'tape.vwap vs plain SQL, over 30 rows', 'vwap over 30 rows: plain SQL', 'vwap over 30 rows: tape.vwap', 'x faster'),
    (8, 'tape.detect_intraday vs ordered scan', 'detect: tape.detect_intraday over the whole table',
     'scan: plain ordered scan of the bars', 'x the scan time (target <= 3)'),
    (9, 'tape.intraday_events (GROUP BY ticker) vs tape.detect_intraday', 'detect: tape.intraday_events, GROUP BY ticker',
     'detect: tape.detect_intraday over the whole table', 'x the time of the function (<= 1: as fast)'),
    (10, 'the same over rows already sorted (no ORDER BY)', 'detect: tape.intraday_events over sorted rows, GROUP BY ticker',
     'detect: tape.detect_intraday over the whole table', 'x the time of the function (<= 1: as fast)')
  ) AS c(n, comparison, numerator, denominator, meaning)
  JOIN bench_analytics.results num ON num.method = c.numerator
  JOIN bench_analytics.results den ON den.method = c.denominator
 ORDER BY c.n;

-- the rows each side returned must agree (a benchmark of wrong answers is no benchmark)
CREATE VIEW bench_analytics.sides_agree AS
SELECT bool_and(n = 1) AS ok
  FROM (SELECT split_part(method, ':', 1) AS comparison, count(DISTINCT rows) AS n
          FROM bench_analytics.results
         WHERE method ~ '^(rth_vwap|rvol|vwap by ticker-day|dollar_volume by day|ohlcv by ticker-day|vwap over 30 rows|detect):'
         GROUP BY 1) c;
SELECT CASE WHEN ok THEN 'the C and SQL versions return the same number of values; the detector aggregate as many events'
            ELSE 'MISMATCH between the two sides of a comparison' END AS check
  FROM bench_analytics.sides_agree;
SELECT bench_common.expect((SELECT ok FROM bench_analytics.sides_agree),
         'the C and SQL versions return the same number of values') \gset
SELECT bench_common.expect(
         NOT EXISTS (SELECT e.* FROM (SELECT tape.intraday_events(b ORDER BY ts) AS ev FROM bench_analytics.bars b GROUP BY ticker) s,
                            unnest(s.ev) AS e
                     EXCEPT ALL SELECT * FROM tape.detect_intraday('SELECT * FROM bench_analytics.bars')),
         'tape.intraday_events returns the events of tape.detect_intraday') \gset

DROP SCHEMA bench_analytics CASCADE;
