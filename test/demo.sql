-- The main job: load the shipped Online Retail data, register it, and print
-- the customer insight known so far.
\set ON_ERROR_STOP 1
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS insight;
\o /dev/null
\ir load_online_retail.sql
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
