-- Detection quality on realistic data: small-cap minute bars from test/gen/smallcaps.py (fat
-- tails, U-shaped volume, thin and bursty extended hours, missing minutes, the end of DST and
-- a half-day), with events of every type planted where a trader sees them, and the same bars
-- with nothing planted.  The planted events are found (recall at least 90 % per type; the
-- benchmark bench/detect_quality.sql measures the full scale against the 95 % target), the
-- quiet bars give at most 0.5 events per ticker-day, and the aggregate returns the same
-- events as the function on both.
\i test/regress/setup.sql
\i test/regress/bars.sql
SET client_min_messages = warning;
\set gen_schema quality
\set gen_args '--seed 1 --tickers 8 --days 27 --warmup 10'
\i test/gen/smallcaps.sql

-- 8 tickers x 27 trading days from 2025-10-22; the first 10 days of each are history only
SELECT count(*) AS bars, count(DISTINCT ticker) AS tickers, count(DISTINCT tape.trading_day(ts)) AS days,
       min(tape.trading_day(ts)) AS first_day, max(tape.trading_day(ts)) AS last_day
  FROM quality.quiet;
CREATE TABLE quality.judged AS
SELECT d AS trading_day FROM (SELECT DISTINCT tape.trading_day(ts) AS d FROM quality.quiet) s ORDER BY d OFFSET 10;
-- the sessions across the end of DST and on the day after Thanksgiving, in New York time
SELECT tape.trading_day(ts) AS day, min(ts)::time AS first_bar, max(ts)::time AS last_bar,
       max(ts) FILTER (WHERE tape.session_of(ts) = 'RTH')::time AS last_rth_bar
  FROM quality.quiet WHERE tape.trading_day(ts) IN ('2025-10-31', '2025-11-03', '2025-11-28') GROUP BY 1 ORDER BY 1;
-- missing minutes: thin extended hours, nearly full regular hours
SELECT tape.session_of(ts) AS session, round(count(*)::numeric / (count(DISTINCT (ticker, tape.trading_day(ts)))
         * CASE tape.session_of(ts) WHEN 'PM' THEN 330 WHEN 'AH' THEN 240 ELSE 390 END), 1) BETWEEN 0.2 AND 1 AS partly_present
  FROM quality.quiet WHERE tape.trading_day(ts) <> '2025-11-28' GROUP BY 1 ORDER BY 1;

-- what was planted, by type (tape_speed is measured with the detector turned on)
CREATE TABLE quality.found AS
SELECT * FROM tape.detect_intraday('SELECT * FROM quality.planted', '{"tape_speed": {"enabled": true}}');
SELECT p.event_type, count(*) AS planted,
       count(*) FILTER (WHERE EXISTS (SELECT 1 FROM quality.found f
                                       WHERE f.ticker = p.ticker AND f.event_type = p.event_type
                                         AND f.direction = p.direction AND f.ts BETWEEN p.match_from AND p.match_to))
         >= 0.9 * count(*) AS found_90_pct
  FROM quality.plants p GROUP BY 1 ORDER BY 1;

-- the quiet bars, with the defaults: at most 0.5 events per ticker-day, all types together
CREATE TABLE quality.quiet_found AS
SELECT * FROM tape.detect_intraday('SELECT * FROM quality.quiet')
 WHERE trading_day IN (SELECT trading_day FROM quality.judged);
SELECT (SELECT count(*) FROM quality.judged) * 8 AS ticker_days,
       count(*)::numeric / ((SELECT count(*) FROM quality.judged) * 8) <= 0.5 AS at_most_half_an_event_a_day
  FROM quality.quiet_found;
-- and tape_speed, when on, adds little
SELECT count(*)::numeric / ((SELECT count(*) FROM quality.judged) * 8) <= 0.1 AS tape_speed_at_most_a_tenth
  FROM tape.detect_intraday('SELECT * FROM quality.quiet', '{"tape_speed": {"enabled": true}}')
 WHERE event_type = 'tape_speed' AND trading_day IN (SELECT trading_day FROM quality.judged);

-- the aggregate, GROUP BY ticker, returns the function's events on both data sets
SELECT d.name, s.a_rows > 0 AS has_events, s.only_a AS only_aggregate, s.only_b AS only_function
  FROM (VALUES ('planted'), ('quiet')) AS d(name)
  CROSS JOIN LATERAL regress.same_rows(
    format('SELECT e.* FROM (SELECT tape.intraday_events(b ORDER BY ts) AS ev FROM quality.%I b GROUP BY ticker) s, unnest(s.ev) AS e', d.name),
    format('SELECT * FROM tape.detect_intraday(%L)', format('SELECT * FROM quality.%I', d.name))) AS s;

-- the rules as docs/analytics.md states them, implemented apart (test/gen/reference_intraday.py,
-- the defaults), find the same events with the same measures and levels on the planted data set
\set reference 'python3 ' `pwd` '/test/gen/reference_intraday.py planted ' :gen_args
CREATE TABLE quality.reference (ticker text, ts timestamptz, event_type text, direction text, session text,
                                score float8, spike_x float8, pct_change float8, consecutive_bars int,
                                level float8);
COPY quality.reference FROM PROGRAM :'reference' WITH (FORMAT csv);
CREATE TABLE quality.by_code AS SELECT * FROM tape.detect_intraday('SELECT * FROM quality.planted');
SELECT (SELECT count(*) FROM quality.reference) > 100 AS many_events,
       (SELECT count(*) FROM quality.reference r
         WHERE NOT EXISTS (SELECT 1 FROM quality.by_code c WHERE (c.ticker, c.ts, c.event_type, c.direction)
                                                             = (r.ticker, r.ts, r.event_type, r.direction))) AS only_reference,
       (SELECT count(*) FROM quality.by_code c
         WHERE NOT EXISTS (SELECT 1 FROM quality.reference r WHERE (c.ticker, c.ts, c.event_type, c.direction)
                                                               = (r.ticker, r.ts, r.event_type, r.direction))) AS only_code,
       (SELECT count(*) FROM quality.reference r JOIN quality.by_code c USING (ticker, ts, event_type, direction)
         WHERE r.session <> c.session OR abs(r.score - c.score) > 1e-4 OR r.consecutive_bars <> c.consecutive_bars
            OR abs(r.pct_change - c.pct_change) > 1e-4
            OR (r.level IS NULL) <> (c.level IS NULL) OR abs(r.level - c.level) > 1e-4
            OR (r.spike_x IS DISTINCT FROM c.spike_x AND NOT abs(r.spike_x - c.spike_x) <= 1e-6 * c.spike_x)) AS measured_apart;
