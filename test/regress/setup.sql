-- Shared by the pg_regress tests: connection details of the mock server
-- (from the environment, never echoed) and a request counter.
\getenv mock_url TAPE_MOCK_URL
\getenv mock_log TAPE_MOCK_LOG
\getenv api_key TAPE_API_KEY
\getenv pg_log TAPE_PG_LOG
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS tape;
CREATE SCHEMA IF NOT EXISTS regress;
-- requests the mock server has logged for a tag (see test/mock/polygon_mock.py)
CREATE OR REPLACE FUNCTION regress.mock_requests(p_tag text) RETURNS bigint
LANGUAGE sql AS $$
  SELECT count(*) FROM regexp_split_to_table(pg_read_file(current_setting('regress.mock_log')), E'\n') AS l(line)
   WHERE line <> '' AND (line::jsonb)->>'tag' = p_tag
$$;
-- what the mock server logged for a tag: path and status, in order
CREATE OR REPLACE FUNCTION regress.mock_log(p_tag text) RETURNS TABLE (path text, status int, auth text)
LANGUAGE sql AS $$
  SELECT (line::jsonb)->>'path', ((line::jsonb)->>'status')::int, (line::jsonb)->>'auth'
    FROM regexp_split_to_table(pg_read_file(current_setting('regress.mock_log')), E'\n') WITH ORDINALITY AS l(line, n)
   WHERE line <> '' AND (line::jsonb)->>'tag' = p_tag ORDER BY n
$$;
-- a server on the mock (with a fault spec, see polygon_mock.py), its key, and its tables in schema p_name;
-- the request cache is off unless p_options turns it on (tests count requests)
CREATE OR REPLACE FUNCTION regress.make_server(p_name text, p_spec text DEFAULT NULL,
                                               p_options text DEFAULT '') RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
  PERFORM set_config('client_min_messages', 'warning', true);
  EXECUTE format('DROP SCHEMA IF EXISTS %I CASCADE', p_name);
  EXECUTE format('DROP SERVER IF EXISTS %I CASCADE', p_name);
  EXECUTE format('CREATE SERVER %I FOREIGN DATA WRAPPER polygon_fdw OPTIONS (base_url %L, requests_per_minute %L%s)',
                 p_name, current_setting('regress.mock_url') || coalesce('/_f/' || p_spec, ''), '0',
                 CASE WHEN p_options LIKE '%cache %' THEN '' ELSE ', cache ''false''' END ||
                 CASE WHEN p_options <> '' THEN ', ' || p_options ELSE '' END);
  EXECUTE format('CREATE USER MAPPING FOR CURRENT_USER SERVER %I OPTIONS (api_key %L)',
                 p_name, current_setting('regress.api_key'));
  EXECUTE format('CREATE SCHEMA %I', p_name);
  EXECUTE format('IMPORT FOREIGN SCHEMA polygon FROM SERVER %I INTO %I', p_name, p_name);
END
$$;
SELECT set_config('regress.mock_log', :'mock_log', false) IS NOT NULL AS mock_log_set,
       set_config('regress.mock_url', :'mock_url', false) IS NOT NULL AS mock_url_set,
       set_config('regress.api_key', :'api_key', false) IS NOT NULL AS api_key_set;
RESET client_min_messages;
SET timezone = 'America/New_York';
SET datestyle = 'ISO, YMD';
