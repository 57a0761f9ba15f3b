/*-------------------------------------------------------------------------
 *
 * als_cg.c
 *	  The per-row arithmetic of ALS's conjugate-gradient half-steps (see
 *	  als_cg.h and als.c), in three variants chosen once per backend from the
 *	  CPU (__builtin_cpu_supports): AVX-512, AVX2 with FMA, and the baseline
 *	  of the build (any x86-64, or another architecture).  The extension is
 *	  built for any x86-64 (no -march); the variants are functions compiled
 *	  for their instruction set (GCC's target attribute) and only called
 *	  when the CPU runs it.
 *
 * The conjugate-gradient step is that of Takacs, Pilaszy & Tikk (2011,
 * section 3.2) and of benfred/implicit's _least_squares_cg, in double over
 * the other side's float factors: a product of two floats is exact in
 * double.  Each entry's factors y_k are read once a pass: the dot product
 * t = y_k . v and the update out += d y_k while y_k is in registers or L1.
 *
 * The baseline variant is the arithmetic ALS had before the variants (plain
 * loops and sums).  The AVX2 and AVX-512 variants use fused multiply-adds
 * and sum every dot product of f doubles in eight lanes (lane l sums the
 * terms j = l mod 8 in order, then lanes l and l + 4 are added, then
 * (0 + 1) + (2 + 3)), then the f mod 8 last terms in order.  The variants
 * differ in the last bits (the order of sums and roundings), not in what
 * they compute: on Online Retail at 64 factors, 6 iterations, their item
 * factors differ by at most 2e-7 (absolute, factors up to 0.084) and their
 * losses in the 10th digit, against 9e-3 between CG and the exact solve.
 *
 * The AVX-512 variant for 8 to 64 factors (a multiple of 8; 64 is the
 * recommender task's default) keeps a row's vectors in registers of eight
 * doubles over its entries, with each entry's factors converted once: an
 * entry costs f / 8 loads, f / 4 FMAs and a horizontal sum.  It also
 * computes each row's products with G itself (G p with G in L1, instead of
 * a dgemm per block of rows: OpenBLAS 0.3.21 runs its AVX2 kernel on this
 * project's AVX-512 machine).  Other sizes loop over memory (L1).
 *
 * Measured on the benchmark's 1,028,344 synthetic interactions at 64
 * factors, backend CPU time per CG iteration (docs/benchmarks.md; a shared
 * machine at load 2-7, so roughly): the previous code (GCC vector
 * extensions, cloned for x86-64-v3) 0.54 s, with the prefetches below and
 * huge pages 0.37 s, AVX-512 with memory loops 0.34 s,
 * with registers 0.23 s, with the loss's terms here 0.18 s, with G p here
 * 0.16 s; the AVX2 variant 0.27-0.33 s, the baseline 0.66 s.
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "models/recsys/als_cg.h"

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) && defined(__linux__)
#define ALS_X86_VARIANTS 1
#include <immintrin.h>
#endif

/*
 * Entries prefetched ahead: all the cache lines of the factors of entry
 * k + ALS_PREFETCH (the next rows' entries too, up to the block's end).  The
 * fixed side's factors are megabytes read at random rows, mostly from L2
 * and L3.
 */
#define ALS_PREFETCH 8

static inline void
prefetch_row(const AlsCgRow *row, int k)
{
	if (k + ALS_PREFETCH < row->n + row->ahead)
	{
		const char *pf = (const char *) (row->other +
										 (Size) row->idx[k + ALS_PREFETCH] * row->f);
		int			bytes = row->f * (int) sizeof(float);

		for (int b = 0; b < bytes; b += 64)
			__builtin_prefetch(pf + b);
		__builtin_prefetch(pf + bytes - 1);
	}
}

/* ---- baseline ---- */

/* Four floats, four doubles (GCC vector extensions), loaded unaligned. */
typedef float AlsVec4f __attribute__((vector_size(16), aligned(4)));
typedef double AlsVec4 __attribute__((vector_size(32), aligned(8)));

#define ALS_VEC4D(v, j) __builtin_convertvector(*(const AlsVec4f *) ((v) + (j)), AlsVec4)

static inline double
dot_double(const double *a, const double *b, int f)
{
	double		s = 0;

	for (int j = 0; j < f; j++)
		s += a[j] * b[j];
	return s;
}

/*
 * a . b in double for a float vector a and a float (bf) or double (bd)
 * vector b, the other NULL (a constant where it is inlined, so each caller
 * gets its own loop), four lanes and two chains at a time.  A product of two
 * floats is exact in double, so only the order of the sum differs from a
 * plain loop.
 */
static inline double
dot_mixed(const float *a, const float *bf, const double *bd, int f)
{
	AlsVec4		s0 = {0},
				s1 = {0};
	double		s;
	int			j;

#define ALS_B4(j) (bf != NULL ? ALS_VEC4D(bf, j) : *(const AlsVec4 *) (bd + (j)))
	for (j = 0; j + 8 <= f; j += 8)
	{
		s0 += ALS_VEC4D(a, j) * ALS_B4(j);
		s1 += ALS_VEC4D(a, j + 4) * ALS_B4(j + 4);
	}
#undef ALS_B4
	s0 += s1;
	s = (s0[0] + s0[1]) + (s0[2] + s0[3]);
	for (; j < f; j++)
		s += (double) a[j] * (bf != NULL ? (double) bf[j] : bd[j]);
	return s;
}

/*
 * The scores' and the loss's dot product, compiled for x86-64-v3 (AVX2 and
 * FMA) and for the baseline, the dynamic loader picking the clone the CPU
 * runs (GCC's target_clones, an ifunc).
 */
#if defined(__x86_64__) && defined(__GNUC__) && defined(__linux__)
__attribute__((target_clones("arch=x86-64-v3", "default")))
#endif
double
als_dot_float(const float *a, const float *b, int f)
{
	return dot_mixed(a, b, NULL, f);
}

/*
 * A row's own terms of its system in one pass over its n entries, in
 * double, with w_k = c_k - 1 = alpha r_k:
 *	- residual: out += sum_k (c_k - w_k (y_k . v)) y_k, i.e. b - (A - G) v;
 *	- else:     out += sum_k w_k (y_k . v) y_k, i.e. (A - G) v.
 * Why double: in float (twice as fast per entry in a micro-benchmark), CG
 * with f steps stopped 1e-3 (relative) short of the exact solution on the
 * peer test's Online Retail rows (alpha 5), where double reaches it.
 */
static void
rows_apply_base(const AlsCgRow *row, bool residual, const double *v, double *out)
{
	int			f = row->f;
	int			f4 = f - f % 4;

	for (int k = 0; k < row->n; k++)
	{
		const float *y = row->other + (Size) row->idx[k] * f;
		double		w = row->alpha * row->val[k];
		double		d;
		AlsVec4		dv;
		int			j;

		prefetch_row(row, k);
		d = dot_mixed(y, NULL, v, f);
		d = residual ? 1.0 + w - w * d : w * d;
		dv = (AlsVec4) {d, d, d, d};
		for (j = 0; j < f4; j += 4)
			*(AlsVec4 *) (out + j) += dv * ALS_VEC4D(y, j);
		for (; j < f; j++)
			out[j] += d * (double) y[j];
	}
}

static void
residual_base(const AlsCgRow *row, const double *x, double *r, double *p, double *rs)
{
	rows_apply_base(row, true, x, r);
	memcpy(p, r, sizeof(double) * row->f);
	*rs = dot_double(r, r, row->f);
}

static void
step_base(const AlsCgRow *row, double *x, double *r, double *p, double *ap, double *rs)
{
	int			f = row->f;
	double		pap,
				step_size,
				rs_new;

	if (!(*rs >= 1e-20))
		return;					/* converged (or stopped) */
	rows_apply_base(row, false, p, ap);
	pap = dot_double(p, ap, f);
	if (!(pap > 0))
	{
		*rs = 0;				/* p = 0 in floating point: nothing to gain */
		return;
	}
	step_size = *rs / pap;
	for (int j = 0; j < f; j++)
	{
		x[j] += step_size * p[j];
		r[j] -= step_size * ap[j];
	}
	rs_new = dot_double(r, r, f);
	for (int j = 0; j < f; j++)
		p[j] = r[j] + (rs_new / *rs) * p[j];
	*rs = rs_new;
}

static void
observed_base(const AlsCgRow *row, const float *x, double *obs, double *unobs)
{
	for (int k = 0; k < row->n; k++)
	{
		double		sc = dot_mixed(x, row->other + (Size) row->idx[k] * row->f, NULL, row->f);
		double		c = 1.0 + row->alpha * row->val[k];

		prefetch_row(row, k);
		*obs += c * (1.0 - sc) * (1.0 - sc);
		*unobs -= sc * sc;
	}
}

static bool
own_gram_never(int f pg_attribute_unused())
{
	return false;
}

static const AlsKernel als_cg_base = {"baseline", own_gram_never, residual_base, step_base, observed_base};

#ifdef ALS_X86_VARIANTS

/* ---- AVX2 and FMA ---- */

#define ALS_AVX2 __attribute__((target("avx2,fma")))

/* (s[0] + s[1]) + (s[2] + s[3]) */
ALS_AVX2 static inline double
hsum4(__m256d s)
{
	__m128d		lo = _mm256_castpd256_pd128(s);
	__m128d		hi = _mm256_extractf128_pd(s, 1);

	lo = _mm_add_sd(lo, _mm_unpackhi_pd(lo, lo));
	hi = _mm_add_sd(hi, _mm_unpackhi_pd(hi, hi));
	return _mm_cvtsd_f64(_mm_add_sd(lo, hi));
}

/* y . v, float y, double v (the lane order of the file header) */
ALS_AVX2 static inline double
dot_fd_avx2(const float *y, const double *v, int f)
{
	__m256d		s0 = _mm256_setzero_pd();
	__m256d		s1 = _mm256_setzero_pd();
	double		s;
	int			j;

	for (j = 0; j + 8 <= f; j += 8)
	{
		s0 = _mm256_fmadd_pd(_mm256_cvtps_pd(_mm_loadu_ps(y + j)), _mm256_loadu_pd(v + j), s0);
		s1 = _mm256_fmadd_pd(_mm256_cvtps_pd(_mm_loadu_ps(y + j + 4)), _mm256_loadu_pd(v + j + 4), s1);
	}
	s = hsum4(_mm256_add_pd(s0, s1));
	for (; j < f; j++)
		s = fma((double) y[j], v[j], s);
	return s;
}

/* a . b, double a and b (the lane order of the file header) */
ALS_AVX2 static inline double
dot_dd_avx2(const double *a, const double *b, int f)
{
	__m256d		s0 = _mm256_setzero_pd();
	__m256d		s1 = _mm256_setzero_pd();
	double		s;
	int			j;

	for (j = 0; j + 8 <= f; j += 8)
	{
		s0 = _mm256_fmadd_pd(_mm256_loadu_pd(a + j), _mm256_loadu_pd(b + j), s0);
		s1 = _mm256_fmadd_pd(_mm256_loadu_pd(a + j + 4), _mm256_loadu_pd(b + j + 4), s1);
	}
	s = hsum4(_mm256_add_pd(s0, s1));
	for (; j < f; j++)
		s = fma(a[j], b[j], s);
	return s;
}

/* The pass of rows_apply_base. */
ALS_AVX2 static void
rows_apply_avx2(const AlsCgRow *row, bool residual, const double *v, double *out)
{
	int			f = row->f;

	for (int k = 0; k < row->n; k++)
	{
		const float *y = row->other + (Size) row->idx[k] * f;
		double		w = row->alpha * row->val[k];
		double		t;
		__m256d		dv;
		int			j;

		prefetch_row(row, k);
		t = dot_fd_avx2(y, v, f);
		t = residual ? fma(-w, t, 1.0 + w) : w * t;
		dv = _mm256_set1_pd(t);
		for (j = 0; j + 4 <= f; j += 4)
			_mm256_storeu_pd(out + j, _mm256_fmadd_pd(dv, _mm256_cvtps_pd(_mm_loadu_ps(y + j)),
													  _mm256_loadu_pd(out + j)));
		for (; j < f; j++)
			out[j] = fma(t, (double) y[j], out[j]);
	}
}

ALS_AVX2 static void
residual_avx2(const AlsCgRow *row, const double *x, double *r, double *p, double *rs)
{
	rows_apply_avx2(row, true, x, r);
	memcpy(p, r, sizeof(double) * row->f);
	*rs = dot_dd_avx2(r, r, row->f);
}

/* x += a p, r -= a ap (fused multiply-adds) */
ALS_AVX2 static inline void
update_xr_avx2(double a, const double *p, const double *ap, double *x, double *r, int f)
{
	__m256d		av = _mm256_set1_pd(a);
	int			j;

	for (j = 0; j + 4 <= f; j += 4)
	{
		_mm256_storeu_pd(x + j, _mm256_fmadd_pd(av, _mm256_loadu_pd(p + j), _mm256_loadu_pd(x + j)));
		_mm256_storeu_pd(r + j, _mm256_fnmadd_pd(av, _mm256_loadu_pd(ap + j), _mm256_loadu_pd(r + j)));
	}
	for (; j < f; j++)
	{
		x[j] = fma(a, p[j], x[j]);
		r[j] = fma(-a, ap[j], r[j]);
	}
}

/* p = r + b p */
ALS_AVX2 static inline void
update_p_avx2(double b, const double *r, double *p, int f)
{
	__m256d		bv = _mm256_set1_pd(b);
	int			j;

	for (j = 0; j + 4 <= f; j += 4)
		_mm256_storeu_pd(p + j, _mm256_fmadd_pd(bv, _mm256_loadu_pd(p + j), _mm256_loadu_pd(r + j)));
	for (; j < f; j++)
		p[j] = fma(b, p[j], r[j]);
}

ALS_AVX2 static void
step_avx2(const AlsCgRow *row, double *x, double *r, double *p, double *ap, double *rs)
{
	int			f = row->f;
	double		pap,
				rs_new;

	if (!(*rs >= 1e-20))
		return;
	rows_apply_avx2(row, false, p, ap);
	pap = dot_dd_avx2(p, ap, f);
	if (!(pap > 0))
	{
		*rs = 0;
		return;
	}
	update_xr_avx2(*rs / pap, p, ap, x, r, f);
	rs_new = dot_dd_avx2(r, r, f);
	update_p_avx2(rs_new / *rs, r, p, f);
	*rs = rs_new;
}

/* y . x, both float (the lane order of the file header) */
ALS_AVX2 static inline double
dot_ff_avx2(const float *y, const float *x, int f)
{
	__m256d		s0 = _mm256_setzero_pd();
	__m256d		s1 = _mm256_setzero_pd();
	double		s;
	int			j;

	for (j = 0; j + 8 <= f; j += 8)
	{
		s0 = _mm256_fmadd_pd(_mm256_cvtps_pd(_mm_loadu_ps(y + j)), _mm256_cvtps_pd(_mm_loadu_ps(x + j)), s0);
		s1 = _mm256_fmadd_pd(_mm256_cvtps_pd(_mm_loadu_ps(y + j + 4)), _mm256_cvtps_pd(_mm_loadu_ps(x + j + 4)), s1);
	}
	s = hsum4(_mm256_add_pd(s0, s1));
	for (; j < f; j++)
		s = fma((double) y[j], (double) x[j], s);
	return s;
}

/* the terms of one entry, s its score */
ALS_AVX2 static inline void
observed_terms(double s, double c, double *obs, double *unobs)
{
	double		e = 1.0 - s;

	*obs = fma(c * e, e, *obs);
	*unobs = fma(-s, s, *unobs);
}

ALS_AVX2 static void
observed_avx2(const AlsCgRow *row, const float *x, double *obs, double *unobs)
{
	for (int k = 0; k < row->n; k++)
	{
		prefetch_row(row, k);
		observed_terms(dot_ff_avx2(row->other + (Size) row->idx[k] * row->f, x, row->f),
					   1.0 + row->alpha * row->val[k], obs, unobs);
	}
}

static const AlsKernel als_cg_avx2 = {"AVX2", own_gram_never, residual_avx2, step_avx2, observed_avx2};

/* ---- AVX-512 ---- */

#define ALS_AVX512 __attribute__((target("avx512f,avx2,fma")))

/* the sum of eight lanes: lanes l and l + 4 added, then hsum4 */
ALS_AVX512 static inline double
hsum8(__m512d s)
{
	return hsum4(_mm256_add_pd(_mm512_castpd512_pd256(s), _mm512_extractf64x4_pd(s, 1)));
}

ALS_AVX512 static inline __m512d
load8f(const float *y)
{
	return _mm512_cvtps_pd(_mm256_loadu_ps(y));
}

ALS_AVX512 static inline double
dot_fd_avx512(const float *y, const double *v, int f)
{
	__m512d		s8 = _mm512_setzero_pd();
	double		s;
	int			j;

	for (j = 0; j + 8 <= f; j += 8)
		s8 = _mm512_fmadd_pd(load8f(y + j), _mm512_loadu_pd(v + j), s8);
	s = hsum8(s8);
	for (; j < f; j++)
		s = fma((double) y[j], v[j], s);
	return s;
}

ALS_AVX512 static inline double
dot_dd_avx512(const double *a, const double *b, int f)
{
	__m512d		s8 = _mm512_setzero_pd();
	double		s;
	int			j;

	for (j = 0; j + 8 <= f; j += 8)
		s8 = _mm512_fmadd_pd(_mm512_loadu_pd(a + j), _mm512_loadu_pd(b + j), s8);
	s = hsum8(s8);
	for (; j < f; j++)
		s = fma(a[j], b[j], s);
	return s;
}

/* The pass of rows_apply_base, any f, v and out in memory. */
ALS_AVX512 static void
rows_apply_avx512(const AlsCgRow *row, bool residual, const double *v, double *out)
{
	int			f = row->f;

	for (int k = 0; k < row->n; k++)
	{
		const float *y = row->other + (Size) row->idx[k] * f;
		double		w = row->alpha * row->val[k];
		double		t;
		int			j;

		prefetch_row(row, k);
		t = dot_fd_avx512(y, v, f);
		t = residual ? fma(-w, t, 1.0 + w) : w * t;
		for (j = 0; j + 8 <= f; j += 8)
			_mm512_storeu_pd(out + j, _mm512_fmadd_pd(_mm512_set1_pd(t), load8f(y + j),
													  _mm512_loadu_pd(out + j)));
		if (j + 4 <= f)
		{
			_mm256_storeu_pd(out + j, _mm256_fmadd_pd(_mm256_set1_pd(t), _mm256_cvtps_pd(_mm_loadu_ps(y + j)),
													  _mm256_loadu_pd(out + j)));
			j += 4;
		}
		for (; j < f; j++)
			out[j] = fma(t, (double) y[j], out[j]);
	}
}

/*
 * f = 8 R factors, R = 1 .. 8: a vector in R registers of eight doubles.
 * The functions below take R as a constant (each switch case inlines its
 * own copy, the loops over g unrolled), so v, out and the entry's factors
 * stay in registers over a row's entries.
 */
#define ALS_MAX_R 8
#define ALS_UNROLL _Pragma("GCC unroll 8")

/* The pass of rows_apply_base, v and out (o, updated) in registers. */
ALS_AVX512 static inline __attribute__((always_inline)) void
rows_apply_avx512_regs(const AlsCgRow *row, bool residual, const __m512d *v, __m512d *o, int R)
{
	for (int k = 0; k < row->n; k++)
	{
		const float *y = row->other + (Size) row->idx[k] * (8 * R);
		double		w = row->alpha * row->val[k];
		__m512d		yv[ALS_MAX_R];
		__m512d		s8 = _mm512_setzero_pd();
		__m512d		tv;
		double		t;

		prefetch_row(row, k);
		ALS_UNROLL
		for (int g = 0; g < R; g++)
		{
			yv[g] = load8f(y + 8 * g);
			s8 = _mm512_fmadd_pd(yv[g], v[g], s8);
		}
		t = hsum8(s8);
		t = residual ? fma(-w, t, 1.0 + w) : w * t;
		tv = _mm512_set1_pd(t);
		ALS_UNROLL
		for (int g = 0; g < R; g++)
			o[g] = _mm512_fmadd_pd(tv, yv[g], o[g]);
	}
}

/* a . b over registers, the order of dot_dd_avx512 */
ALS_AVX512 static inline __attribute__((always_inline)) double
dot_regs_avx512(const __m512d *a, const __m512d *b, int R)
{
	__m512d		s8 = _mm512_setzero_pd();

	ALS_UNROLL
	for (int g = 0; g < R; g++)
		s8 = _mm512_fmadd_pd(a[g], b[g], s8);
	return hsum8(s8);
}

/*
 * o = G v (or -G v) for the symmetric f x f gram G (both halves), f = 8 R:
 * column i of G times v_i, the even and the odd columns in two sums added
 * at the end.  G (32 kB at 64 factors) stays in L1 over a block's rows.
 */
ALS_AVX512 static inline __attribute__((always_inline)) void
gram_product_regs(const double *gram, const double *v, bool negate, __m512d *o, int R)
{
	__m512d		a[ALS_MAX_R];
	__m512d		b[ALS_MAX_R];

	ALS_UNROLL
	for (int g = 0; g < R; g++)
		a[g] = b[g] = _mm512_setzero_pd();
	for (int i = 0; i < 8 * R; i += 2)
	{
		const double *c0 = gram + (Size) i * (8 * R);
		const double *c1 = c0 + 8 * R;
		__m512d		v0 = _mm512_set1_pd(v[i]);
		__m512d		v1 = _mm512_set1_pd(v[i + 1]);

		ALS_UNROLL
		for (int g = 0; g < R; g++)
		{
			a[g] = _mm512_fmadd_pd(_mm512_loadu_pd(c0 + 8 * g), v0, a[g]);
			b[g] = _mm512_fmadd_pd(_mm512_loadu_pd(c1 + 8 * g), v1, b[g]);
		}
	}
	ALS_UNROLL
	for (int g = 0; g < R; g++)
		o[g] = negate ? _mm512_sub_pd(_mm512_setzero_pd(), _mm512_add_pd(a[g], b[g]))
			: _mm512_add_pd(a[g], b[g]);
}

ALS_AVX512 static inline __attribute__((always_inline)) void
residual_avx512_regs(const AlsCgRow *row, const double *x, double *r, double *p, double *rs, int R)
{
	__m512d		xv[ALS_MAX_R];
	__m512d		o[ALS_MAX_R];

	gram_product_regs(row->gram, x, true, o, R);
	ALS_UNROLL
	for (int g = 0; g < R; g++)
		xv[g] = _mm512_loadu_pd(x + 8 * g);
	rows_apply_avx512_regs(row, true, xv, o, R);
	ALS_UNROLL
	for (int g = 0; g < R; g++)
	{
		_mm512_storeu_pd(r + 8 * g, o[g]);
		_mm512_storeu_pd(p + 8 * g, o[g]);
	}
	*rs = dot_regs_avx512(o, o, R);
}

ALS_AVX512 static inline __attribute__((always_inline)) void
step_avx512_regs(const AlsCgRow *row, double *x, double *r, double *p, double *rs, int R)
{
	__m512d		pv[ALS_MAX_R];
	__m512d		o[ALS_MAX_R];
	__m512d		rv[ALS_MAX_R];
	__m512d		av,
				bv;
	double		pap,
				rs_new;

	gram_product_regs(row->gram, p, false, o, R);
	ALS_UNROLL
	for (int g = 0; g < R; g++)
		pv[g] = _mm512_loadu_pd(p + 8 * g);
	rows_apply_avx512_regs(row, false, pv, o, R);
	pap = dot_regs_avx512(pv, o, R);
	if (!(pap > 0))
	{
		*rs = 0;
		return;
	}
	av = _mm512_set1_pd(*rs / pap);
	ALS_UNROLL
	for (int g = 0; g < R; g++)
	{
		_mm512_storeu_pd(x + 8 * g, _mm512_fmadd_pd(av, pv[g], _mm512_loadu_pd(x + 8 * g)));
		rv[g] = _mm512_fnmadd_pd(av, o[g], _mm512_loadu_pd(r + 8 * g));
		_mm512_storeu_pd(r + 8 * g, rv[g]);
	}
	rs_new = dot_regs_avx512(rv, rv, R);
	bv = _mm512_set1_pd(rs_new / *rs);
	ALS_UNROLL
	for (int g = 0; g < R; g++)
		_mm512_storeu_pd(p + 8 * g, _mm512_fmadd_pd(bv, pv[g], rv[g]));
	*rs = rs_new;
}

ALS_AVX512 static inline __attribute__((always_inline)) void
observed_avx512_regs(const AlsCgRow *row, const float *x, double *obs, double *unobs, int R)
{
	__m512d		xv[ALS_MAX_R];

	ALS_UNROLL
	for (int g = 0; g < R; g++)
		xv[g] = load8f(x + 8 * g);
	for (int k = 0; k < row->n; k++)
	{
		const float *y = row->other + (Size) row->idx[k] * (8 * R);
		__m512d		s8 = _mm512_setzero_pd();

		prefetch_row(row, k);
		ALS_UNROLL
		for (int g = 0; g < R; g++)
			s8 = _mm512_fmadd_pd(load8f(y + 8 * g), xv[g], s8);
		observed_terms(hsum8(s8), 1.0 + row->alpha * row->val[k], obs, unobs);
	}
}

/* one case per R = f / 8 of 1 .. 8, each with its own inlined copy */
#define ALS_REGS_SWITCH(f, call) \
	switch (f) \
	{ \
		case 8: call(1); return; \
		case 16: call(2); return; \
		case 24: call(3); return; \
		case 32: call(4); return; \
		case 40: call(5); return; \
		case 48: call(6); return; \
		case 56: call(7); return; \
		case 64: call(8); return; \
	}

ALS_AVX512 static void
residual_avx512(const AlsCgRow *row, const double *x, double *r, double *p, double *rs)
{
	int			f = row->f;

#define ALS_CALL(R) residual_avx512_regs(row, x, r, p, rs, R)
	ALS_REGS_SWITCH(f, ALS_CALL);
#undef ALS_CALL
	rows_apply_avx512(row, true, x, r);
	memcpy(p, r, sizeof(double) * f);
	*rs = dot_dd_avx512(r, r, f);
}

ALS_AVX512 static void
step_avx512(const AlsCgRow *row, double *x, double *r, double *p, double *ap, double *rs)
{
	int			f = row->f;
	double		pap,
				a,
				b,
				rs_new;
	int			j;

	if (!(*rs >= 1e-20))
		return;
#define ALS_CALL(R) step_avx512_regs(row, x, r, p, rs, R)
	ALS_REGS_SWITCH(f, ALS_CALL);
#undef ALS_CALL

	rows_apply_avx512(row, false, p, ap);
	pap = dot_dd_avx512(p, ap, f);
	if (!(pap > 0))
	{
		*rs = 0;
		return;
	}
	a = *rs / pap;
	for (j = 0; j + 8 <= f; j += 8)
	{
		__m512d		av = _mm512_set1_pd(a);

		_mm512_storeu_pd(x + j, _mm512_fmadd_pd(av, _mm512_loadu_pd(p + j), _mm512_loadu_pd(x + j)));
		_mm512_storeu_pd(r + j, _mm512_fnmadd_pd(av, _mm512_loadu_pd(ap + j), _mm512_loadu_pd(r + j)));
	}
	update_xr_avx2(a, p + j, ap + j, x + j, r + j, f - j);
	rs_new = dot_dd_avx512(r, r, f);
	b = rs_new / *rs;
	for (j = 0; j + 8 <= f; j += 8)
		_mm512_storeu_pd(p + j, _mm512_fmadd_pd(_mm512_set1_pd(b), _mm512_loadu_pd(p + j), _mm512_loadu_pd(r + j)));
	update_p_avx2(b, r + j, p + j, f - j);
	*rs = rs_new;
}

ALS_AVX512 static void
observed_avx512(const AlsCgRow *row, const float *x, double *obs, double *unobs)
{
	int			f = row->f;

#define ALS_CALL(R) observed_avx512_regs(row, x, obs, unobs, R)
	ALS_REGS_SWITCH(f, ALS_CALL);
#undef ALS_CALL
	for (int k = 0; k < row->n; k++)
	{
		const float *y = row->other + (Size) row->idx[k] * f;
		__m512d		s8 = _mm512_setzero_pd();
		double		s;
		int			j;

		prefetch_row(row, k);
		for (j = 0; j + 8 <= f; j += 8)
			s8 = _mm512_fmadd_pd(load8f(y + j), load8f(x + j), s8);
		s = hsum8(s8);
		for (; j < f; j++)
			s = fma((double) y[j], (double) x[j], s);
		observed_terms(s, 1.0 + row->alpha * row->val[k], obs, unobs);
	}
}

/* 8 to 64 factors, a multiple of 8: the register variants */
static bool
own_gram_avx512(int f)
{
	return f % 8 == 0 && f >= 8 && f <= 8 * ALS_MAX_R;
}

static const AlsKernel als_cg_avx512 = {"AVX-512", own_gram_avx512, residual_avx512, step_avx512, observed_avx512};

#endif							/* ALS_X86_VARIANTS */

/*
 * The best variant the CPU runs, at most ALS_CG_MAX_VARIANT (0 baseline,
 * 1 AVX2, 2 AVX-512): a build with COPT=-DALS_CG_MAX_VARIANT=0 or 1 tests
 * the other variants on an AVX-512 machine.
 */
#ifndef ALS_CG_MAX_VARIANT
#define ALS_CG_MAX_VARIANT 2
#endif

const AlsKernel *
als_kernel(void)
{
	static const AlsKernel *chosen = NULL;

	if (chosen == NULL)
	{
		int			level = 0;

#ifdef ALS_X86_VARIANTS
		static const AlsKernel *const variants[] = {&als_cg_base, &als_cg_avx2, &als_cg_avx512};

		__builtin_cpu_init();
		if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"))
			level = __builtin_cpu_supports("avx512f") ? 2 : 1;
		chosen = variants[Min(level, ALS_CG_MAX_VARIANT)];
#else
		chosen = &als_cg_base;
		(void) level;
#endif
	}
	return chosen;
}
