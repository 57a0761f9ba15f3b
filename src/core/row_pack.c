/*-------------------------------------------------------------------------
 *
 * row_pack.c
 *	  The rows of an in-memory trainer collected by an aggregate:
 *	  insight_rows_pack(key, features, label) packs (key text, features
 *	  float8[], label float8) rows into one bytea, and
 *	  insight_rows_unpack(packed) gives them back as rows, in key order;
 *	  insight_interactions_pack(customer, item, value) and
 *	  insight_interactions_unpack(packed) do the same for a recommender's
 *	  interactions (two text keys and a number).
 *
 * An in-memory trainer (GBDT, the MLPs) reads every training row once into
 * its own memory.  Over a Citus table distributed by customer, reading the
 * rows means one result row per customer from every shard; collecting them
 * with this aggregate instead runs the collection on the shards (Citus's
 * worker_partial_agg: each shard packs its rows into one state) and only the
 * states, one per shard, reach the coordinator, which concatenates them
 * (the combine function) and sorts the rows by key (the final function):
 *
 *	  SELECT u.features, u.label OPERATOR(pg_catalog.=) 1
 *	    FROM insight_rows_unpack((SELECT insight_rows_pack(t.customer_id, t.features, t.label)
 *	                                FROM training_rows t)) u
 *
 * The order of the rows a trainer sees changes its model (an MLP's
 * mini-batches, the order of sums), so the rows come out in one order
 * whatever the split: by key with the database's default collation, as
 * ORDER BY key would sort them (NULL keys last), rows of equal keys by their
 * bytes.  A trainer that reads the same rows ORDER BY key on a single node
 * therefore fits the same model, to the last bit, when the keys are unique.
 *
 * The recommenders' trainers (insight_als_fit, insight_itemknn_fit,
 * insight_popularity_fit) read (customer, item, value) interactions; they
 * number the keys in byte order and sum duplicate pairs after sorting them,
 * so the order of the rows does not matter to them, and the interactions
 * collected on the shards by insight_interactions_pack give the model of the
 * rows read on a single node, to the last bit.
 *
 * The packed value (the bytea), after a header, holds one record per row:
 *
 *	  int32 key_len (-1: NULL key), int32 n_features (-1: NULL array),
 *	  int16 label_null, int16 flags, int32 item_len, float8 label, the key's
 *	  bytes and the item's (padded to 8 together), float8
 *	  features[n_features], and for an array with a NULL element a null flag
 *	  per element (padded to 8)
 *
 * flags: ROW_FEATURE_NULLS (the null flags follow the features), ROW_ITEM
 * (an interaction: item_len is the item key's length, -1 for NULL, and the
 * record has no features; otherwise item_len is 0).  The label is the
 * interaction's value.  A pack may hold both kinds (the combine function
 * concatenates any packed rows); each unpack function refuses the other's
 * records.
 *
 * so that what a trainer skips (a NULL label, array or element) it still
 * sees, and counts, and what it refuses (NaN, Infinity, arrays of different
 * lengths) it still refuses, with its own error.  While the aggregate runs,
 * the state is an expanded object (utils/expandeddatum.h) whose buffer grows
 * by doubling in a memory context under the aggregate's, kept in place by
 * the executor; its flat form, wherever it leaves the aggregate (a Citus
 * shard's partial state, a parallel worker's, the final value), has no spare
 * room.  Packed values from outside (a user's bytea) are checked record by
 * record before use, keys included (text valid in the database's encoding):
 * a malformed one is 22P03 (wrong header) or XX001.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_collation.h"
#include "catalog/pg_type.h"
#include "fmgr.h"
#include "funcapi.h"
#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/expandeddatum.h"
#include "utils/memutils.h"
#include "utils/varlena.h"

#include "core/util.h"

#define ROW_PACK_FORMAT 0x50574F52	/* "ROWP" */

typedef struct RowPack
{
	int32		vl_len_;
	int32		format;
	int64		n_rows;
	/* records follow */
} RowPack;

#define ROW_PACK_HEADER MAXALIGN(sizeof(RowPack))

typedef struct RowRecord
{
	int32		key_len;		/* -1: NULL */
	int32		n_features;		/* -1: NULL array (and an interaction's) */
	int16		label_null;
	int16		flags;			/* ROW_FEATURE_NULLS, ROW_ITEM */
	int32		item_len;		/* ROW_ITEM: -1 NULL item; otherwise 0 */
	float8		label;
	/*
	 * key bytes and item bytes, padded to MAXALIGN together, then float8
	 * features[n_features], then (ROW_FEATURE_NULLS) bool
	 * nulls[n_features], padded to MAXALIGN
	 */
} RowRecord;

#define FEATURES_NULL_ARRAY (-1)
#define ROW_FEATURE_NULLS 0x0001	/* a null flag per element follows */
#define ROW_ITEM 0x0002			/* an interaction (customer, item, value) */

static inline Size
record_key_space(int32 key_len, int32 item_len)
{
	return MAXALIGN(sizeof(RowRecord) + (key_len > 0 ? (Size) key_len : 0) +
					(item_len > 0 ? (Size) item_len : 0));
}

static inline Size
record_data_size(int32 key_len, int32 item_len, int32 n_features, bool features_nulls)
{
	Size		n = (Size) Max(n_features, 0);

	return record_key_space(key_len, item_len) + sizeof(float8) * n + (features_nulls ? MAXALIGN(n) : 0);
}

static inline Size
record_size(const RowRecord *r)
{
	return record_data_size(r->key_len, r->item_len, r->n_features,
							(r->flags & ROW_FEATURE_NULLS) != 0);
}

static inline const char *
record_key(const RowRecord *r)
{
	return (const char *) r + sizeof(RowRecord);
}

static inline const char *
record_item(const RowRecord *r)
{
	return record_key(r) + Max(r->key_len, 0);
}

static inline float8 *
record_features(const RowRecord *r)
{
	return (float8 *) ((char *) r + record_key_space(r->key_len, r->item_len));
}

static inline bool *
record_feature_nulls(const RowRecord *r)
{
	return (bool *) (record_features(r) + Max(r->n_features, 0));
}

static void
pack_corrupted(const char *detail)
{
	ereport(ERROR,
			(errcode(ERRCODE_DATA_CORRUPTED),
			 errmsg("invalid packed rows"),
			 errdetail("%s", detail),
			 errhint("Pass the value that insight_rows_pack returned, unchanged.")));
}

/*
 * Check that 'bytes' of records hold exactly 'n_rows' well-formed records
 * (lengths in bounds, each within the value).
 */
static void
check_records(const char *records, Size bytes, int64 n_rows)
{
	Size		off = 0;

	for (int64 i = 0; i < n_rows; i++)
	{
		const RowRecord *r = (const RowRecord *) (records + off);

		if (bytes - off < sizeof(RowRecord))
			pack_corrupted("A record runs past the end of the value.");
		if (r->key_len < -1 || r->n_features < FEATURES_NULL_ARRAY ||
			(r->flags & ~(ROW_FEATURE_NULLS | ROW_ITEM)) != 0 ||
			(r->label_null != 0 && r->label_null != 1) ||
			((r->flags & ROW_FEATURE_NULLS) != 0 && r->n_features < 0) ||
			((r->flags & ROW_ITEM) != 0
			 ? r->item_len < -1 || r->n_features != FEATURES_NULL_ARRAY
			 : r->item_len != 0) ||
			(Size) Max(r->key_len, 0) > bytes ||
			(Size) Max(r->item_len, 0) > bytes ||
			(Size) Max(r->n_features, 0) > bytes / sizeof(float8) ||
			record_size(r) > bytes - off)
			pack_corrupted("A record's key or feature count does not fit in the value.");
		/* keys come back as text: valid in the database's encoding, no NUL */
		if ((r->key_len > 0 &&
			 !pg_verify_mbstr(GetDatabaseEncoding(), record_key(r), r->key_len, true)) ||
			(r->item_len > 0 &&
			 !pg_verify_mbstr(GetDatabaseEncoding(), record_item(r), r->item_len, true)))
			pack_corrupted("A record's key is not valid text in the database's encoding.");
		off += record_size(r);
	}
	if (off != bytes)
		pack_corrupted("The value has bytes after its last record.");
}

/* A flat packed value from an argument, detoasted and checked. */
static RowPack *
pack_arg(FunctionCallInfo fcinfo, int argno)
{
	bytea	   *raw = PG_GETARG_BYTEA_P(argno);
	RowPack    *p = (RowPack *) raw;
	Size		size = VARSIZE(raw);

	if (size < ROW_PACK_HEADER || p->format != ROW_PACK_FORMAT || p->n_rows < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("not a value of insight_rows_pack"),
				 errdetail("The value has %zu bytes and does not start with the header of packed rows.", size),
				 errhint("Pass the value that insight_rows_pack returned, unchanged.")));
	/* a detoasted value is MAXALIGNed (palloc); one in place may not be */
	if ((uintptr_t) raw % MAXIMUM_ALIGNOF != 0)
	{
		p = palloc(size);
		memcpy(p, raw, size);
	}
	check_records((const char *) p + ROW_PACK_HEADER, size - ROW_PACK_HEADER, p->n_rows);
	return p;
}

/*
 * The state while the aggregate runs: the records in a buffer that doubles
 * as it fills, in the object's own context (a child of the aggregate's).
 */
typedef struct PackExpanded
{
	ExpandedObjectHeader hdr;
	char	   *records;
	Size		used;
	Size		capacity;
	int64		n_rows;
} PackExpanded;

static Size
pack_flat_size(ExpandedObjectHeader *eohptr)
{
	return ROW_PACK_HEADER + ((PackExpanded *) eohptr)->used;
}

static void
pack_flatten(ExpandedObjectHeader *eohptr, void *result, Size allocated_size)
{
	PackExpanded *e = (PackExpanded *) eohptr;
	RowPack    *p = result;

	Assert(allocated_size == ROW_PACK_HEADER + e->used);
	memset(p, 0, ROW_PACK_HEADER);
	SET_VARSIZE(p, allocated_size);
	p->format = ROW_PACK_FORMAT;
	p->n_rows = e->n_rows;
	memcpy((char *) p + ROW_PACK_HEADER, e->records, e->used);
}

static const ExpandedObjectMethods pack_methods = {
	pack_flat_size,
	pack_flatten
};

/* Room for 'more' bytes of records. */
static char *
pack_reserve(PackExpanded *e, Size more)
{
	if (more > MaxAllocSize - ROW_PACK_HEADER - e->used)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("packed rows cannot hold more than %zu bytes", (Size) MaxAllocSize),
				 errhint("Train on fewer rows, or with a trainer that passes over the rows (insight_logreg_fit with in_memory => false).")));
	if (e->used + more > e->capacity)
	{
		Size		capacity = Max(Max(e->capacity * 2, e->used + more), (Size) 1024);

		capacity = Min(capacity, MaxAllocSize - ROW_PACK_HEADER);
		e->records = e->records == NULL
			? MemoryContextAlloc(e->hdr.eoh_context, capacity)
			: repalloc(e->records, capacity);
		e->capacity = capacity;
	}
	return e->records + e->used;
}

static void
pack_append_records(PackExpanded *e, const char *records, Size bytes, int64 n_rows)
{
	memcpy(pack_reserve(e, bytes), records, bytes);
	e->used += bytes;
	e->n_rows += n_rows;
}

/*
 * Argument 0 of the transition or combine function as this aggregate's
 * expanded state: the object itself, or a new one in a child context of the
 * aggregate's holding a copy of the flat state (empty for NULL).
 */
static PackExpanded *
pack_state(FunctionCallInfo fcinfo)
{
	MemoryContext aggcontext;
	MemoryContext cxt;
	PackExpanded *e;

	if (!AggCheckCallContext(fcinfo, &aggcontext))
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("the state functions of insight_rows_pack and insight_interactions_pack can only be called by the aggregates")));
	if (!PG_ARGISNULL(0) &&
		(e = (PackExpanded *) insight_expanded_state(PG_GETARG_DATUM(0), &pack_methods, true)) != NULL)
		return e;
	cxt = AllocSetContextCreate(aggcontext, "insight_rows_pack state", ALLOCSET_DEFAULT_SIZES);
	e = (PackExpanded *) insight_expanded_state_new(cxt, sizeof(PackExpanded), &pack_methods);
	if (!PG_ARGISNULL(0))
	{
		RowPack    *p = pack_arg(fcinfo, 0);

		pack_append_records(e, (const char *) p + ROW_PACK_HEADER, VARSIZE(p) - ROW_PACK_HEADER, p->n_rows);
	}
	return e;
}

/*
 * The records of a state argument to read, without copying: this
 * aggregate's expanded state, or a flat value checked by pack_arg.
 */
static const char *
pack_view(FunctionCallInfo fcinfo, int argno, Size *bytes, int64 *n_rows)
{
	PackExpanded *e = (PackExpanded *) insight_expanded_state(PG_GETARG_DATUM(argno), &pack_methods, false);
	RowPack    *p;

	if (e != NULL)
	{
		*bytes = e->used;
		*n_rows = e->n_rows;
		return e->records;
	}
	p = pack_arg(fcinfo, argno);
	*bytes = VARSIZE(p) - ROW_PACK_HEADER;
	*n_rows = p->n_rows;
	return (const char *) p + ROW_PACK_HEADER;
}

PG_FUNCTION_INFO_V1(insight_rows_pack_accum);
Datum
insight_rows_pack_accum(PG_FUNCTION_ARGS)
{
	PackExpanded *e = pack_state(fcinfo);
	text	   *key = PG_ARGISNULL(1) ? NULL : PG_GETARG_TEXT_PP(1);
	ArrayType  *features = PG_ARGISNULL(2) ? NULL : PG_GETARG_ARRAYTYPE_P(2);
	int32		key_len = key ? (int32) VARSIZE_ANY_EXHDR(key) : -1;
	int32		n_features = FEATURES_NULL_ARRAY;
	bool		features_nulls = false;
	Size		size;
	RowRecord  *r;

	if (features != NULL)
	{
		if (ARR_ELEMTYPE(features) != FLOAT8OID)
			ereport(ERROR,
					(errcode(ERRCODE_DATATYPE_MISMATCH),
					 errmsg("features must be a float8[]")));
		if (ARR_NDIM(features) > 1)
			ereport(ERROR,
					(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
					 errmsg("features must be a one-dimensional array, not one of %d dimensions",
							ARR_NDIM(features))));
		n_features = ArrayGetNItems(ARR_NDIM(features), ARR_DIMS(features));
		features_nulls = ARR_HASNULL(features);
	}
	size = record_data_size(key_len, 0, n_features, features_nulls);
	r = (RowRecord *) pack_reserve(e, size);
	memset(r, 0, size);			/* (padding too: equal rows, equal bytes) */
	r->key_len = key_len;
	r->n_features = n_features;
	r->label_null = PG_ARGISNULL(3);
	r->flags = features_nulls ? ROW_FEATURE_NULLS : 0;
	r->label = PG_ARGISNULL(3) ? 0.0 : PG_GETARG_FLOAT8(3);
	if (key_len > 0)
		memcpy((char *) r + sizeof(RowRecord), VARDATA_ANY(key), key_len);
	if (features_nulls)
	{
		Datum	   *values;
		bool	   *nulls;
		int			n;
		float8	   *f = record_features(r);
		bool	   *fnulls = record_feature_nulls(r);

		deconstruct_array(features, FLOAT8OID, sizeof(float8), FLOAT8PASSBYVAL, TYPALIGN_DOUBLE,
						  &values, &nulls, &n);
		for (int j = 0; j < n; j++)
		{
			f[j] = nulls[j] ? 0.0 : DatumGetFloat8(values[j]);
			fnulls[j] = nulls[j];
		}
	}
	else if (n_features > 0)
		memcpy(record_features(r), ARR_DATA_PTR(features), sizeof(float8) * n_features);
	e->used += size;
	e->n_rows++;
	PG_RETURN_DATUM(EOHPGetRWDatum(&e->hdr));
}

/*
 * An interaction (customer, item, value), any of them NULL: the trainer
 * skips and counts such a row as when it reads it.
 */
PG_FUNCTION_INFO_V1(insight_interactions_pack_accum);
Datum
insight_interactions_pack_accum(PG_FUNCTION_ARGS)
{
	PackExpanded *e = pack_state(fcinfo);
	text	   *key = PG_ARGISNULL(1) ? NULL : PG_GETARG_TEXT_PP(1);
	text	   *item = PG_ARGISNULL(2) ? NULL : PG_GETARG_TEXT_PP(2);
	int32		key_len = key ? (int32) VARSIZE_ANY_EXHDR(key) : -1;
	int32		item_len = item ? (int32) VARSIZE_ANY_EXHDR(item) : -1;
	Size		size = record_data_size(key_len, item_len, FEATURES_NULL_ARRAY, false);
	RowRecord  *r = (RowRecord *) pack_reserve(e, size);

	memset(r, 0, size);			/* (padding too: equal rows, equal bytes) */
	r->key_len = key_len;
	r->n_features = FEATURES_NULL_ARRAY;
	r->label_null = PG_ARGISNULL(3);
	r->flags = ROW_ITEM;
	r->item_len = item_len;
	r->label = PG_ARGISNULL(3) ? 0.0 : PG_GETARG_FLOAT8(3);
	if (key_len > 0)
		memcpy((char *) r + sizeof(RowRecord), VARDATA_ANY(key), key_len);
	if (item_len > 0)
		memcpy((char *) r + sizeof(RowRecord) + Max(key_len, 0), VARDATA_ANY(item), item_len);
	e->used += size;
	e->n_rows++;
	PG_RETURN_DATUM(EOHPGetRWDatum(&e->hdr));
}

PG_FUNCTION_INFO_V1(insight_rows_pack_combine);
Datum
insight_rows_pack_combine(PG_FUNCTION_ARGS)
{
	PackExpanded *e;
	const char *records;
	Size		bytes;
	int64		n_rows;

	if (PG_ARGISNULL(1))
	{
		if (PG_ARGISNULL(0))
			PG_RETURN_NULL();
		PG_RETURN_DATUM(EOHPGetRWDatum(&pack_state(fcinfo)->hdr));
	}
	e = pack_state(fcinfo);
	records = pack_view(fcinfo, 1, &bytes, &n_rows);
	pack_append_records(e, records, bytes, n_rows);
	PG_RETURN_DATUM(EOHPGetRWDatum(&e->hdr));
}

/* The order of the rows: by key (default collation, NULL last), then bytes. */
static int
record_cmp(const void *a, const void *b)
{
	const RowRecord *x = *(const RowRecord *const *) a;
	const RowRecord *y = *(const RowRecord *const *) b;
	Size		sx,
				sy;
	int			c;

	if (x->key_len < 0 || y->key_len < 0)
	{
		if (x->key_len >= 0)
			return -1;
		if (y->key_len >= 0)
			return 1;
	}
	else if ((c = varstr_cmp(record_key(x), x->key_len, record_key(y), y->key_len,
							 DEFAULT_COLLATION_OID)) != 0)
		return c;
	sx = record_size(x);
	sy = record_size(y);
	if (sx != sy)
		return sx < sy ? -1 : 1;
	return memcmp(x, y, sx);
}

PG_FUNCTION_INFO_V1(insight_rows_pack_final);
Datum
insight_rows_pack_final(PG_FUNCTION_ARGS)
{
	const char *records;
	Size		bytes;
	int64		n_rows;
	RowRecord **order;
	RowPack    *p;
	char	   *out;
	Size		off = 0;

	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	/* (read only: a final function leaves the transition value as it is) */
	records = pack_view(fcinfo, 0, &bytes, &n_rows);
	order = palloc_extended(sizeof(RowRecord *) * Max(n_rows, 1), MCXT_ALLOC_HUGE);
	for (int64 i = 0; i < n_rows; i++)
	{
		order[i] = (RowRecord *) (records + off);
		off += record_size(order[i]);
	}
	qsort(order, n_rows, sizeof(RowRecord *), record_cmp);
	p = palloc(ROW_PACK_HEADER + bytes);
	memset(p, 0, ROW_PACK_HEADER);
	SET_VARSIZE(p, ROW_PACK_HEADER + bytes);
	p->format = ROW_PACK_FORMAT;
	p->n_rows = n_rows;
	out = (char *) p + ROW_PACK_HEADER;
	for (int64 i = 0; i < n_rows; i++)
	{
		Size		size = record_size(order[i]);

		CHECK_FOR_INTERRUPTS();
		memcpy(out, order[i], size);
		out += size;
	}
	PG_RETURN_BYTEA_P((bytea *) p);
}

/* The features of a record as a float8[] (or NULL), for insight_rows_unpack. */
static Datum
record_features_datum(const RowRecord *r, bool *isnull)
{
	int			n = r->n_features;
	const float8 *f = record_features(r);
	Datum	   *values;
	int			lbs = 1;

	*isnull = n == FEATURES_NULL_ARRAY;
	if (*isnull)
		return (Datum) 0;
	if (n == 0)
		return PointerGetDatum(construct_empty_array(FLOAT8OID));
	values = palloc(sizeof(Datum) * n);
	for (int j = 0; j < n; j++)
		values[j] = Float8GetDatum(f[j]);
	return PointerGetDatum(construct_md_array(values, (r->flags & ROW_FEATURE_NULLS) ? record_feature_nulls(r) : NULL,
											  1, &n, &lbs, FLOAT8OID, sizeof(float8),
											  FLOAT8PASSBYVAL, TYPALIGN_DOUBLE));
}

typedef struct UnpackCursor
{
	RowPack    *pack;
	Size		off;
} UnpackCursor;

/*
 * The rows of a packed value, one per call: (key, features, label) of
 * feature rows, or (customer, item, value) of interactions (items).
 */
static Datum
unpack_rows(FunctionCallInfo fcinfo, bool items)
{
	FuncCallContext *funcctx;
	UnpackCursor *cur;

	if (SRF_IS_FIRSTCALL())
	{
		MemoryContext old;
		TupleDesc	tupdesc;

		funcctx = SRF_FIRSTCALL_INIT();
		old = MemoryContextSwitchTo(funcctx->multi_call_memory_ctx);
		if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
			elog(ERROR, "an unpack function must return a composite type");
		funcctx->tuple_desc = BlessTupleDesc(tupdesc);
		cur = palloc0(sizeof(UnpackCursor));
		cur->pack = pack_arg(fcinfo, 0);
		funcctx->max_calls = (uint64) cur->pack->n_rows;
		funcctx->user_fctx = cur;
		MemoryContextSwitchTo(old);
	}
	funcctx = SRF_PERCALL_SETUP();
	cur = funcctx->user_fctx;
	if (funcctx->call_cntr < funcctx->max_calls)
	{
		const RowRecord *r = (const RowRecord *) ((char *) cur->pack + ROW_PACK_HEADER + cur->off);
		Datum		values[3];
		bool		nulls[3];

		if (((r->flags & ROW_ITEM) != 0) != items)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("packed row %llu is %s, not %s",
							(unsigned long long) funcctx->call_cntr + 1,
							items ? "a row of features" : "an interaction",
							items ? "an interaction" : "a row of features"),
					 errhint("insight_rows_unpack gives back the rows of insight_rows_pack, insight_interactions_unpack those of insight_interactions_pack.")));
		nulls[0] = r->key_len < 0;
		values[0] = nulls[0] ? (Datum) 0
			: PointerGetDatum(cstring_to_text_with_len(record_key(r), r->key_len));
		if (items)
		{
			nulls[1] = r->item_len < 0;
			values[1] = nulls[1] ? (Datum) 0
				: PointerGetDatum(cstring_to_text_with_len(record_item(r), r->item_len));
		}
		else
			values[1] = record_features_datum(r, &nulls[1]);
		nulls[2] = r->label_null != 0;
		values[2] = Float8GetDatum(r->label);
		cur->off += record_size(r);
		SRF_RETURN_NEXT(funcctx, HeapTupleGetDatum(heap_form_tuple(funcctx->tuple_desc, values, nulls)));
	}
	SRF_RETURN_DONE(funcctx);
}

PG_FUNCTION_INFO_V1(insight_rows_unpack);
Datum
insight_rows_unpack(PG_FUNCTION_ARGS)
{
	return unpack_rows(fcinfo, false);
}

PG_FUNCTION_INFO_V1(insight_interactions_unpack);
Datum
insight_interactions_unpack(PG_FUNCTION_ARGS)
{
	return unpack_rows(fcinfo, true);
}
