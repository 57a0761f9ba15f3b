-- ---------------------------------------------------------------------------
-- Customer lifetime value, part 1: the (frequency, recency, T, monetary value)
-- summary of every customer, the input of the BG/NBD, Pareto/NBD and
-- Gamma-Gamma models (Fader, Hardie & Lee 2005, "Counting Your Customers the
-- Easy Way", Marketing Science 24(2); the same definitions as
-- lifetimes.utils.summary_data_from_transaction_data).
--
-- insight_clv_summary() is rebuilt, like insight_sales, at every registration
-- of a sales source so that customer_id keeps the source's type: the trigger
-- insight_sales_sources_build_clv fires after insight_sales_sources_build
-- (triggers fire in name order), when insight_sales already has its new
-- shape.
-- ---------------------------------------------------------------------------

CREATE FUNCTION @extschema@.insight_clv_period_seconds(period interval)
RETURNS float8
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE
AS $$
DECLARE
    seconds pg_catalog.float8;
BEGIN
    IF period IS NULL THEN
        RAISE EXCEPTION 'period must not be NULL'
            USING ERRCODE = 'null_value_not_allowed',
                  HINT = 'Pass the model''s time unit, for example interval ''7 days'' for weeks.';
    END IF;
    IF NOT pg_catalog.isfinite(period) THEN
        RAISE EXCEPTION 'period must be finite'
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    seconds := pg_catalog.date_part('epoch', period);
    IF seconds OPERATOR(pg_catalog.<=) 0 THEN
        RAISE EXCEPTION 'period must be positive, not %', period
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Pass the model''s time unit, for example interval ''7 days'' for weeks or ''1 day'' for days.';
    END IF;
    RETURN seconds;
END
$$;

COMMENT ON FUNCTION @extschema@.insight_clv_period_seconds(interval) IS
'Length of a CLV time unit in seconds (a month counts 30 days, as in extract(epoch from interval)). Errors for NULL, infinite, zero or negative periods.';

-- Placeholder until a source is registered (raises "no sales source is registered").
CREATE FUNCTION @extschema@.insight_clv_summary(as_of timestamptz DEFAULT NULL,
                                                period interval DEFAULT '7 days')
RETURNS TABLE (customer_id text, frequency integer, recency float8, "T" float8,
               monetary_value float8)
LANGUAGE sql STABLE PARALLEL SAFE
AS $$ SELECT s.customer_id, NULL::integer, NULL::pg_catalog.float8, NULL::pg_catalog.float8, NULL::pg_catalog.float8
        FROM @extschema@.insight_no_sales_source() s $$;

COMMENT ON FUNCTION @extschema@.insight_clv_summary(timestamptz, interval) IS
'CLV summary of every customer (rebuilt when a sales source is registered).';

-- Placeholder until a source is registered (no query: the fits read
-- insight_clv_summary()).
CREATE FUNCTION @extschema@.insight_clv_summary_query(as_of timestamptz DEFAULT NULL,
                                                      period interval DEFAULT '7 days')
RETURNS text
LANGUAGE sql STABLE
AS $$ SELECT NULL::pg_catalog.text $$;

COMMENT ON FUNCTION @extschema@.insight_clv_summary_query(timestamptz, interval) IS
'The query of insight_clv_summary(as_of, period) as SQL text on Citus; NULL elsewhere (rebuilt when a sales source is registered).';

CREATE FUNCTION @extschema@.insight_clv_customer_summary(as_of timestamptz, period interval, customer text)
RETURNS TABLE (customer_id text, frequency integer, recency float8, "T" float8,
               monetary_value float8)
LANGUAGE sql STABLE PARALLEL SAFE
AS $$ SELECT s.customer_id, NULL::integer, NULL::pg_catalog.float8, NULL::pg_catalog.float8, NULL::pg_catalog.float8
        FROM @extschema@.insight_no_sales_source() s $$;

COMMENT ON FUNCTION @extschema@.insight_clv_customer_summary(timestamptz, interval, text) IS
'CLV summary of one customer (rebuilt when a sales source is registered).';

CREATE FUNCTION @extschema@.insight_build_clv_objects()
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
    -- The same query as SQL text, with as_of and period as literals, for
    -- the fits that run over it on the shards (an aggregate over it as a
    -- subquery: Citus sends the subquery whole with each shard's partial
    -- aggregate, worker_partial_agg, and combines the states on the
    -- coordinator); elsewhere %(query)L is NULL, and so the result.
    query_function_sql CONSTANT pg_catalog.text := $f$
CREATE OR REPLACE FUNCTION @extschema@.insight_clv_summary_query(as_of timestamptz DEFAULT NULL,
                                                                 period interval DEFAULT '7 days')
RETURNS text
LANGUAGE plpgsql STABLE
AS $fbody$
BEGIN
    PERFORM @extschema@.insight_clv_period_seconds($2);  -- (its errors first)
    RETURN pg_catalog.format(%(query)L,
        COALESCE($1, (SELECT ((@extschema@.insight_latest_purchase() AT TIME ZONE 'UTC')::pg_catalog.date
                              OPERATOR(pg_catalog.+) 1)::timestamp AT TIME ZONE 'UTC')), $2);
END
$fbody$ $f$;
    -- (%1$L: as_of, %2$L: period, %3$L: the customer; the expressions of
    -- the body above, with params inlined)
    citus_query CONSTANT pg_catalog.text := $q$
SELECT m.customer_id,
       (pg_catalog.count(*) OPERATOR(pg_catalog.-) 1)::integer AS frequency,
       (pg_catalog.max(m.day) OPERATOR(pg_catalog.-) pg_catalog.min(m.day))::pg_catalog.float8
           OPERATOR(pg_catalog.*) 86400 OPERATOR(pg_catalog./) @extschema@.insight_clv_period_seconds(%2$L::pg_catalog.interval) AS recency,
       ((((%1$L::pg_catalog.timestamptz OPERATOR(pg_catalog.-) interval '1 microsecond') AT TIME ZONE 'UTC')::pg_catalog.date)
            OPERATOR(pg_catalog.-) pg_catalog.min(m.day))::pg_catalog.float8
           OPERATOR(pg_catalog.*) 86400 OPERATOR(pg_catalog./) @extschema@.insight_clv_period_seconds(%2$L::pg_catalog.interval) AS "T",
       (pg_catalog.avg(m.spend) FILTER (WHERE m.day OPERATOR(pg_catalog.>) m.first_day))::pg_catalog.float8 AS monetary_value
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
    all_query pg_catalog.text;
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
        EXECUTE @extschema@.insight_fill_sql(query_function_sql, '{"query": null}');
    ELSE
        all_query := @extschema@.insight_fill_sql(citus_query, pg_catalog.jsonb_build_object(
            'lines', lines, 'customer_condition', ''));
        EXECUTE @extschema@.insight_fill_sql(citus_function_sql, pg_catalog.jsonb_build_object(
            'signature', 'insight_clv_summary(as_of timestamptz DEFAULT NULL, period interval DEFAULT ''7 days'')',
            'customer_type', cust_type, 'customer_arg', '', 'query', all_query));
        EXECUTE @extschema@.insight_fill_sql(query_function_sql, pg_catalog.jsonb_build_object('query', all_query));
    END IF;
    COMMENT ON FUNCTION @extschema@.insight_clv_summary_query(timestamptz, interval) IS
'The query that insight_clv_summary(as_of, period) runs, as SQL text with as_of (the same default) and period as literals, when insight_sales_pushdown_lines() gives the lines (Citus, a source distributed by customer): the CLV fits run as aggregates over it (SELECT fit(k.frequency, k.recency, k."T") FROM (query) k), which Citus pushes down, each shard sending one partial state (worker_partial_agg) that the coordinator combines (coord_combine_agg). NULL elsewhere (no Citus, or a source distributed by another column): the fits read insight_clv_summary(). Errors: those of insight_clv_period_seconds (22004, 22023). Rebuilt at every registration.';
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
'Trigger function on insight_sales_sources (AFTER INSERT OR UPDATE, after insight_build_sales_objects): drops and creates insight_clv_summary(timestamptz, interval) and insight_clv_customer_summary(timestamptz, interval, text) again with the registered customer key type, from one body filled by insight_fill_sql, and comments them. When insight_sales_pushdown_lines() gives the lines (Citus, a source distributed by customer), both are PL/pgSQL running the same query over those lines through EXECUTE, with as_of, period and the customer as literals, which Citus sends whole to the shards (one shard for one customer). It also replaces insight_clv_summary_query(timestamptz, interval): that query as SQL text with as_of and period as literals on Citus (the CLV fits run over it on the shards), NULL elsewhere. Runs as the extension''s owner (SECURITY DEFINER, search_path pinned).';

CREATE TRIGGER insight_sales_sources_build_clv
    AFTER INSERT OR UPDATE ON @extschema@.insight_sales_sources
    FOR EACH ROW EXECUTE FUNCTION @extschema@.insight_build_clv_objects();
