-- Issue 19, the evaluation passes on the shards.  On Citus, with the rows on
-- the shards, the churn curves and the value task's metrics (its model, the
-- past-rate baseline, the BTYD comparator, and the active model's normalized
-- Gini in compare) read their per-customer values as arrays in customer
-- order through insight_training_arrays_sql: the predictions computed on the
-- shards, the model a parameter, and collected there by insight_rows_pack,
-- so that one partial state per shard reaches the coordinator instead of one
-- row per customer.  On a single node the same arrays as before.

--@ function src/sql/tasks/train.sql insight_training_arrays_sql

--@ comment src/sql/tasks/train.sql insight_training_arrays_sql

--@ function src/sql/tasks/churn.sql insight_churn_evaluate

--@ comment src/sql/tasks/churn.sql insight_churn_evaluate

--@ function src/sql/tasks/value.sql insight_value_evaluate

--@ comment src/sql/tasks/value.sql insight_value_evaluate

--@ function src/sql/tasks/value.sql insight_value_compare

--@ comment src/sql/tasks/value.sql insight_value_compare
