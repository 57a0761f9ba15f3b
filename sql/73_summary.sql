-- Segment profiles (src/sql/73_summary.sql); the segments model of 72_segments (k = 4) is active.
\i test/setup/models.sql
SELECT kind, segment, cluster, customers, round(customer_share::numeric, 4) AS customer_share,
       round(mean_recency_days::numeric, 1) AS mean_recency_days, round(mean_frequency::numeric, 2) AS mean_frequency,
       round(mean_monetary::numeric, 2) AS mean_monetary, round(revenue::numeric, 2) AS revenue,
       round(revenue_share::numeric, 4) AS revenue_share
  FROM insight_segment_summary;
-- each kind covers every customer and all revenue
SELECT kind, sum(customers) AS customers, round(sum(customer_share)::numeric, 12) AS shares,
       round(sum(revenue)::numeric, 2) = (SELECT round(sum(total_spend)::numeric, 2) FROM insight_customer_features()) AS all_revenue,
       round(sum(revenue_share)::numeric, 12) AS revenue_shares
  FROM insight_segment_summary GROUP BY kind ORDER BY kind;
-- the RFM rows agree with insight_rfm
SELECT count(*) AS mismatches
  FROM insight_segment_summary s
  JOIN (SELECT segment, count(*) AS n, avg(recency_days) AS r, sum(monetary) AS m FROM insight_rfm GROUP BY segment) r USING (segment)
 WHERE s.kind = 'rfm' AND (s.customers <> r.n OR abs(s.mean_recency_days - r.r) > 1e-9 OR abs(s.revenue - r.m) > 1e-6);
-- the cluster rows agree with insight_kmeans_centroids of the active model and carry its labels
WITH x AS MATERIALIZED (SELECT c.customer_id, c.cluster, r.recency_days, r.frequency, r.monetary
                          FROM insight_customer_360 c JOIN insight_rfm r USING (customer_id)),
p AS (SELECT * FROM insight_cluster_profiles((SELECT array_agg(x.cluster ORDER BY x.customer_id) FROM x),
                                             (SELECT array_agg(x.recency_days ORDER BY x.customer_id) FROM x),
                                             (SELECT array_agg(x.frequency::float8 ORDER BY x.customer_id) FROM x),
                                             (SELECT array_agg(x.monetary ORDER BY x.customer_id) FROM x)))
SELECT s.cluster, s.customers = c.size AS size_ok, s.segment = p.label AS label_ok
  FROM insight_segment_summary s JOIN p ON p.cluster = s.cluster, insight_segments_model() m, insight_kmeans_centroids(m.weights) c
 WHERE s.kind = 'cluster' AND c.cluster = s.cluster ORDER BY s.cluster;
-- another cut-off
SELECT kind, sum(customers) AS customers FROM insight_segment_profiles('2011-06-01 00:00+00') GROUP BY kind ORDER BY kind;
-- mean churn probability and total 12-month CLV of the active models (churn:
-- 50_churn on Online Retail; CLV: 64_clv_task on CDNOW, scoring Online Retail)
SELECT count(*) AS segments,
       count(*) FILTER (WHERE abs(s.mean_churn_probability - c.p) < 1e-12) AS churn_agrees,
       count(*) FILTER (WHERE abs(s.total_clv_12m - c.clv) <= 1e-9 * abs(c.clv)) AS clv_agrees,
       bool_and(s.mean_churn_probability BETWEEN 0 AND 1) AS probabilities, bool_and(s.total_clv_12m > 0) AS positive_clv
  FROM insight_segment_summary s
  JOIN (SELECT r.segment, avg(ch.churn_probability) AS p, sum(v.clv_12m) AS clv
          FROM insight_rfm r
          LEFT JOIN insight_churn_scores ch ON ch.customer_id = r.customer_id
          LEFT JOIN insight_clv_scores_at() v ON v.customer_id = r.customer_id::text
         GROUP BY r.segment) c USING (segment)
 WHERE s.kind = 'rfm';
SELECT kind, round(sum(mean_churn_probability * customers)::numeric / sum(customers), 6)
           = (SELECT round(avg(churn_probability)::numeric, 6) FROM insight_churn_scores) AS churn_weighted_mean,
       round(sum(total_clv_12m)::numeric, 4) = (SELECT round(sum(clv_12m)::numeric, 4) FROM insight_clv_scores_at()) AS clv_total
  FROM insight_segment_summary GROUP BY kind ORDER BY kind;
-- insight_customer_360 carries the RFM segment and the active model's cluster
-- with its label, the same as insight_rfm, insight_cluster() and the summary
SELECT count(*) AS customers, count(*) FILTER (WHERE c.segment = r.segment) AS segment_agrees,
       count(c.cluster) AS with_cluster,
       count(*) FILTER (WHERE c.cluster_label = s.segment) AS label_agrees
  FROM insight_customer_360 c
  JOIN insight_rfm r USING (customer_id)
  LEFT JOIN insight_segment_summary s ON s.kind = 'cluster' AND s.cluster = c.cluster;
-- every word of a cluster's label is true of its members' median against the
-- median customer: recent / lapsed (days since the last purchase below / above),
-- frequent / infrequent (orders), high / low spend (total spend); mixed claims nothing
WITH r AS (SELECT c.cluster, c.cluster_label, f.recency_days, f.frequency::float8 AS frequency, f.monetary
             FROM insight_customer_360 c JOIN insight_rfm f USING (customer_id)),
med AS (SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY recency_days) AS r,
               percentile_cont(0.5) WITHIN GROUP (ORDER BY frequency) AS f,
               percentile_cont(0.5) WITHIN GROUP (ORDER BY monetary) AS m FROM r),
cl AS (SELECT cluster, min(cluster_label) AS label,
              percentile_cont(0.5) WITHIN GROUP (ORDER BY recency_days) AS r,
              percentile_cont(0.5) WITHIN GROUP (ORDER BY frequency) AS f,
              percentile_cont(0.5) WITHIN GROUP (ORDER BY monetary) AS m
         FROM r GROUP BY cluster)
SELECT cl.cluster, cl.label,
       bool_and(CASE w WHEN 'recent' THEN cl.r < med.r WHEN 'lapsed' THEN cl.r > med.r
                       WHEN 'frequent' THEN cl.f > med.f WHEN 'infrequent' THEN cl.f < med.f
                       WHEN 'high spend' THEN cl.m > med.m WHEN 'low spend' THEN cl.m < med.m
                       ELSE w LIKE 'mixed %' END) AS true_of_median
  FROM cl, med, regexp_split_to_table(cl.label, ', ') w
 GROUP BY cl.cluster, cl.label ORDER BY cl.cluster;
SELECT count(*) AS sampled, count(*) FILTER (WHERE c.cluster = insight_cluster(c.customer_id)) AS cluster_agrees
  FROM insight_customer_360 c WHERE c.customer_id % 25 = 0;
SELECT cluster, count(*) AS customers FROM insight_customer_360 GROUP BY cluster ORDER BY cluster;
