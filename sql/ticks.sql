-- polygon.trades and polygon.quotes: rows identical to the recorded Polygon
-- bodies, nanosecond times exact, time conditions pushed down to the exact
-- nanosecond, NBBO sizes in shares in both eras, rows oldest first.
\i test/regress/setup.sql
\i test/regress/fixtures.sql
SELECT regress.make_server('mock');


-- trades of AAPL (v3_trades_AAPL_limit_2.json): every column equals the body
SELECT ticker, ts, sip_timestamp, participant_timestamp, trf_timestamp, price, size, exchange, trf_id,
       tape, conditions, correction, id, sequence_number
  FROM mock.trades WHERE ticker = 'AAPL' AND ts >= '2022-04-28' AND ts < '2022-04-29';
SELECT count(*) AS differences FROM (
  (SELECT sip_timestamp, participant_timestamp, trf_timestamp, price, size, exchange, trf_id, tape,
          conditions, correction, id, sequence_number
     FROM mock.trades WHERE ticker = 'AAPL' AND ts >= '2022-04-28' AND ts < '2022-04-29'
   EXCEPT ALL
   SELECT (r->>'sip_timestamp')::bigint, (r->>'participant_timestamp')::bigint, (r->>'trf_timestamp')::bigint,
          (r->>'price')::float8, (r->>'size')::float8, (r->>'exchange')::int, (r->>'trf_id')::int, (r->>'tape')::int,
          ARRAY(SELECT jsonb_array_elements_text(r->'conditions')::int), (r->>'correction')::int, r->>'id',
          (r->>'sequence_number')::bigint
     FROM regress.fixture_rows('v3_trades_AAPL_limit_2.json') r)
  UNION ALL
  (SELECT (r->>'sip_timestamp')::bigint, (r->>'participant_timestamp')::bigint, (r->>'trf_timestamp')::bigint,
          (r->>'price')::float8, (r->>'size')::float8, (r->>'exchange')::int, (r->>'trf_id')::int, (r->>'tape')::int,
          ARRAY(SELECT jsonb_array_elements_text(r->'conditions')::int), (r->>'correction')::int, r->>'id',
          (r->>'sequence_number')::bigint
     FROM regress.fixture_rows('v3_trades_AAPL_limit_2.json') r
   EXCEPT ALL
   SELECT sip_timestamp, participant_timestamp, trf_timestamp, price, size, exchange, trf_id, tape,
          conditions, correction, id, sequence_number
     FROM mock.trades WHERE ticker = 'AAPL' AND ts >= '2022-04-28' AND ts < '2022-04-29')) d;

-- ts is sip_timestamp floored to the microsecond; the nanoseconds stay exact in the bigint
SELECT sip_timestamp, ts AT TIME ZONE 'UTC' AS ts_utc,
       sip_timestamp - ((extract(epoch FROM ts) * 1000000)::bigint * 1000) AS nanoseconds_below_ts
  FROM mock.trades WHERE ticker = 'AAPL' AND ts >= '2022-04-28' AND ts < '2022-04-29' LIMIT 1;

-- trades without a size (conditions 38, 41) have a NULL size (v3_trades_AAA_..._page1_with_next_url.json)
SELECT ts, sip_timestamp, price, size, conditions, id, sequence_number
  FROM mock.trades WHERE ticker = 'AAA' AND ts >= '2022-04-20' AND ts < '2022-04-21';

-- quotes of AAPL over two recorded pages, oldest first; sizes were round lots in 2022: shares = lots x 100
SELECT count(*) AS quotes, min(ts), max(ts), count(DISTINCT sequence_number) AS distinct_sequence_numbers
  FROM mock.quotes WHERE ticker = 'AAPL' AND ts >= '2022-05-10' AND ts < '2022-05-11';
SELECT count(*) AS differences FROM (
  (SELECT sip_timestamp, participant_timestamp, bid_price, bid_size, bid_exchange, ask_price, ask_size,
          ask_exchange, sequence_number, tape
     FROM mock.quotes WHERE ticker = 'AAPL' AND ts >= '2022-05-10' AND ts < '2022-05-11'
   EXCEPT ALL
   SELECT (r->>'sip_timestamp')::bigint, (r->>'participant_timestamp')::bigint, (r->>'bid_price')::float8,
          (r->>'bid_size')::float8 * 100, (r->>'bid_exchange')::int, (r->>'ask_price')::float8,
          (r->>'ask_size')::float8 * 100, (r->>'ask_exchange')::int, (r->>'sequence_number')::bigint, (r->>'tape')::int
     FROM (SELECT regress.fixture_rows('v3_quotes_AAPL_page1_with_next_url.json')
           UNION ALL SELECT regress.fixture_rows('v3_quotes_AAPL_page2_last.json')) f(r))
  UNION ALL
  (SELECT (r->>'sip_timestamp')::bigint, (r->>'participant_timestamp')::bigint, (r->>'bid_price')::float8,
          (r->>'bid_size')::float8 * 100, (r->>'bid_exchange')::int, (r->>'ask_price')::float8,
          (r->>'ask_size')::float8 * 100, (r->>'ask_exchange')::int, (r->>'sequence_number')::bigint, (r->>'tape')::int
     FROM (SELECT regress.fixture_rows('v3_quotes_AAPL_page1_with_next_url.json')
           UNION ALL SELECT regress.fixture_rows('v3_quotes_AAPL_page2_last.json')) f(r)
   EXCEPT ALL
   SELECT sip_timestamp, participant_timestamp, bid_price, bid_size, bid_exchange, ask_price, ask_size,
          ask_exchange, sequence_number, tape
     FROM mock.quotes WHERE ticker = 'AAPL' AND ts >= '2022-05-10' AND ts < '2022-05-11')) d;
-- the body's one quote whose nanoseconds went through a double keeps them as sent
SELECT sip_timestamp FROM mock.quotes
 WHERE ticker = 'AAPL' AND ts >= '2022-05-10' AND ts < '2022-05-11' AND sequence_number = 19288166;

-- sizes in shares on both sides of 2025-11-03 (the mock sends lots before, shares after, as the API does)
SELECT ts::date AS day, count(*) AS quotes, min(bid_size) AS min_bid_size, max(ask_size) AS max_ask_size,
       bool_and(bid_size::bigint % 100 = 0 AND ask_size::bigint % 100 = 0) AS whole_lots_of_shares
  FROM mock.quotes WHERE ticker = 'ACME'
   AND ((ts >= '2025-10-31 12:20' AND ts < '2025-10-31 12:22') OR (ts >= '2025-11-03 12:20' AND ts < '2025-11-03 12:22'))
   AND ts >= '2025-10-31' AND ts < '2025-11-04'
 GROUP BY 1 ORDER BY 1;

-- exact nanosecond pushdown: ts bounds, bigint bounds, and both at once (intersected)
EXPLAIN (COSTS OFF) SELECT * FROM mock.trades
 WHERE ticker = 'ACME' AND ts >= '2025-10-02 12:20' AND ts < '2025-10-02 12:21';
EXPLAIN (COSTS OFF) SELECT * FROM mock.trades
 WHERE ticker = 'ACME' AND ts > '2025-10-02 12:20' AND ts <= '2025-10-02 12:21';
EXPLAIN (COSTS OFF) SELECT * FROM mock.trades
 WHERE ticker = 'ACME' AND ts = '2025-10-02 12:20:00.000001';
EXPLAIN (COSTS OFF) SELECT * FROM mock.trades
 WHERE ticker = 'ACME' AND sip_timestamp > 1759422000000000000 AND sip_timestamp < 1759422060000000000
   AND ts >= '2025-10-02 12:20:30';
-- the counts agree: ns bounds on sip_timestamp return exactly what the ts bounds return
SELECT (SELECT count(*) FROM mock.trades WHERE ticker = 'ACME' AND ts >= '2025-10-02 12:20' AND ts < '2025-10-02 12:21') AS by_ts,
       (SELECT count(*) FROM mock.trades WHERE ticker = 'ACME'
           AND sip_timestamp >= 1759422000000000000 AND sip_timestamp < 1759422060000000000) AS by_ns,
       (SELECT count(*) FROM mock.trades WHERE ticker = 'ACME' AND ts >= '2025-10-02 12:20' AND ts < '2025-10-02 12:21'
           AND sip_timestamp % 2 = 0) + (SELECT count(*) FROM mock.trades WHERE ticker = 'ACME'
           AND ts >= '2025-10-02 12:20' AND ts < '2025-10-02 12:21' AND sip_timestamp % 2 = 1) AS by_parity;

-- two tickers: one request series each, rows in (ticker, ts) order without a sort
EXPLAIN (COSTS OFF) SELECT ticker, ts, price FROM mock.trades
 WHERE ticker IN ('BOLT', 'ACME') AND ts >= '2025-10-02 12:20' AND ts < '2025-10-02 12:25' ORDER BY ticker, ts;
SELECT ticker, count(*) AS trades, min(ts) AS first, max(ts) AS last,
       bool_and(ordered) AS in_order
  FROM (SELECT ticker, ts, ts >= lag(ts) OVER () OR lag(ticker) OVER () IS DISTINCT FROM ticker AS ordered
          FROM mock.trades WHERE ticker IN ('BOLT', 'ACME') AND ts >= '2025-10-02 12:20' AND ts < '2025-10-02 12:25') t
 GROUP BY ticker ORDER BY ticker;

-- pages of 1,000: each a request, read lazily (LIMIT 5 makes one)
SELECT regress.make_server('tpage', 'tag=tpage,page=1000');
SELECT regress.mock_requests('tpage') AS before \gset
SELECT count(*) FROM tpage.trades WHERE ticker = 'ACME' AND ts >= '2025-10-02 12:00' AND ts < '2025-10-02 12:30';
SELECT regress.mock_requests('tpage') - :before AS requests_for_every_trade;
SELECT count(*) FROM (SELECT * FROM tpage.trades WHERE ticker = 'ACME' AND ts >= '2025-10-02 12:00' AND ts < '2025-10-02 12:30' LIMIT 5) s;
SELECT regress.mock_requests('tpage') - :before AS requests_after_limit_5;

-- an empty range, or one in the future, makes no request
SELECT regress.make_server('tnone', 'tag=tnone');
SELECT regress.mock_requests('tnone') AS before \gset
SELECT count(*) FROM tnone.trades WHERE ticker = 'ACME' AND ts >= '2025-10-02 12:20' AND ts < '2025-10-02 12:20';
SELECT count(*) FROM tnone.quotes WHERE ticker = 'ACME' AND ts >= now() + interval '1 day';
SELECT regress.mock_requests('tnone') - :before AS requests;

-- what cannot run says why
SELECT * FROM mock.trades WHERE ts >= '2025-10-02';  -- ERROR
SELECT * FROM mock.trades WHERE ticker = 'ACME';  -- ERROR
SELECT * FROM mock.quotes WHERE ticker = 'ACME' AND ts < '2025-10-02';  -- ERROR
