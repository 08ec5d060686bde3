
-- the request cache of polygon_fdw: pages of settled history, zstd-compressed

CREATE TABLE tape.request_cache (
    request text PRIMARY KEY,
    endpoint text NOT NULL,
    raw_bytes integer NOT NULL,
    body bytea NOT NULL,
    fetched_at timestamptz NOT NULL DEFAULT now(),
    hits bigint NOT NULL DEFAULT 0,
    last_hit timestamptz
);
-- the bodies are zstd already: store them as they are
ALTER TABLE tape.request_cache ALTER COLUMN body SET STORAGE EXTERNAL;

COMMENT ON TABLE tape.request_cache IS 'pages of Polygon responses that cover only settled history (before today, New York), zstd-compressed; polygon_fdw reads them instead of asking again';
COMMENT ON COLUMN tape.request_cache.request IS 'path and query of the request (never the API key)';
COMMENT ON COLUMN tape.request_cache.raw_bytes IS 'size of the body before compression';

CREATE FUNCTION tape.cache_stats(
    OUT endpoint text, OUT pages bigint, OUT raw_bytes bigint, OUT stored_bytes bigint,
    OUT compression_ratio numeric, OUT hits bigint, OUT oldest timestamptz, OUT newest timestamptz,
    OUT last_hit timestamptz)
RETURNS SETOF record
LANGUAGE sql STABLE PARALLEL SAFE
AS $$
  SELECT c.endpoint, count(*), sum(c.raw_bytes), sum(pg_catalog.octet_length(c.body)),
         round(sum(c.raw_bytes)::numeric / greatest(sum(pg_catalog.octet_length(c.body)), 1), 1),
         sum(c.hits), min(c.fetched_at), max(c.fetched_at), max(c.last_hit)
    FROM tape.request_cache c
   GROUP BY c.endpoint
   ORDER BY c.endpoint
$$;

COMMENT ON FUNCTION tape.cache_stats() IS 'the request cache per endpoint: pages, bytes before and after compression, hits, age';

CREATE FUNCTION tape.cache_clear(endpoint text DEFAULT NULL, older_than interval DEFAULT NULL)
RETURNS bigint
LANGUAGE sql VOLATILE PARALLEL UNSAFE
AS $$
  WITH gone AS (
    DELETE FROM tape.request_cache c
     WHERE (cache_clear.endpoint IS NULL OR c.endpoint = cache_clear.endpoint)
       AND (cache_clear.older_than IS NULL OR c.fetched_at < now() - cache_clear.older_than)
    RETURNING 1)
  SELECT count(*) FROM gone
$$;

COMMENT ON FUNCTION tape.cache_clear(text, interval) IS 'delete cached pages (of one endpoint, fetched longer ago than older_than); returns how many';
