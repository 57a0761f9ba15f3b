-- The main job: load the shipped Online Retail data, register it, and print
-- the customer insight known so far.
\set ON_ERROR_STOP 1
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS insight;
\o /dev/null
\ir load_online_retail.sql
-- with the customer index the load creates, scoring one customer with the
-- default as_of (insight_churn(12347) below) reads only that customer's lines
CREATE INDEX ON order_lines (invoice_date);
\o
RESET client_min_messages;

\echo
\echo '== Online Retail: raw order lines and what insight keeps (insight_sales) =='
SELECT (SELECT count(*) FROM order_lines) AS raw_lines,
       count(*) AS kept_lines,
       count(*) FILTER (WHERE amount < 0) AS return_lines,
       count(DISTINCT customer_id) AS customers,
       count(DISTINCT order_id) AS orders,
       count(DISTINCT item_id) AS items,
       min(ordered_at) AS first_line,
       max(ordered_at) AS last_line,
       round(sum(amount) FILTER (WHERE amount > 0)::numeric, 2) AS revenue,
       round(-sum(amount) FILTER (WHERE amount < 0)::numeric, 2) AS returned
  FROM insight_sales;

CREATE TEMP TABLE demo_features AS SELECT * FROM insight_customer_features();

\echo
\echo '== Customer features over the whole history (all customers: distribution) =='
SELECT feature,
       round(min(v)::numeric, 2) AS min,
       round(percentile_cont(0.25) WITHIN GROUP (ORDER BY v)::numeric, 2) AS p25,
       round(percentile_cont(0.5) WITHIN GROUP (ORDER BY v)::numeric, 2) AS median,
       round(percentile_cont(0.75) WITHIN GROUP (ORDER BY v)::numeric, 2) AS p75,
       round(max(v)::numeric, 2) AS max
  FROM demo_features f,
       unnest(insight_feature_names(), f.features) WITH ORDINALITY AS u(feature, v, n)
 GROUP BY feature, n ORDER BY n;

\echo
\echo '== Top 15 customers by total spend =='
SELECT customer_id, round(recency_days::numeric, 1) AS recency_days, frequency,
       round(monetary::numeric, 2) AS monetary, round(tenure_days::numeric, 1) AS tenure_days,
       orders, round(total_spend::numeric, 2) AS total_spend,
       round(spend_90d::numeric, 2) AS spend_90d, round(spend_trend::numeric, 2) AS spend_trend,
       round(mean_days_between_orders::numeric, 1) AS mean_gap_days,
       distinct_items, round(return_rate::numeric, 3) AS return_rate
  FROM demo_features ORDER BY total_spend DESC LIMIT 15;

\echo
\echo '== Features of every customer: out/customer_features.csv =='
\! mkdir -p out
\copy (SELECT * FROM demo_features ORDER BY customer_id) TO 'out/customer_features.csv' WITH (FORMAT csv, HEADER true)
SELECT count(*) AS customers_written FROM demo_features;

\echo
\echo '== Churn: train with an out-of-time evaluation against recency alone =='
SET client_min_messages = warning;   -- the per-pass NOTICEs of the fits
SELECT insight_train_churn() AS churn_model_id;
RESET client_min_messages;
SELECT model_id, status, metrics->>'train_cutoff' AS train_cutoff, metrics->'train_rows' AS train_customers,
       metrics->>'test_cutoff' AS test_cutoff, metrics->'test_rows' AS test_customers,
       round((metrics->>'auc')::numeric, 4) AS out_of_time_auc,
       round((metrics#>>'{baseline,auc}')::numeric, 4) AS recency_only_auc,
       metrics->'beats_baseline' AS beats_baseline
  FROM insight_models WHERE task = 'churn' AND status = 'active';

\echo
\echo '== Recommendations: implicit ALS vs the popularity baseline (time split, last 30 days held out) =='
SELECT insight_register_items('order_lines', 'stock_code', 'description') AS items_named \gset
SET client_min_messages = warning;
-- item-kNN first, so that the report compares ALS with it on the same split
SELECT insight_train_recommender('itemknn') AS demo_itemknn_id \gset
SELECT insight_train_recommender('als') AS demo_als_id \gset
RESET client_min_messages;
SELECT x.metric, round((m.metrics ->> x.metric)::numeric, 4) AS als,
       round((m.metrics -> 'baseline' ->> x.metric)::numeric, 4) AS popularity
  FROM insight_models m,
       unnest(ARRAY['hit_rate_at_10', 'precision_at_10', 'recall_at_10', 'ndcg_at_10', 'map_at_10',
                    'coverage_at_10']) WITH ORDINALITY AS x(metric, n)
 WHERE m.model_id = :demo_als_id ORDER BY x.n;
SELECT metrics ->> 'test_customers' AS test_customers,
       metrics ->> 'test_customers_without_history' AS of_which_new,
       status FROM insight_models WHERE model_id = :demo_als_id;

\echo
\echo '== What to recommend to customer 12347, and to a customer without history =='
SELECT rank, item_id, item_name, round(score::numeric, 3) AS score FROM insight_recommend(12347, 5);
SELECT rank, item_id, item_name, round(score::numeric, 3) AS share_of_customers FROM insight_recommend('new customer', 5);

\echo
\echo '== Items like the WHITE HANGING HEART T-LIGHT HOLDER (85123A) =='
SELECT rank, item_id, item_name, round(score::numeric, 3) AS cosine FROM insight_similar_items('85123A', 5);

\echo
\echo '== Segments: training k-means on standardized log-RFM (k at the knee of the inertia curve) =='
SELECT insight_train_segments() AS segments_model_id \gset
SELECT model_id, version, metrics->'k' AS k, round((metrics->>'silhouette')::numeric, 3) AS silhouette,
       round((metrics->>'inertia')::numeric, 1) AS inertia, metrics->'sizes' AS sizes
  FROM insight_models WHERE model_id = :segments_model_id;

CREATE TEMP TABLE demo_segments AS SELECT * FROM insight_segment_summary;

\echo
\echo '== RFM segments (insight_segment_summary, kind = rfm): sizes and revenue shares =='
SELECT segment, customers, round((100 * customer_share)::numeric, 1) AS pct_customers,
       round(mean_recency_days::numeric, 1) AS mean_recency_days, round(mean_frequency::numeric, 1) AS mean_orders,
       round(mean_monetary::numeric, 0) AS mean_spend, round(revenue::numeric, 0) AS revenue,
       round((100 * revenue_share)::numeric, 1) AS pct_revenue
  FROM demo_segments WHERE kind = 'rfm';

\echo
\echo '== k-means clusters (insight_segment_summary, kind = cluster) =='
SELECT cluster, segment AS label, customers, round((100 * customer_share)::numeric, 1) AS pct_customers,
       round(mean_recency_days::numeric, 1) AS mean_recency_days, round(mean_frequency::numeric, 1) AS mean_orders,
       round(mean_monetary::numeric, 0) AS mean_spend, round((100 * revenue_share)::numeric, 1) AS pct_revenue
  FROM demo_segments WHERE kind = 'cluster';

\echo
\echo '== A campaign for 85123A: the customers most likely to buy it next (none bought it in the last 90 days) =='
SELECT rank, customer_id, round(score::numeric, 3) AS score FROM insight_target_audience('85123A', 10);

\echo
\echo '== Customer lifetime value: BG/NBD and Pareto/NBD trained on the first 3/4 of the history, tested on the last 1/4 =='
SET client_min_messages = warning;
SELECT insight_train_clv() AS clv_model_id \gset
RESET client_min_messages;
SELECT m.metrics ->> 'calibration_end' AS calibration_end, m.metrics ->> 'holdout' AS holdout,
       m.metrics -> 'bgnbd' -> 'customers' AS customers,
       m.metrics -> 'bgnbd' -> 'total_actual' AS actual_repeat_days
  FROM insight_models m WHERE m.model_id = :clv_model_id;
SELECT x.model, round((m.metrics -> x.key ->> 'total_predicted')::numeric, 0) AS predicted_repeat_days,
       round((m.metrics -> x.key ->> 'total_error_percent')::numeric, 1) AS total_error_pct,
       round((m.metrics -> x.key ->> 'mae')::numeric, 3) AS mae, round((m.metrics -> x.key ->> 'rmse')::numeric, 3) AS rmse,
       round((m.metrics -> x.key ->> 'correlation')::numeric, 3) AS correlation,
       x.key = m.metrics ->> 'algorithm' AS chosen
  FROM insight_models m,
       (VALUES ('bgnbd', 'BG/NBD'), ('pnbd', 'Pareto/NBD'), ('baseline', 'past rate x/T continued')) x(key, model)
 WHERE m.model_id = :clv_model_id;

\echo
\echo '== The models in service (refitted on the whole history; weeks; spend in the source currency) =='
SELECT m.task, m.algorithm,
       (SELECT string_agg(format('%s = %s', k, (i ->> k)::float8::real), ', ' ORDER BY n)
          FROM unnest(ARRAY['r', 'alpha', 'a', 'b', 's', 'beta', 'p', 'q', 'gamma']) WITH ORDINALITY u(k, n)
         WHERE i ? k) AS parameters,
       round((i ->> 'log_likelihood')::numeric, 2) AS log_likelihood, i -> 'customers' AS customers,
       round((i ->> 'frequency_spend_correlation')::numeric, 3) AS frequency_spend_corr
  FROM insight_models m, insight_model_info(m.weights) i
 WHERE m.task IN ('clv', 'clv_spend') AND m.status = 'active' ORDER BY m.task;

CREATE TEMP TABLE demo_clv AS SELECT * FROM insight_clv_scores_at();

\echo
\echo '== The 10 most valuable customers: value over the next 12 months (discounted 1 % a month) =='
SELECT customer_id, frequency AS repeat_days, round(recency::numeric, 1) AS recency_weeks, round("T"::numeric, 1) AS "T_weeks",
       round(monetary_value::numeric, 2) AS mean_repeat_spend, round(p_alive::numeric, 3) AS p_alive,
       round(expected_purchases_90d::numeric, 2) AS purchases_90d, round(clv_12m::numeric, 0) AS clv_12m
  FROM demo_clv ORDER BY clv_12m DESC LIMIT 10;

\echo
\echo '== Value concentration: customers by CLV decile =='
SELECT decile, count(*) AS customers, round(sum(clv_12m)::numeric, 0) AS clv_12m,
       round((100 * sum(clv_12m) / sum(sum(clv_12m)) OVER ())::numeric, 1) AS pct_of_value,
       round(avg(p_alive)::numeric, 3) AS mean_p_alive
  FROM (SELECT *, ntile(10) OVER (ORDER BY clv_12m DESC, customer_id) AS decile FROM demo_clv) d
 GROUP BY decile ORDER BY decile;

\echo
\echo '== One customer: insight_p_alive, insight_expected_purchases, insight_clv =='
SELECT round(insight_p_alive(12347)::numeric, 3) AS p_alive,
       round(insight_expected_purchases(12347, '90 days')::numeric, 2) AS purchases_90d,
       round(insight_clv(12347)::numeric, 0) AS clv_12m,
       round(insight_clv(12347, months => 36, monthly_discount_rate => 0.01)::numeric, 0) AS clv_36m;

\echo
\echo '== Operations: what CALL insight_retrain() would retrain, with which parameters =='
SELECT task, algorithm, params FROM insight_retrain_plan();
\echo '(schedule it nightly with pg_cron as in docs/operations.md: SELECT cron.schedule_in_database(''insight-nightly'', ''15 3 * * *'', ''CALL insight_retrain()'', current_database(), ''insight_cron'');'
\echo ' every run is logged in insight_training_runs)'

\ir demo_reviews.sql

\echo
\echo '== The report (insight_report()) =='
\pset format unaligned
SELECT insight_report();
\pset format aligned

\echo
\echo '== The report as a web page (insight_report_html): out/report.html (English), out/report.en.html, out/report.zh.html =='
\pset format unaligned
\pset tuples_only on
\o out/report.en.html
SELECT insight_report_html('en');
\o out/report.zh.html
SELECT insight_report_html('zh');
\o
\! cp out/report.en.html out/report.html
\pset tuples_only off
\pset format aligned
\! ls -l out/report.html out/report.en.html out/report.zh.html
