/*-------------------------------------------------------------------------
 *
 * logreg.h
 *	  L2-penalised logistic regression: one IRLS pass per aggregate
 *	  (insight_logreg_irls_step), a driver that runs the passes over any
 *	  query (insight_logreg_fit), both in logreg.c, and the model with its
 *	  prediction (logreg_model.c).
 *
 * Objective (the one scikit-learn's LogisticRegression minimises with
 * C = 1 / lambda, penalty "l2"; intercept not penalised):
 *	  sum_i log(1 + exp(-s_i m_i)) + (lambda / 2) * ||w||^2,
 *	  m_i = b + w . x_i, s_i = +1 for label true, -1 for false.
 *
 * Model (algorithm "logreg"): counts[0] = number of features d; flags bit 0
 * (INSIGHT_LOGREG_NOT_CONVERGED) set when the fit stopped at max_iterations;
 * payload =
 *	  uint64 rows used, uint64 rows skipped, uint64 positive rows,
 *	  uint32 iterations, uint32 zero,
 *	  float8 lambda, float8 tolerance, float8 objective, float8 intercept,
 *	  float8 weights[d], float8 means[d], float8 scales[d]
 * Weights are on the raw features; means and scales are the training
 * features' means and population standard deviations (used for the
 * standardised solve and for feature contributions).
 *
 *-------------------------------------------------------------------------
 */
#ifndef INSIGHT_LOGREG_H
#define INSIGHT_LOGREG_H

#include "lib/stringinfo.h"

#include "core/model_format.h"

#define INSIGHT_LOGREG_NOT_CONVERGED 0x1

/* Largest number of features: the Hessian must fit in one bytea. */
#define LOGREG_MAX_DIM 10000

typedef struct InsightLogreg
{
	int			dim;
	uint32		flags;
	uint64		rows;
	uint64		skipped;
	uint64		positives;
	uint32		iterations;
	double		lambda;
	double		tolerance;
	double		objective;
	double		intercept;
	double	   *weights;
	double	   *means;
	double	   *scales;
} InsightLogreg;

/* logreg_model.c: read a model value (not cached: for a model just fitted). */
extern InsightLogreg *insight_logreg_read(bytea *value);

/*
 * The algorithm table's entry (models/algorithms.c): reader, info, number
 * of features, predict (the probability of label true) and contributions
 * (w_j (x_j - mean_j)) of a row of finite features.
 */
extern void *insight_logreg_decode(InsightModel *m);
extern void insight_logreg_info(const void *model, StringInfo buf);
extern int	insight_logreg_features(const void *model);
extern double insight_logreg_predict_row(const void *model, const double *x);
extern void insight_logreg_contributions_row(const void *model, const double *x,
											 double *out);

#endif							/* INSIGHT_LOGREG_H */
