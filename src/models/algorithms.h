/*-------------------------------------------------------------------------
 *
 * algorithms.h
 *	  The algorithm table: for every algorithm id, how to read its models,
 *	  describe them, and the operations they support.  Generic entry points
 *	  (insight_model_info, insight_predict, insight_contributions,
 *	  insight_recommend_from, ...) find an algorithm's entry and dispatch
 *	  through it, never by testing the algorithm.
 *
 * Adding an algorithm: its id and name are part of the model format
 * (core/model_core.h and model_core.c, which the fuzzer builds without a
 * server); then one entry in definitions[] (algorithms.c) and its own files
 * under models/<family>/.  An operation an algorithm does not have is NULL,
 * and the generic entry point raises 0A000 (or 22023 when the model is not
 * of the kind the entry point serves at all), naming the algorithm and the
 * ones that have it.
 *
 * Each operation gets the model in the form its reader returned (a
 * pointer to the family's struct: InsightLogreg, RecModel, ...).
 *
 *-------------------------------------------------------------------------
 */
#ifndef INSIGHT_ALGORITHMS_H
#define INSIGHT_ALGORITHMS_H

#include "lib/stringinfo.h"

#include "core/model_cache.h"

typedef struct InsightAlgorithmDef
{
	/* the SQL function that trains one, named in hints */
	const char *fit;

	/* decode and validate a model (InsightModelReader, core/model_cache.h) */
	InsightModelReader read;

	/* append its parameters as '"key": value' pairs (insight_model_info) */
	void		(*info) (const void *model, StringInfo buf);

	/*
	 * Feature-based models: the number of features of a row; the score of a
	 * row (for a classifier, the probability of the positive class); the
	 * contribution of each feature to that score's link (their sum plus a
	 * constant is the logit for logistic regression).  Rows are finite.
	 */
	int			(*features) (const void *model);
	double		(*predict) (const void *model, const double *x);
	void		(*contributions) (const void *model, const double *x, double *out);

	/*
	 * Recommenders (the model is a RecModel, models/recsys/recommend.h),
	 * each filling one score per item (or user) of the model, -Infinity for
	 * one that is unavailable: the items for a user the model knows; the
	 * items like an item; the users for an item.
	 */
	void		(*score_items) (const void *model, int32 user, double *scores);
	void		(*similar_items) (const void *model, int32 item, double *scores);
	void		(*score_users) (const void *model, int32 item, double *scores);

	/*
	 * A header flag without which a model cannot score items for users (0:
	 * none needed), and the hint of the error when it is missing.
	 */
	uint32		score_items_flag;
	const char *score_items_hint;
} InsightAlgorithmDef;

/*
 * What a generic entry point needs of a model.  The recommender operations
 * come last: a model without score_items is not a recommender at all.
 */
typedef enum InsightOperation
{
	INSIGHT_OP_INFO,
	INSIGHT_OP_PREDICT,
	INSIGHT_OP_CONTRIBUTIONS,
	INSIGHT_OP_SCORE_ITEMS,
	INSIGHT_OP_SIMILAR_ITEMS,
	INSIGHT_OP_SCORE_USERS
} InsightOperation;

/*
 * The decoded model of bytea argument 'argno' (through the model cache) and
 * its algorithm's entry, which has 'op' (or an error).
 */
extern const InsightAlgorithmDef *insight_model_for(FunctionCallInfo fcinfo, int argno,
													InsightOperation op,
													const void **model);

#endif							/* INSIGHT_ALGORITHMS_H */
