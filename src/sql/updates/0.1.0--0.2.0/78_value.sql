
-- The value task (tasks/value.sql) with the MLP's jsonb hyper-parameters
-- (models/deep/mlp_params.sql) and its retraining adapter (ops/trainers.sql).
-- The churn views gain expected_spend and value_model_id (65 and
-- 90_churn_views.sql), the retention targets and the report the value model
-- (45_churn_algorithms.sql, 65_usable_models.sql).

--@ function src/sql/models/deep/mlp_params.sql insight_mlp_params

--@ comment src/sql/models/deep/mlp_params.sql insight_mlp_params

--@ function src/sql/models/deep/mlp_params.sql insight_mlp_fit_params

--@ comment src/sql/models/deep/mlp_params.sql insight_mlp_fit_params

-- Metrics -----------------------------------------------------------------------

CREATE FUNCTION @extschema@.insight_value_metrics(predicted float8[], actual float8[])
RETURNS jsonb
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE
AS $$
DECLARE
    errors pg_catalog.jsonb;
    result pg_catalog.jsonb;
    bad pg_catalog.float8;
BEGIN
    -- same length and one dimension (raises otherwise); then MAE, RMSE and
    -- totals over the pairs without a NULL, as every other metric here
    PERFORM @extschema@.insight_clv_error_metrics(predicted, actual);
    errors := @extschema@.insight_clv_error_metrics(
        ARRAY(SELECT u.p FROM ROWS FROM (pg_catalog.unnest(predicted), pg_catalog.unnest(actual)) WITH ORDINALITY u(p, a, i)
               WHERE u.p IS NOT NULL AND u.a IS NOT NULL ORDER BY u.i),
        ARRAY(SELECT u.a FROM ROWS FROM (pg_catalog.unnest(predicted), pg_catalog.unnest(actual)) WITH ORDINALITY u(p, a, i)
               WHERE u.p IS NOT NULL AND u.a IS NOT NULL ORDER BY u.i));
    SELECT x INTO bad
      FROM pg_catalog.unnest(predicted OPERATOR(pg_catalog.||) actual) x
     WHERE x OPERATOR(pg_catalog.=) ANY ('{NaN,Infinity,-Infinity}'::pg_catalog.float8[])
     LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'value metrics need finite values, not %', bad
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Leave out the customers a model cannot score, or pass NULL for them: pairs with a NULL are skipped.';
    END IF;
    WITH pairs AS (
        SELECT u.p, u.a, u.i
          FROM ROWS FROM (pg_catalog.unnest(predicted), pg_catalog.unnest(actual)) WITH ORDINALITY u(p, a, i)
         WHERE u.p IS NOT NULL AND u.a IS NOT NULL
    ),
    ranked AS (
        SELECT x.*,
               -- the gain charts: actual value cumulated over customers by
               -- predicted value, highest first (a tie: the lowest actual
               -- first, so that it earns no credit), and by actual value
               pg_catalog.sum(x.a) OVER (ORDER BY x.p DESC, x.a, x.i ROWS UNBOUNDED PRECEDING) AS gain_model,
               pg_catalog.sum(x.a) OVER (ORDER BY x.a DESC, x.i ROWS UNBOUNDED PRECEDING) AS gain_truth,
               -- average ranks, for Spearman's correlation (OPERATOR() has
               -- one precedence for every operator: parentheses)
               pg_catalog.rank() OVER (ORDER BY x.p) OPERATOR(pg_catalog.+)
                   ((pg_catalog.count(*) OVER (PARTITION BY x.p) OPERATOR(pg_catalog.-) 1)::pg_catalog.float8 OPERATOR(pg_catalog./) 2) AS rank_p,
               pg_catalog.rank() OVER (ORDER BY x.a) OPERATOR(pg_catalog.+)
                   ((pg_catalog.count(*) OVER (PARTITION BY x.a) OPERATOR(pg_catalog.-) 1)::pg_catalog.float8 OPERATOR(pg_catalog./) 2) AS rank_a,
               -- ten buckets of equal size by predicted value, lowest first
               pg_catalog.ntile(10) OVER (ORDER BY x.p, x.a, x.i) AS decile
          FROM pairs x
    ),
    totals AS (
        SELECT pg_catalog.count(*) AS n, pg_catalog.sum(r.a) AS total,
               pg_catalog.sum(r.gain_model) AS gain_model, pg_catalog.sum(r.gain_truth) AS gain_truth,
               pg_catalog.corr(r.rank_p, r.rank_a) AS spearman
          FROM ranked r
    ),
    deciles AS (
        SELECT r.decile, pg_catalog.count(*) AS customers,
               pg_catalog.avg(r.p) AS predicted_mean, pg_catalog.avg(r.a) AS actual_mean
          FROM ranked r GROUP BY r.decile
    ),
    gini AS (
        -- raw Gini = 2 x (mean of the normalised gain curve) - 1
        SELECT 2 OPERATOR(pg_catalog.*) t.gain_model OPERATOR(pg_catalog./) (t.total OPERATOR(pg_catalog.*) t.n)
                   OPERATOR(pg_catalog.-) 1 AS model,
               2 OPERATOR(pg_catalog.*) t.gain_truth OPERATOR(pg_catalog./) (t.total OPERATOR(pg_catalog.*) t.n)
                   OPERATOR(pg_catalog.-) 1 AS truth
          FROM totals t WHERE t.total OPERATOR(pg_catalog.>) 0
    )
    SELECT pg_catalog.jsonb_build_object(
               'pairs', t.n,
               'gini', g.model,
               'normalized_gini', CASE WHEN g.truth OPERATOR(pg_catalog.>) 0 THEN g.model OPERATOR(pg_catalog./) g.truth END,
               'spearman', t.spearman,
               'decile_mape', (SELECT pg_catalog.avg(pg_catalog.abs(d.predicted_mean OPERATOR(pg_catalog.-) d.actual_mean)
                                                     OPERATOR(pg_catalog./) d.actual_mean)
                                 FROM deciles d WHERE d.actual_mean OPERATOR(pg_catalog.>) 0),
               'deciles', (SELECT pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object(
                                      'decile', d.decile, 'customers', d.customers,
                                      'predicted_mean', d.predicted_mean, 'actual_mean', d.actual_mean) ORDER BY d.decile)
                             FROM deciles d))
      INTO result
      FROM totals t LEFT JOIN gini g ON true;
    RETURN (errors OPERATOR(pg_catalog.-) 'customers') OPERATOR(pg_catalog.||) result;
END
$$;

COMMENT ON FUNCTION @extschema@.insight_value_metrics(float8[], float8[]) IS
'Out-of-sample metrics of predicted against actual customer value (one element per customer, same order), as google/lifetime_value measures a value model (Wang, Liu & Miao 2019, section 4; lifetime_value/metrics.py): gini, the raw Gini coefficient of the gain chart (2 x the mean share of the total actual value held by the customers ranked above, by predicted value highest first; a tie in predicted value ranks the lower actual value first), normalized_gini = gini / the Gini of the actual values ranked by themselves (1 = a perfect ranking, 0 = random); spearman (Spearman''s rank correlation, average ranks for ties); deciles (ten equal-size buckets by predicted value, lowest first, with customers, predicted_mean and actual_mean) and decile_mape = the mean over deciles with a positive actual mean of |predicted_mean - actual_mean| / actual_mean; and insight_clv_error_metrics''s mae, rmse, correlation, total_predicted, total_actual and total_error_percent. Pairs with a NULL are skipped by every metric (pairs counts the rest). Errors (22023): arrays of different lengths or more than one dimension, NaN or Infinity.';

-- Training rows -------------------------------------------------------------------

-- A customer's spend expected in the horizon at their past rate: monetary
-- (mean order value) x orders x horizon / max(tenure, horizon), the rate not
-- inflated for a new customer.
--@ function src/sql/tasks/value.sql insight_past_rate_value

--@ comment src/sql/tasks/value.sql insight_past_rate_value

-- The value model's inputs: every feature as sign(x) ln(1 + |x|).  Spend
-- features are heavy-tailed (Online Retail: monetary up to 77,183 with a
-- median near 300); on their raw scale a ReLU network extrapolates the
-- lognormal's sigma linearly and exp(sigma^2 / 2) explodes for customers
-- outside the bulk.  google/lifetime_value's notebooks likewise feed the
-- logarithm of the calibration value.
--@ function src/sql/tasks/value.sql insight_signed_log1p

--@ comment src/sql/tasks/value.sql insight_signed_log1p

CREATE OR REPLACE FUNCTION @extschema@.insight_value_training_rows(cutoff timestamptz, horizon interval)
RETURNS TABLE (customer_id text, features float8[], spend float8, past_rate float8)
LANGUAGE sql STABLE PARALLEL SAFE
SET TimeZone = 'UTC'
SET IntervalStyle = 'postgres'
AS $$
WITH spend AS (
    -- summed as numeric: exact, so the same lines give the same bits in any plan
    SELECT s.customer_id, pg_catalog.sum(s.amount::pg_catalog.numeric)::pg_catalog.float8 AS net
      FROM @extschema@.insight_sales s
     WHERE s.ordered_at OPERATOR(pg_catalog.>=) $1
       AND s.ordered_at OPERATOR(pg_catalog.<) ($1 OPERATOR(pg_catalog.+) $2)
     GROUP BY s.customer_id
)
SELECT f.customer_id::pg_catalog.text, f.features,
       GREATEST(COALESCE(b.net, 0), 0)::pg_catalog.float8,
       @extschema@.insight_past_rate_value(f.monetary, f.orders, f.tenure_days,
           pg_catalog.date_part('epoch', $2) OPERATOR(pg_catalog./) 86400)
  FROM @extschema@.insight_customer_features($1) f
  LEFT JOIN spend b ON b.customer_id OPERATOR(pg_catalog.=) f.customer_id
 ORDER BY 1
$$;

--@ comment src/sql/tasks/value.sql insight_value_training_rows

-- Parameters and steps ------------------------------------------------------------

--@ function src/sql/tasks/value.sql insight_value_defaults

--@ comment src/sql/tasks/value.sql insight_value_defaults

--@ function src/sql/tasks/value.sql insight_value_setup

--@ comment src/sql/tasks/value.sql insight_value_setup

CREATE OR REPLACE FUNCTION @extschema@.insight_value_prepare(t @extschema@.insight_training)
RETURNS @extschema@.insight_training
LANGUAGE plpgsql
SET TimeZone = 'UTC'
SET IntervalStyle = 'postgres'
AS $$
DECLARE
    horizon interval := (t.setup OPERATOR(pg_catalog.->>) 'horizon')::interval;
    n_train bigint;
    buyers pg_catalog.float8;
BEGIN
    PERFORM @extschema@.insight_drop_temp_table('insight_value_train');
    PERFORM @extschema@.insight_drop_temp_table('insight_value_test');
    CREATE TEMP TABLE insight_value_train ON COMMIT DROP AS
        SELECT * FROM @extschema@.insight_value_training_rows((t.setup OPERATOR(pg_catalog.->>) 'train_cutoff')::pg_catalog.timestamptz, horizon);
    CREATE TEMP TABLE insight_value_test ON COMMIT DROP AS
        SELECT * FROM @extschema@.insight_value_training_rows((t.setup OPERATOR(pg_catalog.->>) 'test_cutoff')::pg_catalog.timestamptz, horizon);
    SELECT pg_catalog.count(*), pg_catalog.avg((r.spend OPERATOR(pg_catalog.>) 0)::integer) INTO n_train, buyers
      FROM pg_temp.insight_value_train r;
    IF n_train OPERATOR(pg_catalog.=) 0 THEN
        RAISE EXCEPTION 'no training rows'
            USING ERRCODE = 'data_exception',
                  DETAIL = pg_catalog.format('No customer has a purchase before the training cutoff %s (as_of - 2 x horizon).',
                                             t.metrics OPERATOR(pg_catalog.->>) 'train_cutoff'),
                  HINT = 'Use a shorter horizon or a later as_of.';
    END IF;
    t.metrics := t.metrics OPERATOR(pg_catalog.||)
                 pg_catalog.jsonb_build_object('train_rows', n_train, 'train_buyer_rate', buyers);
    RETURN t;
END
$$;

COMMENT ON FUNCTION @extschema@.insight_value_prepare(@extschema@.insight_training) IS
'Value step prepare: the labelled rows at the training and the test cutoff (insight_value_training_rows) in the temporary tables insight_value_train and insight_value_test; "no training rows" (22000) when the first is empty.';

CREATE OR REPLACE FUNCTION @extschema@.insight_value_fit(params jsonb, rows_table text)
RETURNS bytea
LANGUAGE sql
AS $$
    SELECT @extschema@.insight_mlp_fit_params(
        pg_catalog.format('SELECT %I.insight_signed_log1p(t.features), t.spend FROM pg_temp.%I t', '@extschema@', $2), 'ziln',
        $1 OPERATOR(pg_catalog.-) '{algorithm,horizon}'::pg_catalog.text[])
$$;

COMMENT ON FUNCTION @extschema@.insight_value_fit(jsonb, text) IS
'Fits the value model of the params (insight_value_setup) on a temporary table of labelled rows (insight_value_training_rows): an MLP with the zero-inflated lognormal loss (insight_mlp_fit, loss ziln) over insight_signed_log1p(features), whose prediction is P(spend > 0) x E[spend | spend > 0]. Score with insight_value_predict.';

--@ function src/sql/tasks/value.sql insight_value_predict

--@ comment src/sql/tasks/value.sql insight_value_predict

-- BG/NBD + Gamma-Gamma fitted on the summary at cutoff (period one day):
-- each customer's expected spend in the horizon = expected purchases x
-- expected spend per purchase.
CREATE OR REPLACE FUNCTION @extschema@.insight_value_btyd(cutoff timestamptz, horizon interval)
RETURNS TABLE (customer_id text, value float8)
LANGUAGE plpgsql
SET TimeZone = 'UTC'
SET IntervalStyle = 'postgres'
AS $$
DECLARE
    m_bg pg_catalog.bytea;
    m_gg pg_catalog.bytea;
BEGIN
    PERFORM @extschema@.insight_drop_temp_table('insight_value_summary');
    CREATE TEMP TABLE insight_value_summary ON COMMIT DROP AS
        SELECT k.customer_id::pg_catalog.text AS customer_id, k.frequency, k.recency, k."T", k.monetary_value
          FROM @extschema@.insight_clv_summary(cutoff, interval '1 day') k;
    SELECT @extschema@.insight_bgnbd_fit(k.frequency, k.recency, k."T"),
           @extschema@.insight_gammagamma_fit(k.frequency, k.monetary_value)
      INTO m_bg, m_gg FROM pg_temp.insight_value_summary k;
    RETURN QUERY
        SELECT k.customer_id,
               @extschema@.insight_bgnbd_expected_purchases(m_bg,
                   pg_catalog.date_part('epoch', horizon) OPERATOR(pg_catalog./) 86400, k.frequency, k.recency, k."T")
               OPERATOR(pg_catalog.*) @extschema@.insight_gammagamma_expected_spend(m_gg, k.frequency, k.monetary_value)
          FROM pg_temp.insight_value_summary k;
    PERFORM @extschema@.insight_drop_temp_table('insight_value_summary');
END
$$;

COMMENT ON FUNCTION @extschema@.insight_value_btyd(timestamptz, interval) IS
'The BTYD value of every customer with a purchase before cutoff, the value task''s statistical comparator: BG/NBD (Fader, Hardie & Lee 2005) and Gamma-Gamma (Fader, Hardie & Lee 2005b) fitted on insight_clv_summary(cutoff, ''1 day''); value = expected repeat purchases in the horizon (days) x expected spend per purchase.';

CREATE OR REPLACE FUNCTION @extschema@.insight_value_evaluate(t @extschema@.insight_training)
RETURNS @extschema@.insight_training
LANGUAGE plpgsql
SET TimeZone = 'UTC'
SET IntervalStyle = 'postgres'
AS $$
DECLARE
    model_metrics pg_catalog.jsonb;
    btyd_metrics pg_catalog.jsonb;
    base_metrics pg_catalog.jsonb;
    msg pg_catalog.text;
BEGIN
    -- out-of-time: fit at the training cutoff, measure at the test cutoff
    t.evaluation_weights := @extschema@.insight_value_fit(t.params, 'insight_value_train');
    SELECT @extschema@.insight_value_metrics(pg_catalog.array_agg(@extschema@.insight_value_predict(t.evaluation_weights, r.features) ORDER BY r.customer_id),
                                             pg_catalog.array_agg(r.spend ORDER BY r.customer_id)),
           @extschema@.insight_value_metrics(pg_catalog.array_agg(r.past_rate ORDER BY r.customer_id),
                                             pg_catalog.array_agg(r.spend ORDER BY r.customer_id))
      INTO model_metrics, base_metrics
      FROM pg_temp.insight_value_test r;
    -- the statistical comparator on the same customers
    BEGIN
        SELECT @extschema@.insight_value_metrics(pg_catalog.array_agg(b.value ORDER BY r.customer_id),
                                                 pg_catalog.array_agg(r.spend ORDER BY r.customer_id))
          INTO btyd_metrics
          FROM pg_temp.insight_value_test r
          LEFT JOIN @extschema@.insight_value_btyd((t.setup OPERATOR(pg_catalog.->>) 'test_cutoff')::pg_catalog.timestamptz,
                                                   (t.setup OPERATOR(pg_catalog.->>) 'horizon')::interval) b
                 ON b.customer_id OPERATOR(pg_catalog.=) r.customer_id;
    EXCEPTION WHEN data_exception OR numeric_value_out_of_range OR invalid_parameter_value THEN
        GET STACKED DIAGNOSTICS msg = MESSAGE_TEXT;
        RAISE NOTICE 'the BG/NBD + Gamma-Gamma comparison is left out: %', msg;
        btyd_metrics := pg_catalog.jsonb_build_object('error', msg);
    END;
    t.score := (model_metrics OPERATOR(pg_catalog.->>) 'normalized_gini')::pg_catalog.float8;
    t.baseline_score := (base_metrics OPERATOR(pg_catalog.->>) 'normalized_gini')::pg_catalog.float8;
    t.metrics := t.metrics OPERATOR(pg_catalog.||) pg_catalog.jsonb_build_object(
        'test_rows', model_metrics OPERATOR(pg_catalog.->) 'pairs',
        'normalized_gini', t.score,
        'test', model_metrics,
        'btyd', btyd_metrics OPERATOR(pg_catalog.||) '{"predictor": "BG/NBD x Gamma-Gamma"}'::pg_catalog.jsonb,
        'baseline', base_metrics OPERATOR(pg_catalog.||) '{"predictor": "past rate continued"}'::pg_catalog.jsonb,
        'beats_baseline', t.score OPERATOR(pg_catalog.>) t.baseline_score);
    RETURN t;
END
$$;

COMMENT ON FUNCTION @extschema@.insight_value_evaluate(@extschema@.insight_training) IS
'Value step evaluate: fits the evaluation model on insight_value_train and measures it on insight_value_test (insight_value_metrics; score: normalized Gini) next to the baseline, the past rate continued (insight_past_rate_value), and the BG/NBD + Gamma-Gamma value fitted at the test cutoff (insight_value_btyd; left out with a NOTICE when it cannot be fitted).';

--@ function src/sql/tasks/value.sql insight_value_serve

--@ comment src/sql/tasks/value.sql insight_value_serve

CREATE OR REPLACE FUNCTION @extschema@.insight_value_compare(t @extschema@.insight_training, active @extschema@.insight_models)
RETURNS jsonb
LANGUAGE plpgsql
SET TimeZone = 'UTC'
SET IntervalStyle = 'postgres'
AS $$
DECLARE
    gini pg_catalog.float8;
BEGIN
    BEGIN
        SELECT (@extschema@.insight_value_metrics(
                    pg_catalog.array_agg(@extschema@.insight_value_predict(COALESCE(active.evaluation_weights, active.weights), r.features) ORDER BY r.customer_id),
                    pg_catalog.array_agg(r.spend ORDER BY r.customer_id)) OPERATOR(pg_catalog.->>) 'normalized_gini')::pg_catalog.float8
          INTO gini FROM pg_temp.insight_value_test r;
    EXCEPTION WHEN array_subscript_error OR invalid_parameter_value OR data_corrupted
                   OR feature_not_supported OR data_exception THEN
        gini := NULL;     -- the active model cannot score these features
    END;
    RETURN pg_catalog.jsonb_build_object('model_id', active.model_id, 'normalized_gini', gini);
END
$$;

COMMENT ON FUNCTION @extschema@.insight_value_compare(@extschema@.insight_training, @extschema@.insight_models) IS
'Value step compare: the normalized Gini of the active model''s evaluation model (its serving model when it has none) on the same test window, NULL when it cannot score these features.';

INSERT INTO @extschema@.insight_task_steps
    (task, prepare, evaluate, serve, compare, metric, higher_is_better, must_beat_baseline, kept_notice, builtin)
VALUES ('value', '@extschema@.insight_value_prepare(@extschema@.insight_training)',
        '@extschema@.insight_value_evaluate(@extschema@.insight_training)',
        '@extschema@.insight_value_serve(@extschema@.insight_training)',
        '@extschema@.insight_value_compare(@extschema@.insight_training, @extschema@.insight_models)',
        'normalized_gini', true, true,
        'value model %1$s stays a candidate: its out-of-time normalized Gini %2$s is below the %3$s of active model %4$s or the %5$s of the past rate continued',
        true);

--@ function src/sql/tasks/value.sql insight_train_value

--@ comment src/sql/tasks/value.sql insight_train_value

-- Scoring -------------------------------------------------------------------------

--@ function src/sql/tasks/value.sql insight_value

--@ comment src/sql/tasks/value.sql insight_value

--@ function src/sql/tasks/value.sql insight_value 2

--@ comment src/sql/tasks/value.sql insight_value 2

--@ function src/sql/tasks/value.sql insight_value_scores_at

--@ comment src/sql/tasks/value.sql insight_value_scores_at

-- The report's section ------------------------------------------------------------

--@ function src/sql/tasks/value.sql insight_report_value

--@ comment src/sql/tasks/value.sql insight_report_value

-- value: the horizon as stored, the rest are the model's hyper-parameters
--@ function src/sql/ops/trainers.sql insight_retrain_value

--@ comment src/sql/ops/trainers.sql insight_retrain_value

INSERT INTO @extschema@.insight_trainers (task, train_function, rows_metric, builtin) VALUES
    ('value', '@extschema@.insight_retrain_value(jsonb)', 'serve_rows', true);

-- insight_admin only, as every function that trains
SELECT @extschema@.insight_apply_privileges();
