-- The reference tables: splits, dividends (v3 and /stocks/v1), short interest,
-- short volume, news, exchanges, conditions, market holidays.  Rows equal the
-- recorded bodies; conditions push down as the API takes them.
\i test/regress/setup.sql
\i test/regress/fixtures.sql
SELECT regress.make_server('mock');
-- rows of a query that are not in a fixture, and rows of the fixture the query lacks
CREATE FUNCTION regress.differences(p_query text, p_fixture text, p_where text DEFAULT 'true')
RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
  n bigint;
BEGIN
  EXECUTE format($q$
    WITH got AS (SELECT jsonb_strip_nulls(to_jsonb(g)) AS j FROM (%s) g),
         want AS (SELECT r AS j FROM regress.fixture_rows(%L) r WHERE %s)
    SELECT (SELECT count(*) FROM (SELECT j FROM got EXCEPT ALL SELECT j FROM want) a)
         + (SELECT count(*) FROM (SELECT j FROM want EXCEPT ALL SELECT j FROM got) b)$q$,
    p_query, p_fixture, p_where) INTO n;
  RETURN n;
END $$;

-- splits (v3_reference_splits.json: no id; BRW is a reverse split)
SELECT ticker, execution_date, split_from, split_to, split_from > split_to AS reverse
  FROM mock.splits WHERE execution_date < '2023-01-01';
SELECT regress.differences($$SELECT ticker, execution_date::text AS execution_date, split_from, split_to
                              FROM mock.splits WHERE execution_date < '2023-01-01'$$,
                           'v3_reference_splits.json') AS splits_differences;
-- the demo universe's splits, and the pushed-down conditions
SELECT * FROM mock.splits WHERE ticker IN ('FLUX', 'CRWN') ORDER BY ticker, execution_date;
EXPLAIN (COSTS OFF) SELECT * FROM mock.splits WHERE ticker IN ('FLUX', 'CRWN') ORDER BY ticker, execution_date;
EXPLAIN (COSTS OFF) SELECT * FROM mock.splits WHERE execution_date >= '2024-01-01' AND execution_date < '2025-01-01';
EXPLAIN (COSTS OFF) SELECT * FROM mock.splits WHERE execution_date = '2025-06-16';
SELECT * FROM mock.splits WHERE execution_date >= '2024-01-01' AND execution_date < '2025-01-01';

-- the /stocks/v1 splits with the adjustment factor (spec_example_stocks_v1_splits.json)
SELECT regress.differences($$SELECT ticker, execution_date::text AS execution_date, split_from, split_to,
                                    adjustment_type, historical_adjustment_factor, id
                               FROM mock.stock_splits WHERE ticker = 'AAPL'$$,
                           'spec_example_stocks_v1_splits.json') AS stock_splits_differences;
SELECT ticker, execution_date, adjustment_type, historical_adjustment_factor FROM mock.stock_splits
 WHERE ticker IN ('AAPL', 'CRWN', 'FLUX') ORDER BY ticker;
EXPLAIN (COSTS OFF) SELECT * FROM mock.stock_splits WHERE ticker IN ('AAPL', 'CRWN', 'FLUX') AND adjustment_type = 'reverse_split';

-- dividends (v3_reference_dividends.json: no id, no currency)
SELECT regress.differences($$SELECT cash_amount, declaration_date::text AS declaration_date, dividend_type,
                                    ex_dividend_date::text AS ex_dividend_date, frequency, pay_date::text AS pay_date,
                                    record_date::text AS record_date, ticker
                               FROM mock.dividends WHERE ticker <> 'DYNX'$$,
                           'v3_reference_dividends.json') AS dividends_differences;
SELECT ticker, ex_dividend_date, cash_amount, pay_date FROM mock.dividends
 WHERE ticker = 'DYNX' AND ex_dividend_date BETWEEN '2025-01-01' AND '2025-12-31';
EXPLAIN (COSTS OFF) SELECT * FROM mock.dividends
 WHERE ticker = 'DYNX' AND ex_dividend_date BETWEEN '2025-01-01' AND '2025-12-31' AND pay_date > '2025-03-01';
SELECT regress.differences($$SELECT cash_amount, currency, declaration_date::text AS declaration_date,
                                    distribution_type, ex_dividend_date::text AS ex_dividend_date, frequency,
                                    historical_adjustment_factor, id, pay_date::text AS pay_date,
                                    record_date::text AS record_date, split_adjusted_cash_amount, ticker
                               FROM mock.stock_dividends WHERE ticker = 'AAPL'$$,
                           'spec_example_stocks_v1_dividends.json') AS stock_dividends_differences;

-- short interest and short volume: an IN list is one request (ticker.any_of)
SELECT regress.differences($$SELECT avg_daily_volume, days_to_cover, settlement_date::text AS settlement_date,
                                    short_interest, ticker FROM mock.short_interest WHERE ticker = 'A'$$,
                           'spec_example_stocks_v1_short_interest.json') AS short_interest_differences;
EXPLAIN (COSTS OFF) SELECT * FROM mock.short_interest
 WHERE ticker IN ('ACME', 'BOLT') AND settlement_date >= '2025-09-01' AND settlement_date < '2025-10-16';
SELECT * FROM mock.short_interest
 WHERE ticker IN ('ACME', 'BOLT') AND settlement_date >= '2025-09-01' AND settlement_date < '2025-10-16'
 ORDER BY ticker, settlement_date;
SELECT regress.differences($$SELECT * FROM mock.short_volume WHERE ticker = 'A'$$,
                           'spec_example_stocks_v1_short_volume.json') AS short_volume_differences;
-- the short volume of a day adds up, and its total is the day bar's volume
SELECT s.ticker, s.date, s.short_volume, s.total_volume, b.volume AS day_bar_volume,
       s.short_volume = s.nasdaq_carteret_short_volume + s.nasdaq_chicago_short_volume + s.nyse_short_volume + s.adf_short_volume AS venues_add_up,
       round((s.short_volume / s.total_volume * 100)::numeric, 2) = round(s.short_volume_ratio::numeric, 2) AS ratio_is_percent
  FROM mock.short_volume s
  JOIN mock.bars b ON b.ticker = s.ticker AND b.ts = s.date::timestamptz
 WHERE s.ticker = 'ACME' AND s.date BETWEEN '2025-09-29' AND '2025-10-03'
   AND b.ticker = 'ACME' AND b.timespan = 'day' AND b.ts >= '2025-09-29' AND b.ts < '2025-10-04'
 ORDER BY s.date;

-- news: the requested ticker, the named tickers, the publisher and the insights
SELECT ticker, published_utc, id, title, author, publisher_name, tickers, keywords, insights
  FROM mock.news WHERE ticker = 'NFLX' AND published_utc < '2023-01-01';
SELECT regress.differences($$SELECT id, publisher, title, author, to_char(published_utc AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS published_utc,
                                    article_url, tickers, amp_url, image_url, description, keywords, insights
                               FROM mock.news WHERE published_utc < '2023-01-01'$$,
                           'v2_reference_news_ticker_NFLX.json') +
       regress.differences($$SELECT id, publisher, title, author, to_char(published_utc AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS published_utc,
                                    article_url, tickers, amp_url, image_url, description, keywords, insights
                               FROM mock.news WHERE published_utc >= '2024-01-01' AND published_utc < '2024-12-31' AND 'UBS' = ANY (tickers)$$,
                           'spec_example_v2_reference_news.json') AS news_differences;
-- the articles of the demo's news days, a minute before each spike
SELECT n.ticker, n.published_utc, n.title, n.insights -> 0 ->> 'sentiment' AS sentiment
  FROM mock.news n WHERE n.ticker IN ('ACME', 'BOLT') AND n.published_utc >= '2025-09-01' AND n.published_utc < '2025-10-08'
 ORDER BY n.ticker, n.published_utc;
EXPLAIN (COSTS OFF) SELECT * FROM mock.news
 WHERE ticker = 'ACME' AND published_utc >= '2025-10-02 12:19:30.5' AND published_utc <= '2025-10-03';

-- exchanges: id 4 is every TRF (v3_reference_exchanges.json)
SELECT regress.differences($$SELECT id, type, asset_class, locale, name, acronym, mic, operating_mic, participant_id, url
                               FROM mock.exchanges$$, 'v3_reference_exchanges.json') AS exchanges_differences;
SELECT id, count(*) AS rows, string_agg(name, '; ' ORDER BY name) FROM mock.exchanges WHERE asset_class = 'stocks'
 GROUP BY id HAVING count(*) > 1;

-- conditions, with the update rules that decide which trades make the bars
SELECT regress.differences($$SELECT id, type, name, asset_class, sip_mapping, update_rules, data_types, abbreviation,
                                    description, exchange, legacy FROM mock.conditions$$,
                           'v3_reference_conditions_asset_class_stocks.json') AS conditions_differences;
SELECT id, name, updates_high_low, updates_open_close, updates_volume,
       market_center_updates_high_low, market_center_updates_open_close, market_center_updates_volume
  FROM mock.conditions WHERE NOT (updates_high_low AND updates_open_close AND updates_volume) ORDER BY id;
SELECT count(*) AS conditions, count(*) FILTER (WHERE NOT updates_volume) AS not_counted_in_volume
  FROM mock.conditions WHERE asset_class = 'stocks';

-- market holidays: a bare array, open and close only on early closes (v1_marketstatus_upcoming.json)
SELECT * FROM mock.market_holidays ORDER BY date, exchange;
SELECT regress.differences($$SELECT exchange, name, date::text AS date, status,
                                    to_char(open AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS open,
                                    to_char(close AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS close
                               FROM mock.market_holidays$$,
                           'v1_marketstatus_upcoming.json') AS market_holidays_differences;

-- escapes in JSON strings: accents, a dash, a pair of surrogates, quotes, a lone surrogate
SELECT regress.make_server('unicode', 'body=local_v3_reference_tickers_unicode.json');
SELECT ticker, name, length(name) AS characters, octet_length(name) AS bytes
  FROM unicode.tickers WHERE active ORDER BY ticker;
