/*-------------------------------------------------------------------------
 *
 * sasrec_model.c
 *	  The SASRec model (sasrec.h): its network, reading, info, and the
 *	  diagnostic function insight_sasrec_diagnose (the forward pass, loss
 *	  and gradient of a stored model in double precision: the causal-mask
 *	  test and the PyTorch peer test, test/peer/sasrec_torch.py, are built
 *	  on it).
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "catalog/pg_type_d.h"
#include "fmgr.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/tuplestore.h"

#include "core/insight.h"
#include "core/model_cache.h"
#include "core/util.h"
#include "models/deep/sasrec.h"

void
sasrec_arch(NnArch *arch, const SasrecShape *shape)
{
	int			d = shape->hidden;

	memset(arch, 0, sizeof(*arch));
	arch->inputs = d;
	nn_arch_add(arch, NN_DROPOUT)->p = shape->dropout;
	for (int b = 0; b < shape->blocks; b++)
	{
		int			k = arch->nlayers;	/* the block's input activation */
		NnLayer    *l;

		nn_arch_add(arch, NN_LAYERNORM);	/* a_{k+1} */
		l = nn_arch_add(arch, NN_ATTENTION);	/* a_{k+2} */
		l->heads = shape->heads;
		l->length = shape->length;
		l->from = k;
		l->p = shape->dropout;
		nn_arch_add(arch, NN_RESIDUAL)->from = k + 1;	/* a_{k+3} */
		nn_arch_add(arch, NN_LAYERNORM);	/* a_{k+4} */
		nn_arch_add(arch, NN_LINEAR)->units = d;
		nn_arch_add(arch, NN_RELU);
		nn_arch_add(arch, NN_DROPOUT)->p = shape->dropout;
		nn_arch_add(arch, NN_LINEAR)->units = d;
		nn_arch_add(arch, NN_DROPOUT)->p = shape->dropout;
		nn_arch_add(arch, NN_RESIDUAL)->from = k + 4;
	}
	nn_arch_add(arch, NN_LAYERNORM);
	nn_arch_finish(arch);
}

/* Fixed part of the payload before the keys. */
#define SASREC_FIXED_BYTES (2 * 8 + 4 * 4 + 8 + 3 * 8)

bytea *
sasrec_write_model(const InsightSasrec *s)
{
	InsightModelWriter w;

	insight_writer_init(&w, INSIGHT_ALG_SEQUENCE);
	w.header.counts[0] = (uint32) s->shape.items;
	w.header.counts[1] = (uint32) s->shape.hidden;
	w.header.counts[2] = (uint32) s->shape.length;
	w.header.counts[3] = (uint32) s->shape.blocks;
	insight_write_uint64(&w, s->sequences);
	insight_write_uint64(&w, s->interactions);
	insight_write_uint32(&w, (uint32) s->shape.heads);
	insight_write_uint32(&w, s->epochs);
	insight_write_uint32(&w, s->batch_size);
	insight_write_uint32(&w, s->negatives);
	insight_write_uint64(&w, (uint64) s->seed);
	insight_write_float8(&w, s->shape.dropout);
	insight_write_float8(&w, s->learning_rate);
	insight_write_float8(&w, s->loss);
	for (int i = 1; i <= s->shape.items; i++)
		insight_write_text(&w, s->keys[i], strlen(s->keys[i]));
	insight_write_float4_array(&w, s->params, s->nparams);
	if (s->customers > 0)
	{
		int32		c = s->customers;

		w.header.flags |= SASREC_FLAG_HISTORY;
		insight_write_uint32(&w, (uint32) c);
		insight_write_uint64(&w, s->history_rows);
		insight_write_uint64(&w, s->bought_ptr[c]);
		insight_write_uint64(&w, s->recent_ptr[c]);
		for (int32 u = 0; u < c; u++)
			insight_write_text(&w, s->customer_keys[u], strlen(s->customer_keys[u]));
		for (int32 u = 0; u <= c; u++)
			insight_write_uint32(&w, s->bought_ptr[u]);
		for (uint32 j = 0; j < s->bought_ptr[c]; j++)
			insight_write_uint32(&w, s->bought[j]);
		for (int32 u = 0; u <= c; u++)
			insight_write_uint32(&w, s->recent_ptr[u]);
		for (uint32 j = 0; j < s->recent_ptr[c]; j++)
			insight_write_uint32(&w, s->recent[j]);
	}
	return insight_writer_finish(&w);
}

/* The payload left holds n more values of 'size' bytes (before allocating them). */
static void
expect_left(InsightModel *m, uint64 n, Size size, const char *what)
{
	if (n > (m->cur.len - m->cur.pos) / size)
		insight_model_corrupt(psprintf("The payload of the SASRec model is too short for %llu %s.",
									   (unsigned long long) n, what));
}

/*
 * Row pointers of 'n' rows over 'total' values, then the values (item ids
 * 1..items); each row has from 'least' to 'most' values (0: no bound), in
 * strictly increasing order when 'increasing'.
 */
static void
read_rows(InsightModel *m, int32 n, uint64 total, int items, uint32 least, uint32 most,
		  bool increasing, const char *what, uint32 **ptr, uint32 **ids)
{
	expect_left(m, (uint64) n + 1 + total, sizeof(uint32), what);
	*ptr = palloc(sizeof(uint32) * ((Size) n + 1));
	*ids = palloc_extended(sizeof(uint32) * Max(total, 1), MCXT_ALLOC_HUGE);
	for (int32 u = 0; u <= n; u++)
	{
		uint32		p = insight_read_uint32(m);
		uint32		width = u > 0 ? p - (*ptr)[u - 1] : 0;

		if ((u == 0 && p != 0) || (u > 0 && (p < (*ptr)[u - 1] || width < least ||
											 (most > 0 && width > most))) ||
			p > total || (u == n && p != total))
			insight_model_corrupt(psprintf("The %s pointer of customer %d is %u, out of order or range.",
										   what, u, p));
		(*ptr)[u] = p;
	}
	for (int32 u = 0; u < n; u++)
		for (uint32 j = (*ptr)[u]; j < (*ptr)[u + 1]; j++)
		{
			(*ids)[j] = insight_read_uint32(m);
			if ((*ids)[j] < 1 || (*ids)[j] > (uint32) items ||
				(increasing && j > (*ptr)[u] && (*ids)[j] <= (*ids)[j - 1]))
				insight_model_corrupt(psprintf("The %s item %u of customer %d is %u, out of order or range.",
											   what, j, u, (*ids)[j]));
		}
}

/* The history section (sasrec.h) at the cursor. */
static void
read_history(InsightModel *m, InsightSasrec *s)
{
	uint32		c = insight_read_uint32(m);
	uint64		nbought,
				nrecent;

	s->history_rows = insight_read_uint64(m);
	nbought = insight_read_uint64(m);
	nrecent = insight_read_uint64(m);
	if (c < 1 || c > PG_INT32_MAX - 1 || nbought > PG_UINT32_MAX || nrecent > PG_UINT32_MAX ||
		nrecent < c || nbought < c || s->history_rows > PG_INT64_MAX)
		insight_model_corrupt("The counts of the SASRec model's customer histories are out of range.");
	s->customers = (int32) c;
	expect_left(m, c, sizeof(uint32), "customer keys");
	s->customer_keys = palloc(sizeof(char *) * c);
	for (uint32 u = 0; u < c; u++)
	{
		s->customer_keys[u] = insight_read_text(m);
		if (u > 0 && strcmp(s->customer_keys[u - 1], s->customer_keys[u]) >= 0)
			insight_model_corrupt("The customer keys of the SASRec model are not sorted and distinct.");
	}
	read_rows(m, s->customers, nbought, s->shape.items, 1, 0, true, "bought",
			  &s->bought_ptr, &s->bought);
	read_rows(m, s->customers, nrecent, s->shape.items, 1, (uint32) s->shape.length, false,
			  "recent", &s->recent_ptr, &s->recent);
}

void *
insight_sasrec_decode(InsightModel *m)
{
	InsightSasrec *s = palloc0(sizeof(InsightSasrec));
	uint32		items = m->header.counts[0];
	uint32		d = m->header.counts[1];
	uint32		len = m->header.counts[2];
	uint32		blocks = m->header.counts[3];
	NnArch		arch;
	Size		np;

	if (items < 1 || items > SASREC_MAX_ITEMS || d < 1 || d > SASREC_MAX_HIDDEN ||
		len < 1 || len > SASREC_MAX_LENGTH || blocks > SASREC_MAX_BLOCKS)
		insight_model_corrupt(psprintf("A SASRec model cannot have %u items, hidden size %u, length %u and %u blocks.",
									   items, d, len, blocks));
	/* every item key takes at least its 4-byte length */
	if (m->header.payload_length < SASREC_FIXED_BYTES + 4 * (Size) items)
		insight_model_corrupt("The payload of the SASRec model is too short.");
	s->sequences = insight_read_uint64(m);
	s->interactions = insight_read_uint64(m);
	s->shape.heads = (int) insight_read_uint32(m);
	s->epochs = insight_read_uint32(m);
	s->batch_size = insight_read_uint32(m);
	s->negatives = insight_read_uint32(m);
	s->seed = (int64) insight_read_uint64(m);
	s->shape.dropout = insight_read_float8(m);
	s->learning_rate = insight_read_float8(m);
	s->loss = insight_read_float8(m);
	if (s->shape.heads < 1 || d % (uint32) s->shape.heads != 0 || s->epochs < 1 ||
		s->epochs > SASREC_MAX_EPOCHS || s->batch_size < 1 ||
		(Size) s->batch_size * len > NN_MAX_BATCH || s->negatives < 1 ||
		s->negatives > SASREC_MAX_NEGATIVES || !(s->shape.dropout >= 0 && s->shape.dropout < 1) ||
		!(s->learning_rate > 0) || !isfinite(s->learning_rate) || !isfinite(s->loss) ||
		s->sequences == 0 || s->sequences > PG_INT64_MAX || s->interactions > PG_INT64_MAX)
		insight_model_corrupt("The settings or counts of the SASRec model are out of range.");
	s->shape.items = (int) items;
	s->shape.hidden = (int) d;
	s->shape.length = (int) len;
	s->shape.blocks = (int) blocks;
	sasrec_arch(&arch, &s->shape);
	np = add_size(sasrec_table_params(&s->shape), arch.nparams);
	if (np > NN_MAX_PARAMS || mul_size(4, np) > m->header.payload_length)
		insight_model_corrupt("The payload of the SASRec model is too short for its parameters.");
	s->keys = palloc(sizeof(char *) * (items + 1));
	s->keys[0] = NULL;
	for (uint32 i = 1; i <= items; i++)
		s->keys[i] = insight_read_text(m);
	s->nparams = np;
	s->params = palloc(sizeof(float) * np);
	insight_read_float4_array(m, s->params, np);
	if (m->header.flags & SASREC_FLAG_HISTORY)
		read_history(m, s);
	insight_model_close(m);
	for (uint32 i = 2; i <= items; i++)
		if (strcmp(s->keys[i - 1], s->keys[i]) >= 0)
			insight_model_corrupt("The item keys of the SASRec model are not sorted and distinct.");
	for (Size j = 0; j < np; j++)
		if (!isfinite(s->params[j]))
			insight_model_corrupt("A weight of the SASRec model is not finite.");
	for (uint32 j = 0; j < d; j++)
		if (s->params[j] != 0)
			insight_model_corrupt("The padding item of the SASRec model has a non-zero embedding.");
	return s;
}

void
insight_sasrec_info(const void *model, StringInfo buf)
{
	const InsightSasrec *s = model;
	NnArch		arch;

	sasrec_arch(&arch, &s->shape);
	insight_json_int64(buf, "items", s->shape.items);
	insight_json_int64(buf, "hidden", s->shape.hidden);
	insight_json_int64(buf, "max_length", s->shape.length);
	insight_json_int64(buf, "blocks", s->shape.blocks);
	insight_json_int64(buf, "heads", s->shape.heads);
	insight_json_float8(buf, "dropout", s->shape.dropout);
	insight_json_text(buf, "layers", nn_arch_text(&arch));
	insight_json_int64(buf, "parameters", (int64) s->nparams);
	insight_json_int64(buf, "sequences", (int64) s->sequences);
	insight_json_int64(buf, "interactions", (int64) s->interactions);
	insight_json_int64(buf, "epochs", s->epochs);
	insight_json_int64(buf, "batch_size", s->batch_size);
	insight_json_int64(buf, "negatives", s->negatives);
	insight_json_float8(buf, "learning_rate", s->learning_rate);
	insight_json_int64(buf, "seed", s->seed);
	insight_json_float8(buf, "loss", s->loss);
	if (s->customers > 0)
	{
		insight_json_int64(buf, "customers", s->customers);
		insight_json_int64(buf, "history_rows", (int64) s->history_rows);
	}
}

static InsightModelReader
sasrec_lookup(const InsightModelHeader *header, int expected)
{
	insight_model_expect_algorithm(header, expected);
	return insight_sasrec_decode;
}

const InsightSasrec *
sasrec_model_arg(FunctionCallInfo fcinfo, int argno)
{
	return insight_model_cache_get(fcinfo, argno, sasrec_lookup, INSIGHT_ALG_SEQUENCE, NULL);
}

/* A 2-dimensional int4 array without NULLs; its dimensions in dims. */
static const int32 *
int4_matrix(ArrayType *a, const char *name, int *dims)
{
	if (ARR_ELEMTYPE(a) != INT4OID || ARR_NDIM(a) != 2 || ARR_HASNULL(a))
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("%s must be a 2-dimensional integer array without NULLs", name)));
	dims[0] = ARR_DIMS(a)[0];
	dims[1] = ARR_DIMS(a)[1];
	return (const int32 *) ARR_DATA_PTR(a);
}

/* 22023 unless every id is an item of the model (or 0 where allowed). */
static void
check_ids(const int32 *ids, Size n, int items, bool zero, const char *name)
{
	for (Size j = 0; j < n; j++)
		if (ids[j] < (zero ? 0 : 1) || ids[j] > items)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("%s holds item id %d, outside %d to %d", name, ids[j], zero ? 0 : 1, items),
					 errdetail("Item ids are 1 to the model's items (insight_model_info(model)->'items'); 0 is the padding.")));
}

/*
 * insight_sasrec_diagnose(model, sequences int[][], targets int[][],
 * negatives int[][]): in double precision, without dropout, the hidden
 * states of every position (b x L rows of d, flattened), the loss of the
 * targets (0: none) with 'negatives' (b x L k: k per position, in order),
 * its gradient, and the weights (the flat array E, P, trunk).
 */
PG_FUNCTION_INFO_V1(insight_sasrec_diagnose);
Datum
insight_sasrec_diagnose(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	const InsightSasrec *model = insight_model_cache_get(fcinfo, 0, sasrec_lookup,
														 INSIGHT_ALG_SEQUENCE, NULL);
	int			sdims[2],
				tdims[2],
				ndims[2];
	const int32 *seqs = int4_matrix(PG_GETARG_ARRAYTYPE_P(1), "sequences", sdims);
	const int32 *tgts = int4_matrix(PG_GETARG_ARRAYTYPE_P(2), "targets", tdims);
	const int32 *negs = int4_matrix(PG_GETARG_ARRAYTYPE_P(3), "negatives", ndims);
	int			len = model->shape.length;
	int			b = sdims[0];
	int			k;
	SasrecNet_d *s;
	double	   *params,
			   *out;
	const double *h;
	Size		rows;
	Datum		values[4];
	bool		nulls[4] = {false, false, false, false};

	if (sdims[1] != len || tdims[0] != b || tdims[1] != len || ndims[0] != b ||
		ndims[1] % len != 0 || ndims[1] == 0 || b < 1 || b * len > NN_MAX_BATCH)
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("sequences and targets must be b x %d arrays and negatives b x %d k", len, len),
				 errdetail("The model reads sequences of max_length %d; b x %d is at most %d.",
						   len, len, NN_MAX_BATCH)));
	k = ndims[1] / len;
	if (k > SASREC_MAX_NEGATIVES)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("at most %d negatives per position", SASREC_MAX_NEGATIVES)));
	rows = (Size) b * len;
	check_ids(seqs, rows, model->shape.items, true, "sequences");
	check_ids(tgts, rows, model->shape.items, true, "targets");
	check_ids(negs, rows * k, model->shape.items, false, "negatives");
	insight_check_training_memory(add_size(sasrec_net_bytes_d(&model->shape, b, k),
										   mul_size(model->nparams, 3 * sizeof(double))),
								  "insight_sasrec_diagnose");

	s = sasrec_net_create_d(&model->shape, b, k, CurrentMemoryContext);
	s->net->training = false;
	params = palloc(sizeof(double) * model->nparams);
	for (Size j = 0; j < model->nparams; j++)
		params[j] = model->params[j];
	sasrec_set_params_d(s, params);
	memcpy(s->ids, seqs, sizeof(int32) * rows);
	memcpy(s->pos, tgts, sizeof(int32) * rows);
	memcpy(s->neg, negs, sizeof(int32) * rows * k);
	h = sasrec_forward_d(s, b);
	values[1] = PointerGetDatum(insight_float8_array(h, (int) (rows * model->shape.hidden)));
	values[0] = Float8GetDatum(sasrec_step_d(s, b, true, NULL));
	out = palloc(sizeof(double) * model->nparams);
	sasrec_get_grads_d(s, out);
	values[2] = PointerGetDatum(insight_float8_array(out, (int) model->nparams));
	values[3] = PointerGetDatum(insight_float8_array(params, (int) model->nparams));
	InitMaterializedSRF(fcinfo, 0);
	tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	return (Datum) 0;
}
