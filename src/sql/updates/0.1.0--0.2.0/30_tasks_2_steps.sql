-- ---------------------------------------------------------------------------
-- 0.1.0 -> 0.2.0, the task skeleton, part 2: the steps of the four tasks and
-- their training functions, now one line each over insight_train_task().
-- ---------------------------------------------------------------------------

-- Churn (tasks/churn.sql).
-- The churn task's steps (see tasks/train.sql).  With T = as_of: the model
-- is fitted on the labelled window at T - 2 horizon, measured on the one at
-- T - horizon, and the serving model is fitted on that latest window.
CREATE FUNCTION @extschema@.insight_churn_setup(horizon interval, as_of timestamptz, algorithm text, params jsonb)
RETURNS @extschema@.insight_training
LANGUAGE plpgsql
SET TimeZone = 'UTC'
SET IntervalStyle = 'postgres'
AS $$
DECLARE
    t @extschema@.insight_training;
    t_end pg_catalog.timestamptz;
    c_test pg_catalog.timestamptz;
BEGIN
    IF horizon IS NULL OR horizon OPERATOR(pg_catalog.<=) interval '0' THEN
        RAISE EXCEPTION 'horizon must be a positive interval, not %', horizon
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF algorithm IS NULL OR algorithm OPERATOR(pg_catalog.<>) 'logistic' THEN
        RAISE EXCEPTION 'unknown churn algorithm "%"', algorithm
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'The churn task supports algorithm ''logistic'' (L2-penalised logistic regression).';
    END IF;
    t.params := @extschema@.insight_churn_params(params)
                OPERATOR(pg_catalog.||) pg_catalog.jsonb_build_object('algorithm', algorithm, 'horizon', horizon::pg_catalog.text);
    t_end := COALESCE(as_of, @extschema@.insight_default_as_of());
    IF t_end IS NULL THEN
        RAISE EXCEPTION 'no training rows'
            USING ERRCODE = 'data_exception',
                  DETAIL = 'The registered sales source has no kept order lines.';
    END IF;
    c_test := t_end OPERATOR(pg_catalog.-) horizon;
    t.task := 'churn';
    t.algorithm := 'logreg';
    t.feature_names := @extschema@.insight_feature_names();
    t.setup := pg_catalog.jsonb_build_object('horizon', horizon::pg_catalog.text,
        'train_cutoff', c_test OPERATOR(pg_catalog.-) horizon, 'test_cutoff', c_test,
        'temp_tables', pg_catalog.jsonb_build_array('insight_churn_train', 'insight_churn_test'));
    t.metrics := pg_catalog.jsonb_build_object(
        'horizon', horizon::pg_catalog.text,
        'as_of', @extschema@.insight_utc_text(t_end),
        'train_cutoff', @extschema@.insight_utc_text(c_test OPERATOR(pg_catalog.-) horizon),
        'test_cutoff', @extschema@.insight_utc_text(c_test));
    RETURN t;
END
$$;

COMMENT ON FUNCTION @extschema@.insight_churn_setup(interval, timestamptz, text, jsonb) IS
'The churn task''s entry step: validates the arguments of insight_train_churn() and returns the insight_training that insight_train_task() takes (cutoffs in setup, params with defaults, algorithm and horizon).';

-- Fit the churn model of the params on a labelled-rows temporary table.
CREATE FUNCTION @extschema@.insight_churn_fit(params jsonb, rows_table text)
RETURNS bytea
LANGUAGE sql
AS $$
    SELECT @extschema@.insight_logreg_fit(
        pg_catalog.format('SELECT t.features, t.churned FROM pg_temp.%I t', rows_table),
        (params OPERATOR(pg_catalog.->>) 'lambda')::pg_catalog.float8,
        (params OPERATOR(pg_catalog.->>) 'max_iterations')::integer,
        (params OPERATOR(pg_catalog.->>) 'tolerance')::pg_catalog.float8)
$$;

COMMENT ON FUNCTION @extschema@.insight_churn_fit(jsonb, text) IS
'Fits the churn model of the params (insight_churn_params; algorithm logistic: insight_logreg_fit) on a temporary table of labelled rows (insight_churn_training_rows). A new churn algorithm is a branch here and in insight_churn_params.';

CREATE OR REPLACE FUNCTION @extschema@.insight_churn_prepare(t @extschema@.insight_training)
RETURNS @extschema@.insight_training
LANGUAGE plpgsql
SET TimeZone = 'UTC'
SET IntervalStyle = 'postgres'
AS $$
DECLARE
    horizon interval := (t.setup OPERATOR(pg_catalog.->>) 'horizon')::interval;
    c_train pg_catalog.timestamptz := (t.setup OPERATOR(pg_catalog.->>) 'train_cutoff')::pg_catalog.timestamptz;
    c_test pg_catalog.timestamptz := (t.setup OPERATOR(pg_catalog.->>) 'test_cutoff')::pg_catalog.timestamptz;
    sentiment_model_id bigint := (t.params OPERATOR(pg_catalog.->>) 'sentiment_model_id')::bigint;
    n_train bigint;
    train_rate pg_catalog.float8;
BEGIN
    -- the labelled windows, materialised once for all passes
    PERFORM @extschema@.insight_drop_temp_table('insight_churn_train');
    PERFORM @extschema@.insight_drop_temp_table('insight_churn_test');
    CREATE TEMP TABLE insight_churn_train ON COMMIT DROP AS
        SELECT * FROM @extschema@.insight_churn_training_rows(c_train, horizon, sentiment_model_id);
    CREATE TEMP TABLE insight_churn_test ON COMMIT DROP AS
        SELECT * FROM @extschema@.insight_churn_training_rows(c_test, horizon, sentiment_model_id);
    SELECT pg_catalog.count(*), pg_catalog.avg(r.churned::integer) INTO n_train, train_rate
      FROM pg_temp.insight_churn_train r;
    IF n_train OPERATOR(pg_catalog.=) 0 THEN
        RAISE EXCEPTION 'no training rows'
            USING ERRCODE = 'data_exception',
                  DETAIL = pg_catalog.format('No customer has a purchase before the training cutoff %s (as_of - 2 x horizon).',
                                             @extschema@.insight_utc_text(c_train)),
                  HINT = 'Use a shorter horizon or a later as_of.';
    END IF;
    t.metrics := t.metrics OPERATOR(pg_catalog.||)
                 pg_catalog.jsonb_build_object('train_rows', n_train, 'train_churn_rate', train_rate);
    RETURN t;
END
$$;

COMMENT ON FUNCTION @extschema@.insight_churn_prepare(@extschema@.insight_training) IS
'Churn step prepare: the labelled rows at the training and the test cutoff (insight_churn_training_rows, with the review features of params.sentiment_model_id when it is set) in the temporary tables insight_churn_train and insight_churn_test; "no training rows" (22000) when the first is empty.';

CREATE FUNCTION @extschema@.insight_churn_evaluate(t @extschema@.insight_training)
RETURNS @extschema@.insight_training
LANGUAGE plpgsql
SET TimeZone = 'UTC'
SET IntervalStyle = 'postgres'
AS $$
DECLARE
    test_metrics pg_catalog.jsonb;
    n_test bigint;
BEGIN
    -- out-of-time evaluation: fit at the training cutoff, measure at the test cutoff
    t.evaluation_weights := @extschema@.insight_churn_fit(t.params, 'insight_churn_train');
    SELECT @extschema@.insight_binary_metrics(@extschema@.insight_logreg_predict(t.evaluation_weights, r.features), r.churned),
           @extschema@.insight_auc(r.recency_days, r.churned), pg_catalog.count(*)
      INTO test_metrics, t.baseline_score, n_test
      FROM pg_temp.insight_churn_test r;
    t.score := (test_metrics OPERATOR(pg_catalog.->>) 'auc')::pg_catalog.float8;
    t.metrics := t.metrics OPERATOR(pg_catalog.||) pg_catalog.jsonb_build_object(
        'test_rows', n_test,
        'auc', t.score,
        'test', test_metrics,
        'baseline', pg_catalog.jsonb_build_object('score', 'recency_days', 'auc', t.baseline_score),
        'beats_baseline', t.score OPERATOR(pg_catalog.>) t.baseline_score);
    RETURN t;
END
$$;

COMMENT ON FUNCTION @extschema@.insight_churn_evaluate(@extschema@.insight_training) IS
'Churn step evaluate: fits the evaluation model on insight_churn_train and measures it on insight_churn_test (insight_binary_metrics; score: AUC) next to the baseline, the AUC of recency_days alone.';

--@ function src/sql/tasks/churn.sql insight_churn_serve

--@ comment src/sql/tasks/churn.sql insight_churn_serve

CREATE FUNCTION @extschema@.insight_churn_compare(t @extschema@.insight_training, active @extschema@.insight_models)
RETURNS jsonb
LANGUAGE plpgsql
SET TimeZone = 'UTC'
SET IntervalStyle = 'postgres'
AS $$
DECLARE
    active_auc pg_catalog.float8;
BEGIN
    -- the active model's evaluation model on the same window
    BEGIN
        SELECT @extschema@.insight_auc(@extschema@.insight_logreg_predict(
                   COALESCE(active.evaluation_weights, active.weights), r.features), r.churned)
          INTO active_auc FROM pg_temp.insight_churn_test r;
    EXCEPTION WHEN array_subscript_error OR invalid_parameter_value OR data_corrupted THEN
        active_auc := NULL;     -- the active model cannot score these features
    END;
    RETURN pg_catalog.jsonb_build_object('model_id', active.model_id, 'auc', active_auc);
END
$$;

COMMENT ON FUNCTION @extschema@.insight_churn_compare(@extschema@.insight_training, @extschema@.insight_models) IS
'Churn step compare: the AUC of the active model''s evaluation model (its serving model when it has none) on the same test window, on the churn vector it was trained with (insight_churn_features with its params.sentiment_model_id when that differs from the new model''s), NULL when it cannot score these features or its review features cannot be built.';

INSERT INTO @extschema@.insight_task_steps
    (task, prepare, evaluate, serve, compare, metric, higher_is_better, kept_notice, builtin)
VALUES ('churn', '@extschema@.insight_churn_prepare(@extschema@.insight_training)',
        '@extschema@.insight_churn_evaluate(@extschema@.insight_training)',
        '@extschema@.insight_churn_serve(@extschema@.insight_training)',
        '@extschema@.insight_churn_compare(@extschema@.insight_training, @extschema@.insight_models)',
        'auc', true,
        'churn model %1$s stays a candidate: its out-of-time AUC %2$s is below the %3$s of active model %4$s on the same window',
        true);

--@ function src/sql/tasks/churn.sql insight_train_churn

COMMENT ON FUNCTION @extschema@.insight_train_churn(interval, timestamptz, text, jsonb) IS
'Train a churn model (probability of no purchase in the next horizon) on the registered source and return its model_id. With T = as_of (default: just after the latest event): fits on features at T - 2*horizon with labels from [T - 2*horizon, T - horizon), measures out of time on features at T - horizon with labels from [T - horizon, T), then fits the serving model on that latest labelled window (or, when it has one class only, serves the evaluation model, with a NOTICE). metrics holds the cutoffs (UTC), row counts, train churn rate, the test metrics (insight_binary_metrics), the baseline (AUC of recency_days alone) and the comparison with the active model; the evaluation model is kept in evaluation_weights. The model becomes active when no churn model is active, or when its out-of-time AUC is not below the active model''s evaluation model''s AUC on the same window; otherwise it stays a candidate (NOTICE). Runs through insight_train_task() (steps insight_churn_*). Everything runs in the caller''s transaction: an error or a cancel leaves no model row and the active model untouched. params: see insight_churn_params.';

-- CLV (tasks/clv.sql).
-- The holdout in periods (weeks for period 7 days) of a CLV training.
--@ function src/sql/tasks/clv.sql insight_clv_holdout_periods

--@ comment src/sql/tasks/clv.sql insight_clv_holdout_periods

CREATE FUNCTION @extschema@.insight_clv_setup(as_of timestamptz, period interval, holdout interval)
RETURNS @extschema@.insight_training
LANGUAGE plpgsql
SET IntervalStyle = 'iso_8601'
SET TimeZone = 'UTC'
AS $$
DECLARE
    utc constant pg_catalog.text := 'YYYY-MM-DD"T"HH24:MI:SS"Z"';
    period_s pg_catalog.float8 := @extschema@.insight_clv_period_seconds(period);   -- validates period first
    t @extschema@.insight_training;
    t_end pg_catalog.timestamptz;
    first_at pg_catalog.timestamptz;
    hold interval := holdout;
    c pg_catalog.timestamptz;
BEGIN
    SELECT COALESCE(as_of, ((pg_catalog.max(s.ordered_at) AT TIME ZONE 'UTC')::pg_catalog.date OPERATOR(pg_catalog.+) 1)::timestamp AT TIME ZONE 'UTC'),
           pg_catalog.min(s.ordered_at)
      INTO t_end, first_at
      FROM @extschema@.insight_sales s
     WHERE s.quantity OPERATOR(pg_catalog.>) 0 AND s.amount OPERATOR(pg_catalog.>=) 0;
    IF first_at IS NULL OR first_at OPERATOR(pg_catalog.>=) t_end THEN
        RAISE EXCEPTION 'no purchases before as_of'
            USING ERRCODE = 'data_exception',
                  DETAIL = 'The registered sales source has no purchase to train on.';
    END IF;
    -- default holdout: the last quarter of the history, in whole days
    IF hold IS NULL THEN
        hold := pg_catalog.make_interval(days => GREATEST(1, pg_catalog.floor(
            pg_catalog.date_part('epoch', t_end OPERATOR(pg_catalog.-) first_at) OPERATOR(pg_catalog./) 86400 OPERATOR(pg_catalog./) 4)::integer));
    END IF;
    IF hold OPERATOR(pg_catalog.<=) interval '0' OR t_end OPERATOR(pg_catalog.-) hold OPERATOR(pg_catalog.<=) first_at THEN
        RAISE EXCEPTION 'holdout must be positive and shorter than the history'
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = pg_catalog.format('The history runs from %s to %s; the holdout is %s.',
                                             pg_catalog.to_char(first_at AT TIME ZONE 'UTC', utc),
                                             pg_catalog.to_char(t_end AT TIME ZONE 'UTC', utc), hold);
    END IF;
    c := t_end OPERATOR(pg_catalog.-) hold;

    t.task := 'clv';
    -- the hyper-parameters as given (a NULL holdout: the last quarter again
    -- when retrained), so that insight_retrain('clv') trains the same way
    t.params := pg_catalog.jsonb_build_object('period', period::pg_catalog.text, 'holdout', holdout::pg_catalog.text);
    t.feature_names := ARRAY['frequency', 'recency', 'T'];
    t.trained_as_of := t_end;
    t.setup := pg_catalog.jsonb_build_object('period', period::pg_catalog.text, 'holdout', hold::pg_catalog.text,
        'calibration_end', c, 'temp_tables', pg_catalog.jsonb_build_array('insight_clv_holdout'));
    t.metrics := pg_catalog.jsonb_build_object(
        'as_of', pg_catalog.to_char(t_end AT TIME ZONE 'UTC', utc),
        'calibration_end', pg_catalog.to_char(c AT TIME ZONE 'UTC', utc),
        'holdout', hold::pg_catalog.text,
        'holdout_periods', @extschema@.insight_clv_holdout_periods(t));
    RETURN t;
END
$$;

COMMENT ON FUNCTION @extschema@.insight_clv_setup(timestamptz, interval, interval) IS
'The CLV task''s entry step: validates the arguments of insight_train_clv(), chooses the holdout (default: the last quarter of the history, in whole days) and returns the insight_training that insight_train_task() takes.';

CREATE FUNCTION @extschema@.insight_clv_prepare(t @extschema@.insight_training)
RETURNS @extschema@.insight_training
LANGUAGE plpgsql
SET IntervalStyle = 'iso_8601'
SET TimeZone = 'UTC'
AS $$
DECLARE
    period interval := (t.setup OPERATOR(pg_catalog.->>) 'period')::interval;
    c pg_catalog.timestamptz := (t.setup OPERATOR(pg_catalog.->>) 'calibration_end')::pg_catalog.timestamptz;
BEGIN
    -- calibration summary and the repeat purchase days of the holdout
    PERFORM @extschema@.insight_drop_temp_table('insight_clv_holdout');
    CREATE TEMP TABLE insight_clv_holdout ON COMMIT DROP AS
        SELECT k.customer_id::pg_catalog.text AS customer_id, k.frequency, k.recency, k."T",
               COALESCE(h.days, 0)::pg_catalog.float8 AS actual
          FROM @extschema@.insight_clv_summary(c, period) k
          LEFT JOIN (SELECT s.customer_id::pg_catalog.text AS customer_id,
                            pg_catalog.count(DISTINCT (s.ordered_at AT TIME ZONE 'UTC')::pg_catalog.date) AS days
                       FROM @extschema@.insight_sales s
                      WHERE s.quantity OPERATOR(pg_catalog.>) 0 AND s.amount OPERATOR(pg_catalog.>=) 0
                        AND s.ordered_at OPERATOR(pg_catalog.>=) c AND s.ordered_at OPERATOR(pg_catalog.<) t.trained_as_of
                      GROUP BY 1) h ON h.customer_id OPERATOR(pg_catalog.=) k.customer_id::pg_catalog.text;
    RETURN t;
END
$$;

COMMENT ON FUNCTION @extschema@.insight_clv_prepare(@extschema@.insight_training) IS
'CLV step prepare: the calibration summary at as_of - holdout with each customer''s actual repeat purchase days in the holdout, in the temporary table insight_clv_holdout.';

CREATE FUNCTION @extschema@.insight_clv_evaluate(t @extschema@.insight_training)
RETURNS @extschema@.insight_training
LANGUAGE plpgsql
SET IntervalStyle = 'iso_8601'
SET TimeZone = 'UTC'
AS $$
DECLARE
    t_hold pg_catalog.float8 := @extschema@.insight_clv_holdout_periods(t);
    m_bg pg_catalog.bytea;
    m_pn pg_catalog.bytea;
    bg_metrics pg_catalog.jsonb;
    pn_metrics pg_catalog.jsonb;
    base_metrics pg_catalog.jsonb;
    msg pg_catalog.text;
BEGIN
    SELECT @extschema@.insight_bgnbd_fit(h.frequency, h.recency, h."T") INTO m_bg FROM pg_temp.insight_clv_holdout h;
    BEGIN
        SELECT @extschema@.insight_pnbd_fit(h.frequency, h.recency, h."T") INTO m_pn FROM pg_temp.insight_clv_holdout h;
    EXCEPTION WHEN numeric_value_out_of_range THEN
        GET STACKED DIAGNOSTICS msg = MESSAGE_TEXT;
        RAISE NOTICE 'the Pareto/NBD model is not used: %', msg;
        m_pn := NULL;
    END;
    SELECT @extschema@.insight_clv_error_metrics(
               pg_catalog.array_agg(@extschema@.insight_bgnbd_expected_purchases(m_bg, t_hold, h.frequency, h.recency, h."T")),
               pg_catalog.array_agg(h.actual)),
           CASE WHEN m_pn IS NOT NULL THEN @extschema@.insight_clv_error_metrics(
               pg_catalog.array_agg(@extschema@.insight_pnbd_expected_purchases(m_pn, t_hold, h.frequency, h.recency, h."T")),
               pg_catalog.array_agg(h.actual)) END,
           -- baseline: the customer's past repeat rate x / T continued
           @extschema@.insight_clv_error_metrics(
               pg_catalog.array_agg(CASE WHEN h."T" OPERATOR(pg_catalog.>) 0
                                         THEN h.frequency OPERATOR(pg_catalog./) h."T" OPERATOR(pg_catalog.*) t_hold ELSE 0 END),
               pg_catalog.array_agg(h.actual))
      INTO bg_metrics, pn_metrics, base_metrics
      FROM pg_temp.insight_clv_holdout h;

    IF pn_metrics IS NOT NULL AND (pn_metrics OPERATOR(pg_catalog.->>) 'mae')::pg_catalog.float8
                                  OPERATOR(pg_catalog.<) (bg_metrics OPERATOR(pg_catalog.->>) 'mae')::pg_catalog.float8 THEN
        t.algorithm := 'pnbd';
        t.evaluation_weights := m_pn;
        t.score := (pn_metrics OPERATOR(pg_catalog.->>) 'mae')::pg_catalog.float8;
    ELSE
        t.algorithm := 'bgnbd';
        t.evaluation_weights := m_bg;
        t.score := (bg_metrics OPERATOR(pg_catalog.->>) 'mae')::pg_catalog.float8;
    END IF;
    t.baseline_score := (base_metrics OPERATOR(pg_catalog.->>) 'mae')::pg_catalog.float8;
    t.metrics := t.metrics OPERATOR(pg_catalog.||) pg_catalog.jsonb_build_object(
        'algorithm', t.algorithm,
        'holdout_mae', t.score,
        'bgnbd', bg_metrics,
        'pnbd', pn_metrics,
        'baseline', base_metrics OPERATOR(pg_catalog.||) '{"predictor": "past repeat rate x / T"}'::pg_catalog.jsonb,
        'beats_baseline', t.score OPERATOR(pg_catalog.<) t.baseline_score);
    RETURN t;
END
$$;

COMMENT ON FUNCTION @extschema@.insight_clv_evaluate(@extschema@.insight_training) IS
'CLV step evaluate: fits BG/NBD and Pareto/NBD on the calibration summary, compares their predicted repeat purchase days in the holdout with the actual ones (and those of the baseline "past repeat rate x / T continued"), and keeps the model with the lower MAE (score) as the evaluation model.';

CREATE OR REPLACE FUNCTION @extschema@.insight_clv_serve(t @extschema@.insight_training)
RETURNS @extschema@.insight_training
LANGUAGE plpgsql
SET IntervalStyle = 'iso_8601'
SET TimeZone = 'UTC'
AS $$
DECLARE
    spend @extschema@.insight_models;
BEGIN
    -- the models that serve: the chosen one and the spend model, refitted on the whole history
    EXECUTE pg_catalog.format(
        'SELECT %I.%I(k.frequency, k.recency, k."T"), %I.insight_gammagamma_fit(k.frequency, k.monetary_value)
           FROM %I.insight_clv_summary($1, $2) k',
        '@extschema@', 'insight_' OPERATOR(pg_catalog.||) t.algorithm OPERATOR(pg_catalog.||) '_fit', '@extschema@', '@extschema@')
       INTO t.weights, spend.weights
      USING t.trained_as_of, (t.setup OPERATOR(pg_catalog.->>) 'period')::interval;
    IF spend.weights IS NULL THEN
        RAISE EXCEPTION 'no customer with repeat purchases to fit the spend model'
            USING ERRCODE = 'data_exception',
                  HINT = 'The Gamma-Gamma model needs customers with frequency > 0 and a positive monetary_value.';
    END IF;
    t.metrics := t.metrics OPERATOR(pg_catalog.||) pg_catalog.jsonb_build_object(
        'customers', (@extschema@.insight_model_info(t.weights) OPERATOR(pg_catalog.->>) 'customers')::pg_catalog.float8);
    spend.task := 'clv_spend';
    spend.algorithm := 'gammagamma';
    spend.params := t.params;
    spend.metrics := pg_catalog.jsonb_build_object('frequency_spend_correlation',
        @extschema@.insight_model_info(spend.weights) OPERATOR(pg_catalog.->) 'frequency_spend_correlation');
    spend.feature_names := ARRAY['frequency', 'monetary_value'];
    spend.trained_as_of := t.trained_as_of;
    t.companion := spend;
    RETURN t;
END
$$;

COMMENT ON FUNCTION @extschema@.insight_clv_serve(@extschema@.insight_training) IS
'CLV step serve: refits the chosen transaction model and a Gamma-Gamma spend model (task clv_spend, the companion, named by metrics.spend_model_id) on insight_clv_summary(as_of, period).';

CREATE OR REPLACE FUNCTION @extschema@.insight_clv_compare(t @extschema@.insight_training, active @extschema@.insight_models)
RETURNS jsonb
LANGUAGE plpgsql
SET IntervalStyle = 'iso_8601'
SET TimeZone = 'UTC'
AS $$
DECLARE
    t_hold pg_catalog.float8 := @extschema@.insight_clv_holdout_periods(t);
    active_mae pg_catalog.float8;
BEGIN
    -- only a model of the same time unit is comparable
    IF (@extschema@.insight_clv_period_seconds((active.params OPERATOR(pg_catalog.->>) 'period')::interval)
        OPERATOR(pg_catalog.=) @extschema@.insight_clv_period_seconds((t.setup OPERATOR(pg_catalog.->>) 'period')::interval))
       IS NOT TRUE THEN
        RETURN NULL;
    END IF;
    IF active.evaluation_weights IS NOT NULL THEN
        SELECT pg_catalog.avg(pg_catalog.abs(@extschema@.insight_transaction_model_expected_purchases(
                   active.evaluation_weights, t_hold, h.frequency, h.recency, h."T") OPERATOR(pg_catalog.-) h.actual))
          INTO active_mae FROM pg_temp.insight_clv_holdout h;
    END IF;
    RETURN pg_catalog.jsonb_build_object('model_id', active.model_id, 'holdout_mae', active_mae);
END
$$;

COMMENT ON FUNCTION @extschema@.insight_clv_compare(@extschema@.insight_training, @extschema@.insight_models) IS
'CLV step compare: the holdout MAE of the active model''s evaluation model on the same holdout; NULL (not comparable) when the active model has another period.';

INSERT INTO @extschema@.insight_task_steps
    (task, prepare, evaluate, serve, compare, metric, higher_is_better, companion_key, kept_notice, builtin)
VALUES ('clv', '@extschema@.insight_clv_prepare(@extschema@.insight_training)',
        '@extschema@.insight_clv_evaluate(@extschema@.insight_training)',
        '@extschema@.insight_clv_serve(@extschema@.insight_training)',
        '@extschema@.insight_clv_compare(@extschema@.insight_training, @extschema@.insight_models)',
        'holdout_mae', false, 'spend_model_id',
        'CLV model %1$s stays a candidate: its holdout MAE %2$s is above the %3$s of active model %4$s',
        true);

--@ function src/sql/tasks/clv.sql insight_train_clv

--@ comment src/sql/tasks/clv.sql insight_train_clv

-- Segments (tasks/segments.sql).
-- The segments task's steps (see tasks/train.sql): no evaluation and no
-- comparison, since clusterings of different data have no common quality
-- measure: the newest one serves.
CREATE FUNCTION @extschema@.insight_segments_setup(k integer, as_of timestamptz)
RETURNS @extschema@.insight_training
LANGUAGE plpgsql
AS $$
DECLARE
    t @extschema@.insight_training;
BEGIN
    IF k IS NOT NULL AND k OPERATOR(pg_catalog.<) 1 THEN
        RAISE EXCEPTION 'k must be at least 1'
            USING ERRCODE = 'invalid_parameter_value',
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
'The segments task''s entry step: validates the arguments of insight_train_segments() and returns the insight_training that insight_train_task() takes.';

CREATE OR REPLACE FUNCTION @extschema@.insight_segments_prepare(t @extschema@.insight_training)
RETURNS @extschema@.insight_training
LANGUAGE plpgsql
AS $$
BEGIN
    PERFORM @extschema@.insight_drop_temp_table('insight_segments_training');
    CREATE TEMP TABLE insight_segments_training ON COMMIT DROP AS
        SELECT @extschema@.insight_log_rfm(f.recency_days, f.orders, f.total_spend) AS raw
          FROM @extschema@.insight_customer_features(t.trained_as_of) f
         ORDER BY f.customer_id;
    SELECT @extschema@.insight_scaler_fit(r.raw) INTO t.preprocessing FROM pg_temp.insight_segments_training r;
    IF t.preprocessing IS NULL THEN
        RAISE EXCEPTION 'no customer has a purchase before %', t.trained_as_of
            USING ERRCODE = 'no_data_found',
                  HINT = 'Register a sales source with purchases, or pass a later as_of.';
    END IF;
    RETURN t;
END
$$;

COMMENT ON FUNCTION @extschema@.insight_segments_prepare(@extschema@.insight_training) IS
'Segments step prepare: the log-RFM of every customer with a purchase before as_of (insight_log_rfm) in the temporary table insight_segments_training, and the scaler fitted on it (the model''s preprocessing); 02000 when there is no customer.';

CREATE FUNCTION @extschema@.insight_segments_serve(t @extschema@.insight_training)
RETURNS @extschema@.insight_training
LANGUAGE plpgsql
AS $$
DECLARE
    info pg_catalog.jsonb;
BEGIN
    t.weights := @extschema@.insight_kmeans_fit(
        pg_catalog.format('SELECT %I.insight_scaler_transform(%L::pg_catalog.bytea, r.raw) FROM pg_temp.insight_segments_training r',
                          '@extschema@', t.preprocessing),
        (t.params OPERATOR(pg_catalog.->>) 'k')::integer, n_init => 10, seed => 0);
    info := @extschema@.insight_model_info(t.weights);
    t.metrics := pg_catalog.jsonb_build_object(
        'customers', info OPERATOR(pg_catalog.->) 'rows',
        'k', info OPERATOR(pg_catalog.->) 'k',
        'inertia', info OPERATOR(pg_catalog.->) 'inertia',
        'silhouette', info OPERATOR(pg_catalog.->) 'silhouette',
        'iterations', info OPERATOR(pg_catalog.->) 'iterations',
        'sizes', info OPERATOR(pg_catalog.->) 'sizes',
        'k_curve', info OPERATOR(pg_catalog.->) 'k_curve');
    RETURN t;
END
$$;

COMMENT ON FUNCTION @extschema@.insight_segments_serve(@extschema@.insight_training) IS
'Segments step serve: k-means (k-means++, n_init 10, seed 0; k NULL: chosen by the silhouette) on the standardized log-RFM; metrics from the model''s info.';

INSERT INTO @extschema@.insight_task_steps (task, prepare, serve, builtin)
VALUES ('segments', '@extschema@.insight_segments_prepare(@extschema@.insight_training)',
        '@extschema@.insight_segments_serve(@extschema@.insight_training)', true);

CREATE OR REPLACE FUNCTION @extschema@.insight_train_segments(k integer DEFAULT NULL, as_of timestamptz DEFAULT NULL)
RETURNS bigint
LANGUAGE sql
AS $$ SELECT @extschema@.insight_train_task(@extschema@.insight_segments_setup($1, $2)) $$;

COMMENT ON FUNCTION @extschema@.insight_train_segments(integer, timestamptz) IS
'Cluster the customers with a purchase before as_of (default: the whole history) by k-means on standardized log-RFM (insight_log_rfm, standardized by insight_scaler_fit; the scaler is stored as the model''s preprocessing), k-means++ with n_init = 10 and seed 0; k => NULL chooses k in 2..10 by the silhouette. Stores the model as task ''segments'' (metrics: customers, k, inertia, silhouette, iterations, sizes, k_curve) and activates it: clusterings of different data have no common quality measure, so the newest one serves (insight_rollback(''segments'') puts back the previous one). Returns the model_id. Runs through insight_train_task() (steps insight_segments_*). The training rows live in a temporary table, so its passes run without parallel workers.';

-- Recommender (tasks/recommender.sql).
-- The recommender task's steps (see tasks/train.sql).  Evaluation on a time
-- split: fit on purchases before as_of - holdout, test on the new purchases
-- in [as_of - holdout, as_of).  They run with the caller's settings.
--@ function src/sql/tasks/recommender.sql insight_recommender_setup

--@ comment src/sql/tasks/recommender.sql insight_recommender_setup

CREATE OR REPLACE FUNCTION @extschema@.insight_recommender_prepare(t @extschema@.insight_training)
RETURNS @extschema@.insight_training
LANGUAGE plpgsql
AS $$
DECLARE
    measure pg_catalog.text := t.params OPERATOR(pg_catalog.->>) 'measure';
    split pg_catalog.timestamptz := (t.setup OPERATOR(pg_catalog.->>) 'split')::pg_catalog.timestamptz;
BEGIN
    -- the time split: fit before split, test on what customers bought in [split, as_of)
    -- that they had not bought before
    PERFORM @extschema@.insight_drop_temp_table('insight_rec_train');
    PERFORM @extschema@.insight_drop_temp_table('insight_rec_test');
    CREATE TEMP TABLE insight_rec_train ON COMMIT DROP AS
        SELECT i.customer_id, i.item_id, i.value FROM @extschema@.insight_interactions(split, NULL, measure) i;
    ANALYZE pg_temp.insight_rec_train;
    -- (known: a join with the training customers, not "= ANY (SELECT ...)":
    -- a subplan the planner hashes only while the training rows fit in
    -- hash_mem, and otherwise scans again for every test row, which never
    -- ended at 10 million lines; docs/benchmarks.md, "Scale on one machine")
    CREATE TEMP TABLE insight_rec_test ON COMMIT DROP AS
        SELECT h.customer_id, pg_catalog.array_agg(h.item_id ORDER BY h.item_id) AS relevant,
               k.customer_id IS NOT NULL AS known
          FROM @extschema@.insight_interactions(t.trained_as_of, split, measure) h
          LEFT JOIN (SELECT DISTINCT r.customer_id FROM pg_temp.insight_rec_train r) k
            ON k.customer_id OPERATOR(pg_catalog.=) h.customer_id
         WHERE NOT EXISTS (SELECT 1 FROM pg_temp.insight_rec_train r
                            WHERE r.customer_id OPERATOR(pg_catalog.=) h.customer_id
                              AND r.item_id OPERATOR(pg_catalog.=) h.item_id)
         GROUP BY h.customer_id, k.customer_id;
    ANALYZE pg_temp.insight_rec_train;
    ANALYZE pg_temp.insight_rec_test;
    IF NOT EXISTS (SELECT 1 FROM pg_temp.insight_rec_train) OR NOT EXISTS (SELECT 1 FROM pg_temp.insight_rec_test) THEN
        RAISE EXCEPTION 'no interactions on one side of the evaluation split'
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = pg_catalog.format('Training uses purchases before %s, the test the new purchases in [%s, %s).',
                                             split, split, t.trained_as_of),
                  HINT = 'Choose as_of and holdout so that both periods have purchases.';
    END IF;
    t.metrics := t.metrics OPERATOR(pg_catalog.||) pg_catalog.jsonb_build_object(
        'train_interactions', (SELECT pg_catalog.count(*) FROM pg_temp.insight_rec_train),
        'test_customers', (SELECT pg_catalog.count(*) FROM pg_temp.insight_rec_test),
        'test_customers_without_history', (SELECT pg_catalog.count(*) FROM pg_temp.insight_rec_test WHERE NOT known));
    RETURN t;
END
$$;

COMMENT ON FUNCTION @extschema@.insight_recommender_prepare(@extschema@.insight_training) IS
'Recommender step prepare: the interactions before the split (temporary table insight_rec_train) and, per customer, the items first bought in [split, as_of) (insight_rec_test); 22023 when either side is empty.';

CREATE OR REPLACE FUNCTION @extschema@.insight_recommender_evaluate(t @extschema@.insight_training)
RETURNS @extschema@.insight_training
LANGUAGE plpgsql
AS $$
DECLARE
    train_query constant pg_catalog.text := 'SELECT customer_id, item_id, value FROM pg_temp.insight_rec_train';
    test_query constant pg_catalog.text := 'SELECT customer_id, relevant FROM pg_temp.insight_rec_test';
    m pg_catalog.jsonb;
    b pg_catalog.jsonb;
BEGIN
    -- the evaluation model is not kept: the rule compares stored NDCG@10
    m := @extschema@.insight_recommender_metrics(@extschema@.insight_recommender_fit(t.algorithm, t.params, train_query), test_query, 10);
    b := @extschema@.insight_recommender_metrics(@extschema@.insight_popularity_fit(train_query), test_query, 10);
    t.score := (m OPERATOR(pg_catalog.->>) 'ndcg')::pg_catalog.float8;
    t.baseline_score := (b OPERATOR(pg_catalog.->>) 'ndcg')::pg_catalog.float8;
    t.metrics := t.metrics OPERATOR(pg_catalog.||) pg_catalog.jsonb_build_object('k', 10)
                 OPERATOR(pg_catalog.||) @extschema@.insight_recommender_at_10(m)
                 OPERATOR(pg_catalog.||) pg_catalog.jsonb_build_object('baseline',
                     pg_catalog.jsonb_build_object('algorithm', 'popularity') OPERATOR(pg_catalog.||) @extschema@.insight_recommender_at_10(b));
    RETURN t;
END
$$;

COMMENT ON FUNCTION @extschema@.insight_recommender_evaluate(@extschema@.insight_training) IS
'Recommender step evaluate: fits the algorithm and the popularity baseline on insight_rec_train and scores both on insight_rec_test (insight_recommender_metrics at k = 10; score: NDCG@10).';

-- Top-level metrics names of insight_recommender_metrics at k = 10.
--@ function src/sql/tasks/recommender.sql insight_recommender_at_10

--@ comment src/sql/tasks/recommender.sql insight_recommender_at_10

CREATE OR REPLACE FUNCTION @extschema@.insight_recommender_serve(t @extschema@.insight_training)
RETURNS @extschema@.insight_training
LANGUAGE plpgsql
AS $$
BEGIN
    -- the serving model: every purchase before as_of
    t.weights := @extschema@.insight_recommender_fit(t.algorithm, t.params,
        pg_catalog.format('SELECT customer_id, item_id, value FROM @extschema@.insight_interactions(%L, NULL, %L)',
                          t.trained_as_of, t.params OPERATOR(pg_catalog.->>) 'measure'));
    RETURN t;
END
$$;

COMMENT ON FUNCTION @extschema@.insight_recommender_serve(@extschema@.insight_training) IS
'Recommender step serve: fits the algorithm on every purchase before as_of.';

--@ function src/sql/tasks/recommender.sql insight_recommender_compare

--@ comment src/sql/tasks/recommender.sql insight_recommender_compare

INSERT INTO @extschema@.insight_task_steps
    (task, prepare, evaluate, serve, compare, metric, higher_is_better, must_beat_baseline, kept_notice, builtin)
VALUES ('recommender', '@extschema@.insight_recommender_prepare(@extschema@.insight_training)',
        '@extschema@.insight_recommender_evaluate(@extschema@.insight_training)',
        '@extschema@.insight_recommender_serve(@extschema@.insight_training)',
        '@extschema@.insight_recommender_compare(@extschema@.insight_training, @extschema@.insight_models)',
        'ndcg_at_10', true, true,
        'recommender model %1$s stays a candidate: NDCG@10 %2$s is below the popularity baseline (%5$s) or the active model (%3$s)',
        true);

CREATE OR REPLACE FUNCTION @extschema@.insight_train_recommender(algorithm text DEFAULT 'als', params jsonb DEFAULT '{}',
    as_of timestamptz DEFAULT NULL, holdout interval DEFAULT '30 days')
RETURNS bigint
LANGUAGE sql
AS $$ SELECT @extschema@.insight_train_task(@extschema@.insight_recommender_setup($1, $2, $3, $4)) $$;

COMMENT ON FUNCTION @extschema@.insight_train_recommender(text, jsonb, timestamptz, interval) IS
'Train, evaluate and register a recommender (algorithm als, itemknn or popularity; params as the fit function''s arguments, plus measure: orders, quantity or log_quantity). Evaluation on a time split: fit on purchases before as_of - holdout (as_of default: just after the last event); for every customer who buys in [as_of - holdout, as_of) items they had not bought before, recommend 10 unseen items and score hit rate, precision, recall, NDCG, MAP at 10 and catalogue coverage (insight_recommender_metrics), next to the popularity baseline on the same split. Then fits the serving model on all purchases before as_of and stores it (task recommender) with params and metrics (compared_with: the active model and its NDCG@10); it is activated when its NDCG@10 is at least the baseline''s and the active model''s. Runs through insight_train_task() (steps insight_recommender_*). Returns model_id.';

-- Training runs (ops/training_runs.sql): the status unchanged.
ALTER TABLE @extschema@.insight_training_runs
    DROP CONSTRAINT insight_training_runs_status_check,
    ADD CONSTRAINT insight_training_runs_status_check
        CHECK (status OPERATOR(pg_catalog.=) ANY ('{running,succeeded,failed,kept_candidate,unchanged}'));
COMMENT ON TABLE @extschema@.insight_training_runs IS
'One row per training run of CALL insight_retrain(): written and committed as running before the training starts (visible to other sessions), then set to succeeded (the new model is active), kept_candidate (trained and stored, but not better than the active model), unchanged (the data and params gave the model already active: no new version stored) or failed (error, cancel or statement_timeout; error_message and sqlstate say why). Kept by pg_dump.';
COMMENT ON COLUMN @extschema@.insight_training_runs.status IS 'running, succeeded, kept_candidate, unchanged (the retrained model equals the active one: nothing stored) or failed.';
COMMENT ON COLUMN @extschema@.insight_training_runs.rows_used IS 'Training rows of the new model (of the active one when unchanged), as its task reports them in its metrics (see insight_trainers.rows_metric).';
COMMENT ON COLUMN @extschema@.insight_training_runs.model_id IS 'The model the run stored in insight_models; for an unchanged run the active model that stays in service (NULL when it failed).';
COMMENT ON TABLE @extschema@.insight_trainers IS
'How CALL insight_retrain() retrains each task: train_function(params jsonb) RETURNS bigint trains the task with the given hyper-parameters (those of its active model), stores the model with insight_store_model() (activating it or keeping it a candidate, as the task decides) and returns its model_id; when the model it would store equals the active one, it stores nothing and returns the active model''s model_id (a model stored before the run''s transaction), and the run is recorded as unchanged (insight''s own tasks do so through insight_train_task(..., skip_unchanged => true)). rows_metric names the key of the model''s metrics that holds its number of training rows. insight''s own tasks are rows with builtin = true; a custom task is one INSERT (kept by pg_dump).';
