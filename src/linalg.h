/*-------------------------------------------------------------------------
 *
 * linalg.h
 *	  The only gateway to BLAS/LAPACK (OpenBLAS).  Every LAPACK status code is
 *	  checked here and turned into an error; callers never include cblas.h or
 *	  lapacke.h themselves.
 *
 *-------------------------------------------------------------------------
 */
#ifndef INSIGHT_LINALG_H
#define INSIGHT_LINALG_H

/* Called once from _PG_init: one BLAS thread per backend. */
extern void insight_linalg_init(void);

/*
 * Solve A x = b for a symmetric positive definite n x n matrix A (row-major,
 * overwritten by its Cholesky factor) and right-hand side b (overwritten by
 * x).  Returns false when A is not positive definite (LAPACK dpotrf info >
 * 0); any other LAPACK failure is an internal error.
 */
extern bool insight_cholesky_solve(double *a, double *b, int n);

#endif							/* INSIGHT_LINALG_H */
