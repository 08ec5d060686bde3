/*-------------------------------------------------------------------------
 *
 * indicators.h
 *		Pure C kernels of the indicators: percent changes and their tests,
 *		true range, Wilder's ATR, the mean of the previous N values.  The
 *		window functions and the detectors share them; they know nothing of
 *		PostgreSQL.
 *
 * Copyright (c) 2026, tape developers
 *
 * IDENTIFICATION
 *		src/analytics/indicators.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef TAPE_INDICATORS_H
#define TAPE_INDICATORS_H

#include <math.h>
#include <stdbool.h>

/*
 * Percent changes and the tests of every threshold in percent.
 *
 * percent_change(x, ref) is (x / ref - 1) * 100: 5.0 is 5 %.  A threshold p is
 * tested on it, inclusive, with an allowance of PCT_ROUNDING percentage
 * points for binary rounding: on cent prices 2.00 -> 2.01 is a 0.5 % move,
 * though (2.01 / 2.00 - 1) * 100 computes to 0.49999999999998934, and
 * 3.00 -> 2.97 a 1 % fall (-0.9999999999999898).  The allowance is far
 * smaller than any true gap between a move of cent prices and a threshold
 * of a few decimals (at least 5e-9 points for a threshold in halves of a
 * percent and prices under a million dollars).
 */
#define PCT_ROUNDING 1e-9

static inline double
percent_change(double x, double ref)
{
	return (x / ref - 1.0) * 100.0;
}

/* x is at least p % above ref (p < 0: at most -p % under it) */
static inline bool
pct_at_least(double x, double ref, double p)
{
	return percent_change(x, ref) >= p - PCT_ROUNDING;
}

/* x is at most p % above ref (p < 0: at least -p % under it) */
static inline bool
pct_at_most(double x, double ref, double p)
{
	return percent_change(x, ref) <= p + PCT_ROUNDING;
}

/*
 * True range of a bar: the largest of high - low, |high - previous close|
 * and |low - previous close|; high - low for the first bar.
 */
static inline double
true_range(double high, double low, double prev_close, bool has_prev)
{
	double		tr = high - low;

	if (has_prev)
	{
		double		a = fabs(high - prev_close);
		double		b = fabs(low - prev_close);

		if (a > tr)
			tr = a;
		if (b > tr)
			tr = b;
	}
	return tr;
}

/*
 * Wilder's average true range over n bars: the mean of the first n true
 * ranges, then ATR = (ATR_prev * (n - 1) + TR) / n.
 */
typedef struct WilderAtr
{
	int			n;				/* period */
	int			count;			/* bars seen */
	bool		has_prev;		/* prev_close is set */
	double		prev_close;		/* close of the previous bar */
	double		sum;			/* sum of the first n true ranges */
	double		atr;			/* current value, once count >= n */
} WilderAtr;

static inline void
wilder_atr_init(WilderAtr *a, int n)
{
	a->n = n;
	a->count = 0;
	a->has_prev = false;
	a->prev_close = 0;
	a->sum = 0;
	a->atr = 0;
}

/* add a bar; returns true (and the ATR in *out) once n bars have been seen */
static inline bool
wilder_atr_add(WilderAtr *a, double high, double low, double close, double *out)
{
	double		tr = true_range(high, low, a->prev_close, a->has_prev);

	a->prev_close = close;
	a->has_prev = true;
	a->count++;
	if (a->count < a->n)
	{
		a->sum += tr;
		return false;
	}
	if (a->count == a->n)
		a->atr = (a->sum + tr) / a->n;
	else
		a->atr = (a->atr * (a->n - 1) + tr) / a->n;
	*out = a->atr;
	return true;
}

/*
 * The mean of the last n values added (a ring).  The running sum is
 * recomputed exactly every n additions, so rounding never accumulates.
 */
typedef struct RollingMean
{
	int			n;				/* window */
	int			count;			/* values in the ring (<= n) */
	int			head;			/* next slot to write */
	int			since_exact;	/* additions since the sum was recomputed */
	double		sum;			/* sum of the ring */
	double		values[FLEXIBLE_ARRAY_MEMBER];
} RollingMean;

#define ROLLING_MEAN_SIZE(n) (offsetof(RollingMean, values) + sizeof(double) * (n))

static inline void
rolling_mean_init(RollingMean *r, int n)
{
	r->n = n;
	r->count = 0;
	r->head = 0;
	r->since_exact = 0;
	r->sum = 0;
}

static inline void
rolling_mean_add(RollingMean *r, double v)
{
	if (r->count == r->n)
		r->sum -= r->values[r->head];
	else
		r->count++;
	r->values[r->head] = v;
	r->sum += v;
	r->head = (r->head + 1) % r->n;
	if (++r->since_exact >= r->n)
	{
		double		exact = 0;

		for (int i = 0; i < r->count; i++)
			exact += r->values[i];
		r->sum = exact;
		r->since_exact = 0;
	}
}

/* the mean, or false when fewer than n values have been added */
static inline bool
rolling_mean_full(const RollingMean *r, double *mean)
{
	if (r->count < r->n)
		return false;
	*mean = r->sum / r->n;
	return true;
}

#endif							/* TAPE_INDICATORS_H */
