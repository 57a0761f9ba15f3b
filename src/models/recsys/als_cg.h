/*-------------------------------------------------------------------------
 *
 * als_cg.h
 *	  The per-row arithmetic of ALS's conjugate-gradient half-steps (als.c),
 *	  in variants for the instruction sets of x86-64 chosen once per backend
 *	  from the CPU, and ALS's float dot product (scores, the loss).
 *
 * A row's system is A x = b with A = G + sum_k w_k y_k y_k^T, G = Y^T Y +
 * lambda I, w_k = c_k - 1 = alpha r_k and b = sum_k c_k y_k over its n
 * entries (Hu, Koren & Volinsky 2008, eq. 4); y_k is row idx[k] of the
 * fixed side's float factors.  The products with G are done here or, when
 * the variant does not (own_gram), by the caller for a block of rows with
 * one dgemm, handed in.
 *
 *-------------------------------------------------------------------------
 */
#ifndef INSIGHT_ALS_CG_H
#define INSIGHT_ALS_CG_H

/* One row's entries and the constants of its system. */
typedef struct AlsCgRow
{
	const double *gram;			/* G, f x f (both halves) */
	const float *other;			/* the fixed side's factors, f a row */
	const uint32 *idx;			/* the entries' rows of other */
	const double *val;			/* the entries' values r_k (> 0) */
	int			n;				/* entries */
	int			ahead;			/* entries after them at idx + n (prefetched) */
	int			f;
	double		alpha;
} AlsCgRow;

typedef struct AlsKernel
{
	const char *name;

	/*
	 * Whether residual and step compute their products with G themselves
	 * (from row->gram) for f factors; if not, the caller computes them.
	 */
	bool		(*own_gram) (int f);

	/*
	 * r holds -G x on entry (unless own_gram); on return r = b - A x (the residual), p = r and
	 * *rs = r . r.
	 */
	void		(*residual) (const AlsCgRow *row, const double *x, double *r,
							 double *p, double *rs);

	/*
	 * ap holds G p on entry (unless own_gram; scratch after): one step of conjugate gradients
	 * on x, r, p and *rs = r . r, nothing when *rs < 1e-20 (converged), *rs
	 * set to 0 when p has no curvature left (p . A p <= 0).
	 */
	void		(*step) (const AlsCgRow *row, double *x, double *r, double *p,
						 double *ap, double *rs);

	/*
	 * The loss's terms of a user's entries, s_k = x . y_k in double:
	 * *obs += c_k (1 - s_k)^2 and *unobs -= s_k^2, entry by entry.
	 */
	void		(*observed) (const AlsCgRow *row, const float *x, double *obs,
							 double *unobs);
} AlsKernel;

/* The variant for this CPU (AVX-512, AVX2 with FMA, or any x86-64/other). */
extern const AlsKernel *als_kernel(void);

/* a . b in double for float vectors. */
extern double als_dot_float(const float *a, const float *b, int f);

#endif							/* INSIGHT_ALS_CG_H */
