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

--@ function src/sql/tasks/train.sql insight_model_unusable

--@ comment src/sql/tasks/train.sql insight_model_unusable

--@ function src/sql/tasks/train.sql insight_serving_model

--@ comment src/sql/tasks/train.sql insight_serving_model

-- (insight_train_task: in 89zg_task_steps.sql, its latest change)

--@ function src/sql/core/registry.sql insight_activate

--@ comment src/sql/core/registry.sql insight_activate

--@ function src/sql/tasks/clv.sql insight_clv_usable

--@ comment src/sql/tasks/clv.sql insight_clv_usable

UPDATE @extschema@.insight_task_steps SET usable = '@extschema@.insight_clv_usable(@extschema@.insight_models)'
 WHERE task OPERATOR(pg_catalog.=) 'clv';

--@ function src/sql/tasks/clv.sql insight_customer_360_clv

--@ comment src/sql/tasks/clv.sql insight_customer_360_clv

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

--@ comment src/sql/tasks/clv.sql insight_report_clv

--@ function src/sql/tasks/segment_summary.sql insight_segment_model_scores

--@ comment src/sql/tasks/segment_summary.sql insight_segment_model_scores

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

--@ function src/sql/tasks/churn.sql insight_churn_views_sql

--@ comment src/sql/tasks/churn.sql insight_churn_views_sql

--@ function src/sql/tasks/churn.sql insight_create_churn_views

--@ comment src/sql/tasks/churn.sql insight_create_churn_views

--@ function src/sql/features/rfm.sql insight_rfm_scores_sql

--@ comment src/sql/features/rfm.sql insight_rfm_scores_sql

--@ function src/sql/tasks/churn.sql insight_build_churn_objects

--@ comment src/sql/tasks/churn.sql insight_build_churn_objects

--@ function src/sql/features/rfm.sql insight_build_rfm_objects

--@ comment src/sql/features/rfm.sql insight_build_rfm_objects

-- CREATE OR REPLACE made the registration triggers SECURITY INVOKER again
-- (ops/privileges.sql makes every one of them SECURITY DEFINER)
ALTER FUNCTION @extschema@.insight_build_churn_objects() SECURITY DEFINER SET search_path = pg_catalog, pg_temp;
ALTER FUNCTION @extschema@.insight_build_rfm_objects() SECURITY DEFINER SET search_path = pg_catalog, pg_temp;

-- (the churn views are replaced by 90_churn_views.sql, which joins the churn
-- model through insight_serving_model now)
