-- Retraining entry point and training-run log, with two small test tasks
-- plugged into insight_trainers: their training function fits a scaler over
-- the first `limit` rows, and ops_control makes it fail, sleep or keep the
-- model a candidate.
\set VERBOSITY default
CREATE TABLE ops_rows AS SELECT ARRAY[i, i * i]::float8[] AS x FROM generate_series(1, 100) i;
CREATE TABLE ops_control (task text PRIMARY KEY, fail boolean NOT NULL DEFAULT false,
                          sleep float8 NOT NULL DEFAULT 0, activate boolean NOT NULL DEFAULT true);
INSERT INTO ops_control (task) VALUES ('ops_a'), ('ops_b');
CREATE FUNCTION ops_train(task text, params jsonb) RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
    c ops_control;
    w bytea;
    n bigint;
    id bigint;
BEGIN
    SELECT * INTO c FROM ops_control o WHERE o.task = ops_train.task;
    PERFORM pg_sleep(c.sleep);
    SELECT insight_scaler_fit(r.x), count(*) INTO w, n FROM ops_rows r WHERE r.x[1] <= (params ->> 'limit')::float8;
    id := insight_store_model(task, 'scaler', w, params,
                              jsonb_build_object('rows', n, 'note', 'test', 'long', repeat('x', 200), 'nested', '{"a": 1}'::jsonb));
    IF c.fail THEN
        RAISE EXCEPTION 'ops_train was told to fail' USING ERRCODE = 'data_exception';
    END IF;
    IF c.activate THEN
        PERFORM insight_activate(id);
    END IF;
    RETURN id;
END $$;
CREATE FUNCTION ops_a(params jsonb) RETURNS bigint LANGUAGE sql AS $$ SELECT ops_train('ops_a', params) $$;
CREATE FUNCTION ops_b(params jsonb) RETURNS bigint LANGUAGE sql AS $$ SELECT ops_train('ops_b', params) $$;
CREATE FUNCTION ops_bad(x integer) RETURNS bigint LANGUAGE sql AS $$ SELECT 1::bigint $$;

-- plugging in: one row per task, the signature is checked
INSERT INTO insight_trainers (task, train_function, rows_metric) VALUES ('ops_bad', 'ops_bad(integer)', NULL);
INSERT INTO insight_trainers (task, train_function, rows_metric)
VALUES ('ops_a', 'ops_a(jsonb)', 'rows'), ('ops_b', 'ops_b(jsonb)', 'rows');

-- refused calls
CALL insight_retrain('no_such_task');
CALL insight_retrain('ops_a');          -- never trained

-- first trainings, by hand
SELECT ops_a('{"limit": 50}') AS a1, ops_b('{"limit": 80}') AS b1 \gset
BEGIN;
CALL insight_retrain('ops_a');          -- inside a transaction block: it commits, so it cannot run
ROLLBACK;
SELECT count(*) AS runs FROM insight_training_runs;
SELECT task, algorithm, params FROM insight_retrain_plan() WHERE task LIKE 'ops%';

-- a retraining: a new version of ops_a with the active model's params, active
CALL insight_retrain('ops_a');
SELECT run_id, task, algorithm, status, rows_used, model_id - :a1 AS models_after_first, params,
       metrics_summary, error_message, sqlstate, started_by = current_user AS by_me,
       backend_pid = pg_backend_pid() AS this_backend, finished_at >= started_at AS ordered
  FROM insight_training_runs ORDER BY run_id;
SELECT task, version, status, params FROM insight_models WHERE task = 'ops_a' ORDER BY version;

-- the model is not better: it is stored but stays a candidate
UPDATE ops_control SET activate = false WHERE task = 'ops_a';
CALL insight_retrain('ops_a');
SELECT run_id, status, model_id - :a1 AS models_after_first FROM insight_training_runs ORDER BY run_id DESC LIMIT 1;
SELECT version, status FROM insight_models WHERE task = 'ops_a' ORDER BY version;
UPDATE ops_control SET activate = true WHERE task = 'ops_a';

-- a failing task: the run is failed with its SQLSTATE, nothing of it is
-- left behind (its insight_store_model() was rolled back), the CALL raises
CALL insight_retrain('ops_b');
UPDATE ops_control SET fail = true WHERE task = 'ops_b';
CALL insight_retrain('ops_b');
SELECT run_id, task, status, model_id - :b1 AS models_after_b1, rows_used, error_message, sqlstate, finished_at IS NOT NULL AS finished
  FROM insight_training_runs ORDER BY run_id DESC LIMIT 2;
SELECT version, status FROM insight_models WHERE task = 'ops_b' ORDER BY version;

-- statement_timeout during a training: recorded as failed (57014), no model
UPDATE ops_control SET fail = false, sleep = 3 WHERE task = 'ops_b';
SET statement_timeout = '300ms';
CALL insight_retrain('ops_b');
RESET statement_timeout;
SELECT run_id, task, status, model_id, error_message, sqlstate FROM insight_training_runs ORDER BY run_id DESC LIMIT 1;
SELECT count(*) AS ops_b_models FROM insight_models WHERE task = 'ops_b';

-- other sessions: a retraining running in a second session (dblink) is
-- visible here as running; a retraining of the same task here fails at
-- once (55P03) instead of training and activating a second time;
-- pg_cancel_backend() ends the other one as failed (57014)
SET client_min_messages = warning;
CREATE EXTENSION dblink;
RESET client_min_messages;
SELECT format('dbname=%s host=%s port=%s user=%s', current_database(),
              split_part(current_setting('unix_socket_directories'), ',', 1),
              current_setting('port'), current_user) AS conn \gset
UPDATE ops_control SET sleep = 30 WHERE task = 'ops_a';
SELECT dblink_connect('other', :'conn');
SELECT dblink_exec('other', 'SET application_name = ''ops_other''');
SELECT dblink_send_query('other', 'CALL insight_retrain(''ops_a'')');
CREATE FUNCTION ops_wait(sql text, seconds float8) RETURNS boolean LANGUAGE plpgsql AS $$
DECLARE ok boolean;
BEGIN
    FOR i IN 1 .. (seconds * 20)::integer LOOP
        EXECUTE sql INTO ok;
        IF ok THEN RETURN true; END IF;
        PERFORM pg_sleep(0.05);
    END LOOP;
    RETURN false;
END $$;
SELECT ops_wait($$SELECT EXISTS (SELECT 1 FROM insight_training_runs WHERE task = 'ops_a' AND status = 'running')$$, 20) AS running_visible;
SELECT status, finished_at IS NULL AS unfinished, backend_pid = (SELECT pid FROM pg_stat_activity WHERE application_name = 'ops_other') AS other_backend
  FROM insight_training_runs ORDER BY run_id DESC LIMIT 1;
UPDATE ops_control SET sleep = 0 WHERE task = 'ops_a';
SELECT model_id AS active_before FROM insight_models WHERE task = 'ops_a' AND status = 'active' \gset
CALL insight_retrain('ops_a');
SELECT task, status, error_message, sqlstate FROM insight_training_runs ORDER BY run_id DESC LIMIT 1;
SELECT pg_cancel_backend(pid) FROM pg_stat_activity WHERE application_name = 'ops_other';
SELECT ops_wait($$SELECT NOT EXISTS (SELECT 1 FROM insight_training_runs WHERE status = 'running')$$, 20) AS all_finished;
SELECT status, error_message, sqlstate FROM insight_training_runs
 WHERE backend_pid = (SELECT pid FROM pg_stat_activity WHERE application_name = 'ops_other');
SELECT model_id = :active_before AS same_active_model FROM insight_models WHERE task = 'ops_a' AND status = 'active';
SELECT dblink_disconnect('other');

-- a backend that goes away mid-training cannot record its outcome: the next
-- insight_retrain() closes its run as failed
UPDATE ops_control SET sleep = 30 WHERE task = 'ops_a';
SELECT dblink_connect('other', :'conn');
SELECT dblink_exec('other', 'SET application_name = ''ops_other''');
SELECT dblink_send_query('other', 'CALL insight_retrain(''ops_a'')');
SELECT ops_wait($$SELECT EXISTS (SELECT 1 FROM insight_training_runs WHERE task = 'ops_a' AND status = 'running')$$, 20) AS running_visible;
SELECT pg_terminate_backend(pid, 10000) FROM pg_stat_activity WHERE application_name = 'ops_other';
SELECT dblink_disconnect('other');
SELECT count(*) AS still_running FROM insight_training_runs WHERE status = 'running';
UPDATE ops_control SET sleep = 0 WHERE task = 'ops_a';
CALL insight_retrain('ops_b');
SELECT task, status, error_message FROM insight_training_runs ORDER BY run_id DESC LIMIT 2;

-- the whole log
SELECT run_id, task, status, rows_used, sqlstate FROM insight_training_runs ORDER BY run_id;

-- the config dump: the log and custom trainers are kept by pg_dump, the
-- built-in trainers come back with CREATE EXTENSION
SELECT c.relname, x.cond
  FROM pg_extension e, unnest(e.extconfig, e.extcondition) AS x(cfg, cond)
  JOIN pg_class c ON c.oid = x.cfg
 WHERE e.extname = 'insight' AND c.relname IN ('insight_training_runs', 'insight_trainers')
 ORDER BY 1;

-- clean up: the test tasks leave the dispatch table (their models stay in the registry)
DELETE FROM insight_trainers WHERE task LIKE 'ops%';
DROP EXTENSION dblink;

-- a task of one's own (a row of insight_task_steps) whose model must beat
-- its baseline: a model below it stays a candidate, and the NOTICE says so
-- whether or not a model of the task is active (rolled back, the sequences
-- set back)
CREATE TEMP TABLE registry_ids AS
SELECT format('%I.%I', schemaname, sequencename) AS seq, last_value
  FROM pg_sequences WHERE sequencename IN ('insight_models_model_id_seq', 'insight_model_activations_activation_id_seq');
-- (model ids from 1000001, so that the NOTICEs read the same in any run)
SELECT setval('insight_models_model_id_seq', 1000000) AS model_ids_from;
BEGIN;
CREATE FUNCTION pg_temp.toy_prepare(t insight_training) RETURNS insight_training LANGUAGE sql AS $$ SELECT t $$;
CREATE FUNCTION pg_temp.toy_evaluate(t insight_training) RETURNS insight_training LANGUAGE plpgsql AS $$
BEGIN
    t.score := (t.params ->> 'score')::float8;
    t.baseline_score := 0.5;
    RETURN t;
END $$;
CREATE FUNCTION pg_temp.toy_serve(t insight_training) RETURNS insight_training LANGUAGE plpgsql AS $$
BEGIN
    t.weights := (SELECT insight_scaler_fit(x) FROM (VALUES ('{1, 2}'::float8[]), ('{3, 5}')) v(x));
    t.algorithm := insight_model_info(t.weights) ->> 'algorithm';
    RETURN t;
END $$;
INSERT INTO insight_task_steps (task, prepare, evaluate, serve, must_beat_baseline)
VALUES ('toy', 'pg_temp.toy_prepare(insight_training)', 'pg_temp.toy_evaluate(insight_training)',
        'pg_temp.toy_serve(insight_training)', true);
SELECT insight_train_task(ROW('toy', NULL, '{"score": 0.4}', '{}', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL)::insight_training)
       AS toy_first;
SELECT insight_train_task(ROW('toy', NULL, '{"score": 0.6}', '{}', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL)::insight_training)
       AS toy_active;
SELECT insight_train_task(ROW('toy', NULL, '{"score": 0.45}', '{}', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL)::insight_training)
       AS toy_last;
SELECT model_id, status FROM insight_models WHERE task = 'toy' ORDER BY model_id;
ROLLBACK;
SELECT setval(seq, last_value) > 0 AS ids_set_back FROM registry_ids ORDER BY seq;
