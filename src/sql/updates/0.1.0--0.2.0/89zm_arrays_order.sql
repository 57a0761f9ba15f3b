-- insight_training_arrays_sql takes the order of its arrays as an argument,
-- order_by_key (the key in its own type, for the CLV holdout; by default the
-- key as text, as before), instead of a second function for the other order.

DROP FUNCTION @extschema@.insight_training_arrays_sql(text, text[], text[], text);

--@ function src/sql/tasks/train.sql insight_training_arrays_sql

--@ comment src/sql/tasks/train.sql insight_training_arrays_sql
