/*-------------------------------------------------------------------------
 *
 * nn_decl.h
 *	  Declarations of the neural-network core in one precision, included by
 *	  nn.h once per precision with NN_REAL (float or double) and NN_SUFFIX
 *	  (_f or _d) defined: NN_NAME(NnNet) is NnNet_f or NnNet_d.  No include
 *	  guard on purpose.
 *
 *-------------------------------------------------------------------------
 */
#ifndef NN_NAME
#define NN_CAT2(a, b) a##b
#define NN_CAT(a, b) NN_CAT2(a, b)
#define NN_NAME(name) NN_CAT(name, NN_SUFFIX)
#endif

/*
 * A network's tensors, all in its memory context: parameters, their
 * gradients, Adam's moments, and per activation a buffer for a batch of up
 * to 'capacity' rows and one for its gradient.
 */
typedef struct NN_NAME(NnNet)
{
	const NnArch *arch;
	MemoryContext cxt;
	int			capacity;		/* rows of a batch */
	NN_REAL    *params;			/* arch->nparams */
	NN_REAL    *grads;
	NN_REAL    *adam_m;			/* allocated by the first optimiser step */
	NN_REAL    *adam_v;
	int64		steps;			/* optimiser steps taken */
	NN_REAL    *act[NN_MAX_LAYERS + 1];		/* capacity x widths[i] */
	NN_REAL    *gact[NN_MAX_LAYERS + 1];
	NN_REAL    *extra[NN_MAX_LAYERS + 1];	/* residual gradients, or NULL */
	NN_REAL    *target;			/* capacity targets of a batch */
	NN_REAL    *gout;			/* capacity x outputs: the loss's gradient */
	NN_REAL    *aux[NN_MAX_LAYERS];	/* nn_layer_aux: dropout masks;
									 * layernorm mean and 1/sd per row;
									 * attention's work */
	bool	   *padding;		/* capacity: rows that attention layers
								 * ignore (all false unless a caller sets
								 * some) */
	bool		training;		/* dropout active */
	bool		input_gradient; /* backward fills gact[0] */
	pg_prng_state rng;			/* dropout */
} NN_NAME(NnNet);

/*
 * Bytes a network of 'arch' with batches of 'capacity' rows holds (for
 * insight.max_training_memory), overflow-checked.
 */
extern Size NN_NAME(nn_net_bytes) (const NnArch *arch, int capacity);

/* A network with zero parameters in a new context under 'parent'. */
extern NN_NAME(NnNet) *NN_NAME(nn_net_create) (const NnArch *arch, int capacity,
											   MemoryContext parent);

/*
 * Initial parameters from a seed: a linear layer followed by relu or gelu
 * (possibly through dropout) gets He's normal N(0, 2 / in) (He et al.
 * 2015), any other Xavier's uniform U(-a, a), a = sqrt(6 / (in + out))
 * (Glorot & Bengio 2010); biases 0; embeddings N(0, 1) (as torch);
 * layernorm gamma 1, beta 0.  Also seeds the dropout generator.
 */
extern void NN_NAME(nn_net_init) (NN_NAME(NnNet) *net, int64 seed);

/*
 * Forward pass over the first n rows of net->act[0]; returns the output
 * activation (n x widths[nlayers]).
 */
extern NN_REAL *NN_NAME(nn_forward) (NN_NAME(NnNet) *net, int n);

/*
 * Backward pass after nn_forward over the same n rows, from the gradient
 * of the loss with respect to the output (n x outputs): sets net->grads
 * (overwritten), and net->gact[0] when net->input_gradient.
 */
extern void NN_NAME(nn_backward) (NN_NAME(NnNet) *net, int n, const NN_REAL *gout);

/*
 * One Adam or AdamW update of np parameters from their gradients and
 * moments, 'steps' the number of this step (from 1): for parameters a
 * model holds outside a network (nn_adam_step's formulas).
 */
extern void NN_NAME(nn_adam_update) (NN_REAL *params, const NN_REAL *grads, NN_REAL *adam_m,
									 NN_REAL *adam_v, Size np, int64 steps, const NnAdam *adam);

/* One Adam or AdamW step on net->params from net->grads. */
extern void NN_NAME(nn_adam_step) (NN_NAME(NnNet) *net, const NnAdam *adam);

/*
 * Mean loss of n rows of outputs z (n x k) against targets y (n), in
 * double; with grad != NULL, its gradient with respect to z (n x k).
 * Targets are checked by the caller.
 */
extern double NN_NAME(nn_loss) (NnLoss loss, const NN_REAL *z, const NN_REAL *y,
								int n, int k, NN_REAL *grad);

/* Softmax of k logits in place, the maximum subtracted first. */
extern void NN_NAME(nn_softmax) (NN_REAL *z, int k);

/*
 * One training step over the batch in act[0] (n rows) and target (n):
 * forward, loss, backward, and with adam != NULL an optimiser step.
 * Returns the loss before the step; leaves the gradient in net->grads.
 */
extern double NN_NAME(nn_step) (NN_NAME(NnNet) *net, NnLoss loss, int n, const NnAdam *adam);

/* Conversions from and to double, for callers that work in double. */
extern void NN_NAME(nn_set_input) (NN_NAME(NnNet) *net, const double *x, const double *y, int n);
extern void NN_NAME(nn_set_params) (NN_NAME(NnNet) *net, const double *params);
extern void NN_NAME(nn_get) (const NN_REAL *from, double *to, Size n);
