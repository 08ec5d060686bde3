-- Tick QA (tape.capture_qa, tape.capture_qa_summary, tape.suspect_windows): windows with planted
-- defects (crossed and locked quotes, sequence numbers repeated and out of order, a gap in
-- regular hours, an empty regular-hours window, trades outside the NBBO, a window never
-- captured) are flagged for exactly those and nothing else; every count agrees with plain SQL
-- over the same rows; the thresholds are settings; the requests a capture made, against the
-- plan and the mock's log.
\i test/regress/setup.sql
\i test/regress/error_of.sql
SET extra_float_digits = 0;
SET tape.progress_interval = 0;
\set SHOW_CONTEXT never
TRUNCATE tape.events_intraday, tape.events_daily, tape.bars_1m, tape.manifest, tape.manifest_windows,
         tape.manifest_builds, tape.stored_profiles, tape.tick_windows, tape.capture_fetches, tape.work_queue,
         tape.refresh_runs, tape.settings;
CREATE SCHEMA cqa;
-- the manifest's plan reads the server of the foreign tables; section 10 captures from it
SELECT regress.make_server('qamock', 'tag=capture_qa');
UPDATE tape.configuration SET value = 'qamock' WHERE name = 'foreign_schema';

-- hand-made tapes: seconds after t0, then the values
CREATE TYPE cqa.trade AS (sec float8, price float8, seq bigint, conditions int[]);
CREATE TYPE cqa.quote AS (sec float8, bid float8, ask float8, seq bigint);
CREATE FUNCTION cqa.trades(p_ticker text, p_t0 timestamptz, p_trades cqa.trade[]) RETURNS tape.tick_block
LANGUAGE sql AS $$
  SELECT tape.pack_trades(r ORDER BY r.sip_timestamp)
    FROM (SELECT p_ticker AS ticker, (extract(epoch FROM p_t0) * 1e9 + t.sec * 1e9)::bigint AS sip_timestamp,
                 NULL::bigint AS participant_timestamp, NULL::bigint AS trf_timestamp, t.price, 100::float8 AS size,
                 11 AS exchange, NULL::int AS trf_id, 3 AS tape, t.conditions, NULL::int AS correction,
                 t.seq::text AS id, t.seq AS sequence_number
            FROM unnest(p_trades) t) r
$$;
CREATE FUNCTION cqa.quotes(p_ticker text, p_t0 timestamptz, p_quotes cqa.quote[]) RETURNS tape.tick_block
LANGUAGE sql AS $$
  SELECT tape.pack_quotes(r ORDER BY r.sip_timestamp)
    FROM (SELECT p_ticker AS ticker, (extract(epoch FROM p_t0) * 1e9 + q.sec * 1e9)::bigint AS sip_timestamp,
                 NULL::bigint AS participant_timestamp, NULL::bigint AS trf_timestamp,
                 q.bid AS bid_price, 500::float8 AS bid_size, 12 AS bid_exchange, q.ask AS ask_price,
                 500::float8 AS ask_size, 12 AS ask_exchange, NULL::int[] AS conditions, NULL::int[] AS indicators,
                 q.seq AS sequence_number, 3 AS tape
            FROM unnest(p_quotes) q) r
$$;
-- the clean tape of a 10-minute window: a trade every 10 s from 5 s (60, at 10.00 and 10.01,
-- sequence numbers 1000, 1010, ...), a quote every 30 s from 0 s (20, 9.99 x 10.01, 500, 510, ...)
CREATE FUNCTION cqa.clean_trades() RETURNS cqa.trade[] LANGUAGE sql AS $$
  SELECT array_agg((5 + 10 * k, 10.00 + 0.01 * (k % 2), 1000 + 10 * k, NULL)::cqa.trade ORDER BY k)
    FROM generate_series(0, 59) k
$$;
CREATE FUNCTION cqa.clean_quotes() RETURNS cqa.quote[] LANGUAGE sql AS $$
  SELECT array_agg((30 * k, 9.99, 10.01, 500 + 10 * k)::cqa.quote ORDER BY k) FROM generate_series(0, 19) k
$$;
-- one quote or trade of a tape replaced (k counts from 0)
CREATE FUNCTION cqa.set_trade(p_tape cqa.trade[], p_k int, p_row cqa.trade) RETURNS cqa.trade[]
LANGUAGE sql AS $$ SELECT p_tape[:p_k] || p_row || p_tape[p_k + 2:] $$;
CREATE FUNCTION cqa.set_quote(p_tape cqa.quote[], p_k int, p_row cqa.quote) RETURNS cqa.quote[]
LANGUAGE sql AS $$ SELECT p_tape[:p_k] || p_row || p_tape[p_k + 2:] $$;

-- 1. a manifest of eleven windows, one event each, on Monday 2025-06-02 (the window is the
--    event's bar - 3 minutes to + 7 minutes)
INSERT INTO tape.events_intraday (ticker, ts, trading_day, event_type, direction, session, score, dollar_volume)
SELECT ticker, ts::timestamptz, '2025-06-02', 'volume_spike', 'up', tape.session_of(ts::timestamptz), 50, 500000
  FROM (VALUES ('QCLN', '2025-06-02 10:30'), ('QCRS', '2025-06-02 10:30'), ('QLCK', '2025-06-02 10:30'),
               ('QDUP', '2025-06-02 11:00'), ('QORD', '2025-06-02 11:00'), ('QQSQ', '2025-06-02 11:00'),
               ('QGAP', '2025-06-02 12:00'), ('QEMP', '2025-06-02 12:00'), ('QOUT', '2025-06-02 13:00'),
               ('QMIS', '2025-06-02 13:00'), ('QPMQ', '2025-06-02 08:00')) e (ticker, ts);
INSERT INTO tape.profiles (profile, max_events, window_before, window_after, quotes_per_second, extend_percentile)
VALUES ('qa', 100, '3 minutes', '7 minutes', 0, NULL);
SET client_min_messages = warning;
CALL tape.build_manifest('qa', '2025-06-02', '2025-06-02');
RESET client_min_messages;
SELECT window_id, ticker, win_start, win_end FROM tape.manifest_windows WHERE profile = 'qa' ORDER BY window_id;

-- 2. their blocks, stored as a capture stores them (QMIS has none: never captured)
CREATE TABLE cqa.tapes AS
SELECT w.ticker, w.trading_day, w.win_start, w.win_end, t.trades, q.quotes
  FROM tape.manifest_windows w
  JOIN (VALUES
    -- clean, with traps the checks must not count: a trade 3 bps above the ask (inside the
    -- 50 bps tolerance), an average-price trade (condition 2: sets no price) far above it
    ('QCLN', cqa.set_trade(cqa.set_trade(cqa.clean_trades(), 7, (75, 10.04, 1070, NULL)), 9, (95, 11.00, 1090, '{2}')),
             cqa.clean_quotes()),
    -- 3 crossed quotes of 20 (15 %, over 1 %)
    ('QCRS', cqa.clean_trades(),
             cqa.set_quote(cqa.set_quote(cqa.set_quote(cqa.clean_quotes(), 3, (90, 10.02, 10.00, 530)),
                                       6, (180, 10.02, 10.00, 560)), 9, (270, 10.02, 10.00, 590))),
    -- 3 locked quotes of 20 (15 %, over 10 %)
    ('QLCK', cqa.clean_trades(),
             cqa.set_quote(cqa.set_quote(cqa.set_quote(cqa.clean_quotes(), 3, (90, 10.00, 10.00, 530)),
                                       6, (180, 10.00, 10.00, 560)), 9, (270, 10.00, 10.00, 590))),
    -- two trades repeating the sequence number of the one before them
    ('QDUP', cqa.set_trade(cqa.set_trade(cqa.clean_trades(), 11, (115, 10.01, 1100, NULL)), 31, (315, 10.01, 1300, NULL)),
             cqa.clean_quotes()),
    -- two trades with their sequence numbers swapped: the second one goes back
    ('QORD', cqa.set_trade(cqa.set_trade(cqa.clean_trades(), 20, (205, 10.00, 1210, NULL)), 21, (215, 10.01, 1200, NULL)),
             cqa.clean_quotes()),
    -- a quote repeating the sequence number of the one before it
    ('QQSQ', cqa.clean_trades(), cqa.set_quote(cqa.clean_quotes(), 5, (150, 9.99, 10.01, 540))),
    -- no trade between the ones at 95 s and 505 s: 410 s without one (over 300 s)
    ('QGAP', ARRAY(SELECT t FROM unnest(cqa.clean_trades()) t WHERE t.sec < 100 OR t.sec > 500), cqa.clean_quotes()),
    -- no trade at all, in regular hours
    ('QEMP', ARRAY[]::cqa.trade[], cqa.clean_quotes()),
    -- 10 of 60 trades at 10.20, 190 bps above the ask (16.7 % of the trades, over 5 %)
    ('QOUT', ARRAY(SELECT (x.sec, CASE WHEN x.k % 6 = 0 THEN 10.20 ELSE x.price END, x.seq, x.conditions)::cqa.trade
                     FROM unnest(cqa.clean_trades()) WITH ORDINALITY AS x (sec, price, seq, conditions, k) ORDER BY x.k),
             cqa.clean_quotes()),
    -- no trade, before the open: a quiet pre-market is no fault
    ('QPMQ', ARRAY[]::cqa.trade[], cqa.clean_quotes())) AS p (ticker, trades, quotes) USING (ticker),
  LATERAL (SELECT cqa.trades(w.ticker, w.win_start, p.trades) AS trades) t,
  LATERAL (SELECT cqa.quotes(w.ticker, w.win_start, p.quotes) AS quotes) q
 WHERE w.profile = 'qa';
INSERT INTO tape.tick_windows (ticker, trading_day, kind, quotes_per_second, win_start, win_end, block, rows, source_rows, bytes)
SELECT t.ticker, t.trading_day, k.kind, 0, t.win_start, t.win_end, k.block, i.rows, i.source_rows, i.bytes
  FROM cqa.tapes t, LATERAL (VALUES ('trades', t.trades), ('quotes', t.quotes)) AS k (kind, block), tape.block_info(k.block) i;
-- QCLN's blocks reach 5 minutes beyond its window on each side, with faults out there that are
-- not the window's: a repeated sequence number before it, a crossed quote after it
UPDATE tape.tick_windows w
   SET win_start = w.win_start - interval '5 minutes', win_end = w.win_end + interval '5 minutes',
       block = CASE w.kind
                 WHEN 'trades' THEN cqa.trades('QCLN', w.win_start, ARRAY[(-200, 10.00, 990, NULL), (-190, 10.00, 990, NULL)]::cqa.trade[]
                                                || cqa.set_trade(cqa.set_trade(cqa.clean_trades(), 7, (75, 10.04, 1070, NULL)),
                                                                9, (95, 11.00, 1090, '{2}'))
                                                || ARRAY[(700, 10.00, 2000, NULL)]::cqa.trade[])
                 ELSE cqa.quotes('QCLN', w.win_start, cqa.clean_quotes() || ARRAY[(700, 10.05, 10.00, 900)]::cqa.quote[]) END
 WHERE w.ticker = 'QCLN';

-- 3. every check of every window
SELECT ticker, has_trades AS t, has_quotes AS q, trades, quotes, block_trades, trades_out_of_order AS t_ooo,
       trade_duplicates AS t_dup, quotes_out_of_order AS q_ooo, quote_duplicates AS q_dup, crossed_quotes AS crossed,
       locked_quotes AS locked, one_sided_quotes AS one_sided, priced_trades AS priced, trades_with_nbbo AS with_nbbo,
       trades_outside_nbbo AS outside, rth_seconds, rth_trades, longest_rth_gap_seconds AS longest_gap
  FROM tape.capture_qa WHERE profile = 'qa' ORDER BY window_id;

-- 4. the suspect windows: each planted fault, and nothing else (QCLN and QPMQ are not listed)
SELECT ticker, problems FROM tape.suspect_windows('qa') ORDER BY ticker;

-- 5. every count against plain SQL over the rows of the same blocks in the same windows:
--    sequence numbers by lag() and GROUP BY, quotes by their prices, the NBBO in force by the
--    last quote at or before each priced trade, the gaps by lag() over the trades of the
--    regular-hours part (its bounds included)
CREATE FUNCTION cqa.reference(p_profile text)
RETURNS TABLE (window_id int, trades bigint, t_ooo bigint, t_dup bigint, quotes bigint, q_ooo bigint, q_dup bigint,
               crossed bigint, locked bigint, one_sided bigint, priced bigint, with_nbbo bigint, outside bigint,
               rth_seconds float8, rth_trades bigint, longest_gap float8)
LANGUAGE sql AS $$
  WITH w AS (
    SELECT c.*, greatest(c.win_start, b.rth_open) AS rth_from, least(c.win_end, b.rth_close) AS rth_to
      FROM tape.captured_windows c, tape.session_bounds(c.trading_day) b WHERE c.profile = p_profile),
  t AS (
    SELECT w.window_id, r.ts, r.sip_timestamp, r.price, r.sequence_number AS seq,
           NOT coalesce(r.conditions && (SELECT array_agg(x::int) FROM jsonb_array_elements_text(
                          tape.default_research_config() #> '{trades,exclude_from_price}') x), false) AS priced,
           lag(r.sequence_number) OVER (PARTITION BY w.window_id ORDER BY r.sip_timestamp, r.sequence_number) AS prev_seq
      FROM w, tape.trades_of(w.trades) r WHERE r.ts >= w.win_start AND r.ts < w.win_end),
  q AS (
    SELECT w.window_id, r.sip_timestamp, r.bid_price AS bid, r.ask_price AS ask, r.sequence_number AS seq,
           r.ts >= w.win_start AS inside,
           lag(r.sequence_number) OVER (PARTITION BY w.window_id, r.ts >= w.win_start ORDER BY r.sip_timestamp) AS prev_seq
      FROM w, tape.quotes_of(w.quotes) r WHERE r.ts < w.win_end),
  nbbo AS (
    SELECT t.window_id, t.price, n.bid, n.ask
      FROM t LEFT JOIN LATERAL (SELECT q.bid, q.ask FROM q WHERE q.window_id = t.window_id AND q.sip_timestamp <= t.sip_timestamp
                                 ORDER BY q.sip_timestamp DESC LIMIT 1) n ON true
     WHERE t.priced),
  gaps AS (
    SELECT w.window_id, extract(epoch FROM x.ts - lag(x.ts) OVER (PARTITION BY w.window_id ORDER BY x.ts, x.k)) AS gap
      FROM w, LATERAL (SELECT w.rth_from AS ts, 0 AS k UNION ALL SELECT w.rth_to, 2
                       UNION ALL SELECT t.ts, 1 FROM t WHERE t.window_id = w.window_id AND t.ts >= w.rth_from AND t.ts < w.rth_to) x
     WHERE w.rth_to > w.rth_from)
  SELECT w.window_id,
         (SELECT count(*) FROM t WHERE t.window_id = w.window_id),
         (SELECT count(*) FROM t WHERE t.window_id = w.window_id AND t.seq < t.prev_seq),
         (SELECT count(*) - count(DISTINCT t.seq) FROM t WHERE t.window_id = w.window_id),
         (SELECT count(*) FROM q WHERE q.window_id = w.window_id AND q.inside),
         (SELECT count(*) FROM q WHERE q.window_id = w.window_id AND q.inside AND q.seq < q.prev_seq),
         (SELECT count(*) - count(DISTINCT q.seq) FROM q WHERE q.window_id = w.window_id AND q.inside),
         (SELECT count(*) FROM q WHERE q.window_id = w.window_id AND q.inside AND q.bid > 0 AND q.ask > 0 AND q.ask < q.bid),
         (SELECT count(*) FROM q WHERE q.window_id = w.window_id AND q.inside AND q.bid > 0 AND q.ask = q.bid),
         (SELECT count(*) FROM q WHERE q.window_id = w.window_id AND q.inside AND NOT (q.bid > 0 AND q.ask > 0)),
         (SELECT count(*) FROM nbbo n WHERE n.window_id = w.window_id),
         (SELECT count(*) FROM nbbo n WHERE n.window_id = w.window_id AND n.bid > 0 AND n.ask >= n.bid),
         (SELECT count(*) FROM nbbo n WHERE n.window_id = w.window_id AND n.bid > 0 AND n.ask >= n.bid
             AND (n.price < n.bid - 0.005 * (n.bid + n.ask) / 2 OR n.price > n.ask + 0.005 * (n.bid + n.ask) / 2)),
         greatest(extract(epoch FROM w.rth_to - w.rth_from), 0)::float8,
         (SELECT count(*) FROM t WHERE t.window_id = w.window_id AND t.ts >= w.rth_from AND t.ts < w.rth_to),
         (SELECT max(g.gap) FROM gaps g WHERE g.window_id = w.window_id)::float8
    FROM w WHERE w.trades IS NOT NULL AND w.quotes IS NOT NULL
$$;
-- the windows of a profile compared, and those whose counts differ
CREATE FUNCTION cqa.compared(p_profile text, OUT windows_compared bigint, OUT differences bigint) LANGUAGE sql AS $$
  SELECT count(*),
         count(*) FILTER (WHERE (c.trades, c.trades_out_of_order, c.trade_duplicates, c.quotes, c.quotes_out_of_order,
                                 c.quote_duplicates, c.crossed_quotes, c.locked_quotes, c.one_sided_quotes, c.priced_trades,
                                 c.trades_with_nbbo, c.trades_outside_nbbo, c.rth_seconds, c.rth_trades)
                                IS DISTINCT FROM (r.trades, r.t_ooo, r.t_dup, r.quotes, r.q_ooo, r.q_dup, r.crossed, r.locked,
                                                  r.one_sided, r.priced, r.with_nbbo, r.outside, r.rth_seconds, r.rth_trades)
                             OR abs(c.longest_rth_gap_seconds - r.longest_gap) > 1e-5)
    FROM tape.capture_qa c JOIN cqa.reference(p_profile) r USING (window_id) WHERE c.profile = p_profile
$$;
SELECT * FROM cqa.compared('qa');

-- 6. the thresholds are settings, applied at once: crossed quotes allowed up to 20 %, and no
--    tolerance beyond the NBBO (QCLN's trade 3 bps above the ask now counts: 1 of 59, under 5 %)
UPDATE tape.configuration SET value = '20' WHERE name = 'qa.max_crossed_quotes_pct';
UPDATE tape.configuration SET value = '0' WHERE name = 'qa.nbbo_tolerance_bps';
SELECT ticker, trades_outside_nbbo, outside_nbbo_pct, problems FROM tape.capture_qa
 WHERE profile = 'qa' AND ticker IN ('QCLN', 'QCRS', 'QOUT') ORDER BY ticker;
UPDATE tape.configuration SET value = NULL WHERE name IN ('qa.max_crossed_quotes_pct', 'qa.nbbo_tolerance_bps');
UPDATE tape.configuration SET value = '101' WHERE name = 'qa.max_outside_nbbo_pct';  -- ERROR
UPDATE tape.configuration SET value = '-1' WHERE name = 'qa.nbbo_tolerance_bps';  -- ERROR
SELECT name, value, type FROM tape.configuration WHERE name LIKE 'qa.%' ORDER BY name;

-- 6b. quotes captured but of no use to the trades: QOUT's quotes block empty, QGAP's quotes all
--     one-sided (0 x 10.01), QLCK's one crossed quote after its last trade; no priced trade has
--     a valid NBBO in force, which the other checks pass over (no quote to count, no trade
--     outside the NBBO: none is compared)
BEGIN;
UPDATE tape.tick_windows w SET block = cqa.quotes(w.ticker, w.win_start, q.quotes)
  FROM (VALUES ('QOUT', ARRAY[]::cqa.quote[]),
               ('QGAP', ARRAY(SELECT (x.sec, 0, x.ask, x.seq)::cqa.quote FROM unnest(cqa.clean_quotes()) x)),
               ('QLCK', ARRAY(SELECT (x.sec + 599, 10.02, 10.00, x.seq)::cqa.quote
                                FROM unnest(cqa.clean_quotes()) x WHERE x.sec = 0))) AS q (ticker, quotes)
 WHERE w.ticker = q.ticker AND w.kind = 'quotes';
SELECT ticker, quotes, one_sided_quotes, crossed_quotes, priced_trades, trades_with_nbbo, problems FROM tape.capture_qa
 WHERE profile = 'qa' AND ticker IN ('QOUT', 'QGAP', 'QLCK') ORDER BY ticker;
ROLLBACK;

-- 7. the profile at a glance (no fetch: these blocks were stored by hand)
\x on
SELECT * FROM tape.capture_qa_summary WHERE profile = 'qa';
\x off

-- 7b. a block several windows of a profile read counts once in its bytes: profile qawide's
--     windows (1 minute before, 2 after) read the blocks above, and two windows of QSHR, 30
--     minutes apart, read one block of an hour
INSERT INTO tape.events_intraday (ticker, ts, trading_day, event_type, direction, session, score, dollar_volume)
VALUES ('QSHR', '2025-06-02 10:15', '2025-06-02', 'volume_spike', 'up', 'RTH', 50, 500000),
       ('QSHR', '2025-06-02 10:45', '2025-06-02', 'volume_spike', 'up', 'RTH', 50, 500000);
INSERT INTO tape.tick_windows (ticker, trading_day, kind, quotes_per_second, win_start, win_end, block, rows, source_rows, bytes)
SELECT 'QSHR', '2025-06-02', k.kind, 0, '2025-06-02 10:00', '2025-06-02 11:00', k.block, i.rows, i.source_rows, i.bytes
  FROM (VALUES ('trades', cqa.trades('QSHR', '2025-06-02 10:00', cqa.clean_trades())),
               ('quotes', cqa.quotes('QSHR', '2025-06-02 10:00', cqa.clean_quotes()))) AS k (kind, block),
       tape.block_info(k.block) i;
INSERT INTO tape.profiles (profile, max_events, window_before, window_after, quotes_per_second, extend_percentile,
                           cooldown, merge_gap)
VALUES ('qawide', 100, '1 minute', '2 minutes', 0, NULL, '1 minute', '1 minute');
SET client_min_messages = warning;
CALL tape.build_manifest('qawide', '2025-06-02', '2025-06-02');
RESET client_min_messages;
SELECT count(*) AS windows, count(*) FILTER (WHERE ticker = 'QSHR') AS qshr_windows,
       count(DISTINCT trades_block_span) FILTER (WHERE ticker = 'QSHR') AS qshr_blocks
  FROM tape.captured_windows WHERE profile = 'qawide';
SELECT s.bytes = (SELECT sum(i.bytes) FROM tape.tick_windows w, tape.block_info(w.block) i
                   WHERE w.trading_day = '2025-06-02') AS every_block_once,
       s.bytes < (SELECT sum(q.bytes) FROM tape.capture_qa q WHERE q.profile = 'qawide') AS less_than_per_window
  FROM tape.capture_qa_summary s WHERE s.profile = 'qawide';

-- 8. timestamps cannot go back inside a block: the packer refuses rows out of sip_timestamp
--    order (and the decoder refuses a block whose times go back: test tick_blocks), so what
--    the QA can see going back is the SIP's sequence numbers (QORD above)
SELECT regress.error_of($$SELECT tape.pack_trades(r ORDER BY r.k)
                       FROM (SELECT 'X' AS ticker, s AS sip_timestamp, NULL::bigint AS participant_timestamp,
                                    NULL::bigint AS trf_timestamp, 1.0::float8 AS price, 1.0::float8 AS size, 1 AS exchange,
                                    NULL::int AS trf_id, 3 AS tape, NULL::int[] AS conditions, NULL::int AS correction,
                                    k::text AS id, k::bigint AS sequence_number, k
                               FROM unnest(ARRAY[2000000000, 1000000000]::bigint[]) WITH ORDINALITY AS x (s, k)) r$$);

-- 9. tape.window_qa on its own: a range, either block NULL, the tolerance given; its columns; errors
SELECT (tape.window_qa(t.trades, NULL, t.win_start, t.win_start + interval '60 seconds')).*
  FROM cqa.tapes t WHERE t.ticker = 'QOUT';
SELECT q.trades, q.quotes, q.crossed_quotes, q.trades_outside_nbbo, q.rth_seconds
  FROM cqa.tapes t, tape.window_qa(NULL, t.quotes, t.win_start, t.win_end) q WHERE t.ticker = 'QCRS';
SELECT q.trades_outside_nbbo FROM cqa.tapes t, tape.window_qa(t.trades, t.quotes, t.win_start, t.win_end, 200) q
 WHERE t.ticker = 'QOUT';
SELECT ordinal, name, "check", unit FROM tape.window_qa_columns();
SELECT regress.error_of($$SELECT tape.window_qa(NULL, NULL, now(), now() - interval '1 second')$$);
SELECT regress.error_of($$SELECT tape.window_qa(NULL, NULL, now(), now(), -1)$$);
-- times beyond what nanoseconds since 1970 can hold are refused, not wrapped around
SELECT regress.error_of($$SELECT tape.window_qa(NULL, NULL, '-infinity', 'infinity')$$);
SELECT regress.error_of($$SELECT tape.window_qa(NULL, NULL, now(), '2300-01-01')$$);
SELECT regress.error_of($$SELECT tape.window_qa(a.trades, b.quotes, a.win_start, a.win_end)
                       FROM cqa.tapes a, cqa.tapes b WHERE a.ticker = 'QCLN' AND b.ticker = 'QCRS'$$);
SELECT regress.error_of($$SELECT * FROM tape.suspect_windows('nope')$$);
SELECT regress.error_of($$SELECT * FROM tape.suspect_windows('plus')$$);

-- 10. windows captured from the mock: every count agrees with plain SQL over their rows, and
--     each fetch recorded the requests it made, as the mock's log counts them
SET client_min_messages = warning;
CALL tape.refresh_bars('minute', '2025-10-01', '2025-10-02', tickers => ARRAY['ACME', 'BOLT']);
RESET client_min_messages;
INSERT INTO tape.events_intraday (ticker, ts, trading_day, event_type, direction, session, score, dollar_volume)
VALUES ('ACME', '2025-10-02 12:20', '2025-10-02', 'volume_spike', 'up', 'RTH', 90, 500000),
       ('ACME', '2025-10-02 12:40', '2025-10-02', 'vwap_break', 'up', 'RTH', 80, 500000),
       ('BOLT', '2025-10-01 10:22', '2025-10-01', 'opening_range_break', 'up', 'RTH', 60, 500000);
INSERT INTO tape.profiles (profile, max_events, window_before, window_after, quotes_per_second, extend_percentile)
VALUES ('qamock', 100, '3 minutes', '7 minutes', 5, NULL);
SET client_min_messages = warning;
CALL tape.build_manifest('qamock', '2025-10-01', '2025-10-02');
SELECT regress.mock_requests('capture_qa') AS before \gset
CALL tape.capture_ticks('qamock');
RESET client_min_messages;
SELECT c.*, (SELECT sum(trades) FROM tape.capture_qa WHERE profile = 'qamock') AS trades,
       (SELECT sum(trades_outside_nbbo) FROM tape.capture_qa WHERE profile = 'qamock') AS outside
  FROM cqa.compared('qamock') c;
SELECT f.kind, f.ticker, f.trading_day, f.plan, f.series, f.windows, f.requests_planned, f.requests, f.pages,
       f.cache_hits, f.rows = (SELECT sum(t.source_rows) FROM tape.tick_windows t WHERE t.fetch_id = f.fetch_id) AS rows_stored
  FROM tape.capture_fetches f ORDER BY f.kind DESC, f.ticker, f.trading_day;
SELECT windows, windows_with_trades, windows_with_quotes, fetches, requests_planned, requests_made, run_requests,
       requests_made = regress.mock_requests('capture_qa') - :before AS as_the_mock_logged
  FROM tape.capture_qa_summary WHERE profile = 'qamock';

UPDATE tape.configuration SET value = NULL WHERE name = 'foreign_schema';
SET client_min_messages = warning;
DROP SCHEMA cqa CASCADE;
RESET client_min_messages;
TRUNCATE tape.events_intraday, tape.bars_1m, tape.manifest, tape.manifest_windows, tape.manifest_builds,
         tape.stored_profiles, tape.tick_windows, tape.capture_fetches, tape.work_queue, tape.refresh_runs, tape.settings;
