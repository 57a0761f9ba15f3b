-- Issue 19, the evaluation passes on the shards.  On Citus, with the rows on
-- the shards, the churn curves and the value task's metrics (its model, the
-- past-rate baseline, the BTYD comparator, and the active model's normalized
-- Gini in compare) read their per-customer values as arrays in customer
-- order through insight_training_arrays_sql: the predictions computed on the
-- shards, the model a parameter, and collected there by insight_rows_pack,
-- so that one partial state per shard reaches the coordinator instead of one
-- row per customer.  On a single node the same arrays as before.

CREATE OR REPLACE FUNCTION @extschema@.insight_training_arrays_sql(rows_table text, names text[], exprs text[], joins text DEFAULT '')
RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE
AS $$
SELECT CASE WHEN r.rel OPERATOR(pg_catalog.=) pg_catalog.format('pg_temp.%I', $1)
            THEN pg_catalog.format('SELECT %s FROM %s t %s',
                     (SELECT pg_catalog.string_agg(pg_catalog.format('pg_catalog.array_agg((%s)::pg_catalog.float8 ORDER BY t.customer_id) AS %I',
                                                                     e.x, e.n), ', ' ORDER BY e.i)
                        FROM ROWS FROM (pg_catalog.unnest($3), pg_catalog.unnest($2)) WITH ORDINALITY e(x, n, i)),
                     r.rel, $4)
            ELSE pg_catalog.format($q$WITH p AS MATERIALIZED (
    SELECT %1$I.insight_rows_pack(t.customer_id, ARRAY[%2$s], NULL::pg_catalog.float8) AS packed FROM %3$s t %4$s)
SELECT %5$s FROM p, %1$I.insight_rows_unpack(p.packed) u$q$, '@extschema@',
                     (SELECT pg_catalog.string_agg(pg_catalog.format('(%s)::pg_catalog.float8', e.x), ', ' ORDER BY e.i)
                        FROM pg_catalog.unnest($3) WITH ORDINALITY e(x, i)),
                     r.rel, $4,
                     (SELECT pg_catalog.string_agg(pg_catalog.format('pg_catalog.array_agg(u.features[%s] ORDER BY u.key) AS %I', e.i, e.n), ', ' ORDER BY e.i)
                        FROM pg_catalog.unnest($2) WITH ORDINALITY e(n, i))) END
  FROM (SELECT @extschema@.insight_training_relation($1) AS rel) r
 WHERE pg_catalog.cardinality($2) OPERATOR(pg_catalog.=) pg_catalog.cardinality($3)
$$;

COMMENT ON FUNCTION @extschema@.insight_training_arrays_sql(text, text[], text[], text) IS
'The query (SQL text) an evaluation reads the per-customer values of the training rows called rows_table with: one row of float8[] columns called names, the SQL expressions exprs (each castable to float8: a boolean as ::integer; a model as a parameter, $1, ...) over the rows as t, after joins (SQL text after FROM rows_table t, over t.customer_id, text, or on Citus t.customer_key, the source''s type), each array in customer order (t.customer_id, the default collation), so that the metrics over them pair up by position. From a temporary table (insight_training_table off Citus) SELECT array_agg(expr ORDER BY t.customer_id), ... FROM it; from this backend''s table on the shards (Citus, a source distributed by customer) the values computed on the shards and collected there by insight_rows_pack keyed by t.customer_id, so that one partial state per shard reaches the coordinator, not one row per customer, and the arrays built from insight_rows_unpack in the same order: the metrics are the same to the last bit as on a single node. NULL when names and exprs differ in length.';

--@ function src/sql/tasks/churn.sql insight_churn_evaluate

--@ comment src/sql/tasks/churn.sql insight_churn_evaluate

--@ function src/sql/tasks/value.sql insight_value_evaluate

--@ comment src/sql/tasks/value.sql insight_value_evaluate

--@ function src/sql/tasks/value.sql insight_value_compare

--@ comment src/sql/tasks/value.sql insight_value_compare
