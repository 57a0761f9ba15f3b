/*-------------------------------------------------------------------------
 *
 * sentiment.h
 *	  The text model (algorithm 12, "text"): a linear model over the hashed
 *	  n-grams of a review (features/text.h), trained by insight_text_fit as
 *	  NB-weighted logistic regression (NBSVM with a logistic loss: Wang &
 *	  Manning 2012) or, without the naive-Bayes weighting, as plain logistic
 *	  regression over the same binary features.
 *
 * Model format (docs/model-format.md): counts[0] buckets, counts[1] the
 * number of buckets with a weight (U), counts[2] the variant (1 NB-LR,
 * 2 LR), counts[3] 0; payload: rows, positives, skipped, empty rows
 * (uint64 each), iterations (uint32), converged (uint32 0/1), intercept,
 * C, alpha, objective (float8 each), then U bucket ids (uint32, ascending)
 * and U weights (float8).
 *
 *-------------------------------------------------------------------------
 */
#ifndef INSIGHT_SENTIMENT_H
#define INSIGHT_SENTIMENT_H

#include "core/model_format.h"

#define INSIGHT_TEXT_NBLR	1
#define INSIGHT_TEXT_LR		2

/* per-document normalisation of the feature vector (header counts[3]) */
#define INSIGHT_TEXT_NORM_NONE	0
#define INSIGHT_TEXT_NORM_L2	1

typedef struct InsightTextModel
{
	int32		buckets;
	int32		nweights;		/* U */
	int32		variant;
	int32		normalize;		/* INSIGHT_TEXT_NORM_* */
	uint64		rows;
	uint64		positives;
	uint64		skipped;
	uint64		empty_rows;
	uint32		iterations;
	bool		converged;
	double		intercept;
	double		c;
	double		alpha;
	double		objective;
	uint32	   *ids;			/* [U], ascending */
	double	   *weights;		/* [U]: the weight of each bucket's n-grams */
	double	   *ratios;		/* [U] when normalize is L2: the feature value r_j */
} InsightTextModel;

extern void *insight_text_decode(InsightModel *m);
extern void insight_text_info(const void *model, StringInfo buf);

#endif							/* INSIGHT_SENTIMENT_H */
