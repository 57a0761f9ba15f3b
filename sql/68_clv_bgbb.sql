-- The BG/BB model (Fader, Hardie & Shang 2010) on their 11,104 donors of the
-- 1995 cohort, six yearly opportunities 1996-2001 (test/data/donations.csv:
-- frequency, recency, periods and the number of donors with that pattern),
-- issue 18.
CREATE TABLE donations (frequency int, recency int, periods int, weights int);
\copy donations FROM 'test/data/donations.csv' WITH (FORMAT csv, HEADER true)
SELECT count(*) AS patterns, sum(weights) AS donors, sum(weights) = 11104 AS as_published FROM donations;
CREATE TABLE clv_bgbb AS
    SELECT insight_bgbb_fit(frequency, recency, periods) AS model
      FROM donations, generate_series(1, weights);
-- Published (FHS 2010, table 2; ../shared/data/README.md): alpha 1.204,
-- beta 0.750, gamma 0.657, delta 2.783, log-likelihood -33,225.6
SELECT k AS name, round((insight_model_info(model) ->> k)::numeric, 3) AS fitted, v AS published,
       round((insight_model_info(model) ->> k)::numeric, 3) = v AS equals_published
  FROM clv_bgbb, (VALUES (1, 'alpha', 1.204), (2, 'beta', 0.750), (3, 'gamma', 0.657), (4, 'delta', 2.783)) p(n, k, v)
 ORDER BY n;
SELECT i ->> 'algorithm' AS algorithm, i -> 'converged' AS converged, i -> 'customers' AS customers,
       i -> 'distinct_rows' AS distinct_rows, round((i ->> 'log_likelihood')::numeric, 1) AS log_likelihood,
       round((i ->> 'log_likelihood')::numeric, 1) = -33225.6 AS ll_as_published,
       (SELECT bool_and((i -> 'standard_errors' ->> k)::float8 > 0) FROM unnest(ARRAY['alpha', 'beta', 'gamma', 'delta']) k) AS has_standard_errors
  FROM clv_bgbb, insight_model_info(model) i;
-- P(alive in 2002) for (frequency, recency) = (0, 0), (2, 4), (6, 6): 0.11, 0.59, 0.93
SELECT round(insight_bgbb_p_alive(model, 0, 0, 6)::numeric, 2) AS p_0_0,
       round(insight_bgbb_p_alive(model, 2, 4, 6)::numeric, 2) AS p_2_4,
       round(insight_bgbb_p_alive(model, 6, 6, 6)::numeric, 2) AS p_6_6,
       round(insight_bgbb_p_alive(model, 0, 0, 6)::numeric, 2) = 0.11 AND round(insight_bgbb_p_alive(model, 2, 4, 6)::numeric, 2) = 0.59
       AND round(insight_bgbb_p_alive(model, 6, 6, 6)::numeric, 2) = 0.93 AS as_published
  FROM clv_bgbb;
-- Expected donations 2002-2006 summed over the donors: 12,884.2; donors with
-- 0 and with 6 repeat donations in 1996-2001: 3,454.9 and 1,253.1
SELECT round(sum(weights * insight_bgbb_expected_purchases(model, 5, frequency, recency, periods))::numeric, 1) AS next_5_years,
       round((11104 * insight_bgbb_purchase_probability(model, 0, 6))::numeric, 1) AS donors_0,
       round((11104 * insight_bgbb_purchase_probability(model, 6, 6))::numeric, 1) AS donors_6,
       round(sum(weights * insight_bgbb_expected_purchases(model, 5, frequency, recency, periods))::numeric, 1) = 12884.2
       AND round((11104 * insight_bgbb_purchase_probability(model, 0, 6))::numeric, 1) = 3454.9
       AND round((11104 * insight_bgbb_purchase_probability(model, 6, 6))::numeric, 1) = 1253.1 AS as_published
  FROM clv_bgbb, donations GROUP BY model;

-- The gradient the fit follows = central differences (step 1e-5) of the
-- log-likelihood, at the maximum and away from it (gamma = 1 and tiny
-- parameters included)
WITH d AS (SELECT array_agg(frequency::float8) f, array_agg(recency::float8) r, array_agg(periods::float8) n
             FROM donations, generate_series(1, weights)),
     pts(p) AS (VALUES ('{1.204,0.750,0.657,2.783}'::float8[]), ('{0.3,5,1,0.2}'), ('{20,0.01,0.05,40}')),
     g AS (SELECT p, j,
                  (insight_clv_log_likelihood(insight_bgbb_model(p[1], p[2], p[3], p[4]), f, r, n))[j + 1] AS grad,
                  ((insight_clv_log_likelihood(insight_bgbb_model(p[1] * exp((j = 1)::int * 1e-5), p[2] * exp((j = 2)::int * 1e-5),
                                                                  p[3] * exp((j = 3)::int * 1e-5), p[4] * exp((j = 4)::int * 1e-5)), f, r, n))[1]
                 - (insight_clv_log_likelihood(insight_bgbb_model(p[1] * exp(-(j = 1)::int * 1e-5), p[2] * exp(-(j = 2)::int * 1e-5),
                                                                  p[3] * exp(-(j = 3)::int * 1e-5), p[4] * exp(-(j = 4)::int * 1e-5)), f, r, n))[1]) / 2e-5 AS fd
             FROM d, pts, generate_series(1, 4) j)
SELECT p, bool_and(abs(grad - fd) <= 1e-5 * (1 + abs(fd))) AS gradient_matches,
       round(max(abs(grad - fd))::numeric, 7) AS max_abs_diff
  FROM g GROUP BY p ORDER BY p;
-- the likelihood function at the fit = the fit's log-likelihood
SELECT abs((insight_clv_log_likelihood(model, f, r, n))[1] - (insight_model_info(model) ->> 'log_likelihood')::float8) < 1e-8 AS same_log_likelihood
  FROM clv_bgbb, (SELECT array_agg(frequency::float8) f, array_agg(recency::float8) r, array_agg(periods::float8) n
                    FROM donations, generate_series(1, weights)) d;

-- P(X(n) = x) sums to 1 over x = 0..n and is 0 beyond n; the observed
-- donors by x (FHS figure 3) against the expected
SELECT round(sum(insight_bgbb_purchase_probability(model, x, 6))::numeric, 12) AS total,
       insight_bgbb_purchase_probability(model, 7, 6) AS beyond_n,
       round(sum(insight_bgbb_purchase_probability(model, x, 0))::numeric, 12) AS total_n0
  FROM clv_bgbb, generate_series(0, 6) x GROUP BY model;
SELECT x, (SELECT sum(weights) FROM donations WHERE frequency = x) AS observed,
       round((11104 * insight_bgbb_purchase_probability(model, x, 6))::numeric, 1) AS expected
  FROM clv_bgbb, generate_series(0, 6) x ORDER BY x;
-- E[transactions in the next opportunity] = P(alive at n+1) E[p | x, n, alive]
-- = P(alive) (alpha+x)/(alpha+beta+n) (FHS eq. 11 and 13 with n* = 1); none
-- in 0 opportunities
SELECT bool_and(abs(insight_bgbb_expected_purchases(m, 1, frequency, recency, periods)
                    - insight_bgbb_p_alive(m, frequency, recency, periods) * (1.204 + frequency) / (1.204 + 0.750 + periods)) < 1e-14) AS one_step_closed_form,
       bool_and(insight_bgbb_expected_purchases(m, 0, frequency, recency, periods) = 0) AS zero_periods
  FROM (SELECT insight_bgbb_model(1.204, 0.750, 0.657, 2.783) m) f, donations;
-- no pole at gamma = 1: continuous across it
SELECT round(insight_bgbb_expected_purchases(insight_bgbb_model(1.2, 0.75, 1 - 1e-9, 2.8), 5, 2, 4, 6)::numeric, 8) AS below,
       round(insight_bgbb_expected_purchases(insight_bgbb_model(1.2, 0.75, 1, 2.8), 5, 2, 4, 6)::numeric, 8) AS at_1,
       round(insight_bgbb_expected_purchases(insight_bgbb_model(1.2, 0.75, 1 + 1e-9, 2.8), 5, 2, 4, 6)::numeric, 8) AS above;

-- Bad input: clear errors
SELECT insight_bgbb_fit(x, t, n) FROM (VALUES (3, 3, 2)) v(x, t, n);
SELECT insight_bgbb_fit(x, t, n) FROM (VALUES (3, 2, 6)) v(x, t, n);
SELECT insight_bgbb_fit(x, t, n) FROM (VALUES (0, 2, 6)) v(x, t, n);
SELECT insight_bgbb_fit(x, t, n) FROM (VALUES (-1, 2, 6)) v(x, t, n);
SELECT insight_bgbb_fit(x, t, n) FROM (VALUES (1.5, 2, 6)) v(x, t, n);
SELECT insight_bgbb_fit(x, t, n) FROM (VALUES (1, 2, 'NaN'::float8)) v(x, t, n);
SELECT insight_bgbb_fit(x, t, n) FROM (VALUES (0, 0, 0), (0, 0, 0)) v(x, t, n);
SELECT insight_bgbb_fit(x, t, n) IS NULL AS no_rows FROM (VALUES (1, 2, 6)) v(x, t, n) WHERE false;
SELECT insight_bgbb_fit(x, t, n) IS NULL AS all_null FROM (VALUES (NULL::float8, 2, 6)) v(x, t, n);
SELECT (insight_model_info(insight_bgbb_fit(x, t, n)) ->> 'rows_skipped')::int AS skipped,
       round((insight_model_info(insight_bgbb_fit(x, t, n)) ->> 'alpha')::numeric, 3) AS alpha_unchanged
  FROM (SELECT frequency, recency, periods FROM donations, generate_series(1, weights)
        UNION ALL VALUES (NULL::int, 2, 6), (1, NULL, 6), (1, 1, NULL)) v(x, t, n);
-- three customers do not identify four parameters: the fit says so (a
-- NOTICE at the edge of the range searched, with a hint that is not about
-- the NBD model) and the standard errors are null
SELECT (insight_model_info(m) -> 'standard_errors' ->> 'alpha') IS NULL AS no_alpha_se
  FROM (SELECT insight_bgbb_fit(x, t, n) m FROM (VALUES (1, 1, 6), (0, 0, 6), (3, 5, 6)) v(x, t, n)) f;
SELECT insight_bgbb_p_alive(model, 1, 2, 200000) FROM clv_bgbb;
SELECT insight_bgbb_p_alive(model, NULL, 2, 6) IS NULL AS strict FROM clv_bgbb;
SELECT insight_bgbb_expected_purchases(model, -1, 1, 2, 6) FROM clv_bgbb;
SELECT insight_bgbb_purchase_probability(model, -1, 6) FROM clv_bgbb;
SELECT insight_bgbb_model(1, 0, 1, 1);
SELECT insight_bgbb_p_alive(insight_bgnbd_model(1, 1, 1, 1), 0, 0, 6);
SELECT insight_bgnbd_p_alive(model, 0, 0, 6) FROM clv_bgbb;
SELECT insight_transaction_model_p_alive(model, 0, 0, 6) FROM clv_bgbb;
SELECT insight_clv_model_unusable(model) IS NULL AS usable FROM clv_bgbb;
