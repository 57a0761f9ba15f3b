/*-------------------------------------------------------------------------
 *
 * kmeans.c
 *	  insight_kmeans_fit, the driver (the model value, assignment and
 *	  centroids are in kmeans_model.c).
 *
 * The driver runs every pass over the caller's query as one aggregate,
 * insight_kmeans_pass (kmeans_pass.c), through SPI, so PostgreSQL may run
 * each pass with parallel workers:
 *	  1. STATS and MOMENTS: rows, width, bounding box, feature variances;
 *	  2. k-means++ seeding of n_init runs at once, one SEED pass per centre
 *		 (Arthur & Vassilvitskii 2007);
 *	  3. Lloyd iterations of every run still moving, one LLOYD pass each:
 *		 centre = mean of its points (Lloyd 1982); a run stops when the sum of
 *		 squared centre shifts is at most tolerance x the mean feature
 *		 variance (scikit-learn's KMeans convention), or after max_iterations;
 *	  4. a final LLOYD pass at the final centres gives inertia and sizes; the
 *		 run with the lowest inertia is the model.
 * Empty clusters are dropped (never a NaN centre, never a centre without
 * points); when seeding runs out of points that are not already centres
 * (duplicates), the run keeps fewer than k centres.
 *
 * The silhouette (Rousseeuw 1987, "Silhouettes: a graphical aid to the
 * interpretation and validation of cluster analysis"; s(i) = (b - a) /
 * max(a, b), 0 for a point alone in its cluster, as scikit-learn's
 * silhouette_score) is computed on every row when there are at most 10,000,
 * otherwise on a sample of about 10,000 rows drawn by hashing each row with
 * the seed; the rows are collected by one more aggregate,
 * insight_kmeans_sample (kmeans_sample.c), so only the sample reaches the
 * driver.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "catalog/pg_type.h"
#include "common/hashfn.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/float.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/syscache.h"

#include "core/insight.h"
#include "core/user_query.h"
#include "core/util.h"
#include "models/cluster/kmeans.h"
#include "models/cluster/kmeans_pass.h"

#define SILHOUETTE_MAX_ROWS 10000
#define KSEARCH_MIN 2
#define KMEANS_MAX_K 100000		/* as the model reader accepts */

/* What the driver knows about the data and the query. */
typedef struct KMeansInput
{
	SPIPlanPtr	pass_plan;		/* SELECT insight_kmeans_pass(features, $1) */
	char	   *sample_sql;		/* SELECT insight_kmeans_sample(features, $1, $2, $3);
								 * NULL when the SQL predates the aggregate */
	char	   *rows_sql;		/* SELECT features (for that case) */
	int			dim;
	int64		rows;
	int64		skipped;
	double	   *minv;
	double	   *maxv;
	double	   *fixscale;
	double	   *vscale;
	double		dscale;
	double		tol_abs;
	int64		seed;
} KMeansInput;

/* One fitted solution. */
typedef struct KMeansSolution
{
	int			k;
	double	   *centres;
	uint64	   *sizes;
	double		inertia;
	int			iterations;
} KMeansSolution;

static inline int64
get64(const double *slot)
{
	int64		v;

	memcpy(&v, slot, sizeof(v));
	return v;
}

static inline void
put64(double *slot, int64 v)
{
	memcpy(slot, &v, sizeof(v));
}

static inline double
get128(const double *slot)
{
	int128		v;

	memcpy(&v, slot, sizeof(v));
	return (double) v;
}

/* ---------- passes ---------- */

/* Fill the plan fields every pass shares (scales, seed). */
static void
plan_common(KMeansInput *in, KMeansPass *p)
{
	KMeansLayout l;

	kmeans_pass_layout(p->dim, p->k, p->nruns, &l);
	p->seed = in->seed;
	if (p->dim > 0)
	{
		memcpy(KM_REGION(p, &l, fixscale, double), in->fixscale, sizeof(double) * p->dim);
		memcpy(KM_REGION(p, &l, vscale, double), in->vscale, sizeof(double) * p->dim);
	}
	*KM_REGION(p, &l, dscale, double) = in->dscale;
}

/* Run one pass; returns the aggregate's state (palloc'd copy) or NULL. */
static KMeansPass *
run_pass(KMeansInput *in, KMeansPass *plan)
{
	Datum		arg = PointerGetDatum(plan);
	KMeansPass *result = NULL;
	bool		isnull;
	Datum		d;
	int			rc;

	CHECK_FOR_INTERRUPTS();
	rc = SPI_execute_plan(in->pass_plan, &arg, NULL, true, 0);	/* a row limit would forbid parallel workers */
	if (rc != SPI_OK_SELECT || SPI_processed != 1)
		elog(ERROR, "k-means pass failed: SPI result %d", rc);
	d = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);
	if (!isnull)
		result = (KMeansPass *) PG_DETOAST_DATUM_COPY(d);
	SPI_freetuptable(SPI_tuptable);
	return result;
}

/* Power of two 2^(bits - e) with |v| < 2^e for every |v| <= maxabs. */
static double
fixed_scale(double maxabs, int bits)
{
	int			e;

	if (maxabs <= 0)
		return 1.0;
	(void) frexp(maxabs, &e);
	return ldexp(1.0, bits - e);
}

/* STATS and MOMENTS; false when no row is usable. */
static bool
scan_input(KMeansInput *in, const double *init, int init_k)
{
	KMeansPass *plan = kmeans_pass_new(KM_STATS, 0, 0, 0);
	KMeansPass *st = run_pass(in, plan);
	KMeansLayout l;
	double		box = 0;
	double		var = 0;
	int			dim;

	if (st == NULL || st->rows == 0)
	{
		if (st != NULL && st->skipped > 0)
			ereport(NOTICE,
					(errmsg("insight_kmeans_fit: all %lld rows were skipped for NULL features",
							(long long) st->skipped)));
		return false;
	}
	dim = in->dim = st->dim;
	in->rows = st->rows;
	in->skipped = st->skipped;
	kmeans_pass_layout(dim, 0, 0, &l);
	in->minv = palloc(sizeof(double) * dim);
	in->maxv = palloc(sizeof(double) * dim);
	memcpy(in->minv, KM_REGION(st, &l, minv, double), sizeof(double) * dim);
	memcpy(in->maxv, KM_REGION(st, &l, maxv, double), sizeof(double) * dim);
	/* initial centres widen the box that bounds every squared distance */
	for (int i = 0; i < init_k; i++)
		for (int j = 0; j < dim; j++)
		{
			in->minv[j] = Min(in->minv[j], init[i * dim + j]);
			in->maxv[j] = Max(in->maxv[j], init[i * dim + j]);
		}
	in->fixscale = palloc(sizeof(double) * dim);
	in->vscale = palloc(sizeof(double) * dim);
	for (int j = 0; j < dim; j++)
	{
		double		maxabs = Max(fabs(in->minv[j]), fabs(in->maxv[j]));
		double		range = in->maxv[j] - in->minv[j];

		in->fixscale[j] = fixed_scale(maxabs, 52);
		in->vscale[j] = fixed_scale(maxabs, 40);
		box += range * range;
	}
	if (!isfinite(box))
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("features are too large for k-means"),
				 errdetail("Squared distances between rows overflow double precision."),
				 errhint("Scale the features, for example with insight_scaler_transform.")));
	in->dscale = fixed_scale(box, 61);

	plan = kmeans_pass_new(KM_MOMENTS, dim, 1, 1);
	plan_common(in, plan);
	st = run_pass(in, plan);
	if (st == NULL || st->rows != in->rows)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("the query returned different rows in two passes"),
				 errhint("k-means reads the query once per pass: make it deterministic.")));
	kmeans_pass_layout(dim, 1, 1, &l);
	for (int j = 0; j < dim; j++)
	{
		double		s = get128(KM_REGION(st, &l, vsum, double) + 2 * j) / in->vscale[j];
		double		sq = get128(KM_REGION(st, &l, vsq, double) + 2 * j) / (in->vscale[j] * in->vscale[j]);
		double		mean = s / (double) in->rows;

		var += Max(sq / (double) in->rows - mean * mean, 0.0);
	}
	in->tol_abs = var / dim;	/* mean variance; the caller scales it */
	return true;
}

/* k-means++ seeding of nruns runs at once; fills centres and nclusters. */
static void
seed_runs(KMeansInput *in, int k, int nruns, double *centres, int *nclusters)
{
	int			dim = in->dim;

	for (int r = 0; r < nruns; r++)
		nclusters[r] = 0;
	for (int step = 0; step < k; step++)
	{
		KMeansPass *plan = kmeans_pass_new(KM_SEED, dim, k, nruns);
		KMeansPass *st;
		KMeansLayout l;
		bool		any = false;

		kmeans_pass_layout(dim, k, nruns, &l);
		plan_common(in, plan);
		plan->step = step;
		for (int r = 0; r < nruns; r++)
		{
			bool		active = nclusters[r] == step;

			put64(KM_REGION(plan, &l, nclusters, double) + r, nclusters[r]);
			put64(KM_REGION(plan, &l, active, double) + r, active);
			KM_REGION(plan, &l, best_key, double)[r] = -get_float8_infinity();
			any |= active;
		}
		if (!any)
			break;
		memcpy(KM_REGION(plan, &l, centres, double), centres,
			   sizeof(double) * (Size) nruns * k * dim);
		st = run_pass(in, plan);
		if (st == NULL)
			break;
		for (int r = 0; r < nruns; r++)
		{
			if (nclusters[r] != step ||
				!(KM_REGION(st, &l, best_key, double)[r] > -get_float8_infinity()))
				continue;
			memcpy(centres + ((Size) r * k + step) * dim,
				   KM_REGION(st, &l, best_point, double) + (Size) r * dim,
				   sizeof(double) * dim);
			nclusters[r]++;
		}
	}
}

/*
 * Lloyd passes for the runs; then a final pass at the final centres.
 * Returns the index of the best run and fills 'best'.
 */
static void
lloyd_runs(KMeansInput *in, int k, int nruns, double *centres, int *nclusters,
		   int max_iterations, KMeansSolution *best)
{
	int			dim = in->dim;
	bool	   *active = palloc(sizeof(bool) * nruns);
	int		   *iterations = palloc0(sizeof(int) * nruns);
	KMeansLayout l;
	int			best_run = -1;
	double		best_inertia = 0;
	KMeansPass *st;

	kmeans_pass_layout(dim, k, nruns, &l);
	for (int r = 0; r < nruns; r++)
		active[r] = true;

	for (int pass = 0;; pass++)
	{
		bool		final = pass >= max_iterations;
		bool		any = false;
		KMeansPass *plan;

		for (int r = 0; r < nruns; r++)
			any |= active[r];
		if (!any)
			final = true;

		plan = kmeans_pass_new(KM_LLOYD, dim, k, nruns);
		plan_common(in, plan);
		memcpy(KM_REGION(plan, &l, centres, double), centres,
			   sizeof(double) * (Size) nruns * k * dim);
		for (int r = 0; r < nruns; r++)
		{
			put64(KM_REGION(plan, &l, nclusters, double) + r, nclusters[r]);
			put64(KM_REGION(plan, &l, active, double) + r, final || active[r]);
		}
		st = run_pass(in, plan);
		if (st == NULL || st->rows != in->rows)
			ereport(ERROR,
					(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
					 errmsg("the query returned different rows in two passes"),
					 errhint("k-means reads the query once per pass: make it deterministic.")));

		for (int r = 0; r < nruns; r++)
		{
			double	   *c = centres + (Size) r * k * dim;
			int			kept = 0;
			double		shift = 0;

			if (!final && !active[r])
				continue;
			for (int i = 0; i < nclusters[r]; i++)
			{
				int64		n = get64(KM_REGION(st, &l, counts, double) + (Size) r * k + i);
				const double *sums = KM_REGION(st, &l, sums, double) + 2 * ((Size) r * k + i) * dim;

				if (n == 0)
					continue;	/* an empty cluster is dropped */
				for (int j = 0; j < dim; j++)
				{
					double		v = get128(sums + 2 * j) / in->fixscale[j] / (double) n;
					double		t = v - c[(Size) i * dim + j];

					shift += t * t;
					if (!final)
						c[(Size) kept * dim + j] = v;
				}
				if (final)
				{
					/* keep the centre; record its size */
					if (kept != i)
						memmove(c + (Size) kept * dim, c + (Size) i * dim, sizeof(double) * dim);
					put64(KM_REGION(st, &l, counts, double) + (Size) r * k + kept, n);
				}
				kept++;
			}
			if (final)
			{
				double		inertia = get128(KM_REGION(st, &l, inertia, double) + 2 * r) / in->dscale;

				nclusters[r] = kept;
				if (best_run < 0 || inertia < best_inertia)
				{
					best_run = r;
					best_inertia = inertia;
				}
				continue;
			}
			iterations[r]++;
			if (kept < nclusters[r])
				ereport(DEBUG1,
						(errmsg("insight_kmeans_fit: run %d dropped %d empty clusters",
								r + 1, nclusters[r] - kept)));
			else if (shift <= in->tol_abs)
				active[r] = false;
			nclusters[r] = kept;
			ereport(DEBUG1,
					(errmsg("insight_kmeans_fit: run %d, iteration %d, inertia %g, centre shift %g",
							r + 1, iterations[r],
							get128(KM_REGION(st, &l, inertia, double) + 2 * r) / in->dscale, shift)));
		}
		if (final)
			break;
	}

	best->k = nclusters[best_run];
	best->inertia = best_inertia;
	best->iterations = iterations[best_run];
	best->centres = palloc(sizeof(double) * (Size) best->k * dim);
	memcpy(best->centres, centres + (Size) best_run * k * dim, sizeof(double) * (Size) best->k * dim);
	best->sizes = palloc(sizeof(uint64) * best->k);
	for (int i = 0; i < best->k; i++)
		best->sizes[i] = (uint64) get64(KM_REGION(st, &l, counts, double) + (Size) best_run * k + i);
}

/* ---------- silhouette ---------- */

/*
 * The sample of an extension whose SQL predates insight_kmeans_sample (a
 * database still on 0.1.0 with this library, before ALTER EXTENSION UPDATE):
 * the rows read here and filtered with the aggregate's rules, so the same
 * sample.
 */
static int
read_sample(KMeansInput *in, double fraction, int cap, double *pts)
{
	int			dim = in->dim;
	Size		words = (Size) dim + 1;
	int64		room = 2 * (int64) cap;
	uint64	   *records;
	int64		count = 0;
	Portal		portal;
	SPIPlanPtr	plan;

	insight_check_training_memory(sizeof(uint64) * (Size) room * words, "the silhouette sample");
	records = palloc(sizeof(uint64) * (Size) room * words);
	plan = SPI_prepare(in->rows_sql, 0, NULL);
	if (plan == NULL)
		elog(ERROR, "SPI_prepare failed: %s", SPI_result_code_string(SPI_result));
	portal = SPI_cursor_open(NULL, plan, NULL, NULL, true);
	for (;;)
	{
		SPI_cursor_fetch(portal, true, 1000);
		if (SPI_processed == 0)
			break;
		for (uint64 i = 0; i < SPI_processed; i++)
		{
			bool		isnull;
			Datum		d = SPI_getbinval(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 1, &isnull);
			const double *x;
			int			n;
			uint64		h;

			if (isnull || !insight_read_features(DatumGetArrayTypeP(d), dim, &x, &n))
				continue;
			h = kmeans_sample_hash(x, dim, in->seed);
			if (!kmeans_sample_keeps(h, fraction))
				continue;
			if (count == room)
				count = kmeans_sample_trim(records, count, dim, cap);
			records[count * words] = h;
			memcpy(&records[count * words + 1], x, sizeof(double) * dim);
			count++;
		}
		SPI_freetuptable(SPI_tuptable);
		CHECK_FOR_INTERRUPTS();
	}
	SPI_cursor_close(portal);
	SPI_freeplan(plan);
	return kmeans_sample_finish(records, count, dim, cap, pts);
}

/*
 * All rows (at most 10,000) or a seeded sample of about 10,000, sorted:
 * collected by the aggregate insight_kmeans_sample (kmeans_sample.c), so
 * that PostgreSQL's parallel workers or Citus's shards collect their rows'
 * share and only the sample reaches the driver.
 */
static double *
load_sample(KMeansInput *in, int *m_out)
{
	int			dim = in->dim;
	bool		all = in->rows <= SILHOUETTE_MAX_ROWS;
	int			cap = SILHOUETTE_MAX_ROWS + SILHOUETTE_MAX_ROWS / 2;
	double		fraction = all ? 1.0 : (double) SILHOUETTE_MAX_ROWS / (double) in->rows;
	Oid			argtypes[3] = {FLOAT8OID, INT8OID, INT4OID};
	Datum		args[3];
	double	   *pts;
	int			m = 0;
	bool		isnull;
	Datum		d;
	int			rc;

	insight_check_training_memory(sizeof(double) * (Size) cap * dim, "the silhouette sample");
	pts = palloc(sizeof(double) * (Size) cap * dim);
	if (in->sample_sql == NULL)
	{
		*m_out = read_sample(in, fraction, cap, pts);
		return pts;
	}
	args[0] = Float8GetDatum(fraction);
	args[1] = Int64GetDatum(in->seed);
	args[2] = Int32GetDatum(cap);
	CHECK_FOR_INTERRUPTS();
	rc = SPI_execute_with_args(in->sample_sql, 3, argtypes, args, NULL, true, 0);
	if (rc != SPI_OK_SELECT || SPI_processed != 1)
		elog(ERROR, "silhouette sample failed: SPI result %d", rc);
	d = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);
	if (!isnull)
	{
		ArrayType  *a = DatumGetArrayTypeP(d);

		if (ARR_NDIM(a) != 2 || ARR_DIMS(a)[1] != dim || ARR_DIMS(a)[0] > cap || ARR_HASNULL(a) ||
			ARR_ELEMTYPE(a) != FLOAT8OID)
			elog(ERROR, "silhouette sample of an unexpected shape");
		m = ARR_DIMS(a)[0];
		memcpy(pts, ARR_DATA_PTR(a), sizeof(double) * (Size) m * dim);
	}
	SPI_freetuptable(SPI_tuptable);
	*m_out = m;
	return pts;
}

/* Mean silhouette of the sample under the nearest-centre labels; NaN if undefined. */
static double
silhouette(const double *pts, int m, int dim, const double *centres, int k)
{
	int		   *label = palloc(sizeof(int) * m);
	int		   *size = palloc0(sizeof(int) * k);
	double	   *dsum = palloc0(sizeof(double) * (Size) m * k);	/* distance sums to each cluster */
	int			used = 0;
	double		total = 0;

	for (int i = 0; i < m; i++)
	{
		label[i] = kmeans_nearest(centres, k, dim, pts + (Size) i * dim);
		if (size[label[i]]++ == 0)
			used++;
	}
	if (used < 2 || used > m - 1)
		return get_float8_nan();
	for (int i = 0; i < m; i++)
	{
		const double *x = pts + (Size) i * dim;

		CHECK_FOR_INTERRUPTS();
		for (int j = i + 1; j < m; j++)
		{
			double		d = sqrt(kmeans_sqdist(x, pts + (Size) j * dim, dim));

			dsum[(Size) i * k + label[j]] += d;
			dsum[(Size) j * k + label[i]] += d;
		}
	}
	for (int i = 0; i < m; i++)
	{
		int			li = label[i];
		double		a,
					b = get_float8_infinity(),
					s = 0;

		if (size[li] > 1)
		{
			a = dsum[(Size) i * k + li] / (size[li] - 1);
			for (int c = 0; c < k; c++)
				if (c != li && size[c] > 0)
					b = Min(b, dsum[(Size) i * k + c] / size[c]);
			if (Max(a, b) > 0)
				s = (b - a) / Max(a, b);
		}
		total += s;
	}
	return total / m;
}

/* ---------- SQL functions ---------- */

/* insight_kmeans_sample(float8[], float8, bigint, integer) in namespace nsp */
static bool
sample_aggregate_exists(Oid nsp)
{
	Oid			argtypes[4] = {FLOAT8ARRAYOID, FLOAT8OID, INT8OID, INT4OID};

	return SearchSysCacheExists3(PROCNAMEARGSNSP, CStringGetDatum("insight_kmeans_sample"),
								 PointerGetDatum(buildoidvector(argtypes, 4)),
								 ObjectIdGetDatum(nsp));
}

static void
param_error(const char *msg, const char *detail)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("%s", msg),
			 detail ? errdetail("%s", detail) : 0));
}

/* Read initial centroids: a 2-D float8 array without NULLs, finite. */
static double *
read_initial_centroids(ArrayType *a, int *k, int *dim)
{
	double	   *v;

	if (ARR_ELEMTYPE(a) != FLOAT8OID || ARR_NDIM(a) != 2)
		param_error("initial_centroids must be a two-dimensional float8 array",
					"Give one row per centre, e.g. ARRAY[[0, 0], [1, 1]].");
	if (ARR_HASNULL(a))
		param_error("initial_centroids must not contain NULLs", NULL);
	*k = ARR_DIMS(a)[0];
	*dim = ARR_DIMS(a)[1];
	v = (double *) ARR_DATA_PTR(a);
	for (int i = 0; i < *k * *dim; i++)
		if (!isfinite(v[i]))
			param_error("initial_centroids must be finite", NULL);
	return v;
}

/* Fit for one k: seeding (or the given centres), Lloyd, best run. */
static void
fit_k(KMeansInput *in, int k, int n_init, int max_iterations,
	  const double *init, KMeansSolution *sol)
{
	int			nruns = init ? 1 : n_init;
	double	   *centres;
	int		   *nclusters;

	/* before any allocation: k = 10^7 on one row is refused at once */
	if (k > in->rows)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("k = %d exceeds the number of rows (%lld)", k, (long long) in->rows),
				 errdetail("Every cluster needs at least one row."),
				 errhint("Use a smaller k.")));
	if ((double) nruns * k * in->dim * sizeof(double) > MaxAllocSize)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("k-means centres of %d runs, k = %d and %d features exceed 1 GB", nruns, k, in->dim),
				 errhint("Use a smaller k or n_init.")));
	centres = palloc0(sizeof(double) * (Size) nruns * k * in->dim);
	nclusters = palloc(sizeof(int) * nruns);
	if (init)
	{
		memcpy(centres, init, sizeof(double) * (Size) k * in->dim);
		nclusters[0] = k;
	}
	else
		seed_runs(in, k, nruns, centres, nclusters);
	{
		int			most = 0;

		for (int r = 0; r < nruns; r++)
			most = Max(most, nclusters[r]);
		if (most < k)
			ereport(NOTICE,
					(errmsg("k-means found %d distinct starting centres, fewer than k = %d", most, k),
					 errdetail("Every other row coincides with a centre already chosen (duplicate rows)."),
					 errhint("The model has at most %d clusters.", most)));
	}
	lloyd_runs(in, k, nruns, centres, nclusters, max_iterations, sol);
}

/* A training query: rows (features float8[], ...), further columns unread. */
static const InsightQueryColumn kmeans_columns[] = {
	{"features", INSIGHT_COLUMN_TYPE, FLOAT8ARRAYOID, "float8[]"},
};

static const InsightQuerySpec kmeans_query = {
	kmeans_columns, lengthof(kmeans_columns), true,
	"Cast the column, for example SELECT features::float8[] FROM ..."
};

PG_FUNCTION_INFO_V1(insight_kmeans_fit);
Datum
insight_kmeans_fit(PG_FUNCTION_ARGS)
{
	char	   *query;
	int			k = PG_ARGISNULL(1) ? 0 : PG_GETARG_INT32(1);
	int			max_iterations = PG_ARGISNULL(2) ? 300 : PG_GETARG_INT32(2);
	double		tolerance = PG_ARGISNULL(3) ? 1e-4 : PG_GETARG_FLOAT8(3);
	int			n_init = PG_ARGISNULL(4) ? 10 : PG_GETARG_INT32(4);
	int64		seed = PG_ARGISNULL(5) ? 0 : PG_GETARG_INT64(5);
	double	   *init = NULL;
	int			init_k = 0;
	int			init_dim = 0;
	KMeansInput in = {0};
	KMeansModel mo = {0};
	KMeansSolution sol;
	StringInfoData sql;
	InsightUserQuery uq;
	const char *schema;
	Oid			argtypes[1] = {BYTEAOID};
	MemoryContext caller = CurrentMemoryContext;
	bytea	   *result;
	bytea	   *copy;
	double	   *sample;
	int			m;

	if (PG_ARGISNULL(0))
		param_error("query must not be NULL", NULL);
	query = text_to_cstring(PG_GETARG_TEXT_PP(0));
	if (!PG_ARGISNULL(1) && k < 1)
		param_error("k must be at least 1", psprintf("k was %d.", k));
	if (k > KMEANS_MAX_K)
		param_error("k must be at most 100000", psprintf("k was %d; a k-means model holds at most 100000 clusters.", k));
	if (max_iterations < 1)
		param_error("max_iterations must be at least 1", NULL);
	if (!isfinite(tolerance) || tolerance < 0)
		param_error("tolerance must be a finite number >= 0", NULL);
	if (n_init < 1 || n_init > 1000)
		param_error("n_init must be between 1 and 1000", NULL);
	if (!PG_ARGISNULL(6))
	{
		init = read_initial_centroids(PG_GETARG_ARRAYTYPE_P(6), &init_k, &init_dim);
		if (PG_ARGISNULL(1))
			k = init_k;
		else if (k != init_k)
			param_error("k does not match initial_centroids",
						psprintf("k is %d but initial_centroids has %d rows.", k, init_k));
	}
	schema = quote_identifier(get_namespace_name(get_func_namespace(fcinfo->flinfo->fn_oid)));
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");

	insight_user_query(&uq, query, "insight_kmeans_fit", &kmeans_query);
	if (sample_aggregate_exists(get_func_namespace(fcinfo->flinfo->fn_oid)))
		in.sample_sql = psprintf("SELECT %s.insight_kmeans_sample(q.features, $1, $2, $3) FROM %s",
								 schema, uq.from);
	in.rows_sql = psprintf("SELECT q.features FROM %s", uq.from);
	initStringInfo(&sql);
	appendStringInfo(&sql, "SELECT %s.insight_kmeans_pass(q.features, $1) FROM %s",
					 schema, uq.from);
	in.pass_plan = SPI_prepare_cursor(sql.data, 1, argtypes, CURSOR_OPT_PARALLEL_OK);
	if (in.pass_plan == NULL)
		elog(ERROR, "SPI_prepare failed: %s", SPI_result_code_string(SPI_result));
	in.seed = seed;

	if (!scan_input(&in, init, init_k))
	{
		SPI_finish();
		PG_RETURN_NULL();
	}
	in.tol_abs *= tolerance;	/* tolerance x mean feature variance */
	if (init && init_dim != in.dim)
		param_error("initial_centroids do not match the features",
					psprintf("The centres have %d values, the rows %d features.", init_dim, in.dim));

	sample = load_sample(&in, &m);
	mo.silhouette_rows = m;
	mo.curve = palloc(sizeof(double) * 3 * KSEARCH_MAX);
	if (k > 0)
	{
		fit_k(&in, k, n_init, max_iterations, init, &sol);
		mo.silhouette = silhouette(sample, m, in.dim, sol.centres, sol.k);
	}
	else
	{
		int			kmax = (int) Min((int64) KSEARCH_MAX, in.rows - 1);
		double		best_s = get_float8_nan();

		if (kmax < KSEARCH_MIN)
			param_error("k cannot be chosen for fewer than 3 rows", "Give k explicitly.");
		for (int kk = KSEARCH_MIN; kk <= kmax; kk++)
		{
			KMeansSolution cand;
			double		s;

			fit_k(&in, kk, n_init, max_iterations, NULL, &cand);
			s = silhouette(sample, m, in.dim, cand.centres, cand.k);
			mo.curve[3 * mo.ncurve] = kk;
			mo.curve[3 * mo.ncurve + 1] = s;
			mo.curve[3 * mo.ncurve + 2] = cand.inertia;
			mo.ncurve++;
			if (!isnan(s) && (isnan(best_s) || s > best_s))
			{
				best_s = s;
				sol = cand;
			}
		}
		if (isnan(best_s))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("k cannot be chosen by silhouette"),
					 errdetail("No k from 2 to %d gave at least two clusters.", kmax),
					 errhint("The rows may be (nearly) all equal; give k explicitly.")));
		mo.silhouette = best_s;
	}

	mo.dim = in.dim;
	mo.k = sol.k;
	mo.rows = in.rows;
	mo.skipped = in.skipped;
	mo.seed = (uint64) seed;
	mo.requested_k = (uint32) k;
	mo.iterations = sol.iterations;
	mo.n_init = init ? 1 : n_init;
	mo.max_iterations = max_iterations;
	mo.tolerance = tolerance;
	mo.inertia = sol.inertia;
	mo.centroids = sol.centres;
	mo.sizes = sol.sizes;
	result = kmeans_model_write(&mo);

	/* copy out of SPI's memory before SPI_finish frees it */
	copy = MemoryContextAlloc(caller, VARSIZE(result));
	memcpy(copy, result, VARSIZE(result));
	SPI_finish();
	PG_RETURN_BYTEA_P(copy);
}
