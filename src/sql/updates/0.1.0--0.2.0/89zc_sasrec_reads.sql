-- Issue 19, SASRec's reads: the recommender task's SASRec read its purchases
-- twice per model, once for the fit and once for the model's histories
-- (insight_sasrec_with_history over the same query).  insight_sasrec_fit
-- takes a trailing argument with_history, which builds the histories from
-- the rows the fit reads (the same model bytes), and insight_recommender_fit
-- uses it: the purchases are read once per model.  A new signature, so
-- dropped and created.

DROP FUNCTION @extschema@.insight_sasrec_fit(text, integer, integer, integer, integer, float8, integer, integer, float8, integer, bigint);

--@ function src/sql/models/deep/sasrec.sql insight_sasrec_fit

--@ comment src/sql/models/deep/sasrec.sql insight_sasrec_fit

--@ comment src/sql/models/deep/sasrec.sql insight_sasrec_with_history

--@ function src/sql/tasks/recommender.sql insight_recommender_fit

--@ comment src/sql/tasks/recommender.sql insight_recommender_fit

--@ comment src/sql/tasks/recommender.sql insight_train_recommender
