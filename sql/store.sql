-- The local store: settings, partitions, a refresh of named tickers and what its queue
-- remembers, the errors of the refresh procedures.
\i test/regress/setup.sql
\i test/regress/error_of.sql
SELECT regress.make_server('store', 'tag=store');
SET tape.progress_interval = 0;
-- a store of its own (the tests share a database)
TRUNCATE tape.work_queue, tape.refresh_runs, tape.bars_1m, tape.bars_1h, tape.bars_1d, tape.market_daily,
         tape.tickers, tape.ticker_shares, tape.splits, tape.dividends, tape.short_interest, tape.short_volume,
         tape.news, tape.events_daily, tape.events_intraday, tape.settings;

-- settings: every one has a default; tape.configuration shows and changes them
SELECT name, value, type FROM tape.configuration ORDER BY name;
UPDATE tape.configuration SET value = 'store' WHERE name = 'foreign_schema';
UPDATE tape.configuration SET value = '3' WHERE name = 'refresh.batch_size';
SELECT name, value, default_value, changed FROM tape.configuration WHERE changed ORDER BY name;
SELECT * FROM tape.settings ORDER BY name;
UPDATE tape.configuration SET value = 'ten' WHERE name = 'universe.max_close';  -- ERROR
UPDATE tape.configuration SET value = '-1' WHERE name = 'refresh.max_attempts';  -- ERROR
SELECT v AS value, regress.error_of(format($$UPDATE tape.configuration SET value = %L WHERE name = 'refresh.max_attempts'$$, v))
  FROM unnest(ARRAY['+5', ' 5', '5 ', '5.0', '1e1', '٥', '', '99999999999']) AS v;
UPDATE tape.configuration SET value = 'week' WHERE name = 'universe.shares_every';  -- ERROR
INSERT INTO tape.settings VALUES ('universe.max_price', '10');  -- ERROR
-- the settings that size the work of a call, and the capture plan's estimates, keep a range:
-- each is refused beyond either end (a whole number or an interval one step beyond, a number half
-- the least or twice the most), saying the range, and accepted at both ends
SELECT name, min_value, max_value FROM tape.configuration WHERE max_value IS NOT NULL ORDER BY name;
SELECT r.name, v.value, regress.error_of(format('UPDATE tape.configuration SET value = %L WHERE name = %L', v.value, r.name)) AS outcome
  FROM tape.setting_ranges() r JOIN tape.setting_defaults() d USING (name),
       LATERAL (VALUES (CASE d.type WHEN 'integer' THEN (r.min_value::int - 1)::text WHEN 'interval' THEN '-1 second'
                                    ELSE (r.min_value::float8 / 2)::text END),
                       (CASE d.type WHEN 'integer' THEN (r.max_value::int + 1)::text WHEN 'interval' THEN '61 minutes'
                                    ELSE (r.max_value::float8 * 2)::text END),
                       (r.min_value), (r.max_value)) v(value)
 ORDER BY r.name, v.value;
UPDATE tape.configuration SET value = '2 hours' WHERE name = 'refresh.retry_delay';  -- ERROR
UPDATE tape.configuration SET value = CASE name WHEN 'refresh.batch_size' THEN '3' END
 WHERE name IN (SELECT name FROM tape.setting_ranges());
SELECT name, value, default_value, changed FROM tape.configuration WHERE changed ORDER BY name;
SELECT tape.setting('universe.max_close'), tape.setting('refresh.batch_size');
SELECT tape.setting('nope');  -- ERROR

-- partitions: a month of minute bars, a year of the others, made ahead; each with its key
SELECT tape.create_partitions('2024-01-15', '2024-02-03');
SELECT tape.create_partitions('2024-01-15', '2024-02-03') AS made_again;
SELECT c.relname, pg_get_expr(c.relpartbound, c.oid) AS bounds, i.indexrelid::regclass AS primary_key
  FROM pg_inherits h JOIN pg_class c ON c.oid = h.inhrelid
  LEFT JOIN pg_index i ON i.indrelid = c.oid AND i.indisprimary
 WHERE h.inhparent IN ('tape.bars_1m'::regclass, 'tape.bars_1h'::regclass, 'tape.bars_1d'::regclass,
                       'tape.market_daily'::regclass)
 ORDER BY 1;
SELECT tape.create_partitions('2024-03-01', '2024-02-01');  -- ERROR

-- a refresh of named tickers: a unit per ticker and month, batched three to a scan
SELECT requests AS requests_before FROM tape.polygon_session_stats() \gset
SET client_min_messages = warning;
CALL tape.refresh_bars('minute', '2024-03-01', '2024-04-30', tickers => ARRAY['ACME', 'BOLT', 'DYNX']);
RESET client_min_messages;
SELECT requests - :requests_before AS requests_counted FROM tape.polygon_session_stats();
SELECT queue, unit_key, ticker, range_start, range_end, params, status, fetched_until = range_end AS settled, attempts
  FROM tape.work_queue ORDER BY unit_id;
SELECT path FROM regress.mock_log('store') ORDER BY 1;
SELECT ticker, date_trunc('month', ts) AS month, count(*) AS bars, bool_and(adjusted) AS adjusted,
       min(ts) >= '2024-03-01' AND max(ts) < '2024-05-01' AS within_the_months
  FROM tape.bars_1m GROUP BY 1, 2 ORDER BY 1, 2;
-- the rows are those of the foreign table
SELECT count(*) AS differences FROM (
  (SELECT ticker, ts, open, high, low, close, volume, vwap, transactions FROM tape.bars_1m
   EXCEPT ALL
   SELECT ticker, ts, open, high, low, close, volume, vwap, transactions FROM store.bars
    WHERE ticker IN ('ACME', 'BOLT', 'DYNX') AND ts >= '2024-03-01' AND ts < '2024-05-01')
  UNION ALL
  (SELECT ticker, ts, open, high, low, close, volume, vwap, transactions FROM store.bars
    WHERE ticker IN ('ACME', 'BOLT', 'DYNX') AND ts >= '2024-03-01' AND ts < '2024-05-01'
   EXCEPT ALL
   SELECT ticker, ts, open, high, low, close, volume, vwap, transactions FROM tape.bars_1m)) d;
SELECT regress.mock_requests('store') AS requests;
SELECT refresh, arguments, status, workers, units, units_done, units_failed, rows > 0 AS loaded, requests
  FROM tape.refresh_runs ORDER BY run_id;

-- again: every unit is settled, nothing is fetched
CALL tape.refresh_bars('minute', '2024-03-01', '2024-04-30', tickers => ARRAY['ACME', 'BOLT', 'DYNX']);
SELECT regress.mock_requests('store') AS requests;
-- a wider range: only the new units; force: all of them again
SET client_min_messages = warning;
CALL tape.refresh_bars('minute', '2024-03-01', '2024-05-31', tickers => ARRAY['ACME', 'BOLT', 'DYNX']);
RESET client_min_messages;
SELECT regress.mock_requests('store') AS requests;
SET client_min_messages = warning;
CALL tape.refresh_bars('minute', '2024-03-01', '2024-03-31', tickers => ARRAY['ACME'], force => true);
RESET client_min_messages;
SELECT regress.mock_requests('store') AS requests;
-- unadjusted bars are units of their own
SET client_min_messages = warning;
CALL tape.refresh_bars('day', '2024-06-03', '2024-06-07', tickers => ARRAY['FLUX'], adjusted => false);
RESET client_min_messages;
SELECT unit_key, params FROM tape.work_queue WHERE queue = 'bars_1d';
SELECT count(*), bool_and(NOT adjusted) AS unadjusted FROM tape.bars_1d;
SELECT refresh, queue, unit, units, settled, to_update, pending, failed, last_run FROM tape.refresh_status ORDER BY 1, 2;

-- a unit that reaches into today is settled up to the start of today, and fetched again from there
SET client_min_messages = warning;
CALL tape.refresh_bars('day', tape.ny_today() - 3, NULL, tickers => ARRAY['ACME']);
SELECT fetched_until = tape.ny_midnight(tape.ny_today()) AS settled_until_today, fetched_until < range_end AS not_settled
  FROM tape.work_queue WHERE queue = 'bars_1d' AND ticker = 'ACME';
SELECT regress.mock_requests('store') AS requests_before_today \gset
CALL tape.refresh_bars('day', tape.ny_today() - 3, NULL, tickers => ARRAY['ACME']);
RESET client_min_messages;
SELECT regress.mock_requests('store') - :requests_before_today AS requests_again;
SELECT split_part(path, '/', 11) = tape.ny_today()::text AS asked_from_the_start_of_today
  FROM (SELECT path, row_number() OVER () AS n FROM regress.mock_log('store')) l ORDER BY n DESC LIMIT 1;

-- a resume (no dates) fetches whatever of this store is not done
UPDATE tape.work_queue SET status = 'pending', fetched_until = NULL WHERE unit_key = 'DYNX 2024-05';
SELECT regress.mock_requests('store') AS requests_before_resume \gset
SET client_min_messages = warning;
CALL tape.refresh_bars('minute');
RESET client_min_messages;
SELECT regress.mock_requests('store') - :requests_before_resume AS requests,
       (SELECT status FROM tape.work_queue WHERE unit_key = 'DYNX 2024-05') AS status;

-- the nightly job: every refresh over the last trading days, in order
SELECT coalesce(max(run_id), 0) AS last_run FROM tape.refresh_runs \gset
SET client_min_messages = warning;
CALL tape.refresh_daily(trading_days => 2, minute_bars => false);
RESET client_min_messages;
SELECT refresh, status, units > 0 AS did_something, units_failed FROM tape.refresh_runs WHERE run_id > :last_run ORDER BY run_id;

-- errors
BEGIN;
CALL tape.refresh_bars('minute', '2024-03-01', '2024-03-31', tickers => ARRAY['ACME']);  -- ERROR
ROLLBACK;
-- a DO block of its own may commit
DO $$ BEGIN CALL tape.refresh_bars('minute', '2024-03-01', '2024-03-31', tickers => ARRAY['ACME']); END $$;
CREATE FUNCTION regress.refresh_in_a_function() RETURNS void LANGUAGE plpgsql
AS $$ BEGIN CALL tape.refresh_bars('day', '2024-03-01', '2024-03-31', tickers => ARRAY['ACME']); END $$;
SELECT regress.refresh_in_a_function();  -- ERROR
CALL tape.refresh_bars('week', '2024-03-01', '2024-03-31', tickers => ARRAY['ACME']);  -- ERROR
CALL tape.refresh_bars('minute', '2024-03-01', '2024-03-31', tickers => ARRAY[]::text[]);  -- ERROR
CALL tape.refresh_bars('minute', '2024-03-31', '2024-03-01', tickers => ARRAY['ACME']);  -- ERROR
CALL tape.refresh_bars('minute', '2024-03-01', '2024-03-31');  -- ERROR: no universe
CALL tape.refresh_universe(NULL);  -- ERROR
CALL tape.refresh_daily(trading_days => 0);  -- ERROR
CALL tape.detect_all('2024-03-01', '2024-03-31', config => '{"intraday": {"nope": 1}}');  -- ERROR
UPDATE tape.configuration SET value = 'nowhere' WHERE name = 'foreign_schema';
CALL tape.refresh_bars('day', '2023-03-01', '2023-03-31', tickers => ARRAY['ACME']);  -- ERROR
UPDATE tape.configuration SET value = 'store' WHERE name = 'foreign_schema';
-- a run in which every unit fails (a wrong key) stops after refresh.stop_after_failures of them
SELECT regress.make_server('storebad', 'tag=storebad');
ALTER USER MAPPING FOR CURRENT_USER SERVER storebad OPTIONS (SET api_key 'wrong-key-not-secret');
UPDATE tape.configuration SET value = 'storebad' WHERE name = 'foreign_schema';
CALL tape.refresh_bars('minute', '2023-01-01', '2023-12-31', tickers => ARRAY['ACME']);  -- ERROR
SELECT count(*) AS failed_units, min(last_error) AS error, min(last_sqlstate) AS sqlstate FROM tape.refresh_failures;
SELECT regress.mock_requests('storebad') AS requests;
UPDATE tape.configuration SET value = 'store' WHERE name = 'foreign_schema';
SELECT tape.run_status(r) AS status, count(*) FROM tape.refresh_runs r GROUP BY 1 ORDER BY 1;

-- an error of the server itself (a full disk, no memory, an I/O error) fails the CALL at once:
-- no unit is at fault, so none is marked failed or retried; the units done stay done, the
-- unit in flight and the rest are left to do, the lock is released, and the next call resumes
UPDATE tape.configuration SET value = '1' WHERE name = 'refresh.batch_size';
\i test/regress/server_error.sql
CREATE TRIGGER server_error BEFORE INSERT ON tape.bars_1d FOR EACH ROW EXECUTE FUNCTION regress.server_error('DYNX');
SELECT regress.mock_requests('store') AS requests_before_errors \gset
\set SHOW_CONTEXT never
SET regress.server_error = '53100';  -- disk_full
CALL tape.refresh_bars('day', '2023-01-01', '2023-12-31', tickers => ARRAY['ACME', 'BOLT', 'DYNX', 'FLUX']);  -- ERROR
SELECT unit_key, status, attempts, last_sqlstate, last_error FROM tape.work_queue
 WHERE queue = 'bars_1d' AND range_start >= '2023-01-01' AND range_start < '2024-01-01' ORDER BY unit_key;
SELECT status, finished_at IS NOT NULL AS finished, tape.refresh_lock_holder('bars_1d') IS NULL AS lock_released,
       (SELECT count(*) FROM tape.progress) AS progress_rows
  FROM tape.refresh_runs ORDER BY run_id DESC LIMIT 1;
SELECT regress.mock_requests('store') - :requests_before_errors AS requests;
SET regress.server_error = '53200';  -- out_of_memory
CALL tape.refresh_bars('day', '2023-01-01', '2023-12-31', tickers => ARRAY['ACME', 'BOLT', 'DYNX', 'FLUX']);  -- ERROR
SET regress.server_error = '58030';  -- io_error
CALL tape.refresh_bars('day', '2023-01-01', '2023-12-31', tickers => ARRAY['ACME', 'BOLT', 'DYNX', 'FLUX']);  -- ERROR
\set SHOW_CONTEXT errors
SELECT unit_key, status, attempts, last_sqlstate FROM tape.work_queue
 WHERE queue = 'bars_1d' AND range_start >= '2023-01-01' AND range_start < '2024-01-01' ORDER BY unit_key;
SELECT regress.mock_requests('store') - :requests_before_errors AS requests;
-- an error of one unit's own still fails only that unit, and the run goes on
SET regress.server_error = '22003';  -- numeric_value_out_of_range
UPDATE tape.configuration SET value = '10 ms' WHERE name = 'refresh.retry_delay';
SET client_min_messages = warning;
CALL tape.refresh_bars('day', '2023-01-01', '2023-12-31', tickers => ARRAY['ACME', 'BOLT', 'DYNX', 'FLUX']);
RESET client_min_messages;
UPDATE tape.configuration SET value = '30 seconds' WHERE name = 'refresh.retry_delay';
SELECT unit_key, status, attempts, last_sqlstate FROM tape.work_queue
 WHERE queue = 'bars_1d' AND range_start >= '2023-01-01' AND range_start < '2024-01-01' ORDER BY unit_key;
DROP TRIGGER server_error ON tape.bars_1d;
SET client_min_messages = warning;
CALL tape.refresh_bars('day', '2023-01-01', '2023-12-31', tickers => ARRAY['ACME', 'BOLT', 'DYNX', 'FLUX']);
RESET client_min_messages;
SELECT unit_key, status FROM tape.work_queue WHERE queue = 'bars_1d' AND range_start >= '2023-01-01' AND range_start < '2024-01-01' ORDER BY unit_key;
SELECT ticker, count(*) FROM tape.bars_1d WHERE ts >= '2023-01-01' AND ts < '2024-01-01' GROUP BY 1 ORDER BY 1;
SELECT status, count(*) FROM tape.refresh_runs WHERE refresh = 'bars_1d' AND arguments ->> 'from_date' = '2023-01-01'
 GROUP BY 1 ORDER BY 1;
-- a batch of several units that fails is done again unit by unit, whatever the error: an error
-- of the server then names the unit it met, with the units before it done (not the batch's
-- first unit, with none done), and a limit the batch was too large for (temp_file_limit, memory:
-- here a statement trigger refusing the rows of more than one ticker) is no error of a unit alone
UPDATE tape.configuration SET value = '3' WHERE name = 'refresh.batch_size';
CREATE TRIGGER server_error BEFORE INSERT ON tape.bars_1d FOR EACH ROW EXECUTE FUNCTION regress.server_error('DYNX');
SET regress.server_error = '53100';  -- disk_full
\set SHOW_CONTEXT never
CALL tape.refresh_bars('day', '2023-01-01', '2023-12-31', tickers => ARRAY['ACME', 'BOLT', 'DYNX', 'FLUX'], force => true);  -- ERROR
\set SHOW_CONTEXT errors
SELECT unit_key, status, last_sqlstate FROM tape.work_queue
 WHERE queue = 'bars_1d' AND range_start >= '2023-01-01' AND range_start < '2024-01-01' ORDER BY unit_key;
DROP TRIGGER server_error ON tape.bars_1d;
CREATE FUNCTION regress.batch_limit() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF (SELECT count(DISTINCT ticker) FROM new_rows) > 1 THEN
    RAISE EXCEPTION 'temporary file size exceeds temp_file_limit (1024kB)' USING ERRCODE = 'configuration_limit_exceeded';
  END IF;
  RETURN NULL;
END
$$;
CREATE TRIGGER batch_limit AFTER INSERT ON tape.bars_1d REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION regress.batch_limit();
SET client_min_messages = warning;
CALL tape.refresh_bars('day', '2023-01-01', '2023-12-31', tickers => ARRAY['ACME', 'BOLT', 'DYNX', 'FLUX']);
RESET client_min_messages;
SELECT unit_key, status, last_sqlstate FROM tape.work_queue
 WHERE queue = 'bars_1d' AND range_start >= '2023-01-01' AND range_start < '2024-01-01' ORDER BY unit_key;
SELECT ticker, count(*) FROM tape.bars_1d WHERE ts >= '2023-01-01' AND ts < '2024-01-01' GROUP BY 1 ORDER BY 1;
DROP TRIGGER batch_limit ON tape.bars_1d;
DROP FUNCTION regress.batch_limit();
UPDATE tape.configuration SET value = '1' WHERE name = 'refresh.batch_size';

-- the runner calls only loaders of extension tape or of the role that runs the refresh: a role
-- that may change tape.unit_kinds cannot make a refresh run its code with the rights of
-- whoever runs it
CREATE ROLE regress_queue_intruder;
GRANT USAGE, CREATE ON SCHEMA regress TO regress_queue_intruder;
GRANT USAGE ON SCHEMA tape TO regress_queue_intruder;
GRANT SELECT, UPDATE ON tape.unit_kinds TO regress_queue_intruder;
CREATE TABLE regress.loader_calls (loader text, called_as text, n integer);
GRANT INSERT ON regress.loader_calls TO regress_queue_intruder;
SET ROLE regress_queue_intruder;
CREATE FUNCTION regress.intruder_loader(units tape.work_queue[]) RETURNS bigint LANGUAGE sql
AS $$ INSERT INTO regress.loader_calls VALUES ('intruder', current_user, cardinality(units)) RETURNING 0::bigint $$;
UPDATE tape.unit_kinds SET loader = 'regress.intruder_loader(tape.work_queue[])' WHERE queue = 'bars_1d';
RESET ROLE;
\set SHOW_CONTEXT never
CALL tape.refresh_bars('day', '2025-01-01', '2025-12-31', tickers => ARRAY['ACME']);  -- ERROR
-- nor a function of tape's that is not a loader
UPDATE tape.unit_kinds SET loader = 'tape.version()' WHERE queue = 'bars_1d';
CALL tape.refresh_bars('day', '2025-01-01', '2025-12-31', tickers => ARRAY['ACME']);  -- ERROR
\set SHOW_CONTEXT errors
SELECT count(*) AS intruder_calls FROM regress.loader_calls;
SELECT unit_key, status, attempts FROM tape.work_queue WHERE unit_key = 'ACME 2025';
UPDATE tape.unit_kinds SET loader = 'tape.load_bars(tape.work_queue[])' WHERE queue = 'bars_1d';
SET client_min_messages = warning;
CALL tape.refresh_bars('day', '2025-01-01', '2025-12-31', tickers => ARRAY['ACME']);
RESET client_min_messages;
SELECT unit_key, status FROM tape.work_queue WHERE unit_key = 'ACME 2025';
-- a refresh of one's own (docs/store.md, the queue): a kind of unit with a loader of the role
-- that runs it
CREATE FUNCTION regress.own_loader(units tape.work_queue[]) RETURNS bigint LANGUAGE sql
AS $$ INSERT INTO regress.loader_calls SELECT 'own', current_user, cardinality(units) RETURNING n::bigint $$;
INSERT INTO tape.unit_kinds (queue, refresh, loader, batch_by, batch_size, unit, description, from_local_data)
VALUES ('regress_own', 'regress_own', 'regress.own_loader(tape.work_queue[])', 'ranges', 2, 'day', 'a test''s own units', true);
CALL tape.run_refresh('regress_own', 'regress.own_refresh', '{}', false, false, NULL,
  ARRAY[$$SELECT 'regress_own', 'day ' || d::date, 'OWN', tape.ny_midnight(d::date), tape.ny_midnight(d::date + 1), '{}'::jsonb
            FROM generate_series('2024-03-04'::date, '2024-03-08', '1 day') d$$]);
SELECT loader, called_as, sum(n) AS units, count(*) AS calls FROM regress.loader_calls GROUP BY 1, 2;
SELECT status, units, units_done, rows FROM tape.refresh_runs WHERE refresh = 'regress_own';
-- the intruder cannot swap it for its own either
SET ROLE regress_queue_intruder;
UPDATE tape.unit_kinds SET loader = 'regress.intruder_loader(tape.work_queue[])' WHERE queue = 'regress_own';
RESET ROLE;
\set SHOW_CONTEXT never
CALL tape.run_refresh('regress_own', 'regress.own_refresh', '{}', false, true, NULL,
  ARRAY[$$SELECT 'regress_own', 'day 2024-03-11', 'OWN', tape.ny_midnight('2024-03-11'), tape.ny_midnight('2024-03-12'), '{}'::jsonb$$]);  -- ERROR
\set SHOW_CONTEXT errors
SELECT loader, count(*) AS calls FROM regress.loader_calls GROUP BY 1 ORDER BY 1;
DELETE FROM tape.work_queue WHERE queue = 'regress_own';
DELETE FROM tape.unit_kinds WHERE queue = 'regress_own';
DROP TABLE regress.loader_calls;
DROP FUNCTION regress.intruder_loader(tape.work_queue[]), regress.own_loader(tape.work_queue[]);
REVOKE ALL ON tape.unit_kinds FROM regress_queue_intruder;
REVOKE ALL ON SCHEMA tape FROM regress_queue_intruder;
REVOKE ALL ON SCHEMA regress FROM regress_queue_intruder;
DROP ROLE regress_queue_intruder;
