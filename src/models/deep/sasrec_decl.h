/*-------------------------------------------------------------------------
 *
 * sasrec_decl.h
 *	  The SASRec network in one precision, included by sasrec.h once per
 *	  precision with NN_REAL and NN_SUFFIX defined (as nn_decl.h).  No
 *	  include guard on purpose.
 *
 *-------------------------------------------------------------------------
 */
typedef struct NN_NAME(SasrecNet)
{
	SasrecShape shape;
	NnArch	   *arch;
	NN_NAME(NnNet) *net;		/* the trunk: capacity = batch x L rows */
	int			batch;			/* sequences of a batch */
	Size		ntable;			/* sasrec_table_params */
	NN_REAL    *table;			/* E then P */
	NN_REAL    *gtable;
	NN_REAL    *mtable;			/* Adam's moments */
	NN_REAL    *vtable;
	int64		steps;
	int32	   *ids;			/* batch x L inputs */
	int32	   *pos;			/* batch x L targets (0: none) */
	int32	   *neg;			/* batch x L x negatives */
	int			negatives;
} NN_NAME(SasrecNet);

/* Bytes of a SASRec network (for insight.max_training_memory). */
extern Size NN_NAME(sasrec_net_bytes) (const SasrecShape *shape, int batch, int negatives);

/* A network with zero parameters in a new context under 'parent'. */
extern NN_NAME(SasrecNet) *NN_NAME(sasrec_net_create) (const SasrecShape *shape, int batch,
													   int negatives, MemoryContext parent);

/* Seeded initial parameters (see sasrec.h); seeds the dropout generator. */
extern void NN_NAME(sasrec_net_init) (NN_NAME(SasrecNet) *s, int64 seed);

/* Parameters from and to one flat array (E, P, trunk). */
extern void NN_NAME(sasrec_set_params) (NN_NAME(SasrecNet) *s, const double *params);
extern void NN_NAME(sasrec_get_params) (const NN_NAME(SasrecNet) *s, double *out);
extern void NN_NAME(sasrec_get_grads) (const NN_NAME(SasrecNet) *s, double *out);

/*
 * Forward pass over the first b sequences of s->ids: the hidden states
 * (b x L rows of d).
 */
extern NN_REAL *NN_NAME(sasrec_forward) (NN_NAME(SasrecNet) *s, int b);

/*
 * The loss of the first b sequences for targets s->pos and negatives
 * s->neg after sasrec_forward; with backward, the gradients of every
 * parameter (s->gtable and s->net->grads) and, with adam, one Adam step.
 * Returns the mean loss over the target positions (0 without any).
 */
extern double NN_NAME(sasrec_step) (NN_NAME(SasrecNet) *s, int b, bool backward,
									const NnAdam *adam);
