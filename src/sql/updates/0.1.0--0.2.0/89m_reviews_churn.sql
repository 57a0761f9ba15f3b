-- Issue 16, reviews (fourth part): reviews as churn features
-- (insight_train_churn(params => '{"review_features": true}')).  Every
-- function that builds a churn vector reads insight_churn_features, which
-- appends the review features of the sentiment model the churn model names.

--@ function src/sql/tasks/churn.sql insight_churn_review_problem
--@ comment src/sql/tasks/churn.sql insight_churn_review_problem
--@ function src/sql/tasks/churn.sql insight_churn_review_model
--@ comment src/sql/tasks/churn.sql insight_churn_review_model
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
-- (as of this update; the labels move to the shards in 89o_citus_labels)
CREATE OR REPLACE FUNCTION @extschema@.insight_churn_training_rows(cutoff timestamptz, horizon interval, sentiment_model_id bigint DEFAULT NULL)
RETURNS TABLE (customer_id text, features float8[], churned boolean, recency_days float8)
LANGUAGE sql STABLE PARALLEL SAFE
SET TimeZone = 'UTC'
SET IntervalStyle = 'postgres'
AS $$
WITH buyers AS (
    SELECT DISTINCT s.customer_id::pg_catalog.text AS customer_id
      FROM @extschema@.insight_sales s
     WHERE s.amount OPERATOR(pg_catalog.>) 0
       AND s.ordered_at OPERATOR(pg_catalog.>=) $1
       AND s.ordered_at OPERATOR(pg_catalog.<) ($1 OPERATOR(pg_catalog.+) $2)
)
SELECT f.customer_id, f.churn_features, b.customer_id IS NULL, f.recency_days
  FROM @extschema@.insight_churn_features($1, $3) f
  LEFT JOIN buyers b ON b.customer_id OPERATOR(pg_catalog.=) f.customer_id
 ORDER BY 1
$$;
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
SELECT v.key, l.lang, CASE l.lang WHEN 'en' THEN v.en ELSE @extschema@.insight_unicode_text(v.zh) END
  FROM (VALUES
    ('feature.review_count', 'reviews written', '\u8bc4\u8bba\u6570'),
    ('feature.review_mean_sentiment', 'mean review sentiment', '\u8bc4\u8bba\u5e73\u5747\u60c5\u611f'),
    ('feature.review_share_negative', 'share of negative reviews', '\u8d1f\u9762\u8bc4\u8bba\u5360\u6bd4')
  ) v(key, en, zh), (VALUES ('en'), ('zh')) l(lang)
 WHERE l.lang OPERATOR(pg_catalog.=) 'en' OR @extschema@.insight_unicode_text(v.zh) IS NOT NULL;

-- Server encodings: the install and upgrade scripts are ASCII (the Makefile
-- checks it); the report's Chinese texts are decoded into the database's
-- encoding (insight_unicode_text), and a database that cannot hold them
-- gets none and a clear error for lang zh.
--@ function src/sql/tasks/report_html_parts.sql insight_report_msg
--@ comment src/sql/tasks/report_html_parts.sql insight_report_msg

-- comments of 0.1.0 brought to their ASCII text
COMMENT ON AGGREGATE @extschema@.insight_auc(float8, boolean) IS
'Exact area under the ROC curve of scores for label true: the share of (true, false) pairs in which the true row scores higher, ties counting one half (Mann-Whitney U / (P*N); equals scikit-learn roc_auc_score). Only the order of the scores matters. NULL with a NOTICE when one class is missing; NaN scores are an error. Keeps every pair in memory (16 bytes a row, limited by insight.max_training_memory).';
COMMENT ON AGGREGATE @extschema@.insight_brier(float8, boolean) IS
'Brier score: mean of (p - y)^2 over probabilities p of label true, y = 1 for true and 0 for false (as scikit-learn brier_score_loss). Probabilities outside [0, 1] are an error.';
--@ comment src/sql/models/linear/logreg.sql insight_logreg_predict
--@ comment src/sql/models/linear/logreg.sql insight_logreg_contributions
