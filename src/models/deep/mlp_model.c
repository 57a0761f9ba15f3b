/*-------------------------------------------------------------------------
 *
 * mlp_model.c
 *	  The MLP model (layout in mlp.h): reading, prediction, integrated-
 *	  gradient contributions, info, and the SQL functions
 *	  insight_mlp_predict and insight_mlp_predict_proba.
 *
 * Predictions run the stored float4 weights through the core's double
 * network.  Per loss, a row's prediction and its "link", the value the
 * contributions explain:
 *	  binary	P(true) = sigmoid(z); link z (the logit)
 *	  mse		z; link z
 *	  softmax	the most probable class c; link its log-probability
 *				log softmax(z)_c (c fixed at the explained row)
 *	  ziln		P(y > 0) E[y | y > 0] = sigmoid(z) exp(mu + sigma^2 / 2),
 *				sigma = softplus(s) (google/lifetime_value,
 *				zero_inflated_lognormal_pred); link the log of that value
 *
 * Contributions: integrated gradients (Sundararajan, Taly & Yan 2017,
 * "Axiomatic Attribution for Deep Networks") from the baseline of the
 * average training row (0 in standardised units) to the row, along the
 * straight path, with the trapezoidal rule over MLP_IG_STEPS intervals:
 *	  c_j = z_j * integral_0^1 d link(alpha z) / d z_j d alpha,
 * z the standardised row.  By completeness they sum to link(x) -
 * link(average row), up to the rule's error (sql/43_nn.sql measures it).
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "fmgr.h"
#include "utils/array.h"

#include "core/model_cache.h"
#include "core/util.h"
#include "models/deep/mlp.h"

void
insight_mlp_arch(NnArch *arch, int d, const int *hidden, int nhidden, double dropout,
				 int outputs)
{
	memset(arch, 0, sizeof(*arch));
	arch->inputs = d;
	for (int i = 0; i < nhidden; i++)
	{
		nn_arch_add(arch, NN_LINEAR)->units = hidden[i];
		nn_arch_add(arch, NN_RELU);
		if (dropout > 0)
			nn_arch_add(arch, NN_DROPOUT)->p = dropout;
	}
	nn_arch_add(arch, NN_LINEAR)->units = outputs;
	nn_arch_finish(arch);
}

/* Fixed part of the payload before hidden[L]. */
#define MLP_FIXED_BYTES (3 * 8 + 4 * 4 + 8 + 6 * 8)

void *
insight_mlp_decode(InsightModel *m)
{
	InsightMlp *mlp = palloc0(sizeof(InsightMlp));
	uint32		d = m->header.counts[0];
	uint32		loss = m->header.counts[1];
	uint32		nhidden = m->header.counts[2];
	uint32		k = m->header.counts[3];
	Size		np;
	Size		payload;
	float	   *params;

	if (d < 1 || d > NN_MAX_WIDTH || loss < 1 || loss > NN_LOSS_MAX ||
		nhidden > MLP_MAX_HIDDEN || k < 1 || k > MLP_MAX_CLASSES ||
		(loss == NN_LOSS_SOFTMAX ? k < 2 : k != (loss == NN_LOSS_ZILN ? 3u : 1u)))
		insight_model_corrupt(psprintf("An MLP cannot have %u features, loss %u, %u hidden layers and %u outputs.",
									   d, loss, nhidden, k));
	mlp->d = (int) d;
	mlp->loss = (NnLoss) loss;
	mlp->outputs = (int) k;
	mlp->nhidden = (int) nhidden;
	mlp->flags = m->header.flags;
	if (m->header.payload_length < MLP_FIXED_BYTES + 4 * (Size) nhidden)
		insight_model_corrupt("The payload of the MLP is too short.");
	mlp->rows = insight_read_uint64(m);
	mlp->skipped = insight_read_uint64(m);
	mlp->validation_rows = insight_read_uint64(m);
	mlp->epochs = insight_read_uint32(m);
	mlp->best_epoch = insight_read_uint32(m);
	mlp->batch_size = insight_read_uint32(m);
	mlp->patience = insight_read_uint32(m);
	mlp->seed = (int64) insight_read_uint64(m);
	mlp->learning_rate = insight_read_float8(m);
	mlp->weight_decay = insight_read_float8(m);
	mlp->dropout = insight_read_float8(m);
	mlp->validation_fraction = insight_read_float8(m);
	mlp->train_loss = insight_read_float8(m);
	mlp->valid_loss = insight_read_float8(m);
	for (uint32 i = 0; i < nhidden; i++)
	{
		uint32		h = insight_read_uint32(m);

		if (h < 1 || h > NN_MAX_WIDTH)
			insight_model_corrupt(psprintf("Hidden layer %u of the MLP has %u units.", i + 1, h));
		mlp->hidden[i] = (int) h;
	}
	if (mlp->rows == 0 || mlp->rows > PG_INT64_MAX || mlp->skipped > PG_INT64_MAX ||
		mlp->validation_rows >= mlp->rows || mlp->best_epoch < 1 ||
		mlp->best_epoch > mlp->epochs || mlp->epochs > MLP_MAX_EPOCHS)
		insight_model_corrupt("The row or epoch counts of the MLP are out of range.");

	/* the shape, then the exact payload length, before any allocation */
	{
		Size		total = 0;
		Size		in = d;

		for (uint32 i = 0; i <= nhidden; i++)
		{
			Size		out = i < nhidden ? (Size) mlp->hidden[i] : k;

			total += in * out + out;
			in = out;
		}
		if (total > NN_MAX_PARAMS)
			insight_model_corrupt(psprintf("An MLP cannot have %zu parameters.", total));
	}
	insight_mlp_arch(&mlp->arch, mlp->d, mlp->hidden, mlp->nhidden, 0, mlp->outputs);
	np = mlp->arch.nparams;
	payload = add_size(add_size(MLP_FIXED_BYTES + 4 * (Size) nhidden, mul_size(16, d)),
					   mul_size(4, np));
	insight_model_expect_payload(m, payload);
	mlp->means = palloc(sizeof(double) * d);
	mlp->scales = palloc(sizeof(double) * d);
	insight_read_float8_array(m, mlp->means, d);
	insight_read_float8_array(m, mlp->scales, d);
	params = palloc(sizeof(float) * np);
	insight_read_float4_array(m, params, np);
	insight_model_close(m);
	for (uint32 j = 0; j < d; j++)
		if (!isfinite(mlp->means[j]) || !isfinite(mlp->scales[j]) || mlp->scales[j] <= 0)
			insight_model_corrupt(psprintf("Feature %u has mean %g and scale %g.",
										   j + 1, mlp->means[j], mlp->scales[j]));
	for (Size j = 0; j < np; j++)
		if (!isfinite(params[j]))
			insight_model_corrupt("A weight of the MLP is not finite.");

	mlp->net = nn_net_create_d(&mlp->arch, MLP_IG_STEPS + 1, CurrentMemoryContext);
	mlp->net->training = false;
	mlp->net->input_gradient = true;
	for (Size j = 0; j < np; j++)
		mlp->net->params[j] = params[j];
	pfree(params);
	return mlp;
}

/* The standardised row, into row r of the network's input. */
static void
standardise(const InsightMlp *mlp, const double *x, double scale, int r)
{
	double	   *z = mlp->net->act[0] + (Size) r * mlp->d;

	for (int j = 0; j < mlp->d; j++)
		z[j] = scale * (x[j] - mlp->means[j]) / mlp->scales[j];
}

static int
argmax(const double *z, int k)
{
	int			c = 0;

	for (int j = 1; j < k; j++)
		if (z[j] > z[c])
			c = j;
	return c;
}

static double
softplus(double s)
{
	return Max(s, 0.0) + log1p(exp(-fabs(s)));
}

/* log sigmoid(z), without overflow */
static double
log_sigmoid(double z)
{
	return -softplus(-z);
}

/*
 * The link of output row o (see the top); with grad, its derivative with
 * respect to the outputs, times 'weight'.  'c' is the class of softmax.
 */
static double
link(const InsightMlp *mlp, const double *o, int c, double *grad, double weight)
{
	switch (mlp->loss)
	{
		case NN_LOSS_BINARY:
		case NN_LOSS_MSE:
			if (grad)
				grad[0] = weight;
			return o[0];
		case NN_LOSS_SOFTMAX:
			{
				/* log softmax_c = z_c - logsumexp(z); its gradient onehot_c - softmax */
				double		max = o[0],
							sum = 0;

				for (int j = 1; j < mlp->outputs; j++)
					max = Max(max, o[j]);
				for (int j = 0; j < mlp->outputs; j++)
					sum += exp(o[j] - max);
				if (grad)
					for (int j = 0; j < mlp->outputs; j++)
						grad[j] = weight * ((j == c) - exp(o[j] - max) / sum);
				return o[c] - max - log(sum);
			}
		case NN_LOSS_ZILN:
			{
				double		sigma = softplus(o[2]);

				if (grad)
				{
					/* d log sigmoid(z) = 1 - sigmoid(z); d softplus(s) = sigmoid(s) */
					grad[0] = weight * exp(log_sigmoid(-o[0]));
					grad[1] = weight;
					grad[2] = weight * sigma * exp(log_sigmoid(o[2]));
				}
				return log_sigmoid(o[0]) + o[1] + 0.5 * sigma * sigma;
			}
	}
	return 0;
}

/*
 * 22003 unless v is finite: a row far outside the training data (or a
 * network whose weights make it so) overflows a double on the way.
 */
static double
finite_result(double v)
{
	if (unlikely(!isfinite(v)))
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("the MLP's output overflows for this row"),
				 errdetail("A value computed from the features is not finite."),
				 errhint("Check the features: they are far outside the range of the training rows.")));
	return v;
}

/* The network's outputs for one raw row (finite). */
static const double *
outputs(const InsightMlp *mlp, const double *x)
{
	const double *o;

	standardise(mlp, x, 1.0, 0);
	o = nn_forward_d(mlp->net, 1);
	for (int j = 0; j < mlp->outputs; j++)
		finite_result(o[j]);
	return o;
}

double
insight_mlp_predict_row(const void *model, const double *x)
{
	const InsightMlp *mlp = model;
	const double *o = outputs(mlp, x);

	switch (mlp->loss)
	{
		case NN_LOSS_BINARY:
			return exp(log_sigmoid(o[0]));
		case NN_LOSS_MSE:
			return o[0];
		case NN_LOSS_SOFTMAX:
			return argmax(o, mlp->outputs);
		case NN_LOSS_ZILN:
			return finite_result(exp(finite_result(link(mlp, o, 0, NULL, 0))));
	}
	return 0;
}

void
insight_mlp_contributions_row(const void *model, const double *x, double *out)
{
	const InsightMlp *mlp = model;
	NnNet_d    *net = mlp->net;
	int			m = MLP_IG_STEPS;
	int			c = 0;
	const double *o;
	double	   *gout = net->gout;

	if (mlp->loss == NN_LOSS_SOFTMAX)
		c = argmax(outputs(mlp, x), mlp->outputs);
	for (int r = 0; r <= m; r++)
		standardise(mlp, x, (double) r / m, r);
	o = nn_forward_d(net, m + 1);
	for (int r = 0; r <= m; r++)
		link(mlp, o + (Size) r * mlp->outputs, c, gout + (Size) r * mlp->outputs,
			 (r == 0 || r == m) ? 0.5 / m : 1.0 / m);
	nn_backward_d(net, m + 1, gout);
	for (int j = 0; j < mlp->d; j++)
	{
		double		avg = 0;

		for (int r = 0; r <= m; r++)
			avg += net->gact[0][(Size) r * mlp->d + j];
		/* row m is the standardised row itself */
		out[j] = finite_result(net->act[0][(Size) m * mlp->d + j] * avg);
	}
}

int
insight_mlp_features(const void *model)
{
	return ((const InsightMlp *) model)->d;
}

void
insight_mlp_info(const void *model, StringInfo buf)
{
	const InsightMlp *mlp = model;

	insight_json_int64(buf, "features", mlp->d);
	insight_json_text(buf, "loss", nn_loss_name(mlp->loss));
	insight_json_int64(buf, "outputs", mlp->outputs);
	appendStringInfoString(buf, ", \"hidden\": [");
	for (int i = 0; i < mlp->nhidden; i++)
		appendStringInfo(buf, "%s%d", i > 0 ? ", " : "", mlp->hidden[i]);
	appendStringInfoChar(buf, ']');
	insight_json_text(buf, "layers", nn_arch_text(&mlp->arch));
	insight_json_int64(buf, "parameters", (int64) mlp->arch.nparams);
	insight_json_int64(buf, "rows", (int64) mlp->rows);
	insight_json_int64(buf, "rows_skipped", (int64) mlp->skipped);
	insight_json_int64(buf, "validation_rows", (int64) mlp->validation_rows);
	insight_json_int64(buf, "epochs", mlp->epochs);
	insight_json_int64(buf, "best_epoch", mlp->best_epoch);
	insight_json_text(buf, "stopped_early", (mlp->flags & MLP_EARLY_STOPPED) ? "true" : "false");
	insight_json_int64(buf, "batch_size", mlp->batch_size);
	insight_json_float8(buf, "learning_rate", mlp->learning_rate);
	insight_json_float8(buf, "weight_decay", mlp->weight_decay);
	insight_json_float8(buf, "dropout", mlp->dropout);
	insight_json_float8(buf, "validation_fraction", mlp->validation_fraction);
	insight_json_int64(buf, "patience", mlp->patience);
	insight_json_int64(buf, "seed", mlp->seed);
	insight_json_float8(buf, "training_loss", mlp->train_loss);
	insight_json_float8(buf, "validation_loss", mlp->valid_loss);
	insight_json_float8_array(buf, "means", mlp->means, mlp->d);
	insight_json_float8_array(buf, "scales", mlp->scales, mlp->d);
}

static InsightModelReader
mlp_lookup(const InsightModelHeader *header, int expected)
{
	insight_model_expect_algorithm(header, expected);
	return insight_mlp_decode;
}

/* The model of argument 0 and the features of argument 1 (false: a NULL element). */
static bool
mlp_args(FunctionCallInfo fcinfo, const InsightMlp **mlp, const double **x)
{
	int			n;

	*mlp = insight_model_cache_get(fcinfo, 0, mlp_lookup, INSIGHT_ALG_MLP, NULL);
	return insight_read_features(PG_GETARG_ARRAYTYPE_P(1), (*mlp)->d, x, &n);
}

PG_FUNCTION_INFO_V1(insight_mlp_predict);
Datum
insight_mlp_predict(PG_FUNCTION_ARGS)
{
	const InsightMlp *mlp;
	const double *x;

	if (!mlp_args(fcinfo, &mlp, &x))
		PG_RETURN_NULL();
	if (PG_GETARG_BOOL(2))
	{
		const double *o = outputs(mlp, x);

		PG_RETURN_FLOAT8(finite_result(link(mlp, o, argmax(o, mlp->outputs), NULL, 0)));
	}
	PG_RETURN_FLOAT8(insight_mlp_predict_row(mlp, x));
}

PG_FUNCTION_INFO_V1(insight_mlp_predict_proba);
Datum
insight_mlp_predict_proba(PG_FUNCTION_ARGS)
{
	const InsightMlp *mlp;
	const double *x;
	double		p[MLP_MAX_CLASSES];

	if (!mlp_args(fcinfo, &mlp, &x))
		PG_RETURN_NULL();
	if (mlp->loss != NN_LOSS_BINARY && mlp->loss != NN_LOSS_SOFTMAX)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("an MLP trained with loss %s has no class probabilities",
						nn_loss_name(mlp->loss)),
				 errhint("Use insight_mlp_predict.")));
	memcpy(p, outputs(mlp, x), sizeof(double) * mlp->outputs);
	if (mlp->loss == NN_LOSS_BINARY)
	{
		p[1] = exp(log_sigmoid(p[0]));
		p[0] = exp(log_sigmoid(-p[0]));
		PG_RETURN_ARRAYTYPE_P(insight_float8_array(p, 2));
	}
	nn_softmax_d(p, mlp->outputs);
	PG_RETURN_ARRAYTYPE_P(insight_float8_array(p, mlp->outputs));
}
