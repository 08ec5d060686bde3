-- The API key never appears: not in a URL, an error, a NOTICE, EXPLAIN, a plan,
-- the server log or the mock server's request log.  It travels only in the
-- Authorization header.
\i test/regress/setup.sql
SELECT regress.make_server('sec', 'tag=sec');
SELECT regress.make_server('sec401', 'tag=sec401');
ALTER USER MAPPING FOR CURRENT_USER SERVER sec401 OPTIONS (SET api_key 'regress-wrong-key-0000');
SELECT regress.make_server('sec5xx', 'tag=sec5xx,status=502', 'max_retries ''1'', retry_base_ms ''1''');
SELECT regress.make_server('secjson', 'tag=secjson,truncate=100');

-- everything a user can see of a query, successful or failing, as text
CREATE FUNCTION regress.visible_text(p_query text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
  v_out text := '';
  v_line text;
  v_msg text; v_detail text; v_hint text; v_context text;
BEGIN
  FOR v_line IN EXECUTE 'EXPLAIN (VERBOSE, COSTS OFF) ' || p_query LOOP
    v_out := v_out || v_line || E'\n';
  END LOOP;
  BEGIN
    FOR v_line IN EXECUTE 'EXPLAIN (ANALYZE, VERBOSE, COSTS OFF, TIMING OFF, SUMMARY OFF) ' || p_query LOOP
      v_out := v_out || v_line || E'\n';
    END LOOP;
  EXCEPTION WHEN OTHERS THEN
    GET STACKED DIAGNOSTICS v_msg = MESSAGE_TEXT, v_detail = PG_EXCEPTION_DETAIL,
                            v_hint = PG_EXCEPTION_HINT, v_context = PG_EXCEPTION_CONTEXT;
    v_out := v_out || concat_ws(E'\n', v_msg, v_detail, v_hint, v_context);
  END;
  RETURN v_out;
END $$;

-- a success, a refused key, HTML 5xx pages retried, and a broken body
SELECT q AS query,
       length(t) > 0 AS shown,
       strpos(t, current_setting('regress.api_key')) AS key_position,
       strpos(t, 'apiKey') AS apikey_position,
       strpos(t, 'Bearer') AS bearer_position
  FROM (VALUES
    ($$SELECT * FROM sec.bars WHERE ticker = 'ACME' AND ts >= '2025-10-06' AND ts < '2025-10-07'$$),
    ($$SELECT * FROM sec401.bars WHERE ticker = 'ACME' AND ts >= '2025-10-06' AND ts < '2025-10-07'$$),
    ($$SELECT * FROM sec5xx.tickers WHERE ticker = 'ACME'$$),
    ($$SELECT * FROM secjson.ticker_details WHERE ticker = 'ACME'$$)
  ) AS v(q),
  LATERAL regress.visible_text(q) AS t;

-- ... what the failing ones said
SELECT regexp_replace(regress.visible_text($$SELECT * FROM sec401.bars WHERE ticker = 'ACME' AND ts >= '2025-10-06' AND ts < '2025-10-07'$$),
                      '^.*\)\n', '') AS what_the_user_sees;

-- a plan printed to the server log carries no key either (the key is read when the scan starts)
SET client_min_messages = warning;
SET debug_print_plan = on;
SELECT count(*) FROM sec.bars WHERE ticker = 'BOLT' AND ts >= '2025-10-06' AND ts < '2025-10-07';
RESET debug_print_plan;
RESET client_min_messages;

-- every request the mock received carried the key as a Bearer header, never in the URL
SELECT tag, count(*) > 0 AS requested, count(*) FILTER (WHERE auth <> 'bearer') AS without_bearer,
       count(*) FILTER (WHERE path ~* 'api_?key') AS key_in_url
  FROM (SELECT 'sec' AS tag, * FROM regress.mock_log('sec') UNION ALL
        SELECT 'sec401', * FROM regress.mock_log('sec401') UNION ALL
        SELECT 'sec5xx', * FROM regress.mock_log('sec5xx') UNION ALL
        SELECT 'secjson', * FROM regress.mock_log('secjson')) l
 GROUP BY tag ORDER BY tag;

-- neither the mock's log nor the server's log contains the key
SELECT strpos(pg_read_file(current_setting('regress.mock_log')), current_setting('regress.api_key')) AS in_mock_log,
       strpos(pg_read_file(:'pg_log'), current_setting('regress.api_key')) AS in_server_log,
       strpos(pg_read_file(:'pg_log'), 'FOREIGNSCAN') > 0 AS plan_in_server_log;
