-- The units of the store keep their word: a unit's key and parameters do not depend on the
-- session's settings, and early, BC and infinite dates start where market data can exist or
-- are refused at once.
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

-- 1. a unit's key and parameters are the same whatever the session's settings: a session in
--    New York time and a pg_cron job in UTC (or any DateStyle, IntervalStyle, float digits)
--    plan the same units, so the second has nothing to do
SET client_min_messages = warning;
CALL tape.refresh_bars('day', '2024-01-01', '2024-12-31', tickers => ARRAY['ACME', 'BOLT', 'FLUX']);
CALL tape.refresh_bars('minute', '2024-02-01', '2024-03-31', tickers => ARRAY['FLUX']);
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

-- 2. early, BC and infinite dates: a refresh starts at the earliest market date (1970-01-01),
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
