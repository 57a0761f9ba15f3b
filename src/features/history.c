/*-------------------------------------------------------------------------
 *
 * history.c
 *	  Customer purchase histories and the point-in-time features computed
 *	  from them (insight_customer_features).
 *
 * insight_customer_history(order_key "any", item_key "any", ordered_at,
 * quantity, amount) is an aggregate used with GROUP BY customer over the
 * cleaned sales lines.  Its state is a bytea holding one fixed-size record
 * per line (hashes of the order and item keys, time, quantity, amount);
 * partial states combine by concatenation, so the aggregate runs in
 * parallel workers and on Citus shards.  While the aggregate runs, the state
 * is an expanded object (utils/expandeddatum.h) owning a growable buffer in
 * a memory context under the aggregate's: the executor keeps it in place
 * instead of copying the whole state each time it grows, and it becomes the
 * flat bytea wherever it leaves the aggregate (a partial state sent by a
 * parallel worker or a Citus shard, a direct call's result).  The final function folds the lines
 * into a compact history, a float8[]:
 *
 *	  [orders, distinct_items, returned_amount,
 *	   t_1, value_1, units_1, ..., t_n, value_n, units_n]
 *
 * with one (t, value, units) triple per order that has a purchase (a line
 * with a positive amount), sorted by t: the time of its first purchase line
 * in microseconds since 2000-01-01 00:00 UTC (PostgreSQL's timestamptz
 * epoch; exact in a double for 285 years), its purchase amount and units.
 * Return lines (negative amounts) count only in returned_amount; a line
 * whose order key is NULL is an order by itself.  Keys are
 * compared through their type's extended hash function, 64 bits: two keys
 * of one customer collide with probability about n^2 / 2^65.
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
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/expandeddatum.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/timestamp.h"
#include "utils/typcache.h"

#include "core/util.h"

#define USECS_PER_DAY_F ((double) USECS_PER_DAY)
#define WINDOW_DAYS 90			/* spend_90d and the window before it */
#define HISTORY_HEAD 3			/* orders, distinct_items, returned */
#define NFEATURES 13

typedef struct HistoryLine
{
	uint64		order_hash;
	uint64		item_hash;
	bool		has_order;		/* false: the line is an order by itself */
	bool		has_item;
	int64		at;				/* timestamptz, microseconds */
	double		quantity;
	double		amount;
} HistoryLine;

typedef struct HistoryState
{
	int32		vl_len_;
	int32		pad;
	int64		n;				/* lines used */
	int64		capacity;		/* lines that fit */
	HistoryLine lines[FLEXIBLE_ARRAY_MEMBER];
} HistoryState;

static Size
history_state_size(int64 capacity)
{
	return add_size(offsetof(HistoryState, lines),
					mul_size(sizeof(HistoryLine), (Size) capacity));
}

static HistoryState *
history_state_arg(FunctionCallInfo fcinfo, int argno)
{
	HistoryState *s = insight_state_get(fcinfo, argno, offsetof(HistoryState, lines));

	if (s != NULL && (s->n < 0 || s->n > s->capacity ||
					  VARSIZE(s) != history_state_size(s->capacity)))
		ereport(ERROR,
				(errcode(ERRCODE_DATA_CORRUPTED),
				 errmsg("invalid insight_customer_history state"),
				 errdetail("A state of %zu bytes cannot hold %lld of %lld lines.",
						   (Size) VARSIZE(s), (long long) s->n, (long long) s->capacity)));
	return s;
}

static void
history_too_many_lines(void)
{
	ereport(ERROR,
			(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
			 errmsg("a customer history cannot hold more than %zu lines",
					(MaxAllocSize - offsetof(HistoryState, lines)) / sizeof(HistoryLine))));
}

/* A state with room for at least 'need' lines, keeping the lines of 'old'. */
static HistoryState *
history_state_reserve(FunctionCallInfo fcinfo, HistoryState *old, int64 need)
{
	HistoryState *s;
	int64		capacity = old ? old->capacity : 0;

	if (old && need <= old->capacity)
		return old;
	capacity = Max(Max(capacity * 2, need), 8);
	if (history_state_size(capacity) > MaxAllocSize)
		history_too_many_lines();
	s = insight_state_new(fcinfo, history_state_size(capacity));
	s->capacity = capacity;
	if (old)
	{
		memcpy(s->lines, old->lines, sizeof(HistoryLine) * old->n);
		s->n = old->n;
	}
	return s;
}

/*
 * The state while the aggregate runs: an expanded object whose flat form is
 * the HistoryState of its first n lines (capacity n).  Its buffer, a
 * HistoryState with room to spare, lives in the object's own context, a
 * child of the aggregate's context, and grows by repalloc.
 */
typedef struct HistoryExpanded
{
	ExpandedObjectHeader hdr;
	HistoryState *state;
} HistoryExpanded;

static Size
history_expanded_flat_size(ExpandedObjectHeader *eohptr)
{
	return history_state_size(((HistoryExpanded *) eohptr)->state->n);
}

static void
history_expanded_flatten(ExpandedObjectHeader *eohptr, void *result, Size allocated_size)
{
	HistoryState *from = ((HistoryExpanded *) eohptr)->state;
	HistoryState *to = result;

	Assert(allocated_size == history_state_size(from->n));
	memcpy(to, from, allocated_size);
	SET_VARSIZE(to, allocated_size);
	to->capacity = from->n;
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

/* Room for at least 'need' lines in the expanded state, keeping its lines. */
static void
history_expanded_reserve(HistoryExpanded *e, int64 need)
{
	int64		capacity = e->state->capacity;
	Size		size;

	if (need <= capacity)
		return;
	capacity = Max(capacity * 2, need);
	size = history_state_size(capacity);
	if (size > MaxAllocSize)
		history_too_many_lines();
	e->state = repalloc(e->state, size);
	SET_VARSIZE(e->state, size);
	e->state->capacity = capacity;
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

/*
 * Argument 0 of the transition or combine function called by an aggregate,
 * as this aggregate's expanded state: the object itself when it is one, else
 * a new object holding the lines of the flat state (none for NULL),
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
		Datum		d = PG_GETARG_DATUM(0);

		if (VARATT_IS_EXTERNAL_EXPANDED_RW(DatumGetPointer(d)) &&
			DatumGetEOHP(d)->eoh_methods == &history_expanded_methods)
			return (HistoryExpanded *) DatumGetEOHP(d);
		flat = history_state_arg(fcinfo, 0);
	}
	cxt = states_context(list, aggcontext);
	e = MemoryContextAlloc(cxt, sizeof(HistoryExpanded));
	EOH_init_header(&e->hdr, &history_expanded_methods, cxt);
	e->state = MemoryContextAllocZero(cxt, history_state_size(8));
	SET_VARSIZE(e->state, history_state_size(8));
	e->state->capacity = 8;
	if (flat != NULL)
	{
		history_expanded_reserve(e, flat->n);
		memcpy(e->state->lines, flat->lines, sizeof(HistoryLine) * flat->n);
		e->state->n = flat->n;
	}
	return e;
}

/*
 * A state argument to read: the buffer of this aggregate's expanded state,
 * or the flat state as history_state_arg gives it.
 */
static HistoryState *
history_state_read(FunctionCallInfo fcinfo, int argno)
{
	if (!PG_ARGISNULL(argno))
	{
		Datum		d = PG_GETARG_DATUM(argno);

		if (VARATT_IS_EXTERNAL_EXPANDED(DatumGetPointer(d)) &&
			DatumGetEOHP(d)->eoh_methods == &history_expanded_methods)
			return ((HistoryExpanded *) DatumGetEOHP(d))->state;
	}
	return history_state_arg(fcinfo, argno);
}

/* The state 's' (of the expanded state 'e' when not NULL) with room for 'need' lines. */
static HistoryState *
history_grow(FunctionCallInfo fcinfo, HistoryExpanded *e, HistoryState *s, int64 need)
{
	if (e == NULL)
		return history_state_reserve(fcinfo, s, need);
	history_expanded_reserve(e, need);
	return e->state;
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
hash_key(FunctionCallInfo fcinfo, HistoryCache *h, int i, bool *isnull)
{
	int			argno = i + 1;

	*isnull = PG_ARGISNULL(argno);
	if (*isnull)
		return 0;
	return DatumGetUInt64(FunctionCall2Coll(&h->procs[i], PG_GET_COLLATION(),
											PG_GETARG_DATUM(argno), UInt64GetDatum(0)));
}

PG_FUNCTION_INFO_V1(insight_history_accum);
Datum
insight_history_accum(PG_FUNCTION_ARGS)
{
	MemoryContext aggcontext = history_agg_context(fcinfo);
	HistoryCache *h = key_hashers(fcinfo);
	HistoryExpanded *e = aggcontext ? history_expanded_arg(fcinfo, &h->states, aggcontext) : NULL;
	HistoryState *s = e ? e->state : history_state_arg(fcinfo, 0);
	HistoryLine *line;
	bool		null_item;
	double		quantity,
				amount;

	/* a line without a time or amount cannot be placed: not counted */
	if (PG_ARGISNULL(3) || PG_ARGISNULL(5))
		PG_RETURN_DATUM(history_result(e, s ? s : history_state_reserve(fcinfo, NULL, 0)));
	quantity = PG_ARGISNULL(4) ? 0.0 : PG_GETARG_FLOAT8(4);
	amount = PG_GETARG_FLOAT8(5);
	if (!isfinite(quantity) || !isfinite(amount))
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("sales line quantity and amount must be finite"),
				 errdetail("Quantity %g, amount %g.", quantity, amount)));

	s = history_grow(fcinfo, e, s, (s ? s->n : 0) + 1);
	line = &s->lines[s->n++];
	memset(line, 0, sizeof(HistoryLine));	/* no uninitialised padding in the state */
	{
		bool		null_order;

		line->order_hash = hash_key(fcinfo, h, 0, &null_order);
		line->has_order = !null_order;
	}
	line->item_hash = hash_key(fcinfo, h, 1, &null_item);
	line->has_item = !null_item;
	line->at = PG_GETARG_TIMESTAMPTZ(3);
	line->quantity = quantity;
	line->amount = amount;
	PG_RETURN_DATUM(history_result(e, s));
}

PG_FUNCTION_INFO_V1(insight_history_combine);
Datum
insight_history_combine(PG_FUNCTION_ARGS)
{
	MemoryContext aggcontext = history_agg_context(fcinfo);
	HistoryState *b = history_state_read(fcinfo, 1);
	HistoryExpanded *e;
	HistoryState *a;

	if (PG_ARGISNULL(0) && b == NULL)
		PG_RETURN_NULL();		/* no rows on either side */
	e = aggcontext ? history_expanded_arg(fcinfo, &history_cache(fcinfo)->states, aggcontext) : NULL;
	a = e ? e->state : history_state_arg(fcinfo, 0);
	if (b == NULL)
		PG_RETURN_DATUM(history_result(e, a));
	if (a == NULL)
		PG_RETURN_POINTER(b);	/* called directly: b is a copy */
	a = history_grow(fcinfo, e, a, a->n + b->n);
	memcpy(&a->lines[a->n], b->lines, sizeof(HistoryLine) * b->n);
	a->n += b->n;
	PG_RETURN_DATUM(history_result(e, a));
}

static inline int
compare_by_order(const HistoryLine *a, const HistoryLine *b)
{
	if (a->has_order != b->has_order)
		return a->has_order ? -1 : 1;
	if (a->order_hash != b->order_hash)
		return a->order_hash < b->order_hash ? -1 : 1;
	/* then by content, so that sums add up in one order whatever the input order */
	if (a->at != b->at)
		return a->at < b->at ? -1 : 1;
	if (a->amount != b->amount)
		return a->amount < b->amount ? -1 : 1;
	if (a->quantity != b->quantity)
		return a->quantity < b->quantity ? -1 : 1;
	if (a->item_hash != b->item_hash)
		return a->item_hash < b->item_hash ? -1 : 1;
	return 0;
}

static inline int
compare_uint64(const uint64 *x, const uint64 *y)
{
	uint64		a = *x;
	uint64		b = *y;

	return a < b ? -1 : (a > b ? 1 : 0);
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
 * The three sorts of the final function, specialised with their comparison
 * inlined (lib/sort_template.h, the algorithm of qsort/pg_qsort, so the same
 * order): the sort of a customer's lines is the final function's largest
 * cost.
 */
#define ST_SORT sort_lines_by_order
#define ST_ELEMENT_TYPE HistoryLine
#define ST_COMPARE(a, b) compare_by_order(a, b)
#define ST_SCOPE static
#define ST_DEFINE
#include "lib/sort_template.h"

#define ST_SORT sort_uint64
#define ST_ELEMENT_TYPE uint64
#define ST_COMPARE(a, b) compare_uint64(a, b)
#define ST_SCOPE static
#define ST_DEFINE
#include "lib/sort_template.h"

#define ST_SORT sort_orders
#define ST_ELEMENT_TYPE OrderSummary
#define ST_COMPARE(a, b) compare_orders(a, b)
#define ST_SCOPE static
#define ST_DEFINE
#include "lib/sort_template.h"

/* Sums of finite amounts can overflow: an error, never Infinity. */
static void
history_out_of_range(void)
{
	ereport(ERROR,
			(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
			 errmsg("customer history sums are out of the range of float8"),
			 errdetail("The amounts or quantities of one customer add up to more than %g.", DBL_MAX),
			 errhint("Check the amount and quantity columns of the sales source.")));
}

PG_FUNCTION_INFO_V1(insight_history_final);
Datum
insight_history_final(PG_FUNCTION_ARGS)
{
	HistoryState *s = history_state_read(fcinfo, 0);
	OrderSummary *orders;
	uint64	   *items;
	int64		n_orders = 0,
				n_items = 0,
				distinct_items = 0;
	double		returned = 0;
	double	   *out;
	int64		i;

	if (s == NULL || s->n == 0)
		PG_RETURN_NULL();

	/*
	 * Group lines by order.  The sort is total on the line contents, so every
	 * sum below is taken in the same order in serial and parallel plans and
	 * the features are reproducible to the last bit.
	 */
	sort_lines_by_order(s->lines, s->n);
	orders = palloc(sizeof(OrderSummary) * s->n);
	items = palloc(sizeof(uint64) * s->n);
	for (i = 0; i < s->n;)
	{
		int64		j;
		OrderSummary o = {0, 0, 0};
		bool		bought = false;

		/* the lines of one order; a line without an order id is one by itself */
		j = i + 1;
		if (s->lines[i].has_order)
			while (j < s->n && s->lines[j].has_order &&
				   s->lines[j].order_hash == s->lines[i].order_hash)
				j++;
		for (int64 k = i; k < j; k++)
		{
			HistoryLine *l = &s->lines[k];

			/* what insight_history_accum refuses, a crafted state may hold */
			if (!isfinite(l->quantity) || !isfinite(l->amount) || TIMESTAMP_NOT_FINITE(l->at))
				ereport(ERROR,
						(errcode(ERRCODE_DATA_CORRUPTED),
						 errmsg("invalid insight_customer_history state"),
						 errdetail("A line has quantity %g, amount %g or a time that is not finite.",
								   l->quantity, l->amount)));
			if (l->amount > 0)
			{
				if (!bought || l->at < o.t)
					o.t = (double) l->at;
				bought = true;
				o.value += l->amount;
				o.units += l->quantity;
				if (l->has_item)
					items[n_items++] = l->item_hash;
			}
			else if (l->amount < 0)
				returned -= l->amount;
		}
		if (!isfinite(o.value) || !isfinite(o.units) || !isfinite(returned))
			history_out_of_range();
		if (bought)
			orders[n_orders++] = o;
		i = j;
		CHECK_FOR_INTERRUPTS();
	}
	if (n_orders == 0)
		PG_RETURN_NULL();		/* only returns: no purchase history */

	sort_orders(orders, n_orders);
	sort_uint64(items, n_items);
	for (i = 0; i < n_items; i++)
		if (i == 0 || items[i] != items[i - 1])
			distinct_items++;

	out = palloc(sizeof(double) * (HISTORY_HEAD + 3 * n_orders));
	out[0] = (double) n_orders;
	out[1] = (double) distinct_items;
	out[2] = returned;
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
	d[12] = Float8GetDatum(h[2] / total);	/* return_rate */

	for (int i = 0; i < NFEATURES; i++)
		if (!nulls[i] && !isfinite(DatumGetFloat8(d[i])))
			history_out_of_range();
	PG_RETURN_ARRAYTYPE_P(construct_md_array(d, nulls, 1, dims, lbs, FLOAT8OID,
											 sizeof(float8), FLOAT8PASSBYVAL, TYPALIGN_DOUBLE));
}
