/*-------------------------------------------------------------------------
 *
 * polygon_fdw.c
 *		The handler and callbacks of the polygon_fdw foreign data wrapper.
 *
 * A scan of a foreign table runs one or more request series (request.c):
 * each series is a first request built from the pushed-down conditions and
 * the pages its next_url chain leads to.  Pages are fetched lazily: the next
 * page only when the executor has consumed every row of the current one, so
 * a LIMIT 10 costs one request and memory holds one page at a time.
 *
 * Every WHERE condition is also kept as a local filter.  Pushing a condition
 * down only narrows what is fetched; what is returned is what SQL says.
 *
 * Copyright (c) 2026, tape developers
 *
 * IDENTIFICATION
 *		src/fdw/polygon_fdw.c
 *
 *-------------------------------------------------------------------------
 */
#include "polygon_fdw.h"
#include "decode.h"
#include "flatfile.h"

#include <math.h>

#include "access/table.h"
#include "access/xact.h"
#include "catalog/pg_am.h"
#include "catalog/pg_type.h"
#include "commands/defrem.h"
#include "commands/explain.h"
#include "common/hashfn.h"
#include "executor/executor.h"
#include "foreign/fdwapi.h"
#include "foreign/foreign.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "nodes/makefuncs.h"
#include "nodes/nodeFuncs.h"
#include "optimizer/cost.h"
#include "optimizer/optimizer.h"
#include "optimizer/pathnode.h"
#include "optimizer/paths.h"
#include "optimizer/planmain.h"
#include "optimizer/restrictinfo.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/resowner.h"
#include "utils/rel.h"
#include "utils/ruleutils.h"

/* Planner cost of one HTTP request, in seq_page_cost units */
#define REQUEST_COST		1000.0
/* Planner cost of decoding one row */
#define ROW_DECODE_COST		(cpu_tuple_cost * 5)
/* Rows in a full page of the largest endpoints */
#define PAGE_ROWS			50000.0
/* Requests listed by EXPLAIN */
#define EXPLAIN_REQUESTS	3

/*
 * What the planner keeps in baserel->fdw_private.
 */
typedef struct PolygonRelInfo
{
	const PolygonEndpoint *ep;	/* the table's endpoint */
	List	   *conds;			/* PolygonCond over baserestrictinfo */
	Oid			sort_collation; /* collation of the first sort column */
	bool		ordered;		/* requests come in sort order */
	int			nrequests;		/* estimated first requests of the plain scan */
	double		rows;			/* estimated rows it fetches */
	PolygonRequestLimit limit;	/* the server's bound on them */
} PolygonRelInfo;

/*
 * What a ForeignScan plan keeps in fdw_private.  The value of condition i
 * is fdw_exprs[i].
 */
enum FdwScanPrivateIndex
{
	FdwScanPrivateEndpoint,		/* String: endpoint name */
	FdwScanPrivateConds,		/* IntList: param, op, clause index per condition */
	FdwScanPrivateWanted,		/* IntList: attribute numbers the query uses */
	FdwScanPrivateSortCollation,	/* Integer: collation of the first sort column */
	FdwScanPrivateOrdered,		/* Integer: 1 when pathkeys were claimed */
	FdwScanPrivatePrefetch		/* Integer: 1 when every row will be read */
};

/*
 * Execution state of a scan.
 */
typedef struct PolygonScanState
{
	const PolygonEndpoint *ep;	/* the table's endpoint */
	PolygonConnection *conn;	/* options and key; key NULL under EXPLAIN */
	int			ncond;			/* pushed-down conditions */
	int		   *cond_param;		/* their parameter */
	PolygonPushOp *cond_op;		/* their operator */
	Oid		   *cond_type;		/* type of their value */
	ExprState **cond_state;		/* their value, ready to evaluate */
	bool		has_exec_params;	/* some value needs an outer row */
	Oid			sort_collation; /* collation of the first sort column */
	bool		ordered;		/* plan promised the sort order */

	TupleDesc	tupdesc;		/* of the foreign table */
	PolygonDecoder *decoder;	/* JSON fields -> attributes */
	int		   *req_column;		/* per attribute: request-sourced column or -1 */
	FmgrInfo   *req_out;		/* per attribute: canonical output, if converted */
	FmgrInfo   *req_in;			/* per attribute: attribute input, if converted */
	Oid		   *req_ioparam;
	Datum	   *req_values;		/* per attribute: value for the current request */
	bool	   *req_nulls;

	bool		started;		/* requests are built */
	List	   *requests;		/* PolygonRequest * */
	int			next_request;	/* index of the next series to start */
	PolygonRequest *current;	/* series being read */
	int			series_pages;	/* pages read in this series */
	uint64	   *seen_pages;		/* hashes of next_url paths in this series */
	int			nseen;
	int			seen_cap;

	MemoryContext scan_cxt;		/* lives as long as the scan */
	MemoryContext req_cxt;		/* the request series, reset on rescan */
	MemoryContext page_cxt;		/* current page body, reset per page */
	StringInfoData body;		/* current page body */
	PolygonPage page;			/* current page */
	bool		page_open;		/* rows of page are being returned */
	char	   *page_path;		/* path of the current page, for messages */

	PolygonHttpStats stats;		/* shown by EXPLAIN ANALYZE */
	bool		page_from_cache;	/* the current page came from the cache */

	/* requests started before they are needed (concurrent_requests > 1) */
	bool		prefetch;		/* the plan reads every row: pages may be asked early */
	bool		split_days;		/* so a range of days is asked for day by day */
	PolygonPrefetch *next_pf;	/* the current series' next page, or NULL */
	char	   *next_pf_path;	/* its path */
	PolygonPrefetch **first_pf; /* per series: its first page, or NULL */
	int			rows_to_poll;	/* rows until the transfers are polled again */

	FlatReader *flat;			/* the flat file being read, or NULL */
	bool		delayed_notice; /* DELAYED was reported */
} PolygonScanState;

/* SQL functions */
PG_FUNCTION_INFO_V1(polygon_fdw_handler);
PG_FUNCTION_INFO_V1(tape_polygon_session_stats);

/* what the finished scans of this session cost, for tape.polygon_session_stats() */
static PolygonHttpStats session_stats;

/* FDW callback routines */
static void polygonGetForeignRelSize(PlannerInfo *root, RelOptInfo *baserel,
									 Oid foreigntableid);
static void polygonGetForeignPaths(PlannerInfo *root, RelOptInfo *baserel,
								   Oid foreigntableid);
static ForeignScan *polygonGetForeignPlan(PlannerInfo *root, RelOptInfo *baserel,
										  Oid foreigntableid, ForeignPath *best_path,
										  List *tlist, List *scan_clauses, Plan *outer_plan);
static void polygonBeginForeignScan(ForeignScanState *node, int eflags);
static TupleTableSlot *polygonIterateForeignScan(ForeignScanState *node);
static void polygonReScanForeignScan(ForeignScanState *node);
static void polygonEndForeignScan(ForeignScanState *node);
static void polygonExplainForeignScan(ForeignScanState *node, ExplainState *es);
static List *polygonImportForeignSchema(ImportForeignSchemaStmt *stmt, Oid serverOid);

/* Helper functions */
static const PolygonEndpoint *table_endpoint(Oid relid);
static void check_table_columns(Oid relid, const PolygonEndpoint *ep);
static PolygonCondValue *plan_values(PlannerInfo *root, List *conds, int *n);
static void estimate_fetch(PlannerInfo *root, PolygonRelInfo *info, List *conds,
						   int *nrequests, double *fetched, bool *ordered);
static void scan_cost(PlannerInfo *root, RelOptInfo *baserel, int nrequests, double fetched,
					  List *local_only, Cost *startup_cost, Cost *total_cost);
static List *sort_pathkeys(PlannerInfo *root, RelOptInfo *baserel, Oid relid,
						   const PolygonEndpoint *ep);
static Oid	column_collation(Oid relid, const char *colname);
static List *not_pushed(List *clauses, List *conds);
static List *build_scan_requests(ForeignScanState *node, PolygonScanState *st,
								 bool as_template);
static void start_request(PolygonScanState *st, int index);
static PolygonPrefetch *start_prefetch(PolygonScanState *st, PolygonRequest *req, const char *url,
									   const char *path);
static void schedule_prefetches(PolygonScanState *st);
static void cancel_prefetches(PolygonScanState *st);
static void fetch_page(PolygonScanState *st, const char *url, const char *path,
					   PolygonPrefetch *pf);
static void open_page(PolygonScanState *st);
static bool open_cached_page(PolygonScanState *st, const char *url);
static void check_page(PolygonScanState *st);
static void remember_page(PolygonScanState *st, const char *path);
static bool page_refused(PolygonScanState *st, const char *path);
static int	page_seen(PolygonScanState *st, const char *path, uint64 *h);
static TupleTableSlot *store_row(PolygonScanState *st, TupleTableSlot *slot);
static int	describe_requests(List *requests, StringInfo buf);
static void decode_error_callback(void *arg);
static bool contains_exec_param_walker(Node *node, void *context);

/*
 * polygon_fdw_handler
 *		The FdwRoutine of polygon_fdw.
 */
Datum
polygon_fdw_handler(PG_FUNCTION_ARGS)
{
	FdwRoutine *routine = makeNode(FdwRoutine);

	routine->GetForeignRelSize = polygonGetForeignRelSize;
	routine->GetForeignPaths = polygonGetForeignPaths;
	routine->GetForeignPlan = polygonGetForeignPlan;
	routine->BeginForeignScan = polygonBeginForeignScan;
	routine->IterateForeignScan = polygonIterateForeignScan;
	routine->ReScanForeignScan = polygonReScanForeignScan;
	routine->EndForeignScan = polygonEndForeignScan;
	routine->ExplainForeignScan = polygonExplainForeignScan;
	routine->ImportForeignSchema = polygonImportForeignSchema;

	PG_RETURN_POINTER(routine);
}

/*
 * table_endpoint
 *		The endpoint row of a foreign table.
 */
static const PolygonEndpoint *
table_endpoint(Oid relid)
{
	char	   *name = polygon_get_table_endpoint(relid);
	const PolygonEndpoint *ep = polygon_find_endpoint(name);

	if (ep == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_FDW_INVALID_OPTION_NAME),
				 errmsg("foreign table \"%s\" names an invalid endpoint \"%s\"",
						get_rel_name(relid), name),
				 errhint("Valid endpoints are: %s.", polygon_endpoint_names())));
	return ep;
}

/*
 * check_table_columns
 *		Every column of the table must be one the endpoint provides.
 */
static void
check_table_columns(Oid relid, const PolygonEndpoint *ep)
{
	Relation	rel = table_open(relid, NoLock);
	TupleDesc	tupdesc = RelationGetDescr(rel);

	for (int i = 0; i < tupdesc->natts; i++)
	{
		Form_pg_attribute att = TupleDescAttr(tupdesc, i);

		if (att->attisdropped)
			continue;
		if (polygon_endpoint_column(ep, NameStr(att->attname)) < 0)
			ereport(ERROR,
					(errcode(ERRCODE_FDW_INVALID_COLUMN_NAME),
					 errmsg("column \"%s\" of foreign table \"%s\" is not provided by endpoint \"%s\"",
							NameStr(att->attname), RelationGetRelationName(rel), ep->name),
					 errhint("Columns of endpoint \"%s\" are: %s.",
							 ep->name, polygon_endpoint_column_names(ep))));
	}
	table_close(rel, NoLock);
}

/*
 * column_collation
 *		Collation of a column of relid, or InvalidOid if it has none.
 */
static Oid
column_collation(Oid relid, const char *colname)
{
	AttrNumber	attnum = get_attnum(relid, colname);
	Oid			typid;
	int32		typmod;
	Oid			collid;

	if (attnum == InvalidAttrNumber)
		return InvalidOid;
	get_atttypetypmodcoll(relid, attnum, &typid, &typmod, &collid);
	return collid;
}

/*
 * plan_values
 *		The values of conds as far as the planner knows them.
 */
static PolygonCondValue *
plan_values(PlannerInfo *root, List *conds, int *n)
{
	PolygonCondValue *vals = palloc0(sizeof(PolygonCondValue) * Max(1, list_length(conds)));
	ListCell   *lc;
	int			i = 0;

	foreach(lc, conds)
	{
		PolygonCond *c = lfirst(lc);
		Node	   *v = estimate_expression_value(root, (Node *) c->value);

		vals[i].param = c->param;
		vals[i].op = c->op;
		vals[i].type = exprType((Node *) c->value);
		if (c->op == PPO_IN)
			vals[i].type = get_element_type(vals[i].type);
		if (IsA(v, Const))
		{
			vals[i].known = true;
			vals[i].isnull = ((Const *) v)->constisnull;
			vals[i].value = ((Const *) v)->constvalue;
		}
		i++;
	}
	*n = i;
	return vals;
}

/*
 * polygonGetForeignRelSize
 *		Estimate the rows a scan fetches from the requests it will make.
 */
static void
polygonGetForeignRelSize(PlannerInfo *root, RelOptInfo *baserel, Oid foreigntableid)
{
	PolygonRelInfo *info = palloc0(sizeof(PolygonRelInfo));
	List	   *clauses = NIL;
	List	   *local_only = NIL;
	ListCell   *lc;
	PolygonServerOptions opts;

	info->ep = table_endpoint(foreigntableid);
	check_table_columns(foreigntableid, info->ep);
	polygon_get_server_options(baserel->serverid, &opts);
	info->limit.max_requests = opts.max_scan_requests;
	info->limit.servername = GetForeignServer(baserel->serverid)->servername;

	foreach(lc, baserel->baserestrictinfo)
		clauses = lappend(clauses, ((RestrictInfo *) lfirst(lc))->clause);
	info->conds = polygon_classify_conditions(root, baserel, info->ep, foreigntableid, clauses);
	if (info->ep->sort_columns[0])
		info->sort_collation = column_collation(foreigntableid, info->ep->sort_columns[0]);

	estimate_fetch(root, info, info->conds, &info->nrequests, &info->rows, &info->ordered);

	/* conditions that only filter locally still reduce the row count */
	local_only = not_pushed(baserel->baserestrictinfo, info->conds);
	baserel->rows = clamp_row_est(info->rows *
								  clauselist_selectivity(root, local_only, baserel->relid,
														 JOIN_INNER, NULL));
	baserel->fdw_private = info;
}

/*
 * sort_pathkeys
 *		Pathkeys for the endpoint's sort columns, or NIL.
 */
static List *
sort_pathkeys(PlannerInfo *root, RelOptInfo *baserel, Oid relid, const PolygonEndpoint *ep)
{
	List	   *pathkeys = NIL;

	for (int i = 0; i < (int) lengthof(ep->sort_columns) && ep->sort_columns[i]; i++)
	{
		AttrNumber	attnum = get_attnum(relid, ep->sort_columns[i]);
		Oid			typid;
		int32		typmod;
		Oid			collid;
		Oid			opclass;
		Oid			ltop;
		Var		   *var;
		ListCell   *lc;

		if (attnum == InvalidAttrNumber)
			return NIL;			/* a hand-made table without the column */
		get_atttypetypmodcoll(relid, attnum, &typid, &typmod, &collid);
		opclass = GetDefaultOpClass(typid, BTREE_AM_OID);
		if (!OidIsValid(opclass))
			return NIL;
		ltop = get_opfamily_member(get_opclass_family(opclass), typid, typid,
								   BTLessStrategyNumber);
		if (!OidIsValid(ltop))
			return NIL;
		var = makeVar(baserel->relid, attnum, typid, typmod, collid, 0);
		foreach(lc, build_expression_pathkey(root, (Expr *) var, NULL, ltop,
											 baserel->relids, true))
		{
			PathKey    *pk = (PathKey *) lfirst(lc);

			/* a column held constant (ticker = 'X') orders nothing */
			if (!pk->pk_eclass->ec_has_const && !list_member_ptr(pathkeys, pk))
				pathkeys = lappend(pathkeys, pk);
		}
	}
	return pathkeys;
}

/*
 * not_pushed
 *		The members of clauses that no condition of conds pushes down: they
 *		only filter locally.
 */
static List *
not_pushed(List *clauses, List *conds)
{
	List	   *local = NIL;
	ListCell   *lc;
	int			i = 0;

	foreach(lc, clauses)
	{
		bool		pushed = false;
		ListCell   *lc2;

		foreach(lc2, conds)
		{
			if (((PolygonCond *) lfirst(lc2))->clause == i)
				pushed = true;
		}
		if (!pushed)
			local = lappend(local, lfirst(lc));
		i++;
	}
	return local;
}

/*
 * required_params_met
 *		Whether conds give every required parameter of ep a value; if not,
 *		the index of the first one missing goes to *missing.
 */
static bool
required_params_met(const PolygonEndpoint *ep, List *conds, int *missing)
{
	for (int p = 0; p < ep->nparams; p++)
	{
		bool		found = false;
		ListCell   *lc;

		if (!(ep->params[p].flags & PPF_REQUIRED))
			continue;
		foreach(lc, conds)
		{
			if (((PolygonCond *) lfirst(lc))->param == p)
				found = true;
		}
		if (!found)
		{
			*missing = p;
			return false;
		}
	}
	return true;
}

/*
 * estimate_fetch
 *		The first requests and the rows fetched by a scan with conds (the
 *		whole scan, or one outer row of a parameterized scan), and whether the
 *		rows come in sort order.
 */
static void
estimate_fetch(PlannerInfo *root, PolygonRelInfo *info, List *conds, int *nrequests,
			   double *fetched, bool *ordered)
{
	PolygonCondValue *vals;
	List	   *requests;
	ListCell   *lc;
	int			nvals;

	vals = plan_values(root, conds, &nvals);
	requests = polygon_build_requests(info->ep, vals, nvals, info->sort_collation, true, false,
									  &info->limit, ordered);
	*fetched = 0;
	foreach(lc, requests)
		*fetched += ((PolygonRequest *) lfirst(lc))->est_rows;
	*nrequests = list_length(requests);
}

/*
 * scan_cost
 *		Startup and total cost of a scan making nrequests first requests and
 *		fetching fetched rows, filtered by local_only on top of the table's
 *		own conditions.
 */
static void
scan_cost(PlannerInfo *root, RelOptInfo *baserel, int nrequests, double fetched,
		  List *local_only, Cost *startup_cost, Cost *total_cost)
{
	double		pages = Max(nrequests, ceil(fetched / PAGE_ROWS));
	QualCost	local_cost;

	cost_qual_eval(&local_cost, local_only, root);
	*startup_cost = nrequests > 0 ? REQUEST_COST : 0;
	*total_cost = *startup_cost + Max(0, pages - 1) * REQUEST_COST +
		fetched * (ROW_DECODE_COST + baserel->baserestrictcost.per_tuple + local_cost.per_tuple);
}

/*
 * ec_member_is_column
 *		Callback of generate_implied_equalities_for_column: the member is
 *		the column arg points to.
 */
static bool
ec_member_is_column(PlannerInfo *root, RelOptInfo *rel, EquivalenceClass *ec,
					EquivalenceMember *em, void *arg)
{
	Expr	   *expr = em->em_expr;

	while (expr && IsA(expr, RelabelType))
		expr = ((RelabelType *) expr)->arg;
	return IsA(expr, Var) && ((Var *) expr)->varno == (int) rel->relid &&
		((Var *) expr)->varattno == *(AttrNumber *) arg && ((Var *) expr)->varlevelsup == 0;
}

/*
 * join_conditions
 *		The join clauses that could feed a request parameter from an outer
 *		row: movable clauses of joininfo, and the equalities the planner
 *		keeps in equivalence classes (t.ticker = m.ticker).
 */
static List *
join_conditions(PlannerInfo *root, RelOptInfo *baserel, PolygonRelInfo *info, Oid relid)
{
	List	   *found = NIL;
	ListCell   *lc;

	foreach(lc, baserel->joininfo)
	{
		RestrictInfo *rinfo = lfirst(lc);

		if (join_clause_is_movable_to(rinfo, baserel) &&
			!bms_overlap(rinfo->clause_relids, baserel->lateral_referencers) &&
			polygon_classify_conditions(root, baserel, info->ep, relid,
										list_make1(rinfo->clause)) != NIL)
			found = lappend(found, rinfo);
	}

	for (int p = 0; p < info->ep->nparams; p++)
	{
		AttrNumber	attnum;

		if (!(info->ep->params[p].flags & (PPF_EQ | PPF_IN)) || !baserel->has_eclass_joins)
			continue;
		attnum = get_attnum(relid, info->ep->params[p].column);
		if (attnum == InvalidAttrNumber)
			continue;
		foreach(lc, generate_implied_equalities_for_column(root, baserel, ec_member_is_column,
														   &attnum, baserel->lateral_referencers))
		{
			RestrictInfo *rinfo = lfirst(lc);

			if (polygon_classify_conditions(root, baserel, info->ep, relid,
											list_make1(rinfo->clause)) != NIL)
				found = lappend(found, rinfo);
		}
	}
	return found;
}

/*
 * polygonGetForeignPaths
 *		The scan with the table's own conditions, and scans parameterized by
 *		the relations whose rows can give request parameters (a manifest of
 *		windows joined to trades: one request series per window).
 */
static void
polygonGetForeignPaths(PlannerInfo *root, RelOptInfo *baserel, Oid foreigntableid)
{
	PolygonRelInfo *info = (PolygonRelInfo *) baserel->fdw_private;
	const PolygonEndpoint *ep = info->ep;
	List	   *pathkeys = NIL;
	List	   *outer_sets = NIL;
	ListCell   *lc;
	int			missing = -1;
	bool		base_ok;
	bool		any_path = false;

	/* the plain scan, when the table's own conditions give every required parameter */
	base_ok = required_params_met(ep, info->conds, &missing);
	if (base_ok)
	{
		Cost		startup_cost;
		Cost		total_cost;

		scan_cost(root, baserel, info->nrequests, info->rows, NIL, &startup_cost, &total_cost);
		if (info->ordered && ep->sort_columns[0])
			pathkeys = sort_pathkeys(root, baserel, foreigntableid, ep);
		add_path(baserel, (Path *)
				 create_foreignscan_path(root, baserel, NULL, baserel->rows,
										 startup_cost, total_cost, pathkeys,
										 baserel->lateral_relids, NULL, NIL));
		any_path = true;
	}

	/* one parameterized scan per set of outer relations that can feed parameters */
	foreach(lc, join_conditions(root, baserel, info, foreigntableid))
	{
		RestrictInfo *rinfo = lfirst(lc);
		Relids		outer = bms_union(bms_difference(rinfo->clause_relids, baserel->relids),
									  baserel->lateral_relids);
		ListCell   *lc2;
		bool		seen = false;

		foreach(lc2, outer_sets)
		{
			if (bms_equal(lfirst(lc2), outer))
				seen = true;
		}
		if (!seen)
			outer_sets = lappend(outer_sets, outer);
	}
	foreach(lc, outer_sets)
	{
		Relids		outer = lfirst(lc);
		ParamPathInfo *ppi = get_baserel_parampathinfo(root, baserel, outer);
		List	   *clauses = NIL;
		List	   *conds;
		List	   *local_only;
		ListCell   *lc2;
		Cost		startup_cost;
		Cost		total_cost;
		int			nrequests;
		double		fetched;
		double		rows;
		bool		ordered;

		foreach(lc2, baserel->baserestrictinfo)
			clauses = lappend(clauses, ((RestrictInfo *) lfirst(lc2))->clause);
		foreach(lc2, ppi->ppi_clauses)
			clauses = lappend(clauses, ((RestrictInfo *) lfirst(lc2))->clause);
		conds = polygon_classify_conditions(root, baserel, ep, foreigntableid, clauses);
		if (!required_params_met(ep, conds, &missing))
			continue;

		estimate_fetch(root, info, conds, &nrequests, &fetched, &ordered);
		local_only = not_pushed(clauses, conds);
		rows = clamp_row_est(fetched * clauselist_selectivity(root, local_only, baserel->relid,
															  JOIN_INNER, NULL));
		scan_cost(root, baserel, nrequests, fetched, local_only, &startup_cost, &total_cost);
		add_path(baserel, (Path *)
				 create_foreignscan_path(root, baserel, NULL, rows, startup_cost, total_cost,
										 NIL, outer, NULL, NIL));
		any_path = true;
	}

	if (!any_path)
		ereport(ERROR,
				(errcode(ERRCODE_FDW_DYNAMIC_PARAMETER_VALUE_NEEDED),
				 errmsg("a condition on %s is required to scan foreign table \"%s\"",
						ep->params[missing].column, get_rel_name(foreigntableid)),
				 errdetail("Endpoint \"%s\" needs the %s in each request.",
						   ep->name, ep->params[missing].column),
				 (ep->params[missing].flags & PPF_RANGE)
				 ? errhint("Add WHERE %s = ..., %s IN (...) or a range such as %s BETWEEN ... AND ....",
						   ep->params[missing].column, ep->params[missing].column,
						   ep->params[missing].column)
				 : errhint("Add WHERE %s = ... or WHERE %s IN (...), or join on %s.",
						   ep->params[missing].column, ep->params[missing].column,
						   ep->params[missing].column)));
}

/*
 * polygonGetForeignPlan
 *		Keep every condition as a filter; hand the pushable values to the
 *		executor in fdw_exprs.
 */
static ForeignScan *
polygonGetForeignPlan(PlannerInfo *root, RelOptInfo *baserel, Oid foreigntableid,
					  ForeignPath *best_path, List *tlist, List *scan_clauses,
					  Plan *outer_plan)
{
	PolygonRelInfo *info = (PolygonRelInfo *) baserel->fdw_private;
	List	   *clauses = extract_actual_clauses(scan_clauses, false);
	List	   *conds = polygon_classify_conditions(root, baserel, info->ep, foreigntableid,
													clauses);
	List	   *fdw_exprs = NIL;
	List	   *cond_ints = NIL;
	List	   *wanted = NIL;
	List	   *fdw_private;
	Bitmapset  *attrs = NULL;
	ListCell   *lc;
	int			attnum;

	foreach(lc, conds)
	{
		PolygonCond *c = lfirst(lc);

		fdw_exprs = lappend(fdw_exprs, copyObject(c->value));
		cond_ints = lappend_int(cond_ints, c->param);
		cond_ints = lappend_int(cond_ints, (int) c->op);
		cond_ints = lappend_int(cond_ints, c->clause);
	}

	/* attributes the query reads: the target list and every filter */
	pull_varattnos((Node *) baserel->reltarget->exprs, baserel->relid, &attrs);
	pull_varattnos((Node *) clauses, baserel->relid, &attrs);
	if (bms_is_member(0 - FirstLowInvalidHeapAttributeNumber, attrs))
	{
		/* a whole-row reference needs every column */
		Relation	rel = table_open(foreigntableid, NoLock);

		for (int i = 1; i <= RelationGetDescr(rel)->natts; i++)
			wanted = lappend_int(wanted, i);
		table_close(rel, NoLock);
	}
	else
	{
		attnum = -1;
		while ((attnum = bms_next_member(attrs, attnum)) >= 0)
		{
			int			a = attnum + FirstLowInvalidHeapAttributeNumber;

			if (a > 0)
				wanted = lappend_int(wanted, a);
		}
	}

	fdw_private = list_make5(makeString(pstrdup(info->ep->name)),
							 cond_ints,
							 wanted,
							 makeInteger((int) info->sort_collation),
							 makeInteger(best_path->path.pathkeys != NIL ? 1 : 0));
	/* a LIMIT, EXISTS or a cursor may stop early: then nothing is asked early */
	fdw_private = lappend(fdw_private, makeInteger(root->tuple_fraction <= 0.0 ? 1 : 0));

	return make_foreignscan(tlist, clauses, baserel->relid, fdw_exprs, fdw_private,
							NIL, NIL, outer_plan);
}

/*
 * contains_exec_param_walker
 *		Whether an expression needs a value from an outer row.
 */
static bool
contains_exec_param_walker(Node *node, void *context)
{
	if (node == NULL)
		return false;
	if (IsA(node, Param) && ((Param *) node)->paramkind == PARAM_EXEC)
		return true;
	return expression_tree_walker(node, contains_exec_param_walker, context);
}

/*
 * polygonBeginForeignScan
 *		Prepare the scan.  No request is made before the first row is asked
 *		for, and none at all under EXPLAIN without ANALYZE.
 */
static void
polygonBeginForeignScan(ForeignScanState *node, int eflags)
{
	ForeignScan *plan = (ForeignScan *) node->ss.ps.plan;
	EState	   *estate = node->ss.ps.state;
	PolygonScanState *st;
	List	   *cond_ints = list_nth(plan->fdw_private, FdwScanPrivateConds);
	List	   *wanted_list = list_nth(plan->fdw_private, FdwScanPrivateWanted);
	TupleDesc	tupdesc = RelationGetDescr(node->ss.ss_currentRelation);
	Oid			relid = RelationGetRelid(node->ss.ss_currentRelation);
	RangeTblEntry *rte;
	bool	   *wanted;
	ListCell   *lc;
	int			i;

	st = palloc0(sizeof(PolygonScanState));
	node->fdw_state = st;
	st->scan_cxt = CurrentMemoryContext;
	st->page_cxt = AllocSetContextCreate(estate->es_query_cxt, "polygon_fdw page",
										 ALLOCSET_DEFAULT_SIZES);
	st->req_cxt = AllocSetContextCreate(estate->es_query_cxt, "polygon_fdw requests",
										ALLOCSET_SMALL_SIZES);
	st->ep = polygon_find_endpoint(strVal(list_nth(plan->fdw_private, FdwScanPrivateEndpoint)));
	if (st->ep == NULL)
		elog(ERROR, "polygon_fdw plan names an unknown endpoint");
	st->sort_collation = (Oid) intVal(list_nth(plan->fdw_private, FdwScanPrivateSortCollation));
	st->ordered = intVal(list_nth(plan->fdw_private, FdwScanPrivateOrdered)) != 0;
	st->split_days = intVal(list_nth(plan->fdw_private, FdwScanPrivatePrefetch)) != 0;
	st->prefetch = st->split_days && (eflags & EXEC_FLAG_EXPLAIN_ONLY) == 0;

	/* the values of pushed-down conditions */
	st->ncond = list_length(plan->fdw_exprs);
	st->cond_param = palloc(sizeof(int) * Max(1, st->ncond));
	st->cond_op = palloc(sizeof(PolygonPushOp) * Max(1, st->ncond));
	st->cond_type = palloc(sizeof(Oid) * Max(1, st->ncond));
	st->cond_state = palloc(sizeof(ExprState *) * Max(1, st->ncond));
	i = 0;
	foreach(lc, plan->fdw_exprs)
	{
		Expr	   *expr = (Expr *) lfirst(lc);

		st->cond_param[i] = list_nth_int(cond_ints, 3 * i);
		st->cond_op[i] = (PolygonPushOp) list_nth_int(cond_ints, 3 * i + 1);
		st->cond_type[i] = exprType((Node *) expr);
		if (st->cond_op[i] == PPO_IN)
			st->cond_type[i] = get_element_type(st->cond_type[i]);
		st->cond_state[i] = ExecInitExpr(expr, (PlanState *) node);
		if (contains_exec_param_walker((Node *) expr, NULL))
			st->has_exec_params = true;
		i++;
	}

	/* which attributes to decode, and which echo request parameters */
	wanted = palloc0(sizeof(bool) * tupdesc->natts);
	foreach(lc, wanted_list)
		wanted[lfirst_int(lc) - 1] = true;
	st->decoder = polygon_decoder_create(st->ep, tupdesc, wanted);
	st->tupdesc = tupdesc;
	st->req_column = palloc(sizeof(int) * tupdesc->natts);
	st->req_out = palloc0(sizeof(FmgrInfo) * tupdesc->natts);
	st->req_in = palloc0(sizeof(FmgrInfo) * tupdesc->natts);
	st->req_ioparam = palloc0(sizeof(Oid) * tupdesc->natts);
	st->req_values = palloc0(sizeof(Datum) * tupdesc->natts);
	st->req_nulls = palloc0(sizeof(bool) * tupdesc->natts);
	for (i = 0; i < tupdesc->natts; i++)
	{
		Form_pg_attribute att = TupleDescAttr(tupdesc, i);
		int			col = att->attisdropped ? -1 :
			polygon_endpoint_column(st->ep, NameStr(att->attname));

		st->req_column[i] = (col >= 0 && wanted[i] &&
							 st->ep->columns[col].source == PCS_REQUEST) ? col : -1;
		if (st->req_column[i] >= 0 && att->atttypid != st->ep->columns[col].typid)
		{
			Oid			func;
			bool		isvarlena;

			getTypeOutputInfo(st->ep->columns[col].typid, &func, &isvarlena);
			fmgr_info(func, &st->req_out[i]);
			getTypeInputInfo(att->atttypid, &func, &st->req_ioparam[i]);
			fmgr_info(func, &st->req_in[i]);
		}
	}

	/* the secrets are read only when requests will really be sent */
	rte = exec_rt_fetch(plan->scan.scanrelid, estate);
	st->conn = polygon_connect(GetForeignTable(relid)->serverid,
							   OidIsValid(rte->checkAsUser) ? rte->checkAsUser : GetUserId(),
							   st->ep->flatfile, (eflags & EXEC_FLAG_EXPLAIN_ONLY) == 0);
	if (st->conn->opts.concurrent_requests < 2 || st->ep->flatfile)
		st->prefetch = st->split_days = false;
}

/*
 * build_scan_requests
 *		Evaluate the pushed-down values and build the request series.
 *		EXPLAIN calls it too (it sends nothing), so an invalid query fails
 *		there as it would when run.
 *
 * As a template (EXPLAIN of a parameterized scan), the values that need an
 * outer row stay unknown, as at planning time, and show as {?}; the list is
 * then built in the current memory context.
 */
static List *
build_scan_requests(ForeignScanState *node, PolygonScanState *st, bool as_template)
{
	ForeignScan *plan = (ForeignScan *) node->ss.ps.plan;
	ExprContext *econtext = node->ss.ps.ps_ExprContext;
	PolygonCondValue *vals = palloc0(sizeof(PolygonCondValue) * Max(1, st->ncond));
	MemoryContext old;
	PolygonRequestLimit limit;
	bool		ordered;
	List	   *requests;
	int			i = 0;
	ListCell   *lc;

	old = MemoryContextSwitchTo(econtext->ecxt_per_tuple_memory);
	foreach(lc, plan->fdw_exprs)
	{
		vals[i].param = st->cond_param[i];
		vals[i].op = st->cond_op[i];
		vals[i].type = st->cond_type[i];
		if (!as_template || !contains_exec_param_walker(lfirst(lc), NULL))
		{
			vals[i].known = true;
			vals[i].value = ExecEvalExpr(st->cond_state[i], econtext, &vals[i].isnull);
		}
		i++;
	}
	MemoryContextSwitchTo(as_template ? old : st->req_cxt);
	limit.max_requests = st->conn->opts.max_scan_requests;
	limit.servername = st->conn->servername;
	requests = polygon_build_requests(st->ep, vals, st->ncond, st->sort_collation,
									  as_template, !as_template && st->split_days, &limit,
									  &ordered);
	MemoryContextSwitchTo(old);

	if (!as_template && st->ordered && !ordered)
		elog(ERROR, "polygon_fdw requests lost the order the plan promised");
	return requests;
}

/*
 * start_request
 *		Begin a request series: fetch its first page.
 */
static void
start_request(PolygonScanState *st, int index)
{
	PolygonRequest *req = list_nth(st->requests, index);
	MemoryContext old = MemoryContextSwitchTo(st->req_cxt);
	PolygonPrefetch *pf = NULL;
	char	   *url;
	char	   *path;

	st->current = req;
	st->series_pages = 0;
	st->nseen = 0;

	/* the values of the columns that echo the request */
	for (int i = 0; i < st->tupdesc->natts; i++)
	{
		int			col = st->req_column[i];

		if (col < 0)
			continue;
		st->req_nulls[i] = req->colnulls[col];
		st->req_values[i] = req->colvalues[col];
		if (!req->colnulls[col] && OidIsValid(st->req_in[i].fn_oid))
			st->req_values[i] =
				InputFunctionCall(&st->req_in[i],
								  OutputFunctionCall(&st->req_out[i], req->colvalues[col]),
								  st->req_ioparam[i],
								  TupleDescAttr(st->tupdesc, i)->atttypmod);
	}

	if (st->ep->flatfile)
	{
		/* a day of a flat file: read as a stream, no pages */
		MemoryContextSwitchTo(st->scan_cxt);
		st->decoder->element = 0;
		st->flat = flat_open(st->conn, st->decoder, req->path, &st->stats);
		MemoryContextSwitchTo(old);
		return;
	}
	url = psprintf("%s%s", st->conn->opts.base_url, req->path);
	path = polygon_path_of_url(url);
	remember_page(st, path);
	MemoryContextSwitchTo(old);
	if (st->first_pf)
	{
		pf = st->first_pf[index];
		st->first_pf[index] = NULL;
	}
	fetch_page(st, url, path, pf);
}

/*
 * start_prefetch
 *		Ask early for a page that will be needed, unless the cache has it.
 */
static PolygonPrefetch *
start_prefetch(PolygonScanState *st, PolygonRequest *req, const char *url, const char *path)
{
	MemoryContext old;
	PolygonPrefetch *pf;

	if (st->conn->opts.cache && req->settled && polygon_cache_contains(st->conn, url))
		return NULL;
	old = MemoryContextSwitchTo(st->scan_cxt);	/* where st->body lives */
	pf = polygon_prefetch_start(st->conn, url, &st->stats);
	MemoryContextSwitchTo(old);
	return pf;
}

/*
 * schedule_prefetches
 *		Keep up to concurrent_requests pages in flight: the next page of the
 *		series being read first, then the first pages of the series after it.
 */
static void
schedule_prefetches(PolygonScanState *st)
{
	int			in_flight = st->next_pf ? 1 : 0;
	int			limit = st->conn->opts.concurrent_requests;
	int			nrequests = list_length(st->requests);

	if (!st->prefetch)
		return;
	for (int i = st->next_request; i < nrequests; i++)
	{
		if (st->first_pf[i])
			in_flight++;
	}
	if (st->page_open && st->page.next_url && st->next_pf == NULL && in_flight < limit)
	{
		MemoryContext old = MemoryContextSwitchTo(st->req_cxt);
		char	   *path = polygon_next_url_path(st->page.next_url);

		if (!page_refused(st, path))
		{
			st->next_pf = start_prefetch(st, st->current,
										 psprintf("%s%s", st->conn->origin, path), path);
			st->next_pf_path = path;
		}
		MemoryContextSwitchTo(old);
		if (st->next_pf)
			in_flight++;
	}
	for (int i = st->next_request; i < nrequests && in_flight < limit; i++)
	{
		PolygonRequest *req = list_nth(st->requests, i);
		MemoryContext old;
		char	   *url;

		if (st->first_pf[i])
			continue;
		old = MemoryContextSwitchTo(st->req_cxt);
		url = psprintf("%s%s", st->conn->opts.base_url, req->path);
		st->first_pf[i] = start_prefetch(st, req, url, polygon_path_of_url(url));
		MemoryContextSwitchTo(old);
		if (st->first_pf[i])
			in_flight++;
	}
}

/*
 * cancel_prefetches
 *		Drop every page asked early (a rescan, the end of the scan).
 */
static void
cancel_prefetches(PolygonScanState *st)
{
	if (st->next_pf)
		polygon_prefetch_cancel(st->next_pf);
	st->next_pf = NULL;
	if (st->first_pf)
	{
		for (int i = 0; i < list_length(st->requests); i++)
		{
			if (st->first_pf[i])
				polygon_prefetch_cancel(st->first_pf[i]);
		}
	}
	st->first_pf = NULL;
}

/*
 * page_seen
 *		The index among the pages of this series of the page at path (hash
 *		*h), or -1.
 */
static int
page_seen(PolygonScanState *st, const char *path, uint64 *h)
{
	*h = hash_bytes_extended((const unsigned char *) path, strlen(path), 0);
	for (int i = 0; i < st->nseen; i++)
	{
		if (st->seen_pages[i] == *h)
			return i;
	}
	return -1;
}

/*
 * page_refused
 *		Whether remember_page would stop the series at path: the page after
 *		max_pages, or one seen before.  Such a page is never asked for early.
 */
static bool
page_refused(PolygonScanState *st, const char *path)
{
	uint64		h;

	return st->series_pages >= st->conn->opts.max_pages || page_seen(st, path, &h) >= 0;
}

/*
 * remember_page
 *		Stop a next_url chain that loops or never ends.
 */
static void
remember_page(PolygonScanState *st, const char *path)
{
	uint64		h;
	int			seen = page_seen(st, path, &h);

	if (st->series_pages >= st->conn->opts.max_pages)
		ereport(ERROR,
				(errcode(ERRCODE_FDW_ERROR),
				 errmsg("Polygon response has more than %d pages", st->conn->opts.max_pages),
				 errdetail("The series started with GET %s.", st->current->path),
				 errhint("Raise max_pages of server \"%s\", or narrow the conditions.",
						 st->conn->servername)));
	if (seen >= 0)
		ereport(ERROR,
				(errcode(ERRCODE_FDW_ERROR),
				 errmsg("Polygon returned a next_url that repeats an earlier page"),
				 errdetail("The next_url of page %d points back to page %d of the series that started with GET %s; stopping instead of looping.",
						   st->series_pages, seen + 1, st->current->path)));
	if (st->nseen == st->seen_cap)
	{
		st->seen_cap = Max(16, st->seen_cap * 2);
		st->seen_pages = st->seen_pages
			? repalloc(st->seen_pages, sizeof(uint64) * st->seen_cap)
			: MemoryContextAlloc(st->scan_cxt, sizeof(uint64) * st->seen_cap);
	}
	st->seen_pages[st->nseen++] = h;
}

/*
 * fetch_page
 *		GET url and open the page.
 */
static void
fetch_page(PolygonScanState *st, const char *url, const char *path, PolygonPrefetch *pf)
{
	MemoryContext old;
	long		status;

	CHECK_FOR_INTERRUPTS();
	MemoryContextReset(st->page_cxt);
	old = MemoryContextSwitchTo(st->page_cxt);
	st->page_path = pstrdup(path);
	MemoryContextSwitchTo(old);
	st->page_open = false;

	/*
	 * One body buffer for the whole scan: it grows to the largest page once,
	 * instead of being grown page after page (and faulted in again).
	 */
	if (st->body.data == NULL)
	{
		old = MemoryContextSwitchTo(st->scan_cxt);
		initStringInfo(&st->body);
		MemoryContextSwitchTo(old);
	}
	else
		resetStringInfo(&st->body);

	/* a page of settled history may be in the request cache */
	st->page_from_cache = false;
	if (st->conn->opts.cache && st->current->settled &&
		polygon_cache_lookup(st->conn, st->ep, url, &st->body))
	{
		status = 200;
		st->page_from_cache = true;
		st->stats.cache_hits++;
		if (pf)
			polygon_prefetch_cancel(pf);
		if (!open_cached_page(st, url))
		{
			/* damaged: the row is gone, the page is fetched again */
			st->page_from_cache = false;
			st->stats.cache_hits--;
			resetStringInfo(&st->body);
			status = polygon_http_get(st->conn, url, &st->body, &st->stats, PHG_ALLOW_404);
		}
	}
	else if (pf && polygon_prefetch_take(pf, &st->body, &st->stats))
		status = 200;			/* asked for early, and here */
	else
		status = polygon_http_get(st->conn, url, &st->body, &st->stats, PHG_ALLOW_404);
	st->series_pages++;

	if (status == 404)
	{
		PolygonApiError err;

		if (st->ep->not_found_is_empty)
			return;				/* an unknown ticker has no rows */
		polygon_parse_error_body(st->body.data, st->body.len, &err);
		ereport(ERROR,
				(errcode(ERRCODE_FDW_INVALID_ATTRIBUTE_VALUE),
				 errmsg("%s \"%s\" not found", st->ep->params[0].column,
						st->current->subject ? st->current->subject : "?"),
				 err.message ? errdetail_internal("The API said: %s", err.message) : 0,
				 errhint("Tickers are case-sensitive; a date outside the ticker's listed life also gives this."),
				 errcontext("Polygon request: GET %s", st->page_path)));
	}

	if (!st->page_from_cache)
		open_page(st);
	st->page_open = true;

	/* a complete, valid page of settled history is kept for next time */
	if (st->conn->opts.cache && st->current->settled && !st->page_from_cache)
		polygon_cache_store(st->conn, st->ep, url, st->body.data, st->body.len);

	/* the pages that will be needed next are asked for now */
	schedule_prefetches(st);
}

/*
 * open_page
 *		Read the envelope of the page in st->body and get ready to return its
 *		rows; an error names the page.
 */
static void
open_page(PolygonScanState *st)
{
	MemoryContext old = MemoryContextSwitchTo(st->page_cxt);
	ErrorContextCallback errcb;

	errcb.callback = decode_error_callback;
	errcb.arg = st;
	errcb.previous = error_context_stack;
	error_context_stack = &errcb;
	st->decoder->element = 0;
	polygon_page_open(&st->page, st->body.data, st->body.len, st->ep->shape);
	check_page(st);
	error_context_stack = errcb.previous;
	MemoryContextSwitchTo(old);
}

/*
 * open_cached_page
 *		Open a page read from the request cache.  One that does not read as
 *		a page of the endpoint is discarded with a WARNING and false is
 *		returned: the caller fetches it again.
 *
 * Without a subtransaction (a subtransaction per page breaks the
 * distributed transactions of Citus, among others): opening a page is
 * computation over the body in memory.  The JSON scanner and check_page
 * take no lock, pin no buffer, open no file and read no catalog, and they
 * allocate only in page_cxt, which the next page resets; so nothing needs
 * the cleanup of an abort, and their error can be caught and dropped.
 * ereport() clears the interrupt holdoff counts on its way: they are put
 * back.  An error that is not about the page's data (a cancel, out of
 * memory) goes on.
 */
static bool
open_cached_page(PolygonScanState *st, const char *url)
{
	MemoryContext cxt = CurrentMemoryContext;
	uint32		holdoff = InterruptHoldoffCount;
	uint32		cancel_holdoff = QueryCancelHoldoffCount;
	ErrorData  *volatile edata = NULL;

	PG_TRY();
	{
		open_page(st);
	}
	PG_CATCH();
	{
		MemoryContextSwitchTo(cxt);
		edata = CopyErrorData();
		FlushErrorState();
		InterruptHoldoffCount = holdoff;
		QueryCancelHoldoffCount = cancel_holdoff;
	}
	PG_END_TRY();

	if (edata == NULL)
		return true;
	if (ERRCODE_TO_CATEGORY(edata->sqlerrcode) != ERRCODE_FDW_ERROR &&
		ERRCODE_TO_CATEGORY(edata->sqlerrcode) != ERRCODE_DATA_EXCEPTION)
		ReThrowError(edata);
	polygon_cache_discard(st->conn, url,
						  psprintf("It does not read as a page of endpoint \"%s\": %s.",
								   st->ep->name, edata->message));
	FreeErrorData(edata);
	return false;
}

/*
 * check_page
 *		Refuse a page whose envelope contradicts the request.
 */
static void
check_page(PolygonScanState *st)
{
	PolygonPage *page = &st->page;

	if (page->status && strcmp(page->status, "OK") != 0 && strcmp(page->status, "DELAYED") != 0)
		ereport(ERROR,
				(errcode(ERRCODE_FDW_ERROR),
				 errmsg("Polygon response has status \"%s\"", page->status),
				 page->error_text ? errdetail_internal("The API said: %s", page->error_text) : 0));

	if (page->status && strcmp(page->status, "DELAYED") == 0 && !st->delayed_notice)
	{
		st->delayed_notice = true;
		ereport(NOTICE,
				(errmsg("Polygon returned delayed data"),
				 errdetail("The response status is DELAYED: the plan of this API key gets recent data with a delay.")));
	}

	if (st->ep->check_adjusted && st->current->adjusted >= 0 && page->adjusted >= 0 &&
		page->adjusted != st->current->adjusted)
		ereport(ERROR,
				(errcode(ERRCODE_FDW_INVALID_ATTRIBUTE_VALUE),
				 errmsg("Polygon page %d has adjusted=%s, but adjusted=%s was requested",
						st->series_pages, page->adjusted ? "true" : "false",
						st->current->adjusted ? "true" : "false"),
				 errdetail("Mixing split-adjusted and unadjusted prices would corrupt the result.")));
}

/*
 * decode_error_callback
 *		Name the page and the element in errors raised while decoding.
 */
static void
decode_error_callback(void *arg)
{
	PolygonScanState *st = (PolygonScanState *) arg;

	if (st->decoder->element > 0)
		errcontext("result %lld of page %d of Polygon request GET %s",
				   (long long) st->decoder->element, st->series_pages, st->page_path);
	else
		errcontext("page %d of Polygon request GET %s", st->series_pages, st->page_path);
}

/*
 * store_row
 *		Complete the decoded row in slot with the columns that echo the
 *		request, and store it.
 */
static TupleTableSlot *
store_row(PolygonScanState *st, TupleTableSlot *slot)
{
	for (int i = 0; i < st->tupdesc->natts; i++)
	{
		if (st->req_column[i] >= 0)
		{
			slot->tts_values[i] = st->req_values[i];
			slot->tts_isnull[i] = st->req_nulls[i];
		}
	}
	return ExecStoreVirtualTuple(slot);
}

/*
 * polygonIterateForeignScan
 *		Return the next row, fetching pages and starting series as needed.
 */
static TupleTableSlot *
polygonIterateForeignScan(ForeignScanState *node)
{
	PolygonScanState *st = (PolygonScanState *) node->fdw_state;
	TupleTableSlot *slot = node->ss.ss_ScanTupleSlot;
	ExprContext *econtext = node->ss.ps.ps_ExprContext;

	ExecClearTuple(slot);
	if (!st->started)
	{
		st->requests = build_scan_requests(node, st, false);
		st->next_request = 0;
		st->started = true;
		if (st->prefetch)
			st->first_pf = MemoryContextAllocZero(st->req_cxt, sizeof(PolygonPrefetch *) *
												  Max(1, list_length(st->requests)));
	}

	for (;;)
	{
		CHECK_FOR_INTERRUPTS();
		if (st->flat)
		{
			MemoryContext old;
			bool		got;

			memset(slot->tts_isnull, true, sizeof(bool) * st->tupdesc->natts);
			old = MemoryContextSwitchTo(econtext->ecxt_per_tuple_memory);
			got = flat_next(st->flat, slot->tts_values, slot->tts_isnull);
			MemoryContextSwitchTo(old);
			if (got)
				return store_row(st, slot);
			flat_close(st->flat);
			st->flat = NULL;
		}
		if (st->page_open)
		{
			ErrorContextCallback errcb;
			MemoryContext old;
			bool		got;

			errcb.callback = decode_error_callback;
			errcb.arg = st;
			errcb.previous = error_context_stack;
			error_context_stack = &errcb;
			/* attributes the query does not use stay null */
			memset(slot->tts_isnull, true, sizeof(bool) * st->tupdesc->natts);
			old = MemoryContextSwitchTo(econtext->ecxt_per_tuple_memory);
			got = polygon_page_next(&st->page, st->decoder, st->tupdesc,
									slot->tts_values, slot->tts_isnull);
			MemoryContextSwitchTo(old);
			error_context_stack = errcb.previous;

			if (got)
			{
				/* transfers in flight move on while the page is decoded */
				if (st->prefetch && --st->rows_to_poll <= 0)
				{
					polygon_prefetch_poll();
					st->rows_to_poll = 1024;
				}
				return store_row(st, slot);
			}
			st->page_open = false;

			if (st->page.next_url)
			{
				char	   *path = MemoryContextStrdup(st->scan_cxt,
													   polygon_next_url_path(st->page.next_url));

				PolygonPrefetch *pf = NULL;

				remember_page(st, path);
				if (st->next_pf && strcmp(st->next_pf_path, path) == 0)
					pf = st->next_pf;
				else if (st->next_pf)
					polygon_prefetch_cancel(st->next_pf);
				st->next_pf = NULL;
				fetch_page(st, psprintf("%s%s", st->conn->origin, path), path, pf);
				continue;
			}
		}

		if (st->next_request >= list_length(st->requests))
			return slot;		/* every series is read */
		start_request(st, st->next_request++);
	}
}

/*
 * polygonReScanForeignScan
 *		Start over, with the conditions' current values.
 */
static void
polygonReScanForeignScan(ForeignScanState *node)
{
	PolygonScanState *st = (PolygonScanState *) node->fdw_state;

	cancel_prefetches(st);
	if (st->flat)
		flat_close(st->flat);
	st->flat = NULL;
	st->started = false;
	st->page_open = false;
	st->requests = NIL;
	st->current = NULL;
	MemoryContextReset(st->page_cxt);
	MemoryContextReset(st->req_cxt);	/* each outer row's requests, not all of them */
}

/*
 * polygonEndForeignScan
 *		Nothing outlives the scan but the backend's curl handle.
 */
static void
polygonEndForeignScan(ForeignScanState *node)
{
	PolygonScanState *st = (PolygonScanState *) node->fdw_state;

	if (st == NULL)
		return;
	cancel_prefetches(st);
	if (st->flat)
		flat_close(st->flat);
	st->flat = NULL;
	MemoryContextDelete(st->page_cxt);
	st->page_cxt = NULL;

	session_stats.requests += st->stats.requests;
	session_stats.pages += st->stats.pages;
	session_stats.bytes += st->stats.bytes;
	session_stats.retries += st->stats.retries;
	session_stats.status_429 += st->stats.status_429;
	session_stats.cache_hits += st->stats.cache_hits;
	session_stats.ratelimit_wait_ms += st->stats.ratelimit_wait_ms;
	session_stats.backoff_wait_ms += st->stats.backoff_wait_ms;
}

/*
 * tape_polygon_session_stats
 *		tape.polygon_session_stats(): the counters of EXPLAIN ANALYZE summed
 *		over the foreign scans this session has finished, so that a long
 *		procedure can report the requests it made.
 */
Datum
tape_polygon_session_stats(PG_FUNCTION_ARGS)
{
	TupleDesc	desc;
	Datum		values[8];
	bool		nulls[8] = {0};

	if (get_call_result_type(fcinfo, NULL, &desc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "return type must be a row type");
	values[0] = Int64GetDatum(session_stats.requests);
	values[1] = Int64GetDatum(session_stats.pages);
	values[2] = Int64GetDatum(session_stats.bytes);
	values[3] = Int64GetDatum(session_stats.retries);
	values[4] = Int64GetDatum(session_stats.status_429);
	values[5] = Int64GetDatum(session_stats.cache_hits);
	values[6] = Float8GetDatum(session_stats.ratelimit_wait_ms);
	values[7] = Float8GetDatum(session_stats.backoff_wait_ms);
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(BlessTupleDesc(desc), values, nulls)));
}

/*
 * describe_requests
 *		"GET path; GET path; ... (n more)" of the first EXPLAIN_REQUESTS
 *		requests (keys redacted) into buf; returns how many there are.
 */
static int
describe_requests(List *requests, StringInfo buf)
{
	int			n = 0;
	ListCell   *lc;

	initStringInfo(buf);
	foreach(lc, requests)
	{
		if (n < EXPLAIN_REQUESTS)
			appendStringInfo(buf, "%sGET %s", n > 0 ? "; " : "",
							 polygon_redact_url(((PolygonRequest *) lfirst(lc))->path));
		n++;
	}
	if (n > EXPLAIN_REQUESTS)
		appendStringInfo(buf, "; ... (%d more)", n - EXPLAIN_REQUESTS);
	return n;
}

/*
 * polygonExplainForeignScan
 *		Show the endpoint, the pushed-down conditions and the requests; with
 *		ANALYZE, what the requests cost.
 */
static void
polygonExplainForeignScan(ForeignScanState *node, ExplainState *es)
{
	PolygonScanState *st = (PolygonScanState *) node->fdw_state;
	ForeignScan *plan = (ForeignScan *) node->ss.ps.plan;
	List	   *cond_ints = list_nth(plan->fdw_private, FdwScanPrivateConds);
	List	   *pushed = NIL;
	List	   *requests;
	StringInfoData buf;

	ExplainPropertyText("Endpoint", psprintf("%s (GET %s)", st->ep->name, st->ep->path), es);

	/*
	 * The conditions written into requests, as the Filter shows them:
	 * EXPLAIN has just set the deparse context for this plan and its
	 * ancestors, so outer values show as the columns they come from.
	 */
	for (int i = 0; i < st->ncond; i++)
	{
		Node	   *clause = list_nth(plan->scan.plan.qual, list_nth_int(cond_ints, 3 * i + 2));

		pushed = lappend(pushed, deparse_expression(clause, es->deparse_cxt, false, false));
	}
	if (pushed != NIL)
		ExplainPropertyList("Pushed Down", pushed, es);

	if (st->has_exec_params && !st->started)
	{
		int			n = describe_requests(build_scan_requests(node, st, true), &buf);

		ExplainPropertyInteger("Planned Requests per Outer Row", NULL, n, es);
		if (n > 0)
			ExplainPropertyText("Request Template", buf.data, es);
	}
	else
	{
		int			n;

		requests = st->started ? st->requests : build_scan_requests(node, st, false);
		n = describe_requests(requests, &buf);
		if (st->has_exec_params)
		{
			ExplainPropertyInteger("Requests of the Last Outer Row", NULL, n, es);
			if (n > 0)
				ExplainPropertyText("Last Requests", buf.data, es);
		}
		else
		{
			ExplainPropertyInteger("Planned Requests", NULL, n, es);
			if (n > 0)
				ExplainPropertyText("Requests", buf.data, es);
		}
	}

	if (es->analyze)
	{
		ExplainPropertyInteger("HTTP Requests", NULL, st->stats.requests, es);
		ExplainPropertyInteger("Pages", NULL, st->stats.pages, es);
		ExplainPropertyInteger("Bytes", NULL, st->stats.bytes, es);
		ExplainPropertyInteger("Retries", NULL, st->stats.retries, es);
		ExplainPropertyInteger("HTTP 429", NULL, st->stats.status_429, es);
		ExplainPropertyInteger("Cache Hits", NULL, st->stats.cache_hits, es);
		if (es->timing)
		{
			ExplainPropertyFloat("Rate Limit Wait", "ms", st->stats.ratelimit_wait_ms, 1, es);
			ExplainPropertyFloat("Back-off Wait", "ms", st->stats.backoff_wait_ms, 1, es);
		}
	}
}

/*
 * polygonImportForeignSchema
 *		IMPORT FOREIGN SCHEMA polygon: one foreign table per endpoint.
 */
static List *
polygonImportForeignSchema(ImportForeignSchemaStmt *stmt, Oid serverOid)
{
	ForeignServer *server = GetForeignServer(serverOid);
	List	   *commands = NIL;

	if (strcmp(stmt->remote_schema, "polygon") != 0)
		ereport(ERROR,
				(errcode(ERRCODE_FDW_SCHEMA_NOT_FOUND),
				 errmsg("schema \"%s\" is not present on foreign server \"%s\"",
						stmt->remote_schema, server->servername),
				 errhint("polygon_fdw offers one remote schema: IMPORT FOREIGN SCHEMA polygon FROM SERVER %s INTO ....",
						 quote_identifier(server->servername))));

	if (stmt->options != NIL)
		ereport(ERROR,
				(errcode(ERRCODE_FDW_INVALID_OPTION_NAME),
				 errmsg("invalid option \"%s\"", ((DefElem *) linitial(stmt->options))->defname),
				 errhint("IMPORT FOREIGN SCHEMA of polygon_fdw takes no options; use LIMIT TO or EXCEPT to choose tables.")));

	for (int i = 0; i < polygon_endpoint_count(); i++)
		commands = lappend(commands,
						   polygon_import_statement(polygon_endpoint_by_index(i),
													server->servername,
													stmt->local_schema));
	return commands;
}
