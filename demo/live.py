#!/usr/bin/env python3
"""demo/live.py: the live section of the demo.

A trading day of the demo universe replayed through the mock of the feed's WebSocket
(test/mock/live_mock.py, started by scripts/demo.sh): the server polygon points its
stream_url at the mock, tape.live_start subscribes to AM.*, and each event is printed as
its NOTIFY arrives (LISTEN tape_events, through libpq).  At the end: what the worker saw,
and the same events found by tape.detect_intraday over the stored bars.
"""

import argparse
import datetime as dt
import json
import os
import sys
import time

here = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(here, "..", "bench"))
sys.path.insert(0, os.path.join(here, "..", "test", "mock"))
from live import Conn  # noqa: E402  (bench/live.py: libpq through ctypes)
import universe  # noqa: E402


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--db", required=True)
    ap.add_argument("--stream-url", required=True)
    ap.add_argument("--mock-log", required=True)
    ap.add_argument("--day", default="2025-11-18", help="the day the mock replays")
    ap.add_argument("--timeout", type=float, default=120)
    args = ap.parse_args()

    db = Conn(args.db)
    db.query("SET client_min_messages = warning")
    db.query("SELECT tape.create_partitions((SELECT max(ts) FROM tape.bars_1m)::date, '%s')" % args.day)
    has = db.query("SELECT count(*) FROM pg_options_to_table((SELECT srvoptions FROM pg_foreign_server "
                   "WHERE srvname = 'polygon')) WHERE option_name = 'stream_url'")
    db.query("ALTER SERVER polygon OPTIONS (%s stream_url '%s')" % ("SET" if has == "1" else "ADD", args.stream_url))
    # the detectors warm on the days before the replay: the minute bars from the end of the
    # store to the eve of the replayed day, of the tickers the store has at its end
    db.query("""
INSERT INTO tape.bars_1m (ticker, ts, open, high, low, close, volume, vwap, transactions, adjusted)
SELECT ticker, ts, open, high, low, close, volume, vwap, transactions, true
  FROM polygon.bars
 WHERE ticker = ANY (ARRAY(SELECT DISTINCT ticker FROM tape.bars_1m
                            WHERE ts >= (SELECT max(ts) FROM tape.bars_1m) - interval '10 days'))
   AND timespan = 'minute' AND ts > (SELECT max(ts) FROM tape.bars_1m) AND ts < tape.ny_midnight('%s')"""
             % args.day)
    listen = Conn(args.db)
    listen.query("LISTEN tape_events")
    pid = db.query("SELECT tape.live_start('polygon', 'AM.*')")
    print("tape.live_start('polygon', 'AM.*'): worker %s; the alerts as they arrive "
          "(NOTIFY tape_events; +ms: from the event's insert to its notification here):" % pid)
    print("  %-5s  %-6s %-20s %-4s %6s %8s %8s %8s" % ("time", "ticker", "event", "dir", "score",
                                                     "price", "spike_x", "+ms"))
    started = time.time()
    seen = 0
    while time.time() - started < args.timeout:
        for now, payload in listen.notifications(0.3):
            e = json.loads(payload)
            ts = dt.datetime.fromisoformat(e["ts"])
            ny = ts + dt.timedelta(hours=universe.ny_offset_at(ts))
            detected = dt.datetime.fromisoformat(e["detected_at"]).timestamp()
            seen += 1
            print("  %s  %-6s %-20s %-4s %6.1f %8.2f %8s %8.1f" % (
                ny.strftime("%H:%M"), e["ticker"], e["type"], e["direction"], e["score"], e["price"],
                "%.1f" % e["spike_x"] if e["spike_x"] is not None else "", (now - detected) * 1000))
        # done when the mock has sent the day and the worker has stored every bar it sent
        log = open(args.mock_log).read().splitlines() if os.path.exists(args.mock_log) else []
        entries = [json.loads(x) for x in log if x]
        if any(x["event"] == "done" for x in entries):
            sent = sum(x.get("bars", 0) for x in entries if x["event"] == "minute")
            if db.query("SELECT bars >= %d AND queue_bytes = 0 FROM tape.live_status" % sent) == "t":
                for now, payload in listen.notifications(0.3):
                    pass
                break
    print(db.query("SELECT format('The worker: %s, %s messages, %s bars of %s tickers stored and judged, "
                   "%s events, lag %s (a replay: the age of the day), detectors warmed from %s.', "
                   "state, messages, bars, tickers, events, date_trunc('second', lag), warmed_from) "
                   "FROM tape.live_status"))
    same = db.query("""
WITH s AS (SELECT warmed_from, trading_day, config FROM tape.live_status),
b AS (SELECT e.* FROM s, tape.detect_intraday(format('SELECT * FROM tape.bars_1m WHERE ts >= %L AND ts < %L ORDER BY ticker, ts',
        tape.ny_midnight(s.warmed_from), tape.ny_midnight(s.trading_day + 1)), s.config, s.trading_day) e),
l AS (SELECT ticker, ts, trading_day, event_type, direction, session, score, close, volume, dollar_volume,
             spike_x, pct_change, level, vwap, vwap_distance_pct, consecutive_bars FROM tape.events_live)
SELECT format('tape.detect_intraday over the same stored bars finds %s events; %s of them differ from the live ones.',
              (SELECT count(*) FROM b),
              (SELECT count(*) FROM (SELECT * FROM b EXCEPT SELECT * FROM l UNION ALL
                                     (SELECT * FROM l EXCEPT SELECT * FROM b)) x))""")
    print(same)
    db.query("SELECT tape.live_stop()")
    print("tape.live_stop(): stopped.")
    if seen == 0:
        raise SystemExit("demo/live.py: no alert arrived")


if __name__ == "__main__":
    main()
