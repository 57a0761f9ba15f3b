/*-------------------------------------------------------------------------
 *
 * blas.c
 *	  The module insight_blas: the only code linked with BLAS/LAPACK
 *	  (OpenBLAS, LAPACKE).  src/math/linalg.c loads it on first use and is its only
 *	  caller (see linalg.h).
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <cblas.h>
#include <lapacke.h>

#include "fmgr.h"

#include "math/linalg.h"

PG_MODULE_MAGIC;

void		_PG_init(void);

void
_PG_init(void)
{
	/*
	 * Parallelism comes from PostgreSQL's workers, never from BLAS threads.
	 * linalg.c loads this module with OPENBLAS_NUM_THREADS=1, so OpenBLAS
	 * starts no threads; this covers an OpenBLAS that something else in the
	 * backend loaded first.
	 */
	openblas_set_num_threads(1);
}

bool
insight_blas_cholesky_solve(double *a, double *b, int n)
{
	lapack_int	info;

	info = LAPACKE_dpotrf(LAPACK_ROW_MAJOR, 'L', n, a, n);
	if (info > 0)
		return false;
	if (info < 0)
		elog(ERROR, "LAPACKE_dpotrf: argument %d had an illegal value", (int) -info);
	info = LAPACKE_dpotrs(LAPACK_ROW_MAJOR, 'L', n, 1, a, n, b, 1);
	if (info != 0)
		elog(ERROR, "LAPACKE_dpotrs: argument %d had an illegal value", (int) -info);
	return true;
}

void
insight_blas_gram_lower(const double *a, int n, int f, double *out, int ldout,
						bool accumulate)
{
	if (n == 0)
	{
		if (!accumulate)
			for (int j = 0; j < f; j++)
				memset(out + (Size) j * ldout, 0, sizeof(double) * f);
		return;
	}
	cblas_dsyrk(CblasRowMajor, CblasLower, CblasTrans, f, n,
				1.0, a, f, accumulate ? 1.0 : 0.0, out, ldout);
}

void
insight_blas_matvec(const double *a, int n, int f, const double *x, double *y,
					bool transpose, bool accumulate)
{
	int			len = transpose ? f : n;

	if (n == 0 || f == 0)
	{
		if (!accumulate)
			memset(y, 0, sizeof(double) * len);
		return;
	}
	cblas_dgemv(CblasRowMajor, transpose ? CblasTrans : CblasNoTrans, n, f,
				1.0, a, f, x, 1, accumulate ? 1.0 : 0.0, y, 1);
}

/*
 * C = alpha op(A) op(B) + beta C on compact row-major matrices (linalg.h).
 * An empty product (k = 0) scales C by beta, as BLAS does, except that beta
 * = 0 clears C; with m = 0 or n = 0 there is nothing to do.
 */
void
insight_blas_sgemm(bool trans_a, bool trans_b, int m, int n, int k, float alpha,
				   const float *a, const float *b, float beta, float *c)
{
	if (m == 0 || n == 0)
		return;
	if (k == 0 && beta == 0)
	{
		memset(c, 0, sizeof(float) * (Size) m * n);
		return;
	}
	cblas_sgemm(CblasRowMajor, trans_a ? CblasTrans : CblasNoTrans,
				trans_b ? CblasTrans : CblasNoTrans, m, n, k, alpha,
				a, trans_a ? m : k, b, trans_b ? k : n, beta, c, n);
}

void
insight_blas_dgemm(bool trans_a, bool trans_b, int m, int n, int k, double alpha,
				   const double *a, const double *b, double beta, double *c)
{
	if (m == 0 || n == 0)
		return;
	if (k == 0 && beta == 0)
	{
		memset(c, 0, sizeof(double) * (Size) m * n);
		return;
	}
	cblas_dgemm(CblasRowMajor, trans_a ? CblasTrans : CblasNoTrans,
				trans_b ? CblasTrans : CblasNoTrans, m, n, k, alpha,
				a, trans_a ? m : k, b, trans_b ? k : n, beta, c, n);
}
