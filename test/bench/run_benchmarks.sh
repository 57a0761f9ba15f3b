#!/usr/bin/env bash
# Runs every benchmark under test/bench/ against the server in the PG* environment.
set -euo pipefail
cd "$(dirname "$0")/../.."
psql -X -q -v ON_ERROR_STOP=1 -c 'SET client_min_messages = warning' \
     -c 'CREATE EXTENSION IF NOT EXISTS insight' -f test/load_online_retail.sql >/dev/null
for b in test/bench/bench_*; do
    printf '\n==> %s\n' "$b"
    case $b in
        *.sh) bash "$b" ;;
        *.py) /usr/bin/python3 "$b" ;;
    esac
done
