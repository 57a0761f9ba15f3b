-- The recommender evaluation scores every test customer from one lookup of
-- the model (insight_recommend_each) rather than one insight_recommend_from
-- call, and so one decoding or one comparison of the model's bytes, per
-- customer: at 10M order lines the per-customer path did not end.
--@ function src/sql/models/recsys/recommend.sql insight_recommend_each

--@ comment src/sql/models/recsys/recommend.sql insight_recommend_each

--@ function src/sql/tasks/recommender.sql insight_recommender_metrics

--@ comment src/sql/tasks/recommender.sql insight_recommender_metrics

-- insight_mlp_fit converts its rows to the training matrix in place: its
-- comment's memory per row.
--@ comment src/sql/models/deep/mlp.sql insight_mlp_fit
