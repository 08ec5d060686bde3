-- What test/t/017_valgrind.pl runs in a single-user backend under valgrind's memcheck: every C path of
-- tape that builds tuples or varlenas, over the rows of test/regress/round_trip.sql (every combination of
-- NULLs, texts and arrays around the one-byte header's limit) and the mock's: blocks packed and read
-- back (compressed, not, spilled to disk, text and binary forms), what the features read from them,
-- polygon_fdw's JSON and flat-file decoders and its request cache, the detectors.  Each check is a row
-- of tbk.checks, read once the backend is done.  Single-user mode (-j) ends a statement at a semicolon
-- followed by an empty line, so no statement holds one; @DIR@ is a directory the test gives.

-- blocks: the reproduction of issue 15 (first, while the row buffer is new), every combination of NULLs
INSERT INTO tbk.checks SELECT 'the trades of issue 15', block_rows = 50 AND differing_rows = 0
  FROM tbk.differences('SELECT * FROM tbk.issue_trades', 'sip_timestamp',
                       (SELECT tape.pack_trades(t ORDER BY t.sip_timestamp) FROM tbk.issue_trades t));

INSERT INTO tbk.checks SELECT 'trades, every combination of NULLs', block_rows = 4096 AND differing_rows = 0
  FROM tbk.differences('SELECT * FROM tbk.every_null', 'sip_timestamp',
                       (SELECT tape.pack_trades(t ORDER BY t.sip_timestamp) FROM tbk.every_null t));

INSERT INTO tbk.checks SELECT 'quotes, every combination of NULLs', block_rows = 8192 AND differing_rows = 0
  FROM tbk.differences('SELECT * FROM tbk.every_null_quote', 'sip_timestamp',
                       (SELECT tape.pack_quotes(q ORDER BY q.sip_timestamp) FROM tbk.every_null_quote q), 'quotes_of');

SET work_mem = '64kB';

INSERT INTO tbk.checks SELECT 'trades spilled to disk', block_rows = 4096 AND differing_rows = 0
  FROM tbk.differences('SELECT * FROM tbk.every_null', 'sip_timestamp',
                       (SELECT tape.pack_trades(t ORDER BY t.sip_timestamp) FROM tbk.every_null t));

RESET work_mem;

SET tape.block_compression_level = 0;

INSERT INTO tbk.checks SELECT 'quotes uncompressed', block_rows = 8192 AND differing_rows = 0
  FROM tbk.differences('SELECT * FROM tbk.every_null_quote', 'sip_timestamp',
                       (SELECT tape.pack_quotes(q ORDER BY q.sip_timestamp) FROM tbk.every_null_quote q), 'quotes_of');

RESET tape.block_compression_level;

-- polygon_fdw: JSON pages of trades, quotes and bars; the same through the request cache, twice
CREATE TABLE tbk.fdw_trades AS SELECT * FROM vg.trades
 WHERE ticker = 'ACME' AND ts >= '2025-10-02 10:00-04' AND ts < '2025-10-02 10:10-04';

CREATE TABLE tbk.fdw_quotes AS SELECT * FROM vg.quotes
 WHERE ticker = 'ACME' AND ts >= '2025-10-02 10:00-04' AND ts < '2025-10-02 10:10-04';

CREATE TABLE tbk.fdw_bars AS SELECT * FROM vg.bars
 WHERE ticker = 'ACME' AND timespan = 'minute' AND ts >= '2025-10-02 04:00-04' AND ts < '2025-10-02 20:00-04';

INSERT INTO tbk.checks SELECT 'polygon_fdw read trades, quotes and bars',
       (SELECT count(*) FROM tbk.fdw_trades) > 100 AND (SELECT count(*) FROM tbk.fdw_quotes) > 100
       AND (SELECT count(*) FROM tbk.fdw_bars) > 100;

CREATE TABLE tbk.fdw_cached AS SELECT * FROM vgc.trades
 WHERE ticker = 'ACME' AND ts >= '2025-10-02 10:00-04' AND ts < '2025-10-02 10:10-04';

INSERT INTO tbk.checks SELECT 'the request cache, filled then read',
       (SELECT count(*) FROM (SELECT * FROM tbk.fdw_cached EXCEPT ALL SELECT * FROM tbk.fdw_trades) d) = 0
   AND (SELECT count(*) FROM (SELECT * FROM vgc.trades
          WHERE ticker = 'ACME' AND ts >= '2025-10-02 10:00-04' AND ts < '2025-10-02 10:10-04'
         EXCEPT ALL SELECT * FROM tbk.fdw_trades) d) = 0
   AND (SELECT sum(pages) FROM tape.cache_stats() WHERE server = 'vgc') > 0;

INSERT INTO tbk.checks SELECT 'flat files, ids and condition lists of every length', count(*) = 300
       AND count(*) FILTER (WHERE octet_length(id) >= 127) > 0 AND count(*) FILTER (WHERE cardinality(conditions) > 30) > 0
       AND bool_and(id = repeat('f', 100 + sequence_number::int % 60) AND cardinality(conditions) = sequence_number % 41)
  FROM flat.flat_trades WHERE date = '2025-10-03';

-- the mock's ticks in blocks, and their text and binary forms
CREATE TABLE tbk.vg_blocks AS
SELECT 'mock' AS name, (SELECT tape.pack_trades(t ORDER BY t.sip_timestamp, t.sequence_number) FROM tbk.fdw_trades t) AS trades,
       (SELECT tape.pack_quotes(q ORDER BY q.sip_timestamp, q.sequence_number) FROM tbk.fdw_quotes q) AS quotes
UNION ALL
SELECT 'every null', (SELECT tape.pack_trades(t ORDER BY t.sip_timestamp) FROM tbk.every_null t),
       (SELECT tape.pack_quotes(q ORDER BY q.sip_timestamp) FROM tbk.every_null_quote q);

INSERT INTO tbk.checks SELECT 'the mock''s trades and quotes read back',
       (SELECT differing_rows = 0 FROM tbk.differences('SELECT * FROM tbk.fdw_trades', 'sip_timestamp, sequence_number', trades))
       AND (SELECT differing_rows = 0 FROM tbk.differences('SELECT * FROM tbk.fdw_quotes', 'sip_timestamp, sequence_number', quotes, 'quotes_of'))
  FROM tbk.vg_blocks WHERE name = 'mock';

COPY tbk.vg_blocks TO '@DIR@/vg_blocks.bin' (FORMAT binary);

CREATE TABLE tbk.vg_copied (LIKE tbk.vg_blocks);

COPY tbk.vg_copied FROM '@DIR@/vg_blocks.bin' (FORMAT binary);

INSERT INTO tbk.checks SELECT 'text and binary forms', count(*) = 2
       AND bool_and(b.trades::text::tape.tick_block::bytea = b.trades::bytea AND c.trades::bytea = b.trades::bytea
                    AND b.quotes::text::tape.tick_block::bytea = b.quotes::bytea AND c.quotes::bytea = b.quotes::bytea)
  FROM tbk.vg_blocks b JOIN tbk.vg_copied c USING (name);

INSERT INTO tbk.checks SELECT 'block_info and block_columns', count(*) = 2 * (14 + 15)
       AND bool_and(c.encoding IS NOT NULL AND i.rows > 0)
  FROM tbk.vg_blocks b, LATERAL (SELECT trades AS block UNION ALL SELECT quotes) x,
       tape.block_info(x.block) i, tape.block_columns(x.block) c;

-- what the features read from blocks (the NULLs too), and the query forms
INSERT INTO tbk.checks SELECT 'window_qa and window_features', count(*) = 2
       AND bool_and(q.trades > 0 AND f.trades > 0)
  FROM tbk.vg_blocks b,
       LATERAL (SELECT (tape.block_info(b.trades)).first_ts AS t0) s,
       tape.window_qa(b.trades, b.quotes, s.t0, s.t0 + interval '1 hour') q,
       tape.window_features(b.trades, b.quotes, s.t0 + interval '3 minutes') f;

INSERT INTO tbk.checks SELECT 'bars from trades of every kind', bool_and(n > 0)
  FROM tbk.vg_blocks b, (VALUES ('time', 60), ('tick', 50), ('volume', 5000), ('dollar', 50000),
                                ('tick_imbalance', 5), ('dollar_imbalance', 20000)) k(kind, size),
       LATERAL (SELECT count(*) AS n FROM tape.bars_from_trades(b.trades, k.kind, k.size)) c;

INSERT INTO tbk.checks SELECT 'bars from a query of trades', count(*) > 0
  FROM tape.bars_from_trades('SELECT * FROM tbk.fdw_trades ORDER BY ticker, sip_timestamp', 'time', 60);

INSERT INTO tbk.checks SELECT 'triple-barrier labels on ticks and on bars',
       (SELECT bool_and(l.entry_ts IS NOT NULL) FROM tbk.vg_blocks b,
               tape.triple_barrier_ticks(b.trades, (tape.block_info(b.trades)).first_ts + interval '1 minute', 0.01) l
         WHERE b.name = 'mock')
       AND (SELECT count(*) FROM tape.triple_barrier(
              $$SELECT 1::bigint AS event_id, 'ACME'::text AS ticker, '2025-10-02 10:00-04'::timestamptz AS ts,
                       'up'::text AS direction, 0.01::float8 AS volatility$$,
              'SELECT * FROM tbk.fdw_bars ORDER BY ticker, ts')) = 1;

INSERT INTO tbk.checks SELECT 'plots', bool_and(tape.window_svg(b.trades, b.quotes, i.first_ts + interval '2 minutes') LIKE '<svg%')
       AND (SELECT count(*) FROM tbk.vg_blocks b2, tape.window_chart(b2.trades, b2.quotes,
              (tape.block_info(b2.trades)).first_ts + interval '2 minutes') c) > 0
  FROM tbk.vg_blocks b, tape.block_info(b.trades) i;

INSERT INTO tbk.checks SELECT 'the intraday detectors, on the mock''s planted spike', count(*) = 3
       AND count(*) FILTER (WHERE event_type = 'volume_spike') = 2
  FROM tape.detect_intraday('SELECT * FROM tbk.fdw_bars', '{"baseline": {"fallback": "rolling"}}');
