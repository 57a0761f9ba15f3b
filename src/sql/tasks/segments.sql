-- ---------------------------------------------------------------------------
-- The segmentation task: k-means on standardized log-RFM, stored and
-- activated in insight_models (task 'segments'); insight_cluster(customer).
-- ---------------------------------------------------------------------------

CREATE FUNCTION @extschema@.insight_log_rfm(recency_days float8, frequency float8, monetary float8)
RETURNS float8[]
AS 'MODULE_PATHNAME', 'insight_log_rfm'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@.insight_log_rfm(float8, float8, float8) IS
'The inputs of the segments model before standardization: ARRAY[ln(1 + recency_days), ln(1 + frequency), ln(1 + monetary)] with the RFM definitions of insight_rfm (days since the last purchase, orders, total spend; negative values count as 0). monetary is rounded to 6 decimals first: currency amounts have fewer, and the rounding removes the last-bit differences that parallel sums leave in total spend, so the same data give the same model. The logarithm tames the long right tails of frequency and spend. NaN and infinite inputs are an error (22023).';

CREATE FUNCTION @extschema@.insight_segment_feature_names()
RETURNS text[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$ SELECT ARRAY['ln1p_recency_days', 'ln1p_frequency', 'ln1p_monetary']::pg_catalog.text[] $$;

COMMENT ON FUNCTION @extschema@.insight_segment_feature_names() IS
'Names of the inputs of the segments model, in the order of insight_log_rfm().';

-- The segments task's steps (see tasks/train.sql): no evaluation and no
-- comparison, since clusterings of different data have no common quality
-- measure: the newest one serves.
CREATE FUNCTION @extschema@.insight_segments_setup(k integer, as_of timestamptz)
RETURNS @extschema@.insight_training
LANGUAGE plpgsql
AS $$
DECLARE
    t @extschema@.insight_training;
BEGIN
    -- checked before any work (the features of every customer come next)
    IF k IS NOT NULL AND k OPERATOR(pg_catalog.<) 1 THEN
        RAISE EXCEPTION 'k must be at least 1'
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Pass NULL to choose k in 2..10 at the knee of the inertia curve.';
    END IF;
    IF k OPERATOR(pg_catalog.>) 100000 THEN
        RAISE EXCEPTION 'k must be at most 100000, not %', k
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = 'A k-means model holds at most 100000 clusters (insight_kmeans_fit).',
                  HINT = 'Pass NULL to choose k in 2..10 at the knee of the inertia curve.';
    END IF;
    t.task := 'segments';
    t.algorithm := 'kmeans';
    t.params := pg_catalog.jsonb_build_object('k', k, 'features', 'standardized log-RFM',
                                              'n_init', 10, 'seed', 0, 'max_iterations', 300,
                                              'tolerance', 1e-4);
    t.feature_names := @extschema@.insight_segment_feature_names();
    t.trained_as_of := COALESCE(as_of, @extschema@.insight_default_as_of());
    t.setup := pg_catalog.jsonb_build_object('temp_tables', pg_catalog.jsonb_build_array('insight_segments_training'));
    RETURN t;
END
$$;

COMMENT ON FUNCTION @extschema@.insight_segments_setup(integer, timestamptz) IS
'The segments task''s entry step: validates the arguments of insight_train_segments() before any work (k in 1..100000 or NULL, else 22023) and returns the insight_training that insight_train_task() takes.';

-- The segments task's rows on the shards: each customer's log-RFM
-- (recency_days, orders and total_spend are features 1, 5 and 7 of
-- insight_customer_features_sql).
CREATE FUNCTION @extschema@.insight_segments_rows_sql(as_of timestamptz)
RETURNS text
LANGUAGE sql STABLE
AS $$
    SELECT pg_catalog.format($q$
        SELECT f.customer_id, %1$I.insight_log_rfm(f.x[1], f.x[5]::integer, f.x[7])
          FROM (%2$s) f $q$, '@extschema@', q.features)
      FROM (SELECT @extschema@.insight_customer_features_sql(as_of) AS features) q
     WHERE q.features IS NOT NULL
$$;

COMMENT ON FUNCTION @extschema@.insight_segments_rows_sql(timestamptz) IS
'The query (SQL text) that fills the segments task''s training table on the shards (insight_segments_prepare, through insight_training_table): the customer key and insight_log_rfm(recency_days, orders, total_spend) of every customer with a purchase before as_of, from insight_customer_features_sql(as_of), which Citus runs whole on each shard. NULL when the source is not distributed by customer (insight_customer_features_sql NULL).';

CREATE FUNCTION @extschema@.insight_segments_prepare(t @extschema@.insight_training)
RETURNS @extschema@.insight_training
LANGUAGE plpgsql
AS $$
DECLARE
    rows_table pg_catalog.text;
BEGIN
    -- the log-RFM of every customer: on Citus on the shards
    rows_table := @extschema@.insight_training_table('insight_segments_training',
        pg_catalog.format($q$
        SELECT %1$I.insight_log_rfm(f.recency_days, f.orders, f.total_spend) AS raw
          FROM %1$I.insight_customer_features(%2$L::pg_catalog.timestamptz) f
         ORDER BY f.customer_id $q$, '@extschema@', t.trained_as_of),
        @extschema@.insight_segments_rows_sql(t.trained_as_of),
        'raw float8[]');
    -- the scaler: exact sums, so the same bytes in any order of the rows (on
    -- Citus a partial aggregate on the shards: one state per shard reaches
    -- the coordinator; the k-means passes and the silhouette sample, too)
    EXECUTE pg_catalog.format('SELECT %I.insight_scaler_fit(r.raw) FROM %s r', '@extschema@', rows_table)
       INTO t.preprocessing;
    IF t.preprocessing IS NULL THEN
        RAISE EXCEPTION 'no customer has a purchase before %', t.trained_as_of
            USING ERRCODE = 'no_data_found',
                  HINT = 'Register a sales source with purchases, or pass a later as_of.';
    END IF;
    RETURN t;
END
$$;

COMMENT ON FUNCTION @extschema@.insight_segments_prepare(@extschema@.insight_training) IS
'Segments step prepare: the log-RFM of every customer with a purchase before as_of (insight_log_rfm) in the table insight_segments_training of insight_training_table (a temporary table, or on Citus, with the source distributed by customer, a table co-located with the source filled on the shards by one INSERT ... SELECT over insight_customer_features_sql), and the scaler fitted on it (insight_scaler_fit: exact sums, the same bytes in any order of the rows; on Citus a partial aggregate on the shards) (the model''s preprocessing); 02000 when there is no customer.';

-- The knee of a k-means inertia curve (Satopaa, Albrecht, Irwin & Raghavan
-- 2011, "Finding a 'Kneedle' in a Haystack", for a decreasing convex curve):
-- with k and inertia scaled to 0..1 over the curve, the k where the drop in
-- inertia so far most exceeds the share of the k range used.  The silhouette
-- favours k = 2 on skewed data (a small cluster of big spenders against
-- everyone else), whose clusters are too broad for a label to hold.
CREATE FUNCTION @extschema@.insight_kmeans_knee(k_curve jsonb)
RETURNS integer
LANGUAGE sql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
WITH c AS (
    SELECT (e ->> 'k')::integer AS k, (e ->> 'inertia')::pg_catalog.float8 AS inertia
      FROM pg_catalog.jsonb_array_elements(CASE WHEN pg_catalog.jsonb_typeof(k_curve) = 'array' THEN k_curve ELSE '[]' END) e
     WHERE e ->> 'k' IS NOT NULL AND e ->> 'inertia' IS NOT NULL
), r AS (
    SELECT pg_catalog.min(c.k) AS k0, pg_catalog.max(c.k) AS k1, pg_catalog.max(c.inertia) AS i0, pg_catalog.min(c.inertia) AS i1 FROM c
)
SELECT c.k
  FROM c, r
 WHERE r.k1 > r.k0 AND r.i0 > r.i1
 ORDER BY (r.i0 - c.inertia) / (r.i0 - r.i1) - (c.k - r.k0)::pg_catalog.float8 / (r.k1 - r.k0) DESC, c.k
 LIMIT 1
$$;

COMMENT ON FUNCTION @extschema@.insight_kmeans_knee(jsonb) IS
'The knee of a k-means inertia curve (a k_curve of insight_model_info: [{"k", "inertia", ...}]) by Kneedle (Satopaa et al. 2011, "Finding a ''Kneedle'' in a Haystack: Detecting Knee Points in System Behavior"): with k and the inertia normalised to 0..1 over the curve, the k maximising (inertia(k_min) - inertia(k)) / (inertia(k_min) - inertia(k_max)) - (k - k_min) / (k_max - k_min); ties to the smaller k. NULL for fewer than two k or a flat curve.';

CREATE FUNCTION @extschema@.insight_segments_serve(t @extschema@.insight_training)
RETURNS @extschema@.insight_training
LANGUAGE plpgsql
AS $$
DECLARE
    info pg_catalog.jsonb;
    curve pg_catalog.jsonb;
    knee integer;
    query pg_catalog.text := pg_catalog.format('SELECT %I.insight_scaler_transform(%L::pg_catalog.bytea, r.raw) FROM %s r',
                                               '@extschema@', t.preprocessing,
                                               @extschema@.insight_training_relation('insight_segments_training'));
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

INSERT INTO @extschema@.insight_task_steps (task, prepare, serve, builtin)
VALUES ('segments', '@extschema@.insight_segments_prepare(@extschema@.insight_training)',
        '@extschema@.insight_segments_serve(@extschema@.insight_training)', true);

CREATE FUNCTION @extschema@.insight_train_segments(k integer DEFAULT NULL, as_of timestamptz DEFAULT NULL)
RETURNS bigint
LANGUAGE sql
AS $$ SELECT @extschema@.insight_train_task(@extschema@.insight_segments_setup($1, $2)) $$;

COMMENT ON FUNCTION @extschema@.insight_train_segments(integer, timestamptz) IS
'Cluster the customers with a purchase before as_of (default: the whole history) by k-means on standardized log-RFM (insight_log_rfm, standardized by insight_scaler_fit; the scaler is stored as the model''s preprocessing), k-means++ with n_init = 10 and seed 0; k => NULL chooses k in 2..10 at the knee of the inertia curve (insight_kmeans_knee: Kneedle, Satopaa et al. 2011). Stores the model as task ''segments'' (metrics: customers, k, k_rule, inertia, silhouette, iterations, sizes, k_curve with the inertia and silhouette of k = 2..10) and activates it: clusterings of different data have no common quality measure, so the newest one serves (insight_rollback(''segments'') puts back the previous one). Returns the model_id. Runs through insight_train_task() (steps insight_segments_*). The training rows live in a temporary table, so its passes run without parallel workers; on Citus, with the source distributed by customer, in a table on the shards (insight_training_table), where the scaler fit (exact sums), every k-means pass (exact sums) and the collection of the silhouette''s rows (insight_kmeans_sample: every row up to 10,000, else a hashed sample of about 10,000) run as partial aggregates on the shards: one partial state per shard and pass reaches the coordinator, no row per customer.';

-- The active segments model (weights and scaler); raises when there is none.
CREATE FUNCTION @extschema@.insight_segments_model(OUT weights bytea, OUT preprocessing bytea)
LANGUAGE plpgsql STABLE PARALLEL SAFE
AS $$
BEGIN
    SELECT m.weights, m.preprocessing INTO weights, preprocessing
      FROM @extschema@.insight_active_model('segments') m;
    IF NOT FOUND THEN
        PERFORM @extschema@.insight_no_active_model('segments');
    END IF;
END
$$;

COMMENT ON FUNCTION @extschema@.insight_segments_model() IS
'The weights and the scaler of the active segments model; raises 55000 when no segments model is active.';

CREATE FUNCTION @extschema@.insight_segment_cluster(weights bytea, preprocessing bytea,
                                                   recency_days float8, frequency float8, monetary float8)
RETURNS integer
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
AS $$ SELECT @extschema@.insight_kmeans_assign(weights,
             @extschema@.insight_scaler_transform(preprocessing,
                 @extschema@.insight_log_rfm(recency_days, frequency, monetary))) $$;

COMMENT ON FUNCTION @extschema@.insight_segment_cluster(bytea, bytea, float8, float8, float8) IS
'The cluster of an RFM triple (recency_days, orders, total spend) under a segments model and its scaler: insight_kmeans_assign(weights, insight_scaler_transform(preprocessing, insight_log_rfm(...))).';

CREATE FUNCTION @extschema@.insight_cluster(customer text, as_of timestamptz DEFAULT NULL)
RETURNS integer
LANGUAGE plpgsql STABLE PARALLEL SAFE
AS $$
DECLARE
    model record;
    result integer;
BEGIN
    model := @extschema@.insight_segments_model();
    IF customer IS NULL THEN
        RETURN NULL;
    END IF;
    -- only this customer's lines (insight_customer_features_of)
    SELECT @extschema@.insight_segment_cluster(model.weights, model.preprocessing,
                                               f.recency_days, f.orders, f.total_spend)
      INTO result
      FROM @extschema@.insight_customer_features_of(customer, as_of) f;
    RETURN result;
END
$$;

COMMENT ON FUNCTION @extschema@.insight_cluster(text, timestamptz) IS
'The cluster (1..k) of one customer under the active segments model, from the customer''s RFM as of as_of (default: the whole history), reading only that customer''s lines (insight_customer_features_of); NULL for a customer without a purchase before as_of. The customer is the text form of a key of the source (''12347''); insight_cluster(anyelement) takes the key in its own type. Raises 55000 when no segments model is active.';

CREATE FUNCTION @extschema@.insight_cluster(customer anyelement, as_of timestamptz DEFAULT NULL)
RETURNS integer
LANGUAGE sql STABLE PARALLEL SAFE
AS $$ SELECT @extschema@.insight_cluster($1::pg_catalog.text, $2) $$;

COMMENT ON FUNCTION @extschema@.insight_cluster(anyelement, timestamptz) IS
'insight_cluster(customer::text, as_of) for a key given in its own type.';

CREATE FUNCTION @extschema@.insight_cluster_label(centroid float8[])
RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
AS $$
SELECT CASE WHEN centroid[1] OPERATOR(pg_catalog.<=) -0.5 THEN 'recent'
            WHEN centroid[1] OPERATOR(pg_catalog.>=) 0.5 THEN 'lapsed'
            ELSE 'mid recency' END
       OPERATOR(pg_catalog.||) ', ' OPERATOR(pg_catalog.||)
       CASE WHEN centroid[2] OPERATOR(pg_catalog.>=) 0.5 THEN 'frequent'
            WHEN centroid[2] OPERATOR(pg_catalog.<=) -0.5 THEN 'infrequent'
            ELSE 'occasional' END
       OPERATOR(pg_catalog.||) ', ' OPERATOR(pg_catalog.||)
       CASE WHEN centroid[3] OPERATOR(pg_catalog.>=) 0.5 THEN 'high spend'
            WHEN centroid[3] OPERATOR(pg_catalog.<=) -0.5 THEN 'low spend'
            ELSE 'mid spend' END
$$;

COMMENT ON FUNCTION @extschema@.insight_cluster_label(float8[]) IS
'A readable label of a segments centroid (standardized log-RFM): recency "recent" (z <= -0.5), "lapsed" (z >= 0.5) or "mid recency"; frequency "frequent" (z >= 0.5), "infrequent" (z <= -0.5) or "occasional"; spend "high spend", "low spend" or "mid spend" on the same cuts. z is in standard deviations of the training customers.';

-- The clusters of the active segments model described by their members (not
-- their centroids): one labelling for the report, insight_customer_360 and
-- insight_segment_summary.  A customer is "recent" when their days since the
-- last purchase are below the median customer's, "frequent" / "high spend"
-- when their orders / total spend are above it; a cluster is labelled so when
-- at least three quarters of its members are (the other side when at most a
-- quarter are), "mixed" otherwise (insight_report_cluster_label).  So the
-- median member is on the labelled side of the median customer.
CREATE FUNCTION @extschema@.insight_cluster_profiles(clusters integer[], recency_days float8[], frequency float8[],
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
       -- clusters that the words alone do not tell apart are ranked by
       -- their members' median spend, highest first
       l.label OPERATOR(pg_catalog.||) CASE WHEN pg_catalog.count(*) OVER same OPERATOR(pg_catalog.>) 1
           THEN @extschema@.insight_report_msg(lang, 'label.rank', (pg_catalog.rank() OVER (same ORDER BY p.mq[2] DESC, p.c))::pg_catalog.text,
                                               (pg_catalog.count(*) OVER same)::pg_catalog.text)
           ELSE '' END
  FROM p CROSS JOIN LATERAL (SELECT @extschema@.insight_report_cluster_label(lang, p.recent, p.frequent, p.high) AS label) l
WINDOW same AS (PARTITION BY l.label)
 ORDER BY p.c
$$;

COMMENT ON FUNCTION @extschema@.insight_cluster_profiles(integer[], float8[], float8[], float8[], text) IS
'The clusters of a segments model described by their members: clusters[i], recency_days[i], frequency[i] (orders) and monetary[i] (total spend) are one customer (insight_rfm_scores with insight_segment_cluster; a customer with a NULL cluster counts only towards the medians). Per cluster: customers; recent_share, frequent_share and high_spend_share = the shares of members with fewer days since the last purchase, more orders, more total spend than the median customer; the quartiles (25, 50, 75 %) of each; and label = insight_report_cluster_label(lang, the three shares): recent / frequent / high spend at a share of at least 3/4, lapsed / infrequent / low spend at most 1/4, mixed otherwise, so each word holds for at least three quarters of the members and for their median. Clusters with the same words are told apart by their members'' median spend: the label gets " (1 of 2 by median spend)" and so on, highest first (message label.rank). lang: en or zh (insight_report_messages). The one labelling of clusters of insight_report_html, insight_customer_360 and insight_segment_summary.';

-- The segments concern of insight_customer_360 (see insight_churn_views_sql).
CREATE FUNCTION @extschema@.insight_customer_360_segments(as_of timestamptz DEFAULT NULL)
RETURNS TABLE (customer_id text, segment text, cluster integer, cluster_label text)
LANGUAGE sql STABLE PARALLEL SAFE
AS $$
WITH m AS (
    SELECT mo.weights, mo.preprocessing FROM @extschema@.insight_active_model('segments') mo
),
r AS MATERIALIZED (
    SELECT r.customer_id::pg_catalog.text AS customer_id, r.segment, r.recency_days, r.frequency, r.monetary,
           (SELECT @extschema@.insight_segment_cluster(m.weights, m.preprocessing, r.recency_days, r.frequency, r.monetary)
              FROM m) AS cluster
      FROM @extschema@.insight_rfm_scores($1) r
),
labels AS (
    SELECT p.cluster, p.label
      FROM @extschema@.insight_cluster_profiles(
               (SELECT pg_catalog.array_agg(r.cluster) FROM r), (SELECT pg_catalog.array_agg(r.recency_days) FROM r),
               (SELECT pg_catalog.array_agg(r.frequency::pg_catalog.float8) FROM r), (SELECT pg_catalog.array_agg(r.monetary) FROM r)) p
     WHERE EXISTS (SELECT 1 FROM m)
)
SELECT r.customer_id, r.segment, r.cluster, l.label
  FROM r LEFT JOIN labels l ON l.cluster OPERATOR(pg_catalog.=) r.cluster
$$;

COMMENT ON FUNCTION @extschema@.insight_customer_360_segments(timestamptz) IS
'The segments concern of insight_customer_360: every customer''s RFM segment (insight_rfm_scores) and, when a segments model is active, their cluster and its label from its members (insight_cluster_profiles, in English: what holds for at least three quarters of the members against the median customer). customer_id as text.';
