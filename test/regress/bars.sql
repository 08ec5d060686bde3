-- Generators of controlled bars for the analytics tests.
--
-- regress.quiet_bars(ticker, from, to, wick, swing): one bar per minute of
-- every session of every trading day (04:00-20:00 New York, 17:00 on early
-- closes), price 10 with a +-0.0015 ripple, open = close (no red or green
-- bars), volume 20,000, 100 trades.  With wick, the 09:31 bar has a high of
-- 10.30 and a low of 9.50, which keeps the opening range wide; swing adds a
-- slow intraday wave of that amplitude (a wide daily range, no fast move).
-- Nothing in quiet bars may trigger a detector.
CREATE OR REPLACE FUNCTION regress.quiet_bars(p_ticker text, p_from date, p_to date,
                                              p_wick boolean DEFAULT true, p_swing float8 DEFAULT 0)
RETURNS TABLE (ticker text, ts timestamptz, open float8, high float8, low float8, close float8,
               volume float8, transactions float8)
LANGUAGE sql STABLE AS $$
  SELECT p_ticker, m.ts, p.price,
         CASE WHEN p_wick AND (m.ts AT TIME ZONE 'America/New_York')::time = '09:31' THEN 10.30 ELSE p.price + 0.001 END,
         CASE WHEN p_wick AND (m.ts AT TIME ZONE 'America/New_York')::time = '09:31' THEN 9.50 ELSE p.price - 0.001 END,
         p.price, 20000, 100
    FROM generate_series(p_from, p_to, interval '1 day') AS d(day)
    CROSS JOIN LATERAL tape.session_bounds(d.day::date) AS s
    CROSS JOIN LATERAL generate_series(s.pm_open, s.ah_close - interval '1 minute', interval '1 minute') AS m(ts)
    CROSS JOIN LATERAL (SELECT extract(epoch FROM m.ts - s.pm_open) / 60 AS i) AS k
    CROSS JOIN LATERAL (SELECT round((10 + p_swing * sin(pi() * k.i / 960)
                                        + 0.001 * ((k.i::int % 4) - 1.5))::numeric, 4)::float8 AS price) AS p
   WHERE s.pm_open IS NOT NULL
$$;

-- set the bar of p_ticker at New York local time p_at (on the planted day) to these values
CREATE OR REPLACE FUNCTION regress.plant(p_ticker text, p_at timestamp, p_open float8, p_close float8,
                                         p_volume float8 DEFAULT 20000, p_transactions float8 DEFAULT 100,
                                         p_high float8 DEFAULT NULL, p_low float8 DEFAULT NULL)
RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  UPDATE regress.minute_bars
     SET open = p_open, close = p_close,
         high = coalesce(p_high, greatest(p_open, p_close) + 0.001),
         low = coalesce(p_low, least(p_open, p_close) - 0.001),
         volume = p_volume, transactions = p_transactions
   WHERE ticker = p_ticker AND ts = p_at AT TIME ZONE 'America/New_York';
  IF NOT FOUND THEN
    RAISE EXCEPTION 'no bar of % at %', p_ticker, p_at;
  END IF;
END
$$;

-- a level: every bar of p_ticker from p_from to p_to (local times) at price p
CREATE OR REPLACE FUNCTION regress.hold(p_ticker text, p_from timestamp, p_to timestamp, p float8)
RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  UPDATE regress.minute_bars
     SET open = p, close = p, high = p + 0.001, low = p - 0.001
   WHERE ticker = p_ticker
     AND ts >= p_from AT TIME ZONE 'America/New_York' AND ts <= p_to AT TIME ZONE 'America/New_York';
END
$$;

-- regress.quiet_days(ticker, from, to): one day bar per trading day; the close
-- alternates 9.99 / 10.01 (never two green or two red days in a row), the
-- range cycles through 0.16-0.24, volume 1,000,000.  Nothing in quiet days
-- may trigger a daily event.
CREATE OR REPLACE FUNCTION regress.quiet_days(p_ticker text, p_from date, p_to date)
RETURNS TABLE (ticker text, day date, open float8, high float8, low float8, close float8, volume float8)
LANGUAGE sql STABLE AS $$
  SELECT p_ticker, d.day, 10, 10 + r.half, 10 - r.half, 10 + 0.01 * (2 * (d.n % 2) - 1), 1000000
    FROM (SELECT day::date, row_number() OVER (ORDER BY day) AS n
            FROM generate_series(p_from, p_to, interval '1 day') AS day
           WHERE tape.is_trading_day(day::date)) AS d
    CROSS JOIN LATERAL (SELECT 0.08 + 0.01 * (d.n % 5) AS half) AS r
$$;

-- set the day bar of p_ticker on p_day
CREATE OR REPLACE FUNCTION regress.plant_day(p_ticker text, p_day date, p_open float8, p_high float8,
                                             p_low float8, p_close float8, p_volume float8)
RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  UPDATE regress.day_bars SET open = p_open, high = p_high, low = p_low, close = p_close, volume = p_volume
   WHERE ticker = p_ticker AND day = p_day;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'no day bar of % on %', p_ticker, p_day;
  END IF;
END
$$;

-- the rows two queries return, and how many each returns that the other does not (as multisets)
CREATE OR REPLACE FUNCTION regress.same_rows(p_a text, p_b text, OUT a_rows bigint, OUT only_a bigint, OUT only_b bigint)
LANGUAGE plpgsql AS $$
BEGIN
  EXECUTE format('SELECT count(*) FROM (%s) q', p_a) INTO a_rows;
  EXECUTE format('SELECT count(*) FROM (%s EXCEPT ALL %s) q', p_a, p_b) INTO only_a;
  EXECUTE format('SELECT count(*) FROM (%s EXCEPT ALL %s) q', p_b, p_a) INTO only_b;
END
$$;
