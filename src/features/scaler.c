/*-------------------------------------------------------------------------
 *
 * scaler.c
 *	  insight_scaler_fit aggregate and insight_scaler_transform.
 *
 * The transition state keeps, per feature, the running mean and the sum of
 * squared deviations M2 (Welford 1962); two partial states are merged with
 * the pairwise update of Chan, Golub & LeVeque (1979):
 *	  n = na + nb, d = mean_b - mean_a,
 *	  mean = mean_a + d * nb / n,  M2 = M2_a + M2_b + d^2 * na * nb / n.
 * The state is a bytea updated in place (docs/design.md, Scale).
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "fmgr.h"
#include "utils/array.h"
#include "utils/memutils.h"

#include "core/model_cache.h"
#include "core/util.h"
#include "features/scaler.h"

/* Transition state: header, then means[dim] and m2[dim]. */
typedef struct ScalerState
{
	int32		vl_len_;
	int32		dim;			/* 0 until the first usable row */
	double		n;				/* rows used */
	double		skipped;		/* rows with a NULL array or NULL element */
	double		values[FLEXIBLE_ARRAY_MEMBER];	/* means then m2 */
} ScalerState;

static Size
scaler_state_size(int dim)
{
	return add_size(offsetof(ScalerState, values),
					mul_size(2 * sizeof(double), (Size) dim));
}

/*
 * Add row x (the count-th) to the running means and sums of squared
 * deviations m2 (Welford 1962).
 */
static inline void
welford_add(double *means, double *m2, double count, const double *x, int dim)
{
	for (int j = 0; j < dim; j++)
	{
		double		delta = x[j] - means[j];

		means[j] += delta / count;
		m2[j] += delta * (x[j] - means[j]);
	}
}

/* The scale of a feature: population standard deviation, 1 when constant. */
static inline double
scaler_scale(double m2, double count)
{
	double		sd = sqrt(Max(m2, 0.0) / count);

	return sd > 0 ? sd : 1.0;
}

/* Validate a state read from an argument (sizes must agree with dim). */
static ScalerState *
scaler_state_arg(FunctionCallInfo fcinfo, int argno)
{
	ScalerState *s = insight_state_get(fcinfo, argno, offsetof(ScalerState, values));

	if (s != NULL && (s->dim < 0 || VARSIZE(s) != scaler_state_size(s->dim)))
		ereport(ERROR,
				(errcode(ERRCODE_DATA_CORRUPTED),
				 errmsg("invalid insight_scaler_fit state"),
				 errdetail("A state for %d features cannot have %zu bytes.",
						   s->dim, (Size) VARSIZE(s))));
	return s;
}

/* Replace a state by one sized for dim features, keeping its counters. */
static ScalerState *
scaler_state_resize(FunctionCallInfo fcinfo, ScalerState *old, int dim)
{
	ScalerState *s = insight_state_new(fcinfo, scaler_state_size(dim));

	s->dim = dim;
	if (old)
		s->skipped = old->skipped;
	return s;
}

PG_FUNCTION_INFO_V1(insight_scaler_accum);
Datum
insight_scaler_accum(PG_FUNCTION_ARGS)
{
	ScalerState *s = scaler_state_arg(fcinfo, 0);
	InsightArrayBuf buf;
	const double *x;
	int			n;

	if (s == NULL)
		s = scaler_state_resize(fcinfo, NULL, 0);

	if (PG_ARGISNULL(1) ||
		!insight_read_features(insight_array_arg(fcinfo, 1, &buf), s->dim > 0 ? s->dim : -1,
							   &x, &n))
	{
		s->skipped += 1;
		PG_RETURN_POINTER(s);
	}
	if (s->dim == 0)
		s = scaler_state_resize(fcinfo, s, n);

	s->n += 1;
	welford_add(s->values, s->values + n, s->n, x, n);
	PG_RETURN_POINTER(s);
}

PG_FUNCTION_INFO_V1(insight_scaler_combine);
Datum
insight_scaler_combine(PG_FUNCTION_ARGS)
{
	ScalerState *a = scaler_state_arg(fcinfo, 0);
	ScalerState *b = scaler_state_arg(fcinfo, 1);
	double		n;

	if (a == NULL && b == NULL)
		PG_RETURN_NULL();		/* no rows on either side */
	if (b == NULL)
		PG_RETURN_POINTER(a);
	if (a == NULL)
		PG_RETURN_POINTER(b);	/* a copy: nodeAgg keeps what we return */
	if (a->dim == 0)
	{
		b->skipped += a->skipped;
		PG_RETURN_POINTER(b);
	}
	a->skipped += b->skipped;
	if (b->dim == 0)
		PG_RETURN_POINTER(a);
	if (a->dim != b->dim)
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("expected %d features, not %d", a->dim, b->dim),
				 errdetail("Every feature array of a model must have the same length.")));

	n = a->n + b->n;
	for (int j = 0; j < a->dim; j++)
	{
		double		delta = b->values[j] - a->values[j];

		a->values[j] += delta * b->n / n;
		a->values[a->dim + j] += b->values[b->dim + j] + delta * delta * a->n * b->n / n;
	}
	a->n = n;
	PG_RETURN_POINTER(a);
}

PG_FUNCTION_INFO_V1(insight_scaler_final);
Datum
insight_scaler_final(PG_FUNCTION_ARGS)
{
	ScalerState *s = scaler_state_arg(fcinfo, 0);
	InsightModelWriter w;
	int			dim;

	if (s == NULL || s->n == 0)
	{
		if (s != NULL && s->skipped > 0)
			ereport(NOTICE,
					(errmsg("insight_scaler_fit: all %.0f rows were skipped for NULL features",
							s->skipped)));
		PG_RETURN_NULL();
	}
	dim = s->dim;
	for (int j = 0; j < 2 * dim; j++)
		if (!isfinite(s->values[j]))
			ereport(ERROR,
					(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
					 errmsg("feature %d is too large to standardize", j % dim + 1),
					 errdetail("Its mean or variance overflows a double precision value."),
					 errhint("Rescale the feature, for example to thousands or with a logarithm.")));
	insight_writer_init(&w, INSIGHT_ALG_SCALER);
	w.header.counts[0] = (uint32) dim;
	insight_write_uint64(&w, (uint64) s->n);
	insight_write_uint64(&w, (uint64) s->skipped);
	insight_write_float8_array(&w, s->values, dim);
	for (int j = 0; j < dim; j++)
		insight_write_float8(&w, scaler_scale(s->values[dim + j], s->n));
	PG_RETURN_BYTEA_P(insight_writer_finish(&w));
}

/* Read and validate a scaler model; every scale must be positive and finite. */
void *
insight_scaler_decode(InsightModel *m)
{
	InsightScaler *scaler = palloc(sizeof(InsightScaler));
	Size		dim = m->header.counts[0];

	if (dim == 0 || dim > MaxAllocSize / (2 * sizeof(double)))
		insight_model_corrupt(psprintf("A scaler cannot have %zu features.", dim));
	if (m->header.counts[1] != 0 || m->header.counts[2] != 0 || m->header.counts[3] != 0)
		insight_model_corrupt("A scaler uses only the first count of the header.");
	insight_model_expect_payload(m, 16 + 16 * dim);
	scaler->dim = (int) dim;
	scaler->rows = insight_read_uint64(m);
	scaler->skipped = insight_read_uint64(m);
	if (scaler->rows == 0 || scaler->rows > PG_INT64_MAX || scaler->skipped > PG_INT64_MAX)
		insight_model_corrupt("The row counts of the scaler are out of range.");
	scaler->means = palloc(sizeof(double) * dim);
	scaler->scales = palloc(sizeof(double) * dim);
	insight_read_float8_array(m, scaler->means, dim);
	insight_read_float8_array(m, scaler->scales, dim);
	insight_model_close(m);
	for (Size j = 0; j < dim; j++)
		if (!isfinite(scaler->means[j]) || !isfinite(scaler->scales[j]) ||
			scaler->scales[j] <= 0)
			insight_model_corrupt(psprintf("Feature %zu has mean %g and scale %g.",
										   j + 1, scaler->means[j], scaler->scales[j]));
	return scaler;
}

InsightScaler *
insight_scaler_read(bytea *value)
{
	InsightModel m;

	insight_model_open(&m, value, INSIGHT_ALG_SCALER);
	return insight_scaler_decode(&m);
}

void
insight_scaler_info(const void *model, StringInfo buf)
{
	const InsightScaler *scaler = model;

	insight_json_int64(buf, "features", scaler->dim);
	insight_json_int64(buf, "rows", (int64) scaler->rows);
	insight_json_int64(buf, "rows_skipped", (int64) scaler->skipped);
	insight_json_float8_array(buf, "means", scaler->means, scaler->dim);
	insight_json_float8_array(buf, "scales", scaler->scales, scaler->dim);
}

static InsightModelReader
scaler_lookup(const InsightModelHeader *header, int expected)
{
	insight_model_expect_algorithm(header, expected);
	return insight_scaler_decode;
}

PG_FUNCTION_INFO_V1(insight_scaler_transform);
Datum
insight_scaler_transform(PG_FUNCTION_ARGS)
{
	const InsightScaler *scaler = insight_model_cache_get(fcinfo, 0, scaler_lookup,
														  INSIGHT_ALG_SCALER, NULL);
	const double *x;
	double	   *z;
	int			n;

	if (!insight_read_features(PG_GETARG_ARRAYTYPE_P(1), scaler->dim, &x, &n))
		PG_RETURN_NULL();
	z = palloc(sizeof(double) * n);
	for (int j = 0; j < n; j++)
		z[j] = (x[j] - scaler->means[j]) / scaler->scales[j];
	PG_RETURN_ARRAYTYPE_P(insight_float8_array(z, n));
}

void
insight_scaler_fit_rows(const double *x, int dim, const uint32 *rows, Size n,
						double *means, double *scales)
{
	double	   *m2 = palloc0(sizeof(double) * dim);

	memset(means, 0, sizeof(double) * dim);
	for (Size i = 0; i < n; i++)
		welford_add(means, m2, (double) (i + 1), x + (Size) rows[i] * dim, dim);
	for (int j = 0; j < dim; j++)
	{
		if (!isfinite(means[j]) || !isfinite(m2[j]))
			ereport(ERROR,
					(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
					 errmsg("feature %d is too large to standardize", j + 1),
					 errdetail("Its mean or variance overflows a double precision value."),
					 errhint("Rescale the feature, for example to thousands or with a logarithm.")));
		scales[j] = scaler_scale(m2[j], (double) n);
	}
	pfree(m2);
}
