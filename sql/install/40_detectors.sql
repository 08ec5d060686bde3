
-- event detectors: configuration, result types, functions

CREATE FUNCTION tape.default_config() RETURNS jsonb
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN $json$
{
  "intraday": {
    "baseline": {
      "method": "profile",
      "profile_days": 20,
      "profile_minutes": 2,
      "min_days": 5,
      "min_samples": 10,
      "day_adjust": true,
      "day_adjust_lag_minutes": 30,
      "day_adjust_min_bars": 30,
      "fallback": "none",
      "rolling_bars": 20
    },
    "filters": {
      "min_price": 1.0,
      "max_price": 500.0,
      "min_bar_dollar_volume": 10000,
      "min_day_dollar_volume": 500000,
      "min_day_dollar_volume_bearish": 1000000,
      "min_float": 5000000,
      "min_float_bearish": 10000000,
      "max_short_interest_pct": 40,
      "max_days_to_cover": 5
    },
    "volume_spike": {
      "enabled": true,
      "rth": {"min_spike_x": 6.0, "min_volume": 10000, "min_dollar_volume": 50000},
      "extended": {"min_spike_x": 8.0, "min_volume": 15000, "min_dollar_volume": 75000},
      "up_min_change_pct": 1.0,
      "down_min_red_bars": 2,
      "down_min_drop_from_high_pct": 2.0
    },
    "vwap_break": {
      "enabled": true,
      "up": {"min_distance_pct": 0.6, "min_bars": 2, "min_volume_x": 2.0, "min_below_pct": 0.6, "below_lookback_bars": 30},
      "down": {"min_distance_pct": 0.8, "min_bars": 3, "min_volume_x": 2.5, "failed_reclaim_lookback_bars": 10}
    },
    "price_momentum": {
      "enabled": true,
      "window_minutes": 5,
      "up": {"min_change_pct": 3.0, "breakout_minutes": 20, "min_volume_x": 1.8},
      "down": {"min_change_pct": 3.5, "breakdown_minutes": 20, "min_acceleration": 1.2}
    },
    "consolidation_break": {
      "enabled": true,
      "base_minutes": 30,
      "min_base_bars": 10,
      "max_range_pct": 1.5,
      "min_bars": 2,
      "min_breakout_pct": 1.0,
      "min_volume_x": 2.0
    },
    "opening_range_break": {
      "enabled": true,
      "range_minutes": 15,
      "cutoff_minutes": 90,
      "min_breakout_pct": 0.5,
      "min_bars": 2,
      "min_volume_x": 1.8
    },
    "tape_speed": {
      "enabled": false,
      "min_transactions": 50,
      "min_spike_x": 4.0,
      "min_bars": 2
    },
    "flush": {
      "enabled": true,
      "min_drop_pct": 8.0,
      "high_tolerance_pct": 1.0,
      "window_minutes": 15,
      "min_volume_x": 4.0,
      "min_red_bars": 3
    },
    "dedup": {"window_minutes": 10, "keep_both_within_pct": 10},
    "score": {
      "weights": {"volume_spike": 0.30, "price_change": 0.25, "volume_confirm": 0.20,
                  "consecutive_bars": 0.15, "vwap_distance": 0.10},
      "caps": {"spike_x": 20, "price_change_pct": 10, "dollar_volume": 1000000,
               "consecutive_bars": 5, "vwap_distance_pct": 5}
    }
  },
  "daily": {
    "filters": {"min_price": 0.5, "max_price": 20.0},
    "rvol_days": 20,
    "atr_days": 14,
    "atr_pct_percentile": 90,
    "atr_pct_history_days": 252,
    "atr_pct_min_history_days": 20,
    "stage1": {"min_gap_pct": 5.0, "min_rvol": 2.0, "min_dollar_volume": 500000, "window": 2},
    "E1_volume_explosion": {"enabled": true, "min_rvol": 5.0, "min_dollar_volume": 500000, "window": 2},
    "E2_gap_up": {"enabled": true, "min_gap_pct": 10.0, "min_rvol": 2.0, "min_dollar_volume": 500000, "window": 2},
    "E3_intraday_price_spike": {"enabled": true, "min_high_over_open_pct": 15.0, "min_dollar_volume": 500000, "window": 1},
    "E4_parabolic_move": {"enabled": true, "days": 5, "min_change_pct": 50.0, "min_green_days": 3, "min_rvol": 2.0, "window": 3},
    "E5_breakout_ath": {"enabled": true, "min_history_days": 60, "min_rvol": 1.5, "window": 2},
    "E6_multiple_green_days": {"enabled": true, "min_days": 3, "window": 1},
    "E7_first_red_day": {"enabled": true, "min_prior_green_days": 3, "min_run_pct": 20.0, "window": 2},
    "E8_violent_gap_down": {"enabled": true, "max_gap_pct": -15.0, "min_rvol": 2.0, "window": 3},
    "E9_intraday_crash": {"enabled": true, "max_low_under_open_pct": -15.0, "window": 1},
    "E10_first_green_bounce": {"enabled": true, "min_prior_red_days": 3, "min_decline_pct": 20.0, "window": 3},
    "E11_volume_bounce": {"enabled": true, "lookback_days": 20, "min_drawdown_pct": 30.0, "min_rvol": 3.0, "window": 3}
  }
}
$json$::jsonb;

COMMENT ON FUNCTION tape.default_config() IS 'every threshold of the intraday and daily detectors, with its default; pass a partial copy to override';

CREATE FUNCTION tape.merge_config(base jsonb, override jsonb, path text DEFAULT '')
RETURNS jsonb
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE
AS $$
DECLARE
    k text;
    v jsonb;
    result jsonb := base;
    here text;
BEGIN
    IF override IS NULL THEN
        RETURN base;
    END IF;
    IF pg_catalog.jsonb_typeof(override) <> 'object' THEN
        RAISE EXCEPTION 'configuration % must be a JSON object', CASE WHEN path = '' THEN 'override' ELSE '"' || path || '"' END
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    FOR k, v IN SELECT * FROM pg_catalog.jsonb_each(override) LOOP
        here := CASE WHEN path = '' THEN k ELSE path || '.' || k END;
        IF NOT base ? k THEN
            RAISE EXCEPTION 'unrecognized configuration key "%"', here
                USING ERRCODE = 'invalid_parameter_value',
                      HINT = 'Valid keys here are: ' ||
                             (SELECT pg_catalog.string_agg(key, ', ' ORDER BY key) FROM pg_catalog.jsonb_object_keys(base) AS key) || '.';
        END IF;
        IF pg_catalog.jsonb_typeof(base -> k) = 'object' THEN
            result := pg_catalog.jsonb_set(result, ARRAY[k], tape.merge_config(base -> k, v, here));
        ELSIF pg_catalog.jsonb_typeof(v) <> pg_catalog.jsonb_typeof(base -> k) THEN
            RAISE EXCEPTION 'configuration key "%" must be a %, not %', here,
                pg_catalog.jsonb_typeof(base -> k), pg_catalog.jsonb_typeof(v)
                USING ERRCODE = 'invalid_parameter_value';
        ELSE
            result := pg_catalog.jsonb_set(result, ARRAY[k], v);
        END IF;
    END LOOP;
    RETURN result;
END
$$;

COMMENT ON FUNCTION tape.merge_config(jsonb, jsonb, text) IS 'deep-merge override into base, refusing keys base does not have and values of another JSON type';

CREATE FUNCTION tape.detector_config(section text, config jsonb DEFAULT NULL)
RETURNS jsonb
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN tape.merge_config(tape.default_config() -> section,
                         CASE WHEN config ? section THEN config -> section ELSE config END,
                         section);

COMMENT ON FUNCTION tape.detector_config(text, jsonb) IS 'the effective configuration of one detector section (intraday or daily): the defaults with config merged in; config may be the whole document or just the section';

CREATE TYPE tape.intraday_event AS (
    ticker text,
    ts timestamptz,
    trading_day date,
    event_type text,
    direction text,
    session text,
    score double precision,
    close double precision,
    volume double precision,
    dollar_volume double precision,
    spike_x double precision,
    pct_change double precision,
    level double precision,
    vwap double precision,
    vwap_distance_pct double precision,
    consecutive_bars integer
);

COMMENT ON TYPE tape.intraday_event IS 'an event found by tape.detect_intraday() on 1-minute bars';

CREATE TYPE tape.daily_event AS (
    ticker text,
    trading_day date,
    event_type text,
    direction text,
    close double precision,
    volume double precision,
    dollar_volume double precision,
    gap_pct double precision,
    change_pct double precision,
    rvol double precision,
    atr_pct double precision,
    window_before integer,
    window_after integer,
    window_start date,
    window_end date
);

COMMENT ON TYPE tape.daily_event IS 'an event found by tape.detect_daily() on day bars, with its capture window in trading days';

CREATE FUNCTION tape.detect_intraday_internal(bars_query text, config jsonb, judge_from date)
RETURNS SETOF tape.intraday_event
AS 'MODULE_PATHNAME', 'tape_detect_intraday'
LANGUAGE C VOLATILE PARALLEL UNSAFE;

COMMENT ON FUNCTION tape.detect_intraday_internal(text, jsonb, date) IS 'the C detector behind tape.detect_intraday(); takes a complete, merged configuration';

CREATE FUNCTION tape.detect_intraday(bars_query text, config jsonb DEFAULT NULL, judge_from date DEFAULT NULL)
RETURNS SETOF tape.intraday_event
LANGUAGE sql VOLATILE PARALLEL UNSAFE
AS $$ SELECT * FROM tape.detect_intraday_internal(bars_query, tape.detector_config('intraday', config), judge_from) $$;

COMMENT ON FUNCTION tape.detect_intraday(text, jsonb, date) IS 'the seven intraday detectors (volume_spike, vwap_break, price_momentum, consolidation_break, opening_range_break, tape_speed, flush) over the 1-minute bars bars_query returns, streaming one ticker-day at a time; days before judge_from only warm the baselines (no events, not counted in the closing NOTICE)';

CREATE FUNCTION tape.detector_history_gaps(reset boolean DEFAULT false)
RETURNS TABLE (detector text, days_judged bigint, days_without_history bigint, tickers bigint)
AS 'MODULE_PATHNAME', 'tape_detector_history_gaps'
LANGUAGE C VOLATILE PARALLEL RESTRICTED;

COMMENT ON FUNCTION tape.detector_history_gaps(boolean) IS 'per detector (intraday, daily): the days it judged in this session, those it could not fully judge for lack of history (no volume baseline; no RVOL) and the tickers they belong to, added up over every run since the last reset (reset => true sets them back to zero once read)';

CREATE FUNCTION tape.detect_daily_internal(bars_query text, config jsonb, judge_from date)
RETURNS SETOF tape.daily_event
AS 'MODULE_PATHNAME', 'tape_detect_daily'
LANGUAGE C VOLATILE PARALLEL UNSAFE;

COMMENT ON FUNCTION tape.detect_daily_internal(text, jsonb, date) IS 'the C detector behind tape.detect_daily(); takes a complete, merged configuration';

CREATE FUNCTION tape.detect_daily(bars_query text, config jsonb DEFAULT NULL, judge_from date DEFAULT NULL)
RETURNS SETOF tape.daily_event
LANGUAGE sql VOLATILE PARALLEL UNSAFE
AS $$ SELECT * FROM tape.detect_daily_internal(bars_query, tape.detector_config('daily', config), judge_from) $$;

COMMENT ON FUNCTION tape.detect_daily(text, jsonb, date) IS 'Stage-1 and the daily events E1-E11 over the day bars bars_query returns, each with its capture window; days before judge_from only warm the history (no events, not counted in the closing NOTICE)';

-- The same detectors as aggregates over the bars of one ticker: used with GROUP BY ticker,
-- they run where the ticker's rows are (on the workers of a table distributed by ticker).
-- STABLE: they read the calendar; no combine function (a sweep is sequential in time).
CREATE FUNCTION tape.intraday_events_step(internal, anyelement)
RETURNS internal
AS 'MODULE_PATHNAME', 'tape_intraday_events_step'
LANGUAGE C STABLE PARALLEL SAFE;

CREATE FUNCTION tape.intraday_events_step(internal, anyelement, jsonb)
RETURNS internal
AS 'MODULE_PATHNAME', 'tape_intraday_events_step'
LANGUAGE C STABLE PARALLEL SAFE;

CREATE FUNCTION tape.intraday_events_final(internal)
RETURNS tape.intraday_event[]
AS 'MODULE_PATHNAME', 'tape_intraday_events_final'
LANGUAGE C STABLE PARALLEL SAFE;

CREATE AGGREGATE tape.intraday_events(bars anyelement) (
    SFUNC = tape.intraday_events_step,
    STYPE = internal,
    FINALFUNC = tape.intraday_events_final,
    FINALFUNC_MODIFY = READ_WRITE,
    PARALLEL = SAFE
);

CREATE AGGREGATE tape.intraday_events(bars anyelement, config jsonb) (
    SFUNC = tape.intraday_events_step,
    STYPE = internal,
    FINALFUNC = tape.intraday_events_final,
    FINALFUNC_MODIFY = READ_WRITE,
    PARALLEL = SAFE
);

COMMENT ON FUNCTION tape.intraday_events_step(internal, anyelement) IS 'the transition of tape.intraday_events(): one bar of the ticker';
COMMENT ON FUNCTION tape.intraday_events_step(internal, anyelement, jsonb) IS 'the transition of tape.intraday_events(bars, config): one bar of the ticker';
COMMENT ON FUNCTION tape.intraday_events_final(internal) IS 'the final function of tape.intraday_events(): the events of the ticker''s last day, then all of them';
COMMENT ON AGGREGATE tape.intraday_events(anyelement) IS 'the intraday events of one ticker''s 1-minute bars: tape.intraday_events(b ORDER BY ts) ... FROM bars b GROUP BY ticker; the same events as tape.detect_intraday()';
COMMENT ON AGGREGATE tape.intraday_events(anyelement, jsonb) IS 'the intraday events of one ticker''s 1-minute bars, with a configuration override: tape.intraday_events(b, config ORDER BY ts) ... GROUP BY ticker';

CREATE FUNCTION tape.daily_events_step(internal, anyelement)
RETURNS internal
AS 'MODULE_PATHNAME', 'tape_daily_events_step'
LANGUAGE C STABLE PARALLEL SAFE;

CREATE FUNCTION tape.daily_events_step(internal, anyelement, jsonb)
RETURNS internal
AS 'MODULE_PATHNAME', 'tape_daily_events_step'
LANGUAGE C STABLE PARALLEL SAFE;

CREATE FUNCTION tape.daily_events_final(internal)
RETURNS tape.daily_event[]
AS 'MODULE_PATHNAME', 'tape_daily_events_final'
LANGUAGE C STABLE PARALLEL SAFE;

CREATE AGGREGATE tape.daily_events(bars anyelement) (
    SFUNC = tape.daily_events_step,
    STYPE = internal,
    FINALFUNC = tape.daily_events_final,
    FINALFUNC_MODIFY = READ_WRITE,
    PARALLEL = SAFE
);

CREATE AGGREGATE tape.daily_events(bars anyelement, config jsonb) (
    SFUNC = tape.daily_events_step,
    STYPE = internal,
    FINALFUNC = tape.daily_events_final,
    FINALFUNC_MODIFY = READ_WRITE,
    PARALLEL = SAFE
);

COMMENT ON FUNCTION tape.daily_events_step(internal, anyelement) IS 'the transition of tape.daily_events(): one day bar of the ticker';
COMMENT ON FUNCTION tape.daily_events_step(internal, anyelement, jsonb) IS 'the transition of tape.daily_events(bars, config): one day bar of the ticker';
COMMENT ON FUNCTION tape.daily_events_final(internal) IS 'the final function of tape.daily_events(): the events of the ticker';
COMMENT ON AGGREGATE tape.daily_events(anyelement) IS 'Stage-1 and E1-E11 of one ticker''s day bars: tape.daily_events(b ORDER BY day) ... FROM bars b GROUP BY ticker; the same events as tape.detect_daily()';
COMMENT ON AGGREGATE tape.daily_events(anyelement, jsonb) IS 'Stage-1 and E1-E11 of one ticker''s day bars, with a configuration override: tape.daily_events(b, config ORDER BY day) ... GROUP BY ticker';
