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
 * Nor do they need any on schema tape to query a foreign table: the table
 * is found without a privilege check on its schema and read, scanned and
 * deleted from through the table and index access methods, which check
 * none; the one statement, the INSERT of a new page, runs as the table's
 * owner (the identity switch of SECURITY DEFINER functions, limited to that
 * statement, with every name and operator schema-qualified).
 * tape.cache_stats() and tape.cache_clear() show and delete only the pages
 * of the caller's own user mappings, and the shared pages of servers it has
 * a mapping on; the owner and superusers see and clear everything.
 *
 * Trust.  A stored row is checked before anything is allocated for it: its
 * size before compression within CACHE_MAX_PAGE_BYTES, its compressed size
 * possible for that size, the zstd frame declaring the same size and
 * carrying a checksum of the content, which must decompress to exactly that
 * many bytes; the scan then opens it as a page of its endpoint.  A row that
 * fails is deleted and the page fetched again, with a WARNING.
 *
 * Isolation.  The cache is not the caller's data, and no transaction may
 * wait or fail because of it.  A row is written once, when its page is
 * first fetched, by the scan's own transaction, and never updated.  Rows
 * are looked up through SnapshotSelf (the committed rows, and the
 * transaction's own): whatever the isolation level, a page another
 * transaction has committed since the snapshot was taken is a hit, and,
 * the snapshot not being an MVCC one, SERIALIZABLE transactions take no
 * predicate lock on the table, so that two of them filling the cache are
 * never a dangerous structure.  A page that another transaction has kept
 * but not yet committed is not seen: it is fetched again, and not stored.
 * Storing a page takes a transaction-level advisory lock on its key,
 * conditionally (another session storing the same page at this moment
 * means this one need not), looks for a row of the key through a dirty
 * snapshot, committed or not, and inserts only when there is none, then
 * releases the lock: the INSERT never finds a conflicting row to wait for,
 * the wait that ON CONFLICT would make for another open transaction (and
 * the serialization failure after it at REPEATABLE READ).  Reading takes no
 * row lock and writes nothing; hits are counted in shared memory per
 * database, server, user mapping and endpoint (per session without
 * shared_preload_libraries), for tape.cache_stats().
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
#include "access/genam.h"
#include "access/htup_details.h"
#include "access/stratnum.h"
#include "access/table.h"
#include "access/tableam.h"
#include "access/xact.h"
#include "access/xlog.h"
#include "catalog/namespace.h"
#include "catalog/pg_class.h"
#include "catalog/pg_type.h"
#include "catalog/pg_user_mapping.h"
#include "common/hashfn.h"
#include "executor/spi.h"
#include "executor/tuptable.h"
#include "foreign/foreign.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "storage/ipc.h"
#include "storage/lock.h"
#include "storage/lwlock.h"
#include "storage/shmem.h"
#include "storage/spin.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/hsearch.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
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

/* field4 of the advisory lock taken while a page is stored (users' are 1 and 2) */
#define CACHE_STORE_LOCK	0x7463

/* The columns of tape.request_cache (sql/install/15_request_cache.sql) */
#define Anum_cache_server		1
#define Anum_cache_user_mapping 2
#define Anum_cache_url			3
#define Anum_cache_endpoint		4
#define Anum_cache_raw_bytes	5
#define Anum_cache_body			6
#define Anum_cache_fetched_at	7
#define Natts_cache				7

static const char *const cache_columns[Natts_cache] = {
	"server", "user_mapping", "url", "endpoint", "raw_bytes", "body", "fetched_at"
};

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

/* The cache table and its primary key, open */
typedef struct CacheRel
{
	Relation	rel;
	Relation	pkey;			/* (server, user_mapping, url) */
	TupleTableSlot *slot;		/* a row of rel */
} CacheRel;

/* The caller's identity while a page is inserted as the table's owner */
typedef struct CacheOwnerScope
{
	Oid			save_userid;
	int			save_sec_context;
} CacheOwnerScope;

/* The INSERT of a new page, kept for the life of the backend (prepared as the owner) */
static SPIPlanPtr store_plan = NULL;

/* Pages, bytes and ages of one (server, user mapping, endpoint), for cache_stats */
typedef struct CacheStatsKey
{
	Oid			server;
	Oid			umid;
	char		endpoint[NAMEDATALEN];
} CacheStatsKey;

typedef struct CacheStatsEntry
{
	CacheStatsKey key;			/* hash key: must be first */
	int64		pages;
	int64		raw_bytes;		/* sum of raw_bytes */
	int64		stored_bytes;	/* sum of the bodies' sizes */
	TimestampTz oldest;			/* min(fetched_at) */
	TimestampTz newest;			/* max(fetched_at) */
} CacheStatsEntry;

static Oid	cache_relid(bool notice);
static bool open_cache(CacheRel *cr, LOCKMODE lockmode, bool notice);
static void close_cache(CacheRel *cr);
static bool find_page(CacheRel *cr, PolygonConnection *conn, const char *url, Snapshot snapshot);
static bool delete_page(CacheRel *cr, bool wait);
static void insert_page(Oid relid, Datum *args);
static Oid	page_umid(PolygonConnection *conn);
static bool key_usable(const char *url);
static const char *unpack_page(TupleTableSlot *slot, const PolygonEndpoint *ep, StringInfo body);
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
 * open_cache
 *		Open the cache table with lockmode, its primary key and a slot for its
 *		rows; false when it is not installed (notice: say so once).
 */
static bool
open_cache(CacheRel *cr, LOCKMODE lockmode, bool notice)
{
	static Oid	checked_relid = InvalidOid;
	Oid			relid = cache_relid(notice);
	Oid			pkey;

	if (!OidIsValid(relid) || (cr->rel = try_table_open(relid, lockmode)) == NULL)
		return false;

	/* the columns this file reads by number, checked once per backend */
	if (relid != checked_relid)
	{
		TupleDesc	desc = RelationGetDescr(cr->rel);

		for (int i = 0; i < Natts_cache; i++)
		{
			if (desc->natts < Natts_cache ||
				strcmp(NameStr(TupleDescAttr(desc, i)->attname), cache_columns[i]) != 0)
				elog(ERROR, "tape.request_cache does not have the columns polygon_fdw reads");
		}
		checked_relid = relid;
	}
	pkey = RelationGetPrimaryKeyIndex(cr->rel);
	if (!OidIsValid(pkey))
		elog(ERROR, "tape.request_cache has no primary key");
	cr->pkey = index_open(pkey, AccessShareLock);
	cr->slot = table_slot_create(cr->rel, NULL);
	return true;
}

/*
 * close_cache
 *		Close what open_cache opened; the locks are kept until the end of the
 *		transaction, as a statement would keep them.
 */
static void
close_cache(CacheRel *cr)
{
	ExecDropSingleTupleTableSlot(cr->slot);
	index_close(cr->pkey, NoLock);
	table_close(cr->rel, NoLock);
}

/*
 * find_page
 *		Look up the row of url for conn's server and key through snapshot,
 *		into cr->slot; false if there is none.
 *
 * A SERIALIZABLE transaction takes no predicate lock through a snapshot
 * that is not an MVCC one (SnapshotSelf, a dirty snapshot).
 */
static bool
find_page(CacheRel *cr, PolygonConnection *conn, const char *url, Snapshot snapshot)
{
	ScanKeyData keys[3];
	IndexScanDesc scan;
	bool		found;

	ScanKeyEntryInitialize(&keys[0], 0, 1, BTEqualStrategyNumber, InvalidOid,
						   cr->pkey->rd_indcollation[0], F_OIDEQ,
						   ObjectIdGetDatum(conn->serverid));
	ScanKeyEntryInitialize(&keys[1], 0, 2, BTEqualStrategyNumber, InvalidOid,
						   cr->pkey->rd_indcollation[1], F_OIDEQ,
						   ObjectIdGetDatum(page_umid(conn)));
	ScanKeyEntryInitialize(&keys[2], 0, 3, BTEqualStrategyNumber, InvalidOid,
						   cr->pkey->rd_indcollation[2], F_TEXTEQ,
						   CStringGetTextDatum(url));
	scan = index_beginscan(cr->rel, cr->pkey, snapshot, 3, 0);
	index_rescan(scan, keys, 3, NULL, 0);
	found = index_getnext_slot(scan, ForwardScanDirection, cr->slot);
	index_endscan(scan);
	return found;
}

/*
 * delete_page
 *		Delete the row in cr->slot (open with RowExclusiveLock); false when
 *		another transaction deleted it first, or, unless wait, is deleting it
 *		now.
 */
static bool
delete_page(CacheRel *cr, bool wait)
{
	TM_FailureData tmfd;
	TM_Result	result;

	result = table_tuple_delete(cr->rel, &cr->slot->tts_tid, GetCurrentCommandId(true),
								InvalidSnapshot, InvalidSnapshot, wait, &tmfd, false);
	switch (result)
	{
		case TM_Ok:
			return true;
		case TM_SelfModified:
		case TM_Updated:
		case TM_Deleted:
		case TM_BeingModified:
			return false;
		default:
			elog(ERROR, "unexpected result %d deleting a page of the request cache", (int) result);
	}
	return false;				/* keep the compiler quiet */
}

/*
 * insert_page
 *		INSERT a new page (args: the six values of store_plan) as the owner
 *		of the cache table: the caller needs no privilege on it.  The switch
 *		of identity is undone by an error's (sub)transaction abort as well.
 *
 * Through a fresh snapshot, so that a REPEATABLE READ transaction does not
 * fail on a row committed since its snapshot (polygon_cache_store makes
 * sure there is none: ON CONFLICT DO NOTHING is only a second guard).
 */
static void
insert_page(Oid relid, Datum *args)
{
	Oid			argtypes[6] = {OIDOID, OIDOID, TEXTOID, TEXTOID, INT4OID, BYTEAOID};
	CacheOwnerScope scope;

	GetUserIdAndSecContext(&scope.save_userid, &scope.save_sec_context);
	SetUserIdAndSecContext(cache_owner(relid), scope.save_sec_context | SECURITY_LOCAL_USERID_CHANGE |
						   SECURITY_RESTRICTED_OPERATION);
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	if (store_plan == NULL)
	{
		SPIPlanPtr	p = SPI_prepare("INSERT INTO tape.request_cache "
									"(server, user_mapping, url, endpoint, raw_bytes, body) "
									"VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING",
									6, argtypes);

		if (p == NULL)
			elog(ERROR, "SPI_prepare failed for the request cache: %s",
				 SPI_result_code_string(SPI_result));
		SPI_keepplan(p);
		store_plan = p;
	}
	if (SPI_execute_snapshot(store_plan, args, NULL, GetLatestSnapshot(), InvalidSnapshot,
							 false, true, 0) != SPI_OK_INSERT)
		elog(ERROR, "request cache insert failed");
	SPI_finish();
	SetUserIdAndSecContext(scope.save_userid, scope.save_sec_context);
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

/*
 * unpack_page
 *		Check a stored row (in slot) and append its page to body.  NULL when
 *		it is sound, else why it is not.  Nothing larger than
 *		CACHE_MAX_PAGE_BYTES is allocated, whatever the row says.
 */
static const char *
unpack_page(TupleTableSlot *slot, const PolygonEndpoint *ep, StringInfo body)
{
	bool		isnull;
	int32		raw = DatumGetInt32(slot_getattr(slot, Anum_cache_raw_bytes, &isnull));
	Datum		stored_datum = slot_getattr(slot, Anum_cache_body, &isnull);
	char	   *endpoint = TextDatumGetCString(slot_getattr(slot, Anum_cache_endpoint, &isnull));
	Size		stored_len;
	bytea	   *stored;
	unsigned long long content;
	size_t		got;
	const char *damage = NULL;

	if (raw < 2 || (size_t) raw > CACHE_MAX_PAGE_BYTES)
		return psprintf("Its size before compression, %d bytes, is not that of a page (at most %zu).",
						raw, CACHE_MAX_PAGE_BYTES);
	if (strcmp(endpoint, ep->name) != 0)
		return psprintf("It is a page of endpoint \"%s\".", endpoint);
	stored_len = toast_raw_datum_size(stored_datum) - VARHDRSZ;
	if (stored_len == 0 || stored_len > ZSTD_compressBound(raw))
		return psprintf("Its compressed size, %zu bytes, is impossible for %d bytes.",
						(size_t) stored_len, raw);
	stored = DatumGetByteaPP(stored_datum);
	content = ZSTD_getFrameContentSize(VARDATA_ANY(stored), VARSIZE_ANY_EXHDR(stored));
	if (content != (unsigned long long) raw)
		damage = "Its zstd frame does not declare the size of the page.";
	else
	{
		enlargeStringInfo(body, raw);
		got = ZSTD_decompress(body->data + body->len, raw, VARDATA_ANY(stored),
							  VARSIZE_ANY_EXHDR(stored));
		if (ZSTD_isError(got))
			damage = psprintf("zstd: %s.", ZSTD_getErrorName(got));
		else if (got != (size_t) raw)
			damage = psprintf("It decompresses to %zu bytes instead of %d.", got, raw);
		else
		{
			body->len += raw;
			body->data[body->len] = '\0';
		}
	}
	if ((Pointer) stored != DatumGetPointer(stored_datum))
		pfree(stored);			/* a detoasted copy of up to 64 MB */
	return damage;
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
	CacheRel	cr;
	const char *damage = NULL;
	bool		found = false;
	int			len_before = body->len;

	if (!key_usable(url) || !open_cache(&cr, AccessShareLock, true))
		return false;
	if (find_page(&cr, conn, url, SnapshotSelf))
	{
		damage = unpack_page(cr.slot, ep, body);
		found = (damage == NULL);
	}
	close_cache(&cr);

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
 *		so in a WARNING; the caller fetches it again.  A page that another
 *		transaction is deleting is left to it (a reader does not wait).
 */
void
polygon_cache_discard(PolygonConnection *conn, const char *url, const char *why)
{
	CacheRel	cr;

	ereport(WARNING,
			(errcode(ERRCODE_DATA_CORRUPTED),
			 errmsg("cached page of server \"%s\" is damaged; fetching it again", conn->servername),
			 errdetail_internal("The cached page of GET %s: %s",
								polygon_redact_url(polygon_path_of_url(url)), why)));

	if (!cache_writable() || !key_usable(url) || !open_cache(&cr, RowExclusiveLock, false))
		return;
	if (find_page(&cr, conn, url, SnapshotSelf))
		(void) delete_page(&cr, false);
	close_cache(&cr);
}

/*
 * polygon_cache_contains
 *		Whether the page of url is cached for conn (without reading it).
 */
bool
polygon_cache_contains(PolygonConnection *conn, const char *url)
{
	CacheRel	cr;
	bool		found;

	if (!key_usable(url) || !open_cache(&cr, AccessShareLock, true))
		return false;
	found = find_page(&cr, conn, url, SnapshotSelf);
	close_cache(&cr);
	return found;
}

/*
 * polygon_cache_store
 *		Keep a page of settled history that has just been fetched and opened,
 *		unless a row of its key exists, committed or not, or another session
 *		is storing it now.  Never waits for another transaction.
 */
void
polygon_cache_store(PolygonConnection *conn, const PolygonEndpoint *ep, const char *url,
					const char *body, size_t len)
{
	Datum		args[6];
	CacheRel	cr;
	SnapshotData dirty;
	LOCKTAG		tag;
	uint64		h;
	ZSTD_CCtx  *cctx;
	size_t		bound;
	bytea	   *stored;
	size_t		n;

	if (!cache_writable() || len < 2 || len > CACHE_MAX_PAGE_BYTES || !key_usable(url) ||
		!open_cache(&cr, RowExclusiveLock, true))
		return;

	/* the key is this session's while it looks and inserts, or another is storing it */
	h = hash_bytes_extended((const unsigned char *) url, strlen(url),
							((uint64) conn->serverid << 32) | page_umid(conn));
	SET_LOCKTAG_ADVISORY(tag, MyDatabaseId, (uint32) (h >> 32), (uint32) h, CACHE_STORE_LOCK);
	if (LockAcquire(&tag, ExclusiveLock, false, true) == LOCKACQUIRE_NOT_AVAIL)
	{
		close_cache(&cr);
		return;
	}
	InitDirtySnapshot(dirty);
	if (find_page(&cr, conn, url, &dirty))
	{
		LockRelease(&tag, ExclusiveLock, false);
		close_cache(&cr);
		return;
	}

	/* the frame declares its size and carries a checksum of the content */
	bound = ZSTD_compressBound(len);
	stored = (bytea *) palloc(VARHDRSZ + bound);
	cctx = ZSTD_createCCtx();
	if (cctx != NULL)
	{
		ZSTD_CCtx_setParameter(cctx, ZSTD_c_compressionLevel, CACHE_ZSTD_LEVEL);
		ZSTD_CCtx_setParameter(cctx, ZSTD_c_checksumFlag, 1);
		ZSTD_CCtx_setParameter(cctx, ZSTD_c_contentSizeFlag, 1);
		n = ZSTD_compress2(cctx, VARDATA(stored), bound, body, len);
		ZSTD_freeCCtx(cctx);

		/* a cache that cannot compress is just not used */
		if (!ZSTD_isError(n))
		{
			SET_VARSIZE(stored, VARHDRSZ + n);
			args[0] = ObjectIdGetDatum(conn->serverid);
			args[1] = ObjectIdGetDatum(page_umid(conn));
			args[2] = CStringGetTextDatum(url);
			args[3] = CStringGetTextDatum(ep->name);
			args[4] = Int32GetDatum((int32) len);
			args[5] = PointerGetDatum(stored);
			insert_page(RelationGetRelid(cr.rel), args);
		}
	}
	pfree(stored);
	LockRelease(&tag, ExclusiveLock, false);
	close_cache(&cr);
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
 *
 * The rows are read through SnapshotSelf, as a scan reads them: calling it
 * in a SERIALIZABLE transaction takes no predicate lock.
 */
Datum
tape_cache_stats(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	Oid			userid = GetUserId();
	CacheRel	cr;
	bool		all;
	CacheHitSlot *hits = palloc(sizeof(CacheHitSlot) * CACHE_HIT_SLOTS);
	CacheHitState *state = shared_hits ? shared_hits : &local_hits;
	HASHCTL		ctl;
	HTAB	   *groups;
	HASH_SEQ_STATUS seq;
	CacheStatsEntry *e;
	TableScanDesc scan;

	InitMaterializedSRF(fcinfo, 0);
	if (!open_cache(&cr, AccessShareLock, false))
		return (Datum) 0;
	all = caller_sees_all(userid, RelationGetRelid(cr.rel));

	if (shared_hits)
		SpinLockAcquire(&shared_hits->mutex);
	memcpy(hits, state->slots, sizeof(CacheHitSlot) * CACHE_HIT_SLOTS);
	if (shared_hits)
		SpinLockRelease(&shared_hits->mutex);

	ctl.keysize = sizeof(CacheStatsKey);
	ctl.entrysize = sizeof(CacheStatsEntry);
	ctl.hcxt = CurrentMemoryContext;
	groups = hash_create("tape.cache_stats groups", 64, &ctl, HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);

	scan = table_beginscan(cr.rel, SnapshotSelf, 0, NULL);
	while (table_scan_getnextslot(scan, ForwardScanDirection, cr.slot))
	{
		CacheStatsKey key;
		bool		isnull;
		bool		found;
		TimestampTz fetched;

		CHECK_FOR_INTERRUPTS();
		memset(&key, 0, sizeof(key));
		key.server = DatumGetObjectId(slot_getattr(cr.slot, Anum_cache_server, &isnull));
		key.umid = DatumGetObjectId(slot_getattr(cr.slot, Anum_cache_user_mapping, &isnull));
		text_to_cstring_buffer(DatumGetTextPP(slot_getattr(cr.slot, Anum_cache_endpoint, &isnull)),
							   key.endpoint, sizeof(key.endpoint));
		if (!all && !caller_sees(userid, key.server, key.umid))
			continue;
		fetched = DatumGetTimestampTz(slot_getattr(cr.slot, Anum_cache_fetched_at, &isnull));
		e = hash_search(groups, &key, HASH_ENTER, &found);
		if (!found)
		{
			e->pages = e->raw_bytes = e->stored_bytes = 0;
			e->oldest = e->newest = fetched;
		}
		e->pages++;
		e->raw_bytes += DatumGetInt32(slot_getattr(cr.slot, Anum_cache_raw_bytes, &isnull));
		e->stored_bytes += toast_raw_datum_size(slot_getattr(cr.slot, Anum_cache_body, &isnull)) -
			VARHDRSZ;
		e->oldest = Min(e->oldest, fetched);
		e->newest = Max(e->newest, fetched);
	}
	table_endscan(scan);
	close_cache(&cr);

	hash_seq_init(&seq, groups);
	while ((e = hash_seq_search(&seq)) != NULL)
	{
		Datum		values[12];
		bool		nulls[12] = {0};
		ForeignServer *fs;
		char	   *role;
		int64		nhits = 0;
		TimestampTz last_hit = 0;

		for (int i = 0; i < CACHE_HIT_SLOTS; i++)
		{
			if (hits[i].dbid == MyDatabaseId && hits[i].server == e->key.server &&
				hits[i].umid == e->key.umid && strcmp(hits[i].endpoint, e->key.endpoint) == 0)
			{
				nhits += hits[i].hits;
				last_hit = Max(last_hit, hits[i].last_hit);
			}
		}
		fs = GetForeignServerExtended(e->key.server, FSV_MISSING_OK);
		role = OidIsValid(e->key.umid) ? mapping_role(e->key.umid) : NULL;
		values[0] = fs ? CStringGetTextDatum(fs->servername) : (Datum) 0;
		nulls[0] = (fs == NULL);
		values[1] = role ? CStringGetTextDatum(role) : (Datum) 0;
		nulls[1] = (role == NULL);
		values[2] = BoolGetDatum(!OidIsValid(e->key.umid));
		values[3] = CStringGetTextDatum(e->key.endpoint);
		values[4] = Int64GetDatum(e->pages);
		values[5] = Int64GetDatum(e->raw_bytes);
		values[6] = Int64GetDatum(e->stored_bytes);
		values[7] = DirectFunctionCall2(numeric_round,
										DirectFunctionCall1(float8_numeric,
															Float8GetDatum((double) e->raw_bytes /
																		   Max(e->stored_bytes, 1))),
										Int32GetDatum(1));
		values[8] = Int64GetDatum(nhits);
		values[9] = TimestampTzGetDatum(last_hit);
		nulls[9] = (last_hit == 0);
		values[10] = TimestampTzGetDatum(e->oldest);
		values[11] = TimestampTzGetDatum(e->newest);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	return (Datum) 0;
}

/*
 * tape_cache_clear
 *		tape.cache_clear(endpoint, older_than, server): delete the cached
 *		pages the caller may see (all of them for the owner and superusers),
 *		of one endpoint, fetched longer ago than older_than, of one server;
 *		NULL means any.  Returns how many were deleted.
 *
 * The rows are read through SnapshotSelf (no predicate lock) and deleted
 * one by one; a row another transaction is deleting is waited for.
 */
Datum
tape_cache_clear(PG_FUNCTION_ARGS)
{
	Oid			userid = GetUserId();
	char	   *endpoint = PG_ARGISNULL(0) ? NULL : text_to_cstring(PG_GETARG_TEXT_PP(0));
	bool		by_age = !PG_ARGISNULL(1);
	bool		by_server = !PG_ARGISNULL(2);
	TimestampTz cutoff = 0;
	Oid			server = InvalidOid;
	CacheRel	cr;
	bool		all;
	TableScanDesc scan;
	int64		deleted = 0;

	if (!OidIsValid(cache_relid(false)))
		PG_RETURN_INT64(0);
	if (!cache_writable())
		ereport(ERROR,
				(errcode(ERRCODE_READ_ONLY_SQL_TRANSACTION),
				 errmsg("cannot clear the request cache in a read-only transaction")));
	if (by_age)
		cutoff = DatumGetTimestampTz(DirectFunctionCall2(timestamptz_mi_interval,
														 TimestampTzGetDatum(GetCurrentTransactionStartTimestamp()),
														 PG_GETARG_DATUM(1)));
	if (by_server)
		server = GetForeignServerByName(text_to_cstring(PG_GETARG_TEXT_PP(2)), false)->serverid;
	if (!open_cache(&cr, RowExclusiveLock, false))
		PG_RETURN_INT64(0);
	all = caller_sees_all(userid, RelationGetRelid(cr.rel));

	scan = table_beginscan(cr.rel, SnapshotSelf, 0, NULL);
	while (table_scan_getnextslot(scan, ForwardScanDirection, cr.slot))
	{
		bool		isnull;
		Oid			row_server = DatumGetObjectId(slot_getattr(cr.slot, Anum_cache_server, &isnull));
		Oid			row_umid = DatumGetObjectId(slot_getattr(cr.slot, Anum_cache_user_mapping, &isnull));

		CHECK_FOR_INTERRUPTS();
		if (by_server && row_server != server)
			continue;
		if (by_age &&
			DatumGetTimestampTz(slot_getattr(cr.slot, Anum_cache_fetched_at, &isnull)) >= cutoff)
			continue;
		if (endpoint != NULL)
		{
			char	   *row_endpoint = TextDatumGetCString(slot_getattr(cr.slot, Anum_cache_endpoint,
																		  &isnull));
			bool		same = strcmp(row_endpoint, endpoint) == 0;

			pfree(row_endpoint);
			if (!same)
				continue;
		}
		if (!all && !caller_sees(userid, row_server, row_umid))
			continue;
		if (delete_page(&cr, true))
			deleted++;
	}
	table_endscan(scan);
	close_cache(&cr);
	PG_RETURN_INT64(deleted);
}
