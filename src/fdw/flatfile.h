/*-------------------------------------------------------------------------
 *
 * flatfile.h
 *		Reading Polygon's gzip CSV flat files as rows of a foreign table.
 *
 * Copyright (c) 2026, tape developers
 *
 * IDENTIFICATION
 *		src/fdw/flatfile.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef POLYGON_FLATFILE_H
#define POLYGON_FLATFILE_H

#include "decode.h"

typedef struct FlatReader FlatReader;

extern FlatReader *flat_open(PolygonConnection *conn, PolygonDecoder *dec, const char *path,
							 PolygonHttpStats *stats);
extern bool flat_next(FlatReader *r, Datum *values, bool *isnull);
extern void flat_close(FlatReader *r);

#endif							/* POLYGON_FLATFILE_H */
