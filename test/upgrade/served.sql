-- What the stored models serve and what the registry holds, one line per value,
-- every float with full precision (extra_float_digits = 3): the upgrade test
-- (test/upgrade/upgrade_test.sh) prints this before and after the update and
-- after a dump and restore, and the three must be identical.  Serial plans only,
-- so that sums over many rows add up in the same order every time.
\set ON_ERROR_STOP 1
SET extra_float_digits = 3;
SET max_parallel_workers_per_gather = 0;
SET TimeZone = 'UTC';
SET DateStyle = 'ISO, YMD';
SET IntervalStyle = 'postgres';

-- a sample of customers: every 40th (the views below cover every customer)
CREATE TEMP TABLE served_sample AS
SELECT customer_id, n
  FROM (SELECT customer_id, row_number() OVER (ORDER BY customer_id) AS n
          FROM (SELECT DISTINCT customer_id FROM order_lines WHERE customer_id IS NOT NULL) c) c
 WHERE n % 40 = 1;

-- the registry: every model's row, its bytes and what its header says; 0.1.0
-- kept the evaluation model in metrics (evaluation_model, base64), 0.2.0 in
-- the column evaluation_weights (read through to_jsonb: absent in 0.1.0)
SELECT 'model', model_id, task, algorithm, version, status, created_at, trained_as_of,
       params, metrics - 'evaluation_model', feature_names, md5(preprocessing), md5(weights),
       md5(COALESCE(decode(metrics ->> 'evaluation_model', 'base64'),
                    decode(substr(to_jsonb(m) ->> 'evaluation_weights', 3), 'hex'))),
       insight_model_info(weights), insight_model_info(preprocessing)
  FROM insight_models m ORDER BY model_id;
SELECT 'activation', a.* FROM insight_model_activations a ORDER BY 2;
SELECT 'training_run', r.* FROM insight_training_runs r ORDER BY 2;
SELECT 'source', s.* FROM insight_sales_sources s;
SELECT 'items', count(*), md5(string_agg(i::text, ';' ORDER BY i.item_id)) FROM insight_items i;

-- the functions that score one customer (each reads the whole history for its
-- default as_of and its percentiles: seconds per call), for every 2000th customer
SELECT 'customer', customer_id, insight_churn(customer_id), insight_segment(customer_id),
       insight_p_alive(customer_id), insight_expected_purchases(customer_id, '90 days'),
       insight_clv(customer_id)
  FROM served_sample WHERE n % 2000 = 1 ORDER BY customer_id;

-- the recommender: top 10 of a sample of customers, and items similar to
-- their first recommendation
SELECT 'recommend', s.customer_id, r.*
  FROM served_sample s, insight_recommend(s.customer_id, 10) r
 ORDER BY s.customer_id, r.rank;
SELECT 'similar', s.item_id, r.*
  FROM (SELECT DISTINCT r.item_id
          FROM served_sample s, insight_recommend(s.customer_id, 1) r) s,
       insight_similar_items(s.item_id, 10) r
 ORDER BY s.item_id, r.rank;

-- the views a BI tool reads, with the columns they had in 0.1.0 (0.2.0 labels
-- a cluster from its members, not its centroid: cluster_label, the summary's
-- cluster names and the report's cluster lines are compared without the label)
SELECT 'customer_360', customer_id, recency_days, frequency, monetary, tenure_days, orders,
       items, total_spend, spend_90d, spend_trend, mean_days_between_orders,
       sd_days_between_orders, distinct_items, return_rate, churn_probability, churn_model_id,
       segment, cluster, p_alive, expected_purchases_90d, clv_12m, clv_model_id
  FROM insight_customer_360 ORDER BY customer_id;
SELECT 'retention_targets', customer_id, churn_probability, expected_orders, expected_value,
       value_at_risk,
       -- the features named (0.2.0 adds their contributions: "monetary +2.96")
       ARRAY(SELECT pg_catalog.split_part(r, ' ', 1) FROM unnest(reasons) WITH ORDINALITY u(r, n) ORDER BY n) AS reasons, recency_days, orders, monetary, model_id, clv_12m, value_basis,
       clv_model_id
  FROM insight_retention_targets ORDER BY customer_id;
SELECT 'churn_scores', customer_id, churn_probability, model_id, as_of
  FROM insight_churn_scores ORDER BY customer_id;
-- (the shares divide by a sum over the groups in the order a hash aggregate
-- gives them, which another plan may change: rounded to 12 decimals)
SELECT 'segment_summary', kind, CASE WHEN kind = 'rfm' THEN segment END, cluster, customers, round(customer_share::numeric, 12),
       mean_recency_days, mean_frequency, mean_monetary, revenue, round(revenue_share::numeric, 12),
       mean_churn_probability, total_clv_12m
  FROM insight_segment_summary ORDER BY kind, segment, cluster;
SELECT 'rfm', customer_id, recency_days, frequency, monetary, r_score, f_score, m_score,
       rfm_cell, segment
  FROM insight_rfm ORDER BY customer_id;
-- (0.2.0 labels the first count of the report: "4362 customers" became
-- "4334 customers with a purchase (28 more with returns only)", as
-- insight_customer_360 counts them: that line is left out; it names the
-- churn algorithm in words, "logistic regression", gives each reason its
-- contribution, "monetary +2.96", and adds a section for the value task:
-- compared without)
SELECT 'report', pg_catalog.regexp_replace(pg_catalog.regexp_replace(pg_catalog.regexp_replace(pg_catalog.regexp_replace(r,
           '(cluster [0-9]+): [a-z ,]*[a-z] +', '\1 ', 'g'),
           ' [+-][0-9]+\.[0-9]{2}', '', 'g'),
           'logistic regression, lambda', 'logistic, lambda'),
           E'\nValue\n  No value model is active: run SELECT insight_train_value\\(\\);\n', '')
  FROM (SELECT pg_catalog.string_agg(l, E'\n' ORDER BY n) AS r
          FROM pg_catalog.regexp_split_to_table(insight_report(), E'\n') WITH ORDINALITY x(l, n)
         WHERE l !~ '^  \d+ kept order lines') q;
