
-- The churn task takes algorithm => 'logistic' | 'gbdt' | 'mlp' | 'auto'
-- (insight_churn_algorithms), reasons carry their contributions
-- ("recency_days +0.42", insight_top_reasons) and insight_churn_reasons()
-- explains one customer's score, as in src/sql/tasks/churn.sql, report.sql
-- and ops/trainers.sql.  insight_report() itself, which several parts
-- change, is replaced once, in 85_report_html.sql.

--@ function src/sql/tasks/churn.sql insight_churn_algorithms

--@ comment src/sql/tasks/churn.sql insight_churn_algorithms

--@ function src/sql/tasks/churn.sql insight_churn_params

--@ comment src/sql/tasks/churn.sql insight_churn_params

--@ function src/sql/tasks/churn.sql insight_churn_algorithm_params

--@ comment src/sql/tasks/churn.sql insight_churn_algorithm_params

--@ function src/sql/tasks/churn.sql insight_horizon_windows

--@ comment src/sql/tasks/churn.sql insight_horizon_windows

CREATE OR REPLACE FUNCTION @extschema@.insight_churn_setup(horizon interval, as_of timestamptz, algorithm text, params jsonb)
RETURNS @extschema@.insight_training
LANGUAGE plpgsql
SET TimeZone = 'UTC'
SET IntervalStyle = 'postgres'
AS $$
DECLARE
    t @extschema@.insight_training := @extschema@.insight_horizon_windows('churn', horizon, as_of);
BEGIN
    IF algorithm IS NULL THEN
        RAISE EXCEPTION 'the churn algorithm must not be NULL'
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    t.params := @extschema@.insight_churn_algorithm_params(algorithm, params)
                OPERATOR(pg_catalog.||) pg_catalog.jsonb_build_object('algorithm', algorithm, 'horizon', horizon::pg_catalog.text);
    t.algorithm := (SELECT x.model_algorithm FROM @extschema@.insight_churn_algorithms() x
                     WHERE x.algorithm OPERATOR(pg_catalog.=) $3);   -- auto: set by evaluate
    RETURN t;
END
$$;

--@ comment src/sql/tasks/churn.sql insight_churn_setup

CREATE OR REPLACE FUNCTION @extschema@.insight_churn_fit(params jsonb, rows_table text)
RETURNS bytea
LANGUAGE plpgsql
AS $$
DECLARE
    algorithm pg_catalog.text := COALESCE(params OPERATOR(pg_catalog.->>) 'chosen', params OPERATOR(pg_catalog.->>) 'algorithm');
    query pg_catalog.text := pg_catalog.format('SELECT t.features, t.churned FROM pg_temp.%I t', rows_table);
    p pg_catalog.jsonb := CASE WHEN params OPERATOR(pg_catalog.->>) 'algorithm' OPERATOR(pg_catalog.=) 'auto'
                               THEN params OPERATOR(pg_catalog.->) algorithm
                               ELSE params OPERATOR(pg_catalog.-) '{algorithm,horizon,chosen}'::pg_catalog.text[] END;
BEGIN
    IF algorithm OPERATOR(pg_catalog.=) 'logistic' THEN
        RETURN @extschema@.insight_logreg_fit(query,
            (p OPERATOR(pg_catalog.->>) 'lambda')::pg_catalog.float8,
            (p OPERATOR(pg_catalog.->>) 'max_iterations')::integer,
            (p OPERATOR(pg_catalog.->>) 'tolerance')::pg_catalog.float8);
    ELSIF algorithm OPERATOR(pg_catalog.=) 'gbdt' THEN
        RETURN @extschema@.insight_gbdt_fit(query, p OPERATOR(pg_catalog.||)
            pg_catalog.jsonb_build_object('feature_names', @extschema@.insight_feature_names()));
    ELSIF algorithm OPERATOR(pg_catalog.=) 'mlp' THEN
        RETURN @extschema@.insight_mlp_fit_params(query, 'binary', p);
    END IF;
    RAISE EXCEPTION 'unknown churn algorithm "%"', algorithm
        USING ERRCODE = 'invalid_parameter_value';
END
$$;

COMMENT ON FUNCTION @extschema@.insight_churn_fit(jsonb, text) IS
'Fits the churn model of the params (insight_churn_algorithm_params, with algorithm and horizon; for algorithm auto the one named by params.chosen) on a temporary table of labelled rows (insight_churn_training_rows): logistic with insight_logreg_fit, gbdt with insight_gbdt_fit (feature names from insight_churn_feature_names, with the review features of a model trained with them), mlp with insight_mlp_fit (loss binary). A new churn algorithm is a row of insight_churn_algorithms and a branch here.';

CREATE OR REPLACE FUNCTION @extschema@.insight_churn_evaluate(t @extschema@.insight_training)
RETURNS @extschema@.insight_training
LANGUAGE plpgsql
SET TimeZone = 'UTC'
SET IntervalStyle = 'postgres'
AS $$
DECLARE
    a record;
    w pg_catalog.bytea;
    auc pg_catalog.float8;
    candidates pg_catalog.jsonb := '{}';
    chosen pg_catalog.text;
    m pg_catalog.jsonb;
    test_metrics pg_catalog.jsonb;
    n_test bigint;
BEGIN
    -- out-of-time evaluation: fit at the training cutoff, measure at the test
    -- cutoff; for 'auto' every algorithm, keeping the best AUC (the simpler
    -- one on a tie, or when no AUC is defined)
    FOR a IN SELECT * FROM @extschema@.insight_churn_algorithms() x
              WHERE t.params OPERATOR(pg_catalog.->>) 'algorithm' OPERATOR(pg_catalog.=) ANY (ARRAY[x.algorithm, 'auto'])
              ORDER BY x.complexity LOOP
        w := @extschema@.insight_churn_fit(t.params OPERATOR(pg_catalog.||) pg_catalog.jsonb_build_object('chosen', a.algorithm),
                                           'insight_churn_train');
        SELECT @extschema@.insight_binary_metrics(@extschema@.insight_predict(w, r.features), r.churned) INTO m
          FROM pg_temp.insight_churn_test r;
        auc := (m OPERATOR(pg_catalog.->>) 'auc')::pg_catalog.float8;
        candidates := candidates OPERATOR(pg_catalog.||) pg_catalog.jsonb_build_object(a.algorithm, auc);
        IF chosen IS NULL OR auc OPERATOR(pg_catalog.>) t.score OR (t.score IS NULL AND auc IS NOT NULL) THEN
            chosen := a.algorithm;
            t.algorithm := a.model_algorithm;
            t.evaluation_weights := w;
            t.score := auc;
            test_metrics := m;
        END IF;
    END LOOP;
    IF t.params OPERATOR(pg_catalog.->>) 'algorithm' OPERATOR(pg_catalog.=) 'auto' THEN
        t.params := t.params OPERATOR(pg_catalog.||) pg_catalog.jsonb_build_object('chosen', chosen);
        RAISE NOTICE 'churn algorithm auto: % has the best out-of-time AUC (%)', chosen,
            (SELECT pg_catalog.string_agg(pg_catalog.format('%s %s', c.key, @extschema@.insight_notice_number(c.value::pg_catalog.float8)), ', ')
               FROM pg_catalog.jsonb_each_text(candidates) c);
    END IF;
    SELECT @extschema@.insight_auc(r.recency_days, r.churned), pg_catalog.count(*)
      INTO t.baseline_score, n_test
      FROM pg_temp.insight_churn_test r;
    t.metrics := t.metrics OPERATOR(pg_catalog.||) pg_catalog.jsonb_build_object(
        'algorithm', chosen,
        'candidates', candidates,
        'test_rows', n_test,
        'auc', t.score,
        'test', test_metrics,
        'baseline', pg_catalog.jsonb_build_object('score', 'recency_days', 'auc', t.baseline_score),
        'beats_baseline', t.score OPERATOR(pg_catalog.>) t.baseline_score);
    RETURN t;
END
$$;

COMMENT ON FUNCTION @extschema@.insight_churn_evaluate(@extschema@.insight_training) IS
'Churn step evaluate: fits the evaluation model on insight_churn_train and measures it on insight_churn_test (insight_binary_metrics; score: AUC) next to the baseline, the AUC of recency_days alone. With algorithm auto it fits every algorithm of insight_churn_algorithms, keeps the one with the best AUC (the simpler one on a tie; params.chosen names it, with a NOTICE) and records each one''s AUC in metrics.candidates.';

--@ comment src/sql/tasks/churn.sql insight_train_churn

--@ function src/sql/tasks/churn.sql insight_top_reasons

--@ comment src/sql/tasks/churn.sql insight_top_reasons

CREATE OR REPLACE FUNCTION @extschema@.insight_churn_reasons(customer text, as_of timestamptz DEFAULT NULL)
RETURNS TABLE (feature text, value float8, contribution float8, model_id bigint, algorithm text)
LANGUAGE plpgsql STABLE PARALLEL SAFE
SET TimeZone = 'UTC'
SET IntervalStyle = 'postgres'
AS $$
DECLARE
    m @extschema@.insight_models;
    f pg_catalog.float8[];
BEGIN
    SELECT * INTO m FROM @extschema@.insight_active_model('churn') x;
    IF m.model_id IS NULL THEN
        PERFORM @extschema@.insight_no_active_model('churn');
    END IF;
    SELECT c.features INTO f FROM @extschema@.insight_customer_features_of(customer, as_of) c;
    IF f IS NULL THEN
        RETURN;
    END IF;
    RETURN QUERY
        SELECT x.name, x.v, x.c, m.model_id, m.algorithm
          FROM ROWS FROM (pg_catalog.unnest(@extschema@.insight_feature_names()), pg_catalog.unnest(f),
                          pg_catalog.unnest(@extschema@.insight_contributions(m.weights, f))) WITH ORDINALITY x(name, v, c, i)
         ORDER BY x.c DESC, x.i;
END
$$;

--@ comment src/sql/tasks/churn.sql insight_churn_reasons

--@ function src/sql/tasks/churn.sql insight_churn_reasons 2

--@ comment src/sql/tasks/churn.sql insight_churn_reasons 2

CREATE OR REPLACE FUNCTION @extschema@.insight_retention_targets_at(as_of timestamptz DEFAULT NULL)
RETURNS TABLE (customer_id text, churn_probability float8, expected_orders float8,
               expected_value float8, value_at_risk float8, reasons text[],
               recency_days float8, orders integer, monetary float8, model_id bigint,
               clv_12m float8, value_basis text, clv_model_id bigint)
LANGUAGE sql STABLE PARALLEL SAFE
SET TimeZone = 'UTC'
SET IntervalStyle = 'postgres'
AS $$
WITH model AS (
    SELECT m.model_id, m.weights,
           pg_catalog.date_part('epoch', (m.params OPERATOR(pg_catalog.->>) 'horizon')::interval) OPERATOR(pg_catalog./) 86400 AS horizon_days
      FROM @extschema@.insight_active_model('churn') m
),
scored AS (
    SELECT f.customer_id::pg_catalog.text AS customer_id, f.recency_days, f.orders, f.monetary, m.model_id,
           @extschema@.insight_predict(m.weights, f.features) AS churn_probability,
           (f.orders OPERATOR(pg_catalog.*) m.horizon_days)
               OPERATOR(pg_catalog./) GREATEST(f.tenure_days, m.horizon_days) AS expected_orders,
           @extschema@.insight_top_reasons(@extschema@.insight_feature_names(),
                                           @extschema@.insight_contributions(m.weights, f.features), 3) AS reasons
      FROM model m, LATERAL @extschema@.insight_customer_features($1) f
),
clv AS (
    SELECT c.customer_id, c.clv_12m, c.clv_model_id FROM @extschema@.insight_customer_360_clv($1) c
),
val AS (
    SELECT v.customer_id, v.expected_spend FROM @extschema@.insight_value_scores_at($1) v
),
valued AS (
    SELECT s.*, c.clv_12m, c.clv_model_id,
           CASE WHEN EXISTS (SELECT 1 FROM val) THEN v.expected_spend
                WHEN EXISTS (SELECT 1 FROM clv) THEN c.clv_12m
                ELSE s.monetary OPERATOR(pg_catalog.*) s.expected_orders END AS expected_value,
           CASE WHEN EXISTS (SELECT 1 FROM val) THEN 'value_model'
                WHEN EXISTS (SELECT 1 FROM clv) THEN 'clv_12m' ELSE 'past_rate' END AS value_basis
      FROM scored s LEFT JOIN clv c ON c.customer_id OPERATOR(pg_catalog.=) s.customer_id
                    LEFT JOIN val v ON v.customer_id OPERATOR(pg_catalog.=) s.customer_id
)
SELECT v.customer_id, v.churn_probability, v.expected_orders, v.expected_value,
       v.churn_probability OPERATOR(pg_catalog.*) v.expected_value,
       v.reasons, v.recency_days, v.orders, v.monetary, v.model_id, v.clv_12m, v.value_basis, v.clv_model_id
  FROM valued v
 ORDER BY 5 DESC NULLS LAST, 1
$$;

COMMENT ON FUNCTION @extschema@.insight_retention_targets_at(timestamptz) IS
'Customers ordered by value at risk = churn probability x expected value. Expected value: with an active value model (insight_train_value), the spend it expects in its horizon (insight_value_scores_at; value_basis value_model); else with an active CLV model, the customer''s clv_12m (insight_customer_360_clv; value_basis clv_12m; NULL, ranked last, for a customer the CLV summary does not have); without one, monetary (mean order value) x expected_orders, the orders expected in the churn horizon at the customer''s past rate: orders x horizon_days / max(tenure_days, horizon_days) (value_basis past_rate). reasons: up to three features whose contribution to the churn logit is largest and positive, as "recency_days +0.42" (insight_top_reasons; contributions as in insight_churn_reasons: w_j*(x_j - training mean_j) for logistic regression, TreeSHAP values for gbdt, integrated gradients for mlp). No rows when no churn model is active. customer_id as text.';

CREATE OR REPLACE FUNCTION @extschema@.insight_comment_churn_views()
RETURNS void
LANGUAGE plpgsql
AS $$
BEGIN
    COMMENT ON VIEW @extschema@.insight_churn_scores IS
'Churn probability of every customer over the whole history, from the active churn model (insight_churn_scores_at()); no rows when no churn model is active. Rebuilt at every registration with the source''s key type.';
    COMMENT ON COLUMN @extschema@.insight_churn_scores.customer_id IS 'Customer key, in the source''s type.';
    COMMENT ON COLUMN @extschema@.insight_churn_scores.churn_probability IS 'Probability of no purchase in the next horizon of the active churn model (0..1).';
    COMMENT ON COLUMN @extschema@.insight_churn_scores.model_id IS 'The churn model that scored (insight_models.model_id).';
    COMMENT ON COLUMN @extschema@.insight_churn_scores.as_of IS 'Features were computed from events strictly before this time.';

    COMMENT ON VIEW @extschema@.insight_customer_360 IS
'One row per customer with a purchase: the point-in-time features over the whole history, the churn probability of the active churn model (NULL when none is active), the RFM segment, the cluster of the active segments model with its label (NULL when none is active), and P(alive), expected purchases and 12-month CLV of the active CLV models (NULL when none is active). Other concerns add their columns (see insight_churn_views_sql). Rebuilt at every registration with the source''s key type.';
    COMMENT ON COLUMN @extschema@.insight_customer_360.customer_id IS 'Customer key, in the source''s type.';
    COMMENT ON COLUMN @extschema@.insight_customer_360.recency_days IS 'Days since the last purchase.';
    COMMENT ON COLUMN @extschema@.insight_customer_360.frequency IS 'Distinct (UTC) purchase days after the first.';
    COMMENT ON COLUMN @extschema@.insight_customer_360.monetary IS 'Mean order value (source currency).';
    COMMENT ON COLUMN @extschema@.insight_customer_360.tenure_days IS 'Days since the first purchase.';
    COMMENT ON COLUMN @extschema@.insight_customer_360.orders IS 'Orders with a purchase.';
    COMMENT ON COLUMN @extschema@.insight_customer_360.items IS 'Units bought.';
    COMMENT ON COLUMN @extschema@.insight_customer_360.total_spend IS 'Sum of purchase amounts (source currency).';
    COMMENT ON COLUMN @extschema@.insight_customer_360.spend_90d IS 'Spend in the last 90 days (source currency).';
    COMMENT ON COLUMN @extschema@.insight_customer_360.spend_trend IS '(spend of the last 90 days - spend of the 90 days before) / their sum, -1..1; 0 when both are 0.';
    COMMENT ON COLUMN @extschema@.insight_customer_360.mean_days_between_orders IS 'Mean days between consecutive orders; NULL with one order.';
    COMMENT ON COLUMN @extschema@.insight_customer_360.sd_days_between_orders IS 'Sample standard deviation of the days between orders; NULL with fewer than three orders.';
    COMMENT ON COLUMN @extschema@.insight_customer_360.distinct_items IS 'Distinct items bought.';
    COMMENT ON COLUMN @extschema@.insight_customer_360.return_rate IS 'Returned amount / total spend.';
    COMMENT ON COLUMN @extschema@.insight_customer_360.churn_probability IS 'Probability of no purchase in the next horizon of the active churn model (0..1); NULL when no churn model is active.';
    COMMENT ON COLUMN @extschema@.insight_customer_360.churn_model_id IS 'The churn model that scored (insight_models.model_id).';
    COMMENT ON COLUMN @extschema@.insight_customer_360.segment IS 'RFM segment (insight_rfm: Champions, Loyal, ..., Lost).';
    COMMENT ON COLUMN @extschema@.insight_customer_360.cluster IS 'Cluster (1..k) of the active segments model; NULL when none is active.';
    COMMENT ON COLUMN @extschema@.insight_customer_360.cluster_label IS 'Readable label of the cluster''s centroid (insight_cluster_label), e.g. ''recent, frequent, high spend''.';
    COMMENT ON COLUMN @extschema@.insight_customer_360.p_alive IS 'Probability that the customer is still alive (active CLV model: BG/NBD or Pareto/NBD, 0..1); NULL when no CLV model is active.';
    COMMENT ON COLUMN @extschema@.insight_customer_360.expected_purchases_90d IS 'Repeat purchase days expected in the next 90 days (active CLV model); NULL when no CLV model is active.';
    COMMENT ON COLUMN @extschema@.insight_customer_360.clv_12m IS 'Customer lifetime value over the next 12 months, discounted 1 % a month (source currency; insight_clv_value with the active CLV models); NULL when no CLV model is active.';
    COMMENT ON COLUMN @extschema@.insight_customer_360.clv_model_id IS 'The CLV transaction model that scored (insight_models.model_id, task clv); NULL when no CLV model is active.';
    COMMENT ON COLUMN @extschema@.insight_customer_360.expected_spend IS 'Spend expected in the next horizon (the value model''s params.horizon, default 90 days; source currency) by the active value model (insight_train_value: an MLP with the zero-inflated lognormal loss); NULL when no value model is active.';
    COMMENT ON COLUMN @extschema@.insight_customer_360.value_model_id IS 'The value model that scored (insight_models.model_id, task value); NULL when none is active.';

    COMMENT ON VIEW @extschema@.insight_retention_targets IS
'Customers to retain first, by value at risk = churn probability x expected value (the 12-month CLV when a CLV model is active, else monetary x orders expected in the churn horizon at the customer''s past rate; see value_basis), with the features that push their churn score up most. No rows when no churn model is active. Rebuilt at every registration with the source''s key type.';
    COMMENT ON COLUMN @extschema@.insight_retention_targets.customer_id IS 'Customer key, in the source''s type.';
    COMMENT ON COLUMN @extschema@.insight_retention_targets.churn_probability IS 'Probability of no purchase in the next horizon (active churn model).';
    COMMENT ON COLUMN @extschema@.insight_retention_targets.expected_orders IS 'Orders expected in the churn horizon at the past rate: orders x horizon_days / max(tenure_days, horizon_days).';
    COMMENT ON COLUMN @extschema@.insight_retention_targets.expected_value IS 'The active value model''s expected spend in its horizon, else clv_12m when a CLV model is active, else monetary x expected_orders (source currency); see value_basis.';
    COMMENT ON COLUMN @extschema@.insight_retention_targets.value_at_risk IS 'churn_probability x expected_value (source currency); the order of the view (NULLs last).';
    COMMENT ON COLUMN @extschema@.insight_retention_targets.reasons IS 'Up to three features with the largest positive contribution to the churn logit, largest first, as "recency_days +0.42" (see insight_churn_reasons for the contributions of each algorithm).';
    COMMENT ON COLUMN @extschema@.insight_retention_targets.recency_days IS 'Days since the last purchase.';
    COMMENT ON COLUMN @extschema@.insight_retention_targets.orders IS 'Orders with a purchase.';
    COMMENT ON COLUMN @extschema@.insight_retention_targets.monetary IS 'Mean order value (source currency).';
    COMMENT ON COLUMN @extschema@.insight_retention_targets.model_id IS 'The churn model that scored (insight_models.model_id).';
    COMMENT ON COLUMN @extschema@.insight_retention_targets.clv_12m IS 'Customer lifetime value over the next 12 months, discounted 1 % a month (source currency), by the active CLV models; NULL when none is active.';
    COMMENT ON COLUMN @extschema@.insight_retention_targets.value_basis IS 'What expected_value is: value_model (the spend the active value model expects in its horizon, insight_value_scores_at), clv_12m (no value model, a CLV model is active) or past_rate (neither: monetary x expected_orders).';
    COMMENT ON COLUMN @extschema@.insight_retention_targets.clv_model_id IS 'The CLV transaction model that valued the customer (insight_models.model_id, task clv); NULL when none is active.';
END
$$;

COMMENT ON FUNCTION @extschema@.insight_comment_churn_views() IS
'Comments of the churn views and their columns (re-applied whenever the views are rebuilt).';

--@ function src/sql/ops/trainers.sql insight_retrain_churn

--@ comment src/sql/ops/trainers.sql insight_retrain_churn

--@ function src/sql/tasks/report.sql insight_churn_model_text

--@ comment src/sql/tasks/report.sql insight_churn_model_text

COMMENT ON COLUMN @extschema@.insight_retention_targets.reasons IS 'Up to three features with the largest positive contribution to the churn logit, largest first, as "recency_days +0.42" (see insight_churn_reasons for the contributions of each algorithm).';
