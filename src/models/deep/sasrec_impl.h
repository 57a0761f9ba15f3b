/*-------------------------------------------------------------------------
 *
 * sasrec_impl.h
 *	  The SASRec network (sasrec.h) in one precision: compiled by
 *	  sasrec_float.c (NN_IMPL_FLOAT: float, training) and sasrec_double.c
 *	  (double: gradient checks, the PyTorch peer test).
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "utils/memutils.h"

#include "models/deep/sasrec.h"

#ifdef NN_IMPL_FLOAT
#define NN_REAL float
#define NN_SUFFIX _f
#else
#define NN_REAL double
#define NN_SUFFIX _d
#endif
#define REAL NN_REAL
#define SNet NN_NAME(SasrecNet)

Size
NN_NAME(sasrec_net_bytes) (const SasrecShape *shape, int batch, int negatives)
{
	NnArch		arch;
	int			rows = batch * shape->length;

	sasrec_arch(&arch, shape);
	return add_size(add_size(NN_NAME(nn_net_bytes) (&arch, rows),
							 mul_size(4 * sizeof(REAL), sasrec_table_params(shape))),
					mul_size((Size) rows, sizeof(int32) * (2 + negatives)));
}

SNet *
NN_NAME(sasrec_net_create) (const SasrecShape *shape, int batch, int negatives,
							MemoryContext parent)
{
	SNet	   *s = MemoryContextAllocZero(parent, sizeof(SNet));
	Size		rows = (Size) batch * shape->length;

	s->shape = *shape;
	s->arch = MemoryContextAlloc(parent, sizeof(NnArch));
	sasrec_arch(s->arch, shape);
	s->net = NN_NAME(nn_net_create) (s->arch, (int) rows, parent);
	s->net->input_gradient = true;
	s->batch = batch;
	s->negatives = negatives;
	s->ntable = sasrec_table_params(shape);
	s->table = MemoryContextAllocExtended(s->net->cxt, s->ntable * sizeof(REAL),
										  MCXT_ALLOC_HUGE | MCXT_ALLOC_ZERO);
	s->gtable = MemoryContextAllocExtended(s->net->cxt, s->ntable * sizeof(REAL),
										   MCXT_ALLOC_HUGE | MCXT_ALLOC_ZERO);
	s->ids = MemoryContextAllocZero(s->net->cxt, rows * sizeof(int32));
	s->pos = MemoryContextAllocZero(s->net->cxt, rows * sizeof(int32));
	s->neg = MemoryContextAllocZero(s->net->cxt, rows * negatives * sizeof(int32));
	return s;
}

void
NN_NAME(sasrec_net_init) (SNet *s, int64 seed)
{
	pg_prng_state rng;
	int			d = s->shape.hidden;
	Size		ne = ((Size) s->shape.items + 1) * d;
	double		ae = sqrt(6.0 / (s->shape.items + 1 + d));
	double		ap = sqrt(6.0 / (s->shape.length + d));

	NN_NAME(nn_net_init) (s->net, seed);
	/* the tables from a stream of their own */
	nn_rng_seed(&rng, seed ^ INT64CONST(0x2545F4914F6CDD1D));
	for (Size j = 0; j < s->ntable; j++)
	{
		double		a = j < ne ? ae : ap;

		s->table[j] = (REAL) (a * (2 * pg_prng_double(&rng) - 1));
	}
	memset(s->table, 0, sizeof(REAL) * d);	/* the padding item */
}

void
NN_NAME(sasrec_set_params) (SNet *s, const double *params)
{
	for (Size j = 0; j < s->ntable; j++)
		s->table[j] = (REAL) params[j];
	NN_NAME(nn_set_params) (s->net, params + s->ntable);
}

void
NN_NAME(sasrec_get_params) (const SNet *s, double *out)
{
	NN_NAME(nn_get) (s->table, out, s->ntable);
	NN_NAME(nn_get) (s->net->params, out + s->ntable, s->arch->nparams);
}

void
NN_NAME(sasrec_get_grads) (const SNet *s, double *out)
{
	NN_NAME(nn_get) (s->gtable, out, s->ntable);
	NN_NAME(nn_get) (s->net->grads, out + s->ntable, s->arch->nparams);
}

REAL *
NN_NAME(sasrec_forward) (SNet *s, int b)
{
	int			d = s->shape.hidden;
	int			n = b * s->shape.length;
	REAL		scale = (REAL) sqrt((double) d);
	const REAL *pos_table = s->table + ((Size) s->shape.items + 1) * d;

	for (int r = 0; r < n; r++)
	{
		int			id = s->ids[r];
		int			t = r % s->shape.length;
		REAL	   *x = s->net->act[0] + (Size) r * d;

		Assert(id >= 0 && id <= s->shape.items);
		s->net->padding[r] = id == 0;
		if (id == 0)
			memset(x, 0, sizeof(REAL) * d);
		else
			for (int j = 0; j < d; j++)
				x[j] = s->table[(Size) id * d + j] * scale + pos_table[(Size) t * d + j];
	}
	return NN_NAME(nn_forward) (s->net, n);
}

/* h . E[item] */
static inline double
score(const REAL *h, const REAL *table, int item, int d)
{
	const REAL *e = table + (Size) item * d;
	double		z = 0;

	for (int j = 0; j < d; j++)
		z += (double) h[j] * e[j];
	return z;
}

/* dh += c E[item]; dE[item] += c h */
static inline void
score_backward(const REAL *h, const REAL *table, REAL *gh, REAL *gtable, int item, int d,
			   double c)
{
	const REAL *e = table + (Size) item * d;
	REAL	   *ge = gtable + (Size) item * d;

	for (int j = 0; j < d; j++)
	{
		gh[j] += (REAL) (c * e[j]);
		ge[j] += (REAL) (c * h[j]);
	}
}

/* log(1 + exp(z)) without overflow */
static inline double
sasrec_softplus(double z)
{
	return Max(z, 0.0) + log1p(exp(-fabs(z)));
}

static inline double
sasrec_sigmoid(double z)
{
	return z >= 0 ? 1.0 / (1.0 + exp(-z)) : exp(z) / (1.0 + exp(z));
}

double
NN_NAME(sasrec_step) (SNet *s, int b, bool backward, const NnAdam *adam)
{
	int			d = s->shape.hidden;
	int			n = b * s->shape.length;
	const REAL *h = s->net->act[s->arch->nlayers];
	REAL	   *gh = s->net->gout;
	int			targets = 0;
	double		total = 0;

	for (int r = 0; r < n; r++)
		targets += s->pos[r] != 0;
	if (backward)
	{
		memset(gh, 0, sizeof(REAL) * (Size) n * d);
		memset(s->gtable, 0, sizeof(REAL) * s->ntable);
	}
	for (int r = 0; r < n; r++)
	{
		const REAL *hr = h + (Size) r * d;
		double		z;

		if (s->pos[r] == 0)
			continue;
		/* -log sigmoid(z) = softplus(-z); -log(1 - sigmoid(z)) = softplus(z) */
		z = score(hr, s->table, s->pos[r], d);
		total += sasrec_softplus(-z);
		if (backward)
			score_backward(hr, s->table, gh + (Size) r * d, s->gtable, s->pos[r], d,
						   (sasrec_sigmoid(z) - 1) / targets);
		for (int k = 0; k < s->negatives; k++)
		{
			int			item = s->neg[(Size) r * s->negatives + k];

			z = score(hr, s->table, item, d);
			total += sasrec_softplus(z);
			if (backward)
				score_backward(hr, s->table, gh + (Size) r * d, s->gtable, item, d,
							   sasrec_sigmoid(z) / targets);
		}
	}
	if (targets == 0)
		return 0;
	if (backward)
	{
		REAL		scale = (REAL) sqrt((double) d);
		REAL	   *gpos = s->gtable + ((Size) s->shape.items + 1) * d;
		const REAL *gx;

		NN_NAME(nn_backward) (s->net, n, gh);
		gx = s->net->gact[0];
		for (int r = 0; r < n; r++)
		{
			int			id = s->ids[r];
			int			t = r % s->shape.length;

			if (id == 0)
				continue;
			for (int j = 0; j < d; j++)
			{
				s->gtable[(Size) id * d + j] += gx[(Size) r * d + j] * scale;
				gpos[(Size) t * d + j] += gx[(Size) r * d + j];
			}
		}
		/* the padding item stays 0 */
		memset(s->gtable, 0, sizeof(REAL) * d);
		if (adam != NULL)
		{
			if (s->mtable == NULL)
			{
				s->mtable = MemoryContextAllocExtended(s->net->cxt, s->ntable * sizeof(REAL),
													   MCXT_ALLOC_HUGE | MCXT_ALLOC_ZERO);
				s->vtable = MemoryContextAllocExtended(s->net->cxt, s->ntable * sizeof(REAL),
													   MCXT_ALLOC_HUGE | MCXT_ALLOC_ZERO);
			}
			NN_NAME(nn_adam_step) (s->net, adam);
			s->steps++;
			NN_NAME(nn_adam_update) (s->table, s->gtable, s->mtable, s->vtable, s->ntable,
									 s->steps, adam);
		}
	}
	return total / targets;
}
