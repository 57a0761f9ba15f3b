-- Issue 19, the recommenders' training rows on the shards.  On Citus, with
-- the sales source distributed by its customer column, the recommender
-- task (ALS, item-kNN, popularity) builds its training interactions and its
-- test rows in tables co-located with the source, filled on the shards
-- (insight_training_table over insight_interactions_sql), and its trainers
-- read the interactions collected on the shards by insight_interactions_pack
-- (insight_rows_pack's machinery for (customer, item, value) rows): one
-- partial state per shard reaches the coordinator instead of one row per
-- pair; the serving fit and the propensity task's ALS comparator read
-- insight_interactions_sql packed the same way.  Elsewhere nothing changes.

--@ function src/sql/core/row_pack.sql insight_interactions_pack_accum
--@ comment src/sql/core/row_pack.sql insight_interactions_pack_accum

CREATE AGGREGATE @extschema@.insight_interactions_pack(customer_id text, item_id text, value float8) (
    SFUNC = @extschema@.insight_interactions_pack_accum,
    STYPE = bytea,
    COMBINEFUNC = @extschema@.insight_rows_pack_combine,
    FINALFUNC = @extschema@.insight_rows_pack_final,
    PARALLEL = SAFE
);

COMMENT ON AGGREGATE @extschema@.insight_interactions_pack(text, text, float8) IS
'Collects the interactions a recommender trains on (insight_als_fit, insight_itemknn_fit, insight_popularity_fit: customer_id text, item_id text, value float8) into one bytea, with NULLs kept, so that the trainer skips and counts the same rows as when it reads them: insight_rows_pack''s machinery (the same combine and final functions; one record of 24 bytes plus the two keys, padded to 8, per row). Its combine function concatenates partial states, so on Citus each shard collects its own rows (worker_partial_agg) and only one state per shard reaches the coordinator. insight_interactions_unpack gives the rows back, sorted by customer_id (the default collation, NULL last), then by their bytes: one order whatever the split (the recommenders'' trainers number the keys and sum duplicate pairs in an order of their own, so any order gives their model). At most 1 GB (54000 when more). NULL for no row.';

--@ function src/sql/core/row_pack.sql insight_interactions_unpack
--@ comment src/sql/core/row_pack.sql insight_interactions_unpack

--@ function src/sql/features/interactions.sql insight_interactions_sql
--@ comment src/sql/features/interactions.sql insight_interactions_sql
--@ function src/sql/features/interactions.sql insight_interactions
--@ comment src/sql/features/interactions.sql insight_interactions

--@ function src/sql/tasks/recommender.sql insight_packed_interactions_sql
--@ comment src/sql/tasks/recommender.sql insight_packed_interactions_sql
--@ function src/sql/tasks/recommender.sql insight_recommender_rows
--@ comment src/sql/tasks/recommender.sql insight_recommender_rows
--@ function src/sql/tasks/recommender.sql insight_recommender_prepare
--@ comment src/sql/tasks/recommender.sql insight_recommender_prepare
--@ function src/sql/tasks/recommender.sql insight_recommender_evaluate
--@ comment src/sql/tasks/recommender.sql insight_recommender_evaluate

--@ function src/sql/tasks/propensity.sql insight_recommender_group_scores
--@ comment src/sql/tasks/propensity.sql insight_recommender_group_scores

-- The propensity task's pass per customer and group takes the items of the
-- modelled groups as literals instead of joining insight_items (a table of
-- the coordinator that Citus sent to the shards as an intermediate result).
--@ function src/sql/tasks/propensity.sql insight_item_group_members
--@ comment src/sql/tasks/propensity.sql insight_item_group_members
--@ function src/sql/tasks/propensity.sql insight_group_purchases
--@ comment src/sql/tasks/propensity.sql insight_group_purchases
