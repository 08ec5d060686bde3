/*-------------------------------------------------------------------------
 *
 * cache.c
 *		The request cache: pages of settled history, kept compressed.
 *
 * A page whose request covers only time before today (New York) will never
 * change, so polygon_fdw keeps its body in tape.request_cache, compressed
 * with zstd, keyed by the request's path and query (never the API key).  A
 * later scan that would send the same request reads the page from there:
 * no request, no rate-limit wait.  Entries are written by the scan's own
 * transaction (a scan in a read-only transaction only reads), with ON
 * CONFLICT DO NOTHING so concurrent sessions can fill it together.
 *
 * Copyright (c) 2026, tape developers
 *
 * IDENTIFICATION
 *		src/fdw/cache.c
 *
 *-------------------------------------------------------------------------
 */
#include "polygon_fdw.h"

#include <zstd.h>

#include "access/xact.h"
#include "access/xlog.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "catalog/namespace.h"
#include "nodes/makefuncs.h"
#include "utils/builtins.h"

/* zstd level of the stored pages: fast, and about 8x on Polygon JSON */
#define CACHE_ZSTD_LEVEL	3

static SPIPlanPtr lookup_plan = NULL;
static SPIPlanPtr contains_plan = NULL;
static SPIPlanPtr hit_plan = NULL;
static SPIPlanPtr store_plan = NULL;

/* a plan kept for the life of the backend */
static SPIPlanPtr
keep_plan(SPIPlanPtr *plan, const char *sql, int nargs, Oid *argtypes)
{
	if (*plan == NULL)
	{
		SPIPlanPtr	p = SPI_prepare(sql, nargs, argtypes);

		if (p == NULL)
			elog(ERROR, "SPI_prepare failed for the request cache: %s",
				 SPI_result_code_string(SPI_result));
		SPI_keepplan(p);
		*plan = p;
	}
	return *plan;
}

/*
 * cache_table_exists
 *		Whether tape.request_cache is there (a database whose tape predates
 *		it has none: the cache is then simply not used).
 */
static bool
cache_table_exists(void)
{
	static bool warned = false;
	Oid			relid = RangeVarGetRelid(makeRangeVar("tape", "request_cache", -1), NoLock, true);

	if (!OidIsValid(relid) && !warned)
	{
		warned = true;
		ereport(NOTICE,
				(errmsg("the request cache of polygon_fdw is not installed in this database"),
				 errhint("Run ALTER EXTENSION tape UPDATE to add tape.request_cache.")));
	}
	return OidIsValid(relid);
}

/* writes are possible: not read-only, not a standby, not a parallel worker */
static bool
cache_writable(void)
{
	return !XactReadOnly && !RecoveryInProgress() && !IsInParallelMode();
}

/*
 * polygon_cache_lookup
 *		The cached body of key into body (appended); false on a miss.
 */
bool
polygon_cache_lookup(const char *key, StringInfo body)
{
	Oid			argtypes[1] = {TEXTOID};
	Datum		args[1];
	bool		found = false;

	if (!cache_table_exists())
		return false;
	args[0] = CStringGetTextDatum(key);
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	if (SPI_execute_plan(keep_plan(&lookup_plan,
								   "SELECT body, raw_bytes FROM tape.request_cache WHERE request = $1",
								   1, argtypes),
						 args, NULL, true, 1) != SPI_OK_SELECT)
		elog(ERROR, "request cache lookup failed");
	if (SPI_processed == 1)
	{
		bool		isnull;
		bytea	   *stored = DatumGetByteaPP(SPI_getbinval(SPI_tuptable->vals[0],
														   SPI_tuptable->tupdesc, 1, &isnull));
		int32		raw = DatumGetInt32(SPI_getbinval(SPI_tuptable->vals[0],
													  SPI_tuptable->tupdesc, 2, &isnull));
		size_t		got;

		enlargeStringInfo(body, raw);
		got = ZSTD_decompress(body->data + body->len, raw,
							  VARDATA_ANY(stored), VARSIZE_ANY_EXHDR(stored));
		if (ZSTD_isError(got) || got != (size_t) raw)
			ereport(WARNING,
					(errcode(ERRCODE_DATA_CORRUPTED),
					 errmsg("request cache entry is corrupt; fetching the page again"),
					 errdetail("zstd: %s.", ZSTD_isError(got) ? ZSTD_getErrorName(got) : "wrong size")));
		else
		{
			body->len += raw;
			body->data[body->len] = '\0';
			found = true;
			if (cache_writable())
				SPI_execute_plan(keep_plan(&hit_plan,
										   "UPDATE tape.request_cache SET hits = hits + 1, last_hit = now() WHERE request = $1",
										   1, argtypes),
								 args, NULL, false, 0);
		}
	}
	SPI_finish();
	return found;
}

/*
 * polygon_cache_contains
 *		Whether key is cached (without reading it).
 */
bool
polygon_cache_contains(const char *key)
{
	Oid			argtypes[1] = {TEXTOID};
	Datum		args[1];
	bool		found;

	if (!cache_table_exists())
		return false;
	args[0] = CStringGetTextDatum(key);
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	if (SPI_execute_plan(keep_plan(&contains_plan,
								   "SELECT 1 FROM tape.request_cache WHERE request = $1",
								   1, argtypes),
						 args, NULL, true, 1) != SPI_OK_SELECT)
		elog(ERROR, "request cache lookup failed");
	found = SPI_processed > 0;
	SPI_finish();
	return found;
}

/*
 * polygon_cache_store
 *		Keep a page of settled history.
 */
void
polygon_cache_store(const char *endpoint, const char *key, const char *body, size_t len)
{
	Oid			argtypes[4] = {TEXTOID, TEXTOID, INT4OID, BYTEAOID};
	Datum		args[4];
	size_t		bound;
	bytea	   *stored;
	size_t		n;

	if (!cache_writable() || len > (size_t) PG_INT32_MAX || !cache_table_exists())
		return;
	bound = ZSTD_compressBound(len);
	stored = (bytea *) palloc(VARHDRSZ + bound);
	n = ZSTD_compress(VARDATA(stored), bound, body, len, CACHE_ZSTD_LEVEL);
	if (ZSTD_isError(n))
	{
		pfree(stored);
		return;					/* a cache that cannot compress is just not used */
	}
	SET_VARSIZE(stored, VARHDRSZ + n);

	args[0] = CStringGetTextDatum(key);
	args[1] = CStringGetTextDatum(endpoint);
	args[2] = Int32GetDatum((int32) len);
	args[3] = PointerGetDatum(stored);
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	if (SPI_execute_plan(keep_plan(&store_plan,
								   "INSERT INTO tape.request_cache (request, endpoint, raw_bytes, body) "
								   "VALUES ($1, $2, $3, $4) ON CONFLICT (request) DO NOTHING",
								   4, argtypes),
						 args, NULL, false, 0) != SPI_OK_INSERT)
		elog(ERROR, "request cache insert failed");
	SPI_finish();
	pfree(stored);
}
