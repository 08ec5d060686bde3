/*-------------------------------------------------------------------------
 *
 * cache.c
 *		The request cache: pages of settled history, kept compressed.
 *
 * A page whose request covers only time before today (New York) will never
 * change, so polygon_fdw keeps its body in tape.request_cache, compressed
 * with zstd, and a later scan that would send the same request reads the
 * page from there: no request, no rate-limit wait.
 *
 * Key.  A page is the answer of one server to one API key: the row is keyed
 * by the foreign server, the user mapping whose key fetched it, and the URL
 * it came from (scheme, host, port, path and query; never the key).  Two
 * servers never share pages, a server whose base_url changes never serves
 * the pages of its old URL, and a role never reads what another role's key
 * fetched.  A server with shared_cache 'true' keys its pages by server and
 * URL alone (user mapping 0): every role with a user mapping on it reads
 * them, as a team sharing one account would want.  Dropping a server or a
 * user mapping drops its pages (an event trigger in 15_request_cache.sql).
 *
 * Privileges.  Ordinary roles have no privilege on the table: they could
 * read every body, or forge a page another role would receive as API data.
 * Nor do they need any privilege on schema tape: the table is found
 * without a check on it.  The functions here read and write it as the
 * table's owner (the identity switch of SECURITY DEFINER functions, limited
 * to these statements, with every name and operator schema-qualified), and
 * tape.cache_stats() and
 * tape.cache_clear() show and delete only the pages of the caller's own
 * user mappings, and the shared pages of servers it has a mapping on; the
 * owner and superusers see and clear everything.
 *
 * Trust.  A stored row is checked before anything is allocated for it: its
 * size before compression within CACHE_MAX_PAGE_BYTES, its compressed size
 * possible for that size, the zstd frame declaring the same size and
 * carrying a checksum of the content, which must decompress to exactly that
 * many bytes; the scan then opens it as a page of its endpoint.  A row that
 * fails is deleted and the page fetched again, with a WARNING.
 *
 * Locking.  A read takes no row lock and writes nothing: a row is written
 * once, when its page is first fetched (INSERT ... ON CONFLICT DO NOTHING,
 * by the scan's own transaction, seen through a fresh snapshot so that
 * REPEATABLE READ sessions filling the cache together do not fail).  Hits
 * are counted in shared memory per database, server, user mapping and
 * endpoint (per session without shared_preload_libraries), for
 * tape.cache_stats().
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

#include "access/detoast.h"
#include "access/htup_details.h"
#include "access/xact.h"
#include "access/xlog.h"
#include "catalog/namespace.h"
#include "catalog/pg_class.h"
#include "catalog/pg_type.h"
#include "catalog/pg_user_mapping.h"
#include "executor/spi.h"
#include "foreign/foreign.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "storage/ipc.h"
#include "storage/lwlock.h"
#include "storage/shmem.h"
#include "storage/spin.h"
#include "utils/acl.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/snapmgr.h"
#include "utils/syscache.h"
#include "utils/timestamp.h"

/* zstd level of the stored pages: fast, and about 8x on Polygon JSON */
#define CACHE_ZSTD_LEVEL	3

/* Largest page kept (a full page of 50,000 trades is about 10 MB) */
#define CACHE_MAX_PAGE_BYTES	((size_t) 64 * 1024 * 1024)

/* Longest URL kept (it is part of the primary key) */
#define CACHE_MAX_URL_BYTES		2000

/* Hit counters: (database, server, user mapping, endpoint) */
#define CACHE_HIT_SLOTS		256

typedef struct CacheHitSlot
{
	Oid			dbid;			/* InvalidOid: a free slot */
	Oid			server;
	Oid			umid;			/* InvalidOid for shared pages */
	char		endpoint[32];
	uint64		hits;			/* pages read from the cache */
	TimestampTz last_hit;
} CacheHitSlot;

typedef struct CacheHitState
{
	slock_t		mutex;			/* protects slots */
	CacheHitSlot slots[CACHE_HIT_SLOTS];
} CacheHitState;

static CacheHitState *shared_hits = NULL;
static CacheHitState local_hits;

/* The caller's identity while the cache is read as its owner */
typedef struct CacheOwnerScope
{
	Oid			save_userid;
	int			save_sec_context;
} CacheOwnerScope;

/* Plans kept for the life of the backend (prepared as the owner) */
static SPIPlanPtr lookup_plan = NULL;
static SPIPlanPtr contains_plan = NULL;
static SPIPlanPtr store_plan = NULL;
static SPIPlanPtr discard_plan = NULL;

#define KEY_CONDITION \
	"server OPERATOR(pg_catalog.=) $1 AND user_mapping OPERATOR(pg_catalog.=) $2 " \
	"AND url OPERATOR(pg_catalog.=) $3"

static Oid	cache_relid(bool notice);
static void become_cache_owner(Oid relid, CacheOwnerScope *scope);
static void leave_cache_owner(CacheOwnerScope *scope);
static SPIPlanPtr keep_plan(SPIPlanPtr *plan, const char *sql, int nargs, Oid *argtypes);
static Oid	page_umid(PolygonConnection *conn);
static bool key_usable(const char *url);
static const char *unpack_page(HeapTuple tuple, TupleDesc desc, const PolygonEndpoint *ep,
							   StringInfo body);
static void count_hit(Oid server, Oid umid, const char *endpoint);
static Oid	caller_mapping(Oid userid, Oid server);
static bool caller_sees_all(Oid userid, Oid relid);
static bool caller_sees(Oid userid, Oid server, Oid umid);

/*
 * polygon_cache_shmem_request
 *		Ask for the hit counters (from shmem_request_hook).
 */
void
polygon_cache_shmem_request(void)
{
	RequestAddinShmemSpace(MAXALIGN(sizeof(CacheHitState)));
}

/*
 * polygon_cache_shmem_startup
 *		Attach to (or create) the hit counters (from shmem_startup_hook).
 */
void
polygon_cache_shmem_startup(void)
{
	bool		found;

	LWLockAcquire(AddinShmemInitLock, LW_EXCLUSIVE);
	shared_hits = ShmemInitStruct("tape polygon_fdw cache hits", sizeof(CacheHitState), &found);
	if (!found)
	{
		SpinLockInit(&shared_hits->mutex);
		memset(shared_hits->slots, 0, sizeof(shared_hits->slots));
	}
	LWLockRelease(AddinShmemInitLock);
}

/*
 * cache_relid
 *		tape.request_cache, or InvalidOid when this database's tape predates
 *		it (the cache is then simply not used, and notice says so once).
 *
 * Found without a privilege check on schema tape (which a name lookup makes):
 * a role querying a foreign table needs none.
 */
static Oid
cache_relid(bool notice)
{
	static bool warned = false;
	Oid			nspid = get_namespace_oid("tape", true);
	Oid			relid = OidIsValid(nspid) ? get_relname_relid("request_cache", nspid) : InvalidOid;

	if (!OidIsValid(relid) && notice && !warned)
	{
		warned = true;
		ereport(NOTICE,
				(errmsg("the request cache of polygon_fdw is not installed in this database"),
				 errhint("Run ALTER EXTENSION tape UPDATE to add tape.request_cache.")));
	}
	return relid;
}

/* the owner of the cache table */
static Oid
cache_owner(Oid relid)
{
	HeapTuple	tp = SearchSysCache1(RELOID, ObjectIdGetDatum(relid));
	Oid			owner;

	if (!HeapTupleIsValid(tp))
		elog(ERROR, "cache lookup failed for relation %u", relid);
	owner = ((Form_pg_class) GETSTRUCT(tp))->relowner;
	ReleaseSysCache(tp);
	return owner;
}

/*
 * become_cache_owner
 *		Act as the owner of the cache table until leave_cache_owner(): the
 *		caller needs no privilege on it.  The switch is undone by an error's
 *		(sub)transaction abort as well.
 */
static void
become_cache_owner(Oid relid, CacheOwnerScope *scope)
{
	GetUserIdAndSecContext(&scope->save_userid, &scope->save_sec_context);
	SetUserIdAndSecContext(cache_owner(relid), scope->save_sec_context | SECURITY_LOCAL_USERID_CHANGE |
						   SECURITY_RESTRICTED_OPERATION);
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
}

static void
leave_cache_owner(CacheOwnerScope *scope)
{
	SPI_finish();
	SetUserIdAndSecContext(scope->save_userid, scope->save_sec_context);
}

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

/* writes are possible: not read-only, not a standby, not a parallel worker */
static bool
cache_writable(void)
{
	return !XactReadOnly && !RecoveryInProgress() && !IsInParallelMode();
}

/* the user mapping part of the key: 0 when the server shares its pages */
static Oid
page_umid(PolygonConnection *conn)
{
	return conn->opts.shared_cache ? InvalidOid : conn->umid;
}

/* a URL that can be a key, from a scan that knows its user mapping */
static bool
key_usable(const char *url)
{
	return strlen(url) <= CACHE_MAX_URL_BYTES;
}

/* the three key values of a page */
static void
key_args(PolygonConnection *conn, const char *url, Datum *args)
{
	args[0] = ObjectIdGetDatum(conn->serverid);
	args[1] = ObjectIdGetDatum(page_umid(conn));
	args[2] = CStringGetTextDatum(url);
}

/*
 * execute_keyed
 *		Run a statement about one page, its key in $1 .. $3, through a fresh
 *		snapshot (inside become_cache_owner).
 */
static void
execute_keyed(SPIPlanPtr *plan, const char *sql, PolygonConnection *conn, const char *url,
			  bool read_only, long tcount, int expected)
{
	Oid			argtypes[3] = {OIDOID, OIDOID, TEXTOID};
	Datum		args[3];

	key_args(conn, url, args);
	if (SPI_execute_snapshot(keep_plan(plan, sql, 3, argtypes), args, NULL, GetLatestSnapshot(),
							 InvalidSnapshot, read_only, !read_only, tcount) != expected)
		elog(ERROR, "request cache statement failed: %s", sql);
}

/*
 * unpack_page
 *		Check a stored row (raw_bytes, body, endpoint) and append its page to
 *		body.  NULL when it is sound, else why it is not.  Nothing larger
 *		than CACHE_MAX_PAGE_BYTES is allocated, whatever the row says.
 */
static const char *
unpack_page(HeapTuple tuple, TupleDesc desc, const PolygonEndpoint *ep, StringInfo body)
{
	bool		isnull;
	int32		raw = DatumGetInt32(SPI_getbinval(tuple, desc, 1, &isnull));
	Datum		stored_datum = SPI_getbinval(tuple, desc, 2, &isnull);
	char	   *endpoint = SPI_getvalue(tuple, desc, 3);
	Size		stored_len;
	bytea	   *stored;
	unsigned long long content;
	size_t		got;

	if (raw < 2 || (size_t) raw > CACHE_MAX_PAGE_BYTES)
		return psprintf("Its size before compression, %d bytes, is not that of a page (at most %zu).",
						raw, CACHE_MAX_PAGE_BYTES);
	if (endpoint == NULL || strcmp(endpoint, ep->name) != 0)
		return psprintf("It is a page of endpoint \"%s\".", endpoint ? endpoint : "");
	stored_len = toast_raw_datum_size(stored_datum) - VARHDRSZ;
	if (stored_len == 0 || stored_len > ZSTD_compressBound(raw))
		return psprintf("Its compressed size, %zu bytes, is impossible for %d bytes.",
						(size_t) stored_len, raw);
	stored = DatumGetByteaPP(stored_datum);
	content = ZSTD_getFrameContentSize(VARDATA_ANY(stored), VARSIZE_ANY_EXHDR(stored));
	if (content != (unsigned long long) raw)
		return "Its zstd frame does not declare the size of the page.";
	enlargeStringInfo(body, raw);
	got = ZSTD_decompress(body->data + body->len, raw, VARDATA_ANY(stored),
						  VARSIZE_ANY_EXHDR(stored));
	if (ZSTD_isError(got))
		return psprintf("zstd: %s.", ZSTD_getErrorName(got));
	if (got != (size_t) raw)
		return psprintf("It decompresses to %zu bytes instead of %d.", got, raw);
	body->len += raw;
	body->data[body->len] = '\0';
	return NULL;
}

/*
 * polygon_cache_lookup
 *		The cached page of url for conn's server and key into body (appended);
 *		false on a miss.  A damaged row is deleted with a WARNING, and is a
 *		miss.
 */
bool
polygon_cache_lookup(PolygonConnection *conn, const PolygonEndpoint *ep, const char *url,
					 StringInfo body)
{
	Oid			relid;
	CacheOwnerScope scope;
	const char *damage = NULL;
	bool		found = false;
	int			len_before = body->len;

	if (!key_usable(url) || !OidIsValid(relid = cache_relid(true)))
		return false;
	become_cache_owner(relid, &scope);
	execute_keyed(&lookup_plan,
				  "SELECT raw_bytes, body, endpoint FROM tape.request_cache WHERE " KEY_CONDITION,
				  conn, url, true, 1, SPI_OK_SELECT);
	if (SPI_processed == 1)
	{
		damage = unpack_page(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, ep, body);
		found = (damage == NULL);
	}
	leave_cache_owner(&scope);

	if (damage != NULL)
	{
		body->len = len_before;
		body->data[body->len] = '\0';
		polygon_cache_discard(conn, url, damage);
	}
	if (found)
		count_hit(conn->serverid, page_umid(conn), ep->name);
	return found;
}

/*
 * polygon_cache_discard
 *		Delete the cached page of url (it is damaged: why says how) and say
 *		so in a WARNING; the caller fetches it again.
 */
void
polygon_cache_discard(PolygonConnection *conn, const char *url, const char *why)
{
	Oid			relid;
	CacheOwnerScope scope;

	ereport(WARNING,
			(errcode(ERRCODE_DATA_CORRUPTED),
			 errmsg("cached page of server \"%s\" is damaged; fetching it again", conn->servername),
			 errdetail_internal("The cached page of GET %s: %s",
								polygon_redact_url(polygon_path_of_url(url)), why)));

	if (!cache_writable() || !key_usable(url) || !OidIsValid(relid = cache_relid(false)))
		return;
	become_cache_owner(relid, &scope);
	execute_keyed(&discard_plan, "DELETE FROM tape.request_cache WHERE " KEY_CONDITION,
				  conn, url, false, 0, SPI_OK_DELETE);
	leave_cache_owner(&scope);
}

/*
 * polygon_cache_contains
 *		Whether the page of url is cached for conn (without reading it).
 */
bool
polygon_cache_contains(PolygonConnection *conn, const char *url)
{
	Oid			relid;
	CacheOwnerScope scope;
	bool		found;

	if (!key_usable(url) || !OidIsValid(relid = cache_relid(true)))
		return false;
	become_cache_owner(relid, &scope);
	execute_keyed(&contains_plan, "SELECT 1 FROM tape.request_cache WHERE " KEY_CONDITION,
				  conn, url, true, 1, SPI_OK_SELECT);
	found = SPI_processed > 0;
	leave_cache_owner(&scope);
	return found;
}

/*
 * polygon_cache_store
 *		Keep a page of settled history that has just been fetched and opened.
 */
void
polygon_cache_store(PolygonConnection *conn, const PolygonEndpoint *ep, const char *url,
					const char *body, size_t len)
{
	Oid			argtypes[6] = {OIDOID, OIDOID, TEXTOID, TEXTOID, INT4OID, BYTEAOID};
	Datum		args[6];
	Oid			relid;
	CacheOwnerScope scope;
	ZSTD_CCtx  *cctx;
	size_t		bound;
	bytea	   *stored;
	size_t		n;

	if (!cache_writable() || len < 2 || len > CACHE_MAX_PAGE_BYTES || !key_usable(url) ||
		!OidIsValid(relid = cache_relid(true)))
		return;

	/* the frame declares its size and carries a checksum of the content */
	bound = ZSTD_compressBound(len);
	stored = (bytea *) palloc(VARHDRSZ + bound);
	cctx = ZSTD_createCCtx();
	if (cctx == NULL)
		return;					/* a cache that cannot compress is just not used */
	ZSTD_CCtx_setParameter(cctx, ZSTD_c_compressionLevel, CACHE_ZSTD_LEVEL);
	ZSTD_CCtx_setParameter(cctx, ZSTD_c_checksumFlag, 1);
	ZSTD_CCtx_setParameter(cctx, ZSTD_c_contentSizeFlag, 1);
	n = ZSTD_compress2(cctx, VARDATA(stored), bound, body, len);
	ZSTD_freeCCtx(cctx);
	if (ZSTD_isError(n))
	{
		pfree(stored);
		return;
	}
	SET_VARSIZE(stored, VARHDRSZ + n);

	key_args(conn, url, args);
	args[3] = CStringGetTextDatum(ep->name);
	args[4] = Int32GetDatum((int32) len);
	args[5] = PointerGetDatum(stored);
	become_cache_owner(relid, &scope);
	if (SPI_execute_snapshot(keep_plan(&store_plan,
									   "INSERT INTO tape.request_cache "
									   "(server, user_mapping, url, endpoint, raw_bytes, body) "
									   "VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING",
									   6, argtypes),
							 args, NULL, GetLatestSnapshot(), InvalidSnapshot,
							 false, true, 0) != SPI_OK_INSERT)
		elog(ERROR, "request cache insert failed");
	leave_cache_owner(&scope);
	pfree(stored);
}

/*
 * count_hit
 *		One more page read from the cache.  The slot of the least recent hit
 *		is taken over when every slot is in use.
 */
static void
count_hit(Oid server, Oid umid, const char *endpoint)
{
	CacheHitState *state = shared_hits ? shared_hits : &local_hits;
	TimestampTz now = GetCurrentTimestamp();
	CacheHitSlot *slot = NULL;
	CacheHitSlot *stalest = &state->slots[0];

	if (shared_hits)
		SpinLockAcquire(&shared_hits->mutex);
	for (int i = 0; i < CACHE_HIT_SLOTS && slot == NULL; i++)
	{
		CacheHitSlot *s = &state->slots[i];

		if (s->dbid == MyDatabaseId && s->server == server && s->umid == umid &&
			strcmp(s->endpoint, endpoint) == 0)
			slot = s;
		else if (s->dbid == InvalidOid || s->last_hit < stalest->last_hit)
			stalest = s;
	}
	if (slot == NULL)
	{
		slot = stalest;
		slot->dbid = MyDatabaseId;
		slot->server = server;
		slot->umid = umid;
		strlcpy(slot->endpoint, endpoint, sizeof(slot->endpoint));
		slot->hits = 0;
	}
	slot->hits++;
	slot->last_hit = now;
	if (shared_hits)
		SpinLockRelease(&shared_hits->mutex);
}

/*
 * caller_mapping
 *		The user mapping a scan by userid on server uses (its own, else the
 *		PUBLIC one), or InvalidOid.
 */
static Oid
caller_mapping(Oid userid, Oid server)
{
	HeapTuple	tp;
	Oid			umid = InvalidOid;

	tp = SearchSysCache2(USERMAPPINGUSERSERVER, ObjectIdGetDatum(userid), ObjectIdGetDatum(server));
	if (!HeapTupleIsValid(tp))
		tp = SearchSysCache2(USERMAPPINGUSERSERVER, ObjectIdGetDatum(InvalidOid),
							 ObjectIdGetDatum(server));
	if (HeapTupleIsValid(tp))
	{
		umid = ((Form_pg_user_mapping) GETSTRUCT(tp))->oid;
		ReleaseSysCache(tp);
	}
	return umid;
}

/* the owner of the cache and superusers see every page */
static bool
caller_sees_all(Oid userid, Oid relid)
{
	return superuser_arg(userid) || has_privs_of_role(userid, cache_owner(relid));
}

/*
 * caller_sees
 *		Whether userid may see the pages of server kept under umid: those of
 *		the mapping its scans use, and the shared ones (umid 0) of a server
 *		it has a mapping on.
 */
static bool
caller_sees(Oid userid, Oid server, Oid umid)
{
	Oid			mine = caller_mapping(userid, server);

	return OidIsValid(mine) && (umid == mine || umid == InvalidOid);
}

/* the role a user mapping is for: its name, "public", or NULL if it is gone */
static char *
mapping_role(Oid umid)
{
	HeapTuple	tp = SearchSysCache1(USERMAPPINGOID, ObjectIdGetDatum(umid));
	Oid			user;

	if (!HeapTupleIsValid(tp))
		return NULL;
	user = ((Form_pg_user_mapping) GETSTRUCT(tp))->umuser;
	ReleaseSysCache(tp);
	return OidIsValid(user) ? GetUserNameFromId(user, true) : pstrdup("public");
}

PG_FUNCTION_INFO_V1(tape_cache_stats);
PG_FUNCTION_INFO_V1(tape_cache_clear);

/*
 * tape_cache_stats
 *		tape.cache_stats(): per server, role and endpoint, the pages the
 *		caller may see, their bytes, and their hits since the server started
 *		(since the session started without shared_preload_libraries).
 */
Datum
tape_cache_stats(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	Oid			userid = GetUserId();
	Oid			relid;
	bool		all;
	CacheOwnerScope scope;
	CacheHitSlot *hits = palloc(sizeof(CacheHitSlot) * CACHE_HIT_SLOTS);
	CacheHitState *state = shared_hits ? shared_hits : &local_hits;

	InitMaterializedSRF(fcinfo, 0);
	if (!OidIsValid(relid = cache_relid(false)))
		return (Datum) 0;
	all = caller_sees_all(userid, relid);

	if (shared_hits)
		SpinLockAcquire(&shared_hits->mutex);
	memcpy(hits, state->slots, sizeof(CacheHitSlot) * CACHE_HIT_SLOTS);
	if (shared_hits)
		SpinLockRelease(&shared_hits->mutex);

	become_cache_owner(relid, &scope);
	if (SPI_execute("SELECT c.server, c.user_mapping, c.endpoint, pg_catalog.count(*), "
					"pg_catalog.sum(c.raw_bytes), pg_catalog.sum(pg_catalog.octet_length(c.body)), "
					"pg_catalog.min(c.fetched_at), pg_catalog.max(c.fetched_at) "
					"FROM tape.request_cache c GROUP BY 1, 2, 3",
					true, 0) != SPI_OK_SELECT)
		elog(ERROR, "request cache statistics failed");

	for (uint64 r = 0; r < SPI_processed; r++)
	{
		HeapTuple	tuple = SPI_tuptable->vals[r];
		TupleDesc	desc = SPI_tuptable->tupdesc;
		bool		isnull;
		Oid			server = DatumGetObjectId(SPI_getbinval(tuple, desc, 1, &isnull));
		Oid			umid = DatumGetObjectId(SPI_getbinval(tuple, desc, 2, &isnull));
		char	   *endpoint = SPI_getvalue(tuple, desc, 3);
		int64		raw = DatumGetInt64(SPI_getbinval(tuple, desc, 5, &isnull));
		int64		stored = DatumGetInt64(SPI_getbinval(tuple, desc, 6, &isnull));
		Datum		values[12];
		bool		nulls[12] = {0};
		ForeignServer *fs;
		char	   *role;
		int64		nhits = 0;
		TimestampTz last_hit = 0;

		if (!all && !caller_sees(userid, server, umid))
			continue;
		for (int i = 0; i < CACHE_HIT_SLOTS; i++)
		{
			if (hits[i].dbid == MyDatabaseId && hits[i].server == server &&
				hits[i].umid == umid && strcmp(hits[i].endpoint, endpoint) == 0)
			{
				nhits += hits[i].hits;
				last_hit = Max(last_hit, hits[i].last_hit);
			}
		}
		fs = GetForeignServerExtended(server, FSV_MISSING_OK);
		role = OidIsValid(umid) ? mapping_role(umid) : NULL;
		values[0] = fs ? CStringGetTextDatum(fs->servername) : (Datum) 0;
		nulls[0] = (fs == NULL);
		values[1] = role ? CStringGetTextDatum(role) : (Datum) 0;
		nulls[1] = (role == NULL);
		values[2] = BoolGetDatum(!OidIsValid(umid));
		values[3] = CStringGetTextDatum(endpoint);
		values[4] = SPI_getbinval(tuple, desc, 4, &isnull);
		values[5] = Int64GetDatum(raw);
		values[6] = Int64GetDatum(stored);
		values[7] = DirectFunctionCall2(numeric_round,
										DirectFunctionCall1(float8_numeric,
															Float8GetDatum((double) raw / Max(stored, 1))),
										Int32GetDatum(1));
		values[8] = Int64GetDatum(nhits);
		values[9] = TimestampTzGetDatum(last_hit);
		nulls[9] = (last_hit == 0);
		values[10] = SPI_getbinval(tuple, desc, 7, &isnull);
		values[11] = SPI_getbinval(tuple, desc, 8, &isnull);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	leave_cache_owner(&scope);
	return (Datum) 0;
}

/*
 * tape_cache_clear
 *		tape.cache_clear(endpoint, older_than, server): delete the cached
 *		pages the caller may see (all of them for the owner and superusers),
 *		of one endpoint, fetched longer ago than older_than, of one server;
 *		NULL means any.  Returns how many were deleted.
 */
Datum
tape_cache_clear(PG_FUNCTION_ARGS)
{
	Oid			userid = GetUserId();
	Oid			argtypes[6] = {TEXTOID, INTERVALOID, OIDOID, BOOLOID, OIDARRAYOID, OIDARRAYOID};
	Datum		args[6];
	char		nulls[6] = {' ', ' ', ' ', ' ', ' ', ' '};
	Oid			relid;
	bool		all;
	CacheOwnerScope scope;
	Datum	   *servers = NULL;
	Datum	   *mappings = NULL;
	int			npairs = 0;
	int64		deleted;

	if (!OidIsValid(relid = cache_relid(false)))
		PG_RETURN_INT64(0);
	if (!cache_writable())
		ereport(ERROR,
				(errcode(ERRCODE_READ_ONLY_SQL_TRANSACTION),
				 errmsg("cannot clear the request cache in a read-only transaction")));
	all = caller_sees_all(userid, relid);

	args[0] = PG_ARGISNULL(0) ? (Datum) 0 : PG_GETARG_DATUM(0);
	nulls[0] = PG_ARGISNULL(0) ? 'n' : ' ';
	args[1] = PG_ARGISNULL(1) ? (Datum) 0 : PG_GETARG_DATUM(1);
	nulls[1] = PG_ARGISNULL(1) ? 'n' : ' ';
	if (PG_ARGISNULL(2))
	{
		args[2] = (Datum) 0;
		nulls[2] = 'n';
	}
	else
		args[2] = ObjectIdGetDatum(GetForeignServerByName(text_to_cstring(PG_GETARG_TEXT_PP(2)),
														  false)->serverid);
	args[3] = BoolGetDatum(all);

	become_cache_owner(relid, &scope);
	if (!all)
	{
		/* the (server, user mapping) pairs whose pages the caller may see */
		if (SPI_execute("SELECT DISTINCT server, user_mapping FROM tape.request_cache",
						true, 0) != SPI_OK_SELECT)
			elog(ERROR, "request cache lookup failed");
		servers = palloc(sizeof(Datum) * Max(1, SPI_processed));
		mappings = palloc(sizeof(Datum) * Max(1, SPI_processed));
		for (uint64 r = 0; r < SPI_processed; r++)
		{
			bool		isnull;
			Datum		server = SPI_getbinval(SPI_tuptable->vals[r], SPI_tuptable->tupdesc, 1, &isnull);
			Datum		umid = SPI_getbinval(SPI_tuptable->vals[r], SPI_tuptable->tupdesc, 2, &isnull);

			if (caller_sees(userid, DatumGetObjectId(server), DatumGetObjectId(umid)))
			{
				servers[npairs] = server;
				mappings[npairs] = umid;
				npairs++;
			}
		}
	}
	args[4] = PointerGetDatum(construct_array(servers, npairs, OIDOID, sizeof(Oid), true,
											  TYPALIGN_INT));
	args[5] = PointerGetDatum(construct_array(mappings, npairs, OIDOID, sizeof(Oid), true,
											  TYPALIGN_INT));
	if (SPI_execute_with_args("DELETE FROM tape.request_cache c "
							  "WHERE ($1 IS NULL OR c.endpoint OPERATOR(pg_catalog.=) $1) "
							  "AND ($2 IS NULL OR c.fetched_at OPERATOR(pg_catalog.<) "
							  "     (pg_catalog.now() OPERATOR(pg_catalog.-) $2)) "
							  "AND ($3 IS NULL OR c.server OPERATOR(pg_catalog.=) $3) "
							  "AND ($4 OR EXISTS (SELECT FROM ROWS FROM (pg_catalog.unnest($5), pg_catalog.unnest($6)) AS v(s, u) "
							  "     WHERE v.s OPERATOR(pg_catalog.=) c.server "
							  "       AND v.u OPERATOR(pg_catalog.=) c.user_mapping))",
							  6, argtypes, args, nulls, false, 0) != SPI_OK_DELETE)
		elog(ERROR, "request cache clear failed");
	deleted = (int64) SPI_processed;
	leave_cache_owner(&scope);
	PG_RETURN_INT64(deleted);
}
