-- insight_clv_value, the CLV task and scoring, on the CDNOW sample:
-- calibration 1997-01-01 .. 1997-09-30, holdout the 39 weeks after it
-- (Fader, Hardie & Lee 2005).
\i test/setup/churn_model.sql
CREATE TABLE clv_pub AS
    SELECT insight_bgnbd_model(0.243, 4.414, 0.793, 2.426) AS bg,
           insight_pnbd_model(0.553, 10.580, 0.606, 11.656) AS pn,
           insight_gammagamma_model(6.25, 3.74, 15.44) AS gg;
-- with no discount, the value is expected spend x expected purchases over
-- 12 months of 30.4375 days (52.18 weeks)
SELECT round(insight_clv_value(bg, gg, 2, 30.43, 38.86, 22.35, 12, 0)::numeric, 6) AS clv,
       round((insight_gammagamma_expected_spend(gg, 2, 22.35)
              * insight_bgnbd_expected_purchases(bg, 12 * 30.4375 / 7, 2, 30.43, 38.86))::numeric, 6) AS by_hand
  FROM clv_pub;
-- discounting: the sum over months of the monthly increments / 1.01^k
SELECT round(insight_clv_value(bg, gg, 2, 30.43, 38.86, 22.35)::numeric, 6) AS clv_12m,
       round(sum(insight_gammagamma_expected_spend(gg, 2, 22.35)
                 * (insight_bgnbd_expected_purchases(bg, k * 30.4375 / 7, 2, 30.43, 38.86)
                    - insight_bgnbd_expected_purchases(bg, (k - 1) * 30.4375 / 7, 2, 30.43, 38.86))
                 / 1.01 ^ k)::numeric, 6) AS by_hand
  FROM clv_pub, generate_series(1, 12) k GROUP BY bg, gg;
-- Pareto/NBD, a one-time buyer (spend: the population mean), days as the unit
SELECT round(insight_clv_value(pn, gg, 0, 0, 38.86, NULL)::numeric, 4) AS pnbd_one_time,
       round(insight_clv_value(insight_pnbd_model(0.553, 10.580 * 7, 0.606, 11.656 * 7), gg,
                               0, 0, 38.86 * 7, NULL, period => '1 day')::numeric, 4) AS same_in_days,
       insight_clv_value(bg, gg, 2, 30.43, 38.86, 22.35, 0) AS zero_months,
       insight_clv_value(bg, gg, 2, 30.43, 38.86, NULL) AS null_spend
  FROM clv_pub;
-- refused: a spend model without a finite mean (q <= 1), bad arguments
SELECT insight_clv_value(bg, insight_gammagamma_model(6.25, 1, 15.44), 2, 30.43, 38.86, 22.35) FROM clv_pub;
SELECT insight_clv_value(bg, insight_gammagamma_model(6.25, 0.5, 15.44), 0, 0, 38.86, NULL) FROM clv_pub;
SELECT insight_clv_value(gg, gg, 2, 30.43, 38.86, 22.35) FROM clv_pub;
SELECT insight_clv_value(bg, bg, 2, 30.43, 38.86, 22.35) FROM clv_pub;
SELECT insight_clv_value(bg, gg, 2, 30.43, 38.86, 22.35, -1) FROM clv_pub;
SELECT insight_clv_value(bg, gg, 2, 30.43, 38.86, 22.35, 12, -1) FROM clv_pub;
SELECT insight_clv_value(bg, gg, 2, 30.43, 38.86, 22.35, period => '0 days') FROM clv_pub;

-- holdout error metrics
SELECT insight_clv_error_metrics(ARRAY[1, 2, 3], ARRAY[1, 1, 5]);

-- The task, on CDNOW registered again.
\o /dev/null
\i test/clv/load_cdnow.sql
\o
SELECT insight_p_alive(1);
-- no CLV model yet: the CLV columns of insight_customer_360 are NULL, the
-- retention targets are valued at the past rate, the report says so
SELECT count(*) > 2000 AS customers, count(p_alive) AS p_alive, count(expected_purchases_90d) AS expected,
       count(clv_12m) AS clv_12m, count(clv_model_id) AS clv_model
  FROM insight_customer_360;
SELECT value_basis, count(*) > 2000 AS customers, count(clv_12m) AS clv_12m FROM insight_retention_targets GROUP BY 1;
SELECT line FROM regexp_split_to_table(insight_report(), E'\n') AS line WHERE line ~ 'CLV|lifetime';
SELECT insight_train_clv('1998-07-01 00:00+00', '7 days', '273 days') AS clv_model_id \gset
SELECT task, algorithm, status, params, feature_names, trained_as_of AT TIME ZONE 'UTC' AS trained_as_of
  FROM insight_models WHERE task LIKE 'clv%' ORDER BY model_id;
-- holdout: 2,357 customers of the calibration period, their repeat purchase
-- days in the 39 weeks after it, against each model and the naive baseline
SELECT metrics ->> 'algorithm' AS chosen, metrics ->> 'calibration_end' AS calibration_end,
       round((metrics ->> 'holdout_periods')::numeric, 4) AS holdout_weeks,
       metrics -> 'bgnbd' -> 'customers' AS customers,
       metrics -> 'bgnbd' -> 'total_actual' AS actual,
       round((metrics -> 'bgnbd' ->> 'total_predicted')::numeric, 1) AS bgnbd_predicted,
       round((metrics -> 'pnbd' ->> 'total_predicted')::numeric, 1) AS pnbd_predicted,
       round((metrics -> 'bgnbd' ->> 'mae')::numeric, 4) AS bgnbd_mae,
       round((metrics -> 'pnbd' ->> 'mae')::numeric, 4) AS pnbd_mae,
       round((metrics -> 'baseline' ->> 'mae')::numeric, 4) AS baseline_mae,
       round((metrics -> 'bgnbd' ->> 'correlation')::numeric, 4) AS bgnbd_corr,
       metrics -> 'beats_baseline' AS beats_baseline
  FROM insight_models WHERE model_id = :clv_model_id;
-- the choice among the three models on the holdout: every candidate's MAE
-- of its predictive median (and of its mean), the margin over the runner-up
-- and over the baseline (its lower MAE: of the rate or of its Poisson
-- median), no warning when the model beats the baseline
SELECT metrics ->> 'chosen_by' AS chosen_by,
       (SELECT string_agg(format('%s %s (%s)', c ->> 'algorithm', round((c ->> 'mae_median')::numeric, 4), round((c ->> 'mae_mean')::numeric, 4)), ', ')
          FROM jsonb_array_elements(metrics -> 'candidates') c) AS candidates,
       round((metrics -> 'mbgnbd' ->> 'mae')::numeric, 4) AS mbgnbd_mae,
       round((metrics -> 'baseline' ->> 'mae_median')::numeric, 4) AS baseline_mae_median,
       metrics ->> 'runner_up' AS runner_up, round((metrics ->> 'margin_over_runner_up')::numeric, 4) AS margin_over_runner_up,
       round((metrics ->> 'margin_over_baseline')::numeric, 4) AS margin_over_baseline,
       abs((metrics ->> 'margin_over_baseline')::float8 - (least((metrics -> 'baseline' ->> 'mae')::float8, (metrics -> 'baseline' ->> 'mae_median')::float8)
                                                           - (metrics ->> 'holdout_mae')::float8)) < 1e-12 AS margin_is_difference,
       (metrics ->> 'holdout_mae')::float8 = (metrics -> (metrics ->> 'algorithm') ->> 'mae_median')::float8 AS score_is_median_mae,
       metrics ? 'warning' AND metrics ->> 'warning' IS NULL AS no_warning
  FROM insight_models WHERE model_id = :clv_model_id;
-- the MAE of the median, recomputed here: every calibration customer's
-- median under the evaluation model from its pmf summed in SQL (the
-- smallest n with P(X <= n) >= 1/2), against the actual holdout days
CREATE TEMP TABLE clv_h AS
    SELECT h.*, m.evaluation_weights AS ev, m.metrics
      FROM insight_models m, insight_clv_holdout_rows('1997-10-01 00:00+00', '1998-07-01 00:00+00', '7 days') h
     WHERE m.model_id = :clv_model_id;
SELECT count(*) AS customers,
       count(*) FILTER (WHERE insight_transaction_model_median_purchases(ev, 39, frequency, recency, "T") <> by_pmf) AS medians_differing,
       abs(avg(abs(insight_transaction_model_median_purchases(ev, 39, frequency, recency, "T") - actual))
           - (min(metrics ->> 'holdout_mae'))::float8) < 1e-12 AS mae_median_recomputed,
       round(avg(insight_transaction_model_median_purchases(ev, 39, frequency, recency, "T"))::numeric, 4) AS mean_of_medians,
       round(avg(insight_transaction_model_expected_purchases(ev, 39, frequency, recency, "T"))::numeric, 4) AS mean_of_means
  FROM clv_h,
       LATERAL (SELECT min(n) AS by_pmf
                  FROM (SELECT n, sum(insight_transaction_model_purchase_probability(ev, n, 39, frequency, recency, "T")) OVER (ORDER BY n) AS cdf
                          FROM generate_series(0, 60) n) c
                 WHERE cdf >= 0.5) b;
-- the baseline's MAE of its Poisson median, recomputed
SELECT abs(avg(abs(insight_clv_poisson_median(CASE WHEN "T" > 0 THEN frequency / "T" * 39 ELSE 0 END) - actual))
           - (min(metrics -> 'baseline' ->> 'mae_median'))::float8) < 1e-12 AS baseline_mae_median_recomputed
  FROM clv_h;
-- the predictive distribution sums to 1 and its mean is the expectation
SELECT count(*) AS models,
       max(abs(s - 1)) < 1e-12 AS sums_to_one, max(abs(e / ep - 1)) < 1e-10 AS mean_is_expectation
  FROM (SELECT k.m,
               sum(insight_transaction_model_purchase_probability(k.m, n, 39, 2, 30.43, 38.86)) AS s,
               sum(n * insight_transaction_model_purchase_probability(k.m, n, 39, 2, 30.43, 38.86)) AS e,
               insight_transaction_model_expected_purchases(k.m, 39, 2, 30.43, 38.86) AS ep
          FROM (VALUES (insight_bgnbd_model(0.243, 4.414, 0.793, 2.426)), (insight_pnbd_model(0.553, 10.578, 0.606, 11.669)),
                       (insight_mbgnbd_model(0.525, 6.183, 0.891, 1.614)), (insight_bgnbd_model(0.243, 4.414, 0.001, 0.039))) k(m),
               generate_series(0, 200) n
         GROUP BY k.m) t;
-- each model's own functions: the median of customer 1 (x = 2) over 39 weeks
SELECT insight_bgnbd_median_purchases(insight_bgnbd_model(0.243, 4.414, 0.793, 2.426), 39, 2, 30.43, 38.86) AS bgnbd,
       insight_pnbd_median_purchases(insight_pnbd_model(0.553, 10.578, 0.606, 11.669), 39, 2, 30.43, 38.86) AS pnbd,
       insight_mbgnbd_median_purchases(insight_mbgnbd_model(0.525, 6.183, 0.891, 1.614), 39, 2, 30.43, 38.86) AS mbgnbd,
       round(insight_bgnbd_purchase_probability(insight_bgnbd_model(0.243, 4.414, 0.793, 2.426), 0, 39, 0, 0, 38.86)::numeric, 6) AS p0_one_time,
       round(insight_bgnbd_purchase_probability(insight_bgnbd_model(0.243, 4.414, 0.793, 2.426), 0, 0, 0, 0, 38.86)::numeric, 6) AS p0_no_time;
-- refused
SELECT insight_bgnbd_purchase_probability(insight_bgnbd_model(0.243, 4.414, 0.793, 2.426), -1, 39, 2, 30.43, 38.86);
SELECT insight_pnbd_purchase_probability(insight_bgnbd_model(0.243, 4.414, 0.793, 2.426), 0, 39, 2, 30.43, 38.86);
SELECT insight_mbgnbd_median_purchases(insight_mbgnbd_model(0.525, 6.183, 0.891, 1.614), 39, 2, 40, 38.86);
SELECT insight_transaction_model_median_purchases(insight_bgnbd_model(0.243, 4.414, 0.793, 2.426), 'NaN', 2, 30.43, 38.86);
SELECT insight_clv_poisson_median(-1);
SELECT insight_clv_poisson_median('Infinity');
-- how P(alive) tells the customers apart (metrics.p_alive, the serving model
-- at 1998-07-01): deciles, and Spearman's rank correlation with the time
-- since the last purchase, recomputed here with average ranks
SELECT (metrics -> 'p_alive' ->> 'customers')::int AS customers,
       (SELECT string_agg(round(d::numeric, 4)::text, ' ') FROM jsonb_array_elements_text(metrics -> 'p_alive' -> 'deciles') d) AS deciles,
       metrics -> 'p_alive' -> 'below_0_5' AS below_0_5,
       round((metrics -> 'p_alive' ->> 'spearman_time_since_last_purchase')::numeric, 4) AS spearman_since_last
  FROM insight_models WHERE model_id = :clv_model_id;
WITH s AS (SELECT insight_transaction_model_p_alive(m.weights, k.frequency, k.recency, k."T") AS pa, k."T" - k.recency AS since
             FROM insight_models m, insight_clv_summary('1998-07-01 00:00+00') k WHERE m.model_id = :clv_model_id),
     r AS (SELECT avg(rn) OVER (PARTITION BY pa) AS rp, avg(rs) OVER (PARTITION BY since) AS rs
             FROM (SELECT pa, since, row_number() OVER (ORDER BY pa) AS rn, row_number() OVER (ORDER BY since) AS rs FROM s) u)
SELECT abs(corr(rp, rs) - (SELECT (metrics -> 'p_alive' ->> 'spearman_time_since_last_purchase')::float8
                             FROM insight_models WHERE model_id = :clv_model_id)) < 1e-12 AS spearman_recomputed
  FROM r;
-- does P(alive) see who left? On CDNOW it does: the share that bought again
-- in the holdout falls from the most recent buyers to those who bought
-- longest ago (recounted here from the holdout rows), as the model's
-- expected share does (within 0.1 in every band, 0.004 in the last), and
-- its mean P(alive) with it: the report prints the bands, and no verdict
-- (neither "no dropout" nor "overrates")
WITH h AS (SELECT * FROM insight_clv_holdout_rows('1997-10-01 00:00+00', '1998-07-01 00:00+00', '7 days')),
     b AS (SELECT ntile(4) OVER (ORDER BY "T" - recency, frequency, recency, actual) AS band, actual > 0 AS back FROM h),
     r AS (SELECT band, count(*) AS customers, avg(back::int) AS share FROM b GROUP BY band)
SELECT r.band, r.customers, (e ->> 'customers')::bigint = r.customers AS same_customers,
       round(r.share, 3) AS actual_share, abs((e ->> 'actual_share')::float8 - r.share) < 1e-12 AS share_recounted,
       round((e ->> 'expected_share')::numeric, 3) AS expected_share, round((e ->> 'mean_p_alive')::numeric, 3) AS mean_p_alive
  FROM r JOIN insight_models m ON m.model_id = :clv_model_id
  CROSS JOIN LATERAL jsonb_array_elements(m.metrics -> 'come_back') WITH ORDINALITY j(e, n)
 WHERE j.n = r.band ORDER BY r.band;
SELECT count(*) FILTER (WHERE line ~ 'came back in the holdout') AS came_back_line,
       count(*) FILTER (WHERE line ~ 'no dropout|overrates') AS verdict_line
  FROM regexp_split_to_table(insight_report_clv(), E'\n') line;
-- the function alone: fewer customers than bands, NULLs skipped, none at all
SELECT jsonb_array_length(insight_clv_come_back(insight_bgnbd_model(0.243, 4.414, 0.793, 2.426), 39,
                                                ARRAY[2, 0, NULL], ARRAY[30.43, 0, 1], ARRAY[38.86, 20, 5], ARRAY[1, 0, 0])) AS bands,
       insight_clv_come_back(insight_bgnbd_model(0.243, 4.414, 0.793, 2.426), 39, '{}', '{}', '{}', '{}') AS empty;
SELECT insight_clv_come_back(insight_bgnbd_model(0.243, 4.414, 0.793, 2.426), 39, ARRAY[2, 0], ARRAY[30.43, 0], ARRAY[38.86], ARRAY[1, 0]);
-- the actual holdout repeat purchase days, counted independently
SELECT count(DISTINCT (customer_id, ordered_on)) AS holdout_purchase_days
  FROM cdnow_orders WHERE ordered_on >= '1997-10-01' AND ordered_on < '1998-07-01';
-- scoring: the active models on the summary at the default as_of (1998-07-01)
SELECT round(insight_p_alive(1)::numeric, 6) AS p_alive,
       round(insight_expected_purchases(1, '90 days')::numeric, 6) AS expected_90d,
       round(insight_clv(1)::numeric, 4) AS clv_12m,
       round(insight_clv('1', 24, 0)::numeric, 4) AS clv_24m_undiscounted,
       insight_p_alive(999999) AS unknown_customer;
SELECT round(insight_transaction_model_p_alive(a.transactions, k.frequency, k.recency, k."T")::numeric, 6) AS p_alive,
       round(insight_transaction_model_expected_purchases(a.transactions, 90 / 7.0, k.frequency, k.recency, k."T")::numeric, 6) AS expected_90d,
       round(insight_clv_value(a.transactions, a.spend, k.frequency, k.recency, k."T", k.monetary_value)::numeric, 4) AS clv_12m
  FROM insight_clv_active() a, insight_clv_summary('1998-07-01 00:00+00') k WHERE k.customer_id = 1;
SELECT count(*) AS customers, count(*) FILTER (WHERE p_alive BETWEEN 0 AND 1) AS valid_p_alive,
       round(sum(clv_12m)::numeric, 0) AS total_clv_12m,
       bool_and(model_id = :clv_model_id) AS one_model
  FROM insight_clv_scores_at();
SELECT round(insight_purchases_median(1, '39 weeks')::numeric, 0) AS median_39w,
       insight_purchases_median(1, '39 weeks') = insight_transaction_model_median_purchases(a.transactions, 39, k.frequency, k.recency, k."T") AS same_as_model,
       insight_purchases_median('1', '1 day') AS median_1d, insight_purchases_median(999999, '90 days') AS unknown_customer
  FROM insight_clv_active() a, insight_clv_summary('1998-07-01 00:00+00') k WHERE k.customer_id = 1;
-- a second training on the same data is not worse: it becomes active
SELECT insight_train_clv('1998-07-01 00:00+00', '7 days', '273 days') > :clv_model_id AS retrained;
SELECT task, status, count(*) FROM insight_models WHERE task LIKE 'clv%' GROUP BY 1, 2 ORDER BY 1, 2;
SELECT insight_rollback('clv') = :clv_model_id AS rolled_back;
-- errors
SELECT insight_train_clv('1998-07-01 00:00+00', '7 days', '0 days');
SELECT insight_train_clv('1998-07-01 00:00+00', '7 days', '3 years');
SELECT insight_train_clv('1990-01-01 00:00+00');

\o /dev/null
\i test/register_online_retail.sql
\o
DROP TABLE cdnow_orders;
-- the holdout purchases are declared one row per buyer at scale (ROWS
-- 10000), so that their join to the calibration summary is never a nested
-- loop (quadratic in customers at 10M lines, test/bench/bench_scale.sh)
SELECT prorows FROM pg_proc WHERE oid = 'insight_clv_holdout_purchases(timestamptz, timestamptz)'::regprocedure;
