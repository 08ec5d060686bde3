-- Loads the bars and plants of test/gen/smallcaps.py into a schema, for the detector tests and
-- benchmarks.  Set gen_schema (the schema to create) and gen_args (the generator's options)
-- first; run from the top of the tree as a superuser (the server runs the generator).
--   :gen_schema.quiet    the bars with nothing planted (ticker, ts, open, high, low, close,
--                        volume, vwap, transactions), indexed on (ticker, ts)
--   :gen_schema.planted  the same bars with the planted events
--   :gen_schema.plants   what was planted (see the generator's docstring)
\set gen_bars 'python3 ' `pwd` '/test/gen/smallcaps.py bars ' :gen_args
\set gen_plants 'python3 ' `pwd` '/test/gen/smallcaps.py plants ' :gen_args
DROP SCHEMA IF EXISTS :gen_schema CASCADE;
CREATE SCHEMA :gen_schema;
CREATE TEMP TABLE smallcaps_raw (variant "char", ticker text, ts timestamptz, open float8, high float8,
                                 low float8, close float8, volume float8, vwap float8, transactions float8);
COPY smallcaps_raw FROM PROGRAM :'gen_bars' WITH (FORMAT csv);
CREATE TABLE :gen_schema.quiet AS
SELECT ticker, ts, open, high, low, close, volume, vwap, transactions
  FROM smallcaps_raw WHERE variant IN ('b', 'q') ORDER BY ticker, ts;
CREATE TABLE :gen_schema.planted AS
SELECT ticker, ts, open, high, low, close, volume, vwap, transactions
  FROM smallcaps_raw WHERE variant IN ('b', 'p') ORDER BY ticker, ts;
CREATE INDEX ON :gen_schema.quiet (ticker, ts);
CREATE INDEX ON :gen_schema.planted (ticker, ts);
DROP TABLE smallcaps_raw;
CREATE TABLE :gen_schema.plants (ticker text, trading_day date, kind text, event_type text, direction text,
                                 session text, ts timestamptz, match_from timestamptz, match_to timestamptz);
COPY :gen_schema.plants FROM PROGRAM :'gen_plants' WITH (FORMAT csv);
ANALYZE :gen_schema.quiet, :gen_schema.planted, :gen_schema.plants;
