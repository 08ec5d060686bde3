/*-------------------------------------------------------------------------
 *
 * connection.c
 *		What a scan needs to reach the API: server options and the API key.
 *
 * The API key is read from the user mapping when a scan starts, kept in
 * executor memory for the scan's life and sent only in the Authorization
 * header.  It never enters a plan (plans can be printed), an error message,
 * a NOTICE or EXPLAIN output.  Rate-limit buckets are keyed by a hash of the
 * key, because Polygon counts requests per key.
 *
 * Copyright (c) 2026, tape developers
 *
 * IDENTIFICATION
 *		src/fdw/connection.c
 *
 *-------------------------------------------------------------------------
 */
#include "polygon_fdw.h"

#include "access/htup_details.h"
#include "access/reloptions.h"
#include "catalog/pg_user_mapping.h"
#include "commands/defrem.h"
#include "common/hashfn.h"
#include "foreign/foreign.h"
#include "miscadmin.h"
#include "utils/acl.h"
#include "utils/syscache.h"

static char *lookup_api_key(Oid serverid, Oid userid, const char *servername);

/*
 * polygon_connect
 *		Gather the options of serverid and, if need_key, the API key of userid.
 */
PolygonConnection *
polygon_connect(Oid serverid, Oid userid, bool need_key)
{
	PolygonConnection *conn = palloc0(sizeof(PolygonConnection));
	ForeignServer *server = GetForeignServer(serverid);
	const char *scheme_end;
	const char *host_end;

	conn->serverid = serverid;
	conn->servername = pstrdup(server->servername);
	polygon_get_server_options(serverid, &conn->opts);

	/* scheme://host[:port] is where next_url pages are fetched from */
	scheme_end = strstr(conn->opts.base_url, "://");
	Assert(scheme_end != NULL);
	host_end = strchr(scheme_end + 3, '/');
	conn->origin = host_end ? pnstrdup(conn->opts.base_url, host_end - conn->opts.base_url)
		: pstrdup(conn->opts.base_url);

	if (need_key)
	{
		conn->api_key = lookup_api_key(serverid, userid, server->servername);
		conn->key_hash = polygon_key_hash(conn->api_key);
	}
	return conn;
}

/*
 * polygon_key_hash
 *		A 64-bit hash naming the rate-limit bucket of an API key.
 */
uint64
polygon_key_hash(const char *api_key)
{
	return hash_bytes_extended((const unsigned char *) api_key, strlen(api_key),
							   UINT64CONST(0x7461706570677921));
}

/*
 * lookup_api_key
 *		The api_key of the user mapping for userid (or PUBLIC) on serverid.
 */
static char *
lookup_api_key(Oid serverid, Oid userid, const char *servername)
{
	HeapTuple	tp;
	Datum		datum;
	bool		isnull;
	char	   *key = NULL;
	ListCell   *lc;

	tp = SearchSysCache2(USERMAPPINGUSERSERVER,
						 ObjectIdGetDatum(userid), ObjectIdGetDatum(serverid));
	if (!HeapTupleIsValid(tp))
		tp = SearchSysCache2(USERMAPPINGUSERSERVER,
							 ObjectIdGetDatum(InvalidOid), ObjectIdGetDatum(serverid));
	if (!HeapTupleIsValid(tp))
		ereport(ERROR,
				(errcode(ERRCODE_FDW_OPTION_NAME_NOT_FOUND),
				 errmsg("user mapping not found for user \"%s\" on server \"%s\"",
						GetUserNameFromId(userid, false), servername),
				 errhint("Create one with CREATE USER MAPPING FOR CURRENT_USER SERVER %s OPTIONS (api_key '...').",
						 servername)));

	datum = SysCacheGetAttr(USERMAPPINGUSERSERVER, tp,
							Anum_pg_user_mapping_umoptions, &isnull);
	if (!isnull)
	{
		foreach(lc, untransformRelOptions(datum))
		{
			DefElem    *def = (DefElem *) lfirst(lc);

			if (strcmp(def->defname, "api_key") == 0)
				key = pstrdup(defGetString(def));
		}
	}
	ReleaseSysCache(tp);

	if (key == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_FDW_OPTION_NAME_NOT_FOUND),
				 errmsg("user mapping for server \"%s\" has no api_key option", servername),
				 errhint("Add it with ALTER USER MAPPING FOR CURRENT_USER SERVER %s OPTIONS (ADD api_key '...').",
						 servername)));
	return key;
}
