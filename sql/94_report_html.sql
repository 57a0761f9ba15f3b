-- insight_report_html: the sections and charts are there with as many marks
-- as their data, both languages, the language error, insight.min_group_size,
-- customer keys only for insight_admin, the ROC helper against a closed form.
-- (The page in a real browser: test/browser/report_browser.sh.)
\i test/setup/models.sql
-- a deep value model (66_value_task leaves none active): trained here, retired at the end
SELECT NOT EXISTS (SELECT FROM insight_models WHERE task = 'value' AND status = 'active') AS no_value_model \gset
\if :no_value_model
SET client_min_messages = error;
SELECT insight_train_value() AS value_model_id \gset
\endif
SET client_min_messages = warning;
CREATE TEMP TABLE rep AS SELECT l AS lang, insight_report_html(l) AS html FROM unnest(ARRAY['en', 'zh']) l;
RESET client_min_messages;

-- the count of a pattern in a text, and the text of one chart (<figure id>)
CREATE FUNCTION pg_temp.n(t text, pattern text) RETURNS bigint
LANGUAGE sql AS $$ SELECT count(*) FROM regexp_matches(t, pattern, 'g') $$;
CREATE FUNCTION pg_temp.fig(t text, id text) RETURNS text
LANGUAGE sql AS $$ SELECT substring(t FROM '<figure class="chart-box" id="' || id || '">.*?</figure>') $$;

-- an unknown language is an error
SELECT insight_report_html('fr');
SELECT insight_report_html(NULL);

-- a document, seven sections, every chart, no script, no address outside the page
SELECT lang, html LIKE '<!DOCTYPE html>%' AND html LIKE '%</html>' || E'\n' AS document,
       pg_temp.n(html, '<section id="') AS sections,
       pg_temp.n(html, '<figure class="chart-box"') AS charts,
       pg_temp.n(html, '<script') + pg_temp.n(html, '(src|href)="(https?:)?//') AS scripts_or_links,
       html ~ ('<html lang="' || CASE lang WHEN 'zh' THEN 'zh-Hans' ELSE 'en' END || '">') AS html_lang
  FROM rep ORDER BY lang;
SELECT lang, array_agg(id ORDER BY id) FILTER (WHERE pg_temp.fig(html, id) IS NULL) AS missing_charts
  FROM rep, unnest(ARRAY['data-revenue', 'data-active', 'data-cohorts', 'churn-roc', 'churn-gain',
                         'churn-calibration', 'churn-distribution', 'clv-frequency-recency', 'clv-p-alive',
                         'clv-holdout', 'clv-come-back', 'clv-gain', 'clv-deciles', 'clv-concentration', 'segments-rfm',
                         'segments-clusters', 'recommender-metrics', 'recommender-items', 'value-gain', 'value-deciles']) id
 GROUP BY lang ORDER BY lang;

-- marks = data: 11 RFM segments with two bars each, two ROC curves (the
-- model and recency), 10 deciles, one bar per cluster, 13 months; the value
-- model's gain chart: its curve, BG/NBD x Gamma-Gamma's, the past rate's and
-- the perfect order; its decile chart: 10 deciles of two bars
WITH f AS (SELECT lang, html FROM rep)
SELECT lang,
       pg_temp.n(pg_temp.fig(html, 'segments-rfm'), '<g class="category">') AS rfm_segments,
       pg_temp.n(pg_temp.fig(html, 'segments-rfm'), 'class="mark"') AS rfm_bars,
       pg_temp.n(pg_temp.fig(html, 'churn-roc'), '<path class="mark"') AS roc_curves,
       pg_temp.n(pg_temp.fig(html, 'churn-calibration'), '<g class="category">') AS calibration_deciles,
       pg_temp.n(pg_temp.fig(html, 'clv-deciles'), '<g class="category">') AS value_deciles,
       pg_temp.n(pg_temp.fig(html, 'clv-concentration'), 'class="mark"') AS concentration_bars,
       pg_temp.n(pg_temp.fig(html, 'data-revenue'), 'class="mark"') AS months,
       pg_temp.n(pg_temp.fig(html, 'segments-clusters'), 'class="mark"')
           = (SELECT (metrics ->> 'k')::int FROM insight_models WHERE task = 'segments' AND status = 'active') AS one_bar_per_cluster,
       pg_temp.n(pg_temp.fig(html, 'value-gain'), '<path class="mark"') AS value_gain_curves,
       pg_temp.n(pg_temp.fig(html, 'value-deciles'), '<g class="category">') AS value_model_deciles,
       pg_temp.n(pg_temp.fig(html, 'value-deciles'), 'class="mark"') AS value_model_bars
  FROM f ORDER BY lang;
-- the value section shows what training stored: the metrics table, the gain at 20 %
-- and the top decile of the active value model
WITH m AS (SELECT metrics AS x FROM insight_models WHERE task = 'value' AND status = 'active')
SELECT lang,
       html ~ ('<tr><td>[^<]*</td><td>' || to_char(round((x #>> '{test,normalized_gini}')::numeric, 4), 'FM0.0000')
               || '</td><td>' || to_char(round((x #>> '{test,spearman}')::numeric, 4), 'FM0.0000') || '</td>') AS model_metrics_shown,
       html ~ ('<tr><td>[^<]*</td><td>' || to_char(round((x #>> '{baseline,normalized_gini}')::numeric, 4), 'FM0.0000') || '</td>') AS baseline_shown,
       html ~ ('<tr><td>[^<]*</td><td>' || to_char(round((x #>> '{btyd,normalized_gini}')::numeric, 4), 'FM0.0000') || '</td>') AS btyd_shown,
       pg_temp.fig(html, 'value-gain') ~ ('<tr><td>20%</td><td>' || to_char(round(100 * (x #> '{test,gain}' -> 3 ->> 'model')::numeric, 1), 'FM990.0') || '%</td>') AS gain_at_20,
       pg_temp.fig(html, 'value-deciles') ~ ('<tr><td>10</td><td>[0-9,]+</td><td>' || to_char(round((x #> '{test,deciles}' -> 9 ->> 'predicted_mean')::numeric), 'FM9,999,990') || '</td>') AS top_decile
  FROM rep, m ORDER BY lang;

-- who came back in the holdout: the four bands of the active CLV model's
-- metrics.come_back, the last band's customers and shares in the table, and
-- the text report's verdict (Online Retail: no dropout to measure) in the reading
WITH m AS (SELECT metrics -> 'come_back' AS cb FROM insight_models WHERE task = 'clv' AND status = 'active')
SELECT lang,
       pg_temp.n(pg_temp.fig(html, 'clv-come-back'), '<g class="category">') AS bands,
       pg_temp.n(pg_temp.fig(html, 'clv-come-back'), 'class="mark"') AS bars,
       pg_temp.fig(html, 'clv-come-back') ~ ('<tr><td>[^<]*</td><td>' || to_char((cb -> 3 ->> 'customers')::int, 'FM9,999')
           || '</td><td>' || to_char(round(100 * (cb -> 3 ->> 'actual_share')::numeric, 1), 'FM990.0')
           || '%</td><td>' || to_char(round(100 * (cb -> 3 ->> 'expected_share')::numeric, 1), 'FM990.0') || '%</td>') AS last_band_shown,
       strpos(pg_temp.fig(html, 'clv-come-back'), insight_html(insight_report_msg(lang, 'clv.comeback.no_dropout'))) > 0 AS verdict_shown,
       insight_report() LIKE '%shows no dropout for P(alive) to measure%' AS text_report_agrees
  FROM rep, m ORDER BY lang;

-- the recommender summary names the test customers and the test window each in its place
WITH m AS (SELECT metrics AS x FROM insight_models WHERE task = 'recommender' AND status = 'active')
SELECT strpos(html, 'scored on the ' || to_char((x ->> 'test_customers')::int, 'FM9,999') || ' customers who bought in the next '
              || insight_report_interval((x ->> 'holdout')::interval, 'en') || ' (top 10') > 0 AS recommender_summary_in_order
  FROM rep, m WHERE lang = 'en';

-- every chart has a reading and a table with a row per mark (bars: one row per category)
SELECT lang, count(*) AS charts,
       count(*) FILTER (WHERE fig ~ '<p class="reading">[^<]{10,}</p>') AS with_reading,
       count(*) FILTER (WHERE fig ~ '<table>') AS with_table
  FROM rep, LATERAL (SELECT m[1] AS fig FROM regexp_matches(html, '(<figure class="chart-box".*?</figure>)', 'g') m) x
 GROUP BY lang ORDER BY lang;
SELECT lang, id, pg_temp.n(pg_temp.fig(html, id), '<g class="category">') AS categories,
       pg_temp.n(pg_temp.fig(html, id), '<tbody>.*') AS one_table,
       pg_temp.n(substring(pg_temp.fig(html, id) FROM '<tbody>.*'), '<tr>') AS table_rows
  FROM rep, unnest(ARRAY['data-revenue', 'churn-calibration', 'churn-distribution', 'clv-come-back', 'clv-deciles',
                         'clv-concentration', 'segments-rfm', 'recommender-items', 'value-deciles']) id
 WHERE pg_temp.n(pg_temp.fig(html, id), '<g class="category">')
       <> pg_temp.n(substring(pg_temp.fig(html, id) FROM '<tbody>.*'), '<tr>');

-- the Chinese report has no English sentence of the catalogue in it
SELECT count(*) AS english_in_zh, min(e.key) AS first_key
  FROM insight_report_messages e, rep
 WHERE e.lang = 'en' AND rep.lang = 'zh' AND e.key NOT LIKE 'algorithm.%' AND e.key NOT LIKE 'metric.%'
   AND e.key NOT IN ('html.lang', 'col.k', 'label.sep', 'series.btyd')
   AND EXISTS (SELECT FROM regexp_split_to_table(e.message, '%[0-9$]*s') p
                WHERE length(p) >= 12 AND strpos(rep.html, insight_html(p)) > 0);
-- and every key has both languages
SELECT count(*) AS keys, count(*) FILTER (WHERE n <> 2) AS without_both
  FROM (SELECT key, count(*) AS n FROM insight_report_messages GROUP BY key) k;

-- the counts of the page count customers with a purchase, as insight_customer_360 does
SELECT (SELECT html FROM rep WHERE lang = 'en') LIKE
       '%' || to_char((SELECT count(*) FROM insight_customer_360), 'FM9,999') || ' customers with a purchase%' AS same_as_360,
       (SELECT count(*) FROM insight_customer_360) AS customers_360,
       substring(insight_report() FROM '(\d+) customers with a purchase')::int = (SELECT count(*) FROM insight_customer_360) AS text_report_agrees;

-- what the sections share, computed once per report (insight_report_today), is what
-- the functions it stands for give: the latest line, the RFM segments, the retention
-- targets (the first ten and every probability) and the CLV scores (the section's
-- grid and deciles, from the CLV summary of the same pass), today and at an as_of
SELECT a.as_of IS NULL AS today,
       (t #>> '{data,last_at}')::timestamptz = (SELECT max(ordered_at) FROM insight_sales WHERE a.as_of IS NULL OR ordered_at < a.as_of) AS last_line,
       t #> '{rfm,segs}' = (SELECT to_jsonb(array_agg(segment ORDER BY customer_id)) FROM insight_rfm_scores(a.as_of)) AS rfm,
       (SELECT jsonb_agg(jsonb_build_array(e -> 0, e -> 1) ORDER BY i) FROM jsonb_array_elements(t #> '{targets,rows}') WITH ORDINALITY e(e, i))
         = (SELECT jsonb_agg(jsonb_build_array(customer_id, insight_report_num(churn_probability, 3, 'en')))
              FROM (SELECT * FROM insight_retention_targets_at(a.as_of) LIMIT 10) r) AS first_targets,
       (SELECT array_agg(p::float8 ORDER BY p::float8) FROM jsonb_array_elements_text(t #> '{targets,probabilities}') p)
         = (SELECT array_agg(churn_probability ORDER BY churn_probability) FROM insight_retention_targets_at(a.as_of)) AS probabilities,
       (SELECT jsonb_build_array(GREATEST(1, percentile_disc(0.95) WITHIN GROUP (ORDER BY frequency)), max("T")) FROM insight_clv_scores_at(a.as_of))
         = jsonb_build_array(t #> '{clv,f_max}', t #> '{clv,t_max}') AS clv_grid,
       (SELECT jsonb_agg(jsonb_build_array(d.decile, d.n, round(d.clv::numeric)) ORDER BY d.decile)
          FROM (SELECT decile, count(*) AS n, sum(clv_12m) AS clv
                  FROM (SELECT clv_12m, ntile(10) OVER (ORDER BY clv_12m DESC, customer_id) AS decile
                          FROM insight_clv_scores_at(a.as_of) WHERE clv_12m IS NOT NULL) x GROUP BY 1) d)
         = (SELECT jsonb_agg(jsonb_build_array((e ->> 0)::int, replace(e ->> 1, ',', '')::int, replace(e ->> 2, ',', '')::numeric) ORDER BY i)
              FROM jsonb_array_elements(t #> '{clv,rows}') WITH ORDINALITY e(e, i)) AS clv_deciles
  FROM (VALUES (NULL::timestamptz), ('2011-09-01')) a(as_of),
       LATERAL (SELECT insight_report_today(insight_report_context('en', a.as_of)) AS t) r;

-- the ROC curve: the closed form of four scores (scikit-learn roc_curve),
-- and the trapezoid area of the report's curve against the stored AUC
SELECT insight_report_roc(ARRAY[0.9, 0.8, 0.7, 0.6], ARRAY[true, false, true, false]) AS roc;
SELECT insight_report_roc(ARRAY[0.5, 0.5, 0.1], ARRAY[true, false, false]) AS roc_ties;
WITH m AS (SELECT * FROM insight_models WHERE task = 'churn' AND status = 'active'),
r AS (SELECT insight_report_roc(array_agg(insight_predict(m.evaluation_weights, t.features)), array_agg(t.churned), 100000) AS pts
        FROM m, insight_churn_training_rows((m.metrics ->> 'test_cutoff')::timestamptz, (m.params ->> 'horizon')::interval) t),
p AS (SELECT (e ->> 0)::float8 AS x, (e ->> 1)::float8 AS y, n FROM r, jsonb_array_elements(r.pts) WITH ORDINALITY u(e, n)),
a AS (SELECT sum((x - lag_x) * (y + lag_y) / 2) AS area
        FROM (SELECT x, y, lag(x) OVER (ORDER BY n) AS lag_x, lag(y) OVER (ORDER BY n) AS lag_y FROM p) q)
SELECT abs(a.area - (m.metrics ->> 'auc')::float8) < 1e-4 AS area_is_auc, round(a.area::numeric, 4) AS area
  FROM a, m;

-- insight.min_group_size: groups smaller than it are merged or suppressed, and the page says so
SET insight.min_group_size = 400;
SELECT insight_min_group_size();
CREATE TEMP TABLE rep400 AS SELECT insight_report_html('en') AS html;
SELECT pg_temp.n(pg_temp.fig(html, 'segments-rfm'), '<g class="category">')
         = (SELECT count(*) FILTER (WHERE n >= 400) + 1 FROM (SELECT segment, count(*) AS n FROM insight_rfm GROUP BY 1) s) AS big_segments_and_other,
       pg_temp.fig(html, 'segments-rfm') ~ '>other<' AS other_shown,
       html ~ 'groups of fewer than 400 customers are merged into &quot;other&quot;' AS merge_said,
       html ~ 'groups of fewer than 400 customers are not shown' AS suppression_said,
       pg_temp.n(pg_temp.fig(html, 'churn-distribution'), 'class="mark"') AS distribution_bars,
       pg_temp.n(pg_temp.fig(html, 'churn-distribution'), 'fewer than 400') > 0 AS small_bins_hidden
  FROM rep400;
-- no segment of the RFM table shows fewer than 400 customers
SELECT count(*) AS small_rows_shown
  FROM rep400, regexp_matches(substring(pg_temp.fig(html, 'segments-rfm') FROM '<tbody>.*'), '<tr><td>[^<]*</td><td>([0-9,]+)</td>', 'g') m
 WHERE replace(m[1], ',', '')::int < 400;
RESET insight.min_group_size;

-- customer keys: only in the retention targets, only for insight_admin
SELECT (SELECT customer_id::text FROM insight_retention_targets LIMIT 1) AS top_key \gset
SELECT pg_temp.n(html, '>' || :'top_key' || '<') AS top_key_shown,
       pg_temp.n(substring(html FROM '<div class="table-box" id="churn-targets">.*?</div>'), '>' || :'top_key' || '<') AS in_targets
  FROM rep WHERE lang = 'en';
CREATE ROLE report_reader IN ROLE insight_reader;
GRANT SELECT ON order_lines TO report_reader;
SET ROLE report_reader;
SET insight.min_group_size = 1;
SET client_min_messages = warning;
SELECT pg_temp.n(html, '>' || :'top_key' || '<') AS top_key_shown,
       substring(html FROM '<div class="table-box" id="churn-targets">.*?<tbody><tr><td>([^<]*)</td>') AS first_cell,
       html ~ 'Customer identifiers are shown to members of insight_admin only' AS said
  FROM (SELECT insight_report_html('en') AS html) r;
RESET client_min_messages;
RESET ROLE;
REVOKE SELECT ON order_lines FROM report_reader;
DROP ROLE report_reader;

-- a section whose task has no active model says how to train one
BEGIN;
UPDATE insight_models SET status = 'retired' WHERE task IN ('recommender', 'value') AND status = 'active';
SELECT zh ~ '尚未训练推荐模型：运行 SELECT insight_train_recommender\(\);' AS zh_says_not_trained,
       zh ~ '尚未训练价值模型：运行 SELECT insight_train_value\(\);' AS zh_value_not_trained,
       en ~ '<section id="value"><h2>[^<]*</h2><p class="not-trained">No value model is trained yet: run SELECT insight_train_value\(\); to add this section.</p></section>' AS en_value_not_trained,
       pg_temp.n(en, '<section id="') AS sections
  FROM (SELECT insight_report_html('zh') AS zh, insight_report_html('en') AS en) r;
ROLLBACK;

-- the churn section names the active model's algorithm (a gradient-boosted trees model here)
BEGIN;
SET LOCAL client_min_messages = error;
SELECT insight_activate(insight_train_churn(algorithm => 'gbdt')) IS NOT NULL AS gbdt_active;
SELECT substring(h FROM '<section id="churn"><h2>[^<]*</h2><p class="summary">Model [0-9]+ \(([^)]*)\)') AS en_algorithm,
       substring(insight_report_html('zh') FROM '<section id="churn"><h2>[^<]*</h2><p class="summary">模型 [0-9]+（([^）]*)）') AS zh_algorithm,
       pg_temp.n(pg_temp.fig(h, 'churn-roc'), '<path class="mark"') AS roc_curves,
       pg_temp.n(pg_temp.fig(h, 'churn-calibration'), '<g class="category">') AS calibration_deciles
  FROM (SELECT insight_report_html('en') AS h) r;
ROLLBACK;

-- the chart helpers refuse values of the wrong shape
SELECT insight_svg_bars(ARRAY['a', 'b'], ARRAY['s'], ARRAY[[1.0]], ARRAY['1']);
SELECT insight_svg_heatmap(ARRAY['a'], ARRAY['x', 'y'], ARRAY[[1.0, 2.0, 3.0]], ARRAY[['1', '2', '3']], 'x', 'y');

-- the value model trained above retired again, out of the way of the tests
-- after this one (66_value_task leaves no value model active)
\if :no_value_model
UPDATE insight_models SET status = 'retired' WHERE model_id = :value_model_id;
\endif
