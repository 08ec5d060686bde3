/*-------------------------------------------------------------------------
 *
 * detect_intraday.h
 *		The intraday detector engine, fed one bar at a time.
 *
 * tape.detect_intraday pulls the bars of a query; the live feed pushes each
 * closed bar of a ticker into the same engine, which judges it at once and
 * hands over its events.
 *
 * Copyright (c) 2026, tape developers
 *
 * IDENTIFICATION
 *		src/analytics/detect_intraday.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef TAPE_DETECT_INTRADAY_H
#define TAPE_DETECT_INTRADAY_H

#include "barsource.h"

/* the columns of tape.intraday_event */
#define INTRADAY_EVENT_NATTS 16

/* receives one event as the columns of tape.intraday_event */
typedef void (*IntradayEmit) (void *arg, Datum *values, bool *nulls);

typedef struct IntradayFeed IntradayFeed;

/* in detect_intraday.c */
extern bool intraday_config_looks_ahead(Jsonb *config);
extern IntradayFeed *intraday_feed_create(Jsonb *config, DateADT judge_from,
										  IntradayEmit emit, void *arg);
extern bool intraday_feed_push(IntradayFeed *f, const BarRow *row);
extern bool intraday_feed_last(IntradayFeed *f, TimestampTz *ts);
extern void intraday_feed_free(IntradayFeed *f);

#endif							/* TAPE_DETECT_INTRADAY_H */
