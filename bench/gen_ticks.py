#!/usr/bin/env python3
"""Generate the trades and quotes of event windows for bench/ticks.sql.

    gen_ticks.py OUTDIR WINDOWS

Each window is one small-cap ticker around an event: 10 minutes of trades
and NBBO quotes whose statistics follow real ones (see the fixtures and
../shared/reference/performance_anchors.md): arrivals in bursts (sweeps hit
several venues within microseconds, then a pause), prices on the tick grid
with the bid-ask bounce, sub-penny prints off-exchange (TRF, exchange 4),
odd lots (about 45 %) with round lots and the odd block, fractional shares
in windows after 2026-02-23, a dozen venues, condition sets repeated and
tied to the print (odd lot 37, intermarket sweep 14, form T 12, ...), trade
ids counting per venue with gaps (other tickers' trades in between),
participant and TRF times a few microseconds to milliseconds before the SIP
time, sequence numbers shared with the quotes.

Writes OUTDIR/trades.csv and OUTDIR/quotes.csv (the columns of
polygon.trades and polygon.quotes, for COPY), and each window's trades and
quotes as the API's JSON body, compressed one window per file with
zstd -3 (the level of polygon_fdw's request cache).  Prints a JSON summary.
"""
import datetime as dt
import json
import math
import os
import random
import shutil
import subprocess
import sys

out, windows = sys.argv[1], int(sys.argv[2])
rng = random.Random(10)
os.makedirs(out, exist_ok=True)
jdir = os.path.join(out, "json")
shutil.rmtree(jdir, ignore_errors=True)
os.makedirs(jdir)
EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc)

# venues and how often they print a small cap (4 = any FINRA TRF)
VENUES = [(4, 40), (12, 15), (11, 8), (8, 6), (15, 6), (21, 6), (10, 4), (1, 3), (17, 3), (9, 3), (7, 2), (19, 2), (3, 2)]
VENUE_IDS = [v for v, _ in VENUES]
VENUE_W = [w for _, w in VENUES]
TRF_IDS = [(201, 30), (202, 60), (203, 10)]


def pick(pairs):
    return rng.choices([p for p, _ in pairs], [w for _, w in pairs])[0]


def lognormal(median, sigma):
    return median * math.exp(rng.gauss(0, sigma))


def ts_text(ns):
    """ts as polygon_fdw makes it: sip_timestamp floored to the microsecond, UTC"""
    return (EPOCH + dt.timedelta(microseconds=ns // 1000)).strftime("%Y-%m-%d %H:%M:%S.%f+00")


def csv_array(a):
    return '"{%s}"' % ",".join(map(str, a)) if a is not None else ""


def csv_num(x):
    return "" if x is None else repr(x) if isinstance(x, float) else str(x)


trades_csv = open(os.path.join(out, "trades.csv"), "w")
quotes_csv = open(os.path.join(out, "quotes.csv"), "w")
n_trades = n_quotes = 0
json_bytes = 0
days = [dt.date(2025, 9, 2) + dt.timedelta(days=k) for k in range(240)]
days = [d for d in days if d.weekday() < 5]
for w in range(windows):
    ticker = "W%05d" % w
    day = rng.choice(days)
    # the event: some time of the session, New York = UTC-4/-5 (close enough for a benchmark)
    start = dt.datetime(day.year, day.month, day.day, 13, 30, tzinfo=dt.timezone.utc) + \
        dt.timedelta(seconds=rng.randint(-5 * 3600, 6 * 3600))
    t0 = int((start - EPOCH).total_seconds()) * 1_000_000_000
    t1 = t0 + 600 * 1_000_000_000
    price0 = math.exp(rng.uniform(math.log(0.6), math.log(25)))
    tick = 0.0001 if price0 < 1 else 0.01
    decimals = 4 if price0 < 1 else 2
    level = round(price0 / tick)                  # the bid, in ticks
    spread = rng.choice([1, 1, 2, 2, 3, 4])       # in ticks
    fractional = day >= dt.date(2026, 2, 23)
    intensity = lognormal(2.2, 0.8)               # trades a second, on average
    quote_ratio = rng.uniform(3, 6)               # quotes per trade
    tape = rng.choice([3, 3, 3, 1, 2])
    seq = rng.randint(1000, 2_000_000)
    ids = {}
    bid_sz, ask_sz = 100 * rng.randint(1, 30), 100 * rng.randint(1, 30)
    bid_x, ask_x = rng.choice(VENUE_IDS[1:]), rng.choice(VENUE_IDS[1:])
    trades, quotes = [], []
    t = last = t0
    while True:
        # a burst: a sweep through venues, or a flurry of quote updates
        t += int(rng.expovariate(intensity / 3.2) * 1e9) + 1
        if t >= t1:
            break
        burst = 1 + int(rng.expovariate(1 / 2.2))
        move = rng.choices([-1, 0, 1], [0.22, 0.56, 0.22])[0]
        level = max(1, level + move)
        for k in range(burst):
            if k:
                t += max(1, int(lognormal(120_000, 1.2)))   # within a burst: ~120 us apart
            # quotes before the print (the NBBO moves, sizes change), after the last event
            nq = int(rng.expovariate(1 / quote_ratio))
            times = sorted(min(t, max(last + 1, t - int(lognormal(40_000, 1.5)))) for _ in range(nq))
            for qt in times:
                seq += 1
                if rng.random() < 0.35:
                    level = max(1, level + rng.choice([-1, 1]))
                    spread = max(1, min(6, spread + rng.choice([-1, 0, 0, 1])))
                if rng.random() < 0.6:
                    bid_sz = 100 * max(1, int(lognormal(6, 0.9))) if rng.random() < 0.93 else rng.randint(1, 99)
                    bid_x = rng.choices(VENUE_IDS[1:], VENUE_W[1:])[0]
                else:
                    ask_sz = 100 * max(1, int(lognormal(6, 0.9))) if rng.random() < 0.93 else rng.randint(1, 99)
                    ask_x = rng.choices(VENUE_IDS[1:], VENUE_W[1:])[0]
                q = {"ask_exchange": ask_x, "ask_price": round((level + spread) * tick, decimals),
                     "ask_size": ask_sz, "bid_exchange": bid_x, "bid_price": round(level * tick, decimals),
                     "bid_size": bid_sz, "participant_timestamp": qt - int(lognormal(18_000, 0.7)),
                     "sequence_number": seq, "sip_timestamp": qt, "tape": tape}
                if rng.random() < 0.04:
                    q["conditions"] = [1]
                if rng.random() < 0.02:
                    q["indicators"] = [604]
                quotes.append(q)
            # the print
            seq += 1
            ex = rng.choices(VENUE_IDS, VENUE_W)[0]
            side = rng.random() < 0.5
            p = (level + spread) * tick if side else level * tick
            if ex == 4 and rng.random() < 0.25:
                p = (level + spread / 2) * tick if rng.random() < 0.6 else level * tick + rng.randint(1, 99) * tick / 100
                price = round(p, decimals + 2)
            else:
                price = round(p, decimals)
            r = rng.random()
            odd = r < 0.45
            if odd:
                size = rng.choice([1, 1, 2, 3, 5, 5, 10, 10, 15, 20, 25, 25, 30, 40, 50, 50, 75, 99]) if rng.random() < 0.7 \
                    else rng.randint(1, 99)
            elif r < 0.99:
                size = rng.choice([100, 100, 100, 100, 200, 200, 300, 400, 500, 500, 1000, 1500, 2000])
            else:
                size = rng.choice([5000, 10000, 20000, 25000, 50000])
            if fractional and rng.random() < 0.03:
                size = round(rng.uniform(0.001, 3), rng.choice([1, 2, 3, 6]))
            trf = pick(TRF_IDS) if ex == 4 else None
            key = (ex, trf)
            if key not in ids:
                ids[key] = rng.randint(10_000_000, 79_999_999_999_999)
            ids[key] += 1 + int(rng.expovariate(1 / 400))
            tr = {"exchange": ex, "id": str(ids[key]), "price": price, "sequence_number": seq,
                  "sip_timestamp": t, "size": size, "tape": tape}
            if ex == 4:
                tr["trf_id"] = trf
                tr["trf_timestamp"] = t - int(lognormal(220_000, 0.8))
                tr["participant_timestamp"] = tr["trf_timestamp"] - int(lognormal(1_500_000, 1.5))
            else:
                tr["participant_timestamp"] = t - int(lognormal(30_000, 0.9))
            cond = None
            if odd:
                cond = [37] if rng.random() < 0.8 else [14, 37]
            elif rng.random() < 0.45:
                cond = rng.choices([[14], [41], [14, 41], [12], [53]], [5, 2, 1, 1, 1])[0]
            if cond is not None:
                tr["conditions"] = cond
            if rng.random() < 0.0005:
                tr["correction"] = 1
            trades.append(tr)
            last = t
    n_trades += len(trades)
    n_quotes += len(quotes)

    for tr in trades:
        trades_csv.write("%s,%s,%d,%d,%s,%s,%s,%d,%s,%d,%s,%s,%s,%d\n" % (
            ticker, ts_text(tr["sip_timestamp"]), tr["sip_timestamp"], tr["participant_timestamp"],
            csv_num(tr.get("trf_timestamp")), csv_num(tr["price"]), csv_num(float(tr["size"])), tr["exchange"],
            csv_num(tr.get("trf_id")), tr["tape"], csv_array(tr.get("conditions")), csv_num(tr.get("correction")),
            tr["id"], tr["sequence_number"]))
    for q in quotes:
        quotes_csv.write("%s,%s,%d,%d,,%s,%s,%d,%s,%s,%d,%s,%s,%d,%d\n" % (
            ticker, ts_text(q["sip_timestamp"]), q["sip_timestamp"], q["participant_timestamp"],
            csv_num(q["bid_price"]), csv_num(float(q["bid_size"])), q["bid_exchange"], csv_num(q["ask_price"]),
            csv_num(float(q["ask_size"])), q["ask_exchange"], csv_array(q.get("conditions")),
            csv_array(q.get("indicators")), q["sequence_number"], q["tape"]))
    for kind, rows in (("trades", trades), ("quotes", quotes)):
        body = json.dumps({"results": rows, "status": "OK", "request_id": "%032x" % w}, separators=(",", ":"))
        json_bytes += len(body)
        with open(os.path.join(jdir, "%s_%s.json" % (kind, ticker)), "w") as f:
            f.write(body)
trades_csv.close()
quotes_csv.close()

subprocess.run(["zstd", "-3", "-q", "--rm", "-r", jdir], check=True)
zst = {"trades": 0, "quotes": 0}
for name in os.listdir(jdir):
    zst[name.split("_")[0]] += os.path.getsize(os.path.join(jdir, name))
shutil.rmtree(jdir)
print(json.dumps({"windows": windows, "trades": n_trades, "quotes": n_quotes, "json_bytes": json_bytes,
                  "trades_json_zstd_bytes": zst["trades"], "quotes_json_zstd_bytes": zst["quotes"]}))
