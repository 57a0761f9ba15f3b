-- Issue 19: on Citus, for a source distributed by customer, the CLV fits run
-- on the shards.  insight_clv_summary_query(as_of, period), generated at
-- registration from the same template as insight_clv_summary, gives the
-- summary's query as SQL text (NULL elsewhere); the CLV task's calibration
-- fits (their shared state, insight_clv_fit_state, in one query) and serving
-- fits and the value task's BTYD comparator run their aggregates over it as
-- a subquery, which Citus pushes down (a partial state per shard, combined
-- on the coordinator).  A database without Citus runs the fits as before.

--@ function src/sql/models/clv/summary.sql insight_clv_summary_query

--@ comment src/sql/models/clv/summary.sql insight_clv_summary_query

--@ function src/sql/models/clv/summary.sql insight_build_clv_objects

--@ comment src/sql/models/clv/summary.sql insight_build_clv_objects

ALTER FUNCTION @extschema@.insight_build_clv_objects() SECURITY DEFINER SET search_path = pg_catalog, pg_temp;

--@ comment src/sql/models/clv/models.sql insight_clv_summary_accum

-- The state the transaction-model fits share (the calibration fits on
-- Citus collect it in one query).
CREATE AGGREGATE @extschema@.insight_clv_fit_state(frequency float8, recency float8, "T" float8) (
    SFUNC = @extschema@.insight_clv_summary_accum,
    STYPE = bytea,
    COMBINEFUNC = @extschema@.insight_clv_rows_combine,
    PARALLEL = SAFE
);

COMMENT ON AGGREGATE @extschema@.insight_clv_fit_state(float8, float8, float8) IS
'The fit state that insight_bgnbd_fit, insight_pnbd_fit and insight_mbgnbd_fit build, returned as it is: customers'' (frequency, recency, T), identical rows collapsed with weights, rows with a NULL counted; insight_bgnbd_final(state), insight_pnbd_final(state) and insight_mbgnbd_final(state) fit each model from it, with the bytes of the aggregate over the same rows (the final function sorts the rows, so the order in which partial states were combined changes nothing). With a combine function: parallel plans and Citus (worker_partial_agg on each shard) combine partial states. Input errors of insight_bgnbd_fit. NULL for no rows.';

CREATE OR REPLACE FUNCTION @extschema@.insight_clv_evaluate(t @extschema@.insight_training)
RETURNS @extschema@.insight_training
LANGUAGE plpgsql
SET IntervalStyle = 'iso_8601'
SET TimeZone = 'UTC'
AS $$
DECLARE
    t_hold pg_catalog.float8 := @extschema@.insight_clv_holdout_periods(t);
    -- the candidates, simplest first
    algorithms constant pg_catalog.text[] := ARRAY['bgnbd', 'pnbd', 'mbgnbd'];
    names constant pg_catalog.jsonb := '{"bgnbd": "BG/NBD", "pnbd": "Pareto/NBD", "mbgnbd": "MBG/NBD"}';
    alg pg_catalog.text;
    m pg_catalog.bytea;
    m_metrics pg_catalog.jsonb;
    all_metrics pg_catalog.jsonb := '{}';
    candidates pg_catalog.jsonb := '[]';
    runner_up pg_catalog.jsonb;
    base_metrics pg_catalog.jsonb;
    curves pg_catalog.jsonb;
    come_back pg_catalog.jsonb;
    msg pg_catalog.text;
    best_mae pg_catalog.float8;
    mae_median pg_catalog.float8;
    spearman pg_catalog.float8;
    fits pg_catalog.bytea[] := '{}';
    chosen_n pg_catalog.int8;
    -- on Citus, the calibration summary's query (NULL elsewhere)
    summary_query pg_catalog.text := @extschema@.insight_clv_summary_query(
        (t.setup OPERATOR(pg_catalog.->>) 'calibration_end')::pg_catalog.timestamptz, (t.setup OPERATOR(pg_catalog.->>) 'period')::interval);
    fit_state pg_catalog.bytea;
BEGIN
    -- on Citus the fits' state, collected on the shards in one query over the
    -- calibration summary (each shard sends its partial state), from which
    -- every model is fitted below by its final function
    IF summary_query IS NOT NULL THEN
        EXECUTE pg_catalog.format('SELECT %I.insight_clv_fit_state(h.frequency, h.recency, h."T") FROM (%s) h',
                                  '@extschema@', summary_query)
           INTO fit_state;
    END IF;
    -- every model fitted on the calibration summary and measured on the holdout
    FOREACH alg IN ARRAY algorithms LOOP
        BEGIN
            IF summary_query IS NULL THEN
                EXECUTE pg_catalog.format('SELECT %I.%I(h.frequency, h.recency, h."T") FROM pg_temp.insight_clv_holdout h',
                                          '@extschema@', 'insight_' OPERATOR(pg_catalog.||) alg OPERATOR(pg_catalog.||) '_fit')
                   INTO m;
            ELSE
                EXECUTE pg_catalog.format('SELECT %I.%I($1)', '@extschema@', 'insight_' OPERATOR(pg_catalog.||) alg OPERATOR(pg_catalog.||) '_final')
                   INTO m USING fit_state;
            END IF;
        EXCEPTION WHEN numeric_value_out_of_range THEN
            GET STACKED DIAGNOSTICS msg = MESSAGE_TEXT;
            RAISE NOTICE 'the % model is not used: %', names OPERATOR(pg_catalog.->>) alg, msg;
            m := NULL;
        END;
        m_metrics := NULL;
        IF m IS NOT NULL THEN
            -- the mean for RMSE, correlation and totals; the customer's own
            -- predictive median for MAE (Gneiting 2011: the mean is not the
            -- point forecast absolute error asks for)
            SELECT @extschema@.insight_clv_error_metrics(
                       pg_catalog.array_agg(@extschema@.insight_transaction_model_expected_purchases(m, t_hold, h.frequency, h.recency, h."T")),
                       pg_catalog.array_agg(h.actual)),
                   pg_catalog.avg(pg_catalog.abs(@extschema@.insight_transaction_model_median_purchases(m, t_hold, h.frequency, h.recency, h."T")
                                                 OPERATOR(pg_catalog.-) h.actual)),
                   -- does P(alive) fall with the time since the last purchase?
                   @extschema@.insight_clv_spearman(
                       pg_catalog.array_agg(@extschema@.insight_transaction_model_p_alive(m, h.frequency, h.recency, h."T")),
                       pg_catalog.array_agg(h."T" OPERATOR(pg_catalog.-) h.recency))
              INTO m_metrics, mae_median, spearman FROM pg_temp.insight_clv_holdout h;
            m_metrics := m_metrics OPERATOR(pg_catalog.||) pg_catalog.jsonb_build_object(
                'mae_median', mae_median, 'p_alive_spearman_time_since_last_purchase', spearman);
            candidates := candidates OPERATOR(pg_catalog.||) pg_catalog.jsonb_build_array(pg_catalog.jsonb_build_object(
                'algorithm', alg, 'mae_median', mae_median, 'mae_mean', m_metrics OPERATOR(pg_catalog.->) 'mae',
                'p_alive_spearman', spearman));
            fits := fits OPERATOR(pg_catalog.||) m;
            best_mae := LEAST(best_mae, mae_median);
        END IF;
        all_metrics := all_metrics OPERATOR(pg_catalog.||) pg_catalog.jsonb_build_object(alg, m_metrics);
    END LOOP;
    IF best_mae IS NULL THEN
        RAISE EXCEPTION 'no transaction model could be fitted on the calibration period'
            USING ERRCODE = 'numeric_value_out_of_range',
                  DETAIL = 'The BG/NBD, Pareto/NBD and MBG/NBD fits all failed (see the NOTICEs).',
                  HINT = 'Train with a longer history or another as_of.';
    END IF;
    -- the choice: the lowest mae_median; the candidates within 0.1 % of it
    -- tie (at the no-dropout limit the three are the same NBD model and their
    -- MAEs differ in the last digits), and among them the one whose P(alive)
    -- falls most with the time since the last purchase (the lowest Spearman
    -- correlation on the calibration summary) serves, the first on a tie:
    -- BG/NBD gives every one-time buyer P(alive) 1, however long ago
    SELECT c.n INTO chosen_n
      FROM pg_catalog.jsonb_array_elements(candidates) WITH ORDINALITY c(value, n)
     WHERE (c.value OPERATOR(pg_catalog.->>) 'mae_median')::pg_catalog.float8 OPERATOR(pg_catalog.<=) (best_mae OPERATOR(pg_catalog.*) 1.001)
     ORDER BY (c.value OPERATOR(pg_catalog.->>) 'p_alive_spearman')::pg_catalog.float8 NULLS LAST, c.n
     LIMIT 1;
    t.algorithm := candidates OPERATOR(pg_catalog.->) (chosen_n::integer OPERATOR(pg_catalog.-) 1) OPERATOR(pg_catalog.->>) 'algorithm';
    t.evaluation_weights := fits[chosen_n];
    t.score := (candidates OPERATOR(pg_catalog.->) (chosen_n::integer OPERATOR(pg_catalog.-) 1) OPERATOR(pg_catalog.->>) 'mae_median')::pg_catalog.float8;
    -- baseline: the customer's past repeat rate x / T continued, as it is
    -- and, for MAE, the median of a Poisson count with that mean
    SELECT @extschema@.insight_clv_error_metrics(pg_catalog.array_agg(b.rate), pg_catalog.array_agg(b.actual)),
           pg_catalog.avg(pg_catalog.abs(@extschema@.insight_clv_poisson_median(b.rate) OPERATOR(pg_catalog.-) b.actual))
      INTO base_metrics, mae_median
      FROM (SELECT CASE WHEN h."T" OPERATOR(pg_catalog.>) 0
                        THEN h.frequency OPERATOR(pg_catalog./) h."T" OPERATOR(pg_catalog.*) t_hold ELSE 0 END AS rate,
                   h.actual
              FROM pg_temp.insight_clv_holdout h) b;
    base_metrics := base_metrics OPERATOR(pg_catalog.||) pg_catalog.jsonb_build_object('mae_median', mae_median);
    -- the baseline at its best: the lower of its two MAEs
    t.baseline_score := LEAST((base_metrics OPERATOR(pg_catalog.->>) 'mae')::pg_catalog.float8, mae_median);
    -- the best of the others (the first on a tie); it may be lower by up to 0.1 %
    SELECT c.value INTO runner_up
      FROM pg_catalog.jsonb_array_elements(candidates) WITH ORDINALITY c(value, n)
     WHERE c.value OPERATOR(pg_catalog.->>) 'algorithm' OPERATOR(pg_catalog.<>) t.algorithm
     ORDER BY (c.value OPERATOR(pg_catalog.->>) 'mae_median')::pg_catalog.float8, c.n
     LIMIT 1;
    -- who came back in the holdout, by the time since the last purchase,
    -- against the chosen model's expectation: does P(alive) see who left?
    SELECT @extschema@.insight_clv_come_back(t.evaluation_weights, t_hold, pg_catalog.array_agg(h.frequency::pg_catalog.float8),
               pg_catalog.array_agg(h.recency), pg_catalog.array_agg(h."T"), pg_catalog.array_agg(h.actual))
      INTO come_back FROM pg_temp.insight_clv_holdout h;
    -- the charts of the holdout (insight_report_html draws them), once
    BEGIN
        SELECT @extschema@.insight_clv_holdout_curves(pg_catalog.array_agg(h.frequency),
                   pg_catalog.array_agg(@extschema@.insight_transaction_model_expected_purchases(t.evaluation_weights, t_hold,
                                                                                                h.frequency, h.recency, h."T")),
                   pg_catalog.array_agg(h.actual), pg_catalog.array_agg(h.actual_spend), pg_catalog.array_agg(h.monetary_value))
          INTO curves FROM pg_temp.insight_clv_holdout h;
    EXCEPTION WHEN data_exception OR numeric_value_out_of_range OR invalid_parameter_value THEN
        GET STACKED DIAGNOSTICS msg = MESSAGE_TEXT;
        RAISE NOTICE 'the holdout charts are not stored: %', msg;
        curves := NULL;
    END;
    t.metrics := t.metrics OPERATOR(pg_catalog.||) all_metrics OPERATOR(pg_catalog.||) pg_catalog.jsonb_build_object(
        'algorithm', t.algorithm,
        'holdout_curves', curves,
        'come_back', come_back,
        'holdout_mae', t.score,
        'chosen_by', 'holdout MAE of the predictive median; within 0.1 %, the P(alive) that falls most with the time since the last purchase',
        'candidates', candidates,
        'runner_up', runner_up OPERATOR(pg_catalog.->>) 'algorithm',
        'margin_over_runner_up', (runner_up OPERATOR(pg_catalog.->>) 'mae_median')::pg_catalog.float8 OPERATOR(pg_catalog.-) t.score,
        'baseline', base_metrics OPERATOR(pg_catalog.||) '{"predictor": "past repeat rate x / T"}'::pg_catalog.jsonb,
        'margin_over_baseline', t.baseline_score OPERATOR(pg_catalog.-) t.score,
        'beats_baseline', t.score OPERATOR(pg_catalog.<) t.baseline_score,
        'warning', CASE WHEN NOT t.score OPERATOR(pg_catalog.<) t.baseline_score THEN pg_catalog.format(
            'the past repeat rate x / T continued predicts the holdout better than the chosen %s model (MAE %s against %s for the model''s predictive median): its predictions are served, but the baseline beats them',
            names OPERATOR(pg_catalog.->>) t.algorithm, pg_catalog.round(t.baseline_score::pg_catalog.numeric, 3),
            pg_catalog.round(t.score::pg_catalog.numeric, 3)) END);
    RETURN t;
END
$$;

COMMENT ON FUNCTION @extschema@.insight_clv_evaluate(@extschema@.insight_training) IS
'CLV step evaluate: fits BG/NBD, Pareto/NBD and the modified BG/NBD (MBG/NBD) on the calibration summary (a fit that fails with 22003 is left out with a NOTICE; all failing is an error, 22003), compares each model''s predicted repeat purchase days in the holdout with the actual ones (insight_clv_error_metrics of the predictive mean, insight_transaction_model_expected_purchases: mae, rmse, correlation, totals; and mae_median, the MAE of the customer''s predictive median, insight_transaction_model_median_purchases, the point forecast for absolute error (Gneiting 2011); in metrics.bgnbd, .pnbd, .mbgnbd) and with those of the baseline "past repeat rate x / T continued" (metrics.baseline: the same of the rate, and mae_median of the median of a Poisson count with that mean, insight_clv_poisson_median), and keeps as the evaluation model (score: its mae_median) the model with the lowest mae_median; the models within 0.1 % of it tie (at the no-dropout limit the three are the same NBD model and their MAEs differ in the last digits), and among them the one whose P(alive) falls most with the time since the last purchase (the lowest insight_clv_spearman of P(alive) and T - recency on the calibration summary, p_alive_spearman_time_since_last_purchase in each model''s metrics) is kept, the first in the order BG/NBD, Pareto/NBD, MBG/NBD on a tie. metrics: algorithm (the choice), chosen_by, candidates (algorithm, mae_median, mae_mean and p_alive_spearman of every model fitted), runner_up and margin_over_runner_up (its mae_median minus the chosen one''s; down to -0.1 % of it), margin_over_baseline (the baseline''s lower MAE, of its rate or of its Poisson median, minus the chosen one''s mae_median; negative when the baseline is better), beats_baseline, and warning (a sentence, when the baseline is at least as good: the model is served all the same, and the reports say so); the holdout charts of the chosen model (insight_clv_holdout_curves) go to metrics.holdout_curves, and who came back in the holdout against the chosen model''s expectation, in four bands of the time since the last purchase (insight_clv_come_back), to metrics.come_back. On Citus, for a source distributed by customer (insight_clv_summary_query not NULL), the fits'' state is collected over the calibration summary''s query on the shards in one query (insight_clv_fit_state: one partial state per shard, combined on the coordinator) and each model fitted from it by its final function (the same model bytes, since the final function sorts and collapses the rows); the holdout metrics, charts and bands read the rows of insight_clv_holdout (one per calibration customer) on the coordinator.';

--@ function src/sql/tasks/clv.sql insight_clv_serve

--@ comment src/sql/tasks/clv.sql insight_clv_serve

--@ function src/sql/tasks/value.sql insight_value_btyd

--@ comment src/sql/tasks/value.sql insight_value_btyd

-- A registered source gets insight_clv_summary_query from the CLV build
-- trigger, fired by an UPDATE; the other objects built at registration are
-- current, so their triggers sit this one out.
ALTER TABLE @extschema@.insight_sales_sources
    DISABLE TRIGGER insight_sales_sources_build,
    DISABLE TRIGGER insight_sales_sources_build_window,
    DISABLE TRIGGER insight_sales_sources_build_rfm,
    DISABLE TRIGGER insight_sales_sources_build_churn;
UPDATE @extschema@.insight_sales_sources SET options = options;
ALTER TABLE @extschema@.insight_sales_sources
    ENABLE TRIGGER insight_sales_sources_build,
    ENABLE TRIGGER insight_sales_sources_build_window,
    ENABLE TRIGGER insight_sales_sources_build_rfm,
    ENABLE TRIGGER insight_sales_sources_build_churn;
