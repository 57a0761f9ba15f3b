-- Issue 23: a logistic fit that reads its rows once when they fit in
-- insight.max_training_memory (insight_logreg_fit gains in_memory, default
-- true; false keeps one aggregate pass per iteration); the CLV summaries'
-- default as_of by an index probe (insight_latest_purchase(), generated at
-- registration like insight_latest_line()).

DROP FUNCTION @extschema@.insight_logreg_fit(text, float8, integer, float8);

--@ function src/sql/models/linear/logreg.sql insight_logreg_fit

--@ comment src/sql/models/linear/logreg.sql insight_logreg_fit

--@ function src/sql/features/sales_source.sql insight_latest_purchase

--@ comment src/sql/features/sales_source.sql insight_latest_purchase

--@ function src/sql/features/sales_source.sql insight_build_sales_objects

--@ function src/sql/models/clv/summary.sql insight_build_clv_objects

ALTER FUNCTION @extschema@.insight_build_sales_objects() SECURITY DEFINER SET search_path = pg_catalog, pg_temp;
ALTER FUNCTION @extschema@.insight_build_clv_objects() SECURITY DEFINER SET search_path = pg_catalog, pg_temp;

-- a registered source gets its insight_latest_purchase() and CLV summaries
-- (and features functions) from their build triggers, fired by an UPDATE;
-- the others sit this one out
ALTER TABLE @extschema@.insight_sales_sources
    DISABLE TRIGGER insight_sales_sources_build_rfm,
    DISABLE TRIGGER insight_sales_sources_build_churn;
UPDATE @extschema@.insight_sales_sources SET options = options;
ALTER TABLE @extschema@.insight_sales_sources
    ENABLE TRIGGER insight_sales_sources_build_rfm,
    ENABLE TRIGGER insight_sales_sources_build_churn;
