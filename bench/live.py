#!/usr/bin/env python3
"""bench/live.py: the live feed measured against its own WebSocket server.

Needs a running PostgreSQL with tape in shared_preload_libraries (PGHOST, PGPORT) and a
database with the extension (--db).  It serves the feed's protocol itself (the framing of
test/mock/live_mock.py) and listens to NOTIFY tape_events through libpq (ctypes), so it
needs nothing beyond the Python standard library and libpq.

  1. latency: --latency-tickers tickers, a bar each per minute in one message (as AM.*
     sends them), a tenth of them a volume spike; from the message leaving the server to
     each event's NOTIFY arriving at a LISTENing client: p50 and p99;
  2. AM.* rate: --rate-tickers bars in one burst (a minute of the whole market), the
     first minute (each ticker's detector built from the store) and the next (warm);
  3. T.* rate: --trades trades of one ticker as fast as the socket takes them, until all
     are stored, against a plain INSERT ... SELECT of as many rows;
  4. memory: the worker's queue bound and its anonymous memory (RssAnon) at the end.
Ratios and numbers are printed; nothing is asserted.
"""

import argparse
import ctypes
import ctypes.util
import datetime as dt
import json
import os
import select
import socketserver
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "test", "mock"))
import live_mock  # noqa: E402

KEY = "bench-live-key-not-secret"
BASE = dt.datetime(2025, 10, 6, 13, 30, tzinfo=dt.timezone.utc)     # 09:30 New York


# --- libpq through ctypes -------------------------------------------------------------

class PGnotify(ctypes.Structure):
    _fields_ = [("relname", ctypes.c_char_p), ("be_pid", ctypes.c_int), ("extra", ctypes.c_char_p)]


pq = ctypes.CDLL(ctypes.util.find_library("pq") or "libpq.so.5")
pq.PQconnectdb.restype = ctypes.c_void_p
pq.PQconnectdb.argtypes = [ctypes.c_char_p]
pq.PQstatus.argtypes = [ctypes.c_void_p]
pq.PQerrorMessage.restype = ctypes.c_char_p
pq.PQerrorMessage.argtypes = [ctypes.c_void_p]
pq.PQexec.restype = ctypes.c_void_p
pq.PQexec.argtypes = [ctypes.c_void_p, ctypes.c_char_p]
pq.PQresultStatus.argtypes = [ctypes.c_void_p]
pq.PQresultErrorMessage.restype = ctypes.c_char_p
pq.PQresultErrorMessage.argtypes = [ctypes.c_void_p]
pq.PQntuples.argtypes = [ctypes.c_void_p]
pq.PQgetvalue.restype = ctypes.c_char_p
pq.PQgetvalue.argtypes = [ctypes.c_void_p, ctypes.c_int, ctypes.c_int]
pq.PQclear.argtypes = [ctypes.c_void_p]
pq.PQsocket.argtypes = [ctypes.c_void_p]
pq.PQconsumeInput.argtypes = [ctypes.c_void_p]
pq.PQnotifies.restype = ctypes.POINTER(PGnotify)
pq.PQnotifies.argtypes = [ctypes.c_void_p]
pq.PQfreemem.argtypes = [ctypes.c_void_p]
pq.PQfinish.argtypes = [ctypes.c_void_p]


class Conn:
    def __init__(self, db):
        self.c = pq.PQconnectdb(("dbname=%s" % db).encode())
        if pq.PQstatus(self.c) != 0:
            raise SystemExit("%s: %s" % (os.path.basename(sys.argv[0]), pq.PQerrorMessage(self.c).decode()))

    def query(self, sql):
        r = pq.PQexec(self.c, sql.encode())
        st = pq.PQresultStatus(r)
        if st not in (1, 2):            # PGRES_COMMAND_OK, PGRES_TUPLES_OK
            msg = pq.PQresultErrorMessage(r).decode()
            pq.PQclear(r)
            raise SystemExit("%s: %s: %s" % (os.path.basename(sys.argv[0]), sql[:60], msg))
        out = pq.PQgetvalue(r, 0, 0).decode() if st == 2 and pq.PQntuples(r) > 0 else None
        pq.PQclear(r)
        return out

    def notifications(self, timeout):
        """The payloads that arrive within timeout seconds, with their arrival times."""
        out = []
        sock = pq.PQsocket(self.c)
        deadline = time.time() + timeout
        while True:
            left = deadline - time.time()
            if left <= 0:
                return out
            r, _, _ = select.select([sock], [], [], left)
            if r:
                now = time.time()
                pq.PQconsumeInput(self.c)
                while True:
                    n = pq.PQnotifies(self.c)
                    if not n:
                        break
                    out.append((now, n.contents.extra.decode()))
                    pq.PQfreemem(n)
                if out:
                    deadline = min(deadline, time.time() + 0.05)


# --- the feed ---------------------------------------------------------------------------

class Feed(live_mock.Handler):
    """One connection: auth, subscribe, then whatever the bench puts on its queue."""

    def handle(self):
        self.handshake()
        self.send_json([{"ev": "status", "status": "connected", "message": "Connected Successfully"}])
        while True:
            op, data = self.recv_frame()
            if op == 9:
                self.send_frame(10, data)
                continue
            msg = json.loads(data)
            if msg.get("action") == "auth":
                self.send_json([{"ev": "status", "status": "auth_success", "message": "authenticated"}])
            elif msg.get("action") == "subscribe":
                self.send_json([{"ev": "status", "status": "success",
                                 "message": "subscribed to: " + msg.get("params", "")}])
                break
        self.server.ready.set()
        while True:
            item = self.server.outbox.get()
            if item is None:
                return
            payloads, sent = item
            for p in payloads:
                self.send_frame(1, p)
            sent.append(time.time())


class FeedServer(socketserver.ThreadingMixIn, socketserver.TCPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self):
        import queue
        super().__init__(("127.0.0.1", 0), Feed)
        self.outbox = queue.Queue()
        self.ready = threading.Event()

    def send(self, payloads):
        sent = []
        self.outbox.put((payloads, sent))
        while not sent:
            time.sleep(0.0002)
        return sent[0]


def bar(ticker, minute, spike):
    t = int((BASE + dt.timedelta(minutes=minute)).timestamp() * 1000)
    if spike:
        o, c, v = 10.0, 10.4, 100000
    else:
        o, c, v = 10.0, 10.01, 5000
    return {"ev": "AM", "sym": ticker, "v": v, "av": v, "op": 10.0, "vw": round((o + c) / 2, 4),
            "o": o, "c": c, "h": max(o, c) + 0.01, "l": min(o, c) - 0.01, "a": 10.0, "z": 100,
            "s": t, "e": t + 60000}


def dumps(obj):
    return json.dumps(obj, separators=(",", ":")).encode()


def pct(xs, p):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(p / 100.0 * len(xs)))] if xs else float("nan")


def wait_for(conn, sql, timeout):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if conn.query(sql) == "t":
            return True
        time.sleep(0.002)
    return False


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--db", required=True)
    ap.add_argument("--latency-tickers", type=int, default=200)
    ap.add_argument("--latency-minutes", type=int, default=60)
    ap.add_argument("--rate-tickers", type=int, default=10000)
    ap.add_argument("--trades", type=int, default=1000000)
    args = ap.parse_args()

    srv = FeedServer()
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    port = srv.server_address[1]
    db = Conn(args.db)
    if db.query("SELECT current_setting('shared_preload_libraries') ~ 'tape'") != "t":
        print("   skipped: tape is not in shared_preload_libraries")
        return
    db.query("SET log_statement = 'none'")
    db.query("CREATE SERVER bench_live FOREIGN DATA WRAPPER polygon_fdw OPTIONS "
             "(stream_url 'ws://127.0.0.1:%d/stocks', base_url 'http://127.0.0.1:9')" % port)
    db.query("CREATE USER MAPPING FOR CURRENT_USER SERVER bench_live OPTIONS (api_key '%s')" % KEY)
    db.query("SELECT tape.create_partitions('2025-10-01', '2025-10-31')")
    db.query("ALTER SYSTEM SET tape.live_max_tickers = %d" % (args.rate_tickers + args.latency_tickers + 10))
    db.query("SELECT pg_reload_conf()")
    time.sleep(0.2)
    listen = Conn(args.db)
    listen.query("LISTEN tape_events")
    cfg = '{"baseline": {"method": "rolling", "rolling_bars": 5}}'
    pid = int(db.query("SELECT tape.live_start('bench_live', 'AM.*,T.BENCH', '%s')" % cfg))
    srv.ready.wait(10)

    # 1. latency: a minute's bars of the latency tickers in one message
    lt = ["L%04d" % i for i in range(args.latency_tickers)]
    sent_at = {}
    lat = []
    for m in range(args.latency_minutes):
        msg = dumps([bar(t, m, m >= 6 and (i + m) % 10 == 0) for i, t in enumerate(lt)])
        sent_at[m] = srv.send([msg])
        for now, payload in listen.notifications(0.25 if m >= 6 else 0.02):
            e = json.loads(payload)
            ts = dt.datetime.fromisoformat(e["ts"])
            k = int((ts - BASE).total_seconds() // 60)
            if k in sent_at:
                lat.append((now - sent_at[k]) * 1000.0)
    print("   latency, bar message -> NOTIFY at a LISTENing client (%d tickers a message, %d events):"
          % (len(lt), len(lat)))
    print("     p50 %.2f ms, p99 %.2f ms, max %.2f ms (target: p99 < 20 ms)"
          % (pct(lat, 50), pct(lat, 99), max(lat) if lat else float("nan")))

    # 2. AM.*: a minute of the whole market in one burst, cold then warm
    rt = ["R%05d" % i for i in range(args.rate_tickers)]
    base_bars = int(db.query("SELECT bars FROM tape.live_status"))
    for label, m in (("first minute (detectors built)", 100), ("next minute (warm)", 101)):
        msgs = [dumps([bar(t, m, False) for t in rt[i:i + 1000]]) for i in range(0, len(rt), 1000)]
        t0 = time.time()
        srv.send(msgs)
        want = base_bars + len(rt)
        wait_for(db, "SELECT bars >= %d AND queue_bytes = 0 FROM tape.live_status" % want, 600)
        # stored and judged: the flush of the last message has committed
        wait_for(db, "SELECT count(*) >= %d FROM tape.bars_1m WHERE ts = '%s'"
                 % (len(rt), (BASE + dt.timedelta(minutes=m)).isoformat()), 600)
        took = time.time() - t0
        base_bars = want
        print("   AM.* %s: %d bars in %.2f s, %.0f bars/s (%.1f s of a minute)"
              % (label, len(rt), took, len(rt) / took, took))

    # 3. T.*: trades as fast as the socket takes them, until all are stored
    n = args.trades
    t_ms = int((BASE + dt.timedelta(minutes=200)).timestamp() * 1000)
    msgs = []
    for i in range(0, n, 500):
        msgs.append(dumps([{"ev": "T", "sym": "BENCH", "x": 4, "i": str(j), "z": 3, "p": 10.0 + (j % 7) / 100,
                            "s": 100, "c": [12, 37], "t": t_ms + j // 100, "q": j}
                           for j in range(i, min(n, i + 500))]))
    nbytes = sum(len(m) for m in msgs)
    t0 = time.time()
    srv.send(msgs)
    wait_for(db, "SELECT count(*) >= %d FROM tape.live_trades" % n, 900)
    took = time.time() - t0
    t0 = time.time()
    db.query("INSERT INTO tape.live_trades SELECT 'BASE', %d + g, 10.0 + (g %% 7) / 100.0, 100, 4, '{12,37}', "
             "g::text, g, 3 FROM generate_series(1, %d) g" % (t_ms * 1000000, n))
    base = time.time() - t0
    print("   T.* trades: %d (%.1f MB of JSON) in %.2f s, %.0f trades/s (target >= 50,000); "
          "a plain INSERT ... SELECT of as many rows %.2f s: %.2fx its time"
          % (n, nbytes / 1e6, took, n / took, base, took / base))

    # 4. memory
    st = open("/proc/%d/status" % pid).read() if os.path.exists("/proc/%d/status" % pid) else ""
    rss = int(st.split("RssAnon:")[1].split()[0]) * 1024 if "RssAnon:" in st else -1
    row = db.query("SELECT max_queue_bytes || ' ' || memory_bytes || ' ' || tickers || ' ' || "
                   "current_setting('tape.live_max_queue_bytes') FROM tape.live_status")
    maxq, mem, tickers, bound = row.split(" ")
    print("   memory: queue at most %s bytes (bound %s), memory contexts %.1f MB, RssAnon %.1f MB "
          "for %s tickers' detectors (%.1f kB a ticker)"
          % (maxq, bound, int(mem) / 1e6, rss / 1e6, tickers, int(mem) / max(1, int(tickers)) / 1e3))
    db.query("SELECT tape.live_stop()")
    db.query("ALTER SYSTEM RESET tape.live_max_tickers")
    db.query("SELECT pg_reload_conf()")
    srv.outbox.put(None)


if __name__ == "__main__":
    main()
