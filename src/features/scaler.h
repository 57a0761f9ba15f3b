/*-------------------------------------------------------------------------
 *
 * scaler.h
 *	  Feature standardization: per-feature mean and population standard
 *	  deviation, the preprocessing that linear models and k-means store with
 *	  their weights.
 *
 * SQL:
 *	  insight_scaler_fit(features float8[]) aggregate -> bytea model
 *	  insight_scaler_transform(model bytea, features float8[]) -> float8[]
 *
 * Model (algorithm "scaler"): counts[0] = number of features d; payload =
 * uint64 rows used, uint64 rows skipped, float8 means[d], float8 scales[d].
 * A scale is the population standard deviation (ddof = 0, as scikit-learn's
 * StandardScaler), or 1 for a constant feature.
 *
 *-------------------------------------------------------------------------
 */
#ifndef INSIGHT_SCALER_H
#define INSIGHT_SCALER_H

#include "lib/stringinfo.h"

#include "core/model_format.h"

/* A scaler read from a model value. */
typedef struct InsightScaler
{
	int			dim;
	uint64		rows;
	uint64		skipped;
	double	   *means;
	double	   *scales;
} InsightScaler;

/* Read a scaler model value (not cached: for a model just fitted). */
extern InsightScaler *insight_scaler_read(bytea *value);

/* The algorithm table's entry (models/algorithms.c): reader and info. */
extern void *insight_scaler_decode(InsightModel *m);
extern void insight_scaler_info(const void *model, StringInfo buf);

#endif							/* INSIGHT_SCALER_H */
