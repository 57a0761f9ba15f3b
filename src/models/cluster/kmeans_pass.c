/*-------------------------------------------------------------------------
 *
 * kmeans_pass.c
 *	  insight_kmeans_pass: one pass of k-means over the data as a parallel-safe
 *	  aggregate with a bytea state (layout and modes in kmeans_pass.h).
 *
 * SEED draws the next k-means++ centre of every run (Arthur & Vassilvitskii
 * 2007, "k-means++: the advantages of careful seeding", step 1b: a point x is
 * chosen with probability D(x)^2 / sum D^2) by weighted sampling with
 * exponential keys (Efraimidis & Spirakis 2006, "Weighted random sampling
 * with a reservoir", algorithm A-Res: keep the largest u^(1/w), here
 * log(u) / w).  u is a hash of the point's values and the seed, so the draw
 * does not depend on row order or the parallel plan (a duplicated point
 * counts once).  LLOYD is the assignment step of Lloyd's algorithm (Lloyd
 * 1982, "Least squares quantization in PCM"): the nearest centre (lowest
 * index on ties, as scikit-learn) and the per-cluster sums it needs for the
 * update step.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "common/hashfn.h"
#include "fmgr.h"
#include "utils/array.h"
#include "utils/float.h"
#include "utils/memutils.h"

#include "models/cluster/kmeans_pass.h"
#include "core/util.h"

/* Bounds that keep every size far from overflow. */
#define KM_MAX_DIM 100000
#define KM_MAX_K 100000
#define KM_MAX_RUNS 10000

void
kmeans_pass_layout(int dim, int k, int nruns, KMeansLayout *l)
{
	Size		off = offsetof(KMeansPass, data);
	Size		d = (Size) dim;
	Size		rk = mul_size((Size) nruns, (Size) k);

#define TAKE(field, slots) \
	do { l->field = off; off = add_size(off, mul_size(sizeof(double), (slots))); } while (0)
	TAKE(fixscale, d);
	TAKE(vscale, d);
	TAKE(dscale, 1);
	TAKE(nclusters, (Size) nruns);
	TAKE(active, (Size) nruns);
	TAKE(centres, mul_size(rk, d));
	TAKE(minv, d);
	TAKE(maxv, d);
	TAKE(vsum, 2 * d);
	TAKE(vsq, 2 * d);
	TAKE(best_key, (Size) nruns);
	TAKE(best_point, mul_size((Size) nruns, d));
	TAKE(potential, 2 * (Size) nruns);
	TAKE(sums, mul_size(2, mul_size(rk, d)));
	TAKE(counts, rk);
	TAKE(inertia, 2 * (Size) nruns);
#undef TAKE
	l->size = off;
}

KMeansPass *
kmeans_pass_new(KMeansMode mode, int dim, int k, int nruns)
{
	KMeansLayout l;
	KMeansPass *p;

	kmeans_pass_layout(dim, k, nruns, &l);
	if (l.size > MaxAllocSize)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("k-means state for %d features, %d clusters and %d runs is too large",
						dim, k, nruns),
				 errhint("Use fewer clusters, runs (n_init) or features.")));
	p = palloc0(l.size);
	SET_VARSIZE(p, l.size);
	p->magic = KMEANS_PASS_MAGIC;
	p->mode = mode;
	p->dim = dim;
	p->k = k;
	p->nruns = nruns;
	return p;
}

/* 128-bit accumulators, read and written with memcpy (8-byte aligned slots). */
static inline void
add128(double *slot, int128 v)
{
	int128		cur;

	memcpy(&cur, slot, sizeof(cur));
	cur += v;
	memcpy(slot, &cur, sizeof(cur));
}

static inline void
add64(double *slot, int64 v)
{
	int64		cur;

	memcpy(&cur, slot, sizeof(cur));
	cur += v;
	memcpy(slot, &cur, sizeof(cur));
}

static inline int64
get64(const double *slot)
{
	int64		v;

	memcpy(&v, slot, sizeof(v));
	return v;
}

/*
 * Round a scaled value to an integer, halves away from zero (as llround, but
 * inline: it runs for every coordinate of every row).  The plan's scales keep
 * |v| < 2^62, so the truncation t is exact and so is v - t.
 */
static inline int64
fixed(double v)
{
	int64		t = (int64) v;
	double		frac = v - (double) t;

	if (frac >= 0.5)
		t++;
	else if (frac <= -0.5)
		t--;
	return t;
}

/*
 * The nearest of the first c > 0 centres (row-major) to x, lowest index on
 * ties (as scikit-learn), and its squared distance in *dist.  The choice is
 * written without a branch: which centre wins is data, and a mispredicted
 * branch per centre costs more than the distance.  Starting from infinity
 * rather than from centre 0 changes nothing (distances are never NaN).
 */
static inline int
nearest_centre(const double *x, const double *centres, int c, int dim, double *dist)
{
	int			best = 0;
	double		bd = get_float8_infinity();

	for (int i = 0; i < c; i++)
	{
		const double *ci = centres + (Size) i * dim;
		double		d = 0;

		for (int j = 0; j < dim; j++)
		{
			double		t = x[j] - ci[j];

			d += t * t;
		}
		best = d < bd ? i : best;
		bd = d < bd ? d : bd;
	}
	*dist = bd;
	return best;
}

static void
pass_corrupt(const char *detail)
{
	ereport(ERROR,
			(errcode(ERRCODE_DATA_CORRUPTED),
			 errmsg("invalid insight_kmeans_pass state"),
			 errdetail("%s", detail),
			 errhint("Pass only plans built by insight_kmeans_fit; the aggregate is its building block.")));
}

/*
 * The layout of p's shape.  A pass calls the transition function once per
 * row with states of one shape, and a layout (overflow-checked sizes) costs
 * more than the row itself, so the last one is kept in fn_extra.
 */
typedef struct LayoutCache
{
	int32		dim;
	int32		k;
	int32		nruns;
	KMeansLayout l;
} LayoutCache;

static void
pass_layout(FunctionCallInfo fcinfo, const KMeansPass *p, KMeansLayout *l)
{
	LayoutCache *c = fcinfo->flinfo ? fcinfo->flinfo->fn_extra : NULL;

	if (fcinfo->flinfo && c == NULL)
	{
		c = MemoryContextAlloc(fcinfo->flinfo->fn_mcxt, sizeof(LayoutCache));
		c->dim = -1;
		fcinfo->flinfo->fn_extra = c;
	}
	if (c == NULL)
		kmeans_pass_layout(p->dim, p->k, p->nruns, l);
	else
	{
		if (c->dim != p->dim || c->k != p->k || c->nruns != p->nruns)
		{
			kmeans_pass_layout(p->dim, p->k, p->nruns, &c->l);
			c->dim = p->dim;
			c->k = p->k;
			c->nruns = p->nruns;
		}
		*l = c->l;
	}
}

/*
 * The centres of run r.  Checked on every use: inside an aggregate a state
 * gets only the cheap check below, and a count above k would index past the
 * state.
 */
static inline int
run_clusters(const KMeansPass *p, const KMeansLayout *l, int r)
{
	int64		c = get64(KM_REGION(p, l, nclusters, double) + r);

	if (unlikely(c < 0 || c > p->k))
		pass_corrupt(psprintf("Run %d has %lld centres, k is %d.", r + 1, (long long) c, p->k));
	return (int) c;
}

/*
 * Check a plan or state: header, sizes and (when 'deep') every value a pass
 * relies on.  States made by this file inside an aggregate need only the
 * cheap check.
 */
static void
pass_check(FunctionCallInfo fcinfo, const KMeansPass *p, bool deep, KMeansLayout *l)
{
	if (VARSIZE(p) < offsetof(KMeansPass, data) || p->magic != KMEANS_PASS_MAGIC)
		pass_corrupt("The value is not a k-means pass state.");
	if (p->mode < KM_STATS || p->mode > KM_LLOYD ||
		p->dim < 0 || p->dim > KM_MAX_DIM || p->k < 0 || p->k > KM_MAX_K ||
		p->nruns < 0 || p->nruns > KM_MAX_RUNS ||
		(p->mode != KM_STATS && (p->dim == 0 || p->k == 0 || p->nruns == 0)))
		pass_corrupt(psprintf("Mode %d with %d features, %d clusters and %d runs is not valid.",
							  p->mode, p->dim, p->k, p->nruns));
	pass_layout(fcinfo, p, l);
	if (VARSIZE(p) != l->size)
		pass_corrupt(psprintf("The state has %zu bytes, not %zu.", (Size) VARSIZE(p), l->size));
	if (!deep)
		return;
	if (p->mode == KM_SEED && (p->step < 0 || p->step >= p->k))
		pass_corrupt(psprintf("Seeding step %d is not below k = %d.", p->step, p->k));
	for (int r = 0; r < p->nruns; r++)
		(void) run_clusters(p, l, r);
	for (Size i = l->fixscale; i < l->centres + sizeof(double) * (Size) p->nruns * p->k * p->dim;
		 i += sizeof(double))
	{
		double		v = *(const double *) ((const char *) p + i);

		if (i >= l->nclusters && i < l->centres)
			continue;			/* integers */
		if (!isfinite(v))
			pass_corrupt("A scale or centre is not finite.");
	}
}

/* The state argument, or NULL. */
static KMeansPass *
pass_arg(FunctionCallInfo fcinfo, int argno, KMeansLayout *l)
{
	KMeansPass *s = insight_state_get(fcinfo, argno, offsetof(KMeansPass, data));

	if (s != NULL)
		pass_check(fcinfo, s, !AggCheckCallContext(fcinfo, NULL), l);
	return s;
}

/* A STATS state sized for dim features, keeping the counters. */
static KMeansPass *
stats_resize(FunctionCallInfo fcinfo, KMeansPass *old, int dim, KMeansLayout *l)
{
	KMeansPass *s;

	kmeans_pass_layout(dim, 0, 0, l);
	s = insight_state_new(fcinfo, l->size);
	memcpy((char *) s + sizeof(int32), (char *) old + sizeof(int32),
		   offsetof(KMeansPass, data) - sizeof(int32));
	s->dim = dim;
	for (int j = 0; j < dim; j++)
	{
		KM_REGION(s, l, minv, double)[j] = get_float8_infinity();
		KM_REGION(s, l, maxv, double)[j] = -get_float8_infinity();
	}
	return s;
}

/* Uniform (0, 1) from the point's values, the seed, the run and the step. */
static double
point_uniform(const double *x, int dim, int64 seed, int run, int step)
{
	uint64		salt = (uint64) seed * UINT64CONST(0x9E3779B97F4A7C15) +
		(uint64) (run + 1) * UINT64CONST(0xBF58476D1CE4E5B9) +
		(uint64) (step + 1) * UINT64CONST(0x94D049BB133111EB);
	uint64		h = hash_bytes_extended((const unsigned char *) x,
										dim * (int) sizeof(double), salt);

	return ((double) (h >> 11) + 0.5) / 9007199254740992.0;	/* 2^53 */
}

/* Does key ka of point a beat key kb of point b?  Ties: smaller point. */
static bool
better_draw(double ka, const double *a, double kb, const double *b, int dim)
{
	if (ka != kb)
		return ka > kb;
	for (int j = 0; j < dim; j++)
		if (a[j] != b[j])
			return a[j] < b[j];
	return false;
}

static void
accum_row(KMeansPass *s, const KMeansLayout *l, const double *x)
{
	int			dim = s->dim;
	const double *fixscale = KM_REGION(s, l, fixscale, double);
	double		dscale = *KM_REGION(s, l, dscale, double);

	switch ((KMeansMode) s->mode)
	{
		case KM_STATS:
			for (int j = 0; j < dim; j++)
			{
				double	   *mn = KM_REGION(s, l, minv, double) + j;
				double	   *mx = KM_REGION(s, l, maxv, double) + j;

				if (x[j] < *mn)
					*mn = x[j];
				if (x[j] > *mx)
					*mx = x[j];
			}
			break;
		case KM_MOMENTS:
			for (int j = 0; j < dim; j++)
			{
				int64		q = fixed(x[j] * KM_REGION(s, l, vscale, double)[j]);

				add128(KM_REGION(s, l, vsum, double) + 2 * j, q);
				add128(KM_REGION(s, l, vsq, double) + 2 * j, (int128) q * q);
			}
			break;
		case KM_SEED:
			for (int r = 0; r < s->nruns; r++)
			{
				int			c = run_clusters(s, l, r);
				const double *centres = KM_REGION(s, l, centres, double) + (Size) r * s->k * dim;
				double	   *best_key = KM_REGION(s, l, best_key, double) + r;
				double	   *best_point = KM_REGION(s, l, best_point, double) + (Size) r * dim;
				double		w = 1.0;
				double		key;

				if (get64(KM_REGION(s, l, active, double) + r) == 0)
					continue;
				if (c > 0)
				{
					(void) nearest_centre(x, centres, c, dim, &w);
					add128(KM_REGION(s, l, potential, double) + 2 * r, fixed(w * dscale));
				}
				if (w <= 0)
					continue;	/* already a centre: never drawn again */
				key = log(point_uniform(x, dim, s->seed, r, s->step)) / w;
				if (better_draw(key, x, *best_key, best_point, dim))
				{
					*best_key = key;
					memcpy(best_point, x, sizeof(double) * dim);
				}
			}
			break;
		case KM_LLOYD:
			for (int r = 0; r < s->nruns; r++)
			{
				int			c = run_clusters(s, l, r);
				const double *centres = KM_REGION(s, l, centres, double) + (Size) r * s->k * dim;
				double	   *sums;
				int			best;
				double		bd;

				if (get64(KM_REGION(s, l, active, double) + r) == 0 || c == 0)
					continue;
				best = nearest_centre(x, centres, c, dim, &bd);
				sums = KM_REGION(s, l, sums, double) + 2 * ((Size) r * s->k + best) * dim;
				for (int j = 0; j < dim; j++)
					add128(sums + 2 * j, fixed(x[j] * fixscale[j]));
				add64(KM_REGION(s, l, counts, double) + (Size) r * s->k + best, 1);
				add128(KM_REGION(s, l, inertia, double) + 2 * r, fixed(bd * dscale));
			}
			break;
	}
}

PG_FUNCTION_INFO_V1(insight_kmeans_pass_accum);
Datum
insight_kmeans_pass_accum(PG_FUNCTION_ARGS)
{
	KMeansLayout l;
	KMeansPass *s = pass_arg(fcinfo, 0, &l);
	InsightArrayBuf buf;
	const double *x;
	int			n;

	if (s == NULL)
	{
		KMeansPass *plan;

		if (PG_ARGISNULL(2))
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("k-means plan must not be NULL")));
		plan = (KMeansPass *) PG_DETOAST_DATUM(PG_GETARG_DATUM(2));
		pass_check(fcinfo, plan, true, &l);
		s = insight_state_new(fcinfo, VARSIZE(plan));
		memcpy(s, plan, VARSIZE(plan));
	}
	if (PG_ARGISNULL(1) ||
		!insight_read_features(insight_array_arg(fcinfo, 1, &buf),
							   s->dim > 0 ? s->dim : -1, &x, &n))
	{
		s->skipped++;
		PG_RETURN_POINTER(s);
	}
	if (s->dim == 0)
		s = stats_resize(fcinfo, s, n, &l);
	s->rows++;
	accum_row(s, &l, x);
	PG_RETURN_POINTER(s);
}

PG_FUNCTION_INFO_V1(insight_kmeans_pass_combine);
Datum
insight_kmeans_pass_combine(PG_FUNCTION_ARGS)
{
	KMeansLayout l;
	KMeansLayout lb;
	KMeansPass *a = pass_arg(fcinfo, 0, &l);
	KMeansPass *b = pass_arg(fcinfo, 1, &lb);
	int			dim;

	if (a == NULL && b == NULL)
		PG_RETURN_NULL();		/* no rows on either side (an empty worker) */
	if (b == NULL)
		PG_RETURN_POINTER(a);
	if (a == NULL)
		PG_RETURN_POINTER(b);
	if (a->mode != b->mode || a->k != b->k || a->nruns != b->nruns ||
		a->step != b->step || a->seed != b->seed)
		pass_corrupt("The two states belong to different passes.");
	if (b->dim == 0 || a->dim == 0)
	{
		KMeansPass *keep = a->dim == 0 ? b : a;

		keep->skipped = a->skipped + b->skipped;
		keep->rows = a->rows + b->rows;
		PG_RETURN_POINTER(keep);
	}
	if (a->dim != b->dim)
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("expected %d features, not %d", a->dim, b->dim),
				 errdetail("Every feature array of a model must have the same length.")));
	if (memcmp((char *) a + l.fixscale, (char *) b + l.fixscale, l.minv - l.fixscale) != 0 &&
		a->mode != KM_STATS)
		pass_corrupt("The two states belong to different plans.");

	dim = a->dim;
	a->rows += b->rows;
	a->skipped += b->skipped;
	switch ((KMeansMode) a->mode)
	{
		case KM_STATS:
			for (int j = 0; j < dim; j++)
			{
				double	   *mn = KM_REGION(a, &l, minv, double) + j;
				double	   *mx = KM_REGION(a, &l, maxv, double) + j;

				*mn = Min(*mn, KM_REGION(b, &l, minv, double)[j]);
				*mx = Max(*mx, KM_REGION(b, &l, maxv, double)[j]);
			}
			break;
		case KM_MOMENTS:
			for (int j = 0; j < 2 * dim; j += 2)
			{
				int128		v;

				memcpy(&v, KM_REGION(b, &l, vsum, double) + j, sizeof(v));
				add128(KM_REGION(a, &l, vsum, double) + j, v);
				memcpy(&v, KM_REGION(b, &l, vsq, double) + j, sizeof(v));
				add128(KM_REGION(a, &l, vsq, double) + j, v);
			}
			break;
		case KM_SEED:
			for (int r = 0; r < a->nruns; r++)
			{
				double	   *ka = KM_REGION(a, &l, best_key, double) + r;
				double	   *pa = KM_REGION(a, &l, best_point, double) + (Size) r * dim;
				double		kb = KM_REGION(b, &l, best_key, double)[r];
				double	   *pb = KM_REGION(b, &l, best_point, double) + (Size) r * dim;
				int128		v;

				if (better_draw(kb, pb, *ka, pa, dim))
				{
					*ka = kb;
					memcpy(pa, pb, sizeof(double) * dim);
				}
				memcpy(&v, KM_REGION(b, &l, potential, double) + 2 * r, sizeof(v));
				add128(KM_REGION(a, &l, potential, double) + 2 * r, v);
			}
			break;
		case KM_LLOYD:
			{
				Size		cells = (Size) a->nruns * a->k;

				for (Size i = 0; i < cells * dim; i++)
				{
					int128		v;

					memcpy(&v, KM_REGION(b, &l, sums, double) + 2 * i, sizeof(v));
					add128(KM_REGION(a, &l, sums, double) + 2 * i, v);
				}
				for (Size i = 0; i < cells; i++)
					add64(KM_REGION(a, &l, counts, double) + i,
						  get64(KM_REGION(b, &l, counts, double) + i));
				for (int r = 0; r < a->nruns; r++)
				{
					int128		v;

					memcpy(&v, KM_REGION(b, &l, inertia, double) + 2 * r, sizeof(v));
					add128(KM_REGION(a, &l, inertia, double) + 2 * r, v);
				}
			}
			break;
	}
	PG_RETURN_POINTER(a);
}
