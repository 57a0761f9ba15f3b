-- insight's own tasks plugged into insight_retrain(): each retrains with the
-- params of its active model; with a fixed seed the new model is the same
-- model, byte for byte, so on unchanged data the run is recorded as
-- unchanged and no new version is stored (insight_train_task(...,
-- skip_unchanged => true)); changed data give a new version.
\i test/setup/models.sql
\set VERBOSITY terse
SELECT task, train_function, rows_metric FROM insight_trainers WHERE builtin ORDER BY task;
SELECT has_function_privilege('public', 'insight_retrain_recommender(jsonb)', 'EXECUTE') AS public_may_train;

-- recommender (trained by 83_recommender_task: ALS, 16 factors, 5 iterations, seed 1)
SELECT model_id AS rec_before, md5(weights) AS rec_weights_before, params AS rec_params_before
  FROM insight_models WHERE task = 'recommender' AND status = 'active' \gset
SELECT task, algorithm, params = :'rec_params_before' AS active_params FROM insight_retrain_plan('recommender');
SET client_min_messages = warning;
CALL insight_retrain('recommender');
RESET client_min_messages;
SELECT r.task, r.algorithm, r.status, r.params = :'rec_params_before' AS same_params,
       r.rows_used = (m.metrics ->> 'train_interactions')::bigint AS rows_from_metrics, r.rows_used > 100000 AS many_rows,
       r.metrics_summary ? 'ndcg_at_10' AS has_ndcg, r.metrics_summary ? 'baseline' AS has_nested
  FROM insight_training_runs r JOIN insight_models m USING (model_id)
 ORDER BY r.run_id DESC LIMIT 1;
SELECT m.status, m.model_id > :rec_before AS newer, md5(m.weights) = :'rec_weights_before' AS same_weights,
       (SELECT count(*) FROM insight_models x WHERE x.model_id > :rec_before AND x.task = 'recommender') AS new_versions
  FROM insight_models m WHERE m.task = 'recommender' AND m.status = 'active';
SELECT count(*) AS served FROM insight_recommend('12347', 5);

-- segments (trained by 72_segments): a new clustering is always activated,
-- but the same one is not stored again, however often it is retrained
SELECT model_id AS seg_before, params AS seg_params_before, md5(weights) AS seg_weights_before
  FROM insight_models WHERE task = 'segments' AND status = 'active' \gset
SELECT max(model_id) AS seg_last FROM insight_models WHERE task = 'segments' \gset
SELECT max(run_id) AS seg_runs_from FROM insight_training_runs \gset
SET client_min_messages = warning;
CALL insight_retrain('segments');
CALL insight_retrain('segments');
RESET client_min_messages;
SELECT r.task, r.algorithm, r.status, r.params = :'seg_params_before' AS same_params,
       r.rows_used = (m.metrics ->> 'customers')::bigint AS rows_from_metrics, r.rows_used > 4000 AS many_rows,
       m.status AS model_status, r.model_id = :seg_before AS active_model
  FROM insight_training_runs r JOIN insight_models m USING (model_id)
 WHERE r.run_id > :seg_runs_from ORDER BY r.run_id;
SELECT count(*) AS new_versions FROM insight_models WHERE task = 'segments' AND model_id > :seg_last;
-- a new customer: the data changed, so a new version, activated
INSERT INTO order_lines (invoice_no, stock_code, description, quantity, invoice_date, unit_price, customer_id, country)
VALUES ('T93001', '85123A', 'WHITE HANGING HEART T-LIGHT HOLDER', 6, '2011-06-01 10:00', 2.55, 99993, 'United Kingdom');
SET client_min_messages = warning;
CALL insight_retrain('segments');
RESET client_min_messages;
SELECT r.status, m.status AS model_status, m.model_id > :seg_last AS newer, md5(m.weights) = :'seg_weights_before' AS same_weights,
       (m.metrics ->> 'customers')::bigint - (SELECT (x.metrics ->> 'customers')::bigint FROM insight_models x
                                               WHERE x.model_id = :seg_before) AS more_customers
  FROM insight_training_runs r JOIN insight_models m USING (model_id)
 ORDER BY r.run_id DESC LIMIT 1;
-- the customer gone again: the data differ from the active model's, so
-- another version, the same clustering as before the customer came
DELETE FROM order_lines WHERE invoice_no = 'T93001';
SET client_min_messages = warning;
CALL insight_retrain('segments');
RESET client_min_messages;
SELECT r.status, m.status AS model_status, md5(m.weights) = :'seg_weights_before' AS same_weights,
       (SELECT count(*) FROM insight_models x WHERE x.task = 'segments' AND x.model_id > :seg_last) AS new_versions
  FROM insight_training_runs r JOIN insight_models m USING (model_id)
 ORDER BY r.run_id DESC LIMIT 1;
-- a training called directly always stores a new version
SET client_min_messages = warning;
SELECT insight_train_segments((:'seg_params_before'::jsonb ->> 'k')::integer) > :seg_last AS stored;
RESET client_min_messages;

-- churn (trained by 50_churn, horizon 90 days): the same data and params give
-- the same weights and evaluation model: unchanged
SELECT model_id AS churn_before, md5(weights) AS churn_weights_before, params AS churn_params_before
  FROM insight_models WHERE task = 'churn' AND status = 'active' \gset
SELECT task, algorithm, params = :'churn_params_before' AS active_params FROM insight_retrain_plan('churn');
SET client_min_messages = warning;
CALL insight_retrain('churn');
RESET client_min_messages;
SELECT r.task, r.algorithm, r.status, r.params = :'churn_params_before' AS same_params,
       r.rows_used = (m.metrics ->> 'serve_rows')::bigint AS rows_from_metrics, r.rows_used > 3000 AS many_rows,
       m.status AS model_status, m.model_id > :churn_before AS newer,
       md5(m.weights) = :'churn_weights_before' AS same_weights, m.evaluation_weights IS NOT NULL AS has_evaluation_model
  FROM insight_training_runs r JOIN insight_models m USING (model_id)
 ORDER BY r.run_id DESC LIMIT 1;
SELECT insight_churn(12347) = (SELECT churn_probability FROM insight_churn_scores WHERE customer_id = 12347) AS served;

-- clv (65_clv_customer_views trained it on Online Retail with the defaults,
-- whose holdout, the last quarter of the history, is stored as null and
-- chosen again by every retraining): retrained on the same data (the default
-- as_of is again the day after the latest purchase), the new models are the
-- same models, byte for byte: unchanged, the active pair stays
SELECT model_id AS clv_before, params AS clv_params_before, md5(weights) AS clv_weights_before
  FROM insight_models WHERE task = 'clv' AND status = 'active' \gset
SELECT :'clv_params_before' AS params;
SELECT task, algorithm, params = :'clv_params_before' AS active_params FROM insight_retrain_plan('clv');
SET client_min_messages = warning;
CALL insight_retrain('clv');
RESET client_min_messages;
SELECT r.task, r.algorithm, r.status, r.params = :'clv_params_before' AS same_params,
       r.rows_used = (m.metrics ->> 'customers')::bigint AS rows_from_metrics, r.rows_used > 4000 AS many_rows,
       m.model_id > :clv_before AS newer, md5(m.weights) = :'clv_weights_before' AS same_weights, m.status AS model_status,
       (SELECT s.status FROM insight_models s WHERE s.model_id = (m.metrics ->> 'spend_model_id')::bigint) AS spend_status,
       r.metrics_summary ->> 'holdout' AS holdout_used
  FROM insight_training_runs r JOIN insight_models m USING (model_id)
 ORDER BY r.run_id DESC LIMIT 1;

-- sentiment (issue 16): trained here on the UCI English sentences; retrained
-- on the same reviews with the same params, the fit (deterministic, in a
-- canonical order) gives the same bytes: unchanged, no new version; one more
-- review gives a new version
SET client_min_messages = warning;
\set ECHO none
\i test/load_reviews.sql
\set ECHO all
SELECT insight_register_reviews('reviews_en', 'review', 'positive', item_column => 'corpus');
SELECT insight_train_sentiment() AS sen_before \gset
RESET client_min_messages;
SELECT params AS sen_params_before, md5(weights) AS sen_weights_before FROM insight_models WHERE model_id = :sen_before \gset
SELECT task, algorithm, params = :'sen_params_before' AS active_params FROM insight_retrain_plan('sentiment');
SET client_min_messages = warning;
CALL insight_retrain('sentiment');
RESET client_min_messages;
SELECT r.task, r.algorithm, r.status, r.params = :'sen_params_before' AS same_params,
       r.rows_used = (m.metrics ->> 'serve_rows')::bigint AS rows_from_metrics, r.rows_used,
       r.model_id = :sen_before AS active_model,
       (SELECT count(*) FROM insight_models x WHERE x.task = 'sentiment' AND x.model_id > :sen_before) AS new_versions
  FROM insight_training_runs r JOIN insight_models m USING (model_id)
 ORDER BY r.run_id DESC LIMIT 1;
INSERT INTO reviews_en VALUES (2001, 'yelp', 'The soup was cold and the waiter rude.', false, false);
SET client_min_messages = warning;
CALL insight_retrain('sentiment');
RESET client_min_messages;
SELECT r.status, r.rows_used, m.model_id > :sen_before AS newer, md5(m.weights) = :'sen_weights_before' AS same_weights,
       m.params = :'sen_params_before' AS same_params
  FROM insight_training_runs r JOIN insight_models m USING (model_id)
 ORDER BY r.run_id DESC LIMIT 1;
-- a model stored before the parameter norm existed: retrained with its
-- default (and without the key the task does not know): the same model
SET client_min_messages = warning;
SELECT (insight_retrain_sentiment('{"buckets": 262144, "c": 4, "alpha": 1, "max_iterations": 200, "variant": "nblr", "old_key": 1}')
        IS NOT NULL) AS retrained_without_norm;
RESET client_min_messages;
SELECT params ->> 'norm' AS norm, params ? 'old_key' AS kept_unknown_key
  FROM insight_models WHERE task = 'sentiment' ORDER BY model_id DESC LIMIT 1;
DELETE FROM insight_model_activations WHERE model_id IN (SELECT model_id FROM insight_models WHERE task = 'sentiment');
DELETE FROM insight_models WHERE task = 'sentiment';
DELETE FROM insight_review_sources;
DROP TABLE reviews_en, reviews_zh;
