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
 *	  insight_recommend_each(model, user_keys, k, exclude_seen)
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

#include "catalog/pg_type.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/memutils.h"

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

/* What argument 1 of a recommender entry point is. */
typedef enum RecKeyArg
{
	REC_KEY_USER,				/* a user key */
	REC_KEY_ITEM,				/* an item key */
	REC_KEY_OTHER				/* not a key: read by the entry point */
} RecKeyArg;

/*
 * The start of a recommender entry point: a materialized result, and no
 * rows (false) when an argument in 'required' is NULL; otherwise the
 * request: the model, which must have 'op'; the index of the key in
 * argument 1 among its users or items (key_arg), -1 when the model does not
 * have it, it is NULL or not a key; the count (not negative).
 */
static bool
recommender_request(FunctionCallInfo fcinfo, uint32 required, InsightOperation op,
					RecKeyArg key_arg, const char *count_name, const char *counted,
					RecRequest *rq)
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
	rq->key = key_arg == REC_KEY_OTHER || PG_ARGISNULL(1) ? -1 :
		rec_find_key(key_arg == REC_KEY_USER ? m->user_keys : m->item_keys,
					 key_arg == REC_KEY_USER ? m->n_users : m->n_items,
					 text_to_cstring(PG_GETARG_TEXT_PP(1)));
	return true;
}

/*
 * The item scores of user index 'user' (-1: a user the model has not seen,
 * who gets the popularity shares), the user's own items at -Infinity when
 * exclude_seen.
 */
static void
user_item_scores(const RecRequest *rq, int32 user, bool exclude_seen, double *scores)
{
	const RecMatrix *m = &rq->model->m;

	if (user < 0)
		memcpy(scores, rq->model->popularity, sizeof(double) * m->n_items);
	else
		rq->def->score_items(rq->model, user, scores);
	if (user >= 0 && exclude_seen)
		for (uint32 p = m->indptr[user]; p < m->indptr[user + 1]; p++)
			scores[m->indices[p]] = -INFINITY;
}

PG_FUNCTION_INFO_V1(insight_recommend_from);
Datum
insight_recommend_from(PG_FUNCTION_ARGS)
{
	RecRequest	rq;
	const RecMatrix *m;
	double	   *scores;

	if (!recommender_request(fcinfo, ARG(0) | ARG(2) | ARG(3), INSIGHT_OP_SCORE_ITEMS,
							 REC_KEY_USER, "k", "items", &rq))
		PG_RETURN_NULL();
	m = &rq.model->m;
	scores = palloc(sizeof(double) * Max(m->n_items, 1));
	user_item_scores(&rq, rq.key, PG_GETARG_BOOL(3), scores);
	if (!PG_ARGISNULL(4))
		rec_exclude_keys(m->item_keys, m->n_items, PG_GETARG_ARRAYTYPE_P(4), scores);
	rec_emit_ranked(fcinfo, m->item_keys, m->n_items, scores, rq.model->popularity, rq.count);
	PG_RETURN_NULL();
}

/*
 * insight_recommend_from for every element of a text[] of user keys, from
 * one lookup of the model: rows (user_index, user_key, item_key, score,
 * rank), user_index the element's position (1-based, in storage order), a
 * NULL element getting the popularity ranking as a NULL user does.  An
 * evaluation over many customers (insight_recommender_metrics) thus finds
 * or decodes the model once, not once per customer.
 */
PG_FUNCTION_INFO_V1(insight_recommend_each);
Datum
insight_recommend_each(PG_FUNCTION_ARGS)
{
	RecRequest	rq;
	const RecMatrix *m;
	double	   *scores;
	Datum	   *users;
	bool	   *user_nulls;
	int			n;
	bool		exclude_seen;
	MemoryContext per_user,
				old;

	if (!recommender_request(fcinfo, ARG(0) | ARG(1) | ARG(2) | ARG(3), INSIGHT_OP_SCORE_ITEMS,
							 REC_KEY_OTHER, "k", "items", &rq))
		PG_RETURN_NULL();
	m = &rq.model->m;
	exclude_seen = PG_GETARG_BOOL(3);
	deconstruct_array(PG_GETARG_ARRAYTYPE_P(1), TEXTOID, -1, false, TYPALIGN_INT,
					  &users, &user_nulls, &n);
	scores = palloc(sizeof(double) * Max(m->n_items, 1));
	per_user = AllocSetContextCreate(CurrentMemoryContext, "insight_recommend_each",
									 ALLOCSET_DEFAULT_SIZES);
	for (int u = 0; u < n; u++)
	{
		Datum		lead[2];
		bool		lead_nulls[2] = {false, user_nulls[u]};
		int32		user;

		CHECK_FOR_INTERRUPTS();
		old = MemoryContextSwitchTo(per_user);
		user = user_nulls[u] ? -1 :
			rec_find_key(m->user_keys, m->n_users, TextDatumGetCString(users[u]));
		user_item_scores(&rq, user, exclude_seen, scores);
		lead[0] = Int32GetDatum(u + 1);
		lead[1] = users[u];
		rec_emit_ranked_after(fcinfo, 2, lead, lead_nulls, m->item_keys, m->n_items, scores,
							  rq.model->popularity, rq.count);
		MemoryContextSwitchTo(old);
		MemoryContextReset(per_user);
	}
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
	if (!recommender_request(fcinfo, ARG(0) | ARG(1) | ARG(2), INSIGHT_OP_SIMILAR_ITEMS,
							 REC_KEY_ITEM, "k", "items", &rq) || rq.key < 0)
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

	if (!recommender_request(fcinfo, ARG(0) | ARG(1) | ARG(2), INSIGHT_OP_SCORE_USERS,
							 REC_KEY_ITEM, "size", "customers", &rq) || rq.key < 0)
		PG_RETURN_NULL();
	m = &rq.model->m;
	scores = palloc(sizeof(double) * Max(m->n_users, 1));
	rq.def->score_users(rq.model, rq.key, scores);
	if (!PG_ARGISNULL(3))
		rec_exclude_keys(m->user_keys, m->n_users, PG_GETARG_ARRAYTYPE_P(3), scores);
	rec_emit_ranked(fcinfo, m->user_keys, m->n_users, scores, NULL, rq.count);
	PG_RETURN_NULL();
}
