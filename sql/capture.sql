-- tape.capture_ticks against the mock: exactly the requests the plan promised (the mock's
-- log), each window stored once and read back as the rows of the API, a second capture and a
-- rebuilt manifest fetch nothing, another profile reuses what is stored, a disk budget stops
-- the capture and a larger one resumes it, the errors.
\i test/regress/setup.sql
SELECT regress.make_server('capture', 'tag=capture');
SELECT regress.make_server('direct', 'tag=capture_direct');
SET tape.progress_interval = 0;
\set SHOW_CONTEXT never
TRUNCATE tape.events_intraday, tape.events_daily, tape.bars_1m, tape.bars_1d, tape.manifest, tape.manifest_windows,
         tape.manifest_builds, tape.stored_profiles, tape.tick_windows, tape.work_queue, tape.refresh_runs, tape.settings;
UPDATE tape.configuration SET value = 'capture' WHERE name = 'foreign_schema';

-- the trades and quotes requests the mock logged for a tag after its first p_skip requests:
-- kind, ticker, bounds in ns, whether it asked for a next page
CREATE FUNCTION regress.tick_requests(p_tag text, p_skip bigint)
RETURNS TABLE (kind text, ticker text, gte bigint, lte bigint, cursor boolean)
LANGUAGE sql AS $$
  SELECT m[1], m[2], m[3]::bigint, m[4]::bigint, l.path LIKE '%cursor=%'
    FROM (SELECT * FROM regress.mock_log(p_tag) OFFSET p_skip) l,
         LATERAL regexp_match(l.path, '/v3/(trades|quotes)/([A-Z]+)\?(?:timestamp\.gte=([0-9]+)&timestamp\.lte=([0-9]+))?') m
   WHERE m IS NOT NULL
$$;
-- the request series the capture units planned, in the same form
CREATE FUNCTION regress.planned_series() RETURNS TABLE (kind text, ticker text, gte bigint, lte bigint)
LANGUAGE sql AS $$
  SELECT q.params ->> 'kind', q.ticker, (extract(epoch FROM lower(s)) * 1e6)::bigint * 1000,
         (extract(epoch FROM upper(s)) * 1e6)::bigint * 1000 - 1
    FROM tape.work_queue q, unnest(tape.ranges_of(q.params -> 'series')) s
   WHERE q.queue LIKE 'capture%' AND q.status = 'done'
$$;

-- the minute bars of two tickers (their transactions size the plan) and events on three days
SET client_min_messages = warning;
CALL tape.refresh_bars('minute', '2025-10-01', '2025-10-03', tickers => ARRAY['ACME', 'BOLT']);
RESET client_min_messages;
INSERT INTO tape.events_intraday (ticker, ts, trading_day, event_type, direction, session, score, dollar_volume)
SELECT ticker, ts::timestamptz, ts::date, event_type, 'up', tape.session_of(ts::timestamptz), score, 500000
  FROM (VALUES ('ACME', '2025-10-01 10:00', 'volume_spike', 50), ('ACME', '2025-10-01 15:10', 'vwap_break', 40),
               ('ACME', '2025-10-02 12:20', 'volume_spike', 90), ('ACME', '2025-10-02 12:20', 'price_momentum', 90),
               ('ACME', '2025-10-02 12:24', 'flush', 30), ('BOLT', '2025-10-02 10:22', 'opening_range_break', 60),
               ('BOLT', '2025-10-03 09:45', 'vwap_break', 45), ('BOLT', '2025-10-03 15:30', 'volume_spike', 35),
               ('BOLT', '2025-10-03 19:58', 'consolidation_break', 20)) e (ticker, ts, event_type, score);
INSERT INTO tape.profiles (profile, max_events, window_before, window_after, quotes_per_second)
VALUES ('cap', 100, '3 minutes', '7 minutes', 5);
-- requests cost time, bytes little: one series per day where the windows are close
CALL tape.build_manifest('cap', '2025-10-01', '2025-10-03');
SELECT window_id, ticker, trading_day, to_char(win_start, 'HH24:MI') || '-' || to_char(win_end, 'HH24:MI') AS win,
       event_count, round(estimated_trades) AS estimated_trades FROM tape.manifest_windows ORDER BY window_id;
SELECT ticker, trading_day, kind, windows, plan, requests, window_requests, array_length(series, 1) AS series
  FROM tape.manifest_plan('cap') ORDER BY kind, ticker, trading_day;

-- the query of a unit: its request series are foreign scans with constant bounds, EXPLAIN lists the requests
SELECT tape.capture_query('trades', 'ACME', ARRAY[tstzrange('2025-10-01 09:57', '2025-10-01 15:17')],
                          ARRAY[tstzrange('2025-10-01 09:57', '2025-10-01 10:07'), tstzrange('2025-10-01 15:07', '2025-10-01 15:17')], 0)
  AS query \gset
EXPLAIN (COSTS OFF) :query;

-- the capture makes exactly the planned requests, once each
SELECT regress.mock_requests('capture') AS before \gset
SET client_min_messages = warning;  -- its NOTICEs say how long it took
CALL tape.capture_ticks('cap');
RESET client_min_messages;
SELECT queue, unit_key, status, params ->> 'plan' AS plan, params -> 'requests' AS requests,
       jsonb_array_length(params -> 'windows') AS windows
  FROM tape.work_queue WHERE queue LIKE 'capture%' ORDER BY unit_id;
SELECT count(*) AS requests, count(*) FILTER (WHERE cursor) AS next_pages FROM regress.tick_requests('capture', :before);
SELECT count(*) AS differences FROM (
  (SELECT kind, ticker, gte, lte FROM regress.tick_requests('capture', :before) EXCEPT ALL SELECT * FROM regress.planned_series())
  UNION ALL
  (SELECT * FROM regress.planned_series() EXCEPT ALL SELECT kind, ticker, gte, lte FROM regress.tick_requests('capture', :before))) d;
SELECT refresh, status, units, units_done, units_failed, rows > 0 AS fetched, requests FROM tape.refresh_runs;

-- each window stored once, compressed; the blocks hold the rows of the API
SELECT kind, quotes_per_second, count(*) AS windows, sum(rows) AS rows, sum(source_rows) AS fetched,
       round(sum(bytes)::numeric / sum(rows), 1) AS bytes_per_row
  FROM tape.tick_windows GROUP BY 1, 2 ORDER BY 1;
SELECT attname, attstorage FROM pg_attribute WHERE attrelid = 'tape.tick_windows'::regclass AND attname = 'block';
SELECT count(*) AS windows, count(trades) AS with_trades, count(quotes) AS with_quotes,
       sum((tape.block_info(trades)).rows) AS trades
  FROM tape.captured_windows WHERE profile = 'cap';
-- the trades of every window, every column, are the rows a query of the window returns
SELECT count(*) AS differences FROM (
  (SELECT w.window_id, t.* FROM tape.captured_windows w, tape.trades_of(w.trades) t
   EXCEPT ALL
   SELECT w.window_id, d.* FROM tape.manifest_windows w
     JOIN LATERAL (SELECT * FROM direct.trades d WHERE d.ticker = w.ticker AND d.ts >= w.win_start AND d.ts < w.win_end) d ON true)
  UNION ALL
  (SELECT w.window_id, d.* FROM tape.manifest_windows w
     JOIN LATERAL (SELECT * FROM direct.trades d WHERE d.ticker = w.ticker AND d.ts >= w.win_start AND d.ts < w.win_end) d ON true
   EXCEPT ALL
   SELECT w.window_id, t.* FROM tape.captured_windows w, tape.trades_of(w.trades) t)) x;
-- the quotes are those pack_quotes keeps of the window at 5 a second: the same block, byte for byte
SELECT count(*) AS windows,
       count(*) FILTER (WHERE w.quotes::bytea = (SELECT tape.pack_quotes(q, 5 ORDER BY q.sip_timestamp, q.sequence_number)
                                                   FROM direct.quotes q
                                                  WHERE q.ticker = w.ticker AND q.ts >= w.win_start AND q.ts < w.win_end)::bytea)
         AS identical
  FROM tape.captured_windows w WHERE w.profile = 'cap';
SELECT profile, windows, trades_captured, quotes_captured, windows_missing, trades > 0 AS trades, quotes < quotes_given AS sampled
  FROM tape.capture_status;
SELECT profile, source, ticker, to_char(ts, 'MM-DD HH24:MI') AS ts, event_type, window_id,
       to_char(window_start, 'HH24:MI') || '-' || to_char(window_end, 'HH24:MI') AS window,
       (tape.block_info(trades)).rows AS trades, (tape.block_info(quotes)).rows AS quotes
  FROM tape.captured_events ORDER BY ticker, ts, event_type;

-- again: nothing to fetch; a rebuilt manifest fetches nothing either
SELECT regress.mock_requests('capture') AS before \gset
CALL tape.capture_ticks('cap');
SET client_min_messages = warning;
CALL tape.build_manifest('cap', '2025-10-01', '2025-10-03');
RESET client_min_messages;
CALL tape.capture_ticks('cap');
SELECT regress.mock_requests('capture') - :before AS requests;

-- other profiles: windows that stored ranges cover are not fetched again (narrow: all of them);
-- quotes sampled otherwise (every update) are other ticks, fetched and stored on their own
INSERT INTO tape.profiles (profile, max_events, window_before, window_after, quotes_per_second)
VALUES ('narrow', 100, '1 minute', '2 minutes', 5), ('every', 100, '3 minutes', '7 minutes', 0);
SET client_min_messages = warning;
CALL tape.build_manifest('narrow', '2025-10-01', '2025-10-03');
CALL tape.build_manifest('every', '2025-10-01', '2025-10-03');
RESET client_min_messages;
SELECT count(*) AS units FROM tape.manifest_plan('narrow');
SELECT kind, count(*) AS units FROM tape.manifest_plan('every') GROUP BY 1 ORDER BY 1;
CALL tape.capture_ticks('narrow');  -- nothing to do
SELECT regress.mock_requests('capture') - :before AS requests;
SELECT count(*) AS windows, count(trades) AS with_trades, count(quotes) AS with_quotes
  FROM tape.captured_windows WHERE profile = 'narrow';
-- read as windows of their own, the narrow windows hold the rows of the API
SELECT count(*) AS differences FROM (
  (SELECT w.window_id, t.* FROM tape.captured_windows w, tape.trades_of(w.trades) t
    WHERE w.profile = 'narrow' AND t.ts >= w.win_start AND t.ts < w.win_end
   EXCEPT ALL
   SELECT w.window_id, d.* FROM tape.manifest_windows w
     JOIN LATERAL (SELECT * FROM direct.trades d WHERE d.ticker = w.ticker AND d.ts >= w.win_start AND d.ts < w.win_end) d ON true
    WHERE w.profile = 'narrow')
  UNION ALL
  (SELECT w.window_id, d.* FROM tape.manifest_windows w
     JOIN LATERAL (SELECT * FROM direct.trades d WHERE d.ticker = w.ticker AND d.ts >= w.win_start AND d.ts < w.win_end) d ON true
    WHERE w.profile = 'narrow'
   EXCEPT ALL
   SELECT w.window_id, t.* FROM tape.captured_windows w, tape.trades_of(w.trades) t
    WHERE w.profile = 'narrow' AND t.ts >= w.win_start AND t.ts < w.win_end)) x;

-- a disk budget: the capture stops before it writes the unit that would pass it, and says what
-- is left; a larger budget resumes it (the unit that did not fit is fetched again)
SELECT sum(bytes) AS stored FROM tape.tick_windows \gset
SELECT :stored + 60000 AS budget \gset
SELECT regress.mock_requests('capture') AS before \gset
SET client_min_messages = warning;
CALL tape.capture_ticks('every', what => 'quotes', disk_budget => :'budget');
RESET client_min_messages;
SELECT status, units, units_done, units_done < units AS units_left FROM tape.refresh_runs ORDER BY run_id DESC LIMIT 1;
-- the unit it stopped at keeps the reason (its NOTICE said the same)
SELECT unit_key, status, attempts, last_sqlstate, last_error, last_error_detail FROM tape.work_queue
 WHERE last_sqlstate = '53100';
-- what is left (the NOTICE's numbers)
SELECT windows, ticker_days, requests, round(stored_bytes / 1e3) AS kb_stored
  FROM tape.plan_totals(ARRAY(SELECT s FROM tape.manifest_plan('every', 'quotes') s), 0);
SELECT sum(bytes) AS after_stop, sum(bytes) <= :budget AS within_the_budget FROM tape.tick_windows \gset
SELECT :'within_the_budget' AS within_the_budget;
-- the unit it stopped at: the first one left in the order units are claimed
SELECT ticker AS stop_ticker, (range_start AT TIME ZONE 'America/New_York')::date AS stop_day
  FROM tape.work_queue WHERE queue = 'capture_quotes' AND status = 'pending' ORDER BY range_start, ticker LIMIT 1 \gset
SET client_min_messages = warning;
CALL tape.capture_ticks('every', what => 'quotes', disk_budget => '1 GB');
RESET client_min_messages;
SELECT count(*) AS windows, count(quotes) AS with_quotes FROM tape.captured_windows WHERE profile = 'every';
-- its windows would have passed the budget
SELECT :after_stop + sum(bytes) > :budget AS it_would_have_passed FROM tape.tick_windows
 WHERE kind = 'quotes' AND quotes_per_second = 0 AND ticker = :'stop_ticker' AND trading_day = :'stop_day';
-- every series was fetched once, but for that unit's, fetched twice
SELECT count(*) AS requests, count(DISTINCT (r.ticker, r.gte, r.lte)) AS series,
       count(*) FILTER (WHERE r.ticker = :'stop_ticker'
                          AND (to_timestamp(r.gte / 1e9) AT TIME ZONE 'America/New_York')::date = :'stop_day') AS of_that_unit
  FROM regress.tick_requests('capture', :before) r;
-- the units of quotes the runs of profile every stored made their requests as planned (its trades
-- are those profile cap captured); the runs made one more: the unit that did not fit, fetched again
SELECT fetches, requests_planned, requests_made, run_requests, run_requests - requests_made AS fetched_again
  FROM tape.capture_qa_summary WHERE profile = 'every';

-- only the disk budget stops a capture quietly: a full disk (or any error of the server: no
-- memory, an I/O error) fails the CALL; the units done stay done, the one in flight is left to
-- do, and the next call resumes without fetching a unit done again
INSERT INTO tape.profiles (profile, max_events, window_before, window_after, quotes_per_second)
VALUES ('wide', 100, '10 minutes', '20 minutes', 5);
SET client_min_messages = warning;
CALL tape.build_manifest('wide', '2025-10-01', '2025-10-03');
RESET client_min_messages;
\i test/regress/server_error.sql
SET regress.server_error = '53100';  -- disk_full
CREATE TRIGGER full_disk BEFORE INSERT ON tape.tick_windows FOR EACH ROW EXECUTE FUNCTION regress.server_error('BOLT');
SELECT regress.mock_requests('capture') AS before \gset
SET client_min_messages = warning;
CALL tape.capture_ticks('wide', what => 'trades', disk_budget => '1 GB');  -- ERROR
RESET client_min_messages;
SELECT status, finished_at IS NOT NULL AS finished, tape.refresh_lock_holder('capture') IS NULL AS lock_released
  FROM tape.refresh_runs ORDER BY run_id DESC LIMIT 1;
SELECT unit_key, status, attempts, last_sqlstate FROM tape.work_queue
 WHERE run_id = (SELECT max(run_id) FROM tape.refresh_runs) ORDER BY range_start, ticker;
SELECT unit_key AS done_before FROM tape.work_queue
 WHERE run_id = (SELECT max(run_id) FROM tape.refresh_runs) AND status = 'done' \gset
DROP TRIGGER full_disk ON tape.tick_windows;
SELECT regress.mock_requests('capture') AS before_resume \gset
SET client_min_messages = warning;
CALL tape.capture_ticks('wide', what => 'trades');
RESET client_min_messages;
SELECT count(*) AS windows, count(trades) AS with_trades FROM tape.captured_windows WHERE profile = 'wide';
-- the resume asked for the series of the units left, once each, and none of the unit done before
SELECT count(*) AS requests,
       count(*) FILTER (WHERE r.ticker || ' ' || (to_timestamp(r.gte / 1e9) AT TIME ZONE 'America/New_York')::date
                              = substr(:'done_before', 8)) AS of_the_unit_done
  FROM regress.tick_requests('capture', :before_resume) r;
SELECT sum((params ->> 'requests')::integer) AS planned FROM tape.work_queue
 WHERE run_id = (SELECT max(run_id) FROM tape.refresh_runs);

-- errors
CALL tape.capture_ticks('nope');  -- ERROR
CALL tape.capture_ticks('plus');  -- ERROR
CALL tape.capture_ticks('cap', what => 'ticks');  -- ERROR
CALL tape.capture_ticks('cap', disk_budget => 'lots');  -- ERROR
BEGIN;
CALL tape.capture_ticks('cap');  -- ERROR
ROLLBACK;
UPDATE tape.configuration SET value = '-1' WHERE name = 'capture.disk_budget';  -- ERROR
UPDATE tape.configuration SET value = '0' WHERE name = 'capture.json_bytes_per_second';  -- ERROR

DROP FUNCTION regress.tick_requests(text, bigint), regress.planned_series();
TRUNCATE tape.events_intraday, tape.bars_1m, tape.manifest, tape.manifest_windows, tape.manifest_builds,
         tape.stored_profiles, tape.tick_windows, tape.work_queue, tape.refresh_runs, tape.settings;
