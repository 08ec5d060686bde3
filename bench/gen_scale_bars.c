/*
 * gen_scale_bars.c
 *		A fast generator of realistic small-cap minute (or day) bars, written as
 *		PostgreSQL's binary COPY format for tape.bars_1m (tape.bars_1d), for the
 *		scale benchmark (bench/scale.sh) and the test of the run helpers.
 *
 *	gen_scale_bars minute|day FIRST_TICKER TICKERS DAYS_FILE > bars.copy
 *
 * DAYS_FILE holds one trading day a line: its number (days since 2000-01-03)
 * and the Unix time in seconds of its 04:00 New York (bench/scale.sh makes it
 * with tape's calendar, so holidays and DST are tape's own).  Tickers are
 * BG0001, BG0002, ...  The output is a pure function of the arguments
 * (hashes of ticker, day and minute, not a random stream): the same bars in
 * any split of tickers or days.
 *
 * What is realistic here (test/gen/smallcaps.py is the generator of the
 * detector tests; this one is its fast cousin):
 *	- a ticker's price level is 0.5 to 20 USD (log-uniform), its dollar volume
 *	  0.5 to 40 M USD a day (log-uniform), its daily volatility 3 to 8 %; the
 *	  day's level wanders from day to day (octaves of noise: weeks to months)
 *	- within a day the log price is a random walk at every scale (octaves of
 *	  noise from 1 to 256 minutes), heavy-tailed (2 % of minutes move 3x), more
 *	  volatile at the open and in the extended hours
 *	- part of the 960 minutes of a day: regular hours miss 1 to 5 % of their
 *	  minutes, the pre-market 55 % (25 % in its last half hour), after hours
 *	  65 %; one ticker-day in 25 has a trading halt (6 to 9 minutes of regular
 *	  hours without a bar, then a move of 5 to 15 %)
 *	- volume: a U-shaped profile over regular hours (the opening print 12x
 *	  midday, the first minutes 5x, the close 2.5x and its print 7x), thin
 *	  extended hours, log-normal noise; one minute in 150 is a burst of 3 to
 *	  12 times the volume with a move of 2 to 6 %
 *	- transactions: volume over an average trade of 100 to 300 shares
 *	- day bars: the regular hours of the same minutes (open, high, low, close,
 *	  volume, volume-weighted vwap, transactions)
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PG_EPOCH_OFFSET 946684800LL	/* 2000-01-01 in Unix seconds */

static unsigned char buf[1 << 16];
static size_t buflen = 0;

static void
flush_out(void)
{
	if (buflen > 0 && fwrite(buf, 1, buflen, stdout) != buflen)
	{
		perror("write");
		exit(1);
	}
	buflen = 0;
}

static void
put(const void *p, size_t n)
{
	if (buflen + n > sizeof(buf))
		flush_out();
	memcpy(buf + buflen, p, n);
	buflen += n;
}

static void
put_i16(int16_t v)
{
	uint16_t	u = (uint16_t) v;
	unsigned char b[2] = {u >> 8, u & 0xff};

	put(b, 2);
}

static void
put_i32(int32_t v)
{
	uint32_t	u = (uint32_t) v;
	unsigned char b[4] = {u >> 24, (u >> 16) & 0xff, (u >> 8) & 0xff, u & 0xff};

	put(b, 4);
}

static void
put_i64(int64_t v)
{
	uint64_t	u = (uint64_t) v;
	unsigned char b[8];

	for (int i = 0; i < 8; i++)
		b[i] = (u >> (56 - 8 * i)) & 0xff;
	put(b, 8);
}

static void
put_f8(double d)
{
	int64_t		v;

	memcpy(&v, &d, 8);
	put_i32(8);
	put_i64(v);
}

/* splitmix64 of a key and a stream: a uniform number in [0, 1) */
static double
u(uint64_t key, uint64_t stream)
{
	uint64_t	z = key * 0x9E3779B97F4A7C15ULL + stream * 0xD1B54A32D192ED03ULL + 0x632BE59BD9B4E019ULL;

	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
	z ^= z >> 31;
	return (z >> 11) * (1.0 / 9007199254740992.0);
}

/* roughly normal: three uniforms */
static double
n(uint64_t key, uint64_t stream)
{
	return (u(key, stream) + u(key, stream + 1000) + u(key, stream + 2000) - 1.5) * 2.0;
}

static double
round4(double x)
{
	return round(x * 10000.0) / 10000.0;
}

static void
row_start(const char *ticker, int64_t ts_us)
{
	int			len = (int) strlen(ticker);

	put_i16(10);
	put_i32(len);
	put(ticker, len);
	put_i32(8);
	put_i64(ts_us);
}

static void
row_end(double volume, double vwap, int32_t transactions)
{
	put_f8(volume);
	put_f8(vwap);
	put_i32(4);
	put_i32(transactions);
	put_i32(1);
	put("\1", 1);
}

int
main(int argc, char **argv)
{
	int			day_mode;
	int			first,
				count;
	FILE	   *f;
	int			ndays = 0;
	int			cap = 1024;
	int		   *day_no;
	long long  *day_start;
	static const char header[] = "PGCOPY\n\377\r\n";

	if (argc != 5 || (strcmp(argv[1], "minute") != 0 && strcmp(argv[1], "day") != 0))
	{
		fprintf(stderr, "usage: gen_scale_bars minute|day FIRST_TICKER TICKERS DAYS_FILE\n");
		return 2;
	}
	day_mode = strcmp(argv[1], "day") == 0;
	first = atoi(argv[2]);
	count = atoi(argv[3]);
	f = fopen(argv[4], "r");
	if (f == NULL)
	{
		perror(argv[4]);
		return 1;
	}
	day_no = malloc(cap * sizeof(int));
	day_start = malloc(cap * sizeof(long long));
	while (fscanf(f, "%d %lld", &day_no[ndays], &day_start[ndays]) == 2)
	{
		if (++ndays == cap)
		{
			cap *= 2;
			day_no = realloc(day_no, cap * sizeof(int));
			day_start = realloc(day_start, cap * sizeof(long long));
		}
	}
	fclose(f);

	put(header, 11);
	put_i32(0);
	put_i32(0);

	for (int i = first; i < first + count; i++)
	{
		char		ticker[16];
		double		level = exp(log(0.5) + u(i, 1) * (log(20.0) - log(0.5)));
		double		vol_day = 0.03 + 0.05 * u(i, 2);
		double		size = u(i, 3);
		double		rth_missing = 0.01 + 0.04 * u(i, 4);

		snprintf(ticker, sizeof(ticker), "BG%04d", i);
		for (int d = 0; d < ndays; d++)
		{
			uint64_t	td = ((uint64_t) i << 20);
			uint64_t	k = td | (uint64_t) day_no[d];
			double		day_level = level * exp(vol_day * (1.2 * n(td | (day_no[d] >> 2), 11)
														   + 2.0 * n(td | (day_no[d] >> 4), 12)
														   + 2.5 * n(td | (day_no[d] >> 6), 13)));
			double		dollars;

			/* the level stays within the small caps' 0.5 to 20 USD */
			day_level = day_level < 0.5 ? 0.5 : day_level > 20.0 ? 20.0 : day_level;
			dollars = exp(log(5e5) + size * log(80.0)) * exp(0.35 * n(k, 14));
			int			halt_at = u(k, 15) < 0.04 ? 330 + (int) (u(k, 16) * 360) : -1;
			int			halt_len = 6 + (int) (u(k, 17) * 4);
			double		halt_move = (0.05 + 0.1 * u(k, 40)) * (u(k, 41) < 0.4 ? -1 : 1);
			int64_t		start_us = ((int64_t) day_start[d] - PG_EPOCH_OFFSET) * 1000000;
			/* the day bar: regular hours */
			int			have = 0;
			double		d_open = 0,
						d_high = 0,
						d_low = 0,
						d_close = 0,
						d_vol = 0,
						d_pv = 0;
			int64_t		d_trans = 0;

			for (int m = 0; m < 960; m++)
			{
				uint64_t	km = (k << 10) | (uint64_t) m;
				int			rth = m >= 330 && m < 720;
				double		missing = rth ? rth_missing : m < 330 ? (m >= 300 ? 0.25 : 0.55) : 0.65;
				double		vprofile,
							sprofile,
							lp,
							close,
							open,
							high,
							low,
							volume,
							wick,
							vwap;
				int			burst;
				int32_t		trans;

				if (u(km, 21) < missing)
					continue;
				if (halt_at >= 0 && m >= halt_at && m < halt_at + halt_len)
					continue;
				burst = u(km, 20) < 1.0 / 150;
				vprofile = m < 300 ? 0.04 : m < 330 ? 0.15 : m == 330 ? 12.0 : m < 345 ? 5.0 - (m - 330) * 0.2
					: m < 390 ? 2.0 : m < 690 ? 1.0 : m < 719 ? 2.5 : m == 719 ? 7.0 : m < 735 ? 0.15 : 0.04;
				sprofile = (m >= 330 && m <= 360) ? 2.5 : rth ? 0.9 : 1.3;
				lp = vol_day / 20.0 * (sprofile * n(km, 30) * (u(km, 31) < 0.02 ? 3 : 1)
									   + 1.4 * n((k << 10) | (m >> 1), 32) + 2.0 * n((k << 10) | (m >> 2), 33)
									   + 2.8 * n((k << 10) | (m >> 3), 34) + 4.0 * n((k << 10) | (m >> 4), 35)
									   + 5.6 * n((k << 10) | (m >> 5), 36) + 8.0 * n((k << 10) | (m >> 6), 37)
									   + 11.3 * n((k << 10) | (m >> 7), 38) + 16.0 * n((k << 10) | (m >> 8), 39));
				if (halt_at >= 0 && m >= halt_at + halt_len)
					lp += halt_move;
				if (burst)
					lp += (0.02 + 0.04 * u(km, 42)) * (u(km, 43) < 0.35 ? -1 : 1);
				close = day_level * exp(lp);
				volume = round(dollars / day_level / 390.0 * vprofile * exp(0.5 * n(km, 44))
							   * (burst ? 3 + 9 * u(km, 45) : 1));
				if (volume < 1)
					volume = 1;
				open = round4(close * (1 + vol_day / 40.0 * n(km, 50)));
				close = round4(close);
				wick = vol_day / 60.0;
				high = round4((open > close ? open : close) * (1 + wick * u(km, 51)));
				low = round4((open < close ? open : close) * (1 - wick * u(km, 52)));
				vwap = round4((open + 2 * close) / 3);
				trans = (int32_t) (volume / (100 + 200 * u(km, 53)));
				if (trans < 1)
					trans = 1;
				if (!day_mode)
				{
					row_start(ticker, start_us + (int64_t) m * 60000000);
					put_f8(open);
					put_f8(high);
					put_f8(low);
					put_f8(close);
					row_end(volume, vwap, trans);
				}
				else if (rth)
				{
					if (!have)
					{
						d_open = open;
						d_high = high;
						d_low = low;
						have = 1;
					}
					if (high > d_high)
						d_high = high;
					if (low < d_low)
						d_low = low;
					d_close = close;
					d_vol += volume;
					d_pv += vwap * volume;
					d_trans += trans;
				}
			}
			if (day_mode && have)
			{
				/* the day bar is stamped 00:00 New York: 4 hours before the day's start */
				row_start(ticker, start_us - (int64_t) 4 * 3600 * 1000000);
				put_f8(d_open);
				put_f8(d_high);
				put_f8(d_low);
				put_f8(d_close);
				row_end(d_vol, round4(d_pv / d_vol), (int32_t) d_trans);
			}
		}
	}
	put_i16(-1);
	flush_out();
	return 0;
}
