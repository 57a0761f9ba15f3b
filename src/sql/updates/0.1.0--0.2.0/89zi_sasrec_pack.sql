-- SASRec's purchases on Citus (a source distributed by customer): numbered
-- in their customer's sequence on the shards and collected there by
-- insight_interactions_pack (one partial state per shard reaches the
-- coordinator instead of one row per distinct purchase); insight_sasrec_fit
-- reads them unpacked, and numbers the items itself (C only: no query of
-- the distinct items).  The aggregate's comment as in its part.

--@ function src/sql/tasks/recommender.sql insight_recommender_rows
--@ comment src/sql/tasks/recommender.sql insight_recommender_rows

COMMENT ON AGGREGATE @extschema@.insight_interactions_pack(text, text, float8) IS
'Collects the interactions a recommender trains on (insight_als_fit, insight_itemknn_fit, insight_popularity_fit: customer_id text, item_id text, value float8; on Citus also SASRec''s purchases, each with its place in its customer''s sequence as the value: insight_recommender_rows) into one bytea, with NULLs kept, so that the trainer skips and counts the same rows as when it reads them: insight_rows_pack''s machinery (the same combine and final functions) with a compact record per row: each key as its length + 1 in a varint (0 for NULL) and its bytes, then the value as a tag byte and either an integer of magnitude below 2^53 as a zig-zag varint or the 8 bytes of any other float8 (NULL the tag alone), so 15 bytes for a 5-character customer, a 6-character item and an integer value from -64 to 63; a state that leaves the aggregate (a Citus shard''s partial state, a parallel worker''s) lists each item and each customer once instead, when that is smaller (at most 4 Mi pairs), each customer''s pairs under it (an item''s number and the value). Its combine function concatenates partial states, so on Citus each shard collects its own rows (worker_partial_agg) and only one state per shard reaches the coordinator. insight_interactions_unpack gives the rows back, sorted by customer_id (the default collation, NULL last), then by their bytes: one order whatever the split (the recommenders'' trainers number the keys and sum duplicate pairs in an order of their own, so any order gives their model; rows are never merged: duplicate pairs come back as many times as they went in). At most 1 GB (54000 when more). NULL for no row.';
