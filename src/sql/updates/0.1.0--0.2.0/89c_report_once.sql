-- Issue 22, the report's speed (src/sql/tasks/report_html.sql, copied here):
-- what the sections share is computed once per report by
-- insight_report_today() and passed to them in ctx.today: one pass over the
-- sales by order (the data section, the header's date, the top items' window,
-- the CLV summary and scores: the targets' value and the CLV section) and the
-- features of every customer once (the retention targets and the RFM map),
-- instead of once per function that read them.

-- Today's customers, once per report -------------------------------------------------

-- What the sections need from the sales and from every customer as of as_of,
-- computed once per report (insight_report_html puts it in ctx.today; a
-- section called without it computes it): one pass over the sales by order
-- for the data section and the CLV summary (the value of the retention targets
-- and the CLV section), and the features of every customer once
-- (insight_customer_features: the retention targets and the RFM map), instead
-- of once per function that reads them (the sales were read about twelve
-- times; now three, with the recommender section's top items).
--@ function src/sql/tasks/report_html.sql insight_report_today

--@ comment src/sql/tasks/report_html.sql insight_report_today

--@ function src/sql/tasks/report_html.sql insight_report_html_data

--@ comment src/sql/tasks/report_html.sql insight_report_html_data

--@ function src/sql/tasks/report_html.sql insight_report_html_churn

--@ comment src/sql/tasks/report_html.sql insight_report_html_churn

--@ function src/sql/tasks/report_html.sql insight_report_html_clv

--@ comment src/sql/tasks/report_html.sql insight_report_html_clv

--@ function src/sql/tasks/report_html.sql insight_report_html_segments

--@ comment src/sql/tasks/report_html.sql insight_report_html_segments

--@ function src/sql/tasks/report_html.sql insight_report_html_recommender

--@ comment src/sql/tasks/report_html.sql insight_report_html_recommender

--@ function src/sql/tasks/report_html.sql insight_report_html

--@ comment src/sql/tasks/report_html.sql insight_report_html


-- tasks/segment_summary.sql: insight_segment_profiles without JIT (the SQL fuzzer's
-- cancel came 1.2-4 s late under load: LLVM compiling its query is not interruptible)
CREATE OR REPLACE FUNCTION @extschema@.insight_segment_profiles(as_of timestamptz DEFAULT NULL)
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
