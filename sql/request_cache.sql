-- The request cache: pages of settled history are kept zstd-compressed in
-- tape.request_cache, keyed by server, user mapping and URL, and read back
-- instead of asking the API again.  (Several roles: test/t/007_cache_scope.pl.)
\i test/regress/setup.sql
SELECT regress.make_server('cached', 'tag=cached', 'cache ''true''');
SELECT tape.cache_clear() >= 0 AS cleared;

-- two settled days of minute bars: the first scan fetches and keeps the page ...
SELECT regress.mock_requests('cached') AS before \gset
SELECT count(*) AS bars, sum(volume) AS volume FROM cached.bars
 WHERE ticker = 'ACME' AND ts >= '2025-10-01' AND ts < '2025-10-03';
SELECT regress.mock_requests('cached') - :before AS requests;
-- ... the same scan again makes no request and returns the same rows
SELECT count(*) AS bars, sum(volume) AS volume FROM cached.bars
 WHERE ticker = 'ACME' AND ts >= '2025-10-01' AND ts < '2025-10-03';
SELECT regress.mock_requests('cached') - :before AS requests;
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF)
SELECT count(*) FROM cached.bars WHERE ticker = 'ACME' AND ts >= '2025-10-01' AND ts < '2025-10-03';

-- reading a page takes no lock and writes nothing: its row is the same row version as before
SELECT ctid AS page_ctid, xmin AS page_xmin FROM tape.request_cache
 WHERE url LIKE '%/v2/aggs/ticker/ACME/range/1/minute/%' \gset
SELECT count(*) FROM cached.bars WHERE ticker = 'ACME' AND ts >= '2025-10-01' AND ts < '2025-10-03';
SELECT ctid = :'page_ctid' AS same_ctid, xmin = :'page_xmin' AS same_xmin FROM tape.request_cache
 WHERE url LIKE '%/v2/aggs/ticker/ACME/range/1/minute/%';

-- every page of a paged series is kept: the second run of a 4-page scan makes no request
SELECT regress.make_server('cpaged', 'tag=cpaged,page=1000', 'cache ''true''');
SELECT regress.mock_requests('cpaged') AS before \gset
SELECT count(*) FROM cpaged.trades WHERE ticker = 'ACME' AND ts >= '2025-10-02 12:00' AND ts < '2025-10-02 12:30';
SELECT regress.mock_requests('cpaged') - :before AS requests_first;
SELECT count(*) FROM cpaged.trades WHERE ticker = 'ACME' AND ts >= '2025-10-02 12:00' AND ts < '2025-10-02 12:30';
SELECT regress.mock_requests('cpaged') - :before AS requests_after_second;

-- the windows of a join are cached one by one
CREATE TABLE regress.cache_windows (ticker text, win_start timestamptz, win_end timestamptz);
INSERT INTO regress.cache_windows VALUES ('ACME', '2025-10-02 12:17', '2025-10-02 12:27'), ('BOLT', '2025-10-02 10:00', '2025-10-02 10:05');
SELECT regress.mock_requests('cached') AS before \gset
SELECT count(*) FROM regress.cache_windows m JOIN cached.quotes q ON q.ticker = m.ticker AND q.ts >= m.win_start AND q.ts < m.win_end;
SELECT count(*) FROM regress.cache_windows m JOIN cached.quotes q ON q.ticker = m.ticker AND q.ts >= m.win_start AND q.ts < m.win_end;
SELECT regress.mock_requests('cached') - :before AS requests_for_two_windows_twice;

-- what it holds, per server, role and endpoint: compressed, keyed by the URL, never the key
SELECT server, role = current_user AS mine, shared, endpoint, pages, raw_bytes > 5 * stored_bytes AS compressed_over_5x,
       hits, (hits > 0) = (last_hit IS NOT NULL) AS last_hit_known
  FROM tape.cache_stats() ORDER BY server, endpoint;
SELECT count(*) FILTER (WHERE strpos(url, current_setting('regress.api_key')) > 0) AS urls_with_the_key,
       count(*) FILTER (WHERE url = current_setting('regress.mock_url') || '/_f/tag=cached/v2/aggs/ticker/ACME/range/1/minute/1759291200000/1759463999999?adjusted=true&sort=asc&limit=50000') AS acme_bar_pages,
       count(DISTINCT server) AS servers
  FROM tape.request_cache;

-- pages belong to the server that fetched them: another server on the very same URL asks again ...
SELECT regress.make_server('twin', 'tag=cached', 'cache ''true''');
SELECT regress.mock_requests('cached') AS before \gset
SELECT count(*) FROM twin.bars WHERE ticker = 'ACME' AND ts >= '2025-10-01' AND ts < '2025-10-03';
SELECT regress.mock_requests('cached') - :before AS requests_of_the_twin;
-- ... and a server whose base_url changes never serves the pages of its old URL
SELECT regress.mock_requests('moved') AS before \gset
DO $$ BEGIN
  EXECUTE format('ALTER SERVER twin OPTIONS (SET base_url %L)', current_setting('regress.mock_url') || '/_f/tag=moved');
END $$;
SELECT count(*) FROM twin.bars WHERE ticker = 'ACME' AND ts >= '2025-10-01' AND ts < '2025-10-03';
SELECT count(*) FROM twin.bars WHERE ticker = 'ACME' AND ts >= '2025-10-01' AND ts < '2025-10-03';
SELECT regress.mock_requests('moved') - :before AS requests_after_the_move;
SELECT tape.cache_clear(server => 'twin') AS twin_pages_cleared;
-- dropping a server drops its pages
SELECT regress.make_server('twin', 'tag=twin', 'cache ''true''');
SELECT count(*) FROM twin.bars WHERE ticker = 'BOLT' AND ts >= '2025-10-01' AND ts < '2025-10-02';
SELECT count(*) AS pages_before_drop FROM tape.cache_stats() WHERE server = 'twin';
SET client_min_messages = warning;
DROP SERVER twin CASCADE;
RESET client_min_messages;
SELECT count(*) AS pages_of_dropped_servers FROM tape.request_cache c
 WHERE NOT EXISTS (SELECT FROM pg_foreign_server s WHERE s.oid = c.server);

-- today is not settled: a range that reaches today is asked for every time
SELECT regress.mock_requests('cached') AS before \gset
SELECT count(*) >= 0 AS ran FROM cached.bars WHERE ticker = 'ACME' AND timespan = 'day' AND ts >= current_date - 10;
SELECT count(*) >= 0 AS ran FROM cached.bars WHERE ticker = 'ACME' AND timespan = 'day' AND ts >= current_date - 10;
SELECT regress.mock_requests('cached') - :before AS requests_for_recent_days;

-- a read-only transaction reads the cache but does not write it
SELECT tape.cache_clear('bars') AS bar_pages_cleared;
BEGIN READ ONLY;
SELECT regress.mock_requests('cached') AS before \gset
SELECT count(*) FROM cached.bars WHERE ticker = 'BOLT' AND ts >= '2025-10-01' AND ts < '2025-10-02';
SELECT count(*) FROM cached.bars WHERE ticker = 'BOLT' AND ts >= '2025-10-01' AND ts < '2025-10-02';
SELECT regress.mock_requests('cached') - :before AS requests_read_only;
SELECT tape.cache_clear();  -- ERROR
COMMIT;
SELECT count(*) AS bar_pages FROM tape.request_cache WHERE endpoint = 'bars';

-- a damaged page is discarded and fetched again, with a WARNING; nothing larger than a page
-- (64 MB) is ever allocated for it, whatever the row claims
SELECT count(*) FROM cached.bars WHERE ticker = 'BOLT' AND ts >= '2025-10-01' AND ts < '2025-10-02';
CREATE FUNCTION regress.damage_bolt(p_set text) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  EXECUTE format('UPDATE tape.request_cache SET %s WHERE url LIKE %L', p_set, '%/v2/aggs/ticker/BOLT/range/1/minute/%');
END $$;
-- zstd frames with their size, made by the zstd tool: not JSON, and JSON that is not a page of bars
COPY (SELECT 'this is not JSON') TO PROGRAM 'cat > regress_not_json && zstd -q -f regress_not_json';
COPY (SELECT '{"status":"OK","results":{"t":1}}') TO PROGRAM 'cat > regress_not_a_page && zstd -q -f regress_not_a_page';
SELECT format('SELECT regress.damage_bolt(%L)', d),
       format($$SELECT %L AS damage, count(*) AS bars FROM cached.bars WHERE ticker = 'BOLT' AND ts >= '2025-10-01' AND ts < '2025-10-02'$$, d)
  FROM unnest(ARRAY['raw_bytes = -1', 'raw_bytes = 2000000000', 'raw_bytes = raw_bytes + 1',
                    $$body = '\x00'::bytea$$, $$body = '\x28b52ffd0000'::bytea$$,
                    $$body = overlay(body placing '\xffff'::bytea from 40)$$,
                    'body = substr(body, 1, 100)', 'endpoint = ''trades''',
                    $$body = pg_read_binary_file('regress_not_json.zst'), raw_bytes = 17$$,
                    $$body = pg_read_binary_file('regress_not_a_page.zst'), raw_bytes = 34$$]) AS d \gexec
-- each time the page was fetched again and kept: the next scan reads it from the cache
SELECT regress.mock_requests('cached') AS before \gset
SELECT count(*) FROM cached.bars WHERE ticker = 'BOLT' AND ts >= '2025-10-01' AND ts < '2025-10-02';
SELECT regress.mock_requests('cached') - :before AS requests_once_sound;

-- a server with cache 'false' neither reads nor writes it
SELECT regress.make_server('uncached', 'tag=uncached');
SELECT regress.mock_requests('uncached') AS before \gset
SELECT count(*) FROM uncached.bars WHERE ticker = 'ACME' AND ts >= '2025-10-01' AND ts < '2025-10-03';
SELECT count(*) FROM uncached.bars WHERE ticker = 'ACME' AND ts >= '2025-10-01' AND ts < '2025-10-03';
SELECT regress.mock_requests('uncached') - :before AS requests;
SELECT count(*) AS pages_of_uncached FROM tape.request_cache WHERE url LIKE '%/_f/tag=uncached/%';

-- a role with no privilege on schema tape: USAGE on the server, SELECT on its tables and a user
-- mapping are all it needs, the cache included (its misses, hits, pages asked for early, a damaged
-- page, the pages going with its user mapping); tape's own objects stay out of its reach
CREATE ROLE regress_cache_analyst;
GRANT USAGE ON FOREIGN SERVER cached TO regress_cache_analyst;
CREATE SCHEMA regress_analyst AUTHORIZATION regress_cache_analyst;
DO $$ BEGIN
  EXECUTE format('CREATE USER MAPPING FOR regress_cache_analyst SERVER cached OPTIONS (api_key %L)',
                 current_setting('regress.api_key'));
END $$;
SELECT has_schema_privilege('regress_cache_analyst', 'tape', 'USAGE') AS analyst_uses_tape;
SELECT regress.mock_requests('cached') AS before \gset
SET ROLE regress_cache_analyst;
IMPORT FOREIGN SCHEMA polygon LIMIT TO (bars, grouped_daily) FROM SERVER cached INTO regress_analyst;
SELECT count(*) AS bars, sum(volume) AS volume FROM regress_analyst.bars
 WHERE ticker = 'ACME' AND ts >= '2025-10-01' AND ts < '2025-10-03';
SELECT count(*) AS bars, sum(volume) AS volume FROM regress_analyst.bars
 WHERE ticker = 'ACME' AND ts >= '2025-10-01' AND ts < '2025-10-03';
-- five days, one request each, asked for early (up to four in flight): misses, then hits
SELECT count(*) AS rows FROM regress_analyst.grouped_daily WHERE date BETWEEN '2025-10-06' AND '2025-10-10';
SELECT count(*) AS rows FROM regress_analyst.grouped_daily WHERE date BETWEEN '2025-10-06' AND '2025-10-10';
RESET ROLE;
SELECT regress.mock_requests('cached') - :before AS analyst_requests;
SELECT c.endpoint, count(*) AS pages FROM tape.request_cache c JOIN pg_user_mappings m ON m.umid = c.user_mapping
 WHERE m.usename = 'regress_cache_analyst' GROUP BY 1 ORDER BY 1;
UPDATE tape.request_cache c SET raw_bytes = raw_bytes + 1 FROM pg_user_mappings m
 WHERE m.umid = c.user_mapping AND m.usename = 'regress_cache_analyst' AND c.endpoint = 'bars';
SET ROLE regress_cache_analyst;
SELECT count(*) AS bars_of_a_damaged_page FROM regress_analyst.bars
 WHERE ticker = 'ACME' AND ts >= '2025-10-01' AND ts < '2025-10-03';
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF)
SELECT count(*) FROM regress_analyst.bars WHERE ticker = 'ACME' AND ts >= '2025-10-01' AND ts < '2025-10-03';
SELECT count(*) FROM tape.request_cache;  -- ERROR
SELECT * FROM tape.cache_stats();  -- ERROR
DROP USER MAPPING FOR regress_cache_analyst SERVER cached;
RESET ROLE;
SELECT regress.mock_requests('cached') - :before AS analyst_requests;
SELECT count(*) AS pages_of_the_dropped_mapping FROM tape.request_cache c
 WHERE NOT EXISTS (SELECT FROM pg_user_mapping m WHERE m.oid = c.user_mapping) AND c.user_mapping <> 0;
DROP SCHEMA regress_analyst CASCADE;
REVOKE USAGE ON FOREIGN SERVER cached FROM regress_cache_analyst;
DROP ROLE regress_cache_analyst;

-- clearing: by endpoint, by age, by server, or everything
SELECT tape.cache_clear('trades', interval '1 hour') AS trades_older_than_an_hour,
       tape.cache_clear('trades') AS trades, tape.cache_clear(server => 'cpaged') AS cpaged,
       tape.cache_clear() > 0 AS the_rest;
SELECT count(*) AS pages FROM tape.request_cache;
SELECT tape.cache_clear(server => 'no_such_server');  -- ERROR
ALTER SERVER cached OPTIONS (SET cache 'maybe');  -- ERROR
