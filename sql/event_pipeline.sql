-- The last steps of the pipeline: tape.compute_event_features (tape.event_features) and
-- tape.compute_event_labels (tape.event_labels) over a manifest captured from the mock.  One row
-- per manifest event, equal to tape.window_features and tape.triple_barrier called directly;
-- a second call computes nothing; a capture, a configuration or a rebuilt manifest recomputes
-- what it changed, and rows of events the manifest dropped go; force recomputes the same values.
\i test/regress/setup.sql
\i test/regress/error_of.sql
SET extra_float_digits = 0;
SET tape.progress_interval = 0;
\set SHOW_CONTEXT never
TRUNCATE tape.events_intraday, tape.events_daily, tape.bars_1m, tape.manifest, tape.manifest_windows,
         tape.manifest_builds, tape.stored_profiles, tape.tick_windows, tape.capture_fetches, tape.work_queue,
         tape.refresh_runs, tape.settings, tape.event_features, tape.event_labels;
SELECT regress.make_server('pipe', 'tag=event_pipeline');
UPDATE tape.configuration SET value = 'pipe' WHERE name = 'foreign_schema';
CREATE SCHEMA ep;
-- the features of the events as tape.window_features computes them from the captured windows,
-- over the window given (the profile's: 5 minutes before, 10 after) within what was captured
CREATE FUNCTION ep.direct_features(p_config jsonb DEFAULT '{}')
RETURNS TABLE (source text, ticker text, ts timestamptz, event_type text, direction text, features jsonb)
LANGUAGE sql AS $$
  SELECT e.source, e.ticker, e.ts, e.event_type, e.direction,
         to_jsonb(tape.window_features(e.trades, e.quotes,
                                       CASE e.source WHEN 'daily' THEN e.trading_day + time '09:30' ELSE e.ts END,
                                       tape.merge_config(tape.research_config(
                                                           '{"features": {"window": {"before_seconds": 300, "after_seconds": 600}}}'),
                                                         p_config),
                                       e.window_start, e.window_end))
    FROM tape.captured_events e
   WHERE e.profile = 'pipe' AND (e.source = 'intraday' OR e.window_day = e.trading_day)
$$;
-- stored rows that differ from the direct computation (every feature column compared)
CREATE FUNCTION ep.feature_differences(p_config jsonb DEFAULT '{}') RETURNS bigint
LANGUAGE sql AS $$
  SELECT count(*) FROM ep.direct_features(p_config) d
    FULL JOIN tape.event_features f ON f.profile = 'pipe' AND (f.source, f.ticker, f.ts, f.event_type, f.direction)
                                                             = (d.source, d.ticker, d.ts, d.event_type, d.direction)
   WHERE f.ticker IS NULL OR d.ticker IS NULL OR NOT d.features <@ to_jsonb(f)
$$;
-- the session's settings: those of a pg_cron job (cron => true: UTC, another DateStyle, fewer
-- float digits) or this test's own
CREATE FUNCTION ep.session_settings(cron boolean) RETURNS void
LANGUAGE sql AS $$
  SELECT set_config('TimeZone', CASE WHEN cron THEN 'UTC' ELSE 'America/New_York' END, false),
         set_config('DateStyle', CASE WHEN cron THEN 'SQL, DMY' ELSE 'ISO, YMD' END, false),
         set_config('extra_float_digits', CASE WHEN cron THEN '-15' ELSE '0' END, false)
$$;

-- 1. two weeks of minute bars of ACME and BOLT (the labels read them), events of three days,
--    and a profile whose windows are 5 minutes before and 10 after: ACME's spike of 2025-10-02 is
--    also a daily event (E3), whose window is its whole day, into which that day's intraday
--    windows merge
SET client_min_messages = warning;
CALL tape.refresh_bars('minute', '2025-09-22', '2025-10-03', tickers => ARRAY['ACME', 'BOLT']);
RESET client_min_messages;
INSERT INTO tape.events_intraday (ticker, ts, trading_day, event_type, direction, session, score, dollar_volume)
VALUES ('ACME', '2025-10-01 10:00', '2025-10-01', 'vwap_break', 'up', 'RTH', 40, 500000),
       ('ACME', '2025-10-02 12:20', '2025-10-02', 'volume_spike', 'up', 'RTH', 90, 500000),
       ('ACME', '2025-10-02 12:20', '2025-10-02', 'price_momentum', 'up', 'RTH', 88, 500000),
       ('BOLT', '2025-10-01 10:22', '2025-10-01', 'opening_range_break', 'up', 'RTH', 60, 500000),
       ('BOLT', '2025-10-01 14:02', '2025-10-01', 'flush', 'down', 'RTH', 55, 500000),
       ('BOLT', '2025-10-03 09:45', '2025-10-03', 'vwap_break', 'down', 'RTH', 45, 500000);
INSERT INTO tape.events_daily (ticker, trading_day, event_type, direction, close, volume, dollar_volume, rvol)
VALUES ('ACME', '2025-10-02', 'E3_intraday_price_spike', 'up', 6, 1e6, 6e6, 5);
INSERT INTO tape.profiles (profile, max_events, window_before, window_after, quotes_per_second, extend_percentile,
                           capture_daily, max_daily_events, daily_windows)
VALUES ('pipe', 100, '5 minutes', '10 minutes', 5, NULL, true, 5, '{"E3_intraday_price_spike": 0}');
SET client_min_messages = warning;
CALL tape.build_manifest('pipe', '2025-09-29', '2025-10-03');
RESET client_min_messages;
SELECT window_id, ticker, trading_day, to_char(win_start, 'HH24:MI') || '-' || to_char(win_end, 'HH24:MI') AS win,
       whole_day, event_count FROM tape.manifest_windows WHERE profile = 'pipe' ORDER BY window_id;
-- the events of the manifest with their anchor: an intraday event's bar, a daily event's open
SELECT source, ticker, ts, event_type, window_id, anchor_ts, trades IS NOT NULL AS captured
  FROM tape.manifest_events('pipe') ORDER BY ticker, ts, event_type;
-- the features' window is the profile's capture window, in whole seconds as the defaults write them
SELECT tape.event_research_config('pipe', NULL) -> 'features' -> 'window' AS features_window,
       tape.event_research_config('pipe', '{"features": {"window": {"after_seconds": 90}}}') -> 'features' -> 'window' AS overridden;

-- 2. before any capture: a row for every event, its features NULL
CALL tape.compute_event_features('pipe');
SELECT count(*) AS events, count(*) FILTER (WHERE NOT has_trades AND NOT has_quotes) AS uncaptured,
       count(trades) AS with_trades, count(spread_mean_bps) AS with_spread, count(*) FILTER (WHERE anchor_ts = ts) AS at_their_bar
  FROM tape.event_features WHERE profile = 'pipe';

-- 3. the trades captured: the units whose blocks changed are due again; the spread needs the
--    quotes, still NULL
SET client_min_messages = warning;
CALL tape.capture_ticks('pipe', what => 'trades');
RESET client_min_messages;
CALL tape.compute_event_features('pipe');
SELECT count(*) AS events, count(*) FILTER (WHERE has_trades AND NOT has_quotes) AS trades_only,
       count(trades) AS with_trades, count(spread_mean_bps) AS with_spread
  FROM tape.event_features WHERE profile = 'pipe';
-- 4. the quotes too: every feature, equal to tape.window_features over the captured windows
SET client_min_messages = warning;
CALL tape.capture_ticks('pipe', what => 'quotes');
RESET client_min_messages;
CALL tape.compute_event_features('pipe');
SELECT count(*) AS events, count(*) FILTER (WHERE has_trades AND has_quotes) AS captured,
       count(spread_mean_bps) AS with_spread, ep.feature_differences() AS differences
  FROM tape.event_features WHERE profile = 'pipe';
SELECT source, ticker, ts, event_type, anchor_ts, trades, round(spread_mean_bps::numeric, 2) AS spread_bps,
       round(trade_rate_x::numeric, 2) AS rate_x, round(vwap_slippage_bps::numeric, 1) AS slippage_bps
  FROM tape.event_features WHERE profile = 'pipe' ORDER BY ticker, ts, event_type;

-- 5. a second call computes nothing and leaves the rows as they are
SELECT max(computed_at) AS computed_before FROM tape.event_features \gset
CALL tape.compute_event_features('pipe');
SELECT max(computed_at) = :'computed_before' AS unchanged FROM tape.event_features;
-- and in the settings of a pg_cron job in UTC: a unit's parameters depend on none of them
SELECT ep.session_settings(cron => true);
CALL tape.compute_event_features('pipe');
SELECT ep.session_settings(cron => false);
SELECT params ->> 'built_at' ~ 'Z$' AND params ->> 'captured_at' ~ 'Z$' AS times_in_utc, count(*) AS units
  FROM tape.work_queue WHERE queue = 'event_features' GROUP BY 1;

-- 6. another configuration recomputes every unit with it (blocks of 500 shares and more)
CALL tape.compute_event_features('pipe', '{"features": {"block_prints": {"min_shares": 500}}}');
SELECT sum(block_prints) AS block_prints,
       ep.feature_differences('{"features": {"block_prints": {"min_shares": 500}}}') AS differences
  FROM tape.event_features WHERE profile = 'pipe';
-- and a window of its own, instead of the profile's
CALL tape.compute_event_features('pipe', '{"features": {"window": {"before_seconds": 60, "after_seconds": 120}}}');
SELECT count(*) AS events, ep.feature_differences('{"features": {"window": {"before_seconds": 60, "after_seconds": 120}}}')
       AS differences FROM tape.event_features WHERE profile = 'pipe';
-- a window wider than the capture is said so, and computed over what was captured: the after half
-- of each event is its window's part after it (up to 30 minutes), its rate that part's trades
CALL tape.compute_event_features('pipe', '{"features": {"window": {"after_seconds": 1800}}}');
SELECT f.source, f.ticker, f.ts, f.event_type,
       extract(epoch FROM least(e.window_end, f.anchor_ts + interval '30 minutes') - f.anchor_ts)::float8 AS captured_after,
       f.covered_after_seconds,
       round(f.trades_per_minute_after::numeric, 4) AS trades_per_minute_after,
       round((SELECT count(*) FROM tape.trades_of(e.trades) t
               WHERE t.ts >= f.anchor_ts AND t.ts < least(e.window_end, f.anchor_ts + interval '30 minutes'))
             / (f.covered_after_seconds / 60)::numeric, 4) AS expected
  FROM tape.event_features f
  JOIN tape.captured_events e ON (e.profile, e.source, e.ticker, e.ts, e.event_type, e.direction, e.window_id)
                                 = (f.profile, f.source, f.ticker, f.ts, f.event_type, f.direction, f.window_id)
 WHERE f.profile = 'pipe' ORDER BY f.ts, f.ticker, f.event_type;
SELECT ep.feature_differences('{"features": {"window": {"after_seconds": 1800}}}') AS differences;
-- force => true: every unit again, the same values
SELECT max(computed_at) AS computed_before FROM tape.event_features \gset
CALL tape.compute_event_features('pipe', force => true);
SELECT count(*) AS events, min(computed_at) > :'computed_before' AS all_recomputed, ep.feature_differences() AS differences
  FROM tape.event_features WHERE profile = 'pipe';

-- 7. labels: one per event, equal to tape.triple_barrier over the same events and bars, from
--    when the event is known (an intraday event: the end of its bar; a daily event, made by its
--    whole day's bar: the next trading day's open), with their weights
CALL tape.compute_event_labels('pipe');
-- no label starts before its event is known: ACME's E3 of 2025-10-02 (its high 15 % above its
-- open) is labelled from Friday 2025-10-03 09:30, not from the open of the spike it is made of
SELECT source, ticker, trading_day, event_type, label_ts,
       label_ts >= CASE source WHEN 'daily' THEN (SELECT b.ah_close FROM tape.session_bounds(trading_day) b)
                               ELSE ts + interval '1 minute' END AS known_by_then
  FROM tape.event_labels WHERE profile = 'pipe' ORDER BY ticker, ts, event_type;
SELECT source, ticker, ts, event_type, label_ts, side, entry_price, round(volatility::numeric, 6) AS volatility, touch_ts,
       barrier, round(ret::numeric, 6) AS ret, label, bars, round(uniqueness::numeric, 4) AS uniqueness
  FROM tape.event_labels WHERE profile = 'pipe' ORDER BY ticker, ts, event_type;
WITH m AS (
  SELECT m.*, row_number() OVER (ORDER BY m.ticker, m.ts, m.source, m.event_type, m.direction) AS event_id
    FROM tape.manifest m WHERE m.profile = 'pipe')
SELECT count(*) AS labels, count(*) FILTER (WHERE to_jsonb(d) - 'event_id' - 'ts' <@ to_jsonb(l) AND d.ts = l.label_ts) AS equal
  FROM m
  JOIN tape.triple_barrier(
         $$SELECT ticker, CASE source WHEN 'daily' THEN tape.add_trading_days(trading_day, 1) + time '09:30'
                                      ELSE ts + interval '1 minute' END AS ts,
                  direction, row_number() OVER (ORDER BY ticker, ts, source, event_type, direction) AS event_id
             FROM tape.manifest WHERE profile = 'pipe'$$,
         $$SELECT * FROM tape.bars_1m WHERE ticker IN ('ACME', 'BOLT')$$) d USING (event_id)
  JOIN tape.event_labels l ON (l.profile, l.source, l.ticker, l.ts, l.event_type, l.direction)
                              = (m.profile, m.source, m.ticker, m.ts, m.event_type, m.direction);
-- a second call computes nothing, in another session's settings too
CALL tape.compute_event_labels('pipe');
SELECT ep.session_settings(cron => true);
CALL tape.compute_event_labels('pipe');
SELECT ep.session_settings(cron => false);
-- another configuration relabels every ticker (a vertical barrier of 10 minutes)
CALL tape.compute_event_labels('pipe', '{"labels": {"vertical_seconds": 600}}');
SELECT count(*) AS labels, count(*) FILTER (WHERE vertical_ts = label_ts + interval '10 minutes') AS at_ten_minutes
  FROM tape.event_labels WHERE profile = 'pipe';

-- 8. the manifest rebuilt without BOLT's flush (a cap of one event a ticker-day): its rows go,
--    the others are those of the new build
UPDATE tape.profiles SET max_per_ticker_day = 1, type_quotas = '{"vwap_break": 0.5, "opening_range_break": 0.5}'
 WHERE profile = 'pipe';
SET client_min_messages = warning;
CALL tape.build_manifest('pipe', '2025-09-29', '2025-10-03');
RESET client_min_messages;
CALL tape.compute_event_features('pipe');
CALL tape.compute_event_labels('pipe');
SELECT (SELECT count(*) FROM tape.manifest WHERE profile = 'pipe') AS manifest_events,
       (SELECT count(*) FROM tape.event_features WHERE profile = 'pipe') AS features,
       (SELECT count(*) FROM tape.event_labels WHERE profile = 'pipe') AS labels,
       (SELECT count(*) FROM tape.event_features f WHERE profile = 'pipe' AND NOT EXISTS (
          SELECT FROM tape.manifest m WHERE m.profile = f.profile AND (m.source, m.ticker, m.ts, m.event_type, m.direction)
                                                                       = (f.source, f.ticker, f.ts, f.event_type, f.direction)))
         AS stale_features,
       ep.feature_differences() AS differences;

-- 9. the steps in the work queue, and errors
SELECT refresh, queue, unit, units, settled, pending, failed, last_run FROM tape.refresh_status
 WHERE refresh IN ('features', 'labels') ORDER BY refresh;
CALL tape.compute_event_features('nope');  -- ERROR
CALL tape.compute_event_labels('plus');  -- ERROR
CALL tape.compute_event_features('pipe', '{"feature": {}}');  -- ERROR
CALL tape.compute_event_features('pipe', '{"features": {"window": {"before_seconds": -1}}}');  -- ERROR
CALL tape.compute_event_labels('pipe', '{"labels": {"touch": "low"}}');  -- ERROR
BEGIN;
CALL tape.compute_event_labels('pipe');  -- ERROR
ROLLBACK;

UPDATE tape.configuration SET value = NULL WHERE name = 'foreign_schema';
SET client_min_messages = warning;
DROP SCHEMA ep CASCADE;
RESET client_min_messages;
TRUNCATE tape.events_intraday, tape.events_daily, tape.bars_1m, tape.manifest, tape.manifest_windows,
         tape.manifest_builds, tape.stored_profiles, tape.tick_windows, tape.capture_fetches, tape.work_queue,
         tape.refresh_runs, tape.settings, tape.event_features, tape.event_labels;
