-- Valid model values (hex, one per line) to seed the fuzzer.  Every algorithm
-- that can be trained cheaply adds a line here.
SELECT encode(insight_scaler_fit(ARRAY[i, i * i, 1]::float8[]), 'hex')
  FROM generate_series(1, 50) i;
SELECT encode(insight_scaler_fit(ARRAY[i]::float8[]), 'hex')
  FROM generate_series(1, 3) i;
SET client_min_messages = warning;
SELECT encode(insight_logreg_fit($$SELECT ARRAY[i, i % 3]::float8[], i % 2 = 0 FROM generate_series(1, 20) i$$), 'hex');
SELECT encode(insight_bgnbd_model(0.243, 4.414, 0.793, 2.426), 'hex');
SELECT encode(insight_pnbd_fit(x, x * 2, 40), 'hex') FROM (VALUES (0), (1), (2), (5), (0)) v(x);
SELECT encode(insight_gammagamma_fit(x, 10 + x), 'hex') FROM generate_series(1, 20) x;
SELECT encode(insight_kmeans_fit('SELECT ARRAY[i % 3, i % 5]::float8[] FROM generate_series(1, 30) i', 3, n_init => 2), 'hex');
SELECT encode(insight_kmeans_fit('SELECT ARRAY[i % 4]::float8[] FROM generate_series(1, 12) i', NULL, n_init => 1), 'hex');
-- recommenders (popularity, ALS, item-kNN) on a tiny interaction set
SELECT encode(insight_popularity_fit('SELECT * FROM (VALUES (''a'', ''i1'', 1), (''a'', ''i2'', 2), (''b'', ''i1'', 1)) v'), 'hex');
SELECT encode(insight_als_fit('SELECT * FROM (VALUES (''a'', ''i1'', 1), (''a'', ''i2'', 2), (''b'', ''i1'', 1)) v', 2, 0.1, 1, 2, 0), 'hex');
SELECT encode(insight_itemknn_fit('SELECT * FROM (VALUES (''a'', ''i1'', 1), (''a'', ''i2'', 2), (''b'', ''i1'', 1)) v', 5, 'bm25'), 'hex');
-- gradient-boosted trees: with feature names and early stopping, and a regression
SELECT encode(insight_gbdt_fit($$SELECT ARRAY[i % 7, i % 3]::float8[], i % 7 > 2 FROM generate_series(1, 40) i$$, '{"rounds": 4, "max_depth": 1, "feature_names": ["a", "b"], "early_stopping_rounds": 1}'), 'hex');
SELECT encode(insight_gbdt_fit($$SELECT ARRAY[i]::float8[], (i % 5)::float8 FROM generate_series(1, 20) i$$, '{"rounds": 2, "max_depth": 1}'), 'hex');
-- and their XGBoost JSON models, read by the GBDT tree reader (gbdt_trees.c)
SELECT encode(insight_gbdt_export(insight_gbdt_fit($$SELECT ARRAY[i % 7, i % 3]::float8[], i % 7 > 2 FROM generate_series(1, 40) i$$, '{"rounds": 3, "max_depth": 2}'), 'json'), 'hex');
SELECT encode(insight_gbdt_export(insight_gbdt_fit($$SELECT ARRAY[i, NULLIF(i % 4, 0)]::float8[], (i % 5)::float8 FROM generate_series(1, 20) i$$, '{"rounds": 2, "max_depth": 2}'), 'json'), 'hex');
