/*-------------------------------------------------------------------------
 *
 * model_cache.c
 *	  The per-backend cache of decoded models (key, bounds and lifetime in
 *	  model_cache.h).
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/detoast.h"
#include "utils/memutils.h"

#include "core/insight.h"
#include "core/model_cache.h"

typedef struct CacheEntry
{
	MemoryContext cxt;			/* holds bytes and model; NULL: a free slot */
	InsightModelReader reader;
	InsightModelHeader header;
	Size		len;			/* of the value, without its varlena header */
	uint8	   *bytes;			/* a copy of the value, the key */
	bool		has_pointer;	/* last seen stored out of line at 'pointer' */
	struct varatt_external pointer;
	void	   *model;
	Size		charged;		/* memory held by cxt */
	uint64		last_used;
} CacheEntry;

static MemoryContext cache_context = NULL;
static CacheEntry entries[INSIGHT_MODEL_CACHE_ENTRIES];
static Size cache_charged = 0;
static uint64 cache_clock = 0;

static inline bool
same_pointer(const struct varatt_external *a, const struct varatt_external *b)
{
	return a->va_valueid == b->va_valueid && a->va_toastrelid == b->va_toastrelid &&
		a->va_rawsize == b->va_rawsize && a->va_extinfo == b->va_extinfo;
}

/*
 * The entry of a value stored out of line, by its TOAST pointer, confirmed
 * by the value's header (which holds its CRC-32C), read as a slice.
 */
static CacheEntry *
find_by_pointer(FunctionCallInfo fcinfo, int argno, const struct varatt_external *ptr)
{
	for (int i = 0; i < INSIGHT_MODEL_CACHE_ENTRIES; i++)
	{
		CacheEntry *e = &entries[i];
		bytea	   *head;
		bool		same;

		if (e->cxt == NULL || !e->has_pointer || !same_pointer(&e->pointer, ptr))
			continue;
		head = PG_GETARG_BYTEA_P_SLICE(argno, 0, INSIGHT_HEADER_SIZE);
		same = VARSIZE(head) - VARHDRSZ == INSIGHT_HEADER_SIZE &&
			memcmp(VARDATA(head), e->bytes, INSIGHT_HEADER_SIZE) == 0;
		pfree(head);
		if (same)
			return e;
		e->has_pointer = false; /* not this value after all */
	}
	return NULL;
}

/* The entry holding exactly these bytes: same length, CRC-32C, every byte. */
static CacheEntry *
find_by_bytes(const uint8 *data, Size len)
{
	if (len < INSIGHT_HEADER_SIZE)
		return NULL;			/* not a model: never cached */
	for (int i = 0; i < INSIGHT_MODEL_CACHE_ENTRIES; i++)
	{
		CacheEntry *e = &entries[i];

		if (e->cxt != NULL && e->len == len &&
			memcmp(e->bytes + INSIGHT_HEADER_CRC_OFFSET, data + INSIGHT_HEADER_CRC_OFFSET,
				   sizeof(uint32)) == 0 &&
			memcmp(e->bytes, data, len) == 0)
			return e;
	}
	return NULL;
}

/*
 * Drop an entry: its memory goes to the caller's current context, so that a
 * model the caller still holds stays valid until that context goes.
 */
static void
drop_entry(CacheEntry *e)
{
	MemoryContextSetParent(e->cxt, CurrentMemoryContext);
	cache_charged -= e->charged;
	memset(e, 0, sizeof(*e));
}

/* Drop the least recently used entries until 'needed' bytes and a slot fit. */
static CacheEntry *
make_room(Size needed, Size budget)
{
	for (;;)
	{
		CacheEntry *lru = NULL;
		CacheEntry *free_slot = NULL;

		for (int i = 0; i < INSIGHT_MODEL_CACHE_ENTRIES; i++)
		{
			CacheEntry *e = &entries[i];

			if (e->cxt == NULL)
				free_slot = free_slot ? free_slot : e;
			else if (lru == NULL || e->last_used < lru->last_used)
				lru = e;
		}
		if (free_slot != NULL && cache_charged + needed <= budget)
			return free_slot;
		if (lru == NULL)
			return free_slot;	/* empty, and needed <= budget */
		drop_entry(lru);
	}
}

/*
 * Validate and decode a value in a context of its own, a child of the
 * caller's context until it is cached (so an error frees it), and cache it
 * when it fits the budget.
 */
static void *
decode_value(bytea *value, const struct varatt_external *ptr,
			 InsightModelLookup lookup, int expected, InsightModelHeader *header)
{
	Size		len = VARSIZE_ANY_EXHDR(value);
	Size		budget = (Size) insight_model_cache_size * 1024;
	InsightModel m;
	InsightModelReader reader;
	MemoryContext cxt;
	MemoryContext old;
	void	   *model;
	uint8	   *bytes;
	Size		charged;
	CacheEntry *e;

	insight_model_open(&m, value, 0);
	reader = lookup(&m.header, expected);
	if (header)
		*header = m.header;
	cxt = AllocSetContextCreate(CurrentMemoryContext, "insight model",
								ALLOCSET_DEFAULT_SIZES);
	MemoryContextSetIdentifier(cxt, insight_algorithm_name(m.header.algorithm));
	old = MemoryContextSwitchTo(cxt);
	model = reader(&m);
	bytes = palloc_extended(Max(len, 1), MCXT_ALLOC_HUGE);
	memcpy(bytes, VARDATA_ANY(value), len);
	MemoryContextSwitchTo(old);

	charged = MemoryContextMemAllocated(cxt, true);
	e = make_room(charged <= budget ? charged : 0, budget);
	if (charged > budget)
		return model;			/* for this call alone */

	if (cache_context == NULL)
		cache_context = AllocSetContextCreate(TopMemoryContext, "insight model cache",
											  ALLOCSET_SMALL_SIZES);
	MemoryContextSetParent(cxt, cache_context);
	e->cxt = cxt;
	e->bytes = bytes;
	e->reader = reader;
	e->header = m.header;
	e->len = len;
	e->has_pointer = ptr != NULL;
	if (ptr)
		e->pointer = *ptr;
	e->model = model;
	e->charged = charged;
	e->last_used = ++cache_clock;
	cache_charged += e->charged;
	return model;
}

void *
insight_model_cache_get(FunctionCallInfo fcinfo, int argno, InsightModelLookup lookup,
						int expected, InsightModelHeader *header)
{
	struct varlena *raw = (struct varlena *) DatumGetPointer(PG_GETARG_DATUM(argno));
	struct varatt_external ptr;
	bool		on_disk = VARATT_IS_EXTERNAL_ONDISK(raw);
	bytea	   *value = NULL;
	CacheEntry *e = NULL;

	if (on_disk)
	{
		VARATT_EXTERNAL_GET_POINTER(ptr, raw);
		e = find_by_pointer(fcinfo, argno, &ptr);
	}
	if (e == NULL)
	{
		value = PG_GETARG_BYTEA_PP(argno);
		e = find_by_bytes((const uint8 *) VARDATA_ANY(value), VARSIZE_ANY_EXHDR(value));
		if (e != NULL && on_disk)
		{
			e->has_pointer = true;
			e->pointer = ptr;
		}
	}
	if (e != NULL)
	{
		/* the caller's check of the algorithm, on a hit as on a miss */
		if (lookup(&e->header, expected) == e->reader)
		{
			e->last_used = ++cache_clock;
			if (header)
				*header = e->header;
			return e->model;
		}
		drop_entry(e);			/* decoded by another reader: decode again */
		if (value == NULL)
			value = PG_GETARG_BYTEA_PP(argno);
	}
	return decode_value(value, on_disk ? &ptr : NULL, lookup, expected, header);
}
