-- Shared by the benchmarks, included first: the session they measure in (no
-- JIT, no parallel workers, New York time, errors stop the run), and helpers.
\set ON_ERROR_STOP on
\pset footer off
SET client_min_messages = warning;
SET jit = off;
SET max_parallel_workers_per_gather = 0;
SET timezone = 'America/New_York';
CREATE EXTENSION IF NOT EXISTS tape;

-- The best time of a statement over several runs.
-- bench_common.time_it(results, method, sql, reps, before) runs "before" (if
-- any) and then sql, reps times, and inserts (method, best seconds, rows) into
-- the table results.  A COPY reports the rows it loaded, a query its one value.
-- bench_common.expect(ok, what) stops the run when a benchmark's sides do not
-- agree: a benchmark of wrong answers is no benchmark (timings are never checked).
CREATE SCHEMA IF NOT EXISTS bench_common;
CREATE OR REPLACE FUNCTION bench_common.expect(p_ok boolean, p_what text) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
  IF p_ok IS NOT TRUE THEN
    RAISE EXCEPTION 'benchmark check failed: %', p_what;
  END IF;
END $$;
CREATE OR REPLACE FUNCTION bench_common.time_it(p_results regclass, p_method text, p_sql text, p_reps int,
                                                p_before text DEFAULT NULL)
RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  t0 timestamptz;
  best float8 := 'infinity';
  n bigint;
BEGIN
  FOR i IN 1 .. p_reps LOOP
    IF p_before IS NOT NULL THEN
      EXECUTE p_before;
    END IF;
    t0 := clock_timestamp();
    IF p_sql ~* '^\s*COPY' THEN
      EXECUTE p_sql;
      GET DIAGNOSTICS n = ROW_COUNT;
    ELSE
      EXECUTE p_sql INTO n;
    END IF;
    best := least(best, extract(epoch FROM clock_timestamp() - t0));
  END LOOP;
  EXECUTE format('INSERT INTO %s VALUES ($1, $2, $3)', p_results) USING p_method, best, n;
END $$;
