-- Sources (issue 21): SQL generated at registration is built by one helper,
-- insight_fill_sql; returns by a status column (options return_status_column
-- and return_status_values, which have no default: a registration stored by
-- 0.1.0 is what 0.2.0 would store, and the objects it built are what 0.2.0
-- builds, byte for byte); a comment on every function, table, view and
-- column, and on the objects rebuilt at registration after every rebuild.

--@ function src/sql/core/generated_sql.sql insight_fill_sql

--@ function src/sql/features/sales_source.sql insight_sales_options

CREATE OR REPLACE FUNCTION @extschema@.insight_register_sales(
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

    -- one registration: a new one replaces the old; the trigger rebuilds the objects
    DELETE FROM @extschema@.insight_sales_sources;
    INSERT INTO @extschema@.insight_sales_sources
        (source, customer_column, time_column, order_column, item_column,
         quantity_column, amount_column, unit_price_column, options)
    VALUES (source, customer_column, time_column, order_column, item_column,
            quantity_column, amount_column, unit_price_column, full_options);
END
$$;

--@ function src/sql/features/sales_source.sql insight_comment_sales_objects

CREATE OR REPLACE FUNCTION @extschema@.insight_build_sales_objects()
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
    c_order pg_catalog.text;
    c_item pg_catalog.text;
    c_qty pg_catalog.text;
    c_price pg_catalog.text;
    c_amount pg_catalog.text;
    is_return pg_catalog.text;
    conds pg_catalog.text[] := ARRAY[]::pg_catalog.text[];
    features_recreated boolean := false;
    features_sql pg_catalog.text;
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

    -- all timestamps in UTC, whatever the session's TimeZone
    c_time := CASE time_type
        WHEN 'pg_catalog.timestamptz'::pg_catalog.regtype THEN pg_catalog.format('s.%I', r.time_column)
        WHEN 'pg_catalog.timestamp'::pg_catalog.regtype THEN pg_catalog.format('(s.%I AT TIME ZONE ''UTC'')', r.time_column)
        ELSE pg_catalog.format('((s.%I)::timestamp AT TIME ZONE ''UTC'')', r.time_column) END;
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
    EXECUTE @extschema@.insight_fill_sql($sql$
        CREATE OR REPLACE FUNCTION @extschema@.insight_sales_rows()
        RETURNS TABLE (customer_id %(customer_type)s, order_id %(order_type)s, item_id %(item_type)s,
                       ordered_at timestamptz, quantity float8, amount float8)
        LANGUAGE sql STABLE PARALLEL SAFE
        AS $rows$
        SELECT (s.%(customer_column)I)::%(customer_type)s AS customer_id,
               %(order_id)s AS order_id,
               %(item_id)s AS item_id,
               %(ordered_at)s AS ordered_at,
               CASE WHEN %(is_return)s THEN -1 ELSE 1 END OPERATOR(pg_catalog.*) %(quantity)s AS quantity,
               CASE WHEN %(is_return)s THEN -1 ELSE 1 END OPERATOR(pg_catalog.*) %(amount)s AS amount
          FROM %(source)s s
         WHERE %(conditions)s $rows$ $sql$,
        pg_catalog.jsonb_build_object(
            'customer_type', @extschema@.insight_qualified_type(cust_type),
            'order_type', @extschema@.insight_qualified_type(order_type),
            'item_type', @extschema@.insight_qualified_type(item_type),
            'customer_column', r.customer_column, 'order_id', c_order, 'item_id', c_item, 'ordered_at', c_time,
            'is_return', is_return, 'quantity', c_qty, 'amount', c_amount, 'source', r.source::pg_catalog.text,
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
           pg_catalog.max(s.ordered_at) AS last_event
      FROM @extschema@.insight_sales s
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
    -- every customer: the default as_of comes from the same pass
    EXECUTE @extschema@.insight_fill_sql(features_sql, pg_catalog.jsonb_build_object(
        'signature', 'insight_customer_features(as_of timestamptz DEFAULT NULL)',
        'customer_type', @extschema@.insight_qualified_type(cust_type),
        'as_of', '$1', 'customer_condition', 's.customer_id IS NOT NULL',
        'default_as_of', 'pg_catalog.max(h.last_event) OPERATOR(pg_catalog.+) interval ''1 microsecond''',
        'default_as_of_from', ' FROM h'));
    -- one customer: only their lines, the default as_of from the latest line
    -- (an index on the source's time column makes that one index probe)
    EXECUTE @extschema@.insight_fill_sql(features_sql, pg_catalog.jsonb_build_object(
        'signature', 'insight_customer_features_of(customer text, as_of timestamptz DEFAULT NULL)',
        'customer_type', @extschema@.insight_qualified_type(cust_type),
        'as_of', '$2',
        'customer_condition', pg_catalog.format('s.customer_id OPERATOR(pg_catalog.=) ($1)::%s',
                                                @extschema@.insight_qualified_type(cust_type)),
        'default_as_of', '(' OPERATOR(pg_catalog.||) (SELECT p.prosrc FROM pg_catalog.pg_proc p
                                                      WHERE p.oid OPERATOR(pg_catalog.=) '@extschema@.insight_default_as_of()'::pg_catalog.regprocedure)
                             OPERATOR(pg_catalog.||) ')',
        'default_as_of_from', ''));
    IF features_recreated THEN
        ALTER EXTENSION insight ADD FUNCTION @extschema@.insight_customer_features(timestamptz);
        ALTER EXTENSION insight ADD FUNCTION @extschema@.insight_customer_features_of(text, timestamptz);
    END IF;
    PERFORM @extschema@.insight_comment_sales_objects();
    RETURN NULL;
END
$build$;

CREATE OR REPLACE FUNCTION @extschema@.insight_rfm_scores_sql(key_type text)
RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $f$ SELECT @extschema@.insight_fill_sql($sql$
CREATE FUNCTION @extschema@.insight_rfm_scores(as_of timestamptz DEFAULT NULL)
RETURNS TABLE (customer_id %(key_type)s, recency_days float8, frequency integer, monetary float8,
               r_score integer, f_score integer, m_score integer, rfm_cell text, segment text)
LANGUAGE sql STABLE PARALLEL SAFE
AS $body$
-- score = 1 + floor(5 * (customers with a strictly worse value) / customers):
-- rank() gives tied customers the same rank, so equal values get equal scores
-- whatever the row order.  (OPERATOR() has one precedence whatever the
-- operator: the parentheses keep * and / before +.)
WITH f AS (
    SELECT c.customer_id, c.recency_days, c.orders AS frequency, c.total_spend AS monetary,
           pg_catalog.count(*) OVER () AS n,
           pg_catalog.rank() OVER (ORDER BY c.recency_days DESC) OPERATOR(pg_catalog.-) 1 AS r_worse,
           pg_catalog.rank() OVER (ORDER BY c.orders) OPERATOR(pg_catalog.-) 1 AS f_worse,
           pg_catalog.rank() OVER (ORDER BY c.total_spend) OPERATOR(pg_catalog.-) 1 AS m_worse
      FROM @extschema@.insight_customer_features($1) c
),
s AS (
    SELECT f.customer_id, f.recency_days, f.frequency, f.monetary,
           (1 OPERATOR(pg_catalog.+) ((5 OPERATOR(pg_catalog.*) f.r_worse) OPERATOR(pg_catalog./) f.n))::integer AS r_score,
           (1 OPERATOR(pg_catalog.+) ((5 OPERATOR(pg_catalog.*) f.f_worse) OPERATOR(pg_catalog./) f.n))::integer AS f_score,
           (1 OPERATOR(pg_catalog.+) ((5 OPERATOR(pg_catalog.*) f.m_worse) OPERATOR(pg_catalog./) f.n))::integer AS m_score
      FROM f
)
SELECT s.customer_id, s.recency_days, s.frequency, s.monetary, s.r_score, s.f_score, s.m_score,
       s.r_score::pg_catalog.text OPERATOR(pg_catalog.||) s.f_score::pg_catalog.text OPERATOR(pg_catalog.||) s.m_score::pg_catalog.text,
       @extschema@.insight_rfm_segment(s.r_score, s.f_score, s.m_score)
  FROM s
 ORDER BY s.customer_id
$body$ $sql$, pg_catalog.jsonb_build_object('key_type', key_type)) $f$;

--@ function src/sql/features/rfm.sql insight_comment_rfm_objects

CREATE OR REPLACE FUNCTION @extschema@.insight_build_clv_objects()
RETURNS trigger
LANGUAGE plpgsql
AS $build$
DECLARE
    cust_type pg_catalog.text;
    body pg_catalog.text;
    -- the statement of both functions: signature, key type and body
    function_sql CONSTANT pg_catalog.text := $f$
CREATE FUNCTION @extschema@.%(signature)s
RETURNS TABLE (customer_id %(customer_type)s, frequency integer, recency float8, "T" float8,
               monetary_value float8)
LANGUAGE sql STABLE PARALLEL SAFE
AS $fbody$ %(body)s $fbody$ $f$;
BEGIN
    -- (qualified: the body below is parsed with the caller's search_path)
    cust_type := @extschema@.insight_qualified_type(
        @extschema@.insight_source_column(NEW.source, NEW.customer_column, 'customer', 'key'));

    ALTER EXTENSION insight DROP FUNCTION @extschema@.insight_clv_summary(timestamptz, interval);
    DROP FUNCTION @extschema@.insight_clv_summary(timestamptz, interval);
    -- (%(customer_condition)s: all customers, or one)
    body := $body$
-- A purchase is a kept line that is not a return.  Days are UTC calendar days
-- and times are whole days between them (lifetimes' convention): t_x from the
-- first to the last purchase day, T from the first purchase day to the last
-- observed day, so a purchase on the last day has t_x = T.
WITH cutoff AS (
    SELECT @extschema@.insight_clv_period_seconds($2) AS period_seconds,
           COALESCE($1, (SELECT ((pg_catalog.max(s.ordered_at) AT TIME ZONE 'UTC')::pg_catalog.date OPERATOR(pg_catalog.+) 1)::timestamp
                                AT TIME ZONE 'UTC'
                           FROM @extschema@.insight_sales s
                          WHERE s.quantity OPERATOR(pg_catalog.>) 0 AND s.amount OPERATOR(pg_catalog.>=) 0)) AS as_of
),
-- the last observed day: the UTC day of the last instant before as_of
params AS (
    SELECT c.period_seconds, c.as_of,
           ((c.as_of OPERATOR(pg_catalog.-) interval '1 microsecond') AT TIME ZONE 'UTC')::pg_catalog.date AS last_day
      FROM cutoff c
),
days AS (
    SELECT s.customer_id, (s.ordered_at AT TIME ZONE 'UTC')::pg_catalog.date AS day,
           pg_catalog.sum(s.amount::numeric) AS spend   -- exact: independent of row order
      FROM @extschema@.insight_sales s
     WHERE s.quantity OPERATOR(pg_catalog.>) 0 AND s.amount OPERATOR(pg_catalog.>=) 0 AND s.customer_id IS NOT NULL
       AND s.ordered_at OPERATOR(pg_catalog.<) (SELECT p.as_of FROM params p) %(customer_condition)s
     GROUP BY 1, 2
),
marked AS (
    SELECT d.customer_id, d.day, d.spend,
           pg_catalog.min(d.day) OVER (PARTITION BY d.customer_id) AS first_day
      FROM days d
)
SELECT m.customer_id,
       (pg_catalog.count(*) OPERATOR(pg_catalog.-) 1)::integer,
       (pg_catalog.max(m.day) OPERATOR(pg_catalog.-) pg_catalog.min(m.day))::pg_catalog.float8
           OPERATOR(pg_catalog.*) 86400 OPERATOR(pg_catalog./) p.period_seconds,
       (p.last_day OPERATOR(pg_catalog.-) pg_catalog.min(m.day))::pg_catalog.float8
           OPERATOR(pg_catalog.*) 86400 OPERATOR(pg_catalog./) p.period_seconds,
       (pg_catalog.avg(m.spend) FILTER (WHERE m.day OPERATOR(pg_catalog.>) m.first_day))::pg_catalog.float8
  FROM marked m, params p
 GROUP BY m.customer_id, p.period_seconds, p.last_day
 ORDER BY m.customer_id
$body$;
    EXECUTE @extschema@.insight_fill_sql(function_sql, pg_catalog.jsonb_build_object(
        'signature', 'insight_clv_summary(as_of timestamptz DEFAULT NULL, period interval DEFAULT ''7 days'')',
        'customer_type', cust_type,
        'body', @extschema@.insight_fill_sql(body, '{"customer_condition": ""}')));
    ALTER EXTENSION insight ADD FUNCTION @extschema@.insight_clv_summary(timestamptz, interval);
    COMMENT ON FUNCTION @extschema@.insight_clv_summary(timestamptz, interval) IS
'One row per customer with a purchase (a kept line that is not a return) strictly before as_of: the input of the BG/NBD, Pareto/NBD and Gamma-Gamma models (Fader, Hardie & Lee 2005). Purchases are bucketed by UTC calendar day. frequency (x): purchase days after the first; recency (t_x): first to last purchase day; T: first purchase day to the last observed day (the UTC day of the last instant before as_of, so that as_of 1997-10-01 00:00 UTC observes up to 1997-09-30); monetary_value: mean of the per-day totals of the repeat days, NULL when frequency = 0. Times are elapsed days divided by the length of period (default 7 days: weeks), never rounded. as_of defaults to the start of the UTC day after the latest purchase (the last observed day is the latest purchase day). The result depends neither on row order nor on TimeZone.';

    ALTER EXTENSION insight DROP FUNCTION @extschema@.insight_clv_customer_summary(timestamptz, interval, text);
    DROP FUNCTION @extschema@.insight_clv_customer_summary(timestamptz, interval, text);
    EXECUTE @extschema@.insight_fill_sql(function_sql, pg_catalog.jsonb_build_object(
        'signature', 'insight_clv_customer_summary(as_of timestamptz, period interval, customer text)',
        'customer_type', cust_type,
        'body', @extschema@.insight_fill_sql(body, pg_catalog.jsonb_build_object(
            'customer_condition', 'AND s.customer_id OPERATOR(pg_catalog.=) $3::' OPERATOR(pg_catalog.||) cust_type))));
    ALTER EXTENSION insight ADD FUNCTION @extschema@.insight_clv_customer_summary(timestamptz, interval, text);
    COMMENT ON FUNCTION @extschema@.insight_clv_customer_summary(timestamptz, interval, text) IS
'insight_clv_summary(as_of, period) of one customer, given as the text form of its key (no row when the customer has no purchase before as_of).';
    RETURN NULL;
END
$build$;

-- CREATE OR REPLACE made the registration triggers SECURITY INVOKER again
-- (ops/privileges.sql makes every one of them SECURITY DEFINER)
ALTER FUNCTION @extschema@.insight_build_sales_objects() SECURITY DEFINER SET search_path = pg_catalog, pg_temp;
ALTER FUNCTION @extschema@.insight_build_clv_objects() SECURITY DEFINER SET search_path = pg_catalog, pg_temp;

--@ comment src/sql/features/sales_source.sql insight_sales_default_options

COMMENT ON FUNCTION @extschema@.insight_register_sales(regclass, name, name, name, name, name, name, name, jsonb) IS
'Register the shop''s order-lines relation (replacing an earlier registration) and rebuild the view insight_sales over it. Line amount = amount_column, or quantity_column x unit_price_column. Without order_column each row is one order. options: cleaning rules, see insight_sales_default_options(); returns by a status column: {"return_status_column": "status", "return_status_values": ["cancelled", "returned"]} makes every line whose status (as text) is one of the values a return, like a negative quantity or a return_order_prefix: its quantity and amount become negative, or it is dropped with "returns": "drop". Errors: 42P01 unknown relation, 42703 missing column, 42804 unusable column type, 22023 bad option or no way to compute the amount, 42501 no SELECT privilege on a column.';

--@ comment src/sql/core/generated_sql.sql insight_fill_sql

COMMENT ON COLUMN @extschema@.insight_models.model_id IS 'Identifier of the model, from 1 in storing order; what insight_activate(), insight_rollback() and the scoring views refer to.';

COMMENT ON COLUMN @extschema@.insight_models.created_at IS 'When the model was stored (transaction time).';

COMMENT ON COLUMN @extschema@.insight_model_activations.activation_id IS 'Identifier, increasing in the order of the activations and rollbacks.';

COMMENT ON COLUMN @extschema@.insight_model_activations.task IS 'The task whose active model changed.';

COMMENT ON COLUMN @extschema@.insight_model_activations.model_id IS 'The model that became active.';

COMMENT ON COLUMN @extschema@.insight_model_activations.previous_model_id IS 'The model it replaced; NULL for the first active model of the task.';

COMMENT ON COLUMN @extschema@.insight_model_activations.activated_at IS 'When (transaction time).';

COMMENT ON COLUMN @extschema@.insight_model_activations.activated_by IS 'The role that activated or rolled back.';

COMMENT ON COLUMN @extschema@.insight_model_activations.is_rollback IS 'true for a row written by insight_rollback() (model_id is the model put back).';

COMMENT ON COLUMN @extschema@.insight_model_activations.undone IS 'true once insight_rollback() has undone this activation.';

--@ comment src/sql/core/registry.sql insight_models_guard

--@ comment src/sql/core/registry.sql insight_lock_task

--@ comment src/sql/features/history.sql insight_history_accum

--@ comment src/sql/features/history.sql insight_history_combine

--@ comment src/sql/features/history.sql insight_history_final

COMMENT ON COLUMN @extschema@.insight_items.item_id IS 'Item key, as text (the key of insight_sales.item_id).';

COMMENT ON COLUMN @extschema@.insight_items.item_name IS 'Readable name: the most frequent non-NULL name of the item in the relation registered; NULL without a name column.';

COMMENT ON COLUMN @extschema@.insight_items.category IS 'Category: the most frequent non-NULL category of the item; NULL without a category column.';

COMMENT ON FUNCTION @extschema@.insight_rfm_scores_sql(text) IS
'The CREATE FUNCTION statement of insight_rfm_scores(timestamptz) with customer_id of type key_type (a type name as format_type gives it), filled by insight_fill_sql.';

COMMENT ON FUNCTION @extschema@.insight_build_rfm_objects() IS
'Trigger function on insight_sales_sources (AFTER INSERT OR UPDATE, after insight_build_sales_objects): drops and creates insight_rfm_scores(timestamptz) and the view insight_rfm again with the registered customer key type, and comments them. Runs as the extension''s owner (SECURITY DEFINER, search_path pinned).';

--@ comment src/sql/features/rfm.sql insight_comment_rfm_objects

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

--@ comment src/sql/features/sales_source.sql insight_no_sales_source

--@ comment src/sql/features/sales_source.sql insight_comment_sales_objects

--@ comment src/sql/features/sales_source.sql insight_source_column

--@ comment src/sql/features/sales_source.sql insight_sales_options

--@ comment src/sql/features/sales_source.sql insight_qualified_type

--@ comment src/sql/features/sales_source.sql insight_finite_conditions

COMMENT ON FUNCTION @extschema@.insight_build_sales_objects() IS
'Trigger function on insight_sales_sources (AFTER INSERT OR UPDATE; also fires when pg_restore loads the table): rebuilds insight_sales_rows() (and with it the view insight_sales), insight_customer_features(timestamptz) and insight_customer_features_of(text, timestamptz) for the registration, in the source''s key types, and comments them again. Runs as the extension''s owner (SECURITY DEFINER, search_path pinned). Raises the errors of insight_register_sales when a registered column has gone or is no longer readable.';

COMMENT ON FUNCTION @extschema@.insight_scaler_accum(bytea, float8[]) IS
'Transition function of insight_scaler_fit: adds one feature row to the count, means and sums of squared deviations (Welford); rows with a NULL array or element are skipped and counted. Errors: a row of another length, NaN or Infinity.';

COMMENT ON FUNCTION @extschema@.insight_scaler_combine(bytea, bytea) IS
'Combine function of insight_scaler_fit: merges two partial states (Chan, Golub & LeVeque 1979).';

COMMENT ON FUNCTION @extschema@.insight_scaler_final(bytea) IS
'Final function of insight_scaler_fit: the scaler model (means, population standard deviations, 1 for a constant feature); NULL for no usable row.';

--@ comment src/sql/models/cluster/kmeans.sql insight_kmeans_pass_accum

--@ comment src/sql/models/cluster/kmeans.sql insight_kmeans_pass_combine

COMMENT ON FUNCTION @extschema@.insight_build_clv_objects() IS
'Trigger function on insight_sales_sources (AFTER INSERT OR UPDATE, after insight_build_sales_objects): drops and creates insight_clv_summary(timestamptz, interval) and insight_clv_customer_summary(timestamptz, interval, text) again with the registered customer key type, from one body filled by insight_fill_sql, and comments them. Runs as the extension''s owner (SECURITY DEFINER, search_path pinned).';

--@ comment src/sql/ops/privileges.sql insight_sales_sources_privileges

COMMENT ON COLUMN @extschema@.insight_training_runs.run_id IS 'Identifier of the run, increasing in starting order.';

COMMENT ON COLUMN @extschema@.insight_training_runs.started_at IS 'When the run started (clock time).';

COMMENT ON COLUMN @extschema@.insight_training_runs.finished_at IS 'When the run ended (clock time); NULL while running.';

COMMENT ON COLUMN @extschema@.insight_training_runs.started_by IS 'The role that ran insight_retrain().';

COMMENT ON COLUMN @extschema@.insight_trainers.task IS 'The task (churn, clv, segments, recommender, or a custom one).';

COMMENT ON COLUMN @extschema@.insight_trainers.train_function IS 'Its training function: (params jsonb) RETURNS bigint, the model_id it stored (checked by a trigger).';

COMMENT ON COLUMN @extschema@.insight_trainers.rows_metric IS 'Key of the model''s metrics that holds its number of training rows (copied to insight_training_runs.rows_used); NULL: none.';

COMMENT ON COLUMN @extschema@.insight_trainers.builtin IS 'true for insight''s own tasks (created with the extension, not dumped); false for a task added by the user (kept by pg_dump).';

--@ comment src/sql/ops/training_runs.sql insight_trainers_check

COMMENT ON COLUMN @extschema@.insight_segment_summary.kind IS '''rfm'' for an RFM segment, ''cluster'' for a cluster of the active segments model.';

COMMENT ON COLUMN @extschema@.insight_segment_summary.segment IS 'RFM segment name (kind rfm), or the cluster''s label from insight_cluster_label of its centroid (kind cluster).';

COMMENT ON COLUMN @extschema@.insight_segment_summary.cluster IS 'Cluster number 1..k of the active segments model (kind cluster); NULL for kind rfm.';

COMMENT ON COLUMN @extschema@.insight_segment_summary.customers IS 'Customers in the group.';

COMMENT ON COLUMN @extschema@.insight_segment_summary.customer_share IS 'customers / all customers of the same kind (0..1).';

COMMENT ON COLUMN @extschema@.insight_segment_summary.mean_recency_days IS 'Mean days since the last purchase (insight_rfm.recency_days).';

COMMENT ON COLUMN @extschema@.insight_segment_summary.mean_frequency IS 'Mean number of orders (insight_rfm.frequency).';

COMMENT ON COLUMN @extschema@.insight_segment_summary.mean_monetary IS 'Mean total spend per customer (insight_rfm.monetary, source currency).';

COMMENT ON COLUMN @extschema@.insight_segment_summary.revenue IS 'Total spend of the group (source currency).';

COMMENT ON COLUMN @extschema@.insight_segment_summary.revenue_share IS 'revenue / revenue of all customers of the same kind (0..1).';

COMMENT ON COLUMN @extschema@.insight_segment_summary.mean_churn_probability IS 'Mean churn probability of the group by the active churn model (0..1); NULL when none is active.';

COMMENT ON COLUMN @extschema@.insight_segment_summary.total_clv_12m IS 'Sum of the 12-month CLV of the group by the active CLV models, discounted 1 % a month (source currency); NULL when none is active.';

-- the objects rebuilt at registration (or their placeholders) get their comments
SELECT @extschema@.insight_comment_sales_objects();
SELECT @extschema@.insight_comment_rfm_objects();
