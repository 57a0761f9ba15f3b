/*-------------------------------------------------------------------------
 *
 * pnbd.c
 *	  The Pareto/NBD model of Schmittlein, Morrison & Colombo (1987),
 *	  "Counting Your Customers: Who Are They and What Will They Do Next?",
 *	  Management Science 33(1), 1-24, in the form of Fader & Hardie (2005),
 *	  "A Note on Deriving the Pareto/NBD Model and Related Expressions"
 *	  (brucehardie.com/notes/009, FH below): likelihood, fit, P(alive),
 *	  expected purchases and P(X(t) = n).
 *
 * While alive a customer buys as a Poisson process of rate lambda ~
 * Gamma(r, alpha); their lifetime is exponential with rate mu ~ Gamma(s,
 * beta).
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <float.h>
#include <math.h>

#include "fmgr.h"

#include "models/clv/clv_model.h"

/*
 * log 2F1(a, b; a+1; z) through Euler's transformation (Abramowitz & Stegun
 * 15.3.3): (1-z)^(1-b) 2F1(1, a+1-b; a+1; z), whose terms are positive and
 * below z^n, so it stays finite and converges fast for heavy buyers (large
 * a and b), where the direct series first grows like (1-z)^-b.
 */
static double
log_hyp2f1_c_a1(double a, double b, double z, long max_terms)
{
	return (1 - b) * log1p(-z) + clv_log_hyp2f1(1, a + 1 - b, a + 1, z, max_terms);
}

/*
 * ln(s I) where I = A_0 / (r+s+x) = int_{t_x}^{T} (alpha+tau)^-(r+x)
 * (beta+tau)^-(s+1) dtau: the probability-weighted chance of dying between
 * the last purchase and T (FH eq. 16-20).  -Inf when t_x = T.
 *
 * Series form, FH eq. (19)-(20) (lifetimes' ParetoNBDFitter._log_A_0):
 *	  A_0 = 2F1(r+s+x, B; r+s+x+1; |alpha-beta|/(M+t_x)) / (M+t_x)^(r+s+x)
 *		  - 2F1(r+s+x, B; r+s+x+1; |alpha-beta|/(M+T)) / (M+T)^(r+s+x),
 * M = max(alpha, beta), B = s+1 when alpha >= beta, r+x otherwise, the
 * difference taken in log space with log1mexp.  The series converge like
 * z^n, so when z = |alpha-beta|/(M+t_x) is close to 1 (one of alpha, beta
 * much larger than the other, as when a fit drifts to "no dropout") the
 * integral is taken instead by Gauss-Legendre quadrature after the change
 * of variable w = (alpha+tau)^-(r+x+s), which absorbs the power-law decay:
 *	  I = w(t_x)/k int_{w(T)/w(t_x)}^{1} (1 + (beta-alpha)/(alpha+tau))^-(s+1) dw',
 * k = r+x+s, on panels whose ends differ by a factor 4 in w' (16 nodes
 * each, from the top; panels whose whole measure is below machine
 * precision of the sum are skipped; the integrand is scaled by its larger
 * end, so it cannot overflow).
 */
#define PNBD_SERIES_MAX_Z 0.9

static double
pnbd_log_si_series(const double *p, double x, double t_x, double T, long max_terms)
{
	double		r = p[0],
				alpha = p[1],
				s = p[2],
				beta = p[3];
	double		m = Max(alpha, beta),
				diff = fabs(alpha - beta),
				b = alpha >= beta ? s + 1 : r + x,
				rsx = r + s + x;
	double		l1 = log_hyp2f1_c_a1(rsx, b, diff / (m + t_x), max_terms) - rsx * log(m + t_x);
	double		l2 = log_hyp2f1_c_a1(rsx, b, diff / (m + T), max_terms) - rsx * log(m + T);

	return log(s) + l1 + clv_log1mexp(l2 - l1) - log(rsx);
}

static double
pnbd_log_si_quadrature(const double *p, double x, double t_x, double T)
{
	double		r = p[0],
				alpha = p[1],
				s = p[2],
				beta = p[3];
	double		k = r + x + s,
				b = s + 1,
				d = beta - alpha;
	double		l_tx = log(alpha + t_x),
				log_range = k * (log(alpha + T) - l_tx);	/* ln(w(t_x)/w(T)) */
	/* the integrand is monotone: scale it by its larger end (it can overflow) */
	double		log_h_max = Max(-b * log1p(d / (alpha + t_x)), -b * log1p(d / (alpha + T)));
	double		sum = 0;
	const double *nodes,
			   *weights;

	clv_gauss_legendre_16(&nodes, &weights);
	for (double u_hi = 0; u_hi > -log_range; u_hi -= 2 * M_LN2)
	{
		double		u_lo = Max(u_hi - 2 * M_LN2, -log_range);
		double		w_lo = exp(u_lo),
					w_hi = exp(u_hi),
					half = (w_hi - w_lo) / 2,
					mid = (w_hi + w_lo) / 2;

		for (int i = 0; i < 16; i++)
		{
			double		w = mid + half * nodes[i];
			double		l = l_tx - log(w) / k;	/* ln(alpha + tau) */

			sum += half * weights[i] * exp(-b * log1p(d * exp(-l)) - log_h_max);
		}
		if (w_lo <= DBL_EPSILON * sum)
			break;
	}
	return log(s) - k * l_tx - log(k) + log_h_max + log(sum);
}

static double
pnbd_log_si(const double *p, double x, double t_x, double T, long max_terms)
{
	double		alpha = p[1],
				beta = p[3];

	if (t_x == T)
		return -INFINITY;
	if (fabs(alpha - beta) / (Max(alpha, beta) + t_x) <= PNBD_SERIES_MAX_Z)
		return pnbd_log_si_series(p, x, t_x, T, max_terms);
	return pnbd_log_si_quadrature(p, x, t_x, T);
}

/*
 * FH eq. (18):
 *	  L = G(r+x) alpha^r beta^s / G(r)
 *		  * [ 1/((alpha+T)^(r+x) (beta+T)^s) + s/(r+s+x) A_0 ].
 */
static double
pnbd_loglik(const double *p, double x, double t_x, double T, long max_terms)
{
	double		r = p[0],
				alpha = p[1],
				s = p[2],
				beta = p[3];

	return lgamma(r + x) - lgamma(r) + r * log(alpha) + s * log(beta) +
		clv_logaddexp(-(r + x) * log(alpha + T) - s * log(beta + T),
					  pnbd_log_si(p, x, t_x, T, max_terms));
}

static double
pnbd_negll(const double *theta, void *arg)
{
	const ClvRows *s = arg;
	double		p[4];
	double		ll = 0;

	for (int i = 0; i < 4; i++)
	{
		p[i] = exp(theta[i]);
		if (!(isfinite(p[i]) && p[i] > 0))
			return INFINITY;
	}
	for (int64 i = 0; i < s->nrows; i++)
	{
		const double *row = &s->rows[i * 4];

		ll += row[3] * pnbd_loglik(p, row[0], row[1], row[2], CLV_HYP2F1_FIT_TERMS);
	}
	return -ll;
}

PG_FUNCTION_INFO_V1(insight_pnbd_final);
Datum
insight_pnbd_final(PG_FUNCTION_ARGS)
{
	ClvRows    *s = clv_transaction_rows(fcinfo, INSIGHT_ALG_PNBD);

	if (s == NULL)
		PG_RETURN_NULL();
	PG_RETURN_BYTEA_P(clv_fit(s, INSIGHT_ALG_PNBD, pnbd_negll, NAN));
}

PG_FUNCTION_INFO_V1(insight_pnbd_model);
Datum
insight_pnbd_model(PG_FUNCTION_ARGS)
{
	return clv_model_from_args(fcinfo, INSIGHT_ALG_PNBD);
}

/*
 * FH eq. (36)-(37):
 *	  P(alive) = 1 / (1 + s/(r+s+x) (alpha+T)^(r+x) (beta+T)^s A_0),
 * exactly 1 when t_x = T (A_0 = 0).
 */
double
clv_pnbd_p_alive(const double *p, double x, double t_x, double T)
{
	double		r = p[0],
				alpha = p[1],
				s = p[2],
				beta = p[3];

	return 1.0 / (1.0 + exp((r + x) * log(alpha + T) + s * log(beta + T) +
							pnbd_log_si(p, x, t_x, T, CLV_HYP2F1_MAX_TERMS)));
}

/*
 * FH eq. (41):
 *	  E[Y(t) | x, t_x, T] = P(alive) (r+x)(beta+T) / ((alpha+T)(s-1))
 *							* [1 - ((beta+T)/(beta+T+t))^(s-1)],
 * the bracket over (s-1) taken by clv_one_minus_pow_over (continuous at
 * s = 1).  A new customer (x = t_x = T = 0) gives FH eq. (27).
 */
double
clv_pnbd_expected(const double *p, double t, double x, double t_x, double T)
{
	double		r = p[0],
				alpha = p[1],
				s = p[2],
				beta = p[3];

	if (t == 0)
		return 0.0;
	return clv_pnbd_p_alive(p, x, t_x, T) * (r + x) * (beta + T) / (alpha + T) *
		clv_one_minus_pow_over(s - 1, log((beta + T) / (beta + T + t)));
}

/* log 2F1 for P(X(t) = n), an error when the series does not converge */
static double
pnbd_log_hyp2f1(double a, double b, double c, double z)
{
	double		v = clv_log_hyp2f1(a, b, c, z, CLV_HYP2F1_MAX_TERMS);

	if (isnan(v))
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("hypergeometric series of the Pareto/NBD probability did not converge"),
				 errdetail("2F1(%g, %g; %g; %g) needs more than %d terms.",
						   a, b, c, z, CLV_HYP2F1_MAX_TERMS),
				 errhint("This happens for n far beyond what the model expects in t, or alpha and beta of very different size; use a smaller n or horizon.")));
	return v;
}

/*
 * FH eq. (24)-(26):
 *	  P(X(t) = n) = G(r+n)/(G(r) n!) (alpha/(alpha+t))^r (t/(alpha+t))^n (beta/(beta+t))^s
 *		  + alpha^r beta^s B(r+n, s+1)/B(r, s)
 *			* [ B_1 - sum_{i=0..n} G(r+s+i)/(G(r+s) i!) t^i B_2(i) ],
 * with, for alpha >= beta (M = alpha, B = s+1; else M = beta, B = r+n),
 *	  B_1 = 2F1(r+s, B; r+s+n+1; |alpha-beta|/M) / M^(r+s),
 *	  B_2(i) = 2F1(r+s+i, B; r+s+n+1; |alpha-beta|/(M+t)) / (M+t)^(r+s+i).
 */
double
clv_pnbd_pmf(const double *p, double n, double t)
{
	double		r = p[0],
				alpha = p[1],
				s = p[2],
				beta = p[3];
	double		m = Max(alpha, beta),
				diff = fabs(alpha - beta),
				b = alpha >= beta ? s + 1 : r + n,
				c = r + s + n + 1;
	double		first,
				log_b1,
				rest = 0;

	if (t == 0)
		return n == 0 ? 1.0 : 0.0;
	first = exp(lgamma(r + n) - lgamma(r) - lgamma(n + 1) + r * log(alpha / (alpha + t)) +
				n * log(t / (alpha + t)) + s * log(beta / (beta + t)));
	log_b1 = pnbd_log_hyp2f1(r + s, b, c, diff / m) - (r + s) * log(m);
	for (double i = 0; i <= n; i++)
	{
		double		log_b2 = lgamma(r + s + i) - lgamma(r + s) - lgamma(i + 1) + i * log(t) +
			pnbd_log_hyp2f1(r + s + i, b, c, diff / (m + t)) - (r + s + i) * log(m + t);

		rest += exp(log_b2 - log_b1);
	}
	return first + Max(0, exp(r * log(alpha) + s * log(beta) + clv_lbeta(r + n, s + 1) -
							  clv_lbeta(r, s) + log_b1) * (1 - rest));
}
