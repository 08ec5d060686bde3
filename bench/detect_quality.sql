-- Detection quality on realistic data, measured: generated small-cap minute bars
-- (test/gen/smallcaps.py, its docstring says what the background and every planted event
-- look like) with events of every type planted, and the same bars with nothing planted.
-- Prints, for three volume baselines side by side (the profile, the default; the profile
-- without the day's own level; the seeds' mean of the previous 20 bars):
--   recall   planted events found, per type and per kind of plant (target >= 95 % per type);
--            tape_speed is measured with it turned on
--   quiet    events per ticker-day on the bars with nothing planted (target <= 0.5, all types
--            together, with the defaults: tape_speed off), and each type's share
-- bench/run.sh sets gen_args (the generator's options) and warmup (days of history only).
\i bench/common.sql
SET tape.progress_interval = 0;
\set gen_schema bench_quality
\i test/gen/smallcaps.sql

CREATE TABLE bench_quality.judged AS
SELECT d AS trading_day FROM (SELECT DISTINCT tape.trading_day(ts) AS d FROM bench_quality.quiet) s
 ORDER BY d OFFSET :warmup;
CREATE TABLE bench_quality.baselines (name text, position int, config jsonb);
INSERT INTO bench_quality.baselines VALUES
  ('profile', 1, '{}'),
  ('profile, no day level', 2, '{"baseline": {"day_adjust": false}}'),
  ('rolling 20 bars', 3, '{"baseline": {"method": "rolling"}}');

-- every baseline over both data sets (tape_speed on for the recall and for its own quiet rate)
CREATE TABLE bench_quality.found (baseline text, data text, tape_speed boolean, e tape.intraday_event);
CREATE TABLE bench_quality.timing (baseline text, seconds float8, bars bigint);
DO $$
DECLARE
  b record;
  t0 timestamptz;
BEGIN
  FOR b IN SELECT * FROM bench_quality.baselines ORDER BY position LOOP
    INSERT INTO bench_quality.found
    SELECT b.name, 'planted', true, e
      FROM tape.detect_intraday('SELECT * FROM bench_quality.planted',
                                b.config || '{"tape_speed": {"enabled": true}}') AS e;
    t0 := clock_timestamp();
    INSERT INTO bench_quality.found
    SELECT b.name, 'quiet', false, e
      FROM tape.detect_intraday('SELECT * FROM bench_quality.quiet', b.config) AS e;
    INSERT INTO bench_quality.timing
    SELECT b.name, extract(epoch FROM clock_timestamp() - t0), (SELECT count(*) FROM bench_quality.quiet);
    INSERT INTO bench_quality.found
    SELECT b.name, 'quiet', true, e
      FROM tape.detect_intraday('SELECT * FROM bench_quality.quiet',
                                b.config || '{"tape_speed": {"enabled": true}}') AS e
     WHERE (e).event_type = 'tape_speed';
  END LOOP;
END $$;

SELECT count(*) AS bars, count(DISTINCT ticker) AS tickers,
       (SELECT count(*) FROM bench_quality.judged) AS judged_days,
       count(DISTINCT ticker) * (SELECT count(*) FROM bench_quality.judged) AS ticker_days,
       (SELECT count(*) FROM bench_quality.plants) AS plants
  FROM bench_quality.quiet \gset
\echo
\echo '== detection quality on' :bars 'generated minute bars per data set:' :tickers 'tickers,' :ticker_days 'judged ticker-days,' :plants 'planted events'

-- the recall of each type, per baseline
CREATE TABLE bench_quality.recall AS
SELECT b.name AS baseline, b.position, p.kind, p.event_type, p.direction,
       EXISTS (SELECT 1 FROM bench_quality.found f
                WHERE f.baseline = b.name AND f.data = 'planted' AND (f.e).ticker = p.ticker
                  AND (f.e).event_type = p.event_type AND (f.e).direction = p.direction
                  AND (f.e).ts BETWEEN p.match_from AND p.match_to) AS found
  FROM bench_quality.baselines b CROSS JOIN bench_quality.plants p;
\echo
\echo 'recall: planted events found, % (target >= 95 per type), by type and by kind of plant'
SELECT event_type, coalesce(kind, '(all)') AS kind, count(*) / count(DISTINCT baseline) AS planted,
       round(100.0 * avg(found::int) FILTER (WHERE position = 1), 1) AS "profile",
       round(100.0 * avg(found::int) FILTER (WHERE position = 2), 1) AS "profile, no day level",
       round(100.0 * avg(found::int) FILTER (WHERE position = 3), 1) AS "rolling 20 bars"
  FROM bench_quality.recall GROUP BY GROUPING SETS ((event_type), (event_type, kind))
 ORDER BY event_type, kind NULLS FIRST;

-- events on the quiet bars, per judged ticker-day
CREATE TABLE bench_quality.quiet_events AS
SELECT f.baseline, b.position, f.tape_speed, (f.e).event_type
  FROM bench_quality.found f JOIN bench_quality.baselines b ON b.name = f.baseline
 WHERE f.data = 'quiet' AND (f.e).trading_day IN (SELECT trading_day FROM bench_quality.judged);
\echo
\echo 'quiet bars: events per ticker-day (target <= 0.5, all types, the defaults) and each type''s share, %'
SELECT coalesce(event_type, 'all types (defaults)') AS event_type,
       round(count(*) FILTER (WHERE position = 1)::numeric / :ticker_days, 3) AS "profile",
       round(100.0 * count(*) FILTER (WHERE position = 1)
             / nullif(sum(count(*) FILTER (WHERE position = 1)) OVER (PARTITION BY event_type IS NULL) , 0), 1) AS "share %",
       round(count(*) FILTER (WHERE position = 2)::numeric / :ticker_days, 3) AS "profile, no day level",
       round(count(*) FILTER (WHERE position = 3)::numeric / :ticker_days, 3) AS "rolling 20 bars",
       round(100.0 * count(*) FILTER (WHERE position = 3)
             / nullif(sum(count(*) FILTER (WHERE position = 3)) OVER (PARTITION BY event_type IS NULL), 0), 1) AS "share %"
  FROM bench_quality.quiet_events WHERE NOT tape_speed
 GROUP BY ROLLUP (event_type) ORDER BY event_type IS NULL, event_type;
SELECT 'tape_speed, when turned on' AS event_type,
       round(count(*) FILTER (WHERE position = 1)::numeric / :ticker_days, 3) AS "profile",
       round(count(*) FILTER (WHERE position = 2)::numeric / :ticker_days, 3) AS "profile, no day level",
       round(count(*) FILTER (WHERE position = 3)::numeric / :ticker_days, 3) AS "rolling 20 bars"
  FROM bench_quality.quiet_events WHERE tape_speed;

\echo
\echo 'against the targets (the default baseline: profile)'
SELECT 'lowest recall of a type' AS measure,
       (SELECT round(100.0 * min(r), 1) FROM (SELECT avg(found::int) AS r FROM bench_quality.recall
                                                WHERE position = 1 GROUP BY event_type) s) || ' %' AS value,
       '>= 95 %' AS target
UNION ALL
SELECT 'quiet events per ticker-day',
       round((SELECT count(*) FROM bench_quality.quiet_events WHERE position = 1 AND NOT tape_speed)::numeric / :ticker_days, 3)::text,
       '<= 0.5'
UNION ALL
SELECT 'sweep of the quiet bars', round((bars / seconds / 1e6)::numeric, 2) || ' M bars/s', '(not a target)'
  FROM bench_quality.timing WHERE baseline = 'profile';

DROP SCHEMA bench_quality CASCADE;
