-- The neural-network core (src/nn/) and the MLP (src/models/deep/):
-- numerical stability, finite-difference gradient checks of every layer and
-- loss, errors, determinism, cancellation, the MLP on Online Retail churn.
-- PyTorch itself: test/peer/nn_torch.py (same weights and batches: the same
-- losses, gradients and weights after 100 Adam steps).
SET client_min_messages = warning;   -- the per-epoch NOTICEs
\set VERBOSITY default

-- Softmax of shifted logits: all three are (0.6652410, 0.2447285, 0.0900306)
SELECT z, insight_nn_softmax(z)::numeric(9,7)[] AS p,
       insight_nn_softmax(z)::numeric(9,7)[] = '{0.6652410,0.2447285,0.0900306}' AS ok
  FROM (VALUES ('{-1000,-1001,-1002}'::float8[]), ('{1000,999,998}'), ('{0,-1,-2}')) v(z);
-- their cross-entropy (class 0) is finite and equal: -log 0.6652410
SELECT d, x, max(loss) = min(loss) AND abs(max(loss) + ln(0.6652409557748218)) < 1e-6 AS ok, round(max(loss)::numeric, 7) AS loss
  FROM (VALUES ('float8'), ('float4')) p(d),
       (VALUES ('{{-1000,-1001,-1002}}'::float8[]), ('{{1000,999,998}}'), ('{{0,-1,-2}}')) v(x),
       LATERAL insight_nn_diagnose('', 'softmax', x, '{0}', dtype => d)
 GROUP BY d, x ORDER BY d, x;
-- binary cross-entropy from a logit: -800 with label 1, +800 with label 0: 800
SELECT d, x, y, loss, loss = 800 AS ok, gradient
  FROM (VALUES ('float8'), ('float4')) p(d),
       (VALUES ('{{-800}}'::float8[], '{1}'::float8[]), ('{{800}}', '{0}')) v(x, y),
       LATERAL insight_nn_diagnose('linear:1', 'binary', x, y, '{1,0}', dtype => d)
 ORDER BY d, x;

-- Finite-difference gradient checks, in double precision: for every
-- parameter w_k, (L(w + h e_k) - L(w - h e_k)) / 2h against the gradient of
-- the backward pass; the error is |fd - g| / max(|fd| + |g|, 1e-7).  Each
-- case is a small network over 6 rows that uses a layer or loss.
CREATE FUNCTION pg_temp.gradcheck(layers text, loss text, x float8[], y float8[], h float8 DEFAULT 1e-6)
RETURNS TABLE (parameters integer, max_error float8)
LANGUAGE plpgsql AS $$
DECLARE
    w float8[];
    g float8[];
    lp float8;
    lm float8;
    e float8 := 0;
BEGIN
    SELECT d.gradient, d.weights INTO g, w FROM insight_nn_diagnose(layers, loss, x, y, seed => 7) d;
    FOR k IN 1 .. array_length(w, 1) LOOP
        SELECT d.loss INTO lp FROM insight_nn_diagnose(layers, loss, x, y,
            w[1:k-1] || (w[k] + h) || w[k+1:], seed => 7) d;
        SELECT d.loss INTO lm FROM insight_nn_diagnose(layers, loss, x, y,
            w[1:k-1] || (w[k] - h) || w[k+1:], seed => 7) d;
        e := greatest(e, abs((lp - lm) / (2 * h) - g[k]) / greatest(abs((lp - lm) / (2 * h)) + abs(g[k]), 1e-7));
    END LOOP;
    RETURN QUERY SELECT array_length(w, 1), e;
END
$$;
CREATE TABLE nn_rows AS
SELECT '{{0.5,-1.2,0.3},{1.5,0.2,-0.7},{-0.3,0.8,1.1},{0.9,-0.4,-1.3},{-1.1,1.4,0.2},{0.2,0.1,0.6}}'::float8[] AS x,
       '{{0,3,1},{4,2,2},{1,1,0},{3,0,4},{2,4,3},{0,2,1}}'::float8[] AS ids;
SELECT name, parameters, max_error < 1e-6 AS ok, CASE WHEN max_error >= 1e-6 THEN max_error END AS failed
  FROM nn_rows, (VALUES
    ('linear + relu, binary', 'linear:4,relu,linear:1', 'binary', '{1,0,1,1,0,0}'::float8[], false),
    ('gelu, mse', 'linear:4,gelu,linear:1', 'mse', '{0.5,-1,2.5,0,1,-0.5}', false),
    ('layernorm + residual, softmax', 'linear:4,layernorm,gelu,residual:1,linear:3', 'softmax', '{0,2,1,1,0,2}', false),
    ('dropout, ziln', 'linear:5,relu,dropout:0.4,linear:3', 'ziln', '{0,3.5,0,12,0.7,0}', false),
    ('embedding', 'embedding:5:2,linear:3,relu,linear:1', 'binary', '{1,0,1,1,0,0}', true),
    ('residual from the input', 'gelu,residual:0,layernorm,linear:2', 'softmax', '{0,1,1,0,1,0}', false)
  ) c(name, layers, loss, y, use_ids),
  LATERAL pg_temp.gradcheck(layers, loss, CASE WHEN use_ids THEN ids ELSE x END, y)
 ORDER BY name;
-- the check fails when the gradient is wrong: a 1% error in one weight's gradient is caught
SELECT max(abs(fd - g * 1.01) / greatest(abs(fd) + abs(g * 1.01), 1e-7)) > 1e-6 AS caught
  FROM nn_rows, insight_nn_diagnose('linear:1', 'mse', x, '{1,2,3,4,5,6}', '{0.1,0.2,0.3,0.4}') d,
       LATERAL (SELECT (p.loss - m.loss) / 2e-6 AS fd, d.gradient[1] AS g
                  FROM insight_nn_diagnose('linear:1', 'mse', x, '{1,2,3,4,5,6}', '{0.100001,0.2,0.3,0.4}') p,
                       insight_nn_diagnose('linear:1', 'mse', x, '{1,2,3,4,5,6}', '{0.099999,0.2,0.3,0.4}') m) f;
-- float4 (the training core) agrees with float8 to float4 rounding
SELECT max(abs(a - b) / greatest(abs(a) + abs(b), 1e-3)) < 1e-5 AS float4_close
  FROM nn_rows, insight_nn_diagnose('linear:4,gelu,layernorm,linear:3', 'softmax', x, '{0,2,1,1,0,2}', seed => 3) f8,
       insight_nn_diagnose('linear:4,gelu,layernorm,linear:3', 'softmax', x, '{0,2,1,1,0,2}', seed => 3, dtype => 'float4') f4,
       unnest(f8.gradient, f4.gradient) u(a, b);

-- Initialisation: He normal before relu (sd sqrt(2 / in)), Xavier uniform
-- otherwise (|w| <= sqrt(6 / (in + out))), biases 0; seeded
SELECT round(stddev_pop(w)::numeric, 2) AS he_sd, round(sqrt(2.0 / 200), 2) AS expected
  FROM (SELECT unnest(weights[1:200 * 100]) w
          FROM insight_nn_diagnose('linear:100,relu,linear:1', 'binary', array_fill(0::float8, '{1,200}'), '{1}')) s;
SELECT max(abs(w)) <= sqrt(6.0 / 300) AS xavier_bound, max(abs(w)) > 0.9 * sqrt(6.0 / 300) AS fills_range
  FROM (SELECT unnest(weights[1:200 * 100]) w
          FROM insight_nn_diagnose('linear:100', 'softmax', array_fill(0::float8, '{1,200}'), '{1}')) s;
SELECT a.weights = b.weights AS same_seed_same_weights, a.weights <> c.weights AS other_seed_other_weights
  FROM nn_rows, insight_nn_diagnose('linear:3,relu,linear:1', 'binary', x, '{1,0,1,1,0,0}', seed => 1) a,
       insight_nn_diagnose('linear:3,relu,linear:1', 'binary', x, '{1,0,1,1,0,0}', seed => 1) b,
       insight_nn_diagnose('linear:3,relu,linear:1', 'binary', x, '{1,0,1,1,0,0}', seed => 2) c;
-- Adam steps lower the loss; AdamW with weight decay shrinks the weights more
SELECT (array_agg(loss ORDER BY step))[50] < (array_agg(loss ORDER BY step))[1] / 2 AS adam_learns
  FROM nn_rows, insight_nn_diagnose('linear:8,relu,linear:1', 'binary', x, '{1,0,1,1,0,0}', steps => 50,
                                    batch_size => 3, learning_rate => 0.05);
SELECT (SELECT sum(v * v) FROM unnest(w.weights) v) < (SELECT sum(v * v) FROM unnest(a.weights) v) AS decay_shrinks
  FROM nn_rows,
       LATERAL (SELECT weights FROM insight_nn_diagnose('linear:8,relu,linear:1', 'binary', x, '{1,0,1,1,0,0}', steps => 20,
                                   optimizer => 'adamw', learning_rate => 0.05, weight_decay => 1) ORDER BY step DESC LIMIT 1) w,
       LATERAL (SELECT weights FROM insight_nn_diagnose('linear:8,relu,linear:1', 'binary', x, '{1,0,1,1,0,0}', steps => 20,
                                   optimizer => 'adamw', learning_rate => 0.05) ORDER BY step DESC LIMIT 1) a;

-- Errors of the diagnostic function
\set VERBOSITY terse
SELECT 1 FROM nn_rows, insight_nn_diagnose('linear:4,sigmoid', 'binary', x, '{1,0,1,1,0,0}');
SELECT 1 FROM nn_rows, insight_nn_diagnose('linear:1000000000', 'binary', x, '{1,0,1,1,0,0}');
SELECT 1 FROM nn_rows, insight_nn_diagnose('linear:4,residual:0', 'binary', x, '{1,0,1,1,0,0}');
SELECT 1 FROM nn_rows, insight_nn_diagnose('linear:2', 'binary', x, '{1,0,1,1,0,0}');
SELECT 1 FROM nn_rows, insight_nn_diagnose('linear:1', 'binary', x, '{1,0,1,1,0,2}');
SELECT 1 FROM nn_rows, insight_nn_diagnose('linear:1', 'binary', x, '{1,0,1,1,0,0}', '{1,2}');
SELECT 1 FROM nn_rows, insight_nn_diagnose('linear:1', 'binary', x, '{1,0,1,1,0,0}', steps => 2, batch_size => 4);
SELECT 1 FROM nn_rows, insight_nn_diagnose('embedding:3:2,linear:1', 'binary', ids, '{1,0,1,1,0,0}');
SELECT 1 FROM insight_nn_diagnose('linear:1', 'mse', '{{1,NaN}}', '{1}');
SELECT 1 FROM insight_nn_diagnose('linear:1', 'mse', '{{1e200,1e200}}', '{1}', steps => 3, learning_rate => 1e6);
SELECT insight_nn_softmax('{1,NULL}');
\set VERBOSITY default

-- ---------------------------------------------------------------------------
-- The MLP.  Fixed data: two features, a non-linear rule (a ring), a binary
-- label, a value, three classes and a zero-inflated spend.
CREATE TABLE mlp_rows (id int PRIMARY KEY, f float8[], y boolean, v float8, c int, spend float8);
INSERT INTO mlp_rows
SELECT i, ARRAY[a, b, 100 * a + 1000],
       a * a + b * b > 1.2,
       sin(2 * a) + b * b,
       CASE WHEN a > 0.5 THEN 2 WHEN b > 0 THEN 1 ELSE 0 END,
       CASE WHEN a + b > 0 THEN round(exp(1 + a)::numeric, 2) ELSE 0 END
  FROM (SELECT i, 2 * ((i * 7919) % 1000) / 1000.0 - 1 AS a, 2 * ((i * 104729) % 997) / 997.0 - 1 AS b
          FROM generate_series(1, 2000) i) s;
INSERT INTO mlp_rows VALUES (2001, NULL, true, 1, 1, 1), (2002, '{1,NULL,3}', false, 1, 1, 1),
                            (2003, '{1,2,3}', NULL, NULL, NULL, NULL);
CREATE TABLE mlp_models (name text PRIMARY KEY, m bytea);

-- one fit with its NOTICEs: rows skipped, a line per epoch, early stopping
SET client_min_messages = notice;
INSERT INTO mlp_models VALUES ('small', insight_mlp_fit('SELECT f, y FROM mlp_rows', '{8}', epochs => 3, batch_size => 64, learning_rate => 0.01));
SET client_min_messages = warning;
INSERT INTO mlp_models
SELECT 'binary', insight_mlp_fit('SELECT f, y FROM mlp_rows', '{32,16}', epochs => 60, batch_size => 32, learning_rate => 0.01, patience => 10)
UNION ALL SELECT 'mse', insight_mlp_fit('SELECT f, v FROM mlp_rows', '{32,16}', 'mse', epochs => 60, batch_size => 32, learning_rate => 0.01)
UNION ALL SELECT 'softmax', insight_mlp_fit('SELECT f, c FROM mlp_rows', '{32}', 'softmax', epochs => 40, batch_size => 32, learning_rate => 0.01)
UNION ALL SELECT 'ziln', insight_mlp_fit('SELECT f, spend FROM mlp_rows', '{32}', 'ziln', epochs => 40, batch_size => 32, learning_rate => 0.01)
UNION ALL SELECT 'dropout', insight_mlp_fit('SELECT f, y FROM mlp_rows', '{32,16}', epochs => 40, batch_size => 32, learning_rate => 0.01, dropout => 0.2, weight_decay => 0.01, validation_fraction => 0);

SELECT name, i->>'loss' AS loss, i->'hidden' AS hidden, i->>'layers' AS layers, i->'outputs' AS outputs,
       i->'rows' AS rows, i->'rows_skipped' AS skipped, i->'validation_rows' AS valid,
       (i->>'best_epoch')::int <= (i->>'epochs')::int AS best_epoch_kept, i->'stopped_early' AS stopped
  FROM (SELECT name, insight_model_info(m) i FROM mlp_models) s ORDER BY name;
-- what each learned, on its own rows: accuracy, R^2, class accuracy, rank correlation of spend
SELECT avg(((insight_mlp_predict(m, f) > 0.5) = y)::int) > 0.95 AS binary_accuracy
  FROM mlp_models, mlp_rows WHERE name = 'binary' AND y IS NOT NULL AND f[2] IS NOT NULL;
SELECT 1 - sum((insight_mlp_predict(m, f) - v) ^ 2) / sum((v - (SELECT avg(v) FROM mlp_rows)) ^ 2) > 0.95 AS mse_r2
  FROM mlp_models, mlp_rows WHERE name = 'mse' AND v IS NOT NULL AND f[2] IS NOT NULL;
SELECT avg((insight_mlp_predict(m, f) = c)::int) > 0.95 AS class_accuracy,
       bool_and(abs((SELECT sum(p) FROM unnest(insight_mlp_predict_proba(m, f)) p) - 1) < 1e-12) AS proba_sum_1,
       bool_and(insight_mlp_predict(m, f) = (SELECT o - 1 FROM unnest(insight_mlp_predict_proba(m, f)) WITH ORDINALITY u(p, o) ORDER BY p DESC LIMIT 1)) AS argmax
  FROM mlp_models, mlp_rows WHERE name = 'softmax' AND c IS NOT NULL AND f[2] IS NOT NULL;
SELECT corr(r1, r2) > 0.8 AS ziln_rank_correlation
  FROM (SELECT rank() OVER (ORDER BY insight_mlp_predict(m, f)) r1, rank() OVER (ORDER BY spend) r2
          FROM mlp_models, mlp_rows WHERE name = 'ziln' AND spend IS NOT NULL AND f[2] IS NOT NULL) s;
-- ziln: predicted value = P(buy) E[spend | buy] >= 0; binary: {P(false), P(true)}
SELECT bool_and(insight_mlp_predict(m, f) >= 0) AS ziln_nonnegative
  FROM mlp_models, mlp_rows WHERE name = 'ziln' AND f[2] IS NOT NULL;
SELECT bool_and(abs((insight_mlp_predict_proba(m, f))[2] - insight_mlp_predict(m, f)) < 1e-12) AS proba_binary,
       bool_and(abs(insight_mlp_predict(m, f) - 1 / (1 + exp(-insight_mlp_predict(m, f, true)))) < 1e-12) AS logistic_of_margin
  FROM mlp_models, mlp_rows WHERE name = 'binary' AND f[2] IS NOT NULL;
-- the generic entry points dispatch through the algorithm table
SELECT bool_and(insight_predict(m, f) = insight_mlp_predict(m, f)) AS generic_predict
  FROM mlp_models, mlp_rows WHERE f[2] IS NOT NULL;
SELECT insight_mlp_predict(m, '{1,NULL,3}') IS NULL AS null_element, insight_contributions(m, '{1,NULL,3}') IS NULL AS null_contributions
  FROM mlp_models WHERE name = 'binary';

-- Integrated gradients: the contributions sum to link(x) - link(average
-- training row) (completeness, Sundararajan et al. 2017) up to the error of
-- the trapezoidal rule over 256 steps: here within 1% of the difference (or
-- 0.01 when it is below 1), the worst row printed when not.  The link: the
-- logit (binary), the value (mse), the log of the expected value (ziln),
-- the log-probability of the row's most probable class c (softmax, where
-- the baseline's is taken for the same c).
CREATE TABLE mlp_ig AS
SELECT name, id, (SELECT sum(c) FROM unnest(insight_contributions(m, f)) c) AS total,
       CASE WHEN name = 'softmax'
            THEN ln((insight_mlp_predict_proba(m, f))[insight_mlp_predict(m, f)::int + 1])
                 - ln((insight_mlp_predict_proba(m, b))[insight_mlp_predict(m, f)::int + 1])
            ELSE insight_mlp_predict(m, f, true) - insight_mlp_predict(m, b, true) END AS diff
  FROM mlp_models, mlp_rows,
       LATERAL (SELECT ARRAY(SELECT jsonb_array_elements_text(insight_model_info(m)->'means')::float8) AS b) base
 WHERE f[2] IS NOT NULL AND id % 10 = 0;
SELECT name, count(*) AS rows, bool_and(abs(total - diff) <= 0.01 * greatest(abs(diff), 1)) AS completeness,
       max(abs(total - diff) / greatest(abs(diff), 1)) FILTER (WHERE abs(total - diff) > 0.01 * greatest(abs(diff), 1)) AS worst
  FROM mlp_ig GROUP BY name ORDER BY name;
-- the softmax link is the log-probability of the most probable class
SELECT bool_and(abs(insight_mlp_predict(m, f, true) - ln((SELECT max(p) FROM unnest(insight_mlp_predict_proba(m, f)) p))) < 1e-12) AS softmax_margin
  FROM mlp_models, mlp_rows WHERE name = 'softmax' AND f[2] IS NOT NULL;
-- a feature at its mean contributes nothing
SELECT abs((insight_contributions(m, ARRAY[0.5, mean2, 1050]))[2]) < 1e-12 AS at_mean_zero
  FROM mlp_models, LATERAL (SELECT (insight_model_info(m)->'means'->>1)::float8 AS mean2) s WHERE name = 'binary';

-- Determinism: the same rows give the same bytes, in any order, serial or parallel
CREATE TABLE mlp_big AS
SELECT i AS id, ARRAY[(i % 101) / 50.0 - 1, (i * 7 % 89) / 44.0 - 1, sin(i), cos(i * 3)]::float8[] AS f,
       (i % 101) / 50.0 + sin(i) > 1 AS y
  FROM generate_series(1, 60000) i;
ANALYZE mlp_big;
CREATE TABLE mlp_det AS
SELECT insight_mlp_fit('SELECT f, y FROM mlp_big', '{16}', epochs => 2, seed => 5) AS a,
       insight_mlp_fit('SELECT f, y FROM mlp_big ORDER BY id DESC', '{16}', epochs => 2, seed => 5) AS b,
       insight_mlp_fit('SELECT f, y FROM mlp_big', '{16}', epochs => 2, seed => 6) AS other;
SET parallel_setup_cost = 0; SET parallel_tuple_cost = 0; SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
EXPLAIN (COSTS OFF) SELECT f, y FROM mlp_big;
CREATE TABLE mlp_det_parallel AS
SELECT insight_mlp_fit('SELECT f, y FROM mlp_big', '{16}', epochs => 2, seed => 5) AS p,
       insight_mlp_fit('SELECT f, y FROM (SELECT * FROM mlp_big ORDER BY random()) s', '{16}', epochs => 2, seed => 5) AS shuffled;
RESET parallel_setup_cost; RESET parallel_tuple_cost; RESET min_parallel_table_scan_size;
RESET max_parallel_workers_per_gather;
SELECT a = b AS any_order_same_bytes, a = p AS parallel_same_bytes, a = shuffled AS shuffled_same_bytes,
       a <> other AS other_seed_other_bytes
  FROM mlp_det, mlp_det_parallel;
-- Memory: the rows take 8d + 20 bytes each (the double rows become the
-- float32 training matrix in place): 60,000 rows of 4 features need 3.0 MB
-- and the network, so the fit runs under 3500 kB (at 12d + 24 bytes a row,
-- 4.1 MB, it was refused) and gives the same bytes
SET insight.max_training_memory = '3500kB';
SELECT insight_mlp_fit('SELECT f, y FROM mlp_big', '{16}', epochs => 2, seed => 5) = a AS same_bytes_in_3500kB
  FROM mlp_det;
SET insight.max_training_memory = '2900kB';
\set VERBOSITY terse
SELECT insight_mlp_fit('SELECT f, y FROM mlp_big', '{16}', epochs => 2, seed => 5) IS NOT NULL AS fitted;
\set VERBOSITY default
RESET insight.max_training_memory;

-- Cancellation: a fit that would run for minutes stops within 2 s of a 1 s
-- statement_timeout, and nothing is stored
CREATE TABLE mlp_cancel (elapsed interval, code text);
SET statement_timeout = '1s';
DO $$
DECLARE
    t0 timestamptz := clock_timestamp();
BEGIN
    -- (patience 0: no early stop, which the faster core reaches within the second)
    INSERT INTO mlp_models VALUES ('cancelled', insight_mlp_fit('SELECT f, y FROM mlp_big', '{64,32}', epochs => 100000,
                                                                patience => 0));
EXCEPTION WHEN query_canceled THEN
    INSERT INTO mlp_cancel VALUES (clock_timestamp() - t0, 'query_canceled');
END
$$;
RESET statement_timeout;
SELECT code, elapsed < interval '2 s' AS within_2s, (SELECT count(*) FROM mlp_models WHERE name = 'cancelled') AS stored
  FROM mlp_cancel;

-- Errors, before anything is allocated
\set VERBOSITY terse
SELECT insight_mlp_fit('SELECT f, y FROM mlp_rows', '{1000000000}');
SELECT insight_mlp_fit('SELECT f, y FROM mlp_rows', epochs => 1000000000);
SELECT insight_mlp_fit('SELECT f, y FROM mlp_rows', '{}'::int[] || array_fill(8, '{17}'));
SELECT insight_mlp_fit('SELECT f, y FROM mlp_rows', batch_size => 0);
SELECT insight_mlp_fit('SELECT f, y FROM mlp_rows', learning_rate => 'NaN');
SELECT insight_mlp_fit('SELECT f, y FROM mlp_rows', dropout => 1);
SELECT insight_mlp_fit('SELECT f, y FROM mlp_rows', validation_fraction => 0.95);
SELECT insight_mlp_fit('SELECT f, y FROM mlp_rows', loss => 'hinge');
SELECT insight_mlp_fit('SELECT f, y FROM mlp_rows', NULL);
SELECT insight_mlp_fit('SELECT f, y FROM mlp_rows WHERE false');
SELECT insight_mlp_fit('SELECT f, y FROM mlp_rows WHERE f IS NULL');
SELECT insight_mlp_fit('SELECT f, true FROM mlp_rows');
SELECT insight_mlp_fit('SELECT f, 1 FROM mlp_rows', loss => 'softmax');
SELECT insight_mlp_fit('SELECT f, v FROM mlp_rows');
SELECT insight_mlp_fit('SELECT f, y FROM mlp_rows', loss => 'mse');
SELECT insight_mlp_fit('SELECT f, -v FROM mlp_rows WHERE v > 0', loss => 'ziln');
SELECT insight_mlp_fit('SELECT f, 0::float8 FROM mlp_rows', loss => 'ziln');
SELECT insight_mlp_fit('SELECT f, c - 1 FROM mlp_rows', loss => 'softmax');
SELECT insight_mlp_fit('SELECT CASE WHEN id = 5 THEN ''{1,2}'' ELSE f END, y FROM mlp_rows');
SELECT insight_mlp_fit('SELECT CASE WHEN id = 5 THEN ''{1,NaN,2}'' ELSE f END, y FROM mlp_rows');
SELECT insight_mlp_fit('SELECT CASE WHEN id = 5 THEN ''{1,2,Infinity}'' ELSE f END, y FROM mlp_rows');
SELECT insight_mlp_fit('SELECT f, v * 1e300 FROM mlp_rows', loss => 'mse');
\set VERBOSITY default
-- a loss that stops being finite: an error with a hint, nothing returned
-- (targets near float4's largest value overflow the float32 gradients)
SELECT insight_mlp_fit('SELECT f, v * 1e38 FROM mlp_rows WHERE v > 0', loss => 'mse');
\set VERBOSITY terse
SET insight.max_training_memory = '1MB';
SELECT insight_mlp_fit('SELECT f, y FROM mlp_big');
RESET insight.max_training_memory;
SELECT insight_mlp_predict(m, '{1,2}') FROM mlp_models WHERE name = 'binary';
SELECT insight_mlp_predict(m, '{1,2,NaN}') FROM mlp_models WHERE name = 'binary';
SELECT insight_mlp_predict_proba(m, '{1,2,3}') FROM mlp_models WHERE name = 'mse';
SELECT insight_mlp_predict(m, '{1.7e308,-1.7e308,1.7e308}') FROM mlp_models WHERE name = 'ziln';
SELECT insight_contributions(m, '{1.7e308,-1.7e308,1.7e308}') FROM mlp_models WHERE name = 'binary';
SELECT insight_mlp_predict(insight_logreg_fit('SELECT f, y FROM mlp_rows'), '{1,2,3}');
SELECT insight_mlp_predict(set_byte(m, 60, get_byte(m, 60) # 1), '{1,2,3}') FROM mlp_models WHERE name = 'binary';
\set VERBOSITY default

-- ---------------------------------------------------------------------------
-- Online Retail churn, the churn task's windows (training labels at
-- T - 2 horizons, test labels at T - 1 horizon, horizon 90 days): the MLP's
-- out-of-time AUC next to logistic regression's and recency's.
CREATE TABLE nn_churn AS
SELECT insight_default_as_of() - interval '90 days' AS test_cutoff,
       insight_default_as_of() - interval '180 days' AS train_cutoff;
CREATE TABLE nn_churn_train AS SELECT r.* FROM nn_churn, insight_churn_training_rows(train_cutoff, '90 days') r;
CREATE TABLE nn_churn_test AS SELECT r.* FROM nn_churn, insight_churn_training_rows(test_cutoff, '90 days') r;
CREATE TABLE nn_churn_models AS
SELECT insight_mlp_fit('SELECT features, churned FROM nn_churn_train', '{64,32}', epochs => 40,
                       learning_rate => 0.001, weight_decay => 0.01, dropout => 0.1, seed => 1) AS mlp,
       insight_logreg_fit('SELECT features, churned FROM nn_churn_train') AS logreg;
SELECT round(insight_auc(insight_predict(mlp, t.features), t.churned)::numeric, 3) AS mlp_auc,
       round(insight_auc(insight_predict(logreg, t.features), t.churned)::numeric, 3) AS logistic_auc,
       round(insight_auc(t.recency_days, t.churned)::numeric, 3) AS recency_auc,
       insight_auc(insight_predict(mlp, t.features), t.churned) > 0.72 AS mlp_above_072
  FROM nn_churn_models, nn_churn_test t;

DROP TABLE nn_rows, mlp_rows, mlp_models, mlp_ig, mlp_big, mlp_det, mlp_det_parallel, mlp_cancel,
           nn_churn, nn_churn_train, nn_churn_test, nn_churn_models;
