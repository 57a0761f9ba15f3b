/*-------------------------------------------------------------------------
 *
 * nn_impl.h
 *	  The neural-network core in one precision: compiled by nn_float.c
 *	  (NN_IMPL_FLOAT defined: float over insight_sgemm) and nn_double.c
 *	  (double over insight_dgemm).  Formulas and layouts: nn.h.  Sums over a row
 *	  or a batch (statistics, losses, bias gradients) are taken in double.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "miscadmin.h"
#include "utils/memutils.h"

#include "math/linalg.h"
#include "nn/nn.h"

#ifdef NN_IMPL_FLOAT
#define NN_REAL float
#define NN_SUFFIX _f
#define NN_GEMM insight_sgemm
#else
#define NN_REAL double
#define NN_SUFFIX _d
#define NN_GEMM insight_dgemm
#endif
#define REAL NN_REAL

#define M_SQRT1_2_ 0.70710678118654752440
#define M_1_SQRT2PI_ 0.39894228040143267794

static inline double
sigmoid(double z)
{
	if (z >= 0)
		return 1.0 / (1.0 + exp(-z));
	return exp(z) / (1.0 + exp(z));
}

/* log(1 + exp(z)) without overflow */
static inline double
softplus(double z)
{
	return Max(z, 0.0) + log1p(exp(-fabs(z)));
}

Size
NN_NAME(nn_net_bytes) (const NnArch *arch, int capacity)
{
	/* params, grads, two moments; act, gact, extra, aux, gout per width */
	Size		bytes = mul_size(4 * sizeof(REAL), arch->nparams);

	bytes = add_size(bytes, mul_size(mul_size(5 * sizeof(REAL), arch->width_sum + 1),
									 (Size) capacity));
	for (int i = 0; i < arch->nlayers; i++)
		if (arch->layers[i].kind == NN_ATTENTION)
			bytes = add_size(bytes, mul_size(sizeof(REAL), nn_layer_aux(&arch->layers[i], capacity)));
	bytes = add_size(bytes, (Size) capacity * sizeof(bool));
	return add_size(bytes, 64 * 1024);
}

static REAL *
alloc_reals(MemoryContext cxt, Size n)
{
	return MemoryContextAllocExtended(cxt, mul_size(Max(n, 1), sizeof(REAL)),
									  MCXT_ALLOC_HUGE | MCXT_ALLOC_ZERO);
}

NN_NAME(NnNet) *
NN_NAME(nn_net_create) (const NnArch *arch, int capacity, MemoryContext parent)
{
	MemoryContext cxt = AllocSetContextCreate(parent, "insight network", ALLOCSET_DEFAULT_SIZES);
	NN_NAME(NnNet) *net = MemoryContextAllocZero(cxt, sizeof(NN_NAME(NnNet)));

	Assert(capacity > 0 && capacity <= NN_MAX_BATCH);
	net->arch = arch;
	net->cxt = cxt;
	net->capacity = capacity;
	net->params = alloc_reals(cxt, arch->nparams);
	net->grads = alloc_reals(cxt, arch->nparams);
	for (int i = 0; i <= arch->nlayers; i++)
	{
		net->act[i] = alloc_reals(cxt, (Size) capacity * arch->widths[i]);
		net->gact[i] = alloc_reals(cxt, (Size) capacity * arch->widths[i]);
	}
	for (int i = 0; i < arch->nlayers; i++)
	{
		const NnLayer *l = &arch->layers[i];

		if ((l->kind == NN_RESIDUAL || (l->kind == NN_ATTENTION && l->from != i)) &&
			net->extra[l->from] == NULL)
			net->extra[l->from] = alloc_reals(cxt, (Size) capacity * arch->widths[l->from]);
		if (nn_layer_aux(l, capacity) > 0)
			net->aux[i] = alloc_reals(cxt, nn_layer_aux(l, capacity));
	}
	net->padding = MemoryContextAllocZero(cxt, (Size) capacity * sizeof(bool));
	net->target = alloc_reals(cxt, capacity);
	net->gout = alloc_reals(cxt, (Size) capacity * arch->widths[arch->nlayers]);
	net->training = true;
	return net;
}

/* Whether linear layer i feeds a rectifier (relu or gelu, maybe through dropout). */
static bool
feeds_rectifier(const NnArch *arch, int i)
{
	for (int j = i + 1; j < arch->nlayers; j++)
	{
		if (arch->layers[j].kind == NN_DROPOUT)
			continue;
		return arch->layers[j].kind == NN_RELU || arch->layers[j].kind == NN_GELU;
	}
	return false;
}

void
NN_NAME(nn_net_init) (NN_NAME(NnNet) *net, int64 seed)
{
	const NnArch *arch = net->arch;
	pg_prng_state rng;

	nn_rng_seed(&rng, seed);
	for (int i = 0; i < arch->nlayers; i++)
	{
		const NnLayer *l = &arch->layers[i];
		REAL	   *p = net->params + l->offset;

		switch (l->kind)
		{
			case NN_LINEAR:
				if (feeds_rectifier(arch, i))
				{
					double		sd = sqrt(2.0 / l->in);

					for (Size j = 0; j < (Size) l->in * l->units; j++)
						p[j] = (REAL) (sd * nn_rng_normal(&rng));
				}
				else
				{
					double		a = sqrt(6.0 / (l->in + l->units));

					for (Size j = 0; j < (Size) l->in * l->units; j++)
						p[j] = (REAL) (a * (2 * pg_prng_double(&rng) - 1));
				}
				memset(p + (Size) l->in * l->units, 0, sizeof(REAL) * l->units);
				break;
			case NN_EMBEDDING:
				for (Size j = 0; j < l->nparams; j++)
					p[j] = (REAL) nn_rng_normal(&rng);
				break;
			case NN_ATTENTION:
				/* three w -> w projections: Xavier uniform, biases 0 */
				for (int m = 0; m < 3; m++)
				{
					REAL	   *pm = p + (Size) m * ((Size) l->in * l->in + l->in);
					double		a = sqrt(6.0 / (2.0 * l->in));

					for (Size j = 0; j < (Size) l->in * l->in; j++)
						pm[j] = (REAL) (a * (2 * pg_prng_double(&rng) - 1));
					memset(pm + (Size) l->in * l->in, 0, sizeof(REAL) * l->in);
				}
				break;
			case NN_LAYERNORM:
				for (int j = 0; j < l->in; j++)
				{
					p[j] = 1;
					p[l->in + j] = 0;
				}
				break;
			default:
				break;
		}
	}
	/* dropout draws from a stream of its own, after the weights' */
	nn_rng_seed(&net->rng, seed ^ INT64CONST(0x5DEECE66D));
}

/* y (n x units) = x W^T + b */
static void
linear_forward(const NnLayer *l, const REAL *p, const REAL *x, REAL *y, int n)
{
	const REAL *b = p + (Size) l->in * l->units;

	NN_GEMM(false, true, n, l->units, l->in, 1, x, p, 0, y);
	for (int r = 0; r < n; r++)
	{
		REAL	   *row = y + (Size) r * l->units;

		for (int j = 0; j < l->units; j++)
			row[j] += b[j];
	}
}

static void
linear_backward(const NnLayer *l, const REAL *p, REAL *g, const REAL *x, const REAL *gy,
				REAL *gx, int n)
{
	REAL	   *gb = g + (Size) l->in * l->units;

	NN_GEMM(true, false, l->units, l->in, n, 1, gy, x, 0, g);
	for (int j = 0; j < l->units; j++)
	{
		double		s = 0;

		for (int r = 0; r < n; r++)
			s += gy[(Size) r * l->units + j];
		gb[j] = (REAL) s;
	}
	if (gx != NULL)
		NN_GEMM(false, false, n, l->in, l->units, 1, gy, p, 0, gx);
}

/* The id of an embedding input; 22023 unless a whole number in [0, vocab). */
static int
embedding_id(const NnLayer *l, REAL v)
{
	if (!(v >= 0 && v < l->vocab) || v != floor(v))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("embedding id %g is out of range", (double) v),
				 errdetail("An embedding of %d ids takes whole numbers from 0 to %d.",
						   l->vocab, l->vocab - 1)));
	return (int) v;
}

static void
embedding_forward(const NnLayer *l, const REAL *p, const REAL *x, REAL *y, int n)
{
	for (int r = 0; r < n; r++)
		for (int c = 0; c < l->in; c++)
		{
			int			id = embedding_id(l, x[(Size) r * l->in + c]);

			memcpy(y + (Size) r * l->out + (Size) c * l->units,
				   p + (Size) id * l->units, sizeof(REAL) * l->units);
		}
}

static void
embedding_backward(const NnLayer *l, REAL *g, const REAL *x, const REAL *gy, REAL *gx, int n)
{
	memset(g, 0, sizeof(REAL) * l->nparams);
	for (int r = 0; r < n; r++)
		for (int c = 0; c < l->in; c++)
		{
			int			id = (int) x[(Size) r * l->in + c];
			const REAL *src = gy + (Size) r * l->out + (Size) c * l->units;
			REAL	   *dst = g + (Size) id * l->units;

			for (int j = 0; j < l->units; j++)
				dst[j] += src[j];
		}
	if (gx != NULL)
		memset(gx, 0, sizeof(REAL) * (Size) n * l->in);
}

static void
layernorm_forward(const NnLayer *l, const REAL *p, const REAL *x, REAL *y, REAL *stats, int n)
{
	int			w = l->in;

	for (int r = 0; r < n; r++)
	{
		const REAL *xr = x + (Size) r * w;
		REAL	   *yr = y + (Size) r * w;
		double		mean = 0,
					var = 0,
					rstd;

		for (int j = 0; j < w; j++)
			mean += xr[j];
		mean /= w;
		for (int j = 0; j < w; j++)
			var += (xr[j] - mean) * (xr[j] - mean);
		var /= w;
		rstd = 1.0 / sqrt(var + NN_LAYERNORM_EPS);
		stats[2 * r] = (REAL) mean;
		stats[2 * r + 1] = (REAL) rstd;
		for (int j = 0; j < w; j++)
			yr[j] = (REAL) ((xr[j] - mean) * rstd * p[j] + p[w + j]);
	}
}

/*
 * With xhat = (x - mean) / sd and h = gy * gamma:
 * dx = (h - mean(h) - xhat mean(h xhat)) / sd.
 */
static void
layernorm_backward(const NnLayer *l, const REAL *p, REAL *g, const REAL *x, const REAL *gy,
				   const REAL *stats, REAL *gx, int n)
{
	int			w = l->in;

	memset(g, 0, sizeof(REAL) * 2 * w);
	for (int r = 0; r < n; r++)
	{
		const REAL *xr = x + (Size) r * w;
		const REAL *gr = gy + (Size) r * w;
		double		mean = stats[2 * r],
					rstd = stats[2 * r + 1];
		double		mh = 0,
					mhx = 0;

		for (int j = 0; j < w; j++)
		{
			double		xhat = (xr[j] - mean) * rstd;
			double		h = gr[j] * p[j];

			g[j] += (REAL) (gr[j] * xhat);
			g[w + j] += gr[j];
			mh += h;
			mhx += h * xhat;
		}
		mh /= w;
		mhx /= w;
		if (gx != NULL)
			for (int j = 0; j < w; j++)
			{
				double		xhat = (xr[j] - mean) * rstd;

				gx[(Size) r * w + j] = (REAL) ((gr[j] * p[j] - mh - xhat * mhx) * rstd);
			}
	}
}

/*
 * Causal multi-head self-attention (nn.h).  The work buffer of the layer
 * (nn_layer_aux) holds, for a batch of up to 'cap' rows of width w: Q, K, V
 * (cap x w each), their gradients dQ, dK, dV, a spare cap x w; the
 * probabilities A and the dropout mask, per sequence H blocks of L x L;
 * then scratch for one sequence and head: five L x dh blocks and two L x L.
 */
typedef struct Attention
{
	int			w,
				heads,
				dh,
				len;
	double		scale;			/* 1 / sqrt(dh) */
	NnLayer		proj;			/* a w -> w linear layer, for the projections */
	REAL	   *q,
			   *k,
			   *v,
			   *dq,
			   *dk,
			   *dv,
			   *spare,
			   *prob,
			   *mask,
			   *hq,
			   *hk,
			   *hv,
			   *ho,
			   *ht,
			   *s,
			   *ds;
} Attention;

static Attention
attention_buffers(const NnLayer *l, REAL *aux, int cap)
{
	Attention	a;
	Size		rows = (Size) cap * l->in;
	Size		probs = (Size) cap * l->heads * l->length;

	memset(&a, 0, sizeof(a));
	a.w = l->in;
	a.heads = l->heads;
	a.dh = l->in / l->heads;
	a.len = l->length;
	a.scale = 1.0 / sqrt((double) a.dh);
	a.proj.in = a.proj.units = a.proj.out = l->in;
	a.q = aux;
	a.k = a.q + rows;
	a.v = a.k + rows;
	a.dq = a.v + rows;
	a.dk = a.dq + rows;
	a.dv = a.dk + rows;
	a.spare = a.dv + rows;
	a.prob = a.spare + rows;
	a.mask = a.prob + probs;
	a.hq = a.mask + probs;
	a.hk = a.hq + (Size) a.len * a.dh;
	a.hv = a.hk + (Size) a.len * a.dh;
	a.ho = a.hv + (Size) a.len * a.dh;
	a.ht = a.ho + (Size) a.len * a.dh;
	a.s = a.ht + (Size) a.len * a.dh;
	a.ds = a.s + (Size) a.len * a.len;
	return a;
}

/* Copy head h of the L rows of sequence 'first' from m (rows x w) to out (L x dh), or back. */
static void
head_copy(const Attention *a, REAL *m, int first, int h, REAL *out, bool back)
{
	for (int t = 0; t < a->len; t++)
	{
		REAL	   *row = m + (Size) (first + t) * a->w + (Size) h * a->dh;

		if (back)
			memcpy(row, out + (Size) t * a->dh, sizeof(REAL) * a->dh);
		else
			memcpy(out + (Size) t * a->dh, row, sizeof(REAL) * a->dh);
	}
}

/* The probabilities of sequence 'seq', head h (L x L), and their dropout mask. */
static inline REAL *
head_block(const Attention *a, REAL *base, int seq, int h)
{
	return base + ((Size) seq * a->heads + h) * a->len * a->len;
}

static void
attention_forward(const NnLayer *l, const REAL *p, const REAL *x, const REAL *xkv, REAL *y,
				  REAL *aux, const bool *padding, bool training, pg_prng_state *rng,
				  int cap, int n)
{
	Attention	a = attention_buffers(l, aux, cap);
	Size		wsize = (Size) a.w * a.w + a.w;
	bool		drop = training && l->p > 0;
	REAL		keep = (REAL) (1.0 / (1.0 - l->p));

	if (n % a.len != 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("a batch of %d rows is not a whole number of sequences of %d rows", n, a.len),
				 errdetail("An attention layer reads consecutive blocks of %d rows as one sequence.", a.len)));
	linear_forward(&a.proj, p, x, a.q, n);
	linear_forward(&a.proj, p + wsize, xkv, a.k, n);
	linear_forward(&a.proj, p + 2 * wsize, xkv, a.v, n);
	for (int seq = 0; seq < n / a.len; seq++)
	{
		int			first = seq * a.len;
		const bool *pad = padding + first;

		CHECK_FOR_INTERRUPTS();
		for (int h = 0; h < a.heads; h++)
		{
			REAL	   *prob = head_block(&a, a.prob, seq, h);
			REAL	   *mask = head_block(&a, a.mask, seq, h);

			head_copy(&a, a.q, first, h, a.hq, false);
			head_copy(&a, a.k, first, h, a.hk, false);
			head_copy(&a, a.v, first, h, a.hv, false);
			NN_GEMM(false, true, a.len, a.len, a.dh, (REAL) a.scale, a.hq, a.hk, 0, a.s);
			for (int t = 0; t < a.len; t++)
			{
				REAL	   *sr = a.s + (Size) t * a.len;
				REAL	   *pr = prob + (Size) t * a.len;
				double		max = -INFINITY,
							sum = 0;

				memset(pr, 0, sizeof(REAL) * a.len);
				if (pad[t])
					continue;
				for (int j = 0; j <= t; j++)
					if (!pad[j])
						max = Max(max, sr[j]);
				for (int j = 0; j <= t; j++)
					if (!pad[j])
						sum += exp(sr[j] - max);
				for (int j = 0; j <= t; j++)
					if (!pad[j])
						pr[j] = (REAL) (exp(sr[j] - max) / sum);
			}
			/* the probabilities used: after dropout, into s */
			if (drop)
				for (Size j = 0; j < (Size) a.len * a.len; j++)
				{
					mask[j] = pg_prng_double(rng) < l->p ? 0 : keep;
					a.s[j] = prob[j] * mask[j];
				}
			else
				memcpy(a.s, prob, sizeof(REAL) * a.len * a.len);
			NN_GEMM(false, false, a.len, a.dh, a.len, 1, a.s, a.hv, 0, a.ho);
			head_copy(&a, y, first, h, a.ho, true);
		}
	}
}

/*
 * With O = D V, D = A * mask, A = softmax(S), S = Q K^T / sqrt(dh):
 * dV = D^T dO, dD = dO V^T, dA = dD * mask, dS = A (dA - rowsum(dA A)),
 * dQ = dS K / sqrt(dh), dK = dS^T Q / sqrt(dh); then the projections'
 * gradients as linear layers.  The queries' input gets dQ Wq, the keys'
 * input dK Wk + dV Wv (into gx when it is the same activation, else into
 * extra, the skip gradient of activation J).
 */
static void
attention_backward(const NnLayer *l, const REAL *p, REAL *g, const REAL *x, const REAL *xkv,
				   const REAL *gy, REAL *gx, REAL *gkv, REAL *aux, bool training, int cap, int n)
{
	Attention	a = attention_buffers(l, aux, cap);
	Size		wsize = (Size) a.w * a.w + a.w;
	bool		drop = training && l->p > 0;
	Size		len = (Size) n * a.w;

	for (int seq = 0; seq < n / a.len; seq++)
	{
		int			first = seq * a.len;

		CHECK_FOR_INTERRUPTS();
		for (int h = 0; h < a.heads; h++)
		{
			const REAL *prob = head_block(&a, a.prob, seq, h);
			const REAL *mask = head_block(&a, a.mask, seq, h);

			head_copy(&a, a.q, first, h, a.hq, false);
			head_copy(&a, a.k, first, h, a.hk, false);
			head_copy(&a, a.v, first, h, a.hv, false);
			head_copy(&a, (REAL *) gy, first, h, a.ho, false);
			for (Size j = 0; j < (Size) a.len * a.len; j++)
				a.s[j] = drop ? prob[j] * mask[j] : prob[j];
			/* dV */
			NN_GEMM(true, false, a.len, a.dh, a.len, 1, a.s, a.ho, 0, a.ht);
			head_copy(&a, a.dv, first, h, a.ht, true);
			/* dA, then dS (scaled) */
			NN_GEMM(false, true, a.len, a.len, a.dh, 1, a.ho, a.hv, 0, a.ds);
			for (int t = 0; t < a.len; t++)
			{
				REAL	   *dr = a.ds + (Size) t * a.len;
				const REAL *pr = prob + (Size) t * a.len;
				const REAL *mr = mask + (Size) t * a.len;
				double		dot = 0;

				if (drop)
					for (int j = 0; j < a.len; j++)
						dr[j] *= mr[j];
				for (int j = 0; j < a.len; j++)
					dot += (double) dr[j] * pr[j];
				for (int j = 0; j < a.len; j++)
					dr[j] = (REAL) (pr[j] * (dr[j] - dot) * a.scale);
			}
			NN_GEMM(false, false, a.len, a.dh, a.len, 1, a.ds, a.hk, 0, a.ht);
			head_copy(&a, a.dq, first, h, a.ht, true);
			NN_GEMM(true, false, a.len, a.dh, a.len, 1, a.ds, a.hq, 0, a.ht);
			head_copy(&a, a.dk, first, h, a.ht, true);
		}
	}
	linear_backward(&a.proj, p, g, x, a.dq, gx, n);
	for (int m = 1; m <= 2; m++)
	{
		REAL	   *dm = m == 1 ? a.dk : a.dv;

		linear_backward(&a.proj, p + m * wsize, g + m * wsize, xkv, dm,
						gkv ? a.spare : NULL, n);
		if (gkv)
			for (Size j = 0; j < len; j++)
				gkv[j] += a.spare[j];
	}
}

REAL *
NN_NAME(nn_forward) (NN_NAME(NnNet) *net, int n)
{
	const NnArch *arch = net->arch;

	Assert(n > 0 && n <= net->capacity);
	for (int i = 0; i < arch->nlayers; i++)
	{
		const NnLayer *l = &arch->layers[i];
		const REAL *x = net->act[i];
		REAL	   *y = net->act[i + 1];
		const REAL *p = net->params + l->offset;
		Size		len = (Size) n * l->out;

		CHECK_FOR_INTERRUPTS();
		switch (l->kind)
		{
			case NN_LINEAR:
				linear_forward(l, p, x, y, n);
				break;
			case NN_EMBEDDING:
				embedding_forward(l, p, x, y, n);
				break;
			case NN_RELU:
				for (Size j = 0; j < len; j++)
					y[j] = x[j] > 0 ? x[j] : 0;
				break;
			case NN_GELU:
				for (Size j = 0; j < len; j++)
					y[j] = (REAL) (x[j] * 0.5 * (1 + erf(x[j] * M_SQRT1_2_)));
				break;
			case NN_DROPOUT:
				if (!net->training || l->p == 0)
					memcpy(y, x, sizeof(REAL) * len);
				else
				{
					REAL	   *mask = net->aux[i];
					REAL		keep = (REAL) (1.0 / (1.0 - l->p));

					for (Size j = 0; j < len; j++)
					{
						mask[j] = pg_prng_double(&net->rng) < l->p ? 0 : keep;
						y[j] = x[j] * mask[j];
					}
				}
				break;
			case NN_LAYERNORM:
				layernorm_forward(l, p, x, y, net->aux[i], n);
				break;
			case NN_RESIDUAL:
				{
					const REAL *skip = net->act[l->from];

					for (Size j = 0; j < len; j++)
						y[j] = x[j] + skip[j];
				}
				break;
			case NN_ATTENTION:
				attention_forward(l, p, x, net->act[l->from], y, net->aux[i], net->padding,
								  net->training, &net->rng, net->capacity, n);
				break;
		}
	}
	return net->act[arch->nlayers];
}

void
NN_NAME(nn_backward) (NN_NAME(NnNet) *net, int n, const REAL *gout)
{
	const NnArch *arch = net->arch;

	memcpy(net->gact[arch->nlayers], gout, sizeof(REAL) * (Size) n * arch->widths[arch->nlayers]);
	for (int i = 0; i <= arch->nlayers; i++)
		if (net->extra[i] != NULL)
			memset(net->extra[i], 0, sizeof(REAL) * (Size) n * arch->widths[i]);

	for (int i = arch->nlayers - 1; i >= 0; i--)
	{
		const NnLayer *l = &arch->layers[i];
		const REAL *x = net->act[i];
		const REAL *gy = net->gact[i + 1];
		REAL	   *gx = (i > 0 || net->input_gradient) ? net->gact[i] : NULL;
		const REAL *p = net->params + l->offset;
		REAL	   *g = net->grads + l->offset;
		Size		len = (Size) n * l->out;

		CHECK_FOR_INTERRUPTS();
		switch (l->kind)
		{
			case NN_LINEAR:
				linear_backward(l, p, g, x, gy, gx, n);
				break;
			case NN_EMBEDDING:
				embedding_backward(l, g, x, gy, gx, n);
				break;
			case NN_RELU:
				if (gx)
					for (Size j = 0; j < len; j++)
					{
						REAL		g = gy[j];	/* read always: vectorises */

						gx[j] = x[j] > 0 ? g : 0;
					}
				break;
			case NN_GELU:
				if (gx)
					for (Size j = 0; j < len; j++)
					{
						double		v = x[j];
						double		d = 0.5 * (1 + erf(v * M_SQRT1_2_)) +
							v * M_1_SQRT2PI_ * exp(-0.5 * v * v);

						gx[j] = (REAL) (gy[j] * d);
					}
				break;
			case NN_DROPOUT:
				if (gx)
				{
					if (!net->training || l->p == 0)
						memcpy(gx, gy, sizeof(REAL) * len);
					else
						for (Size j = 0; j < len; j++)
							gx[j] = gy[j] * net->aux[i][j];
				}
				break;
			case NN_LAYERNORM:
				layernorm_backward(l, p, g, x, gy, net->aux[i], gx, n);
				break;
			case NN_RESIDUAL:
				{
					REAL	   *e = net->extra[l->from];

					for (Size j = 0; j < len; j++)
						e[j] += gy[j];
					if (gx)
						memcpy(gx, gy, sizeof(REAL) * len);
				}
				break;
			case NN_ATTENTION:
				attention_backward(l, p, g, x, net->act[l->from], gy, gx,
								   l->from == i ? gx : net->extra[l->from], net->aux[i],
								   net->training, net->capacity, n);
				break;
		}
		/* the skip connections that start at a_i add their share */
		if (gx && net->extra[i] != NULL)
			for (Size j = 0; j < (Size) n * arch->widths[i]; j++)
				gx[j] += net->extra[i][j];
	}
}

/*
 * torch.optim.Adam / AdamW (PyTorch 1.13, _single_tensor_adam):
 *	 AdamW: w *= 1 - lr wd;  Adam: g += wd w;
 *	 m = b1 m + (1 - b1) g;  v = b2 v + (1 - b2) g^2;
 *	 w -= lr / (1 - b1^t) m / (sqrt(v) / sqrt(1 - b2^t) + eps).
 */
void
NN_NAME(nn_adam_update) (REAL *params, const REAL *grads, REAL *adam_m, REAL *adam_v, Size np,
						 int64 steps, const NnAdam *adam)
{
	double		step_size = adam->learning_rate / (1 - pow(adam->beta1, (double) steps));
	double		bc2_sqrt = sqrt(1 - pow(adam->beta2, (double) steps));
	double		decay = adam->decoupled ? 1 - adam->learning_rate * adam->weight_decay : 1;
	double		l2 = adam->decoupled ? 0 : adam->weight_decay;

	for (Size j = 0; j < np; j++)
	{
		REAL		w = params[j];
		REAL		g = grads[j] + (REAL) (l2 * w);
		REAL		m,
					v;

		w = (REAL) (w * decay);
		m = adam_m[j] = (REAL) (adam->beta1 * adam_m[j] + (1 - adam->beta1) * g);
		v = adam_v[j] = (REAL) (adam->beta2 * adam_v[j] + (1 - adam->beta2) * g * g);
		params[j] = (REAL) (w - step_size * m / (sqrt(v) / bc2_sqrt + adam->eps));
	}
}

void
NN_NAME(nn_adam_step) (NN_NAME(NnNet) *net, const NnAdam *adam)
{
	Size		np = net->arch->nparams;

	if (net->adam_m == NULL)
	{
		net->adam_m = alloc_reals(net->cxt, np);
		net->adam_v = alloc_reals(net->cxt, np);
	}
	net->steps++;
	NN_NAME(nn_adam_update) (net->params, net->grads, net->adam_m, net->adam_v, np,
							 net->steps, adam);
}

void
NN_NAME(nn_softmax) (REAL *z, int k)
{
	double		max = z[0],
				sum = 0;

	for (int j = 1; j < k; j++)
		max = Max(max, z[j]);
	for (int j = 0; j < k; j++)
		sum += exp(z[j] - max);
	for (int j = 0; j < k; j++)
		z[j] = (REAL) (exp(z[j] - max) / sum);
}

/* binary cross-entropy of logit z against y in {0, 1}, and its derivative */
static inline double
bce(double z, double y, double *dz)
{
	*dz = sigmoid(z) - y;
	return Max(z, 0.0) - z * y + log1p(exp(-fabs(z)));
}

double
NN_NAME(nn_loss) (NnLoss loss, const REAL *z, const REAL *y, int n, int k, REAL *grad)
{
	double		total = 0;

	for (int r = 0; r < n; r++)
	{
		const REAL *zr = z + (Size) r * k;
		REAL	   *gr = grad ? grad + (Size) r * k : NULL;
		double		t = y[r];
		double		d;

		switch (loss)
		{
			case NN_LOSS_BINARY:
				total += bce(zr[0], t, &d);
				if (gr)
					gr[0] = (REAL) (d / n);
				break;
			case NN_LOSS_MSE:
				d = zr[0] - t;
				total += d * d;
				if (gr)
					gr[0] = (REAL) (2 * d / n);
				break;
			case NN_LOSS_SOFTMAX:
				{
					int			c = (int) t;
					double		max = zr[0],
								sum = 0;

					for (int j = 1; j < k; j++)
						max = Max(max, zr[j]);
					for (int j = 0; j < k; j++)
						sum += exp(zr[j] - max);
					total += log(sum) + max - zr[c];
					if (gr)
						for (int j = 0; j < k; j++)
							gr[j] = (REAL) ((exp(zr[j] - max) / sum - (j == c)) / n);
				}
				break;
			case NN_LOSS_ZILN:
				{
					bool		positive = t > 0;
					double		raw = softplus(zr[2]);
					double		sigma = Max(raw, NN_ZILN_MIN_SIGMA);

					total += bce(zr[0], positive, &d);
					if (gr)
					{
						gr[0] = (REAL) (d / n);
						gr[1] = gr[2] = 0;
					}
					if (positive)
					{
						double		ly = log(t);
						double		u = (ly - zr[1]) / sigma;

						/* -log LogNormal(t; mu, sigma) */
						total += ly + log(sigma) + 0.5 * log(2 * M_PI) + 0.5 * u * u;
						if (gr)
						{
							double		dsigma = 1 / sigma - u * u / sigma;

							gr[1] = (REAL) (-u / sigma / n);
							gr[2] = (REAL) (raw > NN_ZILN_MIN_SIGMA ?
											dsigma * sigmoid(zr[2]) / n : 0);
						}
					}
				}
				break;
		}
	}
	return total / n;
}

double
NN_NAME(nn_step) (NN_NAME(NnNet) *net, NnLoss loss, int n, const NnAdam *adam)
{
	int			k = net->arch->widths[net->arch->nlayers];
	REAL	   *z = NN_NAME(nn_forward) (net, n);
	double		value = NN_NAME(nn_loss) (loss, z, net->target, n, k, net->gout);

	NN_NAME(nn_backward) (net, n, net->gout);
	if (adam != NULL)
		NN_NAME(nn_adam_step) (net, adam);
	return value;
}

void
NN_NAME(nn_set_input) (NN_NAME(NnNet) *net, const double *x, const double *y, int n)
{
	Size		len = (Size) n * net->arch->widths[0];

	for (Size j = 0; j < len; j++)
		net->act[0][j] = (REAL) x[j];
	if (y != NULL)
		for (int r = 0; r < n; r++)
			net->target[r] = (REAL) y[r];
}

void
NN_NAME(nn_set_params) (NN_NAME(NnNet) *net, const double *params)
{
	for (Size j = 0; j < net->arch->nparams; j++)
		net->params[j] = (REAL) params[j];
}

void
NN_NAME(nn_get) (const REAL *from, double *to, Size n)
{
	for (Size j = 0; j < n; j++)
		to[j] = from[j];
}
