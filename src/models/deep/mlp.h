/*-------------------------------------------------------------------------
 *
 * mlp.h
 *	  The multilayer perceptron: fitting over any query (mlp.c), the model,
 *	  prediction and integrated-gradient contributions (mlp_model.c).  Built
 *	  on the neural-network core (src/nn/).
 *
 * Network: for each hidden size h, linear:h, relu (and dropout:P when
 * trained with dropout > 0), then linear:k, k the outputs of the loss
 * (binary and mse 1, softmax one per class, ziln 3), over the standardised
 * features (x - mean) / scale.
 *
 * Model (algorithm "mlp"): counts[0] = features d, counts[1] = loss
 * (NnLoss: 1 binary, 2 mse, 3 softmax, 4 ziln), counts[2] = hidden layers
 * L (at most MLP_MAX_HIDDEN), counts[3] = outputs k; flags bit 0
 * (MLP_EARLY_STOPPED) when early stopping ended the training; payload =
 *	  uint64 rows used, uint64 rows skipped, uint64 validation rows,
 *	  uint32 epochs run, uint32 best epoch (the one whose weights these are),
 *	  uint32 batch_size, uint32 patience, uint64 seed (an int64's bits),
 *	  float8 learning_rate, float8 weight_decay, float8 dropout,
 *	  float8 validation_fraction, float8 training loss, float8 validation
 *	  loss (of the best epoch; the validation loss is 0 without validation),
 *	  uint32 hidden[L],
 *	  float8 means[d], float8 scales[d],
 *	  float4 parameters[P] (the core's flat layout, nn.h)
 *
 *-------------------------------------------------------------------------
 */
#ifndef INSIGHT_MLP_H
#define INSIGHT_MLP_H

#include "lib/stringinfo.h"

#include "core/model_format.h"
#include "nn/nn.h"

#define MLP_EARLY_STOPPED 0x1
#define MLP_MAX_HIDDEN 16
#define MLP_MAX_EPOCHS 100000
#define MLP_MAX_CLASSES 1000

/* Steps of the integrated-gradients path (trapezoidal rule). */
#define MLP_IG_STEPS 256

typedef struct InsightMlp
{
	int			d;
	NnLoss		loss;
	int			outputs;
	uint32		flags;
	uint64		rows;
	uint64		skipped;
	uint64		validation_rows;
	uint32		epochs;
	uint32		best_epoch;
	uint32		batch_size;
	uint32		patience;
	int64		seed;
	double		learning_rate;
	double		weight_decay;
	double		dropout;
	double		validation_fraction;
	double		train_loss;
	double		valid_loss;
	int			nhidden;
	int			hidden[MLP_MAX_HIDDEN];
	double	   *means;
	double	   *scales;
	NnArch		arch;			/* without dropout */
	NnNet_d    *net;			/* scratch buffers for MLP_IG_STEPS + 1 rows */
} InsightMlp;

/* The network of an MLP: hidden layers with relu (and dropout), then k outputs. */
extern void insight_mlp_arch(NnArch *arch, int d, const int *hidden, int nhidden,
							 double dropout, int outputs);

/* Model cache reader (validates everything, 'XX001' for a defect). */
extern void *insight_mlp_decode(InsightModel *m);

/* The algorithm table's operations (models/algorithms.h). */
extern void insight_mlp_info(const void *model, StringInfo buf);
extern int	insight_mlp_features(const void *model);
extern double insight_mlp_predict_row(const void *model, const double *x);
extern void insight_mlp_contributions_row(const void *model, const double *x, double *out);

#endif							/* INSIGHT_MLP_H */
