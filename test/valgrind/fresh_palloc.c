/*-------------------------------------------------------------------------
 *
 * fresh_palloc.c
 *		Valgrind function wrappers that make every palloc'd chunk undefined.
 *
 * PostgreSQL's memory contexts hand out chunks from blocks they keep, so on a
 * server built without USE_VALGRIND a chunk reused after pfree holds the bytes
 * it held before, and memcheck takes them for initialised: a tuple or varlena
 * built by hand that leaves a byte unset goes unnoticed.  Loaded with
 * LD_PRELOAD into a backend run under valgrind (test/t/017_valgrind.pl), these
 * wrappers mark each chunk palloc, MemoryContextAlloc and friends return as
 * undefined (not palloc0 or MCXT_ALLOC_ZERO), as a USE_VALGRIND server does:
 * a byte never written is then reported where it is used, and with
 * --track-origins=yes the report names the allocation that left it unset.
 * The wrapped functions live in the postgres executable, whose soname is
 * NONE for valgrind; every caller is wrapped, the server's own code too.
 *
 * Test-only: built by the test with cc, against valgrind's headers.
 *
 * Copyright (c) 2026, tape developers
 *
 * IDENTIFICATION
 *		test/valgrind/fresh_palloc.c
 *
 *-------------------------------------------------------------------------
 */
#include <stddef.h>

#include <valgrind/memcheck.h>
#include <valgrind/valgrind.h>

/* MCXT_ALLOC_ZERO of utils/palloc.h: the chunk is zeroed, hence defined */
#define MCXT_ALLOC_ZERO 0x04

typedef struct MemoryContextData *MemoryContext;

/* the wrapper of a function of the postgres executable (soname NONE) */
#define WRAPPER(fn) I_WRAP_SONAME_FNNAME_ZU(NONE, fn)

/*
 * fresh
 *		The chunk an allocator returned, undefined unless it was zeroed (or
 *		none was allocated).
 */
static void *
fresh(void *chunk, size_t size, int flags)
{
	if (chunk != NULL && !(flags & MCXT_ALLOC_ZERO))
		VALGRIND_MAKE_MEM_UNDEFINED(chunk, size);
	return chunk;
}

/*
 * A wrapper of allocator fn, declared with params: call_orig calls the
 * function wrapped (into chunk), size and flags say what it allocated.
 */
#define FRESH_WRAPPER(fn, params, call_orig, size, flags) \
	void	   *WRAPPER(fn) params; \
	void *WRAPPER(fn) params \
	{ \
		OrigFn		orig; \
		void	   *chunk; \
		VALGRIND_GET_ORIG_FN(orig); \
		call_orig; \
		return fresh(chunk, size, flags); \
	}

FRESH_WRAPPER(palloc, (size_t size), CALL_FN_W_W(chunk, orig, size), size, 0)
FRESH_WRAPPER(palloc_extended, (size_t size, int flags), CALL_FN_W_WW(chunk, orig, size, flags), size, flags)
FRESH_WRAPPER(MemoryContextAlloc, (MemoryContext cxt, size_t size), CALL_FN_W_WW(chunk, orig, cxt, size), size, 0)
FRESH_WRAPPER(MemoryContextAllocHuge, (MemoryContext cxt, size_t size), CALL_FN_W_WW(chunk, orig, cxt, size),
			  size, 0)
FRESH_WRAPPER(MemoryContextAllocExtended, (MemoryContext cxt, size_t size, int flags),
			  CALL_FN_W_WWW(chunk, orig, cxt, size, flags), size, flags)
