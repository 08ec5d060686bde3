-- Research on captured ticks (docs/features.md): bars from trades, the features of an event
-- window, triple-barrier labels and their sample weights, plots.  Every number is checked
-- against a value computed by hand in the comments (the "expected" columns hold those hand
-- computations as arithmetic), then on realistic volume against plain SQL over the mock's
-- trades and quotes.
\i test/regress/setup.sql
\i test/regress/error_of.sql
SET timezone = 'America/New_York';
SET extra_float_digits = 0;
CREATE SCHEMA feat;
\i test/regress/config_paths.sql

-- hand-made tapes: seconds after t0, then the values
CREATE TYPE feat.trade AS (sec float8, price float8, size float8, conditions int[]);
CREATE TYPE feat.quote AS (sec float8, bid float8, bid_size float8, ask float8, ask_size float8);
CREATE FUNCTION feat.trades(p_ticker text, p_t0 timestamptz, p_trades feat.trade[]) RETURNS tape.tick_block
LANGUAGE sql AS $$
  SELECT tape.pack_trades(r ORDER BY r.sip_timestamp)
    FROM (SELECT p_ticker AS ticker, (extract(epoch FROM p_t0) * 1e9 + t.sec * 1e9)::bigint AS sip_timestamp,
                 NULL::bigint AS participant_timestamp, NULL::bigint AS trf_timestamp, t.price, t.size,
                 11 AS exchange, NULL::int AS trf_id, 3 AS tape, t.conditions, NULL::int AS correction,
                 n::text AS id, n AS sequence_number
            FROM unnest(p_trades) WITH ORDINALITY t(sec, price, size, conditions, n)) r
$$;
CREATE FUNCTION feat.quotes(p_ticker text, p_t0 timestamptz, p_quotes feat.quote[]) RETURNS tape.tick_block
LANGUAGE sql AS $$
  SELECT tape.pack_quotes(r ORDER BY r.sip_timestamp)
    FROM (SELECT p_ticker AS ticker, (extract(epoch FROM p_t0) * 1e9 + q.sec * 1e9)::bigint AS sip_timestamp,
                 NULL::bigint AS participant_timestamp, NULL::bigint AS trf_timestamp,
                 q.bid AS bid_price, q.bid_size, 12 AS bid_exchange, q.ask AS ask_price, q.ask_size,
                 12 AS ask_exchange, NULL::int[] AS conditions, NULL::int[] AS indicators, n AS sequence_number,
                 3 AS tape
            FROM unnest(p_quotes) WITH ORDINALITY q(sec, bid, bid_size, ask, ask_size, n)) r
$$;

-- 1. the configuration: defaults, a partial override merged, unknown keys and bad values refused
SELECT jsonb_pretty(tape.default_research_config() -> 'trades') AS trades_rules;
SELECT tape.research_config('{"features": {"block_prints": {"min_shares": 5000}}}') #> '{features,block_prints}' AS merged;
SELECT regress.error_of($$SELECT tape.research_config('{"features": {"block_print": {}}}')$$);
SELECT regress.error_of($$SELECT tape.research_config('{"labels": {"profit_take": "2"}}')$$);
SELECT regress.error_of($$SELECT * FROM tape.bars_from_trades(NULL::tape.tick_block, 'time', 60) UNION ALL
                       SELECT * FROM tape.bars_from_trades(feat.trades('X', now(), ARRAY[(0, 1, 1, NULL)]::feat.trade[]),
                                                           'tick_imbalance', 5, '{"bars": {"imbalance": {"expected_ticks_span": 0}}}')$$);
SELECT regress.error_of($$SELECT tape.window_features(NULL, NULL, now(), '{"trades": {"exclude_from_price": [2, "x"]}}')$$);
SELECT regress.error_of($$SELECT tape.window_features(NULL, NULL, now(), '{"trades": {"exclude_from_volume": [1024]}}')$$);
SELECT regress.error_of($$SELECT * FROM tape.triple_barrier('SELECT 1', 'SELECT 1', '{"labels": {"touch": "low"}}')$$);

-- 2. bars from trades, on a hand-made tape (10:00:00 New York and on):
--    B1 0s 10.00x100; B2 10s 10.02x200; B3 20s 10.01x300 [2 = average price: volume, no price];
--    B4 30s 10.03x100; B5 50s 10.00x400; B6 61s 9.98x100 [15 = official close: neither];
--    B7 70s 9.97x500; B8 95s 9.99x200; B9 130s 10.05x100
--    tick rule: B1 0 (no change yet), B2 +, B4 +, B5 -, B7 -, B8 +, B9 +
CREATE TABLE feat.tape AS
SELECT feat.trades('BARS', '2025-10-02 10:00', ARRAY[
         (0, 10.00, 100, NULL), (10, 10.02, 200, NULL), (20, 10.01, 300, '{2}'), (30, 10.03, 100, NULL),
         (50, 10.00, 400, NULL), (61, 9.98, 100, '{15}'), (70, 9.97, 500, NULL), (95, 9.99, 200, NULL),
         (130, 10.05, 100, NULL)]::feat.trade[]) AS block;
-- time, 60 s, from midnight New York:
--   10:00 B1-B5: O 10.00 H 10.03 L 10.00 C 10.00 (B3 sets no price), volume 1100, dollars
--         1000 + 2004 + 3003 + 1003 + 4000 = 11010, VWAP of the signed (1000+2004+1003+4000)/800
--         = 10.00875, 5 trades, buys 200+100, sells 400
--   10:01 B7, B8 (B6 ignored): O 9.97 H 9.99 L 9.97 C 9.99, 700, 4985+1998 = 6983, 6983/700,
--         buys 200, sells 500
--   10:02 B9: the last bar, complete = false
SELECT ts, last_ts, open, high, low, close, volume, dollar_volume, round(vwap::numeric, 10) AS vwap, trades,
       buy_volume, sell_volume, imbalance, threshold, complete
  FROM feat.tape, tape.bars_from_trades(block, 'time', 60);
-- an hour: one bar starting at 10:00 New York
SELECT ts, open, high, low, close, volume, trades, complete FROM feat.tape, tape.bars_from_trades(block, 'time', 3600);
-- tick, 3 prints: B1-B3 | B4, B5, B7 | B8, B9 (incomplete)
SELECT ts, last_ts, open, high, low, close, volume, trades, threshold, complete
  FROM feat.tape, tape.bars_from_trades(block, 'tick', 3);
-- volume, 500 shares (the trade that reaches it stays whole in its bar):
--   100+200+300 = 600 | 100+400 = 500 | 500 | 200+100 = 300 (incomplete)
SELECT ts, last_ts, open, close, volume, trades, complete FROM feat.tape, tape.bars_from_trades(block, 'volume', 500);
-- dollar, 5,000: 1000+2004+3003 = 6007 | 1003+4000 = 5003 | 4985+1998 = 6983 | 1005 (incomplete)
SELECT ts, last_ts, dollar_volume, trades, complete FROM feat.tape, tape.bars_from_trades(block, 'dollar', 5000);
-- every trade counting (no condition excluded): B3 sets prices, B6 joins the 10:01 bar as its open
SELECT ts, open, high, low, close, volume, round(vwap::numeric, 10) AS vwap, trades
  FROM feat.tape, tape.bars_from_trades(block, 'time', 60, '{"trades": {"exclude_from_price": [], "exclude_from_volume": []}}');
-- tick imbalance, first threshold 2, spans 3 (alpha 1/2), no bounds.  Signed stream b: B1 0, B2 +1,
--   B4 +1, B5 -1, B7 -1, B8 +1, B9 +1 (B3 is in the bar, not in the stream).
--   bar 1: theta 0, 1, (B3), 2 >= 2: closes at B4 with T = 3 signed trades; E[T] = 3;
--          E[bv] seeded by B2: 1, then B4: 1/2 1 + 1/2 1 = 1; next threshold 3 x |1| = 3
--   bar 2: B5 -1, B7 -2, B8 -1, B9 0: never |theta| >= 3, incomplete
SELECT ts, last_ts, trades, imbalance, threshold, complete
  FROM feat.tape, tape.bars_from_trades(block, 'tick_imbalance', 2,
       '{"bars": {"imbalance": {"expected_ticks_span": 3, "imbalance_span": 3, "min_threshold_x": 0, "max_threshold_x": 0}}}');
-- dollar imbalance, first threshold 2,000, spans 3, no bounds:
--   bar 1: B1 0, B2 +2004 >= 2000: closes, T = 2, E[T] = 2, E[bv] = 2004; threshold 2 x 2004 = 4008
--   bar 2: B4 +1003 (E[bv] 1/2 1003 + 1/2 2004 = 1503.5), B5 -2997 (E -1248.25),
--          B7 -7982 (E -3116.625): |theta| >= 4008, closes, T = 3, E[T] = 1/2 3 + 1/2 2 = 2.5;
--          threshold 2.5 x 3116.625 = 7791.5625
--   bar 3: B8 +1998, B9 +3003: incomplete
SELECT ts, last_ts, dollar_volume, imbalance, threshold, complete
  FROM feat.tape, tape.bars_from_trades(block, 'dollar_imbalance', 2000,
       '{"bars": {"imbalance": {"expected_ticks_span": 3, "imbalance_span": 3, "min_threshold_x": 0, "max_threshold_x": 0}}}');
-- the same with the threshold kept within [0.5, 3] x 2,000: 4008 stays, 7791.5625 becomes 6000
SELECT ts, imbalance, threshold, complete
  FROM feat.tape, tape.bars_from_trades(block, 'dollar_imbalance', 2000,
       '{"bars": {"imbalance": {"expected_ticks_span": 3, "imbalance_span": 3, "min_threshold_x": 0.5, "max_threshold_x": 3}}}');
-- from rows: the query form gives, ticker by ticker, the bars of the block form
CREATE TABLE feat.tape_rows AS
SELECT t.* FROM feat.tape, tape.trades_of(block) t
UNION ALL
SELECT 'BARS2', t.ts + interval '1 day', t.sip_timestamp + 86400000000000, t.participant_timestamp, t.trf_timestamp,
       t.price * 2, t.size, t.exchange, t.trf_id, t.tape, t.conditions, t.correction, t.id, t.sequence_number
  FROM feat.tape, tape.trades_of(block) t;
SELECT kind, (SELECT count(*) FROM tape.bars_from_trades('SELECT * FROM feat.tape_rows', kind, size)) AS bars,
       (SELECT count(*) FROM (SELECT * FROM tape.bars_from_trades('SELECT * FROM feat.tape_rows', kind, size)
                              EXCEPT ALL
                              SELECT * FROM tape.bars_from_trades((SELECT tape.pack_trades(r ORDER BY sip_timestamp)
                                                                     FROM feat.tape_rows r WHERE ticker = 'BARS'), kind, size)
                              EXCEPT ALL
                              SELECT * FROM tape.bars_from_trades((SELECT tape.pack_trades(r ORDER BY sip_timestamp)
                                                                     FROM feat.tape_rows r WHERE ticker = 'BARS2'), kind, size)) d)
         AS differing
  FROM (VALUES ('time', 60), ('tick', 3), ('volume', 500), ('dollar', 5000), ('tick_imbalance', 2),
               ('volume_imbalance', 300), ('dollar_imbalance', 2000)) k(kind, size);
-- a query without sip_timestamp is ordered by ts; without conditions every trade counts
SELECT ts, open, close, volume, trades FROM tape.bars_from_trades(
  'SELECT ticker, ts, price, size FROM feat.tape_rows WHERE ticker = ''BARS''', 'time', 60);
-- bad calls
SELECT regress.error_of($$SELECT * FROM feat.tape, tape.bars_from_trades(block, 'range', 1)$$);
SELECT regress.error_of($$SELECT * FROM feat.tape, tape.bars_from_trades(block, 'volume', 0)$$);
SELECT regress.error_of($$SELECT * FROM feat.tape, tape.bars_from_trades(block, 'time', 100000)$$);
SELECT regress.error_of($$SELECT * FROM tape.bars_from_trades(feat.quotes('Q', now(), ARRAY[(0, 1, 1, 2, 1)]::feat.quote[]), 'tick', 5)$$);
SELECT regress.error_of($$SELECT * FROM tape.bars_from_trades('SELECT ticker, ts, price FROM feat.tape_rows', 'tick', 5)$$);
SELECT regress.error_of($$SELECT * FROM tape.bars_from_trades('SELECT NULL::text AS ticker, ts, price, size FROM feat.tape_rows', 'tick', 5)$$);
SELECT regress.error_of($$SELECT * FROM tape.bars_from_trades('DELETE FROM feat.tape_rows', 'tick', 5)$$);
SELECT regress.error_of($$SELECT * FROM tape.bars_from_trades('SELECT ticker, ts + interval ''1000 years'' AS ts, price, size
                                                               FROM feat.tape_rows', 'tick', 5)$$);
-- an empty block has no bars
SELECT count(*) FROM tape.bars_from_trades((SELECT tape.pack_trades(r) FROM feat.tape_rows r WHERE false), 'tick', 5);

-- 3. the features of a hand-made window.  t0 = 10:00:00; before 60 s, after 120 s: W = [09:59:00, 10:02:00).
--    Quotes (NBBO, bid x size / ask x size):
--      q1 -90s 9.98x500 / 10.02x300 (in force at W's start; mid 10.00)
--      q2 -30s 10.00x400 / 10.02x200 (mid 10.01)
--      q3 +30s 10.00x1000 / 10.04x100 (mid 10.02)
--      q4 +60s 0x0 / 10.05x100 (one-sided: not valid)
--      q5 +90s 10.02x200 / 10.02x200 (locked: valid, spread 0)
--    Trades (tick rule sign; Lee-Ready against the NBBO strictly before the trade):
--      T0  -70s 10.00x100   before W, seeds the tick rule
--      T1  -50s 10.01x200   tick +  LR q1 mid 10.00: buy
--      T2  -40s 10.01x300   [37] tick + (zero-uptick)  LR q1: buy
--      T3  -20s  9.99x100   tick -  LR q2 mid 10.01: sell
--      T3b -15s  9.995x100  tick +  LR q2: sell (below the mid: the two rules disagree)
--      T4  -10s 10.00x1500  tick +  LR q2: sell
--      T5   -5s 10.00x100   [15] neither price nor volume: ignored
--      T6    0s 10.02x100   tick +  LR q2 (q at t0 would be later): buy; the first trade "after"
--      T7  +20s 10.01x400   [2] volume only: a print, not signed
--      T8  +40s 10.03x200   tick +  LR q3 mid 10.02: buy
--      T9  +45s 10.01x300   tick -  LR q3: sell
--      T10 +70s 10.02x100   tick +  LR q4 not valid -> tick rule: buy
--      T11 +90s 10.02x500   tick +  LR strictly before +90 is q4 -> tick rule: buy
--      T12 +130s 10.10x100  after W
CREATE TABLE feat.win AS
SELECT feat.trades('WIN', '2025-10-02 10:00', ARRAY[
         (-70, 10.00, 100, NULL), (-50, 10.01, 200, NULL), (-40, 10.01, 300, '{37}'), (-20, 9.99, 100, NULL),
         (-15, 9.995, 100, NULL), (-10, 10.00, 1500, NULL), (-5, 10.00, 100, '{15}'), (0, 10.02, 100, NULL),
         (20, 10.01, 400, '{2}'), (40, 10.03, 200, NULL), (45, 10.01, 300, NULL), (70, 10.02, 100, NULL),
         (90, 10.02, 500, NULL), (130, 10.10, 100, NULL)]::feat.trade[]) AS trades,
       feat.quotes('WIN', '2025-10-02 10:00', ARRAY[
         (-90, 9.98, 500, 10.02, 300), (-30, 10.00, 400, 10.02, 200), (30, 10.00, 1000, 10.04, 100),
         (60, 0, 0, 10.05, 100), (90, 10.02, 200, 10.02, 200)]::feat.quote[]) AS quotes,
       '{"features": {"window": {"before_seconds": 60, "after_seconds": 120},
                      "block_prints": {"min_shares": 1000, "min_dollars": 0},
                      "realized_vol": {"sample_seconds": 30}, "silence": {"min_seconds": 25}}}'::jsonb AS config;
CREATE TABLE feat.expected (name text, expected float8);
INSERT INTO feat.expected VALUES
  -- prints in W: T1 T2 T3 T3b T4 | T6 T7 T8 T9 T10 T11
  ('trades', 11), ('volume', 200 + 300 + 100 + 100 + 1500 + 100 + 400 + 200 + 300 + 100 + 500), ('quotes', 4),
  -- valid states in W: q1 30 s at 10^4 x 0.04/10.00, q2 60 s at 0.02/10.01, q3 30 s at 0.04/10.02, q5 30 s at 0
  ('spread_mean_bps', (1e4 * 0.04 / 10.00 * 30 + 1e4 * 0.02 / 10.01 * 60 + 1e4 * 0.04 / 10.02 * 30 + 0 * 30) / 150),
  -- sorted: 0 (30 s), 19.98 (60), 39.92 (30), 40 (30): 95 % of 150 s is reached at 40
  ('spread_p95_bps', 1e4 * 0.04 / 10.00),
  ('depth_bid_shares', (500 * 30 + 400 * 60 + 1000 * 30 + 200 * 30) / 150.0),
  ('depth_ask_shares', (300 * 30 + 200 * 60 + 100 * 30 + 200 * 30) / 150.0),
  ('depth_bid_dollars', (500 * 9.98 * 30 + 400 * 10.00 * 60 + 1000 * 10.00 * 30 + 200 * 10.02 * 30) / 150),
  ('depth_ask_dollars', (300 * 10.02 * 30 + 200 * 10.02 * 60 + 100 * 10.04 * 30 + 200 * 10.02 * 30) / 150),
  -- tick: buys T1 T2 T3b T4 = 2100, sells T3 = 100; after: buys T6 T8 T10 T11 = 900, sells T9 = 300
  ('tick_imbalance_before', (2100 - 100) / 2200.0), ('tick_imbalance_after', (900 - 300) / 1200.0),
  -- Lee-Ready: buys T1 T2 = 500, sells T3 T3b T4 = 1700; after as the tick rule
  ('quote_imbalance_before', (500 - 1700) / 2200.0), ('quote_imbalance_after', (900 - 300) / 1200.0),
  ('trades_per_minute_before', 5 / 1.0), ('trades_per_minute_after', 6 / 2.0), ('trade_rate_x', 3 / 5.0),
  ('block_prints', 1), ('block_volume_pct', 100 * 1500 / 3800.0),
  -- arrival: the mid of q2, in force at t0; VWAP of T6 T8 T9 T10 T11
  ('arrival_price', 10.01),
  ('vwap_after', (10.02 * 100 + 10.03 * 200 + 10.01 * 300 + 10.02 * 100 + 10.02 * 500) / 1200),
  ('vwap_slippage_bps', 1e4 * ((10.02 * 100 + 10.03 * 200 + 10.01 * 300 + 10.02 * 100 + 10.02 * 500) / 1200 - 10.01) / 10.01),
  -- mids every 30 s: before -60 10.00, -30 10.01, 0 10.01; after 0 10.01, 30 10.02, 60 none (q4),
  -- 90 10.02, 120 10.02 -> one non-zero log change each
  ('realized_vol_before', ln(10.01 / 10.00)), ('realized_vol_after', ln(10.02 / 10.01)),
  -- stretches without a print or an NBBO change (T5 is no print): the longest are 20 s ([0, 20), [70, 90))
  -- and the last, [90, 120), which W's end bounds: 30 s >= 25, from 90 s after t0
  ('seconds_to_silence', 90), ('silence_seconds', 30),
  -- the blocks hold ticks from -90 s to +130 s: W is captured whole
  ('covered_before_seconds', 60), ('covered_after_seconds', 120);
SELECT c.ordinal, c.name, c.family, (to_jsonb(f) ->> c.name)::float8 AS got, e.expected,
       abs((to_jsonb(f) ->> c.name)::float8 - e.expected) <= 1e-9 * greatest(1, abs(e.expected)) AS ok
  FROM feat.win, tape.window_features(trades, quotes, '2025-10-02 10:00', config) f,
       tape.window_feature_columns() c LEFT JOIN feat.expected e USING (name)
 ORDER BY c.ordinal;
-- Lee-Ready with the quote in force 50 s before each trade: T1 and T2 have none (q1 is at -90: not
-- strictly before) and T4 is at q1's mid -> tick rule: buys T1 T2 T4 = 2000, sells T3 T3b = 200
SELECT round(quote_imbalance_before::numeric, 10) AS got, round((2000 - 200) / 2200.0, 10) AS expected
  FROM feat.win, tape.window_features(trades, quotes, '2025-10-02 10:00',
                                      jsonb_set(config, '{features,aggressor}', '{"quote_lag_ms": 50000}')) f;
-- block prints by dollars too (4,000): T4 15,000, T7 4,004, T11 5,010 -> 3 prints, 2,400 of 3,800 shares
SELECT block_prints, round(block_volume_pct::numeric, 10) AS got, round(100 * 2400 / 3800.0, 10) AS expected
  FROM feat.win, tape.window_features(trades, quotes, '2025-10-02 10:00',
                                      jsonb_set(config, '{features,block_prints,min_dollars}', '4000')) f;
-- silences of at least 5 s: [0, 20) is the first that ends after t0; of 31 s: none
SELECT s.min_seconds, seconds_to_silence, silence_seconds
  FROM feat.win, (VALUES (5), (25), (31)) s(min_seconds),
       tape.window_features(trades, quotes, '2025-10-02 10:00',
                            jsonb_set(config, '{features,silence,min_seconds}', to_jsonb(s.min_seconds))) f;
-- silences count in regular hours only: the same tape at 09:30 (W starts in pre-market: same
-- answer), at 16:00:30 (every stretch after t0 is after the close) and on a Saturday
SELECT t0, seconds_to_silence, silence_seconds
  FROM (VALUES ('2025-10-02 09:30'::timestamptz), ('2025-10-02 16:00:30'), ('2025-10-04 10:00')) v(t0),
       feat.win w,
       tape.window_features(
         (SELECT feat.trades('WIN', v.t0, array_agg((t.sip_timestamp / 1e9 - extract(epoch FROM '2025-10-02 10:00'::timestamptz),
                                                       t.price, t.size, t.conditions)::feat.trade ORDER BY t.sip_timestamp))
            FROM tape.trades_of(w.trades) t),
         (SELECT feat.quotes('WIN', v.t0, array_agg((q.sip_timestamp / 1e9 - extract(epoch FROM '2025-10-02 10:00'::timestamptz),
                                                       q.bid_price, q.bid_size, q.ask_price, q.ask_size)::feat.quote ORDER BY q.sip_timestamp))
            FROM tape.quotes_of(w.quotes) q),
         v.t0, w.config) f;
-- one block missing: the families that need it are NULL, the others are computed (the blocks hold
-- every tick there is: a captured window without ends)
SELECT f.trades, f.quotes, f.spread_mean_bps, round(f.tick_imbalance_before::numeric, 10) AS tick_imbalance_before,
       f.arrival_price, round(f.vwap_after::numeric, 10) AS vwap_after, f.realized_vol_after, f.seconds_to_silence
  FROM feat.win w, tape.window_features(w.trades, NULL, '2025-10-02 10:00', w.config, '-infinity', 'infinity') f;
SELECT f.trades, f.quotes, round(f.spread_mean_bps::numeric, 10) AS spread_mean_bps, f.tick_imbalance_before,
       f.vwap_after, f.seconds_to_silence
  FROM feat.win w, tape.window_features(NULL, w.quotes, '2025-10-02 10:00', w.config, '-infinity', 'infinity') f;
-- without the window's ends, the quotes alone are known from q1 (-90 s) to q5 (+90 s): W stops
-- a nanosecond after q5, so q5's zero spread weighs nothing: (40 x 30 + 19.98 x 60 + 39.92 x 30) / 120
SELECT round(f.spread_mean_bps::numeric, 8) AS spread_mean_bps,
       round((1e4 * 0.04 / 10.00 * 30 + 1e4 * 0.02 / 10.01 * 60 + 1e4 * 0.04 / 10.02 * 30)::numeric / 120, 8) AS expected,
       f.covered_before_seconds, round(f.covered_after_seconds::numeric, 9) AS covered_after_seconds
  FROM feat.win w, tape.window_features(NULL, w.quotes, '2025-10-02 10:00', w.config) f;

-- 3b. features over time that was captured only.  The same tape captured over [-30 s, +60 s):
--    prints before t0 T3 T3b T4 (3 in 30 s), after T6 T7 T8 T9 (4 in 60 s); quotes q2 (60 s valid,
--    19.98 bps) and q3 (30 s, 39.92 bps); the realised volatility samples -30 and 0 (q2, q2), then
--    0, 30, 60 (q2, q3, q3: q4 at +60 is outside); no stretch of 25 s without activity, where W
--    would have had [90, 120)
SELECT f.trades, f.volume, f.quotes, f.covered_before_seconds, f.covered_after_seconds,
       f.trades_per_minute_before, f.trades_per_minute_after, round(f.trade_rate_x::numeric, 10) AS trade_rate_x,
       round(f.spread_mean_bps::numeric, 10) AS spread_mean_bps,
       round(((1e4 * 0.02 / 10.01 * 60 + 1e4 * 0.04 / 10.02 * 30) / 90)::numeric, 10) AS expected_spread,
       f.realized_vol_before, round(f.realized_vol_after::numeric, 12) AS realized_vol_after,
       round(ln(10.02 / 10.01)::numeric, 12) AS expected_rv, f.seconds_to_silence
  FROM feat.win w,
       tape.window_features(w.trades, w.quotes, '2025-10-02 10:00', w.config,
                            window_start => '2025-10-02 09:59:30', window_end => '2025-10-02 10:01:00') f;
-- the issue this answers: a window asked for wider than the capture.  Blocks of the ticks of
-- [-60 s, +60 s) only, features over -60/+120 s: the after half is the 60 s captured (4 prints
-- a minute, not 4 in 120 s), and no halt-like silence appears from the last tick (T9, +45 s) to
-- where the data ends; with no ends given, W ends just after T9
CREATE TABLE feat.win_cut AS
SELECT (SELECT tape.pack_trades(t ORDER BY t.sip_timestamp) FROM tape.trades_of(w.trades) t
         WHERE t.ts >= '2025-10-02 09:59:00' AND t.ts < '2025-10-02 10:01:00') AS trades,
       (SELECT tape.pack_quotes(q ORDER BY q.sip_timestamp) FROM tape.quotes_of(w.quotes) q
         WHERE q.ts >= '2025-10-02 09:59:00' AND q.ts < '2025-10-02 10:01:00') AS quotes,
       w.config
  FROM feat.win w;
SELECT e.captured, f.trades, f.covered_before_seconds, round(f.covered_after_seconds::numeric, 9) AS covered_after_seconds,
       round(f.trades_per_minute_after::numeric, 6) AS trades_per_minute_after,
       round((4 / (coalesce(e.until, 45.000000001) / 60))::numeric, 6) AS expected, f.seconds_to_silence, f.silence_seconds
  FROM feat.win_cut w,
       (VALUES ('[-60 s, +60 s)', '2025-10-02 09:59:00'::timestamptz, '2025-10-02 10:01:00'::timestamptz, 60),
               ('no ends given', NULL, NULL, NULL)) e(captured, from_ts, to_ts, until),
       tape.window_features(w.trades, w.quotes, '2025-10-02 10:00', w.config, e.from_ts, e.to_ts) f
 ORDER BY e.captured;
-- a capture that starts after the event: nothing of the before half, the after half from its start
-- (T8 T9 of [+30 s, +60 s): VWAP (10.03 x 200 + 10.01 x 300) / 500)
SELECT f.trades, f.covered_before_seconds, f.covered_after_seconds, f.trades_per_minute_before,
       f.trades_per_minute_after, f.trade_rate_x, f.tick_imbalance_before, f.realized_vol_before,
       round(f.vwap_after::numeric, 10) AS vwap_after, round((10.03 * 200 + 10.01 * 300) / 500, 10) AS expected
  FROM feat.win w,
       tape.window_features(w.trades, w.quotes, '2025-10-02 10:00', w.config,
                            '2025-10-02 10:00:30', '2025-10-02 10:01:00') f;
-- a captured window that ends before it starts, or has the wrong infinity at an end, is an error
SELECT regress.error_of($$SELECT tape.window_features(trades, quotes, '2025-10-02 10:00', config,
                                                    '2025-10-02 10:01', '2025-10-02 10:00') FROM feat.win$$);
SELECT regress.error_of($$SELECT tape.window_features(trades, quotes, '2025-10-02 10:00', config, 'infinity', NULL) FROM feat.win$$);
SELECT regress.error_of($$SELECT tape.window_features(trades, quotes, '2025-10-02 10:00', config, NULL, '-infinity') FROM feat.win$$);

-- 3c. the work of a call is bounded by its ticks, not by its configuration: a realised volatility
--    sampled every millisecond over a month either side (2.6 billion samples) sees every change of
--    the mid, the same as every 30 s, at once; a grid finer than a millisecond is refused
SET statement_timeout = '5s';
SELECT round(f.realized_vol_before::numeric, 12) AS realized_vol_before, round(ln(10.01 / 10.00)::numeric, 12) AS expected_before,
       round(f.realized_vol_after::numeric, 12) AS realized_vol_after, round(ln(10.02 / 10.01)::numeric, 12) AS expected_after
  FROM feat.win w,
       tape.window_features(w.trades, w.quotes, '2025-10-02 10:00',
                            '{"features": {"window": {"before_seconds": 2592000, "after_seconds": 2592000},
                                           "realized_vol": {"sample_seconds": 0.001}}}', '-infinity', 'infinity') f;
RESET statement_timeout;
SELECT regress.error_of($$SELECT tape.window_features(NULL, NULL, now(), '{"features": {"realized_vol": {"sample_seconds": 1e-6}}}')$$);
SELECT regress.error_of($$SELECT tape.window_features(NULL, NULL, now(), '{"features": {"silence": {"min_seconds": 0.0001}}}')$$);
SELECT tape.window_features(trades, quotes, NULL, config) IS NULL AS no_event_no_features FROM feat.win;
SELECT regress.error_of($$SELECT tape.window_features(feat.trades('AAA', now(), ARRAY[(0, 1, 1, NULL)]::feat.trade[]),
                                                   feat.quotes('BBB', now(), ARRAY[(0, 1, 1, 2, 1)]::feat.quote[]), now())$$);
SELECT regress.error_of($$SELECT tape.window_features(quotes, trades, now()) FROM feat.win$$);
-- an event time nanoseconds since 1970 cannot hold (before 1677, after 2262, infinite) is an
-- error, not a time wrapped around to the window's last quote
SELECT regress.error_of($$SELECT tape.window_features(trades, quotes, '1500-01-01', config) FROM feat.win$$);
SELECT regress.error_of($$SELECT tape.window_features(trades, quotes, 'infinity', config) FROM feat.win$$);
SELECT regress.error_of($$SELECT tape.window_svg(trades, quotes, '3000-01-01', config) FROM feat.win$$);

-- 4. triple-barrier labels from bars.  Ticker LAB, one-minute bars from 10:00 (open, high, low, close):
--      #0 10:00 10/10/10/10       #1 10:01 10/10.2/9.9/10.1   #2 10:02 10.1/10.15/10.0/10.0
--      #3 10:03 10/10.3/9.95/10.2 #4 10:04 10.2/10.6/10.2/10.5 #5 10:05 10.0/10.5/9.0/9.2 (opens
--      below #4's close) #6 10:06 9.2/9.5/9.1/9.4
--    Ticker VOL: closes 100, 101, 99.99, 100.9899 (returns +1 %, -1 %, +1 %), then 10:04 100.9899/102/100.5/101.5
CREATE TABLE feat.bars AS
SELECT 'LAB'::text AS ticker, '2025-10-02 10:00'::timestamptz + i * interval '1 minute' AS ts, o AS open, h AS high,
       l AS low, c AS close, 1000.0 AS volume
  FROM (VALUES (0, 10, 10, 10, 10), (1, 10, 10.2, 9.9, 10.1), (2, 10.1, 10.15, 10.0, 10.0), (3, 10, 10.3, 9.95, 10.2),
               (4, 10.2, 10.6, 10.2, 10.5), (5, 10.0, 10.5, 9.0, 9.2), (6, 9.2, 9.5, 9.1, 9.4)) v(i, o, h, l, c)
UNION ALL
SELECT 'VOL', '2025-10-02 10:00'::timestamptz + i * interval '1 minute', o, h, l, c, 1000
  FROM (VALUES (0, 100, 100, 100, 100), (1, 100, 101, 100, 101), (2, 101, 101, 99.99, 99.99),
               (3, 99.99, 100.9899, 99.99, 100.9899), (4, 100.9899, 102, 100.5, 101.5)) v(i, o, h, l, c);
CREATE TABLE feat.events (event_id bigint, ticker text, ts timestamptz, direction text, volatility float8, what text);
INSERT INTO feat.events VALUES
  -- entry: the close of #1 (ended 10:02) 10.1; barriers 10.1 x 1.02 = 10.302 and 10.1 x 0.98 = 9.898;
  -- #2 touches neither, #3's high 10.3 falls short, #4's high 10.6 takes profit: +2 %, 3 bars
  (1, 'LAB', '2025-10-02 10:02', 'up', 0.02, 'profit-take first'),
  -- short from 10.1 (direction down): profit below 9.898, loss above 10.302; #4 opens at 10.2 (no
  -- gap beyond), its high 10.6 is the stop: -2 %
  (2, 'LAB', '2025-10-02 10:02', 'down', 0.02, 'stop-loss first (short)'),
  -- entry 10.0 (#2), sigma 0.4 %: barriers 10.04 / 9.96; #3 reaches both (10.3, 9.95): stop-loss, ambiguous
  (3, 'LAB', '2025-10-02 10:03', 'up', 0.004, 'both in one bar'),
  -- entry 10.5 (#4); #5 opens at 10.0, -4.76 % beyond the 2 % stop: a gap, the return is the open's
  (4, 'LAB', '2025-10-02 10:05', 'up', 0.02, 'gap through the stop'),
  -- entry 10.0 (#0), sigma 5 %: nothing in #1-#3 (at most +3 %, -1 %); #3 ends at 10:04, the vertical
  -- barrier (180 s in the config): time, return 10.2 / 10.0 - 1 = 2 %, label 0
  (5, 'LAB', '2025-10-02 10:01', 'up', 0.05, 'time barrier'),
  -- 10:02:30: #2 (10:02-10:03) straddles t0 and is left out; entry #1's 10.1; path #3 (10.3 < 10.302), #4 (10.6): profit
  (6, 'LAB', '2025-10-02 10:02:30', 'up', 0.02, 'straddled bar left out'),
  -- no bar ended by 10:00: no entry, no label
  (7, 'LAB', '2025-10-02 10:00', 'up', 0.02, 'no entry'),
  -- sigma 50 %, vertical at 10:08 (180 s): the bars stop at 10:07 -> not known, no label
  (8, 'LAB', '2025-10-02 10:05', 'up', 0.5, 'bars end first'),
  -- no volatility column value: the EWMA of returns (span 3, alpha 1/2) through #3: m = 0.01, v = 0;
  -- r = -0.01: d = -0.02, m = 0, v = 1/2 (0 + 1/2 0.0004) = 0.0001; r = 0.01: d = 0.01, m = 0.005,
  -- v = 1/2 (0.0001 + 1/2 0.0001) = 0.000075; sigma = sqrt(0.000075) = 0.0086602540;
  -- #4's high 102 is +1.0 % over 100.9899: profit at +sigma
  (9, 'VOL', '2025-10-02 10:04', NULL, NULL, 'EWMA volatility'),
  -- through #2 only two returns (at least 3 wanted): no sigma, no label
  (10, 'VOL', '2025-10-02 10:03', NULL, NULL, 'too few returns'),
  (11, 'NOBARS', '2025-10-02 10:03', NULL, 0.02, 'a ticker without bars');
SELECT e.event_id, e.what, l.side, l.entry_ts, l.entry_price, round(l.volatility::numeric, 10) AS volatility,
       round(l.profit_take_price::numeric, 6) AS pt_price, round(l.stop_loss_price::numeric, 6) AS sl_price,
       l.touch_ts, l.barrier, round(l.ret::numeric, 10) AS ret, l.label, l.bars, l.ambiguous
  FROM tape.triple_barrier('SELECT * FROM feat.events', 'SELECT * FROM feat.bars',
                           '{"labels": {"profit_take": 1, "stop_loss": 1, "vertical_seconds": 180,
                                        "volatility_span_bars": 3, "volatility_min_returns": 3}}') l
  JOIN feat.events e USING (event_id)
 ORDER BY e.event_id;
-- touch = close: event 3's bar #3 closes at 10.2, +2 % over the 0.4 % barrier: profit at the close's return
-- profit_take = 0 (no profit barrier): event 3 is a plain stop-loss at -0.4 %, not ambiguous
-- time_label = sign: event 5 is labelled +1 (its return is +2 %)
SELECT c.what, l.event_id, l.barrier, round(l.ret::numeric, 10) AS ret, l.label, l.ambiguous, l.profit_take_price
  FROM (VALUES ('touch close', '{"touch": "close"}'::jsonb),
               ('no profit-take', '{"profit_take": 0}'),
               ('time label sign', '{"time_label": "sign"}')) c(what, labels),
       tape.triple_barrier('SELECT * FROM feat.events WHERE event_id IN (3, 5)', 'SELECT * FROM feat.bars',
                           jsonb_build_object('labels', '{"profit_take": 1, "stop_loss": 1, "vertical_seconds": 180}'::jsonb
                                                        || c.labels)) l
 ORDER BY c.what, l.event_id;
-- sample weights (AFML ch. 4): vertical barriers only (profit_take = stop_loss = 0), 180 s, on LAB:
--   A at 10:01 spans bars #1-#3, B at 10:02 #2-#4, C at 10:04 #4-#6
--   concurrency: #1 1, #2 2, #3 2, #4 2, #5 1, #6 1
--   uniqueness: A (1 + 1/2 + 1/2) / 3 = 2/3, B (1/2 + 1/2 + 1/2) / 3 = 1/2, C (1/2 + 1 + 1) / 3 = 5/6
--   return weight |sum r_t / c_t|, r_t = ln(close_t / close_t-1) over closes 10, 10.1, 10, 10.2, 10.5, 9.2, 9.4:
--   A |ln(10.1/10) + ln(10/10.1)/2 + ln(10.2/10)/2|, B |(ln(10/10.1) + ln(10.2/10) + ln(10.5/10.2))/2|,
--   C |ln(10.5/10.2)/2 + ln(9.2/10.5) + ln(9.4/9.2)|
SELECT l.ts, l.barrier, l.bars, round(l.uniqueness::numeric, 10) AS uniqueness, round(e.u::numeric, 10) AS expected_u,
       round(l.return_weight::numeric, 10) AS return_weight, round(e.w::numeric, 10) AS expected_w
  FROM tape.triple_barrier($$SELECT 'LAB' AS ticker, ts, 0.02 AS volatility
                               FROM unnest('{2025-10-02 10:01, 2025-10-02 10:02, 2025-10-02 10:04}'::timestamptz[]) ts$$,
                           'SELECT * FROM feat.bars',
                           '{"labels": {"profit_take": 0, "stop_loss": 0, "vertical_seconds": 180}}') l
  JOIN (VALUES ('2025-10-02 10:01'::timestamptz, 2 / 3.0, abs(ln(10.1 / 10) + ln(10 / 10.1) / 2 + ln(10.2 / 10) / 2)),
               ('2025-10-02 10:02', 1 / 2.0, abs((ln(10 / 10.1) + ln(10.2 / 10) + ln(10.5 / 10.2)) / 2)),
               ('2025-10-02 10:04', 5 / 6.0, abs(ln(10.5 / 10.2) / 2 + ln(9.2 / 10.5) + ln(9.4 / 9.2)))) e(ts, u, w)
    USING (ts)
 ORDER BY l.ts;
-- the bars must be bar_seconds apart, the queries have their columns
SELECT regress.error_of($$SELECT * FROM tape.triple_barrier('SELECT * FROM feat.events', 'SELECT * FROM feat.bars',
                                                         '{"labels": {"bar_seconds": 120}}')$$);
SELECT regress.error_of($$SELECT * FROM tape.triple_barrier('SELECT ticker FROM feat.events', 'SELECT * FROM feat.bars')$$);
SELECT regress.error_of($$SELECT * FROM tape.triple_barrier('SELECT * FROM feat.events', 'SELECT ticker, ts, close FROM feat.bars')$$);
SELECT regress.error_of($$SELECT * FROM tape.triple_barrier('SELECT ''X'' AS ticker, now() AS ts, ''sideways'' AS direction',
                                                         'SELECT * FROM feat.bars')$$);
SELECT regress.error_of($$SELECT * FROM tape.triple_barrier('SELECT ''LAB'' AS ticker, timestamptz ''infinity'' AS ts, 0.02 AS volatility',
                                                         'SELECT * FROM feat.bars')$$);
SELECT regress.error_of($$SELECT * FROM tape.triple_barrier('SELECT ''LAB'' AS ticker, timestamptz ''2025-10-02 10:02'' AS ts',
                                                         'SELECT ticker, ts, high, low, close FROM feat.bars
                                                          UNION ALL SELECT ''LAB'', ''infinity'', 1, 1, 1')$$);

-- 5. a label from the trades of a window (t0 = 10:00:00):
--    -30s 10.00; 0s 10.05 (at t0: the entry); +20s 10.10 [2: no price]; +30s 10.15; +60s 10.30; +100s 9.80
--    sigma 2 %: long barriers 10.251 / 9.849 -> +30s is +0.995 %, +60s is +2.49 %: profit at that trade's price
--    short: the stop is above 10.251 -> +60s, -2.49 %
--    vertical 50 s: the last priced trade by then is +30s's 10.15: time, +0.995 %
--    vertical 200 s, sigma 50 %: the block's last trade (+100s) is before it: no label, unless the
--    window is said to reach further (window_end): then time, 9.80 / 10.05 - 1
CREATE TABLE feat.ticks AS
SELECT feat.trades('TCK', '2025-10-02 10:00', ARRAY[(-30, 10.00, 100, NULL), (0, 10.05, 100, NULL),
         (20, 10.10, 100, '{2}'), (30, 10.15, 100, NULL), (60, 10.30, 100, NULL), (100, 9.80, 100, NULL)]::feat.trade[]) AS trades;
SELECT c.what, l.entry_ts, l.entry_price, l.touch_ts, l.barrier, round(l.ret::numeric, 10) AS ret,
       round(c.expected::numeric, 10) AS expected, l.label, l.bars
  FROM feat.ticks,
       (VALUES (1, 'long', 0.02, 1, NULL::timestamptz, 300, 10.30 / 10.05 - 1),
               (2, 'short', 0.02, -1, NULL, 300, 1 - 10.30 / 10.05),
               (3, 'vertical 50 s', 0.02, 1, NULL, 50, 10.15 / 10.05 - 1),
               (4, 'vertical 200 s, block ends first', 0.5, 1, NULL, 200, NULL),
               (5, 'vertical 200 s, window to 10:07', 0.5, 1, '2025-10-02 10:07', 200,
                9.80 / 10.05 - 1)) c(n, what, sigma, side, window_end, vertical, expected),
       tape.triple_barrier_ticks(trades, '2025-10-02 10:00', c.sigma, c.side, c.window_end,
                                 jsonb_build_object('labels', jsonb_build_object('profit_take', 1, 'stop_loss', 1,
                                                                                 'vertical_seconds', c.vertical))) l
 ORDER BY c.n;
SELECT regress.error_of($$SELECT tape.triple_barrier_ticks(trades, now(), 0.01, 0) FROM feat.ticks$$);
SELECT regress.error_of($$SELECT tape.triple_barrier_ticks(trades, '-infinity', 0.01) FROM feat.ticks$$);
SELECT regress.error_of($$SELECT tape.triple_barrier_ticks(trades, '2025-10-02 10:00', 0.01, 1, '2300-01-01') FROM feat.ticks$$);
-- a window complete for good (window_end infinity): the vertical barrier after the last trade is reached
SELECT l.barrier, round(l.ret::numeric, 10) AS ret, round((9.80 / 10.05 - 1)::numeric, 10) AS expected
  FROM feat.ticks, tape.triple_barrier_ticks(trades, '2025-10-02 10:00', 0.5, 1, 'infinity',
                                             '{"labels": {"profit_take": 1, "stop_loss": 1, "vertical_seconds": 200}}') l;
SELECT tape.triple_barrier_ticks(NULL, now(), 0.01) IS NULL AS no_block_no_label;

-- 6. plots of the hand-made window: a well-formed SVG document with a candle per 10 s that has a
--    priced trade, the VWAP, the NBBO band and the event; and a text chart
SELECT xml_is_well_formed_document(svg) AS well_formed, svg LIKE '<svg xmlns="http://www.w3.org/2000/svg"%' AS svg,
       (length(svg) - length(replace(svg, 'stroke-dasharray', ''))) / length('stroke-dasharray') AS event_lines,
       svg LIKE '%WIN 2025-10-02, event at 10:00:00 New York%' AS title,
       (length(svg) - length(replace(svg, 'fill="#1a7f37"/>', ''))) / length('fill="#1a7f37"/>')
       + (length(svg) - length(replace(svg, 'fill="#cf222e"/>', ''))) / length('fill="#cf222e"/>') AS candles
  FROM (SELECT tape.window_svg(trades, quotes, '2025-10-02 10:00', config) AS svg FROM feat.win) s;
-- candles: 10 s buckets of W with a priced trade: T1, T2, T3 and T3b, T4, T6, T8 and T9, T10, T11 -> 8 (plus
-- the legend's swatch)
SELECT line FROM feat.win, tape.window_chart(trades, quotes, '2025-10-02 10:00',
                                            config || '{"plot": {"text_width": 36, "text_height": 8}}') line;
SELECT tape.window_svg(NULL, NULL, now()) IS NULL AS no_trades_no_plot;
-- prices so large that a step of the price grid is below their rounding (1e17 and one unit of
-- its last place, 16, above): the grid is counted, not added up until it passes the top, so the
-- plots end, with a grid of a few lines (the loop that added 2 to 1e17 never got there)
SELECT xml_is_well_formed_document(svg) AS well_formed, length(svg) < 20000 AS small,
       (length(svg) - length(replace(svg, 'stroke="#e5e7eb"', ''))) / length('stroke="#e5e7eb"') BETWEEN 1 AND 12 AS grid_lines
  FROM (SELECT tape.window_svg(feat.trades('HUGE', '2025-10-02 10:00', ARRAY[(-30, 1e17, 100, NULL), (30, 1e17 + 16, 100, NULL)]::feat.trade[]),
                               NULL, '2025-10-02 10:00') AS svg) s;
SELECT count(*) AS chart_lines
  FROM tape.window_chart(feat.trades('HUGE', '2025-10-02 10:00', ARRAY[(-30, 1e17, 100, NULL), (30, 1e17 + 16, 100, NULL)]::feat.trade[]),
                         NULL, '2025-10-02 10:00');

-- 7. realistic volume: event windows of the mock's tickers (-3/+7 minutes, quotes down-sampled at
--    5 a second, as the core profile captures them), including a sub-dollar ticker after hours and
--    a day with quote sizes in shares; every feature that plain SQL can state simply is computed
--    again from trades_of / quotes_of rows and must agree
SELECT regress.make_server('ftm');
CREATE TABLE feat.mock_windows AS
SELECT w.ticker, w.t0,
       (SELECT tape.pack_trades(t ORDER BY t.sip_timestamp, t.sequence_number) FROM ftm.trades t
         WHERE t.ticker = w.ticker AND t.ts >= w.t0 - interval '3 minutes' AND t.ts < w.t0 + interval '7 minutes') AS trades,
       (SELECT tape.pack_quotes(q, 5 ORDER BY q.sip_timestamp, q.sequence_number) FROM ftm.quotes q
         WHERE q.ticker = w.ticker AND q.ts >= w.t0 - interval '3 minutes' AND q.ts < w.t0 + interval '7 minutes') AS quotes
  FROM (VALUES ('ACME', '2025-10-02 10:30'::timestamptz), ('BOLT', '2025-10-02 10:30'), ('CRWN', '2025-10-02 15:00'),
               ('DYNX', '2025-10-03 09:35'), ('ACME', '2025-11-05 11:00'), ('EVTX', '2024-06-12 16:30')) w(ticker, t0);
CREATE TABLE feat.mock_features AS
SELECT w.ticker, w.t0, f.* FROM feat.mock_windows w,
       tape.window_features(w.trades, w.quotes, w.t0, '{"features": {"block_prints": {"min_shares": 300}}}',
                            w.t0 - interval '3 minutes', w.t0 + interval '7 minutes') f;
-- the same features in plain SQL (every trade of the mock counts: its conditions are 12, 14, 37, 41)
CREATE VIEW feat.sql_features AS
WITH t AS (
  SELECT w.ticker, w.t0, r.sip_timestamp, r.sequence_number, r.price, r.size,
         r.sip_timestamp >= (extract(epoch FROM w.t0) * 1e9)::bigint AS after,
         sign(r.price - lag(r.price) OVER (PARTITION BY w.ticker, w.t0 ORDER BY r.sip_timestamp, r.sequence_number)) AS change
    FROM feat.mock_windows w, tape.trades_of(w.trades) r),
tick AS (   -- the tick rule: the sign of the last non-zero change (0 before any)
  SELECT t.*, coalesce(first_value(change) OVER (PARTITION BY ticker, t0, grp ORDER BY sip_timestamp, sequence_number), 0) AS b
    FROM (SELECT t.*, count(nullif(change, 0)) OVER (PARTITION BY ticker, t0 ORDER BY sip_timestamp, sequence_number) AS grp
            FROM t) t),
q AS (
  SELECT w.ticker, w.t0, r.bid_price, r.ask_price, r.bid_size, r.ask_size, r.sip_timestamp,
         (least(coalesce(lead(r.sip_timestamp) OVER (PARTITION BY w.ticker, w.t0 ORDER BY r.sip_timestamp, r.sequence_number),
                         (extract(epoch FROM w.t0 + interval '7 minutes') * 1e9)::bigint),
                (extract(epoch FROM w.t0 + interval '7 minutes') * 1e9)::bigint) - r.sip_timestamp) / 1e9 AS seconds
    FROM feat.mock_windows w, tape.quotes_of(w.quotes) r),
qv AS (SELECT * FROM q WHERE bid_price > 0 AND ask_price >= bid_price)
SELECT w.ticker, w.t0,
       (SELECT count(*) FROM t WHERE (t.ticker, t.t0) = (w.ticker, w.t0)) AS trades,
       (SELECT sum(size) FROM t WHERE (t.ticker, t.t0) = (w.ticker, w.t0)) AS volume,
       (SELECT sum(1e4 * (ask_price - bid_price) / ((ask_price + bid_price) / 2) * seconds) / sum(seconds)
          FROM qv WHERE (qv.ticker, qv.t0) = (w.ticker, w.t0)) AS spread_mean_bps,
       (SELECT sum(bid_size * seconds) / sum(seconds) FROM qv WHERE (qv.ticker, qv.t0) = (w.ticker, w.t0)) AS depth_bid_shares,
       (SELECT sum(ask_size * ask_price * seconds) / sum(seconds) FROM qv WHERE (qv.ticker, qv.t0) = (w.ticker, w.t0))
         AS depth_ask_dollars,
       (SELECT (sum(size) FILTER (WHERE b > 0) - sum(size) FILTER (WHERE b < 0)) / sum(size) FILTER (WHERE b <> 0)
          FROM tick WHERE (tick.ticker, tick.t0) = (w.ticker, w.t0) AND NOT after) AS tick_imbalance_before,
       (SELECT (sum(size) FILTER (WHERE b > 0) - sum(size) FILTER (WHERE b < 0)) / sum(size) FILTER (WHERE b <> 0)
          FROM tick WHERE (tick.ticker, tick.t0) = (w.ticker, w.t0) AND after) AS tick_imbalance_after,
       (SELECT count(*) FILTER (WHERE NOT after) / 3.0 FROM t WHERE (t.ticker, t.t0) = (w.ticker, w.t0)) AS trades_per_minute_before,
       (SELECT count(*) FILTER (WHERE after) / 7.0 FROM t WHERE (t.ticker, t.t0) = (w.ticker, w.t0)) AS trades_per_minute_after,
       (SELECT count(*) FILTER (WHERE size >= 300 OR price * size >= 200000) FROM t WHERE (t.ticker, t.t0) = (w.ticker, w.t0))
         AS block_prints,
       (SELECT (bid_price + ask_price) / 2 FROM q
         WHERE (q.ticker, q.t0) = (w.ticker, w.t0) AND q.sip_timestamp <= (extract(epoch FROM w.t0) * 1e9)::bigint
         ORDER BY q.sip_timestamp DESC LIMIT 1) AS arrival_price,
       (SELECT sum(price * size) / sum(size) FROM t WHERE (t.ticker, t.t0) = (w.ticker, w.t0) AND after) AS vwap_after
  FROM feat.mock_windows w;
SELECT f.ticker, f.t0, (tape.block_info(w.trades)).rows AS trade_rows, (tape.block_info(w.quotes)).rows AS quote_rows,
       f.trades, round(f.spread_mean_bps::numeric, 2) AS spread_bps, round(f.tick_imbalance_after::numeric, 4) AS tick_imb_after,
       f.block_prints,
       array_remove(ARRAY[
         CASE WHEN f.trades <> s.trades THEN 'trades' END,
         CASE WHEN abs(f.volume - s.volume) > 1e-9 * s.volume THEN 'volume' END,
         CASE WHEN abs(f.spread_mean_bps - s.spread_mean_bps) > 1e-9 * s.spread_mean_bps THEN 'spread_mean_bps' END,
         CASE WHEN abs(f.depth_bid_shares - s.depth_bid_shares) > 1e-9 * s.depth_bid_shares THEN 'depth_bid_shares' END,
         CASE WHEN abs(f.depth_ask_dollars - s.depth_ask_dollars) > 1e-9 * s.depth_ask_dollars THEN 'depth_ask_dollars' END,
         CASE WHEN abs(f.tick_imbalance_before - s.tick_imbalance_before) > 1e-9 THEN 'tick_imbalance_before' END,
         CASE WHEN abs(f.tick_imbalance_after - s.tick_imbalance_after) > 1e-9 THEN 'tick_imbalance_after' END,
         CASE WHEN abs(f.trades_per_minute_before - s.trades_per_minute_before) > 1e-9 THEN 'trades_per_minute_before' END,
         CASE WHEN abs(f.trades_per_minute_after - s.trades_per_minute_after) > 1e-9 THEN 'trades_per_minute_after' END,
         CASE WHEN f.block_prints <> s.block_prints THEN 'block_prints' END,
         CASE WHEN f.arrival_price IS DISTINCT FROM s.arrival_price THEN 'arrival_price' END,
         CASE WHEN abs(f.vwap_after - s.vwap_after) > 1e-12 * s.vwap_after THEN 'vwap_after' END], NULL) AS disagreeing
  FROM feat.mock_features f JOIN feat.sql_features s USING (ticker, t0) JOIN feat.mock_windows w USING (ticker, t0)
 ORDER BY f.t0, f.ticker;
-- on these busy windows every feature has a value, but the silence where there is none
SELECT ticker, t0, array_remove(ARRAY(SELECT key FROM jsonb_each(to_jsonb(f)) WHERE value = 'null'), NULL) AS null_features
  FROM feat.mock_features f ORDER BY t0, ticker;
-- the same windows with features asked for 30 minutes after the event, over their capture of 7:
-- every column as over the 7 minutes (the rate of the captured 420 s, no silence where the data
-- ends), with or without the capture's ends (without them, W ends just after the last tick)
SELECT w.ticker, w.t0, e.ends_given, f.covered_after_seconds, round(f.trades_per_minute_after::numeric, 4) AS trades_per_minute_after,
       to_jsonb(f) = to_jsonb(f420) AS same_as_over_420_s,
       f.covered_after_seconds = CASE WHEN e.ends_given THEN 420 ELSE
         (greatest((SELECT max(t.sip_timestamp) FROM tape.trades_of(w.trades) t),
                   (SELECT max(q.sip_timestamp) FROM tape.quotes_of(w.quotes) q))
          + 1 - (extract(epoch FROM w.t0) * 1e9)::bigint) / 1e9 END AS covered_as_captured
  FROM feat.mock_windows w, (VALUES (true), (false)) e(ends_given),
       tape.window_features(w.trades, w.quotes, w.t0, '{"features": {"window": {"after_seconds": 1800}}}',
                            CASE WHEN e.ends_given THEN w.t0 - interval '3 minutes' END,
                            CASE WHEN e.ends_given THEN w.t0 + interval '7 minutes' END) f,
       tape.window_features(w.trades, w.quotes, w.t0, NULL,
                            CASE WHEN e.ends_given THEN w.t0 - interval '3 minutes' END,
                            CASE WHEN e.ends_given THEN w.t0 + interval '7 minutes' END) f420
 ORDER BY w.t0, w.ticker, e.ends_given DESC;
-- bars from the mock's trades are the mock's minute bars: the mock prints a bar's open, high and
-- low as its first three trades and its close as its last, so every bar of four trades or more
-- must have the same open, high, low and close as polygon.bars
SELECT w.ticker, w.t0, count(*) AS minutes_compared,
       count(*) FILTER (WHERE (b.open, b.high, b.low, b.close) IS DISTINCT FROM (m.open, m.high, m.low, m.close)) AS differing
  FROM feat.mock_windows w
  CROSS JOIN LATERAL tape.bars_from_trades(w.trades, 'time', 60) b
  JOIN LATERAL (SELECT * FROM ftm.bars m
                 WHERE m.ticker = w.ticker AND m.timespan = 'minute' AND m.multiplier = 1
                   AND m.ts >= w.t0 - interval '3 minutes' AND m.ts < w.t0 + interval '7 minutes') m ON m.ts = b.ts
 WHERE m.transactions >= 4
 GROUP BY w.ticker, w.t0 ORDER BY w.t0, w.ticker;

-- 8. every number of the research configuration has a range that bounds the work of a call: set
--    to -1,000,000, to 1e-9 and to 1e15, each value is refused, naming its key, or every research
--    function that reads it finishes at once on a busy window of the mock (its blocks taken as
--    complete for good, so that nothing but the configuration bounds the window)
CREATE FUNCTION feat.config_outcome(p_config jsonb, p_key text DEFAULT NULL) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
  w feat.mock_windows;
  started timestamptz := clock_timestamp();
BEGIN
  SELECT * INTO w FROM feat.mock_windows WHERE ticker = 'BOLT';
  PERFORM count(*) FROM tape.window_features(w.trades, w.quotes, w.t0, p_config, '-infinity', 'infinity');
  PERFORM count(*) FROM tape.bars_from_trades(w.trades, 'dollar_imbalance', 20000, p_config);
  PERFORM tape.triple_barrier_ticks(w.trades, w.t0, 0.01, 1, 'infinity', p_config);
  PERFORM count(*) FROM tape.triple_barrier('SELECT * FROM feat.events', 'SELECT * FROM feat.bars', p_config);
  PERFORM length(tape.window_svg(w.trades, w.quotes, w.t0, p_config));
  PERFORM count(*) FROM tape.window_chart(w.trades, w.quotes, w.t0, p_config);
  RETURN CASE WHEN clock_timestamp() - started < interval '2 seconds' THEN 'runs' ELSE 'runs, slowly' END;
EXCEPTION WHEN invalid_parameter_value THEN
  RETURN CASE WHEN SQLERRM LIKE '%"' || p_key || '"%' THEN 'refused' ELSE SQLERRM END;
END
$$;
SET statement_timeout = '60s';
SELECT array_to_string(l.path, '.') AS key, l.value AS "default",
       feat.config_outcome(regress.config_at(l.path, '-1000000'), array_to_string(l.path, '.')) AS at_minus_1e6,
       feat.config_outcome(regress.config_at(l.path, '1e-9'), array_to_string(l.path, '.')) AS at_1e_9,
       feat.config_outcome(regress.config_at(l.path, '1e15'), array_to_string(l.path, '.')) AS at_1e15
  FROM regress.config_leaves(tape.default_research_config()) l
 WHERE jsonb_typeof(l.value) = 'number'
 ORDER BY 1;
-- ... and every number at the end of its range that asks the most work, all at once: a month
-- either side sampled every millisecond, silences of a millisecond, plots of the most buckets and
-- pixels, barriers ten years away, estimators that never forget
SELECT feat.config_outcome('{"features": {"window": {"before_seconds": 2592000, "after_seconds": 2592000},
                                          "aggressor": {"quote_lag_ms": 3600000},
                                          "realized_vol": {"sample_seconds": 0.001}, "silence": {"min_seconds": 0.001},
                                          "block_prints": {"min_shares": 0, "min_dollars": 0}},
                             "plot": {"bucket_seconds": 0.001, "width": 10000, "height": 10000,
                                      "text_width": 1000, "text_height": 200},
                             "labels": {"vertical_seconds": 316224000, "volatility_span_bars": 1e9,
                                        "volatility_min_returns": 1, "profit_take": 1e6, "stop_loss": 1e6},
                             "bars": {"imbalance": {"expected_ticks_span": 1e9, "imbalance_span": 1e12,
                                                    "min_threshold_x": 0, "max_threshold_x": 0}}}') AS most_work;
RESET statement_timeout;

SET client_min_messages = warning;
DROP SCHEMA feat CASCADE;
DROP SCHEMA ftm CASCADE;
DROP SERVER ftm CASCADE;
