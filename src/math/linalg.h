/*-------------------------------------------------------------------------
 *
 * linalg.h
 *	  The only gateway to BLAS/LAPACK (OpenBLAS).  Every LAPACK status code is
 *	  checked here and turned into an error; callers never include cblas.h or
 *	  lapacke.h themselves.  The BLAS calls are in the module insight_blas
 *	  (src/math/blas/blas.c), loaded on the first call (see linalg.c).
 *
 *-------------------------------------------------------------------------
 */
#ifndef INSIGHT_LINALG_H
#define INSIGHT_LINALG_H

/*
 * Solve A x = b for a symmetric positive definite n x n matrix A (row-major,
 * overwritten by its Cholesky factor) and right-hand side b (overwritten by
 * x).  Returns false when A is not positive definite (LAPACK dpotrf info >
 * 0); any other LAPACK failure is an internal error.
 */
extern bool insight_cholesky_solve(double *a, double *b, int n);

/*
 * out (f x f, row-major with ldout >= f doubles a row, lower triangle) =
 * A^T A for an n x f row-major matrix A (BLAS dsyrk); with accumulate,
 * out += A^T A instead.  Only the lower triangle is written, which is what
 * insight_cholesky_solve reads (with ldout = f).
 */
extern void insight_gram_lower(const double *a, int n, int f, double *out, int ldout,
							   bool accumulate);

/*
 * Matrix-vector product with an n x f row-major matrix A (BLAS dgemv):
 * y[n] = A x[f], or, with transpose, y[f] = A^T x[n]; with accumulate, y is
 * added to instead of overwritten.
 */
extern void insight_matvec(const double *a, int n, int f, const double *x, double *y,
						   bool transpose, bool accumulate);

/*
 * The same three, as exported by the module insight_blas (which also sets
 * one BLAS thread per backend when loaded); only linalg.c calls them.
 */
extern PGDLLEXPORT bool insight_blas_cholesky_solve(double *a, double *b, int n);
extern PGDLLEXPORT void insight_blas_gram_lower(const double *a, int n, int f,
												double *out, int ldout, bool accumulate);
extern PGDLLEXPORT void insight_blas_matvec(const double *a, int n, int f, const double *x,
											double *y, bool transpose, bool accumulate);

#endif							/* INSIGHT_LINALG_H */
