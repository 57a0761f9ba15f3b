/*-------------------------------------------------------------------------
 *
 * recommend_data.c
 *	  Read interactions (user_key, item_key, value) from a query into a
 *	  compressed sparse row matrix, under insight.max_training_memory.
 *
 * The query (checked by core/user_query.c: one SELECT of three columns, the
 * third a number) runs read-only through an SPI cursor, fetched in batches.  Keys
 * of any type are kept in their text form (the type's output function).  The
 * result does not depend on the order the query returns rows in: keys are
 * sorted in byte order, and duplicate pairs are summed after sorting by
 * (user, item, value), so even the floating-point sums are reproducible.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "catalog/pg_type.h"
#include "common/hashfn.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/hsearch.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"

#include "core/insight.h"
#include "core/user_query.h"
#include "models/recsys/recommend.h"

#define FETCH_ROWS 10000
#define KEY_OVERHEAD 64			/* hash entry and allocation overhead per key */

typedef struct Triplet
{
	int32		u;
	int32		i;
	double		v;
} Triplet;

typedef struct KeyEntry
{
	char	   *key;			/* hash key: the pointer; hashed by content */
	int32		id;
} KeyEntry;

/* A set of keys numbered in order of first appearance. */
typedef struct KeySet
{
	HTAB	   *hash;
	char	  **keys;
	int32		n;
	int32		cap;
} KeySet;

typedef struct Reader
{
	MemoryContext cxt;			/* where the result lives */
	const char *fname;
	KeySet		users;
	KeySet		items;
	Triplet    *t;
	int64		n;
	int64		cap;
	Size		bytes;			/* estimate of everything held */
	uint64		rows_read;
	uint64		rows_skipped;
} Reader;

static uint32
key_hash(const void *key, Size keysize pg_attribute_unused())
{
	const char *s = *(char *const *) key;

	return hash_bytes((const unsigned char *) s, (int) strlen(s));
}

static int
key_match(const void *a, const void *b, Size keysize pg_attribute_unused())
{
	return strcmp(*(char *const *) a, *(char *const *) b);
}

static void
keyset_init(KeySet *ks, const char *name, MemoryContext cxt)
{
	HASHCTL		ctl;

	memset(&ctl, 0, sizeof(ctl));
	ctl.keysize = sizeof(char *);
	ctl.entrysize = sizeof(KeyEntry);
	ctl.hash = key_hash;
	ctl.match = key_match;
	ctl.hcxt = cxt;
	ks->hash = hash_create(name, 1024, &ctl,
						   HASH_ELEM | HASH_FUNCTION | HASH_COMPARE | HASH_CONTEXT);
	ks->cap = 1024;
	ks->n = 0;
	ks->keys = MemoryContextAlloc(cxt, sizeof(char *) * ks->cap);
}

static void
reader_charge(Reader *r, Size bytes)
{
	r->bytes = add_size(r->bytes, bytes);
	insight_check_training_memory(r->bytes, r->fname);
}

/* The id of a key, adding it when new. */
static int32
keyset_id(Reader *r, KeySet *ks, char *key)
{
	KeyEntry   *e;
	bool		found;

	e = hash_search(ks->hash, &key, HASH_ENTER, &found);
	if (found)
		return e->id;
	if (ks->n == PG_INT32_MAX - 1)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("%s: too many distinct keys", r->fname),
				 errdetail("A recommender holds at most %d users and %d items.",
						   PG_INT32_MAX - 1, PG_INT32_MAX - 1)));
	reader_charge(r, strlen(key) + 1 + KEY_OVERHEAD);
	e->key = MemoryContextStrdup(r->cxt, key);
	e->id = ks->n;
	if (ks->n == ks->cap)
	{
		reader_charge(r, sizeof(char *) * (Size) ks->cap);
		ks->cap *= 2;
		ks->keys = repalloc_huge(ks->keys, sizeof(char *) * (Size) ks->cap);
	}
	ks->keys[ks->n++] = e->key;
	return e->id;
}

static double
value_datum(Datum d, Oid type)
{
	switch (type)
	{
		case FLOAT8OID:
			return DatumGetFloat8(d);
		case FLOAT4OID:
			return (double) DatumGetFloat4(d);
		case INT2OID:
			return (double) DatumGetInt16(d);
		case INT4OID:
			return (double) DatumGetInt32(d);
		case INT8OID:
			return (double) DatumGetInt64(d);
		case NUMERICOID:
			return DatumGetFloat8(DirectFunctionCall1(numeric_float8, d));
		default:
			elog(ERROR, "unexpected value type %u", type);
	}
	return 0;					/* keep the compiler quiet */
}

/* Interactions: rows (user_key, item_key, value), keys of any type. */
static const InsightQueryColumn interaction_columns[] = {
	{"user_key", INSIGHT_COLUMN_ANY, InvalidOid, NULL},
	{"item_key", INSIGHT_COLUMN_ANY, InvalidOid, NULL},
	{"value", INSIGHT_COLUMN_NUMBER, InvalidOid, "number"},
};

static const InsightQuerySpec interaction_query = {
	interaction_columns, lengthof(interaction_columns), false,
	"For the registered sales source use SELECT customer_id, item_id, value FROM insight_interactions(); cast a value of another type to float8."
};

static void
read_batch(Reader *r, SPITupleTable *tt, uint64 ntuples, FmgrInfo *out, Oid vtype)
{
	TupleDesc	desc = tt->tupdesc;

	for (uint64 row = 0; row < ntuples; row++)
	{
		HeapTuple	tup = tt->vals[row];
		bool		nulls[3];
		Datum		d[3];
		double		v;

		for (int c = 0; c < 3; c++)
			d[c] = SPI_getbinval(tup, desc, c + 1, &nulls[c]);
		r->rows_read++;
		if (nulls[0] || nulls[1] || nulls[2])
		{
			r->rows_skipped++;
			continue;
		}
		v = value_datum(d[2], vtype);
		if (!isfinite(v))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("%s: interaction values must be finite", r->fname),
					 errdetail("Row %llu has value %s.", (unsigned long long) r->rows_read,
							   isnan(v) ? "NaN" : "infinite"),
					 errhint("Filter or replace NaN and Infinity in the query; NULL skips a row.")));
		if (r->n == r->cap)
		{
			Size		newcap = r->cap == 0 ? 4096 : (Size) r->cap * 2;

			reader_charge(r, mul_size(sizeof(Triplet), newcap - r->cap));
			r->t = r->t == NULL
				? MemoryContextAllocHuge(r->cxt, sizeof(Triplet) * newcap)
				: repalloc_huge(r->t, sizeof(Triplet) * newcap);
			r->cap = newcap;
		}
		r->t[r->n].u = keyset_id(r, &r->users, OutputFunctionCall(&out[0], d[0]));
		r->t[r->n].i = keyset_id(r, &r->items, OutputFunctionCall(&out[1], d[1]));
		r->t[r->n].v = v;
		r->n++;
	}
}

static void
run_query(Reader *r, const char *query)
{
	InsightUserQuery uq;
	Portal		portal;
	MemoryContext batch_cxt;
	FmgrInfo	out[2];

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	insight_user_query(&uq, query, r->fname, &interaction_query);
	for (int c = 0; c < 2; c++)
	{
		Oid			f;
		bool		varlena;

		getTypeOutputInfo(uq.types[c], &f, &varlena);
		fmgr_info_cxt(f, &out[c], r->cxt);
	}
	portal = SPI_cursor_open(NULL, uq.plan, NULL, NULL, true);
	batch_cxt = AllocSetContextCreate(CurrentMemoryContext, "insight interactions batch",
									  ALLOCSET_DEFAULT_SIZES);
	for (;;)
	{
		MemoryContext old;

		CHECK_FOR_INTERRUPTS();
		SPI_cursor_fetch(portal, true, FETCH_ROWS);
		if (SPI_processed == 0)
			break;
		old = MemoryContextSwitchTo(batch_cxt);
		read_batch(r, SPI_tuptable, SPI_processed, out, uq.types[2]);
		MemoryContextSwitchTo(old);
		MemoryContextReset(batch_cxt);
		SPI_freetuptable(SPI_tuptable);
	}
	SPI_cursor_close(portal);
	SPI_finish();
}

static int
cmp_triplet(const void *a, const void *b)
{
	const Triplet *x = a;
	const Triplet *y = b;

	if (x->u != y->u)
		return x->u < y->u ? -1 : 1;
	if (x->i != y->i)
		return x->i < y->i ? -1 : 1;
	if (x->v != y->v)
		return x->v < y->v ? -1 : 1;
	return 0;
}

static int
cmp_key_ptr(const void *a, const void *b)
{
	return strcmp(**(char **const *) a, **(char **const *) b);
}

/* rank[id] = position of keys[id] in byte order; keys sorted in place. */
static int32 *
sort_keys(char **keys, int32 n)
{
	char	 ***ptrs = palloc(sizeof(char **) * Max(n, 1));
	int32	   *rank = palloc(sizeof(int32) * Max(n, 1));
	char	  **sorted = palloc(sizeof(char *) * Max(n, 1));

	for (int32 k = 0; k < n; k++)
		ptrs[k] = &keys[k];
	qsort(ptrs, n, sizeof(char **), cmp_key_ptr);
	for (int32 k = 0; k < n; k++)
	{
		rank[ptrs[k] - keys] = k;
		sorted[k] = *ptrs[k];
	}
	memcpy(keys, sorted, sizeof(char *) * n);
	pfree(ptrs);
	pfree(sorted);
	return rank;
}

Size
rec_matrix_bytes(int64 n_users, int64 n_items, int64 nnz)
{
	return add_size(mul_size(sizeof(uint32) + sizeof(char *), (Size) n_users + 1),
					add_size(mul_size(sizeof(char *), (Size) n_items),
							 mul_size(sizeof(uint32) + sizeof(double), (Size) nnz)));
}

void
rec_matrix_from_query(const char *query, const char *fname, RecMatrix *m)
{
	Reader		r;
	int32	   *urank;
	int32	   *irank;
	int32	   *unew;
	int32	   *inew;
	int64		nnz = 0;

	memset(&r, 0, sizeof(r));
	r.cxt = CurrentMemoryContext;
	r.fname = fname;
	keyset_init(&r.users, "insight users", r.cxt);
	keyset_init(&r.items, "insight items", r.cxt);
	run_query(&r, query);

	/* number keys in byte order, then merge duplicate pairs */
	urank = sort_keys(r.users.keys, r.users.n);
	irank = sort_keys(r.items.keys, r.items.n);
	for (int64 k = 0; k < r.n; k++)
	{
		r.t[k].u = urank[r.t[k].u];
		r.t[k].i = irank[r.t[k].i];
	}
	CHECK_FOR_INTERRUPTS();
	qsort(r.t, r.n, sizeof(Triplet), cmp_triplet);
	for (int64 k = 0; k < r.n;)
	{
		Triplet		sum = r.t[k];

		for (k++; k < r.n && r.t[k].u == sum.u && r.t[k].i == sum.i; k++)
			sum.v += r.t[k].v;
		if (sum.v > 0 && isfinite(sum.v))
			r.t[nnz++] = sum;
	}
	if (nnz > PG_INT32_MAX)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("%s: %lld interactions are more than a model holds", fname, (long long) nnz),
				 errdetail("A recommender model holds at most %d interactions.", PG_INT32_MAX)));

	/* keep only users and items with a positive interaction */
	unew = palloc(sizeof(int32) * Max(r.users.n, 1));
	inew = palloc0(sizeof(int32) * Max(r.items.n, 1));
	for (int32 k = 0; k < r.users.n; k++)
		unew[k] = -1;
	for (int64 k = 0; k < nnz; k++)
	{
		unew[r.t[k].u] = 0;
		inew[r.t[k].i] = 1;
	}
	memset(m, 0, sizeof(*m));
	m->user_keys = palloc(sizeof(char *) * Max(r.users.n, 1));
	m->item_keys = palloc(sizeof(char *) * Max(r.items.n, 1));
	for (int32 k = 0; k < r.users.n; k++)
		if (unew[k] == 0)
		{
			unew[k] = m->n_users;
			m->user_keys[m->n_users++] = r.users.keys[k];
		}
	for (int32 k = 0; k < r.items.n; k++)
	{
		if (inew[k])
		{
			inew[k] = m->n_items;
			m->item_keys[m->n_items++] = r.items.keys[k];
		}
		else
			inew[k] = -1;
	}

	insight_check_training_memory(add_size(r.bytes, rec_matrix_bytes(m->n_users, m->n_items, nnz)),
								  fname);
	m->nnz = nnz;
	m->rows_read = r.rows_read;
	m->rows_skipped = r.rows_skipped;
	m->indptr = palloc0(sizeof(uint32) * ((Size) m->n_users + 1));
	m->indices = palloc_extended(sizeof(uint32) * Max(nnz, 1), MCXT_ALLOC_HUGE);
	m->values = palloc_extended(sizeof(double) * Max(nnz, 1), MCXT_ALLOC_HUGE);
	for (int64 k = 0; k < nnz; k++)
	{
		int32		u = unew[r.t[k].u];

		m->indptr[u + 1]++;
		m->indices[k] = (uint32) inew[r.t[k].i];
		m->values[k] = r.t[k].v;
	}
	for (int32 u = 0; u < m->n_users; u++)
		m->indptr[u + 1] += m->indptr[u];

	if (r.t)
		pfree(r.t);
	pfree(urank);
	pfree(irank);
	pfree(unew);
	pfree(inew);
	hash_destroy(r.users.hash);
	hash_destroy(r.items.hash);
}

void
rec_matrix_transpose(const RecMatrix *m, uint32 **item_ptr, uint32 **user_index,
					 double **item_values)
{
	uint32	   *ptr = palloc0(sizeof(uint32) * ((Size) m->n_items + 1));
	uint32	   *next = palloc(sizeof(uint32) * ((Size) m->n_items + 1));
	uint32	   *uidx = palloc_extended(sizeof(uint32) * Max(m->nnz, 1), MCXT_ALLOC_HUGE);
	double	   *vals = palloc_extended(sizeof(double) * Max(m->nnz, 1), MCXT_ALLOC_HUGE);

	for (int64 k = 0; k < m->nnz; k++)
		ptr[m->indices[k] + 1]++;
	for (int32 i = 0; i < m->n_items; i++)
		ptr[i + 1] += ptr[i];
	memcpy(next, ptr, sizeof(uint32) * ((Size) m->n_items + 1));
	/* users in increasing order, so each item's users come out sorted */
	for (int32 u = 0; u < m->n_users; u++)
		for (uint32 k = m->indptr[u]; k < m->indptr[u + 1]; k++)
		{
			uint32		pos = next[m->indices[k]]++;

			uidx[pos] = (uint32) u;
			vals[pos] = m->values[k];
		}
	pfree(next);
	*item_ptr = ptr;
	*user_index = uidx;
	*item_values = vals;
}
