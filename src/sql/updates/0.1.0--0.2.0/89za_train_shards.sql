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

-- (insight_churn_prepare: in 89zg_task_steps.sql)

CREATE OR REPLACE FUNCTION @extschema@.insight_churn_evaluate(t @extschema@.insight_training)
RETURNS @extschema@.insight_training
LANGUAGE plpgsql
SET TimeZone = 'UTC'
SET IntervalStyle = 'postgres'
AS $$
DECLARE
    a record;
    w pg_catalog.bytea;
    auc pg_catalog.float8;
    candidates pg_catalog.jsonb := '{}';
    chosen pg_catalog.text;
    m pg_catalog.jsonb;
    test_metrics pg_catalog.jsonb;
    curves pg_catalog.jsonb;
    n_test bigint;
    test_rows pg_catalog.text := @extschema@.insight_training_relation('insight_churn_test');
BEGIN
    -- out-of-time evaluation: fit at the training cutoff, measure at the test
    -- cutoff; for 'auto' every algorithm, keeping the best AUC (the simpler
    -- one on a tie, or when no AUC is defined)
    FOR a IN SELECT * FROM @extschema@.insight_churn_algorithms() x
              WHERE t.params OPERATOR(pg_catalog.->>) 'algorithm' OPERATOR(pg_catalog.=) ANY (ARRAY[x.algorithm, 'auto'])
              ORDER BY x.complexity LOOP
        w := @extschema@.insight_churn_fit(t.params OPERATOR(pg_catalog.||) pg_catalog.jsonb_build_object('chosen', a.algorithm),
                                           'insight_churn_train');
        -- (the model a parameter, which Citus puts into the shards' queries:
        -- the aggregate runs there)
        EXECUTE pg_catalog.format('SELECT %1$I.insight_binary_metrics(%1$I.insight_predict($1, r.features), r.churned)
                                     FROM %2$s r', '@extschema@', test_rows)
           INTO m USING w;
        auc := (m OPERATOR(pg_catalog.->>) 'auc')::pg_catalog.float8;
        -- the charts of the evaluation, in customer order (as insight_report_html
        -- drew them; on Citus one prediction per customer reaches the coordinator)
        EXECUTE pg_catalog.format('SELECT %1$I.insight_churn_curves(
                             pg_catalog.array_agg(%1$I.insight_predict($1, r.features) ORDER BY r.customer_id),
                             pg_catalog.array_agg(r.churned ORDER BY r.customer_id),
                             pg_catalog.array_agg(r.recency_days ORDER BY r.customer_id))
                    FROM %2$s r', '@extschema@', test_rows)
           INTO curves USING w;
        m := m OPERATOR(pg_catalog.||) pg_catalog.jsonb_build_object('curves', curves);
        candidates := candidates OPERATOR(pg_catalog.||) pg_catalog.jsonb_build_object(a.algorithm, auc);
        IF chosen IS NULL OR auc OPERATOR(pg_catalog.>) t.score OR (t.score IS NULL AND auc IS NOT NULL) THEN
            chosen := a.algorithm;
            t.algorithm := a.model_algorithm;
            t.evaluation_weights := w;
            t.score := auc;
            test_metrics := m;
        END IF;
    END LOOP;
    IF t.params OPERATOR(pg_catalog.->>) 'algorithm' OPERATOR(pg_catalog.=) 'auto' THEN
        t.params := t.params OPERATOR(pg_catalog.||) pg_catalog.jsonb_build_object('chosen', chosen);
        RAISE NOTICE 'churn algorithm auto: % has the best out-of-time AUC (%)', chosen,
            (SELECT pg_catalog.string_agg(pg_catalog.format('%s %s', c.key, @extschema@.insight_notice_number(c.value::pg_catalog.float8)), ', ')
               FROM pg_catalog.jsonb_each_text(candidates) c);
    END IF;
    EXECUTE pg_catalog.format('SELECT %I.insight_auc(r.recency_days, r.churned), pg_catalog.count(*) FROM %s r',
                              '@extschema@', test_rows)
       INTO t.baseline_score, n_test;
    t.metrics := t.metrics OPERATOR(pg_catalog.||) pg_catalog.jsonb_build_object(
        'algorithm', chosen,
        'candidates', candidates,
        'test_rows', n_test,
        'auc', t.score,
        'test', test_metrics OPERATOR(pg_catalog.-) 'curves',
        'curves', test_metrics OPERATOR(pg_catalog.->) 'curves',
        'baseline', pg_catalog.jsonb_build_object('score', 'recency_days', 'auc', t.baseline_score),
        'beats_baseline', t.score OPERATOR(pg_catalog.>) t.baseline_score);
    RETURN t;
END
$$;

COMMENT ON FUNCTION @extschema@.insight_churn_evaluate(@extschema@.insight_training) IS
'Churn step evaluate: fits the evaluation model on insight_churn_train and measures it on insight_churn_test (insight_binary_metrics, an aggregate with the model as a parameter, which Citus puts into the shards'' queries, so on Citus it runs on the shards; score: AUC) next to the baseline, the AUC of recency_days alone, and stores the charts of the chosen model''s evaluation in metrics.curves (insight_churn_curves: ROC of the model and of recency, gain and calibration by decile). With algorithm auto it fits every algorithm of insight_churn_algorithms, keeps the one with the best AUC (the simpler one on a tie; params.chosen names it, with a NOTICE) and records each one''s AUC in metrics.candidates.';

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

CREATE OR REPLACE FUNCTION @extschema@.insight_value_evaluate(t @extschema@.insight_training)
RETURNS @extschema@.insight_training
LANGUAGE plpgsql
SET TimeZone = 'UTC'
SET IntervalStyle = 'postgres'
AS $$
DECLARE
    model_metrics pg_catalog.jsonb;
    btyd_metrics pg_catalog.jsonb;
    base_metrics pg_catalog.jsonb;
    msg pg_catalog.text;
    test_customers pg_catalog.text[];
    test_spend pg_catalog.float8[];
BEGIN
    -- out-of-time: fit at the training cutoff, measure at the test cutoff
    t.evaluation_weights := @extschema@.insight_value_fit(t.params, 'insight_value_train');
    -- (on Citus the arrays are built from one row per test customer; the
    -- model a parameter, which Citus puts into the shards' queries)
    EXECUTE pg_catalog.format('SELECT %1$I.insight_value_metrics(pg_catalog.array_agg(%1$I.insight_value_predict($1, r.features) ORDER BY r.customer_id),
                                             pg_catalog.array_agg(r.spend ORDER BY r.customer_id)),
           %1$I.insight_value_metrics(pg_catalog.array_agg(r.past_rate ORDER BY r.customer_id),
                                             pg_catalog.array_agg(r.spend ORDER BY r.customer_id))
      FROM %2$s r', '@extschema@', @extschema@.insight_training_relation('insight_value_test'))
       INTO model_metrics, base_metrics USING t.evaluation_weights;
    -- the statistical comparator on the same customers (the test rows'
    -- customers and spend first: on Citus a distributed table does not join
    -- the coordinator's function)
    BEGIN
        EXECUTE pg_catalog.format('SELECT pg_catalog.array_agg(r.customer_id ORDER BY r.customer_id), pg_catalog.array_agg(r.spend ORDER BY r.customer_id) FROM %s r',
                                  @extschema@.insight_training_relation('insight_value_test'))
           INTO test_customers, test_spend;
        SELECT @extschema@.insight_value_metrics(pg_catalog.array_agg(b.value ORDER BY r.customer_id), pg_catalog.array_agg(r.spend ORDER BY r.customer_id))
          INTO btyd_metrics
          FROM ROWS FROM (pg_catalog.unnest(test_customers), pg_catalog.unnest(test_spend)) r(customer_id, spend)
          LEFT JOIN @extschema@.insight_value_btyd((t.setup OPERATOR(pg_catalog.->>) 'test_cutoff')::pg_catalog.timestamptz,
                                                   (t.setup OPERATOR(pg_catalog.->>) 'horizon')::interval) b
                 ON b.customer_id OPERATOR(pg_catalog.=) r.customer_id;
    EXCEPTION WHEN data_exception OR numeric_value_out_of_range OR invalid_parameter_value THEN
        GET STACKED DIAGNOSTICS msg = MESSAGE_TEXT;
        RAISE NOTICE 'the BG/NBD + Gamma-Gamma comparison is left out: %', msg;
        btyd_metrics := pg_catalog.jsonb_build_object('error', msg);
    END;
    t.score := (model_metrics OPERATOR(pg_catalog.->>) 'normalized_gini')::pg_catalog.float8;
    t.baseline_score := (base_metrics OPERATOR(pg_catalog.->>) 'normalized_gini')::pg_catalog.float8;
    t.metrics := t.metrics OPERATOR(pg_catalog.||) pg_catalog.jsonb_build_object(
        'test_rows', model_metrics OPERATOR(pg_catalog.->) 'pairs',
        'normalized_gini', t.score,
        'test', model_metrics,
        'btyd', btyd_metrics OPERATOR(pg_catalog.||) '{"predictor": "BG/NBD x Gamma-Gamma"}'::pg_catalog.jsonb,
        'baseline', base_metrics OPERATOR(pg_catalog.||) '{"predictor": "past rate continued"}'::pg_catalog.jsonb,
        'beats_baseline', t.score OPERATOR(pg_catalog.>) t.baseline_score);
    RETURN t;
END
$$;

COMMENT ON FUNCTION @extschema@.insight_value_evaluate(@extschema@.insight_training) IS
'Value step evaluate: fits the evaluation model on insight_value_train and measures it on insight_value_test (insight_value_metrics; score: normalized Gini) next to the baseline, the past rate continued (insight_past_rate_value), and the BG/NBD + Gamma-Gamma value fitted at the test cutoff (insight_value_btyd; left out with a NOTICE when it cannot be fitted).';

CREATE OR REPLACE FUNCTION @extschema@.insight_value_compare(t @extschema@.insight_training, active @extschema@.insight_models)
RETURNS jsonb
LANGUAGE plpgsql
SET TimeZone = 'UTC'
SET IntervalStyle = 'postgres'
AS $$
DECLARE
    gini pg_catalog.float8;
BEGIN
    BEGIN
        EXECUTE pg_catalog.format('SELECT (%1$I.insight_value_metrics(
                    pg_catalog.array_agg(%1$I.insight_value_predict($1, r.features) ORDER BY r.customer_id),
                    pg_catalog.array_agg(r.spend ORDER BY r.customer_id)) OPERATOR(pg_catalog.->>) ''normalized_gini'')::pg_catalog.float8
          FROM %2$s r', '@extschema@', @extschema@.insight_training_relation('insight_value_test'))
           INTO gini USING COALESCE(active.evaluation_weights, active.weights);
    EXCEPTION WHEN array_subscript_error OR invalid_parameter_value OR data_corrupted
                   OR feature_not_supported OR data_exception THEN
        gini := NULL;     -- the active model cannot score these features
    END;
    RETURN pg_catalog.jsonb_build_object('model_id', active.model_id, 'normalized_gini', gini);
END
$$;

COMMENT ON FUNCTION @extschema@.insight_value_compare(@extschema@.insight_training, @extschema@.insight_models) IS
'Value step compare: the normalized Gini of the active model''s evaluation model (its serving model when it has none) on the same test window, NULL when it cannot score these features.';
