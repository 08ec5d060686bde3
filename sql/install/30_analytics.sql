
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

-- aggregate support functions

CREATE FUNCTION tape.pv_accum(internal, double precision, double precision) RETURNS internal
AS 'MODULE_PATHNAME', 'tape_pv_accum' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION tape.pv_accum(internal, double precision, double precision) IS 'transition function of tape.vwap and tape.dollar_volume';

CREATE FUNCTION tape.pv_accum_inv(internal, double precision, double precision) RETURNS internal
AS 'MODULE_PATHNAME', 'tape_pv_accum_inv' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION tape.pv_accum_inv(internal, double precision, double precision) IS 'inverse transition function of tape.vwap and tape.dollar_volume (sliding windows)';

CREATE FUNCTION tape.pv_combine(internal, internal) RETURNS internal
AS 'MODULE_PATHNAME', 'tape_pv_combine' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION tape.pv_combine(internal, internal) IS 'combine function of tape.vwap and tape.dollar_volume (parallel plans)';

CREATE FUNCTION tape.pv_serialize(internal) RETURNS bytea
AS 'MODULE_PATHNAME', 'tape_pv_serialize' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION tape.pv_serialize(internal) IS 'serialize function of tape.vwap and tape.dollar_volume';

CREATE FUNCTION tape.pv_deserialize(bytea, internal) RETURNS internal
AS 'MODULE_PATHNAME', 'tape_pv_deserialize' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION tape.pv_deserialize(bytea, internal) IS 'deserialize function of tape.vwap and tape.dollar_volume';

CREATE FUNCTION tape.vwap_final(internal) RETURNS double precision
AS 'MODULE_PATHNAME', 'tape_vwap_final' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION tape.vwap_final(internal) IS 'final function of tape.vwap';

CREATE FUNCTION tape.dollar_volume_final(internal) RETURNS double precision
AS 'MODULE_PATHNAME', 'tape_dollar_volume_final' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION tape.dollar_volume_final(internal) IS 'final function of tape.dollar_volume';

CREATE FUNCTION tape.ohlcv_accum(internal, timestamptz, double precision, double precision) RETURNS internal
AS 'MODULE_PATHNAME', 'tape_ohlcv_accum' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION tape.ohlcv_accum(internal, timestamptz, double precision, double precision) IS 'transition function of tape.ohlcv';

CREATE FUNCTION tape.ohlcv_combine(internal, internal) RETURNS internal
AS 'MODULE_PATHNAME', 'tape_ohlcv_combine' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION tape.ohlcv_combine(internal, internal) IS 'combine function of tape.ohlcv (parallel plans)';

CREATE FUNCTION tape.ohlcv_serialize(internal) RETURNS bytea
AS 'MODULE_PATHNAME', 'tape_ohlcv_serialize' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION tape.ohlcv_serialize(internal) IS 'serialize function of tape.ohlcv';

CREATE FUNCTION tape.ohlcv_deserialize(bytea, internal) RETURNS internal
AS 'MODULE_PATHNAME', 'tape_ohlcv_deserialize' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION tape.ohlcv_deserialize(bytea, internal) IS 'deserialize function of tape.ohlcv';

CREATE FUNCTION tape.ohlcv_final(internal) RETURNS tape.bar
AS 'MODULE_PATHNAME', 'tape_ohlcv_final' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION tape.ohlcv_final(internal) IS 'final function of tape.ohlcv';

-- aggregates

CREATE AGGREGATE tape.vwap(price double precision, volume double precision) (
    SFUNC = tape.pv_accum,
    STYPE = internal,
    FINALFUNC = tape.vwap_final,
    COMBINEFUNC = tape.pv_combine,
    SERIALFUNC = tape.pv_serialize,
    DESERIALFUNC = tape.pv_deserialize,
    MSFUNC = tape.pv_accum,
    MINVFUNC = tape.pv_accum_inv,
    MSTYPE = internal,
    MFINALFUNC = tape.vwap_final,
    PARALLEL = SAFE
);

COMMENT ON AGGREGATE tape.vwap(double precision, double precision) IS 'volume-weighted average price: sum(price * volume) / sum(volume); parallel, and O(1) per row in sliding windows';

CREATE AGGREGATE tape.dollar_volume(price double precision, volume double precision) (
    SFUNC = tape.pv_accum,
    STYPE = internal,
    FINALFUNC = tape.dollar_volume_final,
    COMBINEFUNC = tape.pv_combine,
    SERIALFUNC = tape.pv_serialize,
    DESERIALFUNC = tape.pv_deserialize,
    MSFUNC = tape.pv_accum,
    MINVFUNC = tape.pv_accum_inv,
    MSTYPE = internal,
    MFINALFUNC = tape.dollar_volume_final,
    PARALLEL = SAFE
);

COMMENT ON AGGREGATE tape.dollar_volume(double precision, double precision) IS 'sum(price * volume); parallel, and O(1) per row in sliding windows';

CREATE AGGREGATE tape.ohlcv(ts timestamptz, price double precision, size double precision) (
    SFUNC = tape.ohlcv_accum,
    STYPE = internal,
    FINALFUNC = tape.ohlcv_final,
    COMBINEFUNC = tape.ohlcv_combine,
    SERIALFUNC = tape.ohlcv_serialize,
    DESERIALFUNC = tape.ohlcv_deserialize,
    PARALLEL = SAFE
);

COMMENT ON AGGREGATE tape.ohlcv(timestamptz, double precision, double precision) IS 'an OHLCV bar (tape.bar) from trades: open at the earliest ts, close at the latest, volume, VWAP, trade count';
