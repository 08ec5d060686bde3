-- Tick blocks: windows of trades and quotes packed by tape.pack_trades /
-- tape.pack_quotes and read back by tape.trades_of / tape.quotes_of, every
-- column exactly as it went in; what a block says of itself; quote
-- down-sampling on a hand-made tape; what a damaged block does.
\i test/regress/setup.sql
\i test/regress/error_of.sql
\i test/regress/fixtures.sql
SELECT regress.make_server('tb');
CREATE SCHEMA tbk;

-- tbk.differences(source, order, block, reader) and the tables of section 13
\i test/regress/round_trip.sql

-- 1. trades from polygon_fdw (the mock's ACME, two hours): the block holds every column of every row
CREATE TABLE tbk.acme_trades AS
SELECT * FROM tb.trades WHERE ticker = 'ACME' AND ts >= '2025-10-02 10:00' AND ts < '2025-10-02 12:00';
CREATE TABLE tbk.blocks AS
SELECT 'acme trades'::text AS name, tape.pack_trades(t ORDER BY t.sip_timestamp, t.sequence_number) AS block
  FROM tb.trades t WHERE ticker = 'ACME' AND ts >= '2025-10-02 10:00' AND ts < '2025-10-02 12:00';
SELECT (tbk.differences('SELECT * FROM tbk.acme_trades', 'sip_timestamp, sequence_number', block)).*
  FROM tbk.blocks WHERE name = 'acme trades';
-- trades_of has the columns of polygon.trades, in order, with their types
SELECT a.attnum, a.attname, format_type(a.atttypid, a.atttypmod) AS type,
       a.attname = o.name AND a.atttypid = o.typid AS same_in_trades_of
  FROM pg_attribute a
  LEFT JOIN (SELECT ordinality, name, typid FROM pg_proc p,
                    unnest(p.proargnames[2:], p.proallargtypes[2:]) WITH ORDINALITY u(name, typid)
              WHERE p.oid = 'tape.trades_of'::regproc) o ON o.ordinality = a.attnum
 WHERE a.attrelid = 'tb.trades'::regclass AND a.attnum > 0 ORDER BY a.attnum;
SELECT kind, ticker, rows, first_ts, last_ts, source_rows, max_per_second, compression, format_version,
       bytes < uncompressed_bytes AS compressed, round(bytes_per_row) AS bytes_per_row
  FROM tbk.blocks, tape.block_info(block) WHERE name = 'acme trades';
-- how each column is written (bytes before zstd)
SELECT column_name, encoding, nulls, bytes FROM tbk.blocks, tape.block_columns(block) WHERE name = 'acme trades';

-- the recorded bodies: every optional field present (AAPL), sizes missing on some trades (AAA)
SELECT (tbk.differences($$SELECT * FROM tb.trades WHERE ticker = 'AAPL' AND ts >= '2022-04-28' AND ts < '2022-04-29'$$,
                        'sip_timestamp, exchange',
                        (SELECT tape.pack_trades(t ORDER BY t.sip_timestamp, t.exchange) FROM tb.trades t
                          WHERE ticker = 'AAPL' AND ts >= '2022-04-28' AND ts < '2022-04-29'))).*;
SELECT r.ts, r.sip_timestamp, r.price, r.size, r.conditions, r.correction, r.trf_id, r.id
  FROM (SELECT tape.pack_trades(t ORDER BY t.sip_timestamp, t.sequence_number) AS b FROM tb.trades t
         WHERE ticker = 'AAA' AND ts >= '2022-04-20' AND ts < '2022-04-21') x, tape.trades_of(x.b) r;

-- 2. quotes from polygon_fdw, and the recorded AAPL quotes (nanoseconds as sent)
CREATE TABLE tbk.acme_quotes AS
SELECT * FROM tb.quotes WHERE ticker = 'ACME' AND ts >= '2025-10-02 10:00' AND ts < '2025-10-02 11:00';
INSERT INTO tbk.blocks
SELECT 'acme quotes', tape.pack_quotes(q ORDER BY q.sip_timestamp, q.sequence_number)
  FROM tb.quotes q WHERE ticker = 'ACME' AND ts >= '2025-10-02 10:00' AND ts < '2025-10-02 11:00';
SELECT (tbk.differences('SELECT * FROM tbk.acme_quotes', 'sip_timestamp, sequence_number', block, 'quotes_of')).*
  FROM tbk.blocks WHERE name = 'acme quotes';
SELECT kind, ticker, rows, source_rows, max_per_second, round(bytes_per_row) AS bytes_per_row
  FROM tbk.blocks, tape.block_info(block) WHERE name = 'acme quotes';
SELECT (tbk.differences($$SELECT * FROM tb.quotes WHERE ticker = 'AAPL' AND ts >= '2022-05-10' AND ts < '2022-05-11'$$,
                        'sip_timestamp, sequence_number',
                        (SELECT tape.pack_quotes(q ORDER BY q.sip_timestamp, q.sequence_number) FROM tb.quotes q
                          WHERE ticker = 'AAPL' AND ts >= '2022-05-10' AND ts < '2022-05-11'), 'quotes_of')).*;

-- 3. an empty window packs into a block of no rows (windows of a manifest joined to their trades)
SELECT w.id, i.kind, i.ticker, i.rows, i.first_ts, i.bytes, (SELECT count(*) FROM tape.trades_of(b)) AS rows_read
  FROM (SELECT w.id, tape.pack_trades(t ORDER BY t.sip_timestamp, t.sequence_number) AS b
          FROM (VALUES (1, '2025-10-02 11:00'::timestamptz, '2025-10-02 11:01'::timestamptz),
                       (2, '2025-10-02 14:00', '2025-10-02 14:05')) w(id, a, z)   -- no trades kept after 12:00
          LEFT JOIN tbk.acme_trades t ON t.ts >= w.a AND t.ts < w.z
         GROUP BY w.id) w, tape.block_info(w.b) i
 ORDER BY w.id;
SELECT tape.pack_quotes(q ORDER BY q.sip_timestamp)::text AS empty_quotes FROM tbk.acme_quotes q WHERE false;

-- 4. one row
SELECT (tbk.differences('SELECT * FROM tbk.acme_trades ORDER BY sip_timestamp LIMIT 1', 'sip_timestamp',
                        (SELECT tape.pack_trades(t ORDER BY t.sip_timestamp)
                           FROM (SELECT * FROM tbk.acme_trades ORDER BY sip_timestamp LIMIT 1) t))).*;

-- 5. 60,000 generated trades in a local table, NULLs in every column that may have them, fractional
-- sizes (sent from 2026-02-23), sub-penny and unscalable prices, corrections, repeated condition sets,
-- nanoseconds far above 2^53 with odd last digits
CREATE TABLE tbk.synthetic (LIKE tb.trades);
INSERT INTO tbk.synthetic
SELECT 'SYNT', 'epoch'::timestamptz + (sip / 1000) * interval '1 microsecond', sip,
       CASE WHEN i % 97 <> 0 THEN sip - 5000 - (i * 7919) % 60000 END,
       CASE WHEN ex = 4 THEN sip - 100000 - (i * 104729::bigint) % 2000000 END,
       CASE WHEN i % 1009 = 0 THEN NULL
            WHEN i % 1000 = 1 THEN round(7.5 + (i % 37) / 10000.0, 4)::float8    -- sub-penny
            WHEN i % 1000 = 2 THEN 7.5 + 1 / 3.0                                 -- no decimal scale fits
            ELSE round((7.5 + sin(i / 400.0))::numeric, 2)::float8 END,
       CASE WHEN i % 333 = 0 THEN NULL
            WHEN i % 10 = 3 THEN (i % 1000) / 8.0                                -- fractional shares
            WHEN i % 10 < 5 THEN 1 + i % 99                                      -- odd lots
            ELSE 100 * (1 + i % 5) END,
       CASE WHEN i % 991 <> 0 THEN ex END,
       CASE WHEN ex = 4 THEN 201 + i % 3 END,
       CASE WHEN i % 5003 <> 0 THEN 3 END,
       CASE i % 8 WHEN 1 THEN '{}'::int[] WHEN 2 THEN '{37}' WHEN 3 THEN '{12,37}' WHEN 4 THEN '{14,41}'
                  WHEN 5 THEN '{12,14,37,41}' WHEN 6 THEN '{37}' END,
       CASE WHEN i % 2500 = 7 THEN 1 + i % 3 END,
       CASE WHEN i % 1999 <> 0 THEN (52983525000000 + i * 3 + ex)::text END,
       100000 + 2 * i
  FROM generate_series(1, 60000) i,
       LATERAL (SELECT 1772000000000000001 + i * 1234567::bigint + (i % 7) * 131 AS sip,
                       (ARRAY[4, 11, 12, 15, 19, 21, 4, 12])[1 + (i * 7) % 8] AS ex) v;
INSERT INTO tbk.blocks
SELECT 'synthetic', tape.pack_trades(t ORDER BY t.sip_timestamp) FROM tbk.synthetic t;
SELECT (tbk.differences('SELECT * FROM tbk.synthetic', 'sip_timestamp', block)).*
  FROM tbk.blocks WHERE name = 'synthetic';
SELECT count(*) FILTER (WHERE size <> floor(size)) AS fractional_sizes,
       count(*) FILTER (WHERE price::numeric <> round(price::numeric, 2)) AS prices_beyond_cents,
       count(*) FILTER (WHERE correction IS NOT NULL) AS corrections,
       count(*) FILTER (WHERE conditions IS NULL) AS null_conditions,
       count(DISTINCT conditions) AS condition_sets,
       min(sip_timestamp) > 2 ^ 53 AS all_above_2_53, sum(sip_timestamp % 10) AS sum_of_last_digits
  FROM tbk.blocks, tape.trades_of(block) WHERE name = 'synthetic';
SELECT sum(sip_timestamp % 10) AS source_sum_of_last_digits FROM tbk.synthetic;
SELECT column_name, encoding, nulls FROM tbk.blocks, tape.block_columns(block) WHERE name = 'synthetic';

-- 6. values at the edges: every double (NaN, infinities, -0, the smallest subnormal, the largest),
-- integers at their limits, odd arrays, ids that are not canonical integers, equal sip_timestamps
-- (kept in the order given), ts that is not sip_timestamp's, an absent ts; text and arrays too long
-- for a one-byte header
CREATE TABLE tbk.edges AS SELECT * FROM tbk.synthetic WHERE false;
INSERT INTO tbk.edges VALUES
  ('EDGE', 'infinity', -9223372036854775807, 9223372036854775807, -9223372036854775808, 'NaN', '-0', -2147483648, 2147483647, 0,
   '{{1,2},{3,4}}', 0, '007', -9223372036854775808),
  ('EDGE', NULL, 9007199254740993, NULL, 9007199254740993, 'Infinity', '5e-324', 0, NULL, -1, '[0:1]={7,8}', NULL, '-0', 9223372036854775807),
  ('EDGE', '2020-01-01', 9007199254740993, 0, NULL, '-Infinity', '1.7976931348623157e308', NULL, 1, NULL, '{1,NULL,3}', -5, '', 0),
  ('EDGE', '1970-04-15 05:59:59.254740+00', 9007199254740993, 1, 2, '0.30000000000000004', '0', 4, 2, 2, '{}', 1, 'ñandú', 1),
  ('EDGE', '1970-04-15 05:59:59.254741+00', 9007199254740994, 2, 3, '-0', '1e-300', 4, 3, 3, '{-2147483648,2147483647}', 2,
   '9223372036854775808', 2),
  ('EDGE', '1970-04-15 05:59:59.254741+00', 9007199254740995, 3, NULL, 1, 1, 4, NULL, 3,
   ARRAY(SELECT generate_series(1, 40)), NULL, repeat('long id ', 25), 3);
SELECT (tbk.differences('SELECT * FROM tbk.edges', 'sip_timestamp, sequence_number',
                        tape.pack_trades(e ORDER BY e.sip_timestamp, e.sequence_number))).*
  FROM tbk.edges e;
SELECT r.ts, r.sip_timestamp, r.participant_timestamp, r.price, r.size, r.exchange,
       CASE WHEN cardinality(r.conditions) > 10 THEN cardinality(r.conditions) || ' conditions' ELSE r.conditions::text END AS conditions,
       CASE WHEN length(r.id) > 30 THEN length(r.id) || ' characters' ELSE r.id END AS id
  FROM (SELECT tape.pack_trades(e ORDER BY e.sip_timestamp, e.sequence_number) AS b FROM tbk.edges e) x,
       tape.trades_of(x.b) r;
-- rows without a ts column: ts is sip_timestamp floored to the microsecond, as polygon_fdw makes it
SELECT count(*) FILTER (WHERE r.ts = s.ts) AS same_ts, count(*) AS rows
  FROM (SELECT tape.pack_trades(t ORDER BY t.sip_timestamp) AS b
          FROM (SELECT ticker, sip_timestamp, participant_timestamp, trf_timestamp, price, size, exchange, trf_id,
                       tape, conditions, correction, id, sequence_number FROM tbk.acme_trades) t) x,
       tape.trades_of(x.b) WITH ORDINALITY r
  JOIN (SELECT ts, row_number() OVER (ORDER BY sip_timestamp, sequence_number) AS n FROM tbk.acme_trades) s
    ON s.n = r.ordinality;
-- other columns are ignored (the flat files add a date; a join adds anything)
SELECT (tbk.differences('SELECT * FROM tbk.edges', 'sip_timestamp, sequence_number',
                        (SELECT tape.pack_trades(x ORDER BY x.sip_timestamp, x.sequence_number)
                           FROM (SELECT e.*, 42 AS answer, now() AS packed_at FROM tbk.edges e) x))).*;

-- 7. uncompressed blocks (tape.block_compression_level = 0) read back the same
SET tape.block_compression_level = 0;
SELECT i.compression, i.bytes = i.uncompressed_bytes AS stored_as_is,
       (tbk.differences('SELECT * FROM tbk.synthetic', 'sip_timestamp', b)).*
  FROM (SELECT tape.pack_trades(t ORDER BY t.sip_timestamp) AS b FROM tbk.synthetic t) x, tape.block_info(x.b) i;
RESET tape.block_compression_level;

-- 8. text and bytea forms: what a block is, then its bytes; both read back into the same block
SELECT left(tape.pack_trades(e ORDER BY e.sip_timestamp, e.sequence_number)::text, 30) AS text_form FROM tbk.edges e;
SELECT block::text::tape.tick_block::bytea = block::bytea AS text_round_trip,
       block::bytea::tape.tick_block::bytea = block::bytea AS bytea_round_trip,
       ('\x' || encode(block::bytea, 'hex'))::tape.tick_block::bytea = block::bytea AS without_label
  FROM tbk.blocks ORDER BY name;

-- 9. a column of blocks stores them as they are: out of line, not compressed again (STORAGE external)
CREATE TABLE tbk.windows (window_id int, trades tape.tick_block);
SELECT attstorage FROM pg_attribute WHERE attrelid = 'tbk.windows'::regclass AND attname = 'trades';
INSERT INTO tbk.windows SELECT 1, block FROM tbk.blocks WHERE name = 'synthetic';
SELECT pg_relation_size('tbk.windows') AS table_bytes,
       pg_relation_size(reltoastrelid) >= i.bytes AS in_the_toast_table,
       pg_column_size(trades) = i.bytes AS stored_uncompressed, i.rows
  FROM tbk.windows, tape.block_info(trades) i, pg_class WHERE pg_class.oid = 'tbk.windows'::regclass;

-- 10. quote down-sampling on a hand-made tape (2025-10-02 13:30:00 UTC and on, milliseconds):
--   state S1 = 10.00 x 100 / 10.02 x 200, S3 = 10.01 x 100 / 10.02 x 200, S4 = S3 with 300 offered,
--   S5 = 10.03 x 100 / 10.04 x 100
-- With 2 a second (intervals of 500 ms): interval [0, 500) ends in S3 (row 3 set it, row 4 repeats it):
-- row 3 is kept.  [500, 1000) goes S1 (row 5) then back to S3 (row 6): its last state is the one kept
-- already, so nothing.  [1000, 1500): S4 (row 7; row 8 changes only the bid exchange): row 7.
-- [2000, 2500): S5 (row 9), back to S4 (row 10), which is kept already: nothing.
CREATE TABLE tbk.hand_quotes (LIKE tb.quotes);
INSERT INTO tbk.hand_quotes (ticker, ts, sip_timestamp, participant_timestamp, bid_price, bid_size, bid_exchange,
                             ask_price, ask_size, ask_exchange, sequence_number, tape)
SELECT 'HAND', 'epoch'::timestamptz + (sip / 1000) * interval '1 microsecond', sip, sip - 20000,
       bp, bs, bx, ap, az, 12, seq, 3
  FROM (VALUES (1,    0, 10.00, 100, 11, 10.02, 200),
               (2,  100, 10.00, 100, 11, 10.02, 200),
               (3,  200, 10.01, 100, 11, 10.02, 200),
               (4,  400, 10.01, 100, 11, 10.02, 200),
               (5,  600, 10.00, 100, 11, 10.02, 200),
               (6,  700, 10.01, 100, 11, 10.02, 200),
               (7, 1100, 10.01, 100, 11, 10.02, 300),
               (8, 1200, 10.01, 100, 15, 10.02, 300),
               (9, 2300, 10.03, 100, 11, 10.04, 100),
               (10, 2400, 10.01, 100, 11, 10.02, 300)) v(seq, ms, bp, bs, bx, ap, az),
       LATERAL (SELECT 1759411800000000000 + ms * 1000000::bigint AS sip) s;
SELECT n AS max_per_second, r.sequence_number, r.ts, r.bid_price, r.bid_size, r.bid_exchange, r.ask_price, r.ask_size
  FROM (VALUES (2), (1), (10)) v(n),
       LATERAL (SELECT tape.pack_quotes(q, v.n ORDER BY q.sip_timestamp) AS b FROM tbk.hand_quotes q) x,
       tape.quotes_of(x.b) r
 ORDER BY n, r.sip_timestamp;
-- every update: 0, NULL and no argument keep all ten; block_info says what was given and kept
SELECT n AS max_per_second, i.rows, i.source_rows, i.max_per_second AS recorded
  FROM (VALUES (0), (NULL), (2)) v(n),
       LATERAL (SELECT tape.pack_quotes(q, v.n ORDER BY q.sip_timestamp) AS b FROM tbk.hand_quotes q) x,
       tape.block_info(x.b) i;
SELECT (tape.block_info(tape.pack_quotes(q ORDER BY q.sip_timestamp))).rows AS one_argument_keeps FROM tbk.hand_quotes q;
-- at most N a second on the mock's quotes, and every quote kept is a quote given, unchanged
SELECT n AS max_per_second, count(*) AS kept,
       max(per_second) <= n AS at_most_n_a_second,
       bool_and(given) AS every_kept_quote_was_given
  FROM (SELECT v.n, count(*) OVER (PARTITION BY v.n, date_trunc('second', r.ts)) AS per_second,
               EXISTS (SELECT FROM tbk.acme_quotes a WHERE a::text = r::text) AS given
          FROM (VALUES (1), (5), (20)) v(n),
               LATERAL (SELECT tape.pack_quotes(q, v.n ORDER BY q.sip_timestamp) AS b FROM tbk.acme_quotes q) x,
               tape.quotes_of(x.b) r) k
 GROUP BY n ORDER BY n;

-- 11. what cannot be packed says why
SELECT regress.error_of($$SELECT tape.pack_trades(t) FROM (SELECT * FROM tbk.acme_trades ORDER BY sip_timestamp DESC LIMIT 3) t$$);
SELECT regress.error_of($$SELECT tape.pack_trades(t ORDER BY t.sip_timestamp)
                        FROM (SELECT * FROM tbk.acme_trades UNION ALL SELECT * FROM tbk.edges) t$$);
SELECT regress.error_of($$SELECT tape.pack_trades(x) FROM (SELECT 'X'::text AS ticker, 1::bigint AS sip_timestamp) x$$);
SELECT regress.error_of($$SELECT tape.pack_trades(x) FROM (SELECT ticker, ts, sip_timestamp::numeric AS sip_timestamp FROM tbk.edges) x$$);
UPDATE tbk.edges SET ticker = NULL WHERE id = '-0';
SELECT regress.error_of($$SELECT tape.pack_trades(e ORDER BY e.sip_timestamp) FROM tbk.edges e$$);
UPDATE tbk.edges SET ticker = 'EDGE', sip_timestamp = NULL WHERE id = '-0';
SELECT regress.error_of($$SELECT tape.pack_trades(e ORDER BY e.sip_timestamp) FROM tbk.edges e$$);
SELECT regress.error_of($$SELECT tape.pack_quotes(q) FROM tbk.acme_trades q$$);
SELECT regress.error_of($$SELECT tape.pack_quotes(q, -1) FROM tbk.hand_quotes q$$);
SELECT regress.error_of($$SELECT tape.pack_quotes(q, (q.sequence_number % 2)::int ORDER BY q.sip_timestamp) FROM tbk.hand_quotes q$$);
SELECT regress.error_of($$SELECT tape.pack_trades(q) FROM (SELECT repeat('X', 300) AS ticker, t.* FROM (SELECT ts, sip_timestamp,
                        participant_timestamp, trf_timestamp, price, size, exchange, trf_id, tape, conditions, correction,
                        id, sequence_number FROM tbk.acme_trades LIMIT 1) t) q$$);
SELECT regress.error_of($$SELECT count(*) FROM tbk.blocks, tape.trades_of(block) WHERE name = 'acme quotes'$$);
SELECT regress.error_of($$SELECT count(*) FROM tbk.blocks, tape.quotes_of(block) WHERE name = 'acme trades'$$);

-- 12. a damaged block is refused with ERRCODE_DATA_CORRUPTED (XX001), never read
SELECT regress.error_of($$SELECT substr(block::bytea, 1, 300)::tape.tick_block FROM tbk.blocks WHERE name = 'synthetic'$$) AS truncated;
SELECT regress.error_of($$SELECT set_byte(block::bytea, 500, get_byte(block::bytea, 500) # 1)::tape.tick_block
                        FROM tbk.blocks WHERE name = 'synthetic'$$) AS one_bit_flipped;
SELECT regress.error_of($$SELECT '\x0102030405'::bytea::tape.tick_block$$) AS not_a_block;
SELECT regress.error_of($$SELECT set_byte(block::bytea, 4, 2)::tape.tick_block FROM tbk.blocks WHERE name = 'synthetic'$$) AS newer_version;
SELECT regress.error_of($$SELECT set_byte(block::bytea, 5, 9)::tape.tick_block FROM tbk.blocks WHERE name = 'synthetic'$$) AS unknown_kind;
SELECT regress.error_of($$SELECT 'hello'::tape.tick_block$$) AS no_bytes;
SELECT regress.error_of($$SELECT '\x12345'::tape.tick_block$$) AS odd_hex;
SELECT regress.error_of($$SELECT replace(block::text, '(trades SYNT', '(trades FAKE')::tape.tick_block
                        FROM tbk.blocks WHERE name = 'synthetic'$$) AS wrong_label;

-- 13. every combination of NULLs, texts and arrays of every length around the one-byte header's limit
-- (126 bytes of data), each after values that end at every offset modulo 4: trades_of and quotes_of
-- build their tuples by hand, and a varlena too long for a short header is aligned, with zeros before it
-- tbk.every_null: bit c of the row number NULLs the c-th column that may be NULL (ts and the eleven after
-- sip_timestamp): 4,096 rows
SELECT count(*) AS rows,
       count(*) FILTER (WHERE octet_length(id) >= 127) AS long_ids,
       count(*) FILTER (WHERE octet_length(id) BETWEEN 120 AND 126) AS ids_just_short,
       count(*) FILTER (WHERE pg_column_size(conditions) - 3 > 127) AS long_arrays,
       count(*) FILTER (WHERE array_position(conditions, NULL) IS NOT NULL) AS arrays_with_nulls,
       count(DISTINCT num_nulls(ts, participant_timestamp, trf_timestamp, price, size, exchange, trf_id, tape,
                                conditions, correction, id, sequence_number)) AS null_counts
  FROM tbk.every_null;
INSERT INTO tbk.blocks SELECT 'every null', tape.pack_trades(t ORDER BY t.sip_timestamp) FROM tbk.every_null t;
SELECT (tbk.differences('SELECT * FROM tbk.every_null', 'sip_timestamp', block)).*
  FROM tbk.blocks WHERE name = 'every null';
-- the same spilled to disk by the function's tuplestore, and uncompressed
SET work_mem = '64kB';
SELECT (tbk.differences('SELECT * FROM tbk.every_null', 'sip_timestamp', block)).*
  FROM tbk.blocks WHERE name = 'every null';
RESET work_mem;
SET tape.block_compression_level = 0;
SELECT (tbk.differences('SELECT * FROM tbk.every_null', 'sip_timestamp',
                        (SELECT tape.pack_trades(t ORDER BY t.sip_timestamp) FROM tbk.every_null t))).*;
RESET tape.block_compression_level;
SELECT (SELECT sum(length(id)) FROM tbk.every_null) AS source_id_length,
       sum(length(id)) AS read_id_length, sum(cardinality(conditions)) AS read_conditions
  FROM tbk.blocks, tape.trades_of(block) WHERE name = 'every null';
-- the reproduction of issue 15 (50 trades: ids of 130-132 bytes, conditions {12} and {12,37,41} in turn,
-- no correction): 6,551 bytes of ids, not 155
SELECT (SELECT sum(length(id)) FROM tbk.issue_trades) AS source_id_length, sum(length(id)) AS read_id_length
  FROM tape.trades_of((SELECT tape.pack_trades(t ORDER BY t.sip_timestamp) FROM tbk.issue_trades t));
-- quotes: the same over the twelve columns after sip_timestamp and ts: 8,192 rows, two arrays
SELECT count(*) AS rows,
       count(*) FILTER (WHERE pg_column_size(conditions) - 3 > 127) AS long_conditions,
       count(*) FILTER (WHERE pg_column_size(indicators) - 3 > 127) AS long_indicators
  FROM tbk.every_null_quote;
SELECT (tbk.differences('SELECT * FROM tbk.every_null_quote', 'sip_timestamp',
                        (SELECT tape.pack_quotes(q ORDER BY q.sip_timestamp) FROM tbk.every_null_quote q),
                        'quotes_of')).*;

-- 14. forged blocks: counts the bytes given cannot back are refused before anything is sized from them
-- (a row takes a byte of the payload at least, stored and decompressed; zstd expands at most 64 times;
-- a dictionary entry of more than 256 bytes serves one row), and nothing else allocates more than the
-- bytes given justify.  tbk.reseal(bytes) recomputes the CRC-32C, as anyone can; tbk.forged(rows,
-- payload, compression, raw_size) is a trades block of ticker X around a payload of one's own.
CREATE FUNCTION tbk.crc32c(p bytea) RETURNS bigint LANGUAGE plpgsql IMMUTABLE AS $$
DECLARE
  crc bigint := 4294967295;
BEGIN
  FOR i IN 0 .. length(p) - 1 LOOP
    crc := crc # get_byte(p, i);
    FOR k IN 1 .. 8 LOOP
      crc := CASE WHEN crc & 1 = 1 THEN (crc >> 1) # 2197175160 ELSE crc >> 1 END;
    END LOOP;
  END LOOP;
  RETURN crc # 4294967295;
END $$;
CREATE FUNCTION tbk.le32(v bigint) RETURNS bytea LANGUAGE sql IMMUTABLE AS $$
  SELECT set_byte(set_byte(set_byte(set_byte('\x00000000'::bytea, 0, (v & 255)::int), 1, (v >> 8 & 255)::int),
                  2, (v >> 16 & 255)::int), 3, (v >> 24 & 255)::int)
$$;
CREATE FUNCTION tbk.reseal(b bytea) RETURNS bytea LANGUAGE sql IMMUTABLE AS $$
  SELECT overlay(b PLACING tbk.le32(tbk.crc32c(substr(b, 1, 44) || substr(b, 49))) FROM 45 FOR 4)
$$;
-- a header for rows rows of sip_timestamp 1 (first and last), ticker X, then the payload
CREATE FUNCTION tbk.forged(p_rows bigint, p_payload bytea, p_compression int DEFAULT 0,
                           p_raw_size bigint DEFAULT NULL) RETURNS bytea LANGUAGE sql IMMUTABLE AS $$
  SELECT tbk.reseal('\x5441504201'::bytea || set_byte('\x00'::bytea, 0, 1) || set_byte('\x00'::bytea, 0, p_compression)
                    || '\x01'::bytea || tbk.le32(p_rows) || tbk.le32(p_rows) || tbk.le32(0)
                    || '\x01000000000000000100000000000000'::bytea || tbk.le32(coalesce(p_raw_size, length(p_payload)))
                    || '\x0100000000000000'::bytea || 'X'::bytea || p_payload)
$$;
-- every column a constant or all NULL (ts is sip_timestamp's, sip_timestamp 1): 30 bytes for any number
-- of rows, and conditions as a dictionary of one array of 300 elements given to every row
CREATE TABLE tbk.payloads AS
SELECT '\x0102030001020002' || repeat('0000', 11) AS constant,
       '\x0102030001020002' || repeat('0000', 7) || '09b40201' || '00ac02' || repeat('02', 300) || '01020000'
         || repeat('0000', 3) AS shared_array;
SELECT i.rows, (SELECT count(*) FROM tape.trades_of(f::tape.tick_block)) AS rows_read
  FROM tbk.payloads, tbk.forged(30, decode(substr(constant, 3), 'hex')) f, tape.block_info(f::tape.tick_block) i;
SELECT regress.error_of(format($$SELECT count(*) FROM tape.trades_of(%L::bytea::tape.tick_block)$$,
                               tbk.forged(100000, decode(substr(constant, 3), 'hex')))) AS constant_rows_inflated
  FROM tbk.payloads;
-- the details of the same refusals
CREATE FUNCTION tbk.refusal(p_query text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
  d text;
BEGIN
  EXECUTE p_query;
  RETURN 'no error';
EXCEPTION WHEN OTHERS THEN
  GET STACKED DIAGNOSTICS d = PG_EXCEPTION_DETAIL;
  RETURN SQLSTATE || ': ' || d;
END $$;
SELECT what, tbk.refusal(format('SELECT count(*) FROM tape.trades_of(%L::bytea::tape.tick_block)', b)) AS refused
  FROM tbk.payloads,
       LATERAL (VALUES
         ('every row constant, 100,000 rows claimed', tbk.forged(100000, decode(substr(constant, 3), 'hex'))),
         ('40 rows and 40 bytes claimed, 30 stored', tbk.forged(40, decode(substr(constant, 3), 'hex'), 0, 40)),
         ('a zstd frame of 1 MB of zeros in 41 bytes',
          tbk.forged(1, decode('28b52ffda000001000' || repeat('02001000', 7) || '03001000', 'hex'), 1, 1048576)),
         ('one array of 300 elements given to 300 rows', tbk.forged(300, decode(substr(shared_array, 3), 'hex'))),
         ('the same array given to one row', tbk.forged(1, decode(substr(shared_array, 3), 'hex')))) v(what, b);
-- the 3,000-row block of the issue, rows and source_rows set to 8,000,000 and the CRC recomputed
CREATE TABLE tbk.regular AS
SELECT 'REG'::text AS ticker, 'epoch'::timestamptz + (sip / 1000) * interval '1 microsecond' AS ts, sip AS sip_timestamp,
       sip - 5000 AS participant_timestamp, NULL::bigint AS trf_timestamp, 5.0::float8 AS price, 100::float8 AS size,
       4 AS exchange, NULL::int AS trf_id, 3 AS tape, '{12}'::int[] AS conditions, NULL::int AS correction,
       i::text AS id, i::bigint AS sequence_number
  FROM generate_series(1, 3000) i, LATERAL (SELECT 1772000000000000000 + i * 1000000::bigint AS sip) v;
INSERT INTO tbk.blocks SELECT 'regular', tape.pack_trades(t ORDER BY t.sip_timestamp) FROM tbk.regular t;
-- its payload takes a byte a row at least (sip_timestamp is written as varints, not as a constant delta)
SELECT i.rows, i.compression, i.bytes >= i.rows AS byte_a_row, c.encoding AS sip_timestamp_encoding
  FROM tbk.blocks, tape.block_info(block) i, tape.block_columns(block) c
 WHERE name = 'regular' AND c.column_name = 'sip_timestamp';
SELECT tbk.refusal(format('SELECT count(*) FROM tape.window_qa(%L::bytea::tape.tick_block, NULL, %L, %L)',
                          tbk.reseal(overlay(overlay(block::bytea PLACING tbk.le32(8000000) FROM 13 FOR 4)
                                             PLACING tbk.le32(8000000) FROM 9 FOR 4)),
                          '2026-02-25', '2026-02-26')) AS inflated_rows
  FROM tbk.blocks WHERE name = 'regular';
-- an array of 1,048,576 NULL elements (an entry of 131,079 bytes: a bit an element) reads back in about the
-- bytes it takes
SELECT cardinality(r.conditions) AS elements, array_position(r.conditions, 1) IS NULL AS all_null,
       pg_column_size(r.conditions) AS bytes
  FROM tbk.payloads,
       tape.trades_of(tbk.forged(1, decode('0102030001020002' || repeat('0000', 7) || '09' || '8c8008' || '01'
                                           || '01' || '01808040' || '02' || '01' || repeat('00', 131072) || '01020000'
                                           || repeat('0000', 3), 'hex'))::tape.tick_block) r;

DROP SCHEMA tbk CASCADE;
SELECT regress.make_server('tb');
DROP SCHEMA tb CASCADE;
DROP SERVER tb CASCADE;
