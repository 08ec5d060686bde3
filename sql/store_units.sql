-- The units of the store keep their word: raw and split-adjusted bars live side by side (a
-- unit of one never replaces the rows of the other), a done unit whose rows are gone is
-- reported, a unit's key and parameters do not depend on the session's settings, and early,
-- BC and infinite dates start where market data can exist or are refused at once.
\i test/regress/setup.sql
SELECT regress.make_server('units', 'tag=units');
SET tape.progress_interval = 0;
-- a runaway series would fill the disk: these bounds make it fail fast instead
SET statement_timeout = '60s';
SET temp_file_limit = '64MB';
-- a store of its own (the tests share a database)
TRUNCATE tape.work_queue, tape.refresh_runs, tape.bars_1m, tape.bars_1h, tape.bars_1d, tape.market_daily,
         tape.tickers, tape.ticker_shares, tape.splits, tape.dividends, tape.short_interest, tape.short_volume,
         tape.news, tape.events_daily, tape.events_intraday, tape.settings;
UPDATE tape.configuration SET value = 'units' WHERE name = 'foreign_schema';

-- 1. raw and split-adjusted bars side by side.  The split-adjusted day bars of 2024, then minute bars of March, then the docs' example:
-- the raw day bars of the same tickers (FLUX splits 1 -> 2 on 2024-03-11)
SET client_min_messages = warning;
CALL tape.refresh_bars('day', '2024-01-01', '2024-12-31', tickers => ARRAY['ACME', 'BOLT', 'FLUX']);
CALL tape.refresh_bars('minute', '2024-02-01', '2024-03-31', tickers => ARRAY['FLUX']);
CALL tape.detect_all('2024-01-01', '2024-12-31');
RESET client_min_messages;
-- every partition of the bars tables is keyed by (ticker, ts, adjusted)
SELECT count(*) FILTER (WHERE c.relname IN ('bars_1d_2024', 'bars_1m_2024_02', 'bars_1m_2024_03')) AS made_here,
       bool_and(pg_get_indexdef(i.indexrelid) ~ '\(ticker, ts, adjusted\)$') AS keyed_by_kind
  FROM pg_inherits h JOIN pg_class c ON c.oid = h.inhrelid JOIN pg_index i ON i.indrelid = c.oid AND i.indisprimary
 WHERE h.inhparent IN ('tape.bars_1m'::regclass, 'tape.bars_1h'::regclass, 'tape.bars_1d'::regclass);
SELECT count(*) > 0 AS daily_events, count(DISTINCT ticker) AS tickers FROM tape.events_daily;
SELECT md5(string_agg(e::text, ',' ORDER BY ticker, trading_day, event_type, direction)) AS daily_digest
  FROM (SELECT ticker, trading_day, event_type, direction, close, rvol FROM tape.events_daily) e \gset
SELECT md5(string_agg(e::text, ',' ORDER BY ticker, ts, event_type, direction)) AS intraday_digest
  FROM (SELECT ticker, ts, event_type, direction, score FROM tape.events_intraday) e \gset
SET client_min_messages = warning;
CALL tape.refresh_bars('day', '2024-01-01', '2024-12-31', tickers => ARRAY['ACME', 'BOLT', 'FLUX'], adjusted => false);
CALL tape.refresh_bars('minute', '2024-03-01', '2024-03-31', tickers => ARRAY['FLUX'], adjusted => false);
RESET client_min_messages;
-- both kinds are there, whole, each equal to the API's rows of its kind
SELECT 'bars_1d' AS store, ticker, adjusted, count(*) AS bars FROM tape.bars_1d GROUP BY 1, 2, 3
UNION ALL
SELECT 'bars_1m', ticker, adjusted, count(*) FROM tape.bars_1m GROUP BY 1, 2, 3
 ORDER BY 1, 2, 3;
SELECT count(*) AS differences FROM (
  (SELECT ticker, ts, open, high, low, close, volume, vwap, transactions, adjusted FROM tape.bars_1d
   EXCEPT ALL
   SELECT ticker, ts, open, high, low, close, volume, vwap, transactions, adjusted FROM units.bars
    WHERE ticker IN ('ACME', 'BOLT', 'FLUX') AND timespan = 'day' AND adjusted IN (true, false)
      AND ts >= '2024-01-01' AND ts < '2025-01-01')
  UNION ALL
  (SELECT ticker, ts, open, high, low, close, volume, vwap, transactions, adjusted FROM units.bars
    WHERE ticker IN ('ACME', 'BOLT', 'FLUX') AND timespan = 'day' AND NOT adjusted
      AND ts >= '2024-01-01' AND ts < '2025-01-01'
   EXCEPT ALL
   SELECT ticker, ts, open, high, low, close, volume, vwap, transactions, adjusted FROM tape.bars_1d WHERE NOT adjusted)
  UNION ALL
  (SELECT ticker, ts, open, high, low, close, volume, vwap, transactions, adjusted FROM units.bars
    WHERE ticker IN ('ACME', 'BOLT', 'FLUX') AND timespan = 'day' AND adjusted
      AND ts >= '2024-01-01' AND ts < '2025-01-01'
   EXCEPT ALL
   SELECT ticker, ts, open, high, low, close, volume, vwap, transactions, adjusted FROM tape.bars_1d WHERE adjusted)) d;
-- the raw close of FLUX is twice the adjusted one before its split, the same after it
SELECT r.ts < tape.ny_midnight('2024-03-11') AS before_the_split, count(*) AS days,
       min(round((r.close / a.close)::numeric, 6)) AS min_ratio, max(round((r.close / a.close)::numeric, 6)) AS max_ratio
  FROM tape.bars_1d r JOIN tape.bars_1d a ON a.ticker = r.ticker AND a.ts = r.ts AND a.adjusted
 WHERE r.ticker = 'FLUX' AND NOT r.adjusted
 GROUP BY 1 ORDER BY 1;
-- the units of each kind, done, with the rows they hold
SELECT queue, unit_key, params, status, rows_stored FROM tape.work_queue WHERE queue LIKE 'bars%' ORDER BY queue, unit_key;
-- the adjusted units are still done: nothing to fetch
CALL tape.refresh_bars('day', '2024-01-01', '2024-12-31', tickers => ARRAY['ACME', 'BOLT', 'FLUX']);
-- raw bars are no input of the detectors: their units are not due, and their events stay
CALL tape.detect_all('2024-01-01', '2024-12-31');
SET client_min_messages = warning;
CALL tape.detect_all('2024-01-01', '2024-12-31', force => true);
RESET client_min_messages;
SELECT md5(string_agg(e::text, ',' ORDER BY ticker, trading_day, event_type, direction)) = :'daily_digest' AS same_daily_events
  FROM (SELECT ticker, trading_day, event_type, direction, close, rvol FROM tape.events_daily) e;
SELECT md5(string_agg(e::text, ',' ORDER BY ticker, ts, event_type, direction)) = :'intraday_digest' AS same_intraday_events
  FROM (SELECT ticker, ts, event_type, direction, score FROM tape.events_intraday) e;
-- the QA views judge each kind on its own: a raw and an adjusted bar of one minute are no
-- duplicate, and the coverage of minute bars counts each kind's minutes once
SELECT count(*) AS wrong_times FROM tape.qa_timestamps;
SELECT ticker, timespan, adjusted, first_day, last_day, days_present, days_missing, bars, rth_minutes_pct
  FROM tape.qa_coverage ORDER BY ticker, timespan, adjusted;
-- the split shows in FLUX's raw day bars only, and tape.splits explains it
SELECT ticker, timespan, day, looks_like, problem FROM tape.qa_split_jumps ORDER BY ticker, day;
INSERT INTO tape.splits (ticker, execution_date, split_from, split_to) VALUES ('FLUX', '2024-03-11', 1, 2);
SELECT count(*) AS split_jumps FROM tape.qa_split_jumps;
-- the labels over the store's minute bars (docs/features.md) read one kind: with both, a minute
-- is two bars at one time
SELECT barrier, label, bars FROM tape.triple_barrier(
  $$SELECT 'FLUX' AS ticker, timestamptz '2024-03-12 10:00' AS ts, 'up' AS direction$$,
  $$SELECT * FROM tape.bars_1m WHERE adjusted AND ts >= '2024-03-01'$$);
SELECT barrier, label, bars FROM tape.triple_barrier(
  $$SELECT 'FLUX' AS ticker, timestamptz '2024-03-12 10:00' AS ts, 'up' AS direction$$,
  $$SELECT * FROM tape.bars_1m WHERE ts >= '2024-03-01'$$);  -- ERROR

-- 2. a done unit whose rows are gone is reported by tape.store_health (a ticker without bars,
--    done with none, is not)
SET client_min_messages = warning;
CALL tape.refresh_bars('day', '2024-01-01', '2024-12-31', tickers => ARRAY['ZZZZ']);
RESET client_min_messages;
SELECT unit_key, status, rows_stored FROM tape.work_queue WHERE ticker = 'ZZZZ';
SELECT check_name, problems FROM tape.store_health WHERE problems > 0 OR check_name LIKE 'done units%' ORDER BY 1;
DELETE FROM tape.bars_1d WHERE ticker = 'BOLT' AND adjusted AND ts < '2024-07-01';
DELETE FROM tape.bars_1m WHERE ticker = 'FLUX' AND NOT adjusted;
SELECT check_name, problems, details FROM tape.store_health WHERE check_name LIKE 'done units%';
SELECT queue, unit_key, ticker, adjusted, rows_stored, rows_now FROM tape.qa_lost_rows ORDER BY queue, unit_key;
-- a dropped partition loses rows too
CREATE TEMP TABLE kept_march AS SELECT * FROM tape.bars_1m_2024_03;
DROP TABLE tape.bars_1m_2024_03;
SELECT queue, unit_key, rows_stored, rows_now FROM tape.qa_lost_rows ORDER BY queue, unit_key;
SELECT tape.create_partitions('2024-03-01', '2024-03-31', 'tape.bars_1m') AS made_again;
INSERT INTO tape.bars_1m SELECT * FROM kept_march WHERE adjusted;
-- the fix the view's comment gives: the units due again, then a resume of each store
UPDATE tape.work_queue SET status = 'pending', fetched_until = NULL WHERE unit_id IN (SELECT unit_id FROM tape.qa_lost_rows);
SET client_min_messages = warning;
CALL tape.refresh_bars('day');
CALL tape.refresh_bars('minute');
RESET client_min_messages;
SELECT count(*) AS lost FROM tape.qa_lost_rows;
SELECT ticker, adjusted, count(*) AS bars FROM tape.bars_1d WHERE ticker = 'BOLT' GROUP BY 1, 2 ORDER BY 1, 2;
SELECT adjusted, count(*) AS bars FROM tape.bars_1m WHERE ticker = 'FLUX' AND ts >= '2024-03-01' GROUP BY 1 ORDER BY 1;

-- 3. a unit's key and parameters are the same whatever the session's settings: a session in
--    New York time and a pg_cron job in UTC (or any DateStyle, IntervalStyle, float digits)
--    plan the same units, so the second has nothing to do (BOLT's day bars were loaded again
--    above: its unit is due once)
SET client_min_messages = warning;
CALL tape.detect_all('2024-01-01', '2024-12-31');
RESET client_min_messages;
SELECT params ->> 'bars_loaded' ~ '^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$' AS utc_text, count(*)
  FROM tape.work_queue WHERE queue LIKE 'detect%' GROUP BY 1;
SET TimeZone = 'UTC';
SET DateStyle = 'SQL, DMY';
SET IntervalStyle = 'sql_standard';
SET extra_float_digits = -15;
CALL tape.detect_all('2024-01-01', '2024-12-31');
-- the universe's share snapshots are units keyed by a date
RESET TimeZone;
RESET DateStyle;
SET TimeZone = 'America/New_York';
SET DateStyle = 'ISO, YMD';
SET client_min_messages = warning;
CALL tape.refresh_universe('2024-06-03', '2024-06-07');
RESET client_min_messages;
SELECT unit_key FROM tape.work_queue WHERE queue = 'ticker_shares' ORDER BY 1;
SELECT regress.mock_requests('units') AS requests_before \gset
SET TimeZone = 'UTC';
SET DateStyle = 'SQL, DMY';
SET client_min_messages = warning;
CALL tape.refresh_universe('2024-06-03', '2024-06-07');
RESET client_min_messages;
SET TimeZone = 'America/New_York';
SET DateStyle = 'ISO, YMD';
RESET IntervalStyle;
RESET extra_float_digits;
-- the second run fetched the ticker lists again (they are never settled), and nothing else
SELECT split_part(path, '?', 1) AS path, count(*) AS requests
  FROM (SELECT path, row_number() OVER () AS n FROM regress.mock_log('units')) l
 WHERE n > :requests_before GROUP BY 1 ORDER BY 1;
SELECT count(*) AS share_units FROM tape.work_queue WHERE queue = 'ticker_shares';

-- 4. early, BC and infinite dates: a refresh starts at the earliest market date (1970-01-01),
--    makes the partitions of its own table only, a year per transaction, and ends before it
--    with an error
SELECT tape.earliest_market_date();
SELECT regress.mock_requests('units') AS requests_before \gset
SET client_min_messages = warning;
CALL tape.refresh_bars('day', '1900-01-01', '1971-06-30', tickers => ARRAY['ACME']);
CALL tape.refresh_bars('minute', '-infinity', '1970-02-15', tickers => ARRAY['ACME']);
RESET client_min_messages;
SELECT queue, unit_key, range_start, range_end, status FROM tape.work_queue
 WHERE range_start < '2000-01-01' AND queue LIKE 'bars%' ORDER BY queue, unit_key;
SELECT regress.mock_requests('units') - :requests_before AS requests;
SELECT arguments ->> 'from_date' AS from_date FROM tape.refresh_runs WHERE refresh LIKE 'bars%' ORDER BY run_id DESC LIMIT 2;
SELECT c.relname FROM pg_inherits h JOIN pg_class c ON c.oid = h.inhrelid
 WHERE h.inhparent IN ('tape.bars_1m'::regclass, 'tape.bars_1h'::regclass, 'tape.bars_1d'::regclass,
                       'tape.market_daily'::regclass)
   AND c.relname ~ '_19' ORDER BY 1;
-- the same from -infinity and from a date BC: nothing new to do
CALL tape.refresh_bars('day', '-infinity', '1971-06-30', tickers => ARRAY['ACME']);
CALL tape.refresh_bars('day', '4713-01-01 BC', '1970-12-31', tickers => ARRAY['ACME']);
-- every refresh the same way
SET client_min_messages = warning;
CALL tape.refresh_news('-infinity', '1970-01-31', tickers => ARRAY['ACME']);
CALL tape.refresh_corporate_actions('0010-01-01 BC', '1970-12-31', tickers => ARRAY['ACME']);
CALL tape.refresh_short_data('1066-10-14', '1970-12-31', tickers => ARRAY['ACME']);
CALL tape.refresh_universe('-infinity', '1970-01-09');
CALL tape.detect_all('-infinity', '1970-12-31');
RESET client_min_messages;
-- (the built-in holidays start in 2000: 1970-01-01 is a trading day to the calendar)
SELECT queue, unit_key, range_start, status FROM tape.work_queue
 WHERE range_start < '2000-01-01' AND queue NOT LIKE 'bars%' AND queue <> 'tickers' ORDER BY queue, unit_key;
SELECT c.relname FROM pg_inherits h JOIN pg_class c ON c.oid = h.inhrelid
 WHERE h.inhparent IN ('tape.bars_1m'::regclass, 'tape.bars_1h'::regclass, 'tape.bars_1d'::regclass,
                       'tape.market_daily'::regclass)
   AND c.relname ~ '_19' ORDER BY 1;
SELECT count(*) AS days, min(day), max(day) FROM tape.universe_gaps('-infinity', '1970-01-09');
-- an end in the future or at infinity is today (or a year ahead for announced splits and dividends)
SET client_min_messages = warning;
CALL tape.refresh_corporate_actions('2026-01-01', 'infinity', tickers => ARRAY['ACME']);
RESET client_min_messages;
SELECT max(range_start) = tape.ny_midnight(date_trunc('year', tape.ny_today() + interval '1 year')::date) AS to_next_year
  FROM tape.work_queue WHERE queue = 'splits' AND range_start >= '2026-01-01';
-- refused at once: an end before 1970, a start after the end
CALL tape.refresh_bars('day', '0044-03-15 BC', '0043-12-31 BC', tickers => ARRAY['ACME']);  -- ERROR
CALL tape.refresh_bars('day', '1900-01-01', '1969-12-31', tickers => ARRAY['ACME']);  -- ERROR
CALL tape.detect_all('-infinity', '-infinity');  -- ERROR
CALL tape.refresh_bars('day', 'infinity', '2024-12-31', tickers => ARRAY['ACME']);  -- ERROR
CALL tape.refresh_news('2024-01-01', '-infinity', tickers => ARRAY['ACME']);  -- ERROR
-- the partitions: nothing before 1970, no end at infinity, a table of the store
SELECT tape.create_partitions('-infinity', '1970-01-31', 'tape.bars_1m') AS made;
SELECT tape.create_partitions('0001-01-01 BC', '1969-12-31') AS made_before_1970;
SELECT tape.create_partitions('2024-01-01', 'infinity');  -- ERROR
SELECT tape.create_partitions('2024-01-01', '2024-01-31', 'tape.news');  -- ERROR
SELECT unnest(tape.partition_steps('tape.bars_1d', '1969-07-20', '1972-03-01')) AS steps;
-- the periods of units: none before 1970, none to an infinite end
SELECT count(*) AS periods, min(label), max(label) FROM tape.periods('year', '-infinity', '1972-06-30');
SELECT count(*) AS periods FROM tape.periods('month', '2024-01-01', 'infinity');

UPDATE tape.configuration SET value = NULL WHERE name = 'foreign_schema';
RESET statement_timeout;
RESET temp_file_limit;
