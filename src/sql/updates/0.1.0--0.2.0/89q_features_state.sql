-- Issue 23, part 2: the features' one pass computes each expression once.
-- insight_customer_features() and insight_customer_features_of() read the
-- lines from the source (inlined into their query) instead of through
-- insight_sales: the quantity unsigned (the history uses the quantity of
-- purchase lines only, whose sign is +1), and the default as_of from max()
-- of the source's time column, converted to UTC once per customer.  On
-- Citus they read insight_sales as before.  The features are the same to
-- the last bit; the sales objects of a registered source are rebuilt.

--@ function src/sql/features/sales_source.sql insight_build_sales_objects

--@ comment src/sql/features/sales_source.sql insight_build_sales_objects

ALTER FUNCTION @extschema@.insight_build_sales_objects() SECURITY DEFINER SET search_path = pg_catalog, pg_temp;

UPDATE @extschema@.insight_sales_sources SET options = options;
