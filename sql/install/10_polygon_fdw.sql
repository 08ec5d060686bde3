
-- polygon_fdw: the foreign data wrapper

CREATE FUNCTION tape.polygon_fdw_handler() RETURNS fdw_handler
AS 'MODULE_PATHNAME', 'polygon_fdw_handler'
LANGUAGE C STRICT;

COMMENT ON FUNCTION tape.polygon_fdw_handler() IS 'handler of the polygon_fdw foreign data wrapper';

CREATE FUNCTION tape.polygon_fdw_validator(text[], oid) RETURNS void
AS 'MODULE_PATHNAME', 'polygon_fdw_validator'
LANGUAGE C STRICT;

COMMENT ON FUNCTION tape.polygon_fdw_validator(text[], oid) IS 'option validator of the polygon_fdw foreign data wrapper';

CREATE FOREIGN DATA WRAPPER polygon_fdw
  HANDLER tape.polygon_fdw_handler
  VALIDATOR tape.polygon_fdw_validator;

COMMENT ON FOREIGN DATA WRAPPER polygon_fdw IS 'Polygon.io (Massive) REST API: bars, tickers and reference data as foreign tables';

-- polygon_fdw: what each endpoint offers

CREATE FUNCTION tape.polygon_endpoints(
    OUT endpoint text, OUT description text, OUT request text, OUT sorted_by text,
    OUT not_found_is_empty boolean)
RETURNS SETOF record
AS 'MODULE_PATHNAME', 'tape_polygon_endpoints'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION tape.polygon_endpoints() IS 'the endpoints of polygon_fdw: request template, row order, and whether 404 means no rows';

CREATE FUNCTION tape.polygon_columns(
    OUT endpoint text, OUT ordinal_position integer, OUT column_name text, OUT type text,
    OUT source text, OUT nullable boolean, OUT pushdown text)
RETURNS SETOF record
AS 'MODULE_PATHNAME', 'tape_polygon_columns'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION tape.polygon_columns() IS 'every column of every polygon_fdw endpoint: type, JSON source, and the conditions that push down into the request';

CREATE FUNCTION tape.polygon_session_stats(
    OUT requests bigint, OUT pages bigint, OUT bytes bigint, OUT retries bigint,
    OUT status_429 bigint, OUT cache_hits bigint,
    OUT ratelimit_wait_ms double precision, OUT backoff_wait_ms double precision)
RETURNS record
AS 'MODULE_PATHNAME', 'tape_polygon_session_stats'
LANGUAGE C VOLATILE STRICT PARALLEL RESTRICTED;

COMMENT ON FUNCTION tape.polygon_session_stats() IS 'what the polygon_fdw scans this session has finished cost: requests, pages, bytes, retries, 429s, cache hits, waits (the EXPLAIN ANALYZE counters, summed)';
