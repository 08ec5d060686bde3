
-- bars and indicators: types, helpers, window functions, aggregates

CREATE TYPE tape.bar AS (
    open double precision,
    high double precision,
    low double precision,
    close double precision,
    volume double precision,
    vwap double precision,
    trades bigint,
    first_ts timestamptz,
    last_ts timestamptz
);

COMMENT ON TYPE tape.bar IS 'an OHLCV bar built from trades by tape.ohlcv()';

CREATE FUNCTION tape.bar_price(high double precision, low double precision, close double precision,
                               vwap double precision DEFAULT NULL)
RETURNS double precision
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN COALESCE(vwap, (high + low + close) / 3);

COMMENT ON FUNCTION tape.bar_price(double precision, double precision, double precision, double precision) IS 'the price of a bar for VWAP: its own VWAP when known, else the typical price (high + low + close) / 3';

CREATE FUNCTION tape.rth_vwap(ts timestamptz, price double precision, volume double precision)
RETURNS double precision
AS 'MODULE_PATHNAME', 'tape_rth_vwap'
LANGUAGE C WINDOW IMMUTABLE PARALLEL SAFE;

COMMENT ON FUNCTION tape.rth_vwap(timestamptz, double precision, double precision) IS 'window function: VWAP anchored at 09:30 New York each day, running through after hours, NULL before 09:30; use OVER (PARTITION BY ticker ORDER BY ts)';

CREATE FUNCTION tape.rvol(volume double precision, lookback integer DEFAULT 20)
RETURNS double precision
AS 'MODULE_PATHNAME', 'tape_rvol'
LANGUAGE C WINDOW IMMUTABLE PARALLEL SAFE;

COMMENT ON FUNCTION tape.rvol(double precision, integer) IS 'window function: volume over the mean volume of the previous lookback rows (rows without a volume are skipped; NULL until there are that many)';

CREATE FUNCTION tape.atr(high double precision, low double precision, close double precision,
                         n integer DEFAULT 14)
RETURNS double precision
AS 'MODULE_PATHNAME', 'tape_atr'
LANGUAGE C WINDOW IMMUTABLE PARALLEL SAFE;

COMMENT ON FUNCTION tape.atr(double precision, double precision, double precision, integer) IS 'window function: Wilder''s average true range over n rows (NULL for the first n - 1)';

CREATE FUNCTION tape.atr_pct(high double precision, low double precision, close double precision,
                             n integer DEFAULT 14)
RETURNS double precision
AS 'MODULE_PATHNAME', 'tape_atr_pct'
LANGUAGE C WINDOW IMMUTABLE PARALLEL SAFE;

COMMENT ON FUNCTION tape.atr_pct(double precision, double precision, double precision, integer) IS 'window function: Wilder''s ATR as a percentage of the close';

CREATE FUNCTION tape.gap_pct(open double precision, close double precision)
RETURNS double precision
AS 'MODULE_PATHNAME', 'tape_gap_pct'
LANGUAGE C WINDOW IMMUTABLE PARALLEL SAFE;

COMMENT ON FUNCTION tape.gap_pct(double precision, double precision) IS 'window function: the open over the previous row''s close, in percent (NULL on the first row)';

-- aggregate state types: real types, not internal, so that Citus can ship a partial state
-- from a worker to the coordinator (as text) and PostgreSQL's parallel query through a Gather

CREATE TYPE tape.pv_state;

CREATE FUNCTION tape.pv_state_in(cstring) RETURNS tape.pv_state
AS 'MODULE_PATHNAME', 'tape_pv_state_in' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION tape.pv_state_out(tape.pv_state) RETURNS cstring
AS 'MODULE_PATHNAME', 'tape_pv_state_out' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION tape.pv_state_recv(internal) RETURNS tape.pv_state
AS 'MODULE_PATHNAME', 'tape_pv_state_recv' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION tape.pv_state_send(tape.pv_state) RETURNS bytea
AS 'MODULE_PATHNAME', 'tape_pv_state_send' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE TYPE tape.pv_state (
    INPUT = tape.pv_state_in,
    OUTPUT = tape.pv_state_out,
    RECEIVE = tape.pv_state_recv,
    SEND = tape.pv_state_send,
    INTERNALLENGTH = 40,
    ALIGNMENT = double,
    STORAGE = plain
);

COMMENT ON TYPE tape.pv_state IS 'state of tape.vwap and tape.dollar_volume: (rows, sum(price * volume) and its compensation, sum(volume) and its compensation); its text form reads back exactly';
COMMENT ON FUNCTION tape.pv_state_in(cstring) IS 'input function of tape.pv_state';
COMMENT ON FUNCTION tape.pv_state_out(tape.pv_state) IS 'output function of tape.pv_state: shortest exact doubles, whatever extra_float_digits is';
COMMENT ON FUNCTION tape.pv_state_recv(internal) IS 'binary input function of tape.pv_state';
COMMENT ON FUNCTION tape.pv_state_send(tape.pv_state) IS 'binary output function of tape.pv_state';

CREATE TYPE tape.ohlcv_state;

CREATE FUNCTION tape.ohlcv_state_in(cstring) RETURNS tape.ohlcv_state
AS 'MODULE_PATHNAME', 'tape_ohlcv_state_in' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION tape.ohlcv_state_out(tape.ohlcv_state) RETURNS cstring
AS 'MODULE_PATHNAME', 'tape_ohlcv_state_out' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION tape.ohlcv_state_recv(internal) RETURNS tape.ohlcv_state
AS 'MODULE_PATHNAME', 'tape_ohlcv_state_recv' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION tape.ohlcv_state_send(tape.ohlcv_state) RETURNS bytea
AS 'MODULE_PATHNAME', 'tape_ohlcv_state_send' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE TYPE tape.ohlcv_state (
    INPUT = tape.ohlcv_state_in,
    OUTPUT = tape.ohlcv_state_out,
    RECEIVE = tape.ohlcv_state_recv,
    SEND = tape.ohlcv_state_send,
    INTERNALLENGTH = 88,
    ALIGNMENT = double,
    STORAGE = plain
);

COMMENT ON TYPE tape.ohlcv_state IS 'state of tape.ohlcv: (trades, first_ts, last_ts, open, high, low, close, volume and its compensation, sum(price * size) and its compensation), times in UTC; its text form reads back exactly';
COMMENT ON FUNCTION tape.ohlcv_state_in(cstring) IS 'input function of tape.ohlcv_state';
COMMENT ON FUNCTION tape.ohlcv_state_out(tape.ohlcv_state) IS 'output function of tape.ohlcv_state: shortest exact doubles and UTC times, whatever extra_float_digits, DateStyle and TimeZone are';
COMMENT ON FUNCTION tape.ohlcv_state_recv(internal) IS 'binary input function of tape.ohlcv_state';
COMMENT ON FUNCTION tape.ohlcv_state_send(tape.ohlcv_state) IS 'binary output function of tape.ohlcv_state';

-- aggregate support functions (strict: rows with a NULL are skipped)

CREATE FUNCTION tape.pv_accum(tape.pv_state, double precision, double precision) RETURNS tape.pv_state
AS 'MODULE_PATHNAME', 'tape_pv_accum' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION tape.pv_accum(tape.pv_state, double precision, double precision) IS 'transition function of tape.vwap and tape.dollar_volume';

CREATE FUNCTION tape.pv_accum_inv(tape.pv_state, double precision, double precision) RETURNS tape.pv_state
AS 'MODULE_PATHNAME', 'tape_pv_accum_inv' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION tape.pv_accum_inv(tape.pv_state, double precision, double precision) IS 'inverse transition function of tape.vwap and tape.dollar_volume (sliding windows)';

CREATE FUNCTION tape.pv_combine(tape.pv_state, tape.pv_state) RETURNS tape.pv_state
AS 'MODULE_PATHNAME', 'tape_pv_combine' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION tape.pv_combine(tape.pv_state, tape.pv_state) IS 'combine function of tape.vwap and tape.dollar_volume (parallel plans, Citus)';

CREATE FUNCTION tape.vwap_final(tape.pv_state) RETURNS double precision
AS 'MODULE_PATHNAME', 'tape_vwap_final' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION tape.vwap_final(tape.pv_state) IS 'final function of tape.vwap';

CREATE FUNCTION tape.dollar_volume_final(tape.pv_state) RETURNS double precision
AS 'MODULE_PATHNAME', 'tape_dollar_volume_final' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION tape.dollar_volume_final(tape.pv_state) IS 'final function of tape.dollar_volume';

CREATE FUNCTION tape.ohlcv_accum(tape.ohlcv_state, timestamptz, double precision, double precision) RETURNS tape.ohlcv_state
AS 'MODULE_PATHNAME', 'tape_ohlcv_accum' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION tape.ohlcv_accum(tape.ohlcv_state, timestamptz, double precision, double precision) IS 'transition function of tape.ohlcv';

CREATE FUNCTION tape.ohlcv_combine(tape.ohlcv_state, tape.ohlcv_state) RETURNS tape.ohlcv_state
AS 'MODULE_PATHNAME', 'tape_ohlcv_combine' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION tape.ohlcv_combine(tape.ohlcv_state, tape.ohlcv_state) IS 'combine function of tape.ohlcv (parallel plans, Citus)';

CREATE FUNCTION tape.ohlcv_final(tape.ohlcv_state) RETURNS tape.bar
AS 'MODULE_PATHNAME', 'tape_ohlcv_final' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION tape.ohlcv_final(tape.ohlcv_state) IS 'final function of tape.ohlcv';

-- aggregates

CREATE AGGREGATE tape.vwap(price double precision, volume double precision) (
    SFUNC = tape.pv_accum,
    STYPE = tape.pv_state,
    INITCOND = '(0,0,0,0,0)',
    FINALFUNC = tape.vwap_final,
    COMBINEFUNC = tape.pv_combine,
    MSFUNC = tape.pv_accum,
    MINVFUNC = tape.pv_accum_inv,
    MSTYPE = tape.pv_state,
    MINITCOND = '(0,0,0,0,0)',
    MFINALFUNC = tape.vwap_final,
    PARALLEL = SAFE
);

COMMENT ON AGGREGATE tape.vwap(double precision, double precision) IS 'volume-weighted average price: sum(price * volume) / sum(volume); partial aggregates in parallel plans and on Citus workers, and O(1) per row in sliding windows';

CREATE AGGREGATE tape.dollar_volume(price double precision, volume double precision) (
    SFUNC = tape.pv_accum,
    STYPE = tape.pv_state,
    INITCOND = '(0,0,0,0,0)',
    FINALFUNC = tape.dollar_volume_final,
    COMBINEFUNC = tape.pv_combine,
    MSFUNC = tape.pv_accum,
    MINVFUNC = tape.pv_accum_inv,
    MSTYPE = tape.pv_state,
    MINITCOND = '(0,0,0,0,0)',
    MFINALFUNC = tape.dollar_volume_final,
    PARALLEL = SAFE
);

COMMENT ON AGGREGATE tape.dollar_volume(double precision, double precision) IS 'sum(price * volume); partial aggregates in parallel plans and on Citus workers, and O(1) per row in sliding windows';

CREATE AGGREGATE tape.ohlcv(ts timestamptz, price double precision, size double precision) (
    SFUNC = tape.ohlcv_accum,
    STYPE = tape.ohlcv_state,
    INITCOND = '(0,"2000-01-01 00:00:00+00","2000-01-01 00:00:00+00",0,0,0,0,0,0,0,0)',
    FINALFUNC = tape.ohlcv_final,
    COMBINEFUNC = tape.ohlcv_combine,
    PARALLEL = SAFE
);

COMMENT ON AGGREGATE tape.ohlcv(timestamptz, double precision, double precision) IS 'an OHLCV bar (tape.bar) from trades: open at the earliest ts, close at the latest, volume, VWAP, trade count; partial aggregates in parallel plans and on Citus workers';
