-- Issue 23, part 2: the features' one pass computes each expression once.
-- insight_customer_features() and insight_customer_features_of() read the
-- lines from the source (inlined into their query) instead of through
-- insight_sales: the quantity unsigned (the history uses the quantity of
-- purchase lines only, whose sign is +1), and the default as_of from max()
-- of the source's time column, converted to UTC once per customer.  On
-- Citus they read insight_sales as before.  The features are the same to
-- the last bit.  insight_build_sales_objects() is brought to its current
-- definition by its directive in 89l_citus_pushdown.sql (only the last file
-- may name it), but 89o_citus_labels.sql rebuilds the window objects only:
-- a registered source gets its features functions from the sales build
-- trigger, fired by an UPDATE; the other objects built at registration are
-- current, so their triggers sit this one out.
ALTER TABLE @extschema@.insight_sales_sources
    DISABLE TRIGGER insight_sales_sources_build_window,
    DISABLE TRIGGER insight_sales_sources_build_rfm,
    DISABLE TRIGGER insight_sales_sources_build_clv,
    DISABLE TRIGGER insight_sales_sources_build_churn;
UPDATE @extschema@.insight_sales_sources SET options = options;
ALTER TABLE @extschema@.insight_sales_sources
    ENABLE TRIGGER insight_sales_sources_build_window,
    ENABLE TRIGGER insight_sales_sources_build_rfm,
    ENABLE TRIGGER insight_sales_sources_build_clv,
    ENABLE TRIGGER insight_sales_sources_build_churn;
