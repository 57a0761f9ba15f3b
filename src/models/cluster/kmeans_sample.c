/*-------------------------------------------------------------------------
 *
 * kmeans_sample.c
 *	  insight_kmeans_sample(features, fraction, seed, max_rows), the
 *	  aggregate that collects the rows on which insight_kmeans_fit computes
 *	  the silhouette.
 *
 * A row is kept when its hash, hash_bytes_extended of its float8 values
 * with the key seed XOR SAMPLE_SALT, taken as u = (h >> 11) / 2^53 in
 * [0, 1), is below fraction (every row for fraction >= 1): a Bernoulli
 * sample that depends on the row's values only, so the same rows give the
 * same sample whatever their order and however they are split.  The state
 * collects the kept rows with their hashes; the combine function
 * concatenates two states, so that over a Citus table each shard collects
 * its own sample (worker_partial_agg) and only the samples reach the
 * coordinator (coord_combine_agg).  When more than max_rows rows are kept,
 * the max_rows with the smallest (hash, values) remain (a bottom-k sample of
 * the kept rows, so again independent of order and split; a state trims to
 * max_rows when it holds 2 max_rows).  The final function sorts the rows by
 * their values (lexicographically, then by their bytes) and returns them as
 * a max_rows x d float8[][]; NULL when no row is kept.
 *
 * State (a bytea, docs/design.md, Scale): header, then capacity records of
 * uint64 hash and float8 values[dim].  It grows by doubling (insight_state_new)
 * up to 2 max_rows records, so a partial state holds at most twice the bytes
 * of its rows.  A state from outside is checked (format, sizes, counts,
 * parameters); the arguments fraction, seed and max_rows must be the same
 * for every row (22023 otherwise).
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "catalog/pg_type.h"
#include "common/hashfn.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/memutils.h"

#include "core/util.h"
#include "models/cluster/kmeans.h"

#define KMEANS_SAMPLE_FORMAT 0x534D4B31	/* "1KMS" */
#define SAMPLE_MAX_ROWS 10000000
#define SAMPLE_FIRST_CAPACITY 64

typedef struct KMeansSample
{
	int32		vl_len_;
	int32		format;
	int32		dim;			/* 0 until the first kept row */
	int32		max_rows;
	double		fraction;
	int64		seed;
	int64		count;			/* records held */
	int64		capacity;		/* records with room in this value */
	uint64		records[FLEXIBLE_ARRAY_MEMBER];	/* hash, values[dim] */
} KMeansSample;

static inline Size
record_words(int dim)
{
	return (Size) dim + 1;
}

static Size
sample_size(int dim, int64 capacity)
{
	return add_size(offsetof(KMeansSample, records),
					mul_size(mul_size(record_words(dim), sizeof(uint64)), (Size) capacity));
}

static void
sample_corrupt(const char *detail)
{
	ereport(ERROR,
			(errcode(ERRCODE_DATA_CORRUPTED),
			 errmsg("invalid insight_kmeans_sample state"),
			 errdetail("%s", detail)));
}

static KMeansSample *
sample_state_arg(FunctionCallInfo fcinfo, int argno)
{
	KMeansSample *s = insight_state_get(fcinfo, argno, offsetof(KMeansSample, records));

	if (s == NULL)
		return NULL;
	if (s->format != KMEANS_SAMPLE_FORMAT)
		sample_corrupt("It does not start with the format of an insight_kmeans_sample state.");
	if (s->dim < 0 || (Size) s->dim > MaxAllocSize / sizeof(double) ||
		s->max_rows < 1 || s->max_rows > SAMPLE_MAX_ROWS || !(s->fraction >= 0) || !isfinite(s->fraction) ||
		s->capacity < 0 || s->capacity > 2 * (int64) s->max_rows ||
		s->count < 0 || s->count > s->capacity || (s->dim == 0 && s->capacity != 0))
		sample_corrupt("Its parameters or counts are out of range.");
	if (VARSIZE(s) != sample_size(s->dim, s->capacity))
		ereport(ERROR,
				(errcode(ERRCODE_DATA_CORRUPTED),
				 errmsg("invalid insight_kmeans_sample state"),
				 errdetail("A state of %lld records of %d values cannot have %zu bytes.",
						   (long long) s->capacity, s->dim, (Size) VARSIZE(s))));
	return s;
}

/* ---- order of records ---- */

static int	cmp_dim;

/* by values (as numbers), then by their bytes: a total order */
static int
values_cmp(const uint64 *a, const uint64 *b)
{
	for (int j = 0; j < cmp_dim; j++)
	{
		double		x,
					y;

		memcpy(&x, &a[j], sizeof(x));
		memcpy(&y, &b[j], sizeof(y));
		if (x != y)
			return x < y ? -1 : 1;
	}
	return memcmp(a, b, sizeof(uint64) * cmp_dim);
}

static int
record_by_values(const void *a, const void *b)
{
	return values_cmp((const uint64 *) a + 1, (const uint64 *) b + 1);
}

static int
record_by_hash(const void *a, const void *b)
{
	uint64		x = *(const uint64 *) a;
	uint64		y = *(const uint64 *) b;

	if (x != y)
		return x < y ? -1 : 1;
	return record_by_values(a, b);
}

/*
 * The records[0..count) (hash, values[dim]) trimmed to the max_rows of
 * smallest (hash, values); returns the new count.  Shared with the driver's
 * fallback (kmeans.c), so both keep the same rows.
 */
int64
kmeans_sample_trim(uint64 *records, int64 count, int dim, int max_rows)
{
	if (count <= max_rows)
		return count;
	cmp_dim = dim;
	qsort(records, count, record_words(dim) * sizeof(uint64), record_by_hash);
	return max_rows;
}

/*
 * The final step: trim, sort by values, write the points (m x dim) to out;
 * returns m.  The records are reordered.
 */
int
kmeans_sample_finish(uint64 *records, int64 count, int dim, int max_rows, double *out)
{
	Size		words = record_words(dim);
	int			m = (int) kmeans_sample_trim(records, count, dim, max_rows);

	cmp_dim = dim;
	qsort(records, m, words * sizeof(uint64), record_by_values);
	for (int i = 0; i < m; i++)
		memcpy(out + (Size) i * dim, &records[i * words + 1], sizeof(double) * dim);
	return m;
}

/* The row's hash; kept when below fraction (every row for fraction >= 1). */
uint64
kmeans_sample_hash(const double *x, int dim, int64 seed)
{
	return hash_bytes_extended((const unsigned char *) x, dim * (int) sizeof(double),
							   (uint64) seed ^ SAMPLE_SALT);
}

bool
kmeans_sample_keeps(uint64 h, double fraction)
{
	return fraction >= 1 || (double) (h >> 11) / 9007199254740992.0 < fraction;
}

static void
trim(KMeansSample *s)
{
	s->count = kmeans_sample_trim(s->records, s->count, s->dim, s->max_rows);
}

/* A copy of s with room for 'need' records (at most 2 max_rows). */
static KMeansSample *
grow(FunctionCallInfo fcinfo, KMeansSample *s, int dim, int64 need)
{
	/* the first room: 64 records, fewer for wide rows (at most 64 kB, at least 1) */
	int64		capacity = Max(s->capacity,
							   Max(1, Min(SAMPLE_FIRST_CAPACITY, (int64) (8192 / record_words(dim)))));
	KMeansSample *g;

	while (capacity < need)
		capacity *= 2;
	capacity = Min(capacity, 2 * (int64) s->max_rows);
	g = insight_state_new(fcinfo, sample_size(dim, capacity));
	memcpy((char *) g + VARHDRSZ, (char *) s + VARHDRSZ,
		   offsetof(KMeansSample, records) - VARHDRSZ);
	if (s->count > 0)
		memcpy(g->records, s->records, s->count * record_words(dim) * sizeof(uint64));
	g->dim = dim;
	g->capacity = capacity;
	return g;
}

static void
parameters_differ(void)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("insight_kmeans_sample takes the same fraction, seed and max_rows for every row")));
}

PG_FUNCTION_INFO_V1(insight_kmeans_sample_accum);
Datum
insight_kmeans_sample_accum(PG_FUNCTION_ARGS)
{
	KMeansSample *s = sample_state_arg(fcinfo, 0);
	double		fraction;
	int64		seed;
	int32		max_rows;
	InsightArrayBuf buf;
	const double *x;
	int			n;
	uint64		h;

	if (PG_ARGISNULL(2) || PG_ARGISNULL(3) || PG_ARGISNULL(4))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("fraction, seed and max_rows of insight_kmeans_sample must not be NULL")));
	fraction = PG_GETARG_FLOAT8(2);
	seed = PG_GETARG_INT64(3);
	max_rows = PG_GETARG_INT32(4);
	if (!(fraction >= 0) || !isfinite(fraction))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("fraction must be a finite number >= 0, not %g", fraction)));
	if (max_rows < 1 || max_rows > SAMPLE_MAX_ROWS)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("max_rows must be between 1 and %d, not %d", SAMPLE_MAX_ROWS, max_rows)));
	if (s == NULL)
	{
		s = insight_state_new(fcinfo, sample_size(0, 0));
		s->format = KMEANS_SAMPLE_FORMAT;
		s->fraction = fraction;
		s->seed = seed;
		s->max_rows = max_rows;
	}
	else if (s->fraction != fraction || s->seed != seed || s->max_rows != max_rows)
		parameters_differ();

	if (PG_ARGISNULL(1) ||
		!insight_read_features(insight_array_arg(fcinfo, 1, &buf), s->dim > 0 ? s->dim : -1, &x, &n))
		PG_RETURN_POINTER(s);	/* rows with NULLs: as insight_kmeans_fit skips them */
	h = kmeans_sample_hash(x, n, seed);
	if (!kmeans_sample_keeps(h, fraction))
		PG_RETURN_POINTER(s);
	if (s->count == s->capacity)
	{
		if (s->capacity == 2 * (int64) s->max_rows)
			trim(s);
		else
			s = grow(fcinfo, s, n, s->count + 1);
	}
	s->records[s->count * record_words(n)] = h;
	memcpy(&s->records[s->count * record_words(n) + 1], x, sizeof(double) * n);
	s->count++;
	PG_RETURN_POINTER(s);
}

PG_FUNCTION_INFO_V1(insight_kmeans_sample_combine);
Datum
insight_kmeans_sample_combine(PG_FUNCTION_ARGS)
{
	KMeansSample *a = sample_state_arg(fcinfo, 0);
	KMeansSample *b = sample_state_arg(fcinfo, 1);
	int			dim;
	Size		words;

	if (a == NULL && b == NULL)
		PG_RETURN_NULL();		/* no rows on either side */
	if (b == NULL)
		PG_RETURN_POINTER(a);
	if (a == NULL)
		PG_RETURN_POINTER(b);	/* a copy: nodeAgg keeps what we return */
	if (a->fraction != b->fraction || a->seed != b->seed || a->max_rows != b->max_rows)
		parameters_differ();
	if (b->count == 0)
		PG_RETURN_POINTER(a);
	if (a->count == 0)
		PG_RETURN_POINTER(b);
	if (a->dim != b->dim)
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("expected %d features, not %d", a->dim, b->dim),
				 errdetail("Every feature array must have the same length.")));
	dim = a->dim;
	words = record_words(dim);
	for (int64 done = 0; done < b->count;)
	{
		int64		take;

		CHECK_FOR_INTERRUPTS();
		if (a->count == a->capacity)
		{
			if (a->capacity == 2 * (int64) a->max_rows)
				trim(a);
			else
				a = grow(fcinfo, a, dim, a->count + (b->count - done));
		}
		take = Min(b->count - done, a->capacity - a->count);
		memcpy(&a->records[a->count * words], &b->records[done * words], take * words * sizeof(uint64));
		a->count += take;
		done += take;
	}
	PG_RETURN_POINTER(a);
}

PG_FUNCTION_INFO_V1(insight_kmeans_sample_final);
Datum
insight_kmeans_sample_final(PG_FUNCTION_ARGS)
{
	KMeansSample *s = sample_state_arg(fcinfo, 0);
	KMeansSample *copy;
	int			dim;
	int			m;
	double	   *points;
	Datum	   *elems;
	int			dims[2];
	int			lbs[2] = {1, 1};

	if (s == NULL || s->count == 0)
		PG_RETURN_NULL();
	dim = s->dim;
	/* the final function leaves the state as it is: work on a copy */
	copy = palloc(VARSIZE(s));
	memcpy(copy, s, VARSIZE(s));
	/* (a state from outside could hold anything: its values are checked here, before they are sorted) */
	for (int64 i = 0; i < copy->count; i++)
		for (int j = 0; j < dim; j++)
		{
			double		v;

			memcpy(&v, &copy->records[i * record_words(dim) + 1 + j], sizeof(v));
			if (!isfinite(v))
				sample_corrupt("It holds a value that is not finite.");
		}
	points = palloc(sizeof(double) * (Size) Min(copy->count, copy->max_rows) * dim);
	m = kmeans_sample_finish(copy->records, copy->count, dim, copy->max_rows, points);
	elems = palloc(sizeof(Datum) * (Size) m * dim);
	for (Size i = 0; i < (Size) m * dim; i++)
		elems[i] = Float8GetDatum(points[i]);
	dims[0] = m;
	dims[1] = dim;
	PG_RETURN_ARRAYTYPE_P(construct_md_array(elems, NULL, 2, dims, lbs, FLOAT8OID,
											 sizeof(double), FLOAT8PASSBYVAL, TYPALIGN_DOUBLE));
}
