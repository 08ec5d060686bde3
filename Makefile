# Makefile for the tape extension (PGXS)
#
# The version comes from one place: default_version in tape.control.

EXTENSION = tape
EXTVERSION := $(shell sed -n "s/^default_version *= *'\([^']*\)'.*/\1/p" $(EXTENSION).control)
PGFILEDESC = "tape - Polygon.io foreign data wrapper and small-cap event research pipeline"

MODULE_big = tape
OBJS = \
	src/tape.o \
	src/helpers.o \
	src/markettime.o \
	src/pipeline.o \
	src/progress.o \
	src/querytext.o \
	src/analytics/aggregates.o \
	src/analytics/aggstate.o \
	src/analytics/barsource.o \
	src/analytics/calendar.o \
	src/analytics/detect_daily.o \
	src/analytics/detect_intraday.o \
	src/analytics/history_gaps.o \
	src/analytics/windows.o \
	src/features/labels.o \
	src/features/plot.o \
	src/features/qa.o \
	src/features/source.o \
	src/features/tickbars.o \
	src/features/ticks.o \
	src/features/window.o \
	src/fdw/apierror.o \
	src/fdw/cache.o \
	src/fdw/connection.o \
	src/fdw/decode.o \
	src/fdw/endpoint.o \
	src/fdw/flatfile.o \
	src/fdw/http.o \
	src/fdw/jsonscan.o \
	src/fdw/option.o \
	src/fdw/polygon_fdw.o \
	src/fdw/ratelimit.o \
	src/fdw/request.o \
	src/live/feed.o \
	src/live/message.o \
	src/live/websocket.o \
	src/live/worker.o \
	src/store/block.o \
	src/store/column.o \
	src/store/intcodec.o \
	src/store/pack.o \
	src/store/schema.o \
	src/store/tick_block.o

# The install script is assembled from the ordered pieces in sql/install/.
INSTALL_PIECES = $(sort $(wildcard sql/install/*.sql))
DATA_built = $(EXTENSION)--$(EXTVERSION).sql
DATA := $(wildcard sql/upgrade/$(EXTENSION)--*--*.sql)
DOCS := $(wildcard docs/*.md)

# pg_regress tests: explicit and ordered, so install scripts are never taken for tests.
REGRESS = \
	version \
	options \
	import \
	bars \
	bars_pushdown \
	tickers \
	ticks \
	reference \
	windows_join \
	request_cache \
	concurrency \
	flatfiles \
	errors \
	hostile \
	secrets \
	calendar \
	windows \
	aggregates \
	detect_intraday \
	detect_daily \
	tick_blocks \
	detect_config \
	detect_quality \
	store \
	null_arguments \
	universe \
	store_qa \
	store_units \
	features \
	query_text \
	manifest \
	capture \
	capture_qa \
	event_pipeline

# Perl TAP tests (test/t/*.pl) run with "make prove-installcheck", apart from pg_regress.
PROVE_TESTS = test/t/*.pl

DEPS = libcurl json-c libzstd zlib libwebsockets
PKG_CFLAGS := $(shell pkg-config --cflags $(DEPS) 2>/dev/null)
PKG_LIBS := $(shell pkg-config --libs $(DEPS) 2>/dev/null)

WERROR ?= -Werror
PG_CPPFLAGS = -I$(srcdir)/src $(PKG_CFLAGS) -DTAPE_VERSION='"$(EXTVERSION)"'
PG_CFLAGS = -std=gnu11 -Wall -Wextra $(WERROR) -Wno-unused-parameter
SHLIB_LINK += $(PKG_LIBS)

EXTRA_CLEAN = $(DATA_built) META.json.tmp results regression.diffs regression.out tmp_check log

PG_CONFIG ?= pg_config
PGXS := $(shell $(PG_CONFIG) --pgxs)

ifeq ($(PGXS),)
$(error pg_config was not found: install postgresql-server-dev-15 or set PG_CONFIG)
endif

include $(PGXS)

# PGXS tracks no header dependencies: rebuild every object when any header changes
$(OBJS): $(wildcard src/*.h src/*/*.h)

# after PGXS, which resets it
PROVE_FLAGS = -I $(CURDIR)/test/perl

ifneq ($(MAJORVERSION),15)
$(error tape supports PostgreSQL 15 only; $(PG_CONFIG) reports $(MAJORVERSION))
endif

ifeq ($(PKG_LIBS),)
$(error pkg-config found no $(DEPS): install libcurl4-openssl-dev libjson-c-dev libzstd-dev zlib1g-dev libwebsockets-dev pkg-config)
endif

$(EXTENSION)--$(EXTVERSION).sql: $(INSTALL_PIECES) $(EXTENSION).control
	cat $(INSTALL_PIECES) > $@

# META.json carries the same version; regenerate it from META.json.in when the control file changes.
all: META.json
META.json: META.json.in $(EXTENSION).control
	sed 's/@EXTVERSION@/$(EXTVERSION)/g' META.json.in > META.json.tmp && mv META.json.tmp META.json

.PHONY: prove-installcheck
prove-installcheck:
	$(prove_installcheck)

.PHONY: check-version
check-version: META.json
	@grep -q '"version": "$(EXTVERSION)"' META.json || { echo "META.json is out of step with tape.control"; exit 1; }
	@grep -q '^## $(EXTVERSION)' CHANGELOG.md || { echo "CHANGELOG.md has no section for $(EXTVERSION)"; exit 1; }
