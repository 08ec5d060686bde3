#!/usr/bin/env python3
"""Write a chain of Polygon aggregates pages (50,000 minute bars each, as the
API sends them) and the same rows as CSV, for bench/run.sh.

    gen_bars_pages.py OUTDIR PAGES
"""
import json
import os
import random
import sys

out, pages = sys.argv[1], int(sys.argv[2])
per_page = 50000
os.makedirs(os.path.join(out, "pages"), exist_ok=True)
rng = random.Random(42)
t = 1577977200000            # 2020-01-02 10:00 New York, in ms
price = 7.5
csv = open(os.path.join(out, "bars.csv"), "w")
total_bytes = 0
for p in range(pages):
    results = []
    for _ in range(per_page):
        o = price
        c = round(max(0.5, o * (1 + rng.gauss(0, 0.002))), 4)
        h = round(max(o, c) * (1 + abs(rng.gauss(0, 0.001))), 4)
        lo = round(min(o, c) * (1 - abs(rng.gauss(0, 0.001))), 4)
        v = rng.randint(100, 200000)
        vw = round((h + lo + c) / 3, 4)
        n = max(1, v // rng.randint(80, 300))
        results.append({"v": v, "vw": vw, "o": o, "c": c, "h": h, "l": lo, "t": t, "n": n})
        csv.write("BENCH,%d,%r,%r,%r,%r,%d,%r,%d\n" % (t, o, h, lo, c, v, vw, n))
        price = c
        t += 60000
    body = {"ticker": "BENCH", "queryCount": per_page, "resultsCount": per_page, "adjusted": True,
            "results": results, "status": "OK", "request_id": "%032x" % p, "count": per_page}
    if p + 1 < pages:
        # another host on purpose: the FDW must follow only the path and query
        body["next_url"] = ("https://api.massive.com/_f/bench=1,gzip=0/v2/aggs/ticker/BENCH/range/1/minute/%d/0"
                            "?cursor=%d" % (t, p + 1))
    data = json.dumps(body, separators=(",", ":"))
    total_bytes += len(data)
    with open(os.path.join(out, "pages", "page_%04d.json" % p), "w") as f:
        f.write(data)
csv.close()
print(json.dumps({"pages": pages, "rows": pages * per_page, "json_bytes": total_bytes}))
