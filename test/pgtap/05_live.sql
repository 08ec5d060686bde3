-- pgTAP: the catalog of the live feed: its tables and their keys, the view, the controls and
-- how they are marked, who may call them, the plumbing PUBLIC cannot execute, and the
-- SQLSTATE of their errors (the worker itself is tested in test/t/090_live.pl).
\set QUIET on
\set ON_ERROR_STOP on
\pset format unaligned
\pset tuples_only true
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS pgtap;
CREATE EXTENSION IF NOT EXISTS tape;

BEGIN;
SELECT plan(21);

SELECT has_schema('tape_internal', 'the plumbing has a schema of its own');
SELECT has_table('tape', t, 'table tape.' || t) FROM unnest(ARRAY['events_live', 'live_trades', 'live_quotes']) AS t;
SELECT col_is_pk('tape', 'events_live', ARRAY['ticker', 'ts', 'event_type', 'direction'],
                 'a live event is keyed as tape.events_intraday''s are');
SELECT is((SELECT array_agg(attname::text ORDER BY attnum) FROM pg_attribute
            WHERE attrelid = 'tape.events_live'::regclass AND attnum > 0 AND NOT attisdropped),
          (SELECT array_agg(attname::text ORDER BY attnum) FROM pg_attribute
            WHERE attrelid = 'tape.intraday_event'::regclass AND attnum > 0 AND NOT attisdropped)
          || ARRAY['detected_at'],
          'tape.events_live has the columns of tape.intraday_event, and detected_at');
SELECT col_type_is('tape', 'live_trades', 'sip_timestamp', 'bigint', 'trade times are exact nanoseconds');
SELECT col_type_is('tape', 'live_trades', 'size', 'double precision', 'sizes are double precision, never bigint');
SELECT has_view('tape', 'live_status', 'view tape.live_status');
SELECT is((SELECT count(*)::int FROM tape.live_status), 1, 'tape.live_status has one row');
SELECT is((SELECT state FROM tape.live_status), 'stopped', 'no worker runs here');

SELECT volatility_is('tape', 'live_start', ARRAY['name', 'text', 'jsonb', 'regprocedure'], 'volatile',
                     'tape.live_start is volatile');
SELECT volatility_is('tape', 'live_stop', ARRAY[]::text[], 'volatile', 'tape.live_stop is volatile');
SELECT is((SELECT array_agg(DISTINCT p.proparallel) FROM pg_proc p
            WHERE p.oid IN ('tape.live_start(name,text,jsonb,regprocedure)'::regprocedure,
                            'tape.live_stop()'::regprocedure)), ARRAY['u']::"char"[],
          'the controls are PARALLEL UNSAFE');
SELECT ok(NOT has_function_privilege('public', 'tape.live_start(name,text,jsonb,regprocedure)', 'EXECUTE')
          AND NOT has_function_privilege('public', 'tape.live_stop()', 'EXECUTE'),
          'PUBLIC may not start or stop the worker');
SELECT is((SELECT count(*)::int FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
            WHERE n.nspname = 'tape_internal' AND p.proname <> 'live_status'
              AND has_function_privilege('public', p.oid, 'EXECUTE')), 0,
          'PUBLIC may execute none of the plumbing');
SELECT ok(has_function_privilege('public', 'tape_internal.live_status()', 'EXECUTE'),
          'but the function behind tape.live_status, which holds no secret');

SELECT throws_ok($$SELECT tape.live_start('no_such_server', 'AM.*')$$, '42704', NULL, 'an unknown server');
SELECT throws_ok($$SELECT tape.live_start('no_such_server', 'AM.*; DROP TABLE x')$$, '22023',
                 'invalid channels "AM.*; DROP TABLE x"', 'channels that are not a channel list');
SELECT throws_ok($$SELECT tape.live_start('no_such_server', '')$$, '22023', NULL, 'no channels');
SELECT is(tape.live_stop(), false, 'tape.live_stop() with no worker says so');

SELECT * FROM finish();
ROLLBACK;
