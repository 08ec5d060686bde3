-- The intraday detectors find every planted event, with the right type,
-- direction, session and minute, and nothing on quiet bars.
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
UNION ALL SELECT * FROM regress.quiet_bars('MOM_UP', '2025-09-02', '2025-09-26')
UNION ALL SELECT * FROM regress.quiet_bars('MOM_DOWN', '2025-09-02', '2025-09-26')
UNION ALL SELECT * FROM regress.quiet_bars('BASE', '2025-09-02', '2025-09-25', true, 0.3)
UNION ALL SELECT * FROM regress.quiet_bars('BASE', '2025-09-26', '2025-09-26')
UNION ALL SELECT * FROM regress.quiet_bars('ORB', '2025-09-02', '2025-09-26', false)
UNION ALL SELECT * FROM regress.quiet_bars('TAPE', '2025-09-02', '2025-09-26')
UNION ALL SELECT * FROM regress.quiet_bars('FLUSH', '2025-09-02', '2025-09-26');
SELECT count(*) AS bars, count(DISTINCT ticker) AS tickers, count(DISTINCT tape.trading_day(ts)) AS days
  FROM regress.minute_bars;

-- quiet bars trigger nothing
SELECT count(*) AS events_on_quiet_bars
  FROM tape.detect_intraday($$SELECT * FROM regress.minute_bars WHERE ticker IN ('QUIET', 'QUIET_SWING')$$);

-- volume spikes: RTH up (10x), after hours up (10x), pre-market 7x (below the 8x of
-- extended hours: no event), pre-market down after two red bars 2 % under the high
SELECT regress.plant('SPIKE', '2025-09-26 11:00', 10.00, 10.03, 200000);
SELECT regress.plant('SPIKE', '2025-09-26 17:00', 10.00, 10.03, 200000);
SELECT regress.plant('SPIKE', '2025-09-26 07:00', 10.00, 10.03, 140000);
SELECT regress.plant('SPIKE_PM', '2025-09-26 08:00', 10.00, 9.90);
SELECT regress.plant('SPIKE_PM', '2025-09-26 08:01', 9.90, 9.80, 300000);
-- VWAP reclaim: a close under VWAP, then two closes 0.8 % above, the second on 3x volume
SELECT regress.plant('VWAP_UP', '2025-09-26 12:00', 10.00, 9.98);
SELECT regress.plant('VWAP_UP', '2025-09-26 12:01', 9.98, 10.08);
SELECT regress.plant('VWAP_UP', '2025-09-26 12:02', 10.08, 10.09, 60000);
-- VWAP rejection: three closes 1 % under VWAP after touches, the third on 3x volume
SELECT regress.plant('VWAP_DOWN', '2025-09-26 13:00', 10.00, 9.90);
SELECT regress.plant('VWAP_DOWN', '2025-09-26 13:01', 9.90, 9.90);
SELECT regress.plant('VWAP_DOWN', '2025-09-26 13:02', 9.90, 9.90, 60000);
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
-- consolidation break: wide days before (ATR from the stream), a flat morning, a 1.2 % break on 2.5x volume
SELECT regress.plant('BASE', '2025-09-26 11:00', 10.00, 10.12, 50000);
-- opening range breaks (narrow range): up 0.6 % on 1.9x volume, later down 0.6 % on 1.9x volume
SELECT regress.plant('ORB', '2025-09-26 10:30', 10.00, 10.06, 38000);
SELECT regress.plant('ORB', '2025-09-26 11:30', 10.00, 9.94, 38000);
-- tape speed: 4x the trades of the baseline on normal volume
SELECT regress.plant('TAPE', '2025-09-26 15:00', 10.00, 10.00, 20000, 400);
-- flush: a run to a day high at 10:05, then three red bars on rising volume to 8.6 % under it
SELECT regress.plant('FLUSH', '2025-09-26 10:00', 10.00, 10.10);
SELECT regress.plant('FLUSH', '2025-09-26 10:01', 10.10, 10.20);
SELECT regress.plant('FLUSH', '2025-09-26 10:02', 10.20, 10.30);
SELECT regress.plant('FLUSH', '2025-09-26 10:03', 10.30, 10.40);
SELECT regress.plant('FLUSH', '2025-09-26 10:04', 10.40, 10.45);
SELECT regress.plant('FLUSH', '2025-09-26 10:05', 10.45, 10.50);
SELECT regress.plant('FLUSH', '2025-09-26 10:06', 10.50, 10.20, 20000);
SELECT regress.plant('FLUSH', '2025-09-26 10:07', 10.20, 9.90, 40000);
SELECT regress.plant('FLUSH', '2025-09-26 10:08', 9.90, 9.60, 100000);
SELECT regress.hold('FLUSH', '2025-09-26 10:09', '2025-09-26 19:59', 9.60);
CREATE INDEX ON regress.minute_bars (ticker, ts);

-- what was planted, and what must be found
CREATE TABLE regress.planted (ticker text, ts timestamptz, event_type text, direction text, session text);
INSERT INTO regress.planted VALUES
  ('SPIKE', '2025-09-26 11:00-04', 'volume_spike', 'up', 'RTH'),
  ('SPIKE', '2025-09-26 17:00-04', 'volume_spike', 'up', 'AH'),
  ('SPIKE_PM', '2025-09-26 08:01-04', 'volume_spike', 'down', 'PM'),
  -- falling 2 % out of a flat hour on 15x volume is also a consolidation break
  ('SPIKE_PM', '2025-09-26 08:01-04', 'consolidation_break', 'down', 'PM'),
  ('VWAP_UP', '2025-09-26 12:02-04', 'vwap_break', 'up', 'RTH'),
  ('VWAP_DOWN', '2025-09-26 13:02-04', 'vwap_break', 'down', 'RTH'),
  ('MOM_UP', '2025-09-26 14:03-04', 'price_momentum', 'up', 'RTH'),
  ('MOM_DOWN', '2025-09-26 14:03-04', 'price_momentum', 'down', 'RTH'),
  ('BASE', '2025-09-26 11:00-04', 'consolidation_break', 'up', 'RTH'),
  ('ORB', '2025-09-26 10:30-04', 'opening_range_break', 'up', 'RTH'),
  ('ORB', '2025-09-26 11:30-04', 'opening_range_break', 'down', 'RTH'),
  ('TAPE', '2025-09-26 15:00-04', 'tape_speed', 'up', 'RTH'),
  -- a flush is also a fast fall: momentum fires one bar earlier
  ('FLUSH', '2025-09-26 10:07-04', 'price_momentum', 'down', 'RTH'),
  ('FLUSH', '2025-09-26 10:08-04', 'flush', 'down', 'RTH');

CREATE TABLE regress.found AS
SELECT * FROM tape.detect_intraday('SELECT * FROM regress.minute_bars');

-- every planted event is found, and nothing else
SELECT coalesce(p.ticker, f.ticker) AS ticker, coalesce(p.ts, f.ts) AS ts,
       coalesce(p.event_type, f.event_type) AS event_type, coalesce(p.direction, f.direction) AS direction,
       coalesce(p.session, f.session) AS session,
       CASE WHEN p.ticker IS NULL THEN 'unexpected' WHEN f.ticker IS NULL THEN 'MISSED' ELSE 'found' END AS result
  FROM regress.planted p
  FULL JOIN regress.found f USING (ticker, ts, event_type, direction, session)
 ORDER BY 1, 2, 3;

-- what the detectors measured
SELECT ticker, ts::time, event_type, direction, session, trading_day, round(score::numeric, 1) AS score,
       close, volume, round(spike_x::numeric, 2) AS spike_x, round(pct_change::numeric, 2) AS pct_change,
       round(level::numeric, 4) AS level, round(vwap::numeric, 4) AS vwap,
       round(vwap_distance_pct::numeric, 3) AS vwap_distance_pct, consecutive_bars
  FROM regress.found ORDER BY ticker, ts, event_type;

-- every threshold can be overridden: a 6.5x pre-market spike counts when the extended threshold is 6
SELECT ticker, ts::time, event_type, session
  FROM tape.detect_intraday($$SELECT * FROM regress.minute_bars WHERE ticker = 'SPIKE'$$,
                            '{"volume_spike": {"extended": {"min_spike_x": 6}}}')
 ORDER BY ts;
-- a detector can be turned off, the whole document works too
SELECT count(*) FROM tape.detect_intraday($$SELECT * FROM regress.minute_bars WHERE ticker = 'FLUSH'$$,
                                          '{"intraday": {"flush": {"enabled": false}}}');
-- filters: a minimum day dollar volume above the day's removes every event of it
SELECT count(*) FROM tape.detect_intraday($$SELECT * FROM regress.minute_bars WHERE ticker = 'SPIKE'$$,
                                          '{"filters": {"min_day_dollar_volume": 1e9}}');
-- float and short-interest columns apply the bearish filters
SELECT ticker, event_type, direction
  FROM tape.detect_intraday($$SELECT *, 8000000 AS float_shares FROM regress.minute_bars WHERE ticker IN ('SPIKE', 'SPIKE_PM')$$)
 ORDER BY ticker, ts;
SELECT count(*) FROM tape.detect_intraday($$SELECT *, 55 AS short_interest_pct FROM regress.minute_bars WHERE ticker = 'SPIKE_PM'$$);
-- a daily ATR column replaces the one built from the stream
SELECT ticker, ts::time, event_type, direction
  FROM tape.detect_intraday($$SELECT *, 0.01 AS daily_atr FROM regress.minute_bars WHERE ticker = 'BASE'$$);

-- deduplication: of two spikes five minutes apart, the one scoring over 10 % less goes;
-- spikes scoring within 10 % of each other both stay
CREATE TABLE regress.dedup_bars AS SELECT * FROM regress.quiet_bars('DUP', '2025-09-22', '2025-09-26');
WITH p(at, vol, cl) AS (VALUES ('2025-09-26 11:00'::timestamp, 400000, 10.06), ('2025-09-26 11:05', 330000, 10.01),
                              ('2025-09-26 14:00', 260000, 10.03), ('2025-09-26 14:04', 420000, 10.03))
UPDATE regress.dedup_bars b SET close = p.cl, high = p.cl + 0.001, volume = p.vol
  FROM p WHERE b.ts = p.at AT TIME ZONE 'America/New_York';
SELECT ts::time, event_type, round(score::numeric, 1) AS score, round(spike_x::numeric, 1) AS spike_x
  FROM tape.detect_intraday('SELECT * FROM regress.dedup_bars', '{"dedup": {"window_minutes": 0}}')
 WHERE event_type = 'volume_spike' ORDER BY ts;
SELECT ts::time, event_type, round(score::numeric, 1) AS score
  FROM tape.detect_intraday('SELECT * FROM regress.dedup_bars')
 WHERE event_type = 'volume_spike' ORDER BY ts;

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

-- what cannot run says why
SELECT * FROM tape.detect_intraday('SELECT ticker, ts, close FROM regress.minute_bars');  -- ERROR
SELECT * FROM tape.detect_intraday('SELECT ticker, open, high, low, close, volume FROM regress.minute_bars');  -- ERROR
SELECT * FROM tape.detect_intraday('SELECT * FROM regress.minute_bars UNION ALL SELECT * FROM regress.minute_bars');  -- ERROR
SELECT * FROM tape.detect_intraday('DELETE FROM regress.minute_bars');  -- ERROR
SELECT * FROM tape.detect_intraday('SELECT * FROM regress.minute_bars', '{"volume_spikes": {}}');  -- ERROR
SELECT * FROM tape.detect_intraday('SELECT * FROM regress.minute_bars', '{"baseline_bars": 0}');  -- ERROR

-- the defaults, as documented
SELECT jsonb_pretty(tape.default_config() -> 'intraday' -> 'volume_spike');

-- on the mock's demo universe, through polygon_fdw: ACME's news spike of 2025-10-02 at 12:20
SELECT regress.make_server('mock');
SELECT ticker, ts, event_type, direction, session, round(score::numeric, 1) AS score,
       round(spike_x::numeric, 1) AS spike_x, round(pct_change::numeric, 2) AS pct_change
  FROM tape.detect_intraday($$SELECT * FROM mock.bars
                              WHERE ticker = 'ACME' AND ts >= '2025-09-22' AND ts < '2025-10-03'$$,
                            '{"tape_speed": {"enabled": false}}')
 WHERE trading_day = '2025-10-02'
 ORDER BY ts, event_type;
