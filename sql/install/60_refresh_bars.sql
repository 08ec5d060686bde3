
-- tape.refresh_bars: minute, hour and day bars into tape.bars_1m, bars_1h, bars_1d

CREATE FUNCTION tape.bar_stores(OUT timespan text, OUT queue text, OUT period text)
RETURNS SETOF record
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
  VALUES ('minute', 'bars_1m', 'month'), ('hour', 'bars_1h', 'month'), ('day', 'bars_1d', 'year')
$$;

COMMENT ON FUNCTION tape.bar_stores() IS 'the timespans tape.refresh_bars stores, their table (and queue), and the span of one unit (one request: 50,000 base bars hold a month of minutes)';

CREATE FUNCTION tape.load_bars(units tape.work_queue[]) RETURNS bigint
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
AS $$
DECLARE
  u tape.work_queue := units[1];
  tickers text[] := ARRAY(SELECT x.ticker FROM unnest(units) x);
  fetch_from timestamptz := tape.unit_fetch_from(u);
  span text := (SELECT b.timespan FROM tape.bar_stores() b WHERE b.queue = u.queue);
  adjusted boolean := (u.params ->> 'adjusted')::boolean;
  n bigint;
BEGIN
  -- the units share one range: one scan, one request series per ticker, several in flight;
  -- what is stored of that range is replaced (the bars of the units' kind only: raw and
  -- split-adjusted bars are rows of their own)
  EXECUTE format('DELETE FROM tape.%I WHERE ticker = ANY ($1) AND adjusted = $4 AND ts >= $2 AND ts < $3', u.queue)
    USING tickers, fetch_from, u.range_end, adjusted;
  EXECUTE format($q$
    INSERT INTO tape.%I (ticker, ts, open, high, low, close, volume, vwap, transactions, adjusted)
    SELECT ticker, ts, open, high, low, close, volume, vwap, transactions, adjusted
      FROM %s
     WHERE ticker = ANY ($1) AND timespan = %L AND multiplier = 1 AND adjusted = $4
       AND ts >= $2 AND ts < $3$q$, u.queue, tape.foreign_table('bars'), span)
    USING tickers, fetch_from, u.range_end, adjusted;
  GET DIAGNOSTICS n = ROW_COUNT;
  -- what each unit now holds, its settled part included: tape.qa_lost_rows compares
  EXECUTE format($q$
    UPDATE tape.work_queue q
       SET rows_stored = (SELECT count(*) FROM tape.%I b
                           WHERE b.ticker = q.ticker AND b.adjusted = $2 AND b.ts >= q.range_start AND b.ts < q.range_end)
     WHERE q.unit_id = ANY ($1)$q$, u.queue)
    USING ARRAY(SELECT x.unit_id FROM unnest(units) x), adjusted;
  RETURN n;
END
$$;

COMMENT ON FUNCTION tape.load_bars(tape.work_queue[]) IS 'loader of bars units: the bars of some tickers over one range (raw or split-adjusted, as the units ask), in one scan of the bars foreign table; records the rows each unit holds';

INSERT INTO tape.unit_kinds (queue, refresh, loader, batch_by, unit, description)
SELECT queue, queue, 'tape.load_bars(tape.work_queue[])', 'tickers', 'ticker x ' || period,
       format('the %s bars of a ticker over a %s', timespan, period)
  FROM tape.bar_stores();

CREATE PROCEDURE tape.refresh_bars(timespan text, from_date date DEFAULT NULL, to_date date DEFAULT NULL,
                                   tickers text[] DEFAULT NULL, adjusted boolean DEFAULT true,
                                   force boolean DEFAULT false, "join" boolean DEFAULT false)
LANGUAGE plpgsql
AS $$
DECLARE
  store record;
  last date := least(coalesce(to_date, tape.ny_today()), tape.ny_today());
  units text;
  span record;
  arguments jsonb;
BEGIN
  CALL tape.require_transaction_control('tape.refresh_bars');
  SELECT * INTO store FROM tape.bar_stores() b WHERE b.timespan = refresh_bars.timespan;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'invalid timespan "%"', timespan
      USING ERRCODE = 'invalid_parameter_value',
            HINT = 'tape.refresh_bars stores minute, hour and day bars.';
  END IF;
  from_date := tape.check_refresh_arguments('tape.refresh_bars', from_date, last, tickers, 'the universe of each day');
  PERFORM tape.foreign_table('bars');
  IF from_date IS NULL THEN
    -- resume: whatever units of this store are not done and settled
    units := tape.queued_units(ARRAY[store.queue]);
    SELECT (min(q.range_start) AT TIME ZONE 'America/New_York')::date AS first,
           (max(q.range_end) AT TIME ZONE 'America/New_York')::date AS last
      INTO span FROM tape.work_queue q WHERE q.queue = store.queue;
  ELSE
    IF tickers IS NULL THEN
      PERFORM tape.require_universe(from_date, last, 'tape.refresh_bars');
    END IF;
    units := tape.ticker_period_units(store.queue, store.period, from_date, last, tickers,
                                      jsonb_build_object('adjusted', adjusted),
                                      CASE WHEN adjusted THEN '' ELSE ' unadjusted' END);
    SELECT from_date AS first, last AS last INTO span;
  END IF;
  arguments := jsonb_build_object('timespan', timespan, 'from_date', from_date,
                                  'to_date', CASE WHEN from_date IS NOT NULL THEN last END,
                                  'tickers', tickers, 'adjusted', adjusted, 'force', force);
  CALL tape.run_refresh(store.queue, 'tape.refresh_bars', arguments, "join", force,
                        tape.partition_steps(('tape.' || store.queue)::regclass, span.first, span.last), ARRAY[units]);
END
$$;

COMMENT ON PROCEDURE tape.refresh_bars(text, date, date, text[], boolean, boolean, boolean) IS 'load the minute, hour or day bars of the tickers (NULL: the universe of each day) from from_date (1970-01-01 at the earliest) to to_date (default today) into tape.bars_1m, bars_1h or bars_1d, split-adjusted or raw (adjusted => false: rows of their own beside the adjusted ones); resumable, shareable between sessions (join => true); without from_date it resumes what is queued';
