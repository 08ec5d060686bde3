// The peer baseline of bench/scale.sh: DuckDB (npm @duckdb/node-api) over Parquet of the same
// bars as tape's store.  Benchmarks only: never used by tests or the extension.
//
//   node bench/scale_duckdb.mjs convert DIR       the CSV chunks DIR/chunk_*.csv (ticker, ts as
//                                                 Unix microseconds, open, high, low, close, volume,
//                                                 vwap, transactions, New York minute of the day,
//                                                 New York date) into DIR/zstd_*.parquet and
//                                                 DIR/snappy_*.parquet, each chunk removed once done
//   node bench/scale_duckdb.mjs query DIR REPS    RVOL(20), RTH VWAP and a volume-spike rule over
//                                                 DIR/zstd_*.parquet at 1 and 2 threads, best of REPS
//
// Each prints one JSON object on stdout: bytes of each Parquet codec, seconds of each query at
// each thread count, the rows each query counted (bench/scale.sh checks them against tape's), and
// the process's peak resident memory.
import { DuckDBInstance } from '@duckdb/node-api';
import fs from 'node:fs';
import path from 'node:path';

const [mode, dir, repsArg] = process.argv.slice(2);

async function connect(threads) {
  const instance = await DuckDBInstance.create(':memory:', { threads: String(threads) });
  return instance.connect();
}

async function scalar(conn, sql) {
  const reader = await conn.runAndReadAll(sql);
  return reader.getRows()[0][0];
}

function bytesOf(prefix) {
  return fs.readdirSync(dir).filter((f) => f.startsWith(prefix) && f.endsWith('.parquet'))
    .reduce((n, f) => n + fs.statSync(path.join(dir, f)).size, 0);
}

if (mode === 'convert') {
  const conn = await connect(2);
  const chunks = fs.readdirSync(dir).filter((f) => /^chunk_.*\.csv$/.test(f)).sort();
  for (const c of chunks) {
    const base = c.replace(/^chunk_/, '').replace(/\.csv$/, '');
    const src = path.join(dir, c);
    await conn.run(`CREATE OR REPLACE TABLE chunk AS SELECT * FROM read_csv('${src}', header = false,
      columns = {'ticker': 'VARCHAR', 'ts_us': 'BIGINT', 'open': 'DOUBLE', 'high': 'DOUBLE', 'low': 'DOUBLE',
                 'close': 'DOUBLE', 'volume': 'DOUBLE', 'vwap': 'DOUBLE', 'transactions': 'INTEGER',
                 'ny_minute': 'INTEGER', 'ny_day': 'DATE'})`);
    await conn.run(`CREATE OR REPLACE TABLE chunk2 AS
      SELECT ticker, make_timestamp(ts_us) AS ts, open, high, low, close, volume, vwap, transactions, ny_minute, ny_day
        FROM chunk ORDER BY ticker, ts`);
    for (const codec of ['zstd', 'snappy']) {
      await conn.run(`COPY chunk2 TO '${path.join(dir, `${codec}_${base}.parquet`)}' (FORMAT parquet, COMPRESSION ${codec})`);
    }
    fs.unlinkSync(src);
  }
  console.log(JSON.stringify({ zstd_bytes: bytesOf('zstd_'), snappy_bytes: bytesOf('snappy_') }));
} else if (mode === 'query') {
  const reps = Number(repsArg || 3);
  const src = `read_parquet('${path.join(dir, 'zstd_*.parquet')}')`;
  // the same definitions as tape's: RVOL = volume over the mean of the previous 20 volumes (NULL
  // until there are 20); RTH VWAP = sum(price x volume) / sum(volume) of the New York day from
  // 09:30 (minute 570) on, price the bar's vwap or (high + low + close) / 3; the volume-spike rule:
  // RVOL(20) at least 6 with 10,000 shares and 50,000 USD in regular hours, 8 / 15,000 / 75,000 outside
  const queries = {
    rvol: `SELECT count(r) FROM (
             SELECT CASE WHEN count(volume) OVER w = 20 AND avg(volume) OVER w > 0 THEN volume / avg(volume) OVER w END AS r
               FROM ${src} WINDOW w AS (PARTITION BY ticker ORDER BY ts ROWS BETWEEN 20 PRECEDING AND 1 PRECEDING))`,
    rth_vwap: `SELECT count(v) FROM (
             SELECT sum(CASE WHEN ny_minute >= 570 THEN coalesce(vwap, (high + low + close) / 3) * volume END) OVER w
                    / nullif(sum(CASE WHEN ny_minute >= 570 THEN volume END) OVER w, 0) AS v
               FROM ${src} WINDOW w AS (PARTITION BY ticker, ny_day ORDER BY ts ROWS UNBOUNDED PRECEDING))`,
    volume_spike: `SELECT count(*) FROM (
             SELECT volume, close, ny_minute,
                    CASE WHEN count(volume) OVER w = 20 AND avg(volume) OVER w > 0 THEN volume / avg(volume) OVER w END AS r
               FROM ${src} WINDOW w AS (PARTITION BY ticker ORDER BY ts ROWS BETWEEN 20 PRECEDING AND 1 PRECEDING))
            WHERE CASE WHEN ny_minute >= 570 AND ny_minute < 960
                       THEN r >= 6 AND volume >= 10000 AND volume * close >= 50000
                       ELSE r >= 8 AND volume >= 15000 AND volume * close >= 75000 END`,
  };
  const out = { rows: {}, seconds: {} };
  const conns = { 1: await connect(1), 2: await connect(2) };
  for (const [name, sql] of Object.entries(queries)) {
    for (const threads of [1, 2]) out.seconds[`${name}_${threads}`] = Infinity;
  }
  // interleaved: each repetition runs every query at both thread counts
  for (let rep = 0; rep < reps; rep++) {
    for (const [name, sql] of Object.entries(queries)) {
      for (const threads of [1, 2]) {
        const t0 = process.hrtime.bigint();
        const n = await scalar(conns[threads], sql);
        const s = Number(process.hrtime.bigint() - t0) / 1e9;
        out.rows[name] = Number(n);
        out.seconds[`${name}_${threads}`] = Math.min(out.seconds[`${name}_${threads}`], s);
      }
    }
  }
  out.peak_rss_bytes = process.resourceUsage().maxRSS * 1024;
  console.log(JSON.stringify(out));
} else {
  console.error('usage: node bench/scale_duckdb.mjs convert DIR | query DIR REPS');
  process.exit(2);
}
