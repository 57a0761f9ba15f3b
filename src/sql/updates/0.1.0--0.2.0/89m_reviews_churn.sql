-- Issue 16, reviews (fourth part): reviews as churn features
-- (insight_train_churn(params => '{"review_features": true}')).  Every
-- function that builds a churn vector reads insight_churn_features, which
-- appends the review features of the sentiment model the churn model names.

--@ function src/sql/tasks/churn.sql insight_churn_review_problem
--@ comment src/sql/tasks/churn.sql insight_churn_review_problem
--@ function src/sql/tasks/churn.sql insight_churn_review_features
--@ comment src/sql/tasks/churn.sql insight_churn_review_features
--@ function src/sql/tasks/churn.sql insight_churn_review_default
--@ comment src/sql/tasks/churn.sql insight_churn_review_default
--@ function src/sql/tasks/churn.sql insight_churn_review_names
--@ comment src/sql/tasks/churn.sql insight_churn_review_names
--@ function src/sql/tasks/churn.sql insight_churn_feature_names
--@ comment src/sql/tasks/churn.sql insight_churn_feature_names
--@ function src/sql/tasks/churn.sql insight_churn_features
--@ comment src/sql/tasks/churn.sql insight_churn_features
--@ function src/sql/tasks/churn.sql insight_churn_usable
--@ comment src/sql/tasks/churn.sql insight_churn_usable

-- a third argument, the sentiment model of the review features
DROP FUNCTION @extschema@.insight_churn_training_rows(timestamptz, interval);
--@ function src/sql/tasks/churn.sql insight_churn_training_rows
--@ comment src/sql/tasks/churn.sql insight_churn_training_rows

--@ function src/sql/tasks/churn.sql insight_churn_setup
--@ comment src/sql/tasks/churn.sql insight_churn_setup
--@ function src/sql/tasks/churn.sql insight_churn_fit
--@ comment src/sql/tasks/churn.sql insight_churn_fit
--@ function src/sql/tasks/churn.sql insight_churn_prepare
--@ comment src/sql/tasks/churn.sql insight_churn_prepare
--@ function src/sql/tasks/churn.sql insight_churn_compare
--@ comment src/sql/tasks/churn.sql insight_churn_compare
--@ function src/sql/tasks/churn.sql insight_churn
--@ comment src/sql/tasks/churn.sql insight_churn
--@ function src/sql/tasks/churn.sql insight_churn_scores_at
--@ comment src/sql/tasks/churn.sql insight_churn_scores_at
--@ function src/sql/tasks/churn.sql insight_churn_reasons
--@ comment src/sql/tasks/churn.sql insight_churn_reasons
--@ function src/sql/tasks/churn.sql insight_retention_targets_at
--@ comment src/sql/tasks/churn.sql insight_retention_targets_at
--@ function src/sql/tasks/churn.sql insight_customer_360_features
--@ comment src/sql/tasks/churn.sql insight_customer_360_features
--@ function src/sql/tasks/report_html.sql insight_report_today

UPDATE @extschema@.insight_task_steps SET usable = '@extschema@.insight_churn_usable(@extschema@.insight_models)'
 WHERE task OPERATOR(pg_catalog.=) 'churn';

INSERT INTO @extschema@.insight_report_messages (key, lang, message)
SELECT v.key, l.lang, CASE l.lang WHEN 'en' THEN v.en ELSE v.zh END
  FROM (VALUES
    ('feature.review_count', 'reviews written', '评论数'),
    ('feature.review_mean_sentiment', 'mean review sentiment', '评论平均情感'),
    ('feature.review_share_negative', 'share of negative reviews', '负面评论占比')
  ) v(key, en, zh), (VALUES ('en'), ('zh')) l(lang);
