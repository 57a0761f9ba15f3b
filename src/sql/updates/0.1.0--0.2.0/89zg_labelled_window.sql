-- The churn and value tasks' shard queries come from one function,
-- insight_labelled_window_sql(task, cutoff, horizon): the features at the
-- cutoff joined to the horizon's sales window, the tasks' label columns a
-- row each (the churn label is NOT COALESCE(w.bought, false) in the select
-- list instead of w.bought in the join condition: the same rows).

--@ function src/sql/tasks/train.sql insight_labelled_window_sql

--@ comment src/sql/tasks/train.sql insight_labelled_window_sql

--@ function src/sql/tasks/churn.sql insight_churn_prepare

--@ comment src/sql/tasks/churn.sql insight_churn_prepare

--@ function src/sql/tasks/value.sql insight_value_prepare

--@ comment src/sql/tasks/value.sql insight_value_prepare
