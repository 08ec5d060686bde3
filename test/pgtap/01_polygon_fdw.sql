-- pgTAP: the catalog objects of tape and polygon_fdw, the shape of every
-- imported table, and the SQLSTATE of every class of error.
\set QUIET on
\set ON_ERROR_STOP on
\pset format unaligned
\pset tuples_only true
\getenv mock_url TAPE_MOCK_URL
\getenv api_key TAPE_API_KEY
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS pgtap;
CREATE EXTENSION IF NOT EXISTS tape;
SET timezone = 'America/New_York';

BEGIN;
SELECT plan(65);

-- the extension and its functions
SELECT has_extension('tape', 'tape', 'extension tape is installed in schema tape');
SELECT has_function('tape', 'version', '{}'::name[]);
SELECT function_lang_is('tape', 'version', '{}'::name[], 'c');
SELECT volatility_is('tape', 'version', '{}'::name[], 'immutable');
SELECT is_strict('tape', 'version', '{}'::name[]);
SELECT function_returns('tape', 'polygon_fdw_handler', '{}'::name[], 'fdw_handler');
SELECT function_returns('tape', 'polygon_fdw_validator', ARRAY['text[]', 'oid'], 'void');
SELECT is((SELECT fdwhandler::regproc::text FROM pg_foreign_data_wrapper WHERE fdwname = 'polygon_fdw'),
          'tape.polygon_fdw_handler', 'polygon_fdw has its handler');
SELECT is((SELECT fdwvalidator::regproc::text FROM pg_foreign_data_wrapper WHERE fdwname = 'polygon_fdw'),
          'tape.polygon_fdw_validator', 'polygon_fdw has its validator');

-- a server on the mock, and the imported tables
CREATE SERVER tap_mock FOREIGN DATA WRAPPER polygon_fdw OPTIONS (base_url :'mock_url', requests_per_minute '0');
CREATE USER MAPPING FOR CURRENT_USER SERVER tap_mock OPTIONS (api_key :'api_key');
CREATE SCHEMA p;
IMPORT FOREIGN SCHEMA polygon FROM SERVER tap_mock INTO p;

SELECT foreign_tables_are('p', ARRAY['bars', 'grouped_daily', 'tickers', 'ticker_details', 'trades', 'quotes',
                                'splits', 'dividends', 'stock_splits', 'stock_dividends', 'short_interest',
                                'short_volume', 'news', 'exchanges', 'conditions', 'market_holidays',
                                'flat_trades', 'flat_quotes', 'flat_minute_aggs', 'flat_day_aggs'],
                          'IMPORT FOREIGN SCHEMA polygon creates the foreign tables');
SELECT columns_are('p', 'bars', ARRAY['ticker', 'timespan', 'multiplier', 'ts', 'open', 'high', 'low', 'close',
                                      'volume', 'vwap', 'transactions', 'otc', 'adjusted']);
SELECT col_type_is('p', 'bars', 'ts', 'timestamp with time zone', 'bars.ts is timestamp with time zone');
SELECT col_type_is('p', 'bars', 'volume', 'double precision', 'bars.volume is double precision');
SELECT col_type_is('p', 'bars', 'transactions', 'bigint', 'bars.transactions is bigint');
SELECT col_not_null('p', 'bars', 'ticker', 'bars.ticker is never null');
SELECT col_not_null('p', 'bars', 'ts', 'bars.ts is never null');
SELECT col_is_null('p', 'bars', 'vwap', 'bars.vwap may be null');
SELECT col_is_null('p', 'bars', 'transactions', 'bars.transactions may be null');
SELECT columns_are('p', 'grouped_daily', ARRAY['ticker', 'date', 'ts', 'open', 'high', 'low', 'close', 'volume',
                                               'vwap', 'transactions', 'otc', 'adjusted']);
SELECT col_type_is('p', 'grouped_daily', 'date', 'date', 'grouped_daily.date is date');
SELECT col_type_is('p', 'tickers', 'delisted_utc', 'timestamp with time zone', 'tickers.delisted_utc is timestamp with time zone');
SELECT col_type_is('p', 'tickers', 'active', 'boolean', 'tickers.active is boolean');
SELECT col_is_null('p', 'tickers', 'cik', 'tickers.cik may be null');
SELECT col_type_is('p', 'ticker_details', 'address', 'jsonb', 'ticker_details.address is jsonb');
SELECT col_type_is('p', 'ticker_details', 'market_cap', 'double precision', 'ticker_details.market_cap is double precision');
SELECT col_type_is('p', 'ticker_details', 'list_date', 'date', 'ticker_details.list_date is date');
SELECT col_type_is('p', 'trades', 'sip_timestamp', 'bigint', 'trades.sip_timestamp is bigint (exact nanoseconds)');
SELECT col_type_is('p', 'trades', 'size', 'double precision', 'trades.size is double precision (fractional shares)');
SELECT col_is_null('p', 'trades', 'size', 'trades.size may be null');
SELECT col_type_is('p', 'trades', 'conditions', 'integer[]', 'trades.conditions is integer[]');
SELECT col_not_null('p', 'quotes', 'ts', 'quotes.ts is never null');
SELECT col_type_is('p', 'quotes', 'bid_size', 'double precision', 'quotes.bid_size is double precision');
SELECT col_type_is('p', 'short_volume', 'short_volume', 'double precision', 'short_volume.short_volume is double precision');
SELECT col_type_is('p', 'news', 'tickers', 'text[]', 'news.tickers is text[]');
SELECT col_type_is('p', 'news', 'insights', 'jsonb', 'news.insights is jsonb');
SELECT col_type_is('p', 'conditions', 'updates_volume', 'boolean', 'conditions.updates_volume is boolean');
SELECT col_not_null('p', 'market_holidays', 'date', 'market_holidays.date is never null');

-- behaviour
SELECT results_eq($$SELECT ticker FROM p.tickers WHERE NOT active$$, ARRAY['EVTX', 'HALO'],
                  'delisted tickers are reachable');
SELECT results_eq($$SELECT count(*)::int FROM p.bars WHERE ticker = 'ACME' AND timespan = 'day'
                      AND ts >= '2025-10-06' AND ts < '2025-10-11'$$, ARRAY[5],
                  'a week of day bars is five bars');
SELECT results_eq($$SELECT (extract(epoch FROM ts) * 1000)::bigint FROM p.bars
                     WHERE ticker = 'AAPL' AND timespan = 'day' AND ts >= '2022-04-01' AND ts < '2022-04-05'$$,
                  ARRAY[1648785600000, 1649044800000]::bigint[],
                  'bar times are the exact milliseconds of the response');
SELECT results_eq($$SELECT ticker, ts FROM p.bars WHERE ticker IN ('BOLT', 'ACME') AND timespan = 'day'
                      AND ts >= '2025-10-06' AND ts < '2025-10-08'$$,
                  $$SELECT ticker, ts FROM p.bars WHERE ticker IN ('BOLT', 'ACME') AND timespan = 'day'
                      AND ts >= '2025-10-06' AND ts < '2025-10-08' ORDER BY ticker, ts$$,
                  'rows come sorted by ticker and ts');
SELECT is_empty($$SELECT * FROM p.bars WHERE ticker = 'ACME' AND ts >= now() + interval '1 hour'$$,
                'a range in the future has no rows and makes no request');

-- the SQLSTATE of every class of error
SELECT throws_ok($$SELECT * FROM p.bars WHERE ts >= '2025-10-06'$$, 'HV002',
                 'a condition on ticker is required to scan foreign table "bars"',
                 'no ticker condition: HV002');
SELECT throws_ok($$SELECT * FROM p.bars WHERE ticker = 'ACME'$$, 'HV002',
                 'a lower bound on ts is required for minute bars', 'no lower bound on minute bars: HV002');
SELECT throws_ok($$SELECT * FROM p.grouped_daily WHERE ticker = 'ACME'$$, 'HV002', NULL,
                 'no date for grouped_daily: HV002');
SELECT throws_ok($$SELECT * FROM p.bars WHERE ticker = 'ACME' AND timespan = 'tick' AND ts >= '2025-10-06'$$,
                 'HV024', 'invalid timespan "tick"', 'invalid timespan: HV024');
SELECT throws_ok($$SELECT * FROM p.bars WHERE ticker = 'ACME' AND multiplier = -1 AND ts >= '2025-10-06'$$,
                 'HV024', NULL, 'invalid multiplier: HV024');
SELECT throws_ok($$SELECT * FROM p.bars WHERE ticker = 'ACME' AND ts >= '2025-10-07' AND ts < '2025-10-06'$$,
                 'HV024', 'the conditions on ts select an empty range', 'empty ts range: HV024');
SELECT throws_ok($$SELECT * FROM p.ticker_details WHERE ticker = 'ZZZZ'$$, 'HV024', 'ticker "ZZZZ" not found',
                 'unknown ticker in details: HV024');
SELECT throws_ok($$CREATE SERVER tap_bad FOREIGN DATA WRAPPER polygon_fdw OPTIONS (apikey 'x')$$, 'HV00D',
                 'invalid option "apikey"', 'invalid option: HV00D');
SELECT throws_ok($$CREATE FOREIGN TABLE p.tap_x (ticker text) SERVER tap_mock$$, 'HV002', NULL,
                 'foreign table without endpoint: HV002');
SELECT throws_ok($$CREATE FOREIGN TABLE p.tap_x (ticker text) SERVER tap_mock OPTIONS (endpoint 'quotes_v9')$$,
                 'HV00D', NULL, 'invalid endpoint: HV00D');
SELECT throws_ok($$CREATE SERVER tap_bad FOREIGN DATA WRAPPER polygon_fdw OPTIONS (max_pages '0')$$, '22023',
                 NULL, 'out-of-range option value: 22023');
CREATE FOREIGN TABLE p.tap_price (ticker text, price float8) SERVER tap_mock OPTIONS (endpoint 'bars');
SELECT throws_ok($$SELECT * FROM p.tap_price WHERE ticker = 'ACME'$$, 'HV007', NULL,
                 'a column the endpoint lacks: HV007');
SELECT throws_ok($$IMPORT FOREIGN SCHEMA stocks FROM SERVER tap_mock INTO p$$, 'HV00Q', NULL,
                 'unknown remote schema: HV00Q');

CREATE SERVER tap_nokey FOREIGN DATA WRAPPER polygon_fdw OPTIONS (base_url :'mock_url', requests_per_minute '0');
CREATE FOREIGN TABLE p.tap_nokey (ticker text, ts timestamptz) SERVER tap_nokey OPTIONS (endpoint 'bars');
SELECT throws_ok($$SELECT * FROM p.tap_nokey WHERE ticker = 'ACME' AND ts >= '2025-10-06' AND ts < '2025-10-07'$$,
                 'HV00J', NULL, 'no user mapping: HV00J');

-- failures of the API, through the mock's fault prefix
CREATE FUNCTION pg_temp.fault_server(p_name text, p_spec text, p_options text DEFAULT '') RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
  EXECUTE format('CREATE SERVER %I FOREIGN DATA WRAPPER polygon_fdw OPTIONS (base_url %L, requests_per_minute ''0'', retry_base_ms ''1'', max_retries ''1''%s)',
                 p_name, current_setting('tap.mock_url') || '/_f/' || p_spec, p_options);
  EXECUTE format('CREATE USER MAPPING FOR CURRENT_USER SERVER %I OPTIONS (api_key %L)', p_name, current_setting('tap.api_key'));
  EXECUTE format('CREATE FOREIGN TABLE p.%I (ticker text, ts timestamptz, close float8, adjusted boolean) SERVER %I OPTIONS (endpoint ''bars'')',
                 p_name, p_name);
END $$;
SELECT set_config('tap.mock_url', :'mock_url', true) AS tap_url, set_config('tap.api_key', :'api_key', true) AS tap_key \gset
SELECT pg_temp.fault_server('f401', 'tag=tap401');
ALTER USER MAPPING FOR CURRENT_USER SERVER f401 OPTIONS (SET api_key 'tap-wrong-key');
SELECT pg_temp.fault_server('f403', 'tag=tap403,status=403');
SELECT pg_temp.fault_server('f400', 'tag=tap400,status=400');
SELECT pg_temp.fault_server('f429', 'tag=tap429,status=429');
SELECT pg_temp.fault_server('f502', 'tag=tap502,status=502');
SELECT pg_temp.fault_server('fjson', 'tag=tapjson,malformed=1');
SELECT pg_temp.fault_server('floop', 'tag=taploop,loop=1,page=20');
SELECT pg_temp.fault_server('fadj', 'tag=tapadj,adjusted_flip=1,page=20');
SELECT pg_temp.fault_server('fbody', 'body=local_v2_aggs_bad_volume.json');
CREATE FOREIGN TABLE p.fbody_volume (ticker text, ts timestamptz, volume float8) SERVER fbody OPTIONS (endpoint 'bars');

\set range 'ticker = ''ACME'' AND ts >= ''2025-10-06'' AND ts < ''2025-10-07'''
SELECT throws_ok(format('SELECT * FROM p.f401 WHERE %s', :'range'), 'HV00N', NULL, 'key refused (401): HV00N');
SELECT throws_ok(format('SELECT * FROM p.f403 WHERE %s', :'range'), 'HV000', NULL, 'not entitled (403): HV000');
SELECT throws_ok(format('SELECT * FROM p.f400 WHERE %s', :'range'), 'HV000', NULL, 'bad request (400): HV000');
SELECT throws_ok(format('SELECT * FROM p.f429 WHERE %s', :'range'), 'HV000', NULL, 'too many requests (429): HV000');
SELECT throws_ok(format('SELECT * FROM p.f502 WHERE %s', :'range'), 'HV00N', NULL, 'server failing (5xx): HV00N');
SELECT throws_ok(format('SELECT * FROM p.fjson WHERE %s', :'range'), 'HV00A', NULL, 'malformed JSON: HV00A');
SELECT throws_ok(format('SELECT * FROM p.floop WHERE %s', :'range'), 'HV000', NULL, 'next_url loop: HV000');
SELECT throws_ok(format('SELECT * FROM p.fadj WHERE NOT adjusted AND %s', :'range'), 'HV024', NULL,
                 'a page with the other adjusted flag: HV024');
SELECT throws_ok(format('SELECT * FROM p.fbody_volume WHERE %s', :'range'), 'HV004', NULL,
                 'a value of the wrong JSON type: HV004');

SELECT * FROM finish();
ROLLBACK;
