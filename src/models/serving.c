/*-------------------------------------------------------------------------
 *
 * serving.c
 *	  The generic scoring entry points, for a model of any algorithm that
 *	  has the operation (dispatched through the algorithm table,
 *	  algorithms.h; models decoded once per backend, core/model_cache.h):
 *
 *	  insight_predict(model, features)			feature-based models
 *	  insight_contributions(model, features)
 *	  insight_recommend_from(model, user_key, k, exclude_seen, exclude)
 *	  insight_similar_items_from(model, item_key, k)	recommenders
 *	  insight_audience_from(model, item_key, size, exclude)
 *
 * Recommenders rank as recsys/recommend.c says.  A user the model has not
 * seen (or a NULL user) gets the popularity ranking, with the popularity
 * share as score.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "funcapi.h"
#include "utils/array.h"
#include "utils/builtins.h"

#include "core/util.h"
#include "models/algorithms.h"
#include "models/recsys/recommend.h"

/*
 * The model of argument 0 with 'op', and the features of argument 1; NULL
 * def when an element is NULL.
 */
static const InsightAlgorithmDef *
feature_model_arg(FunctionCallInfo fcinfo, InsightOperation op, const void **model,
				  const double **x)
{
	const InsightAlgorithmDef *def = insight_model_for(fcinfo, 0, op, model);
	int			n;

	if (!insight_read_features(PG_GETARG_ARRAYTYPE_P(1), def->features(*model), x, &n))
		return NULL;
	return def;
}

PG_FUNCTION_INFO_V1(insight_predict);
Datum
insight_predict(PG_FUNCTION_ARGS)
{
	const void *model;
	const double *x;
	const InsightAlgorithmDef *def = feature_model_arg(fcinfo, INSIGHT_OP_PREDICT, &model, &x);

	if (def == NULL)
		PG_RETURN_NULL();
	PG_RETURN_FLOAT8(def->predict(model, x));
}

PG_FUNCTION_INFO_V1(insight_contributions);
Datum
insight_contributions(PG_FUNCTION_ARGS)
{
	const void *model;
	const double *x;
	const InsightAlgorithmDef *def = feature_model_arg(fcinfo, INSIGHT_OP_CONTRIBUTIONS,
													   &model, &x);
	int			n;
	double	   *c;

	if (def == NULL)
		PG_RETURN_NULL();
	n = def->features(model);
	c = palloc(sizeof(double) * n);
	def->contributions(model, x, c);
	PG_RETURN_ARRAYTYPE_P(insight_float8_array(c, n));
}

/* ---- recommenders ---- */

#define ARG(n) (1U << (n))

/* What every recommender entry point reads from its arguments. */
typedef struct RecRequest
{
	const InsightAlgorithmDef *def;
	const RecModel *model;		/* argument 0 */
	int32		key;			/* argument 1 in the model's keys, or -1 */
	int32		count;			/* argument 2: rows to return */
} RecRequest;

/*
 * The start of a recommender entry point: a materialized result, and no
 * rows (false) when an argument in 'required' is NULL; otherwise the
 * request: the model, which must have 'op'; the index of the key in
 * argument 1 among its users (users) or items, -1 when the model does not
 * have it or it is NULL; the count (not negative).
 */
static bool
recommender_request(FunctionCallInfo fcinfo, uint32 required, InsightOperation op,
					bool users, const char *count_name, const char *counted, RecRequest *rq)
{
	const RecMatrix *m;

	InitMaterializedSRF(fcinfo, 0);
	for (int i = 0; i < PG_NARGS(); i++)
		if ((required & ARG(i)) && PG_ARGISNULL(i))
			return false;
	rq->count = PG_GETARG_INT32(2);
	if (rq->count < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s must not be negative, not %d", count_name, rq->count),
				 errdetail("%s is the number of %s to return.", count_name, counted)));
	rq->def = insight_model_for(fcinfo, 0, op, (const void **) &rq->model);
	m = &rq->model->m;
	rq->key = PG_ARGISNULL(1) ? -1 :
		rec_find_key(users ? m->user_keys : m->item_keys, users ? m->n_users : m->n_items,
					 text_to_cstring(PG_GETARG_TEXT_PP(1)));
	return true;
}

PG_FUNCTION_INFO_V1(insight_recommend_from);
Datum
insight_recommend_from(PG_FUNCTION_ARGS)
{
	RecRequest	rq;
	const RecMatrix *m;
	double	   *scores;

	if (!recommender_request(fcinfo, ARG(0) | ARG(2) | ARG(3), INSIGHT_OP_SCORE_ITEMS, true,
							 "k", "items", &rq))
		PG_RETURN_NULL();
	m = &rq.model->m;
	scores = palloc(sizeof(double) * Max(m->n_items, 1));
	if (rq.key < 0)
		memcpy(scores, rq.model->popularity, sizeof(double) * m->n_items);
	else
		rq.def->score_items(rq.model, rq.key, scores);

	if (rq.key >= 0 && PG_GETARG_BOOL(3))
		for (uint32 p = m->indptr[rq.key]; p < m->indptr[rq.key + 1]; p++)
			scores[m->indices[p]] = -INFINITY;
	if (!PG_ARGISNULL(4))
		rec_exclude_keys(m->item_keys, m->n_items, PG_GETARG_ARRAYTYPE_P(4), scores);
	rec_emit_ranked(fcinfo, m->item_keys, m->n_items, scores, rq.model->popularity, rq.count);
	PG_RETURN_NULL();
}

PG_FUNCTION_INFO_V1(insight_similar_items_from);
Datum
insight_similar_items_from(PG_FUNCTION_ARGS)
{
	RecRequest	rq;
	const RecMatrix *m;
	double	   *scores;

	/* no rows for an item the model has not seen */
	if (!recommender_request(fcinfo, ARG(0) | ARG(1) | ARG(2), INSIGHT_OP_SIMILAR_ITEMS, false,
							 "k", "items", &rq) || rq.key < 0)
		PG_RETURN_NULL();
	m = &rq.model->m;
	scores = palloc(sizeof(double) * Max(m->n_items, 1));
	rq.def->similar_items(rq.model, rq.key, scores);
	scores[rq.key] = -INFINITY;
	rec_emit_ranked(fcinfo, m->item_keys, m->n_items, scores, rq.model->popularity, rq.count);
	PG_RETURN_NULL();
}

/*
 * The users most likely to want an item, for a campaign: the score
 * insight_recommend_from would give the item.  Ties by user key; users in
 * 'exclude' are left out.  No rows for an item the model has not seen.
 */
PG_FUNCTION_INFO_V1(insight_audience_from);
Datum
insight_audience_from(PG_FUNCTION_ARGS)
{
	RecRequest	rq;
	const RecMatrix *m;
	double	   *scores;

	if (!recommender_request(fcinfo, ARG(0) | ARG(1) | ARG(2), INSIGHT_OP_SCORE_USERS, false,
							 "size", "customers", &rq) || rq.key < 0)
		PG_RETURN_NULL();
	m = &rq.model->m;
	scores = palloc(sizeof(double) * Max(m->n_users, 1));
	rq.def->score_users(rq.model, rq.key, scores);
	if (!PG_ARGISNULL(3))
		rec_exclude_keys(m->user_keys, m->n_users, PG_GETARG_ARRAYTYPE_P(3), scores);
	rec_emit_ranked(fcinfo, m->user_keys, m->n_users, scores, NULL, rq.count);
	PG_RETURN_NULL();
}
