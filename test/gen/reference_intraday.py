#!/usr/bin/env python3
"""The intraday detectors re-implemented from docs/analytics.md ("Intraday detectors"), with the
default configuration (tape_speed off), as an independent reference for the C code.

    reference_intraday.py [planted|quiet] [the options of smallcaps.py]

generates the bars with test/gen/smallcaps.py and prints the events these rules find, as CSV:
ticker, ts (UTC), event_type, direction, session, score, spike_x, pct_change, consecutive_bars, level.
The regression test detect_quality compares them with tape.detect_intraday on the same bars.
Written from the documentation, not from the C source: where the two disagree, one of them is wrong.
"""

import argparse
import datetime as dt
import math
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import smallcaps  # noqa: E402
from universe import HALF_DAYS, UTC, ny_offset_at  # noqa: E402

TYPES = ["volume_spike", "vwap_break", "price_momentum", "consolidation_break",
         "opening_range_break", "tape_speed", "flush"]
NAN = float("nan")
MIN = dt.timedelta(minutes=1)

# the defaults of tape.default_config()->'intraday', as docs/analytics.md states them
C = dict(
    profile_days=20, profile_minutes=2, min_days=5, min_samples=10, lag=30, level_min_bars=30,
    min_price=1.0, max_price=500.0, min_bar_dv=10000, min_day_dv=500000, min_day_dv_bear=1000000,
    vs=dict(rth=(6.0, 10000, 50000), ext=(8.0, 15000, 75000), up_change=1.0, down_red=2, down_drop=2.0),
    vb_up=dict(dist=0.6, bars=2, x=2.0, below=0.6, lookback=30),
    vb_down=dict(dist=0.8, bars=3, x=2.5, lookback=10),
    pm=dict(window=5, up_change=3.0, up_breakout=20, up_x=1.8, down_change=3.5, down_breakdown=20, accel=1.2),
    cb=dict(base=30, min_base_bars=10, max_range=1.5, bars=2, breakout=1.0, x=2.0),
    orb=dict(range=15, cutoff=90, breakout=0.5, bars=2, x=1.8),
    fl=dict(drop=8.0, tol=1.0, window=15, x=4.0, red=3),
    dedup_window=10, keep_pct=10,
    weights=(0.30, 0.25, 0.20, 0.15, 0.10), caps=(20, 10, 1000000, 5, 5),
)


def local(ts):
    return ts + dt.timedelta(hours=ny_offset_at(ts))


# every threshold in percent: (x / ref - 1) x 100 against p, inclusive, with an allowance of
# 1e-9 percentage points for binary rounding (2.00 -> 2.01 is a 0.5 % move)
ROUNDING = 1e-9


def pct(x, ref):
    return (x / ref - 1) * 100


def pct_at_least(x, ref, p):
    """x is at least p % above ref (p < 0: at most -p % under it)"""
    return pct(x, ref) >= p - ROUNDING


def pct_at_most(x, ref, p):
    """x is at most p % above ref (p < 0: at least -p % under it)"""
    return pct(x, ref) <= p + ROUNDING


class Bar:
    pass


def sessions(day):
    close = 13 * 60 if day in HALF_DAYS else 16 * 60
    return 4 * 60, 9 * 60 + 30, close, close + 240


def session_of(minute, day):
    pm, rth, close, ah = sessions(day)
    if pm <= minute < rth:
        return "PM"
    if rth <= minute < close:
        return "RTH"
    if close <= minute < ah:
        return "AH"
    return None


def minute_key(minute, session, day):
    """Step 1 of the baseline: the minute of the profile."""
    pm, rth, close, ah = sessions(day)
    if session == "PM":
        return minute - pm
    if session == "RTH":
        i, length = minute - rth, close - rth
        return 330 + (i if i < length // 2 else 390 - (length - i))
    return 720 + (minute - close)


SESSION_KEYS = {"PM": (0, 329), "RTH": (330, 719), "AH": (720, 959)}


def baselines(ring):
    """Steps 3-5: the mean (arithmetic scale) and the typical volume of every minute."""
    out = {}
    for ses, (first, last) in SESSION_KEYS.items():
        n, s1, s2 = {}, {}, {}
        for k in range(first, last + 1):
            values = [day[k] for day in ring if k in day]
            n[k], s1[k], s2[k] = len(values), sum(values), sum(x * x for x in values)
        ss = sum(s2[k] - s1[k] * s1[k] / n[k] for k in n if n[k] >= 2)
        df = sum(n[k] - 1 for k in n if n[k] >= 2)
        var = max(0.0, ss) / df if df else 0.0
        n_all, s_all = sum(n.values()), sum(s1.values())
        for k in range(first, last + 1):
            js = range(max(first, k - C["profile_minutes"]), min(last, k + C["profile_minutes"]) + 1)
            cnt, tot = sum(n[j] for j in js), sum(s1[j] for j in js)
            if cnt < C["min_samples"]:
                cnt, tot = n_all, s_all
            if cnt < C["min_samples"]:
                out[k] = (NAN, NAN)
            else:
                mu = tot / cnt
                out[k] = (math.exp(mu + var / 2), math.exp(mu))
    return out


def detect_day(ticker, day, bars, ring):
    has_profile = len(ring) >= C["min_days"]
    base = baselines(ring) if has_profile else None
    vwap_pv = vwap_v = 0.0
    level_next, level_sum, level_n = 0, 0.0, 0
    for i, b in enumerate(bars):
        prev = bars[i - 1] if i else None
        b.key = minute_key(b.minute, b.session, day)
        b.price = b.vwap_col if b.vwap_col is not None else (b.high + b.low + b.close) / 3
        b.dv = b.price * b.volume
        if has_profile:
            mean, typical = base[b.key]
            b.typical = typical
            # step 6: the day's level from the bars at or before t - 30 minutes
            while level_next < i and bars[level_next].ts <= b.ts - C["lag"] * MIN:
                k = bars[level_next]
                if k.volume > 0 and k.typical > 0:
                    level_sum += math.log(k.volume / k.typical)
                    level_n += 1
                level_next += 1
            level = math.exp(level_sum / level_n) if level_n >= C["level_min_bars"] else 1.0
            b.base = mean * level
        else:
            b.typical = b.base = NAN
        b.vol_x = b.volume / b.base if b.base > 0 else NAN
        b.vwap = NAN
        if b.minute >= 9 * 60 + 30:
            if b.volume > 0:
                vwap_pv += b.price * b.volume
                vwap_v += b.volume
            if vwap_v > 0:
                b.vwap = vwap_pv / vwap_v
        b.hod = b.high if prev is None or b.high > prev.hod else prev.hod
        near = prev is None or pct_at_least(b.high, b.hod, -C["fl"]["tol"])
        b.near_ts = b.ts if near else prev.near_ts
        b.red = (prev.red + 1 if prev else 1) if b.close < b.open else 0
        b.green = (prev.green + 1 if prev else 1) if b.close > b.open else 0

    events = []

    def event(i, kind, up, **kw):
        b = bars[i]
        e = dict(ticker=ticker, ts=b.ts, type=kind, up=up, session=b.session, close=b.close, dv=b.dv,
                 spike_x=b.vol_x, vwap_dist=pct(b.close, b.vwap) if b.vwap == b.vwap else NAN,
                 pct=pct(b.close, b.open), bars=b.green if up else b.red, level=NAN)
        e.update(kw)
        events.append(e)

    def run_x(i, n):
        v = sum(bars[k].volume for k in range(i - n + 1, i + 1))
        s = sum(bars[k].base for k in range(i - n + 1, i + 1))
        return v / s if s > 0 else NAN

    qualified = {}

    def first_of_run(kind, up, ok):
        was = qualified.get((kind, up), False)
        qualified[(kind, up)] = ok
        return ok and not was

    def ge(x, y):
        return x == x and x >= y

    above = below = 0
    orb_run = {True: 0, False: 0}
    orb_done = {True: False, False: False}
    _, rth_local, _, _ = sessions(day)
    or_bars = [b for b in bars if rth_local <= b.minute < rth_local + C["orb"]["range"]]
    or_high = max((b.high for b in or_bars), default=None)
    or_low = min((b.low for b in or_bars), default=None)

    back_next = 0             # bars[:back_next] are at or before t - window
    for i, b in enumerate(bars):
        # volume_spike
        vs = C["vs"]
        th = vs["rth"] if b.session == "RTH" else vs["ext"]
        spike = ge(b.vol_x, th[0]) and b.volume >= th[1] and b.dv >= th[2]
        prev_close = bars[i - 1].close if i else b.open
        if first_of_run("vs", True, spike and b.close >= b.open and pct_at_least(b.close, prev_close, vs["up_change"])):
            event(i, "volume_spike", True, pct=pct(b.close, prev_close), level=b.hod)
        if first_of_run("vs", False, spike and b.close < b.open and b.red >= vs["down_red"]
                        and pct_at_most(b.close, b.hod, -vs["down_drop"])):
            event(i, "volume_spike", False, pct=pct(b.close, b.hod), level=b.hod)

        # vwap_break
        if b.vwap != b.vwap:
            above = below = 0
        else:
            up, dn = C["vb_up"], C["vb_down"]
            above = above + 1 if pct_at_least(b.close, b.vwap, up["dist"]) else 0
            below = below + 1 if pct_at_most(b.close, b.vwap, -dn["dist"]) else 0
            if above == up["bars"]:
                j = i - above
                lost = False
                for k in range(j, -1, -1):
                    x = bars[k]
                    if x.vwap != x.vwap:
                        break
                    if x.close < x.vwap:
                        lost = True
                        break
                    if pct_at_least(x.close, x.vwap, up["dist"]):
                        break
                deep = any(bars[k].vwap == bars[k].vwap and pct_at_most(bars[k].close, bars[k].vwap, -up["below"])
                           for k in range(max(0, j - up["lookback"] + 1), j + 1))
                x = run_x(i, above)
                if lost and deep and ge(x, up["x"]):
                    event(i, "vwap_break", True, spike_x=x, pct=pct(b.close, b.vwap), level=b.vwap,
                          bars=above)
            if below == dn["bars"]:
                first = i - below + 1
                failed = any(bars[k].vwap == bars[k].vwap and bars[k].high >= bars[k].vwap
                             and bars[k].close < bars[k].vwap and bars[k - 1].vwap == bars[k - 1].vwap
                             and bars[k - 1].close < bars[k - 1].vwap
                             for k in range(max(1, first - dn["lookback"]), first + 1))
                x = run_x(i, below)
                if failed and ge(x, dn["x"]):
                    event(i, "vwap_break", False, spike_x=x, pct=pct(b.close, b.vwap), level=b.vwap,
                          bars=below)

        # price_momentum
        pm = C["pm"]
        while back_next < i and bars[back_next].ts <= b.ts - pm["window"] * MIN:
            back_next += 1
        up_ok = down_ok = False
        hi = lo = None
        if back_next > 0:
            j = back_next - 1
            chg = pct(b.close, bars[j].close)
            if pct_at_least(b.close, bars[j].close, pm["up_change"]) and ge(b.vol_x, pm["up_x"]):
                prior = [bars[k] for k in range(max(0, i - 960), i) if bars[k].ts >= b.ts - pm["up_breakout"] * MIN]
                if prior:
                    hi = max(x.high for x in prior)
                    up_ok = b.close > hi
            if pct_at_most(b.close, bars[j].close, -pm["down_change"]):
                prior = [bars[k] for k in range(max(0, i - 960), i) if bars[k].ts >= b.ts - pm["down_breakdown"] * MIN]
                kk = [k for k in range(j + 1) if bars[k].ts <= b.ts - 2 * pm["window"] * MIN]
                fall = max(0.0, -pct(bars[j].close, bars[kk[-1]].close)) if kk else 0.0
                if prior:
                    lo = min(x.low for x in prior)
                    down_ok = b.close < lo and -chg >= pm["accel"] * fall
        if first_of_run("pm", True, up_ok):
            event(i, "price_momentum", True, pct=chg, level=hi)
        if first_of_run("pm", False, down_ok):
            event(i, "price_momentum", False, pct=chg, level=lo)

        # consolidation_break
        cb = C["cb"]
        f = i - cb["bars"] + 1
        if f >= 1:
            x = run_x(i, cb["bars"])
            base_bars = [bars[k] for k in range(f) if bars[k].ts >= bars[f].ts - cb["base"] * MIN] \
                if ge(x, cb["x"]) else []
            if len(base_bars) >= cb["min_base_bars"]:
                bh, bl = max(k.high for k in base_bars), min(k.low for k in base_bars)
                if bl > 0 and pct_at_most(bh, bl, cb["max_range"]):
                    for up in (False, True):
                        beyond = ((lambda k: pct_at_least(bars[k].close, bh, cb["breakout"])) if up
                                  else (lambda k: pct_at_most(bars[k].close, bl, -cb["breakout"])))
                        if all(beyond(k) for k in range(f, i + 1)) and not beyond(f - 1):
                            lvl = bh if up else bl
                            event(i, "consolidation_break", up, spike_x=x, pct=pct(b.close, lvl),
                                  level=lvl, bars=cb["bars"])

        # opening_range_break
        o = C["orb"]
        judged = (b.session == "RTH" and rth_local + o["range"] <= b.minute < rth_local + o["cutoff"]
                  and or_high is not None)
        for up in (True, False):
            beyond = judged and (pct_at_least(b.close, or_high, o["breakout"]) if up
                                 else pct_at_most(b.close, or_low, -o["breakout"]))
            orb_run[up] = orb_run[up] + 1 if beyond else 0
            if not orb_done[up] and orb_run[up] == o["bars"]:
                orb_done[up] = True
                x = run_x(i, o["bars"])
                if ge(x, o["x"]):
                    lvl = or_high if up else or_low
                    event(i, "opening_range_break", up, spike_x=x, pct=pct(b.close, lvl), level=lvl,
                          bars=o["bars"])

        # flush
        fl = C["fl"]
        # a near-high bar in the window of window_minutes bars ending here: less than 15 minutes before
        ok = (i > 0 and ge(b.vol_x, fl["x"]) and pct_at_most(b.close, b.hod, -fl["drop"])
              and b.near_ts > b.ts - fl["window"] * MIN and b.red >= fl["red"] and b.volume > bars[i - 1].volume)
        if first_of_run("fl", False, ok):
            event(i, "flush", False, pct=pct(b.close, b.hod), level=b.hod)

    # score, filters, deduplication
    def capped(x, cap):
        return 0.0 if x != x else min(1.0, abs(x) / cap)

    w, cap = C["weights"], C["caps"]
    for e in events:
        e["score"] = 100 * (w[0] * capped(e["spike_x"], cap[0]) + w[1] * capped(e["pct"], cap[1])
                            + w[2] * capped(e["dv"], cap[2]) + w[3] * capped(e["bars"], cap[3])
                            + w[4] * capped(e["vwap_dist"], cap[4]))
    day_dv = sum(b.dv for b in bars)
    kept = [e for e in events
            if C["min_price"] <= e["close"] <= C["max_price"] and e["dv"] >= C["min_bar_dv"]
            and day_dv >= (C["min_day_dv"] if e["up"] else C["min_day_dv_bear"])]
    out = []
    for e in sorted(kept, key=lambda e: (-e["score"], e["ts"])):
        if not any(k["type"] == e["type"] and k["up"] == e["up"]
                   and abs((k["ts"] - e["ts"]).total_seconds()) < C["dedup_window"] * 60
                   and e["score"] < k["score"] * (1 - C["keep_pct"] / 100) for k in out):
            out.append(e)
    out.sort(key=lambda e: (e["ts"], TYPES.index(e["type"])))
    # the day joins the profile
    day_logs = {}
    for b in bars:
        day_logs[b.key] = day_logs.get(b.key, 0.0) + b.volume
    ring.append({k: math.log(v) for k, v in day_logs.items() if v > 0})
    if len(ring) > C["profile_days"]:
        ring.pop(0)
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("variant", choices=["planted", "quiet"])
    smallcaps.add_options(ap)
    args = ap.parse_args()

    rows = smallcaps.bars(args, args.variant)
    w = sys.stdout.write
    by_ticker = {}
    for r in rows:
        by_ticker.setdefault(r[0], []).append(r)
    for ticker in sorted(by_ticker):
        ring = []
        days = {}
        for _, ts, o, h, lo, c, v, vw, n in by_ticker[ticker]:
            lt = local(ts)
            minute = lt.hour * 60 + lt.minute
            if session_of(minute, lt.date()) is None:
                continue
            b = Bar()
            b.ts, b.open, b.high, b.low, b.close, b.volume, b.vwap_col = ts, o, h, lo, c, float(v), vw
            b.minute, b.session = minute, session_of(minute, lt.date())
            days.setdefault(lt.date(), []).append(b)
        for day in sorted(days):
            for e in detect_day(ticker, day, sorted(days[day], key=lambda b: b.ts), ring):
                w("%s,%s,%s,%s,%s,%.6f,%s,%s,%d,%s\n" % (
                    e["ticker"], e["ts"].astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S+00"), e["type"],
                    "up" if e["up"] else "down", e["session"], e["score"],
                    "" if e["spike_x"] != e["spike_x"] else "%.6f" % e["spike_x"],
                    "" if e["pct"] != e["pct"] else "%.6f" % e["pct"], e["bars"],
                    "" if e["level"] != e["level"] else "%.6f" % e["level"]))


if __name__ == "__main__":
    main()
