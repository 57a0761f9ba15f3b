/*-------------------------------------------------------------------------
 *
 * linalg.c
 *	  The gateway to BLAS/LAPACK.  The calls are made by the module
 *	  insight_blas (src/blas/blas.c, linked with OpenBLAS and LAPACKE), which
 *	  is loaded on the first call here, not with insight: loading OpenBLAS
 *	  starts its threads and takes about 10 ms, which every backend and every
 *	  parallel worker that loads insight would otherwise pay, BLAS or not.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "fmgr.h"

#include "linalg.h"

#define BLAS_MODULE "$libdir/insight_blas"

static bool (*blas_cholesky_solve) (double *a, double *b, int n);
static void (*blas_gram_lower) (const double *a, int n, int f, double *out, bool accumulate);
static void (*blas_matvec) (const double *a, int n, int f, const double *x, double *y,
							bool transpose, bool accumulate);

static void
load_blas(void)
{
	if (blas_matvec != NULL)
		return;
	blas_cholesky_solve = load_external_function(BLAS_MODULE, "insight_blas_cholesky_solve",
												 true, NULL);
	blas_gram_lower = load_external_function(BLAS_MODULE, "insight_blas_gram_lower",
											 true, NULL);
	blas_matvec = load_external_function(BLAS_MODULE, "insight_blas_matvec", true, NULL);
}

bool
insight_cholesky_solve(double *a, double *b, int n)
{
	load_blas();
	return blas_cholesky_solve(a, b, n);
}

void
insight_gram_lower(const double *a, int n, int f, double *out, bool accumulate)
{
	load_blas();
	blas_gram_lower(a, n, f, out, accumulate);
}

void
insight_matvec(const double *a, int n, int f, const double *x, double *y,
			   bool transpose, bool accumulate)
{
	load_blas();
	blas_matvec(a, n, f, x, y, transpose, accumulate);
}
