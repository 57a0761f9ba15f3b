-- ---------------------------------------------------------------------------
-- Gradient-boosted trees (XGBoost): fitting over any query, prediction, exact
-- TreeSHAP explanations, export.  See src/models/trees/ for the model format,
-- the parameters and the rules that keep XGBoost safe inside a backend.
-- ---------------------------------------------------------------------------

CREATE FUNCTION @extschema@.insight_gbdt_fit(query text, params jsonb DEFAULT '{}')
RETURNS bytea
AS 'MODULE_PATHNAME', 'insight_gbdt_fit'
LANGUAGE C VOLATILE PARALLEL UNSAFE;

COMMENT ON FUNCTION @extschema@.insight_gbdt_fit(text, jsonb) IS
'Fit gradient-boosted trees with XGBoost (one thread) over a query returning (features float8[], target): a boolean target trains binary:logistic, a float8 target reg:squarederror. params (a JSON object, every key optional): rounds (1-10000, default 100), max_depth (1-20, 6), eta (0-1, 0.3), subsample and colsample_bytree (0-1, 1) with seed (0-2147483647, 0), min_child_weight (>= 0, 1), lambda (>= 0, 1), alpha (>= 0, 0), tree_method ("hist", "approx" or "exact"; "hist"), max_bin (2-1024, 256), validation_fraction (0-0.9: the last rows of the query are validation rows; 0, or 0.2 with early stopping), early_stopping_rounds (0 = none: stop when the validation metric has not improved for that many rounds and keep the best round, as xgboost.train does), feature_names (an array of one name per feature). Unknown keys and values out of range are errors (22023). Features are rounded to float4; a NULL element is a missing value (XGBoost''s default direction); rows with NULL features or target are skipped and counted. The rows must fit insight.max_training_memory (about 16 bytes per feature and row). A NOTICE reports the training (and validation) log loss or RMSE at round 1, every tenth round and the last; cancellable between rounds.';

CREATE FUNCTION @extschema@.insight_gbdt_predict(model bytea, features float8[], margin boolean DEFAULT false)
RETURNS float8
AS 'MODULE_PATHNAME', 'insight_gbdt_predict'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@.insight_gbdt_predict(bytea, float8[], boolean) IS
'Prediction of a GBDT model for one feature row: the probability of target true (binary: the logistic function of the margin) or the predicted value (regression); with margin => true the raw margin (log-odds for a classifier), which the SHAP values of insight_gbdt_explain add up to. Computed by walking the model''s trees in double precision, with XGBoost''s split rule (the feature rounded to float4 goes left when below the split condition; a NULL element is a missing value and takes the split''s learned default direction): the margin is the base margin plus the leaf values summed in double, where XGBoost''s own predictor sums in float4 (a few 1e-6 apart). Errors for the wrong number of features, a non-one-dimensional array, NaN or Infinity, a value beyond float4''s range (22003). The model, its booster and its trees are cached per backend.';

CREATE FUNCTION @extschema@.insight_gbdt_explain(model bytea, features float8[])
RETURNS float8[]
AS 'MODULE_PATHNAME', 'insight_gbdt_explain'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@.insight_gbdt_explain(bytea, float8[]) IS
'Exact path-dependent TreeSHAP values of one feature row (Lundberg, Erion & Lee 2018, Algorithm 2, with XGBoost''s conventions: the covers weigh the branches, as in pred_contribs), computed in double precision over the model''s trees: d + 1 values, element j the contribution of feature j, element d + 1 the bias (the base margin plus each tree''s cover-weighted mean leaf value); they sum to insight_gbdt_predict(model, features, margin => true) to about 1e-14 (XGBoost''s float4 pred_contribs miss by a few 1e-6). In margin units: log-odds for a classifier. Named rows: insight_gbdt_explain_named.';

CREATE FUNCTION @extschema@.insight_gbdt_explain_named(model bytea, features float8[])
RETURNS TABLE (ordinal integer, feature text, shap float8)
AS 'MODULE_PATHNAME', 'insight_gbdt_explain_named'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE ROWS 17;

COMMENT ON FUNCTION @extschema@.insight_gbdt_explain_named(bytea, float8[]) IS
'The SHAP values of insight_gbdt_explain as rows: (ordinal, feature name, value) for every feature, then (0, ''(bias)'', bias). Names come from the feature_names the model was trained with, else f1, f2, ...';

CREATE FUNCTION @extschema@.insight_gbdt_reasons(model bytea, features float8[], n integer DEFAULT 3)
RETURNS text[]
AS 'MODULE_PATHNAME', 'insight_gbdt_reasons'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@.insight_gbdt_reasons(bytea, float8[], integer) IS
'The n features with the largest absolute SHAP values for one row, largest first, as text: name and signed contribution to the margin with two decimals, for example {"recency_days +0.42","frequency -0.17"} (a positive value pushes the prediction up: for a churn model, towards churn).';

CREATE FUNCTION @extschema@.insight_gbdt_export(model bytea, format text DEFAULT 'ubj')
RETURNS bytea
AS 'MODULE_PATHNAME', 'insight_gbdt_export'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@.insight_gbdt_export(bytea, text) IS
'XGBoost''s own model of a GBDT model, format ''ubj'' (Universal Binary JSON) or ''json'', as XGBoost 1.7 saves it: xgboost.Booster(model_file = bytearray(value)) loads it and predicts the same values.';

CREATE FUNCTION @extschema@.insight_gbdt_handles()
RETURNS integer
AS 'MODULE_PATHNAME', 'insight_gbdt_handles'
LANGUAGE C VOLATILE PARALLEL RESTRICTED;

COMMENT ON FUNCTION @extschema@.insight_gbdt_handles() IS
'Diagnostics: the number of XGBoost handles (boosters and data matrices) this backend holds: one booster per GBDT model in the per-backend model cache (insight.model_cache_size), 0 before any; anything more between statements would be a leak.';
