-- The interactions packed by insight_interactions_pack take compact records
-- of their own (src/core/row_pack.c): a pair of a 5-character customer and
-- a 6-character item with a small integer value takes 15 bytes instead of
-- 40, so the pairs' partial states that reach a Citus coordinator take
-- fewer bytes than the pairs' rows.  Only C changes, and the comments: the
-- aggregate's here, the combine function's from its part (89z0).

COMMENT ON AGGREGATE @extschema@.insight_interactions_pack(text, text, float8) IS
'Collects the interactions a recommender trains on (insight_als_fit, insight_itemknn_fit, insight_popularity_fit: customer_id text, item_id text, value float8) into one bytea, with NULLs kept, so that the trainer skips and counts the same rows as when it reads them: insight_rows_pack''s machinery (the same combine and final functions) with a compact record per row: each key as its length + 1 in a varint (0 for NULL) and its bytes, then the value as a tag byte and either an integer of magnitude below 2^53 as a zig-zag varint or the 8 bytes of any other float8 (NULL the tag alone), so 15 bytes for a 5-character customer, a 6-character item and an integer value from -64 to 63. Its combine function concatenates partial states, so on Citus each shard collects its own rows (worker_partial_agg) and only one state per shard reaches the coordinator. insight_interactions_unpack gives the rows back, sorted by customer_id (the default collation, NULL last), then by their bytes: one order whatever the split (the recommenders'' trainers number the keys and sum duplicate pairs in an order of their own, so any order gives their model). At most 1 GB (54000 when more). NULL for no row.';
