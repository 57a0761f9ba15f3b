-- Gradient-boosted trees (issue 17): insight_gbdt_fit, _predict, _explain,
-- _explain_named, _reasons, _export and _handles, as in src/sql/models/trees/gbdt.sql.

--@ function src/sql/models/trees/gbdt.sql insight_gbdt_fit

--@ comment src/sql/models/trees/gbdt.sql insight_gbdt_fit

--@ function src/sql/models/trees/gbdt.sql insight_gbdt_predict

COMMENT ON FUNCTION @extschema@.insight_gbdt_predict(bytea, float8[], boolean) IS
'Prediction of a GBDT model for one feature row: the probability of target true (binary) or the predicted value (regression); with margin => true the raw margin (log-odds for a classifier), which the SHAP values of insight_gbdt_explain add up to. A NULL element is a missing value. Errors for the wrong number of features, a non-one-dimensional array, NaN or Infinity. The model and its booster are cached per backend.';

--@ function src/sql/models/trees/gbdt.sql insight_gbdt_explain

COMMENT ON FUNCTION @extschema@.insight_gbdt_explain(bytea, float8[]) IS
'Exact TreeSHAP values of one feature row (XGBoost pred_contribs): d + 1 values, element j the contribution of feature j, element d + 1 the bias (the expected margin); they sum to insight_gbdt_predict(model, features, margin => true). In margin units: log-odds for a classifier. Named rows: insight_gbdt_explain_named.';

--@ function src/sql/models/trees/gbdt.sql insight_gbdt_explain_named

--@ comment src/sql/models/trees/gbdt.sql insight_gbdt_explain_named

--@ function src/sql/models/trees/gbdt.sql insight_gbdt_reasons

--@ comment src/sql/models/trees/gbdt.sql insight_gbdt_reasons

--@ function src/sql/models/trees/gbdt.sql insight_gbdt_export

--@ comment src/sql/models/trees/gbdt.sql insight_gbdt_export

--@ function src/sql/models/trees/gbdt.sql insight_gbdt_handles

--@ comment src/sql/models/trees/gbdt.sql insight_gbdt_handles
