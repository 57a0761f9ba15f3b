-- Model format and registry.
\set VERBOSITY default
CREATE TABLE fit_rows (x float8[]);
INSERT INTO fit_rows VALUES ('{1,10}'), ('{2,20}'), ('{3,30}'), ('{4,40}');
CREATE TABLE m AS SELECT insight_scaler_fit(x) AS w FROM fit_rows;

-- the header, as documented
SELECT octet_length(w) AS bytes,
       encode(substring(w FROM 1 FOR 4), 'escape') AS magic,
       get_byte(w, 4) + 256 * get_byte(w, 5) AS version,
       get_byte(w, 6) AS algorithm,
       get_byte(w, 16) AS count0,
       get_byte(w, 32) AS payload_bytes
  FROM m;
SELECT insight_model_info(w) - 'checksum' AS info FROM m;
SELECT insight_model_info(w) ->> 'checksum' ~ '^[0-9a-f]{8}$' AS checksum_is_hex FROM m;

-- corrupted or foreign values: a clear error, never a crash
SELECT insight_model_info(substring(w FROM 1 FOR octet_length(w) - 1)) FROM m;  -- truncated payload
SELECT insight_model_info(substring(w FROM 1 FOR 20)) FROM m;                   -- truncated header
SELECT insight_model_info(set_byte(w, 60, get_byte(w, 60) # 1)) FROM m;        -- one bit flipped
SELECT insight_model_info(set_byte(w, 4, 2)) FROM m;                            -- unknown format version
SELECT insight_model_info(set_byte(w, 6, 99)) FROM m;                           -- unknown algorithm
SELECT insight_model_info(set_byte(w, 12, 1)) FROM m;                           -- reserved field
SELECT insight_model_info(w || '\x00'::bytea) FROM m;                           -- trailing byte
SELECT insight_model_info('\x0102'::bytea);                                     -- foreign value
SELECT insight_model_info(''::bytea);
SELECT insight_model_info(convert_to('INSM' || repeat('x', 60), 'UTF8'));
SELECT insight_scaler_transform(set_byte(w, 50, 7), '{1,2}') FROM m;
\set VERBOSITY terse

-- the same value read back from every storage strategy: short varlena
-- header (small), compressed, and out of line
CREATE TABLE stored (kind text, w bytea);
CREATE FUNCTION fit_big() RETURNS bytea LANGUAGE sql AS
$$ SELECT insight_scaler_fit(array_fill(i::float8, ARRAY[3000])) FROM generate_series(1, 3) i $$;
CREATE FUNCTION fit_small() RETURNS bytea LANGUAGE sql AS
$$ SELECT insight_scaler_fit(x) FROM fit_rows $$;
ALTER TABLE stored ALTER COLUMN w SET STORAGE PLAIN;
INSERT INTO stored VALUES ('plain, small', fit_small());
ALTER TABLE stored ALTER COLUMN w SET STORAGE MAIN;
INSERT INTO stored VALUES ('main, big', fit_big());
ALTER TABLE stored ALTER COLUMN w SET STORAGE EXTERNAL;
INSERT INTO stored VALUES ('external, big', fit_big());
ALTER TABLE stored ALTER COLUMN w SET STORAGE EXTENDED;
INSERT INTO stored VALUES ('extended, big', fit_big()), ('extended, small', fit_small());
-- stored_bytes: 97 = the 96 bytes behind a 1-byte varlena header, 600 =
-- compressed inline, 48064 = out of line, uncompressed (in the TOAST table)
SELECT s.kind, octet_length(s.w) AS bytes, pg_column_size(s.w) AS stored_bytes,
       pg_column_compression(s.w) AS compression,
       s.w = CASE WHEN s.kind LIKE '%big' THEN fit_big() ELSE fit_small() END AS identical,
       (insight_model_info(s.w) ->> 'features')::int AS features,
       (insight_model_info(s.w) -> 'means' ->> 0)::float8 AS first_mean
  FROM stored s
 ORDER BY s.kind;
SELECT pg_relation_size(c.reltoastrelid) > 48000 AS external_value_in_toast
  FROM pg_class c WHERE c.relname = 'stored';

-- registry: versions per task, candidates until activated
SELECT insight_store_model('test', 'scaler', w, '{"p": 1}', '{"auc": 0.5}', ARRAY['a', 'b']) AS m1 FROM m \gset
SELECT insight_store_model('test', 'scaler', w) AS m2 FROM m \gset
SELECT insight_store_model('test', 'scaler', w) AS m3 FROM m \gset
SELECT insight_store_model('other', 'scaler', w) AS o1 FROM m \gset
SELECT model_id - :m1 AS id, task, algorithm, version, status, params, metrics, feature_names
  FROM insight_models ORDER BY model_id;
SELECT insight_store_model('test', 'logreg', w) FROM m;                 -- header says scaler
SELECT insight_store_model('test', 'scaler', set_byte(w, 60, get_byte(w, 60) # 1)) FROM m; -- corrupt: not stored
SELECT insight_store_model(NULL, 'scaler', w) FROM m;
SELECT count(*) AS models FROM insight_models;

SELECT insight_activate(:m1) = :m1 AS activated;
SELECT insight_activate(:m2) = :m2 AS activated;
SELECT insight_activate(:m3) = :m3 AS activated;
SELECT insight_activate(:o1) = :o1 AS activated;
SELECT insight_activate(:m3) = :m3 AS again;   -- notice, nothing changes
SELECT model_id - :m1 AS id, task, status FROM insight_models ORDER BY model_id;
SELECT insight_activate(-1);

-- at most one active model per task, whatever path the update takes
UPDATE insight_models SET status = 'active' WHERE model_id = :m1;
-- rows are immutable except status
UPDATE insight_models SET weights = '\x00' WHERE model_id = :m1;
UPDATE insight_models SET metrics = '{}' WHERE model_id = :m1;
UPDATE insight_models SET status = 'bogus' WHERE model_id = :m1;

-- rollback walks back through the activation history, then stops
SELECT insight_rollback('test') - :m1 AS now_active;
SELECT insight_rollback('test') - :m1 AS now_active;
SELECT insight_rollback('test');
SELECT insight_rollback('nothing');
SELECT model_id - :m1 AS id, task, status FROM insight_models ORDER BY model_id;
SELECT model_id - :m1 AS id, previous_model_id - :m1 AS previous, is_rollback
  FROM insight_model_activations ORDER BY activation_id;

-- history A, B, A, C rolls back to A, B, A, then stops
SELECT insight_store_model('stack', 'scaler', w) AS a FROM m \gset
SELECT insight_store_model('stack', 'scaler', w) AS b FROM m \gset
SELECT insight_store_model('stack', 'scaler', w) AS c FROM m \gset
SELECT insight_activate(:a) IS NOT NULL, insight_activate(:b) IS NOT NULL,
       insight_activate(:a) IS NOT NULL, insight_activate(:c) IS NOT NULL;
SELECT CASE insight_rollback('stack') WHEN :a THEN 'A' WHEN :b THEN 'B' WHEN :c THEN 'C' END AS active;
SELECT CASE insight_rollback('stack') WHEN :a THEN 'A' WHEN :b THEN 'B' WHEN :c THEN 'C' END AS active;
SELECT CASE insight_rollback('stack') WHEN :a THEN 'A' WHEN :b THEN 'B' WHEN :c THEN 'C' END AS active;
SELECT insight_rollback('stack');
-- a status changed behind insight_activate's back is refused by rollback
UPDATE insight_models SET status = 'retired' WHERE task = 'stack' AND status = 'active';
UPDATE insight_models SET status = 'active' WHERE model_id = :c;
SELECT insight_rollback('stack');

-- weights that are not a model never enter the table, whatever the path
INSERT INTO insight_models (task, algorithm, version, weights) VALUES ('junk', 'scaler', 1, '\xdeadbeef');

-- the tables are kept by pg_dump
SELECT c.relname
  FROM pg_extension e, unnest(e.extconfig) AS cfg(oid) JOIN pg_class c ON c.oid = cfg.oid
 WHERE e.extname = 'insight' AND c.relname LIKE ANY (ARRAY['insight_model%', 'insight_sales_sources'])
 ORDER BY 1;

-- clean up for later tests
DELETE FROM insight_model_activations;
DELETE FROM insight_models;
DROP TABLE fit_rows, m, stored;
DROP FUNCTION fit_big(), fit_small();
