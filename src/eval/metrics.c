/*-------------------------------------------------------------------------
 *
 * metrics.c
 *	  Evaluation aggregates for binary classifiers: insight_auc,
 *	  insight_binary_metrics, insight_log_loss, insight_log_loss_logit,
 *	  insight_brier.  All are parallel safe with bytea states and combine
 *	  functions (docs/design.md, Scale).
 *
 * AUC is exact: the state keeps every (score, label) pair, the final
 * function sorts them and counts, over groups of tied scores,
 *	  AUC = sum_g (neg_below_g * pos_g + pos_g * neg_g / 2) / (P * N),
 * the Mann-Whitney U statistic divided by P * N with ties counted one half
 * (Mann & Whitney 1947; Hanley & McNeil 1982, eq. 1; the value of
 * scikit-learn's roc_auc_score).  Only the order of the scores matters, so
 * the value is scale free.
 *
 * Log loss and Brier score are means with Neumaier-compensated sums
 * (Neumaier 1974), so serial and parallel plans agree to rounding.  Log loss
 * of a probability clips it to [eps, 1 - eps], eps = DBL_EPSILON (2.2e-16), as
 * scikit-learn 1.2's
 * log_loss does; insight_log_loss_logit takes the logit m and is exact for
 * any finite m: log(1 + exp(-m)) for label true, log(1 + exp(m)) for false.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <float.h>
#include <math.h>

#include "fmgr.h"
#include "utils/builtins.h"
#include "utils/float.h"
#include "utils/json.h"
#include "utils/jsonb.h"
#include "utils/memutils.h"

#include "core/insight.h"
#include "math/special.h"
#include "core/util.h"

/* ---------------------------------------------------------------------------
 * (score, label) collections: insight_auc and insight_binary_metrics
 * ---------------------------------------------------------------------------
 */

typedef struct ScorePair
{
	double		score;
	double		label;			/* 1 or 0 */
} ScorePair;

/* The pairs fill the state up to its size; 'count' of them are used. */
typedef struct ScoreState
{
	int32		vl_len_;
	int32		unused;			/* zero */
	int64		count;
	ScorePair	pairs[FLEXIBLE_ARRAY_MEMBER];
} ScoreState;

#define SCORE_STATE_HEADER offsetof(ScoreState, pairs)
#define SCORE_STATE_MIN_CAPACITY 64

static int64
score_capacity(const ScoreState *s)
{
	return (int64) ((VARSIZE(s) - SCORE_STATE_HEADER) / sizeof(ScorePair));
}

static ScoreState *
score_state_arg(FunctionCallInfo fcinfo, int argno)
{
	ScoreState *s = insight_state_get(fcinfo, argno, SCORE_STATE_HEADER);

	if (s != NULL &&
		((VARSIZE(s) - SCORE_STATE_HEADER) % sizeof(ScorePair) != 0 ||
		 s->count < 0 || s->count > score_capacity(s) || s->unused != 0))
		ereport(ERROR,
				(errcode(ERRCODE_DATA_CORRUPTED),
				 errmsg("invalid score aggregate state"),
				 errdetail("A state of %zu bytes cannot hold " INT64_FORMAT " (score, label) pairs.",
						   (Size) VARSIZE(s), s->count)));
	return s;
}

/*
 * A state with room for at least 'needed' pairs: 's' itself, or a copy in
 * the aggregate's context with doubled capacity (the executor frees the old
 * value when the transition returns a new pointer).
 */
static ScoreState *
score_state_reserve(FunctionCallInfo fcinfo, ScoreState *s, int64 needed)
{
	int64		capacity = s ? score_capacity(s) : 0;
	Size		bytes;
	ScoreState *grown;

	if (s != NULL && needed <= capacity)
		return s;
	capacity = Max(Max(capacity * 2, needed), SCORE_STATE_MIN_CAPACITY);
	if ((Size) capacity > (MaxAllocSize - SCORE_STATE_HEADER) / sizeof(ScorePair))
		capacity = (MaxAllocSize - SCORE_STATE_HEADER) / sizeof(ScorePair);
	if (capacity < needed)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("too many rows for an exact AUC: at most %zu (score, label) pairs fit in one state",
						(Size) capacity),
				 errhint("Evaluate a sample, or group the rows and combine the results.")));
	bytes = SCORE_STATE_HEADER + (Size) capacity * sizeof(ScorePair);
	insight_check_training_memory(bytes, "the (score, label) pairs of an AUC");
	grown = insight_state_new(fcinfo, bytes);
	if (s != NULL)
	{
		grown->count = s->count;
		memcpy(grown->pairs, s->pairs, sizeof(ScorePair) * s->count);
	}
	return grown;
}

PG_FUNCTION_INFO_V1(insight_scores_accum);
Datum
insight_scores_accum(PG_FUNCTION_ARGS)
{
	ScoreState *s = score_state_arg(fcinfo, 0);
	double		score;

	if (PG_ARGISNULL(1) || PG_ARGISNULL(2))
	{
		if (s == NULL)
			PG_RETURN_NULL();
		PG_RETURN_POINTER(s);
	}
	score = PG_GETARG_FLOAT8(1);
	if (isnan(score))
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("score must not be NaN"),
				 errhint("Replace NaN scores, for example with NULL to skip the row.")));
	s = score_state_reserve(fcinfo, s, (s ? s->count : 0) + 1);
	s->pairs[s->count].score = score;
	s->pairs[s->count].label = PG_GETARG_BOOL(2) ? 1.0 : 0.0;
	s->count++;
	PG_RETURN_POINTER(s);
}

PG_FUNCTION_INFO_V1(insight_scores_combine);
Datum
insight_scores_combine(PG_FUNCTION_ARGS)
{
	ScoreState *a = score_state_arg(fcinfo, 0);
	ScoreState *b = score_state_arg(fcinfo, 1);

	if (b == NULL || b->count == 0)
	{
		if (a == NULL)
			PG_RETURN_NULL();
		PG_RETURN_POINTER(a);
	}
	if (a == NULL)
		PG_RETURN_POINTER(b);
	a = score_state_reserve(fcinfo, a, a->count + b->count);
	memcpy(a->pairs + a->count, b->pairs, sizeof(ScorePair) * b->count);
	a->count += b->count;
	PG_RETURN_POINTER(a);
}

static int
pair_cmp_desc(const void *x, const void *y)
{
	double		a = ((const ScorePair *) x)->score;
	double		b = ((const ScorePair *) y)->score;

	return (a < b) ? 1 : (a > b) ? -1 : 0;
}

/* Pairs sorted by descending score, with the class counts. */
typedef struct SortedScores
{
	const ScorePair *pairs;
	int64		n;
	double		positives;
	double		negatives;
} SortedScores;

static bool
sorted_scores(FunctionCallInfo fcinfo, SortedScores *out)
{
	ScoreState *s = score_state_arg(fcinfo, 0);

	if (s == NULL || s->count == 0)
		return false;
	qsort(s->pairs, s->count, sizeof(ScorePair), pair_cmp_desc);
	out->pairs = s->pairs;
	out->n = s->count;
	out->positives = 0;
	for (int64 i = 0; i < s->count; i++)
		out->positives += s->pairs[i].label;
	out->negatives = (double) s->count - out->positives;
	return true;
}

/* NOTICE and false when one class is missing. */
static bool
both_classes(const SortedScores *ss, const char *fname)
{
	if (ss->positives > 0 && ss->negatives > 0)
		return true;
	ereport(NOTICE,
			(errmsg("%s: all " INT64_FORMAT " rows have label %s, so metrics that need both classes are NULL",
					fname, ss->n, ss->positives > 0 ? "true" : "false")));
	return false;
}

/* Mann-Whitney AUC over scores sorted descending, ties counted one half. */
static double
auc_of(const SortedScores *ss)
{
	double		above_neg = 0;	/* negatives with a higher score */
	double		u = 0;			/* pairs (pos, neg) with pos ranked above */

	for (int64 i = 0; i < ss->n;)
	{
		double		pos = 0;
		double		neg = 0;
		int64		j = i;

		while (j < ss->n && ss->pairs[j].score == ss->pairs[i].score)
		{
			pos += ss->pairs[j].label;
			neg += 1 - ss->pairs[j].label;
			j++;
		}
		/* positives here beat the negatives below them: P*N - above - ties/2 */
		u += pos * (ss->negatives - above_neg - neg) + 0.5 * pos * neg;
		above_neg += neg;
		i = j;
	}
	return u / (ss->positives * ss->negatives);
}

PG_FUNCTION_INFO_V1(insight_auc_final);
Datum
insight_auc_final(PG_FUNCTION_ARGS)
{
	SortedScores ss;

	if (!sorted_scores(fcinfo, &ss) || !both_classes(&ss, "insight_auc"))
		PG_RETURN_NULL();
	PG_RETURN_FLOAT8(auc_of(&ss));
}

/* Neumaier-compensated running sum (Neumaier 1974). */
typedef struct CompensatedSum
{
	double		sum;
	double		c;
} CompensatedSum;

static inline void
csum_add(CompensatedSum *s, double v)
{
	double		t = s->sum + v;

	if (fabs(s->sum) >= fabs(v))
		s->c += (s->sum - t) + v;
	else
		s->c += (v - t) + s->sum;
	s->sum = t;
}

#define LOG_LOSS_EPS DBL_EPSILON

static inline double
log_loss_of_probability(double p, double y)
{
	p = Min(Max(p, LOG_LOSS_EPS), 1 - LOG_LOSS_EPS);
	return y > 0 ? -log(p) : -log1p(-p);
}

static void
check_probability(double p)
{
	if (!(p >= 0 && p <= 1))
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("probability must be between 0 and 1, not %g", p),
				 errhint("Pass probabilities; for logits use insight_log_loss_logit().")));
}

/* Confusion counts when scores >= threshold are predicted true. */
static void
json_confusion(StringInfo buf, const char *key, double threshold, double tp, double fp,
			   const SortedScores *ss)
{
	double		fn = ss->positives - tp;
	double		tn = ss->negatives - fp;

	appendStringInfoString(buf, ", ");
	escape_json(buf, key);
	appendStringInfoString(buf, ": {\"threshold\": ");
	appendStringInfoString(buf, isfinite(threshold) ? float8out_internal(threshold) : "null");
	insight_json_float8(buf, "accuracy", (tp + tn) / (double) ss->n);
	insight_json_float8(buf, "precision", tp + fp > 0 ? tp / (tp + fp) : NAN);
	insight_json_float8(buf, "recall", ss->positives > 0 ? tp / ss->positives : NAN);
	insight_json_float8(buf, "f1", 2 * tp + fp + fn > 0 ? 2 * tp / (2 * tp + fp + fn) : NAN);
	insight_json_float8(buf, "true_positives", tp);
	insight_json_float8(buf, "false_positives", fp);
	appendStringInfoChar(buf, '}');
}

PG_FUNCTION_INFO_V1(insight_binary_metrics_final);
Datum
insight_binary_metrics_final(PG_FUNCTION_ARGS)
{
	SortedScores ss;
	StringInfoData buf;
	bool		both;
	bool		probabilities = true;
	CompensatedSum ll = {0, 0};
	CompensatedSum brier = {0, 0};
	double		tp = 0;
	double		fp = 0;
	double		tp_half = 0;
	double		fp_half = 0;
	double		best_f1 = -1;
	double		best_threshold = NAN;
	double		best_tp = 0;
	double		best_fp = 0;

	if (!sorted_scores(fcinfo, &ss))
		PG_RETURN_NULL();
	both = both_classes(&ss, "insight_binary_metrics");

	for (int64 i = 0; i < ss.n; i++)
	{
		double		p = ss.pairs[i].score;
		double		y = ss.pairs[i].label;

		if (!(p >= 0 && p <= 1))
			probabilities = false;
		else
		{
			csum_add(&ll, log_loss_of_probability(p, y));
			csum_add(&brier, (p - y) * (p - y));
		}
	}
	if (!probabilities)
		ereport(NOTICE,
				(errmsg("insight_binary_metrics: scores outside [0, 1] are not probabilities, so log loss and Brier score are NULL")));

	/* thresholds: every distinct score, highest first; predicted true iff score >= t */
	for (int64 i = 0; i < ss.n;)
	{
		int64		j = i;
		double		f1;

		while (j < ss.n && ss.pairs[j].score == ss.pairs[i].score)
		{
			tp += ss.pairs[j].label;
			fp += 1 - ss.pairs[j].label;
			j++;
		}
		if (ss.pairs[i].score >= 0.5)
		{
			tp_half = tp;
			fp_half = fp;
		}
		f1 = ss.positives > 0 ? 2 * tp / (tp + fp + ss.positives) : 0;
		if (f1 > best_f1)
		{
			best_f1 = f1;
			best_threshold = ss.pairs[i].score;
			best_tp = tp;
			best_fp = fp;
		}
		i = j;
	}

	initStringInfo(&buf);
	appendStringInfo(&buf, "{\"n\": " INT64_FORMAT, ss.n);
	insight_json_float8(&buf, "positives", ss.positives);
	insight_json_float8(&buf, "base_rate", ss.positives / (double) ss.n);
	insight_json_float8(&buf, "auc", both ? auc_of(&ss) : NAN);
	insight_json_float8(&buf, "log_loss", probabilities ? (ll.sum + ll.c) / ss.n : NAN);
	insight_json_float8(&buf, "brier", probabilities ? (brier.sum + brier.c) / ss.n : NAN);
	json_confusion(&buf, "at_0_5", 0.5, tp_half, fp_half, &ss);
	if (both)
		json_confusion(&buf, "best_f1", best_threshold, best_tp, best_fp, &ss);
	else
		appendStringInfoString(&buf, ", \"best_f1\": null");
	appendStringInfoChar(&buf, '}');
	PG_RETURN_DATUM(DirectFunctionCall1(jsonb_in, CStringGetDatum(buf.data)));
}

/* ---------------------------------------------------------------------------
 * Means: insight_log_loss, insight_log_loss_logit, insight_brier
 * ---------------------------------------------------------------------------
 */

typedef struct MeanState
{
	int32		vl_len_;
	int32		unused;			/* zero */
	double		n;
	CompensatedSum total;
} MeanState;

#define MEAN_MAX_COUNT 9007199254740992.0	/* 2^53: n counts exactly below */

static MeanState *
mean_state_arg(FunctionCallInfo fcinfo, int argno)
{
	MeanState  *s = insight_state_get(fcinfo, argno, sizeof(MeanState));

	/* a crafted state must not smuggle in a NaN, an infinity or a fraction */
	if (s != NULL && (VARSIZE(s) != sizeof(MeanState) || s->unused != 0 ||
					  !(s->n >= 0 && s->n <= MEAN_MAX_COUNT && s->n == floor(s->n)) ||
					  !isfinite(s->total.sum) || !isfinite(s->total.c) ||
					  (s->n == 0 && (s->total.sum != 0 || s->total.c != 0))))
		ereport(ERROR,
				(errcode(ERRCODE_DATA_CORRUPTED),
				 errmsg("invalid mean aggregate state"),
				 errdetail("A state must have %zu bytes, a whole non-negative count and a finite sum; this one has %zu bytes.",
						   sizeof(MeanState), (Size) VARSIZE(s))));
	return s;
}

/* The sum of finite losses can still overflow: an error, never Inf or NaN. */
static void
mean_check_total(const MeanState *s)
{
	if (!isfinite(s->total.sum + s->total.c))
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("sum of the losses is out of the range of float8"),
				 errdetail("The losses of %.0f rows add up to more than %g.", s->n, DBL_MAX),
				 errhint("Scores this extreme (logits near the float8 limit) have no meaningful mean loss.")));
}

/* Add one value (skipping NULL inputs) to the mean state in argument 0. */
static Datum
mean_accum(FunctionCallInfo fcinfo, double (*loss) (double, double))
{
	MeanState  *s = mean_state_arg(fcinfo, 0);

	if (PG_ARGISNULL(1) || PG_ARGISNULL(2))
	{
		if (s == NULL)
			PG_RETURN_NULL();
		PG_RETURN_POINTER(s);
	}
	if (s == NULL)
		s = insight_state_new(fcinfo, sizeof(MeanState));
	s->n += 1;
	csum_add(&s->total, loss(PG_GETARG_FLOAT8(1), PG_GETARG_BOOL(2) ? 1.0 : 0.0));
	mean_check_total(s);
	PG_RETURN_POINTER(s);
}

static double
log_loss_probability(double p, double y)
{
	check_probability(p);
	return log_loss_of_probability(p, y);
}

static double
log_loss_logit(double m, double y)
{
	double		v = y > 0 ? -m : m;

	if (isnan(m))
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("logit must not be NaN")));
	/* the loss log(1 + e^v) is 0 at v = -Infinity, infinite at +Infinity */
	if (v == INFINITY)
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("log loss of a logit of %s with label %s is infinite",
						m > 0 ? "Infinity" : "-Infinity", y > 0 ? "true" : "false"),
				 errdetail("A certain prediction that is wrong has an infinite cross-entropy."),
				 errhint("Pass finite logits, or probabilities to insight_log_loss, which clips them.")));
	return insight_log1pexp(v);
}

static double
brier_term(double p, double y)
{
	check_probability(p);
	return (p - y) * (p - y);
}

PG_FUNCTION_INFO_V1(insight_log_loss_accum);
Datum
insight_log_loss_accum(PG_FUNCTION_ARGS)
{
	return mean_accum(fcinfo, log_loss_probability);
}

PG_FUNCTION_INFO_V1(insight_log_loss_logit_accum);
Datum
insight_log_loss_logit_accum(PG_FUNCTION_ARGS)
{
	return mean_accum(fcinfo, log_loss_logit);
}

PG_FUNCTION_INFO_V1(insight_brier_accum);
Datum
insight_brier_accum(PG_FUNCTION_ARGS)
{
	return mean_accum(fcinfo, brier_term);
}

PG_FUNCTION_INFO_V1(insight_mean_combine);
Datum
insight_mean_combine(PG_FUNCTION_ARGS)
{
	MeanState  *a = mean_state_arg(fcinfo, 0);
	MeanState  *b = mean_state_arg(fcinfo, 1);

	if (b == NULL)
	{
		if (a == NULL)
			PG_RETURN_NULL();
		PG_RETURN_POINTER(a);
	}
	if (a == NULL)
		PG_RETURN_POINTER(b);
	a->n += b->n;
	csum_add(&a->total, b->total.sum);
	csum_add(&a->total, b->total.c);
	mean_check_total(a);
	PG_RETURN_POINTER(a);
}

PG_FUNCTION_INFO_V1(insight_mean_final);
Datum
insight_mean_final(PG_FUNCTION_ARGS)
{
	MeanState  *s = mean_state_arg(fcinfo, 0);

	if (s == NULL || s->n == 0)
		PG_RETURN_NULL();
	mean_check_total(s);
	PG_RETURN_FLOAT8((s->total.sum + s->total.c) / s->n);
}
