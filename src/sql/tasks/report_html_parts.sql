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

CREATE FUNCTION @extschema@.insight_min_group_size()
RETURNS integer
AS 'MODULE_PATHNAME', 'insight_min_group_size_value'
LANGUAGE C STABLE PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@.insight_min_group_size() IS
'The value of insight.min_group_size (default 10, 1 to 1000000, set by a superuser: ALTER ROLE / ALTER DATABASE ... SET): no group of customers smaller than this is shown with its own figures by insight_report_html(); such groups are merged into "other" or suppressed, and the page says so. Calling it loads the library, which defines the parameter.';

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

INSERT INTO @extschema@.insight_report_messages (key, lang, message)
SELECT v.key, l.lang, CASE l.lang WHEN 'en' THEN v.en ELSE v.zh END
  FROM (VALUES
    ('html.lang', 'en', 'zh-Hans'),
    ('title', 'insight report', 'insight 客户洞察报告'),
    ('subtitle', 'Data up to %s (UTC). Groups of fewer than %s customers are not shown with their own figures.',
                 '数据截至 %s（UTC）。少于 %s 位客户的群组不单独显示其数字。'),
    ('na', 'n/a', '无'),
    ('other', 'other', '其他'),
    ('suppressed', 'fewer than %s', '少于 %s'),
    ('numbers', 'The numbers behind the chart', '图表数据'),
    ('privacy.merged', '%s groups of fewer than %s customers are merged into "other".', '%s 个少于 %s 位客户的群组已合并为“其他”。'),
    ('privacy.suppressed', '%s groups of fewer than %s customers are not shown.', '%s 个少于 %s 位客户的群组未显示。'),
    ('privacy.none', 'Every group shown has at least %s customers.', '显示的每个群组至少有 %s 位客户。'),
    ('not_trained', 'No %s model is trained yet: run SELECT %s; to add this section.', '尚未训练%s模型：运行 SELECT %s; 即可生成本节。'),
    ('toc', 'Contents', '目录'),
    ('unit.days', '%s days', '%s 天'),
    -- data covered
    ('data.title', 'Data covered', '数据范围'),
    ('data.summary', '%s kept order lines (purchases and returns) in %s orders, from %s to %s; %s customers with a purchase (every customer count in this report counts those), and %s more with returns only; revenue %s (purchases, before returns).',
                     '保留订单行 %s 条（含购买与退货），共 %s 个订单，时间从 %s 到 %s；有购买的客户 %s 位（本报告中所有客户数均按此口径统计），另有 %s 位只有退货；收入 %s（仅购买，未扣除退货）。'),
    ('data.revenue.title', 'Revenue by month', '月度收入'),
    ('data.revenue.reading', 'The best month is %s with %s; the data run from %s to %s, so a month at either end may be partial.', '收入最高的月份是 %s（%s）；数据从 %s 到 %s，首尾月份可能不完整。'),
    ('data.active.title', 'Customers with a purchase, by month', '每月有购买的客户数'),
    ('data.active.reading', 'Between %s and %s customers buy in a month; the most in %s.', '每月有 %s 到 %s 位客户购买；最多的是 %s。'),
    ('data.cohort.title', 'Cohort retention: share of each month''s new customers who buy again N months later', '客户群留存：各月新客户在 N 个月后再次购买的比例'),
    ('data.cohort.reading', 'On average %s of new customers buy again in their second month; cells of fewer than %s customers are left blank.', '新客户在第二个月再次购买的平均比例为 %s；少于 %s 位客户的单元格留空。'),
    ('col.month', 'month', '月份'),
    ('col.revenue', 'revenue', '收入'),
    ('col.customers', 'customers with a purchase', '有购买的客户'),
    ('col.cohort', 'first purchase', '首次购买月份'),
    ('col.cohort_size', 'new customers', '新客户数'),
    ('col.months_since', 'months since the first purchase', '距首次购买的月数'),
    -- churn
    ('churn.title', 'Churn', '流失'),
    ('churn.task', 'churn', '流失'),
    ('churn.summary', 'Model %s (%s) gives the probability that a customer buys nothing in the next %s. Measured out of time: fitted on %s customers at %s, tested on the %s customers with a purchase before %s, of whom %s churned. AUC %s against %s for the days since the last purchase alone.',
                      '模型 %1$s（%2$s）给出客户在未来 %3$s 内不再购买的概率。跨时间评估：在 %4$s 位客户上于 %5$s 拟合，在 %7$s 之前有购买的 %6$s 位客户上测试，其中 %8$s 流失。AUC 为 %9$s，仅用距上次购买天数时为 %10$s。'),
    ('churn.roc.title', 'ROC curve, out of time', 'ROC 曲线（跨时间评估）'),
    ('churn.roc.reading', 'The model (AUC %s) ranks churners above stayers more often than the days since the last purchase alone (AUC %s).', '模型（AUC %s）比仅用距上次购买天数（AUC %s）更能把流失客户排在留存客户之前。'),
    ('churn.gain.title', 'Cumulative gain: churners found by contacting the riskiest customers first', '累积增益：优先联系风险最高的客户可找到的流失客户'),
    ('churn.gain.reading', 'Contacting the riskiest 30%% of customers reaches %s of those who churned (lift %s).', '联系风险最高的 30%% 客户可覆盖 %s 的流失客户（提升度 %s）。'),
    ('churn.calibration.title', 'Calibration: predicted and observed churn by decile of predicted probability', '校准：按预测概率十分位的预测与实际流失率'),
    ('churn.calibration.reading', 'Across the ten deciles the predicted churn rate is off the observed one by %s on average.', '十个分位上预测流失率与实际流失率的平均偏差为 %s。'),
    ('churn.distribution.title', 'Churn probability of today''s customers', '当前客户的流失概率分布'),
    ('churn.distribution.reading', '%s of the %s customers have a churn probability of 0.5 or more.', '%2$s 位客户中有 %1$s 的流失概率不低于 0.5。'),
    ('churn.targets.title', 'Customers to retain first', '优先挽留的客户'),
    ('churn.targets.reading', 'Ranked by value at risk = churn probability x expected value (%s); the reasons are the features that raise the score most.', '按风险价值 = 流失概率 x 预期价值（%s）排序；原因为最推高流失分数的特征。'),
    ('churn.targets.hidden', 'Customer identifiers are shown to members of insight_admin only; you see ranks.', '客户编号仅对 insight_admin 成员显示；此处显示排名。'),
    ('churn.value.clv', 'the 12-month CLV', '12 个月客户终身价值'),
    ('churn.value.past', 'mean order value x orders expected at the past rate', '平均订单金额 x 按过去频率预期的订单数'),
    ('churn.value.model', 'the spend the value model expects in its horizon', '价值模型预测的下一周期消费额'),
    ('series.model', 'model', '模型'),
    ('series.recency', 'days since last purchase', '距上次购买天数'),
    ('series.random', 'random', '随机'),
    ('series.perfect', 'perfect order', '理想排序'),
    ('series.predicted', 'predicted', '预测'),
    ('series.observed', 'observed', '实际'),
    ('axis.fpr', 'stayers flagged (false positive rate)', '被误判的留存客户（假阳性率）'),
    ('axis.tpr', 'churners found (true positive rate)', '找到的流失客户（真阳性率）'),
    ('axis.contacted', 'customers contacted, riskiest first', '按风险从高到低联系的客户'),
    ('axis.captured', 'churners reached', '覆盖的流失客户'),
    ('col.threshold_group', 'score group', '分数组'),
    ('col.decile', 'decile', '十分位'),
    ('col.predicted', 'predicted', '预测'),
    ('col.observed', 'observed', '实际'),
    ('col.churn_probability', 'churn probability', '流失概率'),
    ('col.rank', 'rank', '排名'),
    ('col.customer', 'customer', '客户'),
    ('col.value_at_risk', 'value at risk', '风险价值'),
    ('col.reasons', 'reasons', '原因'),
    ('col.days_since', 'days since last purchase', '距上次购买天数'),
    ('col.orders', 'orders', '订单数'),
    ('col.share_customers', 'share of customers', '客户占比'),
    ('col.share_churners', 'share of churners reached', '覆盖流失客户占比'),
    ('col.lift', 'lift', '提升度'),
    ('col.fpr', 'false positive rate', '假阳性率'),
    ('col.tpr', 'true positive rate', '真阳性率'),
    ('col.series', 'curve', '曲线'),
    ('col.range', 'probability', '概率区间'),
    ('feature.recency_days', 'days since last purchase', '距上次购买天数'),
    ('feature.frequency', 'purchase days', '购买天数'),
    ('feature.monetary', 'mean order value', '平均订单金额'),
    ('feature.tenure_days', 'days since first purchase', '距首次购买天数'),
    ('feature.orders', 'orders', '订单数'),
    ('feature.items', 'units bought', '购买件数'),
    ('feature.total_spend', 'total spend', '总消费'),
    ('feature.spend_90d', 'spend in the last 90 days', '近 90 天消费'),
    ('feature.spend_trend', 'spend trend', '消费趋势'),
    ('feature.mean_days_between_orders', 'mean days between orders', '平均下单间隔天数'),
    ('feature.sd_days_between_orders', 'irregular gaps between orders', '下单间隔不规律'),
    ('feature.distinct_items', 'distinct items', '不同商品数'),
    ('feature.return_rate', 'return rate', '退货率'),
    -- value
    ('clv.title', 'Customer value', '客户价值'),
    ('clv.task', 'CLV', '客户终身价值'),
    ('clv.summary', 'Model %s (%s, time unit %s) with the Gamma-Gamma spend model %s. Tested on the %s after %s: %s customers, predicted %s repeat purchase days against %s actual (MAE %s, against %s for the past rate continued).',
                    '模型 %1$s（%2$s，时间单位 %3$s），消费模型 %4$s（Gamma-Gamma）。在 %6$s 之后的 %5$s 内测试：%7$s 位客户，预测重复购买天数 %8$s，实际 %9$s（MAE %10$s，按过去频率延续为 %11$s）。'),
    ('clv.fr.title', 'Expected purchase days in the next 90 days, by frequency and recency', '按频率与最近购买时间划分的未来 90 天预期购买天数'),
    ('clv.fr.reading', 'A customer who bought often and recently (top right) is expected to buy on %s days in the next 90 days; one who bought often but long ago, on %s.', '购买频繁且最近购买的客户（右上）预计未来 90 天有 %s 天购买；购买频繁但很久未购买的客户为 %s 天。'),
    ('clv.alive.title', 'Probability of being alive, by frequency and recency', '按频率与最近购买时间划分的存活概率'),
    ('clv.alive.reading', 'A customer with %s repeat purchase days whose last one was long ago is alive with probability %s.', '有 %s 个重复购买日但很久未购买的客户，存活概率为 %s。'),
    ('clv.holdout.title', 'Calibration against the holdout: repeat purchase days by frequency before the holdout', '留出期校准：按留出期前购买频率的重复购买天数'),
    ('clv.holdout.reading', 'Over all customers the model predicts %s repeat purchase days in the holdout where %s happened (%s).', '整体上模型预测留出期内 %s 个重复购买日，实际为 %s（%s）。'),
    ('clv.gain.title', 'Value gain: share of holdout revenue from the customers predicted most valuable', '价值增益：预测价值最高的客户贡献的留出期收入占比'),
    ('clv.gain.reading', 'The 20%% of customers the model ranks highest brought %s of the holdout revenue (%s in the best possible order).', '模型排名前 20%% 的客户贡献了留出期收入的 %s（理想排序为 %s）。'),
    ('clv.decile.title', 'Predicted and actual holdout revenue per customer, by decile of predicted value', '按预测价值十分位的人均预测与实际留出期收入'),
    ('clv.decile.reading', 'The top decile is predicted %s per customer and spent %s.', '最高十分位预测人均 %s，实际人均消费 %s。'),
    ('clv.concentration.title', 'Value concentration: share of the 12-month CLV by decile of customers', '价值集中度：各十分位客户的 12 个月 CLV 占比'),
    ('clv.concentration.reading', 'The most valuable 10%% of customers hold %s of the expected 12-month value.', '价值最高的 10%% 客户占预期 12 个月价值的 %s。'),
    ('axis.frequency', 'repeat purchase days (frequency)', '重复购买天数（频率）'),
    ('axis.recency', 'age at last purchase (recency, weeks)', '最后一次购买时的客户年龄（最近度，周）'),
    ('axis.frequency_cal', 'repeat purchase days before the holdout', '留出期前的重复购买天数'),
    ('axis.purchases_holdout', 'mean repeat purchase days in the holdout', '留出期内平均重复购买天数'),
    ('axis.revenue_captured', 'holdout revenue reached', '覆盖的留出期收入'),
    ('axis.customers_ranked', 'customers, most valuable first', '客户（按价值从高到低）'),
    ('col.frequency', 'frequency', '频率'),
    ('col.clv_share', 'share of 12-month CLV', '12 个月 CLV 占比'),
    ('col.clv', '12-month CLV', '12 个月 CLV'),
    ('col.actual', 'actual', '实际'),
    ('col.share_revenue', 'share of holdout revenue', '留出期收入占比'),
    -- the value model (deep)
    ('value.title', 'Customer value: deep model', '客户价值：深度模型'),
    ('value.task', 'value', '价值'),
    ('value.summary', 'Model %s (%s, hidden layers %s, zero-inflated lognormal loss) predicts what each customer spends in the next %s. Measured out of time: fitted on %s customers at %s, tested on the %s customers with a purchase before %s against their spend in the %s after.',
                      '模型 %1$s（%2$s，隐藏层 %3$s，零膨胀对数正态损失）预测每位客户未来 %4$s 的消费额。跨时间评估：在 %5$s 位客户上于 %6$s 拟合，在 %8$s 之前有购买的 %7$s 位客户上测试，对比其之后 %9$s 内的实际消费。'),
    ('value.metrics.title', 'Out-of-time metrics against BG/NBD x Gamma-Gamma and the past rate continued', '跨时间评估指标：与 BG/NBD x Gamma-Gamma 及按过去频率延续对比'),
    ('value.metrics.reading', 'Normalized Gini %s for the model against %s for the past rate continued (1 = customers in the best possible order); total error = predicted total against the actual total of the test window.',
                              '模型的归一化基尼系数为 %s，按过去频率延续为 %s（1 表示客户排序完全正确）；总误差为测试期预测总额相对实际总额的偏差。'),
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
    -- segments
    ('segments.title', 'Segments', '客户分群'),
    ('segments.task', 'segments', '分群'),
    ('segments.rfm.title', 'RFM segments: share of customers and of revenue', 'RFM 分群：客户与收入占比'),
    ('segments.rfm.reading', '%s holds %s of the customers and %s of the revenue.', '%s 占客户的 %s，占收入的 %s。'),
    ('segments.clusters.title', 'k-means clusters: customers', 'k-means 聚类：客户数'),
    ('segments.clusters.reading', 'k = %s, %s. A label says what holds for at least three quarters of the cluster''s members, compared with the median customer; "mixed" where it does not.',
                                  'k = %s，%s。标签描述的是该群至少四分之三成员相对中位客户成立的特征；不成立时标为“混合”。'),
    ('segments.k.chosen', 'chosen at the knee of the inertia curve among k = 2 to 10 (Kneedle; silhouette %s)', '在 k = 2 到 10 中按惯性曲线的拐点选出（Kneedle 方法；轮廓系数 %s）'),
    ('segments.k.given', 'given by the caller of insight_train_segments (silhouette %s)', '由 insight_train_segments 的调用者指定（轮廓系数 %s）'),
    ('segments.kcurve.title', 'Silhouette by k', '不同 k 的轮廓系数'),
    ('segments.kcurve.reading', 'The silhouette is highest at k = %s (%s), but it favours few, broad clusters on skewed data; k = %s is at the knee of the inertia curve.', '轮廓系数在 k = %s 时最高（%s），但在偏态数据上它偏向少而宽泛的聚类；k = %s 位于惯性曲线的拐点。'),
    ('col.segment', 'segment', '分群'),
    ('col.cluster', 'cluster', '聚类'),
    ('col.label', 'label (members)', '标签（成员）'),
    ('col.share_revenue_all', 'share of revenue', '收入占比'),
    ('col.recency_q', 'days since last purchase (quartiles)', '距上次购买天数（四分位）'),
    ('col.orders_q', 'orders (quartiles)', '订单数（四分位）'),
    ('col.spend_q', 'total spend (quartiles)', '总消费（四分位）'),
    ('col.k', 'k', 'k'),
    ('col.silhouette', 'silhouette', '轮廓系数'),
    ('label.recent', 'recent', '近期购买'),
    ('label.lapsed', 'lapsed', '久未购买'),
    ('label.mixed_recency', 'mixed recency', '最近度混合'),
    ('label.frequent', 'frequent', '高频'),
    ('label.infrequent', 'infrequent', '低频'),
    ('label.mixed_frequency', 'mixed frequency', '频率混合'),
    ('label.high_spend', 'high spend', '高消费'),
    ('label.low_spend', 'low spend', '低消费'),
    ('label.mixed_spend', 'mixed spend', '消费混合'),
    ('label.sep', ', ', '，'),
    ('rfm.Champions', 'Champions', '冠军客户'),
    ('rfm.Loyal', 'Loyal', '忠诚客户'),
    ('rfm.Potential loyalist', 'Potential loyalist', '潜在忠诚客户'),
    ('rfm.New customers', 'New customers', '新客户'),
    ('rfm.Promising', 'Promising', '有潜力客户'),
    ('rfm.Need attention', 'Need attention', '需要关注'),
    ('rfm.About to sleep', 'About to sleep', '即将沉睡'),
    ('rfm.At risk', 'At risk', '有流失风险'),
    ('rfm.Cannot lose them', 'Cannot lose them', '不能失去'),
    ('rfm.Hibernating', 'Hibernating', '休眠客户'),
    ('rfm.Lost', 'Lost', '已流失'),
    -- recommendations
    ('recommender.title', 'Recommendations', '商品推荐'),
    ('recommender.task', 'recommender', '推荐'),
    ('recommender.summary', 'Model %s (%s), fitted on purchases before %s and scored on the %s customers who bought in the next %s (top 10 recommendations each).',
                            '模型 %s（%s），用 %s 之前的购买拟合，在之后 %s 内有购买的 %s 位客户上评估（每人推荐 10 件）。'),
    ('recommender.metrics.title', 'Offline metrics at 10 against popularity and the other algorithms', '前 10 推荐的离线指标：与热门推荐及其他算法对比'),
    ('recommender.metrics.reading', '%s finds at least one item the customer went on to buy for %s of customers, popularity for %s.', '%s 为 %s 的客户推荐到至少一件其后购买的商品，热门推荐为 %s。'),
    ('recommender.items.title', 'Top items: customers who bought them in the last 90 days', '热门商品：近 90 天购买的客户数'),
    ('recommender.items.reading', '%s was bought by the most customers (%s).', '购买客户最多的商品是 %s（%s 位）。'),
    ('metric.hit_rate_at_10', 'hit rate', '命中率'),
    ('metric.precision_at_10', 'precision', '精确率'),
    ('metric.recall_at_10', 'recall', '召回率'),
    ('metric.ndcg_at_10', 'NDCG', 'NDCG'),
    ('metric.map_at_10', 'MAP', 'MAP'),
    ('metric.coverage_at_10', 'catalogue coverage', '商品覆盖率'),
    ('col.metric', 'metric', '指标'),
    ('col.item', 'item', '商品'),
    ('col.buyers', 'customers who bought it', '购买客户数'),
    ('algorithm.popularity', 'popularity', '热门推荐'),
    ('algorithm.logreg', 'logistic regression', '逻辑回归'),
    ('algorithm.gbdt', 'gradient-boosted trees', '梯度提升树'),
    ('algorithm.mlp', 'multilayer perceptron', '多层感知机'),
    ('algorithm.als', 'implicit ALS', '隐式 ALS'),
    ('algorithm.itemknn', 'item-kNN', '物品近邻'),
    ('algorithm.sasrec', 'SASRec', 'SASRec'),
    ('algorithm.pnbd', 'Pareto/NBD', 'Pareto/NBD'),
    ('algorithm.bgnbd', 'BG/NBD', 'BG/NBD'),
    ('algorithm.mbgnbd', 'MBG/NBD', 'MBG/NBD'),
    -- other tasks
    ('other.title', 'Other models', '其他模型'),
    ('other.active', 'Task %s: model %s (%s), trained on data up to %s.', '任务 %s：模型 %s（%s），训练数据截至 %s。'),
    ('other.none', 'Task %s: no model is active yet.', '任务 %s：尚无已启用的模型。'),
    ('other.empty', 'No other task is registered.', '没有其他已注册的任务。')
  ) v(key, en, zh)
 CROSS JOIN (VALUES ('en'), ('zh')) l(lang);

-- The language of a report: 'en' or 'zh'; anything else is an error.
CREATE FUNCTION @extschema@.insight_report_lang(lang text)
RETURNS text
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF lang IS NULL OR NOT lang = ANY (ARRAY['en', 'zh']) THEN
        RAISE EXCEPTION 'unknown report language "%"', lang
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = 'insight_report_html speaks en (English) and zh (Simplified Chinese).',
                  HINT = 'Pass lang => ''en'' or lang => ''zh''.';
    END IF;
    RETURN lang;
END
$$;

COMMENT ON FUNCTION @extschema@.insight_report_lang(text) IS
'Validates a report language: returns ''en'' or ''zh''; anything else (NULL too) is an error (22023).';

CREATE FUNCTION @extschema@.insight_report_msg(lang text, key text, VARIADIC args text[] DEFAULT '{}')
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

COMMENT ON FUNCTION @extschema@.insight_report_msg(text, text, text[]) IS
'A message of insight_report_messages in a language, its %s filled with args (format()). A key without a row in that language is an error (42704).';

-- Several messages without arguments (the headers of a table, the series of a chart).
CREATE FUNCTION @extschema@.insight_report_msgs(lang text, keys text[])
RETURNS text[]
LANGUAGE sql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$ SELECT pg_catalog.array_agg(@extschema@.insight_report_msg(lang, k.key) ORDER BY k.n)
        FROM pg_catalog.unnest(keys) WITH ORDINALITY k(key, n) $$;

COMMENT ON FUNCTION @extschema@.insight_report_msgs(text, text[]) IS
'The messages of keys in a language, in the order of keys (insight_report_msg without arguments); NULL for no keys.';

CREATE FUNCTION @extschema@.insight_html(t text)
RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$ SELECT pg_catalog.replace(pg_catalog.replace(pg_catalog.replace(pg_catalog.replace(
             pg_catalog.replace(t, '&', '&amp;'), '<', '&lt;'), '>', '&gt;'), '"', '&quot;'), '''', '&#39;') $$;

COMMENT ON FUNCTION @extschema@.insight_html(text) IS
'Text escaped for HTML and SVG (& < > " '').';

-- Numbers: grouped thousands, fixed decimals; NULL as the language's n/a.
CREATE FUNCTION @extschema@.insight_report_num(v float8, digits integer, lang text)
RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
SELECT CASE WHEN v IS NULL OR v <> v OR pg_catalog.abs(v) = 'Infinity'::pg_catalog.float8
            THEN @extschema@.insight_report_msg(lang, 'na')
            WHEN lang = 'zh' AND pg_catalog.abs(v) >= 1e6
            -- Chinese groups large numbers by ten thousands (万)
            THEN pg_catalog.to_char(pg_catalog.round((v / 1e4)::numeric, 1), 'FM999,999,999,990.0') || '万'
            ELSE pg_catalog.to_char(pg_catalog.round(v::numeric, LEAST(GREATEST(digits, 0), 12)),
                     'FM999,999,999,999,999,999,990' ||
                     CASE WHEN digits > 0 THEN '.' || pg_catalog.repeat('0', LEAST(digits, 12)) ELSE '' END)
       END
$$;

COMMENT ON FUNCTION @extschema@.insight_report_num(float8, integer, text) IS
'A number for insight_report_html in a language: rounded to digits decimals (0 to 12) with thousands separators (1,234.5); in zh, values of a million or more in units of 万 (ten thousand: 832.6万). NULL, NaN and infinities as the language''s n/a.';

CREATE FUNCTION @extschema@.insight_report_pct(v float8, lang text, digits integer DEFAULT 1)
RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$ SELECT CASE WHEN v IS NULL THEN @extschema@.insight_report_msg(lang, 'na')
                  ELSE @extschema@.insight_report_num(100 * v, digits, lang) || '%' END $$;

COMMENT ON FUNCTION @extschema@.insight_report_pct(float8, text, integer) IS
'A share (0..1) as a percentage for insight_report_html (0.4302 -> 43.0%); NULL as n/a.';

CREATE FUNCTION @extschema@.insight_report_date(t timestamptz, lang text, unit text DEFAULT 'day')
RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
SELECT CASE WHEN t IS NULL THEN @extschema@.insight_report_msg(lang, 'na')
            WHEN lang = 'zh' AND unit = 'month'
            THEN pg_catalog.to_char(t AT TIME ZONE 'UTC', 'YYYY"年"FMMM"月"')
            WHEN lang = 'zh'
            THEN pg_catalog.to_char(t AT TIME ZONE 'UTC', 'YYYY"年"FMMM"月"FMDD"日"')
            WHEN unit = 'month'
            THEN pg_catalog.to_char(t AT TIME ZONE 'UTC', 'Mon YYYY')
            ELSE pg_catalog.to_char(t AT TIME ZONE 'UTC', 'FMDD Mon YYYY') END
$$;

COMMENT ON FUNCTION @extschema@.insight_report_date(timestamptz, text, text) IS
'A UTC date for insight_report_html: en 9 Dec 2011 (unit month: Dec 2011), zh 2011年12月9日 (2011年12月). NULL as n/a.';

CREATE FUNCTION @extschema@.insight_report_interval(i interval, lang text)
RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$ SELECT @extschema@.insight_report_msg(lang, 'unit.days',
                 @extschema@.insight_report_num(pg_catalog.date_part('epoch', i) / 86400, 0, lang)) $$;

COMMENT ON FUNCTION @extschema@.insight_report_interval(interval, text) IS
'An interval in whole days for insight_report_html (90 days, 90 天); a month counts 30 days.';

-- The width of a text in pixels at a font size (for laying out labels): a
-- generous estimate for DejaVu Sans / Noto Sans: capitals and digits 0.72
-- em, other ASCII characters 0.6 em, CJK and other wide characters 1 em.
CREATE FUNCTION @extschema@.insight_svg_text_width(t text, font_px float8)
RETURNS float8
LANGUAGE sql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$ SELECT font_px * (0.72 * pg_catalog.length(pg_catalog.regexp_replace(COALESCE(t, ''), '[^A-Z0-9@%&#MW]', '', 'g'))
                        + 0.6 * pg_catalog.length(pg_catalog.regexp_replace(COALESCE(t, ''), '[^\x01-\x7e]|[A-Z0-9@%&#]', '', 'g'))
                        + 1.0 * pg_catalog.length(pg_catalog.regexp_replace(COALESCE(t, ''), '[\x01-\x7e]', '', 'g'))) $$;

COMMENT ON FUNCTION @extschema@.insight_svg_text_width(text, float8) IS
'Estimated width in pixels of a text at a font size, generous so that labels fit: 0.72 em per capital letter or digit, 0.6 em per other ASCII character, 1 em per other (CJK) character; used to lay out chart labels.';

-- A label cut to a width: the longest prefix that fits, with an ellipsis.
CREATE FUNCTION @extschema@.insight_svg_fit_text(t text, max_px float8, font_px float8)
RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
SELECT CASE WHEN @extschema@.insight_svg_text_width(t, font_px) <= max_px THEN t
            ELSE COALESCE((SELECT pg_catalog.rtrim(pg_catalog.left(t, n)) || '…'
                             FROM pg_catalog.generate_series(LEAST(pg_catalog.length(t) - 1, 200), 1, -1) n
                            WHERE @extschema@.insight_svg_text_width(pg_catalog.left(t, n), font_px) + font_px <= max_px
                            LIMIT 1), '…') END
$$;

COMMENT ON FUNCTION @extschema@.insight_svg_fit_text(text, float8, float8) IS
'A chart label cut to max_px at a font size (insight_svg_text_width): the text itself when it fits, else its longest prefix (of at most 200 characters) that fits followed by an ellipsis. The full text stays in the chart''s table and in the SVG <title> of the label.';

CREATE FUNCTION @extschema@.insight_svg_color(i integer)
RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$ SELECT (ARRAY['#2b6cb0', '#dd6b20', '#718096', '#38a169', '#805ad5', '#d53f8c'])[1 + (i - 1) % 6] $$;

COMMENT ON FUNCTION @extschema@.insight_svg_color(integer) IS
'The colour of the i-th data series of a chart (1-based, six colours that stay apart for common colour blindness, then repeated).';

-- An HTML table: a header row and rows of cells (text, escaped here).
CREATE FUNCTION @extschema@.insight_html_table(headers text[], rows text[])
RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
SELECT pg_catalog.concat('<div class="numbers"><table><thead><tr>',
           (SELECT pg_catalog.string_agg(pg_catalog.format('<th scope="col">%s</th>', @extschema@.insight_html(h)), '' ORDER BY n)
              FROM pg_catalog.unnest(headers) WITH ORDINALITY u(h, n)),
           '</tr></thead><tbody>',
           (SELECT pg_catalog.string_agg(pg_catalog.concat('<tr>',
                       (SELECT pg_catalog.string_agg(pg_catalog.format('<td>%s</td>', @extschema@.insight_html(rows[r][c])), '' ORDER BY c)
                          FROM pg_catalog.generate_series(1, pg_catalog.array_length(rows, 2)) c),
                       '</tr>'), '' ORDER BY r)
              FROM pg_catalog.generate_series(1, COALESCE(pg_catalog.array_length(rows, 1), 0)) r),
           '</tbody></table></div>')
$$;

COMMENT ON FUNCTION @extschema@.insight_html_table(text[], text[]) IS
'An HTML table for insight_report_html: headers (one per column) and rows, a two-dimensional text array (one row per data row, NULL cells empty); every cell is HTML-escaped. Wrapped in <div class="numbers">, which scrolls sideways on a narrow screen.';

-- A horizontal bar chart: one row per category, one bar per series in it.
-- vals[s][c]: series s, category c (NULL: no bar, the label says why).
CREATE FUNCTION @extschema@.insight_svg_bars(categories text[], series text[], vals float8[],
                                             value_labels text[], value_max float8 DEFAULT NULL)
RETURNS text
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    width constant pg_catalog.float8 := 640;
    font constant pg_catalog.float8 := 12;
    n_cat integer := COALESCE(pg_catalog.array_length(categories, 1), 0);
    n_ser integer := COALESCE(pg_catalog.array_length(series, 1), 0);
    bar_h constant pg_catalog.float8 := 14;
    legend_h pg_catalog.float8 := CASE WHEN n_ser > 1 THEN 24 ELSE 4 END;
    row_h pg_catalog.float8 := n_ser * bar_h + 8;
    label_w pg_catalog.float8;
    value_w pg_catalog.float8;
    plot_w pg_catalog.float8;
    vmax pg_catalog.float8;
    height pg_catalog.float8;
    out pg_catalog.text;
    s integer;
    c integer;
    y pg_catalog.float8;
    w pg_catalog.float8;
    lx pg_catalog.float8 := 0;
BEGIN
    IF n_cat = 0 THEN
        RETURN '';              -- nothing to draw (every group suppressed)
    END IF;
    IF pg_catalog.array_length(vals, 1) IS DISTINCT FROM n_ser OR pg_catalog.array_length(vals, 2) IS DISTINCT FROM n_cat THEN
        RAISE EXCEPTION 'bar chart values must be an array of % series by % categories', n_ser, n_cat
            USING ERRCODE = 'array_subscript_error';
    END IF;
    SELECT LEAST(290, 8 + pg_catalog.max(@extschema@.insight_svg_text_width(x, font))) INTO label_w
      FROM pg_catalog.unnest(categories) x;
    SELECT 8 + pg_catalog.max(@extschema@.insight_svg_text_width(x, font - 1)) INTO value_w
      FROM pg_catalog.unnest(value_labels) x;
    plot_w := width - label_w - COALESCE(value_w, 0) - 4;
    SELECT COALESCE(value_max, pg_catalog.max(x)) INTO vmax FROM pg_catalog.unnest(vals) x;
    IF vmax IS NULL OR vmax <= 0 THEN
        vmax := 1;
    END IF;
    height := legend_h + n_cat * row_h + 4;
    out := pg_catalog.format('<svg class="chart bars" viewBox="0 0 %s %s" role="img" aria-hidden="true" xmlns="http://www.w3.org/2000/svg">',
                             width, pg_catalog.round(height::numeric, 1));
    IF n_ser > 1 THEN
        FOR s IN 1 .. n_ser LOOP
            out := pg_catalog.concat(out, pg_catalog.format(
                '<rect class="legend" x="%s" y="4" width="12" height="12" fill="%s"/><text x="%s" y="14">%s</text>',
                pg_catalog.round(label_w::numeric + lx::numeric, 1), @extschema@.insight_svg_color(s),
                pg_catalog.round(label_w::numeric + lx::numeric + 16, 1), @extschema@.insight_html(series[s])));
            lx := lx + 28 + @extschema@.insight_svg_text_width(series[s], font);
        END LOOP;
    END IF;
    FOR c IN 1 .. n_cat LOOP
        y := legend_h + (c - 1) * row_h;
        out := pg_catalog.concat(out, pg_catalog.format('<g class="category"><text class="label" x="%s" y="%s" text-anchor="end"><title>%s</title>%s</text>',
                   pg_catalog.round(label_w::numeric - 6, 1),
                   pg_catalog.round((y + row_h / 2 + 2)::numeric, 1),
                   @extschema@.insight_html(categories[c]),
                   @extschema@.insight_html(@extschema@.insight_svg_fit_text(categories[c], label_w - 8, font))));
        FOR s IN 1 .. n_ser LOOP
            w := GREATEST(0, COALESCE(vals[s][c], 0)) / vmax * plot_w;
            IF vals[s][c] IS NOT NULL THEN
                out := pg_catalog.concat(out, pg_catalog.format('<rect class="mark" data-series="%s" x="%s" y="%s" width="%s" height="%s" fill="%s"/>',
                           s, label_w, pg_catalog.round((y + 4 + (s - 1) * bar_h)::numeric, 1),
                           pg_catalog.round(GREATEST(w, 0.5)::numeric, 1), bar_h - 2, @extschema@.insight_svg_color(s)));
            END IF;
            out := pg_catalog.concat(out, pg_catalog.format('<text class="value" x="%s" y="%s">%s</text>',
                       pg_catalog.round((label_w + w + 4)::numeric, 1),
                       pg_catalog.round((y + 4 + (s - 1) * bar_h + bar_h - 4)::numeric, 1),
                       @extschema@.insight_html(value_labels[(c - 1) * n_ser + s])));
        END LOOP;
        out := pg_catalog.concat(out, '</g>');
    END LOOP;
    RETURN pg_catalog.concat(out, '</svg>');
END
$$;

COMMENT ON FUNCTION @extschema@.insight_svg_bars(text[], text[], float8[], text[], float8) IS
'An SVG horizontal bar chart for insight_report_html: one row (<g class="category">) per category with its label, one bar (<rect class="mark">) per series in it, scaled to value_max (default: the largest value), and the formatted value after each bar. vals is a two-dimensional array [series][category]; a NULL value draws no bar. value_labels holds the formatted values category by category, series within category. A legend names the series when there are several. No categories: an empty string. Wrong dimensions are an error (2202E).';

-- A line chart of one or more series of (x, y) points on linear axes.
-- series: [{"name": ..., "points": [[x, y], ...]}]; opts: x_min, x_max,
-- y_min, y_max, x_title, y_title, x_ticks ([[x, "label"], ...]),
-- y_ticks (same), diagonal (a reference line from (x_min, y_min) to
-- (x_max, y_max)), dots (draw the points).
CREATE FUNCTION @extschema@.insight_svg_lines(series jsonb, opts jsonb)
RETURNS text
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    width constant pg_catalog.float8 := 640;
    height constant pg_catalog.float8 := 320;
    left_m constant pg_catalog.float8 := 64;
    right_m constant pg_catalog.float8 := 36;
    top_m pg_catalog.float8 := 12 + 20 * CASE WHEN pg_catalog.jsonb_array_length(series) > 0 THEN 1 ELSE 0 END;
    bottom_m constant pg_catalog.float8 := 48;
    x0 pg_catalog.float8 := COALESCE((opts ->> 'x_min')::pg_catalog.float8, 0);
    x1 pg_catalog.float8 := (opts ->> 'x_max')::pg_catalog.float8;
    y0 pg_catalog.float8 := COALESCE((opts ->> 'y_min')::pg_catalog.float8, 0);
    y1 pg_catalog.float8 := (opts ->> 'y_max')::pg_catalog.float8;
    pw pg_catalog.float8 := width - left_m - right_m;
    ph pg_catalog.float8;
    out pg_catalog.text;
    s record;
    t record;
    lx pg_catalog.float8 := left_m;
BEGIN
    ph := height - top_m - bottom_m;
    IF x1 IS NULL THEN
        SELECT pg_catalog.max((p ->> 0)::pg_catalog.float8) INTO x1
          FROM pg_catalog.jsonb_array_elements(series) e, pg_catalog.jsonb_array_elements(CASE WHEN pg_catalog.jsonb_typeof(e -> 'points') = 'array' THEN e -> 'points' ELSE '[]' END) p;
    END IF;
    IF y1 IS NULL THEN
        SELECT pg_catalog.max((p ->> 1)::pg_catalog.float8) INTO y1
          FROM pg_catalog.jsonb_array_elements(series) e, pg_catalog.jsonb_array_elements(CASE WHEN pg_catalog.jsonb_typeof(e -> 'points') = 'array' THEN e -> 'points' ELSE '[]' END) p;
    END IF;
    IF x1 IS NULL OR x1 <= x0 THEN x1 := x0 + 1; END IF;
    IF y1 IS NULL OR y1 <= y0 THEN y1 := y0 + 1; END IF;
    out := pg_catalog.format('<svg class="chart lines" viewBox="0 0 %s %s" role="img" aria-hidden="true" xmlns="http://www.w3.org/2000/svg">', width, height);
    -- axes, ticks and grid
    out := pg_catalog.concat(out, pg_catalog.format('<path class="axis" d="M%s %sV%sH%s"/>', left_m, top_m,
               top_m + ph, left_m + pw));
    FOR t IN SELECT (e ->> 0)::pg_catalog.float8 AS v, e ->> 1 AS label
               FROM pg_catalog.jsonb_array_elements(COALESCE(opts -> 'x_ticks', '[]')) e LOOP
        out := pg_catalog.concat(out, pg_catalog.format('<text class="tick" x="%s" y="%s" text-anchor="middle">%s</text>',
                   pg_catalog.round((left_m + (t.v - x0) / (x1 - x0) * pw)::numeric, 1),
                   top_m + ph + 16, @extschema@.insight_html(t.label)));
    END LOOP;
    FOR t IN SELECT (e ->> 0)::pg_catalog.float8 AS v, e ->> 1 AS label
               FROM pg_catalog.jsonb_array_elements(COALESCE(opts -> 'y_ticks', '[]')) e LOOP
        out := pg_catalog.concat(out, pg_catalog.format('<path class="grid" d="M%s %sH%s"/><text class="tick" x="%s" y="%s" text-anchor="end">%s</text>',
                   left_m, pg_catalog.round((top_m + ph - (t.v - y0) / (y1 - y0) * ph)::numeric, 1),
                   left_m + pw, left_m - 6,
                   pg_catalog.round((top_m + ph - (t.v - y0) / (y1 - y0) * ph + 4)::numeric, 1),
                   @extschema@.insight_html(t.label)));
    END LOOP;
    out := pg_catalog.concat(out,
        pg_catalog.format('<text class="axis-title" x="%s" y="%s" text-anchor="middle">%s</text>',
            left_m + pw / 2, height - 8, @extschema@.insight_html(opts ->> 'x_title')),
        pg_catalog.format('<text class="axis-title" transform="translate(14 %s) rotate(-90)" text-anchor="middle">%s</text>',
            top_m + ph / 2, @extschema@.insight_html(opts ->> 'y_title')));
    IF (opts ->> 'diagonal')::boolean THEN
        out := pg_catalog.concat(out, pg_catalog.format('<path class="reference" d="M%s %sL%s %s"/>',
                   left_m, top_m + ph, left_m + pw, top_m));
    END IF;
    -- one path per series, and its legend entry
    FOR s IN SELECT e ->> 'name' AS name, CASE WHEN pg_catalog.jsonb_typeof(e -> 'points') = 'array' THEN e -> 'points' ELSE '[]' END AS points, n::integer AS n
               FROM pg_catalog.jsonb_array_elements(series) WITH ORDINALITY u(e, n) LOOP
        out := pg_catalog.concat(out,
            pg_catalog.format('<path class="mark" data-series="%s" fill="none" stroke="%s" d="%s"/>', s.n, @extschema@.insight_svg_color(s.n),
                (SELECT pg_catalog.string_agg(pg_catalog.format('%s%s %s', CASE WHEN i = 1 THEN 'M' ELSE 'L' END,
                            pg_catalog.round((left_m + ((p ->> 0)::pg_catalog.float8 - x0) / (x1 - x0) * pw)::numeric, 1),
                            pg_catalog.round((top_m + ph - ((p ->> 1)::pg_catalog.float8 - y0) / (y1 - y0) * ph)::numeric, 1)),
                            '' ORDER BY i)
                   FROM pg_catalog.jsonb_array_elements(s.points) WITH ORDINALITY q(p, i))),
            CASE WHEN (opts ->> 'dots')::boolean THEN
                (SELECT pg_catalog.string_agg(pg_catalog.format('<circle class="dot" cx="%s" cy="%s" r="3" fill="%s"/>',
                            pg_catalog.round((left_m + ((p ->> 0)::pg_catalog.float8 - x0) / (x1 - x0) * pw)::numeric, 1),
                            pg_catalog.round((top_m + ph - ((p ->> 1)::pg_catalog.float8 - y0) / (y1 - y0) * ph)::numeric, 1),
                            @extschema@.insight_svg_color(s.n)), '')
                   FROM pg_catalog.jsonb_array_elements(s.points) p) END,
            pg_catalog.format('<rect class="legend" x="%s" y="6" width="12" height="4" fill="%s"/><text x="%s" y="13">%s</text>',
                pg_catalog.round(lx::numeric, 1), @extschema@.insight_svg_color(s.n), pg_catalog.round(lx::numeric + 16, 1), @extschema@.insight_html(s.name)));
        lx := lx + 28 + @extschema@.insight_svg_text_width(s.name, 12);
    END LOOP;
    RETURN pg_catalog.concat(out, '</svg>');
END
$$;

COMMENT ON FUNCTION @extschema@.insight_svg_lines(jsonb, jsonb) IS
'An SVG line chart for insight_report_html: series is a JSON array of {"name", "points": [[x, y], ...]}, one path (<path class="mark">) and one legend entry per series; opts: x_min, x_max, y_min, y_max (default 0 and the largest value), x_title, y_title, x_ticks and y_ticks ([[value, "label"], ...]), a series without points (null) draws nothing; diagonal (a dashed reference line from the lower left to the upper right corner: chance for ROC and gain charts, perfect calibration), dots (draw each point).';

-- A heatmap: rows x columns of cells coloured by value (0..value_max).
-- vals[r][c] (NULL: a blank, suppressed cell); cell_text[r][c] the label.
CREATE FUNCTION @extschema@.insight_svg_heatmap(row_labels text[], col_labels text[], vals float8[],
                                                cell_text text[], x_title text, y_title text)
RETURNS text
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    width constant pg_catalog.float8 := 640;
    font constant pg_catalog.float8 := 10;
    n_r integer := COALESCE(pg_catalog.array_length(row_labels, 1), 0);
    n_c integer := COALESCE(pg_catalog.array_length(col_labels, 1), 0);
    label_w pg_catalog.float8;
    top_m constant pg_catalog.float8 := 34;
    cell_w pg_catalog.float8;
    cell_h constant pg_catalog.float8 := 22;
    vmax pg_catalog.float8;
    out pg_catalog.text;
    r integer;
    c integer;
    a pg_catalog.float8;
BEGIN
    IF pg_catalog.array_length(vals, 1) IS DISTINCT FROM n_r OR pg_catalog.array_length(vals, 2) IS DISTINCT FROM n_c THEN
        RAISE EXCEPTION 'heatmap values must be an array of % rows by % columns', n_r, n_c
            USING ERRCODE = 'array_subscript_error';
    END IF;
    SELECT 24 + pg_catalog.max(@extschema@.insight_svg_text_width(x, font)) INTO label_w FROM pg_catalog.unnest(row_labels) x;
    cell_w := (width - label_w - 4) / GREATEST(n_c, 1);
    SELECT pg_catalog.max(x) INTO vmax FROM pg_catalog.unnest(vals) x;
    IF vmax IS NULL OR vmax <= 0 THEN vmax := 1; END IF;
    out := pg_catalog.format('<svg class="chart heatmap" viewBox="0 0 %s %s" role="img" aria-hidden="true" xmlns="http://www.w3.org/2000/svg">',
                             width, top_m + n_r * cell_h + 4);
    out := pg_catalog.concat(out,
        pg_catalog.format('<text class="axis-title" x="%s" y="11" text-anchor="middle">%s</text>',
            pg_catalog.round((label_w + n_c * cell_w / 2)::numeric, 1), @extschema@.insight_html(x_title)),
        pg_catalog.format('<text class="axis-title" transform="translate(10 %s) rotate(-90)" text-anchor="middle">%s</text>',
            pg_catalog.round((top_m + n_r * cell_h / 2)::numeric, 1),
            @extschema@.insight_html(CASE WHEN @extschema@.insight_svg_text_width(y_title, font) <= n_r * cell_h
                                          THEN y_title ELSE '' END)));
    FOR c IN 1 .. n_c LOOP
        out := pg_catalog.concat(out, pg_catalog.format('<text class="tick" x="%s" y="%s" text-anchor="middle">%s</text>',
                   pg_catalog.round((label_w + (c - 0.5) * cell_w)::numeric, 1), top_m - 6,
                   @extschema@.insight_html(col_labels[c])));
    END LOOP;
    FOR r IN 1 .. n_r LOOP
        out := pg_catalog.concat(out, pg_catalog.format('<text class="tick" x="%s" y="%s" text-anchor="end">%s</text>',
                   label_w - 4, top_m + (r - 1) * cell_h + 15,
                   @extschema@.insight_html(row_labels[r])));
        FOR c IN 1 .. n_c LOOP
            IF vals[r][c] IS NOT NULL THEN
                a := GREATEST(0, LEAST(1, vals[r][c] / vmax));
                out := pg_catalog.concat(out, pg_catalog.format(
                    '<rect class="mark cell" x="%s" y="%s" width="%s" height="%s" fill="rgb(%s,%s,%s)"/><text class="cell-text%s" x="%s" y="%s" text-anchor="middle">%s</text>',
                    pg_catalog.round((label_w + (c - 1) * cell_w)::numeric, 1),
                    top_m + (r - 1) * cell_h,
                    pg_catalog.round((cell_w - 1)::numeric, 1), cell_h - 1,
                    -- from #f7fbff to #08306b (ColorBrewer Blues)
                    pg_catalog.round(247 - a * 239), pg_catalog.round(251 - a * 203),
                    pg_catalog.round(255 - a * 148),
                    CASE WHEN a > 0.55 THEN ' light' ELSE '' END,
                    pg_catalog.round((label_w + (c - 0.5) * cell_w)::numeric, 1),
                    top_m + (r - 1) * cell_h + 15,
                    CASE WHEN @extschema@.insight_svg_text_width(cell_text[r][c], font) <= cell_w - 2
                         THEN @extschema@.insight_html(cell_text[r][c]) ELSE '' END));
            END IF;
        END LOOP;
    END LOOP;
    RETURN pg_catalog.concat(out, '</svg>');
END
$$;

COMMENT ON FUNCTION @extschema@.insight_svg_heatmap(text[], text[], float8[], text[], text, text) IS
'An SVG heatmap for insight_report_html: one cell (<rect class="mark cell">) per row and column, coloured from light to dark blue by vals[r][c] / the largest value (ColorBrewer Blues), with cell_text[r][c] written in it when it fits; a NULL value leaves the cell blank (suppressed). Row and column labels, titles of both axes. Wrong dimensions are an error (2202E).';

-- A chart with its title, its one-sentence reading, the SVG and the table of
-- its numbers.
CREATE FUNCTION @extschema@.insight_report_figure(id text, title text, reading text, svg text, tbl text, lang text)
RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
SELECT pg_catalog.format('<figure class="chart-box" id="%s"><figcaption><h3>%s</h3><p class="reading">%s</p></figcaption>%s<details><summary>%s</summary>%s</details></figure>',
                         id, @extschema@.insight_html(title), @extschema@.insight_html(reading), svg,
                         @extschema@.insight_html(@extschema@.insight_report_msg(lang, 'numbers')), tbl)
$$;

COMMENT ON FUNCTION @extschema@.insight_report_figure(text, text, text, text, text, text) IS
'One chart of insight_report_html: <figure id> with the title, the one-sentence reading, the SVG and, in a <details> element, the HTML table of the numbers it draws (for screen readers and copy-paste).';
