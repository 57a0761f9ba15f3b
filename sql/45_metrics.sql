-- Evaluation aggregates: insight_auc, insight_binary_metrics,
-- insight_log_loss, insight_log_loss_logit, insight_brier.
-- Expected values: the issue, and scikit-learn 1.2 (roc_auc_score, log_loss,
-- brier_score_loss, precision/recall/f1_score) on the same inputs.
\set VERBOSITY default

-- labels (1,0,0,1) scores (2,5,10,10) -> 0.375
SELECT insight_auc(s, l) FROM (VALUES (2.0, true), (5, false), (10, false), (10, true)) v(s, l);
-- labels (0,0,1,1) scores (0.1,0.4,0.35,0.8) -> 0.75, also scaled by 1e-12
SELECT insight_auc(s, l), insight_auc(s * 1e-12, l)
  FROM (VALUES (0.1, false), (0.4, false), (0.35, true), (0.8, true)) v(s, l);
-- all scores equal -> 0.5
SELECT insight_auc(7, l) FROM (VALUES (true), (false), (false)) v(l);
-- one class only -> NULL with a NOTICE; no rows -> NULL; NULL rows ignored
SELECT insight_auc(s, true) FROM (VALUES (1.0), (2.0)) v(s);
SELECT insight_auc(s, l) FROM (VALUES (1.0, true)) v(s, l) WHERE false;
SELECT insight_auc(s, l) FROM (VALUES (1.0, true), (NULL, false), (2.0, NULL), (0.5, false)) v(s, l);
SELECT insight_auc('NaN', true);
SELECT insight_auc(s, l) FROM (VALUES ('-Infinity'::float8, false), ('Infinity', true), (0, true)) v(s, l);

-- log loss: logit -800 with label true is 800; clipped probabilities stay finite
SELECT insight_log_loss_logit(-800, true), insight_log_loss_logit(800, true) AS near_zero,
       insight_log_loss_logit(0, false) = ln(2) AS ln2;
-- p = 0 with label true: -log(2.220446e-16) = 36.043653 (scikit-learn 1.2 log_loss)
SELECT round(insight_log_loss(0, true)::numeric, 6) AS clipped, insight_log_loss(1, true) < 1e-15 AS near_zero;
-- scikit-learn log_loss([1,0,0,1], [0.9,0.2,0.6,0.35]) = 0.5736542, brier_score_loss 0.208125
SELECT round(insight_log_loss(p, l)::numeric, 7) AS log_loss, round(insight_brier(p, l)::numeric, 7) AS brier
  FROM (VALUES (0.9, true), (0.2, false), (0.6, false), (0.35, true)) v(p, l);
SELECT insight_log_loss(1.5, true);
SELECT insight_brier(-0.1, true);
SELECT insight_log_loss_logit('NaN', true);
SELECT insight_log_loss(p, l) IS NULL AS empty FROM (VALUES (0.5, true)) v(p, l) WHERE false;

-- binary metrics: scikit-learn on the same 8 rows gives auc 0.6875,
-- at 0.5: accuracy 0.625, precision 0.6, recall 0.75, f1 0.6666667;
-- best F1 0.8 at threshold 0.35 (precision 0.6666667, recall 1)
SELECT jsonb_pretty(insight_binary_metrics(p, l))
  FROM (VALUES (0.9, true), (0.8, false), (0.7, true), (0.6, false), (0.55, true),
               (0.35, true), (0.3, false), (0.1, false)) v(p, l);
SELECT jsonb_pretty(insight_binary_metrics(p, l)) FROM (VALUES (0.2, true), (0.6, true)) v(p, l);
SELECT insight_binary_metrics(p, l) FROM (VALUES (0.2, true), (3, false)) v(p, l);
SELECT insight_binary_metrics(p, l) IS NULL AS empty FROM (VALUES (0.2, true)) v(p, l) WHERE false;

-- corrupt states are errors, not crashes
SELECT insight_auc_final('\x0102'::bytea);
SELECT insight_auc_final(decode('18000000' || '00000000' || 'ff00000000000000' || repeat('00', 16), 'hex'));
SELECT insight_mean_final('\x01020304'::bytea);

-- every aggregate gives the serial answer in a forced parallel plan, also
-- when a filter leaves workers without rows and when no row qualifies
CREATE TABLE m_big AS
SELECT i, (sin(i) + 1) / 2 AS p, round(((cos(i * 3) + 1) * 5)::numeric)::float8 AS tied,
       sin(i * 7.0) + sin(i) / 2 > 0 AS l
  FROM generate_series(1, 100000) i;
ANALYZE m_big;
-- RETURN QUERY runs its query with parallel workers when the plan has them
CREATE FUNCTION m_run(filter text)
RETURNS TABLE (auc float8, auc_tied float8, log_loss float8, log_loss_logit float8,
               brier float8, metrics jsonb)
LANGUAGE plpgsql AS $$
BEGIN
    RETURN QUERY EXECUTE format($q$SELECT insight_auc(p, l), insight_auc(tied, l),
        insight_log_loss(p, l), insight_log_loss_logit(ln(p / (1 - p)), l), insight_brier(p, l),
        insight_binary_metrics(p, l) FROM m_big WHERE %s$q$, filter);
END $$;
SET max_parallel_workers_per_gather = 0;
CREATE TABLE m_results AS
SELECT 'serial' AS plan, f AS filter, r.* FROM unnest(ARRAY['true', 'i <= 50', 'i < 0']) f, m_run(f) r;
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
EXPLAIN (COSTS OFF)
SELECT insight_auc(p, l), insight_log_loss(p, l), insight_log_loss_logit(p, l), insight_brier(p, l),
       insight_binary_metrics(p, l) FROM m_big;
INSERT INTO m_results
SELECT 'parallel', f, r.* FROM unnest(ARRAY['true', 'i <= 50', 'i < 0']) f, m_run(f) r;
SELECT s.filter, s.auc IS NOT DISTINCT FROM p.auc AS auc, s.auc_tied IS NOT DISTINCT FROM p.auc_tied AS auc_tied,
       coalesce(abs(s.log_loss - p.log_loss) < 1e-12, s.log_loss IS NULL AND p.log_loss IS NULL) AS log_loss,
       coalesce(abs(s.log_loss_logit - p.log_loss_logit) < 1e-12, s.log_loss_logit IS NULL AND p.log_loss_logit IS NULL) AS log_loss_logit,
       coalesce(abs(s.brier - p.brier) < 1e-12, s.brier IS NULL AND p.brier IS NULL) AS brier,
       (s.metrics - 'log_loss' - 'brier') IS NOT DISTINCT FROM (p.metrics - 'log_loss' - 'brier') AS metrics,
       round(s.auc::numeric, 6) AS auc_value, s.metrics->'n' AS n
  FROM m_results s JOIN m_results p ON p.filter = s.filter AND p.plan = 'parallel'
 WHERE s.plan = 'serial' ORDER BY s.filter;
RESET parallel_setup_cost;
RESET parallel_tuple_cost;
RESET min_parallel_table_scan_size;
RESET max_parallel_workers_per_gather;
DROP TABLE m_big, m_results;
DROP FUNCTION m_run(text);
