
-- live: today's market over the feed's WebSocket (src/live/), events as bars close
--
-- Plumbing lives in schema tape_internal, which PUBLIC cannot use: the worker and
-- tape.live_start call it, a user never does.

CREATE SCHEMA IF NOT EXISTS tape_internal;

COMMENT ON SCHEMA tape_internal IS 'tape''s plumbing: helpers of its procedures and workers, not for users';

REVOKE ALL ON SCHEMA tape_internal FROM PUBLIC;

-- what tape.live_start asked for: the worker reads it when it starts and again after a crash

CREATE TABLE tape_internal.live_settings (
    only_row boolean PRIMARY KEY DEFAULT true CHECK (only_row),
    server oid NOT NULL,
    channels text NOT NULL,
    config jsonb NOT NULL,
    callback regprocedure,
    role oid NOT NULL,
    generation bigint NOT NULL,
    started_at timestamptz NOT NULL DEFAULT now()
);

COMMENT ON TABLE tape_internal.live_settings IS 'the live feed asked for by tape.live_start: server, channels, merged intraday configuration, callback, the role the worker runs as';

-- today's trades and quotes as they arrive

CREATE TABLE tape.live_trades (
    ticker text NOT NULL,
    sip_timestamp bigint NOT NULL,
    price double precision,
    size double precision,
    exchange integer,
    conditions integer[],
    trade_id text,
    sequence_number bigint,
    tape integer
);

CREATE INDEX live_trades_ticker_idx ON tape.live_trades (ticker, sip_timestamp);

COMMENT ON TABLE tape.live_trades IS 'trades of the subscribed tickers from the live feed (T channel), as they arrived; sip_timestamp in nanoseconds (the feed sends milliseconds)';

CREATE TABLE tape.live_quotes (
    ticker text NOT NULL,
    sip_timestamp bigint NOT NULL,
    bid_price double precision,
    bid_size double precision,
    bid_exchange integer,
    ask_price double precision,
    ask_size double precision,
    ask_exchange integer,
    conditions integer[],
    sequence_number bigint,
    tape integer
);

CREATE INDEX live_quotes_ticker_idx ON tape.live_quotes (ticker, sip_timestamp);

COMMENT ON TABLE tape.live_quotes IS 'quotes of the subscribed tickers from the live feed (Q channel), as they arrived; sip_timestamp in nanoseconds';

-- events found as bars closed

CREATE TABLE tape.events_live (
    LIKE tape.intraday_event,
    detected_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    PRIMARY KEY (ticker, ts, event_type, direction)
);

CREATE INDEX events_live_day_idx ON tape.events_live (trading_day, ticker);

COMMENT ON TABLE tape.events_live IS 'intraday events found by the live feed as each minute bar closed (columns of tape.intraday_event); the events tape.detect_intraday finds over the same bars with the same configuration';

SELECT pg_catalog.pg_extension_config_dump('tape.events_live', '');
SELECT pg_catalog.pg_extension_config_dump('tape.live_trades', '');
SELECT pg_catalog.pg_extension_config_dump('tape.live_quotes', '');

-- the one place live minute bars are written to the store

CREATE FUNCTION tape_internal.live_store_bars(tickers text[], ts timestamptz[], open double precision[],
                                              high double precision[], low double precision[],
                                              close double precision[], volume double precision[],
                                              vwap double precision[]) RETURNS bigint
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
AS $$
DECLARE
  n bigint;
BEGIN
  -- a bar sent again (a replay, a gap filled twice) replaces the one stored
  -- (the arguments by position: their names are the table's columns)
  DELETE FROM tape.bars_1m b
   USING unnest($1, $2) AS u(ticker, ts)
   WHERE b.ticker = u.ticker AND b.ts = u.ts;
  INSERT INTO tape.bars_1m (ticker, ts, open, high, low, close, volume, vwap, transactions, adjusted)
  SELECT u.*, NULL, true
    FROM unnest($1, $2, $3, $4, $5, $6, $7, $8) AS u;
  GET DIAGNOSTICS n = ROW_COUNT;
  RETURN n;
END
$$;

COMMENT ON FUNCTION tape_internal.live_store_bars(text[], timestamptz[], double precision[], double precision[], double precision[], double precision[], double precision[], double precision[]) IS 'store minute bars of the live feed in tape.bars_1m (a bar stored already is replaced); the rows of a day the refresh has not settled, replaced by its settled rows later';

-- the REST gap fill: the minutes missed while disconnected (or down), through the refreshes' foreign table

CREATE FUNCTION tape_internal.live_fill_gap(day_start timestamptz, until timestamptz)
RETURNS TABLE (ticker text, bars bigint)
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
AS $$
DECLARE
  -- every subscribed ticker's bar of a minute arrives as the minute closes: the newest
  -- stored minute of the day is where the feed was when it was lost
  from_ts timestamptz := (SELECT max(b.ts) + interval '1 minute' FROM tape.bars_1m b
                           WHERE b.ts >= day_start AND b.ts < until);
  tickers text[] := ARRAY(SELECT DISTINCT b.ticker FROM tape.bars_1m b
                           WHERE b.ts >= day_start AND b.ts < until ORDER BY 1);
  g_ticker text[];
  g_ts timestamptz[];
  g_open double precision[];
  g_high double precision[];
  g_low double precision[];
  g_close double precision[];
  g_volume double precision[];
  g_vwap double precision[];
BEGIN
  IF from_ts IS NULL OR from_ts >= until THEN
    RETURN;
  END IF;
  EXECUTE format($q$
    SELECT array_agg(ticker), array_agg(ts), array_agg(open), array_agg(high), array_agg(low),
           array_agg(close), array_agg(volume), array_agg(vwap)
      FROM %s
     WHERE ticker = ANY ($1) AND timespan = 'minute' AND multiplier = 1 AND adjusted
       AND ts >= $2 AND ts < $3$q$, tape.foreign_table('bars'))
    INTO g_ticker, g_ts, g_open, g_high, g_low, g_close, g_volume, g_vwap
    USING tickers, from_ts, until;
  IF g_ticker IS NULL THEN
    RETURN;
  END IF;
  PERFORM tape_internal.live_store_bars(g_ticker, g_ts, g_open, g_high, g_low, g_close, g_volume, g_vwap);
  RETURN QUERY SELECT u.t, count(*) FROM unnest(g_ticker) AS u(t) GROUP BY u.t ORDER BY u.t;
END
$$;

COMMENT ON FUNCTION tape_internal.live_fill_gap(timestamptz, timestamptz) IS 'fetch the minute bars missed before until (from the newest stored minute of the day on, for the tickers stored that day) from the REST API (the foreign table bars of the refreshes) into the store; returns the bars each ticker got';

-- the trades and quotes of one flush

CREATE FUNCTION tape_internal.live_store_trades(tickers text[], sip_timestamps bigint[], prices double precision[],
                                                sizes double precision[], exchanges integer[],
                                                conditions text[], trade_ids text[],
                                                sequence_numbers bigint[], tapes integer[]) RETURNS void
LANGUAGE sql VOLATILE PARALLEL UNSAFE
AS $$
  INSERT INTO tape.live_trades
  SELECT u.ticker, u.t, u.p, u.s, u.x, u.c::integer[], u.i, u.q, u.z
    FROM unnest(tickers, sip_timestamps, prices, sizes, exchanges, conditions, trade_ids,
                sequence_numbers, tapes) AS u(ticker, t, p, s, x, c, i, q, z)
$$;

COMMENT ON FUNCTION tape_internal.live_store_trades(text[], bigint[], double precision[], double precision[], integer[], text[], text[], bigint[], integer[]) IS 'append trades of the live feed to tape.live_trades (conditions as integer-array literals)';

CREATE FUNCTION tape_internal.live_store_quotes(tickers text[], sip_timestamps bigint[],
                                                bid_prices double precision[], bid_sizes double precision[],
                                                bid_exchanges integer[], ask_prices double precision[],
                                                ask_sizes double precision[], ask_exchanges integer[],
                                                conditions text[], sequence_numbers bigint[],
                                                tapes integer[]) RETURNS void
LANGUAGE sql VOLATILE PARALLEL UNSAFE
AS $$
  INSERT INTO tape.live_quotes
  SELECT u.ticker, u.t, u.bp, u.bs, u.bx, u.ap, u."as", u.ax, u.c::integer[], u.q, u.z
    FROM unnest(tickers, sip_timestamps, bid_prices, bid_sizes, bid_exchanges, ask_prices, ask_sizes,
                ask_exchanges, conditions, sequence_numbers, tapes)
         AS u(ticker, t, bp, bs, bx, ap, "as", ax, c, q, z)
$$;

COMMENT ON FUNCTION tape_internal.live_store_quotes(text[], bigint[], double precision[], double precision[], integer[], double precision[], double precision[], integer[], text[], bigint[], integer[]) IS 'append quotes of the live feed to tape.live_quotes';

-- events out: the table, NOTIFY tape_events, the user's callback

CREATE FUNCTION tape_internal.live_publish(events tape.intraday_event[], callback regprocedure)
RETURNS integer
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
AS $$
DECLARE
  e tape.events_live;
  n integer := 0;
BEGIN
  FOR e IN
    INSERT INTO tape.events_live
    SELECT x.* FROM unnest(events) x
    ON CONFLICT DO NOTHING
    RETURNING *
  LOOP
    n := n + 1;
    PERFORM pg_catalog.pg_notify('tape_events', pg_catalog.json_build_object(
      'ticker', e.ticker, 'ts', e.ts, 'trading_day', e.trading_day, 'type', e.event_type,
      'direction', e.direction, 'session', e.session, 'score', e.score, 'price', e.close,
      'volume', e.volume, 'dollar_volume', e.dollar_volume, 'spike_x', e.spike_x,
      'pct_change', e.pct_change, 'level', e.level, 'vwap', e.vwap,
      'vwap_distance_pct', e.vwap_distance_pct, 'consecutive_bars', e.consecutive_bars,
      'detected_at', e.detected_at)::text);
    IF callback IS NOT NULL THEN
      BEGIN
        EXECUTE format('CALL %s($1)', callback::regproc) USING e;
      EXCEPTION WHEN OTHERS THEN
        RAISE WARNING 'live event callback % failed: %', callback, SQLERRM
          USING DETAIL = format('The event %s %s %s at %s is stored and notified.', e.ticker, e.event_type, e.direction, e.ts);
      END;
    END IF;
  END LOOP;
  RETURN n;
END
$$;

COMMENT ON FUNCTION tape_internal.live_publish(tape.intraday_event[], regprocedure) IS 'store new live events in tape.events_live, NOTIFY tape_events with each as JSON, and CALL the callback with each; events stored already are skipped';

-- a ticker whose bars were judged again (a late bar, a gap filled): the events no longer found go

CREATE FUNCTION tape_internal.live_retract(ticker text, day date, kept tape.intraday_event[]) RETURNS integer
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
AS $$
DECLARE
  n integer;
BEGIN
  DELETE FROM tape.events_live l
   WHERE l.ticker = live_retract.ticker AND l.trading_day = live_retract.day
     AND (l.ts, l.event_type, l.direction) NOT IN (SELECT k.ts, k.event_type, k.direction FROM unnest(kept) k);
  GET DIAGNOSTICS n = ROW_COUNT;
  RETURN n;
END
$$;

COMMENT ON FUNCTION tape_internal.live_retract(text, date, tape.intraday_event[]) IS 'after a ticker''s day was judged again from the store, delete its live events of that day that are no longer found';

-- the worker's shared-memory state

CREATE FUNCTION tape_internal.live_status(
    OUT state text, OUT pid integer, OUT server text, OUT channels text, OUT subscribed text,
    OUT role text, OUT started_at timestamptz, OUT connected_at timestamptz,
    OUT last_message_at timestamptz, OUT lag interval, OUT messages bigint, OUT bytes bigint,
    OUT bars bigint, OUT trades bigint, OUT quotes bigint, OUT events bigint,
    OUT malformed bigint, OUT oversized bigint, OUT late_bars bigint, OUT reconnects bigint,
    OUT gap_bars bigint, OUT tickers integer, OUT trading_day date, OUT warmed_from date,
    OUT queue_bytes bigint, OUT max_queue_bytes bigint, OUT memory_bytes bigint,
    OUT last_error text, OUT last_error_at timestamptz)
RETURNS record
AS 'MODULE_PATHNAME', 'tape_live_status'
LANGUAGE C VOLATILE PARALLEL RESTRICTED;

COMMENT ON FUNCTION tape_internal.live_status() IS 'the live worker''s state from shared memory (behind the view tape.live_status)';

CREATE VIEW tape.live_status AS
  SELECT s.*, ls.config
    FROM tape_internal.live_status() s
    LEFT JOIN tape_internal.live_settings ls ON true;

COMMENT ON VIEW tape.live_status IS 'the live feed: connection state, subscriptions, messages and bytes received, bars, trades, quotes and events, lag, memory, the last error (never the API key), and the intraday configuration its detectors run';

-- the user's controls

CREATE FUNCTION tape.live_start(server name, channels text DEFAULT 'AM.*', config jsonb DEFAULT NULL,
                                callback regprocedure DEFAULT NULL) RETURNS integer
AS 'MODULE_PATHNAME', 'tape_live_start'
LANGUAGE C VOLATILE PARALLEL UNSAFE;

COMMENT ON FUNCTION tape.live_start(name, text, jsonb, regprocedure) IS 'start the live worker: it connects to the server''s stream_url with the calling role''s API key, subscribes to channels (AM.*, T.ACME, ...), stores bars, trades and quotes, and detects intraday events as each bar closes (config merged over the defaults; the look-ahead steps off); returns its pid';

CREATE FUNCTION tape.live_stop() RETURNS boolean
AS 'MODULE_PATHNAME', 'tape_live_stop'
LANGUAGE C VOLATILE STRICT PARALLEL UNSAFE;

COMMENT ON FUNCTION tape.live_stop() IS 'stop the live worker (within a second) and forget its settings; false if none was running';

-- the worker runs as the caller, with a connection of its own: only roles granted these start it
REVOKE EXECUTE ON FUNCTION tape.live_start(name, text, jsonb, regprocedure) FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION tape.live_stop() FROM PUBLIC;
REVOKE EXECUTE ON ALL FUNCTIONS IN SCHEMA tape_internal FROM PUBLIC;
-- the view checks its function against whoever reads it: the state is no secret
GRANT EXECUTE ON FUNCTION tape_internal.live_status() TO PUBLIC;
