/*-------------------------------------------------------------------------
 *
 * nn.h
 *	  The neural-network core: a network described by an architecture
 *	  (a sequence of layers), its tensors in a memory context, forward and
 *	  backward passes over a mini-batch, losses with their gradients, the
 *	  Adam and AdamW optimisers, seeded initialisation, dropout and
 *	  shuffling.  Models (src/models/deep/) and the diagnostic functions
 *	  (diagnose.c) are built on it.
 *
 * Every routine that touches tensors exists in two precisions, float
 * (suffix _f, BLAS sgemm: training) and double (suffix _d, BLAS dgemm:
 * gradient checks, the PyTorch peer test, integrated gradients).  They are
 * one source, nn_impl.h, compiled twice (nn_float.c, nn_double.c); their
 * declarations are nn_decl.h, included twice below.
 *
 * Tensors are compact row-major matrices: a mini-batch of n rows of width
 * w is n x w.  The parameters of a network are one flat array, layer after
 * layer, in the order and layout of the parameters() of the equivalent
 * PyTorch module (so the peer test can hand weights across):
 *	  linear	 weight[out x in], then bias[out]	(torch.nn.Linear)
 *	  embedding	 table[vocab x dim]					(torch.nn.Embedding)
 *	  layernorm	 weight[w] (gamma), then bias[w]	(torch.nn.LayerNorm, eps 1e-5)
 *	  relu, gelu, dropout, residual: none
 *	  attention	 Wq[w x w], bq[w], Wk[w x w], bk[w], Wv[w x w], bv[w]
 *				 (three torch.nn.Linear: queries, keys, values)
 *
 * Layers (the activation a_0 is the input, a_i the output of layer i):
 *	  linear:U		a_i = a_{i-1} W^T + b, U units
 *	  embedding:V:D each column of a_{i-1} holds an id in [0, V) (a whole
 *					number); a_i is the concatenation of their D-dimensional
 *					rows of the table (ids are not differentiated)
 *	  relu			max(x, 0)
 *	  gelu			x Phi(x), Phi the standard normal CDF (the exact GELU
 *					of Hendrycks & Gimpel 2016, torch.nn.GELU())
 *	  dropout:P		in training, x * m / (1 - P) with m ~ Bernoulli(1 - P)
 *					from the network's seeded generator ("inverted
 *					dropout", Srivastava et al. 2014, as torch.nn.Dropout);
 *					the identity otherwise
 *	  layernorm		(x - mean) / sqrt(var + 1e-5) * gamma + beta per row,
 *					var the biased variance (Ba, Kiros & Hinton 2016)
 *	  residual:J	a_{i-1} + a_J (a skip connection, He et al. 2016), J an
 *					earlier activation of the same width
 *	  attention:H:L[:J[:P]]
 *					causal multi-head scaled dot-product self-attention
 *					(Vaswani et al. 2017) over sequences of L consecutive rows
 *					(a batch holds n / L sequences, row t of a sequence its
 *					position t): Q = a_{i-1} Wq^T + bq, K = a_J Wk^T + bk,
 *					V = a_J Wv^T + bv (J defaults to i - 1; SASRec takes the
 *					queries from a layer-normalised copy of the keys' input,
 *					kang205/SASRec model.py); per head h of w / H columns,
 *					A_h = softmax(Q_h K_h^T / sqrt(w / H) + M) with M = -inf
 *					where the key comes after the query or is a padding
 *					row; dropout P on A (inverted, as dropout:P); a_i the
 *					heads' A_h V_h side by side.  No output projection (as
 *					the reference).  A padding row (net->padding) attends to
 *					nothing: its output is 0 (the reference's query
 *					masking).  Batches must be whole sequences (22023).
 *
 * Losses (the mean over the rows of a batch; targets y one per row):
 *	  binary	binary cross-entropy from a logit z, y in {0, 1}:
 *				max(z, 0) - z y + log(1 + exp(-|z|)), which never overflows
 *	  mse		squared error (z - y)^2
 *	  softmax	cross-entropy of the softmax of k logits, y the class in
 *				[0, k): logsumexp(z) - z_y with the maximum subtracted first
 *	  ziln		zero-inflated lognormal (Wang, Liu & Miao 2019; google/
 *				lifetime_value, zero_inflated_lognormal.py): outputs (z, mu,
 *				s), y >= 0: binary(z, y > 0) - [y > 0] log LogNormal(y; mu,
 *				sigma), sigma = max(softplus(s), sqrt(1e-7))
 *
 * Errors: architectures and sizes out of range are 22023 or 54000 before
 * anything is allocated (nn_arch_finish); an embedding id out of range is
 * 22023.  The forward and backward passes check for interrupts before
 * each layer and an attention layer before each sequence, so that one
 * large batch cannot delay a cancel; a caller's loop over batches checks
 * too.
 *
 *-------------------------------------------------------------------------
 */
#ifndef INSIGHT_NN_H
#define INSIGHT_NN_H

#include "common/pg_prng.h"
#include "utils/palloc.h"

/* Limits that keep every size of a network far from overflow. */
#define NN_MAX_LAYERS 64
#define NN_MAX_WIDTH 65536		/* units of a layer, inputs, classes */
#define NN_MAX_VOCAB (1 << 24)	/* ids an embedding holds */
#define NN_MAX_PARAMS ((Size) 1 << 28)	/* parameters of a network */
#define NN_MAX_BATCH 65536		/* rows of a mini-batch */
#define NN_MAX_LENGTH 4096		/* rows of an attention layer's sequence */

#define NN_LAYERNORM_EPS 1e-5
#define NN_ZILN_MIN_SIGMA 3.1622776601683795e-4 /* sqrt(1e-7), Keras's epsilon */

typedef enum NnLayerKind
{
	NN_LINEAR,
	NN_EMBEDDING,
	NN_RELU,
	NN_GELU,
	NN_DROPOUT,
	NN_LAYERNORM,
	NN_RESIDUAL,
	NN_ATTENTION
} NnLayerKind;

typedef struct NnLayer
{
	NnLayerKind kind;
	int			units;			/* linear: outputs; embedding: dimension */
	int			vocab;			/* embedding: ids */
	int			from;			/* residual: the activation added; attention:
								 * the keys' and values' activation */
	double		p;				/* dropout, attention: probability of dropping */
	int			heads;			/* attention */
	int			length;			/* attention: rows of a sequence */
	/* set by nn_arch_finish */
	int			in;				/* width of its input */
	int			out;			/* width of its output */
	Size		offset;			/* of its parameters in the flat array */
	Size		nparams;
} NnLayer;

typedef struct NnArch
{
	int			inputs;
	int			nlayers;
	NnLayer		layers[NN_MAX_LAYERS];
	/* set by nn_arch_finish */
	int			widths[NN_MAX_LAYERS + 1];	/* of a_0 .. a_nlayers */
	Size		nparams;
	Size		width_sum;		/* widths[0] + ... + widths[nlayers] */
} NnArch;

typedef enum NnLoss
{
	NN_LOSS_BINARY = 1,
	NN_LOSS_MSE = 2,
	NN_LOSS_SOFTMAX = 3,
	NN_LOSS_ZILN = 4
} NnLoss;

#define NN_LOSS_MAX 4

/* Adam (Kingma & Ba 2015) as torch.optim.Adam / AdamW (PyTorch 1.13). */
typedef struct NnAdam
{
	double		learning_rate;
	double		beta1;			/* 0.9 */
	double		beta2;			/* 0.999 */
	double		eps;			/* 1e-8 */
	double		weight_decay;
	bool		decoupled;		/* AdamW (Loshchilov & Hutter 2019): decay
								 * the weights themselves; Adam: add
								 * weight_decay * w to the gradient */
} NnAdam;

/*
 * Parse "linear:64,relu,dropout:0.1,layernorm,residual:2,..." into *arch
 * (then finished by nn_arch_finish).  Errors 22023, naming the layer.
 */
extern void nn_arch_parse(NnArch *arch, const char *spec, int inputs);

/* Append one layer (before nn_arch_finish); 54000 past NN_MAX_LAYERS. */
extern NnLayer *nn_arch_add(NnArch *arch, NnLayerKind kind);

/*
 * Check an architecture and compute its widths and parameter layout.
 * Errors: 22023 for a width, vocabulary, probability or residual source
 * out of range; 54000 for more than NN_MAX_PARAMS parameters.
 */
extern void nn_arch_finish(NnArch *arch);

/* The layers as nn_arch_parse reads them ("linear:64,relu,..."). */
extern char *nn_arch_text(const NnArch *arch);

/*
 * Elements of the per-layer work buffer (net->aux) of layer l for batches
 * of 'capacity' rows: dropout masks, layernorm statistics, attention's
 * projections, probabilities and scratch; 0 for the other layers.
 */
extern Size nn_layer_aux(const NnLayer *l, int capacity);

/* Loss by name ("binary", "mse" or "regression", "softmax", "ziln"); 22023. */
extern NnLoss nn_loss_parse(const char *name);
extern const char *nn_loss_name(NnLoss loss);

/*
 * 22023 unless a network ending in 'outputs' units fits 'loss' (binary and
 * mse 1, ziln 3, softmax at least 2).
 */
extern void nn_loss_check_outputs(NnLoss loss, int outputs);

/* Seeded generator: the same seed, the same numbers on every platform. */
extern void nn_rng_seed(pg_prng_state *rng, int64 seed);
/* Standard normal (Box-Muller over pg_prng_double). */
extern double nn_rng_normal(pg_prng_state *rng);
/* Fisher-Yates shuffle of idx[0..n). */
extern void nn_shuffle(pg_prng_state *rng, uint32 *idx, Size n);

/* Default Adam settings (PyTorch's) with a learning rate and weight decay. */
extern NnAdam nn_adam_defaults(double learning_rate, double weight_decay, bool decoupled);

/* The two precisions (see the top of this file). */
#define NN_REAL float
#define NN_SUFFIX _f
#include "nn/nn_decl.h"
#undef NN_REAL
#undef NN_SUFFIX

#define NN_REAL double
#define NN_SUFFIX _d
#include "nn/nn_decl.h"
#undef NN_REAL
#undef NN_SUFFIX

#endif							/* INSIGHT_NN_H */
