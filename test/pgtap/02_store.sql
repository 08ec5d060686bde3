-- pgTAP: the catalog of the local store: its tables and their keys, the partitioned bars
-- tables, what pg_dump keeps, the procedures and how their functions are marked, and the
-- SQLSTATE of their errors.
\set QUIET on
\set ON_ERROR_STOP on
\pset format unaligned
\pset tuples_only true
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS pgtap;
CREATE EXTENSION IF NOT EXISTS tape;
SET timezone = 'America/New_York';

BEGIN;
SELECT plan(59);

-- the tables and their primary keys
SELECT has_table('tape', t, 'table tape.' || t) FROM unnest(ARRAY['tickers', 'ticker_shares', 'market_daily', 'bars_1d', 'bars_1h',
  'bars_1m', 'splits', 'dividends', 'short_interest', 'short_volume', 'news', 'events_daily', 'events_intraday',
  'work_queue', 'refresh_runs', 'settings']) AS t;
SELECT col_is_pk('tape', 'tickers', ARRAY['ticker', 'delisted_on'], 'a ticker has a row per life');
SELECT col_is_pk('tape', 'ticker_shares', ARRAY['ticker', 'as_of'], 'a snapshot per ticker and date');
SELECT col_is_pk('tape', 'events_intraday', ARRAY['ticker', 'ts', 'event_type', 'direction'], 'an intraday event once');
SELECT col_is_pk('tape', 'events_daily', ARRAY['ticker', 'trading_day', 'event_type', 'direction'], 'a daily event once');
SELECT col_type_is('tape', 'bars_1m', 'volume', 'double precision', 'volumes are double precision, never bigint');
SELECT col_type_is('tape', 'bars_1m', 'ts', 'timestamp with time zone', 'bars are stamped with timestamptz');
SELECT col_not_null('tape', 'bars_1m', 'adjusted', 'a bar says whether it was split-adjusted');
SELECT is(array_agg(c.relname::text ORDER BY c.relname),
          ARRAY['bars_1d', 'bars_1h', 'bars_1m', 'market_daily'],
          'the bars tables are partitioned')
  FROM pg_partitioned_table p JOIN pg_class c ON c.oid = p.partrelid
  JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'tape';
SELECT is(array_agg(pg_get_partkeydef(c.oid) ORDER BY c.relname),
          ARRAY['RANGE (ts)', 'RANGE (ts)', 'RANGE (ts)', 'RANGE (day)'], 'by time')
  FROM pg_class c WHERE c.oid IN ('tape.bars_1d'::regclass, 'tape.bars_1h'::regclass, 'tape.bars_1m'::regclass,
                                  'tape.market_daily'::regclass);
-- a partition made ahead has its primary key
SELECT cmp_ok(tape.create_partitions('2031-01-01', '2031-01-31'), '>=', 0, 'partitions are made ahead');
SELECT col_is_pk('tape', 'bars_1m_2031_01', ARRAY['ticker', 'ts', 'adjusted'], 'a month of minute bars is keyed by (ticker, ts, adjusted): raw and split-adjusted bars side by side');
SELECT col_is_pk('tape', 'market_daily_2031', ARRAY['day', 'ticker'], 'a year of market days by (day, ticker)');

-- what pg_dump keeps: every table the refreshes fill, the queue, the settings, the sequences
SELECT set_eq(
  $$SELECT c::regclass::text FROM pg_extension e, unnest(e.extconfig) AS c WHERE e.extname = 'tape'$$,
  ARRAY['tape.market_holidays', 'tape.settings', 'tape.tickers', 'tape.ticker_shares', 'tape.splits', 'tape.dividends',
        'tape.short_interest', 'tape.short_volume', 'tape.news', 'tape.events_daily', 'tape.events_intraday',
        'tape.refresh_runs', 'tape.work_queue', 'tape.refresh_runs_run_id_seq', 'tape.work_queue_unit_id_seq',
        'tape.stored_profiles', 'tape.manifest', 'tape.manifest_windows', 'tape.manifest_builds', 'tape.tick_windows',
        'tape.capture_fetches', 'tape.capture_fetches_fetch_id_seq', 'tape.event_features', 'tape.event_labels',
        'tape.events_live', 'tape.live_trades', 'tape.live_quotes'],
  'pg_extension_config_dump registers the data of the store, the profiles, manifests, captured ticks, their fetches, features and labels, the live events, trades and quotes');

-- the procedures
SELECT has_function('tape', p, 'procedure tape.' || p) FROM unnest(ARRAY['refresh_universe', 'refresh_bars',
  'refresh_corporate_actions', 'refresh_short_data', 'refresh_news', 'detect_all', 'refresh_daily']) AS p;
SELECT is((SELECT count(*)::int FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
            WHERE n.nspname = 'tape' AND p.prokind = 'p' AND p.proname LIKE 'refresh%'), 7,
          'the refresh procedures are procedures (they commit)');
SELECT volatility_is('tape', 'universe', ARRAY['date'], 'stable');
SELECT volatility_is('tape', 'refresh_lock_holder', ARRAY['text'], 'volatile');
SELECT volatility_is('tape', 'ny_midnight', ARRAY['date'], 'immutable');
SELECT has_view('tape', v, 'view tape.' || v) FROM unnest(ARRAY['configuration', 'refresh_status', 'refresh_failures',
  'qa_coverage', 'qa_timestamps', 'qa_ohlc', 'qa_split_jumps', 'store_health']) AS v;

-- errors and their SQLSTATE
SELECT throws_ok($$UPDATE tape.configuration SET value = 'x' WHERE name = 'universe.max_close'$$, '22023', NULL,
                 'a bad setting: 22023');
SELECT throws_ok($$SELECT tape.setting('nope')$$, '42704', NULL, 'an unknown setting: 42704');
SELECT throws_ok($$CALL tape.refresh_bars('minute', '2024-03-01', '2024-03-31', tickers => ARRAY['ACME'])$$, '25001',
                 'tape.refresh_bars cannot run inside a transaction block', 'a refresh in a transaction block: 25001');
SELECT throws_ok($$SELECT * FROM tape.universe('1999-01-04')$$, 'P0002', NULL, 'a universe the store lacks: P0002');

-- the run locks: no role but the owner (and those it grants) may take them
SELECT ok(NOT bool_or(has_function_privilege('public', f, 'EXECUTE')), 'PUBLIC cannot take or release a run lock')
  FROM unnest(ARRAY['tape.try_refresh_lock(text)', 'tape.refresh_unlock(text)', 'tape.run_xact_lock(text)']) AS f;
-- how an error of a loader ends a run
SELECT is(tape.run_stop_of('53100', 'disk_budget'), 'limit', 'the disk budget stops a run cleanly');
SELECT is(tape.run_stop_of('53100', NULL), 'error', 'a full disk fails it');
SELECT is(tape.run_stop_of('58030', NULL), 'error', 'an I/O error fails it');
SELECT is(tape.run_stop_of('22003', NULL), NULL, 'an error of the unit fails only the unit');
-- the loaders the runner calls
SELECT is(tape.unit_loader('bars_1m'), 'tape.load_bars', 'the loader of minute bars, qualified');
UPDATE tape.unit_kinds SET loader = 'tape.version()' WHERE queue = 'bars_1m';
SELECT throws_ok($$SELECT tape.unit_loader('bars_1m')$$, '42501', NULL, 'a loader that is not one: 42501');

SELECT * FROM finish();
ROLLBACK;
