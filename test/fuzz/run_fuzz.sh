#!/usr/bin/env bash
# Build the libFuzzer harness and run it for a bounded number of executions,
# seeded with valid models made by the running server (PG* environment).
set -euo pipefail
cd "$(dirname "$0")/../.."
RUNS=${FUZZ_RUNS:-300000}
make -s PG_CONFIG="${PG_CONFIG:-pg_config}" fuzz
corpus=test/fuzz/corpus
rm -rf "$corpus" && mkdir -p "$corpus"
# seeds: real models from the extension, one per line as hex
psql -X -q -At -d "${FUZZ_DB:-insight_regress}" -f test/fuzz/seeds.sql | {
    n=0
    while read -r hex; do
        [[ -n $hex ]] || continue
        n=$((n + 1))
        printf '%s' "$hex" | perl -ne 'print pack("H*", $_)' > "$corpus/seed$n"
    done
}
ls "$corpus" | grep -q . || { echo "no fuzz seeds" >&2; exit 1; }
test/fuzz/fuzz_model -runs="$RUNS" -max_len=4096 -seed=1 -print_final_stats=1 "$corpus" 2>&1 | tail -5
