#!/usr/bin/env bash
# Every test, against the server in the PG* environment (./run test starts one):
#   0. the include layers of src/ (test/check_layers.sh)
#   1. pg_regress: the schedule test/schedule of sql/*.sql against
#      expected/*.out (database insight_regress); it must list every sql/*.sql
#   2. the upgrade from the oldest released version (test/upgrade/upgrade_test.sh),
#      and the extension in EUC_CN and LATIN1 databases
#      (test/encodings/encodings_test.sh)
#   3. peer tests: test/peer/*.py (Debian's /usr/bin/python3) and test/peer/*.sh,
#      against database insight_peer with Online Retail loaded
#   4. the libFuzzer harness over the model reader, a bounded number of runs
#   5. the SQL fuzzer over every function and aggregate, 90 s, seed 1
#      (test/fuzz/run_sql_fuzz.sh; its own database, trained)
#   6. the HTML report in headless Chromium and tidy
#      (test/browser/report_browser.sh; its own database, trained)
#   7. the Citus cluster tests (test/citus/run_citus_tests.sh: builds Citus
#      from its source in test/citus/ once, in the background from the
#      start of this script, starts a coordinator and two
#      workers of its own, compares every task with a single node)
# Exits non-zero when any of them fails.
set -uo pipefail
cd "$(dirname "$0")/.."
. test/lib.sh

failed=()

# Building Citus takes minutes of compiling: it runs in the background from
# here, beside pg_regress (mostly one backend at a time on a 2-core machine),
# and the Citus stage at the end waits for it (its own build then finds it
# installed).
citus_build_log=$(mktemp /tmp/insight-citus-build-log.XXXXXX)
( . test/citus/cluster.sh && citus_build ) >"$citus_build_log" 2>&1 &
citus_build_pid=$!

log "layers of src/ (test/check_layers.sh)"
test/check_layers.sh || failed+=(layers)

# check_schedule: test/schedule lists every sql/*.sql once, and nothing else
check_schedule() {
    local listed files
    listed=$(sed -n 's/^test: //p' test/schedule | tr ' ' '\n' | sed '/^$/d' | sort)
    files=$(ls sql | sed -n 's/\.sql$//p' | sort)
    if [[ $listed != "$files" || -n $(uniq -d <<<"$listed") ]]; then
        echo "test/schedule does not list every sql/*.sql once:" >&2
        diff <(echo "$listed") <(echo "$files") >&2
        return 1
    fi
}

log "pg_regress (test/schedule)"
check_schedule || failed+=(schedule)
dropdb --if-exists insight_regress && createdb insight_regress
if ! make -s PG_CONFIG="$PG_CONFIG" CONTRIB_TESTDB=insight_regress installcheck; then
    [[ -f regression.diffs ]] && cat regression.diffs
    failed+=(pg_regress)
fi

log "upgrade (test/upgrade/upgrade_test.sh)"
test/upgrade/upgrade_test.sh || failed+=(upgrade)

log "server encodings (test/encodings/encodings_test.sh)"
test/encodings/encodings_test.sh || failed+=(encodings)

log "peer tests"
dropdb --if-exists insight_peer && createdb insight_peer
if PGDATABASE=insight_peer psql -X -q -v ON_ERROR_STOP=1 \
        -c 'SET client_min_messages = warning' -c 'CREATE EXTENSION insight' \
        -f test/load_online_retail.sql >/dev/null; then
    for t in test/peer/*.py test/peer/*.sh; do
        [[ -e $t && $t != */pgquery.py ]] || continue
        log "$t"
        case $t in
            *.py) PGDATABASE=insight_peer /usr/bin/python3 "$t" || failed+=("$t") ;;
            *.sh) PGDATABASE=insight_peer bash "$t" || failed+=("$t") ;;
        esac
    done
else
    failed+=("peer set-up")
fi

log "fuzzing the model reader"
test/fuzz/run_fuzz.sh || failed+=(fuzz)

log "SQL fuzzer (test/fuzz/sql_fuzz.py)"
test/fuzz/run_sql_fuzz.sh "${SQL_FUZZ_SECONDS:-90}" 1 || failed+=(sql_fuzz)

log "the HTML report in a browser (test/browser/report_browser.sh)"
test/browser/report_browser.sh || failed+=(browser)

log "Citus: every task on a coordinator and two workers (test/citus/run_citus_tests.sh)"
if wait "$citus_build_pid"; then
    cat "$citus_build_log" >&2
    test/citus/run_citus_tests.sh || failed+=(citus)
else
    cat "$citus_build_log" >&2
    failed+=("citus build")
fi
rm -f "$citus_build_log"

if [[ ${#failed[@]} -gt 0 ]]; then
    printf '\nFAILED: %s\n' "${failed[*]}" >&2
    exit 1
fi
printf '\nall tests passed\n' >&2
