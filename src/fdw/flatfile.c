/*-------------------------------------------------------------------------
 *
 * flatfile.c
 *		Reading Polygon's flat files: one gzip CSV file per day.
 *
 * The flat files (us_stocks_sip/{trades_v1,quotes_v1,minute_aggs_v1,
 * day_aggs_v1}/YYYY/MM/YYYY-MM-DD.csv.gz) hold a whole market day of one
 * dataset.  A scan reads them as a stream: from a local directory directly,
 * from S3 after downloading the file into a temporary file (a trades day is
 * over 1 GB of gzip: it is never held in memory).  The gzip stream is
 * inflated a buffer at a time, cut into lines, and each line into fields;
 * the header names the columns, so their order does not matter.
 *
 * Every resource is PostgreSQL's: files are virtual file descriptors (closed
 * at the end of the transaction on error), zlib allocates with palloc.
 *
 * Copyright (c) 2026, tape developers
 *
 * IDENTIFICATION
 *		src/fdw/flatfile.c
 *
 *-------------------------------------------------------------------------
 */
#include "flatfile.h"

#include <fcntl.h>
#include <zlib.h>

#include "miscadmin.h"
#include "pgstat.h"
#include "storage/fd.h"
#include "utils/memutils.h"

#define IN_CHUNK		(256 * 1024)	/* compressed bytes read at a time */
#define OUT_CHUNK		(1024 * 1024)	/* inflated bytes kept at a time */
#define MAX_FIELDS		64
#define MAX_LINE		(OUT_CHUNK / 2)

struct FlatReader
{
	MemoryContext cxt;			/* everything of the reader */
	char	   *name;			/* the file, for messages */
	File		file;			/* gzip data: the local file or the download */
	off_t		offset;			/* next byte of file to read */
	bool		input_done;		/* file fully read */
	z_stream	zs;
	bool		stream_end;		/* the last gzip member ended */
	unsigned char *in;
	char	   *out;			/* inflated, not yet consumed: out[pos .. len) */
	size_t		pos;
	size_t		len;
	int			ncols;			/* columns of the header */
	char	   *fields[MAX_FIELDS];
	int			lens[MAX_FIELDS];
	int64		line;			/* line number, for messages */
	PolygonDecoder *dec;
	PolygonHttpStats *stats;	/* the scan's: bytes read are counted at the end */
	bool		local;			/* read in place (a download counts its own bytes) */
};

static void *
zalloc_palloc(void *opaque, unsigned int items, unsigned int size)
{
	return MemoryContextAllocExtended((MemoryContext) opaque, (Size) items * size,
									  MCXT_ALLOC_HUGE | MCXT_ALLOC_NO_OOM);
}

static void
zfree_palloc(void *opaque, void *address)
{
	if (address)
		pfree(address);
}

static void
flat_error_callback(void *arg)
{
	FlatReader *r = (FlatReader *) arg;

	if (r->line == 0)
		errcontext("flat file %s, before its first line", r->name);
	else
		errcontext("flat file %s, line %lld", r->name, (long long) r->line);
}

/*
 * inflate_more
 *		Add inflated bytes after out[len).  False at the end of the data.
 */
static bool
inflate_more(FlatReader *r)
{
	size_t		before = r->len;

	/* keep what is left at the start of the buffer */
	if (r->pos > 0)
	{
		memmove(r->out, r->out + r->pos, r->len - r->pos);
		r->len -= r->pos;
		r->pos = 0;
		before = r->len;
	}
	while (r->len == before)
	{
		int			ret;

		CHECK_FOR_INTERRUPTS();
		if (r->stream_end && r->zs.avail_in == 0 && r->input_done)
			return false;
		if (r->zs.avail_in == 0 && !r->input_done)
		{
			int			n = FileRead(r->file, (char *) r->in, IN_CHUNK, r->offset,
									 PG_WAIT_EXTENSION);

			if (n < 0)
				ereport(ERROR,
						(errcode_for_file_access(),
						 errmsg("could not read flat file %s: %m", r->name)));
			r->offset += n;
			r->zs.next_in = r->in;
			r->zs.avail_in = n;
			if (n == 0)
				r->input_done = true;
		}
		if (r->stream_end)
		{
			/* data after a member's end: another gzip member */
			if (r->zs.avail_in == 0)
			{
				if (r->input_done)
					return false;
				continue;
			}
			if (inflateReset(&r->zs) != Z_OK)
				elog(ERROR, "inflateReset failed");
			r->stream_end = false;
		}
		if (r->zs.avail_in == 0 && r->input_done)
			ereport(ERROR,
					(errcode(ERRCODE_FDW_INVALID_STRING_FORMAT),
					 errmsg("flat file %s is cut short", r->name),
					 errdetail("The gzip data ends before its end marker.")));
		r->zs.next_out = (unsigned char *) r->out + r->len;
		r->zs.avail_out = OUT_CHUNK - r->len;
		ret = inflate(&r->zs, Z_NO_FLUSH);
		if (ret == Z_STREAM_END)
			r->stream_end = true;
		else if (ret != Z_OK && ret != Z_BUF_ERROR)
			ereport(ERROR,
					(errcode(ERRCODE_FDW_INVALID_STRING_FORMAT),
					 errmsg("flat file %s is not valid gzip", r->name),
					 errdetail("zlib: %s.", r->zs.msg ? r->zs.msg : "data error")));
		r->len = OUT_CHUNK - r->zs.avail_out;
	}
	return true;
}

/*
 * next_line
 *		The next line, NUL-terminated in place; NULL at the end.
 */
static char *
next_line(FlatReader *r)
{
	for (;;)
	{
		char	   *start = r->out + r->pos;
		char	   *nl = memchr(start, '\n', r->len - r->pos);

		if (nl)
		{
			char	   *line = start;

			r->pos = nl - r->out + 1;
			if (nl > line && nl[-1] == '\r')
				nl--;
			*nl = '\0';
			r->line++;
			return line;
		}
		if (r->len - r->pos > MAX_LINE)
			ereport(ERROR,
					(errcode(ERRCODE_FDW_INVALID_STRING_FORMAT),
					 errmsg("flat file %s has a line longer than %d bytes", r->name, MAX_LINE)));
		if (!inflate_more(r))
		{
			/* a last line without a line end */
			if (r->len > r->pos)
			{
				char	   *line = r->out + r->pos;

				r->out[r->len] = '\0';
				r->pos = r->len;
				r->line++;
				return line;
			}
			return NULL;
		}
	}
}

/*
 * split_fields
 *		Cut a CSV line into fields, in place: commas separate them, a field
 *		in double quotes may hold commas ("12,37") and doubled quotes.
 */
static int
split_fields(FlatReader *r, char *line)
{
	int			n = 0;
	char	   *p = line;

	for (;;)
	{
		char	   *start;

		if (n == MAX_FIELDS)
			ereport(ERROR,
					(errcode(ERRCODE_FDW_INVALID_STRING_FORMAT),
					 errmsg("flat file %s has more than %d columns", r->name, MAX_FIELDS)));
		if (*p == '"')
		{
			char	   *w;

			start = w = ++p;
			for (;;)
			{
				if (*p == '\0')
					ereport(ERROR,
							(errcode(ERRCODE_FDW_INVALID_STRING_FORMAT),
							 errmsg("flat file %s has an unterminated quoted field", r->name)));
				if (*p == '"')
				{
					if (p[1] == '"')
					{
						*w++ = '"';
						p += 2;
						continue;
					}
					p++;
					break;
				}
				*w++ = *p++;
			}
			r->fields[n] = start;
			r->lens[n] = (int) (w - start);
			if (*p != ',' && *p != '\0')
				ereport(ERROR,
						(errcode(ERRCODE_FDW_INVALID_STRING_FORMAT),
						 errmsg("flat file %s has text after a quoted field", r->name)));
			*w = '\0';
		}
		else
		{
			char	   *comma = strchr(p, ',');

			start = p;
			p = comma ? comma : p + strlen(p);
			r->fields[n] = start;
			r->lens[n] = (int) (p - start);
		}
		n++;
		if (*p == '\0')
			break;
		*p++ = '\0';
	}
	return n;
}

/*
 * flat_open
 *		Open the flat file at path (relative to flatfiles_url), its header
 *		read and mapped onto dec.  NULL when there is no such file: a day
 *		without a session, or one not published yet.
 */
FlatReader *
flat_open(PolygonConnection *conn, PolygonDecoder *dec, const char *path, PolygonHttpStats *stats)
{
	MemoryContext cxt = AllocSetContextCreate(CurrentMemoryContext, "polygon_fdw flat file",
											  ALLOCSET_DEFAULT_SIZES);
	MemoryContext old = MemoryContextSwitchTo(cxt);
	FlatReader *r = palloc0(sizeof(FlatReader));
	const char *dir = polygon_flatfiles_dir(&conn->opts);
	char	   *header_line;
	ErrorContextCallback errcb;
	char	   *header[MAX_FIELDS];

	r->cxt = cxt;
	r->dec = dec;
	r->stats = stats;
	/* messages name the file relative to flatfiles_url */
	r->name = pstrdup(path[0] == '/' ? path + 1 : path);
	if (dir != NULL)
	{
		char	   *full = psprintf("%s%s", dir, path);

		r->local = true;
		r->file = PathNameOpenFile(full, O_RDONLY | PG_BINARY);
		if (r->file < 0)
		{
			if (errno == ENOENT)
			{
				MemoryContextSwitchTo(old);
				MemoryContextDelete(cxt);
				return NULL;
			}
			ereport(ERROR,
					(errcode_for_file_access(),
					 errmsg("could not open flat file \"%s\": %m", full)));
		}
		stats->requests++;
		stats->pages++;
	}
	else
	{
		off_t		size;

		r->file = OpenTemporaryFile(false);
		size = polygon_http_download(conn, psprintf("%s%s", conn->opts.flatfiles_url, path),
									 r->file, stats);
		if (size < 0)
		{
			FileClose(r->file);
			MemoryContextSwitchTo(old);
			MemoryContextDelete(cxt);
			return NULL;
		}
	}

	r->in = palloc(IN_CHUNK);
	r->out = palloc(OUT_CHUNK + 1);
	r->zs.zalloc = zalloc_palloc;
	r->zs.zfree = zfree_palloc;
	r->zs.opaque = cxt;
	if (inflateInit2(&r->zs, 15 + 16) != Z_OK)	/* gzip */
		ereport(ERROR,
				(errcode(ERRCODE_OUT_OF_MEMORY),
				 errmsg("could not start reading flat file %s", r->name)));

	errcb.callback = flat_error_callback;
	errcb.arg = r;
	errcb.previous = error_context_stack;
	error_context_stack = &errcb;
	header_line = next_line(r);
	if (header_line == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_FDW_INVALID_STRING_FORMAT),
				 errmsg("flat file %s is empty", r->name)));
	r->ncols = split_fields(r, header_line);
	for (int i = 0; i < r->ncols; i++)
		header[i] = pnstrdup(r->fields[i], r->lens[i]);
	polygon_decoder_map_csv(dec, header, r->ncols, r->name);
	error_context_stack = errcb.previous;

	MemoryContextSwitchTo(old);
	return r;
}

/*
 * flat_next
 *		Decode the next row into values/isnull; false at the end of the file.
 */
bool
flat_next(FlatReader *r, Datum *values, bool *isnull)
{
	ErrorContextCallback errcb;
	char	   *line;
	int			n;

	errcb.callback = flat_error_callback;
	errcb.arg = r;
	errcb.previous = error_context_stack;
	error_context_stack = &errcb;
	do
	{
		line = next_line(r);
	} while (line != NULL && line[0] == '\0');	/* blank lines */
	if (line == NULL)
	{
		error_context_stack = errcb.previous;
		return false;
	}
	n = split_fields(r, line);
	if (n != r->ncols)
		ereport(ERROR,
				(errcode(ERRCODE_FDW_INVALID_STRING_FORMAT),
				 errmsg("flat file %s has a line of %d columns, the header %d", r->name, n, r->ncols)));
	polygon_decode_csv_row(r->dec, r->fields, r->lens, values, isnull);
	error_context_stack = errcb.previous;
	return true;
}

/*
 * flat_close
 *		Release the file (a download is deleted) and the buffers.
 */
void
flat_close(FlatReader *r)
{
	if (r->local)
		r->stats->bytes += r->offset;
	inflateEnd(&r->zs);
	FileClose(r->file);
	MemoryContextDelete(r->cxt);
}
