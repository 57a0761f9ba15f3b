-- The privilege model: insight_reader scores and reads, insight_admin also
-- registers, trains, activates, rolls back and retrains; and a user who can
-- create objects in public cannot hijack insight's calls of built-ins.
\i test/setup/models.sql
\set VERBOSITY terse
SELECT rolname, rolcanlogin FROM pg_roles WHERE rolname IN ('insight_reader', 'insight_admin') ORDER BY 1;
SELECT pg_has_role('insight_admin', 'insight_reader', 'MEMBER') AS admin_is_reader;
SELECT insight_writer_functions()::text AS writer_function ORDER BY 1;
-- every function runs with the caller's rights but the registration trigger,
-- which pins search_path
SELECT p.oid::regprocedure AS security_definer, p.proconfig
  FROM pg_proc p JOIN pg_depend d ON d.objid = p.oid AND d.deptype = 'e'
 WHERE d.refobjid = (SELECT oid FROM pg_extension WHERE extname = 'insight') AND p.prosecdef;

CREATE ROLE ops_reader IN ROLE insight_reader;
CREATE ROLE ops_admin IN ROLE insight_admin;
CREATE ROLE ops_nobody;
GRANT SELECT ON order_lines TO ops_admin;
CREATE TABLE priv_rows AS SELECT ARRAY[i, 2 * i]::float8[] AS x FROM generate_series(1, 10) i;
GRANT SELECT ON priv_rows TO ops_admin, ops_reader;
-- (its built-ins are qualified: the hijack attempt below retrains it with
-- public ahead of pg_catalog)
CREATE FUNCTION priv_train(params jsonb) RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE id bigint;
BEGIN
    id := insight_store_model('priv_task', 'scaler', (SELECT insight_scaler_fit(x) FROM priv_rows), params,
                              pg_catalog.jsonb_build_object('rows', (SELECT pg_catalog.count(*) FROM priv_rows)));
    PERFORM insight_activate(id);
    RETURN id;
END $$;
INSERT INTO insight_trainers (task, train_function, rows_metric) VALUES ('priv_task', 'priv_train(jsonb)', 'rows');

-- a role without insight's roles reads nothing of insight
SET ROLE ops_nobody;
SELECT count(*) FROM insight_models;
SELECT count(*) FROM insight_training_runs;
RESET ROLE;

-- the admin: trains, activates, rolls back, retrains, registers
SET ROLE ops_admin;
SELECT priv_train('{}') AS m1 \gset
SELECT priv_train('{"second": true}') AS m2 \gset
SELECT insight_rollback('priv_task') = :m1 AS rolled_back;
SELECT insight_activate(:m2) = :m2 AS activated;
CALL insight_retrain('priv_task');
SELECT task, status, rows_used, started_by FROM insight_training_runs ORDER BY run_id DESC LIMIT 1;
\o /dev/null
\i test/register_online_retail.sql
\o
SELECT count(*) > 300000 AS sales_visible FROM insight_sales;
RESET ROLE;
SELECT viewowner = (SELECT extowner::regrole::name FROM pg_extension WHERE extname = 'insight') AS view_kept_its_owner
  FROM pg_views WHERE viewname = 'insight_sales';

-- the reader: reads the registry and the log, scores, and is refused every write
SET ROLE ops_reader;
SELECT task, version, status FROM insight_models WHERE task = 'priv_task' ORDER BY version;
SELECT count(*) > 0 AS reads_runs FROM insight_training_runs;
SELECT round((insight_scaler_transform(m.weights, ARRAY[10, 20]::float8[]))[1]::numeric, 6) AS scored
  FROM insight_models m WHERE m.task = 'priv_task' AND m.status = 'active';
SELECT insight_activate(:m1);
SELECT insight_rollback('priv_task');
SELECT insight_store_model('priv_task', 'scaler', (SELECT weights FROM insight_models WHERE model_id = :m1));
CALL insight_retrain('priv_task');
\i test/register_online_retail.sql
INSERT INTO insight_trainers VALUES ('x', 'priv_train(jsonb)', NULL);
UPDATE insight_training_runs SET status = 'failed';
DELETE FROM insight_models;
SELECT insight_apply_privileges();
-- scoring does not open data the reader could not read otherwise: the
-- sales view reads with the reader's own privileges
SELECT count(*) FROM insight_sales;
SELECT count(*) FROM insight_customer_features('2011-06-01');
RESET ROLE;
GRANT SELECT ON order_lines TO ops_reader;
SET ROLE ops_reader;
SELECT count(*) AS reader_sales FROM insight_sales WHERE customer_id = 12347;
RESET ROLE;

-- a hijack attempt: a user with CREATE on public plants a twin of every
-- operator of pg_catalog (same name, same argument types) and of every
-- built-in function and aggregate insight calls (same signature), each
-- raising "hijacked: ...", and a session puts public before pg_catalog,
-- where a twin wins over the built-in.  insight qualifies its built-ins
-- (OPERATOR(pg_catalog.=), pg_catalog.sum), in its functions and in the SQL
-- it generates at registration, so none fires: every path gives the result
-- it gives without the traps.  (Twins of functions taking "any", such as
-- format or jsonb_build_object, cannot be written in PL/pgSQL; insight
-- qualifies those too.)  The same user plants a twin of every base type of
-- pg_catalog: a domain of the same name whose check raises, so that a cast
-- (::float8, ::text[]) or a PL/pgSQL variable that finds it fails.  Type
-- names that are SQL keywords (integer, bigint, double precision, boolean,
-- numeric, interval, timestamp, varchar) always mean pg_catalog's type;
-- insight writes the others qualified (pg_catalog.float8, pg_catalog.text).
CREATE ROLE ops_mallory;
GRANT CREATE ON SCHEMA public TO ops_mallory;
SET ROLE ops_mallory;
DO $traps$
DECLARE
    o record;
    i integer := 0;
    fn text;
    body text;
BEGIN
    FOR o IN SELECT op.oid, op.oprname, op.oprleft, op.oprright, op.oprresult
               FROM pg_catalog.pg_operator op
              WHERE op.oprnamespace OPERATOR(pg_catalog.=) 'pg_catalog'::pg_catalog.regnamespace
              ORDER BY op.oid
    LOOP
        i := i OPERATOR(pg_catalog.+) 1;
        fn := 'public.trap_' OPERATOR(pg_catalog.||) i;
        body := pg_catalog.format('BEGIN RAISE EXCEPTION USING MESSAGE = %L; END',
                                  'hijacked: operator ' OPERATOR(pg_catalog.||) o.oid::pg_catalog.regoperator::text);
        BEGIN
            EXECUTE pg_catalog.format('CREATE FUNCTION %s(%s) RETURNS %s LANGUAGE plpgsql AS %L', fn,
                pg_catalog.concat_ws(', ', NULLIF(o.oprleft, 0)::pg_catalog.regtype, NULLIF(o.oprright, 0)::pg_catalog.regtype),
                o.oprresult::pg_catalog.regtype, body);
            EXECUTE pg_catalog.format('CREATE OPERATOR public.%s (%s%s function = %s)', o.oprname,
                'leftarg = ' OPERATOR(pg_catalog.||) NULLIF(o.oprleft, 0)::pg_catalog.regtype OPERATOR(pg_catalog.||) ', ',
                'rightarg = ' OPERATOR(pg_catalog.||) NULLIF(o.oprright, 0)::pg_catalog.regtype OPERATOR(pg_catalog.||) ', ', fn);
        EXCEPTION WHEN OTHERS THEN
            NULL;   -- an operator PL/pgSQL cannot imitate (argument of type "any", ...)
        END;
    END LOOP;
    FOR o IN SELECT p.oid, p.proname, p.prokind, p.prorettype::pg_catalog.regtype AS rettype,
                    pg_catalog.pg_get_function_arguments(p.oid) AS args,
                    pg_catalog.pg_get_function_identity_arguments(p.oid) AS identity_args,
                    pg_catalog.pg_get_function_result(p.oid) AS result
               FROM pg_catalog.pg_proc p
              WHERE p.pronamespace OPERATOR(pg_catalog.=) 'pg_catalog'::pg_catalog.regnamespace
                AND p.proname OPERATOR(pg_catalog.=) ANY (ARRAY[
                    -- what insight's SQL calls (grep -o 'pg_catalog\.[a-z_0-9]*' src/sql/*.sql),
                    -- and the usual suspects
                    'abs', 'array_agg', 'array_append', 'array_cat', 'array_length', 'array_position',
                    'array_replace', 'array_to_string', 'avg', 'cardinality', 'ceil', 'clock_timestamp',
                    'corr', 'count', 'date_part', 'date_trunc', 'decode', 'encode', 'exp', 'floor',
                    'format_type', 'generate_series', 'has_column_privilege', 'hashtextextended',
                    'isfinite', 'jsonb_agg', 'jsonb_array_elements', 'jsonb_array_elements_text',
                    'jsonb_array_length', 'jsonb_each', 'jsonb_object_keys', 'jsonb_to_recordset',
                    'jsonb_typeof', 'length', 'ln', 'log', 'lower', 'make_interval', 'max', 'md5', 'min',
                    'mode', 'now', 'pg_advisory_xact_lock', 'pg_backend_pid', 'pg_has_role',
                    'pg_try_advisory_xact_lock', 'power', 'random', 'rank', 'record_image_ne', 'round',
                    'row_number', 'sqrt', 'starts_with', 'statement_timestamp', 'stddev', 'string_agg',
                    'sum', 'to_char', 'to_jsonb', 'to_regclass', 'trunc', 'unnest', 'upper', 'variance'])
              ORDER BY p.oid
    LOOP
        i := i OPERATOR(pg_catalog.+) 1;
        fn := 'public.trap_' OPERATOR(pg_catalog.||) i;
        body := pg_catalog.format('BEGIN RAISE EXCEPTION USING MESSAGE = %L; END',
                                  pg_catalog.format('hijacked: %s(%s)', o.proname, o.identity_args));
        BEGIN
            IF o.prokind OPERATOR(pg_catalog.=) 'a' THEN
                -- an aggregate whose transition function raises
                EXECUTE pg_catalog.format('CREATE FUNCTION %s(%s) RETURNS %s LANGUAGE plpgsql AS %L', fn,
                    pg_catalog.concat_ws(', ', o.rettype,
                        NULLIF(pg_catalog.regexp_replace(o.identity_args, '^\*$|ORDER BY ', '', 'g'), '')),
                    o.rettype, body);
                EXECUTE pg_catalog.format('CREATE AGGREGATE public.%I(%s) (sfunc = %s, stype = %s)', o.proname,
                    COALESCE(NULLIF(o.identity_args, ''), '*'), fn, o.rettype);
            ELSE
                -- a function (a window function's twin is a plain function: OVER then fails)
                EXECUTE pg_catalog.format('CREATE FUNCTION public.%I(%s) RETURNS %s LANGUAGE plpgsql AS %L',
                    o.proname, o.args, o.result, body);
            END IF;
        EXCEPTION WHEN OTHERS THEN
            NULL;
        END;
    END LOOP;
    CREATE FUNCTION public.trap_type(name pg_catalog.text) RETURNS pg_catalog.bool LANGUAGE plpgsql AS
        $$ BEGIN RAISE EXCEPTION 'hijacked: type %', name; END $$;
    FOR o IN SELECT t.typname FROM pg_catalog.pg_type t
              WHERE t.typnamespace OPERATOR(pg_catalog.=) 'pg_catalog'::pg_catalog.regnamespace
                AND t.typtype OPERATOR(pg_catalog.=) ANY ('{b,r,m}') AND t.typcategory OPERATOR(pg_catalog.<>) 'A'
              ORDER BY t.oid
    LOOP
        -- (with its array type: float8[] finds public._float8, a domain's array)
        EXECUTE pg_catalog.format('CREATE DOMAIN public.%1$I AS pg_catalog.%1$I CHECK (public.trap_type(%1$L))', o.typname);
    END LOOP;
END
$traps$;
RESET ROLE;
SELECT pg_catalog.count(*) > 700 AS operators_planted
  FROM pg_operator WHERE oprowner = 'ops_mallory'::regrole;
SELECT pg_catalog.count(*) FILTER (WHERE prokind = 'a') > 50 AS aggregates_planted,
       pg_catalog.count(*) FILTER (WHERE prokind = 'f' AND proname !~ '^trap_') > 100 AS functions_planted
  FROM pg_proc WHERE proowner = 'ops_mallory'::regrole;
-- (among them every type name insight's SQL uses)
SELECT pg_catalog.count(*) AS types_planted,
       pg_catalog.count(*) FILTER (WHERE typname IN ('float8', 'text', 'jsonb', 'bytea', 'timestamptz', 'date',
                                                     'int4', 'int8', 'bool', 'name', 'oid', 'regclass', 'regtype',
                                                     'regprocedure', 'regnamespace', 'tid', 'char')) AS used_by_insight
  FROM pg_type WHERE typowner = 'ops_mallory'::regrole AND typtype = 'd';

-- Every scoring path, and its result: once as usual, once with the traps
-- first, in a new session (PL/pgSQL resolves the types of its variables when
-- a session first calls a function).
CREATE VIEW hijack_paths AS
          SELECT 'insight_customer_features' AS path,
                 (SELECT count(*) || ' customers, spend ' || round(sum(f.total_spend)::numeric, 2)
                    FROM insight_customer_features('2011-06-01') f) AS result
UNION ALL SELECT 'insight_customer_features_of', (SELECT f.features::text FROM insight_customer_features_of('12347') f)
UNION ALL SELECT 'insight_interactions', (SELECT count(*)::text FROM insight_interactions('2011-03-01'))
UNION ALL SELECT 'insight_churn', insight_churn(12347)::text || ' ' || insight_churn('12348')::text
UNION ALL SELECT 'insight_churn_scores', (SELECT md5(string_agg(v::text, ';' ORDER BY v.customer_id)) FROM insight_churn_scores v)
UNION ALL SELECT 'insight_customer_360', (SELECT md5(string_agg(v::text, ';' ORDER BY v.customer_id)) FROM insight_customer_360 v)
UNION ALL SELECT 'insight_retention_targets', (SELECT md5(string_agg(v::text, ';' ORDER BY v.customer_id)) FROM insight_retention_targets v)
UNION ALL SELECT 'insight_report', md5(insight_report())
UNION ALL SELECT 'insight_clv', insight_clv(12347)::text || ' ' || insight_clv('12348', 24, 0)::text
UNION ALL SELECT 'insight_p_alive', insight_p_alive(12347)::text
UNION ALL SELECT 'insight_expected_purchases', insight_expected_purchases(12347, '90 days')::text
UNION ALL SELECT 'insight_clv_scores_at', (SELECT md5(string_agg(v::text, ';' ORDER BY v.customer_id)) FROM insight_clv_scores_at() v)
UNION ALL SELECT 'insight_rfm', (SELECT md5(string_agg(v::text, ';' ORDER BY v.customer_id)) FROM insight_rfm v)
UNION ALL SELECT 'insight_segment', insight_segment(12347) || ' ' || insight_cluster(12347)
UNION ALL SELECT 'insight_segment_summary', (SELECT md5(string_agg(v::text, ';' ORDER BY v.kind, v.segment, v.cluster)) FROM insight_segment_summary v)
UNION ALL SELECT 'insight_recommend', (SELECT string_agg(r.item_id, ',' ORDER BY r.rank) FROM insight_recommend(12347, 5) r)
UNION ALL SELECT 'insight_similar_items', (SELECT string_agg(r.item_id, ',' ORDER BY r.rank) FROM insight_similar_items('85123A', 5) r)
UNION ALL SELECT 'insight_target_audience', (SELECT string_agg(r.customer_id, ',' ORDER BY r.rank) FROM insight_target_audience('85123A', 5) r);
CREATE TABLE hijack_results AS SELECT 'usual'::text AS run, p.* FROM hijack_paths p;

\c
SET search_path = public, pg_catalog;
SELECT 'a'::pg_catalog.text = 'a'::pg_catalog.text AS trap_is_live;
SELECT sum(x) FROM (VALUES (1::pg_catalog.float8)) v(x);
SELECT 1::float8 AS type_trap_is_live;
SELECT ARRAY[1]::float8[] AS type_trap_is_live;
DO $$ DECLARE t text; BEGIN END $$;
INSERT INTO hijack_results SELECT 'traps first', p.* FROM hijack_paths p;
RESET search_path;
-- every path gave the same result with and without the traps
SELECT path, count(*) AS runs, count(DISTINCT result) AS results, bool_and(result IS NOT NULL) AS all_set
  FROM hijack_results GROUP BY path ORDER BY path;
-- (to 12 decimals: the last bits move with any change to the order of the sums)
SELECT (SELECT string_agg(round(x::numeric, 12)::text, ' ') FROM regexp_split_to_table(result, ' ') x) AS churn_12347_12348
  FROM hijack_results WHERE path = 'insight_churn' AND run = 'usual';
DROP TABLE hijack_results;
DROP VIEW hijack_paths;    -- (a registration drops and creates the views it reads)

SET search_path = public, pg_catalog;
SELECT insight_rollback('priv_task') OPERATOR(pg_catalog.=) :m2 AS rollback_ok;
SELECT insight_activate(:m1) OPERATOR(pg_catalog.=) :m1 AS activate_ok;
CALL insight_retrain('priv_task');
SELECT task, status FROM insight_training_runs ORDER BY run_id DESC LIMIT 1;
-- training, and a registration (CDNOW for CLV), under the traps: undone
-- afterwards, so the tests after this one see the registry as it was
BEGIN;
SET LOCAL client_min_messages = warning;
SELECT insight_train_churn() AS trapped_churn \gset
SELECT insight_train_segments(4) AS trapped_segments \gset
SELECT insight_train_recommender('popularity') AS trapped_recommender \gset
-- (the CDNOW tables are created with the built-in types; with the traps
-- first their columns would take the twins; the registration is repeated
-- under the traps)
RESET search_path;
\set ECHO none
\o /dev/null
\i test/clv/load_cdnow.sql
\o
\set ECHO all
SET search_path = public, pg_catalog;
SELECT insight_register_sales('cdnow_orders', customer_column => 'customer_id',
    time_column => 'ordered_on', quantity_column => 'cds', amount_column => 'amount',
    options => '{"drop_nonpositive_price": false}');
SELECT insight_train_clv('1998-07-01 00:00+00', '7 days', '273 days') AS trapped_clv \gset
SELECT pg_catalog.string_agg(m.task OPERATOR(pg_catalog.||) ':' OPERATOR(pg_catalog.||) pg_catalog.md5(m.weights), ' ')
       AS trapped_models
  FROM insight_models m
 WHERE m.model_id OPERATOR(pg_catalog.=) ANY (ARRAY[:trapped_churn, :trapped_segments, :trapped_recommender, :trapped_clv]) \gset
ROLLBACK;
RESET search_path;

-- each training under the traps stored exactly the model the same training
-- gave without them (50_churn, 72_segments, 83_recommender_task, 64_clv_task)
SELECT split_part(t, ':', 1) AS task,
       EXISTS (SELECT 1 FROM insight_models m WHERE m.task = split_part(t, ':', 1) AND md5(m.weights) = split_part(t, ':', 2)) AS same_model
  FROM unnest(string_to_array(:'trapped_models', ' ')) t ORDER BY 1;
SELECT count(*) AS models_after_rollback FROM insight_models WHERE model_id >= LEAST(:trapped_churn, :trapped_segments, :trapped_recommender, :trapped_clv);
DROP OWNED BY ops_mallory;
REVOKE CREATE ON SCHEMA public FROM ops_mallory;
DROP ROLE ops_mallory;

DELETE FROM insight_trainers WHERE task = 'priv_task';
DROP FUNCTION priv_train(jsonb);
DROP TABLE priv_rows;
REVOKE SELECT ON order_lines FROM ops_admin, ops_reader;
DROP OWNED BY ops_reader, ops_admin, ops_nobody;
DROP ROLE ops_reader, ops_admin, ops_nobody;
