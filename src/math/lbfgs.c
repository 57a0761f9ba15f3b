/*-------------------------------------------------------------------------
 *
 * lbfgs.c
 *	  Limited-memory BFGS (Nocedal 1980; Nocedal & Wright 2006, algorithm
 *	  7.4: the two-loop recursion, and 7.5), the first step scaled by
 *	  1 / |g| and later ones by gamma = s'y / y'y (their equation 7.20),
 *	  with a backtracking line search under the Armijo condition
 *	  f(x + a p) <= f(x) + 1e-4 a g'p (their algorithm 3.1).  A pair with
 *	  s'y <= 1e-10 |s| |y| is not kept (the curvature condition).
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "miscadmin.h"

#include "math/lbfgs.h"

static double
dot(const double *a, const double *b, int n)
{
	double		s = 0;

	for (int i = 0; i < n; i++)
		s += a[i] * b[i];
	return s;
}

static double
max_abs(const double *a, int n)
{
	double		m = 0;

	for (int i = 0; i < n; i++)
		m = Max(m, fabs(a[i]));
	return m;
}

Size
insight_lbfgs_bytes(int n, int m)
{
	return mul_size(mul_size((Size) (2 * m + 4), (Size) n), sizeof(double));
}

InsightLbfgsResult
insight_lbfgs(InsightLbfgsFn fg, void *arg, double *x, int n, int m,
			  int max_iterations, double gtol, const char *what)
{
	double	   *s = palloc_extended(mul_size(sizeof(double), mul_size(m, n)), MCXT_ALLOC_HUGE);
	double	   *y = palloc_extended(mul_size(sizeof(double), mul_size(m, n)), MCXT_ALLOC_HUGE);
	double	   *rho = palloc(sizeof(double) * m);
	double	   *alpha = palloc(sizeof(double) * m);
	double	   *g = palloc_extended(sizeof(double) * (Size) n, MCXT_ALLOC_HUGE);
	double	   *gnew = palloc_extended(sizeof(double) * (Size) n, MCXT_ALLOC_HUGE);
	double	   *p = palloc_extended(sizeof(double) * (Size) n, MCXT_ALLOC_HUGE);
	double	   *xnew = palloc_extended(sizeof(double) * (Size) n, MCXT_ALLOC_HUGE);
	int			kept = 0,
				newest = -1;
	double		gamma = 1;
	InsightLbfgsResult res;

	res.f = fg(x, g, arg);
	res.iterations = 0;
	res.gradient_norm = max_abs(g, n);
	res.converged = res.gradient_norm <= gtol;

	while (!res.converged && res.iterations < max_iterations)
	{
		double		gp,
					step,
					fnew;
		bool		first = kept == 0;

		CHECK_FOR_INTERRUPTS();

		/* p = -H g by the two-loop recursion */
		for (int i = 0; i < n; i++)
			p[i] = -g[i];
		for (int k = 0; k < kept; k++)
		{
			int			j = (newest - k + m) % m;

			alpha[j] = rho[j] * dot(s + (Size) j * n, p, n);
			for (int i = 0; i < n; i++)
				p[i] -= alpha[j] * y[(Size) j * n + i];
		}
		for (int i = 0; i < n; i++)
			p[i] *= gamma;
		for (int k = kept - 1; k >= 0; k--)
		{
			int			j = (newest - k + m) % m;
			double		beta = rho[j] * dot(y + (Size) j * n, p, n);

			for (int i = 0; i < n; i++)
				p[i] += (alpha[j] - beta) * s[(Size) j * n + i];
		}
		gp = dot(g, p, n);
		if (!(gp < 0))
		{
			/* not a descent direction (rounding): restart from -g */
			for (int i = 0; i < n; i++)
				p[i] = -g[i];
			gp = -dot(g, g, n);
			kept = 0;
			first = true;
		}
		step = first ? 1.0 / Max(sqrt(-gp), 1e-300) : 1.0;

		/* backtracking under the Armijo condition */
		for (;;)
		{
			for (int i = 0; i < n; i++)
				xnew[i] = x[i] + step * p[i];
			fnew = fg(xnew, gnew, arg);
			if (isfinite(fnew) && fnew <= res.f + 1e-4 * step * gp)
				break;
			step *= 0.5;
			if (step < 1e-20)
				break;
		}
		res.iterations++;
		if (step < 1e-20)
			break;				/* no progress possible */

		{
			int			j = (newest + 1) % m;
			double	   *sj = s + (Size) j * n;
			double	   *yj = y + (Size) j * n;
			double		sy,
						yy;
			double		fold = res.f;

			for (int i = 0; i < n; i++)
			{
				sj[i] = xnew[i] - x[i];
				yj[i] = gnew[i] - g[i];
			}
			sy = dot(sj, yj, n);
			yy = dot(yj, yj, n);
			if (sy > 1e-10 * sqrt(dot(sj, sj, n) * yy))
			{
				rho[j] = 1.0 / sy;
				gamma = sy / yy;
				newest = j;
				kept = Min(kept + 1, m);
			}
			else if (kept == m)
				kept--;			/* slot j, the oldest pair, was overwritten */
			memcpy(x, xnew, sizeof(double) * (Size) n);
			memcpy(g, gnew, sizeof(double) * (Size) n);
			res.f = fnew;
			res.gradient_norm = max_abs(g, n);
			res.converged = res.gradient_norm <= gtol;
			if (res.iterations % 10 == 0)
				ereport(NOTICE,
						(errmsg("%s: iteration %d, objective %.9g, gradient %.3g",
								what, res.iterations, res.f, res.gradient_norm)));
			if (fold - fnew <= 1e-15 * fabs(fold))
				break;
		}
	}

	pfree(s);
	pfree(y);
	pfree(rho);
	pfree(alpha);
	pfree(g);
	pfree(gnew);
	pfree(p);
	pfree(xnew);
	return res;
}
