-- The analytics in C side by side with plain SQL, measured in one run on the
-- same local table of generated minute bars with an index on (ticker, ts)
-- (bench/run.sh sets the variables: tickers, days, reps, work_mem; a generous
-- work_mem keeps the plain-SQL sorts in memory).
--   tape.rth_vwap   vs  sum(pv) / sum(v) FILTER (09:30 on) OVER (PARTITION BY ticker, New York day ORDER BY ts)
--   tape.rvol       vs  volume / avg(volume) OVER (ROWS BETWEEN 20 PRECEDING AND 1 PRECEDING)
--   tape.atr        vs  (no plain-SQL window: Wilder's ATR is recursive; shown for its rate)
--   tape.detect_intraday over the whole table  vs  the plain ordered scan of the same rows
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
SELECT bench_common.time_it('bench_analytics.results', 'detect: tape.detect_intraday over the whole table', $q$
  SELECT count(*) FROM tape.detect_intraday('SELECT * FROM bench_analytics.bars')$q$, :reps);
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

SELECT 'tape.rth_vwap vs plain SQL' AS comparison,
       round(((SELECT seconds FROM bench_analytics.results WHERE method = 'rth_vwap: plain SQL window')
            / (SELECT seconds FROM bench_analytics.results WHERE method = 'rth_vwap: tape.rth_vwap'))::numeric, 2) AS ratio,
       'x faster (target >= 3)' AS meaning
UNION ALL
SELECT 'tape.rvol vs plain SQL',
       round(((SELECT seconds FROM bench_analytics.results WHERE method = 'rvol: plain SQL window')
            / (SELECT seconds FROM bench_analytics.results WHERE method = 'rvol: tape.rvol(volume, 20)'))::numeric, 2),
       'x faster (target >= 3)'
UNION ALL
SELECT 'tape.rth_vwap vs the window floor',
       round(((SELECT seconds FROM bench_analytics.results WHERE method = 'rth_vwap: tape.rth_vwap')
            / (SELECT seconds FROM bench_analytics.results WHERE method LIKE 'window floor:%'))::numeric, 2),
       'x the time of row_number() (1.00 = free)'
UNION ALL
SELECT 'tape.detect_intraday vs ordered scan',
       round(((SELECT seconds FROM bench_analytics.results WHERE method LIKE 'detect:%')
            / (SELECT seconds FROM bench_analytics.results WHERE method LIKE 'scan:%'))::numeric, 2),
       'x the scan time (target <= 3)';

-- the rows each side returned must agree (a benchmark of wrong answers is no benchmark)
SELECT CASE WHEN (SELECT count(DISTINCT rows) FROM bench_analytics.results WHERE method LIKE 'rth_vwap:%') = 1
             AND (SELECT count(DISTINCT rows) FROM bench_analytics.results WHERE method LIKE 'rvol:%') = 1
            THEN 'the C and SQL versions return the same number of values'
            ELSE 'MISMATCH between the C and SQL versions' END AS check;
SELECT bench_common.expect(
         (SELECT count(DISTINCT rows) FROM bench_analytics.results WHERE method LIKE 'rth_vwap:%') = 1
         AND (SELECT count(DISTINCT rows) FROM bench_analytics.results WHERE method LIKE 'rvol:%') = 1,
         'the C and SQL versions return the same number of values') \gset

DROP SCHEMA bench_analytics CASCADE;
