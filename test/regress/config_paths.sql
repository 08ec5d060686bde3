-- Shared by the tests of configuration documents: the leaves of a document with their paths,
-- and a document with one value at a path
CREATE OR REPLACE FUNCTION regress.config_leaves(doc jsonb) RETURNS TABLE (path text[], value jsonb)
LANGUAGE sql AS $$
  WITH RECURSIVE leaves(path, value) AS (
    SELECT ARRAY[key], value FROM jsonb_each(doc)
    UNION ALL
    SELECT l.path || e.key, e.value FROM leaves l, jsonb_each(l.value) AS e WHERE jsonb_typeof(l.value) = 'object')
  SELECT path, value FROM leaves WHERE jsonb_typeof(value) <> 'object'
$$;
CREATE OR REPLACE FUNCTION regress.config_at(path text[], value jsonb) RETURNS jsonb
LANGUAGE sql AS $$
  SELECT CASE WHEN cardinality(path) = 1 THEN jsonb_build_object(path[1], value)
              ELSE jsonb_build_object(path[1], regress.config_at(path[2:], value)) END
$$;
