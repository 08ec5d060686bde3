-- NULL arguments (test/t/020_null_arguments.pl calls every routine with them; here the errors
-- are pinned): the procedures, which cannot be STRICT, refuse a NULL command; a NULL refresh
-- name is an error at once (it waited forever for a lock of no name); a NULL among the tickers
-- of a refresh is refused.  The session and the server live through all of it.
\i test/regress/setup.sql
SELECT pg_backend_pid() AS start_pid, pg_postmaster_start_time() AS start_time \gset
\set VERBOSITY terse
SET statement_timeout = '20s';
SET tape.progress_interval = 0;

CALL tape.require_transaction_control(NULL);  -- ERROR
CALL tape.run_refresh('bars_1d', NULL, '{}', false, false, NULL, ARRAY['SELECT 1']);  -- ERROR
CALL tape.run_event_step('features', NULL, 'tape.event_features', 'core', '{}', false, false, 'SELECT 1');  -- ERROR
CALL tape.refresh_reference('corporate_actions', NULL, '2025-09-02', '2025-09-03', NULL, false, false);  -- ERROR
SELECT tape.refresh_begin(NULL, 'tape.refresh_bars', '{}', false);  -- ERROR
SELECT tape.refresh_begin('bars_1d', NULL, '{}', false);  -- ERROR
CALL tape.run_refresh(NULL, 'tape.refresh_bars', '{}', false, false, NULL, ARRAY['SELECT 1']);  -- ERROR
CALL tape.refresh_reference(NULL, 'tape.refresh_corporate_actions', '2025-09-02', '2025-09-03', NULL, false, false);  -- ERROR
CALL tape.refresh_reference(NULL, NULL, NULL, NULL, NULL, NULL, NULL);  -- ERROR
-- this session recorded no run and holds no lock
SELECT count(*) AS runs FROM tape.refresh_runs WHERE leader_pid = pg_backend_pid();
SELECT count(*) AS locks FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid();

-- a NULL among the tickers: every refresh that takes tickers says so
CALL tape.refresh_bars('day', '2025-09-02', '2025-09-03', tickers => ARRAY['ACME', NULL]);  -- ERROR
CALL tape.refresh_corporate_actions('2025-09-02', '2025-09-03', tickers => ARRAY[NULL]::text[]);  -- ERROR
CALL tape.refresh_short_data('2025-09-02', '2025-09-03', tickers => ARRAY['ACME', NULL]);  -- ERROR
CALL tape.refresh_news('2025-09-02', '2025-09-03', tickers => ARRAY[NULL, 'ACME']);  -- ERROR
CALL tape.detect_all('2025-09-02', '2025-09-03', tickers => ARRAY['ACME', NULL]);  -- ERROR

-- the same session, the same postmaster: nothing crashed
\set VERBOSITY default
SELECT pg_backend_pid() = :start_pid AS same_session, pg_postmaster_start_time() = :'start_time' AS same_postmaster;
RESET statement_timeout;
