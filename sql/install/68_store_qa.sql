
-- data QA of the store: coverage against the calendar, timestamps, OHLC, splits
--
-- The views read the tables they check; narrow them with WHERE ticker = ... (pushed down
-- into the scans) on a large store.

-- every bar of the store with where it came from (the unadjusted market days included)
CREATE VIEW tape.stored_bars AS
SELECT '1m'::text AS timespan, b.ticker, b.ts, b.open, b.high, b.low, b.close, b.volume, b.adjusted FROM tape.bars_1m b
UNION ALL
SELECT '1h', b.ticker, b.ts, b.open, b.high, b.low, b.close, b.volume, b.adjusted FROM tape.bars_1h b
UNION ALL
SELECT '1d', b.ticker, b.ts, b.open, b.high, b.low, b.close, b.volume, b.adjusted FROM tape.bars_1d b
UNION ALL
SELECT 'market', m.ticker, tape.ny_midnight(m.day), m.open, m.high, m.low, m.close, m.volume, false FROM tape.market_daily m;

COMMENT ON VIEW tape.stored_bars IS 'every bar of the store in one shape: timespan 1m, 1h, 1d, or market (the unadjusted day bars of tape.market_daily)';

CREATE VIEW tape.qa_coverage AS
WITH days AS (
  SELECT b.timespan, b.ticker, b.adjusted, (b.ts AT TIME ZONE 'America/New_York')::date AS day, count(*) AS bars,
         count(*) FILTER (WHERE tape.session_of(b.ts) = 'RTH') AS rth_bars
    FROM tape.stored_bars b
   WHERE b.ts < now()
   GROUP BY 1, 2, 3, 4),
spans AS (
  SELECT d.timespan, d.ticker, d.adjusted, min(d.day) AS first_day, max(d.day) AS last_day,
         count(*) FILTER (WHERE tape.is_trading_day(d.day)) AS days_present,
         sum(d.bars) AS bars, sum(d.rth_bars) AS rth_bars
    FROM days d
   GROUP BY 1, 2, 3),
expected AS (
  SELECT s.timespan, s.ticker, s.adjusted,
         count(*) AS trading_days,
         sum(extract(epoch FROM sb.rth_close - sb.rth_open) / 60) AS rth_minutes
    FROM spans s
   CROSS JOIN LATERAL generate_series(s.first_day::timestamp, s.last_day::timestamp, interval '1 day') AS g (day)
   CROSS JOIN LATERAL tape.session_bounds(g.day::date) AS sb
   WHERE sb.trading_day IS NOT NULL
   GROUP BY 1, 2, 3)
SELECT s.ticker, s.timespan, s.adjusted, s.first_day, s.last_day, e.trading_days, s.days_present,
       e.trading_days - s.days_present AS days_missing,
       round(100.0 * s.days_present / nullif(e.trading_days, 0), 1) AS days_pct,
       s.bars,
       CASE WHEN s.timespan = '1m' THEN e.rth_minutes::bigint END AS rth_minutes,
       CASE WHEN s.timespan = '1m' THEN s.rth_bars END AS rth_bars,
       CASE WHEN s.timespan = '1m' THEN round(100.0 * s.rth_bars / nullif(e.rth_minutes, 0), 1) END AS rth_minutes_pct
  FROM spans s
  JOIN expected e USING (timespan, ticker, adjusted);

COMMENT ON VIEW tape.qa_coverage IS 'per ticker, timespan and kind of bars (raw or split-adjusted), from its first to its last day in the store (up to now): the trading days of the calendar, those with bars and those missing; for minute bars, the regular-session minutes of those days against the bars in them';

CREATE VIEW tape.qa_timestamps AS
WITH s AS (
  SELECT s.timespan, s.ticker, s.ts, s.adjusted,
         CASE s.timespan WHEN '1m' THEN date_trunc('minute', s.ts)
                         WHEN '1h' THEN date_trunc('hour', s.ts)
                         ELSE tape.ny_midnight((s.ts AT TIME ZONE 'America/New_York')::date) END AS bucket
    FROM tape.stored_bars s),
b AS (
  SELECT s.*, count(*) OVER (PARTITION BY s.timespan, s.ticker, s.adjusted, s.bucket) AS in_bucket FROM s)
SELECT b.ticker, b.timespan, b.ts, p.problem
  FROM b
 CROSS JOIN LATERAL (VALUES
     (CASE WHEN b.ts <> b.bucket THEN 'not at the start of its ' || CASE b.timespan WHEN '1m' THEN 'minute'
                                                                       WHEN '1h' THEN 'hour' ELSE 'day (00:00 New York)' END END),
     (CASE WHEN b.timespan IN ('1m', '1h') AND tape.session_of(b.bucket) IS NULL
           THEN 'outside the sessions of a trading day (04:00-20:00 New York)'
           WHEN b.timespan IN ('1d', 'market') AND NOT tape.is_trading_day((b.ts AT TIME ZONE 'America/New_York')::date)
           THEN 'not a trading day' END),
     (CASE WHEN b.ts > now() THEN 'in the future' END),
     (CASE WHEN b.in_bucket > 1
           THEN 'shares its ' || CASE b.timespan WHEN '1m' THEN 'minute' WHEN '1h' THEN 'hour' ELSE 'day' END
                || ' with another bar' END)) AS p (problem)
 WHERE p.problem IS NOT NULL;

COMMENT ON VIEW tape.qa_timestamps IS 'bars whose time is wrong: not at the start of their minute, hour or day, outside the sessions or on a day the market was closed, in the future, or two of one kind (raw or split-adjusted) in one bucket (the primary keys make exact duplicates impossible)';

CREATE VIEW tape.qa_ohlc AS
SELECT s.ticker, s.timespan, s.ts, s.open, s.high, s.low, s.close, s.volume, p.problem
  FROM tape.stored_bars s
 CROSS JOIN LATERAL (VALUES
     (CASE WHEN s.low > s.high THEN 'low above high' END),
     (CASE WHEN s.open NOT BETWEEN s.low AND s.high THEN 'open outside [low, high]' END),
     (CASE WHEN s.close NOT BETWEEN s.low AND s.high THEN 'close outside [low, high]' END),
     (CASE WHEN least(s.open, s.high, s.low, s.close) <= 0 THEN 'zero or negative price' END),
     (CASE WHEN num_nulls(s.open, s.high, s.low, s.close) > 0 THEN 'a price is missing' END),
     (CASE WHEN s.volume < 0 THEN 'negative volume' END)) AS p (problem)
 WHERE p.problem IS NOT NULL;

COMMENT ON VIEW tape.qa_ohlc IS 'bars whose prices contradict each other: low above high, open or close outside [low, high], zero, negative or missing prices, negative volume';

CREATE FUNCTION tape.split_ratios() RETURNS SETOF double precision
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
  SELECT r FROM unnest('{2,3,4,5,6,8,10,12,15,20,25,30,40,50,100}'::float8[]) AS k, LATERAL (VALUES (k), (1 / k)) AS v (r)
$$;

COMMENT ON FUNCTION tape.split_ratios() IS 'the ratios of usual splits and reverse splits (2-for-1 is 2, 1-for-10 is 0.1)';

CREATE VIEW tape.qa_split_jumps AS
WITH days AS (
  SELECT s.ticker, s.timespan, (s.ts AT TIME ZONE 'America/New_York')::date AS day, s.adjusted, s.open,
         lag(s.close) OVER w AS prev_close, lag((s.ts AT TIME ZONE 'America/New_York')::date) OVER w AS prev_day
    FROM tape.stored_bars s
   WHERE s.timespan IN ('1d', 'market')
  WINDOW w AS (PARTITION BY s.timespan, s.ticker, s.adjusted ORDER BY s.ts)),
jumps AS (
  SELECT d.*, d.prev_close / d.open AS ratio, r.ratio AS split_ratio
    FROM days d
   CROSS JOIN LATERAL (SELECT x AS ratio FROM tape.split_ratios() x
                        WHERE d.open > 0 AND d.prev_close > 0 AND abs(ln(d.prev_close / d.open / x)) < ln(1.07)
                        LIMIT 1) r)
SELECT j.ticker, j.timespan, j.prev_day, j.day, j.prev_close, j.open, round(j.ratio::numeric, 3) AS ratio,
       CASE WHEN j.split_ratio >= 1 THEN format('%s-for-1 split', j.split_ratio)
            ELSE format('1-for-%s reverse split', round(1 / j.split_ratio)) END AS looks_like,
       CASE WHEN s.ticker IS NULL THEN 'split missing from tape.splits'
            ELSE 'adjusted bars fetched before the split: fetch them again' END AS problem
  FROM jumps j
  LEFT JOIN tape.splits s ON s.ticker = j.ticker AND s.execution_date > j.prev_day AND s.execution_date <= j.day
 WHERE (s.ticker IS NULL AND (NOT j.adjusted OR j.timespan = '1d'))
    OR (s.ticker IS NOT NULL AND j.adjusted);

COMMENT ON VIEW tape.qa_split_jumps IS 'day bars whose gap from the previous close is the ratio of a usual split (within 7 %): unadjusted ones with no split in tape.splits to explain it, and split-adjusted ones that should not show the split at all';

CREATE VIEW tape.qa_lost_rows AS
SELECT q.unit_id, q.queue, q.unit_key, q.ticker, q.range_start, q.range_end, (q.params ->> 'adjusted')::boolean AS adjusted,
       q.done_at, q.rows_stored, n.rows_now
  FROM tape.work_queue q
 CROSS JOIN LATERAL (
   SELECT count(*) AS rows_now FROM tape.stored_bars b
    WHERE 'bars_' || b.timespan = q.queue AND b.ticker = q.ticker AND b.adjusted = (q.params ->> 'adjusted')::boolean
      AND b.ts >= q.range_start AND b.ts < q.range_end) n
 WHERE q.status = 'done' AND q.rows_stored > 0 AND n.rows_now < q.rows_stored;

COMMENT ON VIEW tape.qa_lost_rows IS 'done units of bars whose table holds fewer rows of their range than they stored (deleted, or a partition dropped): the queue says they are done, the store lacks them; UPDATE tape.work_queue SET status = ''pending'', fetched_until = NULL WHERE unit_id IN (SELECT unit_id FROM tape.qa_lost_rows), then a resume (tape.refresh_bars(timespan) with no dates) fetches them again';

CREATE VIEW tape.store_health AS
SELECT 'days missing inside a ticker''s span' AS check_name, coalesce(sum(c.days_missing), 0) AS problems,
       'SELECT * FROM tape.qa_coverage WHERE days_missing > 0' AS details
  FROM tape.qa_coverage c
UNION ALL
SELECT 'bars with a wrong time', count(*), 'SELECT * FROM tape.qa_timestamps' FROM tape.qa_timestamps
UNION ALL
SELECT 'bars with inconsistent prices', count(*), 'SELECT * FROM tape.qa_ohlc' FROM tape.qa_ohlc
UNION ALL
SELECT 'jumps that look like splits', count(*), 'SELECT * FROM tape.qa_split_jumps' FROM tape.qa_split_jumps
UNION ALL
SELECT 'done units whose rows are gone', count(*), 'SELECT * FROM tape.qa_lost_rows' FROM tape.qa_lost_rows
UNION ALL
SELECT 'units that failed', count(*), 'SELECT * FROM tape.refresh_failures' FROM tape.refresh_failures
UNION ALL
SELECT 'units waiting for a run', count(*),
       'SELECT * FROM tape.work_queue WHERE status = ''pending'' (CALL the refresh with no dates to resume)'
  FROM tape.work_queue WHERE status = 'pending' AND NOT EXISTS (
    SELECT 1 FROM tape.refresh_runs r WHERE r.run_id = work_queue.run_id AND r.status IN ('planning', 'running'))
UNION ALL
SELECT 'refreshes whose last run was interrupted', count(*),
       'SELECT DISTINCT ON (refresh) * FROM tape.refresh_runs ORDER BY refresh, run_id DESC'
  FROM (SELECT DISTINCT ON (r.refresh) tape.run_status(r) AS status FROM tape.refresh_runs r
         ORDER BY r.refresh, r.run_id DESC) last
 WHERE last.status = 'interrupted';

COMMENT ON VIEW tape.store_health IS 'one row per check of the store with the number of problems and the query that lists them';
