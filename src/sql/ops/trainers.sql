-- ---------------------------------------------------------------------------
-- Operations, part 4: insight's own tasks in the retraining dispatch table.
-- One adapter and one row per task: the adapter calls the task's training
-- function with the params of its active model (see insight_retrain()).
-- ---------------------------------------------------------------------------

-- recommender: the algorithm is the model's (als, itemknn, popularity), the
-- params are the complete ones insight_train_recommender stored
CREATE FUNCTION @extschema@.insight_retrain_recommender(params jsonb)
RETURNS bigint
LANGUAGE sql
AS $$
    SELECT @extschema@.insight_train_recommender(
        (SELECT p.algorithm FROM @extschema@.insight_retrain_plan('recommender') p), $1)
$$;

COMMENT ON FUNCTION @extschema@.insight_retrain_recommender(jsonb) IS
'Retraining adapter of the recommender task (insight_trainers): insight_train_recommender() with the algorithm of the model retrained from (the active one, else the latest) and the given params.';

-- segments: k as stored (NULL: chosen again by the silhouette)
CREATE FUNCTION @extschema@.insight_retrain_segments(params jsonb)
RETURNS bigint
LANGUAGE sql
AS $$ SELECT @extschema@.insight_train_segments(($1 OPERATOR(pg_catalog.->>) 'k')::integer) $$;

COMMENT ON FUNCTION @extschema@.insight_retrain_segments(jsonb) IS
'Retraining adapter of the segments task (insight_trainers): insight_train_segments() with the k of the given params (NULL: chosen again by the silhouette).';

-- churn: the horizon and the algorithm as stored, the rest are the model's
-- hyper-parameters
CREATE FUNCTION @extschema@.insight_retrain_churn(params jsonb)
RETURNS bigint
LANGUAGE sql
AS $$
    SELECT @extschema@.insight_train_churn(
        COALESCE(($1 OPERATOR(pg_catalog.->>) 'horizon')::interval, interval '90 days'), NULL,
        COALESCE($1 OPERATOR(pg_catalog.->>) 'algorithm', 'logistic'),
        $1 OPERATOR(pg_catalog.-) 'horizon' OPERATOR(pg_catalog.-) 'algorithm')
$$;

COMMENT ON FUNCTION @extschema@.insight_retrain_churn(jsonb) IS
'Retraining adapter of the churn task (insight_trainers): insight_train_churn() with the horizon, algorithm and hyper-parameters of the given params, on the latest data (as_of NULL).';

-- clv: the period and holdout as stored (a null holdout: the last quarter of
-- the history again), as_of the default (the day after the latest purchase)
CREATE FUNCTION @extschema@.insight_retrain_clv(params jsonb)
RETURNS bigint
LANGUAGE sql
AS $$
    SELECT @extschema@.insight_train_clv(NULL,
        COALESCE(($1 OPERATOR(pg_catalog.->>) 'period')::interval, interval '7 days'),
        ($1 OPERATOR(pg_catalog.->>) 'holdout')::interval)
$$;

COMMENT ON FUNCTION @extschema@.insight_retrain_clv(jsonb) IS
'Retraining adapter of the CLV task (insight_trainers): insight_train_clv() on all purchases (default as_of) with the period and holdout of the given params (holdout null: the last quarter of the history).';

INSERT INTO @extschema@.insight_trainers (task, train_function, rows_metric, builtin) VALUES
    ('churn', '@extschema@.insight_retrain_churn(jsonb)', 'serve_rows', true),
    ('clv', '@extschema@.insight_retrain_clv(jsonb)', 'customers', true),
    ('recommender', '@extschema@.insight_retrain_recommender(jsonb)', 'train_interactions', true),
    ('segments', '@extschema@.insight_retrain_segments(jsonb)', 'customers', true);

-- the writing adapters are for insight_admin only (ops/privileges.sql ran before)
SELECT @extschema@.insight_apply_privileges();
