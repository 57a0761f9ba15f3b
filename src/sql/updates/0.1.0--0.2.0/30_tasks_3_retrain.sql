-- ---------------------------------------------------------------------------
-- 0.1.0 -> 0.2.0, the task skeleton, part 3: CALL insight_retrain() records
-- unchanged runs; the retraining adapters skip unchanged models.
-- ---------------------------------------------------------------------------

-- Retraining (ops/retrain.sql, ops/trainers.sql).
--@ function src/sql/ops/retrain.sql insight_retrain_one

CREATE OR REPLACE PROCEDURE @extschema@.insight_retrain(task text DEFAULT NULL)
LANGUAGE plpgsql
AS $$
DECLARE
    plan record;
    plans pg_catalog.jsonb;
    run bigint;
    new_id bigint;
    model @extschema@.insight_models%ROWTYPE;
    err_message pg_catalog.text;
    err_state pg_catalog.text;
    cancelled boolean := false;
    failures pg_catalog.text[] := '{}';
BEGIN
    PERFORM @extschema@.insight_close_lost_runs();
    IF task IS NOT NULL AND NOT EXISTS (SELECT 1 FROM @extschema@.insight_trainers tr
                                         WHERE tr.task OPERATOR(pg_catalog.=) insight_retrain.task) THEN
        RAISE EXCEPTION 'task "%" has no training function', task
            USING ERRCODE = 'undefined_object',
                  DETAIL = 'insight_retrain() retrains the tasks listed in insight_trainers.',
                  HINT = 'See SELECT task FROM insight_trainers.';
    END IF;
    SELECT pg_catalog.jsonb_agg(pg_catalog.to_jsonb(p)) INTO plans
      FROM @extschema@.insight_retrain_plan(task) p;
    IF plans IS NULL THEN
        IF task IS NOT NULL THEN
            RAISE EXCEPTION 'task "%" has not been trained yet', task
                USING ERRCODE = 'object_not_in_prerequisite_state',
                      DETAIL = 'insight_retrain() reuses the parameters of the task''s active model.',
                      HINT = 'Train it once with its training function (see insight_trainers).';
        END IF;
        RAISE NOTICE 'no task has been trained yet: nothing to retrain';
        RETURN;
    END IF;
    COMMIT;

    FOR plan IN SELECT * FROM pg_catalog.jsonb_to_recordset(plans)
                    AS x(task pg_catalog.text, algorithm pg_catalog.text, params pg_catalog.jsonb,
                         train_function pg_catalog.text, rows_metric pg_catalog.text)
    LOOP
        INSERT INTO @extschema@.insight_training_runs (task, algorithm, params)
        VALUES (plan.task, plan.algorithm, plan.params)
        RETURNING run_id INTO run;
        COMMIT;     -- other sessions now see the run as running

        err_message := NULL;
        BEGIN
            new_id := @extschema@.insight_retrain_one(plan.task, plan.train_function::pg_catalog.regprocedure, plan.params);
            SELECT * INTO model FROM @extschema@.insight_models m WHERE m.model_id OPERATOR(pg_catalog.=) new_id;
            UPDATE @extschema@.insight_training_runs r
               SET status = CASE WHEN model.created_at OPERATOR(pg_catalog.<) pg_catalog.now() THEN 'unchanged'
                                 WHEN model.status OPERATOR(pg_catalog.=) 'active' THEN 'succeeded' ELSE 'kept_candidate' END,
                   finished_at = pg_catalog.clock_timestamp(),
                   model_id = new_id,
                   algorithm = model.algorithm,
                   rows_used = CASE WHEN pg_catalog.jsonb_typeof(model.metrics OPERATOR(pg_catalog.->) plan.rows_metric)
                                         OPERATOR(pg_catalog.=) 'number'
                                    THEN pg_catalog.round((model.metrics OPERATOR(pg_catalog.->>) plan.rows_metric)::numeric)::bigint END,
                   metrics_summary = @extschema@.insight_metrics_summary(model.metrics)
             WHERE r.run_id OPERATOR(pg_catalog.=) run;
        EXCEPTION
            -- query_canceled is not part of OTHERS: a cancel or statement_timeout
            -- is recorded, then ends the whole CALL below
            WHEN query_canceled THEN
                GET STACKED DIAGNOSTICS err_message = MESSAGE_TEXT, err_state = RETURNED_SQLSTATE;
                cancelled := true;
            WHEN OTHERS THEN
                GET STACKED DIAGNOSTICS err_message = MESSAGE_TEXT, err_state = RETURNED_SQLSTATE;
        END;
        IF err_message IS NOT NULL THEN
            UPDATE @extschema@.insight_training_runs r
               SET status = 'failed', finished_at = pg_catalog.clock_timestamp(),
                   error_message = err_message, sqlstate = err_state
             WHERE r.run_id OPERATOR(pg_catalog.=) run;
            failures := failures OPERATOR(pg_catalog.||)
                        pg_catalog.format('%s (run %s, %s: %s)', plan.task, run, err_state, err_message);
        END IF;
        COMMIT;
        IF cancelled THEN
            RAISE EXCEPTION 'retraining cancelled'
                USING ERRCODE = 'query_canceled',
                      DETAIL = pg_catalog.format('Run %s of task "%s" was recorded as failed (%s); the tasks after it were not retrained.',
                                                 run, plan.task, err_message);
        END IF;
    END LOOP;

    IF pg_catalog.cardinality(failures) OPERATOR(pg_catalog.>) 0 THEN
        RAISE EXCEPTION 'retraining failed for % of % tasks', pg_catalog.cardinality(failures),
                        pg_catalog.jsonb_array_length(plans)
            USING ERRCODE = 'external_routine_exception',
                  DETAIL = pg_catalog.format('Failed: %s.', pg_catalog.array_to_string(failures, '; ')),
                  HINT = 'The other tasks were retrained; see SELECT * FROM insight_training_runs ORDER BY run_id DESC.';
    END IF;
END
$$;

COMMENT ON PROCEDURE @extschema@.insight_retrain(text) IS
'Retrain every task that has been trained before (or only task) with the parameters of its active model, through the task''s training function in insight_trainers. Each task runs in its own transaction, logged in insight_training_runs (committed as running first, then succeeded, kept_candidate, unchanged or failed), so one failing task neither stops the others nor leaves anything half-written. A task whose data and params are unchanged gives the model already active: no new version is stored and the run is recorded as unchanged (insight''s own tasks compare the retrained model, its evaluation model and params with the active model''s, byte for byte: see insight_same_model). Two retrainings of one task never overlap: the second fails with 55P03. A cancel or statement_timeout is recorded as a failed run (57014) and ends the CALL. Raises 38000 at the end when any task failed, so a scheduler sees the failure. Must be called outside a transaction block (it commits).';

--@ function src/sql/ops/trainers.sql insight_retrain_recommender

--@ comment src/sql/ops/trainers.sql insight_retrain_recommender

--@ function src/sql/ops/trainers.sql insight_retrain_segments

--@ comment src/sql/ops/trainers.sql insight_retrain_segments

CREATE OR REPLACE FUNCTION @extschema@.insight_retrain_churn(params jsonb)
RETURNS bigint
LANGUAGE sql
AS $$
    SELECT @extschema@.insight_train_task(@extschema@.insight_churn_setup(
        COALESCE(($1 OPERATOR(pg_catalog.->>) 'horizon')::interval, interval '90 days'), NULL,
        COALESCE($1 OPERATOR(pg_catalog.->>) 'algorithm', 'logistic'),
        $1 OPERATOR(pg_catalog.-) 'horizon' OPERATOR(pg_catalog.-) 'algorithm'), true)
$$;

COMMENT ON FUNCTION @extschema@.insight_retrain_churn(jsonb) IS
'Retraining adapter of the churn task (insight_trainers): trains as insight_train_churn() does, with the horizon, algorithm and hyper-parameters of the given params, on the latest data (as_of NULL); stores nothing when the model equals the active one.';

--@ function src/sql/ops/trainers.sql insight_retrain_clv

--@ comment src/sql/ops/trainers.sql insight_retrain_clv

-- the new writing functions (insight_train_task, insight_store_model(insight_models))
-- are for insight_admin only; insight_task_steps is readable by insight_reader
SELECT @extschema@.insight_apply_privileges();
