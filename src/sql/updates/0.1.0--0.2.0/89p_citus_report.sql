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

CREATE OR REPLACE FUNCTION @extschema@.insight_build_window_objects()
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
    -- the report's pass by order (insight_sales_orders), in both forms as
    -- the window: the lines of each (customer, time, order)
    order_aggregates CONSTANT pg_catalog.text := $a$s.customer_id, s.ordered_at, s.order_id, pg_catalog.count(*),
       pg_catalog.bool_or(s.quantity OPERATOR(pg_catalog.>) 0 AND s.amount OPERATOR(pg_catalog.>=) 0),
       pg_catalog.sum(s.amount) FILTER (WHERE s.amount OPERATOR(pg_catalog.>) 0),
       pg_catalog.sum(s.amount::pg_catalog.numeric) FILTER (WHERE s.quantity OPERATOR(pg_catalog.>) 0 AND s.amount OPERATOR(pg_catalog.>=) 0)$a$;
    orders_sql CONSTANT pg_catalog.text := $f$
CREATE FUNCTION @extschema@.insight_sales_orders(before timestamptz)
RETURNS TABLE (customer_id %(customer_type)s, ordered_at timestamptz, order_id %(order_type)s, lines bigint,
               purchase boolean, revenue float8, spend numeric)
LANGUAGE sql STABLE PARALLEL SAFE
AS $fbody$
SELECT %(aggregates)s
  FROM @extschema@.insight_sales s
 WHERE $1 IS NULL OR s.ordered_at OPERATOR(pg_catalog.<) $1
 GROUP BY s.customer_id, s.ordered_at, s.order_id
$fbody$ $f$;
    citus_orders_sql CONSTANT pg_catalog.text := $f$
CREATE FUNCTION @extschema@.insight_sales_orders(before timestamptz)
RETURNS TABLE (customer_id %(customer_type)s, ordered_at timestamptz, order_id %(order_type)s, lines bigint,
               purchase boolean, revenue float8, spend numeric)
LANGUAGE plpgsql STABLE
AS $fbody$
BEGIN
    RETURN QUERY EXECUTE pg_catalog.format(%(query)L, $1);
END
$fbody$ $f$;
    citus_orders_query CONSTANT pg_catalog.text := $q$
SELECT %(aggregates)s
  FROM (%(lines)s) s
 WHERE %1$L::pg_catalog.timestamptz IS NULL OR s.ordered_at OPERATOR(pg_catalog.<) %1$L::pg_catalog.timestamptz
 GROUP BY s.customer_id, s.ordered_at, s.order_id$q$;
    built CONSTANT pg_catalog.text[] := ARRAY['@extschema@.insight_sales_window(timestamptz, timestamptz)',
                                              '@extschema@.insight_sales_orders(timestamptz)'];
    fn pg_catalog.text;
    cust_type pg_catalog.text := @extschema@.insight_qualified_type(
        @extschema@.insight_source_column(NEW.source, NEW.customer_column, 'customer', 'key'));
    -- (insight_sales has the registration's columns: its trigger fired first)
    order_type pg_catalog.text := (SELECT @extschema@.insight_qualified_type(a.atttypid::pg_catalog.regtype)
                                     FROM pg_catalog.pg_attribute a
                                    WHERE a.attrelid OPERATOR(pg_catalog.=) '@extschema@.insight_sales'::pg_catalog.regclass
                                      AND a.attname OPERATOR(pg_catalog.=) 'order_id');
    -- (built by insight_build_sales_objects, whose trigger fires first)
    lines pg_catalog.text := pg_catalog.replace(@extschema@.insight_sales_pushdown_lines(), '%', '%%');
BEGIN
    FOREACH fn IN ARRAY built LOOP
        EXECUTE pg_catalog.format('ALTER EXTENSION insight DROP FUNCTION %s', fn);
        EXECUTE pg_catalog.format('DROP FUNCTION %s', fn);
    END LOOP;
    IF lines IS NULL THEN
        EXECUTE @extschema@.insight_fill_sql(function_sql, pg_catalog.jsonb_build_object(
            'customer_type', cust_type, 'aggregates', aggregates));
        EXECUTE @extschema@.insight_fill_sql(orders_sql, pg_catalog.jsonb_build_object(
            'customer_type', cust_type, 'order_type', order_type, 'aggregates', order_aggregates));
    ELSE
        EXECUTE @extschema@.insight_fill_sql(citus_function_sql, pg_catalog.jsonb_build_object(
            'customer_type', cust_type,
            'query', @extschema@.insight_fill_sql(citus_query, pg_catalog.jsonb_build_object(
                'aggregates', aggregates, 'lines', lines))));
        EXECUTE @extschema@.insight_fill_sql(citus_orders_sql, pg_catalog.jsonb_build_object(
            'customer_type', cust_type, 'order_type', order_type,
            'query', @extschema@.insight_fill_sql(citus_orders_query, pg_catalog.jsonb_build_object(
                'aggregates', order_aggregates, 'lines', lines))));
    END IF;
    -- (members already when created by an update script of the extension)
    FOREACH fn IN ARRAY built LOOP
        IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d
                        WHERE d.classid OPERATOR(pg_catalog.=) 'pg_catalog.pg_proc'::pg_catalog.regclass
                          AND d.objid OPERATOR(pg_catalog.=) pg_catalog.to_regprocedure(fn)
                          AND d.deptype OPERATOR(pg_catalog.=) 'e') THEN
            EXECUTE pg_catalog.format('ALTER EXTENSION insight ADD FUNCTION %s', fn);
        END IF;
    END LOOP;
    COMMENT ON FUNCTION @extschema@.insight_sales_window(timestamptz, timestamptz) IS
'One row per customer (key in the source''s type; NULL for the guest lines kept with drop_missing_customer = false) with a kept line of insight_sales in [since, until): bought = some line has amount > 0 (a purchase, as in insight_customer_features), net = the sum of the amounts of those lines (returns negative; summed as numeric, then float8: the same bits in any plan). The churn label (insight_churn_training_rows: churned = not bought in [cutoff, cutoff + horizon)) and the value label (insight_value_training_rows: spend = net, 0 when negative). Rebuilt at every registration: a SQL function over insight_sales, or on Citus, for a source distributed by customer (insight_sales_pushdown_lines() not NULL), one query over the source grouped by the distribution column that Citus sends whole to every shard, so that one row per customer reaches the coordinator.';
    COMMENT ON FUNCTION @extschema@.insight_sales_orders(timestamptz) IS
'One row per order of the kept lines of insight_sales strictly before before (NULL: every line): customer_id (in the source''s type; NULL for the guest lines kept with drop_missing_customer = false), ordered_at and order_id (in the source''s type) of the order''s lines, lines = their number, purchase = some line has quantity > 0 and amount >= 0, revenue = the sum of the positive amounts (float8; NULL when none), spend = the sum of the purchase lines'' amounts (numeric, exact; NULL when none). The report''s pass over the sales (insight_report_today, insight_report). Rebuilt at every registration: a SQL function over insight_sales, or on Citus, for a source distributed by customer (insight_sales_pushdown_lines() not NULL), one query over the source grouped by the distribution column that Citus sends whole to every shard, so that one row per order reaches the coordinator.';
    RETURN NULL;
END
$build$;

COMMENT ON FUNCTION @extschema@.insight_build_window_objects() IS
'Trigger function on insight_sales_sources (AFTER INSERT OR UPDATE, after insight_build_sales_objects): drops and creates insight_sales_window(timestamptz, timestamptz) and insight_sales_orders(timestamptz) again with the registered customer (and order) key types and comments them: each a SQL function over insight_sales, or, when insight_sales_pushdown_lines() gives the lines (Citus, a source distributed by customer), PL/pgSQL running the same aggregates over those lines through EXECUTE, with the bounds as literals, which Citus sends whole to the shards. Runs as the extension''s owner (SECURITY DEFINER, search_path pinned).';

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

CREATE OR REPLACE FUNCTION @extschema@.insight_group_purchases(cutoff timestamptz, until timestamptz, item_groups text[],
                                                    customer text DEFAULT NULL)
RETURNS TABLE (customer_id text, n integer, orders float8, days float8, bought boolean)
LANGUAGE plpgsql STABLE
SET TimeZone = 'UTC'
AS $$
#variable_conflict use_column
BEGIN
    RETURN QUERY EXECUTE pg_catalog.format($q$
        SELECT s.customer_id::pg_catalog.text, g.n::integer,
               (pg_catalog.count(DISTINCT s.order_id) FILTER (WHERE s.ordered_at OPERATOR(pg_catalog.<) %2$L::pg_catalog.timestamptz))::pg_catalog.float8,
               pg_catalog.date_part('epoch', %2$L::pg_catalog.timestamptz OPERATOR(pg_catalog.-)
                                             pg_catalog.max(s.ordered_at) FILTER (WHERE s.ordered_at OPERATOR(pg_catalog.<) %2$L::pg_catalog.timestamptz))
                   OPERATOR(pg_catalog./) 86400,
               pg_catalog.bool_or(s.ordered_at OPERATOR(pg_catalog.>=) %2$L::pg_catalog.timestamptz)
          FROM %1$s s
          LEFT JOIN @extschema@.insight_items i ON i.item_id OPERATOR(pg_catalog.=) s.item_id::pg_catalog.text
          JOIN pg_catalog.unnest(%4$L::pg_catalog.text[]) WITH ORDINALITY g(item_group, n)
            ON g.item_group OPERATOR(pg_catalog.=) COALESCE(i.category, s.item_id::pg_catalog.text)
         WHERE s.quantity OPERATOR(pg_catalog.>) 0 AND s.ordered_at OPERATOR(pg_catalog.<) %3$L::pg_catalog.timestamptz
           AND (%5$L::pg_catalog.text IS NULL OR s.customer_id::pg_catalog.text OPERATOR(pg_catalog.=) %5$L::pg_catalog.text)
         GROUP BY s.customer_id, 1, 2 $q$, @extschema@.insight_sales_lines_from(), cutoff, until, item_groups, customer);
END
$$;

COMMENT ON FUNCTION @extschema@.insight_group_purchases(timestamptz, timestamptz, text[], text) IS
'The propensity task''s pass over the lines: one row per customer (key as text) and group of item_groups (n: its position, from 1; groups as insight_item_group gives them) with a purchase from the group (a kept line of quantity > 0) before until; orders = distinct orders with the group before cutoff (0 when none), days = days from the last such purchase to cutoff (NULL when none), bought = a purchase from the group in [cutoff, until). With customer, only that customer (keys compared as text). Used by insight_propensity_rows. One query over insight_sales_lines_from() grouped by the customer key: on Citus, for a source distributed by customer (insight_sales_pushdown_lines() not NULL), over the source, grouped by the distribution column, which Citus sends whole to the shards (with insight_items as an intermediate result), so that one row per customer and group reaches the coordinator; elsewhere over insight_sales.';

--@ function src/sql/tasks/propensity.sql insight_propensity_audience

--@ comment src/sql/tasks/propensity.sql insight_propensity_audience

--@ function src/sql/tasks/targeting.sql insight_target_audience

--@ comment src/sql/tasks/targeting.sql insight_target_audience

--@ function src/sql/tasks/report.sql insight_report

--@ comment src/sql/tasks/report.sql insight_report

--@ function src/sql/tasks/report_html.sql insight_report_today

--@ comment src/sql/tasks/report_html.sql insight_report_today
