-- ---------------------------------------------------------------------------
-- 0.1.0 -> 0.2.0, the task skeleton, part 1 (src/sql/tasks/train.sql): the four
-- training functions run one flow, insight_train_task(), with their steps in
-- insight_task_steps; the evaluation model moves from metrics
-- ('evaluation_model', base64) to the column insight_models.evaluation_weights;
-- CALL insight_retrain() records a retraining on unchanged data and params
-- as 'unchanged' and stores no new version.  Parts 2 and 3 follow
-- (30_tasks_2_steps.sql, 30_tasks_3_retrain.sql).
-- ---------------------------------------------------------------------------

-- Registry (core/registry.sql): the evaluation model in a column of its own,
-- covered by the immutability trigger.
ALTER TABLE @extschema@.insight_models
    ADD COLUMN evaluation_weights bytea
        CHECK (evaluation_weights IS NULL
               OR @extschema@.insight_model_info(evaluation_weights) IS NOT NULL);
COMMENT ON COLUMN @extschema@.insight_models.evaluation_weights IS 'The evaluation model: the same algorithm fitted on the training window only, whose out-of-time metrics are in metrics; a later training scores it on its own holdout to decide whether the new model is not worse (see insight_task_steps). NULL when the task keeps none. Same format and check as weights.';

--@ function src/sql/core/registry.sql insight_models_guard

-- The models stored by 0.1.0 keep their evaluation model in metrics: move it
-- to the column, so that every stored model scores and compares as before.
-- The immutability trigger refuses any change but status; it is disabled for
-- this one UPDATE only.  ALTER TABLE holds an ACCESS EXCLUSIVE lock on
-- insight_models until ALTER EXTENSION commits, so no other session writes
-- while it is off, and an error rolls the whole update back with it.
ALTER TABLE @extschema@.insight_models DISABLE TRIGGER insight_models_immutable;
UPDATE @extschema@.insight_models m
   SET evaluation_weights = pg_catalog.decode(m.metrics OPERATOR(pg_catalog.->>) 'evaluation_model', 'base64'),
       metrics = m.metrics OPERATOR(pg_catalog.-) 'evaluation_model'
 WHERE m.metrics OPERATOR(pg_catalog.?) 'evaluation_model';
ALTER TABLE @extschema@.insight_models ENABLE TRIGGER insight_models_immutable;

-- Store one model row as given; model_id, version, status and created_at are
-- assigned here.
--@ function src/sql/core/registry.sql insight_store_model

--@ comment src/sql/core/registry.sql insight_store_model

--@ function src/sql/core/registry.sql insight_store_model 2

--@ comment src/sql/core/registry.sql insight_store_model 2

-- The skeleton (tasks/train.sql).
CREATE TYPE @extschema@.insight_training AS (
    task               text,
    algorithm          text,
    params             jsonb,
    metrics            jsonb,
    feature_names      text[],
    preprocessing      bytea,
    weights            bytea,
    evaluation_weights bytea,
    trained_as_of      timestamptz,
    score              float8,
    baseline_score     float8,
    setup              jsonb,
    companion          @extschema@.insight_models
);

COMMENT ON TYPE @extschema@.insight_training IS
'A training on its way through insight_train_task(): the columns of the model to store (task, algorithm, params, metrics, feature_names, preprocessing, weights, evaluation_weights, trained_as_of), the evaluation model''s primary metric (score) and its baseline''s (baseline_score), setup (what the task''s entry point decided: cutoffs, windows, temp_tables to drop at the end) and companion (a model stored and activated with it, before it: the CLV spend model).';

CREATE TABLE @extschema@.insight_task_steps (
    task               text PRIMARY KEY,
    prepare            regprocedure NOT NULL,
    evaluate           regprocedure,
    serve              regprocedure NOT NULL,
    compare            regprocedure,
    metric             text,
    higher_is_better   boolean NOT NULL DEFAULT true,
    must_beat_baseline boolean NOT NULL DEFAULT false,
    companion_key      text,
    kept_notice        text NOT NULL
                       DEFAULT 'model %1$s stays a candidate: its score %2$s is worse than the %3$s of active model %4$s',
    builtin            boolean NOT NULL DEFAULT false,
    CHECK ((compare IS NULL) OPERATOR(pg_catalog.=) (metric IS NULL))
);

COMMENT ON TABLE @extschema@.insight_task_steps IS
'The steps of each task for insight_train_task(). prepare, evaluate and serve take and return an insight_training; compare(insight_training, insight_models) returns jsonb. A new model is activated when it is not worse than the active one: metric is the key of compare''s result that holds the active model''s score on the same holdout, compared with the new score (>= when higher_is_better, else <=); no active model, no compare step, a NULL result or a NULL active score activate it. insight''s own tasks are rows with builtin = true; other rows are kept by pg_dump.';
COMMENT ON COLUMN @extschema@.insight_task_steps.task IS 'The task (insight_models.task of the models it stores).';
COMMENT ON COLUMN @extschema@.insight_task_steps.prepare IS 'Materialises the training and holdout data (temporary tables, listed in setup.temp_tables) and fails on empty data.';
COMMENT ON COLUMN @extschema@.insight_task_steps.evaluate IS 'Fits on the training window and measures on the holdout: sets metrics, score, baseline_score and the evaluation model to keep (evaluation_weights). NULL: the task has no evaluation.';
COMMENT ON COLUMN @extschema@.insight_task_steps.serve IS 'Fits the model that serves (weights, and a companion model if any).';
COMMENT ON COLUMN @extschema@.insight_task_steps.compare IS 'compare(training, active model) returns the active model''s scores on the same holdout as jsonb (stored as metrics.compared_with), or NULL when the active model is not comparable. NULL: the newest model always serves.';
COMMENT ON COLUMN @extschema@.insight_task_steps.metric IS 'The primary metric: the key of compare''s result compared with score.';
COMMENT ON COLUMN @extschema@.insight_task_steps.higher_is_better IS 'Direction of the primary metric: true for AUC or NDCG, false for an error such as MAE.';
COMMENT ON COLUMN @extschema@.insight_task_steps.must_beat_baseline IS 'When true, a model whose score is worse than baseline_score stays a candidate.';
COMMENT ON COLUMN @extschema@.insight_task_steps.companion_key IS 'The key of metrics that names the companion model stored with the model (spend_model_id for CLV).';
COMMENT ON COLUMN @extschema@.insight_task_steps.kept_notice IS 'The NOTICE when the model stays a candidate, a format() string: %1$s new model_id, %2$s its score, %3$s the active model''s score, %4$s the active model_id, %5$s the baseline''s score (scores rounded to 4 decimals).';
COMMENT ON COLUMN @extschema@.insight_task_steps.builtin IS 'true for insight''s own tasks (created by CREATE EXTENSION, not dumped).';

SELECT pg_catalog.pg_extension_config_dump('@extschema@.insight_task_steps', 'WHERE NOT builtin');

-- The schema-qualified, quoted name of a function, for EXECUTE.
--@ function src/sql/tasks/train.sql insight_function_name

--@ comment src/sql/tasks/train.sql insight_function_name

--@ function src/sql/tasks/train.sql insight_same_model

--@ comment src/sql/tasks/train.sql insight_same_model

-- A scalar rounded to 4 decimals as RAISE shows it (<NULL> for NULL).
--@ function src/sql/tasks/train.sql insight_notice_number

--@ comment src/sql/tasks/train.sql insight_notice_number

CREATE FUNCTION @extschema@.insight_train_task(training @extschema@.insight_training,
                                               skip_unchanged boolean DEFAULT false)
RETURNS bigint
LANGUAGE plpgsql
AS $$
DECLARE
    t @extschema@.insight_training := training;
    s @extschema@.insight_task_steps;
    step pg_catalog.regprocedure;
    model @extschema@.insight_models;
    active @extschema@.insight_models;
    active_companion @extschema@.insight_models;
    compared pg_catalog.jsonb;
    active_score pg_catalog.float8;
    activate boolean;
    ids bigint[] := '{}';
    new_id bigint;
    id bigint;
    tbl pg_catalog.text;
BEGIN
    SELECT * INTO s FROM @extschema@.insight_task_steps x WHERE x.task OPERATOR(pg_catalog.=) t.task;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'task "%" has no training steps', t.task
            USING ERRCODE = 'undefined_object',
                  HINT = 'See SELECT task FROM insight_task_steps.';
    END IF;
    t.metrics := COALESCE(t.metrics, '{}');
    FOREACH step IN ARRAY ARRAY[s.prepare, s.evaluate, s.serve] LOOP
        IF step IS NOT NULL THEN
            EXECUTE pg_catalog.format('SELECT * FROM %s($1)', @extschema@.insight_function_name(step))
               INTO t USING t;
        END IF;
    END LOOP;

    model.task := t.task;
    model.algorithm := t.algorithm;
    model.params := t.params;
    model.metrics := t.metrics;
    model.feature_names := t.feature_names;
    model.preprocessing := t.preprocessing;
    model.weights := t.weights;
    model.evaluation_weights := t.evaluation_weights;
    model.trained_as_of := t.trained_as_of;
    SELECT * INTO active FROM @extschema@.insight_active_model(t.task) m;

    -- unchanged data and params give the same model (the fits are
    -- deterministic): keep the one in service rather than store a copy
    IF skip_unchanged AND active.model_id IS NOT NULL
       AND @extschema@.insight_same_model(model, active) THEN
        IF s.companion_key IS NOT NULL THEN
            SELECT * INTO active_companion FROM @extschema@.insight_models m
             WHERE m.model_id OPERATOR(pg_catalog.=) (active.metrics OPERATOR(pg_catalog.->>) s.companion_key)::bigint;
        END IF;
        IF s.companion_key IS NULL OR @extschema@.insight_same_model(t.companion, active_companion) THEN
            new_id := active.model_id;
            RAISE NOTICE '% model % is unchanged: the retrained model equals it, so no new version is stored',
                t.task, new_id;
        END IF;
    END IF;

    IF new_id IS NULL THEN
        -- not worse than the active model (and, where required, the baseline)
        IF active.model_id IS NOT NULL AND s.compare IS NOT NULL THEN
            EXECUTE pg_catalog.format('SELECT %s($1, $2)', @extschema@.insight_function_name(s.compare))
               INTO compared USING t, active;
            active_score := (compared OPERATOR(pg_catalog.->>) s.metric)::pg_catalog.float8;
        END IF;
        IF s.compare IS NOT NULL THEN
            model.metrics := model.metrics OPERATOR(pg_catalog.||) pg_catalog.jsonb_build_object('compared_with', compared);
        END IF;
        activate := (NOT s.must_beat_baseline OR COALESCE(CASE WHEN s.higher_is_better
                         THEN t.score OPERATOR(pg_catalog.>=) t.baseline_score
                         ELSE t.score OPERATOR(pg_catalog.<=) t.baseline_score END, false))
                    AND (active_score IS NULL OR COALESCE(CASE WHEN s.higher_is_better
                         THEN t.score OPERATOR(pg_catalog.>=) active_score
                         ELSE t.score OPERATOR(pg_catalog.<=) active_score END, false));

        -- store: the companion first, named in the model's metrics
        IF (t.companion).weights IS NOT NULL THEN
            ids := ARRAY[@extschema@.insight_store_model(t.companion)];
            model.metrics := model.metrics OPERATOR(pg_catalog.||) pg_catalog.jsonb_build_object(s.companion_key, ids[1]);
        END IF;
        new_id := @extschema@.insight_store_model(model);
        ids := ids OPERATOR(pg_catalog.||) new_id;

        IF activate THEN
            FOREACH id IN ARRAY ids LOOP
                PERFORM @extschema@.insight_activate(id);
            END LOOP;
        ELSE
            RAISE NOTICE '%', pg_catalog.format(s.kept_notice, new_id, @extschema@.insight_notice_number(t.score),
                                                @extschema@.insight_notice_number(active_score),
                                                COALESCE(compared OPERATOR(pg_catalog.->>) 'model_id', '<NULL>'),
                                                @extschema@.insight_notice_number(t.baseline_score))
                USING HINT = pg_catalog.format('Activate it anyway with SELECT %s;',
                    (SELECT pg_catalog.string_agg(pg_catalog.format('insight_activate(%s)', x), ', ' ORDER BY n)
                       FROM pg_catalog.unnest(ids) WITH ORDINALITY u(x, n)));
        END IF;
    END IF;
    FOR tbl IN SELECT x FROM pg_catalog.jsonb_array_elements_text(t.setup OPERATOR(pg_catalog.->) 'temp_tables') x LOOP
        PERFORM @extschema@.insight_drop_temp_table(tbl);
    END LOOP;
    RETURN new_id;
END
$$;

COMMENT ON FUNCTION @extschema@.insight_train_task(@extschema@.insight_training, boolean) IS
'The training flow of every task (steps in insight_task_steps): prepare, evaluate (fit on the training window, measure out of time), serve (fit the serving model), compare with the active model on the same holdout (metrics.compared_with), store (a companion model first, named in metrics by companion_key), then activate when not worse than the active model (and, with must_beat_baseline, not worse than the baseline) or keep a candidate with a NOTICE. With skip_unchanged (CALL insight_retrain()), a model that equals the active one (insight_same_model; for CLV with its spend model) is not stored: a NOTICE says so and the active model_id is returned. Returns the model_id. Runs in the caller''s transaction: an error or a cancel leaves no model row and the active model untouched.';
