-- The algorithm table: insight_predict and insight_contributions serve any
-- feature-based model (logistic regression today) exactly as the
-- algorithm's own functions do; a model without the operation, or corrupt,
-- is an error; and the per-backend model cache never serves an old model
-- for a new value.
\set VERBOSITY default
SET client_min_messages = warning;   -- the fits' NOTICEs
CREATE TEMP TABLE alg_rows AS
SELECT ARRAY[sin(i), cos(3 * i), i % 7]::float8[] AS f, sin(5 * i) + 0.5 * sin(i) > 0 AS l
  FROM generate_series(1, 200) i;
CREATE TEMP TABLE alg_models (name text PRIMARY KEY, m bytea);
INSERT INTO alg_models
SELECT 'logreg', insight_logreg_fit('SELECT f, l FROM alg_rows')
UNION ALL SELECT 'logreg, lambda 10', insight_logreg_fit('SELECT f, l FROM alg_rows', lambda => 10)
UNION ALL SELECT 'scaler', insight_scaler_fit(f) FROM alg_rows
UNION ALL SELECT 'kmeans', insight_kmeans_fit('SELECT f FROM alg_rows', 3, n_init => 2)
UNION ALL SELECT 'bgnbd', insight_bgnbd_model(0.243, 4.414, 0.793, 2.426)
UNION ALL SELECT 'popularity', insight_popularity_fit($$SELECT * FROM (VALUES ('a', 'i1', 1), ('b', 'i2', 2)) v$$);
RESET client_min_messages;

-- the same results as the logistic-regression functions, bit for bit
SELECT m.name, count(*) AS rows,
       count(*) FILTER (WHERE insight_predict(m.m, r.f) = insight_logreg_predict(m.m, r.f)) AS same_prediction,
       count(*) FILTER (WHERE insight_contributions(m.m, r.f) = insight_logreg_contributions(m.m, r.f)) AS same_contributions,
       count(DISTINCT insight_predict(m.m, r.f)) AS distinct_predictions
  FROM alg_models m, alg_rows r
 WHERE m.name LIKE 'logreg%'
 GROUP BY m.name ORDER BY m.name;
-- the contributions of the mean training row are 0
SELECT insight_contributions(m, ARRAY(SELECT jsonb_array_elements_text(insight_model_info(m) -> 'means')::float8))
       = '{0,0,0}' AS zero_at_means
  FROM alg_models WHERE name = 'logreg';
-- NULL in, NULL out
SELECT insight_predict(m, '{1,NULL,3}') IS NULL AS null_element,
       insight_contributions(m, '{1,NULL,3}') IS NULL AS null_element_contributions,
       insight_predict(NULL, '{1,2,3}') IS NULL AS null_model,
       insight_predict(m, NULL) IS NULL AS null_features
  FROM alg_models WHERE name = 'logreg';
SELECT insight_predict(m, '{1,2}') FROM alg_models WHERE name = 'logreg';
SELECT insight_contributions(m, '{{1,2,3}}') FROM alg_models WHERE name = 'logreg';
SELECT insight_predict(m, '{1,NaN,3}') FROM alg_models WHERE name = 'logreg';

-- an algorithm without the operation: 0A000, naming it and those that have it
SELECT insight_predict(m, '{1,2,3}') FROM alg_models WHERE name = 'kmeans';
SELECT insight_contributions(m, '{1,2,3}') FROM alg_models WHERE name = 'scaler';
CREATE FUNCTION pg_temp.outcome(q text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE q;
    RETURN 'ok';
EXCEPTION WHEN OTHERS THEN
    RETURN SQLSTATE || ' ' || SQLERRM;
END $$;
SELECT name,
       pg_temp.outcome(format('SELECT insight_predict(%L::bytea, ''{1,2,3}'')', m)) AS predict,
       pg_temp.outcome(format('SELECT insight_contributions(%L::bytea, ''{1,2,3}'')', m)) AS contributions,
       pg_temp.outcome(format('SELECT insight_recommend_from(%L::bytea, ''a'')', m)) AS recommend
  FROM alg_models ORDER BY name;
SELECT * FROM insight_recommend_from((SELECT m FROM alg_models WHERE name = 'logreg'), 'a');

-- corrupt models: XX001, whether or not the intact model is cached
SELECT insight_predict(set_byte(m, 60, get_byte(m, 60) # 1), '{1,2,3}') FROM alg_models WHERE name = 'logreg';
SELECT insight_contributions(substring(m FROM 1 FOR 100), '{1,2,3}') FROM alg_models WHERE name = 'logreg';
SELECT insight_predict(set_byte(m, 6, 99), '{1,2,3}') FROM alg_models WHERE name = 'logreg';
SELECT insight_logreg_predict(m || '\x00'::bytea, '{1,2,3}') FROM alg_models WHERE name = 'logreg';
-- the algorithm's own function keeps its error for another algorithm
SELECT insight_logreg_predict(m, '{1,2,3}') FROM alg_models WHERE name = 'scaler';

-- The user's query of a fitting function (core/user_query.c): one SELECT,
-- its columns of the expected types (a domain counts as its base type; the
-- rows of k-means may have more columns), a trailing comment or semicolon
-- is fine.
SELECT insight_kmeans_fit('SELECT f FROM alg_rows; SELECT 1', 2);
SELECT insight_popularity_fit('');
SET client_min_messages = warning;
CREATE DOMAIN alg_amount AS numeric CHECK (VALUE > 0);
SELECT insight_popularity_fit($$SELECT 'a', 'i1', 2::alg_amount$$) IS NOT NULL AS domain_value;
DROP DOMAIN alg_amount;
SELECT insight_kmeans_fit('SELECT f, l FROM alg_rows', 2, n_init => 1) IS NOT NULL AS more_columns;
SELECT insight_logreg_fit(E'SELECT f, l FROM alg_rows -- rows;\n;') IS NOT NULL AS trailing_comment;
RESET client_min_messages;

-- The model cache.  Two versions of a model of 100 features (2,512 bytes,
-- out of line when the column's storage is external): a new value in the
-- same row is served, never the model cached for the old one, whether the
-- value is found by its TOAST pointer or by its bytes.
SET client_min_messages = warning;
CREATE TEMP TABLE wide_rows AS
SELECT ARRAY(SELECT sin(i * j) FROM generate_series(1, 100) j) AS f, sin(7 * i) > 0 AS l
  FROM generate_series(1, 400) i;
CREATE TEMP TABLE wide_models AS
SELECT v, insight_logreg_fit('SELECT f, l FROM wide_rows', lambda => v) AS m
  FROM (VALUES (1), (100)) x(v);
RESET client_min_messages;
SELECT octet_length(m) AS bytes FROM wide_models ORDER BY v;
CREATE TEMP TABLE x AS SELECT f FROM wide_rows LIMIT 1;
SELECT insight_logreg_predict(w.m, x.f) AS p1 FROM wide_models w, x WHERE w.v = 1 \gset
SELECT insight_logreg_predict(w.m, x.f) AS p100 FROM wide_models w, x WHERE w.v = 100 \gset
SELECT :p1 <> :p100 AS versions_differ;
CREATE TEMP TABLE served (id int, m bytea);
ALTER TABLE served ALTER COLUMN m SET STORAGE EXTERNAL;
INSERT INTO served SELECT 1, m FROM wide_models WHERE v = 1;
SELECT pg_relation_size(c.reltoastrelid) > 0 AS stored_out_of_line
  FROM pg_class c WHERE c.oid = 'served'::regclass;
SELECT insight_predict(s.m, x.f) = :p1 AS serves_v1 FROM served s, x;
SELECT insight_predict(s.m, x.f) = :p1 AS serves_v1_again FROM served s, x;
UPDATE served SET m = (SELECT m FROM wide_models WHERE v = 100);
SELECT insight_predict(s.m, x.f) = :p100 AS serves_v100 FROM served s, x;
SELECT insight_contributions(s.m, x.f) = insight_logreg_contributions(w.m, x.f) AS contributions_v100
  FROM served s, wide_models w, x WHERE w.v = 100;
ALTER TABLE served ALTER COLUMN m SET STORAGE PLAIN;
UPDATE served SET m = (SELECT m FROM wide_models WHERE v = 1);
SELECT insight_predict(s.m, x.f) = :p1 AS serves_v1_inline FROM served s, x;
-- more models than the cache keeps, each scoring its own rows
SELECT count(*) AS models,
       bool_and(abs(z[1] + (2 + i) / sqrt(2 / 3.0)) < 1e-9 AND abs(z[2] + 2 / sqrt(2 / 3.0)) < 1e-9) AS each_its_own
  FROM (SELECT i, insight_scaler_transform(insight_scaler_fit(ARRAY[x + i, x]::float8[]), '{0,0}') AS z
          FROM generate_series(1, 20) i, generate_series(1, 3) x GROUP BY i) t;
-- each model in a memory context of its own, at most 16
SELECT count(*) AS cached_models, count(*) FILTER (WHERE ident = 'scaler') AS scalers
  FROM pg_backend_memory_contexts WHERE parent = 'insight model cache';
SELECT insight_clv_value(insight_bgnbd_model(0.243, 4.414, 0.793, 2.426), insight_gammagamma_model(6.25, 3.74, 15.44),
                         2, 30.43, 38.86, 22.35) AS clv \gset
-- no cache (size 0): every call decodes, and the cache is emptied
SET insight.model_cache_size = 0;
SELECT insight_predict(s.m, x.f) = :p1 AS served_without_cache FROM served s, x;
-- room for one small model: the first model of a call stays valid while
-- the second takes its place
SET insight.model_cache_size = '10kB';
SELECT insight_clv_value(insight_bgnbd_model(0.243, 4.414, 0.793, 2.426), insight_gammagamma_model(6.25, 3.74, 15.44),
                         2, 30.43, 38.86, 22.35) = :clv AS same_clv;
SELECT name, ident, total_bytes <= 10 * 1024 AS within_budget
  FROM pg_backend_memory_contexts WHERE parent = 'insight model cache';
RESET insight.model_cache_size;
SHOW insight.model_cache_size;

-- Through the registry, in one session: the active churn model scores, and
-- once a new version is activated, the new one does (rolled back, and the
-- registry's identity sequences set back, so later tests see the same ids).
CREATE TEMP TABLE registry_ids AS
SELECT format('%I.%I', schemaname, sequencename) AS seq, last_value
  FROM pg_sequences
 WHERE sequencename IN ('insight_models_model_id_seq', 'insight_model_activations_activation_id_seq');
BEGIN;
SET LOCAL client_min_messages = warning;
CREATE TEMP TABLE churn_rows ON COMMIT DROP AS
SELECT f.customer_id::text AS customer_id, f.features, hashtext(f.customer_id::text) % 2 = 0 AS l
  FROM insight_customer_features() f;
SELECT insight_store_model('churn', 'logreg', insight_logreg_fit('SELECT features, l FROM churn_rows'),
                           '{"horizon": "90 days"}') AS v1 \gset
SELECT insight_store_model('churn', 'logreg', insight_logreg_fit('SELECT features, l FROM churn_rows', lambda => 1000),
                           '{"horizon": "90 days"}') AS v2 \gset
SELECT insight_activate(:v1) = :v1 AS v1_active;
SELECT insight_churn(12347) = insight_logreg_predict(m.weights, c.features) AS insight_churn_v1
  FROM insight_models m, insight_customer_features_of('12347') c WHERE m.model_id = :v1;
SELECT insight_activate(:v2) = :v2 AS v2_active;
SELECT insight_churn(12347) = insight_logreg_predict(m.weights, c.features) AS insight_churn_v2
  FROM insight_models m, insight_customer_features_of('12347') c WHERE m.model_id = :v2;
SELECT count(*) > 4000 AS customers,
       bool_and(s.churn_probability = insight_logreg_predict(m.weights, r.features)) AS view_v2,
       bool_and(s.model_id = :v2) AS model_v2
  FROM insight_churn_scores s JOIN churn_rows r ON r.customer_id = s.customer_id::text,
       insight_models m
 WHERE m.model_id = :v2;
SELECT bool_and(t.reasons IS NOT DISTINCT FROM
                (SELECT array_agg(u.name || ' ' || to_char(u.c, 'FMSG990.00') ORDER BY u.c DESC)
                   FROM (SELECT x.name, x.c
                           FROM ROWS FROM (unnest(insight_feature_names()),
                                           unnest(insight_logreg_contributions(m.weights, r.features))) x(name, c)
                          WHERE x.c > 0 ORDER BY x.c DESC LIMIT 3) u)) AS reasons_v2
  FROM insight_retention_targets t JOIN churn_rows r ON r.customer_id = t.customer_id::text,
       insight_models m
 WHERE m.model_id = :v2;
ROLLBACK;
SELECT count(*) AS sequences_set_back
  FROM registry_ids,
       LATERAL (SELECT CASE WHEN last_value IS NULL THEN setval(seq, 1, false) ELSE setval(seq, last_value) END) s;
