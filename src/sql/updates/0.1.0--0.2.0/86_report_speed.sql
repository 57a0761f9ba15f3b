-- Issue 22, what the HTML report still missed (src/sql/tasks/*, copied here):
-- speed (the charts of the churn and CLV evaluations stored at training in
-- metrics.curves and metrics.holdout_curves,
-- the value model scored from the targets' own features, the text report
-- ranking the targets once), cluster labels true of their members in the
-- report, insight_customer_360 and insight_segment_summary (one labelling,
-- insight_cluster_profiles; k at the knee of the inertia curve), and a section
-- for the deep value model (its gain chart stored by insight_value_metrics).

-- tasks/segments.sql

-- The segments task's steps (see tasks/train.sql): no evaluation and no
-- comparison, since clusterings of different data have no common quality
-- measure: the newest one serves.
--@ function src/sql/tasks/segments.sql insight_segments_setup

--@ comment src/sql/tasks/segments.sql insight_segments_setup

-- The knee of a k-means inertia curve (Satopaa, Albrecht, Irwin & Raghavan
-- 2011, "Finding a 'Kneedle' in a Haystack", for a decreasing convex curve):
-- with k and inertia scaled to 0..1 over the curve, the k where the drop in
-- inertia so far most exceeds the share of the k range used.  The silhouette
-- favours k = 2 on skewed data (a small cluster of big spenders against
-- everyone else), whose clusters are too broad for a label to hold.
--@ function src/sql/tasks/segments.sql insight_kmeans_knee

--@ comment src/sql/tasks/segments.sql insight_kmeans_knee

CREATE OR REPLACE FUNCTION @extschema@.insight_segments_serve(t @extschema@.insight_training)
RETURNS @extschema@.insight_training
LANGUAGE plpgsql
AS $$
DECLARE
    info pg_catalog.jsonb;
    curve pg_catalog.jsonb;
    knee integer;
    query pg_catalog.text := pg_catalog.format('SELECT %I.insight_scaler_transform(%L::pg_catalog.bytea, r.raw) FROM pg_temp.insight_segments_training r',
                                               '@extschema@', t.preprocessing);
BEGIN
    t.weights := @extschema@.insight_kmeans_fit(query, (t.params OPERATOR(pg_catalog.->>) 'k')::integer, n_init => 10, seed => 0);
    info := @extschema@.insight_model_info(t.weights);
    curve := info OPERATOR(pg_catalog.->) 'k_curve';
    -- k NULL: the knee of the inertia curve of k = 2..10, refitted with that k
    IF t.params OPERATOR(pg_catalog.->>) 'k' IS NULL THEN
        knee := @extschema@.insight_kmeans_knee(curve);
        IF knee IS NOT NULL AND knee OPERATOR(pg_catalog.<>) (info OPERATOR(pg_catalog.->>) 'k')::integer THEN
            t.weights := @extschema@.insight_kmeans_fit(query, knee, n_init => 10, seed => 0);
            info := @extschema@.insight_model_info(t.weights);
        END IF;
    END IF;
    t.metrics := pg_catalog.jsonb_build_object(
        'customers', info OPERATOR(pg_catalog.->) 'rows',
        'k', info OPERATOR(pg_catalog.->) 'k',
        'k_rule', CASE WHEN t.params OPERATOR(pg_catalog.->>) 'k' IS NULL THEN 'knee of the inertia' ELSE 'given' END,
        'inertia', info OPERATOR(pg_catalog.->) 'inertia',
        'silhouette', info OPERATOR(pg_catalog.->) 'silhouette',
        'iterations', info OPERATOR(pg_catalog.->) 'iterations',
        'sizes', info OPERATOR(pg_catalog.->) 'sizes',
        'k_curve', curve);
    RETURN t;
END
$$;

COMMENT ON FUNCTION @extschema@.insight_segments_serve(@extschema@.insight_training) IS
'Segments step serve: k-means (k-means++, n_init 10, seed 0) on the standardized log-RFM; k NULL: k-means for k = 2..10, then k at the knee of the inertia curve (insight_kmeans_knee, Kneedle) refitted (the silhouette, which favours k = 2 on skewed data, is kept in k_curve); metrics from the model''s info, k_rule (''knee of the inertia'' or ''given'') and the k_curve.';

CREATE OR REPLACE FUNCTION @extschema@.insight_train_segments(k integer DEFAULT NULL, as_of timestamptz DEFAULT NULL)
RETURNS bigint
LANGUAGE sql
AS $$ SELECT @extschema@.insight_train_task(@extschema@.insight_segments_setup($1, $2)) $$;

COMMENT ON FUNCTION @extschema@.insight_train_segments(integer, timestamptz) IS
'Cluster the customers with a purchase before as_of (default: the whole history) by k-means on standardized log-RFM (insight_log_rfm, standardized by insight_scaler_fit; the scaler is stored as the model''s preprocessing), k-means++ with n_init = 10 and seed 0; k => NULL chooses k in 2..10 at the knee of the inertia curve (insight_kmeans_knee: Kneedle, Satopaa et al. 2011). Stores the model as task ''segments'' (metrics: customers, k, k_rule, inertia, silhouette, iterations, sizes, k_curve with the inertia and silhouette of k = 2..10) and activates it: clusterings of different data have no common quality measure, so the newest one serves (insight_rollback(''segments'') puts back the previous one). Returns the model_id. Runs through insight_train_task() (steps insight_segments_*). The training rows live in a temporary table, so its passes run without parallel workers.';

-- The clusters of the active segments model described by their members (not
-- their centroids): one labelling for the report, insight_customer_360 and
-- insight_segment_summary.  A customer is "recent" when their days since the
-- last purchase are below the median customer's, "frequent" / "high spend"
-- when their orders / total spend are above it; a cluster is labelled so when
-- at least three quarters of its members are (the other side when at most a
-- quarter are), "mixed" otherwise (insight_report_cluster_label).  So the
-- median member is on the labelled side of the median customer.
CREATE OR REPLACE FUNCTION @extschema@.insight_cluster_profiles(clusters integer[], recency_days float8[], frequency float8[],
                                                     monetary float8[], lang text DEFAULT 'en')
RETURNS TABLE (cluster integer, customers bigint, recent_share float8, frequent_share float8, high_spend_share float8,
               recency_quartiles float8[], frequency_quartiles float8[], monetary_quartiles float8[], label text)
LANGUAGE sql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
WITH u AS (
    SELECT x.c, x.r, x.f, x.m
      FROM ROWS FROM (pg_catalog.unnest(clusters), pg_catalog.unnest(recency_days), pg_catalog.unnest(frequency),
                      pg_catalog.unnest(monetary)) x(c, r, f, m)
), med AS (
    SELECT pg_catalog.percentile_cont(0.5) WITHIN GROUP (ORDER BY u.r) AS r, pg_catalog.percentile_cont(0.5) WITHIN GROUP (ORDER BY u.f) AS f,
           pg_catalog.percentile_cont(0.5) WITHIN GROUP (ORDER BY u.m) AS m FROM u
), p AS (
    SELECT u.c, pg_catalog.count(*) AS n,
           pg_catalog.avg((u.r < med.r)::integer)::pg_catalog.float8 AS recent,
           pg_catalog.avg((u.f > med.f)::integer)::pg_catalog.float8 AS frequent,
           pg_catalog.avg((u.m > med.m)::integer)::pg_catalog.float8 AS high,
           pg_catalog.percentile_cont(ARRAY[0.25, 0.5, 0.75]) WITHIN GROUP (ORDER BY u.r) AS rq,
           pg_catalog.percentile_cont(ARRAY[0.25, 0.5, 0.75]) WITHIN GROUP (ORDER BY u.f) AS fq,
           pg_catalog.percentile_cont(ARRAY[0.25, 0.5, 0.75]) WITHIN GROUP (ORDER BY u.m) AS mq
      FROM u, med WHERE u.c IS NOT NULL GROUP BY u.c
)
SELECT p.c, p.n, p.recent, p.frequent, p.high, p.rq, p.fq, p.mq,
       @extschema@.insight_report_cluster_label(lang, p.recent, p.frequent, p.high)
  FROM p ORDER BY p.c
$$;

COMMENT ON FUNCTION @extschema@.insight_cluster_profiles(integer[], float8[], float8[], float8[], text) IS
'The clusters of a segments model described by their members: clusters[i], recency_days[i], frequency[i] (orders) and monetary[i] (total spend) are one customer (insight_rfm_scores with insight_segment_cluster; a customer with a NULL cluster counts only towards the medians). Per cluster: customers; recent_share, frequent_share and high_spend_share = the shares of members with fewer days since the last purchase, more orders, more total spend than the median customer; the quartiles (25, 50, 75 %) of each; and label = insight_report_cluster_label(lang, the three shares): recent / frequent / high spend at a share of at least 3/4, lapsed / infrequent / low spend at most 1/4, mixed otherwise, so each word holds for at least three quarters of the members and for their median. lang: en or zh (insight_report_messages). The one labelling of clusters of insight_report_html, insight_customer_360 and insight_segment_summary.';

-- The segments concern of insight_customer_360 (see insight_churn_views_sql).
--@ function src/sql/tasks/segments.sql insight_customer_360_segments

--@ comment src/sql/tasks/segments.sql insight_customer_360_segments

-- tasks/segment_summary.sql

CREATE OR REPLACE FUNCTION @extschema@.insight_segment_profiles(as_of timestamptz DEFAULT NULL)
RETURNS TABLE (kind text, segment text, cluster integer, customers bigint, customer_share float8,
               mean_recency_days float8, mean_frequency float8, mean_monetary float8,
               revenue float8, revenue_share float8, mean_churn_probability float8,
               total_clv_12m float8)
LANGUAGE sql STABLE
AS $$
WITH m AS (
    SELECT mo.weights, mo.preprocessing FROM @extschema@.insight_active_model('segments') mo
),
r AS MATERIALIZED (
    SELECT s.recency_days, s.frequency, s.monetary, s.segment, x.churn_probability, x.clv_12m,
           (SELECT @extschema@.insight_segment_cluster(m.weights, m.preprocessing, s.recency_days, s.frequency, s.monetary)
              FROM m) AS cluster
      FROM @extschema@.insight_rfm_scores($1) s
      LEFT JOIN @extschema@.insight_segment_model_scores($1) x
             ON x.customer_id OPERATOR(pg_catalog.=) s.customer_id::pg_catalog.text
),
labels AS (
    SELECT p.cluster, p.label
      FROM @extschema@.insight_cluster_profiles(
               (SELECT pg_catalog.array_agg(r.cluster) FROM r), (SELECT pg_catalog.array_agg(r.recency_days) FROM r),
               (SELECT pg_catalog.array_agg(r.frequency::pg_catalog.float8) FROM r), (SELECT pg_catalog.array_agg(r.monetary) FROM r)) p
     WHERE EXISTS (SELECT 1 FROM m)
),
labelled AS (
    SELECT 'rfm'::pg_catalog.text AS kind, r.segment, NULL::integer AS cluster, r.recency_days, r.frequency, r.monetary,
           r.churn_probability, r.clv_12m
      FROM r
    UNION ALL
    SELECT 'cluster', NULL, r.cluster, r.recency_days, r.frequency, r.monetary, r.churn_probability, r.clv_12m
      FROM r WHERE EXISTS (SELECT 1 FROM m)
),
agg AS (
    SELECT l.kind, l.segment, l.cluster, pg_catalog.count(*) AS customers,
           pg_catalog.avg(l.recency_days) AS mean_recency_days,
           pg_catalog.avg(l.frequency)::pg_catalog.float8 AS mean_frequency,
           pg_catalog.avg(l.monetary) AS mean_monetary,
           pg_catalog.sum(l.monetary) AS revenue,
           pg_catalog.avg(l.churn_probability) AS mean_churn_probability,
           pg_catalog.sum(l.clv_12m) AS total_clv_12m
      FROM labelled l
     GROUP BY l.kind, l.segment, l.cluster
)
SELECT a.kind,
       COALESCE(a.segment, (SELECT labels.label FROM labels WHERE labels.cluster OPERATOR(pg_catalog.=) a.cluster)),
       a.cluster, a.customers,
       a.customers::pg_catalog.float8 OPERATOR(pg_catalog./) pg_catalog.sum(a.customers) OVER (PARTITION BY a.kind),
       a.mean_recency_days, a.mean_frequency, a.mean_monetary, a.revenue,
       a.revenue OPERATOR(pg_catalog./) pg_catalog.sum(a.revenue) OVER (PARTITION BY a.kind),
       a.mean_churn_probability, a.total_clv_12m
  FROM agg a
 ORDER BY a.kind DESC,
          pg_catalog.array_position(@extschema@.insight_rfm_segment_names(), a.segment),
          a.cluster
$$;

COMMENT ON FUNCTION @extschema@.insight_segment_profiles(timestamptz) IS
'Profiles of the customers with a purchase before as_of (default: the whole history): one row per RFM segment (kind ''rfm'', segment name, in map order) and, when a segments model is active, one per cluster (kind ''cluster'', cluster number, label from its members: insight_cluster_profiles). customers and customer_share; mean recency_days, frequency (orders) and monetary (total spend) as in insight_rfm; revenue = total spend of the group and revenue_share of all; mean_churn_probability (active churn model) and total_clv_12m (active CLV models: sum of the 12-month CLV at 1 % a month), NULL when that model is not active.';

COMMENT ON VIEW @extschema@.insight_segment_summary IS
'Segment profiles over the whole history, for BI tools: per RFM segment (kind = ''rfm'') and per cluster of the active segments model (kind = ''cluster'', with a label true of its members such as ''lapsed, infrequent, low spend'', insight_cluster_profiles): customers, share of customers, mean recency (days since the last purchase), mean frequency (orders), mean monetary (total spend), revenue (total spend) and share of revenue, mean churn probability and total 12-month CLV (NULL without an active churn / CLV model). See insight_segment_profiles(as_of) for another cut-off.';

COMMENT ON COLUMN @extschema@.insight_segment_summary.segment IS 'RFM segment name (kind rfm), or the cluster''s label from its members (insight_cluster_profiles: what holds for at least three quarters of them against the median customer; kind cluster).';

-- tasks/churn.sql

-- The charts of an out-of-time churn evaluation, computed once by the
-- evaluate step and stored in metrics.curves (insight_report_html draws them):
-- ROC of the model and of recency alone, churners by decile of risk (gain)
-- and predicted against observed churn by decile of probability
-- (calibration).  ps, ys and rs pair up by position, in customer order.
--@ function src/sql/tasks/churn.sql insight_churn_curves

--@ comment src/sql/tasks/churn.sql insight_churn_curves

CREATE OR REPLACE FUNCTION @extschema@.insight_churn_evaluate(t @extschema@.insight_training)
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
    n_test bigint;
BEGIN
    -- out-of-time evaluation: fit at the training cutoff, measure at the test
    -- cutoff; for 'auto' every algorithm, keeping the best AUC (the simpler
    -- one on a tie, or when no AUC is defined)
    FOR a IN SELECT * FROM @extschema@.insight_churn_algorithms() x
              WHERE t.params OPERATOR(pg_catalog.->>) 'algorithm' OPERATOR(pg_catalog.=) ANY (ARRAY[x.algorithm, 'auto'])
              ORDER BY x.complexity LOOP
        w := @extschema@.insight_churn_fit(t.params OPERATOR(pg_catalog.||) pg_catalog.jsonb_build_object('chosen', a.algorithm),
                                           'insight_churn_train');
        SELECT @extschema@.insight_binary_metrics(@extschema@.insight_predict(w, r.features), r.churned) INTO m
          FROM pg_temp.insight_churn_test r;
        auc := (m OPERATOR(pg_catalog.->>) 'auc')::pg_catalog.float8;
        -- the charts of the evaluation, in customer order (as insight_report_html drew them)
        m := m OPERATOR(pg_catalog.||) pg_catalog.jsonb_build_object('curves',
                 (SELECT @extschema@.insight_churn_curves(
                             pg_catalog.array_agg(@extschema@.insight_predict(w, r.features) ORDER BY r.customer_id),
                             pg_catalog.array_agg(r.churned ORDER BY r.customer_id),
                             pg_catalog.array_agg(r.recency_days ORDER BY r.customer_id))
                    FROM pg_temp.insight_churn_test r));
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
    SELECT @extschema@.insight_auc(r.recency_days, r.churned), pg_catalog.count(*)
      INTO t.baseline_score, n_test
      FROM pg_temp.insight_churn_test r;
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
'Churn step evaluate: fits the evaluation model on insight_churn_train and measures it on insight_churn_test (insight_binary_metrics; score: AUC) next to the baseline, the AUC of recency_days alone, and stores the charts of the chosen model''s evaluation in metrics.curves (insight_churn_curves: ROC of the model and of recency, gain and calibration by decile). With algorithm auto it fits every algorithm of insight_churn_algorithms, keeps the one with the best AUC (the simpler one on a tie; params.chosen names it, with a NOTICE) and records each one''s AUC in metrics.candidates.';

-- Expected value: with an active CLV model, the customer's CLV over 12
-- months (insight_customer_360_clv, defined with the CLV functions in
-- tasks/clv.sql: an extension script runs with check_function_bodies off,
-- so a body may name a function of a later part); without one, monetary (mean order value)
-- x orders expected in the horizon at the customer's past rate, orders /
-- max(tenure, horizon) (so a new customer's rate is not inflated).  Value at
-- risk = churn probability x expected value.
CREATE OR REPLACE FUNCTION @extschema@.insight_retention_targets_at(as_of timestamptz DEFAULT NULL)
RETURNS TABLE (customer_id text, churn_probability float8, expected_orders float8,
               expected_value float8, value_at_risk float8, reasons text[],
               recency_days float8, orders integer, monetary float8, model_id bigint,
               clv_12m float8, value_basis text, clv_model_id bigint)
LANGUAGE sql STABLE PARALLEL SAFE
SET TimeZone = 'UTC'
SET IntervalStyle = 'postgres'
AS $$
WITH model AS (
    SELECT m.model_id, m.weights,
           pg_catalog.date_part('epoch', (m.params OPERATOR(pg_catalog.->>) 'horizon')::interval) OPERATOR(pg_catalog./) 86400 AS horizon_days
      FROM @extschema@.insight_active_model('churn') m
),
val AS (
    SELECT v.weights FROM @extschema@.insight_serving_model('value') v
),
scored AS (
    SELECT f.customer_id::pg_catalog.text AS customer_id, f.recency_days, f.orders, f.monetary, m.model_id,
           @extschema@.insight_predict(m.weights, f.features) AS churn_probability,
           (f.orders OPERATOR(pg_catalog.*) m.horizon_days)
               OPERATOR(pg_catalog./) GREATEST(f.tenure_days, m.horizon_days) AS expected_orders,
           @extschema@.insight_top_reasons(@extschema@.insight_feature_names(),
                                           @extschema@.insight_contributions(m.weights, f.features), 3) AS reasons,
           -- the value model scores the same features (as insight_value_scores_at would, without computing them again)
           (SELECT @extschema@.insight_value_predict(v.weights, f.features) FROM val v) AS expected_spend
      FROM model m, LATERAL @extschema@.insight_customer_features($1) f
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

--@ comment src/sql/tasks/churn.sql insight_retention_targets_at

--@ function src/sql/tasks/churn.sql insight_comment_churn_views

--@ comment src/sql/tasks/churn.sql insight_comment_churn_views

-- tasks/clv.sql

CREATE OR REPLACE FUNCTION @extschema@.insight_clv_prepare(t @extschema@.insight_training)
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
        SELECT h.customer_id, h.frequency, h.recency, h."T", h.actual, h.monetary_value, h.actual_spend
          FROM @extschema@.insight_clv_holdout_rows(c, t.trained_as_of, period) h;
    RETURN t;
END
$$;

COMMENT ON FUNCTION @extschema@.insight_clv_prepare(@extschema@.insight_training) IS
'CLV step prepare: the calibration summary at as_of - holdout with each customer''s actual repeat purchase days and spend in the holdout, in the temporary table insight_clv_holdout.';

-- The charts of a CLV holdout evaluation, computed once by the evaluate step
-- and stored in metrics.holdout_curves (insight_report_html draws them): the
-- calibration by frequency before the holdout (lifetimes'
-- plot_calibration_purchases_vs_holdout_purchases) for every top bucket
-- 1+ .. 7+, and the value gain and decile charts of google/lifetime_value
-- (predicted holdout revenue = expected purchases x the expected spend of a
-- Gamma-Gamma fitted on the calibration period).  The arrays pair up by
-- position: one element per customer of the calibration summary.
--@ function src/sql/tasks/clv.sql insight_clv_holdout_curves

--@ comment src/sql/tasks/clv.sql insight_clv_holdout_curves

CREATE OR REPLACE FUNCTION @extschema@.insight_clv_evaluate(t @extschema@.insight_training)
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
    curves pg_catalog.jsonb;
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
    t.metrics := t.metrics OPERATOR(pg_catalog.||) pg_catalog.jsonb_build_object(
        'algorithm', t.algorithm,
        'holdout_curves', curves,
        'holdout_mae', t.score,
        'bgnbd', bg_metrics,
        'pnbd', pn_metrics,
        'baseline', base_metrics OPERATOR(pg_catalog.||) '{"predictor": "past repeat rate x / T"}'::pg_catalog.jsonb,
        'beats_baseline', t.score OPERATOR(pg_catalog.<) t.baseline_score);
    RETURN t;
END
$$;

COMMENT ON FUNCTION @extschema@.insight_clv_evaluate(@extschema@.insight_training) IS
'CLV step evaluate: fits BG/NBD, Pareto/NBD and the modified BG/NBD (MBG/NBD) on the calibration summary (a fit that fails with 22003 is left out with a NOTICE; all failing is an error, 22003), compares each model''s predicted repeat purchase days in the holdout with the actual ones (insight_clv_error_metrics of the predictive mean, insight_transaction_model_expected_purchases: mae, rmse, correlation, totals; and mae_median, the MAE of the customer''s predictive median, insight_transaction_model_median_purchases, the point forecast for absolute error (Gneiting 2011); in metrics.bgnbd, .pnbd, .mbgnbd) and with those of the baseline "past repeat rate x / T continued" (metrics.baseline: the same of the rate, and mae_median of the median of a Poisson count with that mean, insight_clv_poisson_median), and keeps as the evaluation model (score: its mae_median) the model with the lowest mae_median; the models within 0.1 % of it tie (at the no-dropout limit the three are the same NBD model and their MAEs differ in the last digits), and among them the one whose P(alive) falls most with the time since the last purchase (the lowest insight_clv_spearman of P(alive) and T - recency on the calibration summary, p_alive_spearman_time_since_last_purchase in each model''s metrics) is kept, the first in the order BG/NBD, Pareto/NBD, MBG/NBD on a tie. metrics: algorithm (the choice), chosen_by, candidates (algorithm, mae_median, mae_mean and p_alive_spearman of every model fitted), runner_up and margin_over_runner_up (its mae_median minus the chosen one''s; down to -0.1 % of it), margin_over_baseline (the baseline''s lower MAE, of its rate or of its Poisson median, minus the chosen one''s mae_median; negative when the baseline is better), beats_baseline, and warning (a sentence, when the baseline is at least as good: the model is served all the same, and the reports say so); the holdout charts of the chosen model (insight_clv_holdout_curves) go to metrics.holdout_curves, and who came back in the holdout against the chosen model''s expectation, in four bands of the time since the last purchase (insight_clv_come_back), to metrics.come_back. On Citus, for a source distributed by customer (insight_clv_summary_query not NULL), the fits'' state is collected over the calibration summary''s query on the shards in one query (insight_clv_fit_state: one partial state per shard, combined on the coordinator) and each model fitted from it by its final function (the same model bytes, since the final function sorts and collapses the rows); the holdout metrics, charts and bands read the rows of insight_clv_holdout (one per calibration customer) on the coordinator.';

-- tasks/value.sql

--@ function src/sql/tasks/value.sql insight_value_metrics

--@ comment src/sql/tasks/value.sql insight_value_metrics

-- tasks/report.sql

CREATE OR REPLACE FUNCTION @extschema@.insight_report(top integer DEFAULT 10)
RETURNS text
LANGUAGE plpgsql STABLE
SET TimeZone = 'UTC'
SET IntervalStyle = 'postgres'
AS $$
DECLARE
    r pg_catalog.text;
    d record;
    m record;
    t record;
    examples pg_catalog.text[] := '{}';
    shown integer := 0;
    x pg_catalog.jsonb;
    n pg_catalog.text := @extschema@.insight_report_number(NULL);
BEGIN
    -- customers = customers with a purchase (a line with a positive amount),
    -- as insight_customer_features and insight_customer_360 count them
    SELECT pg_catalog.count(*) AS lines,
           pg_catalog.count(DISTINCT s.customer_id) FILTER (WHERE s.amount OPERATOR(pg_catalog.>) 0) AS customers,
           pg_catalog.count(DISTINCT s.customer_id) AS any_customers,
           pg_catalog.count(DISTINCT s.order_id) AS orders,
           pg_catalog.min(s.ordered_at) AS first_at, pg_catalog.max(s.ordered_at) AS last_at,
           pg_catalog.sum(s.amount) FILTER (WHERE s.amount OPERATOR(pg_catalog.>) 0) AS revenue
      INTO d FROM @extschema@.insight_sales s;
    r := E'insight report\n==============\n\nData covered\n'
      OPERATOR(pg_catalog.||) pg_catalog.format(E'  %s kept order lines (purchases and returns), %s customers with a purchase (%s more with returns only), %s orders\n  from %s to %s (UTC), revenue %s\n',
             d.lines, d.customers, d.any_customers OPERATOR(pg_catalog.-) d.customers, d.orders,
             @extschema@.insight_utc_text(d.first_at), @extschema@.insight_utc_text(d.last_at),
             @extschema@.insight_report_number(d.revenue, 2));

    SELECT * INTO m FROM @extschema@.insight_active_model('churn') mm;
    IF NOT FOUND THEN
        r := r OPERATOR(pg_catalog.||) E'\nChurn\n  No churn model is active: run SELECT insight_train_churn();\n';
    ELSE
        x := m.metrics;
        r := r OPERATOR(pg_catalog.||) pg_catalog.format(E'\nChurn: model %s (version %s, %s), churn = no purchase in the next %s\n',
                 m.model_id, m.version, @extschema@.insight_churn_model_text(m.params, x),
                 m.params OPERATOR(pg_catalog.->>) 'horizon')
          OPERATOR(pg_catalog.||) pg_catalog.format(E'  out of time: fitted on %s customers at %s (churn rate %s),\n',
                 x OPERATOR(pg_catalog.->>) 'train_rows', x OPERATOR(pg_catalog.->>) 'train_cutoff',
                 @extschema@.insight_report_number((x OPERATOR(pg_catalog.->>) 'train_churn_rate')::pg_catalog.float8))
          OPERATOR(pg_catalog.||) pg_catalog.format(E'  measured on %s customers at %s (churn rate %s)\n',
                 x OPERATOR(pg_catalog.->>) 'test_rows', x OPERATOR(pg_catalog.->>) 'test_cutoff',
                 @extschema@.insight_report_number((x OPERATOR(pg_catalog.#>>) '{test,base_rate}')::pg_catalog.float8))
          OPERATOR(pg_catalog.||) pg_catalog.format(E'  AUC %s against %s for recency alone: %s\n',
                 @extschema@.insight_report_number((x OPERATOR(pg_catalog.->>) 'auc')::pg_catalog.float8),
                 @extschema@.insight_report_number((x OPERATOR(pg_catalog.#>>) '{baseline,auc}')::pg_catalog.float8),
                 CASE WHEN (x OPERATOR(pg_catalog.->>) 'beats_baseline')::boolean THEN 'beats the baseline'
                      WHEN NOT (x OPERATOR(pg_catalog.->>) 'beats_baseline')::boolean THEN 'does NOT beat the baseline'
                      ELSE 'not measurable' END)
          OPERATOR(pg_catalog.||) pg_catalog.format(E'  log loss %s, Brier %s; at 0.5: precision %s, recall %s, F1 %s\n',
                 @extschema@.insight_report_number((x OPERATOR(pg_catalog.#>>) '{test,log_loss}')::pg_catalog.float8),
                 @extschema@.insight_report_number((x OPERATOR(pg_catalog.#>>) '{test,brier}')::pg_catalog.float8),
                 @extschema@.insight_report_number((x OPERATOR(pg_catalog.#>>) '{test,at_0_5,precision}')::pg_catalog.float8),
                 @extschema@.insight_report_number((x OPERATOR(pg_catalog.#>>) '{test,at_0_5,recall}')::pg_catalog.float8),
                 @extschema@.insight_report_number((x OPERATOR(pg_catalog.#>>) '{test,at_0_5,f1}')::pg_catalog.float8))
          OPERATOR(pg_catalog.||) pg_catalog.format(E'  serving model fitted on %s customers at %s\n',
                 x OPERATOR(pg_catalog.->>) 'serve_rows', x OPERATOR(pg_catalog.->>) 'serve_cutoff');

        r := r OPERATOR(pg_catalog.||) pg_catalog.format(E'\nTop %s customers to retain (value at risk = churn probability x expected value, %s)\n', top,
                                    CASE WHEN EXISTS (SELECT 1 FROM @extschema@.insight_active_model('value') v WHERE @extschema@.insight_model_unusable(v) IS NULL)
                                         THEN 'the spend the value model expects in its horizon'
                                         WHEN EXISTS (SELECT 1 FROM @extschema@.insight_active_model('clv') c WHERE @extschema@.insight_model_unusable(c) IS NULL)
                                         THEN 'the 12-month CLV' ELSE 'mean order value x orders expected at the past rate' END)
          OPERATOR(pg_catalog.||) pg_catalog.format(E'  %-12s %7s %12s  %s\n', 'customer', 'churn', 'at risk', 'reasons');
        -- the targets are ranked once: the first three are also the examples of the recommendations
        FOR t IN SELECT * FROM @extschema@.insight_retention_targets_at()
                  LIMIT CASE WHEN top IS NULL OR top OPERATOR(pg_catalog.<) 0 THEN top ELSE GREATEST(top, 3) END LOOP
            IF pg_catalog.cardinality(examples) OPERATOR(pg_catalog.<) 3 THEN
                examples := examples OPERATOR(pg_catalog.||) t.customer_id;
            END IF;
            shown := shown OPERATOR(pg_catalog.+) 1;
            CONTINUE WHEN shown OPERATOR(pg_catalog.>) top;
            r := r OPERATOR(pg_catalog.||) pg_catalog.format(E'  %-12s %7s %12s  %s\n', t.customer_id,
                       @extschema@.insight_report_number(t.churn_probability),
                       @extschema@.insight_report_number(t.value_at_risk, 2),
                       COALESCE(pg_catalog.array_to_string(t.reasons, ', '), n));
        END LOOP;
    END IF;

    -- customer lifetime value (tasks/clv.sql)
    r := r OPERATOR(pg_catalog.||) @extschema@.insight_report_clv();

    -- the deep value model (tasks/value.sql)
    r := r OPERATOR(pg_catalog.||) @extschema@.insight_report_value();

    -- segments: the RFM map and the clusters of the active segments model
    r := r OPERATOR(pg_catalog.||) E'\nSegments (insight_segment_summary)\n'
      OPERATOR(pg_catalog.||) pg_catalog.format(E'  %-44s %9s %8s %9s %8s\n', 'segment', 'customers', 'share', 'revenue', 'churn');
    FOR t IN SELECT * FROM @extschema@.insight_segment_summary LOOP
        r := r OPERATOR(pg_catalog.||) pg_catalog.format(E'  %-44s %9s %8s %9s %8s\n',
                   CASE WHEN t.kind OPERATOR(pg_catalog.=) 'cluster'
                        THEN pg_catalog.format('cluster %s: %s', t.cluster, t.segment) ELSE t.segment END,
                   t.customers,
                   @extschema@.insight_report_number(100 OPERATOR(pg_catalog.*) t.customer_share, 1) OPERATOR(pg_catalog.||) '%',
                   @extschema@.insight_report_number(100 OPERATOR(pg_catalog.*) t.revenue_share, 1) OPERATOR(pg_catalog.||) '%',
                   @extschema@.insight_report_number(t.mean_churn_probability));
    END LOOP;
    IF NOT EXISTS (SELECT 1 FROM @extschema@.insight_active_model('segments')) THEN
        r := r OPERATOR(pg_catalog.||) E'  (no clusters: run SELECT insight_train_segments();)\n';
    END IF;

    -- recommendations: offline metrics against popularity, a few examples
    SELECT * INTO m FROM @extschema@.insight_active_model('recommender') mm;
    IF NOT FOUND THEN
        r := r OPERATOR(pg_catalog.||) E'\nRecommendations\n  No recommender model is active: run SELECT insight_train_recommender();\n';
        RETURN r;
    END IF;
    x := m.metrics;
    r := r OPERATOR(pg_catalog.||) pg_catalog.format(E'\nRecommendations: model %s (%s), fitted on purchases before %s, scored on the %s customers who bought in the next %s\n',
             m.model_id, m.algorithm, COALESCE(x OPERATOR(pg_catalog.->>) 'split', n),
             COALESCE(x OPERATOR(pg_catalog.->>) 'test_customers', n), COALESCE(x OPERATOR(pg_catalog.->>) 'holdout', n))
      OPERATOR(pg_catalog.||) pg_catalog.format(E'  %-16s %10s %10s\n', 'metric', m.algorithm, 'popularity');
    FOR t IN SELECT u.metric FROM pg_catalog.unnest(ARRAY['hit_rate_at_10', 'precision_at_10', 'recall_at_10',
                                                          'ndcg_at_10', 'map_at_10', 'coverage_at_10']) u(metric) LOOP
        r := r OPERATOR(pg_catalog.||) pg_catalog.format(E'  %-16s %10s %10s\n', t.metric,
                   @extschema@.insight_report_number((x OPERATOR(pg_catalog.->>) t.metric)::pg_catalog.float8, 4),
                   @extschema@.insight_report_number((x OPERATOR(pg_catalog.->) 'baseline' OPERATOR(pg_catalog.->>) t.metric)::pg_catalog.float8, 4));
    END LOOP;
    -- examples: the first customers to retain, else the first customers
    FOR t IN SELECT c.customer_id,
                    (SELECT pg_catalog.string_agg(COALESCE(i.item_name, i.item_id), '; ' ORDER BY i.rank)
                       FROM @extschema@.insight_recommend(c.customer_id, 3) i) AS items
               FROM pg_catalog.unnest(examples) WITH ORDINALITY c(customer_id, n) ORDER BY c.n LOOP
        r := r OPERATOR(pg_catalog.||) pg_catalog.format(E'  for %s: %s\n', t.customer_id, COALESCE(t.items, n));
    END LOOP;
    RETURN r;
END
$$;

COMMENT ON FUNCTION @extschema@.insight_report(integer) IS
'A readable report: the data covered (insight_sales: kept lines, customers with a purchase as insight_customer_360 counts them and those with returns only, orders, dates, revenue), the active churn model with its out-of-time metrics against the recency baseline, the top customers to retain (insight_retention_targets_at()), the active CLV models with their holdout errors, parameters, total 12-month CLV and mean P(alive) (insight_report_clv()), the active value model with its out-of-time metrics against BG/NBD + Gamma-Gamma and the past rate (insight_report_value()), the segment table (insight_segment_summary: RFM segments and the clusters of the active segments model, with their shares of customers and revenue and mean churn probability), and the active recommender''s offline metrics against popularity with example recommendations for the first customers to retain. Times in UTC.';

-- tasks/report_html.sql

CREATE OR REPLACE FUNCTION @extschema@.insight_report_html_churn(ctx jsonb)
RETURNS text
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
SET TimeZone = 'UTC'
SET IntervalStyle = 'postgres'
AS $$
DECLARE
    lang pg_catalog.text := ctx ->> 'lang';
    k integer := (ctx ->> 'k')::integer;
    as_of pg_catalog.timestamptz := (ctx ->> 'as_of')::pg_catalog.timestamptz;
    m @extschema@.insight_models;
    x pg_catalog.jsonb;
    curves pg_catalog.jsonb;
    roc_model pg_catalog.jsonb;
    roc_recency pg_catalog.jsonb;
    g record;
    cal record;
    dist record;
    tg record;
    body pg_catalog.text;
    na pg_catalog.text := @extschema@.insight_report_msg(lang, 'na');
BEGIN
    SELECT * INTO m FROM @extschema@.insight_active_model('churn') mm;
    IF NOT FOUND THEN
        RETURN @extschema@.insight_report_section('churn', @extschema@.insight_report_msg(lang, 'churn.title'),
                   @extschema@.insight_report_not_trained(ctx, 'churn', 'insight_train_churn()'));
    END IF;
    x := m.metrics;
    body := pg_catalog.format('<p class="summary">%s</p>', @extschema@.insight_html(@extschema@.insight_report_msg(lang, 'churn.summary',
                m.model_id::pg_catalog.text, @extschema@.insight_report_msg(lang, 'algorithm.' || m.algorithm),
                @extschema@.insight_report_interval((m.params ->> 'horizon')::interval, lang),
                @extschema@.insight_report_num((x ->> 'train_rows')::pg_catalog.float8, 0, lang),
                @extschema@.insight_report_date((x ->> 'train_cutoff')::pg_catalog.timestamptz, lang),
                @extschema@.insight_report_num((x ->> 'test_rows')::pg_catalog.float8, 0, lang),
                @extschema@.insight_report_date((x ->> 'test_cutoff')::pg_catalog.timestamptz, lang),
                @extschema@.insight_report_pct((x #>> '{test,base_rate}')::pg_catalog.float8, lang),
                @extschema@.insight_report_num((x ->> 'auc')::pg_catalog.float8, 3, lang),
                @extschema@.insight_report_num((x #>> '{baseline,auc}')::pg_catalog.float8, 3, lang))));

    -- the charts of the out-of-time evaluation, as insight_churn_evaluate stored
    -- them (computed here on the test window for a model trained without them)
    curves := x -> 'curves';
    IF curves IS NULL THEN
        SELECT @extschema@.insight_churn_curves(
                   pg_catalog.array_agg(@extschema@.insight_predict(COALESCE(m.evaluation_weights, m.weights), r.features) ORDER BY r.customer_id),
                   pg_catalog.array_agg(r.churned ORDER BY r.customer_id), pg_catalog.array_agg(r.recency_days ORDER BY r.customer_id))
          INTO curves
          FROM @extschema@.insight_churn_training_rows((x ->> 'test_cutoff')::pg_catalog.timestamptz,
                                                       (m.params ->> 'horizon')::interval) r;
    END IF;
    roc_model := curves -> 'roc_model';
    roc_recency := curves -> 'roc_recency';
    body := pg_catalog.concat(body, @extschema@.insight_report_figure('churn-roc', @extschema@.insight_report_msg(lang, 'churn.roc.title'),
        @extschema@.insight_report_msg(lang, 'churn.roc.reading',
            @extschema@.insight_report_num((x ->> 'auc')::pg_catalog.float8, 3, lang),
            @extschema@.insight_report_num((x #>> '{baseline,auc}')::pg_catalog.float8, 3, lang)),
        @extschema@.insight_svg_lines(pg_catalog.jsonb_build_array(
                pg_catalog.jsonb_build_object('name', pg_catalog.concat(@extschema@.insight_report_msg(lang, 'series.model'), ' ', m.model_id), 'points', roc_model),
                pg_catalog.jsonb_build_object('name', @extschema@.insight_report_msg(lang, 'series.recency'), 'points', roc_recency)),
            pg_catalog.jsonb_build_object('x_max', 1, 'y_max', 1, 'diagonal', true,
                'x_ticks', @extschema@.insight_report_share_ticks(lang), 'y_ticks', @extschema@.insight_report_share_ticks(lang),
                'x_title', @extschema@.insight_report_msg(lang, 'axis.fpr'), 'y_title', @extschema@.insight_report_msg(lang, 'axis.tpr'))),
        @extschema@.insight_html_table(@extschema@.insight_report_msgs(lang, ARRAY['col.series', 'col.fpr', 'col.tpr']),
            (SELECT pg_catalog.array_agg(ARRAY[u.name, @extschema@.insight_report_num((u.p ->> 0)::pg_catalog.float8, 3, lang),
                                         @extschema@.insight_report_num((u.p ->> 1)::pg_catalog.float8, 3, lang)] ORDER BY u.o, u.n)
               FROM (SELECT 1 AS o, pg_catalog.concat(@extschema@.insight_report_msg(lang, 'series.model'), ' ', m.model_id) AS name, e.p, e.n
                       FROM pg_catalog.jsonb_array_elements(roc_model) WITH ORDINALITY e(p, n)
                     UNION ALL
                     SELECT 2, @extschema@.insight_report_msg(lang, 'series.recency'), e.p, e.n
                       FROM pg_catalog.jsonb_array_elements(roc_recency) WITH ORDINALITY e(p, n)) u)),
        lang));

    -- cumulative gain and calibration by decile of the predicted probability
    WITH gd AS (
        SELECT (e ->> 'decile')::integer AS decile, (e ->> 'customers')::bigint AS n, (e ->> 'churners')::bigint AS churners
          FROM pg_catalog.jsonb_array_elements(curves -> 'gain') e
    ), gc AS (
        SELECT gd.decile, gd.n,
               pg_catalog.sum(gd.n) OVER w::pg_catalog.float8 / pg_catalog.sum(gd.n) OVER () AS contacted,
               pg_catalog.sum(gd.churners) OVER w::pg_catalog.float8 / NULLIF(pg_catalog.sum(gd.churners) OVER (), 0) AS reached
          FROM gd WINDOW w AS (ORDER BY gd.decile)
    )
    SELECT pg_catalog.jsonb_build_array(pg_catalog.jsonb_build_array(0, 0)) ||
               pg_catalog.jsonb_agg(pg_catalog.jsonb_build_array(pg_catalog.round(gc.contacted::numeric, 4), pg_catalog.round(gc.reached::numeric, 4)) ORDER BY gc.decile) AS points,
           pg_catalog.array_agg(ARRAY[gc.decile::pg_catalog.text, @extschema@.insight_report_num(gc.n, 0, lang), @extschema@.insight_report_pct(gc.contacted, lang),
                                      @extschema@.insight_report_pct(gc.reached, lang),
                                      @extschema@.insight_report_num(gc.reached / gc.contacted, 2, lang)] ORDER BY gc.decile) AS rows,
           pg_catalog.max(gc.reached) FILTER (WHERE gc.decile = 3) AS at30
      INTO g FROM gc;
    body := pg_catalog.concat(body, @extschema@.insight_report_figure('churn-gain', @extschema@.insight_report_msg(lang, 'churn.gain.title'),
        @extschema@.insight_report_msg(lang, 'churn.gain.reading', @extschema@.insight_report_pct(g.at30, lang),
                                       @extschema@.insight_report_num(g.at30 / 0.3, 2, lang)),
        @extschema@.insight_svg_lines(pg_catalog.jsonb_build_array(
                pg_catalog.jsonb_build_object('name', pg_catalog.concat(@extschema@.insight_report_msg(lang, 'series.model'), ' ', m.model_id), 'points', g.points)),
            pg_catalog.jsonb_build_object('x_max', 1, 'y_max', 1, 'diagonal', true, 'dots', true,
                'x_ticks', @extschema@.insight_report_share_ticks(lang), 'y_ticks', @extschema@.insight_report_share_ticks(lang),
                'x_title', @extschema@.insight_report_msg(lang, 'axis.contacted'), 'y_title', @extschema@.insight_report_msg(lang, 'axis.captured'))),
        @extschema@.insight_html_table(@extschema@.insight_report_msgs(lang, ARRAY['col.decile', 'col.customers', 'col.share_customers', 'col.share_churners', 'col.lift']), g.rows),
        lang));

    WITH c AS (
        SELECT (e ->> 'decile')::integer AS decile, (e ->> 'customers')::bigint AS n,
               (e ->> 'predicted')::pg_catalog.float8 AS predicted, (e ->> 'observed')::pg_catalog.float8 AS observed
          FROM pg_catalog.jsonb_array_elements(curves -> 'calibration') e
         WHERE (e ->> 'customers')::bigint >= k
    )
    SELECT pg_catalog.array_agg(c.decile::pg_catalog.text ORDER BY c.decile) AS labels,
           ARRAY[pg_catalog.array_agg(c.predicted ORDER BY c.decile), pg_catalog.array_agg(c.observed ORDER BY c.decile)] AS vals,
           (SELECT pg_catalog.array_agg(t ORDER BY c2.decile, o)
              FROM c c2, LATERAL (VALUES (1, @extschema@.insight_report_pct(c2.predicted, lang)), (2, @extschema@.insight_report_pct(c2.observed, lang))) v(o, t)) AS texts,
           pg_catalog.array_agg(ARRAY[c.decile::pg_catalog.text, @extschema@.insight_report_num(c.n, 0, lang),
                                      @extschema@.insight_report_pct(c.predicted, lang), @extschema@.insight_report_pct(c.observed, lang)] ORDER BY c.decile) AS rows,
           pg_catalog.avg(pg_catalog.abs(c.predicted - c.observed)) AS off,
           10 - pg_catalog.count(*) AS small
      INTO cal FROM c;
    body := pg_catalog.concat(body, @extschema@.insight_report_figure('churn-calibration', @extschema@.insight_report_msg(lang, 'churn.calibration.title'),
        @extschema@.insight_report_msg(lang, 'churn.calibration.reading', @extschema@.insight_report_pct(cal.off, lang)),
        @extschema@.insight_svg_bars(cal.labels, @extschema@.insight_report_msgs(lang, ARRAY['series.predicted', 'series.observed']),
                                     cal.vals, cal.texts, 1),
        @extschema@.insight_html_table(@extschema@.insight_report_msgs(lang, ARRAY['col.decile', 'col.customers', 'col.predicted', 'col.observed']), cal.rows),
        lang), @extschema@.insight_report_privacy(ctx, 0, cal.small::integer));

    -- the customers to retain first (keys only for roles allowed to see them),
    -- and every customer's probability for the distribution
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
                           FROM pg_catalog.unnest(t.reasons) WITH ORDINALITY r(name, i)), na)] ORDER BY t.n)
               FILTER (WHERE t.n <= 10) AS rows,
           pg_catalog.max(t.value_basis) AS basis,
           pg_catalog.array_agg(t.churn_probability) AS probabilities
      INTO tg
      FROM (SELECT rt.*, pg_catalog.row_number() OVER () AS n
              FROM @extschema@.insight_retention_targets_at(as_of) rt) t;
    -- today's customers: the serving model's probabilities in ten bins
    WITH s AS (
        SELECT LEAST(pg_catalog.width_bucket(u.p, 0, 1, 10), 10) AS bin FROM pg_catalog.unnest(tg.probabilities) u(p)
    ), b AS (
        SELECT gs.bin, pg_catalog.count(s.bin) AS n
          FROM pg_catalog.generate_series(1, 10) gs(bin) LEFT JOIN s ON s.bin = gs.bin GROUP BY 1
    )
    SELECT pg_catalog.array_agg(pg_catalog.format('%s-%s', @extschema@.insight_report_num((b.bin - 1) / 10.0, 1, lang),
                                                  @extschema@.insight_report_num(b.bin / 10.0, 1, lang)) ORDER BY b.bin) AS labels,
           ARRAY[pg_catalog.array_agg(CASE WHEN b.n >= k THEN b.n::pg_catalog.float8 WHEN b.n = 0 THEN 0 END ORDER BY b.bin)] AS vals,
           pg_catalog.array_agg(CASE WHEN b.n >= k OR b.n = 0 THEN @extschema@.insight_report_num(b.n, 0, lang)
                                     ELSE @extschema@.insight_report_msg(lang, 'suppressed', k::pg_catalog.text) END ORDER BY b.bin) AS texts,
           pg_catalog.sum(b.n) AS total, pg_catalog.sum(b.n) FILTER (WHERE b.bin > 5) AS high,
           pg_catalog.count(*) FILTER (WHERE b.n > 0 AND b.n < k) AS small
      INTO dist FROM b;
    body := pg_catalog.concat(body, @extschema@.insight_report_figure('churn-distribution', @extschema@.insight_report_msg(lang, 'churn.distribution.title'),
        @extschema@.insight_report_msg(lang, 'churn.distribution.reading',
            @extschema@.insight_report_pct(dist.high::pg_catalog.float8 / NULLIF(dist.total, 0), lang),
            @extschema@.insight_report_num(dist.total, 0, lang)),
        @extschema@.insight_svg_bars(dist.labels, ARRAY[@extschema@.insight_report_msg(lang, 'col.customers')], dist.vals, dist.texts),
        @extschema@.insight_html_table(@extschema@.insight_report_msgs(lang, ARRAY['col.range', 'col.customers']),
            (SELECT pg_catalog.array_agg(ARRAY[u.l, u.t] ORDER BY u.n) FROM ROWS FROM (pg_catalog.unnest(dist.labels), pg_catalog.unnest(dist.texts)) WITH ORDINALITY u(l, t, n))),
        lang), @extschema@.insight_report_privacy(ctx, 0, dist.small::integer));

    body := pg_catalog.concat(body, pg_catalog.format('<div class="table-box" id="churn-targets"><h3>%s</h3><p class="reading">%s</p>%s%s</div>',
        @extschema@.insight_html(@extschema@.insight_report_msg(lang, 'churn.targets.title')),
        @extschema@.insight_html(@extschema@.insight_report_msg(lang, 'churn.targets.reading',
            @extschema@.insight_report_msg(lang, CASE tg.basis WHEN 'clv_12m' THEN 'churn.value.clv' WHEN 'value_model' THEN 'churn.value.model' ELSE 'churn.value.past' END))),
        CASE WHEN NOT (ctx ->> 'ids')::boolean
             THEN pg_catalog.format('<p class="privacy">%s</p>', @extschema@.insight_html(@extschema@.insight_report_msg(lang, 'churn.targets.hidden'))) END,
        @extschema@.insight_html_table(@extschema@.insight_report_msgs(lang, ARRAY[
                                           CASE WHEN (ctx ->> 'ids')::boolean THEN 'col.customer' ELSE 'col.rank' END,
                                           'col.churn_probability', 'col.value_at_risk', 'col.days_since', 'col.orders', 'col.reasons']), tg.rows)));
    RETURN @extschema@.insight_report_section('churn', @extschema@.insight_report_msg(lang, 'churn.title'), body);
END
$$;

COMMENT ON FUNCTION @extschema@.insight_report_html_churn(jsonb) IS
'The churn section of insight_report_html: the active churn model and its out-of-time evaluation (insight_models.metrics); the ROC curves of the evaluation model and of the days since the last purchase alone, the cumulative gain and the calibration by decile of the test window, as insight_churn_evaluate stored them (metrics.curves, insight_churn_curves; for a model trained without them, computed on insight_churn_training_rows at metrics.test_cutoff scored by evaluation_weights); the distribution of today''s churn probabilities (bins of fewer than insight.min_group_size customers suppressed); the first ten retention targets (insight_retention_targets_at) with their reasons, customer keys only for members of insight_admin. Says how to train a model when none is active.';

CREATE OR REPLACE FUNCTION @extschema@.insight_report_html_clv(ctx jsonb)
RETURNS text
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
SET TimeZone = 'UTC'
SET IntervalStyle = 'iso_8601'
AS $$
DECLARE
    lang pg_catalog.text := ctx ->> 'lang';
    k integer := (ctx ->> 'k')::integer;
    as_of pg_catalog.timestamptz := (ctx ->> 'as_of')::pg_catalog.timestamptz;
    c @extschema@.insight_models;
    x pg_catalog.jsonb;
    chosen pg_catalog.jsonb;
    period interval;
    h90 pg_catalog.float8;
    f_max integer;
    t_max pg_catalog.float8;
    fr record;
    hc pg_catalog.jsonb;
    cap integer;
    gn record;
    con record;
    body pg_catalog.text;
    f_title pg_catalog.text := @extschema@.insight_report_msg(lang, 'axis.frequency');
    r_title pg_catalog.text := @extschema@.insight_report_msg(lang, 'axis.recency');
BEGIN
    SELECT * INTO c FROM @extschema@.insight_active_model('clv') mm;
    IF NOT FOUND THEN
        RETURN @extschema@.insight_report_section('clv', @extschema@.insight_report_msg(lang, 'clv.title'),
                   @extschema@.insight_report_not_trained(ctx, 'clv', 'insight_train_clv()'));
    END IF;
    x := c.metrics;
    chosen := x -> c.algorithm;
    period := (c.params ->> 'period')::interval;
    h90 := 90 * 86400 / @extschema@.insight_clv_period_seconds(period);
    body := pg_catalog.format('<p class="summary">%s</p>', @extschema@.insight_html(@extschema@.insight_report_msg(lang, 'clv.summary',
                c.model_id::pg_catalog.text, @extschema@.insight_report_msg(lang, 'algorithm.' || c.algorithm), @extschema@.insight_report_interval(period, lang),
                x ->> 'spend_model_id',
                @extschema@.insight_report_interval((x ->> 'holdout')::interval, lang), @extschema@.insight_report_date((x ->> 'calibration_end')::pg_catalog.timestamptz, lang),
                @extschema@.insight_report_num((chosen ->> 'customers')::pg_catalog.float8, 0, lang),
                @extschema@.insight_report_num((chosen ->> 'total_predicted')::pg_catalog.float8, 0, lang),
                @extschema@.insight_report_num((chosen ->> 'total_actual')::pg_catalog.float8, 0, lang),
                @extschema@.insight_report_num((chosen ->> 'mae')::pg_catalog.float8, 3, lang),
                @extschema@.insight_report_num((x #>> '{baseline,mae}')::pg_catalog.float8, 3, lang))));

    -- today's customers: the grid of the matrices and the concentration
    WITH s AS (SELECT * FROM @extschema@.insight_clv_scores_at(as_of)),
    d AS (SELECT s.clv_12m, pg_catalog.ntile(10) OVER (ORDER BY s.clv_12m DESC, s.customer_id) AS decile FROM s WHERE s.clv_12m IS NOT NULL),
    dd AS (SELECT d.decile, pg_catalog.count(*) AS n, pg_catalog.sum(d.clv_12m) / pg_catalog.sum(pg_catalog.sum(d.clv_12m)) OVER () AS share,
                  pg_catalog.sum(d.clv_12m) AS clv
             FROM d GROUP BY 1)
    SELECT (SELECT GREATEST(1, pg_catalog.percentile_disc(0.95) WITHIN GROUP (ORDER BY s.frequency)) FROM s) AS f_max,
           (SELECT pg_catalog.max(s."T") FROM s) AS t_max,
           pg_catalog.array_agg(dd.decile::pg_catalog.text ORDER BY dd.decile) AS labels,
           ARRAY[pg_catalog.array_agg(dd.share ORDER BY dd.decile)] AS vals,
           pg_catalog.array_agg(@extschema@.insight_report_pct(dd.share, lang) ORDER BY dd.decile) AS texts,
           pg_catalog.array_agg(ARRAY[dd.decile::pg_catalog.text, @extschema@.insight_report_num(dd.n, 0, lang), @extschema@.insight_report_num(dd.clv, 0, lang),
                                      @extschema@.insight_report_pct(dd.share, lang)] ORDER BY dd.decile) AS rows,
           pg_catalog.max(dd.share) FILTER (WHERE dd.decile = 1) AS top
      INTO con FROM dd;
    f_max := con.f_max;
    t_max := con.t_max;

    -- the frequency/recency matrices of a customer of age t_max (lifetimes' plot_frequency_recency_matrix)
    WITH g AS (
        SELECT fi.f, ri.r, ri.j,
               @extschema@.insight_transaction_model_expected_purchases(c.weights, h90, fi.f, ri.r, t_max) AS e,
               @extschema@.insight_transaction_model_p_alive(c.weights, fi.f, ri.r, t_max) AS a
          FROM (SELECT DISTINCT pg_catalog.round(f_max * i / 7.0)::integer AS f FROM pg_catalog.generate_series(0, 7) i) fi,
               (SELECT j, t_max * j / 9.0 AS r FROM pg_catalog.generate_series(0, 9) j) ri
         WHERE fi.f > 0 OR ri.j = 0
    ), rw AS (
        SELECT g.f, pg_catalog.array_agg(g.e ORDER BY g.j) AS e, pg_catalog.array_agg(g.a ORDER BY g.j) AS a,
               pg_catalog.array_agg(@extschema@.insight_report_num(g.e, 1, lang) ORDER BY g.j) AS et,
               pg_catalog.array_agg(@extschema@.insight_report_num(g.a, 2, lang) ORDER BY g.j) AS at
          FROM g WHERE g.f > 0 GROUP BY 1
    )
    SELECT pg_catalog.array_agg(rw.f::pg_catalog.text ORDER BY rw.f DESC) AS rows_f,
           pg_catalog.array_agg(rw.e ORDER BY rw.f DESC) AS e, pg_catalog.array_agg(rw.a ORDER BY rw.f DESC) AS a,
           pg_catalog.array_agg(rw.et ORDER BY rw.f DESC) AS et, pg_catalog.array_agg(rw.at ORDER BY rw.f DESC) AS at,
           (SELECT pg_catalog.array_agg(@extschema@.insight_report_num(t_max * j / 9.0, 0, lang) ORDER BY j) FROM pg_catalog.generate_series(0, 9) j) AS cols,
           pg_catalog.max(rw.e[10]) FILTER (WHERE rw.f = f_max) AS hot, pg_catalog.max(rw.e[1]) FILTER (WHERE rw.f = f_max) AS cold,
           pg_catalog.max(rw.a[1]) FILTER (WHERE rw.f = f_max) AS cold_alive
      INTO fr FROM rw;
    body := pg_catalog.concat(body,
        @extschema@.insight_report_figure('clv-frequency-recency', @extschema@.insight_report_msg(lang, 'clv.fr.title'),
            @extschema@.insight_report_msg(lang, 'clv.fr.reading', @extschema@.insight_report_num(fr.hot, 1, lang), @extschema@.insight_report_num(fr.cold, 1, lang)),
            @extschema@.insight_svg_heatmap(fr.rows_f, fr.cols, fr.e, fr.et, r_title, f_title),
            @extschema@.insight_html_table(ARRAY[pg_catalog.concat(f_title, ' \ ', r_title)] || fr.cols,
                (SELECT pg_catalog.array_agg(pg_catalog.array_prepend(fr.rows_f[i], ARRAY(SELECT pg_catalog.unnest(fr.et[i:i][:]))) ORDER BY i)
                   FROM pg_catalog.generate_series(1, pg_catalog.array_length(fr.rows_f, 1)) i)),
            lang),
        @extschema@.insight_report_figure('clv-p-alive', @extschema@.insight_report_msg(lang, 'clv.alive.title'),
            @extschema@.insight_report_msg(lang, 'clv.alive.reading', f_max::pg_catalog.text, @extschema@.insight_report_num(fr.cold_alive, 2, lang)),
            @extschema@.insight_svg_heatmap(fr.rows_f, fr.cols, fr.a, fr.at, r_title, f_title),
            @extschema@.insight_html_table(ARRAY[pg_catalog.concat(f_title, ' \ ', r_title)] || fr.cols,
                (SELECT pg_catalog.array_agg(pg_catalog.array_prepend(fr.rows_f[i], ARRAY(SELECT pg_catalog.unnest(fr.at[i:i][:]))) ORDER BY i)
                   FROM pg_catalog.generate_series(1, pg_catalog.array_length(fr.rows_f, 1)) i)),
            lang));

    -- the holdout charts, as insight_clv_evaluate stored them (computed here for
    -- a model trained without them): the evaluation model on the calibration period
    hc := x -> 'holdout_curves';
    IF hc IS NULL THEN
        SELECT @extschema@.insight_clv_holdout_curves(pg_catalog.array_agg(h.frequency),
                   pg_catalog.array_agg(@extschema@.insight_transaction_model_expected_purchases(COALESCE(c.evaluation_weights, c.weights),
                       (x ->> 'holdout_periods')::pg_catalog.float8, h.frequency, h.recency, h."T")),
                   pg_catalog.array_agg(h.actual), pg_catalog.array_agg(h.actual_spend), pg_catalog.array_agg(h.monetary_value))
          INTO hc
          FROM @extschema@.insight_clv_holdout_rows((x ->> 'calibration_end')::pg_catalog.timestamptz,
                                                    c.trained_as_of, period) h;
    END IF;
    -- the largest cap <= 7 such that every bucket 0 .. cap-1 and cap+ has at least k customers
    SELECT pg_catalog.max(b.key::integer) INTO cap
      FROM pg_catalog.jsonb_each(hc -> 'by_frequency') b
     WHERE (SELECT pg_catalog.bool_and((e ->> 'customers')::bigint >= k) AND pg_catalog.count(*) = b.key::integer + 1
              FROM pg_catalog.jsonb_array_elements(b.value) e);
    IF cap IS NOT NULL THEN
        SELECT pg_catalog.jsonb_agg(pg_catalog.jsonb_build_array(b.f, b.p) ORDER BY b.f) AS pp,
               pg_catalog.jsonb_agg(pg_catalog.jsonb_build_array(b.f, b.a) ORDER BY b.f) AS aa,
               pg_catalog.jsonb_agg(pg_catalog.jsonb_build_array(b.f, CASE WHEN b.f = cap THEN pg_catalog.concat(cap, '+') ELSE b.f::pg_catalog.text END) ORDER BY b.f) AS ticks,
               pg_catalog.array_agg(ARRAY[CASE WHEN b.f = cap THEN pg_catalog.concat(cap, '+') ELSE b.f::pg_catalog.text END,
                                          @extschema@.insight_report_num(b.n, 0, lang), @extschema@.insight_report_num(b.p, 2, lang),
                                          @extschema@.insight_report_num(b.a, 2, lang)] ORDER BY b.f) AS rows,
               pg_catalog.max(GREATEST(b.p, b.a)) AS top
          INTO gn
          FROM (SELECT (e ->> 'frequency')::integer AS f, (e ->> 'customers')::bigint AS n,
                       (e ->> 'predicted')::pg_catalog.float8 AS p, (e ->> 'actual')::pg_catalog.float8 AS a
                  FROM pg_catalog.jsonb_array_elements(hc -> 'by_frequency' -> cap::pg_catalog.text) e) b;
        body := pg_catalog.concat(body, @extschema@.insight_report_figure('clv-holdout', @extschema@.insight_report_msg(lang, 'clv.holdout.title'),
            @extschema@.insight_report_msg(lang, 'clv.holdout.reading',
                @extschema@.insight_report_num((chosen ->> 'total_predicted')::pg_catalog.float8, 0, lang),
                @extschema@.insight_report_num((chosen ->> 'total_actual')::pg_catalog.float8, 0, lang),
                @extschema@.insight_report_num((chosen ->> 'total_error_percent')::pg_catalog.float8, 1, lang) || '%'),
            @extschema@.insight_svg_lines(pg_catalog.jsonb_build_array(
                    pg_catalog.jsonb_build_object('name', @extschema@.insight_report_msg(lang, 'series.predicted'), 'points', gn.pp),
                    pg_catalog.jsonb_build_object('name', @extschema@.insight_report_msg(lang, 'series.observed'), 'points', gn.aa)),
                pg_catalog.jsonb_build_object('x_max', cap, 'y_max', gn.top * 1.1, 'dots', true, 'x_ticks', gn.ticks,
                    'y_ticks', (SELECT pg_catalog.jsonb_agg(pg_catalog.jsonb_build_array(v, @extschema@.insight_report_num(v, 1, lang)))
                                  FROM pg_catalog.unnest(ARRAY[0, gn.top / 2, gn.top]) v),
                    'x_title', @extschema@.insight_report_msg(lang, 'axis.frequency_cal'), 'y_title', @extschema@.insight_report_msg(lang, 'axis.purchases_holdout'))),
            @extschema@.insight_html_table(@extschema@.insight_report_msgs(lang, ARRAY['col.frequency', 'col.customers', 'col.predicted', 'col.actual']), gn.rows),
            lang));
    END IF;

    -- value gain and deciles (google/lifetime_value): predicted holdout revenue =
    -- expected purchases x expected spend of a Gamma-Gamma fitted on the calibration period
    WITH g AS (
        SELECT (e ->> 'q')::integer AS q, (e ->> 'model')::pg_catalog.float8 AS model, (e ->> 'perfect')::pg_catalog.float8 AS perfect
          FROM pg_catalog.jsonb_array_elements(hc -> 'gain') e
    ), model AS (
        SELECT g.q, g.model AS share FROM g
    ), perfect AS (
        SELECT g.q, g.perfect AS share FROM g
    ), dec AS (
        SELECT (e ->> 'decile')::integer AS decile, (e ->> 'customers')::bigint AS n,
               (e ->> 'predicted')::pg_catalog.float8 AS p, (e ->> 'actual')::pg_catalog.float8 AS a
          FROM pg_catalog.jsonb_array_elements(hc -> 'deciles') e
    )
    SELECT (SELECT pg_catalog.jsonb_build_array(pg_catalog.jsonb_build_array(0, 0)) ||
                   pg_catalog.jsonb_agg(pg_catalog.jsonb_build_array(model.q / 20.0, pg_catalog.round(model.share::numeric, 4)) ORDER BY model.q) FROM model) AS model_pts,
           (SELECT pg_catalog.jsonb_build_array(pg_catalog.jsonb_build_array(0, 0)) ||
                   pg_catalog.jsonb_agg(pg_catalog.jsonb_build_array(perfect.q / 20.0, pg_catalog.round(perfect.share::numeric, 4)) ORDER BY perfect.q) FROM perfect) AS perfect_pts,
           (SELECT pg_catalog.array_agg(ARRAY[@extschema@.insight_report_pct(model.q / 20.0, lang, 0), @extschema@.insight_report_pct(model.share, lang),
                                              @extschema@.insight_report_pct(perfect.share, lang)] ORDER BY model.q)
              FROM model JOIN perfect ON perfect.q = model.q) AS gain_rows,
           (SELECT model.share FROM model WHERE model.q = 4) AS at20,
           (SELECT perfect.share FROM perfect WHERE perfect.q = 4) AS best20,
           (SELECT pg_catalog.array_agg(dec.decile::pg_catalog.text ORDER BY dec.decile) FROM dec) AS labels,
           (SELECT ARRAY[pg_catalog.array_agg(dec.p ORDER BY dec.decile), pg_catalog.array_agg(dec.a ORDER BY dec.decile)] FROM dec) AS vals,
           (SELECT pg_catalog.array_agg(t ORDER BY dec.decile, o) FROM dec,
                   LATERAL (VALUES (1, @extschema@.insight_report_num(dec.p, 0, lang)), (2, @extschema@.insight_report_num(dec.a, 0, lang))) v(o, t)) AS texts,
           (SELECT pg_catalog.array_agg(ARRAY[dec.decile::pg_catalog.text, @extschema@.insight_report_num(dec.n, 0, lang),
                                              @extschema@.insight_report_num(dec.p, 0, lang), @extschema@.insight_report_num(dec.a, 0, lang)] ORDER BY dec.decile) FROM dec) AS dec_rows,
           (SELECT dec.p FROM dec WHERE dec.decile = 1) AS top_p,
           (SELECT dec.a FROM dec WHERE dec.decile = 1) AS top_a
      INTO gn;
    body := pg_catalog.concat(body,
        @extschema@.insight_report_figure('clv-gain', @extschema@.insight_report_msg(lang, 'clv.gain.title'),
            @extschema@.insight_report_msg(lang, 'clv.gain.reading', @extschema@.insight_report_pct(gn.at20, lang), @extschema@.insight_report_pct(gn.best20, lang)),
            @extschema@.insight_svg_lines(pg_catalog.jsonb_build_array(
                    pg_catalog.jsonb_build_object('name', pg_catalog.concat(@extschema@.insight_report_msg(lang, 'series.model'), ' ', c.model_id), 'points', gn.model_pts),
                    pg_catalog.jsonb_build_object('name', @extschema@.insight_report_msg(lang, 'series.perfect'), 'points', gn.perfect_pts)),
                pg_catalog.jsonb_build_object('x_max', 1, 'y_max', 1, 'diagonal', true,
                    'x_ticks', @extschema@.insight_report_share_ticks(lang), 'y_ticks', @extschema@.insight_report_share_ticks(lang),
                    'x_title', @extschema@.insight_report_msg(lang, 'axis.customers_ranked'), 'y_title', @extschema@.insight_report_msg(lang, 'axis.revenue_captured'))),
            @extschema@.insight_html_table(@extschema@.insight_report_msgs(lang, ARRAY['col.share_customers', 'series.model', 'series.perfect']), gn.gain_rows),
            lang),
        @extschema@.insight_report_figure('clv-deciles', @extschema@.insight_report_msg(lang, 'clv.decile.title'),
            @extschema@.insight_report_msg(lang, 'clv.decile.reading', @extschema@.insight_report_num(gn.top_p, 0, lang), @extschema@.insight_report_num(gn.top_a, 0, lang)),
            @extschema@.insight_svg_bars(gn.labels, @extschema@.insight_report_msgs(lang, ARRAY['series.predicted', 'col.actual']),
                                         gn.vals, gn.texts),
            @extschema@.insight_html_table(@extschema@.insight_report_msgs(lang, ARRAY['col.decile', 'col.customers', 'col.predicted', 'col.actual']), gn.dec_rows),
            lang),
        @extschema@.insight_report_figure('clv-concentration', @extschema@.insight_report_msg(lang, 'clv.concentration.title'),
            @extschema@.insight_report_msg(lang, 'clv.concentration.reading', @extschema@.insight_report_pct(con.top, lang)),
            @extschema@.insight_svg_bars(con.labels, ARRAY[@extschema@.insight_report_msg(lang, 'col.clv_share')], con.vals, con.texts),
            @extschema@.insight_html_table(@extschema@.insight_report_msgs(lang, ARRAY['col.decile', 'col.customers', 'col.clv', 'col.clv_share']), con.rows),
            lang));
    RETURN @extschema@.insight_report_section('clv', @extschema@.insight_report_msg(lang, 'clv.title'), body);
END
$$;

COMMENT ON FUNCTION @extschema@.insight_report_html_clv(jsonb) IS
'The customer value section of insight_report_html: the active CLV models and their holdout errors (insight_models.metrics); the frequency/recency matrices of expected purchase days in the next 90 days and of P(alive) for a customer as old as the oldest (as lifetimes'' plot_frequency_recency_matrix and plot_probability_alive_matrix draw them; frequencies up to the 95th percentile); calibration against the holdout (mean predicted and actual repeat purchase days by frequency before it, as lifetimes'' plot_calibration_purchases_vs_holdout_purchases; the top bucket k+ chosen so that every bucket has at least insight.min_group_size customers); the value gain chart and the decile chart of google/lifetime_value (predicted holdout revenue = the evaluation model''s expected purchases x the expected spend of a Gamma-Gamma fitted on the calibration period, against the actual holdout revenue): the holdout charts as insight_clv_evaluate stored them (metrics.holdout_curves, insight_clv_holdout_curves; computed on insight_clv_holdout_rows for a model trained without them); the concentration of the 12-month CLV by decile of customers (insight_clv_scores_at). Says how to train a model when none is active.';

--@ function src/sql/tasks/report_html.sql insight_report_html_value

--@ comment src/sql/tasks/report_html.sql insight_report_html_value

CREATE OR REPLACE FUNCTION @extschema@.insight_report_html_segments(ctx jsonb)
RETURNS text
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
SET TimeZone = 'UTC'
AS $$
DECLARE
    lang pg_catalog.text := ctx ->> 'lang';
    k integer := (ctx ->> 'k')::integer;
    as_of pg_catalog.timestamptz := (ctx ->> 'as_of')::pg_catalog.timestamptz;
    sm @extschema@.insight_models;
    segs pg_catalog.text[];
    rec pg_catalog.float8[];
    frq pg_catalog.float8[];
    mon pg_catalog.float8[];
    cls integer[];
    rf record;
    cl record;
    kc record;
    body pg_catalog.text := '';
    sep pg_catalog.text := @extschema@.insight_report_msg(lang, 'label.sep');
BEGIN
    SELECT * INTO sm FROM @extschema@.insight_active_model('segments') mm;
    SELECT pg_catalog.array_agg(r.segment), pg_catalog.array_agg(r.recency_days), pg_catalog.array_agg(r.frequency::pg_catalog.float8),
           pg_catalog.array_agg(r.monetary),
           pg_catalog.array_agg(CASE WHEN sm.model_id IS NOT NULL
                                     THEN @extschema@.insight_segment_cluster(sm.weights, sm.preprocessing, r.recency_days, r.frequency, r.monetary) END)
      INTO segs, rec, frq, mon, cls
      FROM @extschema@.insight_rfm_scores(as_of) r;

    -- the RFM map: segments of fewer than k customers go into "other"
    WITH g AS (
        SELECT u.s, pg_catalog.count(*) AS n, pg_catalog.sum(u.m) AS revenue
          FROM ROWS FROM (pg_catalog.unnest(segs), pg_catalog.unnest(mon)) u(s, m) GROUP BY 1
    ), h AS (
        SELECT CASE WHEN g.n >= k THEN g.s END AS s,
               pg_catalog.sum(g.n) AS n, pg_catalog.sum(g.revenue) AS revenue, pg_catalog.count(*) AS groups
          FROM g GROUP BY 1
    ), v AS (
        SELECT h.*, h.n::pg_catalog.float8 / pg_catalog.sum(h.n) OVER () AS cshare,
               h.revenue / NULLIF(pg_catalog.sum(h.revenue) OVER (), 0) AS rshare,
               CASE WHEN h.s IS NULL THEN @extschema@.insight_report_msg(lang, 'other') ELSE @extschema@.insight_report_msg(lang, 'rfm.' || h.s) END AS label,
               COALESCE(pg_catalog.array_position(@extschema@.insight_rfm_segment_names(), h.s), 99) AS o
          FROM h WHERE h.s IS NOT NULL OR h.n >= k
    )
    SELECT pg_catalog.array_agg(v.label ORDER BY v.o) AS labels,
           ARRAY[pg_catalog.array_agg(v.cshare ORDER BY v.o), pg_catalog.array_agg(v.rshare ORDER BY v.o)] AS vals,
           (SELECT pg_catalog.array_agg(t ORDER BY v2.o, x) FROM v v2,
                   LATERAL (VALUES (1, @extschema@.insight_report_pct(v2.cshare, lang)), (2, @extschema@.insight_report_pct(v2.rshare, lang))) w(x, t)) AS texts,
           pg_catalog.array_agg(ARRAY[v.label, @extschema@.insight_report_num(v.n, 0, lang), @extschema@.insight_report_pct(v.cshare, lang),
                                      @extschema@.insight_report_num(v.revenue, 0, lang), @extschema@.insight_report_pct(v.rshare, lang)] ORDER BY v.o) AS rows,
           (pg_catalog.array_agg(v.label ORDER BY v.rshare DESC))[1] AS top, pg_catalog.max(v.rshare) AS top_r,
           (pg_catalog.array_agg(v.cshare ORDER BY v.rshare DESC))[1] AS top_c,
           (SELECT COALESCE(pg_catalog.sum(h.groups), 0) FROM h WHERE h.s IS NULL) AS merged,
           (SELECT COALESCE(pg_catalog.sum(h.groups), 0) FROM h WHERE h.s IS NULL AND h.n < k) AS dropped
      INTO rf FROM v;
    IF rf.labels IS NOT NULL THEN
        body := pg_catalog.concat(body, @extschema@.insight_report_figure('segments-rfm', @extschema@.insight_report_msg(lang, 'segments.rfm.title'),
            @extschema@.insight_report_msg(lang, 'segments.rfm.reading', rf.top, @extschema@.insight_report_pct(rf.top_c, lang), @extschema@.insight_report_pct(rf.top_r, lang)),
            @extschema@.insight_svg_bars(rf.labels, @extschema@.insight_report_msgs(lang, ARRAY['col.share_customers', 'col.share_revenue_all']),
                                         rf.vals, rf.texts),
            @extschema@.insight_html_table(@extschema@.insight_report_msgs(lang, ARRAY['col.segment', 'col.customers', 'col.share_customers', 'col.revenue', 'col.share_revenue_all']), rf.rows),
            lang), @extschema@.insight_report_privacy(ctx, (rf.merged - rf.dropped)::integer, rf.dropped::integer));
    END IF;

    IF sm.model_id IS NULL THEN
        RETURN @extschema@.insight_report_section('segments', @extschema@.insight_report_msg(lang, 'segments.title'),
                   pg_catalog.concat(body, @extschema@.insight_report_not_trained(ctx, 'segments', 'insight_train_segments()')));
    END IF;

    -- clusters: labelled from their members against the median customer
    WITH p AS (
        SELECT pr.cluster AS c, pr.customers AS n, pr.recency_quartiles AS rq, pr.frequency_quartiles AS fq,
               pr.monetary_quartiles AS mq, pr.label
          FROM @extschema@.insight_cluster_profiles(cls, rec, frq, mon, lang) pr
    ), v AS (
        SELECT p.c, p.n, p.rq, p.fq, p.mq,
               pg_catalog.concat(@extschema@.insight_report_msg(lang, 'col.cluster'), ' ', p.c, ': ', p.label) AS label
          FROM p WHERE p.n >= k
    )
    SELECT pg_catalog.array_agg(v.label ORDER BY v.c) AS labels,
           ARRAY[pg_catalog.array_agg(v.n::pg_catalog.float8 ORDER BY v.c)] AS vals,
           pg_catalog.array_agg(@extschema@.insight_report_num(v.n, 0, lang) ORDER BY v.c) AS texts,
           pg_catalog.array_agg(ARRAY[v.label, @extschema@.insight_report_num(v.n, 0, lang),
               pg_catalog.concat_ws(' / ', @extschema@.insight_report_num(v.rq[1], 0, lang), @extschema@.insight_report_num(v.rq[2], 0, lang), @extschema@.insight_report_num(v.rq[3], 0, lang)),
               pg_catalog.concat_ws(' / ', @extschema@.insight_report_num(v.fq[1], 0, lang), @extschema@.insight_report_num(v.fq[2], 0, lang), @extschema@.insight_report_num(v.fq[3], 0, lang)),
               pg_catalog.concat_ws(' / ', @extschema@.insight_report_num(v.mq[1], 0, lang), @extschema@.insight_report_num(v.mq[2], 0, lang), @extschema@.insight_report_num(v.mq[3], 0, lang))]
               ORDER BY v.c) AS rows,
           (SELECT pg_catalog.count(*) FROM p WHERE p.n < k) AS small
      INTO cl FROM v;
    SELECT (e ->> 'k')::integer AS best_k, (e ->> 'silhouette')::pg_catalog.float8 AS best_s
      INTO kc FROM pg_catalog.jsonb_array_elements(CASE WHEN pg_catalog.jsonb_typeof(sm.metrics -> 'k_curve') = 'array'
                                                        THEN sm.metrics -> 'k_curve' ELSE '[]' END) e
     ORDER BY (e ->> 'silhouette')::pg_catalog.float8 DESC LIMIT 1;
    body := pg_catalog.concat(body, @extschema@.insight_report_figure('segments-clusters', @extschema@.insight_report_msg(lang, 'segments.clusters.title'),
        @extschema@.insight_report_msg(lang, 'segments.clusters.reading', sm.metrics ->> 'k',
            @extschema@.insight_report_msg(lang, CASE WHEN sm.params ->> 'k' IS NULL THEN 'segments.k.chosen' ELSE 'segments.k.given' END,
                @extschema@.insight_report_num((sm.metrics ->> 'silhouette')::pg_catalog.float8, 3, lang))),
        @extschema@.insight_svg_bars(cl.labels, ARRAY[@extschema@.insight_report_msg(lang, 'col.customers')], cl.vals, cl.texts),
        @extschema@.insight_html_table(@extschema@.insight_report_msgs(lang, ARRAY['col.label', 'col.customers', 'col.recency_q', 'col.orders_q', 'col.spend_q']), cl.rows),
        lang), @extschema@.insight_report_privacy(ctx, 0, cl.small::integer));
    IF kc.best_k IS NOT NULL THEN
        body := pg_catalog.concat(body, @extschema@.insight_report_figure('segments-k', @extschema@.insight_report_msg(lang, 'segments.kcurve.title'),
            @extschema@.insight_report_msg(lang, 'segments.kcurve.reading', kc.best_k::pg_catalog.text, @extschema@.insight_report_num(kc.best_s, 3, lang), sm.metrics ->> 'k'),
            @extschema@.insight_svg_lines(pg_catalog.jsonb_build_array(pg_catalog.jsonb_build_object('name', @extschema@.insight_report_msg(lang, 'col.silhouette'),
                    'points', (SELECT pg_catalog.jsonb_agg(pg_catalog.jsonb_build_array((e ->> 'k')::integer, pg_catalog.round((e ->> 'silhouette')::numeric, 4))
                                                            ORDER BY (e ->> 'k')::integer)
                                 FROM pg_catalog.jsonb_array_elements(sm.metrics -> 'k_curve') e))),
                pg_catalog.jsonb_build_object('x_min', 1, 'x_max', 10, 'y_max', 1, 'dots', true,
                    'x_ticks', (SELECT pg_catalog.jsonb_agg(pg_catalog.jsonb_build_array(i, i::pg_catalog.text)) FROM pg_catalog.generate_series(2, 10) i),
                    'y_ticks', (SELECT pg_catalog.jsonb_agg(pg_catalog.jsonb_build_array(v, @extschema@.insight_report_num(v, 2, lang))) FROM pg_catalog.unnest(ARRAY[0, 0.25, 0.5, 0.75, 1]::pg_catalog.float8[]) v),
                    'x_title', @extschema@.insight_report_msg(lang, 'col.k'), 'y_title', @extschema@.insight_report_msg(lang, 'col.silhouette'))),
            @extschema@.insight_html_table(@extschema@.insight_report_msgs(lang, ARRAY['col.k', 'col.silhouette']),
                (SELECT pg_catalog.array_agg(ARRAY[e ->> 'k', @extschema@.insight_report_num((e ->> 'silhouette')::pg_catalog.float8, 3, lang)]
                                             ORDER BY (e ->> 'k')::integer)
                   FROM pg_catalog.jsonb_array_elements(sm.metrics -> 'k_curve') e)),
            lang));
    END IF;
    RETURN @extschema@.insight_report_section('segments', @extschema@.insight_report_msg(lang, 'segments.title'), body);
END
$$;

COMMENT ON FUNCTION @extschema@.insight_report_html_segments(jsonb) IS
'The segments section of insight_report_html: the RFM segment map (share of customers and of revenue = total spend of each segment, insight_rfm_scores; segments of fewer than insight.min_group_size customers merged into "other"); the clusters of the active segments model with a label true of their members (insight_cluster_profiles: recency, orders and spend of at least 3/4 of the members against the median customer, as insight_customer_360 and insight_segment_summary label them) and their quartiles, clusters smaller than min_group_size not shown; how k was chosen (at the knee of the inertia curve, insight_kmeans_knee, or given), with the silhouette of every k tried (metrics.k_curve). Says how to train a model when none is active.';

-- Tasks the report has no section of: their active model, or that there is none.
--@ function src/sql/tasks/report_html.sql insight_report_html_other

--@ comment src/sql/tasks/report_html.sql insight_report_html_other

CREATE OR REPLACE FUNCTION @extschema@.insight_report_html(lang text DEFAULT 'en', as_of timestamptz DEFAULT NULL)
RETURNS text
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
SET TimeZone = 'UTC'
AS $$
DECLARE
    ctx pg_catalog.jsonb := @extschema@.insight_report_context(lang, as_of);
    l pg_catalog.text := ctx ->> 'lang';
    last_at pg_catalog.timestamptz;
    sections pg_catalog.text[] := ARRAY['data', 'churn', 'clv', 'value', 'segments', 'recommender', 'other'];
    titles pg_catalog.text[] := ARRAY['data.title', 'churn.title', 'clv.title', 'value.title', 'segments.title', 'recommender.title', 'other.title'];
BEGIN
    SELECT pg_catalog.max(s.ordered_at) INTO last_at FROM @extschema@.insight_sales s
     WHERE as_of IS NULL OR s.ordered_at < as_of;
    RETURN pg_catalog.concat(
        '<!DOCTYPE html>', E'\n',
        pg_catalog.format('<html lang="%s"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>%s</title><style>%s</style></head><body>',
            CASE l WHEN 'zh' THEN 'zh-Hans' ELSE 'en' END, @extschema@.insight_html(@extschema@.insight_report_msg(l, 'title')), @extschema@.insight_report_html_style()),
        E'\n<header>',
        pg_catalog.format('<h1>%s</h1><p class="subtitle">%s</p>', @extschema@.insight_html(@extschema@.insight_report_msg(l, 'title')),
            @extschema@.insight_html(@extschema@.insight_report_msg(l, 'subtitle', @extschema@.insight_report_date(COALESCE(as_of, last_at), l), ctx ->> 'k'))),
        pg_catalog.format('<nav aria-label="%s"><ul>%s</ul></nav>', @extschema@.insight_html(@extschema@.insight_report_msg(l, 'toc')),
            (SELECT pg_catalog.string_agg(pg_catalog.format('<li><a href="#%s">%s</a></li>', s, @extschema@.insight_html(@extschema@.insight_report_msg(l, t))), '' ORDER BY n)
               FROM ROWS FROM (pg_catalog.unnest(sections), pg_catalog.unnest(titles)) WITH ORDINALITY u(s, t, n))),
        E'</header>\n<main>\n',
        @extschema@.insight_report_html_data(ctx), E'\n',
        @extschema@.insight_report_html_churn(ctx), E'\n',
        @extschema@.insight_report_html_clv(ctx), E'\n',
        @extschema@.insight_report_html_value(ctx), E'\n',
        @extschema@.insight_report_html_segments(ctx), E'\n',
        @extschema@.insight_report_html_recommender(ctx), E'\n',
        @extschema@.insight_report_html_other(ctx), E'\n',
        E'</main>\n</body></html>\n');
END
$$;

COMMENT ON FUNCTION @extschema@.insight_report_html(text, timestamptz) IS
'The report as one self-contained HTML document (inline CSS and SVG; no script, no network; opens from a file) in English (lang ''en'') or Simplified Chinese (''zh''; another language is an error, 22023), from the data before as_of (NULL: the whole history): data covered (revenue and customers by month, cohort retention), churn (ROC against recency alone, cumulative gain, calibration by decile, probability distribution, retention targets with reasons), customer value (frequency/recency matrices of expected purchases and P(alive), calibration against the holdout, value gain and decile charts, concentration), the deep value model (out-of-time metrics against BG/NBD x Gamma-Gamma and the past rate, gain and decile charts, as its training stored them), segments (RFM map, k-means clusters labelled from their members, how k was chosen), recommendations (metrics against popularity and the other algorithms, top items) and the other tasks; a section whose task has no active model says how to train one. Every chart has a one-sentence reading and its numbers as an HTML table. No group of fewer than insight.min_group_size customers is shown with its own figures (merged into "other" or suppressed, said on the page); customer keys appear only in the retention targets, and only for members of insight_admin. Texts: insight_report_messages. Sections: insight_report_html_data, _churn, _clv, _value, _segments, _recommender, _other.';

-- tasks/report_html_parts.sql: the messages added or changed
INSERT INTO @extschema@.insight_report_messages (key, lang, message)
SELECT v.key, l.lang, CASE l.lang WHEN 'en' THEN v.en ELSE @extschema@.insight_unicode_text(v.zh) END
  FROM (VALUES
    ('churn.summary', 'Model %s (%s) gives the probability that a customer buys nothing in the next %s. Measured out of time: fitted on %s customers at %s, tested on the %s customers with a purchase before %s, of whom %s churned. AUC %s against %s for the days since the last purchase alone.', '\u6a21\u578b %1$s\uff08%2$s\uff09\u7ed9\u51fa\u5ba2\u6237\u5728\u672a\u6765 %3$s \u5185\u4e0d\u518d\u8d2d\u4e70\u7684\u6982\u7387\u3002\u8de8\u65f6\u95f4\u8bc4\u4f30\uff1a\u5728 %4$s \u4f4d\u5ba2\u6237\u4e0a\u4e8e %5$s \u62df\u5408\uff0c\u5728 %7$s \u4e4b\u524d\u6709\u8d2d\u4e70\u7684 %6$s \u4f4d\u5ba2\u6237\u4e0a\u6d4b\u8bd5\uff0c\u5176\u4e2d %8$s \u6d41\u5931\u3002AUC \u4e3a %9$s\uff0c\u4ec5\u7528\u8ddd\u4e0a\u6b21\u8d2d\u4e70\u5929\u6570\u65f6\u4e3a %10$s\u3002'),
    ('value.title', 'Customer value: deep model', '\u5ba2\u6237\u4ef7\u503c\uff1a\u6df1\u5ea6\u6a21\u578b'),
    ('value.task', 'value', '\u4ef7\u503c'),
    ('value.summary', 'Model %s (%s, hidden layers %s, zero-inflated lognormal loss) predicts what each customer spends in the next %s. Measured out of time: fitted on %s customers at %s, tested on the %s customers with a purchase before %s against their spend in the %s after.', '\u6a21\u578b %1$s\uff08%2$s\uff0c\u9690\u85cf\u5c42 %3$s\uff0c\u96f6\u81a8\u80c0\u5bf9\u6570\u6b63\u6001\u635f\u5931\uff09\u9884\u6d4b\u6bcf\u4f4d\u5ba2\u6237\u672a\u6765 %4$s \u7684\u6d88\u8d39\u989d\u3002\u8de8\u65f6\u95f4\u8bc4\u4f30\uff1a\u5728 %5$s \u4f4d\u5ba2\u6237\u4e0a\u4e8e %6$s \u62df\u5408\uff0c\u5728 %8$s \u4e4b\u524d\u6709\u8d2d\u4e70\u7684 %7$s \u4f4d\u5ba2\u6237\u4e0a\u6d4b\u8bd5\uff0c\u5bf9\u6bd4\u5176\u4e4b\u540e %9$s \u5185\u7684\u5b9e\u9645\u6d88\u8d39\u3002'),
    ('value.metrics.title', 'Out-of-time metrics against BG/NBD x Gamma-Gamma and the past rate continued', '\u8de8\u65f6\u95f4\u8bc4\u4f30\u6307\u6807\uff1a\u4e0e BG/NBD x Gamma-Gamma \u53ca\u6309\u8fc7\u53bb\u9891\u7387\u5ef6\u7eed\u5bf9\u6bd4'),
    ('value.metrics.reading', 'Normalized Gini %s for the model against %s for the past rate continued (1 = customers in the best possible order); total error = predicted total against the actual total of the test window.', '\u6a21\u578b\u7684\u5f52\u4e00\u5316\u57fa\u5c3c\u7cfb\u6570\u4e3a %s\uff0c\u6309\u8fc7\u53bb\u9891\u7387\u5ef6\u7eed\u4e3a %s\uff081 \u8868\u793a\u5ba2\u6237\u6392\u5e8f\u5b8c\u5168\u6b63\u786e\uff09\uff1b\u603b\u8bef\u5dee\u4e3a\u6d4b\u8bd5\u671f\u9884\u6d4b\u603b\u989d\u76f8\u5bf9\u5b9e\u9645\u603b\u989d\u7684\u504f\u5dee\u3002'),
    ('value.gain.title', 'Spend gain: share of the test window''s spend from the customers predicted to spend most', '\u6d88\u8d39\u589e\u76ca\uff1a\u9884\u6d4b\u6d88\u8d39\u6700\u9ad8\u7684\u5ba2\u6237\u8d21\u732e\u7684\u6d4b\u8bd5\u671f\u6d88\u8d39\u5360\u6bd4'),
    ('value.gain.reading', 'The 20%% of customers the model ranks highest spent %s of the test window''s total (%s in the best possible order).', '\u6a21\u578b\u6392\u540d\u524d 20%% \u7684\u5ba2\u6237\u8d21\u732e\u4e86\u6d4b\u8bd5\u671f\u603b\u6d88\u8d39\u7684 %s\uff08\u7406\u60f3\u6392\u5e8f\u4e3a %s\uff09\u3002'),
    ('value.gain.missing', 'This model was trained before its gain chart was stored: train it again (SELECT insight_train_value();) to draw it.', '\u8be5\u6a21\u578b\u8bad\u7ec3\u65f6\u5c1a\u672a\u4fdd\u5b58\u589e\u76ca\u56fe\uff1a\u91cd\u65b0\u8bad\u7ec3\uff08SELECT insight_train_value();\uff09\u5373\u53ef\u7ed8\u5236\u3002'),
    ('value.decile.title', 'Predicted and actual spend per customer in the test window, by decile of predicted spend (lowest first)', '\u6d4b\u8bd5\u671f\u6309\u9884\u6d4b\u6d88\u8d39\u5341\u5206\u4f4d\uff08\u4ece\u4f4e\u5230\u9ad8\uff09\u7684\u4eba\u5747\u9884\u6d4b\u4e0e\u5b9e\u9645\u6d88\u8d39'),
    ('value.decile.reading', 'The top decile is predicted %s per customer and spent %s; the bottom decile %s and %s.', '\u6700\u9ad8\u5341\u5206\u4f4d\u9884\u6d4b\u4eba\u5747 %s\uff0c\u5b9e\u9645\u4eba\u5747\u6d88\u8d39 %s\uff1b\u6700\u4f4e\u5341\u5206\u4f4d\u5206\u522b\u4e3a %s \u548c %s\u3002'),
    ('series.value_model', 'this model (ZILN MLP)', '\u672c\u6a21\u578b\uff08ZILN \u591a\u5c42\u611f\u77e5\u673a\uff09'),
    ('series.btyd', 'BG/NBD x Gamma-Gamma', 'BG/NBD x Gamma-Gamma'),
    ('series.past_rate', 'past rate continued', '\u6309\u8fc7\u53bb\u9891\u7387\u5ef6\u7eed'),
    ('col.predictor', 'predictor', '\u9884\u6d4b\u65b9\u6cd5'),
    ('col.normalized_gini', 'normalized Gini', '\u5f52\u4e00\u5316\u57fa\u5c3c\u7cfb\u6570'),
    ('col.spearman', 'Spearman', 'Spearman \u76f8\u5173\u7cfb\u6570'),
    ('col.decile_mape', 'decile MAPE', '\u5341\u5206\u4f4d MAPE'),
    ('col.total_error', 'total error', '\u603b\u8bef\u5dee'),
    ('axis.spend_reached', 'spend of the test window reached', '\u8986\u76d6\u7684\u6d4b\u8bd5\u671f\u6d88\u8d39'),
    ('axis.customers_by_spend', 'customers, highest predicted spend first', '\u5ba2\u6237\uff08\u6309\u9884\u6d4b\u6d88\u8d39\u4ece\u9ad8\u5230\u4f4e\uff09'),
    ('segments.k.chosen', 'chosen at the knee of the inertia curve among k = 2 to 10 (Kneedle; silhouette %s)', '\u5728 k = 2 \u5230 10 \u4e2d\u6309\u60ef\u6027\u66f2\u7ebf\u7684\u62d0\u70b9\u9009\u51fa\uff08Kneedle \u65b9\u6cd5\uff1b\u8f6e\u5ed3\u7cfb\u6570 %s\uff09'),
    ('segments.kcurve.reading', 'The silhouette is highest at k = %s (%s), but it favours few, broad clusters on skewed data; k = %s is at the knee of the inertia curve.', '\u8f6e\u5ed3\u7cfb\u6570\u5728 k = %s \u65f6\u6700\u9ad8\uff08%s\uff09\uff0c\u4f46\u5728\u504f\u6001\u6570\u636e\u4e0a\u5b83\u504f\u5411\u5c11\u800c\u5bbd\u6cdb\u7684\u805a\u7c7b\uff1bk = %s \u4f4d\u4e8e\u60ef\u6027\u66f2\u7ebf\u7684\u62d0\u70b9\u3002'),
    ('algorithm.logreg', 'logistic regression', '\u903b\u8f91\u56de\u5f52'),
    ('algorithm.gbdt', 'gradient-boosted trees', '\u68af\u5ea6\u63d0\u5347\u6811'),
    ('algorithm.mlp', 'multilayer perceptron', '\u591a\u5c42\u611f\u77e5\u673a')
  ) v(key, en, zh)
 CROSS JOIN (VALUES ('en'), ('zh')) l(lang)
 WHERE l.lang OPERATOR(pg_catalog.=) 'en' OR @extschema@.insight_unicode_text(v.zh) IS NOT NULL
ON CONFLICT (key, lang) DO UPDATE SET message = EXCLUDED.message;
