-- Issue 20, the rest: a model that cannot score every customer never
-- serves.  insight_task_steps gets an optional usable step (the CLV task's is
-- insight_clv_usable); insight_train_task keeps an unusable new model as a
-- candidate with a NOTICE, insight_activate refuses one (55000), and the
-- views and the report (insight_report itself: 85_report_html.sql) join the
-- models through insight_serving_model, so a
-- model that cannot serve leaves its columns NULL with a NOTICE.  The sizes
-- of insight_train_segments and insight_train_recommender are checked before
-- any work.  The SQL built for the customer key type takes a regtype and
-- quotes it (insight_fill_sql with insight_qualified_type): the text
-- versions of insight_churn_views_sql, insight_create_churn_views and
-- insight_rfm_scores_sql are dropped.

ALTER TABLE @extschema@.insight_task_steps ADD COLUMN usable regprocedure;
COMMENT ON COLUMN @extschema@.insight_task_steps.usable IS 'usable(insight_models) returns NULL when a model of the task (or its companion) can score every customer, otherwise the reason it cannot (for CLV: insight_clv_usable). Called on the new model and its companion before activation (an unusable model stays a candidate, with a NOTICE), by insight_activate() (which refuses an unusable model) and by insight_serving_model() (the views leave an unusable model''s columns NULL). NULL: every model that reads can serve.';

CREATE FUNCTION @extschema@.insight_model_unusable(model @extschema@.insight_models)
RETURNS text
LANGUAGE plpgsql STABLE PARALLEL SAFE
AS $$
DECLARE
    s @extschema@.insight_task_steps;
    companion @extschema@.insight_models;
    why pg_catalog.text;
BEGIN
    SELECT * INTO s FROM @extschema@.insight_task_steps x WHERE x.task OPERATOR(pg_catalog.=) model.task;
    IF NOT FOUND THEN
        SELECT x.* INTO s
          FROM @extschema@.insight_task_steps x JOIN @extschema@.insight_models m ON m.task OPERATOR(pg_catalog.=) x.task
         WHERE x.companion_key IS NOT NULL
           AND (m.metrics OPERATOR(pg_catalog.->>) x.companion_key) OPERATOR(pg_catalog.=) model.model_id::pg_catalog.text
         LIMIT 1;
    END IF;
    IF s.usable IS NULL THEN
        RETURN NULL;
    END IF;
    EXECUTE pg_catalog.format('SELECT %s($1)', @extschema@.insight_function_name(s.usable)) INTO why USING model;
    IF why IS NULL AND s.task OPERATOR(pg_catalog.=) model.task AND s.companion_key IS NOT NULL
       AND model.metrics OPERATOR(pg_catalog.?) s.companion_key THEN
        SELECT * INTO companion FROM @extschema@.insight_models m
         WHERE m.model_id::pg_catalog.text OPERATOR(pg_catalog.=) (model.metrics OPERATOR(pg_catalog.->>) s.companion_key);
        IF NOT FOUND THEN
            why := pg_catalog.format('the model %s it names as %s does not exist',
                                     model.metrics OPERATOR(pg_catalog.->>) s.companion_key, s.companion_key);
        ELSE
            EXECUTE pg_catalog.format('SELECT %s($1)', @extschema@.insight_function_name(s.usable)) INTO why USING companion;
            IF why IS NOT NULL THEN
                why := pg_catalog.format('its %s model %s: %s', companion.task, companion.model_id, why);
            END IF;
        END IF;
    END IF;
    RETURN why;
END
$$;

COMMENT ON FUNCTION @extschema@.insight_model_unusable(@extschema@.insight_models) IS
'Why a model of insight_models cannot score every customer, or NULL when it can: the usable step of its task (insight_task_steps.usable) on the model and on the companion model it names (metrics by companion_key; a missing companion is a reason too). A companion (a CLV spend model) is checked by the usable step of the task whose models name it. NULL for a task without a usable step. Used by insight_train_task(), insight_activate() and insight_serving_model().';

CREATE FUNCTION @extschema@.insight_serving_model(task text)
RETURNS SETOF @extschema@.insight_models
LANGUAGE plpgsql STABLE PARALLEL SAFE ROWS 1
AS $$
DECLARE
    m @extschema@.insight_models;
    why pg_catalog.text;
BEGIN
    FOR m IN SELECT * FROM @extschema@.insight_active_model(task) a LOOP
        why := @extschema@.insight_model_unusable(m);
        IF why IS NULL THEN
            RETURN NEXT m;
        ELSE
            RAISE NOTICE 'active % model % cannot serve: %', task, m.model_id, why
                USING DETAIL = 'Its columns are NULL in the views and the report.',
                      HINT = pg_catalog.format('Activate a usable model with insight_activate(), roll back with SELECT insight_rollback(%L), or train again.', task);
        END IF;
    END LOOP;
END
$$;

COMMENT ON FUNCTION @extschema@.insight_serving_model(text) IS
'The active model of a task (as insight_active_model) when it can serve (insight_model_unusable is NULL); otherwise no row and a NOTICE naming the model and the reason. The views and the report join the models they combine through it, so one model that cannot serve leaves its columns NULL instead of failing the whole query.';

CREATE OR REPLACE FUNCTION @extschema@.insight_train_task(training @extschema@.insight_training,
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
    why pg_catalog.text;
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

        -- a model that cannot score every customer never serves
        IF s.usable IS NOT NULL THEN
            EXECUTE pg_catalog.format('SELECT %s($1)', @extschema@.insight_function_name(s.usable)) INTO why USING model;
            IF why IS NULL AND (t.companion).weights IS NOT NULL THEN
                EXECUTE pg_catalog.format('SELECT %s($1)', @extschema@.insight_function_name(s.usable)) INTO why USING t.companion;
                IF why IS NOT NULL THEN
                    why := pg_catalog.format('its %s model: %s', (t.companion).task, why);
                END IF;
            END IF;
        END IF;

        -- store: the companion first, named in the model's metrics
        IF (t.companion).weights IS NOT NULL THEN
            ids := ARRAY[@extschema@.insight_store_model(t.companion)];
            model.metrics := model.metrics OPERATOR(pg_catalog.||) pg_catalog.jsonb_build_object(s.companion_key, ids[1]);
        END IF;
        new_id := @extschema@.insight_store_model(model);
        ids := ids OPERATOR(pg_catalog.||) new_id;

        IF why IS NOT NULL THEN
            RAISE NOTICE '% model % stays a candidate: it cannot serve: %', t.task, new_id, why
                USING DETAIL = CASE WHEN active.model_id IS NULL THEN pg_catalog.format('No %s model is active.', t.task)
                                    ELSE pg_catalog.format('Model %s stays active.', active.model_id) END,
                      HINT = 'Train again on more data or with other parameters.';
        ELSIF activate THEN
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
'The training flow of every task (steps in insight_task_steps): prepare, evaluate (fit on the training window, measure out of time), serve (fit the serving model), compare with the active model on the same holdout (metrics.compared_with), store (a companion model first, named in metrics by companion_key), then activate when the model and its companion can serve (the usable step; otherwise they stay candidates with a NOTICE giving the reason, and the active model stays) and it is not worse than the active model (and, with must_beat_baseline, not worse than the baseline), or keep a candidate with a NOTICE. With skip_unchanged (CALL insight_retrain()), a model that equals the active one (insight_same_model; for CLV with its spend model) is not stored: a NOTICE says so and the active model_id is returned. Returns the model_id. Runs in the caller''s transaction: an error or a cancel leaves no model row and the active model untouched.';

CREATE OR REPLACE FUNCTION @extschema@.insight_activate(model_id bigint)
RETURNS bigint
LANGUAGE plpgsql
AS $$
DECLARE
    target @extschema@.insight_models%ROWTYPE;
    current_id bigint;
    why pg_catalog.text;
BEGIN
    SELECT * INTO target FROM @extschema@.insight_models m
     WHERE m.model_id OPERATOR(pg_catalog.=) insight_activate.model_id;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'model % does not exist', model_id
            USING ERRCODE = 'no_data_found',
                  HINT = 'See SELECT model_id, task, status FROM insight_models.';
    END IF;
    PERFORM @extschema@.insight_lock_task(target.task);

    SELECT m.model_id INTO current_id FROM @extschema@.insight_models m
     WHERE m.task OPERATOR(pg_catalog.=) target.task AND m.status OPERATOR(pg_catalog.=) 'active'
       FOR UPDATE;
    IF current_id OPERATOR(pg_catalog.=) target.model_id THEN
        RAISE NOTICE 'model % is already the active % model', model_id, target.task;
        RETURN model_id;
    END IF;

    -- a model in service must be able to score every customer
    why := @extschema@.insight_model_unusable(target);
    IF why IS NOT NULL THEN
        RAISE EXCEPTION 'model % cannot serve', model_id
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  DETAIL = pg_catalog.format('The %s model %s cannot score every customer: %s.', target.task, model_id, why),
                  HINT = CASE WHEN current_id IS NULL THEN pg_catalog.format('Train a new %s model.', target.task)
                              ELSE pg_catalog.format('Model %s stays active; train a new %s model.', current_id, target.task) END;
    END IF;

    UPDATE @extschema@.insight_models m SET status = 'retired'
     WHERE m.model_id OPERATOR(pg_catalog.=) current_id;
    UPDATE @extschema@.insight_models m SET status = 'active'
     WHERE m.model_id OPERATOR(pg_catalog.=) target.model_id;
    INSERT INTO @extschema@.insight_model_activations (task, model_id, previous_model_id)
    VALUES (target.task, target.model_id, current_id);
    RETURN model_id;
END
$$;

COMMENT ON FUNCTION @extschema@.insight_activate(bigint) IS
'Make a model the active one of its task, in one transaction: the model in service becomes retired. Returns model_id. Raises P0002 for an unknown model_id and 55000 "model N cannot serve" (detail: the reason of insight_model_unusable; the active model stays) for a model that cannot score every customer, such as a Gamma-Gamma spend model with q <= 1 or a CLV model naming one.';

CREATE FUNCTION @extschema@.insight_clv_usable(model @extschema@.insight_models)
RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$ SELECT @extschema@.insight_clv_model_unusable(model.weights) $$;

COMMENT ON FUNCTION @extschema@.insight_clv_usable(@extschema@.insight_models) IS
'CLV step usable: insight_clv_model_unusable of the model''s weights (a transaction model or its Gamma-Gamma spend model): NULL when it can score every customer, otherwise why not (Gamma-Gamma q <= 1, BG/NBD a + b <= 1).';

UPDATE @extschema@.insight_task_steps SET usable = '@extschema@.insight_clv_usable(@extschema@.insight_models)'
 WHERE task OPERATOR(pg_catalog.=) 'clv';

CREATE OR REPLACE FUNCTION @extschema@.insight_customer_360_clv(as_of timestamptz DEFAULT NULL)
RETURNS TABLE (customer_id text, p_alive float8, expected_purchases_90d float8, clv_12m float8,
               clv_model_id bigint)
LANGUAGE plpgsql STABLE PARALLEL SAFE
AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM @extschema@.insight_serving_model('clv')) THEN
        RETURN QUERY SELECT s.customer_id, s.p_alive, s.expected_purchases_90d, s.clv_12m, s.model_id
                       FROM @extschema@.insight_clv_scores_at(as_of) s;
    END IF;
END
$$;

COMMENT ON FUNCTION @extschema@.insight_customer_360_clv(timestamptz) IS
'The CLV concern of insight_customer_360 and insight_retention_targets: p_alive, expected_purchases_90d, clv_12m and the model of every customer (insight_clv_scores_at(as_of)), or no rows when no CLV model is active or the active one cannot serve (insight_serving_model: a NOTICE says why).';

CREATE OR REPLACE FUNCTION @extschema@.insight_report_clv()
RETURNS text
LANGUAGE plpgsql STABLE
SET TimeZone = 'UTC'
SET IntervalStyle = 'postgres'
AS $$
DECLARE
    c @extschema@.insight_models;
    sp record;
    x pg_catalog.jsonb;
    ci pg_catalog.jsonb;
    si pg_catalog.jsonb;
    chosen pg_catalog.jsonb;
    totals record;
    names pg_catalog.text;
BEGIN
    SELECT * INTO c FROM @extschema@.insight_active_model('clv') m;
    IF NOT FOUND THEN
        RETURN E'\nCustomer lifetime value\n  No CLV model is active: run SELECT insight_train_clv();\n';
    END IF;
    names := @extschema@.insight_model_unusable(c);
    IF names IS NOT NULL THEN
        RETURN pg_catalog.format(E'\nCustomer lifetime value\n  Active CLV model %s cannot serve: %s.\n  Train a new one with SELECT insight_train_clv(); or roll back with SELECT insight_rollback(''clv'');\n',
                                 c.model_id, names);
    END IF;
    x := c.metrics;
    chosen := x OPERATOR(pg_catalog.->) c.algorithm;
    SELECT * INTO sp FROM @extschema@.insight_models m
     WHERE m.model_id OPERATOR(pg_catalog.=) (x OPERATOR(pg_catalog.->>) 'spend_model_id')::bigint;
    ci := @extschema@.insight_model_info(c.weights);
    si := @extschema@.insight_model_info(sp.weights);
    SELECT pg_catalog.string_agg(pg_catalog.format('%s %s', k, (ci OPERATOR(pg_catalog.->>) k)::pg_catalog.float8::real), ', ' ORDER BY n)
      INTO names
      FROM pg_catalog.unnest(ARRAY['r', 'alpha', 'a', 'b', 's', 'beta']) WITH ORDINALITY u(k, n)
     WHERE ci OPERATOR(pg_catalog.?) k;
    SELECT pg_catalog.count(*) AS customers, pg_catalog.sum(v.clv_12m) AS clv, pg_catalog.avg(v.p_alive) AS p_alive
      INTO totals FROM @extschema@.insight_customer_360_clv() v;
    RETURN pg_catalog.format(E'\nCustomer lifetime value: model %s (%s, time unit %s) with spend model %s (Gamma-Gamma)\n',
               c.model_id, CASE WHEN c.algorithm OPERATOR(pg_catalog.=) 'bgnbd' THEN 'BG/NBD' WHEN c.algorithm OPERATOR(pg_catalog.=) 'pnbd' THEN 'Pareto/NBD' ELSE c.algorithm END,
               (c.params OPERATOR(pg_catalog.->>) 'period')::interval, sp.model_id)
        OPERATOR(pg_catalog.||) pg_catalog.format(E'  holdout: fitted up to %s, tested on the %s after it: %s customers, %s actual repeat purchase days\n',
               x OPERATOR(pg_catalog.->>) 'calibration_end', (x OPERATOR(pg_catalog.->>) 'holdout')::interval,
               chosen OPERATOR(pg_catalog.->>) 'customers', chosen OPERATOR(pg_catalog.->>) 'total_actual')
        OPERATOR(pg_catalog.||) pg_catalog.format(E'  predicted %s (%s %%), MAE %s against %s for the past rate x/T continued, correlation %s\n',
               @extschema@.insight_report_number((chosen OPERATOR(pg_catalog.->>) 'total_predicted')::pg_catalog.float8, 1),
               @extschema@.insight_report_number((chosen OPERATOR(pg_catalog.->>) 'total_error_percent')::pg_catalog.float8, 1),
               @extschema@.insight_report_number((chosen OPERATOR(pg_catalog.->>) 'mae')::pg_catalog.float8),
               @extschema@.insight_report_number((x OPERATOR(pg_catalog.#>>) '{baseline,mae}')::pg_catalog.float8),
               @extschema@.insight_report_number((chosen OPERATOR(pg_catalog.->>) 'correlation')::pg_catalog.float8))
        OPERATOR(pg_catalog.||) pg_catalog.format(E'  serving models, fitted on all %s customers: %s%s; spend p %s, q %s, gamma %s (frequency-spend correlation %s)\n',
               x OPERATOR(pg_catalog.->>) 'customers', names,
               CASE WHEN (ci OPERATOR(pg_catalog.->>) 'converged')::boolean THEN '' ELSE ' (not converged)' END,
               (si OPERATOR(pg_catalog.->>) 'p')::pg_catalog.float8::real, (si OPERATOR(pg_catalog.->>) 'q')::pg_catalog.float8::real,
               (si OPERATOR(pg_catalog.->>) 'gamma')::pg_catalog.float8::real,
               @extschema@.insight_report_number((si OPERATOR(pg_catalog.->>) 'frequency_spend_correlation')::pg_catalog.float8))
        OPERATOR(pg_catalog.||) pg_catalog.format(E'  %s customers now: total 12-month CLV %s, mean P(alive) %s\n',
               totals.customers, @extschema@.insight_report_number(totals.clv, 2),
               @extschema@.insight_report_number(totals.p_alive));
END
$$;

COMMENT ON FUNCTION @extschema@.insight_report_clv() IS
'The CLV section of insight_report(): the active CLV models, their holdout errors against the baseline, their parameters, and the customers'' total 12-month CLV and mean P(alive) (insight_customer_360_clv()); a line saying how to train one when none is active, and why the active one cannot serve when it cannot (insight_model_unusable).';

CREATE OR REPLACE FUNCTION @extschema@.insight_segment_model_scores(as_of timestamptz DEFAULT NULL)
RETURNS TABLE (customer_id text, churn_probability float8, clv_12m float8)
LANGUAGE plpgsql STABLE
AS $$
DECLARE
    has_clv boolean := EXISTS (SELECT 1 FROM @extschema@.insight_serving_model('clv'));
BEGIN
    IF has_clv THEN
        RETURN QUERY
        SELECT COALESCE(c.customer_id, v.customer_id), c.churn_probability, v.clv_12m
          FROM @extschema@.insight_churn_scores_at($1) c
          FULL JOIN @extschema@.insight_clv_scores_at($1) v ON v.customer_id OPERATOR(pg_catalog.=) c.customer_id;
    ELSE
        RETURN QUERY
        SELECT c.customer_id, c.churn_probability, NULL::pg_catalog.float8
          FROM @extschema@.insight_churn_scores_at($1) c;
    END IF;
END
$$;

COMMENT ON FUNCTION @extschema@.insight_segment_model_scores(timestamptz) IS
'Churn probability (insight_churn_scores_at) and 12-month CLV (insight_clv_scores_at) of every customer scored at as_of, for insight_segment_profiles; a model that is not active, or a CLV model that cannot serve (insight_serving_model, with a NOTICE), gives NULLs, not an error. customer_id as text.';

CREATE OR REPLACE FUNCTION @extschema@.insight_segments_setup(k integer, as_of timestamptz)
RETURNS @extschema@.insight_training
LANGUAGE plpgsql
AS $$
DECLARE
    t @extschema@.insight_training;
BEGIN
    -- checked before any work (the features of every customer come next)
    IF k IS NOT NULL AND k OPERATOR(pg_catalog.<) 1 THEN
        RAISE EXCEPTION 'k must be at least 1'
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Pass NULL to choose k in 2..10 by the silhouette.';
    END IF;
    IF k OPERATOR(pg_catalog.>) 100000 THEN
        RAISE EXCEPTION 'k must be at most 100000, not %', k
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = 'A k-means model holds at most 100000 clusters (insight_kmeans_fit).',
                  HINT = 'Pass NULL to choose k in 2..10 by the silhouette.';
    END IF;
    t.task := 'segments';
    t.algorithm := 'kmeans';
    t.params := pg_catalog.jsonb_build_object('k', k, 'features', 'standardized log-RFM',
                                              'n_init', 10, 'seed', 0, 'max_iterations', 300,
                                              'tolerance', 1e-4);
    t.feature_names := @extschema@.insight_segment_feature_names();
    t.trained_as_of := COALESCE(as_of, @extschema@.insight_default_as_of());
    t.setup := pg_catalog.jsonb_build_object('temp_tables', pg_catalog.jsonb_build_array('insight_segments_training'));
    RETURN t;
END
$$;

COMMENT ON FUNCTION @extschema@.insight_segments_setup(integer, timestamptz) IS
'The segments task''s entry step: validates the arguments of insight_train_segments() before any work (k in 1..100000 or NULL, else 22023) and returns the insight_training that insight_train_task() takes.';

CREATE OR REPLACE FUNCTION @extschema@.insight_recommender_params(algorithm text, params jsonb)
RETURNS jsonb
LANGUAGE plpgsql IMMUTABLE
AS $$
DECLARE
    defaults pg_catalog.jsonb;
    key pg_catalog.text;
    lo integer;
    hi integer;
BEGIN
    defaults := CASE
        WHEN algorithm OPERATOR(pg_catalog.=) 'als' THEN '{"factors": 64, "regularization": 0.01, "alpha": 1.0, "iterations": 15, "seed": 0}'::pg_catalog.jsonb
        WHEN algorithm OPERATOR(pg_catalog.=) 'itemknn' THEN '{"neighbors": 100, "similarity": "cosine"}'::pg_catalog.jsonb
        WHEN algorithm OPERATOR(pg_catalog.=) 'popularity' THEN '{}'::pg_catalog.jsonb
    END;
    IF defaults IS NULL THEN
        RAISE EXCEPTION 'unrecognized recommender algorithm "%"', algorithm
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Valid algorithms are als, itemknn and popularity.';
    END IF;
    defaults := defaults OPERATOR(pg_catalog.||) '{"measure": "orders"}'::pg_catalog.jsonb;
    params := COALESCE(params, '{}');
    IF pg_catalog.jsonb_typeof(params) OPERATOR(pg_catalog.<>) 'object' THEN
        RAISE EXCEPTION 'params must be a JSON object' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    FOR key IN SELECT pg_catalog.jsonb_object_keys(params) LOOP
        IF NOT defaults OPERATOR(pg_catalog.?) key THEN
            RAISE EXCEPTION 'unrecognized parameter "%" for algorithm %', key, algorithm
                USING ERRCODE = 'invalid_parameter_value',
                      HINT = pg_catalog.format('Valid parameters are: %s.',
                          (SELECT pg_catalog.string_agg(k, ', ' ORDER BY k) FROM pg_catalog.jsonb_object_keys(defaults) k));
        END IF;
    END LOOP;
    params := defaults OPERATOR(pg_catalog.||) params;
    -- the sizes, checked before any work with the bounds of the fitting
    -- functions (insight_als_fit, insight_itemknn_fit)
    FOR key, lo, hi IN VALUES ('factors', 1, 4096), ('iterations', 1, 10000), ('neighbors', 1, 100000) LOOP
        IF params OPERATOR(pg_catalog.?) key
           AND (pg_catalog.jsonb_typeof(params OPERATOR(pg_catalog.->) key) OPERATOR(pg_catalog.<>) 'number'
                OR (params OPERATOR(pg_catalog.->>) key)::pg_catalog.numeric OPERATOR(pg_catalog.<>) pg_catalog.trunc((params OPERATOR(pg_catalog.->>) key)::pg_catalog.numeric)
                OR (params OPERATOR(pg_catalog.->>) key)::pg_catalog.numeric NOT BETWEEN lo AND hi) THEN
            RAISE EXCEPTION '% must be a whole number between % and %, not %', key, lo, hi, params OPERATOR(pg_catalog.->) key
                USING ERRCODE = 'invalid_parameter_value',
                      DETAIL = pg_catalog.format('%s is a size of the %s model; it is checked before any data is read.', key, algorithm);
        END IF;
    END LOOP;
    RETURN params;
END
$$;

COMMENT ON FUNCTION @extschema@.insight_recommender_params(text, jsonb) IS
'The parameters of a recommender algorithm (als, itemknn, popularity) with their defaults filled in, plus measure (orders); errors for an unknown algorithm or parameter, and (22023, before any work) for a size out of its bounds: factors 1..4096, iterations 1..10000, neighbors 1..100000, whole numbers. Used by insight_train_recommender.';

-- the SQL for the customer key type takes a regtype
DROP FUNCTION @extschema@.insight_create_churn_views(text);
DROP FUNCTION @extschema@.insight_churn_views_sql(text);
DROP FUNCTION @extschema@.insight_rfm_scores_sql(text);

CREATE FUNCTION @extschema@.insight_churn_views_sql(key_type regtype)
RETURNS text[]
LANGUAGE sql STABLE PARALLEL SAFE
AS $f$ SELECT ARRAY(SELECT @extschema@.insight_fill_sql(v, pg_catalog.jsonb_build_object(
                               'key_type', @extschema@.insight_qualified_type(key_type)))
                      FROM pg_catalog.unnest(ARRAY[
$v$
CREATE VIEW @extschema@.insight_churn_scores AS
SELECT s.customer_id::%(key_type)s AS customer_id, s.churn_probability, s.model_id, s.as_of
  FROM @extschema@.insight_churn_scores_at() s $v$,
$v$
CREATE VIEW @extschema@.insight_customer_360 AS
SELECT f.customer_id::%(key_type)s AS customer_id,
       f.recency_days, f.frequency, f.monetary, f.tenure_days, f.orders, f.items, f.total_spend,
       f.spend_90d, f.spend_trend, f.mean_days_between_orders, f.sd_days_between_orders,
       f.distinct_items, f.return_rate,
       @extschema@.insight_predict(churn.weights, f.features) AS churn_probability,
       churn.model_id AS churn_model_id,
       seg.segment, seg.cluster, seg.cluster_label,
       clv.p_alive, clv.expected_purchases_90d, clv.clv_12m, clv.clv_model_id,
       val.expected_spend, val.value_model_id
  FROM @extschema@.insight_customer_360_features() f
  LEFT JOIN @extschema@.insight_serving_model('churn') churn ON true
  LEFT JOIN @extschema@.insight_customer_360_segments() seg
         ON seg.customer_id OPERATOR(pg_catalog.=) f.customer_id
  LEFT JOIN @extschema@.insight_customer_360_clv() clv
         ON clv.customer_id OPERATOR(pg_catalog.=) f.customer_id
  LEFT JOIN @extschema@.insight_value_scores_at() val
         ON val.customer_id OPERATOR(pg_catalog.=) f.customer_id $v$,
$v$
CREATE VIEW @extschema@.insight_retention_targets AS
SELECT t.customer_id::%(key_type)s AS customer_id, t.churn_probability, t.expected_orders, t.expected_value,
       t.value_at_risk, t.reasons, t.recency_days, t.orders, t.monetary, t.model_id,
       t.clv_12m, t.value_basis, t.clv_model_id
  FROM @extschema@.insight_retention_targets_at() t $v$]) WITH ORDINALITY u(v, n)
                     ORDER BY u.n) $f$;

COMMENT ON FUNCTION @extschema@.insight_churn_views_sql(regtype) IS
'The CREATE VIEW statements of insight_churn_scores, insight_customer_360 and insight_retention_targets for a customer key type (filled by insight_fill_sql with the schema-qualified, quoted name of insight_qualified_type, so a type or domain of any name in any schema is safe). The churn model is joined through insight_serving_model(''churn''), so a model that cannot serve leaves its column NULL.';

CREATE FUNCTION @extschema@.insight_create_churn_views(key_type regtype)
RETURNS void
LANGUAGE plpgsql
AS $$
DECLARE
    stmt pg_catalog.text;
BEGIN
    FOREACH stmt IN ARRAY @extschema@.insight_churn_views_sql(key_type) LOOP
        EXECUTE stmt;
    END LOOP;
    PERFORM @extschema@.insight_comment_churn_views();
END
$$;

COMMENT ON FUNCTION @extschema@.insight_create_churn_views(regtype) IS
'Create the churn views for a customer key type (at installation: text; at registration: the source''s type).';

CREATE FUNCTION @extschema@.insight_rfm_scores_sql(key_type regtype)
RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE
AS $f$ SELECT @extschema@.insight_fill_sql($sql$
CREATE FUNCTION @extschema@.insight_rfm_scores(as_of timestamptz DEFAULT NULL)
RETURNS TABLE (customer_id %(key_type)s, recency_days float8, frequency integer, monetary float8,
               r_score integer, f_score integer, m_score integer, rfm_cell text, segment text)
LANGUAGE sql STABLE PARALLEL SAFE
AS $body$
-- score = 1 + floor(5 * (customers with a strictly worse value) / customers):
-- rank() gives tied customers the same rank, so equal values get equal scores
-- whatever the row order.  (OPERATOR() has one precedence whatever the
-- operator: the parentheses keep * and / before +.)
WITH f AS (
    SELECT c.customer_id, c.recency_days, c.orders AS frequency, c.total_spend AS monetary,
           pg_catalog.count(*) OVER () AS n,
           pg_catalog.rank() OVER (ORDER BY c.recency_days DESC) OPERATOR(pg_catalog.-) 1 AS r_worse,
           pg_catalog.rank() OVER (ORDER BY c.orders) OPERATOR(pg_catalog.-) 1 AS f_worse,
           pg_catalog.rank() OVER (ORDER BY c.total_spend) OPERATOR(pg_catalog.-) 1 AS m_worse
      FROM @extschema@.insight_customer_features($1) c
),
s AS (
    SELECT f.customer_id, f.recency_days, f.frequency, f.monetary,
           (1 OPERATOR(pg_catalog.+) ((5 OPERATOR(pg_catalog.*) f.r_worse) OPERATOR(pg_catalog./) f.n))::integer AS r_score,
           (1 OPERATOR(pg_catalog.+) ((5 OPERATOR(pg_catalog.*) f.f_worse) OPERATOR(pg_catalog./) f.n))::integer AS f_score,
           (1 OPERATOR(pg_catalog.+) ((5 OPERATOR(pg_catalog.*) f.m_worse) OPERATOR(pg_catalog./) f.n))::integer AS m_score
      FROM f
)
SELECT s.customer_id, s.recency_days, s.frequency, s.monetary, s.r_score, s.f_score, s.m_score,
       s.r_score::pg_catalog.text OPERATOR(pg_catalog.||) s.f_score::pg_catalog.text OPERATOR(pg_catalog.||) s.m_score::pg_catalog.text,
       @extschema@.insight_rfm_segment(s.r_score, s.f_score, s.m_score)
  FROM s
 ORDER BY s.customer_id
$body$ $sql$, pg_catalog.jsonb_build_object('key_type', @extschema@.insight_qualified_type(key_type))) $f$;

COMMENT ON FUNCTION @extschema@.insight_rfm_scores_sql(regtype) IS
'The CREATE FUNCTION statement of insight_rfm_scores(timestamptz) with customer_id of type key_type, filled by insight_fill_sql with the schema-qualified, quoted name of insight_qualified_type (a type or domain of any name in any schema).';

CREATE OR REPLACE FUNCTION @extschema@.insight_build_churn_objects()
RETURNS trigger
LANGUAGE plpgsql
AS $$
BEGIN
    ALTER EXTENSION insight DROP VIEW @extschema@.insight_retention_targets;
    ALTER EXTENSION insight DROP VIEW @extschema@.insight_customer_360;
    ALTER EXTENSION insight DROP VIEW @extschema@.insight_churn_scores;
    DROP VIEW @extschema@.insight_retention_targets, @extschema@.insight_customer_360,
              @extschema@.insight_churn_scores;
    PERFORM @extschema@.insight_create_churn_views(@extschema@.insight_customer_key_type());
    ALTER EXTENSION insight ADD VIEW @extschema@.insight_churn_scores;
    ALTER EXTENSION insight ADD VIEW @extschema@.insight_customer_360;
    ALTER EXTENSION insight ADD VIEW @extschema@.insight_retention_targets;
    RETURN NULL;
END
$$;

COMMENT ON FUNCTION @extschema@.insight_build_churn_objects() IS
'Trigger function: rebuilds the churn views with the registered source''s customer key type.';

CREATE OR REPLACE FUNCTION @extschema@.insight_build_rfm_objects()
RETURNS trigger
LANGUAGE plpgsql
AS $$
BEGIN
    ALTER EXTENSION insight DROP VIEW @extschema@.insight_rfm;
    DROP VIEW @extschema@.insight_rfm;
    ALTER EXTENSION insight DROP FUNCTION @extschema@.insight_rfm_scores(timestamptz);
    DROP FUNCTION @extschema@.insight_rfm_scores(timestamptz);
    EXECUTE @extschema@.insight_rfm_scores_sql(@extschema@.insight_customer_key_type());
    CREATE VIEW @extschema@.insight_rfm AS SELECT * FROM @extschema@.insight_rfm_scores();
    ALTER EXTENSION insight ADD FUNCTION @extschema@.insight_rfm_scores(timestamptz);
    ALTER EXTENSION insight ADD VIEW @extschema@.insight_rfm;
    PERFORM @extschema@.insight_comment_rfm_objects();
    RETURN NULL;
END
$$;

COMMENT ON FUNCTION @extschema@.insight_build_rfm_objects() IS
'Trigger function on insight_sales_sources (AFTER INSERT OR UPDATE, after insight_build_sales_objects): drops and creates insight_rfm_scores(timestamptz) and the view insight_rfm again with the registered customer key type, and comments them. Runs as the extension''s owner (SECURITY DEFINER, search_path pinned).';

-- CREATE OR REPLACE made the registration triggers SECURITY INVOKER again
-- (ops/privileges.sql makes every one of them SECURITY DEFINER)
ALTER FUNCTION @extschema@.insight_build_churn_objects() SECURITY DEFINER SET search_path = pg_catalog, pg_temp;
ALTER FUNCTION @extschema@.insight_build_rfm_objects() SECURITY DEFINER SET search_path = pg_catalog, pg_temp;

-- (the churn views are replaced by 90_churn_views.sql, which joins the churn
-- model through insight_serving_model now)
