-- ---------------------------------------------------------------------------
-- Interactions from the registered sales source, and readable item names.
-- ---------------------------------------------------------------------------

-- The pairs of insight_interactions as one query for the shards: on Citus,
-- for a source distributed by customer, grouped by the customer key in its
-- own type (the distribution column) as well as by its text, which splits no
-- group (equal texts are equal keys), with as_of, since and measure as
-- literals (Citus refuses parameters in the queries of SQL functions).  Its
-- first column, the key in the source's type, lets a table co-located with
-- the source be filled by INSERT ... SELECT on each shard
-- (insight_training_table).
CREATE FUNCTION @extschema@.insight_interactions_sql(as_of timestamptz, since timestamptz, measure text)
RETURNS text
LANGUAGE plpgsql STABLE PARALLEL SAFE
AS $$
DECLARE
    lines pg_catalog.text := @extschema@.insight_sales_pushdown_lines();
BEGIN
    IF measure IS NULL OR NOT measure OPERATOR(pg_catalog.=) ANY ('{orders,quantity,log_quantity}'::pg_catalog.text[]) THEN
        RAISE EXCEPTION 'unrecognized interaction measure "%"', measure
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Valid measures are orders, quantity and log_quantity.';
    END IF;
    IF lines IS NULL THEN
        RETURN NULL;
    END IF;
    RETURN pg_catalog.format($q$
    SELECT g.customer_key, g.customer_id, g.item_id, g.value
      FROM (SELECT s.customer_id AS customer_key, s.customer_id::pg_catalog.text AS customer_id, s.item_id::pg_catalog.text AS item_id,
                   CASE WHEN %4$L OPERATOR(pg_catalog.=) 'orders'
                            THEN (pg_catalog.count(DISTINCT s.order_id) FILTER (WHERE s.quantity OPERATOR(pg_catalog.>) 0)
                                  OPERATOR(pg_catalog.-) pg_catalog.count(DISTINCT s.order_id) FILTER (WHERE s.quantity OPERATOR(pg_catalog.<) 0))::pg_catalog.float8
                        WHEN %4$L OPERATOR(pg_catalog.=) 'quantity' THEN pg_catalog.sum(s.quantity)
                        WHEN pg_catalog.sum(s.quantity) OPERATOR(pg_catalog.>) 0
                            THEN pg_catalog.ln(1 OPERATOR(pg_catalog.+) pg_catalog.sum(s.quantity))
                   END AS value
              FROM (%1$s) s
             WHERE s.customer_id IS NOT NULL AND s.item_id IS NOT NULL
               AND (%2$L::pg_catalog.timestamptz IS NULL OR s.ordered_at OPERATOR(pg_catalog.<) %2$L::pg_catalog.timestamptz)
               AND (%3$L::pg_catalog.timestamptz IS NULL OR s.ordered_at OPERATOR(pg_catalog.>=) %3$L::pg_catalog.timestamptz)
             GROUP BY s.customer_id, 2, 3) g
     WHERE g.value OPERATOR(pg_catalog.>) 0 $q$, lines, as_of, since, measure);
END
$$;

COMMENT ON FUNCTION @extschema@.insight_interactions_sql(timestamptz, timestamptz, text) IS
'The pass of insight_interactions(as_of, since, measure) as SQL text (the arguments as literals in it), with the columns customer_key (the customer in the source''s type), customer_id and item_id (text) and value (float8), unordered, when the source is read on the shards (insight_sales_pushdown_lines() not NULL): grouped by the distribution column, it runs whole on each shard, also inside an INSERT ... SELECT into a table co-located with the source (insight_training_table) and under an aggregate such as insight_interactions_pack (worker_partial_agg). NULL in a database without Citus, for a source distributed another way, and before any registration. 22023 for a measure other than orders, quantity and log_quantity.';

-- Built-ins are qualified: a public.= or public.sum cannot capture these calls.
CREATE FUNCTION @extschema@.insight_interactions(as_of timestamptz DEFAULT NULL,
    since timestamptz DEFAULT NULL, measure text DEFAULT 'orders')
RETURNS TABLE (customer_id text, item_id text, value float8)
LANGUAGE plpgsql STABLE PARALLEL SAFE
AS $$
#variable_conflict use_column
DECLARE q pg_catalog.text; BEGIN  -- (one line: the line numbers of its errors stay)
    IF measure IS NULL OR NOT measure OPERATOR(pg_catalog.=) ANY ('{orders,quantity,log_quantity}'::pg_catalog.text[]) THEN
        RAISE EXCEPTION 'unrecognized interaction measure "%"', measure
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Valid measures are orders, quantity and log_quantity.';
    END IF;
    -- on Citus, for a source distributed by customer, the pairs from one
    -- query that Citus sends whole to the shards
    q := @extschema@.insight_interactions_sql(as_of, since, measure);
    IF q IS NOT NULL THEN
        RETURN QUERY EXECUTE pg_catalog.format('SELECT g.customer_id, g.item_id, g.value FROM (%s) g', q);
        RETURN;
    END IF;
    RETURN QUERY
    SELECT g.customer_id, g.item_id, v.value
      FROM (SELECT s.customer_id::pg_catalog.text AS customer_id, s.item_id::pg_catalog.text AS item_id,
                   pg_catalog.count(DISTINCT s.order_id) FILTER (WHERE s.quantity OPERATOR(pg_catalog.>) 0) AS bought,
                   pg_catalog.count(DISTINCT s.order_id) FILTER (WHERE s.quantity OPERATOR(pg_catalog.<) 0) AS returned,
                   pg_catalog.sum(s.quantity) AS net_quantity
              FROM @extschema@.insight_sales s
             WHERE s.customer_id IS NOT NULL AND s.item_id IS NOT NULL
               AND (insight_interactions.as_of IS NULL OR s.ordered_at OPERATOR(pg_catalog.<) insight_interactions.as_of)
               AND (insight_interactions.since IS NULL OR s.ordered_at OPERATOR(pg_catalog.>=) insight_interactions.since)
             GROUP BY 1, 2) g
     CROSS JOIN LATERAL (
            SELECT CASE WHEN insight_interactions.measure OPERATOR(pg_catalog.=) 'orders'
                            THEN (g.bought OPERATOR(pg_catalog.-) g.returned)::pg_catalog.float8
                        WHEN insight_interactions.measure OPERATOR(pg_catalog.=) 'quantity' THEN g.net_quantity
                        WHEN g.net_quantity OPERATOR(pg_catalog.>) 0
                            THEN pg_catalog.ln(1 OPERATOR(pg_catalog.+) g.net_quantity)
                   END AS value) v
     WHERE v.value OPERATOR(pg_catalog.>) 0;
END
$$;

COMMENT ON FUNCTION @extschema@.insight_interactions(timestamptz, timestamptz, text) IS
'Implicit feedback from the registered sales source, one row per (customer, item) with keys as text, from lines in [since, as_of) (NULL: unbounded). value, by measure: orders (default): distinct orders with the item bought minus distinct orders with it returned; quantity: units bought minus units returned; log_quantity: ln(1 + that). Duplicate lines of an order count once for orders and sum for quantity; pairs whose value is <= 0 (returned in full, or returns of purchases before the data) are dropped. The input of insight_als_fit, insight_itemknn_fit and insight_popularity_fit: SELECT customer_id, item_id, value FROM insight_interactions(). On Citus, for a source distributed by customer (insight_sales_pushdown_lines() not NULL), the pairs come from one query grouped by the distribution column (insight_interactions_sql), which Citus sends whole to the shards, so that only the pairs reach the coordinator.';

CREATE TABLE @extschema@.insight_items (
    item_id    text PRIMARY KEY,
    item_name  text,
    category   text
);

COMMENT ON TABLE @extschema@.insight_items IS
'Readable names (and categories) of items, copied from the relation given to insight_register_items(); item_id is the item key as text. Call insight_register_items() again to refresh.';

COMMENT ON COLUMN @extschema@.insight_items.item_id IS 'Item key, as text (the key of insight_sales.item_id).';
COMMENT ON COLUMN @extschema@.insight_items.item_name IS 'Readable name: the most frequent non-NULL name of the item in the relation registered; NULL without a name column.';
COMMENT ON COLUMN @extschema@.insight_items.category IS 'Category: the most frequent non-NULL category of the item; NULL without a category column.';

SELECT pg_catalog.pg_extension_config_dump('@extschema@.insight_items', '');

CREATE FUNCTION @extschema@.insight_register_items(source regclass, item_column name,
    name_column name DEFAULT NULL, category_column name DEFAULT NULL)
RETURNS bigint
LANGUAGE plpgsql
AS $$
DECLARE
    n bigint;
BEGIN
    IF source IS NULL OR item_column IS NULL THEN
        RAISE EXCEPTION 'source and item_column must not be NULL'
            USING ERRCODE = 'null_value_not_allowed';
    END IF;
    PERFORM @extschema@.insight_source_column(source, item_column, 'item', 'key');
    IF name_column IS NOT NULL THEN
        PERFORM @extschema@.insight_source_column(source, name_column, 'name', 'any');
    END IF;
    IF category_column IS NOT NULL THEN
        PERFORM @extschema@.insight_source_column(source, category_column, 'category', 'any');
    END IF;
    DELETE FROM @extschema@.insight_items;
    -- the most frequent name and category of each item, as mode() WITHIN
    -- GROUP (ORDER BY ...) gives them (ties: the first in that order), from
    -- the counts of each (item, name, category): a grouping Citus runs on
    -- the shards (partial counts summed on the coordinator), so the distinct
    -- triples reach the coordinator, not the lines (mode() itself would
    -- gather every line)
    EXECUTE pg_catalog.format($q$
        WITH c AS (
            SELECT (s.%1$I)::pg_catalog.text AS item_id, (%2$s)::pg_catalog.text AS item_name,
                   (%3$s)::pg_catalog.text AS category, pg_catalog.count(*) AS n
              FROM %4$s s
             WHERE s.%1$I IS NOT NULL
             GROUP BY 1, 2, 3)
        INSERT INTO @extschema@.insight_items (item_id, item_name, category)
        SELECT k.item_id, nm.item_name, ct.category
          FROM (SELECT DISTINCT c.item_id FROM c) k
          LEFT JOIN (SELECT DISTINCT ON (c.item_id) c.item_id, c.item_name FROM c
                      WHERE c.item_name IS NOT NULL GROUP BY 1, 2
                      ORDER BY c.item_id, pg_catalog.sum(c.n) DESC, c.item_name) nm ON nm.item_id OPERATOR(pg_catalog.=) k.item_id
          LEFT JOIN (SELECT DISTINCT ON (c.item_id) c.item_id, c.category FROM c
                      WHERE c.category IS NOT NULL GROUP BY 1, 2
                      ORDER BY c.item_id, pg_catalog.sum(c.n) DESC, c.category) ct ON ct.item_id OPERATOR(pg_catalog.=) k.item_id $q$,
        item_column,
        CASE WHEN name_column IS NULL THEN 'NULL' ELSE pg_catalog.format('s.%I', name_column) END,
        CASE WHEN category_column IS NULL THEN 'NULL' ELSE pg_catalog.format('s.%I', category_column) END,
        source);
    GET DIAGNOSTICS n = ROW_COUNT;
    RETURN n;
END
$$;

COMMENT ON FUNCTION @extschema@.insight_register_items(regclass, name, name, name) IS
'Give items readable names (and categories) in every recommender output: copies, per distinct item key, the most frequent non-NULL name and category of the relation into insight_items (replacing what was there; ties: the first in text order, as mode() WITHIN GROUP (ORDER BY ...)). Returns the number of items. Counts each (item, name, category) in one grouping, which Citus runs on the shards for a distributed relation (the distinct triples reach the coordinator, not the lines). Errors: 42703 missing column, 42804 unusable item column type, 42501 no SELECT privilege.';

CREATE FUNCTION @extschema@.insight_item_name(item_id text)
RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE
AS $$ SELECT i.item_name FROM @extschema@.insight_items i WHERE i.item_id OPERATOR(pg_catalog.=) $1 $$;

COMMENT ON FUNCTION @extschema@.insight_item_name(text) IS
'The registered name of an item (insight_register_items), or NULL.';
