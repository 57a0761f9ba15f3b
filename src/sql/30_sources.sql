-- ---------------------------------------------------------------------------
-- Sales source: the shop's order-lines relation, registered once.
--
-- Registration stores the column mapping and cleaning rules in
-- insight_sales_sources (kept by pg_dump).  A trigger on that table then
-- (re)builds two objects from the mapping, as members of the extension:
--   insight_sales                  view of the cleaned rows, keys in the source's types
--   insight_customer_features()    point-in-time customer features
-- The trigger also fires when pg_restore loads the table, so a restored
-- database gets both objects back.  Until a source is registered, both raise
-- "no sales source is registered".
-- ---------------------------------------------------------------------------

CREATE TABLE @extschema@.insight_sales_sources (
    source_kind        text PRIMARY KEY DEFAULT 'sales' CHECK (source_kind = 'sales'),
    source             regclass NOT NULL,
    customer_column    name NOT NULL,
    time_column        name NOT NULL,
    order_column       name,
    item_column        name,
    quantity_column    name,
    amount_column      name,
    unit_price_column  name,
    options            jsonb NOT NULL,
    registered_at      timestamptz NOT NULL DEFAULT pg_catalog.now(),
    registered_by      name NOT NULL DEFAULT CURRENT_USER
);

COMMENT ON TABLE @extschema@.insight_sales_sources IS
'The registered sales source (one row): relation, column mapping and cleaning options with their defaults filled in. Written by insight_register_sales().';

SELECT pg_catalog.pg_extension_config_dump('@extschema@.insight_sales_sources', '');

-- The cleaning rules and their defaults (documented in the README).
CREATE FUNCTION @extschema@.insight_sales_default_options()
RETURNS jsonb
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$ SELECT '{"drop_missing_customer": true,
               "returns": "keep",
               "return_order_prefix": null,
               "exclude_items": [],
               "drop_nonpositive_price": true}'::jsonb $$;

COMMENT ON FUNCTION @extschema@.insight_sales_default_options() IS
'Default cleaning options of insight_register_sales: drop_missing_customer (true: rows without a customer are dropped), returns ("keep": return lines stay in insight_sales with negative quantity and amount; "drop": they are removed), return_order_prefix (null; e.g. "C": orders whose id starts with it are cancellations, treated as returns), exclude_items ([]: item codes that are not products, dropped), drop_nonpositive_price (true: lines with unit price <= 0, or amount 0 without a price column, are dropped).';

-- Raised by the placeholders until a source is registered.
CREATE FUNCTION @extschema@.insight_no_sales_source()
RETURNS TABLE (customer_id text, order_id text, item_id text, ordered_at timestamptz,
               quantity float8, amount float8)
LANGUAGE plpgsql STABLE PARALLEL SAFE
AS $$
BEGIN
    RAISE EXCEPTION 'no sales source is registered'
        USING ERRCODE = 'undefined_object',
              HINT = 'Register the order-lines table with insight_register_sales(source, customer_column, time_column, ...).';
END
$$;

CREATE VIEW @extschema@.insight_sales AS
    SELECT * FROM @extschema@.insight_no_sales_source();

CREATE FUNCTION @extschema@.insight_customer_features(as_of timestamptz DEFAULT NULL)
RETURNS TABLE (customer_id text)
LANGUAGE sql STABLE PARALLEL SAFE
AS $$ SELECT s.customer_id FROM @extschema@.insight_no_sales_source() s $$;

-- The names of the features[] elements, in order.
CREATE FUNCTION @extschema@.insight_feature_names()
RETURNS text[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$ SELECT ARRAY['recency_days', 'frequency', 'monetary', 'tenure_days', 'orders', 'items',
                   'total_spend', 'spend_90d', 'spend_trend', 'mean_days_between_orders',
                   'sd_days_between_orders', 'distinct_items', 'return_rate']::text[] $$;

COMMENT ON FUNCTION @extschema@.insight_feature_names() IS
'Names of the elements of insight_customer_features().features, in order.';

-- Look up a column of the source and check its type family; returns its type.
CREATE FUNCTION @extschema@.insight_source_column(source regclass, col name, role text, allowed text)
RETURNS regtype
LANGUAGE plpgsql STABLE
AS $$
DECLARE
    typ oid;
    base oid;
    category "char";
BEGIN
    SELECT a.atttypid INTO typ FROM pg_catalog.pg_attribute a
     WHERE a.attrelid OPERATOR(pg_catalog.=) source AND a.attname OPERATOR(pg_catalog.=) col
       AND a.attnum OPERATOR(pg_catalog.>) 0 AND NOT a.attisdropped;
    IF typ IS NULL THEN
        RAISE EXCEPTION 'column "%" does not exist in relation %', col, source
            USING ERRCODE = 'undefined_column',
                  DETAIL = pg_catalog.format('The %s column was given as %L.', role, col),
                  HINT = 'Column names are case sensitive; pass them as they appear in the table.';
    END IF;
    IF NOT pg_catalog.has_column_privilege(source, col, 'SELECT') THEN
        RAISE EXCEPTION 'permission denied for column "%" of relation %', col, source
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    base := typ;
    WHILE (SELECT t.typtype FROM pg_catalog.pg_type t WHERE t.oid OPERATOR(pg_catalog.=) base) OPERATOR(pg_catalog.=) 'd' LOOP
        SELECT t.typbasetype INTO base FROM pg_catalog.pg_type t WHERE t.oid OPERATOR(pg_catalog.=) base;
    END LOOP;
    SELECT t.typcategory INTO category FROM pg_catalog.pg_type t WHERE t.oid OPERATOR(pg_catalog.=) base;

    IF (allowed OPERATOR(pg_catalog.=) 'key' AND NOT (category OPERATOR(pg_catalog.=) ANY (ARRAY['N', 'S']::"char"[]) OR base OPERATOR(pg_catalog.=) 'pg_catalog.uuid'::pg_catalog.regtype))
       OR (allowed OPERATOR(pg_catalog.=) 'time' AND NOT base OPERATOR(pg_catalog.=) ANY (ARRAY['pg_catalog.timestamptz', 'pg_catalog.timestamp', 'pg_catalog.date']::pg_catalog.regtype[]))
       OR (allowed OPERATOR(pg_catalog.=) 'number' AND NOT category OPERATOR(pg_catalog.=) 'N')
    THEN
        RAISE EXCEPTION 'column "%" of relation % has type %, which cannot be the % column', col, source, typ::pg_catalog.regtype, role
            USING ERRCODE = 'datatype_mismatch',
                  HINT = CASE allowed
                      WHEN 'key' THEN 'Use a column of an integer, numeric, text or uuid type.'
                      WHEN 'time' THEN 'Use a timestamptz, timestamp or date column.'
                      ELSE 'Use a column of a numeric type (integer, numeric, float8).' END;
    END IF;
    RETURN typ::pg_catalog.regtype;
END
$$;

-- Validate options against the defaults and return them complete.
CREATE FUNCTION @extschema@.insight_sales_options(options jsonb)
RETURNS jsonb
LANGUAGE plpgsql STABLE
AS $$
DECLARE
    defaults jsonb := @extschema@.insight_sales_default_options();
    merged jsonb;
    key text;
    expected text;
BEGIN
    IF options IS NULL THEN
        options := '{}';
    END IF;
    IF pg_catalog.jsonb_typeof(options) OPERATOR(pg_catalog.<>) 'object' THEN
        RAISE EXCEPTION 'options must be a JSON object' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    FOR key IN SELECT pg_catalog.jsonb_object_keys(options) LOOP
        IF NOT defaults OPERATOR(pg_catalog.?) key THEN
            RAISE EXCEPTION 'unrecognized sales source option "%"', key
                USING ERRCODE = 'invalid_parameter_value',
                      HINT = pg_catalog.format('Valid options are: %s.',
                          (SELECT pg_catalog.string_agg(k, ', ' ORDER BY k) FROM pg_catalog.jsonb_object_keys(defaults) k));
        END IF;
    END LOOP;
    merged := defaults OPERATOR(pg_catalog.||) options;
    FOR key, expected IN VALUES ('drop_missing_customer', 'boolean'), ('drop_nonpositive_price', 'boolean'),
                                ('exclude_items', 'array'), ('returns', 'string') LOOP
        IF pg_catalog.jsonb_typeof(merged OPERATOR(pg_catalog.->) key) OPERATOR(pg_catalog.<>) expected THEN
            RAISE EXCEPTION 'sales source option "%" must be a JSON %', key, expected
                USING ERRCODE = 'invalid_parameter_value';
        END IF;
    END LOOP;
    IF NOT (merged OPERATOR(pg_catalog.->>) 'returns') OPERATOR(pg_catalog.=) ANY (ARRAY['keep', 'drop']) THEN
        RAISE EXCEPTION 'sales source option "returns" must be "keep" or "drop", not "%"', merged OPERATOR(pg_catalog.->>) 'returns'
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF pg_catalog.jsonb_typeof(merged OPERATOR(pg_catalog.->) 'return_order_prefix') NOT IN ('string', 'null')
       OR (merged OPERATOR(pg_catalog.->>) 'return_order_prefix') OPERATOR(pg_catalog.=) '' THEN
        RAISE EXCEPTION 'sales source option "return_order_prefix" must be a non-empty JSON string or null'
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF EXISTS (SELECT 1 FROM pg_catalog.jsonb_array_elements(merged OPERATOR(pg_catalog.->) 'exclude_items') e
                WHERE pg_catalog.jsonb_typeof(e) OPERATOR(pg_catalog.<>) 'string') THEN
        RAISE EXCEPTION 'sales source option "exclude_items" must be an array of strings'
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    RETURN merged;
END
$$;

CREATE FUNCTION @extschema@.insight_register_sales(
    source regclass,
    customer_column name,
    time_column name,
    order_column name DEFAULT NULL,
    item_column name DEFAULT NULL,
    quantity_column name DEFAULT NULL,
    amount_column name DEFAULT NULL,
    unit_price_column name DEFAULT NULL,
    options jsonb DEFAULT '{}')
RETURNS void
LANGUAGE plpgsql
AS $$
DECLARE
    full_options jsonb;
BEGIN
    IF source IS NULL OR customer_column IS NULL OR time_column IS NULL THEN
        RAISE EXCEPTION 'source, customer_column and time_column must not be NULL'
            USING ERRCODE = 'null_value_not_allowed';
    END IF;
    IF (SELECT c.relkind FROM pg_catalog.pg_class c WHERE c.oid OPERATOR(pg_catalog.=) source)
       NOT IN ('r', 'p', 'v', 'm', 'f') THEN
        RAISE EXCEPTION '% is not a table, view, materialized view or foreign table', source
            USING ERRCODE = 'wrong_object_type';
    END IF;
    PERFORM @extschema@.insight_source_column(source, customer_column, 'customer', 'key');
    PERFORM @extschema@.insight_source_column(source, time_column, 'time', 'time');
    IF order_column IS NOT NULL THEN
        PERFORM @extschema@.insight_source_column(source, order_column, 'order', 'key');
    END IF;
    IF item_column IS NOT NULL THEN
        PERFORM @extschema@.insight_source_column(source, item_column, 'item', 'key');
    END IF;
    IF quantity_column IS NOT NULL THEN
        PERFORM @extschema@.insight_source_column(source, quantity_column, 'quantity', 'number');
    END IF;
    IF amount_column IS NOT NULL THEN
        PERFORM @extschema@.insight_source_column(source, amount_column, 'amount', 'number');
    END IF;
    IF unit_price_column IS NOT NULL THEN
        PERFORM @extschema@.insight_source_column(source, unit_price_column, 'unit price', 'number');
    END IF;
    IF amount_column IS NULL AND (quantity_column IS NULL OR unit_price_column IS NULL) THEN
        RAISE EXCEPTION 'the line amount is unknown'
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = 'Neither amount_column nor both quantity_column and unit_price_column were given.',
                  HINT = 'Pass amount_column, or quantity_column and unit_price_column (amount = quantity x unit price).';
    END IF;

    full_options := @extschema@.insight_sales_options(options);
    IF full_options OPERATOR(pg_catalog.->>) 'return_order_prefix' IS NOT NULL AND order_column IS NULL THEN
        RAISE EXCEPTION 'option "return_order_prefix" needs an order column'
            USING ERRCODE = 'invalid_parameter_value';
    END IF;

    -- one registration: a new one replaces the old; the trigger rebuilds the objects
    DELETE FROM @extschema@.insight_sales_sources;
    INSERT INTO @extschema@.insight_sales_sources
        (source, customer_column, time_column, order_column, item_column,
         quantity_column, amount_column, unit_price_column, options)
    VALUES (source, customer_column, time_column, order_column, item_column,
            quantity_column, amount_column, unit_price_column, full_options);
END
$$;

COMMENT ON FUNCTION @extschema@.insight_register_sales(regclass, name, name, name, name, name, name, name, jsonb) IS
'Register the shop''s order-lines relation (replacing an earlier registration) and rebuild the view insight_sales over it. Line amount = amount_column, or quantity_column x unit_price_column. Without order_column each row is one order. options: cleaning rules, see insight_sales_default_options(). Errors: 42P01 unknown relation, 42703 missing column, 42804 unusable column type, 22023 bad option or no way to compute the amount, 42501 no SELECT privilege on a column.';

-- SQL of the view and the features function for one registration.
CREATE FUNCTION @extschema@.insight_build_sales_objects()
RETURNS trigger
LANGUAGE plpgsql
AS $build$
DECLARE
    r @extschema@.insight_sales_sources := NEW;
    opts jsonb := r.options;
    time_type regtype;
    cust_type text;
    c_time text;
    c_order text;
    c_item text;
    c_qty text;
    c_price text;
    c_amount text;
    is_return text;
    conds text[] := ARRAY[]::text[];
    finite constant text := '(%s)::float8 BETWEEN -1.7976931348623157e308 AND 1.7976931348623157e308';
BEGIN
    time_type := @extschema@.insight_source_column(r.source, r.time_column, 'time', 'time');
    cust_type := pg_catalog.format_type(
        @extschema@.insight_source_column(r.source, r.customer_column, 'customer', 'key'), NULL);

    -- all timestamps in UTC, whatever the session's TimeZone
    c_time := CASE time_type
        WHEN 'pg_catalog.timestamptz'::pg_catalog.regtype THEN pg_catalog.format('s.%I', r.time_column)
        WHEN 'pg_catalog.timestamp'::pg_catalog.regtype THEN pg_catalog.format('(s.%I AT TIME ZONE ''UTC'')', r.time_column)
        ELSE pg_catalog.format('((s.%I)::timestamp AT TIME ZONE ''UTC'')', r.time_column) END;
    c_order := CASE WHEN r.order_column IS NULL THEN 's.ctid'
                    ELSE pg_catalog.format('s.%I', r.order_column) END;
    c_item := CASE WHEN r.item_column IS NULL THEN 'NULL::text'
                   ELSE pg_catalog.format('s.%I', r.item_column) END;
    c_qty := CASE WHEN r.quantity_column IS NULL THEN '1::float8'
                  ELSE pg_catalog.format('(s.%I)::float8', r.quantity_column) END;
    IF r.unit_price_column IS NOT NULL THEN
        c_price := pg_catalog.format('(s.%I)::float8', r.unit_price_column);
    END IF;
    c_amount := CASE WHEN r.amount_column IS NULL THEN pg_catalog.format('(%s * %s)', c_qty, c_price)
                     ELSE pg_catalog.format('(s.%I)::float8', r.amount_column) END;
    is_return := pg_catalog.format('(%s < 0 OR %s < 0', c_qty, c_amount);
    IF opts ->> 'return_order_prefix' IS NOT NULL THEN
        is_return := is_return || pg_catalog.format(' OR starts_with((%s)::text, %L)',
                                                     c_order, opts ->> 'return_order_prefix');
    END IF;
    is_return := is_return || ')';

    conds := conds || pg_catalog.format('%s IS NOT NULL AND isfinite(%s)', c_time, c_time);
    IF (opts ->> 'drop_missing_customer')::boolean THEN
        conds := conds || pg_catalog.format('s.%I IS NOT NULL', r.customer_column);
    END IF;
    conds := conds || pg_catalog.format(finite, c_qty) || pg_catalog.format(finite, c_amount)
                   || pg_catalog.format('%s <> 0', c_qty);
    IF r.unit_price_column IS NOT NULL THEN
        conds := conds || pg_catalog.format(finite, c_price);
    END IF;
    IF (opts ->> 'drop_nonpositive_price')::boolean THEN
        conds := conds || CASE WHEN r.unit_price_column IS NOT NULL
                               THEN pg_catalog.format('%s > 0', c_price)
                               ELSE pg_catalog.format('%s <> 0', c_amount) END;
    END IF;
    IF opts ->> 'returns' = 'drop' THEN
        conds := conds || pg_catalog.format('NOT %s', is_return);
    END IF;
    IF r.item_column IS NOT NULL AND pg_catalog.jsonb_array_length(opts -> 'exclude_items') > 0 THEN
        conds := conds || pg_catalog.format('(%s IS NULL OR (%s)::text <> ALL (%L::text[]))', c_item, c_item,
            (SELECT pg_catalog.array_agg(e) FROM pg_catalog.jsonb_array_elements_text(opts -> 'exclude_items') e));
    END IF;

    -- Replace the view and the function, keeping them members of the extension
    -- so that DROP EXTENSION removes them.  Views of later features that read
    -- these objects through SQL function bodies are not affected.
    ALTER EXTENSION insight DROP VIEW @extschema@.insight_sales;
    DROP VIEW @extschema@.insight_sales;
    EXECUTE pg_catalog.format($v$
        CREATE VIEW @extschema@.insight_sales WITH (security_invoker = true) AS
        SELECT s.%I AS customer_id,
               %s AS order_id,
               %s AS item_id,
               %s AS ordered_at,
               CASE WHEN %s THEN -abs(%s) ELSE %s END AS quantity,
               CASE WHEN %s THEN -abs(%s) ELSE %s END AS amount
          FROM %s s
         WHERE %s $v$,
        r.customer_column, c_order, c_item, c_time,
        is_return, c_qty, c_qty,
        is_return, c_amount, c_amount,
        r.source, pg_catalog.array_to_string(conds, E'\n           AND '));
    ALTER EXTENSION insight ADD VIEW @extschema@.insight_sales;
    COMMENT ON VIEW @extschema@.insight_sales IS
'The registered sales source after cleaning (see insight_sales_sources.options). One row per kept order line: customer_id, order_id and item_id in the source''s types (order_id is the row''s ctid when no order column is registered: each row is one order), ordered_at as timestamptz (timestamp and date columns are read as UTC), quantity and amount as float8 in source units and currency; return lines have negative quantity and amount. Reads with the caller''s privileges (security_invoker).';

    ALTER EXTENSION insight DROP FUNCTION @extschema@.insight_customer_features(timestamptz);
    DROP FUNCTION @extschema@.insight_customer_features(timestamptz);
    EXECUTE pg_catalog.format($f$
CREATE FUNCTION @extschema@.insight_customer_features(as_of timestamptz DEFAULT NULL)
RETURNS TABLE (customer_id %s, recency_days float8, frequency integer, monetary float8,
               tenure_days float8, orders integer, items float8, total_spend float8,
               spend_90d float8, spend_trend float8, mean_days_between_orders float8,
               sd_days_between_orders float8, distinct_items integer, return_rate float8,
               features float8[])
LANGUAGE sql STABLE PARALLEL SAFE
AS $body$
WITH cutoff AS (
    SELECT COALESCE($1, (SELECT max(s.ordered_at) FROM @extschema@.insight_sales s)
                        + interval '1 microsecond') AS as_of
),
-- one pass over the lines: per (customer, order) and per (customer, item)
grouped AS (
    SELECT s.customer_id,
           GROUPING(s.order_id, s.item_id) AS grouping_set,
           min(s.ordered_at) FILTER (WHERE s.amount > 0) AS ordered_at,
           sum(s.amount) FILTER (WHERE s.amount > 0) AS bought,
           sum(-s.amount) FILTER (WHERE s.amount < 0) AS returned,
           sum(s.quantity) FILTER (WHERE s.amount > 0) AS units
      FROM @extschema@.insight_sales s
     WHERE s.ordered_at < (SELECT as_of FROM cutoff) AND s.customer_id IS NOT NULL
     GROUP BY GROUPING SETS ((s.customer_id, s.order_id), (s.customer_id, s.item_id))
),
orders AS (
    SELECT g.customer_id, g.ordered_at, g.bought, g.units,
           extract(epoch FROM g.ordered_at - lag(g.ordered_at) OVER w)::float8 / 86400 AS gap_days
      FROM grouped g
     WHERE g.grouping_set = 1 AND g.bought IS NOT NULL
    WINDOW w AS (PARTITION BY g.customer_id ORDER BY g.ordered_at)
),
per_customer AS (
    SELECT o.customer_id,
           min(o.ordered_at) AS first_at,
           max(o.ordered_at) AS last_at,
           count(*)::integer AS orders,
           (count(DISTINCT (o.ordered_at AT TIME ZONE 'UTC')::date) - 1)::integer AS frequency,
           sum(o.units) AS items,
           sum(o.bought) AS total_spend,
           COALESCE(sum(o.bought) FILTER (WHERE o.ordered_at >= (SELECT as_of FROM cutoff) - interval '90 days'), 0) AS spend_90d,
           COALESCE(sum(o.bought) FILTER (WHERE o.ordered_at >= (SELECT as_of FROM cutoff) - interval '180 days'
                                            AND o.ordered_at < (SELECT as_of FROM cutoff) - interval '90 days'), 0) AS spend_prev_90d,
           avg(o.gap_days) AS mean_gap,
           stddev_samp(o.gap_days) AS sd_gap
      FROM orders o
     GROUP BY o.customer_id
),
returns AS (
    SELECT g.customer_id, sum(g.returned) AS returned
      FROM grouped g WHERE g.grouping_set = 1 GROUP BY g.customer_id
),
items AS (
    SELECT g.customer_id, count(*)::integer AS distinct_items
      FROM grouped g WHERE g.grouping_set = 2 AND g.bought IS NOT NULL GROUP BY g.customer_id
),
f AS (
    SELECT p.customer_id,
           extract(epoch FROM (SELECT as_of FROM cutoff) - p.last_at)::float8 / 86400 AS recency_days,
           p.frequency,
           p.total_spend / p.orders AS monetary,
           extract(epoch FROM (SELECT as_of FROM cutoff) - p.first_at)::float8 / 86400 AS tenure_days,
           p.orders, p.items, p.total_spend, p.spend_90d,
           COALESCE((p.spend_90d - p.spend_prev_90d) / NULLIF(p.spend_90d + p.spend_prev_90d, 0), 0) AS spend_trend,
           p.mean_gap, p.sd_gap,
           COALESCE(i.distinct_items, 0) AS distinct_items,
           COALESCE(r.returned, 0) / p.total_spend AS return_rate
      FROM per_customer p
      LEFT JOIN returns r ON r.customer_id = p.customer_id
      LEFT JOIN items i ON i.customer_id = p.customer_id
)
SELECT f.customer_id, f.recency_days, f.frequency, f.monetary, f.tenure_days, f.orders,
       f.items, f.total_spend, f.spend_90d, f.spend_trend, f.mean_gap, f.sd_gap,
       f.distinct_items, f.return_rate,
       ARRAY[f.recency_days, f.frequency, f.monetary, f.tenure_days, f.orders, f.items,
             f.total_spend, f.spend_90d, f.spend_trend, COALESCE(f.mean_gap, 0),
             COALESCE(f.sd_gap, 0), f.distinct_items, f.return_rate]::float8[]
  FROM f
 ORDER BY f.customer_id
$body$ $f$, cust_type);
    ALTER EXTENSION insight ADD FUNCTION @extschema@.insight_customer_features(timestamptz);
    COMMENT ON FUNCTION @extschema@.insight_customer_features(timestamptz) IS
'One row per customer with at least one kept purchase strictly before as_of (default: just after the latest event, so the whole history counts), computed from insight_sales in one pass; no event at or after as_of changes any value. Days are elapsed time / 86400 s; calendar days are UTC days. recency_days: as_of - last purchase; frequency: distinct purchase days after the first; monetary: mean order value; tenure_days: as_of - first purchase; orders: orders with a purchase; items: units bought; total_spend: sum of purchase amounts; spend_90d: spend in [as_of - 90 days, as_of); spend_trend: (spend_90d - spend of the 90 days before) / their sum, 0 when both are 0; mean_days_between_orders and sd_days_between_orders (sample): gaps between consecutive orders, NULL with too few orders; distinct_items: distinct items bought; return_rate: returned amount / total_spend. features: these in the order of insight_feature_names(), NULL gaps as 0.';
    RETURN NULL;
END
$build$;

CREATE TRIGGER insight_sales_sources_build
    AFTER INSERT OR UPDATE ON @extschema@.insight_sales_sources
    FOR EACH ROW EXECUTE FUNCTION @extschema@.insight_build_sales_objects();
