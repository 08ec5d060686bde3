
-- the capture plan: the cheapest way to fetch exactly the ticks of a manifest's windows
--
-- The plan is chosen per ticker-day and per kind (trades, quotes), among three ways to ask
-- for the day's windows:
--   window: one request series per window;
--   span:   one series from the start of the first window to the end of the last;
--   day:    one series over the whole day, 04:00-20:00 New York (the day's sessions).
-- A series costs one request per page of 50,000 rows (one at least, even when empty).  The
-- rows of a range are estimated from the minute bars of the store: their transactions are
-- the trades; quotes are capture.quotes_per_trade times as many.  A way costs
--   requests x capture.request_seconds + rows x JSON bytes per row / capture.json_bytes_per_second
-- seconds, and, on a server with a rate limit, at least requests x 60 / requests_per_minute:
-- requests dominate at 5 a minute, bytes when requests are unlimited.  The cheapest way wins;
-- on a tie the one that fetches fewer rows, then the fewer series: the whole day when nothing
-- trades outside the span, the span when nothing trades between the windows.  The span never
-- holds more rows than the day, so the day is taken only when it costs no more.  The naive
-- plan, shown beside it, always takes the windows.

CREATE FUNCTION tape.capture_requests_per_minute() RETURNS integer
LANGUAGE sql STABLE PARALLEL SAFE
RETURN coalesce(tape.foreign_server_option('trades', 'requests_per_minute'), '5')::integer;

COMMENT ON FUNCTION tape.capture_requests_per_minute() IS 'the rate limit of the server behind the trades foreign table (its requests_per_minute, 5 when not set; 0 = no limit)';

CREATE FUNCTION tape.session_minutes(day date) RETURNS double precision
LANGUAGE sql STABLE STRICT PARALLEL SAFE
RETURN (SELECT extract(epoch FROM s.ah_close - s.pm_open) / 60 FROM tape.session_bounds(day) s);

COMMENT ON FUNCTION tape.session_minutes(date) IS 'minutes of a trading day''s sessions, pre-market to the end of after hours (960, or 780 on an early close)';

CREATE FUNCTION tape.estimated_trades(ticker text, trading_day date, ranges tstzrange[]) RETURNS double precision[]
LANGUAGE plpgsql STABLE PARALLEL SAFE
AS $$
DECLARE
  which_bars boolean;
  day_trades double precision;
BEGIN
  -- the minute bars of the day: their transactions in each range (a bar counts whole when it
  -- starts in the range); split-adjusted bars when the store has them, else raw ones
  SELECT bool_or(b.adjusted) INTO which_bars FROM tape.bars_1m b
   WHERE b.ticker = estimated_trades.ticker AND b.ts >= tape.ny_midnight(trading_day)
     AND b.ts < tape.ny_midnight(trading_day + 1);
  IF which_bars IS NOT NULL THEN
    RETURN ARRAY(
      SELECT coalesce((SELECT sum(b.transactions) FROM tape.bars_1m b
                        WHERE b.ticker = estimated_trades.ticker AND b.adjusted = which_bars
                          AND b.ts >= lower(r) AND b.ts < upper(r)), 0)::double precision
        FROM unnest(ranges) WITH ORDINALITY AS u (r, k) ORDER BY k);
  END IF;
  -- no minute bars: the day bar's transactions spread evenly over the sessions; no bar at all:
  -- the ticker did not trade (as far as the store knows)
  SELECT b.transactions INTO day_trades FROM tape.bars_1d b
   WHERE b.ticker = estimated_trades.ticker AND b.ts = tape.ny_midnight(trading_day)
   ORDER BY b.adjusted DESC LIMIT 1;
  RETURN ARRAY(
    SELECT coalesce(day_trades, 0) * extract(epoch FROM least(upper(r), s.ah_close) - greatest(lower(r), s.pm_open))
           / 60 / tape.session_minutes(estimated_trades.trading_day)
      FROM unnest(ranges) WITH ORDINALITY AS u (r, k), tape.session_bounds(estimated_trades.trading_day) s
     ORDER BY k);
END
$$;

COMMENT ON FUNCTION tape.estimated_trades(text, date, tstzrange[]) IS 'the trades of a ticker in each range of one trading day, estimated from the transactions of its minute bars in the store (else its day bar, spread over the sessions; else 0)';

CREATE FUNCTION tape.series_requests(rows double precision) RETURNS integer
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
RETURN greatest(1, ceil(rows / 50000))::integer;

COMMENT ON FUNCTION tape.series_requests(double precision) IS 'the requests of one request series of trades or quotes: a page of 50,000 rows each, one at least';

CREATE TYPE tape.capture_step AS (
    ticker text,
    trading_day date,
    kind text,
    windows integer,
    plan text,
    series tstzrange[],
    requests integer,
    rows double precision,
    json_bytes double precision,
    stored_bytes double precision,
    seconds double precision,
    window_ranges tstzrange[],
    window_requests integer,
    window_rows double precision,
    window_json_bytes double precision,
    window_seconds double precision
);

COMMENT ON TYPE tape.capture_step IS 'one ticker-day of a capture plan for one kind: the way chosen (window, span or day), its request series, requests, rows, bytes and seconds, and those of the naive plan (one series per window)';

CREATE FUNCTION tape.capture_plan(windows tape.manifest_windows[], kind text, quotes_per_second integer,
                                  requests_per_minute integer)
RETURNS SETOF tape.capture_step
LANGUAGE sql STABLE PARALLEL SAFE
AS $$
  WITH per_row AS (
    SELECT CASE kind WHEN 'trades' THEN 1 ELSE tape.setting('capture.quotes_per_trade')::double precision END AS rows_per_trade,
           tape.setting(CASE kind WHEN 'trades' THEN 'capture.json_bytes_per_trade'
                                  ELSE 'capture.json_bytes_per_quote' END)::double precision AS json_per_row,
           tape.setting(CASE kind WHEN 'trades' THEN 'capture.stored_bytes_per_trade'
                                  ELSE 'capture.stored_bytes_per_quote' END)::double precision AS stored_per_row,
           tape.setting('capture.request_seconds')::double precision AS request_seconds,
           tape.setting('capture.json_bytes_per_second')::double precision AS bytes_per_second),
  days AS (
    SELECT w.ticker, w.trading_day, array_agg(tstzrange(w.win_start, w.win_end) ORDER BY w.win_start) AS ranges
      FROM unnest(windows) w
     GROUP BY w.ticker, w.trading_day),
  estimated AS MATERIALIZED (
    -- the trades of each window, of the span of the windows, of the whole day (once a day:
    -- inlined, the estimate would be computed again wherever it is used)
    SELECT d.ticker, d.trading_day, d.ranges,
           tstzrange(lower(d.ranges[1]), (SELECT max(upper(r)) FROM unnest(d.ranges) r)) AS span,
           tstzrange(s.pm_open, s.ah_close) AS whole_day,
           tape.estimated_trades(d.ticker, d.trading_day,
                                 d.ranges || tstzrange(lower(d.ranges[1]), (SELECT max(upper(r)) FROM unnest(d.ranges) r))
                                          || tstzrange(s.pm_open, s.ah_close)) AS trades
      FROM days d, tape.session_bounds(d.trading_day) s),
  ways AS (
    SELECT e.ticker, e.trading_day, e.ranges, n.windows, x.plan, x.ord, x.series, x.requests, x.rows,
           x.rows * pr.json_per_row AS json_bytes,
           -- the requests' latency and bytes, and at least what the rate limit allows
           greatest(x.requests * pr.request_seconds + x.rows * pr.json_per_row / pr.bytes_per_second,
                    CASE WHEN requests_per_minute > 0 THEN x.requests * 60.0 / requests_per_minute ELSE 0 END) AS seconds,
           -- quotes kept: at most quotes_per_second in each second of the windows
           (SELECT sum(CASE WHEN kind = 'quotes' AND quotes_per_second > 0
                            THEN least(e.trades[k] * pr.rows_per_trade,
                                       quotes_per_second * extract(epoch FROM upper(r) - lower(r)))
                            ELSE e.trades[k] * pr.rows_per_trade END)
              FROM unnest(e.ranges) WITH ORDINALITY AS u (r, k)) * pr.stored_per_row AS stored_bytes
      FROM estimated e
      CROSS JOIN per_row pr
      CROSS JOIN LATERAL (SELECT cardinality(e.ranges) AS windows) n
      CROSS JOIN LATERAL (
        SELECT 'window' AS plan, CASE WHEN n.windows = 1 THEN 0 ELSE 3 END AS ord, e.ranges AS series,
               (SELECT sum(tape.series_requests(e.trades[k] * pr.rows_per_trade))
                  FROM generate_series(1, n.windows) k)::integer AS requests,
               (SELECT sum(e.trades[k]) FROM generate_series(1, n.windows) k) * pr.rows_per_trade AS rows
        UNION ALL
        SELECT 'span', 2, ARRAY[e.span], tape.series_requests(e.trades[n.windows + 1] * pr.rows_per_trade),
               e.trades[n.windows + 1] * pr.rows_per_trade
        UNION ALL
        SELECT 'day', 1, ARRAY[e.whole_day], tape.series_requests(e.trades[n.windows + 2] * pr.rows_per_trade),
               e.trades[n.windows + 2] * pr.rows_per_trade) x),
  compared AS (
    -- each way beside the naive one (a series per window) of its ticker-day, and its rank
    SELECT c.*,
           max(c.requests) FILTER (WHERE c.plan = 'window') OVER same_day AS window_requests,
           max(c.rows) FILTER (WHERE c.plan = 'window') OVER same_day AS window_rows,
           max(c.json_bytes) FILTER (WHERE c.plan = 'window') OVER same_day AS window_json_bytes,
           max(c.seconds) FILTER (WHERE c.plan = 'window') OVER same_day AS window_seconds,
           row_number() OVER (PARTITION BY c.ticker, c.trading_day
                              ORDER BY round(c.seconds::numeric, 6), c.rows, c.ord) AS rank
      FROM ways c
    WINDOW same_day AS (PARTITION BY c.ticker, c.trading_day))
  SELECT c.ticker, c.trading_day, kind, c.windows, c.plan, c.series, c.requests, c.rows, c.json_bytes, c.stored_bytes,
         c.seconds, c.ranges, c.window_requests, c.window_rows, c.window_json_bytes, c.window_seconds
    FROM compared c
   WHERE c.rank = 1
   ORDER BY c.trading_day, c.ticker
$$;

COMMENT ON FUNCTION tape.capture_plan(tape.manifest_windows[], text, integer, integer) IS 'the capture plan of some windows for one kind (trades or quotes) at a rate limit (requests a minute, 0 = none): per ticker-day, the cheapest of one request series per window, one over their span, or the whole day';

CREATE FUNCTION tape.plan_totals(steps tape.capture_step[], requests_per_minute integer,
    OUT ticker_days bigint, OUT windows bigint, OUT requests bigint, OUT rows double precision,
    OUT json_bytes double precision, OUT stored_bytes double precision, OUT hours double precision,
    OUT window_requests bigint, OUT window_rows double precision, OUT window_json_bytes double precision,
    OUT window_hours double precision,
    OUT by_window bigint, OUT by_span bigint, OUT by_day bigint)
RETURNS record
LANGUAGE sql STABLE PARALLEL SAFE
AS $$
  -- a rate limit is shared: the whole plan takes at least its requests at that rate
  SELECT count(*), coalesce(sum(s.windows), 0), coalesce(sum(s.requests), 0), coalesce(sum(s.rows), 0),
         coalesce(sum(s.json_bytes), 0), coalesce(sum(s.stored_bytes), 0),
         greatest(coalesce(sum(s.seconds), 0),
                  CASE WHEN requests_per_minute > 0 THEN coalesce(sum(s.requests), 0) * 60.0 / requests_per_minute ELSE 0 END) / 3600,
         coalesce(sum(s.window_requests), 0), coalesce(sum(s.window_rows), 0), coalesce(sum(s.window_json_bytes), 0),
         greatest(coalesce(sum(s.window_seconds), 0),
                  CASE WHEN requests_per_minute > 0 THEN coalesce(sum(s.window_requests), 0) * 60.0 / requests_per_minute ELSE 0 END) / 3600,
         count(*) FILTER (WHERE s.plan = 'window'), count(*) FILTER (WHERE s.plan = 'span'),
         count(*) FILTER (WHERE s.plan = 'day')
    FROM unnest(steps) s
$$;

COMMENT ON FUNCTION tape.plan_totals(tape.capture_step[], integer) IS 'the totals of a capture plan and of the naive one (a series per window): ticker-days, windows, requests, rows, bytes, hours at the rate limit, and how many ticker-days take each way';

CREATE FUNCTION tape.duration_text(hours double precision) RETURNS text
LANGUAGE sql STABLE STRICT PARALLEL SAFE
RETURN CASE WHEN hours < 100 THEN to_char(make_interval(secs => round(hours * 3600)), 'HH24:MI:SS')
            ELSE to_char(round(hours), 'FM999,999,990') || ' h' END;

COMMENT ON FUNCTION tape.duration_text(double precision) IS 'a duration in hours as the plan prints it: 02:05:00 below 100 hours, else 1,234 h';

CREATE FUNCTION tape.plan_report(steps tape.capture_step[], requests_per_minute integer) RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE
AS $$
  -- the table of the NOTICE: per kind and both, the plan chosen and the naive one
  WITH per_kind AS (
    SELECT k.kind, t.*
      FROM (SELECT DISTINCT s.kind FROM unnest(steps) s) k,
           tape.plan_totals(ARRAY(SELECT s FROM unnest(steps) s WHERE s.kind = k.kind), requests_per_minute) t
    UNION ALL
    SELECT 'both', t.* FROM tape.plan_totals(steps, requests_per_minute) t
     WHERE (SELECT count(DISTINCT s.kind) FROM unnest(steps) s) > 1),
  lines AS (
    SELECT p.kind, 1 AS ord, 'plan' AS way, p.requests AS requests, p.rows, p.json_bytes, p.stored_bytes, p.hours,
           format('%s window, %s span, %s day', tape.thousands(p.by_window), tape.thousands(p.by_span),
                  tape.thousands(p.by_day)) AS ways
      FROM per_kind p
    UNION ALL
    SELECT p.kind, 2, 'per window', p.window_requests, p.window_rows, p.window_json_bytes, p.stored_bytes, p.window_hours,
           CASE WHEN p.requests > 0 THEN format('%sx the requests, %sx the time',
                                                round(p.window_requests::numeric / p.requests, 1),
                                                round((p.window_hours / nullif(p.hours, 0))::numeric, 1)) ELSE '' END
      FROM per_kind p)
  SELECT format('%-7s %-10s %12s %14s %10s %10s %10s  %s', 'kind', 'way', 'requests', 'rows', 'MB JSON', 'MB stored',
                'time', 'ticker-days by way') || E'\n' ||
         string_agg(format('%-7s %-10s %12s %14s %10s %10s %10s  %s', l.kind, l.way,
                           to_char(l.requests, 'FM999,999,999,990'), to_char(round(l.rows), 'FM999,999,999,990'),
                           to_char(l.json_bytes / 1e6, 'FM999,999,990.0'), to_char(l.stored_bytes / 1e6, 'FM999,999,990.0'),
                           tape.duration_text(l.hours), l.ways),
                    E'\n' ORDER BY CASE l.kind WHEN 'trades' THEN 1 WHEN 'quotes' THEN 2 ELSE 3 END, l.ord)
    FROM lines l
$$;

COMMENT ON FUNCTION tape.plan_report(tape.capture_step[], integer) IS 'a capture plan and the naive one as the lines of a table: requests, rows, MB of JSON, MB stored, hours at the rate limit';
