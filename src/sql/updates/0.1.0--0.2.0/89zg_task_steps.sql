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

-- A model kept out by the baseline alone (no active model compared) says so
-- in insight_train_task's own words, instead of the task's notice with the
-- active model's score and id as <NULL>.

--@ function src/sql/tasks/train.sql insight_train_task

--@ comment src/sql/tasks/train.sql insight_train_task

COMMENT ON COLUMN @extschema@.insight_task_steps.kept_notice IS 'The NOTICE when the model stays a candidate after the comparison with the active model, a format() string: %1$s new model_id, %2$s its score, %3$s the active model''s score, %4$s the active model_id, %5$s the baseline''s score (scores rounded to 4 decimals). When no active model was compared (none is active, or compare gave NULL), only the baseline can keep a model out, and insight_train_task says so in its own words (metric, score, baseline).';

-- insight_register_items counts each (item, name, category) in one grouping
-- (on Citus on the shards) instead of mode() over every line

--@ function src/sql/features/interactions.sql insight_register_items

--@ comment src/sql/features/interactions.sql insight_register_items
