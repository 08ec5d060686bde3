-- The universe of small caps without survivorship bias: the tickers, active and delisted;
-- the market's closes as traded, a request a day; shares outstanding as of dates, again
-- after a split; the small caps of past days.
\i test/regress/setup.sql
SELECT regress.make_server('univ', 'tag=univ');
SET tape.progress_interval = 0;
-- a store of its own (the tests share a database)
TRUNCATE tape.work_queue, tape.refresh_runs, tape.bars_1m, tape.bars_1h, tape.bars_1d, tape.market_daily,
         tape.tickers, tape.ticker_shares, tape.splits, tape.dividends, tape.short_interest, tape.short_volume,
         tape.news, tape.events_daily, tape.events_intraday, tape.settings;
UPDATE tape.configuration SET value = 'univ' WHERE name = 'foreign_schema';

-- a few days in 2023 (HALO still listed) and 2024 (FLUX splits 1 -> 2 on 2024-03-11,
-- NOVA lists on 2024-06-03, EVTX delists on 2024-11-29)
SET client_min_messages = warning;
CALL tape.refresh_corporate_actions('2023-01-01', '2024-12-31');
CALL tape.refresh_universe('2023-03-01', '2023-03-03');
CALL tape.refresh_universe('2024-03-06', '2024-03-13');
CALL tape.refresh_universe('2024-05-01', '2024-05-01');
CALL tape.refresh_universe('2024-09-03', '2024-09-03');
CALL tape.refresh_universe('2024-12-02', '2024-12-02');
RESET client_min_messages;

-- the requests: the list of tickers twice per run (active, delisted), one request per day,
-- one per snapshot of shares
SELECT regexp_replace(path, '^/_f/tag=univ(/v[23]/[a-z/]+?)(/[A-Z]+)?(/[-0-9]+)?(\?.*)?$', '\1') AS endpoint, count(*)
  FROM regress.mock_log('univ') GROUP BY 1 ORDER BY 1;
SELECT path FROM regress.mock_log('univ') WHERE path LIKE '%grouped%' ORDER BY 1 LIMIT 3;
SELECT path FROM regress.mock_log('univ') WHERE path LIKE '%/v3/reference/tickers/%' ORDER BY 1;

-- the tickers, delisted ones included, each with the dates of its life
SELECT ticker, delisted_on, name, type, market, primary_exchange, active, list_date
  FROM tape.tickers ORDER BY ticker, delisted_on;
-- the closes of the whole market, as traded (FLUX halves at its split, no OTC)
SELECT day, ticker, close FROM tape.market_daily
 WHERE ticker IN ('FLUX', 'GRNQ') AND day BETWEEN '2024-03-07' AND '2024-03-12' ORDER BY ticker, day;
-- snapshots of the shares: the first day a candidate is seen in a quarter, and after a split
SELECT ticker, as_of, shares_outstanding FROM tape.ticker_shares ORDER BY ticker, as_of;
SELECT tape.shares_outstanding('FLUX', '2024-03-08') AS before_split, tape.shares_outstanding('FLUX', '2024-03-12') AS after_split,
       tape.shares_outstanding('ACME', '2023-01-15') AS before_first_snapshot, tape.shares_outstanding('NOPE', '2024-01-02') AS unknown;

-- the small caps of past days: a name delisted later is in, one listed later is not
SELECT day, ticker, name, type, primary_exchange, close, shares_outstanding, round(market_cap) AS market_cap
  FROM tape.universe('2023-03-01');
SELECT ticker FROM tape.universe('2024-05-01');
SELECT ticker FROM tape.universe('2024-09-03');
SELECT ticker FROM tape.universe('2024-12-02');
-- a weekend is the Friday before it
SELECT DISTINCT day FROM tape.universe('2024-03-10');
-- why the others are out on one day
SELECT m.ticker, t.type, t.primary_exchange, m.close, round(m.close * tape.shares_outstanding(m.ticker, m.day)) AS market_cap,
       u.ticker IS NOT NULL AS small_cap
  FROM tape.market_daily m
  LEFT JOIN tape.tickers t ON t.ticker = m.ticker
  LEFT JOIN tape.universe('2024-03-12') u ON u.ticker = m.ticker
 WHERE m.day = '2024-03-12' ORDER BY m.ticker;
-- a range of days at once
SELECT ticker, count(*) AS days, min(day), max(day) FROM tape.universe_between('2024-03-06', '2024-03-13')
 GROUP BY 1 ORDER BY 1;

-- the thresholds are settings
UPDATE tape.configuration SET value = '5' WHERE name = 'universe.max_close';
UPDATE tape.configuration SET value = '1000000000' WHERE name = 'universe.max_market_cap';
SELECT ticker, close, round(market_cap) AS market_cap FROM tape.universe('2024-03-12');
UPDATE tape.configuration SET value = NULL WHERE name IN ('universe.max_close', 'universe.max_market_cap');
SELECT count(*) FROM tape.universe('2024-03-12');

-- refresh_bars without tickers works on the universe of each day
SET client_min_messages = warning;
CALL tape.refresh_bars('day', '2024-09-03', '2024-09-03');
RESET client_min_messages;
SELECT unit_key FROM tape.work_queue WHERE queue = 'bars_1d' ORDER BY 1;
-- the same tickers as an array, for a CALL (which takes no subquery)
SELECT tape.universe_tickers('2024-09-03', '2024-09-03');
CALL tape.refresh_bars('day', '2024-09-03', '2024-09-03', tickers => tape.universe_tickers('2024-09-03', '2024-09-03'));
-- a range the store knows only in part
CALL tape.refresh_bars('day', '2024-09-01', '2024-09-06');

-- errors
SELECT * FROM tape.universe('2024-03-14');  -- ERROR
SELECT * FROM tape.universe('2022-06-01');  -- ERROR
