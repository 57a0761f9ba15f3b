#!/usr/bin/env bash
# Logistic regression and churn scoring benchmarks (issue 3).
#   1. one IRLS pass (insight_logreg_irls_step) vs a plain scan
#      (SELECT sum(features[1])) over the same 1,000,000 rows x 16 features;
#      median of 9 interleaved runs, timed inside the server with
#      clock_timestamp(), with 2 parallel workers and with none; without
#      workers also the ratio of the backend's CPU time summed over the runs
#   2. the whole fit in the database (insight_logreg_fit, lambda 1), with the
#      rows in memory (the default) and with one aggregate pass per iteration
#      (in_memory => false), against a plain scan: medians of 5 interleaved
#      runs timed inside the server, and the fit's CPU time in the backend
#      against a serial plain scan's (summed over the runs); then exporting
#      the same rows with COPY
#      and fitting scikit-learn LogisticRegression(C = 1) on them, end to end
#      and the fit alone (wall clock)
#   3. insight_churn(customer) latency under pgbench (1 client, 20 s, random
#      customers of Online Retail, indexes on the customer column and on the
#      time column; the random customer is looked up by primary key), p50 /
#      p99 from pgbench's per-transaction log
# Expects Online Retail loaded and registered (test/bench/run_benchmarks.sh).
set -euo pipefail
ROWS=${BENCH_LOGREG_ROWS:-1000000}

psql -X -q -v ON_ERROR_STOP=1 -v rows=$ROWS <<'SQL'
DROP TABLE IF EXISTS bench_lr;
SELECT setseed(0.42);
CREATE TABLE bench_lr AS
SELECT f, (f[1] + 0.5 * f[2] - f[3] + random() - 1.0) > 0 AS l
  FROM (SELECT ARRAY(SELECT random() FROM generate_series(1, 16) WHERE g > 0) AS f
          FROM generate_series(1, :rows) g) x;
VACUUM ANALYZE bench_lr;
SQL

for workers in 2 0; do
psql -X -q -v ON_ERROR_STOP=1 -v workers=$workers <<'SQL'
\pset footer off
SET max_parallel_workers_per_gather = :workers;
SET client_min_messages = warning;
-- CPU time of this backend in clock ticks (utime + stime, /proc/[pid]/stat
-- fields 14 and 15; proc(5)): unlike the wall clock, it leaves out the time
-- the backend waited for a core of the shared machine
CREATE FUNCTION pg_temp.cpu_ticks() RETURNS bigint LANGUAGE sql AS $f$
    SELECT s[12]::bigint + s[13]::bigint
      FROM (SELECT regexp_split_to_array(split_part(pg_read_file('/proc/self/stat'), ') ', 2), ' ') AS s) x $f$;
CREATE TEMP TABLE bench_runs (name text, ms float8, ticks bigint);
DO $$
DECLARE
    t0 timestamptz;
    c0 bigint;
    params float8[] := array_cat(array_cat(array_fill(0.5::float8, ARRAY[16]), array_fill(0.29::float8, ARRAY[16])),
                                 array_fill(0.1::float8, ARRAY[17]));
BEGIN
    -- warm the cache, load the modules
    PERFORM sum(f[1]) FROM bench_lr;
    PERFORM length(insight_logreg_irls_step(f, l, params)) FROM bench_lr;
    FOR i IN 1..9 LOOP
        t0 := clock_timestamp();
        c0 := pg_temp.cpu_ticks();
        PERFORM sum(f[1]) FROM bench_lr;
        INSERT INTO bench_runs VALUES ('plain scan: sum(features[1])', 1000 * extract(epoch FROM clock_timestamp() - t0),
                                       pg_temp.cpu_ticks() - c0);
        t0 := clock_timestamp();
        c0 := pg_temp.cpu_ticks();
        PERFORM length(insight_logreg_irls_step(f, l, params)) FROM bench_lr;
        INSERT INTO bench_runs VALUES ('one IRLS pass: insight_logreg_irls_step', 1000 * extract(epoch FROM clock_timestamp() - t0),
                                       pg_temp.cpu_ticks() - c0);
    END LOOP;
END $$;
\echo max_parallel_workers_per_gather = :workers
-- the CPU ratio only without workers: the workers' time is not the leader's
WITH med AS (SELECT name, percentile_cont(0.5) WITHIN GROUP (ORDER BY ms) AS median_ms, sum(ticks) AS ticks
               FROM bench_runs GROUP BY name)
SELECT name, round(median_ms::numeric, 1) AS median_ms,
       round((median_ms / (SELECT median_ms FROM med WHERE name LIKE 'plain%'))::numeric, 2) AS ratio_to_scan,
       CASE WHEN :workers = 0
            THEN round((ticks::numeric / (SELECT ticks FROM med WHERE name LIKE 'plain%')), 2) END AS cpu_time_ratio
  FROM med ORDER BY median_ms;
SQL
done

echo "whole fit: insight_logreg_fit in the database (rows in memory, and one pass per iteration) vs plain scans"
psql -X -q -v ON_ERROR_STOP=1 <<'SQL'
\pset footer off
SET client_min_messages = warning;
-- CPU time of this backend (as in part 1): without workers, the fit's and a
-- serial plain scan's, which leave out the time spent waiting for a core
CREATE FUNCTION pg_temp.cpu_ticks() RETURNS bigint LANGUAGE sql AS $f$
    SELECT s[12]::bigint + s[13]::bigint
      FROM (SELECT regexp_split_to_array(split_part(pg_read_file('/proc/self/stat'), ') ', 2), ' ') AS s) x $f$;
CREATE TEMP TABLE fit_runs (name text, ms float8, iterations int, ticks bigint);
DO $$
DECLARE
    t0 timestamptz;
    c0 bigint;
    m bytea;
BEGIN
    PERFORM sum(f[1]) FROM bench_lr;
    FOR i IN 1..5 LOOP
        t0 := clock_timestamp();
        PERFORM sum(f[1]) FROM bench_lr;
        INSERT INTO fit_runs VALUES ('plain scan: sum(features[1])', 1000 * extract(epoch FROM clock_timestamp() - t0));
        t0 := clock_timestamp();
        c0 := pg_temp.cpu_ticks();
        m := insight_logreg_fit('SELECT f, l FROM bench_lr', 1);
        INSERT INTO fit_runs VALUES ('whole fit, rows in memory', 1000 * extract(epoch FROM clock_timestamp() - t0),
                                     (insight_model_info(m)->>'iterations')::int, pg_temp.cpu_ticks() - c0);
        t0 := clock_timestamp();
        m := insight_logreg_fit('SELECT f, l FROM bench_lr', 1, in_memory => false);
        INSERT INTO fit_runs VALUES ('whole fit, one pass per iteration', 1000 * extract(epoch FROM clock_timestamp() - t0),
                                     (insight_model_info(m)->>'iterations')::int);
        SET LOCAL max_parallel_workers_per_gather = 0;
        t0 := clock_timestamp();
        c0 := pg_temp.cpu_ticks();
        PERFORM sum(f[1]) FROM bench_lr;
        INSERT INTO fit_runs VALUES ('serial plain scan (for the CPU time)', 1000 * extract(epoch FROM clock_timestamp() - t0),
                                     NULL, pg_temp.cpu_ticks() - c0);
        RESET max_parallel_workers_per_gather;
    END LOOP;
END $$;
WITH med AS (SELECT name, percentile_cont(0.5) WITHIN GROUP (ORDER BY ms) AS median_ms,
                    min(ms) AS min_ms, max(ms) AS max_ms, max(iterations) AS iterations, sum(ticks) AS ticks
               FROM fit_runs GROUP BY name)
SELECT name, round(median_ms::numeric, 1) AS median_ms, round(min_ms::numeric, 1) AS min_ms,
       round(max_ms::numeric, 1) AS max_ms, iterations,
       round((median_ms / (SELECT median_ms FROM med WHERE name LIKE 'plain%'))::numeric, 2) AS plain_scans,
       round(ticks::numeric / (SELECT ticks FROM med WHERE name LIKE 'serial%'), 2) AS cpu_serial_scans
  FROM med ORDER BY median_ms;
SQL
/usr/bin/python3 - <<'PY'
import io, subprocess, time
import numpy as np
from sklearn.linear_model import LogisticRegression
t0 = time.time()
raw = subprocess.run(["psql", "-X", "-q", "-c",
                      "COPY (SELECT array_to_string(f, ','), l::int FROM bench_lr) TO STDOUT WITH (FORMAT csv)"],
                     check=True, capture_output=True).stdout
t1 = time.time()
data = np.loadtxt(io.BytesIO(raw.replace(b'"', b'')), delimiter=",")
X, y = data[:, :-1], data[:, -1].astype(int)
t2 = time.time()
for solver in ("lbfgs", "newton-cholesky"):
    t3 = time.time()
    m = LogisticRegression(C=1.0, solver=solver, tol=1e-8, max_iter=1000).fit(X, y)
    fit = time.time() - t3
    print(f"COPY + scikit-learn ({solver}): {t2 - t0 + fit:.2f} s end to end "
          f"(COPY {t1 - t0:.2f} s, parse {t2 - t1:.2f} s, fit {fit:.2f} s, {m.n_iter_[0]} iterations)")
PY

echo "insight_churn(customer) latency under pgbench"
psql -X -q -v ON_ERROR_STOP=1 -c "SET client_min_messages = warning" -c "SELECT insight_train_churn()" \
     -c "CREATE INDEX IF NOT EXISTS order_lines_customer ON order_lines (customer_id)" \
     -c "CREATE INDEX IF NOT EXISTS order_lines_time ON order_lines (invoice_date)" \
     -c "ANALYZE order_lines" >/dev/null
ncust=$(psql -X -q -At -c "SELECT count(DISTINCT customer_id) FROM order_lines")
psql -X -q -c "DROP TABLE IF EXISTS bench_customers" \
     -c "CREATE TABLE bench_customers AS SELECT row_number() OVER (ORDER BY customer_id) AS n, customer_id FROM (SELECT DISTINCT customer_id FROM order_lines WHERE customer_id IS NOT NULL) c" \
     -c "ALTER TABLE bench_customers ADD PRIMARY KEY (n)"
script=$(mktemp)
logdir=$(mktemp -d)
cat > "$script" <<PGB
\set n random(1, $((ncust - 1)))
SELECT insight_churn(customer_id) FROM bench_customers WHERE n = :n;
PGB
(cd "$logdir" && pgbench -n -c 1 -T 20 -f "$script" -l --log-prefix=churn "${PGDATABASE:-insight}" >/dev/null)
cat "$logdir"/churn* | awk '{print $3}' | sort -n | awk '{a[NR]=$1} END {
    printf "%d calls, p50 %.1f ms, p99 %.1f ms\n", NR, a[int(NR*0.5)+1]/1000, a[int(NR*0.99)+1]/1000 }'
rm -rf "$script" "$logdir"
psql -X -q -c "DROP TABLE bench_customers" -c "DROP TABLE bench_lr"
