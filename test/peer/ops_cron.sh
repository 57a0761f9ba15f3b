#!/usr/bin/env bash
# Scheduled retraining through pg_cron (preloaded by ./run test): a job runs
# CALL insight_retrain() every minute in a database of its own with one
# small task plugged in; the test waits (at most 75 s) until a run has
# completed through cron, and checks it in cron.job_run_details and in
# insight_training_runs.  Skipped when the server has no pg_cron preloaded.
set -euo pipefail
db=insight_cron_check
cron_db=$(psql -X -At -c "SELECT current_setting('cron.database_name', true)")
if [[ -z $cron_db ]] || ! psql -X -At -c "SHOW shared_preload_libraries" | grep -q pg_cron; then
    echo "skip: pg_cron is not preloaded on this server"
    exit 0
fi
q() { psql -X -At -v ON_ERROR_STOP=1 "$@"; }
job=
cleanup() {
    [[ -n $job ]] && q -d "$cron_db" -c "SELECT cron.unschedule($job)" >/dev/null 2>&1 || true
    dropdb --if-exists "$db" >/dev/null 2>&1 || true
}
trap cleanup EXIT

dropdb --if-exists "$db" >/dev/null 2>&1
createdb "$db"
q -d "$db" -q <<'SQL'
SET client_min_messages = warning;
CREATE EXTENSION insight;
CREATE TABLE cron_rows AS SELECT ARRAY[i, i * i]::float8[] AS x FROM generate_series(1, 40) i;
CREATE FUNCTION cron_train(params jsonb) RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE id bigint;
BEGIN
    id := insight_store_model('cron_task', 'scaler', (SELECT insight_scaler_fit(x) FROM cron_rows), params,
                              jsonb_build_object('rows', (SELECT count(*) FROM cron_rows)));
    PERFORM insight_activate(id);
    RETURN id;
END $$;
INSERT INTO insight_trainers (task, train_function, rows_metric) VALUES ('cron_task', 'cron_train(jsonb)', 'rows');
SELECT cron_train('{"from": "first training"}');
SQL

q -d "$cron_db" -q -c "SET client_min_messages = warning" -c "CREATE EXTENSION IF NOT EXISTS pg_cron"
job=$(q -d "$cron_db" -c "SELECT cron.schedule_in_database('insight-retrain-check', '* * * * *', 'CALL insight_retrain()', '$db')")
echo "scheduled job $job: CALL insight_retrain() every minute in $db"

status=1
for _ in $(seq 1 75); do
    done_runs=$(q -d "$cron_db" -c "SELECT count(*) FROM cron.job_run_details WHERE jobid = $job AND status IN ('succeeded', 'failed')")
    [[ $done_runs -gt 0 ]] && { status=0; break; }
    sleep 1
done
if [[ $status -ne 0 ]]; then
    echo "FAIL no run of job $job finished within 75 s"
    q -d "$cron_db" -c "SELECT * FROM cron.job_run_details WHERE jobid = $job"
    exit 1
fi

cron_row=$(q -d "$cron_db" -c "SELECT status || ' ' || return_message FROM cron.job_run_details WHERE jobid = $job ORDER BY runid LIMIT 1")
run_row=$(q -d "$db" -c "SELECT task || ' ' || status || ' ' || rows_used || ' ' || params::text FROM insight_training_runs ORDER BY run_id LIMIT 1")
models=$(q -d "$db" -c "SELECT string_agg(version || ':' || status, ' ' ORDER BY version) FROM insight_models WHERE task = 'cron_task'")
inside=$(q -d "$cron_db" -c "SELECT (SELECT start_time FROM cron.job_run_details WHERE jobid = $job ORDER BY runid LIMIT 1)")
started=$(q -d "$db" -c "SELECT started_at FROM insight_training_runs ORDER BY run_id LIMIT 1")
within=$(q -d "$db" -c "SELECT '$inside'::timestamptz <= '$started'::timestamptz")

rc=0
check() { if [[ $2 == "$3" ]]; then echo "ok   $1 ($2)"; else echo "FAIL $1 ($2, expected $3)"; rc=1; fi; }
check "cron.job_run_details" "$cron_row" "succeeded CALL"
check "insight_training_runs" "$run_row" 'cron_task succeeded 40 {"from": "first training"}'
check "models" "$models" "1:retired 2:active"
check "the run started inside the cron job" "$within" "t"
exit $rc
