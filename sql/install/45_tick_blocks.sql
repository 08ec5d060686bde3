
-- tick blocks: one window of one ticker's trades or quotes, compressed column by column (src/store/)

CREATE TYPE tape.tick_block;

CREATE FUNCTION tape.tick_block_in(cstring) RETURNS tape.tick_block
AS 'MODULE_PATHNAME', 'tape_tick_block_in'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION tape.tick_block_in(cstring) IS 'input function of tape.tick_block: its text form "(kind TICKER n rows)\x<hex>", the label optional, header and CRC checked';

CREATE FUNCTION tape.tick_block_out(tape.tick_block) RETURNS cstring
AS 'MODULE_PATHNAME', 'tape_tick_block_out'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION tape.tick_block_out(tape.tick_block) IS 'output function of tape.tick_block: a label saying what the block is, then its bytes in hex';

CREATE FUNCTION tape.tick_block_recv(internal) RETURNS tape.tick_block
AS 'MODULE_PATHNAME', 'tape_tick_block_recv'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION tape.tick_block_recv(internal) IS 'binary input function of tape.tick_block: its bytes, header and CRC checked';

CREATE FUNCTION tape.tick_block_send(tape.tick_block) RETURNS bytea
AS 'MODULE_PATHNAME', 'tape_tick_block_send'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION tape.tick_block_send(tape.tick_block) IS 'binary output function of tape.tick_block: its bytes';

-- blocks are zstd already: columns of this type move large ones out of line
-- without trying to compress them again (STORAGE external)
CREATE TYPE tape.tick_block (
    INPUT = tape.tick_block_in,
    OUTPUT = tape.tick_block_out,
    RECEIVE = tape.tick_block_recv,
    SEND = tape.tick_block_send,
    INTERNALLENGTH = VARIABLE,
    STORAGE = external
);

COMMENT ON TYPE tape.tick_block IS 'one window of one ticker''s trades or quotes, every column kept, compressed column by column (delta, scaled-integer, dictionary codings, then zstd); see tape.block_info, tape.trades_of, tape.quotes_of';

CREATE FUNCTION tape.tick_block(bytea) RETURNS tape.tick_block
AS 'MODULE_PATHNAME', 'tape_tick_block_from_bytea'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION tape.tick_block(bytea) IS 'the bytes of a tick block as one, checked (header and CRC)';

CREATE CAST (bytea AS tape.tick_block) WITH FUNCTION tape.tick_block(bytea);
CREATE CAST (tape.tick_block AS bytea) WITHOUT FUNCTION;

-- packing: ordered aggregates over whole rows of polygon.trades / polygon.quotes

CREATE FUNCTION tape.pack_trades_accum(internal, record) RETURNS internal
AS 'MODULE_PATHNAME', 'tape_pack_trades_accum'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

COMMENT ON FUNCTION tape.pack_trades_accum(internal, record) IS 'transition function of tape.pack_trades';

CREATE FUNCTION tape.pack_trades_final(internal) RETURNS tape.tick_block
AS 'MODULE_PATHNAME', 'tape_pack_trades_final'
LANGUAGE C STABLE PARALLEL SAFE;

COMMENT ON FUNCTION tape.pack_trades_final(internal) IS 'final function of tape.pack_trades (zstd level from tape.block_compression_level)';

CREATE AGGREGATE tape.pack_trades(record) (
    SFUNC = tape.pack_trades_accum,
    STYPE = internal,
    FINALFUNC = tape.pack_trades_final,
    PARALLEL = SAFE
);

COMMENT ON AGGREGATE tape.pack_trades(record) IS 'a block of one ticker''s trades: tape.pack_trades(t ORDER BY t.sip_timestamp) over rows with the columns of polygon.trades (ts may be absent); rows out of order or of several tickers are an error; no rows give a block of no rows';

CREATE FUNCTION tape.pack_quotes_accum(internal, record) RETURNS internal
AS 'MODULE_PATHNAME', 'tape_pack_quotes_accum'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

COMMENT ON FUNCTION tape.pack_quotes_accum(internal, record) IS 'transition function of tape.pack_quotes(record)';

CREATE FUNCTION tape.pack_quotes_accum(internal, record, integer) RETURNS internal
AS 'MODULE_PATHNAME', 'tape_pack_quotes_accum'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

COMMENT ON FUNCTION tape.pack_quotes_accum(internal, record, integer) IS 'transition function of tape.pack_quotes(record, integer)';

CREATE FUNCTION tape.pack_quotes_final(internal) RETURNS tape.tick_block
AS 'MODULE_PATHNAME', 'tape_pack_quotes_final'
LANGUAGE C STABLE PARALLEL SAFE;

COMMENT ON FUNCTION tape.pack_quotes_final(internal) IS 'final function of tape.pack_quotes (zstd level from tape.block_compression_level)';

CREATE AGGREGATE tape.pack_quotes(record) (
    SFUNC = tape.pack_quotes_accum,
    STYPE = internal,
    FINALFUNC = tape.pack_quotes_final,
    PARALLEL = SAFE
);

COMMENT ON AGGREGATE tape.pack_quotes(record) IS 'a block of one ticker''s quotes, every update: tape.pack_quotes(q ORDER BY q.sip_timestamp) over rows with the columns of polygon.quotes';

CREATE AGGREGATE tape.pack_quotes(record, max_per_second integer) (
    SFUNC = tape.pack_quotes_accum,
    STYPE = internal,
    FINALFUNC = tape.pack_quotes_final,
    PARALLEL = SAFE
);

COMMENT ON AGGREGATE tape.pack_quotes(record, integer) IS 'a block of one ticker''s quotes down-sampled to at most max_per_second a second: a quote is kept when it changes the NBBO (bid/ask price and size), no later quote of its interval (1/max_per_second of a second) changes it again, and it differs from the last kept; 0 or NULL keeps every update';

-- reading blocks

CREATE FUNCTION tape.trades_of(block tape.tick_block)
RETURNS TABLE (
    ticker text,
    ts timestamptz,
    sip_timestamp bigint,
    participant_timestamp bigint,
    trf_timestamp bigint,
    price double precision,
    size double precision,
    exchange integer,
    trf_id integer,
    tape integer,
    conditions integer[],
    correction integer,
    id text,
    sequence_number bigint)
AS 'MODULE_PATHNAME', 'tape_trades_of'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE ROWS 5000;

COMMENT ON FUNCTION tape.trades_of(tape.tick_block) IS 'the trades of a block, every column as polygon.trades has it, in sip_timestamp order';

CREATE FUNCTION tape.quotes_of(block tape.tick_block)
RETURNS TABLE (
    ticker text,
    ts timestamptz,
    sip_timestamp bigint,
    participant_timestamp bigint,
    trf_timestamp bigint,
    bid_price double precision,
    bid_size double precision,
    bid_exchange integer,
    ask_price double precision,
    ask_size double precision,
    ask_exchange integer,
    conditions integer[],
    indicators integer[],
    sequence_number bigint,
    tape integer)
AS 'MODULE_PATHNAME', 'tape_quotes_of'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE ROWS 5000;

COMMENT ON FUNCTION tape.quotes_of(tape.tick_block) IS 'the quotes of a block, every column as polygon.quotes has it, in sip_timestamp order';

CREATE FUNCTION tape.block_info(block tape.tick_block,
    OUT kind text, OUT ticker text, OUT rows bigint,
    OUT first_ts timestamptz, OUT last_ts timestamptz,
    OUT first_sip_timestamp bigint, OUT last_sip_timestamp bigint,
    OUT bytes bigint, OUT uncompressed_bytes bigint, OUT bytes_per_row double precision,
    OUT source_rows bigint, OUT max_per_second integer,
    OUT compression text, OUT format_version integer)
RETURNS record
AS 'MODULE_PATHNAME', 'tape_block_info'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION tape.block_info(tape.tick_block) IS 'what a block is, from its header alone: kind, ticker, rows, time span, bytes (and before compression), rows it was packed from, quotes kept per second';

CREATE FUNCTION tape.block_columns(block tape.tick_block)
RETURNS TABLE (column_name text, encoding text, nulls bigint, bytes bigint, compressed_bytes bigint)
AS 'MODULE_PATHNAME', 'tape_block_columns'
LANGUAGE C STABLE STRICT PARALLEL SAFE ROWS 15;

COMMENT ON FUNCTION tape.block_columns(tape.tick_block) IS 'how each column of a block is written: its encoding, NULLs, bytes before compression, and bytes of the column compressed on its own at tape.block_compression_level (about what it takes in the block)';
