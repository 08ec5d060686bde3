-- Manifests and tick capture, measured in one run (bench/run.sh sets the variables):
--   1. the capture plan: :cap_tickers tickers x :cap_days days x :cap_per_day windows of 5
--      minutes (the issue's 1,000 windows on 24 ticker-days at full scale), the requests of the
--      naive plan (a series per window) against the plan's, and the hours they take at 5
--      requests a minute and without a limit;
--   2. the capture end to end: rows a second from the mock into stored blocks
--      (tape.capture_ticks of those windows, trades then quotes), beside the foreign scans alone
--      of the same request series; the capture's requests against the plan's (the mock's log);
--   3. tape.build_manifest (dry run) over :events generated events.
-- It runs in a database of its own (bench/run.sh creates and drops it): it fills the store.
\i bench/common.sql
CREATE SCHEMA bench_capture;
CREATE TABLE bench_capture.results (what text, seconds float8, rows bigint, kind text, requests bigint);
SELECT set_config('bench.mock_log', :'mock_log', false) IS NOT NULL AS mock_log_set \gset

CREATE SERVER bench_capture FOREIGN DATA WRAPPER polygon_fdw
  OPTIONS (base_url :'capture_url', requests_per_minute '0', cache 'false');
CREATE SERVER bench_scan FOREIGN DATA WRAPPER polygon_fdw
  OPTIONS (base_url :'scan_url', requests_per_minute '0', cache 'false');
CREATE USER MAPPING FOR CURRENT_USER SERVER bench_capture OPTIONS (api_key :'api_key');
CREATE USER MAPPING FOR CURRENT_USER SERVER bench_scan OPTIONS (api_key :'api_key');
CREATE SCHEMA bench_capture_api;
CREATE SCHEMA bench_scan_api;
IMPORT FOREIGN SCHEMA polygon LIMIT TO (bars, trades, quotes) FROM SERVER bench_capture INTO bench_capture_api;
IMPORT FOREIGN SCHEMA polygon LIMIT TO (trades, quotes) FROM SERVER bench_scan INTO bench_scan_api;

-- the mock's requests of a tag: trades or quotes, every page or the first pages of the series only
CREATE FUNCTION bench_capture.requests(p_tag text, p_kind text, p_first_pages boolean DEFAULT false) RETURNS bigint
LANGUAGE sql AS $$
  SELECT count(*) FROM regexp_split_to_table(pg_read_file(current_setting('bench.mock_log')), E'\n') AS l(line)
   WHERE line LIKE '{%' AND (line::jsonb) ->> 'tag' = p_tag AND (line::jsonb) ->> 'path' LIKE '%/v3/' || p_kind || '/%'
     AND NOT (p_first_pages AND (line::jsonb) ->> 'path' LIKE '%cursor=%')
$$;

\o /dev/null
SET client_min_messages = warning;
SET tape.progress_interval = 0;
UPDATE tape.configuration SET value = 'bench_capture_api' WHERE name = 'foreign_schema';
SELECT (ARRAY['ACME', 'BOLT', 'CRWN', 'DYNX', 'FLUX'])[1:(:cap_tickers)]::text AS tickers \gset
CALL tape.refresh_bars('minute', '2025-09-02', '2025-10-31', tickers => :'tickers'::text[]);

-- :cap_per_day events a day, 9 minutes apart from 09:35, each with a window of the 5 minutes after it
INSERT INTO tape.events_intraday (ticker, ts, trading_day, event_type, direction, session, score, dollar_volume)
SELECT t, s.rth_open + interval '5 minutes' + k * interval '9 minutes', d.day, 'volume_spike', 'up', 'RTH', 50, 1e6
  FROM unnest(:'tickers'::text[]) t,
       (SELECT g::date AS day FROM generate_series('2025-09-02'::date, '2025-10-31', '1 day') g
         WHERE tape.is_trading_day(g::date) AND NOT (SELECT early_close FROM tape.session_bounds(g::date))
         ORDER BY 1 LIMIT :cap_days) d,
       tape.session_bounds(d.day) s, generate_series(0, :cap_per_day - 1) k;
INSERT INTO tape.profiles (profile, max_events, window_before, window_after, quotes_per_second)
VALUES ('bench', 1000000, '0', '5 minutes', 5);
CALL tape.build_manifest('bench', '2025-09-02', '2025-10-31');
\o

-- 1. the plan
SELECT count(*) AS windows, count(DISTINCT (ticker, trading_day)) AS ticker_days FROM tape.manifest_windows \gset
\echo
\echo 'The capture plan of ' :windows ' windows of 5 minutes on ' :ticker_days ' ticker-days (trades), against a request series per window:'
SELECT r.regime, t.windows, t.ticker_days, t.window_requests AS requests_per_window, t.requests AS requests_planned,
       round(t.window_requests::numeric / t.requests, 1) AS "x fewer requests",
       round(t.window_hours::numeric, 3) AS hours_per_window, round(t.hours::numeric, 3) AS hours_planned,
       format('%s window, %s span, %s day', t.by_window, t.by_span, t.by_day) AS ways
  FROM (VALUES ('5 requests a minute', 5), ('no rate limit', 0)) r (regime, rpm),
       tape.plan_totals(ARRAY(SELECT s FROM tape.capture_plan(ARRAY(SELECT w FROM tape.manifest_windows w), 'trades', 0, r.rpm) s),
                        r.rpm) t;
SELECT bench_common.expect(t.requests < t.window_requests, 'at 5 a minute the plan asks for fewer requests than the windows')
  FROM tape.plan_totals(ARRAY(SELECT s FROM tape.capture_plan(ARRAY(SELECT w FROM tape.manifest_windows w), 'trades', 0, 5) s), 5) t \gset

-- 2. the capture end to end, and the foreign scans alone of the same series (the mock keeps the
-- last days it generated: a first pass of the scans, not timed, warms it for both sides)
\o /dev/null
CREATE FUNCTION bench_capture.scan(p_kind text) RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
  u record;
  n bigint;
  total bigint := 0;
BEGIN
  FOR u IN SELECT w.ticker, s FROM tape.capture_plan(ARRAY(SELECT w FROM tape.manifest_windows w), p_kind, 5, 0) w,
                  unnest(w.series) s LOOP
    EXECUTE format('SELECT count(*) FROM bench_scan_api.%I WHERE ticker = %L AND ts >= %L AND ts < %L',
                   p_kind, u.ticker, lower(u.s), upper(u.s)) INTO n;
    total := total + n;
  END LOOP;
  RETURN total;
END $$;
SELECT bench_capture.scan('trades'), bench_capture.scan('quotes');
SELECT bench_capture.requests('bench_scan', 'trades') AS warm_trades, bench_capture.requests('bench_scan', 'quotes') AS warm_quotes \gset
SELECT clock_timestamp() AS t0 \gset
CALL tape.capture_ticks('bench', what => 'trades');
INSERT INTO bench_capture.results (what, kind, seconds, rows, requests)
SELECT 'capture (fetch, split, pack, store)', 'trades', extract(epoch FROM clock_timestamp() - :'t0'::timestamptz),
       NULL, bench_capture.requests('bench_capture', 'trades');
SELECT clock_timestamp() AS t0 \gset
CALL tape.capture_ticks('bench', what => 'quotes');
INSERT INTO bench_capture.results (what, kind, seconds, rows, requests)
SELECT 'capture (fetch, split, pack, store)', 'quotes', extract(epoch FROM clock_timestamp() - :'t0'::timestamptz),
       NULL, bench_capture.requests('bench_capture', 'quotes');
SELECT bench_common.time_it('bench_capture.results', 'foreign scans alone (fetch)', $$SELECT bench_capture.scan('trades')$$, 1);
UPDATE bench_capture.results SET kind = 'trades', requests = bench_capture.requests('bench_scan', 'trades') - :warm_trades
 WHERE kind IS NULL;
SELECT bench_common.time_it('bench_capture.results', 'foreign scans alone (fetch)', $$SELECT bench_capture.scan('quotes')$$, 1);
UPDATE bench_capture.results SET kind = 'quotes', requests = bench_capture.requests('bench_scan', 'quotes') - :warm_quotes
 WHERE kind IS NULL;
-- the capture's requests fetched the rows its series hold: the rows the scans read
UPDATE bench_capture.results r SET rows = s.rows FROM bench_capture.results s
 WHERE r.rows IS NULL AND s.kind = r.kind AND s.what LIKE 'foreign%';
\o
\echo
\echo 'Capturing those windows from the mock (no rate limit; rows: fetched by the request series, the same both ways):'
SELECT r.kind, r.what, round(r.seconds::numeric, 2) AS seconds, r.rows, r.requests,
       round((r.rows / r.seconds / 1e3)::numeric, 1) AS "k rows/s",
       round((r.seconds / s.seconds)::numeric, 2) AS "x the scans' time"
  FROM bench_capture.results r JOIN bench_capture.results s ON s.kind = r.kind AND s.what LIKE 'foreign%'
 ORDER BY r.kind DESC, r.what;
SELECT kind, count(*) AS windows, sum(source_rows) AS rows_in_windows, sum(rows) AS rows_stored,
       round(sum(bytes)::numeric / sum(rows), 2) AS bytes_per_row_stored
  FROM tape.tick_windows GROUP BY kind ORDER BY kind DESC;
SELECT bench_common.expect(bool_and(r.requests = s.requests), 'the capture and the scans make the same requests')
  FROM bench_capture.results r JOIN bench_capture.results s ON s.kind = r.kind AND s.what LIKE 'foreign%'
 WHERE r.what LIKE 'capture%' \gset
-- the series are the plan's exactly; their pages follow the rows (the plan estimates them from the bars)
SELECT bench_common.expect(bool_and(bench_capture.requests('bench_capture', k, true)
                                    = (SELECT sum(jsonb_array_length(q.params -> 'series')) FROM tape.work_queue q
                                        WHERE q.queue = 'capture_' || k)),
                           'the capture asks for the request series the plan chose')
  FROM unnest(ARRAY['trades', 'quotes']) k \gset
\echo
\echo 'Requests: the plan estimated pages from the bars'' transactions (the mock sends at most 250 trades a minute):'
SELECT k AS kind, (SELECT sum(jsonb_array_length(q.params -> 'series')) FROM tape.work_queue q WHERE q.queue = 'capture_' || k)
         AS series_planned,
       (SELECT sum((q.params ->> 'requests')::int) FROM tape.work_queue q WHERE q.queue = 'capture_' || k) AS requests_estimated,
       bench_capture.requests('bench_capture', k) AS requests_made
  FROM unnest(ARRAY['trades', 'quotes']) k;

-- 3. building a manifest over many events
\o /dev/null
INSERT INTO tape.events_intraday (ticker, ts, trading_day, event_type, direction, session, score, dollar_volume)
SELECT 'G' || lpad((g % 2000)::text, 4, '0'), ts, (ts AT TIME ZONE 'America/New_York')::date,
       (ARRAY['volume_spike', 'vwap_break', 'opening_range_break', 'consolidation_break', 'flush', 'price_momentum'])[1 + (g * 7) % 6],
       'up', tape.session_of(ts), (g * 7919 % 10000) / 100.0, 50000 + (g * 131 % 500000)
  FROM (SELECT g, (tape.session_bounds(d)).pm_open + ((g * 37) % 950) * interval '1 minute' AS ts
          FROM generate_series(1, :events) g, LATERAL (SELECT ('2024-01-02'::date + (g % 360))::date AS d) dd
         WHERE tape.is_trading_day(d)) x
ON CONFLICT DO NOTHING;
SELECT count(*) AS generated FROM tape.events_intraday WHERE ticker LIKE 'G%' \gset
SELECT clock_timestamp() AS t0 \gset
CALL tape.build_manifest('core', '2024-01-01', '2024-12-31', dry_run => true);
SELECT extract(epoch FROM clock_timestamp() - :'t0'::timestamptz) AS core_seconds \gset
SELECT tape.copy_profile('core', 'wide');
UPDATE tape.profiles SET min_score_percentile = 0, max_spread_pct = NULL, min_bar_dollar_volume = 0, max_events = 50000
 WHERE profile = 'wide';
SELECT clock_timestamp() AS t0 \gset
CALL tape.build_manifest('wide', '2024-01-01', '2024-12-31', dry_run => true);
SELECT extract(epoch FROM clock_timestamp() - :'t0'::timestamptz) AS wide_seconds \gset
\o
\echo
\echo 'tape.build_manifest (dry run) over ' :generated ' generated events of 2,000 tickers:'
SELECT p.profile, count(c.*) FILTER (WHERE c.priority IS NOT NULL) AS candidates, count(c.selected_by) AS selected,
       round(CASE p.profile WHEN 'core' THEN :core_seconds ELSE :wide_seconds END::numeric, 2) AS seconds,
       round((:generated / CASE p.profile WHEN 'core' THEN :core_seconds ELSE :wide_seconds END / 1e3)::numeric, 1)
         AS "k events/s"
  FROM (VALUES ('core'), ('wide')) p (profile),
       LATERAL tape.event_choices(tape.profile(p.profile), '2024-01-01', '2024-12-31') c
 GROUP BY p.profile ORDER BY 1;
