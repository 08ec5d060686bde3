-- The units of the store keep their word: a unit's key and parameters do not depend on the
-- session's settings.
\i test/regress/setup.sql
SELECT regress.make_server('units', 'tag=units');
SET tape.progress_interval = 0;
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

UPDATE tape.configuration SET value = NULL WHERE name = 'foreign_schema';
