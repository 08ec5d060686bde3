-- tape demo: the main job on the bundled demo data.
--
-- Runs against the Polygon mock server (test/mock/polygon_mock.py), whose
-- demo universe is fictional small caps with deterministic generated data.
-- With a real key, point base_url at https://api.massive.com instead.

\getenv mock_url TAPE_MOCK_URL
\getenv api_key TAPE_API_KEY
\pset null '∅'
\set ECHO queries

CREATE EXTENSION tape;
SELECT tape.version();

\echo
\echo '1. Connect polygon_fdw to the API (here: the mock server) and import its tables.'
CREATE SERVER polygon FOREIGN DATA WRAPPER polygon_fdw
  OPTIONS (base_url :'mock_url', requests_per_minute '0');
\echo '   The key goes in a user mapping, created with statement logging off so that it stays out of'
\echo '   the server log even if the statement fails (and not shown here):'
\set ECHO none
\set QUIET on
SET log_statement = 'none';
SET log_min_error_statement = 'panic';
CREATE USER MAPPING FOR CURRENT_USER SERVER polygon OPTIONS (api_key :'api_key');
RESET log_min_error_statement;
RESET log_statement;
\set QUIET off
\echo 'CREATE USER MAPPING FOR CURRENT_USER SERVER polygon OPTIONS (api_key ''...'');'
\echo '   Then the foreign tables:'
\set ECHO queries
CREATE SCHEMA polygon;
IMPORT FOREIGN SCHEMA polygon FROM SERVER polygon INTO polygon;

SET timezone = 'America/New_York';

\echo
\echo '2. The universe: active and delisted tickers (no condition on active fetches both lists).'
SELECT ticker, name, primary_exchange, type, active, delisted_utc::date AS delisted
  FROM polygon.tickers
 ORDER BY ticker;

\echo
\echo '3. Day bars of three small caps for one week (one request per ticker).'
SELECT ticker, ts::date AS day, open, high, low, close, volume, vwap, transactions
  FROM polygon.bars
 WHERE ticker IN ('ACME', 'BOLT', 'CRWN') AND timespan = 'day'
   AND ts >= '2025-09-29' AND ts < '2025-10-04'
 ORDER BY ticker, ts;

\echo
\echo '4. Minute bars around a news spike: ACME on 2025-10-02 near 12:20 New York time.'
SELECT ts, open, high, low, close, volume, transactions
  FROM polygon.bars
 WHERE ticker = 'ACME' AND ts >= '2025-10-02 12:14' AND ts < '2025-10-02 12:27'
 ORDER BY ts;

\echo
\echo '5. What the spike looks like per session of that day (pre-market, regular, after hours).'
SELECT CASE WHEN ts::time < '09:30' THEN 'PM' WHEN ts::time < '16:00' THEN 'RTH' ELSE 'AH' END AS session,
       count(*) AS bars, min(ts)::time AS first_bar, max(ts)::time AS last_bar,
       sum(volume) AS volume, round((sum(vwap * volume) / sum(volume))::numeric, 4) AS vwap
  FROM polygon.bars
 WHERE ticker = 'ACME' AND ts >= '2025-10-02' AND ts < '2025-10-03'
 GROUP BY 1
 ORDER BY min(ts);

\echo
\echo '6. Split-adjusted and raw prices around CRWN''s 1-for-10 reverse split of 2025-06-16.'
SELECT ts::date AS day, adjusted, close, volume
  FROM polygon.bars
 WHERE ticker = 'CRWN' AND timespan = 'day' AND adjusted IN (true, false)
   AND ts >= '2025-06-12' AND ts < '2025-06-18'
 ORDER BY adjusted DESC, ts;

\echo
\echo '7. The whole market on one day, and reference details of a delisted name.'
SELECT ticker, close, volume, round((close * volume)::numeric) AS dollar_volume, otc
  FROM polygon.grouped_daily
 WHERE date = '2024-11-29'
 ORDER BY dollar_volume DESC;

SELECT ticker, name, active, list_date, delisted_utc, market_cap, sic_description
  FROM polygon.ticker_details
 WHERE ticker = 'EVTX' AND date = '2024-06-03';

\echo
\echo '8. What a query costs before it runs: the endpoint, the pushed-down'
\echo '   conditions and the exact requests (the API key never appears).'
EXPLAIN (COSTS OFF)
SELECT * FROM polygon.bars
 WHERE ticker IN ('BOLT', 'ACME') AND ts >= '2025-10-01' AND ts < '2025-10-03'
 ORDER BY ticker, ts;

\echo '   ... and what it cost once it ran.'
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF)
SELECT count(*) FROM polygon.bars
 WHERE ticker IN ('BOLT', 'ACME') AND ts >= '2025-10-01' AND ts < '2025-10-03';

\echo
\echo '9. The trading calendar: sessions in New York time, holidays and early closes built in.'
SELECT ts, tape.session_of(ts) AS session, tape.trading_day(ts) AS trading_day
  FROM unnest(ARRAY['2025-11-28 09:29', '2025-11-28 12:59', '2025-11-28 13:00', '2025-11-27 10:00']::timestamptz[]) AS ts;
SELECT * FROM tape.market_holidays WHERE day BETWEEN '2025-11-01' AND '2025-12-31';

\echo
\echo '10. RTH-anchored VWAP and relative volume around the spike, computed by C window functions'
\echo '    over the whole day (04:00-20:00), shown from 12:15.'
SELECT * FROM (
  SELECT ts, close, volume,
         round(tape.rth_vwap(ts, tape.bar_price(high, low, close, vwap), volume) OVER w::numeric, 4) AS rth_vwap,
         round(tape.rvol(volume, 20) OVER w::numeric, 2) AS rvol20
    FROM polygon.bars
   WHERE ticker = 'ACME' AND ts >= '2025-10-02 04:00' AND ts < '2025-10-02 20:00'
  WINDOW w AS (PARTITION BY ticker ORDER BY ts)) b
 WHERE ts BETWEEN '2025-10-02 12:15' AND '2025-10-02 12:24';

\echo
\echo '11. The intraday detectors over two weeks of ACME minute bars fetched through polygon_fdw:'
\echo '    the events of the spike day (tape_speed left out: it fires often on the demo''s tape).'
SELECT ts::time AS time, event_type, direction, session, round(score::numeric, 1) AS score, close,
       round(spike_x::numeric, 1) AS spike_x, round(pct_change::numeric, 2) AS pct_change
  FROM tape.detect_intraday($$SELECT * FROM polygon.bars
                              WHERE ticker = 'ACME' AND ts >= '2025-09-22' AND ts < '2025-10-03'$$,
                            '{"tape_speed": {"enabled": false}}')
 WHERE trading_day = '2025-10-02'
 ORDER BY ts, event_type;

\echo
\echo '12. Stage-1 and the daily events E1-E11 over the day bars of the active demo universe,'
\echo '    each with its capture window in trading days.'
SELECT ticker, trading_day, event_type, direction, close, round(change_pct::numeric, 1) AS change_pct,
       round(rvol::numeric, 1) AS rvol, window_start, window_end
  FROM tape.detect_daily($$SELECT * FROM polygon.bars
                           WHERE ticker IN ('ACME', 'BOLT', 'CRWN', 'DYNX', 'FLUX') AND timespan = 'day'
                             AND ts >= '2025-05-01' AND ts < '2025-10-08'$$)
 WHERE trading_day >= '2025-09-01'
 ORDER BY trading_day, ticker, event_type;

\echo
\echo '13. The local store: the splits (the universe takes a snapshot of shares after each), the'
\echo '    universe of each day from March to September 2025 (delisted names included), a history of'
\echo '    day bars and the minute bars of those small caps, fetched unit by unit (a ticker and a month;'
\echo '    for day bars a year) and committed as they come: an interruption loses only the unit in'
\echo '    flight, and a second call asks the API for nothing it has.'
SET tape.progress_interval = 0;
CALL tape.refresh_corporate_actions('2025-01-01', '2025-09-30');
CALL tape.refresh_universe('2025-03-03', '2025-09-30');
SELECT ticker, name, close, round(market_cap / 1e6) AS market_cap_m FROM tape.universe('2025-09-15');
CALL tape.refresh_bars('day', '2024-10-01', '2025-09-30',
                       tickers => tape.universe_tickers('2025-03-03', '2025-09-30'));
CALL tape.refresh_bars('minute', '2025-03-03', '2025-09-30');
\echo '    A second call finds every unit settled and asks for nothing:'
CALL tape.refresh_bars('minute', '2025-03-03', '2025-09-30');

\echo
\echo '14. Detection over the local bars: the daily detectors (Stage-1, E1-E11) on the day bars, per'
\echo '    ticker and year (so over the whole of 2025), and the intraday detectors on the minute bars,'
\echo '    per ticker and month, into tape.events_daily and tape.events_intraday (tape_speed left out:'
\echo '    it fires often on the demo''s tape). The minute bars start on 2025-03-03, so the first days'
\echo '    of March have no volume baseline yet, and detect_all says so at its end. What they found:'
CALL tape.detect_all('2025-03-03', '2025-09-30', config => '{"intraday": {"tape_speed": {"enabled": false}}}');
SELECT 'intraday' AS source, event_type, count(*) AS events, count(DISTINCT ticker) AS tickers,
       round(avg(score)::numeric, 1) AS mean_score
  FROM tape.events_intraday GROUP BY event_type
UNION ALL
SELECT 'daily', event_type, count(*), count(DISTINCT ticker), NULL
  FROM tape.events_daily GROUP BY event_type
 ORDER BY source DESC, events DESC, event_type;
\echo '    The Top-N by events, the tickers whose ticks are worth the most:'
SELECT rank, ticker, events, event_days, intraday_events, round(mean_score::numeric, 1) AS mean_score
  FROM tape.rank_tickers(5, '2025-03-03', '2025-09-30');
\echo '    Every refresh so far, unit by unit, and the health checks of the store:'
SELECT refresh, queue, units, settled, failed, last_run FROM tape.refresh_status ORDER BY refresh, queue;
SELECT check_name, problems FROM tape.store_health;

\echo
\echo '15. From events to ticks. First a dry run: what the core profile would select and what its'
\echo '    capture would cost in requests, bytes and hours at the server''s rate limit, with the'
\echo '    rules that cut events. It writes nothing and asks the API for nothing.'
CALL tape.build_manifest('core', '2025-03-03', '2025-09-30', dry_run => true);
\echo '    core is made for a universe of 2,000 small caps (its 95th-percentile score cut-off leaves'
\echo '    9 events of six tickers). A profile of one''s own, looser: up to 100 intraday events, 20 a'
\echo '    ticker, 3 a ticker-day, the better half of each type''s scores, no type quotas; and the two'
\echo '    best daily events, each with the whole trading days around it (E1: 2 days on each side).'
SELECT tape.copy_profile('core', 'demo');
UPDATE tape.profiles SET max_events = 100, max_per_ticker = 20, max_per_ticker_day = 3, min_score_percentile = 50,
       min_bar_dollar_volume = 50000, type_quotas = NULL, capture_daily = true, max_daily_events = 2
 WHERE profile = 'demo';
\echo '    Built for real (tape.manifest and tape.manifest_windows; events closer than 8 minutes share'
\echo '    one window):'
CALL tape.build_manifest('demo', '2025-03-03', '2025-09-30');

\echo
\echo '16. The capture: the trades and quotes of every window, fetched as the plan said (a request'
\echo '    series per window or one over a day''s windows), quotes kept on NBBO change at most 5 a'
\echo '    second, each window packed into compressed column blocks and stored once. Each unit'
\echo '    (ticker x day x kind) records the requests it made (tape.capture_fetches).'
CALL tape.capture_ticks('demo');
SELECT * FROM tape.capture_status WHERE profile = 'demo';

\echo
\echo '17. Tick QA: every captured window checked in C (tape.capture_qa): sequence numbers going'
\echo '    back or repeated, crossed and locked quotes, trades outside the NBBO in force, the'
\echo '    longest stretch of regular hours without a trade, bytes stored. The thresholds that make'
\echo '    a window suspect are settings (qa.*). The summary of the profile:'
\x on
SELECT * FROM tape.capture_qa_summary WHERE profile = 'demo';
\x off
\echo '    The suspect windows, with the reason. The mock draws each minute''s trades and quotes'
\echo '    independently within that minute''s range, so in fast minutes trades print away from the'
\echo '    NBBO in force: the QA finds it (a real tape would not show it).'
SELECT window_id, ticker, trading_day, to_char(win_start, 'HH24:MI') || '-' || to_char(win_end, 'HH24:MI') AS window,
       trades, problems
  FROM tape.suspect_windows('demo') LIMIT 5;

\echo
\echo '18. Features per event: tape.window_features over each event''s captured window (spread,'
\echo '    depth, tick-rule and Lee-Ready imbalance, trade rate before and after, block prints, VWAP'
\echo '    slippage, realised volatility, halt-like silence: 25 features over the captured time), into'
\echo '    tape.event_features, unit by unit (ticker x month), recomputed only where a capture or the'
\echo '    manifest changed.'
CALL tape.compute_event_features('demo');

\echo
\echo '19. Labels: the triple barrier of every event over the local minute bars (profit-take and'
\echo '    stop-loss at 2 sigma of the minute returns, 30 minutes at most), with the uniqueness of'
\echo '    overlapping labels, into tape.event_labels.'
CALL tape.compute_event_labels('demo');
SELECT barrier, label, count(*) AS events, round(avg(ret)::numeric * 100, 2) AS mean_return_pct,
       round(avg(bars)::numeric, 1) AS mean_bars, round(avg(uniqueness)::numeric, 2) AS mean_uniqueness
  FROM tape.event_labels WHERE profile = 'demo' GROUP BY barrier, label ORDER BY label DESC NULLS LAST;

\echo
\echo '20. A picture of the best event''s window: candles every 10 seconds, the NBBO, the VWAP, buy'
\echo '    and sell volume by the tick rule, the event marked. As text for the terminal:'
SELECT c AS chart
  FROM (SELECT e.* FROM tape.manifest_events('demo') e JOIN tape.manifest m USING (source, ticker, ts, event_type, direction)
         WHERE m.profile = 'demo' ORDER BY m.score DESC NULLS LAST LIMIT 1) e,
       tape.window_chart(e.trades, e.quotes, e.anchor_ts, tape.event_research_config('demo', NULL)) c;
\echo '    ... and as an SVG document, written to a file (scripts/demo.sh says where at the end):'
\if :{?plot_file}
\else
\set plot_file /dev/null
\endif
\set QUIET on
\pset tuples_only on
\pset format unaligned
\o :plot_file
SELECT tape.window_svg(e.trades, e.quotes, e.anchor_ts, tape.event_research_config('demo', NULL))
  FROM tape.manifest_events('demo') e JOIN tape.manifest m USING (source, ticker, ts, event_type, direction)
 WHERE m.profile = 'demo' ORDER BY m.score DESC NULLS LAST LIMIT 1;
\o
\pset format aligned
\pset tuples_only off
\set QUIET off

\echo
\echo '=============================================================================================='
\echo 'Report: the pipeline on the demo universe, March to September 2025'
\echo '=============================================================================================='
\set ECHO none
\echo
\echo 'The best events the demo profile selected, and what their ticks say:'
SELECT m.ticker, to_char(m.ts, 'YYYY-MM-DD HH24:MI') AS event, m.event_type, round(m.score::numeric, 1) AS score,
       f.trades, round(f.spread_mean_bps::numeric) AS spread_bps, round(f.trade_rate_x::numeric, 1) AS rate_x,
       round(f.vwap_slippage_bps::numeric) AS slippage_bps, l.barrier, round(l.ret::numeric * 100, 2) AS ret_pct
  FROM tape.manifest m
  JOIN tape.event_features f USING (profile, source, ticker, ts, event_type, direction)
  JOIN tape.event_labels l USING (profile, source, ticker, ts, event_type, direction)
 WHERE m.profile = 'demo'
 ORDER BY m.score DESC NULLS LAST, m.ticker, m.ts LIMIT 8;
\echo 'The manifest by type and session:'
SELECT CASE WHEN grouping(event_type) = 1 THEN 'all' ELSE event_type END AS event_type,
       count(*) FILTER (WHERE session = 'PM') AS "PM", count(*) FILTER (WHERE session = 'RTH') AS "RTH",
       count(*) FILTER (WHERE session = 'AH') AS "AH", count(*) FILTER (WHERE source = 'daily') AS "whole days",
       count(*) AS events
  FROM tape.manifest WHERE profile = 'demo' GROUP BY ROLLUP (event_type) ORDER BY grouping(event_type), event_type;
\echo 'The capture: requests the plan expected and the capture made; what the ticks take on disk:'
SELECT windows, trades, quotes, fetches AS units, requests_planned, requests_made, run_requests AS requests_all_runs,
       pg_size_pretty(bytes) AS stored, bytes_per_trade, bytes_per_quote, suspect_windows
  FROM tape.capture_qa_summary WHERE profile = 'demo';
\echo 'Labels: how the events ended (+1 profit-take, -1 stop-loss, 0 the 30-minute limit):'
SELECT label, count(*) AS events, round(100.0 * count(*) / sum(count(*)) OVER (), 1) AS pct,
       round(avg(ret)::numeric * 100, 2) AS mean_return_pct
  FROM tape.event_labels WHERE profile = 'demo' GROUP BY label ORDER BY label DESC NULLS LAST;
\echo 'Every page of settled history is in the request cache: running it all again sends none of'
\echo 'those requests.'
SELECT endpoint, pages, raw_bytes, stored_bytes, compression_ratio
  FROM tape.cache_stats()
 ORDER BY endpoint;
\if :{?kept}
\echo 'Next: this database and the mock stay running to explore (how to connect and stop them is below);'
\else
\echo 'Next: scripts/demo.sh --keep leaves this database and the mock running to explore;'
\endif
\echo 'docs/research-workflow.md walks through the same pipeline; docs/getting-started.md connects'
\echo 'a database of your own, to the mock or the real API.'
