\set ECHO none
-- Set-up of a pg_regress test run on its own after 00_setup (see test/schedule):
-- when no model has been trained yet, the models the earlier tests leave: the
-- churn model of 50_churn (a default training), the CLV models of 64_clv_task
-- (on CDNOW) and 65_clv_customer_views (active: the defaults on Online
-- Retail), the segments model of 72_segments (k = 4), the item names of
-- 81_recommend_online_retail, the popularity and ALS recommenders of
-- 83_recommender_task (active: ALS, 16 factors, 5 iterations, seed 1).
-- Does nothing when the registry has a model; prints nothing.
SELECT NOT EXISTS (SELECT FROM insight_models) AS registry_empty \gset
\if :registry_empty
SET client_min_messages = error;
\o /dev/null
SELECT insight_train_churn();
\i test/clv/load_cdnow.sql
SET client_min_messages = error;      -- (load_cdnow.sql resets it)
SELECT insight_train_clv('1998-07-01 00:00+00', '7 days', '273 days');
\i test/register_online_retail.sql
DROP TABLE cdnow_orders;
SELECT insight_train_clv();
SELECT insight_train_segments(4);
SELECT insight_register_items('order_lines', 'stock_code', 'description');
SELECT insight_train_recommender('popularity');
SELECT insight_activate(insight_train_recommender('als', '{"factors": 16, "iterations": 5, "seed": 1}'));
\o
RESET client_min_messages;
\endif
\set ECHO all
