/*-------------------------------------------------------------------------
 *
 * gbdt.c
 *	  insight_gbdt_fit: gradient-boosted trees (Chen & Guestrin, "XGBoost: A
 *	  Scalable Tree Boosting System", KDD 2016) trained by XGBoost's C API
 *	  over the rows of any query, one boosting round at a time.
 *
 * The rows (features float8[], target) are read through an SPI cursor into
 * one float32 matrix (XGBoost trains on float32: the values are rounded to
 * float32 here exactly as xgboost.DMatrix rounds a float64 NumPy array),
 * under insight.max_training_memory, checked before anything is allocated
 * for XGBoost.  A boolean target trains binary:logistic, a float8 target
 * reg:squarederror.  With validation_fraction > 0 the last rows of the
 * query are the validation rows (ORDER BY time for an out-of-time split);
 * with early_stopping_rounds = k, training stops when the validation metric
 * has not improved for k rounds and the booster is cut to its best round,
 * as xgboost.train(..., early_stopping_rounds = k) with EarlyStopping
 * (save_best = True) does (xgboost/callback.py, 1.7).
 *
 * Each round is XGBoosterUpdateOneIter then XGBoosterEvalOneIter (whose
 * text, the one xgboost.train parses, gives the metrics), with
 * CHECK_FOR_INTERRUPTS() between rounds and a NOTICE at round 1, every
 * tenth round and the last.  Matrices and boosters live in handles owned
 * by the fit's memory context (xgb.h): an error or a cancel frees them.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <float.h>
#include <math.h>

#include "catalog/pg_type_d.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/float.h"
#include "utils/memutils.h"

#include "core/insight.h"
#include "core/user_query.h"
#include "core/util.h"
#include "models/trees/gbdt.h"

#define FETCH_ROWS 10000

/*
 * Memory for a row of d features while training: our float32 copy (4d),
 * XGBoost's DMatrix entries (index and value: 8d), its histogram index (up
 * to 4d), and per-row label, offsets, gradients and predictions (64).
 */
#define GBDT_ROW_BYTES(d) (16 * (Size) (d) + 64)

typedef struct GbdtData
{
	int			d;				/* features; 0 until the first usable row */
	bool		binary;			/* boolean target */
	uint64		n;
	uint64		cap;
	uint64		skipped;
	uint64		positives;
	float	   *x;				/* n x d, row-major */
	float	   *y;
	MemoryContext cxt;
} GbdtData;

void
insight_gbdt_row(ArrayType *array, int expected, float *out)
{
	int			n;
	const double *values;
	Datum	   *datums = NULL;
	bool	   *nulls = NULL;

	if (ARR_ELEMTYPE(array) != FLOAT8OID || ARR_NDIM(array) != 1 ||
		ARR_DIMS(array)[0] < 1 || ARR_DIMS(array)[0] != expected)
		insight_feature_array_error(array, expected);
	n = expected;
	if (!ARR_HASNULL(array))
		values = (const double *) ARR_DATA_PTR(array);
	else
	{
		double	   *copy = palloc(sizeof(double) * n);

		deconstruct_array(array, FLOAT8OID, 8, FLOAT8PASSBYVAL, TYPALIGN_DOUBLE,
						  &datums, &nulls, &n);
		for (int j = 0; j < n; j++)
			copy[j] = nulls[j] ? 0 : DatumGetFloat8(datums[j]);
		values = copy;
	}
	insight_check_finite(values, n);
	for (int j = 0; j < n; j++)
	{
		if (nulls != NULL && nulls[j])
			out[j] = get_float4_nan();
		else
			out[j] = insight_gbdt_float4(values[j], j);
	}
}

float
insight_gbdt_float4(double v, int j)
{
	if (unlikely(fabs(v) > FLT_MAX))
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("feature %d is out of range for gradient-boosted trees: %g", j + 1, v),
				 errdetail("XGBoost stores features as float4, whose largest magnitude is %g.",
						   (double) FLT_MAX),
				 errhint("Rescale the feature, for example with a logarithm.")));
	return (float) v;
}

/* The query's shape: (features float8[], target boolean or float8). */
static const InsightQueryColumn gbdt_columns[] = {
	{"features", INSIGHT_COLUMN_TYPE, FLOAT8ARRAYOID, "float8[]"},
	{"target", INSIGHT_COLUMN_ANY, InvalidOid, "boolean or float8"},
};
static const InsightQuerySpec gbdt_query = {
	gbdt_columns, 2, false,
	"A boolean target trains a classifier, a float8 target a regression: cast the columns, for example SELECT features::float8[], churned::boolean FROM ..."
};

/* Check the user's query; true for a boolean target, false for float8. */
static bool
check_query_shape(InsightUserQuery *uq, const char *query)
{
	insight_user_query(uq, query, "insight_gbdt_fit", &gbdt_query);
	if (uq->types[1] != BOOLOID && uq->types[1] != FLOAT8OID)
		ereport(ERROR,
				(errcode(ERRCODE_DATATYPE_MISMATCH),
				 errmsg("query must return two columns (features float8[], target boolean or float8)"),
				 errdetail("The target column is of type %s.", format_type_be(uq->types[1])),
				 errhint("%s", gbdt_query.hint)));
	return uq->types[1] == BOOLOID;
}

/* Room for one more row, within insight.max_training_memory. */
static void
data_reserve(GbdtData *data)
{
	uint64		rows = data->n + 1;
	Size		limit_rows;

	if (data->n < data->cap)
		return;
	insight_check_training_memory(mul_size(rows, GBDT_ROW_BYTES(data->d)),
								  "insight_gbdt_fit");
	limit_rows = (Size) insight_max_training_memory * 1024 / GBDT_ROW_BYTES(data->d) + 1;
	data->cap = Min(Max(data->cap * 2, 1024), Max(limit_rows, rows));
	if (data->x == NULL)
	{
		data->x = MemoryContextAllocHuge(data->cxt, mul_size(data->cap, sizeof(float) * data->d));
		data->y = MemoryContextAllocHuge(data->cxt, mul_size(data->cap, sizeof(float)));
	}
	else
	{
		data->x = repalloc_huge(data->x, mul_size(data->cap, sizeof(float) * data->d));
		data->y = repalloc_huge(data->y, mul_size(data->cap, sizeof(float)));
	}
}

static void
add_row(GbdtData *data, Datum features, Datum target)
{
	ArrayType  *array = DatumGetArrayTypeP(features);
	double		t;

	if (data->d == 0)
	{
		if (ARR_NDIM(array) != 1 || ARR_DIMS(array)[0] < 1)
			insight_feature_array_error(array, -1);
		data->d = ARR_DIMS(array)[0];
		if (data->d > GBDT_MAX_FEATURES)
			ereport(ERROR,
					(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
					 errmsg("gradient-boosted trees take at most %d features, not %d",
							GBDT_MAX_FEATURES, data->d)));
	}
	data_reserve(data);
	insight_gbdt_row(array, data->d, data->x + data->n * data->d);
	if (data->binary)
	{
		t = DatumGetBool(target) ? 1.0 : 0.0;
		data->positives += DatumGetBool(target);
	}
	else
	{
		t = DatumGetFloat8(target);
		if (!isfinite(t) || fabs(t) > FLT_MAX)
			ereport(ERROR,
					(errcode(ERRCODE_DATA_EXCEPTION),
					 errmsg("target must be a finite float4-range number, not %g", t),
					 errdetail("Row " UINT64_FORMAT " of the usable rows has this target.", data->n + 1),
					 errhint("Leave out the row, or give it a NULL target to skip it.")));
	}
	data->y[data->n++] = (float) t;
}

/* Read every row of the query through a cursor. */
static void
read_rows(GbdtData *data, const InsightUserQuery *uq)
{
	Portal		portal;
	MemoryContext batch = AllocSetContextCreate(CurrentMemoryContext, "insight_gbdt_fit rows",
												ALLOCSET_DEFAULT_SIZES);

	portal = SPI_cursor_open(NULL, uq->plan, NULL, NULL, true);
	for (;;)
	{
		MemoryContext old;

		CHECK_FOR_INTERRUPTS();
		SPI_cursor_fetch(portal, true, FETCH_ROWS);
		if (SPI_processed == 0)
			break;
		old = MemoryContextSwitchTo(batch);
		for (uint64 i = 0; i < SPI_processed; i++)
		{
			bool		null_features,
						null_target;
			Datum		features = SPI_getbinval(SPI_tuptable->vals[i], SPI_tuptable->tupdesc,
												 1, &null_features);
			Datum		target = SPI_getbinval(SPI_tuptable->vals[i], SPI_tuptable->tupdesc,
											   2, &null_target);

			if (null_features || null_target)
				data->skipped++;
			else
				add_row(data, features, target);
		}
		MemoryContextSwitchTo(old);
		MemoryContextReset(batch);
		SPI_freetuptable(SPI_tuptable);
	}
	SPI_cursor_close(portal);
	MemoryContextDelete(batch);
}

/* The value of "<name>-<metric>:value" in XGBoosterEvalOneIter's text. */
static double
parse_metric(const char *eval, const char *name)
{
	char	   *key = psprintf("\t%s-", name);
	const char *at = strstr(eval, key);
	const char *colon = at ? strchr(at, ':') : NULL;
	char	   *end;
	double		v;

	if (colon == NULL)
		elog(ERROR, "insight_gbdt_fit: no %s metric in \"%s\"", name, eval);
	v = strtod(colon + 1, &end);
	if (end == colon + 1)
		elog(ERROR, "insight_gbdt_fit: no %s metric in \"%s\"", name, eval);
	return v;
}

static void
set_params(XgbHandle *booster, const GbdtParams *p, bool binary)
{
	insight_xgb_set(booster, "objective", binary ? "binary:logistic" : "reg:squarederror");
	insight_xgb_set(booster, "eval_metric", binary ? "logloss" : "rmse");
	insight_xgb_set(booster, "tree_method", gbdt_tree_methods[p->tree_method]);
	for (int i = 0; i < GBDT_NUM_PARAMS; i++)
		if (gbdt_params[i].xgb_name != NULL)
			insight_xgb_set(booster, gbdt_params[i].xgb_name,
							float8out_internal(p->v[i]));
}

/* The booster's model as UBJ, appended to the model being written. */
static void
write_booster(InsightModelWriter *w, XgbHandle *booster)
{
	bst_ulong	len = 0;
	const char *bytes = NULL;

	insight_xgb_check(insight_xgb()->BoosterSaveModelToBuffer(booster->h, "{\"format\": \"ubj\"}",
															   &len, &bytes),
					  "save the model");
	insight_write_uint64(w, (uint64) len);
	appendBinaryStringInfo(&w->payload, bytes, (int) len);
}

typedef struct GbdtRun
{
	int			trained;		/* rounds run */
	int			kept;			/* rounds in the final booster */
	bool		stopped;		/* early stopping ended the training */
	double		train_metric;	/* at the kept round */
	double		valid_metric;
} GbdtRun;

/* Boosting rounds, one at a time; early stopping on the validation rows. */
static void
boost(XgbHandle *booster, DMatrixHandle *dmats, int ndmats, const GbdtParams *p,
	  const char *metric, GbdtRun *run)
{
	const char *names[2] = {"train", "valid"};
	int			rounds = (int) p->v[GBDT_ROUNDS];
	int			patience = (int) p->v[GBDT_EARLY_STOPPING_ROUNDS];
	double		best = 0;
	int			since_best = 0;
	double		last_train = 0;
	double		last_valid = 0;

	memset(run, 0, sizeof(*run));
	for (int it = 0; it < rounds; it++)
	{
		const char *eval;
		double		train,
					valid = 0;

		CHECK_FOR_INTERRUPTS();
		insight_xgb_check(insight_xgb()->BoosterUpdateOneIter(booster->h, it, dmats[0]),
						  "run a boosting round");
		insight_xgb_check(insight_xgb()->BoosterEvalOneIter(booster->h, it, dmats, names,
															 ndmats, &eval),
						  "evaluate a boosting round");
		train = parse_metric(eval, "train");
		if (ndmats > 1)
			valid = parse_metric(eval, "valid");
		run->trained = it + 1;
		last_train = train;
		last_valid = valid;
		if (it == 0 || it == rounds - 1 || (it + 1) % 10 == 0)
			ereport(NOTICE,
					(errmsg("insight_gbdt_fit: round %d, training %s %.6g%s",
							it + 1, metric, train,
							ndmats > 1 ? psprintf(", validation %s %.6g", metric, valid) : "")));

		/* as xgboost's EarlyStopping: the first round, then strictly better */
		if (ndmats == 1 || it == 0 || valid < best)
		{
			best = valid;
			since_best = 0;
			run->kept = it + 1;
			run->train_metric = train;
			run->valid_metric = valid;
		}
		else
			since_best++;
		if (patience > 0 && since_best >= patience)
		{
			run->stopped = true;
			ereport(NOTICE,
					(errmsg("insight_gbdt_fit: stopped after round %d, best round %d (validation %s %.6g)",
							it + 1, run->kept, metric, run->valid_metric)));
			break;
		}
	}
	/* without early stopping every round is kept, as xgboost.train does */
	if (patience == 0)
	{
		run->kept = run->trained;
		run->train_metric = last_train;
		run->valid_metric = last_valid;
	}
}

/* Matrices for the first ntrain rows and the rest, with their labels. */
static int
make_matrices(const GbdtData *data, uint64 ntrain, MemoryContext cxt, DMatrixHandle *dmats)
{
	uint64		offsets[2] = {0, ntrain};
	uint64		counts[2] = {ntrain, data->n - ntrain};
	int			n = counts[1] > 0 ? 2 : 1;

	for (int i = 0; i < n; i++)
	{
		XgbHandle  *m = insight_xgb_handle(cxt, false);

		insight_xgb_dmatrix(m, data->x + offsets[i] * data->d, counts[i], data->d);
		insight_xgb_check(insight_xgb()->DMatrixSetFloatInfo(m->h, "label",
															  data->y + offsets[i],
															  counts[i]),
						  "set the labels");
		dmats[i] = m->h;
	}
	return n;
}

static void
check_data(const GbdtData *data, uint64 nvalid, double fraction)
{
	if (data->n == 0)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("no training rows"),
				 data->skipped == 0 ?
				 errdetail("The query returned no rows.") :
				 errdetail("All " UINT64_FORMAT " rows were skipped because their features or their target are NULL.",
						   data->skipped)));
	if (data->binary && (data->positives == 0 || data->positives == data->n))
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("training rows hold only one class"),
				 errdetail("All " UINT64_FORMAT " usable rows have target %s.", data->n,
						   data->positives > 0 ? "true" : "false"),
				 errhint("A classifier needs rows with target true and rows with target false.")));
	if (fraction > 0 && (nvalid == 0 || nvalid == data->n))
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("too few rows for a validation split"),
				 errdetail("validation_fraction %g of " UINT64_FORMAT " usable rows leaves no rows for %s.",
						   fraction, data->n, nvalid == 0 ? "validation" : "training"),
				 errhint("Train on more rows, or change validation_fraction.")));
}

PG_FUNCTION_INFO_V1(insight_gbdt_fit);
Datum
insight_gbdt_fit(PG_FUNCTION_ARGS)
{
	GbdtParams	params;
	char	  **names;
	int			nnames;
	InsightUserQuery uq;
	GbdtData	data;
	MemoryContext cxt;
	MemoryContext old;
	uint64		nvalid;
	DMatrixHandle dmats[2];
	int			ndmats;
	XgbHandle  *booster;
	GbdtRun		run;
	InsightModelWriter w;
	bytea	   *result;

	if (PG_ARGISNULL(0) || PG_ARGISNULL(1))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("query and params must not be NULL"),
				 errhint("Pass '{}' for the default parameters.")));
	insight_gbdt_parse_params(PG_GETARG_JSONB_P(1), &params, &names, &nnames);

	/* everything of the fit, XGBoost's handles included, lives in cxt */
	cxt = AllocSetContextCreate(CurrentMemoryContext, "insight_gbdt_fit", ALLOCSET_DEFAULT_SIZES);
	memset(&data, 0, sizeof(data));
	data.cxt = cxt;

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "insight_gbdt_fit: SPI_connect failed");
	data.binary = check_query_shape(&uq, text_to_cstring(PG_GETARG_TEXT_PP(0)));
	read_rows(&data, &uq);
	SPI_finish();

	nvalid = (uint64) floor(params.v[GBDT_VALIDATION_FRACTION] * (double) data.n);
	check_data(&data, nvalid, params.v[GBDT_VALIDATION_FRACTION]);
	if (nnames > 0 && nnames != data.d)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("feature_names has %d names but the rows have %d features", nnames, data.d),
				 errhint("Give one name per element of the feature array, in order.")));
	insight_check_training_memory(mul_size(data.n, GBDT_ROW_BYTES(data.d)), "insight_gbdt_fit");

	old = MemoryContextSwitchTo(cxt);
	ndmats = make_matrices(&data, data.n - nvalid, cxt, dmats);
	pfree(data.x);				/* XGBoost holds its own copy now */
	pfree(data.y);
	booster = insight_xgb_handle(cxt, true);
	insight_xgb_booster(booster, dmats, ndmats);
	set_params(booster, &params, data.binary);
	boost(booster, dmats, ndmats, &params, data.binary ? "logloss" : "rmse", &run);

	if (run.kept < run.trained)
	{
		XgbHandle  *best = insight_xgb_handle(cxt, true);
		BoosterHandle h = NULL;

		insight_xgb_check(insight_xgb()->BoosterSlice(booster->h, 0, run.kept, 1, &h),
						  "cut the model to its best round");
		insight_xgb_adopt(best, h);
		insight_xgb_free(booster);
		booster = best;
		insight_xgb_set(booster, "nthread", "1");
	}
	if (nnames > 0)
		insight_xgb_check(insight_xgb()->BoosterSetStrFeatureInfo(booster->h, "feature_name",
																   (const char **) names,
																   nnames),
						  "set the feature names");

	insight_writer_init(&w, INSIGHT_ALG_GBDT);
	w.header.counts[0] = (uint32) data.d;
	w.header.counts[1] = data.binary ? GBDT_BINARY : GBDT_REGRESSION;
	w.header.counts[2] = (uint32) run.kept;
	w.header.counts[3] = (uint32) nnames;
	w.header.flags = run.stopped ? GBDT_EARLY_STOPPED : 0;
	insight_write_uint64(&w, data.n);
	insight_write_uint64(&w, data.skipped);
	insight_write_uint64(&w, nvalid);
	insight_write_uint64(&w, data.positives);
	insight_write_uint32(&w, (uint32) run.trained);
	insight_write_uint32(&w, (uint32) params.tree_method);
	insight_write_float8_array(&w, params.v, GBDT_NUM_PARAMS);
	insight_write_float8(&w, run.train_metric);
	insight_write_float8(&w, run.valid_metric);
	for (int i = 0; i < nnames; i++)
		insight_write_text(&w, names[i], strlen(names[i]));
	write_booster(&w, booster);
	MemoryContextSwitchTo(old);
	result = insight_writer_finish(&w);
	MemoryContextDelete(cxt);	/* frees the matrices and the booster */

	/* what was written reads back */
	{
		InsightModel m;
		GbdtView	view;
		char		errbuf[INSIGHT_ERRBUF_SIZE];

		insight_model_open(&m, result, INSIGHT_ALG_GBDT);
		if (!gbdt_view_read(&m.header, m.cur.data, m.cur.len, &view, errbuf, sizeof(errbuf)))
			elog(ERROR, "insight_gbdt_fit wrote an invalid model: %s", errbuf);
	}
	PG_RETURN_BYTEA_P(result);
}
