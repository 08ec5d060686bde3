-- The option validator of polygon_fdw: every option, every context.
\i test/regress/setup.sql

-- the error a server with these options gets from the validator, or NULL
CREATE FUNCTION regress.option_error(p_options text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
  v_msg text; v_detail text;
BEGIN
  EXECUTE format('CREATE SERVER regress_try FOREIGN DATA WRAPPER polygon_fdw OPTIONS (%s)', p_options);
  EXECUTE 'DROP SERVER regress_try';
  RETURN NULL;
EXCEPTION WHEN OTHERS THEN
  GET STACKED DIAGNOSTICS v_msg = MESSAGE_TEXT, v_detail = PG_EXCEPTION_DETAIL;
  RETURN concat_ws(' ', v_msg, nullif(v_detail, ''));
END $$;

-- server options: valid ones
CREATE SERVER regress_opts FOREIGN DATA WRAPPER polygon_fdw
  OPTIONS (base_url 'https://api.polygon.io/', requests_per_minute '5', max_retries '3',
           connect_timeout_ms '5000', timeout_ms '60000', max_pages '100',
           retry_base_ms '500', retry_max_ms '30000');
ALTER SERVER regress_opts OPTIONS (SET requests_per_minute '0');

-- unknown options say which are valid
CREATE SERVER regress_bad FOREIGN DATA WRAPPER polygon_fdw OPTIONS (host 'api.polygon.io');  -- ERROR
CREATE SERVER regress_bad FOREIGN DATA WRAPPER polygon_fdw OPTIONS (api_key 'abc');  -- ERROR
CREATE USER MAPPING FOR CURRENT_USER SERVER regress_opts OPTIONS (base_url 'x');  -- ERROR
CREATE FOREIGN DATA WRAPPER regress_fdw2 HANDLER tape.polygon_fdw_handler
  VALIDATOR tape.polygon_fdw_validator OPTIONS (anything 'x');  -- ERROR

-- bad values
CREATE SERVER regress_bad FOREIGN DATA WRAPPER polygon_fdw OPTIONS (requests_per_minute 'five');  -- ERROR
CREATE SERVER regress_bad FOREIGN DATA WRAPPER polygon_fdw OPTIONS (requests_per_minute '-1');  -- ERROR
CREATE SERVER regress_bad FOREIGN DATA WRAPPER polygon_fdw OPTIONS (max_retries '1000');  -- ERROR
CREATE SERVER regress_bad FOREIGN DATA WRAPPER polygon_fdw OPTIONS (timeout_ms '0');  -- ERROR
CREATE SERVER regress_bad FOREIGN DATA WRAPPER polygon_fdw OPTIONS (base_url 'ftp://files.polygon.io');  -- ERROR
CREATE SERVER regress_bad FOREIGN DATA WRAPPER polygon_fdw OPTIONS (base_url 'https://api.polygon.io/?apiKey=abc');  -- ERROR
CREATE SERVER regress_bad FOREIGN DATA WRAPPER polygon_fdw OPTIONS (base_url 'https://user:pw@api.polygon.io');  -- ERROR
CREATE SERVER regress_bad FOREIGN DATA WRAPPER polygon_fdw OPTIONS (max_pages '10', max_pages '20');  -- ERROR

-- integers are plain decimal digits: no sign, fraction, hex, exponent, white space or overflow
-- (a negative number is out of range)
SELECT v AS value, regress.option_error(format('requests_per_minute %L', v)) AS error
  FROM unnest(ARRAY['0.4', '5.5', '0x10', '1e3', ' 5', '5 ', '', '+', '--5', '99999999999',
                    '2147483648', '1_000', '+5', '+0', '-0', '-', '-5', '٥', '05']) AS v;
-- every integer option is checked the same way, and named in the message
SELECT o AS option, regress.option_error(format('%s %L', o, '0.4')) AS error
  FROM unnest(ARRAY['requests_per_minute', 'max_retries', 'connect_timeout_ms', 'timeout_ms',
                    'max_pages', 'max_scan_requests', 'retry_base_ms', 'retry_max_ms',
                    'concurrent_requests']) AS o;
SELECT regress.option_error($$max_scan_requests '0'$$) AS zero_requests,
       regress.option_error($$requests_per_minute '+7'$$) AS plus_seven,
       regress.option_error($$shared_cache 'sometimes'$$) AS shared_cache_not_boolean;

-- URLs: scheme, host, port, no credentials, a plain path; checked completely
SELECT o AS option, v AS value, regress.option_error(format('%s %L', o, v)) AS error
  FROM (VALUES ('base_url', 'http://'), ('base_url', 'https://'), ('base_url', 'http:///v2'),
               ('base_url', 'http://:8080'), ('base_url', 'http://host:'), ('base_url', 'http://host:0'),
               ('base_url', 'http://host:65536'), ('base_url', 'http://host:99999999999999999999'),
               ('base_url', 'http://host:8x'), ('base_url', 'http://ho$t'), ('base_url', 'http://[::1'),
               ('base_url', 'http://[]/'), ('base_url', 'https://u@api.polygon.io'),
               ('base_url', 'https://api.polygon.io/a/../v3'), ('base_url', 'https://api.polygon.io/./v3'),
               ('base_url', 'https://api.polygon.io/%2e%2E/v3'), ('base_url', 'https://api.polygon.io/a//b'),
               ('base_url', 'https://api.polygon.io/a\b'), ('base_url', 'https://api.polygon.io/50%'),
               ('base_url', 'https://api.polygon.io/#x'), ('base_url', E'https://api.polygon.io/a\tb'),
               ('base_url', E'https://api.polygon.io\r\nX-Injected: 1'), ('base_url', 'https://api.pölygon.io'),
               ('base_url', ''), ('base_url', 'api.polygon.io'), ('base_url', 'file:///tmp'),
               ('flatfiles_url', 'file://host/data'), ('flatfiles_url', 'file:/data'),
               ('flatfiles_url', 'file:///data/../etc'), ('flatfiles_url', 'file:///data/a b'),
               ('flatfiles_url', 'http://'), ('flatfiles_url', 's3://bucket'),
               ('stream_url', 'https://socket.massive.com/stocks'), ('stream_url', 'ws://'),
               ('stream_url', 'wss://socket.massive.com/stocks?x=1'), ('stream_url', 'wss://u@socket.massive.com'),
               ('stream_url', 'socket.massive.com/stocks')) AS t(o, v);
SELECT regress.option_error(format('base_url %L', repeat('a', 3000))) AS too_long;
-- and these are fine: ports, IPv6, a prefix with the mock's fault specs, trailing slashes, any case
SELECT v AS value, regress.option_error(format('base_url %L', v)) IS NULL AS accepted
  FROM unnest(ARRAY['http://127.0.0.1:1', 'https://api.polygon.io:65535/', 'http://[::1]:8080/x',
                    'HTTPS://API.Massive.com', 'http://h/_f/tag=a,status=429,retry_after=2/',
                    'https://files.massive.com/flatfiles///']) AS v;
-- the live feed's WebSocket: ws:// or wss://
SELECT v AS value, regress.option_error(format('stream_url %L', v)) IS NULL AS accepted
  FROM unnest(ARRAY['wss://socket.massive.com/stocks', 'wss://delayed.massive.com/stocks',
                    'WS://127.0.0.1:8765/stocks']) AS v;

-- S3 regions: short lower-case names
SELECT regress.option_error(format('flatfiles_region %L', 'US-EAST-1')) AS upper_case,
       regress.option_error(format('flatfiles_region %L', repeat('a', 65))) AS too_long;

-- IMPORT FOREIGN SCHEMA takes no options (an unknown one is not ignored)
CREATE SCHEMA regress_import;
IMPORT FOREIGN SCHEMA polygon FROM SERVER regress_opts INTO regress_import OPTIONS (adjusted 'false');  -- ERROR
DROP SCHEMA regress_import;

-- user mapping: api_key only, never echoed back in an error
CREATE USER MAPPING FOR CURRENT_USER SERVER regress_opts OPTIONS (api_key '');  -- ERROR
CREATE USER MAPPING FOR CURRENT_USER SERVER regress_opts OPTIONS (api_key 'sekrit with space');  -- ERROR
CREATE USER MAPPING FOR CURRENT_USER SERVER regress_opts OPTIONS (api_key 'regress-not-a-key');
ALTER USER MAPPING FOR CURRENT_USER SERVER regress_opts OPTIONS (SET api_key 'regress-other');

-- foreign tables need a valid endpoint
CREATE FOREIGN TABLE regress_ft (ticker text) SERVER regress_opts;  -- ERROR
CREATE FOREIGN TABLE regress_ft (ticker text) SERVER regress_opts OPTIONS (endpoint 'candles');  -- ERROR
CREATE FOREIGN TABLE regress_ft (ticker text) SERVER regress_opts OPTIONS (endpoint 'bars', timespan 'day');  -- ERROR
CREATE FOREIGN TABLE regress_ft (ticker text OPTIONS (field 'T')) SERVER regress_opts OPTIONS (endpoint 'bars');  -- ERROR
CREATE FOREIGN TABLE regress_ft (ticker text, ts timestamptz, close float8)
  SERVER regress_opts OPTIONS (endpoint 'bars');
ALTER FOREIGN TABLE regress_ft OPTIONS (DROP endpoint);  -- ERROR
ALTER FOREIGN TABLE regress_ft OPTIONS (SET endpoint 'tickers');

-- a table whose column the endpoint does not have is refused when queried
CREATE FOREIGN TABLE regress_ft_bad (ticker text, price float8)
  SERVER regress_opts OPTIONS (endpoint 'bars');
SELECT * FROM regress_ft_bad WHERE ticker = 'ACME';  -- ERROR

-- no user mapping, no api_key
CREATE ROLE regress_tape_user;
CREATE SERVER regress_nomap FOREIGN DATA WRAPPER polygon_fdw OPTIONS (base_url :'mock_url');
CREATE FOREIGN TABLE regress_nomap_t (ticker text, ts timestamptz) SERVER regress_nomap OPTIONS (endpoint 'bars');
GRANT USAGE ON FOREIGN SERVER regress_nomap TO regress_tape_user;
GRANT SELECT ON regress_nomap_t TO regress_tape_user;
SET ROLE regress_tape_user;
SELECT * FROM regress_nomap_t WHERE ticker = 'ACME' AND ts >= '2025-10-01' AND ts < '2025-10-02';  -- ERROR
RESET ROLE;
CREATE USER MAPPING FOR regress_tape_user SERVER regress_nomap;
SET ROLE regress_tape_user;
SELECT * FROM regress_nomap_t WHERE ticker = 'ACME' AND ts >= '2025-10-01' AND ts < '2025-10-02';  -- ERROR
-- EXPLAIN needs no key: it sends no request
EXPLAIN (COSTS OFF) SELECT * FROM regress_nomap_t WHERE ticker = 'ACME' AND ts >= '2025-10-01' AND ts < '2025-10-02';
RESET ROLE;

-- options as the catalog keeps them
SELECT srvname, srvoptions FROM pg_foreign_server WHERE srvname = 'regress_opts';
SELECT ftoptions FROM pg_foreign_table WHERE ftrelid = 'regress_ft'::regclass;

SET client_min_messages = warning;
DROP SERVER regress_opts, regress_nomap CASCADE;
DROP ROLE regress_tape_user;
