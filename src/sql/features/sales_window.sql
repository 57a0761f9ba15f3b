-- ---------------------------------------------------------------------------
-- What each customer did in a window of time: the labels of the churn and
-- value tasks (a purchase, the net spend in [cutoff, cutoff + horizon)).
--
-- insight_sales_window() is rebuilt, like insight_clv_summary, at every
-- registration so that customer_id keeps the source's type (the tasks join
-- it to insight_customer_features in that type): the trigger
-- insight_sales_sources_build_window fires after insight_sales_sources_build
-- (triggers fire in name order), when insight_sales and
-- insight_sales_pushdown_lines() have their new shape.  On a single node it
-- is a SQL function over insight_sales, inlined into the task's query; on
-- Citus, for a source distributed by customer, one query grouped by the
-- distribution column that Citus sends whole to the shards, so that one row
-- per customer reaches the coordinator instead of every line of the window.
-- ---------------------------------------------------------------------------

-- Placeholder until a source is registered (raises "no sales source is registered").
CREATE FUNCTION @extschema@.insight_sales_window(since timestamptz, until timestamptz)
RETURNS TABLE (customer_id text, bought boolean, net float8)
LANGUAGE sql STABLE PARALLEL SAFE
AS $$ SELECT s.customer_id, NULL::boolean, NULL::pg_catalog.float8
        FROM @extschema@.insight_no_sales_source() s $$;

COMMENT ON FUNCTION @extschema@.insight_sales_window(timestamptz, timestamptz) IS
'Per customer with a kept line in [since, until) (rebuilt when a sales source is registered).';

CREATE FUNCTION @extschema@.insight_build_window_objects()
RETURNS trigger
LANGUAGE plpgsql
AS $build$
DECLARE
    -- the aggregates of both forms (s: the lines of the window); the amounts
    -- summed as numeric: exact, so the same lines give the same bits in any
    -- plan and on any number of shards
    aggregates CONSTANT pg_catalog.text := $a$s.customer_id, pg_catalog.bool_or(s.amount OPERATOR(pg_catalog.>) 0),
       pg_catalog.sum(s.amount::pg_catalog.numeric)::pg_catalog.float8$a$;
    function_sql CONSTANT pg_catalog.text := $f$
CREATE FUNCTION @extschema@.insight_sales_window(since timestamptz, until timestamptz)
RETURNS TABLE (customer_id %(customer_type)s, bought boolean, net float8)
LANGUAGE sql STABLE PARALLEL SAFE
AS $fbody$
SELECT %(aggregates)s
  FROM @extschema@.insight_sales s
 WHERE s.ordered_at OPERATOR(pg_catalog.>=) $1 AND s.ordered_at OPERATOR(pg_catalog.<) $2
 GROUP BY s.customer_id
$fbody$ $f$;
    -- On Citus (insight_sales_pushdown_lines() not NULL): the same query over
    -- the source itself, run through EXECUTE with the bounds as literals
    -- (Citus refuses parameters in the queries of SQL functions); grouped by
    -- the distribution column, it runs whole on each shard.
    citus_function_sql CONSTANT pg_catalog.text := $f$
CREATE FUNCTION @extschema@.insight_sales_window(since timestamptz, until timestamptz)
RETURNS TABLE (customer_id %(customer_type)s, bought boolean, net float8)
LANGUAGE plpgsql STABLE
AS $fbody$
BEGIN
    RETURN QUERY EXECUTE pg_catalog.format(%(query)L, $1, $2);
END
$fbody$ $f$;
    citus_query CONSTANT pg_catalog.text := $q$
SELECT %(aggregates)s
  FROM (%(lines)s) s
 WHERE s.ordered_at OPERATOR(pg_catalog.>=) %1$L::pg_catalog.timestamptz
   AND s.ordered_at OPERATOR(pg_catalog.<) %2$L::pg_catalog.timestamptz
 GROUP BY s.customer_id$q$;
    cust_type pg_catalog.text := @extschema@.insight_qualified_type(
        @extschema@.insight_source_column(NEW.source, NEW.customer_column, 'customer', 'key'));
    -- (built by insight_build_sales_objects, whose trigger fires first)
    lines pg_catalog.text := pg_catalog.replace(@extschema@.insight_sales_pushdown_lines(), '%', '%%');
BEGIN
    ALTER EXTENSION insight DROP FUNCTION @extschema@.insight_sales_window(timestamptz, timestamptz);
    DROP FUNCTION @extschema@.insight_sales_window(timestamptz, timestamptz);
    IF lines IS NULL THEN
        EXECUTE @extschema@.insight_fill_sql(function_sql, pg_catalog.jsonb_build_object(
            'customer_type', cust_type, 'aggregates', aggregates));
    ELSE
        EXECUTE @extschema@.insight_fill_sql(citus_function_sql, pg_catalog.jsonb_build_object(
            'customer_type', cust_type,
            'query', @extschema@.insight_fill_sql(citus_query, pg_catalog.jsonb_build_object(
                'aggregates', aggregates, 'lines', lines))));
    END IF;
    -- (a member already when created by an update script of the extension)
    IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d
                    WHERE d.classid OPERATOR(pg_catalog.=) 'pg_catalog.pg_proc'::pg_catalog.regclass
                      AND d.objid OPERATOR(pg_catalog.=) pg_catalog.to_regprocedure('@extschema@.insight_sales_window(timestamptz, timestamptz)')
                      AND d.deptype OPERATOR(pg_catalog.=) 'e') THEN
        ALTER EXTENSION insight ADD FUNCTION @extschema@.insight_sales_window(timestamptz, timestamptz);
    END IF;
    COMMENT ON FUNCTION @extschema@.insight_sales_window(timestamptz, timestamptz) IS
'One row per customer (key in the source''s type; NULL for the guest lines kept with drop_missing_customer = false) with a kept line of insight_sales in [since, until): bought = some line has amount > 0 (a purchase, as in insight_customer_features), net = the sum of the amounts of those lines (returns negative; summed as numeric, then float8: the same bits in any plan). The churn label (insight_churn_training_rows: churned = not bought in [cutoff, cutoff + horizon)) and the value label (insight_value_training_rows: spend = net, 0 when negative). Rebuilt at every registration: a SQL function over insight_sales, or on Citus, for a source distributed by customer (insight_sales_pushdown_lines() not NULL), one query over the source grouped by the distribution column that Citus sends whole to every shard, so that one row per customer reaches the coordinator.';
    RETURN NULL;
END
$build$;

COMMENT ON FUNCTION @extschema@.insight_build_window_objects() IS
'Trigger function on insight_sales_sources (AFTER INSERT OR UPDATE, after insight_build_sales_objects): drops and creates insight_sales_window(timestamptz, timestamptz) again with the registered customer key type and comments it: a SQL function over insight_sales, or, when insight_sales_pushdown_lines() gives the lines (Citus, a source distributed by customer), PL/pgSQL running the same aggregates over those lines through EXECUTE, with the bounds as literals, which Citus sends whole to the shards. Runs as the extension''s owner (SECURITY DEFINER, search_path pinned).';

CREATE TRIGGER insight_sales_sources_build_window
    AFTER INSERT OR UPDATE ON @extschema@.insight_sales_sources
    FOR EACH ROW EXECUTE FUNCTION @extschema@.insight_build_window_objects();
