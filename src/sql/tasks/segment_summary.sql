-- ---------------------------------------------------------------------------
-- Segment profiles for BI: insight_segment_summary, per RFM segment and per
-- cluster of the active segments model.
-- ---------------------------------------------------------------------------

-- The scores of the active churn and CLV models for the profiles: no rows
-- (instead of an error) for a model that does not exist yet.
CREATE FUNCTION @extschema@.insight_segment_model_scores(as_of timestamptz DEFAULT NULL)
RETURNS TABLE (customer_id text, churn_probability float8, clv_12m float8)
LANGUAGE plpgsql STABLE
AS $$
DECLARE
    has_clv boolean := EXISTS (SELECT 1 FROM @extschema@.insight_serving_model('clv'));
BEGIN
    IF has_clv THEN
        RETURN QUERY
        SELECT COALESCE(c.customer_id, v.customer_id), c.churn_probability, v.clv_12m
          FROM @extschema@.insight_churn_scores_at($1) c
          FULL JOIN @extschema@.insight_clv_scores_at($1) v ON v.customer_id OPERATOR(pg_catalog.=) c.customer_id;
    ELSE
        RETURN QUERY
        SELECT c.customer_id, c.churn_probability, NULL::pg_catalog.float8
          FROM @extschema@.insight_churn_scores_at($1) c;
    END IF;
END
$$;

COMMENT ON FUNCTION @extschema@.insight_segment_model_scores(timestamptz) IS
'Churn probability (insight_churn_scores_at) and 12-month CLV (insight_clv_scores_at) of every customer scored at as_of, for insight_segment_profiles; a model that is not active, or a CLV model that cannot serve (insight_serving_model, with a NOTICE), gives NULLs, not an error. customer_id as text.';

CREATE FUNCTION @extschema@.insight_segment_profiles(as_of timestamptz DEFAULT NULL)
RETURNS TABLE (kind text, segment text, cluster integer, customers bigint, customer_share float8,
               mean_recency_days float8, mean_frequency float8, mean_monetary float8,
               revenue float8, revenue_share float8, mean_churn_probability float8,
               total_clv_12m float8)
LANGUAGE sql STABLE
SET jit = off   -- a long query; JIT compilation cannot be interrupted (the SQL fuzzer's cancel came 1.2-4 s late)
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

CREATE VIEW @extschema@.insight_segment_summary AS
    SELECT * FROM @extschema@.insight_segment_profiles();

COMMENT ON VIEW @extschema@.insight_segment_summary IS
'Segment profiles over the whole history, for BI tools: per RFM segment (kind = ''rfm'') and per cluster of the active segments model (kind = ''cluster'', with a label true of its members such as ''lapsed, infrequent, low spend'', insight_cluster_profiles): customers, share of customers, mean recency (days since the last purchase), mean frequency (orders), mean monetary (total spend), revenue (total spend) and share of revenue, mean churn probability and total 12-month CLV (NULL without an active churn / CLV model). See insight_segment_profiles(as_of) for another cut-off.';
COMMENT ON COLUMN @extschema@.insight_segment_summary.kind IS '''rfm'' for an RFM segment, ''cluster'' for a cluster of the active segments model.';
COMMENT ON COLUMN @extschema@.insight_segment_summary.segment IS 'RFM segment name (kind rfm), or the cluster''s label from its members (insight_cluster_profiles: what holds for at least three quarters of them against the median customer; kind cluster).';
COMMENT ON COLUMN @extschema@.insight_segment_summary.cluster IS 'Cluster number 1..k of the active segments model (kind cluster); NULL for kind rfm.';
COMMENT ON COLUMN @extschema@.insight_segment_summary.customers IS 'Customers in the group.';
COMMENT ON COLUMN @extschema@.insight_segment_summary.customer_share IS 'customers / all customers of the same kind (0..1).';
COMMENT ON COLUMN @extschema@.insight_segment_summary.mean_recency_days IS 'Mean days since the last purchase (insight_rfm.recency_days).';
COMMENT ON COLUMN @extschema@.insight_segment_summary.mean_frequency IS 'Mean number of orders (insight_rfm.frequency).';
COMMENT ON COLUMN @extschema@.insight_segment_summary.mean_monetary IS 'Mean total spend per customer (insight_rfm.monetary, source currency).';
COMMENT ON COLUMN @extschema@.insight_segment_summary.revenue IS 'Total spend of the group (source currency).';
COMMENT ON COLUMN @extschema@.insight_segment_summary.revenue_share IS 'revenue / revenue of all customers of the same kind (0..1).';
COMMENT ON COLUMN @extschema@.insight_segment_summary.mean_churn_probability IS 'Mean churn probability of the group by the active churn model (0..1); NULL when none is active.';
COMMENT ON COLUMN @extschema@.insight_segment_summary.total_clv_12m IS 'Sum of the 12-month CLV of the group by the active CLV models, discounted 1 % a month (source currency); NULL when none is active.';
