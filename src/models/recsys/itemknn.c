/*-------------------------------------------------------------------------
 *
 * itemknn.c
 *	  Item-based k-nearest-neighbour recommender: insight_itemknn_fit and
 *	  the algorithm table's entry for item-kNN (reader, info, scores for
 *	  insight_recommend_from, insight_similar_items_from and
 *	  insight_audience_from).
 *
 * Sarwar, Karypis, Konstan & Riedl, "Item-based collaborative filtering
 * recommendation algorithms", WWW 2001; Deshpande & Karypis, "Item-based
 * top-N recommendation algorithms", TOIS 2004 (keep the k most similar
 * items of each item, score = sum over the user's items).  The weightings
 * follow the reference implementation benfred/implicit
 * (implicit.nearest_neighbours), on the item x user matrix X of values r:
 *	  cosine: rows of X scaled to unit length (CosineRecommender);
 *	  tfidf:  w_iu = sqrt(r_iu) * idf_u, idf_u = ln(N) - ln(1 + n_u), N the
 *			  number of items, n_u the user's items; rows then scaled to
 *			  unit length (tfidf_weight, TFIDFRecommender);
 *	  bm25:   w_iu = r_iu (K1 + 1) / (K1 ((1 - B) + B len_i / avg len) + r_iu)
 *			  * idf_u, len_i the row sum of item i, K1 = 1.2, B = 0.75
 *			  (bm25_weight, BM25Recommender's defaults), not normalised.
 * The similarity of items i and j is the dot product of their weighted rows
 * (so the cosine of X's rows for "cosine").  Each item keeps its
 * 'neighbors' most similar other items with a positive similarity (ties by
 * key).  A user's score for item j is sum_i r_ui * sim(i, j) over the items
 * i the user has and whose neighbour lists hold j (implicit's
 * ItemItemRecommender.recommend: user_items . similarity).
 *
 * Model part after the shared matrix (recommend.h), counts[3] = neighbors:
 *	  uint32 similarity (1 cosine, 2 tfidf, 3 bm25), float8 K1, float8 B,
 *	  uint32 neighbour pointers[items + 1], uint32 neighbour index[total],
 *	  float4 similarity[total]
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "miscadmin.h"
#include "utils/builtins.h"

#include "core/insight.h"
#include "models/recsys/recommend.h"
#include "core/util.h"

#define BM25_K1 1.2
#define BM25_B 0.75
#define ITEMKNN_MAX_NEIGHBORS 100000

static const char *const similarity_names[] = {NULL, "cosine", "tfidf", "bm25"};

/* Item-major weights w_iu for the chosen weighting (see the header). */
static double *
item_weights(const RecMatrix *m, const uint32 *iptr, const uint32 *iuser,
			 const double *ival, int similarity)
{
	double	   *w = palloc_extended(sizeof(double) * Max(m->nnz, 1), MCXT_ALLOC_HUGE);
	double	   *idf = NULL;
	double		avg = 0;

	if (similarity != REC_SIM_COSINE)
	{
		idf = palloc(sizeof(double) * Max(m->n_users, 1));
		for (int32 u = 0; u < m->n_users; u++)
			idf[u] = log((double) m->n_items) - log1p((double) (m->indptr[u + 1] - m->indptr[u]));
	}
	if (similarity == REC_SIM_BM25)
	{
		for (int64 k = 0; k < m->nnz; k++)
			avg += ival[k];
		avg /= m->n_items;
	}
	for (int32 i = 0; i < m->n_items; i++)
	{
		double		len = 0;
		double		norm = 0;

		for (uint32 k = iptr[i]; k < iptr[i + 1]; k++)
			len += ival[k];
		for (uint32 k = iptr[i]; k < iptr[i + 1]; k++)
		{
			double		r = ival[k];

			if (similarity == REC_SIM_COSINE)
				w[k] = r;
			else if (similarity == REC_SIM_TFIDF)
				w[k] = sqrt(r) * idf[iuser[k]];
			else
				w[k] = r * (BM25_K1 + 1.0) /
					(BM25_K1 * ((1.0 - BM25_B) + BM25_B * len / avg) + r) * idf[iuser[k]];
			norm += w[k] * w[k];
		}
		if (similarity != REC_SIM_BM25 && norm > 0)
		{
			norm = sqrt(norm);
			for (uint32 k = iptr[i]; k < iptr[i + 1]; k++)
				w[k] /= norm;
		}
	}
	return w;
}

typedef struct NeighbourSort
{
	const double *acc;
} NeighbourSort;

static int
cmp_neighbour(const void *a, const void *b, void *arg)
{
	const double *acc = ((NeighbourSort *) arg)->acc;
	uint32		x = *(const uint32 *) a;
	uint32		y = *(const uint32 *) b;

	if (acc[x] != acc[y])
		return acc[x] > acc[y] ? -1 : 1;
	return x < y ? -1 : (x > y ? 1 : 0);
}

static int
parse_similarity(const char *s)
{
	for (int k = REC_SIM_COSINE; k <= REC_SIM_BM25; k++)
		if (strcmp(s, similarity_names[k]) == 0)
			return k;
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("unrecognized similarity \"%s\"", s),
			 errhint("Valid similarities are cosine, tfidf and bm25.")));
	return 0;					/* keep the compiler quiet */
}

PG_FUNCTION_INFO_V1(insight_itemknn_fit);
Datum
insight_itemknn_fit(PG_FUNCTION_ARGS)
{
	int32		k_nbr = PG_GETARG_INT32(1);
	int			similarity = parse_similarity(text_to_cstring(PG_GETARG_TEXT_PP(2)));
	RecMatrix	m;
	RecMatrix	wm;
	uint32	   *iptr;
	uint32	   *iuser;
	double	   *ival;
	double	   *w;
	double	   *wu;				/* user-major weights */
	uint32	   *dummy_ptr;
	uint32	   *dummy_idx;
	double	   *acc;
	uint32	   *touched;
	bool	   *seen;
	uint32	   *nptr;
	uint32	   *nidx;
	float	   *nsim;
	Size		total = 0;
	Size		need;
	NeighbourSort ns;
	InsightModelWriter w_out;

	if (k_nbr < 1 || k_nbr > ITEMKNN_MAX_NEIGHBORS)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("neighbors must be between 1 and %d, not %d", ITEMKNN_MAX_NEIGHBORS, k_nbr)));
	rec_matrix_from_query(text_to_cstring(PG_GETARG_TEXT_PP(0)), "insight_itemknn_fit", &m);
	if (m.nnz == 0)
		PG_RETURN_NULL();

	need = add_size(mul_size(2, rec_matrix_bytes(m.n_users, m.n_items, m.nnz)),
					mul_size(3 * sizeof(double), (Size) m.nnz));
	need = add_size(need, mul_size(sizeof(double) + sizeof(uint32) + 1, (Size) m.n_items));
	need = add_size(need, mul_size(mul_size(sizeof(uint32) + sizeof(float), (Size) m.n_items),
								   (Size) Min(k_nbr, m.n_items)));
	insight_check_training_memory(need, "insight_itemknn_fit");

	/* weights item-major, then the same weights user-major */
	rec_matrix_transpose(&m, &iptr, &iuser, &ival);
	w = item_weights(&m, iptr, iuser, ival, similarity);
	wm = m;
	wm.n_users = m.n_items;
	wm.n_items = m.n_users;
	wm.indptr = iptr;
	wm.indices = iuser;
	wm.values = w;
	rec_matrix_transpose(&wm, &dummy_ptr, &dummy_idx, &wu);

	acc = palloc0(sizeof(double) * m.n_items);
	touched = palloc(sizeof(uint32) * m.n_items);
	seen = palloc0(sizeof(bool) * m.n_items);
	nptr = palloc0(sizeof(uint32) * ((Size) m.n_items + 1));
	nidx = palloc_extended(sizeof(uint32) * (Size) m.n_items * Min(k_nbr, m.n_items), MCXT_ALLOC_HUGE);
	nsim = palloc_extended(sizeof(float) * (Size) m.n_items * Min(k_nbr, m.n_items), MCXT_ALLOC_HUGE);
	ns.acc = acc;
	for (int32 i = 0; i < m.n_items; i++)
	{
		uint32		nt = 0;
		uint32		kept = 0;

		if ((i & 63) == 0)
			CHECK_FOR_INTERRUPTS();
		for (uint32 a = iptr[i]; a < iptr[i + 1]; a++)
		{
			uint32		u = iuser[a];

			for (uint32 b = m.indptr[u]; b < m.indptr[u + 1]; b++)
			{
				uint32		j = m.indices[b];

				if (!seen[j])
				{
					seen[j] = true;
					touched[nt++] = j;
				}
				acc[j] += w[a] * wu[b];
			}
		}
		qsort_arg(touched, nt, sizeof(uint32), cmp_neighbour, &ns);
		for (uint32 t = 0; t < nt; t++)
		{
			uint32		j = touched[t];

			if (j != (uint32) i && acc[j] > 0 && kept < (uint32) k_nbr)
			{
				nidx[total] = j;
				nsim[total] = (float) acc[j];
				total++;
				kept++;
			}
			acc[j] = 0;
			seen[j] = false;
		}
		nptr[i + 1] = (uint32) total;
	}

	insight_writer_init(&w_out, INSIGHT_ALG_ITEMKNN);
	rec_write_matrix(&w_out, &m, (uint32) k_nbr);
	insight_write_uint32(&w_out, (uint32) similarity);
	insight_write_float8(&w_out, BM25_K1);
	insight_write_float8(&w_out, BM25_B);
	for (int32 i = 0; i <= m.n_items; i++)
		insight_write_uint32(&w_out, nptr[i]);
	for (Size t = 0; t < total; t++)
		insight_write_uint32(&w_out, nidx[t]);
	insight_write_float4_array(&w_out, nsim, total);
	PG_RETURN_BYTEA_P(insight_writer_finish(&w_out));
}

void *
itemknn_decode(InsightModel *im)
{
	RecModel   *model = rec_model_begin(im);
	Size		k_nbr = im->header.counts[3];
	Size		n = (Size) model->m.n_items;
	Size		total;

	if (k_nbr < 1 || k_nbr > ITEMKNN_MAX_NEIGHBORS)
		insight_model_corrupt(psprintf("An item-kNN model cannot keep %zu neighbours.", k_nbr));
	model->neighbors = (int32) k_nbr;
	model->similarity = (int32) insight_read_uint32(im);
	if (model->similarity < REC_SIM_COSINE || model->similarity > REC_SIM_BM25)
		insight_model_corrupt(psprintf("Similarity %d is not known.", model->similarity));
	model->bm25_k1 = insight_read_float8(im);
	model->bm25_b = insight_read_float8(im);
	rec_expect_values(im, n + 1, sizeof(uint32), "neighbour pointers");
	model->nbr_ptr = palloc(sizeof(uint32) * (n + 1));
	for (Size i = 0; i <= n; i++)
	{
		model->nbr_ptr[i] = insight_read_uint32(im);
		if ((i == 0 && model->nbr_ptr[i] != 0) ||
			(i > 0 && (model->nbr_ptr[i] < model->nbr_ptr[i - 1] ||
					   model->nbr_ptr[i] - model->nbr_ptr[i - 1] > k_nbr)))
			insight_model_corrupt(psprintf("Neighbour pointer %zu is out of order or range.", i));
	}
	total = model->nbr_ptr[n];
	rec_expect_values(im, total, sizeof(uint32) + sizeof(float), "neighbours");
	model->nbr_index = palloc_extended(sizeof(uint32) * Max(total, 1), MCXT_ALLOC_HUGE);
	model->nbr_sim = palloc_extended(sizeof(float) * Max(total, 1), MCXT_ALLOC_HUGE);
	for (Size t = 0; t < total; t++)
	{
		model->nbr_index[t] = insight_read_uint32(im);
		if (model->nbr_index[t] >= n)
			insight_model_corrupt(psprintf("Neighbour %zu refers to item %u of %zu.",
										   t, model->nbr_index[t], n));
	}
	insight_read_float4_array(im, model->nbr_sim, total);
	for (Size t = 0; t < total; t++)
		if (!isfinite(model->nbr_sim[t]))
			insight_model_corrupt("A similarity is not finite.");
	rec_model_end(im, model);
	return model;
}

void
itemknn_score_items(const void *rec, int32 user, double *scores)
{
	const RecModel *model = rec;
	const RecMatrix *m = &model->m;

	memset(scores, 0, sizeof(double) * m->n_items);
	for (uint32 p = m->indptr[user]; p < m->indptr[user + 1]; p++)
	{
		uint32		i = m->indices[p];

		for (uint32 t = model->nbr_ptr[i]; t < model->nbr_ptr[i + 1]; t++)
			scores[model->nbr_index[t]] += m->values[p] * (double) model->nbr_sim[t];
	}
}

/* The item's neighbour list; every other item is unavailable (-Infinity). */
void
itemknn_similar_items(const void *rec, int32 item, double *scores)
{
	const RecModel *model = rec;

	for (int32 i = 0; i < model->m.n_items; i++)
		scores[i] = -INFINITY;
	for (uint32 t = model->nbr_ptr[item]; t < model->nbr_ptr[item + 1]; t++)
		scores[model->nbr_index[t]] = (double) model->nbr_sim[t];
}

/*
 * sum over the user's items j of r_uj * sim(j, item), for every user: the
 * score insight_recommend_from gives the item.
 */
void
itemknn_score_users(const void *rec, int32 item, double *scores)
{
	const RecModel *model = rec;
	const RecMatrix *m = &model->m;
	double	   *to_target = palloc0(sizeof(double) * Max(m->n_items, 1));

	/* similarity of every item j to the target: the target in j's list */
	for (int32 j = 0; j < m->n_items; j++)
		for (uint32 t = model->nbr_ptr[j]; t < model->nbr_ptr[j + 1]; t++)
			if (model->nbr_index[t] == (uint32) item)
				to_target[j] = (double) model->nbr_sim[t];
	memset(scores, 0, sizeof(double) * m->n_users);
	for (int32 u = 0; u < m->n_users; u++)
		for (uint32 p = m->indptr[u]; p < m->indptr[u + 1]; p++)
			scores[u] += m->values[p] * to_target[m->indices[p]];
	pfree(to_target);
}

void
itemknn_info(const void *rec, StringInfo buf)
{
	const RecModel *model = rec;

	rec_info_matrix(model, buf);
	insight_json_int64(buf, "neighbors", model->neighbors);
	insight_json_text(buf, "similarity", similarity_names[model->similarity]);
	if (model->similarity == REC_SIM_BM25)
	{
		insight_json_float8(buf, "bm25_k1", model->bm25_k1);
		insight_json_float8(buf, "bm25_b", model->bm25_b);
	}
	insight_json_int64(buf, "similarities", model->nbr_ptr[model->m.n_items]);
}
