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
    source_kind        text PRIMARY KEY DEFAULT 'sales' CHECK (source_kind OPERATOR(pg_catalog.=) 'sales'),
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

COMMENT ON COLUMN @extschema@.insight_sales_sources.source_kind IS 'Always ''sales'': the key that keeps the table to one registration.';
COMMENT ON COLUMN @extschema@.insight_sales_sources.source IS 'The registered relation (table, partitioned table, view, materialized view or foreign table).';
COMMENT ON COLUMN @extschema@.insight_sales_sources.customer_column IS 'Column of the customer key (integer, numeric, text or uuid type).';
COMMENT ON COLUMN @extschema@.insight_sales_sources.time_column IS 'Column of the line''s time (timestamptz, timestamp or date; the last two read as UTC).';
COMMENT ON COLUMN @extschema@.insight_sales_sources.order_column IS 'Column of the order key; NULL: each row is one order.';
COMMENT ON COLUMN @extschema@.insight_sales_sources.item_column IS 'Column of the item key; NULL: the lines have no item (item_id NULL).';
COMMENT ON COLUMN @extschema@.insight_sales_sources.quantity_column IS 'Column of the quantity; NULL: 1 unit a line.';
COMMENT ON COLUMN @extschema@.insight_sales_sources.amount_column IS 'Column of the line amount (source currency); NULL: quantity x unit price.';
COMMENT ON COLUMN @extschema@.insight_sales_sources.unit_price_column IS 'Column of the unit price (source currency); used when amount_column is NULL.';
COMMENT ON COLUMN @extschema@.insight_sales_sources.options IS 'Cleaning options as given, completed with insight_sales_default_options(); return_status_column and return_status_values only when given.';
COMMENT ON COLUMN @extschema@.insight_sales_sources.registered_at IS 'When the source was registered.';
COMMENT ON COLUMN @extschema@.insight_sales_sources.registered_by IS 'The role that registered it.';

SELECT pg_catalog.pg_extension_config_dump('@extschema@.insight_sales_sources', '');

-- The cleaning rules and their defaults (documented in docs/reference/sources-and-features.md).
CREATE FUNCTION @extschema@.insight_sales_default_options()
RETURNS jsonb
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$ SELECT '{"drop_missing_customer": true,
               "returns": "keep",
               "return_order_prefix": null,
               "exclude_items": [],
               "drop_nonpositive_price": true}'::pg_catalog.jsonb $$;

COMMENT ON FUNCTION @extschema@.insight_sales_default_options() IS
'Default cleaning options of insight_register_sales: drop_missing_customer (true: rows without a customer are dropped), returns ("keep": return lines stay in insight_sales with negative quantity and amount; "drop": they are removed), return_order_prefix (null; e.g. "C": orders whose id starts with it are cancellations, treated as returns), exclude_items ([]: item codes that are not products, dropped), drop_nonpositive_price (true: lines with unit price <= 0, or amount 0 without a price column, are dropped). Two options have no default and are stored only when given, together: return_status_column (a column of the source, of any type) and return_status_values (a non-empty JSON array of strings, numbers or booleans): a line whose status, as text, is one of the values is a return, as with return_order_prefix.';

-- Raised by the placeholders until a source is registered.
CREATE FUNCTION @extschema@.insight_no_sales_source()
RETURNS void
LANGUAGE plpgsql STABLE PARALLEL SAFE
AS $$
BEGIN
    RAISE EXCEPTION 'no sales source is registered'
        USING ERRCODE = 'undefined_object',
              HINT = 'Register the order-lines table with insight_register_sales(source, customer_column, time_column, ...).';
END
$$;

COMMENT ON FUNCTION @extschema@.insight_no_sales_source() IS
'Raises "no sales source is registered" (42704, with a hint to call insight_register_sales): the body of the objects that exist only for a registered source, until one is registered.';

-- The cleaned lines; a registration replaces this placeholder by an SQL
-- function over the source that the planner inlines into every query.  The
-- view reads the source through it, so the source table does not depend on
-- the view (dropping the table cannot cascade into the extension).
CREATE FUNCTION @extschema@.insight_sales_rows()
RETURNS TABLE (customer_id text, order_id text, item_id text, ordered_at timestamptz,
               quantity float8, amount float8)
LANGUAGE plpgsql STABLE PARALLEL SAFE
AS $$ BEGIN PERFORM @extschema@.insight_no_sales_source(); END $$;

CREATE VIEW @extschema@.insight_sales WITH (security_invoker = true) AS
    SELECT * FROM @extschema@.insight_sales_rows();

-- The time of the latest kept line that has a customer; a registration
-- replaces this placeholder by a query over the source ordered by its own
-- time column, which an index on that column answers with one probe even
-- when the source is a view joining orders and their lines (max() over
-- insight_sales cannot use it: the view converts timestamp and date columns
-- to timestamptz, and PostgreSQL turns max() into an index probe only over
-- one table).
CREATE FUNCTION @extschema@.insight_latest_line()
RETURNS timestamptz
LANGUAGE plpgsql STABLE PARALLEL SAFE
AS $$ BEGIN PERFORM @extschema@.insight_no_sales_source(); END $$;

COMMENT ON FUNCTION @extschema@.insight_latest_line() IS
'The time (timestamptz) of the latest kept line of the registered source that has a customer, as insight_sales shows it (NULL when there is none): a LANGUAGE sql function generated at every registration that reads the source ordered by its own time column, descending, and stops at the first kept line, so an index on the time column (of the orders table, when the source is a view joining orders and their lines) makes it one index probe whatever the size of the source. Before any registration it raises "no sales source is registered" (42704).';

-- The latest purchase (a kept line that is not a return, of any customer or
-- none), generated at registration like insight_latest_line(): the CLV
-- summary's default as_of is the UTC day after it.
CREATE FUNCTION @extschema@.insight_latest_purchase()
RETURNS timestamptz
LANGUAGE plpgsql STABLE PARALLEL SAFE
AS $$ BEGIN PERFORM @extschema@.insight_no_sales_source(); END $$;

COMMENT ON FUNCTION @extschema@.insight_latest_purchase() IS
'The time (timestamptz) of the latest purchase of the registered source, as insight_sales shows it: the latest kept line with quantity > 0 and amount >= 0 once returns are negated, with or without a customer (NULL when there is none; the same as max(ordered_at) over those rows of insight_sales). A LANGUAGE sql function generated at every registration that reads the source ordered by its own time column, descending, and stops at the first purchase, so an index on the time column makes it an index probe (through a view joining orders and their lines too) that reads back over the latest returns only. The default as_of of the CLV summaries (insight_clv_summary, insight_clv_customer_summary) is the start of the UTC day after it. Before any registration it raises "no sales source is registered" (42704).';

-- On Citus, the cleaned lines as a query over the source that Citus can send
-- whole to each shard, for the per-customer passes that group by the
-- customer (features, CLV summaries, interactions); NULL elsewhere.  A
-- registration replaces this placeholder (NULL: nothing registered).
CREATE FUNCTION @extschema@.insight_sales_pushdown_lines()
RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE
AS $$ SELECT NULL::pg_catalog.text $$;

COMMENT ON FUNCTION @extschema@.insight_sales_pushdown_lines() IS
'The SELECT of the cleaned lines (the columns of insight_sales: customer_id in the source''s type, order_id, item_id, ordered_at, quantity, amount) read from the registered source itself, when the database has Citus and the source is distributed by its customer column, a reference table or a single-shard table: the per-customer passes (insight_customer_features, insight_clv_summary, insight_clv_customer_summary, insight_interactions) put it in a query grouped by customer_id, which Citus sends whole to the shards, so that only per-customer rows reach the coordinator. NULL in a database without Citus, for a source distributed another way, and before any registration: the passes then read insight_sales. Generated at every registration (insight_build_sales_objects).';

-- On Citus, insight_customer_features(as_of)'s pass as SQL text that Citus
-- sends whole to the shards; NULL elsewhere.  A registration replaces this
-- placeholder.
CREATE FUNCTION @extschema@.insight_customer_features_sql(as_of timestamptz)
RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE
AS $$ SELECT NULL::pg_catalog.text $$;

COMMENT ON FUNCTION @extschema@.insight_customer_features_sql(timestamptz) IS
'The per-customer pass of insight_customer_features(as_of) as SQL text (as_of a literal in it), unordered, with the columns customer_id (in the source''s type) and x (the 13 features of insight_history_features, NULL gaps kept), when the source is read on the shards (insight_sales_pushdown_lines() not NULL): grouped by the distribution column, it runs whole on each shard, also inside an INSERT ... SELECT into a table co-located with the source (insight_training_table). NULL in a database without Citus, for a source distributed another way, and before any registration. Generated at every registration (insight_build_sales_objects) from the template of the features functions.';

-- The as_of every task uses by default: just after the latest line of a
-- customer, so that the whole history counts.  insight_customer_features()
-- computes the same from its own pass over the lines, and
-- insight_customer_features_of() embeds this body as a subquery.
CREATE FUNCTION @extschema@.insight_default_as_of()
RETURNS timestamptz
LANGUAGE sql STABLE PARALLEL SAFE
AS $$
SELECT @extschema@.insight_latest_line() OPERATOR(pg_catalog.+) interval '1 microsecond'
$$;

COMMENT ON FUNCTION @extschema@.insight_default_as_of() IS
'The default as_of of features, scores and trainings: one microsecond after the latest order line that has a customer (insight_latest_line(); NULL when the source has none), so that every purchase counts and nothing is after it. One index probe with an index on the source''s time column.';

CREATE FUNCTION @extschema@.insight_customer_features(as_of timestamptz DEFAULT NULL)
RETURNS TABLE (customer_id text, recency_days float8, frequency integer, monetary float8,
               tenure_days float8, orders integer, items float8, total_spend float8,
               spend_90d float8, spend_trend float8, mean_days_between_orders float8,
               sd_days_between_orders float8, distinct_items integer, return_rate float8,
               features float8[])
LANGUAGE plpgsql STABLE PARALLEL SAFE
AS $$ BEGIN PERFORM @extschema@.insight_no_sales_source(); END $$;

-- The same row for one customer, reading only that customer's lines (an index
-- on the source's customer column serves it); for scoring one customer.
CREATE FUNCTION @extschema@.insight_customer_features_of(customer text, as_of timestamptz DEFAULT NULL)
RETURNS TABLE (customer_id text, recency_days float8, frequency integer, monetary float8,
               tenure_days float8, orders integer, items float8, total_spend float8,
               spend_90d float8, spend_trend float8, mean_days_between_orders float8,
               sd_days_between_orders float8, distinct_items integer, return_rate float8,
               features float8[])
LANGUAGE plpgsql STABLE PARALLEL SAFE
AS $$ BEGIN PERFORM @extschema@.insight_no_sales_source(); END $$;

-- The comments of the objects a registration rebuilds (above: placeholders),
-- applied at installation and again after every registration.
CREATE FUNCTION @extschema@.insight_comment_sales_objects()
RETURNS void
LANGUAGE plpgsql
AS $$
BEGIN
    COMMENT ON FUNCTION @extschema@.insight_sales_rows() IS
'The cleaned lines of the registered source, as insight_sales shows them: a LANGUAGE sql function generated at every registration, which the planner inlines into the query that reads insight_sales (so the source does not depend on the view). Before any registration it raises "no sales source is registered" (42704).';
    COMMENT ON VIEW @extschema@.insight_sales IS
'The registered sales source after cleaning (see insight_sales_sources.options). One row per kept order line: customer_id, order_id and item_id in the source''s types (order_id is the row''s ctid when no order column is registered: each row is one order), ordered_at as timestamptz (timestamp and date columns are read as UTC), quantity and amount as float8 in source units and currency; return lines have negative quantity and amount. Reads with the caller''s privileges (security_invoker).';
    COMMENT ON COLUMN @extschema@.insight_sales.customer_id IS 'Customer key, in the type of the source''s customer column; NULL only for guest lines kept with drop_missing_customer = false.';
    COMMENT ON COLUMN @extschema@.insight_sales.order_id IS 'Order key, in the type of the source''s order column; without one, the row''s address (ctid, or partition oid:ctid in a partitioned table): each row is one order.';
    COMMENT ON COLUMN @extschema@.insight_sales.item_id IS 'Item key, in the type of the source''s item column; NULL without an item column or for a line without an item.';
    COMMENT ON COLUMN @extschema@.insight_sales.ordered_at IS 'Time of the line (timestamptz; timestamp and date columns are read as UTC).';
    COMMENT ON COLUMN @extschema@.insight_sales.quantity IS 'Units: |quantity| of the source (1 without a quantity column), negative for a return line.';
    COMMENT ON COLUMN @extschema@.insight_sales.amount IS 'Line amount in the source''s currency: |amount|, or |quantity| x |unit price|; negative for a return line (negative quantity or amount, return_order_prefix, return_status_column).';
    COMMENT ON FUNCTION @extschema@.insight_customer_features(timestamptz) IS
'One row per customer with at least one kept purchase strictly before as_of (default: just after the latest event, so the whole history counts), computed from insight_sales in one pass; no event at or after as_of changes any value. Days are elapsed time / 86400 s; calendar days are UTC days. recency_days: as_of - last purchase; frequency: distinct purchase days after the first; monetary: mean order value; tenure_days: as_of - first purchase; orders: orders with a purchase; items: units bought; total_spend: sum of purchase amounts; spend_90d: spend in [as_of - 90 days, as_of); spend_trend: (spend_90d - spend of the 90 days before) / their sum, 0 when both are 0; mean_days_between_orders and sd_days_between_orders (sample): gaps between consecutive orders, NULL with too few orders; distinct_items: distinct items bought; return_rate: returned amount / total_spend. features: these in the order of insight_feature_names(), NULL gaps as 0.';
    COMMENT ON FUNCTION @extschema@.insight_customer_features_of(text, timestamptz) IS
'The insight_customer_features(as_of) row of one customer (the text form of a key of the source), reading only that customer''s lines: with an index on the source''s customer column (and one on its time column for the default as_of, just after the latest event of any customer) it costs a few index probes. No row when the customer has no kept purchase before as_of. An invalid key for the source''s type is an error (22P02).';
END
$$;

COMMENT ON FUNCTION @extschema@.insight_comment_sales_objects() IS
'Comment insight_sales (and its columns), insight_sales_rows(), insight_customer_features(timestamptz) and insight_customer_features_of(text, timestamptz): run at installation and by every registration, which rebuilds them.';

SELECT @extschema@.insight_comment_sales_objects();

-- The names of the features[] elements, in order.
CREATE FUNCTION @extschema@.insight_feature_names()
RETURNS text[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$ SELECT ARRAY['recency_days', 'frequency', 'monetary', 'tenure_days', 'orders', 'items',
                   'total_spend', 'spend_90d', 'spend_trend', 'mean_days_between_orders',
                   'sd_days_between_orders', 'distinct_items', 'return_rate']::pg_catalog.text[] $$;

COMMENT ON FUNCTION @extschema@.insight_feature_names() IS
'Names of the elements of insight_customer_features().features, in order.';

-- Look up a column of the source and check its type family; returns its type
-- (the base type for a domain).
CREATE FUNCTION @extschema@.insight_source_column(source regclass, col name, role text, allowed text)
RETURNS regtype
LANGUAGE plpgsql STABLE
AS $$
DECLARE
    typ pg_catalog.oid;
    base pg_catalog.oid;
    category pg_catalog."char";
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

    IF (allowed OPERATOR(pg_catalog.=) 'key' AND NOT ((category OPERATOR(pg_catalog.=) ANY (ARRAY['N', 'S']::pg_catalog."char"[])
                                                       AND base OPERATOR(pg_catalog.<>) 'pg_catalog.money'::pg_catalog.regtype)
                                                      OR base OPERATOR(pg_catalog.=) 'pg_catalog.uuid'::pg_catalog.regtype))
       OR (allowed OPERATOR(pg_catalog.=) 'time' AND NOT base OPERATOR(pg_catalog.=) ANY (ARRAY['pg_catalog.timestamptz', 'pg_catalog.timestamp', 'pg_catalog.date']::pg_catalog.regtype[]))
       OR (allowed OPERATOR(pg_catalog.=) 'number' AND NOT base OPERATOR(pg_catalog.=) ANY (ARRAY['pg_catalog.int2', 'pg_catalog.int4', 'pg_catalog.int8', 'pg_catalog.numeric', 'pg_catalog.float4', 'pg_catalog.float8']::pg_catalog.regtype[]))
    THEN
        RAISE EXCEPTION 'column "%" of relation % has type %, which cannot be the % column', col, source, typ::pg_catalog.regtype, role
            USING ERRCODE = 'datatype_mismatch',
                  HINT = CASE
                      WHEN allowed OPERATOR(pg_catalog.=) 'key' THEN 'Use a column of an integer, numeric, text or uuid type.'
                      WHEN allowed OPERATOR(pg_catalog.=) 'time' THEN 'Use a timestamptz, timestamp or date column.'
                      ELSE 'Use a smallint, integer, bigint, numeric, real or double precision column.' END;
    END IF;
    RETURN base::pg_catalog.regtype;
END
$$;

COMMENT ON FUNCTION @extschema@.insight_source_column(regclass, name, text, text) IS
'Check that column col of source exists, that the caller may SELECT it and that its type suits allowed (''key'': integer, numeric, text or uuid family, not money; ''time'': timestamptz, timestamp or date; ''number'': smallint, integer, bigint, numeric, real or double precision; ''any'': every type); returns the column''s type, the base type for a domain. role names the column in messages. Errors: 42703 no such column, 42501 no SELECT privilege, 42804 a type that does not suit.';

-- A type's name for the SQL that insight generates: schema-qualified, since
-- the bodies of the functions built at registration are parsed with the
-- caller's search_path, where a type of the same name could come first
-- (regtype's output, and format_type's, leave out pg_catalog).
CREATE FUNCTION @extschema@.insight_qualified_type(typ regtype)
RETURNS text
LANGUAGE sql STABLE STRICT PARALLEL SAFE
AS $$ SELECT pg_catalog.format('%I.%I', n.nspname, t.typname)
        FROM pg_catalog.pg_type t JOIN pg_catalog.pg_namespace n ON n.oid OPERATOR(pg_catalog.=) t.typnamespace
       WHERE t.oid OPERATOR(pg_catalog.=) typ::pg_catalog.oid $$;

-- Validate options against the defaults and return them complete.
CREATE FUNCTION @extschema@.insight_sales_options(options jsonb)
RETURNS jsonb
LANGUAGE plpgsql STABLE
AS $$
DECLARE
    defaults pg_catalog.jsonb := @extschema@.insight_sales_default_options();
    -- options without a default: stored only when given
    optional pg_catalog.text[] := ARRAY['return_status_column', 'return_status_values'];
    merged pg_catalog.jsonb;
    key pg_catalog.text;
    expected pg_catalog.text;
BEGIN
    IF options IS NULL THEN
        options := '{}';
    END IF;
    IF pg_catalog.jsonb_typeof(options) OPERATOR(pg_catalog.<>) 'object' THEN
        RAISE EXCEPTION 'options must be a JSON object' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    FOR key IN SELECT pg_catalog.jsonb_object_keys(options) LOOP
        IF NOT (defaults OPERATOR(pg_catalog.?) key OR key OPERATOR(pg_catalog.=) ANY (optional)) THEN
            RAISE EXCEPTION 'unrecognized sales source option "%"', key
                USING ERRCODE = 'invalid_parameter_value',
                      HINT = pg_catalog.format('Valid options are: %s.',
                          (SELECT pg_catalog.string_agg(k, ', ' ORDER BY k)
                             FROM (SELECT pg_catalog.jsonb_object_keys(defaults) UNION ALL SELECT pg_catalog.unnest(optional)) o(k)));
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
    IF NOT pg_catalog.jsonb_typeof(merged OPERATOR(pg_catalog.->) 'return_order_prefix') OPERATOR(pg_catalog.=) ANY ('{string,null}')
       OR (merged OPERATOR(pg_catalog.->>) 'return_order_prefix') OPERATOR(pg_catalog.=) '' THEN
        RAISE EXCEPTION 'sales source option "return_order_prefix" must be a non-empty JSON string or null'
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF EXISTS (SELECT 1 FROM pg_catalog.jsonb_array_elements(merged OPERATOR(pg_catalog.->) 'exclude_items') e
                WHERE pg_catalog.jsonb_typeof(e) OPERATOR(pg_catalog.<>) 'string') THEN
        RAISE EXCEPTION 'sales source option "exclude_items" must be an array of strings'
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    -- returns by a status column: both options or neither
    IF (merged OPERATOR(pg_catalog.?) 'return_status_column') OPERATOR(pg_catalog.<>) (merged OPERATOR(pg_catalog.?) 'return_status_values') THEN
        RAISE EXCEPTION 'sales source options "return_status_column" and "return_status_values" must be given together'
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Pass the status column and the statuses that mark a return, e.g. {"return_status_column": "status", "return_status_values": ["cancelled", "returned"]}.';
    END IF;
    IF merged OPERATOR(pg_catalog.?) 'return_status_column'
       AND (pg_catalog.jsonb_typeof(merged OPERATOR(pg_catalog.->) 'return_status_column') OPERATOR(pg_catalog.<>) 'string'
            OR (merged OPERATOR(pg_catalog.->>) 'return_status_column') OPERATOR(pg_catalog.=) '') THEN
        RAISE EXCEPTION 'sales source option "return_status_column" must be a non-empty JSON string'
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF merged OPERATOR(pg_catalog.?) 'return_status_values'
       AND (pg_catalog.jsonb_typeof(merged OPERATOR(pg_catalog.->) 'return_status_values') OPERATOR(pg_catalog.<>) 'array'
            OR pg_catalog.jsonb_array_length(merged OPERATOR(pg_catalog.->) 'return_status_values') OPERATOR(pg_catalog.=) 0
            OR EXISTS (SELECT 1 FROM pg_catalog.jsonb_array_elements(merged OPERATOR(pg_catalog.->) 'return_status_values') e
                        WHERE NOT pg_catalog.jsonb_typeof(e) OPERATOR(pg_catalog.=) ANY ('{string,number,boolean}'))) THEN
        RAISE EXCEPTION 'sales source option "return_status_values" must be a non-empty JSON array of strings, numbers or booleans'
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = 'A line is a return when the text form of its status is one of these values.';
    END IF;
    RETURN merged;
END
$$;

COMMENT ON FUNCTION @extschema@.insight_sales_options(jsonb) IS
'Validate the options of insight_register_sales and return them completed with insight_sales_default_options() (NULL counts as {}); return_status_column and return_status_values have no default and are kept only when given, together. Errors (22023): not a JSON object, an unknown option, a value of the wrong JSON type, returns other than keep or drop, an empty return_order_prefix, exclude_items not all strings, only one of return_status_column and return_status_values, return_status_values empty or not all strings, numbers or booleans.';

COMMENT ON FUNCTION @extschema@.insight_qualified_type(regtype) IS
'The schema-qualified name of a type (pg_catalog.int8, pg_catalog.bpchar), for the SQL generated at registration, which is parsed with the caller''s search_path.';

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
    full_options pg_catalog.jsonb;
    ddl_propagation pg_catalog.text;
BEGIN
    IF source IS NULL OR customer_column IS NULL OR time_column IS NULL THEN
        RAISE EXCEPTION 'source, customer_column and time_column must not be NULL'
            USING ERRCODE = 'null_value_not_allowed';
    END IF;
    IF NOT (SELECT c.relkind FROM pg_catalog.pg_class c WHERE c.oid OPERATOR(pg_catalog.=) source)
           OPERATOR(pg_catalog.=) ANY ('{r,p,v,m,f}') THEN
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
    IF order_column IS NULL AND NOT (SELECT c.relkind FROM pg_catalog.pg_class c WHERE c.oid OPERATOR(pg_catalog.=) source)
                                    OPERATOR(pg_catalog.=) ANY ('{r,p,m}') THEN
        RAISE EXCEPTION '% has no row identity to tell orders apart', source
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = 'Without an order column each row is one order, identified by its ctid, which views and foreign tables do not have.',
                  HINT = 'Pass order_column, or register the underlying table.';
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
    IF full_options OPERATOR(pg_catalog.?) 'return_status_column' THEN
        PERFORM @extschema@.insight_source_column(source, full_options OPERATOR(pg_catalog.->>) 'return_status_column',
                                                  'return status', 'any');
    END IF;

    -- On Citus the objects a registration rebuilds live on the coordinator
    -- only, where their queries are planned: Citus would otherwise send
    -- their CREATE FUNCTION to the workers, whose placeholders of another
    -- return type refuse it (docs/citus.md).
    IF EXISTS (SELECT 1 FROM pg_catalog.pg_extension e WHERE e.extname OPERATOR(pg_catalog.=) 'citus') THEN
        ddl_propagation := pg_catalog.current_setting('citus.enable_ddl_propagation');
        PERFORM pg_catalog.set_config('citus.enable_ddl_propagation', 'off', true);
    END IF;
    -- one registration: a new one replaces the old; the trigger rebuilds the objects
    DELETE FROM @extschema@.insight_sales_sources;
    INSERT INTO @extschema@.insight_sales_sources
        (source, customer_column, time_column, order_column, item_column,
         quantity_column, amount_column, unit_price_column, options)
    VALUES (source, customer_column, time_column, order_column, item_column,
            quantity_column, amount_column, unit_price_column, full_options);
    IF ddl_propagation IS NOT NULL THEN
        PERFORM pg_catalog.set_config('citus.enable_ddl_propagation', ddl_propagation, true);
    END IF;
END
$$;

COMMENT ON FUNCTION @extschema@.insight_register_sales(regclass, name, name, name, name, name, name, name, jsonb) IS
'Register the shop''s order-lines relation (replacing an earlier registration) and rebuild the view insight_sales over it. Line amount = amount_column, or quantity_column x unit_price_column. Without order_column each row is one order. options: cleaning rules, see insight_sales_default_options(); returns by a status column: {"return_status_column": "status", "return_status_values": ["cancelled", "returned"]} makes every line whose status (as text) is one of the values a return, like a negative quantity or a return_order_prefix: its quantity and amount become negative, or it is dropped with "returns": "drop". Errors: 42P01 unknown relation, 42703 missing column, 42804 unusable column type, 22023 bad option or no way to compute the amount, 42501 no SELECT privilege on a column, 0A000 a Citus table distributed by another column than the customer''s without an order column. In a database with Citus the objects it rebuilds stay on the coordinator (citus.enable_ddl_propagation is off while it runs); register after distributing the table (docs/operations.md, "Scaling out with Citus").';

-- Conditions that drop NaN, infinite and absurd (beyond +-10^15) values of a
-- numeric source column, compared in the column's own type: no product of two
-- kept values can overflow float8.  Small integer types need no check.
CREATE FUNCTION @extschema@.insight_finite_conditions(source regclass, col name)
RETURNS text[]
LANGUAGE plpgsql STABLE
AS $$
DECLARE
    typ pg_catalog.regtype;
BEGIN
    IF col IS NULL THEN
        RETURN ARRAY[]::pg_catalog.text[];
    END IF;
    typ := @extschema@.insight_source_column(source, col, col, 'number');
    IF typ OPERATOR(pg_catalog.=) ANY (ARRAY['pg_catalog.int2', 'pg_catalog.int4']::pg_catalog.regtype[]) THEN
        RETURN ARRAY[pg_catalog.format('s.%I IS NOT NULL', col)];
    END IF;
    -- NaN sorts above every number in numeric and float, so the upper bound drops it
    RETURN ARRAY[pg_catalog.format('s.%1$I OPERATOR(pg_catalog.>=) %2$s AND s.%1$I OPERATOR(pg_catalog.<=) %3$s',
                                   col, '-1e15', '1e15')];
END
$$;

COMMENT ON FUNCTION @extschema@.insight_finite_conditions(regclass, name) IS
'SQL conditions over the source row s that keep a value of the numeric column col only when it is finite and within +-10^15 (compared in the column''s own type; smallint and integer need only IS NOT NULL), so that no product of two kept values overflows float8. An empty array when col is NULL.';

-- The objects of one registration: insight_sales_rows() (insight_sales reads
-- it) and the two features functions.  They are generated because their
-- result types and bodies name the source's key types and columns: the
-- expressions over the source's columns are built first, then each statement
-- is one template filled by insight_fill_sql.
-- Made SECURITY DEFINER with a pinned search_path by ops/privileges.sql, so
-- that an insight_admin who is not the extension's owner can register.
CREATE FUNCTION @extschema@.insight_build_sales_objects()
RETURNS trigger
LANGUAGE plpgsql
AS $build$
DECLARE
    r @extschema@.insight_sales_sources := NEW;
    opts pg_catalog.jsonb := r.options;
    time_type pg_catalog.regtype;
    cust_type pg_catalog.regtype;
    order_type pg_catalog.regtype;
    item_type pg_catalog.regtype;
    c_time pg_catalog.text;
    time_of pg_catalog.text;
    c_order pg_catalog.text;
    c_item pg_catalog.text;
    c_qty pg_catalog.text;
    c_price pg_catalog.text;
    c_amount pg_catalog.text;
    is_return pg_catalog.text;
    conds pg_catalog.text[] := ARRAY[]::pg_catalog.text[];
    features_recreated boolean := false;
    features_sql pg_catalog.text;
    -- on Citus (docs/citus.md): the kind of Citus table the source is, and
    -- whether the per-customer pass can run on the shards
    citus_table pg_catalog.text;
    pushdown boolean := false;
    rows_volatility pg_catalog.text := 'STABLE PARALLEL SAFE';
    lines_sql pg_catalog.text;
    features_query pg_catalog.text;
    features_lines pg_catalog.text;
    lines_template pg_catalog.text;
    last_event pg_catalog.text;
BEGIN
    time_type := @extschema@.insight_source_column(r.source, r.time_column, 'time', 'time');
    cust_type := @extschema@.insight_source_column(r.source, r.customer_column, 'customer', 'key');

    -- Conditions compare the source columns in their own types, and each
    -- column is converted to float8 once in the select list: a numeric to
    -- float8 conversion costs more than the rest of a row's work.
    conds := conds || pg_catalog.format('pg_catalog.isfinite(s.%I)', r.time_column);  -- also drops NULL
    IF (opts ->> 'drop_missing_customer')::boolean THEN
        conds := conds || pg_catalog.format('s.%I IS NOT NULL', r.customer_column);
    END IF;
    conds := conds || @extschema@.insight_finite_conditions(r.source, r.quantity_column)
                   || @extschema@.insight_finite_conditions(r.source, r.unit_price_column)
                   || @extschema@.insight_finite_conditions(r.source, r.amount_column);

    -- all timestamps in UTC, whatever the session's TimeZone (time_of: the
    -- conversion of a value of the time column, increasing in it)
    time_of := CASE time_type
        WHEN 'pg_catalog.timestamptz'::pg_catalog.regtype THEN '%s'
        WHEN 'pg_catalog.timestamp'::pg_catalog.regtype THEN '(%s AT TIME ZONE ''UTC'')'
        ELSE '((%s)::timestamp AT TIME ZONE ''UTC'')' END;
    c_time := pg_catalog.format(time_of, pg_catalog.format('s.%I', r.time_column));
    -- Without an order column each row is one order, identified by its row
    -- address: ctid in a table, (partition, ctid) in a partitioned table.
    IF r.order_column IS NOT NULL THEN
        order_type := @extschema@.insight_source_column(r.source, r.order_column, 'order', 'key');
        c_order := pg_catalog.format('(s.%I)::%s', r.order_column, @extschema@.insight_qualified_type(order_type));
    ELSIF (SELECT c.relkind FROM pg_catalog.pg_class c WHERE c.oid OPERATOR(pg_catalog.=) r.source) OPERATOR(pg_catalog.=) 'p' THEN
        order_type := 'pg_catalog.text';
        c_order := '(s.tableoid::pg_catalog.oid::pg_catalog.text OPERATOR(pg_catalog.||) '':'' OPERATOR(pg_catalog.||) s.ctid::pg_catalog.text)';
    ELSE
        order_type := 'pg_catalog.tid';
        c_order := 's.ctid';
    END IF;
    IF r.item_column IS NOT NULL THEN
        item_type := @extschema@.insight_source_column(r.source, r.item_column, 'item', 'key');
        c_item := pg_catalog.format('(s.%I)::%s', r.item_column, @extschema@.insight_qualified_type(item_type));
    ELSE
        item_type := 'pg_catalog.text';
        c_item := 'NULL::pg_catalog.text';
    END IF;

    -- a return: negative quantity, negative amount (or price), a cancelled
    -- order (by its id's prefix), or a line with a return status (as text)
    is_return := 'false';
    IF r.quantity_column IS NOT NULL THEN
        conds := conds || pg_catalog.format('s.%I OPERATOR(pg_catalog.<>) 0', r.quantity_column);
        is_return := is_return || pg_catalog.format(' OR s.%I OPERATOR(pg_catalog.<) 0', r.quantity_column);
    END IF;
    IF r.amount_column IS NOT NULL THEN
        is_return := is_return || pg_catalog.format(' OR s.%I OPERATOR(pg_catalog.<) 0', r.amount_column);
    ELSE
        is_return := is_return || pg_catalog.format(' OR s.%I OPERATOR(pg_catalog.<) 0', r.unit_price_column);
    END IF;
    IF opts ->> 'return_order_prefix' IS NOT NULL THEN
        is_return := is_return || pg_catalog.format(' OR pg_catalog.starts_with((%s)::pg_catalog.text, %L)',
                                                     c_order, opts ->> 'return_order_prefix');
    END IF;
    IF opts ->> 'return_status_column' IS NOT NULL THEN
        PERFORM @extschema@.insight_source_column(r.source, opts ->> 'return_status_column', 'return status', 'any');
        is_return := is_return || pg_catalog.format(' OR (s.%I)::pg_catalog.text OPERATOR(pg_catalog.=) ANY (%L::pg_catalog.text[])',
            opts ->> 'return_status_column',
            (SELECT pg_catalog.array_agg(e) FROM pg_catalog.jsonb_array_elements_text(opts -> 'return_status_values') e));
    END IF;
    is_return := '(' || is_return || ')';

    IF (opts ->> 'drop_nonpositive_price')::boolean THEN
        conds := conds || CASE WHEN r.unit_price_column IS NOT NULL
                               THEN pg_catalog.format('s.%I OPERATOR(pg_catalog.>) 0', r.unit_price_column)
                               ELSE pg_catalog.format('s.%I OPERATOR(pg_catalog.<>) 0', r.amount_column) END;
    END IF;
    IF opts ->> 'returns' = 'drop' THEN
        conds := conds || pg_catalog.format('NOT %s', is_return);
    END IF;
    IF r.item_column IS NOT NULL AND pg_catalog.jsonb_array_length(opts -> 'exclude_items') > 0 THEN
        conds := conds || pg_catalog.format('(%s IS NULL OR (%s)::pg_catalog.text OPERATOR(pg_catalog.<>) ALL (%L::pg_catalog.text[]))', c_item, c_item,
            (SELECT pg_catalog.array_agg(e) FROM pg_catalog.jsonb_array_elements_text(opts -> 'exclude_items') e));
    END IF;

    -- sign-normalised float8 quantity and amount: returns negative, purchases positive
    c_qty := CASE WHEN r.quantity_column IS NULL THEN '1::pg_catalog.float8'
                  ELSE pg_catalog.format('pg_catalog.abs((s.%I)::pg_catalog.float8)', r.quantity_column) END;
    IF r.unit_price_column IS NOT NULL THEN
        c_price := pg_catalog.format('pg_catalog.abs((s.%I)::pg_catalog.float8)', r.unit_price_column);
    END IF;
    c_amount := CASE WHEN r.amount_column IS NULL THEN pg_catalog.format('%s OPERATOR(pg_catalog.*) %s', c_qty, c_price)
                     ELSE pg_catalog.format('pg_catalog.abs((s.%I)::pg_catalog.float8)', r.amount_column) END;

    -- In a database with Citus, no generated SQL function may be inlined
    -- into the caller's query: Citus plans a query before PostgreSQL inlines
    -- the functions it calls, so the inlined query would scan the
    -- coordinator's empty shell of a distributed or reference table and find
    -- no rows, without an error.  The rows function is therefore VOLATILE
    -- (never inlined: its own query, planned by Citus, reads every shard, and
    -- the lines travel to the coordinator).  When the source is distributed
    -- by the customer column, or is a reference or Citus local table, the
    -- features functions run their per-customer pass as one query that Citus
    -- sends to the shards whole, so that only the feature rows come back.
    IF EXISTS (SELECT 1 FROM pg_catalog.pg_extension e WHERE e.extname OPERATOR(pg_catalog.=) 'citus') THEN
        rows_volatility := 'VOLATILE';
        EXECUTE 'SELECT CASE WHEN p.partkey IS NULL AND p.repmodel OPERATOR(pg_catalog.=) ''t'' THEN ''reference''
                             WHEN p.partkey IS NULL THEN ''local''
                             WHEN pg_catalog.column_to_column_name(p.logicalrelid, p.partkey) OPERATOR(pg_catalog.=) $2
                             THEN ''distributed by customer''
                             ELSE ''distributed by '' OPERATOR(pg_catalog.||) pg_catalog.column_to_column_name(p.logicalrelid, p.partkey) END
                   FROM pg_catalog.pg_dist_partition p WHERE p.logicalrelid OPERATOR(pg_catalog.=) $1'
            INTO citus_table USING r.source, r.customer_column::pg_catalog.text;
        pushdown := citus_table OPERATOR(pg_catalog.=) ANY (ARRAY['distributed by customer', 'reference', 'local']);
        -- a row address tells rows apart within one shard only
        IF r.order_column IS NULL AND citus_table OPERATOR(pg_catalog.~) '^distributed by ' AND NOT pushdown THEN
            RAISE EXCEPTION 'source % is % and has no order column', r.source, citus_table
                USING ERRCODE = 'feature_not_supported',
                      DETAIL = 'Without an order column each row is one order, identified by its ctid, which is unique only within one shard of a distributed table.',
                      HINT = pg_catalog.format('Distribute %s by its customer column %I, or pass order_column.', r.source, r.customer_column);
        END IF;
    END IF;

    -- The rows function and the features function are replaced in place when
    -- their result types stay the same, so views users built over them
    -- survive a new registration; when a key type changes they are dropped
    -- and created again (with the view), staying members of the extension so
    -- that DROP EXTENSION removes them.
    -- (looked up by name: a regprocedure constant would stay in the cached plan
    -- after the function is dropped and created again)
    IF (SELECT p.proallargtypes FROM pg_catalog.pg_proc p
         WHERE p.proname OPERATOR(pg_catalog.=) 'insight_sales_rows'
           AND p.pronamespace OPERATOR(pg_catalog.=) '@extschema@'::pg_catalog.regnamespace)
       OPERATOR(pg_catalog.<>) ARRAY[cust_type, order_type, item_type, 'pg_catalog.timestamptz'::pg_catalog.regtype,
                                     'pg_catalog.float8'::pg_catalog.regtype, 'pg_catalog.float8'::pg_catalog.regtype]::pg_catalog.oid[] THEN
        ALTER EXTENSION insight DROP VIEW @extschema@.insight_sales;
        DROP VIEW @extschema@.insight_sales;
        ALTER EXTENSION insight DROP FUNCTION @extschema@.insight_sales_rows();
        DROP FUNCTION @extschema@.insight_sales_rows();
    END IF;
    -- the cleaned lines: the body of the rows function, and the lines the
    -- features functions read on Citus
    lines_template := $rows$
        SELECT (s.%(customer_column)I)::%(customer_type)s AS customer_id,
               %(order_id)s AS order_id,
               %(item_id)s AS item_id,
               %(ordered_at)s AS ordered_at,
               %(quantity)s AS quantity,
               CASE WHEN %(is_return)s THEN -1 ELSE 1 END OPERATOR(pg_catalog.*) %(amount)s AS amount%(more)s
          FROM %(source)s s
         WHERE %(conditions)s $rows$;
    lines_sql := @extschema@.insight_fill_sql(lines_template,
        pg_catalog.jsonb_build_object(
            'customer_type', @extschema@.insight_qualified_type(cust_type),
            'customer_column', r.customer_column, 'order_id', c_order, 'item_id', c_item, 'ordered_at', c_time,
            'is_return', is_return,
            'quantity', pg_catalog.format('CASE WHEN %s THEN -1 ELSE 1 END OPERATOR(pg_catalog.*) %s', is_return, c_qty),
            'amount', c_amount, 'more', '', 'source', r.source::pg_catalog.text,
            'conditions', pg_catalog.array_to_string(conds, E'\n           AND ')));
    -- The same lines as the features' one pass reads them, each expression
    -- computed once: the quantity unsigned (a history uses the quantity of
    -- purchase lines only, amount > 0, whose sign is +1, so the histories
    -- are the same to the last bit) and the time column as it is, whose
    -- max() converted once per customer gives the default as_of (the
    -- conversion to UTC is increasing, so that is the max() of ordered_at).
    features_lines := @extschema@.insight_fill_sql(lines_template,
        pg_catalog.jsonb_build_object(
            'customer_type', @extschema@.insight_qualified_type(cust_type),
            'customer_column', r.customer_column, 'order_id', c_order, 'item_id', c_item, 'ordered_at', c_time,
            'is_return', is_return, 'quantity', c_qty, 'amount', c_amount,
            'more', pg_catalog.format(E',\n               s.%I AS time_key', r.time_column),
            'source', r.source::pg_catalog.text,
            'conditions', pg_catalog.array_to_string(conds, E'\n           AND ')));
    -- the same lines for the passes Citus can push down to the shards, or NULL
    EXECUTE pg_catalog.format($sql$
        CREATE OR REPLACE FUNCTION @extschema@.insight_sales_pushdown_lines()
        RETURNS text
        LANGUAGE sql STABLE PARALLEL SAFE
        AS $lines$ SELECT %L::pg_catalog.text $lines$ $sql$,
        CASE WHEN pushdown THEN lines_sql END);
    EXECUTE @extschema@.insight_fill_sql($sql$
        CREATE OR REPLACE FUNCTION @extschema@.insight_sales_rows()
        RETURNS TABLE (customer_id %(customer_type)s, order_id %(order_type)s, item_id %(item_type)s,
                       ordered_at timestamptz, quantity float8, amount float8)
        LANGUAGE sql %(volatility)s
        AS %(lines)L $sql$,
        pg_catalog.jsonb_build_object(
            'customer_type', @extschema@.insight_qualified_type(cust_type),
            'order_type', @extschema@.insight_qualified_type(order_type),
            'item_type', @extschema@.insight_qualified_type(item_type),
            'volatility', rows_volatility, 'lines', lines_sql));
    -- the latest kept line with a customer, ordered by the source's own time
    -- column (c_time is monotonic in it), so that an index on it serves
    EXECUTE @extschema@.insight_fill_sql($sql$
        CREATE OR REPLACE FUNCTION @extschema@.insight_latest_line()
        RETURNS timestamptz
        LANGUAGE sql STABLE PARALLEL SAFE
        AS $latest$
        SELECT %(ordered_at)s
          FROM %(source)s s
         WHERE %(conditions)s
           AND s.%(customer_column)I IS NOT NULL
         ORDER BY s.%(time_column)I DESC
         LIMIT 1 $latest$ $sql$,
        pg_catalog.jsonb_build_object(
            'ordered_at', c_time, 'source', r.source::pg_catalog.text, 'customer_column', r.customer_column,
            'time_column', r.time_column, 'conditions', pg_catalog.array_to_string(conds, E'\n           AND ')));
    -- the latest purchase (quantity > 0 and amount >= 0 as insight_sales
    -- signs them), the same way
    EXECUTE @extschema@.insight_fill_sql($sql$
        CREATE OR REPLACE FUNCTION @extschema@.insight_latest_purchase()
        RETURNS timestamptz
        LANGUAGE sql STABLE PARALLEL SAFE
        AS $latest$
        SELECT %(ordered_at)s
          FROM %(source)s s
         WHERE %(conditions)s
           AND CASE WHEN %(is_return)s THEN -1 ELSE 1 END OPERATOR(pg_catalog.*) %(quantity)s OPERATOR(pg_catalog.>) 0
           AND CASE WHEN %(is_return)s THEN -1 ELSE 1 END OPERATOR(pg_catalog.*) %(amount)s OPERATOR(pg_catalog.>=) 0
         ORDER BY s.%(time_column)I DESC
         LIMIT 1 $latest$ $sql$,
        pg_catalog.jsonb_build_object(
            'ordered_at', c_time, 'source', r.source::pg_catalog.text, 'time_column', r.time_column,
            'is_return', is_return, 'quantity', c_qty, 'amount', c_amount,
            'conditions', pg_catalog.array_to_string(conds, E'\n           AND ')));
    IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_class c
                    WHERE c.oid OPERATOR(pg_catalog.=) pg_catalog.to_regclass('@extschema@.insight_sales')) THEN
        ALTER EXTENSION insight ADD FUNCTION @extschema@.insight_sales_rows();
        CREATE VIEW @extschema@.insight_sales WITH (security_invoker = true) AS
            SELECT * FROM @extschema@.insight_sales_rows();
        ALTER EXTENSION insight ADD VIEW @extschema@.insight_sales;
    END IF;

    IF (SELECT p.proallargtypes[2] FROM pg_catalog.pg_proc p
         WHERE p.proname OPERATOR(pg_catalog.=) 'insight_customer_features'
           AND p.pronamespace OPERATOR(pg_catalog.=) '@extschema@'::pg_catalog.regnamespace)
       OPERATOR(pg_catalog.<>) cust_type THEN
        ALTER EXTENSION insight DROP FUNCTION @extschema@.insight_customer_features(timestamptz);
        DROP FUNCTION @extschema@.insight_customer_features(timestamptz);
        ALTER EXTENSION insight DROP FUNCTION @extschema@.insight_customer_features_of(text, timestamptz);
        DROP FUNCTION @extschema@.insight_customer_features_of(text, timestamptz);
        features_recreated := true;
    END IF;
    -- One template for both functions; they differ in the signature, the
    -- as_of parameter, the condition on the customer and the default as_of.
    features_sql := $f$
CREATE OR REPLACE FUNCTION @extschema@.%(signature)s
RETURNS TABLE (customer_id %(customer_type)s, recency_days float8, frequency integer, monetary float8,
               tenure_days float8, orders integer, items float8, total_spend float8,
               spend_90d float8, spend_trend float8, mean_days_between_orders float8,
               sd_days_between_orders float8, distinct_items integer, return_rate float8,
               features float8[])
LANGUAGE sql STABLE PARALLEL SAFE
AS $body$
-- one pass over the lines: a purchase history per customer (history.c)
WITH h AS (
    SELECT s.customer_id,
           @extschema@.insight_customer_history(s.order_id, s.item_id, s.ordered_at, s.quantity, s.amount) AS history,
           %(last_event)s AS last_event
      FROM %(lines)s s
     WHERE (%(as_of)s IS NULL OR s.ordered_at OPERATOR(pg_catalog.<) %(as_of)s) AND %(customer_condition)s
     GROUP BY s.customer_id
),
-- default as_of: just after the latest line of any customer (insight_default_as_of)
cutoff AS (
    SELECT COALESCE(%(as_of)s, %(default_as_of)s) AS as_of%(default_as_of_from)s
),
-- materialized: otherwise each f.x[i] below would compute the features again
f AS MATERIALIZED (
    SELECT h.customer_id, @extschema@.insight_history_features(h.history, c.as_of) AS x
      FROM h, cutoff c
     WHERE h.history IS NOT NULL
)
SELECT f.customer_id, f.x[1], f.x[2]::integer, f.x[3], f.x[4], f.x[5]::integer, f.x[6], f.x[7],
       f.x[8], f.x[9], f.x[10], f.x[11], f.x[12]::integer, f.x[13],
       pg_catalog.array_replace(f.x, NULL, 0::pg_catalog.float8)
  FROM f
 ORDER BY f.customer_id
$body$ $f$;
    -- On Citus, with a source distributed by the customer column (or a
    -- reference or local table), the same features from one query that
    -- Citus sends whole to each shard (grouped by the distribution column):
    -- the lines stay on the workers and one row per customer comes back.  It
    -- runs through EXECUTE with as_of and the customer as literals (Citus
    -- refuses parameters in the queries of SQL functions) and reads the
    -- lines from the table, not through the rows function.
    IF pushdown THEN
        features_sql := $f$
CREATE OR REPLACE FUNCTION @extschema@.%(signature)s
RETURNS TABLE (customer_id %(customer_type)s, recency_days float8, frequency integer, monetary float8,
               tenure_days float8, orders integer, items float8, total_spend float8,
               spend_90d float8, spend_trend float8, mean_days_between_orders float8,
               sd_days_between_orders float8, distinct_items integer, return_rate float8,
               features float8[])
LANGUAGE plpgsql STABLE
AS $body$
DECLARE
    -- the default as_of: just after the latest line of any customer
    cutoff pg_catalog.timestamptz := COALESCE(%(as_of)s, @extschema@.insight_default_as_of());
    f record;
BEGIN
    -- (the features array is unpacked here: unpacked in the query, the
    -- workers would compute it once for each of its elements)
    FOR f IN EXECUTE pg_catalog.format(%(query)L, cutoff%(customer_arg)s) LOOP
        customer_id := f.customer_id;
        recency_days := f.x[1];
        frequency := f.x[2];
        monetary := f.x[3];
        tenure_days := f.x[4];
        orders := f.x[5];
        items := f.x[6];
        total_spend := f.x[7];
        spend_90d := f.x[8];
        spend_trend := f.x[9];
        mean_days_between_orders := f.x[10];
        sd_days_between_orders := f.x[11];
        distinct_items := f.x[12];
        return_rate := f.x[13];
        features := pg_catalog.array_replace(f.x, NULL, 0::pg_catalog.float8);
        RETURN NEXT;
    END LOOP;
END
$body$ $f$;
        features_query := $q$
SELECT h.customer_id, @extschema@.insight_history_features(h.history, %1$L::pg_catalog.timestamptz) AS x
  FROM (SELECT s.customer_id,
               @extschema@.insight_customer_history(s.order_id, s.item_id, s.ordered_at, s.quantity, s.amount) AS history
          FROM (%(lines)s) s
         WHERE s.ordered_at OPERATOR(pg_catalog.<) %1$L::pg_catalog.timestamptz AND %(customer_condition)s
         GROUP BY s.customer_id) h
 WHERE h.history IS NOT NULL%(order)s$q$;
        EXECUTE @extschema@.insight_fill_sql(features_sql, pg_catalog.jsonb_build_object(
            'signature', 'insight_customer_features(as_of timestamptz DEFAULT NULL)',
            'customer_type', @extschema@.insight_qualified_type(cust_type), 'as_of', '$1', 'customer_arg', '',
            'query', @extschema@.insight_fill_sql(features_query, pg_catalog.jsonb_build_object(
                'lines', pg_catalog.replace(lines_sql, '%', '%%'), 'order', E'\n ORDER BY h.customer_id',
                'customer_condition', CASE WHEN (opts OPERATOR(pg_catalog.->>) 'drop_missing_customer')::boolean
                                           THEN 'true' ELSE 's.customer_id IS NOT NULL' END))));
        -- the same pass as SQL text, unordered, for the training rows that
        -- a task puts on the shards (insight_training_table)
        EXECUTE pg_catalog.format($sql$
        CREATE OR REPLACE FUNCTION @extschema@.insight_customer_features_sql(as_of timestamptz)
        RETURNS text
        LANGUAGE sql STABLE PARALLEL SAFE
        AS $text$ SELECT pg_catalog.format(%L, $1) $text$ $sql$,
            @extschema@.insight_fill_sql(features_query, pg_catalog.jsonb_build_object(
                'lines', pg_catalog.replace(lines_sql, '%', '%%'), 'order', '',
                'customer_condition', CASE WHEN (opts OPERATOR(pg_catalog.->>) 'drop_missing_customer')::boolean
                                           THEN 'true' ELSE 's.customer_id IS NOT NULL' END)));
        EXECUTE @extschema@.insight_fill_sql(features_sql, pg_catalog.jsonb_build_object(
            'signature', 'insight_customer_features_of(customer text, as_of timestamptz DEFAULT NULL)',
            'customer_type', @extschema@.insight_qualified_type(cust_type), 'as_of', '$2', 'customer_arg', ', $1',
            'query', @extschema@.insight_fill_sql(features_query, pg_catalog.jsonb_build_object(
                'lines', pg_catalog.replace(lines_sql, '%', '%%'), 'order', E'\n ORDER BY h.customer_id',
                'customer_condition', pg_catalog.format('s.customer_id OPERATOR(pg_catalog.=) %%2$L::%s',
                                                        @extschema@.insight_qualified_type(cust_type))))));
    ELSE
        CREATE OR REPLACE FUNCTION @extschema@.insight_customer_features_sql(as_of timestamptz)
        RETURNS text
        LANGUAGE sql STABLE PARALLEL SAFE
        AS $text$ SELECT NULL::pg_catalog.text $text$;
        -- the lines from the source (inlined into the features' query), or
        -- on Citus through the rows function, which is never inlined
        IF rows_volatility OPERATOR(pg_catalog.=) 'VOLATILE' THEN
            features_lines := '@extschema@.insight_sales';
            last_event := 'pg_catalog.max(s.ordered_at)';
        ELSE
            features_lines := '(' OPERATOR(pg_catalog.||) features_lines OPERATOR(pg_catalog.||) ')';
            last_event := pg_catalog.format(time_of, 'pg_catalog.max(s.time_key)');
        END IF;
        -- every customer: the default as_of comes from the same pass
        EXECUTE @extschema@.insight_fill_sql(features_sql, pg_catalog.jsonb_build_object(
            'signature', 'insight_customer_features(as_of timestamptz DEFAULT NULL)',
            'customer_type', @extschema@.insight_qualified_type(cust_type),
            'as_of', '$1', 'lines', features_lines, 'last_event', last_event,
            -- (not a second time when the cleaning drops guest lines: the
            -- planner would count its selectivity twice and, on a fifth of the
            -- rows, take a bitmap scan of the customer column's index for a
            -- sequential scan)
            'customer_condition', CASE WHEN (opts OPERATOR(pg_catalog.->>) 'drop_missing_customer')::boolean
                                       THEN 'true' ELSE 's.customer_id IS NOT NULL' END,
            'default_as_of', 'pg_catalog.max(h.last_event) OPERATOR(pg_catalog.+) interval ''1 microsecond''',
            'default_as_of_from', ' FROM h'));
        -- one customer: only their lines, the default as_of from the latest line
        -- (an index on the source's time column makes that one index probe)
        EXECUTE @extschema@.insight_fill_sql(features_sql, pg_catalog.jsonb_build_object(
            'signature', 'insight_customer_features_of(customer text, as_of timestamptz DEFAULT NULL)',
            'customer_type', @extschema@.insight_qualified_type(cust_type),
            'as_of', '$2', 'lines', features_lines, 'last_event', last_event,
            'customer_condition', pg_catalog.format('s.customer_id OPERATOR(pg_catalog.=) ($1)::%s',
                                                    @extschema@.insight_qualified_type(cust_type)),
            'default_as_of', '(' OPERATOR(pg_catalog.||) (SELECT p.prosrc FROM pg_catalog.pg_proc p
                                                          WHERE p.oid OPERATOR(pg_catalog.=) '@extschema@.insight_default_as_of()'::pg_catalog.regprocedure)
                                 OPERATOR(pg_catalog.||) ')',
            'default_as_of_from', ''));
    END IF;
    IF features_recreated THEN
        ALTER EXTENSION insight ADD FUNCTION @extschema@.insight_customer_features(timestamptz);
        ALTER EXTENSION insight ADD FUNCTION @extschema@.insight_customer_features_of(text, timestamptz);
    END IF;
    PERFORM @extschema@.insight_comment_sales_objects();
    RETURN NULL;
END
$build$;

COMMENT ON FUNCTION @extschema@.insight_build_sales_objects() IS
'Trigger function on insight_sales_sources (AFTER INSERT OR UPDATE; also fires when pg_restore loads the table): rebuilds insight_sales_rows() (and with it the view insight_sales), insight_sales_pushdown_lines(), insight_customer_features(timestamptz) and insight_customer_features_of(text, timestamptz) for the registration, in the source''s key types, and comments them again. Runs as the extension''s owner (SECURITY DEFINER, search_path pinned). Raises the errors of insight_register_sales when a registered column has gone or is no longer readable. In a database with Citus: insight_sales_rows() is VOLATILE, so never inlined (Citus plans a query before PostgreSQL inlines functions, and an inlined reader of a distributed table would read the coordinator''s empty shell); for a source distributed by the customer column, a reference table or a single-shard table, the two features functions are PL/pgSQL that run their per-customer pass as one query Citus sends to every shard (one shard for one customer), with as_of and the customer as literals, and insight_sales_pushdown_lines() returns the lines query those passes put on the shards (NULL otherwise); a source distributed by another column without an order column is refused (0A000).';

CREATE TRIGGER insight_sales_sources_build
    AFTER INSERT OR UPDATE ON @extschema@.insight_sales_sources
    FOR EACH ROW EXECUTE FUNCTION @extschema@.insight_build_sales_objects();

-- A registration made before CREATE EXTENSION citus built an inlinable rows
-- function, which would read the empty shell of the table once Citus
-- distributes it (no rows, no error): when citus is created, the
-- registration is built again, for a database with Citus.
CREATE FUNCTION @extschema@.insight_citus_created()
RETURNS event_trigger
LANGUAGE plpgsql
AS $$
DECLARE
    ddl_propagation pg_catalog.text;
BEGIN
    IF EXISTS (SELECT 1 FROM pg_catalog.pg_event_trigger_ddl_commands() c
                WHERE c.object_type OPERATOR(pg_catalog.=) 'extension'
                  AND c.object_identity OPERATOR(pg_catalog.=) 'citus')
       AND EXISTS (SELECT 1 FROM @extschema@.insight_sales_sources) THEN
        ddl_propagation := pg_catalog.current_setting('citus.enable_ddl_propagation', true);
        PERFORM pg_catalog.set_config('citus.enable_ddl_propagation', 'off', true);
        UPDATE @extschema@.insight_sales_sources SET source = source;
        PERFORM pg_catalog.set_config('citus.enable_ddl_propagation', COALESCE(ddl_propagation, 'on'), true);
    END IF;
END
$$;

COMMENT ON FUNCTION @extschema@.insight_citus_created() IS
'Event trigger function (insight_citus_created, ddl_command_end of CREATE EXTENSION): when the extension created is citus and a sales source is registered, builds the registration again (as insight_build_sales_objects does for a database with Citus: a rows function that is never inlined), so that distributing the source afterwards cannot leave an inlined reader of the coordinator''s empty shell, which would return no rows without an error. Register again after distributing the source to have the features computed on the shards (docs/operations.md, "Scaling out with Citus").';

CREATE EVENT TRIGGER insight_citus_created ON ddl_command_end
    WHEN TAG IN ('CREATE EXTENSION')
    EXECUTE FUNCTION @extschema@.insight_citus_created();

COMMENT ON EVENT TRIGGER insight_citus_created IS
'Builds the sales registration again when CREATE EXTENSION citus runs (insight_citus_created()).';
