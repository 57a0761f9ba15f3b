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
-- insight_sales_orders(before) (the report's pass over the sales, by order)
-- is rebuilt with it in the same way.
--
-- The passes written once for both forms take their FROM item from
-- insight_sales_lines_from() and run through EXECUTE.
-- ---------------------------------------------------------------------------

-- The FROM item of a pass over the kept lines, for EXECUTE (alias it s).
CREATE FUNCTION @extschema@.insight_sales_lines_from()
RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE
AS $$
    SELECT COALESCE('(' OPERATOR(pg_catalog.||) @extschema@.insight_sales_pushdown_lines() OPERATOR(pg_catalog.||) ')',
                    '@extschema@.insight_sales')
$$;

COMMENT ON FUNCTION @extschema@.insight_sales_lines_from() IS
'The FROM item of a pass over the kept lines of the registered sales, as SQL text for EXECUTE (alias it s; its columns are those of insight_sales): on Citus, for a source distributed by customer, the lines query of insight_sales_pushdown_lines() in parentheses, so that a query grouped by s.customer_id (the distribution column) runs whole on the shards and only its groups reach the coordinator; elsewhere (a single node, a source distributed another way, no source) the view insight_sales. Used by insight_clv_setup, insight_clv_holdout_purchases, insight_top_item_groups, insight_group_purchases, insight_recent_buyers and insight_top_items.';

-- The customers who bought an item, or from an item group, in a window.
CREATE FUNCTION @extschema@.insight_recent_buyers(since timestamptz, until timestamptz,
                                                  item text DEFAULT NULL, item_group text DEFAULT NULL)
RETURNS TABLE (customer_id text)
LANGUAGE plpgsql STABLE
SET TimeZone = 'UTC'
AS $$
BEGIN
    IF since IS NULL OR until IS NULL THEN
        RETURN;
    END IF;
    -- grouped by the customer: on Citus the whole query runs on the shards
    -- (insight_items, a table of the coordinator, goes with it as an
    -- intermediate result when a group is asked), and one row per buyer
    -- reaches the coordinator
    RETURN QUERY EXECUTE pg_catalog.format($q$
        SELECT s.customer_id::pg_catalog.text
          FROM %1$s s %4$s
         WHERE s.quantity OPERATOR(pg_catalog.>) 0
           AND s.ordered_at OPERATOR(pg_catalog.>=) %2$L::pg_catalog.timestamptz
           AND s.ordered_at OPERATOR(pg_catalog.<) %3$L::pg_catalog.timestamptz
           AND %5$s OPERATOR(pg_catalog.=) %6$L::pg_catalog.text
         GROUP BY s.customer_id $q$, @extschema@.insight_sales_lines_from(), since, until,
        CASE WHEN item_group IS NOT NULL
             THEN 'LEFT JOIN @extschema@.insight_items i ON i.item_id OPERATOR(pg_catalog.=) s.item_id::pg_catalog.text' ELSE '' END,
        CASE WHEN item_group IS NOT NULL
             THEN 'COALESCE(i.category, s.item_id::pg_catalog.text)' ELSE 's.item_id::pg_catalog.text' END,
        COALESCE(item_group, item));
END
$$;

COMMENT ON FUNCTION @extschema@.insight_recent_buyers(timestamptz, timestamptz, text, text) IS
'The customers (keys as text, once each) with a purchase (a kept line of quantity > 0) in [since, until) of item (its key as text), or, when item_group is given, of an item of that group (insight_item_group: the item''s category in insight_items, else the item itself). No rows when since, until or both item and item_group are NULL. The recent buyers that insight_target_audience and insight_propensity_audience leave out. One query grouped by the customer over insight_sales_lines_from(): on Citus, for a source distributed by customer, it runs whole on the shards (with insight_items as an intermediate result when item_group is given), so that one row per buyer reaches the coordinator.';

-- The items bought by the most customers in a window (the report's top items).
CREATE FUNCTION @extschema@.insight_top_items(since timestamptz, until timestamptz,
                                              min_buyers bigint DEFAULT 1, top integer DEFAULT 10)
RETURNS TABLE (item_id text, buyers bigint)
LANGUAGE plpgsql STABLE
SET TimeZone = 'UTC'
AS $$
BEGIN
    IF top OPERATOR(pg_catalog.<) 0 THEN
        RAISE EXCEPTION 'top must not be negative'
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = pg_catalog.format('top is %s.', top),
                  HINT = 'Pass the number of items to return: 0 or more, or NULL for all.';
    END IF;
    IF since IS NULL OR until IS NULL THEN
        RETURN;
    END IF;
    -- grouped by the item, the buyers a count of distinct customers: on
    -- Citus, for a source distributed by customer, each shard counts the
    -- buyers of each item among its customers (no customer is on two
    -- shards), one row per item and shard reaches the coordinator, which
    -- sums them, keeps the items with min_buyers and ranks them
    RETURN QUERY EXECUTE pg_catalog.format($q$
        SELECT s.item_id::pg_catalog.text, pg_catalog.count(DISTINCT s.customer_id)
          FROM %1$s s
         WHERE s.amount OPERATOR(pg_catalog.>) 0
           AND s.ordered_at OPERATOR(pg_catalog.>=) %2$L::pg_catalog.timestamptz
           AND s.ordered_at OPERATOR(pg_catalog.<) %3$L::pg_catalog.timestamptz
         GROUP BY 1
        HAVING pg_catalog.count(DISTINCT s.customer_id) OPERATOR(pg_catalog.>=) %4$L::bigint
         ORDER BY 2 DESC, 1
         LIMIT %5$L::bigint $q$, @extschema@.insight_sales_lines_from(), since, until, min_buyers, top);
END
$$;

COMMENT ON FUNCTION @extschema@.insight_top_items(timestamptz, timestamptz, bigint, integer) IS
'The top items (keys as text) by buyers = the number of distinct customers with a kept line of a positive amount in [since, until) (guest lines count no buyer), keeping items with at least min_buyers buyers (NULL: none kept), most buyers first, ties by item key (text order), at most top rows (NULL: all; negative: 22023). No rows when since or until is NULL. The top items of insight_report_html''s recommender section (the 90 days before its as_of, min_buyers insight.min_group_size). One query over insight_sales_lines_from(): on Citus, for a source distributed by customer, the buyers of each item are counted on the shards (a count of distinct values of the distribution column is the sum of the shards'' counts), so that one row per item and shard reaches the coordinator, not the lines.';

-- Placeholder until a source is registered (raises "no sales source is registered").
CREATE FUNCTION @extschema@.insight_sales_window(since timestamptz, until timestamptz)
RETURNS TABLE (customer_id text, bought boolean, net float8)
LANGUAGE sql STABLE PARALLEL SAFE
AS $$ SELECT NULL::pg_catalog.text, NULL::boolean, NULL::pg_catalog.float8
        FROM @extschema@.insight_no_sales_source() s $$;

COMMENT ON FUNCTION @extschema@.insight_sales_window(timestamptz, timestamptz) IS
'Per customer with a kept line in [since, until) (rebuilt when a sales source is registered).';

-- On Citus, insight_sales_window's pass as SQL text; NULL elsewhere (rebuilt
-- at every registration).
CREATE FUNCTION @extschema@.insight_sales_window_sql(since timestamptz, until timestamptz)
RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE
AS $$ SELECT NULL::pg_catalog.text $$;

COMMENT ON FUNCTION @extschema@.insight_sales_window_sql(timestamptz, timestamptz) IS
'The pass of insight_sales_window(since, until) as SQL text (the bounds as literals in it), with its three columns unnamed (alias it w(customer_id, bought, net)), when the source is read on the shards (insight_sales_pushdown_lines() not NULL): grouped by the distribution column, it runs whole on each shard, also joined to insight_customer_features_sql on the customer inside an INSERT ... SELECT into a table co-located with the source (insight_training_table). NULL in a database without Citus, for a source distributed another way, and before any registration. Rebuilt at every registration (insight_build_window_objects) from the same template as insight_sales_window.';

-- Placeholder until a source is registered (raises "no sales source is registered").
CREATE FUNCTION @extschema@.insight_sales_orders(before timestamptz)
RETURNS TABLE (customer_id text, ordered_at timestamptz, order_id text, lines bigint, purchase boolean,
               revenue float8, spend numeric)
LANGUAGE sql STABLE PARALLEL SAFE
AS $$ SELECT NULL::pg_catalog.text, NULL::pg_catalog.timestamptz, NULL::pg_catalog.text, NULL::bigint, NULL::boolean,
             NULL::pg_catalog.float8, NULL::pg_catalog.numeric
        FROM @extschema@.insight_no_sales_source() s $$;

COMMENT ON FUNCTION @extschema@.insight_sales_orders(timestamptz) IS
'Per order of the kept lines before a time (rebuilt when a sales source is registered).';

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
        CREATE OR REPLACE FUNCTION @extschema@.insight_sales_window_sql(since timestamptz, until timestamptz)
        RETURNS text
        LANGUAGE sql STABLE PARALLEL SAFE
        AS $text$ SELECT NULL::pg_catalog.text $text$;
        EXECUTE @extschema@.insight_fill_sql(function_sql, pg_catalog.jsonb_build_object(
            'customer_type', cust_type, 'aggregates', aggregates));
        EXECUTE @extschema@.insight_fill_sql(orders_sql, pg_catalog.jsonb_build_object(
            'customer_type', cust_type, 'order_type', order_type, 'aggregates', order_aggregates));
    ELSE
        -- (the same query as text, for the training rows on the shards)
        EXECUTE pg_catalog.format($sql$
            CREATE OR REPLACE FUNCTION @extschema@.insight_sales_window_sql(since timestamptz, until timestamptz)
            RETURNS text
            LANGUAGE sql STABLE PARALLEL SAFE
            AS $text$ SELECT pg_catalog.format(%L, $1, $2) $text$ $sql$,
            @extschema@.insight_fill_sql(citus_query, pg_catalog.jsonb_build_object('aggregates', aggregates, 'lines', lines)));
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

CREATE TRIGGER insight_sales_sources_build_window
    AFTER INSERT OR UPDATE ON @extschema@.insight_sales_sources
    FOR EACH ROW EXECUTE FUNCTION @extschema@.insight_build_window_objects();
