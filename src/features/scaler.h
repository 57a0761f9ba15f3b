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
 * StandardScaler), or 1 for a constant feature.  insight_scaler_fit computes
 * both from exact sums, rounded once (scaler.c), so its model does not
 * depend on the order or split of the rows.
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

/*
 * The means and scales of the rows rows[0..n) of the row-major matrix x (dim
 * values a row), taken in that order (the population standard deviation, 1
 * for a constant feature, as insight_scaler_fit defines them), by Welford's
 * update: for a fitting function that holds its rows in memory and wants
 * the same bits whatever order they arrived in (it orders rows[]).  Not the
 * exact sums of insight_scaler_fit: the results may differ from its in the
 * last bits.  n > 0; 22003 when a mean or variance overflows.
 */
extern void insight_scaler_fit_rows(const double *x, int dim, const uint32 *rows, Size n,
									double *means, double *scales);

/* The algorithm table's entry (models/algorithms.c): reader and info. */
extern void *insight_scaler_decode(InsightModel *m);
extern void insight_scaler_info(const void *model, StringInfo buf);

#endif							/* INSIGHT_SCALER_H */
