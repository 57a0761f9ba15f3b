-- The text model (algorithm 12, src/models/text/sentiment.c): NB-weighted
-- logistic regression over hashed n-grams; small cases, errors, the model's
-- bytes, and held-out accuracy on the shipped English and Chinese reviews.
\set VERBOSITY terse
SET client_min_messages = warning;
\i test/load_reviews.sql
RESET client_min_messages;

-- the small case of issue 16: unknown n-grams and the empty review score the
-- empty document, sigmoid(intercept)
SET client_min_messages = warning;
CREATE TABLE tm_small (review text, positive boolean);
INSERT INTO tm_small VALUES ('great product', true), ('great value', true), ('bad product', false);
CREATE TABLE tm_models AS SELECT 'small'::text AS name, insight_text_fit('SELECT review, positive FROM tm_small') AS model;
RESET client_min_messages;
SELECT round((info->>'intercept')::numeric, 6) AS intercept, round((info->>'empty_document_score')::numeric, 6) AS empty_score,
       info->>'weights' AS weights, info->>'converged' AS converged, info->>'variant' AS variant,
       info->>'norm' AS norm, info->>'c' AS c
  FROM (SELECT insight_model_info(model) AS info FROM tm_models WHERE name = 'small') i;
SELECT r AS review, abs(insight_text_predict(model, r) - 1 / (1 + exp(-(insight_model_info(model)->>'intercept')::float8))) < 1e-15 AS empty_document,
       round(insight_text_predict(model, r)::numeric, 4) AS score
  FROM tm_models, unnest(ARRAY['zzz qqq', '', '!!!', 'great', 'bad', 'great product', 'bad value']) r
 WHERE name = 'small';
SELECT insight_text_predict(model, NULL) IS NULL AS null_review_null_score FROM tm_models WHERE name = 'small';
-- a positive and a negative bucket move the score in their direction
SELECT insight_text_predict(model, 'great') > insight_text_predict(model, 'zzz') AND insight_text_predict(model, 'bad') < insight_text_predict(model, 'zzz') AS directions
  FROM tm_models WHERE name = 'small';
-- unnormalised (norm 'none', c = 1: the features r o f as they are, not
-- divided by each review's L2 norm): other scores, the same directions
SET client_min_messages = warning;
SELECT r AS review, round(insight_text_predict(m, r)::numeric, 4) AS score, insight_model_info(m)->>'norm' AS norm
  FROM insight_text_fit('SELECT review, positive FROM tm_small', c => 1, norm => 'none') m,
       unnest(ARRAY['zzz qqq', 'great', 'bad', 'great product']) r;
RESET client_min_messages;

-- one-character tokens are kept: ("1 2", true), ("3 4", false) trains
SELECT round(insight_text_predict(m, '1 2')::numeric, 4) AS p12, round(insight_text_predict(m, '3 4')::numeric, 4) AS p34
  FROM insight_text_fit('VALUES (''1 2'', true), (''3 4'', false)') m;
-- NULL reviews and labels are skipped and counted; reviews without tokens kept
SELECT (info->>'rows')::int AS rows, (info->>'rows_skipped')::int AS skipped, (info->>'rows_without_tokens')::int AS without_tokens
  FROM (SELECT insight_model_info(insight_text_fit($$VALUES ('good', true), ('bad', false), (NULL, true), ('fine', NULL), ('...', false)$$)) AS info) i;

-- errors
SELECT insight_text_fit('VALUES (''!!!'', true), (''...'', false), ('''', true)');
SELECT insight_text_fit('VALUES (''good'', true), (''fine'', true)');
SELECT insight_text_fit('SELECT review FROM tm_small');
SELECT insight_text_fit('SELECT review, 1 FROM tm_small');
SELECT insight_text_fit('SELECT review, positive FROM tm_small', buckets => 0);
SELECT insight_text_fit('SELECT review, positive FROM tm_small', c => 0);
SELECT insight_text_fit('SELECT review, positive FROM tm_small', alpha => 'NaN');
SELECT insight_text_fit('SELECT review, positive FROM tm_small', max_iterations => 0);
SELECT insight_text_fit('SELECT review, positive FROM tm_small', variant => 'svm');
SELECT insight_text_fit('SELECT review, positive FROM tm_small', norm => 'l1');
SELECT insight_text_fit('SELECT review, positive FROM tm_small', norm => NULL);
SELECT insight_text_fit('SELECT review, positive FROM tm_small', c => NULL);
SELECT insight_text_fit(NULL);
SET insight.max_training_memory = 1024;
SELECT insight_text_fit('SELECT review, positive FROM reviews_zh');
RESET insight.max_training_memory;
-- corrupt and foreign models
SELECT insight_text_predict(set_byte(model, 60, get_byte(model, 60) # 1), 'good') FROM tm_models WHERE name = 'small';
SELECT insight_text_predict(insight_scaler_fit(x), 'good') FROM (VALUES (ARRAY[1.0, 2.0]::float8[])) v(x);

-- the same bytes whatever the order of the rows
SET client_min_messages = warning;
SELECT md5(insight_text_fit('SELECT review, positive FROM reviews_en WHERE corpus = ''yelp'' ORDER BY id')) =
       md5(insight_text_fit('SELECT review, positive FROM reviews_en WHERE corpus = ''yelp'' ORDER BY md5(review) DESC')) AS order_independent;
RESET client_min_messages;

-- held-out accuracy (stratified 80/20 split of load_reviews.sql): English UCI
-- sentences and the Chinese sample, NB-LR and plain LR
SET client_min_messages = warning;
INSERT INTO tm_models
SELECT t || ' ' || v, insight_text_fit(format('SELECT review, positive FROM %s WHERE NOT held_out', t), variant => v)
  FROM unnest(ARRAY['reviews_en', 'reviews_zh']) t, unnest(ARRAY['nblr', 'lr']) v;
RESET client_min_messages;
SELECT m.name, round(avg(((insight_text_predict(m.model, r.review) >= 0.5) = r.positive)::int), 4) AS accuracy,
       round(insight_auc(insight_text_predict(m.model, r.review), r.positive)::numeric, 4) AS auc
  FROM tm_models m
  JOIN (SELECT 'reviews_en' AS t, review, positive FROM reviews_en WHERE held_out
        UNION ALL SELECT 'reviews_zh', review, positive FROM reviews_zh WHERE held_out) r ON m.name LIKE r.t || ' %'
 GROUP BY m.name ORDER BY m.name;

DROP TABLE tm_small, tm_models, reviews_en, reviews_zh;
