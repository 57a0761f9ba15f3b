-- Hostile input (issue 20): calls with huge arguments are refused at once
-- or cancelled by statement_timeout (57014); no NaN or Infinity from
-- finite arguments; final functions check what a crafted state smuggles in.
-- test/peer/clv_limits.py checks the values below against scipy and that
-- each hostile call returns within 2 s.
SET client_min_messages = warning;

-- A loop whose length comes from an argument is cancellable: n = 10^7
-- sums 10^7 hypergeometric series (158 s before, deaf to the timeout).
SET statement_timeout = '1s';
SELECT insight_pnbd_purchase_probability(insight_pnbd_model(0.55, 10.5, 0.6, 11.6), 10000000, 39);
-- The Pareto/NBD integral near "no dropout" (minutes before): a few dozen
-- quadrature panels whatever the parameters; the one-row fit of the issue
-- (16 s before) ends at once.
SELECT round(insight_pnbd_p_alive(insight_pnbd_model(3e6, 3e-7, 3e6, 3e6), 10, 1e-300, 1)::numeric, 12) AS p_alive_edge;
SELECT insight_pnbd_fit(10, 1e-300, 1) IS NOT NULL AS one_row_fit;
RESET statement_timeout;

-- Sizes are checked before any allocation: 22023 naming the limit, no XX000.
SELECT insight_kmeans_fit('SELECT ARRAY[1,2]::float8[]', 2147483647);
SELECT insight_kmeans_fit('SELECT ARRAY[1,2]::float8[]', 5000000);
SELECT insight_kmeans_fit('SELECT ARRAY[1,2]::float8[] FROM generate_series(1, 3)', 4);
SELECT insight_train_segments(100000000);

-- BG/NBD with large a and b: finite (NaN before).  FHL 2005 eq. (9) with
-- scipy's hyp2f1 gives 0.15498285697147282 and 0.16106688600509764.
SELECT round(insight_bgnbd_expected_purchases(insight_bgnbd_model(0.83, 5.07, 4545, 10000), 1)::numeric, 12) AS a4545,
       round(insight_bgnbd_expected_purchases(insight_bgnbd_model(0.83, 5.07, 1000, 10000), 1)::numeric, 12) AS a1000;
-- a model insight_bgnbd_fit returns on customers who never drop out (a ~ 1e6)
CREATE TEMP TABLE loyal AS
    SELECT insight_bgnbd_fit(g % 5, CASE WHEN g % 5 = 0 THEN 0 ELSE g % 30 END, 30 + g % 10) AS m
      FROM generate_series(1, 200) g;
SELECT (insight_model_info(m)->>'a')::float8 > 1e5 AS a_large,
       insight_bgnbd_expected_purchases(m, 10) BETWEEN 0 AND 10 AS new_finite,
       insight_bgnbd_expected_purchases(m, 10, 3, 20, 38) BETWEEN 0 AND 10 AS conditional_finite,
       insight_clv_value(m, insight_gammagamma_model(6, 4, 16), 3, 20, 38, 25, 12, 0.01, '7 days') > 0 AS clv_finite
  FROM loyal;

-- Pareto/NBD heavy buyers: the limits (P(alive) -> 0), not NaN; beyond 2^53
-- (where a float8 stops counting) an error.
SELECT insight_pnbd_p_alive(insight_pnbd_model(0.55, 10.5, 0.6, 11.6), 1e15, 0.95, 52) AS p_alive,
       insight_pnbd_expected_purchases(insight_pnbd_model(0.55, 10.5, 0.6, 11.6), 10, 1e15, 0.95, 52) AS expected,
       insight_bgnbd_p_alive(insight_bgnbd_model(0.83, 5.07, 0.8, 2.4), 1e15, 0.95, 52) AS bgnbd_p_alive;
SELECT insight_pnbd_p_alive(insight_pnbd_model(0.55, 10.5, 0.6, 11.6), 1e100, 0.95, 52);

-- Gamma-Gamma: (gamma + m x) p / (p x + q - 1) without overflow in between;
-- a mean beyond float8 is an error, not Infinity.
SELECT insight_gammagamma_expected_spend(insight_gammagamma_model(6, 4, 16), 1, 1e308) AS spend,
       abs(insight_gammagamma_expected_spend(insight_gammagamma_model(6, 4, 16), 1, 1e308)
           / ((16 + 1e308::numeric) * 6 / (6 + 4 - 1))::float8 - 1) < 1e-15 AS equals_by_hand;
SELECT insight_gammagamma_expected_spend(insight_gammagamma_model(1, 0.5, 16), 1, 1e308);
SELECT insight_clv_value(insight_pnbd_model(0.55, 10.5, 0.6, 11.6), insight_gammagamma_model(6, 4, 16),
                         2, 30, 38, 1e306, 1200, -0.9999, '7 days');

-- insight_log_rfm refuses NaN and Infinity, and equals the SQL formula of
-- version 0.1.0 to the bit otherwise.
SELECT insight_log_rfm('NaN', 1, 1);
SELECT insight_log_rfm(3, 'Infinity', 1);
SELECT insight_log_rfm(r, f, m) = ARRAY[ln(1 + GREATEST(r, 0)), ln(1 + GREATEST(f, 0)),
                                      ln(1 + GREATEST(round(m::numeric, 6)::float8, 0))] AS same_as_sql
  FROM (VALUES (3.5::float8, 2::float8, 1234.5678912345::float8), (-1, 0, -5), (0.1, 1e9, 1e-7)) v(r, f, m);

-- insight_clv_error_metrics: one value per customer on both sides.
SELECT insight_clv_error_metrics('{1,2,3}', '{1}');
SELECT insight_clv_error_metrics('{{1,2},{3,4}}', '{1,2,3,4}');
SELECT insight_clv_error_metrics('{1,2,3}', '{1,2,4}') ->> 'customers' AS customers;

-- Log loss of logits: 0 for a certain right answer, an error for a certain
-- wrong one (its loss is infinite), never NaN.
SELECT insight_log_loss_logit(x, l) FROM (VALUES ('-Infinity'::float8, false), ('Infinity', true)) v(x, l);
SELECT insight_log_loss_logit(x, true) FROM (VALUES ('-Infinity'::float8)) v(x);
SELECT insight_log_loss_logit(x, false) FROM (VALUES ('Infinity'::float8)) v(x);
SELECT insight_log_loss_logit(x, false) FROM (VALUES (1e308::float8), (1e308)) v(x);

-- Crafted states given straight to final functions: a mean state is
-- (unused int32, n float8, sum float8, compensation float8), little-endian.
SELECT insight_mean_final('\x00000000000000000000f03f000000000000f07f0000000000000000'::bytea);  -- sum Infinity
SELECT insight_mean_final('\x00000000000000000000f03f000000000000f87f0000000000000000'::bytea);  -- sum NaN
SELECT insight_mean_final('\x00000000000000000000f07f00000000000000400000000000000000'::bytea);  -- n Infinity
SELECT insight_mean_final('\x00000000000000000000f03f00000000000000400000000000000000'::bytea) AS mean_2;
-- a history state: (format int32 = 2, n_orders, capacity_orders, n_items,
-- capacity_items int64, returned int128), orders of (order hash, at int64,
-- value int128, units int128, has_order uint32, pad), item hashes; amounts
-- and quantities in units of 2^-64 (little-endian: low 8 bytes, high 8 bytes)
SELECT insight_history_final(('\x02000000' || '0100000000000000' || '0100000000000000' ||
                              '0000000000000000' || '0000000000000000' || repeat('00', 16) ||
                              '0000000000000000' || 'ffffffffffffff7f' ||
                              '0000000000000000' || '0100000000000000' || '0000000000000000' || '0100000000000000' ||
                              '01000000' || '00000000')::bytea);  -- time infinity
SELECT insight_history_final(('\x02000000' || '0200000000000000' || '0200000000000000' ||
                              '0000000000000000' || '0000000000000000' || repeat('00', 16) ||
                              '0000000000000000' || '0100000000000000' ||
                              '0000000000000000' || '0000000000000040' || '0000000000000000' || '0100000000000000' ||
                              '01000000' || '00000000' ||
                              '0000000000000000' || '0100000000000000' ||
                              '0000000000000000' || '0000000000000040' || '0000000000000000' || '0100000000000000' ||
                              '01000000' || '00000000')::bytea);  -- 2 x 2^62 in one order: 2^63
SELECT insight_history_final(('\x02000000' || '0100000000000000' || '0200000000000000' ||
                              '0000000000000000' || '0000000000000000' || repeat('00', 16) ||
                              repeat('00', 56))::bytea);  -- room for 2 orders, bytes for 1
SELECT insight_history_final(('\x00000000' || '0100000000000000' || '0100000000000000' ||
                              '0000000000000000' || '0000000000000000' || '0100000000000000' ||
                              '0000000000000000' || '000000000000f03f' || '0000000000002440')::bytea);  -- the former state (every line), format 0
-- orders 7 (two records: at 5, 10 and 1 unit; at 3, 2.5 and 2 units) and
-- one without a key (at 4, 1 and 1 unit; also hash 7), items 5 and 5,
-- returned 2.5: two orders, one distinct item
SELECT insight_history_final(('\x02000000' || '0300000000000000' || '0300000000000000' ||
                              '0200000000000000' || '0200000000000000' ||
                              '0000000000000080' || '0200000000000000' ||
                              '0700000000000000' || '0500000000000000' ||
                              '0000000000000000' || '0a00000000000000' || '0000000000000000' || '0100000000000000' ||
                              '01000000' || '00000000' ||
                              '0700000000000000' || '0300000000000000' ||
                              '0000000000000080' || '0200000000000000' || '0000000000000000' || '0200000000000000' ||
                              '01000000' || '00000000' ||
                              '0700000000000000' || '0400000000000000' ||
                              '0000000000000000' || '0100000000000000' || '0000000000000000' || '0100000000000000' ||
                              '00000000' || '00000000' ||
                              '0500000000000000' || '0500000000000000')::bytea)
       = '{2,1,2.5,3,12.5,3,4,1,1}' AS merged_orders;

-- Whether a CLV model can score every customer (for activation).
SELECT insight_clv_model_unusable(insight_gammagamma_model(6, 0.9276, 16)) AS gg_q_below_1,
       insight_clv_model_unusable(insight_gammagamma_model(6, 4, 16)) AS gg_ok,
       insight_clv_model_unusable(insight_bgnbd_model(0.83, 5.07, 0.3, 0.5)) IS NULL AS bg_a_b_below_1_scores,
       insight_clv_model_unusable(insight_bgnbd_model(0.83, 5.07, 0.8, 2.4)) AS bg_ok,
       insight_clv_model_unusable(insight_pnbd_model(0.55, 10.5, 0.6, 11.6)) AS pn_ok;
SELECT insight_clv_model_unusable(insight_kmeans_fit('SELECT ARRAY[1,2]::float8[] FROM generate_series(1, 3)', 1));

-- Training far after the last sale: the holdout has no purchases, refused
-- before any fit (minutes in the Pareto/NBD fit before).
-- (terse: the detail names the dates of whichever source is registered)
\set VERBOSITY terse
BEGIN;
SELECT insight_train_clv(as_of => '2200-01-01');
ROLLBACK;
\set VERBOSITY default
