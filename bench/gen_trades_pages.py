#!/usr/bin/env python3
"""Write a chain of Polygon trades pages (50,000 trades each, as /v3/trades
sends them) and the same rows as CSV, for bench/run.sh.

    gen_trades_pages.py OUTDIR PAGES
"""
import json
import os
import random
import sys

out, pages = sys.argv[1], int(sys.argv[2])
per_page = 50000
os.makedirs(os.path.join(out, "pages"), exist_ok=True)
rng = random.Random(7)
ns = 1577975400000000000      # 2020-01-02 09:30 New York, in ns (bench/trades.sql reads that day)
seq = 1000
price = 7.5
csv = open(os.path.join(out, "trades.csv"), "w")
total_bytes = 0
conditions = [None, [14], [37], [12, 37], [41]]
for p in range(pages):
    results = []
    for _ in range(per_page):
        ns += rng.randint(1000, 5_000_000)
        seq += rng.randint(1, 40)
        price = round(max(0.5, price * (1 + rng.gauss(0, 0.0004))), 4)
        size = rng.choice([100, 100, 100, 200, 300, 500, 1000, rng.randint(1, 99)])
        ex = rng.choice([4, 11, 12, 15, 19, 21])
        tr = {"exchange": ex, "id": str(52983525000000 + seq),
              "participant_timestamp": ns - rng.randint(5_000, 60_000), "price": price,
              "sequence_number": seq, "sip_timestamp": ns, "size": size, "tape": 3}
        cond = rng.choice(conditions)
        if cond is not None:
            tr["conditions"] = cond
        if ex == 4:
            tr["trf_id"] = rng.choice([201, 202, 203])
            tr["trf_timestamp"] = ns - rng.randint(100_000, 2_000_000)
        results.append(tr)
        # ticker, sip_timestamp, participant_timestamp, trf_timestamp, price, size, exchange,
        # trf_id, tape, conditions, correction, id, sequence_number
        csv.write("BENCH,%d,%d,%s,%r,%r,%d,%s,3,%s,,%s,%d\n" % (
            ns, tr["participant_timestamp"], tr.get("trf_timestamp", ""), price, float(size), ex,
            tr.get("trf_id", ""), '"{%s}"' % ",".join(map(str, cond)) if cond else "",
            tr["id"], seq))
    body = {"results": results, "status": "OK", "request_id": "%032x" % p}
    if p + 1 < pages:
        body["next_url"] = ("https://api.massive.com/_f/bench=1,gzip=0/v3/trades/BENCH?cursor=%d" % (p + 1))
    data = json.dumps(body, separators=(",", ":"))
    total_bytes += len(data)
    with open(os.path.join(out, "pages", "trades_%04d.json" % p), "w") as f:
        f.write(data)
csv.close()
print(json.dumps({"pages": pages, "rows": pages * per_page, "json_bytes": total_bytes}))
