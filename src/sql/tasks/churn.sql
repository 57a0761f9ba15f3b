-- ---------------------------------------------------------------------------
-- The churn task: labelled rows at a cutoff, out-of-time training and
-- evaluation, activation, scoring.
--
-- A customer has churned at cutoff c when they bought before c and make no
-- purchase (a line with a positive amount, as in insight_customer_features)
-- in [c, c + horizon).  Features are insight_customer_features(c).features,
-- computed from events strictly before c, so no label leaks into them.
-- ---------------------------------------------------------------------------

-- Every function here that reads insight_customer_features runs with
-- TimeZone UTC (and IntervalStyle postgres), so that
-- cutoff - horizon, the features' 90-day windows and the text of the horizon
-- never depend on the session's settings (a day is a UTC day).

-- Review features (params review_features, docs/reference/churn.md): a churn
-- model trained with them names the sentiment model that scored the reviews
-- (params.sentiment_model_id), and every function that builds a churn vector
-- builds it through insight_churn_features(as_of, that id), so training,
-- scoring, reasons, the views and the report see the same vector.

-- Why the review features of a sentiment model cannot be built, or NULL.
CREATE FUNCTION @extschema@.insight_churn_review_problem(sentiment_model_id bigint)
RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE
AS $$
SELECT CASE WHEN $1 IS NULL THEN NULL
            WHEN NOT EXISTS (SELECT 1 FROM @extschema@.insight_review_sources)
                THEN 'no review source is registered'
            WHEN (SELECT r.customer_column FROM @extschema@.insight_review_sources r) IS NULL
                THEN 'the review source has no customer column'
            WHEN (SELECT r.time_column FROM @extschema@.insight_review_sources r) IS NULL
                THEN 'the review source has no time column'
            WHEN NOT EXISTS (SELECT 1 FROM @extschema@.insight_models m
                              WHERE m.model_id OPERATOR(pg_catalog.=) $1 AND m.task OPERATOR(pg_catalog.=) 'sentiment')
                THEN pg_catalog.format('sentiment model %s does not exist', $1) END
$$;

COMMENT ON FUNCTION @extschema@.insight_churn_review_problem(bigint) IS
'Why the churn review features scored by a sentiment model cannot be built, or NULL when they can (always NULL for a NULL sentiment_model_id, a model without review features): no review source is registered, it has no customer column, it has no time column (the features count only the reviews written before the cutoff), or the sentiment model (insight_models.model_id of task sentiment) does not exist. The usable step of the churn task (insight_churn_usable) and insight_churn_review_features use it.';

-- The sentiment model of the review features, or the error that says why
-- they cannot be built.
CREATE FUNCTION @extschema@.insight_churn_review_model(sentiment_model_id bigint)
RETURNS bytea
LANGUAGE plpgsql STABLE PARALLEL SAFE
AS $$
DECLARE
    problem pg_catalog.text := @extschema@.insight_churn_review_problem(sentiment_model_id);
BEGIN
    IF problem IS NOT NULL THEN
        RAISE EXCEPTION 'review features cannot be built: %', problem
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  DETAIL = 'The churn review features count, per customer, the reviews of insight_reviews written before the cutoff, scored by a sentiment model: they need a review source with a customer and a time column, and that model.',
                  HINT = 'Register the reviews with insight_register_reviews(source, text_column, label_column, customer_column => ..., time_column => ...), train a sentiment model with insight_train_sentiment(), or train the churn model without review_features.';
    END IF;
    RETURN (SELECT m.weights FROM @extschema@.insight_models m WHERE m.model_id OPERATOR(pg_catalog.=) sentiment_model_id);
END
$$;

COMMENT ON FUNCTION @extschema@.insight_churn_review_model(bigint) IS
'The weights of the sentiment model that scores the churn review features (insight_models.model_id sentiment_model_id; NULL for NULL), or 55000 "review features cannot be built: ..." with the reason of insight_churn_review_problem. Used by insight_churn_review_features and by the churn setup (params review_features).';

CREATE FUNCTION @extschema@.insight_churn_review_features(as_of timestamptz, sentiment_model_id bigint, customer text DEFAULT NULL)
RETURNS TABLE (customer_id text, review_features float8[])
LANGUAGE plpgsql STABLE PARALLEL RESTRICTED  -- reads insight_reviews
SET TimeZone = 'UTC'
AS $$
DECLARE
    model pg_catalog.bytea;
    empty_score pg_catalog.float8;
BEGIN
    IF sentiment_model_id IS NULL THEN
        RETURN;
    END IF;
    model := @extschema@.insight_churn_review_model(sentiment_model_id);
    empty_score := @extschema@.insight_text_predict(model, '');
    as_of := COALESCE(as_of, @extschema@.insight_default_as_of());
    RETURN QUERY
        SELECT r.customer_id,
               ARRAY[pg_catalog.count(*)::pg_catalog.float8,
                     COALESCE(pg_catalog.avg(s.score), empty_score),
                     COALESCE((pg_catalog.count(*) FILTER (WHERE s.score OPERATOR(pg_catalog.<) 0.5))::pg_catalog.float8
                              OPERATOR(pg_catalog./) NULLIF(pg_catalog.count(s.score), 0), 0)]
          FROM @extschema@.insight_reviews r
          CROSS JOIN LATERAL (SELECT @extschema@.insight_text_predict(model, r.review) AS score) s
         WHERE r.customer_id IS NOT NULL
           AND r.reviewed_at OPERATOR(pg_catalog.<) as_of
           AND (customer IS NULL OR r.customer_id OPERATOR(pg_catalog.=) customer)
         GROUP BY r.customer_id;
END
$$;

COMMENT ON FUNCTION @extschema@.insight_churn_review_features(timestamptz, bigint, text) IS
'The review features of the churn task (insight_churn_review_names) per customer of insight_reviews, as of as_of (default: insight_default_as_of()): only the reviews with reviewed_at < as_of count (a NULL reviewed_at never does). review_count: their number (with or without a text); review_mean_sentiment: their mean probability positive under the sentiment model sentiment_model_id (insight_text_predict; reviews without a text are not scored), the model''s empty-document score when none is scored; review_share_negative: the share of the scored ones below 0.5, 0 when none is. customer_id is the text form of the review source''s customer key, matched with the sales source''s by text (as insight_churn(customer text) takes it). With customer, only that customer''s reviews. No rows when sentiment_model_id is NULL. 55000 "review features cannot be built" for the reasons of insight_churn_review_problem. Reads the review source with the caller''s privileges.';

CREATE FUNCTION @extschema@.insight_churn_review_default(sentiment_model_id bigint)
RETURNS float8[]
LANGUAGE sql STABLE PARALLEL SAFE
AS $$
SELECT CASE WHEN $1 IS NULL THEN '{}'::pg_catalog.float8[]
            ELSE ARRAY[0, (SELECT @extschema@.insight_text_predict(m.weights, '') FROM @extschema@.insight_models m
                            WHERE m.model_id OPERATOR(pg_catalog.=) $1), 0]::pg_catalog.float8[] END
$$;

COMMENT ON FUNCTION @extschema@.insight_churn_review_default(bigint) IS
'The review features of a customer without a review before the cutoff: review_count 0, review_mean_sentiment the empty-document score of the sentiment model (sigmoid of its intercept: what it says of a review it knows nothing of; the count tells the model there was none), review_share_negative 0. {} when sentiment_model_id is NULL (a churn model without review features).';

CREATE FUNCTION @extschema@.insight_churn_review_names()
RETURNS text[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$ SELECT ARRAY['review_count', 'review_mean_sentiment', 'review_share_negative']::pg_catalog.text[] $$;

COMMENT ON FUNCTION @extschema@.insight_churn_review_names() IS
'Names of the review features a churn model trained with review_features appends to insight_feature_names(), in order (insight_churn_review_features).';

CREATE FUNCTION @extschema@.insight_churn_feature_names(sentiment_model_id bigint DEFAULT NULL)
RETURNS text[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
SELECT @extschema@.insight_feature_names() OPERATOR(pg_catalog.||)
       CASE WHEN $1 IS NULL THEN '{}'::pg_catalog.text[] ELSE @extschema@.insight_churn_review_names() END
$$;

COMMENT ON FUNCTION @extschema@.insight_churn_feature_names(bigint) IS
'Names of the elements of a churn vector (insight_churn_features(...).churn_features): insight_feature_names(), then insight_churn_review_names() for a model trained with review features (sentiment_model_id, its params.sentiment_model_id, not NULL).';

-- The churn vector of every customer (or of one), as of a time: the one
-- function every scorer of the churn model reads.
CREATE FUNCTION @extschema@.insight_churn_features(as_of timestamptz DEFAULT NULL, sentiment_model_id bigint DEFAULT NULL,
                                                   customer text DEFAULT NULL)
RETURNS TABLE (customer_id text, recency_days float8, frequency integer, monetary float8,
               tenure_days float8, orders integer, items float8, total_spend float8,
               spend_90d float8, spend_trend float8, mean_days_between_orders float8,
               sd_days_between_orders float8, distinct_items integer, return_rate float8,
               features float8[], churn_features float8[])
LANGUAGE sql STABLE PARALLEL SAFE
SET TimeZone = 'UTC'
SET IntervalStyle = 'postgres'
AS $$
WITH f AS (
    SELECT c.customer_id::pg_catalog.text AS customer_id, c.recency_days, c.frequency, c.monetary, c.tenure_days,
           c.orders, c.items, c.total_spend, c.spend_90d, c.spend_trend, c.mean_days_between_orders,
           c.sd_days_between_orders, c.distinct_items, c.return_rate, c.features
      FROM @extschema@.insight_customer_features($1) c WHERE $3 IS NULL
    UNION ALL
    -- only this customer's lines, compared in the source's key type
    SELECT c.customer_id::pg_catalog.text, c.recency_days, c.frequency, c.monetary, c.tenure_days,
           c.orders, c.items, c.total_spend, c.spend_90d, c.spend_trend, c.mean_days_between_orders,
           c.sd_days_between_orders, c.distinct_items, c.return_rate, c.features
      FROM @extschema@.insight_customer_features_of($3, $1) c WHERE $3 IS NOT NULL
)
SELECT f.customer_id, f.recency_days, f.frequency, f.monetary, f.tenure_days, f.orders, f.items, f.total_spend,
       f.spend_90d, f.spend_trend, f.mean_days_between_orders, f.sd_days_between_orders, f.distinct_items,
       f.return_rate, f.features, f.features OPERATOR(pg_catalog.||) COALESCE(r.review_features, d.neutral)
  FROM f
  CROSS JOIN (SELECT @extschema@.insight_churn_review_default($2) AS neutral) d
  LEFT JOIN @extschema@.insight_churn_review_features($1, $2, $3) r
         ON r.customer_id OPERATOR(pg_catalog.=) f.customer_id
$$;

COMMENT ON FUNCTION @extschema@.insight_churn_features(timestamptz, bigint, text) IS
'The churn vector of every customer with a purchase before as_of (default: just after the latest event), or with customer (the text form of a key) of that customer alone, reading only their lines: the columns of insight_customer_features(as_of) with customer_id as text, and churn_features = features followed, when sentiment_model_id is not NULL, by the review features scored by that sentiment model (insight_churn_review_features, as of the same as_of; insight_churn_review_default for a customer without a review before it). Names: insight_churn_feature_names(sentiment_model_id). Every function that scores with the churn model builds its vector here, with the model''s params.sentiment_model_id (NULL for a model trained without review features).';

CREATE FUNCTION @extschema@.insight_churn_usable(model @extschema@.insight_models)
RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE
AS $$ SELECT @extschema@.insight_churn_review_problem((model.params OPERATOR(pg_catalog.->>) 'sentiment_model_id')::bigint) $$;

COMMENT ON FUNCTION @extschema@.insight_churn_usable(@extschema@.insight_models) IS
'Churn step usable: NULL for a model trained without review features; for one trained with them, why its review features cannot be built (insight_churn_review_problem of its params.sentiment_model_id: the review source unregistered or without a customer or time column, the sentiment model gone), so that the views leave its column NULL instead of failing.';

CREATE FUNCTION @extschema@.insight_churn_training_rows(cutoff timestamptz, horizon interval, sentiment_model_id bigint DEFAULT NULL)
RETURNS TABLE (customer_id text, features float8[], churned boolean, recency_days float8)
LANGUAGE sql STABLE PARALLEL SAFE
SET TimeZone = 'UTC'
SET IntervalStyle = 'postgres'
AS $$
WITH buyers AS (
    -- (the label's pass: on Citus, on the shards)
    SELECT w.customer_id::pg_catalog.text AS customer_id
      FROM @extschema@.insight_sales_window($1, $1 OPERATOR(pg_catalog.+) $2) w
     WHERE w.bought
)
SELECT f.customer_id, f.churn_features, b.customer_id IS NULL, f.recency_days
  FROM @extschema@.insight_churn_features($1, $3) f
  LEFT JOIN buyers b ON b.customer_id OPERATOR(pg_catalog.=) f.customer_id
 ORDER BY 1
$$;

COMMENT ON FUNCTION @extschema@.insight_churn_training_rows(timestamptz, interval, bigint) IS
'Labelled churn rows at a cutoff: one row per customer with a purchase strictly before cutoff; features = the churn vector insight_churn_features(cutoff, sentiment_model_id).churn_features (events and reviews before cutoff only; without sentiment_model_id, insight_customer_features(cutoff).features), churned = no purchase in [cutoff, cutoff + horizon), recency_days = the recency feature (the baseline score). customer_id as text.';

-- The algorithms of the churn task: one row each, in order of complexity
-- ('auto' prefers the simpler of two with the same AUC).  A new algorithm is
-- a row here and a branch of insight_churn_fit.
CREATE FUNCTION @extschema@.insight_churn_algorithms()
RETURNS TABLE (algorithm text, model_algorithm text, defaults jsonb, complexity integer)
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
VALUES ('logistic', 'logreg', '{"lambda": 1, "max_iterations": 100, "tolerance": 1e-8}'::pg_catalog.jsonb, 1),
       ('gbdt', 'gbdt', '{"rounds": 100, "max_depth": 3, "eta": 0.1}'::pg_catalog.jsonb, 2),
       ('mlp', 'mlp', '{"hidden": [64, 32], "epochs": 40, "batch_size": 256, "learning_rate": 0.001,
                        "weight_decay": 0.01, "dropout": 0.1, "validation_fraction": 0.2, "patience": 5,
                        "seed": 1}'::pg_catalog.jsonb, 3)
$$;

COMMENT ON FUNCTION @extschema@.insight_churn_algorithms() IS
'The algorithms insight_train_churn() takes, in order of complexity: logistic (L2-penalised logistic regression, insight_logreg_fit; model algorithm logreg), gbdt (gradient-boosted trees, insight_gbdt_fit; model algorithm gbdt) and mlp (a multilayer perceptron with a binary cross-entropy loss, insight_mlp_fit; model algorithm mlp), with their default hyper-parameters. algorithm => ''auto'' trains each on the same out-of-time windows and keeps the one with the best AUC, the simpler one on a tie.';

-- Hyper-parameters of the logistic churn model, defaults filled in.
CREATE FUNCTION @extschema@.insight_churn_params(params jsonb)
RETURNS jsonb
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE
AS $$
DECLARE
    k pg_catalog.text;
BEGIN
    params := COALESCE(params, '{}');
    IF pg_catalog.jsonb_typeof(params) OPERATOR(pg_catalog.<>) 'object' THEN
        RAISE EXCEPTION 'churn params must be a JSON object'
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    FOR k IN SELECT pg_catalog.jsonb_object_keys(params) LOOP
        IF NOT k OPERATOR(pg_catalog.=) ANY ('{lambda,max_iterations,tolerance}') THEN
            RAISE EXCEPTION 'unknown churn parameter "%"', k
                USING ERRCODE = 'invalid_parameter_value',
                      HINT = 'The logistic churn model takes lambda (default 1), max_iterations (100) and tolerance (1e-8).';
        END IF;
        IF pg_catalog.jsonb_typeof(params OPERATOR(pg_catalog.->) k) OPERATOR(pg_catalog.<>) 'number' THEN
            RAISE EXCEPTION 'churn parameter "%" must be a number', k
                USING ERRCODE = 'invalid_parameter_value';
        END IF;
    END LOOP;
    RETURN (SELECT a.defaults FROM @extschema@.insight_churn_algorithms() a
             WHERE a.algorithm OPERATOR(pg_catalog.=) 'logistic') OPERATOR(pg_catalog.||) params;
END
$$;

COMMENT ON FUNCTION @extschema@.insight_churn_params(jsonb) IS
'Validated hyper-parameters of the logistic churn model with their defaults: lambda 1 (L2 penalty, scikit-learn C = 1/lambda), max_iterations 100, tolerance 1e-8 (see insight_logreg_fit). Unknown keys and non-numbers are errors.';

-- A timestamptz as ISO 8601 in UTC, whatever the session's TimeZone.
CREATE FUNCTION @extschema@.insight_utc_text(t timestamptz)
RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
AS $$ SELECT pg_catalog.to_char(t AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') $$;

COMMENT ON FUNCTION @extschema@.insight_utc_text(timestamptz) IS
'A timestamptz as ISO 8601 text in UTC with microseconds (2011-09-10T12:50:00.000001Z), independent of the session''s TimeZone.';

-- Hyper-parameters of a churn algorithm (or of every one, for 'auto'),
-- defaults filled in.
CREATE FUNCTION @extschema@.insight_churn_algorithm_params(algorithm text, params jsonb)
RETURNS jsonb
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE
AS $$
DECLARE
    a record;
    k pg_catalog.text;
    result pg_catalog.jsonb := '{}';
BEGIN
    params := COALESCE(params, '{}');
    IF pg_catalog.jsonb_typeof(params) OPERATOR(pg_catalog.<>) 'object' THEN
        RAISE EXCEPTION 'churn params must be a JSON object'
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF algorithm OPERATOR(pg_catalog.=) 'auto' THEN
        -- one object of hyper-parameters per algorithm: {"gbdt": {"rounds": 200}}
        FOR k IN SELECT pg_catalog.jsonb_object_keys(params) LOOP
            IF NOT EXISTS (SELECT FROM @extschema@.insight_churn_algorithms() x WHERE x.algorithm OPERATOR(pg_catalog.=) k) THEN
                RAISE EXCEPTION 'unknown churn algorithm "%" in the params of algorithm auto', k
                    USING ERRCODE = 'invalid_parameter_value',
                          HINT = 'With algorithm ''auto'', params holds one object of hyper-parameters per algorithm, for example {"gbdt": {"rounds": 200}}; the algorithms are '
                                 OPERATOR(pg_catalog.||) (SELECT pg_catalog.string_agg(pg_catalog.quote_literal(x.algorithm), ', ' ORDER BY x.complexity)
                                                            FROM @extschema@.insight_churn_algorithms() x) OPERATOR(pg_catalog.||) '.';
            END IF;
        END LOOP;
        FOR a IN SELECT * FROM @extschema@.insight_churn_algorithms() x ORDER BY x.complexity LOOP
            result := result OPERATOR(pg_catalog.||) pg_catalog.jsonb_build_object(a.algorithm,
                @extschema@.insight_churn_algorithm_params(a.algorithm, params OPERATOR(pg_catalog.->) a.algorithm));
        END LOOP;
        RETURN result;
    END IF;
    SELECT * INTO a FROM @extschema@.insight_churn_algorithms() x WHERE x.algorithm OPERATOR(pg_catalog.=) $1;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'unknown churn algorithm "%"', algorithm
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'The churn task takes algorithm '
                         OPERATOR(pg_catalog.||) (SELECT pg_catalog.string_agg(pg_catalog.quote_literal(x.algorithm), ', ' ORDER BY x.complexity)
                                                    FROM @extschema@.insight_churn_algorithms() x)
                         OPERATOR(pg_catalog.||) ' or ''auto'' (the best of them by out-of-time AUC).';
    END IF;
    IF a.algorithm OPERATOR(pg_catalog.=) 'logistic' THEN
        RETURN @extschema@.insight_churn_params(params);
    END IF;
    IF a.algorithm OPERATOR(pg_catalog.=) 'mlp' THEN
        RETURN @extschema@.insight_mlp_params(params, a.defaults, 'mlp churn model');
    END IF;
    -- gbdt's fit validates its own keys and ranges
    RETURN a.defaults OPERATOR(pg_catalog.||) params;
END
$$;

COMMENT ON FUNCTION @extschema@.insight_churn_algorithm_params(text, jsonb) IS
'Hyper-parameters of a churn algorithm (insight_churn_algorithms) with its defaults: logistic see insight_churn_params; gbdt any key of insight_gbdt_fit (validated when it fits; defaults rounds 100, max_depth 3, eta 0.1); mlp the arguments of insight_mlp_fit (hidden [64, 32], epochs 40, batch_size 256, learning_rate 0.001, weight_decay 0.01, dropout 0.1, validation_fraction 0.2, patience 5, seed 1; ranges checked when it fits). For algorithm auto, params holds one object per algorithm ({"gbdt": {"rounds": 200}}) and the result has every algorithm''s. Unknown algorithms and keys are errors (22023).';

-- The out-of-time windows of a task that learns from the horizon after a
-- cutoff (churn, value).  With T = as_of (default: just after the latest
-- event): the model is fitted on the labelled window at T - 2 horizon,
-- measured on the one at T - horizon, and the serving model is fitted on
-- that latest window.
CREATE FUNCTION @extschema@.insight_horizon_windows(task text, horizon interval, as_of timestamptz)
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
    t_end := COALESCE(as_of, @extschema@.insight_default_as_of());
    IF t_end IS NULL THEN
        RAISE EXCEPTION 'no training rows'
            USING ERRCODE = 'data_exception',
                  DETAIL = 'The registered sales source has no kept order lines.';
    END IF;
    c_test := t_end OPERATOR(pg_catalog.-) horizon;
    t.task := task;
    t.feature_names := @extschema@.insight_feature_names();
    t.setup := pg_catalog.jsonb_build_object('horizon', horizon::pg_catalog.text,
        'train_cutoff', c_test OPERATOR(pg_catalog.-) horizon, 'test_cutoff', c_test,
        'temp_tables', pg_catalog.jsonb_build_array(pg_catalog.format('insight_%s_train', task),
                                                    pg_catalog.format('insight_%s_test', task)));
    t.metrics := pg_catalog.jsonb_build_object(
        'horizon', horizon::pg_catalog.text,
        'as_of', @extschema@.insight_utc_text(t_end),
        'train_cutoff', @extschema@.insight_utc_text(c_test OPERATOR(pg_catalog.-) horizon),
        'test_cutoff', @extschema@.insight_utc_text(c_test));
    RETURN t;
END
$$;

COMMENT ON FUNCTION @extschema@.insight_horizon_windows(text, interval, timestamptz) IS
'The out-of-time windows of a task that learns what happens in the horizon after a cutoff (churn, value): an insight_training with task, feature_names (insight_feature_names), setup (horizon, train_cutoff = as_of - 2*horizon, test_cutoff = as_of - horizon, temp_tables insight_<task>_train and insight_<task>_test) and metrics (the same times as ISO 8601 text in UTC). as_of NULL: just after the latest event (insight_default_as_of). Errors: a horizon that is not positive (22023); no kept order lines (22000 "no training rows").';

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
    t @extschema@.insight_training := @extschema@.insight_horizon_windows('churn', horizon, as_of);
    review_features pg_catalog.jsonb := params OPERATOR(pg_catalog.->) 'review_features';
    sentiment_model_id bigint;
BEGIN
    IF algorithm IS NULL THEN
        RAISE EXCEPTION 'the churn algorithm must not be NULL'
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF review_features IS NOT NULL AND pg_catalog.jsonb_typeof(review_features) OPERATOR(pg_catalog.<>) 'boolean' THEN
        RAISE EXCEPTION 'churn parameter "review_features" must be true or false'
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    -- review features: scored by the sentiment model active now, which the
    -- churn model names (params.sentiment_model_id) to build the same vector
    IF review_features::pg_catalog.text::boolean THEN
        SELECT m.model_id INTO sentiment_model_id FROM @extschema@.insight_active_model('sentiment') m;
        IF sentiment_model_id IS NULL THEN
            RAISE EXCEPTION 'review features need an active sentiment model'
                USING ERRCODE = 'object_not_in_prerequisite_state',
                      HINT = 'Train one with SELECT insight_train_sentiment(); or leave out review_features.';
        END IF;
        PERFORM @extschema@.insight_churn_review_model(sentiment_model_id);
    END IF;
    -- (a retraining passes the params of the model it replaces: the
    -- sentiment model is the one active now, not the one it named)
    t.params := @extschema@.insight_churn_algorithm_params(algorithm,
                    params OPERATOR(pg_catalog.-) '{review_features,sentiment_model_id}'::pg_catalog.text[])
                OPERATOR(pg_catalog.||) pg_catalog.jsonb_build_object('algorithm', algorithm, 'horizon', horizon::pg_catalog.text);
    IF sentiment_model_id IS NOT NULL THEN
        t.params := t.params OPERATOR(pg_catalog.||)
                    pg_catalog.jsonb_build_object('review_features', true, 'sentiment_model_id', sentiment_model_id);
    END IF;
    t.feature_names := @extschema@.insight_churn_feature_names(sentiment_model_id);
    t.algorithm := (SELECT x.model_algorithm FROM @extschema@.insight_churn_algorithms() x
                     WHERE x.algorithm OPERATOR(pg_catalog.=) $3);   -- auto: set by evaluate
    RETURN t;
END
$$;

COMMENT ON FUNCTION @extschema@.insight_churn_setup(interval, timestamptz, text, jsonb) IS
'The churn task''s entry step: validates the arguments of insight_train_churn() and returns the insight_training that insight_train_task() takes (cutoffs in setup, params with defaults (insight_churn_algorithm_params), algorithm and horizon; with params review_features true, the active sentiment model''s id as params.sentiment_model_id and the review features'' names in feature_names (insight_churn_feature_names); a sentiment_model_id in params, as a retraining passes it, is replaced by the active one). Errors of review_features: 22023 not a boolean; 55000 no active sentiment model, no review source, or one without a customer or time column.';

-- Fit the churn model of the params on a labelled-rows temporary table: the
-- algorithm of params, or for 'auto' the one named by params.chosen.
CREATE FUNCTION @extschema@.insight_churn_fit(params jsonb, rows_table text)
RETURNS bytea
LANGUAGE plpgsql
AS $$
DECLARE
    algorithm pg_catalog.text := COALESCE(params OPERATOR(pg_catalog.->>) 'chosen', params OPERATOR(pg_catalog.->>) 'algorithm');
    -- (on the shards: collected there and read in customer order, as from
    -- the temporary table, so that the model is the same to the last bit;
    -- the logistic's pass-per-iteration path, in_memory => false, would sum
    -- on the shards, but those sums' last bits follow the order in which
    -- the shards answer: docs/operations.md)
    query pg_catalog.text := @extschema@.insight_training_rows_sql(rows_table, 't.features', 't.churned', true);
    p pg_catalog.jsonb := CASE WHEN params OPERATOR(pg_catalog.->>) 'algorithm' OPERATOR(pg_catalog.=) 'auto'
                               THEN params OPERATOR(pg_catalog.->) algorithm
                               ELSE params OPERATOR(pg_catalog.-) '{algorithm,horizon,chosen,review_features,sentiment_model_id}'::pg_catalog.text[] END;
BEGIN
    IF algorithm OPERATOR(pg_catalog.=) 'logistic' THEN
        RETURN @extschema@.insight_logreg_fit(query,
            (p OPERATOR(pg_catalog.->>) 'lambda')::pg_catalog.float8,
            (p OPERATOR(pg_catalog.->>) 'max_iterations')::integer,
            (p OPERATOR(pg_catalog.->>) 'tolerance')::pg_catalog.float8);
    ELSIF algorithm OPERATOR(pg_catalog.=) 'gbdt' THEN
        RETURN @extschema@.insight_gbdt_fit(query, p OPERATOR(pg_catalog.||)
            pg_catalog.jsonb_build_object('feature_names', @extschema@.insight_churn_feature_names(
                (params OPERATOR(pg_catalog.->>) 'sentiment_model_id')::bigint)));
    ELSIF algorithm OPERATOR(pg_catalog.=) 'mlp' THEN
        RETURN @extschema@.insight_mlp_fit_params(query, 'binary', p);
    END IF;
    RAISE EXCEPTION 'unknown churn algorithm "%"', algorithm
        USING ERRCODE = 'invalid_parameter_value';
END
$$;

COMMENT ON FUNCTION @extschema@.insight_churn_fit(jsonb, text) IS
'Fits the churn model of the params (insight_churn_algorithm_params, with algorithm and horizon; for algorithm auto the one named by params.chosen) on the labelled rows called rows_table (insight_training_relation: a temporary table of insight_churn_training_rows, or on Citus this backend''s table on the shards): logistic with insight_logreg_fit (in memory), gbdt with insight_gbdt_fit (feature names from insight_churn_feature_names, with the review features of a model trained with them), mlp with insight_mlp_fit (loss binary). Each reads every row (insight_training_rows_sql), in customer order: on Citus collected on the shards by insight_rows_pack, so that one partial state per shard reaches the coordinator, once per fit, and the model is the same to the last bit as on a single node (the logistic''s pass-per-iteration path would sum on the shards, in the order they answer, which changes the last bits from run to run). A new churn algorithm is a row of insight_churn_algorithms and a branch here.';

CREATE FUNCTION @extschema@.insight_churn_prepare(t @extschema@.insight_training)
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
    c pg_catalog.timestamptz;
    rows_table pg_catalog.text;
BEGIN
    -- the labelled windows, materialised once for all passes: on Citus on
    -- the shards (without review features, whose source is on the
    -- coordinator): the features and the buyers of the horizon, joined on
    -- the customer
    FOREACH c IN ARRAY ARRAY[c_train, c_test] LOOP
        rows_table := @extschema@.insight_training_table(
            CASE WHEN c OPERATOR(pg_catalog.=) c_train THEN 'insight_churn_train' ELSE 'insight_churn_test' END,
            pg_catalog.format('SELECT * FROM %I.insight_churn_training_rows(%L::pg_catalog.timestamptz, %L::interval, %L::bigint)',
                              '@extschema@', c, horizon, sentiment_model_id),
            CASE WHEN sentiment_model_id IS NULL THEN @extschema@.insight_labelled_window_sql('churn', c, horizon) END,
            'customer_id text, features float8[], churned boolean, recency_days float8');
    END LOOP;
    EXECUTE pg_catalog.format('SELECT pg_catalog.count(*), pg_catalog.avg(r.churned::integer) FROM %s r',
                              @extschema@.insight_training_relation('insight_churn_train'))
       INTO n_train, train_rate;
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
'Churn step prepare: the labelled rows at the training and the test cutoff (insight_churn_training_rows, with the review features of params.sentiment_model_id when it is set) in the tables insight_churn_train and insight_churn_test of insight_training_table: temporary tables, or on Citus, with the source distributed by customer and no review features, tables co-located with the source filled on the shards by one INSERT ... SELECT each (insight_labelled_window_sql(''churn'', ...)); "no training rows" (22000) when the first is empty.';

-- The charts of an out-of-time churn evaluation, computed once by the
-- evaluate step and stored in metrics.curves (insight_report_html draws them):
-- ROC of the model and of recency alone, churners by decile of risk (gain)
-- and predicted against observed churn by decile of probability
-- (calibration).  ps, ys and rs pair up by position, in customer order.
CREATE FUNCTION @extschema@.insight_churn_curves(ps float8[], ys boolean[], rs float8[])
RETURNS jsonb
LANGUAGE sql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
WITH d AS (
    SELECT u.p, u.y, pg_catalog.ntile(10) OVER (ORDER BY u.p DESC) AS risk_decile,
           pg_catalog.ntile(10) OVER (ORDER BY u.p) AS decile
      FROM ROWS FROM (pg_catalog.unnest(ps), pg_catalog.unnest(ys)) u(p, y) WHERE u.p IS NOT NULL
), gain AS (
    SELECT pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object('decile', g.decile, 'customers', g.n, 'churners', g.churners) ORDER BY g.decile) AS j
      FROM (SELECT d.risk_decile AS decile, pg_catalog.count(*) AS n, pg_catalog.count(*) FILTER (WHERE d.y) AS churners
              FROM d GROUP BY 1) g
), cal AS (
    SELECT pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object('decile', c.decile, 'customers', c.n, 'predicted', c.predicted,
                                                              'observed', c.observed) ORDER BY c.decile) AS j
      FROM (SELECT d.decile, pg_catalog.count(*) AS n, pg_catalog.avg(d.p) AS predicted,
                   pg_catalog.avg(d.y::integer)::pg_catalog.float8 AS observed
              FROM d GROUP BY 1) c
)
SELECT pg_catalog.jsonb_build_object(
           'roc_model', @extschema@.insight_report_roc(ps, ys),
           'roc_recency', @extschema@.insight_report_roc(rs, ys),
           'gain', COALESCE(gain.j, '[]'), 'calibration', COALESCE(cal.j, '[]'))
  FROM gain, cal
$$;

COMMENT ON FUNCTION @extschema@.insight_churn_curves(float8[], boolean[], float8[]) IS
'The charts of an out-of-time churn evaluation from the predicted probabilities ps, the labels ys (true = churned) and the recency scores rs of the test rows (pairs by position; rows with a NULL probability left out): roc_model and roc_recency (insight_report_roc: [false positive rate, true positive rate] points), gain (per decile of risk, highest first, by ntile(10): customers and churners) and calibration (per decile of the probability, lowest first: customers, mean predicted probability, observed churn rate). Stored by insight_churn_evaluate in metrics.curves; insight_report_html draws them (and computes them on the test window for a model trained without them).';

CREATE FUNCTION @extschema@.insight_churn_evaluate(t @extschema@.insight_training)
RETURNS @extschema@.insight_training
LANGUAGE plpgsql
SET TimeZone = 'UTC'
SET IntervalStyle = 'postgres'
AS $$
DECLARE
    a record;
    w pg_catalog.bytea;
    auc pg_catalog.float8;
    candidates pg_catalog.jsonb := '{}';
    chosen pg_catalog.text;
    m pg_catalog.jsonb;
    test_metrics pg_catalog.jsonb;
    curves pg_catalog.jsonb;
    n_test bigint;
    test_rows pg_catalog.text := @extschema@.insight_training_relation('insight_churn_test');
BEGIN
    -- out-of-time evaluation: fit at the training cutoff, measure at the test
    -- cutoff; for 'auto' every algorithm, keeping the best AUC (the simpler
    -- one on a tie, or when no AUC is defined)
    FOR a IN SELECT * FROM @extschema@.insight_churn_algorithms() x
              WHERE t.params OPERATOR(pg_catalog.->>) 'algorithm' OPERATOR(pg_catalog.=) ANY (ARRAY[x.algorithm, 'auto'])
              ORDER BY x.complexity LOOP
        w := @extschema@.insight_churn_fit(t.params OPERATOR(pg_catalog.||) pg_catalog.jsonb_build_object('chosen', a.algorithm),
                                           'insight_churn_train');
        -- (the model a parameter, which Citus puts into the shards' queries:
        -- the aggregate runs there)
        EXECUTE pg_catalog.format('SELECT %1$I.insight_binary_metrics(%1$I.insight_predict($1, r.features), r.churned)
                                     FROM %2$s r', '@extschema@', test_rows)
           INTO m USING w;
        auc := (m OPERATOR(pg_catalog.->>) 'auc')::pg_catalog.float8;
        -- the charts of the evaluation, in customer order (as insight_report_html
        -- drew them; on Citus the predictions computed on the shards, one
        -- partial state per shard reaching the coordinator)
        EXECUTE pg_catalog.format('SELECT %I.insight_churn_curves(a.p, a.churned::integer[]::boolean[], a.recency_days) FROM (%s) a',
                                  '@extschema@', @extschema@.insight_training_arrays_sql('insight_churn_test',
                                      '{p,churned,recency_days}',
                                      ARRAY[pg_catalog.format('%I.insight_predict($1, t.features)', '@extschema@'),
                                            't.churned::integer', 't.recency_days']))
           INTO curves USING w;
        m := m OPERATOR(pg_catalog.||) pg_catalog.jsonb_build_object('curves', curves);
        candidates := candidates OPERATOR(pg_catalog.||) pg_catalog.jsonb_build_object(a.algorithm, auc);
        IF chosen IS NULL OR auc OPERATOR(pg_catalog.>) t.score OR (t.score IS NULL AND auc IS NOT NULL) THEN
            chosen := a.algorithm;
            t.algorithm := a.model_algorithm;
            t.evaluation_weights := w;
            t.score := auc;
            test_metrics := m;
        END IF;
    END LOOP;
    IF t.params OPERATOR(pg_catalog.->>) 'algorithm' OPERATOR(pg_catalog.=) 'auto' THEN
        t.params := t.params OPERATOR(pg_catalog.||) pg_catalog.jsonb_build_object('chosen', chosen);
        RAISE NOTICE 'churn algorithm auto: % has the best out-of-time AUC (%)', chosen,
            (SELECT pg_catalog.string_agg(pg_catalog.format('%s %s', c.key, @extschema@.insight_notice_number(c.value::pg_catalog.float8)), ', ')
               FROM pg_catalog.jsonb_each_text(candidates) c);
    END IF;
    EXECUTE pg_catalog.format('SELECT %I.insight_auc(r.recency_days, r.churned), pg_catalog.count(*) FROM %s r',
                              '@extschema@', test_rows)
       INTO t.baseline_score, n_test;
    t.metrics := t.metrics OPERATOR(pg_catalog.||) pg_catalog.jsonb_build_object(
        'algorithm', chosen,
        'candidates', candidates,
        'test_rows', n_test,
        'auc', t.score,
        'test', test_metrics OPERATOR(pg_catalog.-) 'curves',
        'curves', test_metrics OPERATOR(pg_catalog.->) 'curves',
        'baseline', pg_catalog.jsonb_build_object('score', 'recency_days', 'auc', t.baseline_score),
        'beats_baseline', t.score OPERATOR(pg_catalog.>) t.baseline_score);
    RETURN t;
END
$$;

COMMENT ON FUNCTION @extschema@.insight_churn_evaluate(@extschema@.insight_training) IS
'Churn step evaluate: fits the evaluation model on insight_churn_train and measures it on insight_churn_test (insight_binary_metrics, an aggregate with the model as a parameter, which Citus puts into the shards'' queries, so on Citus it runs on the shards; score: AUC) next to the baseline, the AUC of recency_days alone, and stores the charts of the chosen model''s evaluation in metrics.curves (insight_churn_curves: ROC of the model and of recency, gain and calibration by decile; over the predictions, labels and recencies of the test rows in customer order, insight_training_arrays_sql: on Citus the predictions are computed on the shards and collected there by insight_rows_pack, one partial state per shard reaching the coordinator). With algorithm auto it fits every algorithm of insight_churn_algorithms, keeps the one with the best AUC (the simpler one on a tie; params.chosen names it, with a NOTICE) and records each one''s AUC in metrics.candidates.';

CREATE FUNCTION @extschema@.insight_churn_serve(t @extschema@.insight_training)
RETURNS @extschema@.insight_training
LANGUAGE plpgsql
SET TimeZone = 'UTC'
SET IntervalStyle = 'postgres'
AS $$
DECLARE
    c_test pg_catalog.timestamptz := (t.setup OPERATOR(pg_catalog.->>) 'test_cutoff')::pg_catalog.timestamptz;
    msg pg_catalog.text;
BEGIN
    -- the model that serves: fitted on the latest labelled window
    BEGIN
        t.weights := @extschema@.insight_churn_fit(t.params, 'insight_churn_test');
        t.trained_as_of := c_test;
    EXCEPTION WHEN data_exception THEN
        GET STACKED DIAGNOSTICS msg = MESSAGE_TEXT;
        IF NOT msg OPERATOR(pg_catalog.=) ANY (ARRAY['no training rows', 'training rows hold only one class']) THEN
            RAISE;
        END IF;
        t.weights := t.evaluation_weights;
        t.trained_as_of := (t.setup OPERATOR(pg_catalog.->>) 'train_cutoff')::pg_catalog.timestamptz;
        RAISE NOTICE 'the latest labelled window (cutoff %) cannot be fitted: %; the model fitted at % serves',
            t.metrics OPERATOR(pg_catalog.->>) 'test_cutoff', msg, t.metrics OPERATOR(pg_catalog.->>) 'train_cutoff';
    END;
    t.metrics := t.metrics OPERATOR(pg_catalog.||) pg_catalog.jsonb_build_object(
        'serve_cutoff', @extschema@.insight_utc_text(t.trained_as_of),
        'serve_rows', t.metrics OPERATOR(pg_catalog.->) CASE WHEN t.trained_as_of OPERATOR(pg_catalog.=) c_test
                                                             THEN 'test_rows' ELSE 'train_rows' END);
    RETURN t;
END
$$;

COMMENT ON FUNCTION @extschema@.insight_churn_serve(@extschema@.insight_training) IS
'Churn step serve: fits the serving model on the latest labelled window (insight_churn_test); when that window has one class only (or no rows), the evaluation model serves, with a NOTICE.';

CREATE FUNCTION @extschema@.insight_churn_compare(t @extschema@.insight_training, active @extschema@.insight_models)
RETURNS jsonb
LANGUAGE plpgsql
SET TimeZone = 'UTC'
SET IntervalStyle = 'postgres'
AS $$
DECLARE
    active_auc pg_catalog.float8;
    active_sentiment bigint := (active.params OPERATOR(pg_catalog.->>) 'sentiment_model_id')::bigint;
BEGIN
    -- the active model's evaluation model on the same window, on its own
    -- vector when it was trained with other review features
    BEGIN
        IF active_sentiment IS NOT DISTINCT FROM (t.params OPERATOR(pg_catalog.->>) 'sentiment_model_id')::bigint THEN
            -- (the model a parameter: on Citus the aggregate runs on the shards)
            EXECUTE pg_catalog.format('SELECT %1$I.insight_auc(%1$I.insight_predict($1, r.features), r.churned)
                                         FROM %2$s r', '@extschema@',
                                      @extschema@.insight_training_relation('insight_churn_test'))
               INTO active_auc USING COALESCE(active.evaluation_weights, active.weights);
        ELSE
            EXECUTE pg_catalog.format('SELECT %1$I.insight_auc(%1$I.insight_predict($1, f.churn_features), r.churned)
                                         FROM %2$s r
                                         JOIN %1$I.insight_churn_features(%3$L::pg_catalog.timestamptz, %4$L::bigint) f
                                           ON f.customer_id OPERATOR(pg_catalog.=) r.customer_id',
                                      '@extschema@', @extschema@.insight_training_relation('insight_churn_test'),
                                      t.setup OPERATOR(pg_catalog.->>) 'test_cutoff', active_sentiment)
               INTO active_auc USING COALESCE(active.evaluation_weights, active.weights);
        END IF;
    EXCEPTION WHEN array_subscript_error OR invalid_parameter_value OR data_corrupted
                   OR feature_not_supported OR object_not_in_prerequisite_state THEN
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

UPDATE @extschema@.insight_task_steps SET usable = '@extschema@.insight_churn_usable(@extschema@.insight_models)'
 WHERE task OPERATOR(pg_catalog.=) 'churn';

CREATE FUNCTION @extschema@.insight_train_churn(horizon interval DEFAULT '90 days',
                                                as_of timestamptz DEFAULT NULL,
                                                algorithm text DEFAULT 'logistic',
                                                params jsonb DEFAULT '{}')
RETURNS bigint
LANGUAGE sql
SET TimeZone = 'UTC'
SET IntervalStyle = 'postgres'
AS $$ SELECT @extschema@.insight_train_task(@extschema@.insight_churn_setup($1, $2, $3, $4)) $$;

COMMENT ON FUNCTION @extschema@.insight_train_churn(interval, timestamptz, text, jsonb) IS
'Train a churn model (probability of no purchase in the next horizon) on the registered source and return its model_id. algorithm: ''logistic'' (default), ''gbdt'', ''mlp'' or ''auto'' (each of insight_churn_algorithms trained and measured on the same windows, the best out-of-time AUC kept, the simpler on a tie; every candidate''s AUC in metrics.candidates, the choice in params.chosen and metrics.algorithm). With T = as_of (default: just after the latest event): fits on features at T - 2*horizon with labels from [T - 2*horizon, T - horizon), measures out of time on features at T - horizon with labels from [T - horizon, T), then fits the serving model on that latest labelled window (or, when it has one class only, serves the evaluation model, with a NOTICE). metrics holds the cutoffs (UTC), row counts, train churn rate, the test metrics (insight_binary_metrics), the baseline (AUC of recency_days alone) and the comparison with the active model; the evaluation model is kept in evaluation_weights. The model becomes active when no churn model is active, or when its out-of-time AUC is not below the active model''s evaluation model''s AUC on the same window; otherwise it stays a candidate (NOTICE). Runs through insight_train_task() (steps insight_churn_*). Everything runs in the caller''s transaction: an error or a cancel leaves no model row and the active model untouched. params: see insight_churn_algorithm_params.';

-- Scoring --------------------------------------------------------------------

CREATE FUNCTION @extschema@.insight_churn(customer text, as_of timestamptz DEFAULT NULL)
RETURNS float8
LANGUAGE plpgsql STABLE PARALLEL SAFE
SET TimeZone = 'UTC'
SET IntervalStyle = 'postgres'
-- (one customer's queries cross jit_above_cost on a large source: at 10M lines
-- compiling them took 131 ms of every call, the work itself about 2 ms)
SET jit = off
AS $$
DECLARE
    model pg_catalog.bytea;
    sentiment_model_id bigint;
    f pg_catalog.float8[];
BEGIN
    SELECT m.weights, (m.params OPERATOR(pg_catalog.->>) 'sentiment_model_id')::bigint INTO model, sentiment_model_id
      FROM @extschema@.insight_active_model('churn') m;
    IF model IS NULL THEN
        PERFORM @extschema@.insight_no_active_model('churn');
    END IF;
    IF customer IS NULL THEN
        RETURN NULL;
    END IF;
    -- only this customer's lines (and reviews)
    SELECT c.churn_features INTO f FROM @extschema@.insight_churn_features(as_of, sentiment_model_id, customer) c;
    RETURN @extschema@.insight_predict(model, f);
END
$$;

COMMENT ON FUNCTION @extschema@.insight_churn(text, timestamptz) IS
'Probability that the customer makes no purchase in the next horizon (the active churn model''s), from features as of as_of (default: just after the source''s latest event). The customer is the text form of a key of the source (''12347''); insight_churn(anyelement) takes the key in its own type. NULL for a customer with no purchase before as_of; 55000 "no churn model is active" with a hint when none is. The decoded model is cached per backend. Reads only the customer''s lines (insight_customer_features_of): index the source''s customer column, and its time column for the default as_of; a model trained with review features adds the customer''s reviews before as_of (insight_churn_features). To score many customers, read insight_churn_scores or insight_churn_scores_at(as_of), which compute all features in one pass. Runs with jit off: one customer''s work takes milliseconds, less than compiling its queries (131 ms a call at 10,000,000 lines with JIT, 2.3 ms without).';

CREATE FUNCTION @extschema@.insight_churn(customer anyelement, as_of timestamptz DEFAULT NULL)
RETURNS float8
LANGUAGE sql STABLE PARALLEL SAFE
AS $$ SELECT @extschema@.insight_churn($1::pg_catalog.text, $2) $$;

COMMENT ON FUNCTION @extschema@.insight_churn(anyelement, timestamptz) IS
'insight_churn(customer::text, as_of) for a customer key given in the source''s type (12347) or any type whose text form is a key.';

CREATE FUNCTION @extschema@.insight_churn_scores_at(as_of timestamptz DEFAULT NULL)
RETURNS TABLE (customer_id text, churn_probability float8, model_id bigint, as_of timestamptz)
LANGUAGE sql STABLE PARALLEL SAFE
SET TimeZone = 'UTC'
SET IntervalStyle = 'postgres'
AS $$
WITH model AS (
    SELECT m.model_id, m.weights, (m.params OPERATOR(pg_catalog.->>) 'sentiment_model_id')::bigint AS sentiment_model_id
      FROM @extschema@.insight_active_model('churn') m
)
SELECT f.customer_id, @extschema@.insight_predict(m.weights, f.churn_features), m.model_id,
       COALESCE($1, (SELECT @extschema@.insight_default_as_of()))  -- once (an InitPlan), not per row
  FROM model m, LATERAL @extschema@.insight_churn_features($1, m.sentiment_model_id) f
 ORDER BY 1
$$;

COMMENT ON FUNCTION @extschema@.insight_churn_scores_at(timestamptz) IS
'Churn probability of every customer with a purchase before as_of (default: just after the latest event), set-wise from one computation of the churn vectors (insight_churn_features), with the active churn model''s id and the as_of used. No rows when no churn model is active. customer_id as text (the view insight_churn_scores has the source''s key type).';

-- Reasons --------------------------------------------------------------------

CREATE FUNCTION @extschema@.insight_top_reasons(names text[], contributions float8[], n integer)
RETURNS text[]
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
AS $$
    SELECT pg_catalog.array_agg(pg_catalog.format('%s %s', u.name,
               pg_catalog.to_char(u.c, 'FMSG9999999990.00')) ORDER BY u.c DESC, u.i)
      FROM (SELECT x.name, x.c, x.i
              FROM ROWS FROM (pg_catalog.unnest($1), pg_catalog.unnest($2)) WITH ORDINALITY x(name, c, i)
             WHERE x.c OPERATOR(pg_catalog.>) 0
             ORDER BY x.c DESC, x.i LIMIT GREATEST($3, 0)) u
$$;

COMMENT ON FUNCTION @extschema@.insight_top_reasons(text[], float8[], integer) IS
'The up to n features with the largest positive contributions, largest first (ties in feature order), as "name +0.42": the feature''s name and its contribution with a sign and two decimals. names and contributions pair up by position (insight_feature_names() and insight_contributions(model, features)); NULL when none is positive.';

CREATE FUNCTION @extschema@.insight_churn_reasons(customer text, as_of timestamptz DEFAULT NULL)
RETURNS TABLE (feature text, value float8, contribution float8, model_id bigint, algorithm text)
LANGUAGE plpgsql STABLE PARALLEL SAFE
SET TimeZone = 'UTC'
SET IntervalStyle = 'postgres'
AS $$
DECLARE
    m @extschema@.insight_models;
    f pg_catalog.float8[];
BEGIN
    SELECT * INTO m FROM @extschema@.insight_active_model('churn') x;
    IF m.model_id IS NULL THEN
        PERFORM @extschema@.insight_no_active_model('churn');
    END IF;
    SELECT c.churn_features INTO f
      FROM @extschema@.insight_churn_features(as_of, (m.params OPERATOR(pg_catalog.->>) 'sentiment_model_id')::bigint, customer) c;
    IF f IS NULL THEN
        RETURN;
    END IF;
    RETURN QUERY
        SELECT x.name, x.v, x.c, m.model_id, m.algorithm
          FROM ROWS FROM (pg_catalog.unnest(@extschema@.insight_churn_feature_names((m.params OPERATOR(pg_catalog.->>) 'sentiment_model_id')::bigint)),
                          pg_catalog.unnest(f),
                          pg_catalog.unnest(@extschema@.insight_contributions(m.weights, f))) WITH ORDINALITY x(name, v, c, i)
         ORDER BY x.c DESC, x.i;
END
$$;

COMMENT ON FUNCTION @extschema@.insight_churn_reasons(text, timestamptz) IS
'Why the active churn model scores this customer as it does: one row per feature of its vector (insight_churn_feature_names: with review_count, review_mean_sentiment and review_share_negative for a model trained with review features) with the customer''s value as of as_of (default: just after the latest event) and its contribution to the churn logit, largest first (positive: towards churn). Logistic regression: w_j*(x_j - training mean_j); gbdt: exact TreeSHAP values (insight_gbdt_explain), which add up with the bias to the logit; mlp: integrated gradients from the average training row (Sundararajan et al. 2017), which add up to the logit minus the logit of that row. With model_id and algorithm of the active model. No rows for a customer with no purchase before as_of; 55000 when no churn model is active. Reads only the customer''s lines, as insight_churn does.';

CREATE FUNCTION @extschema@.insight_churn_reasons(customer anyelement, as_of timestamptz DEFAULT NULL)
RETURNS TABLE (feature text, value float8, contribution float8, model_id bigint, algorithm text)
LANGUAGE sql STABLE PARALLEL SAFE
AS $$ SELECT * FROM @extschema@.insight_churn_reasons($1::pg_catalog.text, $2) $$;

COMMENT ON FUNCTION @extschema@.insight_churn_reasons(anyelement, timestamptz) IS
'insight_churn_reasons(customer::text, as_of) for a customer key given in the source''s type (12347) or any type whose text form is a key.';

-- Expected value: with an active CLV model, the customer's CLV over 12
-- months (insight_customer_360_clv, defined with the CLV functions in
-- tasks/clv.sql: an extension script runs with check_function_bodies off,
-- so a body may name a function of a later part); without one, monetary (mean order value)
-- x orders expected in the horizon at the customer's past rate, orders /
-- max(tenure, horizon) (so a new customer's rate is not inflated).  Value at
-- risk = churn probability x expected value.
CREATE FUNCTION @extschema@.insight_retention_targets_at(as_of timestamptz DEFAULT NULL)
RETURNS TABLE (customer_id text, churn_probability float8, expected_orders float8,
               expected_value float8, value_at_risk float8, reasons text[],
               recency_days float8, orders integer, monetary float8, model_id bigint,
               clv_12m float8, value_basis text, clv_model_id bigint)
LANGUAGE sql STABLE PARALLEL SAFE
SET TimeZone = 'UTC'
SET IntervalStyle = 'postgres'
AS $$
WITH model AS (
    SELECT m.model_id, m.weights, (m.params OPERATOR(pg_catalog.->>) 'sentiment_model_id')::bigint AS sentiment_model_id,
           pg_catalog.date_part('epoch', (m.params OPERATOR(pg_catalog.->>) 'horizon')::interval) OPERATOR(pg_catalog./) 86400 AS horizon_days
      FROM @extschema@.insight_active_model('churn') m
),
val AS (
    SELECT v.weights FROM @extschema@.insight_serving_model('value') v
),
scored AS (
    SELECT f.customer_id, f.recency_days, f.orders, f.monetary, m.model_id,
           @extschema@.insight_predict(m.weights, f.churn_features) AS churn_probability,
           (f.orders OPERATOR(pg_catalog.*) m.horizon_days)
               OPERATOR(pg_catalog./) GREATEST(f.tenure_days, m.horizon_days) AS expected_orders,
           @extschema@.insight_top_reasons(@extschema@.insight_churn_feature_names(m.sentiment_model_id),
                                           @extschema@.insight_contributions(m.weights, f.churn_features), 3) AS reasons,
           -- the value model scores the same features (as insight_value_scores_at would, without computing them again)
           (SELECT @extschema@.insight_value_predict(v.weights, f.features) FROM val v) AS expected_spend
      FROM model m, LATERAL @extschema@.insight_churn_features($1, m.sentiment_model_id) f
),
clv AS (
    SELECT c.customer_id, c.clv_12m, c.clv_model_id FROM @extschema@.insight_customer_360_clv($1) c
),
valued AS (
    SELECT s.*, c.clv_12m, c.clv_model_id,
           CASE WHEN EXISTS (SELECT 1 FROM val) THEN s.expected_spend
                WHEN EXISTS (SELECT 1 FROM clv) THEN c.clv_12m
                ELSE s.monetary OPERATOR(pg_catalog.*) s.expected_orders END AS expected_value,
           CASE WHEN EXISTS (SELECT 1 FROM val) THEN 'value_model'
                WHEN EXISTS (SELECT 1 FROM clv) THEN 'clv_12m' ELSE 'past_rate' END AS value_basis
      FROM scored s LEFT JOIN clv c ON c.customer_id OPERATOR(pg_catalog.=) s.customer_id
)
SELECT v.customer_id, v.churn_probability, v.expected_orders, v.expected_value,
       v.churn_probability OPERATOR(pg_catalog.*) v.expected_value,
       v.reasons, v.recency_days, v.orders, v.monetary, v.model_id, v.clv_12m, v.value_basis, v.clv_model_id
  FROM valued v
 ORDER BY 5 DESC NULLS LAST, 1
$$;

COMMENT ON FUNCTION @extschema@.insight_retention_targets_at(timestamptz) IS
'Customers ordered by value at risk = churn probability x expected value. Expected value: with an active value model (insight_train_value), the spend it expects in its horizon (insight_value_predict on the same features, as insight_value_scores_at; value_basis value_model); else with an active CLV model, the customer''s clv_12m (insight_customer_360_clv; value_basis clv_12m; NULL, ranked last, for a customer the CLV summary does not have); without one, monetary (mean order value) x expected_orders, the orders expected in the churn horizon at the customer''s past rate: orders x horizon_days / max(tenure_days, horizon_days) (value_basis past_rate). Churn probability and reasons from the churn vector of the model (insight_churn_features: with its review features when it was trained with them). reasons: up to three features whose contribution to the churn logit is largest and positive, as "recency_days +0.42" (insight_top_reasons, names insight_churn_feature_names; contributions as in insight_churn_reasons: w_j*(x_j - training mean_j) for logistic regression, TreeSHAP values for gbdt, integrated gradients for mlp). No rows when no churn model is active. customer_id as text.';

-- Views ------------------------------------------------------------------------
--
-- The views show customer_id in the source's key type, so they are rebuilt at
-- every registration (trigger below) by insight_churn_views_sql(key_type).
-- They read per-concern functions, never insight_sales or
-- insight_customer_features directly (those are rebuilt at registration too).
--
-- insight_customer_360 is one row per customer: the features (from
-- insight_customer_360_features()) and one LEFT JOIN per concern.  To add the
-- columns of another concern (CLV, segments, ...): write a LANGUAGE sql
-- function returning (customer_id text, your columns), then add its columns
-- and a "LEFT JOIN your_function() x ON x.customer_id = f.customer_id" line
-- in insight_churn_views_sql below, and COMMENT ON its columns in
-- insight_comment_churn_views().

CREATE FUNCTION @extschema@.insight_customer_360_features(as_of timestamptz DEFAULT NULL)
RETURNS TABLE (customer_id text, recency_days float8, frequency integer, monetary float8,
               tenure_days float8, orders integer, items float8, total_spend float8,
               spend_90d float8, spend_trend float8, mean_days_between_orders float8,
               sd_days_between_orders float8, distinct_items integer, return_rate float8,
               features float8[])
LANGUAGE sql STABLE PARALLEL SAFE
SET TimeZone = 'UTC'
SET IntervalStyle = 'postgres'
AS $$ SELECT f.customer_id, f.recency_days, f.frequency, f.monetary, f.tenure_days, f.orders,
             f.items, f.total_spend, f.spend_90d, f.spend_trend, f.mean_days_between_orders,
             f.sd_days_between_orders, f.distinct_items, f.return_rate, f.churn_features
        FROM @extschema@.insight_churn_features($1,
                 (SELECT (m.params OPERATOR(pg_catalog.->>) 'sentiment_model_id')::bigint
                    FROM @extschema@.insight_serving_model('churn') m)) f $$;

COMMENT ON FUNCTION @extschema@.insight_customer_360_features(timestamptz) IS
'insight_customer_features(as_of) with customer_id as text and features the churn vector of the serving churn model (insight_churn_features: with the review features of a model trained with them): the features concern of insight_customer_360.';

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
       val.expected_spend, val.value_model_id,
       rev.review_count, rev.mean_sentiment, rev.share_negative
  FROM @extschema@.insight_customer_360_features() f
  LEFT JOIN @extschema@.insight_serving_model('churn') churn ON true
  LEFT JOIN @extschema@.insight_customer_360_segments() seg
         ON seg.customer_id OPERATOR(pg_catalog.=) f.customer_id
  LEFT JOIN @extschema@.insight_customer_360_clv() clv
         ON clv.customer_id OPERATOR(pg_catalog.=) f.customer_id
  LEFT JOIN @extschema@.insight_value_scores_at() val
         ON val.customer_id OPERATOR(pg_catalog.=) f.customer_id
  LEFT JOIN @extschema@.insight_customer_360_reviews() rev
         ON rev.customer_id OPERATOR(pg_catalog.=) f.customer_id $v$,
$v$
CREATE VIEW @extschema@.insight_retention_targets AS
SELECT t.customer_id::%(key_type)s AS customer_id, t.churn_probability, t.expected_orders, t.expected_value,
       t.value_at_risk, t.reasons, t.recency_days, t.orders, t.monetary, t.model_id,
       t.clv_12m, t.value_basis, t.clv_model_id
  FROM @extschema@.insight_retention_targets_at() t $v$]) WITH ORDINALITY u(v, n)
                     ORDER BY u.n) $f$;

COMMENT ON FUNCTION @extschema@.insight_churn_views_sql(regtype) IS
'The CREATE VIEW statements of insight_churn_scores, insight_customer_360 and insight_retention_targets for a customer key type (filled by insight_fill_sql with the schema-qualified, quoted name of insight_qualified_type, so a type or domain of any name in any schema is safe). The churn model is joined through insight_serving_model(''churn''), so a model that cannot serve leaves its column NULL.';

CREATE FUNCTION @extschema@.insight_comment_churn_views()
RETURNS void
LANGUAGE plpgsql
AS $$
BEGIN
    COMMENT ON VIEW @extschema@.insight_churn_scores IS
'Churn probability of every customer over the whole history, from the active churn model (insight_churn_scores_at()); no rows when no churn model is active. Rebuilt at every registration with the source''s key type.';
    COMMENT ON COLUMN @extschema@.insight_churn_scores.customer_id IS 'Customer key, in the source''s type.';
    COMMENT ON COLUMN @extschema@.insight_churn_scores.churn_probability IS 'Probability of no purchase in the next horizon of the active churn model (0..1).';
    COMMENT ON COLUMN @extschema@.insight_churn_scores.model_id IS 'The churn model that scored (insight_models.model_id).';
    COMMENT ON COLUMN @extschema@.insight_churn_scores.as_of IS 'Features were computed from events strictly before this time.';

    COMMENT ON VIEW @extschema@.insight_customer_360 IS
'One row per customer with a purchase: the point-in-time features over the whole history, the churn probability of the active churn model (NULL when none is active), the RFM segment, the cluster of the active segments model with its label (NULL when none is active), and P(alive), expected purchases and 12-month CLV of the active CLV models (NULL when none is active), and the customer''s reviews (count, mean sentiment, share negative: NULL without a review source with a customer column). Other concerns add their columns (see insight_churn_views_sql). Rebuilt at every registration with the source''s key type.';
    COMMENT ON COLUMN @extschema@.insight_customer_360.customer_id IS 'Customer key, in the source''s type.';
    COMMENT ON COLUMN @extschema@.insight_customer_360.recency_days IS 'Days since the last purchase.';
    COMMENT ON COLUMN @extschema@.insight_customer_360.frequency IS 'Distinct (UTC) purchase days after the first.';
    COMMENT ON COLUMN @extschema@.insight_customer_360.monetary IS 'Mean order value (source currency).';
    COMMENT ON COLUMN @extschema@.insight_customer_360.tenure_days IS 'Days since the first purchase.';
    COMMENT ON COLUMN @extschema@.insight_customer_360.orders IS 'Orders with a purchase.';
    COMMENT ON COLUMN @extschema@.insight_customer_360.items IS 'Units bought.';
    COMMENT ON COLUMN @extschema@.insight_customer_360.total_spend IS 'Sum of purchase amounts (source currency).';
    COMMENT ON COLUMN @extschema@.insight_customer_360.spend_90d IS 'Spend in the last 90 days (source currency).';
    COMMENT ON COLUMN @extschema@.insight_customer_360.spend_trend IS '(spend of the last 90 days - spend of the 90 days before) / their sum, -1..1; 0 when both are 0.';
    COMMENT ON COLUMN @extschema@.insight_customer_360.mean_days_between_orders IS 'Mean days between consecutive orders; NULL with one order.';
    COMMENT ON COLUMN @extschema@.insight_customer_360.sd_days_between_orders IS 'Sample standard deviation of the days between orders; NULL with fewer than three orders.';
    COMMENT ON COLUMN @extschema@.insight_customer_360.distinct_items IS 'Distinct items bought.';
    COMMENT ON COLUMN @extschema@.insight_customer_360.return_rate IS 'Returned amount / total spend.';
    COMMENT ON COLUMN @extschema@.insight_customer_360.churn_probability IS 'Probability of no purchase in the next horizon of the active churn model (0..1); NULL when no churn model is active.';
    COMMENT ON COLUMN @extschema@.insight_customer_360.churn_model_id IS 'The churn model that scored (insight_models.model_id).';
    COMMENT ON COLUMN @extschema@.insight_customer_360.segment IS 'RFM segment (insight_rfm: Champions, Loyal, ..., Lost).';
    COMMENT ON COLUMN @extschema@.insight_customer_360.cluster IS 'Cluster (1..k) of the active segments model; NULL when none is active.';
    COMMENT ON COLUMN @extschema@.insight_customer_360.cluster_label IS 'Label of the cluster from its members (insight_cluster_profiles): recent / lapsed, frequent / infrequent, high / low spend where at least three quarters of the members are on that side of the median customer, mixed otherwise; e.g. ''lapsed, infrequent, low spend''.';
    COMMENT ON COLUMN @extschema@.insight_customer_360.p_alive IS 'Probability that the customer is still alive (active CLV model: BG/NBD or Pareto/NBD, 0..1); NULL when no CLV model is active.';
    COMMENT ON COLUMN @extschema@.insight_customer_360.expected_purchases_90d IS 'Repeat purchase days expected in the next 90 days (active CLV model); NULL when no CLV model is active.';
    COMMENT ON COLUMN @extschema@.insight_customer_360.clv_12m IS 'Customer lifetime value over the next 12 months, discounted 1 % a month (source currency; insight_clv_value with the active CLV models); NULL when no CLV model is active.';
    COMMENT ON COLUMN @extschema@.insight_customer_360.clv_model_id IS 'The CLV transaction model that scored (insight_models.model_id, task clv); NULL when no CLV model is active.';
    COMMENT ON COLUMN @extschema@.insight_customer_360.expected_spend IS 'Spend expected in the next horizon (the value model''s params.horizon, default 90 days; source currency) by the active value model (insight_train_value: an MLP with the zero-inflated lognormal loss); NULL when no value model is active.';
    COMMENT ON COLUMN @extschema@.insight_customer_360.value_model_id IS 'The value model that scored (insight_models.model_id, task value); NULL when none is active.';
    COMMENT ON COLUMN @extschema@.insight_customer_360.review_count IS 'Number of reviews the customer wrote (insight_reviews, with or without a text or label); NULL when they wrote none, or no review source with a customer column is registered (insight_register_reviews).';
    COMMENT ON COLUMN @extschema@.insight_customer_360.mean_sentiment IS 'Mean probability positive (0..1) of the customer''s reviews with a text under the active sentiment model (insight_sentiment); NULL without reviews or without a sentiment model that can serve.';
    COMMENT ON COLUMN @extschema@.insight_customer_360.share_negative IS 'Share (0..1) of the customer''s scored reviews with a probability positive below 0.5 (active sentiment model); NULL without reviews or without a sentiment model that can serve.';

    COMMENT ON VIEW @extschema@.insight_retention_targets IS
'Customers to retain first, by value at risk = churn probability x expected value (the 12-month CLV when a CLV model is active, else monetary x orders expected in the churn horizon at the customer''s past rate; see value_basis), with the features that push their churn score up most. No rows when no churn model is active. Rebuilt at every registration with the source''s key type.';
    COMMENT ON COLUMN @extschema@.insight_retention_targets.customer_id IS 'Customer key, in the source''s type.';
    COMMENT ON COLUMN @extschema@.insight_retention_targets.churn_probability IS 'Probability of no purchase in the next horizon (active churn model).';
    COMMENT ON COLUMN @extschema@.insight_retention_targets.expected_orders IS 'Orders expected in the churn horizon at the past rate: orders x horizon_days / max(tenure_days, horizon_days).';
    COMMENT ON COLUMN @extschema@.insight_retention_targets.expected_value IS 'The active value model''s expected spend in its horizon, else clv_12m when a CLV model is active, else monetary x expected_orders (source currency); see value_basis.';
    COMMENT ON COLUMN @extschema@.insight_retention_targets.value_at_risk IS 'churn_probability x expected_value (source currency); the order of the view (NULLs last).';
    COMMENT ON COLUMN @extschema@.insight_retention_targets.reasons IS 'Up to three features with the largest positive contribution to the churn logit, largest first, as "recency_days +0.42" (see insight_churn_reasons for the contributions of each algorithm).';
    COMMENT ON COLUMN @extschema@.insight_retention_targets.recency_days IS 'Days since the last purchase.';
    COMMENT ON COLUMN @extschema@.insight_retention_targets.orders IS 'Orders with a purchase.';
    COMMENT ON COLUMN @extschema@.insight_retention_targets.monetary IS 'Mean order value (source currency).';
    COMMENT ON COLUMN @extschema@.insight_retention_targets.model_id IS 'The churn model that scored (insight_models.model_id).';
    COMMENT ON COLUMN @extschema@.insight_retention_targets.clv_12m IS 'Customer lifetime value over the next 12 months, discounted 1 % a month (source currency), by the active CLV models; NULL when none is active.';
    COMMENT ON COLUMN @extschema@.insight_retention_targets.value_basis IS 'What expected_value is: value_model (the spend the active value model expects in its horizon, insight_value_scores_at), clv_12m (no value model, a CLV model is active) or past_rate (neither: monetary x expected_orders).';
    COMMENT ON COLUMN @extschema@.insight_retention_targets.clv_model_id IS 'The CLV transaction model that valued the customer (insight_models.model_id, task clv); NULL when none is active.';
END
$$;

COMMENT ON FUNCTION @extschema@.insight_comment_churn_views() IS
'Comments of the churn views and their columns (re-applied whenever the views are rebuilt).';

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

-- (the views are created at installation by tasks/customer_views.sql, once the
-- functions of every concern they join exist)

CREATE FUNCTION @extschema@.insight_build_churn_objects()
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

CREATE TRIGGER insight_sales_sources_build_churn
    AFTER INSERT OR UPDATE ON @extschema@.insight_sales_sources
    FOR EACH ROW EXECUTE FUNCTION @extschema@.insight_build_churn_objects();
