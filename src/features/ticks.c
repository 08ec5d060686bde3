/*-------------------------------------------------------------------------
 *
 * ticks.c
 *		Tick blocks into arrays, which trades count, and the research
 *		configuration.
 *
 * The research functions read a block once, batch by batch, keeping only
 * what they use: a trade's time, price, size and what its conditions allow
 * (TF_PRICE, TF_VOLUME); a quote's time and NBBO, sizes in shares.
 *
 * Which trades count follows the consolidated tape's update rules, as
 * /v3/reference/conditions publishes them: a trade sets prices unless one
 * of its conditions is in trades.exclude_from_price, and counts toward
 * volume unless one is in trades.exclude_from_volume (a condition list is
 * judged as a whole: one excluded condition excludes the trade).  A trade
 * with no price or no size is of no use.
 *
 * Quote sizes are shares: polygon_fdw turns the round lots of quotes
 * before 2025-11-03 into shares, so blocks hold shares in both eras.
 *
 * Copyright (c) 2026, tape developers
 *
 * IDENTIFICATION
 *		src/features/ticks.c
 *
 *-------------------------------------------------------------------------
 */
#include "features/features.h"
#include "analytics/barsource.h"
#include "store/store.h"

#include <math.h>

#include "funcapi.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/date.h"
#include "utils/timestamp.h"
#include "utils/numeric.h"

/* conditions lists remembered per block (a block's dictionary is small) */
#define CONDITION_CACHE 32

static void trade_arrays_grow(TradeArrays *t, int64 need);
static void quote_arrays_grow(QuoteArrays *q, int64 need);
static int	schema_column(const BlockSchema *schema, const char *name);
static void research_ids(Jsonb *config, const char *path, bits8 *bits);

/*
 * trade_flags
 *		What a trade with these conditions may be used for (TF_*).
 */
uint8
trade_flags(const TradeRules *rules, Datum conditions, bool isnull)
{
	struct varlena *v;
	union
	{
		ArrayType	a;
		char		bytes[256];
		double		align;
	}			buf;
	ArrayType  *a;
	int			n;
	const int32 *ids;
	bits8	   *elem_nulls;
	uint8		flags = TF_PRICE | TF_VOLUME;

	if (isnull)
		return flags;

	/*
	 * A short array (every conditions list) is read in place or from a copy
	 * on the stack: these run once per trade and must not allocate.
	 */
	v = (struct varlena *) DatumGetPointer(conditions);
	if (VARATT_IS_EXTENDED(v) && !VARATT_IS_SHORT(v))
		a = DatumGetArrayTypeP(conditions);
	else if (VARATT_IS_SHORT(v))
	{
		Size		len = VARSIZE_ANY_EXHDR(v);

		if (len + VARHDRSZ > sizeof(buf))
			a = DatumGetArrayTypeP(conditions);
		else
		{
			memcpy(buf.bytes + VARHDRSZ, VARDATA_ANY(v), len);
			SET_VARSIZE(buf.bytes, len + VARHDRSZ);
			a = &buf.a;
		}
	}
	else
		a = (ArrayType *) v;
	if (ARR_NDIM(a) == 0)
		return flags;
	n = ArrayGetNItems(ARR_NDIM(a), ARR_DIMS(a));
	/* ARR_DATA_PTR, without its signed/unsigned mix */
	ids = (const int32 *) ((const char *) a + (ARR_HASNULL(a) ? (Size) a->dataoffset
												: (Size) ARR_OVERHEAD_NONULLS(ARR_NDIM(a))));
	elem_nulls = ARR_NULLBITMAP(a);
	for (int i = 0, k = 0; i < n; i++)
	{
		int32		id;

		CHECK_FOR_INTERRUPTS();
		if (elem_nulls && !(elem_nulls[i / 8] & (1 << (i % 8))))
			continue;			/* a NULL element names no condition */
		id = ids[k++];
		if (id < 0 || id > TRADE_RULES_MAX_ID)
			continue;
		if (rules->price_excluded[id / 8] & (1 << (id % 8)))
			flags &= ~TF_PRICE;
		if (rules->volume_excluded[id / 8] & (1 << (id % 8)))
			flags &= ~TF_VOLUME;
	}
	return flags;
}

/*
 * grow_columns
 *		Room for need values in each of n parallel arrays of the given
 *		widths, all of capacity *cap.
 */
static void
grow_columns(void **cols[], const Size *widths, int n, int64 *cap, int64 need)
{
	int64		newcap;

	if (need <= *cap)
		return;
	newcap = Max(need, Max(*cap * 2, 256));
	/* bounded: the five columns of the arrays */
	for (int c = 0; c < n; c++)
		*cols[c] = *cap == 0 ? palloc(newcap * widths[c]) : repalloc_huge(*cols[c], newcap * widths[c]);
	*cap = newcap;
}

/* room for need trades (the sequence numbers last, when kept) */
static void
trade_arrays_grow(TradeArrays *t, int64 need)
{
	void	  **cols[] = {(void **) &t->ns, (void **) &t->price, (void **) &t->size, (void **) &t->flags,
	(void **) &t->seq};
	static const Size widths[] = {sizeof(int64), sizeof(double), sizeof(double), sizeof(uint8), sizeof(int64)};

	grow_columns(cols, widths, lengthof(cols) - (t->has_seq ? 0 : 1), &t->cap, need);
}

/* room for need quotes (the sequence numbers last, when kept) */
static void
quote_arrays_grow(QuoteArrays *q, int64 need)
{
	void	  **cols[] = {(void **) &q->ns, (void **) &q->bid, (void **) &q->bid_size,
	(void **) &q->ask, (void **) &q->ask_size, (void **) &q->seq};
	static const Size widths[] = {sizeof(int64), sizeof(double), sizeof(double), sizeof(double), sizeof(double),
	sizeof(int64)};

	grow_columns(cols, widths, lengthof(cols) - (q->has_seq ? 0 : 1), &q->cap, need);
}

/*
 * trade_arrays_add
 *		Append a trade given as values (the rows of a query).
 */
void
trade_arrays_add(TradeArrays *t, const TradeRules *rules, int64 ns, double price, bool price_null,
				 double size, bool size_null, Datum conditions, bool conditions_null)
{
	trade_arrays_grow(t, t->n + 1);
	t->ns[t->n] = ns;
	t->price[t->n] = price_null ? NAN : price;
	t->size[t->n] = size_null ? NAN : size;
	t->flags[t->n] = (price_null || size_null || !isfinite(price) || !isfinite(size) || size < 0)
		? 0 : trade_flags(rules, conditions, conditions_null);
	t->n++;
}

/* the position of a column in a block schema (a can't-happen error if absent) */
static int
schema_column(const BlockSchema *schema, const char *name)
{
	/* bounded: STORE_MAX_COLUMNS */
	for (int c = 0; c < schema->ncolumns; c++)
		if (strcmp(schema->columns[c].name, name) == 0)
			return c;
	elog(ERROR, "tick block schema \"%s\" has no column \"%s\"", schema->kind_name, name);
	return -1;
}

/* What a reader of a block does with its rows */
typedef struct BlockRowsReader
{
	const BlockSchema *schema;
	const char *const *columns; /* the columns it uses */
	int			ncolumns;
	void		(*start) (void *arg, char *ticker, int64 rows);	/* before the first row */
	void		(*row) (void *arg, const Datum *values, const bool *nulls);
} BlockRowsReader;

/*
 * read_block_rows
 *		Decode the columns a reader uses, batch by batch, and hand it each
 *		row in order (nothing for a block of no rows).
 */
static void
read_block_rows(bytea *block, const BlockRowsReader *reader, void *arg)
{
	BlockDecoder *d = block_decoder_open(block, reader->schema);
	int			nc = reader->schema->ncolumns;
	int			n;

	if (d->hdr.rows == 0)
		return;
	block_decoder_only(d, reader->columns, reader->ncolumns);
	reader->start(arg, pnstrdup(d->hdr.ticker, d->hdr.ticker_len), d->hdr.rows);
	while ((n = block_decoder_next_batch(d)) > 0)
	{
		CHECK_FOR_INTERRUPTS();
		/* bounded: STORE_BATCH rows, with a check for each batch */
		for (int i = 0; i < n; i++)
			reader->row(arg, d->values + i * nc, d->nulls + i * nc);
	}
	block_decoder_finish(d);
}

/* The trades being read, and what they need */
typedef struct TradeReading
{
	TradeArrays *out;
	const TradeRules *rules;
	int			c_ns,
				c_price,
				c_size,
				c_cond,
				c_seq;
	Datum		seen[CONDITION_CACHE];	/* conditions lists met, and their flags */
	uint8		seen_flags[CONDITION_CACHE];
	int			nseen;
} TradeReading;

static void
trade_reading_start(void *arg, char *ticker, int64 rows)
{
	TradeReading *r = arg;

	r->out->ticker = ticker;
	trade_arrays_grow(r->out, rows);
}

/*
 * trade_reading_row
 *		One trade.  The flags of each distinct conditions list are worked
 *		out once: the block's dictionary hands the same value to every row
 *		with that list.
 */
static void
trade_reading_row(void *arg, const Datum *v, const bool *isnull)
{
	TradeReading *r = arg;
	TradeArrays *out = r->out;
	int64		k = out->n++;
	uint8		flags;

	out->ns[k] = DatumGetInt64(v[r->c_ns]);
	if (out->has_seq)
		out->seq[k] = isnull[r->c_seq] ? SEQUENCE_NULL : DatumGetInt64(v[r->c_seq]);
	out->price[k] = isnull[r->c_price] ? NAN : DatumGetFloat8(v[r->c_price]);
	out->size[k] = isnull[r->c_size] ? NAN : DatumGetFloat8(v[r->c_size]);
	if (isnull[r->c_price] || isnull[r->c_size] || !isfinite(out->price[k]) ||
		!isfinite(out->size[k]) || out->size[k] < 0)
		flags = 0;
	else if (isnull[r->c_cond])
		flags = TF_PRICE | TF_VOLUME;
	else
	{
		int			s;

		/* bounded: CONDITION_CACHE */
		for (s = 0; s < r->nseen; s++)
			if (r->seen[s] == v[r->c_cond])
				break;
		if (s < r->nseen)
			flags = r->seen_flags[s];
		else
		{
			flags = trade_flags(r->rules, v[r->c_cond], false);
			if (r->nseen < CONDITION_CACHE)
			{
				r->seen[r->nseen] = v[r->c_cond];
				r->seen_flags[r->nseen++] = flags;
			}
		}
	}
	out->flags[k] = flags;
}

/*
 * read_trades
 *		Every trade of a block of trades into out (which starts empty), with
 *		their sequence numbers if asked.
 */
static void
read_trades(bytea *block, const TradeRules *rules, TradeArrays *out, bool with_sequence)
{
	static const char *const used[] = {"sip_timestamp", "price", "size", "conditions", "sequence_number"};
	static const BlockRowsReader reader = {&store_trades_schema, used, lengthof(used) - 1,
	trade_reading_start, trade_reading_row};
	static const BlockRowsReader sequenced = {&store_trades_schema, used, lengthof(used),
	trade_reading_start, trade_reading_row};
	TradeReading r;

	memset(out, 0, sizeof(TradeArrays));
	out->has_seq = with_sequence;
	memset(&r, 0, sizeof(r));
	r.out = out;
	r.rules = rules;
	r.c_ns = schema_column(&store_trades_schema, "sip_timestamp");
	r.c_price = schema_column(&store_trades_schema, "price");
	r.c_size = schema_column(&store_trades_schema, "size");
	r.c_cond = schema_column(&store_trades_schema, "conditions");
	r.c_seq = schema_column(&store_trades_schema, "sequence_number");
	read_block_rows(block, with_sequence ? &sequenced : &reader, &r);
}

/* every trade of a block of trades into out (which starts empty) */
void
read_trade_block(bytea *block, const TradeRules *rules, TradeArrays *out)
{
	read_trades(block, rules, out, false);
}

/* the same with the trades' sequence numbers (out->seq) */
void
read_trade_block_sequenced(bytea *block, const TradeRules *rules, TradeArrays *out)
{
	read_trades(block, rules, out, true);
}

/* The quotes being read */
typedef struct QuoteReading
{
	QuoteArrays *out;
	int			c_ns,
				c_bid,
				c_bsz,
				c_ask,
				c_asz,
				c_seq;
} QuoteReading;

static void
quote_reading_start(void *arg, char *ticker, int64 rows)
{
	QuoteReading *r = arg;

	r->out->ticker = ticker;
	quote_arrays_grow(r->out, rows);
}

/* one quote; a missing side is an empty one, as the API's 0/0/0 */
static void
quote_reading_row(void *arg, const Datum *v, const bool *isnull)
{
	QuoteReading *r = arg;
	QuoteArrays *out = r->out;
	int64		k = out->n++;

	out->ns[k] = DatumGetInt64(v[r->c_ns]);
	if (out->has_seq)
		out->seq[k] = isnull[r->c_seq] ? SEQUENCE_NULL : DatumGetInt64(v[r->c_seq]);
	out->bid[k] = isnull[r->c_bid] ? 0 : DatumGetFloat8(v[r->c_bid]);
	out->ask[k] = isnull[r->c_ask] ? 0 : DatumGetFloat8(v[r->c_ask]);
	out->bid_size[k] = isnull[r->c_bsz] ? 0 : DatumGetFloat8(v[r->c_bsz]);
	out->ask_size[k] = isnull[r->c_asz] ? 0 : DatumGetFloat8(v[r->c_asz]);
	if (!isfinite(out->bid[k]) || !isfinite(out->ask[k]))
		out->bid[k] = out->ask[k] = 0;
}

/*
 * read_quotes
 *		Every quote of a block of quotes into out (which starts empty), with
 *		their sequence numbers if asked.
 */
static void
read_quotes(bytea *block, QuoteArrays *out, bool with_sequence)
{
	static const char *const used[] = {"sip_timestamp", "bid_price", "bid_size", "ask_price", "ask_size",
	"sequence_number"};
	static const BlockRowsReader reader = {&store_quotes_schema, used, lengthof(used) - 1,
	quote_reading_start, quote_reading_row};
	static const BlockRowsReader sequenced = {&store_quotes_schema, used, lengthof(used),
	quote_reading_start, quote_reading_row};
	QuoteReading r;

	memset(out, 0, sizeof(QuoteArrays));
	out->has_seq = with_sequence;
	r.out = out;
	r.c_ns = schema_column(&store_quotes_schema, "sip_timestamp");
	r.c_bid = schema_column(&store_quotes_schema, "bid_price");
	r.c_bsz = schema_column(&store_quotes_schema, "bid_size");
	r.c_ask = schema_column(&store_quotes_schema, "ask_price");
	r.c_asz = schema_column(&store_quotes_schema, "ask_size");
	r.c_seq = schema_column(&store_quotes_schema, "sequence_number");
	read_block_rows(block, with_sequence ? &sequenced : &reader, &r);
}

/* every quote of a block of quotes into out (which starts empty) */
void
read_quote_block(bytea *block, QuoteArrays *out)
{
	read_quotes(block, out, false);
}

/* the same with the quotes' sequence numbers (out->seq) */
void
read_quote_block_sequenced(bytea *block, QuoteArrays *out)
{
	read_quotes(block, out, true);
}

/*
 * first_at
 *		The index of the first of n times (ascending) at or after ns; n if
 *		none.
 */
int64
first_at(const int64 *times, int64 n, int64 ns)
{
	int64		lo = 0,
				hi = n;

	/* bounded: log2 of the times */
	while (lo < hi)
	{
		int64		mid = lo + (hi - lo) / 2;

		if (times[mid] < ns)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/*
 * research_time_ns
 *		A time given to a research function as Unix nanoseconds, the clock of
 *		tick blocks, or an error naming what it is (what) when it is infinite
 *		or outside 1700-2199 (research_time_ok): nanoseconds in an int64 reach
 *		only from 1677 to 2262, and the windows and barriers around a time need
 *		room too.
 */
int64
research_time_ns(TimestampTz ts, const char *what)
{
	if (!research_time_ok(ts))
		ereport(ERROR,
				(errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
				 errmsg("%s is out of range: %s", what, timestamptz_to_str(ts)),
				 errdetail("The research functions take times from 1700 to 2199 (ticks are timed in nanoseconds since 1970).")));
	return timestamptz_to_ns(ts);
}

/*
 * quote_at
 *		The index of the last quote at or before ns, or -1; the search starts
 *		at from (a quote at or before ns already found, or -1), so a caller
 *		walking forward in time pays for each quote once.
 */
int64
quote_at(const QuoteArrays *q, int64 ns, int64 from)
{
	int64		k = from;

	while (k + 1 < q->n && q->ns[k + 1] <= ns)
	{
		CHECK_FOR_INTERRUPTS();
		k++;
	}
	return k;
}

/* ---------------------------------------------------------------------
 * The research configuration
 *
 * The SQL wrappers merge the caller's document into the defaults with
 * tape.research_config(), which refuses unknown keys and values of another
 * JSON type; what is left to check here is each value's range.
 * ---------------------------------------------------------------------
 */

/*
 * research_section
 *		One section of the merged research configuration ("features",
 *		"labels", ...) as a document of its own, for config_read() and
 *		config_string() (barsource.c), which name its keys "section.key".
 */
Jsonb *
research_section(Jsonb *config, const char *section)
{
	JsonbValue	v;

	if (getKeyJsonValueFromContainer(&config->root, section, strlen(section), &v) == NULL ||
		v.type != jbvBinary)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("configuration section \"%s\" is missing", section),
				 errhint("Pass the configuration through tape.research_config().")));
	return JsonbValueToJsonb(&v);
}

/* the list of condition ids at key of section "trades" into a bitmap */
static void
research_ids(Jsonb *trades, const char *key, bits8 *bits)
{
	char	   *path = psprintf("trades.%s", key);
	JsonbValue	v;
	JsonbIterator *it;
	JsonbValue	elem;
	JsonbIteratorToken tok;

	if (getKeyJsonValueFromContainer(&trades->root, key, strlen(key), &v) == NULL ||
		v.type != jbvBinary || !JsonContainerIsArray(v.val.binary.data))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("configuration key \"%s\" must be an array of condition ids", path)));
	it = JsonbIteratorInit(v.val.binary.data);
	while ((tok = JsonbIteratorNext(&it, &elem, true)) != WJB_DONE)
	{
		double		d;

		CHECK_FOR_INTERRUPTS();
		if (tok != WJB_ELEM)
			continue;
		if (elem.type != jbvNumeric)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("configuration key \"%s\" must be an array of condition ids", path),
					 errdetail("It holds a %s.", elem.type == jbvString ? "string" : "value that is not a number")));
		d = DatumGetFloat8(DirectFunctionCall1(numeric_float8, NumericGetDatum(elem.val.numeric)));
		if (d != floor(d) || d < 0 || d > TRADE_RULES_MAX_ID)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("configuration key \"%s\" holds %g, which is not a condition id", path, d),
					 errhint("Condition ids are integers from 0 to %d.", TRADE_RULES_MAX_ID)));
		bits[(int) d / 8] |= (bits8) (1 << ((int) d % 8));
	}
}

/*
 * research_trade_rules
 *		Which conditions keep a trade from setting prices or counting
 *		toward volume (section "trades").
 */
void
research_trade_rules(Jsonb *config, TradeRules *rules)
{
	Jsonb	   *trades = research_section(config, "trades");

	memset(rules, 0, sizeof(TradeRules));
	research_ids(trades, "exclude_from_price", rules->price_excluded);
	research_ids(trades, "exclude_from_volume", rules->volume_excluded);
}

/*
 * research_config_arg
 *		The merged configuration passed as argument argno.
 */
Jsonb *
research_config_arg(FunctionCallInfo fcinfo, int argno)
{
	if (PG_ARGISNULL(argno))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("configuration must not be NULL"),
				 errhint("Pass the configuration through tape.research_config().")));
	return PG_GETARG_JSONB_P(argno);
}

/* ---------------------------------------------------------------------
 * Composite results documented column by column
 * ---------------------------------------------------------------------
 */

/*
 * column_doc_result_desc
 *		The blessed result type of a function returning type_name, checked
 *		against the columns its C code fills (a can't-happen error if the
 *		install script and the code disagree).  Allocated in the caller's
 *		context.
 */
TupleDesc
column_doc_result_desc(FunctionCallInfo fcinfo, const char *type_name, const ColumnDoc *columns,
					   int ncolumns)
{
	TupleDesc	desc;

	if (get_call_result_type(fcinfo, NULL, &desc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "a function returning %s must return a composite type", type_name);
	if (desc->natts != ncolumns)
		elog(ERROR, "%s must have %d columns", type_name, ncolumns);
	/* bounded: the columns of a result type of the code */
	for (int c = 0; c < ncolumns; c++)
		if (strcmp(NameStr(TupleDescAttr(desc, c)->attname), columns[c].name) != 0)
			elog(ERROR, "column %d of %s must be \"%s\"", c + 1, type_name, columns[c].name);
	return BlessTupleDesc(desc);
}

/*
 * column_doc_rows
 *		The rows of a function describing columns (ordinal, name, family,
 *		unit, definition), such as tape.window_feature_columns().
 */
void
column_doc_rows(FunctionCallInfo fcinfo, const ColumnDoc *columns, int ncolumns)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;

	InitMaterializedSRF(fcinfo, 0);
	/* bounded: the columns of a result type of the code */
	for (int c = 0; c < ncolumns; c++)
	{
		Datum		values[5];
		bool		nulls[5] = {false, false, false, false, false};

		values[0] = Int32GetDatum(c + 1);
		values[1] = CStringGetTextDatum(columns[c].name);
		values[2] = CStringGetTextDatum(columns[c].family);
		values[3] = CStringGetTextDatum(columns[c].unit);
		values[4] = CStringGetTextDatum(columns[c].definition);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
}
