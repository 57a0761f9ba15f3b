-- Issue 19, part 2: on Citus the labels and the other per-customer passes of
-- the training paths run on the shards for a source distributed by customer.
-- insight_sales_window(since, until) (generated at registration in the
-- customer key type, like insight_clv_summary) gives the churn and value
-- labels; the CLV holdout's actual purchases (insight_clv_holdout_purchases,
-- its spend now summed exactly), the CLV setup's first and last purchase,
-- the propensity task's pass over the lines (insight_group_purchases,
-- insight_top_item_groups) and SASRec's purchases (insight_recommender_rows)
-- read insight_sales_pushdown_lines() on Citus.  A database without Citus
-- gets the same queries as before.

CREATE FUNCTION @extschema@.insight_sales_window(since timestamptz, until timestamptz)
RETURNS TABLE (customer_id text, bought boolean, net float8)
LANGUAGE sql STABLE PARALLEL SAFE
AS $$ SELECT s.customer_id, NULL::boolean, NULL::pg_catalog.float8
        FROM @extschema@.insight_no_sales_source() s $$;

COMMENT ON FUNCTION @extschema@.insight_sales_window(timestamptz, timestamptz) IS
'Per customer with a kept line in [since, until) (rebuilt when a sales source is registered).';

--@ function src/sql/features/sales_window.sql insight_build_window_objects

--@ comment src/sql/features/sales_window.sql insight_build_window_objects

ALTER FUNCTION @extschema@.insight_build_window_objects() SECURITY DEFINER SET search_path = pg_catalog, pg_temp;

CREATE TRIGGER insight_sales_sources_build_window
    AFTER INSERT OR UPDATE ON @extschema@.insight_sales_sources
    FOR EACH ROW EXECUTE FUNCTION @extschema@.insight_build_window_objects();

-- a registered source gets its insight_sales_window() from its build
-- trigger, fired by an UPDATE; the other objects built at registration are
-- current, so their triggers sit this one out
ALTER TABLE @extschema@.insight_sales_sources
    DISABLE TRIGGER insight_sales_sources_build,
    DISABLE TRIGGER insight_sales_sources_build_rfm,
    DISABLE TRIGGER insight_sales_sources_build_clv,
    DISABLE TRIGGER insight_sales_sources_build_churn;
UPDATE @extschema@.insight_sales_sources SET options = options;
ALTER TABLE @extschema@.insight_sales_sources
    ENABLE TRIGGER insight_sales_sources_build,
    ENABLE TRIGGER insight_sales_sources_build_rfm,
    ENABLE TRIGGER insight_sales_sources_build_clv,
    ENABLE TRIGGER insight_sales_sources_build_churn;

--@ function src/sql/tasks/churn.sql insight_churn_training_rows

--@ function src/sql/tasks/value.sql insight_value_training_rows

--@ function src/sql/tasks/clv.sql insight_clv_setup

--@ function src/sql/tasks/clv.sql insight_clv_holdout_purchases

--@ comment src/sql/tasks/clv.sql insight_clv_holdout_purchases

--@ function src/sql/tasks/clv.sql insight_clv_holdout_rows

--@ function src/sql/tasks/recommender.sql insight_recommender_rows

--@ comment src/sql/tasks/recommender.sql insight_recommender_rows

--@ function src/sql/tasks/propensity.sql insight_group_purchases

--@ comment src/sql/tasks/propensity.sql insight_group_purchases

--@ function src/sql/tasks/propensity.sql insight_top_item_groups

--@ function src/sql/tasks/propensity.sql insight_propensity_rows

-- the report named no SASRec model: insight_report_html failed with "no
-- report message" while a SASRec recommender was active
INSERT INTO @extschema@.insight_report_messages (key, lang, message)
VALUES ('algorithm.sasrec', 'en', 'SASRec'), ('algorithm.sasrec', 'zh', 'SASRec');
