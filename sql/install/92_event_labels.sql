
-- tape.compute_event_labels: the triple-barrier label of every event of a profile's manifest,
-- from the local minute bars, with its sample weights, into tape.event_labels
--
-- The labels come from tape.triple_barrier over tape.bars_1m, from the moment each event is
-- known: an intraday event from the close of its bar, a daily event from the next trading day's
-- open (its rules read the whole day's bar: its high, close and volume are known once the day
-- is over, and a label from its own open would contain the move that made it).  The sample
-- weights (uniqueness, return weight) are shared among the overlapping labels of a ticker, so
-- a unit is all the events of one ticker of a profile: its labels are computed together.  A
-- unit's parameters carry the manifest's build and the last load of the ticker's minute bars,
-- so a second call computes nothing and a refresh of the bars relabels what it touched.

CREATE TABLE tape.event_labels (
    profile text NOT NULL,
    source text NOT NULL,
    ticker text NOT NULL,
    ts timestamptz NOT NULL,
    event_type text NOT NULL,
    direction text NOT NULL,
    trading_day date NOT NULL,
    label_ts timestamptz NOT NULL,
    side integer,
    entry_ts timestamptz,
    entry_price double precision,
    volatility double precision,
    profit_take_price double precision,
    stop_loss_price double precision,
    vertical_ts timestamptz,
    touch_ts timestamptz,
    barrier text,
    ret double precision,
    label integer,
    bars integer,
    ambiguous boolean,
    uniqueness double precision,
    return_weight double precision,
    computed_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (profile, source, ticker, ts, event_type, direction)
);

COMMENT ON TABLE tape.event_labels IS 'the triple-barrier label of every event of a profile''s manifest (tape.triple_barrier over the minute bars of tape.bars_1m, from label_ts) with its sample weights among the overlapping labels of its ticker, filled by tape.compute_event_labels; barrier NULL when the bars could not label it';
COMMENT ON COLUMN tape.event_labels.label_ts IS 'the time the label starts from, when the event is known: the end of an intraday event''s bar (ts + 1 minute), the open of the trading day after a daily event''s day';

SELECT pg_catalog.pg_extension_config_dump('tape.event_labels', '');

-- the events of a unit, as the labels need them

CREATE FUNCTION tape.label_events(profile text, tickers text[])
RETURNS TABLE (event_id bigint, source text, ticker text, ts timestamptz, event_type text, direction text,
               trading_day date, label_ts timestamptz)
LANGUAGE sql STABLE PARALLEL SAFE ROWS 1000
AS $$
  SELECT row_number() OVER (ORDER BY m.ticker, m.ts, m.source, m.event_type, m.direction),
         m.source, m.ticker, m.ts, m.event_type, m.direction, m.trading_day,
         CASE m.source WHEN 'intraday' THEN m.ts + interval '1 minute'
           ELSE (SELECT b.rth_open FROM tape.session_bounds(tape.add_trading_days(m.trading_day, 1)) b) END
    FROM tape.manifest m
   WHERE m.profile = label_events.profile AND m.ticker = ANY (tickers)
$$;

COMMENT ON FUNCTION tape.label_events(text, text[]) IS 'the events of some tickers of a profile''s manifest, numbered, with the time their label starts from, when the event is known (an intraday event: the end of its minute bar; a daily event: the next trading day''s open)';

CREATE FUNCTION tape.load_event_labels(units tape.work_queue[]) RETURNS bigint
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
AS $$
DECLARE
  u tape.work_queue := units[1];
  unit_profile text := u.params ->> 'profile';
  tickers text[] := ARRAY(SELECT x.ticker FROM unnest(units) x);
  config jsonb := tape.event_research_config(unit_profile, nullif(u.params -> 'config', 'null'));
  ids bigint[];
  names text[];
  times timestamptz[];
  directions text[];
  sources text[];
  event_times timestamptz[];
  types text[];
  days date[];
  bars_from timestamptz;
  bars_to timestamptz;
  n bigint;
BEGIN
  -- the events as constants: the labels are joined back to exactly the events they were given
  SELECT array_agg(e.event_id ORDER BY e.event_id), array_agg(e.ticker ORDER BY e.event_id),
         array_agg(e.label_ts ORDER BY e.event_id), array_agg(e.direction ORDER BY e.event_id),
         array_agg(e.source ORDER BY e.event_id), array_agg(e.ts ORDER BY e.event_id),
         array_agg(e.event_type ORDER BY e.event_id), array_agg(e.trading_day ORDER BY e.event_id),
         -- the bars: a week of trading days before the first event warms the volatility, and
         -- they reach past the last vertical barrier
         tape.ny_midnight(tape.add_trading_days(min(e.trading_day), -5)),
         max(e.label_ts) + make_interval(secs => (config #>> '{labels,vertical_seconds}')::double precision) + interval '4 days'
    INTO ids, names, times, directions, sources, event_times, types, days, bars_from, bars_to
    FROM tape.label_events(unit_profile, tickers) e;
  DELETE FROM tape.event_labels l WHERE l.profile = unit_profile AND l.ticker = ANY (tickers);
  IF ids IS NULL THEN
    RETURN 0;
  END IF;
  INSERT INTO tape.event_labels
  SELECT unit_profile, e.source, e.ticker, e.ts, e.event_type, e.direction, e.trading_day, e.label_ts,
         l.side, l.entry_ts, l.entry_price, l.volatility, l.profit_take_price, l.stop_loss_price, l.vertical_ts,
         l.touch_ts, l.barrier, l.ret, l.label, l.bars, l.ambiguous, l.uniqueness, l.return_weight, now()
    FROM unnest(ids, sources, names, event_times, types, directions, days, times)
           AS e (event_id, source, ticker, ts, event_type, direction, trading_day, label_ts)
    JOIN tape.triple_barrier_internal(
           format('SELECT * FROM unnest(%L::bigint[], %L::text[], %L::timestamptz[], %L::text[]) AS e (event_id, ticker, ts, direction)',
                  ids, names, times, directions),
           format('SELECT ticker, ts, open, high, low, close FROM tape.bars_1m
                    WHERE ticker = ANY (%L::text[]) AND adjusted AND ts >= %L AND ts < %L',
                  tickers, bars_from, bars_to),
           config) l ON l.event_id = e.event_id;
  GET DIAGNOSTICS n = ROW_COUNT;
  RETURN n;
END
$$;

COMMENT ON FUNCTION tape.load_event_labels(tape.work_queue[]) IS 'loader of label units: the triple-barrier labels of every event of some tickers of a profile''s manifest, from their minute bars, replacing those stored';

INSERT INTO tape.unit_kinds (queue, refresh, loader, batch_by, batch_size, unit, description, from_local_data) VALUES
  ('event_labels', 'labels', 'tape.load_event_labels(tape.work_queue[])', 'tickers', 16, 'profile x ticker',
   'the labels of the manifest events of a ticker, from its minute bars (its overlapping labels share their weights)', true);

CREATE FUNCTION tape.event_label_units(profile text, config jsonb) RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE
-- a unit's parameters carry the manifest's build and the last load of the ticker's minute
-- bars: a rebuilt manifest or new bars make the unit due again
RETURN format($q$
  SELECT 'event_labels', %1$L || ' ' || u.ticker, u.ticker, tape.ny_midnight(u.first_day), tape.ny_midnight(u.last_day + 1),
         jsonb_build_object('profile', %1$L, 'config', %2$L::jsonb, 'built_at', tape.unit_time(b.built_at),
                            'bars_loaded', tape.bars_loaded('bars_1m', u.ticker))
    FROM (SELECT m.ticker, min(m.trading_day) AS first_day, max(m.trading_day) AS last_day
            FROM tape.manifest m WHERE m.profile = %1$L GROUP BY m.ticker) u
    JOIN tape.manifest_builds b ON b.profile = %1$L$q$,
  profile, config);

COMMENT ON FUNCTION tape.event_label_units(text, jsonb) IS 'the units query of tape.compute_event_labels: profile x ticker of the manifest, with what their labels depend on as parameters';

CREATE PROCEDURE tape.compute_event_labels(profile text, config jsonb DEFAULT NULL, force boolean DEFAULT false,
                                           "join" boolean DEFAULT false)
LANGUAGE plpgsql
AS $$
BEGIN
  -- a wrong profile or a value out of range is an error now, not in every unit
  PERFORM FROM tape.triple_barrier_internal('SELECT NULL::text AS ticker, NULL::timestamptz AS ts WHERE false',
                                            'SELECT NULL::text AS ticker, NULL::timestamptz AS ts, 0::float8 AS high,
                                                    0::float8 AS low, 0::float8 AS close WHERE false',
                                            tape.event_research_config(profile, config));
  CALL tape.run_event_step('labels', 'tape.compute_event_labels', 'tape.event_labels', profile, config, force,
                           "join", tape.event_label_units(profile, config));
END
$$;

COMMENT ON PROCEDURE tape.compute_event_labels(text, jsonb, boolean, boolean) IS 'fill tape.event_labels with the triple-barrier label and sample weights of every event of a profile''s manifest, from the minute bars of tape.bars_1m (config: the labels section of the research configuration); per ticker, resumable, shareable ("join" => true), recomputing only what a rebuilt manifest, reloaded bars or another configuration changed (force => true: everything)';
