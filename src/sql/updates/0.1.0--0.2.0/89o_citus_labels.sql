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
AS $$ SELECT NULL::pg_catalog.text, NULL::boolean, NULL::pg_catalog.float8
        FROM @extschema@.insight_no_sales_source() s $$;

COMMENT ON FUNCTION @extschema@.insight_sales_window(timestamptz, timestamptz) IS
'Per customer with a kept line in [since, until) (rebuilt when a sales source is registered).';

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

CREATE OR REPLACE FUNCTION @extschema@.insight_clv_setup(as_of timestamptz, period interval, holdout interval)
RETURNS @extschema@.insight_training
LANGUAGE plpgsql
SET IntervalStyle = 'iso_8601'
SET TimeZone = 'UTC'
AS $$
DECLARE
    utc constant pg_catalog.text := 'YYYY-MM-DD"T"HH24:MI:SS"Z"';
    period_s pg_catalog.float8 := @extschema@.insight_clv_period_seconds(period);   -- validates period first
    t @extschema@.insight_training;
    t_end pg_catalog.timestamptz;
    first_at pg_catalog.timestamptz;
    last_at pg_catalog.timestamptz;
    hold interval := holdout;
    c pg_catalog.timestamptz; lines pg_catalog.text := @extschema@.insight_sales_pushdown_lines();  -- (one line each: the line numbers of its errors stay)
BEGIN
    IF lines IS NULL THEN SELECT pg_catalog.min(s.ordered_at), pg_catalog.max(s.ordered_at) INTO first_at, last_at FROM @extschema@.insight_sales s WHERE s.quantity OPERATOR(pg_catalog.>) 0 AND s.amount OPERATOR(pg_catalog.>=) 0;
    ELSE  -- (on Citus, over the source itself: each shard sends its first and last purchase, not its lines)
        EXECUTE pg_catalog.format($q$SELECT pg_catalog.min(s.ordered_at), pg_catalog.max(s.ordered_at) FROM (%s) s WHERE s.quantity OPERATOR(pg_catalog.>) 0 AND s.amount OPERATOR(pg_catalog.>=) 0$q$, lines) INTO first_at, last_at;
    END IF;
    t_end := COALESCE(as_of, ((last_at AT TIME ZONE 'UTC')::pg_catalog.date OPERATOR(pg_catalog.+) 1)::timestamp AT TIME ZONE 'UTC');
    IF first_at IS NULL OR first_at OPERATOR(pg_catalog.>=) t_end THEN
        RAISE EXCEPTION 'no purchases before as_of'
            USING ERRCODE = 'data_exception',
                  DETAIL = 'The registered sales source has no purchase to train on.';
    END IF;
    -- default holdout: the last quarter of the history, in whole days
    IF hold IS NULL THEN
        hold := pg_catalog.make_interval(days => GREATEST(1, pg_catalog.floor(
            pg_catalog.date_part('epoch', t_end OPERATOR(pg_catalog.-) first_at) OPERATOR(pg_catalog./) 86400 OPERATOR(pg_catalog./) 4)::integer));
    END IF;
    IF hold OPERATOR(pg_catalog.<=) interval '0' OR t_end OPERATOR(pg_catalog.-) hold OPERATOR(pg_catalog.<=) first_at THEN
        RAISE EXCEPTION 'holdout must be positive and shorter than the history'
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = pg_catalog.format('The history runs from %s to %s; the holdout is %s.',
                                             pg_catalog.to_char(first_at AT TIME ZONE 'UTC', utc),
                                             pg_catalog.to_char(t_end AT TIME ZONE 'UTC', utc), hold);
    END IF;
    c := t_end OPERATOR(pg_catalog.-) hold;
    -- a holdout without purchases measures nothing, and a calibration period
    -- that ends long after the last sale sends the fits to the edge of their
    -- search box for minutes (as_of far in the future): refused at once
    IF last_at OPERATOR(pg_catalog.<) c THEN
        RAISE EXCEPTION 'the holdout period has no purchases'
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = pg_catalog.format('No purchase from %s to %s (as_of minus holdout to as_of); the last one is at %s.',
                                             pg_catalog.to_char(c AT TIME ZONE 'UTC', utc),
                                             pg_catalog.to_char(t_end AT TIME ZONE 'UTC', utc),
                                             pg_catalog.to_char(last_at AT TIME ZONE 'UTC', utc)),
                  HINT = 'Pass an as_of within the sales history (the default is the day after the last sale) or a longer holdout.';
    END IF;

    t.task := 'clv';
    -- the hyper-parameters as given (a NULL holdout: the last quarter again
    -- when retrained), so that insight_retrain('clv') trains the same way
    t.params := pg_catalog.jsonb_build_object('period', period::pg_catalog.text, 'holdout', holdout::pg_catalog.text);
    t.feature_names := ARRAY['frequency', 'recency', 'T'];
    t.trained_as_of := t_end;
    t.setup := pg_catalog.jsonb_build_object('period', period::pg_catalog.text, 'holdout', hold::pg_catalog.text,
        'calibration_end', c, 'temp_tables', pg_catalog.jsonb_build_array('insight_clv_holdout'));
    t.metrics := pg_catalog.jsonb_build_object(
        'as_of', pg_catalog.to_char(t_end AT TIME ZONE 'UTC', utc),
        'calibration_end', pg_catalog.to_char(c AT TIME ZONE 'UTC', utc),
        'holdout', hold::pg_catalog.text,
        'holdout_periods', @extschema@.insight_clv_holdout_periods(t));
    RETURN t;
END
$$;

CREATE OR REPLACE FUNCTION @extschema@.insight_clv_holdout_purchases(since timestamptz, until timestamptz)
RETURNS TABLE (customer_id text, days bigint, spend float8)
LANGUAGE plpgsql STABLE
SET TimeZone = 'UTC'
AS $$
#variable_conflict use_column
DECLARE
    lines pg_catalog.text := @extschema@.insight_sales_pushdown_lines();
BEGIN
    IF lines IS NULL THEN
        RETURN QUERY
        SELECT s.customer_id::pg_catalog.text AS customer_id,
               pg_catalog.count(DISTINCT (s.ordered_at AT TIME ZONE 'UTC')::pg_catalog.date) AS days,
               pg_catalog.sum(s.amount::pg_catalog.numeric)::pg_catalog.float8 AS spend
          FROM @extschema@.insight_sales s
         WHERE s.quantity OPERATOR(pg_catalog.>) 0 AND s.amount OPERATOR(pg_catalog.>=) 0
           AND s.ordered_at OPERATOR(pg_catalog.>=) $1 AND s.ordered_at OPERATOR(pg_catalog.<) $2
         GROUP BY 1;
        RETURN;
    END IF;
    RETURN QUERY EXECUTE pg_catalog.format($q$
        SELECT s.customer_id::pg_catalog.text AS customer_id,
               pg_catalog.count(DISTINCT (s.ordered_at AT TIME ZONE 'UTC')::pg_catalog.date) AS days,
               pg_catalog.sum(s.amount::pg_catalog.numeric)::pg_catalog.float8 AS spend
          FROM (%1$s) s
         WHERE s.quantity OPERATOR(pg_catalog.>) 0 AND s.amount OPERATOR(pg_catalog.>=) 0
           AND s.ordered_at OPERATOR(pg_catalog.>=) %2$L::pg_catalog.timestamptz
           AND s.ordered_at OPERATOR(pg_catalog.<) %3$L::pg_catalog.timestamptz
         GROUP BY s.customer_id, 1 $q$, lines, since, until);
END
$$;

COMMENT ON FUNCTION @extschema@.insight_clv_holdout_purchases(timestamptz, timestamptz) IS
'Per customer (key as text) with a purchase (a kept line with quantity > 0 and amount >= 0) in [since, until): days = distinct UTC days with a purchase, spend = the sum of their amounts (source currency; summed as numeric, then float8: the same bits in any plan, parallel or on any number of shards, where a float8 sum changed in its last bits with the order of the lines). The holdout actuals of insight_clv_holdout_rows. On Citus, for a source distributed by customer (insight_sales_pushdown_lines() not NULL), one query over the source grouped by the distribution column, which Citus sends whole to the shards, so that one row per customer reaches the coordinator; elsewhere over insight_sales.';

--@ function src/sql/tasks/clv.sql insight_clv_holdout_rows

CREATE OR REPLACE FUNCTION @extschema@.insight_recommender_rows(algorithm text, params jsonb, before timestamptz)
RETURNS text
LANGUAGE sql STABLE
AS $$
    SELECT CASE WHEN algorithm OPERATOR(pg_catalog.=) 'sasrec' AND l.lines IS NOT NULL
                -- on Citus: the distinct purchases, grouped by the
                -- distribution column on the shards (the fit reads distinct
                -- rows: the same model)
                THEN pg_catalog.format('SELECT s.customer_id, s.item_id, s.ordered_at FROM (%s) s WHERE s.quantity > 0 AND s.ordered_at < %L GROUP BY s.customer_id, s.item_id, s.ordered_at',
                                       l.lines, before)
                WHEN algorithm OPERATOR(pg_catalog.=) 'sasrec'
                THEN pg_catalog.format('SELECT customer_id, item_id, ordered_at FROM @extschema@.insight_sales WHERE quantity > 0 AND ordered_at < %L', before)
                ELSE pg_catalog.format('SELECT customer_id, item_id, value FROM @extschema@.insight_interactions(%L, NULL, %L)',
                                       before, params OPERATOR(pg_catalog.->>) 'measure') END
      FROM (SELECT @extschema@.insight_sales_pushdown_lines() AS lines) l
$$;

COMMENT ON FUNCTION @extschema@.insight_recommender_rows(text, jsonb, timestamptz) IS
'The query insight_recommender_fit reads for an algorithm, over the registered sales strictly before a cut-off: for sasrec the purchases (insight_sales lines with quantity > 0 as customer_id, item_id, ordered_at; on Citus, for a source distributed by customer, the distinct such rows from one query over the source grouped by the distribution column, which Citus sends whole to the shards), for the others the interactions of insight_interactions(before, NULL, params->>''measure''). Used by insight_train_recommender''s evaluate and serve steps.';

CREATE OR REPLACE FUNCTION @extschema@.insight_group_purchases(cutoff timestamptz, until timestamptz, item_groups text[],
                                                    customer text DEFAULT NULL)
RETURNS TABLE (customer_id text, n integer, orders float8, days float8, bought boolean)
LANGUAGE plpgsql STABLE
SET TimeZone = 'UTC'
AS $$
#variable_conflict use_column
DECLARE
    lines pg_catalog.text := @extschema@.insight_sales_pushdown_lines();
BEGIN
    IF lines IS NULL THEN
        RETURN QUERY
        SELECT s.customer_id::pg_catalog.text, g.n::integer,
               (pg_catalog.count(DISTINCT s.order_id) FILTER (WHERE s.ordered_at OPERATOR(pg_catalog.<) $1))::pg_catalog.float8,
               pg_catalog.date_part('epoch', $1 OPERATOR(pg_catalog.-) pg_catalog.max(s.ordered_at) FILTER (WHERE s.ordered_at OPERATOR(pg_catalog.<) $1))
                   OPERATOR(pg_catalog./) 86400,
               pg_catalog.bool_or(s.ordered_at OPERATOR(pg_catalog.>=) $1)
          FROM @extschema@.insight_sales s
          LEFT JOIN @extschema@.insight_items i ON i.item_id OPERATOR(pg_catalog.=) s.item_id::pg_catalog.text
          JOIN pg_catalog.unnest($3) WITH ORDINALITY g(item_group, n)
            ON g.item_group OPERATOR(pg_catalog.=) COALESCE(i.category, s.item_id::pg_catalog.text)
         WHERE s.quantity OPERATOR(pg_catalog.>) 0 AND s.ordered_at OPERATOR(pg_catalog.<) $2
           AND ($4 IS NULL OR s.customer_id::pg_catalog.text OPERATOR(pg_catalog.=) $4)
         GROUP BY 1, 2;
        RETURN;
    END IF;
    RETURN QUERY EXECUTE pg_catalog.format($q$
        SELECT s.customer_id::pg_catalog.text, g.n::integer,
               (pg_catalog.count(DISTINCT s.order_id) FILTER (WHERE s.ordered_at OPERATOR(pg_catalog.<) %2$L::pg_catalog.timestamptz))::pg_catalog.float8,
               pg_catalog.date_part('epoch', %2$L::pg_catalog.timestamptz OPERATOR(pg_catalog.-)
                                             pg_catalog.max(s.ordered_at) FILTER (WHERE s.ordered_at OPERATOR(pg_catalog.<) %2$L::pg_catalog.timestamptz))
                   OPERATOR(pg_catalog./) 86400,
               pg_catalog.bool_or(s.ordered_at OPERATOR(pg_catalog.>=) %2$L::pg_catalog.timestamptz)
          FROM (%1$s) s
          LEFT JOIN @extschema@.insight_items i ON i.item_id OPERATOR(pg_catalog.=) s.item_id::pg_catalog.text
          JOIN pg_catalog.unnest(%4$L::pg_catalog.text[]) WITH ORDINALITY g(item_group, n)
            ON g.item_group OPERATOR(pg_catalog.=) COALESCE(i.category, s.item_id::pg_catalog.text)
         WHERE s.quantity OPERATOR(pg_catalog.>) 0 AND s.ordered_at OPERATOR(pg_catalog.<) %3$L::pg_catalog.timestamptz
           AND (%5$L::pg_catalog.text IS NULL OR s.customer_id::pg_catalog.text OPERATOR(pg_catalog.=) %5$L::pg_catalog.text)
         GROUP BY s.customer_id, 1, 2 $q$, lines, cutoff, until, item_groups, customer);
END
$$;

COMMENT ON FUNCTION @extschema@.insight_group_purchases(timestamptz, timestamptz, text[], text) IS
'The propensity task''s pass over the lines: one row per customer (key as text) and group of item_groups (n: its position, from 1; groups as insight_item_group gives them) with a purchase from the group (a kept line of quantity > 0) before until; orders = distinct orders with the group before cutoff (0 when none), days = days from the last such purchase to cutoff (NULL when none), bought = a purchase from the group in [cutoff, until). With customer, only that customer (keys compared as text). Used by insight_propensity_rows. On Citus, for a source distributed by customer (insight_sales_pushdown_lines() not NULL), one query over the source grouped by the distribution column, which Citus sends whole to the shards (with insight_items as an intermediate result), so that one row per customer and group reaches the coordinator; elsewhere over insight_sales.';

CREATE OR REPLACE FUNCTION @extschema@.insight_top_item_groups(cutoff timestamptz, groups integer)
RETURNS TABLE (item_group text, buyers bigint, rank integer)
LANGUAGE plpgsql STABLE PARALLEL SAFE
AS $$
#variable_conflict use_column
BEGIN
    -- PL/pgSQL: never inlined, so an argument such as insight_default_as_of()
    -- is computed once, not once per sales line
    IF @extschema@.insight_sales_pushdown_lines() IS NOT NULL THEN
        -- on Citus: the same count over the source itself; a count of
        -- distinct values of the distribution column is a sum of the
        -- shards' counts, so one row per group and shard reaches the coordinator
        RETURN QUERY EXECUTE pg_catalog.format($q$
    SELECT g.item_group, g.buyers, (pg_catalog.row_number() OVER (ORDER BY g.buyers DESC, g.item_group))::integer
      FROM (SELECT COALESCE(i.category, s.item_id::pg_catalog.text) AS item_group,
                   pg_catalog.count(DISTINCT s.customer_id) AS buyers
              FROM (%s) s
              LEFT JOIN @extschema@.insight_items i ON i.item_id OPERATOR(pg_catalog.=) s.item_id::pg_catalog.text
             WHERE s.ordered_at OPERATOR(pg_catalog.<) %L::pg_catalog.timestamptz AND s.quantity OPERATOR(pg_catalog.>) 0
               AND s.customer_id IS NOT NULL AND s.item_id IS NOT NULL
             GROUP BY 1) g
     ORDER BY 3
     LIMIT %L $q$, @extschema@.insight_sales_pushdown_lines(), $1, $2);
        RETURN;
    END IF;
    RETURN QUERY
    SELECT g.item_group, g.buyers, (pg_catalog.row_number() OVER (ORDER BY g.buyers DESC, g.item_group))::integer
      FROM (SELECT COALESCE(i.category, s.item_id::pg_catalog.text) AS item_group,
                   pg_catalog.count(DISTINCT s.customer_id) AS buyers
              FROM @extschema@.insight_sales s
              LEFT JOIN @extschema@.insight_items i ON i.item_id OPERATOR(pg_catalog.=) s.item_id::pg_catalog.text
             WHERE s.ordered_at OPERATOR(pg_catalog.<) $1 AND s.quantity OPERATOR(pg_catalog.>) 0
               AND s.customer_id IS NOT NULL AND s.item_id IS NOT NULL
             GROUP BY 1) g
     ORDER BY 3
     LIMIT $2;
END
$$;

--@ function src/sql/tasks/propensity.sql insight_propensity_rows

-- the report named no SASRec model: insight_report_html failed with "no
-- report message" while a SASRec recommender was active
INSERT INTO @extschema@.insight_report_messages (key, lang, message)
VALUES ('algorithm.sasrec', 'en', 'SASRec'), ('algorithm.sasrec', 'zh', 'SASRec');
