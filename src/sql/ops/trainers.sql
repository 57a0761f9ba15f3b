-- ---------------------------------------------------------------------------
-- Operations, part 4: insight's own tasks in the retraining dispatch table.
-- One adapter and one row per task: the adapter trains the task as its
-- training function does, with the params of its active model, through
-- insight_train_task(..., skip_unchanged => true), so that unchanged data
-- and params store no new version (see insight_retrain()).
-- ---------------------------------------------------------------------------

-- recommender: the algorithm is the model's (als, itemknn, popularity), the
-- params are the complete ones insight_train_recommender stored
CREATE FUNCTION @extschema@.insight_retrain_recommender(params jsonb)
RETURNS bigint
LANGUAGE sql
AS $$
    SELECT @extschema@.insight_train_task(@extschema@.insight_recommender_setup(
        (SELECT p.algorithm FROM @extschema@.insight_retrain_plan('recommender') p), $1, NULL, interval '30 days'), true)
$$;

COMMENT ON FUNCTION @extschema@.insight_retrain_recommender(jsonb) IS
'Retraining adapter of the recommender task (insight_trainers): trains as insight_train_recommender() does, with the algorithm of the model retrained from (the active one, else the latest) and the given params; stores nothing when the model equals the active one.';

-- segments: k as stored (NULL: chosen again by the silhouette)
CREATE FUNCTION @extschema@.insight_retrain_segments(params jsonb)
RETURNS bigint
LANGUAGE sql
AS $$
    SELECT @extschema@.insight_train_task(
        @extschema@.insight_segments_setup(($1 OPERATOR(pg_catalog.->>) 'k')::integer, NULL), true)
$$;

COMMENT ON FUNCTION @extschema@.insight_retrain_segments(jsonb) IS
'Retraining adapter of the segments task (insight_trainers): trains as insight_train_segments() does, with the k of the given params (NULL: chosen again by the silhouette); stores nothing when the model equals the active one.';

-- churn: the horizon and the algorithm as stored, the rest are the model's
-- hyper-parameters
CREATE FUNCTION @extschema@.insight_retrain_churn(params jsonb)
RETURNS bigint
LANGUAGE sql
AS $$
    SELECT @extschema@.insight_train_task(@extschema@.insight_churn_setup(
        COALESCE(($1 OPERATOR(pg_catalog.->>) 'horizon')::interval, interval '90 days'), NULL,
        COALESCE($1 OPERATOR(pg_catalog.->>) 'algorithm', 'logistic'),
        $1 OPERATOR(pg_catalog.-) '{horizon,algorithm,chosen}'::pg_catalog.text[]), true)
$$;

COMMENT ON FUNCTION @extschema@.insight_retrain_churn(jsonb) IS
'Retraining adapter of the churn task (insight_trainers): trains as insight_train_churn() does, with the horizon, algorithm and hyper-parameters of the given params (for algorithm auto the choice is made again: params.chosen is dropped), on the latest data (as_of NULL); stores nothing when the model equals the active one.';

-- clv: the period and holdout as stored (a null holdout: the last quarter of
-- the history again), as_of the default (the day after the latest purchase)
CREATE FUNCTION @extschema@.insight_retrain_clv(params jsonb)
RETURNS bigint
LANGUAGE sql
AS $$
    SELECT @extschema@.insight_train_task(@extschema@.insight_clv_setup(NULL,
        COALESCE(($1 OPERATOR(pg_catalog.->>) 'period')::interval, interval '7 days'),
        ($1 OPERATOR(pg_catalog.->>) 'holdout')::interval), true)
$$;

COMMENT ON FUNCTION @extschema@.insight_retrain_clv(jsonb) IS
'Retraining adapter of the CLV task (insight_trainers): trains as insight_train_clv() does, on all purchases (default as_of) with the period and holdout of the given params (holdout null: the last quarter of the history); stores nothing when the models equal the active ones.';

-- value: the horizon as stored, the rest are the model's hyper-parameters
CREATE FUNCTION @extschema@.insight_retrain_value(params jsonb)
RETURNS bigint
LANGUAGE sql
AS $$
    SELECT @extschema@.insight_train_task(@extschema@.insight_value_setup(
        COALESCE(($1 OPERATOR(pg_catalog.->>) 'horizon')::interval, interval '90 days'), NULL,
        $1 OPERATOR(pg_catalog.-) '{horizon,algorithm}'::pg_catalog.text[]), true)
$$;

COMMENT ON FUNCTION @extschema@.insight_retrain_value(jsonb) IS
'Retraining adapter of the value task (insight_trainers): trains as insight_train_value() does, with the horizon and hyper-parameters of the given params, on the latest data (as_of NULL); stores nothing when the model equals the active one.';

-- propensity: the horizon as stored, the groups and the model's
-- hyper-parameters (the item groups are picked again)
CREATE FUNCTION @extschema@.insight_retrain_propensity(params jsonb)
RETURNS bigint
LANGUAGE sql
AS $$
    SELECT @extschema@.insight_train_task(@extschema@.insight_propensity_setup(
        COALESCE(($1 OPERATOR(pg_catalog.->>) 'horizon')::interval, interval '90 days'), NULL,
        $1 OPERATOR(pg_catalog.-) '{horizon,item_groups}'::pg_catalog.text[]), true)
$$;

COMMENT ON FUNCTION @extschema@.insight_retrain_propensity(jsonb) IS
'Retraining adapter of the propensity task (insight_trainers): trains as insight_train_propensity() does, with the horizon, groups and hyper-parameters of the given params (the item groups are picked again on the latest data), on the latest data (as_of NULL); stores nothing when the model equals the active one.';

-- sentiment: the params as stored (buckets, c, alpha, max_iterations,
-- variant, norm), completed by the defaults (a model trained before a
-- parameter existed gets its default)
CREATE FUNCTION @extschema@.insight_retrain_sentiment(params jsonb)
RETURNS bigint
LANGUAGE sql
AS $$
    SELECT @extschema@.insight_train_task(@extschema@.insight_sentiment_setup(
        @extschema@.insight_sentiment_default_params() OPERATOR(pg_catalog.||)
        ($1 OPERATOR(pg_catalog.-) (SELECT pg_catalog.array_agg(k)
                                      FROM pg_catalog.jsonb_object_keys($1) k
                                     WHERE NOT @extschema@.insight_sentiment_default_params() OPERATOR(pg_catalog.?) k))), true)
$$;

COMMENT ON FUNCTION @extschema@.insight_retrain_sentiment(jsonb) IS
'Retraining adapter of the sentiment task (insight_trainers): trains as insight_train_sentiment() does, on the registered reviews as they are now, with the given params (keys insight_sentiment_default_params does not know are dropped, missing ones take their defaults); stores nothing when the model equals the active one (the fit is deterministic: the same reviews and params give the same bytes). Errors as insight_train_sentiment.';

INSERT INTO @extschema@.insight_trainers (task, train_function, rows_metric, builtin) VALUES
    ('churn', '@extschema@.insight_retrain_churn(jsonb)', 'serve_rows', true),
    ('clv', '@extschema@.insight_retrain_clv(jsonb)', 'customers', true),
    ('recommender', '@extschema@.insight_retrain_recommender(jsonb)', 'train_interactions', true),
    ('segments', '@extschema@.insight_retrain_segments(jsonb)', 'customers', true),
    ('value', '@extschema@.insight_retrain_value(jsonb)', 'serve_rows', true),
    ('propensity', '@extschema@.insight_retrain_propensity(jsonb)', 'serve_rows', true),
    ('sentiment', '@extschema@.insight_retrain_sentiment(jsonb)', 'serve_rows', true);

-- the writing adapters are for insight_admin only (ops/privileges.sql ran before)
SELECT @extschema@.insight_apply_privileges();
