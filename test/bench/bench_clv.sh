#!/usr/bin/env bash
# CLV: the cost of a fit and of scoring, on CDNOW_master.txt (23,570 customers,
# all of CDNOW's first-quarter-1997 cohort; calibration as_of 1997-10-01) and
# on a 1,000,000-customer summary drawn from the BG/NBD and Gamma-Gamma models
# (test/bench/clv_simulate.py, seed 1).  Runs in a database of its own.
#
# Method (each time the best of 3, in milliseconds, serial unless said):
#   summary   SELECT of insight_clv_summary() into a table (CDNOW only).
#   scan      a plain scan of the summary table reading the same columns
#             (SELECT sum(...) of them).
#   collect   the fit's aggregate without its final function: a temporary
#             aggregate with the same transition and combine functions
#             (scan + collecting and collapsing the rows into the state).
#   final     the final function alone on the collected state (the
#             maximum-likelihood fit: Nelder-Mead over the distinct rows).
#   fit       the whole aggregate, insight_bgnbd_fit(...) etc.
#   scoring   SELECT sum(insight_clv_value(model, spend, x, t_x, T, m)) over the
#             summary table (12 months, 1 % a month) vs the plain scan: the
#             set-wise path; insight_clv_scores_at() (summary + scores) vs
#             insight_clv_summary() alone; and insight_clv(customer), the
#             one-customer lookup, per call (200 customers, an index on the
#             source's customer column; as_of given, and the default as_of,
#             which reads the latest purchase of the whole source).
set -euo pipefail
cd "$(dirname "$0")/../.."
db=insight_bench_clv
dropdb --if-exists "$db"
createdb "$db"
export PGDATABASE=$db
q() { psql -X -q -v ON_ERROR_STOP=1 "$@"; }

q <<'SQL'
SET client_min_messages = warning;
CREATE EXTENSION insight;
CREATE TABLE cdnow_master (customer_id integer, ordered_on date, cds integer, amount numeric(10, 2));
\copy cdnow_master FROM PROGRAM 'awk ''{ print $1 "," $2 "," $3 "," $4 }'' test/data/CDNOW_master.txt' WITH (FORMAT csv, HEADER true)
CREATE INDEX ON cdnow_master (customer_id);
SELECT insight_register_sales('cdnow_master', customer_column => 'customer_id', time_column => 'ordered_on',
                              quantity_column => 'cds', amount_column => 'amount',
                              options => '{"drop_nonpositive_price": false}') \gset
CREATE TABLE sim (customer_id integer, frequency integer, recency float8, "T" float8, monetary_value float8);
\copy sim FROM PROGRAM '/usr/bin/python3 test/bench/clv_simulate.py 1000000 1' WITH (FORMAT csv)
VACUUM ANALYZE cdnow_master;
VACUUM ANALYZE sim;
-- the fits' aggregates without their final functions
CREATE AGGREGATE clv_collect3(float8, float8, float8) (
    sfunc = insight_clv_summary_accum, stype = bytea, combinefunc = insight_clv_rows_combine, parallel = safe);
CREATE AGGREGATE clv_collect2(float8, float8) (
    sfunc = insight_gammagamma_accum, stype = bytea, combinefunc = insight_clv_rows_combine, parallel = safe);
CREATE FUNCTION best_ms(q text, runs int DEFAULT 3) RETURNS float8 LANGUAGE plpgsql AS $$
DECLARE best float8; t0 timestamptz; d float8;
BEGIN
    FOR i IN 1..runs LOOP
        t0 := clock_timestamp();
        EXECUTE q;
        d := extract(epoch FROM clock_timestamp() - t0) * 1000;
        best := least(best, d);
    END LOOP;
    RETURN best;
END $$;
CREATE TABLE timing (data text, what text, workers int, ms float8);
SQL

q -c "SELECT count(*) AS cdnow_master_lines, count(DISTINCT customer_id) AS customers FROM cdnow_master"
q <<'SQL'
INSERT INTO timing SELECT 'cdnow_master', 'summary', 0,
    best_ms('CREATE TEMP TABLE s AS SELECT * FROM insight_clv_summary(''1997-10-01 00:00+00''); DROP TABLE s');
CREATE TABLE cdnow_summary AS SELECT * FROM insight_clv_summary('1997-10-01 00:00+00');
VACUUM ANALYZE cdnow_summary;
SQL

# fit timings on one summary table: fits(table, workers)
fits() {
    local tbl=$1 workers=$2
    PGOPTIONS="-c max_parallel_workers_per_gather=$workers" q <<SQL
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
INSERT INTO timing SELECT '$tbl', 'scan', $workers,
    best_ms('SELECT sum(frequency), sum(recency), sum("T"), sum(monetary_value) FROM $tbl');
INSERT INTO timing SELECT '$tbl', 'collect_bgnbd', $workers,
    best_ms('SELECT length(clv_collect3(frequency, recency, "T")) FROM $tbl');
INSERT INTO timing SELECT '$tbl', 'collect_gammagamma', $workers,
    best_ms('SELECT length(clv_collect2(frequency, monetary_value)) FROM $tbl');
SQL
}
finals() {
    local tbl=$1
    q <<SQL
CREATE TEMP TABLE st AS SELECT clv_collect3(frequency, recency, "T") AS tx, clv_collect2(frequency, monetary_value) AS gg FROM $tbl;
INSERT INTO timing SELECT '$tbl', 'final_bgnbd', 0, best_ms('SELECT insight_bgnbd_final(tx) FROM st');
INSERT INTO timing SELECT '$tbl', 'final_gammagamma', 0, best_ms('SELECT insight_gammagamma_final(gg) FROM st');
INSERT INTO timing SELECT '$tbl', 'fit_bgnbd', 0, best_ms('SELECT insight_bgnbd_fit(frequency, recency, "T") FROM $tbl');
INSERT INTO timing SELECT '$tbl', 'fit_gammagamma', 0, best_ms('SELECT insight_gammagamma_fit(frequency, monetary_value) FROM $tbl');
CREATE TABLE models_$tbl AS
    SELECT insight_bgnbd_fit(frequency, recency, "T") AS bg, insight_pnbd_fit(frequency, recency, "T") AS pn,
           insight_gammagamma_fit(frequency, monetary_value) AS gg FROM $tbl;
SQL
}
fits cdnow_summary 0
finals cdnow_summary
q <<'SQL'
CREATE TEMP TABLE st AS SELECT clv_collect3(frequency, recency, "T") AS tx FROM cdnow_summary;
INSERT INTO timing SELECT 'cdnow_summary', 'final_pnbd', 0, best_ms('SELECT insight_pnbd_final(tx) FROM st');
SQL
fits sim 0
fits sim 2
finals sim

echo "fitted models (CDNOW_master as_of 1997-10-01; the 1,000,000 simulated customers, drawn with BG/NBD 0.243, 4.414, 0.793, 2.426 and Gamma-Gamma 6.25, 3.74, 15.44):"
q <<'SQL'
SELECT d.data, d.model, i -> 'customers' AS customers, i -> 'distinct_rows' AS distinct_rows, i -> 'iterations' AS iterations,
       i -> 'converged' AS converged,
       (SELECT string_agg(format('%s = %s', k, round((i ->> k)::numeric, 4)), ', ' ORDER BY n)
          FROM unnest(ARRAY['r', 'alpha', 'a', 'b', 's', 'beta', 'p', 'q', 'gamma']) WITH ORDINALITY u(k, n)
         WHERE i ? k) AS parameters,
       round((i ->> 'log_likelihood')::numeric, 3) AS log_likelihood
  FROM (SELECT 'cdnow_master' AS data, 'bgnbd' AS model, bg AS m FROM models_cdnow_summary
        UNION ALL SELECT 'cdnow_master', 'pnbd', pn FROM models_cdnow_summary
        UNION ALL SELECT 'cdnow_master', 'gammagamma', gg FROM models_cdnow_summary
        UNION ALL SELECT 'simulated 1M', 'bgnbd', bg FROM models_sim
        UNION ALL SELECT 'simulated 1M', 'gammagamma', gg FROM models_sim) d,
       insight_model_info(d.m) i;
SQL

# scoring
q <<'SQL'
INSERT INTO timing SELECT 'sim', 'scan_scores', 0,
    best_ms('SELECT sum(frequency), sum(recency), sum("T"), sum(monetary_value) FROM sim');
INSERT INTO timing SELECT 'sim', 'clv_value', 0,
    best_ms('SELECT sum(insight_clv_value(m.bg, m.gg, s.frequency, s.recency, s."T", s.monetary_value)) FROM sim s, models_sim m');
INSERT INTO timing SELECT 'sim', 'p_alive', 0,
    best_ms('SELECT sum(insight_bgnbd_p_alive(m.bg, s.frequency, s.recency, s."T")) FROM sim s, models_sim m');
SET client_min_messages = warning;
SELECT insight_train_clv('1998-07-01 00:00+00', holdout => '273 days') AS clv_id \gset
RESET client_min_messages;
INSERT INTO timing SELECT 'cdnow_master', 'summary_all', 0,
    best_ms('SELECT count(*) FROM insight_clv_summary(''1998-07-01 00:00+00'')');
INSERT INTO timing SELECT 'cdnow_master', 'scores_at', 0,
    best_ms('SELECT count(*), sum(clv_12m) FROM insight_clv_scores_at(''1998-07-01 00:00+00'')');
INSERT INTO timing SELECT 'cdnow_master', 'clv_per_customer_x200', 0,
    best_ms('SELECT sum(insight_clv(c, as_of => ''1998-07-01 00:00+00'')) FROM generate_series(1, 23570, 118) c');
INSERT INTO timing SELECT 'cdnow_master', 'clv_per_customer_default_as_of_x200', 0,
    best_ms('SELECT sum(insight_clv(c)) FROM generate_series(1, 23570, 118) c');
SQL

echo "figures (ms, best of 3; ratio: over the plain scan of the same table with the same workers):"
q <<'SQL'
\pset footer off
CREATE FUNCTION t(d text, w text, n int DEFAULT 0) RETURNS float8 LANGUAGE sql AS
    $$ SELECT ms FROM timing WHERE data = d AND what = w AND workers = n $$;
SELECT round(t('cdnow_master', 'summary')::numeric, 1) AS cdnow_master_summary_ms;
SELECT d AS data, w AS workers, x AS what, round(t(d, x, w)::numeric, 1) AS ms,
       round((t(d, x, w) / t(d, 'scan', w))::numeric, 2) AS over_scan
  FROM (VALUES (1, 'cdnow_summary', 0), (2, 'sim', 0), (3, 'sim', 2)) v(o, d, w),
       unnest(ARRAY['scan', 'collect_bgnbd', 'collect_gammagamma', 'final_bgnbd', 'final_pnbd', 'final_gammagamma',
                    'fit_bgnbd', 'fit_gammagamma']) WITH ORDINALITY x(x, n)
 WHERE t(d, x, w) IS NOT NULL ORDER BY o, n;
SELECT round(t('sim', 'scan_scores')::numeric, 1) AS scan_1m_ms,
       round(t('sim', 'clv_value')::numeric, 1) AS clv_value_1m_ms,
       round((1e6 / (t('sim', 'clv_value') / 1000))::numeric, -3) AS clv_values_per_s,
       round((t('sim', 'clv_value') / t('sim', 'scan_scores'))::numeric, 1) AS clv_over_scan,
       round(t('sim', 'p_alive')::numeric, 1) AS p_alive_1m_ms;
SELECT round(t('cdnow_master', 'summary_all')::numeric, 1) AS summary_23570_ms,
       round(t('cdnow_master', 'scores_at')::numeric, 1) AS scores_at_23570_ms,
       round((t('cdnow_master', 'scores_at') / t('cdnow_master', 'summary_all'))::numeric, 2) AS scores_over_summary,
       round((t('cdnow_master', 'clv_per_customer_x200') / 200)::numeric, 2) AS insight_clv_ms_per_call,
       round((t('cdnow_master', 'clv_per_customer_default_as_of_x200') / 200)::numeric, 2) AS with_default_as_of_ms_per_call;
SQL
psql -X -q -d postgres -c "DROP DATABASE $db"
