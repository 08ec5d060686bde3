-- Decode rate of polygon_fdw side by side with the plain-SQL alternatives,
-- measured in one run on the same data (bench/run.sh sets the variables).
-- Every method converts every field of every bar (the filter reads them all).
--   polygon_fdw         : the pages served over HTTP by the mock, decoded by the FDW
--   json_to_recordset   : the same page bodies, stored as text in a table
--   jsonb_to_recordset  : the same, through jsonb
--   COPY                : the same rows as CSV, loaded into an unlogged table (the floor)
\i bench/common.sql
DROP SCHEMA IF EXISTS bench CASCADE;
DROP SERVER IF EXISTS bench_polygon CASCADE;
CREATE SCHEMA bench;

CREATE SERVER bench_polygon FOREIGN DATA WRAPPER polygon_fdw
  OPTIONS (base_url :'bench_url', requests_per_minute '0', cache 'false');
CREATE USER MAPPING FOR CURRENT_USER SERVER bench_polygon OPTIONS (api_key :'api_key');
IMPORT FOREIGN SCHEMA polygon LIMIT TO (bars) FROM SERVER bench_polygon INTO bench;

-- the same bodies in a table, and the same rows as CSV
CREATE UNLOGGED TABLE bench.pages (n int, body text);
INSERT INTO bench.pages
SELECT n, pg_read_file(format('%s/pages/page_%s.json', :'out', lpad(n::text, 4, '0')))
  FROM generate_series(0, :pages - 1) AS n;
CREATE UNLOGGED TABLE bench.bars_copy (ticker text, t bigint, open float8, high float8, low float8,
                                       close float8, volume float8, vwap float8, transactions bigint);

CREATE TABLE bench.results (method text, seconds float8, rows bigint);
\o /dev/null
SELECT bench_common.time_it('bench.results', 'COPY (CSV into an unlogged table, the floor)',
  format('COPY bench.bars_copy FROM %L (FORMAT csv)', :'out' || '/bars.csv'), :reps,
  'TRUNCATE bench.bars_copy');
SELECT bench_common.time_it('bench.results', 'polygon_fdw (HTTP + JSON decode)',
  $$SELECT count(*) FROM bench.bars
     WHERE ticker = 'BENCH' AND ts >= '2020-01-01' AND ts < '2026-01-01'
       AND (open + high + low + close + volume + vwap + transactions) IS NOT NULL$$,
  :reps);
SELECT bench_common.time_it('bench.results', 'json_to_recordset (bodies in a table)',
  $$SELECT count(*) FROM bench.pages, json_to_recordset(body::json -> 'results')
                              AS r(v float8, vw float8, o float8, c float8, h float8, l float8, t bigint, n bigint)
     WHERE to_timestamp(r.t / 1000.0) >= '2020-01-01' AND to_timestamp(r.t / 1000.0) < '2026-01-01'
       AND (r.o + r.h + r.l + r.c + r.v + r.vw + r.n) IS NOT NULL$$,
  :reps);
SELECT bench_common.time_it('bench.results', 'jsonb_to_recordset (bodies in a table)',
  $$SELECT count(*) FROM bench.pages, jsonb_to_recordset(body::jsonb -> 'results')
                              AS r(v float8, vw float8, o float8, c float8, h float8, l float8, t bigint, n bigint)
     WHERE to_timestamp(r.t / 1000.0) >= '2020-01-01' AND to_timestamp(r.t / 1000.0) < '2026-01-01'
       AND (r.o + r.h + r.l + r.c + r.v + r.vw + r.n) IS NOT NULL$$,
  :reps);

\o
\echo
\echo 'Decoding ' :rows ' minute bars (' :pages ' pages of 50,000; ' :json_mb ' MB of JSON), best of ' :reps ' runs:'
SELECT method,
       round(seconds::numeric, 3) AS seconds,
       rows,
       round((rows / seconds)::numeric) AS rows_per_s,
       round((:json_bytes / 1e6 / seconds)::numeric, 1) AS json_mb_per_s,
       round((seconds / (SELECT seconds FROM bench.results WHERE method LIKE 'COPY%'))::numeric, 2) AS x_copy_time
  FROM bench.results ORDER BY seconds;

SELECT round((f.seconds / c.seconds)::numeric, 2) AS fdw_over_copy,
       CASE WHEN f.seconds <= 3 * c.seconds THEN 'yes' ELSE 'no' END AS within_3x_of_copy,
       round((j.seconds / f.seconds)::numeric, 2) AS jsonb_over_fdw,
       CASE WHEN f.seconds < j.seconds THEN 'yes' ELSE 'no' END AS faster_than_jsonb,
       f.rows = c.rows AND f.rows = j.rows AS same_rows
  FROM bench.results f, bench.results c, bench.results j
 WHERE f.method LIKE 'polygon_fdw%' AND c.method LIKE 'COPY%' AND j.method LIKE 'jsonb%';

SELECT bench_common.expect(f.rows = c.rows AND f.rows = j.rows, 'polygon_fdw, jsonb and COPY return the same rows')
  FROM bench.results f, bench.results c, bench.results j
 WHERE f.method LIKE 'polygon_fdw%' AND c.method LIKE 'COPY%' AND j.method LIKE 'jsonb%' \gset

DROP SCHEMA bench CASCADE;
DROP SERVER bench_polygon CASCADE;
