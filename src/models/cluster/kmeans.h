/*-------------------------------------------------------------------------
 *
 * kmeans.h
 *	  k-means clustering: k-means++ seeding (Arthur & Vassilvitskii 2007) and
 *	  Lloyd iterations (Lloyd 1982), each pass over the data one parallel-safe
 *	  aggregate with a bytea state.
 *
 * SQL:
 *	  insight_kmeans_pass(features float8[], plan bytea) aggregate -> bytea
 *	  insight_kmeans_sample(features float8[], fraction float8, seed bigint,
 *							max_rows int) aggregate -> float8[][] (the
 *							silhouette's rows, kmeans_sample.c)
 *	  insight_kmeans_fit(query text, k, max_iterations, tolerance, n_init,
 *						 seed, initial_centroids) -> bytea model
 *	  insight_kmeans_assign(model bytea, features float8[]) -> int (1..k)
 *	  insight_kmeans_centroids(model bytea) -> (cluster, centroid, size)
 *
 * Model (algorithm "kmeans"): counts[0] = features d, counts[1] = clusters k,
 * counts[2] = entries of the k-selection curve c.  Payload:
 *	  uint64 rows, uint64 rows skipped, uint64 seed,
 *	  uint32 requested k (0: chosen by silhouette), uint32 iterations,
 *	  uint32 n_init, uint32 max_iterations,
 *	  float8 tolerance, float8 inertia, float8 silhouette (NaN: not computed),
 *	  uint64 silhouette rows,
 *	  float8 centroids[k * d] (row-major), uint64 sizes[k],
 *	  c x (uint64 k, float8 silhouette, float8 inertia).
 *
 *-------------------------------------------------------------------------
 */
#ifndef INSIGHT_KMEANS_H
#define INSIGHT_KMEANS_H

#include "lib/stringinfo.h"

#include "core/model_format.h"

/* Most k tried when k is chosen by silhouette (entries of the curve). */
#define KSEARCH_MAX 10
/* the key of the silhouette sample's row hash: seed XOR SAMPLE_SALT */
#define SAMPLE_SALT UINT64CONST(0x5851F42D4C957F2D)

/* The silhouette sample's rules (kmeans_sample.c): records are uint64 hash, float8 values[dim]. */
extern uint64 kmeans_sample_hash(const double *x, int dim, int64 seed);
extern bool kmeans_sample_keeps(uint64 h, double fraction);
extern int64 kmeans_sample_trim(uint64 *records, int64 count, int dim, int max_rows);
extern int	kmeans_sample_finish(uint64 *records, int64 count, int dim, int max_rows, double *out);

/* A kmeans model in memory. */
typedef struct KMeansModel
{
	int			dim;
	int			k;
	int			ncurve;
	uint64		rows;
	uint64		skipped;
	uint64		seed;
	uint32		requested_k;
	uint32		iterations;
	uint32		n_init;
	uint32		max_iterations;
	double		tolerance;
	double		inertia;
	double		silhouette;
	uint64		silhouette_rows;
	double	   *centroids;		/* [k * dim] */
	uint64	   *sizes;			/* [k] */
	double	   *curve;			/* [ncurve * 3]: k, silhouette, inertia */
} KMeansModel;

static inline double
kmeans_sqdist(const double *a, const double *b, int dim)
{
	double		s = 0;

	for (int j = 0; j < dim; j++)
	{
		double		t = a[j] - b[j];

		s += t * t;
	}
	return s;
}

/* The nearest of k centres (row-major) to x, lowest index on ties. */
static inline int
kmeans_nearest(const double *centres, int k, int dim, const double *x)
{
	int			best = 0;
	double		bd = kmeans_sqdist(x, centres, dim);

	for (int i = 1; i < k; i++)
	{
		double		d = kmeans_sqdist(x, centres + (Size) i * dim, dim);

		if (d < bd)
		{
			bd = d;
			best = i;
		}
	}
	return best;
}

/* kmeans_model.c: the model value, and the algorithm table's entry. */
extern bytea *kmeans_model_write(const KMeansModel *mo);
extern void *insight_kmeans_decode(InsightModel *m);
extern void insight_kmeans_info(const void *model, StringInfo buf);

#endif							/* INSIGHT_KMEANS_H */
