-- Recommender building blocks on small inputs whose answers are known.
-- Users: a has i1, i2, i3; b has only i1; c has i2 (2) and i3.
CREATE TABLE rec_small (u text, i text, v float8);
INSERT INTO rec_small VALUES ('a', 'i1', 1), ('a', 'i2', 1), ('a', 'i3', 1),
                             ('b', 'i1', 1), ('c', 'i2', 2), ('c', 'i3', 1);
-- (the NOTICE per ALS iteration has the iteration's seconds as DETAIL: terse)
\set VERBOSITY terse
CREATE TABLE rec_models AS
SELECT 'popularity' AS algorithm, insight_popularity_fit('SELECT u, i, v FROM rec_small') AS model
UNION ALL
SELECT 'als', insight_als_fit('SELECT u, i, v FROM rec_small', factors => 2, regularization => 0.1,
                              alpha => 40, iterations => 4, seed => 1)
UNION ALL
SELECT 'itemknn', insight_itemknn_fit('SELECT u, i, v FROM rec_small');
\set VERBOSITY default

-- a has every item: nothing left to recommend, no error, no padding
SELECT m.algorithm, count(r.item_key) AS rows
  FROM rec_models m LEFT JOIN LATERAL insight_recommend_from(m.model, 'a', 5) r ON true
 GROUP BY 1 ORDER BY 1;
-- b has only i1: exactly i2 and i3, finite scores, ranks 1 and 2
SELECT m.algorithm, array_agg(r.item_key ORDER BY r.item_key) AS items,
       array_agg(r.rank ORDER BY r.rank) AS ranks,
       bool_and(r.score IS NOT NULL AND r.score > '-Infinity' AND r.score < 'Infinity') AS finite
  FROM rec_models m, insight_recommend_from(m.model, 'b', 5) r
 GROUP BY 1 ORDER BY 1;
-- ... and with i3 excluded: exactly i2
SELECT m.algorithm, array_agg(r.item_key) AS items
  FROM rec_models m, insight_recommend_from(m.model, 'b', 5, exclude => '{i3}') r
 GROUP BY 1 ORDER BY 1;
-- exclude_seen false: i1 may come back
SELECT m.algorithm, array_agg(r.item_key ORDER BY r.item_key) AS items
  FROM rec_models m, insight_recommend_from(m.model, 'b', 5, exclude_seen => false) r
 GROUP BY 1 ORDER BY 1;
-- scores: popularity is the share of users; item-kNN the cosine of item columns
-- (i1 = (1,1,0), i2 = (1,0,2), i3 = (1,0,1) over users a, b, c: cos(i1,i3) = 1/2,
-- cos(i1,i2) = 1/sqrt(10))
SELECT m.algorithm, r.item_key, round(r.score::numeric, 6) AS score, r.rank
  FROM rec_models m, insight_recommend_from(m.model, 'b', 5) r
 WHERE m.algorithm <> 'als' ORDER BY 1, 4;
-- ALS scores are x_b . y_i of the stored factors
SELECT r.item_key, abs(r.score - (SELECT sum(x * y) FROM unnest(uf.factors, itf.factors) AS t(x, y))) < 1e-12 AS is_dot
  FROM rec_models m, insight_recommend_from(m.model, 'b', 5) r,
       insight_als_user_factors(m.model) uf, insight_als_item_factors(m.model) itf
 WHERE m.algorithm = 'als' AND uf.user_key = 'b' AND itf.item_key = r.item_key ORDER BY r.rank;
-- an unknown or NULL user gets the popularity ranking (all tie here: by key)
SELECT m.algorithm, array_agg(r.item_key ORDER BY r.rank) AS items, min(r.score) = max(r.score) AS same
  FROM rec_models m, insight_recommend_from(m.model, 'nobody', 3) r GROUP BY 1 ORDER BY 1;
SELECT count(*) FROM rec_models m, insight_recommend_from(m.model, NULL, 3) r;
SELECT count(*) FROM rec_models m, insight_recommend_from(m.model, 'b', 0) r;
SELECT count(*) FROM rec_models m, insight_recommend_from(m.model, 'b', 1) r;
SELECT * FROM insight_recommend_from((SELECT model FROM rec_models WHERE algorithm = 'als'), 'b', -1);
SELECT count(*) FROM insight_recommend_from(NULL, 'b', 3);

-- similar items
SELECT r.item_key, round(r.score::numeric, 6) AS score, r.rank
  FROM rec_models m, insight_similar_items_from(m.model, 'i1', 5) r
 WHERE m.algorithm = 'itemknn' ORDER BY r.rank;
SELECT count(*) FROM rec_models m, insight_similar_items_from(m.model, 'unknown', 5) r WHERE m.algorithm = 'als';
SELECT * FROM insight_similar_items_from((SELECT model FROM rec_models WHERE algorithm = 'popularity'), 'i1');

-- model info
SELECT algorithm, insight_model_info(model) - 'checksum' - 'loss' - 'payload_bytes' AS info
  FROM rec_models ORDER BY 1;
-- the ALS objective decreases at every iteration
SELECT bool_and(l.v < l.prev) AS decreasing, count(*) AS steps
  FROM (SELECT v, lag(v) OVER (ORDER BY n) AS prev
          FROM rec_models m, jsonb_array_elements_text(insight_model_info(m.model) -> 'loss')
               WITH ORDINALITY AS e(v, n)
         WHERE m.algorithm = 'als') l
 WHERE l.prev IS NOT NULL;

-- Fold-in (Hu et al. eq. 4) with Y = [[1,0],[0,1],[1,1]], lambda 0.1, alpha 40:
-- (i1: 1) twice sums to (i1: 2) = [0.9923575, -0.4725512]; "last wins" would be
-- [0.9850132, -0.4690539]; no entries give exactly [0, 0].
CREATE TABLE rec_y AS
SELECT insight_als_model('{i1,i2,i3}', '{{1,0},{0,1},{1,1}}', regularization => 0.1, alpha => 40) AS model;
SELECT (SELECT array_agg(round(x::numeric, 7)) FROM unnest(insight_als_fold_in(model, '{i1,i1}', '{1,1}')) x) AS twice,
       (SELECT array_agg(round(x::numeric, 7)) FROM unnest(insight_als_fold_in(model, '{i1}', '{2}')) x) AS summed,
       insight_als_fold_in(model, '{}', '{}') AS empty
  FROM rec_y;
-- unknown items and NULL pairs are ignored; a sum <= 0 drops the item
SELECT insight_als_fold_in(model, '{i1,zz}', '{2,5}') = insight_als_fold_in(model, '{i1}', '{2}') AS unknown_ignored,
       insight_als_fold_in(model, ARRAY['i1', NULL, 'i2'], ARRAY[2, 7, NULL]) = insight_als_fold_in(model, '{i1}', '{2}') AS nulls_ignored,
       insight_als_fold_in(model, '{i1,i1}', '{1,-1}') AS returned
  FROM rec_y;
-- similar items of served factors: cosine (i1: i3 = 1/sqrt 2, i2 = 0)
SELECT item_key, round(score::numeric, 6) AS score, rank FROM rec_y, insight_similar_items_from(model, 'i1');
-- a model without users recommends by key (no popularity to go by)
SELECT item_key, score, rank FROM rec_y, insight_recommend_from(model, 'someone', 2);
SELECT insight_model_info(model) - 'checksum' AS info FROM rec_y;
SELECT insight_als_fold_in(model, '{i1,i2}', '{1}') FROM rec_y;
SELECT insight_als_fold_in(model, '{i1}', '{NaN}') FROM rec_y;
SELECT insight_als_model('{i1,i1}', '{{1,0},{0,1}}');
SELECT insight_als_model('{i1,i2}', '{1,0}');
SELECT insight_als_model('{i1,i2}', '{{1,0},{0,1},{1,1}}');
SELECT insight_als_model('{i1}', '{{1,Infinity}}');
SELECT insight_als_model('{i1}', '{{1,0}}', regularization => -1);

-- deterministic for a seed
\set VERBOSITY terse
SELECT md5(insight_als_fit('SELECT u, i, v FROM rec_small', 3, 0.1, 1, 2, 7)) =
       md5(insight_als_fit('SELECT u, i, v FROM rec_small', 3, 0.1, 1, 2, 7)) AS same_seed_same_bytes,
       md5(insight_als_fit('SELECT u, i, v FROM rec_small', 3, 0.1, 1, 2, 7)) =
       md5(insight_als_fit('SELECT u, i, v FROM rec_small', 3, 0.1, 1, 2, 8)) AS other_seed_same_bytes;
-- row order does not matter; duplicate rows sum; NULL rows are skipped and counted
SELECT md5(insight_als_fit('SELECT u, i, v FROM rec_small ORDER BY v DESC, i DESC', 3, 0.1, 1, 2, 7)) =
       md5(insight_als_fit('SELECT u, i, v FROM rec_small ORDER BY u, i', 3, 0.1, 1, 2, 7)) AS order_free;
-- CG: with as many steps as factors, each half-step reaches the exact solution
-- (conjugate gradients converge in f steps); with fewer, the objective still
-- falls at every iteration and ends above the exact solver's
WITH m AS (
    SELECT insight_als_fit('SELECT u, i, v FROM rec_small', 3, 0.1, 40, 6, 7, 'exact') AS exact,
           insight_als_fit('SELECT u, i, v FROM rec_small', 3, 0.1, 40, 6, 7, 'cg', 3) AS cg3,
           insight_als_fit('SELECT u, i, v FROM rec_small', 3, 0.1, 40, 6, 7, 'cg', 1) AS cg1
), f AS (
    SELECT (SELECT max(abs(a.x - b.x)) FROM
              (SELECT u.item_key, x, n FROM insight_als_item_factors(m.exact) u, unnest(u.factors) WITH ORDINALITY v(x, n)) a
              JOIN (SELECT u.item_key, x, n FROM insight_als_item_factors(m.cg3) u, unnest(u.factors) WITH ORDINALITY v(x, n)) b
                USING (item_key, n)) AS cg3_gap,
           (SELECT array_agg(x::numeric(8,4) ORDER BY n) FROM jsonb_array_elements_text(insight_model_info(m.exact)->'loss') WITH ORDINALITY l(x, n)) AS exact_loss,
           (SELECT array_agg(x::numeric(8,4) ORDER BY n) FROM jsonb_array_elements_text(insight_model_info(m.cg1)->'loss') WITH ORDINALITY l(x, n)) AS cg1_loss
      FROM m
)
SELECT cg3_gap < 1e-5 AS cg_f_steps_is_exact,
       (SELECT bool_and(cg1_loss[n] < cg1_loss[n - 1]) FROM generate_subscripts(cg1_loss, 1) n WHERE n > 1) AS cg1_loss_falls,
       cg1_loss[6] >= exact_loss[6] AS cg1_not_below_exact, exact_loss, cg1_loss
  FROM f;
\set VERBOSITY default
SELECT insight_model_info(insight_popularity_fit(
           'SELECT * FROM (VALUES (''a'', ''i1'', 1.0), (''a'', ''i1'', 1.0), (''b'', NULL, 1.0), (''b'', ''i2'', -1.0), (NULL, ''i3'', 1.0)) v'))
       - 'checksum' - 'payload_bytes' AS info;
-- integer keys and an integer value column work; keys come back as text
SELECT item_key, rank FROM insight_recommend_from(
    insight_popularity_fit('SELECT u, i, 1 FROM (VALUES (1, 10), (2, 10), (2, 20)) v(u, i)'), '1');
-- nothing left: NULL model
SELECT insight_popularity_fit('SELECT ''a'', ''i1'', -1.0') IS NULL AS no_model;

-- errors
SELECT insight_popularity_fit('SELECT u, i FROM rec_small');
SELECT insight_popularity_fit('SELECT u, i, v::text FROM rec_small');
SELECT insight_popularity_fit('SELECT u, i, ''NaN''::float8 FROM rec_small');
SELECT insight_popularity_fit('DELETE FROM rec_small RETURNING u, i, v');
SELECT insight_als_fit('SELECT u, i, v FROM rec_small', factors => 0);
SELECT insight_als_fit('SELECT u, i, v FROM rec_small', alpha => -1);
SELECT insight_als_fit('SELECT u, i, v FROM rec_small', iterations => 0);
SELECT insight_als_fit('SELECT u, i, v FROM rec_small', solver => 'lu');
SELECT insight_als_fit('SELECT u, i, v FROM rec_small', cg_steps => 0);
SELECT insight_itemknn_fit('SELECT u, i, v FROM rec_small', similarity => 'jaccard');
SELECT insight_itemknn_fit('SELECT u, i, v FROM rec_small', neighbors => 0);
SELECT * FROM insight_recommend_from((SELECT insight_scaler_fit(ARRAY[1]::float8[])), 'a');
SELECT r.* FROM rec_models, insight_recommend_from(overlay(model placing '\xff'::bytea from 70 for 1), 'a') r
 WHERE algorithm = 'itemknn';
SELECT insight_als_fold_in(model, '{i1}', '{1}') FROM rec_models WHERE algorithm = 'itemknn';
-- the memory limit is an error with a hint, not an out-of-memory crash
SET insight.max_training_memory = '1MB';
SELECT insight_als_fit('SELECT customer_id, item_id, value FROM insight_interactions()');
RESET insight.max_training_memory;
SELECT count(*) FROM rec_small;

-- targeting: item-kNN audience of i1: c = 2 cos(i2,i1) + cos(i3,i1) = 2/sqrt(10) + 1/2,
-- a = 1/sqrt(10) + 1/2 (its own i1 adds nothing), b = 0
SELECT a.user_key, round(a.score::numeric, 6) AS score, a.rank
  FROM rec_models m, insight_audience_from(m.model, 'i1', 5) a WHERE m.algorithm = 'itemknn' ORDER BY a.rank;
SELECT array_agg(a.user_key ORDER BY a.rank) AS without_c
  FROM rec_models m, insight_audience_from(m.model, 'i1', 5, '{c,nobody}') a WHERE m.algorithm = 'itemknn';
-- ALS: the users by x_u . y_i2, which the factors confirm
SELECT array_agg(a.user_key ORDER BY a.rank) =
       (SELECT array_agg(uf.user_key ORDER BY (SELECT sum(x * y) FROM unnest(uf.factors, itf.factors) t(x, y)) DESC)
          FROM rec_models m2, insight_als_user_factors(m2.model) uf, insight_als_item_factors(m2.model) itf
         WHERE m2.algorithm = 'als' AND itf.item_key = 'i2') AS als_order
  FROM rec_models m, insight_audience_from(m.model, 'i2', 5) a WHERE m.algorithm = 'als';
SELECT count(*) FROM rec_models m, insight_audience_from(m.model, 'unknown', 5) a WHERE m.algorithm = 'als';
SELECT count(*) FROM rec_models m, insight_audience_from(m.model, 'i1', 1) a WHERE m.algorithm <> 'popularity';
SELECT * FROM insight_audience_from((SELECT model FROM rec_models WHERE algorithm = 'popularity'), 'i1');
SELECT * FROM insight_audience_from((SELECT model FROM rec_models WHERE algorithm = 'als'), 'i1', -1);
