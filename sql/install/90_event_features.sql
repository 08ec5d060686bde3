
-- tape.compute_event_features: the microstructure features of every event of a profile's
-- manifest, from its captured trades and quotes, into tape.event_features
--
-- A table, not a view: tape.window_features decodes each event's blocks (about 4,500 events a
-- second on the mock's windows), so a view would decode them again for every query of a
-- research session; the table is read like any other, joined to the labels, exported.
--
-- The work is a refresh of the work queue (52_work_queue.sql): a unit is the events of one
-- ticker in one month of a profile's manifest.  A unit's parameters carry what its rows depend
-- on (the configuration, the manifest's build, the blocks stored for that ticker and month),
-- so a second call computes nothing, and a new capture, a rebuilt manifest or another
-- configuration recomputes exactly the units they change.

-- the time an event's features and label are measured from

CREATE FUNCTION tape.event_anchor(source text, ts timestamptz, trading_day date) RETURNS timestamptz
LANGUAGE sql STABLE PARALLEL SAFE
RETURN CASE source WHEN 'daily' THEN (SELECT b.rth_open FROM tape.session_bounds(trading_day) b) ELSE ts END;

COMMENT ON FUNCTION tape.event_anchor(text, timestamptz, date) IS 'the moment an event is measured from: an intraday event''s bar (its ts), a daily event''s open (09:30 New York of its trading day)';

CREATE FUNCTION tape.event_research_config(profile text, config jsonb) RETURNS jsonb
LANGUAGE sql STABLE PARALLEL SAFE
-- the profile's capture window (window_before, window_after: what every intraday event of the
-- manifest has captured around it) as the features' window, unless config names one
RETURN tape.merge_config(
         tape.research_config(jsonb_build_object('features', jsonb_build_object('window', jsonb_build_object(
           'before_seconds', extract(epoch FROM ((tape.require_manifest(profile)).rules ->> 'window_before')::interval)::float8,
           'after_seconds', extract(epoch FROM ((tape.require_manifest(profile)).rules ->> 'window_after')::interval)::float8)))),
         coalesce(config, '{}'));

COMMENT ON FUNCTION tape.event_research_config(text, jsonb) IS 'the research configuration the pipeline steps of a profile use: the defaults, the profile''s capture window as features.window, then config merged in';

CREATE TABLE tape.event_features (
    profile text NOT NULL,
    source text NOT NULL,
    ticker text NOT NULL,
    ts timestamptz NOT NULL,
    event_type text NOT NULL,
    direction text NOT NULL,
    trading_day date NOT NULL,
    window_id integer,
    anchor_ts timestamptz NOT NULL,
    has_trades boolean NOT NULL,
    has_quotes boolean NOT NULL,
    LIKE tape.window_feature_values,
    computed_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (profile, source, ticker, ts, event_type, direction)
);

COMMENT ON TABLE tape.event_features IS 'the features of every event of a profile''s manifest (tape.window_features over the captured blocks of its window, around its anchor_ts), filled by tape.compute_event_features; the feature columns are those of tape.window_feature_values (tape.window_feature_columns() defines them), NULL while the window is not captured';
COMMENT ON COLUMN tape.event_features.ts IS 'the event as tape.manifest has it (intraday: its bar; daily: midnight New York of its day)';
COMMENT ON COLUMN tape.event_features.anchor_ts IS 'the time the features are measured around (tape.event_anchor: the bar of an intraday event, the open of a daily event''s day)';
COMMENT ON COLUMN tape.event_features.window_id IS 'the manifest window whose blocks were read';

CREATE INDEX event_features_unit_idx ON tape.event_features (profile, ticker, trading_day);

SELECT pg_catalog.pg_extension_config_dump('tape.event_features', '');

-- the events of a profile with the blocks of their window and their anchor: what the features
-- and the plots of an event read

CREATE FUNCTION tape.manifest_events(profile text)
RETURNS TABLE (source text, ticker text, ts timestamptz, event_type text, direction text, trading_day date,
               window_id integer, anchor_ts timestamptz, trades tape.tick_block, quotes tape.tick_block,
               window_start timestamptz, window_end timestamptz)
LANGUAGE sql STABLE PARALLEL SAFE ROWS 1000
AS $$
  SELECT m.source, m.ticker, m.ts, m.event_type, m.direction, m.trading_day, e.window_id,
         tape.event_anchor(m.source, m.ts, m.trading_day), e.trades, e.quotes, e.window_start, e.window_end
    FROM tape.manifest m
    LEFT JOIN tape.captured_events e
           ON e.profile = m.profile AND e.source = m.source AND e.ticker = m.ticker AND e.ts = m.ts
          AND e.event_type = m.event_type AND e.direction = m.direction
          AND (m.source = 'intraday' OR e.window_day = m.trading_day)
   WHERE m.profile = manifest_events.profile
$$;

COMMENT ON FUNCTION tape.manifest_events(text) IS 'every event of a profile''s manifest, once, with its anchor (tape.event_anchor), the trades and quotes blocks of its window (a daily event: of its own day) and that window''s bounds, NULL while not captured';

CREATE FUNCTION tape.load_event_features(units tape.work_queue[]) RETURNS bigint
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
AS $$
DECLARE
  u tape.work_queue := units[1];
  unit_profile text := u.params ->> 'profile';
  tickers text[] := ARRAY(SELECT x.ticker FROM unnest(units) x);
  from_day date := (u.range_start AT TIME ZONE 'America/New_York')::date;
  to_day date := (u.range_end AT TIME ZONE 'America/New_York')::date;
  config jsonb := tape.event_research_config(unit_profile, nullif(u.params -> 'config', 'null'));
  n bigint;
BEGIN
  -- the rows of the units' ticker-months are replaced
  DELETE FROM tape.event_features f
   WHERE f.profile = unit_profile AND f.ticker = ANY (tickers) AND f.trading_day >= from_day AND f.trading_day < to_day;
  INSERT INTO tape.event_features
  SELECT unit_profile, e.source, e.ticker, e.ts, e.event_type, e.direction, e.trading_day, e.window_id, e.anchor_ts,
         e.trades IS NOT NULL, e.quotes IS NOT NULL, f.*, now()
    FROM tape.manifest_events(unit_profile) e
   CROSS JOIN LATERAL tape.window_features_internal(e.trades, e.quotes, e.anchor_ts, config, e.window_start, e.window_end) f
   WHERE e.ticker = ANY (tickers) AND e.trading_day >= from_day AND e.trading_day < to_day;
  GET DIAGNOSTICS n = ROW_COUNT;
  RETURN n;
END
$$;

COMMENT ON FUNCTION tape.load_event_features(tape.work_queue[]) IS 'loader of feature units: the features of the events of some tickers in one month of a profile''s manifest, replacing those stored';

INSERT INTO tape.unit_kinds (queue, refresh, loader, batch_by, batch_size, unit, description, from_local_data) VALUES
  ('event_features', 'features', 'tape.load_event_features(tape.work_queue[])', 'tickers', 16, 'profile x ticker x month',
   'the features of the manifest events of a ticker in a month, from their captured windows', true);

CREATE FUNCTION tape.event_feature_units(profile text, config jsonb) RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE
-- a unit's parameters carry the manifest's build and the blocks stored for its ticker and
-- month: a rebuilt manifest or a new capture makes the unit due again
RETURN format($q$
  SELECT 'event_features', format('%%s %%s %%s', %1$L, u.ticker, to_char(u.month, 'YYYY-MM')), u.ticker,
         tape.ny_midnight(u.month), tape.ny_midnight((u.month + interval '1 month')::date),
         jsonb_build_object('profile', %1$L, 'config', %2$L::jsonb, 'built_at', tape.unit_time(b.built_at),
                            'blocks', c.blocks, 'captured_at', tape.unit_time(c.captured_at))
    FROM (SELECT DISTINCT m.ticker, date_trunc('month', m.trading_day)::date AS month
            FROM tape.manifest m WHERE m.profile = %1$L) u
    JOIN tape.manifest_builds b ON b.profile = %1$L
   CROSS JOIN LATERAL (
     SELECT count(*) AS blocks, max(t.captured_at) AS captured_at FROM tape.tick_windows t
      WHERE t.ticker = u.ticker AND t.trading_day >= u.month
        AND t.trading_day < (u.month + interval '1 month')::date) c$q$,
  profile, config);

COMMENT ON FUNCTION tape.event_feature_units(text, jsonb) IS 'the units query of tape.compute_event_features: profile x ticker x month of the manifest, with what their features depend on as parameters';

CREATE FUNCTION tape.forget_dropped_events(event_table regclass, profile text) RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE
RETURN format($q$DELETE FROM %1$s f WHERE f.profile = %2$L AND NOT EXISTS (
                   SELECT FROM tape.manifest m
                    WHERE m.profile = f.profile AND m.source = f.source AND m.ticker = f.ticker AND m.ts = f.ts
                      AND m.event_type = f.event_type AND m.direction = f.direction)$q$, event_table, profile);

COMMENT ON FUNCTION tape.forget_dropped_events(regclass, text) IS 'the statement that deletes the rows of a table of events (tape.event_features, tape.event_labels) of events a profile''s rebuilt manifest no longer has';

CREATE PROCEDURE tape.run_event_step(refresh text, command text, event_table regclass, profile text, config jsonb,
                                     force boolean, "join" boolean, units text)
LANGUAGE plpgsql
AS $$
BEGIN
  CALL tape.require_transaction_control(command);
  CALL tape.run_refresh(refresh, command, jsonb_build_object('profile', profile, 'config', config, 'force', force),
                        "join", force, ARRAY[tape.forget_dropped_events(event_table, profile)], ARRAY[units]);
END
$$;

COMMENT ON PROCEDURE tape.run_event_step(text, text, regclass, text, jsonb, boolean, boolean, text) IS 'run a pipeline step over the events of a profile''s manifest (its refresh, units query and table of results) on the work queue: the rows of events a rebuilt manifest dropped are deleted first, then the units are done';

CREATE FUNCTION tape.notice_uncaptured_features(profile text, config jsonb) RETURNS void
LANGUAGE plpgsql STABLE PARALLEL SAFE
AS $$
DECLARE
  rules jsonb := (tape.require_manifest(profile)).rules;
  w jsonb := tape.event_research_config(profile, config) #> '{features,window}';
  before_s float8 := extract(epoch FROM (rules ->> 'window_before')::interval);
  after_s float8 := extract(epoch FROM (rules ->> 'window_after')::interval);
BEGIN
  -- an intraday event's window holds at least the profile's window around it (merged and
  -- extended windows more); the features compute over what it holds
  IF (w ->> 'before_seconds')::float8 > before_s OR (w ->> 'after_seconds')::float8 > after_s THEN
    RAISE NOTICE 'features.window (% s before, % s after) is wider than what profile "%" captures around an intraday event (% s before, % s after)',
                 w ->> 'before_seconds', w ->> 'after_seconds', profile, before_s, after_s
      USING DETAIL = 'The features of each event are computed over the part of the window its capture holds; the columns covered_before_seconds and covered_after_seconds of tape.event_features say how long that is.';
  END IF;
END
$$;

COMMENT ON FUNCTION tape.notice_uncaptured_features(text, jsonb) IS 'say (a NOTICE) when the features'' window of a pipeline call reaches beyond what the profile captures around an intraday event';

CREATE PROCEDURE tape.compute_event_features(profile text, config jsonb DEFAULT NULL, force boolean DEFAULT false,
                                             "join" boolean DEFAULT false)
LANGUAGE plpgsql
AS $$
BEGIN
  -- a value out of range is an error now, not in every unit
  PERFORM tape.window_features_internal(NULL, NULL, now(), tape.event_research_config(profile, config), NULL, NULL);
  PERFORM tape.notice_uncaptured_features(profile, config);
  CALL tape.run_event_step('features', 'tape.compute_event_features', 'tape.event_features', profile, config, force,
                           "join", tape.event_feature_units(profile, config));
END
$$;

COMMENT ON PROCEDURE tape.compute_event_features(text, jsonb, boolean, boolean) IS 'fill tape.event_features with the features of every event of a profile''s manifest (tape.window_features over its captured window, the profile''s capture window as features.window unless config says otherwise); per ticker and month, resumable, shareable ("join" => true), recomputing only what a new capture, a rebuilt manifest or another configuration changed (force => true: everything)';
