-- The queries insight's functions send to the shards on Citus, rebuilt
-- from the format() templates of those functions (so that a test sees what
-- they run), and what reaches the coordinator when one runs.  Included by
-- test/citus/pushdown.sql and test/bench/citus_rows.sql; temporary functions.
SET client_min_messages = error;  -- (Citus: temporary functions are "created only locally")
-- the query a features function sends to the shards, as it runs it for
-- as_of and customer: its format() template, taken from the function
CREATE FUNCTION pg_temp.features_query(fn text, as_of timestamptz, customer text DEFAULT NULL)
RETURNS text LANGUAGE plpgsql AS $$
DECLARE
    template text := substring((SELECT p.prosrc FROM pg_proc p WHERE p.proname = fn)
                               FROM $re$format\('(.*)', cutoff$re$);
BEGIN
    RETURN format(replace(template, '''''', ''''), as_of, customer);
END $$;
-- the queries the CLV summaries send to the shards, from their format()
-- templates in the same way; insight_interactions's, as it runs it
-- (insight_interactions_sql)
CREATE FUNCTION pg_temp.clv_query(fn text, as_of timestamptz, period interval, customer text DEFAULT NULL)
RETURNS text LANGUAGE plpgsql AS $$
DECLARE
    template text := substring((SELECT p.prosrc FROM pg_proc p WHERE p.proname = fn)
                               FROM $re$format\('(.*)',\s*COALESCE$re$);
BEGIN
    RETURN format(replace(template, '''''', ''''), as_of, period, customer);
END $$;
CREATE FUNCTION pg_temp.interactions_query(as_of timestamptz, since timestamptz, measure text)
RETURNS text LANGUAGE sql AS $$
    SELECT format('SELECT g.customer_id, g.item_id, g.value FROM (%s) g', insight_interactions_sql(as_of, since, measure))
$$;
-- what reaches the coordinator when a query runs (EXPLAIN ANALYZE): the
-- actual rows of its Citus scans and the tuple data they received from the
-- workers ("Tuple data received from nodes", in bytes; kB and MB as Citus
-- rounds them)
CREATE FUNCTION pg_temp.to_coordinator(q text, OUT rows bigint, OUT bytes bigint) LANGUAGE plpgsql AS $$
DECLARE
    l text;
BEGIN
    rows := 0;
    bytes := 0;
    FOR l IN EXECUTE 'EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) ' || q LOOP
        IF l ~ 'Custom Scan \(Citus' THEN
            rows := rows + substring(l FROM 'actual rows=([0-9]+)')::bigint;
        ELSIF l ~ 'Tuple data received from nodes: ' THEN
            bytes := bytes + (substring(l FROM 'nodes: ([0-9]+)')::bigint
                              * CASE substring(l FROM 'nodes: [0-9]+ (\w+)') WHEN 'kB' THEN 1024 WHEN 'MB' THEN 1048576 ELSE 1 END);
        END IF;
    END LOOP;
END $$;
CREATE FUNCTION pg_temp.rows_to_coordinator(q text) RETURNS bigint LANGUAGE sql AS $$
    SELECT (pg_temp.to_coordinator(q)).rows
$$;
-- the format() template of a function whose query for the shards is a
-- $q$-quoted literal, ending at call (a regular expression of the format()
-- arguments that follow it)
CREATE FUNCTION pg_temp.shard_template(fn text, call text) RETURNS text LANGUAGE sql AS $$
    SELECT substring(p.prosrc FROM '\$q\$(.*)\$q\$,\s*' || call) FROM pg_proc p WHERE p.proname = fn
$$;
-- the labels of churn and value (insight_sales_window, generated at
-- registration: its query is a quoted literal)
CREATE FUNCTION pg_temp.window_query(since timestamptz, until timestamptz)
RETURNS text LANGUAGE plpgsql AS $$
DECLARE
    template text := substring((SELECT p.prosrc FROM pg_proc p WHERE p.proname = 'insight_sales_window')
                               FROM $re$format\('(.*)', \$1, \$2\)$re$);
BEGIN
    RETURN format(replace(template, '''''', ''''), since, until);
END $$;
-- the CLV holdout's actual purchases
CREATE FUNCTION pg_temp.holdout_query(since timestamptz, until timestamptz) RETURNS text LANGUAGE sql AS $$
    SELECT format(pg_temp.shard_template('insight_clv_holdout_purchases', '\S*insight_sales_lines_from\(\), since, until\)'),
                  insight_sales_lines_from(), since, until)
$$;
-- the CLV setup's first and last purchase
CREATE FUNCTION pg_temp.span_query() RETURNS text LANGUAGE sql AS $$
    SELECT format(pg_temp.shard_template('insight_clv_setup', '\s*\S*insight_sales_lines_from\(\)\)'), insight_sales_lines_from())
$$;
-- the propensity task's pass over the lines, and its choice of groups
CREATE FUNCTION pg_temp.group_query(cutoff timestamptz, until timestamptz, item_groups text[], customer text DEFAULT NULL)
RETURNS text LANGUAGE sql AS $$
    SELECT format(pg_temp.shard_template('insight_group_purchases', '\S*insight_sales_lines_from\(\), cutoff, until, items, customer, ns\)'),
                  insight_sales_lines_from(), cutoff, until, m.items, customer, m.ns)
      FROM (SELECT array_agg(g.item_id) AS items, array_agg(g.n) AS ns FROM insight_item_group_members(item_groups) g) m
$$;
CREATE FUNCTION pg_temp.top_groups_query(cutoff timestamptz, groups integer) RETURNS text LANGUAGE sql AS $$
    SELECT format(pg_temp.shard_template('insight_top_item_groups', '\S*insight_sales_lines_from\(\), \$1, \$2\)'),
                  insight_sales_lines_from(), cutoff, groups)
$$;
-- the report's pass by order (insight_sales_orders, generated at
-- registration: its query is a quoted literal)
CREATE FUNCTION pg_temp.orders_query(before timestamptz)
RETURNS text LANGUAGE plpgsql AS $$
DECLARE
    template text := substring((SELECT p.prosrc FROM pg_proc p WHERE p.proname = 'insight_sales_orders')
                               FROM $re$format\('(.*)', \$1\)$re$);
BEGIN
    RETURN format(replace(template, '''''', ''''), before);
END $$;
-- the audiences' recent buyers of an item or an item group
CREATE FUNCTION pg_temp.buyers_query(since timestamptz, until timestamptz, item text, item_group text)
RETURNS text LANGUAGE plpgsql AS $$
DECLARE
    template text := pg_temp.shard_template('insight_recent_buyers', '\S*insight_sales_lines_from\(\), since, until,');
    joins text := substring((SELECT p.prosrc FROM pg_proc p WHERE p.proname = 'insight_recent_buyers')
                            FROM $re$THEN '(LEFT JOIN [^']*)'$re$);
BEGIN
    RETURN format(template, insight_sales_lines_from(), since, until,
                  CASE WHEN item_group IS NOT NULL THEN joins ELSE '' END,
                  CASE WHEN item_group IS NOT NULL THEN 'COALESCE(i.category, s.item_id::pg_catalog.text)' ELSE 's.item_id::pg_catalog.text' END,
                  COALESCE(item_group, item));
END $$;
-- SASRec's purchases: insight_recommender_rows gives the query itself
CREATE FUNCTION pg_temp.sasrec_query(before timestamptz) RETURNS text LANGUAGE sql AS $$
    SELECT insight_recommender_rows('sasrec', '{}', before)
$$;
-- the aggregate that packs them on the shards, from that query
CREATE FUNCTION pg_temp.sasrec_pack_query(before timestamptz) RETURNS text LANGUAGE sql AS $$
    SELECT regexp_replace(regexp_replace(pg_temp.sasrec_query(before), '^WITH p AS MATERIALIZED \(', ''),
                          '\)\s*SELECT u\.customer_id, u\.item_id, .*$', '')
$$;
-- what SASRec's reader (sasrec_read_sequences, src/models/deep/sasrec.c)
-- runs over that query: the distinct rows in order, the items numbered in C
-- (the text of sasrec.c, written again here)
CREATE FUNCTION pg_temp.sasrec_rows_query(before timestamptz) RETURNS text LANGUAGE sql AS $$
    SELECT format('SELECT DISTINCT customer::pg_catalog.text COLLATE "C", item::pg_catalog.text COLLATE "C", event_time FROM (%s
) AS q(customer, item, event_time) WHERE customer IS NOT NULL AND item IS NOT NULL AND event_time IS NOT NULL ORDER BY 1, 3, 2',
                  pg_temp.sasrec_query(before))
$$;
CREATE FUNCTION pg_temp.top_items_query(since timestamptz, until timestamptz, min_buyers bigint, top integer)
RETURNS text LANGUAGE sql AS $$
    SELECT format(pg_temp.shard_template('insight_top_items', '\S*insight_sales_lines_from\(\), since, until, min_buyers, top\)'),
                  insight_sales_lines_from(), since, until, min_buyers, top)
$$;
-- what the shards send for a query whose every task returns n columns of
-- partial states: its tasks, their rows and the bytes of their text form
-- (what Citus ships), each task's query run on its node as EXPLAIN
-- (VERBOSE) shows it with citus.explain_all_tasks: EXPLAIN ANALYZE cannot
-- run an aggregate Citus sends as worker_partial_agg (Citus 12.1, issue
-- citusdata/citus#4043: 'column "field_0" has pseudo-type cstring')
CREATE FUNCTION pg_temp.partial_states(q text, n int, OUT tasks bigint, OUT rows bigint, OUT bytes bigint)
LANGUAGE plpgsql AS $$
DECLARE
    l text;
    task text;
    result text;
BEGIN
    PERFORM set_config('citus.explain_all_tasks', 'on', true);
    tasks := 0; rows := 0; bytes := 0;
    FOR l IN EXECUTE 'EXPLAIN (VERBOSE, COSTS OFF) ' || q LOOP
        l := trim(l);
        IF l ~ '^Query: ' THEN
            task := substring(l FROM '^Query: (.*)$');
        ELSIF l ~ '^Node: ' AND task IS NOT NULL THEN
            SELECT r.result INTO STRICT result
              FROM master_run_on_worker(ARRAY[substring(l FROM 'host=(\S+)')], ARRAY[substring(l FROM 'port=([0-9]+)')::int],
                       ARRAY[format('SELECT count(*) || '' '' || sum(%s) FROM (%s) t(%s)',
                                    (SELECT string_agg(format('octet_length(t.c%s::text)', i), ' + ') FROM generate_series(1, n) i),
                                    task, (SELECT string_agg('c' || i, ', ') FROM generate_series(1, n) i))], false) r;
            tasks := tasks + 1;
            rows := rows + split_part(result, ' ', 1)::bigint;
            bytes := bytes + split_part(result, ' ', 2)::bigint;
            task := NULL;
        END IF;
    END LOOP;
    PERFORM set_config('citus.explain_all_tasks', 'off', true);
END $$;
