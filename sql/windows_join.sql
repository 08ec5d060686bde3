-- Join-driven fetches: trades and quotes of a manifest of windows, each window
-- fetched exactly (one request series per window), never whole days.
\i test/regress/setup.sql
SELECT regress.make_server('pj', 'tag=pj');

CREATE TABLE regress.manifest (event_id int PRIMARY KEY, ticker text, win_start timestamptz, win_end timestamptz);
INSERT INTO regress.manifest VALUES
  (1, 'ACME', '2025-10-02 12:17', '2025-10-02 12:27'),    -- ACME's news spike, ten minutes
  (2, 'BOLT', '2025-10-02 10:00', '2025-10-02 10:05'),
  (3, 'ACME', '2025-10-03 09:30', '2025-10-03 09:35'),
  (4, 'DYNX', '2025-10-04 10:00', '2025-10-04 10:15'),    -- a Saturday: a request, no trades
  (5, 'ACME', '2025-10-02 13:00', '2025-10-02 13:00');    -- an empty window: no request
ANALYZE regress.manifest;

-- the plan: a nested loop whose inner side is the foreign scan of each window
EXPLAIN (COSTS OFF)
SELECT m.event_id, t.ts, t.price, t.size
  FROM regress.manifest m
  JOIN LATERAL (SELECT * FROM pj.trades t
                 WHERE t.ticker = m.ticker AND t.ts >= m.win_start AND t.ts < m.win_end) t ON true;

-- one request per non-empty window, each for exactly its nanosecond range
SELECT regress.mock_requests('pj') AS before \gset
SELECT m.event_id, count(t.ts) AS trades, min(t.ts) AS first, max(t.ts) AS last, sum(t.size) AS shares
  FROM regress.manifest m
  LEFT JOIN LATERAL (SELECT * FROM pj.trades t
                      WHERE t.ticker = m.ticker AND t.ts >= m.win_start AND t.ts < m.win_end) t ON true
 GROUP BY m.event_id ORDER BY m.event_id;
SELECT regress.mock_requests('pj') - :before AS requests;
SELECT path FROM regress.mock_log('pj') ORDER BY 1;

-- the same rows as fetching the whole days and filtering them locally
SELECT regress.make_server('whole', 'tag=whole');
SELECT count(*) AS differences FROM (
  (SELECT m.event_id, t.sip_timestamp, t.price, t.size
     FROM regress.manifest m
     JOIN LATERAL (SELECT * FROM pj.trades t
                    WHERE t.ticker = m.ticker AND t.ts >= m.win_start AND t.ts < m.win_end) t ON true
   EXCEPT ALL
   SELECT m.event_id, t.sip_timestamp, t.price, t.size
     FROM (SELECT * FROM whole.trades WHERE ticker IN ('ACME', 'BOLT', 'DYNX')
              AND ts >= '2025-10-02' AND ts < '2025-10-05') t
     JOIN regress.manifest m ON m.ticker = t.ticker AND t.ts >= m.win_start AND t.ts < m.win_end)
  UNION ALL
  (SELECT m.event_id, t.sip_timestamp, t.price, t.size
     FROM (SELECT * FROM whole.trades WHERE ticker IN ('ACME', 'BOLT', 'DYNX')
              AND ts >= '2025-10-02' AND ts < '2025-10-05') t
     JOIN regress.manifest m ON m.ticker = t.ticker AND t.ts >= m.win_start AND t.ts < m.win_end
   EXCEPT ALL
   SELECT m.event_id, t.sip_timestamp, t.price, t.size
     FROM regress.manifest m
     JOIN LATERAL (SELECT * FROM pj.trades t
                    WHERE t.ticker = m.ticker AND t.ts >= m.win_start AND t.ts < m.win_end) t ON true)) d;

-- a plain join plans the same way; EXPLAIN ANALYZE counts every window's requests
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF)
SELECT count(*) FROM regress.manifest m
  JOIN pj.quotes q ON q.ticker = m.ticker AND q.ts >= m.win_start AND q.ts < m.win_end
 WHERE m.event_id <= 3;

-- a window larger than a page takes one request per page
SELECT regress.make_server('pjpage', 'tag=pjpage,page=500');
SELECT m.event_id, count(*) AS trades
  FROM regress.manifest m
  JOIN pjpage.trades t ON t.ticker = m.ticker AND t.ts >= m.win_start AND t.ts < m.win_end
 WHERE m.event_id = 1 GROUP BY 1;
SELECT regress.mock_requests('pjpage') AS requests_for_1905_trades_in_pages_of_500;

-- a LATERAL subquery with its own LIMIT: the first trades of each window, one request each
SELECT regress.mock_requests('pj') AS before \gset
SELECT m.event_id, x.ts, x.price
  FROM regress.manifest m
  CROSS JOIN LATERAL (SELECT ts, price FROM pj.trades t
                       WHERE t.ticker = m.ticker AND t.ts >= m.win_start AND t.ts < m.win_end
                       ORDER BY t.ts LIMIT 1) x
 ORDER BY m.event_id;
SELECT regress.mock_requests('pj') - :before AS requests;

-- the time condition may come from the outer row with an offset, e.g. 3 minutes before an event
CREATE TABLE regress.events (ticker text, ts timestamptz);
INSERT INTO regress.events VALUES ('ACME', '2025-10-02 12:20');
EXPLAIN (COSTS OFF)
SELECT count(*) FROM regress.events e
  JOIN pj.trades t ON t.ticker = e.ticker AND t.ts >= e.ts - interval '3 minutes' AND t.ts < e.ts + interval '7 minutes';
SELECT count(*) FROM regress.events e
  JOIN pj.trades t ON t.ticker = e.ticker AND t.ts >= e.ts - interval '3 minutes' AND t.ts < e.ts + interval '7 minutes';

-- without a ticker from anywhere there is no plan that can run
SELECT count(*) FROM regress.manifest m JOIN pj.trades t ON t.ts >= m.win_start AND t.ts < m.win_end;  -- ERROR
