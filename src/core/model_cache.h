/*-------------------------------------------------------------------------
 *
 * model_cache.h
 *	  One per-backend cache of decoded models, for every algorithm: scoring
 *	  many rows with one model (or the active model, call after call)
 *	  validates and decodes it once.
 *
 * A caller names, through a lookup function, the reader of each algorithm
 * it accepts (the algorithm table's entry, src/models/algorithms.c, or a
 * model family's own reader of its algorithm: they are the same function);
 * the lookup raises the caller's error for an algorithm it does not accept:
 *
 *	  static InsightModelReader
 *	  logreg_lookup(const InsightModelHeader *header, int expected)
 *	  {
 *		  insight_model_expect_algorithm(header, expected);
 *		  return insight_logreg_decode;
 *	  }
 *	  ...
 *	  const InsightLogreg *model =
 *		  insight_model_cache_get(fcinfo, 0, logreg_lookup, INSIGHT_ALG_LOGREG, NULL);
 *
 * The key, and why a new model version is never served stale: a model value
 * is found again only by its exact contents.  Entries are probed by length
 * and by the CRC-32C that the header stores (bytes 44..47, over the header
 * and the whole payload), then confirmed by comparing every byte with the
 * copy the entry keeps, so a different value is never taken for a cached
 * one, whatever its checksum.  A value stored out of line is found without
 * fetching it by its TOAST pointer (toast relation, value id, raw and stored
 * sizes) plus its 48-byte header, fetched as a slice: PostgreSQL never
 * changes a stored value in place (a new model version is a new row, with a
 * new value id), and a value id is reused only after its value is deleted,
 * vacuumed away and 2^32 OIDs have been allocated, and then is taken for the
 * old one only if sizes, counts, algorithm and CRC-32C all agree as well.
 * An entry also records the reader that decoded it: a lookup that names
 * another reader for the same bytes gets them decoded again.
 *
 * Bounds: at most INSIGHT_MODEL_CACHE_ENTRIES models, and at most
 * insight.model_cache_size kB for their decoded forms and the copies of
 * their bytes, least recently used first out; a model larger than the whole
 * budget is decoded for the call alone.  Each model lives in a memory
 * context of its own under "insight model cache".  A model the cache drops
 * is handed to the caller's current memory context, so a model a caller
 * still holds (say, the first of two models it asked for) stays valid until
 * that context goes: a returned model may be used until the end of the
 * call.
 *
 *-------------------------------------------------------------------------
 */
#ifndef INSIGHT_MODEL_CACHE_H
#define INSIGHT_MODEL_CACHE_H

#include "fmgr.h"

#include "core/model_format.h"

#define INSIGHT_MODEL_CACHE_ENTRIES 16

/*
 * Decode a model, positioned by insight_model_open on its payload, into its
 * in-memory form allocated in CurrentMemoryContext (copying everything it
 * keeps: nothing may point into the value), validating every value and
 * finishing with insight_model_close.
 */
typedef void *(*InsightModelReader) (InsightModel *m);

/*
 * The reader for a model with this (validated) header, or an error when the
 * caller cannot use models of its algorithm.  'expected' is what the caller
 * passed to insight_model_cache_get: an algorithm id, or a value of the
 * lookup's own meaning (0: any the lookup reads).
 */
typedef InsightModelReader (*InsightModelLookup) (const InsightModelHeader *header,
												  int expected);

/*
 * The decoded model of the bytea argument 'argno' (not NULL): from the
 * cache, or validated and decoded by lookup(header, expected) and cached.
 * The lookup runs on a hit as well.  When 'header' is not NULL it receives
 * the model's header.
 */
extern void *insight_model_cache_get(FunctionCallInfo fcinfo, int argno,
									 InsightModelLookup lookup, int expected,
									 InsightModelHeader *header);

#endif							/* INSIGHT_MODEL_CACHE_H */
