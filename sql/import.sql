-- IMPORT FOREIGN SCHEMA polygon, and hand-made foreign tables.
\i test/regress/setup.sql

CREATE SERVER regress_import FOREIGN DATA WRAPPER polygon_fdw OPTIONS (base_url 'https://api.massive.com');
CREATE SCHEMA regress_polygon;
IMPORT FOREIGN SCHEMA polygon FROM SERVER regress_import INTO regress_polygon;

-- every table and its endpoint
SELECT c.relname AS foreign_table, ft.ftoptions
  FROM pg_foreign_table ft JOIN pg_class c ON c.oid = ft.ftrelid
 WHERE c.relnamespace = 'regress_polygon'::regnamespace
 ORDER BY 1;

-- every column: the API's meaning in snake_case, nullable unless the API always sends it
SELECT c.relname AS foreign_table, a.attname AS column_name,
       format_type(a.atttypid, a.atttypmod) AS type, a.attnotnull AS not_null
  FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0
 WHERE c.relnamespace = 'regress_polygon'::regnamespace
 ORDER BY c.relname, a.attnum;

-- LIMIT TO and EXCEPT
CREATE SCHEMA regress_some;
IMPORT FOREIGN SCHEMA polygon LIMIT TO (bars, tickers) FROM SERVER regress_import INTO regress_some;
IMPORT FOREIGN SCHEMA polygon EXCEPT (bars, tickers) FROM SERVER regress_import INTO regress_some;
SELECT relname FROM pg_class WHERE relnamespace = 'regress_some'::regnamespace ORDER BY 1;

-- polygon_fdw has one remote schema
IMPORT FOREIGN SCHEMA stocks FROM SERVER regress_import INTO regress_some;  -- ERROR

-- a hand-made table may take a subset of the columns, in any order, with other types:
-- numbers keep their exact decimal text, times are shown in the session time zone
SELECT regress.make_server('mock');
CREATE FOREIGN TABLE mock.my_bars (
  close numeric(12, 4),
  ts timestamp,
  ticker varchar(10),
  volume numeric,
  transactions text,
  timespan varchar
) SERVER mock OPTIONS (endpoint 'bars');
SELECT * FROM mock.my_bars
 WHERE ticker = 'AAPL' AND timespan = 'day' AND ts >= '2005-04-01' AND ts < '2005-04-05';

SET client_min_messages = warning;
DROP SERVER regress_import CASCADE;
DROP SCHEMA regress_polygon, regress_some;

-- what each endpoint offers, as tape describes it (docs/polygon_fdw.md shows the same)
SELECT * FROM tape.polygon_endpoints();
SELECT endpoint, column_name, type, source, nullable, pushdown
  FROM tape.polygon_columns() ORDER BY endpoint, ordinal_position;
