/*-------------------------------------------------------------------------
 *
 * history.c
 *	  Customer purchase histories and the point-in-time features computed
 *	  from them (insight_customer_features).
 *
 * insight_customer_history(order_key "any", item_key "any", ordered_at,
 * quantity, amount) is an aggregate used with GROUP BY customer over the
 * cleaned sales lines.  Its final function returns a compact history, a
 * float8[]:
 *
 *	  [orders, distinct_items, returned_amount,
 *	   t_1, value_1, units_1, ..., t_n, value_n, units_n]
 *
 * with one (t, value, units) triple per order that has a purchase (a line
 * with a positive amount), sorted by t: the time of its first purchase line
 * in microseconds since 2000-01-01 00:00 UTC (PostgreSQL's timestamptz
 * epoch; exact in a double for 285 years), its purchase amount and units.
 * Return lines (negative amounts) count only in returned_amount; lines with
 * a zero amount count nowhere; a line whose order key is NULL is an order by
 * itself.  Keys are compared through their type's extended hash function,
 * 64 bits: two keys of one customer collide with probability about
 * n^2 / 2^65.
 *
 * The state keeps orders, not lines: one record per run of purchase lines
 * of one order (the lines of an order usually come together, so a line is
 * merged into the last record when it has the same order key), the item
 * key hashes of the purchase lines (for distinct_items), and the returned
 * amount.  Amounts and quantities are summed exactly, as 128-bit integers in
 * units of 2^-64 (exact for every double of magnitude 2^-12 or more; the
 * bits of a tinier value below 2^-64 are rounded away, line by line), and
 * each sum is rounded to a double once, in the final function: so the sums,
 * and the features, do not depend on the order in which the lines arrive,
 * and are the same to the last bit in serial and parallel plans and on
 * Citus shards.  Sums of 2^63 (9.2e18) or more in magnitude are an error.
 * Partial states combine by concatenation; the final function merges the
 * records of one order (exact, so in any order).
 *
 * While the aggregate runs, the state is an expanded object
 * (utils/expandeddatum.h) owning its buffer in a memory context under the
 * aggregate's: the executor keeps it in place instead of copying the whole
 * state each time it grows, and it becomes the flat bytea wherever it leaves
 * the aggregate (a partial state sent by a parallel worker or a Citus shard,
 * a direct call's result).
 *
 * insight_history_features(history, as_of) turns a history into the
 * features of insight_feature_names(); see docs/reference/sources-and-features.md for definitions.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <float.h>
#include <math.h>

#include "catalog/pg_type.h"
#include "common/hashfn.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "port/pg_bitutils.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/expandeddatum.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/timestamp.h"
#include "utils/typcache.h"

#include "core/util.h"

#ifndef HAVE_INT128
#error "insight_customer_history needs a 128-bit integer type (PG_INT128_TYPE)"
#endif

#define USECS_PER_DAY_F ((double) USECS_PER_DAY)
#define WINDOW_DAYS 90			/* spend_90d and the window before it */
#define HISTORY_HEAD 3			/* orders, distinct_items, returned */
#define NFEATURES 13
#define HISTORY_FORMAT 2		/* the former state, a record per line, has 0 here */

/*
 * Exact sums: a double x as the integer x * 2^64 (an int128), rounded to the
 * nearest integer (exact when |x| >= 2^-12).  |x| < 2^63, so it fits.
 */
#define FIXED_LIMIT 0x1p63

typedef struct HistoryOrder
{
	uint64		order_hash;
	int64		at;				/* its first purchase line, timestamptz */
	int128		value;			/* purchase amount, in 2^-64 */
	int128		units;			/* purchase quantity, in 2^-64 */
	uint32		has_order;		/* 0: a line without an order key, an order by itself */
	uint32		pad;
} HistoryOrder;

/*
 * The flat state: this header, then orders[capacity_orders], then
 * items[capacity_items] (uint64 hashes of the item keys of purchase lines).
 */
typedef struct HistoryState
{
	int32		vl_len_;
	int32		format;			/* HISTORY_FORMAT */
	int64		n_orders;
	int64		capacity_orders;
	int64		n_items;
	int64		capacity_items;
	int128		returned;		/* minus the negative amounts, in 2^-64 */
} HistoryState;

#define HISTORY_HEADER_SIZE MAXALIGN(sizeof(HistoryState))

static inline HistoryOrder *
state_orders(HistoryState *s)
{
	return (HistoryOrder *) ((char *) s + HISTORY_HEADER_SIZE);
}

static inline uint64 *
state_items(HistoryState *s)
{
	return (uint64 *) ((char *) state_orders(s) + sizeof(HistoryOrder) * s->capacity_orders);
}

static Size
history_state_size(int64 capacity_orders, int64 capacity_items)
{
	return add_size(add_size(HISTORY_HEADER_SIZE,
							 mul_size(sizeof(HistoryOrder), (Size) capacity_orders)),
					mul_size(sizeof(uint64), (Size) capacity_items));
}

static void
history_corrupted(const char *detail)
{
	ereport(ERROR,
			(errcode(ERRCODE_DATA_CORRUPTED),
			 errmsg("invalid insight_customer_history state"),
			 errdetail_internal("%s", detail)));
}

static HistoryState *
history_state_arg(FunctionCallInfo fcinfo, int argno)
{
	HistoryState *s = insight_state_get(fcinfo, argno, HISTORY_HEADER_SIZE);

	if (s == NULL)
		return NULL;
	if (s->format != HISTORY_FORMAT)
		history_corrupted("The state is not in the format of this version of insight.");
	if (s->n_orders < 0 || s->n_orders > s->capacity_orders ||
		s->n_items < 0 || s->n_items > s->capacity_items ||
		s->capacity_orders > (int64) (MaxAllocHugeSize / sizeof(HistoryOrder)) ||
		s->capacity_items > (int64) (MaxAllocHugeSize / sizeof(uint64)) ||
		VARSIZE(s) != history_state_size(s->capacity_orders, s->capacity_items))
		ereport(ERROR,
				(errcode(ERRCODE_DATA_CORRUPTED),
				 errmsg("invalid insight_customer_history state"),
				 errdetail("A state of %zu bytes cannot hold %lld of %lld orders and %lld of %lld items.",
						   (Size) VARSIZE(s), (long long) s->n_orders, (long long) s->capacity_orders,
						   (long long) s->n_items, (long long) s->capacity_items)));
	return s;
}

/* Sums of finite amounts can overflow: an error, never a wrong value. */
static void
history_sum_out_of_range(void)
{
	ereport(ERROR,
			(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
			 errmsg("customer history sums are out of range"),
			 errdetail("An amount or quantity of one customer, or their sum over an order or over the returns, reaches %g in magnitude.",
					   FIXED_LIMIT),
			 errhint("Check the amount and quantity columns of the sales source.")));
}

static inline int128
to_fixed(double x)
{
	uint64		bits,
				mant;
	int			exponent,
				shift;
	int128		r;

	if (!(fabs(x) < FIXED_LIMIT))
		history_sum_out_of_range();
	/* x = mant * 2^(exponent - 1075): in units of 2^-64, mant * 2^(exponent - 1011) */
	memcpy(&bits, &x, sizeof(bits));
	exponent = (int) ((bits >> 52) & 0x7ff);
	if (exponent == 0)
		return 0;				/* zero or subnormal: below 2^-1022, rounds to 0 */
	mant = (bits & ((UINT64CONST(1) << 52) - 1)) | (UINT64CONST(1) << 52);
	shift = exponent - 1011;
	if (shift >= 0)
		r = (int128) mant << shift; /* shift <= 74: |x| < 2^63 */
	else if (shift < -53)
		r = 0;					/* below half a unit */
	else
	{
		/* to the nearest integer, ties to even (as rint) */
		int			down = -shift;
		uint64		q = mant >> down,
					rest = mant & ((UINT64CONST(1) << down) - 1),
					half = UINT64CONST(1) << (down - 1);

		if (rest > half || (rest == half && (q & 1)))
			q++;
		r = (int128) q;
	}
	return (bits >> 63) ? -r : r;
}

/* The sum rounded once: the conversion rounds to nearest, the scaling is exact. */
static inline double
from_fixed(int128 v)
{
	return (double) v * 0x1p-64;
}

static inline void
add_fixed(int128 *sum, int128 x)
{
	if (__builtin_add_overflow(*sum, x, sum))
		history_sum_out_of_range();
}

/* Fold order b into a (the same order): exact, so in any order. */
static inline void
merge_order(HistoryOrder *a, const HistoryOrder *b)
{
	if (b->at < a->at)
		a->at = b->at;
	add_fixed(&a->value, b->value);
	add_fixed(&a->units, b->units);
}

static void
history_too_large(void)
{
	ereport(ERROR,
			(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
			 errmsg("a customer history cannot hold more than %zu bytes", (Size) MaxAllocSize),
			 errdetail("Its orders and the items of its purchase lines take more.")));
}

/*
 * The capacity, at least 'want', of an allocation of 'fixed' bytes and
 * 'element' bytes per element that fills the chunk an allocation set gives
 * it (a power of 2 up to ALLOC_CHUNK_LIMIT): the memory a state touches
 * (each page of it a page fault) is what it uses.
 */
#define ALLOC_CHUNK_LIMIT 8192	/* of ALLOCSET_DEFAULT_SIZES (aset.c) */

static int64
filling_capacity(Size fixed, Size element, int64 want)
{
	Size		size = add_size(fixed, mul_size(element, (Size) want));

	if (size > ALLOC_CHUNK_LIMIT)
		return want;
	return (int64) ((pg_nextpower2_size_t(size) - fixed) / element);
}

/*
 * The state 's' with room for at least 'need_orders' orders and 'need_items'
 * items: 's' itself when they fit, else a copy with more room, allocated in
 * 'cxt' (NULL for a new, empty state), all zeroed when 'zero' (a flat
 * state is a value whole: no uninitialised bytes), else its header only.
 */
static HistoryState *
history_state_reserve(MemoryContext cxt, bool zero, HistoryState *s, int64 need_orders, int64 need_items)
{
	HistoryState *grown;
	int64		cap_o = s ? s->capacity_orders : 0,
				cap_i = s ? s->capacity_items : 0;
	Size		size;

	if (s && need_orders <= cap_o && need_items <= cap_i)
		return s;
	if (need_orders > cap_o)
		cap_o = filling_capacity(HISTORY_HEADER_SIZE + sizeof(uint64) * cap_i, sizeof(HistoryOrder),
								 Max(cap_o * 2, need_orders));
	if (need_items > cap_i)
		cap_i = filling_capacity(HISTORY_HEADER_SIZE + sizeof(HistoryOrder) * cap_o, sizeof(uint64),
								 Max(Max(cap_i * 2, need_items), 8));
	size = history_state_size(cap_o, cap_i);
	if (size > MaxAllocSize)
		history_too_large();
	grown = zero ? MemoryContextAllocZero(cxt, size) : MemoryContextAlloc(cxt, size);
	if (!zero)
		memset(grown, 0, HISTORY_HEADER_SIZE);
	SET_VARSIZE(grown, size);
	grown->format = HISTORY_FORMAT;
	grown->capacity_orders = cap_o;
	grown->capacity_items = cap_i;
	if (s)
	{
		grown->n_orders = s->n_orders;
		grown->n_items = s->n_items;
		grown->returned = s->returned;
		memcpy(state_orders(grown), state_orders(s), sizeof(HistoryOrder) * s->n_orders);
		memcpy(state_items(grown), state_items(s), sizeof(uint64) * s->n_items);
	}
	return grown;
}

/*
 * The state while the aggregate runs: an expanded object whose flat form is
 * its state without the room to spare.  It keeps the header and the orders
 * in a HistoryState with room to spare (and none for items), and the item
 * hashes in a chain of chunks, each twice the size of the one before (up to
 * ALLOC_CHUNK_LIMIT): they grow without ever being copied.  All in the object's
 * own context, a child of the aggregate's context.
 */
#define ITEM_CHUNK_MAX ((int64) ((ALLOC_CHUNK_LIMIT - offsetof(ItemChunk, hashes)) / sizeof(uint64)))

typedef struct ItemChunk
{
	struct ItemChunk *next;
	int64		n;
	int64		capacity;
	uint64		hashes[FLEXIBLE_ARRAY_MEMBER];
} ItemChunk;

typedef struct HistoryExpanded
{
	ExpandedObjectHeader hdr;
	HistoryState *state;		/* n_items and capacity_items 0 */
	int64		n_items;		/* in the chunks */
	ItemChunk  *first;
	ItemChunk  *last;
} HistoryExpanded;

static Size
history_expanded_flat_size(ExpandedObjectHeader *eohptr)
{
	HistoryExpanded *e = (HistoryExpanded *) eohptr;

	return history_state_size(e->state->n_orders, e->n_items);
}

static void
history_expanded_flatten(ExpandedObjectHeader *eohptr, void *result, Size allocated_size)
{
	HistoryExpanded *e = (HistoryExpanded *) eohptr;
	HistoryState *from = e->state;
	HistoryState *to = result;
	uint64	   *items;

	Assert(allocated_size == history_state_size(from->n_orders, e->n_items));
	memcpy(to, from, HISTORY_HEADER_SIZE);
	SET_VARSIZE(to, allocated_size);
	to->capacity_orders = from->n_orders;
	to->n_items = to->capacity_items = e->n_items;
	memcpy(state_orders(to), state_orders(from), sizeof(HistoryOrder) * from->n_orders);
	items = state_items(to);
	for (ItemChunk *c = e->first; c != NULL; c = c->next)
	{
		memcpy(items, c->hashes, sizeof(uint64) * c->n);
		items += c->n;
	}
}

static const ExpandedObjectMethods history_expanded_methods = {
	history_expanded_flat_size,
	history_expanded_flatten
};

/*
 * The context of the aggregate calling fcinfo, as AggCheckCallContext finds
 * it; NULL when called directly or as a window aggregate (whose states stay
 * flat).
 */
static MemoryContext
history_agg_context(FunctionCallInfo fcinfo)
{
	MemoryContext aggcontext;

	return AggCheckCallContext(fcinfo, &aggcontext) == AGG_CONTEXT_AGGREGATE ? aggcontext : NULL;
}

/*
 * The context the expanded states of one aggregate context share: one child
 * of the aggregate's context (the executor keeps an expanded state in place
 * only when its context is a child of the aggregate's), and one for all the
 * groups, since hash aggregation sums the memory of every child context each
 * time it adds a group.  The contexts made so far are listed in fn_extra and
 * leave the list when their aggregate context is reset or deleted.
 */
typedef struct StatesContext
{
	MemoryContext aggcontext;
	MemoryContext states;
	MemoryContextCallback on_reset;
	struct StatesContext **list;	/* the list's head, in fn_extra */
	struct StatesContext *next;
} StatesContext;

static void
states_context_forget(void *arg)
{
	StatesContext *c = arg;

	for (StatesContext **p = c->list; *p != NULL; p = &(*p)->next)
		if (*p == c)
		{
			*p = c->next;
			break;
		}
}

static MemoryContext
states_context(StatesContext **list, MemoryContext aggcontext)
{
	StatesContext *c;

	for (c = *list; c != NULL; c = c->next)
		if (c->aggcontext == aggcontext)
			return c->states;
	c = MemoryContextAllocZero(aggcontext, sizeof(StatesContext));
	c->aggcontext = aggcontext;
	c->states = AllocSetContextCreate(aggcontext, "insight_customer_history states",
									  ALLOCSET_DEFAULT_SIZES);
	c->list = list;
	c->next = *list;
	c->on_reset.func = states_context_forget;
	c->on_reset.arg = c;
	MemoryContextRegisterResetCallback(aggcontext, &c->on_reset);
	*list = c;
	return c->states;
}

/* Append n item hashes to the expanded state's chunks. */
static void
items_append(HistoryExpanded *e, const uint64 *hashes, int64 n)
{
	while (n > 0)
	{
		ItemChunk  *c = e->last;
		int64		k;

		if (c == NULL || c->n == c->capacity)
		{
			int64		capacity = filling_capacity(offsetof(ItemChunk, hashes), sizeof(uint64),
													c ? Min(c->capacity * 2, ITEM_CHUNK_MAX) : 8);

			capacity = Max(capacity, Min(n, (int64) ((MaxAllocSize - offsetof(ItemChunk, hashes)) / sizeof(uint64))));
			if (history_state_size(e->state->n_orders, e->n_items + capacity) > MaxAllocSize)
				history_too_large();
			c = MemoryContextAlloc(e->hdr.eoh_context, offsetof(ItemChunk, hashes) + sizeof(uint64) * capacity);
			c->next = NULL;
			c->n = 0;
			c->capacity = capacity;
			if (e->last)
				e->last->next = c;
			else
				e->first = c;
			e->last = c;
		}
		k = Min(n, c->capacity - c->n);
		memcpy(&c->hashes[c->n], hashes, sizeof(uint64) * k);
		c->n += k;
		e->n_items += k;
		hashes += k;
		n -= k;
	}
}

/*
 * Argument 0 of the transition or combine function called by an aggregate,
 * as this aggregate's expanded state: the object itself when it is one, else
 * a new object holding a copy of the flat state (an empty one for NULL),
 * validated as history_state_arg does.  'list' is the function's list of
 * StatesContext.
 */
static HistoryExpanded *
history_expanded_arg(FunctionCallInfo fcinfo, StatesContext **list, MemoryContext aggcontext)
{
	HistoryExpanded *e;
	HistoryState *flat = NULL;
	MemoryContext cxt;

	if (!PG_ARGISNULL(0))
	{
		e = (HistoryExpanded *) insight_expanded_state(PG_GETARG_DATUM(0), &history_expanded_methods, true);
		if (e != NULL)
			return e;
		flat = history_state_arg(fcinfo, 0);
	}
	cxt = states_context(list, aggcontext);
	e = (HistoryExpanded *) insight_expanded_state_new(cxt, sizeof(HistoryExpanded), &history_expanded_methods);
	e->state = history_state_reserve(cxt, false, NULL, flat ? flat->n_orders : 0, 0);
	if (flat != NULL)
	{
		e->state->n_orders = flat->n_orders;
		e->state->returned = flat->returned;
		memcpy(state_orders(e->state), state_orders(flat), sizeof(HistoryOrder) * flat->n_orders);
		items_append(e, state_items(flat), flat->n_items);
	}
	return e;
}

/*
 * A state argument to read: this aggregate's expanded state (*e set; its
 * items are in its chunks), or the flat state as history_state_arg gives it
 * (*e NULL).
 */
static HistoryState *
history_state_read(FunctionCallInfo fcinfo, int argno, HistoryExpanded **e)
{
	*e = PG_ARGISNULL(argno) ? NULL
		: (HistoryExpanded *) insight_expanded_state(PG_GETARG_DATUM(argno), &history_expanded_methods, false);
	return *e != NULL ? (*e)->state : history_state_arg(fcinfo, argno);
}

/*
 * The flat state 's' with room for 'need_orders' orders and 'need_items'
 * items, or the expanded state 'e' (when not NULL) with room for
 * 'need_orders' orders (its items go to chunks).  A flat state grows into the
 * per-call context (the executor copies a new transition value into the
 * aggregate's context and frees the old one); an expanded one in its own.
 */
static HistoryState *
history_grow(HistoryExpanded *e, HistoryState *s, int64 need_orders, int64 need_items)
{
	HistoryState *grown;

	if (e == NULL)
		return history_state_reserve(CurrentMemoryContext, true, s, need_orders, need_items);
	if (need_orders <= e->state->capacity_orders)
		return e->state;
	if (history_state_size(need_orders, e->n_items) > MaxAllocSize)
		history_too_large();
	grown = history_state_reserve(e->hdr.eoh_context, false, e->state, need_orders, 0);
	pfree(e->state);
	e->state = grown;
	return grown;
}

/* What the transition and combine functions return: the expanded state, or the flat one. */
static Datum
history_result(HistoryExpanded *e, HistoryState *s)
{
	return e != NULL ? EOHPGetRWDatum(&e->hdr) : PointerGetDatum(s);
}

/*
 * What a transition or combine function keeps across calls (fn_extra): the
 * contexts of its expanded states and, for the transition function, the
 * hash functions of the two key arguments.
 */
typedef struct HistoryCache
{
	StatesContext *states;
	bool		hashers_ready;
	FmgrInfo	procs[2];
} HistoryCache;

static HistoryCache *
history_cache(FunctionCallInfo fcinfo)
{
	if (fcinfo->flinfo->fn_extra == NULL)
		fcinfo->flinfo->fn_extra = MemoryContextAllocZero(fcinfo->flinfo->fn_mcxt,
														  sizeof(HistoryCache));
	return fcinfo->flinfo->fn_extra;
}

static HistoryCache *
key_hashers(FunctionCallInfo fcinfo)
{
	HistoryCache *h = history_cache(fcinfo);

	if (!h->hashers_ready)
	{
		for (int i = 0; i < 2; i++)
		{
			Oid			type = get_fn_expr_argtype(fcinfo->flinfo, i + 1);
			TypeCacheEntry *tc;

			if (!OidIsValid(type))
				elog(ERROR, "could not determine the type of argument %d", i + 2);
			tc = lookup_type_cache(type, TYPECACHE_HASH_EXTENDED_PROC_FINFO);
			if (!OidIsValid(tc->hash_extended_proc_finfo.fn_oid))
				ereport(ERROR,
						(errcode(ERRCODE_UNDEFINED_FUNCTION),
						 errmsg("could not identify an extended hash function for type %s",
								format_type_be(type)),
						 errhint("Order and item keys must be of a hashable type such as integer, text or uuid.")));
			fmgr_info_copy(&h->procs[i], &tc->hash_extended_proc_finfo, fcinfo->flinfo->fn_mcxt);
		}
		h->hashers_ready = true;
	}
	return h;
}

static uint64
hash_key(FunctionCallInfo fcinfo, HistoryCache *h, int i)
{
	return DatumGetUInt64(FunctionCall2Coll(&h->procs[i], PG_GET_COLLATION(),
											PG_GETARG_DATUM(i + 1), UInt64GetDatum(0)));
}

PG_FUNCTION_INFO_V1(insight_history_accum);
Datum
insight_history_accum(PG_FUNCTION_ARGS)
{
	MemoryContext aggcontext = history_agg_context(fcinfo);
	HistoryCache *h = key_hashers(fcinfo);
	HistoryExpanded *e = aggcontext ? history_expanded_arg(fcinfo, &h->states, aggcontext) : NULL;
	HistoryState *s = e ? e->state : history_state_arg(fcinfo, 0);
	HistoryOrder line;
	HistoryOrder *last;
	double		quantity,
				amount;

	if (s == NULL)
		s = history_state_reserve(CurrentMemoryContext, true, NULL, 0, 0);
	/* a line without a time or amount cannot be placed: not counted */
	if (PG_ARGISNULL(3) || PG_ARGISNULL(5))
		PG_RETURN_DATUM(history_result(e, s));
	quantity = PG_ARGISNULL(4) ? 0.0 : PG_GETARG_FLOAT8(4);
	amount = PG_GETARG_FLOAT8(5);
	if (!isfinite(quantity) || !isfinite(amount))
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("sales line quantity and amount must be finite"),
				 errdetail("Quantity %g, amount %g.", quantity, amount)));
	if (TIMESTAMP_NOT_FINITE(PG_GETARG_TIMESTAMPTZ(3)))
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("sales line time must be finite"),
				 errdetail("The line's time is %s.", timestamptz_to_str(PG_GETARG_TIMESTAMPTZ(3))),
				 errhint("Exclude lines at infinity from the sales source.")));
	if (amount < 0)
	{
		add_fixed(&s->returned, to_fixed(-amount));
		PG_RETURN_DATUM(history_result(e, s));
	}
	if (amount == 0)
		PG_RETURN_DATUM(history_result(e, s));	/* neither a purchase nor a return */

	/* a purchase line: into the last order when it is the same, else a new one */
	memset(&line, 0, sizeof(line));	/* no uninitialised padding in the state */
	line.has_order = !PG_ARGISNULL(1);
	if (line.has_order)
		line.order_hash = hash_key(fcinfo, h, 0);
	line.at = PG_GETARG_TIMESTAMPTZ(3);
	line.value = to_fixed(amount);
	line.units = to_fixed(quantity);
	last = s->n_orders > 0 ? &state_orders(s)[s->n_orders - 1] : NULL;
	if (last != NULL && line.has_order && last->has_order && last->order_hash == line.order_hash)
		merge_order(last, &line);
	else
	{
		s = history_grow(e, s, s->n_orders + 1, s->n_items + 1);
		state_orders(s)[s->n_orders++] = line;
	}
	if (!PG_ARGISNULL(2))
	{
		uint64		item = hash_key(fcinfo, h, 1);

		if (e != NULL)
			items_append(e, &item, 1);
		else
		{
			s = history_grow(NULL, s, s->n_orders, s->n_items + 1);
			state_items(s)[s->n_items++] = item;
		}
	}
	PG_RETURN_DATUM(history_result(e, s));
}

PG_FUNCTION_INFO_V1(insight_history_combine);
Datum
insight_history_combine(PG_FUNCTION_ARGS)
{
	MemoryContext aggcontext = history_agg_context(fcinfo);
	HistoryExpanded *eb;
	HistoryState *b = history_state_read(fcinfo, 1, &eb);
	HistoryExpanded *e;
	HistoryState *a;

	if (PG_ARGISNULL(0) && b == NULL)
		PG_RETURN_NULL();		/* no rows on either side */
	if (eb != NULL)
	{
		/* not seen from the executor (a partial state arrives flat), but flatten it */
		Size		size = EOH_get_flat_size(&eb->hdr);

		b = palloc(size);
		EOH_flatten_into(&eb->hdr, b, size);
	}
	e = aggcontext ? history_expanded_arg(fcinfo, &history_cache(fcinfo)->states, aggcontext) : NULL;
	a = e ? e->state : history_state_arg(fcinfo, 0);
	if (b == NULL)
		PG_RETURN_DATUM(history_result(e, a));
	if (a == NULL)
		PG_RETURN_POINTER(b);	/* called directly: b is a copy */
	a = history_grow(e, a, a->n_orders + b->n_orders, a->n_items + b->n_items);
	memcpy(&state_orders(a)[a->n_orders], state_orders(b), sizeof(HistoryOrder) * b->n_orders);
	a->n_orders += b->n_orders;
	if (e != NULL)
		items_append(e, state_items(b), b->n_items);
	else
	{
		memcpy(&state_items(a)[a->n_items], state_items(b), sizeof(uint64) * b->n_items);
		a->n_items += b->n_items;
	}
	add_fixed(&a->returned, b->returned);
	PG_RETURN_DATUM(history_result(e, a));
}

/* Records of one order together (those without an order key last, apart). */
static inline int
compare_by_order(const HistoryOrder *a, const HistoryOrder *b)
{
	if (a->has_order != b->has_order)
		return a->has_order ? -1 : 1;
	if (a->order_hash != b->order_hash)
		return a->order_hash < b->order_hash ? -1 : 1;
	return 0;
}

/*
 * Counting distinct item hashes: an open-addressing set (linear probing) of
 * at least twice their number, 0 standing for an empty slot (and counted
 * apart); cheaper than sorting them.  The slot comes from all the bits of a
 * hash (Fibonacci hashing: the top bits of h times 2^64 / golden ratio), so
 * that hashes sharing their low bits do not pile up.
 */
typedef struct DistinctSet
{
	uint64	   *slots;
	int			bits;
	uint64		probes;
	int64		distinct;
	bool		zero;
} DistinctSet;

static void
distinct_init(DistinctSet *d, int64 n)
{
	d->bits = 4;
	while (((Size) 1 << d->bits) < (Size) n * 2)
		d->bits++;
	d->slots = MemoryContextAllocExtended(CurrentMemoryContext, sizeof(uint64) << d->bits,
										  MCXT_ALLOC_HUGE | MCXT_ALLOC_ZERO);
	d->probes = 0;
	d->distinct = 0;
	d->zero = false;
}

static void
distinct_add(DistinctSet *d, const uint64 *hashes, int64 n)
{
	Size		mask = ((Size) 1 << d->bits) - 1;

	for (int64 i = 0; i < n; i++)
	{
		uint64		h = hashes[i];
		Size		slot;

		if (h == 0)
		{
			d->distinct += !d->zero;
			d->zero = true;
			continue;
		}
		for (slot = (Size) ((h * UINT64CONST(0x9E3779B97F4A7C15)) >> (64 - d->bits));
			 d->slots[slot] != 0 && d->slots[slot] != h;
			 slot = (slot + 1) & mask)
			if ((++d->probes & 0xffff) == 0)
				CHECK_FOR_INTERRUPTS();
		if (d->slots[slot] == 0)
		{
			d->slots[slot] = h;
			d->distinct++;
		}
		if ((++d->probes & 0xffff) == 0)
			CHECK_FOR_INTERRUPTS();
	}
}

/* Orders as (t, value, units), compared by t. */
typedef struct OrderSummary
{
	double		t;
	double		value;
	double		units;
} OrderSummary;

static inline int
compare_orders(const OrderSummary *a, const OrderSummary *b)
{
	if (a->t != b->t)
		return a->t < b->t ? -1 : 1;
	if (a->value != b->value)	/* same time: deterministic order */
		return a->value < b->value ? -1 : 1;
	return a->units < b->units ? -1 : (a->units > b->units ? 1 : 0);
}

/*
 * The two sorts of the final function, specialised with their comparison
 * inlined (lib/sort_template.h, the algorithm of qsort/pg_qsort).
 */
#define ST_SORT sort_records_by_order
#define ST_ELEMENT_TYPE HistoryOrder
#define ST_COMPARE(a, b) compare_by_order(a, b)
#define ST_SCOPE static
#define ST_DEFINE
#include "lib/sort_template.h"

#define ST_SORT sort_orders
#define ST_ELEMENT_TYPE OrderSummary
#define ST_COMPARE(a, b) compare_orders(a, b)
#define ST_SCOPE static
#define ST_DEFINE
#include "lib/sort_template.h"

PG_FUNCTION_INFO_V1(insight_history_final);
Datum
insight_history_final(PG_FUNCTION_ARGS)
{
	HistoryExpanded *e;
	HistoryState *s = history_state_read(fcinfo, 0, &e);
	HistoryOrder *records;
	OrderSummary *orders;
	DistinctSet items;
	int64		n_orders = 0,
				distinct_items = 0;
	double	   *out;
	int64		i;

	if (s == NULL || s->n_orders == 0)
		PG_RETURN_NULL();		/* no purchase (perhaps returns): no history */
	records = state_orders(s);
	for (i = 0; i < s->n_orders; i++)
		/* what insight_history_accum never writes, a crafted state may hold */
		if (TIMESTAMP_NOT_FINITE(records[i].at) || records[i].has_order > 1)
			history_corrupted("An order has a time that is not finite or a flag other than 0 or 1.");

	/*
	 * The records of one order together, merged: the sums are exact, so the
	 * result does not depend on the order of the records.
	 */
	sort_records_by_order(records, s->n_orders);
	orders = palloc(sizeof(OrderSummary) * s->n_orders);
	for (i = 0; i < s->n_orders;)
	{
		HistoryOrder o = records[i];
		int64		j = i + 1;

		if (o.has_order)
			for (; j < s->n_orders && records[j].has_order &&
				 records[j].order_hash == o.order_hash; j++)
				merge_order(&o, &records[j]);
		orders[n_orders].t = (double) o.at;
		orders[n_orders].value = from_fixed(o.value);
		orders[n_orders].units = from_fixed(o.units);
		n_orders++;
		i = j;
		CHECK_FOR_INTERRUPTS();
	}

	sort_orders(orders, n_orders);
	if (e != NULL)
	{
		distinct_init(&items, e->n_items);
		for (ItemChunk *c = e->first; c != NULL; c = c->next)
			distinct_add(&items, c->hashes, c->n);
	}
	else
	{
		distinct_init(&items, s->n_items);
		distinct_add(&items, state_items(s), s->n_items);
	}
	distinct_items = items.distinct;
	pfree(items.slots);

	out = palloc(sizeof(double) * (HISTORY_HEAD + 3 * n_orders));
	out[0] = (double) n_orders;
	out[1] = (double) distinct_items;
	out[2] = from_fixed(s->returned);
	for (i = 0; i < n_orders; i++)
	{
		out[HISTORY_HEAD + 3 * i] = orders[i].t;
		out[HISTORY_HEAD + 3 * i + 1] = orders[i].value;
		out[HISTORY_HEAD + 3 * i + 2] = orders[i].units;
	}
	PG_RETURN_ARRAYTYPE_P(insight_float8_array(out, HISTORY_HEAD + 3 * n_orders));
}

/* Validate a history array; returns its number of orders. */
static int64
history_orders(ArrayType *history, const double **values)
{
	const double *v;
	int			n;

	if (!insight_read_features(history, -1, &v, &n))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("a customer history must not contain NULL")));
	if (n < HISTORY_HEAD + 3 || (n - HISTORY_HEAD) % 3 != 0 ||
		v[0] != (double) ((n - HISTORY_HEAD) / 3))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid customer history of %d values", n),
				 errhint("Pass a value produced by insight_customer_history().")));
	*values = v;
	return (int64) v[0];
}

/* Features of a history given by hand can overflow: an error, never Infinity. */
static void
history_out_of_range(void)
{
	ereport(ERROR,
			(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
			 errmsg("customer history sums are out of the range of float8"),
			 errdetail("The amounts or quantities of one customer add up to more than %g.", DBL_MAX),
			 errhint("Check the amount and quantity columns of the sales source.")));
}

PG_FUNCTION_INFO_V1(insight_history_features);
Datum
insight_history_features(PG_FUNCTION_ARGS)
{
	const double *h;
	int64		n = history_orders(PG_GETARG_ARRAYTYPE_P(0), &h);
	TimestampTz as_of = PG_GETARG_TIMESTAMPTZ(1);
	const double *t = h + HISTORY_HEAD;
	double		window = WINDOW_DAYS * USECS_PER_DAY_F;
	double		total = 0,
				units = 0,
				spend_recent = 0,
				spend_before = 0,
				gap_mean = 0,
				gap_m2 = 0,
				last_day = -INFINITY;
	int64		days = 0;
	Datum		d[NFEATURES];
	bool		nulls[NFEATURES] = {0};
	int			dims[1] = {NFEATURES};
	int			lbs[1] = {1};

	if (TIMESTAMP_NOT_FINITE(as_of))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("as_of must be a finite timestamp")));

	if (t[3 * (n - 1)] >= (double) as_of)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("customer history has orders at or after as_of"),
				 errhint("Build the history from lines before as_of only.")));
	for (int64 i = 0; i < n; i++)
	{
		double		ti = t[3 * i],
					day = floor(ti / USECS_PER_DAY_F);

		if (i > 0 && ti < t[3 * (i - 1)])
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("customer history orders are not sorted by time")));
		total += t[3 * i + 1];
		units += t[3 * i + 2];
		if (ti >= (double) as_of - window)
			spend_recent += t[3 * i + 1];
		else if (ti >= (double) as_of - 2 * window)
			spend_before += t[3 * i + 1];
		if (day != last_day)
			days++;
		last_day = day;
		if (i > 0)
		{
			/* Welford's running mean and M2 of the gaps between orders */
			double		gap = (ti - t[3 * (i - 1)]) / USECS_PER_DAY_F;
			double		delta = gap - gap_mean;

			gap_mean += delta / (double) i;
			gap_m2 += delta * (gap - gap_mean);
		}
	}

	d[0] = Float8GetDatum(((double) as_of - t[3 * (n - 1)]) / USECS_PER_DAY_F);	/* recency_days */
	d[1] = Float8GetDatum((double) (days - 1));	/* frequency */
	d[2] = Float8GetDatum(total / (double) n);	/* monetary */
	d[3] = Float8GetDatum(((double) as_of - t[0]) / USECS_PER_DAY_F);	/* tenure_days */
	d[4] = Float8GetDatum((double) n);	/* orders */
	d[5] = Float8GetDatum(units);	/* items */
	d[6] = Float8GetDatum(total);	/* total_spend */
	d[7] = Float8GetDatum(spend_recent);	/* spend_90d */
	d[8] = Float8GetDatum(spend_recent + spend_before > 0 ?	/* spend_trend */
						  (spend_recent - spend_before) / (spend_recent + spend_before) : 0.0);
	d[9] = Float8GetDatum(gap_mean);	/* mean_days_between_orders */
	nulls[9] = n < 2;
	d[10] = Float8GetDatum(n >= 3 ? sqrt(gap_m2 / (double) (n - 2)) : 0.0);	/* sd, sample */
	nulls[10] = n < 3;
	d[11] = Float8GetDatum(h[1]);	/* distinct_items */
	/* return_rate: none returned is 0, also when the purchases sum to 0 */
	d[12] = Float8GetDatum(h[2] == 0 ? 0.0 : h[2] / total);

	for (int i = 0; i < NFEATURES; i++)
		if (!nulls[i] && !isfinite(DatumGetFloat8(d[i])))
			history_out_of_range();
	PG_RETURN_ARRAYTYPE_P(construct_md_array(d, nulls, 1, dims, lbs, FLOAT8OID,
											 sizeof(float8), FLOAT8PASSBYVAL, TYPALIGN_DOUBLE));
}
