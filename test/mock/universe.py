"""Deterministic market data for the Polygon mock: a small demo universe of
fictional small caps, its trading calendar, and minute bars, trades and quotes
generated from a seed per ticker and day.

Everything here is a pure function of (ticker, date): the same request always
gets the same bars, whatever was asked before.  Nothing here is real market
data; the tickers are made up.
"""

import datetime as dt
import functools
import hashlib
import math
import random

UTC = dt.timezone.utc

# ---------------------------------------------------------------------------
# New York time without zoneinfo (a minimal Debian may lack tzdata for Python)
# US DST since 2007: second Sunday of March 02:00 to first Sunday of November 02:00.


def _nth_sunday(year, month, n):
    d = dt.date(year, month, 1)
    first = d + dt.timedelta(days=(6 - d.weekday()) % 7)
    return first + dt.timedelta(days=7 * (n - 1))


def ny_offset_hours(day):
    """UTC offset of New York (-4 or -5) on a date, at noon."""
    start = _nth_sunday(day.year, 3, 2)
    end = _nth_sunday(day.year, 11, 1)
    return -4 if start <= day < end else -5


def ny_offset_at(ts):
    """UTC offset of New York at an aware datetime (exact at the 02:00 switches)."""
    y = ts.astimezone(UTC).year
    start = dt.datetime.combine(_nth_sunday(y, 3, 2), dt.time(7), UTC)   # 02:00 EST
    end = dt.datetime.combine(_nth_sunday(y, 11, 1), dt.time(6), UTC)    # 02:00 EDT
    return -4 if start <= ts.astimezone(UTC) < end else -5


def ny_datetime(day, hour, minute=0):
    """Aware UTC datetime of a New York wall-clock time on a trading day."""
    return dt.datetime(day.year, day.month, day.day, hour, minute, tzinfo=UTC) - \
        dt.timedelta(hours=ny_offset_hours(day))


def ny_midnight_ms(day):
    return int(ny_datetime(day, 0).timestamp() * 1000)


def ny_date_of_ms(ms):
    t = dt.datetime.fromtimestamp(ms / 1000.0, UTC)
    return (t + dt.timedelta(hours=ny_offset_at(t))).date()


# ---------------------------------------------------------------------------
# NYSE calendar

HOLIDAYS = {
    dt.date(*d) for d in [
        (2023, 1, 2), (2023, 1, 16), (2023, 2, 20), (2023, 4, 7), (2023, 5, 29),
        (2023, 6, 19), (2023, 7, 4), (2023, 9, 4), (2023, 11, 23), (2023, 12, 25),
        (2024, 1, 1), (2024, 1, 15), (2024, 2, 19), (2024, 3, 29), (2024, 5, 27),
        (2024, 6, 19), (2024, 7, 4), (2024, 9, 2), (2024, 11, 28), (2024, 12, 25),
        (2025, 1, 1), (2025, 1, 9), (2025, 1, 20), (2025, 2, 17), (2025, 4, 18),
        (2025, 5, 26), (2025, 6, 19), (2025, 7, 4), (2025, 9, 1), (2025, 11, 27),
        (2025, 12, 25),
        (2026, 1, 1), (2026, 1, 19), (2026, 2, 16), (2026, 4, 3), (2026, 5, 25),
        (2026, 6, 19), (2026, 7, 3), (2026, 9, 7), (2026, 11, 26), (2026, 12, 25),
        (2027, 1, 1), (2027, 1, 18), (2027, 2, 15), (2027, 3, 26), (2027, 5, 31),
        (2027, 6, 18), (2027, 7, 5), (2027, 9, 6), (2027, 11, 25), (2027, 12, 24),
    ]
}

HALF_DAYS = {
    dt.date(*d) for d in [
        (2023, 7, 3), (2023, 11, 24), (2024, 7, 3), (2024, 11, 29), (2024, 12, 24),
        (2025, 7, 3), (2025, 11, 28), (2025, 12, 24), (2026, 11, 27), (2026, 12, 24),
        (2027, 11, 26),
    ]
}

HISTORY_START = dt.date(2023, 1, 3)

# after a news spike's first half hour, a small cap trades this many times its usual volume
NEWS_DAY_VOLUME = 6.0


def is_trading_day(day):
    return day.weekday() < 5 and day not in HOLIDAYS


def trading_days(start, end):
    d = start
    while d <= end:
        if is_trading_day(d):
            yield d
        d += dt.timedelta(days=1)


def today_ny():
    now = dt.datetime.now(UTC)
    return (now + dt.timedelta(hours=ny_offset_at(now))).date()


# ---------------------------------------------------------------------------
# The demo universe (fictional)

class Ticker:
    def __init__(self, ticker, name, exchange, price, sigma, volume, shares, list_date,
                 delisted=None, splits=(), market="stocks", otc=False, cik="", sic=("", ""),
                 type="CS"):
        self.ticker = ticker
        self.type = type            # CS, ETF, ADRC, WARRANT, UNIT, ...
        self.name = name
        self.exchange = exchange
        self.price = price          # price level at HISTORY_START (split-adjusted)
        self.sigma = sigma          # daily volatility
        self.volume = volume        # average daily volume (split-adjusted shares)
        self.shares = shares        # shares outstanding today
        self.list_date = list_date
        self.delisted = delisted    # last trading day, or None
        self.splits = list(splits)  # (execution_date, split_from, split_to)
        self.market = market
        self.otc = otc
        self.cik = cik
        self.sic = sic

    def shares_at(self, day):
        """Shares outstanding on a day: today's, undone by the splits after it."""
        return int(round(self.shares * split_factor(self, day)))

    def alive(self, day):
        return self.list_date <= day and (self.delisted is None or day <= self.delisted)

    def figi(self, kind):
        h = hashlib.sha256((kind + self.ticker).encode()).hexdigest().upper()
        return "BBG" + "".join(c for c in h if c.isalnum())[:9]


UNIVERSE = {t.ticker: t for t in [
    Ticker("ACME", "Acme Robotics Inc.", "XNAS", 4.20, 0.055, 2_400_000, 180_000_000,
           dt.date(2019, 3, 15), cik="0001900001", sic=("3569", "GENERAL INDUSTRIAL MACHINERY")),
    Ticker("BOLT", "Bolt Energy Corp.", "XNAS", 2.10, 0.070, 5_500_000, 420_000_000,
           dt.date(2020, 8, 3), cik="0001900002", sic=("3690", "MISC ELECTRICAL MACHINERY")),
    Ticker("CRWN", "Crown Biotherapeutics Inc.", "XNAS", 7.80, 0.065, 900_000, 45_000_000,
           dt.date(2018, 11, 1), splits=[(dt.date(2025, 6, 16), 10, 1)],
           cik="0001900003", sic=("2836", "BIOLOGICAL PRODUCTS")),
    Ticker("DYNX", "Dynex Quantum Inc.", "XNYS", 12.50, 0.045, 1_300_000, 95_000_000,
           dt.date(2021, 5, 20), cik="0001900004", sic=("3674", "SEMICONDUCTORS")),
    Ticker("EVTX", "Evtex Motors Inc.", "XNAS", 0.85, 0.080, 8_000_000, 610_000_000,
           dt.date(2020, 2, 14), delisted=dt.date(2024, 11, 29),
           cik="0001900005", sic=("3711", "MOTOR VEHICLES")),
    Ticker("FLUX", "Flux Semiconductor Inc.", "XNAS", 15.40, 0.040, 700_000, 60_000_000,
           dt.date(2017, 6, 9), splits=[(dt.date(2024, 3, 11), 1, 2)],
           cik="0001900006", sic=("3674", "SEMICONDUCTORS")),
    Ticker("GRNQ", "Greenquarry Mining Corp.", "OTCM", 0.62, 0.090, 3_000_000, 250_000_000,
           dt.date(2016, 1, 4), market="otc", otc=True,
           cik="0001900007", sic=("1040", "GOLD AND SILVER ORES")),
    # For the survivorship-free universe: a small cap delisted in 2023, one listed in 2024,
    # a large cap, a common stock above 20 USD, and names that are not common stock.
    Ticker("HALO", "Halo Therapeutics Inc.", "XNAS", 3.40, 0.070, 1_500_000, 120_000_000,
           dt.date(2019, 9, 12), delisted=dt.date(2023, 8, 15),
           cik="0001900008", sic=("2834", "PHARMACEUTICAL PREPARATIONS")),
    Ticker("NOVA", "Nova Photonics Inc.", "XNAS", 6.10, 0.060, 1_100_000, 70_000_000,
           dt.date(2024, 6, 3), cik="0001900009", sic=("3827", "OPTICAL INSTRUMENTS")),
    Ticker("MEGA", "Megacorp Industries Inc.", "XNYS", 18.00, 0.020, 9_000_000, 900_000_000,
           dt.date(2005, 1, 3), cik="0001900010", sic=("3560", "GENERAL INDUSTRIAL MACHINERY")),
    Ticker("PRCY", "Pricey Instruments Corp.", "XNYS", 48.00, 0.030, 400_000, 30_000_000,
           dt.date(2012, 5, 1), cik="0001900011", sic=("3826", "LABORATORY ANALYTICAL INSTRUMENTS")),
    Ticker("SCAP", "Demo Small Cap ETF", "ARCX", 14.20, 0.015, 600_000, 20_000_000,
           dt.date(2015, 2, 2), cik="0001900012", type="ETF"),
    Ticker("KORE", "Korea Demo Holdings ADR", "XNYS", 5.30, 0.040, 300_000, 50_000_000,
           dt.date(2014, 10, 6), cik="0001900013", type="ADRC"),
    Ticker("ACMEW", "Acme Robotics Inc. Warrants", "XNAS", 0.95, 0.120, 200_000, 10_000_000,
           dt.date(2021, 2, 1), cik="0001900014", type="WARRANT"),
    Ticker("BOLTU", "Bolt Energy Corp. Units", "XNAS", 10.10, 0.010, 20_000, 5_000_000,
           dt.date(2020, 8, 3), cik="0001900015", type="UNIT"),
]}


def seeded(*parts):
    h = hashlib.sha256("|".join(str(p) for p in parts).encode()).digest()
    return random.Random(int.from_bytes(h[:8], "big"))


def split_factor(t, day):
    """Product of split ratios after day: raw price x factor = adjusted price."""
    f = 1.0
    for when, frm, to in t.splits:
        if day < when:
            f *= frm / to
    return f


@functools.lru_cache(maxsize=64)
def daily_path(ticker):
    """(open, close, event_minute or None) per trading day, adjusted prices."""
    t = UNIVERSE[ticker]
    end = (t.delisted or today_ny()) + dt.timedelta(days=7)
    prev = t.price
    path = {}
    for day in trading_days(HISTORY_START, end):
        rng = seeded(ticker, "day", day)
        gap = rng.gauss(0, t.sigma / 3)
        event = None
        if rng.random() < 0.04:             # news day: a spike in the session
            event = rng.randint(20, 300)    # minutes after 09:30
            gap += rng.choice([0.0, 0.06])
        ret = rng.gauss(0, t.sigma)
        if event is not None:
            ret += rng.choice([0.12, 0.18, -0.10])
        ret -= 0.04 * math.log(prev / t.price)    # mean-revert to the ticker's level
        opn = max(0.05, prev * (1 + gap))
        close = max(0.05, opn * math.exp(ret))
        path[day] = (opn, close, event)
        prev = close
    return path


def round_price(p):
    return round(p, 4) if p < 1 else round(p, 2)


def session_minutes(day):
    """Minutes after 04:00 New York with their session: PM, RTH, AH."""
    rth_end = 13 * 60 if day in HALF_DAYS else 16 * 60
    ah_end = 17 * 60 if day in HALF_DAYS else 20 * 60
    out = []
    for m in range(4 * 60, ah_end):
        s = "PM" if m < 9 * 60 + 30 else ("RTH" if m < rth_end else "AH")
        out.append((m, s))
    return out


@functools.lru_cache(maxsize=512)
def minute_bars(ticker, day, adjusted=True):
    """Minute bars of one day: dicts with t (ms), o, h, l, c, v, vw, n."""
    t = UNIVERSE.get(ticker)
    if t is None or not t.alive(day) or not is_trading_day(day):
        return ()
    path = daily_path(ticker)
    if day not in path:
        return ()
    opn, close, event = path[day]
    prev_days = [d for d in path if d < day]
    prev_close = path[max(prev_days)][1] if prev_days else t.price
    rng = seeded(ticker, "minutes", day)
    minutes = session_minutes(day)
    rth = [m for m, s in minutes if s == "RTH"]
    open_idx = minutes.index((rth[0], "RTH"))
    close_idx = minutes.index((rth[-1], "RTH"))
    anchors = [(0, prev_close), (open_idx, opn)]
    event_idx = None
    if event is not None and open_idx + event < close_idx:
        event_idx = open_idx + event
        pre = opn + (close - opn) * 0.15
        post = pre * (1.08 if close >= opn else 0.92)
        anchors += [(event_idx - 1, pre), (event_idx, post)]
    anchors += [(close_idx, close), (len(minutes) - 1, close * (1 + rng.gauss(0, t.sigma / 4)))]

    # Brownian bridges between the anchors
    sigma_min = t.sigma / math.sqrt(390)
    prices = [0.0] * len(minutes)
    for (i0, p0), (i1, p1) in zip(anchors, anchors[1:]):
        n = i1 - i0
        walk = [0.0]
        for _ in range(n):
            walk.append(walk[-1] + rng.gauss(0, sigma_min))
        for k in range(n + 1):
            drift = math.log(p1 / p0) * k / n if n else 0.0
            bridge = walk[k] - walk[-1] * k / n if n else 0.0
            prices[i0 + k] = p0 * math.exp(drift + bridge)

    factor = 1.0 if adjusted else 1.0 / split_factor(t, day)
    fractional = day >= dt.date(2026, 2, 23)
    bars = []
    for i, (m, session) in enumerate(minutes):
        presence = {"PM": 0.22, "RTH": 0.93, "AH": 0.18}[session]
        hot = event_idx is not None and 0 <= i - event_idx < 30
        if not hot and rng.random() > presence:
            continue
        c = prices[i]
        o = prices[i - 1] if i else prev_close
        hi = max(o, c) * (1 + abs(rng.gauss(0, sigma_min / 2)))
        lo = min(o, c) * (1 - abs(rng.gauss(0, sigma_min / 2)))
        if session == "RTH":
            k = (m - rth[0]) / max(1, len(rth))
            profile = 1.0 + 2.5 * (1 - k) ** 6 + 1.5 * k ** 8
        else:
            profile = 0.15
        vol = t.volume / 390 * profile * math.exp(rng.gauss(0, 0.6))
        if hot:
            vol *= 14.0 / (1 + (i - event_idx) / 4)
        elif event_idx is not None and i > event_idx:
            vol *= NEWS_DAY_VOLUME          # the rest of a news day stays busy
        vol = max(1.0, vol)                 # split-adjusted shares
        n = max(1, int(vol / rng.uniform(90, 260)))
        if not adjusted:
            vol *= split_factor(t, day)     # raw shares before a split
        if fractional and rng.random() < 0.1:
            vol = round(vol + 0.37, 2)      # fractional-share reporting from 2026-02-23
        else:
            vol = float(int(vol))
        p = lambda x: round_price(x * factor)
        o_, h_, l_, c_ = p(o), p(hi), p(lo), p(c)
        h_ = max(h_, o_, c_)
        l_ = min(l_, o_, c_)
        vw = round((h_ + l_ + c_) / 3, 4)
        start = ny_datetime(day, m // 60, m % 60)
        bars.append({
            "v": vol,
            "vw": vw, "o": o_, "c": c_, "h": h_, "l": l_,
            "t": int(start.timestamp() * 1000), "n": n,
        })
    return tuple(bars)


@functools.lru_cache(maxsize=65536)       # small: kept for every day a test asks for
def day_bar(ticker, day, adjusted=True):
    bars = minute_bars(ticker, day, adjusted)
    if not bars:
        return None
    return aggregate(bars, ny_midnight_ms(day))


def aggregate(bars, t):
    v = sum(b["v"] for b in bars)
    vw = sum(b["vw"] * b["v"] for b in bars) / v if v else bars[-1]["c"]
    out = {
        "v": round(v, 2) if v != int(v) else float(int(v)),
        "vw": round(vw, 4),
        "o": bars[0]["o"], "c": bars[-1]["c"],
        "h": max(b["h"] for b in bars), "l": min(b["l"] for b in bars),
        "t": t, "n": sum(b["n"] for b in bars),
    }
    return out


# ---------------------------------------------------------------------------
# Trades and quotes, consistent with the minute bars

EXCHANGES = [4, 11, 12, 15, 19, 21]
CONDITIONS = [None, [14], [37], [12, 37], [12], [41]]


@functools.lru_cache(maxsize=64)
def day_trades(ticker, day):
    """Trades of one day, ascending by sip_timestamp."""
    trades = []
    seq = 1000
    for b in minute_bars(ticker, day, True):
        rng = seeded(ticker, "trades", b["t"])
        n = min(b["n"], 250)
        start_ns = b["t"] * 1_000_000
        offsets = sorted(rng.randrange(0, 60_000_000_000) for _ in range(n))
        sizes = [1 + rng.randrange(0, 400) for _ in range(n)]
        total = sum(sizes)
        sizes = [max(1, int(s * b["v"] / total)) for s in sizes]
        for k, off in enumerate(offsets):
            if k == 0:
                price = b["o"]
            elif k == n - 1:
                price = b["c"]
            elif k == 1:
                price = b["h"]
            elif k == 2:
                price = b["l"]
            else:
                price = round_price(rng.uniform(b["l"], b["h"]))
            seq += rng.randint(1, 40)
            sip = start_ns + off
            ex = rng.choice(EXCHANGES)
            tr = {
                "exchange": ex,
                "id": str(52983525000000 + seq),
                "participant_timestamp": sip - rng.randint(5_000, 60_000),
                "price": price,
                "sequence_number": seq,
                "sip_timestamp": sip,
                "size": sizes[k],
                "tape": 3,
            }
            cond = rng.choice(CONDITIONS)
            if cond is not None:
                tr["conditions"] = cond
            if ex == 4:
                tr["trf_id"] = rng.choice([201, 202, 203])
                tr["trf_timestamp"] = sip - rng.randint(100_000, 2_000_000)
            trades.append(tr)
    return tuple(trades)


@functools.lru_cache(maxsize=64)
def day_quotes(ticker, day):
    """NBBO quotes of one day, ascending by sip_timestamp."""
    quotes = []
    seq = 500
    shares = day >= dt.date(2025, 11, 3)   # sizes in shares from 2025-11-03, round lots before
    for b in minute_bars(ticker, day, True):
        rng = seeded(ticker, "quotes", b["t"])
        n = min(2 * b["n"], 300)
        start_ns = b["t"] * 1_000_000
        offsets = sorted(rng.randrange(0, 60_000_000_000) for _ in range(n))
        tick = 0.0001 if b["c"] < 1 else 0.01
        for off in offsets:
            mid = rng.uniform(b["l"], b["h"])
            half = max(tick, mid * rng.uniform(0.0005, 0.004))
            bid = round_price(mid - half)
            ask = round_price(max(mid + half, bid + tick))
            lots = (rng.randint(1, 30), rng.randint(1, 30))
            seq += rng.randint(1, 20)
            sip = start_ns + off
            quotes.append({
                "ask_exchange": rng.choice(EXCHANGES[1:]),
                "ask_price": ask,
                "ask_size": lots[0] * 100 if shares else lots[0],
                "bid_exchange": rng.choice(EXCHANGES[1:]),
                "bid_price": bid,
                "bid_size": lots[1] * 100 if shares else lots[1],
                "participant_timestamp": sip - rng.randint(5_000, 60_000),
                "sequence_number": seq,
                "sip_timestamp": sip,
                "tape": 3,
            })
    return tuple(quotes)
