/*-------------------------------------------------------------------------
 *
 * diagnose.c
 *	  Diagnostic SQL functions of the neural-network core, the entry point
 *	  through which tests reach it without a model around it:
 *
 *	  insight_nn_diagnose(layers, loss, x, y, weights, steps, batch_size,
 *						  optimizer, learning_rate, weight_decay, seed,
 *						  precision, padding)
 *		builds the network 'layers' (nn.h's syntax) over the columns of x,
 *		starts from 'weights' (the flat parameter array in PyTorch's order,
 *		nn.h) or, when NULL, from the seeded initialisation, and returns
 *		the loss, the gradient and the weights: with steps = 0 one row (step
 *		0) at the given weights over the first batch; otherwise one row per
 *		optimiser step s = 1..steps, with the loss and gradient of batch s
 *		at the weights before the step and the weights after it.  Batches
 *		are consecutive blocks of batch_size rows of x (0: all rows),
 *		taken in turn; padding (NULL: none) marks the rows that attention
 *		layers ignore.  The finite-difference gradient checks and the
 *		PyTorch peer test (test/peer/nn_torch.py) are built on it.
 *
 *	  insight_nn_softmax(logits) the core's softmax, in double.
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
#include "utils/memutils.h"
#include "utils/tuplestore.h"

#include "core/insight.h"
#include "core/util.h"
#include "nn/nn.h"

#define DIAGNOSE_MAX_STEPS 100000
#define DIAGNOSE_MAX_OUTPUT ((Size) 100000000)	/* values returned */

/* The elements of a float8[] of 'ndim' dimensions without NULL, NaN or Infinity. */
static double *
float8_values(ArrayType *a, int ndim, const char *name, int *dims)
{
	double	   *v;
	Size		n;

	if (ARR_ELEMTYPE(a) != FLOAT8OID || ARR_NDIM(a) != ndim || ARR_HASNULL(a))
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("%s must be a %d-dimensional float8 array without NULLs", name, ndim)));
	n = ArrayGetNItems(ARR_NDIM(a), ARR_DIMS(a));
	if (n == 0)
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("%s must not be empty", name)));
	v = (double *) ARR_DATA_PTR(a);
	for (Size j = 0; j < n; j++)
		if (!isfinite(v[j]))
			ereport(ERROR,
					(errcode(ERRCODE_DATA_EXCEPTION),
					 errmsg("%s must not contain NaN or Infinity", name)));
	for (int i = 0; i < ndim; i++)
		dims[i] = ARR_DIMS(a)[i];
	return v;
}

/* 22023 unless every target fits the loss (a network of k outputs). */
static void
check_targets(NnLoss loss, const double *y, int n, int k)
{
	for (int r = 0; r < n; r++)
	{
		bool		ok = true;

		if (loss == NN_LOSS_BINARY)
			ok = y[r] == 0 || y[r] == 1;
		else if (loss == NN_LOSS_SOFTMAX)
			ok = y[r] >= 0 && y[r] < k && y[r] == floor(y[r]);
		else if (loss == NN_LOSS_ZILN)
			ok = y[r] >= 0;
		if (!ok)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("target %g of row %d does not fit loss %s", y[r], r + 1,
							nn_loss_name(loss)),
					 errdetail("Loss binary takes 0 or 1, softmax a class from 0 to the number of outputs - 1, ziln a value of at least 0.")));
	}
}

/* Error unless every value is finite (a step that overflowed). */
static void
check_finite_step(const double *v, Size n, double loss, int step)
{
	bool		ok = isfinite(loss);

	for (Size j = 0; ok && j < n; j++)
		ok = isfinite(v[j]);
	if (!ok)
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("the loss or the weights are no longer finite at step %d", step),
				 errhint("Lower the learning rate.")));
}

static void
require_args(FunctionCallInfo fcinfo)
{
	for (int i = 0; i < PG_NARGS(); i++)
		if (i != 4 && i != 12 && PG_ARGISNULL(i))
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("only weights and padding may be NULL"),
					 errdetail("Argument %d is NULL.", i + 1)));
}

PG_FUNCTION_INFO_V1(insight_nn_diagnose);
Datum
insight_nn_diagnose(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	NnArch	   *arch = palloc(sizeof(NnArch));
	NnLoss		loss;
	int			xdims[2],
				ydims[1];
	const double *x,
			   *y;
	int			steps,
				batch,
				k;
	const char *optimizer,
			   *precision;
	NnAdam		adam;
	bool		dbl;
	NnNet_f    *netf = NULL;
	NnNet_d    *netd = NULL;
	double	   *grad,
			   *weights;
	Size		np;
	MemoryContext step_cxt;
	bool	   *padding = NULL;

	require_args(fcinfo);
	loss = nn_loss_parse(text_to_cstring(PG_GETARG_TEXT_PP(1)));
	x = float8_values(PG_GETARG_ARRAYTYPE_P(2), 2, "x", xdims);
	y = float8_values(PG_GETARG_ARRAYTYPE_P(3), 1, "y", ydims);
	if (ydims[0] != xdims[0])
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("x has %d rows but y has %d targets", xdims[0], ydims[0])));
	nn_arch_parse(arch, text_to_cstring(PG_GETARG_TEXT_PP(0)), xdims[1]);
	k = arch->widths[arch->nlayers];
	nn_loss_check_outputs(loss, k);
	check_targets(loss, y, ydims[0], k);
	np = arch->nparams;
	if (PG_NARGS() > 12 && !PG_ARGISNULL(12))
	{
		ArrayType  *pa = PG_GETARG_ARRAYTYPE_P(12);

		if (ARR_ELEMTYPE(pa) != BOOLOID || ARR_NDIM(pa) != 1 || ARR_HASNULL(pa) ||
			ARR_DIMS(pa)[0] != xdims[0])
			ereport(ERROR,
					(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
					 errmsg("padding must be a one-dimensional boolean array without NULLs of one element per row of x (%d)",
							xdims[0])));
		padding = (bool *) ARR_DATA_PTR(pa);
	}

	steps = PG_GETARG_INT32(5);
	batch = PG_GETARG_INT32(6);
	if (steps < 0 || steps > DIAGNOSE_MAX_STEPS)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("steps must be from 0 to %d, not %d", DIAGNOSE_MAX_STEPS, steps)));
	if (batch == 0)
		batch = xdims[0];
	if (batch < 1 || batch > NN_MAX_BATCH || xdims[0] % batch != 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("batch_size must divide the %d rows of x and be at most %d, not %d",
						xdims[0], NN_MAX_BATCH, batch),
				 errhint("Pass 0 for one batch of every row.")));
	optimizer = text_to_cstring(PG_GETARG_TEXT_PP(7));
	if (strcmp(optimizer, "adam") != 0 && strcmp(optimizer, "adamw") != 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("unknown optimizer \"%s\"", optimizer),
				 errhint("Use adam or adamw.")));
	adam = nn_adam_defaults(PG_GETARG_FLOAT8(8), PG_GETARG_FLOAT8(9),
							strcmp(optimizer, "adamw") == 0);
	if (!(adam.learning_rate > 0 && adam.learning_rate <= 1e6) ||
		!(adam.weight_decay >= 0 && adam.weight_decay <= 1e6))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("learning_rate must be in (0, 1e6] and weight_decay in [0, 1e6]")));
	precision = text_to_cstring(PG_GETARG_TEXT_PP(11));
	if (strcmp(precision, "float4") != 0 && strcmp(precision, "float8") != 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("unknown dtype \"%s\"", precision),
				 errhint("Use float4 or float8.")));
	dbl = strcmp(precision, "float8") == 0;

	/* the network, and the rows returned (a gradient and weights each) */
	if (mul_size(np, (Size) Max(steps, 1)) > DIAGNOSE_MAX_OUTPUT / 2)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("%d steps of %zu parameters are too many to return", steps, np),
				 errhint("Take fewer steps or a smaller network.")));
	insight_check_training_memory(add_size(dbl ? nn_net_bytes_d(arch, batch) : nn_net_bytes_f(arch, batch),
										   mul_size(np, 2 * sizeof(double))),
								  "insight_nn_diagnose");

	if (dbl)
		netd = nn_net_create_d(arch, batch, CurrentMemoryContext);
	else
		netf = nn_net_create_f(arch, batch, CurrentMemoryContext);
	weights = palloc(sizeof(double) * Max(np, 1));
	grad = palloc0(sizeof(double) * Max(np, 1));
	if (dbl)
		nn_net_init_d(netd, PG_GETARG_INT64(10));
	else
		nn_net_init_f(netf, PG_GETARG_INT64(10));
	if (!PG_ARGISNULL(4))
	{
		int			wdims[1];
		const double *w = float8_values(PG_GETARG_ARRAYTYPE_P(4), 1, "weights", wdims);

		if ((Size) wdims[0] != np)
			ereport(ERROR,
					(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
					 errmsg("the network has %zu parameters, not %d", np, wdims[0]),
					 errhint("Give the parameters layer after layer in PyTorch's order, or NULL for the seeded initialisation.")));
		if (dbl)
			nn_set_params_d(netd, w);
		else
			nn_set_params_f(netf, w);
	}

	InitMaterializedSRF(fcinfo, 0);
	step_cxt = AllocSetContextCreate(CurrentMemoryContext, "insight_nn_diagnose step",
									 ALLOCSET_DEFAULT_SIZES);
	for (int s = (steps == 0 ? 0 : 1); s <= steps; s++)
	{
		int			first = (int) (((int64) Max(s - 1, 0) * batch) % xdims[0]);
		const double *bx = x + (Size) first * xdims[1];
		double		value;
		Datum		values[4];
		bool		nulls[4] = {false, false, false, false};
		MemoryContext old;

		CHECK_FOR_INTERRUPTS();
		if (padding != NULL)
			memcpy(dbl ? netd->padding : netf->padding, padding + first, sizeof(bool) * batch);
		if (dbl)
		{
			nn_set_input_d(netd, bx, y + first, batch);
			value = nn_step_d(netd, loss, batch, s > 0 ? &adam : NULL);
			nn_get_d(netd->grads, grad, np);
			nn_get_d(netd->params, weights, np);
		}
		else
		{
			nn_set_input_f(netf, bx, y + first, batch);
			value = nn_step_f(netf, loss, batch, s > 0 ? &adam : NULL);
			nn_get_f(netf->grads, grad, np);
			nn_get_f(netf->params, weights, np);
		}
		check_finite_step(grad, np, value, s);
		check_finite_step(weights, np, value, s);
		old = MemoryContextSwitchTo(step_cxt);
		values[0] = Int32GetDatum(s);
		values[1] = Float8GetDatum(value);
		values[2] = PointerGetDatum(insight_float8_array(grad, (int) np));
		values[3] = PointerGetDatum(insight_float8_array(weights, (int) np));
		nulls[2] = nulls[3] = np == 0;
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
		MemoryContextSwitchTo(old);
		MemoryContextReset(step_cxt);
	}
	return (Datum) 0;
}

PG_FUNCTION_INFO_V1(insight_nn_softmax);
Datum
insight_nn_softmax(PG_FUNCTION_ARGS)
{
	int			dims[1];
	const double *z = float8_values(PG_GETARG_ARRAYTYPE_P(0), 1, "logits", dims);
	double	   *p = palloc(sizeof(double) * dims[0]);

	memcpy(p, z, sizeof(double) * dims[0]);
	nn_softmax_d(p, dims[0]);
	PG_RETURN_ARRAYTYPE_P(insight_float8_array(p, dims[0]));
}
