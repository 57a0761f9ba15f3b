-- ---------------------------------------------------------------------------
-- The training skeleton: one flow for every task.
--
--   setup (the task's entry point: insight_train_churn(), ...) -> prepare
--   -> evaluate -> serve -> [unchanged?] -> compare with the active model
--   -> store -> activate (or keep a candidate, with a NOTICE)
--
-- A task is a row of insight_task_steps naming its steps, and an entry point
-- that validates its arguments into an insight_training value and hands it
-- to insight_train_task().  Each step takes the insight_training value and
-- returns it with its part filled in; compare takes it with the active model
-- and returns what the active model scores on the same holdout.  A new task
-- is its steps and one row; a new algorithm of a task is a branch of the
-- task's fit (see insight_recommender_fit, insight_churn_fit).  Everything
-- runs in the caller's transaction: an error or a cancel leaves no model row
-- and the active model untouched.
-- ---------------------------------------------------------------------------

CREATE TYPE @extschema@.insight_training AS (
    task               text,
    algorithm          text,
    params             jsonb,
    metrics            jsonb,
    feature_names      text[],
    preprocessing      bytea,
    weights            bytea,
    evaluation_weights bytea,
    trained_as_of      timestamptz,
    score              float8,
    baseline_score     float8,
    setup              jsonb,
    companion          @extschema@.insight_models
);

COMMENT ON TYPE @extschema@.insight_training IS
'A training on its way through insight_train_task(): the columns of the model to store (task, algorithm, params, metrics, feature_names, preprocessing, weights, evaluation_weights, trained_as_of), the evaluation model''s primary metric (score) and its baseline''s (baseline_score), setup (what the task''s entry point decided: cutoffs, windows, temp_tables to drop at the end) and companion (a model stored and activated with it, before it: the CLV spend model).';

CREATE TABLE @extschema@.insight_task_steps (
    task               text PRIMARY KEY,
    prepare            regprocedure NOT NULL,
    evaluate           regprocedure,
    serve              regprocedure NOT NULL,
    compare            regprocedure,
    metric             text,
    higher_is_better   boolean NOT NULL DEFAULT true,
    must_beat_baseline boolean NOT NULL DEFAULT false,
    companion_key      text,
    kept_notice        text NOT NULL
                       DEFAULT 'model %1$s stays a candidate: its score %2$s is worse than the %3$s of active model %4$s',
    builtin            boolean NOT NULL DEFAULT false,
    usable             regprocedure,
    CHECK ((compare IS NULL) OPERATOR(pg_catalog.=) (metric IS NULL))
);

COMMENT ON TABLE @extschema@.insight_task_steps IS
'The steps of each task for insight_train_task(). prepare, evaluate and serve take and return an insight_training; compare(insight_training, insight_models) returns jsonb. A new model is activated when it is not worse than the active one: metric is the key of compare''s result that holds the active model''s score on the same holdout, compared with the new score (>= when higher_is_better, else <=); no active model, no compare step, a NULL result or a NULL active score activate it. insight''s own tasks are rows with builtin = true; other rows are kept by pg_dump.';
COMMENT ON COLUMN @extschema@.insight_task_steps.task IS 'The task (insight_models.task of the models it stores).';
COMMENT ON COLUMN @extschema@.insight_task_steps.prepare IS 'Materialises the training and holdout data (temporary tables, listed in setup.temp_tables) and fails on empty data.';
COMMENT ON COLUMN @extschema@.insight_task_steps.evaluate IS 'Fits on the training window and measures on the holdout: sets metrics, score, baseline_score and the evaluation model to keep (evaluation_weights). NULL: the task has no evaluation.';
COMMENT ON COLUMN @extschema@.insight_task_steps.serve IS 'Fits the model that serves (weights, and a companion model if any).';
COMMENT ON COLUMN @extschema@.insight_task_steps.compare IS 'compare(training, active model) returns the active model''s scores on the same holdout as jsonb (stored as metrics.compared_with), or NULL when the active model is not comparable. NULL: the newest model always serves.';
COMMENT ON COLUMN @extschema@.insight_task_steps.metric IS 'The primary metric: the key of compare''s result compared with score.';
COMMENT ON COLUMN @extschema@.insight_task_steps.higher_is_better IS 'Direction of the primary metric: true for AUC or NDCG, false for an error such as MAE.';
COMMENT ON COLUMN @extschema@.insight_task_steps.must_beat_baseline IS 'When true, a model whose score is worse than baseline_score stays a candidate.';
COMMENT ON COLUMN @extschema@.insight_task_steps.companion_key IS 'The key of metrics that names the companion model stored with the model (spend_model_id for CLV).';
COMMENT ON COLUMN @extschema@.insight_task_steps.kept_notice IS 'The NOTICE when the model stays a candidate after the comparison with the active model, a format() string: %1$s new model_id, %2$s its score, %3$s the active model''s score, %4$s the active model_id, %5$s the baseline''s score (scores rounded to 4 decimals). When no active model was compared (none is active, or compare gave NULL), only the baseline can keep a model out, and insight_train_task says so in its own words (metric, score, baseline).';
COMMENT ON COLUMN @extschema@.insight_task_steps.usable IS 'usable(insight_models) returns NULL when a model of the task (or its companion) can score every customer, otherwise the reason it cannot (for CLV: insight_clv_usable). Called on the new model and its companion before activation (an unusable model stays a candidate, with a NOTICE), by insight_activate() (which refuses an unusable model) and by insight_serving_model() (the views leave an unusable model''s columns NULL). NULL: every model that reads can serve.';
COMMENT ON COLUMN @extschema@.insight_task_steps.builtin IS 'true for insight''s own tasks (created by CREATE EXTENSION, not dumped).';

SELECT pg_catalog.pg_extension_config_dump('@extschema@.insight_task_steps', 'WHERE NOT builtin');

-- The schema-qualified, quoted name of a function, for EXECUTE.
CREATE FUNCTION @extschema@.insight_function_name(fn regprocedure)
RETURNS text
LANGUAGE sql STABLE STRICT PARALLEL SAFE
AS $$
    SELECT pg_catalog.format('%I.%I', n.nspname, p.proname)
      FROM pg_catalog.pg_proc p JOIN pg_catalog.pg_namespace n ON n.oid OPERATOR(pg_catalog.=) p.pronamespace
     WHERE p.oid OPERATOR(pg_catalog.=) fn::pg_catalog.oid
$$;

COMMENT ON FUNCTION @extschema@.insight_function_name(regprocedure) IS
'The schema-qualified, quoted name of a function (schema.name), to call it with EXECUTE whatever the search_path.';

CREATE FUNCTION @extschema@.insight_same_model(a @extschema@.insight_models, b @extschema@.insight_models)
RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
    SELECT pg_catalog.record_image_eq(
               ROW(a.task, a.algorithm, a.params, a.feature_names, a.preprocessing, a.weights,
                   a.evaluation_weights, a.trained_as_of),
               ROW(b.task, b.algorithm, b.params, b.feature_names, b.preprocessing, b.weights,
                   b.evaluation_weights, b.trained_as_of))
$$;

COMMENT ON FUNCTION @extschema@.insight_same_model(@extschema@.insight_models, @extschema@.insight_models) IS
'Whether two models are the same model: task, algorithm, params, feature_names, preprocessing, weights, evaluation_weights and trained_as_of equal byte for byte (NULLs equal); metrics, version and status are not compared. Fits are deterministic, so a training on unchanged data with unchanged params gives the same model.';

-- A scalar rounded to 4 decimals as RAISE shows it (<NULL> for NULL).
CREATE FUNCTION @extschema@.insight_notice_number(x float8)
RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$ SELECT COALESCE(pg_catalog.round(x::numeric, 4)::pg_catalog.text, '<NULL>') $$;

COMMENT ON FUNCTION @extschema@.insight_notice_number(float8) IS
'A score in a NOTICE of insight_train_task(): rounded to 4 decimals, <NULL> for NULL.';

-- The serve step of a task whose serving model is its fit function run on the
-- test window's rows (the latest labelled window), e.g. value and propensity.
CREATE FUNCTION @extschema@.insight_serve_on_test_window(t @extschema@.insight_training,
                                                         fit_function text, test_table text)
RETURNS @extschema@.insight_training
LANGUAGE plpgsql
SET TimeZone = 'UTC'
SET IntervalStyle = 'postgres'
AS $$
BEGIN
    EXECUTE pg_catalog.format('SELECT @extschema@.%I($1, $2)', fit_function)
       INTO t.weights USING t.params, test_table;
    t.trained_as_of := (t.setup OPERATOR(pg_catalog.->>) 'test_cutoff')::pg_catalog.timestamptz;
    t.metrics := t.metrics OPERATOR(pg_catalog.||) pg_catalog.jsonb_build_object(
        'serve_cutoff', @extschema@.insight_utc_text(t.trained_as_of), 'serve_rows', t.metrics OPERATOR(pg_catalog.->) 'test_rows');
    RETURN t;
END
$$;

COMMENT ON FUNCTION @extschema@.insight_serve_on_test_window(@extschema@.insight_training, text, text) IS
'A task''s serve step when its serving model is fitted like the evaluation model on the latest labelled window: weights := fit_function(params jsonb, test_table text) (a function of this extension, named without schema), trained_as_of := setup.test_cutoff, and serve_cutoff (UTC) and serve_rows (= test_rows) added to metrics. Used by the value and propensity tasks.';

-- Why a model cannot serve (NULL when it can): the usable step of its task,
-- on the model and on the companion it names; a companion (a model that
-- another task's models name by companion_key, such as a CLV spend model) is
-- checked by the usable step of that task.
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

-- The active model of a task if it can serve; otherwise no row and a NOTICE.
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

-- Training rows on the shards.  On Citus, with the sales source distributed
-- by its customer column, a task's labelled rows go into a table
-- distributed the same way and co-located with the source, filled by one
-- INSERT ... SELECT that Citus runs whole on each shard (the features pass
-- and the label pass grouped by the distribution column and joined on it),
-- so that no row reaches the coordinator; the training passes that are
-- aggregates (scaler, IRLS, k-means, metrics) then run on the shards too.
-- The table lives in the schema insight_scratch (USAGE and CREATE for
-- insight_admin: the trainer owns it, as create_distributed_table needs),
-- named per backend; insight_train_task drops it at the end, and a failed
-- training rolls it back.  Elsewhere the rows are a temporary table.
CREATE SCHEMA insight_scratch;

COMMENT ON SCHEMA insight_scratch IS
'This backend''s tables of training rows on the shards (insight_training_table, on Citus): <name>_<backend pid>, each dropped at the end of its training or rolled back with it. insight_admin may create tables here.';

CREATE FUNCTION @extschema@.insight_training_table(name text, local_query text, shard_query text, shard_columns text)
RETURNS text
LANGUAGE plpgsql
AS $$
DECLARE
    source pg_catalog.regclass;
    key_type pg_catalog.text;
    tbl pg_catalog.text := @extschema@.insight_scratch_table(name);
BEGIN
    PERFORM @extschema@.insight_drop_temp_table(name);
    -- on the shards only with the source hash-distributed by its customer
    -- column (a reference or local table: the rows are on the coordinator)
    IF shard_query IS NOT NULL
       AND EXISTS (SELECT 1 FROM pg_catalog.pg_extension e WHERE e.extname OPERATOR(pg_catalog.=) 'citus') THEN
        EXECUTE 'SELECT p.logicalrelid, pg_catalog.format_type(a.atttypid, a.atttypmod)
                   FROM @extschema@.insight_sales_sources s
                   JOIN pg_catalog.pg_dist_partition p ON p.logicalrelid OPERATOR(pg_catalog.=) s.source
                   JOIN pg_catalog.pg_attribute a ON a.attrelid OPERATOR(pg_catalog.=) s.source
                                                 AND a.attname OPERATOR(pg_catalog.=) s.customer_column
                  WHERE p.partmethod OPERATOR(pg_catalog.=) ''h''
                    AND pg_catalog.column_to_column_name(p.logicalrelid, p.partkey) OPERATOR(pg_catalog.=) s.customer_column::pg_catalog.text'
            INTO source, key_type;
    END IF;
    IF key_type IS NULL THEN
        EXECUTE pg_catalog.format('CREATE TEMP TABLE %I ON COMMIT DROP AS %s', name, local_query);
        RETURN pg_catalog.format('pg_temp.%I', name);
    END IF;
    EXECUTE pg_catalog.format('CREATE TABLE %s (customer_key %s, %s)', tbl, key_type, shard_columns);
    EXECUTE 'SELECT pg_catalog.create_distributed_table($1, ''customer_key'', colocate_with => $2)'
        USING tbl::pg_catalog.regclass, source::pg_catalog.text;
    EXECUTE pg_catalog.format('INSERT INTO %s %s', tbl, shard_query);
    RETURN tbl;
END
$$;

COMMENT ON FUNCTION @extschema@.insight_training_table(text, text, text, text) IS
'Materialise a task''s training rows once for all its passes and return the relation to read them from (qualified, as SQL text). On Citus, when shard_query is given (SQL text whose first column is the customer key in the source''s type, then the columns shard_columns declares, e.g. ''customer_id text, features float8[]'') and the sales source is hash-distributed by its customer column: a table insight_scratch_table(name) (customer_key in the source''s key type, then shard_columns) distributed by customer_key and co-located with the source, filled by INSERT INTO it shard_query, which Citus runs whole on each shard when shard_query is grouped by the distribution column (insight_customer_features_sql, insight_sales_window_sql), so no row reaches the coordinator; insight_train_task drops it at the end of the training (insight_drop_temp_table), an error or a cancel rolls it back. Otherwise (a single node, a source distributed another way, a reference or local table, shard_query NULL) the temporary table pg_temp.name created ON COMMIT DROP AS local_query, as the tasks always had. Needs CREATE on the schema insight_scratch on Citus (insight_admin has it).';

-- The shard query of a labelled window (insight_training_table): each
-- customer's features at the cutoff joined to what they did in the horizon
-- after it, both grouped by the distribution column, so that Citus runs the
-- whole INSERT ... SELECT on each shard.  The tasks differ only in their
-- label columns, one row here each.
CREATE FUNCTION @extschema@.insight_labelled_window_sql(task text, cutoff timestamptz, horizon interval)
RETURNS text
LANGUAGE plpgsql STABLE
SET TimeZone = 'UTC'
SET IntervalStyle = 'postgres'
AS $$
DECLARE
    -- over f (customer_id, x: features) and w (customer_id, bought, net;
    -- no row for a customer without a line in the horizon)
    labels pg_catalog.text := CASE
        WHEN task OPERATOR(pg_catalog.=) 'churn' THEN 'NOT COALESCE(w.bought, false), f.x[1]'
        WHEN task OPERATOR(pg_catalog.=) 'value' THEN pg_catalog.format(
            'GREATEST(COALESCE(w.net, 0), 0)::pg_catalog.float8, %I.insight_past_rate_value(f.x[3], f.x[5]::integer, f.x[4], '
            'pg_catalog.date_part(''epoch'', %L::interval) OPERATOR(pg_catalog./) 86400)', '@extschema@', horizon) END;
    features pg_catalog.text := @extschema@.insight_customer_features_sql(cutoff);
    sales pg_catalog.text := @extschema@.insight_sales_window_sql(cutoff, cutoff OPERATOR(pg_catalog.+) horizon);
BEGIN
    IF labels IS NULL THEN
        RAISE EXCEPTION 'no labelled window for task "%"', task
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'The tasks with a labelled window are churn and value.';
    END IF;
    IF features IS NULL OR sales IS NULL THEN
        RETURN NULL;
    END IF;
    RETURN pg_catalog.format($q$
        SELECT f.customer_id, f.customer_id::pg_catalog.text, pg_catalog.array_replace(f.x, NULL, 0::pg_catalog.float8), %s
          FROM (%s) f
          LEFT JOIN (%s) w(customer_id, bought, net) ON w.customer_id OPERATOR(pg_catalog.=) f.customer_id $q$,
        labels, features, sales);
END
$$;

COMMENT ON FUNCTION @extschema@.insight_labelled_window_sql(text, timestamptz, interval) IS
'The shard query (SQL text, for insight_training_table) of the labelled rows of task (''churn'' or ''value'', else 22023) at cutoff with the labels of [cutoff, cutoff + horizon): the customer key in the source''s type, the key as text, the features of insight_customer_features_sql(cutoff) (NULLs as 0), then the labels from insight_sales_window_sql: churn: churned (no purchase in the horizon), recency_days (features[1]); value: spend (the net spend of the horizon, at least 0) and past_rate (insight_past_rate_value of monetary, orders and tenure_days, features 3, 5 and 4). Both passes are grouped by the distribution column and joined on it, so Citus runs the whole INSERT ... SELECT on each shard. The rows equal insight_churn_training_rows / insight_value_training_rows without review features. NULL where those two functions give NULL (no Citus, a source not distributed by customer, no source).';

-- Where a training's rows are: this backend's table on the shards, or the
-- temporary table.
CREATE FUNCTION @extschema@.insight_training_relation(name text)
RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE
AS $$ SELECT CASE WHEN pg_catalog.to_regclass(@extschema@.insight_scratch_table($1)) IS NOT NULL
                  THEN @extschema@.insight_scratch_table($1) ELSE pg_catalog.format('pg_temp.%I', $1) END $$;

COMMENT ON FUNCTION @extschema@.insight_training_relation(text) IS
'The relation (qualified, as SQL text) that holds the training rows called name, as insight_training_table made them: this backend''s table on the shards (insight_scratch_table(name)) when there is one, else the temporary table pg_temp.name.';

-- The query an in-memory trainer reads a training's rows with: (features,
-- label) from the temporary table as they lie, or from the table on the
-- shards collected there by insight_rows_pack (one state per shard reaches
-- the coordinator) and given back in customer order, the temporary table's
-- order, so that the model is the same to the last bit.
CREATE FUNCTION @extschema@.insight_training_rows_sql(rows_table text, features text, label text, boolean_label boolean)
RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE
AS $$
SELECT CASE WHEN r.rel OPERATOR(pg_catalog.=) pg_catalog.format('pg_temp.%I', $1)
            THEN pg_catalog.format('SELECT %s, %s FROM %s t', $2, $3, r.rel)
            ELSE pg_catalog.format($q$WITH p AS MATERIALIZED (
    SELECT %1$I.insight_rows_pack(t.customer_id, %2$s, (%3$s)%4$s::pg_catalog.float8) AS packed FROM %5$s t)
SELECT u.features, u.label%6$s FROM p, %1$I.insight_rows_unpack(p.packed) u$q$,
                                   '@extschema@', $2, $3, CASE WHEN $4 THEN '::integer' ELSE '' END, r.rel,
                                   CASE WHEN $4 THEN '::integer::boolean' ELSE '' END) END
  FROM (SELECT @extschema@.insight_training_relation($1) AS rel) r
$$;

COMMENT ON FUNCTION @extschema@.insight_training_rows_sql(text, text, text, boolean) IS
'The query (SQL text) an in-memory trainer (insight_logreg_fit, insight_gbdt_fit, insight_mlp_fit) reads the training rows called rows_table with: two columns, the SQL expressions features (a float8[]) and label over the rows as t (boolean_label: label is a boolean, else a float8). From a temporary table (insight_training_table off Citus) SELECT features, label FROM it; from this backend''s table on the shards (Citus, a source distributed by customer) the rows collected on the shards by insight_rows_pack keyed by t.customer_id (text), so that one partial state per shard reaches the coordinator, and given back by insight_rows_unpack in customer order, the order of the temporary table: the models are the same to the last bit as on a single node.';

-- The per-customer values of an evaluation as arrays in customer order (the
-- predictions of a model passed as a parameter, the labels, a baseline's
-- scores): from the temporary table, array_agg ORDER BY customer_id; from the
-- table on the shards, the values computed and collected there by
-- insight_rows_pack (one partial state per shard reaches the coordinator)
-- and the arrays built in the same key order on the coordinator, so that the
-- metrics over them are the single node's to the last bit.
CREATE FUNCTION @extschema@.insight_training_arrays_sql(rows_table text, names text[], exprs text[], joins text DEFAULT '',
                                                        order_by_key boolean DEFAULT false)
RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE
AS $$
SELECT CASE WHEN r.rel OPERATOR(pg_catalog.=) pg_catalog.format('pg_temp.%I', $1)
            THEN pg_catalog.format('SELECT %s FROM %s t %s',
                     (SELECT pg_catalog.string_agg(pg_catalog.format('pg_catalog.array_agg((%s)::pg_catalog.float8 ORDER BY %s) AS %I',
                                                                     e.x, o.local_key, e.n), ', ' ORDER BY e.i)
                        FROM ROWS FROM (pg_catalog.unnest($3), pg_catalog.unnest($2)) WITH ORDINALITY e(x, n, i)),
                     r.rel, $4)
            ELSE pg_catalog.format($q$WITH p AS MATERIALIZED (
    SELECT %1$I.insight_rows_pack(t.customer_id, ARRAY[%2$s], NULL::pg_catalog.float8) AS packed FROM %3$s t %4$s)
SELECT %5$s FROM p, %1$I.insight_rows_unpack(p.packed) u$q$, '@extschema@',
                     (SELECT pg_catalog.string_agg(pg_catalog.format('(%s)::pg_catalog.float8', e.x), ', ' ORDER BY e.i)
                        FROM pg_catalog.unnest($3) WITH ORDINALITY e(x, i)),
                     r.rel, $4,
                     (SELECT pg_catalog.string_agg(pg_catalog.format('pg_catalog.array_agg(u.features[%s] ORDER BY %s) AS %I',
                                                                     e.i, o.packed_key, e.n), ', ' ORDER BY e.i)
                        FROM pg_catalog.unnest($2) WITH ORDINALITY e(n, i))) END
  FROM (SELECT @extschema@.insight_training_relation($1) AS rel) r
  -- the order: the key as text (t.customer_id), or the key in its own type
  -- (t.customer_key; the packed rows' text key cast back to that type)
  CROSS JOIN LATERAL (
      SELECT CASE WHEN $5 THEN 't.customer_key' ELSE 't.customer_id' END AS local_key,
             CASE WHEN $5 THEN pg_catalog.format('u.key::%s', (
                      SELECT pg_catalog.format_type(a.atttypid, a.atttypmod) FROM pg_catalog.pg_attribute a
                       WHERE a.attrelid OPERATOR(pg_catalog.=) pg_catalog.to_regclass(r.rel)
                         AND a.attname OPERATOR(pg_catalog.=) 'customer_key'))
                  ELSE 'u.key' END AS packed_key) o
 WHERE pg_catalog.cardinality($2) OPERATOR(pg_catalog.=) pg_catalog.cardinality($3)
$$;

COMMENT ON FUNCTION @extschema@.insight_training_arrays_sql(text, text[], text[], text, boolean) IS
'The query (SQL text) an evaluation reads the per-customer values of the training rows called rows_table with: one row of float8[] columns called names, the SQL expressions exprs (each castable to float8: a boolean as ::integer; a model as a parameter, $1, ...) over the rows as t, after joins (SQL text after FROM rows_table t, over t.customer_id, text, or on Citus t.customer_key, the source''s type), each array in customer order, so that the metrics over them pair up by position: by t.customer_id (the key as text, the default collation), or with order_by_key by t.customer_key, the key in its own type (integers as numbers: the order of a single node''s rows built ORDER BY the key, as the CLV holdout in the calibration summary''s order; the rows must have that column). From a temporary table (insight_training_table off Citus) SELECT array_agg(expr ORDER BY the key), ... FROM it; from this backend''s table on the shards (Citus, a source distributed by customer) the values computed on the shards and collected there by insight_rows_pack keyed by t.customer_id, so that one partial state per shard reaches the coordinator, not one row per customer, and the arrays built from insight_rows_unpack in the same order (with order_by_key the text key cast back to customer_key''s type): the metrics are the same to the last bit as on a single node. NULL when names and exprs differ in length.';

CREATE FUNCTION @extschema@.insight_train_task(training @extschema@.insight_training,
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
    -- On Citus, with a source whose passes run on the shards, the training
    -- passes are partial aggregates there (worker_partial_agg), which Citus
    -- 12.1 cannot run under EXPLAIN ANALYZE: it declares the shards' result
    -- as the aggregate's cstring output and fails ("column field_0 has
    -- pseudo-type cstring", citusdata/citus#4043).  auto_explain analyses a
    -- training's own statements when log_analyze and log_nested_statements
    -- are on: said before any work, and how to train.
    IF pg_catalog.current_setting('auto_explain.log_analyze', true) OPERATOR(pg_catalog.=) 'on'
       AND pg_catalog.current_setting('auto_explain.log_nested_statements', true) OPERATOR(pg_catalog.=) 'on'
       AND pg_catalog.current_setting('auto_explain.log_min_duration', true) OPERATOR(pg_catalog.<>) '-1'
       AND EXISTS (SELECT 1 FROM pg_catalog.pg_extension e WHERE e.extname OPERATOR(pg_catalog.=) 'citus')
       AND @extschema@.insight_sales_pushdown_lines() IS NOT NULL THEN
        RAISE EXCEPTION 'insight cannot train on Citus while auto_explain analyses nested statements'
            USING ERRCODE = 'feature_not_supported',
                  DETAIL = 'The training passes run as partial aggregates on the shards, and Citus 12.1 cannot run those under EXPLAIN ANALYZE (citusdata/citus#4043: "column field_0 has pseudo-type cstring"); auto_explain.log_analyze and auto_explain.log_nested_statements are on.',
                  HINT = 'Train in a session with auto_explain.log_nested_statements or auto_explain.log_analyze off (a superuser may SET them), or with auto_explain.log_min_duration = -1.';
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
            DECLARE
                activate_hint pg_catalog.text := pg_catalog.format('Activate it anyway with SELECT %s;',
                    (SELECT pg_catalog.string_agg(pg_catalog.format('insight_activate(%s)', x), ', ' ORDER BY n)
                       FROM pg_catalog.unnest(ids) WITH ORDINALITY u(x, n)));
            BEGIN
                IF compared IS NULL THEN
                    -- only the baseline kept it out: no active model was compared
                    RAISE NOTICE '% model % stays a candidate: its % % is % the baseline''s %', t.task, new_id, COALESCE(s.metric, 'score'),
                        @extschema@.insight_notice_number(t.score), CASE WHEN s.higher_is_better THEN 'below' ELSE 'above' END,
                        @extschema@.insight_notice_number(t.baseline_score)
                        USING DETAIL = CASE WHEN active.model_id IS NULL THEN pg_catalog.format('No %s model is active.', t.task)
                                            ELSE pg_catalog.format('Model %s stays active.', active.model_id) END,
                              HINT = activate_hint;
                ELSE
                    RAISE NOTICE '%', pg_catalog.format(s.kept_notice, new_id, @extschema@.insight_notice_number(t.score),
                                                        @extschema@.insight_notice_number(active_score),
                                                        compared OPERATOR(pg_catalog.->>) 'model_id',
                                                        @extschema@.insight_notice_number(t.baseline_score))
                        USING HINT = activate_hint;
                END IF;
            END;
        END IF;
    END IF;
    FOR tbl IN SELECT x FROM pg_catalog.jsonb_array_elements_text(t.setup OPERATOR(pg_catalog.->) 'temp_tables') x LOOP
        PERFORM @extschema@.insight_drop_temp_table(tbl);
    END LOOP;
    RETURN new_id;
END
$$;

COMMENT ON FUNCTION @extschema@.insight_train_task(@extschema@.insight_training, boolean) IS
'The training flow of every task (steps in insight_task_steps): prepare, evaluate (fit on the training window, measure out of time), serve (fit the serving model), compare with the active model on the same holdout (metrics.compared_with), store (a companion model first, named in metrics by companion_key), then activate when the model and its companion can serve (the usable step; otherwise they stay candidates with a NOTICE giving the reason, and the active model stays) and it is not worse than the active model (and, with must_beat_baseline, not worse than the baseline), or keep a candidate with a NOTICE. With skip_unchanged (CALL insight_retrain()), a model that equals the active one (insight_same_model; for CLV with its spend model) is not stored: a NOTICE says so and the active model_id is returned. Returns the model_id. Runs in the caller''s transaction: an error or a cancel leaves no model row and the active model untouched. On Citus, with a source whose passes run on the shards, it refuses (0A000) to run while auto_explain analyses nested statements (auto_explain.log_analyze and log_nested_statements on, log_min_duration not -1): Citus 12.1 cannot run the partial aggregates of the training passes under EXPLAIN ANALYZE (citusdata/citus#4043).';
