/*-------------------------------------------------------------------------
 *
 * sasrec.h
 *	  SASRec, self-attentive sequential recommendation (Kang & McAuley
 *	  2018, "Self-Attentive Sequential Recommendation"; reference code
 *	  kang205/SASRec, model.py and modules.py): the network and one
 *	  training step (sasrec_model.c), fitting over a query or the
 *	  registered sales (sasrec.c), the customer histories a model serves
 *	  from (sasrec_history.c).  Built on the neural-network core.
 *
 * The network, for a sequence of L item ids (0 = padding, on the left):
 *	  x_t = E[i_t] sqrt(d) + P[t]			(item and learned positional
 *											 embeddings; 0 on padding)
 *	  dropout
 *	  blocks times, with k the block's input:
 *		  layernorm; attention:H:L:k:p (queries from the layer norm, keys
 *		  and values from k, as the reference); residual to the layer
 *		  norm's output (the reference adds the normalised queries);
 *		  layernorm; linear:d, relu, dropout, linear:d, dropout (the
 *		  point-wise feed-forward of the reference's 1x1 convolutions);
 *		  residual to the second layer norm's output
 *	  layernorm
 *	  score of item j at position t: h_t . E[j] (the item table is shared
 *	  between input and output, as the reference)
 * The reference also zeroes padding rows after each block; here padding
 * rows are never attended to, so they cannot change a real row, and the
 * loss ignores them: the same values for real rows.  Layer norms use eps
 * 1e-5 (torch's; the reference's TF code 1e-8).
 *
 * Loss (the paper's, eq. 8 of Kang & McAuley): over every non-padding
 * position t with target o_t (the next item) and 'negatives' items n drawn
 * uniformly among the items not in the customer's sequence,
 *	  -log sigmoid(h_t . E[o_t]) - sum_n log(1 - sigmoid(h_t . E[n]))
 * averaged over the positions of the batch.  Adam with beta2 = 0.98 (as
 * the reference), no weight decay.
 *
 * Parameters, one flat array: E[(items + 1) x d] (row 0 the padding, kept
 * 0), P[L x d], then the trunk's (nn.h's layout).  Initialisation: E and P
 * Xavier uniform (the TF reference's default), the trunk by nn_net_init.
 *
 * Model (algorithm "sasrec", id 11): counts = items N, hidden d, max_length
 * L, blocks; payload =
 *	  uint64 sequences, uint64 interactions, uint32 heads, uint32 epochs,
 *	  uint32 batch_size, uint32 negatives, uint64 seed (an int64's bits),
 *	  float8 dropout, float8 learning_rate, float8 loss of the last epoch,
 *	  N item keys (text, in id order 1..N: the keys' text forms sorted),
 *	  float4 parameters[P],
 *	  and with flag 0x1 (SASREC_FLAG_HISTORY: customer histories, for
 *	  serving; built by sasrec_history.c, for insight_sasrec_with_history
 *	  and insight_sasrec_fit with with_history):
 *	  uint32 customers C, uint64 history rows read, uint64 B, uint64 R,
 *	  C customer keys (text, strictly increasing in byte order),
 *	  uint32 bought pointers[C + 1], uint32 bought item ids[B] (1..N,
 *	  strictly increasing within a customer: every item bought),
 *	  uint32 recent pointers[C + 1], uint32 recent item ids[R] (1..N: the
 *	  customer's latest items, at least 1 and at most L, in time order)
 *
 *-------------------------------------------------------------------------
 */
#ifndef INSIGHT_SASREC_H
#define INSIGHT_SASREC_H

#include "fmgr.h"
#include "lib/stringinfo.h"

#include "core/model_format.h"
#include "nn/nn.h"

#define SASREC_MAX_BLOCKS 6		/* 10 layers each within NN_MAX_LAYERS */
#define SASREC_MAX_LENGTH 1024
#define SASREC_MAX_HIDDEN 4096
#define SASREC_MAX_EPOCHS 100000
#define SASREC_MAX_NEGATIVES 1000
#define SASREC_MAX_ITEMS (NN_MAX_VOCAB - 1)
#define SASREC_ADAM_BETA2 0.98
#define SASREC_FLAG_HISTORY 0x1

typedef struct SasrecShape
{
	int			items;			/* N; ids 1..N, 0 the padding */
	int			hidden;			/* d */
	int			length;			/* L */
	int			blocks;
	int			heads;
	double		dropout;
} SasrecShape;

/* The trunk of a SASRec network (the blocks and the final layer norm). */
extern void sasrec_arch(NnArch *arch, const SasrecShape *shape);

/* Parameters outside the trunk: the item and positional tables. */
static inline Size
sasrec_table_params(const SasrecShape *shape)
{
	return ((Size) shape->items + 1 + shape->length) * shape->hidden;
}

/*
 * A SASRec network in one precision: the trunk, the tables with their
 * gradients and Adam moments, and a batch's ids.  sasrec_model.c has both
 * precisions (float trains, double checks and serves).
 */
#define NN_REAL float
#define NN_SUFFIX _f
#include "models/deep/sasrec_decl.h"
#undef NN_REAL
#undef NN_SUFFIX
#define NN_REAL double
#define NN_SUFFIX _d
#include "models/deep/sasrec_decl.h"
#undef NN_REAL
#undef NN_SUFFIX

typedef struct InsightSasrec
{
	SasrecShape shape;
	uint64		sequences;
	uint64		interactions;
	uint32		epochs;
	uint32		batch_size;
	uint32		negatives;
	int64		seed;
	double		learning_rate;
	double		loss;
	char	  **keys;			/* keys[1..N] */
	float	   *params;			/* the flat array */
	Size		nparams;

	/* customer histories (SASREC_FLAG_HISTORY; customers = 0 without) */
	int32		customers;
	uint64		history_rows;
	char	  **customer_keys;	/* strictly increasing (strcmp) */
	uint32	   *bought_ptr;		/* customers + 1 */
	uint32	   *bought;			/* item ids, increasing within a customer */
	uint32	   *recent_ptr;		/* customers + 1 */
	uint32	   *recent;			/* latest item ids, time order */
} InsightSasrec;

/* Write a model (flags and the history section from s->customers > 0). */
extern bytea *sasrec_write_model(const InsightSasrec *s);

/*
 * Sequences of a query of rows (customer, item, event_time), as sasrec.c
 * describes: items numbered 1..items by key, each customer with two items
 * or more one row of 'len' ids (its latest len items, right-aligned,
 * 0-padded on the left).  The caller is not connected to SPI; fname names
 * the caller in errors; memory checked against insight.max_training_memory.
 */
typedef struct SasrecData
{
	/*
	 * When set, called at the end of each customer's rows (every customer,
	 * one item or more: all its item ids in time order, in the context the
	 * reader was given), as well as keeping sequences when len > 0.
	 */
	void		(*on_customer) (struct SasrecData *data, const char *customer,
								const int32 *items, int n);
	/*
	 * The ids on_customer was given are provisional (the order in which the
	 * items came): when set, called once after the last row with
	 * renumber[id], id's final number (the place of its key in byte order,
	 * keys[1..items] by then), before the reader returns.
	 */
	void		(*on_renumber) (struct SasrecData *data, const int32 *renumber);
	void	   *arg;
	int			items;
	char	  **keys;			/* keys[1..items]: in byte order once read */
	uint64		rows;			/* distinct interactions read */
	int			nseq;
	int			len;			/* items kept per sequence (set by the caller;
								 * 0: no sequences, on_customer only) */
	int32	   *seq;			/* nseq x len */
} SasrecData;

extern void sasrec_read_sequences(SasrecData *data, const char *query, const char *fname,
								  MemoryContext cxt);

/*
 * Customer histories for serving (sasrec_history.c; the model's flag
 * SASREC_FLAG_HISTORY), built from the rows as sasrec_read_sequences reads
 * them: sasrec_history_collect installs data's on_customer hook (before
 * the read), sasrec_history_attach puts the histories into a model (after
 * it).  With model NULL the read's own item dictionary is the model's (the
 * fit that reads its rows once: insight_sasrec_fit(..., with_history));
 * otherwise items are matched to the model's by key and unknown ones
 * dropped (insight_sasrec_with_history).  length: the model's max_length.
 * The same rows give the same histories, whichever way they are built.
 */
typedef struct SasrecHistory SasrecHistory;

extern SasrecHistory *sasrec_history_collect(SasrecData *data, const InsightSasrec *model,
											 int length, const char *fname);
extern Size sasrec_history_bytes(const SasrecHistory *h);
extern void sasrec_history_attach(SasrecHistory *h, const SasrecData *data,
								  InsightSasrec *out);

/* The registered sales as (customer, item, event_time), for query = NULL. */
extern char *sasrec_default_query(FunctionCallInfo fcinfo);

/*
 * A negative for a sequence of len ids: uniform over 1..items, drawn again
 * (up to 100 times) while it is in the sequence (kang205/SASRec random_neq).
 */
extern int32 sasrec_draw_negative(pg_prng_state *rng, const int32 *seq, int len, int items);

/* The SASRec model of bytea argument argno (through the model cache). */
extern const struct InsightSasrec *sasrec_model_arg(FunctionCallInfo fcinfo, int argno);

/* Model cache reader (validates everything, 'XX001' for a defect). */
extern void *insight_sasrec_decode(InsightModel *m);

/* The algorithm table's info (models/algorithms.h). */
extern void insight_sasrec_info(const void *model, StringInfo buf);

#endif							/* INSIGHT_SASREC_H */
