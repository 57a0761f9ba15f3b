
-- The churn views read insight_active_model('churn'), a row of insight_models,
-- whose columns a view fixes when it is created: replaced here, after every
-- change to insight_models (30_tasks.sql adds evaluation_weights), from the
-- current definitions, for the registered customer key type (text without a
-- registration), as the registration creates them.  CREATE OR REPLACE keeps
-- them members of the extension with their privileges and comments.
DO $$
DECLARE
    stmt pg_catalog.text;
BEGIN
    FOREACH stmt IN ARRAY @extschema@.insight_churn_views_sql(@extschema@.insight_customer_key_type()) LOOP
        EXECUTE pg_catalog.regexp_replace(stmt, '^\s*CREATE VIEW', 'CREATE OR REPLACE VIEW');
    END LOOP;
END
$$;

-- comments of the columns added since 0.1.0 (expected_spend, value_model_id)
SELECT @extschema@.insight_comment_churn_views();
