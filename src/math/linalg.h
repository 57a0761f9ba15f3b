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
 * General matrix product on compact row-major matrices (BLAS sgemm/dgemm):
 * C[m x n] = alpha op(A) op(B) + beta C, where op(A) is m x k (A is stored
 * k x m when trans_a) and op(B) is k x n (B is stored n x k when trans_b).
 * With beta = 0, C is overwritten (its old values, even NaN, are ignored).
 * The neural-network core (src/nn/) runs on these.
 */
extern void insight_sgemm(bool trans_a, bool trans_b, int m, int n, int k, float alpha,
						  const float *a, const float *b, float beta, float *c);
extern void insight_dgemm(bool trans_a, bool trans_b, int m, int n, int k, double alpha,
						  const double *a, const double *b, double beta, double *c);

/*
 * The same five, as exported by the module insight_blas (which also sets
 * one BLAS thread per backend when loaded); only linalg.c calls them.
 */
extern PGDLLEXPORT bool insight_blas_cholesky_solve(double *a, double *b, int n);
extern PGDLLEXPORT void insight_blas_gram_lower(const double *a, int n, int f,
												double *out, int ldout, bool accumulate);
extern PGDLLEXPORT void insight_blas_matvec(const double *a, int n, int f, const double *x,
											double *y, bool transpose, bool accumulate);
extern PGDLLEXPORT void insight_blas_sgemm(bool trans_a, bool trans_b, int m, int n, int k,
										   float alpha, const float *a, const float *b,
										   float beta, float *c);
extern PGDLLEXPORT void insight_blas_dgemm(bool trans_a, bool trans_b, int m, int n, int k,
										   double alpha, const double *a, const double *b,
										   double beta, double *c);

#endif							/* INSIGHT_LINALG_H */
