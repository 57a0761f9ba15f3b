/*-------------------------------------------------------------------------
 *
 * als.c
 *	  Implicit-feedback alternating least squares: insight_als_fit,
 *	  insight_als_fold_in, insight_als_model, the factor exports, and the
 *	  algorithm table's entry for ALS (reader, info, scores for
 *	  insight_recommend_from, insight_similar_items_from and
 *	  insight_audience_from).
 *
 * Hu, Koren & Volinsky, "Collaborative Filtering for Implicit Feedback
 * Datasets", ICDM 2008: preference p_ui = 1 when r_ui > 0 (else 0),
 * confidence c_ui = 1 + alpha * r_ui, and the objective (their eq. 3)
 *	  L = sum_{u,i} c_ui (p_ui - x_u . y_i)^2 + lambda (sum |x_u|^2 + sum |y_i|^2)
 * over ALL user-item pairs.  With the item factors Y fixed, each user's
 * factors solve (their eq. 4)
 *	  x_u = (Y^T Y + Y^T (C^u - I) Y + lambda I)^-1 Y^T C^u p(u)
 * where Y^T Y is computed once per half-step and Y^T (C^u - I) Y only has
 * terms for the user's own items; symmetrically for items.  lambda is not
 * scaled by the number of interactions, as in the reference implementation
 * benfred/implicit (implicit.cpu.als; recalculate_user is the fold-in below).
 *
 * Two solvers of each row's system A x = b (A = Y^T C^u Y + lambda I,
 * b = Y^T C^u p(u)):
 *	- 'cg' (the default, as implicit's use_cg): a few steps of conjugate
 *	  gradients warm-started from the row's current factors (Takacs, Pilaszy
 *	  & Tikk, "Applications of the conjugate gradient method for implicit
 *	  feedback collaborative filtering", RecSys 2011, section 3.2).  A step
 *	  needs A p = G p + sum_k (c_k - 1) (y_k . p) y_k, O(f^2 + n f) against
 *	  the exact solve's O(n f^2 + f^3): the factors improve a little per
 *	  iteration rather than jump to the half-step's optimum, and with f steps
 *	  CG reaches it (exact arithmetic).  The SQL default is 4 steps
 *	  (implicit's is 3): on Online Retail, 3 steps left the recommender's
 *	  hit rate@10 1.04% below the exact solver's, 4 kept every metric within
 *	  1% (docs/reference/recommender.md).  Each row's arithmetic is in
 *	  als_cg.c, in variants for AVX-512, AVX2 and the baseline chosen from
 *	  the CPU.
 *	- 'exact': Cholesky (LAPACK dpotrf/dpotrs, src/math/linalg.c).
 *
 * Factors are float32 (as implicit); every system is formed and solved in
 * double from the float32 factors of the other side.  Initial item factors
 * are uniform in [0, 0.01) from a PRNG seeded with 'seed' (implicit's
 * initialisation), users are solved first.  The run is single-threaded, so
 * the same data and seed give the same bytes.
 *
 * Loss after each iteration (the objective L above, exactly):
 *	  sum_obs c (1 - s)^2 + (sum_u x_u^T (Y^T Y) x_u - sum_obs s^2) + lambda (...)
 * with s = x_u . y_i; the middle term is the sum over unobserved pairs.
 *
 * Model part after the shared matrix (recommend.h), counts[3] = factors f:
 *	  float8 regularization, float8 alpha, uint32 iterations, uint64 seed,
 *	  float8 loss[iterations], float4 user factors[users x f],
 *	  float4 item factors[items x f]
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <float.h>
#include <math.h>

#include "catalog/pg_type.h"
#include "common/pg_prng.h"
#include "funcapi.h"
#include "portability/instr_time.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/tuplestore.h"

#include "core/insight.h"
#include "core/model_cache.h"
#include "core/row_reader.h"
#include "core/util.h"
#include "math/linalg.h"
#include "models/recsys/als_cg.h"
#include "models/recsys/recommend.h"

#define ALS_MAX_FACTORS 4096

/*
 * CG solves the rows of a half-step in blocks of ALS_CG_BLOCK_ROWS rows in
 * step, so that each step's products with G = Y^T Y + lambda I are one matrix
 * product P G over the block (BLAS dgemm) instead of a matrix-vector product
 * per row: on sparse data (tens of interactions a row) those f x f products
 * are half of a step's arithmetic.  64 rows: in a sweep of 16, 32, 64 and
 * 128 on the benchmark's synthetic data (a loaded machine, so within noise)
 * 64 was the fastest.
 */
#define ALS_CG_BLOCK_ROWS 64

/* Work space for solving the rows' normal equations. */
typedef struct AlsSolver
{
	int			f;
	double		alpha;
	int			cg_steps;		/* 0: exact (Cholesky) */
	const double *gram;			/* Y^T Y + lambda I (both halves) */
	const float *other;			/* factors of the fixed side */
	/* exact: the system, its right-hand side, the row's weighted factors */
	double	   *a;
	double	   *b;
	double	   *gather;
	/* CG, ALS_CG_BLOCK_ROWS x f each: factors, residuals, directions, A p */
	double	   *x;
	double	   *r;
	double	   *p;
	double	   *ap;
	double	   *rs;				/* CG: each row's squared residual */
} AlsSolver;

/* What als_solver_init allocates, for the training-memory check. */
static Size
als_solver_bytes(int f, int cg_steps, Size max_len)
{
	if (cg_steps > 0)
		return sizeof(double) * (4 * f + 1) * ALS_CG_BLOCK_ROWS;
	return add_size(mul_size(sizeof(double) * f, Max(max_len, 1)),
					sizeof(double) * (f + 1) * f);
}

/* cg_steps 0: the exact solver; max_len: the longest row it will solve. */
static void
als_solver_init(AlsSolver *s, int f, double alpha, int cg_steps, Size max_len)
{
	s->f = f;
	s->alpha = alpha;
	s->cg_steps = cg_steps;
	if (cg_steps > 0)
	{
		s->x = palloc(sizeof(double) * f * ALS_CG_BLOCK_ROWS);
		s->r = palloc(sizeof(double) * f * ALS_CG_BLOCK_ROWS);
		s->p = palloc(sizeof(double) * f * ALS_CG_BLOCK_ROWS);
		s->ap = palloc(sizeof(double) * f * ALS_CG_BLOCK_ROWS);
		s->rs = palloc(sizeof(double) * ALS_CG_BLOCK_ROWS);
	}
	else
	{
		s->a = palloc(sizeof(double) * f * f);
		s->b = palloc(sizeof(double) * f);
		s->gather = palloc_extended(mul_size(sizeof(double) * f, Max(max_len, 1)),
									MCXT_ALLOC_HUGE);
	}
}

/*
 * x = (G + sum_k (c_k - 1) y_k y_k^T)^-1 sum_k c_k y_k over the n entries
 * (index idx[k], value r_k), c_k = 1 + alpha r_k (Hu et al. eq. 4).
 */
static void
als_solve_row(AlsSolver *s, const uint32 *idx, const double *r, int n, double *x)
{
	int			f = s->f;

	memcpy(s->a, s->gram, sizeof(double) * f * f);
	memset(s->b, 0, sizeof(double) * f);
	for (int k = 0; k < n; k++)
	{
		const float *y = s->other + (Size) idx[k] * f;
		double		c = 1.0 + s->alpha * r[k];
		double		w = sqrt(c - 1.0);
		double	   *g = s->gather + (Size) k * f;

		for (int j = 0; j < f; j++)
		{
			g[j] = w * (double) y[j];
			s->b[j] += c * (double) y[j];
		}
	}
	insight_gram_lower(s->gather, n, f, s->a, f, true);
	if (!insight_cholesky_solve(s->a, s->b, f))
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("the ALS normal equations are not positive definite"),
				 errdetail("Y^T C Y + regularization I has no Cholesky factor."),
				 errhint("Use a positive regularization.")));
	memcpy(x, s->b, sizeof(double) * f);
}

/* Row i of a block of rows (ptr: the block's row pointers). */
static inline void
als_cg_row(AlsCgRow *row, const uint32 *ptr, const uint32 *idx, const double *val,
		   int rows, int i)
{
	row->idx = idx + ptr[i];
	row->val = val + ptr[i];
	row->n = (int) (ptr[i + 1] - ptr[i]);
	row->ahead = (int) (ptr[rows] - ptr[i + 1]);
}

/*
 * cg_steps of conjugate gradients on each row's A x = b, x starting from the
 * rows' current float factors 'solve' (rows x f, replaced by the result)
 * (Takacs et al. 2011, algorithm of section 3.2; implicit's
 * _least_squares_cg) for a block of rows (ptr: the block's row pointers),
 * all in step: one dgemm P G for the block (unless the kernel computes each
 * row's G p itself: AVX-512 at 8 to 64 factors), then each row's own terms
 * and update (als_cg.c).  A row stops early when its squared
 * residual falls below 1e-20 (implicit's threshold) or its direction has no
 * curvature left (p = 0 in floating point).  b = Yu^T c needs no term of the
 * unobserved items (p = 0 there).
 */
static void
als_cg_block(AlsSolver *s, const uint32 *ptr, const uint32 *idx, const double *val,
			 int rows, float *solve)
{
	int			f = s->f;
	const AlsKernel *kernel = als_kernel();
	bool		own_gram = kernel->own_gram(f);
	AlsCgRow	row;

	row.gram = s->gram;
	row.other = s->other;
	row.f = f;
	row.alpha = s->alpha;
	for (Size j = 0; j < (Size) rows * f; j++)
		s->x[j] = (double) solve[j];

	/* r = b - A x = -G x + Yu^T (c - w o (Yu x)), p = r */
	if (!own_gram)
		insight_dgemm(false, false, rows, f, f, -1.0, s->x, s->gram, 0.0, s->r);
	for (int i = 0; i < rows; i++)
	{
		als_cg_row(&row, ptr, idx, val, rows, i);
		kernel->residual(&row, s->x + (Size) i * f, s->r + (Size) i * f,
						 s->p + (Size) i * f, &s->rs[i]);
	}

	for (int step = 0; step < s->cg_steps; step++)
	{
		if (!own_gram)
			insight_dgemm(false, false, rows, f, f, 1.0, s->p, s->gram, 0.0, s->ap);
		for (int i = 0; i < rows; i++)
		{
			als_cg_row(&row, ptr, idx, val, rows, i);
			kernel->step(&row, s->x + (Size) i * f, s->r + (Size) i * f,
						 s->p + (Size) i * f, s->ap + (Size) i * f, &s->rs[i]);
		}
	}
	for (Size j = 0; j < (Size) rows * f; j++)
		solve[j] = (float) s->x[j];
}

/* gram = F^T F (lower triangle) for n rows of float factors. */
static void
als_gram(const float *factors, Size n, int f, double *gram, double *copy)
{
	for (Size k = 0; k < n * f; k++)
		copy[k] = (double) factors[k];
	insight_gram_lower(copy, (int) n, f, gram, f, false);
}

/*
 * system = gram + lambda I, both halves (the exact solver reads the lower
 * triangle, CG's dgemm both) from the lower triangle of gram = F^T F.
 */
static void
als_system_gram(const double *gram, int f, double lambda, double *system)
{
	for (int i = 0; i < f; i++)
	{
		for (int j = 0; j < i; j++)
			system[i * f + j] = system[j * f + i] = gram[i * f + j];
		system[i * f + i] = gram[i * f + i] + lambda;
	}
}

/*
 * One half-step: every row of 'solve' from the fixed 'other' side, exactly
 * or by CG from the rows' current factors.
 */
static void
als_half_step(AlsSolver *s, const uint32 *ptr, const uint32 *idx, const double *val,
			  Size rows, float *solve)
{
	int			f = s->f;

	if (s->cg_steps > 0)
	{
		for (Size u = 0; u < rows; u += ALS_CG_BLOCK_ROWS)
		{
			CHECK_FOR_INTERRUPTS();
			als_cg_block(s, ptr + u, idx, val, (int) Min(ALS_CG_BLOCK_ROWS, rows - u),
						 solve + u * f);
		}
	}
	else
	{
		double	   *x = palloc(sizeof(double) * f);

		for (Size u = 0; u < rows; u++)
		{
			if ((u & 255) == 0)
				CHECK_FOR_INTERRUPTS();
			als_solve_row(s, idx + ptr[u], val + ptr[u], (int) (ptr[u + 1] - ptr[u]), x);
			for (int j = 0; j < f; j++)
				solve[u * f + j] = (float) x[j];
		}
		pfree(x);
	}
}


/*
 * The objective of Hu et al. (eq. 3), exactly (see the file header), from
 * the grams gx = X^T X and gy = Y^T Y (lower triangles) of the factors:
 * sum_u x_u^T (Y^T Y) x_u = <X^T X, Y^T Y> (Frobenius) and
 * sum |x_u|^2 = trace(X^T X).
 */
static double
als_loss(const RecMatrix *m, const float *X, const float *Y, int f, double lambda,
		 double alpha, const double *gx, const double *gy)
{
	const AlsKernel *kernel = als_kernel();
	AlsCgRow	row = {0};
	double		obs = 0;
	double		unobs = 0;
	double		reg = 0;

	for (int a = 0; a < f; a++)
	{
		unobs += gx[a * f + a] * gy[a * f + a];
		for (int b = 0; b < a; b++)
			unobs += 2.0 * gx[a * f + b] * gy[a * f + b];
		reg += gx[a * f + a] + gy[a * f + a];
	}
	row.other = Y;
	row.f = f;
	row.alpha = alpha;
	for (int32 u = 0; u < m->n_users; u++)
	{
		als_cg_row(&row, m->indptr, m->indices, m->values, m->n_users, u);
		kernel->observed(&row, X + (Size) u * f, &obs, &unobs);
	}
	return obs + unobs + lambda * reg;
}

static void
check_als_params(int32 factors, double regularization, double alpha, int32 iterations)
{
	if (factors < 1 || factors > ALS_MAX_FACTORS)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("factors must be between 1 and %d, not %d", ALS_MAX_FACTORS, factors)));
	if (!(regularization >= 0) || !isfinite(regularization))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("regularization must be a finite number >= 0, not %g", regularization)));
	if (!(alpha >= 0) || !isfinite(alpha))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("alpha must be a finite number >= 0, not %g", alpha),
				 errdetail("The confidence of an interaction r is 1 + alpha * r.")));
	if (iterations < 1 || iterations > 10000)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("iterations must be between 1 and 10000, not %d", iterations)));
}

/* The solver's CG steps (0: exact); errors for an unknown solver or steps. */
static int32
check_als_solver(const char *solver, int32 cg_steps)
{
	if (strcmp(solver, "exact") == 0)
		return 0;
	if (strcmp(solver, "cg") != 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("unknown ALS solver \"%s\"", solver),
				 errdetail("The solver finds each user's and item's factors in a half-step."),
				 errhint("Use 'cg' (conjugate gradients, the default) or 'exact' (Cholesky).")));
	if (cg_steps < 1 || cg_steps > ALS_MAX_FACTORS)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("cg_steps must be between 1 and %d, not %d", ALS_MAX_FACTORS, cg_steps),
				 errdetail("Each conjugate-gradient step moves every row's factors closer to its least-squares solution; as many steps as factors reach it.")));
	return cg_steps;
}

static void
als_write(InsightModelWriter *w, const RecMatrix *m, int f, double lambda, double alpha,
		  int32 iterations, uint64 seed, const double *loss, const float *X, const float *Y)
{
	insight_writer_init(w, INSIGHT_ALG_ALS);
	rec_write_matrix(w, m, (uint32) f);
	insight_write_float8(w, lambda);
	insight_write_float8(w, alpha);
	insight_write_uint32(w, (uint32) iterations);
	insight_write_uint64(w, seed);
	insight_write_float8_array(w, loss, iterations);
	insight_write_float4_array(w, X, (Size) m->n_users * f);
	insight_write_float4_array(w, Y, (Size) m->n_items * f);
}

static Size
max_row_length(const uint32 *ptr, Size rows)
{
	Size		mx = 0;

	for (Size r = 0; r < rows; r++)
		mx = Max(mx, (Size) (ptr[r + 1] - ptr[r]));
	return mx;
}

PG_FUNCTION_INFO_V1(insight_als_fit);
Datum
insight_als_fit(PG_FUNCTION_ARGS)
{
	int32		f = PG_GETARG_INT32(1);
	double		lambda = PG_GETARG_FLOAT8(2);
	double		alpha = PG_GETARG_FLOAT8(3);
	int32		iterations = PG_GETARG_INT32(4);
	uint64		seed = (uint64) PG_GETARG_INT64(5);
	/* the 0.1.0 SQL declaration has no solver arguments: exact, as then */
	char	   *solver = PG_NARGS() > 6 ? text_to_cstring(PG_GETARG_TEXT_PP(6)) : "exact";
	int32		cg_steps = PG_NARGS() > 7 ? PG_GETARG_INT32(7) : 0;
	RecMatrix	m;
	uint32	   *iptr;
	uint32	   *iidx;
	double	   *ival;
	float	   *X;
	float	   *Y;
	double	   *gx;
	double	   *gy;
	double	   *system;
	double	   *copy;
	double	   *loss;
	AlsSolver	s;
	Size		max_len;
	Size		need;
	pg_prng_state rng;
	InsightModelWriter w;

	check_als_params(f, lambda, alpha, iterations);
	cg_steps = check_als_solver(solver, cg_steps);
	rec_matrix_from_query(text_to_cstring(PG_GETARG_TEXT_PP(0)), "insight_als_fit", &m);
	if (m.nnz == 0)
		PG_RETURN_NULL();

	/* everything training holds besides the matrix read above */
	max_len = Max(max_row_length(m.indptr, m.n_users), (Size) m.n_users);
	need = add_size(rec_matrix_bytes(m.n_users, m.n_items, m.nnz),
					mul_size(sizeof(uint32) + sizeof(double), (Size) m.nnz));
	need = add_size(need, mul_size(sizeof(float) * f, (Size) m.n_users + m.n_items));
	need = add_size(need, mul_size(sizeof(double) * f, Max((Size) m.n_users, (Size) m.n_items)));
	need = add_size(need, als_solver_bytes(f, cg_steps, max_len));
	insight_check_training_memory(need, "insight_als_fit");

	rec_matrix_transpose(&m, &iptr, &iidx, &ival);
	/*
	 * The factors in memory of their own with transparent huge pages
	 * (core/row_reader.c): the half-steps read the other side's rows at
	 * random, and with 4 kB pages the TLB misses cost more than the reads
	 * (at 64 factors, CG iterations 10-15% faster).  X zero: where CG starts
	 * the first user half-step (exact ignores it).
	 */
	X = insight_rows_alloc(CurrentMemoryContext, sizeof(float) * f * (Size) m.n_users);
	memset(X, 0, sizeof(float) * f * (Size) m.n_users);
	Y = insight_rows_alloc(CurrentMemoryContext, sizeof(float) * f * (Size) m.n_items);
	copy = palloc_extended(sizeof(double) * f * Max((Size) m.n_users, (Size) m.n_items), MCXT_ALLOC_HUGE);
	gx = palloc(sizeof(double) * f * f);
	gy = palloc(sizeof(double) * f * f);
	system = palloc(sizeof(double) * f * f);
	loss = palloc(sizeof(double) * iterations);
	pg_prng_seed(&rng, seed);
	for (Size k = 0; k < (Size) m.n_items * f; k++)
		Y[k] = (float) (pg_prng_double(&rng) * 0.01);
	als_solver_init(&s, f, alpha, cg_steps, Max(max_row_length(m.indptr, m.n_users),
												max_row_length(iptr, m.n_items)));
	s.gram = system;
	als_gram(Y, m.n_items, f, gy, copy);

	for (int32 it = 0; it < iterations; it++)
	{
		instr_time	start,
					elapsed;

		CHECK_FOR_INTERRUPTS();
		INSTR_TIME_SET_CURRENT(start);
		als_system_gram(gy, f, lambda, system);
		s.other = Y;
		als_half_step(&s, m.indptr, m.indices, m.values, m.n_users, X);
		als_gram(X, m.n_users, f, gx, copy);
		als_system_gram(gx, f, lambda, system);
		s.other = X;
		als_half_step(&s, iptr, iidx, ival, m.n_items, Y);
		/* Y^T Y of the new item factors: the loss's, and the next user half-step's */
		als_gram(Y, m.n_items, f, gy, copy);
		loss[it] = als_loss(&m, X, Y, f, lambda, alpha, gx, gy);
		INSTR_TIME_SET_CURRENT(elapsed);
		INSTR_TIME_SUBTRACT(elapsed, start);
		ereport(NOTICE,
				(errmsg("insight_als_fit: iteration %d of %d, loss %.6g",
						it + 1, iterations, loss[it]),
				 errdetail("%s solver, %.3f s for the iteration (both half-steps and the loss).",
						   cg_steps > 0 ? psprintf("CG (%d steps, %s kernel)", cg_steps, als_kernel()->name) : "exact",
						   INSTR_TIME_GET_DOUBLE(elapsed))));
	}
	als_write(&w, &m, f, lambda, alpha, iterations, seed, loss, X, Y);
	PG_RETURN_BYTEA_P(insight_writer_finish(&w));
}

void *
als_decode(InsightModel *im)
{
	RecModel   *model = rec_model_begin(im);
	Size		f = im->header.counts[3];
	Size		nf;

	if (f < 1 || f > ALS_MAX_FACTORS)
		insight_model_corrupt(psprintf("An ALS model cannot have %zu factors.", f));
	model->factors = (int32) f;
	model->regularization = insight_read_float8(im);
	model->alpha = insight_read_float8(im);
	model->iterations = (int32) insight_read_uint32(im);
	model->seed = insight_read_uint64(im);
	if (!(model->regularization >= 0) || !isfinite(model->regularization) ||
		!(model->alpha >= 0) || !isfinite(model->alpha) ||
		model->iterations < 0 || model->iterations > 10000)
		insight_model_corrupt("The ALS parameters are out of range.");
	rec_expect_values(im, model->iterations, sizeof(double), "loss values");
	model->loss = palloc(sizeof(double) * Max(model->iterations, 1));
	insight_read_float8_array(im, model->loss, model->iterations);
	nf = (Size) model->m.n_users * f;
	rec_expect_values(im, nf, sizeof(float), "user factors");
	model->user_factors = palloc_extended(sizeof(float) * Max(nf, 1), MCXT_ALLOC_HUGE);
	insight_read_float4_array(im, model->user_factors, nf);
	nf = (Size) model->m.n_items * f;
	rec_expect_values(im, nf, sizeof(float), "item factors");
	model->item_factors = palloc_extended(sizeof(float) * Max(nf, 1), MCXT_ALLOC_HUGE);
	insight_read_float4_array(im, model->item_factors, nf);
	for (Size k = 0; k < (Size) model->m.n_users * f; k++)
		if (!isfinite(model->user_factors[k]))
			insight_model_corrupt("A user factor is not finite.");
	for (Size k = 0; k < nf; k++)
		if (!isfinite(model->item_factors[k]))
			insight_model_corrupt("An item factor is not finite.");
	rec_model_end(im, model);
	return model;
}

/* scores[r] = rows[r] . v for n rows of f factors: the ALS score x_u . y_i. */
static void
dot_rows(const float *rows, int32 n, int f, const float *v, double *scores)
{
	for (int32 r = 0; r < n; r++)
		scores[r] = als_dot_float(rows + (Size) r * f, v, f);
}

/* x_u . y_i of every item i. */
void
als_score_items(const void *rec, int32 user, double *scores)
{
	const RecModel *model = rec;

	dot_rows(model->item_factors, model->m.n_items, model->factors,
			 model->user_factors + (Size) user * model->factors, scores);
}

/* Cosine of item factors (as implicit's similar_items); 0 for a zero vector. */
void
als_similar_items(const void *rec, int32 item, double *scores)
{
	const RecModel *model = rec;
	int			f = model->factors;
	const float *y = model->item_factors + (Size) item * f;
	double		ny = sqrt(als_dot_float(y, y, f));

	for (int32 i = 0; i < model->m.n_items; i++)
	{
		const float *z = model->item_factors + (Size) i * f;
		double		nz = sqrt(als_dot_float(z, z, f));

		scores[i] = (ny > 0 && nz > 0) ? als_dot_float(y, z, f) / (ny * nz) : 0.0;
	}
}

/* x_u . y_i of every user u: the score insight_recommend_from gives item i. */
void
als_score_users(const void *rec, int32 item, double *scores)
{
	const RecModel *model = rec;

	dot_rows(model->user_factors, model->m.n_users, model->factors,
			 model->item_factors + (Size) item * model->factors, scores);
}

void
als_info(const void *rec, StringInfo buf)
{
	const RecModel *model = rec;

	rec_info_matrix(model, buf);
	insight_json_int64(buf, "factors", model->factors);
	insight_json_float8(buf, "regularization", model->regularization);
	insight_json_float8(buf, "alpha", model->alpha);
	insight_json_int64(buf, "iterations", model->iterations);
	insight_json_int64(buf, "seed", (int64) model->seed);
	insight_json_float8_array(buf, "loss", model->loss, model->iterations);
}

static InsightModelReader
als_lookup(const InsightModelHeader *header, int expected pg_attribute_unused())
{
	if (header->algorithm != INSIGHT_ALG_ALS)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("model is a \"%s\" model, not an \"als\" model",
						insight_algorithm_name(header->algorithm)),
				 errhint("Pass a model from insight_als_fit or insight_als_model.")));
	return als_decode;
}

static const RecModel *
als_model_arg(FunctionCallInfo fcinfo)
{
	return insight_model_cache_get(fcinfo, 0, als_lookup, INSIGHT_ALG_ALS, NULL);
}

/* text[] elements as C strings; NULL elements stay NULL. */
static char **
text_array_elements(ArrayType *a, int *n, const char *what)
{
	Datum	   *elems;
	bool	   *nulls;
	char	  **out;

	if (ARR_NDIM(a) > 1)
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("%s must be a one-dimensional array", what)));
	deconstruct_array(a, TEXTOID, -1, false, TYPALIGN_INT, &elems, &nulls, n);
	out = palloc(sizeof(char *) * Max(*n, 1));
	for (int k = 0; k < *n; k++)
		out[k] = nulls[k] ? NULL : TextDatumGetCString(elems[k]);
	return out;
}

typedef struct FoldEntry
{
	uint32		item;
	double		value;
} FoldEntry;

static int
cmp_fold(const void *a, const void *b)
{
	const FoldEntry *x = a;
	const FoldEntry *y = b;

	if (x->item != y->item)
		return x->item < y->item ? -1 : 1;
	if (x->value != y->value)
		return x->value < y->value ? -1 : 1;
	return 0;
}

/*
 * The factors of a user the model has not seen, from (item, value) pairs:
 * one user half-step (eq. 4) with the model's item factors, i.e. implicit's
 * recalculate_user.  Entries of the same item sum; items the model does not
 * know and NULL pairs are ignored; pairs whose sum is <= 0 are dropped, as
 * in training.  No entries give exactly zero factors.
 */
PG_FUNCTION_INFO_V1(insight_als_fold_in);
Datum
insight_als_fold_in(PG_FUNCTION_ARGS)
{
	const RecModel *model = als_model_arg(fcinfo);
	ArrayType  *vals = PG_GETARG_ARRAYTYPE_P(2);
	int			f = model->factors;
	char	  **keys;
	int			nk;
	Datum	   *vdat;
	bool	   *vnull;
	int			nv;
	FoldEntry  *e;
	int			ne = 0;
	int			nm = 0;
	uint32	   *idx;
	double	   *r;
	double	   *gram;
	double	   *system;
	double	   *copy;
	double	   *x;
	AlsSolver	s;

	keys = text_array_elements(PG_GETARG_ARRAYTYPE_P(1), &nk, "item_keys");
	if (ARR_NDIM(vals) > 1 || ARR_ELEMTYPE(vals) != FLOAT8OID)
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("item_values must be a one-dimensional float8[] array")));
	deconstruct_array(vals, FLOAT8OID, 8, FLOAT8PASSBYVAL, TYPALIGN_DOUBLE, &vdat, &vnull, &nv);
	if (nk != nv)
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("item_keys has %d elements but item_values has %d", nk, nv),
				 errdetail("Each value belongs to the item key at the same position.")));

	e = palloc(sizeof(FoldEntry) * Max(nk, 1));
	for (int k = 0; k < nk; k++)
	{
		int32		i;
		double		v;

		if (keys[k] == NULL || vnull[k])
			continue;
		v = DatumGetFloat8(vdat[k]);
		if (!isfinite(v))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("item_values must be finite"),
					 errdetail("Element %d is %s.", k + 1, isnan(v) ? "NaN" : "infinite")));
		i = rec_find_key(model->m.item_keys, model->m.n_items, keys[k]);
		if (i < 0)
			continue;
		e[ne].item = (uint32) i;
		e[ne].value = v;
		ne++;
	}
	qsort(e, ne, sizeof(FoldEntry), cmp_fold);
	idx = palloc(sizeof(uint32) * Max(ne, 1));
	r = palloc(sizeof(double) * Max(ne, 1));
	for (int k = 0; k < ne;)
	{
		FoldEntry	sum = e[k];

		for (k++; k < ne && e[k].item == sum.item; k++)
			sum.value += e[k].value;
		if (sum.value > 0)
		{
			idx[nm] = sum.item;
			r[nm] = sum.value;
			nm++;
		}
	}

	x = palloc0(sizeof(double) * f);
	if (nm > 0)
	{
		gram = palloc(sizeof(double) * f * f);
		system = palloc(sizeof(double) * f * f);
		copy = palloc_extended(sizeof(double) * f * Max((Size) model->m.n_items, 1), MCXT_ALLOC_HUGE);
		als_gram(model->item_factors, model->m.n_items, f, gram, copy);
		als_system_gram(gram, f, model->regularization, system);
		als_solver_init(&s, f, model->alpha, 0, nm);
		s.gram = system;
		s.other = model->item_factors;
		als_solve_row(&s, idx, r, nm, x);
	}
	PG_RETURN_ARRAYTYPE_P(insight_float8_array(x, f));
}

typedef struct KeyRow
{
	char	   *key;
	int			row;
} KeyRow;

static int
cmp_key_row(const void *a, const void *b)
{
	return strcmp(((const KeyRow *) a)->key, ((const KeyRow *) b)->key);
}

/*
 * An ALS model from item factors trained elsewhere (n_items x factors), to
 * serve with insight_als_fold_in and insight_similar_items_from.  It has
 * no users and no interactions.
 */
PG_FUNCTION_INFO_V1(insight_als_model);
Datum
insight_als_model(PG_FUNCTION_ARGS)
{
	ArrayType  *fa = PG_GETARG_ARRAYTYPE_P(1);
	double		lambda = PG_GETARG_FLOAT8(2);
	double		alpha = PG_GETARG_FLOAT8(3);
	char	  **keys;
	int			n;
	int			f;
	const double *data;
	KeyRow	   *rows;
	RecMatrix	m;
	float	   *Y;
	InsightModelWriter w;

	keys = text_array_elements(PG_GETARG_ARRAYTYPE_P(0), &n, "item_keys");
	if (ARR_ELEMTYPE(fa) != FLOAT8OID || ARR_NDIM(fa) != 2 || ARR_HASNULL(fa))
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("item_factors must be a two-dimensional float8[] array without NULLs"),
				 errdetail("Row k holds the factors of item_keys[k]: an items x factors matrix.")));
	if (ARR_DIMS(fa)[0] != n)
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("item_factors has %d rows but item_keys has %d elements", ARR_DIMS(fa)[0], n)));
	if (n == 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("an ALS model needs at least one item")));
	f = ARR_DIMS(fa)[1];
	check_als_params(f, lambda, alpha, 1);
	data = (const double *) ARR_DATA_PTR(fa);

	rows = palloc(sizeof(KeyRow) * n);
	for (int k = 0; k < n; k++)
	{
		if (keys[k] == NULL)
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("item_keys must not contain NULLs")));
		rows[k].key = keys[k];
		rows[k].row = k;
	}
	qsort(rows, n, sizeof(KeyRow), cmp_key_row);
	memset(&m, 0, sizeof(m));
	m.n_items = n;
	m.item_keys = palloc(sizeof(char *) * n);
	m.indptr = palloc0(sizeof(uint32));
	Y = palloc(sizeof(float) * (Size) n * f);
	for (int k = 0; k < n; k++)
	{
		if (k > 0 && strcmp(rows[k - 1].key, rows[k].key) == 0)
			ereport(ERROR,
					(errcode(ERRCODE_UNIQUE_VIOLATION),
					 errmsg("item key \"%s\" appears more than once", rows[k].key)));
		m.item_keys[k] = rows[k].key;
		for (int j = 0; j < f; j++)
		{
			double		v = data[(Size) rows[k].row * f + j];

			if (!isfinite(v) || fabs(v) > FLT_MAX)
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("item factors must be finite float4 values"),
						 errdetail("Item \"%s\", factor %d is %g.", rows[k].key, j + 1, v)));
			Y[(Size) k * f + j] = (float) v;
		}
	}
	als_write(&w, &m, f, lambda, alpha, 0, 0, NULL, NULL, Y);
	PG_RETURN_BYTEA_P(insight_writer_finish(&w));
}

/* Rows (key, factors) of one side of an ALS model. */
static Datum
als_factor_rows(FunctionCallInfo fcinfo, bool users)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	const RecModel *model;
	int32		n;
	int			f;
	double	   *x;

	InitMaterializedSRF(fcinfo, 0);
	model = als_model_arg(fcinfo);
	n = users ? model->m.n_users : model->m.n_items;
	f = model->factors;
	x = palloc(sizeof(double) * f);
	for (int32 r = 0; r < n; r++)
	{
		const float *src = (users ? model->user_factors : model->item_factors) + (Size) r * f;
		Datum		values[2];
		bool		nulls[2] = {false, false};

		for (int j = 0; j < f; j++)
			x[j] = (double) src[j];
		values[0] = CStringGetTextDatum(users ? model->m.user_keys[r] : model->m.item_keys[r]);
		values[1] = PointerGetDatum(insight_float8_array(x, f));
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	return (Datum) 0;
}

PG_FUNCTION_INFO_V1(insight_als_user_factors);
Datum
insight_als_user_factors(PG_FUNCTION_ARGS)
{
	return als_factor_rows(fcinfo, true);
}

PG_FUNCTION_INFO_V1(insight_als_item_factors);
Datum
insight_als_item_factors(PG_FUNCTION_ARGS)
{
	return als_factor_rows(fcinfo, false);
}
