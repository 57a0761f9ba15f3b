-- Issue 22, what the HTML report still missed (src/sql/tasks/*, copied here):
-- speed (the charts of the churn and CLV evaluations stored at training in
-- metrics.curves and metrics.holdout_curves,
-- the value model scored from the targets' own features, the text report
-- ranking the targets once), cluster labels true of their members in the
-- report, insight_customer_360 and insight_segment_summary (one labelling,
-- insight_cluster_profiles; k at the knee of the inertia curve), and a section
-- for the deep value model (its gain chart stored by insight_value_metrics).

-- tasks/segments.sql

-- The segments task's steps (see tasks/train.sql): no evaluation and no
-- comparison, since clusterings of different data have no common quality
-- measure: the newest one serves.
--@ function src/sql/tasks/segments.sql insight_segments_setup

--@ comment src/sql/tasks/segments.sql insight_segments_setup

-- The knee of a k-means inertia curve (Satopää, Albrecht, Irwin & Raghavan
-- 2011, "Finding a 'Kneedle' in a Haystack", for a decreasing convex curve):
-- with k and inertia scaled to 0..1 over the curve, the k where the drop in
-- inertia so far most exceeds the share of the k range used.  The silhouette
-- favours k = 2 on skewed data (a small cluster of big spenders against
-- everyone else), whose clusters are too broad for a label to hold.
--@ function src/sql/tasks/segments.sql insight_kmeans_knee

--@ comment src/sql/tasks/segments.sql insight_kmeans_knee

--@ function src/sql/tasks/segments.sql insight_segments_serve

--@ comment src/sql/tasks/segments.sql insight_segments_serve

--@ function src/sql/tasks/segments.sql insight_train_segments

--@ comment src/sql/tasks/segments.sql insight_train_segments

-- The clusters of the active segments model described by their members (not
-- their centroids): one labelling for the report, insight_customer_360 and
-- insight_segment_summary.  A customer is "recent" when their days since the
-- last purchase are below the median customer's, "frequent" / "high spend"
-- when their orders / total spend are above it; a cluster is labelled so when
-- at least three quarters of its members are (the other side when at most a
-- quarter are), "mixed" otherwise (insight_report_cluster_label).  So the
-- median member is on the labelled side of the median customer.
--@ function src/sql/tasks/segments.sql insight_cluster_profiles

--@ comment src/sql/tasks/segments.sql insight_cluster_profiles

-- The segments concern of insight_customer_360 (see insight_churn_views_sql).
--@ function src/sql/tasks/segments.sql insight_customer_360_segments

--@ comment src/sql/tasks/segments.sql insight_customer_360_segments

-- tasks/segment_summary.sql

--@ function src/sql/tasks/segment_summary.sql insight_segment_profiles

--@ comment src/sql/tasks/segment_summary.sql insight_segment_profiles

COMMENT ON VIEW @extschema@.insight_segment_summary IS
'Segment profiles over the whole history, for BI tools: per RFM segment (kind = ''rfm'') and per cluster of the active segments model (kind = ''cluster'', with a label true of its members such as ''lapsed, infrequent, low spend'', insight_cluster_profiles): customers, share of customers, mean recency (days since the last purchase), mean frequency (orders), mean monetary (total spend), revenue (total spend) and share of revenue, mean churn probability and total 12-month CLV (NULL without an active churn / CLV model). See insight_segment_profiles(as_of) for another cut-off.';

COMMENT ON COLUMN @extschema@.insight_segment_summary.segment IS 'RFM segment name (kind rfm), or the cluster''s label from its members (insight_cluster_profiles: what holds for at least three quarters of them against the median customer; kind cluster).';

-- tasks/churn.sql

-- The charts of an out-of-time churn evaluation, computed once by the
-- evaluate step and stored in metrics.curves (insight_report_html draws them):
-- ROC of the model and of recency alone, churners by decile of risk (gain)
-- and predicted against observed churn by decile of probability
-- (calibration).  ps, ys and rs pair up by position, in customer order.
--@ function src/sql/tasks/churn.sql insight_churn_curves

--@ comment src/sql/tasks/churn.sql insight_churn_curves

--@ function src/sql/tasks/churn.sql insight_churn_evaluate

--@ comment src/sql/tasks/churn.sql insight_churn_evaluate

-- Expected value: with an active CLV model, the customer's CLV over 12
-- months (insight_customer_360_clv, defined with the CLV functions in
-- tasks/clv.sql: an extension script runs with check_function_bodies off,
-- so a body may name a function of a later part); without one, monetary (mean order value)
-- x orders expected in the horizon at the customer's past rate, orders /
-- max(tenure, horizon) (so a new customer's rate is not inflated).  Value at
-- risk = churn probability x expected value.
--@ function src/sql/tasks/churn.sql insight_retention_targets_at

--@ comment src/sql/tasks/churn.sql insight_retention_targets_at

--@ function src/sql/tasks/churn.sql insight_comment_churn_views

--@ comment src/sql/tasks/churn.sql insight_comment_churn_views

-- tasks/clv.sql

--@ function src/sql/tasks/clv.sql insight_clv_prepare

--@ comment src/sql/tasks/clv.sql insight_clv_prepare

-- The charts of a CLV holdout evaluation, computed once by the evaluate step
-- and stored in metrics.holdout_curves (insight_report_html draws them): the
-- calibration by frequency before the holdout (lifetimes'
-- plot_calibration_purchases_vs_holdout_purchases) for every top bucket
-- 1+ .. 7+, and the value gain and decile charts of google/lifetime_value
-- (predicted holdout revenue = expected purchases x the expected spend of a
-- Gamma-Gamma fitted on the calibration period).  The arrays pair up by
-- position: one element per customer of the calibration summary.
--@ function src/sql/tasks/clv.sql insight_clv_holdout_curves

--@ comment src/sql/tasks/clv.sql insight_clv_holdout_curves

--@ function src/sql/tasks/clv.sql insight_clv_evaluate

--@ comment src/sql/tasks/clv.sql insight_clv_evaluate

-- tasks/value.sql

--@ function src/sql/tasks/value.sql insight_value_metrics

--@ comment src/sql/tasks/value.sql insight_value_metrics

-- tasks/report.sql

--@ function src/sql/tasks/report.sql insight_report

--@ comment src/sql/tasks/report.sql insight_report

-- tasks/report_html.sql

--@ function src/sql/tasks/report_html.sql insight_report_html_churn

--@ comment src/sql/tasks/report_html.sql insight_report_html_churn

--@ function src/sql/tasks/report_html.sql insight_report_html_clv

--@ comment src/sql/tasks/report_html.sql insight_report_html_clv

--@ function src/sql/tasks/report_html.sql insight_report_html_value

--@ comment src/sql/tasks/report_html.sql insight_report_html_value

--@ function src/sql/tasks/report_html.sql insight_report_html_segments

--@ comment src/sql/tasks/report_html.sql insight_report_html_segments

-- Tasks the report has no section of: their active model, or that there is none.
--@ function src/sql/tasks/report_html.sql insight_report_html_other

--@ comment src/sql/tasks/report_html.sql insight_report_html_other

--@ function src/sql/tasks/report_html.sql insight_report_html

--@ comment src/sql/tasks/report_html.sql insight_report_html

-- tasks/report_html_parts.sql: the messages added or changed
INSERT INTO @extschema@.insight_report_messages (key, lang, message)
SELECT v.key, l.lang, CASE l.lang WHEN 'en' THEN v.en ELSE v.zh END
  FROM (VALUES
    ('churn.summary', 'Model %s (%s) gives the probability that a customer buys nothing in the next %s. Measured out of time: fitted on %s customers at %s, tested on the %s customers with a purchase before %s, of whom %s churned. AUC %s against %s for the days since the last purchase alone.', '模型 %1$s（%2$s）给出客户在未来 %3$s 内不再购买的概率。跨时间评估：在 %4$s 位客户上于 %5$s 拟合，在 %7$s 之前有购买的 %6$s 位客户上测试，其中 %8$s 流失。AUC 为 %9$s，仅用距上次购买天数时为 %10$s。'),
    ('value.title', 'Customer value: deep model', '客户价值：深度模型'),
    ('value.task', 'value', '价值'),
    ('value.summary', 'Model %s (%s, hidden layers %s, zero-inflated lognormal loss) predicts what each customer spends in the next %s. Measured out of time: fitted on %s customers at %s, tested on the %s customers with a purchase before %s against their spend in the %s after.', '模型 %1$s（%2$s，隐藏层 %3$s，零膨胀对数正态损失）预测每位客户未来 %4$s 的消费额。跨时间评估：在 %5$s 位客户上于 %6$s 拟合，在 %8$s 之前有购买的 %7$s 位客户上测试，对比其之后 %9$s 内的实际消费。'),
    ('value.metrics.title', 'Out-of-time metrics against BG/NBD x Gamma-Gamma and the past rate continued', '跨时间评估指标：与 BG/NBD x Gamma-Gamma 及按过去频率延续对比'),
    ('value.metrics.reading', 'Normalized Gini %s for the model against %s for the past rate continued (1 = customers in the best possible order); total error = predicted total against the actual total of the test window.', '模型的归一化基尼系数为 %s，按过去频率延续为 %s（1 表示客户排序完全正确）；总误差为测试期预测总额相对实际总额的偏差。'),
    ('value.gain.title', 'Spend gain: share of the test window''s spend from the customers predicted to spend most', '消费增益：预测消费最高的客户贡献的测试期消费占比'),
    ('value.gain.reading', 'The 20%% of customers the model ranks highest spent %s of the test window''s total (%s in the best possible order).', '模型排名前 20%% 的客户贡献了测试期总消费的 %s（理想排序为 %s）。'),
    ('value.gain.missing', 'This model was trained before its gain chart was stored: train it again (SELECT insight_train_value();) to draw it.', '该模型训练时尚未保存增益图：重新训练（SELECT insight_train_value();）即可绘制。'),
    ('value.decile.title', 'Predicted and actual spend per customer in the test window, by decile of predicted spend (lowest first)', '测试期按预测消费十分位（从低到高）的人均预测与实际消费'),
    ('value.decile.reading', 'The top decile is predicted %s per customer and spent %s; the bottom decile %s and %s.', '最高十分位预测人均 %s，实际人均消费 %s；最低十分位分别为 %s 和 %s。'),
    ('series.value_model', 'this model (ZILN MLP)', '本模型（ZILN 多层感知机）'),
    ('series.btyd', 'BG/NBD x Gamma-Gamma', 'BG/NBD x Gamma-Gamma'),
    ('series.past_rate', 'past rate continued', '按过去频率延续'),
    ('col.predictor', 'predictor', '预测方法'),
    ('col.normalized_gini', 'normalized Gini', '归一化基尼系数'),
    ('col.spearman', 'Spearman', 'Spearman 相关系数'),
    ('col.decile_mape', 'decile MAPE', '十分位 MAPE'),
    ('col.total_error', 'total error', '总误差'),
    ('axis.spend_reached', 'spend of the test window reached', '覆盖的测试期消费'),
    ('axis.customers_by_spend', 'customers, highest predicted spend first', '客户（按预测消费从高到低）'),
    ('segments.k.chosen', 'chosen at the knee of the inertia curve among k = 2 to 10 (Kneedle; silhouette %s)', '在 k = 2 到 10 中按惯性曲线的拐点选出（Kneedle 方法；轮廓系数 %s）'),
    ('segments.kcurve.reading', 'The silhouette is highest at k = %s (%s), but it favours few, broad clusters on skewed data; k = %s is at the knee of the inertia curve.', '轮廓系数在 k = %s 时最高（%s），但在偏态数据上它偏向少而宽泛的聚类；k = %s 位于惯性曲线的拐点。'),
    ('algorithm.logreg', 'logistic regression', '逻辑回归'),
    ('algorithm.gbdt', 'gradient-boosted trees', '梯度提升树'),
    ('algorithm.mlp', 'multilayer perceptron', '多层感知机')
  ) v(key, en, zh)
 CROSS JOIN (VALUES ('en'), ('zh')) l(lang)
ON CONFLICT (key, lang) DO UPDATE SET message = EXCLUDED.message;
