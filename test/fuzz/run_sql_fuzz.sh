#!/usr/bin/env bash
# The SQL fuzzer (test/fuzz/sql_fuzz.py) against a database of its own with
# Online Retail loaded and every task trained (the fuzzer rolls back every
# call, so the database stays as trained).  Server from the PG* environment.
#   test/fuzz/run_sql_fuzz.sh SECONDS [SEED [REPORT.json]]
# First a self-test: in a scratch database, planted extension functions that
# return NaN, raise XX000 and kill their backend must be found, so a fuzzer
# that cannot fail fails here.
set -euo pipefail
cd "$(dirname "$0")/../.."
seconds=${1:?usage: run_sql_fuzz.sh SECONDS [SEED [REPORT]]}
seed=${2:-1}
report=${3:-}
self=insight_sql_fuzz_self
dropdb --if-exists "$self" && createdb "$self"
PGDATABASE=$self psql -X -q -v ON_ERROR_STOP=1 <<'SQL'
SET client_min_messages = warning;
CREATE EXTENSION insight;
CREATE FUNCTION insight_planted_nan(x float8) RETURNS float8 LANGUAGE sql AS $$ SELECT 'NaN'::float8 $$;
CREATE FUNCTION insight_planted_xx000(x integer) RETURNS integer LANGUAGE plpgsql
    AS $$ BEGIN RAISE EXCEPTION 'planted internal error' USING ERRCODE = 'XX000'; END $$;
CREATE FUNCTION insight_planted_crash(x text) RETURNS boolean LANGUAGE sql
    AS $$ SELECT pg_terminate_backend(pg_backend_pid()) $$;
ALTER EXTENSION insight ADD FUNCTION insight_planted_nan(float8);
ALTER EXTENSION insight ADD FUNCTION insight_planted_xx000(integer);
ALTER EXTENSION insight ADD FUNCTION insight_planted_crash(text);
SQL
selfreport=$(mktemp)
PGDATABASE=$self /usr/bin/python3 test/fuzz/sql_fuzz.py --seed 1 --seconds 8 --only '^insight_planted_' \
    --report "$selfreport" >/dev/null && { echo "sql_fuzz self-test: planted faults not reported" >&2; exit 1; }
/usr/bin/python3 - "$selfreport" <<'PY' || exit 1
import json, sys
f = json.load(open(sys.argv[1]))["findings"]
missing = [k for k in ("crash", "XX000", "nonfinite") if not f[k]]
print(f"sql_fuzz self-test: planted faults found: {f}")
sys.exit(f"sql_fuzz self-test: not found: {missing}" if missing else 0)
PY
rm -f "$selfreport"
dropdb "$self"

db=insight_sql_fuzz
dropdb --if-exists "$db" && createdb "$db"
PGDATABASE=$db psql -X -q -v ON_ERROR_STOP=1 -c 'SET client_min_messages = warning' \
    -c 'CREATE EXTENSION insight' -f test/load_online_retail.sql >/dev/null
PGDATABASE=$db psql -X -q -v ON_ERROR_STOP=1 -c 'SET client_min_messages = error' \
    -c 'SELECT insight_train_churn(), insight_train_clv(), insight_train_segments(), insight_train_recommender()' >/dev/null
# MLPs of every loss (no task stores one yet), for the fuzzer's pool of models
PGDATABASE=$db psql -X -q -v ON_ERROR_STOP=1 <<'SQL' >/dev/null
SET client_min_messages = error;
CREATE TEMP TABLE r AS
SELECT features, churned, recency_days FROM insight_churn_training_rows(insight_default_as_of() - interval '90 days', '90 days');
CREATE TABLE insight_fuzz_models AS
SELECT insight_mlp_fit('SELECT features, churned FROM r', '{8,4}', epochs => 2) AS m
UNION ALL SELECT insight_mlp_fit('SELECT features, recency_days FROM r', '{8}', 'mse', epochs => 2)
UNION ALL SELECT insight_mlp_fit('SELECT features, (recency_days > 30)::int + churned::int FROM r', '{8}', 'softmax', epochs => 2)
UNION ALL SELECT insight_mlp_fit('SELECT features, CASE WHEN churned THEN 0 ELSE recency_days END FROM r', '{8}', 'ziln', epochs => 2);
SQL
PGDATABASE=$db /usr/bin/python3 test/fuzz/sql_fuzz.py --seed "$seed" --seconds "$seconds" --timeout 1 \
    ${report:+--report "$report"}
