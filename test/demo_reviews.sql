-- The demo's reviews (test/demo.sql includes it): the 62,774 Chinese shopping
-- reviews of ../shared/data/reviews/ (the shipped sample of test/data/ when
-- that folder is missing), a sentiment model trained in the database, its
-- held-out accuracy, per category, and the top complaint terms per category.
\echo
\echo '== Reviews: the Chinese shopping reviews, a sentiment model trained in the database =='
SET client_min_messages = warning;
DROP TABLE IF EXISTS demo_reviews;
CREATE TABLE demo_reviews (cat text, label int, review text);
\copy demo_reviews FROM PROGRAM 'f=../shared/data/reviews/online_shopping_10_cats.csv.gz; [ -r "$f" ] || f=test/data/reviews_zh_sample.csv.gz; gzip -dc "$f"' WITH (FORMAT csv, HEADER true)
SELECT insight_register_reviews('demo_reviews', 'review', 'label', item_column => 'cat');
SELECT insight_train_sentiment() AS sentiment_model \gset
RESET client_min_messages;
SELECT (metrics->>'train_rows')::int AS train_reviews, (metrics->>'test_rows')::int AS holdout_reviews,
       round((metrics->>'accuracy')::numeric, 4) AS holdout_accuracy, round((metrics->>'auc')::numeric, 4) AS holdout_auc,
       round((metrics->>'f1')::numeric, 4) AS holdout_f1
  FROM insight_models WHERE model_id = :sentiment_model;
\echo '-- held-out accuracy per category (the evaluation model, on the holdout)'
SELECT r.cat, count(*) AS holdout_reviews,
       round(avg(((insight_text_predict(m.evaluation_weights, r.review) >= 0.5) = (r.label = 1))::int), 4) AS accuracy
  FROM demo_reviews r, insight_models m
 WHERE m.model_id = :sentiment_model AND r.review IS NOT NULL AND insight_sentiment_held_out(r.review)
 GROUP BY r.cat ORDER BY r.cat;
\echo '-- why do they complain? the 5 terms that push each category''s reviews most towards negative'
SELECT c.item_id AS category, string_agg(t.term || ' (' || t.reviews || ')', ', ' ORDER BY t.total_contribution) AS complaint_terms
  FROM insight_item_sentiment c, insight_review_terms(c.item_id, 5) t
 WHERE t.direction = 'negative'
 GROUP BY c.item_id ORDER BY c.item_id;
SELECT insight_sentiment('质量很好，物流也快，非常满意') AS positive_review,
       insight_sentiment('太差了，用了两天就坏了，不推荐') AS negative_review;
