-- regress.error_of(query): the SQLSTATE and message of a statement that fails, or 'no error'
-- (the port of the mock varies: messages show it as <port>)
CREATE OR REPLACE FUNCTION regress.error_of(p_query text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
  EXECUTE p_query;
  RETURN 'no error';
EXCEPTION WHEN OTHERS THEN
  RETURN SQLSTATE || ': ' || regexp_replace(SQLERRM, ':[0-9]+"', ':<port>"');
END $$;
