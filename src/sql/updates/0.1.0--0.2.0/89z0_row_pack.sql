-- The rows of an in-memory trainer collected by an aggregate
-- (src/sql/core/row_pack.sql): insight_rows_pack and insight_rows_unpack.
--@ function src/sql/core/row_pack.sql insight_rows_pack_accum
--@ comment src/sql/core/row_pack.sql insight_rows_pack_accum
--@ function src/sql/core/row_pack.sql insight_rows_pack_combine
--@ comment src/sql/core/row_pack.sql insight_rows_pack_combine
--@ function src/sql/core/row_pack.sql insight_rows_pack_final
--@ comment src/sql/core/row_pack.sql insight_rows_pack_final

CREATE AGGREGATE @extschema@.insight_rows_pack(key text, features float8[], label float8) (
    SFUNC = @extschema@.insight_rows_pack_accum,
    STYPE = bytea,
    COMBINEFUNC = @extschema@.insight_rows_pack_combine,
    FINALFUNC = @extschema@.insight_rows_pack_final,
    PARALLEL = SAFE
);

COMMENT ON AGGREGATE @extschema@.insight_rows_pack(text, float8[], float8) IS
'Collects the training rows of an in-memory trainer (insight_gbdt_fit, insight_mlp_fit) into one bytea, in key order: (key text, features float8[], label float8; a boolean label as 0 or 1), with NULLs kept, so that the trainer skips and counts (or refuses) the same rows as when it reads them. Its combine function concatenates partial states, so on Citus each shard collects its own rows (worker_partial_agg) and only one state per shard reaches the coordinator. insight_rows_unpack gives the rows back. The rows are sorted by key with the default collation (NULL keys last, rows of equal keys by their bytes): the same order as ORDER BY key, whatever the split, so a trainer fits the same model from them as from its rows read in key order when the keys are unique. At most 1 GB (54000 when more: pass over the rows instead, or train on fewer). NULL for no row.';

--@ function src/sql/core/row_pack.sql insight_rows_unpack
--@ comment src/sql/core/row_pack.sql insight_rows_unpack
