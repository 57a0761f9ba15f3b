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

-- The install script is ASCII, so that it runs in every server encoding:
-- the Chinese messages are written as JSON string escapes (\uXXXX) and
-- decoded by insight_unicode_text into the database's encoding; a database
-- whose encoding cannot hold them (LATIN1, ...) gets no Chinese messages
-- (insight_report_msg says why).
CREATE FUNCTION @extschema@.insight_unicode_text(escaped text)
RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
AS $$
SELECT CASE WHEN pg_catalog.getdatabaseencoding() OPERATOR(pg_catalog.=) ANY ('{UTF8,EUC_CN}')
              OR escaped OPERATOR(pg_catalog.!~) '\\u(?!00[0-7])'
            THEN ('"' OPERATOR(pg_catalog.||) escaped OPERATOR(pg_catalog.||) '"')::pg_catalog.json
                 OPERATOR(pg_catalog.#>>) '{}'::pg_catalog.text[] END
$$;

COMMENT ON FUNCTION @extschema@.insight_unicode_text(text) IS
'The text of the body of a JSON string (escapes such as \u5ba2 and \" decoded, as JSON reads them) in the database''s encoding: in a UTF8 or EUC_CN database (both hold the Simplified Chinese of the report), or when it escapes no character beyond ASCII; NULL otherwise (LATIN1, SQL_ASCII, ...: the caller falls back or leaves the text out). The report''s Chinese messages are written this way, so that the install script is ASCII and installs in every server encoding. No exception block (it runs in parallel workers too). Errors: 22P02 for a malformed escape; 22P05 for a character EUC_CN cannot hold.';

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
    ('churn.summary', 'Model %s (%s) gives the probability that a customer buys nothing in the next %s. Measured out of time: fitted on %s customers at %s, tested on the %s customers with a purchase before %s, of whom %s churned. AUC %s against %s for the days since the last purchase alone.',
                      '\u6a21\u578b %1$s\uff08%2$s\uff09\u7ed9\u51fa\u5ba2\u6237\u5728\u672a\u6765 %3$s \u5185\u4e0d\u518d\u8d2d\u4e70\u7684\u6982\u7387\u3002\u8de8\u65f6\u95f4\u8bc4\u4f30\uff1a\u5728 %4$s \u4f4d\u5ba2\u6237\u4e0a\u4e8e %5$s \u62df\u5408\uff0c\u5728 %7$s \u4e4b\u524d\u6709\u8d2d\u4e70\u7684 %6$s \u4f4d\u5ba2\u6237\u4e0a\u6d4b\u8bd5\uff0c\u5176\u4e2d %8$s \u6d41\u5931\u3002AUC \u4e3a %9$s\uff0c\u4ec5\u7528\u8ddd\u4e0a\u6b21\u8d2d\u4e70\u5929\u6570\u65f6\u4e3a %10$s\u3002'),
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
    ('feature.review_count', 'reviews written', '\u8bc4\u8bba\u6570'),
    ('feature.review_mean_sentiment', 'mean review sentiment', '\u8bc4\u8bba\u5e73\u5747\u60c5\u611f'),
    ('feature.review_share_negative', 'share of negative reviews', '\u8d1f\u9762\u8bc4\u8bba\u5360\u6bd4'),
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
    ('clv.comeback.title', 'Who came back in the holdout, by time since the last purchase', '\u7559\u51fa\u671f\u5185\u518d\u6b21\u8d2d\u4e70\u7684\u5ba2\u6237\uff1a\u6309\u8ddd\u4e0a\u6b21\u8d2d\u4e70\u7684\u65f6\u95f4\u5212\u5206'),
    ('clv.comeback.reading', 'Of the customers who bought longest ago (%s before the holdout), %s bought again in the holdout; the model expected %s.', '\u6700\u4e45\u672a\u8d2d\u4e70\u7684\u5ba2\u6237\uff08\u7559\u51fa\u671f\u524d %s\uff09\u4e2d\u6709 %s \u5728\u7559\u51fa\u671f\u5185\u518d\u6b21\u8d2d\u4e70\uff1b\u6a21\u578b\u9884\u671f\u4e3a %s\u3002'),
    ('clv.comeback.no_dropout', ' They came back as often as a model without dropout expects, or more: this history shows no dropout for P(alive) to measure.', '\u4ed6\u4eec\u518d\u6b21\u8d2d\u4e70\u7684\u6bd4\u4f8b\u4e0d\u4f4e\u4e8e\u65e0\u6d41\u5931\u6a21\u578b\u7684\u9884\u671f\uff1a\u8fd9\u6bb5\u5386\u53f2\u4e2d\u6ca1\u6709\u53ef\u4f9b P(alive) \u8861\u91cf\u7684\u6d41\u5931\u3002'),
    ('clv.comeback.overrates', ' Fewer of them came back than the model expected: its P(alive) overrates them.', '\u518d\u6b21\u8d2d\u4e70\u7684\u4eba\u5c11\u4e8e\u6a21\u578b\u9884\u671f\uff1a\u6a21\u578b\u7684 P(alive) \u9ad8\u4f30\u4e86\u4ed6\u4eec\u3002'),
    ('col.since_last', 'time since the last purchase', '\u8ddd\u4e0a\u6b21\u8d2d\u4e70\u7684\u65f6\u95f4'),
    ('col.came_back', 'bought again in the holdout', '\u7559\u51fa\u671f\u5185\u518d\u6b21\u8d2d\u4e70'),
    ('col.expected_share', 'expected by the model', '\u6a21\u578b\u9884\u671f'),
    ('col.mean_p_alive', 'mean P(alive)', '\u5e73\u5747 P(alive)'),
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
    -- the value model (deep)
    ('value.title', 'Customer value: deep model', '\u5ba2\u6237\u4ef7\u503c\uff1a\u6df1\u5ea6\u6a21\u578b'),
    ('value.task', 'value', '\u4ef7\u503c'),
    ('value.summary', 'Model %s (%s, hidden layers %s, zero-inflated lognormal loss) predicts what each customer spends in the next %s. Measured out of time: fitted on %s customers at %s, tested on the %s customers with a purchase before %s against their spend in the %s after.',
                      '\u6a21\u578b %1$s\uff08%2$s\uff0c\u9690\u85cf\u5c42 %3$s\uff0c\u96f6\u81a8\u80c0\u5bf9\u6570\u6b63\u6001\u635f\u5931\uff09\u9884\u6d4b\u6bcf\u4f4d\u5ba2\u6237\u672a\u6765 %4$s \u7684\u6d88\u8d39\u989d\u3002\u8de8\u65f6\u95f4\u8bc4\u4f30\uff1a\u5728 %5$s \u4f4d\u5ba2\u6237\u4e0a\u4e8e %6$s \u62df\u5408\uff0c\u5728 %8$s \u4e4b\u524d\u6709\u8d2d\u4e70\u7684 %7$s \u4f4d\u5ba2\u6237\u4e0a\u6d4b\u8bd5\uff0c\u5bf9\u6bd4\u5176\u4e4b\u540e %9$s \u5185\u7684\u5b9e\u9645\u6d88\u8d39\u3002'),
    ('value.metrics.title', 'Out-of-time metrics against BG/NBD x Gamma-Gamma and the past rate continued', '\u8de8\u65f6\u95f4\u8bc4\u4f30\u6307\u6807\uff1a\u4e0e BG/NBD x Gamma-Gamma \u53ca\u6309\u8fc7\u53bb\u9891\u7387\u5ef6\u7eed\u5bf9\u6bd4'),
    ('value.metrics.reading', 'Normalized Gini %s for the model against %s for the past rate continued (1 = customers in the best possible order); total error = predicted total against the actual total of the test window.',
                              '\u6a21\u578b\u7684\u5f52\u4e00\u5316\u57fa\u5c3c\u7cfb\u6570\u4e3a %s\uff0c\u6309\u8fc7\u53bb\u9891\u7387\u5ef6\u7eed\u4e3a %s\uff081 \u8868\u793a\u5ba2\u6237\u6392\u5e8f\u5b8c\u5168\u6b63\u786e\uff09\uff1b\u603b\u8bef\u5dee\u4e3a\u6d4b\u8bd5\u671f\u9884\u6d4b\u603b\u989d\u76f8\u5bf9\u5b9e\u9645\u603b\u989d\u7684\u504f\u5dee\u3002'),
    ('value.gain.title', 'Spend gain: share of the test window''s spend from the customers predicted to spend most', '\u6d88\u8d39\u589e\u76ca\uff1a\u9884\u6d4b\u6d88\u8d39\u6700\u9ad8\u7684\u5ba2\u6237\u8d21\u732e\u7684\u6d4b\u8bd5\u671f\u6d88\u8d39\u5360\u6bd4'),
    ('value.gain.reading', 'The 20%% of customers the model ranks highest spent %s of the test window''s total (%s in the best possible order).', '\u6a21\u578b\u6392\u540d\u524d 20%% \u7684\u5ba2\u6237\u8d21\u732e\u4e86\u6d4b\u8bd5\u671f\u603b\u6d88\u8d39\u7684 %s\uff08\u7406\u60f3\u6392\u5e8f\u4e3a %s\uff09\u3002'),
    ('value.gain.missing', 'This model was trained before its gain chart was stored: train it again (SELECT insight_train_value();) to draw it.', '\u8be5\u6a21\u578b\u8bad\u7ec3\u65f6\u5c1a\u672a\u4fdd\u5b58\u589e\u76ca\u56fe\uff1a\u91cd\u65b0\u8bad\u7ec3\uff08SELECT insight_train_value();\uff09\u5373\u53ef\u7ed8\u5236\u3002'),
    ('value.decile.title', 'Predicted and actual spend per customer in the test window, by decile of predicted spend (lowest first)', '\u6d4b\u8bd5\u671f\u6309\u9884\u6d4b\u6d88\u8d39\u5341\u5206\u4f4d\uff08\u4ece\u4f4e\u5230\u9ad8\uff09\u7684\u4eba\u5747\u9884\u6d4b\u4e0e\u5b9e\u9645\u6d88\u8d39'),
    ('value.decile.reading', 'The top decile is predicted %s per customer and spent %s; the bottom decile %s and %s.', '\u6700\u9ad8\u5341\u5206\u4f4d\u9884\u6d4b\u4eba\u5747 %s\uff0c\u5b9e\u9645\u4eba\u5747\u6d88\u8d39 %s\uff1b\u6700\u4f4e\u5341\u5206\u4f4d\u5206\u522b\u4e3a %s \u548c %s\u3002'),
    ('series.value_model', 'this model (ZILN MLP)', '\u672c\u6a21\u578b\uff08ZILN \u591a\u5c42\u611f\u77e5\u673a\uff09'),
    ('series.btyd', 'BG/NBD x Gamma-Gamma', 'BG/NBD x Gamma-Gamma'),
    ('series.past_rate', 'past rate continued', '\u6309\u8fc7\u53bb\u9891\u7387\u5ef6\u7eed'),
    ('col.predictor', 'predictor', '\u9884\u6d4b\u65b9\u6cd5'),
    ('col.normalized_gini', 'normalized Gini', '\u5f52\u4e00\u5316\u57fa\u5c3c\u7cfb\u6570'),
    ('col.spearman', 'Spearman', 'Spearman \u76f8\u5173\u7cfb\u6570'),
    ('col.decile_mape', 'decile MAPE', '\u5341\u5206\u4f4d MAPE'),
    ('col.total_error', 'total error', '\u603b\u8bef\u5dee'),
    ('axis.spend_reached', 'spend of the test window reached', '\u8986\u76d6\u7684\u6d4b\u8bd5\u671f\u6d88\u8d39'),
    ('axis.customers_by_spend', 'customers, highest predicted spend first', '\u5ba2\u6237\uff08\u6309\u9884\u6d4b\u6d88\u8d39\u4ece\u9ad8\u5230\u4f4e\uff09'),
    -- segments
    ('segments.title', 'Segments', '\u5ba2\u6237\u5206\u7fa4'),
    ('segments.task', 'segments', '\u5206\u7fa4'),
    ('segments.rfm.title', 'RFM segments: share of customers and of revenue', 'RFM \u5206\u7fa4\uff1a\u5ba2\u6237\u4e0e\u6536\u5165\u5360\u6bd4'),
    ('segments.rfm.reading', '%s holds %s of the customers and %s of the revenue.', '%s \u5360\u5ba2\u6237\u7684 %s\uff0c\u5360\u6536\u5165\u7684 %s\u3002'),
    ('segments.clusters.title', 'k-means clusters: customers', 'k-means \u805a\u7c7b\uff1a\u5ba2\u6237\u6570'),
    ('segments.clusters.reading', 'k = %s, %s. A label says what holds for at least three quarters of the cluster''s members, compared with the median customer; "mixed" where it does not.',
                                  'k = %s\uff0c%s\u3002\u6807\u7b7e\u63cf\u8ff0\u7684\u662f\u8be5\u7fa4\u81f3\u5c11\u56db\u5206\u4e4b\u4e09\u6210\u5458\u76f8\u5bf9\u4e2d\u4f4d\u5ba2\u6237\u6210\u7acb\u7684\u7279\u5f81\uff1b\u4e0d\u6210\u7acb\u65f6\u6807\u4e3a\u201c\u6df7\u5408\u201d\u3002'),
    ('segments.k.chosen', 'chosen at the knee of the inertia curve among k = 2 to 10 (Kneedle; silhouette %s)', '\u5728 k = 2 \u5230 10 \u4e2d\u6309\u60ef\u6027\u66f2\u7ebf\u7684\u62d0\u70b9\u9009\u51fa\uff08Kneedle \u65b9\u6cd5\uff1b\u8f6e\u5ed3\u7cfb\u6570 %s\uff09'),
    ('segments.k.given', 'given by the caller of insight_train_segments (silhouette %s)', '\u7531 insight_train_segments \u7684\u8c03\u7528\u8005\u6307\u5b9a\uff08\u8f6e\u5ed3\u7cfb\u6570 %s\uff09'),
    ('segments.kcurve.title', 'Silhouette by k', '\u4e0d\u540c k \u7684\u8f6e\u5ed3\u7cfb\u6570'),
    ('segments.kcurve.reading', 'The silhouette is highest at k = %s (%s), but it favours few, broad clusters on skewed data; k = %s is at the knee of the inertia curve.', '\u8f6e\u5ed3\u7cfb\u6570\u5728 k = %s \u65f6\u6700\u9ad8\uff08%s\uff09\uff0c\u4f46\u5728\u504f\u6001\u6570\u636e\u4e0a\u5b83\u504f\u5411\u5c11\u800c\u5bbd\u6cdb\u7684\u805a\u7c7b\uff1bk = %s \u4f4d\u4e8e\u60ef\u6027\u66f2\u7ebf\u7684\u62d0\u70b9\u3002'),
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
    ('label.rank', ' (%s of %s by median spend)', '\uff08\u6309\u6d88\u8d39\u4e2d\u4f4d\u6570\u7b2c %s/%s\uff09'),
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
    ('recommender.summary', 'Model %1$s (%2$s), fitted on purchases before %3$s and scored on the %5$s customers who bought in the next %4$s (top 10 recommendations each).',
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
    ('algorithm.logreg', 'logistic regression', '\u903b\u8f91\u56de\u5f52'),
    ('algorithm.gbdt', 'gradient-boosted trees', '\u68af\u5ea6\u63d0\u5347\u6811'),
    ('algorithm.mlp', 'multilayer perceptron', '\u591a\u5c42\u611f\u77e5\u673a'),
    ('algorithm.als', 'implicit ALS', '\u9690\u5f0f ALS'),
    ('algorithm.itemknn', 'item-kNN', '\u7269\u54c1\u8fd1\u90bb'),
    ('algorithm.sasrec', 'SASRec', 'SASRec'),  -- (Kang & McAuley 2018; the name is used in both languages)
    ('algorithm.pnbd', 'Pareto/NBD', 'Pareto/NBD'),
    ('algorithm.bgnbd', 'BG/NBD', 'BG/NBD'),
    ('algorithm.mbgnbd', 'MBG/NBD', 'MBG/NBD'),
    -- other tasks
    ('other.title', 'Other models', '\u5176\u4ed6\u6a21\u578b'),
    ('other.active', 'Task %s: model %s (%s), trained on data up to %s.', '\u4efb\u52a1 %s\uff1a\u6a21\u578b %s\uff08%s\uff09\uff0c\u8bad\u7ec3\u6570\u636e\u622a\u81f3 %s\u3002'),
    ('other.none', 'Task %s: no model is active yet.', '\u4efb\u52a1 %s\uff1a\u5c1a\u65e0\u5df2\u542f\u7528\u7684\u6a21\u578b\u3002'),
    ('other.empty', 'No other task is registered.', '\u6ca1\u6709\u5176\u4ed6\u5df2\u6ce8\u518c\u7684\u4efb\u52a1\u3002')
  ) v(key, en, zh)
 CROSS JOIN (VALUES ('en'), ('zh')) l(lang)
 WHERE l.lang OPERATOR(pg_catalog.=) 'en' OR @extschema@.insight_unicode_text(v.zh) IS NOT NULL;

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
    IF m IS NULL AND $1 = 'zh' AND @extschema@.insight_unicode_text('\u5ba2') IS NULL THEN
        RAISE EXCEPTION 'the report in Chinese cannot be written in database encoding %', pg_catalog.getdatabaseencoding()
            USING ERRCODE = 'character_not_in_repertoire',
                  DETAIL = 'The encoding of this database cannot hold Chinese characters, so its insight_report_messages has no Chinese messages.',
                  HINT = 'Use lang => ''en'', or a database in UTF8 (or EUC_CN).';
    END IF;
    IF m IS NULL THEN
        RAISE EXCEPTION 'no report message "%" in language "%"', key, lang
            USING ERRCODE = 'undefined_object',
                  HINT = 'Every key of insight_report_messages has a row per language (en, zh).';
    END IF;
    RETURN pg_catalog.format(m, VARIADIC args);
END
$$;

COMMENT ON FUNCTION @extschema@.insight_report_msg(text, text, text[]) IS
'A message of insight_report_messages in a language, its %s filled with args (format()). A key without a row in that language is an error (42704); lang zh in a database whose encoding cannot hold Chinese (LATIN1, ...: no Chinese messages were installed, insight_unicode_text) is 22021.';

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
            -- Chinese groups large numbers by ten thousands (wan, U+4E07)
            THEN pg_catalog.to_char(pg_catalog.round((v / 1e4)::numeric, 1), 'FM999,999,999,990.0')
                 || @extschema@.insight_unicode_text('\u4e07')
            ELSE pg_catalog.to_char(pg_catalog.round(v::numeric, LEAST(GREATEST(digits, 0), 12)),
                     'FM999,999,999,999,999,999,990' ||
                     CASE WHEN digits > 0 THEN '.' || pg_catalog.repeat('0', LEAST(digits, 12)) ELSE '' END)
       END
$$;

COMMENT ON FUNCTION @extschema@.insight_report_num(float8, integer, text) IS
'A number for insight_report_html in a language: rounded to digits decimals (0 to 12) with thousands separators (1,234.5); in zh, values of a million or more in units of ten thousand (wan, U+4E07: 832.6 followed by that character). NULL, NaN and infinities as the language''s n/a.';

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
            THEN pg_catalog.to_char(t AT TIME ZONE 'UTC', @extschema@.insight_unicode_text('YYYY\"\u5e74\"FMMM\"\u6708\"'))
            WHEN lang = 'zh'
            THEN pg_catalog.to_char(t AT TIME ZONE 'UTC', @extschema@.insight_unicode_text('YYYY\"\u5e74\"FMMM\"\u6708\"FMDD\"\u65e5\"'))
            WHEN unit = 'month'
            THEN pg_catalog.to_char(t AT TIME ZONE 'UTC', 'Mon YYYY')
            ELSE pg_catalog.to_char(t AT TIME ZONE 'UTC', 'FMDD Mon YYYY') END
$$;

COMMENT ON FUNCTION @extschema@.insight_report_date(timestamptz, text, text) IS
'A UTC date for insight_report_html: en 9 Dec 2011 (unit month: Dec 2011), zh 2011, 12, 9 each followed by the character for year, month, day (U+5E74, U+6708, U+65E5; unit month: year and month). NULL as n/a.';

CREATE FUNCTION @extschema@.insight_report_interval(i interval, lang text)
RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$ SELECT @extschema@.insight_report_msg(lang, 'unit.days',
                 @extschema@.insight_report_num(pg_catalog.date_part('epoch', i) / 86400, 0, lang)) $$;

COMMENT ON FUNCTION @extschema@.insight_report_interval(interval, text) IS
'An interval in whole days for insight_report_html (90 days; in zh 90 and the character for day, U+5929); a month counts 30 days.';

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
            ELSE COALESCE((SELECT pg_catalog.rtrim(pg_catalog.left(t, n)) || e.ellipsis
                             FROM pg_catalog.generate_series(LEAST(pg_catalog.length(t) - 1, 200), 1, -1) n
                            WHERE @extschema@.insight_svg_text_width(pg_catalog.left(t, n), font_px) + font_px <= max_px
                            LIMIT 1), e.ellipsis) END
  FROM (SELECT COALESCE(@extschema@.insight_unicode_text('\u2026'), '...') AS ellipsis) e
$$;

COMMENT ON FUNCTION @extschema@.insight_svg_fit_text(text, float8, float8) IS
'A chart label cut to max_px at a font size (insight_svg_text_width): the text itself when it fits, else its longest prefix (of at most 200 characters) that fits followed by an ellipsis (U+2026; three dots in a database encoding without it). The full text stays in the chart''s table and in the SVG <title> of the label.';

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
