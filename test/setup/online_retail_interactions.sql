\set ECHO none
-- Set-up of a pg_regress test run on its own after 00_setup (see test/schedule):
-- the item names and the interactions table rec_or that
-- 81_recommend_online_retail leaves.  Does nothing when they are there; prints
-- nothing.
SET client_min_messages = error;
\o /dev/null
SELECT insight_register_items('order_lines', 'stock_code', 'description')
 WHERE NOT EXISTS (SELECT FROM insight_items);
CREATE TABLE IF NOT EXISTS rec_or AS SELECT * FROM insight_interactions();
\o
RESET client_min_messages;
\set ECHO all
