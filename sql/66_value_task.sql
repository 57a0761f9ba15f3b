-- The value task: a deep model (MLP, zero-inflated lognormal loss) of each
-- customer's spend in the next horizon, measured out of time against
-- BG/NBD x Gamma-Gamma and the past rate continued, served by
-- insight_value, insight_customer_360, the retention targets and the report.
\i test/setup/churn_model.sql
\set VERBOSITY default

-- the metrics: errors named
SELECT insight_value_metrics('{1,2,3}', '{1,2}');
SELECT insight_value_metrics('{1,NaN}', '{1,2}');
SELECT insight_value_metrics('{1,Infinity}', '{1,2}');
-- a perfect ranking has normalized Gini 1 (Spearman just below 1: the two zeros tie); pairs with a NULL are skipped
SELECT (m->>'normalized_gini')::float8 = 1 AS gini_1, round((m->>'spearman')::numeric, 12) AS spearman,
       m->'pairs' AS pairs, jsonb_array_length(m->'deciles') AS deciles
  FROM insight_value_metrics('{1,2,3,4,5,6,7,8,9,10,NULL}', '{0,0,1,2,3,5,8,13,21,34,55}') m;
-- a pair with a NULL counts in no metric: the totals are those without it
SELECT (m->>'total_predicted')::float8 AS total_predicted, (m->>'total_actual')::float8 AS total_actual,
       (m->>'mae')::float8 AS mae, m->'pairs' AS pairs
  FROM insight_value_metrics('{1,2,NULL,4}', '{2,2,100,NULL}') m;
-- the reverse ranking: normalized Gini below 0, Spearman the opposite
SELECT (m->>'normalized_gini')::float8 < 0 AS gini_negative, round((m->>'spearman')::numeric, 12) AS spearman
  FROM insight_value_metrics('{10,9,8,7,6,5,4,3,2,1}', '{0,0,1,2,3,5,8,13,21,34}') m;
SELECT insight_signed_log1p('{0,-1,1,NULL,Infinity}') AS signed_log1p;

-- before any training
SELECT insight_value(12347);
SELECT count(expected_spend) AS scored, count(value_model_id) AS with_model FROM insight_customer_360;
SELECT line FROM regexp_split_to_table(insight_report(), E'\n') line WHERE line ~ 'value model is active';

-- bad arguments
SELECT insight_train_value('0 days');
SELECT insight_train_value(params => '{"layers": 2}');
SELECT insight_train_value(params => '{"hidden": 8}');

-- the rest in a transaction rolled back at the end (the next tests find no
-- value model), with the sequences set back
CREATE TEMP TABLE registry_ids AS
SELECT format('%I.%I', schemaname, sequencename) AS seq, last_value
  FROM pg_sequences
 WHERE sequencename IN ('insight_models_model_id_seq', 'insight_model_activations_activation_id_seq');
BEGIN;
SET LOCAL client_min_messages = warning;   -- the per-epoch NOTICEs
SELECT insight_train_value() AS value_id \gset
SET LOCAL client_min_messages = notice;
SELECT task, algorithm, status, params - 'horizon' AS params, metrics->>'train_cutoff' AS train_cutoff,
       metrics->>'test_cutoff' AS test_cutoff, metrics->'train_rows' AS train_rows, metrics->'test_rows' AS test_rows,
       (metrics->>'beats_baseline')::boolean AS beats_baseline
  FROM insight_models WHERE model_id = :value_id;
-- out of time on Online Retail: the deep model against BG/NBD x Gamma-Gamma and the past rate
SELECT k AS predictor, round((metrics#>>ARRAY[k, 'normalized_gini'])::numeric, 4) AS normalized_gini,
       round((metrics#>>ARRAY[k, 'spearman'])::numeric, 4) AS spearman,
       round((metrics#>>ARRAY[k, 'decile_mape'])::numeric, 4) AS decile_mape,
       round((metrics#>>ARRAY[k, 'total_error_percent'])::numeric, 1) AS total_error_percent
  FROM insight_models, unnest('{test,btyd,baseline}'::text[]) WITH ORDINALITY u(k, n)
 WHERE model_id = :value_id ORDER BY n;
-- the normalized Gini kept is that of the evaluation model on the test window
SELECT abs((insight_value_metrics(array_agg(insight_value_predict(m.evaluation_weights, r.features) ORDER BY r.customer_id),
                                  array_agg(r.spend ORDER BY r.customer_id))->>'normalized_gini')::float8
           - (m.metrics->>'normalized_gini')::float8) < 1e-12 AS gini_recomputed
  FROM insight_models m, insight_value_training_rows((m.metrics->>'test_cutoff')::timestamptz, '90 days') r
 WHERE m.model_id = :value_id
 GROUP BY m.metrics;

-- served: one customer, the 360 view, the retention targets, the report
SELECT abs(insight_value(12347) - insight_value_predict(m.weights, c.features)) < 1e-9 AS one_customer,
       insight_value(12347) > 0 AS positive, insight_value(1) IS NULL AS unknown_null
  FROM insight_models m, insight_customer_features_of('12347') c WHERE m.model_id = :value_id;
SELECT count(*) AS customers, count(expected_spend) AS scored, bool_and(value_model_id = :value_id) AS model,
       bool_and(expected_spend >= 0) AS non_negative
  FROM insight_customer_360;
SELECT value_basis, count(*) AS customers, bool_and(t.expected_value = c.expected_spend) AS value_is_expected_spend
  FROM insight_retention_targets t JOIN insight_customer_360 c USING (customer_id) GROUP BY value_basis;
SELECT regexp_replace(line, 'model \d+ \(version \d+', 'model N (version N') AS line
  FROM regexp_split_to_table(insight_report(), E'\n') line
 WHERE line ~ '^Value|^  (predictor|this model|BG/NBD|past rate)|value model expects';
-- retraining on unchanged data stores nothing
SET LOCAL client_min_messages = warning;
SELECT insight_retrain_value(params) = :value_id AS retrain_unchanged FROM insight_models WHERE model_id = :value_id;
SET LOCAL client_min_messages = notice;
ROLLBACK;
SELECT count(*) AS sequences_set_back
  FROM registry_ids,
       LATERAL (SELECT CASE WHEN last_value IS NULL THEN setval(seq, 1, false) ELSE setval(seq, last_value) END) s;
SELECT count(*) AS value_models FROM insight_models WHERE task = 'value';
