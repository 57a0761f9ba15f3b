-- Online Retail loaded and registered, with every task trained (churn, CLV,
-- segments, item-kNN then ALS, as ./run demo trains them, and the deep value
-- model): the database of the browser test (report_browser.sh) and of the report benchmark
-- (test/bench/bench_report.sh).  Run with psql from the repository root.
\set ON_ERROR_STOP 1
SET client_min_messages = error;
CREATE EXTENSION IF NOT EXISTS insight;
\o /dev/null
\i test/load_online_retail.sql
SELECT insight_train_churn();
SELECT insight_train_clv();
SELECT insight_train_segments();
SELECT insight_register_items('order_lines', 'stock_code', 'description');
SELECT insight_train_recommender('itemknn');
SELECT insight_train_recommender('als');
SELECT insight_train_value();
\o
RESET client_min_messages;
