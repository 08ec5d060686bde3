-- pgTAP: the catalog of the last steps of the pipeline: tick QA (its settings, views and the
-- record of each capture fetch), the tables of features and labels per event and their keys,
-- their columns against the types of tape.window_features and tape.triple_barrier, the
-- procedures on the work queue, how their functions are marked, and the SQLSTATE of their errors.
\set QUIET on
\set ON_ERROR_STOP on
\pset format unaligned
\pset tuples_only true
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS pgtap;
CREATE EXTENSION IF NOT EXISTS tape;
SET timezone = 'America/New_York';

BEGIN;
SELECT plan(28);

-- tables and views
SELECT has_table('tape', t, 'table tape.' || t) FROM unnest(ARRAY['capture_fetches', 'event_features', 'event_labels']) AS t;
SELECT has_view('tape', v, 'view tape.' || v) FROM unnest(ARRAY['capture_qa', 'capture_qa_summary']) AS v;
SELECT col_is_pk('tape', t, ARRAY['profile', 'source', 'ticker', 'ts', 'event_type', 'direction'],
                 'a row of tape.' || t || ' per manifest event, keyed as tape.manifest')
  FROM unnest(ARRAY['event_features', 'event_labels']) AS t;
SELECT is((SELECT array_agg(a.attname::text ORDER BY a.attnum) FROM pg_attribute a
            WHERE a.attrelid = 'tape.event_features'::regclass AND a.attnum > 0 AND NOT a.attisdropped
              AND a.attnum BETWEEN 12 AND 38),
          (SELECT array_agg(c.name ORDER BY c.ordinal) FROM tape.window_feature_columns() c),
          'tape.event_features holds every feature of tape.window_features, in its order');
SELECT is((SELECT array_agg(a.attname::text ORDER BY a.attnum) FROM pg_attribute a
            WHERE a.attrelid = 'tape.event_labels'::regclass AND a.attnum > 0 AND NOT a.attisdropped
              AND a.attname NOT IN ('profile', 'source', 'ticker', 'ts', 'event_type', 'direction', 'trading_day',
                                    'label_ts', 'computed_at')),
          (SELECT array_agg(a.attname::text ORDER BY a.attnum) FROM pg_attribute a
            WHERE a.attrelid = 'tape.barrier_label'::regclass AND a.attnum > 0
              AND a.attname NOT IN ('ticker', 'ts', 'event_id')),
          'tape.event_labels holds every column of tape.barrier_label but the event''s own');
SELECT col_type_is('tape', 'tick_windows', 'fetch_id', 'bigint', 'each block names the fetch that stored it');
SELECT is((SELECT array_agg(name ORDER BY name) FROM tape.configuration WHERE name LIKE 'qa.%'),
          ARRAY['qa.max_crossed_quotes_pct', 'qa.max_duplicates', 'qa.max_locked_quotes_pct', 'qa.max_out_of_order',
                'qa.max_outside_nbbo_pct', 'qa.max_rth_gap_seconds', 'qa.nbbo_tolerance_bps'],
          'the thresholds of the QA are settings');
SELECT is((SELECT array_agg(a.attname::text ORDER BY a.attnum) FROM pg_attribute a
            WHERE a.attrelid = 'tape.window_qa_values'::regclass AND a.attnum > 0),
          (SELECT array_agg(c.name ORDER BY c.ordinal) FROM tape.window_qa_columns() c),
          'every check of tape.window_qa is defined by tape.window_qa_columns()');

-- the steps: procedures on the work queue, functions marked honestly
SELECT has_function('tape', p, 'procedure tape.' || p) FROM unnest(ARRAY['compute_event_features', 'compute_event_labels']) AS p;
SELECT is((SELECT array_agg(refresh || ': ' || queue ORDER BY queue) FROM tape.unit_kinds WHERE queue LIKE 'event_%'),
          ARRAY['features: event_features', 'labels: event_labels'], 'both steps work through the queue of the refreshes');
SELECT volatility_is('tape', 'window_qa_internal', ARRAY['tape.tick_block', 'tape.tick_block', 'timestamp with time zone',
                     'timestamp with time zone', 'double precision', 'jsonb'], 'stable');
SELECT is((SELECT proparallel::text FROM pg_proc WHERE oid = 'tape.window_qa_internal'::regproc), 's',
          'the checks of a window are parallel safe');
SELECT volatility_is('tape', 'load_event_features', ARRAY['tape.work_queue[]'], 'volatile');
SELECT volatility_is('tape', 'load_event_labels', ARRAY['tape.work_queue[]'], 'volatile');
SELECT volatility_is('tape', 'event_anchor', ARRAY['text', 'timestamp with time zone', 'date'], 'stable');
SELECT is(tape.event_anchor('daily', '2025-11-28 00:00', '2025-11-28'), '2025-11-28 09:30'::timestamptz,
          'a daily event is measured from its open');
SELECT is(tape.event_anchor('intraday', '2025-11-28 12:01', '2025-11-28'), '2025-11-28 12:01'::timestamptz,
          'an intraday event from its bar');
SELECT is(array_length(string_to_array(tape.forget_dropped_events('tape.event_features', 'core'), 'DELETE'), 1), 2,
          'a rebuilt manifest''s dropped events are deleted by one statement');

-- errors and their SQLSTATE
SELECT throws_ok($$SELECT * FROM tape.suspect_windows('nope')$$, '42704', NULL, 'an unknown profile: 42704');
SELECT throws_ok($$SELECT * FROM tape.suspect_windows('core')$$, '55000', NULL, 'a profile without a manifest: 55000');
SELECT throws_ok($$SELECT tape.window_qa(NULL, NULL, now(), now(), -1)$$, '22023', NULL, 'a negative tolerance: 22023');
SELECT throws_ok($$UPDATE tape.configuration SET value = '200' WHERE name = 'qa.max_locked_quotes_pct'$$, '22023', NULL,
                 'a share over 100 %: 22023');
SELECT throws_ok($$CALL tape.compute_event_features('core')$$, '55000', NULL,
                 'the features of a profile without a manifest: 55000');

SELECT * FROM finish();
ROLLBACK;
