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

/* what lookup_user_options must find in the user mapping */
#define NEED_API_KEY	0x01
#define NEED_S3_KEYS	0x02

static void lookup_user_options(PolygonConnection *conn, Oid userid, int need);

/*
 * polygon_connect
 *		Gather the options of serverid and, when requests will be sent, the
 *		secrets of userid's mapping they need: the API key for the REST API,
 *		the S3 keys for flat files on S3 (a local directory needs none).
 */
PolygonConnection *
polygon_connect(Oid serverid, Oid userid, bool flatfile, bool will_send)
{
	int			need = 0;

	PolygonConnection *conn = palloc0(sizeof(PolygonConnection));
	ForeignServer *server = GetForeignServer(serverid);

	conn->serverid = serverid;
	conn->servername = pstrdup(server->servername);
	conn->userid = userid;
	polygon_get_server_options(serverid, &conn->opts);

	/* scheme://host[:port] is where next_url pages are fetched from */
	conn->origin = conn->opts.origin;

	if (will_send && !flatfile)
		need = NEED_API_KEY;
	else if (will_send && polygon_flatfiles_dir(&conn->opts) == NULL)
		need = NEED_S3_KEYS;
	else if (will_send)
		polygon_check_local_files(userid);	/* who reads through it, now */
	if (need != 0)
		lookup_user_options(conn, userid, need);
	if (conn->api_key)
		conn->key_hash = polygon_key_hash(conn->api_key);
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
 * lookup_user_options
 *		The secrets of the user mapping for userid (or PUBLIC) on the server.
 */
static void
lookup_user_options(PolygonConnection *conn, Oid userid, int need)
{
	HeapTuple	tp;
	Datum		datum;
	bool		isnull;
	List	   *options;
	ListCell   *lc;

	tp = SearchSysCache2(USERMAPPINGUSERSERVER,
						 ObjectIdGetDatum(userid), ObjectIdGetDatum(conn->serverid));
	if (!HeapTupleIsValid(tp))
		tp = SearchSysCache2(USERMAPPINGUSERSERVER,
							 ObjectIdGetDatum(InvalidOid), ObjectIdGetDatum(conn->serverid));
	if (!HeapTupleIsValid(tp))
		ereport(ERROR,
				(errcode(ERRCODE_FDW_OPTION_NAME_NOT_FOUND),
				 errmsg("user mapping not found for user \"%s\" on server \"%s\"",
						GetUserNameFromId(userid, false), conn->servername),
				 (need & NEED_API_KEY)
				 ? errhint("Create one with CREATE USER MAPPING FOR CURRENT_USER SERVER %s OPTIONS (api_key '...').",
						   conn->servername)
				 : errhint("Create one with CREATE USER MAPPING FOR CURRENT_USER SERVER %s OPTIONS (s3_access_key_id '...', s3_secret_access_key '...').",
						   conn->servername)));

	conn->umid = ((Form_pg_user_mapping) GETSTRUCT(tp))->oid;
	datum = SysCacheGetAttr(USERMAPPINGUSERSERVER, tp,
							Anum_pg_user_mapping_umoptions, &isnull);
	options = isnull ? NIL : untransformRelOptions(datum);	/* a copy */
	ReleaseSysCache(tp);

	foreach(lc, options)
	{
		DefElem    *def = (DefElem *) lfirst(lc);
		char	  **dest = NULL;

		if (strcmp(def->defname, "api_key") == 0)
			dest = &conn->api_key;
		else if (strcmp(def->defname, "s3_access_key_id") == 0)
			dest = &conn->s3_access_key_id;
		else if (strcmp(def->defname, "s3_secret_access_key") == 0)
			dest = &conn->s3_secret_access_key;
		if (dest == NULL)
			continue;
		/* checked again: it goes into a header (a wrapper may lack our validator) */
		polygon_check_secret(def->defname, defGetString(def));
		*dest = defGetString(def);
	}

	if ((need & NEED_API_KEY) && conn->api_key == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_FDW_OPTION_NAME_NOT_FOUND),
				 errmsg("user mapping for server \"%s\" has no api_key option", conn->servername),
				 errhint("Add it with ALTER USER MAPPING FOR CURRENT_USER SERVER %s OPTIONS (ADD api_key '...').",
						 conn->servername)));
	if ((need & NEED_S3_KEYS) &&
		(conn->s3_access_key_id == NULL || conn->s3_secret_access_key == NULL))
		ereport(ERROR,
				(errcode(ERRCODE_FDW_OPTION_NAME_NOT_FOUND),
				 errmsg("user mapping for server \"%s\" has no S3 credentials for flat files",
						conn->servername),
				 errdetail("Flat files on S3 need the options s3_access_key_id and s3_secret_access_key."),
				 errhint("Add them with ALTER USER MAPPING FOR CURRENT_USER SERVER %s OPTIONS (ADD s3_access_key_id '...', ADD s3_secret_access_key '...'), using the flat-file keys of your dashboard.",
						 conn->servername)));
}
