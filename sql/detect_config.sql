-- The detectors' configuration: every number of both sections has a range and a value out
-- of it is refused with the key's path; a whole number is a whole number; keys that depend
-- on each other agree.
\i test/regress/setup.sql
SET client_min_messages = warning;

CREATE TABLE regress.config_minute AS
SELECT 'ONE'::text AS ticker, '2025-09-26 10:00-04'::timestamptz AS ts, 10.0 AS open, 10.0 AS high, 10.0 AS low,
       10.0 AS close, 100 AS volume;
CREATE TABLE regress.config_day AS
SELECT 'ONE'::text AS ticker, '2025-09-26'::date AS day, 10.0 AS open, 10.0 AS high, 10.0 AS low,
       10.0 AS close, 100 AS volume;

\i test/regress/config_paths.sql
-- what a detector says to a configuration (NULL: it runs)
CREATE FUNCTION regress.config_error(section text, config jsonb, OUT message text, OUT detail text)
LANGUAGE plpgsql AS $$
BEGIN
  IF section = 'intraday' THEN
    PERFORM count(*) FROM tape.detect_intraday('SELECT * FROM regress.config_minute', config);
  ELSE
    PERFORM count(*) FROM tape.detect_daily('SELECT * FROM regress.config_day', config);
  END IF;
EXCEPTION WHEN invalid_parameter_value THEN
  GET STACKED DIAGNOSTICS message = MESSAGE_TEXT, detail = PG_EXCEPTION_DETAIL;
END
$$;

-- the issue's examples
SELECT * FROM tape.detect_intraday('SELECT * FROM regress.config_minute', '{"flush": {"window_minutes": -3}}');  -- ERROR
SELECT * FROM tape.detect_intraday('SELECT * FROM regress.config_minute', '{"opening_range_break": {"range_minutes": -1}}');  -- ERROR
SELECT * FROM tape.detect_intraday('SELECT * FROM regress.config_minute', '{"vwap_break": {"up": {"min_bars": 2.5}}}');  -- ERROR
SELECT * FROM tape.detect_daily('SELECT * FROM regress.config_day', '{"E4_parabolic_move": {"days": 0}}');  -- ERROR
-- and through the aggregates
SELECT tape.intraday_events(b, '{"flush": {"window_minutes": -3}}' ORDER BY ts) FROM regress.config_minute b GROUP BY ticker;  -- ERROR
SELECT tape.daily_events(b, '{"rvol_days": 0}' ORDER BY day) FROM regress.config_day b GROUP BY ticker;  -- ERROR

-- every number of both sections, set to -1,000,000: refused, naming the key, saying its range
SELECT s.section, array_to_string(l.path, '.') AS key, l.value AS "default", e.message LIKE '%"' || s.section || '.' || array_to_string(l.path, '.') || '"' AS names_key, e.detail
  FROM (VALUES ('intraday'), ('daily')) AS s(section)
  CROSS JOIN LATERAL regress.config_leaves(tape.default_config() -> s.section) AS l
  CROSS JOIN LATERAL regress.config_error(s.section, regress.config_at(l.path, '-1000000')) AS e
 WHERE jsonb_typeof(l.value) = 'number'
 ORDER BY 1 DESC, 2;
-- ... none is accepted, and every message names its key
SELECT s.section, count(*) AS numbers, count(*) FILTER (WHERE e.message IS NULL) AS accepted,
       count(*) FILTER (WHERE e.message NOT LIKE '%"' || s.section || '.' || array_to_string(l.path, '.') || '"') AS unnamed
  FROM (VALUES ('intraday'), ('daily')) AS s(section)
  CROSS JOIN LATERAL regress.config_leaves(tape.default_config() -> s.section) AS l
  CROSS JOIN LATERAL regress.config_error(s.section, regress.config_at(l.path, '-1000000')) AS e
 WHERE jsonb_typeof(l.value) = 'number'
 GROUP BY 1 ORDER BY 1 DESC;
-- the defaults themselves are all accepted
SELECT s.section, count(*) FILTER (WHERE e.message IS NOT NULL) AS refused
  FROM (VALUES ('intraday'), ('daily')) AS s(section)
  CROSS JOIN LATERAL regress.config_leaves(tape.default_config() -> s.section) AS l
  CROSS JOIN LATERAL regress.config_error(s.section, regress.config_at(l.path, l.value)) AS e
 GROUP BY 1 ORDER BY 1 DESC;

-- keys that depend on each other
SELECT * FROM regress.config_error('intraday', '{"opening_range_break": {"range_minutes": 30, "cutoff_minutes": 20}}');
SELECT * FROM regress.config_error('intraday', '{"baseline": {"min_days": 25}}');
SELECT * FROM regress.config_error('intraday', '{"filters": {"min_price": 10, "max_price": 5}}');
SELECT * FROM regress.config_error('daily', '{"atr_pct_min_history_days": 300}');
SELECT * FROM regress.config_error('daily', '{"E4_parabolic_move": {"days": 3, "min_green_days": 4}}');
-- the named choices
SELECT * FROM regress.config_error('intraday', '{"baseline": {"method": "median"}}');
SELECT * FROM regress.config_error('intraday', '{"baseline": {"fallback": "zero"}}');
-- a value of another JSON type
SELECT * FROM regress.config_error('intraday', '{"flush": {"enabled": 1}}');
SELECT * FROM regress.config_error('daily', '{"rvol_days": "20"}');

-- every window and look-back at the most its range allows, every threshold at 0 and every run
-- at one bar, so that every detector looks as far back as it may and fires on most bars (the
-- most events to score and deduplicate), over two weeks of a ticker's minute bars: the work
-- stays bounded by the bars, and the call ends (under a statement_timeout of 60 s)
\i test/regress/bars.sql
SET statement_timeout = '60s';
SELECT count(*) AS events, array_agg(DISTINCT e.event_type ORDER BY e.event_type) AS types
  FROM tape.detect_intraday('SELECT * FROM regress.quiet_bars(''MAX'', ''2025-09-15'', ''2025-09-26'', true, 0.5)',
         '{"baseline": {"rolling_bars": 10000, "profile_days": 100, "profile_minutes": 60, "min_days": 1, "min_samples": 1,
                        "day_adjust_lag_minutes": 0, "day_adjust_min_bars": 1},
           "filters": {"min_price": 0, "min_bar_dollar_volume": 0, "min_day_dollar_volume": 0, "min_day_dollar_volume_bearish": 0},
           "volume_spike": {"rth": {"min_spike_x": 0, "min_volume": 0, "min_dollar_volume": 0},
                            "extended": {"min_spike_x": 0, "min_volume": 0, "min_dollar_volume": 0},
                            "up_min_change_pct": 0, "down_min_red_bars": 1, "down_min_drop_from_high_pct": 0},
           "vwap_break": {"up": {"min_distance_pct": 0, "min_bars": 1, "min_volume_x": 0, "min_below_pct": 0, "below_lookback_bars": 1000},
                          "down": {"min_distance_pct": 0, "min_bars": 1, "min_volume_x": 0, "failed_reclaim_lookback_bars": 1000}},
           "price_momentum": {"window_minutes": 480, "up": {"min_change_pct": 0, "breakout_minutes": 960, "min_volume_x": 0},
                              "down": {"min_change_pct": 0, "breakdown_minutes": 960, "min_acceleration": 0}},
           "consolidation_break": {"base_minutes": 960, "min_base_bars": 1, "min_bars": 1, "max_range_pct": 100,
                                   "min_breakout_pct": 0, "min_volume_x": 0},
           "opening_range_break": {"range_minutes": 390, "cutoff_minutes": 390, "min_breakout_pct": 0, "min_bars": 1, "min_volume_x": 0},
           "tape_speed": {"enabled": true, "min_transactions": 0, "min_spike_x": 0, "min_bars": 1},
           "flush": {"min_drop_pct": 0, "high_tolerance_pct": 100, "window_minutes": 960, "min_volume_x": 0, "min_red_bars": 1},
           "dedup": {"window_minutes": 960, "keep_both_within_pct": 100}}') e;
RESET statement_timeout;
