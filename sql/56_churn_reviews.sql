-- Reviews as churn features (insight_train_churn(params => '{"review_features":
-- true}'), src/sql/tasks/churn.sql): per customer, as of the cutoff, the
-- number of reviews, their mean sentiment under the sentiment model the
-- churn model names, and the share negative; the same vector in training,
-- insight_churn, the reasons, the set-wise scores and the views.
-- The reviews here are a SYNTHETIC join: English sentences (UCI, Kotzias et
-- al. 2015) given to Online Retail customers at made-up times, to test the
-- mechanics only, not the quality of the features.
\set VERBOSITY terse
SET client_min_messages = warning;
\i test/load_reviews.sql
RESET client_min_messages;
-- a sentiment model, trained on the English sentences (no customers)
SELECT insight_register_reviews('reviews_en', 'review', 'positive');
SET client_min_messages = warning;
SELECT insight_train_sentiment() AS sentiment_model \gset
RESET client_min_messages;
SELECT (insight_model_info(weights)->>'empty_document_score')::float8 AS empty_score
  FROM insight_models WHERE model_id = :sentiment_model \gset
-- the churn model active before this test, put back at the end
\i test/setup/churn_model.sql
SELECT model_id AS churn_before FROM insight_models WHERE task = 'churn' AND status = 'active' \gset

-- errors: not a boolean; reviews without customers; without a time column
SELECT insight_train_churn(params => '{"review_features": "yes"}');
SELECT insight_train_churn(params => '{"review_features": true}');
CREATE TABLE cr_reviews (customer integer, written_at timestamptz, body text, stars integer);
INSERT INTO cr_reviews
SELECT c.customer, timestamptz '2011-06-01 00:00+00' + (r.n * interval '7 days'), e.review, CASE WHEN e.positive THEN 5 ELSE 1 END
  FROM (VALUES (12347, 1), (12347, 2), (12347, 3), (12348, 4), (12348, 5), (12352, 6), (12352, 7), (12352, 8),
               (12356, 9), (12359, 10)) r(customer, n)
  JOIN LATERAL (SELECT r.customer) c ON true
  JOIN reviews_en e ON e.id = r.n * 37;
-- a review without a text (counted, not scored) and one of a customer who never bought
INSERT INTO cr_reviews VALUES (12352, '2011-07-01 00:00+00', NULL, 3), (99999999, '2011-07-01 00:00+00', 'great', 5);
SELECT insight_register_reviews('cr_reviews', 'body', 'stars', customer_column => 'customer', options => '{"label": "rating"}');
SELECT insight_train_churn(params => '{"review_features": true}');
SELECT insight_register_reviews('cr_reviews', 'body', 'stars', customer_column => 'customer', time_column => 'written_at',
                                options => '{"label": "rating"}');

-- the training rows at a cutoff carry the review features as of the cutoff:
-- count, mean sentiment (insight_text_predict of the sentiment model), share
-- below 0.5; a customer without a review before the cutoff: 0, the
-- empty-document score, 0
CREATE TEMP TABLE cr_hand AS
SELECT c.customer::text AS customer_id,
       ARRAY[count(*)::float8, coalesce(avg(insight_text_predict(m.weights, c.body)), :empty_score),
             coalesce(avg((insight_text_predict(m.weights, c.body) < 0.5)::int::float8), 0)] AS v
  FROM cr_reviews c, insight_models m
 WHERE m.model_id = :sentiment_model AND c.written_at < '2011-08-01 00:00+00'
 GROUP BY c.customer;
SELECT customer_id, array_length(features, 1) AS width,
       features[14] AS review_count, round(features[15]::numeric, 4) AS mean_sentiment,
       round(features[16]::numeric, 4) AS share_negative,
       features[1:13] = (SELECT f.features FROM insight_customer_features('2011-08-01 00:00+00') f WHERE f.customer_id = 12347) AS sales_part_12347
  FROM insight_churn_training_rows('2011-08-01 00:00+00', '90 days', :sentiment_model)
 WHERE customer_id IN ('12347', '12348', '12352', '12356', '12359', '12350') ORDER BY 1;
SELECT bool_and(r.features[14:16] = coalesce(h.v, ARRAY[0, :empty_score, 0]::float8[])) AS as_by_hand,
       count(h.v) AS customers_with_reviews, count(*) AS customers
  FROM insight_churn_training_rows('2011-08-01 00:00+00', '90 days', :sentiment_model) r
  LEFT JOIN cr_hand h ON h.customer_id = r.customer_id;
-- reviews at and after the cutoff change nothing
CREATE TEMP TABLE cr_before AS
SELECT * FROM insight_churn_training_rows('2011-08-01 00:00+00', '90 days', :sentiment_model);
INSERT INTO cr_reviews VALUES (12347, '2011-08-01 00:00+00', 'Terrible, it broke after a day.', 1),
                              (12350, '2011-08-02 00:00+00', 'Terrible, it broke after a day.', 1);
SELECT (SELECT array_agg(b ORDER BY b.customer_id) FROM cr_before b)::text
       = (SELECT array_agg(r ORDER BY r.customer_id)
            FROM insight_churn_training_rows('2011-08-01 00:00+00', '90 days', :sentiment_model) r)::text AS unchanged_by_later_reviews;
-- ... and a review before it does
SELECT r.features[14:16] = ARRAY[0, :empty_score, 0]::float8[] AS without_review_before,
       (SELECT x.features[14] FROM insight_churn_training_rows('2011-08-03 00:00+00', '90 days', :sentiment_model) x
         WHERE x.customer_id = '12350') AS count_after_it
  FROM insight_churn_training_rows('2011-08-01 00:00+00', '90 days', :sentiment_model) r WHERE r.customer_id = '12350';
-- without a sentiment model id: the sales features alone
SELECT array_length(features, 1) AS width FROM insight_churn_training_rows('2011-08-01 00:00+00', '90 days') WHERE customer_id = '12347';

-- a churn model trained with them names its sentiment model and features
SET client_min_messages = warning;
SELECT insight_train_churn(params => '{"review_features": true}') AS churn_reviews \gset
RESET client_min_messages;
SELECT algorithm, params->'review_features' AS review_features, (params->>'sentiment_model_id')::bigint = :sentiment_model AS names_sentiment_model,
       feature_names[14:16] AS review_names, array_length(feature_names, 1) AS width,
       (insight_model_info(weights)->>'features')::int AS model_width
  FROM insight_models WHERE model_id = :churn_reviews;
SET client_min_messages = warning;  -- it may be active already (not worse)
SELECT insight_activate(:churn_reviews) IS NOT NULL AS activated;
RESET client_min_messages;
-- insight_churn(id) is the model applied to the vector built by hand as of
-- the default as_of (just after the latest line): the sales features, then
-- the review features of every review before it
SELECT insight_default_as_of() AS as_of \gset
SELECT c.customer, round(insight_churn(c.customer)::numeric, 6) AS churn,
       abs(insight_churn(c.customer) - insight_predict(m.weights, f.features || ARRAY[h.n, h.mean, h.neg])) < 1e-12 AS as_by_hand
  FROM (VALUES (12347), (12352), (12350), (12349)) c(customer)
  CROSS JOIN insight_models m
  CROSS JOIN LATERAL (SELECT f.features FROM insight_customer_features_of(c.customer::text) f) f
  CROSS JOIN LATERAL (SELECT count(*)::float8 AS n,
                             coalesce(avg(insight_text_predict(s.weights, r.body)), :empty_score) AS mean,
                             coalesce(avg((insight_text_predict(s.weights, r.body) < 0.5)::int::float8), 0) AS neg
                        FROM cr_reviews r, insight_models s
                       WHERE s.model_id = :sentiment_model AND r.customer = c.customer AND r.written_at < :'as_of') h
 WHERE m.model_id = :churn_reviews ORDER BY 1;
-- the same probability set-wise, in the retention targets and in the 360 view
SELECT bool_and(abs(s.churn_probability - insight_churn(s.customer_id)) < 1e-12) AS scores_at_same
  FROM insight_churn_scores_at() s WHERE s.customer_id IN ('12347', '12348', '12352', '12350', '12349');
SELECT bool_and(abs(t.churn_probability - s.churn_probability) < 1e-12) AS targets_same, count(*) AS customers
  FROM insight_retention_targets t JOIN insight_churn_scores s ON s.customer_id = t.customer_id;
SELECT bool_and(abs(v.churn_probability - s.churn_probability) < 1e-12) AS view_360_same, count(*) AS customers
  FROM insight_customer_360 v JOIN insight_churn_scores s ON s.customer_id = v.customer_id;
-- the reasons name the review features, with the values of the vector
SELECT feature, value FROM insight_churn_reasons(12347) WHERE feature LIKE 'review%' ORDER BY feature;
SELECT count(*) AS features, bool_and(r.model_id = :churn_reviews) AS this_model
  FROM insight_churn_reasons(12347) r;
-- gbdt: its trees name the review features, and so do its reasons
SET client_min_messages = warning;
SELECT insight_train_churn(algorithm => 'gbdt', params => '{"review_features": true, "rounds": 20}') AS churn_gbdt \gset
RESET client_min_messages;
SELECT (insight_model_info(weights)->'feature_names')::text LIKE '%"review_count", "review_mean_sentiment", "review_share_negative"%' AS gbdt_names
  FROM insight_models WHERE model_id = :churn_gbdt;
SET client_min_messages = warning;
SELECT insight_activate(:churn_gbdt) IS NOT NULL AS activated;
RESET client_min_messages;
-- TreeSHAP over the vector: the contributions and the bias (the last value
-- of insight_gbdt_explain) add up to the logit of insight_churn
SELECT count(*) AS features, count(*) FILTER (WHERE r.feature LIKE 'review%') AS review_features,
       abs(sum(r.contribution) + (insight_gbdt_explain(m.weights, f.churn_features))[17]
           - ln(insight_churn(12347) / (1 - insight_churn(12347)))) < 1e-9 AS treeshap_sums_to_logit
  FROM insight_churn_reasons(12347) r, insight_models m,
       insight_churn_features(NULL, :sentiment_model, '12347') f
 WHERE m.model_id = :churn_gbdt GROUP BY m.weights, f.churn_features;
SELECT value AS mean_sentiment_before FROM insight_churn_reasons(12347) WHERE feature = 'review_mean_sentiment' \gset

-- a sentiment retraining does not change the churn model's vector: it keeps
-- scoring with the sentiment model it was trained with
SET client_min_messages = warning;
SELECT insight_register_reviews('reviews_en', 'review', 'positive');
SELECT insight_train_sentiment('{"c": 0.5}') AS sentiment_2 \gset
SELECT insight_activate(:sentiment_2) IS NOT NULL AS activated \gset
SELECT insight_register_reviews('cr_reviews', 'body', 'stars', customer_column => 'customer', time_column => 'written_at',
                                options => '{"label": "rating"}');
RESET client_min_messages;
SELECT (SELECT status FROM insight_models WHERE model_id = :sentiment_2) AS new_sentiment_status,
       (SELECT x.value FROM insight_churn_reasons(12347) x WHERE x.feature = 'review_mean_sentiment')
       = :mean_sentiment_before AS same_mean_sentiment,
       insight_sentiment('Terrible, it broke after a day.') <> (SELECT insight_text_predict(weights, 'Terrible, it broke after a day.')
                                                                   FROM insight_models WHERE model_id = :sentiment_model) AS new_model_scores_differently;

-- a retraining (CALL insight_retrain()) keeps the option and scores the
-- reviews with the sentiment model active then
SET client_min_messages = warning;
SELECT insight_retrain_churn(params) AS churn_retrained FROM insight_models WHERE model_id = :churn_reviews \gset
RESET client_min_messages;
SELECT params->'review_features' AS review_features, (params->>'sentiment_model_id')::bigint = :sentiment_2 AS names_active_sentiment_model
  FROM insight_models WHERE model_id = :churn_retrained;

-- without a time column the model cannot serve: the views leave its column
-- NULL, the scoring functions raise
SELECT insight_register_reviews('cr_reviews', 'body', 'stars', customer_column => 'customer', options => '{"label": "rating"}');
SELECT insight_churn_usable(m) AS why FROM insight_models m WHERE model_id = :churn_gbdt;
SET client_min_messages = warning;
SELECT count(*) > 4000 AS customers, count(churn_probability) AS scored FROM insight_customer_360;
RESET client_min_messages;
SELECT insight_churn(12347);
-- and without a sentiment model to train with
DELETE FROM insight_review_sources;
SELECT insight_churn(12347);
DELETE FROM insight_model_activations WHERE model_id IN (SELECT model_id FROM insight_models WHERE task = 'sentiment');
DELETE FROM insight_models WHERE task = 'sentiment';
SELECT insight_train_churn(params => '{"review_features": true}');

-- clean up: the churn model of before is active again
SET client_min_messages = warning;
SELECT insight_activate(:churn_before) IS NOT NULL AS restored;
RESET client_min_messages;
DELETE FROM insight_model_activations
 WHERE model_id IN (:churn_reviews, :churn_gbdt, :churn_retrained) OR previous_model_id IN (:churn_reviews, :churn_gbdt, :churn_retrained);
DELETE FROM insight_models WHERE model_id IN (:churn_reviews, :churn_gbdt, :churn_retrained);
SELECT model_id = :churn_before AS before_active FROM insight_models WHERE task = 'churn' AND status = 'active';
DROP TABLE cr_reviews, reviews_en, reviews_zh;
