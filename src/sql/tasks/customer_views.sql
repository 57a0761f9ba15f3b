-- ---------------------------------------------------------------------------
-- The customer views (insight_churn_scores, insight_customer_360,
-- insight_retention_targets; see insight_churn_views_sql in tasks/churn.sql),
-- created once the functions of every concern they join exist.  A
-- registration creates them again with the source's key type.
-- ---------------------------------------------------------------------------

SELECT @extschema@.insight_create_churn_views('pg_catalog.text'::pg_catalog.regtype);
