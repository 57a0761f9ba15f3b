-- ---------------------------------------------------------------------------
-- The value task: what each customer will spend in the next horizon, from
-- point-in-time features, by a deep model trained with the zero-inflated
-- lognormal loss (Wang, Liu & Miao 2019, "A Deep Probabilistic Model for
-- Customer Lifetime Value Prediction"; google/lifetime_value), measured out
-- of time against BG/NBD + Gamma-Gamma and against the past rate continued
-- with the metrics google/lifetime_value uses.
--
-- The windows are the churn task's: with T = as_of, the model is fitted on
-- features at T - 2 horizon with the spend of the next horizon, measured on
-- features at T - horizon with the spend of [T - horizon, T), and the
-- serving model is fitted on that latest window.  Spend: the net amount of
-- the customer's kept lines in the window, 0 when negative (returns).
-- ---------------------------------------------------------------------------

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
               pg_catalog.ntile(10) OVER (ORDER BY x.p, x.a, x.i) AS decile,
               -- positions in the two orders of the gain charts
               pg_catalog.row_number() OVER (ORDER BY x.p DESC, x.a, x.i) AS pos_model,
               pg_catalog.row_number() OVER (ORDER BY x.a DESC, x.i) AS pos_truth
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
                             FROM deciles d),
               -- the gain chart at every 5 % of the customers (google/lifetime_value's gain chart)
               'gain', CASE WHEN t.total OPERATOR(pg_catalog.>) 0 THEN
                           (SELECT pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object(
                                       'customers', q.q::pg_catalog.float8 OPERATOR(pg_catalog./) 20,
                                       'model', (SELECT r.gain_model FROM ranked r
                                                  WHERE r.pos_model OPERATOR(pg_catalog.=) pg_catalog.ceil(q.q OPERATOR(pg_catalog.*) t.n OPERATOR(pg_catalog./) 20.0)::bigint)
                                                OPERATOR(pg_catalog./) t.total,
                                       'perfect', (SELECT r.gain_truth FROM ranked r
                                                    WHERE r.pos_truth OPERATOR(pg_catalog.=) pg_catalog.ceil(q.q OPERATOR(pg_catalog.*) t.n OPERATOR(pg_catalog./) 20.0)::bigint)
                                                  OPERATOR(pg_catalog./) t.total) ORDER BY q.q)
                              FROM pg_catalog.generate_series(1, 20) q(q)) END)
      INTO result
      FROM totals t LEFT JOIN gini g ON true;
    RETURN (errors OPERATOR(pg_catalog.-) 'customers') OPERATOR(pg_catalog.||) result;
END
$$;

COMMENT ON FUNCTION @extschema@.insight_value_metrics(float8[], float8[]) IS
'Out-of-sample metrics of predicted against actual customer value (one element per customer, same order), as google/lifetime_value measures a value model (Wang, Liu & Miao 2019, section 4; lifetime_value/metrics.py): gini, the raw Gini coefficient of the gain chart (2 x the mean share of the total actual value held by the customers ranked above, by predicted value highest first; a tie in predicted value ranks the lower actual value first), normalized_gini = gini / the Gini of the actual values ranked by themselves (1 = a perfect ranking, 0 = random); spearman (Spearman''s rank correlation, average ranks for ties); deciles (ten equal-size buckets by predicted value, lowest first, with customers, predicted_mean and actual_mean) and decile_mape = the mean over deciles with a positive actual mean of |predicted_mean - actual_mean| / actual_mean; gain, the gain chart at every 5 % of the customers (customers = 0.05 .. 1; model = the share of the total actual value held by that share of customers ranked by predicted value as for gini, perfect = ranked by actual value; NULL when the total actual value is not positive); and insight_clv_error_metrics''s mae, rmse, correlation, total_predicted, total_actual and total_error_percent. Pairs with a NULL are skipped by every metric (pairs counts the rest). Errors (22023): arrays of different lengths or more than one dimension, NaN or Infinity.';

-- Training rows -------------------------------------------------------------------

-- A customer's spend expected in the horizon at their past rate: monetary
-- (mean order value) x orders x horizon / max(tenure, horizon), the rate not
-- inflated for a new customer.
CREATE FUNCTION @extschema@.insight_past_rate_value(monetary float8, orders float8, tenure_days float8, horizon_days float8)
RETURNS float8
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$ SELECT $1 OPERATOR(pg_catalog.*) $2 OPERATOR(pg_catalog.*) $4 OPERATOR(pg_catalog./) GREATEST($3, $4) $$;

COMMENT ON FUNCTION @extschema@.insight_past_rate_value(float8, float8, float8, float8) IS
'The "past rate continued" baseline of customer value: monetary (mean order value) x orders x horizon_days / max(tenure_days, horizon_days), the spend expected in the horizon at the customer''s past order rate (a customer newer than the horizon counts as one horizon old).';

-- The value model's inputs: every feature as sign(x) ln(1 + |x|).  Spend
-- features are heavy-tailed (Online Retail: monetary up to 77,183 with a
-- median near 300); on their raw scale a ReLU network extrapolates the
-- lognormal's sigma linearly and exp(sigma^2 / 2) explodes for customers
-- outside the bulk.  google/lifetime_value's notebooks likewise feed the
-- logarithm of the calibration value.
CREATE FUNCTION @extschema@.insight_signed_log1p(features float8[])
RETURNS float8[]
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
AS $$
    SELECT ARRAY(SELECT pg_catalog.sign(x) OPERATOR(pg_catalog.*) pg_catalog.ln(1 OPERATOR(pg_catalog.+) pg_catalog.abs(x))
                   FROM pg_catalog.unnest($1) WITH ORDINALITY u(x, n) ORDER BY u.n)
$$;

COMMENT ON FUNCTION @extschema@.insight_signed_log1p(float8[]) IS
'Every element x as sign(x) ln(1 + |x|) (NULL stays NULL, Infinity stays Infinity): the value model''s input transform, which keeps heavy-tailed spend features on a scale a network does not extrapolate wildly from.';

CREATE FUNCTION @extschema@.insight_value_training_rows(cutoff timestamptz, horizon interval)
RETURNS TABLE (customer_id text, features float8[], spend float8, past_rate float8)
LANGUAGE sql STABLE PARALLEL SAFE
SET TimeZone = 'UTC'
SET IntervalStyle = 'postgres'
AS $$
WITH spend AS (
    -- (the label's pass, summed as numeric: on Citus, on the shards)
    SELECT w.customer_id, w.net
      FROM @extschema@.insight_sales_window($1, $1 OPERATOR(pg_catalog.+) $2) w
)
SELECT f.customer_id::pg_catalog.text, f.features,
       GREATEST(COALESCE(b.net, 0), 0)::pg_catalog.float8,
       @extschema@.insight_past_rate_value(f.monetary, f.orders, f.tenure_days,
           pg_catalog.date_part('epoch', $2) OPERATOR(pg_catalog./) 86400)
  FROM @extschema@.insight_customer_features($1) f
  LEFT JOIN spend b ON b.customer_id OPERATOR(pg_catalog.=) f.customer_id
 ORDER BY 1
$$;

COMMENT ON FUNCTION @extschema@.insight_value_training_rows(timestamptz, interval) IS
'Labelled value rows at a cutoff: one row per customer with a purchase strictly before cutoff; features = insight_customer_features(cutoff).features (events before cutoff only), spend = the net amount of the customer''s kept lines in [cutoff, cutoff + horizon), 0 when negative, past_rate = the baseline insight_past_rate_value at cutoff. customer_id as text.';

-- Parameters and steps ------------------------------------------------------------

CREATE FUNCTION @extschema@.insight_value_defaults()
RETURNS jsonb
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$ SELECT '{"hidden": [8], "epochs": 200, "batch_size": 64, "learning_rate": 0.01,
               "weight_decay": 0.1, "dropout": 0, "validation_fraction": 0.2, "patience": 10,
               "seed": 1}'::pg_catalog.jsonb $$;

COMMENT ON FUNCTION @extschema@.insight_value_defaults() IS
'The default hyper-parameters of the value task''s model (insight_mlp_fit with loss ziln): hidden [8], epochs 200, batch_size 64, learning_rate 0.01, weight_decay 0.1, dropout 0, validation_fraction 0.2, patience 10, seed 1: a small, strongly decayed network, since a value model learns from a few thousand customers, of whom about half buy in a horizon (see docs/reference/value.md for how they were chosen).';

CREATE FUNCTION @extschema@.insight_value_setup(horizon interval, as_of timestamptz, params jsonb)
RETURNS @extschema@.insight_training
LANGUAGE plpgsql
SET TimeZone = 'UTC'
SET IntervalStyle = 'postgres'
AS $$
DECLARE
    t @extschema@.insight_training := @extschema@.insight_horizon_windows('value', horizon, as_of);
BEGIN
    t.params := @extschema@.insight_mlp_params(params, @extschema@.insight_value_defaults(), 'value model')
                OPERATOR(pg_catalog.||) pg_catalog.jsonb_build_object('algorithm', 'ziln', 'horizon', horizon::pg_catalog.text);
    t.algorithm := 'mlp';
    RETURN t;
END
$$;

COMMENT ON FUNCTION @extschema@.insight_value_setup(interval, timestamptz, jsonb) IS
'The value task''s entry step: validates the arguments of insight_train_value() (params: insight_mlp_params over insight_value_defaults) and returns the insight_training that insight_train_task() takes, with the windows of insight_horizon_windows.';

CREATE FUNCTION @extschema@.insight_value_prepare(t @extschema@.insight_training)
RETURNS @extschema@.insight_training
LANGUAGE plpgsql
SET TimeZone = 'UTC'
SET IntervalStyle = 'postgres'
AS $$
DECLARE
    horizon interval := (t.setup OPERATOR(pg_catalog.->>) 'horizon')::interval;
    n_train bigint;
    buyers pg_catalog.float8;
    w pg_catalog.text;
    c pg_catalog.timestamptz;
BEGIN
    -- the labelled windows: on Citus on the shards, the features and the
    -- net spend of the horizon joined on the customer (monetary, orders and
    -- tenure_days are features 3, 5 and 4)
    FOREACH w IN ARRAY ARRAY['train', 'test'] LOOP
        c := (t.setup OPERATOR(pg_catalog.->>) (w OPERATOR(pg_catalog.||) '_cutoff'))::pg_catalog.timestamptz;
        PERFORM @extschema@.insight_training_table('insight_value_' OPERATOR(pg_catalog.||) w,
            pg_catalog.format('SELECT * FROM %I.insight_value_training_rows(%L::pg_catalog.timestamptz, %L::interval)',
                              '@extschema@', c, horizon),
            @extschema@.insight_labelled_window_sql('value', c, horizon),
            'customer_id text, features float8[], spend float8, past_rate float8');
    END LOOP;
    EXECUTE pg_catalog.format('SELECT pg_catalog.count(*), pg_catalog.avg((r.spend OPERATOR(pg_catalog.>) 0)::integer) FROM %s r',
                              @extschema@.insight_training_relation('insight_value_train'))
       INTO n_train, buyers;
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
'Value step prepare: the labelled rows at the training and the test cutoff (insight_value_training_rows) in the tables insight_value_train and insight_value_test of insight_training_table: temporary tables, or on Citus, with the source distributed by customer, tables co-located with the source filled on the shards by one INSERT ... SELECT each (insight_labelled_window_sql(''value'', ...)); "no training rows" (22000) when the first is empty.';

CREATE FUNCTION @extschema@.insight_value_fit(params jsonb, rows_table text)
RETURNS bytea
LANGUAGE sql
AS $$
    SELECT @extschema@.insight_mlp_fit_params(
        @extschema@.insight_training_rows_sql($2, pg_catalog.format('%I.insight_signed_log1p(t.features)', '@extschema@'),
                                              't.spend', false), 'ziln',
        $1 OPERATOR(pg_catalog.-) '{algorithm,horizon}'::pg_catalog.text[])
$$;

COMMENT ON FUNCTION @extschema@.insight_value_fit(jsonb, text) IS
'Fits the value model of the params (insight_value_setup) on the labelled rows called rows_table (insight_training_relation: a temporary table of insight_value_training_rows, or on Citus this backend''s table on the shards, collected there by insight_rows_pack: one partial state per shard reaches the coordinator; insight_training_rows_sql): an MLP with the zero-inflated lognormal loss (insight_mlp_fit, loss ziln) over insight_signed_log1p(features), whose prediction is P(spend > 0) x E[spend | spend > 0]. Score with insight_value_predict.';

CREATE FUNCTION @extschema@.insight_value_predict(model bytea, features float8[])
RETURNS float8
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
AS $$ SELECT @extschema@.insight_predict($1, @extschema@.insight_signed_log1p($2)) $$;

COMMENT ON FUNCTION @extschema@.insight_value_predict(bytea, float8[]) IS
'The spend a value model (insight_value_fit) expects in its horizon for one row of raw features (insight_customer_features): insight_predict over insight_signed_log1p(features). Errors as insight_predict.';

-- BG/NBD + Gamma-Gamma fitted on the summary at cutoff (period one day):
-- each customer's expected spend in the horizon = expected purchases x
-- expected spend per purchase.
CREATE FUNCTION @extschema@.insight_value_btyd(cutoff timestamptz, horizon interval)
RETURNS TABLE (customer_id text, value float8)
LANGUAGE plpgsql
SET TimeZone = 'UTC'
SET IntervalStyle = 'postgres'
AS $$
DECLARE
    m_bg pg_catalog.bytea;
    m_gg pg_catalog.bytea;
    summary_query pg_catalog.text := @extschema@.insight_clv_summary_query(cutoff, interval '1 day');
BEGIN
    IF summary_query IS NOT NULL THEN
        -- on Citus: both fits over the summary's query on the shards (one
        -- partial state per shard and fit), then each customer's value
        -- computed there too, the models parameters that Citus puts into the shards' queries (one row per customer)
        EXECUTE pg_catalog.format(
            'SELECT %1$I.insight_bgnbd_fit(k.frequency, k.recency, k."T"), %1$I.insight_gammagamma_fit(k.frequency, k.monetary_value)
               FROM (%2$s) k', '@extschema@', summary_query)
           INTO m_bg, m_gg;
        RETURN QUERY EXECUTE pg_catalog.format(
            'SELECT k.customer_id::pg_catalog.text,
                    %1$I.insight_bgnbd_expected_purchases($1,
                        pg_catalog.date_part(''epoch'', %2$L::interval) OPERATOR(pg_catalog./) 86400, k.frequency, k.recency, k."T")
                    OPERATOR(pg_catalog.*) %1$I.insight_gammagamma_expected_spend($2, k.frequency, k.monetary_value)
               FROM (%3$s) k', '@extschema@', horizon, summary_query) USING m_bg, m_gg;
        RETURN;
    END IF;
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
'The BTYD value of every customer with a purchase before cutoff, the value task''s statistical comparator: BG/NBD (Fader, Hardie & Lee 2005) and Gamma-Gamma (Fader, Hardie & Lee 2005b) fitted on insight_clv_summary(cutoff, ''1 day''); value = expected repeat purchases in the horizon (days) x expected spend per purchase. On Citus, for a source distributed by customer (insight_clv_summary_query not NULL), both fits run over the summary''s query on the shards (one partial state per shard and fit reaches the coordinator) and each customer''s value is computed there, the models parameters (one row per customer, customer and value, reaches the coordinator); elsewhere the summary goes through a temporary table, insight_value_summary.';

CREATE FUNCTION @extschema@.insight_value_evaluate(t @extschema@.insight_training)
RETURNS @extschema@.insight_training
LANGUAGE plpgsql
SET TimeZone = 'UTC'
SET IntervalStyle = 'postgres'
AS $$
DECLARE
    cutoff pg_catalog.timestamptz := (t.setup OPERATOR(pg_catalog.->>) 'test_cutoff')::pg_catalog.timestamptz;
    horizon interval := (t.setup OPERATOR(pg_catalog.->>) 'horizon')::interval;
    model_metrics pg_catalog.jsonb;
    btyd_metrics pg_catalog.jsonb;
    base_metrics pg_catalog.jsonb;
    msg pg_catalog.text;
    summary_query pg_catalog.text;
    btyd_value pg_catalog.text := 'b.value';
    btyd_join pg_catalog.text;
    m_bg pg_catalog.bytea;
    m_gg pg_catalog.bytea;
BEGIN
    -- out-of-time: fit at the training cutoff, measure at the test cutoff
    t.evaluation_weights := @extschema@.insight_value_fit(t.params, 'insight_value_train');
    -- the model's predictions and the baseline's, with the spend, in
    -- customer order (on Citus computed on the shards, the model a
    -- parameter, and collected there: one partial state per shard)
    EXECUTE pg_catalog.format('SELECT %1$I.insight_value_metrics(a.p, a.spend), %1$I.insight_value_metrics(a.past_rate, a.spend) FROM (%2$s) a',
                              '@extschema@', @extschema@.insight_training_arrays_sql('insight_value_test', '{p,past_rate,spend}',
                                  ARRAY[pg_catalog.format('%I.insight_value_predict($1, t.features)', '@extschema@'), 't.past_rate', 't.spend']))
       INTO model_metrics, base_metrics USING t.evaluation_weights;
    -- the statistical comparator on the same customers: each one's value
    -- (insight_value_btyd) joined to the test rows; on Citus, with the rows
    -- on the shards, the two fits over the summary's query on the shards
    -- (as insight_value_btyd runs them there) and each customer's value
    -- computed on the shards from the summary's query joined on the
    -- customer key, the models parameters
    BEGIN
        btyd_join := pg_catalog.format('LEFT JOIN %I.insight_value_btyd(%L::pg_catalog.timestamptz, %L::interval) b
                                               ON b.customer_id OPERATOR(pg_catalog.=) t.customer_id', '@extschema@', cutoff, horizon);
        IF @extschema@.insight_training_relation('insight_value_test') OPERATOR(pg_catalog.<>) 'pg_temp.insight_value_test' THEN
            summary_query := @extschema@.insight_clv_summary_query(cutoff, interval '1 day');
        END IF;
        IF summary_query IS NOT NULL THEN
            EXECUTE pg_catalog.format(
                'SELECT %1$I.insight_bgnbd_fit(k.frequency, k.recency, k."T"), %1$I.insight_gammagamma_fit(k.frequency, k.monetary_value)
                   FROM (%2$s) k', '@extschema@', summary_query)
               INTO m_bg, m_gg;
            btyd_value := pg_catalog.format(
                '%1$I.insight_bgnbd_expected_purchases($1, pg_catalog.date_part(''epoch'', %2$L::interval) OPERATOR(pg_catalog./) 86400,
                                                       k.frequency, k.recency, k."T")
                 OPERATOR(pg_catalog.*) %1$I.insight_gammagamma_expected_spend($2, k.frequency, k.monetary_value)', '@extschema@', horizon);
            btyd_join := pg_catalog.format('LEFT JOIN (%s) k ON k.customer_id OPERATOR(pg_catalog.=) t.customer_key', summary_query);
        END IF;
        EXECUTE pg_catalog.format('SELECT %I.insight_value_metrics(a.value, a.spend) FROM (%s) a', '@extschema@',
                                  @extschema@.insight_training_arrays_sql('insight_value_test', '{value,spend}',
                                                                           ARRAY[btyd_value, 't.spend'], btyd_join))
           INTO btyd_metrics USING m_bg, m_gg;
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
'Value step evaluate: fits the evaluation model on insight_value_train and measures it on insight_value_test (insight_value_metrics; score: normalized Gini) next to the baseline, the past rate continued (insight_past_rate_value), and the BG/NBD + Gamma-Gamma value fitted at the test cutoff (insight_value_btyd; left out with a NOTICE when it cannot be fitted). Each metric reads its per-customer values as arrays in customer order (insight_training_arrays_sql): on Citus, with the rows on the shards, the predictions, the baseline and the BTYD values (the two fits over insight_clv_summary_query on the shards, as insight_value_btyd runs them, and each customer''s value from the summary''s query joined to the test rows on the customer key, the models parameters) are computed on the shards and collected there by insight_rows_pack: one partial state per shard and metric pass reaches the coordinator, and the metrics are the single node''s to the last bit.';

CREATE FUNCTION @extschema@.insight_value_serve(t @extschema@.insight_training)
RETURNS @extschema@.insight_training
LANGUAGE plpgsql
SET TimeZone = 'UTC'
SET IntervalStyle = 'postgres'
AS $$
BEGIN
    -- the model that serves: fitted on the latest labelled window
    RETURN @extschema@.insight_serve_on_test_window(t, 'insight_value_fit', 'insight_value_test');
END
$$;

COMMENT ON FUNCTION @extschema@.insight_value_serve(@extschema@.insight_training) IS
'Value step serve: fits the serving model on the latest labelled window (insight_value_test), through insight_serve_on_test_window.';

CREATE FUNCTION @extschema@.insight_value_compare(t @extschema@.insight_training, active @extschema@.insight_models)
RETURNS jsonb
LANGUAGE plpgsql
SET TimeZone = 'UTC'
SET IntervalStyle = 'postgres'
AS $$
DECLARE
    gini pg_catalog.float8;
BEGIN
    BEGIN
        -- (on Citus the predictions computed on the shards and collected
        -- there, one partial state per shard: insight_training_arrays_sql)
        EXECUTE pg_catalog.format('SELECT (%1$I.insight_value_metrics(a.p, a.spend) OPERATOR(pg_catalog.->>) ''normalized_gini'')::pg_catalog.float8
                                     FROM (%2$s) a', '@extschema@',
                                  @extschema@.insight_training_arrays_sql('insight_value_test', '{p,spend}',
                                      ARRAY[pg_catalog.format('%I.insight_value_predict($1, t.features)', '@extschema@'), 't.spend']))
           INTO gini USING COALESCE(active.evaluation_weights, active.weights);
    EXCEPTION WHEN array_subscript_error OR invalid_parameter_value OR data_corrupted
                   OR feature_not_supported OR data_exception THEN
        gini := NULL;     -- the active model cannot score these features
    END;
    RETURN pg_catalog.jsonb_build_object('model_id', active.model_id, 'normalized_gini', gini);
END
$$;

COMMENT ON FUNCTION @extschema@.insight_value_compare(@extschema@.insight_training, @extschema@.insight_models) IS
'Value step compare: the normalized Gini of the active model''s evaluation model (its serving model when it has none) on the same test window (insight_value_metrics over the predictions and spends in customer order, insight_training_arrays_sql: on Citus the predictions computed on the shards and collected there by insight_rows_pack, one partial state per shard reaching the coordinator), NULL when it cannot score these features.';

INSERT INTO @extschema@.insight_task_steps
    (task, prepare, evaluate, serve, compare, metric, higher_is_better, must_beat_baseline, kept_notice, builtin)
VALUES ('value', '@extschema@.insight_value_prepare(@extschema@.insight_training)',
        '@extschema@.insight_value_evaluate(@extschema@.insight_training)',
        '@extschema@.insight_value_serve(@extschema@.insight_training)',
        '@extschema@.insight_value_compare(@extschema@.insight_training, @extschema@.insight_models)',
        'normalized_gini', true, true,
        'value model %1$s stays a candidate: its out-of-time normalized Gini %2$s is below the %3$s of active model %4$s or the %5$s of the past rate continued',
        true);

CREATE FUNCTION @extschema@.insight_train_value(horizon interval DEFAULT '90 days',
                                                as_of timestamptz DEFAULT NULL,
                                                params jsonb DEFAULT '{}')
RETURNS bigint
LANGUAGE sql
SET TimeZone = 'UTC'
SET IntervalStyle = 'postgres'
AS $$ SELECT @extschema@.insight_train_task(@extschema@.insight_value_setup($1, $2, $3)) $$;

COMMENT ON FUNCTION @extschema@.insight_train_value(interval, timestamptz, jsonb) IS
'Train the deep value model (each customer''s spend in the next horizon) on the registered source and return its model_id: an MLP with the zero-inflated lognormal loss (Wang, Liu & Miao 2019) over the point-in-time features. With T = as_of (default: just after the latest event): fits on features at T - 2*horizon with the spend of the next horizon, measures out of time on features at T - horizon with the spend of [T - horizon, T) (insight_value_metrics: normalized Gini, Spearman, decile MAPE, total error) next to the past rate continued (the baseline) and BG/NBD + Gamma-Gamma (metrics.btyd), then fits the serving model on that latest window. It becomes active when its normalized Gini is not below the baseline''s and not below the active value model''s on the same window; otherwise it stays a candidate (NOTICE). params: insight_value_defaults keys (see insight_mlp_fit). Runs through insight_train_task() (steps insight_value_*) in the caller''s transaction.';

-- Scoring -------------------------------------------------------------------------

CREATE FUNCTION @extschema@.insight_value(customer text, as_of timestamptz DEFAULT NULL)
RETURNS float8
LANGUAGE plpgsql STABLE PARALLEL SAFE
SET TimeZone = 'UTC'
SET IntervalStyle = 'postgres'
AS $$
DECLARE
    model pg_catalog.bytea;
    f pg_catalog.float8[];
BEGIN
    SELECT m.weights INTO model FROM @extschema@.insight_active_model('value') m;
    IF model IS NULL THEN
        PERFORM @extschema@.insight_no_active_model('value');
    END IF;
    IF customer IS NULL THEN
        RETURN NULL;
    END IF;
    SELECT c.features INTO f FROM @extschema@.insight_customer_features_of(customer, as_of) c;
    RETURN @extschema@.insight_value_predict(model, f);
END
$$;

COMMENT ON FUNCTION @extschema@.insight_value(text, timestamptz) IS
'The spend the active value model expects from the customer in its horizon (params.horizon, default 90 days), from features as of as_of (default: just after the latest event), in the source''s currency: P(a purchase) x E[spend | a purchase]. NULL for a customer with no purchase before as_of; 55000 "no value model is active" when none is. Reads only the customer''s lines, as insight_churn does.';

CREATE FUNCTION @extschema@.insight_value(customer anyelement, as_of timestamptz DEFAULT NULL)
RETURNS float8
LANGUAGE sql STABLE PARALLEL SAFE
AS $$ SELECT @extschema@.insight_value($1::pg_catalog.text, $2) $$;

COMMENT ON FUNCTION @extschema@.insight_value(anyelement, timestamptz) IS
'insight_value(customer::text, as_of) for a customer key given in the source''s type (12347) or any type whose text form is a key.';

CREATE FUNCTION @extschema@.insight_value_scores_at(as_of timestamptz DEFAULT NULL)
RETURNS TABLE (customer_id text, expected_spend float8, horizon interval, value_model_id bigint)
LANGUAGE sql STABLE PARALLEL SAFE
SET TimeZone = 'UTC'
SET IntervalStyle = 'postgres'
AS $$
SELECT f.customer_id::pg_catalog.text, @extschema@.insight_value_predict(m.weights, f.features),
       (m.params OPERATOR(pg_catalog.->>) 'horizon')::interval, m.model_id
  FROM @extschema@.insight_serving_model('value') m, @extschema@.insight_customer_features($1) f
 ORDER BY 1
$$;

COMMENT ON FUNCTION @extschema@.insight_value_scores_at(timestamptz) IS
'The spend every customer with a purchase before as_of is expected to make in the active value model''s horizon (expected_spend, the source''s currency), with the horizon and the model''s id, set-wise from one computation of the features. No rows when no value model serves (insight_serving_model). customer_id as text.';

-- The report's section ------------------------------------------------------------

CREATE FUNCTION @extschema@.insight_report_value()
RETURNS text
LANGUAGE plpgsql STABLE
AS $$
DECLARE
    m @extschema@.insight_models;
    x pg_catalog.jsonb;
    line pg_catalog.text := E'  %-32s %10s %10s %12s %12s\n';
BEGIN
    SELECT * INTO m FROM @extschema@.insight_active_model('value') a;
    IF m.model_id IS NULL THEN
        RETURN E'\nValue\n  No value model is active: run SELECT insight_train_value();\n';
    END IF;
    x := m.metrics;
    RETURN pg_catalog.format(E'\nValue: model %s (version %s, multilayer perceptron %s with the zero-inflated lognormal loss over log features), spend in the next %s\n',
               m.model_id, m.version, m.params OPERATOR(pg_catalog.->) 'hidden', m.params OPERATOR(pg_catalog.->>) 'horizon')
        OPERATOR(pg_catalog.||) pg_catalog.format(E'  out of time: fitted on %s customers at %s, measured on %s customers at %s\n',
               x OPERATOR(pg_catalog.->>) 'train_rows', x OPERATOR(pg_catalog.->>) 'train_cutoff',
               x OPERATOR(pg_catalog.->>) 'test_rows', x OPERATOR(pg_catalog.->>) 'test_cutoff')
        OPERATOR(pg_catalog.||) pg_catalog.format(line, 'predictor', 'norm. Gini', 'Spearman', 'decile MAPE', 'total error %')
        OPERATOR(pg_catalog.||) (SELECT pg_catalog.string_agg(pg_catalog.format(line, p.name,
                    @extschema@.insight_report_number((x OPERATOR(pg_catalog.#>>) ARRAY[p.key, 'normalized_gini'])::pg_catalog.float8),
                    @extschema@.insight_report_number((x OPERATOR(pg_catalog.#>>) ARRAY[p.key, 'spearman'])::pg_catalog.float8),
                    @extschema@.insight_report_number((x OPERATOR(pg_catalog.#>>) ARRAY[p.key, 'decile_mape'])::pg_catalog.float8),
                    @extschema@.insight_report_number((x OPERATOR(pg_catalog.#>>) ARRAY[p.key, 'total_error_percent'])::pg_catalog.float8, 1)), '' ORDER BY p.n)
                   FROM (VALUES (1, 'test', 'this model (ZILN MLP)'), (2, 'btyd', 'BG/NBD x Gamma-Gamma'),
                                (3, 'baseline', 'past rate continued')) p(n, key, name))
        OPERATOR(pg_catalog.||) pg_catalog.format(E'  serving model fitted on %s customers at %s\n',
               x OPERATOR(pg_catalog.->>) 'serve_rows', x OPERATOR(pg_catalog.->>) 'serve_cutoff');
END
$$;

COMMENT ON FUNCTION @extschema@.insight_report_value() IS
'The value section of insight_report(): the active value model, its out-of-time normalized Gini, Spearman correlation, decile MAPE and total error next to BG/NBD x Gamma-Gamma and the past rate continued (metrics of insight_train_value); a line saying how to train one when none is active.';
