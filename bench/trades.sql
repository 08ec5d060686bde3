-- Trades through polygon_fdw, measured in one run (bench/run.sh sets the variables):
--   1. decode: :trows trades in pages of 50,000 (the /v3/trades shape), served over HTTP by the
--      mock, decoded by the FDW with every column converted, against COPY of the same rows
--      as CSV into an unlogged table (the floor).  Target: >= 1 M trades/s per core.  num_nulls()
--      of every column makes the scan convert them all at the cost of one call per row.
--   2. join-driven fetch: a manifest of :windows windows (5 minutes each) joined to trades,
--      against fetching the whole days of the same tickers and filtering locally.  Requests
--      and bytes come from the mock server's log.  Target: requests = the theoretical
--      minimum (one per window: no window needs a second page of 50,000).
\i bench/common.sql
DROP SCHEMA IF EXISTS bench_trades CASCADE;
DROP SERVER IF EXISTS bench_trades_pages CASCADE;
DROP SERVER IF EXISTS bench_trades_win CASCADE;
DROP SERVER IF EXISTS bench_trades_day CASCADE;
CREATE SCHEMA bench_trades;

-- 1. decode rate
CREATE SERVER bench_trades_pages FOREIGN DATA WRAPPER polygon_fdw
  OPTIONS (base_url :'bench_url', requests_per_minute '0', cache 'false');
CREATE USER MAPPING FOR CURRENT_USER SERVER bench_trades_pages OPTIONS (api_key :'api_key');
CREATE FOREIGN TABLE bench_trades.pages_trades (
    ticker text, ts timestamptz, sip_timestamp bigint, participant_timestamp bigint, trf_timestamp bigint,
    price float8, size float8, exchange int, trf_id int, tape int, conditions int[], correction int,
    id text, sequence_number bigint)
  SERVER bench_trades_pages OPTIONS (endpoint 'trades');
CREATE UNLOGGED TABLE bench_trades.trades_copy (
    ticker text, sip_timestamp bigint, participant_timestamp bigint, trf_timestamp bigint,
    price float8, size float8, exchange int, trf_id int, tape int, conditions int[], correction int,
    id text, sequence_number bigint);

CREATE TABLE bench_trades.results (method text, seconds float8, rows bigint);

\o /dev/null
SELECT bench_common.time_it('bench_trades.results', 'COPY (CSV into an unlogged table, the floor)',
  format('COPY bench_trades.trades_copy FROM %L (FORMAT csv)', :'out' || '/trades.csv'), :reps,
  'TRUNCATE bench_trades.trades_copy');
SELECT bench_common.time_it('bench_trades.results', 'polygon_fdw trades (HTTP + JSON decode, every column)',
  $$SELECT count(*) FROM bench_trades.pages_trades
     WHERE ticker = 'BENCH' AND ts >= '2020-01-02' AND ts < '2020-01-03'
       AND num_nulls(sip_timestamp, participant_timestamp, trf_timestamp, price, size, exchange, trf_id,
                     tape, conditions, correction, id, sequence_number) < 12$$,
  :reps);
\o
\echo
\echo 'Decoding ' :trows ' trades (' :tpages ' pages of 50,000; ' :tjson_mb ' MB of JSON), best of ' :reps ' runs:'
SELECT method, round(seconds::numeric, 3) AS seconds, rows,
       round((rows / seconds / 1e6)::numeric, 2) AS "M trades/s",
       round((:tjson_bytes / 1e6 / seconds)::numeric, 1) AS "MB/s of JSON",
       round((seconds / (SELECT seconds FROM bench_trades.results WHERE method LIKE 'COPY%'))::numeric, 2) AS x_copy_time
  FROM bench_trades.results ORDER BY seconds;
SELECT CASE WHEN rows / seconds >= 1e6 THEN 'yes' ELSE 'no' END AS "at least 1 M trades/s",
       rows = (SELECT rows FROM bench_trades.results WHERE method LIKE 'COPY%') AS same_rows
  FROM bench_trades.results WHERE method LIKE 'polygon_fdw%';

-- 2. join-driven windows against whole days, on the mock's generated tape
CREATE SERVER bench_trades_win FOREIGN DATA WRAPPER polygon_fdw
  OPTIONS (base_url :'win_url', requests_per_minute '0', cache 'false');
CREATE SERVER bench_trades_day FOREIGN DATA WRAPPER polygon_fdw
  OPTIONS (base_url :'day_url', requests_per_minute '0', cache 'false');
CREATE USER MAPPING FOR CURRENT_USER SERVER bench_trades_win OPTIONS (api_key :'api_key');
CREATE USER MAPPING FOR CURRENT_USER SERVER bench_trades_day OPTIONS (api_key :'api_key');
CREATE SCHEMA bench_trades_win;
CREATE SCHEMA bench_trades_day;
IMPORT FOREIGN SCHEMA polygon LIMIT TO (trades) FROM SERVER bench_trades_win INTO bench_trades_win;
IMPORT FOREIGN SCHEMA polygon LIMIT TO (trades) FROM SERVER bench_trades_day INTO bench_trades_day;

-- :win_tickers tickers x :win_days trading days x :win_per_day windows of 5 minutes, 18 minutes apart from 09:45
CREATE TABLE bench_trades.manifest AS
SELECT row_number() OVER () AS window_id, t.ticker, s.rth_open + interval '15 minutes' + k * interval '18 minutes' AS win_start,
       s.rth_open + interval '20 minutes' + k * interval '18 minutes' AS win_end
  FROM (SELECT unnest(ARRAY['ACME', 'BOLT', 'CRWN', 'DYNX', 'FLUX']) AS ticker LIMIT :win_tickers) t
  CROSS JOIN (SELECT d::date AS day FROM generate_series('2025-09-15'::date, '2025-12-31', interval '1 day') d
               WHERE tape.is_trading_day(d::date) AND NOT (SELECT early_close FROM tape.session_bounds(d::date))
               ORDER BY 1 LIMIT :win_days) d
  CROSS JOIN LATERAL tape.session_bounds(d.day) s
  CROSS JOIN generate_series(0, :win_per_day - 1) k;
SELECT count(*) AS windows, min(win_start)::date AS first_day, max(win_end)::date AS last_day
  FROM bench_trades.manifest \gset

\o /dev/null
CREATE TABLE bench_trades.by_window AS
SELECT m.window_id, count(t.ts) AS trades, coalesce(sum(t.size), 0) AS shares
  FROM bench_trades.manifest m
  LEFT JOIN LATERAL (SELECT * FROM bench_trades_win.trades t
                      WHERE t.ticker = m.ticker AND t.ts >= m.win_start AND t.ts < m.win_end) t ON true
 GROUP BY m.window_id;
-- the whole days are fetched first (joined directly, the planner would fetch windows here too)
SELECT string_agg(DISTINCT quote_literal(ticker), ', ') AS tickers FROM bench_trades.manifest \gset
CREATE TABLE bench_trades.days AS
SELECT ticker, ts, size FROM bench_trades_day.trades
 WHERE ticker IN (:tickers) AND ts >= :'first_day'::date AND ts < :'last_day'::date + 1;
CREATE TABLE bench_trades.by_day AS
SELECT m.window_id, count(t.ts) AS trades, coalesce(sum(t.size), 0) AS shares
  FROM bench_trades.manifest m
  LEFT JOIN bench_trades.days t ON t.ticker = m.ticker AND t.ts >= m.win_start AND t.ts < m.win_end
 GROUP BY m.window_id;
\o

CREATE TABLE bench_trades.log AS
SELECT (line::jsonb) ->> 'tag' AS tag, ((line::jsonb) ->> 'bytes')::bigint AS bytes
  FROM regexp_split_to_table(pg_read_file(:'mock_log'), E'\n') AS l(line)
 WHERE line LIKE '%"bench_%';
\echo
\echo 'Fetching the trades of ' :windows ' windows of 5 minutes (' :win_tickers ' tickers, ' :win_days ' days):'
SELECT CASE tag WHEN 'bench_win' THEN 'join-driven: one request series per window'
                ELSE 'whole days, filtered locally' END AS method,
       count(*) AS requests, round(sum(bytes) / 1e6, 1) AS "MB of JSON",
       (SELECT sum(trades) FROM bench_trades.by_window) AS trades_in_windows
  FROM bench_trades.log GROUP BY tag ORDER BY tag DESC;
-- the theoretical minimum: every window is one request unless it holds more than 50,000 trades
SELECT (SELECT sum(greatest(1, ceil(trades / 50000.0))) FROM bench_trades.by_window) AS minimum_requests,
       (SELECT count(*) FROM bench_trades.log WHERE tag = 'bench_win') AS window_requests,
       (SELECT count(*) FROM bench_trades.log WHERE tag = 'bench_win')
         = (SELECT sum(greatest(1, ceil(trades / 50000.0))) FROM bench_trades.by_window) AS at_the_minimum,
       round((SELECT sum(bytes) FROM bench_trades.log WHERE tag = 'bench_day')::numeric
             / greatest((SELECT sum(bytes) FROM bench_trades.log WHERE tag = 'bench_win'), 1), 1) AS whole_days_bytes_over_windows,
       (SELECT count(*) FROM bench_trades.by_window w JOIN bench_trades.by_day d USING (window_id)
         WHERE w.trades <> d.trades OR w.shares <> d.shares) AS windows_that_differ;
SELECT bench_common.expect(rows = (SELECT rows FROM bench_trades.results WHERE method LIKE 'COPY%'),
                           'polygon_fdw decodes the rows COPY loads')
  FROM bench_trades.results WHERE method LIKE 'polygon_fdw%' \gset
SELECT bench_common.expect((SELECT count(*) FROM bench_trades.log WHERE tag = 'bench_win')
                             = (SELECT sum(greatest(1, ceil(trades / 50000.0))) FROM bench_trades.by_window),
                           'the windows are fetched with the minimum of requests') \gset
SELECT bench_common.expect(NOT EXISTS (SELECT FROM bench_trades.by_window w JOIN bench_trades.by_day d USING (window_id)
                                        WHERE w.trades <> d.trades OR w.shares <> d.shares),
                           'every window holds the same trades both ways') \gset

DROP SCHEMA bench_trades CASCADE;
DROP SCHEMA bench_trades_win CASCADE;
DROP SCHEMA bench_trades_day CASCADE;
DROP SERVER bench_trades_pages CASCADE;
DROP SERVER bench_trades_win CASCADE;
DROP SERVER bench_trades_day CASCADE;
