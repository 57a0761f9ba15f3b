-- Issue 23, part 2: the features' one pass computes each expression once.
-- insight_customer_features() and insight_customer_features_of() read the
-- lines from the source (inlined into their query) instead of through
-- insight_sales: the quantity unsigned (the history uses the quantity of
-- purchase lines only, whose sign is +1), and the default as_of from max()
-- of the source's time column, converted to UTC once per customer.  On
-- Citus they read insight_sales as before.  The features are the same to
-- the last bit.  insight_build_sales_objects() is already brought to its
-- current definition by its directive in 89l_citus_pushdown.sql (only the
-- last file may name it); here the sales objects of a registered source are
-- rebuilt with it.

UPDATE @extschema@.insight_sales_sources SET options = options;
