/*-------------------------------------------------------------------------
 *
 * bgnbd.c
 *	  The BG/NBD model of Fader, Hardie & Lee (2005), "Counting Your
 *	  Customers the Easy Way: An Alternative to the Pareto/NBD Model",
 *	  Marketing Science 24(2), 275-284 (FHL below): likelihood, fit,
 *	  P(alive), expected purchases and P(X(t) = n).
 *
 * While alive a customer buys as a Poisson process of rate lambda ~
 * Gamma(r, alpha); after each purchase they drop out with probability
 * p ~ Beta(a, b).
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <float.h>
#include <math.h>

#include "fmgr.h"
#include "miscadmin.h"

#include "models/clv/clv_model.h"

/*
 * Negative log-likelihood over log-parameters, FHL eq. (6) in log space as
 * in lifetimes' BetaGeoFitter:
 *	  ln L = ln G(r+x) - ln G(r) + r ln alpha + ln B(a, b+x) - ln B(a, b)
 *			 + ln[ (alpha+T)^-(r+x) + [x>0] a/(b+x-1) (alpha+t_x)^-(r+x) ]
 * The rows are sorted by x, so the x-only terms are computed once per x.
 *
 * The modified BG/NBD (MBG/NBD) of Batislam, Denizel & Filiztekin (2007),
 * "Empirical validation and comparison of models for customer base
 * analysis", IJRM 24(3), 201-209, lets a customer drop out right after the
 * first purchase too, so the dropout count is x+1 where BG/NBD has x (as in
 * BTYDplus's mbgnbd.LL):
 *	  ln L = ... + ln B(a, b+x+1) - ln B(a, b)
 *			 + ln[ (alpha+T)^-(r+x) + a/(b+x) (alpha+t_x)^-(r+x) ],
 * that is the BG/NBD terms with b+x replaced by b+x+k, k = 1, for every x.
 */
static double
bg_family_negll(const double *theta, void *arg, int k)
{
	const ClvRows *s = arg;
	double		r = exp(theta[0]),
				alpha = exp(theta[1]),
				a = exp(theta[2]),
				b = exp(theta[3]);
	double		lbeta_ab,
				lgamma_r,
				log_alpha;
	double		prev_x = -1,
				common = 0,
				log_drop = 0;
	double		ll = 0;

	if (!(isfinite(r) && isfinite(alpha) && isfinite(a) && isfinite(b) &&
		  r > 0 && alpha > 0 && a > 0 && b > 0))
		return INFINITY;
	lbeta_ab = clv_lbeta(a, b);
	lgamma_r = lgamma(r);
	log_alpha = log(alpha);

	for (int64 i = 0; i < s->nrows; i++)
	{
		const double *row = &s->rows[i * 4];
		double		x = row[0],
					t_x = row[1],
					T = row[2],
					w = row[3];
		double		l;

		if (x != prev_x)
		{
			common = lgamma(r + x) - lgamma_r + r * log_alpha + clv_lbeta(a, b + x + k) - lbeta_ab;
			log_drop = x + k > 0 ? log(a) - log(b + x + k - 1) : 0;
			prev_x = x;
		}
		l = -(r + x) * log(alpha + T);
		if (x + k > 0)
			l = clv_logaddexp(l, log_drop - (r + x) * log(alpha + t_x));
		ll += w * (common + l);
	}
	return -ll;
}

double
clv_bgnbd_negll(const double *theta, void *arg)
{
	return bg_family_negll(theta, arg, 0);
}

double
clv_mbgnbd_negll(const double *theta, void *arg)
{
	return bg_family_negll(theta, arg, 1);
}

/*
 * The same negative log-likelihood with its gradient in the log-parameters
 * (d/d ln r = r d/dr, ...).  Per row, with A = -(r+x) ln(alpha+T),
 * D = ln a - ln(b+x-1) - (r+x) ln(alpha+t_x) (x > 0) and w_A, w_D their
 * shares exp(. - logaddexp(A, D)):
 *	  d/dr	   = psi(r+x) - psi(r) + ln alpha - w_A ln(alpha+T) - w_D ln(alpha+t_x)
 *	  d/dalpha = r/alpha - (r+x) (w_A/(alpha+T) + w_D/(alpha+t_x))
 *	  d/da	   = psi(a+b) - psi(a+b+x) + w_D/a
 *	  d/db	   = psi(b+x) - psi(b) + psi(a+b) - psi(a+b+x) - w_D/(b+x-1)
 * (psi the digamma function; d ln B(a, b)/da = psi(a) - psi(a+b)); for
 * MBG/NBD (k = 1) with b+x+1 for b+x in the beta terms and D for every x.
 */
static double
bg_family_negll_grad(const double *theta, double *grad, void *arg, int k)
{
	const ClvRows *s = arg;
	double		r = exp(theta[0]),
				alpha = exp(theta[1]),
				a = exp(theta[2]),
				b = exp(theta[3]);
	double		lbeta_ab,
				lgamma_r,
				log_alpha,
				psi_r,
				psi_b,
				psi_ab;
	double		prev_x = -1,
				prev_tx = -1,
				log_atx = 0,
				common = 0,
				log_drop = 0,
				c_r = 0,
				c_a = 0,
				c_b = 0;
	double		ll = 0,
				g[4] = {0, 0, 0, 0};

	if (!(isfinite(r) && isfinite(alpha) && isfinite(a) && isfinite(b) &&
		  r > 0 && alpha > 0 && a > 0 && b > 0))
		return INFINITY;
	lbeta_ab = clv_lbeta(a, b);
	lgamma_r = lgamma(r);
	log_alpha = log(alpha);
	psi_r = clv_digamma(r);
	psi_b = clv_digamma(b);
	psi_ab = clv_digamma(a + b);

	for (int64 i = 0; i < s->nrows; i++)
	{
		const double *row = &s->rows[i * 4];
		double		x = row[0],
					t_x = row[1],
					T = row[2],
					w = row[3];
		double		l,
					log_aT = log(alpha + T),
					w_a = 1,
					w_d = 0;

		if (x != prev_x)
		{
			double		psi_abx = clv_digamma(a + b + x + k);

			common = lgamma(r + x) - lgamma_r + r * log_alpha + clv_lbeta(a, b + x + k) - lbeta_ab;
			log_drop = x + k > 0 ? log(a) - log(b + x + k - 1) : 0;
			c_r = clv_digamma(r + x) - psi_r + log_alpha;
			c_a = psi_ab - psi_abx;
			c_b = clv_digamma(b + x + k) - psi_b + psi_ab - psi_abx;
			prev_x = x;
		}
		l = -(r + x) * log_aT;
		if (x + k > 0)
		{
			double		d,
						e;

			if (t_x != prev_tx) /* rows sorted by x, then t_x: runs of one t_x */
				log_atx = log(alpha + t_x);
			prev_tx = t_x;
			d = log_drop - (r + x) * log_atx;
			/* logaddexp(l, d) and the shares with one exp */
			if (d <= l)
			{
				e = exp(d - l);
				w_a = 1 / (1 + e);
				w_d = e * w_a;
				l += log1p(e);
			}
			else
			{
				e = exp(l - d);
				w_d = 1 / (1 + e);
				w_a = e * w_d;
				l = d + log1p(e);
			}
			g[0] += w * (c_r - w_a * log_aT - w_d * log_atx);
			g[1] += w * (r / alpha - (r + x) * (w_a / (alpha + T) + w_d / (alpha + t_x)));
			g[2] += w * (c_a + w_d / a);
			g[3] += w * (c_b - w_d / (b + x + k - 1));
		}
		else
		{
			g[0] += w * (c_r - log_aT);
			g[1] += w * (r / alpha - r / (alpha + T));
			g[2] += w * c_a;
			g[3] += w * c_b;
		}
		ll += w * (common + l);
	}
	grad[0] = -g[0] * r;
	grad[1] = -g[1] * alpha;
	grad[2] = -g[2] * a;
	grad[3] = -g[3] * b;
	return -ll;
}

double
clv_bgnbd_negll_grad(const double *theta, double *grad, void *arg)
{
	return bg_family_negll_grad(theta, grad, arg, 0);
}

double
clv_mbgnbd_negll_grad(const double *theta, double *grad, void *arg)
{
	return bg_family_negll_grad(theta, grad, arg, 1);
}

PG_FUNCTION_INFO_V1(insight_bgnbd_final);
Datum
insight_bgnbd_final(PG_FUNCTION_ARGS)
{
	ClvRows    *s = clv_transaction_rows(fcinfo, INSIGHT_ALG_BGNBD);

	if (s == NULL)
		PG_RETURN_NULL();
	PG_RETURN_BYTEA_P(clv_fit(s, INSIGHT_ALG_BGNBD, clv_bgnbd_negll, clv_bgnbd_negll_grad, NAN));
}

PG_FUNCTION_INFO_V1(insight_bgnbd_model);
Datum
insight_bgnbd_model(PG_FUNCTION_ARGS)
{
	return clv_model_from_args(fcinfo, INSIGHT_ALG_BGNBD);
}

PG_FUNCTION_INFO_V1(insight_mbgnbd_final);
Datum
insight_mbgnbd_final(PG_FUNCTION_ARGS)
{
	ClvRows    *s = clv_transaction_rows(fcinfo, INSIGHT_ALG_MBGNBD);

	if (s == NULL)
		PG_RETURN_NULL();
	PG_RETURN_BYTEA_P(clv_fit(s, INSIGHT_ALG_MBGNBD, clv_mbgnbd_negll, clv_mbgnbd_negll_grad, NAN));
}

PG_FUNCTION_INFO_V1(insight_mbgnbd_model);
Datum
insight_mbgnbd_model(PG_FUNCTION_ARGS)
{
	return clv_model_from_args(fcinfo, INSIGHT_ALG_MBGNBD);
}

/*
 * FHL eq. (11) (also Fader, Hardie & Lee 2008, "Computing P(alive) using
 * the BG/NBD model"):
 *	  P(alive) = 1 / (1 + [x>0] a/(b+x-1) ((alpha+T)/(alpha+t_x))^(r+x)),
 * exactly 1 for x = 0, whatever b.  MBG/NBD (k = 1; Batislam et al. 2007,
 * BTYDplus's mbgnbd.PAlive): 1 / (1 + a/(b+x) ((alpha+T)/(alpha+t_x))^(r+x))
 * for every x.
 */
static double
bg_family_p_alive(const double *p, double x, double t_x, double T, int k)
{
	double		r = p[0],
				alpha = p[1],
				a = p[2],
				b = p[3];

	if (x + k == 0)
		return 1.0;
	return 1.0 / (1.0 + exp(log(a) - log(b + x + k - 1) +
							(r + x) * (log(alpha + T) - log(alpha + t_x))));
}

double
clv_bgnbd_p_alive(const double *p, double x, double t_x, double T)
{
	return bg_family_p_alive(p, x, t_x, T, 0);
}

double
clv_mbgnbd_p_alive(const double *p, double x, double t_x, double T)
{
	return bg_family_p_alive(p, x, t_x, T, 1);
}

/* The error for an expectation whose series did not converge or overflowed. */
static double
bgnbd_check_expected(double v, double t, double alpha_T)
{
	if (!isfinite(v))
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("hypergeometric series of the BG/NBD expectation did not converge"),
				 errdetail("The horizon t = %g is very long compared with alpha + T = %g, or the model's a and b are extreme.", t, alpha_T),
				 errhint("Use a shorter horizon, in the time unit of the model.")));
	return v;
}

/*
 * (a+b+x-1)/(a-1) [1 - (1-z)^(r+x) 2F1(r+x, b+x; c; z)] for e = a-1 > 0,
 * with u = r+x, v = b+x (see bgnbd_alive_expected).
 */
static double
bgnbd_expected_direct(double u, double v, double c, double e, double z, double log1mz)
{
	double		l = clv_log_hyp2f1(u, v, c, z, CLV_HYP2F1_MAX_TERMS);

	return -expm1(u * log1mz + l) * c / e;
}

/*
 * E[Y(t) | alive] = (a+v-1)/(a-1) [1 - (1-z)^u 2F1(u, v; a+v-1; z)]
 * (FHL eq. 10 without P(alive); u = r+x, v = b+x, z = t/(alpha+T+t)) for
 * c = a+v-1 > 0.
 *
 * With Euler's transformation (Abramowitz & Stegun 15.3.3),
 *	  (1-z)^u 2F1(u, v; c; z) = (1-z)^e 2F1(d, e; c; z),
 *	  d = c-u = a+b-1-r, e = a-1,
 * and 2F1(d, e; c; z) = 1 + e S, S = sum_{n>=1} (d)_n (e+1)_{n-1} / ((c)_n n!) z^n,
 * the bracket divided by (a-1) is
 *	  (1 - (1-z)^e) / e - (1-z)^e S,
 * which has no pole at a = 1 and no cancellation for small t.
 *
 * The terms of S grow until n is about e z d / c before they fall, and
 * (1-z)^e underflows: for large a and b (a fit on customers who hardly
 * ever drop out gives a ~ 1e6) the Euler form overflows.  There the
 * bracket is taken directly, 1 - exp(u ln(1-z) + ln 2F1(u, v; c; z))
 * by clv_log_hyp2f1 (positive terms, rescaled), whose terms grow only until
 * n is about u z v / c and which loses no precision once a is well
 * above 1: the form with the shorter growth is used.
 */
#define BGNBD_EULER_MAX_GROWTH 30.0
static double
bgnbd_alive_expected(double u, double v, double a, double t, double alpha_T)
{
	double		c = a + v - 1,
				d = c - u,
				e = a - 1;
	double		z = t / (alpha_T + t),
				log1mz = log1p(-z),
				term,
				sum = 0;
	long		n;

	Assert(c > 0);
	if (e * z * d / c > Max(BGNBD_EULER_MAX_GROWTH, u * z * v / c))
		return bgnbd_check_expected(bgnbd_expected_direct(u, v, c, e, z, log1mz), t, alpha_T);

	term = d / c * z;			/* n = 1 */
	for (n = 1; n < CLV_HYP2F1_MAX_TERMS; n++)
	{
		double		ratio = (d + n) * (e + n) / ((c + n) * (n + 1)) * z;
		double		bound = Max(fabs(ratio), z);

		/* once n > -d, (d + n) and so the terms keep their sign */
		bool		settled = d >= 0 || n > -d;

		sum += term;
		if (term == 0 && settled)
			break;				/* d a negative integer: the series ends */
		if (settled && fabs(ratio) < 1 &&
			fabs(term) * bound / (1 - bound) <= DBL_EPSILON * fabs(sum))
			break;
		term *= ratio;
		if ((n & 0xFFFF) == 0xFFFF)
			CHECK_FOR_INTERRUPTS();
	}
	if (n >= CLV_HYP2F1_MAX_TERMS)
		sum = NAN;
	return bgnbd_check_expected(c * (clv_one_minus_pow_over(e, log1mz) - exp(e * log1mz) * sum), t, alpha_T);
}

/*
 * E[1 - (1 + p t/(alpha+T))^-u] for p ~ Beta(a, v):
 *	  1 - (1-z)^u 2F1(u, v; a+v; z)
 * (the Euler integral, Abramowitz & Stegun 15.3.1, after Pfaff's
 * transformation 15.3.4), positive terms.  The series minus its first
 * term is summed on its own while it stays below 1, so a short horizon
 * keeps its relative precision (ln of 1 + a tiny sum would lose it).
 */
static double
bgnbd_one_purchase_term(double u, double v, double a, double t, double alpha_T)
{
	double		c = a + v,
				z = t / (alpha_T + t),
				term = 1,
				tail = 0,
				log_f = NAN;

	for (long n = 0; n < CLV_HYP2F1_MAX_TERMS; n++)
	{
		double		ratio = (u + n) * (v + n) / ((c + n) * (n + 1)) * z;
		double		bound = Max(ratio, z);

		term *= ratio;
		tail += term;
		if (tail > 1)
		{
			log_f = clv_log_hyp2f1(u, v, c, z, CLV_HYP2F1_MAX_TERMS);
			break;
		}
		if (ratio < 1 && term * bound / (1 - bound) <= DBL_EPSILON * tail)
		{
			log_f = log1p(tail);
			break;
		}
		if ((n & 0xFFFF) == 0xFFFF)
			CHECK_FOR_INTERRUPTS();
	}
	return bgnbd_check_expected(-expm1(u * log1p(-z) + log_f), t, alpha_T);
}

/*
 * FHL eq. (10):
 *	  E[Y(t) | x, t_x, T] = (a+b+x-1)/(a-1)
 *		  * [1 - (1-z)^(r+x) 2F1(r+x, b+x; a+b+x-1; z)] * P(alive),
 *	  z = t / (alpha+T+t),
 * for every valid model, E[X(t)] of a new customer (FHL eq. 9) being the
 * case x = t_x = T = 0.  Given alive the expectation is
 *	  E[(1 - (1 + p t/(alpha+T))^-(r+x)) / p],  p ~ Beta(a, b+x)
 * (FHL appendix: a customer of rate lambda and dropout p buys (1 -
 * e^(-lambda p t))/p times in t; lambda ~ Gamma(r+x, alpha+T)), finite for
 * every a, b > 0.  Eq. (10) is that integral by the Euler integral (A&S
 * 15.3.1), which needs c = a+b+x-1 > 0; for c <= 0 (a one-time buyer under
 * a + b <= 1, as fits on real data give: lifetimes issues #206 and #302)
 * 2F1 has a negative or zero c, whose pole at c = 0 the bracket's factor
 * c removes.  Splitting 1/p = 1 + (1-p)/p under the integral gives the
 * contiguous relation (in b, hence in c; the integral form of A&S 15.2.10
 * and 15.2.19)
 *	  E_v = v/(a+v) E_{v+1} + [1 - (1-z)^u 2F1(u, v; a+v; z)],
 * both terms positive, the first an eq. (10) with c = a+v >= 1.  It is
 * used whenever c < 1, so eq. (10) itself is only ever summed for c >= 1.
 *
 * MBG/NBD (k = 1): given alive p ~ Beta(a, b+x+1) (one more survived
 * dropout chance), so the same with v = b+x+1: (a+b+x)/(a-1) [1 -
 * (1-z)^(r+x) 2F1(r+x, b+x+1; a+b+x; z)] P(alive), as BTYDplus's
 * mbgnbd.ConditionalExpectedTransactions.
 */
static double
bg_family_expected(const double *p, double t, double x, double t_x, double T, int k)
{
	double		r = p[0],
				alpha = p[1],
				a = p[2],
				b = p[3];
	double		v = b + x + k,
				alive;

	if (t == 0)
		return 0.0;
	if (a + v - 1 >= 1)
		alive = bgnbd_alive_expected(r + x, v, a, t, alpha + T);
	else
		alive = v / (a + v) * bgnbd_alive_expected(r + x, v + 1, a, t, alpha + T) +
			bgnbd_one_purchase_term(r + x, v, a, t, alpha + T);
	return alive * bg_family_p_alive(p, x, t_x, T, k);
}

double
clv_bgnbd_expected(const double *p, double t, double x, double t_x, double T)
{
	return bg_family_expected(p, t, x, t_x, T, 0);
}

double
clv_mbgnbd_expected(const double *p, double t, double x, double t_x, double T)
{
	return bg_family_expected(p, t, x, t_x, T, 1);
}

/*
 * P(X(t) >= n) of the NBD with shape r and P(one more) q = t/(alpha+t):
 * 1 - the lower sum while that is accurate, else the upper tail summed.
 */
static double
nbd_upper_tail(double r, double log_p0, double q, double n)
{
	double		pmf = exp(log_p0);
	double		lower = 0;
	double		tail = 0;
	double		mode = Max(0, (r - 1) * q / (1 - q));

	for (double j = 0; j < n; j++)
	{
		lower += pmf;
		pmf *= (r + j) / (j + 1) * q;
		if (fmod(j, 65536) == 65535)
			CHECK_FOR_INTERRUPTS();
	}
	if (lower <= 0.5)
		return Max(0, 1 - lower);
	/* pmf is now P(X = n) */
	for (double j = n; j < n + CLV_HYP2F1_MAX_TERMS; j++)
	{
		tail += pmf;
		if (j > mode && pmf <= DBL_EPSILON * tail)
			break;
		pmf *= (r + j) / (j + 1) * q;
		if (fmod(j, 65536) == 65535)
			CHECK_FOR_INTERRUPTS();
	}
	return tail;
}

/*
 * FHL eq. (8):
 *	  P(X(t) = n) = B(a, b+n)/B(a, b) NBD(n; r, alpha/(alpha+t))
 *				  + [n>0] B(a+1, b+n-1)/B(a, b) P(NBD >= n);
 * MBG/NBD (k = 1: dropping out right after the n-th purchase, the first
 * at time 0 included) B(a, b+n+1)/B(a, b) NBD(n) + B(a+1, b+n)/B(a, b)
 * P(NBD >= n).
 */
static double
bg_family_pmf(const double *p, double n, double t, int k)
{
	double		r = p[0],
				alpha = p[1],
				a = p[2],
				b = p[3];
	double		log_p0,
				q,
				result;

	if (t == 0)
		return n == 0 ? 1.0 : 0.0;
	q = t / (alpha + t);
	log_p0 = r * log(alpha / (alpha + t));
	result = exp(clv_lbeta(a, b + n + k) - clv_lbeta(a, b) + lgamma(r + n) - lgamma(r) -
				 lgamma(n + 1) + log_p0 + n * log(q));
	if (n + k > 0)
		result += exp(clv_lbeta(a + 1, b + n + k - 1) - clv_lbeta(a, b)) *
			nbd_upper_tail(r, log_p0, q, n);
	return result;
}

double
clv_bgnbd_pmf(const double *p, double n, double t)
{
	return bg_family_pmf(p, n, t, 0);
}

double
clv_mbgnbd_pmf(const double *p, double n, double t)
{
	return bg_family_pmf(p, n, t, 1);
}
