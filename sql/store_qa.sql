-- The QA views of the store on planted faults, tape.detect_all over the local bars, and
-- tape.rank_tickers.
\i test/regress/setup.sql
SET tape.progress_interval = 0;
-- a store of its own (the tests share a database)
TRUNCATE tape.work_queue, tape.refresh_runs, tape.bars_1m, tape.bars_1h, tape.bars_1d, tape.market_daily,
         tape.tickers, tape.ticker_shares, tape.splits, tape.dividends, tape.short_interest, tape.short_volume,
         tape.news, tape.events_daily, tape.events_intraday, tape.settings;
SELECT tape.create_partitions('2024-03-01', '2024-03-31') >= 0 AS made,
       tape.create_partitions('2099-01-01', '2099-01-31') >= 0 AS made_in_the_future;

-- minute bars: a clean day of QAAA, then faults
INSERT INTO tape.bars_1m (ticker, ts, open, high, low, close, volume, vwap, transactions, adjusted)
SELECT 'QAAA', '2024-03-04 09:30-05'::timestamptz + m * interval '1 minute', 10, 10.2, 9.9, 10.1, 1000, 10.05, 10, true
  FROM generate_series(0, 389) AS m;
INSERT INTO tape.bars_1m (ticker, ts, open, high, low, close, volume, vwap, transactions, adjusted) VALUES
  ('QAAA', '2024-03-05 09:30:30-05', 10, 10.2, 9.9, 10.1, 1000, 10, 1, true),   -- not on the minute
  ('QAAA', '2024-03-05 09:30:00-05', 10, 10.2, 9.9, 10.1, 1000, 10, 1, true),   -- shares its minute with it
  ('QAAA', '2024-03-05 03:59:00-05', 10, 10.2, 9.9, 10.1, 1000, 10, 1, true),   -- before the pre-market
  ('QAAA', '2024-03-09 10:00:00-05', 10, 10.2, 9.9, 10.1, 1000, 10, 1, true),   -- a Saturday
  ('QAAA', '2099-01-05 10:00:00-05', 10, 10.2, 9.9, 10.1, 1000, 10, 1, true),   -- in the future
  ('QBAD', '2024-03-05 10:00:00-05', 10, 9.9, 10.2, 10.0, 1000, 10, 1, true),   -- low above high
  ('QBAD', '2024-03-05 10:01:00-05', 10, 10.2, 9.9, 10.5, 1000, 10, 1, true),   -- close above high
  ('QBAD', '2024-03-05 10:02:00-05', 9.5, 10.2, 9.9, 10.0, 1000, 10, 1, true),  -- open below low
  ('QBAD', '2024-03-05 10:03:00-05', 0, 10.2, 0, 10.0, 1000, 10, 1, true),      -- zero price
  ('QBAD', '2024-03-05 10:04:00-05', 10, 10.2, 9.9, NULL, 1000, 10, 1, true),   -- no close
  ('QBAD', '2024-03-05 10:05:00-05', 10, 10.2, 9.9, 10.0, -5, 10, 1, true);     -- negative volume

SELECT ticker, timespan, ts, problem FROM tape.qa_timestamps ORDER BY ticker, ts, problem;
SELECT ticker, timespan, ts, open, high, low, close, volume, problem FROM tape.qa_ohlc ORDER BY ticker, ts, problem;

-- day bars: QAAA misses a day of March; the QA of coverage counts it
INSERT INTO tape.bars_1d (ticker, ts, open, high, low, close, volume, vwap, transactions, adjusted)
SELECT 'QAAA', tape.ny_midnight(d::date), 10, 10.2, 9.9, 10.1, 100000, 10, 100, true
  FROM generate_series('2024-03-01'::date, '2024-03-28'::date, interval '1 day') AS d
 WHERE tape.is_trading_day(d::date) AND d::date <> '2024-03-13';
SELECT ticker, timespan, first_day, last_day, trading_days, days_present, days_missing, days_pct, bars,
       rth_minutes, rth_bars, rth_minutes_pct
  FROM tape.qa_coverage WHERE ticker = 'QAAA' ORDER BY timespan;

-- split-like jumps: QSPL's unadjusted closes go 1-for-10 on 2024-03-06 and 2-for-1 on 2024-03-12;
-- QADJ's adjusted bars still show a split the store has
INSERT INTO tape.market_daily (day, ticker, open, high, low, close, volume)
SELECT d::date, 'QSPL',
       p, p * 1.02, p * 0.98, p, 1000000
  FROM generate_series('2024-03-01'::date, '2024-03-15'::date, interval '1 day') AS d,
       LATERAL (SELECT CASE WHEN d < '2024-03-06' THEN 0.61 WHEN d < '2024-03-12' THEN 6.2 ELSE 3.05 END AS p) AS x
 WHERE tape.is_trading_day(d::date);
INSERT INTO tape.bars_1d (ticker, ts, open, high, low, close, volume, vwap, transactions, adjusted)
SELECT 'QADJ', tape.ny_midnight(d::date), p, p, p, p, 1000, p, 10, true
  FROM generate_series('2024-03-01'::date, '2024-03-15'::date, interval '1 day') AS d,
       LATERAL (SELECT CASE WHEN d < '2024-03-08' THEN 8 ELSE 4.1 END AS p) AS x
 WHERE tape.is_trading_day(d::date);
INSERT INTO tape.splits (ticker, execution_date, split_from, split_to) VALUES ('QADJ', '2024-03-08', 1, 2);
SELECT * FROM tape.qa_split_jumps ORDER BY ticker, day;
-- the store learns QSPL's reverse split: that jump is explained
INSERT INTO tape.splits (ticker, execution_date, split_from, split_to) VALUES ('QSPL', '2024-03-06', 10, 1);
SELECT ticker, day, looks_like, problem FROM tape.qa_split_jumps ORDER BY ticker, day;

SELECT * FROM tape.store_health;

-- detect_all: the detectors over the local bars, per ticker and year (daily) or month (intraday)
DELETE FROM tape.bars_1m;
DELETE FROM tape.bars_1d;
SELECT regress.make_server('qa', 'tag=qa');
UPDATE tape.configuration SET value = 'qa' WHERE name = 'foreign_schema';
SET client_min_messages = warning;
CALL tape.refresh_bars('day', '2023-01-01', '2024-12-31', tickers => ARRAY['ACME', 'BOLT']);
CALL tape.refresh_bars('minute', '2024-02-01', '2024-03-31', tickers => ARRAY['ACME', 'BOLT']);
CALL tape.detect_all('2024-03-01', '2024-03-31');
RESET client_min_messages;
SELECT queue, unit_key, status, params -> 'config' AS config, params ? 'bars_loaded' AS knows_when_bars_loaded
  FROM tape.work_queue WHERE queue LIKE 'detect%' ORDER BY 1, 2;
-- the events are those of the detectors over the same bars (daily: the whole history before)
SELECT count(*) AS daily_differences FROM (
  (SELECT ticker, trading_day, event_type, direction FROM tape.events_daily
   EXCEPT ALL
   SELECT ticker, trading_day, event_type, direction FROM tape.detect_daily(
     'SELECT * FROM tape.bars_1d ORDER BY ticker, ts') WHERE trading_day >= '2024-01-01')
  UNION ALL
  (SELECT ticker, trading_day, event_type, direction FROM tape.detect_daily(
     'SELECT * FROM tape.bars_1d ORDER BY ticker, ts') WHERE trading_day >= '2024-01-01'
   EXCEPT ALL
   SELECT ticker, trading_day, event_type, direction FROM tape.events_daily)) d;
SELECT count(*) > 0 AS found_daily, min(trading_day) >= '2024-01-01' AND max(trading_day) <= '2024-12-31' AS within_the_year
  FROM tape.events_daily;
SELECT count(*) AS intraday_differences FROM (
  (SELECT ticker, ts, event_type, direction, score FROM tape.events_intraday
   EXCEPT ALL
   SELECT ticker, ts, event_type, direction, score FROM tape.detect_intraday_between(ARRAY['ACME', 'BOLT'], '2024-03-01', '2024-04-01'))
  UNION ALL
  (SELECT ticker, ts, event_type, direction, score FROM tape.detect_intraday_between(ARRAY['ACME', 'BOLT'], '2024-03-01', '2024-04-01')
   EXCEPT ALL
   SELECT ticker, ts, event_type, direction, score FROM tape.events_intraday)) d;
SELECT count(*) > 0 AS found_intraday, min(ts) >= '2024-03-01' AND max(ts) < '2024-04-01' AS within_march
  FROM tape.events_intraday;
SELECT md5(string_agg(e::text, ',' ORDER BY ticker, ts, event_type, direction)) AS intraday_digest
  FROM (SELECT ticker, ts, event_type, direction, score FROM tape.events_intraday) e \gset
-- again: nothing to do; with force: the same events
CALL tape.detect_all('2024-03-01', '2024-03-31');
SET client_min_messages = warning;
CALL tape.detect_all('2024-03-01', '2024-03-31', force => true);
RESET client_min_messages;
SELECT md5(string_agg(e::text, ',' ORDER BY ticker, ts, event_type, direction)) = :'intraday_digest' AS same_events
  FROM (SELECT ticker, ts, event_type, direction, score FROM tape.events_intraday) e;
-- bars loaded again make their units due again
SET client_min_messages = warning;
CALL tape.refresh_bars('minute', '2024-03-01', '2024-03-31', tickers => ARRAY['BOLT'], force => true);
RESET client_min_messages;
SET client_min_messages = warning;
CALL tape.detect_all('2024-03-01', '2024-03-31');
RESET client_min_messages;
SELECT unit_key, units FROM tape.work_queue q
  JOIN (SELECT run_id, units FROM tape.refresh_runs WHERE refresh = 'detect' ORDER BY run_id DESC LIMIT 1) r USING (run_id)
 ORDER BY 1;
-- a configuration is a parameter of the units: another one redoes them
SET client_min_messages = warning;
CALL tape.detect_all('2024-03-01', '2024-03-31', tickers => ARRAY['ACME'], config => '{"intraday": {"volume_spike": {"rth": {"min_spike_x": 50}}}}');
RESET client_min_messages;
SELECT unit_key, params -> 'config' AS config FROM tape.work_queue WHERE queue = 'detect_intraday' ORDER BY 1;
SELECT event_type, count(*) FROM tape.events_intraday WHERE ticker = 'ACME' GROUP BY 1 ORDER BY 1;

-- a split makes the split-adjusted bars fetched before it stale: FLUX splits 1 -> 2 on 2024-03-11;
-- say its day bars of 2024 were fetched on 2024-02-01
SET client_min_messages = warning;
CALL tape.refresh_bars('day', '2024-01-02', '2024-12-31', tickers => ARRAY['FLUX']);
UPDATE tape.work_queue SET done_at = '2024-02-01' WHERE queue = 'bars_1d' AND unit_key = 'FLUX 2024';
CALL tape.refresh_corporate_actions('2024-03-01', '2024-03-31', tickers => ARRAY['FLUX', 'ACME']);
RESET client_min_messages;
SELECT unit_key, status, fetched_until FROM tape.work_queue WHERE queue = 'bars_1d' ORDER BY 1;
SELECT check_name, problems FROM tape.store_health WHERE check_name LIKE 'units waiting%';
-- a resume fetches it again
SELECT regress.mock_requests('qa') AS requests_before_resume \gset
SET client_min_messages = warning;
CALL tape.refresh_bars('day');
RESET client_min_messages;
SELECT regress.mock_requests('qa') - :requests_before_resume AS requests,
       (SELECT status FROM tape.work_queue WHERE queue = 'bars_1d' AND unit_key = 'FLUX 2024');
-- units fetched after the split are left alone
SELECT tape.invalidate_adjusted_bars('2024-03-01', '2024-04-01', NULL) AS fetched_after_the_split;
UPDATE tape.work_queue SET done_at = '2024-03-08' WHERE queue = 'bars_1d' AND unit_key = 'FLUX 2024';
SELECT tape.invalidate_adjusted_bars('2024-03-01', '2024-04-01', NULL) AS fetched_before_the_split;

-- rank_tickers: events (days with a daily event + intraday events), then the intraday score
DELETE FROM tape.events_daily;
DELETE FROM tape.events_intraday;
INSERT INTO tape.events_daily (ticker, trading_day, event_type, direction)
VALUES ('AAA', '2024-03-04', 'stage1', 'up'), ('AAA', '2024-03-04', 'E2_gap_up', 'up'), ('AAA', '2024-03-05', 'stage1', 'up'),
       ('BBB', '2024-03-04', 'stage1', 'up'), ('CCC', '2024-02-01', 'stage1', 'down');
INSERT INTO tape.events_intraday (ticker, ts, trading_day, event_type, direction, score)
VALUES ('BBB', '2024-03-04 10:00-05', '2024-03-04', 'volume_spike', 'up', 40),
       ('BBB', '2024-03-04 11:00-05', '2024-03-04', 'flush', 'down', 30),
       ('DDD', '2024-03-06 10:00-05', '2024-03-06', 'volume_spike', 'up', 80),
       ('DDD', '2024-03-06 10:30-05', '2024-03-06', 'vwap_break', 'up', 20);
SELECT * FROM tape.rank_tickers(10, '2024-03-01', '2024-03-31');
SELECT rank, ticker FROM tape.rank_tickers(2);
SELECT tape.top_tickers(3, '2024-03-01', '2024-03-31');

-- units computed from the store are settled once done, the current month's too: a second
-- detect_all has nothing to do (a fetched unit that reaches into today is fetched again; a
-- detect unit is due again only when its bars are loaded again or its configuration changes)
SELECT tape.create_partitions(tape.ny_today(), tape.ny_today()) >= 0 AS made;
INSERT INTO tape.bars_1m (ticker, ts, open, high, low, close, volume, vwap, transactions, adjusted)
SELECT 'QNOW', tape.ny_midnight(tape.ny_today()) + interval '10 hours' + m * interval '1 minute', 10, 10.2, 9.9, 10.1, 1000, 10.05, 10, true
  FROM generate_series(0, 29) AS m;
SET client_min_messages = warning;
CALL tape.detect_all(tape.ny_today(), tape.ny_today(), tickers => ARRAY['QNOW']);
RESET client_min_messages;
SELECT unit_key = 'QNOW ' || to_char(tape.ny_today(), 'YYYY-MM') AS this_month, status, fetched_until = range_end AS settled
  FROM tape.work_queue WHERE queue = 'detect_intraday' AND ticker = 'QNOW';
CALL tape.detect_all(tape.ny_today(), tape.ny_today(), tickers => ARRAY['QNOW']);

-- what the detectors could not judge for lack of history is said once, at the end of the run:
-- the minute bars start on 2024-02-01, so the first five days of February have no volume baseline
CALL tape.detect_all('2024-02-01', '2024-02-29', tickers => ARRAY['ACME', 'BOLT']);
SELECT * FROM tape.detector_history_gaps();
