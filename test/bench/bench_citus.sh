#!/usr/bin/env bash
# insight on the Citus test cluster against a single node, on the whole of
# Online Retail (docs/operations.md, "Scaling out with Citus"): a coordinator
# and two workers on this machine (test/citus/cluster.sh; Citus is built
# first when missing), order_lines distributed by customer in 8 shards, and
# the same table in a database without Citus on the coordinator's server.
# Per side: the time of insight_customer_features() (every customer), of
# count(*) over insight_sales (every line gathered where the query runs), of
# insight_train_churn(), and the p50 of insight_churn(customer) over 21 calls
# on 21 customers.  One machine: no speed-up is expected.  Then, on Citus,
# the rows and bytes reaching the coordinator per pass over the lines, before
# and after the passes ran on the shards (test/bench/citus_rows.sql).
set -euo pipefail
cd "$(dirname "$0")/../.."
. test/lib.sh
. test/citus/cluster.sh
citus_build
citus_start
port=${CITUS_PORTS[0]}
psql -X -q -h 127.0.0.1 -p "$port" -U insight -d postgres -c 'CREATE DATABASE insight_single' >/dev/null
psql -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$port" -U insight -d insight_single \
    -c 'SET client_min_messages = warning' -c 'CREATE EXTENSION insight' -f test/load_online_retail.sql >/dev/null
citus_psql "$port" -c 'SET client_min_messages = warning' -f test/load_online_retail.sql \
    -c 'DELETE FROM order_lines WHERE customer_id IS NULL' -c 'SET citus.shard_count = 8' \
    -c "SELECT create_distributed_table('order_lines', 'customer_id')" \
    -c "SELECT truncate_local_data_after_distributing_table('order_lines')" \
    -f test/register_online_retail.sql -c 'ANALYZE order_lines' >/dev/null

measure='
SET client_min_messages = error;
CREATE TEMP TABLE t (what text, ms float8);
CREATE FUNCTION pg_temp.ms(q text) RETURNS float8 LANGUAGE plpgsql AS $$
DECLARE t0 timestamptz := clock_timestamp();
BEGIN EXECUTE q; RETURN 1000 * extract(epoch FROM clock_timestamp() - t0); END $$;
INSERT INTO t SELECT $$lines (count(*) over insight_sales)$$, pg_temp.ms($$SELECT count(*) FROM insight_sales$$);
INSERT INTO t SELECT $$features of every customer$$, pg_temp.ms($$SELECT count(*) FROM insight_customer_features()$$);
INSERT INTO t SELECT $$insight_train_churn()$$, pg_temp.ms($$SELECT insight_train_churn()$$);
CREATE TEMP TABLE c AS SELECT customer_id::text AS c FROM insight_customer_features() ORDER BY customer_id LIMIT 21;
INSERT INTO t SELECT $$insight_churn(customer), p50 of 21$$,
       percentile_disc(0.5) WITHIN GROUP (ORDER BY pg_temp.ms(format($$SELECT insight_churn(%L)$$, c))) FROM c;
SELECT format($$%-40s %10s ms$$, what, round(ms::numeric, 1)) FROM t;'
for db in insight_single insight_citus; do
    printf '\n%s (%s):\n' "$db" "$(psql -X -At -h 127.0.0.1 -p "$port" -U insight -d "$db" \
        -c "SELECT format('%s lines, %s customers', (SELECT count(*) FROM insight_sales), (SELECT count(*) FROM insight_customer_features()))")"
    psql -X -q -At -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$port" -U insight -d "$db" -c "$measure"
done
printf '\nreaching the coordinator per pass (insight_citus):\n'
citus_psql "$port" -f test/bench/citus_rows.sql
