/*-------------------------------------------------------------------------
 *
 * gbdt.h
 *	  Gradient-boosted trees through XGBoost: fitting (gbdt.c), parameters
 *	  (gbdt_params.c), reading, prediction and SHAP explanations
 *	  (gbdt_predict.c).  Model layout and parameter ranges: gbdt_format.h;
 *	  the rules for calling XGBoost inside a backend: xgb.h.
 *
 *-------------------------------------------------------------------------
 */
#ifndef INSIGHT_GBDT_H
#define INSIGHT_GBDT_H

#include "lib/stringinfo.h"
#include "utils/array.h"
#include "utils/jsonb.h"

#include "core/model_format.h"
#include "models/trees/gbdt_format.h"
#include "models/trees/gbdt_trees.h"
#include "models/trees/xgb.h"

/*
 * A decoded model: the validated view, the loaded booster (for export) and
 * its trees in flat arrays, which predict and explain (gbdt_trees.h).
 */
typedef struct InsightGbdt
{
	GbdtView	view;			/* its pointers are cleared: nothing points into the value */
	char	  **names;			/* d names: the model's, or f1 .. fd */
	XgbHandle  *booster;		/* owned by the context the model lives in */
	GbdtTrees	trees;			/* allocated in that context too */
} InsightGbdt;

/* Parameters from the params jsonb, validated (22023); names may be NULL. */
extern void insight_gbdt_parse_params(Jsonb *params, GbdtParams *p,
									  char ***names, int *nnames);

/*
 * One row of features as float32 for XGBoost: a NULL element is a missing
 * value (NaN, which XGBoost sends down each split's learned default
 * direction).  Errors: wrong shape or length (as insight_read_features),
 * NaN or Infinity (22000), a value beyond float4's range (22003).
 */
extern void insight_gbdt_row(ArrayType *array, int expected, float *out);

/* Feature j (0-based) of a finite row as float4; 22003 beyond its range. */
extern float insight_gbdt_float4(double v, int j);

/*
 * Validate and decode a model positioned by insight_model_open, loading its
 * booster (nthread = 1) into a handle owned by CurrentMemoryContext and
 * reading its trees from the booster's JSON model (gbdt_trees_read), checked
 * against the header: features, objective, number of trees, depth at most
 * the model's max_depth.
 * The signature of a model cache reader.
 */
extern void *insight_gbdt_decode(InsightModel *m);

/* insight_model_info's part for algorithm "gbdt" (never calls XGBoost). */
extern void insight_gbdt_info(InsightModel *m, StringInfo buf);

/*
 * The algorithm table's operations (models/algorithms.h) on a decoded
 * model: its info, its number of features, the prediction of a finite row
 * (the probability for binary:logistic, the value for regression), and the
 * SHAP value of each feature (TreeSHAP; their sum plus the bias is the
 * margin).
 */
extern void insight_gbdt_info_model(const void *model, StringInfo buf);
extern int	insight_gbdt_features(const void *model);
extern double insight_gbdt_predict_row(const void *model, const double *x);
extern void insight_gbdt_contributions_row(const void *model, const double *x, double *out);

#endif							/* INSIGHT_GBDT_H */
