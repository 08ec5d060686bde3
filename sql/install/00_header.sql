-- tape install script, assembled by the Makefile from the pieces in sql/install/

-- complain if script is sourced in psql, rather than via CREATE EXTENSION
\echo Use "CREATE EXTENSION tape" to load this file. \quit

COMMENT ON SCHEMA tape IS 'tape: Polygon.io data, analytics and event research pipeline for small-cap stocks';

-- tape.version

CREATE FUNCTION tape.version() RETURNS text
AS 'MODULE_PATHNAME', 'tape_version'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION tape.version() IS 'version of the loaded tape library';
