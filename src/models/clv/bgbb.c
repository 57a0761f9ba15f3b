/*-------------------------------------------------------------------------
 *
 * bgbb.c
 *	  The BG/BB model of Fader, Hardie & Shang (2010), "Customer-Base
 *	  Analysis in a Discrete-Time Noncontractual Setting", Marketing Science
 *	  29(6), 1086-1108 (FHS below): likelihood and its gradient, fit,
 *	  P(alive), expected transactions and P(X(n) = x), for transactions that
 *	  can only happen at discrete opportunities (a yearly donation, an
 *	  annual event).
 *
 * While alive a customer transacts at each opportunity with probability
 * p ~ Beta(alpha, beta); before each opportunity they die with probability
 * theta ~ Beta(gamma, delta) (FHS section 2).  A customer's summary is the
 * number of transactions x in the n opportunities after the first, the
 * opportunity t_x of the last of them (0 when x = 0), and n.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "fmgr.h"
#include "miscadmin.h"

#include "models/clv/clv_model.h"

/*
 * Every probability of FHS is a sum of terms
 *	  B(alpha+x, beta+u)/B(alpha, beta) B(gamma+c, delta+v)/B(gamma, delta),
 * (alive and transacting x times among x+u opportunities, then dying, c = 1,
 * or not, c = 0, after v opportunities survived).  bgbb_term returns the
 * logarithm of one; with grad non-NULL it adds w times its derivatives in
 * the natural parameters (d ln B(a, b) / da = psi(a) - psi(a+b)).
 */
typedef struct BgbbParams
{
	double		alpha,
				beta,
				gamma,
				delta;
	double		lb_ab,			/* ln B(alpha, beta) */
				lb_gd;			/* ln B(gamma, delta) */
	double		psi_ab,			/* psi(alpha+beta), psi(gamma+delta), psi(each) */
				psi_gd,
				psi_a,
				psi_b,
				psi_g,
				psi_d;
} BgbbParams;

static void
bgbb_params(BgbbParams *bp, const double *p, bool with_psi)
{
	bp->alpha = p[0];
	bp->beta = p[1];
	bp->gamma = p[2];
	bp->delta = p[3];
	bp->lb_ab = clv_lbeta(p[0], p[1]);
	bp->lb_gd = clv_lbeta(p[2], p[3]);
	if (with_psi)
	{
		bp->psi_ab = clv_digamma(p[0] + p[1]);
		bp->psi_gd = clv_digamma(p[2] + p[3]);
		bp->psi_a = clv_digamma(p[0]);
		bp->psi_b = clv_digamma(p[1]);
		bp->psi_g = clv_digamma(p[2]);
		bp->psi_d = clv_digamma(p[3]);
	}
}

static double
bgbb_term(const BgbbParams *bp, double x, double u, double c, double v)
{
	return clv_lbeta(bp->alpha + x, bp->beta + u) - bp->lb_ab +
		clv_lbeta(bp->gamma + c, bp->delta + v) - bp->lb_gd;
}

static void
bgbb_term_grad(const BgbbParams *bp, double x, double u, double c, double v,
			   double w, double *grad)
{
	double		ab = clv_digamma(bp->alpha + bp->beta + x + u),
				gd = clv_digamma(bp->gamma + bp->delta + c + v);

	grad[0] += w * (clv_digamma(bp->alpha + x) - ab - bp->psi_a + bp->psi_ab);
	grad[1] += w * (clv_digamma(bp->beta + u) - ab - bp->psi_b + bp->psi_ab);
	grad[2] += w * ((c == 0 ? bp->psi_g : clv_digamma(bp->gamma + c)) - gd - bp->psi_g + bp->psi_gd);
	grad[3] += w * (clv_digamma(bp->delta + v) - gd - bp->psi_d + bp->psi_gd);
}

/*
 * FHS eq. (5), the likelihood of one customer:
 *	  L = B(alpha+x, beta+n-x)/B(alpha, beta) B(gamma, delta+n)/B(gamma, delta)
 *		+ sum_{i=0}^{n-t_x-1} B(alpha+x, beta+t_x-x+i)/B(alpha, beta)
 *							  B(gamma+1, delta+t_x+i)/B(gamma, delta)
 * (alive through opportunity n; or dead at opportunity t_x+i+1), in log
 * space.  With grad non-NULL, d ln L / d(alpha, beta, gamma, delta) times
 * 'weight' is added to it: the terms' gradients weighted by their shares of
 * L.
 */
static double
bgbb_log_lik(const BgbbParams *bp, double x, double t_x, double n, double weight, double *grad)
{
	double		acc = bgbb_term(bp, x, n - x, 0, n);

	for (double i = 0; i < n - t_x; i++)
	{
		acc = clv_logaddexp(acc, bgbb_term(bp, x, t_x - x + i, 1, t_x + i));
		if (fmod(i, 4096) == 4095)
			CHECK_FOR_INTERRUPTS();
	}
	if (grad != NULL)
	{
		bgbb_term_grad(bp, x, n - x, 0, n, weight * exp(bgbb_term(bp, x, n - x, 0, n) - acc), grad);
		for (double i = 0; i < n - t_x; i++)
		{
			bgbb_term_grad(bp, x, t_x - x + i, 1, t_x + i,
						   weight * exp(bgbb_term(bp, x, t_x - x + i, 1, t_x + i) - acc), grad);
			if (fmod(i, 4096) == 4095)
				CHECK_FOR_INTERRUPTS();
		}
	}
	return acc;
}

/* The negative log-likelihood over log-parameters, and its gradient. */
static double
bgbb_negll(const double *theta, double *grad, void *arg)
{
	const ClvRows *s = arg;
	double		p[4],
				g[4] = {0, 0, 0, 0},
				ll = 0;
	BgbbParams	bp;

	for (int j = 0; j < 4; j++)
	{
		p[j] = exp(theta[j]);
		if (!(isfinite(p[j]) && p[j] > 0))
			return INFINITY;
	}
	bgbb_params(&bp, p, grad != NULL);
	for (int64 i = 0; i < s->nrows; i++)
	{
		const double *row = &s->rows[i * 4];

		ll += row[3] * bgbb_log_lik(&bp, row[0], row[1], row[2], row[3], grad ? g : NULL);
		if ((i & 0xFF) == 0xFF)
			CHECK_FOR_INTERRUPTS();
	}
	if (grad != NULL)
		for (int j = 0; j < 4; j++)
			grad[j] = -g[j] * p[j]; /* d / d ln p = p d / dp */
	return -ll;
}

double
clv_bgbb_negll(const double *theta, void *arg)
{
	return bgbb_negll(theta, NULL, arg);
}

double
clv_bgbb_negll_grad(const double *theta, double *grad, void *arg)
{
	return bgbb_negll(theta, grad, arg);
}

void
clv_bgbb_check_summary(double x, double t_x, double n)
{
	if (!(isfinite(x) && isfinite(t_x) && isfinite(n)))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("frequency, recency and periods must be finite"),
				 errdetail("The values are %g, %g and %g.", x, t_x, n),
				 errhint("Count opportunities in whole numbers.")));
	if (x < 0 || t_x < 0 || n < 0 || x != floor(x) || t_x != floor(t_x) || n != floor(n))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("frequency, recency and periods must be non-negative whole numbers, not %g, %g and %g",
						x, t_x, n),
				 errdetail("A BG/BB summary counts opportunities: frequency those with a transaction after the first, recency the last of them, periods those observed after the first."),
				 errhint("Count opportunities in whole numbers.")));
	if (n > CLV_BGBB_MAX_PERIODS)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("periods must be at most %d, not %g", CLV_BGBB_MAX_PERIODS, n),
				 errdetail("The likelihood and P(alive) sum one term per opportunity after the last transaction."),
				 errhint("Use a coarser opportunity (a week, not a day), or the continuous-time models (insight_bgnbd_fit).")));
	if (x > t_x || t_x > n)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("a BG/BB summary needs frequency <= recency <= periods, not %g, %g and %g", x, t_x, n),
				 errdetail("x transactions at opportunities 1 to n, the last at opportunity recency, need x <= recency <= n."),
				 errhint("Check that frequency, recency and periods are passed in this order.")));
	if ((x == 0) != (t_x == 0))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("recency must be 0 when frequency is 0, not %g", t_x),
				 errdetail("recency is the opportunity of the last repeat transaction; without one it is 0."),
				 errhint("Pass recency 0 for customers without repeat transactions.")));
}

/*
 * Transition function of insight_bgbb_fit: one customer's (frequency,
 * recency, periods); rows with a NULL are skipped and counted.
 */
PG_FUNCTION_INFO_V1(insight_bgbb_accum);
Datum
insight_bgbb_accum(PG_FUNCTION_ARGS)
{
	return clv_summary_accum(fcinfo, clv_bgbb_check_summary);
}

PG_FUNCTION_INFO_V1(insight_bgbb_final);
Datum
insight_bgbb_final(PG_FUNCTION_ARGS)
{
	ClvRows    *s = clv_rows_arg(fcinfo, 0, 3);
	double		longest = 0;

	if (s == NULL || s->nrows == 0)
	{
		if (s != NULL && s->skipped > 0)
			ereport(NOTICE,
					(errmsg("insight_bgbb_fit: all %.0f rows were skipped for NULL values", s->skipped)));
		PG_RETURN_NULL();
	}
	for (int64 i = 0; i < s->nrows; i++)
		longest = Max(longest, s->rows[i * 4 + 2]);
	if (longest == 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("cannot fit a BG/BB model when every customer has periods = 0"),
				 errdetail("None of the %.0f customers had an opportunity after the first: the data say nothing about transaction or dropout probabilities.",
						   clv_rows_weight(s)),
				 errhint("Fit on customers observed for at least one opportunity after their first transaction.")));
	PG_RETURN_BYTEA_P(clv_fit(s, INSIGHT_ALG_BGBB, clv_bgbb_negll, clv_bgbb_negll_grad, NAN));
}

PG_FUNCTION_INFO_V1(insight_bgbb_model);
Datum
insight_bgbb_model(PG_FUNCTION_ARGS)
{
	return clv_model_from_args(fcinfo, INSIGHT_ALG_BGBB);
}

/* The model and a checked summary of a scoring call; ln L of the summary. */
static const ClvModel *
bgbb_args(FunctionCallInfo fcinfo, int first, BgbbParams *bp, double *x, double *t_x,
		  double *n, double *log_lik)
{
	const ClvModel *m = clv_model_arg(fcinfo, 0, INSIGHT_ALG_BGBB);

	*x = PG_GETARG_FLOAT8(first);
	*t_x = PG_GETARG_FLOAT8(first + 1);
	*n = PG_GETARG_FLOAT8(first + 2);
	clv_bgbb_check_summary(*x, *t_x, *n);
	bgbb_params(bp, m->params, false);
	*log_lik = bgbb_log_lik(bp, *x, *t_x, *n, 1, NULL);
	return m;
}

/*
 * FHS eq. (11): P(alive at opportunity n+1 | x, t_x, n)
 *	  = B(alpha+x, beta+n-x)/B(alpha, beta) B(gamma, delta+n+1)/B(gamma, delta) / L.
 */
PG_FUNCTION_INFO_V1(insight_bgbb_p_alive);
Datum
insight_bgbb_p_alive(PG_FUNCTION_ARGS)
{
	double		x,
				t_x,
				n,
				log_lik;
	BgbbParams	bp;

	bgbb_args(fcinfo, 1, &bp, &x, &t_x, &n, &log_lik);
	PG_RETURN_FLOAT8(exp(bgbb_term(&bp, x, n - x, 0, n + 1) - log_lik));
}

/*
 * FHS eq. (13), E[X(n, n+n*) | x, t_x, n], the transactions in the next n*
 * opportunities, as the sum it is the closed form of (alive at opportunity
 * n+j and transacting there), which has no pole at gamma = 1:
 *	  B(alpha+x+1, beta+n-x)/B(alpha, beta) / L
 *		* sum_{j=1}^{n*} B(gamma, delta+n+j)/B(gamma, delta).
 */
PG_FUNCTION_INFO_V1(insight_bgbb_expected_purchases);
Datum
insight_bgbb_expected_purchases(PG_FUNCTION_ARGS)
{
	int32		future = PG_GETARG_INT32(1);
	double		x,
				t_x,
				n,
				log_lik,
				scale,
				sum = 0;
	BgbbParams	bp;

	if (future < 0 || future > CLV_BGBB_MAX_PERIODS)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("future_periods must be between 0 and %d, not %d", CLV_BGBB_MAX_PERIODS, future),
				 errdetail("future_periods is the number of coming opportunities."),
				 errhint("Use 5 for the next five years of a yearly opportunity.")));
	bgbb_args(fcinfo, 2, &bp, &x, &t_x, &n, &log_lik);
	scale = clv_lbeta(bp.alpha + x + 1, bp.beta + n - x) - bp.lb_ab - log_lik;
	for (int j = 1; j <= future; j++)
	{
		sum += exp(scale + clv_lbeta(bp.gamma, bp.delta + n + j) - bp.lb_gd);
		if ((j & 0xFFF) == 0xFFF)
			CHECK_FOR_INTERRUPTS();
	}
	PG_RETURN_FLOAT8(sum);
}

/*
 * FHS eq. (7), P(X(n) = x) for a customer with n opportunities after the
 * first:
 *	  C(n, x) B(alpha+x, beta+n-x)/B(alpha, beta) B(gamma, delta+n)/B(gamma, delta)
 *	  + sum_{i=x}^{n-1} C(i, x) B(alpha+x, beta+i-x)/B(alpha, beta)
 *						B(gamma+1, delta+i)/B(gamma, delta).
 */
PG_FUNCTION_INFO_V1(insight_bgbb_purchase_probability);
Datum
insight_bgbb_purchase_probability(PG_FUNCTION_ARGS)
{
	const ClvModel *m = clv_model_arg(fcinfo, 0, INSIGHT_ALG_BGBB);
	int64		xi = PG_GETARG_INT64(1),
				ni = PG_GETARG_INT64(2);
	double		x = (double) xi,
				n = (double) ni,
				acc;
	BgbbParams	bp;

	if (ni < 0 || ni > CLV_BGBB_MAX_PERIODS || xi < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("a BG/BB probability needs x >= 0 and periods between 0 and %d, not x " INT64_FORMAT " and periods " INT64_FORMAT,
						CLV_BGBB_MAX_PERIODS, xi, ni),
				 errdetail("x is a number of transactions in the first periods opportunities after the first."),
				 errhint("Pass whole numbers of transactions and opportunities.")));
	if (xi > ni)
		PG_RETURN_FLOAT8(0.0);
	bgbb_params(&bp, m->params, false);
	acc = lgamma(n + 1) - lgamma(x + 1) - lgamma(n - x + 1) + bgbb_term(&bp, x, n - x, 0, n);
	for (double i = x; i < n; i++)
	{
		acc = clv_logaddexp(acc, lgamma(i + 1) - lgamma(x + 1) - lgamma(i - x + 1) +
							bgbb_term(&bp, x, i - x, 1, i));
		if (fmod(i, 4096) == 4095)
			CHECK_FOR_INTERRUPTS();
	}
	PG_RETURN_FLOAT8(exp(acc));
}
