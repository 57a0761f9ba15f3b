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
#include "miscadmin.h"

#include "models/clv/clv_model.h"

/*
 * log 2F1(a, b; a+1; z) through Euler's transformation (Abramowitz & Stegun
 * 15.3.3): (1-z)^(1-b) 2F1(1, a+1-b; a+1; z), whose terms are positive and
 * below z^n, so it stays finite and converges fast for heavy buyers (large
 * a and b), where the direct series first grows like (1-z)^-b.  The caller
 * passes a+1-b itself (r+x or s+1): computed as a+1-b it would cancel to 0
 * for a frequency of 1e16 or more.
 */
static double
log_hyp2f1_c_a1(double a, double b, double a1mb, double z, long max_terms)
{
	return (1 - b) * log1p(-z) + clv_log_hyp2f1(1, a1mb, a + 1, z, max_terms);
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
 * integral is taken by quadrature instead (pnbd_log_si_quadrature).
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
				a1mb = alpha >= beta ? r + x : s + 1,
				rsx = r + s + x;
	double		l1 = log_hyp2f1_c_a1(rsx, b, a1mb, diff / (m + t_x), max_terms) - rsx * log(m + t_x);
	double		l2 = log_hyp2f1_c_a1(rsx, b, a1mb, diff / (m + T), max_terms) - rsx * log(m + T);

	return log(s) + l1 + clv_log1mexp(l2 - l1) - log(rsx);
}

/*
 * The integral by quadrature in u = ln((alpha+tau)/(alpha+t_x)), u in
 * [0, L], L = ln((alpha+T)/(alpha+t_x)) (at most ~1400 for doubles):
 *	  I = (alpha+t_x)^(1-r-x) (beta+t_x)^-(s+1) int_0^L exp(psi(u)) du,
 *	  psi(u) = (1-r-x) u - (s+1) ln(1 + c expm1(u)),  c = (alpha+t_x)/(beta+t_x).
 * psi'(u) = (1-r-x) - (s+1) y, y = (alpha+tau)/(beta+tau) monotone in tau,
 * so psi has at most one critical point, where y = (1-r-x)/(s+1); there the
 * interval is split into pieces on which psi is monotone.  Each piece is
 * integrated from its higher end by 16-point Gauss-Legendre panels that
 * halve while psi falls by more than 16 across a panel and double while it
 * falls by less than 4 (the rule's error for exp(-16 u) on [0, 1] is about
 * 16^32 (16!)^4 / (33 (32!)^3) ~ 1e-16, Abramowitz & Stegun 25.4.30), until the rest of the piece (its length times the
 * integrand at the panel's far end, a bound since psi is monotone there)
 * is below machine precision of the piece's sum.  A sharp peak of any
 * width (frequency up to 2^53, alpha and beta over the whole range of
 * doubles) costs a few dozen panels, never a number that grows with them.
 */
typedef struct PnbdPsi
{
	double		slope;			/* 1 - r - x */
	double		power;			/* s + 1 */
	double		log_c;			/* ln((alpha+t_x)/(beta+t_x)) */
} PnbdPsi;

static double
pnbd_psi(const PnbdPsi *f, double u)
{
	/* ln(expm1(u)) without overflow for large u (-Inf at u = 0) */
	double		log_em1 = u > 30 ? u + log1p(-exp(-u)) : log(expm1(u));

	return f->slope * u - f->power * clv_logaddexp(0, f->log_c + log_em1);
}

#define PNBD_MAX_PANELS 100000
#define PNBD_PANEL_MAX_DROP 16.0	/* 16-point Gauss-Legendre: exp(-16 u) on [0, 1] to ~1e-16 */

/* ln of the integral of exp(psi) from 'from' to 'to', psi falling from 'from' */
static double
pnbd_log_piece(const PnbdPsi *f, double from, double to)
{
	double		dir = to > from ? 1 : -1,
				len = fabs(to - from),
				psi0 = pnbd_psi(f, from),
				pos = 0,
				h = len,
				sum = 0;
	const double *nodes,
			   *weights;

	if (len == 0)
		return -INFINITY;
	clv_gauss_legendre_16(&nodes, &weights);
	for (int panel = 0; pos < len; panel++)
	{
		double		psi_a = pnbd_psi(f, from + dir * pos),
					end,
					psi_b,
					half;

		CHECK_FOR_INTERRUPTS();
		if (panel >= PNBD_MAX_PANELS)
			ereport(ERROR,
					(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
					 errmsg("Pareto/NBD integral did not converge in %d panels", PNBD_MAX_PANELS),
					 errdetail("The model's parameters or the customer's summary are extreme."),
					 errhint("Check the parameters of the model and the units of frequency, recency and T.")));
		h = Min(h, len - pos);
		for (;;)
		{
			end = pos + h;
			psi_b = pnbd_psi(f, from + dir * end);
			if (!(psi_a - psi_b > PNBD_PANEL_MAX_DROP) || end - pos <= len * DBL_EPSILON)
				break;
			h /= 2;
		}
		half = (end - pos) / 2;
		for (int i = 0; i < 16; i++)
			sum += half * weights[i] *
				exp(pnbd_psi(f, from + dir * (pos + half * (1 + nodes[i]))) - psi0);
		pos = end;
		if ((len - pos) * exp(psi_b - psi0) <= DBL_EPSILON * sum)
			break;
		if (psi_a - psi_b < PNBD_PANEL_MAX_DROP / 4)
			h *= 2;
	}
	return psi0 + log(sum);
}

static double
pnbd_log_si_quadrature(const double *p, double x, double t_x, double T)
{
	double		r = p[0],
				alpha = p[1],
				s = p[2],
				beta = p[3];
	PnbdPsi		f;
	double		len = log1p((T - t_x) / (alpha + t_x)),
				split = -1,
				rho = (1 - r - x) / (s + 1),
				pieces;

	f.slope = 1 - r - x;
	f.power = s + 1;
	f.log_c = log(alpha + t_x) - log(beta + t_x);
	/* the critical point: (alpha+tau)/(beta+tau) = rho */
	if (rho > 0 && rho != 1)
	{
		double		tau = (rho * beta - alpha) / (1 - rho);

		if (tau > t_x && tau < T)
			split = log1p((tau - t_x) / (alpha + t_x));
	}
	if (split > 0 && split < len)
	{
		/* two monotone pieces, each from its higher end */
		double		psi_0 = pnbd_psi(&f, 0),
					psi_s = pnbd_psi(&f, split),
					psi_l = pnbd_psi(&f, len);

		pieces = clv_logaddexp(psi_0 > psi_s ? pnbd_log_piece(&f, 0, split)
							   : pnbd_log_piece(&f, split, 0),
							   psi_l > psi_s ? pnbd_log_piece(&f, len, split)
							   : pnbd_log_piece(&f, split, len));
	}
	else
		pieces = pnbd_psi(&f, 0) >= pnbd_psi(&f, len) ? pnbd_log_piece(&f, 0, len)
			: pnbd_log_piece(&f, len, 0);
	return log(s) + (1 - r - x) * log(alpha + t_x) - (s + 1) * log(beta + t_x) + pieces;
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

double
clv_pnbd_negll(const double *theta, void *arg)
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

/*
 * L = (1-B) ln(1-z) + ln G, G = 2F1(1, A1; C; z) = sum_n t_n, t_0 = 1,
 * t_{n+1} = t_n (A1+n)/(C+n) z (log_hyp2f1_c_a1 with B = a+1-A1, C = a+1),
 * and its partial derivatives by the series differentiated term by term:
 * d t_n/dA1 = t_n sum_{j<n} 1/(A1+j), d t_n/dC = -t_n sum_{j<n} 1/(C+j),
 * d t_n/dz = n t_n / z.  For z <= PNBD_SERIES_MAX_Z, where A1 < C makes
 * every ratio below z: at most a few hundred terms, no rescaling.
 */
typedef struct PnbdSeries
{
	double		value;			/* L */
	double		d_b;
	double		d_a1;
	double		d_c;
	double		d_z;
} PnbdSeries;

static PnbdSeries
pnbd_series_derivs(double b, double a1, double c, double z)
{
	PnbdSeries	out;
	double		t = 1,
				g = 1,
				g_a = 0,
				g_c = 0,
				g_z = 0,
				s_a = 0,
				s_c = 0;

	for (long n = 0; n < CLV_HYP2F1_FIT_TERMS; n++)
	{
		double		ratio = (a1 + n) / (c + n);

		/* t_{n+1} and its sums; t_{n+1}/z = t_n ratio, so d/dz needs no 1/z */
		g_z += (n + 1) * t * ratio;
		s_a += 1 / (a1 + n);
		s_c += 1 / (c + n);
		t *= ratio * z;
		g += t;
		g_a += t * s_a;
		g_c -= t * s_c;
		if (t * (n + 2 + s_a + s_c) <= 1e-17 * g * (1 - z) * (1 - z))
			break;
	}
	out.value = (1 - b) * log1p(-z) + log(g);
	out.d_b = -log1p(-z);
	out.d_a1 = g_a / g;
	out.d_c = g_c / g;
	out.d_z = -(1 - b) / (1 - z) + g_z / g;
	return out;
}

/*
 * ln F(t) of FH eq. (19)-(20), F(t) = 2F1(k, B; k+1; z) / (M+t)^k, and its
 * gradient in (r, alpha, s, beta) (see pnbd_log_si_series).
 */
static double
pnbd_log_f_grad(const double *p, double x, double t, double *grad)
{
	double		r = p[0],
				alpha = p[1],
				s = p[2],
				beta = p[3],
				k = r + s + x;
	PnbdSeries	l;

	if (alpha >= beta)
	{
		double		m = alpha + t;

		l = pnbd_series_derivs(s + 1, r + x, k + 1, (alpha - beta) / m);
		grad[0] = l.d_a1 + l.d_c - log(m);
		grad[1] = l.d_z * (beta + t) / (m * m) - k / m;
		grad[2] = l.d_b + l.d_c - log(m);
		grad[3] = -l.d_z / m;
		return l.value - k * log(m);
	}
	else
	{
		double		m = beta + t;

		l = pnbd_series_derivs(r + x, s + 1, k + 1, (beta - alpha) / m);
		grad[0] = l.d_b + l.d_c - log(m);
		grad[1] = -l.d_z / m;
		grad[2] = l.d_a1 + l.d_c - log(m);
		grad[3] = l.d_z * (alpha + t) / (m * m) - k / m;
		return l.value - k * log(m);
	}
}

/*
 * ln(s I) (pnbd_log_si) with its gradient in (r, alpha, s, beta): by the
 * differentiated series where the series converge fast, with
 *	  d ln(F1 - F2) = (d ln F1 - rho d ln F2) / (1 - rho),  rho = F2/F1;
 * elsewhere (the quadrature) by central differences of step 1e-6 in each
 * log-parameter (rows far from alpha = beta, as a fit drifting to no
 * dropout reaches).
 */
#define PNBD_FD_STEP 1e-6

static double
pnbd_log_si_grad(const double *p, double x, double t_x, double T, double *grad)
{
	double		alpha = p[1],
				beta = p[3],
				k = p[0] + p[2] + x;

	if (fabs(alpha - beta) / (Max(alpha, beta) + t_x) <= PNBD_SERIES_MAX_Z)
	{
		double		g1[4],
					g2[4];
		double		l1 = pnbd_log_f_grad(p, x, t_x, g1),
					l2 = pnbd_log_f_grad(p, x, T, g2),
					rho = exp(l2 - l1);

		for (int j = 0; j < 4; j++)
			grad[j] = (g1[j] - rho * g2[j]) / (1 - rho);
		grad[0] -= 1 / k;
		grad[2] += 1 / p[2] - 1 / k;
		return log(p[2]) + l1 + clv_log1mexp(l2 - l1) - log(k);
	}
	for (int j = 0; j < 4; j++)
	{
		double		q[4];
		double		up,
					down;

		memcpy(q, p, sizeof(q));
		q[j] = p[j] * exp(PNBD_FD_STEP);
		up = pnbd_log_si(q, x, t_x, T, CLV_HYP2F1_FIT_TERMS);
		q[j] = p[j] * exp(-PNBD_FD_STEP);
		down = pnbd_log_si(q, x, t_x, T, CLV_HYP2F1_FIT_TERMS);
		grad[j] = (up - down) / (2 * PNBD_FD_STEP) / p[j];
	}
	return pnbd_log_si(p, x, t_x, T, CLV_HYP2F1_FIT_TERMS);
}

/*
 * The negative log-likelihood with its gradient in the log-parameters: per
 * row, ln L = ln G(r+x) - ln G(r) + r ln alpha + s ln beta + logaddexp(A, S),
 * A = -(r+x) ln(alpha+T) - s ln(beta+T), S = ln(s I), each derivative the
 * sum of the first terms' and w_A dA + w_S dS, w the shares of A and S.
 */
double
clv_pnbd_negll_grad(const double *theta, double *grad, void *arg)
{
	const ClvRows *rows = arg;
	double		p[4],
				g[4] = {0, 0, 0, 0},
				ll = 0,
				psi_r,
				lgamma_r,
				prev_x = -1,
				x_ll = 0,
				x_dr = 0;

	for (int i = 0; i < 4; i++)
	{
		p[i] = exp(theta[i]);
		if (!(isfinite(p[i]) && p[i] > 0))
			return INFINITY;
	}
	psi_r = clv_digamma(p[0]);
	lgamma_r = lgamma(p[0]);
	for (int64 i = 0; i < rows->nrows; i++)
	{
		const double *row = &rows->rows[i * 4];
		double		x = row[0],
					t_x = row[1],
					T = row[2],
					w = row[3];
		double		r = p[0],
					alpha = p[1],
					s = p[2],
					beta = p[3];
		double		log_at = log(alpha + T),
					log_bt = log(beta + T),
					a = -(r + x) * log_at - s * log_bt,
					d_s[4] = {0, 0, 0, 0},
					si = t_x == T ? -INFINITY : pnbd_log_si_grad(p, x, t_x, T, d_s),
					total = clv_logaddexp(a, si),
					w_a = exp(a - total),
					w_s = exp(si - total);

		if (x != prev_x)
		{
			/* the rows are sorted by x: its terms once per x */
			x_ll = lgamma(r + x) - lgamma_r + r * log(alpha) + s * log(beta);
			x_dr = clv_digamma(r + x) - psi_r + log(alpha);
			prev_x = x;
		}
		ll += w * (x_ll + total);
		g[0] += w * (x_dr - w_a * log_at + w_s * d_s[0]);
		g[1] += w * (r / alpha - w_a * (r + x) / (alpha + T) + w_s * d_s[1]);
		g[2] += w * (log(beta) - w_a * log_bt + w_s * d_s[2]);
		g[3] += w * (s / beta - w_a * s / (beta + T) + w_s * d_s[3]);
		if ((i & 0xFFF) == 0xFFF)
			CHECK_FOR_INTERRUPTS();
	}
	for (int j = 0; j < 4; j++)
		grad[j] = -g[j] * p[j];
	return -ll;
}

PG_FUNCTION_INFO_V1(insight_pnbd_final);
Datum
insight_pnbd_final(PG_FUNCTION_ARGS)
{
	ClvRows    *s = clv_transaction_rows(fcinfo, INSIGHT_ALG_PNBD);

	if (s == NULL)
		PG_RETURN_NULL();
	PG_RETURN_BYTEA_P(clv_fit(s, INSIGHT_ALG_PNBD, clv_pnbd_negll, clv_pnbd_negll_grad, NAN));
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
 * P(X(t) = n) by the lifetime mixture, where the series of eq. (24)-(26)
 * converge slowly (|alpha-beta|/max(alpha, beta) > PNBD_SERIES_MAX_Z, as at
 * the no-dropout edge): the lifetime tau is Lomax, P(tau > u) =
 * (beta/(beta+u))^s, and given tau the count is NBD with exposure min(tau, t):
 *	  P(n) = (beta/(beta+t))^s NBD(n; t)
 *		   + int_0^t s/(beta+u) (beta/(beta+u))^s NBD(n; u) du,
 *	  NBD(n; u) = G(r+n)/(G(r) n!) (alpha/(alpha+u))^r (u/(alpha+u))^n.
 * The integrand is analytic on [0, t] with poles at -alpha and -beta.  The
 * panels [b/2, b], b = t, t/2, .., down to the first b <= min(alpha, beta)
 * (at most 64 halvings; the rest, [0, t 2^-64], weighs below 1e-19 of
 * s t/beta), then [0, b]: each is at least its own length away from both
 * poles; each is cut into 1 + n/4 equal parts (the factor (u/(alpha+u))^n
 * grows off the real line) and integrated by 16-point Gauss-Legendre.
 */
static double
pnbd_pmf_quadrature(const double *p, double n, double t)
{
	double		r = p[0],
				alpha = p[1],
				s = p[2],
				beta = p[3];
	double		lc = lgamma(r + n) - lgamma(r) - lgamma(n + 1);
	double		lo = Min(alpha, beta);
	int			parts = 1 + (int) Min(n / 4, 1000);
	double		b = t,
				sum = 0;
	const double *nodes,
			   *weights;

	clv_gauss_legendre_16(&nodes, &weights);
	for (int j = 0; j <= 64; j++)
	{
		double		a = (j == 64 || b <= lo) ? 0 : b / 2;
		double		h = (b - a) / parts;

		for (int k = 0; k < parts; k++)
		{
			double		half = h / 2,
						mid = a + h * k + half;

			for (int i = 0; i < 16; i++)
			{
				double		u = mid + half * nodes[i];

				sum += half * weights[i] *
					exp(log(s) - log(beta + u) + s * (log(beta) - log(beta + u)) + lc +
						r * (log(alpha) - log(alpha + u)) + n * (log(u) - log(alpha + u)));
			}
		}
		CHECK_FOR_INTERRUPTS();
		if (a == 0)
			break;
		b = a;
	}
	return exp(s * (log(beta) - log(beta + t)) + lc + r * (log(alpha) - log(alpha + t)) +
			   n * (log(t) - log(alpha + t))) + sum;
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
	if (diff / m > PNBD_SERIES_MAX_Z)
		return pnbd_pmf_quadrature(p, n, t);
	first = exp(lgamma(r + n) - lgamma(r) - lgamma(n + 1) + r * log(alpha / (alpha + t)) +
				n * log(t / (alpha + t)) + s * log(beta / (beta + t)));
	log_b1 = pnbd_log_hyp2f1(r + s, b, c, diff / m) - (r + s) * log(m);
	for (double i = 0; i <= n; i++)
	{
		double		log_b2 = lgamma(r + s + i) - lgamma(r + s) - lgamma(i + 1) + i * log(t) +
			pnbd_log_hyp2f1(r + s + i, b, c, diff / (m + t)) - (r + s + i) * log(m + t);

		rest += exp(log_b2 - log_b1);
		CHECK_FOR_INTERRUPTS();	/* n + 1 series: n is up to 10^8 */
	}
	return first + Max(0, exp(r * log(alpha) + s * log(beta) + clv_lbeta(r + n, s + 1) -
							  clv_lbeta(r, s) + log_b1) * (1 - rest));
}
