/*-------------------------------------------------------------------------
 *
 * sentiment.c
 *	  insight_text_fit, insight_text_predict and insight_text_contributions:
 *	  the text model (sentiment.h).
 *
 * Training (docs/reference/reviews.md):
 *	  1. The rows of the user's query (review text, label boolean) are read
 *		 once into memory, under insight.max_training_memory: each review as
 *		 the ascending distinct buckets of its tokens (features/text.c), the
 *		 binarised bag of n-grams f of Wang & Manning.  A NULL text or label
 *		 is skipped and counted.  The reviews are put in a canonical order
 *		 (label, then buckets), so the model does not depend on the order in
 *		 which the query returns its rows.
 *	  2. NB-LR (Wang & Manning 2012, "Baselines and Bigrams: Simple, Good
 *		 Sentiment and Topic Classification", section 2: the log-count ratio
 *		 r = log((p / |p|_1) / (q / |q|_1)), p = alpha + sum of f over the
 *		 positive reviews, q the same over the negative ones, every bucket
 *		 counted in the norms; the features are r o f), with the logistic loss
 *		 in place of their SVM's hinge (as in Mesnil et al. 2015, "Ensemble of
 *		 Generative and Discriminative Techniques for Sentiment Analysis of
 *		 Movie Reviews"); variant LR uses r = 1.
 *	  3. L2-regularised logistic regression, the intercept unpenalised, with
 *		 scikit-learn's parametrisation: minimise
 *		   1/2 |w|^2 + C sum_i log(1 + exp(-s_i (b + w . x_i))),
 *		 s_i = +-1, by L-BFGS (math/lbfgs.c) over the buckets seen in
 *		 training (a bucket never seen has the optimal weight 0); the
 *		 objective is divided by C n for the solver.
 *	  4. norm 'l2' (the default): each review's feature vector x_i =
 *		 r o f_i is divided by its Euclidean norm over the buckets seen in
 *		 training (as scikit-learn's TfidfVectorizer normalises each
 *		 document, norm='l2'), so a long review does not weigh more than a
 *		 short one; 'none' keeps r o f_i.
 *	  The stored weight of a bucket is w_j r_j: the score of a review is
 *	  sigmoid(b + sum over its distinct buckets of their weights, divided by
 *	  the review's norm sqrt(sum r_j^2) over its known buckets when
 *	  normalised; the model then stores r_j too), and a review with no known
 *	  bucket (or no token) scores sigmoid(b).
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "executor/spi.h"
#include "fmgr.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "mb/pg_wchar.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/memutils.h"
#include "utils/tuplestore.h"

#include "core/insight.h"
#include "core/model_cache.h"
#include "core/model_format.h"
#include "core/row_reader.h"
#include "core/user_query.h"
#include "core/util.h"
#include "features/text.h"
#include "math/lbfgs.h"
#include "math/special.h"
#include "models/text/sentiment.h"

#define TEXT_LBFGS_PAIRS 7
#define TEXT_GTOL 1e-8
#define TEXT_MAX_ITERATIONS 10000

/* the reviews in memory: CSR of distinct buckets */
typedef struct TextData
{
	MemoryContext cxt;
	int32		buckets;
	uint64		n;				/* reviews kept */
	uint64		cap;
	uint64	   *start;			/* [n + 1] into ids */
	bool	   *label;
	uint64		nnz;
	uint64		nnz_cap;
	int32	   *ids;
	uint64		skipped;		/* NULL text or label */
	uint64		empty;			/* reviews without a token */
} TextData;

static Size
text_data_bytes(uint64 n, uint64 nnz)
{
	return add_size(mul_size(n + 1, sizeof(uint64) + sizeof(bool)),
					mul_size(nnz, sizeof(int32)));
}

static bool
add_review(Datum *values, bool *isnull, void *arg)
{
	TextData   *d = (TextData *) arg;
	int32	   *ids;
	int			k;

	if (isnull[0] || isnull[1])
	{
		d->skipped++;
		return true;
	}
	k = insight_text_buckets(insight_text_slice(values[0]), d->buckets, &ids);
	if (k == 0)
		d->empty++;
	if (d->n + 1 >= d->cap || d->nnz + k > d->nnz_cap)
	{
		uint64		cap = Max(d->cap, 1024);
		uint64		nnz_cap = Max(d->nnz_cap, 65536);

		while (d->n + 1 >= cap)
			cap *= 2;
		while (d->nnz + k > nnz_cap)
			nnz_cap *= 2;
		insight_check_training_memory(text_data_bytes(cap, nnz_cap), "insight_text_fit");
		if (d->start == NULL)
		{
			d->start = MemoryContextAllocHuge(d->cxt, sizeof(uint64) * (cap + 1));
			d->label = MemoryContextAllocHuge(d->cxt, sizeof(bool) * (cap + 1));
			d->ids = MemoryContextAllocHuge(d->cxt, sizeof(int32) * nnz_cap);
			d->start[0] = 0;
		}
		else
		{
			d->start = repalloc_huge(d->start, sizeof(uint64) * (cap + 1));
			d->label = repalloc_huge(d->label, sizeof(bool) * (cap + 1));
			d->ids = repalloc_huge(d->ids, sizeof(int32) * nnz_cap);
		}
		d->cap = cap;
		d->nnz_cap = nnz_cap;
	}
	if (k > 0)
		memcpy(d->ids + d->nnz, ids, sizeof(int32) * k);
	d->nnz += k;
	d->label[d->n] = DatumGetBool(values[1]);
	d->start[++d->n] = d->nnz;
	return true;
}

/* canonical order of reviews: label, then their buckets */
static int
compare_reviews(const void *a, const void *b, void *arg)
{
	const TextData *d = arg;
	uint64		i = *(const uint64 *) a;
	uint64		j = *(const uint64 *) b;
	uint64		li = d->start[i + 1] - d->start[i];
	uint64		lj = d->start[j + 1] - d->start[j];

	if (d->label[i] != d->label[j])
		return d->label[i] ? 1 : -1;
	for (uint64 k = 0; k < Min(li, lj); k++)
	{
		int32		x = d->ids[d->start[i] + k];
		int32		y = d->ids[d->start[j] + k];

		if (x != y)
			return x < y ? -1 : 1;
	}
	return (li > lj) - (li < lj);
}

/* the objective's data: reviews in canonical order, features r_j */
typedef struct TextProblem
{
	const TextData *d;
	const uint64 *order;
	const int32 *col;			/* bucket -> column, -1 when unseen */
	const double *r;			/* [U] */
	const double *scale;		/* [n]: 1 / the review's norm, or 1 */
	int			ncols;			/* U; theta = (w[U], b) */
	double		c;
	double	   *dz;				/* scratch [n] */
} TextProblem;

/*
 * f = (1/n) sum log(1 + exp(-s z)) + |w|^2 / (2 C n), z = b + sum_j w_j r_j
 * over the review's buckets; gradient into grad.
 */
static double
text_objective(const double *theta, double *grad, void *arg)
{
	TextProblem *p = arg;
	const TextData *d = p->d;
	double		inv_n = 1.0 / (double) d->n;
	double		lam = 1.0 / (p->c * (double) d->n);
	double		f = 0;
	double		gb = 0;
	int			U = p->ncols;

	for (int j = 0; j < U; j++)
	{
		f += 0.5 * lam * theta[j] * theta[j];
		grad[j] = lam * theta[j];
	}
	for (uint64 t = 0; t < d->n; t++)
	{
		uint64		i = p->order[t];
		double		z = theta[U];
		double		s = d->label[i] ? 1.0 : -1.0;
		double		dz;
		double		wx = 0;

		for (uint64 k = d->start[i]; k < d->start[i + 1]; k++)
		{
			int			j = p->col[d->ids[k]];

			wx += theta[j] * p->r[j];
		}
		z += wx * p->scale[i];
		f += inv_n * insight_log1pexp(-s * z);
		/* d/dz log(1 + exp(-s z)) = -s sigmoid(-s z) */
		dz = -s * insight_sigmoid(-s * z) * inv_n;
		gb += dz;
		dz *= p->scale[i];
		for (uint64 k = d->start[i]; k < d->start[i + 1]; k++)
		{
			int			j = p->col[d->ids[k]];

			grad[j] += dz * p->r[j];
		}
		if ((t & 0xFFF) == 0)
			CHECK_FOR_INTERRUPTS();
	}
	grad[U] = gb;
	return f;
}

typedef struct TextFitParams
{
	int32		buckets;
	double		c;
	double		alpha;
	int32		max_iterations;
	int32		variant;
	int32		normalize;
} TextFitParams;

static void
read_fit_params(FunctionCallInfo fcinfo, TextFitParams *p)
{
	for (int i = 1; i <= 6; i++)
		if (PG_ARGISNULL(i))
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("the parameters of insight_text_fit must not be NULL")));
	insight_check_buckets(PG_GETARG_INT32(1));
	p->buckets = PG_GETARG_INT32(1);
	p->c = PG_GETARG_FLOAT8(2);
	p->alpha = PG_GETARG_FLOAT8(3);
	p->max_iterations = PG_GETARG_INT32(4);
	if (!(p->c > 0) || !isfinite(p->c))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("c must be a positive finite number, not %g", p->c),
				 errdetail("c is the inverse of the L2 penalty, as in scikit-learn's LogisticRegression.")));
	if (!(p->alpha > 0) || !isfinite(p->alpha))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("alpha must be a positive finite number, not %g", p->alpha),
				 errdetail("alpha is the smoothing count of the naive-Bayes ratios.")));
	if (p->max_iterations < 1 || p->max_iterations > TEXT_MAX_ITERATIONS)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("max_iterations must be between 1 and %d, not %d",
						TEXT_MAX_ITERATIONS, p->max_iterations)));
	{
		char	   *v = text_to_cstring(PG_GETARG_TEXT_PP(5));

		if (strcmp(v, "nblr") == 0)
			p->variant = INSIGHT_TEXT_NBLR;
		else if (strcmp(v, "lr") == 0)
			p->variant = INSIGHT_TEXT_LR;
		else
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("unknown text model variant \"%s\"", v),
					 errhint("Use 'nblr' (naive-Bayes weighted logistic regression) or 'lr'.")));
	}
	{
		char	   *v = text_to_cstring(PG_GETARG_TEXT_PP(6));

		if (strcmp(v, "l2") == 0)
			p->normalize = INSIGHT_TEXT_NORM_L2;
		else if (strcmp(v, "none") == 0)
			p->normalize = INSIGHT_TEXT_NORM_NONE;
		else
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("unknown text normalisation \"%s\"", v),
					 errhint("Use 'l2' (each review's feature vector divided by its Euclidean norm) or 'none'.")));
	}
}

static const InsightQueryColumn text_columns[] = {
	{"review", INSIGHT_COLUMN_TYPE, TEXTOID, "text"},
	{"label", INSIGHT_COLUMN_TYPE, BOOLOID, "boolean"},
};
static const InsightQuerySpec text_query = {
	text_columns, 2, false,
	"Give a query of two columns, the review as text and its label as boolean (true positive)."
};

PG_FUNCTION_INFO_V1(insight_text_fit);

/*
 * insight_text_fit(query text, buckets integer, c float8, alpha float8,
 * max_iterations integer, variant text, norm text) returns bytea
 */
Datum
insight_text_fit(PG_FUNCTION_ARGS)
{
	TextFitParams p;
	TextData	d;
	InsightUserQuery uq;
	MemoryContext cxt,
				old;
	uint64	   *order;
	int32	   *col;
	int			U = 0;
	double	   *pos,
			   *neg,
			   *r,
			   *scale,
			   *theta;
	double		npos_total = 0,
				nneg_total = 0;
	uint64		positives = 0;
	TextProblem prob;
	InsightLbfgsResult res;
	InsightModelWriter w;
	int32	   *used;
	int			nused = 0;

	if (PG_ARGISNULL(0))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("the query of insight_text_fit must not be NULL")));
	read_fit_params(fcinfo, &p);

	cxt = AllocSetContextCreate(CurrentMemoryContext, "insight_text_fit", ALLOCSET_DEFAULT_SIZES);
	memset(&d, 0, sizeof(d));
	d.cxt = cxt;
	d.buckets = p.buckets;

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "insight_text_fit: SPI_connect failed");
	insight_user_query(&uq, text_to_cstring(PG_GETARG_TEXT_PP(0)), "insight_text_fit", &text_query);
	insight_read_rows(&uq, add_review, &d);
	SPI_finish();

	if (d.skipped > 0)
		ereport(NOTICE,
				(errmsg("insight_text_fit: skipped " UINT64_FORMAT " rows with a NULL review or a NULL label",
						d.skipped)));
	for (uint64 i = 0; i < d.n; i++)
		positives += d.label[i] ? 1 : 0;
	if (d.n == 0 || positives == 0 || positives == d.n)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("insight_text_fit needs positive and negative reviews"),
				 errdetail("The query gave " UINT64_FORMAT " usable reviews, " UINT64_FORMAT " of them positive.",
						   d.n, positives),
				 errhint("Train on reviews of both labels.")));
	if (d.nnz == 0)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("no usable tokens in the training reviews"),
				 errdetail("None of the " UINT64_FORMAT " reviews has a word, a CJK character or an emoji.", d.n),
				 errhint("See insight_text_tokens(review) for what a review gives.")));

	/* memory of the solver, the column map and the counts */
	insight_check_training_memory(add_size(add_size(text_data_bytes(d.n, d.nnz),
													mul_size(p.buckets, sizeof(int32) + 2 * sizeof(double))),
										   insight_lbfgs_bytes(Min((uint64) p.buckets, d.nnz) + 1, TEXT_LBFGS_PAIRS)),
								  "insight_text_fit");
	old = MemoryContextSwitchTo(cxt);

	order = MemoryContextAllocHuge(cxt, sizeof(uint64) * d.n);
	for (uint64 i = 0; i < d.n; i++)
		order[i] = i;
	qsort_arg(order, d.n, sizeof(uint64), compare_reviews, &d);

	/* columns: the buckets seen, ascending; counts per label */
	col = MemoryContextAllocHuge(cxt, sizeof(int32) * (Size) p.buckets);
	for (int32 b = 0; b < p.buckets; b++)
		col[b] = -1;
	for (uint64 k = 0; k < d.nnz; k++)
		col[d.ids[k]] = 0;
	used = MemoryContextAllocHuge(cxt, sizeof(int32) * (Size) Min((uint64) p.buckets, d.nnz));
	for (int32 b = 0; b < p.buckets; b++)
		if (col[b] == 0)
		{
			col[b] = nused;
			used[nused++] = b;
		}
	U = nused;
	pos = MemoryContextAllocZero(cxt, sizeof(double) * U);
	neg = MemoryContextAllocZero(cxt, sizeof(double) * U);
	for (uint64 i = 0; i < d.n; i++)
		for (uint64 k = d.start[i]; k < d.start[i + 1]; k++)
		{
			if (d.label[i])
				pos[col[d.ids[k]]] += 1;
			else
				neg[col[d.ids[k]]] += 1;
		}
	r = MemoryContextAlloc(cxt, sizeof(double) * U);
	if (p.variant == INSIGHT_TEXT_NBLR)
	{
		/* |p|_1 and |q|_1 over every bucket, alpha each (Wang & Manning, 2.1) */
		npos_total = p.alpha * p.buckets;
		nneg_total = p.alpha * p.buckets;
		for (int j = 0; j < U; j++)
		{
			npos_total += pos[j];
			nneg_total += neg[j];
		}
		for (int j = 0; j < U; j++)
			r[j] = log((p.alpha + pos[j]) / npos_total) - log((p.alpha + neg[j]) / nneg_total);
	}
	else
		for (int j = 0; j < U; j++)
			r[j] = 1;

	/* 1 / |r o f_i|_2 per review (1 for an empty review or without normalisation) */
	scale = MemoryContextAllocHuge(cxt, sizeof(double) * d.n);
	for (uint64 i = 0; i < d.n; i++)
	{
		double		ss = 0;

		for (uint64 k = d.start[i]; k < d.start[i + 1]; k++)
			ss += r[col[d.ids[k]]] * r[col[d.ids[k]]];
		scale[i] = (p.normalize == INSIGHT_TEXT_NORM_L2 && ss > 0) ? 1.0 / sqrt(ss) : 1.0;
	}

	prob.d = &d;
	prob.scale = scale;
	prob.order = order;
	prob.col = col;
	prob.r = r;
	prob.ncols = U;
	prob.c = p.c;
	theta = MemoryContextAllocZero(cxt, sizeof(double) * (U + 1));
	res = insight_lbfgs(text_objective, &prob, theta, U + 1, TEXT_LBFGS_PAIRS,
						p.max_iterations, TEXT_GTOL, "insight_text_fit");

	MemoryContextSwitchTo(old);

	/*
	 * the model: buckets with a non-zero weight w_j r_j; when normalised,
	 * every bucket with a non-zero r_j (it counts in a review's norm), and
	 * the ratios after the weights
	 */
	{
		int			nw = 0;
		bool		l2 = p.normalize == INSIGHT_TEXT_NORM_L2;

#define KEEP_BUCKET(j) (l2 ? r[j] != 0 : theta[j] * r[j] != 0)
		for (int j = 0; j < U; j++)
			if (KEEP_BUCKET(j))
				nw++;
		insight_writer_init(&w, INSIGHT_ALG_TEXT);
		w.header.counts[0] = (uint32) p.buckets;
		w.header.counts[1] = (uint32) nw;
		w.header.counts[2] = (uint32) p.variant;
		w.header.counts[3] = (uint32) p.normalize;
		insight_write_uint64(&w, d.n);
		insight_write_uint64(&w, positives);
		insight_write_uint64(&w, d.skipped);
		insight_write_uint64(&w, d.empty);
		insight_write_uint32(&w, (uint32) res.iterations);
		insight_write_uint32(&w, res.converged ? 1 : 0);
		insight_write_float8(&w, theta[U]);
		insight_write_float8(&w, p.c);
		insight_write_float8(&w, p.alpha);
		insight_write_float8(&w, res.f);
		for (int j = 0; j < U; j++)
			if (KEEP_BUCKET(j))
				insight_write_uint32(&w, (uint32) used[j]);
		for (int j = 0; j < U; j++)
			if (KEEP_BUCKET(j))
				insight_write_float8(&w, theta[j] * r[j]);
		if (l2)
			for (int j = 0; j < U; j++)
				if (KEEP_BUCKET(j))
					insight_write_float8(&w, r[j]);
#undef KEEP_BUCKET
	}
	MemoryContextDelete(cxt);
	PG_RETURN_BYTEA_P(insight_writer_finish(&w));
}

#define TEXT_FIXED_BYTES (4 * 8 + 2 * 4 + 4 * 8)

void *
insight_text_decode(InsightModel *m)
{
	InsightTextModel *t = palloc0(sizeof(InsightTextModel));
	uint32		buckets = m->header.counts[0];
	uint32		nw = m->header.counts[1];
	uint32		variant = m->header.counts[2];
	uint32		normalize = m->header.counts[3];

	if (buckets < 1 || buckets > INSIGHT_TEXT_MAX_BUCKETS || nw > buckets ||
		(variant != INSIGHT_TEXT_NBLR && variant != INSIGHT_TEXT_LR) ||
		(normalize != INSIGHT_TEXT_NORM_NONE && normalize != INSIGHT_TEXT_NORM_L2))
		insight_model_corrupt(psprintf("A text model cannot have %u buckets, %u weights, variant %u and normalisation %u.",
									   buckets, nw, variant, normalize));
	insight_model_expect_payload(m, add_size(TEXT_FIXED_BYTES,
											 mul_size(nw, normalize == INSIGHT_TEXT_NORM_L2 ? 20 : 12)));
	t->buckets = (int32) buckets;
	t->nweights = (int32) nw;
	t->variant = (int32) variant;
	t->normalize = (int32) normalize;
	t->rows = insight_read_uint64(m);
	t->positives = insight_read_uint64(m);
	t->skipped = insight_read_uint64(m);
	t->empty_rows = insight_read_uint64(m);
	t->iterations = insight_read_uint32(m);
	t->converged = insight_read_uint32(m) != 0;
	t->intercept = insight_read_float8(m);
	t->c = insight_read_float8(m);
	t->alpha = insight_read_float8(m);
	t->objective = insight_read_float8(m);
	t->ids = palloc(sizeof(uint32) * Max(nw, 1));
	t->weights = palloc(sizeof(double) * Max(nw, 1));
	for (uint32 j = 0; j < nw; j++)
		t->ids[j] = insight_read_uint32(m);
	insight_read_float8_array(m, t->weights, nw);
	t->ratios = NULL;
	if (normalize == INSIGHT_TEXT_NORM_L2)
	{
		t->ratios = palloc(sizeof(double) * Max(nw, 1));
		insight_read_float8_array(m, t->ratios, nw);
		for (uint32 j = 0; j < nw; j++)
			if (!isfinite(t->ratios[j]) || t->ratios[j] == 0)
				insight_model_corrupt("A ratio of the text model is zero or not finite.");
	}
	insight_model_close(m);
	if (!isfinite(t->intercept) || !(t->c > 0) || !isfinite(t->c) || !(t->alpha > 0) ||
		!isfinite(t->alpha) || !isfinite(t->objective) || t->positives > t->rows ||
		t->empty_rows > t->rows || t->rows > PG_INT64_MAX || t->skipped > PG_INT64_MAX)
		insight_model_corrupt("The settings or counts of the text model are out of range.");
	for (uint32 j = 0; j < nw; j++)
		if (t->ids[j] >= buckets || (j > 0 && t->ids[j] <= t->ids[j - 1]) || !isfinite(t->weights[j]))
			insight_model_corrupt("The buckets of the text model are not ascending and in range, or a weight is not finite.");
	return t;
}

void
insight_text_info(const void *model, StringInfo buf)
{
	const InsightTextModel *t = model;

	insight_json_text(buf, "variant", t->variant == INSIGHT_TEXT_NBLR ? "nblr" : "lr");
	insight_json_text(buf, "norm", t->normalize == INSIGHT_TEXT_NORM_L2 ? "l2" : "none");
	insight_json_int64(buf, "buckets", t->buckets);
	insight_json_int64(buf, "weights", t->nweights);
	insight_json_int64(buf, "rows", (int64) t->rows);
	insight_json_int64(buf, "positives", (int64) t->positives);
	insight_json_int64(buf, "rows_skipped", (int64) t->skipped);
	insight_json_int64(buf, "rows_without_tokens", (int64) t->empty_rows);
	insight_json_int64(buf, "iterations", t->iterations);
	appendStringInfo(buf, ", \"converged\": %s", t->converged ? "true" : "false");
	insight_json_float8(buf, "c", t->c);
	insight_json_float8(buf, "alpha", t->alpha);
	insight_json_float8(buf, "objective", t->objective);
	insight_json_float8(buf, "intercept", t->intercept);
	insight_json_float8(buf, "empty_document_score", insight_sigmoid(t->intercept));
}

static InsightModelReader
text_lookup(const InsightModelHeader *header, int expected)
{
	insight_model_expect_algorithm(header, expected);
	return insight_text_decode;
}

/* the index of a bucket in the model, -1 when it has none */
static int
bucket_index(const InsightTextModel *t, int32 b)
{
	int			lo = 0,
				hi = t->nweights - 1;

	while (lo <= hi)
	{
		int			mid = lo + (hi - lo) / 2;

		if (t->ids[mid] == (uint32) b)
			return mid;
		if (t->ids[mid] < (uint32) b)
			lo = mid + 1;
		else
			hi = mid - 1;
	}
	return -1;
}

/*
 * The factor of a review's weights: 1 / sqrt(sum of r_j^2 over its known
 * buckets) for a normalised model (1 when it has no known bucket), else 1.
 */
static double
review_scale(const InsightTextModel *t, const int32 *ids, int k)
{
	double		ss = 0;

	if (t->normalize != INSIGHT_TEXT_NORM_L2)
		return 1.0;
	for (int i = 0; i < k; i++)
	{
		int			j = bucket_index(t, ids[i]);

		if (j >= 0)
			ss += t->ratios[j] * t->ratios[j];
	}
	return ss > 0 ? 1.0 / sqrt(ss) : 1.0;
}

PG_FUNCTION_INFO_V1(insight_text_predict);

/* insight_text_predict(model bytea, review text) returns float8 */
Datum
insight_text_predict(PG_FUNCTION_ARGS)
{
	const InsightTextModel *t = insight_model_cache_get(fcinfo, 0, text_lookup,
														INSIGHT_ALG_TEXT, NULL);
	text	   *review = insight_text_slice(PG_GETARG_DATUM(1));
	int32	   *ids;
	int			k = insight_text_buckets(review, t->buckets, &ids);
	double		wx = 0;

	for (int i = 0; i < k; i++)
	{
		int			j = bucket_index(t, ids[i]);

		if (j >= 0)
			wx += t->weights[j];
	}
	PG_RETURN_FLOAT8(insight_sigmoid(t->intercept + wx * review_scale(t, ids, k)));
}

/* insight_text_contributions: the tokens of a review grouped by bucket */
typedef struct TokenList
{
	int32		buckets;
	int			n;
	int			max;
	int32	   *bucket;
	char	  **token;
} TokenList;

static void
collect_token(char kind, const char *a, int alen, const char *b, int blen, void *arg)
{
	TokenList  *list = (TokenList *) arg;
	StringInfoData buf;

	if (list->n == list->max)
	{
		list->max *= 2;
		list->bucket = repalloc_huge(list->bucket, sizeof(int32) * list->max);
		list->token = repalloc_huge(list->token, sizeof(char *) * list->max);
	}
	initStringInfo(&buf);
	appendBinaryStringInfo(&buf, a, alen);
	if (b != NULL)
	{
		appendStringInfoChar(&buf, ' ');
		appendBinaryStringInfo(&buf, b, blen);
	}
	list->bucket[list->n] = insight_token_bucket(kind, a, alen, b, blen, list->buckets);
	list->token[list->n] = pg_any_to_server(buf.data, buf.len, PG_UTF8);
	list->n++;
}

static int
compare_token_order(const void *a, const void *b, void *arg)
{
	const TokenList *list = arg;
	int			i = *(const int *) a;
	int			j = *(const int *) b;

	if (list->bucket[i] != list->bucket[j])
		return list->bucket[i] < list->bucket[j] ? -1 : 1;
	return (i > j) - (i < j);
}

PG_FUNCTION_INFO_V1(insight_text_contributions);

/*
 * insight_text_contributions(model bytea, review text) returns table
 * (bucket integer, tokens text[], contribution float8): one row per distinct
 * bucket of the review, with its tokens in text order and its weight; their
 * sum plus the intercept is the logit of insight_text_predict.
 */
Datum
insight_text_contributions(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	const InsightTextModel *t = insight_model_cache_get(fcinfo, 0, text_lookup,
														INSIGHT_ALG_TEXT, NULL);
	TokenList	list;
	int		   *order;
	int32	   *ids;
	double		scale;

	InitMaterializedSRF(fcinfo, 0);
	list.buckets = t->buckets;
	list.n = 0;
	list.max = 64;
	list.bucket = palloc(sizeof(int32) * list.max);
	list.token = palloc(sizeof(char *) * list.max);
	insight_text_tokenize(insight_text_slice(PG_GETARG_DATUM(1)), collect_token, &list);
	{
		int			k = insight_text_buckets(insight_text_slice(PG_GETARG_DATUM(1)), t->buckets, &ids);

		scale = review_scale(t, ids, k);
	}
	order = palloc(sizeof(int) * Max(list.n, 1));
	for (int i = 0; i < list.n; i++)
		order[i] = i;
	qsort_arg(order, list.n, sizeof(int), compare_token_order, &list);
	for (int s = 0; s < list.n;)
	{
		int			e = s;
		Datum	   *elems;
		Datum		values[3];
		bool		nulls[3] = {false, false, false};

		while (e < list.n && list.bucket[order[e]] == list.bucket[order[s]])
			e++;
		elems = palloc(sizeof(Datum) * (e - s));
		for (int k = s; k < e; k++)
			elems[k - s] = CStringGetTextDatum(list.token[order[k]]);
		values[0] = Int32GetDatum(list.bucket[order[s]]);
		values[1] = PointerGetDatum(construct_array(elems, e - s, TEXTOID, -1, false, TYPALIGN_INT));
		{
			int			j = bucket_index(t, list.bucket[order[s]]);

			values[2] = Float8GetDatum(j >= 0 ? t->weights[j] * scale : 0.0);
		}
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
		s = e;
		if ((s & 0xFFF) == 0)
			CHECK_FOR_INTERRUPTS();
	}
	return (Datum) 0;
}
