-- GBDT prediction and explanation in double precision (issue 17): the trees
-- of XGBoost's model walked by insight (src/models/trees/gbdt_trees.h); the
-- comments of insight_gbdt_predict and insight_gbdt_explain
-- (src/sql/models/trees/gbdt.sql) say so.

COMMENT ON FUNCTION @extschema@.insight_gbdt_predict(bytea, float8[], boolean) IS
'Prediction of a GBDT model for one feature row: the probability of target true (binary: the logistic function of the margin) or the predicted value (regression); with margin => true the raw margin (log-odds for a classifier), which the SHAP values of insight_gbdt_explain add up to. Computed by walking the model''s trees in double precision, with XGBoost''s split rule (the feature rounded to float4 goes left when below the split condition; a NULL element is a missing value and takes the split''s learned default direction): the margin is the base margin plus the leaf values summed in double, where XGBoost''s own predictor sums in float4 (a few 1e-6 apart). Errors for the wrong number of features, a non-one-dimensional array, NaN or Infinity, a value beyond float4''s range (22003). The model, its booster and its trees are cached per backend.';

COMMENT ON FUNCTION @extschema@.insight_gbdt_explain(bytea, float8[]) IS
'Exact path-dependent TreeSHAP values of one feature row (Lundberg, Erion & Lee 2018, Algorithm 2, with XGBoost''s conventions: the covers weigh the branches, as in pred_contribs), computed in double precision over the model''s trees: d + 1 values, element j the contribution of feature j, element d + 1 the bias (the base margin plus each tree''s cover-weighted mean leaf value); they sum to insight_gbdt_predict(model, features, margin => true) to about 1e-14 (XGBoost''s float4 pred_contribs miss by a few 1e-6). In margin units: log-odds for a classifier. Named rows: insight_gbdt_explain_named.';
