
-- tick QA: the checks of every captured window (tape.capture_qa), a summary per profile
-- (tape.capture_qa_summary) and the windows a threshold makes suspect (tape.suspect_windows)
--
-- The checks count, in C, in one pass over each window's blocks (src/features/qa.c):
-- sequence numbers going back or repeated, crossed, locked and one-sided quotes, trades
-- outside the NBBO, the regular-session part of the window and its longest stretch without
-- a trade.  The thresholds that make a window suspect are settings (qa.*, tape.configuration):
-- QA is a property of the store, read by views that take no argument, and a threshold
-- changed with an UPDATE applies at once.

CREATE TYPE tape.window_qa_values AS (
    trades bigint,
    trades_out_of_order bigint,
    trade_duplicates bigint,
    quotes bigint,
    quotes_out_of_order bigint,
    quote_duplicates bigint,
    crossed_quotes bigint,
    locked_quotes bigint,
    one_sided_quotes bigint,
    priced_trades bigint,
    trades_with_nbbo bigint,
    trades_outside_nbbo bigint,
    rth_seconds double precision,
    rth_trades bigint,
    longest_rth_gap_seconds double precision
);

COMMENT ON TYPE tape.window_qa_values IS 'the quality checks of one captured range of trades and quotes (tape.window_qa()); tape.window_qa_columns() defines each column';

CREATE FUNCTION tape.window_qa_internal(trades tape.tick_block, quotes tape.tick_block, range_start timestamptz,
                                        range_end timestamptz, nbbo_tolerance_bps double precision, config jsonb)
RETURNS tape.window_qa_values
AS 'MODULE_PATHNAME', 'tape_window_qa'
LANGUAGE C STABLE PARALLEL SAFE;

COMMENT ON FUNCTION tape.window_qa_internal(tape.tick_block, tape.tick_block, timestamptz, timestamptz, double precision, jsonb) IS 'the C function behind tape.window_qa(); takes a complete, merged research configuration';

CREATE FUNCTION tape.window_qa(trades tape.tick_block, quotes tape.tick_block, range_start timestamptz,
                               range_end timestamptz, nbbo_tolerance_bps double precision DEFAULT NULL,
                               config jsonb DEFAULT NULL)
RETURNS tape.window_qa_values
LANGUAGE sql STABLE PARALLEL SAFE
AS $$
  SELECT tape.window_qa_internal(trades, quotes, range_start, range_end,
                                 coalesce(nbbo_tolerance_bps, tape.setting('qa.nbbo_tolerance_bps')::double precision),
                                 tape.research_config(config))
$$;

COMMENT ON FUNCTION tape.window_qa(tape.tick_block, tape.tick_block, timestamptz, timestamptz, double precision, jsonb) IS 'the quality checks of the rows of a trades and a quotes block (either may be NULL) in [range_start, range_end): sequence numbers out of order and repeated, crossed, locked and one-sided quotes, trades outside the NBBO by more than nbbo_tolerance_bps (default the setting qa.nbbo_tolerance_bps), the regular-session part and its longest stretch without a trade';

CREATE FUNCTION tape.window_qa_columns()
RETURNS TABLE (ordinal integer, name text, "check" text, unit text, definition text)
AS 'MODULE_PATHNAME', 'tape_window_qa_columns'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE ROWS 15;

COMMENT ON FUNCTION tape.window_qa_columns() IS 'every column of tape.window_qa_values: the check that computes it, its unit and its exact definition';

-- every captured window, checked

CREATE VIEW tape.capture_qa AS
WITH limits AS MATERIALIZED (
  -- the settings, read once
  SELECT tape.setting('qa.nbbo_tolerance_bps')::double precision AS nbbo_tolerance_bps,
         tape.setting('qa.max_outside_nbbo_pct')::numeric AS max_outside_nbbo_pct,
         tape.setting('qa.max_crossed_quotes_pct')::numeric AS max_crossed_quotes_pct,
         tape.setting('qa.max_locked_quotes_pct')::numeric AS max_locked_quotes_pct,
         tape.setting('qa.max_out_of_order')::bigint AS max_out_of_order,
         tape.setting('qa.max_duplicates')::bigint AS max_duplicates,
         tape.setting('qa.max_rth_gap_seconds')::double precision AS max_rth_gap_seconds,
         tape.ny_today() AS today),
checked AS (
  SELECT w.profile, w.window_id, w.ticker, w.trading_day, w.win_start, w.win_end, w.whole_day, w.event_count,
         w.trades IS NOT NULL AS has_trades, w.quotes IS NOT NULL AS has_quotes, w.trades_fetch_id, w.quotes_fetch_id,
         l.*, c.*,
         ti.bytes AS trades_bytes, ti.rows AS block_trades, qi.bytes AS quotes_bytes, qi.rows AS block_quotes,
         round(100.0 * c.trades_outside_nbbo / nullif(c.trades_with_nbbo, 0), 2) AS outside_nbbo_pct,
         round(100.0 * c.crossed_quotes / nullif(c.quotes, 0), 2) AS crossed_pct,
         round(100.0 * c.locked_quotes / nullif(c.quotes, 0), 2) AS locked_pct
    FROM tape.captured_windows w
   CROSS JOIN limits l
   CROSS JOIN LATERAL tape.window_qa_internal(w.trades, w.quotes, w.win_start, w.win_end, l.nbbo_tolerance_bps,
                                              tape.research_config()) c
    LEFT JOIN LATERAL tape.block_info(w.trades) ti ON true
    LEFT JOIN LATERAL tape.block_info(w.quotes) qi ON true)
SELECT c.profile, c.window_id, c.ticker, c.trading_day, c.win_start, c.win_end, c.whole_day, c.event_count,
       c.has_trades, c.has_quotes,
       c.trades, c.quotes, c.block_trades, c.block_quotes, coalesce(c.trades_bytes, 0) + coalesce(c.quotes_bytes, 0) AS bytes,
       c.trades_bytes, c.quotes_bytes,
       round(c.trades_bytes::numeric / nullif(c.block_trades, 0), 1) AS bytes_per_trade,
       round(c.quotes_bytes::numeric / nullif(c.block_quotes, 0), 1) AS bytes_per_quote,
       c.trades_out_of_order, c.trade_duplicates, c.quotes_out_of_order, c.quote_duplicates,
       c.crossed_quotes, c.locked_quotes, c.one_sided_quotes,
       c.priced_trades, c.trades_with_nbbo, c.trades_outside_nbbo, c.outside_nbbo_pct,
       c.rth_seconds, c.rth_trades, c.longest_rth_gap_seconds,
       c.trades_fetch_id, c.quotes_fetch_id,
       ARRAY(SELECT p FROM unnest(ARRAY[
         CASE WHEN NOT c.has_trades AND c.trading_day < c.today THEN 'trades not captured' END,
         CASE WHEN NOT c.has_quotes AND c.trading_day < c.today THEN 'quotes not captured' END,
         CASE WHEN c.rth_seconds > 0 AND c.rth_trades = 0
              THEN format('no trade in its %s s of regular hours', round(c.rth_seconds::numeric)) END,
         CASE WHEN c.priced_trades > 0 AND c.trades_with_nbbo = 0
              THEN format('no valid NBBO in force at any of its %s priced trades', c.priced_trades) END,
         CASE WHEN c.rth_trades > 0 AND c.longest_rth_gap_seconds > c.max_rth_gap_seconds
              THEN format('%s s without a trade in regular hours (more than qa.max_rth_gap_seconds, %s)',
                          round(c.longest_rth_gap_seconds::numeric), c.max_rth_gap_seconds) END,
         CASE WHEN c.trades_out_of_order > c.max_out_of_order
              THEN format('%s of %s trades out of sequence order', c.trades_out_of_order, c.trades) END,
         CASE WHEN c.trade_duplicates > c.max_duplicates
              THEN format('%s of %s trades repeat a sequence number', c.trade_duplicates, c.trades) END,
         CASE WHEN c.quotes_out_of_order > c.max_out_of_order
              THEN format('%s of %s quotes out of sequence order', c.quotes_out_of_order, c.quotes) END,
         CASE WHEN c.quote_duplicates > c.max_duplicates
              THEN format('%s of %s quotes repeat a sequence number', c.quote_duplicates, c.quotes) END,
         CASE WHEN c.crossed_pct > c.max_crossed_quotes_pct
              THEN format('%s of %s quotes crossed (%s %%, more than qa.max_crossed_quotes_pct)',
                          c.crossed_quotes, c.quotes, c.crossed_pct) END,
         CASE WHEN c.locked_pct > c.max_locked_quotes_pct
              THEN format('%s of %s quotes locked (%s %%, more than qa.max_locked_quotes_pct)',
                          c.locked_quotes, c.quotes, c.locked_pct) END,
         CASE WHEN c.outside_nbbo_pct > c.max_outside_nbbo_pct
              THEN format('%s of %s trades outside the NBBO by more than %s bps (%s %%, more than qa.max_outside_nbbo_pct)',
                          c.trades_outside_nbbo, c.trades_with_nbbo, c.nbbo_tolerance_bps, c.outside_nbbo_pct) END
       ]) p WHERE p IS NOT NULL) AS problems
  FROM checked c;

COMMENT ON VIEW tape.capture_qa IS 'every window of every manifest with the checks of its captured trades and quotes (tape.window_qa over the window''s bounds), the bytes of its blocks, the fetches that stored them, and the problems that make it suspect under the qa.* settings (empty when none)';

-- a profile at a glance

CREATE VIEW tape.capture_qa_summary AS
WITH per_profile AS (
  SELECT q.profile, count(*) AS windows,
         count(*) FILTER (WHERE q.has_trades) AS windows_with_trades,
         count(*) FILTER (WHERE q.has_quotes) AS windows_with_quotes,
         sum(q.trades) AS trades, sum(q.quotes) AS quotes,
         round(sum(q.trades_bytes)::numeric / nullif(sum(q.block_trades), 0), 1) AS bytes_per_trade,
         round(sum(q.quotes_bytes)::numeric / nullif(sum(q.block_quotes), 0), 1) AS bytes_per_quote,
         count(*) FILTER (WHERE q.trades_out_of_order > 0 OR q.quotes_out_of_order > 0) AS windows_out_of_order,
         count(*) FILTER (WHERE q.trade_duplicates > 0 OR q.quote_duplicates > 0) AS windows_with_duplicates,
         sum(q.crossed_quotes) AS crossed_quotes, sum(q.locked_quotes) AS locked_quotes,
         sum(q.trades_outside_nbbo) AS trades_outside_nbbo,
         round(100.0 * sum(q.trades_outside_nbbo) / nullif(sum(q.trades_with_nbbo), 0), 2) AS outside_nbbo_pct,
         count(*) FILTER (WHERE q.rth_seconds > 0 AND q.rth_trades = 0) AS empty_rth_windows,
         count(*) FILTER (WHERE cardinality(q.problems) > 0) AS suspect_windows
    FROM tape.capture_qa q
   GROUP BY q.profile)
SELECT p.profile, p.windows, p.windows_with_trades, p.windows_with_quotes,
       round(100.0 * p.windows_with_trades / p.windows, 1) AS trades_pct,
       round(100.0 * p.windows_with_quotes / p.windows, 1) AS quotes_pct,
       d.daily_events, d.daily_events_every_day,
       p.trades, p.quotes, coalesce(s.bytes, 0) AS bytes, p.bytes_per_trade, p.bytes_per_quote,
       p.windows_out_of_order, p.windows_with_duplicates, p.crossed_quotes, p.locked_quotes,
       p.trades_outside_nbbo, p.outside_nbbo_pct, p.empty_rth_windows, p.suspect_windows,
       r.fetches, r.requests_planned, r.requests_made, r.cache_hits, r.run_requests
  FROM per_profile p
  LEFT JOIN LATERAL (
    -- the bytes of the blocks the profile's windows read, a block read by several windows once
    SELECT sum(i.bytes) AS bytes
      FROM (SELECT DISTINCT ON (w.ticker, w.trading_day, k.kind, k.span) k.block
              FROM tape.captured_windows w
             CROSS JOIN LATERAL (VALUES ('trades', w.trades_block_span, w.trades),
                                        ('quotes', w.quotes_block_span, w.quotes)) AS k (kind, span, block)
             WHERE w.profile = p.profile AND k.block IS NOT NULL
             ORDER BY w.ticker, w.trading_day, k.kind, k.span) d,
           tape.block_info(d.block) i) s ON true
  LEFT JOIN LATERAL (
    -- a daily event is complete when every day of its range has its trades
    SELECT count(*) AS daily_events, count(*) FILTER (WHERE e.every_day) AS daily_events_every_day
      FROM (SELECT bool_and(c.trades IS NOT NULL) AS every_day
              FROM tape.captured_events c
             WHERE c.profile = p.profile AND c.source = 'daily'
             GROUP BY c.ticker, c.ts, c.event_type, c.direction) e) d ON true
  LEFT JOIN LATERAL (
    -- the capture runs of the profile since its manifest was built: the units they stored,
    -- what the plan expected of them and what they made; and every request of the runs, the
    -- units fetched again after a stop and the failed ones included
    SELECT coalesce(sum(f.fetches), 0) AS fetches, coalesce(sum(f.requests_planned), 0) AS requests_planned,
           coalesce(sum(f.requests), 0) AS requests_made, coalesce(sum(f.cache_hits), 0) AS cache_hits,
           coalesce(sum(x.requests), 0) AS run_requests
      FROM tape.refresh_runs x
      JOIN tape.manifest_builds b ON b.profile = p.profile
      CROSS JOIN LATERAL (SELECT count(*) AS fetches, sum(y.requests_planned) AS requests_planned,
                                 sum(y.requests) AS requests, sum(y.cache_hits) AS cache_hits
                            FROM tape.capture_fetches y WHERE y.run_id = x.run_id) f
     WHERE x.refresh = 'capture' AND x.arguments ->> 'profile' = p.profile AND x.started_at >= b.built_at) r ON true;

COMMENT ON VIEW tape.capture_qa_summary IS 'per profile: the share of its windows with trades and with quotes, its daily events with trades on every day, rows and bytes stored, windows with faults, crossed and locked quotes, trades outside the NBBO, empty regular-session windows, suspect windows; and for its capture runs since the manifest was built, the units they stored, the requests the plan expected of those and the requests they made, and every request of the runs';

CREATE FUNCTION tape.suspect_windows(profile text)
RETURNS TABLE (window_id integer, ticker text, trading_day date, win_start timestamptz, win_end timestamptz,
               event_count integer, trades bigint, quotes bigint, problems text[])
LANGUAGE plpgsql STABLE PARALLEL SAFE
AS $$
BEGIN
  PERFORM tape.require_manifest(profile);
  RETURN QUERY
    SELECT q.window_id, q.ticker, q.trading_day, q.win_start, q.win_end, q.event_count, q.trades, q.quotes, q.problems
      FROM tape.capture_qa q
     WHERE q.profile = suspect_windows.profile AND cardinality(q.problems) > 0
     ORDER BY q.trading_day, q.ticker, q.win_start;
END
$$;

COMMENT ON FUNCTION tape.suspect_windows(text) IS 'the windows of a profile''s manifest that a QA threshold (the qa.* settings) makes suspect, with every problem in words';
