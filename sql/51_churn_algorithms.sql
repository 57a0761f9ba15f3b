-- The churn task's choice of algorithm: logistic, gbdt or auto (the best
-- out-of-time AUC of them on the same windows), served, explained and
-- retrained whichever is active.
\i test/setup/churn_model.sql
\set VERBOSITY default
SELECT model_id AS logistic_id, (metrics->>'auc')::float8 AS logistic_auc
  FROM insight_models WHERE task = 'churn' AND status = 'active' \gset
SELECT count(*) AS churn_models_before FROM insight_models WHERE task = 'churn' \gset

SELECT algorithm, model_algorithm, defaults, complexity FROM insight_churn_algorithms() ORDER BY complexity;

-- bad arguments: named, with the choices in the hint
SELECT insight_train_churn(algorithm => 'forest');
SELECT insight_train_churn(algorithm => NULL);
SELECT insight_train_churn(algorithm => 'auto', params => '{"forest": {}}');
SELECT insight_train_churn(algorithm => 'auto', params => '{"logistic": {"C": 1}}');
SELECT insight_train_churn(algorithm => 'auto', params => '{"gbdt": 3}');
SELECT insight_train_churn(algorithm => 'gbdt', params => '{"max_depth": 0}');
SELECT insight_train_churn(algorithm => 'gbdt', params => '{"trees": 10}');
SELECT insight_train_churn(algorithm => 'mlp', params => '{"layers": 2}');
SELECT insight_train_churn(algorithm => 'mlp', params => '{"hidden": 64}');
\set VERBOSITY terse
SELECT insight_train_churn(algorithm => 'mlp', params => '{"hidden": [100000000]}');
\set VERBOSITY default
SELECT count(*) = :churn_models_before AS no_model_stored FROM insight_models WHERE task = 'churn';

-- the rest in a transaction rolled back at the end, with the sequences set
-- back: the next tests find what 50_churn leaves
CREATE TEMP TABLE registry_ids AS
SELECT format('%I.%I', schemaname, sequencename) AS seq, last_value
  FROM pg_sequences
 WHERE sequencename IN ('insight_models_model_id_seq', 'insight_model_activations_activation_id_seq');
BEGIN;

-- gbdt: on Online Retail its out-of-time AUC is below logistic regression's,
-- so it stays a candidate (the rule of insight_train_task)
SET LOCAL client_min_messages = warning;   -- the per-round NOTICEs
SELECT insight_train_churn(algorithm => 'gbdt') AS gbdt_id \gset
SET LOCAL client_min_messages = notice;
SELECT algorithm, status, params - 'horizon' AS params, metrics->>'algorithm' AS metrics_algorithm,
       round((metrics->>'auc')::numeric, 4) AS auc,
       (metrics->>'auc')::float8 < :logistic_auc AS below_logistic,
       (metrics->>'auc')::float8 > (metrics#>>'{baseline,auc}')::float8 AS beats_recency,
       metrics->'candidates' = jsonb_build_object('gbdt', (metrics->>'auc')::float8) AS one_candidate,
       insight_model_info(weights)->>'algorithm' AS stored_algorithm,
       (SELECT count(*) FROM insight_gbdt_explain_named(weights, (SELECT features FROM insight_customer_features_of('12347'))) x
         WHERE x.feature = ANY (insight_feature_names())) = cardinality(insight_feature_names()) AS named
  FROM insight_models WHERE model_id = :gbdt_id;
-- its AUC is the AUC of its evaluation model on the test window
SELECT abs(insight_auc(insight_gbdt_predict(m.evaluation_weights, r.features), r.churned)
           - (m.metrics->>'auc')::float8) < 1e-12 AS auc_recomputed
  FROM insight_models m, insight_churn_training_rows((m.metrics->>'test_cutoff')::timestamptz, '90 days') r
 WHERE m.model_id = :gbdt_id
 GROUP BY m.metrics;

-- activated by hand, every scoring path serves it
SELECT insight_activate(:gbdt_id) = :gbdt_id AS gbdt_active;
SELECT abs(insight_churn(12347) - insight_gbdt_predict(m.weights, c.features)) < 1e-12 AS one_customer
  FROM insight_models m, insight_customer_features_of('12347') c WHERE m.model_id = :gbdt_id;
SELECT count(*) > 4000 AS customers,
       bool_and(abs(s.churn_probability - insight_gbdt_predict(m.weights, f.features)) < 1e-12) AS view_scores,
       bool_and(s.model_id = :gbdt_id) AS model_gbdt
  FROM insight_churn_scores s JOIN insight_customer_features() f ON f.customer_id::text = s.customer_id::text,
       insight_models m
 WHERE m.model_id = :gbdt_id;

-- SHAP for every scored customer: insight walks the trees in double
-- (src/models/trees/gbdt_trees.h), so bias + sum of SHAP = margin within 1e-6
-- (XGBoost's float32 pred_contribs missed it by up to 3e-6 here), and the
-- served probability is the logistic function of that margin; the largest
-- gap, rounded to 12 places
SELECT count(*) > 4000 AS customers,
       max(abs(x.total - x.margin)) <= 1e-6 AS shap_sums_to_margin,
       round(max(abs(x.total - x.margin))::numeric, 12) AS max_gap,
       max(abs(x.total - x.margin)) FILTER (WHERE abs(x.total - x.margin) > 1e-6) AS worst,
       max(abs(x.churn_probability - 1 / (1 + exp(-x.margin)))) < 1e-12 AS served_is_logistic_of_margin
  FROM (SELECT s.churn_probability, insight_gbdt_predict(m.weights, f.features, true) AS margin,
               (SELECT sum(v) FROM unnest(insight_gbdt_explain(m.weights, f.features)) v) AS total
          FROM insight_churn_scores s JOIN insight_customer_features() f ON f.customer_id::text = s.customer_id::text,
               insight_models m
         WHERE m.model_id = :gbdt_id) x;
-- reasons: one customer's TreeSHAP values, in the features' names, add up with
-- the bias to the logit of the served probability (1e-6)
SELECT feature, round(value::numeric, 2) AS value, round(contribution::numeric, 2) AS contribution, algorithm
  FROM insight_churn_reasons(12347) LIMIT 3;
SELECT count(*) = cardinality(insight_feature_names()) AS every_feature,
       bool_and(model_id = :gbdt_id) AS gbdt_model,
       abs(sum(contribution) + (SELECT e[cardinality(e)] FROM insight_models m,
                                       LATERAL (SELECT insight_gbdt_explain(m.weights, c.features) e
                                                  FROM insight_customer_features_of('12347') c) x
                                 WHERE m.model_id = :gbdt_id)
           - ln(insight_churn(12347) / (1 - insight_churn(12347)))) < 1e-6 AS adds_up_to_logit
  FROM insight_churn_reasons('12347');
SELECT count(*) AS no_rows_for_unknown FROM insight_churn_reasons(1);
-- the retention targets' reasons are the top positive contributions, "name +0.42"
SELECT reasons FROM insight_retention_targets WHERE customer_id::text = '12347';
SELECT bool_and(t.reasons IS NOT DISTINCT FROM
                (SELECT array_agg(r.feature || ' ' || to_char(r.contribution, 'FMSG990.00') ORDER BY r.contribution DESC)
                   FROM (SELECT * FROM insight_churn_reasons(t.customer_id::text)
                          WHERE contribution > 0 LIMIT 3) r)) AS reasons_are_top_shap,
       count(*) AS checked
  FROM (SELECT * FROM insight_retention_targets ORDER BY value_at_risk DESC NULLS LAST LIMIT 50) t;
SELECT regexp_replace(line, 'model \d+ \(version \d+', 'model N (version N') AS line
  FROM regexp_split_to_table(insight_report(), E'\n') AS line WHERE line ~ '^Churn: model';
SELECT insight_activate(:logistic_id) = :logistic_id AS logistic_active_again;

-- mlp: a multilayer perceptron (insight_mlp_fit); reasons from integrated
-- gradients, which add up to the logit minus the logit of the average
-- training row (to 1%: the trapezoidal rule over 256 steps)
SET LOCAL client_min_messages = warning;   -- the per-epoch NOTICEs
SELECT insight_train_churn(algorithm => 'mlp') AS mlp_id \gset
SET LOCAL client_min_messages = notice;
SELECT algorithm, status, params - 'horizon' AS params, round((metrics->>'auc')::numeric, 4) AS auc,
       (metrics->>'auc')::float8 > (metrics#>>'{baseline,auc}')::float8 AS beats_recency
  FROM insight_models WHERE model_id = :mlp_id;
SELECT insight_activate(:mlp_id) = :mlp_id AS mlp_active;
SELECT abs(insight_churn(12347) - insight_mlp_predict(m.weights, c.features)) < 1e-12 AS one_customer
  FROM insight_models m, insight_customer_features_of('12347') c WHERE m.model_id = :mlp_id;
WITH b AS (
    SELECT ln(c.p / (1 - c.p)) AS logit,
           insight_mlp_predict(m.weights, ARRAY(SELECT jsonb_array_elements_text(insight_model_info(m.weights)->'means')::float8),
                               true) AS base_logit
      FROM insight_models m, (SELECT insight_churn(12347) AS p) c WHERE m.model_id = :mlp_id
)
SELECT count(*) = cardinality(insight_feature_names()) AS every_feature, bool_and(r.algorithm = 'mlp') AS mlp,
       abs(sum(r.contribution) - (b.logit - b.base_logit)) <= 0.01 * greatest(abs(b.logit - b.base_logit), 1) AS adds_up
  FROM insight_churn_reasons('12347') r, b
 GROUP BY b.logit, b.base_logit;
SELECT bool_and(t.reasons IS NOT DISTINCT FROM
                (SELECT array_agg(r.feature || ' ' || to_char(r.contribution, 'FMSG990.00') ORDER BY r.contribution DESC)
                   FROM (SELECT * FROM insight_churn_reasons(t.customer_id::text)
                          WHERE contribution > 0 LIMIT 3) r)) AS reasons_are_top_ig,
       count(*) AS checked
  FROM (SELECT * FROM insight_retention_targets ORDER BY value_at_risk DESC NULLS LAST LIMIT 20) t;
SELECT regexp_replace(line, 'model \d+ \(version \d+', 'model N (version N') AS line
  FROM regexp_split_to_table(insight_report(), E'\n') AS line WHERE line ~ '^Churn: model';
SELECT insight_activate(:logistic_id) = :logistic_id AS logistic_active_again;

-- auto: every algorithm on the same windows, the best AUC kept
SET LOCAL client_min_messages = warning;
SELECT insight_train_churn(algorithm => 'auto', params => '{"gbdt": {"rounds": 50}, "mlp": {"epochs": 20}}') AS auto_id \gset
SET LOCAL client_min_messages = notice;
SELECT m.algorithm, m.status, m.params->>'chosen' AS chosen, m.params->'gbdt' AS gbdt_params,
       m.params->'logistic' AS logistic_params,
       m.metrics->>'algorithm' = m.params->>'chosen' AS metrics_say_chosen,
       (SELECT max(c.value::float8) FROM jsonb_each_text(m.metrics->'candidates') c) = (m.metrics->>'auc')::float8 AS best_auc_kept,
       (m.metrics#>>'{candidates,logistic}')::float8 = :logistic_auc AS logistic_same_auc,
       (SELECT count(*) FROM jsonb_object_keys(m.metrics->'candidates')) AS candidates
  FROM insight_models m WHERE m.model_id = :auto_id;
SELECT regexp_replace(line, 'model \d+ \(version \d+', 'model N (version N') AS line
  FROM regexp_split_to_table(insight_report(), E'\n') AS line WHERE line ~ '^Churn: model';
-- retraining an auto model chooses again; unchanged data give the same model
SET LOCAL client_min_messages = warning;
SELECT insight_retrain_churn(params) = :auto_id AS retrain_unchanged FROM insight_models WHERE model_id = :auto_id;
SET LOCAL client_min_messages = notice;

-- the choice goes the other way when another algorithm is better: a logistic
-- model made weak by a huge penalty loses
SET LOCAL client_min_messages = warning;
SELECT insight_train_churn(algorithm => 'auto', params => '{"logistic": {"lambda": 1e9}}') AS auto2_id \gset
SET LOCAL client_min_messages = notice;
SELECT m.params->>'chosen' <> 'logistic' AS logistic_not_chosen,
       m.params->>'chosen' = (SELECT c.key FROM jsonb_each_text(m.metrics->'candidates') c
                               ORDER BY c.value::float8 DESC LIMIT 1) AS best_chosen,
       m.algorithm = (SELECT model_algorithm FROM insight_churn_algorithms() WHERE algorithm = m.params->>'chosen') AS stored_as_chosen
  FROM insight_models m WHERE m.model_id = :auto2_id;

ROLLBACK;
SELECT count(*) AS sequences_set_back
  FROM registry_ids,
       LATERAL (SELECT CASE WHEN last_value IS NULL THEN setval(seq, 1, false) ELSE setval(seq, last_value) END) s;
SELECT count(*) = :churn_models_before AS models_as_before,
       (SELECT model_id FROM insight_models WHERE task = 'churn' AND status = 'active') = :logistic_id AS logistic_active
  FROM insight_models WHERE task = 'churn';
