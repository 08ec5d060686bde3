-- The recorded Polygon bodies (test/fixtures/polygon/), as SQL sees them.
\set fixdir `pwd`/test/fixtures/polygon
SELECT set_config('regress.fixdir', :'fixdir', false) IS NOT NULL AS fixdir_set;
-- the "results" of a recorded body (or the body itself when it is an array)
CREATE OR REPLACE FUNCTION regress.fixture_rows(p_file text) RETURNS SETOF jsonb LANGUAGE sql AS $$
  SELECT jsonb_array_elements(CASE jsonb_typeof(b) WHEN 'array' THEN b ELSE b -> 'results' END)
    FROM (SELECT pg_read_file(current_setting('regress.fixdir') || '/' || p_file)::jsonb AS b) f
$$;
