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

CREATE OR REPLACE FUNCTION @extschema@.insight_recommender_rows(algorithm text, params jsonb, before timestamptz)
RETURNS text
LANGUAGE sql STABLE
AS $$
    SELECT CASE WHEN algorithm OPERATOR(pg_catalog.=) 'sasrec'
                THEN pg_catalog.format('SELECT customer_id, item_id, ordered_at FROM @extschema@.insight_sales WHERE quantity > 0 AND ordered_at < %L', before)
                ELSE pg_catalog.format('SELECT customer_id, item_id, value FROM @extschema@.insight_interactions(%L, NULL, %L)',
                                       before, params OPERATOR(pg_catalog.->>) 'measure') END
$$;

COMMENT ON FUNCTION @extschema@.insight_recommender_rows(text, jsonb, timestamptz) IS
'The query insight_recommender_fit reads for an algorithm, over the registered sales strictly before a cut-off: for sasrec the purchases (insight_sales lines with quantity > 0 as customer_id, item_id, ordered_at), for the others the interactions of insight_interactions(before, NULL, params->>''measure''). Used by insight_train_recommender''s evaluate and serve steps.';

--@ function src/sql/tasks/recommender.sql insight_recommender_evaluate

--@ comment src/sql/tasks/recommender.sql insight_recommender_evaluate

--@ function src/sql/tasks/recommender.sql insight_recommender_serve

--@ comment src/sql/tasks/recommender.sql insight_recommender_serve

--@ comment src/sql/tasks/recommender.sql insight_train_recommender

--@ comment src/sql/tasks/recommender.sql insight_recommend

--@ comment src/sql/tasks/recommender.sql insight_similar_items

--@ comment src/sql/models/recsys/recommend.sql insight_recommend_from

--@ comment src/sql/models/recsys/recommend.sql insight_similar_items_from
