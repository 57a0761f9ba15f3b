-- The privilege model: insight_reader scores and reads, insight_admin also
-- registers, trains, activates, rolls back and retrains; and a user who can
-- create objects in public cannot hijack insight's calls of built-ins.
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
CREATE FUNCTION priv_train(params jsonb) RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE id bigint;
BEGIN
    id := insight_store_model('priv_task', 'scaler', (SELECT insight_scaler_fit(x) FROM priv_rows), params,
                              jsonb_build_object('rows', (SELECT count(*) FROM priv_rows)));
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

-- a hijack attempt: a user with CREATE on public plants operators and
-- functions that match insight's calls of built-ins, and a session puts
-- public before pg_catalog.  insight qualifies its built-ins, so none fires.
CREATE ROLE ops_mallory;
GRANT CREATE ON SCHEMA public TO ops_mallory;
SET ROLE ops_mallory;
CREATE FUNCTION public.trap_text(text, text) RETURNS boolean LANGUAGE plpgsql
    AS $$ BEGIN RAISE EXCEPTION 'hijacked: text = text'; END $$;
CREATE FUNCTION public.trap_bigint(bigint, bigint) RETURNS boolean LANGUAGE plpgsql
    AS $$ BEGIN RAISE EXCEPTION 'hijacked: bigint = bigint'; END $$;
CREATE FUNCTION public.trap_ts(timestamptz, timestamptz) RETURNS boolean LANGUAGE plpgsql
    AS $$ BEGIN RAISE EXCEPTION 'hijacked: timestamptz < timestamptz'; END $$;
CREATE FUNCTION public.trap_plus(timestamptz, interval) RETURNS timestamptz LANGUAGE plpgsql
    AS $$ BEGIN RAISE EXCEPTION 'hijacked: timestamptz + interval'; END $$;
CREATE FUNCTION public.trap_max(timestamptz, timestamptz) RETURNS timestamptz LANGUAGE plpgsql
    AS $$ BEGIN RAISE EXCEPTION 'hijacked: max'; END $$;
CREATE FUNCTION public.sum_trap(float8, float8) RETURNS float8 LANGUAGE plpgsql
    AS $$ BEGIN RAISE EXCEPTION 'hijacked: sum'; END $$;
CREATE FUNCTION public.array_replace(float8[], float8, float8) RETURNS float8[] LANGUAGE plpgsql
    AS $$ BEGIN RAISE EXCEPTION 'hijacked: array_replace'; END $$;
CREATE AGGREGATE public.sum(float8) (sfunc = public.sum_trap, stype = float8);
CREATE AGGREGATE public.max(timestamptz) (sfunc = public.trap_max, stype = timestamptz);
CREATE OPERATOR public.= (leftarg = text, rightarg = text, function = public.trap_text);
CREATE OPERATOR public.= (leftarg = bigint, rightarg = bigint, function = public.trap_bigint);
CREATE OPERATOR public.< (leftarg = timestamptz, rightarg = timestamptz, function = public.trap_ts);
CREATE OPERATOR public.+ (leftarg = timestamptz, rightarg = interval, function = public.trap_plus);
RESET ROLE;
SET search_path = public, pg_catalog;
SELECT 'a'::text = 'a'::text AS trap_is_live;
SELECT count(*) AS customers, round(pg_catalog.sum(total_spend)::numeric, 2) AS spend
  FROM insight_customer_features('2011-06-01');
SELECT count(*) AS interactions FROM insight_interactions('2011-03-01');
SELECT insight_rollback('priv_task') OPERATOR(pg_catalog.=) :m2 AS rollback_ok;
SELECT insight_activate(:m1) OPERATOR(pg_catalog.=) :m1 AS activate_ok;
CALL insight_retrain('priv_task');
SELECT task, status FROM insight_training_runs ORDER BY run_id DESC LIMIT 1;
RESET search_path;
DROP OWNED BY ops_mallory;
REVOKE CREATE ON SCHEMA public FROM ops_mallory;
DROP ROLE ops_mallory;

DELETE FROM insight_trainers WHERE task = 'priv_task';
DROP FUNCTION priv_train(jsonb);
DROP TABLE priv_rows;
REVOKE SELECT ON order_lines FROM ops_admin, ops_reader;
DROP OWNED BY ops_reader, ops_admin, ops_nobody;
DROP ROLE ops_reader, ops_admin, ops_nobody;
