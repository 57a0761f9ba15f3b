-- insight_report_html() (issue 22): the HTML report in English and Chinese,
-- its message catalogue and SVG helpers (src/sql/tasks/report_html_parts.sql
-- and report_html.sql, copied here), insight.min_group_size, the CLV holdout
-- rows shared by the CLV task and the report (tasks/clv.sql), and the text
-- report's customer count labelled (tasks/report.sql).

-- The repeat purchase days and spend of every customer of a CLV calibration
-- period in the holdout after it: shared by the CLV task (insight_clv_prepare)
-- and the calibration, gain and decile charts of insight_report_html.
CREATE OR REPLACE FUNCTION @extschema@.insight_clv_holdout_rows(calibration_end timestamptz, holdout_end timestamptz, period interval)
RETURNS TABLE (customer_id text, frequency integer, recency float8, "T" float8, monetary_value float8,
               actual float8, actual_spend float8)
LANGUAGE sql STABLE PARALLEL SAFE
SET TimeZone = 'UTC'
AS $$
SELECT k.customer_id::pg_catalog.text, k.frequency, k.recency, k."T", k.monetary_value,
       COALESCE(h.days, 0)::pg_catalog.float8, COALESCE(h.spend, 0)
  FROM @extschema@.insight_clv_summary($1, $3) k
  LEFT JOIN (SELECT s.customer_id::pg_catalog.text AS customer_id,
                    pg_catalog.count(DISTINCT (s.ordered_at AT TIME ZONE 'UTC')::pg_catalog.date) AS days,
                    pg_catalog.sum(s.amount) AS spend
               FROM @extschema@.insight_sales s
              WHERE s.quantity OPERATOR(pg_catalog.>) 0 AND s.amount OPERATOR(pg_catalog.>=) 0
                AND s.ordered_at OPERATOR(pg_catalog.>=) $1 AND s.ordered_at OPERATOR(pg_catalog.<) $2
              GROUP BY 1) h ON h.customer_id OPERATOR(pg_catalog.=) k.customer_id::pg_catalog.text
$$;

--@ comment src/sql/tasks/clv.sql insight_clv_holdout_rows


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
        SELECT h.customer_id, h.frequency, h.recency, h."T", h.actual
          FROM @extschema@.insight_clv_holdout_rows(c, t.trained_as_of, period) h;
    RETURN t;
END
$$;

COMMENT ON FUNCTION @extschema@.insight_clv_prepare(@extschema@.insight_training) IS
'CLV step prepare: the calibration summary at as_of - holdout with each customer''s actual repeat purchase days in the holdout, in the temporary table insight_clv_holdout.';


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
        FOR t IN SELECT * FROM @extschema@.insight_retention_targets_at() LIMIT top LOOP
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
               FROM (SELECT rt.customer_id FROM @extschema@.insight_retention_targets_at() rt LIMIT 3) c LOOP
        r := r OPERATOR(pg_catalog.||) pg_catalog.format(E'  for %s: %s\n', t.customer_id, COALESCE(t.items, n));
    END LOOP;
    RETURN r;
END
$$;

COMMENT ON FUNCTION @extschema@.insight_report(integer) IS
'A readable report: the data covered (insight_sales: kept lines, customers with a purchase as insight_customer_360 counts them and those with returns only, orders, dates, revenue), the active churn model with its out-of-time metrics against the recency baseline, the top customers to retain (insight_retention_targets_at()), the active CLV models with their holdout errors, parameters, total 12-month CLV and mean P(alive) (insight_report_clv()), the active value model with its out-of-time metrics against BG/NBD + Gamma-Gamma and the past rate (insight_report_value()), the segment table (insight_segment_summary: RFM segments and the clusters of the active segments model, with their shares of customers and revenue and mean churn probability), and the active recommender''s offline metrics against popularity with example recommendations for the first customers to retain. Times in UTC.';


-- ---------------------------------------------------------------------------
-- insight_report_html(), part 1: the message catalogue (English and
-- Simplified Chinese), number and date formats, and the pieces every chart
-- is made of: an HTML table, a bar chart, a line chart and a heatmap, each
-- one SVG helper reused by every section (tasks/report_html.sql).
--
-- The charts are inline SVG with a viewBox, so they scale to the page and
-- need neither script nor network.  Every drawn data mark has class "mark"
-- (the browser test counts them against the numbers in the table next to
-- the chart); axes, grid lines and reference lines have other classes.
-- ---------------------------------------------------------------------------

--@ function src/sql/tasks/report_html_parts.sql insight_min_group_size

--@ comment src/sql/tasks/report_html_parts.sql insight_min_group_size

CREATE TABLE @extschema@.insight_report_messages (
    key      text NOT NULL,
    lang     text NOT NULL,
    message  text NOT NULL,
    PRIMARY KEY (key, lang)
);

COMMENT ON TABLE @extschema@.insight_report_messages IS
'Every text of insight_report_html() in every language it speaks (en, zh): one row per message key and language. A message is a format() string (%s, %1$s) filled by insight_report_msg().';
COMMENT ON COLUMN @extschema@.insight_report_messages.key IS 'The message key (section.what, e.g. churn.roc.title).';
COMMENT ON COLUMN @extschema@.insight_report_messages.lang IS 'Language: en (English) or zh (Simplified Chinese).';
COMMENT ON COLUMN @extschema@.insight_report_messages.message IS 'The text, a format() string whose %s are filled by insight_report_msg(lang, key, args...); HTML-escaped where it is used.';

-- the Chinese messages are JSON escapes, decoded into the database's encoding
--@ function src/sql/tasks/report_html_parts.sql insight_unicode_text
--@ comment src/sql/tasks/report_html_parts.sql insight_unicode_text

INSERT INTO @extschema@.insight_report_messages (key, lang, message)
SELECT v.key, l.lang, CASE l.lang WHEN 'en' THEN v.en ELSE @extschema@.insight_unicode_text(v.zh) END
  FROM (VALUES
    ('html.lang', 'en', 'zh-Hans'),
    ('title', 'insight report', 'insight \u5ba2\u6237\u6d1e\u5bdf\u62a5\u544a'),
    ('subtitle', 'Data up to %s (UTC). Groups of fewer than %s customers are not shown with their own figures.',
                 '\u6570\u636e\u622a\u81f3 %s\uff08UTC\uff09\u3002\u5c11\u4e8e %s \u4f4d\u5ba2\u6237\u7684\u7fa4\u7ec4\u4e0d\u5355\u72ec\u663e\u793a\u5176\u6570\u5b57\u3002'),
    ('na', 'n/a', '\u65e0'),
    ('other', 'other', '\u5176\u4ed6'),
    ('suppressed', 'fewer than %s', '\u5c11\u4e8e %s'),
    ('numbers', 'The numbers behind the chart', '\u56fe\u8868\u6570\u636e'),
    ('privacy.merged', '%s groups of fewer than %s customers are merged into "other".', '%s \u4e2a\u5c11\u4e8e %s \u4f4d\u5ba2\u6237\u7684\u7fa4\u7ec4\u5df2\u5408\u5e76\u4e3a\u201c\u5176\u4ed6\u201d\u3002'),
    ('privacy.suppressed', '%s groups of fewer than %s customers are not shown.', '%s \u4e2a\u5c11\u4e8e %s \u4f4d\u5ba2\u6237\u7684\u7fa4\u7ec4\u672a\u663e\u793a\u3002'),
    ('privacy.none', 'Every group shown has at least %s customers.', '\u663e\u793a\u7684\u6bcf\u4e2a\u7fa4\u7ec4\u81f3\u5c11\u6709 %s \u4f4d\u5ba2\u6237\u3002'),
    ('not_trained', 'No %s model is trained yet: run SELECT %s; to add this section.', '\u5c1a\u672a\u8bad\u7ec3%s\u6a21\u578b\uff1a\u8fd0\u884c SELECT %s; \u5373\u53ef\u751f\u6210\u672c\u8282\u3002'),
    ('toc', 'Contents', '\u76ee\u5f55'),
    ('unit.days', '%s days', '%s \u5929'),
    -- data covered
    ('data.title', 'Data covered', '\u6570\u636e\u8303\u56f4'),
    ('data.summary', '%s kept order lines (purchases and returns) in %s orders, from %s to %s; %s customers with a purchase (every customer count in this report counts those), and %s more with returns only; revenue %s (purchases, before returns).',
                     '\u4fdd\u7559\u8ba2\u5355\u884c %s \u6761\uff08\u542b\u8d2d\u4e70\u4e0e\u9000\u8d27\uff09\uff0c\u5171 %s \u4e2a\u8ba2\u5355\uff0c\u65f6\u95f4\u4ece %s \u5230 %s\uff1b\u6709\u8d2d\u4e70\u7684\u5ba2\u6237 %s \u4f4d\uff08\u672c\u62a5\u544a\u4e2d\u6240\u6709\u5ba2\u6237\u6570\u5747\u6309\u6b64\u53e3\u5f84\u7edf\u8ba1\uff09\uff0c\u53e6\u6709 %s \u4f4d\u53ea\u6709\u9000\u8d27\uff1b\u6536\u5165 %s\uff08\u4ec5\u8d2d\u4e70\uff0c\u672a\u6263\u9664\u9000\u8d27\uff09\u3002'),
    ('data.revenue.title', 'Revenue by month', '\u6708\u5ea6\u6536\u5165'),
    ('data.revenue.reading', 'The best month is %s with %s; the data run from %s to %s, so a month at either end may be partial.', '\u6536\u5165\u6700\u9ad8\u7684\u6708\u4efd\u662f %s\uff08%s\uff09\uff1b\u6570\u636e\u4ece %s \u5230 %s\uff0c\u9996\u5c3e\u6708\u4efd\u53ef\u80fd\u4e0d\u5b8c\u6574\u3002'),
    ('data.active.title', 'Customers with a purchase, by month', '\u6bcf\u6708\u6709\u8d2d\u4e70\u7684\u5ba2\u6237\u6570'),
    ('data.active.reading', 'Between %s and %s customers buy in a month; the most in %s.', '\u6bcf\u6708\u6709 %s \u5230 %s \u4f4d\u5ba2\u6237\u8d2d\u4e70\uff1b\u6700\u591a\u7684\u662f %s\u3002'),
    ('data.cohort.title', 'Cohort retention: share of each month''s new customers who buy again N months later', '\u5ba2\u6237\u7fa4\u7559\u5b58\uff1a\u5404\u6708\u65b0\u5ba2\u6237\u5728 N \u4e2a\u6708\u540e\u518d\u6b21\u8d2d\u4e70\u7684\u6bd4\u4f8b'),
    ('data.cohort.reading', 'On average %s of new customers buy again in their second month; cells of fewer than %s customers are left blank.', '\u65b0\u5ba2\u6237\u5728\u7b2c\u4e8c\u4e2a\u6708\u518d\u6b21\u8d2d\u4e70\u7684\u5e73\u5747\u6bd4\u4f8b\u4e3a %s\uff1b\u5c11\u4e8e %s \u4f4d\u5ba2\u6237\u7684\u5355\u5143\u683c\u7559\u7a7a\u3002'),
    ('col.month', 'month', '\u6708\u4efd'),
    ('col.revenue', 'revenue', '\u6536\u5165'),
    ('col.customers', 'customers with a purchase', '\u6709\u8d2d\u4e70\u7684\u5ba2\u6237'),
    ('col.cohort', 'first purchase', '\u9996\u6b21\u8d2d\u4e70\u6708\u4efd'),
    ('col.cohort_size', 'new customers', '\u65b0\u5ba2\u6237\u6570'),
    ('col.months_since', 'months since the first purchase', '\u8ddd\u9996\u6b21\u8d2d\u4e70\u7684\u6708\u6570'),
    -- churn
    ('churn.title', 'Churn', '\u6d41\u5931'),
    ('churn.task', 'churn', '\u6d41\u5931'),
    ('churn.summary', 'Model %s (logistic regression) gives the probability that a customer buys nothing in the next %s. Measured out of time: fitted on %s customers at %s, tested on the %s customers with a purchase before %s, of whom %s churned. AUC %s against %s for the days since the last purchase alone.',
                      '\u6a21\u578b %1$s\uff08\u903b\u8f91\u56de\u5f52\uff09\u7ed9\u51fa\u5ba2\u6237\u5728\u672a\u6765 %2$s \u5185\u4e0d\u518d\u8d2d\u4e70\u7684\u6982\u7387\u3002\u8de8\u65f6\u95f4\u8bc4\u4f30\uff1a\u5728 %3$s \u4f4d\u5ba2\u6237\u4e0a\u4e8e %4$s \u62df\u5408\uff0c\u5728 %6$s \u4e4b\u524d\u6709\u8d2d\u4e70\u7684 %5$s \u4f4d\u5ba2\u6237\u4e0a\u6d4b\u8bd5\uff0c\u5176\u4e2d %7$s \u6d41\u5931\u3002AUC \u4e3a %8$s\uff0c\u4ec5\u7528\u8ddd\u4e0a\u6b21\u8d2d\u4e70\u5929\u6570\u65f6\u4e3a %9$s\u3002'),
    ('churn.roc.title', 'ROC curve, out of time', 'ROC \u66f2\u7ebf\uff08\u8de8\u65f6\u95f4\u8bc4\u4f30\uff09'),
    ('churn.roc.reading', 'The model (AUC %s) ranks churners above stayers more often than the days since the last purchase alone (AUC %s).', '\u6a21\u578b\uff08AUC %s\uff09\u6bd4\u4ec5\u7528\u8ddd\u4e0a\u6b21\u8d2d\u4e70\u5929\u6570\uff08AUC %s\uff09\u66f4\u80fd\u628a\u6d41\u5931\u5ba2\u6237\u6392\u5728\u7559\u5b58\u5ba2\u6237\u4e4b\u524d\u3002'),
    ('churn.gain.title', 'Cumulative gain: churners found by contacting the riskiest customers first', '\u7d2f\u79ef\u589e\u76ca\uff1a\u4f18\u5148\u8054\u7cfb\u98ce\u9669\u6700\u9ad8\u7684\u5ba2\u6237\u53ef\u627e\u5230\u7684\u6d41\u5931\u5ba2\u6237'),
    ('churn.gain.reading', 'Contacting the riskiest 30%% of customers reaches %s of those who churned (lift %s).', '\u8054\u7cfb\u98ce\u9669\u6700\u9ad8\u7684 30%% \u5ba2\u6237\u53ef\u8986\u76d6 %s \u7684\u6d41\u5931\u5ba2\u6237\uff08\u63d0\u5347\u5ea6 %s\uff09\u3002'),
    ('churn.calibration.title', 'Calibration: predicted and observed churn by decile of predicted probability', '\u6821\u51c6\uff1a\u6309\u9884\u6d4b\u6982\u7387\u5341\u5206\u4f4d\u7684\u9884\u6d4b\u4e0e\u5b9e\u9645\u6d41\u5931\u7387'),
    ('churn.calibration.reading', 'Across the ten deciles the predicted churn rate is off the observed one by %s on average.', '\u5341\u4e2a\u5206\u4f4d\u4e0a\u9884\u6d4b\u6d41\u5931\u7387\u4e0e\u5b9e\u9645\u6d41\u5931\u7387\u7684\u5e73\u5747\u504f\u5dee\u4e3a %s\u3002'),
    ('churn.distribution.title', 'Churn probability of today''s customers', '\u5f53\u524d\u5ba2\u6237\u7684\u6d41\u5931\u6982\u7387\u5206\u5e03'),
    ('churn.distribution.reading', '%s of the %s customers have a churn probability of 0.5 or more.', '%2$s \u4f4d\u5ba2\u6237\u4e2d\u6709 %1$s \u7684\u6d41\u5931\u6982\u7387\u4e0d\u4f4e\u4e8e 0.5\u3002'),
    ('churn.targets.title', 'Customers to retain first', '\u4f18\u5148\u633d\u7559\u7684\u5ba2\u6237'),
    ('churn.targets.reading', 'Ranked by value at risk = churn probability x expected value (%s); the reasons are the features that raise the score most.', '\u6309\u98ce\u9669\u4ef7\u503c = \u6d41\u5931\u6982\u7387 x \u9884\u671f\u4ef7\u503c\uff08%s\uff09\u6392\u5e8f\uff1b\u539f\u56e0\u4e3a\u6700\u63a8\u9ad8\u6d41\u5931\u5206\u6570\u7684\u7279\u5f81\u3002'),
    ('churn.targets.hidden', 'Customer identifiers are shown to members of insight_admin only; you see ranks.', '\u5ba2\u6237\u7f16\u53f7\u4ec5\u5bf9 insight_admin \u6210\u5458\u663e\u793a\uff1b\u6b64\u5904\u663e\u793a\u6392\u540d\u3002'),
    ('churn.value.clv', 'the 12-month CLV', '12 \u4e2a\u6708\u5ba2\u6237\u7ec8\u8eab\u4ef7\u503c'),
    ('churn.value.past', 'mean order value x orders expected at the past rate', '\u5e73\u5747\u8ba2\u5355\u91d1\u989d x \u6309\u8fc7\u53bb\u9891\u7387\u9884\u671f\u7684\u8ba2\u5355\u6570'),
    ('churn.value.model', 'the spend the value model expects in its horizon', '\u4ef7\u503c\u6a21\u578b\u9884\u6d4b\u7684\u4e0b\u4e00\u5468\u671f\u6d88\u8d39\u989d'),
    ('series.model', 'model', '\u6a21\u578b'),
    ('series.recency', 'days since last purchase', '\u8ddd\u4e0a\u6b21\u8d2d\u4e70\u5929\u6570'),
    ('series.random', 'random', '\u968f\u673a'),
    ('series.perfect', 'perfect order', '\u7406\u60f3\u6392\u5e8f'),
    ('series.predicted', 'predicted', '\u9884\u6d4b'),
    ('series.observed', 'observed', '\u5b9e\u9645'),
    ('axis.fpr', 'stayers flagged (false positive rate)', '\u88ab\u8bef\u5224\u7684\u7559\u5b58\u5ba2\u6237\uff08\u5047\u9633\u6027\u7387\uff09'),
    ('axis.tpr', 'churners found (true positive rate)', '\u627e\u5230\u7684\u6d41\u5931\u5ba2\u6237\uff08\u771f\u9633\u6027\u7387\uff09'),
    ('axis.contacted', 'customers contacted, riskiest first', '\u6309\u98ce\u9669\u4ece\u9ad8\u5230\u4f4e\u8054\u7cfb\u7684\u5ba2\u6237'),
    ('axis.captured', 'churners reached', '\u8986\u76d6\u7684\u6d41\u5931\u5ba2\u6237'),
    ('col.threshold_group', 'score group', '\u5206\u6570\u7ec4'),
    ('col.decile', 'decile', '\u5341\u5206\u4f4d'),
    ('col.predicted', 'predicted', '\u9884\u6d4b'),
    ('col.observed', 'observed', '\u5b9e\u9645'),
    ('col.churn_probability', 'churn probability', '\u6d41\u5931\u6982\u7387'),
    ('col.rank', 'rank', '\u6392\u540d'),
    ('col.customer', 'customer', '\u5ba2\u6237'),
    ('col.value_at_risk', 'value at risk', '\u98ce\u9669\u4ef7\u503c'),
    ('col.reasons', 'reasons', '\u539f\u56e0'),
    ('col.days_since', 'days since last purchase', '\u8ddd\u4e0a\u6b21\u8d2d\u4e70\u5929\u6570'),
    ('col.orders', 'orders', '\u8ba2\u5355\u6570'),
    ('col.share_customers', 'share of customers', '\u5ba2\u6237\u5360\u6bd4'),
    ('col.share_churners', 'share of churners reached', '\u8986\u76d6\u6d41\u5931\u5ba2\u6237\u5360\u6bd4'),
    ('col.lift', 'lift', '\u63d0\u5347\u5ea6'),
    ('col.fpr', 'false positive rate', '\u5047\u9633\u6027\u7387'),
    ('col.tpr', 'true positive rate', '\u771f\u9633\u6027\u7387'),
    ('col.series', 'curve', '\u66f2\u7ebf'),
    ('col.range', 'probability', '\u6982\u7387\u533a\u95f4'),
    ('feature.recency_days', 'days since last purchase', '\u8ddd\u4e0a\u6b21\u8d2d\u4e70\u5929\u6570'),
    ('feature.frequency', 'purchase days', '\u8d2d\u4e70\u5929\u6570'),
    ('feature.monetary', 'mean order value', '\u5e73\u5747\u8ba2\u5355\u91d1\u989d'),
    ('feature.tenure_days', 'days since first purchase', '\u8ddd\u9996\u6b21\u8d2d\u4e70\u5929\u6570'),
    ('feature.orders', 'orders', '\u8ba2\u5355\u6570'),
    ('feature.items', 'units bought', '\u8d2d\u4e70\u4ef6\u6570'),
    ('feature.total_spend', 'total spend', '\u603b\u6d88\u8d39'),
    ('feature.spend_90d', 'spend in the last 90 days', '\u8fd1 90 \u5929\u6d88\u8d39'),
    ('feature.spend_trend', 'spend trend', '\u6d88\u8d39\u8d8b\u52bf'),
    ('feature.mean_days_between_orders', 'mean days between orders', '\u5e73\u5747\u4e0b\u5355\u95f4\u9694\u5929\u6570'),
    ('feature.sd_days_between_orders', 'irregular gaps between orders', '\u4e0b\u5355\u95f4\u9694\u4e0d\u89c4\u5f8b'),
    ('feature.distinct_items', 'distinct items', '\u4e0d\u540c\u5546\u54c1\u6570'),
    ('feature.return_rate', 'return rate', '\u9000\u8d27\u7387'),
    -- value
    ('clv.title', 'Customer value', '\u5ba2\u6237\u4ef7\u503c'),
    ('clv.task', 'CLV', '\u5ba2\u6237\u7ec8\u8eab\u4ef7\u503c'),
    ('clv.summary', 'Model %s (%s, time unit %s) with the Gamma-Gamma spend model %s. Tested on the %s after %s: %s customers, predicted %s repeat purchase days against %s actual (MAE %s, against %s for the past rate continued).',
                    '\u6a21\u578b %1$s\uff08%2$s\uff0c\u65f6\u95f4\u5355\u4f4d %3$s\uff09\uff0c\u6d88\u8d39\u6a21\u578b %4$s\uff08Gamma-Gamma\uff09\u3002\u5728 %6$s \u4e4b\u540e\u7684 %5$s \u5185\u6d4b\u8bd5\uff1a%7$s \u4f4d\u5ba2\u6237\uff0c\u9884\u6d4b\u91cd\u590d\u8d2d\u4e70\u5929\u6570 %8$s\uff0c\u5b9e\u9645 %9$s\uff08MAE %10$s\uff0c\u6309\u8fc7\u53bb\u9891\u7387\u5ef6\u7eed\u4e3a %11$s\uff09\u3002'),
    ('clv.fr.title', 'Expected purchase days in the next 90 days, by frequency and recency', '\u6309\u9891\u7387\u4e0e\u6700\u8fd1\u8d2d\u4e70\u65f6\u95f4\u5212\u5206\u7684\u672a\u6765 90 \u5929\u9884\u671f\u8d2d\u4e70\u5929\u6570'),
    ('clv.fr.reading', 'A customer who bought often and recently (top right) is expected to buy on %s days in the next 90 days; one who bought often but long ago, on %s.', '\u8d2d\u4e70\u9891\u7e41\u4e14\u6700\u8fd1\u8d2d\u4e70\u7684\u5ba2\u6237\uff08\u53f3\u4e0a\uff09\u9884\u8ba1\u672a\u6765 90 \u5929\u6709 %s \u5929\u8d2d\u4e70\uff1b\u8d2d\u4e70\u9891\u7e41\u4f46\u5f88\u4e45\u672a\u8d2d\u4e70\u7684\u5ba2\u6237\u4e3a %s \u5929\u3002'),
    ('clv.alive.title', 'Probability of being alive, by frequency and recency', '\u6309\u9891\u7387\u4e0e\u6700\u8fd1\u8d2d\u4e70\u65f6\u95f4\u5212\u5206\u7684\u5b58\u6d3b\u6982\u7387'),
    ('clv.alive.reading', 'A customer with %s repeat purchase days whose last one was long ago is alive with probability %s.', '\u6709 %s \u4e2a\u91cd\u590d\u8d2d\u4e70\u65e5\u4f46\u5f88\u4e45\u672a\u8d2d\u4e70\u7684\u5ba2\u6237\uff0c\u5b58\u6d3b\u6982\u7387\u4e3a %s\u3002'),
    ('clv.holdout.title', 'Calibration against the holdout: repeat purchase days by frequency before the holdout', '\u7559\u51fa\u671f\u6821\u51c6\uff1a\u6309\u7559\u51fa\u671f\u524d\u8d2d\u4e70\u9891\u7387\u7684\u91cd\u590d\u8d2d\u4e70\u5929\u6570'),
    ('clv.holdout.reading', 'Over all customers the model predicts %s repeat purchase days in the holdout where %s happened (%s).', '\u6574\u4f53\u4e0a\u6a21\u578b\u9884\u6d4b\u7559\u51fa\u671f\u5185 %s \u4e2a\u91cd\u590d\u8d2d\u4e70\u65e5\uff0c\u5b9e\u9645\u4e3a %s\uff08%s\uff09\u3002'),
    ('clv.gain.title', 'Value gain: share of holdout revenue from the customers predicted most valuable', '\u4ef7\u503c\u589e\u76ca\uff1a\u9884\u6d4b\u4ef7\u503c\u6700\u9ad8\u7684\u5ba2\u6237\u8d21\u732e\u7684\u7559\u51fa\u671f\u6536\u5165\u5360\u6bd4'),
    ('clv.gain.reading', 'The 20%% of customers the model ranks highest brought %s of the holdout revenue (%s in the best possible order).', '\u6a21\u578b\u6392\u540d\u524d 20%% \u7684\u5ba2\u6237\u8d21\u732e\u4e86\u7559\u51fa\u671f\u6536\u5165\u7684 %s\uff08\u7406\u60f3\u6392\u5e8f\u4e3a %s\uff09\u3002'),
    ('clv.decile.title', 'Predicted and actual holdout revenue per customer, by decile of predicted value', '\u6309\u9884\u6d4b\u4ef7\u503c\u5341\u5206\u4f4d\u7684\u4eba\u5747\u9884\u6d4b\u4e0e\u5b9e\u9645\u7559\u51fa\u671f\u6536\u5165'),
    ('clv.decile.reading', 'The top decile is predicted %s per customer and spent %s.', '\u6700\u9ad8\u5341\u5206\u4f4d\u9884\u6d4b\u4eba\u5747 %s\uff0c\u5b9e\u9645\u4eba\u5747\u6d88\u8d39 %s\u3002'),
    ('clv.concentration.title', 'Value concentration: share of the 12-month CLV by decile of customers', '\u4ef7\u503c\u96c6\u4e2d\u5ea6\uff1a\u5404\u5341\u5206\u4f4d\u5ba2\u6237\u7684 12 \u4e2a\u6708 CLV \u5360\u6bd4'),
    ('clv.concentration.reading', 'The most valuable 10%% of customers hold %s of the expected 12-month value.', '\u4ef7\u503c\u6700\u9ad8\u7684 10%% \u5ba2\u6237\u5360\u9884\u671f 12 \u4e2a\u6708\u4ef7\u503c\u7684 %s\u3002'),
    ('axis.frequency', 'repeat purchase days (frequency)', '\u91cd\u590d\u8d2d\u4e70\u5929\u6570\uff08\u9891\u7387\uff09'),
    ('axis.recency', 'age at last purchase (recency, weeks)', '\u6700\u540e\u4e00\u6b21\u8d2d\u4e70\u65f6\u7684\u5ba2\u6237\u5e74\u9f84\uff08\u6700\u8fd1\u5ea6\uff0c\u5468\uff09'),
    ('axis.frequency_cal', 'repeat purchase days before the holdout', '\u7559\u51fa\u671f\u524d\u7684\u91cd\u590d\u8d2d\u4e70\u5929\u6570'),
    ('axis.purchases_holdout', 'mean repeat purchase days in the holdout', '\u7559\u51fa\u671f\u5185\u5e73\u5747\u91cd\u590d\u8d2d\u4e70\u5929\u6570'),
    ('axis.revenue_captured', 'holdout revenue reached', '\u8986\u76d6\u7684\u7559\u51fa\u671f\u6536\u5165'),
    ('axis.customers_ranked', 'customers, most valuable first', '\u5ba2\u6237\uff08\u6309\u4ef7\u503c\u4ece\u9ad8\u5230\u4f4e\uff09'),
    ('col.frequency', 'frequency', '\u9891\u7387'),
    ('col.clv_share', 'share of 12-month CLV', '12 \u4e2a\u6708 CLV \u5360\u6bd4'),
    ('col.clv', '12-month CLV', '12 \u4e2a\u6708 CLV'),
    ('col.actual', 'actual', '\u5b9e\u9645'),
    ('col.share_revenue', 'share of holdout revenue', '\u7559\u51fa\u671f\u6536\u5165\u5360\u6bd4'),
    -- segments
    ('segments.title', 'Segments', '\u5ba2\u6237\u5206\u7fa4'),
    ('segments.task', 'segments', '\u5206\u7fa4'),
    ('segments.rfm.title', 'RFM segments: share of customers and of revenue', 'RFM \u5206\u7fa4\uff1a\u5ba2\u6237\u4e0e\u6536\u5165\u5360\u6bd4'),
    ('segments.rfm.reading', '%s holds %s of the customers and %s of the revenue.', '%s \u5360\u5ba2\u6237\u7684 %s\uff0c\u5360\u6536\u5165\u7684 %s\u3002'),
    ('segments.clusters.title', 'k-means clusters: customers', 'k-means \u805a\u7c7b\uff1a\u5ba2\u6237\u6570'),
    ('segments.clusters.reading', 'k = %s, %s. A label says what holds for at least three quarters of the cluster''s members, compared with the median customer; "mixed" where it does not.',
                                  'k = %s\uff0c%s\u3002\u6807\u7b7e\u63cf\u8ff0\u7684\u662f\u8be5\u7fa4\u81f3\u5c11\u56db\u5206\u4e4b\u4e09\u6210\u5458\u76f8\u5bf9\u4e2d\u4f4d\u5ba2\u6237\u6210\u7acb\u7684\u7279\u5f81\uff1b\u4e0d\u6210\u7acb\u65f6\u6807\u4e3a\u201c\u6df7\u5408\u201d\u3002'),
    ('segments.k.chosen', 'chosen by the silhouette among k = 2 to 10 (silhouette %s)', '\u6309\u8f6e\u5ed3\u7cfb\u6570\u5728 k = 2 \u5230 10 \u4e2d\u9009\u51fa\uff08\u8f6e\u5ed3\u7cfb\u6570 %s\uff09'),
    ('segments.k.given', 'given by the caller of insight_train_segments (silhouette %s)', '\u7531 insight_train_segments \u7684\u8c03\u7528\u8005\u6307\u5b9a\uff08\u8f6e\u5ed3\u7cfb\u6570 %s\uff09'),
    ('segments.kcurve.title', 'Silhouette by k', '\u4e0d\u540c k \u7684\u8f6e\u5ed3\u7cfb\u6570'),
    ('segments.kcurve.reading', 'The silhouette is highest at k = %s (%s); it favours few clusters on skewed data.', '\u8f6e\u5ed3\u7cfb\u6570\u5728 k = %s \u65f6\u6700\u9ad8\uff08%s\uff09\uff1b\u5728\u504f\u6001\u6570\u636e\u4e0a\u5b83\u503e\u5411\u4e8e\u8f83\u5c11\u7684\u805a\u7c7b\u3002'),
    ('col.segment', 'segment', '\u5206\u7fa4'),
    ('col.cluster', 'cluster', '\u805a\u7c7b'),
    ('col.label', 'label (members)', '\u6807\u7b7e\uff08\u6210\u5458\uff09'),
    ('col.share_revenue_all', 'share of revenue', '\u6536\u5165\u5360\u6bd4'),
    ('col.recency_q', 'days since last purchase (quartiles)', '\u8ddd\u4e0a\u6b21\u8d2d\u4e70\u5929\u6570\uff08\u56db\u5206\u4f4d\uff09'),
    ('col.orders_q', 'orders (quartiles)', '\u8ba2\u5355\u6570\uff08\u56db\u5206\u4f4d\uff09'),
    ('col.spend_q', 'total spend (quartiles)', '\u603b\u6d88\u8d39\uff08\u56db\u5206\u4f4d\uff09'),
    ('col.k', 'k', 'k'),
    ('col.silhouette', 'silhouette', '\u8f6e\u5ed3\u7cfb\u6570'),
    ('label.recent', 'recent', '\u8fd1\u671f\u8d2d\u4e70'),
    ('label.lapsed', 'lapsed', '\u4e45\u672a\u8d2d\u4e70'),
    ('label.mixed_recency', 'mixed recency', '\u6700\u8fd1\u5ea6\u6df7\u5408'),
    ('label.frequent', 'frequent', '\u9ad8\u9891'),
    ('label.infrequent', 'infrequent', '\u4f4e\u9891'),
    ('label.mixed_frequency', 'mixed frequency', '\u9891\u7387\u6df7\u5408'),
    ('label.high_spend', 'high spend', '\u9ad8\u6d88\u8d39'),
    ('label.low_spend', 'low spend', '\u4f4e\u6d88\u8d39'),
    ('label.mixed_spend', 'mixed spend', '\u6d88\u8d39\u6df7\u5408'),
    ('label.sep', ', ', '\uff0c'),
    ('rfm.Champions', 'Champions', '\u51a0\u519b\u5ba2\u6237'),
    ('rfm.Loyal', 'Loyal', '\u5fe0\u8bda\u5ba2\u6237'),
    ('rfm.Potential loyalist', 'Potential loyalist', '\u6f5c\u5728\u5fe0\u8bda\u5ba2\u6237'),
    ('rfm.New customers', 'New customers', '\u65b0\u5ba2\u6237'),
    ('rfm.Promising', 'Promising', '\u6709\u6f5c\u529b\u5ba2\u6237'),
    ('rfm.Need attention', 'Need attention', '\u9700\u8981\u5173\u6ce8'),
    ('rfm.About to sleep', 'About to sleep', '\u5373\u5c06\u6c89\u7761'),
    ('rfm.At risk', 'At risk', '\u6709\u6d41\u5931\u98ce\u9669'),
    ('rfm.Cannot lose them', 'Cannot lose them', '\u4e0d\u80fd\u5931\u53bb'),
    ('rfm.Hibernating', 'Hibernating', '\u4f11\u7720\u5ba2\u6237'),
    ('rfm.Lost', 'Lost', '\u5df2\u6d41\u5931'),
    -- recommendations
    ('recommender.title', 'Recommendations', '\u5546\u54c1\u63a8\u8350'),
    ('recommender.task', 'recommender', '\u63a8\u8350'),
    ('recommender.summary', 'Model %s (%s), fitted on purchases before %s and scored on the %s customers who bought in the next %s (top 10 recommendations each).',
                            '\u6a21\u578b %s\uff08%s\uff09\uff0c\u7528 %s \u4e4b\u524d\u7684\u8d2d\u4e70\u62df\u5408\uff0c\u5728\u4e4b\u540e %s \u5185\u6709\u8d2d\u4e70\u7684 %s \u4f4d\u5ba2\u6237\u4e0a\u8bc4\u4f30\uff08\u6bcf\u4eba\u63a8\u8350 10 \u4ef6\uff09\u3002'),
    ('recommender.metrics.title', 'Offline metrics at 10 against popularity and the other algorithms', '\u524d 10 \u63a8\u8350\u7684\u79bb\u7ebf\u6307\u6807\uff1a\u4e0e\u70ed\u95e8\u63a8\u8350\u53ca\u5176\u4ed6\u7b97\u6cd5\u5bf9\u6bd4'),
    ('recommender.metrics.reading', '%s finds at least one item the customer went on to buy for %s of customers, popularity for %s.', '%s \u4e3a %s \u7684\u5ba2\u6237\u63a8\u8350\u5230\u81f3\u5c11\u4e00\u4ef6\u5176\u540e\u8d2d\u4e70\u7684\u5546\u54c1\uff0c\u70ed\u95e8\u63a8\u8350\u4e3a %s\u3002'),
    ('recommender.items.title', 'Top items: customers who bought them in the last 90 days', '\u70ed\u95e8\u5546\u54c1\uff1a\u8fd1 90 \u5929\u8d2d\u4e70\u7684\u5ba2\u6237\u6570'),
    ('recommender.items.reading', '%s was bought by the most customers (%s).', '\u8d2d\u4e70\u5ba2\u6237\u6700\u591a\u7684\u5546\u54c1\u662f %s\uff08%s \u4f4d\uff09\u3002'),
    ('metric.hit_rate_at_10', 'hit rate', '\u547d\u4e2d\u7387'),
    ('metric.precision_at_10', 'precision', '\u7cbe\u786e\u7387'),
    ('metric.recall_at_10', 'recall', '\u53ec\u56de\u7387'),
    ('metric.ndcg_at_10', 'NDCG', 'NDCG'),
    ('metric.map_at_10', 'MAP', 'MAP'),
    ('metric.coverage_at_10', 'catalogue coverage', '\u5546\u54c1\u8986\u76d6\u7387'),
    ('col.metric', 'metric', '\u6307\u6807'),
    ('col.item', 'item', '\u5546\u54c1'),
    ('col.buyers', 'customers who bought it', '\u8d2d\u4e70\u5ba2\u6237\u6570'),
    ('algorithm.popularity', 'popularity', '\u70ed\u95e8\u63a8\u8350'),
    ('algorithm.als', 'implicit ALS', '\u9690\u5f0f ALS'),
    ('algorithm.itemknn', 'item-kNN', '\u7269\u54c1\u8fd1\u90bb'),
    ('algorithm.pnbd', 'Pareto/NBD', 'Pareto/NBD'),
    ('algorithm.bgnbd', 'BG/NBD', 'BG/NBD'),
    -- other tasks
    ('other.title', 'Other models', '\u5176\u4ed6\u6a21\u578b'),
    ('other.active', 'Task %s: model %s (%s), trained on data up to %s.', '\u4efb\u52a1 %s\uff1a\u6a21\u578b %s\uff08%s\uff09\uff0c\u8bad\u7ec3\u6570\u636e\u622a\u81f3 %s\u3002'),
    ('other.none', 'Task %s: no model is active yet.', '\u4efb\u52a1 %s\uff1a\u5c1a\u65e0\u5df2\u542f\u7528\u7684\u6a21\u578b\u3002'),
    ('other.empty', 'No other task is registered.', '\u6ca1\u6709\u5176\u4ed6\u5df2\u6ce8\u518c\u7684\u4efb\u52a1\u3002')
  ) v(key, en, zh)
 CROSS JOIN (VALUES ('en'), ('zh')) l(lang)
 WHERE l.lang OPERATOR(pg_catalog.=) 'en' OR @extschema@.insight_unicode_text(v.zh) IS NOT NULL;

-- The language of a report: 'en' or 'zh'; anything else is an error.
--@ function src/sql/tasks/report_html_parts.sql insight_report_lang

--@ comment src/sql/tasks/report_html_parts.sql insight_report_lang

CREATE OR REPLACE FUNCTION @extschema@.insight_report_msg(lang text, key text, VARIADIC args text[] DEFAULT '{}')
RETURNS text
LANGUAGE plpgsql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    m pg_catalog.text;
BEGIN
    SELECT r.message INTO m FROM @extschema@.insight_report_messages r
     WHERE r.key = $2 AND r.lang = $1;
    IF m IS NULL THEN
        RAISE EXCEPTION 'no report message "%" in language "%"', key, lang
            USING ERRCODE = 'undefined_object',
                  HINT = 'Every key of insight_report_messages has a row per language (en, zh).';
    END IF;
    RETURN pg_catalog.format(m, VARIADIC args);
END
$$;

--@ comment src/sql/tasks/report_html_parts.sql insight_report_msg

-- Several messages without arguments (the headers of a table, the series of a chart).
--@ function src/sql/tasks/report_html_parts.sql insight_report_msgs

--@ comment src/sql/tasks/report_html_parts.sql insight_report_msgs

--@ function src/sql/tasks/report_html_parts.sql insight_html

--@ comment src/sql/tasks/report_html_parts.sql insight_html

-- Numbers: grouped thousands, fixed decimals; NULL as the language's n/a.
--@ function src/sql/tasks/report_html_parts.sql insight_report_num

--@ comment src/sql/tasks/report_html_parts.sql insight_report_num

--@ function src/sql/tasks/report_html_parts.sql insight_report_pct

--@ comment src/sql/tasks/report_html_parts.sql insight_report_pct

--@ function src/sql/tasks/report_html_parts.sql insight_report_date

--@ comment src/sql/tasks/report_html_parts.sql insight_report_date

--@ function src/sql/tasks/report_html_parts.sql insight_report_interval

--@ comment src/sql/tasks/report_html_parts.sql insight_report_interval

-- The width of a text in pixels at a font size (for laying out labels): a
-- generous estimate for DejaVu Sans / Noto Sans: capitals and digits 0.72
-- em, other ASCII characters 0.6 em, CJK and other wide characters 1 em.
--@ function src/sql/tasks/report_html_parts.sql insight_svg_text_width

--@ comment src/sql/tasks/report_html_parts.sql insight_svg_text_width

-- A label cut to a width: the longest prefix that fits, with an ellipsis.
--@ function src/sql/tasks/report_html_parts.sql insight_svg_fit_text

--@ comment src/sql/tasks/report_html_parts.sql insight_svg_fit_text

--@ function src/sql/tasks/report_html_parts.sql insight_svg_color

--@ comment src/sql/tasks/report_html_parts.sql insight_svg_color

-- An HTML table: a header row and rows of cells (text, escaped here).
--@ function src/sql/tasks/report_html_parts.sql insight_html_table

--@ comment src/sql/tasks/report_html_parts.sql insight_html_table

-- A horizontal bar chart: one row per category, one bar per series in it.
-- vals[s][c]: series s, category c (NULL: no bar, the label says why).
--@ function src/sql/tasks/report_html_parts.sql insight_svg_bars

--@ comment src/sql/tasks/report_html_parts.sql insight_svg_bars

-- A line chart of one or more series of (x, y) points on linear axes.
-- series: [{"name": ..., "points": [[x, y], ...]}]; opts: x_min, x_max,
-- y_min, y_max, x_title, y_title, x_ticks ([[x, "label"], ...]),
-- y_ticks (same), diagonal (a reference line from (x_min, y_min) to
-- (x_max, y_max)), dots (draw the points).
--@ function src/sql/tasks/report_html_parts.sql insight_svg_lines

--@ comment src/sql/tasks/report_html_parts.sql insight_svg_lines

-- A heatmap: rows x columns of cells coloured by value (0..value_max).
-- vals[r][c] (NULL: a blank, suppressed cell); cell_text[r][c] the label.
--@ function src/sql/tasks/report_html_parts.sql insight_svg_heatmap

--@ comment src/sql/tasks/report_html_parts.sql insight_svg_heatmap

-- A chart with its title, its one-sentence reading, the SVG and the table of
-- its numbers.
--@ function src/sql/tasks/report_html_parts.sql insight_report_figure

--@ comment src/sql/tasks/report_html_parts.sql insight_report_figure

-- ---------------------------------------------------------------------------
-- insight_report_html(), part 2: the sections and the page.  Each section is
-- a function of the report's context (insight_report_context: language,
-- as_of, insight.min_group_size, whether the caller may see customer keys)
-- returning its <section>; the benchmark times them one by one.
-- ---------------------------------------------------------------------------

--@ function src/sql/tasks/report_html.sql insight_report_context

--@ comment src/sql/tasks/report_html.sql insight_report_context

--@ function src/sql/tasks/report_html.sql insight_report_privacy

--@ comment src/sql/tasks/report_html.sql insight_report_privacy

--@ function src/sql/tasks/report_html.sql insight_report_section

--@ comment src/sql/tasks/report_html.sql insight_report_section

--@ function src/sql/tasks/report_html.sql insight_report_not_trained

--@ comment src/sql/tasks/report_html.sql insight_report_not_trained

-- x-axis ticks for n consecutive labels, at most about six of them.
--@ function src/sql/tasks/report_html.sql insight_report_ticks

--@ comment src/sql/tasks/report_html.sql insight_report_ticks

-- Ticks 0, 25 %, 50 %, 75 %, 100 % of a 0..1 axis.
--@ function src/sql/tasks/report_html.sql insight_report_share_ticks

--@ comment src/sql/tasks/report_html.sql insight_report_share_ticks

-- Points of a ROC curve: (false positive rate, true positive rate) at each
-- distinct score taken as a threshold, about `points` of them.
--@ function src/sql/tasks/report_html.sql insight_report_roc

--@ comment src/sql/tasks/report_html.sql insight_report_roc

-- A label of a k-means cluster that is true of its members: for each of
-- recency, orders and spend, the share of members on the better side of the
-- median customer decides: at least 3/4 gives "recent" / "frequent" / "high
-- spend", at most 1/4 "lapsed" / "infrequent" / "low spend", else "mixed".
--@ function src/sql/tasks/report_html.sql insight_report_cluster_label

--@ comment src/sql/tasks/report_html.sql insight_report_cluster_label

-- Data covered ------------------------------------------------------------------

CREATE FUNCTION @extschema@.insight_report_html_data(ctx jsonb)
RETURNS text
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
SET TimeZone = 'UTC'
AS $$
DECLARE
    lang pg_catalog.text := ctx ->> 'lang';
    k integer := (ctx ->> 'k')::integer;
    as_of pg_catalog.timestamptz := (ctx ->> 'as_of')::pg_catalog.timestamptz;
    d record;
    mo record;
    co record;
    body pg_catalog.text;
BEGIN
    -- one pass over the sales: every customer's months with a purchase, and the totals
    WITH g AS (
        SELECT s.customer_id::pg_catalog.text AS customer_id, pg_catalog.date_trunc('month', s.ordered_at) AS month,
               pg_catalog.count(*) AS lines, pg_catalog.count(DISTINCT s.order_id) AS orders,
               pg_catalog.min(s.ordered_at) AS first_at, pg_catalog.max(s.ordered_at) AS last_at,
               pg_catalog.sum(s.amount) FILTER (WHERE s.amount > 0) AS revenue,
               GROUPING(s.customer_id) AS total
          FROM @extschema@.insight_sales s
         WHERE as_of IS NULL OR s.ordered_at < as_of
         GROUP BY ROLLUP ((s.customer_id, pg_catalog.date_trunc('month', s.ordered_at)))
    )
    SELECT pg_catalog.max(g.lines) FILTER (WHERE g.total = 1) AS lines,
           pg_catalog.max(g.orders) FILTER (WHERE g.total = 1) AS orders,
           pg_catalog.max(g.first_at) FILTER (WHERE g.total = 1) AS first_at,
           pg_catalog.max(g.last_at) FILTER (WHERE g.total = 1) AS last_at,
           pg_catalog.max(g.revenue) FILTER (WHERE g.total = 1) AS revenue,
           pg_catalog.count(DISTINCT g.customer_id) FILTER (WHERE g.total = 0 AND g.revenue IS NOT NULL) AS buyers,
           pg_catalog.count(DISTINCT g.customer_id) FILTER (WHERE g.total = 0) AS customers,
           pg_catalog.array_agg(g.customer_id) FILTER (WHERE g.total = 0 AND g.revenue IS NOT NULL) AS cm_customer,
           pg_catalog.array_agg(g.month) FILTER (WHERE g.total = 0 AND g.revenue IS NOT NULL) AS cm_month,
           pg_catalog.array_agg(g.revenue) FILTER (WHERE g.total = 0 AND g.revenue IS NOT NULL) AS cm_revenue
      INTO d FROM g;
    body := pg_catalog.format('<p class="summary">%s</p>', @extschema@.insight_html(@extschema@.insight_report_msg(lang, 'data.summary',
                @extschema@.insight_report_num(d.lines, 0, lang), @extschema@.insight_report_num(d.orders, 0, lang),
                @extschema@.insight_report_date(d.first_at, lang), @extschema@.insight_report_date(d.last_at, lang),
                @extschema@.insight_report_num(d.buyers, 0, lang),
                @extschema@.insight_report_num(d.customers - d.buyers, 0, lang),
                @extschema@.insight_report_num(d.revenue, 0, lang))));
    IF COALESCE(d.lines, 0) = 0 THEN
        RETURN @extschema@.insight_report_section('data', @extschema@.insight_report_msg(lang, 'data.title'), body);
    END IF;

    -- months: revenue and customers with a purchase; months of fewer than k customers suppressed
    WITH m AS (
        SELECT u.month, pg_catalog.sum(u.revenue) AS revenue, pg_catalog.count(*) AS customers
          FROM ROWS FROM (pg_catalog.unnest(d.cm_month), pg_catalog.unnest(d.cm_revenue)) u(month, revenue)
         GROUP BY 1
    ), v AS (
        SELECT m.month, @extschema@.insight_report_date(m.month, lang, 'month') AS label,
               CASE WHEN m.customers >= k THEN m.revenue END AS revenue,
               CASE WHEN m.customers >= k THEN m.customers END AS customers
          FROM m
    )
    SELECT pg_catalog.array_agg(v.label ORDER BY v.month) AS labels,
           pg_catalog.array_agg(v.revenue ORDER BY v.month) AS revenue,
           pg_catalog.array_agg(v.customers ORDER BY v.month) AS customers,
           pg_catalog.array_agg(COALESCE(@extschema@.insight_report_num(v.revenue, 0, lang), @extschema@.insight_report_msg(lang, 'suppressed', k::pg_catalog.text)) ORDER BY v.month) AS revenue_text,
           pg_catalog.array_agg(COALESCE(@extschema@.insight_report_num(v.customers, 0, lang), @extschema@.insight_report_msg(lang, 'suppressed', k::pg_catalog.text)) ORDER BY v.month) AS customers_text,
           pg_catalog.count(*) FILTER (WHERE v.customers IS NULL) AS suppressed,
           (pg_catalog.array_agg(v.label ORDER BY v.revenue DESC NULLS LAST))[1] AS best,
           pg_catalog.max(v.revenue) AS best_revenue,
           pg_catalog.min(v.customers) AS least, pg_catalog.max(v.customers) AS most,
           (pg_catalog.array_agg(v.label ORDER BY v.customers DESC NULLS LAST))[1] AS most_month
      INTO mo FROM v;
    body := pg_catalog.concat(body,
        @extschema@.insight_report_figure('data-revenue', @extschema@.insight_report_msg(lang, 'data.revenue.title'),
            @extschema@.insight_report_msg(lang, 'data.revenue.reading', mo.best, @extschema@.insight_report_num(mo.best_revenue, 0, lang),
                @extschema@.insight_report_date(d.first_at, lang), @extschema@.insight_report_date(d.last_at, lang)),
            @extschema@.insight_svg_bars(mo.labels, ARRAY[@extschema@.insight_report_msg(lang, 'col.revenue')], ARRAY[mo.revenue], mo.revenue_text),
            @extschema@.insight_html_table(@extschema@.insight_report_msgs(lang, ARRAY['col.month', 'col.revenue']),
                (SELECT pg_catalog.array_agg(ARRAY[u.l, u.t] ORDER BY u.n) FROM ROWS FROM (pg_catalog.unnest(mo.labels), pg_catalog.unnest(mo.revenue_text)) WITH ORDINALITY u(l, t, n))),
            lang),
        @extschema@.insight_report_figure('data-active', @extschema@.insight_report_msg(lang, 'data.active.title'),
            @extschema@.insight_report_msg(lang, 'data.active.reading', @extschema@.insight_report_num(mo.least, 0, lang),
                @extschema@.insight_report_num(mo.most, 0, lang), mo.most_month),
            @extschema@.insight_svg_lines(
                pg_catalog.jsonb_build_array(pg_catalog.jsonb_build_object('name', @extschema@.insight_report_msg(lang, 'col.customers'),
                    'points', (SELECT pg_catalog.jsonb_agg(pg_catalog.jsonb_build_array(u.n - 1, u.c) ORDER BY u.n)
                                 FROM pg_catalog.unnest(mo.customers) WITH ORDINALITY u(c, n) WHERE u.c IS NOT NULL))),
                pg_catalog.jsonb_build_object('x_max', pg_catalog.array_length(mo.labels, 1) - 1,
                    'x_ticks', @extschema@.insight_report_ticks(mo.labels), 'dots', true,
                    'y_max', mo.most * 1.1,
                    'y_ticks', (SELECT pg_catalog.jsonb_agg(pg_catalog.jsonb_build_array(x, @extschema@.insight_report_num(x, 0, lang)))
                                  FROM pg_catalog.unnest(ARRAY[0, pg_catalog.round(mo.most / 2.0), mo.most]) x),
                    'x_title', @extschema@.insight_report_msg(lang, 'col.month'),
                    'y_title', @extschema@.insight_report_msg(lang, 'col.customers'))),
            @extschema@.insight_html_table(@extschema@.insight_report_msgs(lang, ARRAY['col.month', 'col.customers']),
                (SELECT pg_catalog.array_agg(ARRAY[u.l, u.t] ORDER BY u.n) FROM ROWS FROM (pg_catalog.unnest(mo.labels), pg_catalog.unnest(mo.customers_text)) WITH ORDINALITY u(l, t, n))),
            lang),
        @extschema@.insight_report_privacy(ctx, 0, mo.suppressed::integer));

    -- cohorts: customers by month of first purchase x months since; cohorts
    -- and cells of fewer than k customers are blank
    WITH p AS (
        SELECT u.customer_id, u.month FROM ROWS FROM (pg_catalog.unnest(d.cm_customer), pg_catalog.unnest(d.cm_month)) u(customer_id, month)
    ), f AS (
        SELECT p.customer_id, pg_catalog.min(p.month) AS first FROM p GROUP BY 1
    ), c AS (
        SELECT f.first, ((pg_catalog.date_part('year', p.month) - pg_catalog.date_part('year', f.first)) * 12
                         + pg_catalog.date_part('month', p.month) - pg_catalog.date_part('month', f.first))::integer AS since,
               pg_catalog.count(*) AS n
          FROM p JOIN f ON f.customer_id = p.customer_id
         GROUP BY 1, 2
    ), sized AS (
        SELECT c.first, c.since, c.n, pg_catalog.max(c.n) FILTER (WHERE c.since = 0) OVER (PARTITION BY c.first) AS size
          FROM c
    ), grid AS (
        SELECT fs.first, fs.size, g.since, x.n
          FROM (SELECT DISTINCT sized.first, sized.size FROM sized WHERE sized.size >= k) fs
         CROSS JOIN pg_catalog.generate_series(0, (SELECT pg_catalog.max(sized.since) FROM sized)) g(since)
          LEFT JOIN sized x ON x.first = fs.first AND x.since = g.since
    ), r AS (
        SELECT grid.first, grid.size,
               pg_catalog.array_agg(CASE WHEN grid.n >= k THEN grid.n::pg_catalog.float8 / grid.size END ORDER BY grid.since) AS shares
          FROM grid GROUP BY 1, 2
    )
    SELECT pg_catalog.array_agg(pg_catalog.concat(@extschema@.insight_report_date(r.first, lang, 'month'), ' (', r.size, ')') ORDER BY r.first) AS labels,
           pg_catalog.array_agg(r.shares ORDER BY r.first) AS shares,
           pg_catalog.array_agg(pg_catalog.array_prepend(@extschema@.insight_report_date(r.first, lang, 'month'),
               pg_catalog.array_prepend(@extschema@.insight_report_num(r.size, 0, lang),
                   (SELECT pg_catalog.array_agg(COALESCE(@extschema@.insight_report_pct(x, lang, 0), '') ORDER BY i) FROM pg_catalog.unnest(r.shares) WITH ORDINALITY u(x, i)))) ORDER BY r.first) AS rows,
           pg_catalog.array_agg((SELECT pg_catalog.array_agg(COALESCE(@extschema@.insight_report_pct(x, lang, 0), '') ORDER BY i) FROM pg_catalog.unnest(r.shares) WITH ORDINALITY u(x, i)) ORDER BY r.first) AS cell_text,
           (SELECT pg_catalog.count(DISTINCT sized.first) FROM sized WHERE sized.size < k) AS small,
           (SELECT pg_catalog.sum(sized.n) FILTER (WHERE sized.since = 1)::pg_catalog.float8
                   / NULLIF(pg_catalog.sum(sized.size) FILTER (WHERE sized.since = 1), 0)
              FROM sized WHERE sized.size >= k) AS month1,
           (SELECT pg_catalog.array_agg(g::pg_catalog.text ORDER BY g) FROM pg_catalog.generate_series(0, (SELECT pg_catalog.max(sized.since) FROM sized)) g) AS cols
      INTO co FROM r;
    IF co.labels IS NOT NULL THEN
        body := pg_catalog.concat(body,
            @extschema@.insight_report_figure('data-cohorts', @extschema@.insight_report_msg(lang, 'data.cohort.title'),
                @extschema@.insight_report_msg(lang, 'data.cohort.reading', @extschema@.insight_report_pct(co.month1, lang), k::pg_catalog.text),
                @extschema@.insight_svg_heatmap(co.labels, co.cols, co.shares, co.cell_text,
                    @extschema@.insight_report_msg(lang, 'col.months_since'), @extschema@.insight_report_msg(lang, 'col.cohort')),
                @extschema@.insight_html_table(@extschema@.insight_report_msgs(lang, ARRAY['col.cohort', 'col.cohort_size']) || co.cols,
                                               co.rows),
                lang),
            @extschema@.insight_report_privacy(ctx, 0, co.small::integer));
    END IF;
    RETURN @extschema@.insight_report_section('data', @extschema@.insight_report_msg(lang, 'data.title'), body);
END
$$;

COMMENT ON FUNCTION @extschema@.insight_report_html_data(jsonb) IS
'The "data covered" section of insight_report_html: kept lines, orders, dates, customers with a purchase (and those with returns only), revenue; revenue and customers with a purchase by month (months of fewer than insight.min_group_size customers suppressed); the cohort retention heatmap (customers by month of first purchase x months since: share of the cohort with a purchase that month; cohorts and cells of fewer than min_group_size customers blank). ctx: insight_report_context().';

-- Churn ---------------------------------------------------------------------------

CREATE FUNCTION @extschema@.insight_report_html_churn(ctx jsonb)
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
    ps pg_catalog.float8[];
    ys boolean[];
    rs pg_catalog.float8[];
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
                m.model_id::pg_catalog.text, @extschema@.insight_report_interval((m.params ->> 'horizon')::interval, lang),
                @extschema@.insight_report_num((x ->> 'train_rows')::pg_catalog.float8, 0, lang),
                @extschema@.insight_report_date((x ->> 'train_cutoff')::pg_catalog.timestamptz, lang),
                @extschema@.insight_report_num((x ->> 'test_rows')::pg_catalog.float8, 0, lang),
                @extschema@.insight_report_date((x ->> 'test_cutoff')::pg_catalog.timestamptz, lang),
                @extschema@.insight_report_pct((x #>> '{test,base_rate}')::pg_catalog.float8, lang),
                @extschema@.insight_report_num((x ->> 'auc')::pg_catalog.float8, 3, lang),
                @extschema@.insight_report_num((x #>> '{baseline,auc}')::pg_catalog.float8, 3, lang))));

    -- the out-of-time predictions: the evaluation model on the test window, as insight_churn_evaluate measured it
    SELECT pg_catalog.array_agg(@extschema@.insight_predict(COALESCE(m.evaluation_weights, m.weights), r.features) ORDER BY r.customer_id),
           pg_catalog.array_agg(r.churned ORDER BY r.customer_id), pg_catalog.array_agg(r.recency_days ORDER BY r.customer_id)
      INTO ps, ys, rs
      FROM @extschema@.insight_churn_training_rows((x ->> 'test_cutoff')::pg_catalog.timestamptz,
                                                   (m.params ->> 'horizon')::interval) r;
    roc_model := @extschema@.insight_report_roc(ps, ys);
    roc_recency := @extschema@.insight_report_roc(rs, ys);
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
    WITH d AS (
        SELECT u.p, u.y, pg_catalog.ntile(10) OVER (ORDER BY u.p DESC) AS risk_decile,
               pg_catalog.ntile(10) OVER (ORDER BY u.p) AS decile
          FROM ROWS FROM (pg_catalog.unnest(ps), pg_catalog.unnest(ys)) u(p, y) WHERE u.p IS NOT NULL
    ), gd AS (
        SELECT d.risk_decile AS decile, pg_catalog.count(*) AS n, pg_catalog.count(*) FILTER (WHERE d.y) AS churners FROM d GROUP BY 1
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

    WITH d AS (
        SELECT u.p, u.y, pg_catalog.ntile(10) OVER (ORDER BY u.p) AS decile
          FROM ROWS FROM (pg_catalog.unnest(ps), pg_catalog.unnest(ys)) u(p, y) WHERE u.p IS NOT NULL
    ), c AS (
        SELECT d.decile, pg_catalog.count(*) AS n, pg_catalog.avg(d.p) AS predicted, pg_catalog.avg(d.y::integer)::pg_catalog.float8 AS observed
          FROM d GROUP BY 1 HAVING pg_catalog.count(*) >= k
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
'The churn section of insight_report_html: the active churn model and its out-of-time evaluation (insight_models.metrics); the ROC curves of the evaluation model and of the days since the last purchase alone, the cumulative gain and the calibration by decile, all on the test window recomputed as insight_churn_evaluate measured it (insight_churn_training_rows at metrics.test_cutoff, scored by evaluation_weights); the distribution of today''s churn probabilities (bins of fewer than insight.min_group_size customers suppressed); the first ten retention targets (insight_retention_targets_at) with their reasons, customer keys only for members of insight_admin. Says how to train a model when none is active.';

-- Customer value ------------------------------------------------------------------

CREATE FUNCTION @extschema@.insight_report_html_clv(ctx jsonb)
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
    ho record;
    cap integer;
    gn record;
    con record;
    spend_cal pg_catalog.bytea;
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

    -- the holdout, as the CLV task measured it: the evaluation model on the calibration period
    SELECT pg_catalog.array_agg(h.frequency) AS f,
           pg_catalog.array_agg(@extschema@.insight_transaction_model_expected_purchases(COALESCE(c.evaluation_weights, c.weights),
               (x ->> 'holdout_periods')::pg_catalog.float8, h.frequency, h.recency, h."T")) AS predicted,
           pg_catalog.array_agg(h.actual) AS actual, pg_catalog.array_agg(h.actual_spend) AS spend,
           pg_catalog.array_agg(h.monetary_value) AS monetary,
           @extschema@.insight_gammagamma_fit(h.frequency, h.monetary_value) AS spend_model
      INTO ho
      FROM @extschema@.insight_clv_holdout_rows((x ->> 'calibration_end')::pg_catalog.timestamptz,
                                                c.trained_as_of, period) h;
    -- the largest cap <= 7 such that every bucket 0 .. cap-1 and cap+ has at least k customers
    SELECT pg_catalog.max(cc.cap) INTO cap
      FROM pg_catalog.generate_series(1, 7) cc(cap)
     WHERE (SELECT pg_catalog.bool_and(b.n >= k)
              FROM (SELECT pg_catalog.count(*) AS n FROM pg_catalog.unnest(ho.f) u(f) GROUP BY LEAST(u.f, cc.cap)) b)
       AND (SELECT pg_catalog.count(DISTINCT LEAST(u.f, cc.cap)) FROM pg_catalog.unnest(ho.f) u(f)) = cc.cap + 1;
    IF cap IS NOT NULL THEN
        SELECT pg_catalog.jsonb_agg(pg_catalog.jsonb_build_array(b.f, b.p) ORDER BY b.f) AS pp,
               pg_catalog.jsonb_agg(pg_catalog.jsonb_build_array(b.f, b.a) ORDER BY b.f) AS aa,
               pg_catalog.jsonb_agg(pg_catalog.jsonb_build_array(b.f, CASE WHEN b.f = cap THEN pg_catalog.concat(cap, '+') ELSE b.f::pg_catalog.text END) ORDER BY b.f) AS ticks,
               pg_catalog.array_agg(ARRAY[CASE WHEN b.f = cap THEN pg_catalog.concat(cap, '+') ELSE b.f::pg_catalog.text END,
                                          @extschema@.insight_report_num(b.n, 0, lang), @extschema@.insight_report_num(b.p, 2, lang),
                                          @extschema@.insight_report_num(b.a, 2, lang)] ORDER BY b.f) AS rows,
               pg_catalog.max(GREATEST(b.p, b.a)) AS top
          INTO gn
          FROM (SELECT LEAST(u.f, cap) AS f, pg_catalog.count(*) AS n, pg_catalog.avg(u.p) AS p, pg_catalog.avg(u.a) AS a
                  FROM ROWS FROM (pg_catalog.unnest(ho.f), pg_catalog.unnest(ho.predicted), pg_catalog.unnest(ho.actual)) u(f, p, a) GROUP BY 1) b;
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
    spend_cal := ho.spend_model;
    WITH u AS (
        SELECT v.p * COALESCE(@extschema@.insight_gammagamma_expected_spend(spend_cal, v.f, v.m), 0) AS pv, v.s AS av
          FROM ROWS FROM (pg_catalog.unnest(ho.f), pg_catalog.unnest(ho.predicted), pg_catalog.unnest(ho.spend), pg_catalog.unnest(ho.monetary)) v(f, p, s, m)
    ), r AS (
        SELECT u.pv, u.av, pg_catalog.ntile(20) OVER (ORDER BY u.pv DESC) AS q, pg_catalog.ntile(20) OVER (ORDER BY u.av DESC) AS qa,
               pg_catalog.ntile(10) OVER (ORDER BY u.pv DESC) AS decile
          FROM u
    ), model AS (
        SELECT r.q, pg_catalog.sum(pg_catalog.sum(r.av)) OVER (ORDER BY r.q) / NULLIF(pg_catalog.sum(pg_catalog.sum(r.av)) OVER (), 0) AS share
          FROM r GROUP BY 1
    ), perfect AS (
        SELECT r.qa AS q, pg_catalog.sum(pg_catalog.sum(r.av)) OVER (ORDER BY r.qa) / NULLIF(pg_catalog.sum(pg_catalog.sum(r.av)) OVER (), 0) AS share
          FROM r GROUP BY 1
    ), dec AS (
        SELECT r.decile, pg_catalog.count(*) AS n, pg_catalog.avg(r.pv) AS p, pg_catalog.avg(r.av) AS a FROM r GROUP BY 1
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
'The customer value section of insight_report_html: the active CLV models and their holdout errors (insight_models.metrics); the frequency/recency matrices of expected purchase days in the next 90 days and of P(alive) for a customer as old as the oldest (as lifetimes'' plot_frequency_recency_matrix and plot_probability_alive_matrix draw them; frequencies up to the 95th percentile); calibration against the holdout (mean predicted and actual repeat purchase days by frequency before it, as lifetimes'' plot_calibration_purchases_vs_holdout_purchases; the top bucket k+ chosen so that every bucket has at least insight.min_group_size customers); the value gain chart and the decile chart of google/lifetime_value (predicted holdout revenue = the evaluation model''s expected purchases x the expected spend of a Gamma-Gamma fitted on the calibration period, against the actual holdout revenue); the concentration of the 12-month CLV by decile of customers (insight_clv_scores_at). Says how to train a model when none is active.';

-- Segments --------------------------------------------------------------------------

CREATE FUNCTION @extschema@.insight_report_html_segments(ctx jsonb)
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
    WITH u AS (
        SELECT x.c, x.r, x.f, x.m FROM ROWS FROM (pg_catalog.unnest(cls), pg_catalog.unnest(rec), pg_catalog.unnest(frq), pg_catalog.unnest(mon)) x(c, r, f, m)
    ), med AS (
        SELECT pg_catalog.percentile_cont(0.5) WITHIN GROUP (ORDER BY u.r) AS r, pg_catalog.percentile_cont(0.5) WITHIN GROUP (ORDER BY u.f) AS f,
               pg_catalog.percentile_cont(0.5) WITHIN GROUP (ORDER BY u.m) AS m FROM u
    ), p AS (
        SELECT u.c, pg_catalog.count(*) AS n,
               pg_catalog.avg((u.r < med.r)::integer) AS recent, pg_catalog.avg((u.f > med.f)::integer) AS frequent,
               pg_catalog.avg((u.m > med.m)::integer) AS high,
               pg_catalog.percentile_cont(ARRAY[0.25, 0.5, 0.75]) WITHIN GROUP (ORDER BY u.r) AS rq,
               pg_catalog.percentile_cont(ARRAY[0.25, 0.5, 0.75]) WITHIN GROUP (ORDER BY u.f) AS fq,
               pg_catalog.percentile_cont(ARRAY[0.25, 0.5, 0.75]) WITHIN GROUP (ORDER BY u.m) AS mq
          FROM u, med GROUP BY u.c
    ), v AS (
        SELECT p.*, pg_catalog.concat(@extschema@.insight_report_msg(lang, 'col.cluster'), ' ', p.c, ': ',
                                      @extschema@.insight_report_cluster_label(lang, p.recent, p.frequent, p.high)) AS label
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
            @extschema@.insight_report_msg(lang, 'segments.kcurve.reading', kc.best_k::pg_catalog.text, @extschema@.insight_report_num(kc.best_s, 3, lang)),
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
'The segments section of insight_report_html: the RFM segment map (share of customers and of revenue = total spend of each segment, insight_rfm_scores; segments of fewer than insight.min_group_size customers merged into "other"); the clusters of the active segments model with a label true of their members (insight_report_cluster_label: recency, orders and spend of at least 3/4 of the members against the median customer) and their quartiles, clusters smaller than min_group_size not shown; how k was chosen, with the silhouette of every k tried (metrics.k_curve). Says how to train a model when none is active.';

-- Recommendations ------------------------------------------------------------------

CREATE FUNCTION @extschema@.insight_report_html_recommender(ctx jsonb)
RETURNS text
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
SET TimeZone = 'UTC'
AS $$
DECLARE
    lang pg_catalog.text := ctx ->> 'lang';
    k integer := (ctx ->> 'k')::integer;
    as_of pg_catalog.timestamptz := (ctx ->> 'as_of')::pg_catalog.timestamptz;
    m @extschema@.insight_models;
    x pg_catalog.jsonb;
    mt record;
    it record;
    body pg_catalog.text;
    metric_keys constant pg_catalog.text[] := ARRAY['hit_rate_at_10', 'precision_at_10', 'recall_at_10', 'ndcg_at_10', 'map_at_10', 'coverage_at_10'];
BEGIN
    SELECT * INTO m FROM @extschema@.insight_active_model('recommender') mm;
    IF NOT FOUND THEN
        RETURN @extschema@.insight_report_section('recommender', @extschema@.insight_report_msg(lang, 'recommender.title'),
                   @extschema@.insight_report_not_trained(ctx, 'recommender', 'insight_train_recommender()'));
    END IF;
    x := m.metrics;
    body := pg_catalog.format('<p class="summary">%s</p>', @extschema@.insight_html(@extschema@.insight_report_msg(lang, 'recommender.summary',
                m.model_id::pg_catalog.text, @extschema@.insight_report_msg(lang, 'algorithm.' || m.algorithm),
                @extschema@.insight_report_date((x ->> 'split')::pg_catalog.timestamptz, lang), @extschema@.insight_report_interval((x ->> 'holdout')::interval, lang),
                @extschema@.insight_report_num((x ->> 'test_customers')::pg_catalog.float8, 0, lang))));

    -- the active model, the latest model of every other algorithm measured on the same split, popularity
    WITH s AS (
        SELECT 1 AS o, @extschema@.insight_report_msg(lang, 'algorithm.' || m.algorithm) AS name, x AS metrics
        UNION ALL
        SELECT 2, o.name, o.metrics FROM (
            SELECT DISTINCT ON (mo.algorithm) @extschema@.insight_report_msg(lang, 'algorithm.' || mo.algorithm) AS name, mo.metrics
              FROM @extschema@.insight_models mo
             WHERE mo.task = 'recommender' AND mo.algorithm <> m.algorithm
               AND mo.algorithm <> 'popularity'
               AND mo.metrics ->> 'split' = x ->> 'split'
             ORDER BY mo.algorithm, mo.model_id DESC) o
        UNION ALL
        SELECT 3, @extschema@.insight_report_msg(lang, 'algorithm.popularity'), x -> 'baseline'
    ), v AS (
        SELECT s.o, s.name, pg_catalog.row_number() OVER (ORDER BY s.o, s.name) AS n, mi.i, mi.metric,
               (s.metrics ->> mi.metric)::pg_catalog.float8 AS value
          FROM s, pg_catalog.unnest(metric_keys) WITH ORDINALITY mi(metric, i)
    )
    SELECT (SELECT pg_catalog.array_agg(q.name ORDER BY q.o, q.name) FROM (SELECT DISTINCT v.o, v.name FROM v) q) AS series,
           (SELECT pg_catalog.array_agg(@extschema@.insight_report_msg(lang, 'metric.' || mi.metric) ORDER BY mi.i)
              FROM pg_catalog.unnest(metric_keys) WITH ORDINALITY mi(metric, i)) AS labels,
           (SELECT pg_catalog.array_agg(r.vals ORDER BY r.o, r.name)
              FROM (SELECT v.o, v.name, pg_catalog.array_agg(v.value ORDER BY v.i) AS vals FROM v GROUP BY 1, 2) r) AS vals,
           (SELECT pg_catalog.array_agg(@extschema@.insight_report_num(v.value, 3, lang) ORDER BY v.i, v.o, v.name) FROM v) AS texts,
           (SELECT pg_catalog.array_agg(r.row ORDER BY r.i)
              FROM (SELECT v.i, pg_catalog.array_prepend(@extschema@.insight_report_msg(lang, 'metric.' || pg_catalog.min(v.metric)),
                                                         pg_catalog.array_agg(@extschema@.insight_report_num(v.value, 4, lang) ORDER BY v.o, v.name)) AS row
                      FROM v GROUP BY v.i) r) AS rows
      INTO mt;
    body := pg_catalog.concat(body, @extschema@.insight_report_figure('recommender-metrics', @extschema@.insight_report_msg(lang, 'recommender.metrics.title'),
        @extschema@.insight_report_msg(lang, 'recommender.metrics.reading', @extschema@.insight_report_msg(lang, 'algorithm.' || m.algorithm),
            @extschema@.insight_report_pct((x ->> 'hit_rate_at_10')::pg_catalog.float8, lang),
            @extschema@.insight_report_pct((x #>> '{baseline,hit_rate_at_10}')::pg_catalog.float8, lang)),
        @extschema@.insight_svg_bars(mt.labels, mt.series, mt.vals, mt.texts),
        @extschema@.insight_html_table(ARRAY[@extschema@.insight_report_msg(lang, 'col.metric')] || mt.series, mt.rows),
        lang));

    -- the items bought by the most customers in the last 90 days
    WITH e AS (
        SELECT COALESCE(as_of, pg_catalog.max(s.ordered_at)) AS t_end FROM @extschema@.insight_sales s
    ), b AS (
        SELECT s.item_id::pg_catalog.text AS item_id, pg_catalog.count(DISTINCT s.customer_id) AS n
          FROM @extschema@.insight_sales s, e
         WHERE s.amount > 0 AND s.ordered_at < e.t_end
           AND s.ordered_at >= e.t_end - interval '90 days'
         GROUP BY 1 HAVING pg_catalog.count(DISTINCT s.customer_id) >= k
         ORDER BY 2 DESC, 1 LIMIT 10
    ), v AS (
        SELECT b.*, pg_catalog.concat(COALESCE(i.item_name, b.item_id), ' (', b.item_id, ')') AS label
          FROM b LEFT JOIN @extschema@.insight_items i ON i.item_id = b.item_id
    )
    SELECT pg_catalog.array_agg(v.label ORDER BY v.n DESC, v.item_id) AS labels,
           ARRAY[pg_catalog.array_agg(v.n::pg_catalog.float8 ORDER BY v.n DESC, v.item_id)] AS vals,
           pg_catalog.array_agg(@extschema@.insight_report_num(v.n, 0, lang) ORDER BY v.n DESC, v.item_id) AS texts,
           pg_catalog.array_agg(ARRAY[v.label, @extschema@.insight_report_num(v.n, 0, lang)] ORDER BY v.n DESC, v.item_id) AS rows
      INTO it FROM v;
    IF it.labels IS NOT NULL THEN
        body := pg_catalog.concat(body, @extschema@.insight_report_figure('recommender-items', @extschema@.insight_report_msg(lang, 'recommender.items.title'),
            @extschema@.insight_report_msg(lang, 'recommender.items.reading', it.labels[1], it.texts[1]),
            @extschema@.insight_svg_bars(it.labels, ARRAY[@extschema@.insight_report_msg(lang, 'col.buyers')], it.vals, it.texts),
            @extschema@.insight_html_table(@extschema@.insight_report_msgs(lang, ARRAY['col.item', 'col.buyers']), it.rows),
            lang), @extschema@.insight_report_privacy(ctx, 0, 0));
    END IF;
    RETURN @extschema@.insight_report_section('recommender', @extschema@.insight_report_msg(lang, 'recommender.title'), body);
END
$$;

COMMENT ON FUNCTION @extschema@.insight_report_html_recommender(jsonb) IS
'The recommendations section of insight_report_html: the active recommender and its offline metrics at 10 (insight_models.metrics) next to the latest model of every other algorithm measured on the same split and the popularity baseline; the ten items bought by the most customers in the 90 days before as_of (only items with at least insight.min_group_size buyers). Says how to train a model when none is active.';

-- Tasks the report has no section of: their active model, or that there is none.
CREATE FUNCTION @extschema@.insight_report_html_other(ctx jsonb)
RETURNS text
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
SELECT @extschema@.insight_report_section('other', @extschema@.insight_report_msg(ctx ->> 'lang', 'other.title'),
           COALESCE(pg_catalog.string_agg(pg_catalog.format('<p class="%s">%s</p>', CASE WHEN m.model_id IS NULL THEN 'not-trained' ELSE 'summary' END,
               @extschema@.insight_html(CASE WHEN m.model_id IS NULL
                   THEN @extschema@.insight_report_msg(ctx ->> 'lang', 'other.none', s.task)
                   ELSE @extschema@.insight_report_msg(ctx ->> 'lang', 'other.active', s.task, m.model_id::pg_catalog.text, m.algorithm,
                            @extschema@.insight_report_date(m.trained_as_of, ctx ->> 'lang')) END)), '' ORDER BY s.task),
                    pg_catalog.format('<p>%s</p>', @extschema@.insight_html(@extschema@.insight_report_msg(ctx ->> 'lang', 'other.empty')))))
  FROM @extschema@.insight_task_steps s
  LEFT JOIN @extschema@.insight_models m ON m.task = s.task AND m.status = 'active'
 WHERE NOT s.task = ANY (ARRAY['churn', 'clv', 'segments', 'recommender'])
$$;

COMMENT ON FUNCTION @extschema@.insight_report_html_other(jsonb) IS
'The last section of insight_report_html: every task of insight_task_steps other than churn, clv, segments and recommender (the tasks of later issues), with its active model, or saying that it has none; a line when there is no such task.';

--@ function src/sql/tasks/report_html.sql insight_report_html_style

--@ comment src/sql/tasks/report_html.sql insight_report_html_style

CREATE FUNCTION @extschema@.insight_report_html(lang text DEFAULT 'en', as_of timestamptz DEFAULT NULL)
RETURNS text
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
SET TimeZone = 'UTC'
AS $$
DECLARE
    ctx pg_catalog.jsonb := @extschema@.insight_report_context(lang, as_of);
    l pg_catalog.text := ctx ->> 'lang';
    last_at pg_catalog.timestamptz;
    sections pg_catalog.text[] := ARRAY['data', 'churn', 'clv', 'segments', 'recommender', 'other'];
    titles pg_catalog.text[] := ARRAY['data.title', 'churn.title', 'clv.title', 'segments.title', 'recommender.title', 'other.title'];
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
        @extschema@.insight_report_html_segments(ctx), E'\n',
        @extschema@.insight_report_html_recommender(ctx), E'\n',
        @extschema@.insight_report_html_other(ctx), E'\n',
        E'</main>\n</body></html>\n');
END
$$;

COMMENT ON FUNCTION @extschema@.insight_report_html(text, timestamptz) IS
'The report as one self-contained HTML document (inline CSS and SVG; no script, no network; opens from a file) in English (lang ''en'') or Simplified Chinese (''zh''; another language is an error, 22023), from the data before as_of (NULL: the whole history): data covered (revenue and customers by month, cohort retention), churn (ROC against recency alone, cumulative gain, calibration by decile, probability distribution, retention targets with reasons), customer value (frequency/recency matrices of expected purchases and P(alive), calibration against the holdout, value gain and decile charts, concentration), segments (RFM map, k-means clusters labelled from their members, how k was chosen), recommendations (metrics against popularity and the other algorithms, top items) and the other tasks; a section whose task has no active model says how to train one. Every chart has a one-sentence reading and its numbers as an HTML table. No group of fewer than insight.min_group_size customers is shown with its own figures (merged into "other" or suppressed, said on the page); customer keys appear only in the retention targets, and only for members of insight_admin. Texts: insight_report_messages. Sections: insight_report_html_data, _churn, _clv, _segments, _recommender, _other.';

-- grants for the new table and functions
SELECT @extschema@.insight_apply_privileges();
