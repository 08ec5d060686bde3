
-- tape.detect_all: the daily and intraday detectors over the local bars, into
-- tape.events_daily and tape.events_intraday; tape.rank_tickers: the seeds' Top-N

-- The one place each detector is called from: the events of some tickers over a range,
-- read from the local bars with the warm-up the detector needs.

CREATE FUNCTION tape.detect_daily_between(tickers text[], from_day date, to_day date, config jsonb DEFAULT NULL)
RETURNS SETOF tape.daily_event
LANGUAGE sql VOLATILE PARALLEL UNSAFE
AS $$
  -- every day bar before to_day: the ticker's whole history is its warm-up (RVOL, ATR,
  -- its own ATR % percentile, the all-time high of E5), judged from from_day on
  SELECT e.* FROM tape.detect_daily(
    format('SELECT ticker, ts, open, high, low, close, volume, vwap FROM tape.bars_1d
             WHERE ticker = ANY (%L::text[]) AND adjusted AND ts < %L ORDER BY ticker, ts',
           tickers, tape.ny_midnight(to_day)), config -> 'daily', judge_from => from_day) e
$$;

COMMENT ON FUNCTION tape.detect_daily_between(text[], date, date, jsonb) IS 'tape.detect_daily over the split-adjusted day bars of the store: the events of the tickers from from_day to before to_day (config: a whole configuration document, of which the daily section is used)';

CREATE FUNCTION tape.detect_intraday_between(tickers text[], from_ts timestamptz, to_ts timestamptz,
                                             config jsonb DEFAULT NULL)
RETURNS SETOF tape.intraday_event
LANGUAGE sql VOLATILE PARALLEL UNSAFE
AS $$
  -- detect.warmup_days trading days before the range warm the baselines and the daily ATR
  SELECT e.* FROM tape.detect_intraday(
    format('SELECT ticker, ts, open, high, low, close, volume, vwap, transactions FROM tape.bars_1m
             WHERE ticker = ANY (%L::text[]) AND adjusted AND ts >= %L AND ts < %L ORDER BY ticker, ts',
           tickers,
           tape.ny_midnight(tape.add_trading_days((from_ts AT TIME ZONE 'America/New_York')::date,
                                                  -tape.setting('detect.warmup_days')::integer)),
           to_ts), config -> 'intraday', judge_from => (from_ts AT TIME ZONE 'America/New_York')::date) e
   WHERE e.ts >= from_ts AND e.ts < to_ts
$$;

COMMENT ON FUNCTION tape.detect_intraday_between(text[], timestamptz, timestamptz, jsonb) IS 'tape.detect_intraday over the split-adjusted minute bars of the store: the events of the tickers from from_ts to before to_ts (config: a whole configuration document, of which the intraday section is used)';

CREATE FUNCTION tape.load_events(units tape.work_queue[]) RETURNS bigint
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
AS $$
DECLARE
  u tape.work_queue := units[1];
  tickers text[] := ARRAY(SELECT x.ticker FROM unnest(units) x);
  config jsonb := nullif(u.params -> 'config', 'null');
  from_day date := (u.range_start AT TIME ZONE 'America/New_York')::date;
  to_day date := (u.range_end AT TIME ZONE 'America/New_York')::date;
  n bigint;
  messages text := current_setting('client_min_messages');
BEGIN
  -- the detectors' NOTICEs about days without history are added up by
  -- tape.detector_history_gaps() and said once by tape.detect_all
  IF messages IN ('debug5', 'debug4', 'debug3', 'debug2', 'debug1', 'log', 'notice', 'info') THEN
    PERFORM set_config('client_min_messages', 'warning', true);
  END IF;
  -- the events of the units' ticker-days are replaced
  IF u.queue = 'detect_daily' THEN
    DELETE FROM tape.events_daily e
     WHERE e.ticker = ANY (tickers) AND e.trading_day >= from_day AND e.trading_day < to_day;
    INSERT INTO tape.events_daily
    SELECT e.*, now() FROM tape.detect_daily_between(tickers, from_day, to_day, config) e;
  ELSE
    DELETE FROM tape.events_intraday e
     WHERE e.ticker = ANY (tickers) AND e.ts >= u.range_start AND e.ts < u.range_end;
    INSERT INTO tape.events_intraday
    SELECT e.*, now() FROM tape.detect_intraday_between(tickers, u.range_start, u.range_end, config) e;
  END IF;
  GET DIAGNOSTICS n = ROW_COUNT;
  PERFORM set_config('client_min_messages', messages, true);
  RETURN n;
END
$$;

COMMENT ON FUNCTION tape.load_events(tape.work_queue[]) IS 'loader of detect units: the events of some tickers over one year (daily) or month (intraday), replacing those stored';

INSERT INTO tape.unit_kinds (queue, refresh, loader, batch_by, batch_size, unit, description, from_local_data) VALUES
  ('detect_daily', 'detect', 'tape.load_events(tape.work_queue[])', 'tickers', 32, 'ticker x year',
   'the daily events of a ticker in a year (detected over its whole history of day bars)', true),
  ('detect_intraday', 'detect', 'tape.load_events(tape.work_queue[])', 'tickers', 8, 'ticker x month',
   'the intraday events of a ticker in a month (detected after a warm-up of detect.warmup_days)', true);

CREATE FUNCTION tape.stored_ticker_periods(store regclass, period text, from_date date, to_date date, tickers text[],
    OUT ticker text, OUT label text, OUT range_start timestamptz, OUT range_end timestamptz)
RETURNS SETOF record
LANGUAGE plpgsql STABLE PARALLEL SAFE
AS $$
BEGIN
  -- the tickers of the range, found by skipping from one to the next along the (ticker, ts,
  -- adjusted) index, then each period in which a ticker has a split-adjusted bar (what the
  -- detectors read)
  RETURN QUERY EXECUTE format($q$
    WITH RECURSIVE found (ticker) AS (
      (SELECT b.ticker FROM %1$s b WHERE b.ts >= $1 AND b.ts < $2 AND b.adjusted ORDER BY b.ticker LIMIT 1)
      UNION ALL
      SELECT (SELECT b.ticker FROM %1$s b WHERE b.ticker > f.ticker AND b.ts >= $1 AND b.ts < $2 AND b.adjusted
               ORDER BY b.ticker LIMIT 1)
        FROM found f WHERE f.ticker IS NOT NULL),
    named AS (
      SELECT f.ticker FROM found f WHERE f.ticker IS NOT NULL AND $3 IS NULL
      UNION ALL
      SELECT t FROM unnest($3) t)
    SELECT n.ticker, p.label, p.range_start, p.range_end
      FROM named n, tape.periods(%2$L, %3$L, %4$L) p
     WHERE EXISTS (SELECT 1 FROM %1$s b WHERE b.ticker = n.ticker AND b.adjusted
                      AND b.ts >= greatest(p.range_start, $1) AND b.ts < least(p.range_end, $2))$q$,
    store, period, from_date, to_date)
  USING tape.ny_midnight(from_date), tape.ny_midnight(to_date + 1), tickers;
END
$$;

COMMENT ON FUNCTION tape.stored_ticker_periods(regclass, text, date, date, text[]) IS 'the tickers (all, or those named) and periods of a bars table that hold split-adjusted bars from from_date to to_date';

CREATE FUNCTION tape.detect_units(queue text, store text, period text, from_date date, to_date date,
                                  tickers text[], config jsonb)
RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE
-- a unit's parameters carry the time its split-adjusted bars were last loaded: loading
-- them again makes the unit due again
RETURN format($q$
  SELECT %1$L, s.ticker || ' ' || s.label, s.ticker, s.range_start, s.range_end,
         jsonb_build_object('config', %2$L::jsonb, 'bars_loaded', tape.bars_loaded(%3$L, s.ticker, s.range_end))
    FROM tape.stored_ticker_periods(%4$L, %5$L, %6$L, %7$L, %8$L) s$q$,
  queue, config, store, 'tape.' || store, period, from_date, to_date, tickers);

COMMENT ON FUNCTION tape.detect_units(text, text, text, date, date, text[], jsonb) IS 'the units query of tape.detect_all for one detector: ticker x period where the store holds bars';

CREATE PROCEDURE tape.detect_all(from_date date DEFAULT NULL, to_date date DEFAULT NULL, tickers text[] DEFAULT NULL,
                                 config jsonb DEFAULT NULL, force boolean DEFAULT false, "join" boolean DEFAULT false)
LANGUAGE plpgsql
AS $$
DECLARE
  last date := least(coalesce(to_date, tape.ny_today()), tape.ny_today());
  units text;
  gap record;
  arguments jsonb;
BEGIN
  CALL tape.require_transaction_control('tape.detect_all');
  from_date := tape.check_refresh_arguments('tape.detect_all', from_date, last, tickers, 'every ticker with bars in the store');
  arguments := jsonb_build_object('from_date', from_date, 'to_date', CASE WHEN from_date IS NOT NULL THEN last END,
                                  'tickers', tickers, 'config', config, 'force', force);
  IF config IS NOT NULL THEN
    -- a wrong key is an error now, not in every unit
    PERFORM tape.merge_config(tape.default_config(), config);
  END IF;
  IF from_date IS NULL THEN
    units := tape.queued_units(ARRAY['detect_daily', 'detect_intraday']);
  ELSE
    units := tape.detect_units('detect_daily', 'bars_1d', 'year', from_date, last, tickers, config)
             || ' UNION ALL ' ||
             tape.detect_units('detect_intraday', 'bars_1m', 'month', from_date, last, tickers, config);
  END IF;
  PERFORM tape.detector_history_gaps(reset => true);
  CALL tape.run_refresh('detect', 'tape.detect_all', arguments, "join", force, NULL, ARRAY[units]);
  -- what the detectors of this session could not judge for lack of history, said once
  FOR gap IN SELECT * FROM tape.detector_history_gaps(reset => true) g WHERE g.days_without_history > 0 LOOP
    IF gap.detector = 'intraday' THEN
      RAISE NOTICE 'tape.detect_all: % of % ticker-days judged had no volume baseline, the first days of the minute bars of % tickers in the store: volume-confirmed intraday events could not fire on them',
        to_char(gap.days_without_history, 'FM999,999,999,990'), to_char(gap.days_judged, 'FM999,999,999,990'),
        to_char(gap.tickers, 'FM999,999,990')
        USING DETAIL = 'A ticker''s volume profile needs baseline.min_days earlier days of its minute bars (5 by default), baseline.profile_days for the full profile (20).',
              HINT = 'Load minute bars from earlier (tape.refresh_bars), or set intraday baseline.fallback to "rolling".';
    ELSE
      RAISE NOTICE 'tape.detect_all: % of % ticker-days judged came before their ticker had rvol_days earlier day bars in the store (20 by default), in % tickers: the daily events that need RVOL could not fire on them',
        to_char(gap.days_without_history, 'FM999,999,999,990'), to_char(gap.days_judged, 'FM999,999,999,990'),
        to_char(gap.tickers, 'FM999,999,990')
        USING HINT = 'Load day bars from earlier: tape.refresh_bars(''day'', ...).';
    END IF;
  END LOOP;
END
$$;

COMMENT ON PROCEDURE tape.detect_all(date, date, text[], jsonb, boolean, boolean) IS 'run the daily detectors over tape.bars_1d and the intraday detectors over tape.bars_1m from from_date to to_date (default today), into tape.events_daily and tape.events_intraday; per ticker and year or month, resumable, shareable (join => true), redone when the bars were loaded again';

CREATE FUNCTION tape.rank_tickers(top_n integer DEFAULT 100, from_date date DEFAULT NULL, to_date date DEFAULT NULL)
RETURNS TABLE (rank bigint, ticker text, events bigint, event_days bigint, intraday_events bigint,
               total_score double precision, mean_score double precision,
               first_event date, last_event date)
LANGUAGE sql STABLE PARALLEL SAFE
AS $$
  WITH d AS (
    SELECT e.ticker, count(DISTINCT e.trading_day) AS days, min(e.trading_day) AS first, max(e.trading_day) AS last
      FROM tape.events_daily e
     WHERE (from_date IS NULL OR e.trading_day >= from_date) AND (to_date IS NULL OR e.trading_day <= to_date)
     GROUP BY e.ticker),
  i AS (
    SELECT e.ticker, count(*) AS n, sum(e.score) AS score, min(e.trading_day) AS first, max(e.trading_day) AS last
      FROM tape.events_intraday e
     WHERE (from_date IS NULL OR e.trading_day >= from_date) AND (to_date IS NULL OR e.trading_day <= to_date)
     GROUP BY e.ticker),
  t AS (
    SELECT coalesce(d.ticker, i.ticker) AS ticker, coalesce(d.days, 0) AS days, coalesce(i.n, 0) AS n,
           coalesce(i.score, 0) AS score, least(d.first, i.first) AS first, greatest(d.last, i.last) AS last
      FROM d FULL JOIN i ON i.ticker = d.ticker)
  SELECT rank() OVER (ORDER BY t.days + t.n DESC, t.score DESC), t.ticker, t.days + t.n, t.days, t.n,
         t.score, CASE WHEN t.n > 0 THEN t.score / t.n END, t.first, t.last
    FROM t
   ORDER BY 1, t.ticker
   LIMIT top_n
$$;

CREATE FUNCTION tape.top_tickers(top_n integer, from_date date DEFAULT NULL, to_date date DEFAULT NULL)
RETURNS text[]
LANGUAGE sql STABLE PARALLEL SAFE
RETURN ARRAY(SELECT r.ticker FROM tape.rank_tickers(top_n, from_date, to_date) r ORDER BY r.rank, r.ticker);

COMMENT ON FUNCTION tape.top_tickers(integer, date, date) IS 'the tickers of tape.rank_tickers() as an array, best first (for the tickers argument of a refresh: CALL takes no subquery)';

COMMENT ON FUNCTION tape.rank_tickers(integer, date, date) IS 'the top_n tickers by events (days with a daily event plus intraday events) between two dates, ties broken by the total intraday score: the Top-N whose minute bars are worth loading';
