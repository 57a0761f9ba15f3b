#!/usr/bin/env bash
# Scheduled retraining through pg_cron, exactly as docs/operations.md
# ("Scheduling with pg_cron") tells a DBA to set it up, on a cluster configured
# as a stock Debian one: created by Debian's pg_createcluster (its pg_hba.conf:
# local peer, host scram-sha-256 for 127.0.0.1/::1; pg_cron's defaults) with a
# port and a data directory of its own, plus the two lines the recipe adds in
# conf.d/.  Then, as the recipe says: pg_cron in database postgres, a login
# role insight_cron in insight_admin with SELECT on the shop's table, and a
# job scheduled by postgres that runs CALL insight_retrain() as insight_cron
# in database shop.  The shop's data change after the first training, so the
# scheduled retraining stores a new model.  The test waits (at most 75 s: pg_cron
# runs jobs at minute boundaries) for the job's first run and checks it in
# cron.job_run_details and insight_training_runs; the cluster is dropped at
# the end.  The server is the one under test ($PG_BIN, see test/lib.sh),
# started on the Debian cluster's configuration as pg_ctlcluster would start it.
# Needs root (pg_createcluster; postgres for peer authentication), Debian's
# postgresql-common and pg_cron (postgresql-15-cron); skipped without them.
set -euo pipefail
cd "$(dirname "$0")/../.."
. test/lib.sh
unset PGHOST PGPORT PGUSER PGDATABASE   # this test talks to its own cluster only

if [[ $(id -u) -ne 0 ]] || ! command -v pg_createcluster >/dev/null; then
    echo "skip: needs root and Debian's pg_createcluster (postgresql-common)"
    exit 0
fi
if [[ ! -f $("$PG_CONFIG" --pkglibdir)/pg_cron.so ]]; then
    echo "skip: pg_cron is not installed in $("$PG_CONFIG" --pkglibdir) (postgresql-$PG_MAJOR-cron)"
    exit 0
fi

name=insight_cron_$$
conf=/etc/postgresql/$PG_MAJOR/$name
sockets=/var/run/postgresql           # Debian's unix_socket_directories
port=
for p in $(seq 5440 5499); do         # a port no cluster is configured for and nothing listens on
    grep -qsE "^port *= *$p\b" /etc/postgresql/*/*/postgresql.conf && continue
    [[ -e $sockets/.s.PGSQL.$p ]] && continue
    (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null && continue
    port=$p
    break
done
[[ -n $port ]] || { echo "FAIL no free port in 5440-5499"; exit 1; }
work=$(mktemp -d /tmp/insight-cron.XXXXXX)
chmod 755 "$work"
chown postgres: "$work"

started=
cleanup() {
    [[ -n $started ]] && runuser -u postgres -- "$PG_BIN/pg_ctl" -D "$conf" -m immediate -w stop >/dev/null 2>&1
    pg_dropcluster "$PG_MAJOR" "$name" >/dev/null 2>&1 || true
    rm -rf "$conf" "$work"
}
trap cleanup EXIT

# A stock cluster, as 'pg_createcluster 15 main' makes it (not started at boot).
pg_createcluster --start-conf manual -p "$port" -d "$work/data" "$PG_MAJOR" "$name" >"$work/create.log" 2>&1 \
    || { cat "$work/create.log"; echo "FAIL pg_createcluster"; exit 1; }
# The recipe's lines: nothing else is changed.
cat >"$conf/conf.d/pg_cron.conf" <<'CONF'
shared_preload_libraries = 'pg_cron'
cron.use_background_workers = on
CONF
install -d -o postgres -g postgres -m 2775 "$sockets"   # as pg_ctlcluster does
runuser -u postgres -- "$PG_BIN/pg_ctl" -D "$conf" -l "$work/server.log" -w start >/dev/null \
    || { cat "$work/server.log"; echo "FAIL the cluster did not start"; exit 1; }
started=1
echo "a stock Debian cluster $PG_MAJOR/$name on port $port, with the recipe's two lines in conf.d/pg_cron.conf"

# psql as the postgres user over Debian's socket (peer authentication)
q() { runuser -u postgres -- "$PG_BIN/psql" -X -At -q -v ON_ERROR_STOP=1 -h "$sockets" -p "$port" "$@"; }

q -d postgres -c "CREATE DATABASE shop"
q -d shop >/dev/null <<'SQL'
SET client_min_messages = warning;
CREATE EXTENSION insight;
CREATE TABLE order_lines (order_id integer, customer_id integer, ordered_at timestamptz,
                          item text, quantity integer, unit_price numeric);
INSERT INTO order_lines
SELECT c * 100 + o, c, timestamptz '2024-01-01 00:00+00' + (c * 7 + o * (c % 5 + 1) * 11) * interval '1 day',
       'item' || (c + o) % 7, 1 + (c + o) % 3, 2.5 * (1 + c % 4)
  FROM generate_series(1, 30) c, generate_series(1, 1 + c % 6) o;
SELECT insight_register_sales('order_lines', customer_column => 'customer_id', time_column => 'ordered_at',
                              order_column => 'order_id', item_column => 'item',
                              quantity_column => 'quantity', unit_price_column => 'unit_price');
SELECT insight_train_segments(k => 2);
SQL

# The recipe, step by step.
q -d postgres -c "CREATE EXTENSION pg_cron"
q -d shop -c "CREATE ROLE insight_cron LOGIN" -c "GRANT insight_admin TO insight_cron" \
          -c "GRANT SELECT ON order_lines TO insight_cron"
# new customers since the first training
q -d shop -c "INSERT INTO order_lines SELECT 100 * c, c, timestamptz '2024-06-01 00:00+00' + c * interval '1 day',
                     'item1', 1, 4 FROM generate_series(31, 40) c"
job=$(q -d postgres -c "SELECT cron.schedule_in_database('insight-nightly', '* * * * *', 'CALL insight_retrain()', 'shop', 'insight_cron')")
echo "scheduled job $job: CALL insight_retrain() as insight_cron in shop, every minute (the recipe: '15 3 * * *')"

finished=
for _ in $(seq 1 75); do
    finished=$(q -d postgres -c "SELECT count(*) FROM cron.job_run_details WHERE jobid = $job AND status IN ('succeeded', 'failed')")
    [[ $finished -gt 0 ]] && break
    sleep 1
done
if [[ $finished -eq 0 ]]; then
    echo "FAIL no run of job $job finished within 75 s"
    q -d postgres -c "SELECT * FROM cron.job_run_details WHERE jobid = $job"
    exit 1
fi

cron_row=$(q -d postgres -c "SELECT username || ' ' || status || ' ' || return_message FROM cron.job_run_details
                              WHERE jobid = $job ORDER BY runid LIMIT 1")
run_row=$(q -d shop -c "SELECT task || ' ' || status || ' ' || rows_used || ' ' || started_by FROM insight_training_runs
                         ORDER BY run_id LIMIT 1")
models=$(q -d shop -c "SELECT string_agg(version || ':' || status, ' ' ORDER BY version) FROM insight_models WHERE task = 'segments'")
cron_start=$(q -d postgres -c "SELECT start_time FROM cron.job_run_details WHERE jobid = $job ORDER BY runid LIMIT 1")
within=f    # a job that could not start has no start_time
[[ -n $cron_start ]] && within=$(q -d shop -c "SELECT coalesce('$cron_start'::timestamptz <= (SELECT started_at FROM insight_training_runs ORDER BY run_id LIMIT 1), false)")

rc=0
check() { if [[ $2 == "$3" ]]; then echo "ok   $1 ($2)"; else echo "FAIL $1 ($2, expected $3)"; rc=1; fi; }
check "cron.job_run_details" "$cron_row" "insight_cron succeeded CALL"
check "insight_training_runs" "${run_row:-no run}" "segments succeeded 40 insight_cron"
check "segments models" "$models" "1:retired 2:active"
check "the run started inside the cron job" "$within" "t"
exit $rc
