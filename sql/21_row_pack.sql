-- insight_rows_pack / insight_rows_unpack: the rows of an in-memory trainer
-- collected by an aggregate (on Citus, on the shards), given back in key
-- order whatever the split, so that a trainer fits the same model as from
-- its rows read ORDER BY key.
SET client_min_messages = warning;
CREATE TEMP TABLE pack_rows AS
SELECT (i * 7919 % 2003)::text AS key,
       ARRAY[sin(i), cos(1.3 * i), sin(7.0 * i) * 2]::float8[] AS features,
       (sin(i) + 0.5 * cos(1.3 * i) + 0.3 * sin(7.0 * i) > 0)::integer::float8 AS label
  FROM generate_series(1, 2000) i;
-- rows a trainer skips or refuses, kept as they are
INSERT INTO pack_rows VALUES ('null label', '{1,2,3}', NULL), ('null array', NULL, 1),
                             ('null element', '{1,NULL,3}', 0), (NULL, '{4,5,6}', 1);

-- every row back, in the order of ORDER BY key (NULL key last)
WITH p AS (SELECT insight_rows_pack(r.key, r.features, r.label) AS packed FROM pack_rows r),
     u AS (SELECT row_number() OVER () AS n, x.* FROM p, insight_rows_unpack(p.packed) x),
     o AS (SELECT row_number() OVER (ORDER BY r.key) AS n, r.* FROM pack_rows r)
SELECT count(*) AS rows,
       count(*) FILTER (WHERE u.key IS NOT DISTINCT FROM o.key
                          AND u.features IS NOT DISTINCT FROM o.features
                          AND u.label IS NOT DISTINCT FROM o.label) AS same_row_same_place
  FROM u FULL JOIN o USING (n);

-- the same bytes whatever the split: partial states merged in two orders
-- (a user's aggregate over the combine function), and a parallel plan
CREATE AGGREGATE pg_temp.pack_merge(bytea) (
    SFUNC = insight_rows_pack_combine, STYPE = bytea, FINALFUNC = insight_rows_pack_final);
CREATE TEMP TABLE pack_parts AS
SELECT r.label AS part, insight_rows_pack(r.key, r.features, r.label) AS packed
  FROM pack_rows r GROUP BY r.label;
SELECT (SELECT insight_rows_pack(r.key, r.features, r.label) FROM pack_rows r)
         = (SELECT pg_temp.pack_merge(p.packed ORDER BY p.part NULLS FIRST) FROM pack_parts p) AS merged_ascending,
       (SELECT insight_rows_pack(r.key, r.features, r.label) FROM pack_rows r)
         = (SELECT pg_temp.pack_merge(p.packed ORDER BY p.part DESC NULLS LAST) FROM pack_parts p) AS merged_descending;
CREATE TABLE pack_big AS SELECT r.* FROM pack_rows r, generate_series(1, 20) g;
ANALYZE pack_big;
CREATE TEMP TABLE pack_serial AS SELECT insight_rows_pack(r.key, r.features, r.label) AS packed FROM pack_big r;
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
SET parallel_leader_participation = off;
CREATE FUNCTION pg_temp.plan(q text) RETURNS SETOF text LANGUAGE plpgsql AS $$
BEGIN RETURN QUERY EXECUTE 'EXPLAIN (COSTS OFF) ' || q; END $$;
SELECT count(*) AS partial_aggregates_in_workers
  FROM pg_temp.plan('SELECT insight_rows_pack(r.key, r.features, r.label) FROM pack_big r') line
 WHERE line ~ 'Partial Aggregate|Workers Planned: 2';
SELECT (SELECT insight_rows_pack(r.key, r.features, r.label) FROM pack_big r) = s.packed AS parallel_same_bytes,
       (SELECT count(*) FROM insight_rows_unpack(s.packed)) AS rows
  FROM pack_serial s;
RESET parallel_setup_cost;
RESET parallel_tuple_cost;
RESET min_parallel_table_scan_size;
RESET max_parallel_workers_per_gather;
RESET parallel_leader_participation;
DROP TABLE pack_big;

-- a trainer fits the same model from the packed rows as from its rows read
-- in key order (the rows it skips counted the same): GBDT's model depends on
-- the order of its rows (another order gives another model), the MLP puts
-- its rows in a canonical order of its own
SELECT insight_gbdt_fit($q$SELECT u.features, u.label = 1 FROM insight_rows_unpack(
                              (SELECT insight_rows_pack(t.key, t.features, t.label) FROM pack_rows t)) u$q$,
                        '{"rounds": 5, "max_depth": 3, "subsample": 0.5, "seed": 3}')
     = insight_gbdt_fit('SELECT t.features, t.label = 1 FROM pack_rows t ORDER BY t.key',
                        '{"rounds": 5, "max_depth": 3, "subsample": 0.5, "seed": 3}') AS gbdt_same_model,
       insight_gbdt_fit('SELECT t.features, t.label = 1 FROM pack_rows t ORDER BY t.key DESC',
                        '{"rounds": 5, "max_depth": 3, "subsample": 0.5, "seed": 3}')
     = insight_gbdt_fit('SELECT t.features, t.label = 1 FROM pack_rows t ORDER BY t.key',
                        '{"rounds": 5, "max_depth": 3, "subsample": 0.5, "seed": 3}') AS gbdt_same_model_other_order;
SELECT insight_mlp_fit($q$SELECT u.features, u.label = 1 FROM insight_rows_unpack(
                             (SELECT insight_rows_pack(t.key, t.features, t.label) FROM pack_rows t)) u$q$,
                       hidden => '{8}', epochs => 3, batch_size => 64)
     = insight_mlp_fit('SELECT t.features, t.label = 1 FROM pack_rows t ORDER BY t.key',
                       hidden => '{8}', epochs => 3, batch_size => 64) AS mlp_same_model;
SELECT (insight_model_info(insight_gbdt_fit($q$SELECT u.features, u.label = 1 FROM insight_rows_unpack(
                              (SELECT insight_rows_pack(t.key, t.features, t.label) FROM pack_rows t)) u$q$,
                        '{"rounds": 2}')) ->> 'rows_skipped') AS gbdt_rows_skipped_packed,
       (insight_model_info(insight_gbdt_fit('SELECT t.features, t.label = 1 FROM pack_rows t',
                        '{"rounds": 2}')) ->> 'rows_skipped') AS gbdt_rows_skipped_read;

-- no rows: NULL, and no rows back
SELECT insight_rows_pack(r.key, r.features, r.label) IS NULL AS no_rows FROM pack_rows r WHERE false;

-- errors
SELECT insight_rows_pack(r.key, ARRAY[[1, 2], [3, 4]]::float8[], 1) FROM pack_rows r LIMIT 1;
SELECT insight_rows_pack_accum(NULL, 'a', '{1}', 1);
-- two rows announced, one there
SELECT * FROM insight_rows_unpack((SELECT substring(insight_rows_pack(r.key, r.features, r.label) for 50)
                                     FROM pack_rows r WHERE r.key IN ('1', '10')));

-- the records of rows of features are compact (src/core/row_pack.c): the
-- key as its length + 1 (one byte below 127) and its bytes, the label, the
-- number of features + 1 (0: a NULL array), then each feature; a value is
-- a tag and a small integer in one byte (zig-zag: -64..63), a tag and 8
-- bytes for any other number, a tag alone for NULL; after a header of 12
-- bytes
CREATE FUNCTION pg_temp.value_bytes(v float8) RETURNS integer LANGUAGE sql AS $$
    SELECT CASE WHEN v IS NULL THEN 1 WHEN v = trunc(v) AND v BETWEEN -64 AND 63 AND float8send(v) <> float8send('-0') THEN 2
                WHEN v = trunc(v) AND abs(v) < 2 ^ 53 AND float8send(v) <> float8send('-0') THEN NULL ELSE 9 END $$;
SELECT octet_length((SELECT insight_rows_pack(r.key, r.features, r.label) FROM pack_rows r))
       = 12 + (SELECT sum(1 + coalesce(octet_length(r.key), 0) + pg_temp.value_bytes(r.label) + 1
                          + coalesce((SELECT sum(pg_temp.value_bytes(f)) FROM unnest(r.features) f), 0))
                 FROM pack_rows r) AS compact_size,
       (SELECT count(*) FROM pack_rows r, unnest(r.features) f WHERE pg_temp.value_bytes(f) IS NULL) AS larger_integers;
-- one row, byte by byte: 'ROWC', 1 record, (2: 1 byte) a, the label (tag
-- 1, 1 as 2), 3 features (4), 2.5 (tag 2 and its 8 bytes), NULL (tag 0),
-- -3 (tag 1, 5); a row of NULLs: the key's 0, the label's tag 0, the
-- array's 0; an empty array (1)
SELECT insight_rows_pack('a', '{2.5,NULL,-3}', 1) AS one_row,
       insight_rows_pack(NULL, NULL, NULL) AS null_row,
       insight_rows_pack('', '{}', 0) AS empty_row;
-- values that come back to the bit, as features and labels: integers
-- (small, negative, the largest below 2^53), 2^53 (as a float8), fractions,
-- -0.0, NaN, Infinity, NULL, the smallest subnormal; a key of 200 bytes
-- (a length of two bytes)
CREATE TEMP TABLE row_values AS
SELECT i::text AS key, v
  FROM unnest(ARRAY[0, 1, -1, 63, -64, 64, 1e15, -9007199254740991, 9007199254740991, 9007199254740992,
                    -9007199254740992, 2.5, -0.25, 1e300, 5e-324, '-0', 'NaN', 'Infinity', '-Infinity', NULL]::float8[])
       WITH ORDINALITY x(v, i);
SELECT count(*) AS rows,
       bool_and(float8send(u.label) IS NOT DISTINCT FROM float8send(p.v)
                AND float8send(u.features[1]) IS NOT DISTINCT FROM float8send(p.v)
                AND float8send(u.features[2]) IS NOT DISTINCT FROM float8send(-p.v)
                AND cardinality(u.features) = 2) AS same_bits
  FROM insight_rows_unpack((SELECT insight_rows_pack(p.key, ARRAY[p.v, -p.v], p.v) FROM row_values p)) u
  JOIN row_values p ON p.key = u.key;
SELECT u.key = repeat('k', 200) AS long_key, u.features, u.label,
       substr((SELECT insight_rows_pack(repeat('k', 200), '{7}', 7)), 13, 3) AS long_key_start
  FROM insight_rows_unpack((SELECT insight_rows_pack(repeat('k', 200), '{7}', 7))) u;
-- NaNs of other bits (a payload of 1, the sign bit: SQL makes neither)
-- come back with their bits: packed again, the same bytes
CREATE TEMP TABLE odd_nans AS
SELECT ('\x524f5743' || '0200000000000000' || '026e' || '02' || '010000000000f87f' || '02' || '02' || '000000000000f8ff'
        || '027a' || '00' || '01')::bytea AS packed;
SELECT (SELECT insight_rows_pack(u.key, u.features, u.label) FROM insight_rows_unpack(o.packed) u) = o.packed AS same_bytes
  FROM odd_nans o;
SELECT u.key, float8send(u.label) AS label_bits, float8send(u.features[1]) AS feature_bits, u.features
  FROM odd_nans o, insight_rows_unpack(o.packed) u;
-- hand-built values: the row above; a NULL key, label and array; an empty
-- key and array, -3 as label
SELECT * FROM insight_rows_unpack(('\x524f5743' || '0100000000000000' || '0261' || '0102' || '04'
                                   || '02' || '0000000000000440' || '00' || '0105')::bytea);
SELECT * FROM insight_rows_unpack(('\x524f5743' || '0200000000000000' || '00' || '00' || '00'
                                   || '01' || '0105' || '01')::bytea);
-- malformed ones (XX001): a key's length cut short, past the end, with a
-- needless zero byte; a key not valid text (bytes invalid in UTF-8; a NUL);
-- the label missing, of an unknown tag, an integer stored as a float8; the
-- number of features cut short, of 6 bytes, with a needless zero byte,
-- more than the bytes left; a feature cut short, of an unknown tag, an
-- integer at 2^53 (the bound), a float8 cut short; bytes after the last
-- record; fewer records than the header counts
SELECT * FROM insight_rows_unpack(('\x524f5743' || '0100000000000000' || '80')::bytea);
SELECT * FROM insight_rows_unpack(('\x524f5743' || '0100000000000000' || '05' || '61' || '00' || '00')::bytea);
SELECT * FROM insight_rows_unpack(('\x524f5743' || '0100000000000000' || '8200' || '61' || '00' || '00')::bytea);
SELECT * FROM insight_rows_unpack(('\x524f5743' || '0100000000000000' || '03fffe' || '00' || '00')::bytea);
SELECT * FROM insight_rows_unpack(('\x524f5743' || '0100000000000000' || '036100' || '00' || '00')::bytea);
SELECT * FROM insight_rows_unpack(('\x524f5743' || '0100000000000000' || '0261')::bytea);
SELECT * FROM insight_rows_unpack(('\x524f5743' || '0100000000000000' || '0261' || '03' || '00')::bytea);
SELECT * FROM insight_rows_unpack(('\x524f5743' || '0100000000000000' || '0261' || '02' || '000000000000f03f' || '00')::bytea);
SELECT * FROM insight_rows_unpack(('\x524f5743' || '0100000000000000' || '0261' || '00' || '80')::bytea);
SELECT * FROM insight_rows_unpack(('\x524f5743' || '0100000000000000' || '0261' || '00' || '818080808001')::bytea);
SELECT * FROM insight_rows_unpack(('\x524f5743' || '0100000000000000' || '0261' || '00' || '8200' || '00')::bytea);
SELECT * FROM insight_rows_unpack(('\x524f5743' || '0100000000000000' || '0261' || '00' || '05' || '0000')::bytea);
SELECT * FROM insight_rows_unpack(('\x524f5743' || '0100000000000000' || '0261' || '00' || '03' || '00' || '0180')::bytea);
SELECT * FROM insight_rows_unpack(('\x524f5743' || '0100000000000000' || '0261' || '00' || '02' || '07')::bytea);
SELECT * FROM insight_rows_unpack(('\x524f5743' || '0100000000000000' || '0261' || '00' || '02' || '01' || 'ffffffffffffff1f')::bytea);
SELECT * FROM insight_rows_unpack(('\x524f5743' || '0100000000000000' || '0261' || '00' || '02' || '02' || '00000000000004')::bytea);
SELECT * FROM insight_rows_unpack(('\x524f5743' || '0100000000000000' || '0261' || '00' || '00' || '00')::bytea);
SELECT * FROM insight_rows_unpack(('\x524f5743' || '0200000000000000' || '0261' || '00' || '00')::bytea);
-- not a value of insight_rows_pack (22P03): a header cut short; the
-- former layout of fixed-size records ("ROWP")
SELECT * FROM insight_rows_unpack('\x0001'::bytea);
SELECT * FROM insight_rows_unpack(('\x524f5750' || '0100000000000000' || '02000000' || '00000000' || '00000000'
                                   || '00000000' || '000000000000f03f' || '6162000000000000')::bytea);

-- insight_interactions_pack / insight_interactions_unpack: a recommender's
-- interactions (customer, item, value) collected the same way
CREATE TEMP TABLE pack_pairs AS
SELECT 'c' || (i % 97) AS customer_id, 'item ' || (i * 31 % 53) AS item_id, (1 + i % 5)::float8 AS value
  FROM generate_series(1, 3000) i;
-- duplicate pairs (the trainers sum them), and rows they skip and count
INSERT INTO pack_pairs VALUES ('c1', 'item 1', 2.5), ('c1', 'item 1', 0.25), (NULL, 'item 2', 1),
                              ('c2', NULL, 1), ('c3', 'item 3', NULL), ('', '', 4);
-- every row back, sorted by customer (NULL last): the same multiset of rows
WITH u AS (SELECT x.* FROM insight_interactions_unpack((SELECT insight_interactions_pack(p.customer_id, p.item_id, p.value)
                                                          FROM pack_pairs p)) WITH ORDINALITY x(customer_id, item_id, value, n))
SELECT (SELECT count(*) FROM u) AS rows,
       NOT EXISTS (SELECT customer_id, item_id, value, count(*) FROM u GROUP BY 1, 2, 3
                   EXCEPT ALL SELECT customer_id, item_id, value, count(*) FROM pack_pairs GROUP BY 1, 2, 3)
       AND NOT EXISTS (SELECT customer_id, item_id, value, count(*) FROM pack_pairs GROUP BY 1, 2, 3
                       EXCEPT ALL SELECT customer_id, item_id, value, count(*) FROM u GROUP BY 1, 2, 3) AS same_rows,
       (SELECT bool_and(a.customer_id <= b.customer_id OR b.customer_id IS NULL)
          FROM u a JOIN u b ON b.n = a.n + 1 WHERE a.customer_id IS NOT NULL) AS in_customer_order;
-- the same bytes whatever the split
CREATE TEMP TABLE pair_parts AS
SELECT p.value AS part, insight_interactions_pack(p.customer_id, p.item_id, p.value) AS packed
  FROM pack_pairs p GROUP BY p.value;
SELECT (SELECT insight_interactions_pack(p.customer_id, p.item_id, p.value) FROM pack_pairs p)
         = (SELECT pg_temp.pack_merge(x.packed ORDER BY x.part NULLS FIRST) FROM pair_parts x) AS pairs_merged_ascending,
       (SELECT insight_interactions_pack(p.customer_id, p.item_id, p.value) FROM pack_pairs p)
         = (SELECT pg_temp.pack_merge(x.packed ORDER BY x.part DESC NULLS LAST) FROM pair_parts x) AS pairs_merged_descending;
-- the recommenders fit the same model from the packed rows as from the rows
-- read directly, in any order (rows_read and rows_skipped included)
CREATE FUNCTION pg_temp.packed_pairs() RETURNS text LANGUAGE sql AS $$
    SELECT 'SELECT u.customer_id, u.item_id, u.value FROM insight_interactions_unpack(
              (SELECT insight_interactions_pack(p.customer_id, p.item_id, p.value) FROM pack_pairs p)) u' $$;
SELECT insight_als_fit(pg_temp.packed_pairs(), factors => 4, iterations => 3)
       = insight_als_fit('SELECT customer_id, item_id, value FROM pack_pairs ORDER BY value, item_id DESC', factors => 4, iterations => 3) AS als_same_model,
       insight_itemknn_fit(pg_temp.packed_pairs(), 10)
       = insight_itemknn_fit('SELECT customer_id, item_id, value FROM pack_pairs ORDER BY item_id, value DESC', 10) AS itemknn_same_model,
       insight_popularity_fit(pg_temp.packed_pairs())
       = insight_popularity_fit('SELECT customer_id, item_id, value FROM pack_pairs') AS popularity_same_model,
       insight_model_info(insight_popularity_fit(pg_temp.packed_pairs())) ->> 'rows_skipped' AS rows_skipped;
-- (a model from other rows differs: the comparison can fail)
SELECT insight_als_fit(pg_temp.packed_pairs(), factors => 4, iterations => 3)
       = insight_als_fit('SELECT customer_id, item_id, value FROM pack_pairs WHERE value <> 0.25', factors => 4, iterations => 3) AS als_other_rows_same_model;
SELECT insight_interactions_pack(p.customer_id, p.item_id, p.value) IS NULL AS no_pairs FROM pack_pairs p WHERE false;
-- each unpack function refuses the other's rows; a malformed item
SELECT * FROM insight_rows_unpack((SELECT insight_interactions_pack(p.customer_id, p.item_id, p.value) FROM pack_pairs p));
SELECT * FROM insight_interactions_unpack((SELECT insight_rows_pack(r.key, r.features, r.label) FROM pack_rows r));
SELECT insight_interactions_pack_accum(NULL, 'a', 'b', 1);
-- the records of interactions are compact (src/core/row_pack.c): per pair
-- a length + 1 (one byte below 127), the customer's bytes, the same for the
-- item, then a tag and a small integer in one byte (zig-zag: 1..5 as 2..10),
-- a tag and 8 bytes for any other number, a tag alone for NULL; after a
-- header of 12 bytes
SELECT octet_length((SELECT insight_interactions_pack(p.customer_id, p.item_id, p.value) FROM pack_pairs p))
       = 12 + (SELECT sum(2 + coalesce(octet_length(p.customer_id), 0) + coalesce(octet_length(p.item_id), 0)
                          + CASE WHEN p.value IS NULL THEN 1 WHEN p.value = trunc(p.value) THEN 2 ELSE 9 END)
                 FROM pack_pairs p) AS compact_size;
-- one pair, byte by byte: 'PAIR', 1 record, (2: 1 byte) a, (3: 2 bytes) bc,
-- tag 1 and 1 as 2; NULLs as a 0 length and tag 0
SELECT insight_interactions_pack('a', 'bc', 1) AS one_pair,
       insight_interactions_pack(NULL, NULL, NULL) AS null_pair;
-- values that round-trip to the bit: integers (small, negative, the largest
-- below 2^53), 2^53 (as a float8), fractions, -0.0, NaN, Infinity, NULL;
-- keys of 200 bytes (a length of two bytes) and of 0 bytes
CREATE TEMP TABLE pack_values AS
SELECT i, 'c' || i AS customer_id, CASE WHEN i = 2 THEN repeat('é', 100) WHEN i = 3 THEN '' ELSE 'item ' || i END AS item_id, v
  FROM unnest(ARRAY[0, 1, -1, 63, -64, 64, 1e15, -9007199254740991, 9007199254740991, 9007199254740992,
                    -9007199254740992, 2.5, -0.25, 1e300, '-0', 'NaN', 'Infinity', '-Infinity', NULL]::float8[])
       WITH ORDINALITY x(v, i);
INSERT INTO pack_values VALUES (100, repeat('k', 200), 'i', 7);
SELECT count(*) AS rows,
       bool_and(u.customer_id = p.customer_id AND u.item_id = p.item_id
                AND float8send(u.value) IS NOT DISTINCT FROM float8send(p.v)) AS same_bits
  FROM insight_interactions_unpack((SELECT insight_interactions_pack(p.customer_id, p.item_id, p.v) FROM pack_values p)) u
  JOIN pack_values p ON p.customer_id = u.customer_id;
-- the long key's length takes two bytes (201 = c9 01)
SELECT substr(insight_interactions_pack(repeat('k', 200), 'i', 7), 13, 3) AS long_key_start;
-- a pack holds one kind of records: the combine function refuses the
-- other kind (an aggregate over a state of each)
SELECT pg_temp.pack_merge(x) FROM (SELECT insight_interactions_pack('a', 'b', 1)
                                   UNION ALL SELECT insight_rows_pack('a', '{1}', 1)) v(x);
-- hand-built values: a well-formed pair (a, bc, 1), and NULLs, -3, 2.5
SELECT * FROM insight_interactions_unpack(('\x50414952' || '0100000000000000' || '0261' || '036263' || '0102')::bytea);
SELECT * FROM insight_interactions_unpack(('\x50414952' || '0300000000000000' || '000000' || '0261' || '00' || '0105'
                                           || '0100' || '02' || '0000000000000440')::bytea);
-- malformed ones (XX001): a length's varint cut short, one too long (6
-- bytes), one with a needless zero byte; a length past the end; a key not
-- valid text (bytes invalid in UTF-8; a NUL); the value's tag missing,
-- unknown; an integer cut short, at 2^53 (the bound), of 9 bytes; an
-- integer stored as a float8; a float8 cut short; bytes after the last
-- record; fewer records than the header counts
SELECT * FROM insight_interactions_unpack(('\x50414952' || '0100000000000000' || '80')::bytea);
SELECT * FROM insight_interactions_unpack(('\x50414952' || '0100000000000000' || '818080808001' || '00' || '00')::bytea);
SELECT * FROM insight_interactions_unpack(('\x50414952' || '0100000000000000' || '8200' || '61' || '00' || '00')::bytea);
SELECT * FROM insight_interactions_unpack(('\x50414952' || '0100000000000000' || '05' || '61' || '00' || '00')::bytea);
SELECT * FROM insight_interactions_unpack(('\x50414952' || '0100000000000000' || '0261' || '03fffe' || '00')::bytea);
SELECT * FROM insight_interactions_unpack(('\x50414952' || '0100000000000000' || '0200' || '0262' || '00')::bytea);
SELECT * FROM insight_interactions_unpack(('\x50414952' || '0100000000000000' || '0261' || '0262')::bytea);
SELECT * FROM insight_interactions_unpack(('\x50414952' || '0100000000000000' || '0261' || '0262' || '03')::bytea);
SELECT * FROM insight_interactions_unpack(('\x50414952' || '0100000000000000' || '0261' || '0262' || '0180')::bytea);
SELECT * FROM insight_interactions_unpack(('\x50414952' || '0100000000000000' || '0261' || '0262' || '01' || 'ffffffffffffff1f')::bytea);
SELECT * FROM insight_interactions_unpack(('\x50414952' || '0100000000000000' || '0261' || '0262' || '01' || 'ffffffffffffffff01')::bytea);
SELECT * FROM insight_interactions_unpack(('\x50414952' || '0100000000000000' || '0261' || '0262' || '02' || '000000000000f03f')::bytea);
SELECT * FROM insight_interactions_unpack(('\x50414952' || '0100000000000000' || '0261' || '0262' || '02' || '00000000000004')::bytea);
SELECT * FROM insight_interactions_unpack(('\x50414952' || '0100000000000000' || '0261' || '0262' || '0102' || 'ff')::bytea);
SELECT * FROM insight_interactions_unpack(('\x50414952' || '0200000000000000' || '0261' || '0262' || '0102')::bytea);
-- the largest integer in a varint: 2^53 - 1 (zig-zag 2^54 - 2)
SELECT * FROM insight_interactions_unpack(('\x50414952' || '0100000000000000' || '0261' || '0262' || '01' || 'feffffffffffff1f')::bytea);
-- not a packed value (22P03): a header cut short, an unknown format
SELECT * FROM insight_interactions_unpack('\x5041495201'::bytea);
SELECT * FROM insight_interactions_unpack(('\x50414953' || '0000000000000000')::bytea);
-- an interaction in the former layout of the rows of features (its first
-- layout, flag 2) is not a packed value any more
SELECT * FROM insight_interactions_unpack(('\x524f5750' || '0100000000000000' || '01000000' || 'ffffffff' || '00000200'
                                           || '02000000' || '000000000000f03f' || '6162630000000000')::bytea);

-- a state of interactions that leaves the aggregate (a Citus shard's
-- partial state, a parallel worker's; here the state of an aggregate with
-- no final function) takes its "PDIC" form when smaller than its records:
-- the items once each, then each customer once with its pairs (an item's
-- number and the value), the NULL customer's last
CREATE AGGREGATE pg_temp.pair_state(text, text, float8) (
    SFUNC = insight_interactions_pack_accum, STYPE = bytea);
SELECT pg_temp.pair_state(c, i, v ORDER BY n) AS dict_state
  FROM (VALUES (1, 'b', 'item', 1), (2, 'a', 'item', 2.5), (3, 'b', 'item', NULL),
               (4, NULL, 'thing', 3), (5, 'b', NULL, 4)) x(n, c, i, v);
-- not smaller: its records
SELECT pg_temp.pair_state(c, i, v ORDER BY n) AS record_state
  FROM (VALUES (1, 'b', 'x', 1), (2, 'a', 'y', 2.5)) x(n, c, i, v);
-- the partial states of the pairs above, one per value (that form for the
-- 5 of 600 pairs, records for the 3 of 1 pair): smaller than their
-- records, their rows back from each (unpacked as they are, or combined), the same packed
-- rows from them merged in any order
CREATE TEMP TABLE pair_states AS
SELECT p.value AS part, pg_temp.pair_state(p.customer_id, p.item_id, p.value) AS state,
       insight_interactions_pack(p.customer_id, p.item_id, p.value) AS packed
  FROM pack_pairs p GROUP BY p.value;
SELECT count(*) FILTER (WHERE substr(s.state, 1, 4) = '\x50444943'::bytea) AS dict_states, count(*) AS states,
       sum(octet_length(s.state)) AS state_bytes, sum(octet_length(s.packed)) AS record_bytes,
       bool_and(NOT EXISTS (SELECT * FROM insight_interactions_unpack(s.state)
                            EXCEPT ALL SELECT * FROM insight_interactions_unpack(s.packed))
                AND NOT EXISTS (SELECT * FROM insight_interactions_unpack(s.packed)
                                EXCEPT ALL SELECT * FROM insight_interactions_unpack(s.state))) AS same_rows
  FROM pair_states s;
SELECT (SELECT insight_interactions_pack(p.customer_id, p.item_id, p.value) FROM pack_pairs p)
         = (SELECT pg_temp.pack_merge(s.state ORDER BY s.part NULLS FIRST) FROM pair_states s) AS states_merged_ascending,
       (SELECT insight_interactions_pack(p.customer_id, p.item_id, p.value) FROM pack_pairs p)
         = (SELECT pg_temp.pack_merge(s.state ORDER BY s.part DESC NULLS LAST) FROM pair_states s) AS states_merged_descending;
-- its values to the bit, from the state of pack_values
SELECT count(*) AS rows,
       bool_and(u.customer_id = p.customer_id AND u.item_id = p.item_id
                AND float8send(u.value) IS NOT DISTINCT FROM float8send(p.v)) AS same_bits
  FROM insight_interactions_unpack((SELECT pg_temp.pair_state(p.customer_id, p.item_id, p.v)
                                      FROM pack_values p, generate_series(1, 3) g)) u
  JOIN pack_values p ON p.customer_id = u.customer_id;
-- malformed ones (XX001): more items than bytes; an item past the end; an
-- item not valid text; a customer of no pair, of more pairs than the
-- header's; an item number past the items; a malformed value; fewer pairs
-- than the header's; bytes after them; pairs of more than 1 GB as records
-- (an item of a million bytes, 1,100 pairs of it)
SELECT * FROM insight_interactions_unpack(('\x50444943' || '0100000000000000' || '05' || '0161')::bytea);
SELECT * FROM insight_interactions_unpack(('\x50444943' || '0100000000000000' || '01' || '0561' || '00' || '0100')::bytea);
SELECT * FROM insight_interactions_unpack(('\x50444943' || '0100000000000000' || '01' || '01ff' || '00' || '0100')::bytea);
SELECT * FROM insight_interactions_unpack(('\x50444943' || '0100000000000000' || '01' || '0161' || '01' || '016100' || '0100')::bytea);
SELECT * FROM insight_interactions_unpack(('\x50444943' || '0100000000000000' || '01' || '0161' || '01' || '016102' || '0100' || '0100')::bytea);
SELECT * FROM insight_interactions_unpack(('\x50444943' || '0100000000000000' || '01' || '0161' || '01' || '016101' || '0200')::bytea);
SELECT * FROM insight_interactions_unpack(('\x50444943' || '0100000000000000' || '01' || '0161' || '01' || '016101' || '0104')::bytea);
SELECT * FROM insight_interactions_unpack(('\x50444943' || '0200000000000000' || '01' || '0161' || '01' || '016101' || '0100')::bytea);
SELECT * FROM insight_interactions_unpack(('\x50444943' || '0100000000000000' || '01' || '0161' || '01' || '016101' || '0100' || '00')::bytea);
SELECT * FROM insight_interactions_unpack(decode('50444943' || '4c04000000000000' || '01' || 'c0843d' || repeat('61', 1000000)
                                                 || '00' || repeat('0100', 1100), 'hex'));
-- more pairs than that form holds (4 Mi + 1)
SELECT * FROM insight_interactions_unpack(('\x50444943' || '0100400000000000' || '00' || '00')::bytea);
-- a well-formed one: (a, a, NULL)
SELECT * FROM insight_interactions_unpack(('\x50444943' || '0100000000000000' || '01' || '0161' || '01' || '016101' || '0100')::bytea);

-- in parallel workers (their states in that form, combined by the leader):
-- the same packed pairs as serially
CREATE TABLE pack_pairs_big AS SELECT p.* FROM pack_pairs p, generate_series(1, 20) g;
ANALYZE pack_pairs_big;
CREATE TEMP TABLE pair_serial AS
SELECT insight_interactions_pack(p.customer_id, p.item_id, p.value) AS packed FROM pack_pairs_big p;
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
SET parallel_leader_participation = off;
SELECT count(*) AS partial_aggregates_in_workers
  FROM pg_temp.plan('SELECT insight_interactions_pack(p.customer_id, p.item_id, p.value) FROM pack_pairs_big p') line
 WHERE line ~ 'Partial Aggregate|Workers Planned: 2';
SELECT (SELECT insight_interactions_pack(p.customer_id, p.item_id, p.value) FROM pack_pairs_big p) = s.packed AS parallel_same_bytes,
       (SELECT count(*) FROM insight_interactions_unpack(s.packed)) AS rows
  FROM pair_serial s;
RESET parallel_setup_cost;
RESET parallel_tuple_cost;
RESET min_parallel_table_scan_size;
RESET max_parallel_workers_per_gather;
RESET parallel_leader_participation;
DROP TABLE pack_pairs_big;

-- random mutations of packed values of every form (rows of features:
-- records as a state leaves the aggregate and as the final function gives
-- them; pairs: the dictionary form, records, a dictionary without a NULL
-- customer): a byte or a few overwritten, the value cut short, a byte
-- added. Each through the unpack function and the combine and final
-- functions (with a well-formed state of its kind): only clear errors
-- (22P03, XX001; 22023 for records of the other kind), and a value that is
-- accepted is the canonical encoding of the rows it gives back (they pack
-- to the bytes of the value, sorted), so it cannot read as other rows (a
-- decoder that accepts an integer stored as 8 bytes fails here: 7 of these
-- values then read as other rows)
CREATE AGGREGATE pg_temp.row_state(text, float8[], float8) (
    SFUNC = insight_rows_pack_accum, STYPE = bytea);
CREATE TEMP TABLE fz_rows AS
SELECT CASE WHEN i % 41 = 0 THEN NULL ELSE 'c' || i END AS key,
       CASE WHEN i % 37 = 0 THEN NULL WHEN i % 31 = 0 THEN '{}'
            ELSE ARRAY[i % 9, i / 3.0, CASE WHEN i % 7 = 0 THEN NULL ELSE -i * 1e10 END, 'NaN'] END::float8[] AS features,
       CASE WHEN i % 17 = 0 THEN NULL ELSE (i % 2)::float8 END AS label
  FROM generate_series(1, 120) i;
CREATE TEMP TABLE fz_pairs AS
SELECT CASE WHEN i % 41 = 0 THEN NULL ELSE 'c' || (i % 13) END AS c,
       CASE WHEN i % 37 = 0 THEN NULL WHEN i % 50 = 0 THEN repeat('é', 70) ELSE 'it' || (i * 7 % 23) END AS it,
       CASE WHEN i % 17 = 0 THEN NULL WHEN i % 5 = 0 THEN i / 3.0 WHEN i % 29 = 0 THEN -i * 1e10 ELSE (i % 9)::float8 END AS v
  FROM generate_series(1, 300) i;
CREATE TEMP TABLE fz_results (kind text, outcome text);
DO $$
DECLARE
  base bytea[];
  pairs boolean;
  b bytea;
  n int;
  pos int;
  kind int;
  outcome text;
BEGIN
  PERFORM setseed(0.1717);
  base := ARRAY[(SELECT pg_temp.row_state(key, features, label) FROM fz_rows),
                (SELECT insight_rows_pack(key, features, label) FROM fz_rows),
                (SELECT pg_temp.pair_state(c, it, v) FROM fz_pairs),
                (SELECT insight_interactions_pack(c, it, v) FROM fz_pairs),
                (SELECT pg_temp.pair_state(c, it, v) FROM fz_pairs WHERE c IS NOT NULL)];
  FOR k IN 1..30000 LOOP
    b := base[1 + k % 5];
    pairs := k % 5 >= 2;
    n := length(b);
    kind := (random() * 4)::int;
    IF kind = 0 THEN
      b := substr(b, 1, 12 + (random() * (n - 12))::int);
    ELSIF kind = 1 THEN
      b := b || decode(lpad(to_hex((random() * 255)::int), 2, '0'), 'hex');
    ELSE
      FOR j IN 1..(1 + (random() * 3)::int) LOOP
        pos := 12 + (random() * (n - 13))::int;
        IF random() < 0.05 THEN pos := (random() * 11)::int; END IF;
        b := set_byte(b, pos, (random() * 255)::int);
      END LOOP;
    END IF;
    BEGIN
      IF pairs THEN
        PERFORM count(*) FROM insight_interactions_unpack(b);
        outcome := CASE WHEN (SELECT insight_interactions_pack(u.customer_id, u.item_id, u.value)
                                FROM insight_interactions_unpack(b) u)
                             IS NOT DISTINCT FROM (SELECT pg_temp.pack_merge(b) WHERE substr(b, 5, 8) <> '\x0000000000000000')
                        THEN 'accepted, canonical' ELSE 'accepted, other rows' END;
      ELSE
        PERFORM count(*) FROM insight_rows_unpack(b);
        outcome := CASE WHEN (SELECT insight_rows_pack(u.key, u.features, u.label) FROM insight_rows_unpack(b) u)
                             IS NOT DISTINCT FROM (SELECT pg_temp.pack_merge(b) WHERE substr(b, 5, 8) <> '\x0000000000000000')
                        THEN 'accepted, canonical' ELSE 'accepted, other rows' END;
      END IF;
      PERFORM length(pg_temp.pack_merge(x)) FROM (VALUES (b), (base[1 + k % 5])) v(x);
    EXCEPTION WHEN OTHERS THEN
      outcome := SQLSTATE;
    END;
    INSERT INTO fz_results VALUES (CASE WHEN pairs THEN 'pairs' ELSE 'rows' END, outcome);
  END LOOP;
END $$;
SELECT kind, count(*) AS mutations, bool_and(outcome IN ('accepted, canonical', '22P03', 'XX001', '22023')) AS only_clear_errors,
       count(*) FILTER (WHERE outcome LIKE 'accepted%') > 0 AS some_accepted,
       count(*) FILTER (WHERE outcome = 'XX001') > 0 AS some_malformed,
       array_agg(DISTINCT outcome ORDER BY outcome) AS outcomes
  FROM fz_results GROUP BY kind ORDER BY kind;
