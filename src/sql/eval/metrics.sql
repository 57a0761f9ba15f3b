-- ---------------------------------------------------------------------------
-- Evaluation aggregates for binary classifiers (src/eval/metrics.c).  Parallel
-- safe, bytea states with combine functions.  Rows with a NULL score or label
-- are ignored; no row at all gives NULL.
-- ---------------------------------------------------------------------------

CREATE FUNCTION @extschema@.insight_scores_accum(state bytea, score float8, label boolean)
RETURNS bytea
AS 'MODULE_PATHNAME', 'insight_scores_accum'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@.insight_scores_accum(bytea, float8, boolean) IS
'Transition function of insight_auc and insight_binary_metrics: keeps the (score, label) pair.';

CREATE FUNCTION @extschema@.insight_scores_combine(state1 bytea, state2 bytea)
RETURNS bytea
AS 'MODULE_PATHNAME', 'insight_scores_combine'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@.insight_scores_combine(bytea, bytea) IS
'Combine function of insight_auc and insight_binary_metrics: concatenates two sets of (score, label) pairs.';

CREATE FUNCTION @extschema@.insight_auc_final(state bytea)
RETURNS float8
AS 'MODULE_PATHNAME', 'insight_auc_final'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@.insight_auc_final(bytea) IS
'Final function of insight_auc (sorts the pairs of the state in place).';

CREATE AGGREGATE @extschema@.insight_auc(score float8, label boolean) (
    SFUNC = @extschema@.insight_scores_accum,
    STYPE = bytea,
    COMBINEFUNC = @extschema@.insight_scores_combine,
    FINALFUNC = @extschema@.insight_auc_final,
    FINALFUNC_MODIFY = READ_WRITE,
    PARALLEL = SAFE
);

COMMENT ON AGGREGATE @extschema@.insight_auc(float8, boolean) IS
'Exact area under the ROC curve of scores for label true: the share of (true, false) pairs in which the true row scores higher, ties counting one half (Mann-Whitney U / (P*N); equals scikit-learn roc_auc_score). Only the order of the scores matters. NULL with a NOTICE when one class is missing; NaN scores are an error. Keeps every pair in memory (16 bytes a row, limited by insight.max_training_memory).';

CREATE FUNCTION @extschema@.insight_binary_metrics_final(state bytea)
RETURNS jsonb
AS 'MODULE_PATHNAME', 'insight_binary_metrics_final'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@.insight_binary_metrics_final(bytea) IS
'Final function of insight_binary_metrics (sorts the pairs of the state in place).';

CREATE AGGREGATE @extschema@.insight_binary_metrics(score float8, label boolean) (
    SFUNC = @extschema@.insight_scores_accum,
    STYPE = bytea,
    COMBINEFUNC = @extschema@.insight_scores_combine,
    FINALFUNC = @extschema@.insight_binary_metrics_final,
    FINALFUNC_MODIFY = READ_WRITE,
    PARALLEL = SAFE
);

COMMENT ON AGGREGATE @extschema@.insight_binary_metrics(float8, boolean) IS
'Evaluation of a binary classifier''s probabilities as jsonb: n, positives, base_rate, auc (as insight_auc), log_loss (probabilities clipped to [eps, 1 - eps] as in insight_log_loss), brier, and at_0_5 and best_f1 (the threshold with the highest F1, highest threshold on ties), each with threshold, accuracy, precision, recall, f1, true_positives and false_positives, where a row is predicted true when its score >= threshold. Metrics that need both classes are null with a NOTICE when one is missing; precision is null without predicted positives; log_loss and brier are null (NOTICE) when a score is outside [0, 1].';

CREATE FUNCTION @extschema@.insight_mean_combine(state1 bytea, state2 bytea)
RETURNS bytea
AS 'MODULE_PATHNAME', 'insight_mean_combine'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@.insight_mean_combine(bytea, bytea) IS
'Combine function of insight_log_loss, insight_log_loss_logit and insight_brier: adds two compensated sums.';

CREATE FUNCTION @extschema@.insight_mean_final(state bytea)
RETURNS float8
AS 'MODULE_PATHNAME', 'insight_mean_final'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@.insight_mean_final(bytea) IS
'Final function of insight_log_loss, insight_log_loss_logit and insight_brier: the mean.';

CREATE FUNCTION @extschema@.insight_log_loss_accum(state bytea, probability float8, label boolean)
RETURNS bytea
AS 'MODULE_PATHNAME', 'insight_log_loss_accum'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@.insight_log_loss_accum(bytea, float8, boolean) IS
'Transition function of insight_log_loss.';

CREATE AGGREGATE @extschema@.insight_log_loss(probability float8, label boolean) (
    SFUNC = @extschema@.insight_log_loss_accum,
    STYPE = bytea,
    COMBINEFUNC = @extschema@.insight_mean_combine,
    FINALFUNC = @extschema@.insight_mean_final,
    PARALLEL = SAFE
);

COMMENT ON AGGREGATE @extschema@.insight_log_loss(float8, boolean) IS
'Mean log loss (cross-entropy) of probabilities of label true: -log(p) for true, -log(1 - p) for false, with p clipped to [eps, 1 - eps], eps = 2.220446e-16 (machine epsilon, as scikit-learn 1.2 log_loss does), so it is finite for extreme scores. Probabilities outside [0, 1] are an error; for logits use insight_log_loss_logit.';

CREATE FUNCTION @extschema@.insight_log_loss_logit_accum(state bytea, logit float8, label boolean)
RETURNS bytea
AS 'MODULE_PATHNAME', 'insight_log_loss_logit_accum'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@.insight_log_loss_logit_accum(bytea, float8, boolean) IS
'Transition function of insight_log_loss_logit.';

CREATE AGGREGATE @extschema@.insight_log_loss_logit(logit float8, label boolean) (
    SFUNC = @extschema@.insight_log_loss_logit_accum,
    STYPE = bytea,
    COMBINEFUNC = @extschema@.insight_mean_combine,
    FINALFUNC = @extschema@.insight_mean_final,
    PARALLEL = SAFE
);

COMMENT ON AGGREGATE @extschema@.insight_log_loss_logit(float8, boolean) IS
'Mean log loss from logits m = log(p / (1 - p)): log(1 + exp(-m)) for true, log(1 + exp(m)) for false, computed without overflow, so it is exact for any finite logit (logit -800 with label true gives 800).';

CREATE FUNCTION @extschema@.insight_brier_accum(state bytea, probability float8, label boolean)
RETURNS bytea
AS 'MODULE_PATHNAME', 'insight_brier_accum'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@.insight_brier_accum(bytea, float8, boolean) IS
'Transition function of insight_brier.';

CREATE AGGREGATE @extschema@.insight_brier(probability float8, label boolean) (
    SFUNC = @extschema@.insight_brier_accum,
    STYPE = bytea,
    COMBINEFUNC = @extschema@.insight_mean_combine,
    FINALFUNC = @extschema@.insight_mean_final,
    PARALLEL = SAFE
);

COMMENT ON AGGREGATE @extschema@.insight_brier(float8, boolean) IS
'Brier score: mean of (p - y)^2 over probabilities p of label true, y = 1 for true and 0 for false (as scikit-learn brier_score_loss). Probabilities outside [0, 1] are an error.';
