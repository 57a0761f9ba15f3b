/*-------------------------------------------------------------------------
 *
 * lbfgs.h
 *	  Limited-memory BFGS for smooth objectives of many variables (Nocedal
 *	  1980; Nocedal & Wright, Numerical Optimization, 2nd ed., algorithms 7.4
 *	  and 7.5), with a backtracking Armijo line search (their algorithm 3.1).
 *
 *-------------------------------------------------------------------------
 */
#ifndef INSIGHT_LBFGS_H
#define INSIGHT_LBFGS_H

#include "postgres.h"

/* f(x), with its gradient written into grad[n] */
typedef double (*InsightLbfgsFn) (const double *x, double *grad, void *arg);

typedef struct InsightLbfgsResult
{
	double		f;				/* the objective at the returned x */
	double		gradient_norm;	/* its gradient's largest absolute element */
	int			iterations;
	bool		converged;		/* gradient_norm <= gtol */
} InsightLbfgsResult;

/*
 * Minimise fg from x[n] (updated in place), keeping m pairs, for at most
 * max_iterations; stops when the gradient's largest element is at most gtol,
 * or when an iteration lowers f by less than 1e-15 of |f|.  'what' names the
 * caller in the NOTICE written every 10 iterations.  Memory: (2m + 4) n
 * doubles, which the caller checks against insight.max_training_memory
 * (insight_lbfgs_bytes).
 */
extern InsightLbfgsResult insight_lbfgs(InsightLbfgsFn fg, void *arg, double *x, int n,
										int m, int max_iterations, double gtol,
										const char *what);
extern Size insight_lbfgs_bytes(int n, int m);

#endif							/* INSIGHT_LBFGS_H */
