-- The HTML report's customer value section shows who came back in the
-- holdout against the model's expectation (metrics.come_back), by time since
-- the last purchase, with the verdict of the text report (one function,
-- insight_clv_come_back_verdict, gives it to both).
--@ function src/sql/tasks/clv.sql insight_clv_come_back_verdict

--@ comment src/sql/tasks/clv.sql insight_clv_come_back_verdict

--@ function src/sql/tasks/report_html.sql insight_report_html_clv

--@ comment src/sql/tasks/report_html.sql insight_report_html_clv

INSERT INTO @extschema@.insight_report_messages (key, lang, message)
SELECT v.key, l.lang, CASE l.lang WHEN 'en' THEN v.en ELSE @extschema@.insight_unicode_text(v.zh) END
  FROM (VALUES
    ('clv.comeback.title', 'Who came back in the holdout, by time since the last purchase', '\u7559\u51fa\u671f\u5185\u518d\u6b21\u8d2d\u4e70\u7684\u5ba2\u6237\uff1a\u6309\u8ddd\u4e0a\u6b21\u8d2d\u4e70\u7684\u65f6\u95f4\u5212\u5206'),
    ('clv.comeback.reading', 'Of the customers who bought longest ago (%s before the holdout), %s bought again in the holdout; the model expected %s.', '\u6700\u4e45\u672a\u8d2d\u4e70\u7684\u5ba2\u6237\uff08\u7559\u51fa\u671f\u524d %s\uff09\u4e2d\u6709 %s \u5728\u7559\u51fa\u671f\u5185\u518d\u6b21\u8d2d\u4e70\uff1b\u6a21\u578b\u9884\u671f\u4e3a %s\u3002'),
    ('clv.comeback.no_dropout', ' They came back as often as a model without dropout expects, or more: this history shows no dropout for P(alive) to measure.', '\u4ed6\u4eec\u518d\u6b21\u8d2d\u4e70\u7684\u6bd4\u4f8b\u4e0d\u4f4e\u4e8e\u65e0\u6d41\u5931\u6a21\u578b\u7684\u9884\u671f\uff1a\u8fd9\u6bb5\u5386\u53f2\u4e2d\u6ca1\u6709\u53ef\u4f9b P(alive) \u8861\u91cf\u7684\u6d41\u5931\u3002'),
    ('clv.comeback.overrates', ' Fewer of them came back than the model expected: its P(alive) overrates them.', '\u518d\u6b21\u8d2d\u4e70\u7684\u4eba\u5c11\u4e8e\u6a21\u578b\u9884\u671f\uff1a\u6a21\u578b\u7684 P(alive) \u9ad8\u4f30\u4e86\u4ed6\u4eec\u3002'),
    ('col.since_last', 'time since the last purchase', '\u8ddd\u4e0a\u6b21\u8d2d\u4e70\u7684\u65f6\u95f4'),
    ('col.came_back', 'bought again in the holdout', '\u7559\u51fa\u671f\u5185\u518d\u6b21\u8d2d\u4e70'),
    ('col.expected_share', 'expected by the model', '\u6a21\u578b\u9884\u671f'),
    ('col.mean_p_alive', 'mean P(alive)', '\u5e73\u5747 P(alive)')
  ) v(key, en, zh)
 CROSS JOIN (VALUES ('en'), ('zh')) l(lang)
 WHERE l.lang OPERATOR(pg_catalog.=) 'en' OR @extschema@.insight_unicode_text(v.zh) IS NOT NULL;
