
-- the universe of small caps, without survivorship bias
--
-- A ticker is in the universe of a day when, that day, it traded on a national exchange
-- as common stock (tape.tickers, active and delisted), its close as traded was within
-- universe.min_close .. universe.max_close, and its market cap (that close x the shares
-- outstanding that day) was below universe.max_market_cap.  The closes of every ticker
-- come from grouped_daily, one request a day for the whole market (tape.market_daily);
-- the shares from snapshots of ticker_details as of a date (tape.ticker_shares).

CREATE FUNCTION tape.universe_rules(
    OUT min_close double precision, OUT max_close double precision,
    OUT min_market_cap double precision, OUT max_market_cap double precision,
    OUT types text[], OUT exchanges text[])
RETURNS record
LANGUAGE sql STABLE PARALLEL SAFE
AS $$
  SELECT tape.setting('universe.min_close')::float8, tape.setting('universe.max_close')::float8,
         tape.setting('universe.min_market_cap')::float8, tape.setting('universe.max_market_cap')::float8,
         string_to_array(replace(tape.setting('universe.types'), ' ', ''), ','),
         string_to_array(replace(tape.setting('universe.exchanges'), ' ', ''), ',')
$$;

COMMENT ON FUNCTION tape.universe_rules() IS 'the thresholds of the universe, from the settings universe.*';

CREATE FUNCTION tape.shares_outstanding(ticker text, day date) RETURNS double precision
LANGUAGE sql STABLE STRICT PARALLEL SAFE
AS $$
  SELECT coalesce(
    -- the latest snapshot on or before the day, unless a split came between
    (SELECT s.shares_outstanding FROM tape.ticker_shares s
      WHERE s.ticker = shares_outstanding.ticker AND s.as_of <= day AND s.shares_outstanding IS NOT NULL
        AND NOT EXISTS (SELECT 1 FROM tape.splits x WHERE x.ticker = s.ticker
                           AND x.execution_date > s.as_of AND x.execution_date <= day)
      ORDER BY s.as_of DESC LIMIT 1),
    -- else the first one after it, if no split came between
    (SELECT s.shares_outstanding FROM tape.ticker_shares s
      WHERE s.ticker = shares_outstanding.ticker AND s.as_of > day AND s.shares_outstanding IS NOT NULL
        AND NOT EXISTS (SELECT 1 FROM tape.splits x WHERE x.ticker = s.ticker
                           AND x.execution_date > day AND x.execution_date <= s.as_of)
      ORDER BY s.as_of LIMIT 1))
$$;

COMMENT ON FUNCTION tape.shares_outstanding(text, date) IS 'the shares outstanding of a ticker on a day, from the nearest snapshot in tape.ticker_shares with no split between them; NULL if none';

CREATE FUNCTION tape.universe_candidates(from_date date, to_date date)
RETURNS TABLE (day date, ticker text, name text, type text, primary_exchange text,
               close double precision, volume double precision, vwap double precision)
LANGUAGE sql STABLE PARALLEL SAFE
AS $$
  SELECT g.day, g.ticker, t.name, t.type, t.primary_exchange, g.close, g.volume, g.vwap
    FROM tape.universe_rules() r,
         tape.market_daily g
   CROSS JOIN LATERAL (SELECT t.name, t.type, t.primary_exchange, t.market FROM tape.tickers t
                        WHERE t.ticker = g.ticker AND t.delisted_on >= g.day
                        ORDER BY t.delisted_on LIMIT 1) t
   WHERE g.day BETWEEN from_date AND to_date
     AND g.close >= r.min_close AND g.close <= r.max_close
     AND t.market = 'stocks' AND t.type = ANY (r.types) AND t.primary_exchange = ANY (r.exchanges)
$$;

COMMENT ON FUNCTION tape.universe_candidates(date, date) IS 'the ticker-days that pass every rule of the universe but the market cap: type, exchange, close';

CREATE FUNCTION tape.universe_between(from_date date, to_date date)
RETURNS TABLE (day date, ticker text, name text, type text, primary_exchange text,
               close double precision, volume double precision, dollar_volume double precision,
               shares_outstanding double precision, market_cap double precision)
LANGUAGE sql STABLE PARALLEL SAFE
AS $$
  SELECT c.day, c.ticker, c.name, c.type, c.primary_exchange, c.close, c.volume,
         coalesce(c.vwap, c.close) * c.volume, s.shares, c.close * s.shares
    FROM tape.universe_rules() r,
         tape.universe_candidates(from_date, to_date) c
   CROSS JOIN LATERAL (SELECT tape.shares_outstanding(c.ticker, c.day) AS shares) s
   WHERE c.close * s.shares >= r.min_market_cap AND c.close * s.shares < r.max_market_cap
$$;

COMMENT ON FUNCTION tape.universe_between(date, date) IS 'the small caps of every day from from_date to to_date that the store knows (tape.universe() for one day)';

CREATE FUNCTION tape.universe(as_of date DEFAULT NULL)
RETURNS TABLE (day date, ticker text, name text, type text, primary_exchange text,
               close double precision, volume double precision, dollar_volume double precision,
               shares_outstanding double precision, market_cap double precision)
LANGUAGE plpgsql STABLE PARALLEL SAFE
AS $$
DECLARE
  asked date := coalesce(as_of, tape.ny_today());
  d date := CASE WHEN tape.is_trading_day(asked) THEN asked ELSE tape.add_trading_days(asked, -1) END;
BEGIN
  IF NOT EXISTS (SELECT 1 FROM tape.market_daily m WHERE m.day = d) THEN
    RAISE EXCEPTION 'the store has no market day bars for %', d
      USING ERRCODE = 'no_data_found',
            DETAIL = 'The universe of a day is computed from that day''s closes (tape.market_daily).',
            HINT = format('CALL tape.refresh_universe(%L, %L);', d, d);
  END IF;
  RETURN QUERY SELECT * FROM tape.universe_between(d, d) u ORDER BY u.ticker;
END
$$;

COMMENT ON FUNCTION tape.universe(date) IS 'the small caps of a day (the last trading day on or before as_of, default today), delisted names included: common stock on a national exchange, close and market cap within the universe.* settings';

CREATE FUNCTION tape.universe_tickers(from_date date, to_date date) RETURNS text[]
LANGUAGE sql STABLE PARALLEL SAFE
RETURN ARRAY(SELECT DISTINCT u.ticker FROM tape.universe_between(from_date, to_date) u ORDER BY 1);

COMMENT ON FUNCTION tape.universe_tickers(date, date) IS 'the tickers in the universe on some day of a range, as an array (for the tickers argument of a refresh: CALL takes no subquery)';

CREATE FUNCTION tape.universe_gaps(from_date date, to_date date) RETURNS TABLE (day date)
LANGUAGE sql STABLE PARALLEL SAFE
AS $$
  -- nothing before the earliest market date (a series from -infinity would never end)
  SELECT d::date FROM generate_series(greatest(from_date, tape.earliest_market_date())::timestamp,
                                      least(to_date, tape.ny_today())::timestamp, interval '1 day') d
   WHERE tape.is_trading_day(d::date)
     AND NOT EXISTS (SELECT 1 FROM tape.market_daily m WHERE m.day = d::date)
$$;

COMMENT ON FUNCTION tape.universe_gaps(date, date) IS 'the trading days from from_date to to_date (from tape.earliest_market_date() to today at most) whose market day bars the store lacks, so whose universe is unknown';

CREATE FUNCTION tape.require_universe(from_date date, to_date date, command text) RETURNS void
LANGUAGE plpgsql STABLE PARALLEL SAFE
AS $$
DECLARE
  missing bigint;
BEGIN
  IF NOT EXISTS (SELECT 1 FROM tape.market_daily m WHERE m.day BETWEEN from_date AND to_date) THEN
    RAISE EXCEPTION 'the store does not know the universe from % to %', from_date, to_date
      USING ERRCODE = 'no_data_found',
            DETAIL = format('%s without tickers works on the universe of each day.', command),
            HINT = format('Load it first: CALL tape.refresh_universe(%L, %L); or name the tickers.', from_date, to_date);
  END IF;
  missing := (SELECT count(*) FROM tape.universe_gaps(from_date, to_date));
  IF missing > 0 THEN
    RAISE WARNING 'the universe of % trading days from % to % is not in the store; their tickers are left out',
      missing, from_date, to_date
      USING HINT = format('CALL tape.refresh_universe(%L, %L);', from_date, to_date);
  END IF;
END
$$;

COMMENT ON FUNCTION tape.require_universe(date, date, text) IS 'an error if the store knows the universe of no day of the range, a warning if it misses some';

CREATE FUNCTION tape.ticker_period_units(queue text, period text, from_date date, to_date date,
                                         tickers text[], params jsonb DEFAULT '{}', key_suffix text DEFAULT '')
RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE
RETURN CASE WHEN tickers IS NOT NULL THEN
  format($q$SELECT %L, t || ' ' || p.label || %L, t, p.range_start, p.range_end, %L::jsonb
              FROM unnest(%L::text[]) AS t, tape.periods(%L, %L, %L) AS p$q$,
         queue, key_suffix, params, tickers, period, from_date, to_date)
ELSE
  format($q$SELECT %L, u.ticker || ' ' || p.label || %L, u.ticker, p.range_start, p.range_end, %L::jsonb
              FROM tape.periods(%L, %L, %L) AS p
             CROSS JOIN LATERAL (SELECT DISTINCT ticker FROM tape.universe_between(greatest(p.first_day, %L),
                                                                                   least(p.last_day, %L))) u$q$,
         queue, key_suffix, params, period, from_date, to_date, from_date, to_date)
END;

COMMENT ON FUNCTION tape.ticker_period_units(text, text, date, date, text[], jsonb, text) IS 'the units query of ticker x period units: of the tickers named, or (tickers NULL) of every ticker in the universe on some day of the period';

-- loaders

CREATE FUNCTION tape.load_tickers(units tape.work_queue[]) RETURNS bigint
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
AS $$
DECLARE
  n bigint;
BEGIN
  -- the whole list replaces the active names: one no longer listed as active is gone
  EXECUTE format($q$
    WITH f AS MATERIALIZED (
      SELECT DISTINCT ON (ticker, delisted_on) *
        FROM (SELECT ticker, coalesce((delisted_utc AT TIME ZONE 'America/New_York')::date,
                                      CASE WHEN NOT active THEN (last_updated_utc AT TIME ZONE 'America/New_York')::date END,
                                      'infinity') AS delisted_on,
                     name, type, market, primary_exchange, coalesce(active, false) AS active, delisted_utc, cik,
                     composite_figi, share_class_figi, currency_name, last_updated_utc
                FROM %s WHERE market = 'stocks') x
       ORDER BY ticker, delisted_on, last_updated_utc DESC NULLS LAST),
    gone AS (
      DELETE FROM tape.tickers t
       WHERE t.delisted_on = 'infinity' AND t.market = 'stocks'
         AND NOT EXISTS (SELECT 1 FROM f WHERE f.ticker = t.ticker AND f.delisted_on = 'infinity')),
    up AS (
      INSERT INTO tape.tickers AS t (ticker, delisted_on, name, type, market, primary_exchange, active,
                                     delisted_utc, cik, composite_figi, share_class_figi, currency_name,
                                     last_updated_utc, fetched_at)
      SELECT ticker, delisted_on, name, type, market, primary_exchange, active, delisted_utc, cik,
             composite_figi, share_class_figi, currency_name, last_updated_utc, now()
        FROM f
      ON CONFLICT (ticker, delisted_on) DO UPDATE
         SET name = EXCLUDED.name, type = EXCLUDED.type, market = EXCLUDED.market,
             primary_exchange = EXCLUDED.primary_exchange, active = EXCLUDED.active,
             delisted_utc = EXCLUDED.delisted_utc, cik = EXCLUDED.cik, composite_figi = EXCLUDED.composite_figi,
             share_class_figi = EXCLUDED.share_class_figi, currency_name = EXCLUDED.currency_name,
             last_updated_utc = EXCLUDED.last_updated_utc, fetched_at = EXCLUDED.fetched_at
      RETURNING 1)
    SELECT count(*) FROM up$q$, tape.foreign_table('tickers')) INTO n;
  RETURN n;
END
$$;

COMMENT ON FUNCTION tape.load_tickers(tape.work_queue[]) IS 'loader of the tickers unit: the reference list of stocks, active and delisted, into tape.tickers';

CREATE FUNCTION tape.load_market_daily(units tape.work_queue[]) RETURNS bigint
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
AS $$
DECLARE
  days date[] := ARRAY(SELECT (u.range_start AT TIME ZONE 'America/New_York')::date FROM unnest(units) u);
  n bigint;
BEGIN
  DELETE FROM tape.market_daily m WHERE m.day = ANY (days);
  EXECUTE format($q$
    INSERT INTO tape.market_daily (day, ticker, open, high, low, close, volume, vwap, transactions)
    SELECT date, ticker, open, high, low, close, volume, vwap, transactions
      FROM %s WHERE date = ANY ($1) AND NOT otc AND adjusted = false
    ON CONFLICT DO NOTHING$q$, tape.foreign_table('grouped_daily')) USING days;
  GET DIAGNOSTICS n = ROW_COUNT;
  RETURN n;
END
$$;

COMMENT ON FUNCTION tape.load_market_daily(tape.work_queue[]) IS 'loader of market_daily units: the unadjusted day bars of the whole market (no OTC) of some days, one request a day';

CREATE FUNCTION tape.load_ticker_shares(units tape.work_queue[]) RETURNS bigint
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
AS $$
DECLARE
  day date := (units[1].range_start AT TIME ZONE 'America/New_York')::date;
  n bigint;
BEGIN
  EXECUTE format($q$
    WITH d AS MATERIALIZED (
      SELECT ticker, date, share_class_shares_outstanding, weighted_shares_outstanding, market_cap, list_date
        FROM %s WHERE ticker = ANY ($1) AND date = $2),
    listed AS (
      UPDATE tape.tickers t SET list_date = d.list_date
        FROM d
       WHERE t.ticker = d.ticker AND t.delisted_on >= d.date AND d.list_date IS NOT NULL
         AND t.list_date IS DISTINCT FROM d.list_date),
    up AS (
      INSERT INTO tape.ticker_shares (ticker, as_of, shares_outstanding, weighted_shares_outstanding, market_cap, fetched_at)
      SELECT ticker, date, share_class_shares_outstanding, weighted_shares_outstanding, market_cap, now() FROM d
      ON CONFLICT (ticker, as_of) DO UPDATE
         SET shares_outstanding = EXCLUDED.shares_outstanding,
             weighted_shares_outstanding = EXCLUDED.weighted_shares_outstanding,
             market_cap = EXCLUDED.market_cap, fetched_at = EXCLUDED.fetched_at
      RETURNING 1)
    SELECT count(*) FROM up$q$, tape.foreign_table('ticker_details'))
    INTO n USING ARRAY(SELECT u.ticker FROM unnest(units) u), day;
  RETURN n;
END
$$;

COMMENT ON FUNCTION tape.load_ticker_shares(tape.work_queue[]) IS 'loader of ticker_shares units: shares outstanding of some tickers as of one date (ticker_details, one request per ticker)';

INSERT INTO tape.unit_kinds (queue, refresh, loader, batch_by, unit, description) VALUES
  ('tickers', 'universe', 'tape.load_tickers(tape.work_queue[])', 'none', 'the whole list',
   'the reference list of stocks, active and delisted (never settled: fetched by every run)'),
  ('market_daily', 'universe', 'tape.load_market_daily(tape.work_queue[])', 'ranges', 'day',
   'the unadjusted day bars of the whole market on a trading day'),
  ('ticker_shares', 'universe', 'tape.load_ticker_shares(tape.work_queue[])', 'tickers', 'ticker x date',
   'a snapshot of a ticker''s shares outstanding as of a date');

CREATE FUNCTION tape.share_snapshot_units(from_date date, to_date date) RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE
RETURN format($q$
  WITH c AS (SELECT ticker, day FROM tape.universe_candidates(%1$L, %2$L)),
  snap AS (
    -- the first candidate day of each period (universe.shares_every) ...
    SELECT ticker, min(day) AS day FROM c GROUP BY ticker, date_trunc(%3$L, day::timestamp)
    UNION
    -- ... and the first one on or after each split
    SELECT c.ticker, min(c.day) FROM c JOIN tape.splits x ON x.ticker = c.ticker AND c.day >= x.execution_date
     WHERE x.execution_date BETWEEN %1$L AND %2$L
     GROUP BY c.ticker, x.execution_date)
  SELECT 'ticker_shares', ticker || ' ' || to_char(day::timestamp, 'YYYY-MM-DD'), ticker, tape.ny_midnight(day), tape.ny_midnight(day + 1), '{}'::jsonb
    FROM snap$q$, from_date, to_date, tape.setting('universe.shares_every'));

COMMENT ON FUNCTION tape.share_snapshot_units(date, date) IS 'the units query of the shares snapshots of a range: each candidate of the universe once per period and once after each split';

CREATE PROCEDURE tape.refresh_universe(from_date date, to_date date DEFAULT NULL, force boolean DEFAULT false,
                                       "join" boolean DEFAULT false)
LANGUAGE plpgsql
AS $$
DECLARE
  last date := least(coalesce(to_date, tape.ny_today()), tape.ny_today());
  steps text[];
  arguments jsonb;
BEGIN
  CALL tape.require_transaction_control('tape.refresh_universe');
  IF from_date IS NULL THEN
    RAISE EXCEPTION 'tape.refresh_universe needs from_date, the first day whose universe to load'
      USING ERRCODE = 'null_value_not_allowed';
  END IF;
  from_date := tape.check_refresh_arguments('tape.refresh_universe', from_date, last, NULL, NULL);
  PERFORM tape.foreign_table(t) FROM unnest(ARRAY['tickers', 'grouped_daily', 'ticker_details']) AS t;
  steps := ARRAY[
    -- 1. the list of tickers, active and delisted
    $q$SELECT 'tickers', 'all', NULL::text, '-infinity'::timestamptz, 'infinity'::timestamptz, '{}'::jsonb$q$,
    -- 2. the closes of every ticker, one request a day
    format($q$SELECT 'market_daily', label, NULL::text, range_start, range_end, '{}'::jsonb
                FROM tape.periods('day', %L, %L) WHERE tape.is_trading_day(first_day)$q$, from_date, last),
    -- 3. shares outstanding of the candidates (planned once the closes are in)
    tape.share_snapshot_units(from_date, last)];
  arguments := jsonb_build_object('from_date', from_date, 'to_date', last, 'force', force);
  CALL tape.run_refresh('universe', 'tape.refresh_universe', arguments, "join", force,
                        tape.partition_steps('tape.market_daily', from_date, last), steps);
END
$$;

COMMENT ON PROCEDURE tape.refresh_universe(date, date, boolean, boolean) IS 'load what the universe of every day from from_date to to_date (default today) is computed from: the tickers, active and delisted; the whole market''s closes (one request a day); snapshots of the shares outstanding of the candidates';
