/*-------------------------------------------------------------------------
 *
 * sasrec.c
 *	  insight_sasrec_fit: SASRec (sasrec.h) trained by mini-batch Adam over
 *	  the rows (customer, item, event_time) of a query, or of the registered
 *	  sales (each kept line with a positive quantity) when the query is NULL;
 *	  with with_history, the model also gets the customer histories it
 *	  serves from (sasrec_history.c) from the same read of the rows: the
 *	  bytes of insight_sasrec_with_history(insight_sasrec_fit(q, ...), q),
 *	  the rows read once instead of twice.
 *
 * Sequences: the distinct (customer, item, event_time) rows (an item
 * listed twice in one order counts once; the same item bought again in a
 * later order is kept: a repeat purchase is what a shop's next item often
 * is), rows with a NULL skipped.  Each customer's items in time order, the
 * items of one order (the same event_time) by their key's text in byte
 * order (COLLATE "C"), so the order is fixed whatever the plan.  Items are
 * numbered 1..N by their key's text in byte order, the numbers given once
 * every row is read (sasrec_number_items), so that the rows are read once,
 * by one query, and need no window over all items (which Citus cannot run
 * on the shards).  A customer's latest
 * max_length + 1 items make one training sequence (inputs: all but the
 * last, right-aligned and padded with 0 on the left; target of each
 * position: the next item), as kang205/SASRec's sampler; a customer with
 * one item has no target and is left out.  The whole query is the
 * training data: holding out the latest items is the caller's (a query
 * with event_time < a cut-off).
 *
 * Everything is seeded: the initial weights, the order of the sequences in
 * each epoch, the negatives (uniform over the N items, drawn again, up to
 * 100 times, while the item is in the customer's sequence, as the
 * reference's random_neq) and the dropout masks; the same data, arguments
 * and seed give the same model bytes.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "catalog/namespace.h"
#include "catalog/pg_type_d.h"
#include "common/hashfn.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"

#include "core/insight.h"
#include "core/user_query.h"
#include "core/util.h"
#include "models/deep/sasrec.h"

#define FETCH_ROWS 10000
#define NEGATIVE_TRIES 100

static const InsightQueryColumn sasrec_columns[] = {
	{"customer", INSIGHT_COLUMN_ANY, InvalidOid, NULL},
	{"item", INSIGHT_COLUMN_ANY, InvalidOid, NULL},
	{"event_time", INSIGHT_COLUMN_TYPE, TIMESTAMPTZOID, "timestamptz"},
};

static const InsightQuerySpec sasrec_query = {
	sasrec_columns, lengthof(sasrec_columns), false,
	"Give rows (customer, item, event_time timestamptz); cast a timestamp or date column to timestamptz."
};

static void
check_range(const char *name, double v, double lo, double hi, bool open_hi)
{
	if (!(v >= lo && (open_hi ? v < hi : v <= hi)))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s must be from %g to %g%s, not %g", name, lo, hi,
						open_hi ? " (exclusive)" : "", v)));
}

/* The customer whose rows are being read: its items so far (all of them). */
typedef struct Current
{
	char	   *customer;
	int32	   *items;
	int			n;
	int			cap;
} Current;

/*
 * The end of the current customer's rows: its items to the on_customer
 * hook, and its latest len items kept as a sequence.
 */
static void
flush_customer(SasrecData *data, Current *cur, Size *charged, int *seqcap, const char *fname)
{
	int			keep;
	int32	   *row;

	if (cur->customer != NULL && data->on_customer != NULL)
		data->on_customer(data, cur->customer, cur->items, cur->n);
	if (cur->customer == NULL || cur->n < 2 || data->len == 0)
		return;
	if (data->nseq == *seqcap)
	{
		int			newcap = *seqcap == 0 ? 1024 : *seqcap * 2;

		*charged = add_size(*charged, mul_size((Size) (newcap - *seqcap), sizeof(int32) * data->len));
		insight_check_training_memory(*charged, fname);
		data->seq = data->seq == NULL
			? MemoryContextAllocHuge(CurrentMemoryContext, sizeof(int32) * data->len * (Size) newcap)
			: repalloc_huge(data->seq, sizeof(int32) * data->len * (Size) newcap);
		*seqcap = newcap;
	}
	row = data->seq + (Size) data->nseq * data->len;
	keep = Min(cur->n, data->len);
	memset(row, 0, sizeof(int32) * (data->len - keep));
	memcpy(row + data->len - keep, cur->items + cur->n - keep, sizeof(int32) * keep);
	data->nseq++;
}

/*
 * The item dictionary, built from the rows themselves as they come: each new
 * item gets the next provisional id (an open-addressing table of ids hashed
 * by key finds it again); after the last row the items are put in byte
 * order and every id read is renumbered (sasrec_number_items), so that the
 * ids are the place of the key in byte order, as dense_rank() over the items
 * COLLATE "C" would number them.  The rows are read once, and need neither a
 * window over all items (which a Citus shard cannot run) nor a query of the
 * distinct items of their own (which, over purchases packed on the shards,
 * would collect them a second time).
 */
typedef struct ItemTable
{
	int32	   *slots;			/* provisional ids, 0: empty */
	uint32		mask;			/* the number of slots (a power of 2) - 1 */
	int			cap;			/* room in data->keys */
} ItemTable;

static void
item_table_grow(ItemTable *t, const SasrecData *data, Size *charged, const char *fname,
				MemoryContext cxt)
{
	uint32		n = t->slots == NULL ? 4096 : (t->mask + 1) * 2;
	int32	   *slots;

	*charged = add_size(*charged, mul_size(n, sizeof(int32)));
	insight_check_training_memory(*charged, fname);
	slots = MemoryContextAllocZero(cxt, sizeof(int32) * (Size) n);
	for (int32 id = 1; id <= data->items; id++)
	{
		uint32		h = hash_bytes((const unsigned char *) data->keys[id], strlen(data->keys[id])) & (n - 1);

		while (slots[h] != 0)
			h = (h + 1) & (n - 1);
		slots[h] = id;
	}
	if (t->slots != NULL)
		pfree(t->slots);
	t->slots = slots;
	t->mask = n - 1;
}

/* The (provisional) id of an item, a new one for a new item. */
static int32
item_id(SasrecData *data, ItemTable *t, const char *key, Size *charged, const char *fname,
		MemoryContext cxt)
{
	uint32		h;

	if (t->slots == NULL || (uint32) data->items >= (t->mask + 1) / 2)
		item_table_grow(t, data, charged, fname, cxt);
	h = hash_bytes((const unsigned char *) key, strlen(key)) & t->mask;
	while (t->slots[h] != 0)
	{
		if (strcmp(data->keys[t->slots[h]], key) == 0)
			return t->slots[h];
		h = (h + 1) & t->mask;
	}
	if (data->items == SASREC_MAX_ITEMS)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("%s takes at most %d distinct items", fname, SASREC_MAX_ITEMS)));
	if (data->items + 1 >= t->cap)
	{
		int			newcap = Min(Max(1024, t->cap * 2), SASREC_MAX_ITEMS + 1);

		*charged = add_size(*charged, mul_size((Size) (newcap - t->cap), sizeof(char *)));
		insight_check_training_memory(*charged, fname);
		data->keys = data->keys == NULL
			? MemoryContextAllocZero(cxt, sizeof(char *) * (Size) newcap)
			: repalloc(data->keys, sizeof(char *) * (Size) newcap);
		t->cap = newcap;
	}
	data->keys[++data->items] = MemoryContextStrdup(cxt, key);
	*charged = add_size(*charged, strlen(key) + 16);
	t->slots[h] = data->items;
	return data->items;
}

/* Item ids by their keys (arg: the keys), byte order. */
static int
cmp_id_key(const void *a, const void *b, void *arg)
{
	char	  **keys = arg;

	return strcmp(keys[*(const int32 *) a], keys[*(const int32 *) b]);
}

/*
 * After the last row: the keys in byte order (keys[1..items]), and every id
 * read so far renumbered to its key's place (the sequences here, the
 * histories through the on_renumber hook).
 */
static void
sasrec_number_items(SasrecData *data)
{
	int32	   *order;
	int32	   *renumber;
	char	  **sorted;

	if (data->items == 0)
		return;
	/* the ids in their keys' byte order (keys are unique) */
	order = palloc(sizeof(int32) * (Size) data->items);
	for (int32 id = 1; id <= data->items; id++)
		order[id - 1] = id;
	qsort_arg(order, data->items, sizeof(int32), cmp_id_key, data->keys);
	renumber = palloc0(sizeof(int32) * ((Size) data->items + 1));
	sorted = palloc(sizeof(char *) * (Size) data->items);
	for (int32 n = 1; n <= data->items; n++)
	{
		renumber[order[n - 1]] = n;
		sorted[n - 1] = data->keys[order[n - 1]];
	}
	memcpy(data->keys + 1, sorted, sizeof(char *) * data->items);
	pfree(sorted);
	pfree(order);
	for (Size j = 0; j < (Size) data->nseq * data->len; j++)
		data->seq[j] = renumber[data->seq[j]];
	if (data->on_renumber != NULL)
		data->on_renumber(data, renumber);
	pfree(renumber);
}

void
sasrec_read_sequences(SasrecData *data, const char *query, const char *fname, MemoryContext cxt)
{
	InsightUserQuery uq;
	Portal		portal;
	SPIPlanPtr	plan;
	Current		cur = {NULL, NULL, 0, 0};
	Size		charged = 0;
	int			seqcap = 0;
	ItemTable	table = {NULL, 0, 0};
	MemoryContext batch_cxt;
	MemoryContext old;

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	insight_user_query(&uq, query, fname, &sasrec_query);
	data->keys = NULL;
	data->items = 0;
	/*
	 * The rows, no window, read once: on Citus, for a query over a table
	 * distributed by customer, each shard sends its distinct rows and the
	 * coordinator merges them in order; over the purchases packed on the
	 * shards (insight_recommender_rows), the coordinator sorts the unpacked
	 * rows.
	 */
	plan = SPI_prepare(psprintf("SELECT DISTINCT customer::pg_catalog.text COLLATE \"C\", "
								"item::pg_catalog.text COLLATE \"C\", event_time FROM %s "
								"WHERE customer IS NOT NULL AND item IS NOT NULL AND event_time IS NOT NULL "
								"ORDER BY 1, 3, 2",
								uq.from), 0, NULL);
	if (plan == NULL)
		elog(ERROR, "SPI_prepare failed: %s", SPI_result_code_string(SPI_result));
	portal = SPI_cursor_open(NULL, plan, NULL, NULL, true);
	batch_cxt = AllocSetContextCreate(CurrentMemoryContext, "insight_sasrec_fit batch",
									  ALLOCSET_DEFAULT_SIZES);
	old = MemoryContextSwitchTo(cxt);
	for (;;)
	{
		CHECK_FOR_INTERRUPTS();
		SPI_cursor_fetch(portal, true, FETCH_ROWS);
		if (SPI_processed == 0)
			break;
		for (uint64 r = 0; r < SPI_processed; r++)
		{
			HeapTuple	tup = SPI_tuptable->vals[r];
			TupleDesc	desc = SPI_tuptable->tupdesc;
			bool		isnull;
			char	   *customer;
			char	   *item;
			int32		id;

			MemoryContextSwitchTo(batch_cxt);
			customer = TextDatumGetCString(SPI_getbinval(tup, desc, 1, &isnull));
			item = TextDatumGetCString(SPI_getbinval(tup, desc, 2, &isnull));
			MemoryContextSwitchTo(cxt);
			data->rows++;
			id = item_id(data, &table, item, &charged, fname, cxt);
			if (cur.customer == NULL || strcmp(cur.customer, customer) != 0)
			{
				flush_customer(data, &cur, &charged, &seqcap, fname);
				if (cur.customer)
					pfree(cur.customer);
				cur.customer = pstrdup(customer);
				cur.n = 0;
			}
			if (cur.n == cur.cap)
			{
				int			newcap = cur.cap == 0 ? 64 : cur.cap * 2;

				charged = add_size(charged, mul_size((Size) (newcap - cur.cap), sizeof(int32)));
				insight_check_training_memory(charged, fname);
				cur.items = cur.items == NULL
					? MemoryContextAllocHuge(cxt, sizeof(int32) * (Size) newcap)
					: repalloc_huge(cur.items, sizeof(int32) * (Size) newcap);
				cur.cap = newcap;
			}
			cur.items[cur.n++] = id;
		}
		MemoryContextReset(batch_cxt);
		SPI_freetuptable(SPI_tuptable);
	}

	/*
	 * The last customer, in cxt as the others: SPI_cursor_fetch returns in
	 * SPI's procedure context, which SPI_finish deletes, so what the flush
	 * allocates there (the on_customer hook's key and arrays) would be freed
	 * memory by the time the caller reads it.
	 */
	MemoryContextSwitchTo(cxt);
	flush_customer(data, &cur, &charged, &seqcap, fname);
	sasrec_number_items(data);
	if (table.slots != NULL)
		pfree(table.slots);
	MemoryContextSwitchTo(old);
	SPI_cursor_close(portal);
	SPI_finish();
}

int32
sasrec_draw_negative(pg_prng_state *rng, const int32 *seq, int len, int items)
{
	int32		item = 1;

	for (int t = 0; t < NEGATIVE_TRIES; t++)
	{
		bool		seen = false;

		item = (int32) pg_prng_uint64_range(rng, 1, (uint64) items);
		for (int j = 0; j < len && !seen; j++)
			seen = seq[j] == item;
		if (!seen)
			break;
	}
	return item;
}

char *
sasrec_default_query(FunctionCallInfo fcinfo)
{
	char	   *schema = get_namespace_name(get_func_namespace(fcinfo->flinfo->fn_oid));

	return psprintf("SELECT customer_id, item_id, ordered_at FROM %s.insight_sales WHERE quantity > 0",
					quote_identifier(schema));
}

PG_FUNCTION_INFO_V1(insight_sasrec_fit);
Datum
insight_sasrec_fit(PG_FUNCTION_ARGS)
{
	SasrecShape shape;
	int			epochs,
				batch,
				negatives;
	double		learning_rate;
	int64		seed;
	bool		with_history;
	char	   *query;
	SasrecData	data;
	SasrecHistory *history = NULL;
	SasrecNet_f *s;
	NnAdam		adam;
	pg_prng_state rng;
	uint32	   *order;
	double		loss = 0;
	double	   *params;
	float	   *fparams;
	Size		np;
	InsightSasrec model;
	MemoryContext cxt = CurrentMemoryContext;

	for (int i = 1; i < PG_NARGS(); i++)
		if (PG_ARGISNULL(i))
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("only query may be NULL"),
					 errdetail("Argument %d is NULL.", i + 1)));
	shape.length = PG_GETARG_INT32(1);
	shape.hidden = PG_GETARG_INT32(2);
	shape.blocks = PG_GETARG_INT32(3);
	shape.heads = PG_GETARG_INT32(4);
	shape.dropout = PG_GETARG_FLOAT8(5);
	epochs = PG_GETARG_INT32(6);
	batch = PG_GETARG_INT32(7);
	learning_rate = PG_GETARG_FLOAT8(8);
	negatives = PG_GETARG_INT32(9);
	seed = PG_GETARG_INT64(10);
	with_history = PG_GETARG_BOOL(11);
	check_range("max_length", shape.length, 1, SASREC_MAX_LENGTH, false);
	check_range("hidden", shape.hidden, 1, SASREC_MAX_HIDDEN, false);
	check_range("blocks", shape.blocks, 0, SASREC_MAX_BLOCKS, false);
	check_range("heads", shape.heads, 1, shape.hidden, false);
	if (shape.hidden % shape.heads != 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("heads must divide hidden: %d heads, hidden %d", shape.heads, shape.hidden)));
	check_range("dropout", shape.dropout, 0, 1, true);
	check_range("epochs", epochs, 1, SASREC_MAX_EPOCHS, false);
	check_range("batch_size", batch, 1, NN_MAX_BATCH / shape.length, false);
	if (!(learning_rate > 0 && learning_rate <= 10))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("learning_rate must be in (0, 10], not %g", learning_rate)));
	check_range("negatives", negatives, 1, SASREC_MAX_NEGATIVES, false);

	query = PG_ARGISNULL(0) ? sasrec_default_query(fcinfo) : text_to_cstring(PG_GETARG_TEXT_PP(0));
	memset(&data, 0, sizeof(data));
	data.len = shape.length + 1;
	if (with_history)
		history = sasrec_history_collect(&data, NULL, shape.length, "insight_sasrec_fit");
	sasrec_read_sequences(&data, query, "insight_sasrec_fit", cxt);
	if (data.nseq == 0 || data.items < 2)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("insight_sasrec_fit found no sequence to learn from"),
				 errdetail("%llu interactions, %d distinct items, %d customers with at least two items.",
						   (unsigned long long) data.rows, data.items, data.nseq),
				 errhint("SASRec needs customers with at least two items and at least two distinct items.")));
	shape.items = data.items;
	batch = Min(batch, data.nseq);

	insight_check_training_memory(add_size(add_size(sasrec_net_bytes_f(&shape, batch, negatives),
													mul_size(data.nseq, sizeof(int32) * (data.len + 1))),
										   history != NULL ? sasrec_history_bytes(history) : 0),
								  "insight_sasrec_fit");
	s = sasrec_net_create_f(&shape, batch, negatives, cxt);
	sasrec_net_init_f(s, seed);
	adam = nn_adam_defaults(learning_rate, 0, false);
	adam.beta2 = SASREC_ADAM_BETA2;
	nn_rng_seed(&rng, seed ^ INT64CONST(0x632BE59BD9B4E019));
	order = palloc(sizeof(uint32) * data.nseq);
	for (int i = 0; i < data.nseq; i++)
		order[i] = i;

	for (int epoch = 1; epoch <= epochs; epoch++)
	{
		double		total = 0;
		int64		targets = 0;

		nn_shuffle(&rng, order, data.nseq);
		for (int first = 0; first < data.nseq; first += batch)
		{
			int			b = Min(batch, data.nseq - first);
			int			bt = 0;
			double		l;

			CHECK_FOR_INTERRUPTS();
			for (int q = 0; q < b; q++)
			{
				const int32 *seq = data.seq + (Size) order[first + q] * data.len;
				int32	   *ids = s->ids + (Size) q * shape.length;
				int32	   *pos = s->pos + (Size) q * shape.length;
				int32	   *neg = s->neg + (Size) q * shape.length * negatives;

				/* inputs seq[0..L-1], targets seq[1..L] */
				for (int t = 0; t < shape.length; t++)
				{
					ids[t] = seq[t];
					pos[t] = seq[t] != 0 ? seq[t + 1] : 0;
					bt += pos[t] != 0;
					for (int k = 0; k < negatives; k++)
						neg[(Size) t * negatives + k] = pos[t] != 0
							? sasrec_draw_negative(&rng, seq, data.len, shape.items) : 1;
				}
			}
			sasrec_forward_f(s, b);
			l = sasrec_step_f(s, b, true, &adam);
			if (!isfinite(l))
				ereport(ERROR,
						(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
						 errmsg("the loss is no longer finite in epoch %d", epoch),
						 errhint("Lower the learning rate.")));
			total += l * bt;
			targets += bt;
		}
		loss = total / Max(targets, 1);
		ereport(NOTICE,
				(errmsg("insight_sasrec_fit: epoch %d of %d, loss %.6f", epoch, epochs, loss),
				 errdetail("%d sequences, %lld target positions.", data.nseq, (long long) targets)));
	}

	/* the model */
	np = add_size(s->ntable, s->arch->nparams);
	params = palloc(sizeof(double) * np);
	fparams = palloc(sizeof(float) * np);
	sasrec_get_params_f(s, params);
	for (Size j = 0; j < np; j++)
	{
		fparams[j] = (float) params[j];
		if (!isfinite(fparams[j]))
			ereport(ERROR,
					(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
					 errmsg("a weight is no longer finite after training"),
					 errhint("Lower the learning rate.")));
	}
	memset(&model, 0, sizeof(model));
	model.shape = shape;
	model.sequences = (uint64) data.nseq;
	model.interactions = data.rows;
	model.epochs = (uint32) epochs;
	model.batch_size = (uint32) PG_GETARG_INT32(7);
	model.negatives = (uint32) negatives;
	model.seed = seed;
	model.learning_rate = learning_rate;
	model.loss = loss;
	model.keys = data.keys;
	model.params = fparams;
	model.nparams = np;
	if (history != NULL)
		sasrec_history_attach(history, &data, &model);
	PG_RETURN_BYTEA_P(sasrec_write_model(&model));
}
