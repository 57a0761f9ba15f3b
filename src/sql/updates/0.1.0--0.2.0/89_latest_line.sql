-- Issue 23: the default as_of without a scan of the source.
-- insight_latest_line() (generated at registration: the source ordered by
-- its own time column, so an index on it serves, through a join view too)
-- replaces max(ordered_at) over insight_sales in insight_default_as_of(); the
-- sales objects of a registered source are rebuilt so that it has one.

--@ function src/sql/features/sales_source.sql insight_latest_line

--@ comment src/sql/features/sales_source.sql insight_latest_line

--@ function src/sql/features/sales_source.sql insight_default_as_of

--@ comment src/sql/features/sales_source.sql insight_default_as_of

--@ function src/sql/features/sales_source.sql insight_build_sales_objects

ALTER FUNCTION @extschema@.insight_build_sales_objects() SECURITY DEFINER SET search_path = pg_catalog, pg_temp;

-- a registered source gets its insight_latest_line() (and the features
-- function that embeds insight_default_as_of()) from its build trigger,
-- fired by an UPDATE; the other objects built at registration are the
-- business of 90_churn_views.sql, so their triggers sit this one out
ALTER TABLE @extschema@.insight_sales_sources
    DISABLE TRIGGER insight_sales_sources_build_rfm,
    DISABLE TRIGGER insight_sales_sources_build_clv,
    DISABLE TRIGGER insight_sales_sources_build_churn;
UPDATE @extschema@.insight_sales_sources SET options = options;
ALTER TABLE @extschema@.insight_sales_sources
    ENABLE TRIGGER insight_sales_sources_build_rfm,
    ENABLE TRIGGER insight_sales_sources_build_clv,
    ENABLE TRIGGER insight_sales_sources_build_churn;
