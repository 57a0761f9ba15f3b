-- The segments and recommender tasks' shard queries have functions of their
-- own (insight_segments_rows_sql, insight_recommender_test_sql), which the
-- prepare steps call and test/citus/pushdown.sql runs, instead of format()
-- templates inside the steps that the test extracted from pg_proc.prosrc.

--@ function src/sql/tasks/segments.sql insight_segments_rows_sql

--@ comment src/sql/tasks/segments.sql insight_segments_rows_sql

--@ function src/sql/tasks/segments.sql insight_segments_prepare

--@ comment src/sql/tasks/segments.sql insight_segments_prepare

--@ function src/sql/tasks/recommender.sql insight_recommender_test_sql

--@ comment src/sql/tasks/recommender.sql insight_recommender_test_sql

--@ function src/sql/tasks/recommender.sql insight_recommender_prepare

--@ comment src/sql/tasks/recommender.sql insight_recommender_prepare
