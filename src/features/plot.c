/*-------------------------------------------------------------------------
 *
 * plot.c
 *		An event window drawn: as SVG, and as a text chart for psql.
 *
 * tape.window_svg(trades, quotes, event_ts, config) draws the window of
 * tape.window_features (features.window around event_ts): a candle of the
 * priced trades every plot.bucket_seconds, the NBBO as a band (when quotes
 * are given), the VWAP of the window from its start, volume bars split into
 * buys and sells by the tick rule, and the event as a dashed line.  It is
 * plain SVG 1.1 text, no script, no font beyond the generic sans-serif,
 * readable by any browser or image tool.
 *
 * tape.window_chart(...) draws the same in text, one row per line, for a
 * terminal: the price range of each column as a bar, the VWAP where no
 * trade is, the event's column, and the volume as a sparkline.
 *
 * Both bucket the window the same way (plot_buckets).
 *
 * Copyright (c) 2026, tape developers
 *
 * IDENTIFICATION
 *		src/features/plot.c
 *
 *-------------------------------------------------------------------------
 */
#include "features/features.h"
#include "analytics/barsource.h"

#include <math.h>

#include "funcapi.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "pgtime.h"
#include "utils/builtins.h"
#include "utils/datetime.h"
#include "utils/timestamp.h"

PG_FUNCTION_INFO_V1(tape_window_svg);
PG_FUNCTION_INFO_V1(tape_window_chart);

/* One bucket of the window */
typedef struct PlotBucket
{
	bool		has_price;		/* a priced trade fell in it */
	double		open,
				high,
				low,
				close;
	double		volume;			/* shares of prints */
	double		buy;			/* shares of signed trades, tick rule */
	double		sell;
	double		vwap;			/* VWAP from the window's start to its end
								 * (NaN before the first signed trade) */
	double		bid;			/* NBBO in force at its end (NaN if none or
								 * not valid) */
	double		ask;
} PlotBucket;

/* The window, bucketed */
typedef struct PlotData
{
	char	   *ticker;
	int64		start;			/* ns */
	int64		end;
	int64		t0;
	int64		bucket_ns;
	int			n;
	PlotBucket *b;
	double		lo;				/* price range: trades and NBBO */
	double		hi;
	double		max_volume;		/* largest bucket volume */
} PlotData;

/* The most buckets of an SVG plot, and lines of its price grid */
#define PLOT_MAX_BUCKETS	2000
#define PLOT_MAX_GRID_LINES 12

/* The parameters of the plots (config section "plot") */
typedef struct PlotConfig
{
	double		width;			/* SVG, pixels */
	double		height;
	double		bucket_seconds; /* SVG: a candle every so many seconds */
	int			text_width;		/* text chart, characters */
	int			text_height;	/* text chart, price rows */
} PlotConfig;

static const ConfigKey plot_keys[] = {
	{"width", CV_NUMBER, offsetof(PlotConfig, width), 200, 10000, false},
	{"height", CV_NUMBER, offsetof(PlotConfig, height), 150, 10000, false},
	{"bucket_seconds", CV_NUMBER, offsetof(PlotConfig, bucket_seconds), 0.001, 86400, false},
	{"text_width", CV_WHOLE, offsetof(PlotConfig, text_width), 10, 1000, false},
	{"text_height", CV_WHOLE, offsetof(PlotConfig, text_height), 4, 200, false},
};

/* What a plot function reads from its arguments */
typedef struct PlotArgs
{
	TradeArrays t;
	QuoteArrays q;
	bool		has_quotes;
	int64		t0;
	int64		start;
	int64		end;
	Jsonb	   *config;
	PlotConfig	plot;
} PlotArgs;

/* read the arguments (trades, quotes, event_ts, config) of a plot function */
static void
plot_args(FunctionCallInfo fcinfo, PlotArgs *a)
{
	TradeRules	rules;
	int64		before,
				after;

	memset(a, 0, sizeof(PlotArgs));
	a->config = research_config_arg(fcinfo, 3);
	research_trade_rules(a->config, &rules);
	a->t0 = research_time_ns(PG_GETARG_TIMESTAMPTZ(2), "event_ts");
	feature_window_read(a->config, &before, &after);
	a->start = a->t0 - before;
	a->end = a->t0 + after;
	config_read("plot", research_section(a->config, "plot"), plot_keys, lengthof(plot_keys), &a->plot);
	if (a->end <= a->start)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("the window to plot is empty"),
				 errhint("Set features.window.before_seconds or after_seconds above 0.")));
	read_trade_block(PG_GETARG_BYTEA_PP(0), &rules, &a->t);
	if (!PG_ARGISNULL(1))
	{
		read_quote_block(PG_GETARG_BYTEA_PP(1), &a->q);
		a->has_quotes = true;
	}
}

/*
 * plot_buckets
 *		Cut [start, end) into n buckets and gather what the plots draw.
 */
static void
plot_buckets(const PlotArgs *a, int n, PlotData *d)
{
	const TradeArrays *t = &a->t;
	const QuoteArrays *q = &a->q;
	TickRule	tick;
	double		pv = 0,
				v = 0;
	int64		i = 0,
				k = -1;

	memset(d, 0, sizeof(PlotData));
	memset(&tick, 0, sizeof(TickRule));
	d->ticker = t->ticker ? t->ticker : q->ticker;
	d->start = a->start;
	d->end = a->end;
	d->t0 = a->t0;
	d->n = n;
	d->bucket_ns = (a->end - a->start + n - 1) / n;
	d->b = palloc0(sizeof(PlotBucket) * n);
	d->lo = INFINITY;
	d->hi = -INFINITY;
	/* bounded: PLOT_MAX_BUCKETS, or text_width; the trades' loop checks */
	for (int j = 0; j < n; j++)
	{
		PlotBucket *b = &d->b[j];
		int64		bucket_end = Min(a->start + (j + 1) * d->bucket_ns, a->end);

		for (; i < t->n && t->ns[i] < bucket_end; i++)
		{
			int			sign = 0;

			CHECK_FOR_INTERRUPTS();
			if (t->flags[i] & TF_PRICE)
				sign = tick_rule_sign(&tick, t->price[i]);
			if (t->ns[i] < a->start)
				continue;		/* before the window: only the tick rule */
			if (t->flags[i] & TF_PRICE)
			{
				if (!b->has_price)
				{
					b->open = b->high = b->low = t->price[i];
					b->has_price = true;
				}
				b->high = Max(b->high, t->price[i]);
				b->low = Min(b->low, t->price[i]);
				b->close = t->price[i];
			}
			if (t->flags[i] & TF_VOLUME)
				b->volume += t->size[i];
			if ((t->flags[i] & (TF_PRICE | TF_VOLUME)) == (TF_PRICE | TF_VOLUME))
			{
				pv += t->price[i] * t->size[i];
				v += t->size[i];
				if (sign > 0)
					b->buy += t->size[i];
				else if (sign < 0)
					b->sell += t->size[i];
			}
		}
		b->vwap = v > 0 ? pv / v : NAN;
		b->bid = b->ask = NAN;
		if (a->has_quotes)
		{
			k = quote_at(q, bucket_end - 1, k);
			if (k >= 0 && quote_is_valid(q, k))
			{
				b->bid = q->bid[k];
				b->ask = q->ask[k];
			}
		}
		if (b->has_price)
		{
			d->lo = Min(d->lo, b->low);
			d->hi = Max(d->hi, b->high);
		}
		if (!isnan(b->bid))
		{
			d->lo = Min(d->lo, b->bid);
			d->hi = Max(d->hi, b->ask);
		}
		d->max_volume = Max(d->max_volume, b->volume);
	}
	if (!isfinite(d->lo))
		d->lo = d->hi = 0;
	if (d->hi - d->lo < 1e-9 * Max(fabs(d->hi), 1))
	{
		/*
		 * a flat window: give it a cent either way, or more where a cent is
		 * lost in the price's rounding
		 */
		double		pad = Max(0.01, 1e-9 * fabs(d->hi));

		d->lo -= pad;
		d->hi += pad;
	}
}

/* New York wall-clock date or time of ns: 'd' YYYY-MM-DD, 'm' HH:MM, 's' HH:MM:SS */
static char *
ny_time(int64 ns, char what)
{
	struct pg_tm tm;
	fsec_t		fsec;
	int			tz;

	if (timestamp2tm(ns_to_timestamptz(ns), &tz, &tm, &fsec, NULL, tape_market_tz()) != 0)
		return pstrdup("?");
	if (what == 'd')
		return psprintf("%04d-%02d-%02d", tm.tm_year, tm.tm_mon, tm.tm_mday);
	return what == 's' ? psprintf("%02d:%02d:%02d", tm.tm_hour, tm.tm_min, tm.tm_sec)
		: psprintf("%02d:%02d", tm.tm_hour, tm.tm_min);
}

/* a step of 1, 2 or 5 times a power of ten, about range / ticks */
static double
nice_step(double range, int ticks)
{
	double		raw = range / ticks;
	double		mag = pow(10, floor(log10(raw)));
	double		f = raw / mag;

	return (f < 1.5 ? 1 : f < 3.5 ? 2 : f < 7.5 ? 5 : 10) * mag;
}

/* decimals that show a multiple of step exactly */
static int
step_decimals(double step)
{
	int			d = 0;

	/* bounded: 8 */
	while (d < 8 && fabs(step * pow(10, d) - rint(step * pow(10, d))) > 1e-6)
		d++;
	return d;
}

/* text made safe inside SVG */
static void
append_xml(StringInfo s, const char *text)
{
	/* bounded: a ticker's few bytes */
	for (const char *p = text; p && *p; p++)
	{
		switch (*p)
		{
			case '&':
				appendStringInfoString(s, "&amp;");
				break;
			case '<':
				appendStringInfoString(s, "&lt;");
				break;
			case '>':
				appendStringInfoString(s, "&gt;");
				break;
			case '"':
				appendStringInfoString(s, "&quot;");
				break;
			default:
				appendStringInfoChar(s, *p);
		}
	}
}

/*
 * tape_window_svg
 *		tape.window_svg_internal(trades, quotes, event_ts, config): the
 *		window as an SVG document.
 */
Datum
tape_window_svg(PG_FUNCTION_ARGS)
{
	PlotArgs	a;
	PlotData	d;
	StringInfoData s;
	double		width,
				height;
	double		left = 64,
				right = 16,
				top = 34,
				bottom = 40;
	double		price_h,
				vol_top,
				vol_h,
				plot_w,
				col_w;
	int			n;
	double		step;
	int			decimals;
	bool		first;

	if (PG_ARGISNULL(0) || PG_ARGISNULL(2))
		PG_RETURN_NULL();
	plot_args(fcinfo, &a);
	width = a.plot.width;
	height = a.plot.height;
	n = (int) Min(Max((a.end - a.start) / (int64) (a.plot.bucket_seconds * 1e9), 1), PLOT_MAX_BUCKETS);
	plot_buckets(&a, n, &d);

	plot_w = width - left - right;
	col_w = plot_w / n;
	price_h = (height - top - bottom) * 0.72;
	vol_top = top + price_h + 18;
	vol_h = height - bottom - vol_top;

#define X(ns) (left + plot_w * (double) ((ns) - d.start) / (double) (d.end - d.start))
#define Y(p) (top + price_h * (1 - ((p) - d.lo) / (d.hi - d.lo)))

	initStringInfo(&s);
	appendStringInfo(&s, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%g\" height=\"%g\" "
					 "viewBox=\"0 0 %g %g\" font-family=\"sans-serif\" font-size=\"11\">\n",
					 width, height, width, height);
	appendStringInfo(&s, "<rect width=\"%g\" height=\"%g\" fill=\"#ffffff\"/>\n", width, height);
	appendStringInfoString(&s, "<text x=\"8\" y=\"18\" font-size=\"13\" font-weight=\"bold\">");
	append_xml(&s, d.ticker ? d.ticker : "(no trades)");
	appendStringInfo(&s, " %s, event at %s New York</text>\n", ny_time(d.t0, 'd'), ny_time(d.t0, 's'));

	/*
	 * price grid and labels: the multiples of step in the range, counted (a
	 * price added to step by step may not move at all where step is below
	 * its rounding)
	 */
	step = nice_step(d.hi - d.lo, 5);
	decimals = step_decimals(step);
	if (step > 0 && isfinite(step))
	{
		double		first = ceil(d.lo / step - 1e-9);

		for (int g = 0; g < PLOT_MAX_GRID_LINES; g++)
		{
			double		p = (first + g) * step;

			if (p > d.hi + 1e-9 * step)
				break;
			appendStringInfo(&s, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#e5e7eb\"/>"
							 "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\" fill=\"#57606a\">%.*f</text>\n",
							 left, Y(p), width - right, Y(p), left - 6, Y(p) + 4, decimals, p);
		}
	}
	/* time grid: a line a minute (or every few for long windows) */
	{
		int64		minute = INT64CONST(60) * NS_PER_SECOND;
		int64		every = minute * Max(1, (d.end - d.start) / (minute * 12));

		/* bounded: every is a twelfth of the window, a minute at least */
		for (int64 g = (d.start + every - 1) / every * every; g <= d.end; g += every)
			appendStringInfo(&s, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#eef0f2\"/>"
							 "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\" fill=\"#57606a\">%s</text>\n",
							 X(g), top, X(g), height - bottom, X(g), height - bottom + 16, ny_time(g, 'm'));
	}

	/* the NBBO band: each run of buckets with a valid NBBO, ask across and bid back */
	if (a.has_quotes)
	{
		appendStringInfoString(&s, "<path fill=\"#58a6ff\" fill-opacity=\"0.18\" stroke=\"none\" d=\"");
		/* bounded: PLOT_MAX_BUCKETS (and the loops below) */
		for (int j = 0; j < n;)
		{
			int			run_end;

			if (isnan(d.b[j].bid))
			{
				j++;
				continue;
			}
			/* bounded: PLOT_MAX_BUCKETS */
			for (run_end = j; run_end < n && !isnan(d.b[run_end].bid); run_end++)
				appendStringInfo(&s, "%s%.1f %.1f H%.1f ", run_end == j ? "M" : "L",
								 left + run_end * col_w, Y(d.b[run_end].ask), left + (run_end + 1) * col_w);
			/* bounded: PLOT_MAX_BUCKETS */
			for (int k = run_end - 1; k >= j; k--)
				appendStringInfo(&s, "L%.1f %.1f H%.1f ", left + (k + 1) * col_w, Y(d.b[k].bid), left + k * col_w);
			appendStringInfoString(&s, "Z ");
			j = run_end;
		}
		appendStringInfoString(&s, "\"/>\n");
		/* the bid and ask as lines */
		for (int side = 0; side < 2; side++)
		{
			first = true;
			appendStringInfo(&s, "<path fill=\"none\" stroke=\"%s\" stroke-width=\"1\" d=\"",
							 side == 0 ? "#2f81f7" : "#bf3989");
			/* bounded: PLOT_MAX_BUCKETS */
			for (int j = 0; j < n; j++)
			{
				double		p = side == 0 ? d.b[j].bid : d.b[j].ask;

				if (isnan(p))
				{
					first = true;
					continue;
				}
				appendStringInfo(&s, "%s%.1f %.1f H%.1f ", first ? "M" : "L", left + j * col_w, Y(p),
								 left + (j + 1) * col_w);
				first = false;
			}
			appendStringInfoString(&s, "\"/>\n");
		}
	}

	/* candles */
	/* bounded: PLOT_MAX_BUCKETS */
	for (int j = 0; j < n; j++)
	{
		PlotBucket *b = &d.b[j];
		double		cx = left + (j + 0.5) * col_w;
		const char *color = b->close >= b->open ? "#1a7f37" : "#cf222e";
		double		y1,
					y2;

		if (!b->has_price)
			continue;
		y1 = Y(Max(b->open, b->close));
		y2 = Y(Min(b->open, b->close));
		appendStringInfo(&s, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\"/>"
						 "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"%s\"/>\n",
						 cx, Y(b->high), cx, Y(b->low), color,
						 cx - col_w * 0.35, y1, col_w * 0.7, Max(y2 - y1, 1.0), color);
	}

	/* the VWAP */
	first = true;
	appendStringInfoString(&s, "<path fill=\"none\" stroke=\"#d4a017\" stroke-width=\"1.5\" d=\"");
	/* bounded: PLOT_MAX_BUCKETS */
	for (int j = 0; j < n; j++)
	{
		if (isnan(d.b[j].vwap))
			continue;
		appendStringInfo(&s, "%s%.1f %.1f ", first ? "M" : "L", left + (j + 1) * col_w, Y(d.b[j].vwap));
		first = false;
	}
	appendStringInfoString(&s, "\"/>\n");

	/* volume: buys up from the middle, sells, and unsigned prints */
	/* bounded: PLOT_MAX_BUCKETS */
	for (int j = 0; j < n; j++)
	{
		PlotBucket *b = &d.b[j];
		double		x = left + j * col_w + col_w * 0.15;
		double		scale = d.max_volume > 0 ? vol_h / d.max_volume : 0;
		double		y = vol_top + vol_h;
		double		other = Max(b->volume - b->buy - b->sell, 0);

		if (b->volume <= 0)
			continue;
		appendStringInfo(&s, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"#1a7f37\" fill-opacity=\"0.7\"/>",
						 x, y - b->buy * scale, col_w * 0.7, b->buy * scale);
		y -= b->buy * scale;
		appendStringInfo(&s, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"#cf222e\" fill-opacity=\"0.7\"/>",
						 x, y - b->sell * scale, col_w * 0.7, b->sell * scale);
		y -= b->sell * scale;
		appendStringInfo(&s, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"#8c959f\" fill-opacity=\"0.7\"/>\n",
						 x, y - other * scale, col_w * 0.7, other * scale);
	}
	appendStringInfo(&s, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\" fill=\"#57606a\">%.0f sh</text>\n",
					 left - 6, vol_top + 10, d.max_volume);
	appendStringInfo(&s, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#d0d7de\"/>\n",
					 left, vol_top + vol_h, width - right, vol_top + vol_h);

	/* the event */
	appendStringInfo(&s, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#8250df\" "
					 "stroke-width=\"1.5\" stroke-dasharray=\"5,4\"/>"
					 "<text x=\"%.1f\" y=\"%.1f\" fill=\"#8250df\">event</text>\n",
					 X(d.t0), top, X(d.t0), height - bottom, X(d.t0) + 4, top + 12);

	/* legend */
	appendStringInfo(&s, "<g transform=\"translate(%.1f,18)\" fill=\"#24292f\">"
					 "<rect x=\"0\" y=\"-8\" width=\"10\" height=\"8\" fill=\"#1a7f37\"/><text x=\"14\" y=\"0\">trades (%gs candles)</text>"
					 "<line x1=\"150\" y1=\"-4\" x2=\"166\" y2=\"-4\" stroke=\"#d4a017\" stroke-width=\"2\"/><text x=\"170\" y=\"0\">VWAP</text>"
					 "%s</g>\n",
					 width - right - 330, (double) d.bucket_ns / 1e9,
					 a.has_quotes ? "<rect x=\"215\" y=\"-8\" width=\"10\" height=\"8\" fill=\"#58a6ff\" fill-opacity=\"0.4\"/><text x=\"229\" y=\"0\">NBBO bid/ask</text>" : "");
	appendStringInfoString(&s, "</svg>\n");
#undef X
#undef Y
	PG_RETURN_TEXT_P(cstring_to_text_with_len(s.data, s.len));
}

/*
 * tape_window_chart
 *		tape.window_chart_internal(trades, quotes, event_ts, config): the
 *		window as lines of text.
 */
Datum
tape_window_chart(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	static const char *const spark[] = {" ", "\u2581", "\u2582", "\u2583", "\u2584", "\u2585", "\u2586", "\u2587", "\u2588"};
	PlotArgs	a;
	PlotData	d;
	int			w,
				h,
				event_col;
	double		step;
	int			decimals;
	StringInfoData line;

	InitMaterializedSRF(fcinfo, MAT_SRF_USE_EXPECTED_DESC);
	if (PG_ARGISNULL(0) || PG_ARGISNULL(2))
		return (Datum) 0;
	plot_args(fcinfo, &a);
	w = a.plot.text_width;
	h = a.plot.text_height;
	plot_buckets(&a, w, &d);
	event_col = (int) ((d.t0 - d.start) / d.bucket_ns);
	step = (d.hi - d.lo) / (h - 1);
	/* enough decimals that rows one step apart read apart (two at least, as prices) */
	decimals = Max(2, step < 1 ? (int) ceil(-log10(step)) : 0);

#define ROW(p) ((int) rint((d.hi - (p)) / step))
#define PUT_LINE() \
	do { \
		Datum		v = CStringGetTextDatum(line.data); \
		bool		isnull = false; \
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, &v, &isnull); \
	} while (0)

	initStringInfo(&line);
	appendStringInfo(&line, "%s %s, event at %s New York: trades %s, VWAP ~, NBBO ', event |",
					 d.ticker ? d.ticker : "(no trades)", ny_time(d.t0, 'd'), ny_time(d.t0, 's'),
					 "\u2502\u25cf");
	PUT_LINE();
	/* bounded: plot.text_height rows of plot.text_width columns */
	for (int r = 0; r < h; r++)
	{
		double		p = d.hi - r * step;

		resetStringInfo(&line);
		appendStringInfo(&line, "%10.*f \u2524", decimals, p);
		/* bounded: plot.text_width */
		for (int j = 0; j < w; j++)
		{
			PlotBucket *b = &d.b[j];
			const char *cell = " ";

			if (j == event_col)
				cell = "|";
			if (!isnan(b->bid) && (ROW(b->bid) == r || ROW(b->ask) == r))
				cell = "'";
			if (!isnan(b->vwap) && ROW(b->vwap) == r)
				cell = "~";
			if (b->has_price && ROW(b->high) <= r && r <= ROW(b->low))
				cell = ROW(b->close) == r ? "\u25cf" : "\u2502";
			appendStringInfoString(&line, cell);
		}
		PUT_LINE();
	}
	/* volume */
	resetStringInfo(&line);
	appendStringInfo(&line, "%10s \u2524", "volume");
	/* bounded: plot.text_width */
	for (int j = 0; j < w; j++)
	{
		int			level = d.max_volume > 0 ? (int) ceil(8 * d.b[j].volume / d.max_volume) : 0;

		appendStringInfoString(&line, spark[Max(0, Min(level, 8))]);
	}
	PUT_LINE();
	/* time axis: whole minutes (or every few), where a label fits */
	resetStringInfo(&line);
	appendStringInfo(&line, "%10s  ", "");
	{
		int64		minute = INT64CONST(60) * NS_PER_SECOND;
		int64		every = minute * Max(1, (d.end - d.start) / (minute * 4));
		int			col = 0;

		/* bounded: every is a quarter of the window, a minute at least */
		for (int64 g = (d.start + every - 1) / every * every; g < d.end; g += every)
		{
			int			at = (int) ((g - d.start) / d.bucket_ns);
			char	   *label = ny_time(g, 'm');

			if (at < col || at + (int) strlen(label) > w + 2)
				continue;
			/* bounded: plot.text_width */
			while (col < at)
			{
				appendStringInfoChar(&line, ' ');
				col++;
			}
			appendStringInfoString(&line, label);
			col += strlen(label) + 1;
			if (col - 1 < w + 2)
				appendStringInfoChar(&line, ' ');
		}
	}
	PUT_LINE();
#undef ROW
#undef PUT_LINE
	return (Datum) 0;
}
