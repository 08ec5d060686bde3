-- pgTAP: the catalog of manifests and tick capture: the profiles' table and view, the manifest
-- and capture tables and their keys, block storage, the procedures and how their functions are
-- marked, and the SQLSTATE of their errors.
\set QUIET on
\set ON_ERROR_STOP on
\pset format unaligned
\pset tuples_only true
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS pgtap;
CREATE EXTENSION IF NOT EXISTS tape;
SET timezone = 'America/New_York';

BEGIN;
SELECT plan(39);

-- tables, keys and what they hold
SELECT has_table('tape', t, 'table tape.' || t) FROM unnest(ARRAY['stored_profiles', 'manifest', 'manifest_windows',
  'manifest_builds', 'tick_windows']) AS t;
SELECT col_is_pk('tape', 'stored_profiles', ARRAY['profile'], 'a profile once');
SELECT col_is_pk('tape', 'manifest', ARRAY['profile', 'source', 'ticker', 'ts', 'event_type', 'direction'],
                 'an event once in a profile''s manifest');
SELECT col_is_pk('tape', 'manifest_windows', ARRAY['profile', 'window_id'], 'a window by its number');
SELECT col_is_pk('tape', 'tick_windows', ARRAY['ticker', 'trading_day', 'kind', 'quotes_per_second', 'win_start', 'win_end'],
                 'captured ticks are keyed by what they are, not by the manifest that asked for them');
SELECT col_type_is('tape', 'tick_windows', 'block', 'tape.tick_block', 'blocks are tick blocks');
SELECT is((SELECT attstorage::text FROM pg_attribute WHERE attrelid = 'tape.tick_windows'::regclass AND attname = 'block'),
          'e', 'blocks are stored EXTERNAL: zstd already, never compressed again');
SELECT has_view('tape', v, 'view tape.' || v) FROM unnest(ARRAY['profiles', 'captured_windows', 'captured_events',
  'capture_status']) AS v;
SELECT is((SELECT array_agg(profile ORDER BY profile) FROM tape.profiles), ARRAY['core', 'plus', 'premium'],
          'three built-in profiles');
SELECT is((SELECT count(*)::int FROM tape.stored_profiles), 0, 'none stored until changed (pg_dump restores them once)');
SELECT ok(tape.check_profile(p), 'the built-in profile ' || p.profile || ' keeps every rule')
  FROM tape.builtin_profiles() p;

-- procedures and functions
SELECT has_function('tape', p, 'procedure tape.' || p) FROM unnest(ARRAY['build_manifest', 'capture_ticks']) AS p;
SELECT is((SELECT array_agg(p.proname::text ORDER BY p.proname) FROM pg_proc p
            WHERE p.pronamespace = 'tape'::regnamespace AND p.prokind = 'p' AND p.proname IN ('build_manifest', 'capture_ticks')),
          ARRAY['build_manifest', 'capture_ticks'], 'both are procedures');
SELECT volatility_is('tape', 'capture_plan', ARRAY['tape.manifest_windows[]', 'text', 'integer', 'integer'], 'stable');
SELECT volatility_is('tape', 'event_choices', ARRAY['tape.stored_profiles', 'date', 'date'], 'stable');
SELECT volatility_is('tape', 'load_tick_windows', ARRAY['tape.work_queue[]'], 'volatile');
SELECT volatility_is('tape', 'bar_quote_changes', ARRAY['double precision', 'double precision', 'double precision',
                                                        'double precision'], 'immutable');
SELECT is((SELECT array_agg(queue ORDER BY queue) FROM tape.unit_kinds WHERE refresh = 'capture'),
          ARRAY['capture_quotes', 'capture_trades'], 'the capture works through the queue of the refreshes');
SELECT is(tape.series_requests(0), 1, 'an empty series is one request');
SELECT is(tape.series_requests(50000), 1, '50,000 rows are one page');
SELECT is(tape.series_requests(50001), 2, 'one more row, one more page');

-- errors and their SQLSTATE
SELECT throws_ok($$SELECT tape.profile('nope')$$, '42704', NULL, 'an unknown profile: 42704');
SELECT throws_ok($$UPDATE tape.profiles SET max_events = 0 WHERE profile = 'core'$$, '22023', NULL,
                 'a value that breaks its rule: 22023');
SELECT throws_ok($$UPDATE tape.profiles SET profile = 'Core' WHERE profile = 'core'$$, '0A000', NULL,
                 'a built-in profile cannot be renamed: 0A000');
SELECT throws_ok($$INSERT INTO tape.profiles (profile, max_events, window_before, window_after)
                   VALUES ('core', 1, '1 min', '1 min')$$, '23505', NULL, 'a profile that exists: 23505');
SELECT throws_ok($$INSERT INTO tape.profiles (profile, max_events, window_before, window_after)
                   VALUES ('Mine', 1, '1 min', '1 min')$$, '42602', NULL, 'an invalid profile name: 42602');
SELECT throws_ok($$CALL tape.build_manifest('core', '2024-03-02', '2024-03-01')$$, '22023', NULL,
                 'a range that ends before it starts: 22023');
SELECT throws_ok($$CALL tape.capture_ticks('core')$$, '25001', NULL, 'a capture in a transaction block: 25001');
SELECT throws_ok($$SELECT tape.disk_budget_reached(1000, 900, 'trades ACME 2024-03-01', 200)$$, '53100',
                 'disk budget of 1000 bytes reached', 'a disk budget reached: 53100 (the work queue stops the run cleanly)');

SELECT * FROM finish();
ROLLBACK;
