/*-------------------------------------------------------------------------
 *
 * recommend.c
 *	  The ranking every recommender serves by (for insight_recommend_from,
 *	  insight_similar_items_from and insight_audience_from, which dispatch
 *	  through the algorithm table: models/serving.c), and the popularity
 *	  baseline (insight_popularity_fit and its table entry).
 *
 * Ranking: items by score, descending; ties by popularity (share of
 * training users who have the item), then by item key in byte order.  So a
 * ranking is the same on every run, and items an algorithm cannot tell apart
 * (for example those outside every neighbour list of item-kNN) fall back to
 * the popularity order.  Users (an item's audience) are ranked by score,
 * then by key.  Excluded entries (a user's own items, and 'exclude') are
 * never returned, and fewer than k rows come back when fewer remain: no
 * padding, no sentinel, no NULL or non-finite score.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "catalog/pg_type.h"
#include "funcapi.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/json.h"
#include "utils/tuplestore.h"

#include "models/recsys/recommend.h"

typedef struct RankContext
{
	const double *scores;
	const double *tiebreak;		/* or NULL */
} RankContext;

static int
cmp_ranked(const void *a, const void *b, void *arg)
{
	const RankContext *rc = arg;
	int32		x = *(const int32 *) a;
	int32		y = *(const int32 *) b;

	if (rc->scores[x] != rc->scores[y])
		return rc->scores[x] > rc->scores[y] ? -1 : 1;
	if (rc->tiebreak && rc->tiebreak[x] != rc->tiebreak[y])
		return rc->tiebreak[x] > rc->tiebreak[y] ? -1 : 1;
	return x < y ? -1 : (x > y ? 1 : 0);
}

/*
 * Sift entry i of a heap of n whose root ranks last (the worst of the kept
 * ones: cmp_ranked of a parent against its child is never negative).
 */
static void
sift_down(int32 *heap, int32 n, int32 i, const RankContext *rc)
{
	for (;;)
	{
		int32		worst = i;
		int32		l = 2 * i + 1;
		int32		r = l + 1;
		int32		t;

		if (l < n && cmp_ranked(&heap[l], &heap[worst], (void *) rc) > 0)
			worst = l;
		if (r < n && cmp_ranked(&heap[r], &heap[worst], (void *) rc) > 0)
			worst = r;
		if (worst == i)
			return;
		t = heap[i];
		heap[i] = heap[worst];
		heap[worst] = t;
		i = worst;
	}
}

/*
 * Keep the k first of nc candidates in cand[0..k-1] (unordered): a heap of
 * the k best so far whose root is the worst of them, O(nc log k) rather
 * than sorting every candidate for a top 10.
 */
static void
select_top(int32 *cand, int32 nc, int32 k, const RankContext *rc)
{
	for (int32 i = k / 2 - 1; i >= 0; i--)
		sift_down(cand, k, i, rc);
	for (int32 j = k; j < nc; j++)
		if (cmp_ranked(&cand[j], &cand[0], (void *) rc) < 0)
		{
			cand[0] = cand[j];
			sift_down(cand, k, 0, rc);
		}
}

void
rec_emit_ranked(FunctionCallInfo fcinfo, char **keys, int32 n, const double *scores,
				const double *tiebreak, int32 k)
{
	rec_emit_ranked_after(fcinfo, 0, NULL, NULL, keys, n, scores, tiebreak, k);
}

void
rec_emit_ranked_after(FunctionCallInfo fcinfo, int nlead, const Datum *lead,
					  const bool *lead_nulls, char **keys, int32 n, const double *scores,
					  const double *tiebreak, int32 k)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	int32	   *cand = palloc(sizeof(int32) * Max(n, 1));
	int32		nc = 0;
	RankContext rc = {scores, tiebreak};
	Datum	   *values = palloc(sizeof(Datum) * (nlead + 3));
	bool	   *nulls = palloc0(sizeof(bool) * (nlead + 3));

	for (int l = 0; l < nlead; l++)
	{
		values[l] = lead[l];
		nulls[l] = lead_nulls[l];
	}

	for (int32 i = 0; i < n; i++)
		if (scores[i] != -INFINITY)
		{
			if (!isfinite(scores[i]))
				elog(ERROR, "non-finite score %g for entry %d", scores[i], i);
			cand[nc++] = i;
		}
	if (k > 0 && k < nc)
		select_top(cand, nc, k, &rc);
	qsort_arg(cand, Min(k, nc), sizeof(int32), cmp_ranked, &rc);
	for (int32 r = 0; r < Min(k, nc); r++)
	{
		values[nlead] = CStringGetTextDatum(keys[cand[r]]);
		values[nlead + 1] = Float8GetDatum(scores[cand[r]]);
		values[nlead + 2] = Int32GetDatum(r + 1);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	pfree(cand);
	pfree(values);
	pfree(nulls);
}

void
rec_exclude_keys(char **keys, int32 n, ArrayType *exclude, double *scores)
{
	Datum	   *elems;
	bool	   *nulls;
	int			ne;

	deconstruct_array(exclude, TEXTOID, -1, false, TYPALIGN_INT, &elems, &nulls, &ne);
	for (int e = 0; e < ne; e++)
	{
		int32		i;

		if (nulls[e])
			continue;
		i = rec_find_key(keys, n, TextDatumGetCString(elems[e]));
		if (i >= 0)
			scores[i] = -INFINITY;
	}
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

void *
popularity_decode(InsightModel *im)
{
	RecModel   *model = rec_model_begin(im);

	if (im->header.counts[3] != 0)
		insight_model_corrupt("A popularity model has no parameter count.");
	rec_model_end(im, model);
	return model;
}

/* Every user gets the popularity share of every item. */
void
popularity_score_items(const void *rec, int32 user pg_attribute_unused(), double *scores)
{
	const RecModel *model = rec;

	memcpy(scores, model->popularity, sizeof(double) * model->m.n_items);
}

void
popularity_info(const void *rec, StringInfo buf)
{
	const RecModel *model = rec;

	rec_info_matrix(model, buf);
	appendStringInfoString(buf, ", \"top_items\": [");
	for (int32 r = 0; r < Min(5, model->m.n_items); r++)
	{
		if (r > 0)
			appendStringInfoString(buf, ", ");
		escape_json(buf, model->m.item_keys[model->by_popularity[r]]);
	}
	appendStringInfoChar(buf, ']');
}
