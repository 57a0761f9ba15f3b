#!/usr/bin/env bash
# The long run of the SQL fuzzer (the test command runs 90 s of it): 20
# minutes, seed 2; its counts are in docs/fuzzing.md.
set -euo pipefail
cd "$(dirname "$0")/../.."
test/fuzz/run_sql_fuzz.sh "${SQL_FUZZ_SECONDS:-1200}" "${SQL_FUZZ_SEED:-2}"
