-- A source registered before CREATE EXTENSION citus, then moved into Citus
-- (a Citus local table: its rows move to a shard on the coordinator and its
-- shell is left empty).  CREATE EXTENSION citus builds the registration again
-- (insight_citus_created), so insight reads the rows and not the empty shell.
-- Run by test/citus/run_citus_tests.sh in a database of its own; every query
-- prints booleans (and the value when one is false).
SET client_min_messages = warning;
\set SHOW_CONTEXT never
CREATE EXTENSION insight;
CREATE TABLE lines (customer integer, at timestamptz, ord text, item text, amount numeric);
INSERT INTO lines VALUES
    (1, '2024-01-01', 'a', 'x', 10), (1, '2024-02-01', 'b', 'y', 20), (2, '2024-01-15', 'c', 'x', 5),
    (2, '2024-03-01', 'd', 'z', 7), (3, '2024-02-20', 'e', 'y', 12);
SELECT insight_register_sales('lines', 'customer', 'at', 'ord', 'item', amount_column => 'amount') IS NOT NULL AS registered;
SELECT p.provolatile AS rows_volatility_before_citus FROM pg_proc p WHERE p.proname = 'insight_sales_rows';
CREATE EXTENSION citus;
SELECT p.provolatile AS rows_volatility_after_citus FROM pg_proc p WHERE p.proname = 'insight_sales_rows';
SELECT citus_set_coordinator_host('127.0.0.1', current_setting('port')::integer) IS NOT NULL AS coordinator_set;
SELECT citus_add_local_table_to_metadata('lines') IS NOT NULL AS moved_into_citus;
SELECT count(*) = 5 AS all_lines, count(*) AS lines FROM insight_sales;
SELECT count(*) = 3 AS all_customers, count(*) AS customers FROM insight_customer_features();
SELECT count(*) = 3 AS rfm_of_all_customers, count(*) AS customers FROM insight_rfm;
