/*-------------------------------------------------------------------------
 *
 * row_reader.c
 *	  Read every row of a user's query once through a DestReceiver (see
 *	  row_reader.h).
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <sys/mman.h>

#include "executor/spi.h"
#include "executor/tuptable.h"
#include "miscadmin.h"
#include "tcop/dest.h"
#include "utils/memutils.h"

#include "core/row_reader.h"

/* The rows handed to the callback between two resets of its context. */
#define ROWS_PER_BATCH 1024

typedef struct RowReceiver
{
	DestReceiver pub;
	InsightRowCallback fn;
	void	   *arg;
	MemoryContext batch;
	int			in_batch;
	bool		stopped;
} RowReceiver;

static bool
row_receive(TupleTableSlot *slot, DestReceiver *self)
{
	RowReceiver *r = (RowReceiver *) self;
	MemoryContext old;
	bool		more;

	CHECK_FOR_INTERRUPTS();
	slot_getallattrs(slot);
	old = MemoryContextSwitchTo(r->batch);
	more = r->fn(slot->tts_values, slot->tts_isnull, r->arg);
	MemoryContextSwitchTo(old);
	if (++r->in_batch == ROWS_PER_BATCH)
	{
		MemoryContextReset(r->batch);
		r->in_batch = 0;
	}
	if (!more)
		r->stopped = true;
	return more;
}

static void
row_startup(DestReceiver *self, int operation, TupleDesc typeinfo)
{
	(void) self;
	(void) operation;
	(void) typeinfo;
}

static void
row_shutdown(DestReceiver *self)
{
	(void) self;
}

static void
row_destroy(DestReceiver *self)
{
	(void) self;
}

bool
insight_read_rows(const InsightUserQuery *uq, InsightRowCallback fn, void *arg)
{
	RowReceiver r;
	SPIExecuteOptions options;
	int			rc;

	memset(&r, 0, sizeof(r));
	r.pub.receiveSlot = row_receive;
	r.pub.rStartup = row_startup;
	r.pub.rShutdown = row_shutdown;
	r.pub.rDestroy = row_destroy;
	/* not DestNone (SPI would report SPI_OK_UTILITY), not DestSPI (no tuple table) */
	r.pub.mydest = DestTuplestore;
	r.fn = fn;
	r.arg = arg;
	r.batch = AllocSetContextCreate(CurrentMemoryContext, "insight_read_rows",
									ALLOCSET_DEFAULT_SIZES);
	memset(&options, 0, sizeof(options));
	options.read_only = true;
	options.dest = &r.pub;

	/*
	 * The text, not uq->plan: SPI_execute_extended plans with
	 * CURSOR_OPT_PARALLEL_OK, so a large scan may use parallel workers.
	 */
	rc = SPI_execute_extended(uq->text, &options);
	if (rc != SPI_OK_SELECT)
		elog(ERROR, "insight_read_rows: query failed: %s", SPI_result_code_string(rc));
	MemoryContextDelete(r.batch);
	return !r.stopped;
}

/* ---- memory for the rows ---- */

#define HUGE_PAGE ((Size) 2 * 1024 * 1024)

typedef struct RowsMapping
{
	MemoryContextCallback callback;
	void	   *address;
	Size		length;
} RowsMapping;

static void
rows_unmap(void *arg)
{
	RowsMapping *m = arg;

	munmap(m->address, m->length);
}

void *
insight_rows_alloc(MemoryContext cxt, Size bytes)
{
	RowsMapping *m;
	char	   *p;
	char	   *aligned;
	Size		length;
	Size		head;
	Size		tail;

	if (bytes < HUGE_PAGE)
		return MemoryContextAllocHuge(cxt, bytes);
	/* whole huge pages, at an address that is a multiple of their size */
	length = add_size(bytes, HUGE_PAGE - 1) & ~(HUGE_PAGE - 1);
	m = MemoryContextAlloc(cxt, sizeof(RowsMapping));
	p = mmap(NULL, add_size(length, HUGE_PAGE), PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		ereport(ERROR,
				(errcode(ERRCODE_OUT_OF_MEMORY),
				 errmsg("out of memory"),
				 errdetail("Failed on a request of size %zu for training rows.", bytes)));
	aligned = (char *) TYPEALIGN(HUGE_PAGE, p);
	head = aligned - p;
	tail = HUGE_PAGE - head;
	if (head > 0)
		munmap(p, head);
	if (tail > 0)
		munmap(aligned + length, tail);
	m->address = aligned;
	m->length = length;
	m->callback.func = rows_unmap;
	m->callback.arg = m;
	MemoryContextRegisterResetCallback(cxt, &m->callback);
#ifdef MADV_HUGEPAGE
	(void) madvise(aligned, length, MADV_HUGEPAGE);	/* only a hint */
#endif
	return aligned;
}
