/*-------------------------------------------------------------------------
 *
 * request.c
 *		From WHERE conditions to Polygon requests.
 *
 * Planning (polygon_classify_conditions) finds the conditions that an
 * endpoint parameter can take: "column op value" where op is =, IN, <, <=,
 * >, >= as the parameter allows, and value does not depend on the scanned
 * row and is not volatile.  The value may come from another relation: in a
 * join, the scan is then parameterized by that relation's current row and
 * makes the requests of each outer row (one window of trades per event).  Every condition stays a local filter too, so a
 * pushed-down condition only ever narrows what is fetched, never what is
 * returned.
 *
 * Execution (polygon_build_requests) evaluates those values and builds the
 * request series: one per combination of the parameter values (an IN list
 * of tickers gives one series per ticker, in the column's sort order), each
 * a URL path whose later pages come from next_url.  The planner calls the
 * same function with the constants it knows, to count requests and rows.
 *
 * Time ranges of the aggregates endpoint keep their exact meaning: the bars
 * returned are those whose start time satisfies the condition.  Intraday
 * timespans send Unix milliseconds; day and longer send New York dates,
 * because day bars start at 00:00 New York.
 *
 * Copyright (c) 2026, tape developers
 *
 * IDENTIFICATION
 *		src/fdw/request.c
 *
 *-------------------------------------------------------------------------
 */
#include "polygon_fdw.h"
#include "markettime.h"

#include "access/stratnum.h"
#include "catalog/pg_am.h"
#include "catalog/pg_collation.h"
#include "catalog/pg_opclass.h"
#include "catalog/pg_operator.h"
#include "catalog/pg_type.h"
#include "commands/defrem.h"
#include "miscadmin.h"
#include "nodes/makefuncs.h"
#include "nodes/nodeFuncs.h"
#include "optimizer/optimizer.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/timestamp.h"
#include "utils/varlena.h"

/* Everything known about one parameter once its conditions are evaluated */
typedef struct ParamState
{
	bool		has_set;		/* an = or IN condition applies */
	bool		set_unknown;	/* planning: some value of the set is unknown */
	bool		set_many_unknown;	/* planning: an IN list of unknown length */
	List	   *set;			/* canonical strings of the allowed values */
	bool		has_lower;		/* a lower bound applies */
	bool		lower_unknown;	/* planning: its value is unknown */
	bool		lower_incl;		/* >= rather than > */
	int64		lower;			/* TimestampTz or DateADT */
	bool		has_upper;
	bool		upper_unknown;
	bool		upper_incl;
	int64		upper;
	bool		empty;			/* the conditions admit no value */
} ParamState;

/*
 * There is no market data before 1970-01-01 (the API's times are Unix
 * times): a bound before it is moved to it, so an absurd one such as
 * '4713-01-01 BC' asks for what exists instead of failing in time zone
 * arithmetic, and a range of dates from year 1 is not listed day by day.
 */
#define EARLIEST_MARKET_DATE	((DateADT) (UNIX_EPOCH_JDATE - POSTGRES_EPOCH_JDATE))
/* and dates are written with four digits: nothing after 9999-12-31 */
#define LATEST_DATE				((DateADT) (5373484 - POSTGRES_EPOCH_JDATE))

/* One value a parameter takes in a request */
typedef struct Choice
{
	char	   *text;			/* what goes in the path or query, or NULL */
	bool		any_of;			/* text is a comma list for name.any_of */
	bool		piece;			/* a nanosecond range: one market day of it */
	int64		lo;				/* its inclusive bounds */
	int64		hi;
} Choice;

static const char *const timespans[] = {
	"second", "minute", "hour", "day", "week", "month", "quarter", "year"
};

/* bars per trading day of each timespan, for estimates (16 h extended session) */
static const double bars_per_day[] = {
	57600.0, 960.0, 16.0, 1.0, 1.0 / 5, 1.0 / 21, 1.0 / 63, 1.0 / 252
};

static Oid	btree_family_of(Oid typid);
static bool classify_clause(PlannerInfo *root, const PolygonEndpoint *ep, Oid relid,
							Index varno, Expr *clause, PolygonCond *cond);
static Var *strip_to_var(Node *node, Index varno);
static char *canonical_text(const PolygonParam *param, Oid type, Datum value);
static void add_to_set(ParamState *ps, const PolygonParam *param, PolygonCondValue *cv);
static void add_bound(ParamState *ps, const PolygonParam *param, PolygonCondValue *cv);
static void add_ns_bound(ParamState *ps, PolygonCondValue *cv, bool lower, bool upper,
						 bool incl);
static int	ns_range_primary(const PolygonEndpoint *ep, int p);
static bool is_range_encoding(PolygonParamEncoding e);
static bool text_range(const PolygonParam *param, ParamState *ps, StringInfo query);
static char *rfc3339_seconds(TimestampTz ts, bool round_up);
static List *ns_range_days(ParamState *ps);
static bool ns_range(const PolygonEndpoint *ep, const PolygonParam *param, ParamState *ps,
					 const Choice *piece, bool planning, StringInfo query, double *est_rows,
					 bool *settled);
static int64 bound_value(const PolygonParam *param, Oid type, Datum value, int *infinite);
static List *param_choices(const PolygonEndpoint *ep, int p, ParamState *ps, bool planning,
						   bool split_days, Oid sort_collation,
						   const PolygonRequestLimit *limit);
static List *distinct_values(List *values, Oid sort_collation);
static void check_request_count(const PolygonEndpoint *ep, double n,
								const PolygonRequestLimit *limit);
static int	timespan_index(const char *timespan);
static bool aggs_range(const PolygonParam *param, ParamState *ps, const char *timespan,
					   int multiplier, bool planning, char **from, char **to, double *est_rows,
					   bool *settled);
static PolygonRequest *render_request(const PolygonEndpoint *ep, List **choices, int *pick,
									  ParamState *states, bool planning);

/*
 * polygon_op_name
 *		"=", "IN", "<", ... for messages.
 */
const char *
polygon_op_name(PolygonPushOp op)
{
	switch (op)
	{
		case PPO_EQ:
			return "=";
		case PPO_IN:
			return "IN";
		case PPO_LT:
			return "<";
		case PPO_LE:
			return "<=";
		case PPO_GT:
			return ">";
		case PPO_GE:
			return ">=";
	}
	return "?";
}

/*
 * btree_family_of
 *		The btree operator family of a type's default opclass.
 */
static Oid
btree_family_of(Oid typid)
{
	Oid			opclass = GetDefaultOpClass(typid, BTREE_AM_OID);

	return OidIsValid(opclass) ? get_opclass_family(opclass) : InvalidOid;
}

/*
 * strip_to_var
 *		The Var of the scanned relation under node's binary-compatible
 *		relabelings, or NULL.
 */
static Var *
strip_to_var(Node *node, Index varno)
{
	while (node && IsA(node, RelabelType))
		node = (Node *) ((RelabelType *) node)->arg;
	if (node && IsA(node, Var) &&
		((Var *) node)->varno == (int) varno && ((Var *) node)->varlevelsup == 0 &&
		((Var *) node)->varattno > 0)
		return (Var *) node;
	return NULL;
}

/*
 * polygon_classify_conditions
 *		The conditions among clauses (bare expressions, in scan order) that
 *		push down into parameters of ep, as a List of PolygonCond.
 */
List *
polygon_classify_conditions(PlannerInfo *root, RelOptInfo *baserel,
							const PolygonEndpoint *ep, Oid relid, List *clauses)
{
	List	   *conds = NIL;
	ListCell   *lc;
	int			i = 0;

	foreach(lc, clauses)
	{
		PolygonCond cond;

		if (classify_clause(root, ep, relid, baserel->relid, (Expr *) lfirst(lc), &cond))
		{
			PolygonCond *c = palloc(sizeof(PolygonCond));

			*c = cond;
			c->clause = i;
			conds = lappend(conds, c);
		}
		i++;
	}
	return conds;
}

/*
 * param_takes_type
 *		Whether a value of type typid is what a parameter of this encoding
 *		reads.  A hand-made table may declare a column with another type
 *		(ticker integer): a condition on it then filters locally only.
 */
static bool
param_takes_type(PolygonParamEncoding encoding, Oid typid)
{
	switch (encoding)
	{
		case PPE_TEXT:
		case PPE_TEXT_ANY_OF:
		case PPE_TIMESPAN:
			return typid == TEXTOID;
		case PPE_POSITIVE_INT:
			return typid == INT2OID || typid == INT4OID || typid == INT8OID;
		case PPE_BOOL:
			return typid == BOOLOID;
		case PPE_DATE:
		case PPE_DATE_EACH:
		case PPE_DATE_RANGE:
			return typid == DATEOID;
		case PPE_AGGS_RANGE:
		case PPE_NS_RANGE:
		case PPE_TS_TEXT_RANGE:
			return true;		/* checked by the caller */
	}
	return false;
}

/*
 * classify_clause
 *		Whether clause pushes down, and how.
 */
static bool
classify_clause(PlannerInfo *root, const PolygonEndpoint *ep, Oid relid, Index varno,
				Expr *clause, PolygonCond *cond)
{
	Var		   *var = NULL;
	Node	   *other = NULL;
	Oid			opno = InvalidOid;
	Oid			inputcollid = InvalidOid;
	bool		is_array = false;
	char	   *colname;
	int			p;
	const PolygonParam *param;
	Oid			family;
	int			strategy;
	Oid			valtype;
	Oid			coltype;
	Node	   *coltype_node = NULL;

	if (IsA(clause, OpExpr) && list_length(((OpExpr *) clause)->args) == 2)
	{
		OpExpr	   *op = (OpExpr *) clause;

		opno = op->opno;
		inputcollid = op->inputcollid;
		if ((var = strip_to_var(linitial(op->args), varno)) != NULL)
		{
			coltype_node = linitial(op->args);
			other = lsecond(op->args);
		}
		else if ((var = strip_to_var(lsecond(op->args), varno)) != NULL)
		{
			coltype_node = lsecond(op->args);
			other = linitial(op->args);
			opno = get_commutator(opno);
			if (!OidIsValid(opno))
				return false;
		}
		else
			return false;
	}
	else if (IsA(clause, ScalarArrayOpExpr))
	{
		ScalarArrayOpExpr *saop = (ScalarArrayOpExpr *) clause;

		if (!saop->useOr ||
			(var = strip_to_var(linitial(saop->args), varno)) == NULL)
			return false;
		coltype_node = linitial(saop->args);
		opno = saop->opno;
		inputcollid = saop->inputcollid;
		other = lsecond(saop->args);
		is_array = true;
	}
	else if ((var = strip_to_var((Node *) clause, varno)) != NULL &&
			 var->vartype == BOOLOID)
	{
		/* WHERE flag */
		coltype_node = (Node *) var;
		other = (Node *) makeBoolConst(true, false);
		opno = BooleanEqualOperator;
	}
	else if (is_notclause(clause) &&
			 (var = strip_to_var((Node *) get_notclausearg(clause), varno)) != NULL &&
			 var->vartype == BOOLOID)
	{
		/* WHERE NOT flag */
		coltype_node = (Node *) var;
		other = (Node *) makeBoolConst(false, false);
		opno = BooleanEqualOperator;
	}
	else
		return false;

	/*
	 * The value must be computable before the scan starts: it may use other
	 * relations (a join clause of a parameterized scan: their current row
	 * is a parameter then), never this one, and nothing volatile.
	 */
	if (bms_is_member((int) varno, pull_varnos(root, other)) ||
		contain_volatile_functions(other))
		return false;

	/* the column as the operator sees it (varchar is compared as text) */
	coltype = exprType(coltype_node);
	colname = get_attname(relid, var->varattno, false);
	p = polygon_endpoint_param(ep, colname);
	if (p < 0)
		return false;
	param = &ep->params[p];

	/* text equality must mean byte equality */
	if (OidIsValid(inputcollid) && !get_collation_isdeterministic(inputcollid))
		return false;

	family = btree_family_of(coltype);
	if (!OidIsValid(family))
		return false;
	strategy = get_op_opfamily_strategy(opno, family);
	valtype = exprType(other);
	if (is_array)
		valtype = get_element_type(valtype);
	if (!OidIsValid(valtype))
		return false;

	switch (strategy)
	{
		case BTEqualStrategyNumber:
			if (is_array ? !(param->flags & PPF_IN) : !(param->flags & PPF_EQ))
				return false;
			cond->op = is_array ? PPO_IN : PPO_EQ;
			break;
		case BTLessStrategyNumber:
		case BTLessEqualStrategyNumber:
		case BTGreaterStrategyNumber:
		case BTGreaterEqualStrategyNumber:
			if (is_array || !(param->flags & PPF_RANGE))
				return false;
			cond->op = strategy == BTLessStrategyNumber ? PPO_LT :
				strategy == BTLessEqualStrategyNumber ? PPO_LE :
				strategy == BTGreaterStrategyNumber ? PPO_GT : PPO_GE;
			break;
		default:
			return false;
	}

	/* values we can write exactly into the request */
	if (param->encoding == PPE_AGGS_RANGE || param->encoding == PPE_TS_TEXT_RANGE ||
		(param->encoding == PPE_NS_RANGE && coltype == TIMESTAMPTZOID))
	{
		if (cond->op == PPO_IN ||
			(valtype != TIMESTAMPTZOID && valtype != TIMESTAMPOID && valtype != DATEOID))
			return false;
	}
	else if (param->encoding == PPE_NS_RANGE)
	{
		if (cond->op == PPO_IN || coltype != INT8OID ||
			(valtype != INT8OID && valtype != INT4OID && valtype != INT2OID))
			return false;
	}
	else if (valtype != coltype || !param_takes_type(param->encoding, coltype))
		return false;

	cond->param = p;
	cond->value = (Expr *) other;
	return true;
}

/*
 * canonical_text
 *		The text a value takes in a request, checked for the parameter.
 */
static char *
canonical_text(const PolygonParam *param, Oid type, Datum value)
{
	char	   *str;

	switch (param->encoding)
	{
		case PPE_TEXT:
		case PPE_TEXT_ANY_OF:
			str = TextDatumGetCString(value);
			if (str[0] == '\0')
				ereport(ERROR,
						(errcode(ERRCODE_FDW_INVALID_ATTRIBUTE_VALUE),
						 errmsg("%s must not be empty", param->column),
						 errdetail("An empty %s would change the request%s.", param->column,
								   (param->flags & PPF_PATH) ? "'s path" : ""),
						 errhint("Tickers are symbols such as 'AAPL' (case-sensitive).")));
			return str;

		case PPE_TIMESPAN:
			str = TextDatumGetCString(value);
			if (timespan_index(str) < 0)
				ereport(ERROR,
						(errcode(ERRCODE_FDW_INVALID_ATTRIBUTE_VALUE),
						 errmsg("invalid timespan \"%s\"", str),
						 errhint("Valid timespans are: second, minute, hour, day, week, month, quarter, year.")));
			return str;

		case PPE_POSITIVE_INT:
			{
				int64		v = (type == INT8OID) ? DatumGetInt64(value) :
				(type == INT2OID) ? DatumGetInt16(value) : DatumGetInt32(value);

				if (v <= 0)
					ereport(ERROR,
							(errcode(ERRCODE_FDW_INVALID_ATTRIBUTE_VALUE),
							 errmsg("%s must be a positive integer, not " INT64_FORMAT,
									param->column, v)));
				return psprintf(INT64_FORMAT, v);
			}

		case PPE_BOOL:
			return pstrdup(DatumGetBool(value) ? "true" : "false");

		case PPE_DATE:
		case PPE_DATE_EACH:
			if (DATE_NOT_FINITE(DatumGetDateADT(value)))
				ereport(ERROR,
						(errcode(ERRCODE_FDW_INVALID_ATTRIBUTE_VALUE),
						 errmsg("%s must be a finite date", param->column)));
			return date_to_iso(DatumGetDateADT(value));

		case PPE_AGGS_RANGE:
		case PPE_NS_RANGE:
		case PPE_DATE_RANGE:
		case PPE_TS_TEXT_RANGE:
			break;
	}
	elog(ERROR, "parameter \"%s\" takes no single value", param->name);
	return NULL;				/* keep compiler quiet */
}

/*
 * add_to_set
 *		Narrow the allowed values of a parameter by an = or IN condition.
 */
static void
add_to_set(ParamState *ps, const PolygonParam *param, PolygonCondValue *cv)
{
	List	   *values = NIL;

	if (!cv->known)
	{
		ps->set_unknown = true;
		if (cv->op == PPO_IN)
			ps->set_many_unknown = true;
		if (!ps->has_set)
		{
			ps->has_set = true;
			ps->set = list_make1(pstrdup("?"));
		}
		return;
	}
	if (cv->isnull)
	{
		ps->empty = true;		/* col = NULL is never true */
		return;
	}
	if (cv->op == PPO_IN)
	{
		ArrayType  *arr = DatumGetArrayTypeP(cv->value);
		Datum	   *elems;
		bool	   *nulls;
		int			n;
		int16		typlen;
		bool		typbyval;
		char		typalign;

		get_typlenbyvalalign(cv->type, &typlen, &typbyval, &typalign);
		deconstruct_array(arr, cv->type, typlen, typbyval, typalign, &elems, &nulls, &n);
		for (int i = 0; i < n; i++)
		{
			if (!nulls[i])
				values = lappend(values, canonical_text(param, cv->type, elems[i]));
			CHECK_FOR_INTERRUPTS();
		}
	}
	else
		values = list_make1(canonical_text(param, cv->type, cv->value));

	if (!ps->has_set || (ps->set_unknown && list_length(ps->set) == 1 &&
						 strcmp(linitial(ps->set), "?") == 0))
	{
		ps->has_set = true;
		ps->set = values;
	}
	else
	{
		List	   *kept = NIL;
		ListCell   *a;
		ListCell   *b;

		foreach(a, ps->set)
		{
			CHECK_FOR_INTERRUPTS();
			foreach(b, values)
			{
				if (strcmp(lfirst(a), lfirst(b)) == 0)
				{
					kept = lappend(kept, lfirst(a));
					break;
				}
			}
		}
		ps->set = kept;
	}
	if (ps->set == NIL)
		ps->empty = true;
}

/*
 * bound_value
 *		A range bound as TimestampTz (AGGS_RANGE) or DateADT (dates).
 *		*infinite is -1 for -infinity, +1 for +infinity, else 0.
 */
static int64
bound_value(const PolygonParam *param, Oid type, Datum value, int *infinite)
{
	*infinite = 0;
	if (param->encoding == PPE_AGGS_RANGE || param->encoding == PPE_TS_TEXT_RANGE)
	{
		TimestampTz ts;

		if (type == DATEOID)
			ts = DatumGetTimestampTz(DirectFunctionCall1(date_timestamptz, value));
		else if (type == TIMESTAMPOID)
			ts = DatumGetTimestampTz(DirectFunctionCall1(timestamp_timestamptz, value));
		else
			ts = DatumGetTimestampTz(value);
		if (TIMESTAMP_IS_NOBEGIN(ts))
			*infinite = -1;
		else if (TIMESTAMP_IS_NOEND(ts))
			*infinite = 1;
		return ts;
	}
	else
	{
		DateADT		d = DatumGetDateADT(value);

		if (DATE_IS_NOBEGIN(d))
			*infinite = -1;
		else if (DATE_IS_NOEND(d))
			*infinite = 1;
		return d;
	}
}

/*
 * add_ns_bound
 *		Narrow a nanosecond range (kept as inclusive bounds) by a comparison
 *		on ts or on a bigint nanosecond column.
 *
 * ts is the nanosecond time floored to the microsecond, so ts >= X means
 * ns >= X * 1000 and ts <= X means ns <= X * 1000 + 999.
 */
static void
add_ns_bound(ParamState *ps, PolygonCondValue *cv, bool lower, bool upper, bool incl)
{
	int64		lo;
	int64		hi;

	if (cv->type == INT8OID || cv->type == INT4OID || cv->type == INT2OID)
	{
		int64		n = cv->type == INT8OID ? DatumGetInt64(cv->value) :
		cv->type == INT4OID ? DatumGetInt32(cv->value) : DatumGetInt16(cv->value);

		/* exclusive bounds become inclusive ones, if they can */
		if ((lower && !incl && n == PG_INT64_MAX) || (upper && !incl && n == PG_INT64_MIN))
		{
			ps->empty = true;
			return;
		}
		lo = incl ? n : n + 1;
		hi = incl ? n : n - 1;
	}
	else
	{
		int			infinite;
		TimestampTz ts;
		int64		us;

		ts = (TimestampTz) bound_value(&(PolygonParam) {.encoding = PPE_AGGS_RANGE},
									   cv->type, cv->value, &infinite);
		if ((infinite > 0 && lower) || (infinite < 0 && upper))
		{
			ps->empty = true;
			return;
		}
		if (infinite != 0)
			return;				/* ts > -infinity, ts < +infinity: no bound */
		if (ts > PG_INT64_MAX / 1000 - TAPE_UNIX_EPOCH_US)
			ts = PG_INT64_MAX / 1000 - TAPE_UNIX_EPOCH_US;	/* far beyond 2262 anyway */
		us = ts + TAPE_UNIX_EPOCH_US;
		if (!incl)
			us += lower ? 1 : -1;	/* ts > X is ts >= X + 1 us */
		/* beyond the nanosecond range of int64 (years 1677 to 2262) */
		if (us >= PG_INT64_MAX / 1000 - 1)
		{
			if (lower)
			{
				ps->empty = true;
				return;
			}
			upper = false;
		}
		if (us <= PG_INT64_MIN / 1000 + 1)
		{
			if (upper)
			{
				ps->empty = true;
				return;
			}
			lower = false;
		}
		lo = us * 1000;
		hi = us * 1000 + 999;
	}

	if (lower && (!ps->has_lower || lo > ps->lower))
	{
		ps->has_lower = true;
		ps->lower = lo;
		ps->lower_incl = true;
	}
	if (upper && (!ps->has_upper || hi < ps->upper))
	{
		ps->has_upper = true;
		ps->upper = hi;
		ps->upper_incl = true;
	}
	if (ps->has_lower && ps->has_upper && !ps->lower_unknown && !ps->upper_unknown &&
		ps->lower > ps->upper)
		ps->empty = true;
}

/*
 * add_bound
 *		Narrow the range of a parameter by a comparison.
 */
static void
add_bound(ParamState *ps, const PolygonParam *param, PolygonCondValue *cv)
{
	bool		lower = (cv->op == PPO_GT || cv->op == PPO_GE || cv->op == PPO_EQ);
	bool		upper = (cv->op == PPO_LT || cv->op == PPO_LE || cv->op == PPO_EQ);
	bool		incl = (cv->op == PPO_GE || cv->op == PPO_LE || cv->op == PPO_EQ);
	int			infinite;
	int64		v;

	if (!cv->known)
	{
		if (lower)
			ps->has_lower = ps->lower_unknown = true;
		if (upper)
			ps->has_upper = ps->upper_unknown = true;
		return;
	}
	if (cv->isnull)
	{
		ps->empty = true;
		return;
	}
	if (param->encoding == PPE_NS_RANGE)
	{
		add_ns_bound(ps, cv, lower, upper, incl);
		return;
	}
	v = bound_value(param, cv->type, cv->value, &infinite);

	if (lower)
	{
		if (infinite > 0)
			ps->empty = true;	/* col >= +infinity */
		else if (infinite == 0 &&
				 (!ps->has_lower || v > ps->lower || (v == ps->lower && !incl)))
		{
			ps->has_lower = true;
			ps->lower = v;
			ps->lower_incl = incl;
		}
	}
	if (upper)
	{
		if (infinite < 0)
			ps->empty = true;	/* col <= -infinity */
		else if (infinite == 0 &&
				 (!ps->has_upper || v < ps->upper || (v == ps->upper && !incl)))
		{
			ps->has_upper = true;
			ps->upper = v;
			ps->upper_incl = incl;
		}
	}
}

static int
timespan_index(const char *timespan)
{
	for (int i = 0; i < (int) lengthof(timespans); i++)
	{
		if (strcmp(timespans[i], timespan) == 0)
			return i;
	}
	return -1;
}

/* floor and ceiling of a / b for b > 0 */
static inline int64
floor_div(int64 a, int64 b)
{
	return (a >= 0) ? a / b : -((-a + b - 1) / b);
}

static inline int64
ceil_div(int64 a, int64 b)
{
	return -floor_div(-a, b);
}

/*
 * aggs_range
 *		The {from}/{to} path segments of the aggregates endpoint.
 *
 * The bars returned have a start time t with from <= t <= to.  Returns false
 * when there is nothing to fetch yet (the range starts in the future).
 */
static bool
aggs_range(const PolygonParam *param, ParamState *ps, const char *timespan,
		   int multiplier, bool planning, char **from, char **to, double *est_rows,
		   bool *settled)
{
	int			ti = timespan_index(timespan);
	bool		intraday = (ti >= 0 && ti <= 2);
	TimestampTz now = GetCurrentTimestamp();
	double		days;

	if (ti < 0)
		ti = 1;					/* planning with an unknown timespan */

	if (!ps->has_lower && intraday && !planning)
		ereport(ERROR,
				(errcode(ERRCODE_FDW_DYNAMIC_PARAMETER_VALUE_NEEDED),
				 errmsg("a lower bound on ts is required for %s bars", timespan),
				 errdetail("Without one the whole history of the ticker would be downloaded."),
				 errhint("Add a condition such as ts >= '2024-01-02' (and ts < ... for an end).")));

	if (ps->lower_unknown || ps->upper_unknown || (!ps->has_lower && intraday))
	{
		/* planning: assume one trading day */
		*from = pstrdup("?");
		*to = pstrdup("?");
		*est_rows = bars_per_day[ti] / multiplier;
		return true;
	}

	/*
	 * Bounds in the wrong order select nothing, however far apart; a range
	 * that starts in the future or ends before 1970 has nothing yet.  Past
	 * these checks no bound is absurd: the lower one is clamped to 1970, the
	 * upper one to now.
	 */
	if (ps->has_lower && ps->has_upper &&
		(ps->lower > ps->upper ||
		 (ps->lower == ps->upper && !(ps->lower_incl && ps->upper_incl))))
		goto empty_range;
	if ((ps->has_lower && ps->lower > now) ||
		(ps->has_upper && ps->upper < market_midnight(EARLIEST_MARKET_DATE)))
		return false;

	if (intraday)
	{
		int64		now_ms = floor_div(now + TAPE_UNIX_EPOCH_US, 1000);
		int64		from_ms;
		int64		to_ms;

		from_ms = ps->lower_incl ? ceil_div(ps->lower + TAPE_UNIX_EPOCH_US, 1000)
			: floor_div(ps->lower + TAPE_UNIX_EPOCH_US, 1000) + 1;
		if (ps->has_upper && ps->upper <= now)
		{
			to_ms = ps->upper_incl ? floor_div(ps->upper + TAPE_UNIX_EPOCH_US, 1000)
				: ceil_div(ps->upper + TAPE_UNIX_EPOCH_US, 1000) - 1;
			if (from_ms > to_ms)
				goto empty_range;
		}
		else
			to_ms = now_ms;
		if (from_ms < 0)
			from_ms = 0;
		if (from_ms > now_ms || from_ms > to_ms)
			return false;		/* nothing has happened yet */
		to_ms = Min(to_ms, now_ms);
		*settled = to_ms < floor_div(market_midnight(market_date_of(now)) + TAPE_UNIX_EPOCH_US, 1000);
		*from = psprintf(INT64_FORMAT, from_ms);
		*to = psprintf(INT64_FORMAT, to_ms);
		days = (double) (to_ms - from_ms + 1) / (1000.0 * 86400.0);
	}
	else
	{
		DateADT		today = market_date_of(now);
		DateADT		from_d;
		DateADT		to_d;

		if (ps->has_lower && ps->lower >= market_midnight(EARLIEST_MARKET_DATE))
		{
			DateADT		d0 = market_date_of(ps->lower);

			from_d = (ps->lower_incl && market_midnight(d0) == ps->lower) ? d0 : d0 + 1;
		}
		else
			from_d = EARLIEST_MARKET_DATE;
		if (ps->has_upper && ps->upper <= now)
		{
			DateADT		d0 = market_date_of(ps->upper);

			to_d = (ps->upper_incl || market_midnight(d0) < ps->upper) ? d0 : d0 - 1;
			if (from_d > to_d && ps->has_lower)
				goto empty_range;
		}
		else
			to_d = today;
		if (from_d > today || from_d > to_d)
			return false;
		to_d = Min(to_d, today);
		*settled = to_d < today;
		*from = date_to_iso(from_d);
		*to = date_to_iso(to_d);
		days = to_d - from_d + 1;
	}
	/* about 252 trading days in 365 */
	*est_rows = Max(1.0, ceil(days * 252.0 / 365.0) * bars_per_day[ti] / multiplier);
	return true;

empty_range:
	ereport(ERROR,
			(errcode(ERRCODE_FDW_INVALID_ATTRIBUTE_VALUE),
			 errmsg("the conditions on ts select an empty range"),
			 errdetail("No %s bar can start %s %s and %s %s.", timespan,
					   ps->lower_incl ? "at or after" : "after",
					   pstrdup(timestamptz_to_str(ps->lower)),
					   ps->upper_incl ? "at or before" : "before",
					   pstrdup(timestamptz_to_str(ps->upper))),
			 errhint("Check the order of the bounds.")));
	return false;				/* keep compiler quiet */
}

/* Unix nanoseconds of a timestamptz */
static inline int64
unix_ns(TimestampTz ts)
{
	return (ts + TAPE_UNIX_EPOCH_US) * 1000;
}

/* the New York date of a time in Unix nanoseconds (not before 1970) */
static inline DateADT
market_date_of_ns(int64 ns)
{
	return market_date_of((TimestampTz) (ns / 1000 - TAPE_UNIX_EPOCH_US));
}

/*
 * ns_range_primary
 *		The first nanosecond-range parameter of the same API name as p: the
 *		one whose state holds the merged range.
 */
static int
ns_range_primary(const PolygonEndpoint *ep, int p)
{
	for (int i = 0; i < p; i++)
	{
		if (ep->params[i].encoding == PPE_NS_RANGE &&
			strcmp(ep->params[i].name, ep->params[p].name) == 0)
			return i;
	}
	return p;
}

/*
 * ns_range
 *		Append name.gte / name.lte of a nanosecond range to query, and
 *		estimate its rows.  Returns false when there is nothing to fetch (the
 *		range starts in the future).
 */
static bool
ns_range(const PolygonEndpoint *ep, const PolygonParam *param, ParamState *ps,
		 const Choice *piece, bool planning, StringInfo query, double *est_rows, bool *settled)
{
	int64		now_ns = unix_ns(GetCurrentTimestamp());
	int64		lo;
	int64		hi;
	double		seconds;

	if (!ps->has_lower && !planning)
		ereport(ERROR,
				(errcode(ERRCODE_FDW_DYNAMIC_PARAMETER_VALUE_NEEDED),
				 errmsg("a lower bound on ts is required for %s", ep->name),
				 errdetail("Without one the whole history of the ticker would be downloaded."),
				 errhint("Add a condition such as ts >= '2024-01-02 09:30' (and ts < ... for an end).")));

	if (!ps->has_lower || ps->lower_unknown || ps->upper_unknown)
	{
		/* planning: assume a capture window of 15 minutes */
		appendStringInfo(query, "%s%s.gte={?}&%s.lte={?}", query->len ? "&" : "",
						 param->name, param->name);
		*est_rows = Max(1.0, ep->est_per_day * 15.0 / (16.0 * 60.0));
		return true;
	}
	lo = piece->piece ? piece->lo : Max(ps->lower, 0);
	hi = piece->piece ? piece->hi : ps->has_upper ? ps->upper : now_ns;
	if (lo > now_ns || lo > hi)
		return false;			/* nothing has happened yet */
	appendStringInfo(query, "%s%s.gte=" INT64_FORMAT "&%s.lte=" INT64_FORMAT,
					 query->len ? "&" : "", param->name, lo, param->name, hi);
	*settled = (ps->has_upper || piece->piece) &&
		hi < unix_ns(market_midnight(market_date_of(GetCurrentTimestamp())));

	/* a whole day for a range of a day or more, else its share of 16 hours */
	seconds = ((double) Min(hi, now_ns) - (double) lo) / 1e9;
	if (seconds >= 86400.0)
		*est_rows = ceil(seconds / 86400.0 * 252.0 / 365.0) * ep->est_per_day;
	else
		*est_rows = Max(1.0, ep->est_per_day * Min(1.0, seconds / (16.0 * 3600.0)));
	return true;
}

/* most pieces a range is cut into: longer ranges get pieces of several days */
#define MAX_RANGE_PIECES 32

/* the weekday after day */
static DateADT
next_weekday(DateADT day)
{
	do
		day++;
	while (market_day_of_week(day) == 0 || market_day_of_week(day) == 6);
	return day;
}

/*
 * ns_range_days
 *		Cut a known nanosecond range into one piece per market day, so the
 *		pieces can be asked for at the same time.  A day runs from midnight
 *		New York to the next weekday's midnight: a weekend joins the Friday
 *		before it, so no request asks for a weekend alone.  A range of more
 *		than MAX_RANGE_PIECES weekdays is cut into that many pieces of whole
 *		days instead, so a long range of a quiet ticker costs few requests.
 *		Returns NIL when the range is within one day or not known.
 */
static List *
ns_range_days(ParamState *ps)
{
	int64		now_ns = unix_ns(GetCurrentTimestamp());
	int64		lo;
	int64		hi;
	DateADT		day;
	DateADT		last;
	int			ndays = 0;
	int			days_per_piece;
	List	   *pieces = NIL;

	if (!ps->has_lower || ps->lower_unknown || ps->upper_unknown)
		return NIL;
	lo = Max(ps->lower, 0);
	hi = ps->has_upper ? Min(ps->upper, now_ns) : now_ns;
	if (lo > hi)
		return NIL;
	day = market_date_of_ns(lo);
	last = market_date_of_ns(hi);
	for (DateADT d = day; d < last; d = next_weekday(d))
		ndays++;
	days_per_piece = ndays / MAX_RANGE_PIECES + 1;
	while (lo <= hi)
	{
		Choice	   *c = palloc0(sizeof(Choice));
		DateADT		next = day;
		int64		next_ns;

		for (int i = 0; i < days_per_piece; i++)
			next = next_weekday(next);
		next_ns = unix_ns(market_midnight(next));
		c->piece = true;
		c->lo = lo;
		c->hi = Min(hi, next_ns - 1);
		pieces = lappend(pieces, c);
		lo = next_ns;
		day = next;
		CHECK_FOR_INTERRUPTS();
	}
	if (list_length(pieces) < 2)
		return NIL;
	return pieces;
}

/* parameters whose conditions make a range rather than a set of values */
static bool
is_range_encoding(PolygonParamEncoding e)
{
	return e == PPE_AGGS_RANGE || e == PPE_NS_RANGE || e == PPE_DATE_RANGE ||
		e == PPE_TS_TEXT_RANGE;
}

/*
 * text_range
 *		Append name= (one date) or name.gte / name.lte of a date or time
 *		range to query.  Times go as RFC 3339 UTC whole seconds, widened
 *		outwards: the local filter keeps the exact bounds.  Returns false
 *		when the range is empty.
 */
static bool
text_range(const PolygonParam *param, ParamState *ps, StringInfo query)
{
	const char *sep = query->len ? "&" : "";

	if (ps->lower_unknown || ps->upper_unknown)
	{
		if (ps->has_lower)
			appendStringInfo(query, "%s%s.gte={?}", sep, param->name);
		if (ps->has_upper)
			appendStringInfo(query, "%s%s.lte={?}", ps->has_lower || query->len ? "&" : "",
							 param->name);
		return true;
	}
	if (param->encoding == PPE_DATE_RANGE)
	{
		DateADT		lo = ps->has_lower ? (ps->lower_incl ? ps->lower : ps->lower + 1) : 0;
		DateADT		hi = ps->has_upper ? (ps->upper_incl ? ps->upper : ps->upper - 1) : 0;
		bool		has_lower = ps->has_lower;
		bool		has_upper = ps->has_upper;

		if (has_lower && has_upper && lo > hi)
			return false;
		/* nothing before 1970 or after 9999: absurd bounds are dropped */
		if ((has_lower && lo > LATEST_DATE) || (has_upper && hi < EARLIEST_MARKET_DATE))
			return false;
		if (has_lower && lo < EARLIEST_MARKET_DATE)
			lo = EARLIEST_MARKET_DATE;
		if (has_upper && hi > LATEST_DATE)
			has_upper = false;
		if (has_lower && has_upper && lo == hi)
			appendStringInfo(query, "%s%s=%s", sep, param->name, date_to_iso(lo));
		else
		{
			if (has_lower)
				appendStringInfo(query, "%s%s.gte=%s", sep, param->name, date_to_iso(lo));
			if (has_upper)
				appendStringInfo(query, "%s%s.lte=%s", query->len ? "&" : "", param->name,
								 date_to_iso(hi));
		}
		return true;
	}
	else
	{
		TimestampTz earliest = (TimestampTz) EARLIEST_MARKET_DATE * USECS_PER_DAY;
		TimestampTz latest = (TimestampTz) (LATEST_DATE + 1) * USECS_PER_DAY - USECS_PER_SEC;

		if (ps->has_lower && ps->has_upper &&
			(ps->lower > ps->upper || (ps->lower == ps->upper && !(ps->lower_incl && ps->upper_incl))))
			return false;
		if ((ps->has_lower && ps->lower > latest) || (ps->has_upper && ps->upper < earliest))
			return false;
		if (ps->has_lower)
			appendStringInfo(query, "%s%s.gte=%s", sep, param->name,
							 rfc3339_seconds(Max(ps->lower, earliest), false));
		if (ps->has_upper && ps->upper <= latest)
			appendStringInfo(query, "%s%s.lte=%s", query->len ? "&" : "", param->name,
							 rfc3339_seconds(ps->upper, true));
		return true;
	}
}

/*
 * rfc3339_seconds
 *		"2025-10-02T16:20:00Z" of a timestamptz, rounded down (or up) to the
 *		second.
 */
static char *
rfc3339_seconds(TimestampTz ts, bool round_up)
{
	struct pg_tm tm;
	fsec_t		fsec;
	TimestampTz t = ts - (ts % USECS_PER_SEC + USECS_PER_SEC) % USECS_PER_SEC;

	if (round_up && t != ts)
		t += USECS_PER_SEC;
	if (timestamp2tm(t, NULL, &tm, &fsec, NULL, NULL) != 0)
		ereport(ERROR,
				(errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
				 errmsg("timestamp out of range")));
	return psprintf("%04d-%02d-%02dT%02d:%02d:%02dZ", tm.tm_year, tm.tm_mon, tm.tm_mday,
					tm.tm_hour, tm.tm_min, tm.tm_sec);
}

/*
 * weekdays_between
 *		The number of Mondays to Fridays from from_d to to_d, both included.
 */
static double
weekdays_between(DateADT from_d, DateADT to_d)
{
	double		weeks = floor((to_d - from_d + 1) / 7.0);
	double		n = weeks * 5;

	for (DateADT d = from_d + (DateADT) (weeks * 7); d <= to_d; d++)
	{
		int			dow = market_day_of_week(d);

		n += (dow != 0 && dow != 6);
	}
	return n;
}

/*
 * check_request_count
 *		Refuse a scan that would send more than the server's
 *		max_scan_requests first requests: at plan time when the values are
 *		constants, before any request otherwise.
 */
static void
check_request_count(const PolygonEndpoint *ep, double n, const PolygonRequestLimit *limit)
{
	if (n > limit->max_requests)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("a scan of endpoint \"%s\" would send %.0f requests", ep->name, n),
				 errdetail("Server \"%s\" allows at most %d requests per scan (option max_scan_requests), next_url pages not counted.",
						   limit->servername, limit->max_requests),
				 errhint("Narrow the conditions (fewer tickers, a shorter range of dates), or raise the limit with ALTER SERVER %s OPTIONS (ADD max_scan_requests '...').",
						 quote_identifier(limit->servername))));
}

/* qsort_arg comparators of distinct_values */
typedef struct IndexedValue
{
	char	   *text;
	int			index;			/* position in the list */
} IndexedValue;

static int
compare_bytes(const void *a, const void *b, void *arg)
{
	const IndexedValue *x = a;
	const IndexedValue *y = b;
	int			c = strcmp(x->text, y->text);

	return c != 0 ? c : (x->index > y->index) - (x->index < y->index);
}

static int
compare_collated(const void *a, const void *b, void *arg)
{
	const IndexedValue *x = a;
	const IndexedValue *y = b;

	CHECK_FOR_INTERRUPTS();
	return varstr_cmp(x->text, strlen(x->text), y->text, strlen(y->text),
					  *(Oid *) arg);
}

static int
compare_index(const void *a, const void *b, void *arg)
{
	return (((const IndexedValue *) a)->index > ((const IndexedValue *) b)->index) -
		(((const IndexedValue *) a)->index < ((const IndexedValue *) b)->index);
}

/*
 * distinct_values
 *		The strings of values without repeats: in the order of sort_collation
 *		when it is valid, else in their first order.  O(n log n), so a long
 *		IN list plans fast.  Under a deterministic collation (the only kind
 *		that pushes down) equal strings are equal bytes.
 */
static List *
distinct_values(List *values, Oid sort_collation)
{
	int			n = list_length(values);
	IndexedValue *arr;
	int			k = 0;
	List	   *result = NIL;
	ListCell   *lc;

	if (n < 2)
		return values;
	arr = palloc(sizeof(IndexedValue) * n);
	foreach(lc, values)
	{
		arr[k].text = lfirst(lc);
		arr[k].index = k;
		k++;
	}
	qsort_arg(arr, n, sizeof(IndexedValue), compare_bytes, NULL);
	k = 0;
	for (int i = 0; i < n; i++)
	{
		if (i == 0 || strcmp(arr[i].text, arr[k - 1].text) != 0)
			arr[k++] = arr[i];
	}
	if (OidIsValid(sort_collation))
		qsort_arg(arr, k, sizeof(IndexedValue), compare_collated, &sort_collation);
	else
		qsort_arg(arr, k, sizeof(IndexedValue), compare_index, NULL);
	for (int i = 0; i < k; i++)
		result = lappend(result, arr[i].text);
	pfree(arr);
	return result;
}

/*
 * param_choices
 *		The values parameter p takes across the requests, as a List of Choice.
 *		NIL means no request can satisfy the conditions.
 */
static List *
param_choices(const PolygonEndpoint *ep, int p, ParamState *ps, bool planning,
			  bool split_days, Oid sort_collation, const PolygonRequestLimit *limit)
{
	const PolygonParam *param = &ep->params[p];
	List	   *choices = NIL;
	Choice	   *c;
	ListCell   *lc;

	if (ps->empty)
		return NIL;

	if (param->encoding == PPE_NS_RANGE && split_days && !planning &&
		ns_range_primary(ep, p) == p && (choices = ns_range_days(ps)) != NIL)
		return choices;
	if (is_range_encoding(param->encoding))
	{
		/* rendered per request (aggregates: once the timespan is known) */
		c = palloc0(sizeof(Choice));
		return list_make1(c);
	}

	if (param->encoding == PPE_DATE_EACH && !ps->has_set)
	{
		DateADT		today = market_date_of(GetCurrentTimestamp());
		DateADT		from_d;
		DateADT		to_d;

		if (!ps->has_lower)
		{
			if (planning)
				return list_make1(palloc0(sizeof(Choice)));
			ereport(ERROR,
					(errcode(ERRCODE_FDW_DYNAMIC_PARAMETER_VALUE_NEEDED),
					 errmsg("a lower bound on %s is required", param->column),
					 errhint("Add a condition such as %s >= '2024-01-02' or %s = '2024-01-02'.",
							 param->column, param->column)));
		}
		if (ps->lower_unknown || ps->upper_unknown)
			return list_make1(palloc0(sizeof(Choice)));
		/* no market day before the earliest date, or after today */
		from_d = ps->lower < EARLIEST_MARKET_DATE ? EARLIEST_MARKET_DATE
			: ps->lower_incl ? ps->lower : ps->lower + 1;
		to_d = !ps->has_upper || ps->upper > today ? today
			: ps->upper_incl ? ps->upper : ps->upper - 1;
		/* refuse an absurd range before listing it */
		if (to_d >= from_d)
			check_request_count(ep, weekdays_between(from_d, to_d), limit);
		for (DateADT d = from_d; d <= to_d; d++)
		{
			int			dow = market_day_of_week(d);

			CHECK_FOR_INTERRUPTS();
			if (dow == 0 || dow == 6)
				continue;		/* no session on weekends */
			c = palloc0(sizeof(Choice));
			c->text = date_to_iso(d);
			choices = lappend(choices, c);
		}
		return choices;
	}

	if (ps->has_set)
	{
		/* the first parameter sets the order of the rows: sort it; no repeats */
		List	   *values = distinct_values(ps->set, p == 0 ? sort_collation : InvalidOid);

		/* one request for every value: name.any_of=a,b,c */
		if (param->encoding == PPE_TEXT_ANY_OF && list_length(values) > 1 &&
			!ps->set_unknown)
		{
			StringInfoData list;

			initStringInfo(&list);
			foreach(lc, values)
				appendStringInfo(&list, "%s%s", list.len ? "," : "", (char *) lfirst(lc));
			c = palloc0(sizeof(Choice));
			c->text = list.data;
			c->any_of = true;
			return list_make1(c);
		}
		check_request_count(ep, list_length(values), limit);
		foreach(lc, values)
		{
			c = palloc0(sizeof(Choice));
			c->text = lfirst(lc);
			choices = lappend(choices, c);
		}
	}
	else if (param->flags & PPF_BOTH_IF_ABSENT)
	{
		c = palloc0(sizeof(Choice));
		c->text = "true";
		choices = lappend(choices, c);
		c = palloc0(sizeof(Choice));
		c->text = "false";
		choices = lappend(choices, c);
	}
	else
	{
		c = palloc0(sizeof(Choice));
		c->text = param->default_value ? pstrdup(param->default_value) : NULL;
		choices = lappend(choices, c);
	}

	return choices;
}

/*
 * render_request
 *		The request for one pick of a choice per parameter, or NULL if it
 *		would fetch nothing.
 */
static PolygonRequest *
render_request(const PolygonEndpoint *ep, List **choices, int *pick, ParamState *states,
			   bool planning)
{
	PolygonRequest *req = palloc0(sizeof(PolygonRequest));
	StringInfoData path;
	StringInfoData query;
	const char *timespan = "minute";
	int			multiplier = 1;
	char	   *from = NULL;
	char	   *to = NULL;
	int			aggs_param = -1;
	double		est = -1;

	req->colvalues = palloc0(sizeof(Datum) * ep->ncolumns);
	req->colnulls = palloc(sizeof(bool) * ep->ncolumns);
	for (int c = 0; c < ep->ncolumns; c++)
		req->colnulls[c] = true;
	req->adjusted = -1;

	for (int p = 0; p < ep->nparams; p++)
	{
		const PolygonParam *param = &ep->params[p];
		Choice	   *c = list_nth(choices[p], pick[p]);
		int			col;

		if (param->encoding == PPE_AGGS_RANGE)
		{
			aggs_param = p;
			continue;
		}
		if (is_range_encoding(param->encoding))
			continue;
		if (c->text == NULL || strcmp(c->text, "?") == 0)
			continue;
		if (param->encoding == PPE_DATE_EACH)
			req->settled = strcmp(c->text, date_to_iso(market_date_of(GetCurrentTimestamp()))) < 0;
		if (param->encoding == PPE_TIMESPAN)
			timespan = c->text;
		else if (param->encoding == PPE_POSITIVE_INT)
			multiplier = atoi(c->text);
		if (strcmp(param->name, "adjusted") == 0)
			req->adjusted = (strcmp(c->text, "true") == 0);

		/* columns that echo the parameter */
		col = polygon_endpoint_column(ep, param->column);
		if (col >= 0 && ep->columns[col].source == PCS_REQUEST)
		{
			Oid			infunc;
			Oid			ioparam;

			getTypeInputInfo(ep->columns[col].typid, &infunc, &ioparam);
			req->colvalues[col] = OidInputFunctionCall(infunc, c->text, ioparam, -1);
			req->colnulls[col] = false;
		}
	}

	if (aggs_param >= 0 &&
		!aggs_range(&ep->params[aggs_param], &states[aggs_param], timespan, multiplier,
					planning, &from, &to, &est, &req->settled))
		return NULL;

	/* the path: fill the placeholders */
	initStringInfo(&path);
	for (const char *t = ep->path; *t; t++)
	{
		const char *close;
		char	   *name;
		const char *value = NULL;

		if (*t != '{' || (close = strchr(t, '}')) == NULL)
		{
			appendStringInfoChar(&path, *t);
			continue;
		}
		name = pnstrdup(t + 1, close - t - 1);
		if (strcmp(name, "from") == 0)
			value = from;
		else if (strcmp(name, "to") == 0)
			value = to;
		else if (strcmp(name, "yyyy") == 0 || strcmp(name, "mm") == 0)
		{
			/* year and month of the date in the path of a flat file */
			for (int p = 0; p < ep->nparams; p++)
			{
				const char *d = ((Choice *) list_nth(choices[p], pick[p]))->text;

				if (ep->params[p].encoding == PPE_DATE_EACH && d && strlen(d) == 10)
					value = name[0] == 'y' ? pnstrdup(d, 4) : pnstrdup(d + 5, 2);
			}
		}
		else
		{
			for (int p = 0; p < ep->nparams; p++)
			{
				if ((ep->params[p].flags & PPF_PATH) &&
					strcmp(ep->params[p].name, name) == 0)
					value = ((Choice *) list_nth(choices[p], pick[p]))->text;
			}
		}
		if (value == NULL || strcmp(value, "?") == 0)
			appendStringInfo(&path, "{%s}", name);
		else
			polygon_append_url_encoded(&path, value, true);
		if (req->subject == NULL && value != NULL)
			req->subject = pstrdup(value);
		t = close;
	}

	/* the query: parameters in table order, then the fixed part */
	initStringInfo(&query);
	for (int p = 0; p < ep->nparams; p++)
	{
		const PolygonParam *param = &ep->params[p];
		Choice	   *c = list_nth(choices[p], pick[p]);

		if (param->flags & PPF_PATH)
			continue;
		if (param->encoding == PPE_NS_RANGE)
		{
			if (ns_range_primary(ep, p) == p &&
				!ns_range(ep, param, &states[p], c, planning, &query, &est, &req->settled))
				return NULL;
			continue;
		}
		if (param->encoding == PPE_DATE_RANGE || param->encoding == PPE_TS_TEXT_RANGE)
		{
			if (!text_range(param, &states[p], &query))
				return NULL;
			continue;
		}
		if (c->text != NULL)
		{
			appendStringInfo(&query, "%s%s%s=", query.len ? "&" : "", param->name,
							 c->any_of ? ".any_of" : "");
			if (strcmp(c->text, "?") == 0)
				appendStringInfoString(&query, "{?}");
			else
				polygon_append_url_encoded(&query, c->text, false);
		}
	}
	if (ep->fixed_query)
		appendStringInfo(&query, "%s%s", query.len ? "&" : "", ep->fixed_query);
	if (query.len > 0)
		appendStringInfo(&path, "?%s", query.data);
	req->path = path.data;

	switch (ep->estimate)
	{
		case PEST_AGGS:
			req->est_rows = est >= 0 ? est : 960.0;
			break;
		case PEST_TICKS:
			req->est_rows = est >= 0 ? est : ep->est_per_day;
			break;
		case PEST_GROUPED:
			req->est_rows = 12000.0;
			break;
		case PEST_LIST:
			req->est_rows = 5000.0;
			if (ep->nparams > 0 && states[0].has_set)
			{
				Choice	   *first = list_nth(choices[0], pick[0]);
				int			n = 1;

				if (first->any_of)
					for (const char *t = first->text; *t; t++)
						n += (*t == ',');
				req->est_rows = 10.0 * n;
			}
			break;
		case PEST_ONE:
			req->est_rows = 1.0;
			break;
	}
	return req;
}

/*
 * polygon_build_requests
 *		The request series for the evaluated conditions vals.
 *
 * When planning, values that are not known yet count as one value, unknown
 * time ranges as one day, and nothing is rejected for being absent that the
 * executor will know.  *ordered tells whether the requests come in the order
 * of the endpoint's first sort column (every parameter after the first has a
 * single value).  split_days cuts a nanosecond range of several days into one
 * request per day, for scans that keep several requests in flight.  More
 * series than limit allows is an error (the pieces of a split range count as
 * one series).
 */
List *
polygon_build_requests(const PolygonEndpoint *ep, PolygonCondValue *vals, int nvals,
					   Oid sort_collation, bool planning, bool split_days,
					   const PolygonRequestLimit *limit, bool *ordered)
{
	ParamState *states = palloc0(sizeof(ParamState) * ep->nparams);
	List	  **choices = palloc0(sizeof(List *) * ep->nparams);
	int		   *pick = palloc0(sizeof(int) * ep->nparams);
	List	   *requests = NIL;
	double		nseries = 1;

	for (int i = 0; i < nvals; i++)
	{
		PolygonCondValue *cv = &vals[i];
		int			p = cv->param;
		const PolygonParam *param = &ep->params[p];

		if (param->encoding == PPE_NS_RANGE)
			p = ns_range_primary(ep, p);	/* ts and sip_timestamp: one range */
		if (cv->op == PPO_EQ || cv->op == PPO_IN)
		{
			if (is_range_encoding(param->encoding))
				add_bound(&states[p], param, cv);
			else
				add_to_set(&states[p], param, cv);
		}
		else
			add_bound(&states[p], param, cv);
	}

	*ordered = true;
	for (int p = 0; p < ep->nparams; p++)
	{
		choices[p] = param_choices(ep, p, &states[p], planning, split_days, sort_collation,
								   limit);
		if (choices[p] == NIL)
			return NIL;			/* the conditions admit nothing */
		if (!((Choice *) linitial(choices[p]))->piece)
			nseries *= list_length(choices[p]);
		/* several values of a later parameter interleave the rows (days do not) */
		if (p > 0 && !is_range_encoding(ep->params[p].encoding) &&
			(list_length(choices[p]) > 1 || states[p].set_many_unknown))
			*ordered = false;
	}
	check_request_count(ep, nseries, limit);
	/* rows sort by the first column only when each request has one value of it */
	if (ep->sort_columns[0] && ep->nparams > 0 &&
		strcmp(ep->params[0].column, ep->sort_columns[0]) == 0 &&
		(!states[0].has_set || ep->params[0].encoding == PPE_TEXT_ANY_OF))
		*ordered = false;

	/* every combination, the first parameter varying slowest */
	for (;;)
	{
		PolygonRequest *req = render_request(ep, choices, pick, states, planning);
		int			p;

		if (req)
			requests = lappend(requests, req);
		for (p = ep->nparams - 1; p >= 0; p--)
		{
			if (++pick[p] < list_length(choices[p]))
				break;
			pick[p] = 0;
		}
		if (p < 0)
			break;
		CHECK_FOR_INTERRUPTS();
	}
	return requests;
}
