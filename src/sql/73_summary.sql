-- ---------------------------------------------------------------------------
-- Segment profiles for BI: insight_segment_summary, per RFM segment and per
-- cluster of the active segments model.
-- ---------------------------------------------------------------------------

CREATE FUNCTION @extschema@.insight_segment_profiles(as_of timestamptz DEFAULT NULL)
RETURNS TABLE (kind text, segment text, cluster integer, customers bigint, customer_share float8,
               mean_recency_days float8, mean_frequency float8, mean_monetary float8,
               revenue float8, revenue_share float8)
LANGUAGE sql STABLE
AS $$
WITH r AS (
    SELECT s.recency_days, s.frequency, s.monetary, s.segment
      FROM @extschema@.insight_rfm_scores($1) s
),
m AS (
    SELECT mo.weights, mo.preprocessing FROM @extschema@.insight_models mo
     WHERE mo.task OPERATOR(pg_catalog.=) 'segments' AND mo.status OPERATOR(pg_catalog.=) 'active'
),
labelled AS (
    SELECT 'rfm'::text AS kind, r.segment, NULL::integer AS cluster, r.recency_days, r.frequency, r.monetary
      FROM r
    UNION ALL
    SELECT 'cluster', NULL,
           @extschema@.insight_segment_cluster(m.weights, m.preprocessing, r.recency_days, r.frequency, r.monetary),
           r.recency_days, r.frequency, r.monetary
      FROM r, m
),
agg AS (
    SELECT l.kind, l.segment, l.cluster, pg_catalog.count(*) AS customers,
           pg_catalog.avg(l.recency_days) AS mean_recency_days,
           pg_catalog.avg(l.frequency)::float8 AS mean_frequency,
           pg_catalog.avg(l.monetary) AS mean_monetary,
           pg_catalog.sum(l.monetary) AS revenue
      FROM labelled l
     GROUP BY l.kind, l.segment, l.cluster
)
SELECT a.kind,
       COALESCE(a.segment, (SELECT @extschema@.insight_cluster_label(c.centroid)
                              FROM m, @extschema@.insight_kmeans_centroids(m.weights) c
                             WHERE c.cluster OPERATOR(pg_catalog.=) a.cluster)),
       a.cluster, a.customers,
       a.customers::float8 OPERATOR(pg_catalog./) pg_catalog.sum(a.customers) OVER (PARTITION BY a.kind),
       a.mean_recency_days, a.mean_frequency, a.mean_monetary, a.revenue,
       a.revenue OPERATOR(pg_catalog./) pg_catalog.sum(a.revenue) OVER (PARTITION BY a.kind)
  FROM agg a
 ORDER BY a.kind DESC,
          pg_catalog.array_position(@extschema@.insight_rfm_segment_names(), a.segment),
          a.cluster
$$;

COMMENT ON FUNCTION @extschema@.insight_segment_profiles(timestamptz) IS
'Profiles of the customers with a purchase before as_of (default: the whole history): one row per RFM segment (kind ''rfm'', segment name, in map order) and, when a segments model is active, one per cluster (kind ''cluster'', cluster number, label from insight_cluster_label of its centroid). customers and customer_share; mean recency_days, frequency (orders) and monetary (total spend) as in insight_rfm; revenue = total spend of the group and revenue_share of all. Churn probability and CLV columns will join when those models exist.';

CREATE VIEW @extschema@.insight_segment_summary AS
    SELECT * FROM @extschema@.insight_segment_profiles();

COMMENT ON VIEW @extschema@.insight_segment_summary IS
'Segment profiles over the whole history, for BI tools: per RFM segment (kind = ''rfm'') and per cluster of the active segments model (kind = ''cluster'', with a readable label such as ''recent, frequent, high spend''): customers, share of customers, mean recency (days since the last purchase), mean frequency (orders), mean monetary (total spend), revenue (total spend) and share of revenue. See insight_segment_profiles(as_of) for another cut-off.';
