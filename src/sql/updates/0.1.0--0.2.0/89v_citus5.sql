-- Issue 19, part 4: the report's top items on the shards.  The recommender
-- section of insight_report_html counted the buyers of every item over the
-- lines of its 90-day window, which on Citus gathered those lines; it now
-- calls insight_top_items, one query over insight_sales_lines_from() whose
-- count of distinct customers per item runs on the shards.  (SASRec's item
-- dictionary, the other change of this part, is C only.)

--@ comment src/sql/features/sales_window.sql insight_sales_lines_from

--@ function src/sql/features/sales_window.sql insight_top_items

--@ comment src/sql/features/sales_window.sql insight_top_items

--@ function src/sql/tasks/report_html.sql insight_report_html_recommender

--@ comment src/sql/tasks/report_html.sql insight_report_html_recommender
