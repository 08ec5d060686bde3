#!/usr/bin/env python3
"""The user's universe on one machine (issue 16): a store of small-cap minute bars of the user's
shape, built straight into tape's tables by a fast generator (bench/gen_scale_bars.c, binary COPY),
then tape against the alternatives side by side in one run.

    python3 bench/scale.py TICKERS DAYS REPS [WORKDIR [EVENTS_SHARE]]

Needs a running PostgreSQL with tape (PGHOST/PGPORT; a superuser, for the backends' peak memory),
cc, psql, and for the DuckDB columns node with @duckdb/node-api (bench/package.json: `npm install`
in bench/; without it they print n/a).  Builds its own database and drops it at the end.  Prints:
bytes per bar (compressed store, heap with its index, Parquet zstd and snappy), load and
compression throughput, detect_all on 1 core and on all (its helpers) against detect_intraday over a
query of the same bars and a plain scan, RVOL(20) / RTH VWAP / a volume-spike rule in tape (one
window over everything, and per ticker under a Gather: the shape docs/analytics.md documents)
against DuckDB at 1 and 2 threads, one ticker-day's query latency, each step's peak memory, an
extrapolation to 2,000 tickers x 21 years, and tape.build_manifest over 370,000 intraday and
20,000 daily events and twice as many.  Until the compressed store exists (a blocks table in
schema tape_internal), its columns print n/a.
"""
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

TICKERS, DAYS, REPS = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
WORK = sys.argv[4] if len(sys.argv) > 4 else tempfile.mkdtemp(prefix='tape-scale.')
# the share of the manifest's 370,000 intraday and 20,000 daily events to build (a smoke run: less)
EVENTS_SHARE = float(sys.argv[5]) if len(sys.argv) > 5 else 1.0
HERE = os.path.dirname(os.path.abspath(__file__))
DB = 'tape_bench_scale_%d' % os.getpid()
CORES = os.cpu_count() or 1
FIRST_DAY = '2024-01-02'


def psql(sql, db=DB, check=True):
    """Run SQL in a session of its own; returns (stdout, seconds of each statement, peak kB)."""
    script = '\\timing on\n' + sql.rstrip().rstrip(';') + ';\n\\timing off\n' \
        "SELECT 'peak ' || substring(pg_read_file('/proc/' || pg_backend_pid() || '/status') from 'VmHWM:\\s*([0-9]+)');\n"
    p = subprocess.run(['psql', '-X', '-q', '-A', '-t', '-v', 'ON_ERROR_STOP=1', '-d', db],
                       input=script, capture_output=True, text=True)
    if check and p.returncode != 0:
        sys.exit('benchmark check failed: %s\n%s' % (sql[:200], p.stderr))
    times = [float(t) / 1000 for t in re.findall(r'^Time: ([0-9.]+) ms', p.stdout, re.M)]
    peak = re.search(r'^peak ([0-9]+)$', p.stdout, re.M)
    out = '\n'.join(l for l in p.stdout.splitlines() if not l.startswith('Time:') and not l.startswith('peak '))
    return out.strip(), times, int(peak.group(1)) if peak else None


def value(sql, db=DB):
    return psql(sql, db)[0].splitlines()[-1]


def best(name, sql, results, setup=''):
    """The best of the runs so far of one measured statement, its result and its peak memory."""
    out, times, peak = psql(setup + sql)
    r = results.setdefault(name, {'seconds': float('inf'), 'peak_kb': 0, 'out': out})
    r['seconds'] = min(r['seconds'], times[-1])
    r['peak_kb'] = max(r['peak_kb'], peak or 0)
    if r['out'] != out:
        sys.exit('benchmark check failed: %s returned %s, then %s' % (name, r['out'], out))
    return r


def fmt(x, unit=''):
    if x is None:
        return 'n/a'
    return ('%.2f' % x if x < 100 else '{:,.0f}'.format(x)) + unit


def main():
    os.makedirs(WORK, exist_ok=True)
    gen = os.path.join(WORK, 'gen_scale_bars')
    subprocess.run(['cc', '-O2', '-o', gen, os.path.join(HERE, 'gen_scale_bars.c'), '-lm'], check=True)
    subprocess.run(['createdb', DB], check=True)
    try:
        run(gen)
    finally:
        if not os.environ.get('TAPE_SCALE_KEEP'):
            subprocess.run(['dropdb', DB])
            shutil.rmtree(WORK, ignore_errors=True)


def run(gen):
    # a server the manifest's report reads its rate limit from (no request is made)
    psql("CREATE EXTENSION tape CASCADE; CREATE SERVER polygon FOREIGN DATA WRAPPER polygon_fdw "
         "OPTIONS (base_url 'http://127.0.0.1:9', requests_per_minute '0'); "
         "CREATE USER MAPPING FOR CURRENT_USER SERVER polygon OPTIONS (api_key 'bench-key-not-secret'); "
         "CREATE SCHEMA polygon; IMPORT FOREIGN SCHEMA polygon FROM SERVER polygon INTO polygon")
    # the trading days, by tape's calendar: their number and 04:00 New York
    days = value("SELECT string_agg(format('%%s %%s', d - date '2000-01-03', extract(epoch FROM (d + time '04:00') "
                 "AT TIME ZONE 'America/New_York')::bigint), ' ' ORDER BY d) FROM (SELECT d::date FROM "
                 "generate_series(date '%s', date '%s' + 400, interval '1 day') d WHERE tape.is_trading_day(d::date) "
                 "ORDER BY d LIMIT %d) x(d)" % (FIRST_DAY, FIRST_DAY, DAYS + 21))
    pairs = days.split()
    day_lines = ['%s %s' % (pairs[i], pairs[i + 1]) for i in range(0, len(pairs), 2)]
    # 21 days of day bars before the minute bars: the daily detectors' RVOL has its history
    with open(os.path.join(WORK, 'days_all'), 'w') as f:
        f.write('\n'.join(day_lines) + '\n')
    with open(os.path.join(WORK, 'days_minute'), 'w') as f:
        f.write('\n'.join(day_lines[21:]) + '\n')
    last_day = value("SELECT date '2000-01-03' + %s" % day_lines[-1].split()[0])
    first_minute_day = value("SELECT date '2000-01-03' + %s" % day_lines[21].split()[0])
    psql("SELECT tape.create_partitions(date '%s' - 40, '%s')" % (FIRST_DAY, last_day))

    # the store: minute bars by as many COPYs at once as cores, then the day bars
    t0 = time.time()
    procs = []
    per = -(-TICKERS // CORES)
    for c in range(CORES):
        first, n = 1 + c * per, min(per, TICKERS - c * per)
        if n <= 0:
            continue
        g = subprocess.Popen([gen, 'minute', str(first), str(n), os.path.join(WORK, 'days_minute')], stdout=subprocess.PIPE)
        procs.append((g, subprocess.Popen(['psql', '-X', '-q', '-d', DB, '-c', 'COPY tape.bars_1m FROM STDIN WITH (FORMAT binary)'],
                                          stdin=g.stdout)))
        g.stdout.close()
    for g, p in procs:
        if p.wait() != 0 or g.wait() != 0:
            sys.exit('benchmark check failed: loading the minute bars')
    load_s = time.time() - t0
    g = subprocess.Popen([gen, 'day', '1', str(TICKERS), os.path.join(WORK, 'days_all')], stdout=subprocess.PIPE)
    subprocess.run(['psql', '-X', '-q', '-d', DB, '-c', 'COPY tape.bars_1d FROM STDIN WITH (FORMAT binary)'], stdin=g.stdout, check=True)
    g.wait()
    psql('VACUUM ANALYZE tape.bars_1m; VACUUM ANALYZE tape.bars_1d; '
         'CREATE TABLE bench_tickers AS SELECT DISTINCT ticker FROM tape.bars_1d; ANALYZE bench_tickers')
    bars = int(value('SELECT count(*) FROM tape.bars_1m'))
    heap = int(value("SELECT sum(pg_relation_size(c.oid)) FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
                     "WHERE i.inhparent = 'tape.bars_1m'::regclass"))
    heap_total = int(value("SELECT sum(pg_total_relation_size(c.oid)) FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
                           "WHERE i.inhparent = 'tape.bars_1m'::regclass"))

    # the compressed store, when tape has one (colstore, issue 16 items 1-3)
    compressed = value("SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                       "WHERE n.nspname = 'tape_internal' AND c.relkind IN ('r', 'p') AND c.relname ~ 'block'") != '0'
    compressed_bytes = compress_s = None
    if compressed and value("SELECT count(*) FROM pg_proc WHERE proname = 'compress_bars'") != '0':
        _, times, _ = psql("CALL tape.compress_bars()")
        compress_s = times[-1]
        compressed_bytes = int(value("SELECT sum(pg_total_relation_size(c.oid)) FROM pg_class c JOIN pg_namespace n "
                                     "ON n.oid = c.relnamespace WHERE n.nspname = 'tape_internal' AND c.relkind = 'r' "
                                     "AND c.relname ~ 'block'"))

    # Parquet of the same rows, through CSV chunks of 200 tickers
    duck = os.path.isdir(os.path.join(HERE, 'node_modules', '@duckdb')) and shutil.which('node')
    parquet = {}
    if duck:
        pq = os.path.join(WORK, 'parquet')
        os.makedirs(pq, exist_ok=True)
        for c in range(0, TICKERS, 200):
            with open(os.path.join(pq, 'chunk_%05d.csv' % c), 'w') as f:
                subprocess.run(['psql', '-X', '-q', '-d', DB, '-c',
                                "COPY (SELECT ticker, ((extract(epoch FROM ts) * 1e6)::bigint), open, high, low, close, volume, "
                                "vwap, transactions, extract(hour FROM ts AT TIME ZONE 'America/New_York') * 60 + "
                                "extract(minute FROM ts AT TIME ZONE 'America/New_York'), (ts AT TIME ZONE 'America/New_York')::date "
                                "FROM tape.bars_1m WHERE ticker > 'BG%04d' AND ticker <= 'BG%04d' ORDER BY ticker, ts) "
                                "TO STDOUT WITH (FORMAT csv)" % (c, c + 200)], stdout=f, check=True)
        parquet = json.loads(subprocess.run(['node', os.path.join(HERE, 'scale_duckdb.mjs'), 'convert', pq],
                                            capture_output=True, text=True, check=True).stdout)

    # every measurement, interleaved, best of REPS
    r = {}
    spike_only = json.dumps({k: {'enabled': k == 'volume_spike'} for k in
                             ['volume_spike', 'vwap_break', 'price_momentum', 'consolidation_break',
                              'opening_range_break', 'tape_speed', 'flush']})
    par = ('SET max_parallel_workers_per_gather = %d; SET parallel_setup_cost = 0; SET parallel_tuple_cost = 0; '
           'SET min_parallel_table_scan_size = 0; ' % max(CORES - 1, 0))
    ser = 'SET max_parallel_workers_per_gather = 0; '
    psql("""
CREATE FUNCTION rvol_of(t text) RETURNS TABLE (ts timestamptz, rvol float8)
LANGUAGE plpgsql STABLE PARALLEL SAFE ROWS 100000 AS $$
BEGIN
  RETURN QUERY SELECT b.ts, tape.rvol(b.volume, 20) OVER (ORDER BY b.ts) FROM tape.bars_1m b WHERE b.ticker = t AND b.adjusted;
END $$;
CREATE FUNCTION rth_vwap_of(t text) RETURNS TABLE (ts timestamptz, vwap float8)
LANGUAGE plpgsql STABLE PARALLEL SAFE ROWS 100000 AS $$
BEGIN
  RETURN QUERY SELECT b.ts, tape.rth_vwap(b.ts, tape.bar_price(b.high, b.low, b.close, b.vwap), b.volume) OVER (ORDER BY b.ts)
    FROM tape.bars_1m b WHERE b.ticker = t AND b.adjusted;
END $$;
CREATE FUNCTION events_of(t text, config jsonb) RETURNS SETOF tape.intraday_event
LANGUAGE plpgsql STABLE PARALLEL SAFE ROWS 100 AS $$
BEGIN
  RETURN QUERY SELECT e.* FROM (SELECT tape.intraday_events(b, config) AS ev
                                  FROM (SELECT * FROM tape.bars_1m b WHERE b.ticker = t AND b.adjusted ORDER BY b.ts) b) s,
                               unnest(s.ev) e;
END $$;""")
    all_q = "'SELECT ticker, ts, open, high, low, close, volume, vwap, transactions FROM tape.bars_1m WHERE adjusted ORDER BY ticker, ts'"
    duck_runs = []
    phases = {}
    for rep in range(REPS):
        best('plain scan', 'SELECT count(*), sum(volume) FROM tape.bars_1m', r, ser)
        best('detect_intraday over a query', 'SELECT count(*) FROM tape.detect_intraday(%s)' % all_q, r, ser)
        for w in sorted({0, max(CORES - 1, 0)}):
            name = 'detect_all, %d helper%s' % (w, '' if w == 1 else 's')
            best(name, "CALL tape.detect_all('%s', '%s', force => true)" % (first_minute_day, last_day), r,
                 'SET tape.max_workers_per_run = %d; SET tape.progress_interval = 0; ' % w)
            # its two phases: planning (until the first batch is done) and the units (what the helpers share)
            plan, units = value("SELECT extract(epoch FROM min(q.done_at) - r.started_at) || ' ' || "
                                "extract(epoch FROM max(q.done_at) - min(q.done_at)) FROM tape.refresh_runs r "
                                "JOIN tape.work_queue q USING (run_id) WHERE r.run_id = (SELECT max(run_id) FROM tape.refresh_runs) "
                                "GROUP BY r.run_id, r.started_at").split()
            phases.setdefault(name, [float('inf'), float('inf')])
            phases[name] = [min(phases[name][0], float(plan)), min(phases[name][1], float(units))]
        best('rvol window', 'SELECT count(r) FROM (SELECT tape.rvol(volume, 20) OVER (PARTITION BY ticker ORDER BY ts) r '
             'FROM tape.bars_1m WHERE adjusted) s', r, ser)
        best('rvol per ticker, Gather', 'SELECT count(x.rvol) FROM bench_tickers t, LATERAL rvol_of(t.ticker) x', r, par)
        best('rth_vwap window', 'SELECT count(v) FROM (SELECT tape.rth_vwap(ts, tape.bar_price(high, low, close, vwap), volume) '
             'OVER (PARTITION BY ticker ORDER BY ts) v FROM tape.bars_1m WHERE adjusted) s', r, ser)
        best('rth_vwap per ticker, Gather', 'SELECT count(x.vwap) FROM bench_tickers t, LATERAL rth_vwap_of(t.ticker) x', r, par)
        best('volume spike, detect_intraday', "SELECT count(*) FROM tape.detect_intraday(%s, '%s')" % (all_q, spike_only), r, ser)
        best('volume spike per ticker, Gather', "SELECT count(*) FROM bench_tickers t, LATERAL events_of(t.ticker, '%s') x" % spike_only, r, par)
        best('one ticker-day', "SELECT count(*), sum(volume) FROM tape.bars_1m WHERE ticker = 'BG0001' AND ts >= '%s' AND ts < date '%s' + 1"
             % (last_day, last_day), r)
        if duck:
            duck_runs.append(json.loads(subprocess.run(['node', os.path.join(HERE, 'scale_duckdb.mjs'), 'query',
                                                        os.path.join(WORK, 'parquet'), '1'],
                                                       capture_output=True, text=True, check=True).stdout))
    # the rows each side counted agree
    if r['rvol window']['out'] != r['rvol per ticker, Gather']['out'] or \
       r['rth_vwap window']['out'] != r['rth_vwap per ticker, Gather']['out'] or \
       r['volume spike, detect_intraday']['out'] != r['volume spike per ticker, Gather']['out']:
        sys.exit('benchmark check failed: the per-ticker shapes count other rows than the windows')
    duckdb = None
    if duck_runs:
        duckdb = {k: min(d['seconds'][k] for d in duck_runs) for k in duck_runs[0]['seconds']}
        duckdb['peak_kb'] = max(d['peak_rss_bytes'] for d in duck_runs) // 1024
        if str(duck_runs[0]['rows']['rvol']) != r['rvol window']['out']:
            sys.exit('benchmark check failed: DuckDB counts %s RVOL values, tape %s' % (duck_runs[0]['rows']['rvol'], r['rvol window']['out']))

    # the manifest over 370,000 intraday and 20,000 daily events, then twice as many
    manifest = []
    for scale in (1, 2):
        psql("""
TRUNCATE tape.events_intraday, tape.events_daily;
INSERT INTO tape.events_intraday (ticker, ts, trading_day, event_type, direction, session, score, close, volume, dollar_volume)
SELECT 'BG' || lpad((1 + i %% 2000)::text, 4, '0'), ts, (ts AT TIME ZONE 'America/New_York')::date,
       (ARRAY['volume_spike', 'vwap_break', 'price_momentum', 'opening_range_break', 'consolidation_break', 'flush'])[1 + i %% 6],
       CASE WHEN i %% 3 = 0 THEN 'down' ELSE 'up' END, 'RTH', 10 + (i * 7919 %% 900) / 10.0, 5, 100000, 500000
  FROM (SELECT i, ((date '2024-01-02' + ((i / 2000) %% 5000)::integer)::timestamp + time '09:31' + ((i * 31) %% 380)::integer * interval '1 minute')
               AT TIME ZONE 'America/New_York' AS ts
          FROM generate_series(1::bigint, %d::bigint) i) x
 WHERE tape.is_trading_day((ts AT TIME ZONE 'America/New_York')::date)
ON CONFLICT DO NOTHING;
INSERT INTO tape.events_daily (ticker, trading_day, event_type, direction, close, volume, dollar_volume, window_before, window_after, window_start, window_end)
SELECT 'BG' || lpad((1 + i %% 2000)::text, 4, '0'), d, 'E1_volume_explosion', 'up', 5, 1e6, 5e6, 2, 2, d - 3, d + 3
  FROM (SELECT i, date '2024-01-02' + ((i / 2000) * 3)::integer AS d FROM generate_series(1::bigint, %d::bigint) i) x
 WHERE tape.is_trading_day(d)
ON CONFLICT DO NOTHING;
ANALYZE tape.events_intraday, tape.events_daily""" % (540000 * scale * EVENTS_SHARE, 29000 * scale * EVENTS_SHARE))
        n_i = int(value('SELECT count(*) FROM tape.events_intraday'))
        n_d = int(value('SELECT count(*) FROM tape.events_daily'))
        out, times, peak = psql("SET client_min_messages = warning; CALL tape.build_manifest('core')")
        manifest.append((n_i, n_d, times[-1], peak))

    # the report
    per_day = bars / (TICKERS * DAYS)
    user_bars = 2000 * 21 * 252 * per_day
    print('== bench/scale.py: %s minute bars (%d tickers x %d trading days, %.0f bars a ticker-day of 960 minutes), %d cores, best of %d'
          % ('{:,}'.format(bars), TICKERS, DAYS, per_day, CORES, REPS))
    print()
    print('| storage | bytes/bar | 2,000 tickers x 21 years (%s bars) |' % '{:,.0f}'.format(user_bars))
    print('|---|---|---|')
    rows = [('tape compressed (blocks)', compressed_bytes), ('tape heap + index', heap_total), ('tape heap alone', heap),
            ('Parquet zstd (DuckDB)', parquet.get('zstd_bytes')), ('Parquet snappy (DuckDB)', parquet.get('snappy_bytes'))]
    for name, b in rows:
        print('| %s | %s | %s |' % (name, fmt(b / bars if b else None), fmt(b / bars * user_bars / 1e9 if b else None, ' GB')))
    print()
    print('load (binary COPY, %d at once): %s bars/s; compression: %s bars/s' %
          (CORES, '{:,.0f}'.format(bars / load_s), fmt(bars / compress_s if compress_s else None)))
    print()
    print('| step | seconds | M bars/s | peak memory (MB) |')
    print('|---|---|---|---|')
    for name, m in r.items():
        print('| %s | %s | %s | %s |' % (name, fmt(m['seconds']), fmt(bars / m['seconds'] / 1e6) if name != 'one ticker-day' else '',
                                        fmt(m['peak_kb'] / 1024)))
    if duckdb:
        for k in ('rvol', 'rth_vwap', 'volume_spike'):
            for t in (1, 2):
                print('| DuckDB %s, %d thread%s | %s | %s | %s |' % (k, t, '' if t == 1 else 's', fmt(duckdb['%s_%d' % (k, t)]),
                                                                 fmt(bars / duckdb['%s_%d' % (k, t)] / 1e6), fmt(duckdb['peak_kb'] / 1024)))
    print()
    print('ratios (over 1 means tape is faster or smaller):')
    a0, a1 = r.get('detect_all, 0 helpers'), r.get('detect_all, %d helper%s' % (CORES - 1, '' if CORES - 1 == 1 else 's'))
    if a1 is not None and CORES > 1:
        n0, n1 = 'detect_all, 0 helpers', 'detect_all, %d helper%s' % (CORES - 1, '' if CORES - 1 == 1 else 's')
        print('  detect_all on %d cores vs 1 core: %.2fx faster (its units: %.2fx, %.2f s against %.2f s; '
              'its planning, in the calling session alone: %.2f s and %.2f s)'
              % (CORES, a0['seconds'] / a1['seconds'], phases[n0][1] / phases[n1][1], phases[n1][1], phases[n0][1],
                 phases[n1][0], phases[n0][0]))
    print('  detect_all (1 core) / detect_intraday over a query: %.2f (target <= 1.3)'
          % (a0['seconds'] / r['detect_intraday over a query']['seconds']))
    if duckdb:
        for k, mine in (('rvol', 'rvol per ticker, Gather'), ('rth_vwap', 'rth_vwap per ticker, Gather'),
                        ('volume_spike', 'volume spike per ticker, Gather')):
            print('  %s: DuckDB 2 threads / tape per ticker on %d cores: %.2f' % (k, CORES, duckdb['%s_2' % k] / r[mine]['seconds']))
        print('  bytes/bar: Parquet zstd / tape compressed: %s; Parquet zstd / tape heap: %.3f'
              % (fmt(parquet['zstd_bytes'] / compressed_bytes if compressed_bytes else None), parquet['zstd_bytes'] / heap_total))
    else:
        print('  DuckDB: n/a (npm install in bench/ to compare)')
    print()
    print('| tape.build_manifest | intraday events | daily events | seconds | peak memory (MB) |')
    print('|---|---|---|---|---|')
    for n_i, n_d, s, peak in manifest:
        print('| core | %s | %s | %s | %s |' % ('{:,}'.format(n_i), '{:,}'.format(n_d), fmt(s), fmt(peak / 1024)))
    print('growth when the events double: %.2fx the time' % (manifest[1][2] / manifest[0][2]))


main()
