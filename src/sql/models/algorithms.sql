-- ---------------------------------------------------------------------------
-- Generic scoring of feature-based models: any algorithm that has the
-- operation, found in the model's header and dispatched through the
-- algorithm table (src/models/algorithms.c, src/models/serving.c).  The
-- recommenders' generic entry points are with them (models/recsys/recommend.sql,
-- tasks/targeting.sql).
-- ---------------------------------------------------------------------------

CREATE FUNCTION @extschema@.insight_predict(model bytea, features float8[])
RETURNS float8
AS 'MODULE_PATHNAME', 'insight_predict'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@.insight_predict(bytea, float8[]) IS
'The score of one row of features under a feature-based model of any algorithm (read from the model''s header): for logistic regression the probability of label true, exactly insight_logreg_predict; for an MLP what insight_mlp_predict returns (probability, value, most probable class or expected value, by its loss). NULL when an element is NULL. Errors: 0A000 for an algorithm that does not predict from features (scaler, kmeans, the CLV models, recommenders), XX001 for a corrupt model, 2202E for the wrong number of features or an array that is not one-dimensional, 22000 for NaN or Infinity. The decoded model is cached per backend (insight.model_cache_size).';

CREATE FUNCTION @extschema@.insight_contributions(model bytea, features float8[])
RETURNS float8[]
AS 'MODULE_PATHNAME', 'insight_contributions'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@.insight_contributions(bytea, float8[]) IS
'Per-feature contributions to the score of one row under a feature-based model of any algorithm: for logistic regression w_j*(x_j - mean_j), the terms of the logit relative to the average training row, exactly insight_logreg_contributions; for an MLP the integrated gradients (Sundararajan, Taly & Yan 2017; trapezoidal rule over 256 steps) of insight_mlp_predict(model, features, margin => true) from the average training row, which sum to that margin minus the average row''s up to the rule''s error (within 1% in sql/43_nn.sql). Positive values push the score up. NULL when an element is NULL; errors as insight_predict (0A000 for an algorithm without contributions).';
