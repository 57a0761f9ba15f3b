#!/usr/bin/env bash
# Every pg_regress test alone after 00_setup, each in a fresh database (a copy
# of one where 00_setup ran), against the server in the PG* environment:
#   ./run exec test/regress_alone.sh [TEST...]
# No test may depend on another's leftovers (test/schedule); this shows it.
# Slow (each test trains what it needs from scratch): not part of ./run test.
set -uo pipefail
cd "$(dirname "$0")/.."
. test/lib.sh

regress=$(dirname "$("$PG_CONFIG" --pgxs)")/../test/regress/pg_regress
out=$(mktemp -d /tmp/insight-alone.XXXXXX)
template=insight_regress_setup
db=insight_regress        # the name the tests reconnect to (30_sources)

# run_regress DB OUTDIR TEST: pg_regress one file into DB
run_regress() {
    "$regress" --inputdir=. --use-existing --bindir="$PG_BIN" --dbname="$1" --outputdir="$2" "$3" >/dev/null 2>&1
}

dropdb --if-exists "$template" >/dev/null 2>&1
createdb "$template"
run_regress "$template" "$out/00_setup" 00_setup || die "00_setup failed: $out/00_setup/regression.diffs"

tests=("$@")
[[ ${#tests[@]} -gt 0 ]] || mapfile -t tests < <(sed -n 's/^test: //p' test/schedule | tr ' ' '\n' | grep -v '^00_setup$')
failed=()
for t in "${tests[@]}"; do
    dropdb --if-exists "$db" >/dev/null 2>&1
    createdb -T "$template" "$db"
    start=$SECONDS
    if run_regress "$db" "$out/$t" "$t"; then
        echo "ok   $t ($((SECONDS - start)) s)"
    else
        echo "FAIL $t ($((SECONDS - start)) s): $out/$t/regression.diffs"
        failed+=("$t")
    fi
done
dropdb --if-exists "$db" >/dev/null 2>&1
dropdb "$template"
[[ ${#failed[@]} -eq 0 ]] || { echo "FAILED alone: ${failed[*]}"; exit 1; }
rm -rf "$out"
