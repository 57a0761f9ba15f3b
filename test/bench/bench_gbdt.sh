#!/usr/bin/env bash
# Gradient-boosted trees benchmarks (issue 17), in one run:
#   1. the whole fit: insight_gbdt_fit over 1,000,000 rows x 16 features vs
#      COPY out + Python xgboost.train (python3-xgboost, the same library)
#      with the same parameters and one thread, end to end (wall clock);
#      the parameters: 100 rounds, max_depth 6, eta 0.3, hist, max_bin 256
#   2. per-row prediction: SELECT sum(insight_gbdt_predict(m, f)) vs a plain
#      scan (SELECT sum(f[1])) over the same rows, the model a PL/pgSQL
#      variable (a query parameter, as in a function); median of 3
#      interleaved runs timed inside the server
#   3. one-row latency of an insight_churn-like function (the customer's
#      features by insight_customer_features_of, then insight_gbdt_predict
#      with a GBDT trained on the Online Retail churn window) under pgbench
#      (1 client, 20 s, random customers), p50 / p99
# Expects Online Retail loaded and registered (test/bench/run_benchmarks.sh).
set -euo pipefail
ROWS=${BENCH_GBDT_ROWS:-1000000}
PARAMS='{"rounds": 100, "max_depth": 6, "eta": 0.3, "tree_method": "hist", "max_bin": 256, "seed": 0}'

psql -X -q -v ON_ERROR_STOP=1 -v rows=$ROWS <<'SQL'
DROP TABLE IF EXISTS bench_gb;
SELECT setseed(0.42);
CREATE TABLE bench_gb AS
SELECT f, (f[1] + 0.5 * f[2] - f[3] + f[4] * f[5] + random() - 1.0) > 0 AS l
  FROM (SELECT ARRAY(SELECT random() FROM generate_series(1, 16) WHERE g > 0) AS f
          FROM generate_series(1, :rows) g) x;
VACUUM ANALYZE bench_gb;
SQL

echo "whole fit: insight_gbdt_fit in the database vs COPY + xgboost.train ($ROWS rows x 16 features, $PARAMS)"
psql -X -q -c "DROP TABLE IF EXISTS bench_gb_model" -c "CREATE TABLE bench_gb_model (m bytea)"
t0=$(date +%s.%N)
psql -X -q -v ON_ERROR_STOP=1 -c "SET client_min_messages = warning" \
     -c "INSERT INTO bench_gb_model SELECT insight_gbdt_fit('SELECT f, l FROM bench_gb', '$PARAMS')"
t1=$(date +%s.%N)
echo "insight_gbdt_fit: $(echo "$t1 - $t0" | bc) s"
PARAMS="$PARAMS" /usr/bin/python3 - <<'PY'
import io, json, os, subprocess, time
import numpy as np
import xgboost as xgb
p = json.loads(os.environ["PARAMS"])
t0 = time.time()
raw = subprocess.run(["psql", "-X", "-q", "-c",
                      "COPY (SELECT array_to_string(f, ','), l::int FROM bench_gb) TO STDOUT WITH (FORMAT csv)"],
                     check=True, capture_output=True).stdout
t1 = time.time()
data = np.loadtxt(io.BytesIO(raw.replace(b'"', b'')), delimiter=",")
X, y = data[:, :-1], data[:, -1]
t2 = time.time()
d = xgb.DMatrix(X, label=y, nthread=1)
params = {"objective": "binary:logistic", "eval_metric": "logloss", "nthread": 1, "max_depth": p["max_depth"],
          "eta": p["eta"], "tree_method": p["tree_method"], "max_bin": p["max_bin"], "seed": p["seed"]}
bst = xgb.train(params, d, num_boost_round=p["rounds"], evals=[(d, "train")], verbose_eval=False)
fit = time.time() - t2
print(f"COPY + xgboost.train: {t2 - t0 + fit:.2f} s end to end "
      f"(COPY {t1 - t0:.2f} s, parse {t2 - t1:.2f} s, DMatrix + train {fit:.2f} s)")
PY

psql -X -q -v ON_ERROR_STOP=1 <<'SQL'
\pset footer off
SET client_min_messages = warning;
CREATE TEMP TABLE bench_runs (name text, ms float8);
DO $$
DECLARE
    t0 timestamptz;
    m bytea := (SELECT m FROM bench_gb_model);
BEGIN
    PERFORM sum(f[1]) FROM bench_gb;
    PERFORM insight_gbdt_predict(m, f) FROM bench_gb LIMIT 1;
    FOR i IN 1..3 LOOP
        t0 := clock_timestamp();
        PERFORM sum(f[1]) FROM bench_gb;
        INSERT INTO bench_runs VALUES ('plain scan: sum(f[1])', 1000 * extract(epoch FROM clock_timestamp() - t0));
        t0 := clock_timestamp();
        PERFORM sum(insight_gbdt_predict(m, f)) FROM bench_gb;
        INSERT INTO bench_runs VALUES ('sum(insight_gbdt_predict(m, f))', 1000 * extract(epoch FROM clock_timestamp() - t0));
    END LOOP;
END $$;
WITH med AS (SELECT name, percentile_cont(0.5) WITHIN GROUP (ORDER BY ms) AS median_ms FROM bench_runs GROUP BY name)
SELECT name, round(median_ms::numeric, 1) AS median_ms,
       round((1000 * (median_ms - (SELECT median_ms FROM med WHERE name LIKE 'plain%'))
              / (SELECT count(*) FROM bench_gb))::numeric, 2) AS us_per_row_over_scan
  FROM med ORDER BY median_ms;
SELECT pg_size_pretty(length(m)::bigint) AS model_size FROM bench_gb_model;
SQL

echo "insight_churn-like one-row latency with a GBDT model under pgbench"
psql -X -q -v ON_ERROR_STOP=1 <<'SQL'
SET client_min_messages = warning;
CREATE INDEX IF NOT EXISTS order_lines_customer ON order_lines (customer_id);
CREATE INDEX IF NOT EXISTS order_lines_time ON order_lines (invoice_date);
ANALYZE order_lines;
DROP TABLE IF EXISTS bench_gbdt_churn_model;
CREATE TABLE bench_gbdt_churn_model AS
SELECT insight_gbdt_fit(format('SELECT features, churned FROM insight_churn_training_rows(%L, %L)',
                               insight_default_as_of() - interval '90 days', interval '90 days'),
                        '{"rounds": 100, "max_depth": 3, "eta": 0.1}') AS m;
CREATE OR REPLACE FUNCTION bench_gbdt_churn(customer text) RETURNS float8
LANGUAGE plpgsql STABLE AS $f$
DECLARE
    model bytea;
    f float8[];
BEGIN
    SELECT m INTO model FROM bench_gbdt_churn_model;
    SELECT c.features INTO f FROM insight_customer_features_of(customer) c;
    RETURN insight_gbdt_predict(model, f);
END $f$;
DROP TABLE IF EXISTS bench_customers;
CREATE TABLE bench_customers AS
SELECT row_number() OVER (ORDER BY customer_id) AS n, customer_id::text AS customer_id
  FROM (SELECT DISTINCT customer_id FROM order_lines WHERE customer_id IS NOT NULL) c;
ALTER TABLE bench_customers ADD PRIMARY KEY (n);
SQL
ncust=$(psql -X -q -At -c "SELECT count(*) FROM bench_customers")
script=$(mktemp)
logdir=$(mktemp -d)
cat > "$script" <<PGB
\set n random(1, $ncust)
SELECT bench_gbdt_churn(customer_id) FROM bench_customers WHERE n = :n;
PGB
(cd "$logdir" && pgbench -n -c 1 -T 20 -f "$script" -l --log-prefix=gbdt "${PGDATABASE:-insight}" >/dev/null)
cat "$logdir"/gbdt* | awk '{print $3}' | sort -n | awk '{a[NR]=$1} END {
    printf "%d calls, p50 %.2f ms, p99 %.2f ms\n", NR, a[int(NR*0.5)+1]/1000, a[int(NR*0.99)+1]/1000 }'
rm -rf "$script" "$logdir"
psql -X -q -c "DROP FUNCTION bench_gbdt_churn(text)" \
     -c "DROP TABLE bench_customers, bench_gbdt_churn_model, bench_gb_model, bench_gb"
