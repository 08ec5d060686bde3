
-- tape.refresh_corporate_actions: splits and dividends into tape.splits and tape.dividends
--
-- Reference data dated by one column (splits, dividends, short interest, short volume) is
-- loaded the same way: per month for the whole market (one request series: the endpoints
-- filter by date without a ticker), or per ticker and year for named tickers.  What the
-- store holds of a unit's range is made equal to what the API returns for it.

CREATE FUNCTION tape.reference_stores(
    OUT queue text, OUT refresh text, OUT date_column text, OUT key_columns text[],
    OUT columns text[], OUT expressions text[])
RETURNS SETOF record
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
  VALUES
    ('splits', 'corporate_actions', 'execution_date', '{ticker,execution_date}'::text[],
     '{ticker,execution_date,split_from,split_to,id}'::text[],
     '{ticker,execution_date,split_from,split_to,id}'::text[]),
    ('dividends', 'corporate_actions', 'ex_dividend_date', '{ticker,ex_dividend_date,dividend_type}',
     '{ticker,ex_dividend_date,dividend_type,cash_amount,currency,declaration_date,record_date,pay_date,frequency,id}',
     '{ticker,ex_dividend_date,"coalesce(dividend_type, ''CD'')",cash_amount,currency,declaration_date,record_date,pay_date,frequency,id}'),
    ('short_interest', 'short_data', 'settlement_date', '{ticker,settlement_date}',
     '{ticker,settlement_date,short_interest,avg_daily_volume,days_to_cover}',
     '{ticker,settlement_date,short_interest,avg_daily_volume,days_to_cover}'),
    ('short_volume', 'short_data', 'date', '{ticker,date}',
     '{ticker,date,short_volume,exempt_volume,non_exempt_volume,total_volume,short_volume_ratio}',
     '{ticker,date,short_volume,exempt_volume,non_exempt_volume,total_volume,short_volume_ratio}')
$$;

COMMENT ON FUNCTION tape.reference_stores() IS 'the reference tables loaded by date (the table and its foreign table share the queue''s name): the date column, the key, the columns and the expressions that fill them';

CREATE FUNCTION tape.load_reference(units tape.work_queue[]) RETURNS bigint
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
AS $$
DECLARE
  u tape.work_queue := units[1];
  st record;
  from_day date := (tape.unit_fetch_from(u) AT TIME ZONE 'America/New_York')::date;
  to_day date := (u.range_end AT TIME ZONE 'America/New_York')::date;
  tickers text[] := ARRAY(SELECT x.ticker FROM unnest(units) x WHERE x.ticker IS NOT NULL);
  ticker_condition text := CASE WHEN u.ticker IS NULL THEN '' ELSE 'ticker = ANY ($1) AND ' END;
  n bigint;
BEGIN
  SELECT * INTO st FROM tape.reference_stores() r WHERE r.queue = u.queue;
  EXECUTE format($q$
    WITH f AS MATERIALIZED (
      SELECT DISTINCT ON (%1$s) * FROM (SELECT %2$s FROM %3$s WHERE %4$s%5$I >= $2 AND %5$I < $3) AS x (%6$s)
       ORDER BY %1$s),
    gone AS (
      DELETE FROM tape.%7$I t
       WHERE %8$s t.%5$I >= $2 AND t.%5$I < $3
         AND NOT EXISTS (SELECT 1 FROM f WHERE (%9$s) = (%10$s))),
    up AS (
      INSERT INTO tape.%7$I AS t (%6$s, fetched_at) SELECT %6$s, now() FROM f
      ON CONFLICT (%1$s) DO UPDATE SET %11$s, fetched_at = EXCLUDED.fetched_at
       WHERE (%12$s) IS DISTINCT FROM (%13$s))
    SELECT count(*) FROM f$q$,
    array_to_string(st.key_columns, ', '),
    array_to_string(st.expressions, ', '),
    tape.foreign_table(u.queue),
    ticker_condition,
    st.date_column,
    array_to_string(st.columns, ', '),
    u.queue,
    replace(ticker_condition, 'ticker', 't.ticker'),
    (SELECT string_agg('f.' || quote_ident(k), ', ') FROM unnest(st.key_columns) k),
    (SELECT string_agg('t.' || quote_ident(k), ', ') FROM unnest(st.key_columns) k),
    (SELECT string_agg(format('%I = EXCLUDED.%I', c, c), ', ') FROM unnest(st.columns) c),
    (SELECT string_agg('t.' || quote_ident(c), ', ') FROM unnest(st.columns) c),
    (SELECT string_agg('EXCLUDED.' || quote_ident(c), ', ') FROM unnest(st.columns) c))
    INTO n USING tickers, from_day, to_day;
  IF u.queue = 'splits' THEN
    PERFORM tape.invalidate_adjusted_bars(from_day, to_day, CASE WHEN u.ticker IS NULL THEN NULL ELSE tickers END);
  END IF;
  RETURN n;
END
$$;

COMMENT ON FUNCTION tape.load_reference(tape.work_queue[]) IS 'loader of the reference units of tape.reference_stores(): the rows of a date range (of some tickers, or of the whole market) made equal to the API''s';

CREATE FUNCTION tape.invalidate_adjusted_bars(from_day date, to_day date, tickers text[]) RETURNS bigint
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
AS $$
DECLARE
  n bigint;
  stale text;
BEGIN
  -- split-adjusted bars fetched before a split took effect hold the old adjustment:
  -- their units are fetched again by the next tape.refresh_bars over them (or a resume)
  WITH gone AS (
    UPDATE tape.work_queue q SET status = 'pending', fetched_until = NULL
      FROM tape.splits s
     WHERE s.execution_date >= from_day AND s.execution_date < to_day AND s.execution_date <= tape.ny_today()
       AND (tickers IS NULL OR s.ticker = ANY (tickers))
       AND q.ticker = s.ticker AND q.queue IN (SELECT b.queue FROM tape.bar_stores() b)
       AND q.status = 'done' AND (q.params ->> 'adjusted')::boolean
       AND q.range_start < tape.ny_midnight(s.execution_date) AND q.done_at < tape.ny_midnight(s.execution_date)
    RETURNING q.ticker, s.execution_date)
  SELECT count(*), string_agg(DISTINCT format('%s (split %s)', ticker, execution_date), ', ') AS splits
    INTO n, stale FROM gone;
  IF n > 0 THEN
    RAISE NOTICE 'the split-adjusted bars of % were fetched before the split: % units will be fetched again', stale, n
      USING HINT = 'CALL tape.refresh_bars(timespan) with no dates fetches every unit that is due.';
  END IF;
  RETURN n;
END
$$;

COMMENT ON FUNCTION tape.invalidate_adjusted_bars(date, date, text[]) IS 'mark for a new fetch the units of split-adjusted bars fetched before a split of the range took effect';

INSERT INTO tape.unit_kinds (queue, refresh, loader, batch_by, unit, description)
SELECT queue, refresh, 'tape.load_reference(tape.work_queue[])', 'tickers', 'month (whole market) or ticker x year',
       format('the %s of a month, or of a ticker over a year', replace(queue, '_', ' '))
  FROM tape.reference_stores();

CREATE FUNCTION tape.reference_units(queues text[], from_date date, to_date date, tickers text[]) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN CASE WHEN tickers IS NULL THEN
  format($q$SELECT q, 'market ' || p.label, NULL::text, p.range_start, p.range_end, '{}'::jsonb
              FROM unnest(%L::text[]) AS q, tape.periods('month', %L, %L) AS p$q$, queues, from_date, to_date)
ELSE
  format($q$SELECT q, t || ' ' || p.label, t, p.range_start, p.range_end, '{}'::jsonb
              FROM unnest(%L::text[]) AS q, unnest(%L::text[]) AS t, tape.periods('year', %L, %L) AS p$q$,
         queues, tickers, from_date, to_date)
END;

COMMENT ON FUNCTION tape.reference_units(text[], date, date, text[]) IS 'the units query of reference data: months of the whole market, or years of named tickers';

CREATE PROCEDURE tape.refresh_reference(refresh text, command text, from_date date, to_date date,
                                        tickers text[], force boolean, "join" boolean)
LANGUAGE plpgsql
AS $$
DECLARE
  queues text[] := ARRAY(SELECT r.queue FROM tape.reference_stores() r WHERE r.refresh = refresh_reference.refresh);
  -- splits and dividends are announced ahead, a year at most
  last date := least(coalesce(to_date, tape.ny_today()), (tape.ny_today() + interval '1 year')::date);
  units text;
  arguments jsonb;
BEGIN
  CALL tape.require_transaction_control(command);
  from_date := tape.check_refresh_arguments(command, from_date, last, tickers, 'the whole market');
  arguments := jsonb_build_object('from_date', from_date, 'to_date', CASE WHEN from_date IS NOT NULL THEN last END,
                                  'tickers', tickers, 'force', force);
  PERFORM tape.foreign_table(q) FROM unnest(queues) AS q;
  IF from_date IS NULL THEN
    units := tape.queued_units(queues);
  ELSE
    units := tape.reference_units(queues, from_date, last, tickers);
  END IF;
  CALL tape.run_refresh(refresh, command, arguments, "join", force, NULL, ARRAY[units]);
END
$$;

COMMENT ON PROCEDURE tape.refresh_reference(text, text, date, date, text[], boolean, boolean) IS 'the body of tape.refresh_corporate_actions and tape.refresh_short_data: the reference tables of one refresh over a range';

CREATE PROCEDURE tape.refresh_corporate_actions(from_date date DEFAULT NULL, to_date date DEFAULT NULL,
                                                tickers text[] DEFAULT NULL, force boolean DEFAULT false,
                                                "join" boolean DEFAULT false)
LANGUAGE plpgsql
AS $$
BEGIN
  CALL tape.require_transaction_control('tape.refresh_corporate_actions');
  CALL tape.refresh_reference('corporate_actions', 'tape.refresh_corporate_actions', from_date, to_date,
                              tickers, force, "join");
END
$$;

COMMENT ON PROCEDURE tape.refresh_corporate_actions(date, date, text[], boolean, boolean) IS 'load the splits and dividends dated from from_date to to_date (default today) of the whole market (or of the tickers named) into tape.splits and tape.dividends; a split marks the split-adjusted bars fetched before it for a new fetch';
