-- Gamma-Gamma spend model (Fader & Hardie 2013) on the 946 repeat customers
-- of the CDNOW sample (table cdnow_clv of 60_clv_summary).
\i test/setup/cdnow_copies.sql
CREATE TABLE clv_gg AS
    SELECT insight_gammagamma_fit(frequency, monetary_value) AS model FROM cdnow_clv;
-- published: p = 6.25, q = 3.74, gamma = 15.44 (+- 0.02)
SELECT p.name, round((i ->> p.name)::numeric, 4) AS fitted, p.published,
       abs((i ->> p.name)::numeric - p.published) <= 0.02 AS within_002
  FROM clv_gg, insight_model_info(model) i,
       (VALUES ('p', 6.25), ('q', 3.74), ('gamma', 15.44)) p(name, published);
-- 946 fitted, the 1,411 one-time buyers skipped; the correlation of frequency
-- and spend (the model assumes independence) equals corr() over the same rows
SELECT i -> 'customers' AS customers, i -> 'rows_skipped' AS rows_skipped, i -> 'converged' AS converged,
       round((i ->> 'log_likelihood')::numeric, 3) AS log_likelihood,
       round((i ->> 'frequency_spend_correlation')::numeric, 6) AS correlation,
       round((SELECT corr(frequency, monetary_value) FROM cdnow_clv WHERE frequency > 0)::numeric, 6) AS sql_corr
  FROM clv_gg, insight_model_info(model) i;

-- expected spend with the published model
SELECT x, m, round(insight_gammagamma_expected_spend(insight_gammagamma_model(6.25, 3.74, 15.44), x, m)::numeric, 4) AS expected_spend
  FROM (VALUES (2, 22.35), (1, 11.77), (0, NULL), (7, 73.74), (2, 100)) v(x, m);
-- population mean gamma p / (q - 1) by hand
SELECT round(15.44 * 6.25 / (3.74 - 1), 4) AS population_mean;
-- NULL handling: a NULL spend with x > 0 is NULL; with x = 0 it is not needed
SELECT insight_gammagamma_expected_spend(insight_gammagamma_model(6.25, 3.74, 15.44), 2, NULL) AS x2_null,
       round(insight_gammagamma_expected_spend(insight_gammagamma_model(6.25, 3.74, 15.44), 0, 99)::numeric, 4) AS x0_ignores_spend;

-- training rows with spend 0 or -5 (and x = 0, and NULLs) are never fitted
SELECT insight_model_info(insight_gammagamma_fit(x, m)) -> 'customers' AS customers,
       insight_model_info(insight_gammagamma_fit(x, m)) -> 'rows_skipped' AS rows_skipped,
       insight_model_info(insight_gammagamma_fit(x, m)) - '{checksum, rows_skipped}'::text[]
           = (SELECT insight_model_info(model) - '{checksum, rows_skipped}'::text[] FROM clv_gg) AS same_fit_as_without
  FROM (SELECT frequency AS x, monetary_value AS m FROM cdnow_clv
        UNION ALL VALUES (3, 0), (2, -5), (0, 10), (NULL, 4), (4, NULL)) d;
SELECT insight_gammagamma_fit(x, m) IS NULL AS nothing_to_fit
  FROM (VALUES (3, 0), (2, -5), (0, 10)) d(x, m);

-- errors
SELECT insight_gammagamma_fit(x, m) FROM (VALUES (1.5, 10)) d(x, m);
SELECT insight_gammagamma_fit(x, m) FROM (VALUES (1, 'Infinity'::float8)) d(x, m);
SELECT insight_gammagamma_expected_spend(insight_gammagamma_model(6.25, 0.9, 15.44), 0, NULL);
SELECT insight_gammagamma_expected_spend(insight_gammagamma_model(6.25, 3.74, 15.44), 2, -1);
SELECT insight_gammagamma_expected_spend(insight_bgnbd_model(1, 1, 1, 1), 2, 10);
SELECT insight_gammagamma_model(6.25, 3.74, 0);

-- Parallel plans give the same model as a serial scan.
SET max_parallel_workers_per_gather = 0;
CREATE TABLE clv_gg_serial AS SELECT insight_gammagamma_fit(frequency, monetary_value) AS m FROM clv_many;
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
EXPLAIN (COSTS OFF)
SELECT insight_gammagamma_fit(frequency, monetary_value) = (SELECT m FROM clv_gg_serial) FROM clv_many;
SELECT insight_gammagamma_fit(frequency, monetary_value) = (SELECT m FROM clv_gg_serial) AS parallel_equals_serial
  FROM clv_many;
RESET parallel_setup_cost;
RESET parallel_tuple_cost;
RESET min_parallel_table_scan_size;
RESET max_parallel_workers_per_gather;

-- The gradient the fit follows (analytic, in the log-parameters) = central
-- differences (step 1e-5) of the log-likelihood
WITH d AS (SELECT array_agg(frequency) f, array_agg(monetary_value) m FROM cdnow_clv WHERE frequency > 0 AND monetary_value > 0),
     pts(p) AS (VALUES ('{6.25,3.74,15.44}'::float8[]), ('{2,1.5,40}')),
     g AS (SELECT p, j,
                  (insight_clv_log_likelihood(insight_gammagamma_model(p[1], p[2], p[3]), f, m))[j + 1] AS grad,
                  ((insight_clv_log_likelihood(insight_gammagamma_model(p[1] * exp((j = 1)::int * 1e-5), p[2] * exp((j = 2)::int * 1e-5),
                                                                        p[3] * exp((j = 3)::int * 1e-5)), f, m))[1]
                 - (insight_clv_log_likelihood(insight_gammagamma_model(p[1] * exp(-(j = 1)::int * 1e-5), p[2] * exp(-(j = 2)::int * 1e-5),
                                                                        p[3] * exp(-(j = 3)::int * 1e-5)), f, m))[1]) / 2e-5 AS fd
             FROM d, pts, generate_series(1, 3) j)
SELECT p, bool_and(abs(grad - fd) <= 1e-5 * (1 + abs(fd))) AS gradient_matches,
       max(abs(grad - fd))::numeric(10, 7) AS max_abs_diff
  FROM g GROUP BY p ORDER BY p;
SELECT insight_clv_log_likelihood(insight_gammagamma_model(1, 2, 3), ARRAY[0, 2], ARRAY[5, 5]);
