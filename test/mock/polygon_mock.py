#!/usr/bin/env python3
"""A Polygon.io (Massive) compatible REST server for tape's tests and demo.

Python 3 standard library only.  It speaks the real API shape: the same
paths, query parameters, envelopes, pagination through next_url with an
opaque cursor (never the key), error bodies, and gzip.  Data comes from the
deterministic demo universe in universe.py and from the real response bodies
in the fixtures directory.

Fault injection: a path prefix /_f/<spec>/ in front of any API path applies
the comma-separated spec to that request and to the pages that follow it
(next_url keeps the prefix).  Keys:

    tag=NAME            counter namespace, for times= and the statistics
    status=N            answer N (429, 500, 502, 503, 504, 400, 401, 403, 404)
    times=K             ... only for the first K requests of the tag
    retry_after=S       send Retry-After: S with a 429 (seconds)
    retry_after_date=1  send Retry-After as an HTTP date
    delay_ms=MS         sleep before answering (for the first K with times=)
    truncate=N          send only the first N bytes of the body (Content-Length says N)
    cut=N               promise the whole body but close after N bytes
    malformed=1         corrupt the JSON of 200 bodies
    mutate=1            fuzz: a different deterministic corruption of each 200 body of the
                        tag (truncated, a byte replaced, deleted or inserted, a span repeated)
    html=1              answer 200 with an HTML page
    loop=1              next_url of every page points back to the first page
    nexthost=H          next_url on another host: other, port443, port443x2
    page=N              at most N results per page
    adjusted_flip=1     pages after the first claim the other "adjusted"
    body=FILE           answer 200 with this fixture file, verbatim
    gzip=0              never compress
    fail_ticker=T       answer 500 (an HTML page) to every request naming ticker T, always
    storm_ms=MS         a 429 storm: answer 429 to every request of the tag during the MS
                        milliseconds that follow its first request

Flat files: GET /flatfiles/<key> serves <--flatfiles dir>/<key> like S3 does (a
NoSuchKey 404, SignatureDoesNotMatch 403), checking AWS Signature Version 4
against --s3-credentials.

Control: GET /_mock/health, GET /_mock/stats, GET /_mock/reset.
Every request is logged as one JSON line (path with any apiKey redacted,
status, whether the key came as a Bearer header): never the key itself.
"""

import argparse
import base64
import datetime as dt
import email.utils
import gzip
import hashlib
import hmac
import json
import os
import random
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import reference  # noqa: E402
import universe as U  # noqa: E402

STATE_LOCK = threading.Lock()
COUNTS = {}          # tag -> requests seen
FIRST_SEEN = {}      # tag -> time of its first request (storm_ms)
TOTAL = [0]
ARGS = None
LOG = None
BENCH_PAGES = []
BENCH_TRADES = []
BENCH_BARS = {}      # (ticker, timespan) -> body, from bars_<TICKER>_<timespan>.json

# reference data of active tickers says it was last updated on this (fixed) day
LAST_UPDATED = dt.date(2025, 11, 3)

TIMESPANS = ["second", "minute", "hour", "day", "week", "month", "quarter", "year"]

# Fixture routes: (path, sorted query items that must match) -> file
FIXTURE_ROUTES = [
    ("/v2/aggs/ticker/AAPL/range/1/day/2022-04-01/2022-04-04", {},
     "v2_aggs_ticker_AAPL_range_1_day_2022-04-01_2022-04-04.json"),
    ("/v2/aggs/ticker/AAPL/range/1/day/2005-04-01/2005-04-04", {},
     "v2_aggs_ticker_AAPL_range_1_day_2005-04-01_2005-04-04.json"),
    ("/v2/aggs/ticker/NVDA/range/1/day/2024-10-14/2024-10-14", {},
     "v2_aggs_ticker_NVDA_range_1_day_status_DELAYED.json"),
    ("/v2/aggs/ticker/AAPL/range/1/minute/1690790400000/1690833599999", {},
     "v2_aggs_ticker_AAPL_range_1_minute_2023-07-31_limit_10_page1_with_next_url.json"),
    ("/v2/aggs/ticker/AAPL/range/1/hour/1714363200000/1714449599999", {},
     "v2_aggs_ticker_AAPL_range_1_hour_status_DELAYED.json"),
    ("/v2/aggs/grouped/locale/us/market/stocks/2020-10-14", {},
     "spec_example_v2_aggs_grouped_locale_us_market_stocks.json"),
    ("/v3/reference/tickers/AAPL", {"date": "2020-10-01"},
     "v3_reference_tickers_AAPL_date_2020-10-01.json"),
    ("/v3/reference/tickers/AAPL", {}, "v3_reference_tickers_AAPL.json"),
    ("/v3/reference/tickers", {"cursor": "YWN0aXZlPXRydWUmZGF0ZT0yMDIyLTA0LTI3JmxpbWl0PTImb3JkZXI9YXNjJnBhZ2VfbWFya2VyPUFBJTdDZjEyMmJjYmY4YWQwNzRmZmJlMTZmNjkxOWQ0ZDc3NjZlMzA3MWNmNmU1Nzg3OGE0OGU1NjQ1YzQyM2U3NzJhOSZzb3J0PXRpY2tlcg"},
     "v3_reference_tickers_page2_last.json"),
    ("/v3/reference/tickers", {"date": "2022-04-27"}, "v3_reference_tickers_page1_with_next_url.json"),
    ("/v3/quotes/AAPL", {"cursor": "YXA9MTkyODgxNjYmYXM9JmxpbWl0PTEwJm9yZGVyPWRlc2Mmc29ydD10aW1lc3RhbXAmdGltZXN0YW1wLmx0ZT0yMDIyLTA1LTEwVDE0JTNBMTElM0ExMi42OTA2NjExODla"},
     "v3_quotes_AAPL_page2_last.json"),
]

# Trades and quotes recorded newest first (the API's default order).  Asked for
# order=asc, the mock serves the same rows oldest first: the pages in reverse
# order, each reversed, chained by a cursor of its own, and filtered by the
# timestamp range like the real API.
TICK_FIXTURES = {
    ("trades", "AAPL"): ["v3_trades_AAPL_limit_2.json"],
    ("trades", "AAA"): ["v3_trades_AAA_timestamp_2022-04-20_limit_5_page1_with_next_url.json"],
    ("quotes", "AAPL"): ["v3_quotes_AAPL_page1_with_next_url.json", "v3_quotes_AAPL_page2_last.json"],
}


# ---------------------------------------------------------------------------
# helpers

def request_id(*parts):
    return hashlib.md5("|".join(str(p) for p in parts).encode()).hexdigest()


def b64(s):
    return base64.urlsafe_b64encode(s.encode()).decode().rstrip("=")


def unb64(s):
    return base64.urlsafe_b64decode(s + "=" * (-len(s) % 4)).decode()


class ApiError(Exception):
    def __init__(self, code, status, text, key="error"):
        super().__init__(text)
        self.code, self.status, self.text, self.key = code, status, text, key


def parse_day(s):
    return dt.date.fromisoformat(s)


def parse_bound_ms(s, end):
    """A from/to path segment (date or ms) as ms; a date means its NY day."""
    if s.isdigit():
        return int(s)
    d = parse_day(s)
    if end:
        return U.ny_midnight_ms(d + dt.timedelta(days=1)) - 1
    return U.ny_midnight_ms(d)


def parse_ns(s, end=False):
    """A timestamp filter: ns integer, date, or RFC 3339."""
    if s.lstrip("-").isdigit():
        return int(s)
    if len(s) == 10:
        d = parse_day(s)
        ms = U.ny_midnight_ms(d + dt.timedelta(days=1)) - 1 if end else U.ny_midnight_ms(d)
        return ms * 1_000_000 + (999_999 if end else 0)
    frac = 0
    base = s.rstrip("Z")
    if "." in base:
        base, f = base.split(".")
        frac = int((f + "000000000")[:9])
    t = dt.datetime.fromisoformat(base).replace(tzinfo=U.UTC)
    return int(t.timestamp()) * 1_000_000_000 + frac


def envelope_list(results, next_url=None, extra=None, rid=None):
    body = {"results": results, "status": "OK", "request_id": rid or request_id(time.time()),
            "count": len(results)}
    if extra:
        body.update(extra)
    if next_url:
        body["next_url"] = next_url
    return body


# ---------------------------------------------------------------------------
# endpoints

def bucket_start(t_ms, timespan, mult, first_ms):
    """Start (ms) of the bar a base bar at t_ms belongs to."""
    if timespan in ("second", "minute", "hour"):
        unit = {"second": 1000, "minute": 60_000, "hour": 3_600_000}[timespan] * mult
        return t_ms - t_ms % unit
    d = U.ny_date_of_ms(t_ms)
    if timespan == "day":
        return U.ny_midnight_ms(d)
    if timespan == "week":
        sunday = d - dt.timedelta(days=(d.weekday() + 1) % 7)
        return U.ny_midnight_ms(sunday)
    if timespan == "month":
        return U.ny_midnight_ms(d.replace(day=1))
    if timespan == "quarter":
        return U.ny_midnight_ms(d.replace(month=(d.month - 1) // 3 * 3 + 1, day=1))
    return U.ny_midnight_ms(d.replace(month=1, day=1))


def aggs(ticker, mult, timespan, frm, to, q, spec, prefix):
    if timespan not in TIMESPANS:
        raise ApiError(400, "ERROR", "Invalid timespan: '%s'" % timespan)
    mult = int(mult)
    if mult < 1:
        raise ApiError(400, "ERROR", "Invalid multiplier")
    adjusted = q.get("adjusted", "true") != "false"
    cursor = {}
    if "cursor" in q:
        cursor = dict(urllib.parse.parse_qsl(unb64(q["cursor"])))
        adjusted = cursor.get("adjusted", "true") != "false"
    limit = min(int(cursor.get("limit", q.get("limit", 5000))), 50000)
    if spec.get("page"):
        limit = min(limit, int(spec["page"]))
    sort = cursor.get("sort", q.get("sort", "asc"))
    from_ms = parse_bound_ms(frm, False)
    to_ms = parse_bound_ms(to, True)
    if to_ms < from_ms:
        raise ApiError(400, "ERROR", "The parameter 'to' cannot be a time that occurs before 'from'")
    today = U.today_ny()
    if U.ny_date_of_ms(from_ms) > today:
        raise ApiError(403, "NOT_AUTHORIZED",
                       "Your plan doesn't include this data timeframe. Please upgrade your plan at https://polygon.io/pricing",
                       "message")

    t = U.UNIVERSE.get(ticker)
    base = []       # (base bar) in time order
    if t is not None:
        d0 = max(U.ny_date_of_ms(from_ms) - dt.timedelta(days=1), U.HISTORY_START)
        d1 = min(U.ny_date_of_ms(to_ms), today)
        intraday = timespan in ("second", "minute", "hour")
        for d in U.trading_days(d0, d1):
            if intraday:
                base.extend(U.minute_bars(ticker, d, adjusted))
            else:
                b = U.day_bar(ticker, d, adjusted)
                if b:
                    base.append(b)
    if timespan == "second":
        base = []   # the demo universe has no second bars
    # group base bars into output bars
    out = []        # (bar, number of base bars)
    groups = {}
    order = []
    for b in base:
        start = bucket_start(b["t"], timespan, mult, from_ms)
        if timespan == "day" and mult > 1:
            start = b["t"]  # keep day multiples simple: one per day
        if start not in groups:
            groups[start] = []
            order.append(start)
        groups[start].append(b)
    for start in order:
        if from_ms <= start <= to_ms:
            out.append((U.aggregate(groups[start], start) if len(groups[start]) > 1 or
                        groups[start][0]["t"] != start else dict(groups[start][0]), len(groups[start])))
    if sort == "desc":
        out.reverse()
    page, used = [], 0
    for bar, n in out:
        if page and used + n > limit:
            break
        page.append(bar)
        used += n
    body = {"ticker": ticker, "queryCount": used, "resultsCount": len(page), "adjusted": adjusted}
    if page:
        body["results"] = page
    body.update({"status": "OK", "request_id": request_id(ticker, frm, to, q.get("cursor")),
                 "count": len(page)})
    if len(page) < len(out):
        nxt = out[len(page)][0]["t"]
        cur = "limit=%d&sort=%s" % (limit, sort)
        if not adjusted:
            cur += "&adjusted=false"
        path = "/v2/aggs/ticker/%s/range/%d/%s/%d/%s" % (urllib.parse.quote(ticker, safe=""), mult,
                                                         timespan, nxt, to)
        if sort == "desc":
            path = "/v2/aggs/ticker/%s/range/%d/%s/%s/%d" % (urllib.parse.quote(ticker, safe=""), mult,
                                                             timespan, frm, nxt)
        body["next_url"] = next_url(prefix, path, {"cursor": b64(cur)}, spec)
    if spec.get("adjusted_flip") and "cursor" in q:
        body["adjusted"] = not adjusted
    return body


def grouped(date, q, spec):
    d = parse_day(date)
    adjusted = q.get("adjusted", "true") != "false"
    include_otc = q.get("include_otc", "false") == "true"
    results = []
    if U.is_trading_day(d) and d <= U.today_ny():
        close_ms = int(U.ny_datetime(d, 16).timestamp() * 1000)
        for t in sorted(U.UNIVERSE.values(), key=lambda x: x.ticker):
            if not t.alive(d) or (t.otc and not include_otc):
                continue
            b = U.day_bar(t.ticker, d, adjusted)
            if not b:
                continue
            r = {"T": t.ticker}
            r.update({k: b[k] for k in ("v", "vw", "o", "c", "h", "l")})
            r["t"] = close_ms
            r["n"] = b["n"]
            if t.otc:
                r["otc"] = True
            results.append(r)
    body = {"queryCount": len(results), "resultsCount": len(results), "adjusted": adjusted}
    if results:
        body["results"] = results
    body.update({"status": "OK", "request_id": request_id("grouped", date)})
    if results:
        body["count"] = len(results)
    return body


def ticker_record(t, at=None):
    day = at or U.today_ny()
    active = t.delisted is None or (at is not None and at <= t.delisted)
    r = {"ticker": t.ticker, "name": t.name, "market": t.market, "locale": "us",
         "primary_exchange": t.exchange, "type": t.type, "active": active,
         "currency_name": "usd", "cik": t.cik,
         "composite_figi": t.figi("composite"), "share_class_figi": t.figi("share"),
         "last_updated_utc": (t.delisted or LAST_UPDATED).isoformat() + "T00:00:00Z"}
    if not active:
        r["delisted_utc"] = (t.delisted + dt.timedelta(days=1)).isoformat() + "T05:00:00Z"
    return r


def tickers_list(q, spec, prefix):
    if "cursor" in q:
        q = dict(urllib.parse.parse_qsl(unb64(q["cursor"])))
    active = q.get("active", "true") != "false"
    at = parse_day(q["date"]) if q.get("date") else None
    limit = min(int(q.get("limit", 100)), 1000)
    if spec.get("page"):
        limit = min(limit, int(spec["page"]))
    order = q.get("order", "asc")
    rows = []
    for t in U.UNIVERSE.values():
        rec = ticker_record(t, at)
        if at is not None and not t.alive(at) and t.list_date > at:
            continue
        if rec["active"] != active:
            continue
        if "ticker" in q and t.ticker != q["ticker"]:
            continue
        for op, fn in (("gte", lambda a, b: a >= b), ("gt", lambda a, b: a > b),
                       ("lte", lambda a, b: a <= b), ("lt", lambda a, b: a < b)):
            if "ticker." + op in q and not fn(t.ticker, q["ticker." + op]):
                break
        else:
            if q.get("type") and q["type"] != t.type:
                continue
            if q.get("market") and q["market"] != t.market:
                continue
            if q.get("exchange") and q["exchange"] != t.exchange:
                continue
            if q.get("cik") and q["cik"] != t.cik:
                continue
            if q.get("search") and q["search"].lower() not in (t.ticker + " " + t.name).lower():
                continue
            rows.append(rec)
    rows.sort(key=lambda r: r["ticker"], reverse=(order == "desc"))
    marker = q.get("page_marker")
    if marker:
        rows = [r for r in rows if (r["ticker"] > marker if order == "asc" else r["ticker"] < marker)]
    page = rows[:limit]
    nxt = None
    if len(rows) > limit:
        cq = {k: v for k, v in q.items() if k != "cursor"}
        cq["page_marker"] = page[-1]["ticker"]
        cq.setdefault("limit", str(limit))
        nxt = next_url(prefix, "/v3/reference/tickers", {"cursor": b64(urllib.parse.urlencode(sorted(cq.items())))}, spec)
    return envelope_list(page, nxt, rid=request_id("tickers", sorted(q.items())))


def ticker_details(ticker, q):
    t = U.UNIVERSE.get(ticker)
    at = parse_day(q["date"]) if q.get("date") else None
    if t is None or (at is not None and not t.alive(at)):
        raise ApiError(404, "NOT_FOUND", "Ticker not found.", "message")
    day = at or min(U.today_ny(), t.delisted or U.today_ny())
    bar = None
    for d in sorted(U.daily_path(ticker), reverse=True):
        if d <= day:
            bar = U.daily_path(ticker)[d]
            break
    price = bar[1] if bar else t.price
    r = ticker_record(t, at)
    r.update({
        "market_cap": round(price * t.shares, 2),
        "phone_number": "(555) 010-%04d" % (int(t.cik[-4:]) % 10000),
        "address": {"address1": "%d MARKET STREET" % (100 + len(t.name)), "city": "AUSTIN",
                    "state": "TX", "postal_code": "78701"},
        "description": "%s is a fictional company of the tape demo universe." % t.name,
        "sic_code": t.sic[0], "sic_description": t.sic[1],
        "ticker_root": t.ticker,
        "homepage_url": "https://www.%s.example" % t.ticker.lower(),
        "total_employees": 50 + len(t.name) * 7,
        "list_date": t.list_date.isoformat(),
        "branding": {"logo_url": "https://api.massive.com/v1/reference/company-branding/%s/logo.svg" % t.ticker.lower(),
                     "icon_url": "https://api.massive.com/v1/reference/company-branding/%s/icon.png" % t.ticker.lower()},
        "share_class_shares_outstanding": t.shares_at(day),
        "weighted_shares_outstanding": t.shares_at(day),
        "round_lot": 100,
    })
    return {"request_id": request_id("details", ticker, q.get("date")), "results": r, "status": "OK"}


def timestamp_range(q):
    """The inclusive ns bounds (None: open) of timestamp=, timestamp.gte/gt/lte/lt."""
    lo, hi = None, None
    if "timestamp" in q:
        v = q["timestamp"]
        lo, hi = parse_ns(v), parse_ns(v, end=True) if len(v) == 10 else parse_ns(v)
    for op in ("gte", "gt", "lte", "lt"):
        k = "timestamp." + op
        if k in q:
            v = parse_ns(q[k], end=op in ("lte", "gt") and len(q[k]) == 10)
            if op == "gt":
                lo = v + 1
            elif op == "gte":
                lo = v
            elif op == "lt":
                hi = v - 1
            else:
                hi = v
    return lo, hi


def tick_fixture(kind, ticker, q, spec, prefix, load):
    """A recorded trades or quotes answer (see TICK_FIXTURES), or None."""
    files = TICK_FIXTURES.get((kind, ticker))
    if files is None or q.get("order", "desc") != "asc":
        return None
    page = int(q.get("cursor", "fixture-0").split("-")[1]) if q.get("cursor", "").startswith("fixture-") else 0
    lo, hi = timestamp_range(q)
    body = json.loads(load(files[len(files) - 1 - page]))
    rows = [r for r in reversed(body.get("results") or [])
            if (lo is None or r["sip_timestamp"] >= lo) and (hi is None or r["sip_timestamp"] <= hi)]
    out = {"results": rows, "status": body["status"], "request_id": body.get("request_id")}
    if page + 1 < len(files):
        cq = dict(q)
        cq["cursor"] = "fixture-%d" % (page + 1)
        out["next_url"] = next_url(prefix, "/v3/%s/%s" % (kind, ticker), cq, spec)
    return out


def ticks(kind, ticker, q, spec, prefix):
    """Trades or quotes: timestamp filters in ns (or dates), order desc by default."""
    if "cursor" in q:
        q = dict(urllib.parse.parse_qsl(unb64(q["cursor"])))
    order = q.get("order", "desc")
    limit = min(int(q.get("limit", 1000)), 50000)
    if spec.get("page"):
        limit = min(limit, int(spec["page"]))
    lo, hi = timestamp_range(q)
    today = U.today_ny()
    d0 = U.ny_date_of_ms(lo // 1_000_000) if lo is not None else today
    d1 = U.ny_date_of_ms(hi // 1_000_000) if hi is not None else today
    d0, d1 = max(d0, U.HISTORY_START), min(d1, today)
    if (d1 - d0).days > 31:
        d0 = d1 - dt.timedelta(days=31)     # keep generation bounded
    rows = []
    gen = U.day_trades if kind == "trades" else U.day_quotes
    for d in U.trading_days(d0, d1):
        for r in gen(ticker, d):
            ts = r["sip_timestamp"]
            if (lo is None or ts >= lo) and (hi is None or ts <= hi):
                rows.append(r)
    if order == "desc":
        rows.reverse()
    after = q.get("after")
    if after is not None:
        a_ts, a_seq = (int(x) for x in after.split(":"))
        if order == "asc":
            rows = [r for r in rows if (r["sip_timestamp"], r["sequence_number"]) > (a_ts, a_seq)]
        else:
            rows = [r for r in rows if (r["sip_timestamp"], r["sequence_number"]) < (a_ts, a_seq)]
    page = rows[:limit]
    nxt = None
    if len(rows) > limit:
        cq = {k: v for k, v in q.items() if k != "cursor"}
        cq["after"] = "%d:%d" % (page[-1]["sip_timestamp"], page[-1]["sequence_number"])
        cq.setdefault("limit", str(limit))
        cq.setdefault("order", order)
        cq.setdefault("sort", "timestamp")
        nxt = next_url(prefix, "/v3/%s/%s" % (kind, urllib.parse.quote(ticker, safe="")),
                       {"cursor": b64(urllib.parse.urlencode(sorted(cq.items())))}, spec)
    body = {"results": page, "status": "OK", "request_id": request_id(kind, ticker, sorted(q.items()))}
    if nxt:
        body["next_url"] = nxt
    return body


def s3_signature_ok(authorization, headers, path, credentials):
    """Check an AWS Signature Version 4 of a GET without a query."""
    key_id, _, secret = credentials.partition(":")
    fields = dict(part.strip().split("=", 1) for part in authorization[len("AWS4-HMAC-SHA256 "):].split(","))
    try:
        cred_id, date, region, service, term = fields["Credential"].split("/")
    except (KeyError, ValueError):
        return False
    if cred_id != key_id or service != "s3" or term != "aws4_request":
        return False
    signed = fields.get("SignedHeaders", "").split(";")
    canonical_headers = "".join("%s:%s\n" % (n, " ".join((headers.get(n) or "").split())) for n in signed)
    payload = headers.get("x-amz-content-sha256") or hashlib.sha256(b"").hexdigest()
    canonical = "\n".join(["GET", path, "", canonical_headers, ";".join(signed), payload])
    amz_date = headers.get("x-amz-date", "")
    to_sign = "\n".join(["AWS4-HMAC-SHA256", amz_date, "%s/%s/s3/aws4_request" % (date, region),
                         hashlib.sha256(canonical.encode()).hexdigest()])
    k = hmac.new(("AWS4" + secret).encode(), date.encode(), hashlib.sha256).digest()
    for part in (region, "s3", "aws4_request"):
        k = hmac.new(k, part.encode(), hashlib.sha256).digest()
    return hmac.compare_digest(hmac.new(k, to_sign.encode(), hashlib.sha256).hexdigest(),
                               fields.get("Signature", ""))


FUZZ_BYTES = b'"\\{}[],:-0123456789eE.+ntfu\x00\x01\x7f\xff\xc3\xe2'


def mutate(body, seed):
    """A deterministic corruption of body for the decoder fuzz test."""
    rng = random.Random(hashlib.sha256(seed.encode()).digest())
    if not body:
        return body
    op = rng.randrange(6)
    pos = rng.randrange(len(body))
    if op == 0:                         # cut short
        return body[:pos]
    if op == 1:                         # one byte replaced
        return body[:pos] + bytes([rng.choice(FUZZ_BYTES)]) + body[pos + 1:]
    if op == 2:                         # one byte deleted
        return body[:pos] + body[pos + 1:]
    if op == 3:                         # one byte inserted
        return body[:pos] + bytes([rng.choice(FUZZ_BYTES)]) + body[pos:]
    if op == 4:                         # a span repeated
        n = rng.randrange(1, 64)
        return body[:pos + n] + body[pos:]
    out = bytearray(body)               # several bytes replaced
    for _ in range(rng.randrange(2, 8)):
        out[rng.randrange(len(out))] = rng.choice(FUZZ_BYTES)
    return bytes(out)


def log_request(started, tag, path, status, auth, nbytes):
    """One JSON line of the request log.  Written before the response goes
    out, so a client that has its answer always finds the request logged."""
    entry = {"t": round(started, 6), "tag": tag, "path": path, "status": status,
             "auth": auth, "bytes": nbytes, "ms": round((time.time() - started) * 1000, 1)}
    with STATE_LOCK:
        if LOG:
            LOG.write(json.dumps(entry) + "\n")
            LOG.flush()


def names_ticker(path, query, ticker):
    """Whether a request asks for ticker: in its path, or in ticker= or ticker.any_of=."""
    if ticker in [urllib.parse.unquote(p) for p in path.split("/")]:
        return True
    if "cursor" in query:
        try:
            query = dict(query, **dict(urllib.parse.parse_qsl(unb64(query["cursor"]))))
        except (ValueError, UnicodeDecodeError):
            pass
    return query.get("ticker") == ticker or ticker in query.get("ticker.any_of", "").split(",")


def next_url(prefix, path, query, spec):
    host = "https://api.massive.com"
    nh = spec.get("nexthost")
    if nh == "other":
        host = "https://api.other-host.example"
    elif nh == "port443":
        host = "https://api.polygon.io:443"
    elif nh == "port443x2":
        host = "https://api.polygon.io:443:443"
    if spec.get("loop") and spec.get("_first_url"):
        return host + spec["_first_url"]
    return host + prefix + path + "?" + urllib.parse.urlencode(query)


# ---------------------------------------------------------------------------
# the HTTP server

def html_page(code):
    title = {500: "500 Internal Server Error", 502: "502 Bad Gateway", 503: "503 Service Temporarily Unavailable",
             504: "504 Gateway Time-out"}.get(code, "%d Error" % code)
    return ("<html>\r\n<head><title>%s</title></head>\r\n<body>\r\n<center><h1>%s</h1></center>\r\n"
            "<hr><center>nginx/1.19.2</center>\r\n</body>\r\n</html>\r\n" % (title, title)).encode()


ERROR_TEXT = {
    400: ("ERROR", "error", "The parameter 'to' cannot be a time that occurs before 'from'"),
    401: ("ERROR", "error", "Unknown API Key"),
    403: ("NOT_AUTHORIZED", "message", "You are not entitled to this data. Please upgrade your plan at https://polygon.io/pricing"),
    404: ("NOT_FOUND", "message", "Ticker not found."),
    429: ("ERROR", "error", "You've exceeded the maximum requests per minute, please wait or upgrade your subscription to continue. https://polygon.io/pricing"),
}


def parse_spec(s):
    spec = {}
    for part in urllib.parse.unquote(s).split(","):
        if "=" in part:
            k, v = part.split("=", 1)
            spec[k] = v
    return spec


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "nginx/1.19.2"
    sys_version = ""
    disable_nagle_algorithm = True

    def log_message(self, fmt, *args):
        pass

    def do_GET(self):
        started = time.time()
        raw_path = self.path
        parsed = urllib.parse.urlsplit(raw_path)
        path = parsed.path
        query = dict(urllib.parse.parse_qsl(parsed.query, keep_blank_values=True))
        spec, prefix = {}, ""
        if path.startswith("/_f/"):
            rest = path[4:]
            spec_s, _, tail = rest.partition("/")
            spec = parse_spec(spec_s)
            prefix = "/_f/" + spec_s
            path = "/" + tail
        tag = spec.get("tag", "default" if prefix else "plain")

        if path.startswith("/_mock/"):
            return self.control(path)
        if path.startswith("/flatfiles/"):
            return self.s3_get(path, tag, started)

        with STATE_LOCK:
            COUNTS[tag] = COUNTS.get(tag, 0) + 1
            TOTAL[0] += 1
            nth = COUNTS[tag]
            first = FIRST_SEEN.setdefault(tag, started)
        times = int(spec.get("times", "1000000000"))
        faulty = nth <= times
        if spec.get("storm_ms"):
            faulty = faulty and (started - first) * 1000 < int(spec["storm_ms"])
            spec.setdefault("status", "429")
        if spec.get("fail_ticker"):
            faulty = names_ticker(path, query, spec["fail_ticker"])
            spec.setdefault("status", "500")

        auth = "none"
        key = None
        h = self.headers.get("Authorization", "")
        if h.startswith("Bearer "):
            auth, key = "bearer", h[7:]
        elif "apiKey" in query:
            auth, key = "query", query["apiKey"]
        redacted = urllib.parse.urlunsplit(("", "", parsed.path, urllib.parse.urlencode(
            [(k, "REDACTED" if k.lower() in ("apikey", "api_key") else v)
             for k, v in urllib.parse.parse_qsl(parsed.query, keep_blank_values=True)]), ""))

        code, body, headers = 200, None, {}
        try:
            if ARGS.api_key and key is None:
                raise ApiError(401, "ERROR", "API Key was not provided")
            if ARGS.api_key and key != ARGS.api_key:
                raise ApiError(401, "ERROR", "Unknown API Key")
            if faulty and spec.get("delay_ms"):
                time.sleep(int(spec["delay_ms"]) / 1000.0)
            if faulty and spec.get("status"):
                code = int(spec["status"])
                if code == 429:
                    if spec.get("retry_after"):
                        headers["Retry-After"] = spec["retry_after"]
                    elif spec.get("retry_after_date"):
                        headers["Retry-After"] = email.utils.formatdate(time.time() + 1, usegmt=True)
                if code >= 500:
                    body = html_page(code)
                    headers["Content-Type"] = "text/html"
                else:
                    st, k, text = ERROR_TEXT.get(code, ("ERROR", "error", "Error %d" % code))
                    body = json.dumps({"status": st, "request_id": request_id(nth, tag), k: text}).encode()
            elif faulty and spec.get("html"):
                body = html_page(502)
                headers["Content-Type"] = "text/html"
            elif spec.get("body"):
                body = self.fixture(spec["body"])
            else:
                spec["_first_url"] = prefix + path + ("?" + parsed.query if parsed.query else "")
                body = self.route(path, query, spec, prefix)
        except ApiError as e:
            code = e.code
            body = json.dumps({"status": e.status, "request_id": request_id(raw_path), e.key: e.text}).encode()
        except (ValueError, KeyError) as e:
            code = 400
            body = json.dumps({"status": "ERROR", "request_id": request_id(raw_path),
                               "error": "Failed to parse query parameters from URL: %s" % e}).encode()

        if isinstance(body, (dict, list)):
            body = json.dumps(body, separators=(",", ":")).encode()
        if code == 200 and faulty and spec.get("mutate"):
            body = mutate(body, "%s|%d" % (tag, nth))
        if code == 200 and faulty and spec.get("malformed"):
            mid = body.find(b"},{", len(body) // 2)
            if mid < 0:
                mid = len(body) // 2
            body = body[:mid] + b"}{" + body[mid + 3:]
        if code == 200 and faulty and spec.get("truncate"):
            body = body[:int(spec["truncate"])]
        headers.setdefault("Content-Type", "application/json")
        headers["X-Request-Id"] = request_id(raw_path, nth)
        plain_len = len(body)
        if (spec.get("gzip", "1") != "0" and "gzip" in self.headers.get("Accept-Encoding", "")
                and len(body) > 1024 and not spec.get("cut")):
            body = gzip.compress(body, 1)
            headers["Content-Encoding"] = "gzip"
        cut = int(spec["cut"]) if faulty and spec.get("cut") else None

        log_request(started, tag, redacted, code, auth, plain_len)
        self.send_response(code)
        for k, v in headers.items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        if cut is not None:
            self.send_header("Connection", "close")
        self.end_headers()
        try:
            self.wfile.write(body[:cut] if cut is not None else body)
            self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):
            pass
        if cut is not None:
            self.close_connection = True


    def s3_get(self, path, tag, started):
        """GET an object of the flat-file bucket, checking AWS Signature V4."""
        with STATE_LOCK:
            COUNTS[tag] = COUNTS.get(tag, 0) + 1
        code, err = 200, None
        h = self.headers.get("Authorization", "")
        if not h.startswith("AWS4-HMAC-SHA256 "):
            code, err = 403, ("AccessDenied", "Access Denied")
        elif not s3_signature_ok(h, self.headers, path, ARGS.s3_credentials):
            code, err = 403, ("SignatureDoesNotMatch", "The request signature we calculated does not match "
                              "the signature you provided. Check your key and signing method.")
        body = b""
        if code == 200:
            key = urllib.parse.unquote(path[len("/flatfiles/"):])
            full = os.path.normpath(os.path.join(ARGS.flatfiles or "/nonexistent", key))
            if ARGS.flatfiles and full.startswith(os.path.normpath(ARGS.flatfiles) + os.sep) and os.path.isfile(full):
                with open(full, "rb") as f:
                    body = f.read()
            else:
                code, err = 404, ("NoSuchKey", "The specified key does not exist.")
        if err:
            body = ('<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>%s</Code><Message>%s</Message>'
                    '<Resource>%s</Resource></Error>' % (err[0], err[1], path)).encode()
        log_request(started, tag, path, code, "sigv4" if h.startswith("AWS4") else "none", len(body))
        self.send_response(code)
        self.send_header("Content-Type", "application/octet-stream" if code == 200 else "application/xml")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        try:
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass

    def fixture(self, name):
        name = os.path.basename(name)
        with open(os.path.join(ARGS.fixtures, name), "rb") as f:
            return f.read()

    def route(self, path, q, spec, prefix):
        for fpath, fq, fname in FIXTURE_ROUTES:
            if path == fpath and all(q.get(k) == v for k, v in fq.items()):
                return self.fixture(fname)
        parts = [urllib.parse.unquote(p) for p in path.strip("/").split("/")]
        if spec.get("bench"):                           # static pages of bench/run.sh
            if len(parts) == 9 and (parts[3], parts[6]) in BENCH_BARS:
                return BENCH_BARS[(parts[3], parts[6])]
            pages = BENCH_TRADES if path.startswith("/v3/trades/") else BENCH_PAGES
            if pages:
                return pages[int(q.get("cursor", "0"))]
        if len(parts) == 9 and parts[:3] == ["v2", "aggs", "ticker"] and parts[4] == "range":
            return aggs(parts[3], parts[5], parts[6], parts[7], parts[8], q, spec, prefix)
        if len(parts) == 8 and parts[:7] == ["v2", "aggs", "grouped", "locale", "us", "market", "stocks"]:
            return grouped(parts[7], q, spec)
        if parts == ["v3", "reference", "tickers"]:
            return tickers_list(q, spec, prefix)
        if len(parts) == 4 and parts[:3] == ["v3", "reference", "tickers"]:
            return ticker_details(parts[3], q)
        ref = reference.reference(path, q, spec, prefix, self.fixture, next_url)
        if ref is not None:
            return ref
        if len(parts) == 3 and parts[:2] in (["v3", "trades"], ["v3", "quotes"]):
            kind = parts[1]
            recorded = tick_fixture(kind, parts[2], q, spec, prefix, self.fixture)
            if recorded is not None:
                return recorded
            return ticks(kind, parts[2], q, spec, prefix)
        raise ApiError(404, "NOT_FOUND", "Not found: %s" % path, "message")

    def control(self, path):
        if path == "/_mock/health":
            out = {"ok": True}
        elif path == "/_mock/stats":
            with STATE_LOCK:
                out = {"total": TOTAL[0], "by_tag": dict(COUNTS)}
        elif path == "/_mock/reset":
            with STATE_LOCK:
                COUNTS.clear()
                FIRST_SEEN.clear()
                TOTAL[0] = 0
            out = {"ok": True}
        else:
            self.send_error(404)
            return
        body = json.dumps(out).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def main():
    global ARGS, LOG
    here = os.path.dirname(os.path.abspath(__file__))
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--port-file", help="write the bound port here once listening")
    p.add_argument("--log", help="append one JSON line per request here")
    p.add_argument("--fixtures", default=os.path.join(here, "..", "fixtures", "polygon"))
    p.add_argument("--api-key", help="require this key as 'Authorization: Bearer'")
    p.add_argument("--flatfiles", help="directory served as the S3 bucket 'flatfiles' (/flatfiles/...)")
    p.add_argument("--s3-credentials", default="tape-test-s3-key-id:tape-test-secret-not-secret",
                   help="ACCESS_KEY_ID:SECRET the flat-file bucket accepts (SigV4)")
    p.add_argument("--bench-pages", help="directory of page_NNNN.json (aggregates) and trades_NNNN.json "
                   "(trades) bodies served with bench=1, and bars_<TICKER>_<timespan>.json bodies served "
                   "with bench=1 for the aggregates of that ticker")
    ARGS = p.parse_args()
    if ARGS.log:
        LOG = open(ARGS.log, "a")
    if ARGS.bench_pages:
        for prefix, pages in (("page_", BENCH_PAGES), ("trades_", BENCH_TRADES)):
            for n in sorted(n for n in os.listdir(ARGS.bench_pages) if n.startswith(prefix)):
                with open(os.path.join(ARGS.bench_pages, n), "rb") as f:
                    pages.append(f.read())
        for n in os.listdir(ARGS.bench_pages):
            if n.startswith("bars_") and n.endswith(".json"):
                ticker, timespan = n[len("bars_"):-len(".json")].rsplit("_", 1)
                with open(os.path.join(ARGS.bench_pages, n), "rb") as f:
                    BENCH_BARS[(ticker, timespan)] = f.read()
    server = ThreadingHTTPServer((ARGS.host, ARGS.port), Handler)
    server.daemon_threads = True
    port = server.server_address[1]
    if ARGS.port_file:
        tmp = ARGS.port_file + ".tmp"
        with open(tmp, "w") as f:
            f.write(str(port))
        os.replace(tmp, ARGS.port_file)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
