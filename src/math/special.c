/*-------------------------------------------------------------------------
 *
 * special.c
 *	  Log-space arithmetic, the Gauss hypergeometric series and a
 *	  Nelder-Mead minimiser for the CLV models (see special.h).
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <float.h>
#include <math.h>

#include "miscadmin.h"

#include "math/special.h"

double
clv_lbeta(double a, double b)
{
	return lgamma(a) + lgamma(b) - lgamma(a + b);
}

double
clv_logaddexp(double x, double y)
{
	double		hi = Max(x, y);

	if (hi == -INFINITY)
		return -INFINITY;
	return hi + log1p(exp(Min(x, y) - hi));
}

/*
 * Maechler, M. (2012), "Accurately computing log(1 - exp(-|a|))", Rmpfr
 * vignette: log(-expm1(d)) near 0, log1p(-exp(d)) further out.
 */
double
clv_log1mexp(double d)
{
	if (!(d < 0))
		return -INFINITY;
	return d > -M_LN2 ? log(-expm1(d)) : log1p(-exp(d));
}

double
clv_log_hyp2f1(double a, double b, double c, double z, long max_terms)
{
	/* Rescale when the partial sum gets this large (all terms are positive). */
	const double big = 1e280;
	double		term = 1.0;
	double		sum = 1.0;
	double		log_scale = 0.0;

	if (z == 0.0)
		return 0.0;
	if (!(a > 0 && b > 0 && c > 0 && z > 0 && z < 1))
		return NAN;

	for (long n = 0; n < max_terms; n++)
	{
		/* term_{n+1} / term_n, A&S 15.1.1 */
		double		ratio = (a + n) * (b + n) / ((c + n) * (n + 1)) * z;
		double		bound;

		term *= ratio;
		sum += term;
		if (sum > big)
		{
			sum /= big;
			term /= big;
			log_scale += log(big);
		}
		/*
		 * Once the ratios are below 1, the rest of the series is at most a
		 * geometric series of ratio max(ratio, z): the ratio tends to z, from
		 * above or below.
		 */
		bound = Max(ratio, z);
		if (ratio < 1 && term * bound / (1 - bound) <= DBL_EPSILON * sum)
			return log_scale + log(sum);
		if ((n & 0xFFFF) == 0xFFFF)
			CHECK_FOR_INTERRUPTS();
	}
	return NAN;
}

double
clv_one_minus_pow_over(double k, double log_q)
{
	if (fabs(k * log_q) < 1e-300 || k == 0)
		return -log_q;
	return -expm1(k * log_q) / k;
}

void
clv_gauss_legendre_16(const double **nodes, const double **weights)
{
	static double x[16];
	static double w[16];
	static bool done = false;

	if (!done)
	{
		const int	n = 16;

		for (int i = 0; i < (n + 1) / 2; i++)
		{
			double		z = cos(M_PI * (i + 0.75) / (n + 0.5));
			double		pp = 0;

			for (int it = 0; it < 100; it++)
			{
				double		p1 = 1,
							p2 = 0,
							z1;

				for (int j = 1; j <= n; j++)
				{
					double		p3 = p2;

					p2 = p1;
					p1 = ((2 * j - 1) * z * p2 - (j - 1) * p3) / j;
				}
				pp = n * (z * p1 - p2) / (z * z - 1);	/* P_n'(z) */
				z1 = z;
				z = z1 - p1 / pp;
				if (fabs(z - z1) < 1e-15)
					break;
			}
			x[i] = -z;
			x[n - 1 - i] = z;
			w[i] = w[n - 1 - i] = 2 / ((1 - z * z) * pp * pp);
		}
		done = true;
	}
	*nodes = x;
	*weights = w;
}

/* ---------------------------------------------------------------------------
 * Nelder-Mead
 * ---------------------------------------------------------------------------
 */
#define NM_MAX_ITERATIONS 5000	/* per run */
#define NM_MAX_EVALUATIONS 20000	/* all runs */
#define NM_MAX_RESTARTS 20
#define NM_FTOL 1e-13			/* relative spread of the simplex values */
#define NM_XTOL 1e-9			/* simplex diameter in log-parameters */

typedef struct NelderMead
{
	ClvObjective f;
	void	   *arg;
	int			n;
	double		x[CLV_MAX_PARAMS + 1][CLV_MAX_PARAMS];
	double		fx[CLV_MAX_PARAMS + 1];
	int			evaluations;
} NelderMead;

/*
 * The objective, +Inf outside the box (which keeps a model whose maximum is
 * on the boundary, e.g. no dropout at all, from running off to parameters
 * that overflow) or where it is not a number or -Inf (an overflow, never a
 * real likelihood of +Inf).
 */
static double
nm_eval(NelderMead *nm, const double *x)
{
	double		v;

	for (int j = 0; j < nm->n; j++)
		if (!(fabs(x[j]) <= CLV_LOG_PARAM_BOX))
			return INFINITY;
	v = nm->f(x, nm->arg);
	nm->evaluations++;
	return isnan(v) || v == -INFINITY ? INFINITY : v;
}

/* Order the vertices by objective value, best first (insertion sort). */
static void
nm_sort(NelderMead *nm)
{
	for (int i = 1; i <= nm->n; i++)
		for (int j = i; j > 0 && nm->fx[j] < nm->fx[j - 1]; j--)
		{
			double		t = nm->fx[j];
			double		tx[CLV_MAX_PARAMS];

			nm->fx[j] = nm->fx[j - 1];
			nm->fx[j - 1] = t;
			memcpy(tx, nm->x[j], sizeof(tx));
			memcpy(nm->x[j], nm->x[j - 1], sizeof(tx));
			memcpy(nm->x[j - 1], tx, sizeof(tx));
		}
}

static bool
nm_converged(const NelderMead *nm)
{
	double		diameter = 0;

	if (!isfinite(nm->fx[nm->n]))
		return false;
	if (nm->fx[nm->n] - nm->fx[0] > NM_FTOL * (1 + fabs(nm->fx[0])))
		return false;
	for (int i = 1; i <= nm->n; i++)
		for (int j = 0; j < nm->n; j++)
			diameter = Max(diameter, fabs(nm->x[i][j] - nm->x[0][j]));
	return diameter <= NM_XTOL;
}

/* point = c + coef * (c - worst) */
static void
nm_point(const NelderMead *nm, const double *c, double coef, double *point)
{
	for (int j = 0; j < nm->n; j++)
		point[j] = c[j] + coef * (c[j] - nm->x[nm->n][j]);
}

/* One run from theta with the given initial step; returns true if converged. */
static bool
nm_run(NelderMead *nm, double *theta, double step, int *iterations)
{
	int			n = nm->n;

	for (int i = 0; i <= n; i++)
	{
		memcpy(nm->x[i], theta, sizeof(double) * n);
		if (i > 0)
			nm->x[i][i - 1] += step;
		nm->fx[i] = nm_eval(nm, nm->x[i]);
	}

	for (int it = 0; it < NM_MAX_ITERATIONS && nm->evaluations < NM_MAX_EVALUATIONS; it++)
	{
		double		c[CLV_MAX_PARAMS] = {0};
		double		xr[CLV_MAX_PARAMS],
					xe[CLV_MAX_PARAMS],
					xc[CLV_MAX_PARAMS];
		double		fr,
					fe,
					fc;
		bool		shrink = false;

		CHECK_FOR_INTERRUPTS();
		nm_sort(nm);
		if (nm_converged(nm))
		{
			memcpy(theta, nm->x[0], sizeof(double) * n);
			return true;
		}
		(*iterations)++;

		for (int i = 0; i < n; i++)
			for (int j = 0; j < n; j++)
				c[j] += nm->x[i][j] / n;

		nm_point(nm, c, 1.0, xr);	/* reflection */
		fr = nm_eval(nm, xr);
		if (fr < nm->fx[0])
		{
			nm_point(nm, c, 2.0, xe);	/* expansion */
			fe = nm_eval(nm, xe);
			if (fe < fr)
			{
				memcpy(nm->x[n], xe, sizeof(double) * n);
				nm->fx[n] = fe;
			}
			else
			{
				memcpy(nm->x[n], xr, sizeof(double) * n);
				nm->fx[n] = fr;
			}
		}
		else if (fr < nm->fx[n - 1])
		{
			memcpy(nm->x[n], xr, sizeof(double) * n);
			nm->fx[n] = fr;
		}
		else
		{
			if (fr < nm->fx[n])
			{
				nm_point(nm, c, 0.5, xc);	/* outside contraction */
				fc = nm_eval(nm, xc);
				shrink = !(fc <= fr);
			}
			else
			{
				nm_point(nm, c, -0.5, xc);	/* inside contraction */
				fc = nm_eval(nm, xc);
				shrink = !(fc < nm->fx[n]);
			}
			if (!shrink)
			{
				memcpy(nm->x[n], xc, sizeof(double) * n);
				nm->fx[n] = fc;
			}
			else
			{
				for (int i = 1; i <= n; i++)
				{
					for (int j = 0; j < n; j++)
						nm->x[i][j] = nm->x[0][j] + 0.5 * (nm->x[i][j] - nm->x[0][j]);
					nm->fx[i] = nm_eval(nm, nm->x[i]);
				}
			}
		}
	}
	nm_sort(nm);
	memcpy(theta, nm->x[0], sizeof(double) * n);
	return false;
}

ClvMinimum
clv_minimize(ClvObjective f, void *arg, double *theta, int n)
{
	NelderMead	nm;
	ClvMinimum	result;
	double		previous = INFINITY;
	bool		settled = false;

	Assert(n >= 1 && n <= CLV_MAX_PARAMS);
	memset(&nm, 0, sizeof(nm));
	nm.f = f;
	nm.arg = arg;
	nm.n = n;
	memset(&result, 0, sizeof(result));

	for (int restart = 0; restart < NM_MAX_RESTARTS && nm.evaluations < NM_MAX_EVALUATIONS; restart++)
	{
		/* a wide first simplex, then small ones around the best point */
		result.converged = nm_run(&nm, theta, restart == 0 ? 0.5 : 0.05,
								  &result.iterations);
		result.value = nm.fx[0];
		if (!isfinite(result.value))
			break;
		if (result.converged && previous - result.value <= NM_FTOL * (1 + fabs(result.value)))
		{
			settled = true;
			break;
		}
		previous = result.value;
	}
	/* converged: a restart from the minimum found no better point */
	result.converged = settled;
	result.evaluations = nm.evaluations;
	return result;
}

/* ---------------------------------------------------------------------------
 * Digamma, BFGS, Hessian
 * ---------------------------------------------------------------------------
 */

/*
 * psi(x) for x > 0: the recurrence psi(x) = psi(x+1) - 1/x up to x >= 6,
 * then the asymptotic series psi(x) ~ ln x - 1/(2x) - sum B_2k / (2k x^2k)
 * (Abramowitz & Stegun 6.3.5 and 6.3.18), to 1/x^12: below 1e-16
 * relative from x = 6.
 */
double
clv_digamma(double x)
{
	double		shift = 0,
				inv2;

	if (!(x > 0))
		return NAN;
	while (x < 6)
	{
		shift -= 1 / x;
		x += 1;
	}
	inv2 = 1 / (x * x);
	return shift + log(x) - 0.5 / x -
		inv2 * (1.0 / 12 - inv2 * (1.0 / 120 - inv2 * (1.0 / 252 - inv2 * (1.0 / 240 -
																	   inv2 * (1.0 / 132 - inv2 * 691.0 / 32760)))));
}

#define BFGS_MAX_ITERATIONS 500
#define BFGS_GTOL 1e-8			/* projected gradient, relative to 1 + |f| */
#define BFGS_MAX_STEP 3.0		/* largest change of a log-parameter in one step */
#define BFGS_ARMIJO 1e-4

typedef struct Bfgs
{
	ClvObjectiveGrad fg;
	void	   *arg;
	int			n;
	int			evaluations;
} Bfgs;

static double
bfgs_eval(Bfgs *b, const double *x, double *g)
{
	double		v = b->fg(x, g, b->arg);

	b->evaluations++;
	if (isnan(v) || v == -INFINITY)
		return INFINITY;
	for (int j = 0; j < b->n && isfinite(v); j++)
		if (!isfinite(g[j]))
			v = INFINITY;
	return v;
}

/* Coordinate j is held at its bound: there, with the gradient pushing out. */
static bool
bfgs_held(double theta, double g)
{
	return (theta >= CLV_LOG_PARAM_BOX && g < 0) || (theta <= -CLV_LOG_PARAM_BOX && g > 0);
}

ClvMinimum
clv_minimize_bfgs(ClvObjectiveGrad fg, void *arg, double *theta, int n)
{
	Bfgs		b = {fg, arg, n, 0};
	ClvMinimum	result;
	double		h[CLV_MAX_PARAMS][CLV_MAX_PARAMS];
	double		g[CLV_MAX_PARAMS],
				f;
	bool		fresh = true;	/* h is the identity, not yet scaled */

	Assert(n >= 1 && n <= CLV_MAX_PARAMS);
	memset(&result, 0, sizeof(result));
	for (int j = 0; j < n; j++)
		theta[j] = Max(-CLV_LOG_PARAM_BOX, Min(CLV_LOG_PARAM_BOX, theta[j]));
	f = bfgs_eval(&b, theta, g);
	result.value = f;
	if (!isfinite(f))
	{
		result.evaluations = b.evaluations;
		return result;
	}
	for (int i = 0; i < n; i++)
		for (int j = 0; j < n; j++)
			h[i][j] = i == j;

	for (int it = 0; it < BFGS_MAX_ITERATIONS; it++)
	{
		double		d[CLV_MAX_PARAMS],
					xn[CLV_MAX_PARAMS],
					gn[CLV_MAX_PARAMS],
					s[CLV_MAX_PARAMS],
					y[CLV_MAX_PARAMS],
					pg[CLV_MAX_PARAMS];
		double		fn = INFINITY,
					slope = 0,
					biggest = 0,
					step = 1,
					gmax = 0,
					sy = 0,
					yy = 0,
					ss = 0;
		bool		accepted = false;

		CHECK_FOR_INTERRUPTS();
		for (int j = 0; j < n; j++)
		{
			pg[j] = bfgs_held(theta[j], g[j]) ? 0 : g[j];
			gmax = Max(gmax, fabs(pg[j]));
		}
		if (gmax <= BFGS_GTOL * (1 + fabs(f)))
		{
			result.converged = true;
			break;
		}
		result.iterations++;
		for (int i = 0; i < n; i++)
		{
			d[i] = 0;
			for (int j = 0; j < n; j++)
				d[i] -= h[i][j] * pg[j];
		}
		for (int j = 0; j < n; j++)
		{
			if (bfgs_held(theta[j], g[j]))
				d[j] = 0;
			slope += d[j] * g[j];
			biggest = Max(biggest, fabs(d[j]));
		}
		if (!(slope < 0))
		{
			/* not a descent direction: restart from steepest descent */
			for (int i = 0; i < n; i++)
				for (int j = 0; j < n; j++)
					h[i][j] = i == j;
			fresh = true;
			slope = 0;
			biggest = 0;
			for (int j = 0; j < n; j++)
			{
				d[j] = -pg[j];
				slope += d[j] * g[j];
				biggest = Max(biggest, fabs(d[j]));
			}
		}
		if (biggest > BFGS_MAX_STEP)
			step = BFGS_MAX_STEP / biggest;
		if (fresh && it == 0)
			step = Min(step, 1 / biggest);	/* first step: unit length (N&W p. 143) */

		/* backtracking (Armijo) on the projected path */
		for (int tries = 0; tries < 60; tries++)
		{
			double		decrease = 0;

			for (int j = 0; j < n; j++)
			{
				xn[j] = Max(-CLV_LOG_PARAM_BOX, Min(CLV_LOG_PARAM_BOX, theta[j] + step * d[j]));
				decrease += g[j] * (xn[j] - theta[j]);
			}
			fn = bfgs_eval(&b, xn, gn);
			if (fn <= f + BFGS_ARMIJO * decrease)
			{
				accepted = true;
				break;
			}
			/*
			 * the minimum of the quadratic through f, the slope and fn
			 * (Nocedal & Wright eq. 3.57), kept within [0.1, 0.5] of the
			 * step; halving where fn is not finite
			 */
			if (isfinite(fn) && decrease < 0)
			{
				double		next = -decrease / (2 * (fn - f - decrease));

				step *= Max(0.1, Min(0.5, next));
			}
			else
				step *= 0.5;
		}
		if (!accepted)
		{
			if (fresh)
			{
				/* even a tiny steepest-descent step does not help: as far as f resolves */
				result.converged = true;
				break;
			}
			for (int i = 0; i < n; i++)
				for (int j = 0; j < n; j++)
					h[i][j] = i == j;
			fresh = true;
			continue;
		}
		for (int j = 0; j < n; j++)
		{
			s[j] = xn[j] - theta[j];
			y[j] = gn[j] - g[j];
			sy += s[j] * y[j];
			yy += y[j] * y[j];
			ss += s[j] * s[j];
		}
		if (sy > 1e-12 * sqrt(ss * yy))
		{
			double		hy[CLV_MAX_PARAMS],
						yhy = 0,
						rho = 1 / sy;

			if (fresh)
			{
				/* Nocedal & Wright eq. 6.20 */
				for (int j = 0; j < n; j++)
					h[j][j] = sy / yy;
				fresh = false;
			}
			for (int i = 0; i < n; i++)
			{
				hy[i] = 0;
				for (int j = 0; j < n; j++)
					hy[i] += h[i][j] * y[j];
				yhy += y[i] * hy[i];
			}
			/* H += (1 + rho y'Hy) rho s s' - rho (H y s' + s y'H) */
			for (int i = 0; i < n; i++)
				for (int j = 0; j < n; j++)
					h[i][j] += (1 + rho * yhy) * rho * s[i] * s[j] - rho * (hy[i] * s[j] + s[i] * hy[j]);
		}
		{
			bool		still = f - fn <= DBL_EPSILON * fabs(f) && sqrt(ss) <= 1e-12;

			memcpy(theta, xn, sizeof(double) * n);
			memcpy(g, gn, sizeof(double) * n);
			f = fn;
			if (still)
			{
				result.converged = true;
				break;
			}
		}
	}
	result.value = f;
	result.evaluations = b.evaluations;
	return result;
}

#define HESSIAN_STEP 1e-4

bool
clv_hessian(ClvObjectiveGrad fg, void *arg, const double *theta, int n, double *hessian)
{
	double		x[CLV_MAX_PARAMS],
				gp[CLV_MAX_PARAMS],
				gm[CLV_MAX_PARAMS];

	for (int i = 0; i < n; i++)
	{
		CHECK_FOR_INTERRUPTS();
		memcpy(x, theta, sizeof(double) * n);
		x[i] = theta[i] + HESSIAN_STEP;
		if (!isfinite(fg(x, gp, arg)))
			return false;
		x[i] = theta[i] - HESSIAN_STEP;
		if (!isfinite(fg(x, gm, arg)))
			return false;
		for (int j = 0; j < n; j++)
		{
			if (!isfinite(gp[j]) || !isfinite(gm[j]))
				return false;
			hessian[i * n + j] = (gp[j] - gm[j]) / (2 * HESSIAN_STEP);
		}
	}
	for (int i = 0; i < n; i++)
		for (int j = 0; j < i; j++)
			hessian[i * n + j] = hessian[j * n + i] =
				(hessian[i * n + j] + hessian[j * n + i]) / 2;
	return true;
}

bool
clv_spd_inverse(const double *h, int n, double *inverse)
{
	double		l[CLV_MAX_PARAMS][CLV_MAX_PARAMS] = {{0}};

	/* Cholesky: h = L L' */
	for (int j = 0; j < n; j++)
	{
		double		diag = h[j * n + j];

		for (int k = 0; k < j; k++)
			diag -= l[j][k] * l[j][k];
		if (!(diag > 0) || !isfinite(diag))
			return false;
		l[j][j] = sqrt(diag);
		for (int i = j + 1; i < n; i++)
		{
			double		v = h[i * n + j];

			for (int k = 0; k < j; k++)
				v -= l[i][k] * l[j][k];
			l[i][j] = v / l[j][j];
		}
	}
	/* columns of the inverse: solve L L' x = e_c */
	for (int c = 0; c < n; c++)
	{
		double		z[CLV_MAX_PARAMS];

		for (int i = 0; i < n; i++)
		{
			double		v = i == c;

			for (int k = 0; k < i; k++)
				v -= l[i][k] * z[k];
			z[i] = v / l[i][i];
		}
		for (int i = n - 1; i >= 0; i--)
		{
			double		v = z[i];

			for (int k = i + 1; k < n; k++)
				v -= l[k][i] * inverse[k * n + c];
			inverse[i * n + c] = v / l[i][i];
		}
	}
	return true;
}
