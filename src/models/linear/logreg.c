/*-------------------------------------------------------------------------
 *
 * logreg.c
 *	  L2-penalised logistic regression by Newton's method (IRLS), one
 *	  parallel-safe aggregate per pass over the data, driven through SPI.
 *
 * The driver (insight_logreg_fit) first fits a scaler over the query's
 * features and then solves in standardised coordinates
 * z_j = (x_j - mean_j) / scale_j, which keeps the Hessian well conditioned
 * whatever the features' units.  The penalty stays the one on the raw
 * weights: with w_j = v_j / scale_j,
 *	  (lambda / 2) ||w||^2 = (lambda / 2) sum_j v_j^2 / scale_j^2,
 * so the optimum is exactly scikit-learn's LogisticRegression(C = 1/lambda)
 * optimum on the raw features (the change of variables is a bijection), and
 * the stored weights are mapped back: w_j = v_j / scale_j,
 * b = v_0 - sum_j w_j mean_j.
 *
 * One pass (aggregate insight_logreg_irls_step) at coefficients beta
 * accumulates, over rows (z_i with a leading 1, label y_i in {0, 1}):
 *	  loss     = sum_i log(1 + exp(-m_i)) if y_i = 1, log(1 + exp(m_i)) if 0
 *	  gradient = sum_i (p_i - y_i) z_i
 *	  Hessian  = sum_i p_i (1 - p_i) z_i z_i'
 * with m_i = beta . z_i and p_i = 1 / (1 + exp(-m_i)) (Hastie, Tibshirani &
 * Friedman, The Elements of Statistical Learning, 2nd ed., 2009, sec. 4.4.1,
 * eq. 4.21-4.26; McCullagh & Nelder 1989, sec. 2.5).  The driver adds the
 * penalty's gradient and Hessian, solves H delta = g by Cholesky and sets
 * beta <- beta - delta.  A step that increases the objective is halved
 * (backtracking, Nocedal & Wright, Numerical Optimization, 2006, alg. 3.1)
 * using the next pass, so no pass is wasted.  Partial states are added
 * element-wise by the combine function, so a parallel plan gives the same
 * sums up to floating-point rounding.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <float.h>
#include <math.h>

#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/float.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"

#include "core/insight.h"
#include "core/row_reader.h"
#include "core/user_query.h"
#include "core/util.h"
#include "features/scaler.h"
#include "math/linalg.h"
#include "math/special.h"
#include "models/linear/logreg.h"

/*
 * Transition state of one IRLS pass: counters, then
 *	 params:    means[d], scales[d], beta[d + 1]   (the pass's fixed inputs)
 *	 inverse:   [d] = 1 / scales, computed from params at the first row
 *	 gradient:  [d + 1]
 *	 hessian:   [(d + 1) * (d + 1)], row-major, lower triangle filled
 *	 rows:      [capacity * d], rows read but not yet added
 *	 labels:    [capacity], their labels (1 or 0)
 *	 work:      [2 * capacity + d], scratch of logreg_state_flush
 * The transition function only copies a row's features, standardised
 * (z = (x - mean) * (1 / scale)), and its label into the buffer; a full
 * buffer is added to the sums a block at a time by BLAS (dgemv for the
 * margins and the gradient, dsyrk for the Hessian) and loops without a
 * dependency from one row to the next.  That keeps a pass close to the cost
 * of reading the rows.  The buffer holds the d features without the
 * intercept's constant 1, whose terms are plain sums: a multiple of 4 or 8
 * doubles a row is what OpenBLAS's kernels are made for (a dsyrk of 128 rows
 * x 16 takes about 3/4 of the time of 128 x 17).
 *
 * Each row is standardised before it is summed, not the sums afterwards:
 * for a feature in units near the smallest doubles (a scale below 1e-154),
 * products of centred values underflow and the factor 1 / scale^2 overflows,
 * where the standardised values are of order 1.
 */
typedef struct LogregState
{
	int32		vl_len_;
	int32		dim;
	int32		capacity;		/* rows the buffer holds */
	int32		buffered;		/* rows in the buffer */
	double		n;				/* rows used */
	double		skipped;		/* rows with a NULL label, array or element */
	double		positives;		/* rows with label true */
	double		loss;			/* sum of log losses at beta */
	double		values[FLEXIBLE_ARRAY_MEMBER];
} LogregState;

/*
 * Rows buffered before they are added: up to 128 (a product of 128 factors
 * in [1, 2] stays finite, see logreg_state_flush), and at most 64 KB of them.
 */
#define LOGREG_MAX_BUFFER 128
#define LOGREG_BUFFER_ROWS(d)	Max(1, Min(LOGREG_MAX_BUFFER, 8192 / (d)))

#define PARAMS_LEN(d)	(3 * (Size) (d) + 1)
#define SUMS_LEN(d)		(((Size) (d) + 1) + ((Size) (d) + 1) * ((Size) (d) + 1))

/*
 * Bytes of a state for dim features and a buffer of capacity rows, with
 * 1 <= dim <= LOGREG_MAX_DIM and 1 <= capacity <= LOGREG_MAX_BUFFER: under
 * 1 GB, so plain arithmetic cannot overflow.  It runs for every row
 * (logreg_state_check), where overflow-checked add_size would show.
 */
static inline Size
logreg_state_size(int dim, int capacity)
{
	Assert(dim >= 1 && dim <= LOGREG_MAX_DIM);
	Assert(capacity >= 1 && capacity <= LOGREG_MAX_BUFFER);
	return offsetof(LogregState, values) +
		sizeof(double) * (PARAMS_LEN(dim) + (Size) dim + SUMS_LEN(dim) +
						  (Size) capacity * ((Size) dim + 3) + (Size) dim);
}

static inline double *
state_params(LogregState *s)
{
	return s->values;
}

static inline double *
state_beta(LogregState *s)
{
	return state_params(s) + 2 * (Size) s->dim;
}

/* 1 / scales */
static inline double *
state_inverse_scales(LogregState *s)
{
	return s->values + PARAMS_LEN(s->dim);
}

static inline double *
state_gradient(LogregState *s)
{
	return state_inverse_scales(s) + s->dim;
}

static inline double *
state_hessian(LogregState *s)
{
	return state_gradient(s) + s->dim + 1;
}

static inline double *
state_rows(LogregState *s)
{
	return state_hessian(s) + ((Size) s->dim + 1) * ((Size) s->dim + 1);
}

static inline double *
state_labels(LogregState *s)
{
	return state_rows(s) + (Size) s->capacity * s->dim;
}

static inline double *
state_work(LogregState *s)
{
	return state_labels(s) + s->capacity;
}

/*
 * m >= 0 ? a : b (b when m is NaN), without a branch: the signs of the
 * margins are a coin toss to the branch predictor, and a mispredicted branch
 * costs more than these few integer operations (GCC turns the plain
 * conditional into a branch).
 */
static inline double
select_by_sign(double m, double a, double b)
{
	uint64		mask = -(uint64) (m >= 0);
	uint64		bits_a;
	uint64		bits_b;

	memcpy(&bits_a, &a, sizeof(double));
	memcpy(&bits_b, &b, sizeof(double));
	bits_a = (bits_a & mask) | (bits_b & ~mask);
	memcpy(&a, &bits_a, sizeof(double));
	return a;
}

/*
 * Add rows z[0..nb) (standardised, dim values a row, without the intercept's
 * constant 1) with labels y_i to *loss, gradient[dim + 1] and the lower
 * triangle of hessian[(dim + 1) x (dim + 1)] at beta.  With z_i = (1, row i):
 *	 1. margins m_i = beta . z_i (dgemv, plus beta_0);
 *	 2. with h = exp(-|m_i| / 2) and e = h^2 = exp(-|m_i|), one exponential
 *		for all of: p_i = 1 / (1 + e) or e / (1 + e), sqrt(p_i (1 - p_i)) =
 *		h / (1 + e), and the log loss max(-+m_i, 0) + log(1 + e) (see
 *		insight_log1pexp), whose logarithms are summed as the logarithm of
 *		the product of the 1 + e, each in [1, 2]: one logarithm per
 *		LOGREG_MAX_BUFFER rows (a product of 128 such factors stays finite);
 *	 3. gradient += sum_i (p_i - y_i) z_i (dgemv, and a sum for the
 *		intercept);
 *	 4. Hessian += sum_i p_i (1 - p_i) z_i z_i', the Gram matrix of the rows
 *		w_i z_i with w_i = sqrt(p_i (1 - p_i)), written to wz (which may be z
 *		itself): dsyrk for the features, a dgemv for the intercept's column,
 *		a sum for its diagonal entry.
 * work holds 2 nb + dim doubles.  The aggregate adds its buffer of up to 128
 * rows at a time (wz = z); the in-memory fit adds LOGREG_BLOCK_ROWS at a
 * time into a scratch wz, leaving its rows as they are, and passes hessian =
 * NULL for an iteration that reuses an earlier Hessian (step 4 skipped).
 */
static void
logreg_add_block(const double *beta, int dim, const double *z, double *wz,
				 const double *pg_restrict y, int nb, double *work,
				 double *loss, double *gradient, double *hessian)
{
	double	   *pg_restrict residual = work;	/* margins, then p - y */
	double	   *pg_restrict weight = residual + nb;
	double	   *pg_restrict column = weight + nb;
	double		linear = 0.0;
	double		logs = 0.0;
	double		residual_sum = 0.0;
	double		weight_sum = 0.0;

	if (nb == 0)
		return;
	insight_matvec(z, nb, dim, beta + 1, residual, false, false);
	/*
	 * The exponentials first, so that the sums below stay in registers.  The
	 * features are checked for NaN and Infinity here, not as the transition
	 * function reads them: a feature that is not finite makes the margin NaN
	 * or infinite whatever the coefficients (a zero one gives NaN), so one
	 * test a row finds the rows to look at.  ((x - mean) / scale is not
	 * finite when x is not; it also overflows for finite x far outside the
	 * data a scaler was fitted to, near the largest double.)
	 */
	for (int i = 0; i < nb; i++)
	{
		residual[i] += beta[0];
		if (unlikely(!isfinite(residual[i])))
			insight_check_finite(z + (Size) i * dim, dim);
		weight[i] = exp(-0.5 * fabs(residual[i]));
	}
	/* without branches: the signs of the margins and the labels are random */
	for (int first = 0; first < nb; first += LOGREG_MAX_BUFFER)
	{
		int			last = Min(nb, first + LOGREG_MAX_BUFFER);
		double		product = 1.0;

		for (int i = first; i < last; i++)
		{
			double		m = residual[i];
			double		h = weight[i];
			double		e = h * h;
			double		q = 1.0 / (1.0 + e);
			double		signed_m = (1.0 - 2.0 * y[i]) * m;	/* -m if y = 1, m if 0 */

			linear += select_by_sign(signed_m, signed_m, 0.0);	/* max(signed_m, 0) */
			product *= 1.0 + e;
			residual[i] = select_by_sign(m, q, e * q) - y[i];
			weight[i] = h * q;
			residual_sum += residual[i];
			weight_sum += weight[i] * weight[i];
		}
		logs += log(product);
	}
	*loss += linear + logs;
	gradient[0] += residual_sum;
	insight_matvec(z, nb, dim, residual, gradient + 1, true, true);
	if (hessian == NULL)
		return;					/* a gradient-only evaluation (in memory) */
	for (int i = 0; i < nb; i++)
	{
		double		w = weight[i];
		const double *zi = z + (Size) i * dim;
		double	   *wzi = wz + (Size) i * dim;

		for (int j = 0; j < dim; j++)
			wzi[j] = zi[j] * w;
	}
	hessian[0] += weight_sum;
	insight_matvec(wz, nb, dim, weight, column, true, false);
	for (int j = 1; j <= dim; j++)
		hessian[(Size) j * (dim + 1)] += column[j - 1];
	insight_gram_lower(wz, nb, dim, hessian + dim + 2, dim + 1, true);
}

/* Add the buffered rows of an aggregate state and empty the buffer. */
static void
logreg_state_flush(LogregState *s)
{
	double	   *z = state_rows(s);

	logreg_add_block(state_beta(s), s->dim, z, z, state_labels(s), s->buffered,
					 state_work(s), &s->loss, state_gradient(s), state_hessian(s));
	s->buffered = 0;
}

/* Buffer one row x (d features), standardised, with label y (1 or 0). */
static inline void
logreg_add_row(LogregState *s, const double *pg_restrict x, double y)
{
	const int	dim = s->dim;
	const double *pg_restrict mean = state_params(s);
	const double *pg_restrict inverse = state_inverse_scales(s);
	double	   *pg_restrict z = state_rows(s) + (Size) s->buffered * dim;

	for (int j = 0; j < dim; j++)
		z[j] = (x[j] - mean[j]) * inverse[j];
	state_labels(s)[s->buffered] = y;
	s->n += 1;
	s->positives += y;
	if (++s->buffered == s->capacity)
		logreg_state_flush(s);
}

static void
logreg_state_corrupted(const LogregState *s)
{
	ereport(ERROR,
			(errcode(ERRCODE_DATA_CORRUPTED),
			 errmsg("invalid insight_logreg_irls_step state"),
			 errdetail("The state has %zu bytes for %d features and %d of %d buffer rows.",
					   (Size) VARSIZE(s), s->dim, s->buffered, s->capacity)));
}

/* Inline, multiplications only: this runs for every row. */
static inline void
logreg_state_check(const LogregState *s)
{
	if (unlikely(s->dim < 1 || s->dim > LOGREG_MAX_DIM ||
				 s->capacity < 1 || s->capacity > LOGREG_MAX_BUFFER ||
				 VARSIZE(s) != logreg_state_size(s->dim, s->capacity) ||
				 s->buffered < 0 || s->buffered >= s->capacity))
		logreg_state_corrupted(s);
}

static inline LogregState *
logreg_state_arg(FunctionCallInfo fcinfo, int argno)
{
	LogregState *s = insight_state_get(fcinfo, argno, offsetof(LogregState, values));

	if (s != NULL)
		logreg_state_check(s);
	return s;
}

static void
too_many_features(int dim)
{
	ereport(ERROR,
			(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
			 errmsg("logistic regression supports at most %d features, not %d",
					LOGREG_MAX_DIM, dim)));
}

/* A new state for the pass whose inputs are the float8[] 'params'. */
static LogregState *
logreg_state_init(FunctionCallInfo fcinfo, ArrayType *params)
{
	const double *p;
	int			len = 0;
	bool		no_nulls;
	int			dim;
	LogregState *s;

	no_nulls = insight_read_feature_array(params, -1, &p, &len);
	if (!no_nulls || len < 4 || (len - 1) % 3 != 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid insight_logreg_irls_step parameters"),
				 no_nulls ?
				 errdetail("The parameters are means[d], scales[d] and coefficients[d + 1] for d features: 3d + 1 values, not %d.", len) :
				 errdetail("The parameters hold a NULL.")));
	dim = (len - 1) / 3;
	if (dim > LOGREG_MAX_DIM)
		too_many_features(dim);
	for (int j = 0; j < len; j++)
		if (!isfinite(p[j]))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("invalid insight_logreg_irls_step parameters"),
					 errdetail("Parameter %d is %g; the parameters must be finite.", j + 1, p[j])));
	for (int j = 0; j < dim; j++)
		if (!(p[dim + j] > 0) || !isfinite(1.0 / p[dim + j]))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("invalid insight_logreg_irls_step parameters"),
					 errdetail("Scale %d is %g; scales must be positive, with a finite reciprocal.",
							   j + 1, p[dim + j])));
	s = insight_state_new(fcinfo, logreg_state_size(dim, LOGREG_BUFFER_ROWS(dim)));
	s->dim = dim;
	s->capacity = LOGREG_BUFFER_ROWS(dim);
	memcpy(s->values, p, sizeof(double) * PARAMS_LEN(dim));
	for (int j = 0; j < dim; j++)
		state_inverse_scales(s)[j] = 1.0 / p[dim + j];
	return s;
}

PG_FUNCTION_INFO_V1(insight_logreg_irls_accum);
Datum
insight_logreg_irls_accum(PG_FUNCTION_ARGS)
{
	LogregState *s = logreg_state_arg(fcinfo, 0);
	InsightArrayBuf buf;
	const double *x;
	int			n;

	if (s == NULL)
	{
		if (PG_ARGISNULL(3))
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("insight_logreg_irls_step parameters must not be NULL")));
		s = logreg_state_init(fcinfo, PG_GETARG_ARRAYTYPE_P(3));
	}
	if (PG_ARGISNULL(1) || PG_ARGISNULL(2) ||
		!insight_read_feature_array(insight_array_arg(fcinfo, 1, &buf), s->dim, &x, &n))
	{
		s->skipped += 1;
		PG_RETURN_POINTER(s);
	}

	/*
	 * The label as the Datum's byte, 1 or 0 (BoolGetDatum): GCC turns a bool
	 * made double into a branch, which random labels mispredict half the time.
	 */
	logreg_add_row(s, x, (double) DatumGetUInt8(PG_GETARG_DATUM(2)));
	PG_RETURN_POINTER(s);
}

/* Final function: the state with every row in the Hessian. */
PG_FUNCTION_INFO_V1(insight_logreg_irls_final);
Datum
insight_logreg_irls_final(PG_FUNCTION_ARGS)
{
	LogregState *s = logreg_state_arg(fcinfo, 0);
	LogregState *copy;

	if (s == NULL)
		PG_RETURN_NULL();
	/* a final function must not change the aggregate's own state */
	copy = palloc(VARSIZE(s));
	memcpy(copy, s, VARSIZE(s));
	logreg_state_flush(copy);
	PG_RETURN_POINTER(copy);
}

PG_FUNCTION_INFO_V1(insight_logreg_irls_combine);
Datum
insight_logreg_irls_combine(PG_FUNCTION_ARGS)
{
	LogregState *a = logreg_state_arg(fcinfo, 0);
	LogregState *b = logreg_state_arg(fcinfo, 1);
	Size		nparams;
	Size		nsums;

	if (a == NULL && b == NULL)
		PG_RETURN_NULL();		/* no rows on either side (an empty worker) */
	if (b == NULL)
		PG_RETURN_POINTER(a);
	if (a == NULL)
		PG_RETURN_POINTER(b);	/* a copy: nodeAgg keeps what we return */
	nparams = PARAMS_LEN(a->dim);
	if (a->dim != b->dim ||
		memcmp(state_params(a), state_params(b), sizeof(double) * nparams) != 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("cannot combine insight_logreg_irls_step states of different passes"),
				 errdetail("Both states must have the same number of features (%d and %d) and the same parameters.",
						   a->dim, b->dim)));
	logreg_state_flush(a);
	logreg_state_flush(b);		/* a copy (insight_state_get) */
	a->n += b->n;
	a->skipped += b->skipped;
	a->positives += b->positives;
	a->loss += b->loss;
	nsums = SUMS_LEN(a->dim);
	{
		double	   *da = state_gradient(a);
		const double *db = state_gradient(b);

		for (Size i = 0; i < nsums; i++)
			da[i] += db[i];
	}
	PG_RETURN_POINTER(a);
}

/* ---------------------------------------------------------------------------
 * The driver
 * ---------------------------------------------------------------------------
 */

typedef struct LogregFit
{
	const char *from;			/* the user's query, wrapped as q(features, label) */
	const char *schema;			/* quoted schema of the extension */
	int			dim;
	double		lambda;
	double	   *means;
	double	   *scales;
	double	   *params;			/* means, scales, beta: the pass's input */
	double	   *beta;			/* points into params */
	MemoryContext work;

	/*
	 * The rows in memory (in_memory and they fit), in rows_cxt: chunks of
	 * caps[k] rows, each dim doubles a row (standardised once the means and
	 * scales are known) followed by the rows' labels (1 or 0); every chunk is
	 * full but the last, which holds last_len rows.
	 */
	bool		in_memory;
	MemoryContext rows_cxt;
	int			first_rows;		/* rows of the first chunk */
	int			max_rows;		/* rows of a chunk at most */
	int			block_rows;		/* rows logreg_add_block adds at a time */
	int			nchunks;
	int			maxchunks;
	int			last_len;
	int		   *caps;
	double	  **x;
	double	  **y;
	uint64		allocated;		/* rows the chunks hold room for */
	double	   *sums;			/* sums of the features of the rows held */
	double	   *chunk_sums;		/* the same over the last chunk */
	uint64		n;				/* rows held */
	uint64		limit_rows;		/* most rows insight.max_training_memory allows */
	bool		too_many;		/* stopped: the rows do not fit */
	double		total;			/* rows the query returned */

	/* the last evaluation at beta: counts, loss, gradient[D], hessian[D x D] */
	double		rows;
	double		skipped;
	double		positives;
	double		loss;
	double	   *gradient;
	double	   *hessian;
	LogregState *state;			/* of the last pass (pass-per-iteration path) */
} LogregFit;

/*
 * Bytes a row takes in memory: its features and label.  The chunks double
 * from 64 kB (few rows take little memory) to 8 MB (insight_rows_alloc maps
 * those in huge pages); a block, what logreg_add_block adds at a time, is up
 * to 512 rows.
 */
#define LOGREG_ROW_BYTES(d)		(sizeof(double) * ((Size) (d) + 1))
#define LOGREG_FIRST_CHUNK		((Size) 64 * 1024)
#define LOGREG_MAX_CHUNK		((Size) 8 * 1024 * 1024)
#define LOGREG_BLOCK_ROWS		512

/* The warm start (warm_start): from this many rows in memory, lambda > 0. */
#define LOGREG_WARM_MIN_ROWS	131072
#define LOGREG_WARM_STRIDE		8
#define LOGREG_WARM_ITERATIONS	20
#define LOGREG_WARM_TOLERANCE	1e-3

/*
 * Iterations that reuse a Hessian (in memory, lambda > 0, as many rows as
 * for the warm start, up to LOGREG_CHORD_MAX_DIM + 1 coefficients, the
 * Hessian kept as a copy): once a Newton step is at most LOGREG_CHORD_STEP
 * (relative, as the convergence test), the next iteration computes the loss
 * and gradient only, with logreg_add_block's dsyrk skipped, and solves with
 * the last Hessian (the chord, or simplified, Newton method: Ortega &
 * Rheinboldt, Iterative Solution of Nonlinear Equations in Several
 * Variables, 1970, sec. 7.1; Kelley, Iterative Methods for Linear and
 * Nonlinear Equations, 1995, sec. 5.4).  The gradient is exact, so the fixed
 * point and the convergence test are those of Newton's method; the Hessian,
 * a smooth function of beta, has moved by O(step) since, so each such
 * iteration shrinks the error by about that factor (on the benchmark's
 * 1,000,000 rows a step of 1.9e-2 is followed by one of 3.9e-4), for about a
 * third of the cost of an iteration with the Hessian (an estimate from the
 * CPU time saved, docs/benchmarks.md).  It may take an iteration more than
 * Newton's method (a reused Hessian whose steps do not shrink 100-fold is
 * replaced at the next iteration): for few rows, where an iteration costs
 * little, Newton's method throughout.
 */
#define LOGREG_CHORD_STEP		1e-2
#define LOGREG_CHORD_MAX_DIM	1024

/* A training query: rows (features float8[], label boolean). */
static const InsightQueryColumn logreg_columns[] = {
	{"features", INSIGHT_COLUMN_TYPE, FLOAT8ARRAYOID, "float8[]"},
	{"label", INSIGHT_COLUMN_TYPE, BOOLOID, "boolean"},
};

static const InsightQuerySpec logreg_query = {
	logreg_columns, lengthof(logreg_columns), false,
	"Cast the columns, for example SELECT features::float8[], (churned)::boolean FROM ..."
};

static void
no_training_rows(double total)
{
	ereport(ERROR,
			(errcode(ERRCODE_DATA_EXCEPTION),
			 errmsg("no training rows"),
			 total == 0 ?
			 errdetail("The query returned no rows.") :
			 errdetail("All %.0f rows were skipped because their label, their feature array or an element of it is NULL.", total)));
}

/* Pass 0: means and scales of the usable rows (insight_scaler_fit). */
static void
fit_scaler(LogregFit *fit)
{
	bool		isnull;
	Datum		d;
	int64		total;
	const InsightScaler *scaler;
	MemoryContext old;

	if (SPI_execute(psprintf("SELECT %s.insight_scaler_fit(CASE WHEN q.label IS NOT NULL THEN q.features END), pg_catalog.count(*) "
							 "FROM %s", fit->schema, fit->from),
					true, 0) != SPI_OK_SELECT || SPI_processed != 1)
		elog(ERROR, "insight_logreg_fit: scaler pass failed");
	total = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2, &isnull));
	d = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);
	if (isnull)
		no_training_rows((double) total);

	old = MemoryContextSwitchTo(fit->work);
	scaler = insight_scaler_read(DatumGetByteaPP(d));
	fit->dim = scaler->dim;
	fit->params = palloc0(sizeof(double) * PARAMS_LEN(scaler->dim));
	memcpy(fit->params, scaler->means, sizeof(double) * scaler->dim);
	memcpy(fit->params + scaler->dim, scaler->scales, sizeof(double) * scaler->dim);
	fit->means = fit->params;
	fit->scales = fit->params + scaler->dim;
	fit->beta = fit->params + 2 * scaler->dim;
	MemoryContextSwitchTo(old);
	SPI_freetuptable(SPI_tuptable);
}

/*
 * Any positive scales give the same optimum.  Where the penalty on the raw
 * weight, lambda / scale^2 in standardised coordinates, would overflow (or
 * lose precision as a subnormal scale^2), as for a feature in units near the
 * smallest doubles, the feature keeps its own units.
 */
static void
adjust_scales(LogregFit *fit)
{
	if (fit->lambda > 0)
		for (int j = 0; j < fit->dim; j++)
		{
			double		square = fit->scales[j] * fit->scales[j];

			if (!(square >= DBL_MIN) || !isfinite(fit->lambda / square))
				fit->scales[j] = 1.0;
		}
}

/* ---- the rows in memory ---- */

/* A new chunk for the rows to come; false when no more rows fit. */
static bool
add_chunk(LogregFit *fit)
{
	int			k = fit->nchunks;
	uint64		cap = Min((uint64) fit->max_rows, (uint64) fit->first_rows << Min(k, 30));
	double	   *chunk;

	cap = Min(cap, fit->limit_rows - Min(fit->limit_rows, fit->allocated));
	if (cap == 0)
		return false;
	if (k == fit->maxchunks)
	{
		fit->maxchunks = Max(16, 2 * fit->maxchunks);
		if (fit->x == NULL)
		{
			fit->x = MemoryContextAlloc(fit->rows_cxt, sizeof(double *) * fit->maxchunks);
			fit->y = MemoryContextAlloc(fit->rows_cxt, sizeof(double *) * fit->maxchunks);
			fit->caps = MemoryContextAlloc(fit->rows_cxt, sizeof(int) * fit->maxchunks);
		}
		else
		{
			fit->x = repalloc_huge(fit->x, sizeof(double *) * fit->maxchunks);
			fit->y = repalloc_huge(fit->y, sizeof(double *) * fit->maxchunks);
			fit->caps = repalloc_huge(fit->caps, sizeof(int) * fit->maxchunks);
		}
	}
	for (int j = 0; j < fit->dim; j++)
		fit->sums[j] += fit->chunk_sums[j];
	memset(fit->chunk_sums, 0, sizeof(double) * fit->dim);
	chunk = insight_rows_alloc(fit->rows_cxt, cap * LOGREG_ROW_BYTES(fit->dim));
	fit->x[k] = chunk;
	fit->y[k] = chunk + cap * fit->dim;
	fit->caps[k] = (int) cap;
	fit->allocated += cap;
	fit->nchunks = k + 1;
	fit->last_len = 0;
	return true;
}

/* insight_read_rows callback: keep a usable row, count a skipped one. */
static bool
collect_row(Datum *values, bool *isnull, void *arg)
{
	LogregFit  *fit = arg;
	const double *x;
	int			n;
	int			k;

	fit->total += 1;
	if (isnull[0] || isnull[1] ||
		!insight_read_feature_array(DatumGetArrayTypeP(values[0]), fit->dim > 0 ? fit->dim : -1,
									&x, &n))
	{
		fit->skipped += 1;
		return true;
	}
	if (fit->dim == 0)
	{
		if (n > LOGREG_MAX_DIM)
			too_many_features(n);
		fit->dim = n;
		fit->first_rows = Max(1, LOGREG_FIRST_CHUNK / LOGREG_ROW_BYTES(n));
		fit->max_rows = Max(1, LOGREG_MAX_CHUNK / LOGREG_ROW_BYTES(n));
		fit->block_rows = Min(LOGREG_BLOCK_ROWS, fit->max_rows);
		fit->limit_rows = (uint64) insight_max_training_memory * 1024 / LOGREG_ROW_BYTES(n);
		fit->sums = MemoryContextAllocZero(fit->rows_cxt, sizeof(double) * n);
		fit->chunk_sums = MemoryContextAllocZero(fit->rows_cxt, sizeof(double) * n);
	}
	insight_check_finite(x, n);
	if (fit->nchunks == 0 || fit->last_len == fit->caps[fit->nchunks - 1])
	{
		if (!add_chunk(fit))
		{
			fit->too_many = true;
			return false;
		}
	}
	k = fit->nchunks - 1;
	memcpy(fit->x[k] + (Size) fit->last_len * fit->dim, x, sizeof(double) * n);
	for (int j = 0; j < n; j++)
		fit->chunk_sums[j] += x[j];	/* the means' sums, while the row is at hand */
	fit->y[k][fit->last_len] = DatumGetBool(values[1]) ? 1.0 : 0.0;
	fit->positives += fit->y[k][fit->last_len];
	fit->last_len++;
	fit->n++;
	return true;
}

/* Rows of chunk k. */
static inline int
chunk_length(const LogregFit *fit, int k)
{
	return k < fit->nchunks - 1 ? fit->caps[k] : fit->last_len;
}

/*
 * Read the rows once into memory.  False when they do not fit in
 * insight.max_training_memory (the rows read so far are freed).
 */
static bool
collect_rows(LogregFit *fit, const InsightUserQuery *uq)
{
	fit->rows_cxt = AllocSetContextCreate(fit->work, "insight_logreg_fit rows",
										  ALLOCSET_DEFAULT_SIZES);
	if (!insight_read_rows(uq, collect_row, fit))
	{
		Assert(fit->too_many);
		MemoryContextDelete(fit->rows_cxt);
		ereport(NOTICE,
				(errmsg("insight_logreg_fit: the rows do not fit in insight.max_training_memory (%d kB); one pass over the query per iteration",
						insight_max_training_memory)));
		fit->dim = 0;
		fit->n = 0;
		fit->nchunks = 0;
		fit->skipped = 0;
		fit->positives = 0;
		return false;
	}
	if (fit->n == 0)
		no_training_rows(fit->total);
	return true;
}

/*
 * The means and population standard deviations of the rows in memory (1 for
 * a constant feature, as insight_scaler_fit gives them; the means from the
 * sums per chunk that collect_row adds, then the squared deviations from
 * them, per chunk), then the rows standardised in place, with the same
 * arithmetic as the aggregate's transition function.
 */
static void
standardise_rows(LogregFit *fit)
{
	const int	dim = fit->dim;
	double	   *partial = palloc(sizeof(double) * dim);
	double	   *m2;
	double	   *inverse;

	fit->params = MemoryContextAllocZero(fit->work, sizeof(double) * PARAMS_LEN(dim));
	fit->means = fit->params;
	fit->scales = fit->params + dim;
	fit->beta = fit->params + 2 * dim;
	m2 = fit->scales;
	for (int j = 0; j < dim; j++)
		fit->means[j] = (fit->sums[j] + fit->chunk_sums[j]) / (double) fit->n;
	for (int k = 0; k < fit->nchunks; k++)
	{
		const double *pg_restrict x = fit->x[k];
		const double *pg_restrict mean = fit->means;
		int			nk = chunk_length(fit, k);

		memset(partial, 0, sizeof(double) * dim);
		for (int i = 0; i < nk; i++)
			for (int j = 0; j < dim; j++)
			{
				double		c = x[(Size) i * dim + j] - mean[j];

				partial[j] += c * c;
			}
		for (int j = 0; j < dim; j++)
			m2[j] += partial[j];
	}
	for (int j = 0; j < dim; j++)
	{
		double		sd;

		if (!isfinite(fit->means[j]) || !isfinite(m2[j]))
			ereport(ERROR,
					(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
					 errmsg("feature %d is too large to standardize", j + 1),
					 errdetail("Its mean or variance overflows a double precision value."),
					 errhint("Rescale the feature, for example to thousands or with a logarithm.")));
		sd = sqrt(m2[j] / (double) fit->n);
		fit->scales[j] = sd > 0 ? sd : 1.0;
	}
	adjust_scales(fit);

	inverse = partial;
	for (int j = 0; j < dim; j++)
		inverse[j] = 1.0 / fit->scales[j];
	for (int k = 0; k < fit->nchunks; k++)
	{
		double	   *pg_restrict x = fit->x[k];
		const double *pg_restrict mean = fit->means;
		Size		len = (Size) chunk_length(fit, k) * dim;

		for (Size i = 0; i < len; i += dim)
			for (int j = 0; j < dim; j++)
				x[i + j] = (x[i + j] - mean[j]) * inverse[j];
	}
	pfree(partial);
}

/*
 * The loss, gradient and Hessian at fit->beta over the rows in memory, a
 * block at a time (logreg_add_block, as the aggregate adds its buffer): every
 * block with stride 1, every stride-th block of the rows in their order (the
 * warm start) otherwise; without with_hessian, the loss and gradient only
 * (fit->hessian left as it is).  Returns the rows added.
 */
static uint64
evaluate_in_memory(LogregFit *fit, double *scratch, double *work, int stride,
				   bool with_hessian)
{
	const int	dim = fit->dim;
	const Size	D = (Size) dim + 1;
	uint64		block = 0;
	uint64		added = 0;

	fit->loss = 0;
	memset(fit->gradient, 0, sizeof(double) * D);
	if (with_hessian)
		memset(fit->hessian, 0, sizeof(double) * D * D);
	for (int k = 0; k < fit->nchunks; k++)
	{
		int			nk = chunk_length(fit, k);

		CHECK_FOR_INTERRUPTS();
		for (int first = 0; first < nk; first += fit->block_rows, block++)
		{
			int			nb = Min(fit->block_rows, nk - first);

			if (block % stride != 0)
				continue;
			logreg_add_block(fit->beta, dim, fit->x[k] + (Size) first * dim, scratch,
							 fit->y[k] + first, nb, work,
							 &fit->loss, fit->gradient, with_hessian ? fit->hessian : NULL);
			added += nb;
		}
	}
	if (stride == 1)
		fit->rows = (double) fit->n;
	return added;
}

/*
 * The objective at fit->beta: the last evaluation's loss plus the penalty
 * (lambda / 2) ||w||^2 on the raw weights, whose gradient (and with
 * with_hessian its Hessian) are added to the evaluation's.
 */
static double
add_penalty(LogregFit *fit, double lambda, bool with_hessian)
{
	const int	D = fit->dim + 1;
	double		obj = fit->loss;

	for (int j = 1; j < D; j++)
	{
		double		pen = lambda / (fit->scales[j - 1] * fit->scales[j - 1]);

		obj += 0.5 * pen * fit->beta[j] * fit->beta[j];
		fit->gradient[j] += pen * fit->beta[j];
		if (with_hessian)
			fit->hessian[(Size) j * D + j] += pen;
	}
	return obj;
}

/*
 * The Newton step delta = H^-1 g of the last evaluation (the Hessian's upper
 * triangle filled from its lower one, then overwritten by its Cholesky
 * factor); false when H is not positive definite.
 */
static bool
newton_step(LogregFit *fit, double *delta)
{
	const int	D = fit->dim + 1;
	double	   *hess = fit->hessian;

	for (int j = 0; j < D; j++)
	{
		delta[j] = fit->gradient[j];
		for (int k = j + 1; k < D; k++)
			hess[(Size) j * D + k] = hess[(Size) k * D + j];
	}
	return insight_cholesky_solve(hess, delta, D);
}

/*
 * A start near the optimum for many rows in memory (lambda > 0): Newton's
 * method with step halving on every LOGREG_WARM_STRIDE-th block of rows, the
 * penalty scaled by their share of the rows, to a tolerance near that
 * sample's own error (LOGREG_WARM_TOLERANCE), at 1/8 of the cost of an
 * iteration over all rows.  Newton's method converges quadratically from
 * there, so the iterations over all rows, which follow with their own test
 * (and so reach the same optimum), are fewer: 4 instead of 7 for the
 * benchmark's 1,000,000 rows.  A failed step (a Hessian that is not positive
 * definite, a value that is not finite) ends it at the last point it
 * measured.  Returns its iterations.
 */
static int
warm_start(LogregFit *fit, double *scratch, double *work)
{
	const int	D = fit->dim + 1;
	double	   *prev = palloc(sizeof(double) * D);
	double	   *delta = palloc(sizeof(double) * D);
	double		prev_obj = get_float8_infinity();
	double		step = 1.0;
	bool		failed = false;
	int			it = 0;

	memcpy(prev, fit->beta, sizeof(double) * D);
	while (it < LOGREG_WARM_ITERATIONS)
	{
		double		share;
		double		obj;
		double		maxdelta = 0;
		double		maxbeta = 0;

		CHECK_FOR_INTERRUPTS();
		share = (double) evaluate_in_memory(fit, scratch, work, LOGREG_WARM_STRIDE, true) /
			(double) fit->n;
		obj = add_penalty(fit, fit->lambda * share, true);
		it++;
		if (!isfinite(obj))
		{
			failed = true;
			break;
		}
		if (obj > prev_obj * (1 + 4 * DBL_EPSILON))
		{
			step *= 0.5;
			if (step < 1e-10)
			{
				failed = true;
				break;
			}
			for (int j = 0; j < D; j++)
				fit->beta[j] = prev[j] - step * delta[j];
			continue;
		}
		memcpy(prev, fit->beta, sizeof(double) * D);
		prev_obj = obj;
		step = 1.0;
		if (!newton_step(fit, delta))
			break;
		for (int j = 0; j < D; j++)
		{
			if (!isfinite(delta[j]))
			{
				failed = true;
				break;
			}
			fit->beta[j] -= delta[j];
			maxdelta = Max(maxdelta, fabs(delta[j]));
			maxbeta = Max(maxbeta, fabs(fit->beta[j]));
		}
		if (failed || maxdelta <= LOGREG_WARM_TOLERANCE * (1 + maxbeta))
			break;
	}
	if (failed)
		memcpy(fit->beta, prev, sizeof(double) * D);
	ereport(NOTICE,
			(errmsg("insight_logreg_fit: warm start, %d iterations in memory over 1 block of rows in %d",
					it, LOGREG_WARM_STRIDE)));
	pfree(prev);
	pfree(delta);
	return it;
}

/* One IRLS pass at fit->beta; the state is copied into fit->work. */
static LogregState *
run_pass(LogregFit *fit, const char *sql)
{
	Oid			argtypes[1] = {FLOAT8ARRAYOID};
	Datum		args[1];
	bool		isnull;
	Datum		d;
	LogregState *s;
	MemoryContext old;

	args[0] = PointerGetDatum(insight_float8_array(fit->params, PARAMS_LEN(fit->dim)));
	if (SPI_execute_with_args(sql, 1, argtypes, args, NULL, true, 0) != SPI_OK_SELECT ||
		SPI_processed != 1)
		elog(ERROR, "insight_logreg_fit: IRLS pass failed");
	d = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);
	if (isnull)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("no training rows"),
				 errdetail("The query returned no rows in a later pass: it must return the same rows every time it runs.")));
	old = MemoryContextSwitchTo(fit->work);
	s = (LogregState *) PG_DETOAST_DATUM_COPY(d);
	MemoryContextSwitchTo(old);
	logreg_state_check(s);
	if (s->dim != fit->dim)
		elog(ERROR, "insight_logreg_fit: pass returned %d features, not %d", s->dim, fit->dim);
	SPI_freetuptable(SPI_tuptable);
	pfree(DatumGetPointer(args[0]));
	return s;
}

/* One aggregate pass at fit->beta: its counts, loss, gradient and Hessian. */
static void
evaluate_pass(LogregFit *fit, const char *sql)
{
	if (fit->state != NULL)
		pfree(fit->state);
	fit->state = run_pass(fit, sql);
	fit->rows = fit->state->n;
	fit->skipped = fit->state->skipped;
	fit->positives = fit->state->positives;
	fit->loss = fit->state->loss;
	fit->gradient = state_gradient(fit->state);
	fit->hessian = state_hessian(fit->state);
}

/*
 * lambda = 0 and no usable Newton step, or no convergence: the unpenalised
 * optimum is not finite (separable classes) or not unique (collinear
 * features).
 */
static void
no_finite_optimum(int passes, bool singular)
{
	ereport(ERROR,
			(errcode(ERRCODE_DATA_EXCEPTION),
			 errmsg("logistic regression has no finite optimum for these rows"),
			 singular ?
			 errdetail("With lambda = 0 the Hessian became singular after %d passes: the features are collinear, or they separate the classes so that the weights grow without bound.",
					   passes) :
			 errdetail("With lambda = 0 the fit did not converge in %d passes: the weights grow without bound, as they do when the features separate the classes (perfectly or quasi-perfectly).",
					   passes),
			 errhint("Use lambda > 0 (for example 1), which always has a finite optimum.")));
}

PG_FUNCTION_INFO_V1(insight_logreg_fit);
Datum
insight_logreg_fit(PG_FUNCTION_ARGS)
{
	LogregFit	fit;
	InsightUserQuery uq;
	double		lambda;
	int32		max_iterations;
	double		tolerance;
	bool		in_memory;
	char	   *sql = NULL;
	double	   *scratch = NULL;
	double	   *work = NULL;
	int			D;
	double	   *prev_beta;
	double	   *delta;
	double		prev_obj = get_float8_infinity();
	double		step = 1.0;
	double		obj = 0;
	double	   *saved_hessian = NULL;
	int			hessian_of = 0;
	bool		reuse = false;
	double		last_maxdelta = 0;
	bool		converged = false;
	int			passes = 0;
	uint64		rows;
	uint64		skipped;
	uint64		positives;
	InsightModelWriter w;
	double		intercept;

	if (PG_ARGISNULL(0) || PG_ARGISNULL(1) || PG_ARGISNULL(2) || PG_ARGISNULL(3))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("query, lambda, max_iterations and tolerance must not be NULL")));
	lambda = PG_GETARG_FLOAT8(1);
	max_iterations = PG_GETARG_INT32(2);
	tolerance = PG_GETARG_FLOAT8(3);
	/* in_memory: the 0.2.0 argument; 0.1.0 declares four, one pass per iteration */
	in_memory = PG_NARGS() > 4 && !PG_ARGISNULL(4) && PG_GETARG_BOOL(4);
	if (!isfinite(lambda) || lambda < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("lambda must be a finite number >= 0, not %g", lambda)));
	if (max_iterations < 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("max_iterations must be at least 1, not %d", max_iterations)));
	if (!isfinite(tolerance) || tolerance <= 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("tolerance must be a finite number > 0, not %g", tolerance)));

	memset(&fit, 0, sizeof(fit));
	fit.lambda = lambda;
	fit.schema = quote_identifier(get_namespace_name(get_func_namespace(fcinfo->flinfo->fn_oid)));
	fit.work = AllocSetContextCreate(CurrentMemoryContext, "insight_logreg_fit",
									 ALLOCSET_DEFAULT_SIZES);

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "insight_logreg_fit: SPI_connect failed");
	insight_user_query(&uq, text_to_cstring(PG_GETARG_TEXT_PP(0)), "insight_logreg_fit",
					   &logreg_query);
	fit.from = uq.from;
	fit.in_memory = in_memory && collect_rows(&fit, &uq);
	if (fit.in_memory)
		standardise_rows(&fit);
	else
		fit_scaler(&fit);
	adjust_scales(&fit);

	D = fit.dim + 1;
	prev_beta = MemoryContextAllocZero(fit.work, sizeof(double) * D);
	delta = MemoryContextAllocZero(fit.work, sizeof(double) * D);
	if (fit.in_memory)
	{
		fit.gradient = MemoryContextAlloc(fit.work, sizeof(double) * D);
		fit.hessian = MemoryContextAllocHuge(fit.work, sizeof(double) * D * D);
		scratch = MemoryContextAllocHuge(fit.work,
										 sizeof(double) * fit.block_rows * fit.dim);
		work = MemoryContextAlloc(fit.work, sizeof(double) * (2 * fit.block_rows + fit.dim));
		if (lambda > 0 && D <= LOGREG_CHORD_MAX_DIM && fit.n >= LOGREG_WARM_MIN_ROWS)
			saved_hessian = MemoryContextAlloc(fit.work, sizeof(double) * D * D);
	}
	else
		sql = MemoryContextStrdup(fit.work,
								  psprintf("SELECT %s.insight_logreg_irls_step(q.features, q.label, $1) "
										   "FROM %s", fit.schema, fit.from));

	if (fit.in_memory && lambda > 0 && fit.n >= LOGREG_WARM_MIN_ROWS &&
		fit.positives > 0 && fit.positives < (double) fit.n)
		(void) warm_start(&fit, scratch, work);
	while (passes < max_iterations)
	{
		double	   *grad;
		double		maxdelta = 0;
		double		maxbeta = 0;
		double		decrement;

		CHECK_FOR_INTERRUPTS();
		if (passes == 0 && fit.in_memory &&
			(fit.positives == 0 || fit.positives == (double) fit.n))
			break;				/* one class: the error below, without a pass */
		if (fit.in_memory)
			(void) evaluate_in_memory(&fit, scratch, work, 1, !reuse);
		else
			evaluate_pass(&fit, sql);
		passes++;
		if (passes == 1 && (fit.positives == 0 || fit.positives == fit.rows))
			break;

		/* objective, gradient and Hessian with the penalty on raw weights */
		grad = fit.gradient;
		obj = add_penalty(&fit, lambda, !reuse);
		if (!isfinite(obj))
			ereport(ERROR,
					(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
					 errmsg("logistic regression objective is not finite after %d passes", passes)));
		if (reuse)
			ereport(NOTICE,
					(errmsg("insight_logreg_fit: iteration over the rows in memory %d (gradient only, the Hessian of iteration %d), objective %.6g",
							passes, hessian_of, obj)));
		else
			ereport(NOTICE,
					(errmsg("insight_logreg_fit: %s %d, objective %.6g",
							fit.in_memory ? "iteration over the rows in memory" : "pass", passes, obj)));

		/* backtracking: the last step increased the objective, halve it */
		if (obj > prev_obj * (1 + 4 * DBL_EPSILON))
		{
			step *= 0.5;
			if (step < 1e-10)
			{
				/* no descent left at double precision: the previous point */
				memcpy(fit.beta, prev_beta, sizeof(double) * D);
				obj = prev_obj;
				converged = true;
				break;
			}
			for (int j = 0; j < D; j++)
				fit.beta[j] = prev_beta[j] - step * delta[j];
			reuse = false;		/* a Hessian at the shorter step's point */
			continue;
		}

		/* accept this point; Newton direction from it */
		memcpy(prev_beta, fit.beta, sizeof(double) * D);
		prev_obj = obj;
		step = 1.0;
		if (reuse)
			memcpy(fit.hessian, saved_hessian, sizeof(double) * D * D);
		else if (saved_hessian != NULL)
		{
			memcpy(saved_hessian, fit.hessian, sizeof(double) * D * D);
			hessian_of = passes;
		}
		if (!newton_step(&fit, delta))
		{
			if (lambda == 0)
				no_finite_optimum(passes, true);
			ereport(ERROR,
					(errcode(ERRCODE_DATA_EXCEPTION),
					 errmsg("logistic regression Hessian is not positive definite after %d passes", passes),
					 errhint("Use a larger lambda.")));
		}
		decrement = 0;
		for (int j = 0; j < D; j++)
		{
			decrement += grad[j] * delta[j];
			if (!isfinite(delta[j]))
			{
				if (lambda == 0)
					no_finite_optimum(passes, true);
				ereport(ERROR,
						(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
						 errmsg("logistic regression Newton step is not finite after %d passes", passes),
						 errhint("Use a larger lambda.")));
			}
			fit.beta[j] -= delta[j];
			maxdelta = Max(maxdelta, fabs(delta[j]));
			maxbeta = Max(maxbeta, fabs(fit.beta[j]));
		}
		/*
		 * Converged when the Newton step is small, or (lambda > 0: the
		 * optimum is finite and unique) when the Newton decrement g'H^-1 g /
		 * 2, the decrease the step promises (Boyd & Vandenberghe, Convex
		 * Optimization, 2004, sec. 9.5.1), is below the objective's own
		 * rounding: then no step can measurably improve the fit, and a
		 * nearly flat direction of an ill-conditioned Hessian would
		 * otherwise keep the step above tolerance pass after pass.
		 */
		if (maxdelta <= tolerance * (1 + maxbeta) ||
			(lambda > 0 && 0.5 * decrement <= 4 * DBL_EPSILON * fabs(obj)))
		{
			converged = true;
			break;
		}

		/*
		 * Near the optimum, the next iteration reuses this Hessian (see
		 * LOGREG_CHORD_STEP); a second reuse only while the steps shrink
		 * fast, otherwise a new Hessian.
		 */
		reuse = saved_hessian != NULL &&
			maxdelta <= LOGREG_CHORD_STEP * (1 + maxbeta) &&
			(!reuse || maxdelta <= 0.01 * last_maxdelta);
		last_maxdelta = maxdelta;
	}

	if (fit.positives == 0 || fit.positives == (fit.in_memory ? (double) fit.n : fit.rows))
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("training rows hold only one class"),
				 errdetail("All %.0f usable rows have label %s.",
						   fit.in_memory ? (double) fit.n : fit.rows,
						   fit.positives > 0 ? "true" : "false"),
				 errhint("Logistic regression needs rows with label true and rows with label false.")));
	if (!converged && lambda == 0)
		no_finite_optimum(passes, false);
	if (!converged)
	{
		/*
		 * Out of passes: keep the last point whose objective a pass measured
		 * (the best so far), not the step from it that no pass has checked.
		 */
		memcpy(fit.beta, prev_beta, sizeof(double) * D);
		obj = prev_obj;
		ereport(WARNING,
				(errmsg("logistic regression did not converge in %d passes", passes),
				 errdetail("The last Newton step was larger than tolerance %g allows.", tolerance),
				 errhint("Raise max_iterations or lambda; the model is flagged as not converged.")));
	}

	rows = (uint64) fit.rows;
	skipped = (uint64) fit.skipped;
	positives = (uint64) fit.positives;
	SPI_finish();

	/* back to raw features: w_j = v_j / scale_j, b = v_0 - sum w_j mean_j */
	insight_writer_init(&w, INSIGHT_ALG_LOGREG);
	w.header.counts[0] = (uint32) fit.dim;
	w.header.flags = converged ? 0 : INSIGHT_LOGREG_NOT_CONVERGED;
	insight_write_uint64(&w, rows);
	insight_write_uint64(&w, skipped);
	insight_write_uint64(&w, positives);
	insight_write_uint32(&w, (uint32) passes);
	insight_write_uint32(&w, 0);
	insight_write_float8(&w, lambda);
	insight_write_float8(&w, tolerance);
	insight_write_float8(&w, obj);
	intercept = fit.beta[0];
	for (int j = 0; j < fit.dim; j++)
		intercept -= fit.beta[j + 1] / fit.scales[j] * fit.means[j];
	insight_write_float8(&w, intercept);
	for (int j = 0; j < fit.dim; j++)
		insight_write_float8(&w, fit.beta[j + 1] / fit.scales[j]);
	insight_write_float8_array(&w, fit.means, fit.dim);
	insight_write_float8_array(&w, fit.scales, fit.dim);
	{
		bytea	   *result = insight_writer_finish(&w);

		/* validates finiteness of everything written */
		(void) insight_logreg_read(result);
		MemoryContextDelete(fit.work);
		PG_RETURN_BYTEA_P(result);
	}
}
