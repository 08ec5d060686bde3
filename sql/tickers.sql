-- polygon.tickers, polygon.ticker_details and polygon.grouped_daily.
\i test/regress/setup.sql
SELECT regress.make_server('mock');
SELECT regress.make_server('ref', 'tag=ref');

-- without a condition on active, both the active and the delisted lists are fetched
EXPLAIN (COSTS OFF) SELECT * FROM mock.tickers;
SELECT ticker, name, market, locale, primary_exchange, type, active, currency_name, cik,
       last_updated_utc, delisted_utc
  FROM mock.tickers ORDER BY ticker;

-- delisted names only
SELECT ticker, active, delisted_utc FROM mock.tickers WHERE NOT active;

-- pushed-down filters
EXPLAIN (COSTS OFF)
SELECT ticker FROM mock.tickers WHERE active AND type = 'CS' AND market = 'stocks' AND primary_exchange = 'XNYS';
SELECT ticker, name FROM ref.tickers WHERE active AND type = 'CS' AND market = 'stocks' AND primary_exchange = 'XNYS';
SELECT path FROM regress.mock_log('ref');
SELECT ticker, market FROM mock.tickers WHERE market = 'otc';
SELECT ticker, active FROM mock.tickers WHERE ticker IN ('EVTX', 'ACME') ORDER BY ticker;
-- conditions on ticker ranges stay local (the API's string order is not the database's)
EXPLAIN (COSTS OFF) SELECT ticker FROM mock.tickers WHERE active AND ticker >= 'D';

-- a point in time (fixtures v3_reference_tickers_page1_with_next_url / page2_last): two pages,
-- "AAA" has no cik
SELECT ticker, name, primary_exchange, type, cik, composite_figi, last_updated_utc, date
  FROM mock.tickers WHERE date = '2022-04-27' AND active;

-- ticker details: one request per ticker; nested objects are jsonb
SELECT ticker, name, market_cap, phone_number, address, sic_code, total_employees, list_date,
       branding, share_class_shares_outstanding, weighted_shares_outstanding, round_lot, date
  FROM mock.ticker_details WHERE ticker = 'AAPL';
SELECT ticker, market_cap, date FROM mock.ticker_details WHERE ticker = 'AAPL' AND date = '2020-10-01';
SELECT ticker, active, list_date, delisted_utc, sic_description
  FROM mock.ticker_details WHERE ticker IN ('EVTX', 'ACME') ORDER BY ticker;
SELECT ticker, active, market_cap FROM mock.ticker_details WHERE ticker = 'EVTX' AND date = '2024-06-03';
SELECT * FROM mock.ticker_details WHERE name = 'Apple Inc.';  -- ERROR
SELECT * FROM mock.ticker_details WHERE ticker = 'aapl';  -- ERROR
SELECT * FROM mock.ticker_details WHERE ticker = 'EVTX' AND date = '2025-01-06';  -- ERROR

-- grouped daily: one request per weekday of the range
EXPLAIN (COSTS OFF)
SELECT * FROM mock.grouped_daily WHERE date >= '2025-10-01' AND date < '2025-10-08';
SELECT date, count(*), sum(volume) AS volume, bool_or(otc) AS any_otc
  FROM mock.grouped_daily WHERE date BETWEEN '2025-10-01' AND '2025-10-07'
 GROUP BY date ORDER BY date;
-- otc = false is pushed down as include_otc=false
EXPLAIN (COSTS OFF)
SELECT * FROM mock.grouped_daily WHERE date IN ('2025-10-01', '2025-10-03') AND NOT otc;
SELECT date, ticker, close FROM mock.grouped_daily WHERE date = '2025-10-01' AND NOT otc ORDER BY ticker;
-- a holiday has no bars; the delisted EVTX is there until its last day
SELECT count(*) FROM mock.grouped_daily WHERE date = '2025-07-04';
SELECT date, ticker FROM mock.grouped_daily WHERE date IN ('2024-11-29', '2024-12-02') AND ticker = 'EVTX';
SELECT * FROM mock.grouped_daily WHERE ticker = 'ACME';  -- ERROR
SELECT * FROM mock.grouped_daily WHERE date = 'infinity';  -- ERROR
SELECT * FROM mock.grouped_daily WHERE date < '2025-01-01';  -- ERROR
