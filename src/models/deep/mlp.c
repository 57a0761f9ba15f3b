/*-------------------------------------------------------------------------
 *
 * mlp.c
 *	  insight_mlp_fit: a multilayer perceptron (mlp.h) trained by mini-batch
 *	  Adam/AdamW over the rows (features float8[], target) of any query.
 *
 * The rows are read once through an SPI cursor into memory (double
 * features, under insight.max_training_memory, checked before each
 * allocation), skipping and counting rows with a NULL feature array, a
 * NULL element or a NULL target.  They are then put in a canonical order
 * (sorted by features, then target), so that the rows a parallel plan
 * delivers in any order give the same model bytes as a serial one.  From
 * there everything is seeded: the validation rows (a random
 * validation_fraction of the rows), the initial weights, the shuffle of
 * each epoch and the dropout masks.  The standardisation (means and
 * scales) is fitted on the training rows by the scaler's own code
 * (features/scaler.h) and stored with the model; the training matrix is
 * float32 (the core's sgemm path).
 *
 * Each epoch shuffles the training rows, takes one Adam step per
 * mini-batch (CHECK_FOR_INTERRUPTS() before each), and reports its mean
 * training loss and the validation loss in a NOTICE.  A loss that is not
 * finite stops the training with an error (nothing is returned).  With
 * validation rows the weights of the epoch with the lowest validation loss
 * are kept, and with patience p > 0 training stops after p epochs without
 * improvement (early stopping, as keras.callbacks.EarlyStopping with
 * restore_best_weights).
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <float.h>
#include <math.h>

#include "catalog/pg_type_d.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/memutils.h"

#include "core/insight.h"
#include "core/user_query.h"
#include "core/util.h"
#include "features/scaler.h"
#include "models/deep/mlp.h"

#define FETCH_ROWS 10000

/*
 * Memory for a row of d features: the double copy (8d + 8), which becomes
 * the float32 training matrix in place, and the order, split and training
 * or validation index arrays (4 + 1 + 4, rounded up).
 */
#define MLP_ROW_BYTES(d) (8 * (Size) (d) + 20)

typedef struct MlpParams
{
	int			hidden[MLP_MAX_HIDDEN];
	int			nhidden;
	NnLoss		loss;
	int			epochs;
	int			batch_size;
	double		learning_rate;
	double		weight_decay;
	double		dropout;
	double		validation_fraction;
	int			patience;
	int64		seed;
} MlpParams;

typedef struct MlpData
{
	int			d;				/* 0 until the first usable row */
	uint64		n;
	uint64		cap;
	uint64		skipped;
	double	   *x;				/* n x d */
	double	   *y;
	MemoryContext cxt;
} MlpData;

/* ---- parameters ---- */

static void
param_error(const char *name, const char *range, double v)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("%s must be %s, not %g", name, range, v)));
}

static void
read_params(FunctionCallInfo fcinfo, MlpParams *p)
{
	static const char *const names[] = {"query", "hidden", "loss", "epochs", "batch_size",
		"learning_rate", "weight_decay", "dropout", "validation_fraction", "patience", "seed"};
	ArrayType  *hidden;

	for (int i = 0; i < PG_NARGS(); i++)
		if (PG_ARGISNULL(i))
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("%s must not be NULL", names[i])));
	memset(p, 0, sizeof(*p));
	hidden = PG_GETARG_ARRAYTYPE_P(1);
	if (ARR_NDIM(hidden) > 1 || ARR_HASNULL(hidden) || ARR_ELEMTYPE(hidden) != INT4OID)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("hidden must be a one-dimensional integer array without NULLs")));
	p->nhidden = ARR_NDIM(hidden) == 0 ? 0 : ARR_DIMS(hidden)[0];
	if (p->nhidden > MLP_MAX_HIDDEN)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("an MLP has at most %d hidden layers, not %d", MLP_MAX_HIDDEN, p->nhidden)));
	for (int i = 0; i < p->nhidden; i++)
	{
		p->hidden[i] = ((int32 *) ARR_DATA_PTR(hidden))[i];
		if (p->hidden[i] < 1 || p->hidden[i] > NN_MAX_WIDTH)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("a hidden layer has 1 to %d units, not %d", NN_MAX_WIDTH, p->hidden[i])));
	}
	p->loss = nn_loss_parse(text_to_cstring(PG_GETARG_TEXT_PP(2)));
	p->epochs = PG_GETARG_INT32(3);
	p->batch_size = PG_GETARG_INT32(4);
	p->learning_rate = PG_GETARG_FLOAT8(5);
	p->weight_decay = PG_GETARG_FLOAT8(6);
	p->dropout = PG_GETARG_FLOAT8(7);
	p->validation_fraction = PG_GETARG_FLOAT8(8);
	p->patience = PG_GETARG_INT32(9);
	p->seed = PG_GETARG_INT64(10);
	if (p->epochs < 1 || p->epochs > MLP_MAX_EPOCHS)
		param_error("epochs", "from 1 to 100000", p->epochs);
	if (p->batch_size < 1 || p->batch_size > NN_MAX_BATCH)
		param_error("batch_size", "from 1 to 65536", p->batch_size);
	if (!(p->learning_rate > 0 && p->learning_rate <= 10))
		param_error("learning_rate", "greater than 0 and at most 10", p->learning_rate);
	if (!(p->weight_decay >= 0 && p->weight_decay <= 10))
		param_error("weight_decay", "from 0 to 10", p->weight_decay);
	if (!(p->dropout >= 0 && p->dropout < 1))
		param_error("dropout", "at least 0 and less than 1", p->dropout);
	if (!(p->validation_fraction >= 0 && p->validation_fraction <= 0.9))
		param_error("validation_fraction", "from 0 to 0.9", p->validation_fraction);
	if (p->patience < 0 || p->patience > MLP_MAX_EPOCHS)
		param_error("patience", "from 0 (no early stopping) to 100000", p->patience);
}

/* ---- reading the rows ---- */

static const InsightQueryColumn mlp_columns[] = {
	{"features", INSIGHT_COLUMN_TYPE, FLOAT8ARRAYOID, "float8[]"},
	{"target", INSIGHT_COLUMN_ANY, InvalidOid, "boolean, float8 or integer"},
};
static const InsightQuerySpec mlp_query = {
	mlp_columns, 2, false,
	"Loss binary takes a boolean target, mse and ziln a float8 target, softmax an integer class: cast the columns, for example SELECT features::float8[], churned::boolean FROM ..."
};

static void
check_target_type(InsightUserQuery *uq, NnLoss loss)
{
	Oid			t = uq->types[1];
	bool		ok;

	if (loss == NN_LOSS_BINARY)
		ok = t == BOOLOID;
	else if (loss == NN_LOSS_SOFTMAX)
		ok = t == INT2OID || t == INT4OID || t == INT8OID;
	else
		ok = t == FLOAT8OID;
	if (!ok)
		ereport(ERROR,
				(errcode(ERRCODE_DATATYPE_MISMATCH),
				 errmsg("target of type %s does not fit loss %s", format_type_be(t),
						nn_loss_name(loss)),
				 errhint("%s", mlp_query.hint)));
}

/* Room for one more row, within insight.max_training_memory. */
static void
data_reserve(MlpData *data)
{
	Size		limit_rows;

	if (data->n < data->cap)
		return;
	/* (the rows so far: the fit needs more, checked once they are read) */
	insight_check_training_memory_at_least(mul_size(data->n + 1, MLP_ROW_BYTES(data->d)),
										   "insight_mlp_fit");
	limit_rows = (Size) insight_max_training_memory * 1024 / MLP_ROW_BYTES(data->d) + 1;
	data->cap = Min(Max(data->cap * 2, 1024), Max(limit_rows, data->n + 1));
	if (data->x == NULL)
	{
		data->x = MemoryContextAllocHuge(data->cxt, mul_size(data->cap, sizeof(double) * data->d));
		data->y = MemoryContextAllocHuge(data->cxt, mul_size(data->cap, sizeof(double)));
	}
	else
	{
		data->x = repalloc_huge(data->x, mul_size(data->cap, sizeof(double) * data->d));
		data->y = repalloc_huge(data->y, mul_size(data->cap, sizeof(double)));
	}
}

/* The target as a double, checked against the loss. */
static double
target_value(Datum v, Oid type, NnLoss loss, uint64 row)
{
	double		t;

	switch (type)
	{
		case BOOLOID:
			return DatumGetBool(v) ? 1.0 : 0.0;
		case INT2OID:
			t = DatumGetInt16(v);
			break;
		case INT4OID:
			t = DatumGetInt32(v);
			break;
		case INT8OID:
			t = (double) DatumGetInt64(v);
			break;
		default:
			t = DatumGetFloat8(v);
			break;
	}
	if (loss == NN_LOSS_SOFTMAX && !(t >= 0 && t < MLP_MAX_CLASSES))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("class %.0f is out of range", t),
				 errdetail("Row " UINT64_FORMAT " of the usable rows has it; classes are 0 to %d.",
						   row, MLP_MAX_CLASSES - 1),
				 errhint("Number the classes from 0.")));
	if (!isfinite(t) || fabs(t) > FLT_MAX)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("target must be a finite float4-range number, not %g", t),
				 errdetail("Row " UINT64_FORMAT " of the usable rows has this target.", row),
				 errhint("Leave out the row, or give it a NULL target to skip it.")));
	if (loss == NN_LOSS_ZILN && t < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("target of loss ziln must not be negative, not %g", t),
				 errdetail("Row " UINT64_FORMAT " of the usable rows has this target.", row),
				 errhint("The zero-inflated lognormal loss models values of at least 0, such as spend.")));
	return t;
}

static void
read_rows(MlpData *data, const InsightUserQuery *uq, NnLoss loss)
{
	Portal		portal = SPI_cursor_open(NULL, uq->plan, NULL, NULL, true);
	MemoryContext batch = AllocSetContextCreate(CurrentMemoryContext, "insight_mlp_fit rows",
												ALLOCSET_DEFAULT_SIZES);

	for (;;)
	{
		MemoryContext old;

		CHECK_FOR_INTERRUPTS();
		SPI_cursor_fetch(portal, true, FETCH_ROWS);
		if (SPI_processed == 0)
			break;
		old = MemoryContextSwitchTo(batch);
		for (uint64 i = 0; i < SPI_processed; i++)
		{
			bool		null_x,
						null_y;
			Datum		fx = SPI_getbinval(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 1, &null_x);
			Datum		fy = SPI_getbinval(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 2, &null_y);
			const double *x;
			int			n;

			if (null_x || null_y ||
				!insight_read_feature_array(DatumGetArrayTypeP(fx), data->d > 0 ? data->d : -1,
											&x, &n))
			{
				data->skipped++;
				continue;
			}
			if (data->d == 0)
			{
				if (n > NN_MAX_WIDTH)
					ereport(ERROR,
							(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
							 errmsg("an MLP takes at most %d features, not %d", NN_MAX_WIDTH, n)));
				data->d = n;
			}
			insight_check_finite(x, n);
			data_reserve(data);
			memcpy(data->x + data->n * data->d, x, sizeof(double) * n);
			data->y[data->n] = target_value(fy, uq->types[1], loss, data->n + 1);
			data->n++;
		}
		MemoryContextSwitchTo(old);
		MemoryContextReset(batch);
		SPI_freetuptable(SPI_tuptable);
	}
	SPI_cursor_close(portal);
	MemoryContextDelete(batch);
}

/* ---- canonical order and split ---- */

static int
compare_rows(const void *a, const void *b, void *arg)
{
	const MlpData *data = arg;
	uint32		ra = *(const uint32 *) a;
	uint32		rb = *(const uint32 *) b;
	const double *xa = data->x + (Size) ra * data->d;
	const double *xb = data->x + (Size) rb * data->d;

	for (int j = 0; j < data->d; j++)
		if (xa[j] != xb[j])
			return xa[j] < xb[j] ? -1 : 1;
	if (data->y[ra] != data->y[rb])
		return data->y[ra] < data->y[rb] ? -1 : 1;
	return 0;
}

/* Check what the data must hold for the loss; returns the outputs. */
static int
check_data(const MlpData *data, NnLoss loss)
{
	uint64		positives = 0;
	double		maxclass = 0;

	if (data->n == 0)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("no training rows"),
				 data->skipped == 0 ?
				 errdetail("The query returned no rows.") :
				 errdetail("All " UINT64_FORMAT " rows were skipped because their features, an element of them or their target is NULL.",
						   data->skipped)));
	if (data->n > PG_UINT32_MAX / 2)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("an MLP trains on at most %u rows", PG_UINT32_MAX / 2)));
	for (uint64 i = 0; i < data->n; i++)
	{
		positives += data->y[i] > 0;
		maxclass = Max(maxclass, data->y[i]);
	}
	if (loss == NN_LOSS_BINARY || loss == NN_LOSS_SOFTMAX)
	{
		bool		one = true;

		for (uint64 i = 1; i < data->n && one; i++)
			one = data->y[i] == data->y[0];
		if (one)
			ereport(ERROR,
					(errcode(ERRCODE_DATA_EXCEPTION),
					 errmsg("training rows hold only one class"),
					 errdetail("All " UINT64_FORMAT " usable rows have the target %g.", data->n,
							   data->y[0]),
					 errhint("A classifier needs rows of at least two classes.")));
	}
	if (loss == NN_LOSS_ZILN && positives == 0)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("no row has a positive target"),
				 errdetail("The zero-inflated lognormal loss fits the positive values with a lognormal; all " UINT64_FORMAT " targets are 0.",
						   data->n)));
	if (loss == NN_LOSS_SOFTMAX)
		return (int) maxclass + 1;
	return loss == NN_LOSS_ZILN ? 3 : 1;
}

/* ---- training ---- */

typedef struct MlpTrain
{
	NnNet_f    *net;
	NnLoss		loss;
	int			d;
	int			k;
	const float *z;				/* n x d standardised, in the order read */
	const float *y;
	uint32	   *train;			/* training rows (shuffled each epoch) */
	uint64		ntrain;
	const uint32 *valid;
	uint64		nvalid;
} MlpTrain;

static void
loss_error(int epoch, uint64 batch, double loss)
{
	ereport(ERROR,
			(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
			 errmsg("training diverged: the loss is %g in epoch %d, batch " UINT64_FORMAT,
					loss, epoch, batch),
			 errdetail("The weights grew until the loss was no longer finite; nothing was stored."),
			 errhint("Lower the learning rate.")));
}

/* Copy rows[0..n) of the matrix into the network's input and targets. */
static void
gather(MlpTrain *t, const uint32 *rows, int n)
{
	for (int r = 0; r < n; r++)
	{
		memcpy(t->net->act[0] + (Size) r * t->d, t->z + (Size) rows[r] * t->d,
			   sizeof(float) * t->d);
		t->net->target[r] = t->y[rows[r]];
	}
}

/* Mean loss over rows[0..n), without dropout. */
static double
evaluate(MlpTrain *t, const uint32 *rows, uint64 n, int epoch)
{
	double		total = 0;

	t->net->training = false;
	for (uint64 i = 0; i < n; i += t->net->capacity)
	{
		int			b = (int) Min((uint64) t->net->capacity, n - i);
		float	   *out;
		double		l;

		CHECK_FOR_INTERRUPTS();
		gather(t, rows + i, b);
		out = nn_forward_f(t->net, b);
		l = nn_loss_f(t->loss, out, t->net->target, b, t->k, NULL);
		if (!isfinite(l))
			loss_error(epoch, i / t->net->capacity + 1, l);
		total += l * b;
	}
	t->net->training = true;
	return total / n;
}

typedef struct MlpResult
{
	int			epochs;
	int			best_epoch;
	bool		stopped;
	double		train_loss;
	double		valid_loss;
	float	   *best;			/* the kept parameters */
} MlpResult;

static void
train(MlpTrain *t, const MlpParams *p, MlpResult *res)
{
	NnNet_f    *net = t->net;
	Size		np = net->arch->nparams;
	NnAdam		adam = nn_adam_defaults(p->learning_rate, p->weight_decay, true);
	pg_prng_state rng;
	double		best = 0;
	int			since = 0;

	nn_rng_seed(&rng, p->seed ^ INT64CONST(0x2545F4914F6CDD1D));
	memset(res, 0, sizeof(*res));
	res->best = palloc(sizeof(float) * Max(np, 1));
	for (int epoch = 1; epoch <= p->epochs; epoch++)
	{
		double		total = 0,
					valid = 0;
		uint64		batchno = 0;

		nn_shuffle(&rng, t->train, t->ntrain);
		for (uint64 i = 0; i < t->ntrain; i += net->capacity)
		{
			int			b = (int) Min((uint64) net->capacity, t->ntrain - i);
			double		l;

			CHECK_FOR_INTERRUPTS();
			gather(t, t->train + i, b);
			l = nn_step_f(net, t->loss, b, &adam);
			batchno++;
			if (!isfinite(l))
				loss_error(epoch, batchno, l);
			total += l * b;
		}
		total /= t->ntrain;
		if (t->nvalid > 0)
		{
			valid = evaluate(t, t->valid, t->nvalid, epoch);
			ereport(NOTICE,
					(errmsg("insight_mlp_fit: epoch %d of %d, training loss %.6g, validation loss %.6g",
							epoch, p->epochs, total, valid)));
		}
		else
			ereport(NOTICE,
					(errmsg("insight_mlp_fit: epoch %d of %d, training loss %.6g",
							epoch, p->epochs, total)));
		res->epochs = epoch;
		if (t->nvalid == 0 || epoch == 1 || valid < best)
		{
			best = valid;
			since = 0;
			res->best_epoch = epoch;
			res->train_loss = total;
			res->valid_loss = valid;
			memcpy(res->best, net->params, sizeof(float) * np);
		}
		else if (p->patience > 0 && ++since >= p->patience)
		{
			res->stopped = true;
			ereport(NOTICE,
					(errmsg("insight_mlp_fit: stopped after epoch %d, keeping epoch %d (validation loss %.6g)",
							epoch, res->best_epoch, res->valid_loss)));
			break;
		}
	}
	for (Size j = 0; j < np; j++)
		if (!isfinite(res->best[j]))
			loss_error(res->best_epoch, 0, res->best[j]);
}

static bytea *
write_model(const MlpParams *p, const MlpData *data, int k, uint64 nvalid,
			const double *means, const double *scales, const MlpResult *res, Size np)
{
	InsightModelWriter w;

	insight_writer_init(&w, INSIGHT_ALG_MLP);
	w.header.counts[0] = (uint32) data->d;
	w.header.counts[1] = (uint32) p->loss;
	w.header.counts[2] = (uint32) p->nhidden;
	w.header.counts[3] = (uint32) k;
	w.header.flags = res->stopped ? MLP_EARLY_STOPPED : 0;
	insight_write_uint64(&w, data->n);
	insight_write_uint64(&w, data->skipped);
	insight_write_uint64(&w, nvalid);
	insight_write_uint32(&w, (uint32) res->epochs);
	insight_write_uint32(&w, (uint32) res->best_epoch);
	insight_write_uint32(&w, (uint32) p->batch_size);
	insight_write_uint32(&w, (uint32) p->patience);
	insight_write_uint64(&w, (uint64) p->seed);
	insight_write_float8(&w, p->learning_rate);
	insight_write_float8(&w, p->weight_decay);
	insight_write_float8(&w, p->dropout);
	insight_write_float8(&w, p->validation_fraction);
	insight_write_float8(&w, res->train_loss);
	insight_write_float8(&w, res->valid_loss);
	for (int i = 0; i < p->nhidden; i++)
		insight_write_uint32(&w, (uint32) p->hidden[i]);
	insight_write_float8_array(&w, means, data->d);
	insight_write_float8_array(&w, scales, data->d);
	insight_write_float4_array(&w, res->best, np);
	return insight_writer_finish(&w);
}

PG_FUNCTION_INFO_V1(insight_mlp_fit);
Datum
insight_mlp_fit(PG_FUNCTION_ARGS)
{
	MlpParams	p;
	InsightUserQuery uq;
	MlpData		data;
	MemoryContext cxt,
				old;
	NnArch	   *arch;
	int			k;
	uint32	   *order;
	bool	   *is_valid;
	uint64		nvalid,
				ntrain;
	double	   *means,
			   *scales;
	float	   *z,
			   *y;
	MlpTrain	t;
	MlpResult	res;
	pg_prng_state rng;
	bytea	   *result;

	read_params(fcinfo, &p);
	cxt = AllocSetContextCreate(CurrentMemoryContext, "insight_mlp_fit", ALLOCSET_DEFAULT_SIZES);
	memset(&data, 0, sizeof(data));
	data.cxt = cxt;

	/* the network's shape is checked before any row is read */
	arch = MemoryContextAlloc(cxt, sizeof(NnArch));
	insight_mlp_arch(arch, 1, p.hidden, p.nhidden, p.dropout, 1);

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "insight_mlp_fit: SPI_connect failed");
	insight_user_query(&uq, text_to_cstring(PG_GETARG_TEXT_PP(0)), "insight_mlp_fit", &mlp_query);
	check_target_type(&uq, p.loss);
	read_rows(&data, &uq, p.loss);
	SPI_finish();

	if (data.skipped > 0)
		ereport(NOTICE,
				(errmsg("insight_mlp_fit: skipped " UINT64_FORMAT " rows with NULL features, a NULL element or a NULL target",
						data.skipped)));
	k = check_data(&data, p.loss);
	insight_mlp_arch(arch, data.d, p.hidden, p.nhidden, p.dropout, k);
	insight_check_training_memory(add_size(mul_size(data.n, MLP_ROW_BYTES(data.d)),
										   nn_net_bytes_f(arch, p.batch_size)),
								  "insight_mlp_fit");

	old = MemoryContextSwitchTo(cxt);

	/* canonical order, then the seeded split */
	order = MemoryContextAllocHuge(cxt, sizeof(uint32) * data.n);
	for (uint64 i = 0; i < data.n; i++)
		order[i] = (uint32) i;
	qsort_arg(order, data.n, sizeof(uint32), compare_rows, &data);
	nvalid = (uint64) floor(p.validation_fraction * (double) data.n);
	ntrain = data.n - nvalid;
	if (p.validation_fraction > 0 && (nvalid == 0 || ntrain == 0))
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("too few rows for a validation split"),
				 errdetail("validation_fraction %g of " UINT64_FORMAT " usable rows leaves no rows for %s.",
						   p.validation_fraction, data.n, nvalid == 0 ? "validation" : "training"),
				 errhint("Train on more rows, or set validation_fraction to 0.")));
	{
		uint32	   *perm = palloc(sizeof(uint32) * data.n);

		for (uint64 i = 0; i < data.n; i++)
			perm[i] = (uint32) i;
		nn_rng_seed(&rng, p.seed);
		nn_shuffle(&rng, perm, data.n);
		is_valid = palloc0(sizeof(bool) * data.n);
		for (uint64 i = 0; i < nvalid; i++)
			is_valid[perm[i]] = true;	/* positions in canonical order */
		pfree(perm);
	}
	/*
	 * The training and validation rows in canonical order, each as the
	 * index of the row as read (the matrix below stays in that order).
	 */
	t.train = palloc(sizeof(uint32) * ntrain);
	t.valid = palloc(sizeof(uint32) * Max(nvalid, 1));
	{
		uint32	   *valid = (uint32 *) t.valid;
		uint64		a = 0,
					b = 0;

		for (uint64 i = 0; i < data.n; i++)
		{
			if (is_valid[i])
				valid[b++] = order[i];
			else
				t.train[a++] = order[i];
		}
		pfree(order);
		pfree(is_valid);
		means = palloc(sizeof(double) * data.d);
		scales = palloc(sizeof(double) * data.d);
		insight_scaler_fit_rows(data.x, data.d, t.train, ntrain, means, scales);
	}

	/*
	 * The float32 training matrix, standardised, written over the double
	 * rows in the order they were read: row i's 4d bytes start at or before
	 * its own 8d bytes and end before row i + 1's, so a front-to-back pass
	 * never overwrites a row it has still to read (row i is copied out
	 * before it is written); the targets likewise.  So the rows take 8d + 8
	 * bytes, not 12d + 12, and the values are those of a separate matrix.
	 */
	z = (float *) data.x;
	y = (float *) data.y;
	{
		double	   *row = palloc(sizeof(double) * data.d);

		for (uint64 i = 0; i < data.n; i++)
		{
			double		target = data.y[i];

			memcpy(row, data.x + (Size) i * data.d, sizeof(double) * data.d);
			for (int j = 0; j < data.d; j++)
				z[(Size) i * data.d + j] = (float) ((row[j] - means[j]) / scales[j]);
			y[i] = (float) target;
		}
		pfree(row);
	}
	/* (the second half of each buffer given back) */
	z = repalloc_huge(z, mul_size(data.n, sizeof(float) * data.d));
	y = repalloc_huge(y, mul_size(data.n, sizeof(float)));
	data.x = NULL;
	data.y = NULL;

	t.net = nn_net_create_f(arch, (int) Min((uint64) p.batch_size, ntrain), cxt);
	nn_net_init_f(t.net, p.seed);
	t.loss = p.loss;
	t.d = data.d;
	t.k = k;
	t.z = z;
	t.y = y;
	t.ntrain = ntrain;
	t.nvalid = nvalid;
	train(&t, &p, &res);

	MemoryContextSwitchTo(old);
	result = write_model(&p, &data, k, nvalid, means, scales, &res, arch->nparams);
	MemoryContextDelete(cxt);
	PG_RETURN_BYTEA_P(result);
}
