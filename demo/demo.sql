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
\echo '13. The local store: the universe of each day of September 2025 (delisted names included),'
\echo '    its day and minute bars, resumable and committed unit by unit; then the detectors over'
\echo '    the local bars and the Top-N by events.'
SET tape.progress_interval = 0;
CALL tape.refresh_corporate_actions('2025-01-01', '2025-09-30');
CALL tape.refresh_universe('2025-09-02', '2025-09-30');
SELECT ticker, name, close, round(market_cap / 1e6) AS market_cap_m FROM tape.universe('2025-09-15');
\echo '    A history of day bars for September''s small caps (units: ticker x year):'
CALL tape.refresh_bars('day', '2025-01-02', '2025-09-30',
                       tickers => tape.universe_tickers('2025-09-02', '2025-09-30'));
CALL tape.refresh_bars('minute', '2025-09-02', '2025-09-30');
\echo '    A second call finds every unit settled and asks for nothing:'
CALL tape.refresh_bars('minute', '2025-09-02', '2025-09-30');
CALL tape.detect_all('2025-09-02', '2025-09-30', config => '{"intraday": {"tape_speed": {"enabled": false}}}');
SELECT rank, ticker, events, event_days, intraday_events, round(mean_score::numeric, 1) AS mean_score
  FROM tape.rank_tickers(5, '2025-09-02', '2025-09-30');
SELECT refresh, queue, units, settled, failed, last_run FROM tape.refresh_status ORDER BY refresh, queue;
SELECT * FROM tape.store_health;

\echo
\echo '14. From events to ticks: what the core profile would select of September''s events and what'
\echo '    its capture would cost, before anything is fetched (a dry run writes nothing, asks nothing):'
CALL tape.build_manifest('core', '2025-09-02', '2025-09-30', dry_run => true);
\echo '    core is made for thousands of events; a profile of one''s own, looser, built and captured:'
\echo '    trades, and quotes down-sampled to 5 a second, each window stored once as a compressed block.'
SELECT tape.copy_profile('core', 'demo');
UPDATE tape.profiles SET min_score_percentile = 0, min_bar_dollar_volume = 50000, max_per_ticker_day = 3, type_quotas = NULL
 WHERE profile = 'demo';
CALL tape.build_manifest('demo', '2025-09-02', '2025-09-30');
CALL tape.capture_ticks('demo');
SELECT * FROM tape.capture_status;
SELECT ticker, ts, event_type, score::numeric(4, 1), window_start, window_end,
       (tape.block_info(trades)).rows AS trades, (tape.block_info(quotes)).rows AS quotes
  FROM tape.captured_events WHERE profile = 'demo' ORDER BY score DESC LIMIT 5;
\echo '    The first trades of the best event''s window, read back from its block:'
SELECT t.ts, t.price, t.size, t.exchange, t.conditions
  FROM (SELECT * FROM tape.captured_events WHERE profile = 'demo' ORDER BY score DESC LIMIT 1) e,
       tape.trades_of(e.trades) t
 WHERE t.ts >= e.win_start AND t.ts < e.win_end
 ORDER BY t.sip_timestamp LIMIT 5;

\echo
\echo 'Summary: everything above came from the mock Polygon server through polygon_fdw: the universe,'
\echo 'day and minute bars (split-adjusted or raw), the whole market on one day, reference details,'
\echo 'then sessions, VWAP, RVOL and the intraday and daily detectors computed in PostgreSQL, and a'
\echo 'local store of the universe and its bars, refreshed unit by unit and ranked by its events, and'
\echo 'the ticks around the events a profile selected, captured and compressed.'
\echo 'Every page of settled history is now in the request cache: running these queries again sends'
\echo 'none of those requests.'
SELECT endpoint, pages, raw_bytes, stored_bytes, compression_ratio
  FROM tape.cache_stats()
 ORDER BY endpoint;
\echo 'Next: scripts/demo.sh --keep leaves this database and the mock running to explore;'
\echo 'docs/getting-started.md connects a database of your own, to the mock or the real API.'
