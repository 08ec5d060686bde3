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
