/*-------------------------------------------------------------------------
 *
 * kmeans_pass.h
 *	  The state of insight_kmeans_pass, the aggregate that makes one pass of
 *	  k-means over the data.  The driver (kmeans.c) builds a "plan" (the same
 *	  struct with empty accumulators) and passes it as the aggregate's second
 *	  argument; the first row copies it into the aggregate's state, every row
 *	  adds to the accumulators, and the combine function adds two states of the
 *	  same plan.  Several k-means runs (n_init) share each pass.
 *
 * Modes:
 *	  STATS    rows, width, per-feature min and max
 *	  MOMENTS  per-feature sum and sum of squares (for the tolerance)
 *	  SEED     one k-means++ step per run: the D^2-weighted sample of the next
 *	           centre and the potential (sum of D^2)
 *	  LLOYD    per run and cluster: sum and count of the points nearest to
 *	           each centre, and the inertia (sum of squared distances)
 *
 * Sums are exact: each value is rounded once to a fixed-point integer (53
 * significant bits for coordinates, 62 bits for squared distances, scales
 * fixed by the plan) and added in 128-bit integers, so the result does not
 * depend on row order or on how a parallel plan splits the rows: the same
 * seed gives the same model bytes, serial or parallel.
 *
 *-------------------------------------------------------------------------
 */
#ifndef INSIGHT_KMEANS_PASS_H
#define INSIGHT_KMEANS_PASS_H

#define KMEANS_PASS_MAGIC 0x4B4D5031	/* "KMP1" */

typedef enum KMeansMode
{
	KM_STATS = 1,
	KM_MOMENTS = 2,
	KM_SEED = 3,
	KM_LLOYD = 4
} KMeansMode;

typedef struct KMeansPass
{
	int32		vl_len_;
	int32		magic;
	int32		mode;
	int32		dim;			/* features; 0 in a STATS plan until a row */
	int32		k;				/* most clusters of a run */
	int32		nruns;
	int32		step;			/* SEED: index of the centre being drawn */
	int32		reserved;
	int64		seed;
	int64		rows;			/* rows used */
	int64		skipped;		/* rows with a NULL array or element */
	double		data[FLEXIBLE_ARRAY_MEMBER];
} KMeansPass;

/* Byte offsets of the regions of data[] (8-byte slots; int128 take two). */
typedef struct KMeansLayout
{
	/* plan */
	Size		fixscale;		/* [dim] coordinate scale, a power of two */
	Size		vscale;			/* [dim] scale for MOMENTS */
	Size		dscale;			/* [1] squared-distance scale */
	Size		nclusters;		/* [nruns] int64: centres of each run */
	Size		active;			/* [nruns] int64: run takes part in this pass */
	Size		centres;		/* [nruns * k * dim] */
	/* accumulators */
	Size		minv;			/* [dim] */
	Size		maxv;			/* [dim] */
	Size		vsum;			/* [dim] int128 */
	Size		vsq;			/* [dim] int128 */
	Size		best_key;		/* [nruns] */
	Size		best_point;		/* [nruns * dim] */
	Size		potential;		/* [nruns] int128 */
	Size		sums;			/* [nruns * k * dim] int128 */
	Size		counts;			/* [nruns * k] int64 */
	Size		inertia;		/* [nruns] int128 */
	Size		size;			/* whole struct */
} KMeansLayout;

extern void kmeans_pass_layout(int dim, int k, int nruns, KMeansLayout *l);

/* A zeroed plan of the given shape (palloc'd in the current context). */
extern KMeansPass *kmeans_pass_new(KMeansMode mode, int dim, int k, int nruns);

#define KM_REGION(p, l, field, type) ((type *) ((char *) (p) + (l)->field))

#endif							/* INSIGHT_KMEANS_PASS_H */
