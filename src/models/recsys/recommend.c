/*-------------------------------------------------------------------------
 *
 * recommend.c
 *	  Serving any recommender model: insight_recommend_from and
 *	  insight_similar_items_from, and the popularity baseline
 *	  (insight_popularity_fit).
 *
 * Ranking: items by score, descending; ties by popularity (share of
 * training users who have the item), then by item key in byte order.  So a
 * ranking is the same on every run, and items an algorithm cannot tell apart
 * (for example those outside every neighbour list of item-kNN) fall back to
 * the popularity order.  Excluded items (the user's own, and 'exclude') are
 * never returned, and fewer than k rows come back when fewer items remain:
 * no padding, no sentinel, no NULL or non-finite score.
 *
 * A user the model has not seen (or a NULL user) gets the popularity
 * ranking, with the popularity share as score.
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
#include "utils/json.h"
#include "utils/tuplestore.h"

#include "models/recsys/recommend.h"

typedef struct RankContext
{
	const double *scores;
	const double *popularity;
} RankContext;

static int
cmp_ranked(const void *a, const void *b, void *arg)
{
	const RankContext *rc = arg;
	int32		x = *(const int32 *) a;
	int32		y = *(const int32 *) b;

	if (rc->scores[x] != rc->scores[y])
		return rc->scores[x] > rc->scores[y] ? -1 : 1;
	if (rc->popularity[x] != rc->popularity[y])
		return rc->popularity[x] > rc->popularity[y] ? -1 : 1;
	return x < y ? -1 : (x > y ? 1 : 0);
}

static void
check_k(int32 k)
{
	if (k < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("k must not be negative, not %d", k),
				 errdetail("k is the number of items to return.")));
}

/*
 * Emit the top k items whose score is not -Infinity (the marker for
 * excluded or unavailable items) as rows (item_key, score, rank).
 */
static void
emit_top_k(FunctionCallInfo fcinfo, const RecModel *model, double *scores, int32 k)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	int32		n = model->m.n_items;
	int32	   *cand = palloc(sizeof(int32) * Max(n, 1));
	int32		nc = 0;
	RankContext rc = {scores, model->popularity};

	for (int32 i = 0; i < n; i++)
		if (scores[i] != -INFINITY)
		{
			if (!isfinite(scores[i]))
				elog(ERROR, "non-finite score %g for item %d", scores[i], i);
			cand[nc++] = i;
		}
	qsort_arg(cand, nc, sizeof(int32), cmp_ranked, &rc);
	for (int32 r = 0; r < Min(k, nc); r++)
	{
		Datum		values[3];
		bool		nulls[3] = {false, false, false};

		values[0] = CStringGetTextDatum(model->m.item_keys[cand[r]]);
		values[1] = Float8GetDatum(scores[cand[r]]);
		values[2] = Int32GetDatum(r + 1);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	pfree(cand);
}

/* Mark the items of a text[] (unknown keys and NULLs ignored) as excluded. */
static void
exclude_keys(const RecModel *model, ArrayType *keys, double *scores)
{
	Datum	   *elems;
	bool	   *nulls;
	int			n;

	deconstruct_array(keys, TEXTOID, -1, false, TYPALIGN_INT, &elems, &nulls, &n);
	for (int e = 0; e < n; e++)
	{
		int32		i;

		if (nulls[e])
			continue;
		i = rec_find_key(model->m.item_keys, model->m.n_items, TextDatumGetCString(elems[e]));
		if (i >= 0)
			scores[i] = -INFINITY;
	}
}

PG_FUNCTION_INFO_V1(insight_recommend_from);
Datum
insight_recommend_from(PG_FUNCTION_ARGS)
{
	RecModel   *model;
	int32		user = -1;
	int32		k;
	double	   *scores;

	InitMaterializedSRF(fcinfo, 0);
	if (PG_ARGISNULL(0) || PG_ARGISNULL(2) || PG_ARGISNULL(3))
		PG_RETURN_NULL();
	k = PG_GETARG_INT32(2);
	check_k(k);
	model = rec_model_from_arg(fcinfo, 0);
	if (!PG_ARGISNULL(1))
	{
		char	   *key = text_to_cstring(PG_GETARG_TEXT_PP(1));

		user = rec_find_key(model->m.user_keys, model->m.n_users, key);
	}

	scores = palloc(sizeof(double) * Max(model->m.n_items, 1));
	if (user < 0 || model->algorithm == INSIGHT_ALG_POPULARITY)
		memcpy(scores, model->popularity, sizeof(double) * model->m.n_items);
	else if (model->algorithm == INSIGHT_ALG_ALS)
		als_score_user(model, user, scores);
	else
		itemknn_score_user(model, user, scores);

	if (user >= 0 && PG_GETARG_BOOL(3))
		for (uint32 p = model->m.indptr[user]; p < model->m.indptr[user + 1]; p++)
			scores[model->m.indices[p]] = -INFINITY;
	if (!PG_ARGISNULL(4))
		exclude_keys(model, PG_GETARG_ARRAYTYPE_P(4), scores);
	emit_top_k(fcinfo, model, scores, k);
	PG_RETURN_NULL();
}

PG_FUNCTION_INFO_V1(insight_similar_items_from);
Datum
insight_similar_items_from(PG_FUNCTION_ARGS)
{
	RecModel   *model;
	int32		item;
	int32		k;
	double	   *scores;

	InitMaterializedSRF(fcinfo, 0);
	if (PG_ARGISNULL(0) || PG_ARGISNULL(1) || PG_ARGISNULL(2))
		PG_RETURN_NULL();
	k = PG_GETARG_INT32(2);
	check_k(k);
	model = rec_model_from_arg(fcinfo, 0);
	if (model->algorithm == INSIGHT_ALG_POPULARITY)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("a popularity model has no item similarity"),
				 errdetail("Popularity ranks items the same way for everyone."),
				 errhint("Use a model from insight_als_fit or insight_itemknn_fit.")));
	item = rec_find_key(model->m.item_keys, model->m.n_items,
						text_to_cstring(PG_GETARG_TEXT_PP(1)));
	if (item < 0)
		PG_RETURN_NULL();		/* an item the model has not seen: no rows */

	scores = palloc(sizeof(double) * Max(model->m.n_items, 1));
	if (model->algorithm == INSIGHT_ALG_ALS)
		als_similar_items(model, item, scores);
	else
		itemknn_similar_items(model, item, scores);
	scores[item] = -INFINITY;
	emit_top_k(fcinfo, model, scores, k);
	PG_RETURN_NULL();
}

/* Sort user indexes by score (descending), ties by key (index). */
static int
cmp_audience(const void *a, const void *b, void *arg)
{
	const double *scores = arg;
	int32		x = *(const int32 *) a;
	int32		y = *(const int32 *) b;

	if (scores[x] != scores[y])
		return scores[x] > scores[y] ? -1 : 1;
	return x < y ? -1 : (x > y ? 1 : 0);
}

/*
 * The users most likely to want an item, for a campaign: ALS x_u . y_i;
 * item-kNN sum over the user's items j of r_uj * sim(j, i) (the score
 * insight_recommend_from would give the item).  Ties by user key; users in
 * 'exclude' are left out.  A popularity model scores every user alike, so
 * it cannot target (0A000).  No rows for an item the model has not seen.
 */
PG_FUNCTION_INFO_V1(insight_audience_from);
Datum
insight_audience_from(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	RecModel   *model;
	const RecMatrix *m;
	int32		item;
	int32		size;
	double	   *scores;
	int32	   *cand;
	int32		nc = 0;

	InitMaterializedSRF(fcinfo, 0);
	if (PG_ARGISNULL(0) || PG_ARGISNULL(1) || PG_ARGISNULL(2))
		PG_RETURN_NULL();
	size = PG_GETARG_INT32(2);
	if (size < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("size must not be negative, not %d", size),
				 errdetail("size is the number of customers to return.")));
	model = rec_model_from_arg(fcinfo, 0);
	m = &model->m;
	if (model->algorithm == INSIGHT_ALG_POPULARITY)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("a popularity model cannot target customers"),
				 errdetail("Popularity scores an item the same for every customer."),
				 errhint("Use a model from insight_als_fit or insight_itemknn_fit.")));
	item = rec_find_key(m->item_keys, m->n_items, text_to_cstring(PG_GETARG_TEXT_PP(1)));
	if (item < 0)
		PG_RETURN_NULL();

	scores = palloc0(sizeof(double) * Max(m->n_users, 1));
	if (model->algorithm == INSIGHT_ALG_ALS)
	{
		const float *y = model->item_factors + (Size) item * model->factors;

		for (int32 u = 0; u < m->n_users; u++)
		{
			const float *x = model->user_factors + (Size) u * model->factors;
			double		s = 0;

			for (int j = 0; j < model->factors; j++)
				s += (double) x[j] * (double) y[j];
			scores[u] = s;
		}
	}
	else
	{
		/* similarity of every item j to the target: the target in j's list */
		double	   *to_target = palloc0(sizeof(double) * m->n_items);

		for (int32 j = 0; j < m->n_items; j++)
			for (uint32 t = model->nbr_ptr[j]; t < model->nbr_ptr[j + 1]; t++)
				if (model->nbr_index[t] == (uint32) item)
					to_target[j] = (double) model->nbr_sim[t];
		for (int32 u = 0; u < m->n_users; u++)
			for (uint32 p = m->indptr[u]; p < m->indptr[u + 1]; p++)
				scores[u] += m->values[p] * to_target[m->indices[p]];
	}

	if (!PG_ARGISNULL(3))
	{
		Datum	   *elems;
		bool	   *nulls;
		int			n;

		deconstruct_array(PG_GETARG_ARRAYTYPE_P(3), TEXTOID, -1, false, TYPALIGN_INT,
						  &elems, &nulls, &n);
		for (int e = 0; e < n; e++)
		{
			int32		u;

			if (nulls[e])
				continue;
			u = rec_find_key(m->user_keys, m->n_users, TextDatumGetCString(elems[e]));
			if (u >= 0)
				scores[u] = -INFINITY;
		}
	}
	cand = palloc(sizeof(int32) * Max(m->n_users, 1));
	for (int32 u = 0; u < m->n_users; u++)
		if (scores[u] != -INFINITY)
			cand[nc++] = u;
	qsort_arg(cand, nc, sizeof(int32), cmp_audience, scores);
	for (int32 r = 0; r < Min(size, nc); r++)
	{
		Datum		values[3];
		bool		nulls[3] = {false, false, false};

		values[0] = CStringGetTextDatum(m->user_keys[cand[r]]);
		values[1] = Float8GetDatum(scores[cand[r]]);
		values[2] = Int32GetDatum(r + 1);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	PG_RETURN_NULL();
}

/* ---- popularity ---- */

PG_FUNCTION_INFO_V1(insight_popularity_fit);
Datum
insight_popularity_fit(PG_FUNCTION_ARGS)
{
	RecMatrix	m;
	InsightModelWriter w;

	rec_matrix_from_query(text_to_cstring(PG_GETARG_TEXT_PP(0)), "insight_popularity_fit", &m);
	if (m.nnz == 0)
		PG_RETURN_NULL();
	insight_writer_init(&w, INSIGHT_ALG_POPULARITY);
	rec_write_matrix(&w, &m, 0);
	PG_RETURN_BYTEA_P(insight_writer_finish(&w));
}

void
insight_popularity_info(InsightModel *m, StringInfo buf)
{
	RecModel	model;
	int32		top = 0;

	rec_model_read(m, &model);
	rec_info_matrix(&model, buf);
	appendStringInfoString(buf, ", \"top_items\": [");
	for (int32 r = 0; r < Min(5, model.m.n_items); r++)
	{
		if (r > 0)
			appendStringInfoString(buf, ", ");
		top = model.by_popularity[r];
		escape_json(buf, model.m.item_keys[top]);
	}
	appendStringInfoChar(buf, ']');
}
