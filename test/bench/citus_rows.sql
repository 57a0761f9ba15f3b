-- What reaches the coordinator per pass over the order lines, on a Citus
-- coordinator with the registered source distributed by customer (run by
-- test/bench/bench_citus.sh, and by hand on the test cluster of
-- test/citus/run_citus_tests.sh with CITUS_KEEP_CLUSTER=1): the rows and
-- the tuple bytes of the Citus scans, from EXPLAIN ANALYZE of the query each
-- pass sends to the shards (test/citus/shard_queries.sql), against the
-- lines that reach it when the pass reads insight_sales (the rows function's
-- query: every kept line, which is what each of these passes gathered before
-- it ran on the shards, and what the passes listed as "lines" still gather).
-- The CLV setup's first and last purchase gathered every purchase line
-- before; now one row per shard.
\set ON_ERROR_STOP 1
SET client_min_messages = error;
\ir ../citus/shard_queries.sql
SET client_min_messages = warning;
\pset footer off
-- (T: the default as_of, just after the latest line; the labels of the
-- window [T - 90 days, T), the tasks' default horizon, the CLV holdout of
-- its last 90 days, the propensity groups at T - 90 days)
SELECT insight_default_as_of() AS t \gset
CREATE TEMP TABLE top_groups AS
    SELECT ARRAY(SELECT item_group FROM insight_top_item_groups(:'t'::timestamptz - interval '90 days', 10) ORDER BY rank) AS g;
WITH passes(n, pass, tasks, q) AS (VALUES
    (1, 'lines (insight_sales)', 'before: every pass below',
        insight_sales_pushdown_lines()),
    (2, 'insight_customer_features()', 'churn, segments, value, propensity features, report',
        pg_temp.features_query('insight_customer_features', insight_default_as_of())),
    (3, 'insight_clv_summary(7 days)', 'clv (calibration and final fits)',
        pg_temp.clv_query('insight_clv_summary', ((insight_latest_purchase() AT TIME ZONE 'UTC')::date + 1)::timestamp AT TIME ZONE 'UTC', '7 days')),
    (4, 'insight_clv_summary(1 day)', 'value (BG/NBD x Gamma-Gamma comparator)',
        pg_temp.clv_query('insight_clv_summary', ((insight_latest_purchase() AT TIME ZONE 'UTC')::date + 1)::timestamp AT TIME ZONE 'UTC', '1 day')),
    (5, 'insight_interactions()', 'recommender als, itemknn, popularity; propensity item groups',
        pg_temp.interactions_query(NULL, NULL, 'orders')),
    (6, 'insight_sales_window(T - 90 days, T)', 'churn and value labels (one window per cutoff)',
        pg_temp.window_query(:'t'::timestamptz - interval '90 days', :'t')),
    (7, 'insight_clv_holdout_purchases(T - 90 days, T)', 'clv holdout actuals',
        pg_temp.holdout_query(:'t'::timestamptz - interval '90 days', :'t')),
    (8, 'first and last purchase', 'clv setup',
        pg_temp.span_query()),
    (9, 'insight_top_item_groups(T - 90 days, 10)', 'propensity: the groups modelled',
        pg_temp.top_groups_query(:'t'::timestamptz - interval '90 days', 10)),
    (10, 'insight_group_purchases(T - 90 days, T, 10 groups)', 'propensity rows and labels (one per cutoff)',
        pg_temp.group_query(:'t'::timestamptz - interval '90 days', :'t', (SELECT g FROM top_groups))),
    (13, 'insight_sales_orders(NULL)', 'the report''s pass by order',
        pg_temp.orders_query(NULL)),
    (14, 'insight_top_items(T - 90 days, T, 5, 10)', 'the report''s top items (recommender section)',
        pg_temp.top_items_query(:'t'::timestamptz - interval '90 days', :'t', 5, 10)),
    (15, 'insight_recent_buyers(T - 90 days, T, top item)', 'the audiences'' recent buyers',
        pg_temp.buyers_query(:'t'::timestamptz - interval '90 days', :'t',
                             (SELECT item_id FROM insight_top_items(:'t'::timestamptz - interval '90 days', :'t', 1, 1)), NULL)))
SELECT p.pass, c.rows AS rows_to_coordinator, pg_size_pretty(c.bytes) AS bytes_to_coordinator, p.tasks
  FROM passes p, LATERAL pg_temp.to_coordinator(p.q) c
 ORDER BY p.n;

-- SASRec's purchases before T (the evaluation and serving fits): packed on
-- the shards, one partial state per shard (pg_temp.partial_states, their
-- text form: EXPLAIN ANALYZE cannot run them on Citus 12.1), against the
-- distinct purchases' rows that reached the coordinator before
SELECT 'SASRec purchases before T, packed' AS pass, s.rows AS states, pg_size_pretty(s.bytes) AS state_bytes,
       b.rows AS purchase_rows_before, pg_size_pretty(b.bytes) AS purchase_bytes_before
  FROM pg_temp.partial_states(pg_temp.sasrec_pack_query(:'t'), 1) s,
       pg_temp.to_coordinator(format('SELECT s.customer_id, s.item_id, s.ordered_at FROM (%s) s WHERE s.quantity > 0 AND s.ordered_at < %L GROUP BY s.customer_id, s.item_id, s.ordered_at',
                                     insight_sales_pushdown_lines(), :'t'::timestamptz)) b;

-- The CLV fits over the summary's query (insight_clv_summary_query), as the
-- CLV task (the calibration fits' state at T - holdout, one query; serving
-- fits at T) and the value task's comparator (at T - 90 days, period one
-- day) run them on the shards: what each shard sends, its partial states
-- (pg_temp.partial_states: EXPLAIN ANALYZE cannot run them on Citus 12.1),
-- against the summary's rows that reached the coordinator before, and the
-- distinct (x, t_x, T) the states collapse to; and the comparator's values
-- per customer (EXPLAIN ANALYZE)
SELECT (insight_clv_setup(NULL, '7 days', NULL)).setup ->> 'calibration_end' AS c \gset
CREATE FUNCTION pg_temp.fits_query(fits text, as_of timestamptz, period interval) RETURNS text LANGUAGE sql AS $$
    SELECT format('SELECT %s FROM (%s) k', fits, insight_clv_summary_query(as_of, period))
$$;
CREATE TEMP TABLE btyd_models AS
    SELECT insight_bgnbd_fit(k.frequency, k.recency, k."T") AS bg, insight_gammagamma_fit(k.frequency, k.monetary_value) AS gg
      FROM insight_clv_summary(:'t'::timestamptz - interval '90 days', '1 day') k;
WITH fits(n, pass, fits, as_of, period, states) AS (VALUES
    (1, 'clv calibration fits'' state (insight_clv_fit_state: the three models)',
        'insight_clv_fit_state(k.frequency, k.recency, k."T")', :'c'::timestamptz, interval '7 days', 1),
    (2, 'clv serving fits (the chosen model and Gamma-Gamma)',
        'insight_mbgnbd_fit(k.frequency, k.recency, k."T"), insight_gammagamma_fit(k.frequency, k.monetary_value)', NULL, '7 days', 2),
    (3, 'value comparator fits (BG/NBD and Gamma-Gamma)',
        'insight_bgnbd_fit(k.frequency, k.recency, k."T"), insight_gammagamma_fit(k.frequency, k.monetary_value)',
        :'t'::timestamptz - interval '90 days', '1 day', 2))
SELECT f.pass, s.tasks, s.rows AS rows_to_coordinator, pg_size_pretty(s.bytes) AS bytes_to_coordinator,
       b.rows AS summary_rows_before, pg_size_pretty(b.bytes) AS summary_bytes_before,
       (SELECT count(DISTINCT (k.frequency, k.recency, k."T")) FROM insight_clv_summary(f.as_of, f.period) k) AS distinct_x_tx_t
  FROM fits f, LATERAL pg_temp.partial_states(pg_temp.fits_query(f.fits, f.as_of, f.period), f.states) s,
       LATERAL pg_temp.to_coordinator(insight_clv_summary_query(f.as_of, f.period)) b
 ORDER BY f.n;
SELECT 'value comparator values (one per customer)' AS pass, c.rows AS rows_to_coordinator, pg_size_pretty(c.bytes) AS bytes_to_coordinator
  FROM btyd_models m,
       LATERAL pg_temp.to_coordinator(pg_temp.fits_query(format(
           'k.customer_id::text, insight_bgnbd_expected_purchases(%L::bytea, 90, k.frequency, k.recency, k."T") * insight_gammagamma_expected_spend(%L::bytea, k.frequency, k.monetary_value)',
           m.bg, m.gg), :'t'::timestamptz - interval '90 days', '1 day')) c;
