-- Segment profiles (src/sql/73_summary.sql); the segments model of 72_segments (k = 4) is active.
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
SELECT s.cluster, s.customers = c.size AS size_ok, s.segment = insight_cluster_label(c.centroid) AS label_ok
  FROM insight_segment_summary s, insight_segments_model() m, insight_kmeans_centroids(m.weights) c
 WHERE s.kind = 'cluster' AND c.cluster = s.cluster ORDER BY s.cluster;
-- another cut-off
SELECT kind, sum(customers) AS customers FROM insight_segment_profiles('2011-06-01 00:00+00') GROUP BY kind ORDER BY kind;
