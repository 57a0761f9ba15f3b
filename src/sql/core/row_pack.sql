-- ---------------------------------------------------------------------------
-- The rows of an in-memory trainer collected by an aggregate
-- (src/core/row_pack.c): on Citus the collection runs on the shards and one
-- state per shard reaches the coordinator.
-- ---------------------------------------------------------------------------

CREATE FUNCTION @extschema@.insight_rows_pack_accum(state bytea, key text, features float8[], label float8)
RETURNS bytea
AS 'MODULE_PATHNAME', 'insight_rows_pack_accum'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@.insight_rows_pack_accum(bytea, text, float8[], float8) IS
'Transition function of insight_rows_pack: appends one row (key, features, label; any of them NULL) to the state. Only the aggregate calls it (0A000 otherwise). Errors: features of more than one dimension (2202E).';

CREATE FUNCTION @extschema@.insight_rows_pack_combine(state1 bytea, state2 bytea)
RETURNS bytea
AS 'MODULE_PATHNAME', 'insight_rows_pack_combine'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@.insight_rows_pack_combine(bytea, bytea) IS
'Combine function of insight_rows_pack and insight_interactions_pack: appends the rows of state2 (a partial state of a parallel worker or a Citus shard, checked record by record: XX001 when malformed) to state1. The two states hold rows of one aggregate (22023 for rows of features with interactions).';

CREATE FUNCTION @extschema@.insight_rows_pack_final(state bytea)
RETURNS bytea
AS 'MODULE_PATHNAME', 'insight_rows_pack_final'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@.insight_rows_pack_final(bytea) IS
'Final function of insight_rows_pack and insight_interactions_pack: the rows sorted by key (the database''s default collation, as ORDER BY key; NULL keys last; equal keys by their bytes), whatever order the partial states came in.';

CREATE AGGREGATE @extschema@.insight_rows_pack(key text, features float8[], label float8) (
    SFUNC = @extschema@.insight_rows_pack_accum,
    STYPE = bytea,
    COMBINEFUNC = @extschema@.insight_rows_pack_combine,
    FINALFUNC = @extschema@.insight_rows_pack_final,
    PARALLEL = SAFE
);

COMMENT ON AGGREGATE @extschema@.insight_rows_pack(text, float8[], float8) IS
'Collects the training rows of an in-memory trainer (insight_gbdt_fit, insight_mlp_fit) into one bytea, in key order: (key text, features float8[], label float8; a boolean label as 0 or 1), with NULLs kept, so that the trainer skips and counts (or refuses) the same rows as when it reads them. Each row takes a compact record: the key as its length + 1 in a varint (0 for NULL) and its bytes, the label, the number of features + 1 in a varint (0 for a NULL array), then each feature; a number (the label, a feature) as a tag byte and either an integer of magnitude below 2^53 as a zig-zag varint or the 8 bytes of any other float8 (NULL the tag alone), so 2 bytes for an integer from -64 to 63 (a count, a 0/1 label), 9 for any other number, and every value comes back with its bits (-0.0, NaN and its payload, Infinity). Its combine function concatenates partial states, so on Citus each shard collects its own rows (worker_partial_agg) and only one state per shard reaches the coordinator. insight_rows_unpack gives the rows back. The rows are sorted by key with the default collation (NULL keys last, rows of equal keys by their bytes): the same order as ORDER BY key, whatever the split, so a trainer fits the same model from them as from its rows read in key order when the keys are unique. At most 1 GB (54000 when more: pass over the rows instead, or train on fewer). NULL for no row.';

CREATE FUNCTION @extschema@.insight_rows_unpack(packed bytea)
RETURNS TABLE (key text, features float8[], label float8)
AS 'MODULE_PATHNAME', 'insight_rows_unpack'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE
ROWS 10000;

COMMENT ON FUNCTION @extschema@.insight_rows_unpack(bytea) IS
'The rows packed by insight_rows_pack, in its order (by key), as (key, features, label); a features array with NULL elements comes back whole, its NULLs in place (a trainer skips the row the same way). A value that is not packed rows is 22P03; a malformed one XX001; an interaction in it (insight_interactions_pack) 22023.';

-- The interactions of a recommender's trainer, collected the same way.
CREATE FUNCTION @extschema@.insight_interactions_pack_accum(state bytea, customer_id text, item_id text, value float8)
RETURNS bytea
AS 'MODULE_PATHNAME', 'insight_interactions_pack_accum'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@.insight_interactions_pack_accum(bytea, text, text, float8) IS
'Transition function of insight_interactions_pack: appends one interaction (customer_id, item_id, value; any of them NULL) to the state. Only the aggregate calls it (0A000 otherwise).';

CREATE AGGREGATE @extschema@.insight_interactions_pack(customer_id text, item_id text, value float8) (
    SFUNC = @extschema@.insight_interactions_pack_accum,
    STYPE = bytea,
    COMBINEFUNC = @extschema@.insight_rows_pack_combine,
    FINALFUNC = @extschema@.insight_rows_pack_final,
    PARALLEL = SAFE
);

COMMENT ON AGGREGATE @extschema@.insight_interactions_pack(text, text, float8) IS
'Collects the interactions a recommender trains on (insight_als_fit, insight_itemknn_fit, insight_popularity_fit: customer_id text, item_id text, value float8; on Citus also SASRec''s purchases, each with its place in its customer''s sequence as the value: insight_recommender_rows) into one bytea, with NULLs kept, so that the trainer skips and counts the same rows as when it reads them: insight_rows_pack''s machinery (the same combine and final functions) with a compact record per row: each key as its length + 1 in a varint (0 for NULL) and its bytes, then the value as a tag byte and either an integer of magnitude below 2^53 as a zig-zag varint or the 8 bytes of any other float8 (NULL the tag alone), so 15 bytes for a 5-character customer, a 6-character item and an integer value from -64 to 63; a state that leaves the aggregate (a Citus shard''s partial state, a parallel worker''s) lists each item and each customer once instead, when that is smaller (at most 4 Mi pairs), each customer''s pairs under it (an item''s number and the value). Its combine function concatenates partial states, so on Citus each shard collects its own rows (worker_partial_agg) and only one state per shard reaches the coordinator. insight_interactions_unpack gives the rows back, sorted by customer_id (the default collation, NULL last), then by their bytes: one order whatever the split (the recommenders'' trainers number the keys and sum duplicate pairs in an order of their own, so any order gives their model; rows are never merged: duplicate pairs come back as many times as they went in). At most 1 GB (54000 when more). NULL for no row.';

CREATE FUNCTION @extschema@.insight_interactions_unpack(packed bytea)
RETURNS TABLE (customer_id text, item_id text, value float8)
AS 'MODULE_PATHNAME', 'insight_interactions_unpack'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE
ROWS 10000;

COMMENT ON FUNCTION @extschema@.insight_interactions_unpack(bytea) IS
'The interactions packed by insight_interactions_pack, in its order (by customer_id), as (customer_id, item_id, value). A value that is not packed rows is 22P03; a malformed one XX001; a row of insight_rows_pack in it 22023 (insight_rows_unpack refuses an interaction the same way).';
