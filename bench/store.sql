-- The local store, side by side with its floor, measured in one run (bench/run.sh sets the
-- variables):
--   1. minute bars loaded end to end by tape.refresh_bars (mock -> polygon_fdw ->
--      tape.bars_1m, committed unit by unit) against COPY of the same rows into the same
--      table (committed);
--   2. requests in flight during a refresh whose every request takes 100 ms (the mock
--      sleeps), with no rate limit: the sum of the requests' times over the refresh's.
-- It runs in a database of its own (bench/run.sh creates and drops it): it empties the store.
\i bench/common.sql
CREATE SCHEMA bench_store;
CREATE TABLE bench_store.marks (label text, rep int, phase text, at timestamptz DEFAULT clock_timestamp());
CREATE TABLE bench_store.checks (label text, rows bigint, digest text);

CREATE SERVER bench_store_fast FOREIGN DATA WRAPPER polygon_fdw
  OPTIONS (base_url :'store_url', requests_per_minute '0', cache 'false');
CREATE SERVER bench_store_slow FOREIGN DATA WRAPPER polygon_fdw
  OPTIONS (base_url :'slow_url', requests_per_minute '0', cache 'false');
CREATE USER MAPPING FOR CURRENT_USER SERVER bench_store_fast OPTIONS (api_key :'api_key');
CREATE USER MAPPING FOR CURRENT_USER SERVER bench_store_slow OPTIONS (api_key :'api_key');
CREATE SCHEMA bench_store_fast;
CREATE SCHEMA bench_store_slow;
IMPORT FOREIGN SCHEMA polygon LIMIT TO (bars) FROM SERVER bench_store_fast INTO bench_store_fast;
IMPORT FOREIGN SCHEMA polygon LIMIT TO (bars) FROM SERVER bench_store_slow INTO bench_store_slow;

SELECT array_agg(format('B%s', lpad(i::text, 4, '0')) ORDER BY i)::text AS minute_list
  FROM generate_series(1, :tickers) AS i \gset
SELECT array_agg(format('B%s', lpad(i::text, 4, '0')) ORDER BY i)::text AS day_list
  FROM generate_series(1, :day_tickers) AS i \gset

CREATE FUNCTION bench_store.digest() RETURNS text LANGUAGE sql AS $$
  SELECT md5(string_agg(format('%s %s %s %s %s %s %s %s %s %s', ticker, extract(epoch FROM ts), open, high, low,
                               close, volume, vwap, transactions, adjusted), E'\n' ORDER BY ticker, ts))
    FROM tape.bars_1m WHERE ticker LIKE 'B____'
$$;

\o /dev/null
SET client_min_messages = warning;
SET tape.progress_interval = 0;
UPDATE tape.configuration SET value = 'bench_store_fast' WHERE name = 'foreign_schema';
-- a first load creates the partition and warms the caches of both sides
CALL tape.refresh_bars('minute', '2024-03-01', '2024-03-31', tickers => :'minute_list'::text[], force => true);

-- best of :reps, each side starting from an empty table
SELECT format($s$TRUNCATE tape.bars_1m$s$),
       format($s$INSERT INTO bench_store.marks (label, rep, phase) VALUES ('refresh', %s, 'start')$s$, r),
       format($s$CALL tape.refresh_bars('minute', '2024-03-01', '2024-03-31', tickers => %L::text[], force => true)$s$, :'minute_list'),
       format($s$INSERT INTO bench_store.marks (label, rep, phase) VALUES ('refresh', %s, 'end')$s$, r),
       format($s$INSERT INTO bench_store.checks SELECT 'refresh', count(*), bench_store.digest() FROM tape.bars_1m$s$),
       format($s$TRUNCATE tape.bars_1m$s$),
       format($s$INSERT INTO bench_store.marks (label, rep, phase) VALUES ('COPY', %s, 'start')$s$, r),
       format($s$COPY tape.bars_1m (ticker, ts, open, high, low, close, volume, vwap, transactions, adjusted) FROM %L (FORMAT csv)$s$,
              :'out' || '/store_bars.csv'),
       format($s$INSERT INTO bench_store.marks (label, rep, phase) VALUES ('COPY', %s, 'end')$s$, r),
       format($s$INSERT INTO bench_store.checks SELECT 'COPY', count(*), bench_store.digest() FROM tape.bars_1m$s$)
  FROM generate_series(1, :reps) AS r \gexec

-- requests in flight: day bars of :day_tickers tickers, a request each, 100 ms each
UPDATE tape.configuration SET value = 'bench_store_slow' WHERE name = 'foreign_schema';
INSERT INTO bench_store.marks (label, rep, phase) VALUES ('in flight', 1, 'start');
CALL tape.refresh_bars('day', '2024-01-01', '2024-12-31', tickers => :'day_list'::text[], force => true);
INSERT INTO bench_store.marks (label, rep, phase) VALUES ('in flight', 1, 'end');
\o

CREATE VIEW bench_store.times AS
SELECT s.label, s.rep, extract(epoch FROM e.at - s.at) AS seconds
  FROM bench_store.marks s JOIN bench_store.marks e ON e.label = s.label AND e.rep = s.rep AND e.phase = 'end'
 WHERE s.phase = 'start';

CREATE TABLE bench_store.requests AS
SELECT (l ->> 't')::float8 AS started, (l ->> 'ms')::float8 / 1000 AS seconds, l ->> 'path' AS path
  FROM regexp_split_to_table(pg_read_file(:'mock_log'), E'\n') AS x (line),
       LATERAL (SELECT x.line::jsonb) AS j (l)
 WHERE x.line <> '' AND l ->> 'tag' = 'store_slow';

SELECT bench_common.expect(count(DISTINCT (rows, digest)) = 1 AND min(rows) = :rows,
                           'every refresh and every COPY stored the same ' || :rows || ' bars')
  FROM bench_store.checks \gset
SELECT bench_common.expect(count(*) = :day_tickers AND count(DISTINCT path) = :day_tickers,
                           'the slow refresh made one request per ticker')
  FROM bench_store.requests \gset

\echo
\echo 'Minute bars loaded into tape.bars_1m (' :rows ' bars: ' :tickers ' tickers x 20 days x 960 minutes), best of ' :reps ':'
SELECT label AS method, round(min(seconds)::numeric, 3) AS seconds, :rows AS rows,
       round((:rows / min(seconds))::numeric) AS bars_per_s,
       round((min(seconds) / (SELECT min(seconds) FROM bench_store.times WHERE label = 'COPY'))::numeric, 2) AS x_copy_time
  FROM bench_store.times WHERE label IN ('refresh', 'COPY')
 GROUP BY label ORDER BY min(seconds);

\echo 'Requests in flight: day bars of ' :day_tickers ' tickers, every request answered after 100 ms, no rate limit:'
SELECT count(*) AS requests,
       round((SELECT seconds FROM bench_store.times WHERE label = 'in flight')::numeric, 3) AS refresh_seconds,
       round(sum(r.seconds)::numeric, 3) AS request_seconds,
       round((sum(r.seconds) / (SELECT seconds FROM bench_store.times WHERE label = 'in flight'))::numeric, 2) AS in_flight_on_average,
       round((sum(r.seconds) / (max(r.started + r.seconds) - min(r.started)))::numeric, 2) AS in_flight_while_fetching
  FROM bench_store.requests r;

SELECT round((f.s / c.s)::numeric, 2) AS refresh_over_copy,
       CASE WHEN f.s <= 2 * c.s THEN 'yes' ELSE 'no' END AS within_2x_of_copy,
       round((q.s / i.s)::numeric, 2) AS requests_in_flight,
       CASE WHEN q.s / i.s >= 3 THEN 'yes' ELSE 'no' END AS at_least_3_in_flight
  FROM (SELECT min(seconds) AS s FROM bench_store.times WHERE label = 'refresh') f,
       (SELECT min(seconds) AS s FROM bench_store.times WHERE label = 'COPY') c,
       (SELECT seconds AS s FROM bench_store.times WHERE label = 'in flight') i,
       (SELECT sum(seconds) AS s FROM bench_store.requests) q;

