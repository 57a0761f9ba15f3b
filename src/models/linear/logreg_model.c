/*-------------------------------------------------------------------------
 *
 * logreg_model.c
 *	  A logistic-regression model: reading and validating it, its info, and
 *	  scoring a row (the algorithm table's operations predict and
 *	  contributions, and insight_logreg_predict / _contributions).
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "fmgr.h"
#include "utils/array.h"

#include "core/model_cache.h"
#include "core/util.h"
#include "math/special.h"
#include "models/linear/logreg.h"

void *
insight_logreg_decode(InsightModel *m)
{
	InsightLogreg *model = palloc(sizeof(InsightLogreg));
	Size		dim = m->header.counts[0];

	if (dim == 0 || dim > LOGREG_MAX_DIM)
		insight_model_corrupt(psprintf("A logistic regression cannot have %zu features.", dim));
	insight_model_expect_payload(m, 64 + 24 * dim);
	model->dim = (int) dim;
	model->flags = m->header.flags;
	model->rows = insight_read_uint64(m);
	model->skipped = insight_read_uint64(m);
	model->positives = insight_read_uint64(m);
	model->iterations = insight_read_uint32(m);
	if (insight_read_uint32(m) != 0)
		insight_model_corrupt("A reserved logistic regression field is not zero.");
	model->lambda = insight_read_float8(m);
	model->tolerance = insight_read_float8(m);
	model->objective = insight_read_float8(m);
	model->intercept = insight_read_float8(m);
	model->weights = palloc(sizeof(double) * dim);
	model->means = palloc(sizeof(double) * dim);
	model->scales = palloc(sizeof(double) * dim);
	insight_read_float8_array(m, model->weights, dim);
	insight_read_float8_array(m, model->means, dim);
	insight_read_float8_array(m, model->scales, dim);
	insight_model_close(m);

	if (!isfinite(model->lambda) || model->lambda < 0 || !isfinite(model->intercept) ||
		!isfinite(model->objective) || !isfinite(model->tolerance))
		insight_model_corrupt("The lambda, tolerance, objective or intercept is not a finite number in range.");
	for (Size j = 0; j < dim; j++)
		if (!isfinite(model->weights[j]) || !isfinite(model->means[j]) ||
			!isfinite(model->scales[j]) || model->scales[j] <= 0)
			insight_model_corrupt(psprintf("Feature %zu has weight %g, mean %g and scale %g.",
										   j + 1, model->weights[j], model->means[j],
										   model->scales[j]));
	return model;
}

InsightLogreg *
insight_logreg_read(bytea *value)
{
	InsightModel m;

	insight_model_open(&m, value, INSIGHT_ALG_LOGREG);
	return insight_logreg_decode(&m);
}

void
insight_logreg_info(const void *model, StringInfo buf)
{
	const InsightLogreg *lr = model;

	insight_json_int64(buf, "features", lr->dim);
	insight_json_int64(buf, "rows", (int64) lr->rows);
	insight_json_int64(buf, "rows_skipped", (int64) lr->skipped);
	insight_json_int64(buf, "positives", (int64) lr->positives);
	insight_json_int64(buf, "iterations", lr->iterations);
	appendStringInfo(buf, ", \"converged\": %s",
					 (lr->flags & INSIGHT_LOGREG_NOT_CONVERGED) ? "false" : "true");
	insight_json_float8(buf, "lambda", lr->lambda);
	insight_json_float8(buf, "tolerance", lr->tolerance);
	insight_json_float8(buf, "objective", lr->objective);
	insight_json_float8(buf, "intercept", lr->intercept);
	insight_json_float8_array(buf, "weights", lr->weights, lr->dim);
	insight_json_float8_array(buf, "means", lr->means, lr->dim);
	insight_json_float8_array(buf, "scales", lr->scales, lr->dim);
}

int
insight_logreg_features(const void *model)
{
	return ((const InsightLogreg *) model)->dim;
}

/* P(label true | x) = 1 / (1 + exp(-(intercept + w . x))). */
double
insight_logreg_predict_row(const void *model, const double *x)
{
	const InsightLogreg *lr = model;
	double		m = lr->intercept;

	for (int j = 0; j < lr->dim; j++)
		m += lr->weights[j] * x[j];
	if (isnan(m))
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("features out of range for the model"),
				 errdetail("The terms weight x feature overflow to both +Infinity and -Infinity."),
				 errhint("Give the features in the units the model was trained on.")));
	return insight_sigmoid(m);
}

/* w_j (x_j - mean_j): the logit's terms relative to the mean training row. */
void
insight_logreg_contributions_row(const void *model, const double *x, double *out)
{
	const InsightLogreg *lr = model;

	for (int j = 0; j < lr->dim; j++)
		out[j] = lr->weights[j] * (x[j] - lr->means[j]);
}

static InsightModelReader
logreg_lookup(const InsightModelHeader *header, int expected)
{
	insight_model_expect_algorithm(header, expected);
	return insight_logreg_decode;
}

/*
 * insight_logreg_predict and insight_logreg_contributions: insight_predict
 * and insight_contributions (models/serving.c) for logistic regression
 * models only.
 */
static const InsightLogreg *
logreg_arg(FunctionCallInfo fcinfo, const double **x)
{
	const InsightLogreg *model = insight_model_cache_get(fcinfo, 0, logreg_lookup,
														 INSIGHT_ALG_LOGREG, NULL);
	int			n;

	if (!insight_read_features(PG_GETARG_ARRAYTYPE_P(1), model->dim, x, &n))
		return NULL;
	return model;
}

PG_FUNCTION_INFO_V1(insight_logreg_predict);
Datum
insight_logreg_predict(PG_FUNCTION_ARGS)
{
	const double *x;
	const InsightLogreg *model = logreg_arg(fcinfo, &x);

	if (model == NULL)
		PG_RETURN_NULL();
	PG_RETURN_FLOAT8(insight_logreg_predict_row(model, x));
}

PG_FUNCTION_INFO_V1(insight_logreg_contributions);
Datum
insight_logreg_contributions(PG_FUNCTION_ARGS)
{
	const double *x;
	const InsightLogreg *model = logreg_arg(fcinfo, &x);
	double	   *c;

	if (model == NULL)
		PG_RETURN_NULL();
	c = palloc(sizeof(double) * model->dim);
	insight_logreg_contributions_row(model, x, c);
	PG_RETURN_ARRAYTYPE_P(insight_float8_array(c, model->dim));
}
