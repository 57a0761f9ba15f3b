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

--@ function src/sql/tasks/segments.sql insight_log_rfm

--@ comment src/sql/tasks/segments.sql insight_log_rfm

--@ function src/sql/tasks/clv.sql insight_clv_error_metrics

--@ comment src/sql/tasks/clv.sql insight_clv_error_metrics

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

--@ comment src/sql/tasks/clv.sql insight_clv_setup

--@ function src/sql/models/clv/models.sql insight_clv_model_unusable

--@ comment src/sql/models/clv/models.sql insight_clv_model_unusable
