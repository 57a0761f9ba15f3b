-- Logistic regression: insight_logreg_fit, insight_logreg_predict and the
-- IRLS pass aggregate.  Expected values from the issue, checked against
-- scikit-learn 1.2 LogisticRegression(C = 1/lambda, tol = 1e-12).
SET client_min_messages = warning;   -- the per-pass NOTICEs
\set VERBOSITY default

CREATE TABLE lr_small (id int, f float8[], l boolean);
INSERT INTO lr_small VALUES (1, '{0,0}', true), (2, '{0,0}', true), (3, '{2,2}', false), (4, '{1,1}', false);
CREATE TABLE lr_models (name text PRIMARY KEY, m bytea);
INSERT INTO lr_models VALUES ('small', insight_logreg_fit('SELECT f, l FROM lr_small', 1));

-- intercept 0.9802393, weights (-0.6900143, -0.6900143)
SELECT round((i->>'intercept')::numeric, 7) AS intercept,
       round((i->'weights'->>0)::numeric, 7) AS w1, round((i->'weights'->>1)::numeric, 7) AS w2,
       i->'rows' AS rows, i->'rows_skipped' AS skipped, i->'positives' AS positives,
       i->'converged' AS converged, i->'lambda' AS lambda, i->>'algorithm' AS algorithm
  FROM (SELECT insight_model_info(m) i FROM lr_models WHERE name = 'small') s;
-- probabilities 0.727156, 0.727156, 0.144326, 0.401363
SELECT id, round(insight_logreg_predict(m, f)::numeric, 6) AS p
  FROM lr_small, lr_models WHERE name = 'small' ORDER BY id;
-- the same through a query with a trailing semicolon and other column names
SELECT insight_logreg_fit('SELECT f AS x, l AS y FROM lr_small;  ') = m AS same_model
  FROM lr_models WHERE name = 'small';

-- lambda 0: no finite optimum (identical columns: singular; separable: diverging)
SELECT insight_logreg_fit('SELECT f, l FROM lr_small', 0);
SELECT insight_logreg_fit($$SELECT f, l FROM (VALUES ('{0,1}'::float8[], false), ('{1,0}', false), ('{3,4}', true), ('{4,3}', true)) v(f, l)$$, 0);
-- lambda 0 with a finite optimum converges to the closed form: b = log(1/2) = -0.6931472, w = log 4 = 1.3862944
SELECT round((i->>'intercept')::numeric, 7) AS intercept, round((i->'weights'->>0)::numeric, 7) AS w
  FROM insight_model_info(insight_logreg_fit(
       $$SELECT ARRAY[x], y FROM (VALUES (0::float8, false), (0, true), (0, false), (1, true), (1, false), (1, true)) v(x, y)$$, 0)) i;

-- strong penalty on 10 rows with 7 positives: intercept log(7/3), |w| < 1e-6, mean p 0.7
CREATE TABLE lr_ten AS
SELECT i, ARRAY[i - 5.5, (i * i) % 7 - 2.1]::float8[] AS f, i % 10 < 7 AS l FROM generate_series(1, 10) i;
INSERT INTO lr_models SELECT 'ten', insight_logreg_fit('SELECT f, l FROM lr_ten', 1e7);
SELECT round((i->>'intercept')::numeric, 7) AS intercept, round(ln(7.0 / 3), 7) AS log_7_3,
       (SELECT bool_and(abs(w::float8) < 1e-6) FROM jsonb_array_elements_text(i->'weights') w) AS tiny_weights
  FROM (SELECT insight_model_info(m) i FROM lr_models WHERE name = 'ten') s;
SELECT round(avg(insight_logreg_predict(m, f))::numeric, 7) AS mean_p FROM lr_ten, lr_models WHERE name = 'ten';

-- NULL rows are skipped and counted: the model of rows 1, 3, 4, 6
CREATE TABLE lr_nulls (id int, f float8[], l boolean);
INSERT INTO lr_nulls VALUES (1, '{1,2,3}', true), (2, '{0.5,NULL,1}', false), (3, '{2,1,0}', false),
    (4, '{1.5,2.5,3.5}', true), (5, NULL, false), (6, '{0,0.1,0.2}', false), (7, '{5,5,5}', NULL);
INSERT INTO lr_models VALUES ('nulls', insight_logreg_fit('SELECT f, l FROM lr_nulls')),
    ('clean', insight_logreg_fit('SELECT f, l FROM lr_nulls WHERE id IN (1, 3, 4, 6)'));
SELECT i->'rows' AS rows, i->'rows_skipped' AS skipped FROM (SELECT insight_model_info(m) i FROM lr_models WHERE name = 'nulls') s;
SELECT a.i->'weights' = b.i->'weights' AND a.i->'intercept' = b.i->'intercept' AS same_weights,
       round((a.i->>'intercept')::numeric, 6) AS intercept_sklearn_m2_141572,
       (SELECT array_agg(round(w::numeric, 6)) FROM jsonb_array_elements_text(a.i->'weights') w) AS weights_sklearn_0_018509_0_456688_0_894867
  FROM (SELECT insight_model_info(m) i FROM lr_models WHERE name = 'nulls') a,
       (SELECT insight_model_info(m) i FROM lr_models WHERE name = 'clean') b;
SELECT insight_logreg_predict(m, '{1,NULL,3}') IS NULL AS null_prediction FROM lr_models WHERE name = 'nulls';
SELECT insight_logreg_predict(m, '{1,2}') FROM lr_models WHERE name = 'nulls';
SELECT insight_logreg_predict(m, '{1,2,3,4}') FROM lr_models WHERE name = 'nulls';
SELECT insight_logreg_predict(m, '{}') FROM lr_models WHERE name = 'nulls';
SELECT insight_logreg_predict(m, '{{1,2,3},{4,5,6}}') FROM lr_models WHERE name = 'nulls';
SELECT insight_logreg_predict(m, '{1,NaN,3}') FROM lr_models WHERE name = 'nulls';
SELECT insight_logreg_predict(m, NULL) IS NULL AS strict FROM lr_models WHERE name = 'nulls';
-- contributions w_j (x_j - mean_j) add up to the logit minus the logit of the mean row
SELECT round((ln(p / (1 - p)) - ln(p0 / (1 - p0)) - c)::numeric, 12) AS zero
  FROM lr_models, LATERAL (SELECT insight_logreg_predict(m, '{1,2,3}') p,
       insight_logreg_predict(m, ARRAY(SELECT jsonb_array_elements_text(insight_model_info(m)->'means')::float8)) p0,
       (SELECT sum(v) FROM unnest(insight_logreg_contributions(m, '{1,2,3}')) v) c) x
 WHERE name = 'nulls';

-- errors
SELECT insight_logreg_fit('SELECT f, l FROM lr_small WHERE false');
SELECT insight_logreg_fit('SELECT NULL::float8[], l FROM lr_small');
SELECT insight_logreg_fit('SELECT f, true FROM lr_small');
SELECT insight_logreg_fit('SELECT f FROM lr_small');
SELECT insight_logreg_fit('SELECT f, l::int FROM lr_small');
SELECT insight_logreg_fit('   ;');
SELECT insight_logreg_fit($$SELECT f, l FROM (VALUES ('{1,2}'::float8[], true), ('{1,2,3}', false)) v(f, l)$$);
SELECT insight_logreg_fit($$SELECT f, l FROM (VALUES ('{1,Infinity}'::float8[], true), ('{1,2}', false)) v(f, l)$$);
-- a pass checks its rows a block at a time: at coefficients 0 (the margin
-- is 0 x Infinity = NaN), in the last, partial block, and in a full block
SELECT insight_logreg_irls_step(f, l, '{0,0,1,1,0,0,0}') FROM (VALUES ('{1,2}'::float8[], true), ('{-Infinity,2}', false)) v(f, l);
-- parameters that are not finite, a scale without a finite reciprocal
SELECT insight_logreg_irls_step(f, l, '{0,0,1,NaN,0,0,0}') FROM (VALUES ('{1,2}'::float8[], true)) v(f, l);
SELECT insight_logreg_irls_step(f, l, '{0,0,1,NULL,0,0,0}') FROM (VALUES ('{1,2}'::float8[], true)) v(f, l);
SELECT insight_logreg_irls_step(f, l, '{0,0,1,1e-320,0,0,0}') FROM (VALUES ('{1,2}'::float8[], true)) v(f, l);
SELECT length(insight_logreg_irls_step(CASE WHEN i = 300 THEN '{1,NaN}' ELSE ARRAY[i, 1]::float8[] END, i % 2 = 0, '{0,0,1,1,0.5,-1,2}'))
  FROM generate_series(1, 1000) i;
SELECT insight_logreg_fit('SELECT f, l FROM lr_small', -1);
SELECT insight_logreg_fit('SELECT f, l FROM lr_small', 'NaN');
SELECT insight_logreg_fit('SELECT f, l FROM lr_small', 1, 0);
SELECT insight_logreg_fit('SELECT f, l FROM lr_small', 1, 10, 0);
SELECT insight_logreg_fit(NULL);
-- stopping at max_iterations: a WARNING, the model is flagged, and it holds
-- the last point a pass measured, with that point's objective: after one
-- pass, the start (all coefficients 0, so the 4 rows' log loss is 4 log 2)
SELECT i->'converged' AS converged, i->'intercept' AS intercept, i->'weights' AS weights,
       abs((i->>'objective')::float8 - 4 * ln(2)) < 1e-12 AS objective_of_the_weights
  FROM insight_model_info(insight_logreg_fit('SELECT f, l FROM lr_nulls', 1, 1)) i;
-- corrupt models and states
SELECT insight_logreg_predict(set_byte(m, 60, get_byte(m, 60) # 1), '{1,2,3}') FROM lr_models WHERE name = 'nulls';
SELECT insight_logreg_predict(substr(m, 1, 100), '{1,2,3}') FROM lr_models WHERE name = 'nulls';
SELECT insight_logreg_irls_combine('\x0000'::bytea, NULL);
SELECT insight_logreg_irls_accum(NULL, '{1}', true, '{0,1}');
SELECT insight_logreg_irls_accum(NULL, '{1}', true, '{0,0,0,0}');
SELECT length(insight_logreg_irls_accum(NULL, '{1}', true, '{0,1,0,0}')) AS state_bytes;

-- a forced parallel plan gives the serial model, also when a filter leaves
-- workers without rows and when no row qualifies
CREATE TABLE lr_big AS
SELECT i, ARRAY[sin(i), cos(3 * i), (i % 17) / 17.0, ln(i)]::float8[] AS f,
       sin(i * 7.0) + (i % 17) / 17.0 > 0.4 AS l
  FROM generate_series(1, 60000) i;
ANALYZE lr_big;
CREATE TABLE lr_par (plan text PRIMARY KEY, m bytea);
SET max_parallel_workers_per_gather = 0;
-- (the aggregate's passes: in_memory => false)
INSERT INTO lr_par VALUES ('serial', insight_logreg_fit('SELECT f, l FROM lr_big', 0.5, in_memory => false)),
    ('serial_filter', insight_logreg_fit('SELECT f, l FROM lr_big WHERE i <= 300', 0.5, in_memory => false));
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
EXPLAIN (COSTS OFF) SELECT insight_logreg_irls_step(f, l, '{0,0,0,0,1,1,1,1,0,0,0,0,0}') FROM lr_big;
INSERT INTO lr_par VALUES ('parallel', insight_logreg_fit('SELECT f, l FROM lr_big', 0.5, in_memory => false)),
    ('parallel_filter', insight_logreg_fit('SELECT f, l FROM lr_big WHERE i <= 300', 0.5, in_memory => false));
SELECT s.plan, max(abs(a.v - b.v) / greatest(abs(a.v), 1e-300)) < 1e-9 AS same_weights,
       (insight_model_info(s.m)->'rows') AS rows
  FROM lr_par s JOIN lr_par p ON p.plan = replace(s.plan, 'serial', 'parallel'),
       LATERAL (SELECT row_number() OVER () k, w::float8 v FROM jsonb_array_elements_text(insight_model_info(s.m)->'weights') w) a,
       LATERAL (SELECT row_number() OVER () k, w::float8 v FROM jsonb_array_elements_text(insight_model_info(p.m)->'weights') w) b
 WHERE s.plan LIKE 'serial%' AND a.k = b.k
 GROUP BY s.plan, s.m ORDER BY s.plan;
-- the rows in memory (the default: the query runs once, through a parallel
-- plan here) give the aggregate's model: weights, intercept, objective,
-- means and scales within 1e-9, the same counts; also with a NULL row
INSERT INTO lr_par VALUES ('memory', insight_logreg_fit('SELECT f, l FROM lr_big', 0.5)),
    ('memory_filter', insight_logreg_fit('SELECT f, l FROM lr_big WHERE i <= 300', 0.5)),
    ('memory_nulls', insight_logreg_fit('SELECT CASE WHEN i % 100 <> 7 THEN f END, l FROM lr_big', 0.5)),
    ('passes_nulls', insight_logreg_fit('SELECT CASE WHEN i % 100 <> 7 THEN f END, l FROM lr_big', 0.5, in_memory => false));
CREATE FUNCTION pg_temp.lr_values(i jsonb) RETURNS float8[] LANGUAGE sql AS $$
    SELECT array_agg(v::float8) FROM (SELECT jsonb_array_elements_text(i->'weights') v
        UNION ALL SELECT jsonb_array_elements_text(i->'means') UNION ALL SELECT jsonb_array_elements_text(i->'scales')
        UNION ALL SELECT i->>'intercept' UNION ALL SELECT i->>'objective') x $$;
SELECT m.plan, max(abs(a - b) / greatest(abs(a), 1)) < 1e-9 AS same_model,
       CASE WHEN max(abs(a - b) / greatest(abs(a), 1)) >= 1e-9 THEN max(abs(a - b) / greatest(abs(a), 1)) END AS failing,
       insight_model_info(m.m)->'rows' = insight_model_info(p.m)->'rows' AND
       insight_model_info(m.m)->'rows_skipped' = insight_model_info(p.m)->'rows_skipped' AND
       insight_model_info(m.m)->'positives' = insight_model_info(p.m)->'positives' AS same_counts,
       insight_model_info(m.m)->'rows_skipped' AS skipped
  FROM lr_par m JOIN lr_par p ON p.plan = CASE m.plan WHEN 'memory_nulls' THEN 'passes_nulls' ELSE replace(m.plan, 'memory', 'serial') END,
       unnest(pg_temp.lr_values(insight_model_info(m.m)), pg_temp.lr_values(insight_model_info(p.m))) u(a, b)
 WHERE m.plan LIKE 'memory%'
 GROUP BY m.plan, m.m, p.m ORDER BY m.plan;
-- rows that do not fit in insight.max_training_memory (60,000 x 5 doubles,
-- 2.4 MB, against 1 MB): a NOTICE, then the passes, and the same model
SET insight.max_training_memory = '1MB';
SET client_min_messages = notice;
DO $$
DECLARE
    m bytea;
BEGIN
    m := insight_logreg_fit('SELECT f, l FROM lr_big', 0.5);
    INSERT INTO lr_par VALUES ('too_big', m);
END $$;
SET client_min_messages = warning;
RESET insight.max_training_memory;
SELECT max(abs(a - b) / greatest(abs(a), 1)) < 1e-12 AS same_as_passes
  FROM lr_par t, lr_par p, unnest(pg_temp.lr_values(insight_model_info(t.m)), pg_temp.lr_values(insight_model_info(p.m))) u(a, b)
 WHERE t.plan = 'too_big' AND p.plan = 'parallel';
-- from 131,072 rows in memory (lambda > 0) a warm start on 1 block of rows in
-- 8 comes first; the iterations over all rows then find the same optimum, in
-- fewer iterations than the passes
CREATE TEMP TABLE lr_many AS
SELECT ARRAY[sin(i), cos(3 * i), (i % 17) / 17.0]::float8[] AS f,
       sin(i * 7.0) + (i % 17) / 17.0 + 0.3 * cos(i * 0.37) > 0.4 AS l
  FROM generate_series(1, 140000) i;
WITH m AS (SELECT insight_model_info(insight_logreg_fit('SELECT f, l FROM lr_many', 1)) i),
     p AS (SELECT insight_model_info(insight_logreg_fit('SELECT f, l FROM lr_many', 1, in_memory => false)) i)
SELECT max(abs(a - b) / greatest(abs(a), 1)) < 1e-9 AS same_model,
       CASE WHEN max(abs(a - b) / greatest(abs(a), 1)) >= 1e-9 THEN max(abs(a - b) / greatest(abs(a), 1)) END AS failing,
       (m.i->>'iterations')::int < (p.i->>'iterations')::int AS fewer_iterations,
       m.i->'iterations' AS iterations, p.i->'iterations' AS passes, m.i->'converged' AS converged
  FROM m, p, unnest(pg_temp.lr_values(m.i), pg_temp.lr_values(p.i)) u(a, b)
 GROUP BY m.i, p.i;
-- those iterations: once a Newton step is at most 1e-2 (relative), the next
-- iteration reuses its Hessian (the loss and gradient only, the chord method;
-- the model above is the one of this fit, equal to the passes' one)
SET client_min_messages = notice;
SELECT insight_model_info(insight_logreg_fit('SELECT f, l FROM lr_many', 1))->'iterations' AS iterations;
SET client_min_messages = warning;
SELECT insight_logreg_irls_step(f, l, '{0,0,0,0,1,1,1,1,0,0,0,0,0}') IS NULL AS no_rows FROM lr_big WHERE i < 0;
SELECT insight_logreg_fit('SELECT f, l FROM lr_big WHERE i < 0');
-- a query that ends in a comment (the query is wrapped in a subquery)
SELECT insight_model_info(insight_logreg_fit(E'SELECT f, l FROM lr_small -- the small rows'))->'rows' AS rows;
-- a feature in units near the smallest doubles (scale about 1e-155) fits as
-- in its own units: the weight times 1e155, the other weight and the
-- objective the same (summing unstandardised products had underflowed)
CREATE TEMP TABLE lr_tiny AS
    SELECT ((i * 7919) % 1000) / 1000.0 - 0.5 AS a, ((i * 104729) % 997) / 997.0 - 0.5 AS b,
           ((i::bigint * 2654435761) % 1000) / 1000.0 < 1 / (1 + exp(-(2 * (((i * 7919) % 1000) / 1000.0 - 0.5)
                                                                       - (((i * 104729) % 997) / 997.0 - 0.5)))) AS y
      FROM generate_series(1, 1000) i;
WITH n AS (SELECT insight_model_info(insight_logreg_fit('SELECT ARRAY[a, b]::float8[], y FROM lr_tiny', 0)) i),
     t AS (SELECT insight_model_info(insight_logreg_fit('SELECT ARRAY[a * 1e-155, b]::float8[], y FROM lr_tiny', 0)) i)
SELECT round((n.i->'weights'->>0)::numeric, 6) AS w1,
       abs((t.i->'weights'->>0)::float8 * 1e-155 / (n.i->'weights'->>0)::float8 - 1) < 1e-9 AS same_w1_in_its_units,
       abs((t.i->'weights'->>1)::float8 / (n.i->'weights'->>1)::float8 - 1) < 1e-9 AS same_w2,
       abs((t.i->>'objective')::float8 / (n.i->>'objective')::float8 - 1) < 1e-12 AS same_objective
  FROM n, t;
-- with lambda 1 the penalty, lambda / scale^2 = 1e310 in standardised
-- coordinates, would overflow: the feature keeps its own units (scale 1), its
-- weight stays near 0 and the rest of the model is the one without it
WITH n AS (SELECT insight_model_info(insight_logreg_fit('SELECT ARRAY[b]::float8[], y FROM lr_tiny', 1)) i),
     t AS (SELECT insight_model_info(insight_logreg_fit('SELECT ARRAY[a * 1e-155, b]::float8[], y FROM lr_tiny', 1)) i)
SELECT t.i->'scales'->0 AS scale_1, abs((t.i->'weights'->>0)::float8) < 1e-140 AS w1_near_0,
       abs((t.i->'weights'->>1)::float8 / (n.i->'weights'->>0)::float8 - 1) < 1e-9 AS same_w2,
       abs((t.i->>'intercept')::float8 / (n.i->>'intercept')::float8 - 1) < 1e-9 AS same_intercept,
       abs((t.i->>'objective')::float8 / (n.i->>'objective')::float8 - 1) < 1e-12 AS same_objective
  FROM n, t;
-- features far outside the model's units: an error, not NaN (weights of
-- opposite signs in the thousands, so w1 x1 + w2 x2 is Infinity - Infinity)
CREATE TEMP TABLE lr_tiny_units AS
    SELECT ARRAY[(i % 17) * 0.0005, (i % 13) * 0.0007]::float8[] AS f,
           (i % 17) * 0.0005 - (i % 13) * 0.0007 + ((i % 7) - 3) * 1e-5 > 0 AS l
      FROM generate_series(1, 200) i;
SELECT insight_logreg_predict(insight_logreg_fit('SELECT f, l FROM lr_tiny_units', 1e-6), '{1e306,1e306}');
-- OpenBLAS started no threads in this backend (parallelism is PostgreSQL's;
-- an idle OpenBLAS thread spins on a core the parallel workers need)
SELECT count(*) AS backend_threads FROM pg_ls_dir('/proc/' || pg_backend_pid() || '/task');
RESET parallel_setup_cost;
RESET parallel_tuple_cost;
RESET min_parallel_table_scan_size;
RESET max_parallel_workers_per_gather;
RESET client_min_messages;
DROP TABLE lr_small, lr_ten, lr_nulls, lr_big, lr_models, lr_par, lr_tiny;
