/*-------------------------------------------------------------------------
 *
 * nn.c
 *	  The parts of the neural-network core that hold no tensors:
 *	  architectures (parsing, checking, parameter layout), loss names, the
 *	  seeded generator and Adam's defaults.  See nn.h.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "lib/stringinfo.h"

#include "nn/nn.h"

static const char *const layer_names[] = {
	[NN_LINEAR] = "linear",
	[NN_EMBEDDING] = "embedding",
	[NN_RELU] = "relu",
	[NN_GELU] = "gelu",
	[NN_DROPOUT] = "dropout",
	[NN_LAYERNORM] = "layernorm",
	[NN_RESIDUAL] = "residual",
	[NN_ATTENTION] = "attention",
};

static const char *const loss_names[NN_LOSS_MAX + 1] = {
	[NN_LOSS_BINARY] = "binary",
	[NN_LOSS_MSE] = "mse",
	[NN_LOSS_SOFTMAX] = "softmax",
	[NN_LOSS_ZILN] = "ziln",
};

#define LAYER_HINT "Layers are linear:UNITS, embedding:VOCAB:DIM, relu, gelu, dropout:P, layernorm, residual:FROM and attention:HEADS:LENGTH[:FROM[:P]], separated by commas."

NnLayer *
nn_arch_add(NnArch *arch, NnLayerKind kind)
{
	NnLayer    *l;

	if (arch->nlayers >= NN_MAX_LAYERS)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("a network has at most %d layers", NN_MAX_LAYERS)));
	l = &arch->layers[arch->nlayers++];
	memset(l, 0, sizeof(*l));
	l->kind = kind;
	return l;
}

/* A whole number in [lo, hi] from text, or 22023 naming the layer. */
static long
layer_number(const char *text, long lo, long hi, const char *layer)
{
	char	   *end;
	long		v;

	errno = 0;
	v = strtol(text, &end, 10);
	if (errno != 0 || end == text || *end != '\0' || v < lo || v > hi)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid layer \"%s\"", layer),
				 errdetail("\"%s\" is not a whole number from %ld to %ld.", text, lo, hi),
				 errhint(LAYER_HINT)));
	return v;
}

/* A dropout probability in [0, 1) from text, or 22023 naming the layer. */
static double
layer_probability(const char *text, const char *layer)
{
	char	   *end;
	double		p = strtod(text, &end);

	if (end == text || *end != '\0' || !(p >= 0 && p < 1))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid layer \"%s\"", layer),
				 errdetail("A dropout probability is at least 0 and less than 1."),
				 errhint(LAYER_HINT)));
	return p;
}

void
nn_arch_parse(NnArch *arch, const char *spec, int inputs)
{
	char	   *copy = pstrdup(spec);
	char	   *save = NULL;

	memset(arch, 0, sizeof(*arch));
	arch->inputs = inputs;
	for (char *tok = strtok_r(copy, ",", &save); tok != NULL; tok = strtok_r(NULL, ",", &save))
	{
		char	   *name = tok;
		char	   *args[4] = {NULL, NULL, NULL, NULL};
		int			nargs = 0;
		int			kind;
		bool		ok;
		NnLayer    *l;

		while (*name == ' ')
			name++;
		for (char *e = name + strlen(name); e > name && e[-1] == ' '; e--)
			e[-1] = '\0';
		for (char *c = strchr(name, ':'); c != NULL; c = strchr(c, ':'))
		{
			*c++ = '\0';
			if (nargs == lengthof(args))
			{
				nargs++;
				break;
			}
			args[nargs++] = c;
		}
		for (kind = 0; kind < (int) lengthof(layer_names); kind++)
			if (strcmp(name, layer_names[kind]) == 0)
				break;
		switch (kind)
		{
			case NN_LINEAR:
			case NN_DROPOUT:
			case NN_RESIDUAL:
				ok = nargs == 1;
				break;
			case NN_EMBEDDING:
				ok = nargs == 2;
				break;
			case NN_ATTENTION:
				ok = nargs >= 2 && nargs <= 4;
				break;
			default:
				ok = kind < (int) lengthof(layer_names) && nargs == 0;
				break;
		}
		if (!ok)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("invalid layer \"%s\"", tok),
					 errhint(LAYER_HINT)));
		l = nn_arch_add(arch, (NnLayerKind) kind);
		switch (kind)
		{
			case NN_LINEAR:
				l->units = (int) layer_number(args[0], 1, NN_MAX_WIDTH, tok);
				break;
			case NN_EMBEDDING:
				l->vocab = (int) layer_number(args[0], 1, NN_MAX_VOCAB, tok);
				l->units = (int) layer_number(args[1], 1, NN_MAX_WIDTH, tok);
				break;
			case NN_RESIDUAL:
				l->from = (int) layer_number(args[0], 0, NN_MAX_LAYERS, tok);
				break;
			case NN_DROPOUT:
				l->p = layer_probability(args[0], tok);
				break;
			case NN_ATTENTION:
				l->heads = (int) layer_number(args[0], 1, NN_MAX_WIDTH, tok);
				l->length = (int) layer_number(args[1], 1, NN_MAX_LENGTH, tok);
				l->from = args[2] ? (int) layer_number(args[2], 0, NN_MAX_LAYERS, tok)
					: arch->nlayers - 1;
				l->p = args[3] ? layer_probability(args[3], tok) : 0;
				break;
			default:
				break;
		}
	}
	pfree(copy);
	nn_arch_finish(arch);
}

void
nn_arch_finish(NnArch *arch)
{
	int			w = arch->inputs;
	Size		offset = 0;

	if (w < 1 || w > NN_MAX_WIDTH)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("a network takes 1 to %d inputs, not %d", NN_MAX_WIDTH, w)));
	arch->widths[0] = w;
	arch->width_sum = w;
	for (int i = 0; i < arch->nlayers; i++)
	{
		NnLayer    *l = &arch->layers[i];

		l->in = w;
		l->out = w;
		l->nparams = 0;
		switch (l->kind)
		{
			case NN_LINEAR:
				if (l->units < 1 || l->units > NN_MAX_WIDTH)
					ereport(ERROR,
							(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
							 errmsg("a layer has 1 to %d units, not %d", NN_MAX_WIDTH, l->units),
							 errdetail("Layer %d is a linear layer of %d units.", i + 1, l->units)));
				l->out = l->units;
				l->nparams = (Size) w * l->units + l->units;
				break;
			case NN_EMBEDDING:
				if ((Size) w * l->units > NN_MAX_WIDTH || l->vocab < 1 || l->vocab > NN_MAX_VOCAB)
					ereport(ERROR,
							(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
							 errmsg("embedding layer %d is out of range", i + 1),
							 errdetail("%d ids of dimension %d over %d inputs; at most %d ids and %d outputs.",
									   l->vocab, l->units, w, NN_MAX_VOCAB, NN_MAX_WIDTH)));
				l->out = w * l->units;
				l->nparams = (Size) l->vocab * l->units;
				break;
			case NN_LAYERNORM:
				l->nparams = 2 * (Size) w;
				break;
			case NN_RESIDUAL:
				if (l->from < 0 || l->from > i || arch->widths[l->from] != w)
					ereport(ERROR,
							(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
							 errmsg("residual layer %d cannot add activation %d", i + 1, l->from),
							 errdetail("A residual layer adds an earlier activation (0 is the input, k the output of layer k) of its own width, %d.", w)));
				break;
			case NN_ATTENTION:
				if (l->heads < 1 || w % l->heads != 0 || l->length < 1 ||
					l->length > NN_MAX_LENGTH || l->from < 0 || l->from > i ||
					arch->widths[l->from] != w || !(l->p >= 0 && l->p < 1))
					ereport(ERROR,
							(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
							 errmsg("attention layer %d is out of range", i + 1),
							 errdetail("%d heads over width %d, sequences of %d rows, keys from activation %d, dropout %g: the heads divide the width, sequences have 1 to %d rows, the keys come from an earlier activation (0 is the input, k the output of layer k) of the same width, dropout is in [0, 1).",
									   l->heads, w, l->length, l->from, l->p, NN_MAX_LENGTH)));
				l->nparams = 3 * ((Size) w * w + w);
				break;
			case NN_DROPOUT:
				if (!(l->p >= 0 && l->p < 1))
					ereport(ERROR,
							(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
							 errmsg("dropout probability must be at least 0 and less than 1, not %g", l->p)));
				break;
			default:
				break;
		}
		l->offset = offset;
		offset += l->nparams;
		if (offset > NN_MAX_PARAMS)
			ereport(ERROR,
					(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
					 errmsg("a network has at most %zu parameters", NN_MAX_PARAMS),
					 errdetail("Layer %d brings it to %zu.", i + 1, offset),
					 errhint("Use fewer or smaller layers.")));
		w = l->out;
		arch->widths[i + 1] = w;
		arch->width_sum += w;
	}
	arch->nparams = offset;
}

char *
nn_arch_text(const NnArch *arch)
{
	StringInfoData buf;

	initStringInfo(&buf);
	for (int i = 0; i < arch->nlayers; i++)
	{
		const NnLayer *l = &arch->layers[i];

		if (i > 0)
			appendStringInfoChar(&buf, ',');
		appendStringInfoString(&buf, layer_names[l->kind]);
		if (l->kind == NN_LINEAR)
			appendStringInfo(&buf, ":%d", l->units);
		else if (l->kind == NN_EMBEDDING)
			appendStringInfo(&buf, ":%d:%d", l->vocab, l->units);
		else if (l->kind == NN_DROPOUT)
			appendStringInfo(&buf, ":%g", l->p);
		else if (l->kind == NN_RESIDUAL)
			appendStringInfo(&buf, ":%d", l->from);
		else if (l->kind == NN_ATTENTION)
			appendStringInfo(&buf, ":%d:%d:%d:%g", l->heads, l->length, l->from, l->p);
	}
	return buf.data;
}

NnLoss
nn_loss_parse(const char *name)
{
	if (strcmp(name, "regression") == 0)
		return NN_LOSS_MSE;
	for (int i = 1; i <= NN_LOSS_MAX; i++)
		if (strcmp(name, loss_names[i]) == 0)
			return (NnLoss) i;
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("unknown loss \"%s\"", name),
			 errhint("Use binary, mse (or regression), softmax or ziln.")));
	return NN_LOSS_BINARY;		/* keep the compiler quiet */
}

const char *
nn_loss_name(NnLoss loss)
{
	return loss >= 1 && loss <= NN_LOSS_MAX ? loss_names[loss] : "unknown";
}

void
nn_loss_check_outputs(NnLoss loss, int outputs)
{
	int			want = loss == NN_LOSS_ZILN ? 3 : 1;

	if (loss == NN_LOSS_SOFTMAX ? outputs < 2 : outputs != want)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("a network for loss %s cannot end in %d outputs", nn_loss_name(loss), outputs),
				 loss == NN_LOSS_SOFTMAX ?
				 errdetail("Loss softmax takes one output per class, at least 2.") :
				 errdetail("Loss %s takes %d outputs.", nn_loss_name(loss), want)));
}

Size
nn_layer_aux(const NnLayer *l, int capacity)
{
	switch (l->kind)
	{
		case NN_DROPOUT:
			return mul_size((Size) capacity, l->out);
		case NN_LAYERNORM:
			return mul_size((Size) capacity, 2);
		case NN_ATTENTION:
			{
				/* Q K V, their gradients, a spare; P and its dropout mask; scratch */
				Size		rows = mul_size((Size) capacity,
											add_size(mul_size(7, l->in),
													 mul_size(2, (Size) l->heads * l->length)));
				Size		head = (Size) l->length * (l->in / l->heads);

				return add_size(rows, add_size(mul_size(5, head),
											   mul_size(2, (Size) l->length * l->length)));
			}
		default:
			return 0;
	}
}

void
nn_rng_seed(pg_prng_state *rng, int64 seed)
{
	pg_prng_seed(rng, (uint64) seed);
}

double
nn_rng_normal(pg_prng_state *rng)
{
	/* Box-Muller; 1 - u is in (0, 1], so the logarithm is finite */
	double		u = 1.0 - pg_prng_double(rng);
	double		v = pg_prng_double(rng);

	return sqrt(-2.0 * log(u)) * cos(2 * M_PI * v);
}

void
nn_shuffle(pg_prng_state *rng, uint32 *idx, Size n)
{
	for (Size i = n; i > 1; i--)
	{
		Size		j = (Size) pg_prng_uint64_range(rng, 0, i - 1);
		uint32		t = idx[i - 1];

		idx[i - 1] = idx[j];
		idx[j] = t;
	}
}

NnAdam
nn_adam_defaults(double learning_rate, double weight_decay, bool decoupled)
{
	NnAdam		a;

	a.learning_rate = learning_rate;
	a.beta1 = 0.9;
	a.beta2 = 0.999;
	a.eps = 1e-8;
	a.weight_decay = weight_decay;
	a.decoupled = decoupled;
	return a;
}
