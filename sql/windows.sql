-- The window functions and aggregates equal their plain-SQL formulas on
-- generated minute bars that cross the DST change of 2025-03-09, the early
-- close of 2025-11-28 and the Thanksgiving holiday, with gaps (minutes without
-- trades), bars of zero volume and bars with NULLs.  Then: order errors, and
-- the aggregates as partial aggregates of a parallel plan.
\i test/regress/setup.sql

-- deterministic noise in [0, 1) from an integer
CREATE FUNCTION regress.noise(n bigint) RETURNS float8 LANGUAGE sql IMMUTABLE
RETURN (abs(sin(n * 12.9898 + 78.233) * 43758.5453))::numeric % 1;

-- three tickers, every minute of 04:00-20:00 on the days of the two ranges,
-- about one minute in six missing, one bar in 25 of zero volume
CREATE TABLE regress.mb AS
SELECT ticker, ts,
       round((p - 0.02 + 0.04 * regress.noise(k + 1))::numeric, 4)::float8 AS open,
       round((p + 0.03 + 0.05 * regress.noise(k + 2))::numeric, 4)::float8 AS high,
       round((p - 0.03 - 0.05 * regress.noise(k + 3))::numeric, 4)::float8 AS low,
       round(p::numeric, 4)::float8 AS close,
       CASE WHEN regress.noise(k + 4) < 0.04 THEN 0 ELSE round(100 + 50000 * regress.noise(k + 5) ^ 3) END::float8 AS volume
  FROM (SELECT t.ticker, m.ts, t.i * 1000003 + extract(epoch FROM m.ts)::bigint / 60 AS k,
               t.base * (1 + 0.3 * sin(extract(epoch FROM m.ts) / 40000 + t.i)) AS p
          FROM (VALUES ('AAA', 1, 5.0), ('BBB', 2, 12.0), ('CCC', 3, 1.5)) AS t(ticker, i, base)
          CROSS JOIN generate_series('2025-03-05'::date, '2025-12-02', interval '1 day') AS d(day)
          CROSS JOIN LATERAL (SELECT (d.day::date + time '04:00') AT TIME ZONE 'America/New_York' AS pm_open,
                                     (d.day::date + time '20:00') AT TIME ZONE 'America/New_York' AS ah_close) AS s
          CROSS JOIN LATERAL generate_series(s.pm_open, s.ah_close - interval '1 minute', interval '1 minute') AS m(ts)
         WHERE (d.day BETWEEN '2025-03-05' AND '2025-03-12' OR d.day BETWEEN '2025-11-25' AND '2025-12-02')
           AND tape.is_trading_day(d.day::date)
           AND (d.day::date <> '2025-11-28' OR m.ts < ('2025-11-28 17:00' AT TIME ZONE 'America/New_York'))) AS g
 WHERE regress.noise(k) >= 1.0 / 6;
-- a few NULLs: a price, a volume, a whole row of them
UPDATE regress.mb SET close = NULL WHERE ticker = 'AAA' AND ts = '2025-03-10 10:00-04';
UPDATE regress.mb SET volume = NULL WHERE ticker = 'BBB' AND ts IN (SELECT ts FROM regress.mb WHERE ticker = 'BBB' ORDER BY ts OFFSET 700 LIMIT 1);
CREATE UNIQUE INDEX ON regress.mb (ticker, ts);
ANALYZE regress.mb;
SELECT ticker, count(*) AS bars, count(DISTINCT (ts AT TIME ZONE 'America/New_York')::date) AS days,
       count(*) FILTER (WHERE volume = 0) AS zero_volume, min(ts) AS first, max(ts) AS last
  FROM regress.mb GROUP BY ticker ORDER BY ticker;

-- what the C functions say, next to the plain-SQL formulas; the price of a bar is its typical price
CREATE TABLE regress.got AS
SELECT ticker, ts,
       tape.rth_vwap(ts, tape.bar_price(high, low, close), volume) OVER w AS rth_vwap,
       tape.rvol(volume) OVER w AS rvol20,
       tape.rvol(volume, 5) OVER w AS rvol5,
       tape.atr(high, low, close) OVER w AS atr14,
       tape.atr_pct(high, low, close, 3) OVER w AS atr_pct3,
       tape.gap_pct(open, close) OVER w AS gap_pct,
       tape.vwap(tape.bar_price(high, low, close), volume) OVER (w ROWS BETWEEN 29 PRECEDING AND CURRENT ROW) AS vwap30,
       tape.dollar_volume(close, volume) OVER (w ROWS BETWEEN 59 PRECEDING AND CURRENT ROW) AS dollar_volume60
  FROM regress.mb WINDOW w AS (PARTITION BY ticker ORDER BY ts);

CREATE TABLE regress.want AS
SELECT ticker, ts,
       CASE WHEN local >= day + time '09:30' AND sum(volume) FILTER (WHERE local >= day + time '09:30' AND price IS NOT NULL AND volume > 0) OVER d > 0
            THEN sum(price * volume) FILTER (WHERE local >= day + time '09:30' AND volume > 0) OVER d
                 / sum(volume) FILTER (WHERE local >= day + time '09:30' AND price IS NOT NULL AND volume > 0) OVER d END AS rth_vwap,
       v.rvol20, v.rvol5,
       (open / lag(close) OVER w - 1) * 100 AS gap_pct,
       sum(price * volume) OVER s30 / nullif(sum(volume) FILTER (WHERE price IS NOT NULL) OVER s30, 0) AS vwap30,
       sum(close * volume) OVER s60 AS dollar_volume60
  FROM (SELECT *, ts AT TIME ZONE 'America/New_York' AS local, (ts AT TIME ZONE 'America/New_York')::date AS day,
               (high + low + close) / 3 AS price
          FROM regress.mb) b
  -- RVOL skips bars without a volume: they neither count nor enter the mean
  LEFT JOIN (SELECT ticker, ts,
                    CASE WHEN count(*) OVER p20 = 20 AND avg(volume) OVER p20 > 0 THEN volume / avg(volume) OVER p20 END AS rvol20,
                    CASE WHEN count(*) OVER p5 = 5 AND avg(volume) OVER p5 > 0 THEN volume / avg(volume) OVER p5 END AS rvol5
               FROM regress.mb WHERE volume IS NOT NULL
             WINDOW w AS (PARTITION BY ticker ORDER BY ts),
                    p20 AS (w ROWS BETWEEN 20 PRECEDING AND 1 PRECEDING),
                    p5 AS (w ROWS BETWEEN 5 PRECEDING AND 1 PRECEDING)) v USING (ticker, ts)
WINDOW w AS (PARTITION BY ticker ORDER BY ts),
       d AS (PARTITION BY ticker, day ORDER BY ts),
       s30 AS (w ROWS BETWEEN 29 PRECEDING AND CURRENT ROW),
       s60 AS (w ROWS BETWEEN 59 PRECEDING AND CURRENT ROW);

-- differences beyond rounding (relative 1e-9), and how many values each side has
CREATE FUNCTION regress.differs(a float8, b float8) RETURNS boolean LANGUAGE sql IMMUTABLE
RETURN (a IS NULL) <> (b IS NULL) OR abs(a - b) > 1e-9 * greatest(abs(a), abs(b), 1e-12);
SELECT count(*) AS rows,
       count(*) FILTER (WHERE regress.differs(g.rth_vwap, w.rth_vwap)) AS rth_vwap_diffs, count(g.rth_vwap) AS rth_vwap_values,
       count(*) FILTER (WHERE regress.differs(g.rvol20, w.rvol20)) AS rvol20_diffs, count(g.rvol20) AS rvol20_values,
       count(*) FILTER (WHERE regress.differs(g.rvol5, w.rvol5)) AS rvol5_diffs,
       count(*) FILTER (WHERE regress.differs(g.gap_pct, w.gap_pct)) AS gap_diffs, count(g.gap_pct) AS gap_values,
       count(*) FILTER (WHERE regress.differs(g.vwap30, w.vwap30)) AS vwap30_diffs,
       count(*) FILTER (WHERE regress.differs(g.dollar_volume60, w.dollar_volume60)) AS dollar_volume60_diffs
  FROM regress.got g JOIN regress.want w USING (ticker, ts);

-- the VWAP is NULL before 09:30 and restarts every day: 09:30 is the first bar's own price
SELECT count(*) FILTER (WHERE (g.ts AT TIME ZONE 'America/New_York')::time < '09:30' AND g.rth_vwap IS NOT NULL) AS before_open,
       count(*) FILTER (WHERE (g.ts AT TIME ZONE 'America/New_York')::time = '09:30' AND m.volume > 0
                          AND regress.differs(g.rth_vwap, tape.bar_price(m.high, m.low, m.close))) AS open_bar_differs,
       count(*) FILTER (WHERE (g.ts AT TIME ZONE 'America/New_York')::time >= '16:00' AND g.rth_vwap IS NOT NULL) AS after_hours_values
  FROM regress.got g JOIN regress.mb m USING (ticker, ts);

-- Wilder's ATR by its definition, one row after the other in a recursive query
CREATE TABLE regress.tr AS
SELECT ticker, row_number() OVER w AS n, ts, close,
       CASE WHEN lag(close) OVER w IS NULL THEN high - low
            ELSE greatest(high - low, abs(high - lag(close) OVER w), abs(low - lag(close) OVER w)) END AS tr
  FROM regress.mb WHERE high IS NOT NULL AND low IS NOT NULL AND close IS NOT NULL
WINDOW w AS (PARTITION BY ticker ORDER BY ts);
CREATE UNIQUE INDEX ON regress.tr (ticker, n);
ANALYZE regress.tr;
CREATE FUNCTION regress.wilder(p int) RETURNS TABLE (ticker text, ts timestamptz, close float8, atr float8)
LANGUAGE sql AS $$
  WITH RECURSIVE a AS (
    SELECT t.ticker, t.n, t.ts, t.close,
           (SELECT avg(x.tr) FROM regress.tr x WHERE x.ticker = t.ticker AND x.n <= p) AS atr
      FROM regress.tr t WHERE t.n = p
    UNION ALL
    SELECT t.ticker, t.n, t.ts, t.close, (a.atr * (p - 1) + t.tr) / p
      FROM a JOIN regress.tr t ON t.ticker = a.ticker AND t.n = a.n + 1)
  SELECT ticker, ts, close, atr FROM a
$$;
SELECT count(*) AS atr_values,
       count(*) FILTER (WHERE regress.differs(g.atr14, w.atr)) AS atr14_diffs,
       count(*) FILTER (WHERE g.atr14 IS NOT NULL AND w.atr IS NULL) AS extra
  FROM regress.got g FULL JOIN regress.wilder(14) w USING (ticker, ts)
 WHERE g.atr14 IS NOT NULL OR w.atr IS NOT NULL;
SELECT count(*) AS atr_pct_values,
       count(*) FILTER (WHERE regress.differs(g.atr_pct3, w.atr / w.close * 100)) AS atr_pct3_diffs
  FROM regress.got g FULL JOIN regress.wilder(3) w USING (ticker, ts)
 WHERE g.atr_pct3 IS NOT NULL OR w.atr IS NOT NULL;

-- the aggregates, per ticker and New York day, against sum() and the ordered first and last trade
CREATE TABLE regress.trades AS
SELECT ticker, ts + (r * 20 + regress.noise(k + 7) * 19.999)::numeric(8, 3) * interval '1 second' AS ts,
       round((close * (1 + 0.002 * (regress.noise(k + 8) - 0.5)))::numeric, 4)::float8 AS price,
       (1 + floor(500 * regress.noise(k + 9)))::float8 AS size
  FROM (SELECT m.*, r, row_number() OVER (ORDER BY ticker, ts, r) * 7 AS k
          FROM regress.mb m CROSS JOIN generate_series(0, 2) AS r WHERE close IS NOT NULL) x;
SELECT count(*) AS trades, count(DISTINCT (ticker, ts)) AS distinct_ticker_ts FROM regress.trades;
CREATE TABLE regress.by_day AS
SELECT ticker, (ts AT TIME ZONE 'America/New_York')::date AS day, tape.ohlcv(ts, price, size) AS bar,
       tape.vwap(price, size) AS vwap, tape.dollar_volume(price, size) AS dollar_volume,
       (array_agg(price ORDER BY ts))[1] AS open, max(price) AS high, min(price) AS low,
       (array_agg(price ORDER BY ts DESC))[1] AS close, sum(size) AS volume,
       sum(price * size) AS pv, count(*) AS n, min(ts) AS first_ts, max(ts) AS last_ts
  FROM regress.trades GROUP BY 1, 2;
SELECT count(*) AS ticker_days,
       count(*) FILTER (WHERE (bar).open <> open OR (bar).high <> high OR (bar).low <> low OR (bar).close <> close
                          OR (bar).volume <> volume OR (bar).trades <> n
                          OR (bar).first_ts <> first_ts OR (bar).last_ts <> last_ts) AS ohlcv_diffs,
       count(*) FILTER (WHERE regress.differs((bar).vwap, pv / volume) OR regress.differs(vwap, pv / volume)) AS vwap_diffs,
       count(*) FILTER (WHERE regress.differs(dollar_volume, pv)) AS dollar_volume_diffs
  FROM regress.by_day;
SELECT ticker, day, (bar).open, (bar).high, (bar).low, (bar).close, (bar).volume,
       round((bar).vwap::numeric, 4) AS vwap, (bar).trades, round(dollar_volume::numeric) AS dollar_volume
  FROM regress.by_day WHERE day = '2025-11-28' ORDER BY ticker;

-- empty input and NULLs
SELECT tape.vwap(p, v) AS vwap_of_nothing, tape.dollar_volume(p, v), (tape.ohlcv(now(), p, v)).trades
  FROM (VALUES (1::float8, 1::float8)) AS x(p, v) WHERE false;
SELECT tape.vwap(p, v), tape.dollar_volume(p, v), tape.ohlcv(t, p, v)
  FROM (VALUES ('2025-01-02 10:00-05'::timestamptz, 10::float8, 100::float8), ('2025-01-02 10:01-05', NULL, 50),
               ('2025-01-02 10:02-05', 12, NULL), ('2025-01-02 10:03-05', 11, 0), (NULL, 20, 100)) AS x(t, p, v);
SELECT tape.vwap(p, v) AS vwap_of_zero_volume FROM (VALUES (10::float8, 0::float8)) AS x(p, v);

-- a window needs its order; a partition whose time goes back is refused
SELECT tape.rvol(volume) OVER (PARTITION BY ticker) FROM regress.mb;  -- ERROR
SELECT tape.atr(high, low, close) OVER (PARTITION BY ticker ORDER BY (ts AT TIME ZONE 'America/New_York')::date) FROM regress.mb;  -- ERROR
SELECT tape.rth_vwap(ts, close, volume) OVER (PARTITION BY ticker ORDER BY volume, ts) FROM regress.mb;  -- ERROR
SELECT tape.rvol(volume, 0) OVER (ORDER BY ts) FROM regress.mb;  -- ERROR
SELECT tape.atr(high, low, close, -1) OVER (ORDER BY ts) FROM regress.mb;  -- ERROR
-- a partition of one row
SELECT tape.rth_vwap(ts, close, volume) OVER w, tape.rvol(volume, 1) OVER w, tape.atr(high, low, close, 1) OVER w,
       tape.gap_pct(open, close) OVER w
  FROM regress.mb WHERE ticker = 'CCC' AND ts = '2025-03-10 10:00-04' WINDOW w AS (ORDER BY ts);

-- the aggregates run as partial aggregates in a parallel plan, with the same results
\i test/regress/force_parallel.sql
EXPLAIN (COSTS OFF)
SELECT ticker, tape.ohlcv(ts, price, size), tape.vwap(price, size), tape.dollar_volume(price, size)
  FROM regress.trades GROUP BY ticker;
CREATE TABLE regress.parallel AS
SELECT ticker, tape.ohlcv(ts, price, size) AS bar, tape.vwap(price, size) AS vwap, tape.dollar_volume(price, size) AS dv
  FROM regress.trades GROUP BY ticker;
RESET max_parallel_workers_per_gather;
RESET parallel_leader_participation;
SET max_parallel_workers_per_gather = 0;
SELECT p.ticker, (p.bar).trades,
       (p.bar).open = (s.bar).open AND (p.bar).close = (s.bar).close AND (p.bar).high = (s.bar).high
         AND (p.bar).low = (s.bar).low AND (p.bar).volume = (s.bar).volume AS same_bar,
       NOT regress.differs(p.vwap, s.vwap) AND NOT regress.differs((p.bar).vwap, (s.bar).vwap) AS same_vwap,
       NOT regress.differs(p.dv, s.dv) AS same_dollar_volume
  FROM regress.parallel p
  JOIN (SELECT ticker, tape.ohlcv(ts, price, size) AS bar, tape.vwap(price, size) AS vwap, tape.dollar_volume(price, size) AS dv
          FROM regress.trades GROUP BY ticker) s USING (ticker)
 ORDER BY 1;
