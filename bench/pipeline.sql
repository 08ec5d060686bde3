-- The last steps of the pipeline over a manifest of :events events, measured in one run
-- (bench/run.sh sets the variables):
--   1. tick QA: tape.capture_qa over the :events windows (every check, in C), its summary and
--      the suspect windows, against plain SQL computing four of the checks over the rows of
--      tape.trades_of / tape.quotes_of.  Target (issue 11): 10,000 windows in seconds.
--   2. features per event: tape.compute_event_features filling tape.event_features, against
--      the same features computed on the fly by a query (what a view would cost at every
--      query), and reading the table.
--   3. labels: tape.compute_event_labels over generated minute bars (a day of them per ticker).
-- The windows are bench/gen_ticks.py's (10 minutes of a small cap's trades and quotes each,
-- quotes packed at 5 a second); each stored block serves several manifest windows of 10
-- minutes, a second apart, until there are :events of them, one event each.  It runs in a
-- database of its own (bench/run.sh creates and drops it): it fills the store.
\i bench/common.sql
SET work_mem = '64MB';
SET tape.progress_interval = 0;
CREATE SCHEMA bench_pipeline;
CREATE TABLE bench_pipeline.results (method text, seconds float8, rows bigint);

\set ticks_schema bench_pipeline
\i bench/load_ticks.sql

-- the store as a capture leaves it: each generated window a block of trades and one of quotes,
-- stored as covering 10 minutes more on each side (a wider capture), under the profile bench
-- (core's rules), whose manifest holds :events windows inside them, a second apart
CREATE TABLE bench_pipeline.blocks AS
SELECT t.ticker, t.start, (t.start AT TIME ZONE 'America/New_York')::date AS day, t.price, t.trades, q.quotes
  FROM (SELECT ticker, min(ts) AS start, min(price) AS price,
               tape.pack_trades(t ORDER BY t.sip_timestamp, t.sequence_number) AS trades
          FROM bench_pipeline.trades t GROUP BY ticker) t
  JOIN (SELECT ticker, tape.pack_quotes(q, 5 ORDER BY q.sip_timestamp, q.sequence_number) AS quotes
          FROM bench_pipeline.quotes q GROUP BY ticker) q USING (ticker);
INSERT INTO tape.tick_windows (ticker, trading_day, kind, quotes_per_second, win_start, win_end, block, rows, source_rows, bytes)
SELECT b.ticker, b.day, k.kind, k.qps, b.start - interval '10 minutes', b.start + interval '20 minutes', k.block,
       i.rows, i.source_rows, i.bytes
  FROM bench_pipeline.blocks b, LATERAL (VALUES ('trades', 0, b.trades), ('quotes', 5, b.quotes)) AS k (kind, qps, block),
       tape.block_info(k.block) i;
INSERT INTO tape.manifest_builds (profile, from_date, to_date, rules, candidates, events, daily_events, windows)
SELECT 'bench', min(day), max(day), to_jsonb(tape.profile('core')), :events, :events, 0, :events FROM bench_pipeline.blocks;
CREATE TABLE bench_pipeline.events AS
SELECT row_number() OVER (ORDER BY b.ticker, k)::int AS window_id, b.ticker, b.day,
       date_trunc('second', b.start) + interval '3 minutes' + k * interval '1 second' AS ts
  FROM bench_pipeline.blocks b,
       generate_series(0, ceil(:events / (SELECT count(*) FROM bench_pipeline.blocks)::float8)::int - 1) k
 ORDER BY b.ticker, k LIMIT :events;
INSERT INTO tape.manifest_windows (profile, window_id, ticker, trading_day, win_start, win_end, whole_day, event_count, events)
SELECT 'bench', e.window_id, e.ticker, e.day, e.ts - interval '3 minutes', e.ts + interval '7 minutes', false, 1,
       jsonb_build_array(jsonb_build_object('source', 'intraday', 'ts', e.ts, 'event_type', 'volume_spike', 'direction', 'up'))
  FROM bench_pipeline.events e;
INSERT INTO tape.manifest (profile, source, ticker, ts, trading_day, event_type, direction, session, bucket, score,
                           selected_by, priority, win_start, win_end, window_id)
SELECT 'bench', 'intraday', e.ticker, e.ts, e.day, 'volume_spike', 'up', tape.session_of(e.ts), tape.event_bucket(e.ts),
       50, 'score', e.window_id, e.ts - interval '3 minutes', e.ts + interval '7 minutes', e.window_id
  FROM bench_pipeline.events e;
-- a day of minute bars per ticker, 04:00 to 20:00 New York: a random walk from the window's price
SELECT tape.create_partitions(min(day), max(day)) FROM bench_pipeline.blocks \gset
SELECT setseed(0.42) \gset
INSERT INTO tape.bars_1m (ticker, ts, open, high, low, close, volume, vwap, transactions, adjusted)
SELECT w.ticker, w.ts, w.o, greatest(w.o, w.c) * (1 + 0.002 * random()), least(w.o, w.c) * (1 - 0.002 * random()), w.c,
       1000, (w.o + w.c) / 2, 10, true
  FROM (SELECT x.ticker, x.ts, x.price * exp(sum(x.r) OVER w - x.r) AS o, x.price * exp(sum(x.r) OVER w) AS c
          FROM (SELECT b.ticker, b.price, tape.ny_midnight(b.day) + interval '4 hours' + m * interval '1 minute' AS ts,
                       0.004 * (random() - 0.5) AS r
                  FROM bench_pipeline.blocks b, generate_series(0, 959) m) x
        WINDOW w AS (PARTITION BY x.ticker ORDER BY x.ts)) w;
VACUUM ANALYZE;

-- four of the checks in plain SQL over the rows: trades out of sequence order and repeated,
-- crossed and locked quotes, in each window
CREATE FUNCTION bench_pipeline.sql_checks(p_trades tape.tick_block, p_quotes tape.tick_block, p_from timestamptz,
    p_to timestamptz, OUT trades_out_of_order bigint, OUT trade_duplicates bigint, OUT crossed_quotes bigint,
    OUT locked_quotes bigint)
LANGUAGE sql STABLE AS $$
  WITH t AS (
    SELECT r.sequence_number AS seq, lag(r.sequence_number) OVER (ORDER BY r.sip_timestamp, r.sequence_number) AS prev
      FROM tape.trades_of(p_trades) r WHERE r.ts >= p_from AND r.ts < p_to),
  q AS (
    SELECT r.bid_price AS bid, r.ask_price AS ask FROM tape.quotes_of(p_quotes) r WHERE r.ts >= p_from AND r.ts < p_to)
  SELECT (SELECT count(*) FILTER (WHERE seq < prev) FROM t), (SELECT count(*) - count(DISTINCT seq) FROM t),
         (SELECT count(*) FILTER (WHERE bid > 0 AND ask > 0 AND ask < bid) FROM q),
         (SELECT count(*) FILTER (WHERE bid > 0 AND ask = bid) FROM q)
$$;

\o /dev/null
-- 1. tick QA (each statement runs once before it is timed)
SELECT count(*) FROM tape.capture_qa WHERE profile = 'bench';
SELECT bench_common.time_it('bench_pipeline.results', 'tape.capture_qa, every check of every window',
  $$SELECT count(*) FILTER (WHERE cardinality(problems) = 0) FROM tape.capture_qa WHERE profile = 'bench'$$, :reps);
SELECT bench_common.time_it('bench_pipeline.results', 'tape.capture_qa_summary of the profile',
  $$SELECT windows FROM tape.capture_qa_summary WHERE profile = 'bench'$$, :reps);
SELECT bench_common.time_it('bench_pipeline.results', 'tape.suspect_windows of the profile',
  $$SELECT count(*) FROM tape.suspect_windows('bench')$$, :reps);
SELECT bench_common.time_it('bench_pipeline.results', 'plain SQL over trades_of/quotes_of, 4 of the checks',
  $$SELECT count(s.trade_duplicates) FROM tape.captured_windows w,
           bench_pipeline.sql_checks(w.trades, w.quotes, w.win_start, w.win_end) s WHERE w.profile = 'bench'$$, :reps);
\o

\echo
\echo 'Tick QA of ' :events ' windows (generated windows of 10 minutes, blocks read a window at a time; best of ' :reps ' runs):'
SELECT r.method, round(r.seconds::numeric, 3) AS seconds, round((:events / r.seconds)::numeric) AS "windows/s",
       round((r.seconds / c.seconds)::numeric, 1) AS x_capture_qa_time
  FROM bench_pipeline.results r, bench_pipeline.results c
 WHERE c.method LIKE 'tape.capture_qa,%' ORDER BY r.seconds;
SELECT round((10000 * seconds / :events)::numeric, 2) AS "seconds for 10,000 windows at this rate",
       10000 * seconds / :events < 60 AS "in seconds, not minutes"
  FROM bench_pipeline.results WHERE method LIKE 'tape.capture_qa,%';
-- both sides agree on the four checks, window by window (the generated tape has none of those
-- faults: the regression test capture_qa checks every count on planted ones)
SELECT bench_common.expect(
  (SELECT count(*) FROM tape.capture_qa q
     JOIN tape.captured_windows w USING (profile, window_id),
          bench_pipeline.sql_checks(w.trades, w.quotes, w.win_start, w.win_end) s
    WHERE q.profile = 'bench'
      AND (q.trades_out_of_order, q.trade_duplicates, q.crossed_quotes, q.locked_quotes)
          IS DISTINCT FROM (s.trades_out_of_order, s.trade_duplicates, s.crossed_quotes, s.locked_quotes)) = 0,
  'tape.capture_qa and the plain-SQL checks agree on every window') \gset
SELECT sum(trades) AS trades, sum(quotes) AS quotes, sum(trade_duplicates) AS trade_duplicates,
       sum(locked_quotes) AS locked_quotes, sum(crossed_quotes) AS crossed_quotes
  FROM tape.capture_qa WHERE profile = 'bench';

-- 2. and 3. the steps: a first run each (warm), then a timed one that recomputes every unit
TRUNCATE bench_pipeline.results;
CALL tape.compute_event_features('bench');
CALL tape.compute_event_labels('bench');
SELECT clock_timestamp() AS started \gset
CALL tape.compute_event_features('bench', force => true);
INSERT INTO bench_pipeline.results
SELECT 'CALL tape.compute_event_features (into tape.event_features)', extract(epoch FROM clock_timestamp() - :'started'),
       (SELECT count(*) FROM tape.event_features WHERE profile = 'bench');
\o /dev/null
SELECT bench_common.time_it('bench_pipeline.results', 'the same features computed by a query (a view''s cost)',
  $$SELECT count(f.trades) FROM tape.manifest_events('bench') e,
           tape.window_features_internal(e.trades, e.quotes, e.anchor_ts, tape.event_research_config('bench', NULL),
                                         e.window_start, e.window_end) f$$, :reps);
SELECT bench_common.time_it('bench_pipeline.results', 'reading tape.event_features',
  $$SELECT count(spread_mean_bps) FROM tape.event_features WHERE profile = 'bench'$$, :reps);
\o
SELECT clock_timestamp() AS started \gset
CALL tape.compute_event_labels('bench', force => true);
INSERT INTO bench_pipeline.results
SELECT 'CALL tape.compute_event_labels (into tape.event_labels)', extract(epoch FROM clock_timestamp() - :'started'),
       (SELECT count(*) FROM tape.event_labels WHERE profile = 'bench');
\echo
\echo 'Features and labels of ' :events ' events (the timed CALLs recompute every unit: force => true):'
SELECT r.method, round(r.seconds::numeric, 3) AS seconds, round((:events / r.seconds)::numeric) AS "events/s"
  FROM bench_pipeline.results r ORDER BY r.seconds DESC;
SELECT bench_common.expect(
  (SELECT count(*) FROM tape.event_features WHERE profile = 'bench' AND trades IS NOT NULL) = :events
  AND (SELECT count(*) FROM tape.event_labels WHERE profile = 'bench') = :events,
  'a row of features and a row of labels for every event') \gset
-- (windows of the generated tape that start before 04:00 New York have no bar to enter at)
SELECT barrier, count(*) AS labels FROM tape.event_labels WHERE profile = 'bench' GROUP BY 1 ORDER BY 1;
