-- The trading calendar: NYSE holidays and early closes, sessions in New York
-- time across DST changes, trading-day arithmetic, and a holiday table the
-- user can correct.
\i test/regress/setup.sql

-- the built-in calendar, as the NYSE published it
SELECT extract(year FROM day)::int AS year, count(*) FILTER (WHERE status = 'closed') AS closed,
       count(*) FILTER (WHERE status = 'early_close') AS early_closes
  FROM tape.market_holidays WHERE day BETWEEN '2018-01-01' AND '2026-12-31'
 GROUP BY 1 ORDER BY 1;
SELECT day, to_char(day, 'Dy') AS dow, status, close_time, name
  FROM tape.market_holidays WHERE day BETWEEN '2021-12-01' AND '2022-12-31' OR day BETWEEN '2026-01-01' AND '2026-12-31'
 ORDER BY day;
-- special closings, and the July 4 rules (a Thursday July 4 moved the early close to July 5 before 2013)
SELECT day, status, close_time, name FROM tape.market_holidays
 WHERE day IN ('2001-09-11', '2001-09-14', '2004-06-11', '2007-01-02', '2012-10-29', '2012-10-30',
               '2018-12-05', '2025-01-09', '2002-07-05', '2013-07-03', '2019-07-03', '2024-07-03')
 ORDER BY day;
SELECT count(*) AS rows, min(day), max(day), bool_and(builtin) AS all_builtin FROM tape.market_holidays;
-- the table is the rules' output, and the rules refuse years they do not know
SELECT count(*) AS differences FROM (
  (SELECT day, status, close_time, name FROM tape.nyse_holidays(2000, 2030)
   EXCEPT ALL SELECT day, status, close_time, name FROM tape.market_holidays)
  UNION ALL
  (SELECT day, status, close_time, name FROM tape.market_holidays
   EXCEPT ALL SELECT day, status, close_time, name FROM tape.nyse_holidays(2000, 2030))) d;
SELECT count(*) FROM tape.nyse_holidays(2031, 2035);
-- Martin Luther King Jr. Day closes the NYSE from 1998 on
SELECT day, name FROM tape.nyse_holidays(1997, 1998) WHERE name LIKE 'Martin%';
SELECT * FROM tape.nyse_holidays(1850, 1900);  -- ERROR

-- trading days: weekends, holidays and early closes
SELECT d::date AS day, to_char(d, 'Dy') AS dow, tape.is_trading_day(d::date) AS trading
  FROM generate_series('2025-11-24'::date, '2025-12-01', interval '1 day') AS d;
SELECT tape.is_trading_day('2025-07-04'), tape.is_trading_day('2025-07-03'), tape.is_trading_day('2025-01-09');

-- sessions at their boundaries: winter (UTC-5), summer (UTC-4), the Sunday of the
-- change, and the early close of 2025-11-28 (13:00, after hours to 17:00)
SELECT t AS ts, t AT TIME ZONE 'America/New_York' AS new_york, tape.session_of(t), tape.trading_day(t)
  FROM unnest(ARRAY[
    '2025-03-07 03:59:59-05', '2025-03-07 04:00:00-05', '2025-03-07 09:29:59-05', '2025-03-07 09:30:00-05',
    '2025-03-07 15:59:59-05', '2025-03-07 16:00:00-05', '2025-03-07 19:59:59-05', '2025-03-07 20:00:00-05',
    '2025-03-09 12:00:00-04',
    '2025-03-10 08:30:00+00', '2025-03-10 13:29:59+00', '2025-03-10 13:30:00+00', '2025-03-10 20:00:00+00',
    '2025-03-10 23:59:59+00', '2025-03-11 00:00:00+00',
    '2025-11-03 09:30:00-05', '2025-11-03 14:30:00+00',
    '2025-11-28 12:59:59-05', '2025-11-28 13:00:00-05', '2025-11-28 16:59:59-05', '2025-11-28 17:00:00-05',
    '2025-11-27 10:00:00-05', '2025-12-24 14:00:00-05', '2025-12-26 14:00:00-05'
  ]::timestamptz[]) AS t;
-- the time zone of the session does not matter
SET timezone = 'Asia/Tokyo';
SELECT tape.session_of('2025-03-10 22:30:00+09'), tape.trading_day('2025-03-10 22:30:00+09'),
       tape.session_of('2025-03-11 05:59:00+09'), tape.trading_day('2025-03-11 05:59:00+09');
SET timezone = 'America/New_York';

SELECT day, s.* FROM unnest(ARRAY['2025-03-07', '2025-03-10', '2025-11-03', '2025-11-28', '2025-11-27']::date[]) AS day,
       LATERAL tape.session_bounds(day) AS s;

-- trading-day arithmetic
SELECT n, tape.add_trading_days('2025-11-26', n) AS from_wednesday_before_thanksgiving
  FROM generate_series(-3, 3) AS n;
SELECT tape.add_trading_days('2025-11-29', 0) AS saturday_plus_0, tape.add_trading_days('2025-11-29', 1) AS saturday_plus_1,
       tape.add_trading_days('2025-11-29', -1) AS saturday_minus_1,
       tape.add_trading_days('2024-12-31', 252) AS one_year_on,
       tape.add_trading_days('2025-01-02', -1) AS before_new_year;
SELECT count(*) AS trading_days_2025 FROM generate_series('2025-01-01'::date, '2025-12-31', interval '1 day') d
 WHERE tape.is_trading_day(d::date);
-- add_trading_days agrees with counting trading days one by one
SELECT count(*) AS disagreements
  FROM generate_series(-40, 40) AS n,
       LATERAL (SELECT tape.add_trading_days('2024-06-14', n) AS got) g,
       LATERAL (SELECT CASE WHEN n > 0 THEN (SELECT d::date FROM generate_series('2024-06-15'::date, '2024-12-31', interval '1 day') d
                                             WHERE tape.is_trading_day(d::date) ORDER BY d OFFSET n - 1 LIMIT 1)
                            WHEN n < 0 THEN (SELECT d::date FROM generate_series('2024-06-13'::date, '2024-01-01', interval '-1 day') d
                                             WHERE tape.is_trading_day(d::date) ORDER BY d DESC OFFSET -n - 1 LIMIT 1)
                            ELSE '2024-06-14'::date END AS want) w
 WHERE got IS DISTINCT FROM want;
SELECT tape.add_trading_days('2025-01-02', 1000000);  -- ERROR

-- the user corrects the calendar, and it takes effect at once
INSERT INTO tape.market_holidays (day, status, name) VALUES ('2025-10-14', 'closed', 'Hypothetical closing');
SELECT tape.is_trading_day('2025-10-14'), tape.session_of('2025-10-14 10:00-04'), tape.add_trading_days('2025-10-13', 1);
UPDATE tape.market_holidays SET status = 'early_close', close_time = '12:00' WHERE day = '2025-10-14';
SELECT tape.session_of('2025-10-14 11:59-04'), tape.session_of('2025-10-14 12:00-04'),
       tape.session_of('2025-10-14 15:59-04'), tape.session_of('2025-10-14 16:00-04');
SELECT rth_close, ah_close, early_close FROM tape.session_bounds('2025-10-14');
DELETE FROM tape.market_holidays WHERE day = '2025-10-14';
SELECT tape.is_trading_day('2025-10-14'), tape.session_of('2025-10-14 12:00-04');
-- a rolled-back change leaves the calendar as it was
BEGIN;
DELETE FROM tape.market_holidays WHERE day = '2025-12-25';
SELECT tape.is_trading_day('2025-12-25') AS christmas_inside;
ROLLBACK;
SELECT tape.is_trading_day('2025-12-25') AS christmas_after_rollback;
-- a change rolled back to a savepoint, and the change kept after it
BEGIN;
SAVEPOINT before_delete;
DELETE FROM tape.market_holidays WHERE day = '2025-12-25';
SELECT tape.is_trading_day('2025-12-25') AS christmas_in_savepoint;
ROLLBACK TO SAVEPOINT before_delete;
SELECT tape.is_trading_day('2025-12-25') AS christmas_after_rollback_to_savepoint;
UPDATE tape.market_holidays SET status = 'early_close', close_time = '10:00' WHERE day = '2025-12-25';
RELEASE SAVEPOINT before_delete;
SELECT tape.is_trading_day('2025-12-25') AS christmas_made_half_day, tape.session_of('2025-12-25 10:30-05') AS at_10_30;
ROLLBACK;
SELECT tape.is_trading_day('2025-12-25') AS christmas_after_rollback, tape.session_of('2025-12-25 10:30-05') AS at_10_30;
-- a function sees its own change at its next query, and a query sees one calendar throughout
CREATE FUNCTION regress.close_and_ask(d date) RETURNS boolean LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO tape.market_holidays (day, status, name) VALUES (d, 'closed', 'Closed by a function');
  RETURN tape.is_trading_day(d);
END $$;
BEGIN;
SELECT tape.is_trading_day('2025-10-16') AS before, regress.close_and_ask('2025-10-16') AS inside,
       tape.is_trading_day('2025-10-16') AS same_query;
SELECT tape.is_trading_day('2025-10-16') AS next_query;
ROLLBACK;
DROP FUNCTION regress.close_and_ask(date);
-- years past the built-in range come from the same rules
INSERT INTO tape.market_holidays (day, status, close_time, name)
SELECT day, status, close_time, name FROM tape.nyse_holidays(2031, 2031);
SELECT tape.is_trading_day('2031-12-25'), tape.add_trading_days('2031-11-26', 1);
DELETE FROM tape.market_holidays WHERE NOT builtin;
-- what the table refuses
INSERT INTO tape.market_holidays (day, status, name) VALUES ('2025-10-15', 'early_close', 'no time');  -- ERROR
INSERT INTO tape.market_holidays (day, status, name) VALUES ('2025-10-15', 'half', 'bad status');  -- ERROR
-- a role with nothing but USAGE on schema tape: the calendar and the detectors work, editing does not
CREATE ROLE regress_calendar_reader;
GRANT USAGE ON SCHEMA tape TO regress_calendar_reader;
SET ROLE regress_calendar_reader;
SELECT tape.is_trading_day('2025-12-25') AS christmas, tape.session_of('2025-10-02 14:00+00') AS session;
SELECT count(*) AS events
  FROM tape.detect_intraday($$SELECT 'X'::text AS ticker, '2025-10-02 14:00+00'::timestamptz AS ts, 1.0::float8 AS open,
                                     1.0::float8 AS high, 1.0::float8 AS low, 1.0::float8 AS close, 100::float8 AS volume$$);
INSERT INTO tape.market_holidays (day, status, name) VALUES ('2025-10-15', 'closed', 'not mine');  -- ERROR
RESET ROLE;
DROP OWNED BY regress_calendar_reader;
DROP ROLE regress_calendar_reader;
