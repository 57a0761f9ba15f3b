-- The recommender task's metrics read the test rows on the shards as packed
-- pairs (insight_interactions_pack), one partial state per shard, instead of
-- one row per test customer.

--@ function src/sql/tasks/recommender.sql insight_recommender_test_query

--@ comment src/sql/tasks/recommender.sql insight_recommender_test_query

--@ function src/sql/tasks/recommender.sql insight_recommender_evaluate

--@ comment src/sql/tasks/recommender.sql insight_recommender_evaluate
