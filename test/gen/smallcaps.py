#!/usr/bin/env python3
"""Realistic small-cap minute bars with planted events, for measuring the detectors.

    smallcaps.py bars   [options]  > bars.csv     every bar, in two variants (see below)
    smallcaps.py plants [options]  > plants.csv   what was planted, where, and where it may be found

Options: --seed N (1), --tickers N (8), --days N trading days (27), --warmup N (10),
--from YYYY-MM-DD (2025-10-22), --plant-share F (0.7).  The output is a pure function of the
options (Python's Mersenne Twister, seeded per ticker and day): the tests and benchmarks load it
with COPY and get the same bars every time, on every machine.

The bars (CSV, no header): variant, ticker, ts (UTC), open, high, low, close, volume, vwap,
transactions.  variant is 'b' for a bar that is the same in both data sets, 'q' for a bar of the
quiet data set only, 'p' for a bar of the planted data set only: the quiet data set is the rows
b + q, the planted one b + p.  Both have exactly the same background; the planted one has, on
about plant-share of the ticker-days after the warm-up, one planted event.  The first `warmup`
days of each ticker are never planted: they give the detectors the history their baselines need.

The plants (CSV, no header): ticker, trading_day, kind, event_type, direction, session, ts (the
bar where a trader sees the event confirmed), match_from, match_to (UTC; a detector's event of
this type and direction between them, inclusive, finds the plant).

The background, per ticker (drawn once from the seed):
  - price 2 to 20 USD and dollar volume 3 to 40 M USD a day (log-uniform); daily volatility 3 to
    6 %, mean-reverting to the ticker's level from day to day; an overnight gap of a quarter of
    that (Student t, 3 degrees of freedom)
  - minute returns: Student t with 3 degrees of freedom (fat tails: a few 5-sigma minutes a day),
    with an intraday volatility profile: 2.5x at the open falling to 0.8x at midday and 1.2x at the
    close; pre-market and after hours 0.9x
  - minute volume: a U-shaped profile over regular hours (the opening minutes about 5x midday, the
    09:30 opening print another 2.5x, the last half hour rising to 2.5x, the 15:59 closing print 3x),
    thin extended hours (pre-market 4 % of midday rising to 15 % in its last half hour, after hours
    15 % in its first quarter hour then 4 %); times a day factor (log-normal, sd 0.3), a
    persistent log-normal noise (AR(1), phi 0.5, sd 0.52) and a rise with the size of the
    minute's move; one extended-hours minute in 50 is a burst of 3 to 10 times
  - missing minutes (no trade, no bar): 1 to 5 % of regular hours, 40 to 75 % of pre-market and
    50 to 80 % of after hours
  - transactions: volume over an average trade of 100 to 300 shares, with noise
  - the NYSE calendar of the mock server (test/mock/universe.py): holidays, 13:00 closes (after
    hours then end at 17:00), New York time across the DST changes; the default span, 2025-10-22
    to 2025-12-01, holds the end of DST (2025-11-02), Thanksgiving and its half-day

The planted events, each where a trader would call it that event without hesitating, its volume
a multiple of the volume that minute normally has on that day (so a slow day's event is still
clearly above that day's tape), and every bar that carries an event at least 20,000 USD (twice
the detectors' minimum: a thin name's "breakout" on a few hundred shares is no event).  "V"
below is that normal volume:
  volume_spike up      one green bar, +1.5 to 3 %, on 18 V (25 V in pre-market or after hours),
                       at least 2x the minimum volume and dollar volume of its session; the next
                       three bars fade (5, 3, 2 V).  RTH, PM and AH variants.  Found at the bar.
  volume_spike down    a red bar (-1.5 %, 2 V) then a second red bar (-2.5 %) on 18 V, at least
                       4 % under the day's high; the same fade.  Found at the second red bar.
  vwap_break up        20 minutes at 1.5 % under the RTH VWAP, then one bar through VWAP to
                       1.2 % above it and a second one at 1.4 % above, both on 5 V.  Found at the
                       second bar (the reclaim confirmed).
  vwap_break down      20 minutes at 1.5 % under VWAP, a rally into VWAP (the high touches it,
                       the close stays under: a failed reclaim), then three bars at 1.4, 1.7 and
                       1.9 % under VWAP on 6 V.  Found at the third bar.
  price_momentum up    20 calm minutes, then four bars of +1.3 % each on 5 V, above every high of
                       the calm.  Found when the 5-minute change passes 3 % (the third bar).
  price_momentum down  20 calm minutes, then four bars of -1.5 % on 4 V.  Found at the third bar.
  consolidation_break  a 40-minute base within +-0.35 % on 0.8 V, then a bar closing 2 % beyond its
                       edge on 6 V, followed through on 4 V and 2 V.  Up and down.  Found at the
                       bar or the next one (the break confirmed).
  opening_range_break  the first 15 minutes set the range; the price stays inside it until a bar
                       between 09:55 and 10:45 closes 1.2 % beyond it on 6 V, followed through on
                       4 V and 2 V.  Up and down.  Found at the bar or the next one.
  tape_speed           three bars with 12 times the usual trades (small prints: 2.5 V), at least
                       twice the seeds' 50 a minute, the price rising 0.4 % a bar.  Found at any
                       of the three.
  flush                a 20-minute run-up of at least 7 % to a new day high on 4 V, then four red
                       bars falling 3, 6.5, 9.5 and 11 % from the high on 6, 9, 12 and 14 V.
                       Found at the third red bar.  The double-top variant first pulls back 3 %
                       for 20 minutes, retests the high (0.2 to 0.6 % short of it) and falls from
                       there.
"""

import argparse
import datetime as dt
import math
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "mock"))
from universe import UTC, is_trading_day, ny_datetime, seeded, session_minutes  # noqa: E402

# the thresholds of the seeds that the plants must clear with a margin
MIN_VOLUME = {"RTH": 10000, "PM": 15000, "AH": 15000}
MIN_DOLLAR_VOLUME = {"RTH": 50000, "PM": 75000, "AH": 75000}
MIN_TRANSACTIONS = 50
MIN_BAR_DOLLAR_VOLUME = 10000      # the detectors' filter on an event's bar

# the mean of the volume noise, exp(AR(1) + 0.35 |z|): volumes average the ticker's
VOLUME_NOISE_MEAN = 1.45

# every kind of plant, in the order they are dealt to the ticker-days
KINDS = [
    ("volume_spike_rth", "volume_spike", "up"),
    ("flush", "flush", "down"),
    ("vwap_reclaim", "vwap_break", "up"),
    ("momentum_up", "price_momentum", "up"),
    ("consolidation_up", "consolidation_break", "up"),
    ("orb_up", "opening_range_break", "up"),
    ("volume_spike_down", "volume_spike", "down"),
    ("vwap_rejection", "vwap_break", "down"),
    ("momentum_down", "price_momentum", "down"),
    ("consolidation_down", "consolidation_break", "down"),
    ("orb_down", "opening_range_break", "down"),
    ("tape_speed", "tape_speed", "up"),
    ("volume_spike_pm", "volume_spike", "up"),
    ("flush_double_top", "flush", "down"),
    ("volume_spike_ah", "volume_spike", "up"),
]


def t3(rng):
    """Student t with 3 degrees of freedom, scaled to unit variance, clipped at 10."""
    chi = rng.gauss(0, 1) ** 2 + rng.gauss(0, 1) ** 2 + rng.gauss(0, 1) ** 2
    z = rng.gauss(0, 1) / math.sqrt(max(chi, 1e-9) / 3.0) / math.sqrt(3.0)
    return max(-10.0, min(10.0, z))


def log_uniform(rng, lo, hi):
    return math.exp(math.log(lo) + (math.log(hi) - math.log(lo)) * rng.random())


def round_price(p):
    return round(p, 2) if p >= 1 else round(p, 4)


class Ticker:
    def __init__(self, seed, name):
        rng = seeded(seed, "ticker", name)
        self.name = name
        self.level = log_uniform(rng, 2.0, 20.0)
        self.dollar_volume = log_uniform(rng, 3e6, 40e6)
        self.sigma = 0.03 + 0.03 * rng.random()
        self.trade_size = 100 + 200 * rng.random()
        self.presence = {"RTH": 0.95 + 0.04 * rng.random(),
                         "PM": 0.25 + 0.35 * rng.random(),
                         "AH": 0.20 + 0.30 * rng.random()}


def volume_shape(minute, session, rth_open, rth_close, ah_close):
    """The normal volume of a minute (minutes after midnight), in units of the midday minute."""
    if session == "RTH":
        k = (minute - rth_open) / (rth_close - rth_open)
        w = 0.55 + 2.3 * math.exp(-k / 0.04) + 0.8 * math.exp(-(1 - k) / 0.05) + 0.45 * k ** 3
        if minute == rth_open:
            w *= 2.5                       # the opening print
        if minute == rth_close - 1:
            w *= 3.0                       # the closing print
        return w
    if session == "PM":
        return 0.15 if minute >= rth_open - 30 else 0.04
    return 0.15 if minute < rth_close + 15 else 0.04


def vol_shape(minute, session, rth_open, rth_close):
    """The volatility profile: a multiple of the day's minute volatility."""
    if session != "RTH":
        return 0.9
    k = (minute - rth_open) / (rth_close - rth_open)
    return 0.8 + 1.7 * math.exp(-k / 0.06) + 0.4 * k ** 4


class Day:
    """The random draws of one ticker-day: both variants are rendered from them."""

    def __init__(self, seed, tk, day, prev_close):
        rng = seeded(seed, "day", tk.name, day)
        self.day = day
        self.minutes = session_minutes(day)
        sessions = [s for _, s in self.minutes]
        self.rth_open = self.minutes[sessions.index("RTH")][0]
        self.rth_close = self.minutes[len(sessions) - 1 - sessions[::-1].index("RTH")][0] + 1
        self.ah_close = self.minutes[-1][0] + 1
        half = self.rth_close < 16 * 60
        self.activity = math.exp(rng.gauss(0, 0.3)) * (0.6 if half else 1.0)
        gap = 0.25 * tk.sigma * t3(rng) - 0.04 * math.log(prev_close / tk.level)
        n = len(self.minutes)
        npm = sessions.count("PM")
        # the day's variance is sigma^2; the day's volume the ticker's (times the day factor)
        sigma_min = tk.sigma / math.sqrt(sum(vol_shape(m, s, self.rth_open, self.rth_close) ** 2
                                             for m, s in self.minutes))
        midday = tk.dollar_volume / prev_close / VOLUME_NOISE_MEAN / sum(
            volume_shape(m, s, self.rth_open, self.rth_close, self.ah_close) for m, s in self.minutes)
        self.ret, self.vol, self.present, self.wick_hi, self.wick_lo, self.trades = [], [], [], [], [], []
        self.sigma_at, self.normal = [], []
        ar = 0.0
        for i, (m, s) in enumerate(self.minutes):
            sig = sigma_min * vol_shape(m, s, self.rth_open, self.rth_close)
            z = t3(rng)
            drift = gap / npm if s == "PM" else 0.0
            self.sigma_at.append(sig)
            self.ret.append(drift + sig * z)
            ar = 0.5 * ar + rng.gauss(0, 0.45)
            normal = midday * self.activity * volume_shape(m, s, self.rth_open, self.rth_close, self.ah_close)
            self.normal.append(normal)
            burst = 1.0
            if s != "RTH" and rng.random() < 0.02:
                burst = 3.0 + 7.0 * rng.random()
            self.vol.append(normal * math.exp(ar + 0.35 * min(abs(z), 4.0)) * burst)
            self.present.append(rng.random() < tk.presence[s])
            self.wick_hi.append(abs(rng.gauss(0, 0.35)))
            self.wick_lo.append(abs(rng.gauss(0, 0.35)))
            self.trades.append(math.exp(rng.gauss(0, 0.2)) / tk.trade_size)
        self.start = prev_close
        self.rng_plant = seeded(seed, "plant", tk.name, day)

    def index_of(self, hhmm):
        m = hhmm[0] * 60 + hhmm[1]
        return m - self.minutes[0][0]


class State:
    """What a plant may look at while the day is drawn: the bars so far."""

    def __init__(self):
        self.close = None
        self.pv = 0.0
        self.v = 0.0
        self.high = -math.inf
        self.or_high = -math.inf
        self.or_low = math.inf

    @property
    def vwap(self):
        return self.pv / self.v if self.v > 0 else None


class Step:
    """What a plant does to one minute: the close it aims at (None: the background's), the
    volume (a multiple of the normal volume, or None), trades (a multiple), a forced high, a
    minimum volume, and whether the bar must exist."""

    def __init__(self, close=None, vol=None, trades=1.0, high=None, floor=0.0, present=True,
                 min_trades=0):
        self.close, self.vol, self.trades, self.high, self.floor, self.present = \
            close, vol, trades, high, floor, present
        self.min_trades = min_trades


class Plant:
    """One planted event: a script of Steps over a span of minutes."""

    def __init__(self, kind, event_type, direction, d, tk):
        self.kind, self.event_type, self.direction = kind, event_type, direction
        self.d, self.tk = d, tk
        self.confirm = None          # index of the bar a trader sees the event on
        self.match = None            # (first, last) index a detector may fire on
        rng = d.rng_plant
        self.u = [rng.random() for _ in range(8)]
        self.mem = {}
        self.setup()

    @staticmethod
    def liquid(st):
        """The shares an event's bar needs: twice the detectors' minimum dollar volume."""
        return 2 * MIN_BAR_DOLLAR_VOLUME / st.close

    def pick(self, lo, hi, k=0):
        """An index between two New York times (inclusive), from the plant's own draws."""
        a, b = self.d.index_of(lo), self.d.index_of(hi)
        return a + int(self.u[k] * (b - a + 1))

    def setup(self):
        k = self.kind
        if k.startswith("volume_spike"):
            where = {"volume_spike_pm": ((7, 0), (9, 10)), "volume_spike_ah": ((16, 20), (19, 30))}
            lo, hi = where.get(k, ((10, 0), (15, 20)))
            if self.d.rth_close < 16 * 60 and k == "volume_spike_ah":
                lo, hi = (13, 20), (16, 30)
            if self.d.rth_close < 16 * 60 and k != "volume_spike_ah" and k != "volume_spike_pm":
                hi = (12, 20)
            self.i0 = self.pick(lo, hi)
            self.confirm = self.i0
            self.match = (self.i0, self.i0 + 1)
        elif k in ("vwap_reclaim", "vwap_rejection"):
            self.i0 = self.pick((10, 30), (14, 30) if self.d.rth_close >= 16 * 60 else (12, 20))
            self.confirm = self.i0 + (1 if k == "vwap_reclaim" else 2)
            self.match = (self.confirm, self.confirm + 1)
        elif k.startswith("momentum"):
            self.i0 = self.pick((10, 0), (15, 0) if self.d.rth_close >= 16 * 60 else (12, 20))
            self.confirm = self.i0 + 2
            self.match = (self.i0 + 1, self.i0 + 4)
        elif k.startswith("consolidation"):
            self.i0 = self.pick((11, 0), (15, 0) if self.d.rth_close >= 16 * 60 else (12, 30))
            self.confirm = self.i0
            self.match = (self.i0, self.i0 + 1)
        elif k.startswith("orb"):
            self.i0 = self.pick((9, 55), (10, 45))
            self.confirm = self.i0
            self.match = (self.i0, self.i0 + 1)
        elif k == "tape_speed":
            self.i0 = self.pick((10, 0), (15, 20) if self.d.rth_close >= 16 * 60 else (12, 20))
            self.confirm = self.i0
            self.match = (self.i0, self.i0 + 2)
        elif k.startswith("flush"):
            last = (14, 0) if self.d.rth_close >= 16 * 60 else (12, 0)
            if k == "flush_double_top":
                last = (13, 30) if self.d.rth_close >= 16 * 60 else (11, 40)
            self.i0 = self.pick((10, 15), last)
            self.fall = self.i0 + (22 if k == "flush_double_top" else 0)
            self.confirm = self.fall + 2
            self.match = (self.fall + 2, self.fall + 3)

    def session(self):
        return self.d.minutes[self.confirm][1]

    def step(self, i, st):
        """The Step for minute i, or None outside the plant."""
        k, d = self.kind, self.d
        i0 = self.i0
        if k.startswith("volume_spike"):
            s = d.minutes[i][1]
            floor = max(2 * MIN_VOLUME[s], 2 * MIN_DOLLAR_VOLUME[s] / st.close)
            big = 25.0 if s != "RTH" else 18.0
            if k == "volume_spike_down":
                if i == i0 - 1:
                    return Step(close=st.close * 0.985, vol=2.0)
                if i == i0:
                    return Step(close=st.close * 0.975, vol=big, floor=floor)
            elif i == i0:
                return Step(close=st.close * (1.015 + 0.015 * self.u[1]), vol=big, floor=floor)
            if 0 < i - i0 <= 3:
                return Step(vol=(5.0, 3.0, 2.0)[i - i0 - 1])
            return None
        if k in ("vwap_reclaim", "vwap_rejection"):
            if i0 - 20 <= i < i0 - (0 if k == "vwap_reclaim" else 2):
                if "level" not in self.mem:
                    self.mem["level"] = st.close
                target = st.vwap * 0.985
                w = min(1.0, (i - (i0 - 20) + 1) / 6.0)
                lvl = self.mem["level"] * (1 - w) + target * w
                return Step(close=lvl * math.exp(0.2 * d.ret[i]), present=False)
            if k == "vwap_reclaim":
                if i == i0:
                    return Step(close=st.vwap * 1.012, vol=5.0, floor=self.liquid(st))
                if i == i0 + 1:
                    return Step(close=st.vwap * 1.014, vol=5.0, floor=self.liquid(st))
                return None
            if i == i0 - 2:
                return Step(close=st.vwap * 0.993, vol=2.0)
            if i == i0 - 1:
                return Step(close=st.vwap * 0.996, vol=2.5, high=st.vwap * 1.002)
            if i0 <= i <= i0 + 2:
                return Step(close=st.vwap * (0.986, 0.983, 0.981)[i - i0], vol=6.0, floor=self.liquid(st))
            return None
        if k.startswith("momentum"):
            if i0 - 20 <= i < i0:
                if "level" not in self.mem:
                    self.mem["level"] = st.close
                return Step(close=self.mem["level"] * math.exp(0.3 * d.ret[i]), present=False)
            if i0 <= i < i0 + 4:
                return Step(close=st.close * (1.013 if k == "momentum_up" else 0.985),
                            vol=5.0 if k == "momentum_up" else 4.0, floor=self.liquid(st))
            return None
        if k.startswith("consolidation"):
            if i0 - 40 <= i < i0:
                if "level" not in self.mem:
                    self.mem["level"] = st.close
                    self.mem["hi"], self.mem["lo"] = -math.inf, math.inf
                z = d.ret[i] / d.sigma_at[i]
                c = self.mem["level"] * (1 + max(-0.0035, min(0.0035, 0.0025 * z)))
                return Step(close=c, vol=0.8, present=False)
            if i == i0:
                if k == "consolidation_up":
                    return Step(close=self.mem["hi"] * 1.02, vol=6.0, floor=self.liquid(st))
                return Step(close=self.mem["lo"] * 0.98, vol=6.0, floor=self.liquid(st))
            if 0 < i - i0 <= 2:                                 # the follow-through
                return Step(vol=(4.0, 2.0)[i - i0 - 1], floor=self.liquid(st))
            return None
        if k.startswith("orb"):
            first = d.index_of((9, 45))
            if first <= i < i0:
                mid = (st.or_high + st.or_low) / 2
                half = (st.or_high - st.or_low) / 2
                z = max(-1.0, min(1.0, d.ret[i] / d.sigma_at[i] / 2))
                return Step(close=mid + 0.4 * half * z, present=False)
            if i == i0:
                if k == "orb_up":
                    return Step(close=st.or_high * 1.012, vol=6.0, floor=self.liquid(st))
                return Step(close=st.or_low * 0.988, vol=6.0, floor=self.liquid(st))
            if 0 < i - i0 <= 2:                                 # the follow-through
                return Step(vol=(4.0, 2.0)[i - i0 - 1], floor=self.liquid(st))
            return None
        if k == "tape_speed":
            if i0 <= i < i0 + 3:
                return Step(close=st.close * 1.004, vol=2.5, trades=12.0 / 2.5, min_trades=2 * MIN_TRANSACTIONS,
                            floor=self.liquid(st))
            return None
        if k.startswith("flush"):
            if i0 - 20 <= i < i0:
                if "start" not in self.mem:
                    self.mem["start"] = st.close
                    self.mem["top"] = max(st.close * 1.07, st.high * 1.02)
                f = (i - (i0 - 20) + 1) / 20.0
                c = self.mem["start"] * (self.mem["top"] / self.mem["start"]) ** f
                if i == i0 - 1:
                    return Step(close=c, vol=4.0, high=c)
                return Step(close=c * math.exp(0.2 * d.ret[i]), vol=4.0)
            top = self.mem.get("top")
            if k == "flush_double_top" and i0 <= i < self.fall:
                if i < self.fall - 1:
                    return Step(close=top * 0.97 * math.exp(0.2 * d.ret[i]), present=False)
                short = 0.002 + 0.004 * self.u[2]
                return Step(close=top * (1 - short - 0.002), vol=3.0, high=top * (1 - short))
            if self.fall <= i < self.fall + 4:
                j = i - self.fall
                ref = top if k == "flush" else top * (1 - 0.002 - 0.004 * self.u[2])
                return Step(close=ref * (0.97, 0.935, 0.905, 0.89)[j], vol=(6.0, 9.0, 12.0, 14.0)[j],
                            floor=self.liquid(st) * (1 + j))
            return None
        raise ValueError(k)


def render(tk, d, plant):
    """The bars of a ticker-day: (ts, open, high, low, close, volume, vwap, transactions)."""
    st = State()
    price = d.start
    out = []
    or_end = d.rth_open + 15
    for i, (m, s) in enumerate(d.minutes):
        st.close = price
        step = plant.step(i, st) if plant else None
        opn = price
        if step is not None and step.close is not None:
            price = step.close
        else:
            price = price * math.exp(d.ret[i])
        present = d.present[i] or (step is not None and step.present)
        if not present:
            continue
        vol = d.vol[i]
        if step is not None and step.vol is not None:
            vol = max(step.vol * d.normal[i], step.floor)
        vol = max(1.0, float(int(vol)))
        trades = max(1, int(round(vol * d.trades[i] * (step.trades if step else 1.0))),
                     step.min_trades if step else 0)
        o, c = round_price(opn), round_price(price)
        hi = max(opn, price) * math.exp(d.sigma_at[i] * d.wick_hi[i])
        lo = min(opn, price) * math.exp(-d.sigma_at[i] * d.wick_lo[i])
        if step is not None and step.close is not None:
            # a scripted bar keeps its wicks small
            hi = max(opn, price) * math.exp(0.2 * d.sigma_at[i] * d.wick_hi[i])
            lo = min(opn, price) * math.exp(-0.2 * d.sigma_at[i] * d.wick_lo[i])
        if step is not None and step.high is not None:
            hi = step.high
        h, lw = round_price(hi), round_price(lo)
        h, lw = max(h, o, c), min(lw, o, c)
        vw = round(min(h, max(lw, (o + h + lw + c) / 4)), 4)
        ts = ny_datetime(d.day, m // 60, m % 60)
        out.append((ts, o, h, lw, c, vol, vw, trades))
        # what the next minutes' plant sees
        if m >= d.rth_open:
            st.pv += vw * vol
            st.v += vol
        st.high = max(st.high, h)
        if d.rth_open <= m < or_end:
            st.or_high = max(st.or_high, h)
            st.or_low = min(st.or_low, lw)
        if plant and "hi" in plant.mem and plant.i0 - 40 <= i < plant.i0:
            plant.mem["hi"] = max(plant.mem["hi"], h)
            plant.mem["lo"] = min(plant.mem["lo"], lw)
    return out


def trading_days(start, n):
    d = start
    days = []
    while len(days) < n:
        if is_trading_day(d):
            days.append(d)
        d += dt.timedelta(days=1)
    return days


def fmt_ts(ts):
    return ts.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S+00")


def ticker_days(args):
    """Every ticker-day: (ticker, day, its plant or None, quiet bars, planted bars)."""
    days = trading_days(dt.date.fromisoformat(args.start), args.days)
    dealt = 0
    for t in range(args.tickers):
        tk = Ticker(args.seed, "G%03d" % (t + 1))
        prev_close = tk.level
        for n, day in enumerate(days):
            d = Day(args.seed, tk, day, prev_close)
            plant = None
            if n >= args.warmup and d.rng_plant.random() < args.plant_share:
                kind, event_type, direction = KINDS[dealt % len(KINDS)]
                dealt += 1
                plant = Plant(kind, event_type, direction, d, tk)
            quiet = render(tk, d, None)
            prev_close = quiet[-1][4] if quiet else prev_close
            yield tk, d, plant, quiet, (render(tk, d, plant) if plant else quiet)


def bars(args, variant):
    """The bars of one data set ('planted' or 'quiet'): (ticker, ts, o, h, l, c, v, vwap, n)."""
    out = []
    for tk, d, plant, quiet, planted in ticker_days(args):
        out.extend((tk.name,) + r for r in (planted if variant == "planted" else quiet))
    return out


def generate(args, what):
    w = sys.stdout.write
    for tk, d, plant, quiet, planted in ticker_days(args):
        if what == "plants":
            if plant:
                ts = [ny_datetime(d.day, m // 60, m % 60) for m, _ in d.minutes]
                w("%s,%s,%s,%s,%s,%s,%s,%s,%s\n" % (
                    tk.name, d.day.isoformat(), plant.kind, plant.event_type, plant.direction,
                    plant.session(), fmt_ts(ts[plant.confirm]), fmt_ts(ts[plant.match[0]]),
                    fmt_ts(ts[plant.match[1]])))
            continue
        both = set(quiet) & set(planted) if plant else None
        for variant, rows in (("q", quiet), ("p", planted)) if plant else (("b", quiet),):
            for r in rows:
                v = "b" if plant and r in both else variant
                if v == "b" and variant == "p":
                    continue       # written once, with the quiet rows
                w("%s,%s,%s,%s,%s,%s,%s,%d,%s,%d\n" % (
                    v, tk.name, fmt_ts(r[0]), r[1], r[2], r[3], r[4], r[5], r[6], r[7]))


def add_options(ap):
    """The options that choose the data (shared with reference_intraday.py)."""
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--tickers", type=int, default=8)
    ap.add_argument("--days", type=int, default=27)
    ap.add_argument("--warmup", type=int, default=10)
    ap.add_argument("--from", dest="start", default="2025-10-22")
    ap.add_argument("--plant-share", type=float, default=0.7)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("what", choices=["bars", "plants"])
    add_options(ap)
    args = ap.parse_args()
    generate(args, args.what)


if __name__ == "__main__":
    main()
