-- Every aggregate of the extension in a forced parallel plan where no row
-- qualifies (a filter the planner cannot see through), so every worker and the leader combine empty (NULL) states: the
-- result is NULL or an empty-input value, never a crash.  New aggregates are
-- covered automatically (arguments are made up from their types).
CREATE TABLE par (x float8[], y boolean, s float8, ts timestamptz, b bytea, t text);
INSERT INTO par SELECT ARRAY[i, i % 7]::float8[], i % 3 = 0, i, '2020-01-01'::timestamptz + i * interval '1 minute', NULL, i::text
  FROM generate_series(1, 100000) i;
ANALYZE par;
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;

CREATE FUNCTION empty_parallel_calls() RETURNS TABLE (aggregate text, partial_plan boolean, result_is_null boolean)
LANGUAGE plpgsql AS $$
DECLARE
    a record;
    args text;
    line text;
BEGIN
    FOR a IN SELECT p.proname, p.proargtypes::oid[] AS types
               FROM pg_proc p JOIN pg_aggregate g ON g.aggfnoid = p.oid
               JOIN pg_depend d ON d.objid = p.oid AND d.deptype = 'e'
               JOIN pg_extension e ON e.oid = d.refobjid AND e.extname = 'insight'
              ORDER BY p.proname LOOP
        SELECT string_agg(CASE t WHEN 'float8[]'::regtype THEN 'x'
                                 WHEN 'boolean'::regtype THEN 'y'
                                 WHEN 'float8'::regtype THEN 's'
                                 WHEN 'timestamptz'::regtype THEN 'ts'
                                 WHEN 'bytea'::regtype THEN 'b'
                                 WHEN 'integer'::regtype THEN 'length(t)'
                                 WHEN 'bigint'::regtype THEN 'length(t)::int8'
                                 ELSE 't' END, ', ' ORDER BY n)
          INTO args FROM unnest(a.types) WITH ORDINALITY u(t, n);
        aggregate := a.proname;
        partial_plan := false;
        FOR line IN EXECUTE format('EXPLAIN (COSTS OFF) SELECT %I(%s) FROM par WHERE s * 0 > 1', a.proname, args) LOOP
            partial_plan := partial_plan OR line LIKE '%Partial Aggregate%';
        END LOOP;
        EXECUTE format('SELECT %I(%s) IS NULL FROM par WHERE s * 0 > 1', a.proname, args) INTO result_is_null;
        RETURN NEXT;
    END LOOP;
END $$;
SELECT * FROM empty_parallel_calls();

RESET parallel_setup_cost;
RESET parallel_tuple_cost;
RESET min_parallel_table_scan_size;
RESET max_parallel_workers_per_gather;
DROP FUNCTION empty_parallel_calls();
DROP TABLE par;
