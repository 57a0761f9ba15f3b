-- The CLV task's holdout evaluation on the shards: on Citus, for a source
-- distributed by customer, insight_clv_prepare fills the holdout's rows into
-- a table co-located with the source (insight_training_table), and
-- insight_clv_evaluate and insight_clv_compare compute each customer's
-- values there and collect them with insight_rows_pack, unpacked into
-- arrays in the calibration summary's order (the key in its own type:
-- insight_training_arrays_sql(..., order_by_key => true), 89zm), so the metrics are the single
-- node's to the last bit.  On a single node the same arrays, from the
-- temporary table ordered by the key.

--@ function src/sql/tasks/clv.sql insight_clv_holdout_sql

--@ comment src/sql/tasks/clv.sql insight_clv_holdout_sql

--@ function src/sql/tasks/clv.sql insight_clv_prepare

--@ comment src/sql/tasks/clv.sql insight_clv_prepare

--@ function src/sql/tasks/clv.sql insight_clv_evaluate

--@ comment src/sql/tasks/clv.sql insight_clv_evaluate

--@ function src/sql/tasks/clv.sql insight_clv_compare

--@ comment src/sql/tasks/clv.sql insight_clv_compare
