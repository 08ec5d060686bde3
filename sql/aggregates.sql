-- The aggregates' state types, tape.pv_state and tape.ohlcv_state: their text
-- and binary forms give back the same bits (Citus ships a worker's partial
-- state to the coordinator as text), a split into partial states combined
-- later gives the plain-SQL results, and PostgreSQL's parallel query splits
-- the aggregates grouped by day into partial aggregates.
\i test/regress/setup.sql

-- trades of four tickers on three New York days, no two at the same time on a day (so
-- the open and the close are never a tie), prices with four decimals, sizes 1-500, a few NULLs
CREATE TABLE regress.agg_trades AS
SELECT 'T' || (i / 3 % 4) AS ticker,
       ('2025-11-24'::date + i % 3 + time '04:00') AT TIME ZONE 'America/New_York' + (i / 3) * interval '5.000123 seconds' AS ts,
       CASE WHEN i % 1001 = 0 THEN NULL ELSE round((2 + (i * 7919 % 10007) / 3333.0)::numeric, 4)::float8 END AS price,
       CASE WHEN i % 1777 = 0 THEN NULL ELSE (1 + i * 31 % 500)::float8 END AS size
  FROM generate_series(1, 24000) AS i;
-- the planner learns how few New York days there are
CREATE STATISTICS regress.agg_trades_days ON ((ts AT TIME ZONE 'America/New_York')::date) FROM regress.agg_trades;
ANALYZE regress.agg_trades;
SELECT count(*) AS trades, count(DISTINCT ticker) AS tickers, count(DISTINCT ts) AS distinct_times,
       count(*) - count(price) AS null_prices, count(*) - count(size) AS null_sizes
  FROM regress.agg_trades;

-- the states themselves: the aggregates without their final functions
CREATE AGGREGATE regress.pv_state_of(double precision, double precision) (
  SFUNC = tape.pv_accum, STYPE = tape.pv_state, INITCOND = '(0,0,0,0,0)', COMBINEFUNC = tape.pv_combine, PARALLEL = SAFE);
CREATE AGGREGATE regress.ohlcv_state_of(timestamptz, double precision, double precision) (
  SFUNC = tape.ohlcv_accum, STYPE = tape.ohlcv_state,
  INITCOND = '(0,"2000-01-01 00:00:00+00","2000-01-01 00:00:00+00",0,0,0,0,0,0,0,0)',
  COMBINEFUNC = tape.ohlcv_combine, PARALLEL = SAFE);
-- and the coordinator's side: states combined
CREATE AGGREGATE regress.pv_combined(tape.pv_state) (
  SFUNC = tape.pv_combine, STYPE = tape.pv_state, INITCOND = '(0,0,0,0,0)');
CREATE AGGREGATE regress.ohlcv_combined(tape.ohlcv_state) (
  SFUNC = tape.ohlcv_combine, STYPE = tape.ohlcv_state,
  INITCOND = '(0,"2000-01-01 00:00:00+00","2000-01-01 00:00:00+00",0,0,0,0,0,0,0,0)');

-- what the text forms look like: two trades
SELECT regress.pv_state_of(p, v) AS pv_state, regress.ohlcv_state_of(t, p, v) AS ohlcv_state
  FROM (VALUES ('2025-01-02 10:00:00.25-05'::timestamptz, 10.1::float8, 100::float8),
               ('2025-01-02 10:03-05', 0.3, 0.1)) AS x(t, p, v);
SELECT '(0,0,0,0,0)'::tape.pv_state AS empty_pv_state, tape.vwap_final('(0,0,0,0,0)') AS vwap_of_empty,
       tape.ohlcv_final('(0,"2000-01-01 00:00:00+00","2000-01-01 00:00:00+00",0,0,0,0,0,0,0,0)') AS bar_of_empty;

-- partial states per ticker and day, as a worker computes them
CREATE TABLE regress.partials AS
SELECT ticker, (ts AT TIME ZONE 'America/New_York')::date AS day,
       regress.pv_state_of(price, size) AS pv, regress.ohlcv_state_of(ts, price, size) AS ohlcv
  FROM regress.agg_trades GROUP BY 1, 2;

-- text round trip: the same bits back, whatever the session's float, date and zone settings
SET extra_float_digits = -15;
SET datestyle = 'SQL, DMY';
SET timezone = 'Asia/Kathmandu';
SELECT count(*) AS states,
       count(*) FILTER (WHERE tape.pv_state_send(pv::text::tape.pv_state) <> tape.pv_state_send(pv)) AS pv_text_differs,
       count(*) FILTER (WHERE tape.ohlcv_state_send(ohlcv::text::tape.ohlcv_state) <> tape.ohlcv_state_send(ohlcv)) AS ohlcv_text_differs,
       count(*) FILTER (WHERE pv::text::tape.pv_state::text <> pv::text) AS pv_text_unstable,
       count(*) FILTER (WHERE ohlcv::text::tape.ohlcv_state::text <> ohlcv::text) AS ohlcv_text_unstable
  FROM regress.partials;
-- sums whose compensation holds bits a 15-digit print would lose, and special values
SELECT s::text AS state, tape.pv_state_send(s::text::tape.pv_state) = tape.pv_state_send(s) AS same_bits
  FROM (SELECT tape.pv_accum(tape.pv_accum(tape.pv_accum('(0,0,0,0,0)', 0.1, 3), 1e16, 1), 0.7, 1e-3) AS s
        UNION ALL SELECT '(2,NaN,0,Infinity,-0)'::tape.pv_state) x;
SELECT s::text AS state, tape.ohlcv_state_send(s::text::tape.ohlcv_state) = tape.ohlcv_state_send(s) AS same_bits
  FROM (SELECT '(1,"-infinity","infinity",1,1,1,1,1,0,1,0)'::tape.ohlcv_state AS s
        UNION ALL SELECT '(1,"1999-12-31 23:59:59.999999+00","0044-03-15 12:00:00+00 BC",1,1,1,1,1,0,1,0)') x;
RESET extra_float_digits;
SET datestyle = 'ISO, YMD';
SET timezone = 'America/New_York';

-- binary round trip, through COPY in binary format
CREATE TABLE regress.partials_back (LIKE regress.partials);
DO $$
DECLARE
  f text := current_setting('data_directory') || '/tape_regress_partials.bin';
BEGIN
  EXECUTE format('COPY regress.partials TO %L (FORMAT binary)', f);
  EXECUTE format('COPY regress.partials_back FROM PROGRAM %L (FORMAT binary)', 'cat ' || f || ' && rm ' || f);
END $$;
SELECT count(*) AS states_back,
       count(*) FILTER (WHERE tape.pv_state_send(b.pv) <> tape.pv_state_send(p.pv)
                           OR tape.ohlcv_state_send(b.ohlcv) <> tape.ohlcv_state_send(p.ohlcv)) AS binary_differs
  FROM regress.partials p JOIN regress.partials_back b USING (ticker, day);

-- the split Citus makes for an aggregate grouped by day across tickers: partial states per
-- ticker (on the workers), sent as text, combined per day (on the coordinator); it gives
-- the plain-SQL results and the aggregates' own
CREATE TABLE regress.by_day_split AS
SELECT day, tape.vwap_final(regress.pv_combined(pv::text::tape.pv_state)) AS vwap,
       tape.dollar_volume_final(regress.pv_combined(pv::text::tape.pv_state)) AS dollar_volume,
       tape.ohlcv_final(regress.ohlcv_combined(ohlcv::text::tape.ohlcv_state)) AS bar
  FROM regress.partials GROUP BY day;
CREATE TABLE regress.by_day_sql AS
SELECT (ts AT TIME ZONE 'America/New_York')::date AS day,
       sum(price * size) / sum(size) FILTER (WHERE price IS NOT NULL) AS vwap,
       sum(price * size) AS dollar_volume,
       (array_agg(price ORDER BY ts) FILTER (WHERE price IS NOT NULL AND size IS NOT NULL))[1] AS open,
       max(price) FILTER (WHERE size IS NOT NULL) AS high, min(price) FILTER (WHERE size IS NOT NULL) AS low,
       (array_agg(price ORDER BY ts DESC) FILTER (WHERE price IS NOT NULL AND size IS NOT NULL))[1] AS close,
       sum(size) FILTER (WHERE price IS NOT NULL) AS volume, count(price * size) AS trades,
       min(ts) FILTER (WHERE price IS NOT NULL AND size IS NOT NULL) AS first_ts,
       max(ts) FILTER (WHERE price IS NOT NULL AND size IS NOT NULL) AS last_ts
  FROM regress.agg_trades GROUP BY 1;
CREATE TABLE regress.by_day_agg AS
SELECT (ts AT TIME ZONE 'America/New_York')::date AS day, tape.vwap(price, size) AS vwap,
       tape.dollar_volume(price, size) AS dollar_volume, tape.ohlcv(ts, price, size) AS bar
  FROM regress.agg_trades GROUP BY 1;
-- relative difference beyond rounding
CREATE FUNCTION regress.far(a float8, b float8) RETURNS boolean LANGUAGE sql IMMUTABLE
RETURN a IS DISTINCT FROM b AND (a IS NULL OR b IS NULL OR abs(a - b) > 1e-12 * greatest(abs(a), abs(b)));
SELECT s.day, (s.bar).trades, round(s.vwap::numeric, 6) AS vwap, round(s.dollar_volume::numeric, 2) AS dollar_volume,
       (s.bar).open, (s.bar).high, (s.bar).low, (s.bar).close, (s.bar).volume,
       NOT regress.far(s.vwap, q.vwap) AND NOT regress.far(s.dollar_volume, q.dollar_volume)
         AND (s.bar).open = q.open AND (s.bar).high = q.high AND (s.bar).low = q.low AND (s.bar).close = q.close
         AND (s.bar).volume = q.volume AND (s.bar).trades = q.trades
         AND (s.bar).first_ts = q.first_ts AND (s.bar).last_ts = q.last_ts
         AND NOT regress.far((s.bar).vwap, q.vwap) AS split_equals_sql,
       NOT regress.far(s.vwap, a.vwap) AND NOT regress.far(s.dollar_volume, a.dollar_volume)
         AND (s.bar).open = (a.bar).open AND (s.bar).close = (a.bar).close AND (s.bar).trades = (a.bar).trades
         AND (s.bar).volume = (a.bar).volume AS split_equals_aggregate
  FROM regress.by_day_split s JOIN regress.by_day_sql q USING (day) JOIN regress.by_day_agg a USING (day)
 ORDER BY day;

-- PostgreSQL's parallel query splits them the same way: partial aggregates in the workers,
-- the combine above the Gather, grouped by day across tickers
\i test/regress/force_parallel.sql
EXPLAIN (COSTS OFF)
SELECT (ts AT TIME ZONE 'America/New_York')::date AS day, tape.vwap(price, size), tape.dollar_volume(price, size),
       tape.ohlcv(ts, price, size)
  FROM regress.agg_trades GROUP BY 1;
CREATE TABLE regress.by_day_parallel AS
SELECT (ts AT TIME ZONE 'America/New_York')::date AS day, tape.vwap(price, size) AS vwap,
       tape.dollar_volume(price, size) AS dollar_volume, tape.ohlcv(ts, price, size) AS bar
  FROM regress.agg_trades GROUP BY 1;
RESET parallel_setup_cost;
RESET parallel_tuple_cost;
RESET min_parallel_table_scan_size;
RESET max_parallel_workers_per_gather;
RESET parallel_leader_participation;
SELECT p.day, NOT regress.far(p.vwap, a.vwap) AND NOT regress.far(p.dollar_volume, a.dollar_volume)
                AND (p.bar).open = (a.bar).open AND (p.bar).high = (a.bar).high AND (p.bar).low = (a.bar).low
                AND (p.bar).close = (a.bar).close AND (p.bar).volume = (a.bar).volume
                AND (p.bar).trades = (a.bar).trades AS parallel_equals_serial
  FROM regress.by_day_parallel p JOIN regress.by_day_agg a USING (day) ORDER BY day;

DROP TABLE regress.agg_trades, regress.partials, regress.partials_back, regress.by_day_split, regress.by_day_sql,
           regress.by_day_agg, regress.by_day_parallel;
DROP AGGREGATE regress.pv_state_of(double precision, double precision), regress.ohlcv_state_of(timestamptz, double precision, double precision),
               regress.pv_combined(tape.pv_state), regress.ohlcv_combined(tape.ohlcv_state);
DROP FUNCTION regress.far(float8, float8);
