-- The segmentation task (src/sql/72_segments.sql).
SELECT insight_cluster(12347);
SELECT insight_log_rfm(0, 0, 0), insight_log_rfm(exp(1) - 1, 1, -5) AS negative_spend_is_0,
       insight_log_rfm(0, 0, 99.0000000001) = insight_log_rfm(0, 0, 99) AS spend_rounded_to_6_decimals;
SELECT insight_cluster_label('{-1,1,1}'), insight_cluster_label('{1,-1,-1}'), insight_cluster_label('{0,0.2,-0.49}');
-- the rows' shard query: none off Citus (the rows are a temporary table)
SELECT insight_segments_rows_sql(insight_default_as_of()) IS NULL AS no_shard_query;
SELECT insight_train_segments(0);
SELECT insight_train_segments(3, '2009-01-01');

-- k = 4 on the whole history
SELECT insight_train_segments(4) AS model_id \gset
SELECT task, algorithm, version, status, feature_names, trained_as_of = (SELECT max(ordered_at) + interval '1 microsecond' FROM insight_sales) AS cutoff_ok,
       metrics->'customers' AS customers, metrics->'k' AS k, params->'k' AS k_param,
       insight_model_info(preprocessing)->'algorithm' AS preprocessing
  FROM insight_models WHERE model_id = :model_id;
-- the stored model is insight_kmeans_fit on the standardized log-RFM, byte for byte
WITH raw AS (SELECT insight_log_rfm(recency_days, frequency, monetary) AS f FROM insight_rfm ORDER BY customer_id),
     s AS (SELECT insight_scaler_fit(f) AS scaler FROM raw)
SELECT s.scaler = m.preprocessing AS same_scaler,
       round((insight_model_info(s.scaler)->'means'->>0)::numeric, 4) AS mean_ln_recency
  FROM s, insight_models m WHERE m.model_id = :model_id;
CREATE TEMP TABLE seg_std AS
SELECT r.customer_id, insight_scaler_transform(m.preprocessing, insight_log_rfm(r.recency_days, r.frequency, r.monetary)) AS features
  FROM insight_rfm r, insight_models m WHERE m.model_id = :model_id;
SELECT insight_kmeans_fit('SELECT features FROM seg_std', 4, n_init => 10, seed => 0) = weights AS same_model
  FROM insight_models WHERE model_id = :model_id;
-- clusters: sizes add up to the customers; labels from the centroids
SELECT c.cluster, c.size, round(c.centroid[1]::numeric, 2) AS z_recency, round(c.centroid[2]::numeric, 2) AS z_frequency,
       round(c.centroid[3]::numeric, 2) AS z_monetary, insight_cluster_label(c.centroid) AS label
  FROM insight_models m, insight_kmeans_centroids(m.weights) c WHERE m.model_id = :model_id ORDER BY c.cluster;
-- scoring the training customers gives the training sizes
SELECT insight_segment_cluster(m.weights, m.preprocessing, r.recency_days, r.frequency, r.monetary) AS cluster, count(*)
  FROM insight_rfm r, insight_segments_model() m GROUP BY 1 ORDER BY 1;
SELECT insight_cluster(12347) = insight_kmeans_assign(m.weights, s.features) AS cluster_ok,
       insight_cluster('12347'::text) = insight_cluster(12347::bigint) AS any_key_type,
       insight_cluster('12347') = insight_cluster(12347) AS literal_key,
       insight_cluster(1) IS NULL AS unknown_customer, insight_cluster(NULL::int) IS NULL AS null_customer
  FROM seg_std s, insight_segments_model() m WHERE s.customer_id = 12347;

-- k => NULL: the knee of the inertia curve (the silhouette, highest at k = 2,
-- is kept in the curve), a new version that replaces the first; rollback puts it back
SELECT insight_train_segments() AS auto_id \gset
SELECT version, status, metrics->'k' AS k FROM insight_models WHERE task = 'segments' ORDER BY version;
SELECT metrics->'k' AS k, metrics->>'k_rule' AS k_rule, jsonb_array_length(metrics->'k_curve') AS curve_points,
       (metrics->>'k')::int = insight_kmeans_knee(metrics->'k_curve') AS k_at_knee,
       (SELECT max((e->>'silhouette')::float8) FROM jsonb_array_elements(metrics->'k_curve') e) = (metrics->>'silhouette')::float8 AS best_silhouette,
       (SELECT string_agg((e->>'k') || ': ' || round((e->>'silhouette')::numeric, 3), ', ') FROM jsonb_array_elements(metrics->'k_curve') e) AS curve
  FROM insight_models WHERE model_id = :auto_id;
-- the knee by hand (Satopää et al. 2011): inertia 100, 40, 25, 20, 18 for k = 1..5 scaled to
-- 0..1 gives drops 0, .73, .91, .98, 1 against k shares 0, .25, .5, .75, 1: the largest gap at k = 2;
-- a flat or one-point curve has no knee
SELECT insight_kmeans_knee('[{"k": 1, "inertia": 100}, {"k": 2, "inertia": 40}, {"k": 3, "inertia": 25}, {"k": 4, "inertia": 20}, {"k": 5, "inertia": 18}]') AS knee,
       insight_kmeans_knee('[{"k": 2, "inertia": 5}, {"k": 3, "inertia": 5}]') AS flat,
       insight_kmeans_knee('[{"k": 2, "inertia": 5}]') AS one_point, insight_kmeans_knee(NULL) AS none;
-- customer 12346 (one order, 325 days before the end, a large spend returned) is not in a
-- cluster labelled recent (with k = 2 by the silhouette it was: "recent, frequent, high spend")
SELECT c.recency_days::int AS recency_days, c.orders, c.cluster_label, c.cluster_label !~ '(^|, )recent' AS not_recent
  FROM insight_customer_360 c WHERE c.customer_id = 12346;
SELECT insight_rollback('segments') = :model_id AS rolled_back;
SELECT version, status FROM insight_models WHERE task = 'segments' ORDER BY version;
-- two clusters that the label words do not tell apart are ranked by their
-- members' median spend (1000 before 500); a label that is alone is kept as is
SELECT cluster, customers, label
  FROM insight_cluster_profiles(ARRAY[1, 1, 1, 2, 2, 2, 3, 3, 3, 3, 3, 3],
                                ARRAY[1, 1, 1, 2, 2, 2, 100, 100, 100, 100, 100, 100]::float8[],
                                ARRAY[10, 10, 10, 8, 8, 8, 1, 1, 1, 1, 1, 1]::float8[],
                                ARRAY[1000, 1000, 1000, 500, 500, 500, 10, 10, 10, 10, 10, 10]::float8[]);
SELECT cluster, label
  FROM insight_cluster_profiles(ARRAY[2, 2, 2, 1, 1, 1, 3, 3, 3, 3, 3, 3],
                                ARRAY[1, 1, 1, 2, 2, 2, 100, 100, 100, 100, 100, 100]::float8[],
                                ARRAY[10, 10, 10, 8, 8, 8, 1, 1, 1, 1, 1, 1]::float8[],
                                ARRAY[1000, 1000, 1000, 500, 500, 500, 10, 10, 10, 10, 10, 10]::float8[], 'zh')
 WHERE cluster = 2;
