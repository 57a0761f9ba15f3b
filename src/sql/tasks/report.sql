-- ---------------------------------------------------------------------------
-- insight_report(): a readable summary of the data, the churn model and its
-- out-of-time metrics against the baseline, and the customers to retain.
-- Other concerns (CLV, segments, ...) add their sections here.
-- ---------------------------------------------------------------------------

-- A number for the report: rounded, NULL as 'n/a'.
CREATE FUNCTION @extschema@.insight_report_number(v float8, digits integer DEFAULT 3)
RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$ SELECT COALESCE(pg_catalog.round(v::numeric, digits)::pg_catalog.text, 'n/a') $$;

COMMENT ON FUNCTION @extschema@.insight_report_number(float8, integer) IS
'A number rounded to digits decimals as text, ''n/a'' for NULL (used by insight_report).';

-- The churn model of the report's header: its algorithm, hyper-parameters and,
-- for algorithm auto, the AUC of every candidate.
CREATE FUNCTION @extschema@.insight_churn_model_text(params jsonb, metrics jsonb)
RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
WITH c AS (
    SELECT COALESCE(params OPERATOR(pg_catalog.->>) 'chosen', params OPERATOR(pg_catalog.->>) 'algorithm') AS algorithm,
           CASE WHEN params OPERATOR(pg_catalog.->>) 'algorithm' OPERATOR(pg_catalog.=) 'auto'
                THEN params OPERATOR(pg_catalog.->) (params OPERATOR(pg_catalog.->>) 'chosen') ELSE params END AS p
)
SELECT CASE
           WHEN c.algorithm OPERATOR(pg_catalog.=) 'logistic' THEN pg_catalog.format('logistic regression, lambda %s', c.p OPERATOR(pg_catalog.->>) 'lambda')
           WHEN c.algorithm OPERATOR(pg_catalog.=) 'gbdt' THEN pg_catalog.format('gradient-boosted trees, %s rounds of depth %s, eta %s',
                                              c.p OPERATOR(pg_catalog.->>) 'rounds', c.p OPERATOR(pg_catalog.->>) 'max_depth',
                                              c.p OPERATOR(pg_catalog.->>) 'eta')
           WHEN c.algorithm OPERATOR(pg_catalog.=) 'mlp' THEN pg_catalog.format('multilayer perceptron, hidden layers %s, up to %s epochs',
                                             c.p OPERATOR(pg_catalog.->) 'hidden', c.p OPERATOR(pg_catalog.->>) 'epochs')
           ELSE c.algorithm END
       OPERATOR(pg_catalog.||)
       CASE WHEN params OPERATOR(pg_catalog.->>) 'algorithm' OPERATOR(pg_catalog.=) 'auto'
            THEN ', chosen by out-of-time AUC among ' OPERATOR(pg_catalog.||)
                 (SELECT pg_catalog.string_agg(pg_catalog.format('%s %s', k.key,
                             @extschema@.insight_report_number(k.value::pg_catalog.float8, 4)), ', ' ORDER BY k.key)
                    FROM pg_catalog.jsonb_each_text(metrics OPERATOR(pg_catalog.->) 'candidates') k)
            ELSE '' END
  FROM c
$$;

COMMENT ON FUNCTION @extschema@.insight_churn_model_text(jsonb, jsonb) IS
'A churn model''s params and metrics in words, for insight_report(): the algorithm and its main hyper-parameters ("logistic regression, lambda 1"; "gradient-boosted trees, 100 rounds of depth 3, eta 0.1"; "multilayer perceptron, hidden layers [64, 32], up to 40 epochs") and, for algorithm auto, each candidate''s out-of-time AUC.';

CREATE FUNCTION @extschema@.insight_report(top integer DEFAULT 10)
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
    -- as insight_customer_features and insight_customer_360 count them; from
    -- the lines by order (on Citus grouped on the shards: insight_sales_orders)
    SELECT COALESCE(pg_catalog.sum(o.lines), 0)::bigint AS lines,
           pg_catalog.count(DISTINCT o.customer_id) FILTER (WHERE o.revenue IS NOT NULL) AS customers,
           pg_catalog.count(DISTINCT o.customer_id) AS any_customers,
           pg_catalog.count(DISTINCT o.order_id) AS orders,
           pg_catalog.min(o.ordered_at) AS first_at, pg_catalog.max(o.ordered_at) AS last_at,
           pg_catalog.sum(o.revenue) AS revenue
      INTO d FROM @extschema@.insight_sales_orders(NULL) o;
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
'A readable report: the data covered (insight_sales, by order: insight_sales_orders; kept lines, customers with a purchase as insight_customer_360 counts them and those with returns only, orders, dates, revenue), the active churn model with its out-of-time metrics against the recency baseline, the top customers to retain (insight_retention_targets_at()), the active CLV models with their holdout errors, parameters, total 12-month CLV and mean P(alive) (insight_report_clv()), the active value model with its out-of-time metrics against BG/NBD + Gamma-Gamma and the past rate (insight_report_value()), the segment table (insight_segment_summary: RFM segments and the clusters of the active segments model, with their shares of customers and revenue and mean churn probability), and the active recommender''s offline metrics against popularity with example recommendations for the first customers to retain. Times in UTC.';
