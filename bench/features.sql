-- Features of event windows and bars from trades, measured in one run (bench/run.sh sets the variables):
--   1. tape.window_features (every family, 25 values) over :events windows, against a plain-SQL
--      formulation of four of them (prints a minute before and after the event, the VWAP after
--      it, the time-weighted mean spread) over tape.trades_of / tape.quotes_of rows, and against
--      decoding every row of the same blocks (the floor of any formulation over rows).  Target
--      (issue 11): 10,000 windows in seconds.
--   2. tape.bars_from_trades: one-minute bars of every window against GROUP BY over the same rows
--      in a heap table, and dollar-imbalance bars.
--   3. tape.triple_barrier: the same bars labelled for few and for 20 times as many events.
-- The windows are bench/gen_ticks.py's (10 minutes of a small cap's trades and quotes each; quotes
-- packed at 5 a second as the core profile keeps them); each window serves several events, its
-- event time moved a second at a time, until there are :events of them (the later ones' -3/+7
-- minutes reach past the 10 minutes captured: both sides compute over what was captured).
-- Every comparison checks that both sides agree.
\i bench/common.sql
SET work_mem = '64MB';
DROP SCHEMA IF EXISTS bench_features CASCADE;
CREATE SCHEMA bench_features;

\set ticks_schema bench_features
\i bench/load_ticks.sql
CREATE TABLE bench_features.windows AS
SELECT t.ticker, t.start, t.start + interval '10 minutes' AS captured_end, t.trades, q.quotes
  FROM (SELECT ticker, min(ts) AS start, tape.pack_trades(t ORDER BY t.sip_timestamp, t.sequence_number) AS trades
          FROM bench_features.trades t GROUP BY ticker) t
  JOIN (SELECT ticker, tape.pack_quotes(q, 5 ORDER BY q.sip_timestamp, q.sequence_number) AS quotes
          FROM bench_features.quotes q GROUP BY ticker) q USING (ticker);
CREATE TABLE bench_features.events AS
SELECT row_number() OVER (ORDER BY w.ticker, k) AS event_id, w.ticker, w.start + interval '3 minutes' + k * interval '1 second' AS t0
  FROM bench_features.windows w,
       generate_series(0, ceil(:events / (SELECT count(*) FROM bench_features.windows)::float8)::int - 1) k
 ORDER BY w.ticker, k LIMIT :events;
VACUUM ANALYZE bench_features.windows;
VACUUM ANALYZE bench_features.events;
VACUUM ANALYZE bench_features.trades;

-- the four features in plain SQL: W = [t0 - 3 min, t0 + 7 min) (tape's default window) within
-- the window captured, which starts at least 3 minutes before t0 and ends at p_end; a trade is a
-- print unless a condition keeps it from volume, priced unless one keeps it from prices
-- (tape.default_research_config()); each NBBO state weighted by its seconds inside W
CREATE FUNCTION bench_features.sql_features(p_trades tape.tick_block, p_quotes tape.tick_block, p_t0 timestamptz,
    p_end timestamptz, OUT trades_per_minute_before float8, OUT trades_per_minute_after float8,
    OUT vwap_after float8, OUT spread_mean_bps float8)
LANGUAGE sql STABLE AS $$
  WITH w AS (SELECT least(p_t0 + interval '7 minutes', p_end) AS w_end),
  t AS (
    SELECT r.price, r.size, r.ts < p_t0 AS before,
           NOT coalesce(r.conditions && '{15,16,38}'::int[], false) AS print,
           NOT coalesce(r.conditions && '{2,5,7,10,13,15,16,20,21,22,29,32,33,52,53}'::int[], false) AS priced
      FROM tape.trades_of(p_trades) r, w
     WHERE r.ts >= p_t0 - interval '3 minutes' AND r.ts < w.w_end),
  q AS (
    SELECT 1e4 * (r.ask_price - r.bid_price) / ((r.ask_price + r.bid_price) / 2) AS spread, r.bid_price, r.ask_price,
           (least(coalesce(lead(r.sip_timestamp) OVER (ORDER BY r.sip_timestamp), (extract(epoch FROM w.w_end) * 1e9)::bigint),
                  (extract(epoch FROM w.w_end) * 1e9)::bigint)
            - greatest(r.sip_timestamp, (extract(epoch FROM p_t0 - interval '3 minutes') * 1e9)::bigint)) / 1e9 AS seconds
      FROM tape.quotes_of(p_quotes) r, w
     WHERE r.ts < w.w_end)
  SELECT (SELECT count(*) FILTER (WHERE before AND print) / 3.0 FROM t),
         (SELECT count(*) FILTER (WHERE NOT before AND print) FROM t)
           / (SELECT extract(epoch FROM w.w_end - p_t0) / 60 FROM w)::float8,
         (SELECT sum(price * size) / sum(size) FROM t WHERE NOT before AND print AND priced),
         (SELECT sum(spread * seconds) / sum(seconds) FROM q WHERE bid_price > 0 AND ask_price >= bid_price AND seconds > 0)
$$;

CREATE TABLE bench_features.results (method text, seconds float8, rows bigint);
\o /dev/null
-- warm: each statement runs once before it is timed
SELECT count(*) FROM bench_features.events e JOIN bench_features.windows w USING (ticker),
       tape.window_features(w.trades, w.quotes, e.t0, NULL, w.start, w.captured_end) f;
SELECT bench_common.time_it('bench_features.results', 'tape.window_features, all 25 features',
  $$SELECT count(f.trades) FROM bench_features.events e JOIN bench_features.windows w USING (ticker),
           tape.window_features(w.trades, w.quotes, e.t0, NULL, w.start, w.captured_end) f$$, :reps);
SELECT bench_common.time_it('bench_features.results', 'plain SQL over trades_of/quotes_of, 4 features',
  $$SELECT count(s.vwap_after) FROM bench_features.events e JOIN bench_features.windows w USING (ticker),
           bench_features.sql_features(w.trades, w.quotes, e.t0, w.captured_end) s$$, :reps);
SELECT bench_common.time_it('bench_features.results', 'decoding every row (count of trades_of + quotes_of)',
  $$SELECT sum((SELECT count(*) FROM tape.trades_of(w.trades)) + (SELECT count(*) FROM tape.quotes_of(w.quotes)))
      FROM bench_features.events e JOIN bench_features.windows w USING (ticker)$$, :reps);
\o

\echo
\echo 'Features of ' :events ' event windows (' :windows ' generated windows of 10 minutes, each under several event times; work_mem 64MB, best of ' :reps ' runs):'
SELECT r.method, round(r.seconds::numeric, 3) AS seconds, round((:events / r.seconds)::numeric) AS "windows/s",
       round((r.seconds / c.seconds)::numeric, 1) AS x_tape_time
  FROM bench_features.results r, bench_features.results c
 WHERE c.method LIKE 'tape.window_features%' ORDER BY r.seconds;
SELECT round((10000 * seconds / :events)::numeric, 2) AS "seconds for 10,000 windows at this rate",
       10000 * seconds / :events < 60 AS "in seconds, not minutes"
  FROM bench_features.results WHERE method LIKE 'tape.window_features%';
SELECT round(avg((tape.block_info(w.trades)).rows)) AS trades_a_window, round(avg((tape.block_info(w.quotes)).rows)) AS quotes_a_window
  FROM bench_features.windows w;

-- both sides agree on the four features, window by window
SELECT bench_common.expect(
  (SELECT count(*) FROM bench_features.events e JOIN bench_features.windows w USING (ticker),
          tape.window_features(w.trades, w.quotes, e.t0, NULL, w.start, w.captured_end) f, bench_features.sql_features(w.trades, w.quotes, e.t0, w.captured_end) s
    WHERE f.trades_per_minute_before IS DISTINCT FROM s.trades_per_minute_before
       OR abs(f.trades_per_minute_after - s.trades_per_minute_after) > 1e-9
       OR abs(f.vwap_after - s.vwap_after) > 1e-9 * s.vwap_after
       OR abs(f.spread_mean_bps - s.spread_mean_bps) > 1e-9 * s.spread_mean_bps
       OR f.vwap_after IS NULL OR f.spread_mean_bps IS NULL) = 0,
  'tape.window_features and the plain-SQL features agree on every window') \gset

-- 2. bars from trades
TRUNCATE bench_features.results;
\o /dev/null
SELECT count(*) FROM bench_features.windows w, tape.bars_from_trades(w.trades, 'time', 60);
SELECT bench_common.time_it('bench_features.results', 'tape.bars_from_trades(block, ''time'', 60)',
  $$SELECT count(*) FROM bench_features.windows w, tape.bars_from_trades(w.trades, 'time', 60)$$, :reps);
SELECT bench_common.time_it('bench_features.results', 'tape.bars_from_trades(trades_query, ''time'', 60) over the heap table',
  $$SELECT count(*) FROM tape.bars_from_trades('SELECT * FROM bench_features.trades', 'time', 60)$$, :reps);
SELECT bench_common.time_it('bench_features.results', 'GROUP BY minute over the heap table (OHLCV, first/last by array_agg)',
  $$SELECT count(*) FROM (
      SELECT ticker, date_trunc('minute', ts), (array_agg(price ORDER BY sip_timestamp, sequence_number))[1], max(price),
             min(price), (array_agg(price ORDER BY sip_timestamp DESC, sequence_number DESC))[1], sum(size)
        FROM bench_features.trades GROUP BY 1, 2) b$$, :reps);
SELECT bench_common.time_it('bench_features.results', 'tape.bars_from_trades(block, ''dollar_imbalance'', 20000)',
  $$SELECT count(*) FROM bench_features.windows w, tape.bars_from_trades(w.trades, 'dollar_imbalance', 20000)$$, :reps);
\o
\echo
\echo 'Bars from the same ' :trades ' trades (best of ' :reps ' runs):'
SELECT r.method, round(r.seconds::numeric, 3) AS seconds, r.rows AS bars,
       round((:trades / r.seconds / 1e6)::numeric, 2) AS "M trades/s",
       round((r.seconds / b.seconds)::numeric, 2) AS x_block_time
  FROM bench_features.results r, bench_features.results b
 WHERE b.method = 'tape.bars_from_trades(block, ''time'', 60)' ORDER BY r.seconds;
-- the GROUP BY baseline builds the same one-minute bars (every trade sets prices there: compare counts)
SELECT bench_common.expect(
  (SELECT count(DISTINCT rows) FROM bench_features.results WHERE method NOT LIKE '%imbalance%') = 1,
  'the one-minute bars of blocks, of the query and of GROUP BY are as many') \gset

-- 3. triple-barrier labels: one ticker's :events x 20 minute bars, labelled for an event every
--    200 bars and for 20 times as many (every 10 bars); a bar moves only the labels on their
--    path, so both read the bars at about the same speed
CREATE TABLE bench_features.bars AS
SELECT 'BENCH'::text AS ticker, timestamptz '2025-01-02 09:30' + i * interval '1 minute' AS ts,
       10 + 0.2 * sin(i / 30.0) + 0.01 * (i % 7) + 0.02 AS high, 10 + 0.2 * sin(i / 30.0) + 0.01 * (i % 7) - 0.02 AS low,
       10 + 0.2 * sin(i / 30.0) + 0.01 * (i % 7) AS close
  FROM generate_series(0, :events * 20 - 1) i;
CREATE TABLE bench_features.label_events AS
SELECT every, 'BENCH'::text AS ticker, b.ts
  FROM (VALUES (200), (10)) e(every), bench_features.bars b
 WHERE (extract(epoch FROM b.ts - timestamptz '2025-01-02 09:30') / 60)::bigint % e.every = e.every / 2;
TRUNCATE bench_features.results;
\o /dev/null
SELECT bench_common.time_it('bench_features.results', 'an event every 200 bars',
  $$SELECT count(barrier) FROM tape.triple_barrier('SELECT * FROM bench_features.label_events WHERE every = 200',
                                                   'SELECT * FROM bench_features.bars')$$, :reps);
SELECT bench_common.time_it('bench_features.results', 'an event every 10 bars',
  $$SELECT count(barrier) FROM tape.triple_barrier('SELECT * FROM bench_features.label_events WHERE every = 10',
                                                   'SELECT * FROM bench_features.bars')$$, :reps);
\o
\echo
\echo 'Triple-barrier labels over ' :events ' x 20 minute bars of one ticker (best of ' :reps ' runs):'
SELECT r.method, r.rows AS labels, round(r.seconds::numeric, 3) AS seconds,
       round(((:events * 20) / r.seconds / 1e6)::numeric, 2) AS "M bars/s",
       round((r.seconds / s.seconds)::numeric, 2) AS x_sparse_time
  FROM bench_features.results r, bench_features.results s
 WHERE s.method = 'an event every 200 bars' ORDER BY r.seconds;
SELECT bench_common.expect(
  (SELECT min(rows) > 0 FROM bench_features.results), 'every event is labelled') \gset

DROP SCHEMA bench_features CASCADE;
