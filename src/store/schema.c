/*-------------------------------------------------------------------------
 *
 * schema.c
 *		The declarative tables of the columns of each kind of tick block.
 *
 * A schema lists the columns of the foreign table whose rows a block packs,
 * in that table's order, with what the codec may exploit in each: a column
 * its values are close to (participant_timestamp to sip_timestamp), a
 * column that numbers its values apart (trade ids count per exchange),
 * whether it orders the rows.  The codec chooses the encoding of every
 * column of every block by itself; a schema never names one.  Adding a kind
 * of block is adding a table here and a kind number to store.h.
 *
 * Copyright (c) 2026, tape developers
 *
 * IDENTIFICATION
 *		src/store/schema.c
 *
 *-------------------------------------------------------------------------
 */
#include "store/store.h"

#include "catalog/pg_type.h"

/* The positions of the columns others refer to (the same in both tables) */
#define COL_SIP			2		/* sip_timestamp */
#define COL_EXCHANGE	7		/* exchange, in trades */
#define COL_TRF_ID		8		/* trf_id, in trades */

/* a column with nothing to exploit */
#define PLAIN(name, typid, kind, flags) \
	{name, typid, kind, -1, SRK_NONE, -1, -1, flags}
/* a column close to another's value (ref_kind says how to convert it) */
#define NEAR(name, typid, kind, ref, ref_kind, flags) \
	{name, typid, kind, ref, ref_kind, -1, -1, flags}
/* a column whose values count apart per value of two others */
#define PER(name, typid, kind, group, group2) \
	{name, typid, kind, -1, SRK_NONE, group, group2, 0}

/* ticker and the times of a trade or a quote, as polygon_fdw returns them */
#define TICK_KEY_AND_TIMES \
	PLAIN("ticker", TEXTOID, SK_BLOCK_TEXT, SCF_NOT_NULL), \
	NEAR("ts", TIMESTAMPTZOID, SK_TIMESTAMPTZ, COL_SIP, SRK_NS_TO_TIMESTAMPTZ, SCF_DERIVED), \
	PLAIN("sip_timestamp", INT8OID, SK_INT64, SCF_ORDER_KEY | SCF_NOT_NULL), \
	NEAR("participant_timestamp", INT8OID, SK_INT64, COL_SIP, SRK_SAME, 0), \
	NEAR("trf_timestamp", INT8OID, SK_INT64, COL_SIP, SRK_SAME, 0)

/* the columns of polygon.trades */
static const StoreColumn trade_columns[] = {
	TICK_KEY_AND_TIMES,
	PLAIN("price", FLOAT8OID, SK_FLOAT64, 0),
	PLAIN("size", FLOAT8OID, SK_FLOAT64, 0),
	PLAIN("exchange", INT4OID, SK_INT32, 0),
	PLAIN("trf_id", INT4OID, SK_INT32, 0),
	PLAIN("tape", INT4OID, SK_INT32, 0),
	PLAIN("conditions", INT4ARRAYOID, SK_INT4_ARRAY, 0),
	PLAIN("correction", INT4OID, SK_INT32, 0),
	PER("id", TEXTOID, SK_TEXT, COL_EXCHANGE, COL_TRF_ID),	/* unique per (exchange, trf_id) */
	PLAIN("sequence_number", INT8OID, SK_INT64, 0),
};

/* the columns of polygon.quotes; the NBBO is both sides' price and size */
static const StoreColumn quote_columns[] = {
	TICK_KEY_AND_TIMES,
	PLAIN("bid_price", FLOAT8OID, SK_FLOAT64, SCF_NBBO),
	PLAIN("bid_size", FLOAT8OID, SK_FLOAT64, SCF_NBBO),
	PLAIN("bid_exchange", INT4OID, SK_INT32, 0),
	PLAIN("ask_price", FLOAT8OID, SK_FLOAT64, SCF_NBBO),
	PLAIN("ask_size", FLOAT8OID, SK_FLOAT64, SCF_NBBO),
	PLAIN("ask_exchange", INT4OID, SK_INT32, 0),
	PLAIN("conditions", INT4ARRAYOID, SK_INT4_ARRAY, 0),
	PLAIN("indicators", INT4ARRAYOID, SK_INT4_ARRAY, 0),
	PLAIN("sequence_number", INT8OID, SK_INT64, 0),
	PLAIN("tape", INT4OID, SK_INT32, 0),
};

const BlockSchema store_trades_schema = {
	BLOCK_KIND_TRADES, "trades", "polygon.trades", "tape.pack_trades", "tape.trades_of",
	trade_columns, lengthof(trade_columns), 0, COL_SIP
};

const BlockSchema store_quotes_schema = {
	BLOCK_KIND_QUOTES, "quotes", "polygon.quotes", "tape.pack_quotes", "tape.quotes_of",
	quote_columns, lengthof(quote_columns), 0, COL_SIP
};

/* every schema, by kind */
static const BlockSchema *const schemas[] = {
	&store_trades_schema,
	&store_quotes_schema,
};

/*
 * store_schema_check
 *		Refuse a schema table that breaks the rules the codec relies on:
 *		references and groups point to integer columns that have none of
 *		their own (so those are decoded first), references to columns that
 *		are never NULL; the ticker and order key are where the schema says.
 *		Can't happen unless a table above is edited wrongly.
 */
static void
store_schema_check(const BlockSchema *schema)
{
	if (schema->ncolumns > STORE_MAX_COLUMNS ||
		schema->columns[schema->ticker_column].kind != SK_BLOCK_TEXT ||
		!(schema->columns[schema->order_column].flags & SCF_ORDER_KEY))
		elog(ERROR, "tick block schema \"%s\" is inconsistent", schema->kind_name);
	for (int c = 0; c < schema->ncolumns; c++)
	{
		const StoreColumn *col = &schema->columns[c];

		const StoreColumn *ref = col->ref >= 0 ? &schema->columns[col->ref] : NULL;
		const StoreColumn *grp = col->group >= 0 ? &schema->columns[col->group] : NULL;
		const StoreColumn *grp2 = col->group2 >= 0 ? &schema->columns[col->group2] : NULL;

		if (ref && (ref->kind != SK_INT64 || !(ref->flags & SCF_NOT_NULL) ||
					ref->ref >= 0 || ref->group >= 0))
			elog(ERROR, "column \"%s\" of tick block schema \"%s\" has an invalid reference",
				 col->name, schema->kind_name);
		if ((grp && ((grp->kind != SK_INT32 && grp->kind != SK_INT64) ||
					 grp->ref >= 0 || grp->group >= 0)) ||
			(grp2 && (!grp || (grp2->kind != SK_INT32 && grp2->kind != SK_INT64) ||
					  grp2->ref >= 0 || grp2->group >= 0)))
			elog(ERROR, "column \"%s\" of tick block schema \"%s\" has an invalid group",
				 col->name, schema->kind_name);
		if ((col->flags & SCF_DERIVED) && col->ref < 0)
			elog(ERROR, "column \"%s\" of tick block schema \"%s\" is derived from nothing",
				 col->name, schema->kind_name);
	}
}

/*
 * store_schema_by_kind
 *		The schema of a kind of block, or NULL for a kind this build does not
 *		know.
 */
const BlockSchema *
store_schema_by_kind(uint8 kind)
{
	static bool checked = false;

	if (!checked)
	{
		for (size_t i = 0; i < lengthof(schemas); i++)
			store_schema_check(schemas[i]);
		checked = true;
	}
	for (size_t i = 0; i < lengthof(schemas); i++)
		if (schemas[i]->kind == kind)
			return schemas[i];
	return NULL;
}
