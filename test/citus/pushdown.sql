-- What runs where on the Citus test cluster (test/citus/run_citus_tests.sh):
-- order_lines distributed by customer_id in 8 shards over two workers.
-- Every query prints booleans (and the value when one is false).
SET client_min_messages = error;  -- (Citus: temporary functions are "created only locally")
\ir shard_queries.sql
-- the plan of a query, one line per row; coordinator: the lines above the
-- first task (what the coordinator itself runs)
CREATE FUNCTION pg_temp.plan(q text) RETURNS TABLE (n bigint, line text) LANGUAGE plpgsql AS $$
BEGIN
    RETURN QUERY SELECT row_number() OVER (), l FROM pg_temp.explain(q) l;
END $$;
CREATE FUNCTION pg_temp.explain(q text) RETURNS SETOF text LANGUAGE plpgsql AS $$
BEGIN
    RETURN QUERY EXECUTE 'EXPLAIN (VERBOSE, COSTS OFF) ' || q;
END $$;
CREATE FUNCTION pg_temp.coordinator_nodes(q text) RETURNS text LANGUAGE sql AS $$
    SELECT string_agg(substring(p.line FROM '^\s*(?:->\s*)?([A-Z][A-Za-z ]+?)(?:\s+on\s.*|\s*\(.*)?$'), ' > ' ORDER BY p.n)
      FROM pg_temp.plan(q) p
     WHERE p.n < coalesce((SELECT min(t.n) FROM pg_temp.plan(q) t WHERE t.line ~ '->  Task$'), 1e9)
       AND p.line ~ '^\s*(->\s*)?[A-Z][A-Za-z ]+(\s+on\s.*|\s*\(.*\))?$'
$$;
SET client_min_messages = warning;
\set SHOW_CONTEXT never

-- 1. Registration built the Citus variants on the coordinator only: a rows
-- function that is never inlined (VOLATILE), features functions that send
-- their per-customer pass to the shards; the workers keep the placeholders.
SELECT p.proname, l.lanname, p.provolatile
  FROM pg_proc p JOIN pg_language l ON l.oid = p.prolang
 WHERE p.proname IN ('insight_sales_rows', 'insight_customer_features', 'insight_customer_features_of',
                     'insight_clv_summary', 'insight_clv_customer_summary', 'insight_sales_window')
 ORDER BY 1;
SELECT insight_sales_pushdown_lines() ~ '^\s*SELECT .* FROM public\.order_lines s' AS lines_from_the_table;
SELECT nodeport > 0 AS worker, result AS rows_function_on_worker
  FROM run_command_on_workers($$SELECT l.lanname FROM pg_proc p JOIN pg_language l ON l.oid = p.prolang
                                WHERE p.proname = 'insight_sales_rows'$$)
 ORDER BY nodeport;

-- 2. Every customer's features: one task per shard, the per-customer
-- aggregate inside the shard's query, and only a sort of the feature rows
-- on the coordinator (no aggregate there).
SELECT pg_temp.coordinator_nodes(q) AS coordinator_runs,
       bool_or(line = 'Task Count: 8') AS one_task_per_shard,
       bool_or(line ~ '^Query: .*insight_customer_history\(.*GROUP BY') AS history_aggregated_on_shards
  FROM (SELECT pg_temp.features_query('insight_customer_features', insight_default_as_of()) AS q) x,
       LATERAL (SELECT trim(p.line) AS line FROM pg_temp.plan(x.q) p) l
 GROUP BY q;

-- 3. One customer: a router query, one shard
SELECT pg_temp.coordinator_nodes(q) AS coordinator_runs,
       bool_or(line = 'Task Count: 1') AS one_shard,
       bool_or(line ~ 'Index Cond: .*customer_id = 12347') AS by_the_customer_index
  FROM (SELECT pg_temp.features_query('insight_customer_features_of', insight_default_as_of(), '12347') AS q) x,
       LATERAL (SELECT trim(p.line) AS line FROM pg_temp.plan(x.q) p) l
 GROUP BY q;
SELECT count(*) = 1 AS one_row, bool_and(customer_id = 12347) AS that_customer,
       bool_and(f IS NOT DISTINCT FROM (SELECT a FROM insight_customer_features() a WHERE a.customer_id = 12347)) AS same_as_all_customers
  FROM insight_customer_features_of('12347') f;

-- 4. A training pass over the features as an aggregate with a combine
-- function (the scaler fit): partial states on the shards
-- (worker_partial_agg), combined on the coordinator (coord_combine_agg), and
-- the model equal to the fit over the features gathered on the coordinator
SELECT pg_temp.coordinator_nodes(q) AS coordinator_runs,
       bool_or(line ~ '^Output: coord_combine_agg\(') AS combined_on_coordinator,
       bool_or(line ~ '^Query: SELECT worker_partial_agg\(''public.insight_scaler_fit') AS partial_on_shards
  FROM (SELECT 'SELECT insight_scaler_fit(f.x) FROM ('
               || pg_temp.features_query('insight_customer_features', insight_default_as_of()) || ') f' AS q) x,
       LATERAL (SELECT trim(p.line) AS line FROM pg_temp.plan(x.q) p) l
 GROUP BY q;
SET client_min_messages = error;
CREATE FUNCTION pg_temp.pushed_scaler() RETURNS bytea LANGUAGE plpgsql AS $$
DECLARE m bytea;
BEGIN
    EXECUTE 'SELECT insight_scaler_fit(array_replace(f.x, NULL, 0::float8)) FROM ('
            || pg_temp.features_query('insight_customer_features', insight_default_as_of()) || ') f' INTO m;
    RETURN m;
END $$;
SET client_min_messages = warning;
WITH m AS (SELECT insight_model_info(pg_temp.pushed_scaler()) AS pushed,
                  (SELECT insight_model_info(insight_scaler_fit(f.features)) FROM insight_customer_features() f) AS gathered)
SELECT (pushed->'rows') = (gathered->'rows') AS same_rows, pushed->'rows' AS customers,
       bool_and(abs(p::float8 - g::float8) <= 1e-12 * abs(g::float8)) AS within_1e_12,
       max(abs(p::float8 - g::float8) / nullif(abs(g::float8), 0)) < 1e-12 AS largest_relative_below_1e_12
  FROM m,
       LATERAL (SELECT * FROM jsonb_array_elements_text(pushed->'means') WITH ORDINALITY a(p, i)
                  JOIN jsonb_array_elements_text(gathered->'means') WITH ORDINALITY b(g, j) ON i = j
                UNION ALL
                SELECT * FROM jsonb_array_elements_text(pushed->'scales') WITH ORDINALITY a(p, i)
                  JOIN jsonb_array_elements_text(gathered->'scales') WITH ORDINALITY b(g, j) ON i = j) e
 GROUP BY pushed, gathered;
-- the scaler's sums are exact: the same bytes as the fit on the coordinator
SELECT pg_temp.pushed_scaler() = (SELECT insight_scaler_fit(array_replace(f.features, NULL, 0::float8))
                                    FROM insight_customer_features() f) AS same_bytes_as_gathered;

-- 5. The CLV summary (the input of the CLV task's fits): one task per shard,
-- the per-day and per-customer aggregates and the window inside the shard's
-- query; only a sort of the summary rows on the coordinator, where one row
-- per customer arrives.
SELECT pg_temp.coordinator_nodes(q) AS coordinator_runs,
       bool_or(line = 'Task Count: 8') AS one_task_per_shard,
       bool_or(line ~ '^Query: .*OVER \(PARTITION BY .*sum\(.*GROUP BY .*GROUP BY') AS summary_on_shards
  FROM (SELECT pg_temp.clv_query('insight_clv_summary', '2011-12-10', '7 days') AS q) x,
       LATERAL (SELECT trim(p.line) AS line FROM pg_temp.plan(x.q) p) l
 GROUP BY q;
SELECT pg_temp.rows_to_coordinator(pg_temp.clv_query('insight_clv_summary', '2011-12-10', '7 days'))
           = (SELECT count(*) FROM insight_clv_summary('2011-12-10')) AS one_row_per_customer_arrives,
       (SELECT count(*) FROM insight_clv_summary('2011-12-10')) AS customers;
-- one customer: a router query
SELECT pg_temp.coordinator_nodes(q) AS coordinator_runs,
       bool_or(line = 'Task Count: 1') AS one_shard
  FROM (SELECT pg_temp.clv_query('insight_clv_customer_summary', '2011-12-10', '7 days', '12347') AS q) x,
       LATERAL (SELECT trim(p.line) AS line FROM pg_temp.plan(x.q) p) l
 GROUP BY q;
SELECT count(*) = 1 AS one_row,
       bool_and(c IS NOT DISTINCT FROM (SELECT a FROM insight_clv_summary('2011-12-10', '1 day') a WHERE a.customer_id = 12347)) AS same_as_all_customers
  FROM insight_clv_customer_summary('2011-12-10', '1 day', '12347') c;

-- 6. The interactions (what ALS, item-kNN and SASRec's companions read):
-- grouped by the distribution column on the shards, one row per (customer,
-- item) pair reaching the coordinator, with every measure.
SELECT pg_temp.coordinator_nodes(q) AS coordinator_runs,
       bool_or(line = 'Task Count: 8') AS one_task_per_shard,
       bool_or(line ~ '^Query: .*count\(DISTINCT .*GROUP BY s\.customer_id') AS pairs_on_shards
  FROM (SELECT pg_temp.interactions_query(NULL, NULL, 'orders') AS q) x,
       LATERAL (SELECT trim(p.line) AS line FROM pg_temp.plan(x.q) p) l
 GROUP BY q;
SELECT m AS measure,
       pg_temp.rows_to_coordinator(pg_temp.interactions_query('2011-12-01', '2011-01-01', m))
           = (SELECT count(*) FROM insight_interactions('2011-12-01', '2011-01-01', m)) AS one_row_per_pair_arrives
  FROM unnest('{orders,quantity,log_quantity}'::text[]) m;

-- 7. The labels of churn and value (insight_sales_window: a purchase and
-- the net spend per customer in [cutoff, cutoff + horizon)), the CLV
-- holdout's actual purchases and the propensity task's pass per customer and
-- group (the items of its groups as literals: nothing scanned on the
-- coordinator): one task per shard, grouped by the distribution column inside
-- the shard's query, no aggregate on the coordinator, one row per customer
-- (and group) reaching it; far fewer than the lines of the window.
SELECT 'labels' AS pass, pg_temp.coordinator_nodes(q) AS coordinator_runs,
       bool_or(line = 'Task Count: 8') AS one_task_per_shard,
       bool_or(line ~ '^Query: .*bool_or\(.*sum\(.* GROUP BY customer_id$') AS aggregated_on_shards
  FROM (SELECT pg_temp.window_query('2011-09-01', '2011-12-01') AS q) x,
       LATERAL (SELECT trim(p.line) AS line FROM pg_temp.plan(x.q) p) l
 GROUP BY q
UNION ALL
SELECT 'clv holdout', pg_temp.coordinator_nodes(q),
       bool_or(line = 'Task Count: 8'),
       bool_or(line ~ '^Query: .*count\(DISTINCT .*sum\(.* GROUP BY customer_id, \(customer_id\)::text$')
  FROM (SELECT pg_temp.holdout_query('2011-09-01', '2011-12-10') AS q) x,
       LATERAL (SELECT trim(p.line) AS line FROM pg_temp.plan(x.q) p) l
 GROUP BY q
UNION ALL
SELECT 'propensity', pg_temp.coordinator_nodes(q),
       bool_or(line = 'Task Count: 8'),
       bool_or(line ~ '^Query: .*count\(DISTINCT .*bool_or\(.*s\.customer_id AS worker_column_1,.* GROUP BY worker_column_1, ')
  FROM (SELECT pg_temp.group_query('2011-09-01', '2011-10-01',
                                   ARRAY(SELECT item_group FROM insight_top_item_groups('2011-09-01', 10) ORDER BY rank)) AS q) x,
       LATERAL (SELECT trim(p.line) AS line FROM pg_temp.plan(x.q) p) l
 GROUP BY q;
CREATE TEMP TABLE top_groups AS
    SELECT ARRAY(SELECT item_group FROM insight_top_item_groups('2011-09-01', 10) ORDER BY rank) AS g;
SELECT 'labels' AS pass, pg_temp.rows_to_coordinator(pg_temp.window_query('2011-09-01', '2011-12-01'))
           = (SELECT count(*) FROM insight_sales_window('2011-09-01', '2011-12-01')) AS one_row_per_customer_arrives,
       (SELECT count(*) FROM insight_sales WHERE ordered_at >= '2011-09-01' AND ordered_at < '2011-12-01') AS lines_before
UNION ALL
SELECT 'clv holdout', pg_temp.rows_to_coordinator(pg_temp.holdout_query('2011-09-01', '2011-12-10'))
           = (SELECT count(*) FROM insight_clv_holdout_purchases('2011-09-01', '2011-12-10')),
       (SELECT count(*) FROM insight_sales WHERE ordered_at >= '2011-09-01' AND ordered_at < '2011-12-10')
UNION ALL
SELECT 'propensity', pg_temp.rows_to_coordinator(pg_temp.group_query('2011-09-01', '2011-10-01', (SELECT g FROM top_groups)))
           = (SELECT count(*) FROM insight_group_purchases('2011-09-01', '2011-10-01', (SELECT g FROM top_groups))),
       (SELECT count(*) FROM insight_sales WHERE ordered_at < '2011-10-01');

-- 8. The propensity task's choice of groups: the distinct buyers of each
-- group counted on each shard (a count of distinct values of the
-- distribution column is the sum of the shards' counts), so that at most one
-- row per group and shard arrives; the CLV setup's first and last purchase:
-- one row per shard; SASRec's purchases: the distinct (customer, item, time)
-- rows, grouped by the distribution column on the shards.
SELECT pg_temp.coordinator_nodes(q) AS coordinator_runs,
       bool_or(line = 'Task Count: 8') AS one_task_per_shard,
       bool_or(line ~ '^Query: .*count\(DISTINCT worker_column_3\) AS buyers .*s\.customer_id AS worker_column_3') AS distinct_buyers_on_shards,
       bool_or(line ~ '^Output: .*sum\(remote_scan\.buyers\)') AS counts_summed_on_coordinator
  FROM (SELECT pg_temp.top_groups_query('2011-09-01', 10) AS q) x,
       LATERAL (SELECT trim(p.line) AS line FROM pg_temp.plan(x.q) p) l
 GROUP BY q;
SELECT pg_temp.rows_to_coordinator(pg_temp.top_groups_query('2011-09-01', 10))
           <= 8 * (SELECT count(DISTINCT item_id) FROM insight_sales WHERE ordered_at < '2011-09-01') AS at_most_a_row_per_group_and_shard,
       NOT EXISTS (SELECT * FROM insight_top_item_groups('2011-09-01', NULL)
                   EXCEPT
                   SELECT g.item_group, g.buyers, (row_number() OVER (ORDER BY g.buyers DESC, g.item_group))::integer
                     FROM (SELECT s.item_id::text AS item_group, count(DISTINCT s.customer_id) AS buyers
                             FROM insight_sales s
                            WHERE s.ordered_at < '2011-09-01' AND s.quantity > 0 AND s.item_id IS NOT NULL
                            GROUP BY 1) g) AS same_as_over_the_lines;
SELECT pg_temp.coordinator_nodes(pg_temp.span_query()) AS coordinator_runs,
       pg_temp.rows_to_coordinator(pg_temp.span_query()) AS rows_to_coordinator;
SELECT pg_temp.coordinator_nodes(q) AS coordinator_runs,
       bool_or(line ~ '^Output: coord_combine_agg\(') AS combined_on_coordinator,
       bool_or(line ~ '^Query: SELECT (pg_catalog\.)?worker_partial_agg\(''public\.insight_interactions_pack\(.*\(row_number\(\) OVER \(PARTITION BY d\.customer_key, d\.customer_id ORDER BY d\.ordered_at, \(d\.item_id COLLATE "C"\)\).* GROUP BY s\.customer_id, ') AS distinct_numbered_and_packed_on_shards,
       bool_or(line = 'Task Count: 8') AS one_state_per_shard
  FROM (SELECT pg_temp.sasrec_pack_query('2011-12-01') AS q) x,
       LATERAL (SELECT trim(p.line) AS line FROM pg_temp.plan(x.q) p) l
 GROUP BY q;
-- one state per shard reaches the coordinator (its bytes as text, the
-- bytea's hex), where one row per distinct purchase went before (the
-- grouping that insight_recommender_rows gave until the purchases were
-- packed: its rows and bytes)
SELECT s.tasks = 8 AS every_shard, s.rows AS states, s.bytes AS state_bytes,
       b.rows = (SELECT count(*) FROM (SELECT DISTINCT customer_id, item_id, ordered_at FROM insight_sales
                                        WHERE quantity > 0 AND ordered_at < '2011-12-01') d) AS rows_before_one_per_purchase,
       b.rows AS purchase_rows_before, b.bytes AS purchase_bytes_before
  FROM pg_temp.partial_states(pg_temp.sasrec_pack_query('2011-12-01'), 1) s,
       pg_temp.to_coordinator(format('SELECT s.customer_id, s.item_id, s.ordered_at FROM (%s) s WHERE s.quantity > 0 AND s.ordered_at < %L GROUP BY s.customer_id, s.item_id, s.ordered_at',
                                     insight_sales_pushdown_lines(), '2011-12-01'::timestamptz)) b;

-- 8b. The report's pass by order (insight_sales_orders: insight_report_today
-- and insight_report) and the audiences' recent buyers of an item
-- (insight_target_audience) or an item group (insight_propensity_audience),
-- insight_recent_buyers: one task per shard, grouped by the distribution
-- column inside the shard's query (for a group, insight_items is scanned on
-- the coordinator and sent to the shards with the query), no aggregate on
-- the coordinator, one row
-- per order (per buyer) reaching it, the same rows as over the lines, far
-- fewer than the lines.
SELECT 'report orders' AS pass, pg_temp.coordinator_nodes(q) AS coordinator_runs,
       bool_or(line = 'Task Count: 8') AS one_task_per_shard,
       bool_or(line ~ '^Query: .*count\(\*\).*bool_or\(.*sum\(.* GROUP BY customer_id, ') AS grouped_on_shards
  FROM (SELECT pg_temp.orders_query(NULL) AS q) x,
       LATERAL (SELECT trim(p.line) AS line FROM pg_temp.plan(x.q) p) l
 GROUP BY q
UNION ALL
SELECT 'buyers of an item', pg_temp.coordinator_nodes(q),
       bool_or(line = 'Task Count: 8'),
       bool_or(line ~ '^Query: .* GROUP BY customer_id$')
  FROM (SELECT pg_temp.buyers_query('2011-09-01', '2011-12-01', '85123A', NULL) AS q) x,
       LATERAL (SELECT trim(p.line) AS line FROM pg_temp.plan(x.q) p) l
 GROUP BY q
UNION ALL
SELECT 'buyers of a group', pg_temp.coordinator_nodes(q),
       bool_or(line = 'Task Count: 8'),
       bool_or(line ~ '^Query: .*s\.customer_id AS worker_column_1\M.* GROUP BY worker_column_1$')
  FROM (SELECT pg_temp.buyers_query('2011-09-01', '2011-12-01', NULL, '85123A') AS q) x,
       LATERAL (SELECT trim(p.line) AS line FROM pg_temp.plan(x.q) p) l
 GROUP BY q;
SELECT 'report orders' AS pass,
       pg_temp.rows_to_coordinator(pg_temp.orders_query(NULL)) = (SELECT count(*) FROM insight_sales_orders(NULL)) AS one_row_per_result_row,
       (SELECT count(*) FROM insight_sales_orders(NULL))
           = (SELECT count(*) FROM (SELECT DISTINCT customer_id, ordered_at, order_id FROM insight_sales) d) AS one_row_per_order,
       NOT EXISTS (SELECT customer_id, ordered_at, order_id, count(*), bool_or(quantity > 0 AND amount >= 0),
                          sum(amount::numeric) FILTER (WHERE quantity > 0 AND amount >= 0)
                     FROM insight_sales GROUP BY 1, 2, 3
                   EXCEPT
                   SELECT customer_id, ordered_at, order_id, lines, purchase, spend FROM insight_sales_orders(NULL)) AS same_as_over_the_lines,
       (SELECT count(*) FROM insight_sales) AS lines
UNION ALL
SELECT 'buyers of an item',
       pg_temp.rows_to_coordinator(pg_temp.buyers_query('2011-09-01', '2011-12-01', '85123A', NULL))
           = (SELECT count(*) FROM insight_recent_buyers('2011-09-01', '2011-12-01', '85123A')),
       NULL,
       NOT EXISTS (SELECT DISTINCT customer_id::text FROM insight_sales
                    WHERE item_id = '85123A' AND quantity > 0 AND ordered_at >= '2011-09-01' AND ordered_at < '2011-12-01'
                   EXCEPT ALL
                   SELECT * FROM insight_recent_buyers('2011-09-01', '2011-12-01', '85123A'))
       AND (SELECT count(*) FROM insight_recent_buyers('2011-09-01', '2011-12-01', '85123A'))
           = (SELECT count(DISTINCT customer_id) FROM insight_sales
               WHERE item_id = '85123A' AND quantity > 0 AND ordered_at >= '2011-09-01' AND ordered_at < '2011-12-01'),
       (SELECT count(*) FROM insight_sales WHERE ordered_at >= '2011-09-01' AND ordered_at < '2011-12-01')
UNION ALL
SELECT 'buyers of a group',
       pg_temp.rows_to_coordinator(pg_temp.buyers_query('2011-09-01', '2011-12-01', NULL, '85123A'))
           = (SELECT count(*) FROM insight_recent_buyers('2011-09-01', '2011-12-01', item_group => '85123A')),
       NULL,
       (SELECT array_agg(b ORDER BY b) FROM insight_recent_buyers('2011-09-01', '2011-12-01', item_group => '85123A') b)
           = (SELECT array_agg(b ORDER BY b) FROM insight_recent_buyers('2011-09-01', '2011-12-01', '85123A') b),
       NULL;

-- 8c. The report's top items (insight_top_items: the recommender section of
-- insight_report_html, the items bought by the most customers in 90 days):
-- the buyers of each item counted on each shard (a count of distinct values
-- of the distribution column), summed on the coordinator, where the minimum,
-- the order and the limit apply; at most one row per item and shard reaches
-- the coordinator, far fewer than the window's lines; the same items and
-- counts as over the lines.
SELECT pg_temp.coordinator_nodes(q) AS coordinator_runs,
       bool_or(line = 'Task Count: 8') AS one_task_per_shard,
       bool_or(line ~ '^Query: SELECT stock_code AS item_id, count\(DISTINCT customer_id\) AS count, .* GROUP BY stock_code$') AS buyers_counted_on_shards,
       bool_or(line ~ '^Output: .*pg_catalog\.sum\(remote_scan\.count\)') AS counts_summed_on_coordinator
  FROM (SELECT pg_temp.top_items_query('2011-09-01', '2011-12-01', 5, 10) AS q) x,
       LATERAL (SELECT trim(p.line) AS line FROM pg_temp.plan(x.q) p) l
 GROUP BY q;
WITH lines AS (SELECT s.item_id::text AS item_id, count(DISTINCT s.customer_id) AS buyers
                 FROM insight_sales s
                WHERE s.amount > 0 AND s.ordered_at >= '2011-09-01' AND s.ordered_at < '2011-12-01'
                GROUP BY 1)
SELECT pg_temp.rows_to_coordinator(pg_temp.top_items_query('2011-09-01', '2011-12-01', 5, 10))
           <= 8 * (SELECT count(*) FROM lines) AS at_most_a_row_per_item_and_shard,
       pg_temp.rows_to_coordinator(pg_temp.top_items_query('2011-09-01', '2011-12-01', 5, 10))
           < (SELECT count(*) FROM insight_sales WHERE amount > 0 AND ordered_at >= '2011-09-01' AND ordered_at < '2011-12-01') AS fewer_than_the_lines,
       (SELECT array_agg(t ORDER BY t.buyers DESC, t.item_id) FROM insight_top_items('2011-09-01', '2011-12-01', 1, NULL) t)
           = (SELECT array_agg(l ORDER BY l.buyers DESC, l.item_id) FROM lines l) AS every_item_as_over_the_lines,
       (SELECT array_agg(t) FROM insight_top_items('2011-09-01', '2011-12-01', 5, 10) t)
           = (SELECT array_agg(l) FROM (SELECT * FROM lines WHERE buyers >= 5 ORDER BY buyers DESC, item_id LIMIT 10) l) AS top_ten_as_over_the_lines,
       (SELECT count(*) FROM insight_top_items('2011-09-01', '2011-12-01', 1, NULL)) AS items;

-- 8d. SASRec's reading of its purchases (sasrec.c): one query, the distinct
-- rows in order over the query of insight_recommender_rows, whose purchases
-- are packed on the shards (8 above): the packing runs as a distributed
-- subplan (worker_partial_agg on each shard, coord_combine_agg on the
-- coordinator), and the unpacking and the sort on the coordinator, with no
-- other read of the shards (the reader numbers the items itself: no query
-- of the distinct items, which would pack the purchases a second time).
-- The fit, the histories and the fit that takes the histories from its own
-- read (the recommender task's) give the model of the purchases gathered
-- on the coordinator (insight_sales), to the bit.
SELECT pg_temp.coordinator_nodes(q) AS coordinator_runs,
       count(*) FILTER (WHERE line ~ '^Query: SELECT (pg_catalog\.)?worker_partial_agg\(''public\.insight_interactions_pack\(') AS packing_queries,
       bool_or(line = 'Task Count: 8') AS one_task_per_shard,
       count(*) FILTER (WHERE line ~ '^Task Count: ') AS task_lists,
       bool_or(line ~ '^Query: SELECT DISTINCT .* FROM \(SELECT u\.customer_id, u\.item_id, to_timestamp\(u\.value\) AS ordered_at FROM \(SELECT intermediate_result\.packed FROM read_intermediate_result\(') AS unpacked_and_sorted_on_coordinator
  FROM (SELECT pg_temp.sasrec_rows_query('2011-12-01') AS q) x,
       LATERAL (SELECT trim(p.line) AS line FROM pg_temp.plan(x.q) p) l
 GROUP BY q;
SELECT pg_temp.sasrec_query('2011-12-01') AS sasrec_q \gset
SELECT format('SELECT customer_id, item_id, ordered_at FROM insight_sales WHERE quantity > 0 AND ordered_at < %L', '2011-12-01'::timestamptz) AS gathered_q \gset
-- the reader's rows: those of the purchases gathered, each customer's in
-- the same order
SELECT count(*) AS purchases,
       count(*) FILTER (WHERE p.customer = g.customer AND p.item = g.item) AS same_in_order
  FROM (SELECT row_number() OVER () AS i, r.* FROM (SELECT DISTINCT customer::text COLLATE "C" AS customer, item::text COLLATE "C" AS item, event_time
                                                      FROM (:sasrec_q) q(customer, item, event_time) ORDER BY 1, 3, 2) r) p
  FULL JOIN (SELECT row_number() OVER () AS i, r.* FROM (SELECT DISTINCT customer::text COLLATE "C" AS customer, item::text COLLATE "C" AS item, event_time
                                                           FROM (:gathered_q) q(customer, item, event_time) ORDER BY 1, 3, 2) r) g USING (i);
CREATE TEMP TABLE sasrec_gathered AS
    SELECT insight_sasrec_fit(:'gathered_q', max_length => 5, hidden => 8, epochs => 1, seed => 1) AS m;
CREATE TEMP TABLE sasrec_pushed AS
    SELECT insight_sasrec_fit(:'sasrec_q', max_length => 5, hidden => 8, epochs => 1, seed => 1) AS m;
SELECT (p.m = g.m) AS same_model_bytes, insight_model_info(p.m) -> 'items' AS items,
       insight_sasrec_with_history(p.m, :'sasrec_q') = insight_sasrec_with_history(g.m, :'gathered_q') AS same_histories,
       -- the recommender task's fit, the histories from its own read (once)
       insight_sasrec_fit(:'sasrec_q', max_length => 5, hidden => 8, epochs => 1, seed => 1, with_history => true)
           = insight_sasrec_with_history(g.m, :'gathered_q') AS one_read_same_bytes,
       (SELECT e FROM insight_sasrec_evaluate(p.m, :'sasrec_q') e) = (SELECT e FROM insight_sasrec_evaluate(p.m, :'gathered_q') e) AS same_evaluation
  FROM sasrec_pushed p, sasrec_gathered g;

-- 8e. The training rows on the shards (insight_training_table): the churn
-- and value tasks' labelled rows (the features pass and the label pass, each
-- grouped by the distribution column, joined on it) and the segments task's log-RFM
-- go into a table co-located with the source by one INSERT ... SELECT that
-- runs whole on each shard (one task per shard, no distributed subplan, no
-- rows to the coordinator); an IRLS pass, the segments scaler fit, a k-means
-- pass, the silhouette sample and the evaluation metrics over it run as
-- partial aggregates on the shards combined on the coordinator; the rows are
-- the single-node rows.  (The queries are the tasks' own:
-- insight_labelled_window_sql and insight_segments_rows_sql.)
SET client_min_messages = error;
CREATE AGGREGATE pg_temp.scaler_state(float8[]) (SFUNC = insight_scaler_accum, STYPE = bytea);
CREATE AGGREGATE pg_temp.sample_state(float8[], float8, bigint, integer) (SFUNC = insight_kmeans_sample_accum, STYPE = bytea);
CREATE AGGREGATE pg_temp.rows_state(text, float8[], float8) (SFUNC = insight_rows_pack_accum, STYPE = bytea);
CREATE FUNCTION pg_temp.first_record_bytes(key text, v float8[]) RETURNS bigint LANGUAGE sql AS $$
    SELECT 24 + (octet_length(key) + 7) / 8 * 8 + 8 * coalesce(cardinality(v), 0)
           + CASE WHEN array_position(v, NULL) IS NOT NULL THEN (cardinality(v) + 7) / 8 * 8 ELSE 0 END $$;
CREATE FUNCTION pg_temp.arrays(q text) RETURNS float8[] LANGUAGE plpgsql AS $$
DECLARE a float8[];
BEGIN
    EXECUTE format('SELECT ARRAY[%s] FROM (%s) a',
                   (SELECT string_agg(format('a.%I', m[1]), ', ')
                      FROM regexp_matches(q, 'array_agg\(u\.features\[[0-9]+\] [^)]*\) AS (\w+)', 'g') m), q) INTO a;
    RETURN a;
END $$;
CREATE FUNCTION pg_temp.value_of(q text) RETURNS float8[] LANGUAGE plpgsql AS $$
DECLARE a float8[];
BEGIN
    EXECUTE q INTO a;
    RETURN a;
END $$;
-- an evaluation pass's query with its models as literals (as Citus puts
-- the parameters into the shards' queries)
CREATE FUNCTION pg_temp.with_models(q text, m1 bytea, m2 bytea) RETURNS text LANGUAGE sql AS $$
    SELECT replace(replace(q, '$1', format('%L::bytea', m1)), '$2', format('%L::bytea', m2))
$$;
SET client_min_messages = warning;
SELECT insight_default_as_of() - interval '180 days' AS c_train, insight_default_as_of() AS as_of \gset
BEGIN;
SELECT insight_training_table('insight_churn_train', 'SELECT 1', insight_labelled_window_sql('churn', :'c_train', '90 days'),
                              'customer_id text, features float8[], churned boolean, recency_days float8')
       = insight_scratch_table('insight_churn_train') AS churn_rows_on_the_shards,
       insight_training_relation('insight_churn_train') = insight_scratch_table('insight_churn_train') AS found_there,
       insight_training_table('insight_segments_training', 'SELECT 1', insight_segments_rows_sql(:'as_of'), 'raw float8[]')
       = insight_scratch_table('insight_segments_training') AS segments_rows_on_the_shards,
       insight_training_table('insight_value_train', 'SELECT 1', insight_labelled_window_sql('value', :'c_train', '90 days'),
                              'customer_id text, features float8[], spend float8, past_rate float8')
       = insight_scratch_table('insight_value_train') AS value_rows_on_the_shards;
SELECT p.logicalrelid::text ~ '^insight_scratch\.insight_(churn_train|segments_training|value_train)_[0-9]+$' AS per_backend_name,
       p.colocationid = (SELECT colocationid FROM pg_dist_partition WHERE logicalrelid = 'order_lines'::regclass) AS colocated_with_the_source,
       column_to_column_name(p.logicalrelid, p.partkey) AS distributed_by
  FROM pg_dist_partition p WHERE p.logicalrelid::text ~ '^insight_scratch\.' ORDER BY p.logicalrelid::text;
SELECT insight_scratch_table('insight_churn_train') AS churn_rows, insight_scratch_table('insight_segments_training') AS segment_rows,
       insight_scratch_table('insight_value_train') AS value_rows \gset
-- the same rows as the single node's functions give
SELECT count(*) AS churn_rows,
       count(*) FILTER (WHERE r.features IS NOT DISTINCT FROM c.features AND r.churned = c.churned
                        AND r.recency_days = c.recency_days AND r.customer_key::text = r.customer_id) AS same_as_insight_churn_training_rows
  FROM insight_churn_training_rows(:'c_train', '90 days') c
  FULL JOIN :churn_rows r ON r.customer_id = c.customer_id;
SELECT count(*) AS segment_rows,
       count(*) FILTER (WHERE r.raw = insight_log_rfm(f.recency_days, f.orders, f.total_spend)) AS same_as_the_features
  FROM insight_customer_features(:'as_of') f
  FULL JOIN :segment_rows r ON r.customer_key = f.customer_id;
SELECT count(*) AS value_rows,
       count(*) FILTER (WHERE r.features = v.features AND r.spend = v.spend AND r.past_rate = v.past_rate
                        AND r.customer_key::text = r.customer_id) AS same_as_insight_value_training_rows
  FROM insight_value_training_rows(:'c_train', '90 days') v
  FULL JOIN :value_rows r ON r.customer_id = v.customer_id;
SELECT 'churn rows' AS insert_select, pg_temp.coordinator_nodes(q) AS coordinator_runs,
       bool_or(line = 'Task Count: 8') AS one_task_per_shard,
       bool_or(line ~ '^Query: INSERT INTO insight_scratch\.insight_churn_train_[0-9_]+ AS citus_table_alias .*insight_customer_history\(.*GROUP BY .*bool_or\(.*GROUP BY ') AS whole_insert_on_each_shard,
       NOT bool_or(line ~ 'Distributed Subplan|intermediate|INSERT/SELECT method') AS no_subplan_nor_coordinator_step
  FROM (SELECT format('INSERT INTO %s %s', :'churn_rows', insight_labelled_window_sql('churn', :'c_train', '90 days')) AS q) x,
       LATERAL (SELECT trim(p.line) AS line FROM pg_temp.plan(x.q) p) l
 GROUP BY q
UNION ALL
SELECT 'segment rows', pg_temp.coordinator_nodes(q),
       bool_or(line = 'Task Count: 8'),
       bool_or(line ~ '^Query: INSERT INTO insight_scratch\.insight_segments_training_[0-9_]+ AS citus_table_alias .*insight_log_rfm\(.*insight_customer_history\(.*GROUP BY '),
       NOT bool_or(line ~ 'Distributed Subplan|intermediate|INSERT/SELECT method')
  FROM (SELECT format('INSERT INTO %s %s', :'segment_rows', insight_segments_rows_sql(:'as_of')) AS q) x,
       LATERAL (SELECT trim(p.line) AS line FROM pg_temp.plan(x.q) p) l
 GROUP BY q
UNION ALL
SELECT 'value rows', pg_temp.coordinator_nodes(q),
       bool_or(line = 'Task Count: 8'),
       bool_or(line ~ '^Query: INSERT INTO insight_scratch\.insight_value_train_[0-9_]+ AS citus_table_alias .*insight_past_rate_value\(.*insight_customer_history\(.*GROUP BY .*sum\(.*GROUP BY '),
       NOT bool_or(line ~ 'Distributed Subplan|intermediate|INSERT/SELECT method')
  FROM (SELECT format('INSERT INTO %s %s', :'value_rows', insight_labelled_window_sql('value', :'c_train', '90 days')) AS q) x,
       LATERAL (SELECT trim(p.line) AS line FROM pg_temp.plan(x.q) p) l
 GROUP BY q;
-- what reaches the coordinator (rows, bytes): filling the tables, nothing;
-- each aggregate pass, one partial state per shard (planned only: Citus
-- 12.1's EXPLAIN ANALYZE fails on worker_partial_agg, "column field_0 has
-- pseudo-type cstring"; the k-means pass's plan argument is built by
-- insight_kmeans_fit; the metrics' states keep every (score, label) pair)
SELECT pg_temp.to_coordinator(format('INSERT INTO %s %s', :'churn_rows', insight_labelled_window_sql('churn', :'c_train', '90 days'))) AS churn_insert,
       pg_temp.to_coordinator(format('INSERT INTO %s %s', :'segment_rows', insight_segments_rows_sql(:'as_of'))) AS segments_insert,
       pg_temp.to_coordinator(format('INSERT INTO %s %s', :'value_rows', insight_labelled_window_sql('value', :'c_train', '90 days'))) AS value_insert;
-- (the silhouette sample as insight_kmeans_fit runs it: its arguments are
-- parameters, which Citus puts into the shards' queries)
PREPARE silhouette_sample(float8, bigint, integer) AS SELECT insight_kmeans_sample(t.raw, $1, $2, $3) FROM :segment_rows t;
SELECT pass, pg_temp.coordinator_nodes(q) AS coordinator_runs,
       bool_or(line ~ '^Output: coord_combine_agg\(') AS combined_on_coordinator,
       bool_or(line ~ ('^Query: SELECT (pg_catalog\.)?worker_partial_agg\(''public\.' || agg || '\(')) AS partial_on_shards,
       bool_or(line = 'Task Count: 8') AS one_state_per_shard
  FROM (VALUES ('irls', 'insight_logreg_irls_step',
                format('SELECT insight_logreg_irls_step(t.features, t.churned, array_fill(0::float8, ARRAY[13]) || array_fill(1::float8, ARRAY[13]) || array_fill(0::float8, ARRAY[14])) FROM %s t', :'churn_rows')),
               ('scaler', 'insight_scaler_fit', format('SELECT insight_scaler_fit(t.raw) FROM %s t', :'segment_rows')),
               ('kmeans', 'insight_kmeans_pass',
                format('SELECT insight_kmeans_pass(t.raw, NULL::bytea) FROM %s t', :'segment_rows')),
               ('silhouette sample', 'insight_kmeans_sample',
                format('SELECT insight_kmeans_sample(t.raw, 0.5, 0, 15000) FROM %s t', :'segment_rows')),
               ('silhouette sample, parameters', 'insight_kmeans_sample', 'EXECUTE silhouette_sample(0.5, 0, 15000)'),
               ('metrics', 'insight_binary_metrics',
                format('SELECT insight_binary_metrics(1 / (1 + t.recency_days), t.churned) FROM %s t', :'churn_rows')),
               ('rows of a churn fit', 'insight_rows_pack', insight_training_rows_sql('insight_churn_train', 't.features', 't.churned', true)),
               ('rows of a value fit', 'insight_rows_pack', insight_training_rows_sql('insight_value_train', 't.features', 't.spend', false))) v(pass, agg, q),
       LATERAL (SELECT trim(p.line) AS line FROM pg_temp.plan(v.q) p) l
 GROUP BY pass, q ORDER BY pass;
-- the segments scaler and the silhouette sample over the rows on the
-- shards (partial states combined on the coordinator) are the bytes of the
-- same aggregates over the rows gathered into a temporary table on the
-- coordinator, in customer order and in reverse (the scaler's sums and the
-- sample's rows do not depend on the order or the split)
CREATE TEMP TABLE gathered_segment_rows AS SELECT * FROM :segment_rows;
SELECT (SELECT insight_scaler_fit(t.raw) FROM :segment_rows t)
       = (SELECT insight_scaler_fit(t.raw ORDER BY t.customer_key) FROM gathered_segment_rows t) AS scaler_same_bytes,
       (SELECT insight_scaler_fit(t.raw) FROM :segment_rows t)
       = (SELECT insight_scaler_fit(t.raw ORDER BY t.customer_key DESC) FROM gathered_segment_rows t) AS scaler_same_bytes_reversed,
       (SELECT insight_kmeans_sample(t.raw, 0.5, 0, 15000) FROM :segment_rows t)
       = (SELECT insight_kmeans_sample(t.raw, 0.5, 0, 15000 ORDER BY t.customer_key DESC) FROM gathered_segment_rows t) AS half_sample_same,
       (SELECT insight_kmeans_sample(t.raw, 1, 0, 15000) FROM :segment_rows t)
       = (SELECT insight_kmeans_sample(t.raw, 1, 0, 15000) FROM gathered_segment_rows t) AS every_row_same,
       (SELECT array_length(insight_kmeans_sample(t.raw, 1, 0, 15000), 1) FROM :segment_rows t) = (SELECT count(*) FROM gathered_segment_rows) AS every_row_kept,
       (SELECT array_length(insight_kmeans_sample(t.raw, 1, 0, 100), 1) FROM :segment_rows t) AS at_most_max_rows;
DEALLOCATE silhouette_sample;
-- the bytes of those partial states, one per shard (the states as each
-- shard's rows give them: Citus 12.1 sends each as text, a bytea in hex, so
-- about twice these), against the rows' bytes, for one row per customer (the
-- table holds each customer twice by now: the INSERT of to_coordinator above
-- ran too)
-- (pg_temp.scaler_state and pg_temp.sample_state: the aggregates without
-- their final and combine functions, created above)
SELECT count(*) AS shards, sum(s.rows) AS segment_rows, sum(s.row_bytes) AS rows_bytes,
       sum(s.scaler_bytes) AS scaler_state_bytes, sum(s.sample_bytes) AS sample_state_bytes
  FROM (SELECT get_shard_id_for_distribution_column('order_lines', t.customer_key) AS shard, count(*) AS rows,
               sum(pg_column_size(t.raw)) AS row_bytes, length(pg_temp.scaler_state(t.raw)) AS scaler_bytes,
               length(pg_temp.sample_state(t.raw, 1, 0, 15000)) AS sample_bytes
          FROM (SELECT DISTINCT ON (g.customer_key) g.* FROM gathered_segment_rows g) t GROUP BY 1) s;
-- the in-memory trainers read the rows collected on the shards
-- (insight_training_rows_sql) in customer order: the same models, to the
-- last bit, as from the rows read ORDER BY customer_id (GBDT's model depends
-- on the order of its rows when it subsamples them)
SELECT insight_gbdt_fit(insight_training_rows_sql('insight_churn_train', 't.features', 't.churned', true), '{"rounds": 5, "subsample": 0.5, "seed": 3}')
       = insight_gbdt_fit(format('SELECT t.features, t.churned FROM %s t ORDER BY t.customer_id', :'churn_rows'), '{"rounds": 5, "subsample": 0.5, "seed": 3}') AS gbdt_same_model,
       insight_logreg_fit(insight_training_rows_sql('insight_churn_train', 't.features', 't.churned', true))
       = insight_logreg_fit(format('SELECT t.features, t.churned FROM %s t ORDER BY t.customer_id', :'churn_rows')) AS logistic_same_model,
       insight_gbdt_fit(insight_training_rows_sql('insight_churn_train', 't.features', 't.churned', true), '{"rounds": 5, "subsample": 0.5, "seed": 3}')
       = insight_gbdt_fit(format('SELECT t.features, t.churned FROM %s t ORDER BY t.customer_id DESC', :'churn_rows'), '{"rounds": 5, "subsample": 0.5, "seed": 3}') AS gbdt_same_model_other_order;
-- the evaluation passes (insight_training_arrays_sql, as the tasks run
-- them, the models as literals where Citus puts the parameter): the churn
-- curves' predictions, labels and recencies, the value metrics' predictions,
-- baseline and spend, the value comparator's BTYD values (the fits over the
-- summary's query on the shards, each customer's value from the summary's
-- query joined to the rows on the customer key): computed on the shards
-- and collected there by insight_rows_pack (worker_partial_agg, one state per
-- shard), combined on the coordinator (coord_combine_agg); the arrays are
-- those of the rows read ORDER BY customer_id on the coordinator, to the bit
SELECT insight_logreg_fit(insight_training_rows_sql('insight_churn_train', 't.features', 't.churned', true)) AS churn_model,
       insight_value_fit((insight_value_setup('90 days', :'as_of', '{"epochs": 5}')).params, 'insight_value_train') AS value_model,
       insight_bgnbd_fit(k.frequency, k.recency, k."T") AS bgnbd_model, insight_gammagamma_fit(k.frequency, k.monetary_value) AS gammagamma_model
  FROM insight_clv_summary(:'c_train', '1 day') k \gset
CREATE TEMP TABLE value_train_rows AS SELECT r.customer_id, r.spend FROM :value_rows r;
CREATE TEMP TABLE eval_passes (pass text, m1 bytea, m2 bytea, q text, expected text);
INSERT INTO eval_passes VALUES
    ('churn curves', :'churn_model', NULL,
     insight_training_arrays_sql('insight_churn_train', '{p,churned,recency_days}',
                                 ARRAY['insight_predict($1, t.features)', 't.churned::integer', 't.recency_days']),
     format('SELECT ARRAY[array_agg(insight_predict($1, t.features) ORDER BY t.customer_id), array_agg(t.churned::integer::float8 ORDER BY t.customer_id),
                          array_agg(t.recency_days ORDER BY t.customer_id)] FROM %s t', :'churn_rows')),
    ('value metrics', :'value_model', NULL,
     insight_training_arrays_sql('insight_value_train', '{p,past_rate,spend}',
                                 ARRAY['insight_value_predict($1, t.features)', 't.past_rate', 't.spend']),
     format('SELECT ARRAY[array_agg(insight_value_predict($1, t.features) ORDER BY t.customer_id), array_agg(t.past_rate ORDER BY t.customer_id),
                          array_agg(t.spend ORDER BY t.customer_id)] FROM %s t', :'value_rows')),
    ('value btyd comparator', :'bgnbd_model', :'gammagamma_model',
     insight_training_arrays_sql('insight_value_train', '{value,spend}',
                                 ARRAY['insight_bgnbd_expected_purchases($1, 90, k.frequency, k.recency, k."T") * insight_gammagamma_expected_spend($2, k.frequency, k.monetary_value)',
                                       't.spend'],
                                 format('LEFT JOIN (%s) k ON k.customer_id = t.customer_key', insight_clv_summary_query(:'c_train', '1 day'))),
     format('SELECT ARRAY[array_agg(b.value ORDER BY t.customer_id), array_agg(t.spend ORDER BY t.customer_id)]
               FROM value_train_rows t LEFT JOIN insight_value_btyd(%L, ''90 days'') b ON b.customer_id = t.customer_id', :'c_train'));
SELECT e.pass, pg_temp.coordinator_nodes(pg_temp.with_models(e.q, e.m1, e.m2)) AS coordinator_runs,
       bool_or(line ~ '^Output: coord_combine_agg\(') AS combined_on_coordinator,
       bool_or(line ~ '^Query: SELECT (pg_catalog\.)?worker_partial_agg\(''public\.insight_rows_pack\(') AS partial_on_shards,
       bool_or(line ~ '^Query: SELECT (pg_catalog\.)?worker_partial_agg\(''public\.insight_rows_pack\(.*insight_(predict|value_predict|bgnbd_expected_purchases)\(''\\x')
       AS predictions_on_shards,
       bool_or(line ~ '^Query: .*insight_bgnbd_expected_purchases\(.*GROUP BY .*customer_id') AS summary_on_shards,
       bool_or(line = 'Task Count: 8') AS one_state_per_shard
  FROM eval_passes e, LATERAL (SELECT trim(p.line) AS line FROM pg_temp.plan(pg_temp.with_models(e.q, e.m1, e.m2)) p) l
 GROUP BY e.pass, e.q, e.m1, e.m2 ORDER BY e.pass;
SELECT e.pass, cardinality(a) AS values, a = b AS same_arrays_as_ordered_by_customer_id
  FROM eval_passes e, pg_temp.arrays(pg_temp.with_models(e.q, e.m1, e.m2)) a, pg_temp.value_of(pg_temp.with_models(e.expected, e.m1, e.m2)) b
 ORDER BY e.pass;
-- the bytes of the packed rows' partial states, one per shard, as Citus
-- 12.1 ships them (their text form, the bytea's hex: 2 + 2 x its bytes),
-- each shard's state computed here from its rows (gathered, each customer once; the
-- values as the shards compute them; not the BTYD comparator's, whose fits
-- Citus cannot run here, after the scans of this transaction), against the
-- first records' (a 24-byte header, the key padded to 8, 8 bytes a value;
-- from the rows); pg_temp.rows_state: the aggregate without its final and
-- combine functions, created above
CREATE TEMP TABLE gathered_churn_rows AS SELECT DISTINCT ON (t.customer_id) t.* FROM :churn_rows t;
CREATE TEMP TABLE gathered_value_rows AS SELECT DISTINCT ON (t.customer_id) t.* FROM :value_rows t;
WITH churn AS (SELECT * FROM gathered_churn_rows),
     value AS (SELECT * FROM gathered_value_rows),
     packed (pass, customer_key, key, v, label) AS (
       SELECT 'rows of a churn fit', t.customer_key, t.customer_id, t.features, t.churned::integer::float8 FROM churn t
       UNION ALL
       SELECT 'rows of a value fit', t.customer_key, t.customer_id, t.features, t.spend FROM value t
       UNION ALL
       SELECT 'churn curves', t.customer_key, t.customer_id,
              ARRAY[insight_predict(:'churn_model'::bytea, t.features), t.churned::integer, t.recency_days], NULL FROM churn t
       UNION ALL
       SELECT 'value metrics', t.customer_key, t.customer_id,
              ARRAY[insight_value_predict(:'value_model'::bytea, t.features), t.past_rate, t.spend], NULL FROM value t)
SELECT pass, count(*) AS shards, sum(s.rows) AS rows, sum(s.numbers) AS numbers,
       sum(2 + 2 * s.state_bytes) AS state_text_bytes, sum(2 + 2 * (12 + s.first_bytes)) AS first_records_text_bytes
  FROM (SELECT pass, get_shard_id_for_distribution_column('order_lines', customer_key), count(*) AS rows,
               sum(cardinality(v)) AS numbers, length(pg_temp.rows_state(key, v, label)) AS state_bytes,
               sum(pg_temp.first_record_bytes(key, v)) AS first_bytes
          FROM packed GROUP BY 1, 2) s
 GROUP BY pass ORDER BY pass;
ROLLBACK;

-- 8f. A training on the shards that fails, or is cancelled, leaves no table
-- behind on any node and the model in service untouched; one in a
-- transaction block after multi-shard queries works; a member of
-- insight_admin who owns nothing trains (the table is theirs, in
-- insight_scratch).
SELECT insight_train_segments(k => 3) IS NOT NULL AS segments_trained;
SELECT model_id AS active_segments FROM insight_active_model('segments') \gset
SELECT insight_train_churn(as_of => '2010-12-05') IS NOT NULL AS fails_no_training_rows;
-- (the failure above comes after both tables of rows are filled on the
-- shards; a cancel can come at any point, so its timeout is short enough to
-- fire whatever the machine's speed)
SET statement_timeout = '1ms';
SELECT insight_train_segments(k => 4) IS NOT NULL AS cancelled;
RESET statement_timeout;
SELECT (SELECT count(*) FROM pg_class WHERE relnamespace = 'insight_scratch'::regnamespace) AS tables_on_coordinator,
       (SELECT array_agg(result ORDER BY nodeport)
          FROM run_command_on_workers($$SELECT count(*) FROM pg_class WHERE relnamespace = 'insight_scratch'::regnamespace$$)) AS tables_on_workers,
       (SELECT model_id FROM insight_active_model('segments')) = :active_segments AS same_segments_model_in_service;
BEGIN;
SELECT count(*) > 0 AS multi_shard_query_first FROM insight_customer_features();
SELECT insight_train_segments(k => 3) IS NOT NULL AS trained_in_the_transaction;
ROLLBACK;
SET client_min_messages = error;
CREATE ROLE insight_pushdown_trainer LOGIN IN ROLE insight_admin;  -- (Citus connects to the workers as the trainer)
GRANT SELECT ON order_lines TO insight_pushdown_trainer;
SET client_min_messages = warning;
SET ROLE insight_pushdown_trainer;
SELECT insight_train_segments(k => 3) IS NOT NULL AS trained_by_a_member_of_insight_admin;
RESET ROLE;
SELECT (SELECT count(*) FROM pg_class WHERE relnamespace = 'insight_scratch'::regnamespace) AS tables_left;
SET client_min_messages = error;
REVOKE SELECT ON order_lines FROM insight_pushdown_trainer;
DROP ROLE insight_pushdown_trainer;
SET client_min_messages = warning;

-- 8g. The recommender task's rows on the shards (ALS, item-kNN,
-- popularity): the training interactions (insight_interactions_sql before
-- the split) and the test rows (the new items of each customer after it,
-- an anti-join with the training table on the customer key) go into tables
-- co-located with the source by one INSERT ... SELECT each that runs whole on
-- each shard (no distributed subplan, no rows to the coordinator); the
-- trainers read the interactions collected on the shards by
-- insight_interactions_pack (worker_partial_agg, one state per shard,
-- coord_combine_agg on the coordinator), as do the serving fit over
-- insight_interactions_sql and the propensity task's ALS comparator
-- (insight_recommender_rows); the rows are the single node's and the models
-- those of the rows read directly, to the bit.
SELECT insight_default_as_of() - interval '30 days' AS rec_split \gset
BEGIN;
SELECT insight_training_table('insight_rec_train', 'SELECT 1', insight_interactions_sql(:'rec_split', NULL, 'orders'),
                              'customer_id text, item_id text, value float8') = insight_scratch_table('insight_rec_train') AS train_pairs_on_the_shards,
       insight_training_table('insight_rec_test', 'SELECT 1', insight_recommender_test_sql(:'as_of', :'rec_split', 'orders', insight_scratch_table('insight_rec_train')),
                              'customer_id text, relevant text[], known boolean') = insight_scratch_table('insight_rec_test') AS test_rows_on_the_shards;
SELECT p.logicalrelid::text ~ '^insight_scratch\.insight_rec_(train|test)_[0-9]+$' AS per_backend_name,
       p.colocationid = (SELECT colocationid FROM pg_dist_partition WHERE logicalrelid = 'order_lines'::regclass) AS colocated_with_the_source
  FROM pg_dist_partition p WHERE p.logicalrelid::text ~ '^insight_scratch\.' ORDER BY p.logicalrelid::text;
SELECT insight_scratch_table('insight_rec_train') AS rec_train, insight_scratch_table('insight_rec_test') AS rec_test \gset
-- the same rows as the single node's: the pairs of insight_interactions, and
-- per customer the items bought after the split and not before
SELECT count(*) AS train_pairs,
       count(*) FILTER (WHERE r.value = i.value AND r.customer_key::text = r.customer_id) AS same_as_insight_interactions
  FROM insight_interactions(:'rec_split', NULL, 'orders') i
  FULL JOIN :rec_train r USING (customer_id, item_id);
WITH new_items AS (
    SELECT h.customer_id, array_agg(h.item_id ORDER BY h.item_id) AS relevant,
           EXISTS (SELECT 1 FROM insight_interactions(:'rec_split', NULL, 'orders') k WHERE k.customer_id = h.customer_id) AS known
      FROM insight_interactions(:'as_of', :'rec_split', 'orders') h
     WHERE NOT EXISTS (SELECT 1 FROM insight_interactions(:'rec_split', NULL, 'orders') r
                        WHERE r.customer_id = h.customer_id AND r.item_id = h.item_id)
     GROUP BY h.customer_id)
SELECT count(*) AS test_customers, count(*) FILTER (WHERE NOT n.known) AS without_history,
       count(*) FILTER (WHERE t.relevant = n.relevant AND t.known = n.known) AS same_test_rows
  FROM new_items n FULL JOIN :rec_test t USING (customer_id);
SELECT 'train pairs' AS insert_select, pg_temp.coordinator_nodes(q) AS coordinator_runs,
       bool_or(line = 'Task Count: 8') AS one_task_per_shard,
       bool_or(line ~ '^Query: INSERT INTO insight_scratch\.insight_rec_train_[0-9_]+ AS citus_table_alias .*count\(DISTINCT .*GROUP BY s\.customer_id') AS whole_insert_on_each_shard,
       NOT bool_or(line ~ 'Distributed Subplan|intermediate|INSERT/SELECT method') AS no_subplan_nor_coordinator_step
  FROM (SELECT format('INSERT INTO %s %s', :'rec_train', insight_interactions_sql(:'rec_split', NULL, 'orders')) AS q) x,
       LATERAL (SELECT trim(p.line) AS line FROM pg_temp.plan(x.q) p) l
 GROUP BY q
UNION ALL
SELECT 'test rows', pg_temp.coordinator_nodes(q),
       bool_or(line = 'Task Count: 8'),
       bool_or(line ~ '^Query: INSERT INTO insight_scratch\.insight_rec_test_[0-9_]+ AS citus_table_alias .*array_agg\(.*count\(DISTINCT .*GROUP BY s\.customer_id.* LEFT JOIN insight_scratch\.insight_rec_train_[0-9_]+ r '),
       NOT bool_or(line ~ 'Distributed Subplan|intermediate|INSERT/SELECT method')
  FROM (SELECT format('INSERT INTO %s %s', :'rec_test', insight_recommender_test_sql(:'as_of', :'rec_split', 'orders', :'rec_train')) AS q) x,
       LATERAL (SELECT trim(p.line) AS line FROM pg_temp.plan(x.q) p) l
 GROUP BY q;
SELECT pg_temp.to_coordinator(format('INSERT INTO %s %s', :'rec_train', insight_interactions_sql(:'rec_split', NULL, 'orders'))) AS train_insert,
       pg_temp.to_coordinator(format('INSERT INTO %s %s', :'rec_test', insight_recommender_test_sql(:'as_of', :'rec_split', 'orders', :'rec_train'))) AS test_insert;
-- the trainers' reads: the pairs packed on each shard, combined on the
-- coordinator (the evaluation fits over the training table, the serving fit
-- over insight_interactions_sql)
SELECT pass, pg_temp.coordinator_nodes(q) AS coordinator_runs,
       bool_or(line ~ '^Output: coord_combine_agg\(') AS combined_on_coordinator,
       bool_or(line ~ '^Query: SELECT (pg_catalog\.)?worker_partial_agg\(''public\.insight_interactions_pack\(') AS partial_on_shards,
       bool_or(line = 'Task Count: 8') AS one_state_per_shard
  FROM (VALUES ('evaluation fits', insight_packed_interactions_sql(:'rec_train')),
               ('serving fit', insight_recommender_rows('als', '{"measure": "orders"}', :'as_of')),
               ('test rows of the metrics', insight_recommender_test_query(:'rec_test'))) v(pass, q),
       LATERAL (SELECT trim(p.line) AS line FROM pg_temp.plan(v.q) p) l
 GROUP BY pass, q ORDER BY pass;
-- the models: those of the rows read directly, to the bit
SELECT insight_als_fit(insight_packed_interactions_sql(:'rec_train'), factors => 8, iterations => 3)
       = insight_als_fit(format('SELECT customer_id, item_id, value FROM %s', :'rec_train'), factors => 8, iterations => 3) AS als_same_model,
       insight_itemknn_fit(insight_packed_interactions_sql(:'rec_train'))
       = insight_itemknn_fit(format('SELECT customer_id, item_id, value FROM %s', :'rec_train')) AS itemknn_same_model,
       insight_popularity_fit(insight_packed_interactions_sql(:'rec_train'))
       = insight_popularity_fit(format('SELECT customer_id, item_id, value FROM %s', :'rec_train')) AS popularity_same_model,
       insight_als_fit(insight_recommender_rows('als', '{"measure": "orders"}', :'as_of'), factors => 8, iterations => 3)
       = insight_als_fit(pg_temp.interactions_query(:'as_of', NULL, 'orders'), factors => 8, iterations => 3) AS serving_als_same_model;
ROLLBACK;
-- one row per shard reaches the coordinator, its state (as text, the
-- bytea's hex), where the pairs went before (their rows and bytes); the
-- states counted by running each shard's query on its node, so over a table
-- committed for it (outside a transaction), dropped after
SELECT insight_training_table('insight_rec_train', 'SELECT 1', insight_interactions_sql(:'rec_split', NULL, 'orders'),
                              'customer_id text, item_id text, value float8') AS rec_train \gset
SELECT insight_training_table('insight_rec_test', 'SELECT 1', insight_recommender_test_sql(:'as_of', :'rec_split', 'orders', :'rec_train'),
                              'customer_id text, relevant text[], known boolean') AS rec_test \gset
-- the metrics over the test rows packed on the shards: those over the rows
-- read directly, to the bit
SELECT insight_recommender_metrics(m, insight_recommender_test_query(:'rec_test'))
       = insight_recommender_metrics(m, format('SELECT customer_id, relevant FROM %s', :'rec_test')) AS same_metrics,
       (insight_recommender_metrics(m, insight_recommender_test_query(:'rec_test')) ->> 'customers')::int
       = (SELECT count(*) FROM :rec_test WHERE cardinality(relevant) > 0) AS every_test_customer
  FROM (SELECT insight_popularity_fit(insight_packed_interactions_sql(:'rec_train')) AS m) f;
SELECT pass, s.tasks = 8 AS every_shard, s.rows AS states, s.bytes AS state_bytes, (b.t).rows AS pairs_before, (b.t).bytes AS pair_bytes_before
  FROM (VALUES ('evaluation fits', format('SELECT insight_interactions_pack(t.customer_id, t.item_id, t.value) FROM %s t', :'rec_train'),
                format('SELECT customer_id, item_id, value FROM %s', :'rec_train')),
               ('serving fit', format('SELECT insight_interactions_pack(t.customer_id, t.item_id, t.value) FROM (%s) t', insight_interactions_sql(:'as_of', NULL, 'orders')),
                pg_temp.interactions_query(:'as_of', NULL, 'orders'))) v(pass, packed, pairs),
       LATERAL pg_temp.partial_states(v.packed, 1) s,
       LATERAL (SELECT pg_temp.to_coordinator(v.pairs) AS t) b
 ORDER BY pass;
SELECT insight_drop_temp_table('insight_rec_train'), insight_drop_temp_table('insight_rec_test');

-- 9. The lines themselves (insight_sales) are gathered on the coordinator:
-- the rows function is planned as its own query over every shard.
SELECT pg_temp.coordinator_nodes('SELECT count(*) FROM insight_sales') AS coordinator_runs;
SELECT pg_temp.rows_to_coordinator(insight_sales_pushdown_lines()) = (SELECT count(*) FROM insight_sales) AS every_line_arrives;

-- 10. A source distributed by another column works, through the rows function
-- (the features from the lines gathered on the coordinator), with the same
-- features; without an order column it is refused (ctid identifies a row
-- within one shard only).
CREATE TABLE order_lines_by_item (LIKE order_lines);
SET citus.shard_count = 4;
SELECT create_distributed_table('order_lines_by_item', 'stock_code') IS NOT NULL AS distributed_by_item;
INSERT INTO order_lines_by_item SELECT * FROM order_lines;
CREATE TEMP TABLE features_by_customer AS SELECT * FROM insight_customer_features();
CREATE TEMP TABLE clv_by_customer AS SELECT * FROM insight_clv_summary();
CREATE TEMP TABLE interactions_by_customer AS SELECT * FROM insight_interactions();
CREATE TEMP TABLE window_by_customer AS SELECT * FROM insight_sales_window('2011-09-01', '2011-12-01');
CREATE TEMP TABLE holdout_by_customer AS SELECT * FROM insight_clv_holdout_purchases('2011-09-01', '2011-12-10');
CREATE TEMP TABLE groups_by_customer AS SELECT * FROM insight_group_purchases('2011-09-01', '2011-10-01', (SELECT g FROM top_groups));
CREATE TEMP TABLE top_groups_by_customer AS SELECT * FROM insight_top_item_groups('2011-09-01', 10);
SELECT insight_register_sales('order_lines_by_item', 'customer_id', 'invoice_date',
                              quantity_column => 'quantity', unit_price_column => 'unit_price');
SELECT insight_register_sales('order_lines_by_item', 'customer_id', 'invoice_date', 'invoice_no', 'stock_code',
                              'quantity', unit_price_column => 'unit_price',
                              options => (SELECT options FROM insight_sales_sources));
SELECT l.lanname AS features_language, count(*) = (SELECT count(*) FROM features_by_customer) AS same_customers,
       bool_and(f IS NOT DISTINCT FROM b) AS same_features
  FROM insight_customer_features() f JOIN features_by_customer b USING (customer_id),
       pg_proc p JOIN pg_language l ON l.oid = p.prolang
 WHERE p.proname = 'insight_customer_features'
 GROUP BY 1;
SELECT insight_sales_pushdown_lines() IS NULL AS no_pushdown,
       (SELECT count(*) FROM insight_clv_summary()) = (SELECT count(*) FROM clv_by_customer) AS same_clv_customers,
       NOT EXISTS (SELECT * FROM insight_clv_summary() EXCEPT SELECT * FROM clv_by_customer) AS same_clv_summary,
       (SELECT count(*) FROM insight_interactions()) = (SELECT count(*) FROM interactions_by_customer) AS same_pairs,
       NOT EXISTS (SELECT * FROM insight_interactions() EXCEPT SELECT * FROM interactions_by_customer) AS same_interactions;
SELECT (SELECT count(*) FROM insight_sales_window('2011-09-01', '2011-12-01')) = (SELECT count(*) FROM window_by_customer)
       AND NOT EXISTS (SELECT * FROM insight_sales_window('2011-09-01', '2011-12-01') EXCEPT SELECT * FROM window_by_customer) AS same_labels,
       (SELECT count(*) FROM insight_clv_holdout_purchases('2011-09-01', '2011-12-10')) = (SELECT count(*) FROM holdout_by_customer)
       AND NOT EXISTS (SELECT * FROM insight_clv_holdout_purchases('2011-09-01', '2011-12-10') EXCEPT SELECT * FROM holdout_by_customer) AS same_holdout,
       (SELECT count(*) FROM insight_group_purchases('2011-09-01', '2011-10-01', (SELECT g FROM top_groups))) = (SELECT count(*) FROM groups_by_customer)
       AND NOT EXISTS (SELECT * FROM insight_group_purchases('2011-09-01', '2011-10-01', (SELECT g FROM top_groups)) EXCEPT SELECT * FROM groups_by_customer) AS same_group_purchases,
       NOT EXISTS (SELECT * FROM insight_top_item_groups('2011-09-01', 10) EXCEPT SELECT * FROM top_groups_by_customer) AS same_top_groups;

-- 11. The CLV fits run on the shards (the CLV task's calibration and serving
-- fits, the value task's BTYD comparator): insight_clv_summary_query() gives
-- the summary's query for a source distributed by customer (NULL for one
-- distributed another way, where the fits read insight_clv_summary()); an
-- aggregate over it runs as worker_partial_agg on every shard and
-- coord_combine_agg on the coordinator; one row per shard reaches the
-- coordinator; the models are those of the summary gathered on the
-- coordinator, to the bit (the fit state sorts and collapses its rows).
SELECT insight_clv_summary_query('2011-09-01', '7 days') IS NULL AS no_query_by_item;
SELECT insight_register_sales('order_lines', 'customer_id', 'invoice_date', 'invoice_no', 'stock_code',
                              'quantity', unit_price_column => 'unit_price',
                              options => (SELECT options FROM insight_sales_sources)) IS NOT NULL AS registered_by_customer;
SELECT insight_clv_summary_query('2011-09-01', '7 days') IS NOT NULL AS summary_query;
SET client_min_messages = error;
-- the fits over the summary's query, as the tasks run them (pushed: true),
-- or over insight_clv_summary(), gathered on the coordinator
CREATE FUNCTION pg_temp.fit_query(as_of timestamptz, period interval, pushed boolean DEFAULT true) RETURNS text LANGUAGE sql AS $$
    SELECT 'SELECT insight_bgnbd_fit(k.frequency, k.recency, k."T"), insight_pnbd_fit(k.frequency, k.recency, k."T"),
                   insight_mbgnbd_fit(k.frequency, k.recency, k."T"), insight_gammagamma_fit(k.frequency, k.monetary_value)
              FROM ' || CASE WHEN pushed THEN '(' || insight_clv_summary_query(as_of, period) || ')'
                             ELSE format('insight_clv_summary(%L, %L)', as_of, period) END || ' k'
$$;
CREATE FUNCTION pg_temp.fits(q text) RETURNS bytea[] LANGUAGE plpgsql AS $$
DECLARE m bytea[];
BEGIN
    EXECUTE 'SELECT ARRAY[f.bgnbd, f.pnbd, f.mbgnbd, f.gammagamma] FROM (' || q || ') f(bgnbd, pnbd, mbgnbd, gammagamma)' INTO m;
    RETURN m;
END $$;
SET client_min_messages = warning;
SELECT pg_temp.coordinator_nodes(q) AS coordinator_runs,
       bool_or(line = 'Task Count: 8') AS one_task_per_shard,
       bool_or(line ~ '^Output: coord_combine_agg\(.*remote_scan\.insight_bgnbd_fit.*coord_combine_agg\(.*remote_scan\.insight_gammagamma_fit') AS combined_on_coordinator,
       bool_or(line ~ '^Query: SELECT pg_catalog\.worker_partial_agg\(''public\.insight_bgnbd_fit.* pg_catalog\.worker_partial_agg\(''public\.insight_gammagamma_fit')
       AND bool_or(line ~ '^Query: .*GROUP BY .*customer_id') AS partial_states_of_the_summary_on_shards
  FROM (SELECT pg_temp.fit_query('2011-09-01', '7 days') AS q) x,
       LATERAL (SELECT trim(p.line) AS line FROM pg_temp.plan(x.q) p) l
 GROUP BY q;
-- every shard sends one row, its partial states (the summary's rows, one
-- per customer, went to the coordinator before)
SELECT s.tasks = 8 AS every_shard, s.rows = 8 AS one_row_per_shard,
       (pg_temp.to_coordinator(pg_temp.clv_query('insight_clv_summary', '2011-09-01', '7 days'))).rows AS summary_rows_before
  FROM pg_temp.partial_states(pg_temp.fit_query('2011-09-01', '7 days'), 4) s;
-- the models: those of the summary gathered on the coordinator
SELECT pg_temp.fits(pg_temp.fit_query(a, p)) = pg_temp.fits(pg_temp.fit_query(a, p, false)) AS same_models,
       (SELECT count(*) FROM unnest(pg_temp.fits(pg_temp.fit_query(a, p))) m WHERE m IS NOT NULL) AS models
  FROM (VALUES ('2011-09-01'::timestamptz, '7 days'::interval), ('2011-09-10', '1 day')) v(a, p);
-- the value task's comparator: the same values per customer as from the
-- summary gathered on the coordinator (its code for a database without Citus)
CREATE TEMP TABLE btyd_pushed AS SELECT * FROM insight_value_btyd('2011-09-10', '90 days');
SELECT (SELECT count(*) FROM btyd_pushed) = (SELECT count(*) FROM insight_clv_summary('2011-09-10', '1 day')) AS one_value_per_customer,
       NOT EXISTS (SELECT * FROM btyd_pushed b FULL JOIN
                     (SELECT k.customer_id::text, insight_bgnbd_expected_purchases(m.fits[1], 90, k.frequency, k.recency, k."T")
                                                  * insight_gammagamma_expected_spend(m.fits[4], k.frequency, k.monetary_value) AS value
                        FROM insight_clv_summary('2011-09-10', '1 day') k,
                             (SELECT pg_temp.fits(pg_temp.fit_query('2011-09-10', '1 day', false)) AS fits) m) g
                     USING (customer_id)
                    WHERE b.value IS DISTINCT FROM g.value) AS same_values;
-- the calibration fits' shared state (insight_clv_fit_state), collected on
-- the shards in one query: each model fitted from it by its final function
-- is its fit aggregate's
SET client_min_messages = error;
CREATE FUNCTION pg_temp.state_query(as_of timestamptz, period interval) RETURNS text LANGUAGE sql AS $$
    SELECT 'SELECT insight_clv_fit_state(k.frequency, k.recency, k."T") FROM (' || insight_clv_summary_query(as_of, period) || ') k'
$$;
CREATE FUNCTION pg_temp.fit_state(q text) RETURNS bytea LANGUAGE plpgsql AS $$
DECLARE s bytea;
BEGIN
    EXECUTE q INTO s;
    RETURN s;
END $$;
SET client_min_messages = warning;
SELECT bool_or(l.line ~ '^Query: SELECT pg_catalog\.worker_partial_agg\(''public\.insight_clv_fit_state') AS state_partial_on_shards,
       bool_or(l.line ~ '^Output: coord_combine_agg\(') AS state_combined_on_coordinator
  FROM pg_temp.plan(pg_temp.state_query('2011-09-01', '7 days')) p, LATERAL (SELECT trim(p.line) AS line) l;
SELECT ARRAY[insight_bgnbd_final(s), insight_pnbd_final(s), insight_mbgnbd_final(s)]
       = (pg_temp.fits(pg_temp.fit_query('2011-09-01', '7 days', false)))[1:3] AS same_models_from_the_state
  FROM pg_temp.fit_state(pg_temp.state_query('2011-09-01', '7 days')) s;

-- 11b. The CLV task's holdout evaluation on the shards: insight_clv_prepare
-- fills the holdout's rows (the calibration summary with each customer's
-- repeat purchase days and spend in the holdout, insight_clv_holdout_sql)
-- into a table co-located with the source by one INSERT ... SELECT that runs
-- whole on each shard (no distributed subplan, no rows to the coordinator);
-- each pass of insight_clv_evaluate and insight_clv_compare (their own
-- expressions; the models and the holdout as literals, where Citus puts the
-- parameters) computes its per-customer values on the shards and collects
-- them with insight_rows_pack (worker_partial_agg, one state per shard,
-- coord_combine_agg on the coordinator); the arrays are those of
-- insight_clv_holdout_rows gathered on the coordinator, in its order (the
-- summary's), to the bit.
SET client_min_messages = error;
CREATE FUNCTION pg_temp.with_literals(q text, VARIADIC p text[]) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
    FOR i IN REVERSE cardinality(p) .. 1 LOOP
        q := replace(q, '$' || i, p[i]);
    END LOOP;
    RETURN q;
END $$;
SET client_min_messages = warning;
SELECT insight_clv_setup('2011-12-10', '7 days', '100 days') AS clv_t \gset
SELECT (:'clv_t'::insight_training).setup->>'calibration_end' AS clv_c, (:'clv_t'::insight_training).trained_as_of AS clv_end,
       insight_clv_holdout_periods(:'clv_t'::insight_training) AS clv_hold \gset
SELECT insight_bgnbd_fit(k.frequency, k.recency, k."T") AS clv_bgnbd, insight_pnbd_fit(k.frequency, k.recency, k."T") AS clv_pnbd,
       insight_mbgnbd_fit(k.frequency, k.recency, k."T") AS clv_mbgnbd
  FROM insight_clv_summary(:'clv_c', '7 days') k \gset
-- (the table committed, so that the states below can be counted by running
-- each shard's query on its node; dropped at the end)
SELECT (insight_clv_prepare(:'clv_t'::insight_training)).task AS prepared,
       insight_training_relation('insight_clv_holdout') = insight_scratch_table('insight_clv_holdout') AS holdout_rows_on_the_shards;
SELECT p.colocationid = (SELECT colocationid FROM pg_dist_partition WHERE logicalrelid = 'order_lines'::regclass) AS colocated_with_the_source,
       column_to_column_name(p.logicalrelid, p.partkey) AS distributed_by
  FROM pg_dist_partition p WHERE p.logicalrelid::text = insight_scratch_table('insight_clv_holdout');
SELECT insight_scratch_table('insight_clv_holdout') AS clv_rows \gset
-- the same rows as insight_clv_holdout_rows (the single node's)
SELECT count(*) AS holdout_rows,
       count(*) FILTER (WHERE r.customer_key::text = h.customer_id AND r.frequency = h.frequency AND r.recency = h.recency
                        AND r."T" = h."T" AND r.actual = h.actual AND r.monetary_value IS NOT DISTINCT FROM h.monetary_value
                        AND r.actual_spend = h.actual_spend) AS same_as_insight_clv_holdout_rows,
       count(*) FILTER (WHERE h.actual > 0) AS came_back
  FROM insight_clv_holdout_rows(:'clv_c', :'clv_end', '7 days') h
  FULL JOIN :clv_rows r ON r.customer_id = h.customer_id;
SELECT pg_temp.coordinator_nodes(q) AS coordinator_runs,
       bool_or(line = 'Task Count: 8') AS one_task_per_shard,
       bool_or(line ~ '^Query: INSERT INTO insight_scratch\.insight_clv_holdout_[0-9_]+ .*OVER \(PARTITION BY .*GROUP BY .*count\(DISTINCT .*GROUP BY ')
       AS whole_insert_on_each_shard,
       NOT bool_or(line ~ 'Distributed Subplan|intermediate|INSERT/SELECT method') AS no_subplan_nor_coordinator_step
  FROM (SELECT format('INSERT INTO %s %s', :'clv_rows', insight_clv_holdout_sql(:'clv_c', :'clv_end', '7 days')) AS q) x,
       LATERAL (SELECT trim(p.line) AS line FROM pg_temp.plan(x.q) p) l
 GROUP BY q;
BEGIN;
SELECT pg_temp.to_coordinator(format('INSERT INTO %s %s', :'clv_rows', insight_clv_holdout_sql(:'clv_c', :'clv_end', '7 days'))) AS holdout_insert;
ROLLBACK;
-- the passes: insight_clv_evaluate's (the actuals and the summary, then
-- each candidate's expected purchases, predictive median and P(alive): the
-- holdout in periods $1, the models $2, $3, $4) and insight_clv_compare's
-- (the model $1, the holdout $2)
CREATE TEMP TABLE clv_passes (pass text, q text, expected text);
INSERT INTO clv_passes
SELECT 'evaluate',
       pg_temp.with_literals(insight_training_arrays_sql('insight_clv_holdout',
           '{actual,frequency,recency,big_t,actual_spend,monetary_value,expected_1,median_1,p_alive_1,expected_2,median_2,p_alive_2,expected_3,median_3,p_alive_3}',
           ARRAY['t.actual', 't.frequency', 't.recency', 't."T"', 't.actual_spend', 't.monetary_value']
           || ARRAY(SELECT format(f.v, 'public', '$' || (n + 1))
                      FROM generate_series(1, 3) n,
                           unnest(ARRAY['%I.insight_transaction_model_expected_purchases(%s, $1, t.frequency, t.recency, t."T")',
                                        '%I.insight_transaction_model_median_purchases(%s, $1, t.frequency, t.recency, t."T")',
                                        '%I.insight_transaction_model_p_alive(%s, t.frequency, t.recency, t."T")']) WITH ORDINALITY f(v, k)
                     ORDER BY n, k), order_by_key => true),
           format('%L::float8', :'clv_hold'), format('%L::bytea', :'clv_bgnbd'), format('%L::bytea', :'clv_pnbd'), format('%L::bytea', :'clv_mbgnbd')),
       format('SELECT ARRAY[array_agg(h.actual), array_agg(h.frequency::float8), array_agg(h.recency), array_agg(h."T"),
                            array_agg(h.actual_spend), array_agg(h.monetary_value), %s]
                 FROM insight_clv_holdout_rows(%L, %L, ''7 days'') h',
              (SELECT string_agg(format('array_agg(insight_transaction_model_expected_purchases(%1$L, %2$L, h.frequency, h.recency, h."T")),
                                         array_agg(insight_transaction_model_median_purchases(%1$L, %2$L, h.frequency, h.recency, h."T")),
                                         array_agg(insight_transaction_model_p_alive(%1$L, h.frequency, h.recency, h."T"))', m, :'clv_hold'), ', ' ORDER BY n)
                 FROM unnest(ARRAY[:'clv_bgnbd', :'clv_pnbd', :'clv_mbgnbd']::bytea[]) WITH ORDINALITY x(m, n)),
              :'clv_c', :'clv_end')
UNION ALL
SELECT 'compare',
       pg_temp.with_literals(insight_training_arrays_sql('insight_clv_holdout', '{median,actual}',
           ARRAY['public.insight_transaction_model_median_purchases($1, $2, t.frequency, t.recency, t."T")', 't.actual'], order_by_key => true),
           format('%L::bytea', :'clv_bgnbd'), format('%L::float8', :'clv_hold')),
       format('SELECT ARRAY[array_agg(insight_transaction_model_median_purchases(%1$L, %2$L, h.frequency, h.recency, h."T")), array_agg(h.actual)]
                 FROM insight_clv_holdout_rows(%3$L, %4$L, ''7 days'') h', :'clv_bgnbd', :'clv_hold', :'clv_c', :'clv_end');
SELECT e.pass, pg_temp.coordinator_nodes(e.q) AS coordinator_runs,
       bool_or(line ~ '^Output: coord_combine_agg\(') AS combined_on_coordinator,
       bool_or(line ~ '^Query: SELECT (pg_catalog\.)?worker_partial_agg\(''public\.insight_rows_pack\(') AS partial_on_shards,
       bool_or(line ~ '^Query: SELECT (pg_catalog\.)?worker_partial_agg\(''public\.insight_rows_pack\(.*insight_transaction_model_median_purchases\(''\\x')
       AS predictions_on_shards,
       bool_or(line = 'Task Count: 8') AS one_state_per_shard
  FROM clv_passes e, LATERAL (SELECT trim(p.line) AS line FROM pg_temp.plan(e.q) p) l
 GROUP BY e.pass, e.q ORDER BY e.pass;
SELECT e.pass, cardinality(a) AS values, a = b AS same_arrays_as_insight_clv_holdout_rows
  FROM clv_passes e, pg_temp.arrays(e.q) a, pg_temp.value_of(e.expected) b
 ORDER BY e.pass;
-- (the comparison fails for arrays in another order: the keys descending)
SELECT pg_temp.arrays(replace(e.q, 'ORDER BY u.key::integer)', 'ORDER BY u.key::integer DESC)')) = pg_temp.value_of(e.expected) AS same_arrays_descending
  FROM clv_passes e WHERE e.pass = 'evaluate';
-- the arrays follow the key in its own type: keys of 3 and 4 digits, which
-- sort otherwise as text, come back in numeric order
SELECT insight_training_table('insight_key_order', 'SELECT 1',
                              'SELECT DISTINCT s.customer_id - 12000, (s.customer_id - 12000)::text FROM order_lines s',
                              'customer_id text') = insight_scratch_table('insight_key_order') AS keys_on_the_shards;
SELECT a = (SELECT array_agg(k::float8 ORDER BY k) FROM (SELECT DISTINCT customer_id - 12000 AS k FROM order_lines) d) AS numeric_order,
       a = (SELECT array_agg(k::float8 ORDER BY k::text) FROM (SELECT DISTINCT customer_id - 12000 AS k FROM order_lines) d) AS text_order,
       (SELECT count(*) FROM (SELECT DISTINCT customer_id - 12000 AS k FROM order_lines) d WHERE k < 1000) AS keys_below_1000
  FROM pg_temp.value_of(insight_training_arrays_sql('insight_key_order', '{k}', '{t.customer_key}', order_by_key => true)) a;
SELECT insight_drop_temp_table('insight_key_order');
-- what reaches the coordinator: one row per shard, its state (as text, the
-- bytea's hex), per pass, where the holdout's rows went before (the
-- summary's and the holdout purchases' rows, one per customer each)
SELECT e.pass, s.tasks = 8 AS every_shard, s.rows AS states, s.bytes AS state_bytes
  FROM clv_passes e,
       LATERAL pg_temp.partial_states(substring(e.q FROM '\(\s*(SELECT .* FROM \S+ t)\s*\)\s*SELECT '), 1) s
 ORDER BY e.pass;
SELECT (b.s).rows AS summary_rows_before, (b.s).bytes AS summary_bytes_before,
       (b.h).rows AS purchase_rows_before, (b.h).bytes AS purchase_bytes_before
  FROM (SELECT pg_temp.to_coordinator(pg_temp.clv_query('insight_clv_summary', :'clv_c', '7 days')) AS s,
               pg_temp.to_coordinator(pg_temp.holdout_query(:'clv_c', :'clv_end')) AS h) b;
SELECT insight_drop_temp_table('insight_clv_holdout');
DROP TABLE clv_passes;

-- 9. auto_explain analysing a training's nested statements: Citus 12.1
-- cannot run the partial aggregates of the passes on the shards under
-- EXPLAIN ANALYZE ("column field_0 has pseudo-type cstring",
-- citusdata/citus#4043), so the training says so before any work, and
-- trains once the nested statements are not analysed
LOAD 'auto_explain';
SET auto_explain.log_min_duration = 0;
SET auto_explain.log_analyze = on;
SET auto_explain.log_nested_statements = on;
SET auto_explain.log_level = debug5;
SELECT count(*) AS segments_models_before FROM insight_models WHERE task = 'segments' \gset
SELECT insight_train_segments(4);
SELECT count(*) - :segments_models_before AS new_segments_models FROM insight_models WHERE task = 'segments';
SET auto_explain.log_nested_statements = off;
SELECT insight_train_segments(4) > 0 AS trained_with_nested_statements_not_analysed;
RESET auto_explain.log_min_duration;
RESET auto_explain.log_analyze;
RESET auto_explain.log_nested_statements;
RESET auto_explain.log_level;
