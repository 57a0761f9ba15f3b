-- Issue 19, part 3: what still gathered every line on Citus.  The report's
-- pass over the sales by order (insight_sales_orders(before), generated at
-- registration with insight_sales_window by insight_build_window_objects)
-- and the audiences' recent buyers (insight_recent_buyers) run on the shards
-- for a source distributed by customer.  The passes written once for both
-- forms take their FROM item from insight_sales_lines_from() (the CLV
-- holdout and setup, the propensity task's passes).

--@ function src/sql/features/sales_window.sql insight_sales_lines_from

COMMENT ON FUNCTION @extschema@.insight_sales_lines_from() IS
'The FROM item of a pass over the kept lines of the registered sales, as SQL text for EXECUTE (alias it s; its columns are those of insight_sales): on Citus, for a source distributed by customer, the lines query of insight_sales_pushdown_lines() in parentheses, so that a query grouped by s.customer_id (the distribution column) runs whole on the shards and only its groups reach the coordinator; elsewhere (a single node, a source distributed another way, no source) the view insight_sales. Used by insight_clv_holdout_purchases, insight_group_purchases and insight_recent_buyers.';

--@ function src/sql/features/sales_window.sql insight_recent_buyers

--@ comment src/sql/features/sales_window.sql insight_recent_buyers

CREATE FUNCTION @extschema@.insight_sales_orders(before timestamptz)
RETURNS TABLE (customer_id text, ordered_at timestamptz, order_id text, lines bigint, purchase boolean,
               revenue float8, spend numeric)
LANGUAGE sql STABLE PARALLEL SAFE
AS $$ SELECT NULL::pg_catalog.text, NULL::pg_catalog.timestamptz, NULL::pg_catalog.text, NULL::bigint, NULL::boolean,
             NULL::pg_catalog.float8, NULL::pg_catalog.numeric
        FROM @extschema@.insight_no_sales_source() s $$;

COMMENT ON FUNCTION @extschema@.insight_sales_orders(timestamptz) IS
'Per order of the kept lines before a time (rebuilt when a sales source is registered).';

--@ function src/sql/features/sales_window.sql insight_build_window_objects

--@ comment src/sql/features/sales_window.sql insight_build_window_objects

ALTER FUNCTION @extschema@.insight_build_window_objects() SECURITY DEFINER SET search_path = pg_catalog, pg_temp;

-- a registered source gets its insight_sales_orders() from the window's
-- build trigger, fired by an UPDATE; the other objects built at
-- registration are current, so their triggers sit this one out
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

--@ function src/sql/tasks/clv.sql insight_clv_setup

--@ function src/sql/tasks/clv.sql insight_clv_holdout_purchases

--@ comment src/sql/tasks/clv.sql insight_clv_holdout_purchases

--@ function src/sql/tasks/propensity.sql insight_top_item_groups

--@ function src/sql/tasks/propensity.sql insight_group_purchases

--@ comment src/sql/tasks/propensity.sql insight_group_purchases

--@ function src/sql/tasks/propensity.sql insight_propensity_audience

--@ comment src/sql/tasks/propensity.sql insight_propensity_audience

--@ function src/sql/tasks/targeting.sql insight_target_audience

--@ comment src/sql/tasks/targeting.sql insight_target_audience

--@ function src/sql/tasks/report.sql insight_report

--@ comment src/sql/tasks/report.sql insight_report

--@ function src/sql/tasks/report_html.sql insight_report_today

--@ comment src/sql/tasks/report_html.sql insight_report_today
