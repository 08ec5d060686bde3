
-- research on captured ticks: configuration, bars from trades, features of an event window,
-- triple-barrier labels and their sample weights, plots (src/features/, docs/features.md)

CREATE FUNCTION tape.default_research_config() RETURNS jsonb
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN $json$
{
  "trades": {
    "exclude_from_price": [2, 5, 7, 10, 13, 15, 16, 20, 21, 22, 29, 32, 33, 52, 53],
    "exclude_from_volume": [15, 16, 38]
  },
  "bars": {
    "imbalance": {
      "expected_ticks_span": 20,
      "imbalance_span": 200,
      "min_threshold_x": 0.1,
      "max_threshold_x": 10
    }
  },
  "features": {
    "window": {"before_seconds": 180, "after_seconds": 420},
    "aggressor": {"quote_lag_ms": 0},
    "block_prints": {"min_shares": 10000, "min_dollars": 200000},
    "realized_vol": {"sample_seconds": 10},
    "silence": {"min_seconds": 60}
  },
  "labels": {
    "profit_take": 2.0,
    "stop_loss": 2.0,
    "vertical_seconds": 1800,
    "bar_seconds": 60,
    "volatility_span_bars": 100,
    "volatility_min_returns": 20,
    "touch": "high_low",
    "time_label": "zero"
  },
  "plot": {
    "width": 900,
    "height": 420,
    "bucket_seconds": 10,
    "text_width": 72,
    "text_height": 16
  }
}
$json$::jsonb;

COMMENT ON FUNCTION tape.default_research_config() IS 'every parameter of the research functions (bars from trades, window features, triple-barrier labels, plots), with its default; pass a partial copy to override';

CREATE FUNCTION tape.research_config(config jsonb DEFAULT NULL)
RETURNS jsonb
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN tape.merge_config(tape.default_research_config(), config);

COMMENT ON FUNCTION tape.research_config(jsonb) IS 'the effective research configuration: the defaults with config merged in (unknown keys and values of another JSON type are refused, with their path)';

-- bars from trades

CREATE TYPE tape.tick_bar AS (
    ticker text,
    ts timestamptz,
    last_ts timestamptz,
    open double precision,
    high double precision,
    low double precision,
    close double precision,
    volume double precision,
    dollar_volume double precision,
    vwap double precision,
    trades bigint,
    buy_volume double precision,
    sell_volume double precision,
    imbalance double precision,
    threshold double precision,
    complete boolean
);

COMMENT ON TYPE tape.tick_bar IS 'a bar built from trades by tape.bars_from_trades()';

CREATE FUNCTION tape.bars_from_trades_internal(block tape.tick_block, kind text, size double precision, config jsonb)
RETURNS SETOF tape.tick_bar
AS 'MODULE_PATHNAME', 'tape_bars_from_trades'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE ROWS 100;

COMMENT ON FUNCTION tape.bars_from_trades_internal(tape.tick_block, text, double precision, jsonb) IS 'the C function behind tape.bars_from_trades(block, ...); takes a complete, merged configuration';

CREATE FUNCTION tape.bars_from_trades(block tape.tick_block, kind text, size double precision, config jsonb DEFAULT NULL)
RETURNS SETOF tape.tick_bar
LANGUAGE sql IMMUTABLE PARALLEL SAFE ROWS 100
AS $$ SELECT * FROM tape.bars_from_trades_internal(block, kind, size, tape.research_config(config)) $$;

COMMENT ON FUNCTION tape.bars_from_trades(tape.tick_block, text, double precision, jsonb) IS 'the bars of a block of trades: kind time (size in seconds), tick (trades), volume (shares), dollar (dollars), or tick_imbalance, volume_imbalance, dollar_imbalance (size = the first bar''s imbalance threshold); the last bar has complete = false';

CREATE FUNCTION tape.bars_from_trades_internal(trades_query text, kind text, size double precision, config jsonb)
RETURNS SETOF tape.tick_bar
AS 'MODULE_PATHNAME', 'tape_bars_from_trades_query'
LANGUAGE C VOLATILE STRICT PARALLEL UNSAFE ROWS 1000;

COMMENT ON FUNCTION tape.bars_from_trades_internal(text, text, double precision, jsonb) IS 'the C function behind tape.bars_from_trades(trades_query, ...); takes a complete, merged configuration';

CREATE FUNCTION tape.bars_from_trades(trades_query text, kind text, size double precision, config jsonb DEFAULT NULL)
RETURNS SETOF tape.tick_bar
LANGUAGE sql VOLATILE PARALLEL UNSAFE ROWS 1000
AS $$ SELECT * FROM tape.bars_from_trades_internal(trades_query, kind, size, tape.research_config(config)) $$;

COMMENT ON FUNCTION tape.bars_from_trades(text, text, double precision, jsonb) IS 'the bars of the trades a query returns (columns ticker, sip_timestamp or ts, price, size; conditions and sequence_number optional), one ticker after another, streaming';

-- features of an event window

CREATE TYPE tape.window_feature_values AS (
    trades bigint,
    volume double precision,
    quotes bigint,
    spread_mean_bps double precision,
    spread_p95_bps double precision,
    depth_bid_shares double precision,
    depth_ask_shares double precision,
    depth_bid_dollars double precision,
    depth_ask_dollars double precision,
    tick_imbalance_before double precision,
    tick_imbalance_after double precision,
    quote_imbalance_before double precision,
    quote_imbalance_after double precision,
    trades_per_minute_before double precision,
    trades_per_minute_after double precision,
    trade_rate_x double precision,
    block_prints bigint,
    block_volume_pct double precision,
    arrival_price double precision,
    vwap_after double precision,
    vwap_slippage_bps double precision,
    realized_vol_before double precision,
    realized_vol_after double precision,
    seconds_to_silence double precision,
    silence_seconds double precision,
    covered_before_seconds double precision,
    covered_after_seconds double precision
);

COMMENT ON TYPE tape.window_feature_values IS 'the microstructure features of one event window (tape.window_features()), and how much of the window they cover; tape.window_feature_columns() defines each column';

CREATE FUNCTION tape.window_features_internal(trades tape.tick_block, quotes tape.tick_block,
                                              event_ts timestamptz, config jsonb,
                                              window_start timestamptz, window_end timestamptz)
RETURNS tape.window_feature_values
AS 'MODULE_PATHNAME', 'tape_window_features'
LANGUAGE C STABLE PARALLEL SAFE;

COMMENT ON FUNCTION tape.window_features_internal(tape.tick_block, tape.tick_block, timestamptz, jsonb, timestamptz, timestamptz) IS 'the C function behind tape.window_features(); takes a complete, merged configuration';

CREATE FUNCTION tape.window_features(trades tape.tick_block, quotes tape.tick_block,
                                     event_ts timestamptz, config jsonb DEFAULT NULL,
                                     window_start timestamptz DEFAULT NULL, window_end timestamptz DEFAULT NULL)
RETURNS tape.window_feature_values
LANGUAGE sql STABLE PARALLEL SAFE
AS $$ SELECT tape.window_features_internal(trades, quotes, event_ts, tape.research_config(config), window_start, window_end) $$;

COMMENT ON FUNCTION tape.window_features(tape.tick_block, tape.tick_block, timestamptz, jsonb, timestamptz, timestamptz) IS 'the microstructure features of the window [event_ts - before, event_ts + after) of one ticker''s trades and quotes blocks (either may be NULL), within the captured window [window_start, window_end) the blocks hold every tick of (NULL: from their first tick to their last): spread, depth, aggressor imbalance, trade rate, block prints, VWAP slippage, realised volatility, halt-like silence, and the seconds of each half covered';

CREATE FUNCTION tape.window_feature_columns()
RETURNS TABLE (ordinal integer, name text, family text, unit text, definition text)
AS 'MODULE_PATHNAME', 'tape_window_feature_columns'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE ROWS 27;

COMMENT ON FUNCTION tape.window_feature_columns() IS 'every column of tape.window_feature_values: the family of features that computes it, its unit and its exact definition';

-- triple-barrier labels and sample weights

CREATE TYPE tape.barrier_label AS (
    ticker text,
    ts timestamptz,
    event_id bigint,
    side integer,
    entry_ts timestamptz,
    entry_price double precision,
    volatility double precision,
    profit_take_price double precision,
    stop_loss_price double precision,
    vertical_ts timestamptz,
    touch_ts timestamptz,
    barrier text,
    ret double precision,
    label integer,
    bars integer,
    ambiguous boolean,
    uniqueness double precision,
    return_weight double precision
);

COMMENT ON TYPE tape.barrier_label IS 'the triple-barrier label of an event (tape.triple_barrier()): entry, volatility, barriers, which was touched first, when, the return, and the sample weights of overlapping labels';

CREATE FUNCTION tape.triple_barrier_internal(events_query text, bars_query text, config jsonb)
RETURNS SETOF tape.barrier_label
AS 'MODULE_PATHNAME', 'tape_triple_barrier'
LANGUAGE C VOLATILE STRICT PARALLEL UNSAFE ROWS 1000;

COMMENT ON FUNCTION tape.triple_barrier_internal(text, text, jsonb) IS 'the C function behind tape.triple_barrier(events_query, bars_query); takes a complete, merged configuration';

CREATE FUNCTION tape.triple_barrier(events_query text, bars_query text, config jsonb DEFAULT NULL)
RETURNS SETOF tape.barrier_label
LANGUAGE sql VOLATILE PARALLEL UNSAFE ROWS 1000
AS $$ SELECT * FROM tape.triple_barrier_internal(events_query, bars_query, tape.research_config(config)) $$;

COMMENT ON FUNCTION tape.triple_barrier(text, text, jsonb) IS 'triple-barrier labels of the events a query returns (ticker, ts; side or direction, volatility, event_id optional) from the bars of another (ticker, ts, high, low, close; open optional), streaming one ticker at a time, with each label''s uniqueness and return weight among the overlapping labels of its ticker';

CREATE FUNCTION tape.triple_barrier_ticks_internal(trades tape.tick_block, event_ts timestamptz, volatility double precision,
                                             side integer, window_end timestamptz, config jsonb)
RETURNS tape.barrier_label
AS 'MODULE_PATHNAME', 'tape_triple_barrier_ticks'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

COMMENT ON FUNCTION tape.triple_barrier_ticks_internal(tape.tick_block, timestamptz, double precision, integer, timestamptz, jsonb) IS 'the C function behind tape.triple_barrier_ticks(); takes a complete, merged configuration';

CREATE FUNCTION tape.triple_barrier_ticks(trades tape.tick_block, event_ts timestamptz, volatility double precision,
                                    side integer DEFAULT 1, window_end timestamptz DEFAULT NULL, config jsonb DEFAULT NULL)
RETURNS tape.barrier_label
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$ SELECT tape.triple_barrier_ticks_internal(trades, event_ts, volatility, side, window_end, tape.research_config(config)) $$;

COMMENT ON FUNCTION tape.triple_barrier_ticks(tape.tick_block, timestamptz, double precision, integer, timestamptz, jsonb) IS 'the triple-barrier label of one event from its window''s trades, each trade touching at its own price; window_end is where the block''s trades stop being complete (NULL: its last trade)';

-- plots of an event window

CREATE FUNCTION tape.window_svg_internal(trades tape.tick_block, quotes tape.tick_block, event_ts timestamptz, config jsonb)
RETURNS text
AS 'MODULE_PATHNAME', 'tape_window_svg'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

COMMENT ON FUNCTION tape.window_svg_internal(tape.tick_block, tape.tick_block, timestamptz, jsonb) IS 'the C function behind tape.window_svg(); takes a complete, merged configuration';

CREATE FUNCTION tape.window_svg(trades tape.tick_block, quotes tape.tick_block, event_ts timestamptz, config jsonb DEFAULT NULL)
RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$ SELECT tape.window_svg_internal(trades, quotes, event_ts, tape.research_config(config)) $$;

COMMENT ON FUNCTION tape.window_svg(tape.tick_block, tape.tick_block, timestamptz, jsonb) IS 'an event window as an SVG document: candles of the trades every plot.bucket_seconds, the NBBO band (quotes may be NULL), the VWAP from the window''s start, buy/sell volume by the tick rule, the event marked';

CREATE FUNCTION tape.window_chart_internal(trades tape.tick_block, quotes tape.tick_block, event_ts timestamptz, config jsonb)
RETURNS SETOF text
AS 'MODULE_PATHNAME', 'tape_window_chart'
LANGUAGE C IMMUTABLE PARALLEL SAFE ROWS 20;

COMMENT ON FUNCTION tape.window_chart_internal(tape.tick_block, tape.tick_block, timestamptz, jsonb) IS 'the C function behind tape.window_chart(); takes a complete, merged configuration';

CREATE FUNCTION tape.window_chart(trades tape.tick_block, quotes tape.tick_block, event_ts timestamptz, config jsonb DEFAULT NULL)
RETURNS SETOF text
LANGUAGE sql IMMUTABLE PARALLEL SAFE ROWS 20
AS $$ SELECT * FROM tape.window_chart_internal(trades, quotes, event_ts, tape.research_config(config)) $$;

COMMENT ON FUNCTION tape.window_chart(tape.tick_block, tape.tick_block, timestamptz, jsonb) IS 'an event window as a text chart for psql, one line a row: the price range of each column, the VWAP, the NBBO, the event''s column and a volume sparkline';
