
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
