-- Why the BTYD models see no dropout on Online Retail (issue 18, part 3):
-- the measurements quoted in docs/reference/clv.md ("Why Online Retail shows
-- no dropout").  Not part of the suite (about a minute: it trains a churn
-- model).  Run on a database with Online Retail registered, e.g.
--   ./run exec bash -c 'createdb orx; psql -d orx -f sql/00_setup.sql; psql -d orx -f test/clv/online_retail_dropout.sql'
-- Sections: the fits and holdout errors of BG/NBD, MBG/NBD and Pareto/NBD
-- against the past-rate baseline for several calibration ends, holdouts,
-- time units and fitted populations (pg_temp.run); the errors by frequency
-- at the task's split; P(alive) at the serving fits, its distribution and
-- its rank correlations with the days since the last purchase and with the
-- churn model, and the same for BG/NBD counting orders instead of days.
\timing off
SET client_min_messages = warning;
\pset format unaligned
\pset fieldsep ' | '
CREATE TEMP TABLE ev AS
  SELECT customer_id::text AS c, ordered_at AS t, order_id::text AS o
    FROM insight_sales WHERE quantity > 0 AND amount >= 0;
-- generic experiment: calibration end ce, holdout days hd; fit population filter; unit days or weeks
CREATE TEMP TABLE res (exp text, algo text, n int, mae float8, rmse float8, base_mae float8, base_rmse float8, pred float8, actual float8, a float8, b float8, conv text);
CREATE FUNCTION pg_temp.run(exp text, ce timestamptz, hd int, first_from date, unit float8) RETURNS void LANGUAGE plpgsql AS $f$
DECLARE m bytea; algo text; r record;
BEGIN
  DROP TABLE IF EXISTS s; DROP TABLE IF EXISTS h;
  CREATE TEMP TABLE s AS
    WITH d AS (SELECT c, (t AT TIME ZONE 'UTC')::date AS d FROM ev WHERE t < ce GROUP BY 1, 2)
    SELECT c, count(*) - 1 AS x, (max(d) - min(d)) / unit AS tx, (((ce - interval '1 day') AT TIME ZONE 'UTC')::date - min(d)) / unit AS "T", min(d) AS first
      FROM d GROUP BY c;
  CREATE TEMP TABLE h AS SELECT c, count(DISTINCT (t AT TIME ZONE 'UTC')::date) AS days FROM ev WHERE t >= ce AND t < ce + hd * interval '1 day' GROUP BY c;
  FOREACH algo IN ARRAY ARRAY['bgnbd', 'mbgnbd', 'pnbd'] LOOP
    BEGIN
      EXECUTE format('SELECT insight_%s_fit(x, tx, "T") FROM s WHERE first >= $1', algo) INTO m USING first_from;
    EXCEPTION WHEN OTHERS THEN RAISE WARNING '% % %', exp, algo, SQLERRM; CONTINUE;
    END;
    SELECT count(*) n, avg(abs(p - a)) mae, sqrt(avg((p - a) ^ 2)) rmse, avg(abs(bp - a)) bmae, sqrt(avg((bp - a) ^ 2)) brmse, sum(p) pr, sum(a) ac INTO r
      FROM (SELECT insight_transaction_model_expected_purchases(m, hd / unit, x, tx, "T") p,
                   CASE WHEN "T" > 0 THEN x / "T" * hd / unit ELSE 0 END bp, COALESCE(h.days, 0) a FROM s LEFT JOIN h USING (c)) z;
    INSERT INTO res VALUES (exp, algo, r.n, r.mae, r.rmse, r.bmae, r.brmse, r.pr, r.ac,
      (insight_model_info(m) ->> CASE WHEN algo = 'pnbd' THEN 's' ELSE 'a' END)::float8,
      (insight_model_info(m) ->> CASE WHEN algo = 'pnbd' THEN 'beta' ELSE 'b' END)::float8, insight_model_info(m) ->> 'converged');
  END LOOP;
END $f$;
SELECT pg_temp.run('A task holdout (ce 2011-09-08, 93 d), weeks', '2011-09-08', 93, '1900-01-01', 7);
SELECT pg_temp.run('B same in days', '2011-09-08', 93, '1900-01-01', 1);
SELECT pg_temp.run('C fit cohort first >= 2011-03-01', '2011-09-08', 93, '2011-03-01', 7);
SELECT pg_temp.run('D stationary holdout (ce 2011-06-01, 93 d)', '2011-06-01', 93, '1900-01-01', 7);
SELECT pg_temp.run('E ce 2011-08-01, 93 d', '2011-08-01', 93, '1900-01-01', 7);
SELECT pg_temp.run('F ce 2011-09-08, 30 d', '2011-09-08', 30, '1900-01-01', 7);
SELECT exp, algo, n, round(mae::numeric, 4) mae, round(base_mae::numeric, 4) base_mae, round(rmse::numeric, 4) rmse, round(base_rmse::numeric, 4) base_rmse,
       round(pred::numeric, 1) pred, actual, round(a::numeric, 5) a_or_s, round(b::numeric, 3) b_or_beta, conv FROM res ORDER BY exp, algo;

-- one-time buyers and MAE by frequency (task holdout, BG/NBD on all)
DROP TABLE IF EXISTS s; DROP TABLE IF EXISTS h;
CREATE TEMP TABLE s AS SELECT customer_id::text c, frequency x, recency tx, "T" FROM insight_clv_summary('2011-09-08');
CREATE TEMP TABLE h AS SELECT c, count(DISTINCT (t AT TIME ZONE 'UTC')::date) AS days FROM ev WHERE t >= '2011-09-08' AND t < '2011-12-10' GROUP BY c;
SELECT 'one-time share', count(*), round(avg((x = 0)::int)::numeric, 3), round(avg(x)::numeric, 2) FROM s;
SELECT 'by x', LEAST(x, 10) xb, count(*), round(avg(COALESCE(h.days, 0))::numeric, 3) actual,
       round(avg(CASE WHEN "T" > 0 THEN x / "T" * 93 / 7.0 ELSE 0 END)::numeric, 3) base_pred,
       round(avg(insight_bgnbd_expected_purchases(m, 93 / 7.0, x, tx, "T"))::numeric, 3) bg_pred,
       round(avg(abs(CASE WHEN "T" > 0 THEN x / "T" * 93 / 7.0 ELSE 0 END - COALESCE(h.days, 0)))::numeric, 3) base_mae,
       round(avg(abs(insight_bgnbd_expected_purchases(m, 93 / 7.0, x, tx, "T") - COALESCE(h.days, 0)))::numeric, 3) bg_mae
  FROM s LEFT JOIN h USING (c), (SELECT insight_bgnbd_fit(x, tx, "T") m FROM s) f
 GROUP BY 2 ORDER BY 2;

-- purchase days per month (the holdout holds the pre-Christmas peak)
SELECT 'purchase days per month', to_char(t, 'YYYY-MM'), count(DISTINCT (c, (t AT TIME ZONE 'UTC')::date)) FROM ev GROUP BY 2 ORDER BY 2;
-- at the task's split: counting orders (invoices) instead of purchase days,
-- and fitting on the repeat buyers only (evaluated on every customer)
CREATE TEMP TABLE s_ord AS
  WITH d AS (SELECT c, o, min(t) AS t FROM ev WHERE t < '2011-09-08' GROUP BY 1, 2)
  SELECT c, count(*) - 1 AS x, extract(epoch FROM max(t) - min(t)) / 604800 AS tx,
         extract(epoch FROM '2011-09-08'::timestamptz - min(t)) / 604800 AS "T" FROM d GROUP BY c;
CREATE TEMP TABLE h_ord AS SELECT c, count(DISTINCT o) AS orders FROM ev WHERE t >= '2011-09-08' AND t < '2011-12-10' GROUP BY c;
SELECT 'orders: ' || f.alg, insight_model_info(f.m) ->> 'a' AS a, insight_model_info(f.m) ->> 'b' AS b,
       round(avg(abs(insight_transaction_model_expected_purchases(f.m, 93 / 7.0, x, tx, "T") - COALESCE(h.orders, 0)))::numeric, 4) AS mae,
       round(avg(abs(CASE WHEN "T" > 0 THEN x / "T" * 93 / 7.0 ELSE 0 END - COALESCE(h.orders, 0)))::numeric, 4) AS baseline_mae
  FROM s_ord LEFT JOIN h_ord h USING (c),
       (SELECT 'bgnbd' alg, insight_bgnbd_fit(x, tx, "T") m FROM s_ord UNION ALL SELECT 'mbgnbd', insight_mbgnbd_fit(x, tx, "T") FROM s_ord) f
 GROUP BY f.alg, f.m ORDER BY 1;
SELECT 'repeat buyers only', insight_model_info(f.m) ->> 'a' AS a, insight_model_info(f.m) ->> 'b' AS b,
       round(avg(abs(insight_bgnbd_expected_purchases(f.m, 93 / 7.0, x, tx, "T") - COALESCE(h.days, 0)))::numeric, 4) AS mae
  FROM s LEFT JOIN h USING (c), (SELECT insight_bgnbd_fit(x, tx, "T") m FROM s WHERE x > 0) f GROUP BY f.m;

-- P(alive) at the serving fit (as_of 2011-12-10, all history) and its rank correlations
CREATE TEMP TABLE fullh AS SELECT customer_id::text c, frequency x, recency tx, "T" FROM insight_clv_summary('2011-12-10');
CREATE TEMP TABLE fm AS SELECT insight_bgnbd_fit(x, tx, "T") bg, insight_mbgnbd_fit(x, tx, "T") mbg, insight_pnbd_fit(x, tx, "T") pn FROM fullh;
SELECT 'serving fits', insight_model_info(bg) - 'format' - 'checksum' - 'flags' - 'format_version' - 'payload_bytes' - 'source',
       insight_model_info(mbg) - 'format' - 'checksum' - 'flags' - 'format_version' - 'payload_bytes' - 'source',
       insight_model_info(pn) - 'format' - 'checksum' - 'flags' - 'format_version' - 'payload_bytes' - 'source' FROM fm;
SELECT insight_train_churn() IS NOT NULL AS churn_trained;
CREATE TEMP TABLE ords AS
  WITH d AS (SELECT c, o, min(t) AS t FROM ev GROUP BY 1, 2)
  SELECT c, count(*) - 1 AS x, extract(epoch FROM max(t) - min(t)) / 604800 AS tx,
         extract(epoch FROM '2011-12-10'::timestamptz - min(t)) / 604800 AS "T" FROM d GROUP BY c;
CREATE TEMP TABLE om AS SELECT insight_bgnbd_fit(x, tx, "T") bgo FROM ords;
SELECT 'order-counted serving fit', insight_model_info(bgo) - 'format' - 'checksum' - 'flags' - 'format_version' - 'payload_bytes' - 'source' FROM om;
CREATE TEMP TABLE pa AS
  SELECT f.c, f.x, f."T" - f.tx AS since_last, insight_bgnbd_p_alive(bg, x, tx, "T") pa_bg, insight_mbgnbd_p_alive(mbg, x, tx, "T") pa_mbg,
         insight_pnbd_p_alive(pn, x, tx, "T") pa_pn, (SELECT insight_bgnbd_p_alive(bgo, o.x, o.tx, o."T") FROM om, ords o WHERE o.c = f.c) pa_ord, ch.churn_probability
    FROM fullh f CROSS JOIN fm LEFT JOIN insight_churn_scores_at('2011-12-10') ch ON ch.customer_id = f.c;
SELECT 'p_alive quantiles 0 .1 .25 .5 .75 .9 1', m, (percentile_cont(ARRAY[0, 0.1, 0.25, 0.5, 0.75, 0.9, 1]) WITHIN GROUP (ORDER BY v))::numeric(10,5)[],
       count(*) FILTER (WHERE v < 0.5) AS below_half, count(*) FILTER (WHERE v < 0.99) AS below_099, round(avg(v)::numeric, 4) mean
  FROM pa, LATERAL (VALUES ('bgnbd', pa_bg), ('mbgnbd', pa_mbg), ('pnbd', pa_pn), ('bgnbd orders', pa_ord)) q(m, v) GROUP BY m ORDER BY m;
SELECT 'share p_alive < 0.5', round(avg((pa_bg < 0.5)::int)::numeric, 3), round(avg((pa_mbg < 0.5)::int)::numeric, 3), round(avg((pa_pn < 0.5)::int)::numeric, 3) FROM pa;
WITH r AS (SELECT rank() OVER (ORDER BY pa_bg) rb, rank() OVER (ORDER BY pa_mbg) rm, rank() OVER (ORDER BY pa_pn) rp, rank() OVER (ORDER BY pa_ord) ro,
                  rank() OVER (ORDER BY since_last) rs, rank() OVER (ORDER BY churn_probability) rc FROM pa WHERE churn_probability IS NOT NULL)
SELECT 'spearman vs days since last (expect <0) | vs churn prob (expect <0)',
       round(corr(rb, rs)::numeric, 3) bg_rec, round(corr(rm, rs)::numeric, 3) mbg_rec, round(corr(rp, rs)::numeric, 3) pn_rec, round(corr(ro, rs)::numeric, 3) ord_rec,
       round(corr(rb, rc)::numeric, 3) bg_churn, round(corr(rm, rc)::numeric, 3) mbg_churn, round(corr(rp, rc)::numeric, 3) pn_churn, round(corr(ro, rc)::numeric, 3) ord_churn, count(*) FROM r;

SELECT 'lost-like: since_last > 180 d', count(*), round(avg(pa_bg)::numeric, 3), round(avg(pa_mbg)::numeric, 3), round(avg(pa_pn)::numeric, 3), round(avg(pa_ord)::numeric, 3), round(avg(churn_probability)::numeric, 3) FROM pa WHERE since_last > 180 / 7.0;
