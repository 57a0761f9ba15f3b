/*-------------------------------------------------------------------------
 *
 * row_reader.h
 *	  Every row of a user's query, once, handed to a callback as the
 *	  executor produces it: no copy of the rows into an SPI tuple table and
 *	  no cursor (so the planner may scan in parallel), for a fitting
 *	  function that collects its rows into memory.
 *
 * Usage, connected to SPI, with uq from insight_user_query:
 *	  static bool add_row(Datum *values, bool *isnull, void *arg) {...}
 *	  if (!insight_read_rows(&uq, add_row, &data))
 *		  ... add_row returned false: the rest of the rows were not read ...
 *
 * The callback sees the columns of the query's result (values[0] is its
 * first column), in a memory context reset every few rows: what it keeps it
 * copies into a context of its own.  It returns false to stop the query
 * (for example when the rows would not fit in insight.max_training_memory).
 * Interrupts are checked at every row.
 *
 *-------------------------------------------------------------------------
 */
#ifndef INSIGHT_ROW_READER_H
#define INSIGHT_ROW_READER_H

#include "core/user_query.h"

typedef bool (*InsightRowCallback) (Datum *values, bool *isnull, void *arg);

/*
 * Run the query of uq once, calling fn(values, isnull, arg) for each row.
 * Returns true when every row was read, false when fn stopped the query.
 */
extern bool insight_read_rows(const InsightUserQuery *uq, InsightRowCallback fn, void *arg);

/*
 * bytes of memory for rows read, freed with cxt (reset or deleted): from
 * palloc below 2 MB; from 2 MB on, a mapping of its own with transparent huge
 * pages asked for (madvise MADV_HUGEPAGE), since touching fresh memory a 4 kB
 * page at a time costs a page fault each (on this project's VM, more than
 * the copy of the rows itself).  Not zeroed; ERRCODE_OUT_OF_MEMORY when the
 * memory cannot be had.  The caller checks insight.max_training_memory.
 */
extern void *insight_rows_alloc(MemoryContext cxt, Size bytes);

#endif							/* INSIGHT_ROW_READER_H */
