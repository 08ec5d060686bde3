-- pgTAP: what lets tape run distributed (Citus) and in parallel plans, checked
-- without Citus: the aggregates have real state types (Citus ships a partial
-- state from a worker as text, and refuses pseudo-types such as internal),
-- combine functions and PARALLEL SAFE; the calendar table has no trigger
-- (Citus refuses to make a table with triggers a reference table).  The tick
-- packers and the detector aggregates are the exceptions: a block is one
-- ticker's window built whole, a detector sweeps one ticker's bars in time
-- order, so they are grouped by ticker and run entirely in the shards.
\set QUIET on
\set ON_ERROR_STOP on
\pset format unaligned
\pset tuples_only true
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS pgtap;
CREATE EXTENSION IF NOT EXISTS tape;

BEGIN;
SELECT plan(38);

-- the aggregates, as Citus's planner sees them: a combine function and a state whose
-- type is not a pseudo-type (pg_type.typtype <> 'p'), for plain and moving aggregation
CREATE TEMP VIEW agg AS
SELECT p.proname::text AS name, a.aggtranstype::regtype::text AS stype, st.typtype AS stype_kind,
       a.aggmtranstype, mt.typtype AS mstype_kind, a.aggcombinefn, a.agginitval, p.proparallel
  FROM pg_aggregate a
  JOIN pg_proc p ON p.oid = a.aggfnoid
  JOIN pg_type st ON st.oid = a.aggtranstype
  LEFT JOIN pg_type mt ON mt.oid = a.aggmtranstype
 WHERE p.pronamespace = 'tape'::regnamespace;

SELECT set_eq('SELECT name FROM agg', ARRAY['vwap', 'dollar_volume', 'ohlcv', 'pack_trades', 'pack_quotes',
                                             'intraday_events', 'daily_events'],
              'tape has three aggregates of bars and trades, the two tick packers and the two detectors');
SELECT set_eq('SELECT name FROM agg WHERE stype = ''internal'' OR aggcombinefn = 0 OR agginitval IS NULL',
              ARRAY['pack_trades', 'pack_quotes', 'intraday_events', 'daily_events'],
              'only the tick packers and the detectors (one ticker each, built whole) keep an internal state without a combine function');
SELECT is((SELECT stype FROM agg WHERE name = 'vwap'), 'tape.pv_state', 'tape.vwap keeps a tape.pv_state');
SELECT is((SELECT stype FROM agg WHERE name = 'dollar_volume'), 'tape.pv_state', 'tape.dollar_volume keeps a tape.pv_state');
SELECT is((SELECT stype FROM agg WHERE name = 'ohlcv'), 'tape.ohlcv_state', 'tape.ohlcv keeps a tape.ohlcv_state');
SELECT is_empty('SELECT name FROM agg WHERE (stype_kind = ''p'' OR stype = ''internal'') AND name NOT LIKE ''pack\_%''
                    AND name NOT LIKE ''%\_events''',
                'no other aggregate state is internal or another pseudo-type');
SELECT is_empty('SELECT name FROM agg WHERE aggmtranstype <> 0 AND mstype_kind = ''p''',
                'no moving-aggregate state is a pseudo-type');
SELECT is((SELECT aggmtranstype::regtype::text FROM agg WHERE name = 'vwap'), 'tape.pv_state',
          'tape.vwap has a moving-aggregate state (inverse transition for sliding windows)');
SELECT is((SELECT aggmtranstype::regtype::text FROM agg WHERE name = 'dollar_volume'), 'tape.pv_state',
          'tape.dollar_volume has a moving-aggregate state');
SELECT is((SELECT aggcombinefn::regproc::text FROM agg WHERE name = 'vwap'), 'tape.pv_combine', 'tape.vwap has a combine function');
SELECT is((SELECT aggcombinefn::regproc::text FROM agg WHERE name = 'dollar_volume'), 'tape.pv_combine', 'tape.dollar_volume has a combine function');
SELECT is((SELECT aggcombinefn::regproc::text FROM agg WHERE name = 'ohlcv'), 'tape.ohlcv_combine', 'tape.ohlcv has a combine function');
SELECT is_empty('SELECT name FROM agg WHERE proparallel <> ''s''', 'every aggregate is PARALLEL SAFE');
SELECT is_empty('SELECT name FROM agg WHERE agginitval IS NULL AND name NOT LIKE ''pack\_%'' AND name NOT LIKE ''%\_events''',
                'every other aggregate starts from an empty state (INITCOND)');
SELECT set_eq($$SELECT p.oid::regprocedure::text FROM pg_proc p
                 WHERE p.pronamespace = 'tape'::regnamespace AND p.prokind = 'a'
                   AND p.proname IN ('intraday_events', 'daily_events')$$,
              ARRAY['tape.intraday_events(anyelement)', 'tape.intraday_events(anyelement,jsonb)',
                    'tape.daily_events(anyelement)', 'tape.daily_events(anyelement,jsonb)'],
              'the detectors are aggregates with and without a configuration');
SELECT is_empty($$SELECT p.oid::regprocedure FROM pg_proc p
                   WHERE p.pronamespace = 'tape'::regnamespace AND p.proname ~ '^(intraday|daily)_events_(step|final)$'
                     AND (p.provolatile <> 's' OR p.proparallel <> 's')$$,
                'the detectors'' transition and final functions are STABLE (they read the calendar) and PARALLEL SAFE');

-- the state types: real base types with text and binary I/O, the size of their C structs
SELECT has_type('tape', 'pv_state', 'type tape.pv_state exists');
SELECT has_type('tape', 'ohlcv_state', 'type tape.ohlcv_state exists');
SELECT results_eq(
  $$SELECT concat_ws(' ', typname, typtype, typlen, typbyval, typalign, typinput::regproc, typoutput::regproc,
                    typreceive::regproc, typsend::regproc) COLLATE "default"
      FROM pg_type WHERE typnamespace = 'tape'::regnamespace AND typname IN ('pv_state', 'ohlcv_state') ORDER BY typname$$,
  ARRAY['ohlcv_state b 88 f d tape.ohlcv_state_in tape.ohlcv_state_out tape.ohlcv_state_recv tape.ohlcv_state_send',
        'pv_state b 40 f d tape.pv_state_in tape.pv_state_out tape.pv_state_recv tape.pv_state_send'],
  'the state types are fixed-length base types with input, output, receive and send functions');

-- the support functions: strict (a row with a NULL is skipped), immutable, parallel safe
SELECT volatility_is('tape', 'pv_accum', ARRAY['tape.pv_state', 'double precision', 'double precision'], 'immutable');
SELECT is_strict('tape', 'pv_accum', ARRAY['tape.pv_state', 'double precision', 'double precision']);
SELECT is_strict('tape', 'pv_accum_inv', ARRAY['tape.pv_state', 'double precision', 'double precision']);
SELECT is_strict('tape', 'pv_combine', ARRAY['tape.pv_state', 'tape.pv_state']);
SELECT is_strict('tape', 'ohlcv_accum', ARRAY['tape.ohlcv_state', 'timestamp with time zone', 'double precision', 'double precision']);
SELECT is_strict('tape', 'ohlcv_combine', ARRAY['tape.ohlcv_state', 'tape.ohlcv_state']);
SELECT function_returns('tape', 'ohlcv_final', ARRAY['tape.ohlcv_state'], 'tape.bar');
SELECT is_empty($$SELECT p.oid::regprocedure FROM pg_proc p
                   WHERE p.pronamespace = 'tape'::regnamespace
                     AND p.proname ~ '^(pv|ohlcv)_(state_in|state_out|state_recv|state_send|accum|accum_inv|combine)$|^(vwap|dollar_volume|ohlcv)_final$'
                     AND (p.proparallel <> 's' OR p.provolatile <> 'i' OR NOT p.proisstrict)$$,
                'every state and support function is IMMUTABLE STRICT PARALLEL SAFE');

-- a plain call of a transition function changes a copy, never its argument
SELECT is((SELECT tape.pv_accum(s, 10, 2)::text || ' ' || s::text
             FROM (SELECT '(1,5,0,1,0)'::tape.pv_state AS s) x),
          '(2,25,0,3,0) (1,5,0,1,0)', 'a plain call of tape.pv_accum leaves its argument as it was');

-- errors of the text form
SELECT throws_ok($$SELECT '(1,2,3)'::tape.pv_state$$, '22P02', NULL, 'a tape.pv_state of three fields is refused');
SELECT throws_ok($$SELECT '(1,2,3,4,5,6)'::tape.pv_state$$, '22P02', NULL, 'a tape.pv_state of six fields is refused');
SELECT throws_ok($$SELECT '(1,2,3,4,x)'::tape.pv_state$$, '22P02', NULL, 'a tape.pv_state field that is not a number is refused');
SELECT throws_ok($$SELECT '(-1,2,3,4,5)'::tape.pv_state$$, '22023', 'invalid tape.pv_state value', 'a negative count is refused');
SELECT throws_ok($$SELECT '(1,"2025-01-02 15:00:00+00","2025-01-02 15:00:00+00",1,1,1,1,1,0)'::tape.ohlcv_state$$, '22P02', NULL,
                 'a tape.ohlcv_state of nine fields is refused');
SELECT throws_ok($$SELECT '(1,"yesterday-ish","2025-01-02 15:00:00+00",1,1,1,1,1,0,1,0)'::tape.ohlcv_state$$, '22007', NULL,
                 'a tape.ohlcv_state time that is not a time is refused');

-- the calendar table: no trigger (Citus makes only trigger-free tables reference tables)
SELECT has_table('tape', 'market_holidays', 'table tape.market_holidays exists');
SELECT is_empty($$SELECT tgname FROM pg_trigger WHERE tgrelid = 'tape.market_holidays'::regclass$$,
                'tape.market_holidays has no trigger');
SELECT hasnt_function('tape', 'market_holidays_changed', '{}'::name[], 'no trigger function is left behind');
SELECT has_pk('tape', 'market_holidays', 'tape.market_holidays has a primary key (Citus reference tables want one for updates)');

SELECT * FROM finish();
ROLLBACK;
