-- k-means building blocks (src/kmeans.c, src/kmeans_pass.c).
CREATE TEMP TABLE km_dup (features float8[]);
INSERT INTO km_dup VALUES ('{0,0}'), ('{0,0}'), ('{1,1}'), ('{1,1}'), ('{5,5}');

-- Duplicate points, k = 4: three clusters exactly at the points, inertia 0.
CREATE TEMP TABLE km_model AS SELECT insight_kmeans_fit('SELECT features FROM km_dup', 4) AS m;
SELECT c.* FROM km_model, insight_kmeans_centroids(m) c ORDER BY centroid;
SELECT i->'k' AS k, i->'requested_k' AS requested_k, i->'inertia' AS inertia,
       (i->>'iterations')::int <= 3 AS few_iterations, i->'sizes' AS sizes, i->'silhouette' AS silhouette
  FROM km_model, insight_model_info(m) i;
-- k = 6 > 5 points; k < 1
SELECT insight_kmeans_fit('SELECT features FROM km_dup', 6);
SELECT insight_kmeans_fit('SELECT features FROM km_dup', 0);
-- four copies of {3,3}, k = 2: one centre {3,3}, never NaN
SELECT c.*, insight_model_info(m)->'inertia' AS inertia
  FROM (SELECT insight_kmeans_fit('SELECT ARRAY[3, 3]::float8[] FROM generate_series(1, 4)', 2) AS m) t,
       insight_kmeans_centroids(m) c;
-- one point, k = 1
SELECT centroid, size FROM insight_kmeans_centroids(insight_kmeans_fit('SELECT ''{2.5,-1}''::float8[]', 1));
-- k => NULL cannot be chosen when all rows are equal
SELECT insight_kmeans_fit('SELECT ARRAY[3, 3]::float8[] FROM generate_series(1, 4)', NULL);
SELECT insight_kmeans_fit('SELECT ARRAY[3, 3]::float8[] FROM generate_series(1, 2)', NULL);

-- Bad parameters and inputs.
SELECT insight_kmeans_fit(NULL, 2);
SELECT insight_kmeans_fit('SELECT features FROM km_dup', 2, max_iterations => 0);
SELECT insight_kmeans_fit('SELECT features FROM km_dup', 2, tolerance => -1);
SELECT insight_kmeans_fit('SELECT features FROM km_dup', 2, tolerance => 'NaN');
SELECT insight_kmeans_fit('SELECT features FROM km_dup', 2, n_init => 0);
SELECT insight_kmeans_fit('SELECT 1', 2);
SELECT insight_kmeans_fit('SELECT features FROM no_such_table', 2);
SELECT insight_kmeans_fit('SELECT ARRAY[1, ''NaN'']::float8[]', 1);
SELECT insight_kmeans_fit('SELECT ARRAY[1, ''Infinity'']::float8[]', 1);
SELECT insight_kmeans_fit('SELECT ARRAY[1e300, 0]::float8[] UNION ALL SELECT ARRAY[-1e300, 0]', 1);
SELECT insight_kmeans_fit('SELECT ARRAY[1, 2]::float8[] UNION ALL SELECT ARRAY[1, 2, 3]', 1);
SELECT insight_kmeans_fit('SELECT features FROM km_dup', 2, initial_centroids => '{1,2}');
SELECT insight_kmeans_fit('SELECT features FROM km_dup', 3, initial_centroids => '{{0,0},{1,1}}');
SELECT insight_kmeans_fit('SELECT features FROM km_dup', 2, initial_centroids => '{{0,0,0},{1,1,1}}');
SELECT insight_kmeans_fit('SELECT features FROM km_dup', 2, initial_centroids => '{{0,NaN},{1,1}}');
-- empty input: NULL; only NULL rows: NULL with a notice
SELECT insight_kmeans_fit('SELECT features FROM km_dup WHERE false', 2) IS NULL AS empty_is_null;
SELECT insight_kmeans_fit('SELECT NULL::float8[] UNION ALL SELECT ''{1,NULL}''', 2) IS NULL AS nulls_only;
-- NULL rows are skipped and counted; a trailing semicolon is fine
SELECT i->'rows' AS rows, i->'rows_skipped' AS skipped, i->'k' AS k
  FROM insight_model_info(insight_kmeans_fit(
    'SELECT features FROM km_dup UNION ALL SELECT NULL UNION ALL SELECT ''{1,NULL}'';', 3)) i;

-- Zero-variance feature: the second feature is constant.
SELECT cluster, centroid, size
  FROM insight_kmeans_centroids(insight_kmeans_fit(
    'SELECT ARRAY[(i % 2) * 10 + i % 3, 7]::float8[] FROM generate_series(1, 60) i', 2))
 ORDER BY centroid;

-- Given initial centroids: Lloyd's algorithm by hand on 1-D points 0, 1, 9, 10
-- started from {0} and {1}: {0} | {1, 9, 10} -> centres 0, 6.67;
-- {0, 1} | {9, 10} -> centres 0.5, 9.5; stable.
SELECT i->'iterations' AS iterations, i->'inertia' AS inertia, i->'centroids' AS centroids, i->'n_init' AS n_init
  FROM insight_model_info(insight_kmeans_fit('SELECT ARRAY[x]::float8[] FROM unnest(''{0,1,9,10}''::float8[]) x',
       NULL, tolerance => 0, initial_centroids => '{{0},{1}}')) i;
-- max_iterations = 1 stops after the first update (0 | 1, 9, 10)
SELECT i->'iterations' AS iterations, i->'centroids' AS centroids, i->'sizes' AS sizes
  FROM insight_model_info(insight_kmeans_fit('SELECT ARRAY[x]::float8[] FROM unnest(''{0,1,9,10}''::float8[]) x',
       2, max_iterations => 1, tolerance => 0, initial_centroids => '{{0},{1}}')) i;

-- Three well separated groups of 400 points: found exactly.
CREATE TEMP TABLE km_blobs AS
SELECT ARRAY[g * 10 + sin(i), g * -5 + cos(3 * i)]::float8[] AS features, g
  FROM generate_series(1, 1200) i, LATERAL (SELECT i % 3 AS g) t;
CREATE TEMP TABLE km_blob_model AS SELECT insight_kmeans_fit('SELECT features FROM km_blobs', 3, seed => 42) AS m;
SELECT cluster, round(centroid[1]::numeric, 3) AS x, round(centroid[2]::numeric, 3) AS y, size
  FROM km_blob_model, insight_kmeans_centroids(m) ORDER BY x;
-- every group maps to one cluster
SELECT g, count(DISTINCT insight_kmeans_assign(m, features)) AS clusters
  FROM km_blobs, km_blob_model GROUP BY g ORDER BY g;
-- the same seed gives the same bytes; the inertia is the sum of squared distances
SELECT insight_kmeans_fit('SELECT features FROM km_blobs', 3, seed => 42) = m AS same_bytes FROM km_blob_model;
SELECT round((insight_model_info(m)->>'inertia')::numeric, 6) AS inertia,
       (SELECT round(sum((b.features[1] - c.centroid[1])^2 + (b.features[2] - c.centroid[2])^2)::numeric, 6)
          FROM km_blobs b, insight_kmeans_centroids(m) c
         WHERE c.cluster = insight_kmeans_assign(m, b.features)) AS sum_of_squares
  FROM km_blob_model;
-- k => NULL finds k = 3 and records the curve
SELECT i->'k' AS k, i->'k_chosen_by' AS chosen_by, jsonb_array_length(i->'k_curve') AS curve_points,
       (SELECT max((e->>'silhouette')::float8) FROM jsonb_array_elements(i->'k_curve') e) = (i->>'silhouette')::float8 AS best_silhouette
  FROM insight_model_info(insight_kmeans_fit('SELECT features FROM km_blobs', NULL, n_init => 3)) i;

-- Assign: nearest centroid, NULL element, wrong width, NaN, corrupt model.
SELECT insight_kmeans_assign(m, '{0,0}') = insight_kmeans_assign(m, '{0.1,0.1}') AS same, 
       insight_kmeans_assign(m, '{1,NULL}') IS NULL AS null_element
  FROM km_blob_model;
SELECT insight_kmeans_assign(m, '{1,2,3}') FROM km_blob_model;
SELECT insight_kmeans_assign(m, '{1,NaN}') FROM km_blob_model;
SELECT insight_kmeans_assign(set_byte(m, 60, get_byte(m, 60) # 1), '{1,2}') FROM km_blob_model;
SELECT insight_kmeans_assign(insight_scaler_fit(features), '{1,2}') FROM km_blobs;
SELECT insight_kmeans_centroids(substr(m, 1, 60)) FROM km_blob_model;

-- The pass aggregate refuses plans and states it did not make.
SELECT insight_kmeans_pass(features, NULL) FROM km_dup;
SELECT insight_kmeans_pass(features, '\x00112233'::bytea) FROM km_dup;
SELECT insight_kmeans_pass_accum(decode(repeat('00', 80), 'hex'), '{1,2}', NULL);
SELECT insight_kmeans_pass_combine('\x01'::bytea, '\x02'::bytea);
-- Inside an aggregate a state gets only the cheap checks (sizes), so a run with more
-- centres than k (here 1000, k = 1, in an initial state) is refused where it is read.
DO $$
BEGIN
    EXECUTE format('CREATE AGGREGATE km_crafted(float8[], bytea) (SFUNC = insight_kmeans_pass_accum, '
                   'STYPE = bytea, INITCOND = %L)',
                   '\x31504d4b04000000010000000100000001000000' || repeat('00', 32)
                   || repeat('000000000000f03f', 3) || 'e803000000000000' || '0100000000000000'
                   || repeat('00', 128));
END $$;
SELECT km_crafted(f, NULL) FROM (VALUES ('{1}'::float8[])) AS v(f);
DROP AGGREGATE km_crafted(float8[], bytea);

-- More than 10,000 rows: the silhouette is computed on a seeded sample of about 10,000.
CREATE TEMP TABLE km_big AS
SELECT ARRAY[(i % 4) * 3 + sin(i * 0.7), (i % 4) * -2 + cos(i * 1.3)]::float8[] AS features
  FROM generate_series(1, 30000) i;
SELECT (i->>'silhouette_rows')::int BETWEEN 9000 AND 11000 AS sample_size_ok,
       (i->>'silhouette')::float8 > 0.5 AS separated, i->'k' AS k, i->'sizes' AS sizes
  FROM insight_model_info(insight_kmeans_fit('SELECT features FROM km_big', 4, n_init => 2)) i;
-- the sample is collected by insight_kmeans_sample (fraction 10000 / rows,
-- the seed, at most 15,000 rows): the model's silhouette_rows are its rows
SELECT (SELECT (insight_model_info(insight_kmeans_fit('SELECT features FROM km_big', 4, n_init => 2))->>'silhouette_rows')::int)
       = array_length(insight_kmeans_sample(features, 10000::float8 / 30000, 0, 15000), 1) AS sample_of_the_aggregate
  FROM km_big;

-- with the SQL of 0.1.0 (no insight_kmeans_sample: a database not yet
-- updated), the driver reads the rows and samples them by the same rules:
-- the same model bytes, silhouette and silhouette_rows included
BEGIN;
CREATE TEMP TABLE km_with_aggregate AS SELECT insight_kmeans_fit('SELECT features FROM km_big', 4, n_init => 2) AS m;
ALTER AGGREGATE insight_kmeans_sample(float8[], float8, bigint, integer) RENAME TO insight_kmeans_sample_hidden;
SELECT insight_kmeans_fit('SELECT features FROM km_big', 4, n_init => 2) = m AS same_model_without_the_aggregate
  FROM km_with_aggregate;
ROLLBACK;

-- insight_kmeans_sample: the rows kept depend on their values only (a hash
-- keyed by the seed), not on their order; sorted by value; rows with NULLs
-- skipped; beyond max_rows the rows of smallest hash remain, whatever the order
SELECT insight_kmeans_sample(f, 1, 0, 10) AS every_row_sorted
  FROM (VALUES ('{3,1}'::float8[]), ('{1,2}'), (NULL), ('{1,NULL}'), ('{1,1}'), ('{-0.5,7}')) v(f);
SELECT insight_kmeans_sample(f, 0, 0, 10) IS NULL AS fraction_0_keeps_none
  FROM (VALUES ('{3,1}'::float8[])) v(f);
SELECT insight_kmeans_sample(features, 0.3, 7, 15000 ORDER BY features)
       = insight_kmeans_sample(features, 0.3, 7, 15000 ORDER BY features DESC) AS same_in_any_order,
       array_length(insight_kmeans_sample(features, 0.3, 7, 15000), 1) BETWEEN 8500 AND 9500 AS about_30_percent,
       insight_kmeans_sample(features, 0.3, 7, 15000) <> insight_kmeans_sample(features, 0.3, 8, 15000) AS seed_matters,
       insight_kmeans_sample(features, 1, 0, 5 ORDER BY features)
       = insight_kmeans_sample(features, 1, 0, 5 ORDER BY features DESC) AS same_5_in_any_order,
       array_length(insight_kmeans_sample(features, 1, 0, 5), 1) AS at_most_max_rows
  FROM km_big;
-- errors: NULL or out-of-range arguments, arguments that change, wrong widths
SELECT insight_kmeans_sample(f, NULL, 0, 10) FROM (VALUES ('{1}'::float8[])) v(f);
SELECT insight_kmeans_sample(f, 'NaN', 0, 10) FROM (VALUES ('{1}'::float8[])) v(f);
SELECT insight_kmeans_sample(f, -1, 0, 10) FROM (VALUES ('{1}'::float8[])) v(f);
SELECT insight_kmeans_sample(f, 1, 0, 0) FROM (VALUES ('{1}'::float8[])) v(f);
SELECT insight_kmeans_sample(f, 1, 0, i) FROM (VALUES ('{1}'::float8[], 1), ('{2}', 2)) v(f, i);
SELECT insight_kmeans_sample(f, 1, 0, 10) FROM (VALUES ('{1}'::float8[]), ('{1,2}')) v(f);
SELECT insight_kmeans_sample(f, 1, 0, 10) FROM (VALUES ('{1,NaN}'::float8[])) v(f);
SELECT insight_kmeans_sample_combine(insight_kmeans_sample_accum(NULL, '{1,2}', 1, 0, 10),
                                     insight_kmeans_sample_accum(NULL, '{1,2}', 1, 1, 10));
-- crafted states: a state of another format, counts beyond the room, a NaN
SELECT insight_kmeans_sample_final(decode(repeat('00', 44), 'hex'));
SELECT insight_kmeans_sample_final(set_byte(insight_kmeans_sample_accum(NULL, '{1,2}', 1, 0, 10), 28, 21));
SELECT insight_kmeans_sample_final(set_byte(insight_kmeans_sample_accum(NULL, '{1,2}', 1, 0, 10), 36, 22));
SELECT insight_kmeans_sample_final(set_byte(set_byte(insight_kmeans_sample_accum(NULL, '{1,2}', 1, 0, 10), 59, 127), 58, 248));
SELECT insight_kmeans_sample_final(insight_kmeans_sample_accum(NULL, '{1,2}', 1, 0, 10)) AS one_row;

-- Serial and forced-parallel plans give the same model bytes.
CREATE TABLE km_par AS
SELECT ARRAY[(i % 5) + sin(i), (i % 7) * 0.5 + cos(i), (i % 3)]::float8[] AS features
  FROM generate_series(1, 200000) i;
ANALYZE km_par;
SET max_parallel_workers_per_gather = 0;
CREATE TEMP TABLE km_serial AS SELECT insight_kmeans_fit('SELECT features FROM km_par', 5, n_init => 3, seed => 5) AS m,
                                      (SELECT insight_kmeans_sample(features, 0.05, 5, 15000) FROM km_par) AS sample;
SET max_parallel_workers_per_gather = 2;
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
EXPLAIN (COSTS OFF) SELECT insight_kmeans_pass(features, NULL) FROM km_par;
SELECT insight_kmeans_fit('SELECT features FROM km_par', 5, n_init => 3, seed => 5) = m AS parallel_equals_serial,
       insight_model_info(m)->'sizes' AS sizes
  FROM km_serial;
EXPLAIN (COSTS OFF) SELECT insight_kmeans_sample(features, 0.05, 5, 15000) FROM km_par;
SELECT (SELECT insight_kmeans_sample(features, 0.05, 5, 15000) FROM km_par) = sample AS parallel_sample_equals_serial,
       array_length(sample, 1) BETWEEN 9500 AND 10500 AS about_5_percent
  FROM km_serial;
RESET max_parallel_workers_per_gather;
RESET parallel_setup_cost;
RESET parallel_tuple_cost;
RESET min_parallel_table_scan_size;
DROP TABLE km_par;
