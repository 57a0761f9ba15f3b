-- Issue 18, part 3, an idea that changes the model rather than the point
-- forecast: gradient-boosted trees that predict the holdout's repeat purchase
-- days from the churn task's point-in-time features, trained out of time on
-- the window before (features at 2011-06-07, purchase days in the next 93
-- days), measured on the CLV task's split (features at 2011-09-08, the 93
-- days to 2011-12-10) over the same 3,355 calibration customers as the task.
-- Two predictors: a regression (squared error: a mean, like the BTYD
-- models'), and an ordinal median, from one classifier per k = 1..12 of
-- P(days >= k) on the same features: the median is the last k before the
-- first P(days >= k) < 1/2.  The figures quoted in docs/reference/clv.md.
-- Not part of the suite (about a minute).  Run on a database with Online
-- Retail registered, e.g.
--   ./run exec bash -c 'createdb orx; psql -d orx -f sql/00_setup.sql; psql -d orx -f test/clv/online_retail_gbdt.sql'
\timing off
SET client_min_messages = warning;
\pset format unaligned
\pset fieldsep ' | '
CREATE TEMP TABLE days AS
    SELECT customer_id::text AS c, (ordered_at AT TIME ZONE 'UTC')::date AS d
      FROM insight_sales WHERE quantity > 0 AND amount >= 0 GROUP BY 1, 2;
-- rows of a window: the features at cutoff and the purchase days in the next 93 days
CREATE FUNCTION pg_temp.window_rows(cutoff timestamptz)
RETURNS TABLE (c text, features float8[], y float8, x integer, t_x float8, big_t float8)
LANGUAGE sql AS $$
    SELECT f.customer_id::text, f.features, COALESCE(h.n, 0)::float8, k.frequency, k.recency, k."T"
      FROM insight_customer_features(cutoff) f
      JOIN insight_clv_summary(cutoff) k ON k.customer_id::text = f.customer_id::text
      LEFT JOIN (SELECT days.c, count(*) AS n FROM days
                  WHERE days.d >= (cutoff AT TIME ZONE 'UTC')::date AND days.d < (cutoff AT TIME ZONE 'UTC')::date + 93
                  GROUP BY 1) h ON h.c = f.customer_id::text
$$;
CREATE TEMP TABLE tr AS SELECT * FROM pg_temp.window_rows('2011-06-07 00:00+00');
CREATE TEMP TABLE te AS SELECT * FROM pg_temp.window_rows('2011-09-08 00:00+00');
SELECT 'rows: train | test | test actual days', (SELECT count(*) FROM tr), (SELECT count(*) FROM te), (SELECT sum(y) FROM te);
-- the regression (a mean)
CREATE TEMP TABLE reg AS
    SELECT insight_gbdt_fit('SELECT features, y FROM tr', '{"rounds": 200, "max_depth": 4, "eta": 0.05}') AS m;
-- the ordinal median: classifiers of y >= k
CREATE TEMP TABLE cls AS
    SELECT k, insight_gbdt_fit(format('SELECT features, y >= %s FROM tr', k), '{"rounds": 200, "max_depth": 4, "eta": 0.05}') AS m
      FROM generate_series(1, 12) k;
CREATE TEMP TABLE pred AS
    SELECT te.c, te.y, te.x, te.t_x, te.big_t,
           insight_gbdt_predict(reg.m, te.features) AS mean,
           (SELECT coalesce(min(cls.k) - 1, 12) FROM cls WHERE insight_gbdt_predict(cls.m, te.features) < 0.5) AS median,
           CASE WHEN te.big_t > 0 THEN te.x / te.big_t * 93 / 7.0 ELSE 0 END AS rate
      FROM te, reg;
-- the BTYD models of the task at the same split, for the same customers
CREATE TEMP TABLE btyd AS SELECT insight_bgnbd_fit(x, t_x, big_t) AS bg FROM te;
SELECT 'MAE gbdt regression | gbdt ordinal median | BG/NBD mean | BG/NBD median | rate | Poisson median of the rate',
       round(avg(abs(mean - y))::numeric, 4), round(avg(abs(median - y))::numeric, 4),
       round(avg(abs(insight_bgnbd_expected_purchases(bg, 93 / 7.0, x, t_x, big_t) - y))::numeric, 4),
       round(avg(abs(insight_bgnbd_median_purchases(bg, 93 / 7.0, x, t_x, big_t) - y))::numeric, 4),
       round(avg(abs(rate - y))::numeric, 4), round(avg(abs(insight_clv_poisson_median(rate) - y))::numeric, 4)
  FROM pred, btyd;
SELECT 'RMSE gbdt regression | BG/NBD mean | rate | total gbdt regression | total BG/NBD | total actual',
       round(sqrt(avg((mean - y) ^ 2))::numeric, 4),
       round(sqrt(avg((insight_bgnbd_expected_purchases(bg, 93 / 7.0, x, t_x, big_t) - y) ^ 2))::numeric, 4),
       round(sqrt(avg((rate - y) ^ 2))::numeric, 4),
       round(sum(mean)::numeric, 1), round(sum(insight_bgnbd_expected_purchases(bg, 93 / 7.0, x, t_x, big_t))::numeric, 1), sum(y)
  FROM pred, btyd;
-- by frequency: one-time buyers, and the rest
SELECT 'by x=0 / x>0: n | MAE ordinal median | BG/NBD median | Poisson median of the rate', x > 0, count(*),
       round(avg(abs(median - y))::numeric, 4),
       round(avg(abs(insight_bgnbd_median_purchases(bg, 93 / 7.0, x, t_x, big_t) - y))::numeric, 4),
       round(avg(abs(insight_clv_poisson_median(rate) - y))::numeric, 4)
  FROM pred, btyd GROUP BY x > 0 ORDER BY 2;
