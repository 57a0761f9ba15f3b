-- The churn task on Online Retail (registered by 00_setup): out-of-time
-- training, activation, scoring, views and report.
\set VERBOSITY default

-- before any training
SELECT insight_churn(12347);
SELECT count(*) AS scores FROM insight_churn_scores;
SELECT count(*) AS customers, count(churn_probability) AS scored FROM insight_customer_360;
SELECT count(*) AS targets FROM insight_retention_targets;
SELECT insight_report() LIKE '%No churn model is active: run SELECT insight_train_churn();%' AS report_says_no_model;

-- bad arguments
SELECT insight_train_churn('0 days');
SELECT insight_train_churn(algorithm => 'xgboost');
SELECT insight_train_churn(params => '{"C": 1}');
SELECT insight_train_churn(params => '{"lambda": "big"}');
SELECT insight_train_churn(params => '[1]');
SELECT insight_train_churn(params => '{"lambda": -1}');
-- training cutoff before the first purchase: nothing to train on
SELECT insight_train_churn(as_of => '2011-01-15 00:00+00');
-- a cancelled training leaves no model row
SET statement_timeout = '200ms';
\set VERBOSITY terse
SELECT insight_train_churn();
\set VERBOSITY default
RESET statement_timeout;
SELECT count(*) AS churn_models FROM insight_models WHERE task = 'churn';

-- train: cutoffs 2011-06-12 and 2011-09-10 (latest event 2011-12-09 12:50 UTC, horizon 90 days)
SET client_min_messages = warning;   -- the per-pass NOTICEs
SELECT insight_train_churn() AS first_id \gset
RESET client_min_messages;
SELECT status, version, algorithm, trained_as_of AT TIME ZONE 'UTC' AS trained_as_of_utc, params,
       feature_names = insight_feature_names() AS feature_names
  FROM insight_models WHERE model_id = :first_id;
SELECT metrics->>'as_of' AS as_of, metrics->>'train_cutoff' AS train_cutoff,
       metrics->>'test_cutoff' AS test_cutoff, metrics->>'serve_cutoff' AS serve_cutoff,
       metrics->'train_rows' AS train_rows, metrics->'test_rows' AS test_rows,
       metrics->'serve_rows' AS serve_rows, round((metrics->>'train_churn_rate')::numeric, 4) AS train_churn_rate
  FROM insight_models WHERE model_id = :first_id;
-- the out-of-time AUC beats recency alone
SELECT round((metrics->>'auc')::numeric, 4) AS auc, round((metrics#>>'{baseline,auc}')::numeric, 4) AS recency_auc,
       metrics->'beats_baseline' AS beats_baseline,
       round((metrics#>>'{test,log_loss}')::numeric, 4) AS log_loss, round((metrics#>>'{test,brier}')::numeric, 4) AS brier,
       round((metrics#>>'{test,base_rate}')::numeric, 4) AS test_churn_rate, metrics->'test'->'positives' AS churned,
       round((metrics#>>'{test,at_0_5,f1}')::numeric, 4) AS f1_at_0_5, metrics->'compared_with' AS compared_with
  FROM insight_models WHERE model_id = :first_id;
-- the stored figures are reproducible from the labelled rows
SELECT round(insight_auc(insight_logreg_predict(m.evaluation_weights, r.features), r.churned)::numeric, 12)
         = round((m.metrics->>'auc')::numeric, 12) AS same_auc,
       insight_auc(r.recency_days, r.churned) = (m.metrics#>>'{baseline,auc}')::float8 AS same_baseline,
       count(*) = (m.metrics->>'test_rows')::bigint AS same_rows
  FROM insight_models m, insight_churn_training_rows((m.metrics->>'test_cutoff')::timestamptz, '90 days') r
 WHERE m.model_id = :first_id GROUP BY m.metrics, m.evaluation_weights;
CREATE TEMP TABLE serve_rows AS
SELECT r.* FROM insight_models m, insight_churn_training_rows((m.metrics->>'serve_cutoff')::timestamptz, '90 days') r
 WHERE m.model_id = :first_id;
SET client_min_messages = warning;
SELECT max(abs(a.w::float8 - b.w::float8) / greatest(abs(a.w::float8), 1e-12)) < 1e-9 AS serving_model_refits
  FROM insight_models m,
       LATERAL (SELECT insight_logreg_fit('SELECT features, churned FROM serve_rows') AS refit) r,
       LATERAL jsonb_array_elements_text(insight_model_info(m.weights)->'weights') WITH ORDINALITY a(w, k),
       LATERAL jsonb_array_elements_text(insight_model_info(r.refit)->'weights') WITH ORDINALITY b(w, k)
 WHERE m.model_id = :first_id AND a.k = b.k;
RESET client_min_messages;

-- scoring: key type, text, unknown customers, explicit as_of
SELECT round(insight_churn(12347)::numeric, 6) AS p_int, round(insight_churn('12347')::numeric, 6) AS p_text,
       round(insight_churn(12347::bigint)::numeric, 6) AS p_bigint;
SELECT insight_churn(-1) IS NULL AS unknown, insight_churn(NULL::integer) IS NULL AS null_key,
       insight_churn(12347, '2010-12-01 00:00+00') IS NULL AS before_first_purchase;
SELECT round(insight_churn(12347, '2011-09-10 12:50:00.000001+00')::numeric, 6) AS p_at_test_cutoff;
-- one customer's features read only their lines (index scans), and equal the
-- set-wise features bit for bit, at the default and at an explicit as_of
CREATE INDEX order_lines_customer ON order_lines (customer_id);
CREATE INDEX order_lines_time ON order_lines (invoice_date);
ANALYZE order_lines;
CREATE FUNCTION pg_temp.plan_lines(q text) RETURNS SETOF text LANGUAGE plpgsql AS
$$ BEGIN RETURN QUERY EXECUTE 'EXPLAIN (COSTS OFF) ' || q; END $$;
SELECT count(*) FILTER (WHERE l LIKE '%Index Scan%order_lines_customer%') AS customer_index,
       count(*) FILTER (WHERE l LIKE '%Seq Scan%') AS seq_scans
  FROM pg_temp.plan_lines('SELECT * FROM insight_customer_features_of(''12347'')') x(l);
-- the default as_of (insight_latest_line()): a backward probe of the time index
SELECT count(*) FILTER (WHERE l LIKE '%Index Scan Backward%order_lines_time%') AS time_index,
       count(*) FILTER (WHERE l LIKE '%Seq Scan%') AS seq_scans
  FROM pg_temp.plan_lines((SELECT prosrc FROM pg_proc WHERE proname = 'insight_latest_line')) x(l);
SELECT count(*) AS customers, count(*) FILTER (WHERE o IS NOT DISTINCT FROM f) AS identical
  FROM insight_customer_features() f,
       LATERAL (SELECT o FROM insight_customer_features_of(f.customer_id::text) o) x;
SELECT count(*) AS customers, count(*) FILTER (WHERE o IS NOT DISTINCT FROM f) AS identical
  FROM insight_customer_features('2011-06-12 00:00+00') f,
       LATERAL (SELECT o FROM insight_customer_features_of(f.customer_id::text, '2011-06-12 00:00+00') o) x
 WHERE f.customer_id % 10 = 0;
SELECT insight_customer_features_of('12x47');
SELECT pg_typeof(customer_id) AS key_type, count(*) AS customers, count(DISTINCT model_id) AS models,
       min(as_of) = max(as_of) AS one_as_of, bool_and(model_id = :first_id) AS active_model,
       round(min(churn_probability)::numeric, 4) AS min_p, round(max(churn_probability)::numeric, 4) AS max_p
  FROM insight_churn_scores GROUP BY 1;
SELECT round(churn_probability::numeric, 6) AS p_view FROM insight_churn_scores WHERE customer_id = 12347;
-- customer 360: one row per customer, the churn column equals the scores view
SELECT pg_typeof(c.customer_id) AS key_type, count(*) AS customers,
       count(*) FILTER (WHERE abs(c.churn_probability - s.churn_probability) < 1e-12) AS same_probability,
       bool_and(c.churn_model_id = :first_id) AS model
  FROM insight_customer_360 c JOIN insight_churn_scores s USING (customer_id) GROUP BY 1;
SELECT customer_id, round(recency_days::numeric, 2) AS recency_days, orders, round(monetary::numeric, 2) AS monetary,
       round(churn_probability::numeric, 4) AS churn_probability
  FROM insight_customer_360 WHERE customer_id IN (12346, 12347, 18283) ORDER BY 1;
-- retention targets: ordered by value at risk, with reasons
SELECT customer_id, round(churn_probability::numeric, 4) AS churn, round(expected_orders::numeric, 4) AS expected_orders,
       round(value_at_risk::numeric, 2) AS value_at_risk, reasons
  FROM insight_retention_targets LIMIT 5;
SELECT bool_and(abs(value_at_risk - churn_probability * expected_value) <= 1e-9 * expected_value) AS product,
       bool_and(expected_value = monetary * expected_orders) AS expected_value,
       count(*) AS customers
  FROM insight_retention_targets;

-- activation: retraining on the same data ties with the active model and
-- replaces it; a worse model (huge penalty) stays a candidate
SET client_min_messages = warning;
SELECT insight_train_churn() AS second_id \gset
SELECT insight_train_churn(params => '{"lambda": 1e9}') AS third_id \gset
RESET client_min_messages;
SELECT model_id - :first_id AS model, status, round((metrics->>'auc')::numeric, 4) AS auc,
       metrics->'compared_with'->'model_id' = to_jsonb(:first_id::bigint) AS compared_with_first,
       round((metrics#>>'{compared_with,auc}')::numeric, 4) AS active_auc
  FROM insight_models WHERE task = 'churn' ORDER BY model_id;
SELECT insight_rollback('churn') = :first_id AS rolled_back;
SELECT model_id - :first_id AS model, status FROM insight_models WHERE task = 'churn' ORDER BY model_id;

-- the report
\pset format unaligned
-- (model ids depend on the tests before this one)
SELECT regexp_replace(insight_report(5), 'model \d+ \(', 'model N (') AS insight_report;
\pset format aligned

-- every view and column has a comment
SELECT c.relname, count(*) AS columns, count(col_description(c.oid, a.attnum)) AS commented,
       obj_description(c.oid, 'pg_class') IS NOT NULL AS view_commented
  FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0
 WHERE c.relname IN ('insight_churn_scores', 'insight_customer_360', 'insight_retention_targets')
 GROUP BY c.oid, c.relname ORDER BY 1;
-- one customer's score runs without JIT (compiling its queries cost 131 ms a
-- call at 10M lines, the work about 2 ms: test/bench/bench_scale.sh)
SELECT proconfig FROM pg_proc WHERE oid = 'insight_churn(text, timestamptz)'::regprocedure;
-- the shard query of a labelled window: none off Citus (the task's rows are
-- a temporary table of insight_churn_training_rows); a task without one is
-- refused
SELECT insight_labelled_window_sql('churn', insight_default_as_of(), '90 days') IS NULL AS churn_no_shard_query,
       insight_labelled_window_sql('value', insight_default_as_of(), '90 days') IS NULL AS value_no_shard_query;
\set VERBOSITY default
SELECT insight_labelled_window_sql('segments', insight_default_as_of(), '90 days');
\set VERBOSITY terse
