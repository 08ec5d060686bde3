
-- progress of long operations, seen from any session

CREATE FUNCTION tape.operations_in_progress(
    OUT pid integer, OUT command text, OUT detail text, OUT unit text,
    OUT done bigint, OUT total_estimate bigint, OUT percent double precision,
    OUT per_second double precision, OUT started timestamptz, OUT updated timestamptz,
    OUT time_left interval, OUT status text)
RETURNS SETOF record
AS 'MODULE_PATHNAME', 'tape_progress'
LANGUAGE C VOLATILE STRICT PARALLEL RESTRICTED;

COMMENT ON FUNCTION tape.operations_in_progress() IS 'the long tape operations running in every session (needs tape in shared_preload_libraries); as in pg_stat_activity, the detail of another role''s operation needs pg_read_all_stats; see the view tape.progress';

CREATE VIEW tape.progress AS
SELECT p.pid, a.usename, a.datname, p.command, p.detail, p.unit, p.done, p.total_estimate,
       round(p.percent::numeric, 1) AS percent, round(p.per_second::numeric) AS per_second,
       p.started, date_trunc('second', clock_timestamp() - p.started) AS elapsed, p.updated, date_trunc('second', p.time_left) AS time_left,
       p.status
  FROM tape.operations_in_progress() p
  LEFT JOIN pg_catalog.pg_stat_activity a ON a.pid = p.pid;

COMMENT ON VIEW tape.progress IS 'one row per long tape operation under way in any session: what it is at, how far, how fast, how long to go (for another role''s operation, only with pg_read_all_stats, as in pg_stat_activity)';
-- like pg_stat_activity, every role may look: another role's detail is hidden by the function
GRANT SELECT ON tape.progress TO PUBLIC;

-- progress of procedures written in SQL (the refreshes, tape.detect_all)

CREATE FUNCTION tape.progress_begin(command text, unit text, total double precision DEFAULT NULL,
                                    items_label text DEFAULT NULL, found_label text DEFAULT NULL)
RETURNS void
AS 'MODULE_PATHNAME', 'tape_progress_begin'
LANGUAGE C VOLATILE PARALLEL UNSAFE;

COMMENT ON FUNCTION tape.progress_begin(text, text, double precision, text, text) IS 'start reporting a long operation of this session (NOTICEs and tape.progress): its name, what it counts, an estimate of the total, and the labels of two more counters';

CREATE FUNCTION tape.progress_update(done bigint, items bigint DEFAULT 0, found bigint DEFAULT 0,
                                     detail text DEFAULT NULL, total double precision DEFAULT NULL)
RETURNS void
AS 'MODULE_PATHNAME', 'tape_progress_update'
LANGUAGE C VOLATILE PARALLEL UNSAFE;

COMMENT ON FUNCTION tape.progress_update(bigint, bigint, bigint, text, double precision) IS 'the counts of the running operation so far (and a new total when given); sends a NOTICE every tape.progress_interval seconds';

CREATE FUNCTION tape.progress_end(closing_notice boolean DEFAULT true) RETURNS void
AS 'MODULE_PATHNAME', 'tape_progress_end'
LANGUAGE C VOLATILE PARALLEL UNSAFE;

COMMENT ON FUNCTION tape.progress_end(boolean) IS 'the running operation of this session is over: a closing NOTICE if any progress NOTICE was sent (unless closing_notice is false: the caller says its own last word), and its row leaves tape.progress (an error ends it too)';

-- a row of tape.progress says an operation of tape runs: only tape's own procedures (which run
-- as the extension's owner) and the roles the owner grants EXECUTE to may publish one
REVOKE ALL ON FUNCTION tape.progress_begin(text, text, double precision, text, text),
                       tape.progress_update(bigint, bigint, bigint, text, double precision),
                       tape.progress_end(boolean) FROM PUBLIC;
