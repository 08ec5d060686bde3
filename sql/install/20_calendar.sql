
-- trading calendar and sessions

CREATE FUNCTION tape.nyse_holidays(from_year integer, to_year integer,
    OUT day date, OUT status text, OUT close_time time, OUT name text)
RETURNS SETOF record
AS 'MODULE_PATHNAME', 'tape_nyse_holidays'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION tape.nyse_holidays(integer, integer) IS 'NYSE holidays and early closes computed by the exchange''s rules, special closings since 2000 included';

CREATE TABLE tape.market_holidays (
    day date PRIMARY KEY,
    status text NOT NULL CHECK (status IN ('closed', 'early_close')),
    close_time time CHECK ((status = 'early_close') = (close_time IS NOT NULL)),
    name text NOT NULL,
    builtin boolean NOT NULL DEFAULT false
);

COMMENT ON TABLE tape.market_holidays IS 'NYSE days without a session (closed) or with an early close; 2000-2030 built in, extend or correct it freely: every session sees an edit at its next statement (no trigger, so Citus can make it a reference table)';
COMMENT ON COLUMN tape.market_holidays.close_time IS 'end of regular hours on an early-close day (after hours end four hours later)';
COMMENT ON COLUMN tape.market_holidays.builtin IS 'true for rows installed by tape; pg_dump keeps only the others';

INSERT INTO tape.market_holidays (day, status, close_time, name, builtin)
SELECT day, status, close_time, name, true FROM tape.nyse_holidays(2000, 2030);

SELECT pg_catalog.pg_extension_config_dump('tape.market_holidays', 'WHERE NOT builtin');
-- the calendar is public knowledge that every calendar function and detector reads as the caller:
-- any role that may use schema tape reads it; editing it stays with its owner
GRANT SELECT ON tape.market_holidays TO PUBLIC;

CREATE FUNCTION tape.session_of(ts timestamptz) RETURNS text
AS 'MODULE_PATHNAME', 'tape_session_of'
LANGUAGE C STABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION tape.session_of(timestamptz) IS 'PM (04:00-09:30), RTH (09:30-16:00, 13:00 on early closes), AH (to 20:00, 17:00 on early closes) in New York time, or NULL outside the sessions of a trading day';

CREATE FUNCTION tape.trading_day(ts timestamptz) RETURNS date
AS 'MODULE_PATHNAME', 'tape_trading_day'
LANGUAGE C STABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION tape.trading_day(timestamptz) IS 'the New York date of ts if it is a trading day, else NULL';

CREATE FUNCTION tape.is_trading_day(day date) RETURNS boolean
AS 'MODULE_PATHNAME', 'tape_is_trading_day'
LANGUAGE C STABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION tape.is_trading_day(date) IS 'whether the NYSE holds a session on day (weekends and tape.market_holidays closings are not trading days)';

CREATE FUNCTION tape.add_trading_days(day date, n integer) RETURNS date
AS 'MODULE_PATHNAME', 'tape_add_trading_days'
LANGUAGE C STABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION tape.add_trading_days(date, integer) IS 'the trading day n trading days after day (before, if n is negative); n = 0 gives day itself or the next trading day';

CREATE FUNCTION tape.session_bounds(day date,
    OUT pm_open timestamptz, OUT rth_open timestamptz, OUT rth_close timestamptz,
    OUT ah_close timestamptz, OUT early_close boolean, OUT trading_day date)
RETURNS record
AS 'MODULE_PATHNAME', 'tape_session_bounds'
LANGUAGE C STABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION tape.session_bounds(date) IS 'the session times of a trading day (NULL if the market is closed)';
