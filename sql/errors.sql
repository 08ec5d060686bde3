-- Every way a Polygon request can fail, and what the user is told.
-- Faults come from the mock server (the /_f/ prefix of base_url, see polygon_mock.py).
\i test/regress/setup.sql
SELECT regress.make_server('mock');

-- 401: the key is refused; never retried
SELECT regress.make_server('e401', 'tag=e401');
ALTER USER MAPPING FOR CURRENT_USER SERVER e401 OPTIONS (SET api_key 'regress-wrong-key');
SELECT * FROM e401.bars WHERE ticker = 'ACME' AND timespan = 'day' AND ts >= '2025-10-01' AND ts < '2025-10-02';  -- ERROR
SELECT regress.mock_requests('e401') AS requests;

-- 403: the plan is not entitled; never retried
SELECT regress.make_server('e403', 'tag=e403,status=403');
SELECT * FROM e403.bars WHERE ticker = 'ACME' AND timespan = 'day' AND ts >= '2025-10-01' AND ts < '2025-10-02';  -- ERROR
SELECT regress.mock_requests('e403') AS requests;

-- 400: the API's own text; never retried
SELECT regress.make_server('e400', 'tag=e400,status=400');
SELECT * FROM e400.bars WHERE ticker = 'ACME' AND timespan = 'day' AND ts >= '2025-10-01' AND ts < '2025-10-02';  -- ERROR
SELECT regress.mock_requests('e400') AS requests;

-- 404 on a list endpoint means no rows (an unknown ticker has no bars)
SELECT regress.make_server('e404', 'tag=e404,status=404');
SELECT count(*) FROM e404.bars WHERE ticker = 'NOPE' AND timespan = 'day' AND ts >= '2025-10-01' AND ts < '2025-10-02';
SELECT count(*) FROM e404.tickers WHERE ticker = 'NOPE';

-- 429: retried with back-off (Retry-After when sent), then the rows come
SELECT regress.make_server('r429', 'tag=r429,status=429,times=2,retry_after=0', 'retry_base_ms ''1''');
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF)
SELECT count(*) FROM r429.bars WHERE ticker = 'ACME' AND timespan = 'day' AND ts >= '2025-10-06' AND ts < '2025-10-11';
SELECT status, count(*) FROM regress.mock_log('r429') GROUP BY status ORDER BY status;
-- 429 for ever: gives up after max_retries
SELECT regress.make_server('e429', 'tag=e429,status=429', 'max_retries ''2'', retry_base_ms ''1''');
SELECT * FROM e429.bars WHERE ticker = 'ACME' AND timespan = 'day' AND ts >= '2025-10-01' AND ts < '2025-10-02';  -- ERROR
SELECT regress.mock_requests('e429') AS requests;

-- 5xx answered with nginx HTML pages: retried, and the error names the page
SELECT regress.make_server('r503', 'tag=r503,status=503,times=1', 'retry_base_ms ''1''');
SELECT count(*) FROM r503.bars WHERE ticker = 'ACME' AND timespan = 'day' AND ts >= '2025-10-06' AND ts < '2025-10-11';
SELECT status, count(*) FROM regress.mock_log('r503') GROUP BY status ORDER BY status;
SELECT regress.make_server('e504', 'tag=e504,status=504', 'max_retries ''1'', retry_base_ms ''1''');
SELECT * FROM e504.bars WHERE ticker = 'ACME' AND timespan = 'day' AND ts >= '2025-10-01' AND ts < '2025-10-02';  -- ERROR
SELECT regress.mock_requests('e504') AS requests;

-- a response cut mid-stream (fewer bytes than Content-Length): retried
SELECT regress.make_server('rcut', 'tag=rcut,cut=200,times=1', 'retry_base_ms ''1''');
SELECT count(*) FROM rcut.bars WHERE ticker = 'ACME' AND timespan = 'day' AND ts >= '2025-10-06' AND ts < '2025-10-11';
SELECT regress.mock_requests('rcut') AS requests;

-- bodies that are not what they should be: what was expected, where, and what was found
SELECT regress.make_server('etrunc', 'tag=etrunc,truncate=300');
SELECT * FROM etrunc.bars WHERE ticker = 'ACME' AND timespan = 'day' AND ts >= '2025-10-06' AND ts < '2025-10-11';  -- ERROR
SELECT regress.make_server('emal', 'tag=emal,malformed=1');
SELECT * FROM emal.bars WHERE ticker = 'ACME' AND timespan = 'day' AND ts >= '2025-10-06' AND ts < '2025-10-11';  -- ERROR
SELECT regress.make_server('ehtml', 'tag=ehtml,html=1');
SELECT * FROM ehtml.bars WHERE ticker = 'ACME' AND timespan = 'day' AND ts >= '2025-10-06' AND ts < '2025-10-11';  -- ERROR
SELECT regress.make_server('estatus', 'body=error_400_to_before_from.json');
SELECT * FROM estatus.bars WHERE ticker = 'ACME' AND timespan = 'day' AND ts >= '2025-10-06' AND ts < '2025-10-11';  -- ERROR
SELECT regress.make_server('etype', 'body=local_v2_aggs_bad_volume.json');
SELECT ts, volume FROM etype.bars WHERE ticker = 'ACME' AND ts >= '2025-10-06 09:30' AND ts < '2025-10-06 09:32';  -- ERROR
-- ... but a column the query does not read is not converted
SELECT ts, close FROM etype.bars WHERE ticker = 'ACME' AND ts >= '2025-10-06 09:30' AND ts < '2025-10-06 09:32';
SELECT regress.make_server('emissing', 'body=local_v2_aggs_missing_t.json');
SELECT * FROM emissing.bars WHERE ticker = 'ACME' AND ts >= '2025-10-06 09:30' AND ts < '2025-10-06 09:32';  -- ERROR
-- a body of another shape than the endpoint's: a bare array for bars, an envelope for market holidays,
-- a list where one ticker's details are expected
SELECT regress.make_server('eshape1', 'body=v1_marketstatus_upcoming.json');
SELECT * FROM eshape1.bars WHERE ticker = 'ACME' AND ts >= '2025-10-06 09:30' AND ts < '2025-10-06 09:32';  -- ERROR
SELECT regress.make_server('eshape2', 'body=local_v2_aggs_missing_t.json');
SELECT * FROM eshape2.market_holidays;  -- ERROR
SELECT regress.make_server('eshape3', 'body=local_v3_reference_tickers_unicode.json');
SELECT * FROM eshape3.ticker_details WHERE ticker = 'ACME';  -- ERROR

-- pagination gone wrong: next_url loops back, or never ends
SELECT regress.make_server('eloop', 'tag=eloop,loop=1,page=50');
SELECT count(*) FROM eloop.bars WHERE ticker = 'ACME' AND ts >= '2025-10-06' AND ts < '2025-10-07';  -- ERROR
SELECT regress.mock_requests('eloop') AS requests;
SELECT regress.make_server('emax', 'tag=emax,page=10', 'max_pages ''3''');
SELECT count(*) FROM emax.bars WHERE ticker = 'ACME' AND ts >= '2025-10-06' AND ts < '2025-10-07';  -- ERROR
SELECT regress.mock_requests('emax') AS requests;
-- a page whose "adjusted" differs from the request is refused
SELECT regress.make_server('eadj', 'tag=eadj,page=100,adjusted_flip=1');
SELECT count(*) FROM eadj.bars WHERE ticker = 'ACME' AND NOT adjusted AND ts >= '2025-10-06' AND ts < '2025-10-07';  -- ERROR

-- next_url on another host, with ":443" or ":443:443": only its path and query are used, on our server
SELECT regress.make_server('h_other', 'tag=h_other,nexthost=other,page=200');
SELECT regress.make_server('h_443', 'tag=h_443,nexthost=port443,page=200');
SELECT regress.make_server('h_443x2', 'tag=h_443x2,nexthost=port443x2,page=200');
SELECT (SELECT count(*) FROM h_other.bars WHERE ticker = 'ACME' AND ts >= '2025-10-06' AND ts < '2025-10-07') AS other,
       (SELECT count(*) FROM h_443.bars WHERE ticker = 'ACME' AND ts >= '2025-10-06' AND ts < '2025-10-07') AS port_443,
       (SELECT count(*) FROM h_443x2.bars WHERE ticker = 'ACME' AND ts >= '2025-10-06' AND ts < '2025-10-07') AS port_443_443,
       (SELECT count(*) FROM mock.bars WHERE ticker = 'ACME' AND ts >= '2025-10-06' AND ts < '2025-10-07') AS one_page;
SELECT tag, count(*) AS requests FROM (
  SELECT 'h_other' AS tag FROM regress.mock_log('h_other') UNION ALL
  SELECT 'h_443' FROM regress.mock_log('h_443') UNION ALL
  SELECT 'h_443x2' FROM regress.mock_log('h_443x2')) s GROUP BY tag ORDER BY tag;

-- the network: nothing listening, or a response slower than timeout_ms (retried, then given up)
CREATE SERVER eclosed FOREIGN DATA WRAPPER polygon_fdw
  OPTIONS (base_url 'http://127.0.0.1:9', max_retries '0', requests_per_minute '0');
CREATE USER MAPPING FOR CURRENT_USER SERVER eclosed OPTIONS (api_key 'regress-not-a-key');
CREATE FOREIGN TABLE eclosed_bars (ticker text, ts timestamptz) SERVER eclosed OPTIONS (endpoint 'bars');
\i test/regress/error_of.sql
SELECT regress.error_of($$SELECT * FROM eclosed_bars WHERE ticker = 'ACME' AND ts >= '2025-10-06' AND ts < '2025-10-07'$$);
SELECT regress.make_server('eslow', 'tag=eslow,delay_ms=3000', 'timeout_ms ''300'', max_retries ''1'', retry_base_ms ''1''');
SELECT regress.error_of($$SELECT * FROM eslow.bars WHERE ticker = 'ACME' AND timespan = 'day' AND ts >= '2025-10-06' AND ts < '2025-10-07'$$);
-- slow but in time is fine
SELECT regress.make_server('rslow', 'tag=rslow,delay_ms=200', 'timeout_ms ''5000''');
SELECT count(*) FROM rslow.bars WHERE ticker = 'ACME' AND timespan = 'day' AND ts >= '2025-10-06' AND ts < '2025-10-07';

-- an error loses nothing: the transaction's earlier work is intact once rolled back to a savepoint
CREATE TABLE regress_kept (ticker text, ts timestamptz, close float8);
BEGIN;
SELECT regress.make_server('mock');
INSERT INTO regress_kept SELECT ticker, ts, close FROM mock.bars
 WHERE ticker = 'ACME' AND timespan = 'day' AND ts >= '2025-10-06' AND ts < '2025-10-11';
SAVEPOINT before_failure;
INSERT INTO regress_kept SELECT ticker, ts, close FROM e504.bars
 WHERE ticker = 'BOLT' AND timespan = 'day' AND ts >= '2025-10-06' AND ts < '2025-10-11';  -- ERROR
ROLLBACK TO SAVEPOINT before_failure;
COMMIT;
SELECT ticker, count(*) FROM regress_kept GROUP BY ticker;
DROP TABLE regress_kept;
SET client_min_messages = warning;
DROP SERVER eclosed CASCADE;
