-- The request cache: pages of settled history are kept zstd-compressed in
-- tape.request_cache and read back instead of asking the API again.
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

-- what it holds: compressed, keyed by path and query, never the key
SELECT endpoint, pages, raw_bytes > 5 * stored_bytes AS compressed_over_5x, hits
  FROM tape.cache_stats() ORDER BY endpoint;
SELECT count(*) FILTER (WHERE strpos(request, current_setting('regress.api_key')) > 0) AS requests_with_the_key,
       count(*) FILTER (WHERE request LIKE '/_f/tag=cached/v2/aggs/ticker/ACME/range/1/minute/%') AS acme_bar_pages
  FROM tape.request_cache;

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
COMMIT;
SELECT count(*) AS bar_pages FROM tape.request_cache WHERE endpoint = 'bars';

-- a server with cache 'false' neither reads nor writes it
SELECT regress.make_server('uncached', 'tag=uncached');
SELECT regress.mock_requests('uncached') AS before \gset
SELECT count(*) FROM uncached.bars WHERE ticker = 'ACME' AND ts >= '2025-10-01' AND ts < '2025-10-03';
SELECT count(*) FROM uncached.bars WHERE ticker = 'ACME' AND ts >= '2025-10-01' AND ts < '2025-10-03';
SELECT regress.mock_requests('uncached') - :before AS requests;
SELECT count(*) AS pages_of_uncached FROM tape.request_cache WHERE request LIKE '/_f/tag=uncached/%';

-- clearing: by endpoint, by age, or everything
SELECT tape.cache_clear('trades', interval '1 hour') AS trades_older_than_an_hour,
       tape.cache_clear('trades') AS trades, tape.cache_clear() > 0 AS the_rest;
SELECT count(*) AS pages FROM tape.request_cache;
ALTER SERVER cached OPTIONS (SET cache 'maybe');  -- ERROR
