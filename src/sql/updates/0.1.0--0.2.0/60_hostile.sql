-- Issue 20 (hostile input): insight_log_rfm becomes a C function that
-- refuses NaN and infinite inputs (it passed them through as NaN or
-- Infinity) and computes the same bits otherwise; insight_clv_error_metrics
-- refuses arrays of different lengths or more than one dimension (it
-- reported the longer one's count); insight_train_clv refuses a holdout
-- period without purchases (as_of far after the last sale kept the
-- Pareto/NBD fit busy for minutes); new: insight_clv_model_unusable, the
-- check that a CLV model can score every customer (for activation).  The C changes of the issue need no SQL.
--
-- The holdout check is in the CLV task's setup step (insight_clv_setup, as
-- src/sql/tasks/clv.sql has it), replaced here after 30_tasks_2_steps.sql.

CREATE OR REPLACE FUNCTION @extschema@.insight_log_rfm(recency_days float8, frequency float8, monetary float8)
RETURNS float8[]
AS 'MODULE_PATHNAME', 'insight_log_rfm'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@.insight_log_rfm(float8, float8, float8) IS
'The inputs of the segments model before standardization: ARRAY[ln(1 + recency_days), ln(1 + frequency), ln(1 + monetary)] with the RFM definitions of insight_rfm (days since the last purchase, orders, total spend; negative values count as 0). monetary is rounded to 6 decimals first: currency amounts have fewer, and the rounding removes the last-bit differences that parallel sums leave in total spend, so the same data give the same model. The logarithm tames the long right tails of frequency and spend. NaN and infinite inputs are an error (22023).';

CREATE OR REPLACE FUNCTION @extschema@.insight_clv_error_metrics(predicted float8[], actual float8[])
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

CREATE OR REPLACE FUNCTION @extschema@.insight_clv_setup(as_of timestamptz, period interval, holdout interval)
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
    c pg_catalog.timestamptz;
BEGIN
    SELECT COALESCE(as_of, ((pg_catalog.max(s.ordered_at) AT TIME ZONE 'UTC')::pg_catalog.date OPERATOR(pg_catalog.+) 1)::timestamp AT TIME ZONE 'UTC'),
           pg_catalog.min(s.ordered_at), pg_catalog.max(s.ordered_at)
      INTO t_end, first_at, last_at
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

CREATE FUNCTION @extschema@.insight_clv_model_unusable(model bytea)
RETURNS text
AS 'MODULE_PATHNAME', 'insight_clv_model_unusable'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@.insight_clv_model_unusable(bytea) IS
'NULL when a BG/NBD, Pareto/NBD or Gamma-Gamma model can score every customer, otherwise the reason it cannot: its parameters are positive and finite (checked on reading; a corrupt model is an error), a Gamma-Gamma model needs q > 1 (finite mean spend), a BG/NBD model a + b > 1. For activation: a model that cannot serve should not become active.';
