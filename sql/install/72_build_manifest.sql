
-- tape.build_manifest: which events get their ticks captured, and the windows to capture
--
-- The intraday events of the store in a range go through the profile's rules in this order:
--   1. filters: within the sessions of its day, the profile's event types (the keys of
--      type_quotas), the event bar's dollar volume, the spread estimated from the minute bars
--      before the event;
--   2. the score cut-off: a percentile of the scores of each type's remaining candidates;
--   3. a greedy selection in score order (ties: ticker, ts, event type, direction), in rounds:
--      bucket  the events of the time buckets whose reserved share of max_events is not full;
--      quota   each type up to its share of max_events;
--      score   the best remaining candidates of any of the profile's types, up to max_events;
--      in every round an event is skipped when a selected event of its ticker and type is
--      closer than the cool-down, when its ticker-day or its ticker has its cap of events, or
--      (rounds bucket and quota) when its type has its quota, and nothing is taken beyond
--      max_events.  Each skipped event keeps the rule that skipped it last: the NOTICEs count them.
-- Daily events (when the profile takes them) are taken by RVOL, then dollar volume, up to
-- max_daily_events and max_per_ticker.  Each selected event gets a window: intraday events
-- [ts - window_before, ts + window_after) within the day's sessions, extended when its tape
-- speed or implied quote changes pass the profile's percentile; daily events every trading
-- day of their range, whole (04:00-20:00).  Windows of one ticker-day that overlap or are
-- closer than merge_gap merge into one, keeping the list of their events.

CREATE TYPE tape.manifest_choice AS (
    source text,
    ticker text,
    ts timestamptz,
    trading_day date,
    event_type text,
    direction text,
    session text,
    bucket text,
    score double precision,
    dollar_volume double precision,
    spread_pct double precision,
    rvol double precision,
    priority integer,
    left_out text,
    selected_by text,
    cut_by text
);

COMMENT ON TYPE tape.manifest_choice IS 'an event of the store and what the rules of a profile made of it: left out by a filter (left_out), selected (selected_by: the round) or cut (cut_by: the rule)';

CREATE TABLE tape.manifest (
    profile text NOT NULL,
    source text NOT NULL CHECK (source IN ('intraday', 'daily')),
    ticker text NOT NULL,
    ts timestamptz NOT NULL,
    trading_day date NOT NULL,
    event_type text NOT NULL,
    direction text NOT NULL,
    session text,
    bucket text,
    score double precision,
    dollar_volume double precision,
    spread_pct double precision,
    tape_speed double precision,
    quote_changes double precision,
    extended boolean NOT NULL DEFAULT false,
    selected_by text NOT NULL,
    priority integer NOT NULL,
    win_start timestamptz NOT NULL,
    win_end timestamptz NOT NULL,
    window_id integer,
    PRIMARY KEY (profile, source, ticker, ts, event_type, direction)
);

COMMENT ON TABLE tape.manifest IS 'the events a profile''s manifest selected (tape.build_manifest), each with its capture window';
COMMENT ON COLUMN tape.manifest.ts IS 'the event''s bar (intraday); midnight New York of its trading day (daily)';
COMMENT ON COLUMN tape.manifest.bucket IS 'time bucket: PM, open, midday, power_hour, AH (NULL for daily events)';
COMMENT ON COLUMN tape.manifest.spread_pct IS 'the spread estimated from the minute bars before the event (Abdi-Ranaldo), percent; NULL when the profile has no spread filter';
COMMENT ON COLUMN tape.manifest.tape_speed IS 'transactions per minute of the minute bars in the event''s (unextended) window';
COMMENT ON COLUMN tape.manifest.quote_changes IS 'implied quote changes per minute in the event''s (unextended) window: the fewest one-tick moves that each bar''s open, high, low and close need';
COMMENT ON COLUMN tape.manifest.extended IS 'the window was extended (tape speed or quote changes above the profile''s percentile)';
COMMENT ON COLUMN tape.manifest.selected_by IS 'the round that selected the event: bucket, quota, score (intraday) or daily';
COMMENT ON COLUMN tape.manifest.priority IS 'the event''s rank in the selection order (1 = best score; daily events by RVOL)';
COMMENT ON COLUMN tape.manifest.win_start IS 'the event''s own window (intraday: within its day''s sessions; daily: from the first day''s 04:00 to the last day''s 20:00)';
COMMENT ON COLUMN tape.manifest.window_id IS 'the merged window of tape.manifest_windows holding an intraday event''s window (daily events span one per day)';

CREATE INDEX manifest_window_idx ON tape.manifest (profile, window_id);

CREATE TABLE tape.manifest_windows (
    profile text NOT NULL,
    window_id integer NOT NULL,
    ticker text NOT NULL,
    trading_day date NOT NULL,
    win_start timestamptz NOT NULL,
    win_end timestamptz NOT NULL,
    whole_day boolean NOT NULL,
    event_count integer NOT NULL,
    events jsonb NOT NULL,
    estimated_trades double precision,
    PRIMARY KEY (profile, window_id),
    UNIQUE (profile, ticker, win_start),
    CHECK (win_start < win_end)
);

COMMENT ON TABLE tape.manifest_windows IS 'the windows of a profile''s manifest: per ticker-day, the events'' windows merged when they overlap or are closer than merge_gap, with the list of their events';
COMMENT ON COLUMN tape.manifest_windows.events IS 'the merged events: [{"source", "ts", "event_type", "direction"}, ...] in time order';
COMMENT ON COLUMN tape.manifest_windows.estimated_trades IS 'trades expected in the window (the transactions of its minute bars)';

CREATE TABLE tape.manifest_builds (
    profile text PRIMARY KEY,
    from_date date NOT NULL,
    to_date date NOT NULL,
    built_at timestamptz NOT NULL DEFAULT now(),
    rules jsonb NOT NULL,
    candidates integer NOT NULL,
    events integer NOT NULL,
    daily_events integer NOT NULL,
    windows integer NOT NULL
);

COMMENT ON TABLE tape.manifest_builds IS 'the last build of each profile''s manifest: its range, the profile''s rules as they were, and what it selected (tape.capture_ticks follows these rules)';

SELECT pg_catalog.pg_extension_config_dump('tape.manifest', '');
SELECT pg_catalog.pg_extension_config_dump('tape.manifest_windows', '');
SELECT pg_catalog.pg_extension_config_dump('tape.manifest_builds', '');

CREATE FUNCTION tape.require_manifest(profile text) RETURNS tape.manifest_builds
LANGUAGE plpgsql STABLE PARALLEL SAFE
AS $$
DECLARE
  b tape.manifest_builds;
BEGIN
  SELECT * INTO b FROM tape.manifest_builds x WHERE x.profile = require_manifest.profile;
  IF NOT FOUND THEN
    PERFORM tape.profile(profile);    -- the error of a profile that does not exist
    RAISE EXCEPTION 'profile "%" has no manifest', profile
      USING ERRCODE = 'object_not_in_prerequisite_state',
            HINT = format('Build it first: CALL tape.build_manifest(%L, from_date, to_date).', profile);
  END IF;
  RETURN b;
END
$$;

COMMENT ON FUNCTION tape.require_manifest(text) IS 'the last build of a profile''s manifest; an error if the profile does not exist or has no manifest (what every step after the manifest checks first)';

-- measures of an event from the minute bars

CREATE FUNCTION tape.estimated_spread_pct(ticker text, ts timestamptz, minutes integer) RETURNS double precision
LANGUAGE sql STABLE STRICT PARALLEL SAFE
AS $$
  -- Abdi and Ranaldo (2017), "A simple estimation of bid-ask spreads from daily close, high,
  -- and low prices": s^2 = 4 (c_t - eta_t)(c_t - eta_t+1), c the log close, eta the log
  -- mid-range (high + low) / 2, averaged over consecutive bars; s = sqrt(max(mean, 0))
  SELECT CASE WHEN count(*) > 0 THEN 100 * sqrt(greatest(avg(4 * (b.c - b.eta) * (b.c - b.eta_next)), 0)) END
    FROM (SELECT ln(x.close) AS c, (ln(x.high) + ln(x.low)) / 2 AS eta,
                 lead((ln(x.high) + ln(x.low)) / 2) OVER (ORDER BY x.ts) AS eta_next
            FROM tape.bars_1m x
           WHERE x.ticker = estimated_spread_pct.ticker AND x.adjusted
             AND x.ts > estimated_spread_pct.ts - make_interval(mins => minutes) AND x.ts <= estimated_spread_pct.ts
             AND x.close > 0 AND x.high > 0 AND x.low > 0) b
   WHERE b.eta_next IS NOT NULL
$$;

COMMENT ON FUNCTION tape.estimated_spread_pct(text, timestamptz, integer) IS 'the bid-ask spread (percent of the price) estimated from the minute bars of the store in the minutes up to ts, the bar at ts included, by the Abdi-Ranaldo close-high-low estimator; NULL with fewer than two bars';

CREATE FUNCTION tape.bar_quote_changes(open double precision, high double precision, low double precision,
                                       close double precision)
RETURNS double precision
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
-- the shorter of the paths open-low-high-close and open-high-low-close, in ticks (0.01 USD,
-- 0.0001 under 1 USD): the fewest one-tick moves of the price, so of the NBBO, the bar needs
RETURN round(least(abs(open - low) + (high - low) + abs(close - high),
                   abs(open - high) + (high - low) + abs(close - low))
             / CASE WHEN close < 1 THEN 0.0001 ELSE 0.01 END);

COMMENT ON FUNCTION tape.bar_quote_changes(double precision, double precision, double precision, double precision) IS 'the quote changes a minute bar implies: the fewest one-tick moves (0.01 USD, 0.0001 under 1 USD) from its open through its high and low to its close';

-- the selection

CREATE FUNCTION tape.event_choices(p tape.stored_profiles, from_date date, to_date date)
RETURNS SETOF tape.manifest_choice
LANGUAGE plpgsql STABLE PARALLEL SAFE
AS $$
DECLARE
  buckets constant text[] := ARRAY['PM', 'open', 'midday', 'power_hour', 'AH'];
  choices tape.manifest_choice[];
  n integer;
  ticker_no integer[];
  day_no integer[];
  type_no integer[];
  bucket_no integer[];
  type_names text[];
  quota integer[];
  bucket_min integer[];
  conflicts integer[];
  conflict_count integer[];
  conflict_first integer[];
  ticker_count integer[];
  day_count integer[];
  type_count integer[];
  bucket_count integer[];
  blocked boolean[];
  chosen text[];
  cut text[];
  total integer := 0;
  rounds text[];
  r text;
  i integer;
  k integer;
  reason text;
BEGIN
  -- every intraday event of the range and what the filters say; the candidates first, in
  -- the order of selection
  choices := ARRAY(
    WITH events AS (
      SELECT e.ticker, e.ts, e.trading_day, e.event_type, e.direction, e.session, e.score, e.dollar_volume,
             tape.event_bucket(e.ts) AS bucket,
             CASE WHEN tape.event_bucket(e.ts) IS NULL THEN 'session'
                  WHEN p.type_quotas IS NOT NULL AND NOT p.type_quotas ? e.event_type THEN 'type'
                  WHEN p.min_bar_dollar_volume > 0 AND NOT coalesce(e.dollar_volume >= p.min_bar_dollar_volume, false)
                  THEN 'dollar_volume' END AS left_out
        FROM tape.events_intraday e
       WHERE e.trading_day BETWEEN from_date AND to_date),
    spread AS (
      SELECT e.*, CASE WHEN e.left_out IS NULL AND p.max_spread_pct IS NOT NULL
                       THEN tape.estimated_spread_pct(e.ticker, e.ts, tape.setting('manifest.spread_minutes')::integer)
                  END AS spread_pct
        FROM events e),
    filtered AS (
      SELECT s.*, coalesce(s.left_out, CASE WHEN s.spread_pct > p.max_spread_pct THEN 'spread' END) AS filtered_out
        FROM spread s),
    cut_off AS (
      SELECT f.event_type, percentile_cont(p.min_score_percentile / 100) WITHIN GROUP (ORDER BY f.score) AS score
        FROM filtered f
       WHERE f.filtered_out IS NULL AND p.min_score_percentile > 0
       GROUP BY f.event_type),
    judged AS (
      SELECT f.*, coalesce(f.filtered_out,
                           CASE WHEN p.min_score_percentile > 0 AND NOT coalesce(f.score >= c.score, false)
                                THEN 'score' END) AS out
        FROM filtered f LEFT JOIN cut_off c ON c.event_type = f.event_type)
    SELECT ROW('intraday', j.ticker, j.ts, j.trading_day, j.event_type, j.direction, j.session, j.bucket, j.score,
               j.dollar_volume, j.spread_pct, NULL,
               CASE WHEN j.out IS NULL
                    THEN row_number() OVER (PARTITION BY j.out IS NULL
                                            ORDER BY j.score DESC NULLS LAST, j.ticker, j.ts, j.event_type, j.direction) END,
               j.out, NULL, NULL)::tape.manifest_choice
      FROM judged j
     ORDER BY j.out IS NOT NULL, j.score DESC NULLS LAST, j.ticker, j.ts, j.event_type, j.direction);
  n := (SELECT count(*) FROM unnest(choices) c WHERE c.priority IS NOT NULL);

  -- the candidates as numbers: ticker, ticker-day, type and bucket of each, in priority order
  SELECT coalesce(array_agg(x.t ORDER BY x.priority), '{}'), coalesce(array_agg(x.d ORDER BY x.priority), '{}'),
         coalesce(array_agg(x.y ORDER BY x.priority), '{}'), coalesce(array_agg(x.b ORDER BY x.priority), '{}')
    INTO ticker_no, day_no, type_no, bucket_no
    FROM (SELECT c.priority, dense_rank() OVER (ORDER BY c.ticker) AS t,
                 dense_rank() OVER (ORDER BY c.ticker, c.trading_day) AS d,
                 dense_rank() OVER (ORDER BY c.event_type) AS y,
                 coalesce(array_position(buckets, c.bucket), 6) AS b
            FROM unnest(choices) c WHERE c.priority IS NOT NULL) x;
  type_names := ARRAY(SELECT DISTINCT c.event_type FROM unnest(choices) c WHERE c.priority IS NOT NULL ORDER BY 1);
  quota := ARRAY(SELECT round((p.type_quotas ->> t)::numeric * p.max_events)::integer FROM unnest(type_names) t);
  bucket_min := ARRAY(SELECT coalesce(round((p.bucket_minimums ->> bk)::numeric * p.max_events)::integer, 0)
                        FROM unnest(buckets) bk) || 0;

  -- the cool-down: for each candidate, the candidates of its ticker and type closer than it
  WITH c AS (SELECT x.* FROM unnest(choices) x WHERE x.priority IS NOT NULL),
  pairs AS (
    SELECT a.priority AS i, b.priority AS j
      FROM c a JOIN c b ON b.ticker = a.ticker AND b.event_type = a.event_type AND b.trading_day = a.trading_day
                       AND b.priority <> a.priority AND b.ts > a.ts - p.cooldown AND b.ts < a.ts + p.cooldown
     WHERE p.cooldown > interval '0')
  SELECT coalesce((SELECT array_agg(x.j ORDER BY x.i, x.j) FROM pairs x), '{}'),
         ARRAY(SELECT count(x.j)::integer FROM generate_series(1, n) g LEFT JOIN pairs x ON x.i = g GROUP BY g ORDER BY g)
    INTO conflicts, conflict_count;
  conflict_first := array_fill(1, ARRAY[greatest(n, 1)]);
  FOR i IN 2 .. n LOOP
    conflict_first[i] := conflict_first[i - 1] + conflict_count[i - 1];
  END LOOP;

  ticker_count := array_fill(0, ARRAY[greatest(coalesce((SELECT max(t) FROM unnest(ticker_no) t), 0), 1)]);
  day_count := array_fill(0, ARRAY[greatest(coalesce((SELECT max(t) FROM unnest(day_no) t), 0), 1)]);
  type_count := array_fill(0, ARRAY[greatest(cardinality(type_names), 1)]);
  bucket_count := array_fill(0, ARRAY[6]);
  blocked := array_fill(false, ARRAY[greatest(n, 1)]);
  chosen := array_fill(NULL::text, ARRAY[greatest(n, 1)]);
  cut := array_fill(NULL::text, ARRAY[greatest(n, 1)]);

  rounds := CASE WHEN p.bucket_minimums IS NOT NULL THEN ARRAY['bucket'] ELSE '{}' END
            || CASE WHEN p.type_quotas IS NOT NULL THEN ARRAY['quota'] ELSE '{}' END || ARRAY['score'];
  FOREACH r IN ARRAY rounds LOOP
    FOR i IN 1 .. n LOOP
      CONTINUE WHEN chosen[i] IS NOT NULL;
      -- the bucket round takes an event only while its bucket has reserved slots left
      CONTINUE WHEN r = 'bucket' AND bucket_count[bucket_no[i]] >= bucket_min[bucket_no[i]];
      -- the rules, in the order a skipped event is charged to them (a NULL cap never binds)
      reason := CASE WHEN blocked[i] THEN 'cooldown'
                     WHEN day_count[day_no[i]] >= p.max_per_ticker_day THEN 'max_per_ticker_day'
                     WHEN ticker_count[ticker_no[i]] >= p.max_per_ticker THEN 'max_per_ticker'
                     WHEN r <> 'score' AND type_count[type_no[i]] >= quota[type_no[i]] THEN 'type_quota'
                     WHEN total >= p.max_events THEN 'max_events' END;
      IF reason IS NOT NULL THEN
        cut[i] := reason;
        CONTINUE;
      END IF;
      chosen[i] := r;
      cut[i] := NULL;
      total := total + 1;
      day_count[day_no[i]] := day_count[day_no[i]] + 1;
      ticker_count[ticker_no[i]] := ticker_count[ticker_no[i]] + 1;
      type_count[type_no[i]] := type_count[type_no[i]] + 1;
      bucket_count[bucket_no[i]] := bucket_count[bucket_no[i]] + 1;
      FOR k IN conflict_first[i] .. conflict_first[i] + conflict_count[i] - 1 LOOP
        blocked[conflicts[k]] := true;
      END LOOP;
    END LOOP;
  END LOOP;

  -- (joined, not subscripted row by row: a query reads a whole array each time it subscripts one)
  RETURN QUERY
    SELECT c.source, c.ticker, c.ts, c.trading_day, c.event_type, c.direction, c.session, c.bucket, c.score,
           c.dollar_volume, c.spread_pct, c.rvol, c.priority, c.left_out, f.chosen, f.cut
      FROM unnest(choices) c
      LEFT JOIN unnest(chosen, cut) WITH ORDINALITY AS f (chosen, cut, priority) ON f.priority = c.priority;
END
$$;

COMMENT ON FUNCTION tape.event_choices(tape.stored_profiles, date, date) IS 'every intraday event of the store from from_date to to_date (trading days) and what the profile''s rules made of it: left out by a filter or the score cut-off, selected (and in which round), or cut (and by which rule)';

CREATE FUNCTION tape.daily_choices(p tape.stored_profiles, from_date date, to_date date)
RETURNS SETOF tape.manifest_choice
LANGUAGE sql STABLE PARALLEL SAFE
AS $$
  -- by RVOL, then dollar volume: per ticker up to max_per_ticker, then up to max_daily_events
  WITH events AS (
    SELECT e.*, CASE WHEN NOT coalesce(p.daily_windows ? e.event_type, false) THEN 'type' END AS left_out
      FROM tape.events_daily e
     WHERE p.capture_daily AND e.trading_day BETWEEN from_date AND to_date),
  ranked AS (
    SELECT e.*, row_number() OVER (ORDER BY e.rvol DESC NULLS LAST, e.dollar_volume DESC NULLS LAST,
                                            e.ticker, e.trading_day, e.event_type, e.direction) AS priority
      FROM events e WHERE e.left_out IS NULL),
  per_ticker AS (
    SELECT r.*, row_number() OVER (PARTITION BY r.ticker ORDER BY r.priority) AS of_ticker FROM ranked r),
  capped AS (
    SELECT t.*, CASE WHEN t.of_ticker <= coalesce(p.max_per_ticker, t.of_ticker)
                     THEN row_number() OVER (PARTITION BY t.of_ticker <= coalesce(p.max_per_ticker, t.of_ticker)
                                             ORDER BY t.priority) END AS within
      FROM per_ticker t)
  SELECT ROW('daily', e.ticker, tape.ny_midnight(e.trading_day), e.trading_day, e.event_type, e.direction, NULL, NULL,
             NULL, e.dollar_volume, NULL, e.rvol, c.priority::integer, e.left_out,
             CASE WHEN c.within <= p.max_daily_events THEN 'daily' END,
             CASE WHEN c.priority IS NULL THEN NULL
                  WHEN c.within IS NULL THEN 'max_per_ticker'
                  WHEN c.within > p.max_daily_events THEN 'max_daily_events' END)::tape.manifest_choice
    FROM events e
    LEFT JOIN capped c ON c.ticker = e.ticker AND c.trading_day = e.trading_day AND c.event_type = e.event_type
                      AND c.direction = e.direction
$$;

COMMENT ON FUNCTION tape.daily_choices(tape.stored_profiles, date, date) IS 'every daily event of the store in a range and what the profile made of it (nothing unless capture_daily): the types of daily_windows, by RVOL then dollar volume, at most max_per_ticker per ticker and max_daily_events';

-- windows

CREATE FUNCTION tape.manifest_events(p tape.stored_profiles, choices tape.manifest_choice[])
RETURNS SETOF tape.manifest
LANGUAGE sql STABLE PARALLEL SAFE
AS $$
  WITH picked AS (
    SELECT c.* FROM unnest(choices) c WHERE c.selected_by IS NOT NULL),
  measured AS (
    -- the tape speed and the implied quote changes of each intraday event's window
    SELECT c.*, m.tape_speed, m.quote_changes
      FROM picked c
      CROSS JOIN LATERAL (
        SELECT coalesce(sum(b.transactions), 0) / (extract(epoch FROM p.window_before + p.window_after) / 60) AS tape_speed,
               coalesce(sum(tape.bar_quote_changes(b.open, b.high, b.low, b.close)), 0)
                 / (extract(epoch FROM p.window_before + p.window_after) / 60) AS quote_changes
          FROM tape.bars_1m b
         WHERE b.ticker = c.ticker AND b.adjusted AND b.ts >= c.ts - p.window_before AND b.ts < c.ts + p.window_after) m
     WHERE c.source = 'intraday'),
  cuts AS MATERIALIZED (
    -- computed once (inlined, the planner may compute it again for every event)
    SELECT percentile_cont(p.extend_percentile / 100) WITHIN GROUP (ORDER BY m.tape_speed) AS tape_speed,
           percentile_cont(p.extend_percentile / 100) WITHIN GROUP (ORDER BY m.quote_changes) AS quote_changes
      FROM measured m
     WHERE p.extend_percentile IS NOT NULL),
  intraday AS (
    SELECT m.*, coalesce(m.tape_speed > x.tape_speed OR m.quote_changes > x.quote_changes, false) AS extended
      FROM measured m LEFT JOIN cuts x ON true)
  SELECT p.profile, 'intraday', i.ticker, i.ts, i.trading_day, i.event_type, i.direction, i.session, i.bucket, i.score,
         i.dollar_volume, i.spread_pct, i.tape_speed, i.quote_changes, i.extended, i.selected_by, i.priority,
         greatest(i.ts - CASE WHEN i.extended THEN p.extended_before ELSE p.window_before END, s.pm_open),
         least(i.ts + CASE WHEN i.extended THEN p.extended_after ELSE p.window_after END, s.ah_close),
         NULL::integer
    FROM intraday i, tape.session_bounds(i.trading_day) s
  UNION ALL
  SELECT p.profile, 'daily', c.ticker, c.ts, c.trading_day, c.event_type, c.direction, NULL, NULL, NULL,
         c.dollar_volume, NULL, NULL, NULL, false, c.selected_by, c.priority,
         (SELECT s.pm_open FROM tape.session_bounds(tape.add_trading_days(c.trading_day, -(p.daily_windows ->> c.event_type)::integer)) s),
         (SELECT s.ah_close FROM tape.session_bounds(tape.add_trading_days(c.trading_day, (p.daily_windows ->> c.event_type)::integer)) s),
         NULL::integer
    FROM picked c
   WHERE c.source = 'daily'
$$;

COMMENT ON FUNCTION tape.manifest_events(tape.stored_profiles, tape.manifest_choice[]) IS 'the selected events of some choices with their windows: intraday ones [ts - window_before, ts + window_after) within the day''s sessions, extended past the profile''s percentile of tape speed or quote changes; daily ones whole trading days around their day';

CREATE FUNCTION tape.merge_windows(p tape.stored_profiles, events tape.manifest[])
RETURNS SETOF tape.manifest_windows
LANGUAGE sql STABLE PARALLEL SAFE
AS $$
  WITH pieces AS (
    -- a window per event and trading day: intraday events one, daily events each day of their range
    SELECT e.ticker, e.trading_day, e.win_start, e.win_end, e.source, e.ts, e.event_type, e.direction
      FROM unnest(events) e WHERE e.source = 'intraday'
    UNION ALL
    SELECT e.ticker, d::date, s.pm_open, s.ah_close, e.source, e.ts, e.event_type, e.direction
      FROM unnest(events) e
      CROSS JOIN LATERAL generate_series((e.win_start AT TIME ZONE 'America/New_York')::date,
                                         (e.win_end AT TIME ZONE 'America/New_York')::date, interval '1 day') d
      CROSS JOIN LATERAL tape.session_bounds(d::date) s
     WHERE e.source = 'daily' AND s.pm_open IS NOT NULL),
  ordered AS (
    SELECT x.*, max(x.win_end) OVER (PARTITION BY x.ticker, x.trading_day ORDER BY x.win_start, x.win_end, x.ts, x.event_type, x.direction
                                     ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS before_end
      FROM pieces x),
  islands AS (
    -- a window starts a new one unless it begins less than merge_gap after those before it end
    SELECT o.*, sum(CASE WHEN o.before_end IS NULL OR o.win_start >= o.before_end + p.merge_gap THEN 1 ELSE 0 END)
                  OVER (PARTITION BY o.ticker, o.trading_day ORDER BY o.win_start, o.win_end, o.ts, o.event_type, o.direction
                        ROWS UNBOUNDED PRECEDING) AS island
      FROM ordered o),
  merged AS (
    SELECT i.ticker, i.trading_day, min(i.win_start) AS win_start, max(i.win_end) AS win_end, count(*)::integer AS event_count,
           jsonb_agg(jsonb_build_object('source', i.source, 'ts', i.ts, 'event_type', i.event_type, 'direction', i.direction)
                     ORDER BY i.ts, i.source, i.event_type, i.direction) AS events
      FROM islands i
     GROUP BY i.ticker, i.trading_day, i.island)
  SELECT p.profile, row_number() OVER (ORDER BY m.ticker, m.win_start)::integer, m.ticker, m.trading_day, m.win_start,
         m.win_end, m.win_start <= s.pm_open AND m.win_end >= s.ah_close, m.event_count, m.events,
         (tape.estimated_trades(m.ticker, m.trading_day, ARRAY[tstzrange(m.win_start, m.win_end)]))[1]
    FROM merged m, tape.session_bounds(m.trading_day) s
$$;

COMMENT ON FUNCTION tape.merge_windows(tape.stored_profiles, tape.manifest[]) IS 'the windows of some manifest events per ticker-day, merged when they overlap or are less than the profile''s merge_gap apart, numbered by ticker and time, with the list of their events';

-- reporting

CREATE FUNCTION tape.thousands(n double precision) RETURNS text
LANGUAGE sql STABLE STRICT PARALLEL SAFE
RETURN to_char(round(n), 'FM999,999,999,999,990');

COMMENT ON FUNCTION tape.thousands(double precision) IS 'a count with thousands separators, as the NOTICEs print it';

CREATE FUNCTION tape.count_of(n double precision, noun text) RETURNS text
LANGUAGE sql STABLE STRICT PARALLEL SAFE
RETURN tape.thousands(n) || ' ' || noun || CASE WHEN round(n) = 1 THEN '' ELSE 's' END;

COMMENT ON FUNCTION tape.count_of(double precision, text) IS 'a count and its noun, plural unless it is 1: 1 event, 2 events';

CREATE FUNCTION tape.short_of(candidates bigint, selected bigint) RETURNS text
LANGUAGE sql STABLE STRICT PARALLEL SAFE
RETURN CASE WHEN candidates = 0 THEN 'no candidates'
            WHEN candidates = selected THEN 'only ' || tape.count_of(candidates, 'candidate')
            WHEN selected = 0 AND candidates = 1 THEN '1 candidate, cut by the rules above'
            WHEN selected = 0 THEN tape.count_of(candidates, 'candidate') || ', all cut by the rules above'
            ELSE tape.count_of(candidates, 'candidate') || ', the others cut by the rules above' END;

COMMENT ON FUNCTION tape.short_of(bigint, bigint) IS 'why a quota or a time bucket was not filled: its candidates, and what the rules did to them';

CREATE FUNCTION tape.minutes_text(span interval) RETURNS text
LANGUAGE sql STABLE STRICT PARALLEL SAFE
RETURN tape.count_of(extract(epoch FROM span) / 60, 'minute');

COMMENT ON FUNCTION tape.minutes_text(interval) IS 'an interval in minutes, as the NOTICEs print it: 10 minutes';

CREATE FUNCTION tape.counts_line(label text, counts jsonb) RETURNS text
LANGUAGE sql STABLE STRICT PARALLEL SAFE
RETURN format('%-11s %s', label || ':',
              coalesce((SELECT string_agg((x.v ->> 0) || ' ' || tape.thousands((x.v ->> 1)::double precision), ', '
                                          ORDER BY x.ord)
                          FROM jsonb_array_elements(counts) WITH ORDINALITY AS x (v, ord)), 'none'));

COMMENT ON FUNCTION tape.counts_line(text, jsonb) IS 'a line of a NOTICE: a label, then key count pairs from [[key, count], ...]';

CREATE FUNCTION tape.report_manifest(p tape.stored_profiles, choices tape.manifest_choice[], events tape.manifest[],
                                     windows tape.manifest_windows[])
RETURNS void
LANGUAGE plpgsql STABLE PARALLEL SAFE
AS $$
DECLARE
  x record;
  intraday integer := (SELECT count(*) FROM unnest(choices) c WHERE c.source = 'intraday');
  candidates integer := (SELECT count(*) FROM unnest(choices) c WHERE c.source = 'intraday' AND c.priority IS NOT NULL);
  chosen integer := (SELECT count(*) FROM unnest(events) e WHERE e.source = 'intraday');
  filters text;
  rules text;
  detail text;
BEGIN
  -- 1. the filters and the score cut-off
  SELECT string_agg(format('%s %s', tape.thousands(f.n), f.what), ', ' ORDER BY f.ord) INTO filters
    FROM (SELECT CASE c.left_out WHEN 'session' THEN 0 WHEN 'type' THEN 1 WHEN 'dollar_volume' THEN 2 WHEN 'spread' THEN 3
                                 ELSE 4 END AS ord,
                 count(*) AS n,
                 CASE c.left_out
                   WHEN 'session' THEN 'outside the sessions of their day'
                   WHEN 'type' THEN 'not of the profile''s types (' ||
                                    (SELECT string_agg(DISTINCT d.event_type, ', ') FROM unnest(choices) d
                                      WHERE d.source = 'intraday' AND d.left_out = 'type') || ')'
                   WHEN 'dollar_volume' THEN format('under the bar dollar volume of %s', tape.thousands(p.min_bar_dollar_volume))
                   WHEN 'spread' THEN format('over the estimated spread of %s %%', p.max_spread_pct)
                   ELSE format('under the score cut-off (the %sth percentile of their type)', p.min_score_percentile) END AS what
            FROM unnest(choices) c WHERE c.source = 'intraday' AND c.left_out IS NOT NULL
           GROUP BY c.left_out) f;
  RAISE NOTICE '% intraday events in the range: %; % candidates', tape.thousands(intraday),
    coalesce(filters, 'no filter left one out'), tape.thousands(candidates);

  -- 2. the rules that cut candidates, and by how much
  FOR x IN
    SELECT c.cut_by, count(*) AS n FROM unnest(choices) c WHERE c.cut_by IS NOT NULL AND c.source = 'intraday'
     GROUP BY c.cut_by ORDER BY CASE c.cut_by WHEN 'cooldown' THEN 1 WHEN 'max_per_ticker_day' THEN 2
                                              WHEN 'max_per_ticker' THEN 3 ELSE 4 END
  LOOP
    RAISE NOTICE '%', CASE x.cut_by
      WHEN 'cooldown' THEN format('cool-down (%s per type) cut %s', tape.minutes_text(p.cooldown), tape.count_of(x.n, 'event'))
      WHEN 'max_per_ticker_day' THEN format('per-ticker-day cap (%s) cut %s', p.max_per_ticker_day, tape.count_of(x.n, 'event'))
      WHEN 'max_per_ticker' THEN format('per-ticker cap (%s) cut %s', p.max_per_ticker, tape.count_of(x.n, 'event'))
      ELSE format('max_events (%s) cut %s', tape.thousands(p.max_events), tape.count_of(x.n, 'event')) END;
  END LOOP;

  -- 3. quotas and time buckets that could not be filled
  FOR x IN
    SELECT q.key AS type, round(q.value::text::numeric * p.max_events) AS wanted,
           (SELECT count(*) FROM unnest(choices) c WHERE c.source = 'intraday' AND c.priority IS NOT NULL AND c.event_type = q.key) AS candidates,
           (SELECT count(*) FROM unnest(choices) c WHERE c.source = 'intraday' AND c.selected_by IS NOT NULL AND c.event_type = q.key) AS selected
      FROM jsonb_each(p.type_quotas) q ORDER BY q.key
  LOOP
    CONTINUE WHEN x.selected >= x.wanted;
    RAISE NOTICE 'type quota of %: % of % filled (%)', x.type, tape.thousands(x.selected), tape.thousands(x.wanted),
      tape.short_of(x.candidates, x.selected);
  END LOOP;
  FOR x IN
    SELECT b.bucket, round(coalesce((p.bucket_minimums ->> b.bucket)::numeric, 0) * p.max_events) AS wanted,
           (SELECT count(*) FROM unnest(choices) c WHERE c.source = 'intraday' AND c.priority IS NOT NULL AND c.bucket = b.bucket) AS candidates,
           (SELECT count(*) FROM unnest(choices) c WHERE c.source = 'intraday' AND c.selected_by IS NOT NULL AND c.bucket = b.bucket) AS selected
      FROM tape.time_buckets() b
  LOOP
    CONTINUE WHEN x.selected >= x.wanted;
    RAISE NOTICE 'time bucket %: % of the % reserved filled (%)', x.bucket, tape.thousands(x.selected),
      tape.thousands(x.wanted),
      tape.short_of(x.candidates, x.selected);
  END LOOP;
  IF p.type_quotas IS NOT NULL AND chosen > 0 AND
     (SELECT count(*) FROM unnest(choices) c WHERE c.selected_by = 'score') > 0 THEN
    RAISE NOTICE '% events beyond the type quotas took the slots left free, by score',
      tape.thousands((SELECT count(*) FROM unnest(choices) c WHERE c.selected_by = 'score'));
  END IF;

  -- 4. daily events
  IF p.capture_daily THEN
    SELECT count(*) AS all_events, count(*) FILTER (WHERE c.left_out IS NOT NULL) AS other_types,
           count(*) FILTER (WHERE c.selected_by IS NOT NULL) AS selected,
           count(*) FILTER (WHERE c.cut_by = 'max_per_ticker') AS ticker_cut,
           count(*) FILTER (WHERE c.cut_by = 'max_daily_events') AS max_cut
      INTO x FROM unnest(choices) c WHERE c.source = 'daily';
    RAISE NOTICE '% daily events in the range: % not of the types of daily_windows, % cut by the per-ticker cap (%), % by max_daily_events (%); % selected',
      tape.thousands(x.all_events), tape.thousands(x.other_types), tape.thousands(x.ticker_cut),
      coalesce(p.max_per_ticker::text, 'none'), tape.thousands(x.max_cut), tape.thousands(p.max_daily_events),
      tape.thousands(x.selected);
  END IF;

  -- 5. what was selected: counts by type, session, time bucket and month
  SELECT tape.counts_line('by type', coalesce(jsonb_agg(jsonb_build_array(t.k, t.n) ORDER BY t.n DESC, t.k), '[]'))
    INTO detail
    FROM (SELECT e.event_type AS k, count(*) AS n FROM unnest(events) e GROUP BY 1) t;
  SELECT detail || E'\n' || tape.counts_line('by session', coalesce(jsonb_agg(jsonb_build_array(t.k, t.n) ORDER BY t.o), '[]'))
    INTO detail
    FROM (SELECT coalesce(e.session, 'daily') AS k, count(*) AS n,
                 array_position(ARRAY['PM', 'RTH', 'AH', 'daily'], coalesce(e.session, 'daily')) AS o
            FROM unnest(events) e GROUP BY 1) t;
  SELECT detail || E'\n' || tape.counts_line('by bucket', coalesce(jsonb_agg(jsonb_build_array(t.k, t.n) ORDER BY t.o), '[]'))
    INTO detail
    FROM (SELECT coalesce(e.bucket, 'daily') AS k, count(*) AS n,
                 array_position(ARRAY['PM', 'open', 'midday', 'power_hour', 'AH', 'daily'], coalesce(e.bucket, 'daily')) AS o
            FROM unnest(events) e GROUP BY 1) t;
  SELECT detail || E'\n' || tape.counts_line('by month', coalesce(jsonb_agg(jsonb_build_array(t.k, t.n) ORDER BY t.k), '[]'))
    INTO detail
    FROM (SELECT to_char(e.trading_day, 'YYYY-MM') AS k, count(*) AS n FROM unnest(events) e GROUP BY 1) t;
  RAISE NOTICE '%', format('selected %s (max_events %s)%s: %s, %s%s',
    tape.count_of(chosen, 'intraday event'), tape.thousands(p.max_events),
    CASE WHEN p.capture_daily THEN ' and ' || tape.count_of((SELECT count(*) FROM unnest(events) e WHERE e.source = 'daily'),
                                                           'daily event')
         ELSE '' END,
    tape.count_of(cardinality(windows), 'window'),
    CASE WHEN (SELECT count(*) FROM unnest(windows) w WHERE w.event_count > 1) = 0 THEN 'none merged'
         ELSE format('%s of them merged from %s',
                     tape.thousands((SELECT count(*) FROM unnest(windows) w WHERE w.event_count > 1)),
                     tape.count_of((SELECT sum(w.event_count) FROM unnest(windows) w WHERE w.event_count > 1), 'event'))
    END,
    CASE WHEN p.extend_percentile IS NULL THEN ''
         ELSE format('; %s extended to -%s/+%s minutes',
                     tape.count_of((SELECT count(*) FROM unnest(events) e WHERE e.extended), 'event window'),
                     (extract(epoch FROM p.extended_before) / 60)::float8, (extract(epoch FROM p.extended_after) / 60)::float8) END)
    USING DETAIL = detail;
END
$$;

COMMENT ON FUNCTION tape.report_manifest(tape.stored_profiles, tape.manifest_choice[], tape.manifest[], tape.manifest_windows[]) IS 'the NOTICEs of tape.build_manifest: what the filters left out, every rule that cut events and by how much, quotas and buckets not filled, and the selection by type, session, bucket and month';

CREATE FUNCTION tape.report_plan(p tape.stored_profiles, windows tape.manifest_windows[], kinds text[]) RETURNS void
LANGUAGE plpgsql STABLE PARALLEL SAFE
AS $$
DECLARE
  rpm integer := tape.capture_requests_per_minute();
  todo tape.manifest_windows[];
  steps tape.capture_step[] := '{}';
  kind text;
BEGIN
  FOREACH kind IN ARRAY kinds LOOP
    todo := ARRAY(SELECT w FROM unnest(windows) w
                   WHERE NOT tape.window_is_captured(w.ticker, w.trading_day, w.win_start, w.win_end, kind,
                                                     CASE kind WHEN 'quotes' THEN p.quotes_per_second ELSE 0 END));
    steps := steps || ARRAY(SELECT s FROM tape.capture_plan(todo, kind,
                                                            CASE kind WHEN 'quotes' THEN p.quotes_per_second ELSE 0 END,
                                                            rpm) s);
  END LOOP;
  IF cardinality(steps) = 0 THEN
    RAISE NOTICE 'capture plan: nothing to fetch, every window is captured';
    RETURN;
  END IF;
  RAISE NOTICE 'capture plan % (the server of %), per ticker-day the cheapest of a request series per window, one over their span or the whole day%',
    CASE WHEN rpm > 0 THEN format('at %s requests a minute', rpm) ELSE 'without a rate limit' END, tape.foreign_table('trades'),
    CASE WHEN (SELECT count(*) FROM unnest(windows)) * cardinality(kinds) > (SELECT sum(s.windows) FROM unnest(steps) s)
         THEN format('; %s windows of %s are captured already', 
                     tape.thousands((SELECT count(*) FROM unnest(windows)) * cardinality(kinds) - (SELECT sum(s.windows) FROM unnest(steps) s)),
                     array_to_string(kinds, ' or '))
         ELSE '' END
    USING DETAIL = tape.plan_report(steps, rpm);
END
$$;

COMMENT ON FUNCTION tape.report_plan(tape.stored_profiles, tape.manifest_windows[], text[]) IS 'the NOTICE of a capture plan: for the windows not captured yet, the plan chosen and the naive one (a series per window) per kind, with requests, rows, bytes and hours at the server''s rate limit';

-- the procedure

CREATE PROCEDURE tape.build_manifest(profile text, from_date date DEFAULT NULL, to_date date DEFAULT NULL,
                                     dry_run boolean DEFAULT false)
LANGUAGE plpgsql
AS $$
DECLARE
  p tape.stored_profiles := tape.profile(profile);
  first_day date := coalesce(from_date, least((SELECT min(e.trading_day) FROM tape.events_intraday e),
                                              (SELECT min(e.trading_day) FROM tape.events_daily e)), tape.ny_today());
  last_day date := coalesce(to_date, tape.ny_today());
  choices tape.manifest_choice[];
  events tape.manifest[];
  windows tape.manifest_windows[];
BEGIN
  IF first_day > last_day THEN
    RAISE EXCEPTION 'from_date % is after to_date %', first_day, last_day
      USING ERRCODE = 'invalid_parameter_value',
            HINT = 'tape.build_manifest takes the events of from_date to to_date, both included (trading days).';
  END IF;
  RAISE NOTICE '%', format('tape.build_manifest: profile %s, %s to %s%s', p.profile, first_day, last_day,
                            CASE WHEN dry_run THEN ' (dry run: nothing is written, nothing is fetched)' ELSE '' END);
  choices := ARRAY(SELECT c FROM tape.event_choices(p, first_day, last_day) c)
             || ARRAY(SELECT c FROM tape.daily_choices(p, first_day, last_day) c);
  events := ARRAY(SELECT e FROM tape.manifest_events(p, choices) e);
  windows := ARRAY(SELECT w FROM tape.merge_windows(p, events) w);
  -- each intraday event in the merged window that holds its own
  events := ARRAY(
    SELECT ROW(e.profile, e.source, e.ticker, e.ts, e.trading_day, e.event_type, e.direction, e.session, e.bucket,
               e.score, e.dollar_volume, e.spread_pct, e.tape_speed, e.quote_changes, e.extended, e.selected_by,
               e.priority, e.win_start, e.win_end,
               CASE WHEN e.source = 'intraday'
                    THEN (SELECT w.window_id FROM unnest(windows) w
                           WHERE w.ticker = e.ticker AND w.trading_day = e.trading_day
                             AND w.win_start <= e.win_start AND w.win_end >= e.win_end) END)::tape.manifest
      FROM unnest(events) e);
  PERFORM tape.report_manifest(p, choices, events, windows);
  PERFORM tape.report_plan(p, windows, ARRAY['trades', 'quotes']);
  IF dry_run THEN
    RETURN;
  END IF;
  DELETE FROM tape.manifest m WHERE m.profile = p.profile;
  DELETE FROM tape.manifest_windows w WHERE w.profile = p.profile;
  INSERT INTO tape.manifest SELECT e.* FROM unnest(events) e;
  INSERT INTO tape.manifest_windows SELECT w.* FROM unnest(windows) w;
  INSERT INTO tape.manifest_builds AS b (profile, from_date, to_date, built_at, rules, candidates, events, daily_events, windows)
  VALUES (p.profile, first_day, last_day, now(), to_jsonb(p),
          (SELECT count(*) FROM unnest(choices) c WHERE c.priority IS NOT NULL AND c.source = 'intraday'),
          (SELECT count(*) FROM unnest(events) e WHERE e.source = 'intraday'),
          (SELECT count(*) FROM unnest(events) e WHERE e.source = 'daily'), cardinality(windows))
  ON CONFLICT ON CONSTRAINT manifest_builds_pkey DO UPDATE
     SET from_date = EXCLUDED.from_date, to_date = EXCLUDED.to_date, built_at = EXCLUDED.built_at,
         rules = EXCLUDED.rules, candidates = EXCLUDED.candidates, events = EXCLUDED.events,
         daily_events = EXCLUDED.daily_events, windows = EXCLUDED.windows;
  RAISE NOTICE 'manifest % written: % events in tape.manifest, % windows in tape.manifest_windows', p.profile,
    tape.thousands(cardinality(events)), tape.thousands(cardinality(windows))
    USING HINT = format('CALL tape.capture_ticks(%L) captures them.', p.profile);
END
$$;

COMMENT ON PROCEDURE tape.build_manifest(text, date, date, boolean) IS 'select the events of the store from from_date to to_date (default: all of them, to today) by the rules of a profile and write its manifest (tape.manifest, tape.manifest_windows), saying which rules bound and what the capture plan costs; dry_run => true only reports';
