/*-------------------------------------------------------------------------
 *
 * gbdt_predict.c
 *	  Reading GBDT models, their place in the model cache, prediction, SHAP
 *	  explanations and export.
 *
 * Prediction and explanation walk the model's trees in double precision
 * (gbdt_trees.h): XGBoost trains the model and exports it, but its own
 * predictor and pred_contribs compute in float32, and their bias + sum of
 * SHAP values misses their margin by up to a few 1e-6 (issue 17).  The
 * trees are read once per decoded model from XGBoost's JSON dump of the
 * booster it loaded (XGBoosterSaveModelToBuffer, format "json").
 *
 * Explanations are exact path-dependent TreeSHAP (Lundberg, Erion & Lee,
 * "Consistent Individualized Feature Attribution for Tree Ensembles", 2018,
 * Algorithm 2), with XGBoost's conventions (RegTree::TreeShap): for a row
 * of d features, d + 1 values, the contribution of each feature then the
 * bias (the base margin plus each tree's cover-weighted mean leaf value),
 * in the margin's units (log-odds for a classifier), summing to the margin
 * the model predicts for the row to about 1e-15.
 *
 * Cache: decoded models, their boosters loaded and their trees read, live
 * in insight's per-backend model cache (core/model_cache.h), shared with
 * insight_predict and insight_contributions: the same bytes are decoded
 * once whichever function scores them, and the trees' arrays count in the
 * cached model's memory.  The cache drops a model by deleting its memory
 * context, whose reset callback frees the booster (xgb.h).
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "catalog/pg_type_d.h"
#include "funcapi.h"
#include "utils/builtins.h"
#include "utils/json.h"
#include "utils/memutils.h"

#include "core/model_cache.h"
#include "core/util.h"
#include "models/trees/gbdt.h"

/* ---------------------------------------------------------------------------
 * Reading
 * ---------------------------------------------------------------------------
 */

static void
read_view(InsightModel *m, GbdtView *view)
{
	char		errbuf[INSIGHT_ERRBUF_SIZE];

	if (!gbdt_view_read(&m->header, m->cur.data, m->cur.len, view, errbuf, sizeof(errbuf)))
		insight_model_corrupt(errbuf);
	m->cur.pos = m->cur.len;	/* the view read the whole payload */
	insight_model_close(m);
}

/* The model's feature names, or f1 .. fd. */
static char **
view_names(const GbdtView *view)
{
	char	  **names = palloc(sizeof(char *) * view->features);
	InsightCursor cur;

	insight_cursor_init(&cur, view->names, (size_t) -1 / 2);	/* validated */
	for (uint32 i = 0; i < view->features; i++)
	{
		if (view->nnames > 0)
		{
			uint32		len = insight_cursor_uint32(&cur);
			const uint8 *bytes;

			insight_cursor_bytes(&cur, len, &bytes);
			names[i] = pnstrdup((const char *) bytes, len);
		}
		else
			names[i] = psprintf("f%u", i + 1);
	}
	return names;
}

/* Copy n elements of size bytes into CurrentMemoryContext. */
static void *
copy_array(const void *src, size_t n, size_t size)
{
	void	   *dst = palloc_extended(Max(n * size, 1), MCXT_ALLOC_HUGE);

	memcpy(dst, src, n * size);
	return dst;
}

/*
 * The booster's trees, from its JSON model, into model->trees (allocated in
 * CurrentMemoryContext, the model's); parsed in a context of its own,
 * deleted once the arrays are copied out at their exact sizes.
 */
static void
read_trees(InsightGbdt *model)
{
	MemoryContext cxt = CurrentMemoryContext;
	MemoryContext parse_cxt = AllocSetContextCreate(cxt, "gbdt trees", ALLOCSET_DEFAULT_SIZES);
	GbdtTrees	t;
	bst_ulong	len = 0;
	const char *json = NULL;
	char		errbuf[256];
	bool		ok;

	insight_xgb_check(insight_xgb()->BoosterSaveModelToBuffer(model->booster->h,
															   "{\"format\": \"json\"}",
															   &len, &json),
					  "save the model as JSON");
	MemoryContextSwitchTo(parse_cxt);
	ok = gbdt_trees_read(json, (size_t) len, &t, errbuf, sizeof(errbuf));
	MemoryContextSwitchTo(cxt);
	if (!ok)
		insight_model_corrupt(errbuf);
	if (t.features != model->view.features || t.objective != model->view.objective ||
		t.ntrees != model->view.trees)
		insight_model_corrupt(psprintf("The booster's JSON model has %u features, objective %u and %u trees; the header %u, %u and %u.",
									   t.features, t.objective, t.ntrees, model->view.features,
									   model->view.objective, model->view.trees));
	if (t.max_depth > (uint32) model->view.params.v[GBDT_MAX_DEPTH])
		insight_model_corrupt(psprintf("The booster has a tree of depth %u, deeper than the model's max_depth %g.",
									   t.max_depth, model->view.params.v[GBDT_MAX_DEPTH]));
	model->trees = t;
	model->trees.nodes = copy_array(t.nodes, t.nnodes, sizeof(GbdtNode));
	model->trees.roots = copy_array(t.roots, t.ntrees, sizeof(uint32));
	model->trees.expected = copy_array(t.expected, t.ntrees, sizeof(double));
	MemoryContextDelete(parse_cxt);
}

void *
insight_gbdt_decode(InsightModel *m)
{
	InsightGbdt *model = palloc0(sizeof(InsightGbdt));
	const InsightXgbApi *api = insight_xgb();
	bst_ulong	features = 0;
	int			rounds = 0;

	read_view(m, &model->view);
	model->names = view_names(&model->view);
	model->booster = insight_xgb_handle(CurrentMemoryContext, true);
	insight_xgb_booster(model->booster, NULL, 0);
	insight_xgb_check(api->BoosterLoadModelFromBuffer(model->booster->h, model->view.booster,
													  model->view.booster_len),
					  "load the model");
	insight_xgb_set(model->booster, "nthread", "1");	/* again, after the load */
	insight_xgb_check(api->BoosterGetNumFeature(model->booster->h, &features),
					  "count the model's features");
	insight_xgb_check(api->BoosterBoostedRounds(model->booster->h, &rounds),
					  "count the model's rounds");
	if (features != model->view.features || rounds != (int) model->view.trees)
		insight_model_corrupt(psprintf("The booster has %llu features and %d rounds, the header %u and %u.",
									   (unsigned long long) features, rounds,
									   model->view.features, model->view.trees));
	read_trees(model);
	model->view.names = NULL;
	model->view.booster = NULL;
	return model;
}

/* The parameters of a model's view; names[] are its feature names. */
static void
gbdt_info_view(const GbdtView *view, char **names, StringInfo buf)
{
	bool		binary = view->objective == GBDT_BINARY;

	insight_json_int64(buf, "features", view->features);
	insight_json_text(buf, "objective", binary ? "binary:logistic" : "reg:squarederror");
	insight_json_int64(buf, "rounds", view->trees);
	insight_json_int64(buf, "rounds_trained", view->rounds_trained);
	appendStringInfo(buf, ", \"early_stopped\": %s",
					 (view->flags & GBDT_EARLY_STOPPED) ? "true" : "false");
	insight_json_int64(buf, "rows", (int64) view->rows);
	insight_json_int64(buf, "rows_skipped", (int64) view->skipped);
	insight_json_int64(buf, "validation_rows", (int64) view->validation_rows);
	if (binary)
		insight_json_int64(buf, "positives", (int64) view->positives);
	insight_json_text(buf, "metric", binary ? "logloss" : "rmse");
	insight_json_float8(buf, "training_metric", view->train_metric);
	if (view->validation_rows > 0)
		insight_json_float8(buf, "validation_metric", view->valid_metric);
	appendStringInfoString(buf, ", \"params\": {");
	escape_json(buf, "tree_method");
	appendStringInfo(buf, ": \"%s\"", gbdt_tree_methods[view->params.tree_method]);
	for (int i = 0; i < GBDT_NUM_PARAMS; i++)
		insight_json_float8(buf, gbdt_params[i].name, view->params.v[i]);
	appendStringInfoChar(buf, '}');
	appendStringInfoString(buf, ", \"feature_names\": [");
	for (uint32 i = 0; i < view->features; i++)
	{
		if (i > 0)
			appendStringInfoString(buf, ", ");
		escape_json(buf, names[i]);
	}
	appendStringInfoChar(buf, ']');
	insight_json_int64(buf, "booster_bytes", (int64) view->booster_len);
}

void
insight_gbdt_info(InsightModel *m, StringInfo buf)
{
	GbdtView	view;

	read_view(m, &view);
	gbdt_info_view(&view, view_names(&view), buf);
}

void
insight_gbdt_info_model(const void *model, StringInfo buf)
{
	const InsightGbdt *g = model;

	gbdt_info_view(&g->view, g->names, buf);
}

/* ---------------------------------------------------------------------------
 * The per-backend cache: insight's model cache (core/model_cache.h)
 * ---------------------------------------------------------------------------
 */

static InsightModelReader
gbdt_lookup(const InsightModelHeader *header, int expected)
{
	insight_model_expect_algorithm(header, expected);
	return insight_gbdt_decode;
}

/* The model of argument 0, decoded with its booster loaded, from the cache. */
static const InsightGbdt *
gbdt_cached(FunctionCallInfo fcinfo)
{
	return insight_model_cache_get(fcinfo, 0, gbdt_lookup, INSIGHT_ALG_GBDT, NULL);
}

/* ---------------------------------------------------------------------------
 * Prediction and explanation
 * ---------------------------------------------------------------------------
 */

/* The row of argument 1 as float32 (NULL elements missing), palloc'd. */
static float *
row_arg(FunctionCallInfo fcinfo, const InsightGbdt *model)
{
	float	   *x = palloc(sizeof(float) * model->view.features);

	insight_gbdt_row(PG_GETARG_ARRAYTYPE_P(1), (int) model->view.features, x);
	return x;
}

/*
 * The prediction (margin false: the probability for binary:logistic, the
 * value for reg:squarederror) or the margin of one row, by the double
 * tree walker.  The probability is the logistic function of the margin, in
 * double (XGBoost's PredTransform, common::Sigmoid, in float32).
 */
static double
predict_row(const InsightGbdt *model, const float *x, bool margin)
{
	double		m = gbdt_trees_margin(&model->trees, x);

	if (margin || model->trees.objective != GBDT_BINARY)
		return m;
	return 1.0 / (1.0 + exp(-m));
}

/* SHAP values of one row: d contributions then the bias, palloc'd. */
static double *
explain_row(const InsightGbdt *model, const float *x)
{
	double	   *shap = palloc(sizeof(double) * (model->view.features + 1));
	GbdtPathElement *path = palloc(sizeof(GbdtPathElement) *
								   gbdt_trees_path_size(&model->trees));

	gbdt_trees_shap(&model->trees, x, shap, path);
	pfree(path);
	return shap;
}

/* A finite float8 row as float32 (22003 beyond float4's range). */
static float *
row_float4(const InsightGbdt *model, const double *x)
{
	float	   *f = palloc(sizeof(float) * model->view.features);

	for (uint32 j = 0; j < model->view.features; j++)
		f[j] = insight_gbdt_float4(x[j], (int) j);
	return f;
}

int
insight_gbdt_features(const void *model)
{
	return (int) ((const InsightGbdt *) model)->view.features;
}

double
insight_gbdt_predict_row(const void *model, const double *x)
{
	return predict_row(model, row_float4(model, x), false);
}

void
insight_gbdt_contributions_row(const void *model, const double *x, double *out)
{
	const InsightGbdt *g = model;
	double	   *shap = explain_row(g, row_float4(g, x));

	memcpy(out, shap, sizeof(double) * g->view.features);
}

PG_FUNCTION_INFO_V1(insight_gbdt_predict);
Datum
insight_gbdt_predict(PG_FUNCTION_ARGS)
{
	const InsightGbdt *model = gbdt_cached(fcinfo);
	bool		margin = PG_NARGS() > 2 && PG_GETARG_BOOL(2);

	PG_RETURN_FLOAT8(predict_row(model, row_arg(fcinfo, model), margin));
}

PG_FUNCTION_INFO_V1(insight_gbdt_explain);
Datum
insight_gbdt_explain(PG_FUNCTION_ARGS)
{
	const InsightGbdt *model = gbdt_cached(fcinfo);
	double	   *shap = explain_row(model, row_arg(fcinfo, model));

	PG_RETURN_ARRAYTYPE_P(insight_float8_array(shap, (int) model->view.features + 1));
}

/* (ordinal, feature, shap) rows: each feature, then (0, '(bias)', bias). */
PG_FUNCTION_INFO_V1(insight_gbdt_explain_named);
Datum
insight_gbdt_explain_named(PG_FUNCTION_ARGS)
{
	const InsightGbdt *model = gbdt_cached(fcinfo);
	double	   *shap = explain_row(model, row_arg(fcinfo, model));
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	uint32		d = model->view.features;

	InitMaterializedSRF(fcinfo, 0);
	for (uint32 j = 0; j <= d; j++)
	{
		Datum		values[3];
		bool		nulls[3] = {false, false, false};

		values[0] = Int32GetDatum(j < d ? (int32) j + 1 : 0);
		values[1] = CStringGetTextDatum(j < d ? model->names[j] : "(bias)");
		values[2] = Float8GetDatum(shap[j]);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	return (Datum) 0;
}

/* Features by |SHAP|, largest first; ties by position. */
static int
compare_abs_desc(const void *a, const void *b, void *arg)
{
	const double *shap = (const double *) arg;
	int			i = *(const int *) a;
	int			j = *(const int *) b;

	if (fabs(shap[i]) != fabs(shap[j]))
		return fabs(shap[i]) > fabs(shap[j]) ? -1 : 1;
	return i - j;
}

PG_FUNCTION_INFO_V1(insight_gbdt_reasons);
Datum
insight_gbdt_reasons(PG_FUNCTION_ARGS)
{
	const InsightGbdt *model = gbdt_cached(fcinfo);
	double	   *shap = explain_row(model, row_arg(fcinfo, model));
	int32		n = PG_GETARG_INT32(2);
	int			d = (int) model->view.features;
	int		   *order;
	Datum	   *texts;

	if (n < 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("number of reasons must be at least 1, not %d", n)));
	n = Min(n, d);
	order = palloc(sizeof(int) * d);
	for (int j = 0; j < d; j++)
		order[j] = j;
	qsort_arg(order, d, sizeof(int), compare_abs_desc, shap);
	texts = palloc(sizeof(Datum) * n);
	for (int k = 0; k < n; k++)
		texts[k] = CStringGetTextDatum(psprintf("%s %+.2f", model->names[order[k]],
												shap[order[k]]));
	PG_RETURN_ARRAYTYPE_P(construct_array(texts, n, TEXTOID, -1, false, TYPALIGN_INT));
}

PG_FUNCTION_INFO_V1(insight_gbdt_export);
Datum
insight_gbdt_export(PG_FUNCTION_ARGS)
{
	char	   *format = text_to_cstring(PG_GETARG_TEXT_PP(1));
	const InsightGbdt *model;
	bst_ulong	len = 0;
	const char *bytes = NULL;
	bytea	   *result;

	if (strcmp(format, "ubj") != 0 && strcmp(format, "json") != 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("unknown export format \"%s\"", format),
				 errhint("Use \"ubj\" (Universal Binary JSON) or \"json\".")));
	model = gbdt_cached(fcinfo);
	insight_xgb_check(insight_xgb()->BoosterSaveModelToBuffer(model->booster->h,
															   psprintf("{\"format\": \"%s\"}", format),
															   &len, &bytes),
					  "save the model");
	if (len > MaxAllocSize - VARHDRSZ)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("exported model of %llu bytes exceeds the maximum size of a bytea value",
						(unsigned long long) len)));
	result = palloc(VARHDRSZ + len);
	SET_VARSIZE(result, VARHDRSZ + len);
	memcpy(VARDATA(result), bytes, len);
	PG_RETURN_BYTEA_P(result);
}

PG_FUNCTION_INFO_V1(insight_gbdt_handles);
Datum
insight_gbdt_handles(PG_FUNCTION_ARGS)
{
	(void) fcinfo;
	PG_RETURN_INT32(insight_xgb_live_handles());
}
