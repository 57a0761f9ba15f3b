#!/usr/bin/env bash
# The SQL fuzzer (test/fuzz/sql_fuzz.py) against a database of its own with
# Online Retail loaded and every task trained (the fuzzer rolls back every
# call, so the database stays as trained).  Server from the PG* environment.
#   test/fuzz/run_sql_fuzz.sh SECONDS [SEED [REPORT.json]]
set -euo pipefail
cd "$(dirname "$0")/../.."
seconds=${1:?usage: run_sql_fuzz.sh SECONDS [SEED [REPORT]]}
seed=${2:-1}
db=insight_sql_fuzz
dropdb --if-exists "$db" && createdb "$db"
PGDATABASE=$db psql -X -q -v ON_ERROR_STOP=1 -c 'SET client_min_messages = warning' \
    -c 'CREATE EXTENSION insight' -f test/load_online_retail.sql >/dev/null
PGDATABASE=$db psql -X -q -v ON_ERROR_STOP=1 -c 'SET client_min_messages = error' \
    -c 'SELECT insight_train_churn(), insight_train_clv(), insight_train_segments(), insight_train_recommender()' >/dev/null
PGDATABASE=$db /usr/bin/python3 test/fuzz/sql_fuzz.py --seed "$seed" --seconds "$seconds" --timeout 1 \
    ${3:+--report "$3"}
