/*-------------------------------------------------------------------------
 *
 * special.h
 *	  Special functions and numerical helpers: the logistic function and
 *	  log(1 + e^x), log-space arithmetic, the Gauss
 *	  hypergeometric function 2F1 for the arguments the models need, and a
 *	  Nelder-Mead minimiser for the maximum-likelihood fits.
 *
 *-------------------------------------------------------------------------
 */
#ifndef INSIGHT_SPECIAL_H
#define INSIGHT_SPECIAL_H

#include <math.h>

/* log(1 + exp(x)) without overflow or loss of precision:
 * max(x, 0) + log1p(exp(-|x|)). */
static inline double
insight_log1pexp(double x)
{
	return (x > 0 ? x : 0.0) + log1p(exp(-fabs(x)));
}

/* 1 / (1 + exp(-x)) without overflow. */
static inline double
insight_sigmoid(double x)
{
	if (x >= 0)
		return 1.0 / (1.0 + exp(-x));
	else
	{
		double		e = exp(x);

		return e / (1.0 + e);
	}
}

/* log(B(a, b)) = lgamma(a) + lgamma(b) - lgamma(a + b) */
extern double clv_lbeta(double a, double b);

/* log(exp(x) + exp(y)), exact for -Inf arguments */
extern double clv_logaddexp(double x, double y);

/* log(1 - exp(d)) for d <= 0 (-Inf for d >= 0), Maechler (2012) */
extern double clv_log1mexp(double d);

/*
 * log 2F1(a, b; c; z) for a, b, c > 0 and 0 <= z < 1 by its power series
 * (Abramowitz & Stegun 15.1.1), whose terms are all positive: no
 * cancellation, and a running rescaling keeps very large values (heavy
 * buyers) finite.  NaN when the series has not converged after max_terms
 * terms (z very close to 1).
 */
#define CLV_HYP2F1_MAX_TERMS 10000000	/* for predictions */
#define CLV_HYP2F1_FIT_TERMS 100000		/* inside a likelihood */
extern double clv_log_hyp2f1(double a, double b, double c, double z, long max_terms);

/*
 * (1 - exp(k * log q)) / k for 0 < q <= 1, continuous at k = 0 (-log q);
 * the integral that appears in the Pareto/NBD expectations.
 */
extern double clv_one_minus_pow_over(double k, double log_q);

/*
 * The 16-point Gauss-Legendre rule on [-1, 1] (nodes and weights computed
 * once by Newton's method on P_16, as in Press et al., Numerical Recipes,
 * gauleg).
 */
extern void clv_gauss_legendre_16(const double **nodes, const double **weights);

/* Objective for the minimiser: returns +Inf (or NaN) outside its domain. */
typedef double (*ClvObjective) (const double *theta, void *arg);

typedef struct ClvMinimum
{
	double		value;			/* objective at theta */
	int			evaluations;	/* objective evaluations */
	int			iterations;		/* simplex iterations, all restarts */
	bool		converged;		/* tolerances met before the limit */
} ClvMinimum;

/*
 * Minimise f over R^n (n <= CLV_MAX_PARAMS) from theta (in: start, out:
 * minimum) with the Nelder-Mead simplex (Nelder & Mead 1965, with the
 * standard coefficients 1, 2, 1/2, 1/2 of Lagarias, Reeds, Wright & Wright
 * 1998), restarted from the best point until a restart no longer improves
 * it, the usual guard against a collapsed simplex.  Log-parameters are kept
 * within [-15, 15]; at most 20,000 evaluations.  Calls CHECK_FOR_INTERRUPTS()
 * every iteration.
 */
#define CLV_MAX_PARAMS 4
#define CLV_LOG_PARAM_BOX 15.0	/* |log-parameter| <= 15: parameters in [3e-7, 3.3e6] */
extern ClvMinimum clv_minimize(ClvObjective f, void *arg, double *theta, int n);

/* The digamma function psi(x) = d ln G(x) / dx for x > 0. */
extern double clv_digamma(double x);

/*
 * Objective with its gradient: returns f(theta) and fills grad[n]; +Inf
 * (or NaN) outside its domain, grad then unspecified.
 */
typedef double (*ClvObjectiveGrad) (const double *theta, double *grad, void *arg);

/*
 * Minimise f over the box |theta_j| <= CLV_LOG_PARAM_BOX from theta (in:
 * start, out: minimum) by BFGS on the inverse Hessian (Nocedal & Wright,
 * Numerical Optimization, 2nd ed., algorithm 6.1, with the initial scaling
 * of eq. 6.20) with a backtracking Armijo line search (their algorithm 3.1)
 * and the box kept by projection: a coordinate at its bound whose gradient
 * points outwards is held (the projected gradient of L-BFGS-B, Byrd, Lu,
 * Nocedal & Zhu 1995).  Converged when the projected gradient is below
 * 1e-8 (1 + |f|) in every coordinate (clv_fit then takes Newton steps), or when a step no longer changes f
 * or theta.  At most 500 iterations; CHECK_FOR_INTERRUPTS() every one.
 */
extern ClvMinimum clv_minimize_bfgs(ClvObjectiveGrad fg, void *arg, double *theta, int n);

/*
 * The Hessian of f at theta by central differences of its gradient (step
 * 1e-4 in each log-parameter, symmetrised), into hessian[n * n]; false when
 * a gradient on the way is not finite.
 */
extern bool clv_hessian(ClvObjectiveGrad fg, void *arg, const double *theta, int n,
						double *hessian);

/*
 * Invert the symmetric n x n matrix h (n <= CLV_MAX_PARAMS) by Cholesky
 * factorisation into inverse; false when it is not positive definite.
 */
extern bool clv_spd_inverse(const double *h, int n, double *inverse);

#endif							/* INSIGHT_SPECIAL_H */
