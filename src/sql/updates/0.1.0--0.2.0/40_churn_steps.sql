-- The churn task's evaluation and comparison steps (tasks/churn.sql, created
-- by 30_tasks_2_steps.sql) score through insight_predict (10_algorithms.sql)
-- rather than the logistic-regression function by name, so that an active
-- churn model of any algorithm is compared; one that cannot predict from
-- features (0A000) counts as one that cannot score these features.

CREATE OR REPLACE FUNCTION @extschema@.insight_churn_evaluate(t @extschema@.insight_training)
RETURNS @extschema@.insight_training
LANGUAGE plpgsql
SET TimeZone = 'UTC'
SET IntervalStyle = 'postgres'
AS $$
DECLARE
    test_metrics pg_catalog.jsonb;
    n_test bigint;
BEGIN
    -- out-of-time evaluation: fit at the training cutoff, measure at the test cutoff
    t.evaluation_weights := @extschema@.insight_churn_fit(t.params, 'insight_churn_train');
    SELECT @extschema@.insight_binary_metrics(@extschema@.insight_predict(t.evaluation_weights, r.features), r.churned),
           @extschema@.insight_auc(r.recency_days, r.churned), pg_catalog.count(*)
      INTO test_metrics, t.baseline_score, n_test
      FROM pg_temp.insight_churn_test r;
    t.score := (test_metrics OPERATOR(pg_catalog.->>) 'auc')::pg_catalog.float8;
    t.metrics := t.metrics OPERATOR(pg_catalog.||) pg_catalog.jsonb_build_object(
        'test_rows', n_test,
        'auc', t.score,
        'test', test_metrics,
        'baseline', pg_catalog.jsonb_build_object('score', 'recency_days', 'auc', t.baseline_score),
        'beats_baseline', t.score OPERATOR(pg_catalog.>) t.baseline_score);
    RETURN t;
END
$$;

CREATE OR REPLACE FUNCTION @extschema@.insight_churn_compare(t @extschema@.insight_training, active @extschema@.insight_models)
RETURNS jsonb
LANGUAGE plpgsql
SET TimeZone = 'UTC'
SET IntervalStyle = 'postgres'
AS $$
DECLARE
    active_auc pg_catalog.float8;
BEGIN
    -- the active model's evaluation model on the same window
    BEGIN
        SELECT @extschema@.insight_auc(@extschema@.insight_predict(
                   COALESCE(active.evaluation_weights, active.weights), r.features), r.churned)
          INTO active_auc FROM pg_temp.insight_churn_test r;
    EXCEPTION WHEN array_subscript_error OR invalid_parameter_value OR data_corrupted
                   OR feature_not_supported THEN
        active_auc := NULL;     -- the active model cannot score these features
    END;
    RETURN pg_catalog.jsonb_build_object('model_id', active.model_id, 'auc', active_auc);
END
$$;
