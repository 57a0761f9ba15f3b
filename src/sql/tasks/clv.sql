-- ---------------------------------------------------------------------------
-- Customer lifetime value, part 3: the CLV task.  insight_train_clv() fits
-- BG/NBD, Pareto/NBD and MBG/NBD on a calibration period, measures them and
-- the past-rate baseline on the holdout period after it, and stores the best (task 'clv') with a
-- Gamma-Gamma spend model (task 'clv_spend'), both refitted on the whole
-- history.  Scoring reads the active 'clv' model and the spend model it
-- names (metrics.spend_model_id), so a rollback keeps the pair together.
-- ---------------------------------------------------------------------------

CREATE FUNCTION @extschema@.insight_clv_error_metrics(predicted float8[], actual float8[])
RETURNS jsonb
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE
AS $$
DECLARE
    result pg_catalog.jsonb;
BEGIN
    -- one predicted and one actual value per customer: same length, one dimension
    IF pg_catalog.cardinality(predicted) OPERATOR(pg_catalog.<>) pg_catalog.cardinality(actual)
       OR pg_catalog.array_ndims(predicted) OPERATOR(pg_catalog.>) 1
       OR pg_catalog.array_ndims(actual) OPERATOR(pg_catalog.>) 1 THEN
        RAISE EXCEPTION 'predicted and actual must be one-dimensional arrays of the same length'
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = pg_catalog.format('predicted has %s values in %s dimensions, actual %s values in %s dimensions.',
                                             pg_catalog.cardinality(predicted), pg_catalog.array_ndims(predicted),
                                             pg_catalog.cardinality(actual), pg_catalog.array_ndims(actual)),
                  HINT = 'Pass one predicted and one actual value per customer, in the same order.';
    END IF;
    SELECT pg_catalog.jsonb_build_object(
               'customers', pg_catalog.count(*),
               'mae', pg_catalog.avg(pg_catalog.abs(u.p OPERATOR(pg_catalog.-) u.a)),
               'rmse', pg_catalog.sqrt(pg_catalog.avg((u.p OPERATOR(pg_catalog.-) u.a) OPERATOR(pg_catalog.^) 2)),
               'correlation', pg_catalog.corr(u.p, u.a),
               'total_predicted', pg_catalog.sum(u.p),
               'total_actual', pg_catalog.sum(u.a),
               'total_error_percent', 100 OPERATOR(pg_catalog.*) (pg_catalog.sum(u.p) OPERATOR(pg_catalog.-) pg_catalog.sum(u.a))
                                      OPERATOR(pg_catalog./) CASE WHEN pg_catalog.sum(u.a) OPERATOR(pg_catalog.<>) 0 THEN pg_catalog.sum(u.a) END)
      INTO result
      FROM ROWS FROM (pg_catalog.unnest(predicted), pg_catalog.unnest(actual)) u(p, a);
    RETURN result;
END
$$;

COMMENT ON FUNCTION @extschema@.insight_clv_error_metrics(float8[], float8[]) IS
'Holdout errors of predicted against actual purchases per customer: customers, mae (mean absolute error), rmse, correlation (Pearson), total_predicted, total_actual and total_error_percent = 100 (sum predicted - sum actual) / sum actual. Arrays of different lengths or more than one dimension are an error (22023).';

-- The CLV task's steps (see tasks/train.sql).  They run with IntervalStyle
-- iso_8601 (intervals in params and metrics as P7D) and TimeZone UTC (as_of
-- - holdout in whole UTC days, whatever the session's zone).
-- The holdout in periods (weeks for period 7 days) of a CLV training.
CREATE FUNCTION @extschema@.insight_clv_holdout_periods(t @extschema@.insight_training)
RETURNS float8
LANGUAGE sql IMMUTABLE
SET IntervalStyle = 'iso_8601'
AS $$
    SELECT pg_catalog.date_part('epoch', (t.setup OPERATOR(pg_catalog.->>) 'holdout')::interval)
           OPERATOR(pg_catalog./) @extschema@.insight_clv_period_seconds((t.setup OPERATOR(pg_catalog.->>) 'period')::interval)
$$;

COMMENT ON FUNCTION @extschema@.insight_clv_holdout_periods(@extschema@.insight_training) IS
'The holdout of a CLV training (setup.holdout) in its time unit (setup.period): the horizon of the holdout predictions.';

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
    last_at pg_catalog.timestamptz;
    hold interval := holdout;
    c pg_catalog.timestamptz;  -- (the same number of lines as before: the line numbers of its errors stay)
BEGIN
    -- over insight_sales_lines_from(): on Citus over the source itself, each
    -- shard sending its first and last purchase, not its lines
    EXECUTE pg_catalog.format($q$SELECT pg_catalog.min(s.ordered_at), pg_catalog.max(s.ordered_at) FROM %s s WHERE s.quantity OPERATOR(pg_catalog.>) 0 AND s.amount OPERATOR(pg_catalog.>=) 0$q$,
                              @extschema@.insight_sales_lines_from()) INTO first_at, last_at;
    t_end := COALESCE(as_of, ((last_at AT TIME ZONE 'UTC')::pg_catalog.date OPERATOR(pg_catalog.+) 1)::timestamp AT TIME ZONE 'UTC');
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
    -- a holdout without purchases measures nothing, and a calibration period
    -- that ends long after the last sale sends the fits to the edge of their
    -- search box for minutes (as_of far in the future): refused at once
    IF last_at OPERATOR(pg_catalog.<) c THEN
        RAISE EXCEPTION 'the holdout period has no purchases'
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = pg_catalog.format('No purchase from %s to %s (as_of minus holdout to as_of); the last one is at %s.',
                                             pg_catalog.to_char(c AT TIME ZONE 'UTC', utc),
                                             pg_catalog.to_char(t_end AT TIME ZONE 'UTC', utc),
                                             pg_catalog.to_char(last_at AT TIME ZONE 'UTC', utc)),
                  HINT = 'Pass an as_of within the sales history (the default is the day after the last sale) or a longer holdout.';
    END IF;

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

-- The repeat purchase days and spend of every customer in [since, until),
-- keys as text, the spend summed exactly (as numeric): one query over
-- insight_sales_lines_from(), grouped by the customer key too (which splits
-- no group: equal texts are equal keys), with the bounds as literals; on
-- Citus, for a source distributed by customer, it runs whole on the shards.
CREATE FUNCTION @extschema@.insight_clv_holdout_purchases(since timestamptz, until timestamptz)
RETURNS TABLE (customer_id text, days bigint, spend float8)
LANGUAGE plpgsql STABLE
-- (one row per buyer: the planner's default guess of 1,000 rows made the join
-- of insight_clv_holdout_rows a nested loop, quadratic in customers at 10M lines)
ROWS 10000
SET TimeZone = 'UTC'
AS $$
#variable_conflict use_column
BEGIN
    RETURN QUERY EXECUTE pg_catalog.format($q$
        SELECT s.customer_id::pg_catalog.text AS customer_id,
               pg_catalog.count(DISTINCT (s.ordered_at AT TIME ZONE 'UTC')::pg_catalog.date) AS days,
               pg_catalog.sum(s.amount::pg_catalog.numeric)::pg_catalog.float8 AS spend
          FROM %1$s s
         WHERE s.quantity OPERATOR(pg_catalog.>) 0 AND s.amount OPERATOR(pg_catalog.>=) 0
           AND s.ordered_at OPERATOR(pg_catalog.>=) %2$L::pg_catalog.timestamptz
           AND s.ordered_at OPERATOR(pg_catalog.<) %3$L::pg_catalog.timestamptz
         GROUP BY s.customer_id, 1 $q$, @extschema@.insight_sales_lines_from(), since, until);
END
$$;

COMMENT ON FUNCTION @extschema@.insight_clv_holdout_purchases(timestamptz, timestamptz) IS
'Per customer (key as text) with a purchase (a kept line with quantity > 0 and amount >= 0) in [since, until): days = distinct UTC days with a purchase, spend = the sum of their amounts (source currency; summed as numeric, then float8: the same bits in any plan, parallel or on any number of shards, where a float8 sum changed in its last bits with the order of the lines). The holdout actuals of insight_clv_holdout_rows. One query over insight_sales_lines_from() grouped by the customer key: on Citus, for a source distributed by customer (insight_sales_pushdown_lines() not NULL), over the source, grouped by the distribution column, which Citus sends whole to the shards, so that one row per customer reaches the coordinator; elsewhere over insight_sales. Declared ROWS 10000 (one row per buyer), so that the planner joins it to the calibration summary by hash or merge, never by a nested loop, which at 10,000,000 lines (about 100,000 customers) ran for minutes.';

-- The repeat purchase days and spend of every customer of a CLV calibration
-- period in the holdout after it: shared by the CLV task (insight_clv_prepare)
-- and the calibration, gain and decile charts of insight_report_html.
CREATE FUNCTION @extschema@.insight_clv_holdout_rows(calibration_end timestamptz, holdout_end timestamptz, period interval)
RETURNS TABLE (customer_id text, frequency integer, recency float8, "T" float8, monetary_value float8,
               actual float8, actual_spend float8)
LANGUAGE sql STABLE PARALLEL SAFE
SET TimeZone = 'UTC'
AS $$
SELECT k.customer_id::pg_catalog.text, k.frequency, k.recency, k."T", k.monetary_value,
       COALESCE(h.days, 0)::pg_catalog.float8, COALESCE(h.spend, 0)
  FROM @extschema@.insight_clv_summary($1, $3) k
  LEFT JOIN @extschema@.insight_clv_holdout_purchases($1, $2) h
         ON h.customer_id OPERATOR(pg_catalog.=) k.customer_id::pg_catalog.text
 -- (the summary's order, whatever the join: the charts rank ties in this order)
 ORDER BY k.customer_id
$$;

COMMENT ON FUNCTION @extschema@.insight_clv_holdout_rows(timestamptz, timestamptz, interval) IS
'The CLV calibration summary at calibration_end (insight_clv_summary(calibration_end, period)) with each customer''s actual repeat purchase days (distinct UTC days with a purchase) and spend (source currency) in [calibration_end, holdout_end). Used by the CLV task''s prepare step and by insight_report_html.';

-- The query of the CLV task's holdout rows (insight_training_table): the
-- calibration summary (k) with each customer's repeat purchase days and
-- spend in the holdout (h), one template for both forms: on the shards over
-- the summary's query and the source's lines, both grouped by the
-- distribution column and joined on it, so that Citus runs the whole
-- INSERT ... SELECT on each shard; elsewhere over insight_clv_summary and
-- insight_clv_holdout_purchases.
CREATE FUNCTION @extschema@.insight_clv_holdout_sql(calibration_end timestamptz, holdout_end timestamptz, period interval,
                                                    on_shards boolean DEFAULT true)
RETURNS text
LANGUAGE plpgsql STABLE
SET TimeZone = 'UTC'
SET IntervalStyle = 'iso_8601'
AS $$
DECLARE
    rows_sql constant pg_catalog.text := $q$
        SELECT k.customer_id AS customer_key, k.customer_id::pg_catalog.text AS customer_id, k.frequency, k.recency, k."T",
               COALESCE(h.days, 0)::pg_catalog.float8 AS actual, k.monetary_value, COALESCE(h.spend, 0) AS actual_spend
          FROM %s k LEFT JOIN %s h ON h.customer_id OPERATOR(pg_catalog.=) k.customer_id%s $q$;
    summary_query pg_catalog.text;
    lines pg_catalog.text;
BEGIN
    IF NOT on_shards THEN
        RETURN pg_catalog.format(rows_sql,
            pg_catalog.format('%I.insight_clv_summary(%L::pg_catalog.timestamptz, %L::interval)', '@extschema@', calibration_end, period),
            pg_catalog.format('%I.insight_clv_holdout_purchases(%L::pg_catalog.timestamptz, %L::pg_catalog.timestamptz)',
                              '@extschema@', calibration_end, holdout_end),
            '::pg_catalog.text');
    END IF;
    summary_query := @extschema@.insight_clv_summary_query(calibration_end, period);
    lines := @extschema@.insight_sales_pushdown_lines();
    IF summary_query IS NULL OR lines IS NULL THEN
        RETURN NULL;
    END IF;
    RETURN pg_catalog.format(rows_sql,
        '(' OPERATOR(pg_catalog.||) summary_query OPERATOR(pg_catalog.||) ')',
        pg_catalog.format($h$(SELECT s.customer_id,
                                     pg_catalog.count(DISTINCT (s.ordered_at AT TIME ZONE 'UTC')::pg_catalog.date) AS days,
                                     pg_catalog.sum(s.amount::pg_catalog.numeric)::pg_catalog.float8 AS spend
                                FROM (%s) s
                               WHERE s.quantity OPERATOR(pg_catalog.>) 0 AND s.amount OPERATOR(pg_catalog.>=) 0
                                 AND s.ordered_at OPERATOR(pg_catalog.>=) %L::pg_catalog.timestamptz
                                 AND s.ordered_at OPERATOR(pg_catalog.<) %L::pg_catalog.timestamptz
                               GROUP BY s.customer_id)$h$, lines, calibration_end, holdout_end),
        '');
END
$$;

COMMENT ON FUNCTION @extschema@.insight_clv_holdout_sql(timestamptz, timestamptz, interval, boolean) IS
'The query (SQL text, for insight_training_table) of the CLV task''s holdout rows: one row per customer of the calibration summary at calibration_end (period: its time unit) with customer_key (the key in the source''s type), customer_id (as text), frequency, recency, T, actual (distinct UTC days with a purchase in [calibration_end, holdout_end)), monetary_value and actual_spend (their summed amounts, source currency): the values of insight_clv_holdout_rows. on_shards (default): over insight_clv_summary_query and the source''s lines (insight_sales_pushdown_lines), the holdout''s purchases grouped by the distribution column and joined to the summary on it, so that Citus runs the whole INSERT ... SELECT on each shard; NULL where insight_clv_summary_query is NULL (no Citus, a source distributed another way, no source). on_shards false: the same query over insight_clv_summary and insight_clv_holdout_purchases, for the temporary table of a single node.';

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
    -- calibration summary and the repeat purchase days of the holdout: on
    -- Citus a table co-located with the source, filled on the shards,
    -- elsewhere the temporary table insight_clv_holdout
    PERFORM @extschema@.insight_training_table('insight_clv_holdout',
        @extschema@.insight_clv_holdout_sql(c, t.trained_as_of, period, false),
        @extschema@.insight_clv_holdout_sql(c, t.trained_as_of, period),
        'customer_id text, frequency integer, recency float8, "T" float8, actual float8, monetary_value float8, actual_spend float8');
    RETURN t;
END
$$;

COMMENT ON FUNCTION @extschema@.insight_clv_prepare(@extschema@.insight_training) IS
'CLV step prepare: the calibration summary at as_of - holdout (insight_clv_summary) with each customer''s actual repeat purchase days and spend in the holdout (as insight_clv_holdout_rows gives them), one row per calibration customer (customer_key in the source''s type, customer_id as text, frequency, recency, T, actual, monetary_value, actual_spend), made by insight_training_table(''insight_clv_holdout'') from insight_clv_holdout_sql: on Citus, for a source distributed by customer, a table co-located with the source filled on the shards by one INSERT ... SELECT (the summary''s query joined on the customer key to the holdout''s purchases over the source, both grouped by the distribution column), so no row reaches the coordinator; elsewhere the temporary table insight_clv_holdout over insight_clv_summary and insight_clv_holdout_purchases.';

-- The charts of a CLV holdout evaluation, computed once by the evaluate step
-- and stored in metrics.holdout_curves (insight_report_html draws them): the
-- calibration by frequency before the holdout (lifetimes'
-- plot_calibration_purchases_vs_holdout_purchases) for every top bucket
-- 1+ .. 7+, and the value gain and decile charts of google/lifetime_value
-- (predicted holdout revenue = expected purchases x the expected spend of a
-- Gamma-Gamma fitted on the calibration period).  The arrays pair up by
-- position: one element per customer of the calibration summary.
CREATE FUNCTION @extschema@.insight_clv_holdout_curves(frequency integer[], predicted float8[], actual float8[],
                                                       actual_spend float8[], monetary_value float8[])
RETURNS jsonb
LANGUAGE sql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
WITH h AS (
    SELECT v.f, v.p, v.a, v.s, v.m
      FROM ROWS FROM (pg_catalog.unnest(frequency), pg_catalog.unnest(predicted), pg_catalog.unnest(actual),
                      pg_catalog.unnest(actual_spend), pg_catalog.unnest(monetary_value)) v(f, p, a, s, m)
), spend AS (
    SELECT @extschema@.insight_gammagamma_fit(h.f, h.m) AS model FROM h
), buckets AS (
    SELECT cc.cap, pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object('frequency', b.f, 'customers', b.n, 'predicted', b.p, 'actual', b.a) ORDER BY b.f) AS j
      FROM pg_catalog.generate_series(1, 7) cc(cap),
           LATERAL (SELECT LEAST(h.f, cc.cap) AS f, pg_catalog.count(*) AS n, pg_catalog.avg(h.p) AS p, pg_catalog.avg(h.a) AS a
                      FROM h GROUP BY 1) b
     GROUP BY cc.cap
), u AS (
    SELECT h.p * COALESCE(@extschema@.insight_gammagamma_expected_spend(spend.model, h.f, h.m), 0) AS pv, h.s AS av
      FROM h, spend
), r AS (
    SELECT u.pv, u.av, pg_catalog.ntile(20) OVER (ORDER BY u.pv DESC) AS q, pg_catalog.ntile(20) OVER (ORDER BY u.av DESC) AS qa,
           pg_catalog.ntile(10) OVER (ORDER BY u.pv DESC) AS decile
      FROM u
), model AS (
    SELECT r.q, pg_catalog.sum(pg_catalog.sum(r.av)) OVER (ORDER BY r.q) / NULLIF(pg_catalog.sum(pg_catalog.sum(r.av)) OVER (), 0) AS share
      FROM r GROUP BY 1
), perfect AS (
    SELECT r.qa AS q, pg_catalog.sum(pg_catalog.sum(r.av)) OVER (ORDER BY r.qa) / NULLIF(pg_catalog.sum(pg_catalog.sum(r.av)) OVER (), 0) AS share
      FROM r GROUP BY 1
), dec AS (
    SELECT r.decile, pg_catalog.count(*) AS n, pg_catalog.avg(r.pv) AS p, pg_catalog.avg(r.av) AS a FROM r GROUP BY 1
)
SELECT pg_catalog.jsonb_build_object(
           'by_frequency', (SELECT pg_catalog.jsonb_object_agg(buckets.cap::pg_catalog.text, buckets.j) FROM buckets),
           'gain', (SELECT pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object('q', model.q, 'model', model.share, 'perfect', perfect.share) ORDER BY model.q)
                      FROM model JOIN perfect ON perfect.q = model.q),
           'deciles', (SELECT pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object('decile', dec.decile, 'customers', dec.n, 'predicted', dec.p, 'actual', dec.a) ORDER BY dec.decile)
                         FROM dec))
$$;

COMMENT ON FUNCTION @extschema@.insight_clv_holdout_curves(integer[], float8[], float8[], float8[], float8[]) IS
'The charts of a CLV holdout evaluation from one element per calibration customer: frequency (repeat purchase days before the holdout), predicted (the evaluation model''s expected repeat purchase days in the holdout), actual (those that happened), actual_spend (holdout revenue, source currency) and monetary_value (mean spend per repeat purchase day before it). by_frequency: for each top bucket cap 1..7, the customers and mean predicted and actual repeat purchase days per frequency 0 .. cap-1 and cap+ (lifetimes'' plot_calibration_purchases_vs_holdout_purchases; the report picks the largest cap whose buckets all hold insight.min_group_size customers); gain: per twentieth of the customers ranked by predicted holdout revenue (expected purchases x the expected spend of a Gamma-Gamma fitted on these customers, insight_gammagamma_fit), the share of the actual holdout revenue reached (model) and the share reached in the best order (perfect); deciles: customers and mean predicted and actual holdout revenue per decile of predicted revenue, highest first (google/lifetime_value''s gain and decile charts). Stored by insight_clv_evaluate in metrics.holdout_curves; insight_report_html draws them.';

CREATE FUNCTION @extschema@.insight_clv_evaluate(t @extschema@.insight_training)
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
    -- the holdout's values per customer, in the calibration summary's order
    -- (insight_training_arrays_sql(..., order_by_key => true): on Citus computed and collected
    -- on the shards)
    actual pg_catalog.float8[];
    frequency pg_catalog.float8[];
    recency pg_catalog.float8[];
    big_t pg_catalog.float8[];
    since_last pg_catalog.float8[];
    actual_spend pg_catalog.float8[];
    monetary_value pg_catalog.float8[];
    rate pg_catalog.float8[];
    -- each candidate's expected purchases, predictive median and P(alive)
    -- (rows 3i-2, 3i-1 and 3i for candidate i: one row per value, one
    -- column per customer)
    model_values pg_catalog.float8[];
    models pg_catalog.bytea[] := '{}';
    i integer;
    chosen_i integer;
    -- the fitted candidates' positions in algorithms
    fitted integer[] := '{}';
BEGIN
    -- on Citus the fits' state, collected on the shards in one query over the
    -- calibration summary (each shard sends its partial state), from which
    -- every model is fitted below by its final function
    IF summary_query IS NOT NULL THEN
        EXECUTE pg_catalog.format('SELECT %I.insight_clv_fit_state(h.frequency, h.recency, h."T") FROM (%s) h',
                                  '@extschema@', summary_query)
           INTO fit_state;
    END IF;
    -- every model fitted on the calibration summary
    FOREACH alg IN ARRAY algorithms LOOP
        BEGIN
            IF summary_query IS NULL THEN
                EXECUTE pg_catalog.format('SELECT %I.%I(h.frequency, h.recency, h."T") FROM %s h',
                                          '@extschema@', 'insight_' OPERATOR(pg_catalog.||) alg OPERATOR(pg_catalog.||) '_fit',
                                          @extschema@.insight_training_relation('insight_clv_holdout'))
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
        models := models OPERATOR(pg_catalog.||) m;
    END LOOP;
    -- then one pass over the holdout: each customer's actuals and summary,
    -- and every candidate's expected purchases (the mean, for RMSE,
    -- correlation and totals), predictive median (for MAE: Gneiting 2011,
    -- the mean is not the point forecast absolute error asks for) and
    -- P(alive); the models are parameters ($2, $3, $4; NULL for a fit that
    -- failed) and the holdout in periods $1
    EXECUTE pg_catalog.format('SELECT a.actual, a.frequency, a.recency, a.big_t, a.actual_spend, a.monetary_value,
                                      ARRAY[%s] FROM (%s) a',
                              (SELECT pg_catalog.string_agg(pg_catalog.format('a.%I, a.%I, a.%I', 'expected_' OPERATOR(pg_catalog.||) n,
                                                                              'median_' OPERATOR(pg_catalog.||) n, 'p_alive_' OPERATOR(pg_catalog.||) n), ', ' ORDER BY n)
                                 FROM pg_catalog.generate_series(1, 3) n),
                              @extschema@.insight_training_arrays_sql('insight_clv_holdout',
                                  '{actual,frequency,recency,big_t,actual_spend,monetary_value}'::pg_catalog.text[]
                                  OPERATOR(pg_catalog.||) ARRAY(SELECT v OPERATOR(pg_catalog.||) '_' OPERATOR(pg_catalog.||) n
                                                                  FROM pg_catalog.generate_series(1, 3) n,
                                                                       pg_catalog.unnest('{expected,median,p_alive}'::pg_catalog.text[]) WITH ORDINALITY f(v, k)
                                                                 ORDER BY n, k),
                                  ARRAY['t.actual', 't.frequency', 't.recency', 't."T"', 't.actual_spend', 't.monetary_value']
                                  OPERATOR(pg_catalog.||) ARRAY(SELECT pg_catalog.format(f.v, '@extschema@', '$' OPERATOR(pg_catalog.||) (n OPERATOR(pg_catalog.+) 1))
                                                                  FROM pg_catalog.generate_series(1, 3) n,
                                                                       pg_catalog.unnest(ARRAY['%I.insight_transaction_model_expected_purchases(%s, $1, t.frequency, t.recency, t."T")',
                                                                                               '%I.insight_transaction_model_median_purchases(%s, $1, t.frequency, t.recency, t."T")',
                                                                                               '%I.insight_transaction_model_p_alive(%s, t.frequency, t.recency, t."T")']) WITH ORDINALITY f(v, k)
                                                                 ORDER BY n, k), order_by_key => true))
       INTO actual, frequency, recency, big_t, actual_spend, monetary_value, model_values
      USING t_hold, models[1], models[2], models[3];
    -- (on the coordinator, from the arrays: the time since the last
    -- purchase, and the baseline, the past rate x / T continued)
    since_last := ARRAY(SELECT u.tt OPERATOR(pg_catalog.-) u.r
                          FROM ROWS FROM (pg_catalog.unnest(big_t), pg_catalog.unnest(recency)) WITH ORDINALITY u(tt, r, n) ORDER BY u.n);
    rate := ARRAY(SELECT CASE WHEN u.tt OPERATOR(pg_catalog.>) 0 THEN u.f OPERATOR(pg_catalog./) u.tt OPERATOR(pg_catalog.*) t_hold ELSE 0 END
                    FROM ROWS FROM (pg_catalog.unnest(frequency), pg_catalog.unnest(big_t)) WITH ORDINALITY u(f, tt, n) ORDER BY u.n);
    -- every model fitted measured on the holdout
    FOR i IN 1 .. 3 LOOP
        alg := algorithms[i];
        m := models[i];
        m_metrics := NULL;
        IF m IS NOT NULL THEN
            -- the mean for RMSE, correlation and totals; the customer's own
            -- predictive median for MAE
            m_metrics := @extschema@.insight_clv_error_metrics(ARRAY(SELECT pg_catalog.unnest(model_values[(3 OPERATOR(pg_catalog.*) i OPERATOR(pg_catalog.-) 2):(3 OPERATOR(pg_catalog.*) i OPERATOR(pg_catalog.-) 2)][:])), actual);
            SELECT pg_catalog.avg(pg_catalog.abs(u.m OPERATOR(pg_catalog.-) u.a)) INTO mae_median
              FROM ROWS FROM (pg_catalog.unnest(ARRAY(SELECT pg_catalog.unnest(model_values[(3 OPERATOR(pg_catalog.*) i OPERATOR(pg_catalog.-) 1):(3 OPERATOR(pg_catalog.*) i OPERATOR(pg_catalog.-) 1)][:]))),
                              pg_catalog.unnest(actual)) u(m, a);
            -- does P(alive) fall with the time since the last purchase?
            spearman := @extschema@.insight_clv_spearman(ARRAY(SELECT pg_catalog.unnest(model_values[(3 OPERATOR(pg_catalog.*) i):(3 OPERATOR(pg_catalog.*) i)][:])), since_last);
            m_metrics := m_metrics OPERATOR(pg_catalog.||) pg_catalog.jsonb_build_object(
                'mae_median', mae_median, 'p_alive_spearman_time_since_last_purchase', spearman);
            candidates := candidates OPERATOR(pg_catalog.||) pg_catalog.jsonb_build_array(pg_catalog.jsonb_build_object(
                'algorithm', alg, 'mae_median', mae_median, 'mae_mean', m_metrics OPERATOR(pg_catalog.->) 'mae',
                'p_alive_spearman', spearman));
            fits := fits OPERATOR(pg_catalog.||) m;
            fitted := fitted OPERATOR(pg_catalog.||) i;
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
    base_metrics := @extschema@.insight_clv_error_metrics(rate, actual);
    SELECT pg_catalog.avg(pg_catalog.abs(@extschema@.insight_clv_poisson_median(u.r) OPERATOR(pg_catalog.-) u.a)) INTO mae_median
      FROM ROWS FROM (pg_catalog.unnest(rate), pg_catalog.unnest(actual)) u(r, a);
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
    come_back := @extschema@.insight_clv_come_back(t.evaluation_weights, t_hold, frequency, recency, big_t, actual);
    -- the charts of the holdout (insight_report_html draws them), once,
    -- from the chosen model's expected purchases of its pass above
    BEGIN
        curves := @extschema@.insight_clv_holdout_curves(frequency::integer[],
                      ARRAY(SELECT pg_catalog.unnest(model_values[(3 OPERATOR(pg_catalog.*) fitted[chosen_n] OPERATOR(pg_catalog.-) 2):(3 OPERATOR(pg_catalog.*) fitted[chosen_n] OPERATOR(pg_catalog.-) 2)][:])), actual, actual_spend, monetary_value);
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
'CLV step evaluate: fits BG/NBD, Pareto/NBD and the modified BG/NBD (MBG/NBD) on the calibration summary (a fit that fails with 22003 is left out with a NOTICE; all failing is an error, 22003), compares each model''s predicted repeat purchase days in the holdout with the actual ones (insight_clv_error_metrics of the predictive mean, insight_transaction_model_expected_purchases: mae, rmse, correlation, totals; and mae_median, the MAE of the customer''s predictive median, insight_transaction_model_median_purchases, the point forecast for absolute error (Gneiting 2011); in metrics.bgnbd, .pnbd, .mbgnbd) and with those of the baseline "past repeat rate x / T continued" (metrics.baseline: the same of the rate, and mae_median of the median of a Poisson count with that mean, insight_clv_poisson_median), and keeps as the evaluation model (score: its mae_median) the model with the lowest mae_median; the models within 0.1 % of it tie (at the no-dropout limit the three are the same NBD model and their MAEs differ in the last digits), and among them the one whose P(alive) falls most with the time since the last purchase (the lowest insight_clv_spearman of P(alive) and T - recency on the calibration summary, p_alive_spearman_time_since_last_purchase in each model''s metrics) is kept, the first in the order BG/NBD, Pareto/NBD, MBG/NBD on a tie. metrics: algorithm (the choice), chosen_by, candidates (algorithm, mae_median, mae_mean and p_alive_spearman of every model fitted), runner_up and margin_over_runner_up (its mae_median minus the chosen one''s; down to -0.1 % of it), margin_over_baseline (the baseline''s lower MAE, of its rate or of its Poisson median, minus the chosen one''s mae_median; negative when the baseline is better), beats_baseline, and warning (a sentence, when the baseline is at least as good: the model is served all the same, and the reports say so); the holdout charts of the chosen model (insight_clv_holdout_curves) go to metrics.holdout_curves, and who came back in the holdout against the chosen model''s expectation, in four bands of the time since the last purchase (insight_clv_come_back), to metrics.come_back. The three models are fitted first, then every metric reads the holdout''s per-customer values as arrays in the calibration summary''s order from one pass over insight_clv_holdout (made by insight_clv_prepare; insight_training_arrays_sql(..., order_by_key => true)): the actuals (repeat purchase days and spend), the summary (frequency, recency, T, monetary value) and each candidate''s expected purchases, predictive median and P(alive), the models parameters; the time since the last purchase (T - recency) and the baseline''s rate and its Poisson median are computed from those arrays, and the charts take the chosen candidate''s expected purchases from the same pass. On Citus, for a source distributed by customer (insight_clv_summary_query not NULL), the fits'' state is collected over the calibration summary''s query on the shards in one query (insight_clv_fit_state: one partial state per shard, combined on the coordinator) and each model fitted from it by its final function (the same model bytes, since the final function sorts and collapses the rows); the holdout''s rows are a table on the shards, and the pass computes its values there and collects them with insight_rows_pack (one partial state per shard reaches the coordinator, not one row per customer), unpacked into arrays in the same order as the single node''s, so the metrics, bands and charts are the single node''s to the last bit; the bands (insight_clv_come_back) and the charts (insight_clv_holdout_curves, with its Gamma-Gamma fit) are then computed from those arrays on the coordinator.';

-- Spearman's rank correlation, average ranks for ties.
CREATE FUNCTION @extschema@.insight_clv_spearman(x float8[], y float8[])
RETURNS float8
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
WITH u AS (
    SELECT v.a, v.b FROM ROWS FROM (pg_catalog.unnest(x), pg_catalog.unnest(y)) v(a, b)
     WHERE v.a IS NOT NULL AND v.b IS NOT NULL
), r AS (
    -- every OPERATOR() has the same precedence, hence the parentheses
    SELECT pg_catalog.rank() OVER (ORDER BY u.a) OPERATOR(pg_catalog.+) ((pg_catalog.count(*) OVER (PARTITION BY u.a) OPERATOR(pg_catalog.-) 1) OPERATOR(pg_catalog./) 2.0) AS ra,
           pg_catalog.rank() OVER (ORDER BY u.b) OPERATOR(pg_catalog.+) ((pg_catalog.count(*) OVER (PARTITION BY u.b) OPERATOR(pg_catalog.-) 1) OPERATOR(pg_catalog./) 2.0) AS rb
      FROM u
)
SELECT pg_catalog.corr(r.ra, r.rb) FROM r
$$;

COMMENT ON FUNCTION @extschema@.insight_clv_spearman(float8[], float8[]) IS
'Spearman''s rank correlation of the pairs (x[i], y[i]) without a NULL: Pearson''s correlation of their ranks, tied values sharing their average rank (as scipy.stats.spearmanr); NULL for fewer than two pairs or a constant array. Arrays of different lengths pair the extra elements with NULL (skipped).';

-- How P(alive) tells customers apart (issue 18, part 3): its distribution
-- and its rank correlations with recency and with the churn model.
CREATE FUNCTION @extschema@.insight_clv_p_alive_spread(model bytea, as_of timestamptz, period interval)
RETURNS jsonb
LANGUAGE sql STABLE
SET TimeZone = 'UTC'
AS $$
WITH k AS (
    SELECT k.customer_id::pg_catalog.text AS customer_id,
           @extschema@.insight_transaction_model_p_alive($1, k.frequency, k.recency, k."T") AS pa,
           k."T" OPERATOR(pg_catalog.-) k.recency AS since_last
      FROM @extschema@.insight_clv_summary($2, $3) k
), j AS (
    SELECT k.pa, k.since_last, c.churn_probability AS churn, c.model_id
      FROM k LEFT JOIN @extschema@.insight_churn_scores_at($2) c ON c.customer_id OPERATOR(pg_catalog.=) k.customer_id
)
SELECT pg_catalog.jsonb_build_object(
           'customers', (SELECT pg_catalog.count(*) FROM k),
           'mean', (SELECT pg_catalog.avg(k.pa) FROM k),
           'min', (SELECT pg_catalog.min(k.pa) FROM k),
           'deciles', (SELECT pg_catalog.to_jsonb(pg_catalog.percentile_cont(ARRAY[0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9]::pg_catalog.float8[])
                                                   WITHIN GROUP (ORDER BY k.pa)) FROM k),
           'below_0_5', (SELECT pg_catalog.count(*) FILTER (WHERE k.pa OPERATOR(pg_catalog.<) 0.5) FROM k),
           'below_0_99', (SELECT pg_catalog.count(*) FILTER (WHERE k.pa OPERATOR(pg_catalog.<) 0.99) FROM k),
           'spearman_time_since_last_purchase', (SELECT @extschema@.insight_clv_spearman(pg_catalog.array_agg(j.pa), pg_catalog.array_agg(j.since_last)) FROM j),
           'spearman_churn_probability', (SELECT @extschema@.insight_clv_spearman(pg_catalog.array_agg(j.pa), pg_catalog.array_agg(j.churn)) FROM j),
           'churn_customers', (SELECT pg_catalog.count(j.churn) FROM j),
           'churn_model_id', (SELECT pg_catalog.max(j.model_id) FROM j))
$$;

COMMENT ON FUNCTION @extschema@.insight_clv_p_alive_spread(bytea, timestamptz, interval) IS
'How a transaction model''s P(alive) tells the customers of insight_clv_summary(as_of, period) apart: customers, mean, min, deciles (the 10 %, 20 %, .., 90 % points, percentile_cont), below_0_5 and below_0_99 (counts), spearman_time_since_last_purchase (Spearman''s rank correlation, average ranks for ties, with T - recency: a P(alive) that falls with the time since the last purchase is negative) and spearman_churn_probability with the active churn model''s probability at as_of (insight_churn_scores_at; over the churn_customers scored by both; null, with churn_model_id, when no churn model is active). The CLV task stores it for the serving model in metrics.p_alive.';

-- Does P(alive) see who left (issue 18, part 3)? The calibration customers
-- in four bands of time since their last purchase: the share that came back
-- in the holdout against the share the model expects to come back.
CREATE FUNCTION @extschema@.insight_clv_come_back(model bytea, t float8, frequency float8[], recency float8[], "T" float8[], actual float8[])
RETURNS jsonb
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE
AS $$
DECLARE
    result pg_catalog.jsonb;
BEGIN
    -- one value of each per customer: same length, one dimension
    IF pg_catalog.array_ndims(frequency) OPERATOR(pg_catalog.>) 1 OR pg_catalog.array_ndims(recency) OPERATOR(pg_catalog.>) 1
       OR pg_catalog.array_ndims("T") OPERATOR(pg_catalog.>) 1 OR pg_catalog.array_ndims(actual) OPERATOR(pg_catalog.>) 1
       OR pg_catalog.cardinality(frequency) OPERATOR(pg_catalog.<>) pg_catalog.cardinality(recency)
       OR pg_catalog.cardinality(frequency) OPERATOR(pg_catalog.<>) pg_catalog.cardinality("T")
       OR pg_catalog.cardinality(frequency) OPERATOR(pg_catalog.<>) pg_catalog.cardinality(actual) THEN
        RAISE EXCEPTION 'frequency, recency, T and actual must be one-dimensional arrays of the same length'
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = pg_catalog.format('Their lengths are %s, %s, %s and %s.', pg_catalog.cardinality(frequency),
                                             pg_catalog.cardinality(recency), pg_catalog.cardinality("T"), pg_catalog.cardinality(actual)),
                  HINT = 'Pass one element per customer in each array, in the same order.';
    END IF;
    WITH c AS (
        SELECT u.f, u.r, u.tt, u.a, u.tt OPERATOR(pg_catalog.-) u.r AS since_last
          FROM ROWS FROM (pg_catalog.unnest(frequency), pg_catalog.unnest(recency), pg_catalog.unnest("T"), pg_catalog.unnest(actual)) u(f, r, tt, a)
         WHERE u.f IS NOT NULL AND u.r IS NOT NULL AND u.tt IS NOT NULL AND u.a IS NOT NULL
    ), b AS (
        SELECT c.*, pg_catalog.ntile(4) OVER (ORDER BY c.since_last, c.f, c.r, c.a) AS band FROM c
    )
    SELECT COALESCE(pg_catalog.jsonb_agg(g ORDER BY g.band), '[]') INTO result
      FROM (SELECT b.band, pg_catalog.count(*) AS customers,
                   pg_catalog.min(b.since_last) AS since_last_from, pg_catalog.max(b.since_last) AS since_last_to,
                   pg_catalog.avg((b.a OPERATOR(pg_catalog.>) 0)::integer::pg_catalog.float8) AS actual_share,
                   pg_catalog.avg(1 OPERATOR(pg_catalog.-) @extschema@.insight_transaction_model_purchase_probability(model, 0, t, b.f, b.r, b.tt)) AS expected_share,
                   pg_catalog.avg(@extschema@.insight_transaction_model_p_alive(model, b.f, b.r, b.tt)) AS mean_p_alive
              FROM b GROUP BY b.band) g;
    RETURN result;
END
$$;

COMMENT ON FUNCTION @extschema@.insight_clv_come_back(bytea, float8, float8[], float8[], float8[], float8[]) IS
'Whether a transaction model''s P(alive) sees who has left, checked on a holdout: the customers (frequency x, recency t_x and T in the model''s time unit, actual = their repeat purchase days in the t time units after T; element i of each array is customer i, a customer with a NULL is skipped) in four bands (ntile) of the time since their last purchase, T - t_x; per band: band (1: the most recent buyers), customers, since_last_from and since_last_to (time units), actual_share (the share with a purchase in the holdout), expected_share (the mean of 1 - P(X(T, T + t) = 0 | x, t_x, T), insight_transaction_model_purchase_probability) and mean_p_alive (insight_transaction_model_p_alive). When the model sees no dropout among the customers who bought longest ago (mean P(alive) near 1) and they come back at least as often as it expects, the data shows no dropout for P(alive) to measure (Online Retail); when dropout is real (CDNOW) the actual share falls with the time since the last purchase as the expected share and P(alive) do. A jsonb array of four objects (fewer with fewer than four customers; empty without any). Errors: 22023 arrays of different lengths or more than one dimension; those of the model functions (22023 a corrupted model).';

-- The verdict on the band that bought longest ago, which both reports give.
CREATE FUNCTION @extschema@.insight_clv_come_back_verdict(come_back jsonb)
RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
SELECT CASE
    WHEN (come_back OPERATOR(pg_catalog.#>>) '{-1,mean_p_alive}')::pg_catalog.float8 OPERATOR(pg_catalog.>=) 0.99
     AND (come_back OPERATOR(pg_catalog.#>>) '{-1,actual_share}')::pg_catalog.float8 OPERATOR(pg_catalog.>=)
         (come_back OPERATOR(pg_catalog.#>>) '{-1,expected_share}')::pg_catalog.float8
    THEN 'no_dropout'
    WHEN (come_back OPERATOR(pg_catalog.#>>) '{-1,actual_share}')::pg_catalog.float8 OPERATOR(pg_catalog.<)
         (0.8 OPERATOR(pg_catalog.*) (come_back OPERATOR(pg_catalog.#>>) '{-1,expected_share}')::pg_catalog.float8)
    THEN 'overrates' END
$$;

COMMENT ON FUNCTION @extschema@.insight_clv_come_back_verdict(jsonb) IS
'The verdict of the reports (insight_report_clv, insight_report_html_clv) on who came back (insight_clv_come_back''s array, metrics.come_back), from its last band, the customers who bought longest ago: ''no_dropout'' when their mean P(alive) is at least 0.99 and their actual share at least the expected one (the history shows no dropout for P(alive) to measure); ''overrates'' when their actual share is below 0.8 times the expected one (P(alive) overrates them); NULL otherwise or for an empty or NULL array.';

CREATE FUNCTION @extschema@.insight_clv_serve(t @extschema@.insight_training)
RETURNS @extschema@.insight_training
LANGUAGE plpgsql
SET IntervalStyle = 'iso_8601'
SET TimeZone = 'UTC'
AS $$
DECLARE
    spend @extschema@.insight_models;
    -- on Citus the summary's query, which the fits run over on the shards
    -- (each sends one partial state per fit); elsewhere the summary function
    summary_rows pg_catalog.text := COALESCE(
        '(' OPERATOR(pg_catalog.||) @extschema@.insight_clv_summary_query(t.trained_as_of, (t.setup OPERATOR(pg_catalog.->>) 'period')::interval)
            OPERATOR(pg_catalog.||) ')',
        pg_catalog.format('%I.insight_clv_summary($1, $2)', '@extschema@'));
BEGIN
    -- the models that serve: the chosen one and the spend model, refitted on the whole history
    EXECUTE pg_catalog.format(
        'SELECT %I.%I(k.frequency, k.recency, k."T"), %I.insight_gammagamma_fit(k.frequency, k.monetary_value)
           FROM %s k',
        '@extschema@', 'insight_' OPERATOR(pg_catalog.||) t.algorithm OPERATOR(pg_catalog.||) '_fit', '@extschema@', summary_rows)
       INTO t.weights, spend.weights
      USING t.trained_as_of, (t.setup OPERATOR(pg_catalog.->>) 'period')::interval;
    IF spend.weights IS NULL THEN
        RAISE EXCEPTION 'no customer with repeat purchases to fit the spend model'
            USING ERRCODE = 'data_exception',
                  HINT = 'The Gamma-Gamma model needs customers with frequency > 0 and a positive monetary_value.';
    END IF;
    t.metrics := t.metrics OPERATOR(pg_catalog.||) pg_catalog.jsonb_build_object(
        'customers', (@extschema@.insight_model_info(t.weights) OPERATOR(pg_catalog.->>) 'customers')::pg_catalog.float8,
        'p_alive', @extschema@.insight_clv_p_alive_spread(t.weights, t.trained_as_of, (t.setup OPERATOR(pg_catalog.->>) 'period')::interval));
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
'CLV step serve: refits the chosen transaction model and a Gamma-Gamma spend model (task clv_spend, the companion, named by metrics.spend_model_id) on insight_clv_summary(as_of, period), in one query (on Citus, for a source distributed by customer, over insight_clv_summary_query(as_of, period) on the shards: one partial state per shard and fit reaches the coordinator); metrics.p_alive: how the serving model''s P(alive) tells the customers apart (insight_clv_p_alive_spread: deciles, Spearman with the time since the last purchase and with the active churn model).';

CREATE FUNCTION @extschema@.insight_clv_compare(t @extschema@.insight_training, active @extschema@.insight_models)
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
        -- (each customer's median and actual in the holdout's order, as
        -- insight_clv_evaluate reads them: on Citus computed on the shards)
        EXECUTE pg_catalog.format('SELECT pg_catalog.avg(pg_catalog.abs(u.m OPERATOR(pg_catalog.-) u.a))
                                     FROM (%s) x, ROWS FROM (pg_catalog.unnest(x.median), pg_catalog.unnest(x.actual)) u(m, a)',
                                  @extschema@.insight_training_arrays_sql('insight_clv_holdout', '{median,actual}',
                                      ARRAY[pg_catalog.format('%I.insight_transaction_model_median_purchases($1, $2, t.frequency, t.recency, t."T")',
                                                              '@extschema@'), 't.actual'], order_by_key => true))
           INTO active_mae USING active.evaluation_weights, t_hold;
    END IF;
    RETURN pg_catalog.jsonb_build_object('model_id', active.model_id, 'holdout_mae', active_mae);
END
$$;

COMMENT ON FUNCTION @extschema@.insight_clv_compare(@extschema@.insight_training, @extschema@.insight_models) IS
'CLV step compare: the holdout MAE of the predictive median (insight_transaction_model_median_purchases, as insight_clv_evaluate scores) of the active model''s evaluation model on the same holdout (insight_clv_holdout, read as insight_clv_evaluate reads it: arrays in the calibration summary''s order from insight_training_arrays_sql(..., order_by_key => true); on Citus the medians computed on the shards, the model a parameter, one partial state per shard reaching the coordinator); NULL (not comparable) when the active model has another period.';

CREATE FUNCTION @extschema@.insight_clv_usable(model @extschema@.insight_models)
RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$ SELECT @extschema@.insight_clv_model_unusable(model.weights) $$;

COMMENT ON FUNCTION @extschema@.insight_clv_usable(@extschema@.insight_models) IS
'CLV step usable: insight_clv_model_unusable of the model''s weights (a transaction model or its Gamma-Gamma spend model): NULL when it can score every customer, otherwise why not (Gamma-Gamma q <= 1; every BG/NBD and Pareto/NBD model with positive finite parameters scores).';

INSERT INTO @extschema@.insight_task_steps
    (task, prepare, evaluate, serve, compare, metric, higher_is_better, companion_key, kept_notice, builtin, usable)
VALUES ('clv', '@extschema@.insight_clv_prepare(@extschema@.insight_training)',
        '@extschema@.insight_clv_evaluate(@extschema@.insight_training)',
        '@extschema@.insight_clv_serve(@extschema@.insight_training)',
        '@extschema@.insight_clv_compare(@extschema@.insight_training, @extschema@.insight_models)',
        'holdout_mae', false, 'spend_model_id',
        'CLV model %1$s stays a candidate: its holdout MAE %2$s is above the %3$s of active model %4$s',
        true, '@extschema@.insight_clv_usable(@extschema@.insight_models)');

CREATE FUNCTION @extschema@.insight_train_clv(as_of timestamptz DEFAULT NULL,
                                              period interval DEFAULT '7 days',
                                              holdout interval DEFAULT NULL)
RETURNS bigint
LANGUAGE sql
SET IntervalStyle = 'iso_8601'
SET TimeZone = 'UTC'
AS $$ SELECT @extschema@.insight_train_task(@extschema@.insight_clv_setup($1, $2, $3)) $$;

COMMENT ON FUNCTION @extschema@.insight_train_clv(timestamptz, interval, interval) IS
'Train the CLV models on the registered source and return the model_id of the transaction model (task clv). With T = as_of (default: the start of the UTC day after the latest purchase) and holdout H (default: the last quarter of the history, in whole days): fits BG/NBD, Pareto/NBD and MBG/NBD on insight_clv_summary(T - H, period), predicts each calibration customer''s repeat purchase days in [T - H, T) and compares with the actual ones (metrics: mae, rmse, correlation, total_error_percent of the predictive mean and mae_median of the predictive median, for every model and for the baseline "past repeat rate x/T continued"); the model with the lowest MAE of its predictive median is kept as the evaluation model (metrics: candidates, runner_up, margin_over_runner_up, margin_over_baseline, beats_baseline, and a warning when the baseline is at least as good, see insight_clv_evaluate) (evaluation_weights), refitted on insight_clv_summary(T, period) and stored as task clv with a Gamma-Gamma spend model (task clv_spend, metrics.spend_model_id); params: period and holdout as given (ISO 8601 intervals, holdout null when defaulted); metrics: the holdout used, customers (rows of the final fit), times in UTC. Both become active when no CLV model with this period is active, or when the new holdout MAE is not above the active evaluation model''s on the same holdout; otherwise they stay candidates (NOTICE). Runs through insight_train_task() (steps insight_clv_*) in the caller''s transaction.';

-- Scoring --------------------------------------------------------------------

CREATE FUNCTION @extschema@.insight_clv_active()
RETURNS TABLE (model_id bigint, transactions bytea, spend bytea, period interval)
LANGUAGE plpgsql STABLE PARALLEL SAFE
ROWS 1                                  -- at most one active CLV model
AS $$
BEGIN
    RETURN QUERY
    SELECT m.model_id, m.weights, s.weights, (m.params OPERATOR(pg_catalog.->>) 'period')::interval
      FROM @extschema@.insight_active_model('clv') m
      JOIN @extschema@.insight_models s
        ON s.model_id OPERATOR(pg_catalog.=) (m.metrics OPERATOR(pg_catalog.->>) 'spend_model_id')::bigint;
    IF NOT FOUND THEN
        PERFORM @extschema@.insight_no_active_model('clv');
    END IF;
END
$$;

COMMENT ON FUNCTION @extschema@.insight_clv_active() IS
'The active CLV models: the transaction model (task clv), the spend model it names and the time unit they use. Raises 55000 "no CLV model is active" when there is none.';

CREATE FUNCTION @extschema@.insight_clv_scores_at(as_of timestamptz DEFAULT NULL)
RETURNS TABLE (customer_id text, frequency integer, recency float8, "T" float8,
               monetary_value float8, p_alive float8, expected_purchases_90d float8,
               clv_12m float8, model_id bigint)
LANGUAGE sql STABLE PARALLEL SAFE
AS $$
SELECT k.customer_id::pg_catalog.text, k.frequency, k.recency, k."T", k.monetary_value,
       @extschema@.insight_transaction_model_p_alive(a.transactions, k.frequency, k.recency, k."T"),
       @extschema@.insight_transaction_model_expected_purchases(a.transactions,
           90 OPERATOR(pg_catalog.*) 86400 OPERATOR(pg_catalog./) @extschema@.insight_clv_period_seconds(a.period),
           k.frequency, k.recency, k."T"),
       @extschema@.insight_clv_value(a.transactions, a.spend, k.frequency, k.recency, k."T",
           k.monetary_value, 12, 0.01, a.period),
       a.model_id
  FROM @extschema@.insight_clv_active() a,
       LATERAL @extschema@.insight_clv_summary($1, a.period) k
 ORDER BY 1
$$;

COMMENT ON FUNCTION @extschema@.insight_clv_scores_at(timestamptz) IS
'CLV scores of every customer with a purchase before as_of (default: the start of the UTC day after the latest purchase), set-wise with the active CLV models: the summary, p_alive, expected_purchases_90d (repeat purchases in the next 90 days) and clv_12m (insight_clv_value over 12 months at 1 % a month). customer_id as text. Raises 55000 when no CLV model is active.';

-- The CLV concern of insight_customer_360 and insight_retention_targets
-- (joined by the views of tasks/churn.sql, created in tasks/customer_views.sql).
CREATE FUNCTION @extschema@.insight_customer_360_clv(as_of timestamptz DEFAULT NULL)
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

-- The CLV section of insight_report().
CREATE FUNCTION @extschema@.insight_report_clv()
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
    choice pg_catalog.text;
    spread pg_catalog.text;
    back pg_catalog.text;
    verdict pg_catalog.text;
    labels constant pg_catalog.jsonb := '{"bgnbd": "BG/NBD", "pnbd": "Pareto/NBD", "mbgnbd": "MBG/NBD"}';
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
    -- how the model was chosen (models trained before 0.2.0 compared two models and say less)
    IF x OPERATOR(pg_catalog.?) 'candidates' THEN
        SELECT pg_catalog.format(E'  chosen by holdout MAE%s among %s: %s%s\n',
                   CASE WHEN x OPERATOR(pg_catalog.#>) '{candidates,0}' OPERATOR(pg_catalog.?) 'mae_median'
                        THEN ' of the predictive median (of the mean; within 0.1 % the P(alive) that falls most with the time since the last purchase wins)'
                        ELSE ' (a later one must be 0.1 % lower)' END,
                   pg_catalog.string_agg(pg_catalog.format('%s %s%s', labels OPERATOR(pg_catalog.->>) (e.value OPERATOR(pg_catalog.->>) 'algorithm'),
                                                           @extschema@.insight_report_number(COALESCE(e.value OPERATOR(pg_catalog.->>) 'mae_median', e.value OPERATOR(pg_catalog.->>) 'mae')::pg_catalog.float8),
                                                           CASE WHEN e.value OPERATOR(pg_catalog.?) 'mae_mean' THEN pg_catalog.format(' (%s)',
                                                               @extschema@.insight_report_number((e.value OPERATOR(pg_catalog.->>) 'mae_mean')::pg_catalog.float8)) ELSE '' END), ', ' ORDER BY e.n),
                   labels OPERATOR(pg_catalog.->>) c.algorithm,
                   CASE WHEN x OPERATOR(pg_catalog.?) 'runner_up' AND x OPERATOR(pg_catalog.->>) 'runner_up' IS NOT NULL
                        THEN pg_catalog.format(' (runner-up %s, MAE higher by %s)', labels OPERATOR(pg_catalog.->>) (x OPERATOR(pg_catalog.->>) 'runner_up'),
                                               @extschema@.insight_report_number((x OPERATOR(pg_catalog.->>) 'margin_over_runner_up')::pg_catalog.float8, 4)) ELSE '' END)
          INTO choice
          FROM pg_catalog.jsonb_array_elements(x OPERATOR(pg_catalog.->) 'candidates') WITH ORDINALITY e(value, n);
    END IF;
    -- how P(alive) tells customers apart (models trained from 0.2.0 on)
    IF x OPERATOR(pg_catalog.?) 'p_alive' THEN
        SELECT pg_catalog.format(E'  P(alive) of the %s customers: deciles %s; %s below 0.5; rank correlation %s with the time since the last purchase%s\n',
                   x OPERATOR(pg_catalog.#>>) '{p_alive,customers}',
                   (SELECT pg_catalog.string_agg(@extschema@.insight_report_number(d::pg_catalog.float8, 4), ' ' ORDER BY n)
                      FROM pg_catalog.jsonb_array_elements_text(x OPERATOR(pg_catalog.#>) '{p_alive,deciles}') WITH ORDINALITY u(d, n)),
                   x OPERATOR(pg_catalog.#>>) '{p_alive,below_0_5}',
                   @extschema@.insight_report_number((x OPERATOR(pg_catalog.#>>) '{p_alive,spearman_time_since_last_purchase}')::pg_catalog.float8),
                   CASE WHEN x OPERATOR(pg_catalog.#>>) '{p_alive,spearman_churn_probability}' IS NOT NULL
                        THEN pg_catalog.format(', %s with churn model %s''s probability',
                                               @extschema@.insight_report_number((x OPERATOR(pg_catalog.#>>) '{p_alive,spearman_churn_probability}')::pg_catalog.float8),
                                               x OPERATOR(pg_catalog.#>>) '{p_alive,churn_model_id}')
                        ELSE ' (no churn model was active to compare with)' END)
          INTO spread;
    END IF;
    -- who came back in the holdout against the model's expectation (models trained from 0.2.0 on)
    verdict := @extschema@.insight_clv_come_back_verdict(x OPERATOR(pg_catalog.->) 'come_back');
    IF pg_catalog.jsonb_typeof(x OPERATOR(pg_catalog.->) 'come_back') OPERATOR(pg_catalog.=) 'array'
       AND pg_catalog.jsonb_array_length(x OPERATOR(pg_catalog.->) 'come_back') OPERATOR(pg_catalog.>) 0 THEN
        SELECT pg_catalog.format(E'  came back in the holdout, by time since the last purchase in units of %s (the share that bought again; the model''s expectation, its mean P(alive)): %s\n',
                   (c.params OPERATOR(pg_catalog.->>) 'period')::interval,
                   pg_catalog.string_agg(pg_catalog.format('%s-%s: %s %% (%s %%, %s)',
                       @extschema@.insight_report_number((e.value OPERATOR(pg_catalog.->>) 'since_last_from')::pg_catalog.float8, 1),
                       @extschema@.insight_report_number((e.value OPERATOR(pg_catalog.->>) 'since_last_to')::pg_catalog.float8, 1),
                       @extschema@.insight_report_number(100 OPERATOR(pg_catalog.*) (e.value OPERATOR(pg_catalog.->>) 'actual_share')::pg_catalog.float8, 0),
                       @extschema@.insight_report_number(100 OPERATOR(pg_catalog.*) (e.value OPERATOR(pg_catalog.->>) 'expected_share')::pg_catalog.float8, 0),
                       @extschema@.insight_report_number((e.value OPERATOR(pg_catalog.->>) 'mean_p_alive')::pg_catalog.float8)), '; ' ORDER BY e.n))
            -- the verdict on the customers who bought longest ago
            -- (a searched CASE: a simple one compares with an = found on the search_path)
            OPERATOR(pg_catalog.||) CASE
                WHEN verdict OPERATOR(pg_catalog.=) 'no_dropout'
                THEN E'  the customers who bought longest ago came back as often as a model without dropout expected, or more: this history shows no dropout for P(alive) to measure\n'
                WHEN verdict OPERATOR(pg_catalog.=) 'overrates'
                THEN E'  fewer of the customers who bought longest ago came back than the model expected: its P(alive) overrates them\n'
                ELSE '' END
          INTO back
          FROM pg_catalog.jsonb_array_elements(x OPERATOR(pg_catalog.->) 'come_back') WITH ORDINALITY e(value, n);
    END IF;
    -- (a model trained before 0.2.0 keeps its report: its line above gives both MAEs)
    IF x OPERATOR(pg_catalog.?) 'candidates' AND (x OPERATOR(pg_catalog.->>) 'beats_baseline')::boolean IS FALSE THEN
        choice := COALESCE(choice, '') OPERATOR(pg_catalog.||) pg_catalog.format(
            E'  WARNING: the past rate x/T continued predicts the holdout better than this model (MAE %s against %s); the model''s predictions are served all the same\n',
            @extschema@.insight_report_number(LEAST((x OPERATOR(pg_catalog.#>>) '{baseline,mae}')::pg_catalog.float8,
                                                    (x OPERATOR(pg_catalog.#>>) '{baseline,mae_median}')::pg_catalog.float8)),
            @extschema@.insight_report_number((x OPERATOR(pg_catalog.->>) 'holdout_mae')::pg_catalog.float8));
    END IF;
    RETURN pg_catalog.format(E'\nCustomer lifetime value: model %s (%s, time unit %s) with spend model %s (Gamma-Gamma)\n',
               c.model_id, COALESCE(labels OPERATOR(pg_catalog.->>) c.algorithm, c.algorithm),
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
        OPERATOR(pg_catalog.||) CASE WHEN chosen OPERATOR(pg_catalog.?) 'mae_median' THEN pg_catalog.format(
               E'  MAE of the predictive median (the point forecast for absolute error; the figures above are of the mean): %s against %s for the Poisson median of the past rate\n',
               @extschema@.insight_report_number((chosen OPERATOR(pg_catalog.->>) 'mae_median')::pg_catalog.float8),
               @extschema@.insight_report_number((x OPERATOR(pg_catalog.#>>) '{baseline,mae_median}')::pg_catalog.float8)) ELSE '' END
        OPERATOR(pg_catalog.||) COALESCE(choice, '')
        OPERATOR(pg_catalog.||) pg_catalog.format(E'  serving models, fitted on all %s customers: %s%s; spend p %s, q %s, gamma %s (frequency-spend correlation %s)\n',
               x OPERATOR(pg_catalog.->>) 'customers', names,
               CASE WHEN (ci OPERATOR(pg_catalog.->>) 'converged')::boolean THEN '' ELSE ' (not converged)' END,
               (si OPERATOR(pg_catalog.->>) 'p')::pg_catalog.float8::real, (si OPERATOR(pg_catalog.->>) 'q')::pg_catalog.float8::real,
               (si OPERATOR(pg_catalog.->>) 'gamma')::pg_catalog.float8::real,
               @extschema@.insight_report_number((si OPERATOR(pg_catalog.->>) 'frequency_spend_correlation')::pg_catalog.float8))
        OPERATOR(pg_catalog.||) pg_catalog.format(E'  %s customers now: total 12-month CLV %s, mean P(alive) %s\n',
               totals.customers, @extschema@.insight_report_number(totals.clv, 2),
               @extschema@.insight_report_number(totals.p_alive))
        OPERATOR(pg_catalog.||) COALESCE(spread, '')
        OPERATOR(pg_catalog.||) COALESCE(back, '');
END
$$;

COMMENT ON FUNCTION @extschema@.insight_report_clv() IS
'The CLV section of insight_report(): the active CLV models, their holdout errors against the baseline, how the model was chosen (the holdout MAE of every candidate and the margin over the runner-up, metrics.candidates), the holdout MAE of the predictive median against the baseline''s Poisson median (metrics.*.mae_median), a WARNING line when the past-rate baseline beats the served model on the holdout (metrics.beats_baseline false; for models trained from 0.2.0 on, whose metrics hold the candidates), how P(alive) tells the customers apart (metrics.p_alive: deciles, customers below 0.5, Spearman with the time since the last purchase and with the churn model), who came back in the holdout against the model''s expectation by time since the last purchase (metrics.come_back, insight_clv_come_back) with a verdict on those who bought longest ago (insight_clv_come_back_verdict: no dropout to measure, or P(alive) overrates them), their parameters, and the customers'' total 12-month CLV and mean P(alive) (insight_customer_360_clv()); a line saying how to train one when none is active, and why the active one cannot serve when it cannot (insight_model_unusable).';

CREATE FUNCTION @extschema@.insight_p_alive(customer text, as_of timestamptz DEFAULT NULL)
RETURNS float8
LANGUAGE sql STABLE PARALLEL SAFE
SET jit = off                           -- one customer: compiling costs more than it saves
AS $$
SELECT @extschema@.insight_transaction_model_p_alive(a.transactions, k.frequency, k.recency, k."T")
  FROM @extschema@.insight_clv_active() a
  LEFT JOIN LATERAL @extschema@.insight_clv_customer_summary($2, a.period, $1) k ON true
$$;

COMMENT ON FUNCTION @extschema@.insight_p_alive(text, timestamptz) IS
'Probability that the customer (text form of a key of the source) is still alive, by the active CLV model, from their purchases before as_of (default: the start of the UTC day after the latest purchase). NULL for a customer without purchases; 55000 when no CLV model is active.';

CREATE FUNCTION @extschema@.insight_p_alive(customer anyelement, as_of timestamptz DEFAULT NULL)
RETURNS float8
LANGUAGE sql STABLE PARALLEL SAFE
AS $$ SELECT @extschema@.insight_p_alive($1::pg_catalog.text, $2) $$;

COMMENT ON FUNCTION @extschema@.insight_p_alive(anyelement, timestamptz) IS
'insight_p_alive(customer::text, as_of) for a key given in its own type.';

CREATE FUNCTION @extschema@.insight_expected_purchases(customer text, horizon interval,
                                                       as_of timestamptz DEFAULT NULL)
RETURNS float8
LANGUAGE sql STABLE PARALLEL SAFE
SET jit = off                           -- one customer: compiling costs more than it saves
AS $$
SELECT @extschema@.insight_transaction_model_expected_purchases(a.transactions,
           pg_catalog.date_part('epoch', $2) OPERATOR(pg_catalog./) @extschema@.insight_clv_period_seconds(a.period),
           k.frequency, k.recency, k."T")
  FROM @extschema@.insight_clv_active() a
  LEFT JOIN LATERAL @extschema@.insight_clv_customer_summary($3, a.period, $1) k ON true
$$;

COMMENT ON FUNCTION @extschema@.insight_expected_purchases(text, interval, timestamptz) IS
'Repeat purchases (purchase days) the customer is expected to make in the next horizon, by the active CLV model, from their purchases before as_of. NULL for a customer without purchases; 55000 when no CLV model is active.';

CREATE FUNCTION @extschema@.insight_expected_purchases(customer anyelement, horizon interval,
                                                       as_of timestamptz DEFAULT NULL)
RETURNS float8
LANGUAGE sql STABLE PARALLEL SAFE
AS $$ SELECT @extschema@.insight_expected_purchases($1::pg_catalog.text, $2, $3) $$;

COMMENT ON FUNCTION @extschema@.insight_expected_purchases(anyelement, interval, timestamptz) IS
'insight_expected_purchases(customer::text, horizon, as_of) for a key given in its own type.';

CREATE FUNCTION @extschema@.insight_purchases_median(customer text, horizon interval,
                                                     as_of timestamptz DEFAULT NULL)
RETURNS float8
LANGUAGE sql STABLE PARALLEL SAFE
SET jit = off                           -- one customer: compiling costs more than it saves
AS $$
SELECT @extschema@.insight_transaction_model_median_purchases(a.transactions,
           pg_catalog.date_part('epoch', $2) OPERATOR(pg_catalog./) @extschema@.insight_clv_period_seconds(a.period),
           k.frequency, k.recency, k."T")
  FROM @extschema@.insight_clv_active() a
  LEFT JOIN LATERAL @extschema@.insight_clv_customer_summary($3, a.period, $1) k ON true
$$;

COMMENT ON FUNCTION @extschema@.insight_purchases_median(text, interval, timestamptz) IS
'The median of the repeat purchases (purchase days) the customer will make in the next horizon, by the active CLV model, from their purchases before as_of (insight_transaction_model_median_purchases): a whole number, the point forecast that minimises the expected absolute error (Gneiting 2011), where insight_expected_purchases (the mean) minimises the squared one. NULL for a customer without purchases; 55000 when no CLV model is active.';

CREATE FUNCTION @extschema@.insight_purchases_median(customer anyelement, horizon interval,
                                                     as_of timestamptz DEFAULT NULL)
RETURNS float8
LANGUAGE sql STABLE PARALLEL SAFE
AS $$ SELECT @extschema@.insight_purchases_median($1::pg_catalog.text, $2, $3) $$;

COMMENT ON FUNCTION @extschema@.insight_purchases_median(anyelement, interval, timestamptz) IS
'insight_purchases_median(customer::text, horizon, as_of) for a key given in its own type.';

CREATE FUNCTION @extschema@.insight_clv(customer text, months integer DEFAULT 12,
                                        monthly_discount_rate float8 DEFAULT 0.01,
                                        as_of timestamptz DEFAULT NULL)
RETURNS float8
LANGUAGE sql STABLE PARALLEL SAFE
SET jit = off                           -- one customer: compiling costs more than it saves
AS $$
SELECT @extschema@.insight_clv_value(a.transactions, a.spend, k.frequency, k.recency, k."T",
                                     k.monetary_value, $2, $3, a.period)
  FROM @extschema@.insight_clv_active() a
  LEFT JOIN LATERAL @extschema@.insight_clv_customer_summary($4, a.period, $1) k ON true
$$;

COMMENT ON FUNCTION @extschema@.insight_clv(text, integer, float8, timestamptz) IS
'Customer lifetime value over the next months (source currency), discounted monthly, by the active CLV models (see insight_clv_value), from the customer''s purchases before as_of. NULL for a customer without purchases; 55000 when no CLV model is active.';

CREATE FUNCTION @extschema@.insight_clv(customer anyelement, months integer DEFAULT 12,
                                        monthly_discount_rate float8 DEFAULT 0.01,
                                        as_of timestamptz DEFAULT NULL)
RETURNS float8
LANGUAGE sql STABLE PARALLEL SAFE
AS $$ SELECT @extschema@.insight_clv($1::pg_catalog.text, $2, $3, $4) $$;

COMMENT ON FUNCTION @extschema@.insight_clv(anyelement, integer, float8, timestamptz) IS
'insight_clv(customer::text, months, monthly_discount_rate, as_of) for a key given in its own type.';
