#!/usr/bin/env python3
"""Write the bars of bench/store.sql: for each of TICKERS synthetic tickers, a
month of minute bars (March 2024, every minute of 04:00-20:00 New York on its 20
trading days) and a year of day bars (2024) as the Polygon aggregates endpoint
sends them (bars_<TICKER>_minute.json, bars_<TICKER>_day.json, served by the
mock with bench=1), and the same minute bars as CSV in the columns of
tape.bars_1m (store_bars.csv) for COPY.

    gen_store_bars.py OUTDIR TICKERS DAY_TICKERS

The first TICKERS tickers get minute bars, the first DAY_TICKERS day bars.
"""
import datetime as dt
import json
import os
import random
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "test", "mock"))
import universe as U  # noqa: E402

out, ntickers, nday = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
os.makedirs(os.path.join(out, "pages"), exist_ok=True)
tickers = ["B%04d" % i for i in range(1, max(ntickers, nday) + 1)]
march = list(U.trading_days(dt.date(2024, 3, 1), dt.date(2024, 3, 31)))
year = list(U.trading_days(dt.date(2024, 1, 1), dt.date(2024, 12, 31)))
csv = open(os.path.join(out, "store_bars.csv"), "w")
rows = 0


def bar(rng, price, t):
    o = price
    c = round(max(0.5, o * (1 + rng.gauss(0, 0.002))), 4)
    h = round(max(o, c) * (1 + abs(rng.gauss(0, 0.001))), 4)
    lo = round(min(o, c) * (1 - abs(rng.gauss(0, 0.001))), 4)
    v = rng.randint(100, 200000)
    return {"v": v, "vw": round((h + lo + c) / 3, 4), "o": o, "c": c, "h": h, "l": lo, "t": t,
            "n": max(1, v // rng.randint(80, 300))}


def page(ticker, results):
    return json.dumps({"ticker": ticker, "queryCount": len(results), "resultsCount": len(results),
                       "adjusted": True, "results": results, "status": "OK",
                       "request_id": "%032x" % random.Random(ticker).getrandbits(128),
                       "count": len(results)}, separators=(",", ":"))


for i, ticker in enumerate(tickers):
    rng = random.Random(ticker)
    price = rng.uniform(1, 19)
    minutes = []
    for day in (march if i < ntickers else []):
        start = U.ny_datetime(day, 4)
        for m in range(16 * 60):
            b = bar(rng, price, int((start + dt.timedelta(minutes=m)).timestamp() * 1000))
            price = b["c"]
            minutes.append(b)
            ts = dt.datetime.fromtimestamp(b["t"] / 1000, dt.timezone.utc).strftime("%Y-%m-%d %H:%M:%S+00")
            csv.write("%s,%s,%r,%r,%r,%r,%d,%r,%d,t\n" % (ticker, ts, b["o"], b["h"], b["l"], b["c"], b["v"],
                                                        b["vw"], b["n"]))
    rows += len(minutes)
    days = [bar(rng, price, U.ny_midnight_ms(day)) for day in year]
    for timespan, results in (("minute", minutes), ("day", days)):
        if not results or (timespan == "day" and i >= nday):
            continue
        with open(os.path.join(out, "pages", "bars_%s_%s.json" % (ticker, timespan)), "w") as f:
            f.write(page(ticker, results))
csv.close()
print(json.dumps({"tickers": ntickers, "day_tickers": nday, "rows": rows}))
