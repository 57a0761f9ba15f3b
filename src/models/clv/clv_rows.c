/*-------------------------------------------------------------------------
 *
 * clv_rows.c
 *	  The aggregate state of the CLV fits: weighted rows, identical rows
 *	  collapsed (see clv_model.h), and its combine function.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "fmgr.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/memutils.h"

#include "models/clv/clv_model.h"
#include "core/insight.h"
#include "core/model_cache.h"
#include "core/util.h"

#define CLV_ROWS_INITIAL 64
#define CLV_ROWS_MAX_WIDTH 3

static Size
rows_size(int width, int64 capacity)
{
	return add_size(offsetof(ClvRows, rows),
					mul_size(mul_size(sizeof(double), (Size) (width + 1)), (Size) capacity));
}

ClvRows *
clv_rows_arg(FunctionCallInfo fcinfo, int argno, int width)
{
	ClvRows    *s = insight_state_get(fcinfo, argno, offsetof(ClvRows, rows));

	if (s == NULL)
		return NULL;
	if (s->width < 1 || s->width > CLV_ROWS_MAX_WIDTH || (width > 0 && s->width != width) ||
		s->capacity < 0 || s->capacity > (int64) (MaxAllocHugeSize / sizeof(double)) ||
		s->nrows < 0 || s->nrows > s->capacity ||
		VARSIZE(s) != rows_size(s->width, s->capacity) || !(s->skipped >= 0))
		ereport(ERROR,
				(errcode(ERRCODE_DATA_CORRUPTED),
				 errmsg("invalid CLV fit state"),
				 errdetail("A state of %zu bytes cannot hold %lld of %lld rows of %d values.",
						   (Size) VARSIZE(s), (long long) s->nrows,
						   (long long) s->capacity, (int) s->width)));
	return s;
}

/* A new empty state; allocated in the current (per-call) context, since the
 * aggregate machinery copies a returned new state into its own context. */
static ClvRows *
rows_new(int width, int64 capacity)
{
	Size		size = rows_size(width, capacity);
	ClvRows    *s;

	insight_check_training_memory(size, "the CLV fit state");
	if (size > MaxAllocSize)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("CLV fit state of %zu bytes exceeds the 1 GB limit of a bytea value", size),
				 errdetail("The state holds %lld distinct rows.", (long long) capacity / 2),
				 errhint("Fit on fewer customers, or round recency and T to fewer distinct values.")));
	s = palloc0(size);
	SET_VARSIZE(s, size);
	s->width = width;
	s->capacity = capacity;
	return s;
}

static int	compare_width;

static int
compare_rows(const void *a, const void *b)
{
	const double *x = a;
	const double *y = b;

	for (int j = 0; j < compare_width; j++)
		if (x[j] != y[j])
			return x[j] < y[j] ? -1 : 1;
	return 0;
}

void
clv_rows_compact(ClvRows *s)
{
	int			stride = s->width + 1;
	int64		out = 0;

	if (s->nrows < 2)
		return;
	compare_width = s->width;
	qsort(s->rows, s->nrows, sizeof(double) * stride, compare_rows);
	for (int64 i = 1; i < s->nrows; i++)
	{
		double	   *prev = &s->rows[out * stride];
		double	   *cur = &s->rows[i * stride];

		if (compare_rows(prev, cur) == 0)
			prev[s->width] += cur[s->width];
		else
		{
			out++;
			if (out != i)
				memcpy(&s->rows[out * stride], cur, sizeof(double) * stride);
		}
	}
	s->nrows = out + 1;
}

/* Make room for 'more' rows: collapse, and grow when still over half full. */
static ClvRows *
rows_reserve(ClvRows *s, int64 more)
{
	ClvRows    *bigger;
	int64		capacity;

	if (s->capacity - s->nrows >= more)
		return s;
	clv_rows_compact(s);
	if (s->capacity - s->nrows >= more && s->nrows <= s->capacity / 2)
		return s;
	capacity = Max(s->capacity, CLV_ROWS_INITIAL);
	while (capacity - s->nrows < more || s->nrows > capacity / 2)
		capacity *= 2;
	bigger = rows_new(s->width, capacity);
	bigger->nrows = s->nrows;
	bigger->skipped = s->skipped;
	memcpy(bigger->rows, s->rows, sizeof(double) * (s->width + 1) * s->nrows);
	return bigger;
}

ClvRows *
clv_rows_add(ClvRows *s, int width, const double *values, double weight)
{
	double	   *row;

	if (s == NULL)
		s = rows_new(width, CLV_ROWS_INITIAL);
	s = rows_reserve(s, 1);
	row = &s->rows[s->nrows * (width + 1)];
	memcpy(row, values, sizeof(double) * width);
	row[width] = weight;
	s->nrows++;
	return s;
}

ClvRows *
clv_rows_skip(ClvRows *s, int width)
{
	if (s == NULL)
		s = rows_new(width, CLV_ROWS_INITIAL);
	s->skipped += 1;
	return s;
}

double
clv_rows_weight(const ClvRows *s)
{
	double		w = 0;

	for (int64 i = 0; i < s->nrows; i++)
		w += s->rows[i * (s->width + 1) + s->width];
	return w;
}

PG_FUNCTION_INFO_V1(insight_clv_rows_combine);
Datum
insight_clv_rows_combine(PG_FUNCTION_ARGS)
{
	ClvRows    *a = clv_rows_arg(fcinfo, 0, 0);
	ClvRows    *b = clv_rows_arg(fcinfo, 1, 0);

	if (b == NULL)
	{
		if (a == NULL)
			PG_RETURN_NULL();
		PG_RETURN_POINTER(a);
	}
	if (a == NULL)
		PG_RETURN_POINTER(b);	/* copied into the aggregate's context */
	if (a->width != b->width)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_CORRUPTED),
				 errmsg("cannot combine CLV fit states of %d and %d values per row",
						(int) a->width, (int) b->width),
				 errdetail("The states come from different CLV aggregates (transaction models collect 3 values per row, Gamma-Gamma 2)."),
				 errhint("Combine only states of the same aggregate.")));
	a = rows_reserve(a, b->nrows);
	memcpy(&a->rows[a->nrows * (a->width + 1)], b->rows,
		   sizeof(double) * (b->width + 1) * b->nrows);
	a->nrows += b->nrows;
	a->skipped += b->skipped;
	PG_RETURN_POINTER(a);
}

/*
 * Where a fit ends without an interior maximum: the likelihood still rises
 * towards "no dropout at all" (BG/NBD: the mean dropout probability per
 * purchase a/(a+b) -> 0; Pareto/NBD: the mean dropout rate s/beta -> 0),
 * where both models become the NBD (FHL 2005, section 3) and the dropout
 * parameters are not identified; or a parameter at the edge of the search
 * range.  A sentence (ending in a space) for the message's detail, or NULL.
 */
#define CLV_NO_DROPOUT 1e-6
#define CLV_LIMIT_HINT "The data show almost no customers dropping out (a short history, or loyal buyers): the predictions are those of the NBD model; a longer history may identify the dropout process."
#define CLV_EDGE_HINT "The data do not identify every parameter of the model: fit on more customers, or on a longer history."

/* The hint for a fit at a limit: the NBD one only for the continuous-time models. */
static const char *
clv_limit_hint(uint16 algorithm)
{
	return algorithm == INSIGHT_ALG_BGNBD || algorithm == INSIGHT_ALG_MBGNBD ||
		algorithm == INSIGHT_ALG_PNBD ? CLV_LIMIT_HINT : CLV_EDGE_HINT;
}

static char *
clv_fit_limit(const ClvModel *m)
{
	const double *p = m->params;

	if ((m->algorithm == INSIGHT_ALG_BGNBD || m->algorithm == INSIGHT_ALG_MBGNBD) &&
		p[2] / (p[2] + p[3]) < CLV_NO_DROPOUT)
		return psprintf("The likelihood rises towards no dropout (mean dropout probability per purchase a/(a+b) = %.3g), where %s becomes the NBD model with r = %.6g, alpha = %.6g and a, b are not identified. ",
						p[2] / (p[2] + p[3]), m->algorithm == INSIGHT_ALG_BGNBD ? "BG/NBD" : "MBG/NBD", p[0], p[1]);
	if (m->algorithm == INSIGHT_ALG_PNBD && p[2] / p[3] < CLV_NO_DROPOUT)
		return psprintf("The likelihood rises towards no dropout (mean dropout rate s/beta = %.3g per period), where Pareto/NBD becomes the NBD model with r = %.6g, alpha = %.6g and s, beta are not identified. ",
						p[2] / p[3], p[0], p[1]);
	for (int i = 0; i < m->nparams; i++)
		if (fabs(log(p[i])) > CLV_LOG_PARAM_BOX - 0.5)
			return psprintf("Parameter %s = %.6g is at the edge of the range searched, exp(-%g) to exp(%g). ",
							clv_param_names(m->algorithm)[i], p[i], CLV_LOG_PARAM_BOX, CLV_LOG_PARAM_BOX);
	return NULL;
}

/*
 * The maximum: BFGS with the analytic gradient fg from all parameters = 1;
 * when it stops without converging (a likelihood it cannot descend, as at
 * an overflow), the restarted Nelder-Mead simplex goes on from where it
 * stopped and the better of the two is kept.  Without fg, Nelder-Mead
 * alone.  Iterations and evaluations add up.
 */
static ClvMinimum
clv_fit_minimum(ClvRows *s, ClvObjective f, ClvObjectiveGrad fg, double *theta, int n)
{
	ClvMinimum	bfgs,
				nm;
	double		start[CLV_MAX_PARAMS];

	if (fg == NULL)
		return clv_minimize(f, s, theta, n);
	bfgs = clv_minimize_bfgs(fg, s, theta, n);
	if (bfgs.converged)
		return bfgs;
	memcpy(start, theta, sizeof(start));
	nm = clv_minimize(f, s, theta, n);
	nm.iterations += bfgs.iterations;
	nm.evaluations += bfgs.evaluations;
	if (isfinite(bfgs.value) && !(nm.value < bfgs.value))
	{
		memcpy(theta, start, sizeof(start));
		nm.value = bfgs.value;
	}
	return nm;
}

/*
 * At a converged interior maximum: the Hessian H of the negative
 * log-likelihood in the log-parameters by central differences of the
 * analytic gradient (clv_hessian), up to three Newton steps with it (each
 * taken while it does not lower the likelihood: BFGS stops within 1e-8
 * relative of a zero gradient, and the steps take the last digits, along
 * flat directions such as BG/NBD's b on CDNOW too), and the standard errors of the parameters: the
 * inverse of the observed information in the natural parameters, which at
 * the maximum is D^-1 (H - diag(g)) D^-1 with D = diag(parameters), so
 *	  se_j = p_j sqrt([(H - diag(g))^-1]_jj)
 * (the delta method; lifetimes' standard_errors_ are the same: the square
 * roots of the diagonal of the inverse Hessian of the summed negative
 * log-likelihood).  NaN when H is not positive definite (a maximum on the
 * edge of the parameter space, where the parameters are not identified).
 */
#define CLV_NEWTON_STEPS 3

static int
clv_fit_polish(ClvRows *s, ClvObjectiveGrad fg, double *theta, int n,
			   double *value, double *se)
{
	int			evaluations = 1 + 2 * n;	/* the gradient here, the Hessian's */
	double		h[CLV_MAX_PARAMS * CLV_MAX_PARAMS],
				inv[CLV_MAX_PARAMS * CLV_MAX_PARAMS],
				g[CLV_MAX_PARAMS],
				step[CLV_MAX_PARAMS],
				fv;
	bool		ok;

	for (int j = 0; j < n; j++)
		se[j] = NAN;
	if (!isfinite(fg(theta, g, s)) || !clv_hessian(fg, s, theta, n, h) ||
		!clv_spd_inverse(h, n, inv))
		return evaluations;
	for (int newton = 0; newton < CLV_NEWTON_STEPS; newton++)
	{
		double		gn[CLV_MAX_PARAMS],
					biggest = 0;

		for (int i = 0; i < n; i++)
		{
			step[i] = theta[i];
			for (int j = 0; j < n; j++)
				step[i] -= inv[i * n + j] * g[j];
			biggest = Max(biggest, fabs(step[i] - theta[i]));
		}
		ok = true;
		for (int j = 0; j < n; j++)
			ok = ok && fabs(step[j]) <= CLV_LOG_PARAM_BOX;
		if (!ok)
			break;
		evaluations++;
		if (!((fv = fg(step, gn, s)) <= *value))
			break;
		memcpy(theta, step, sizeof(double) * n);
		memcpy(g, gn, sizeof(double) * n);
		*value = fv;
		if (biggest <= 1e-10)
			break;
	}
	for (int j = 0; j < n; j++)
		h[j * n + j] -= g[j];
	if (!clv_spd_inverse(h, n, inv))
		return evaluations;
	for (int j = 0; j < n; j++)
		se[j] = exp(theta[j]) * sqrt(inv[j * n + j]);
	return evaluations;
}

bytea *
clv_fit(ClvRows *s, uint16 algorithm, ClvObjective f, ClvObjectiveGrad fg, double extra)
{
	ClvModel	model;
	ClvMinimum	minimum;
	int			polish = 0;
	double		theta[CLV_MAX_PARAMS] = {0};
	char	   *limit;

	memset(&model, 0, sizeof(model));
	clv_rows_compact(s);
	model.algorithm = algorithm;
	model.nparams = clv_param_count(algorithm);
	model.customers = clv_rows_weight(s);
	model.distinct_rows = (uint64) s->nrows;
	model.skipped = s->skipped;
	model.extra = extra;

	minimum = clv_fit_minimum(s, f, fg, theta, model.nparams);
	if (!isfinite(minimum.value))
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("maximum-likelihood fit of the %s model failed",
						insight_algorithm_name(algorithm)),
				 errdetail("The log-likelihood was not finite at any of the %d parameter values tried.",
						   minimum.evaluations)));
	if (fg != NULL)
	{
		for (int i = 0; i < model.nparams; i++)
			model.se[i] = NAN;
		if (minimum.converged)
			polish = clv_fit_polish(s, fg, theta, model.nparams, &minimum.value, model.se);
		model.has_se = true;
	}
	for (int i = 0; i < model.nparams; i++)
		model.params[i] = exp(theta[i]);
	model.log_likelihood = -f(theta, s);	/* the likelihood itself, at the maximum */
	model.iterations = (uint32) minimum.iterations;
	model.status = minimum.converged ? CLV_CONVERGED : CLV_NOT_CONVERGED;
	for (int i = 0; i < model.nparams; i++)
		if (!(isfinite(model.params[i]) && model.params[i] > 0))
			ereport(ERROR,
					(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
					 errmsg("maximum-likelihood fit of the %s model diverged",
							insight_algorithm_name(algorithm)),
					 errdetail("Parameter %s went to %g: the data do not identify the model.",
							   clv_param_names(algorithm)[i], model.params[i]),
					 errhint("Fit on more customers, with repeat purchases and different observation lengths.")));
	limit = clv_fit_limit(&model);
	if (!minimum.converged)
		ereport(WARNING,
				(errmsg("maximum-likelihood fit of the %s model did not converge after %d iterations",
						insight_algorithm_name(algorithm), minimum.iterations),
				 errdetail("%sThe model info reports \"converged\": false.", limit ? limit : ""),
				 limit ? errhint("%s", clv_limit_hint(algorithm)) : 0));
	else if (limit)
		ereport(NOTICE,
				(errmsg("maximum-likelihood fit of the %s model is at the limit of its parameter space",
						insight_algorithm_name(algorithm)),
				 errdetail("%s", limit),
				 errhint("%s", clv_limit_hint(algorithm))));
	ereport(DEBUG1,
			(errmsg_internal("%s fit: log-likelihood %.6f after %d iterations, %d evaluations (%d for the Hessian and Newton steps, 1 for the reported log-likelihood)",
							 insight_algorithm_name(algorithm), model.log_likelihood,
							 minimum.iterations, minimum.evaluations + polish + 1, polish)));
	return clv_model_write(&model);
}

/*
 * Transition function of insight_bgnbd_fit and insight_pnbd_fit: one
 * customer's (frequency, recency, T); rows with a NULL are skipped and
 * counted.
 */
Datum
clv_summary_accum(FunctionCallInfo fcinfo, void (*check) (double, double, double))
{
	ClvRows    *s = clv_rows_arg(fcinfo, 0, 3);
	double		row[3];

	if (PG_ARGISNULL(1) || PG_ARGISNULL(2) || PG_ARGISNULL(3))
		PG_RETURN_POINTER(clv_rows_skip(s, 3));
	row[0] = PG_GETARG_FLOAT8(1);
	row[1] = PG_GETARG_FLOAT8(2);
	row[2] = PG_GETARG_FLOAT8(3);
	check(row[0], row[1], row[2]);
	PG_RETURN_POINTER(clv_rows_add(s, 3, row, 1.0));
}

PG_FUNCTION_INFO_V1(insight_clv_summary_accum);
Datum
insight_clv_summary_accum(PG_FUNCTION_ARGS)
{
	return clv_summary_accum(fcinfo, clv_check_summary);
}

/*
 * The rows of a transaction-model state ready for fitting, or NULL when
 * there is none; errors when no customer was observed for any time.
 */
ClvRows *
clv_transaction_rows(FunctionCallInfo fcinfo, uint16 algorithm)
{
	ClvRows    *s = clv_rows_arg(fcinfo, 0, 3);
	double		longest = 0;

	if (s == NULL || s->nrows == 0)
	{
		if (s != NULL && s->skipped > 0)
			ereport(NOTICE,
					(errmsg("insight_%s_fit: all %.0f rows were skipped for NULL values",
							insight_algorithm_name(algorithm), s->skipped)));
		return NULL;
	}
	for (int64 i = 0; i < s->nrows; i++)
		longest = Max(longest, s->rows[i * 4 + 2]);
	if (longest == 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("cannot fit a %s model on zero-length observation windows",
						insight_algorithm_name(algorithm)),
				 errdetail("All %.0f customers have T = 0: their first purchase is on the last observed day, so the data say nothing about purchase or dropout rates.",
						   clv_rows_weight(s)),
				 errhint("Summarise with a later as_of, or fit on customers observed for some time.")));
	return s;
}

/*
 * insight_clv_log_likelihood(model, frequency[], recency[], "T"[]) and
 * insight_clv_log_likelihood(model, frequency[], monetary_value[]): the
 * log-likelihood of the rows under the model's parameters, followed by its
 * gradient in the log-parameters (d ln L / d ln r, ...): the functions the
 * fits maximise, exposed so that their gradients can be checked against
 * finite differences, and a fitted model scored on other customers.
 */
PG_FUNCTION_INFO_V1(insight_clv_log_likelihood);
Datum
insight_clv_log_likelihood(PG_FUNCTION_ARGS)
{
	const ClvModel *model;
	int			width = PG_NARGS() - 1;
	const double *cols[3];
	int			n = -1;
	ClvRows    *s = NULL;
	double		theta[CLV_MAX_PARAMS],
				grad[CLV_MAX_PARAMS],
				out[CLV_MAX_PARAMS + 1];
	ClvObjective f;
	ClvObjectiveGrad fg;

	model = insight_model_cache_get(fcinfo, 0, clv_any_reader, 0, NULL);
	if ((width == 3) != (model->algorithm != INSIGHT_ALG_GAMMAGAMMA))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("a %s model takes %s", insight_algorithm_name(model->algorithm),
						model->algorithm == INSIGHT_ALG_GAMMAGAMMA ? "frequency and monetary_value" : "frequency, recency and T"),
				 errhint("Pass arrays of the customers' summary, as from insight_clv_summary().")));
	for (int j = 0; j < width; j++)
	{
		ArrayType  *a = PG_GETARG_ARRAYTYPE_P(j + 1);
		int			len;

		if (!insight_read_features(a, -1, &cols[j], &len))
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("the summary arrays must not hold NULL"),
					 errhint("Leave out the customers with a NULL value.")));
		if (n >= 0 && len != n)
			ereport(ERROR,
					(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
					 errmsg("the summary arrays have %d and %d elements", n, len),
					 errdetail("Element i of every array belongs to customer i."),
					 errhint("Aggregate the columns in one query, for example array_agg(frequency ORDER BY customer_id).")));
		n = len;
	}
	for (int i = 0; i < n; i++)
	{
		double		row[3];

		for (int j = 0; j < width; j++)
			row[j] = cols[j][i];
		if (model->algorithm == INSIGHT_ALG_BGBB)
			clv_bgbb_check_summary(row[0], row[1], row[2]);
		else if (width == 3)
			clv_check_summary(row[0], row[1], row[2]);
		else
		{
			clv_check_summary(row[0], 0, 0);
			if (!(row[0] > 0 && row[1] > 0))
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("the Gamma-Gamma likelihood needs frequency > 0 and monetary_value > 0, not %g and %g",
								row[0], row[1]),
						 errdetail("Only repeat customers with a positive mean spend enter the Gamma-Gamma model."),
						 errhint("Leave the other customers out, as insight_gammagamma_fit does.")));
		}
		s = clv_rows_add(s, width, row, 1.0);
		if ((i & 0xFFFF) == 0xFFFF)
			CHECK_FOR_INTERRUPTS();
	}
	clv_rows_compact(s);
	switch (model->algorithm)
	{
		case INSIGHT_ALG_BGNBD:
			f = clv_bgnbd_negll;
			fg = clv_bgnbd_negll_grad;
			break;
		case INSIGHT_ALG_PNBD:
			f = clv_pnbd_negll;
			fg = clv_pnbd_negll_grad;
			break;
		case INSIGHT_ALG_MBGNBD:
			f = clv_mbgnbd_negll;
			fg = clv_mbgnbd_negll_grad;
			break;
		case INSIGHT_ALG_BGBB:
			f = clv_bgbb_negll;
			fg = clv_bgbb_negll_grad;
			break;
		default:
			f = clv_gammagamma_negll;
			fg = clv_gammagamma_negll_grad;
			break;
	}
	for (int j = 0; j < model->nparams; j++)
		theta[j] = log(model->params[j]);
	out[0] = -f(theta, s);
	if (!isfinite(fg(theta, grad, s)))
		for (int j = 0; j < model->nparams; j++)
			grad[j] = NAN;
	for (int j = 0; j < model->nparams; j++)
		out[j + 1] = -grad[j];
	PG_RETURN_ARRAYTYPE_P(insight_float8_array(out, model->nparams + 1));
}
