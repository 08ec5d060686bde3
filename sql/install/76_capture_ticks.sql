
-- tape.capture_ticks: the trades and quotes of a manifest's windows, fetched as the capture
-- plan says and stored once each, compressed
--
-- Captured ticks are stored by what they are, not by the manifest that asked for them: a
-- row of tape.tick_windows is the trades (or the quotes, down-sampled to quotes_per_second)
-- of one ticker over one exact range of one trading day.  A manifest window is captured when
-- a stored range of its ticker, kind and sampling covers it, so a rebuilt manifest, or
-- another profile with the same windows, fetches nothing again.
--
-- The work is a refresh of the work queue (52_work_queue.sql): a unit is the windows of one
-- ticker-day for one kind, fetched by the request series of the plan chosen for that
-- ticker-day (74_capture_plan.sql) with constant bounds, split into the windows, packed and
-- stored in one transaction.  Units are claimed with FOR UPDATE SKIP LOCKED and committed one
-- by one: a cancel, a crash or kill -9 loses only the unit in flight, and several sessions
-- can share the work ("join" => true).  A disk budget stops the run before it writes the unit
-- that would pass it.

CREATE TABLE tape.tick_windows (
    ticker text NOT NULL,
    trading_day date NOT NULL,
    kind text NOT NULL CHECK (kind IN ('trades', 'quotes')),
    quotes_per_second integer NOT NULL DEFAULT 0,
    win_start timestamptz NOT NULL,
    win_end timestamptz NOT NULL,
    block tape.tick_block NOT NULL,
    rows bigint NOT NULL,
    source_rows bigint NOT NULL,
    bytes bigint NOT NULL,
    captured_at timestamptz NOT NULL DEFAULT now(),
    run_id bigint,
    PRIMARY KEY (ticker, trading_day, kind, quotes_per_second, win_start, win_end),
    CHECK (win_start < win_end),
    CHECK (kind = 'quotes' OR quotes_per_second = 0)
);

-- blocks are zstd already: out of line when large, never compressed again (the type's
-- default, stated here so that the table says it)
ALTER TABLE tape.tick_windows ALTER COLUMN block SET STORAGE EXTERNAL;

COMMENT ON TABLE tape.tick_windows IS 'captured ticks: the trades, or the quotes (down-sampled to quotes_per_second, 0 = every update), of one ticker over one exact range [win_start, win_end) of a trading day, as one tick block; filled by tape.capture_ticks, kept by pg_dump';
COMMENT ON COLUMN tape.tick_windows.rows IS 'rows in the block';
COMMENT ON COLUMN tape.tick_windows.source_rows IS 'rows fetched for the range (more than rows when quotes were down-sampled)';
COMMENT ON COLUMN tape.tick_windows.bytes IS 'bytes of the block (what the disk budget counts)';

SELECT pg_catalog.pg_extension_config_dump('tape.tick_windows', '');

CREATE FUNCTION tape.window_is_captured(ticker text, trading_day date, win_start timestamptz, win_end timestamptz,
                                        kind text, quotes_per_second integer)
RETURNS boolean
LANGUAGE sql STABLE PARALLEL SAFE
RETURN EXISTS (SELECT FROM tape.tick_windows c
                WHERE c.ticker = window_is_captured.ticker AND c.trading_day = window_is_captured.trading_day
                  AND c.kind = window_is_captured.kind
                  AND c.quotes_per_second = CASE window_is_captured.kind WHEN 'quotes' THEN window_is_captured.quotes_per_second ELSE 0 END
                  AND c.win_start <= window_is_captured.win_start AND c.win_end >= window_is_captured.win_end);

COMMENT ON FUNCTION tape.window_is_captured(text, date, timestamptz, timestamptz, text, integer) IS 'whether a stored range of tape.tick_windows (same ticker, day, kind and quote sampling) covers a window';

-- one unit: the fetch, with constant bounds, and the windows it is split into

CREATE FUNCTION tape.ts_literal(ts timestamptz) RETURNS text
LANGUAGE sql STABLE STRICT PARALLEL SAFE
RETURN quote_literal(to_char(ts AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US') || '+00');

COMMENT ON FUNCTION tape.ts_literal(timestamptz) IS 'a timestamptz as an SQL literal that reads back exactly whatever the session''s DateStyle and time zone';

CREATE FUNCTION tape.ranges_json(ranges tstzrange[]) RETURNS jsonb
LANGUAGE sql STABLE STRICT PARALLEL SAFE
RETURN coalesce((SELECT jsonb_agg(jsonb_build_array(to_char(lower(r) AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
                                                    to_char(upper(r) AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'))
                                  ORDER BY lower(r))
                   FROM unnest(ranges) r), '[]');

COMMENT ON FUNCTION tape.ranges_json(tstzrange[]) IS 'time ranges as a JSON array of [start, end] pairs (UTC), as the parameters of a capture unit keep them';

CREATE FUNCTION tape.ranges_of(ranges jsonb) RETURNS tstzrange[]
LANGUAGE sql STABLE STRICT PARALLEL SAFE
RETURN ARRAY(SELECT tstzrange((r ->> 0)::timestamptz, (r ->> 1)::timestamptz)
               FROM jsonb_array_elements(ranges) WITH ORDINALITY AS x (r, k) ORDER BY k);

COMMENT ON FUNCTION tape.ranges_of(jsonb) IS 'the time ranges of a JSON array of [start, end] pairs';

CREATE FUNCTION tape.capture_query(kind text, ticker text, series tstzrange[], windows tstzrange[],
                                   quotes_per_second integer)
RETURNS text
LANGUAGE sql STABLE STRICT PARALLEL SAFE
-- The request series are foreign scans with constant bounds inside a MATERIALIZED CTE: each
-- is exactly one planned series (never a scan driven by the join below it), read once.  Each
-- row finds its window by a binary search over the windows' bounds (width_bucket: an odd
-- bucket 2k - 1 is window k, an even one a gap between windows), then each window is packed,
-- an empty window into an empty block.
RETURN format($q$WITH fetched AS MATERIALIZED (
  %s),
placed AS (
  SELECT f.*, width_bucket(f.ts, %L::timestamptz[]) AS bucket FROM fetched f)
SELECT w.win_start, w.win_end, count(p.bucket) AS source_rows,
       %s AS block
  FROM (VALUES %s) AS w (k, win_start, win_end)
  LEFT JOIN placed p ON p.bucket = 2 * w.k - 1
 GROUP BY w.k, w.win_start, w.win_end$q$,
  (SELECT string_agg(format('SELECT * FROM %s WHERE ticker = %L AND ts >= %s AND ts < %s',
                            tape.foreign_table(kind), ticker, tape.ts_literal(lower(s)), tape.ts_literal(upper(s))),
                     E'\n  UNION ALL\n  ' ORDER BY lower(s))
     FROM unnest(series) s),
  (SELECT array_agg(b ORDER BY k, b)::text
     FROM (SELECT to_char(lower(w) AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US+00') AS b, k
             FROM unnest(windows) WITH ORDINALITY AS x (w, k)
           UNION ALL
           SELECT to_char(upper(w) AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US+00'), k
             FROM unnest(windows) WITH ORDINALITY AS x (w, k)) bounds),
  CASE kind WHEN 'trades' THEN 'tape.pack_trades(p ORDER BY p.sip_timestamp, p.sequence_number)'
            ELSE format('tape.pack_quotes(p, %s ORDER BY p.sip_timestamp, p.sequence_number)', quotes_per_second) END,
  (SELECT string_agg(format('(%s, %s::timestamptz, %s::timestamptz)', k, tape.ts_literal(lower(w)), tape.ts_literal(upper(w))),
                     ', ' ORDER BY k)
     FROM unnest(windows) WITH ORDINALITY AS x (w, k)));

COMMENT ON FUNCTION tape.capture_query(text, text, tstzrange[], tstzrange[], integer) IS 'the query of a capture unit: the request series (constant bounds, one foreign scan each), split into the windows, each packed into a block (quotes down-sampled to quotes_per_second); EXPLAIN it to see the requests';

CREATE FUNCTION tape.disk_budget_reached(budget bigint, stored bigint, unit text, needed bigint) RETURNS void
LANGUAGE plpgsql STABLE PARALLEL SAFE
AS $$
BEGIN
  RAISE EXCEPTION 'disk budget of % reached', pg_catalog.pg_size_pretty(budget)
    USING ERRCODE = 'disk_full',
          DETAIL = format('The tick blocks stored take %s; %s.', pg_catalog.pg_size_pretty(stored),
                          CASE WHEN needed IS NULL THEN 'nothing more fits'
                               ELSE format('the next unit (%s) needs %s more', unit, pg_catalog.pg_size_pretty(needed)) END),
          HINT = 'Call tape.capture_ticks again with a larger disk_budget (or set capture.disk_budget) to capture the rest.';
END
$$;

COMMENT ON FUNCTION tape.disk_budget_reached(bigint, bigint, text, bigint) IS 'the error that stops a capture at its disk budget (SQLSTATE 53100 disk_full: the work queue ends the run cleanly and leaves the unit to do)';

CREATE FUNCTION tape.load_tick_windows(units tape.work_queue[]) RETURNS bigint
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
AS $$
DECLARE
  u tape.work_queue := units[1];
  unit_kind text := u.params ->> 'kind';
  qps integer := (u.params ->> 'quotes_per_second')::integer;
  budget bigint := (SELECT (r.arguments ->> 'disk_budget')::bigint FROM tape.refresh_runs r WHERE r.run_id = u.run_id);
  stored bigint;
  starts timestamptz[];
  ends timestamptz[];
  fetched bigint[];
  blocks tape.tick_block[];
  needed bigint;
BEGIN
  IF budget > 0 THEN
    stored := coalesce((SELECT sum(t.bytes) FROM tape.tick_windows t), 0);
    IF stored >= budget THEN
      PERFORM tape.disk_budget_reached(budget, stored, u.unit_key, NULL);
    END IF;
  END IF;
  EXECUTE format('SELECT array_agg(q.win_start ORDER BY q.win_start), array_agg(q.win_end ORDER BY q.win_start),
                         array_agg(q.source_rows ORDER BY q.win_start), array_agg(q.block ORDER BY q.win_start)
                    FROM (%s) q',
                 tape.capture_query(unit_kind, u.ticker, tape.ranges_of(u.params -> 'series'),
                                    tape.ranges_of(u.params -> 'windows'), qps))
    INTO starts, ends, fetched, blocks;
  needed := (SELECT sum((tape.block_info(b)).bytes) FROM unnest(blocks) b);
  IF budget > 0 THEN
    -- one session at a time checks and writes, so that sessions sharing a run keep to it together
    PERFORM pg_catalog.pg_advisory_xact_lock(1952542821, pg_catalog.hashtext('tape.tick_windows budget'));
    stored := coalesce((SELECT sum(t.bytes) FROM tape.tick_windows t), 0);
    IF stored + needed > budget THEN
      PERFORM tape.disk_budget_reached(budget, stored, u.unit_key, needed);
    END IF;
  END IF;
  INSERT INTO tape.tick_windows AS t (ticker, trading_day, kind, quotes_per_second, win_start, win_end, block, rows,
                                      source_rows, bytes, captured_at, run_id)
  SELECT u.ticker, (u.range_start AT TIME ZONE 'America/New_York')::date, unit_kind,
         CASE unit_kind WHEN 'quotes' THEN qps ELSE 0 END,
         x.win_start, x.win_end, x.block, i.rows, x.source_rows, i.bytes, now(), u.run_id
    FROM unnest(starts, ends, fetched, blocks) AS x (win_start, win_end, source_rows, block),
         tape.block_info(x.block) i
  ON CONFLICT ON CONSTRAINT tick_windows_pkey DO UPDATE
     SET block = EXCLUDED.block, rows = EXCLUDED.rows, source_rows = EXCLUDED.source_rows, bytes = EXCLUDED.bytes,
         captured_at = EXCLUDED.captured_at, run_id = EXCLUDED.run_id;
  RETURN (SELECT sum(f) FROM unnest(fetched) f);
END
$$;

COMMENT ON FUNCTION tape.load_tick_windows(tape.work_queue[]) IS 'loader of capture units: fetch the request series of one ticker-day, pack each of its windows into a tick block and store it, unless that would pass the run''s disk budget; returns the rows fetched';

INSERT INTO tape.unit_kinds (queue, refresh, loader, batch_by, batch_size, unit, description) VALUES
  ('capture_trades', 'capture', 'tape.load_tick_windows(tape.work_queue[])', 'none', 1, 'ticker x day',
   'the trades of the manifest windows of a ticker on a trading day, fetched as the capture plan says'),
  ('capture_quotes', 'capture', 'tape.load_tick_windows(tape.work_queue[])', 'none', 1, 'ticker x day',
   'the quotes of the manifest windows of a ticker on a trading day, down-sampled as the profile says');

-- planning a run

CREATE FUNCTION tape.uncaptured_windows(profile text, kind text, force boolean DEFAULT false)
RETURNS SETOF tape.manifest_windows
LANGUAGE sql STABLE PARALLEL SAFE
AS $$
  -- the windows of days before today (New York): a day is captured once it is over
  SELECT w.* FROM tape.manifest_windows w JOIN tape.manifest_builds b ON b.profile = w.profile
   WHERE w.profile = uncaptured_windows.profile AND w.trading_day < tape.ny_today()
     AND (force OR NOT tape.window_is_captured(w.ticker, w.trading_day, w.win_start, w.win_end, kind,
                                               (b.rules ->> 'quotes_per_second')::integer))
$$;

COMMENT ON FUNCTION tape.uncaptured_windows(text, text, boolean) IS 'the windows of a profile''s manifest, of days that are over, that no stored range of that kind covers (all of them with force)';

CREATE FUNCTION tape.manifest_plan(profile text, what text DEFAULT 'both', force boolean DEFAULT false)
RETURNS SETOF tape.capture_step
LANGUAGE sql STABLE PARALLEL SAFE
AS $$
  SELECT s.*
    FROM tape.manifest_builds b,
         unnest(CASE what WHEN 'both' THEN ARRAY['trades', 'quotes'] ELSE ARRAY[what] END) AS k (kind),
         tape.capture_plan(ARRAY(SELECT w FROM tape.uncaptured_windows(b.profile, k.kind, force) w), k.kind,
                           CASE k.kind WHEN 'quotes' THEN (b.rules ->> 'quotes_per_second')::integer ELSE 0 END,
                           tape.capture_requests_per_minute()) s
   WHERE b.profile = manifest_plan.profile
$$;

COMMENT ON FUNCTION tape.manifest_plan(text, text, boolean) IS 'the capture plan of what is left of a profile''s manifest (what: trades, quotes or both): per ticker-day and kind, the request series chosen and their cost, beside the naive plan';

CREATE FUNCTION tape.capture_units(profile text, what text, force boolean)
RETURNS TABLE (queue text, unit_key text, ticker text, range_start timestamptz, range_end timestamptz, params jsonb)
LANGUAGE sql STABLE PARALLEL SAFE
AS $$
  SELECT 'capture_' || s.kind,
         format('%s %s %s%s', s.kind, s.ticker, s.trading_day,
                CASE WHEN s.kind = 'quotes' THEN format(' (%s)', CASE WHEN q.qps = 0 THEN 'every update'
                                                                    ELSE q.qps || '/s' END) ELSE '' END),
         s.ticker, lower(s.series[1]), upper(s.series[cardinality(s.series)]),
         jsonb_build_object('kind', s.kind, 'quotes_per_second', CASE s.kind WHEN 'quotes' THEN q.qps ELSE 0 END,
                            'plan', s.plan, 'series', tape.ranges_json(s.series),
                            'windows', tape.ranges_json(s.window_ranges), 'requests', s.requests,
                            'estimated_rows', round(s.rows))
    FROM tape.manifest_plan(profile, what, force) s,
         LATERAL (SELECT (b.rules ->> 'quotes_per_second')::integer AS qps FROM tape.manifest_builds b
                   WHERE b.profile = capture_units.profile) q
$$;

COMMENT ON FUNCTION tape.capture_units(text, text, boolean) IS 'the units query of tape.capture_ticks: a unit per ticker-day and kind of the windows left to capture, with the plan''s request series and the windows as parameters';

CREATE FUNCTION tape.report_capture_left(run tape.refresh_runs) RETURNS void
LANGUAGE plpgsql STABLE PARALLEL SAFE
AS $$
DECLARE
  steps tape.capture_step[];
  t record;
  later integer;
  left_of text;
BEGIN
  steps := ARRAY(SELECT s FROM tape.manifest_plan(run.arguments ->> 'profile', run.arguments ->> 'what') s);
  later := (SELECT count(*) FROM tape.manifest_windows w
             WHERE w.profile = run.arguments ->> 'profile' AND w.trading_day >= tape.ny_today());
  IF later > 0 THEN
    RAISE NOTICE '% of profile % are of today or later: a later run captures them once their day is over',
      tape.count_of(later, 'window'), run.arguments ->> 'profile';
  END IF;
  IF cardinality(steps) = 0 THEN
    RETURN;
  END IF;
  SELECT * INTO t FROM tape.plan_totals(steps, tape.capture_requests_per_minute());
  SELECT string_agg(format('the %s of %s', k.kind, tape.count_of(k.windows, 'window')), ' and ' ORDER BY k.kind DESC)
    INTO left_of
    FROM (SELECT s.kind, sum(s.windows) AS windows FROM unnest(steps) s GROUP BY s.kind) k;
  RAISE NOTICE 'left to capture for profile %: % (% on %), about % requests, % MB stored, %',
    run.arguments ->> 'profile', left_of, tape.count_of(t.ticker_days, 'unit'),
    tape.count_of((SELECT count(DISTINCT (s.ticker, s.trading_day)) FROM unnest(steps) s), 'ticker-day'),
    tape.thousands(t.requests), to_char(t.stored_bytes / 1e6, 'FM999,999,990.0'), tape.duration_text(t.hours)
    USING HINT = CASE WHEN run.status = 'stopped'
                      THEN format('CALL tape.capture_ticks(%L, disk_budget => ''...'') with a larger budget captures them.',
                                  run.arguments ->> 'profile')
                      ELSE format('CALL tape.capture_ticks(%L) captures them (SELECT * FROM tape.refresh_failures says why units failed).',
                                  run.arguments ->> 'profile') END;
END
$$;

COMMENT ON FUNCTION tape.report_capture_left(tape.refresh_runs) IS 'the NOTICE at the end of a capture that did not capture everything: the windows left, and their requests, disk and hours';

CREATE PROCEDURE tape.capture_ticks(profile text, what text DEFAULT 'both', disk_budget text DEFAULT NULL,
                                    force boolean DEFAULT false, "join" boolean DEFAULT false)
LANGUAGE plpgsql
AS $$
DECLARE
  budget bigint;
  kind text;
  arguments jsonb;
  run tape.refresh_runs;
BEGIN
  CALL tape.require_transaction_control('tape.capture_ticks');
  IF what IS NULL OR what NOT IN ('trades', 'quotes', 'both') THEN
    RAISE EXCEPTION 'invalid value "%" for what', what
      USING ERRCODE = 'invalid_parameter_value',
            HINT = 'tape.capture_ticks captures trades, quotes or both.';
  END IF;
  IF NOT EXISTS (SELECT FROM tape.manifest_builds b WHERE b.profile = capture_ticks.profile) THEN
    PERFORM tape.profile(profile);    -- the error of a profile that does not exist
    RAISE EXCEPTION 'profile "%" has no manifest', profile
      USING ERRCODE = 'object_not_in_prerequisite_state',
            HINT = format('Build it first: CALL tape.build_manifest(%L, from_date, to_date).', profile);
  END IF;
  BEGIN
    budget := pg_catalog.pg_size_bytes(coalesce(disk_budget, tape.setting('capture.disk_budget')));
  EXCEPTION WHEN invalid_parameter_value THEN
    RAISE EXCEPTION 'invalid disk_budget "%"', disk_budget
      USING ERRCODE = 'invalid_parameter_value',
            HINT = 'Give a size such as ''20 GB'' or ''500 MB'', or 0 for no budget.';
  END;
  IF budget < 0 THEN
    RAISE EXCEPTION 'invalid disk_budget "%"', disk_budget
      USING ERRCODE = 'invalid_parameter_value', HINT = 'A budget is 0 (none) or more.';
  END IF;
  FOREACH kind IN ARRAY CASE what WHEN 'both' THEN ARRAY['trades', 'quotes'] ELSE ARRAY[what] END LOOP
    PERFORM tape.foreign_table(kind);
  END LOOP;
  arguments := jsonb_build_object('profile', profile, 'what', what, 'disk_budget', budget, 'force', force);
  -- the units are what is left to capture: each is planned afresh (force => true for the queue)
  CALL tape.run_refresh('capture', 'tape.capture_ticks', arguments, "join", true, NULL,
                        ARRAY[format('SELECT * FROM tape.capture_units(%L, %L, %L)', profile, what, force)]);
  SELECT * INTO run FROM tape.refresh_runs r WHERE r.refresh = 'capture' ORDER BY r.run_id DESC LIMIT 1;
  IF run.run_id IS NOT NULL AND (run.leader_pid = pg_catalog.pg_backend_pid() OR "join") THEN
    PERFORM tape.report_capture_left(run);
  END IF;
END
$$;

COMMENT ON PROCEDURE tape.capture_ticks(text, text, text, boolean, boolean) IS 'capture the trades, quotes or both of the windows of a profile''s manifest as its capture plan says, each window stored once as a tick block in tape.tick_windows; resumable, shareable between sessions ("join" => true), stopped cleanly by a disk budget (such as ''20 GB''; default the setting capture.disk_budget)';

-- reading what was captured

CREATE VIEW tape.captured_windows AS
SELECT w.profile, w.window_id, w.ticker, w.trading_day, w.win_start, w.win_end, w.whole_day, w.event_count, w.events,
       t.block AS trades, q.block AS quotes, (b.rules ->> 'quotes_per_second')::integer AS quotes_per_second
  FROM tape.manifest_windows w
  JOIN tape.manifest_builds b ON b.profile = w.profile
  LEFT JOIN LATERAL (
    SELECT c.block FROM tape.tick_windows c
     WHERE c.ticker = w.ticker AND c.trading_day = w.trading_day AND c.kind = 'trades' AND c.quotes_per_second = 0
       AND c.win_start <= w.win_start AND c.win_end >= w.win_end
     ORDER BY c.win_end - c.win_start, c.win_start LIMIT 1) t ON true
  LEFT JOIN LATERAL (
    SELECT c.block FROM tape.tick_windows c
     WHERE c.ticker = w.ticker AND c.trading_day = w.trading_day AND c.kind = 'quotes'
       AND c.quotes_per_second = (b.rules ->> 'quotes_per_second')::integer
       AND c.win_start <= w.win_start AND c.win_end >= w.win_end
     ORDER BY c.win_end - c.win_start, c.win_start LIMIT 1) q ON true;

COMMENT ON VIEW tape.captured_windows IS 'every window of every manifest with its trades block and its quotes block (at the profile''s sampling), NULL while not captured; a block may cover more than the window: read it with tape.trades_of(trades) t WHERE t.ts >= win_start AND t.ts < win_end';

CREATE VIEW tape.captured_events AS
SELECT m.profile, m.source, m.ticker, m.ts, m.trading_day, m.event_type, m.direction, m.session, m.bucket, m.score,
       m.extended, m.win_start, m.win_end, w.window_id, w.trading_day AS window_day, w.win_start AS window_start,
       w.win_end AS window_end, w.trades, w.quotes
  FROM tape.manifest m
  JOIN tape.captured_windows w ON w.profile = m.profile AND w.window_id = m.window_id
 WHERE m.source = 'intraday'
UNION ALL
SELECT m.profile, m.source, m.ticker, m.ts, m.trading_day, m.event_type, m.direction, m.session, m.bucket, m.score,
       m.extended, m.win_start, m.win_end, w.window_id, w.trading_day, w.win_start, w.win_end, w.trades, w.quotes
  FROM tape.manifest m
  JOIN tape.captured_windows w ON w.profile = m.profile AND w.ticker = m.ticker
                              AND w.win_start < m.win_end AND w.win_end > m.win_start
 WHERE m.source = 'daily';

COMMENT ON VIEW tape.captured_events IS 'every manifest event with the window that holds it (a daily event: a row per day of its range), and that window''s trades and quotes blocks (NULL while not captured)';

CREATE VIEW tape.capture_status AS
SELECT w.profile, count(*) AS windows,
       count(w.trades) AS trades_captured, count(w.quotes) AS quotes_captured,
       count(*) FILTER (WHERE w.trades IS NULL OR w.quotes IS NULL) AS windows_missing,
       coalesce(sum((tape.block_info(w.trades)).rows), 0) AS trades,
       coalesce(sum((tape.block_info(w.quotes)).rows), 0) AS quotes,
       coalesce(sum((tape.block_info(w.quotes)).source_rows), 0) AS quotes_given,
       coalesce(sum((tape.block_info(w.trades)).bytes), 0) + coalesce(sum((tape.block_info(w.quotes)).bytes), 0) AS bytes,
       round((sum((tape.block_info(w.quotes)).source_rows) FILTER (WHERE w.trades IS NOT NULL)
              / nullif(sum((tape.block_info(w.trades)).rows) FILTER (WHERE w.quotes IS NOT NULL), 0))::numeric, 2)
         AS quotes_per_trade
  FROM tape.captured_windows w
 GROUP BY w.profile;

COMMENT ON VIEW tape.capture_status IS 'per profile: its windows, how many have their trades and quotes captured, the rows and bytes stored, and the quotes per trade measured (compare the setting capture.quotes_per_trade)';
