-- The modified BG/NBD (Batislam, Denizel & Filiztekin 2007) on the CDNOW
-- sample summary (table cdnow_clv of 60_clv_summary), issue 18.
\i test/setup/cdnow_copies.sql
CREATE TABLE clv_mbgnbd AS
    SELECT insight_mbgnbd_fit(frequency, recency, "T") AS model FROM cdnow_clv;
-- Published by BTYDplus (mbgnbd.EstimateParameters on the CDNOW sample, weeks;
-- ../shared/data/README.md): r = 0.525, alpha = 6.183, a = 0.891, b = 1.614
SELECT k AS name, round((insight_model_info(model) ->> k)::numeric, 3) AS fitted, v AS btydplus,
       round((insight_model_info(model) ->> k)::numeric, 3) = v AS equals_btydplus
  FROM clv_mbgnbd, (VALUES (1, 'r', 0.525), (2, 'alpha', 6.183), (3, 'a', 0.891), (4, 'b', 1.614)) p(n, k, v)
 ORDER BY n;
SELECT i ->> 'algorithm' AS algorithm, i -> 'converged' AS converged, i -> 'customers' AS customers,
       round((i ->> 'log_likelihood')::numeric, 3) AS log_likelihood,
       (SELECT bool_and((i -> 'standard_errors' ->> k)::float8 > 0) FROM unnest(ARRAY['r', 'alpha', 'a', 'b']) k) AS has_standard_errors
  FROM clv_mbgnbd, insight_model_info(model) i;

-- The gradient the fit follows = central differences (step 1e-5) of the
-- log-likelihood, at the maximum and away from it
WITH d AS (SELECT array_agg(frequency) f, array_agg(recency) r, array_agg("T") t FROM cdnow_clv),
     pts(p) AS (VALUES ('{0.525,6.183,0.891,1.614}'::float8[]), ('{0.5,2,0.3,0.6}'), ('{1.5,30,0.001,0.039}')),
     g AS (SELECT p, j,
                  (insight_clv_log_likelihood(insight_mbgnbd_model(p[1], p[2], p[3], p[4]), f, r, t))[j + 1] AS grad,
                  ((insight_clv_log_likelihood(insight_mbgnbd_model(p[1] * exp((j = 1)::int * 1e-5), p[2] * exp((j = 2)::int * 1e-5),
                                                                    p[3] * exp((j = 3)::int * 1e-5), p[4] * exp((j = 4)::int * 1e-5)), f, r, t))[1]
                 - (insight_clv_log_likelihood(insight_mbgnbd_model(p[1] * exp(-(j = 1)::int * 1e-5), p[2] * exp(-(j = 2)::int * 1e-5),
                                                                    p[3] * exp(-(j = 3)::int * 1e-5), p[4] * exp(-(j = 4)::int * 1e-5)), f, r, t))[1]) / 2e-5 AS fd
             FROM d, pts, generate_series(1, 4) j)
SELECT p, bool_and(abs(grad - fd) <= 1e-5 * (1 + abs(fd))) AS gradient_matches,
       max(abs(grad - fd))::numeric(10, 7) AS max_abs_diff
  FROM g GROUP BY p ORDER BY p;

-- P(alive) = 1 / (1 + a/(b+x) ((alpha+T)/(alpha+t_x))^(r+x)), below 1 for a
-- one-time buyer (BG/NBD says exactly 1); the closed form evaluated here
SELECT round(insight_mbgnbd_p_alive(m, 0, 0, 38.86)::numeric, 6) AS one_time_buyer,
       abs(insight_mbgnbd_p_alive(m, 0, 0, 38.86) - 1 / (1 + 0.891 / 1.614 * ((6.183 + 38.86) / 6.183) ^ 0.525)) < 1e-14 AS closed_form_x0,
       abs(insight_mbgnbd_p_alive(m, 2, 30.43, 38.86) - 1 / (1 + 0.891 / 3.614 * ((6.183 + 38.86) / (6.183 + 30.43)) ^ 2.525)) < 1e-14 AS closed_form_x2
  FROM (SELECT insight_mbgnbd_model(0.525, 6.183, 0.891, 1.614) m) f;
-- P(X(t) = n) sums to 1 over n; E[X(t)] = sum n P(X(t) = n) for a new
-- customer (both from the expectation's own hypergeometric sum and from the
-- probabilities: independent formulas)
SELECT round(sum(insight_mbgnbd_purchase_probability(m, n, 39))::numeric, 10) AS total_probability,
       round(sum(n * insight_mbgnbd_purchase_probability(m, n, 39))::numeric, 8) AS mean_from_pmf,
       round(insight_mbgnbd_expected_purchases(m, 39)::numeric, 8) AS expected_new,
       abs(sum(n * insight_mbgnbd_purchase_probability(m, n, 39)) - insight_mbgnbd_expected_purchases(m, 39)) < 1e-10 AS same_mean
  FROM (SELECT insight_mbgnbd_model(0.525, 6.183, 0.891, 1.614) m) f, generate_series(0, 400) n
 GROUP BY m;
-- the conditional expectation, and through the either-model functions and CLV
SELECT round(insight_mbgnbd_expected_purchases(m, 39, 2, 30.43, 38.86)::numeric, 6) AS x2_39,
       insight_transaction_model_expected_purchases(m, 39, 2, 30.43, 38.86) = insight_mbgnbd_expected_purchases(m, 39, 2, 30.43, 38.86) AS either,
       round(insight_clv_value(m, insight_gammagamma_model(6.25, 3.74, 15.44), 2, 30.43, 38.86, 22.35)::numeric, 4) AS clv_12m
  FROM (SELECT insight_mbgnbd_model(0.525, 6.183, 0.891, 1.614) m) f;
SELECT insight_mbgnbd_p_alive(insight_bgnbd_model(1, 1, 1, 1), 0, 0, 1);
SELECT insight_mbgnbd_fit(x, t, "T") FROM (VALUES (2, 6, 5)) v(x, t, "T");
