/*-------------------------------------------------------------------------
 *
 * sasrec_recommender.c
 *	  SASRec as a recommender (see sasrec_recommender.h).
 *
 * The RecModel of a SASRec model with customer histories (flag
 * SASREC_FLAG_HISTORY): users = the histories' customers (keys sorted),
 * items = the model's items 1..N as indexes 0..N-1 (keys sorted), the
 * interaction matrix = every item each customer bought (what
 * exclude_purchased leaves out; values 1), popularity derived from it as
 * for every recommender (the share of customers who bought the item: the
 * fallback for a customer without history).  Without histories the model
 * has no users: the algorithm table makes insight_recommend_from refuse it
 * (score_items_flag) and only its item embeddings serve.
 *
 * Scores (Kang & McAuley 2018, section III.E: r_{i,t} = F_t . M_i with the
 * shared item embedding): the customer's latest items (up to max_length,
 * right-aligned, 0-padded on the left, as the training inputs) go through
 * the float network without dropout (the network insight_sasrec_evaluate
 * scores with); the score of item j is the final position's hidden state
 * dotted with E[j].  Similar items: the cosine of item embeddings (0 for
 * an embedding of norm 0).
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "core/insight.h"
#include "models/deep/sasrec.h"
#include "models/recsys/recommend.h"
#include "models/sasrec_recommender.h"

typedef struct SasrecRecommender
{
	RecModel	rec;			/* first: the model is a RecModel to serving.c */
	const InsightSasrec *s;
	SasrecNet_f *net;			/* batch 1, evaluation mode: scratch of score_items */
	double	   *norms;			/* |E[j]|, j = 1..N (index j - 1) */
} SasrecRecommender;

void *
sasrec_recommender_decode(InsightModel *m)
{
	SasrecRecommender *r = palloc0(sizeof(SasrecRecommender));
	const InsightSasrec *s = insight_sasrec_decode(m);
	RecMatrix  *rm = &r->rec.m;
	int			n = s->shape.items;
	int			d = s->shape.hidden;
	double	   *params;

	r->s = s;
	r->rec.algorithm = INSIGHT_ALG_SEQUENCE;
	rm->n_users = s->customers;
	rm->n_items = n;
	rm->rows_read = s->history_rows;
	rm->item_keys = s->keys + 1;
	if (s->customers > 0)
	{
		rm->nnz = s->bought_ptr[s->customers];
		rm->user_keys = s->customer_keys;
		rm->indptr = s->bought_ptr;
		rm->indices = palloc_extended(sizeof(uint32) * Max(rm->nnz, 1), MCXT_ALLOC_HUGE);
		for (int64 k = 0; k < rm->nnz; k++)
			rm->indices[k] = s->bought[k] - 1;
	}
	else
		rm->indptr = palloc0(sizeof(uint32));
	rec_derive_popularity(&r->rec);

	r->net = sasrec_net_create_f(&s->shape, 1, 1, CurrentMemoryContext);
	r->net->net->training = false;
	params = palloc(sizeof(double) * s->nparams);
	for (Size j = 0; j < s->nparams; j++)
		params[j] = s->params[j];
	sasrec_set_params_f(r->net, params);
	pfree(params);

	r->norms = palloc(sizeof(double) * n);
	for (int j = 0; j < n; j++)
	{
		const float *e = s->params + (Size) (j + 1) * d;
		double		z = 0;

		for (int c = 0; c < d; c++)
			z += (double) e[c] * e[c];
		r->norms[j] = sqrt(z);
	}
	return r;
}

void
sasrec_recommender_info(const void *model, StringInfo buf)
{
	insight_sasrec_info(((const SasrecRecommender *) model)->s, buf);
}

void
sasrec_score_items(const void *model, int32 user, double *scores)
{
	const SasrecRecommender *r = model;
	const InsightSasrec *s = r->s;
	SasrecNet_f *net = r->net;	/* scratch: the cached model's own */
	int			len = s->shape.length;
	int			d = s->shape.hidden;
	uint32		first = s->recent_ptr[user];
	int			m = (int) (s->recent_ptr[user + 1] - first);
	const float *h;

	memset(net->ids, 0, sizeof(int32) * len);
	for (int t = 0; t < m; t++)
		net->ids[len - m + t] = (int32) s->recent[first + t];
	h = sasrec_forward_f(net, 1) + (Size) (len - 1) * d;
	for (int j = 0; j < s->shape.items; j++)
	{
		const float *e = net->table + (Size) (j + 1) * d;
		double		z = 0;

		for (int c = 0; c < d; c++)
			z += (double) h[c] * e[c];
		scores[j] = z;
	}
}

void
sasrec_similar_items(const void *model, int32 item, double *scores)
{
	const SasrecRecommender *r = model;
	int			d = r->s->shape.hidden;
	const float *a = r->s->params + (Size) (item + 1) * d;

	for (int j = 0; j < r->s->shape.items; j++)
	{
		const float *e = r->s->params + (Size) (j + 1) * d;
		double		z = 0;

		for (int c = 0; c < d; c++)
			z += (double) a[c] * e[c];
		scores[j] = r->norms[item] > 0 && r->norms[j] > 0 ? z / (r->norms[item] * r->norms[j]) : 0;
	}
}
