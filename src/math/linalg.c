/*-------------------------------------------------------------------------
 *
 * linalg.c
 *	  The gateway to BLAS/LAPACK.  The calls are made by the module
 *	  insight_blas (src/math/blas/blas.c, linked with OpenBLAS and LAPACKE), which
 *	  is loaded on the first call here, not with insight: loading OpenBLAS
 *	  takes milliseconds, which every backend and every parallel worker that
 *	  loads insight would otherwise pay, BLAS or not.
 *
 *	  OpenBLAS runs single-threaded in a backend: parallelism comes from
 *	  PostgreSQL's workers.  openblas_set_num_threads(1) (insight_blas's
 *	  _PG_init) comes too late for that alone: the library starts one thread
 *	  per core when it is loaded, and an idle one spins (sched_yield) before it
 *	  sleeps, taking a core from the parallel workers of the same query.  So
 *	  the module is loaded with OPENBLAS_NUM_THREADS=1 in the environment,
 *	  which the library reads when it starts (OpenBLAS USAGE.md), and the
 *	  variable is put back as it was afterwards.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <stdlib.h>

#include "fmgr.h"

#include "math/linalg.h"

#define BLAS_MODULE "$libdir/insight_blas"

static bool (*blas_cholesky_solve) (double *a, double *b, int n);
static void (*blas_gram_lower) (const double *a, int n, int f, double *out, int ldout,
								bool accumulate);
static void (*blas_matvec) (const double *a, int n, int f, const double *x, double *y,
							bool transpose, bool accumulate);
static void (*blas_sgemm) (bool trans_a, bool trans_b, int m, int n, int k, float alpha,
						   const float *a, const float *b, float beta, float *c);
static void (*blas_dgemm) (bool trans_a, bool trans_b, int m, int n, int k, double alpha,
						   const double *a, const double *b, double beta, double *c);

static void
load_blas(void)
{
	const char *threads;
	char	   *volatile saved = NULL;

	if (blas_matvec != NULL)
		return;
	threads = getenv("OPENBLAS_NUM_THREADS");
	if (threads != NULL)
		saved = pstrdup(threads);
	if (setenv("OPENBLAS_NUM_THREADS", "1", 1) != 0)
		elog(ERROR, "could not set OPENBLAS_NUM_THREADS: %m");
	PG_TRY();
	{
		blas_cholesky_solve = load_external_function(BLAS_MODULE,
													 "insight_blas_cholesky_solve", true, NULL);
		blas_gram_lower = load_external_function(BLAS_MODULE, "insight_blas_gram_lower",
												 true, NULL);
		blas_sgemm = load_external_function(BLAS_MODULE, "insight_blas_sgemm", true, NULL);
		blas_dgemm = load_external_function(BLAS_MODULE, "insight_blas_dgemm", true, NULL);
		/* last: load_blas tests it to know the module is loaded */
		blas_matvec = load_external_function(BLAS_MODULE, "insight_blas_matvec", true, NULL);
	}
	PG_FINALLY();
	{
		if (saved != NULL)
		{
			setenv("OPENBLAS_NUM_THREADS", saved, 1);
			pfree(saved);
		}
		else
			unsetenv("OPENBLAS_NUM_THREADS");
	}
	PG_END_TRY();
}

bool
insight_cholesky_solve(double *a, double *b, int n)
{
	load_blas();
	return blas_cholesky_solve(a, b, n);
}

void
insight_gram_lower(const double *a, int n, int f, double *out, int ldout, bool accumulate)
{
	load_blas();
	blas_gram_lower(a, n, f, out, ldout, accumulate);
}

void
insight_matvec(const double *a, int n, int f, const double *x, double *y,
			   bool transpose, bool accumulate)
{
	load_blas();
	blas_matvec(a, n, f, x, y, transpose, accumulate);
}

void
insight_sgemm(bool trans_a, bool trans_b, int m, int n, int k, float alpha,
			  const float *a, const float *b, float beta, float *c)
{
	load_blas();
	blas_sgemm(trans_a, trans_b, m, n, k, alpha, a, b, beta, c);
}

void
insight_dgemm(bool trans_a, bool trans_b, int m, int n, int k, double alpha,
			  const double *a, const double *b, double beta, double *c)
{
	load_blas();
	blas_dgemm(trans_a, trans_b, m, n, k, alpha, a, b, beta, c);
}
