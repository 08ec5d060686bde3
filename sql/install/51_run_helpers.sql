
-- helpers of a run on the work queue (src/helpers.c): background workers that the leader of a
-- run starts once a step is planned; they work through its units beside it, as a session
-- joined with join => true would, and end when none is left.  Plumbing of tape_internal,
-- which PUBLIC cannot execute.

CREATE SCHEMA IF NOT EXISTS tape_internal;

COMMENT ON SCHEMA tape_internal IS 'plumbing of tape: the helpers of a run on the work queue; not an API, not executable by PUBLIC';

CREATE FUNCTION tape_internal.run_helpers_start(run_id bigint, command text, wanted integer) RETURNS integer
AS 'MODULE_PATHNAME', 'tape_run_helpers_start'
LANGUAGE C VOLATILE STRICT PARALLEL UNSAFE;

COMMENT ON FUNCTION tape_internal.run_helpers_start(bigint, text, integer) IS 'start up to wanted helpers (background workers in this database, as this role, with this session''s settings) on a run this session leads; returns how many started (none, with a NOTICE, when no background worker slot is free)';

CREATE FUNCTION tape_internal.run_helpers_wait() RETURNS void
AS 'MODULE_PATHNAME', 'tape_run_helpers_wait'
LANGUAGE C VOLATILE PARALLEL UNSAFE;

COMMENT ON FUNCTION tape_internal.run_helpers_wait() IS 'wait until the helpers of this session have ended, saying what they said (their error becomes this session''s); their rows, requests and history gaps are kept for tape_internal.run_helpers_end()';

CREATE FUNCTION tape_internal.run_helpers_end(OUT rows bigint, OUT requests bigint) RETURNS record
AS 'MODULE_PATHNAME', 'tape_run_helpers_end'
LANGUAGE C VOLATILE PARALLEL UNSAFE;

COMMENT ON FUNCTION tape_internal.run_helpers_end() IS 'the rows the helpers of this session''s run stored and the requests they made, once they have all ended (counted since the last call)';

CREATE FUNCTION tape_internal.run_share(rows bigint, requests bigint, OUT rows bigint, OUT requests bigint)
RETURNS record
AS 'MODULE_PATHNAME', 'tape_run_share'
LANGUAGE C VOLATILE STRICT PARALLEL UNSAFE;

COMMENT ON FUNCTION tape_internal.run_share(bigint, bigint) IS 'a session''s counts of its run so far: a helper publishes them for its leader; a leader relays what its helpers said and adds their counts';

CREATE FUNCTION tape_internal.run_helper_done() RETURNS void
AS 'MODULE_PATHNAME', 'tape_run_helper_done'
LANGUAGE C VOLATILE PARALLEL UNSAFE;

COMMENT ON FUNCTION tape_internal.run_helper_done() IS 'a helper''s part of the run is over: the days its detectors could not judge go to the leader';

CREATE FUNCTION tape_internal.run_is_helper() RETURNS boolean
AS 'MODULE_PATHNAME', 'tape_run_is_helper'
LANGUAGE C STABLE PARALLEL SAFE;

COMMENT ON FUNCTION tape_internal.run_is_helper() IS 'whether this session is a helper of a run';

CREATE FUNCTION tape_internal.run_helpers_wanted(run_id bigint) RETURNS integer
LANGUAGE sql STABLE PARALLEL SAFE
AS $$
  -- a helper for each batch of the run's due units but the leader's own, at most
  -- tape.max_workers_per_run; only for units computed from the store: units fetched from the
  -- API wait for the network, and polygon_fdw already keeps several requests of a session in
  -- flight (concurrent_requests) within the server's rate limit
  WITH due AS (
    SELECT k.from_local_data, count(*)::float8 / coalesce(k.batch_size, tape.batch_size()) AS batches
      FROM tape.work_queue q JOIN tape.unit_kinds k ON k.queue = q.queue
     WHERE q.run_id = run_helpers_wanted.run_id AND q.status <> 'done'
     GROUP BY k.queue, k.from_local_data, k.batch_size)
  SELECT CASE WHEN NOT bool_and(d.from_local_data) THEN 0
              ELSE greatest(0, least(pg_catalog.current_setting('tape.max_workers_per_run')::integer,
                                     coalesce(ceil(sum(d.batches))::integer, 0) - 1))
         END
    FROM due d
$$;

COMMENT ON FUNCTION tape_internal.run_helpers_wanted(bigint) IS 'how many helpers a run''s step may use: one per batch of its due units beyond the leader''s first, at most tape.max_workers_per_run, none for units fetched from the API';

CREATE PROCEDURE tape_internal.run_helper(run_id bigint, command text)
LANGUAGE plpgsql
AS $$
DECLARE
  loaded bigint := 0;
  requests_before bigint := (SELECT s.requests FROM tape.polygon_session_stats() s);
BEGIN
  -- what a helper runs: the worker loop of the run, as a joined session does
  CALL tape.work_queue_run(run_id, command, requests_before, loaded);
  PERFORM tape_internal.run_helper_done();
END
$$;

COMMENT ON PROCEDURE tape_internal.run_helper(bigint, text) IS 'the work of a helper: the units of a run until none is left';

-- the helpers start background workers that act as the caller: only tape's own procedures (and
-- the roles their owner grants) may start them
REVOKE ALL ON FUNCTION tape_internal.run_helpers_start(bigint, text, integer), tape_internal.run_helpers_wait(),
                       tape_internal.run_helpers_end(), tape_internal.run_share(bigint, bigint),
                       tape_internal.run_helper_done(), tape_internal.run_is_helper(),
                       tape_internal.run_helpers_wanted(bigint) FROM PUBLIC;
REVOKE ALL ON PROCEDURE tape_internal.run_helper(bigint, text) FROM PUBLIC;
