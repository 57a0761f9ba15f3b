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

		if (l->kind == NN_RESIDUAL && net->extra[l->from] == NULL)
			net->extra[l->from] = alloc_reals(cxt, (Size) capacity * arch->widths[l->from]);
		if (l->kind == NN_DROPOUT)
			net->aux[i] = alloc_reals(cxt, (Size) capacity * l->out);
		else if (l->kind == NN_LAYERNORM)
			net->aux[i] = alloc_reals(cxt, (Size) capacity * 2);
	}
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
NN_NAME(nn_adam_step) (NN_NAME(NnNet) *net, const NnAdam *adam)
{
	Size		np = net->arch->nparams;
	double		step_size,
				bc2_sqrt;
	double		decay = adam->decoupled ? 1 - adam->learning_rate * adam->weight_decay : 1;
	double		l2 = adam->decoupled ? 0 : adam->weight_decay;

	if (net->adam_m == NULL)
	{
		net->adam_m = alloc_reals(net->cxt, np);
		net->adam_v = alloc_reals(net->cxt, np);
	}
	net->steps++;
	step_size = adam->learning_rate / (1 - pow(adam->beta1, (double) net->steps));
	bc2_sqrt = sqrt(1 - pow(adam->beta2, (double) net->steps));
	for (Size j = 0; j < np; j++)
	{
		REAL		w = net->params[j];
		REAL		g = net->grads[j] + (REAL) (l2 * w);
		REAL		m,
					v;

		w = (REAL) (w * decay);
		m = net->adam_m[j] = (REAL) (adam->beta1 * net->adam_m[j] + (1 - adam->beta1) * g);
		v = net->adam_v[j] = (REAL) (adam->beta2 * net->adam_v[j] + (1 - adam->beta2) * g * g);
		net->params[j] = (REAL) (w - step_size * m / (sqrt(v) / bc2_sqrt + adam->eps));
	}
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
