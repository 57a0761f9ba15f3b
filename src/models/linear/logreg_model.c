/*-------------------------------------------------------------------------
 *
 * logreg_model.c
 *	  A logistic-regression model: reading and validating it, its info, and
 *	  insight_logreg_predict / insight_logreg_contributions.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "fmgr.h"
#include "utils/array.h"
#include "utils/memutils.h"

#include "core/util.h"
#include "math/special.h"
#include "models/linear/logreg.h"

static void
logreg_read_model(InsightModel *m, InsightLogreg *model)
{
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
}

void
insight_logreg_read(bytea *value, InsightLogreg *model)
{
	InsightModel m;

	insight_model_open(&m, value, INSIGHT_ALG_LOGREG);
	logreg_read_model(&m, model);
}

void
insight_logreg_info(InsightModel *m, StringInfo buf)
{
	InsightLogreg model;

	logreg_read_model(m, &model);
	insight_json_int64(buf, "features", model.dim);
	insight_json_int64(buf, "rows", (int64) model.rows);
	insight_json_int64(buf, "rows_skipped", (int64) model.skipped);
	insight_json_int64(buf, "positives", (int64) model.positives);
	insight_json_int64(buf, "iterations", model.iterations);
	appendStringInfo(buf, ", \"converged\": %s",
					 (model.flags & INSIGHT_LOGREG_NOT_CONVERGED) ? "false" : "true");
	insight_json_float8(buf, "lambda", model.lambda);
	insight_json_float8(buf, "tolerance", model.tolerance);
	insight_json_float8(buf, "objective", model.objective);
	insight_json_float8(buf, "intercept", model.intercept);
	insight_json_float8_array(buf, "weights", model.weights, model.dim);
	insight_json_float8_array(buf, "means", model.means, model.dim);
	insight_json_float8_array(buf, "scales", model.scales, model.dim);
}

/*
 * Per-backend cache of the last model used for scoring: scoring many rows
 * with the same model (or the active model, call after call) validates and
 * decodes it once.  The key is the model's bytes, so a different value is
 * never mistaken for the cached one.
 */
static MemoryContext logreg_cache_context = NULL;
static bytea *logreg_cache_bytes = NULL;
static InsightLogreg logreg_cache_model;

static const InsightLogreg *
logreg_cached(bytea *value)
{
	Size		len = VARSIZE_ANY_EXHDR(value);
	MemoryContext old;
	bytea	   *copy;

	if (logreg_cache_bytes != NULL &&
		VARSIZE_ANY_EXHDR(logreg_cache_bytes) == len &&
		memcmp(VARDATA_ANY(logreg_cache_bytes), VARDATA_ANY(value), len) == 0)
		return &logreg_cache_model;

	if (logreg_cache_context == NULL)
		logreg_cache_context = AllocSetContextCreate(TopMemoryContext,
													 "insight logreg model cache",
													 ALLOCSET_SMALL_SIZES);
	else
		MemoryContextReset(logreg_cache_context);
	logreg_cache_bytes = NULL;

	old = MemoryContextSwitchTo(logreg_cache_context);
	insight_logreg_read(value, &logreg_cache_model);
	copy = palloc(VARHDRSZ + len);
	SET_VARSIZE(copy, VARHDRSZ + len);
	memcpy(VARDATA(copy), VARDATA_ANY(value), len);
	MemoryContextSwitchTo(old);
	logreg_cache_bytes = copy;
	return &logreg_cache_model;
}

PG_FUNCTION_INFO_V1(insight_logreg_predict);
Datum
insight_logreg_predict(PG_FUNCTION_ARGS)
{
	const InsightLogreg *model = logreg_cached(PG_GETARG_BYTEA_PP(0));
	const double *x;
	int			n;
	double		m;

	if (!insight_read_features(PG_GETARG_ARRAYTYPE_P(1), model->dim, &x, &n))
		PG_RETURN_NULL();
	m = model->intercept;
	for (int j = 0; j < n; j++)
		m += model->weights[j] * x[j];
	if (isnan(m))
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("features out of range for the model"),
				 errdetail("The terms weight x feature overflow to both +Infinity and -Infinity."),
				 errhint("Give the features in the units the model was trained on.")));
	PG_RETURN_FLOAT8(insight_sigmoid(m));
}

PG_FUNCTION_INFO_V1(insight_logreg_contributions);
Datum
insight_logreg_contributions(PG_FUNCTION_ARGS)
{
	const InsightLogreg *model = logreg_cached(PG_GETARG_BYTEA_PP(0));
	const double *x;
	double	   *c;
	int			n;

	if (!insight_read_features(PG_GETARG_ARRAYTYPE_P(1), model->dim, &x, &n))
		PG_RETURN_NULL();
	c = palloc(sizeof(double) * n);
	for (int j = 0; j < n; j++)
		c[j] = model->weights[j] * (x[j] - model->means[j]);
	PG_RETURN_ARRAYTYPE_P(insight_float8_array(c, n));
}
