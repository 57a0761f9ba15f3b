-- The sentiment task (src/sql/tasks/sentiment.sql): trained on the registered
-- reviews through the training skeleton, held-out metrics, "not worse"
-- activation, insight_sentiment(text).
\set VERBOSITY terse
SET client_min_messages = warning;
\i test/load_reviews.sql
RESET client_min_messages;
-- no model yet
SELECT insight_sentiment('good');
-- the English sentences (a 1-5 rating would do as well), the corpus as item;
-- one review without text
INSERT INTO reviews_en VALUES (0, 'amazon', NULL, true, false);
SELECT insight_register_reviews('reviews_en', 'review', 'positive', item_column => 'corpus');
SET client_min_messages = warning;
SELECT insight_train_sentiment() AS first_model \gset
RESET client_min_messages;
SELECT task, algorithm, status, version, params,
       (metrics->>'train_rows')::int AS train_rows, (metrics->>'test_rows')::int AS test_rows,
       (metrics->>'rows_null_text')::int AS null_text, (metrics->>'rows_unlabelled')::int AS unlabelled,
       round((metrics->>'auc')::numeric, 4) AS auc, round((metrics->>'accuracy')::numeric, 4) AS accuracy,
       round((metrics->>'f1')::numeric, 4) AS f1, (metrics->'test'->>'n')::int AS test_n,
       evaluation_weights IS NOT NULL AS has_evaluation_model
  FROM insight_models WHERE model_id = :first_model;
-- the held-out AUC is the evaluation model's on the holdout, recomputed here
SELECT abs(a.auc - (m.metrics->>'auc')::float8) < 1e-12 AS auc_recomputed
  FROM insight_models m,
       LATERAL (SELECT insight_auc(insight_text_predict(m.evaluation_weights, r.review), r.positive) AS auc
                  FROM reviews_en r WHERE r.review IS NOT NULL AND insight_sentiment_held_out(r.review)) a
 WHERE m.model_id = :first_model;
-- the serving model saw every labelled review
SELECT (insight_model_info(weights)->>'rows')::int AS serving_rows FROM insight_models WHERE model_id = :first_model;
-- scores: the empty document for unknown or no n-grams, NULL for NULL
SELECT r AS review, round(insight_sentiment(r)::numeric, 4) AS score,
       insight_sentiment(r) = (SELECT (insight_model_info(weights)->>'empty_document_score')::float8
                                 FROM insight_models WHERE model_id = :first_model) AS empty_document
  FROM unnest(ARRAY['', '🦖🦜', 'Great phone, works perfectly!', 'Terrible, it broke after a day.']) r;
SELECT insight_sentiment(NULL) IS NULL AS null_text;
-- a worse model stays a candidate; the same data and params give an equal
-- model, which is not worse and becomes active
-- (its NOTICE names model ids, which depend on the tests before this one)
SET client_min_messages = warning;
SELECT insight_train_sentiment('{"variant": "lr", "c": 0.001, "max_iterations": 3}') AS worse_model \gset
RESET client_min_messages;
SELECT status, round((metrics->>'auc')::numeric, 4) AS auc FROM insight_models WHERE model_id = :worse_model;
SET client_min_messages = warning;
SELECT insight_train_sentiment() AS same_model \gset
RESET client_min_messages;
SELECT model_id = :same_model AS is_new, status, md5(weights) = (SELECT md5(weights) FROM insight_models WHERE model_id = :first_model) AS same_bytes
  FROM insight_models WHERE task = 'sentiment' AND status = 'active';
-- per item and per customer (here both the corpus): counts, mean sentiment,
-- share negative; recomputed from insight_sentiment
SELECT insight_register_reviews('reviews_en', 'review', 'positive', customer_column => 'corpus', item_column => 'corpus');
SELECT item_id, reviews, scored_reviews, round(mean_sentiment::numeric, 4) AS mean_sentiment,
       round(share_negative::numeric, 4) AS share_negative, round(labelled_share_negative::numeric, 4) AS labelled_share_negative,
       model_id = :same_model AS active_model
  FROM insight_item_sentiment ORDER BY item_id;
SELECT bool_and(abs(i.mean_sentiment - c.mean) < 1e-12 AND i.share_negative = c.neg) AS item_view_recomputed
  FROM insight_item_sentiment i
  JOIN (SELECT corpus, avg(insight_sentiment(review)) AS mean,
               avg((insight_sentiment(review) < 0.5)::int::float8) AS neg
          FROM reviews_en WHERE review IS NOT NULL GROUP BY corpus) c ON c.corpus = i.item_id;
SELECT (SELECT array_agg(i ORDER BY item_id) FROM insight_item_sentiment i)::text
       = (SELECT array_agg(c ORDER BY customer_id) FROM (SELECT customer_id, reviews, scored_reviews, mean_sentiment, share_negative,
                                                              labelled_share_negative, model_id FROM insight_customer_sentiment) c)::text AS customer_view_same;

-- why: the contributions of one review sum, with the intercept, to its logit
SELECT array_to_string(tokens, '|') AS tokens, round(contribution::numeric, 3) AS contribution
  FROM insight_sentiment_explain('Terrible, it broke after a day.') LIMIT 5;
SELECT abs(sum(c.contribution) + (SELECT (insight_model_info(weights)->>'intercept')::float8 FROM insight_models WHERE model_id = :same_model)
           - ln(insight_sentiment(r) / (1 - insight_sentiment(r)))) < 1e-9 AS sums_to_logit, count(*) AS buckets
  FROM (VALUES ('Terrible, it broke after a day.')) v(r), insight_sentiment_explain(r) c GROUP BY r;
SELECT count(*) AS rows FROM insight_sentiment_explain('');
-- the terms that push the Yelp sentences most towards negative and positive
SELECT direction, term, reviews, round(total_contribution::numeric, 2) AS total
  FROM insight_review_terms('yelp', 3);
SELECT insight_review_terms('yelp', 0);

-- errors
SELECT insight_train_sentiment('{"learning_rate": 1}');
SELECT insight_train_sentiment('{"c": -1}');
SELECT insight_train_sentiment('[]');
CREATE TABLE se_few (t text, ok boolean);
INSERT INTO se_few VALUES ('good', true);
SELECT insight_register_reviews('se_few', 't', 'ok');
SELECT insight_train_sentiment();
SELECT count(*) AS sentiment_models FROM insight_models WHERE task = 'sentiment';

-- insight_customer_360 gains the customer's reviews: NULL while the
-- registered reviews carry no customer (se_few, here)
SELECT count(*) > 4000 AS customers, count(review_count) AS with_reviews, count(mean_sentiment) AS with_sentiment,
       count(share_negative) AS with_share FROM insight_customer_360;
-- reviews of Online Retail customers (ratings; one of a customer who never
-- bought, one without customer): the active model (the English one) scores them
CREATE TABLE se_cust (customer_id integer, body text, stars integer);
INSERT INTO se_cust VALUES (12347, 'Great product, works perfectly!', 5), (12347, 'Terrible, it broke after a day.', 1),
    (12347, NULL, 3), (12346, 'Terrible quality, never again.', 1), (99999999, 'great', 5), (NULL, 'good', 4);
SELECT insight_register_reviews('se_cust', 'body', 'stars', customer_column => 'customer_id', options => '{"label": "rating"}');
SELECT customer_id, review_count, round(mean_sentiment::numeric, 4) AS mean_sentiment, round(share_negative::numeric, 4) AS share_negative
  FROM insight_customer_360 WHERE customer_id IN (12346, 12347, 12348) ORDER BY 1;
-- the same as insight_customer_sentiment, recomputed from insight_sentiment
SELECT count(*) AS customers_with_reviews,
       bool_and(c.review_count = s.reviews AND c.mean_sentiment = s.mean_sentiment AND c.share_negative = s.share_negative) AS as_customer_view
  FROM insight_customer_360 c JOIN insight_customer_sentiment s ON s.customer_id = c.customer_id::text;
SELECT abs((SELECT mean_sentiment FROM insight_customer_360 WHERE customer_id = 12347)
           - (insight_sentiment('Great product, works perfectly!') + insight_sentiment('Terrible, it broke after a day.')) / 2) < 1e-12
       AS mean_recomputed;

DELETE FROM insight_model_activations WHERE model_id IN (SELECT model_id FROM insight_models WHERE task = 'sentiment');
DELETE FROM insight_models WHERE task = 'sentiment';
-- no sentiment model: the counts remain, the scores are NULL
SELECT customer_id, review_count, mean_sentiment, share_negative
  FROM insight_customer_360 WHERE customer_id IN (12346, 12347) ORDER BY 1;
DELETE FROM insight_review_sources;
SELECT count(review_count) AS with_reviews FROM insight_customer_360;
DROP TABLE se_few, se_cust, reviews_en, reviews_zh;
