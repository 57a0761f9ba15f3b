/*-------------------------------------------------------------------------
 *
 * recommend.h
 *	  Recommenders over implicit feedback: the interaction matrix shared by
 *	  every recommender, its model section, and the per-algorithm parts
 *	  (popularity, implicit ALS, item-kNN).
 *
 * Interactions are rows (user_key, item_key, value) of any query, keys of
 * any type in their text form.  Duplicate (user, item) rows sum; pairs whose
 * sum is <= 0 are dropped (a purchase returned in full is no interaction);
 * rows with a NULL key or value are skipped and counted.  Users and items are
 * numbered in byte order of their keys (strcmp), so every tie broken "by
 * key" is broken by index.
 *
 * Model layout (algorithms "popularity", "als", "itemknn"):
 *	  counts[0] = users, counts[1] = items, counts[2] = interactions (nnz),
 *	  counts[3] = factors (als), neighbors (itemknn) or 0 (popularity).
 *	  payload, shared part:
 *		uint64 rows read, uint64 rows skipped,
 *		items x text item key (strictly increasing),
 *		users x text user key (strictly increasing),
 *		uint32 row pointers[users + 1], uint32 item index[nnz] (increasing
 *		within a user), float8 value[nnz] (finite, > 0)
 *	  then the algorithm's part (see als.c and itemknn.c; none for
 *	  popularity).
 *
 *-------------------------------------------------------------------------
 */
#ifndef INSIGHT_RECOMMEND_H
#define INSIGHT_RECOMMEND_H

#include "fmgr.h"
#include "lib/stringinfo.h"
#include "utils/array.h"

#include "core/model_format.h"

/* The user x item matrix in compressed sparse rows, keys sorted. */
typedef struct RecMatrix
{
	int32		n_users;
	int32		n_items;
	int64		nnz;
	uint64		rows_read;
	uint64		rows_skipped;
	char	  **user_keys;
	char	  **item_keys;
	uint32	   *indptr;			/* n_users + 1 */
	uint32	   *indices;		/* nnz item indexes */
	double	   *values;			/* nnz values r_ui > 0 */
} RecMatrix;

/* Item-kNN similarity weighting (implicit's CosineRecommender, TFIDF..., BM25...). */
typedef enum RecSimilarity
{
	REC_SIM_COSINE = 1,
	REC_SIM_TFIDF = 2,
	REC_SIM_BM25 = 3
} RecSimilarity;

/* A recommender model read from its bytea value. */
typedef struct RecModel
{
	uint16		algorithm;
	RecMatrix	m;
	double	   *popularity;		/* per item: share of users with r > 0 */
	int32	   *by_popularity;	/* item indexes, most popular first, ties by key */

	/* als */
	int32		factors;
	int32		iterations;
	double		regularization;
	double		alpha;
	uint64		seed;
	double	   *loss;			/* objective after each iteration */
	float	   *user_factors;	/* n_users x factors */
	float	   *item_factors;	/* n_items x factors */

	/* itemknn */
	int32		neighbors;
	int32		similarity;		/* RecSimilarity */
	double		bm25_k1;
	double		bm25_b;
	uint32	   *nbr_ptr;		/* n_items + 1 */
	uint32	   *nbr_index;		/* neighbour item indexes, most similar first */
	float	   *nbr_sim;		/* their similarities */
} RecModel;

/* recommend_data.c: read interactions from a query under the memory limit. */
extern void rec_matrix_from_query(const char *query, const char *fname, RecMatrix *m);
/* Item-major copy (CSC) of the matrix: user indexes and values per item. */
extern void rec_matrix_transpose(const RecMatrix *m, uint32 **item_ptr,
								 uint32 **user_index, double **item_values);
/* Bytes a matrix of this size holds (for insight_check_training_memory). */
extern Size rec_matrix_bytes(int64 n_users, int64 n_items, int64 nnz);

/* recommend_model.c: the model's shared part, key lookup. */
extern void rec_write_matrix(InsightModelWriter *w, const RecMatrix *m, uint32 param);
/* A new RecModel holding the shared part of the model at the cursor. */
extern RecModel *rec_model_begin(InsightModel *im);
/* After the algorithm's part: no payload byte left; popularity derived. */
extern void rec_model_end(InsightModel *im, RecModel *model);
/* popularity and by_popularity from the matrix (rec_model_end calls it). */
extern void rec_derive_popularity(RecModel *model);
extern void rec_info_matrix(const RecModel *model, StringInfo buf);
extern int32 rec_find_key(char **keys, int32 n, const char *key);
/* Check that the remaining payload holds n values of 'size' bytes. */
extern void rec_expect_values(InsightModel *im, Size n, Size size, const char *what);

/* recommend.c: the ranking (see there). */
/*
 * Emit the top k of n entries (keys[i], scores[i]) whose score is not
 * -Infinity as rows (key, score, rank), ties by tiebreak (descending; NULL:
 * none), then by index.
 */
extern void rec_emit_ranked(FunctionCallInfo fcinfo, char **keys, int32 n,
							const double *scores, const double *tiebreak, int32 k);
/* The same rows after nlead leading columns (lead, lead_nulls) of the result. */
extern void rec_emit_ranked_after(FunctionCallInfo fcinfo, int nlead, const Datum *lead,
								  const bool *lead_nulls, char **keys, int32 n,
								  const double *scores, const double *tiebreak, int32 k);
/* Set the score of every key of a text[] to -Infinity (unknown keys, NULLs ignored). */
extern void rec_exclude_keys(char **keys, int32 n, ArrayType *exclude, double *scores);

/*
 * The algorithm table's entries (models/algorithms.c): reader, info and the
 * recommender operations of each algorithm (popularity in recommend.c, the
 * others in their own files).  A model is a RecModel.
 */
extern void *popularity_decode(InsightModel *im);
extern void popularity_info(const void *model, StringInfo buf);
extern void popularity_score_items(const void *model, int32 user, double *scores);
extern void *als_decode(InsightModel *im);
extern void als_info(const void *model, StringInfo buf);
extern void als_score_items(const void *model, int32 user, double *scores);
extern void als_similar_items(const void *model, int32 item, double *scores);
extern void als_score_users(const void *model, int32 item, double *scores);
extern void *itemknn_decode(InsightModel *im);
extern void itemknn_info(const void *model, StringInfo buf);
extern void itemknn_score_items(const void *model, int32 user, double *scores);
extern void itemknn_similar_items(const void *model, int32 item, double *scores);
extern void itemknn_score_users(const void *model, int32 item, double *scores);

#endif							/* INSIGHT_RECOMMEND_H */
