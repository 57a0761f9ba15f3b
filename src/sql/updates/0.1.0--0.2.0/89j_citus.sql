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

-- a registration made before CREATE EXTENSION citus is built again when it runs
--@ function src/sql/features/sales_source.sql insight_citus_created

--@ comment src/sql/features/sales_source.sql insight_citus_created

CREATE EVENT TRIGGER insight_citus_created ON ddl_command_end
    WHEN TAG IN ('CREATE EXTENSION')
    EXECUTE FUNCTION @extschema@.insight_citus_created();

COMMENT ON EVENT TRIGGER insight_citus_created IS
'Builds the sales registration again when CREATE EXTENSION citus runs (insight_citus_created()).';
