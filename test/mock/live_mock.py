#!/usr/bin/env python3
"""A mock of the feed's WebSocket (wss://socket.massive.com/stocks) for tape's tests.

It speaks the feed's protocol: on connect [{"ev":"status","status":"connected"}], then
{"action":"auth","params":KEY} answered by auth_success or auth_failed, then
{"action":"subscribe","params":"AM.*,T.ACME,..."} answered by "subscribed to: ...", and
then it replays one trading day of the demo universe (test/mock/universe.py, the same
bars the REST mock serves) at a chosen speed: minute m's bars (AM) leave when minute m
has passed on the replay clock, with that minute's trades (T) and quotes (Q) of the
tickers subscribed to them.  Messages are JSON arrays of events.  The replay clock runs
from the first subscription on and keeps running across reconnections: the minutes a
client misses while away are not sent again (the client fills them from REST).

Faults (--fault, repeatable): reject-key (every key refused), no-plan (the subscription
refused), drop@M (close the connection without a close frame after minute M's bars,
once, and skip --drop-skip minutes), half-open@M (after minute M go silent, answering
nothing, not even pings, keeping the socket open), malformed@M and oversized@M (a
message that is not JSON, or of --oversized-bytes, after minute M), late@M (minute M's
bars of the first ticker are held back and sent after minute M+1's), blast (after the
subscription, --blast-messages trade messages as fast as the socket takes them, the
day's replay after them).

It pings the client every --ping-every minutes of the replay.  A JSON line per event of
the protocol goes to --log (auth ok/refused, subscribe, minute, ping, pong, drop, ...), never
the key.  Python 3 standard library only.
"""

import argparse
import base64
import datetime as dt
import hashlib
import json
import os
import select
import socket
import socketserver
import struct
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import universe  # noqa: E402

GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"


class Replay:
    """The day being replayed and its clock, shared by every connection."""

    def __init__(self, args):
        self.args = args
        self.day = dt.date.fromisoformat(args.day)
        self.lock = threading.Lock()
        self.started = None
        start = dt.datetime.strptime(args.start, "%H:%M")
        end = dt.datetime.strptime(args.end, "%H:%M")
        self.first = universe.ny_datetime(self.day, start.hour, start.minute)
        self.minutes = int((end - start).total_seconds() // 60)
        self.skip = 0
        self.faults_done = set()
        tickers = args.tickers.split(",") if args.tickers else sorted(universe.UNIVERSE)
        self.bars = {}          # minute index -> [(ticker, bar)]
        self.trades = {}        # (ticker, minute index) -> [trade]
        self.quotes = {}
        first_ms = int(self.first.timestamp() * 1000)
        for t in tickers:
            for b in universe.minute_bars(t, self.day):
                k = (b["t"] - first_ms) // 60000
                if 0 <= k < self.minutes:
                    self.bars.setdefault(k, []).append((t, b))
        self.tickers = tickers
        self.first_ms = first_ms

    def clock(self):
        """Minutes of the day that have passed (bars that may leave)."""
        with self.lock:
            if self.started is None:
                self.started = time.time()
            passed = (time.time() - self.started) * self.args.speed / 60.0
            return int(passed) + self.skip

    def ticks(self, kind, ticker, k):
        key = (ticker, k)
        table = self.trades if kind == "T" else self.quotes
        with self.lock:
            if ticker not in getattr(self, "_loaded_" + kind, set()):
                rows = universe.day_trades(ticker, self.day) if kind == "T" else \
                    universe.day_quotes(ticker, self.day)
                for r in rows:
                    kk = (r["sip_timestamp"] // 1_000_000 - self.first_ms) // 60000
                    table.setdefault((ticker, kk), []).append(r)
                loaded = getattr(self, "_loaded_" + kind, set())
                loaded.add(ticker)
                setattr(self, "_loaded_" + kind, loaded)
            return table.get(key, [])


def am_event(ticker, b):
    return {"ev": "AM", "sym": ticker, "v": b["v"], "av": b["v"], "op": b["o"], "vw": b["vw"],
            "o": b["o"], "c": b["c"], "h": b["h"], "l": b["l"], "a": b["vw"],
            "z": max(1, int(b["v"] / max(1, b["n"]))), "s": b["t"], "e": b["t"] + 60000}


def t_event(ticker, r):
    return {"ev": "T", "sym": ticker, "x": r.get("exchange", 4), "i": str(r.get("id", "")),
            "z": 3, "p": r["price"], "s": r["size"], "c": r.get("conditions") or [],
            "t": r["sip_timestamp"] // 1_000_000, "q": r.get("sequence_number", 0)}


def q_event(ticker, r):
    return {"ev": "Q", "sym": ticker, "bx": r.get("bid_exchange", 4), "bp": r["bid_price"],
            "bs": r["bid_size"], "ax": r.get("ask_exchange", 4), "ap": r["ask_price"],
            "as": r["ask_size"], "c": 1, "t": r["sip_timestamp"] // 1_000_000,
            "q": r.get("sequence_number", 0), "z": 3}


class Handler(socketserver.BaseRequestHandler):
    def log(self, what, **kw):
        self.server.log(what, **kw)

    # --- framing -------------------------------------------------------
    def send_frame(self, opcode, payload):
        n = len(payload)
        if n < 126:
            head = struct.pack("!BB", 0x80 | opcode, n)
        elif n < 65536:
            head = struct.pack("!BBH", 0x80 | opcode, 126, n)
        else:
            head = struct.pack("!BBQ", 0x80 | opcode, 127, n)
        self.request.sendall(head + payload)

    def send_json(self, obj):
        self.send_frame(1, json.dumps(obj, separators=(",", ":")).encode())

    def recv_exact(self, n):
        buf = b""
        while len(buf) < n:
            chunk = self.request.recv(n - len(buf))
            if not chunk:
                raise ConnectionError("closed")
            buf += chunk
        return buf

    def recv_frame(self):
        b1, b2 = self.recv_exact(2)
        opcode = b1 & 0x0F
        n = b2 & 0x7F
        if n == 126:
            n = struct.unpack("!H", self.recv_exact(2))[0]
        elif n == 127:
            n = struct.unpack("!Q", self.recv_exact(8))[0]
        mask = self.recv_exact(4) if b2 & 0x80 else b"\0\0\0\0"
        data = bytearray(self.recv_exact(n))
        for i in range(n):
            data[i] ^= mask[i % 4]
        return opcode, bytes(data)

    def handshake(self):
        req = b""
        while b"\r\n\r\n" not in req:
            chunk = self.request.recv(4096)
            if not chunk:
                raise ConnectionError("closed")
            req += chunk
        key = ""
        for line in req.decode("latin-1").split("\r\n"):
            if line.lower().startswith("sec-websocket-key:"):
                key = line.split(":", 1)[1].strip()
        accept = base64.b64encode(hashlib.sha1((key + GUID).encode()).digest()).decode()
        self.request.sendall(("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
                              "Connection: Upgrade\r\nSec-WebSocket-Accept: %s\r\n\r\n" % accept).encode())

    # --- the protocol ---------------------------------------------------
    def handle(self):
        args = self.server.args
        replay = self.server.replay
        self.subs = None
        self.silent = False
        self.request.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        try:
            self.handshake()
            self.log("connect")
            self.send_json([{"ev": "status", "status": "connected", "message": "Connected Successfully"}])
            sent = None
            while True:
                self.read_client()
                if self.subs is None or self.silent:
                    time.sleep(0.005)
                    continue
                if sent is None:
                    sent = self.start_replay()
                upto = min(replay.clock(), replay.minutes)
                while sent < upto:
                    if not self.send_minute(sent):
                        return
                    sent += 1
                    if self.silent:
                        break
                if sent >= replay.minutes and not getattr(self, "done", False):
                    self.done = True
                    self.log("done", minutes=replay.minutes)
        except (ConnectionError, BrokenPipeError, ConnectionResetError, OSError):
            self.log("disconnect")

    def read_client(self):
        while True:
            # sends block while the client reads slowly; reads only when there is something
            readable, _, _ = select.select([self.request], [], [], 0.005)
            if not readable:
                return
            opcode, data = self.recv_frame()
            if self.silent:
                continue
            if opcode == 8:
                self.log("close")
                raise ConnectionError("client closed")
            if opcode == 9:
                self.send_frame(10, data)
                continue
            if opcode == 10:
                self.log("pong", payload=data.decode("latin-1"))
                continue
            if opcode != 1:
                continue
            self.on_text(data)

    def on_text(self, data):
        args = self.server.args
        try:
            msg = json.loads(data)
        except ValueError:
            self.send_json([{"ev": "status", "status": "error", "message": "invalid JSON"}])
            return
        action = msg.get("action")
        if action == "auth":
            ok = msg.get("params") == args.api_key and "reject-key" not in args.fault
            self.log("auth", ok=ok)
            if ok:
                self.authed = True
                self.send_json([{"ev": "status", "status": "auth_success", "message": "authenticated"}])
            else:
                self.send_json([{"ev": "status", "status": "auth_failed", "message": "authentication failed"}])
                raise ConnectionError("auth failed")
        elif action == "subscribe":
            if not getattr(self, "authed", False):
                self.send_json([{"ev": "status", "status": "error", "message": "not authorized"}])
                return
            params = msg.get("params", "")
            self.log("subscribe", params=params)
            if "no-plan" in args.fault:
                self.send_json([{"ev": "status", "status": "error",
                                 "message": "Your plan doesn't include websocket access to " + params}])
                return
            subs = set()
            for p in params.split(","):
                ch, _, tk = p.strip().partition(".")
                subs.add((ch, tk))
            self.subs = subs
            self.send_json([{"ev": "status", "status": "success", "message": "subscribed to: " + params}])

    def wants(self, ch, ticker):
        return (ch, "*") in self.subs or (ch, ticker) in self.subs

    def start_replay(self):
        args = self.server.args
        replay = self.server.replay
        start = replay.clock()      # starts the clock on the first subscription
        if "blast" in args.fault and "blast" not in replay.faults_done:
            replay.faults_done.add("blast")
            self.log("blast", messages=args.blast_messages)
            t0 = replay.first_ms + 9 * 60 * 60000
            for i in range(args.blast_messages):
                batch = [{"ev": "T", "sym": "ACME", "x": 4, "i": str(i * 100 + j), "z": 3, "p": 4.2,
                          "s": 100, "c": [12], "t": t0 + i, "q": i * 100 + j} for j in range(100)]
                self.send_json(batch)
            self.log("blast done")
        return start

    def fault_at(self, name, k):
        args = self.server.args
        replay = self.server.replay
        spec = "%s@%d" % (name, k)
        if spec in args.fault and spec not in replay.faults_done:
            replay.faults_done.add(spec)
            return True
        return False

    def send_minute(self, k):
        args = self.server.args
        replay = self.server.replay
        events = [am_event(t, b) for t, b in replay.bars.get(k, []) if self.wants("AM", t)]
        held = getattr(self, "held", None)
        if self.fault_at("late", k) and events:
            self.held = [events.pop(0)]
            self.log("late", minute=k, ticker=self.held[0]["sym"])
        ticks = []
        for t in replay.tickers:
            if self.wants("T", t):
                ticks += [t_event(t, r) for r in replay.ticks("T", t, k)]
            if self.wants("Q", t):
                ticks += [q_event(t, r) for r in replay.ticks("Q", t, k)]
        if ticks:
            for i in range(0, len(ticks), 500):
                self.send_json(ticks[i:i + 500])
        if events:
            self.send_json(events)
        if held:
            self.send_json(held)
            self.held = None
        self.log("minute", minute=k, bars=len(events))
        if args.ping_every and k % args.ping_every == 0:
            self.send_frame(9, b"m%d" % k)
            self.log("ping", minute=k)
        if self.fault_at("malformed", k):
            self.send_frame(1, b'[{"ev":"AM","sym":"ACME","v":12')
            self.log("malformed", minute=k)
        if self.fault_at("oversized", k):
            self.send_frame(1, b"[" + b" " * args.oversized_bytes + b"]")
            self.log("oversized", minute=k, bytes=args.oversized_bytes)
        if self.fault_at("drop", k):
            with replay.lock:
                replay.skip += args.drop_skip
            self.log("drop", minute=k, skip=args.drop_skip)
            self.request.shutdown(socket.SHUT_RDWR)
            self.request.close()
            return False
        if self.fault_at("half-open", k):
            self.silent = True
            self.log("half-open", minute=k)
        return True


class Server(socketserver.ThreadingMixIn, socketserver.TCPServer):
    allow_reuse_address = True
    daemon_threads = True

    def __init__(self, addr, args):
        super().__init__(addr, Handler)
        self.args = args
        self.replay = Replay(args)
        self.log_lock = threading.Lock()

    def log(self, what, **kw):
        if not self.args.log:
            return
        kw.update(event=what, t=time.time())
        with self.log_lock, open(self.args.log, "a") as f:
            f.write(json.dumps(kw) + "\n")


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--port-file")
    p.add_argument("--log")
    p.add_argument("--api-key", required=True)
    p.add_argument("--day", required=True, help="the trading day replayed, YYYY-MM-DD")
    p.add_argument("--start", default="04:00", help="New York time the replay starts at")
    p.add_argument("--end", default="20:00", help="New York time it ends at")
    p.add_argument("--speed", type=float, default=60.0,
                   help="replay speed: 1 is real time, 600 a minute of bars every 0.1 s "
                        "(tests go faster)")
    p.add_argument("--tickers", help="comma-separated tickers (default: the demo universe)")
    p.add_argument("--fault", action="append", default=[])
    p.add_argument("--drop-skip", type=int, default=20)
    p.add_argument("--oversized-bytes", type=int, default=4 * 1024 * 1024)
    p.add_argument("--blast-messages", type=int, default=2000)
    p.add_argument("--ping-every", type=int, default=60, help="ping the client every N minutes of the replay")
    args = p.parse_args()
    srv = Server((args.host, args.port), args)
    if args.port_file:
        with open(args.port_file + ".tmp", "w") as f:
            f.write(str(srv.server_address[1]))
        os.replace(args.port_file + ".tmp", args.port_file)
    try:
        srv.serve_forever(poll_interval=0.05)
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
