
-- the request cache of polygon_fdw: pages of settled history, zstd-compressed
--
-- Keyed by where a page came from: the server, the user mapping whose key fetched it (0 when the
-- server has shared_cache 'true'), and the URL.  Ordinary roles have no privilege on the table:
-- polygon_fdw reads and writes it as its owner, and tape.cache_stats() / tape.cache_clear()
-- show and delete only the pages the caller's own user mappings may use.

CREATE TABLE tape.request_cache (
    server oid NOT NULL,
    user_mapping oid NOT NULL,
    url text NOT NULL,
    endpoint text NOT NULL,
    raw_bytes integer NOT NULL,
    body bytea NOT NULL,
    fetched_at timestamptz NOT NULL DEFAULT pg_catalog.now(),
    PRIMARY KEY (server, user_mapping, url)
);
-- the bodies are zstd already: store them as they are
ALTER TABLE tape.request_cache ALTER COLUMN body SET STORAGE EXTERNAL;
-- reading a body, or writing one another role would receive as API data, is for the owner only
REVOKE ALL ON tape.request_cache FROM PUBLIC;

COMMENT ON TABLE tape.request_cache IS 'pages of Polygon responses that cover only settled history (before today, New York), zstd-compressed, per server and user mapping; polygon_fdw reads them instead of asking again';
COMMENT ON COLUMN tape.request_cache.server IS 'the foreign server the page came from';
COMMENT ON COLUMN tape.request_cache.user_mapping IS 'the user mapping whose key fetched it, or 0 when the server shares its cache (shared_cache)';
COMMENT ON COLUMN tape.request_cache.url IS 'scheme, host, path and query of the request (never the API key)';
COMMENT ON COLUMN tape.request_cache.raw_bytes IS 'size of the body before compression';
COMMENT ON COLUMN tape.request_cache.body IS 'the body, one zstd frame with its size and a checksum of the content';

CREATE FUNCTION tape.cache_stats(
    OUT server text, OUT role text, OUT shared boolean, OUT endpoint text, OUT pages bigint,
    OUT raw_bytes bigint, OUT stored_bytes bigint, OUT compression_ratio numeric, OUT hits bigint,
    OUT last_hit timestamptz, OUT oldest timestamptz, OUT newest timestamptz)
RETURNS SETOF record
AS 'MODULE_PATHNAME', 'tape_cache_stats'
LANGUAGE C VOLATILE PARALLEL RESTRICTED;

COMMENT ON FUNCTION tape.cache_stats() IS 'the cached pages the caller may use (all of them for the owner), per server, role and endpoint: pages, bytes before and after compression, hits since the server started, age';

CREATE FUNCTION tape.cache_clear(endpoint text DEFAULT NULL, older_than interval DEFAULT NULL,
                                 server text DEFAULT NULL)
RETURNS bigint
AS 'MODULE_PATHNAME', 'tape_cache_clear'
LANGUAGE C VOLATILE PARALLEL UNSAFE;

COMMENT ON FUNCTION tape.cache_clear(text, interval, text) IS 'delete the cached pages the caller may use (all of them for the owner): of one endpoint, fetched longer ago than older_than, of one server; returns how many';

-- the pages of a dropped server or user mapping go with it
CREATE FUNCTION tape.request_cache_forget_dropped() RETURNS event_trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  DELETE FROM tape.request_cache c
   USING pg_catalog.pg_event_trigger_dropped_objects() d
   WHERE (d.classid = 'pg_catalog.pg_foreign_server'::pg_catalog.regclass AND c.server = d.objid)
      OR (d.classid = 'pg_catalog.pg_user_mapping'::pg_catalog.regclass AND c.user_mapping = d.objid);
END
$$;
-- an event trigger function runs as a trigger only; nobody needs to call it
REVOKE ALL ON FUNCTION tape.request_cache_forget_dropped() FROM PUBLIC;

COMMENT ON FUNCTION tape.request_cache_forget_dropped() IS 'event trigger: delete the cached pages of dropped servers and user mappings';

CREATE EVENT TRIGGER tape_request_cache_forget_dropped ON sql_drop
  WHEN TAG IN ('DROP SERVER', 'DROP USER MAPPING', 'DROP FOREIGN DATA WRAPPER', 'DROP OWNED')
  EXECUTE FUNCTION tape.request_cache_forget_dropped();

COMMENT ON EVENT TRIGGER tape_request_cache_forget_dropped IS 'deletes the cached pages of dropped servers and user mappings';
