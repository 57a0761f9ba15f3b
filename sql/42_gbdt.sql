-- Gradient-boosted trees (XGBoost): insight_gbdt_fit, _predict, _explain,
-- _explain_named, _reasons, _export.  Values against XGBoost itself: the
-- peer test test/peer/gbdt_xgboost.py trains python3-xgboost on the same rows.
SET client_min_messages = warning;   -- the per-round NOTICEs
\set VERBOSITY default

-- a fixed data set: 3 features, a noisy rule, a few NULLs
CREATE TABLE gb (id int PRIMARY KEY, f float8[], y boolean, v float8);
INSERT INTO gb
SELECT i, ARRAY[(i % 17)::float8, (i * 7 % 13)::float8, round(sin(i)::numeric, 6)::float8],
       (i % 17) + (i * 7 % 13) * 0.5 + 3 * sin(i) + (i * 31 % 11) * 0.3 > 11,
       (i % 17) * 0.5 - (i * 7 % 13) + 2 * sin(i)
  FROM generate_series(1, 1000) i;
UPDATE gb SET f[2] = NULL WHERE id % 97 = 0;       -- missing values
INSERT INTO gb VALUES (1001, NULL, true, 1), (1002, '{1,2,3}', NULL, NULL);
CREATE TABLE gb_models (name text PRIMARY KEY, m bytea);

-- one fit with its NOTICEs
SET client_min_messages = notice;
INSERT INTO gb_models VALUES ('small', insight_gbdt_fit('SELECT f, y FROM gb', '{"rounds": 12, "max_depth": 2}'));
SET client_min_messages = warning;
INSERT INTO gb_models VALUES
  ('binary', insight_gbdt_fit('SELECT f, y FROM gb ORDER BY id',
      '{"rounds": 40, "max_depth": 3, "eta": 0.2, "feature_names": ["recency_days", "frequency", "trend"]}')),
  ('reg', insight_gbdt_fit('SELECT f, v FROM gb ORDER BY id', '{"rounds": 30}'));

-- NULL features or target: skipped and counted; NULL elements are missing values
SELECT i->'rows' AS rows, i->'rows_skipped' AS skipped, i->'positives' AS positives,
       i->>'objective' AS objective, i->'rounds' AS rounds, i->'feature_names' AS names,
       i->'params'->'eta' AS eta, i->'params'->>'tree_method' AS method, i->>'algorithm' AS algorithm
  FROM (SELECT insight_model_info(m) i FROM gb_models WHERE name = 'binary') s;
SELECT i->>'objective' AS objective, i->'rows' AS rows, i->'rows_skipped' AS skipped, i ? 'positives' AS has_positives
  FROM (SELECT insight_model_info(m) i FROM gb_models WHERE name = 'reg') s;

-- SHAP: bias + sum of contributions = margin for every row, within 1e-6
-- (insight walks the trees and computes TreeSHAP in double; XGBoost's own
-- float32 values missed by 2.3e-6 here); the peer test checks them against
-- python3-xgboost and against the Shapley values by definition.
SELECT count(*) AS rows_checked,
       max(abs(s.total - p.margin)) <= 1e-6 AS shap_sums_to_margin,
       round(max(abs(s.total - p.margin))::numeric, 12) AS max_gap,
       max(abs(s.total - p.margin)) FILTER (WHERE abs(s.total - p.margin) > 1e-6) AS worst
  FROM gb_models, gb,
       LATERAL (SELECT insight_gbdt_predict(m, f, margin => true) AS margin) p,
       LATERAL (SELECT sum(x) AS total FROM unnest(insight_gbdt_explain(m, f)) x) s
 WHERE name IN ('binary', 'reg') AND f IS NOT NULL;
-- the probability is the logistic function of the margin
SELECT max(abs(insight_gbdt_predict(m, f) - 1 / (1 + exp(-insight_gbdt_predict(m, f, true))))) < 1e-6 AS logistic
  FROM gb_models, gb WHERE name = 'binary' AND f IS NOT NULL;
-- d + 1 values: the bias is the same for every row
SELECT array_length(insight_gbdt_explain(m, f), 1) AS len,
       count(DISTINCT (insight_gbdt_explain(m, f))[4]) AS distinct_bias
  FROM gb_models, gb WHERE name = 'binary' AND f IS NOT NULL GROUP BY 1;
-- named rows and reasons: names from feature_names, largest |SHAP| first
SELECT ordinal, feature, round(shap::numeric, 4) AS shap
  FROM gb_models, gb, insight_gbdt_explain_named(m, f) WHERE name = 'binary' AND id = 5;
SELECT insight_gbdt_reasons(m, f) AS reasons, insight_gbdt_reasons(m, f, 1) AS top
  FROM gb_models, gb WHERE name = 'binary' AND id = 5;
SELECT insight_gbdt_reasons(m, f, 9) AS without_names FROM gb_models, gb WHERE name = 'small' AND id = 5;
SELECT insight_gbdt_reasons(m, f, 0) FROM gb_models, gb WHERE name = 'small' AND id = 5;
-- a missing value takes the learned default direction; NULL arrays give NULL
SELECT insight_gbdt_predict(m, '{3,NULL,0.5}') BETWEEN 0 AND 1 AS missing_ok,
       insight_gbdt_predict(m, NULL) IS NULL AS strict
  FROM gb_models WHERE name = 'binary';

-- determinism: the same seed gives the same bytes; another seed other bytes
SELECT insight_gbdt_fit('SELECT f, y FROM gb', '{"rounds": 5, "subsample": 0.6, "colsample_bytree": 0.7, "seed": 3}')
     = insight_gbdt_fit('SELECT f, y FROM gb', '{"rounds": 5, "subsample": 0.6, "colsample_bytree": 0.7, "seed": 3}') AS same_seed_same_model,
       insight_gbdt_fit('SELECT f, y FROM gb', '{"rounds": 5, "subsample": 0.6, "colsample_bytree": 0.7, "seed": 3}')
     = insight_gbdt_fit('SELECT f, y FROM gb', '{"rounds": 5, "subsample": 0.6, "colsample_bytree": 0.7, "seed": 4}') AS other_seed_same_model;

-- regression on a constant target predicts the constant
SELECT round(insight_gbdt_predict(insight_gbdt_fit($$SELECT ARRAY[i]::float8[], 7.25::float8 FROM generate_series(1, 50) i$$, '{"rounds": 60}'), '{3}')::numeric, 5) AS constant;

-- early stopping on the last 30% of the rows: stops patience rounds after the best
INSERT INTO gb_models VALUES ('early', insight_gbdt_fit('SELECT f, y FROM gb ORDER BY id',
    '{"rounds": 500, "eta": 0.5, "max_depth": 6, "min_child_weight": 0, "early_stopping_rounds": 5, "validation_fraction": 0.3}'));
SELECT i->'early_stopped' AS early_stopped, (i->>'rounds_trained')::int - (i->>'rounds')::int AS patience,
       (i->>'rounds')::int < 500 AS stopped_early, i->'validation_rows' AS validation_rows,
       (i->>'validation_metric')::float8 > 0 AS has_validation_metric
  FROM (SELECT insight_model_info(m) i FROM gb_models WHERE name = 'early') s;

-- export: XGBoost's own model (UBJ, or JSON)
SELECT substr(convert_from(insight_gbdt_export(m, 'json'), 'UTF8'), 1, 60) AS json_head,
       get_byte(insight_gbdt_export(m), 0) = ascii('{') AS ubj_object
  FROM gb_models WHERE name = 'binary';
SELECT insight_gbdt_export(m, 'deprecated') FROM gb_models WHERE name = 'binary';

-- the cache never serves a stale model: alternate two models row by row
SELECT count(*) FILTER (WHERE a = b) AS same, count(*) AS rows
  FROM (SELECT insight_gbdt_predict(CASE WHEN id % 2 = 0 THEN x.m ELSE y.m END, f) AS a,
               CASE WHEN id % 2 = 0 THEN insight_gbdt_predict(x.m, f) ELSE insight_gbdt_predict(y.m, f) END AS b
          FROM gb, gb_models x, gb_models y
         WHERE x.name = 'binary' AND y.name = 'small' AND f IS NOT NULL AND id <= 20) s;

-- parameters: validated before XGBoost sees them (22023, the range in the hint)
SELECT insight_gbdt_fit('SELECT f, y FROM gb', '[1]');
SELECT insight_gbdt_fit('SELECT f, y FROM gb', '{"max_depht": 3}');
SELECT insight_gbdt_fit('SELECT f, y FROM gb', '{"eta": 0}');
SELECT insight_gbdt_fit('SELECT f, y FROM gb', '{"eta": "0.1"}');
SELECT insight_gbdt_fit('SELECT f, y FROM gb', '{"max_depth": 21}');
SELECT insight_gbdt_fit('SELECT f, y FROM gb', '{"rounds": 2.5}');
SELECT insight_gbdt_fit('SELECT f, y FROM gb', '{"subsample": 1.01}');
SELECT insight_gbdt_fit('SELECT f, y FROM gb', '{"lambda": -1}');
SELECT insight_gbdt_fit('SELECT f, y FROM gb', '{"seed": 1e400}');
SELECT insight_gbdt_fit('SELECT f, y FROM gb', '{"tree_method": "gpu_hist"}');
SELECT insight_gbdt_fit('SELECT f, y FROM gb', '{"feature_names": ["a", "b c", "d"]}');
SELECT insight_gbdt_fit('SELECT f, y FROM gb', '{"feature_names": ["a", "b", "a"]}');
SELECT insight_gbdt_fit('SELECT f, y FROM gb', '{"feature_names": ["a", "b"]}');
SELECT insight_gbdt_fit('SELECT f, y FROM gb', '{"early_stopping_rounds": 5, "validation_fraction": 0}');
SELECT insight_gbdt_fit('SELECT f, y FROM gb', '{"early_stopping_rounds": 50, "rounds": 10}');
SELECT insight_gbdt_fit('SELECT f, y FROM gb', NULL);
-- the rows
SELECT insight_gbdt_fit(' ;', '{}');
SELECT insight_gbdt_fit('SELECT f, id FROM gb', '{}');
SELECT insight_gbdt_fit('SELECT f, y FROM gb WHERE false', '{}');
SELECT insight_gbdt_fit('SELECT f, y FROM gb WHERE f IS NULL', '{}');
SELECT insight_gbdt_fit('SELECT f, true FROM gb', '{}');
SELECT insight_gbdt_fit($$SELECT '{1,NaN}'::float8[], true UNION ALL SELECT '{1,2}', false$$, '{}');
SELECT insight_gbdt_fit($$SELECT '{1,-Infinity}'::float8[], true UNION ALL SELECT '{1,2}', false$$, '{}');
SELECT insight_gbdt_fit($$SELECT '{1,1e300}'::float8[], true UNION ALL SELECT '{1,2}', false$$, '{}');
SELECT insight_gbdt_fit($$SELECT '{1,2}'::float8[], true UNION ALL SELECT '{1,2,3}', false$$, '{}');
SELECT insight_gbdt_fit($$SELECT '{}'::float8[], true$$, '{}');
SELECT insight_gbdt_fit($$SELECT '{1}'::float8[], 'NaN'::float8$$, '{}');
SELECT insight_gbdt_fit($$SELECT '{1}'::float8[], true UNION ALL SELECT '{2}', false$$, '{"validation_fraction": 0.3}');
SET insight.max_training_memory = '1MB';
SELECT insight_gbdt_fit($$SELECT ARRAY[i, i, i, i, i, i, i, i]::float8[], i % 2 = 0 FROM generate_series(1, 20000) i$$, '{}');
RESET insight.max_training_memory;
-- predictions
SELECT insight_gbdt_predict(m, '{1,2}') FROM gb_models WHERE name = 'binary';
SELECT insight_gbdt_predict(m, '{{1,2,3}}') FROM gb_models WHERE name = 'binary';
SELECT insight_gbdt_predict(m, '{1,NaN,3}') FROM gb_models WHERE name = 'binary';
SELECT insight_gbdt_explain(m, '{1,2,Infinity}') FROM gb_models WHERE name = 'binary';
SELECT insight_gbdt_predict(insight_logreg_fit('SELECT f, y FROM gb WHERE f[2] IS NOT NULL'), '{1,2,3}');
-- a changed byte of XGBoost's model is caught by the checksum before XGBoost reads it
SELECT insight_gbdt_predict(set_byte(m, 300, (get_byte(m, 300) + 1) % 256), '{1,2,3}') FROM gb_models WHERE name = 'binary';
SELECT insight_gbdt_predict(substr(m, 1, 100), '{1,2,3}') FROM gb_models WHERE name = 'binary';

-- one thread: XGBoost started no threads in this backend (OpenMP, nthread = 1)
SELECT count(*) AS backend_threads FROM pg_ls_dir('/proc/' || pg_backend_pid() || '/task');

-- a cancel (statement_timeout) between rounds stores nothing and leaks nothing:
-- as many handles after as before (one per GBDT model in the model cache)
CREATE TABLE gb_big AS
SELECT ARRAY[i % 101, i % 7, (i * 13) % 59, random()]::float8[] AS f, random() < 0.3 AS y
  FROM generate_series(1, 30000) i;
SELECT insight_gbdt_handles() AS handles_before \gset
SELECT :handles_before > 0 AS models_cached;
SET statement_timeout = '300ms';
INSERT INTO gb_models SELECT 'cancelled', insight_gbdt_fit('SELECT f, y FROM gb_big', '{"rounds": 10000, "max_depth": 8}');
RESET statement_timeout;
SELECT insight_gbdt_handles() = :handles_before AS no_handle_leaked, count(*) AS stored FROM gb_models WHERE name = 'cancelled';

-- through the algorithm table: insight_predict / insight_contributions give
-- the prediction and the SHAP values without the bias; a feature beyond
-- float4's range is refused there too (22003)
SELECT bool_and(insight_predict(m.m, g.f) = insight_gbdt_predict(m.m, g.f)) AS predict_same,
       bool_and(insight_contributions(m.m, g.f) = (insight_gbdt_explain(m.m, g.f))[1:3]) AS contributions_same
  FROM gb_models m, gb g WHERE m.name = 'binary' AND g.f IS NOT NULL AND g.id <= 50
   AND NOT EXISTS (SELECT 1 FROM unnest(g.f) x WHERE x IS NULL);
SELECT insight_predict(m, '{1e300,1,1}') FROM gb_models WHERE name = 'binary';

DROP TABLE gb, gb_big, gb_models;
