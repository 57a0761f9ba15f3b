/*-------------------------------------------------------------------------
 *
 * clv_model.c
 *	  CLV model values (layout in clv_model.h): reading them (the algorithm
 *	  table's reader, and the cached models of the scoring functions), their
 *	  description for insight_model_info(), and input validation shared by
 *	  the models.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "fmgr.h"
#include "datatype/timestamp.h"
#include "utils/builtins.h"
#include "utils/float.h"
#include "utils/json.h"
#include "utils/timestamp.h"

#include "core/model_cache.h"
#include "core/util.h"
#include "models/clv/clv_model.h"

static const char *const bgnbd_names[] = {"r", "alpha", "a", "b"};
static const char *const pnbd_names[] = {"r", "alpha", "s", "beta"};
static const char *const gammagamma_names[] = {"p", "q", "gamma"};
static const char *const bgbb_names[] = {"alpha", "beta", "gamma", "delta"};

int
clv_param_count(uint16 algorithm)
{
	switch (algorithm)
	{
		case INSIGHT_ALG_BGNBD:
		case INSIGHT_ALG_PNBD:
		case INSIGHT_ALG_MBGNBD:
		case INSIGHT_ALG_BGBB:
			return 4;
		case INSIGHT_ALG_GAMMAGAMMA:
			return 3;
		default:
			elog(ERROR, "algorithm %u is not a CLV model", (unsigned) algorithm);
	}
	return 0;					/* keep the compiler quiet */
}

const char *const *
clv_param_names(uint16 algorithm)
{
	switch (algorithm)
	{
		case INSIGHT_ALG_BGNBD:
		case INSIGHT_ALG_MBGNBD:
			return bgnbd_names;
		case INSIGHT_ALG_PNBD:
			return pnbd_names;
		case INSIGHT_ALG_BGBB:
			return bgbb_names;
		default:
			return gammagamma_names;
	}
}

#define CLV_PAYLOAD_FIXED (8 + 8 + 8 + 8 + 4 + 4 + 8)

bytea *
clv_model_write(const ClvModel *model)
{
	InsightModelWriter w;

	insight_writer_init(&w, model->algorithm);
	w.header.counts[0] = (uint32) model->nparams;
	if (model->has_se)
		w.header.flags |= CLV_FLAG_SE;
	insight_write_float8_array(&w, model->params, model->nparams);
	insight_write_float8(&w, model->log_likelihood);
	insight_write_float8(&w, model->customers);
	insight_write_uint64(&w, model->distinct_rows);
	insight_write_float8(&w, model->skipped);
	insight_write_uint32(&w, model->iterations);
	insight_write_uint32(&w, model->status);
	insight_write_float8(&w, model->extra);
	if (model->has_se)
		insight_write_float8_array(&w, model->se, model->nparams);
	return insight_writer_finish(&w);
}

void *
clv_model_decode(InsightModel *m)
{
	ClvModel   *model = palloc(sizeof(ClvModel));
	const char *const *names;

	model->algorithm = m->header.algorithm;
	model->nparams = clv_param_count(model->algorithm);
	if (m->header.counts[0] != (uint32) model->nparams)
		insight_model_corrupt(psprintf("A \"%s\" model has %d parameters, not %u.",
									   insight_algorithm_name(model->algorithm),
									   model->nparams, m->header.counts[0]));
	model->has_se = (m->header.flags & CLV_FLAG_SE) != 0;
	insight_model_expect_payload(m, 8 * model->nparams * (model->has_se ? 2 : 1) + CLV_PAYLOAD_FIXED);
	insight_read_float8_array(m, model->params, model->nparams);
	model->log_likelihood = insight_read_float8(m);
	model->customers = insight_read_float8(m);
	model->distinct_rows = insight_read_uint64(m);
	model->skipped = insight_read_float8(m);
	model->iterations = insight_read_uint32(m);
	model->status = insight_read_uint32(m);
	model->extra = insight_read_float8(m);
	if (model->has_se)
		insight_read_float8_array(m, model->se, model->nparams);
	insight_model_close(m);

	names = clv_param_names(model->algorithm);
	for (int i = 0; i < model->nparams; i++)
		if (!(isfinite(model->params[i]) && model->params[i] > 0))
			insight_model_corrupt(psprintf("Parameter %s is %g; it must be positive and finite.",
										   names[i], model->params[i]));
	if (model->status > CLV_NOT_CONVERGED)
		insight_model_corrupt(psprintf("Fit status %u is not known.", model->status));
	if (!(model->customers >= 0) || !(model->skipped >= 0))
		insight_model_corrupt("The customer counts are negative.");
	for (int i = 0; model->has_se && i < model->nparams; i++)
		if (!isnan(model->se[i]) && !(isfinite(model->se[i]) && model->se[i] >= 0))
			insight_model_corrupt(psprintf("The standard error of %s is %g; it must be positive and finite, or NaN.",
										   names[i], model->se[i]));
	return model;
}

/* The reader of a CLV model of algorithm 'expected' (0: a transaction model). */
static InsightModelReader
clv_lookup(const InsightModelHeader *header, int expected)
{
	if (expected != 0)
		insight_model_expect_algorithm(header, (uint16) expected);
	else if (header->algorithm != INSIGHT_ALG_BGNBD && header->algorithm != INSIGHT_ALG_PNBD &&
			 header->algorithm != INSIGHT_ALG_MBGNBD)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("model is a \"%s\" model, not a transaction model",
						insight_algorithm_name(header->algorithm)),
				 errdetail("Purchases and P(alive) come from a BG/NBD, Pareto/NBD or MBG/NBD model."),
				 errhint("Pass a model from insight_bgnbd_fit, insight_pnbd_fit, insight_mbgnbd_fit or their _model constructors.")));
	return clv_model_decode;
}

const ClvModel *
clv_model_arg(FunctionCallInfo fcinfo, int argno, int expected)
{
	return insight_model_cache_get(fcinfo, argno, clv_lookup, expected, NULL);
}

Datum
clv_model_from_args(FunctionCallInfo fcinfo, uint16 algorithm)
{
	ClvModel	model;
	const char *const *names = clv_param_names(algorithm);

	memset(&model, 0, sizeof(model));
	model.algorithm = algorithm;
	model.nparams = clv_param_count(algorithm);
	for (int i = 0; i < model.nparams; i++)
	{
		model.params[i] = PG_GETARG_FLOAT8(i);
		if (!(isfinite(model.params[i]) && model.params[i] > 0))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("parameter %s must be positive and finite, not %g",
							names[i], model.params[i]),
					 errdetail("Every parameter of a %s model is the shape or scale of a gamma or beta distribution.",
							   insight_algorithm_name(algorithm)),
					 errhint("Published models give all of them as positive numbers, for example insight_bgnbd_model(0.243, 4.414, 0.793, 2.426).")));
	}
	model.log_likelihood = NAN;
	model.extra = NAN;
	model.status = CLV_GIVEN;
	PG_RETURN_BYTEA_P(clv_model_write(&model));
}

void
insight_clv_model_info(const void *clv, StringInfo buf)
{
	const ClvModel *model = clv;
	const char *const *names;

	names = clv_param_names(model->algorithm);
	for (int i = 0; i < model->nparams; i++)
		insight_json_float8(buf, names[i], model->params[i]);
	insight_json_text(buf, "source", model->status == CLV_GIVEN ? "given" : "fit");
	if (model->status != CLV_GIVEN)
	{
		insight_json_float8(buf, "log_likelihood", model->log_likelihood);
		insight_json_float8(buf, "customers", model->customers);
		insight_json_int64(buf, "distinct_rows", (int64) model->distinct_rows);
		insight_json_float8(buf, "rows_skipped", model->skipped);
		insight_json_int64(buf, "iterations", model->iterations);
		appendStringInfo(buf, ", \"converged\": %s",
						 model->status == CLV_CONVERGED ? "true" : "false");
		if (model->algorithm == INSIGHT_ALG_GAMMAGAMMA)
			insight_json_float8(buf, "frequency_spend_correlation", model->extra);
	}
	if (model->has_se)
	{
		appendStringInfoString(buf, ", \"standard_errors\": {");
		for (int i = 0; i < model->nparams; i++)
		{
			if (i > 0)
				appendStringInfoString(buf, ", ");
			escape_json(buf, names[i]);
			appendStringInfoString(buf, ": ");
			appendStringInfoString(buf, isfinite(model->se[i]) ? float8out_internal(model->se[i]) : "null");
		}
		appendStringInfoChar(buf, '}');
	}
}

void
clv_check_summary(double x, double t_x, double T)
{
	if (!isfinite(x) || !isfinite(t_x) || !isfinite(T))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("frequency, recency and T must be finite"),
				 errdetail("The values are %g, %g and %g.", x, t_x, T),
				 errhint("Compute them with insight_clv_summary().")));
	if (x < 0 || x != floor(x))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("frequency must be a non-negative whole number, not %g", x),
				 errdetail("frequency counts the repeat purchase days."),
				 errhint("Compute it with insight_clv_summary().")));
	if (x > CLV_MAX_FREQUENCY)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("frequency must be at most 2^53, not %g", x),
				 errdetail("frequency counts the repeat purchase days; above 2^53 a float8 no longer holds every whole number."),
				 errhint("Compute it with insight_clv_summary().")));
	if (t_x < 0 || T < t_x)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("recency and T must satisfy 0 <= recency <= T, not recency %g and T %g", t_x, T),
				 errdetail("recency runs from the first to the last purchase, T from the first purchase to the end of observation."),
				 errhint("Compute them with insight_clv_summary().")));
	if (x == 0 && t_x != 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("recency must be 0 when frequency is 0, not %g", t_x),
				 errdetail("A customer without repeat purchases has no time between first and last purchase."),
				 errhint("Compute them with insight_clv_summary().")));
}

/*
 * Days in a period as extract(epoch from interval) / 86400: a month is
 * 30.4375 days (365.25 / 12), as in PostgreSQL.
 */
double
clv_period_days(Datum value)
{
	Interval   *period = DatumGetIntervalP(value);
	double		days;

	days = period->time / (double) USECS_PER_DAY + period->day +
		period->month * (DAYS_PER_YEAR / MONTHS_PER_YEAR);
	if (!(isfinite(days) && days > 0))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("period must be positive"),
				 errdetail("The period is the time unit in which frequency, recency and T are measured."),
				 errhint("Pass the time unit of the model, for example interval '7 days' for weeks.")));
	return days;
}

/*
 * insight_clv_model_unusable(model): NULL when the model can score every
 * customer, otherwise why not (for activation: a model in service must be
 * able to serve).  Reading the model checks that every parameter is positive
 * and finite; beyond that, a Gamma-Gamma model has a finite mean spend only
 * for q > 1 (Fader & Hardie 2013, eq. 5 at frequency 0).  The BG/NBD and
 * Pareto/NBD models have no further condition: every BG/NBD expectation is
 * finite, a + b <= 1 included (clv_bgnbd_expected), and the Pareto/NBD one
 * is continuous at s = 1.
 */
/* The reader of any CLV model: BG/NBD, Pareto/NBD or Gamma-Gamma. */
InsightModelReader
clv_any_reader(const InsightModelHeader *header, int expected pg_attribute_unused())
{
	if (header->algorithm != INSIGHT_ALG_BGNBD && header->algorithm != INSIGHT_ALG_PNBD &&
		header->algorithm != INSIGHT_ALG_GAMMAGAMMA && header->algorithm != INSIGHT_ALG_MBGNBD &&
		header->algorithm != INSIGHT_ALG_BGBB)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("model is a \"%s\" model, not a CLV model",
						insight_algorithm_name(header->algorithm)),
				 errhint("Pass a BG/NBD, Pareto/NBD, MBG/NBD, BG/BB or Gamma-Gamma model.")));
	return clv_model_decode;
}

PG_FUNCTION_INFO_V1(insight_clv_model_unusable);
Datum
insight_clv_model_unusable(PG_FUNCTION_ARGS)
{
	const ClvModel *model;
	const double *p;

	/* one read: the cache checks the header, then decodes (or finds) the model */
	model = insight_model_cache_get(fcinfo, 0, clv_any_reader, 0, NULL);
	p = model->params;
	if (model->algorithm == INSIGHT_ALG_GAMMAGAMMA && !(p[1] > 1))
		PG_RETURN_TEXT_P(cstring_to_text(psprintf("q = %g: a Gamma-Gamma model has a finite mean spend only for q > 1", p[1])));
	PG_RETURN_NULL();
}
