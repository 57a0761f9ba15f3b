-- Issue 16, reviews (second part): the sentiment task retrained by
-- insight_retrain() (src/sql/ops/trainers.sql).
--@ function src/sql/ops/trainers.sql insight_retrain_sentiment
--@ comment src/sql/ops/trainers.sql insight_retrain_sentiment

INSERT INTO @extschema@.insight_trainers (task, train_function, rows_metric, builtin) VALUES
    ('sentiment', '@extschema@.insight_retrain_sentiment(jsonb)', 'serve_rows', true);

-- insight_admin only, as every function that trains
SELECT @extschema@.insight_apply_privileges();

-- Issue 16, reviews (second part): the reviews concern of
-- insight_customer_360 (its columns are added by 90_churn_views.sql, which
-- replaces the churn views from insight_churn_views_sql, and commented there
-- by insight_comment_churn_views).
--@ function src/sql/tasks/sentiment.sql insight_customer_360_reviews
--@ comment src/sql/tasks/sentiment.sql insight_customer_360_reviews
