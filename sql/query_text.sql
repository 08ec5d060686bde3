-- The text of a query given to a function is read the same way by every function that takes
-- one (tape.detect_intraday, tape.detect_daily, tape.bars_from_trades, both queries of
-- tape.triple_barrier): one SELECT, however it is spelled (a semicolon, comments before, inside
-- or after it, parentheses, WITH, TABLE), gives the rows of the plain query; anything else is
-- refused with the same message, and nothing runs.
\i test/regress/setup.sql
\i test/regress/bars.sql
\i test/regress/error_of.sql
CREATE SCHEMA qtext;

-- a day of minute bars with two volume spikes (11:00 and 17:00), months of day bars with a
-- volume explosion (2025-08-15), five minutes of trades, two events to label
CREATE TABLE qtext.minute_bars AS SELECT * FROM regress.quiet_bars('SPIKE', '2025-09-02', '2025-09-26');
UPDATE qtext.minute_bars SET open = 10.00, close = 10.15, high = 10.151, low = 9.999, volume = 200000
 WHERE ts IN ('2025-09-26 11:00-04', '2025-09-26 17:00-04');
CREATE TABLE qtext.day_bars AS SELECT * FROM regress.quiet_days('VOLX', '2025-04-25', '2025-08-20');
UPDATE qtext.day_bars SET open = 10.00, high = 10.08, low = 9.92, close = 10.02, volume = 6000000
 WHERE day = '2025-08-15';
CREATE TABLE qtext.trades AS
SELECT 'QT'::text AS ticker, '2025-09-26 10:00-04'::timestamptz + i * interval '1 second' AS ts,
       10 + (i % 7) * 0.01 AS price, 100 + i AS size
  FROM generate_series(0, 299) AS i;
CREATE TABLE qtext.events AS
SELECT * FROM (VALUES ('SPIKE', '2025-09-26 11:01-04'::timestamptz, 1), ('SPIKE', '2025-09-26 14:00-04', -1))
  AS e (ticker, ts, side);

-- rows and a digest of what a statement returns (or its error)
CREATE FUNCTION qtext.digest(p_sql text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
  d text;
BEGIN
  EXECUTE format('SELECT count(*) || '' rows '' || coalesce(md5(string_agg(r::text, E''\n'' ORDER BY r::text)), '''') FROM (%s) r', p_sql)
     INTO d;
  RETURN d;
EXCEPTION WHEN OTHERS THEN
  RETURN SQLSTATE || ': ' || SQLERRM;
END $$;

-- every function that takes a query, with the query given (%L) and the others plain
CREATE TABLE qtext.callers (caller text, call text, query text, tab text);
INSERT INTO qtext.callers VALUES
  ('detect_intraday', 'SELECT * FROM tape.detect_intraday(%L)', 'SELECT * FROM qtext.minute_bars', 'qtext.minute_bars'),
  ('detect_daily', 'SELECT * FROM tape.detect_daily(%L)', 'SELECT * FROM qtext.day_bars', 'qtext.day_bars'),
  ('bars_from_trades', $$SELECT * FROM tape.bars_from_trades(%L, 'time', 60)$$, 'SELECT * FROM qtext.trades', 'qtext.trades'),
  ('triple_barrier events', $$SELECT * FROM tape.triple_barrier(%L, 'SELECT * FROM qtext.minute_bars')$$,
   'SELECT * FROM qtext.events', 'qtext.events'),
  ('triple_barrier bars', $$SELECT * FROM tape.triple_barrier('SELECT * FROM qtext.events', %L)$$,
   'SELECT * FROM qtext.minute_bars', 'qtext.minute_bars');

-- what the plain queries give: events, bars, labels (the detectors' NOTICEs about their warm-up
-- are not what this test is about)
SET client_min_messages = warning;
SELECT caller, split_part(qtext.digest(format(call, query)), ' rows ', 1) AS rows FROM qtext.callers ORDER BY caller;

-- the spellings of the same query (%1$s the plain query, %2$s its table)
CREATE TABLE qtext.spellings (n int, spelling text);
INSERT INTO qtext.spellings VALUES
  (1, '%1$s;'),
  (2, E'  %1$s ;  \n  '),
  (3, '%1$s;;'),
  (4, '%1$s -- the rows'),
  (5, '%1$s; -- the rows'),
  (6, E'%1$s\n-- the rows\n'),
  (7, '/* the rows */ %1$s'),
  (8, E'-- the rows\n%1$s;'),
  (9, '%1$s /* ) AS x; */ ; /* the end */'),
  (10, '(%1$s);'),
  (11, 'WITH q AS (%1$s) SELECT * FROM q;'),
  (12, 'TABLE %2$s;'),
  (13, 'SELECT * FROM (%1$s) AS "q;" -- ;');
SELECT s.n, s.spelling, string_agg(c.caller, ', ' ORDER BY c.caller)
         FILTER (WHERE qtext.digest(format(c.call, format(s.spelling, c.query, c.tab))) <> qtext.digest(format(c.call, c.query)))
         AS callers_that_differ
  FROM qtext.spellings s CROSS JOIN qtext.callers c
 GROUP BY s.n, s.spelling ORDER BY s.n;

-- what is not one SELECT, refused by all with one message; nothing is deleted or created
SELECT c.caller, x.n, regress.error_of(format(c.call, format(x.query, c.query, c.tab)))
  FROM qtext.callers c
 CROSS JOIN (VALUES (1, '%1$s; SELECT 1'), (2, 'DELETE FROM %2$s'), (3, 'SELECT * INTO qtext.copy FROM %2$s'),
                    (4, ''), (5, ';'), (6, '-- nothing'),
                    (7, 'WITH d AS (DELETE FROM %2$s RETURNING *) SELECT * FROM d')) AS x (n, query)
 ORDER BY c.caller, x.n;
SELECT (SELECT count(*) FROM qtext.minute_bars) AS minute_bars, (SELECT count(*) FROM qtext.day_bars) AS day_bars,
       (SELECT count(*) FROM qtext.trades) AS trades, (SELECT count(*) FROM qtext.events) AS events,
       to_regclass('qtext.copy') AS copy;

DROP SCHEMA qtext CASCADE;
