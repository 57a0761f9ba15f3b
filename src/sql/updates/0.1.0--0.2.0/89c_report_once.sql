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
--@ function src/sql/tasks/segment_summary.sql insight_segment_profiles
