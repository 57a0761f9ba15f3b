-- Issue 19: insight on a Citus cluster.  Registration no longer sends the
-- objects it rebuilds to the workers; in a database with Citus the rows
-- function is never inlined (an inlined query would scan the coordinator's
-- empty shell of a distributed table), and the features functions of a
-- source distributed by customer run their per-customer pass on the shards.
-- A database without Citus gets the same objects as before.

--@ function src/sql/features/sales_source.sql insight_register_sales

--@ comment src/sql/features/sales_source.sql insight_register_sales

--@ function src/sql/features/sales_source.sql insight_build_sales_objects

--@ comment src/sql/features/sales_source.sql insight_build_sales_objects

ALTER FUNCTION @extschema@.insight_build_sales_objects() SECURITY DEFINER SET search_path = pg_catalog, pg_temp;
