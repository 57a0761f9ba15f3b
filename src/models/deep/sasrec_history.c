/*-------------------------------------------------------------------------
 *
 * sasrec_history.c
 *	  The customer histories a SASRec model serves from (sasrec.h, flag
 *	  SASREC_FLAG_HISTORY), built from rows (customer, item, event_time) as
 *	  sasrec_read_sequences reads them, so that scoring a customer needs
 *	  nothing but the model (as ALS keeps its interaction matrix): by
 *	  insight_sasrec_with_history for a model and a query, and by
 *	  insight_sasrec_fit with with_history from the rows it trains on, in
 *	  the same read (sasrec.c).
 *
 * The rows are read as insight_sasrec_fit reads them (the same distinct
 * rows in the same order, sasrec_read_sequences); items the model does not
 * know are dropped.  Per customer with at least one known item: every item
 * bought (for exclude_purchased) and the latest max_length items in time
 * order (the input of the network).  A history given to a model that has
 * one replaces it.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "miscadmin.h"
#include "utils/builtins.h"

#include "core/insight.h"
#include "models/deep/sasrec.h"

/* What the reader's per-customer hook builds. */
struct SasrecHistory
{
	const InsightSasrec *model; /* NULL: the read's dictionary is the model's */
	int			length;			/* the latest items kept: max_length */
	const char *fname;			/* the SQL function, for errors */
	int32	   *remap;			/* query item id -> model item id (0 unknown, -1 not looked up) */
	int			remap_n;
	int32		customers;
	int32		cap;
	char	  **keys;
	uint32	   *bought_ptr;
	uint32	   *recent_ptr;
	uint32	   *bought;
	uint32	   *recent;
	uint64		nbought;
	uint64		nrecent;
	uint64		bought_cap;
	uint64		recent_cap;
	Size		charged;
	bool	   *seen;			/* per item, scratch */
	int			seen_n;
	uint32	   *work;
};

static int
cmp_key(const void *a, const void *b)
{
	return strcmp(*(char *const *) a, *(char *const *) b);
}

static int
cmp_uint32(const void *a, const void *b)
{
	uint32		x = *(const uint32 *) a;
	uint32		y = *(const uint32 *) b;

	return x < y ? -1 : (x > y ? 1 : 0);
}

/* The model's id of the query's item 'id' (0: unknown). */
static int32
model_item(SasrecData *data, SasrecHistory *h, int32 id)
{
	if (h->model == NULL)
		return id;
	if (id >= h->remap_n)
	{
		int			n = Max(id + 1, h->remap_n * 2);

		h->remap = h->remap == NULL ? palloc(sizeof(int32) * n)
			: repalloc(h->remap, sizeof(int32) * n);
		for (int j = h->remap_n; j < n; j++)
			h->remap[j] = -1;
		h->remap_n = n;
	}
	if (h->remap[id] < 0)
	{
		char	  **hit = bsearch(&data->keys[id], h->model->keys + 1, h->model->shape.items,
								  sizeof(char *), cmp_key);

		h->remap[id] = hit ? (int32) (hit - h->model->keys) : 0;
	}
	return h->remap[id];
}

/* Room for n more ids in one of the id arrays, under the memory limit. */
static uint32 *
grow_ids(SasrecHistory *h, uint32 *ids, uint64 used, uint64 *cap, uint64 n)
{
	uint64		newcap;

	if (used + n <= *cap)
		return ids;
	newcap = Max(used + n, *cap * 2);
	if (newcap > PG_UINT32_MAX)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("%s takes at most %u items over all histories",
						h->fname, PG_UINT32_MAX)));
	h->charged = add_size(h->charged, mul_size(newcap - *cap, sizeof(uint32)));
	insight_check_training_memory(h->charged, h->fname);
	*cap = newcap;
	return ids == NULL ? MemoryContextAllocHuge(CurrentMemoryContext, sizeof(uint32) * newcap)
		: repalloc_huge(ids, sizeof(uint32) * newcap);
}

static void
add_customer(SasrecData *data, const char *customer, const int32 *items, int n)
{
	SasrecHistory *h = data->arg;
	int			known = 0;
	int			distinct = 0;
	int			keep;

	CHECK_FOR_INTERRUPTS();
	/* (the read's items grow as it goes; a model's are known) */
	{
		int			items = h->model != NULL ? h->model->shape.items : data->items;

		if (h->seen_n < items + 1)
		{
			int			n = Max(items + 1, h->seen_n * 2);

			h->seen = h->seen == NULL ? palloc(sizeof(bool) * (Size) n)
				: repalloc(h->seen, sizeof(bool) * (Size) n);
			memset(h->seen + h->seen_n, 0, sizeof(bool) * (Size) (n - h->seen_n));
			h->charged = add_size(h->charged, (Size) (n - h->seen_n));
			h->seen_n = n;
		}
	}
	h->work = h->work == NULL ? palloc(sizeof(uint32) * Max(n, 64))
		: repalloc(h->work, sizeof(uint32) * Max(n, 64));
	for (int j = 0; j < n; j++)
	{
		int32		id = model_item(data, h, items[j]);

		if (id > 0)
			h->work[known++] = (uint32) id;
	}
	if (known == 0)
		return;
	if (h->customers == h->cap)
	{
		int32		newcap = h->cap == 0 ? 1024 : h->cap * 2;

		h->charged = add_size(h->charged, mul_size(newcap - h->cap, 2 * sizeof(uint32) + sizeof(char *)));
		insight_check_training_memory(h->charged, h->fname);
		h->keys = h->keys == NULL ? palloc(sizeof(char *) * newcap)
			: repalloc(h->keys, sizeof(char *) * newcap);
		h->bought_ptr = h->bought_ptr == NULL ? palloc(sizeof(uint32) * (newcap + 1))
			: repalloc(h->bought_ptr, sizeof(uint32) * (newcap + 1));
		h->recent_ptr = h->recent_ptr == NULL ? palloc(sizeof(uint32) * (newcap + 1))
			: repalloc(h->recent_ptr, sizeof(uint32) * (newcap + 1));
		h->bought_ptr[0] = 0;
		h->recent_ptr[0] = 0;
		h->cap = newcap;
	}
	h->keys[h->customers] = pstrdup(customer);
	h->charged = add_size(h->charged, strlen(customer) + 16);

	/* the latest items, time order */
	keep = Min(known, h->length);
	h->recent = grow_ids(h, h->recent, h->nrecent, &h->recent_cap, keep);
	memcpy(h->recent + h->nrecent, h->work + known - keep, sizeof(uint32) * keep);
	h->nrecent += keep;

	/* every item bought, once, in id order */
	for (int j = 0; j < known; j++)
		if (!h->seen[h->work[j]])
		{
			h->seen[h->work[j]] = true;
			h->work[distinct++] = h->work[j];
		}
	for (int j = 0; j < distinct; j++)
		h->seen[h->work[j]] = false;
	qsort(h->work, distinct, sizeof(uint32), cmp_uint32);
	h->bought = grow_ids(h, h->bought, h->nbought, &h->bought_cap, distinct);
	memcpy(h->bought + h->nbought, h->work, sizeof(uint32) * distinct);
	h->nbought += distinct;

	h->customers++;
	h->bought_ptr[h->customers] = (uint32) h->nbought;
	h->recent_ptr[h->customers] = (uint32) h->nrecent;
}

/*
 * The read's final item numbers (model NULL: the histories hold the read's
 * own ids): each id renumbered, each customer's items bought in id order
 * again.
 */
static void
renumber_items(SasrecData *data, const int32 *renumber)
{
	SasrecHistory *h = data->arg;

	if (h->model != NULL)
		return;
	for (uint64 j = 0; j < h->nrecent; j++)
		h->recent[j] = (uint32) renumber[h->recent[j]];
	for (uint64 j = 0; j < h->nbought; j++)
		h->bought[j] = (uint32) renumber[h->bought[j]];
	for (int32 c = 0; c < h->customers; c++)
	{
		CHECK_FOR_INTERRUPTS();
		qsort(h->bought + h->bought_ptr[c], h->bought_ptr[c + 1] - h->bought_ptr[c], sizeof(uint32), cmp_uint32);
	}
}

SasrecHistory *
sasrec_history_collect(SasrecData *data, const InsightSasrec *model, int length, const char *fname)
{
	SasrecHistory *h = palloc0(sizeof(SasrecHistory));

	h->model = model;
	h->length = length;
	h->fname = fname;
	data->on_customer = add_customer;
	data->on_renumber = renumber_items;
	data->arg = h;
	return h;
}

Size
sasrec_history_bytes(const SasrecHistory *h)
{
	return h->charged;
}

void
sasrec_history_attach(SasrecHistory *h, const SasrecData *data, InsightSasrec *out)
{
	if (h->customers == 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s found no customer who bought an item of the model", h->fname),
				 errdetail("%llu rows read; the model has %d items.",
						   (unsigned long long) data->rows,
						   h->model != NULL ? h->model->shape.items : data->items),
				 errhint("Give rows (customer, item, event_time) with the items the model was trained on.")));
	out->customers = h->customers;
	out->history_rows = data->rows;
	out->customer_keys = h->keys;
	out->bought_ptr = h->bought_ptr;
	out->bought = h->bought;
	out->recent_ptr = h->recent_ptr;
	out->recent = h->recent;
}

PG_FUNCTION_INFO_V1(insight_sasrec_with_history);
Datum
insight_sasrec_with_history(PG_FUNCTION_ARGS)
{
	const InsightSasrec *model;
	InsightSasrec out;
	SasrecData	data;
	SasrecHistory *h;
	char	   *query;

	if (PG_ARGISNULL(0))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("model must not be NULL")));
	model = sasrec_model_arg(fcinfo, 0);
	query = PG_ARGISNULL(1) ? sasrec_default_query(fcinfo) : text_to_cstring(PG_GETARG_TEXT_PP(1));

	memset(&data, 0, sizeof(data));
	h = sasrec_history_collect(&data, model, model->shape.length, "insight_sasrec_with_history");
	sasrec_read_sequences(&data, query, "insight_sasrec_with_history", CurrentMemoryContext);
	out = *model;
	sasrec_history_attach(h, &data, &out);
	PG_RETURN_BYTEA_P(sasrec_write_model(&out));
}
