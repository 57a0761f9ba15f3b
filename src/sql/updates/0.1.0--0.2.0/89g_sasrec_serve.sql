-- Issue 15, SASRec (part 4, serving): a SASRec model carries the customer
-- histories it recommends from (insight_sasrec_with_history), the algorithm
-- table serves it through insight_recommend_from and
-- insight_similar_items_from, and the recommender task takes
-- algorithm 'sasrec' (its rows before a cut-off: insight_recommender_rows).

--@ function src/sql/models/deep/sasrec.sql insight_sasrec_with_history

--@ comment src/sql/models/deep/sasrec.sql insight_sasrec_with_history

--@ function src/sql/tasks/recommender.sql insight_recommender_params

--@ comment src/sql/tasks/recommender.sql insight_recommender_params

--@ function src/sql/tasks/recommender.sql insight_recommender_fit

--@ comment src/sql/tasks/recommender.sql insight_recommender_fit

--@ function src/sql/tasks/recommender.sql insight_recommender_rows

--@ comment src/sql/tasks/recommender.sql insight_recommender_rows

--@ function src/sql/tasks/recommender.sql insight_recommender_evaluate

--@ comment src/sql/tasks/recommender.sql insight_recommender_evaluate

--@ function src/sql/tasks/recommender.sql insight_recommender_serve

--@ comment src/sql/tasks/recommender.sql insight_recommender_serve

--@ comment src/sql/tasks/recommender.sql insight_train_recommender

--@ comment src/sql/tasks/recommender.sql insight_recommend

--@ comment src/sql/tasks/recommender.sql insight_similar_items

--@ comment src/sql/models/recsys/recommend.sql insight_recommend_from

--@ comment src/sql/models/recsys/recommend.sql insight_similar_items_from
