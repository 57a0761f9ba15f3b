-- Issue 20 (hostile input): insight_log_rfm becomes a C function that
-- refuses NaN and infinite inputs (it passed them through as NaN or
-- Infinity) and computes the same bits otherwise; insight_clv_error_metrics
-- refuses arrays of different lengths or more than one dimension (it
-- reported the longer one's count); insight_train_clv refuses a holdout
-- period without purchases (as_of far after the last sale kept the
-- Pareto/NBD fit busy for minutes); new: insight_clv_model_unusable, the
-- check that a CLV model can score every customer (for activation).  The C changes of the issue need no SQL.
--
-- The holdout check is in the CLV task's setup step (insight_clv_setup, as
-- src/sql/tasks/clv.sql has it), replaced here after 30_tasks_2_steps.sql.

--@ function src/sql/tasks/segments.sql insight_log_rfm

--@ comment src/sql/tasks/segments.sql insight_log_rfm

--@ function src/sql/tasks/clv.sql insight_clv_error_metrics

--@ comment src/sql/tasks/clv.sql insight_clv_error_metrics

--@ function src/sql/tasks/clv.sql insight_clv_setup

--@ comment src/sql/tasks/clv.sql insight_clv_setup

--@ function src/sql/models/clv/models.sql insight_clv_model_unusable

--@ comment src/sql/models/clv/models.sql insight_clv_model_unusable
