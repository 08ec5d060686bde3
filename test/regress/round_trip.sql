-- Round trips of tick blocks, shared by the regression test tick_blocks and the
-- valgrind run of test/t/017_valgrind.pl: in schema tbk (made by the caller),
--
-- tbk.differences(source, order, block, reader): rows of a query against the rows
--   of a block, row by row, every column by its text form (so -0, NaN, the last
--   nanosecond and NULL against '' all count)
-- tbk.every_null: 4,096 trades, one for every combination of NULLs in the twelve
--   columns that may have them (bit c of the row number NULLs column c), with ids
--   of 120-136 bytes and conditions of 0-40 elements (some NULL) around the 126
--   bytes a one-byte varlena header holds, after values that end at every offset
--   modulo 4
-- tbk.every_null_quote: the same for quotes (13 columns, 8,192 rows, two arrays)
-- tbk.issue_trades: the reproduction of issue 15 (50 trades, ids of 130-132
--   bytes after conditions {12} and {12,37,41} in turn, no correction)
CREATE FUNCTION tbk.differences(p_source text, p_order text, p_block tape.tick_block,
                                p_reader text DEFAULT 'trades_of',
                                OUT source_rows bigint, OUT block_rows bigint, OUT differing_rows bigint)
LANGUAGE plpgsql AS $$
BEGIN
  EXECUTE format($q$
    WITH src AS (SELECT s.*, row_number() OVER (ORDER BY %s) AS ordinality FROM (%s) s),
         blk AS (SELECT r.* FROM tape.%I($1) WITH ORDINALITY r)
    SELECT (SELECT count(*) FROM src), (SELECT count(*) FROM blk),
           (SELECT count(*) FROM src FULL JOIN blk USING (ordinality) WHERE src::text IS DISTINCT FROM blk::text)
  $q$, p_order, p_source, p_reader) INTO source_rows, block_rows, differing_rows USING p_block;
END $$;
-- tbk.long_array(n, with_null): n integers, every fifth NULL when asked
CREATE FUNCTION tbk.long_array(n int, with_null boolean) RETURNS int[] LANGUAGE sql IMMUTABLE AS $$
  SELECT ARRAY(SELECT CASE WHEN with_null AND k % 5 = 2 THEN NULL ELSE k * 7 - 3 END FROM generate_series(1, n) k)
$$;
-- tbk.make_every_null(table, columns): a table of the columns (pairs of name and expression in i, the row
-- number, and sip, its sip_timestamp) after a ticker, with a row for every combination of NULLs: bit k of
-- i NULLs the k-th column but sip_timestamp
CREATE FUNCTION tbk.make_every_null(p_table text, p_columns text[]) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  cols text := '';
  k int := 0;
BEGIN
  FOR c IN 1 .. array_length(p_columns, 1) LOOP
    IF p_columns[c][1] = 'sip_timestamp' THEN
      cols := cols || format(', %s AS %I', p_columns[c][2], p_columns[c][1]);
    ELSE
      cols := cols || format(', CASE WHEN i & %s = 0 THEN %s END AS %I', 1 << k, p_columns[c][2], p_columns[c][1]);
      k := k + 1;
    END IF;
  END LOOP;
  EXECUTE format('CREATE TABLE %s AS SELECT %L::text AS ticker%s FROM generate_series(0, %s) i, '
                 'LATERAL (SELECT 1772000000000000000 + i * 1000003::bigint AS sip) v', p_table, 'NULLS', cols, (1 << k) - 1);
END $$;
SELECT tbk.make_every_null('tbk.every_null', ARRAY[
  ['ts', $$'epoch'::timestamptz + (sip / 1000) * interval '1 microsecond'$$], ['sip_timestamp', 'sip'],
  ['participant_timestamp', 'sip - 7000 - i'], ['trf_timestamp', 'sip - 90000'],
  ['price', '(7.25 + (i % 13) / 100.0)::float8'], ['size', '(100 * (1 + i % 3))::float8'],
  ['exchange', '4 + i % 3'], ['trf_id', '201'], ['tape', '3'],
  ['conditions', 'tbk.long_array((i * 7) % 41, i % 3 = 0)'], ['correction', 'i % 4'],
  ['id', 'repeat(chr(97 + i % 26), 120 + (i * 11) % 17)'], ['sequence_number', '(5000 + i)::bigint']]);
SELECT tbk.make_every_null('tbk.every_null_quote', ARRAY[
  ['ts', $$'epoch'::timestamptz + (sip / 1000) * interval '1 microsecond'$$], ['sip_timestamp', 'sip'],
  ['participant_timestamp', 'sip - 7000 - i'], ['trf_timestamp', 'sip - 90000'],
  ['bid_price', '(7.25 + (i % 13) / 100.0)::float8'], ['bid_size', '(100 * (1 + i % 3))::float8'],
  ['bid_exchange', '11 + i % 2'], ['ask_price', '(7.27 + (i % 13) / 100.0)::float8'],
  ['ask_size', '(200 + i % 7)::float8'], ['ask_exchange', '12'],
  ['conditions', 'tbk.long_array((i * 7) % 41, i % 3 = 0)'], ['indicators', 'tbk.long_array((i * 5) % 37, i % 4 = 1)'],
  ['sequence_number', '(5000 + i)::bigint'], ['tape', '1 + i % 3']]);
CREATE TABLE tbk.issue_trades AS
SELECT 'ISSUE'::text AS ticker, 'epoch'::timestamptz + (sip / 1000) * interval '1 microsecond' AS ts, sip AS sip_timestamp,
       sip - 5000 AS participant_timestamp, NULL::bigint AS trf_timestamp, 10.01::float8 AS price, 100::float8 AS size,
       4 AS exchange, NULL::int AS trf_id, 3 AS tape,
       CASE WHEN i % 2 = 0 THEN '{12}'::int[] ELSE '{12,37,41}' END AS conditions, NULL::int AS correction,
       repeat('x', 130 + i % 3) AS id, i::bigint AS sequence_number
  FROM generate_series(1, 50) i, LATERAL (SELECT 1772000000000000000 + i * 1000::bigint AS sip) v;
