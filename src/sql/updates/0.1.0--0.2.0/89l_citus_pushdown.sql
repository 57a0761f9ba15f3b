-- Issue 19: on Citus, the CLV summaries and the interactions run their
-- per-customer pass on the shards, as the features do, for a source
-- distributed by customer: insight_sales_pushdown_lines() (generated at
-- registration) gives the lines query they group by the distribution column.
-- A database without Citus gets the same queries as before.

--@ function src/sql/features/sales_source.sql insight_sales_pushdown_lines

--@ comment src/sql/features/sales_source.sql insight_sales_pushdown_lines

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
 WHERE h.history IS NOT NULL
 ORDER BY h.customer_id$q$;
        EXECUTE @extschema@.insight_fill_sql(features_sql, pg_catalog.jsonb_build_object(
            'signature', 'insight_customer_features(as_of timestamptz DEFAULT NULL)',
            'customer_type', @extschema@.insight_qualified_type(cust_type), 'as_of', '$1', 'customer_arg', '',
            'query', @extschema@.insight_fill_sql(features_query, pg_catalog.jsonb_build_object(
                'lines', pg_catalog.replace(lines_sql, '%', '%%'),
                'customer_condition', CASE WHEN (opts OPERATOR(pg_catalog.->>) 'drop_missing_customer')::boolean
                                           THEN 'true' ELSE 's.customer_id IS NOT NULL' END))));
        EXECUTE @extschema@.insight_fill_sql(features_sql, pg_catalog.jsonb_build_object(
            'signature', 'insight_customer_features_of(customer text, as_of timestamptz DEFAULT NULL)',
            'customer_type', @extschema@.insight_qualified_type(cust_type), 'as_of', '$2', 'customer_arg', ', $1',
            'query', @extschema@.insight_fill_sql(features_query, pg_catalog.jsonb_build_object(
                'lines', pg_catalog.replace(lines_sql, '%', '%%'),
                'customer_condition', pg_catalog.format('s.customer_id OPERATOR(pg_catalog.=) %%2$L::%s',
                                                        @extschema@.insight_qualified_type(cust_type))))));
    ELSE
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

ALTER FUNCTION @extschema@.insight_build_sales_objects() SECURITY DEFINER SET search_path = pg_catalog, pg_temp;

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
    -- On Citus, for a source whose lines insight_sales_pushdown_lines()
    -- gives: the same summary from one query over the source that Citus
    -- sends whole to the shards (grouped by the distribution column), run
    -- through EXECUTE with as_of, period and the customer as literals (Citus
    -- refuses parameters in the queries of SQL functions); only the summary
    -- rows come back.
    citus_function_sql CONSTANT pg_catalog.text := $f$
CREATE FUNCTION @extschema@.%(signature)s
RETURNS TABLE (customer_id %(customer_type)s, frequency integer, recency float8, "T" float8,
               monetary_value float8)
LANGUAGE plpgsql STABLE
AS $fbody$
BEGIN
    PERFORM @extschema@.insight_clv_period_seconds($2);  -- (its errors first)
    RETURN QUERY EXECUTE pg_catalog.format(%(query)L,
        COALESCE($1, (SELECT ((@extschema@.insight_latest_purchase() AT TIME ZONE 'UTC')::pg_catalog.date
                              OPERATOR(pg_catalog.+) 1)::timestamp AT TIME ZONE 'UTC')), $2%(customer_arg)s);
END
$fbody$ $f$;
    -- (%1$L: as_of, %2$L: period, %3$L: the customer; the expressions of
    -- the body above, with params inlined)
    citus_query CONSTANT pg_catalog.text := $q$
SELECT m.customer_id,
       (pg_catalog.count(*) OPERATOR(pg_catalog.-) 1)::integer,
       (pg_catalog.max(m.day) OPERATOR(pg_catalog.-) pg_catalog.min(m.day))::pg_catalog.float8
           OPERATOR(pg_catalog.*) 86400 OPERATOR(pg_catalog./) @extschema@.insight_clv_period_seconds(%2$L::pg_catalog.interval),
       ((((%1$L::pg_catalog.timestamptz OPERATOR(pg_catalog.-) interval '1 microsecond') AT TIME ZONE 'UTC')::pg_catalog.date)
            OPERATOR(pg_catalog.-) pg_catalog.min(m.day))::pg_catalog.float8
           OPERATOR(pg_catalog.*) 86400 OPERATOR(pg_catalog./) @extschema@.insight_clv_period_seconds(%2$L::pg_catalog.interval),
       (pg_catalog.avg(m.spend) FILTER (WHERE m.day OPERATOR(pg_catalog.>) m.first_day))::pg_catalog.float8
  FROM (SELECT d.customer_id, d.day, d.spend,
               pg_catalog.min(d.day) OVER (PARTITION BY d.customer_id) AS first_day
          FROM (SELECT s.customer_id, (s.ordered_at AT TIME ZONE 'UTC')::pg_catalog.date AS day,
                       pg_catalog.sum(s.amount::numeric) AS spend
                  FROM (%(lines)s) s
                 WHERE s.quantity OPERATOR(pg_catalog.>) 0 AND s.amount OPERATOR(pg_catalog.>=) 0 AND s.customer_id IS NOT NULL
                   AND s.ordered_at OPERATOR(pg_catalog.<) %1$L::pg_catalog.timestamptz %(customer_condition)s
                 GROUP BY 1, 2) d) m
 GROUP BY m.customer_id
 ORDER BY m.customer_id$q$;
    lines pg_catalog.text;
BEGIN
    -- (qualified: the body below is parsed with the caller's search_path)
    cust_type := @extschema@.insight_qualified_type(
        @extschema@.insight_source_column(NEW.source, NEW.customer_column, 'customer', 'key'));
    -- (built by insight_build_sales_objects, whose trigger fires first)
    lines := pg_catalog.replace(@extschema@.insight_sales_pushdown_lines(), '%', '%%');

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
           -- (the latest purchase by an index probe, insight_latest_purchase())
           COALESCE($1, (SELECT ((@extschema@.insight_latest_purchase() AT TIME ZONE 'UTC')::pg_catalog.date
                                 OPERATOR(pg_catalog.+) 1)::timestamp AT TIME ZONE 'UTC')) AS as_of
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
    IF lines IS NULL THEN
        EXECUTE @extschema@.insight_fill_sql(function_sql, pg_catalog.jsonb_build_object(
            'signature', 'insight_clv_summary(as_of timestamptz DEFAULT NULL, period interval DEFAULT ''7 days'')',
            'customer_type', cust_type,
            'body', @extschema@.insight_fill_sql(body, '{"customer_condition": ""}')));
    ELSE
        EXECUTE @extschema@.insight_fill_sql(citus_function_sql, pg_catalog.jsonb_build_object(
            'signature', 'insight_clv_summary(as_of timestamptz DEFAULT NULL, period interval DEFAULT ''7 days'')',
            'customer_type', cust_type, 'customer_arg', '',
            'query', @extschema@.insight_fill_sql(citus_query, pg_catalog.jsonb_build_object(
                'lines', lines, 'customer_condition', ''))));
    END IF;
    -- (a member already when created by an update script of the extension)
    IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d
                    WHERE d.classid OPERATOR(pg_catalog.=) 'pg_catalog.pg_proc'::pg_catalog.regclass
                      AND d.objid OPERATOR(pg_catalog.=) pg_catalog.to_regprocedure('@extschema@.insight_clv_summary(timestamptz, interval)')
                      AND d.deptype OPERATOR(pg_catalog.=) 'e') THEN
        ALTER EXTENSION insight ADD FUNCTION @extschema@.insight_clv_summary(timestamptz, interval);
    END IF;
    COMMENT ON FUNCTION @extschema@.insight_clv_summary(timestamptz, interval) IS
'One row per customer with a purchase (a kept line that is not a return) strictly before as_of: the input of the BG/NBD, Pareto/NBD and Gamma-Gamma models (Fader, Hardie & Lee 2005). Purchases are bucketed by UTC calendar day. frequency (x): purchase days after the first; recency (t_x): first to last purchase day; T: first purchase day to the last observed day (the UTC day of the last instant before as_of, so that as_of 1997-10-01 00:00 UTC observes up to 1997-09-30); monetary_value: mean of the per-day totals of the repeat days, NULL when frequency = 0. Times are elapsed days divided by the length of period (default 7 days: weeks), never rounded. as_of defaults to the start of the UTC day after the latest purchase (the last observed day is the latest purchase day). The result depends neither on row order nor on TimeZone.';

    ALTER EXTENSION insight DROP FUNCTION @extschema@.insight_clv_customer_summary(timestamptz, interval, text);
    DROP FUNCTION @extschema@.insight_clv_customer_summary(timestamptz, interval, text);
    IF lines IS NULL THEN
        EXECUTE @extschema@.insight_fill_sql(function_sql, pg_catalog.jsonb_build_object(
            'signature', 'insight_clv_customer_summary(as_of timestamptz, period interval, customer text)',
            'customer_type', cust_type,
            'body', @extschema@.insight_fill_sql(body, pg_catalog.jsonb_build_object(
                'customer_condition', 'AND s.customer_id OPERATOR(pg_catalog.=) $3::' OPERATOR(pg_catalog.||) cust_type))));
    ELSE
        -- (one customer: a router query, one shard)
        EXECUTE @extschema@.insight_fill_sql(citus_function_sql, pg_catalog.jsonb_build_object(
            'signature', 'insight_clv_customer_summary(as_of timestamptz, period interval, customer text)',
            'customer_type', cust_type, 'customer_arg', ', $3',
            'query', @extschema@.insight_fill_sql(citus_query, pg_catalog.jsonb_build_object(
                'lines', lines,
                'customer_condition', 'AND s.customer_id OPERATOR(pg_catalog.=) %3$L::' OPERATOR(pg_catalog.||) cust_type))));
    END IF;
    -- (a member already when created by an update script of the extension)
    IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d
                    WHERE d.classid OPERATOR(pg_catalog.=) 'pg_catalog.pg_proc'::pg_catalog.regclass
                      AND d.objid OPERATOR(pg_catalog.=) pg_catalog.to_regprocedure('@extschema@.insight_clv_customer_summary(timestamptz, interval, text)')
                      AND d.deptype OPERATOR(pg_catalog.=) 'e') THEN
        ALTER EXTENSION insight ADD FUNCTION @extschema@.insight_clv_customer_summary(timestamptz, interval, text);
    END IF;
    COMMENT ON FUNCTION @extschema@.insight_clv_customer_summary(timestamptz, interval, text) IS
'insight_clv_summary(as_of, period) of one customer, given as the text form of its key (no row when the customer has no purchase before as_of).';
    RETURN NULL;
END
$build$;

COMMENT ON FUNCTION @extschema@.insight_build_clv_objects() IS
'Trigger function on insight_sales_sources (AFTER INSERT OR UPDATE, after insight_build_sales_objects): drops and creates insight_clv_summary(timestamptz, interval) and insight_clv_customer_summary(timestamptz, interval, text) again with the registered customer key type, from one body filled by insight_fill_sql, and comments them. When insight_sales_pushdown_lines() gives the lines (Citus, a source distributed by customer), both are PL/pgSQL running the same query over those lines through EXECUTE, with as_of, period and the customer as literals, which Citus sends whole to the shards (one shard for one customer). Runs as the extension''s owner (SECURITY DEFINER, search_path pinned).';

ALTER FUNCTION @extschema@.insight_build_clv_objects() SECURITY DEFINER SET search_path = pg_catalog, pg_temp;

CREATE OR REPLACE FUNCTION @extschema@.insight_interactions(as_of timestamptz DEFAULT NULL,
    since timestamptz DEFAULT NULL, measure text DEFAULT 'orders')
RETURNS TABLE (customer_id text, item_id text, value float8)
LANGUAGE plpgsql STABLE PARALLEL SAFE
AS $$
#variable_conflict use_column
DECLARE lines pg_catalog.text; BEGIN  -- (one line: the line numbers of its errors stay)
    IF measure IS NULL OR NOT measure OPERATOR(pg_catalog.=) ANY ('{orders,quantity,log_quantity}'::pg_catalog.text[]) THEN
        RAISE EXCEPTION 'unrecognized interaction measure "%"', measure
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Valid measures are orders, quantity and log_quantity.';
    END IF;
    -- on Citus, the lines as a query over a source distributed by customer
    lines := @extschema@.insight_sales_pushdown_lines();
    IF lines IS NOT NULL THEN
        -- The same pairs from one query that Citus sends whole to the shards:
        -- grouped by the customer key in its own type (the distribution
        -- column) as well as by its text, which splits no group (equal texts
        -- are equal keys), and with as_of, since and measure as literals
        -- (Citus refuses parameters in the queries of SQL functions).
        RETURN QUERY EXECUTE pg_catalog.format($q$
    SELECT g.customer_id, g.item_id, g.value
      FROM (SELECT s.customer_id::pg_catalog.text AS customer_id, s.item_id::pg_catalog.text AS item_id,
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
             GROUP BY s.customer_id, 1, 2) g
     WHERE g.value OPERATOR(pg_catalog.>) 0 $q$, lines, as_of, since, measure);
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
'Implicit feedback from the registered sales source, one row per (customer, item) with keys as text, from lines in [since, as_of) (NULL: unbounded). value, by measure: orders (default): distinct orders with the item bought minus distinct orders with it returned; quantity: units bought minus units returned; log_quantity: ln(1 + that). Duplicate lines of an order count once for orders and sum for quantity; pairs whose value is <= 0 (returned in full, or returns of purchases before the data) are dropped. The input of insight_als_fit, insight_itemknn_fit and insight_popularity_fit: SELECT customer_id, item_id, value FROM insight_interactions(). On Citus, for a source distributed by customer (insight_sales_pushdown_lines() not NULL), the pairs come from one query grouped by the distribution column, which Citus sends whole to the shards, so that only the pairs reach the coordinator.';
