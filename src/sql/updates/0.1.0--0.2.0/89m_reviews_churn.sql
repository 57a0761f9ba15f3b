-- Issue 16, reviews (fourth part): reviews as churn features
-- (insight_train_churn(params => '{"review_features": true}')).  Every
-- function that builds a churn vector reads insight_churn_features, which
-- appends the review features of the sentiment model the churn model names.

--@ function src/sql/tasks/churn.sql insight_churn_review_problem
--@ comment src/sql/tasks/churn.sql insight_churn_review_problem
--@ function src/sql/tasks/churn.sql insight_churn_review_model
--@ comment src/sql/tasks/churn.sql insight_churn_review_model
--@ function src/sql/tasks/churn.sql insight_churn_review_features
--@ comment src/sql/tasks/churn.sql insight_churn_review_features
--@ function src/sql/tasks/churn.sql insight_churn_review_default
--@ comment src/sql/tasks/churn.sql insight_churn_review_default
--@ function src/sql/tasks/churn.sql insight_churn_review_names
--@ comment src/sql/tasks/churn.sql insight_churn_review_names
--@ function src/sql/tasks/churn.sql insight_churn_feature_names
--@ comment src/sql/tasks/churn.sql insight_churn_feature_names
--@ function src/sql/tasks/churn.sql insight_churn_features
--@ comment src/sql/tasks/churn.sql insight_churn_features
--@ function src/sql/tasks/churn.sql insight_churn_usable
--@ comment src/sql/tasks/churn.sql insight_churn_usable

-- a third argument, the sentiment model of the review features
DROP FUNCTION @extschema@.insight_churn_training_rows(timestamptz, interval);
-- (as of this update; the labels move to the shards in 89o_citus_labels)
CREATE OR REPLACE FUNCTION @extschema@.insight_churn_training_rows(cutoff timestamptz, horizon interval, sentiment_model_id bigint DEFAULT NULL)
RETURNS TABLE (customer_id text, features float8[], churned boolean, recency_days float8)
LANGUAGE sql STABLE PARALLEL SAFE
SET TimeZone = 'UTC'
SET IntervalStyle = 'postgres'
AS $$
WITH buyers AS (
    SELECT DISTINCT s.customer_id::pg_catalog.text AS customer_id
      FROM @extschema@.insight_sales s
     WHERE s.amount OPERATOR(pg_catalog.>) 0
       AND s.ordered_at OPERATOR(pg_catalog.>=) $1
       AND s.ordered_at OPERATOR(pg_catalog.<) ($1 OPERATOR(pg_catalog.+) $2)
)
SELECT f.customer_id, f.churn_features, b.customer_id IS NULL, f.recency_days
  FROM @extschema@.insight_churn_features($1, $3) f
  LEFT JOIN buyers b ON b.customer_id OPERATOR(pg_catalog.=) f.customer_id
 ORDER BY 1
$$;
--@ comment src/sql/tasks/churn.sql insight_churn_training_rows

--@ function src/sql/tasks/churn.sql insight_churn_setup
--@ comment src/sql/tasks/churn.sql insight_churn_setup
CREATE OR REPLACE FUNCTION @extschema@.insight_churn_fit(params jsonb, rows_table text)
RETURNS bytea
LANGUAGE plpgsql
AS $$
DECLARE
    algorithm pg_catalog.text := COALESCE(params OPERATOR(pg_catalog.->>) 'chosen', params OPERATOR(pg_catalog.->>) 'algorithm');
    query pg_catalog.text := pg_catalog.format('SELECT t.features, t.churned FROM pg_temp.%I t', rows_table);
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
'Fits the churn model of the params (insight_churn_algorithm_params, with algorithm and horizon; for algorithm auto the one named by params.chosen) on a temporary table of labelled rows (insight_churn_training_rows): logistic with insight_logreg_fit, gbdt with insight_gbdt_fit (feature names from insight_churn_feature_names, with the review features of a model trained with them), mlp with insight_mlp_fit (loss binary). A new churn algorithm is a row of insight_churn_algorithms and a branch here.';
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
CREATE OR REPLACE FUNCTION @extschema@.insight_churn_compare(t @extschema@.insight_training, active @extschema@.insight_models)
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
            SELECT @extschema@.insight_auc(@extschema@.insight_predict(
                       COALESCE(active.evaluation_weights, active.weights), r.features), r.churned)
              INTO active_auc FROM pg_temp.insight_churn_test r;
        ELSE
            SELECT @extschema@.insight_auc(@extschema@.insight_predict(
                       COALESCE(active.evaluation_weights, active.weights), f.churn_features), r.churned)
              INTO active_auc
              FROM pg_temp.insight_churn_test r
              JOIN @extschema@.insight_churn_features((t.setup OPERATOR(pg_catalog.->>) 'test_cutoff')::pg_catalog.timestamptz,
                                                      active_sentiment) f
                ON f.customer_id OPERATOR(pg_catalog.=) r.customer_id;
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
--@ function src/sql/tasks/churn.sql insight_churn
--@ comment src/sql/tasks/churn.sql insight_churn
--@ function src/sql/tasks/churn.sql insight_churn_scores_at
--@ comment src/sql/tasks/churn.sql insight_churn_scores_at
--@ function src/sql/tasks/churn.sql insight_churn_reasons
--@ comment src/sql/tasks/churn.sql insight_churn_reasons
--@ function src/sql/tasks/churn.sql insight_retention_targets_at
--@ comment src/sql/tasks/churn.sql insight_retention_targets_at
--@ function src/sql/tasks/churn.sql insight_customer_360_features
--@ comment src/sql/tasks/churn.sql insight_customer_360_features
CREATE OR REPLACE FUNCTION @extschema@.insight_report_today(ctx jsonb)
RETURNS jsonb
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
SET TimeZone = 'UTC'
SET IntervalStyle = 'postgres'
SET jit = off
SET max_parallel_workers_per_gather = 0
AS $$
DECLARE
    lang pg_catalog.text := ctx ->> 'lang';
    as_of pg_catalog.timestamptz := (ctx ->> 'as_of')::pg_catalog.timestamptz;
    sm @extschema@.insight_models;
    churn_active boolean := EXISTS (SELECT 1 FROM @extschema@.insight_active_model('churn'));
    clv_active boolean := EXISTS (SELECT 1 FROM @extschema@.insight_active_model('clv'));
    clv_serving boolean;
    na pg_catalog.text := @extschema@.insight_report_msg(lang, 'na');
    today pg_catalog.jsonb;
BEGIN
    SELECT * INTO sm FROM @extschema@.insight_active_model('segments') mm;
    -- as insight_customer_360_clv: the CLV scores value the targets only when the model can serve
    -- (asked, with its NOTICE when it cannot, only when there are targets to value)
    clv_serving := churn_active AND clv_active AND EXISTS (SELECT 1 FROM @extschema@.insight_serving_model('clv'));

    -- one pass over the sales, by order and time (hashed: a sort of every line costs more)
    WITH o AS MATERIALIZED (
        SELECT s.customer_id, s.ordered_at AS at, s.order_id, pg_catalog.count(*) AS lines,
               pg_catalog.bool_or(s.quantity > 0 AND s.amount >= 0) AS purchase,
               pg_catalog.sum(s.amount) FILTER (WHERE s.amount > 0) AS revenue,
               pg_catalog.sum(s.amount::numeric) FILTER (WHERE s.quantity > 0 AND s.amount >= 0) AS spend
          FROM @extschema@.insight_sales s
         WHERE as_of IS NULL OR s.ordered_at < as_of
         GROUP BY 1, 2, 3
    ),
    -- the data section: every customer's months with a purchase (customers numbered, not named), the totals
    a AS (
        SELECT o.customer_id, pg_catalog.date_trunc('month', o.at) AS month, pg_catalog.sum(o.lines)::bigint AS lines,
               pg_catalog.count(DISTINCT o.order_id) AS orders, pg_catalog.min(o.at) AS first_at, pg_catalog.max(o.at) AS last_at,
               pg_catalog.max(o.at) FILTER (WHERE o.purchase) AS last_purchase_at, pg_catalog.sum(o.revenue) AS revenue,
               GROUPING(o.customer_id) AS total
          FROM o
         GROUP BY ROLLUP ((o.customer_id, pg_catalog.date_trunc('month', o.at)))
    ), g AS (
        SELECT a.*, CASE WHEN a.customer_id IS NOT NULL AND a.total = 0
                         THEN pg_catalog.dense_rank() OVER (ORDER BY a.customer_id) END AS customer_n
          FROM a
    ), d AS (
        SELECT pg_catalog.max(g.lines) FILTER (WHERE g.total = 1) AS lines,
               pg_catalog.max(g.orders) FILTER (WHERE g.total = 1) AS orders,
               pg_catalog.max(g.first_at) FILTER (WHERE g.total = 1) AS first_at,
               pg_catalog.max(g.last_at) FILTER (WHERE g.total = 1) AS last_at,
               pg_catalog.max(g.last_purchase_at) FILTER (WHERE g.total = 1) AS last_purchase_at,
               pg_catalog.max(g.revenue) FILTER (WHERE g.total = 1) AS revenue,
               pg_catalog.count(DISTINCT g.customer_n) FILTER (WHERE g.total = 0 AND g.revenue IS NOT NULL) AS buyers,
               pg_catalog.count(DISTINCT g.customer_n) FILTER (WHERE g.total = 0) AS customers,
               pg_catalog.array_agg(g.customer_n) FILTER (WHERE g.total = 0 AND g.revenue IS NOT NULL) AS cm_customer,
               pg_catalog.array_agg(g.month) FILTER (WHERE g.total = 0 AND g.revenue IS NOT NULL) AS cm_month,
               pg_catalog.array_agg(g.revenue) FILTER (WHERE g.total = 0 AND g.revenue IS NOT NULL) AS cm_revenue
          FROM g
    ),
    -- the CLV summary from the same pass, as insight_clv_summary(as_of, period) computes it (the
    -- purchase days of every customer with their exact spend; as_of by default the start of the
    -- UTC day after the latest purchase; 94_report_html compares the two), and the 12-month CLV
    -- as insight_clv_scores_at scores it
    ca AS (
        SELECT x.*, @extschema@.insight_clv_period_seconds(x.period) AS period_seconds,
               ((COALESCE(as_of, ((d.last_purchase_at AT TIME ZONE 'UTC')::pg_catalog.date + 1)::pg_catalog.timestamp AT TIME ZONE 'UTC')
                 - interval '1 microsecond') AT TIME ZONE 'UTC')::pg_catalog.date AS last_day
          FROM @extschema@.insight_clv_active() x, d
         WHERE clv_active
    ), days AS (
        SELECT o.customer_id, (o.at AT TIME ZONE 'UTC')::pg_catalog.date AS day, pg_catalog.sum(o.spend) AS spend,
               pg_catalog.min((o.at AT TIME ZONE 'UTC')::pg_catalog.date) OVER (PARTITION BY o.customer_id) AS first_day
          FROM o
         WHERE o.purchase AND o.customer_id IS NOT NULL AND clv_active
         GROUP BY 1, 2
    ), k AS (
        SELECT days.customer_id, (pg_catalog.count(*) - 1)::integer AS frequency,
               (pg_catalog.max(days.day) - pg_catalog.min(days.day))::pg_catalog.float8 * 86400 / ca.period_seconds AS recency,
               (ca.last_day - pg_catalog.min(days.day))::pg_catalog.float8 * 86400 / ca.period_seconds AS "T",
               (pg_catalog.avg(days.spend) FILTER (WHERE days.day > days.first_day))::pg_catalog.float8 AS monetary_value
          FROM days, ca
         GROUP BY days.customer_id, ca.period_seconds, ca.last_day
    ), c AS MATERIALIZED (
        SELECT k.customer_id::pg_catalog.text AS customer_id, k.frequency, k."T",
               @extschema@.insight_clv_value(ca.transactions, ca.spend, k.frequency, k.recency, k."T",
                                             k.monetary_value, 12, 0.01, ca.period) AS clv_12m
          FROM ca, k
    ),
    -- the features of every customer, once, with the churn vector of the
    -- active churn model (its review features when it was trained with them)
    f AS MATERIALIZED (
        SELECT * FROM @extschema@.insight_churn_features(as_of,
                          (SELECT (m.params ->> 'sentiment_model_id')::bigint FROM @extschema@.insight_active_model('churn') m))
    ),
    -- the retention targets, as insight_retention_targets_at ranks them, from f and c
    model AS (
        SELECT m.model_id, m.weights, pg_catalog.date_part('epoch', (m.params ->> 'horizon')::interval) / 86400 AS horizon_days,
               (m.params ->> 'sentiment_model_id')::bigint AS sentiment_model_id
          FROM @extschema@.insight_active_model('churn') m
    ), val AS (
        SELECT v.weights FROM @extschema@.insight_serving_model('value') v WHERE churn_active
    ), basis AS (
        SELECT CASE WHEN EXISTS (SELECT 1 FROM val) THEN 'value_model'
                    WHEN clv_serving AND EXISTS (SELECT 1 FROM c) THEN 'clv_12m' ELSE 'past_rate' END AS value_basis
    ), scored AS MATERIALIZED (   -- each model called once per customer
        SELECT f.customer_id, f.churn_features, f.recency_days, f.orders,
               @extschema@.insight_predict(m.weights, f.churn_features) AS churn_probability,
               CASE b.value_basis WHEN 'value_model' THEN (SELECT @extschema@.insight_value_predict(v.weights, f.features) FROM val v)
                                  WHEN 'clv_12m' THEN c.clv_12m
                    ELSE f.monetary * ((f.orders * m.horizon_days) / GREATEST(f.tenure_days, m.horizon_days)) END AS expected_value
          FROM model m, basis b, f LEFT JOIN c ON clv_serving AND c.customer_id = f.customer_id::pg_catalog.text
    ), t AS (
        SELECT scored.*, pg_catalog.row_number() OVER (ORDER BY scored.churn_probability * scored.expected_value DESC NULLS LAST, scored.customer_id) AS n,
               scored.churn_probability * scored.expected_value AS value_at_risk
          FROM scored
    ), tg AS (
        SELECT pg_catalog.array_agg(ARRAY[
                   CASE WHEN (ctx ->> 'ids')::boolean THEN t.customer_id ELSE t.n::pg_catalog.text END,
                   @extschema@.insight_report_num(t.churn_probability, 3, lang),
                   @extschema@.insight_report_num(t.value_at_risk, 0, lang),
                   @extschema@.insight_report_num(t.recency_days, 0, lang),
                   @extschema@.insight_report_num(t.orders, 0, lang),
                   -- a reason is "name +0.42": the feature's name in the page's language, then its contribution
                   COALESCE((SELECT pg_catalog.string_agg(@extschema@.insight_report_msg(lang, 'feature.' || pg_catalog.split_part(r.name, ' ', 1))
                                                          || ' ' || pg_catalog.split_part(r.name, ' ', 2),
                                                          @extschema@.insight_report_msg(lang, 'label.sep') ORDER BY r.i)
                               FROM pg_catalog.unnest(@extschema@.insight_top_reasons(@extschema@.insight_churn_feature_names(m.sentiment_model_id),
                                        @extschema@.insight_contributions(m.weights, t.churn_features), 3)) WITH ORDINALITY r(name, i)), na)] ORDER BY t.n)
                   FILTER (WHERE t.n <= 10) AS rows,
               (SELECT b.value_basis FROM basis b) AS basis,
               pg_catalog.array_agg(t.churn_probability) AS probabilities
          FROM t, model m
    ),
    -- the RFM scores, as insight_rfm_scores computes them, from f; the k-means clusters
    rw AS (
        SELECT f.customer_id, f.recency_days, f.orders AS frequency, f.total_spend AS monetary,
               pg_catalog.count(*) OVER () AS n,
               pg_catalog.rank() OVER (ORDER BY f.recency_days DESC) - 1 AS r_worse,
               pg_catalog.rank() OVER (ORDER BY f.orders) - 1 AS f_worse,
               pg_catalog.rank() OVER (ORDER BY f.total_spend) - 1 AS m_worse
          FROM f
    ), rfm AS (
        SELECT pg_catalog.array_agg(@extschema@.insight_rfm_segment((1 + ((5 * rw.r_worse) / rw.n))::integer, (1 + ((5 * rw.f_worse) / rw.n))::integer,
                                                                     (1 + ((5 * rw.m_worse) / rw.n))::integer) ORDER BY rw.customer_id) AS segs,
               pg_catalog.array_agg(rw.recency_days ORDER BY rw.customer_id) AS rec,
               pg_catalog.array_agg(rw.frequency::pg_catalog.float8 ORDER BY rw.customer_id) AS frq,
               pg_catalog.array_agg(rw.monetary ORDER BY rw.customer_id) AS mon,
               pg_catalog.array_agg(CASE WHEN sm.model_id IS NOT NULL
                                         THEN @extschema@.insight_segment_cluster(sm.weights, sm.preprocessing, rw.recency_days, rw.frequency, rw.monetary) END
                                    ORDER BY rw.customer_id) AS cls
          FROM rw
    ),
    -- the CLV section's grid of the matrices and the concentration by decile, from c
    cd AS (SELECT c.clv_12m, pg_catalog.ntile(10) OVER (ORDER BY c.clv_12m DESC, c.customer_id) AS decile FROM c WHERE c.clv_12m IS NOT NULL),
    dd AS (SELECT cd.decile, pg_catalog.count(*) AS n, pg_catalog.sum(cd.clv_12m) / pg_catalog.sum(pg_catalog.sum(cd.clv_12m)) OVER () AS share,
                  pg_catalog.sum(cd.clv_12m) AS clv
             FROM cd GROUP BY 1),
    con AS (
        SELECT (SELECT GREATEST(1, pg_catalog.percentile_disc(0.95) WITHIN GROUP (ORDER BY c.frequency)) FROM c) AS f_max,
               (SELECT pg_catalog.max(c."T") FROM c) AS t_max,
               pg_catalog.array_agg(dd.decile::pg_catalog.text ORDER BY dd.decile) AS labels,
               ARRAY[pg_catalog.array_agg(dd.share ORDER BY dd.decile)] AS vals,
               pg_catalog.array_agg(@extschema@.insight_report_pct(dd.share, lang) ORDER BY dd.decile) AS texts,
               pg_catalog.array_agg(ARRAY[dd.decile::pg_catalog.text, @extschema@.insight_report_num(dd.n, 0, lang), @extschema@.insight_report_num(dd.clv, 0, lang),
                                          @extschema@.insight_report_pct(dd.share, lang)] ORDER BY dd.decile) AS rows,
               pg_catalog.max(dd.share) FILTER (WHERE dd.decile = 1) AS top
          FROM dd
    )
    SELECT pg_catalog.jsonb_build_object('data', (SELECT pg_catalog.to_jsonb(d) FROM d), 'targets', (SELECT pg_catalog.to_jsonb(tg) FROM tg),
                                         'rfm', (SELECT pg_catalog.to_jsonb(rfm) FROM rfm), 'clv', (SELECT pg_catalog.to_jsonb(con) FROM con WHERE clv_active))
      INTO today;
    RETURN today;
END
$$;

UPDATE @extschema@.insight_task_steps SET usable = '@extschema@.insight_churn_usable(@extschema@.insight_models)'
 WHERE task OPERATOR(pg_catalog.=) 'churn';

INSERT INTO @extschema@.insight_report_messages (key, lang, message)
SELECT v.key, l.lang, CASE l.lang WHEN 'en' THEN v.en ELSE @extschema@.insight_unicode_text(v.zh) END
  FROM (VALUES
    ('feature.review_count', 'reviews written', '\u8bc4\u8bba\u6570'),
    ('feature.review_mean_sentiment', 'mean review sentiment', '\u8bc4\u8bba\u5e73\u5747\u60c5\u611f'),
    ('feature.review_share_negative', 'share of negative reviews', '\u8d1f\u9762\u8bc4\u8bba\u5360\u6bd4')
  ) v(key, en, zh), (VALUES ('en'), ('zh')) l(lang)
 WHERE l.lang OPERATOR(pg_catalog.=) 'en' OR @extschema@.insight_unicode_text(v.zh) IS NOT NULL;

-- Server encodings: the install and upgrade scripts are ASCII (the Makefile
-- checks it); the report's Chinese texts are decoded into the database's
-- encoding (insight_unicode_text), and a database that cannot hold them
-- gets none and a clear error for lang zh.
--@ function src/sql/tasks/report_html_parts.sql insight_report_msg
--@ comment src/sql/tasks/report_html_parts.sql insight_report_msg

-- comments of 0.1.0 brought to their ASCII text
COMMENT ON AGGREGATE @extschema@.insight_auc(float8, boolean) IS
'Exact area under the ROC curve of scores for label true: the share of (true, false) pairs in which the true row scores higher, ties counting one half (Mann-Whitney U / (P*N); equals scikit-learn roc_auc_score). Only the order of the scores matters. NULL with a NOTICE when one class is missing; NaN scores are an error. Keeps every pair in memory (16 bytes a row, limited by insight.max_training_memory).';
COMMENT ON AGGREGATE @extschema@.insight_brier(float8, boolean) IS
'Brier score: mean of (p - y)^2 over probabilities p of label true, y = 1 for true and 0 for false (as scikit-learn brier_score_loss). Probabilities outside [0, 1] are an error.';
--@ comment src/sql/models/linear/logreg.sql insight_logreg_predict
--@ comment src/sql/models/linear/logreg.sql insight_logreg_contributions
