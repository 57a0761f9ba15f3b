-- Issue 23: ALS with conjugate gradients.  insight_als_fit takes solver
-- ('cg', the default, or 'exact') and cg_steps; the recommender's ALS
-- parameters gain both (a model stored before has neither and was exact).

DROP FUNCTION @extschema@.insight_als_fit(text, int, float8, float8, int, bigint);

--@ function src/sql/models/recsys/recommend.sql insight_als_fit

--@ comment src/sql/models/recsys/recommend.sql insight_als_fit

--@ function src/sql/tasks/recommender.sql insight_recommender_params

--@ comment src/sql/tasks/recommender.sql insight_recommender_params

--@ function src/sql/tasks/recommender.sql insight_recommender_fit

--@ comment src/sql/tasks/recommender.sql insight_recommender_fit
