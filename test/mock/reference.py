"""Reference endpoints of the mock Polygon server: splits, dividends, short
interest, short volume, news, exchanges, conditions, market holidays.

Each list is the recorded fixture rows (real bodies) plus rows generated for
the demo universe, filtered, sorted and paged the way the API does it:
v3 endpoints take field=, field.gte/gt/lte/lt=, sort=field and order=asc|desc;
the /stocks/v1 ones take field.any_of=a,b and sort=field.asc,field2.desc.
"""

import base64
import datetime as dt
import json
import urllib.parse

import universe as U


def _b64(s):
    return base64.urlsafe_b64encode(s.encode()).decode().rstrip("=")


def _unb64(s):
    return base64.urlsafe_b64decode(s + "=" * (-len(s) % 4)).decode()


# ---------------------------------------------------------------------------
# generated rows of the demo universe

def _splits():
    """(ticker, execution_date, split_from, split_to) of the universe."""
    out = []
    for t in U.UNIVERSE.values():
        for when, frm, to in t.splits:
            out.append((t, when, frm, to))
    return out


def universe_splits(v1):
    rows = []
    for t, when, frm, to in _splits():
        row = {"execution_date": when.isoformat(), "split_from": frm, "split_to": to,
               "ticker": t.ticker, "id": "S%s%s" % (t.ticker, when.strftime("%Y%m%d"))}
        if v1:
            factor = 1.0
            for w2, f2, t2 in t.splits:
                if w2 >= when:
                    factor *= f2 / t2
            row["adjustment_type"] = "reverse_split" if frm > to else "forward_split"
            row["historical_adjustment_factor"] = round(factor, 6)
        rows.append(row)
    return rows


def _dividend_days(t):
    """DYNX pays 0.05 a quarter; the other small caps pay nothing."""
    if t.ticker != "DYNX":
        return []
    days = []
    y, m = U.HISTORY_START.year, 2
    while True:
        d = dt.date(y, m, 14)
        while not U.is_trading_day(d):
            d += dt.timedelta(days=1)
        if d > U.today_ny():
            break
        days.append(d)
        m += 3
        if m > 12:
            y, m = y + 1, m - 12
    return days


def universe_dividends(v1):
    rows = []
    for t in U.UNIVERSE.values():
        days = _dividend_days(t)
        if not days:
            continue
        path = U.daily_path(t.ticker)

        def prev_close(d):
            return path[max(x for x in path if x < d)][1]

        for ex in days:
            row = {"cash_amount": 0.05, "currency": "USD",
                   "declaration_date": (ex - dt.timedelta(days=21)).isoformat(),
                   "dividend_type": "CD", "ex_dividend_date": ex.isoformat(), "frequency": 4,
                   "id": "D%s%s" % (t.ticker, ex.strftime("%Y%m%d")),
                   "pay_date": (ex + dt.timedelta(days=14)).isoformat(),
                   "record_date": ex.isoformat(), "ticker": t.ticker}
            if v1:
                del row["dividend_type"]
                factor = 1.0
                for later in days:
                    if later >= ex:
                        factor *= 1 - 0.05 / prev_close(later)
                row["distribution_type"] = "recurring"
                row["historical_adjustment_factor"] = round(factor, 6)
                row["split_adjusted_cash_amount"] = 0.05
            rows.append(row)
    return rows


def _settlement_dates():
    """The 15th and the last day of each month, moved back to a trading day."""
    out = []
    d = dt.date(U.HISTORY_START.year, U.HISTORY_START.month, 1)
    today = U.today_ny()
    while d <= today:
        nxt = (d.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
        for day in (d.replace(day=15), nxt - dt.timedelta(days=1)):
            while not U.is_trading_day(day):
                day -= dt.timedelta(days=1)
            if U.HISTORY_START <= day <= today:
                out.append(day)
        d = nxt
    return out


def universe_short_interest():
    rows = []
    for t in U.UNIVERSE.values():
        if t.market != "stocks":
            continue
        for day in _settlement_dates():
            if not t.alive(day):
                continue
            rng = U.seeded(t.ticker, "short_interest", day)
            adv = round(t.volume * rng.uniform(0.6, 1.6))
            si = round(t.shares * rng.uniform(0.03, 0.25))
            rows.append({"avg_daily_volume": adv, "days_to_cover": round(si / adv, 2),
                         "settlement_date": day.isoformat(), "short_interest": si,
                         "ticker": t.ticker})
    return rows


def universe_short_volume(d0, d1, tickers):
    """Daily short volume, consistent with the day bars' volume."""
    rows = []
    d0 = max(d0, U.HISTORY_START)
    d1 = min(d1, U.today_ny())
    for t in U.UNIVERSE.values():
        if t.market != "stocks" or (tickers is not None and t.ticker not in tickers):
            continue
        for day in U.trading_days(d0, d1):
            bar = U.day_bar(t.ticker, day)
            if bar is None:
                continue
            rng = U.seeded(t.ticker, "short_volume", day)
            total = float(int(bar["v"]))
            ratio = rng.uniform(0.18, 0.62)
            short = float(int(total * ratio))
            exempt = float(int(short * rng.uniform(0.0, 0.02)))
            carteret = float(int(short * rng.uniform(0.5, 0.8)))
            chicago = float(int((short - carteret) * rng.uniform(0.0, 0.1)))
            nyse = short - carteret - chicago
            rows.append({
                "adf_short_volume": 0, "adf_short_volume_exempt": 0,
                "date": day.isoformat(), "exempt_volume": exempt,
                "nasdaq_carteret_short_volume": carteret,
                "nasdaq_carteret_short_volume_exempt": float(int(exempt * 0.7)),
                "nasdaq_chicago_short_volume": chicago,
                "nasdaq_chicago_short_volume_exempt": 0,
                "non_exempt_volume": short - exempt,
                "nyse_short_volume": nyse,
                "nyse_short_volume_exempt": exempt - float(int(exempt * 0.7)),
                "short_volume": short,
                "short_volume_ratio": round(100.0 * short / total, 2) if total else 0.0,
                "ticker": t.ticker, "total_volume": total,
            })
    return rows


HEADLINES_UP = ["%s announces strategic partnership", "%s wins government contract",
                "%s reports record quarterly revenue", "%s receives FDA clearance"]
HEADLINES_DOWN = ["%s prices public offering of common stock", "%s misses revenue estimates",
                  "%s discloses SEC inquiry"]


def universe_news():
    """One article per news day of each ticker, a minute before its spike."""
    rows = []
    for t in U.UNIVERSE.values():
        path = U.daily_path(t.ticker)
        for day, (opn, close, event) in path.items():
            if event is None or not t.alive(day) or day > U.today_ny():
                continue
            up = close >= opn
            rng = U.seeded(t.ticker, "news", day)
            minute = 9 * 60 + 30 + event - 1
            published = U.ny_datetime(day, minute // 60, minute % 60).astimezone(dt.timezone.utc)
            title = rng.choice(HEADLINES_UP if up else HEADLINES_DOWN) % t.name
            art = "%s-%s" % (t.ticker.lower(), day.strftime("%Y%m%d"))
            rows.append({
                "id": "N" + art,
                "publisher": {"name": "Demo Wire", "homepage_url": "https://news.example/",
                              "logo_url": "https://news.example/logo.svg",
                              "favicon_url": "https://news.example/favicon.ico"},
                "title": title,
                "author": "Demo Wire Staff",
                "published_utc": published.strftime("%Y-%m-%dT%H:%M:%SZ"),
                "article_url": "https://news.example/%s" % art,
                "tickers": [t.ticker],
                "description": "%s (%s) shares moved on the news." % (t.name, t.ticker),
                "keywords": ["small cap", "press release"],
                "insights": [{"ticker": t.ticker, "sentiment": "positive" if up else "negative",
                              "sentiment_reasoning": "The announcement %s the outlook." %
                              ("improves" if up else "weighs on")}],
            })
    return rows


# ---------------------------------------------------------------------------
# filtering, sorting and paging

def _value_matches(value, op, arg):
    if value is None:
        return False
    if isinstance(value, bool):
        arg = arg == "true"
    elif isinstance(value, (int, float)):
        arg = float(arg)
    if op == "eq":
        return value == arg
    if op == "gte":
        return value >= arg
    if op == "gt":
        return value > arg
    if op == "lte":
        return value <= arg
    return value < arg


def filter_rows(rows, q, fields, contains=()):
    """Keep rows matching field=, field.any_of=, field.gte/gt/lte/lt= of fields;
    a field in contains matches when its list holds the value."""
    out = []
    for r in rows:
        ok = True
        for f in fields:
            v = r.get(f)
            for key, arg in q.items():
                if key != f and not key.startswith(f + "."):
                    continue
                op = key[len(f) + 1:] or "eq"
                if f in contains:
                    if op == "eq":
                        ok = ok and arg in (v or [])
                    elif op == "any_of":
                        ok = ok and any(a in (v or []) for a in arg.split(","))
                    continue
                if op == "any_of":
                    ok = ok and str(v) in arg.split(",")
                elif op in ("eq", "gte", "gt", "lte", "lt"):
                    if f == "published_utc" and len(arg) == 10:
                        arg = arg + ("T00:00:00Z" if op in ("eq", "gte", "lt") else "T23:59:59Z")
                        if op == "eq":
                            ok = ok and v is not None and v[:10] == arg[:10]
                            continue
                    ok = ok and _value_matches(v, op, arg)
        if ok:
            out.append(r)
    return out


def sort_rows(rows, q, default_sort, v1):
    if v1:
        keys = [(k.rsplit(".", 1)[0], k.endswith(".desc"))
                for k in q.get("sort", default_sort).split(",")]
    else:
        keys = [(q.get("sort", default_sort), q.get("order", "asc") == "desc")]
    for field, desc in reversed(keys):
        rows.sort(key=lambda r: (r.get(field) is None, r.get(field) if r.get(field) is not None else ""),
                  reverse=desc)
    return rows


def page_rows(rows, q, default_limit, max_limit, spec, path, prefix, next_url):
    limit = min(int(q.get("limit", default_limit)), max_limit)
    if spec.get("page"):
        limit = min(limit, int(spec["page"]))
    offset = int(q.get("_offset", 0))
    page = rows[offset:offset + limit]
    body = {"results": page, "status": "OK",
            "request_id": "%032x" % (abs(hash(json.dumps(sorted(q.items())))) % (1 << 128)),
            "count": len(page)}
    if offset + limit < len(rows):
        cq = {k: v for k, v in q.items() if k != "cursor"}
        cq["_offset"] = str(offset + limit)
        body["next_url"] = next_url(prefix, path, {"cursor": _b64(urllib.parse.urlencode(sorted(cq.items())))}, spec)
    return body


def decode_cursor(q):
    if "cursor" in q:
        try:
            return dict(urllib.parse.parse_qsl(_unb64(q["cursor"])))
        except (ValueError, UnicodeDecodeError):
            raise ValueError("cursor")
    return q


# ---------------------------------------------------------------------------
# the endpoints

def results_of(load, name):
    body = json.loads(load(name))
    return body["results"] if isinstance(body, dict) else body


def _short_volume_rows(load, q):
    d0, d1 = U.HISTORY_START, U.today_ny()
    for key, val in q.items():
        if key in ("date", "date.gte", "date.gt"):
            d0 = max(d0, dt.date.fromisoformat(val))
        if key in ("date", "date.lte", "date.lt"):
            d1 = min(d1, dt.date.fromisoformat(val))
    return (results_of(load, "spec_example_stocks_v1_short_volume.json") +
            universe_short_volume(d0, d1, asked_tickers(q)))


# path: (rows(load, q), filter fields, list fields, default sort, /stocks/v1 style,
#        default limit, max limit)
LISTS = {
    "/v3/reference/splits": (
        lambda load, q: results_of(load, "v3_reference_splits.json") + universe_splits(False),
        ["ticker", "execution_date"], (), "execution_date", False, 10, 1000),
    "/stocks/v1/splits": (
        lambda load, q: results_of(load, "spec_example_stocks_v1_splits.json") + universe_splits(True),
        ["ticker", "execution_date", "adjustment_type"], (), "execution_date.desc", True, 100, 5000),
    "/v3/reference/dividends": (
        lambda load, q: results_of(load, "v3_reference_dividends.json") + universe_dividends(False),
        ["ticker", "ex_dividend_date", "record_date", "declaration_date", "pay_date", "dividend_type",
         "frequency"], (), "ex_dividend_date", False, 10, 1000),
    "/stocks/v1/dividends": (
        lambda load, q: results_of(load, "spec_example_stocks_v1_dividends.json") + universe_dividends(True),
        ["ticker", "ex_dividend_date", "distribution_type"], (), "ex_dividend_date.desc", True, 100, 5000),
    "/stocks/v1/short-interest": (
        lambda load, q: results_of(load, "spec_example_stocks_v1_short_interest.json") + universe_short_interest(),
        ["ticker", "settlement_date", "days_to_cover", "avg_daily_volume"], (), "ticker.asc", True, 10, 50000),
    "/stocks/v1/short-volume": (
        _short_volume_rows,
        ["ticker", "date", "short_volume_ratio", "total_volume"], (), "ticker.asc", True, 10, 50000),
    "/v2/reference/news": (
        lambda load, q: (results_of(load, "v2_reference_news_ticker_NFLX.json") +
                         results_of(load, "spec_example_v2_reference_news.json") + universe_news()),
        ["tickers", "published_utc"], ("tickers",), "published_utc", False, 10, 1000),
    "/v3/reference/conditions": (
        lambda load, q: results_of(load, "v3_reference_conditions_asset_class_stocks.json"),
        ["asset_class", "id", "type", "data_types"], ("data_types",), "asset_class", False, 10, 1000),
}


def asked_tickers(q):
    """The tickers a request names (ticker= or ticker.any_of=), or None for all."""
    if "ticker" in q:
        return {q["ticker"]}
    if "ticker.any_of" in q:
        return set(q["ticker.any_of"].split(","))
    return None


def reference(path, q, spec, prefix, load, next_url):
    """The body of a reference endpoint, or None if path is not one."""
    if path == "/v1/marketstatus/upcoming":
        return results_of(load, "v1_marketstatus_upcoming.json")
    if path == "/v3/reference/exchanges":
        rows = filter_rows(results_of(load, "v3_reference_exchanges.json"), q, ["asset_class", "locale"])
        return {"results": rows, "status": "OK", "request_id": "e" * 32, "count": len(rows)}
    if path not in LISTS:
        return None
    q = decode_cursor(q)
    rows_of, fields, contains, default_sort, v1, default_limit, max_limit = LISTS[path]
    rows = filter_rows(rows_of(load, q), q, fields, contains=contains)
    if path == "/v2/reference/news" and "ticker" in q:
        rows = [r for r in rows if q["ticker"] in r.get("tickers", [])]
    rows = sort_rows(rows, q, default_sort, v1)
    return page_rows(rows, q, default_limit, max_limit, spec, path, prefix, next_url)
