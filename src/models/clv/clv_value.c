/*-------------------------------------------------------------------------
 *
 * clv_value.c
 *	  SQL predictions of the transaction models (BG/NBD and Pareto/NBD
 *	  share their signatures) and insight_clv_value, the discounted value of
 *	  a customer's expected purchases.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <float.h>
#include <math.h>

#include "fmgr.h"
#include "miscadmin.h"

#include "models/clv/clv_model.h"

static void
check_horizon(double t)
{
	if (!(isfinite(t) && t >= 0))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("t must be non-negative and finite, not %g", t),
				 errdetail("t is the prediction horizon in the time unit of the model."),
				 errhint("For a horizon in days with a model in weeks, pass days / 7.")));
}

static void
check_count(int64 n)
{
	if (n < 0 || n > 100000000)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("n must be between 0 and 100000000, not " INT64_FORMAT, n),
				 errdetail("n is the number of purchases whose probability is asked for."),
				 errhint("Pass a non-negative whole number of purchases.")));
}

static double
p_alive(const ClvModel *m, double x, double t_x, double T)
{
	clv_check_summary(x, t_x, T);
	switch (m->algorithm)
	{
		case INSIGHT_ALG_BGNBD:
			return clv_bgnbd_p_alive(m->params, x, t_x, T);
		case INSIGHT_ALG_MBGNBD:
			return clv_mbgnbd_p_alive(m->params, x, t_x, T);
		default:
			return clv_pnbd_p_alive(m->params, x, t_x, T);
	}
}

static double
expected(const ClvModel *m, double t, double x, double t_x, double T)
{
	check_horizon(t);
	clv_check_summary(x, t_x, T);
	switch (m->algorithm)
	{
		case INSIGHT_ALG_BGNBD:
			return clv_bgnbd_expected(m->params, t, x, t_x, T);
		case INSIGHT_ALG_MBGNBD:
			return clv_mbgnbd_expected(m->params, t, x, t_x, T);
		default:
			return clv_pnbd_expected(m->params, t, x, t_x, T);
	}
}

static Datum
p_alive_common(FunctionCallInfo fcinfo, int algorithm)
{
	const ClvModel *m = clv_model_arg(fcinfo, 0, algorithm);

	PG_RETURN_FLOAT8(p_alive(m, PG_GETARG_FLOAT8(1), PG_GETARG_FLOAT8(2), PG_GETARG_FLOAT8(3)));
}

static Datum
expected_common(FunctionCallInfo fcinfo, int algorithm)
{
	const ClvModel *m = clv_model_arg(fcinfo, 0, algorithm);

	PG_RETURN_FLOAT8(expected(m, PG_GETARG_FLOAT8(1), PG_GETARG_FLOAT8(2),
							  PG_GETARG_FLOAT8(3), PG_GETARG_FLOAT8(4)));
}

static Datum
expected_new_common(FunctionCallInfo fcinfo, int algorithm)
{
	const ClvModel *m = clv_model_arg(fcinfo, 0, algorithm);

	PG_RETURN_FLOAT8(expected(m, PG_GETARG_FLOAT8(1), 0, 0, 0));
}

static Datum
purchase_probability_common(FunctionCallInfo fcinfo, int algorithm)
{
	const ClvModel *m = clv_model_arg(fcinfo, 0, algorithm);
	int64		n = PG_GETARG_INT64(1);
	double		t = PG_GETARG_FLOAT8(2);

	check_count(n);
	check_horizon(t);
	switch (m->algorithm)
	{
		case INSIGHT_ALG_BGNBD:
			PG_RETURN_FLOAT8(clv_bgnbd_pmf(m->params, (double) n, t));
		case INSIGHT_ALG_MBGNBD:
			PG_RETURN_FLOAT8(clv_mbgnbd_pmf(m->params, (double) n, t));
		default:
			PG_RETURN_FLOAT8(clv_pnbd_pmf(m->params, (double) n, t));
	}
}

/*
 * P(X(T, T+t) = n | x, t_x, T), a customer's own predictive distribution.
 * Given alive at T the posterior of the rates is the prior updated by the
 * history: lambda ~ Gamma(r+x, alpha+T); BG/NBD p ~ Beta(a, b+x), MBG/NBD
 * p ~ Beta(a, b+x+1) (one more survived dropout chance); Pareto/NBD
 * mu ~ Gamma(s, beta+T) (the exponential lifetime is memoryless).  From T
 * on the customer is a new one under those parameters, dropping out (BG
 * and MBG alike) after each purchase, so
 *	  P(n) = [n = 0] (1 - P(alive)) + P(alive) P_new(n; updated parameters),
 * P_new FHL 2005 eq. (8) or note 009 eq. (24-26).  Its mean is FHL eq.
 * (10), BTYDplus's mbgnbd.ConditionalExpectedTransactions and note 009 eq.
 * (41) (sql/61, 62 and 67 check sum n P(n) against them).
 */
static double
conditional_pmf(const ClvModel *m, double n, double t, double x, double t_x, double T)
{
	const double *p = m->params;
	double		alive = p_alive(m, x, t_x, T);
	double		q[4];
	double		pmf;

	q[0] = p[0] + x;
	q[1] = p[1] + T;
	switch (m->algorithm)
	{
		case INSIGHT_ALG_BGNBD:
		case INSIGHT_ALG_MBGNBD:
			q[2] = p[2];
			q[3] = p[3] + x + (m->algorithm == INSIGHT_ALG_MBGNBD ? 1 : 0);
			pmf = clv_bgnbd_pmf(q, n, t);
			break;
		default:
			q[2] = p[2];
			q[3] = p[3] + T;
			pmf = clv_pnbd_pmf(q, n, t);
			break;
	}
	return (n == 0 ? 1 - alive : 0) + alive * pmf;
}

/* The largest count a median search goes to before it gives up. */
#define CLV_MEDIAN_MAX 1000000

/*
 * The median of a customer's predictive distribution of X(T, T+t): the
 * smallest n with P(X <= n) >= 1/2, the point forecast that minimises the
 * expected absolute error (Gneiting 2011, "Making and evaluating point
 * forecasts", JASA 106, theorem 9), where the mean minimises the squared one.
 */
static double
conditional_median(const ClvModel *m, double t, double x, double t_x, double T)
{
	double		cdf = 0;

	check_horizon(t);
	clv_check_summary(x, t_x, T);
	for (double n = 0; n <= CLV_MEDIAN_MAX; n++)
	{
		cdf += conditional_pmf(m, n, t, x, t_x, T);
		if (cdf >= 0.5 - 1e-12)
			return n;
		CHECK_FOR_INTERRUPTS();
	}
	ereport(ERROR,
			(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
			 errmsg("the median of the purchases is above %d", CLV_MEDIAN_MAX),
			 errdetail("P(X <= %d) summed to %g for frequency %g, recency %g, T %g and t %g.",
					   CLV_MEDIAN_MAX, cdf, x, t_x, T, t),
			 errhint("Use the expected purchases for so long a horizon.")));
	return 0;					/* keep the compiler quiet */
}

static Datum
conditional_probability_common(FunctionCallInfo fcinfo, int algorithm)
{
	const ClvModel *m = clv_model_arg(fcinfo, 0, algorithm);
	int64		n = PG_GETARG_INT64(1);
	double		t = PG_GETARG_FLOAT8(2);

	check_count(n);
	check_horizon(t);
	PG_RETURN_FLOAT8(conditional_pmf(m, (double) n, t, PG_GETARG_FLOAT8(3),
									 PG_GETARG_FLOAT8(4), PG_GETARG_FLOAT8(5)));
}

static Datum
median_common(FunctionCallInfo fcinfo, int algorithm)
{
	const ClvModel *m = clv_model_arg(fcinfo, 0, algorithm);

	PG_RETURN_FLOAT8(conditional_median(m, PG_GETARG_FLOAT8(1), PG_GETARG_FLOAT8(2),
										PG_GETARG_FLOAT8(3), PG_GETARG_FLOAT8(4)));
}

/* The SQL functions insight_<model>_p_alive, ... of one transaction model. */
#define CLV_TRANSACTION_FUNCTIONS(model, algorithm) \
PG_FUNCTION_INFO_V1(insight_##model##_p_alive); \
Datum insight_##model##_p_alive(PG_FUNCTION_ARGS) \
{ return p_alive_common(fcinfo, algorithm); } \
PG_FUNCTION_INFO_V1(insight_##model##_expected_purchases); \
Datum insight_##model##_expected_purchases(PG_FUNCTION_ARGS) \
{ return expected_common(fcinfo, algorithm); } \
PG_FUNCTION_INFO_V1(insight_##model##_expected_purchases_new); \
Datum insight_##model##_expected_purchases_new(PG_FUNCTION_ARGS) \
{ return expected_new_common(fcinfo, algorithm); } \
PG_FUNCTION_INFO_V1(insight_##model##_purchase_probability); \
Datum insight_##model##_purchase_probability(PG_FUNCTION_ARGS) \
{ return purchase_probability_common(fcinfo, algorithm); } \
PG_FUNCTION_INFO_V1(insight_##model##_purchase_probability_given); \
Datum insight_##model##_purchase_probability_given(PG_FUNCTION_ARGS) \
{ return conditional_probability_common(fcinfo, algorithm); } \
PG_FUNCTION_INFO_V1(insight_##model##_median_purchases); \
Datum insight_##model##_median_purchases(PG_FUNCTION_ARGS) \
{ return median_common(fcinfo, algorithm); }

CLV_TRANSACTION_FUNCTIONS(bgnbd, INSIGHT_ALG_BGNBD)
CLV_TRANSACTION_FUNCTIONS(pnbd, INSIGHT_ALG_PNBD)
CLV_TRANSACTION_FUNCTIONS(mbgnbd, INSIGHT_ALG_MBGNBD)
/* either model: insight_transaction_model_p_alive, ... */
CLV_TRANSACTION_FUNCTIONS(transaction_model, 0)

/*
 * insight_clv_poisson_median(mean): the median of a Poisson count with this
 * mean, the smallest n with P(N <= n) >= 1/2 (the pmf by its recurrence
 * from exp(-mean), in log space so that large means do not underflow); the
 * absolute-error point forecast of the CLV task's past-rate baseline.
 */
PG_FUNCTION_INFO_V1(insight_clv_poisson_median);
Datum
insight_clv_poisson_median(PG_FUNCTION_ARGS)
{
	double		mean = PG_GETARG_FLOAT8(0);
	double		cdf = 0;
	double		n;

	if (!(isfinite(mean) && mean >= 0 && mean <= 1e8))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("a Poisson mean must be between 0 and 1e8, not %g", mean),
				 errdetail("The mean is the expected count whose median is asked for."),
				 errhint("Pass a non-negative finite number of purchases.")));
	if (mean == 0)
		PG_RETURN_FLOAT8(0);
	/* the median is at most mean + 1/3 (Choi 1994): the loop ends by then */
	for (n = 0;; n++)
	{
		cdf += exp(n * log(mean) - mean - lgamma(n + 1));
		if (cdf >= 0.5 - 1e-12 || n >= mean + 1)
			break;
		if (fmod(n, 65536) == 65535)
			CHECK_FOR_INTERRUPTS();
	}
	PG_RETURN_FLOAT8(n);
}

/* A month for insight_clv_value: 365.25 / 12 days. */
#define CLV_MONTH_DAYS 30.4375

/*
 * insight_clv_value(transactions, spend, frequency, recency, T,
 *					 monetary_value, months, monthly_discount_rate, period):
 *	  sum_{k=1..months} E[spend] (E[Y(k month)] - E[Y((k-1) month)]) / (1+d)^k
 * (Fader, Hardie & Lee 2005b, "RFM and CLV: Using Iso-Value Curves for
 * Customer Base Analysis", JMR 42(4), with monthly discounting as in
 * lifetimes.utils._customer_lifetime_value).  NULL when a model or the
 * summary is NULL.
 */
PG_FUNCTION_INFO_V1(insight_clv_value);
Datum
insight_clv_value(PG_FUNCTION_ARGS)
{
	const ClvModel *trans;
	const ClvModel *spend;
	double		x,
				t_x,
				T,
				m,
				d,
				month,
				per_purchase,
				previous = 0,
				value = 0;
	int32		months;

	for (int i = 0; i <= 8; i++)
		if (PG_ARGISNULL(i) && i != 5)
			PG_RETURN_NULL();
	x = PG_GETARG_FLOAT8(2);
	t_x = PG_GETARG_FLOAT8(3);
	T = PG_GETARG_FLOAT8(4);
	if (x > 0 && PG_ARGISNULL(5))
		PG_RETURN_NULL();
	m = PG_ARGISNULL(5) ? 0 : PG_GETARG_FLOAT8(5);
	months = PG_GETARG_INT32(6);
	d = PG_GETARG_FLOAT8(7);

	trans = clv_model_arg(fcinfo, 0, 0);
	spend = clv_model_arg(fcinfo, 1, INSIGHT_ALG_GAMMAGAMMA);
	if (!(spend->params[1] > 1))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("the spend model has no finite mean spend"),
				 errdetail("Its q is %g; a Gamma-Gamma model has a finite mean only for q > 1.",
						   spend->params[1]),
				 errhint("Spend is too dispersed for the model; check the spend data for outliers.")));
	if (months < 0 || months > 1200)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("months must be between 0 and 1200, not %d", months),
				 errdetail("months is the length of the CLV horizon in months of 30.4375 days."),
				 errhint("Use 12 for a year, 36 for three years.")));
	if (!(isfinite(d) && d > -1))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("monthly_discount_rate must be greater than -1 and finite, not %g", d),
				 errdetail("Month k is discounted by (1 + monthly_discount_rate)^k."),
				 errhint("Pass a rate as a fraction, for example 0.01 for 1 %% a month.")));
	month = CLV_MONTH_DAYS / clv_period_days(PG_GETARG_DATUM(8));
	clv_check_summary(x, t_x, T);
	per_purchase = clv_gammagamma_expected_spend(spend, x, m);

	for (int k = 1; k <= months; k++)
	{
		double		e = expected(trans, k * month, x, t_x, T);

		value += per_purchase * (e - previous) / pow(1 + d, k);
		previous = e;
		CHECK_FOR_INTERRUPTS();
	}
	if (!isfinite(value))
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("customer lifetime value is out of the range of float8"),
				 errdetail("%d months discounted at %g a month give a value beyond %g.", months, d, DBL_MAX),
				 errhint("A monthly_discount_rate near -1 grows the value without bound; use a rate of 0 or more.")));
	PG_RETURN_FLOAT8(value);
}
