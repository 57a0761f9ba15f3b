#!/usr/bin/env bash
# Scale on one machine (issue 19, part 5; docs/benchmarks.md, "Scale on one
# machine"): Online Retail replicated to 1,000,000 and 10,000,000 kept order
# lines (test/bench/scale_build.sql: copies of the customers with shifted
# ids), and every task end to end at each size on a single node: per stage
# the wall time and the peak memory of the backend that ran it (VmHWM of
# /proc/<pg_backend_pid()>/status, read at the end of a fresh session per
# stage), and the growth from the first size to the last.  Then, on the
# Citus test cluster (test/citus/cluster.sh: a coordinator and two workers on
# this machine), the first size distributed by customer in 8 shards: the same
# stages timed on the coordinator, each also counting the bytes its backend
# received from the workers and sent them (the kernel's counters of its
# connections to the workers, kept open to the end of the session:
# test/bench/coordinator_bytes.sh; run as root), and the plan of one
# customer's features (a router query: Task Count 1).
#
# A stage that insight refuses is reported with its error; when the error
# names insight.max_training_memory the stage is run again with
# SCALE_RETRY_MEMORY (default 8GB) and both are reported.
#
# Long (about an hour on the 2-core development machine); run it alone:
#   nice -n 10 ./run exec bash test/bench/bench_scale.sh
# Environment: SCALE_LINES (sizes, default "1000000 10000000"),
# SCALE_CITUS_LINES (default: the first size; "" skips Citus),
# SCALE_SASREC_EPOCHS (default 1: SASRec's epochs are capped, its cost per
# epoch is what grows), SCALE_PARTS ("single citus", default both),
# SCALE_STAGES (a regex: only the stages whose name matches it run, e.g.
# "registration|recommender"; registration is what the others need),
# SCALE_OUT (a directory for the raw results, default a temporary one),
# SCALE_RETRY_MEMORY (default 8GB), SCALE_STAGE_MEMORY ("REGEX=SIZE": the
# stages whose name matches REGEX are run with insight.max_training_memory =
# SIZE from the start, instead of first at the default; e.g.
# "propensity=1500MB", what propensity needed at 10M lines before
# insight_mlp_fit converted its rows in place, refused at the default only
# after its evaluation fit; a refusal with SIZE is still run again with
# SCALE_RETRY_MEMORY).
set -euo pipefail
cd "$(dirname "$0")/../.."
. test/lib.sh

read -r -a sizes <<<"${SCALE_LINES:-1000000 10000000}"
citus_lines=${SCALE_CITUS_LINES-${sizes[0]}}
sasrec_epochs=${SCALE_SASREC_EPOCHS:-1}
retry_memory=${SCALE_RETRY_MEMORY:-8GB}
stage_memory=${SCALE_STAGE_MEMORY:-}
only=${SCALE_STAGES:-}
parts=${SCALE_PARTS:-single citus}
out=${SCALE_OUT:-$(mktemp -d /tmp/insight-scale.XXXXXX)}
mkdir -p "$out"
chmod 777 "$out"
LAST_LOG=
results=$out/results.tsv      # part, lines, stage, seconds, CPU seconds, VmHWM kB, RssShmem kB, RssFile kB, note
: >"$results"

# The stages: name and SQL, each run in a fresh session.
stages=(
    "registration|\\ir test/register_online_retail.sql
SELECT insight_register_items('order_lines', 'stock_code', 'description');"
    "features (every customer)|SELECT count(*) FROM insight_customer_features();"
    "churn (logistic)|SELECT insight_train_churn();"
    "propensity (MLP)|SELECT insight_train_propensity();"
    "CLV (BG/NBD, Pareto/NBD, Gamma-Gamma)|SELECT insight_train_clv();"
    "value (ZILN MLP)|SELECT insight_train_value();"
    "segments (k-means)|SELECT insight_train_segments();"
    "recommender (ALS)|SELECT insight_train_recommender('als');"
    "recommender (SASRec, $sasrec_epochs epoch)|SELECT insight_train_recommender('sasrec', '{\"epochs\": $sasrec_epochs}');"
    "report (insight_report_html)|SELECT length(insight_report_html('en'));"
    "360 view, every customer|SELECT count(*), sum(hashtext(v::text)) FROM insight_customer_360 v;"
)

# insight_churn(customer) over 201 customers (the first call, which decodes
# the model, not counted): p50 and p99 in ms, timed inside the server.
churn_latency="
CREATE TEMP TABLE c AS SELECT customer_id::text AS c
  FROM (SELECT DISTINCT customer_id FROM order_lines) d ORDER BY hashint4(customer_id) LIMIT 201;
CREATE FUNCTION pg_temp.ms(q text) RETURNS float8 LANGUAGE plpgsql AS \$\$
DECLARE t0 timestamptz := clock_timestamp();
BEGIN EXECUTE q; RETURN 1000 * extract(epoch FROM clock_timestamp() - t0); END \$\$;
SELECT insight_churn(c) FROM c LIMIT 1;
CREATE TEMP TABLE l AS SELECT pg_temp.ms(format('SELECT insight_churn(%L)', c)) AS ms FROM c;
SELECT format('p50 %s ms, p99 %s ms, %s calls',
              round(percentile_cont(0.5) WITHIN GROUP (ORDER BY ms)::numeric, 2),
              round(percentile_cont(0.99) WITHIN GROUP (ORDER BY ms)::numeric, 2), count(*)) FROM l;"

# The backend's peak resident memory (VmHWM), and the shared memory (shared
# buffers) and file pages resident at the end: those stay mapped once
# touched, so VmHWM minus them is a lower bound of the peak of its own memory.
peak_sql="SELECT string_agg((regexp_match(s, k || ':\\s+([0-9]+) kB'))[1], ' ' ORDER BY n)
  FROM pg_read_file('/proc/' || pg_backend_pid() || '/status') s,
       unnest(ARRAY['VmHWM', 'RssShmem', 'RssFile']) WITH ORDINALITY k(k, n)"

# stamp T0: each line of stdin after the seconds elapsed since T0 (a
# $EPOCHREALTIME; builtins only, so that it keeps up with the NOTICEs).
stamp() {
    local l t0=${1/./} t
    while IFS= read -r l; do
        t=$(( (${EPOCHREALTIME/./} - t0) / 10000 ))
        printf '%d.%02d %s\n' $((t / 100)) $((t % 100)) "$l"
    done
}

# The CPU time of a stage: the CPU seconds of the postmasters' children that
# exited (were reaped) during it, summed over POSTMASTERS: the stage's
# backend, its parallel workers and, on Citus, the workers' backends that
# served it (and anything else that exits meanwhile, such as an autovacuum
# worker).  A backend's CPU is counted when it exits, so each stage waits for
# its backend to be gone.
POSTMASTERS=()
ticks=$(getconf CLK_TCK)
# On Citus, the workers' ports: the stage then prints what its backend
# received from them and sent them (test/bench/coordinator_bytes.sh).
bytes_counted=
children_cpu() {
    local pm sum=0
    for pm in "${POSTMASTERS[@]}"; do
        sum=$((sum + $(awk '{ print $16 + $17 }' "/proc/$pm/stat")))
    done
    echo "$sum"
}
# postmaster_of PSQL...: the pid of the postmaster a connection reaches.
postmaster_of() {
    "$@" -X -At -c "SELECT split_part(pg_read_file('postmaster.pid'), E'\n', 1)"
}

# run_stage PART LINES NAME SETTING PSQL...: one stage in a fresh session.
run_stage() {
    local part=$1 lines=$2 name=$3 sql=$4 setting=${5:-}
    shift 5
    local log t0 t1 rc=0 peak note="" cpu0 cpu pid i
    log=$out/$part-$lines-$(echo "$name" | tr -c 'A-Za-z0-9\n' '_')${setting:+-$(echo "$setting" | grep -o "'[^']*'" | tr -d "'")}.log
    LAST_LOG=$log
    cpu0=$(children_cpu)
    t0=$EPOCHREALTIME
    # (every line of the session's output and NOTICEs stamped with the
    # seconds since the stage began: where a stage's time goes)
    "$@" -X -q -At -v ON_ERROR_STOP=1 2>&1 <<SQL | stamp "$t0" >"$log" || rc=$?
SET client_min_messages = notice;
SELECT 'backend_pid ' || pg_backend_pid();
SELECT pg_backend_pid() AS stage_pid \\gset
\\setenv INSIGHT_STAGE_PID :stage_pid
$setting
${bytes_counted:+SET citus.max_cached_conns_per_worker = 64;}
$sql
${bytes_counted:+\\! test/bench/coordinator_bytes.sh \$INSIGHT_STAGE_PID $bytes_counted}
\\echo peak_kB
$peak_sql;
SQL
    t1=$EPOCHREALTIME
    pid=$(awk '$2 == "backend_pid" { print $3; exit }' "$log")
    for i in {1..100}; do [[ -n $pid && -e /proc/$pid ]] || break; sleep 0.1; done
    [[ ${#POSTMASTERS[@]} -gt 1 ]] && sleep 0.5   # (the Citus workers' backends close after the coordinator's)
    cpu=$(awk -v a="$cpu0" -v b="$(children_cpu)" -v t="$ticks" 'BEGIN { printf "%.1f", (b - a) / t }')
    peak=$(awk '$2 == "peak_kB" { getline; print $2 "\t" $3 "\t" $4 }' "$log")
    if [[ $rc -ne 0 ]]; then
        note="error: $(grep -m1 'ERROR' "$log" | sed 's/.*ERROR: *//')"
        peak=$'\t\t'
    fi
    grep -q 'max_training_memory' "$log" && [[ $rc -eq 0 ]] \
        && note="notice: $(grep -m1 'max_training_memory' "$log" | sed 's/.*NOTICE: *//')"
    [[ $name == "insight_churn(customer)" && $rc -eq 0 ]] && note=$(grep -m1 -o 'p50 .*' "$log")
    [[ -n $bytes_counted ]] && note+="${note:+; }from the workers: $(awk '$2 == "connections" { print $5 " bytes received, " $7 " sent, " $3 " connections"; exit }' "$log")"
    [[ -n $setting ]] && note="with $setting ${note}"
    printf '%s\t%s\t%s\t%.1f\t%s\t%s\t%s\n' "$part" "$lines" "$name" "$(awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }')" \
        "$cpu" "$peak" "$note" | tee -a "$results"
    [[ $rc -eq 0 ]]
}

# run_all PART LINES PSQL...: every stage, then the churn latency.
run_all() {
    local part=$1 lines=$2 s name sql first
    shift 2
    for s in "${stages[@]}"; do
        name=${s%%|*}
        sql=${s#*|}
        [[ -z $only || $name =~ $only ]] || continue
        first=""
        [[ -n $stage_memory && $name =~ ${stage_memory%=*} ]] \
            && first="SET insight.max_training_memory = '${stage_memory##*=}';"
        if ! run_stage "$part" "$lines" "$name" "$sql" "$first" "$@"; then
            grep -q 'max_training_memory' "$LAST_LOG" \
                && run_stage "$part" "$lines" "$name" "$sql" "SET insight.max_training_memory = '$retry_memory';" "$@" || true
        fi
    done
    # (an if: a false test as the function's last command would be its status,
    # and set -e would end the script after the first part when SCALE_STAGES
    # leaves this stage out)
    if [[ -z $only || "insight_churn(customer)" =~ $only ]]; then
        run_stage "$part" "$lines" "insight_churn(customer)" "$churn_latency" "" "$@" || true
    fi
}

printf 'bench_scale: results in %s; load at the start: %s\n' "$out" "$(uptime)"

if [[ " $parts " == *" single "* ]]; then
    for lines in "${sizes[@]}"; do
        db=insight_scale_$lines
        psql -X -q -d postgres -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db" >/dev/null
        psql -X -q -d "$db" -c 'CREATE EXTENSION insight' >/dev/null
        t0=$(date +%s)
        copies=$(psql -X -q -At -v ON_ERROR_STOP=1 -d "$db" -v target="$lines" -f test/bench/scale_build.sql)
        printf 'single\t%s\tbuilding the table (not insight)\t%s\t\t\t\t\t%s; %s kept lines, %s customers\n' "$lines" $(( $(date +%s) - t0 )) \
            "$copies" "$(psql -X -At -d "$db" -c "SELECT count(*) FROM insight_sales")" \
            "$(psql -X -At -d "$db" -c "SELECT count(DISTINCT customer_id) FROM order_lines")" | tee -a "$results"
        POSTMASTERS=("$(postmaster_of psql -d "$db")")
        run_all single "$lines" psql -d "$db"
        printf 'load after %s lines: %s\n' "$lines" "$(uptime)" | tee -a "$out/uptime.txt"
        # (the largest database is kept until the next size replaces it)
        [[ $lines == "${sizes[-1]}" ]] || psql -X -q -d postgres -c "DROP DATABASE $db" >/dev/null
    done
fi

if [[ -n $citus_lines && " $parts " == *" citus "* ]]; then
    . test/citus/cluster.sh
    citus_build
    citus_start
    port=${CITUS_PORTS[0]}
    cpsql=(psql -h 127.0.0.1 -p "$port" -U insight -d insight_citus)
    t0=$(date +%s)
    copies=$("${cpsql[@]}" -X -q -At -v ON_ERROR_STOP=1 -v target="$citus_lines" -f test/bench/scale_build.sql)
    citus_psql "$port" -c 'SET client_min_messages = warning' -c 'SET citus.shard_count = 8' \
        -c "SELECT create_distributed_table('order_lines', 'customer_id')" \
        -c "SELECT truncate_local_data_after_distributing_table('order_lines')" -c 'ANALYZE order_lines' >/dev/null
    printf 'citus\t%s\tbuilding and distributing the table (not insight)\t%s\t\t\t\t\t%s; %s lines in the shards\n' "$citus_lines" \
        $(( $(date +%s) - t0 )) "$copies" "$("${cpsql[@]}" -X -At -c 'SELECT count(*) FROM order_lines')" | tee -a "$results"
    POSTMASTERS=()
    for p in "${CITUS_PORTS[@]}"; do POSTMASTERS+=("$(postmaster_of psql -h 127.0.0.1 -p "$p" -U insight -d insight_citus)"); done
    bytes_counted="${CITUS_PORTS[*]:1}"
    run_all citus "$citus_lines" "${cpsql[@]}"
    bytes_counted=
    printf 'load after Citus timing: %s\n' "$(uptime)" | tee -a "$out/uptime.txt"

    # One customer: the plan of its features query (a router query).
    "${cpsql[@]}" -X -q -At -v ON_ERROR_STOP=1 >"$out/citus-router.txt" <<'SQL'
SET client_min_messages = error;
\ir test/citus/shard_queries.sql
CREATE FUNCTION pg_temp.plan(q text) RETURNS SETOF text LANGUAGE plpgsql AS $$
DECLARE l text;
BEGIN FOR l IN EXECUTE 'EXPLAIN (VERBOSE, COSTS OFF) ' || q LOOP RETURN NEXT trim(l); END LOOP; END $$;
SELECT pg_temp.plan(pg_temp.features_query('insight_customer_features_of', insight_default_as_of(), '12347'));
SQL
    printf 'citus\t%s\tone customer'"'"'s features: plan\t\t\t\t\t\t%s\n' "$citus_lines" \
        "$(grep -E '^(Task Count|Index Cond)' "$out/citus-router.txt" | paste -sd ';')" | tee -a "$results"
fi

printf '\nload at the end: %s\nraw results: %s\n' "$(uptime)" "$out"
column -t -s $'\t' "$results"
