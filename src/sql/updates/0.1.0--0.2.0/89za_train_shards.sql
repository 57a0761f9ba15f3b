-- Issue 19, the training passes on the shards.  On Citus, with the sales
-- source distributed by its customer column, the segments and churn tasks
-- put their labelled rows into a table co-located with the source, filled
-- by one INSERT ... SELECT that Citus runs whole on each shard
-- (insight_training_table, in the schema insight_scratch), so that the
-- scaler, IRLS, k-means and metric aggregates over them run on the shards.
-- The features pass and the label pass are generated as SQL text at
-- registration (insight_customer_features_sql, insight_sales_window_sql)
-- from the templates of insight_customer_features and insight_sales_window.
-- Elsewhere the rows stay in temporary tables, as before.

CREATE SCHEMA insight_scratch;

COMMENT ON SCHEMA insight_scratch IS
'This backend''s tables of training rows on the shards (insight_training_table, on Citus): <name>_<backend pid>, each dropped at the end of its training or rolled back with it. insight_admin may create tables here.';

GRANT USAGE, CREATE ON SCHEMA insight_scratch TO insight_admin;

--@ function src/sql/core/registry.sql insight_scratch_table

--@ comment src/sql/core/registry.sql insight_scratch_table

--@ function src/sql/core/registry.sql insight_drop_temp_table

--@ comment src/sql/core/registry.sql insight_drop_temp_table

--@ function src/sql/features/sales_source.sql insight_customer_features_sql

--@ comment src/sql/features/sales_source.sql insight_customer_features_sql

--@ function src/sql/features/sales_window.sql insight_sales_window_sql

--@ comment src/sql/features/sales_window.sql insight_sales_window_sql

--@ function src/sql/features/sales_source.sql insight_build_sales_objects

--@ comment src/sql/features/sales_source.sql insight_build_sales_objects

--@ function src/sql/features/sales_window.sql insight_build_window_objects

--@ comment src/sql/features/sales_window.sql insight_build_window_objects

-- (replaced above: ops/privileges.sql makes every registration trigger SECURITY DEFINER)
ALTER FUNCTION @extschema@.insight_build_sales_objects() SECURITY DEFINER SET search_path = pg_catalog, pg_temp;
ALTER FUNCTION @extschema@.insight_build_window_objects() SECURITY DEFINER SET search_path = pg_catalog, pg_temp;

--@ function src/sql/tasks/train.sql insight_training_table

--@ comment src/sql/tasks/train.sql insight_training_table

--@ function src/sql/tasks/train.sql insight_training_relation

--@ comment src/sql/tasks/train.sql insight_training_relation

--@ function src/sql/tasks/train.sql insight_training_rows_sql

--@ comment src/sql/tasks/train.sql insight_training_rows_sql

--@ function src/sql/tasks/segments.sql insight_segments_prepare

--@ comment src/sql/tasks/segments.sql insight_segments_prepare

--@ function src/sql/tasks/segments.sql insight_segments_serve

--@ comment src/sql/tasks/segments.sql insight_segments_serve

--@ comment src/sql/tasks/segments.sql insight_train_segments

--@ function src/sql/tasks/churn.sql insight_churn_fit

--@ comment src/sql/tasks/churn.sql insight_churn_fit

-- (insight_churn_prepare: in 89zg_task_steps.sql)

--@ function src/sql/tasks/churn.sql insight_churn_evaluate

--@ comment src/sql/tasks/churn.sql insight_churn_evaluate

--@ function src/sql/tasks/churn.sql insight_churn_compare

--@ comment src/sql/tasks/churn.sql insight_churn_compare

-- a registered source gets the two SQL texts from its build triggers (the
-- other objects built at registration are current)
ALTER TABLE @extschema@.insight_sales_sources
    DISABLE TRIGGER insight_sales_sources_build_rfm,
    DISABLE TRIGGER insight_sales_sources_build_clv,
    DISABLE TRIGGER insight_sales_sources_build_churn;
UPDATE @extschema@.insight_sales_sources SET options = options;
ALTER TABLE @extschema@.insight_sales_sources
    ENABLE TRIGGER insight_sales_sources_build_rfm,
    ENABLE TRIGGER insight_sales_sources_build_clv,
    ENABLE TRIGGER insight_sales_sources_build_churn;

-- the value task's rows on the shards in the same way (insight_value_prepare:
-- in 89zg_task_steps.sql)
--@ function src/sql/tasks/value.sql insight_value_fit

--@ comment src/sql/tasks/value.sql insight_value_fit

--@ function src/sql/tasks/value.sql insight_value_evaluate

--@ comment src/sql/tasks/value.sql insight_value_evaluate

--@ function src/sql/tasks/value.sql insight_value_compare

--@ comment src/sql/tasks/value.sql insight_value_compare
