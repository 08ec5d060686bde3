-- Stage-1 and the daily events E1-E11: every planted pattern is found on the
-- right day with its capture window, and nothing on quiet days.
\i test/regress/setup.sql
\i test/regress/bars.sql

-- 80 trading days per ticker (2025-04-25 .. 2025-08-20); patterns in the last weeks
CREATE TABLE regress.day_bars AS
SELECT * FROM regress.quiet_days('QUIET', '2025-04-25', '2025-08-20')
UNION ALL SELECT * FROM regress.quiet_days('GAPUP', '2025-04-25', '2025-08-20')
UNION ALL SELECT * FROM regress.quiet_days('VOLX', '2025-04-25', '2025-08-20')
UNION ALL SELECT * FROM regress.quiet_days('SPIKE', '2025-04-25', '2025-08-20')
UNION ALL SELECT * FROM regress.quiet_days('CRASH', '2025-04-25', '2025-08-20')
UNION ALL SELECT * FROM regress.quiet_days('GAPDN', '2025-04-25', '2025-08-20')
UNION ALL SELECT * FROM regress.quiet_days('PARA', '2025-04-25', '2025-08-20')
UNION ALL SELECT * FROM regress.quiet_days('BOUNCE', '2025-04-25', '2025-08-20');
SELECT count(*) AS day_bars, count(DISTINCT ticker) AS tickers FROM regress.day_bars;

-- quiet days trigger nothing; the first 20 days of each ticker have no RVOL yet, and the
-- detector says so
SELECT count(*) AS events_on_quiet_days FROM tape.detect_daily($$SELECT * FROM regress.day_bars WHERE ticker = 'QUIET'$$);
SET client_min_messages = warning;

-- a 15 % gap up on 4x volume, to a record high
SELECT regress.plant_day('GAPUP', '2025-08-15', 11.50, 12.00, 11.40, 11.80, 4000000);
-- 6x volume on an ordinary range
SELECT regress.plant_day('VOLX', '2025-08-15', 10.00, 10.08, 9.92, 10.02, 6000000);
-- an 18 % run above the open, given back
SELECT regress.plant_day('SPIKE', '2025-08-15', 10.00, 11.80, 9.95, 10.20, 1000000);
-- a 17 % fall below the open
SELECT regress.plant_day('CRASH', '2025-08-15', 10.00, 10.05, 8.30, 9.00, 1000000);
-- a 17 % gap down on 3x volume
SELECT regress.plant_day('GAPDN', '2025-08-15', 8.30, 8.40, 8.10, 8.20, 3000000);
-- four green days of +14 % on 2.5x volume (08-11 .. 08-14) after a flat day, a
-- gap to 20.10 on 08-15 (above the universe's 20 USD ceiling), then the first red day
SELECT regress.plant_day('PARA', '2025-08-08', 9.99, 10.05, 9.93, 9.99, 1000000);
SELECT regress.plant_day('PARA', '2025-08-11', 9.99, 11.45, 9.95, 11.39, 2500000);
SELECT regress.plant_day('PARA', '2025-08-12', 11.39, 13.05, 11.35, 12.98, 2500000);
SELECT regress.plant_day('PARA', '2025-08-13', 12.98, 14.88, 12.95, 14.80, 2500000);
SELECT regress.plant_day('PARA', '2025-08-14', 14.80, 16.95, 14.75, 16.87, 2500000);
SELECT regress.plant_day('PARA', '2025-08-15', 18.00, 20.20, 17.95, 20.10, 2500000);
SELECT regress.plant_day('PARA', '2025-08-18', 20.10, 20.20, 17.50, 17.60, 2000000);
-- four red days down 35 %, then a green day on 3.5x volume
SELECT regress.plant_day('BOUNCE', '2025-08-11', 10.01, 10.05, 8.95, 9.00, 1000000);
SELECT regress.plant_day('BOUNCE', '2025-08-12', 9.00, 9.05, 7.95, 8.00, 1000000);
SELECT regress.plant_day('BOUNCE', '2025-08-13', 8.00, 8.05, 6.95, 7.00, 1000000);
SELECT regress.plant_day('BOUNCE', '2025-08-14', 7.00, 7.05, 6.45, 6.50, 1000000);
SELECT regress.plant_day('BOUNCE', '2025-08-15', 6.50, 7.30, 6.45, 7.20, 3500000);
-- the days after a planted day are quiet again (no gap from the planted close)
UPDATE regress.day_bars SET open = 10, close = 10, high = 10.1, low = 9.9
 WHERE ticker IN ('GAPUP', 'VOLX', 'SPIKE', 'CRASH', 'GAPDN') AND day > '2025-08-15';
UPDATE regress.day_bars SET open = 17.6, close = 17.6, high = 17.7, low = 17.5 WHERE ticker = 'PARA' AND day > '2025-08-18';
UPDATE regress.day_bars SET open = 7.2, close = 7.2, high = 7.3, low = 7.1 WHERE ticker = 'BOUNCE' AND day > '2025-08-15';

CREATE TABLE regress.planted_days (ticker text, trading_day date, event_type text, direction text);
INSERT INTO regress.planted_days VALUES
  ('GAPUP', '2025-08-15', 'stage1', 'up'), ('GAPUP', '2025-08-15', 'E2_gap_up', 'up'),
  ('GAPUP', '2025-08-15', 'E5_breakout_ath', 'up'),
  ('VOLX', '2025-08-15', 'E1_volume_explosion', 'up'),
  ('SPIKE', '2025-08-15', 'E3_intraday_price_spike', 'up'),
  ('CRASH', '2025-08-15', 'E9_intraday_crash', 'down'),
  ('GAPDN', '2025-08-15', 'stage1', 'down'), ('GAPDN', '2025-08-15', 'E8_violent_gap_down', 'down'),
  ('PARA', '2025-08-11', 'stage1', 'up'), ('PARA', '2025-08-11', 'E5_breakout_ath', 'up'),
  ('PARA', '2025-08-12', 'stage1', 'up'),
  ('PARA', '2025-08-13', 'stage1', 'up'), ('PARA', '2025-08-13', 'E6_multiple_green_days', 'up'),
  ('PARA', '2025-08-14', 'stage1', 'up'), ('PARA', '2025-08-14', 'E4_parabolic_move', 'up'),
  ('PARA', '2025-08-18', 'E7_first_red_day', 'down'),
  ('BOUNCE', '2025-08-15', 'stage1', 'up'), ('BOUNCE', '2025-08-15', 'E10_first_green_bounce', 'up'),
  ('BOUNCE', '2025-08-15', 'E11_volume_bounce', 'up');

CREATE TABLE regress.found_days AS SELECT * FROM tape.detect_daily('SELECT * FROM regress.day_bars');

SELECT coalesce(p.ticker, f.ticker) AS ticker, coalesce(p.trading_day, f.trading_day) AS trading_day,
       coalesce(p.event_type, f.event_type) AS event_type, coalesce(p.direction, f.direction) AS direction,
       CASE WHEN p.ticker IS NULL THEN 'unexpected' WHEN f.ticker IS NULL THEN 'MISSED' ELSE 'found' END AS result
  FROM regress.planted_days p
  FULL JOIN regress.found_days f USING (ticker, trading_day, event_type, direction)
 ORDER BY 1, 2, 3;

-- the measures and capture windows (in trading days: 2025-08-15 is a Friday)
SELECT ticker, trading_day, event_type, close, volume, round(dollar_volume::numeric) AS dollar_volume,
       round(gap_pct::numeric, 2) AS gap_pct, round(change_pct::numeric, 2) AS change_pct,
       round(rvol::numeric, 2) AS rvol, round(atr_pct::numeric, 2) AS atr_pct,
       window_before, window_after, window_start, window_end
  FROM regress.found_days ORDER BY ticker, trading_day, event_type;

-- thresholds and windows are configuration; the day may come as day, date or ts (00:00 New York)
SELECT ticker, trading_day, event_type, window_start, window_end
  FROM tape.detect_daily($$SELECT * FROM regress.day_bars WHERE ticker = 'VOLX'$$,
                         '{"E1_volume_explosion": {"min_rvol": 7, "window": 5}}');
SELECT ticker, trading_day, event_type, window_start, window_end
  FROM tape.detect_daily($$SELECT * FROM regress.day_bars WHERE ticker = 'VOLX'$$,
                         '{"daily": {"E1_volume_explosion": {"window": 5}}}');
SELECT count(*) FROM tape.detect_daily($$SELECT ticker, day AS date, open, high, low, close, volume
                                           FROM regress.day_bars$$);
SELECT count(*) FROM tape.detect_daily($$SELECT ticker, (day::timestamp AT TIME ZONE 'America/New_York') AS ts,
                                                open, high, low, close, volume FROM regress.day_bars$$);
-- the price filter of the universe (0.5 to 20): PARA closes above 20 on 08-15, which hid its events
SELECT count(*) FROM tape.detect_daily($$SELECT * FROM regress.day_bars WHERE ticker = 'PARA'$$,
                                       '{"filters": {"max_price": 1000}}');

-- thresholds in percent count cent prices as a trader does: from an open of 2.00, a high of
-- 2.30 is the 15 % of E3 and a low of 1.70 the -15 % of E9 (binary floating point makes
-- them 14.999999999999991 and -15.000000000000002)
CREATE TABLE regress.edge_days AS
SELECT t.ticker, d.day, round(d.open::numeric / 5, 3)::float8 AS open, round(d.high::numeric / 5, 3)::float8 AS high,
       round(d.low::numeric / 5, 3)::float8 AS low, round(d.close::numeric / 5, 3)::float8 AS close, d.volume
  FROM unnest(ARRAY['E3_EDGE', 'E9_EDGE']) AS t(ticker),
       regress.quiet_days('QUIET', '2025-04-25', '2025-08-20') AS d;
UPDATE regress.edge_days SET open = 2.00, high = 2.30, low = 1.99, close = 2.10
 WHERE ticker = 'E3_EDGE' AND day = '2025-08-15';
UPDATE regress.edge_days SET open = 2.00, high = 2.01, low = 1.70, close = 1.80
 WHERE ticker = 'E9_EDGE' AND day = '2025-08-15';
SELECT ticker, trading_day, event_type, direction
  FROM tape.detect_daily('SELECT * FROM regress.edge_days')
 WHERE event_type IN ('E3_intraday_price_spike', 'E9_intraday_crash') ORDER BY 1;
-- a query may end with a semicolon or a comment
SELECT count(*) FROM tape.detect_daily($$SELECT * FROM regress.day_bars; -- every day$$);

SELECT * FROM tape.detect_daily('SELECT ticker, open, high, low, close, volume FROM regress.day_bars');  -- ERROR
SELECT * FROM tape.detect_daily('SELECT * FROM regress.day_bars', '{"E12_moon": {}}');  -- ERROR
SELECT * FROM tape.detect_daily('SELECT * FROM regress.day_bars', '{"atr_pct_percentile": 101}');  -- ERROR

-- the aggregate: the events of each ticker's day bars, GROUP BY ticker, are the function's
SELECT * FROM regress.same_rows(
  'SELECT e.* FROM (SELECT tape.daily_events(b ORDER BY day) AS ev FROM regress.day_bars b GROUP BY ticker) s, unnest(s.ev) AS e',
  'SELECT * FROM regress.found_days');
-- with a configuration, the day from a ts (00:00 New York)
SELECT e.ticker, e.trading_day, e.event_type, e.window_start, e.window_end
  FROM (SELECT tape.daily_events(b, '{"E1_volume_explosion": {"window": 5}}' ORDER BY ts) AS events
          FROM (SELECT ticker, day::timestamp AT TIME ZONE 'America/New_York' AS ts, open, high, low, close, volume
                  FROM regress.day_bars WHERE ticker = 'VOLX') b GROUP BY ticker) s, unnest(s.events) AS e;
SELECT tape.daily_events(b ORDER BY day DESC) FROM regress.day_bars b WHERE ticker = 'VOLX' GROUP BY ticker;  -- ERROR
SELECT tape.daily_events(b ORDER BY day) FROM (SELECT * FROM regress.day_bars UNION ALL SELECT * FROM regress.day_bars) b
 WHERE ticker = 'VOLX' GROUP BY ticker;  -- ERROR

-- on the mock's demo universe, through polygon_fdw
SELECT regress.make_server('mock');
SELECT ticker, trading_day, event_type, direction, round(rvol::numeric, 1) AS rvol, window_start, window_end
  FROM tape.detect_daily($$SELECT * FROM mock.bars WHERE ticker IN ('ACME', 'BOLT') AND timespan = 'day'
                           AND ts >= '2025-06-02' AND ts < '2025-10-08'$$)
 WHERE trading_day >= '2025-09-01'
 ORDER BY ticker, trading_day, event_type;
-- and the aggregate over a local copy returns the same events
CREATE TABLE regress.mock_days AS
SELECT * FROM mock.bars WHERE ticker IN ('ACME', 'BOLT', 'CRWN', 'DYNX', 'FLUX') AND timespan = 'day'
   AND ts >= '2025-01-02' AND ts < '2025-10-08';
SELECT * FROM regress.same_rows(
  'SELECT e.* FROM (SELECT tape.daily_events(b ORDER BY ts) AS ev FROM regress.mock_days b GROUP BY ticker) s, unnest(s.ev) AS e',
  'SELECT * FROM tape.detect_daily(''SELECT * FROM regress.mock_days'')');

-- judge_from: the days before it only warm the history.  The events are those of the days
-- from judge_from on, and the closing NOTICE counts only the days judged: none lacks RVOL
-- when its 20 earlier days come before judge_from (from 2025-02-03 on), and from 2025-01-21
-- on, nine days of each of the five tickers do (2025-01-21 to 01-31)
SET client_min_messages = warning;
CREATE TABLE regress.mock_days_found AS SELECT * FROM tape.detect_daily('SELECT * FROM regress.mock_days');
SET client_min_messages = notice;
CREATE TABLE regress.judged_0303 AS
SELECT * FROM tape.detect_daily('SELECT * FROM regress.mock_days', judge_from => '2025-03-03');
CREATE TABLE regress.judged_0121 AS
SELECT * FROM tape.detect_daily('SELECT * FROM regress.mock_days', judge_from => '2025-01-21');
SELECT 'from 2025-03-03' AS judged, * FROM regress.same_rows(
  'SELECT * FROM regress.judged_0303', 'SELECT * FROM regress.mock_days_found WHERE trading_day >= ''2025-03-03''')
UNION ALL
SELECT 'from 2025-01-21', * FROM regress.same_rows(
  'SELECT * FROM regress.judged_0121', 'SELECT * FROM regress.mock_days_found WHERE trading_day >= ''2025-01-21''');
