/*-------------------------------------------------------------------------
 *
 * gammagamma.c
 *	  The Gamma-Gamma spend model of Fader & Hardie (2013), "The Gamma-Gamma
 *	  Model of Monetary Value" (brucehardie.com/notes/025, FH below); also
 *	  Colombo & Jiang (1999): fit, expected spend.
 *
 * A customer's spend per transaction is Gamma(p, nu), nu ~ Gamma(q, gamma);
 * the model assumes that spend is independent of the purchase process, so
 * the fit records the correlation between frequency and mean spend.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <float.h>
#include <math.h>

#include "fmgr.h"

#include "models/clv/clv_model.h"

/*
 * Transition function: one customer's (frequency, monetary_value).  Only
 * customers with repeat purchases (x > 0) and a positive mean spend are
 * fitted (FH section 3); others, and rows with a NULL, are skipped and
 * counted.
 */
PG_FUNCTION_INFO_V1(insight_gammagamma_accum);
Datum
insight_gammagamma_accum(PG_FUNCTION_ARGS)
{
	ClvRows    *s = clv_rows_arg(fcinfo, 0, 2);
	double		row[2];

	if (PG_ARGISNULL(1) || PG_ARGISNULL(2))
		PG_RETURN_POINTER(clv_rows_skip(s, 2));
	row[0] = PG_GETARG_FLOAT8(1);
	row[1] = PG_GETARG_FLOAT8(2);
	if (!isfinite(row[0]) || !isfinite(row[1]))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("frequency and monetary_value must be finite"),
				 errdetail("The values are %g and %g.", row[0], row[1]),
				 errhint("Pass NULL for a customer without repeat purchases; NULL rows are skipped and counted.")));
	clv_check_summary(row[0], 0, 0);
	if (row[0] == 0 || row[1] <= 0)
		PG_RETURN_POINTER(clv_rows_skip(s, 2));
	PG_RETURN_POINTER(clv_rows_add(s, 2, row, 1.0));
}

/*
 * Negative log-likelihood, FH eq. (3) in log space for a customer with x
 * repeat transactions of mean value m:
 *	  ln L = ln G(px+q) - ln G(px) - ln G(q) + q ln gamma + (px-1) ln m
 *			 + px ln x - (px+q) ln(gamma + m x).
 */
double
clv_gammagamma_negll(const double *theta, void *arg)
{
	const ClvRows *s = arg;
	double		p = exp(theta[0]),
				q = exp(theta[1]),
				g = exp(theta[2]);
	double		ll = 0;
	double		lgamma_q,
				log_g;

	if (!(isfinite(p) && isfinite(q) && isfinite(g) && p > 0 && q > 0 && g > 0))
		return INFINITY;
	lgamma_q = lgamma(q);
	log_g = log(g);
	for (int64 i = 0; i < s->nrows; i++)
	{
		const double *row = &s->rows[i * 3];
		double		x = row[0],
					m = row[1],
					px = p * x;

		ll += row[2] * (lgamma(px + q) - lgamma(px) - lgamma_q + q * log_g +
						(px - 1) * log(m) + px * log(x) - (px + q) * log(g + m * x));
	}
	return -ll;
}

/*
 * The same with its gradient in the log-parameters (psi the digamma
 * function):
 *	  d/dp	   = x [psi(px+q) - psi(px) + ln m + ln x - ln(gamma + m x)]
 *	  d/dq	   = psi(px+q) - psi(q) + ln gamma - ln(gamma + m x)
 *	  d/dgamma = q/gamma - (px+q)/(gamma + m x)
 */
double
clv_gammagamma_negll_grad(const double *theta, double *grad, void *arg)
{
	const ClvRows *s = arg;
	double		p = exp(theta[0]),
				q = exp(theta[1]),
				g = exp(theta[2]);
	double		ll = 0,
				d[3] = {0, 0, 0};
	double		lgamma_q,
				log_g,
				psi_q;

	if (!(isfinite(p) && isfinite(q) && isfinite(g) && p > 0 && q > 0 && g > 0))
		return INFINITY;
	lgamma_q = lgamma(q);
	log_g = log(g);
	psi_q = clv_digamma(q);
	for (int64 i = 0; i < s->nrows; i++)
	{
		const double *row = &s->rows[i * 3];
		double		x = row[0],
					m = row[1],
					w = row[2],
					px = p * x,
					log_gmx = log(g + m * x),
					psi_pxq = clv_digamma(px + q);

		ll += w * (lgamma(px + q) - lgamma(px) - lgamma_q + q * log_g +
				   (px - 1) * log(m) + px * log(x) - (px + q) * log_gmx);
		d[0] += w * x * (psi_pxq - clv_digamma(px) + log(m) + log(x) - log_gmx);
		d[1] += w * (psi_pxq - psi_q + log_g - log_gmx);
		d[2] += w * (q / g - (px + q) / (g + m * x));
	}
	grad[0] = -d[0] * p;
	grad[1] = -d[1] * q;
	grad[2] = -d[2] * g;
	return -ll;
}

/* Weighted Pearson correlation of frequency and mean spend (NaN if constant). */
static double
frequency_spend_correlation(const ClvRows *s)
{
	double		w = 0,
				mx = 0,
				mm = 0,
				sxx = 0,
				smm = 0,
				sxm = 0;

	for (int64 i = 0; i < s->nrows; i++)
	{
		const double *row = &s->rows[i * 3];

		w += row[2];
		mx += row[2] * row[0];
		mm += row[2] * row[1];
	}
	mx /= w;
	mm /= w;
	for (int64 i = 0; i < s->nrows; i++)
	{
		const double *row = &s->rows[i * 3];

		sxx += row[2] * (row[0] - mx) * (row[0] - mx);
		smm += row[2] * (row[1] - mm) * (row[1] - mm);
		sxm += row[2] * (row[0] - mx) * (row[1] - mm);
	}
	if (sxx <= 0 || smm <= 0)
		return NAN;
	return sxm / sqrt(sxx * smm);
}

PG_FUNCTION_INFO_V1(insight_gammagamma_final);
Datum
insight_gammagamma_final(PG_FUNCTION_ARGS)
{
	ClvRows    *s = clv_rows_arg(fcinfo, 0, 2);

	if (s == NULL || s->nrows == 0)
	{
		if (s != NULL && s->skipped > 0)
			ereport(NOTICE,
					(errmsg("insight_gammagamma_fit: all %.0f rows were skipped", s->skipped),
					 errdetail("Only customers with frequency > 0 and a positive monetary_value are fitted.")));
		PG_RETURN_NULL();
	}
	clv_rows_compact(s);
	PG_RETURN_BYTEA_P(clv_fit(s, INSIGHT_ALG_GAMMAGAMMA, clv_gammagamma_negll, clv_gammagamma_negll_grad,
							  frequency_spend_correlation(s)));
}

PG_FUNCTION_INFO_V1(insight_gammagamma_model);
Datum
insight_gammagamma_model(PG_FUNCTION_ARGS)
{
	return clv_model_from_args(fcinfo, INSIGHT_ALG_GAMMAGAMMA);
}

/*
 * FH eq. (5): E[M | p, q, gamma, m, x] = (gamma + m x) p / (p x + q - 1),
 * the population mean gamma p / (q - 1) for x = 0.  Finite only when
 * p x + q > 1.
 */
double
clv_gammagamma_expected_spend(const ClvModel *model, double x, double m)
{
	double		p = model->params[0],
				q = model->params[1],
				g = model->params[2];
	double		w,
				spend;

	clv_check_summary(x, 0, 0);
	if (x == 0)
		m = 0;
	if (!isfinite(m) || m < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("monetary_value must be non-negative and finite, not %g", m),
				 errdetail("monetary_value is the mean spend of the customer's repeat purchase days."),
				 errhint("Compute it with insight_clv_summary(); pass NULL or any value when frequency is 0.")));
	if (!(p * x + q > 1))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("the spend model has no finite expected spend for frequency %g", x),
				 errdetail("The Gamma-Gamma model with p = %g and q = %g needs p * frequency + q > 1.", p, q),
				 errhint("A fit with q <= 1 means spend is too dispersed to have a mean; check the spend data.")));
	/* as g w + m (x w), w = p / (p x + q - 1): x w < 1 for q > 1 cannot overflow */
	w = p / (p * x + q - 1);
	spend = g * w + m * (x * w);
	if (!isfinite(spend))
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("expected spend is out of the range of float8"),
				 errdetail("The model (p = %g, q = %g, gamma = %g) and monetary_value %g give a mean spend above %g.",
						   p, q, g, m, DBL_MAX),
				 errhint("Check the units of monetary_value and the model's parameters.")));
	return spend;
}

PG_FUNCTION_INFO_V1(insight_gammagamma_expected_spend);
Datum
insight_gammagamma_expected_spend(PG_FUNCTION_ARGS)
{
	const ClvModel *model;
	double		x;

	if (PG_ARGISNULL(0) || PG_ARGISNULL(1))
		PG_RETURN_NULL();
	x = PG_GETARG_FLOAT8(1);
	if (x > 0 && PG_ARGISNULL(2))
		PG_RETURN_NULL();
	model = clv_model_arg(fcinfo, 0, INSIGHT_ALG_GAMMAGAMMA);
	PG_RETURN_FLOAT8(clv_gammagamma_expected_spend(model, x,
												   PG_ARGISNULL(2) ? 0 : PG_GETARG_FLOAT8(2)));
}
