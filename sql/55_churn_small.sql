-- The churn task on a five-line source, in a database of its own (the other
-- tests keep Online Retail registered): a holdout window with one class
-- trains, and the metrics that need both classes are NULL.  The extension
-- is installed into a schema of its own, as README's Privileges advises.
\set VERBOSITY default
\set regress_db :DBNAME
CREATE DATABASE insight_churn_small;
\c insight_churn_small
SET client_min_messages = warning;
CREATE SCHEMA insight;
CREATE EXTENSION insight SCHEMA insight;
RESET client_min_messages;
SET search_path = public, insight;
CREATE TABLE tiny (customer text, bought_on date, amount numeric);
-- horizon 10 days, as_of 2020-01-30: training cutoff 01-10 (A and D buy again
-- before 01-20, B does not), test cutoff 01-20 (nobody buys again: one class)
INSERT INTO tiny VALUES ('A', '2020-01-01', 10), ('A', '2020-01-15', 12), ('B', '2020-01-02', 30),
                        ('D', '2020-01-03', 8), ('D', '2020-01-12', 9);
SELECT insight_register_sales('tiny', customer_column => 'customer', time_column => 'bought_on',
                              amount_column => 'amount');
SELECT customer_id, churned FROM insight_churn_training_rows('2020-01-10 00:00+00', '10 days') ORDER BY 1;
SELECT customer_id, churned FROM insight_churn_training_rows('2020-01-20 00:00+00', '10 days') ORDER BY 1;
SELECT insight_train_churn('10 days', '2020-01-30 00:00+00') AS id \gset
SELECT status, metrics->'train_rows' AS train_rows, metrics->'test_rows' AS test_rows,
       metrics->'auc' AS auc, metrics->'baseline' AS baseline, metrics->'beats_baseline' AS beats,
       metrics->>'serve_cutoff' = metrics->>'train_cutoff' AS serves_evaluation_model,
       metrics->'test'->'best_f1' AS best_f1, metrics->'test'->'base_rate' AS test_churn_rate,
       round((metrics#>>'{test,log_loss}')::numeric, 4) AS log_loss
  FROM insight_models WHERE model_id = :id;
SELECT customer_id, round(churn_probability::numeric, 4) AS churn_probability FROM insight_churn_scores ORDER BY 1;
SELECT pg_typeof(customer_id) AS key_type FROM insight_customer_360 LIMIT 1;
-- no customer before the training cutoff, or one class only: an error, nothing stored
SELECT insight_train_churn('10 days', '2020-01-15 00:00+00');
SELECT insight_train_churn('2 days', '2020-01-14 00:00+00');
SELECT count(*) AS churn_models FROM insight_models;
-- the default as_of is just after the latest line of a customer, for the
-- features and for the scores that report it (insight_default_as_of), also
-- when a later line without a customer is kept
INSERT INTO tiny VALUES (NULL, '2020-02-05', 5);
SELECT insight_register_sales('tiny', customer_column => 'customer', time_column => 'bought_on',
                              amount_column => 'amount', options => '{"drop_missing_customer": false}');
SELECT insight_default_as_of() AS default_as_of,
       (SELECT max(ordered_at) FROM insight_sales) AS latest_line;
SELECT count(*) AS customers, min(as_of) = insight_default_as_of() AS reported_as_of,
       bool_and(s.churn_probability = insight_churn(s.customer_id)) AS same_as_one_by_one
  FROM insight_churn_scores s;
\c :regress_db
DROP DATABASE insight_churn_small;
