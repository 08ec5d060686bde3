-- The intraday detectors find every planted event, with the right type,
-- direction, session and minute, and nothing on quiet bars; the volume
-- baseline follows the intraday profile; the aggregate entry point returns
-- the same events as the function.
\i test/regress/setup.sql
\i test/regress/bars.sql

-- 19 trading days of quiet bars per ticker; patterns are planted on the last one, 2025-09-26
CREATE TABLE regress.minute_bars AS
SELECT * FROM regress.quiet_bars('QUIET', '2025-09-02', '2025-09-26')
UNION ALL SELECT * FROM regress.quiet_bars('QUIET_SWING', '2025-09-02', '2025-09-26', true, 0.3)
UNION ALL SELECT * FROM regress.quiet_bars('SPIKE', '2025-09-02', '2025-09-26')
UNION ALL SELECT * FROM regress.quiet_bars('SPIKE_PM', '2025-09-02', '2025-09-26')
UNION ALL SELECT * FROM regress.quiet_bars('VWAP_UP', '2025-09-02', '2025-09-26')
UNION ALL SELECT * FROM regress.quiet_bars('VWAP_DOWN', '2025-09-02', '2025-09-26')
UNION ALL SELECT * FROM regress.quiet_bars('VWAP_LATE', '2025-09-02', '2025-09-26')
UNION ALL SELECT * FROM regress.quiet_bars('MOM_UP', '2025-09-02', '2025-09-26')
UNION ALL SELECT * FROM regress.quiet_bars('MOM_DOWN', '2025-09-02', '2025-09-26')
UNION ALL SELECT * FROM regress.quiet_bars('BASE', '2025-09-02', '2025-09-25', true, 0.3)
UNION ALL SELECT * FROM regress.quiet_bars('BASE', '2025-09-26', '2025-09-26')
UNION ALL SELECT * FROM regress.quiet_bars('ORB', '2025-09-02', '2025-09-26', false)
UNION ALL SELECT * FROM regress.quiet_bars('ORB_LATE', '2025-09-02', '2025-09-26', false)
UNION ALL SELECT * FROM regress.quiet_bars('TAPE', '2025-09-02', '2025-09-26')
UNION ALL SELECT * FROM regress.quiet_bars('FLUSH', '2025-09-02', '2025-09-26')
UNION ALL SELECT * FROM regress.quiet_bars('FLUSH_RETEST', '2025-09-02', '2025-09-26');
SELECT count(*) AS bars, count(DISTINCT ticker) AS tickers, count(DISTINCT tape.trading_day(ts)) AS days
  FROM regress.minute_bars;

-- quiet bars trigger nothing; the first five days of each ticker have no volume
-- profile yet, and the detector says so
SELECT count(*) AS events_on_quiet_bars
  FROM tape.detect_intraday($$SELECT * FROM regress.minute_bars WHERE ticker IN ('QUIET', 'QUIET_SWING')$$);
SET client_min_messages = warning;

-- volume spikes: RTH up (10x, +1.5 %), after hours up (10x), pre-market 7x (below the 8x of
-- extended hours: no event), pre-market down after two red bars 2 % under the high
SELECT regress.plant('SPIKE', '2025-09-26 11:00', 10.00, 10.15, 200000);
SELECT regress.plant('SPIKE', '2025-09-26 17:00', 10.00, 10.15, 200000);
SELECT regress.plant('SPIKE', '2025-09-26 07:00', 10.00, 10.15, 140000);
SELECT regress.plant('SPIKE_PM', '2025-09-26 08:00', 10.00, 9.90);
SELECT regress.plant('SPIKE_PM', '2025-09-26 08:01', 9.90, 9.80, 300000);
-- VWAP reclaim through the band in one bar: ten closes 1 % under VWAP, a close inside the
-- 0-0.6 % band above it, then two closes 0.8 % above on 3x volume
SELECT regress.hold('VWAP_UP', '2025-09-26 11:50', '2025-09-26 11:59', 9.90);
SELECT regress.plant('VWAP_UP', '2025-09-26 12:00', 9.90, 10.02);
SELECT regress.plant('VWAP_UP', '2025-09-26 12:01', 10.02, 10.08, 60000);
SELECT regress.plant('VWAP_UP', '2025-09-26 12:02', 10.08, 10.09, 60000);
-- VWAP rejection: under VWAP, a rally whose high touches it and fails, then three closes 1 %
-- under it on 3x volume; found on the third (the confirmation), not later in the run
SELECT regress.hold('VWAP_DOWN', '2025-09-26 12:50', '2025-09-26 12:57', 9.90);
SELECT regress.plant('VWAP_DOWN', '2025-09-26 12:58', 9.90, 9.97, 20000, 100, 10.01);
SELECT regress.plant('VWAP_DOWN', '2025-09-26 12:59', 9.97, 9.90, 60000);
SELECT regress.plant('VWAP_DOWN', '2025-09-26 13:00', 9.90, 9.88, 60000);
SELECT regress.plant('VWAP_DOWN', '2025-09-26 13:01', 9.88, 9.87, 60000);
SELECT regress.hold('VWAP_DOWN', '2025-09-26 13:02', '2025-09-26 13:15', 9.87);
-- the same rejection without volume on its first three bars, and a 10x bar eight bars into
-- the run: the run was not confirmed, nothing fires later in it
SELECT regress.hold('VWAP_LATE', '2025-09-26 12:50', '2025-09-26 12:57', 9.90);
SELECT regress.plant('VWAP_LATE', '2025-09-26 12:58', 9.90, 9.97, 20000, 100, 10.01);
SELECT regress.plant('VWAP_LATE', '2025-09-26 12:59', 9.97, 9.90);
SELECT regress.hold('VWAP_LATE', '2025-09-26 13:00', '2025-09-26 13:15', 9.87);
SELECT regress.plant('VWAP_LATE', '2025-09-26 13:06', 9.87, 9.86, 200000);
-- momentum up: +3.2 % in five minutes to a new 20-minute high on 1.9x volume, then a new level
SELECT regress.plant('MOM_UP', '2025-09-26 14:00', 10.00, 10.08);
SELECT regress.plant('MOM_UP', '2025-09-26 14:01', 10.08, 10.16);
SELECT regress.plant('MOM_UP', '2025-09-26 14:02', 10.16, 10.24);
SELECT regress.plant('MOM_UP', '2025-09-26 14:03', 10.24, 10.32, 38000);
SELECT regress.hold('MOM_UP', '2025-09-26 14:04', '2025-09-26 19:59', 10.32);
-- momentum down: -3.6 % in five minutes after a flat five, no volume needed
SELECT regress.plant('MOM_DOWN', '2025-09-26 14:00', 10.00, 9.91);
SELECT regress.plant('MOM_DOWN', '2025-09-26 14:01', 9.91, 9.82);
SELECT regress.plant('MOM_DOWN', '2025-09-26 14:02', 9.82, 9.73);
SELECT regress.plant('MOM_DOWN', '2025-09-26 14:03', 9.73, 9.64);
SELECT regress.hold('MOM_DOWN', '2025-09-26 14:04', '2025-09-26 19:59', 9.64);
-- consolidation break: wide days before, a flat morning (a 0.05 % base), two closes 1.2 %
-- above it on 2.5x volume, then the new level
SELECT regress.plant('BASE', '2025-09-26 11:00', 10.00, 10.12, 50000);
SELECT regress.plant('BASE', '2025-09-26 11:01', 10.12, 10.13, 50000);
SELECT regress.hold('BASE', '2025-09-26 11:02', '2025-09-26 19:59', 10.13);
-- opening range breaks (narrow range): up 0.6 % for two bars on 1.9x volume, back, and down
-- the same before 11:00; ORB_LATE breaks at 11:30, after the cut-off
SELECT regress.plant('ORB', '2025-09-26 10:30', 10.00, 10.06, 38000);
SELECT regress.plant('ORB', '2025-09-26 10:31', 10.06, 10.07, 38000);
SELECT regress.plant('ORB', '2025-09-26 10:50', 10.00, 9.94, 38000);
SELECT regress.plant('ORB', '2025-09-26 10:51', 9.94, 9.93, 38000);
SELECT regress.plant('ORB_LATE', '2025-09-26 11:30', 10.00, 10.06, 38000);
SELECT regress.plant('ORB_LATE', '2025-09-26 11:31', 10.06, 10.07, 38000);
-- tape speed: two bars with 6x the trades of the profile on normal volume
SELECT regress.plant('TAPE', '2025-09-26 15:00', 10.00, 10.00, 20000, 600);
SELECT regress.plant('TAPE', '2025-09-26 15:01', 10.00, 10.01, 20000, 600);
-- flush: a run to a day high at 10:05 (FLUSH_RETEST too), then three red bars on rising volume
-- to 8.6 % under it
SELECT regress.plant(t, p.at, p.o, p.c)
  FROM unnest(ARRAY['FLUSH', 'FLUSH_RETEST']) AS t,
       (VALUES ('2025-09-26 10:00'::timestamp, 10.00, 10.10), ('2025-09-26 10:01', 10.10, 10.20),
               ('2025-09-26 10:02', 10.20, 10.30), ('2025-09-26 10:03', 10.30, 10.40),
               ('2025-09-26 10:04', 10.40, 10.45), ('2025-09-26 10:05', 10.45, 10.50)) AS p(at, o, c);
SELECT regress.plant('FLUSH', '2025-09-26 10:06', 10.50, 10.20, 20000);
SELECT regress.plant('FLUSH', '2025-09-26 10:07', 10.20, 9.90, 40000);
SELECT regress.plant('FLUSH', '2025-09-26 10:08', 9.90, 9.60, 100000);
SELECT regress.hold('FLUSH', '2025-09-26 10:09', '2025-09-26 19:59', 9.60);
-- a flush from a double top: after the same run to 10.50, twenty minutes at 10.20, a retest
-- a cent short of the high at 10:26, then three red bars to 9 % under it (more than 15
-- minutes after the high itself)
SELECT regress.hold('FLUSH_RETEST', '2025-09-26 10:06', '2025-09-26 10:25', 10.20);
SELECT regress.plant('FLUSH_RETEST', '2025-09-26 10:26', 10.20, 10.45, 20000, 100, 10.49);
SELECT regress.plant('FLUSH_RETEST', '2025-09-26 10:27', 10.45, 10.15, 20000);
SELECT regress.plant('FLUSH_RETEST', '2025-09-26 10:28', 10.15, 9.85, 40000);
SELECT regress.plant('FLUSH_RETEST', '2025-09-26 10:29', 9.85, 9.55, 100000);
SELECT regress.hold('FLUSH_RETEST', '2025-09-26 10:30', '2025-09-26 19:59', 9.55);
CREATE INDEX ON regress.minute_bars (ticker, ts);

-- what was planted, and what must be found
CREATE TABLE regress.planted (ticker text, ts timestamptz, event_type text, direction text, session text);
INSERT INTO regress.planted VALUES
  ('SPIKE', '2025-09-26 11:00-04', 'volume_spike', 'up', 'RTH'),
  ('SPIKE', '2025-09-26 17:00-04', 'volume_spike', 'up', 'AH'),
  ('SPIKE_PM', '2025-09-26 08:01-04', 'volume_spike', 'down', 'PM'),
  ('VWAP_UP', '2025-09-26 12:02-04', 'vwap_break', 'up', 'RTH'),
  ('VWAP_DOWN', '2025-09-26 13:01-04', 'vwap_break', 'down', 'RTH'),
  ('MOM_UP', '2025-09-26 14:03-04', 'price_momentum', 'up', 'RTH'),
  ('MOM_DOWN', '2025-09-26 14:03-04', 'price_momentum', 'down', 'RTH'),
  ('BASE', '2025-09-26 11:01-04', 'consolidation_break', 'up', 'RTH'),
  ('ORB', '2025-09-26 10:31-04', 'opening_range_break', 'up', 'RTH'),
  ('ORB', '2025-09-26 10:51-04', 'opening_range_break', 'down', 'RTH'),
  -- a flush is also a fast fall: momentum fires one bar earlier
  ('FLUSH', '2025-09-26 10:07-04', 'price_momentum', 'down', 'RTH'),
  ('FLUSH', '2025-09-26 10:08-04', 'flush', 'down', 'RTH'),
  ('FLUSH_RETEST', '2025-09-26 10:29-04', 'price_momentum', 'down', 'RTH'),
  ('FLUSH_RETEST', '2025-09-26 10:29-04', 'flush', 'down', 'RTH');

CREATE TABLE regress.found AS
SELECT * FROM tape.detect_intraday('SELECT * FROM regress.minute_bars');

-- every planted event is found, and nothing else (tape_speed is off by default)
SELECT coalesce(p.ticker, f.ticker) AS ticker, coalesce(p.ts, f.ts) AS ts,
       coalesce(p.event_type, f.event_type) AS event_type, coalesce(p.direction, f.direction) AS direction,
       coalesce(p.session, f.session) AS session,
       CASE WHEN p.ticker IS NULL THEN 'unexpected' WHEN f.ticker IS NULL THEN 'MISSED' ELSE 'found' END AS result
  FROM regress.planted p
  FULL JOIN regress.found f USING (ticker, ts, event_type, direction, session)
 ORDER BY 1, 2, 3;

-- what the detectors measured (dollar volume: the bar's price, here its typical price, times volume)
SELECT ticker, ts::time, event_type, direction, session, trading_day, round(score::numeric, 1) AS score,
       close, volume, round(dollar_volume::numeric) AS dollar_volume, round(spike_x::numeric, 2) AS spike_x,
       round(pct_change::numeric, 2) AS pct_change, round(level::numeric, 4) AS level,
       round(vwap::numeric, 4) AS vwap, round(vwap_distance_pct::numeric, 3) AS vwap_distance_pct, consecutive_bars
  FROM regress.found ORDER BY ticker, ts, event_type;

-- tape_speed when the configuration turns it on: two bars in a row at 6x their trades
SELECT ticker, ts::time, event_type, direction, round(spike_x::numeric, 2) AS spike_x, consecutive_bars
  FROM tape.detect_intraday($$SELECT * FROM regress.minute_bars WHERE ticker = 'TAPE'$$,
                            '{"tape_speed": {"enabled": true}}');

-- every threshold can be overridden: a 7x pre-market spike counts when the extended threshold is 6
SELECT ticker, ts::time, event_type, session
  FROM tape.detect_intraday($$SELECT * FROM regress.minute_bars WHERE ticker = 'SPIKE'$$,
                            '{"volume_spike": {"extended": {"min_spike_x": 6}}}')
 ORDER BY ts;
-- a detector can be turned off, the whole document works too
SELECT event_type FROM tape.detect_intraday($$SELECT * FROM regress.minute_bars WHERE ticker = 'FLUSH'$$,
                                            '{"intraday": {"flush": {"enabled": false}}}');
-- the opening range may run later: the 11:30 break counts with a 150-minute cut-off
SELECT ticker, ts::time, event_type, direction
  FROM tape.detect_intraday($$SELECT * FROM regress.minute_bars WHERE ticker = 'ORB_LATE'$$,
                            '{"opening_range_break": {"cutoff_minutes": 150}}');
-- filters: a minimum day dollar volume above the day's removes every event of it
SELECT count(*) FROM tape.detect_intraday($$SELECT * FROM regress.minute_bars WHERE ticker = 'SPIKE'$$,
                                          '{"filters": {"min_day_dollar_volume": 1e9}}');
-- float and short-interest columns apply the bearish filters
SELECT ticker, event_type, direction
  FROM tape.detect_intraday($$SELECT *, 8000000 AS float_shares FROM regress.minute_bars WHERE ticker IN ('SPIKE', 'SPIKE_PM')$$)
 ORDER BY ticker, ts;
SELECT count(*) FROM tape.detect_intraday($$SELECT *, 55 AS short_interest_pct FROM regress.minute_bars WHERE ticker = 'SPIKE_PM'$$);
-- a base is flat by its own range: 1.0 % of range is too wide when the maximum is 0.04 %
SELECT count(*) FROM tape.detect_intraday($$SELECT * FROM regress.minute_bars WHERE ticker = 'BASE'$$,
                                          '{"consolidation_break": {"max_range_pct": 0.04}}');

-- The volume baseline, profile against the seeds' rolling mean of 20 bars, side by side:
--   OPEN     every day's 09:30 bar carries the opening auction (10x the minute before) and
--            rises 1.5 %: against its own minute it is ordinary; against the 20 bars before
--            it (the thin pre-market) a spike every day
--   RUNUP    a 20-minute run-up on 5x volume to a day high, then three red bars to 8.6 %
--            under it on 6-8x: the run-up does not inflate the profile, it does the rolling mean
--   EVENING  heavy after-hours prints every evening (10x from 19:40), and a 10x pre-market
--            spike at 04:05: the rolling mean reaches back into the evening and misses it
CREATE TABLE regress.baseline_bars AS
SELECT * FROM regress.quiet_bars('OPEN', '2025-09-02', '2025-09-26')
UNION ALL SELECT * FROM regress.quiet_bars('RUNUP', '2025-09-02', '2025-09-26')
UNION ALL SELECT * FROM regress.quiet_bars('EVENING', '2025-09-02', '2025-09-26');
UPDATE regress.baseline_bars SET volume = 200000, close = 10.15, high = 10.151
 WHERE ticker = 'OPEN' AND (ts AT TIME ZONE 'America/New_York')::time = '09:30';
UPDATE regress.baseline_bars SET volume = 200000
 WHERE ticker = 'EVENING' AND (ts AT TIME ZONE 'America/New_York')::time >= '19:40';
UPDATE regress.baseline_bars SET open = 10.00, close = 10.15, high = 10.151, volume = 200000
 WHERE ticker = 'EVENING' AND ts = '2025-09-26 04:05-04';
UPDATE regress.baseline_bars b SET open = 10 + 0.025 * (k - 1), close = 10 + 0.025 * k,
       high = 10 + 0.025 * k + 0.001, volume = 100000
  FROM generate_series(1, 20) AS k
 WHERE b.ticker = 'RUNUP' AND b.ts = '2025-09-26 09:59-04'::timestamptz + k * interval '1 minute';
UPDATE regress.baseline_bars b SET open = p.o, close = p.c, high = p.o + 0.001, low = p.c - 0.001, volume = p.v
  FROM (VALUES ('2025-09-26 10:20-04'::timestamptz, 10.50, 10.20, 120000), ('2025-09-26 10:21-04', 10.20, 9.90, 140000),
               ('2025-09-26 10:22-04', 9.90, 9.60, 160000)) AS p(at, o, c, v)
 WHERE b.ticker = 'RUNUP' AND b.ts = p.at;
UPDATE regress.baseline_bars SET open = 9.60, close = 9.60, high = 9.601, low = 9.599
 WHERE ticker = 'RUNUP' AND ts > '2025-09-26 10:22-04' AND ts::date = '2025-09-26';
CREATE TABLE regress.baseline_found AS
SELECT b.method, e.*
  FROM (VALUES ('profile'), ('rolling')) AS b(method)
  CROSS JOIN LATERAL tape.detect_intraday('SELECT * FROM regress.baseline_bars',
                                          jsonb_build_object('baseline', jsonb_build_object('method', b.method))) AS e
 WHERE e.trading_day >= '2025-09-10';
-- over the 13 days from 2025-09-10 (both baselines have their history by then)
SELECT method, ticker, event_type, direction, count(*) AS events, min(ts)::time AS first, max(ts)::time AS last
  FROM regress.baseline_found GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4;
-- the planted day: with the profile, the run-up breaks the (wide) opening range and the fall
-- is a flush; with the rolling mean, the fall is on 1.4x "normal" volume
SELECT method, ticker, ts::time, event_type, direction, round(spike_x::numeric, 2) AS spike_x,
       round(pct_change::numeric, 2) AS pct_change
  FROM regress.baseline_found WHERE trading_day = '2025-09-26' ORDER BY 1, 2, 3, 4;

-- deduplication: of two spikes five minutes apart, the one scoring over 10 % less goes;
-- spikes scoring within 10 % of each other both stay; exactly 10 minutes apart is not a
-- duplicate (less than 10 minutes is)
CREATE TABLE regress.dedup_bars AS SELECT * FROM regress.quiet_bars('DUP', '2025-09-15', '2025-09-26');
WITH p(at, vol, cl) AS (VALUES ('2025-09-26 11:00'::timestamp, 400000, 10.40), ('2025-09-26 11:05', 200000, 10.12),
                              ('2025-09-26 14:00', 260000, 10.15), ('2025-09-26 14:04', 280000, 10.15),
                              ('2025-09-26 15:00', 400000, 10.40), ('2025-09-26 15:10', 200000, 10.12))
UPDATE regress.dedup_bars b SET close = p.cl, high = p.cl + 0.001, volume = p.vol
  FROM p WHERE b.ts = p.at AT TIME ZONE 'America/New_York';
SELECT ts::time, event_type, round(score::numeric, 1) AS score, round(spike_x::numeric, 1) AS spike_x
  FROM tape.detect_intraday('SELECT * FROM regress.dedup_bars', '{"dedup": {"window_minutes": 0}}')
 WHERE event_type = 'volume_spike' ORDER BY ts;
SELECT ts::time, event_type, round(score::numeric, 1) AS score
  FROM tape.detect_intraday('SELECT * FROM regress.dedup_bars')
 WHERE event_type = 'volume_spike' ORDER BY ts;
-- the filters come first: when the price filter removes the 11:00 and 15:00 spikes (closes
-- above 10.3), they no longer hide the ones after them
SELECT ts::time, event_type, round(score::numeric, 1) AS score
  FROM tape.detect_intraday('SELECT * FROM regress.dedup_bars', '{"filters": {"max_price": 10.3}}')
 WHERE event_type = 'volume_spike' ORDER BY ts;

-- Thresholds in percent on cent prices: every family tested at its boundary, where a trader
-- counts 2.00 -> 2.01 as a 0.5 % move (and 2.00 -> 1.99 a 0.5 % fall), 3.00 -> 3.03 and
-- 3.00 -> 2.97 as 1 %, 1.25 -> 1.35 and 1.25 -> 1.15 as 8 %; binary floating point makes them
-- 0.49999999999998934, 1.0000000000000009, -0.9999999999999898, -8.000000000000007...  Each
-- pattern is written in steps of the move (k = 1 is 2.01, 3.03 or 1.35; k = -1 is 1.99, 2.97
-- or 1.15) and run with every percent threshold at 0.5 (on 2.00), 1 (on 3.00) and 8 (on
-- 1.25); the volume baseline is the previous bar's volume (rolling, 1 bar), so a bar of 10,000
-- after one of 1,000 is a 10x bar.
--   VS_UP, VS_DOWN     volume_spike: up_min_change_pct; down_min_drop_from_high_pct
--   VB_UP, VB_DOWN     vwap_break (VWAP held at the price k = 0 by the bars' own vwap):
--                      up.min_below_pct then up.min_distance_pct; down.min_distance_pct
--   PM_UP, PM_DOWN     price_momentum: up/down.min_change_pct over the 5-minute window
--   CB_RANGE           consolidation_break: a base whose range is exactly max_range_pct
--   CB_UP, CB_DOWN     consolidation_break: min_breakout_pct from a flat base
--   ORB                opening_range_break: min_breakout_pct from a flat range, up then down
--   ORB_NORANGE        no bar from 09:30 to 09:45: no opening range, no break
--   FLUSH_DROP         flush: min_drop_pct from the day high
--   FLUSH_TOL          flush: a retest whose high is exactly high_tolerance_pct under the day
--                      high, 20 minutes after the high, then a red bar on 10x volume
--   FLUSH_IN, _OUT     flush: the window is the 15 one-minute bars ending at the flush bar:
--                      the high 14 minutes before counts, 15 minutes before does not
CREATE FUNCTION regress.edge_bars(p_ref numeric, p_step numeric)
RETURNS TABLE (ticker text, ts timestamptz, open float8, high float8, low float8, close float8,
               volume float8, vwap float8)
LANGUAGE sql IMMUTABLE AS $$
  SELECT p.ticker, ('2025-09-26 ' || p.at)::timestamp AT TIME ZONE 'America/New_York',
         (p_ref + p.o * p_step)::float8, (p_ref + p.h * p_step)::float8, (p_ref + p.l * p_step)::float8,
         (p_ref + p.c * p_step)::float8, p.v, CASE WHEN p.vw THEN p_ref::float8 END
    FROM (SELECT * FROM (VALUES
            ('VS_UP', '10:00', 0, 0, 0, 0, 1000, false), ('VS_UP', '10:01', 0, 1, 0, 1, 10000, false),
            ('VS_DOWN', '10:00', 0, 0, 0, 0, 1000, false), ('VS_DOWN', '10:01', 0, 0, -1, -1, 10000, false),
            ('VB_UP', '09:30', 0, 0, 0, 0, 1000, true), ('VB_UP', '09:31', 0, 0, -1, -1, 1000, true),
            ('VB_UP', '09:32', -1, 1, -1, 1, 10000, true),
            ('VB_DOWN', '09:30', 0, 0, -1, -1, 1000, true), ('VB_DOWN', '09:31', -1, 0, -1, -0.5, 1000, true),
            ('VB_DOWN', '09:32', -0.5, -0.5, -1, -1, 10000, true),
            ('PM_UP', '10:05', 0, 1, 0, 1, 10000, false), ('PM_DOWN', '10:05', 0, 0, -1, -1, 10000, false),
            ('CB_RANGE', '10:10', 0, 5, 0, 5, 10000, false),
            ('CB_UP', '10:10', 0, 1, 0, 1, 10000, false), ('CB_DOWN', '10:10', 0, 0, -1, -1, 10000, false),
            ('ORB', '09:45', 0, 1, 0, 1, 10000, false), ('ORB', '09:46', 1, 1, -1, -1, 100000, false),
            ('ORB_NORANGE', '09:45', 0, 0, 0, 0, 1000, false), ('ORB_NORANGE', '09:46', 0, 5, 0, 5, 10000, false),
            ('FLUSH_DROP', '10:00', 0, 0, 0, 0, 1000, false), ('FLUSH_DROP', '10:01', 0, 0, -1, -1, 10000, false),
            ('FLUSH_TOL', '10:20', -3, -1, -3, -2, 1000, false),
            ('FLUSH_TOL', '10:21', -2, -2, -3, -3, 10000, false),
            ('FLUSH_IN', '10:14', -2, -2, -3, -3, 10000, false),
            ('FLUSH_OUT', '10:15', -2, -2, -3, -3, 10000, false)) AS v(ticker, at, o, h, l, c, v, vw)
          UNION ALL
          -- the flat stretches before them
          SELECT t.ticker, to_char(time '00:00' + m * interval '1 minute', 'HH24:MI'),
                 t.k, t.k + t.wide, t.k, t.k, 1000, false
            FROM (VALUES ('PM_UP', 600, 604, 0, 0), ('PM_DOWN', 600, 604, 0, 0), ('CB_RANGE', 600, 609, 0, 1),
                         ('CB_UP', 600, 609, 0, 0), ('CB_DOWN', 600, 609, 0, 0), ('ORB', 570, 584, 0, 0),
                         ('FLUSH_TOL', 600, 600, 0, 0), ('FLUSH_TOL', 601, 619, -3, 0),
                         ('FLUSH_IN', 600, 600, 0, 0), ('FLUSH_IN', 601, 613, -3, 0),
                         ('FLUSH_OUT', 600, 600, 0, 0), ('FLUSH_OUT', 601, 614, -3, 0)) AS t(ticker, m0, m1, k, wide),
                 generate_series(t.m0, t.m1) AS m) AS p
$$;
CREATE FUNCTION regress.edge_config(p float8) RETURNS jsonb LANGUAGE sql IMMUTABLE AS $$
  SELECT replace($j$
    {"baseline": {"method": "rolling", "rolling_bars": 1},
     "filters": {"min_price": 0, "min_bar_dollar_volume": 0, "min_day_dollar_volume": 0, "min_day_dollar_volume_bearish": 0},
     "dedup": {"window_minutes": 0},
     "volume_spike": {"rth": {"min_volume": 0, "min_dollar_volume": 0},
                      "up_min_change_pct": P, "down_min_red_bars": 1, "down_min_drop_from_high_pct": P},
     "vwap_break": {"up": {"min_distance_pct": P, "min_below_pct": P, "min_bars": 1},
                    "down": {"min_distance_pct": P, "min_bars": 1}},
     "price_momentum": {"up": {"min_change_pct": P}, "down": {"min_change_pct": P}},
     "consolidation_break": {"max_range_pct": P, "min_breakout_pct": P, "min_bars": 1, "base_minutes": 10,
                             "min_base_bars": 5},
     "opening_range_break": {"min_breakout_pct": P, "min_bars": 1},
     "flush": {"min_drop_pct": P, "high_tolerance_pct": P, "min_volume_x": 2, "min_red_bars": 1}}$j$,
    'P', p::text)::jsonb
$$;
CREATE TABLE regress.edge_expected (ticker text, at time, event_type text, direction text);
INSERT INTO regress.edge_expected VALUES
  ('VS_UP', '10:01', 'volume_spike', 'up'), ('VS_DOWN', '10:01', 'volume_spike', 'down'),
  ('VB_UP', '09:32', 'vwap_break', 'up'), ('VB_DOWN', '09:32', 'vwap_break', 'down'),
  ('PM_UP', '10:05', 'price_momentum', 'up'), ('PM_DOWN', '10:05', 'price_momentum', 'down'),
  ('CB_RANGE', '10:10', 'consolidation_break', 'up'), ('CB_UP', '10:10', 'consolidation_break', 'up'),
  ('CB_DOWN', '10:10', 'consolidation_break', 'down'),
  ('ORB', '09:45', 'opening_range_break', 'up'), ('ORB', '09:46', 'opening_range_break', 'down'),
  ('FLUSH_DROP', '10:01', 'flush', 'down'), ('FLUSH_TOL', '10:21', 'flush', 'down'),
  ('FLUSH_IN', '10:14', 'flush', 'down');
-- the detector each pattern is about (the others may fire on its bars too)
CREATE TABLE regress.edge_family (ticker text, event_type text);
INSERT INTO regress.edge_family
SELECT DISTINCT ticker, event_type FROM regress.edge_expected
UNION ALL VALUES ('ORB_NORANGE', 'opening_range_break'), ('FLUSH_OUT', 'flush');
WITH found AS (
  SELECT s.ref, e.*
    FROM (VALUES (2.00, 0.01, 0.5), (3.00, 0.03, 1.0), (1.25, 0.10, 8.0)) AS s(ref, step, p)
   CROSS JOIN LATERAL tape.detect_intraday(format('SELECT * FROM regress.edge_bars(%s, %s)', s.ref, s.step),
                                           regress.edge_config(s.p)) AS e
    JOIN regress.edge_family USING (ticker, event_type)),
expected AS (SELECT r.ref, x.* FROM regress.edge_expected x CROSS JOIN (VALUES (2.00), (3.00), (1.25)) AS r(ref))
SELECT coalesce(x.ref, f.ref) AS ref, coalesce(x.ticker, f.ticker) AS ticker, coalesce(x.at, f.ts::time) AS time,
       coalesce(x.event_type, f.event_type) AS event_type, coalesce(x.direction, f.direction) AS direction,
       CASE WHEN x.ticker IS NULL THEN 'unexpected' WHEN f.ticker IS NULL THEN 'MISSED' ELSE 'found' END AS result,
       f.close, round(f.pct_change::numeric, 6) AS pct_change, f.level
  FROM expected x
  FULL JOIN found f ON (f.ref, f.ticker, f.ts::time, f.event_type, f.direction) = (x.ref, x.ticker, x.at, x.event_type, x.direction)
 ORDER BY 1, 2, 3, 4;

-- edge cases: one bar, zero volume, NULLs, a day of pre-market bars only, unsorted input
SELECT count(*) FROM tape.detect_intraday($$SELECT 'ONE' AS ticker, '2025-09-26 10:00-04'::timestamptz AS ts,
                                             10 AS open, 10 AS high, 10 AS low, 10 AS close, 100 AS volume$$);
SELECT count(*) FROM tape.detect_intraday($$SELECT ticker, ts, open, high, low, close, 0 AS volume
                                              FROM regress.minute_bars WHERE ticker = 'SPIKE'$$);
SELECT count(*) FROM tape.detect_intraday($$SELECT ticker, ts, open, high, low, close,
                                                   CASE WHEN ts::time = '11:00' THEN NULL ELSE volume END AS volume
                                              FROM regress.minute_bars WHERE ticker = 'SPIKE'$$);
SELECT count(*) FROM tape.detect_intraday($$SELECT ticker, ts, CASE WHEN extract(minute FROM ts) = 7 THEN NULL ELSE open END AS open,
                                                   high, low, close, volume
                                              FROM regress.minute_bars WHERE ticker = 'SPIKE'$$);
SELECT ticker, ts::time, event_type, session
  FROM tape.detect_intraday($$SELECT * FROM regress.minute_bars
                               WHERE ticker = 'SPIKE_PM' AND ts::time < '09:30'$$);
SELECT (SELECT count(*) FROM tape.detect_intraday('SELECT * FROM regress.minute_bars ORDER BY random()')) AS unsorted,
       (SELECT count(*) FROM regress.found) AS sorted;
-- bars outside the sessions of a trading day are ignored
SELECT count(*) FROM tape.detect_intraday($$SELECT ticker, ts + interval '2 days' AS ts, open, high, low, close, volume
                                              FROM regress.minute_bars WHERE ticker = 'SPIKE' AND ts::date = '2025-09-26'$$);
-- a query may end with a semicolon or a comment
SELECT count(*) FROM tape.detect_intraday($$SELECT * FROM regress.minute_bars WHERE ticker = 'SPIKE';$$);
SELECT count(*) FROM tape.detect_intraday($$SELECT * FROM regress.minute_bars WHERE ticker = 'SPIKE' -- the spikes$$);
SELECT count(*) FROM tape.detect_intraday($$/* the spikes */ SELECT * FROM regress.minute_bars WHERE ticker = 'SPIKE' ; -- done$$);

-- what cannot run says why
SELECT * FROM tape.detect_intraday('SELECT ticker, ts, close FROM regress.minute_bars');  -- ERROR
SELECT * FROM tape.detect_intraday('SELECT ticker, open, high, low, close, volume FROM regress.minute_bars');  -- ERROR
SELECT * FROM tape.detect_intraday('SELECT * FROM regress.minute_bars UNION ALL SELECT * FROM regress.minute_bars');  -- ERROR
SELECT * FROM tape.detect_intraday('DELETE FROM regress.minute_bars');  -- ERROR
SELECT * FROM tape.detect_intraday('SELECT * FROM regress.minute_bars; SELECT 1');  -- ERROR
SELECT * FROM tape.detect_intraday('SELECT * INTO regress.copy FROM regress.minute_bars');  -- ERROR
SELECT * FROM tape.detect_intraday('SELECT * FROM regress.minute_bars', '{"volume_spikes": {}}');  -- ERROR

-- the defaults, as documented
SELECT jsonb_pretty(tape.default_config() -> 'intraday' -> 'volume_spike');
SELECT jsonb_pretty(tape.default_config() -> 'intraday' -> 'baseline');

-- The aggregate: the events of each ticker's bars, GROUP BY ticker, are the function's
SELECT * FROM regress.same_rows(
  'SELECT e.* FROM (SELECT tape.intraday_events(b ORDER BY ts) AS ev FROM regress.minute_bars b GROUP BY ticker) s, unnest(s.ev) AS e',
  'SELECT * FROM regress.found');
-- with a configuration, on rows whose columns have other types (numeric prices, a timestamp)
SELECT e.ticker, e.ts::time, e.event_type, e.direction
  FROM (SELECT tape.intraday_events(b, '{"tape_speed": {"enabled": true}}' ORDER BY ts) AS events
          FROM (SELECT ticker, (ts AT TIME ZONE 'America/New_York')::timestamp AS ts, open::numeric AS open,
                       high::numeric AS high, low::numeric AS low, close::numeric AS close, volume::bigint AS volume,
                       transactions::int AS transactions
                  FROM regress.minute_bars WHERE ticker = 'TAPE') b
         GROUP BY ticker) s, unnest(s.events) AS e;
-- what it needs
SELECT tape.intraday_events(b ORDER BY ts) FROM regress.minute_bars b WHERE ticker IN ('SPIKE', 'TAPE');  -- ERROR
SELECT tape.intraday_events(b ORDER BY ts DESC) FROM regress.minute_bars b WHERE ticker = 'SPIKE' GROUP BY ticker;  -- ERROR
SELECT tape.intraday_events(b.close ORDER BY ts) FROM regress.minute_bars b GROUP BY ticker;  -- ERROR
SELECT tape.intraday_events(b ORDER BY ts)
  FROM (SELECT ticker, ts, close FROM regress.minute_bars) b GROUP BY ticker;  -- ERROR
SELECT cardinality(tape.intraday_events(b ORDER BY ts)) FROM regress.minute_bars b WHERE false;

-- on the mock's demo universe, through polygon_fdw: ACME's news spike of 2025-10-02 at 12:20
-- (the 09:30 bar, tens of times the pre-market's volume, is ordinary for that minute)
SELECT regress.make_server('mock');
SELECT ticker, ts, event_type, direction, session, round(score::numeric, 1) AS score,
       round(spike_x::numeric, 1) AS spike_x, round(pct_change::numeric, 2) AS pct_change
  FROM tape.detect_intraday($$SELECT * FROM mock.bars
                              WHERE ticker = 'ACME' AND ts >= '2025-09-02' AND ts < '2025-10-03'$$)
 WHERE trading_day = '2025-10-02'
 ORDER BY ts, event_type;
-- and the aggregate over a local copy of five tickers' two months returns the same events
CREATE TABLE regress.mock_bars AS
SELECT * FROM mock.bars WHERE ticker IN ('ACME', 'BOLT', 'CRWN', 'DYNX', 'FLUX') AND ts >= '2025-08-01' AND ts < '2025-10-01';
CREATE TABLE regress.mock_found AS SELECT * FROM tape.detect_intraday('SELECT * FROM regress.mock_bars');
SELECT * FROM regress.same_rows(
  'SELECT e.* FROM (SELECT tape.intraday_events(b ORDER BY ts) AS ev FROM regress.mock_bars b GROUP BY ticker) s, unnest(s.ev) AS e',
  'SELECT * FROM regress.mock_found');
SELECT event_type, count(*) FROM regress.mock_found GROUP BY 1 ORDER BY 1;

-- judge_from: the days before it only warm the baselines.  The events are those of the days
-- from judge_from on, and the closing NOTICE counts only the days judged: none lacks a baseline
-- when five earlier days of bars come before judge_from (2025-08-01, 04, 05, 06, 07 here), and
-- from 2025-08-05 on, three days of each of the five tickers do
SET client_min_messages = notice;
CREATE TABLE regress.judged_0811 AS
SELECT * FROM tape.detect_intraday('SELECT * FROM regress.mock_bars', judge_from => '2025-08-11');
CREATE TABLE regress.judged_0805 AS
SELECT * FROM tape.detect_intraday('SELECT * FROM regress.mock_bars', judge_from => '2025-08-05');
SELECT 'from 2025-08-11' AS judged, * FROM regress.same_rows(
  'SELECT * FROM regress.judged_0811', 'SELECT * FROM regress.mock_found WHERE trading_day >= ''2025-08-11''')
UNION ALL
SELECT 'from 2025-08-05', * FROM regress.same_rows(
  'SELECT * FROM regress.judged_0805', 'SELECT * FROM regress.mock_found WHERE trading_day >= ''2025-08-05''');
