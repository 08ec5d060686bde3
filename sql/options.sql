-- The option validator of polygon_fdw: every option, every context.
\i test/regress/setup.sql

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
