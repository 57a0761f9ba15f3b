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
-- the choice among the three models on the holdout: every candidate's MAE,
-- the margin over the runner-up and over the baseline, no warning when the
-- model beats the baseline
SELECT metrics ->> 'chosen_by' AS chosen_by,
       (SELECT string_agg(format('%s %s', c ->> 'algorithm', round((c ->> 'mae')::numeric, 4)), ', ') FROM jsonb_array_elements(metrics -> 'candidates') c) AS candidates,
       round((metrics -> 'mbgnbd' ->> 'mae')::numeric, 4) AS mbgnbd_mae,
       metrics ->> 'runner_up' AS runner_up, round((metrics ->> 'margin_over_runner_up')::numeric, 4) AS margin_over_runner_up,
       round((metrics ->> 'margin_over_baseline')::numeric, 4) AS margin_over_baseline,
       abs((metrics ->> 'margin_over_baseline')::float8 - ((metrics -> 'baseline' ->> 'mae')::float8 - (metrics ->> 'holdout_mae')::float8)) < 1e-12 AS margin_is_difference,
       metrics ? 'warning' AND metrics ->> 'warning' IS NULL AS no_warning
  FROM insight_models WHERE model_id = :clv_model_id;
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
