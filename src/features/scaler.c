/*-------------------------------------------------------------------------
 *
 * scaler.c
 *	  insight_scaler_fit aggregate and insight_scaler_transform.
 *
 * The fit is exact, so its result does not depend on the order of the rows
 * nor on how a parallel plan or Citus's shards split them: the same rows give
 * the same bytes.  The state keeps, per feature, the exact sums
 *	  S = sum(x)  and  Q = sum(x^2)
 * in two fixed-point accumulators wide enough for every double and every
 * square of one (a "long accumulator", Kulisch & Miranker 1981, Computer
 * Arithmetic in Theory and Practice; the exact dot product of IEEE 1788):
 * S in units of 2^-1074 (the smallest subnormal), 68 digits of 32 bits, Q in
 * units of 2^-2148, 134 digits, both with 63 bits of headroom for the row
 * count.  A double x = m * 2^(p - 1074) (m its 53-bit integer significand)
 * adds m shifted by p bits to S and m^2 (exact in 106 bits) shifted by 2p
 * bits to Q.  The digits are int64 slots holding 32 bits each plus pending
 * carries, so a row touches about 7 slots per feature and carries are
 * propagated every 2^26 rows (and before a combine and the final function).
 * At most 10,000 features (as logistic regression; a state of 16 MB).
 * The combine function adds the digits.  The final function rounds once:
 *	  mean = round(S / n),
 *	  var  = round((n Q - S^2) / n^2)  (population variance, ddof 0),
 *	  scale = sqrt(var) (IEEE, correctly rounded from var), 1 when it is 0,
 * where n Q - S^2 >= 0 and the quotients are computed exactly in big
 * integers and rounded to nearest, ties to even, subnormals included: the
 * values Python gives with fractions.Fraction, float(Fraction(S) / n) and
 * math.sqrt(float(Fraction(n Q - S^2, n^2))) (test/peer/scaler_exact.py).
 *
 * State layout (a bytea updated in place, docs/design.md, Scale): header
 * (format "SCL2", dim, pending rows since the last carry propagation, n,
 * skipped), then per feature int64 sum[68] and sq[134].  A state from
 * outside is checked: format, size for its dim, counts >= 0, pending below
 * 2^26; every digit addition is overflow-checked and the final function
 * checks Q >= 0 and n Q >= S^2, so a crafted state is an error (XX001),
 * never a wrong or undefined result.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "fmgr.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/float.h"
#include "utils/memutils.h"

#include "core/model_cache.h"
#include "core/util.h"
#include "features/scaler.h"

#define SCALER_STATE_FORMAT 0x324C4353	/* "SCL2" */
#define SUM_DIGITS	68			/* 2176 bits >= 2098 + 63 */
#define SQ_DIGITS	134			/* 4288 bits >= 4196 + 63 */
#define FEATURE_DIGITS (SUM_DIGITS + SQ_DIGITS)
#define SUM_UNIT	(-1074)		/* S in units of 2^-1074 */
#define SQ_UNIT		(-2148)		/* Q in units of 2^-2148 */
#define NORMALISE_AT (1 << 26)	/* rows between carry propagations */
#define DIGIT_MASK	INT64CONST(0xFFFFFFFF)
/* big integers of the final function: n Q and S^2 take at most 138 digits */
#define BIG_DIGITS	(2 * (SUM_DIGITS + 1) + 2)

/* Transition state: header, then per feature sum[SUM_DIGITS], sq[SQ_DIGITS]. */
typedef struct ScalerState
{
	int32		vl_len_;
	int32		format;			/* SCALER_STATE_FORMAT */
	int32		dim;			/* 0 until the first usable row */
	int32		pending;		/* rows added since the last carry propagation */
	int64		n;				/* rows used */
	int64		skipped;		/* rows with a NULL array or NULL element */
	int64		digits[FLEXIBLE_ARRAY_MEMBER];
} ScalerState;

/* as logistic regression, the aggregate's user (a state of 16 MB) */
#define SCALER_MAX_DIM 10000

static Size
scaler_state_size(int dim)
{
	return add_size(offsetof(ScalerState, digits),
					mul_size(FEATURE_DIGITS * sizeof(int64), (Size) dim));
}

static void
scaler_state_corrupt(const char *detail)
{
	ereport(ERROR,
			(errcode(ERRCODE_DATA_CORRUPTED),
			 errmsg("invalid insight_scaler_fit state"),
			 errdetail("%s", detail)));
}

/* digits[i] += v, an error for a state whose digits overflow */
static inline void
digit_add(int64 *digits, Size i, int64 v)
{
	if (unlikely(__builtin_add_overflow(digits[i], v, &digits[i])))
		scaler_state_corrupt("A digit of its sums is out of range.");
}

/*
 * Add (or subtract) value * 2^shift, value given as 32-bit chunks c[0..nc),
 * to the accumulator: each chunk shifted by shift % 32 spans two digits.
 */
static inline void
accumulate(int64 *digits, int shift, const uint32 *c, int nc, bool negative)
{
	int			i = shift >> 5;
	int			r = shift & 31;

	for (int k = 0; k < nc; k++)
	{
		uint64		t = (uint64) c[k] << r;
		int64		lo = (int64) (t & DIGIT_MASK);
		int64		hi = (int64) (t >> 32);

		digit_add(digits, i + k, negative ? -lo : lo);
		if (hi != 0)
			digit_add(digits, i + k + 1, negative ? -hi : hi);
	}
}

/* Add x (finite) to the sums of one feature. */
static inline void
exact_add(int64 *digits, double x)
{
	uint64		bits,
				m;
	int			e,
				p;
	bool		negative;
	uint128		mm;
	uint32		c[4];

	memcpy(&bits, &x, sizeof(bits));
	negative = (bits >> 63) != 0;
	e = (int) ((bits >> 52) & 0x7ff);
	m = bits & ((UINT64CONST(1) << 52) - 1);
	if (e != 0)
		m |= UINT64CONST(1) << 52;
	if (m == 0)
		return;					/* +-0 */
	p = e == 0 ? 0 : e - 1;		/* x = m * 2^(p - 1074), 0 <= p <= 2045 */
	c[0] = (uint32) m;
	c[1] = (uint32) (m >> 32);
	accumulate(digits, p, c, 2, negative);
	mm = (uint128) m * m;		/* x^2 = m^2 * 2^(2p - 2148), m^2 < 2^106 */
	c[0] = (uint32) mm;
	c[1] = (uint32) (mm >> 32);
	c[2] = (uint32) (mm >> 64);
	c[3] = (uint32) (mm >> 96);
	accumulate(digits + SUM_DIGITS, 2 * p, c, 4, false);
}

/*
 * Propagate the carries: digits[0..len-1) in [0, 2^32), the top digit
 * signed; the value is unchanged.
 */
static void
normalise(int64 *digits, int len)
{
	int64		carry = 0;

	for (int i = 0; i < len - 1; i++)
	{
		int64		v;
		int64		low;

		if (unlikely(__builtin_add_overflow(digits[i], carry, &v)))
			scaler_state_corrupt("A digit of its sums is out of range.");
		low = v & DIGIT_MASK;
		digits[i] = low;
		carry = (v - low) / (INT64CONST(1) << 32);
	}
	digit_add(digits, len - 1, carry);
}

static void
normalise_state(ScalerState *s)
{
	for (int j = 0; j < s->dim; j++)
	{
		normalise(s->digits + (Size) j * FEATURE_DIGITS, SUM_DIGITS);
		normalise(s->digits + (Size) j * FEATURE_DIGITS + SUM_DIGITS, SQ_DIGITS);
	}
	s->pending = 0;
}

/* Validate a state read from an argument (the header; digits as they are added). */
static ScalerState *
scaler_state_arg(FunctionCallInfo fcinfo, int argno)
{
	ScalerState *s = insight_state_get(fcinfo, argno, offsetof(ScalerState, digits));

	if (s == NULL)
		return NULL;
	if (s->format != SCALER_STATE_FORMAT)
		scaler_state_corrupt("It does not start with the format of an insight_scaler_fit state.");
	if (s->dim < 0 || s->dim > SCALER_MAX_DIM || VARSIZE(s) != scaler_state_size(s->dim))
		ereport(ERROR,
				(errcode(ERRCODE_DATA_CORRUPTED),
				 errmsg("invalid insight_scaler_fit state"),
				 errdetail("A state for %d features cannot have %zu bytes.",
						   s->dim, (Size) VARSIZE(s))));
	if (s->n < 0 || s->skipped < 0 || s->pending < 0 || s->pending >= NORMALISE_AT ||
		(s->dim == 0 && s->n != 0))
		scaler_state_corrupt("Its counts are out of range.");
	return s;
}

/* Replace a state by one sized for dim features, keeping its counters. */
static ScalerState *
scaler_state_resize(FunctionCallInfo fcinfo, ScalerState *old, int dim)
{
	ScalerState *s = insight_state_new(fcinfo, scaler_state_size(dim));

	s->format = SCALER_STATE_FORMAT;
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
	{
		if (n > SCALER_MAX_DIM)
			ereport(ERROR,
					(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
					 errmsg("insight_scaler_fit takes at most %d features, not %d", SCALER_MAX_DIM, n),
					 errdetail("Its state keeps exact sums of 1,616 bytes per feature.")));
		s = scaler_state_resize(fcinfo, s, n);
	}

	s->n += 1;
	for (int j = 0; j < n; j++)
		exact_add(s->digits + (Size) j * FEATURE_DIGITS, x[j]);
	if (++s->pending >= NORMALISE_AT)
		normalise_state(s);
	PG_RETURN_POINTER(s);
}

PG_FUNCTION_INFO_V1(insight_scaler_combine);
Datum
insight_scaler_combine(PG_FUNCTION_ARGS)
{
	ScalerState *a = scaler_state_arg(fcinfo, 0);
	ScalerState *b = scaler_state_arg(fcinfo, 1);
	Size		total;

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

	/* a's digits below 2^32 take one row's share of the carry room */
	normalise_state(a);
	total = (Size) a->dim * FEATURE_DIGITS;
	for (Size i = 0; i < total; i++)
		digit_add(a->digits, i, b->digits[i]);
	if (__builtin_add_overflow(a->n, b->n, &a->n))
		scaler_state_corrupt("Its counts are out of range.");
	a->pending = b->pending + 1;
	if (a->pending >= NORMALISE_AT)
		normalise_state(a);
	PG_RETURN_POINTER(a);
}

/* ---- the final function's big integers: little-endian uint32 digits ---- */

/*
 * The magnitude of an accumulator (copied, normalised) into out[0..len],
 * returning the number of digits (len + 1) and its sign in *negative.
 */
static int
magnitude(const int64 *acc, int len, uint32 *out, bool *negative)
{
	int64		d[SQ_DIGITS];

	memcpy(d, acc, sizeof(int64) * len);
	normalise(d, len);
	*negative = d[len - 1] < 0;
	if (*negative)
	{
		if (d[len - 1] == PG_INT64_MIN)
			scaler_state_corrupt("A digit of its sums is out of range.");
		for (int i = 0; i < len; i++)
			d[i] = -d[i];
		normalise(d, len);
	}
	for (int i = 0; i < len - 1; i++)
		out[i] = (uint32) d[i];
	out[len - 1] = (uint32) ((uint64) d[len - 1] & DIGIT_MASK);
	out[len] = (uint32) ((uint64) d[len - 1] >> 32);
	return len + 1;
}

/* q = a / v (v > 0), the remainder returned; q may be a. */
static uint64
big_divide(const uint32 *a, int len, uint64 v, uint32 *q)
{
	uint128		rem = 0;

	for (int i = len - 1; i >= 0; i--)
	{
		rem = (rem << 32) | a[i];
		q[i] = (uint32) (rem / v);
		rem %= v;
	}
	return (uint64) rem;
}

/* out[0..len+2) = a * v */
static int
big_multiply(const uint32 *a, int len, uint64 v, uint32 *out)
{
	uint128		carry = 0;

	for (int i = 0; i < len; i++)
	{
		uint128		t = (uint128) a[i] * v + carry;

		out[i] = (uint32) t;
		carry = t >> 32;
	}
	out[len] = (uint32) carry;
	out[len + 1] = (uint32) (carry >> 32);
	return len + 2;
}

/* out[0..2 len) = a^2 */
static int
big_square(const uint32 *a, int len, uint32 *out)
{
	memset(out, 0, sizeof(uint32) * 2 * len);
	for (int i = 0; i < len; i++)
	{
		uint64		carry = 0;

		for (int j = 0; j < len; j++)
		{
			uint64		t = (uint64) a[i] * a[j] + out[i + j] + carry;

			out[i + j] = (uint32) t;
			carry = t >> 32;
		}
		out[i + len] = (uint32) carry;
	}
	return 2 * len;
}

/* a -= b (both len digits); false (a unchanged or garbage) when b > a */
static bool
big_subtract(uint32 *a, const uint32 *b, int len)
{
	int64		borrow = 0;

	for (int i = 0; i < len; i++)
	{
		int64		t = (int64) a[i] - b[i] - borrow;

		borrow = t < 0;
		a[i] = (uint32) (t + (borrow << 32));
	}
	return borrow == 0;
}

static inline bool
big_bit(const uint32 *a, int len, int i)
{
	return i >= 0 && (i >> 5) < len && ((a[i >> 5] >> (i & 31)) & 1) != 0;
}

/* true when a bit below bit i (i >= 0) is set */
static bool
big_any_below(const uint32 *a, int len, int i)
{
	int			whole = Min(i >> 5, len);

	for (int k = 0; k < whole; k++)
		if (a[k] != 0)
			return true;
	return whole < len && (i & 31) != 0 && (a[whole] & ((((uint32) 1) << (i & 31)) - 1)) != 0;
}

/*
 * (a + f) * 2^unit rounded to the nearest double, ties to even, where
 * 0 <= f < 1 and inexact says f > 0 (IEEE round to nearest: the exact
 * value, rounded once, subnormals included; infinity beyond DBL_MAX).
 * unit < -1074, so that a holds the bit below the smallest subnormal.
 */
static double
big_to_double(const uint32 *a, int len, int unit, bool inexact)
{
	int			top = len - 1;
	int			lead,
				ulp,
				u;
	uint64		mant = 0;

	while (top >= 0 && a[top] == 0)
		top--;
	if (top < 0)
		return 0.0;				/* below 2^unit: rounds to 0 */
	lead = top * 32 + (31 - __builtin_clz(a[top]));
	if (lead + unit > 1023)
		return get_float8_infinity();
	ulp = Max(lead + unit - 52, -1074);
	u = ulp - unit;				/* > 0: the bit of a that is the ulp */
	Assert(u > 0);
	for (int i = lead; i >= u; i--)
		mant = (mant << 1) | (big_bit(a, len, i) ? 1 : 0);
	if (big_bit(a, len, u - 1) &&
		(inexact || big_any_below(a, len, u - 1) || (mant & 1) != 0))
		mant++;
	return ldexp((double) mant, ulp);
}

static void
too_large(int feature)
{
	ereport(ERROR,
			(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
			 errmsg("feature %d is too large to standardize", feature),
			 errdetail("Its mean or variance overflows a double precision value."),
			 errhint("Rescale the feature, for example to thousands or with a logarithm.")));
}

/*
 * The mean and the population standard deviation (1 when 0) of one
 * feature's sums over n >= 1 rows, each rounded once (see the header).
 */
static void
exact_moments(const int64 *acc, int64 n, int feature, double *mean, double *scale)
{
	uint32		s[SUM_DIGITS + 2];
	uint32		q[SQ_DIGITS + 1];
	uint32		nq[BIG_DIGITS];
	uint32		ss[BIG_DIGITS];
	int			slen,
				qlen,
				nqlen,
				sslen;
	bool		negative,
				q_negative;
	uint64		r1,
				r2;
	double		var;

	/* mean: S shifted up one digit (units 2^-1106) over n */
	slen = magnitude(acc, SUM_DIGITS, s + 1, &negative);
	s[0] = 0;
	r1 = big_divide(s, slen + 1, (uint64) n, ss);
	*mean = big_to_double(ss, slen + 1, SUM_UNIT - 32, r1 != 0);
	if (negative)
		*mean = -*mean;
	if (!isfinite(*mean))
		too_large(feature);		/* only from a crafted state: |mean| <= max |x| */

	/* variance: (n Q - S^2) / n^2 in units of 2^-2148 */
	slen = magnitude(acc, SUM_DIGITS, s, &negative);
	qlen = magnitude(acc + SUM_DIGITS, SQ_DIGITS, q, &q_negative);
	if (q_negative)
		scaler_state_corrupt("Its sum of squares is negative.");
	nqlen = big_multiply(q, qlen, (uint64) n, nq);
	sslen = big_square(s, slen, ss);
	Assert(nqlen <= BIG_DIGITS && sslen <= BIG_DIGITS);
	memset(nq + nqlen, 0, sizeof(uint32) * (BIG_DIGITS - nqlen));
	memset(ss + sslen, 0, sizeof(uint32) * (BIG_DIGITS - sslen));
	if (!big_subtract(nq, ss, BIG_DIGITS))
		scaler_state_corrupt("Its sum of squares is below its square of the sum over the rows.");
	/* floor(floor(D / n) / n) = floor(D / n^2), exact iff both remainders are 0 */
	r1 = big_divide(nq, BIG_DIGITS, (uint64) n, nq);
	r2 = big_divide(nq, BIG_DIGITS, (uint64) n, nq);
	var = big_to_double(nq, BIG_DIGITS, SQ_UNIT, r1 != 0 || r2 != 0);
	if (!isfinite(var))
		too_large(feature);
	*scale = sqrt(var) > 0 ? sqrt(var) : 1.0;
}

PG_FUNCTION_INFO_V1(insight_scaler_final);
Datum
insight_scaler_final(PG_FUNCTION_ARGS)
{
	ScalerState *s = scaler_state_arg(fcinfo, 0);
	InsightModelWriter w;
	int			dim;
	double	   *means;
	double	   *scales;

	if (s == NULL || s->n == 0)
	{
		if (s != NULL && s->skipped > 0)
			ereport(NOTICE,
					(errmsg("insight_scaler_fit: all %lld rows were skipped for NULL features",
							(long long) s->skipped)));
		PG_RETURN_NULL();
	}
	dim = s->dim;
	means = palloc(sizeof(double) * dim);
	scales = palloc(sizeof(double) * dim);
	/* the state is read, not written: the final function must leave it */
	for (int j = 0; j < dim; j++)
	{
		exact_moments(s->digits + (Size) j * FEATURE_DIGITS, s->n, j + 1, &means[j], &scales[j]);
		CHECK_FOR_INTERRUPTS();
	}
	insight_writer_init(&w, INSIGHT_ALG_SCALER);
	w.header.counts[0] = (uint32) dim;
	insight_write_uint64(&w, (uint64) s->n);
	insight_write_uint64(&w, (uint64) s->skipped);
	insight_write_float8_array(&w, means, dim);
	insight_write_float8_array(&w, scales, dim);
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
	{
		z[j] = (x[j] - scaler->means[j]) / scaler->scales[j];
		if (unlikely(!isfinite(z[j])))
			ereport(ERROR,
					(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
					 errmsg("feature %d is too far from its mean to standardize", j + 1),
					 errdetail("(%g - %g) / %g overflows a double precision value.",
							   x[j], scaler->means[j], scaler->scales[j])));
	}
	PG_RETURN_ARRAYTYPE_P(insight_float8_array(z, n));
}

/*
 * Add row x (the count-th) to the running means and sums of squared
 * deviations m2 (Welford 1962), for insight_scaler_fit_rows.
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
