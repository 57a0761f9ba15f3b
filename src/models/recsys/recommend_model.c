/*-------------------------------------------------------------------------
 *
 * recommend_model.c
 *	  The part of the model format every recommender shares (keys and the
 *	  interaction matrix, see recommend.h), key lookup, and the popularity
 *	  ranking derived from it.  Each algorithm's reader (als_decode, ...)
 *	  reads this part with rec_model_begin, then its own part, then ends
 *	  with rec_model_end; the algorithm table (models/algorithms.c) calls
 *	  the readers, so this file calls none of them.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "utils/memutils.h"

#include "models/recsys/recommend.h"
#include "core/util.h"

void
rec_write_matrix(InsightModelWriter *w, const RecMatrix *m, uint32 param)
{
	w->header.counts[0] = (uint32) m->n_users;
	w->header.counts[1] = (uint32) m->n_items;
	w->header.counts[2] = (uint32) m->nnz;
	w->header.counts[3] = param;
	insight_write_uint64(w, m->rows_read);
	insight_write_uint64(w, m->rows_skipped);
	for (int32 i = 0; i < m->n_items; i++)
		insight_write_text(w, m->item_keys[i], strlen(m->item_keys[i]));
	for (int32 u = 0; u < m->n_users; u++)
		insight_write_text(w, m->user_keys[u], strlen(m->user_keys[u]));
	for (int32 u = 0; u <= m->n_users; u++)
		insight_write_uint32(w, m->indptr[u]);
	for (int64 k = 0; k < m->nnz; k++)
		insight_write_uint32(w, m->indices[k]);
	insight_write_float8_array(w, m->values, (Size) m->nnz);
}

void
rec_expect_values(InsightModel *im, Size n, Size size, const char *what)
{
	if (n > (im->cur.len - im->cur.pos) / size)
		insight_model_corrupt(psprintf("The payload is too short for %zu %s.", n, what));
}

/* n keys, each strictly greater than the one before (byte order). */
static char **
read_keys(InsightModel *im, Size n, const char *what)
{
	char	  **keys;

	rec_expect_values(im, n, sizeof(uint32), what);
	keys = palloc(sizeof(char *) * Max(n, 1));
	for (Size k = 0; k < n; k++)
	{
		keys[k] = insight_read_text(im);
		if (k > 0 && strcmp(keys[k - 1], keys[k]) >= 0)
			insight_model_corrupt(psprintf("The %s are not in strictly increasing order at position %zu.",
										   what, k + 1));
	}
	return keys;
}

static void
rec_read_matrix(InsightModel *im, RecModel *model)
{
	RecMatrix  *m = &model->m;
	Size		n_users = im->header.counts[0];
	Size		n_items = im->header.counts[1];
	Size		nnz = im->header.counts[2];

	model->algorithm = im->header.algorithm;
	if (n_users > PG_INT32_MAX - 1 || n_items > PG_INT32_MAX - 1 || nnz > PG_INT32_MAX)
		insight_model_corrupt("The model's counts exceed the limits of a recommender.");
	m->n_users = (int32) n_users;
	m->n_items = (int32) n_items;
	m->nnz = (int64) nnz;
	m->rows_read = insight_read_uint64(im);
	m->rows_skipped = insight_read_uint64(im);
	m->item_keys = read_keys(im, n_items, "item keys");
	m->user_keys = read_keys(im, n_users, "user keys");

	rec_expect_values(im, n_users + 1, sizeof(uint32), "row pointers");
	m->indptr = palloc(sizeof(uint32) * (n_users + 1));
	for (Size u = 0; u <= n_users; u++)
	{
		m->indptr[u] = insight_read_uint32(im);
		if ((u == 0 && m->indptr[u] != 0) || (u > 0 && m->indptr[u] < m->indptr[u - 1]) ||
			m->indptr[u] > nnz || (u == n_users && m->indptr[u] != nnz))
			insight_model_corrupt(psprintf("Row pointer %zu is %u, out of order or range.",
										   u, m->indptr[u]));
	}
	rec_expect_values(im, nnz, sizeof(uint32) + sizeof(double), "interactions");
	m->indices = palloc_extended(sizeof(uint32) * Max(nnz, 1), MCXT_ALLOC_HUGE);
	m->values = palloc_extended(sizeof(double) * Max(nnz, 1), MCXT_ALLOC_HUGE);
	for (Size u = 0; u < n_users; u++)
		for (uint32 k = m->indptr[u]; k < m->indptr[u + 1]; k++)
		{
			m->indices[k] = insight_read_uint32(im);
			if (m->indices[k] >= n_items ||
				(k > m->indptr[u] && m->indices[k] <= m->indices[k - 1]))
				insight_model_corrupt(psprintf("Interaction %u refers to item %u, out of order or range.",
											   k, m->indices[k]));
		}
	insight_read_float8_array(im, m->values, nnz);
	for (Size k = 0; k < nnz; k++)
		if (!(m->values[k] > 0) || !isfinite(m->values[k]))
			insight_model_corrupt(psprintf("Interaction %zu has value %g; values are finite and positive.",
										   k, m->values[k]));
}

/* Sort item indexes by popularity (descending), ties by key (index). */
static const double *popularity_sort_values;

static int
cmp_popularity(const void *a, const void *b)
{
	int32		x = *(const int32 *) a;
	int32		y = *(const int32 *) b;
	double		px = popularity_sort_values[x];
	double		py = popularity_sort_values[y];

	if (px != py)
		return px > py ? -1 : 1;
	return x < y ? -1 : (x > y ? 1 : 0);
}

/*
 * Popularity of an item: the share of training users with a positive
 * interaction with it (the "most popular" baseline of e.g. Cremonesi, Koren
 * & Turrin 2010, counted in users rather than in purchases).
 */
void
rec_derive_popularity(RecModel *model)
{
	RecMatrix  *m = &model->m;
	int32		n = m->n_items;

	model->popularity = palloc0(sizeof(double) * Max(n, 1));
	model->by_popularity = palloc(sizeof(int32) * Max(n, 1));
	for (int64 k = 0; k < m->nnz; k++)
		model->popularity[m->indices[k]] += 1;
	for (int32 i = 0; i < n; i++)
	{
		if (m->n_users > 0)
			model->popularity[i] /= m->n_users;
		model->by_popularity[i] = i;
	}
	popularity_sort_values = model->popularity;
	qsort(model->by_popularity, n, sizeof(int32), cmp_popularity);
	popularity_sort_values = NULL;
}

void
rec_info_matrix(const RecModel *model, StringInfo buf)
{
	insight_json_int64(buf, "users", model->m.n_users);
	insight_json_int64(buf, "items", model->m.n_items);
	insight_json_int64(buf, "interactions", model->m.nnz);
	insight_json_int64(buf, "rows_read", (int64) model->m.rows_read);
	insight_json_int64(buf, "rows_skipped", (int64) model->m.rows_skipped);
}

int32
rec_find_key(char **keys, int32 n, const char *key)
{
	int32		lo = 0;
	int32		hi = n - 1;

	while (lo <= hi)
	{
		int32		mid = lo + (hi - lo) / 2;
		int			c = strcmp(keys[mid], key);

		if (c == 0)
			return mid;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid - 1;
	}
	return -1;
}

RecModel *
rec_model_begin(InsightModel *im)
{
	RecModel   *model = palloc0(sizeof(RecModel));

	rec_read_matrix(im, model);
	return model;
}

void
rec_model_end(InsightModel *im, RecModel *model)
{
	insight_model_close(im);
	rec_derive_popularity(model);
}
