/*-------------------------------------------------------------------------
 *
 * labels.c
 *		Triple-barrier labels and the sample weights of overlapping labels
 *		(López de Prado, Advances in Financial Machine Learning, chapters 3
 *		and 4).
 *
 * tape.triple_barrier(events_query, bars_query, config) labels every event
 * of the first query from the bars of the second.  Both are read once, in
 * (ticker, ts) order, side by side: a ticker's bars stream past its events,
 * and memory holds that ticker's events, never its bars.
 *
 * For an event of ticker X at t0 (labels.* in tape.research_config()):
 *
 *	entry	the close p0 of the last bar that ended at or before t0 (a bar
 *			ends bar_seconds after its ts); entry_ts is that end.
 *	sigma	the event's volatility column when the query has one, else the
 *			EWMA standard deviation of the bars' simple returns close/close
 *			of the previous bar - 1, through the entry bar: alpha = 2 /
 *			(volatility_span_bars + 1), mean and variance seeded by the first
 *			return (m = r1, v = 0), then d = r - m, m += alpha d, v = (1 -
 *			alpha) (v + alpha d^2); sigma = sqrt(v), once at least
 *			volatility_min_returns returns were seen.
 *	side	+1 (long) unless the event says otherwise (a side column, its
 *			sign, or a direction column, 'down' = -1); returns are the
 *			side's: r = side (p / p0 - 1).
 *	path	the bars that start at or after t0 and end at or before the
 *			vertical barrier t0 + vertical_seconds (a bar straddling t0 is
 *			left out: part of it happened before the event).
 *	touch	profit-take when r reaches profit_take x sigma, stop-loss when it
 *			reaches -stop_loss x sigma (0 = no such barrier).  With touch =
 *			high_low a bar touches by its high or low, the return being the
 *			barrier's (a fill at the barrier), except a bar that opens
 *			beyond a barrier (a gap), whose return is its open's; a bar
 *			whose range holds both barriers is a stop-loss, flagged
 *			ambiguous (the order inside a bar is unknown; the pessimistic
 *			reading does not flatter a strategy).  With touch = close only
 *			closes count, the return being the close's.  touch_ts is the
 *			ts of the bar that touched.
 *	time	no touch on the path: the vertical barrier, touch_ts = t0 +
 *			vertical_seconds, r from the close of the last bar of the path
 *			(0 without one); label 0 (time_label = zero) or the sign of r
 *			(sign).  The barrier is reached once a bar of the ticker ends at
 *			or after it; when the bars stop before, the event has no label
 *			(barrier NULL), as it has without an entry bar or a sigma.
 *
 * Sample weights of a ticker's labels (chapter 4): a label spans the bars
 * of its path up to the one that touched (the last of the path for the
 * vertical barrier); c_t, the concurrency of bar t, is the number of spans
 * holding t; uniqueness = the mean of 1 / c_t over the label's span;
 * return_weight = |sum over its span of ln(close_t / close_t-1) / c_t|
 * (normalise it over your sample: w * count(*) OVER () / sum(w) OVER ()).
 *
 * tape.triple_barrier_ticks(trades, event_ts, volatility, ...) labels one event
 * from the trades of its window: the entry is the last priced trade at or
 * before t0, the path the priced trades after t0 up to the vertical
 * barrier, each touching at its own price.
 *
 * Copyright (c) 2026, tape developers
 *
 * IDENTIFICATION
 *		src/features/labels.c
 *
 *-------------------------------------------------------------------------
 */
#include "features/features.h"
#include "analytics/barsource.h"
#include "features/source.h"
#include "progress.h"

#include <math.h>

#include "access/htup_details.h"
#include "catalog/pg_collation.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/memutils.h"
#include "utils/timestamp.h"
#include "utils/tuplestore.h"
#include "utils/varlena.h"

/*
 * A return within this of a barrier reaches it: a price printed at the
 * barrier (10.20 against 10.00 x 1.02) must touch it, whatever the last bit
 * of the doubles says.
 */
#define TOUCH_TOLERANCE 1e-9

PG_FUNCTION_INFO_V1(tape_triple_barrier);
PG_FUNCTION_INFO_V1(tape_triple_barrier_ticks);

/* The columns of tape.barrier_label */
enum
{
	BL_TICKER,
	BL_TS,
	BL_EVENT_ID,
	BL_SIDE,
	BL_ENTRY_TS,
	BL_ENTRY_PRICE,
	BL_VOLATILITY,
	BL_PROFIT_TAKE_PRICE,
	BL_STOP_LOSS_PRICE,
	BL_VERTICAL_TS,
	BL_TOUCH_TS,
	BL_BARRIER,
	BL_RET,
	BL_LABEL,
	BL_BARS,
	BL_AMBIGUOUS,
	BL_UNIQUENESS,
	BL_RETURN_WEIGHT,
	BL_NCOLUMNS
};

/* Which barrier ended a label */
typedef enum Barrier
{
	BARRIER_NONE,				/* not labelled (no entry, sigma or data) */
	BARRIER_PROFIT_TAKE,
	BARRIER_STOP_LOSS,
	BARRIER_TIME
} Barrier;

static const char *const barrier_names[] = {NULL, "profit_take", "stop_loss", "time"};

/* The parameters of the labels (config section "labels") */
typedef struct LabelConfig
{
	double		profit_take;	/* multiples of sigma, 0 = no barrier */
	double		stop_loss;
	double		vertical_seconds;
	double		bar_seconds;
	int64		vertical_ns;
	int64		bar_ns;
	double		vol_span;
	int			vol_min_returns;
	bool		touch_close;	/* only closes touch */
	bool		time_sign;		/* the time barrier's label is sign(r) */
} LabelConfig;

/* One event and its label */
typedef struct Label
{
	/* the event */
	TimestampTz ts;
	int64		event_id;
	bool		has_event_id;
	int			side;
	double		given_vol;		/* the event's own volatility, or NaN */

	/* the entry */
	bool		active;			/* on its path, not resolved yet */
	bool		entered;		/* has an entry price and a sigma */
	TimestampTz entry_ts;
	double		p0;
	double		sigma;
	TimestampTz vertical_ts;

	/* the outcome */
	Barrier		barrier;
	TimestampTz touch_ts;
	double		ret;
	bool		ambiguous;
	double		last_close;		/* close of the last bar of the path */
	int64		span_start;		/* first bar of the path (its index) */
	int64		span_end;		/* last bar of the span, < span_start if none */
	double		ln_before_start;	/* ln close of the bar before span_start */
	double		ln_end;			/* ln close of bar span_end */

	double		uniqueness;		/* NaN until computed */
	double		return_weight;
} Label;

/* A bar as the labels see it */
typedef struct LBar
{
	TimestampTz ts;
	TimestampTz end;
	double		open;			/* NaN without an open column */
	double		high;
	double		low;
	double		close;
	double		sigma;			/* EWMA sigma through this bar, NaN before
								 * volatility_min_returns returns */
} LBar;

/* The state of one ticker */
typedef struct TickerLabels
{
	char	   *ticker;
	Label	   *labels;			/* its events, in (ts, event_id) order */
	int			nlabels;
	int			cap;
	int		   *active;			/* the labels on their path (indexes), so
								 * that a bar moves those only */
	int			nactive;
	int64		nbars;			/* bars seen: the next bar's index */
	LBar		prev;			/* the last two bars seen */
	LBar		prev2;
	double		ln_prev_close;	/* ln of prev's close */
	/* EWMA of returns */
	double		m;
	double		v;
	int64		nreturns;
} TickerLabels;

static const ConfigKey label_keys[] = {
	{"profit_take", CV_NUMBER, offsetof(LabelConfig, profit_take), 0, 1e6, false},
	{"stop_loss", CV_NUMBER, offsetof(LabelConfig, stop_loss), 0, 1e6, false},
	{"vertical_seconds", CV_NUMBER, offsetof(LabelConfig, vertical_seconds), 0.001, 86400.0 * 3660, false},
	{"bar_seconds", CV_NUMBER, offsetof(LabelConfig, bar_seconds), 0.001, 86400.0 * 31, false},
	{"volatility_span_bars", CV_NUMBER, offsetof(LabelConfig, vol_span), 1, 1e9, false},
	{"volatility_min_returns", CV_WHOLE, offsetof(LabelConfig, vol_min_returns), 1, 1e9, false},
};

static void label_config_read(Jsonb *config, LabelConfig *cfg);
static Barrier barrier_reached(const LabelConfig *cfg, double r, double up, double down);
static void label_enter(const LabelConfig *cfg, Label *l, double p0, TimestampTz entry_ts,
						double sigma);
static bool label_bar(const LabelConfig *cfg, Label *l, const LBar *bar, int64 index);
static void label_time_barrier(const LabelConfig *cfg, Label *l);
static void label_weights(Label *labels, int n);
static void label_values(const char *ticker, const Label *l, const LabelConfig *cfg, bool weights,
						 Datum *values, bool *nulls);
static void label_put(Tuplestorestate *out, TupleDesc desc, const char *ticker, const Label *l,
					  const LabelConfig *cfg);

/* read the parameters of the labels, checking each one's range */
static void
label_config_read(Jsonb *config, LabelConfig *cfg)
{
	static const char *const touches[] = {"high_low", "close", NULL};
	static const char *const time_labels[] = {"zero", "sign", NULL};
	Jsonb	   *section = research_section(config, "labels");

	config_read("labels", section, label_keys, lengthof(label_keys), cfg);
	cfg->vertical_ns = (int64) llround(cfg->vertical_seconds * 1e9);
	cfg->bar_ns = (int64) llround(cfg->bar_seconds * 1e9);
	cfg->touch_close = strcmp(config_string("labels", section, "touch", touches), "close") == 0;
	cfg->time_sign = strcmp(config_string("labels", section, "time_label", time_labels), "sign") == 0;
}

/* the barrier a return r reaches (up and down already hold the tolerance) */
static Barrier
barrier_reached(const LabelConfig *cfg, double r, double up, double down)
{
	if (cfg->profit_take > 0 && r >= up)
		return BARRIER_PROFIT_TAKE;
	if (cfg->stop_loss > 0 && r <= -down)
		return BARRIER_STOP_LOSS;
	return BARRIER_NONE;
}

/* the event gets its entry price and sigma, and goes on its path */
static void
label_enter(const LabelConfig *cfg, Label *l, double p0, TimestampTz entry_ts, double sigma)
{
	l->vertical_ts = l->ts + cfg->vertical_ns / NS_PER_US;
	if (!(p0 > 0) || !(sigma > 0) || !isfinite(sigma))
		return;
	l->entered = true;
	l->active = true;
	l->p0 = p0;
	l->entry_ts = entry_ts;
	l->sigma = sigma;
	l->last_close = p0;
	l->span_end = l->span_start - 1;
}

/*
 * label_bar
 *		The next bar of an active label's path (index is its index among the
 *		ticker's bars); true when the label is resolved.
 */
static bool
label_bar(const LabelConfig *cfg, Label *l, const LBar *bar, int64 index)
{
	double		up = cfg->profit_take * l->sigma - TOUCH_TOLERANCE;
	double		down = cfg->stop_loss * l->sigma - TOUCH_TOLERANCE;
	double		best,
				worst;

	if (bar->end > l->vertical_ts)
	{
		/* past the vertical barrier: the path is over */
		label_time_barrier(cfg, l);
		return true;
	}
	l->span_end = index;
	l->last_close = bar->close;
	l->touch_ts = bar->ts;
	if (cfg->touch_close)
	{
		l->ret = l->side * (bar->close / l->p0 - 1);
		l->barrier = barrier_reached(cfg, l->ret, up, down);
	}
	else
	{
		if (!isnan(bar->open))
		{
			/* a bar that opens beyond a barrier went through it at its open */
			l->ret = l->side * (bar->open / l->p0 - 1);
			l->barrier = barrier_reached(cfg, l->ret, up, down);
		}
		if (l->barrier == BARRIER_NONE)
		{
			bool		pt,
						sl;

			best = l->side > 0 ? bar->high / l->p0 - 1 : 1 - bar->low / l->p0;
			worst = l->side > 0 ? bar->low / l->p0 - 1 : 1 - bar->high / l->p0;
			pt = cfg->profit_take > 0 && best >= up;
			sl = cfg->stop_loss > 0 && worst <= -down;
			if (sl)
			{
				l->barrier = BARRIER_STOP_LOSS;
				l->ret = -cfg->stop_loss * l->sigma;
				l->ambiguous = pt;
			}
			else if (pt)
			{
				l->barrier = BARRIER_PROFIT_TAKE;
				l->ret = cfg->profit_take * l->sigma;
			}
		}
	}
	if (l->barrier != BARRIER_NONE)
	{
		l->active = false;
		return true;
	}
	if (bar->end == l->vertical_ts)
	{
		label_time_barrier(cfg, l);
		return true;
	}
	return false;
}

/* the vertical barrier ends the label */
static void
label_time_barrier(const LabelConfig *cfg, Label *l)
{
	l->barrier = BARRIER_TIME;
	l->touch_ts = l->vertical_ts;
	l->ret = l->side * (l->last_close / l->p0 - 1);
	l->active = false;
}

/* a position and what happens there, for the weights' sweep */
typedef struct SpanPoint
{
	int64		pos;			/* a bar index: a span starts here, or the one
								 * before ended */
	int			delta;			/* +1 start, -1 end */
	double		ln_before;		/* ln close of bar pos - 1 */
} SpanPoint;

static int
span_point_cmp(const void *a, const void *b)
{
	int64		x = ((const SpanPoint *) a)->pos;
	int64		y = ((const SpanPoint *) b)->pos;

	return x < y ? -1 : x > y ? 1 : 0;
}

/* index of the first point at pos (it is there) */
static int
span_point_find(const SpanPoint *pts, int n, int64 pos)
{
	int			lo = 0,
				hi = n;

	/* bounded: log2 of the points */
	while (lo < hi)
	{
		int			mid = lo + (hi - lo) / 2;

		if (pts[mid].pos < pos)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/*
 * label_weights
 *		Uniqueness and return weight of a ticker's labels, by one sweep over
 *		the starts and ends of their spans: between two such points the
 *		concurrency is constant, so each stretch adds (bars) / c to the
 *		running sum of 1 / c_t, and (ln close at its end - ln close before
 *		its start) / c to the running sum of r_t / c_t.
 */
static void
label_weights(Label *labels, int n)
{
	SpanPoint  *pts = palloc(sizeof(SpanPoint) * 2 * Max(n, 1));
	double	   *u_at;
	double	   *r_at;
	int			np = 0;
	int			c = 0;
	double		u = 0,
				r = 0;

	for (int i = 0; i < n; i++)
	{
		Label	   *l = &labels[i];

		CHECK_FOR_INTERRUPTS();
		l->uniqueness = NAN;
		l->return_weight = NAN;
		if (l->barrier == BARRIER_NONE || l->span_end < l->span_start)
			continue;
		pts[np].pos = l->span_start;
		pts[np].delta = 1;
		pts[np++].ln_before = l->ln_before_start;
		pts[np].pos = l->span_end + 1;
		pts[np].delta = -1;
		pts[np++].ln_before = l->ln_end;
	}
	if (np == 0)
		return;
	qsort(pts, np, sizeof(SpanPoint), span_point_cmp);
	u_at = palloc(sizeof(double) * np);
	r_at = palloc(sizeof(double) * np);
	for (int k = 0; k < np; k++)
	{
		CHECK_FOR_INTERRUPTS();
		if (k > 0 && c > 0)
		{
			u += (double) (pts[k].pos - pts[k - 1].pos) / c;
			r += (pts[k].ln_before - pts[k - 1].ln_before) / c;
		}
		u_at[k] = u;
		r_at[k] = r;
		c += pts[k].delta;
	}
	/* points at one position share its sums: the first of them has them */
	for (int i = 0; i < n; i++)
	{
		Label	   *l = &labels[i];
		int			a,
					b;

		CHECK_FOR_INTERRUPTS();
		if (l->barrier == BARRIER_NONE || l->span_end < l->span_start)
			continue;
		a = span_point_find(pts, np, l->span_start);
		b = span_point_find(pts, np, l->span_end + 1);
		l->uniqueness = (u_at[b] - u_at[a]) / (double) (l->span_end - l->span_start + 1);
		l->return_weight = fabs(r_at[b] - r_at[a]);
	}
	pfree(pts);
	pfree(u_at);
	pfree(r_at);
}

/* the values of a label's row */
static void
label_values(const char *ticker, const Label *l, const LabelConfig *cfg, bool weights,
			 Datum *values, bool *nulls)
{
	memset(nulls, true, sizeof(bool) * BL_NCOLUMNS);
	memset(values, 0, sizeof(Datum) * BL_NCOLUMNS);
#define PUT(col, datum) (values[col] = (datum), nulls[col] = false)
	if (ticker)
		PUT(BL_TICKER, CStringGetTextDatum(ticker));
	PUT(BL_TS, TimestampTzGetDatum(l->ts));
	if (l->has_event_id)
		PUT(BL_EVENT_ID, Int64GetDatum(l->event_id));
	PUT(BL_SIDE, Int32GetDatum(l->side));
	if (l->entered)
	{
		PUT(BL_ENTRY_TS, TimestampTzGetDatum(l->entry_ts));
		PUT(BL_ENTRY_PRICE, Float8GetDatum(l->p0));
		if (cfg->profit_take > 0)
			PUT(BL_PROFIT_TAKE_PRICE, Float8GetDatum(l->p0 * (1 + l->side * cfg->profit_take * l->sigma)));
		if (cfg->stop_loss > 0)
			PUT(BL_STOP_LOSS_PRICE, Float8GetDatum(l->p0 * (1 - l->side * cfg->stop_loss * l->sigma)));
		PUT(BL_VERTICAL_TS, TimestampTzGetDatum(l->vertical_ts));
	}
	if (isfinite(l->sigma))
		PUT(BL_VOLATILITY, Float8GetDatum(l->sigma));
	if (l->barrier != BARRIER_NONE)
	{
		int			label = l->barrier == BARRIER_PROFIT_TAKE ? 1 : l->barrier == BARRIER_STOP_LOSS ? -1 :
			cfg->time_sign ? (l->ret > 0) - (l->ret < 0) : 0;

		PUT(BL_TOUCH_TS, TimestampTzGetDatum(l->touch_ts));
		PUT(BL_BARRIER, CStringGetTextDatum(barrier_names[l->barrier]));
		PUT(BL_RET, Float8GetDatum(l->ret));
		PUT(BL_LABEL, Int32GetDatum(label));
		PUT(BL_BARS, Int32GetDatum((int32) Max(l->span_end - l->span_start + 1, 0)));
		PUT(BL_AMBIGUOUS, BoolGetDatum(l->ambiguous));
		if (weights && !isnan(l->uniqueness))
		{
			PUT(BL_UNIQUENESS, Float8GetDatum(l->uniqueness));
			PUT(BL_RETURN_WEIGHT, Float8GetDatum(l->return_weight));
		}
	}
#undef PUT
}

/* a label's row into a tuplestore */
static void
label_put(Tuplestorestate *out, TupleDesc desc, const char *ticker, const Label *l,
		  const LabelConfig *cfg)
{
	Datum		values[BL_NCOLUMNS];
	bool		nulls[BL_NCOLUMNS];

	label_values(ticker, l, cfg, true, values, nulls);
	tuplestore_putvalues(out, desc, values, nulls);
}

/* the side of an event from its side or direction column */
static int
event_side(RowStream *ev, int col, bool is_direction, const char *ticker)
{
	if (col < 0 || ev->nulls[col])
		return 1;
	if (is_direction)
	{
		char	   *d = TextDatumGetCString(ev->values[col]);

		if (strcmp(d, "up") == 0)
			return 1;
		if (strcmp(d, "down") == 0)
			return -1;
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("the events query of tape.triple_barrier returned direction \"%s\" for ticker \"%s\"", d, ticker),
				 errhint("A direction is 'up' or 'down'.")));
	}
	return DatumGetFloat8(ev->values[col]) < 0 ? -1 : 1;
}

/* the event stream's columns */
typedef struct EventStream
{
	RowStream	rows;
	bool		more;			/* rows has a current row */
	int			side_col;		/* -1 when absent */
	bool		side_is_direction;
	int			vol_col;
	int			id_col;
} EventStream;

/* the bar stream's columns */
typedef struct BarStream
{
	RowStream	rows;
	bool		more;
	bool		has_open;
} BarStream;

/* the current row's ticker (as text), refusing a NULL one */
static text *
row_ticker(RowStream *s, const char *what)
{
	if (s->nulls[0])
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("the %s query of tape.triple_barrier returned a row without a ticker", what)));
	return DatumGetTextPP(s->values[0]);
}

/* whether the current row of a stream is of ticker */
static bool
row_is_ticker(RowStream *s, bool more, const char *what, const char *ticker)
{
	text	   *t;

	if (!more)
		return false;
	t = row_ticker(s, what);
	return VARSIZE_ANY_EXHDR(t) == strlen(ticker) && memcmp(VARDATA_ANY(t), ticker, strlen(ticker)) == 0;
}

/*
 * next_ticker
 *		The next ticker of the two streams: the lesser of their current rows',
 *		in the database's default collation, the order both are sorted in
 *		(so that an index on (ticker, ts), or polygon_fdw's own order, spares
 *		the sort).
 */
static char *
next_ticker(RowStream *ev, bool ev_more, RowStream *bs, bool bs_more)
{
	text	   *a = ev_more ? row_ticker(ev, "events") : NULL;
	text	   *b = bs_more ? row_ticker(bs, "bars") : NULL;

	if (a && b && varstr_cmp(VARDATA_ANY(a), VARSIZE_ANY_EXHDR(a), VARDATA_ANY(b), VARSIZE_ANY_EXHDR(b),
							 DEFAULT_COLLATION_OID) > 0)
		a = b;
	else if (a == NULL)
		a = b;
	return text_to_cstring(a);
}

/* add the current event of the stream to a ticker's labels */
static void
ticker_add_event(TickerLabels *tl, EventStream *ev)
{
	Label	   *l;

	if (ev->rows.nulls[1])
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("the events query of tape.triple_barrier returned an event of ticker \"%s\" without a ts",
						tl->ticker)));
	if (tl->nlabels == tl->cap)
	{
		tl->cap = Max(16, tl->cap * 2);
		tl->labels = tl->labels ? repalloc_huge(tl->labels, sizeof(Label) * tl->cap)
			: palloc(sizeof(Label) * tl->cap);
	}
	l = &tl->labels[tl->nlabels++];
	memset(l, 0, sizeof(Label));
	l->ts = DatumGetTimestampTz(ev->rows.values[1]);
	if (!research_time_ok(l->ts))
		(void) research_time_ns(l->ts, psprintf("the ts of an event of ticker \"%s\"", tl->ticker));
	l->side = event_side(&ev->rows, ev->side_col, ev->side_is_direction, tl->ticker);
	l->given_vol = (ev->vol_col < 0 || ev->rows.nulls[ev->vol_col]) ? NAN : DatumGetFloat8(ev->rows.values[ev->vol_col]);
	l->has_event_id = ev->id_col >= 0 && !ev->rows.nulls[ev->id_col];
	if (l->has_event_id)
		l->event_id = DatumGetInt64(ev->rows.values[ev->id_col]);
	l->sigma = NAN;
	l->uniqueness = NAN;
}

/*
 * ticker_enter
 *		Put label l on its path: its entry is the last bar seen that ended at
 *		or before its t0 (the last one, or the one before when the last
 *		straddles t0); the next bar is the first of its path.
 */
static void
ticker_enter(const LabelConfig *cfg, TickerLabels *tl, Label *l)
{
	const LBar *entry = NULL;

	if (tl->nbars >= 1 && tl->prev.end <= l->ts)
		entry = &tl->prev;
	else if (tl->nbars >= 2 && tl->prev2.end <= l->ts)
		entry = &tl->prev2;
	if (entry)
		l->sigma = isnan(l->given_vol) ? entry->sigma : l->given_vol;
	else if (!isnan(l->given_vol))
		l->sigma = l->given_vol;
	l->span_start = tl->nbars;
	/* the close before the first bar of the path: the bar before it */
	l->ln_before_start = tl->nbars >= 1 ? tl->ln_prev_close : 0;
	if (entry)
		label_enter(cfg, l, entry->close, entry->end, l->sigma);
	else
		l->vertical_ts = l->ts + cfg->vertical_ns / NS_PER_US;
}

/* the labels of a ticker are done: weights, then the rows */
static void
ticker_finish(const LabelConfig *cfg, TickerLabels *tl, Tuplestorestate *out, TupleDesc desc,
			  int64 *labelled)
{
	/*
	 * Labels still on their path: the bars stopped before their vertical
	 * barrier (a bar ending at or after it would have resolved them), so
	 * they have no label.
	 */
	for (int i = 0; i < tl->nlabels; i++)
	{
		Label	   *l = &tl->labels[i];

		CHECK_FOR_INTERRUPTS();
		if (l->active)
		{
			l->active = false;
			l->barrier = BARRIER_NONE;
		}
	}
	label_weights(tl->labels, tl->nlabels);
	for (int i = 0; i < tl->nlabels; i++)
	{
		CHECK_FOR_INTERRUPTS();
		label_put(out, desc, tl->ticker, &tl->labels[i], cfg);
		*labelled += tl->labels[i].barrier != BARRIER_NONE;
	}
}

/*
 * ticker_bar
 *		A bar of the ticker: first the events whose t0 is at or before its
 *		start enter (it is the first bar of their path), then it moves
 *		every active label (the list of them, not every event of the ticker:
 *		a bar costs the labels on their path, however many events the ticker
 *		has), then it updates the volatility.
 */
static void
ticker_bar(const LabelConfig *cfg, TickerLabels *tl, LBar *bar, int *next_event)
{
	double		ln_close = log(bar->close);
	int			kept = 0;

	while (*next_event < tl->nlabels && tl->labels[*next_event].ts <= bar->ts)
	{
		CHECK_FOR_INTERRUPTS();
		ticker_enter(cfg, tl, &tl->labels[*next_event]);
		if (tl->labels[*next_event].active)
			tl->active[tl->nactive++] = *next_event;
		(*next_event)++;
	}
	for (int a = 0; a < tl->nactive; a++)
	{
		Label	   *l = &tl->labels[tl->active[a]];

		CHECK_FOR_INTERRUPTS();
		(void) label_bar(cfg, l, bar, tl->nbars);
		if (l->span_end == tl->nbars)
			l->ln_end = ln_close;
		if (l->active)
			tl->active[kept++] = tl->active[a];
	}
	tl->nactive = kept;

	/* the EWMA of returns, through this bar */
	if (tl->nbars > 0)
	{
		double		r = bar->close / tl->prev.close - 1;

		if (tl->nreturns == 0)
		{
			tl->m = r;
			tl->v = 0;
		}
		else
		{
			double		alpha = 2.0 / (cfg->vol_span + 1.0);
			double		d = r - tl->m;

			tl->m += alpha * d;
			tl->v = (1 - alpha) * (tl->v + alpha * d * d);
		}
		tl->nreturns++;
	}
	bar->sigma = tl->nreturns >= cfg->vol_min_returns ? sqrt(tl->v) : NAN;
	tl->prev2 = tl->prev;
	tl->prev = *bar;
	tl->ln_prev_close = ln_close;
	tl->nbars++;
}

/*
 * tape_triple_barrier
 *		tape.triple_barrier_internal(events_query, bars_query, config).
 */
Datum
tape_triple_barrier(PG_FUNCTION_ARGS)
{
	char	   *events_query = text_to_cstring(PG_GETARG_TEXT_PP(0));
	char	   *bars_query = text_to_cstring(PG_GETARG_TEXT_PP(1));
	Jsonb	   *config = research_config_arg(fcinfo, 2);
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	LabelConfig cfg;
	TupleDesc	edesc,
				bdesc;
	EventStream ev;
	BarStream	bs;
	StringInfoData sql;
	MemoryContext ticker_cxt;
	int64		tickers = 0,
				labelled = 0;

	label_config_read(config, &cfg);
	InitMaterializedSRF(fcinfo, MAT_SRF_USE_EXPECTED_DESC);
	if (rsinfo->setDesc->natts != BL_NCOLUMNS)
		elog(ERROR, "tape.barrier_label must have %d columns", BL_NCOLUMNS);

	SPI_connect();
	edesc = query_describe(events_query, "the events query of tape.triple_barrier", &events_query);
	bdesc = query_describe(bars_query, "the bars query of tape.triple_barrier", &bars_query);
	if (!query_has_column(edesc, "ticker") || !query_has_column(edesc, "ts"))
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_COLUMN),
				 errmsg("the events query of tape.triple_barrier has no column \"%s\"",
						query_has_column(edesc, "ticker") ? "ts" : "ticker"),
				 errhint("It must return ticker and ts; side (or direction), volatility and event_id are optional.")));
	for (int c = 0; c < 5; c++)
	{
		static const char *const required[] = {"ticker", "ts", "high", "low", "close"};

		if (!query_has_column(bdesc, required[c]))
			ereport(ERROR,
					(errcode(ERRCODE_UNDEFINED_COLUMN),
					 errmsg("the bars query of tape.triple_barrier has no column \"%s\"", required[c]),
					 errhint("It must return ticker, ts, high, low and close; open is optional.")));
	}

	/* the events, in (ticker, ts) order, with the optional columns after */
	memset(&ev, 0, sizeof(ev));
	ev.side_col = ev.vol_col = ev.id_col = -1;
	initStringInfo(&sql);
	appendStringInfoString(&sql, "SELECT ticker::text, ts::timestamptz");
	{
		int			col = 2;

		if (query_has_column(edesc, "side"))
		{
			appendStringInfoString(&sql, ", side::float8");
			ev.side_col = col++;
		}
		else if (query_has_column(edesc, "direction"))
		{
			appendStringInfoString(&sql, ", direction::text");
			ev.side_col = col++;
			ev.side_is_direction = true;
		}
		if (query_has_column(edesc, "volatility"))
		{
			appendStringInfoString(&sql, ", volatility::float8");
			ev.vol_col = col++;
		}
		if (query_has_column(edesc, "event_id"))
		{
			appendStringInfoString(&sql, ", event_id::int8");
			ev.id_col = col++;
		}
	}
	appendStringInfo(&sql, " FROM (%s) AS events ORDER BY events.ticker::text COLLATE \"default\", events.ts%s",
					 events_query, ev.id_col >= 0 ? ", events.event_id::int8" : "");
	row_stream_open(&ev.rows, sql.data);

	memset(&bs, 0, sizeof(bs));
	bs.has_open = query_has_column(bdesc, "open");
	resetStringInfo(&sql);
	appendStringInfo(&sql, "SELECT ticker::text, ts::timestamptz, high::float8, low::float8, close::float8, %s"
					 " FROM (%s) AS bars ORDER BY bars.ticker::text COLLATE \"default\", bars.ts",
					 bs.has_open ? "open::float8" : "NULL::float8", bars_query);
	row_stream_open(&bs.rows, sql.data);
	progress_begin("tape.triple_barrier", "bars", bs.rows.estimated_rows, "tickers", "labels");

	ticker_cxt = AllocSetContextCreate(CurrentMemoryContext, "triple_barrier ticker", ALLOCSET_DEFAULT_SIZES);
	ev.more = row_stream_next(&ev.rows);
	bs.more = row_stream_next(&bs.rows);
	while (ev.more || bs.more)
	{
		MemoryContext old = MemoryContextSwitchTo(ticker_cxt);
		TickerLabels tl;
		int			next_event = 0;
		bool		has_prev_ts = false;
		TimestampTz prev_ts = 0;

		CHECK_FOR_INTERRUPTS();
		memset(&tl, 0, sizeof(tl));
		tl.ticker = next_ticker(&ev.rows, ev.more, &bs.rows, bs.more);
		tickers++;

		/* the ticker's events */
		while (row_is_ticker(&ev.rows, ev.more, "events", tl.ticker))
		{
			CHECK_FOR_INTERRUPTS();
			ticker_add_event(&tl, &ev);
			ev.more = row_stream_next(&ev.rows);
		}
		tl.active = palloc(sizeof(int) * Max(tl.nlabels, 1));

		/* its bars, passed over quickly when it has no event */
		while (row_is_ticker(&bs.rows, bs.more, "bars", tl.ticker))
		{
			RowStream  *r = &bs.rows;

			CHECK_FOR_INTERRUPTS();
			if (tl.nlabels > 0)
			{
				LBar		bar;

				if (r->nulls[1])
					ereport(ERROR,
							(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
							 errmsg("the bars query of tape.triple_barrier returned a bar of ticker \"%s\" without a ts",
									tl.ticker)));
				bar.ts = DatumGetTimestampTz(r->values[1]);
				if (!research_time_ok(bar.ts))
					(void) research_time_ns(bar.ts, psprintf("the ts of a bar of ticker \"%s\"", tl.ticker));
				if (has_prev_ts && bar.ts < prev_ts + cfg.bar_ns / NS_PER_US)
				{
					/* timestamptz_to_str has one buffer: one call at a time */
					char	   *first = pstrdup(timestamptz_to_str(prev_ts));
					char	   *second = pstrdup(timestamptz_to_str(bar.ts));

					ereport(ERROR,
							(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
							 errmsg("bars of ticker \"%s\" at %s and %s overlap", tl.ticker, first, second),
							 errhint("Bars must start at least labels.bar_seconds (%g) apart; set it to the bars' length.",
									 (double) cfg.bar_ns / 1e9)));
				}
				has_prev_ts = true;
				prev_ts = bar.ts;
				bar.end = bar.ts + cfg.bar_ns / NS_PER_US;
				bar.high = r->nulls[2] ? NAN : DatumGetFloat8(r->values[2]);
				bar.low = r->nulls[3] ? NAN : DatumGetFloat8(r->values[3]);
				bar.close = r->nulls[4] ? NAN : DatumGetFloat8(r->values[4]);
				bar.open = r->nulls[5] ? NAN : DatumGetFloat8(r->values[5]);
				/* a bar without prices says nothing */
				if (bar.high > 0 && bar.low > 0 && bar.close > 0)
					ticker_bar(&cfg, &tl, &bar, &next_event);
			}
			if ((r->rows & 4095) == 0)
				progress_update(r->rows, tickers, labelled, tl.ticker);
			bs.more = row_stream_next(r);
		}
		/* events after its last bar enter with no path */
		while (next_event < tl.nlabels)
		{
			CHECK_FOR_INTERRUPTS();
			ticker_enter(&cfg, &tl, &tl.labels[next_event++]);
		}
		ticker_finish(&cfg, &tl, rsinfo->setResult, rsinfo->setDesc, &labelled);
		MemoryContextSwitchTo(old);
		MemoryContextReset(ticker_cxt);
	}
	progress_update(bs.rows.rows, tickers, labelled, NULL);
	progress_end();
	row_stream_close(&ev.rows);
	row_stream_close(&bs.rows);
	SPI_finish();
	return (Datum) 0;
}

/*
 * tape_triple_barrier_ticks
 *		tape.triple_barrier_ticks_internal(trades, event_ts, volatility, side,
 *		window_end, config): the label of one event from its window's trades.
 *		The block holds every trade up to window_end (NULL: up to its last
 *		trade); a vertical barrier after that with no touch before it is no
 *		label.
 */
Datum
tape_triple_barrier_ticks(PG_FUNCTION_ARGS)
{
	bytea	   *block;
	TimestampTz t0;
	double		sigma = PG_ARGISNULL(2) ? NAN : PG_GETARG_FLOAT8(2);
	int			side = PG_ARGISNULL(3) ? 1 : PG_GETARG_INT32(3);
	Jsonb	   *config;
	TupleDesc	desc;
	LabelConfig cfg;
	TradeRules	rules;
	TradeArrays t;
	Label		l;
	int64		t0_ns;
	int64		covered_ns;
	int64		entry = -1;
	int64		i;
	Datum		result;

	/* no block or no event time, no label */
	if (PG_ARGISNULL(0) || PG_ARGISNULL(1))
		PG_RETURN_NULL();
	block = PG_GETARG_BYTEA_PP(0);
	t0 = PG_GETARG_TIMESTAMPTZ(1);
	t0_ns = research_time_ns(t0, "event_ts");
	config = research_config_arg(fcinfo, 5);
	if (side != 1 && side != -1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("side must be 1 or -1, not %d", side)));
	if (get_call_result_type(fcinfo, NULL, &desc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "tape.triple_barrier_ticks must return a composite type");
	desc = BlessTupleDesc(desc);
	label_config_read(config, &cfg);
	research_trade_rules(config, &rules);
	read_trade_block(block, &rules, &t);

	memset(&l, 0, sizeof(l));
	l.ts = t0;
	l.side = side;
	l.sigma = sigma;
	for (i = 0; i < t.n && t.ns[i] <= t0_ns; i++)
	{
		CHECK_FOR_INTERRUPTS();
		if (t.flags[i] & TF_PRICE)
			entry = i;
	}
	/* NULL: complete up to its last trade; infinity: complete for good */
	if (PG_ARGISNULL(4))
		covered_ns = t.n > 0 ? t.ns[t.n - 1] : PG_INT64_MIN;
	else if (TIMESTAMP_IS_NOEND(PG_GETARG_TIMESTAMPTZ(4)))
		covered_ns = PG_INT64_MAX;
	else
		covered_ns = research_time_ns(PG_GETARG_TIMESTAMPTZ(4), "window_end");
	l.span_start = 0;
	if (entry >= 0)
		label_enter(&cfg, &l, t.price[entry], ns_to_timestamptz(t.ns[entry]), sigma);
	else
		l.vertical_ts = t0 + cfg.vertical_ns / NS_PER_US;
	if (l.entered)
	{
		double		up = cfg.profit_take * sigma - TOUCH_TOLERANCE;
		double		down = cfg.stop_loss * sigma - TOUCH_TOLERANCE;
		int64		tv_ns = timestamptz_to_ns(l.vertical_ts);
		int64		path = 0;

		for (; i < t.n && t.ns[i] <= tv_ns && l.barrier == BARRIER_NONE; i++)
		{
			double		r;

			CHECK_FOR_INTERRUPTS();
			if (!(t.flags[i] & TF_PRICE))
				continue;
			path++;
			r = side * (t.price[i] / l.p0 - 1);
			l.last_close = t.price[i];
			l.barrier = barrier_reached(&cfg, r, up, down);
			if (l.barrier != BARRIER_NONE)
			{
				l.ret = r;
				l.touch_ts = ns_to_timestamptz(t.ns[i]);
			}
		}
		if (l.barrier == BARRIER_NONE && covered_ns >= tv_ns)
			label_time_barrier(&cfg, &l);
		l.span_end = path - 1;
	}

	{
		Datum		values[BL_NCOLUMNS];
		bool		nulls[BL_NCOLUMNS];

		label_values(t.ticker, &l, &cfg, false, values, nulls);
		result = HeapTupleGetDatum(heap_form_tuple(desc, values, nulls));
	}
	PG_RETURN_DATUM(result);
}
