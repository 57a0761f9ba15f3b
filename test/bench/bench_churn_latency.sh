#!/usr/bin/env bash
# insight_churn(customer) latency with each churn algorithm (issues 14, 17):
# for logistic, gbdt and mlp, train the churn task on Online Retail with that
# algorithm, activate it, and call insight_churn(customer) itself under
# pgbench (1 client, 15 s, a random customer per call, the customer and time
# columns indexed as docs/operations.md advises, default as_of); p50 / p99
# from pgbench's per-transaction log.  The models are rolled back to the
# active one at the end.  Goal: p50 < 0.5 ms for gbdt and mlp.
# Expects Online Retail loaded and registered (test/bench/run_benchmarks.sh).
set -euo pipefail
SECONDS_EACH=${BENCH_CHURN_SECONDS:-15}

psql -X -q -v ON_ERROR_STOP=1 <<'SQL'
SET client_min_messages = warning;
CREATE INDEX IF NOT EXISTS order_lines_customer ON order_lines (customer_id);
CREATE INDEX IF NOT EXISTS order_lines_time ON order_lines (invoice_date);
ANALYZE order_lines;
DROP TABLE IF EXISTS bench_customers;
CREATE TABLE bench_customers AS
SELECT row_number() OVER (ORDER BY customer_id) AS n, customer_id::text AS customer_id
  FROM (SELECT DISTINCT customer_id FROM order_lines WHERE customer_id IS NOT NULL) c;
ALTER TABLE bench_customers ADD PRIMARY KEY (n);
SQL
before=$(psql -X -q -At -c "SELECT model_id FROM insight_models WHERE task = 'churn' AND status = 'active'")
ncust=$(psql -X -q -At -c "SELECT count(*) FROM bench_customers")
script=$(mktemp)
cat > "$script" <<PGB
\set n random(1, $ncust)
SELECT insight_churn(customer_id) FROM bench_customers WHERE n = :n;
PGB
for algorithm in logistic gbdt mlp; do
    id=$(psql -X -q -At -c "SET client_min_messages = warning" \
              -c "SELECT insight_activate(insight_train_churn(algorithm => '$algorithm'))")
    logdir=$(mktemp -d)
    (cd "$logdir" && pgbench -n -c 1 -T "$SECONDS_EACH" -f "$script" -l --log-prefix=churn "${PGDATABASE:-insight}" >/dev/null)
    cat "$logdir"/churn* | awk -v alg="$algorithm" -v id="$id" '{print $3}' | sort -n | awk -v alg="$algorithm" -v id="$id" '{a[NR]=$1} END {
        printf "insight_churn with %-8s (model %s): %d calls, p50 %.3f ms, p99 %.3f ms\n", alg, id, NR, a[int(NR*0.5)+1]/1000, a[int(NR*0.99)+1]/1000 }'
    rm -rf "$logdir"
done
rm -f "$script"
if [ -n "$before" ]; then
    psql -X -q -At -c "SELECT insight_activate($before)" >/dev/null
fi
psql -X -q -c "DROP TABLE bench_customers"
