/*-------------------------------------------------------------------------
 *
 * sasrec_eval.c
 *	  insight_sasrec_evaluate: the evaluation protocol of Kang & McAuley
 *	  (2018), section IV.B (kang205/SASRec util.py evaluate): for every
 *	  customer of a query with two items or more, the last item is the test
 *	  item and the items before it (the latest max_length) the input; the
 *	  test item is ranked among 'negatives' items drawn uniformly among the
 *	  items not in the customer's kept sequence (with replacement, as the
 *	  reference); rank r = the number of negatives scored strictly higher
 *	  (0 is the top); HR@k = mean [r < k], NDCG@k = mean [r < k] / log2(r +
 *	  2).  The paper's leave-one-out split is the caller's: evaluate over
 *	  the rows up to each customer's test item and train over the rows
 *	  before it (the second-last item for validation the same way).
 *
 * Items are matched to the model's by key (the text form); an item the
 * model does not know is dropped from a sequence, and a customer whose
 * test item is unknown is not evaluated (counted in 'skipped').  Scores run
 * in the float network that trains, without dropout.  Seeded negatives.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "funcapi.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/tuplestore.h"

#include "core/insight.h"
#include "models/deep/sasrec.h"

#define SASREC_EVAL_MAX_NEGATIVES 100000

static int
cmp_key(const void *a, const void *b)
{
	return strcmp(*(char *const *) a, *(char *const *) b);
}

PG_FUNCTION_INFO_V1(insight_sasrec_evaluate);
Datum
insight_sasrec_evaluate(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	const InsightSasrec *model;
	int			negatives,
				k;
	int64		seed;
	char	   *query;
	SasrecData	data;
	int32	   *remap;
	int			len;
	int			batch;
	SasrecNet_f *s;
	double	   *params;
	pg_prng_state rng;
	int64		evaluated = 0,
				skipped = 0;
	double		hits = 0,
				ndcg = 0;
	int32	   *work;
	int32	   *targets;
	Datum		values[4];
	bool		nulls[4] = {false, false, false, false};

	for (int i = 0; i < PG_NARGS(); i++)
		if (i != 1 && PG_ARGISNULL(i))
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("only query may be NULL"),
					 errdetail("Argument %d is NULL.", i + 1)));
	negatives = PG_GETARG_INT32(2);
	k = PG_GETARG_INT32(3);
	seed = PG_GETARG_INT64(4);
	if (negatives < 1 || negatives > SASREC_EVAL_MAX_NEGATIVES)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("negatives must be from 1 to %d, not %d", SASREC_EVAL_MAX_NEGATIVES, negatives)));
	if (k < 1 || k > negatives + 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("k must be from 1 to negatives + 1 (%d), not %d", negatives + 1, k)));
	model = sasrec_model_arg(fcinfo, 0);
	len = model->shape.length;
	query = PG_ARGISNULL(1) ? sasrec_default_query(fcinfo) : text_to_cstring(PG_GETARG_TEXT_PP(1));

	memset(&data, 0, sizeof(data));
	data.len = len + 1;
	sasrec_read_sequences(&data, query, "insight_sasrec_evaluate", CurrentMemoryContext);

	/* the query's item ids to the model's (0: unknown) */
	remap = palloc0(sizeof(int32) * ((Size) data.items + 1));
	for (int i = 1; i <= data.items; i++)
	{
		char	  **hit = bsearch(&data.keys[i], model->keys + 1, model->shape.items,
								  sizeof(char *), cmp_key);

		remap[i] = hit ? (int32) (hit - model->keys) : 0;
	}

	batch = Max(1, Min(NN_MAX_BATCH / len, 256));
	insight_check_training_memory(add_size(sasrec_net_bytes_f(&model->shape, batch, 1),
										   mul_size(model->nparams, sizeof(double))),
								  "insight_sasrec_evaluate");
	s = sasrec_net_create_f(&model->shape, batch, 1, CurrentMemoryContext);
	s->net->training = false;
	params = palloc(sizeof(double) * model->nparams);
	for (Size j = 0; j < model->nparams; j++)
		params[j] = model->params[j];
	sasrec_set_params_f(s, params);
	nn_rng_seed(&rng, seed);
	work = palloc(sizeof(int32) * data.len);
	targets = palloc(sizeof(int32) * batch);

	for (int first = 0; first < data.nseq; first += batch)
	{
		int			b = 0;
		const float *h;

		CHECK_FOR_INTERRUPTS();
		/* the batch: remapped sequences whose test item the model knows */
		for (int q = first; q < Min(first + batch, data.nseq); q++)
		{
			const int32 *seq = data.seq + (Size) q * data.len;
			int32	   *ids = s->ids + (Size) b * len;
			int			m = 0;

			for (int t = 0; t < data.len; t++)
				if (seq[t] != 0 && remap[seq[t]] != 0)
					work[m++] = remap[seq[t]];
			if (seq[data.len - 1] == 0 || remap[seq[data.len - 1]] == 0 || m < 2)
			{
				skipped++;
				continue;
			}
			/* inputs: the (up to len) items before the test item, right-aligned */
			memset(ids, 0, sizeof(int32) * len);
			memcpy(ids + len - (m - 1), work, sizeof(int32) * (m - 1));
			targets[b++] = work[m - 1];
		}
		if (b == 0)
			continue;
		h = sasrec_forward_f(s, b);
		for (int q = 0; q < b; q++)
		{
			const float *hq = h + ((Size) q * len + len - 1) * model->shape.hidden;
			const int32 *ids = s->ids + (Size) q * len;
			int32		seqbuf[SASREC_MAX_LENGTH + 1];
			double		target = 0;
			int			rank = 0;

			CHECK_FOR_INTERRUPTS();
			memcpy(seqbuf, ids, sizeof(int32) * len);
			seqbuf[len] = targets[q];
			for (int j = 0; j < model->shape.hidden; j++)
				target += (double) hq[j] * s->table[(Size) targets[q] * model->shape.hidden + j];
			for (int n = 0; n < negatives; n++)
			{
				int32		item = sasrec_draw_negative(&rng, seqbuf, len + 1, model->shape.items);
				double		z = 0;

				for (int j = 0; j < model->shape.hidden; j++)
					z += (double) hq[j] * s->table[(Size) item * model->shape.hidden + j];
				rank += z > target;
			}
			evaluated++;
			if (rank < k)
			{
				hits += 1;
				ndcg += 1 / log2(rank + 2.0);
			}
		}
	}

	values[0] = Int64GetDatum(evaluated);
	values[1] = Int64GetDatum(skipped);
	values[2] = Float8GetDatum(evaluated > 0 ? hits / evaluated : 0);
	values[3] = Float8GetDatum(evaluated > 0 ? ndcg / evaluated : 0);
	nulls[2] = nulls[3] = evaluated == 0;
	InitMaterializedSRF(fcinfo, 0);
	tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	return (Datum) 0;
}
