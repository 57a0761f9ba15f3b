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

CREATE OR REPLACE FUNCTION @extschema@.insight_segments_prepare(t @extschema@.insight_training)
RETURNS @extschema@.insight_training
LANGUAGE plpgsql
AS $$
DECLARE
    features pg_catalog.text := @extschema@.insight_customer_features_sql(t.trained_as_of);
    rows_table pg_catalog.text;
BEGIN
    -- the log-RFM of every customer: on Citus on the shards (recency_days,
    -- orders and total_spend are features 1, 5 and 7)
    rows_table := @extschema@.insight_training_table('insight_segments_training',
        pg_catalog.format($q$
        SELECT %1$I.insight_log_rfm(f.recency_days, f.orders, f.total_spend) AS raw
          FROM %1$I.insight_customer_features(%2$L::pg_catalog.timestamptz) f
         ORDER BY f.customer_id $q$, '@extschema@', t.trained_as_of),
        pg_catalog.format($q$
        SELECT f.customer_id, %1$I.insight_log_rfm(f.x[1], f.x[5]::integer, f.x[7])
          FROM (%2$s) f $q$, '@extschema@', features),
        'raw float8[]');
    -- the scaler over the rows in customer order, as from the temporary
    -- table: its sums (Welford's) change in their last bits with the order of
    -- the rows, and k-means++ seeding hashes each standardized point, so a
    -- last bit changes the clustering (on Citus one row per customer reaches
    -- the coordinator; the k-means passes, exact sums, run on the shards)
    EXECUTE pg_catalog.format('SELECT %I.insight_scaler_fit(r.raw%s) FROM %s r', '@extschema@',
                              CASE WHEN rows_table OPERATOR(pg_catalog.<>) 'pg_temp.insight_segments_training'
                                   THEN ' ORDER BY r.customer_key' ELSE '' END, rows_table)
       INTO t.preprocessing;
    IF t.preprocessing IS NULL THEN
        RAISE EXCEPTION 'no customer has a purchase before %', t.trained_as_of
            USING ERRCODE = 'no_data_found',
                  HINT = 'Register a sales source with purchases, or pass a later as_of.';
    END IF;
    RETURN t;
END
$$;

COMMENT ON FUNCTION @extschema@.insight_segments_prepare(@extschema@.insight_training) IS
'Segments step prepare: the log-RFM of every customer with a purchase before as_of (insight_log_rfm) in the table insight_segments_training of insight_training_table (a temporary table, or on Citus, with the source distributed by customer, a table co-located with the source filled on the shards by one INSERT ... SELECT over insight_customer_features_sql), and the scaler fitted on it over the rows in customer order (on Citus they reach the coordinator: the scaler''s sums change in their last bits with the order of the rows, and the k-means++ seeding hashes each standardized point) (the model''s preprocessing); 02000 when there is no customer.';

--@ function src/sql/tasks/segments.sql insight_segments_serve

--@ comment src/sql/tasks/segments.sql insight_segments_serve

COMMENT ON FUNCTION @extschema@.insight_train_segments(integer, timestamptz) IS
'Cluster the customers with a purchase before as_of (default: the whole history) by k-means on standardized log-RFM (insight_log_rfm, standardized by insight_scaler_fit; the scaler is stored as the model''s preprocessing), k-means++ with n_init = 10 and seed 0; k => NULL chooses k in 2..10 at the knee of the inertia curve (insight_kmeans_knee: Kneedle, Satopaa et al. 2011). Stores the model as task ''segments'' (metrics: customers, k, k_rule, inertia, silhouette, iterations, sizes, k_curve with the inertia and silhouette of k = 2..10) and activates it: clusterings of different data have no common quality measure, so the newest one serves (insight_rollback(''segments'') puts back the previous one). Returns the model_id. Runs through insight_train_task() (steps insight_segments_*). The training rows live in a temporary table, so its passes run without parallel workers; on Citus, with the source distributed by customer, in a table on the shards (insight_training_table), where every k-means pass runs as an aggregate (exact sums); the scaler fit reads the rows in customer order and the silhouette reads them (every row, keeping all up to 10,000, else a hashed sample of about 10,000), so one row per customer reaches the coordinator twice.';

--@ function src/sql/tasks/churn.sql insight_churn_fit

--@ comment src/sql/tasks/churn.sql insight_churn_fit

--@ function src/sql/tasks/churn.sql insight_churn_prepare

--@ comment src/sql/tasks/churn.sql insight_churn_prepare

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

-- the value task's rows on the shards in the same way
--@ function src/sql/tasks/value.sql insight_value_prepare

--@ comment src/sql/tasks/value.sql insight_value_prepare

--@ function src/sql/tasks/value.sql insight_value_fit

--@ comment src/sql/tasks/value.sql insight_value_fit

--@ function src/sql/tasks/value.sql insight_value_evaluate

--@ comment src/sql/tasks/value.sql insight_value_evaluate

--@ function src/sql/tasks/value.sql insight_value_compare

--@ comment src/sql/tasks/value.sql insight_value_compare
