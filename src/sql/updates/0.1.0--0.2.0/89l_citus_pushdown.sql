-- Issue 19: on Citus, the CLV summaries and the interactions run their
-- per-customer pass on the shards, as the features do, for a source
-- distributed by customer: insight_sales_pushdown_lines() (generated at
-- registration) gives the lines query they group by the distribution column.
-- A database without Citus gets the same queries as before.

--@ function src/sql/features/sales_source.sql insight_sales_pushdown_lines

--@ comment src/sql/features/sales_source.sql insight_sales_pushdown_lines

--@ function src/sql/features/sales_source.sql insight_build_sales_objects

--@ comment src/sql/features/sales_source.sql insight_build_sales_objects

ALTER FUNCTION @extschema@.insight_build_sales_objects() SECURITY DEFINER SET search_path = pg_catalog, pg_temp;

--@ function src/sql/models/clv/summary.sql insight_build_clv_objects

--@ comment src/sql/models/clv/summary.sql insight_build_clv_objects

ALTER FUNCTION @extschema@.insight_build_clv_objects() SECURITY DEFINER SET search_path = pg_catalog, pg_temp;

--@ function src/sql/features/interactions.sql insight_interactions

--@ comment src/sql/features/interactions.sql insight_interactions
