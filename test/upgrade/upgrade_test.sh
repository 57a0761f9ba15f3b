#!/usr/bin/env bash
# The upgrade path, against the server in the PG* environment (run by
# test/run_tests.sh; the extension's current build installed there):
#   1. a database on the oldest released version (src/sql/releases/) loads
#      Online Retail, registers it and trains every task with the current C
#      library, and records what every model serves (test/upgrade/served.sql);
#   2. ALTER EXTENSION insight UPDATE: the same models serve exactly the same
#      values, and the catalogue of the extension's objects is the one of a
#      fresh CREATE EXTENSION with the source registered the same way
#      (test/upgrade/catalogue.sql);
#   3. pg_dump of the upgraded database, restored into another one: the
#      registry (model bytes included) and every served value survive;
#   4. without a registered source, too, the update gives the objects of a
#      fresh CREATE EXTENSION.
# Prints one ok / FAIL line per check and exits non-zero when any fails.
set -euo pipefail
cd "$(dirname "$0")/../.."

old_version=$(ls src/sql/releases/ | sed -n 's/^insight--\([0-9.]*\)\.sql$/\1/p' | sort -V | head -n 1)
new_version=$(sed -n "s/^default_version = '\(.*\)'/\1/p" insight.control)
upgraded=insight_upgrade
fresh=insight_upgrade_fresh
restored=insight_upgrade_restored
bare=insight_upgrade_bare
work=$(mktemp -d /tmp/insight-upgrade.XXXXXX)

cleanup() {
    local db
    for db in "$upgraded" "$fresh" "$restored" "$bare"; do dropdb --if-exists "$db" >/dev/null 2>&1 || true; done
    rm -rf "$work"
}
trap cleanup EXIT

status=0
ok() { echo "ok   $*"; }
fail() { echo "FAIL $*"; status=1; }

# same FILE1 FILE2 WHAT: ok when the files are identical, else FAIL and the
# first lines of their difference (- FILE1, + FILE2)
same() {
    if cmp -s "$1" "$2"; then
        ok "$3 ($(wc -l <"$1") lines)"
    else
        fail "$3:"
        diff -U0 --label "${1##*/}" --label "${2##*/}" "$1" "$2" | grep -v '^@@' | head -n 40 \
            | sed 's/^/     /' || true
    fi
}

# sql DB ARGS...: psql quietly, stopping at the first error
sql() {
    local db=$1
    shift
    psql -X -q -v ON_ERROR_STOP=1 -d "$db" "$@"
}

# new_database DB VERSION: DB with insight at VERSION (empty: the default)
new_database() {
    dropdb --if-exists "$1" >/dev/null 2>&1
    createdb "$1"
    sql "$1" -c 'SET client_min_messages = warning' \
        -c "CREATE EXTENSION insight${2:+ VERSION '$2'}"
}

# served DB FILE: what DB's models serve (test/upgrade/served.sql), as text
served() {
    sql "$1" -At -F '|' -f test/upgrade/served.sql >"$2"
}

# catalogue DB FILE: the extension's member objects (test/upgrade/catalogue.sql)
catalogue() {
    sql "$1" -At -f test/upgrade/catalogue.sql >"$2"
}

# compare_catalogues FILE1 FILE2 WHAT: the catalogues must be the same except
# for comments inside function sources and initial privileges (reported only;
# see test/upgrade/catalogue.sql)
compare_catalogues() {
    local noted='^(source_comments|init_privs) \| ' notes
    grep -Ev "$noted" "$1" >"$1.checked" || true
    grep -Ev "$noted" "$2" >"$2.checked" || true
    same "$1.checked" "$2.checked" "$3"
    notes=$(diff <(grep -E "$noted" "$1") <(grep -E "$noted" "$2") | grep '^[<>]' || true)
    if [[ -n $notes ]]; then
        echo "     note: differences reported only (< ${1##*/}, > ${2##*/}):"
        echo "$notes" | cut -c1-160 | sed 's/^/       /'
    fi
}

echo "upgrade from $old_version to $new_version"

# 1. the old version, trained
new_database "$upgraded" "$old_version"
sql "$upgraded" -c 'SET client_min_messages = warning' -f test/load_online_retail.sql >/dev/null
sql "$upgraded" -At >"$work/trained" <<'EOF'
SET client_min_messages = error;
SELECT insight_register_items('order_lines', 'stock_code', 'description');
SELECT insight_train_churn();
SELECT insight_train_clv();
SELECT insight_train_segments();
SELECT insight_train_recommender('als', '{"factors": 16, "iterations": 5}');
SELECT count(*) || ' models, ' || count(*) FILTER (WHERE status = 'active') || ' active'
  FROM insight_models;
EOF
ok "$old_version trained: $(tail -n 1 "$work/trained")"
served "$upgraded" "$work/before"

# 2. the update
sql "$upgraded" -c 'ALTER EXTENSION insight UPDATE'
got=$(sql "$upgraded" -At -c "SELECT extversion FROM pg_extension WHERE extname = 'insight'")
if [[ $got == "$new_version" ]]; then ok "updated to $got"; else fail "updated to '$got', not $new_version"; fi
served "$upgraded" "$work/after"
same "$work/before" "$work/after" "every model serves the same after the update"

# the same objects as a fresh installation, with the source registered the same way
new_database "$fresh" ""
pg_dump --schema-only --no-owner -t order_lines -d "$upgraded" | sql "$fresh" >/dev/null
sql "$fresh" -c 'SET client_min_messages = warning' -f test/register_online_retail.sql >/dev/null
catalogue "$upgraded" "$work/catalogue.upgraded"
catalogue "$fresh" "$work/catalogue.fresh"
compare_catalogues "$work/catalogue.fresh" "$work/catalogue.upgraded" \
    "objects of the updated extension = those of CREATE EXTENSION insight ($new_version)"

# 3. dump and restore
pg_dump --no-owner -d "$upgraded" -f "$work/dump.sql"
dropdb --if-exists "$restored" >/dev/null 2>&1
createdb "$restored"
sql "$restored" -f "$work/dump.sql" >/dev/null 2>"$work/restore.log" \
    || { cat "$work/restore.log"; fail "restore of the dump"; }
served "$restored" "$work/restored"
same "$work/before" "$work/restored" "registry and served values after pg_dump and restore"
catalogue "$restored" "$work/catalogue.restored"
compare_catalogues "$work/catalogue.fresh" "$work/catalogue.restored" \
    "objects of the restored extension = those of CREATE EXTENSION insight ($new_version)"

# 4. no source registered
new_database "$bare" "$old_version"
sql "$bare" -c 'ALTER EXTENSION insight UPDATE'
catalogue "$bare" "$work/catalogue.bare-upgraded"
new_database "$fresh" ""
catalogue "$fresh" "$work/catalogue.bare-fresh"
compare_catalogues "$work/catalogue.bare-fresh" "$work/catalogue.bare-upgraded" \
    "objects of the updated extension without a source = those of CREATE EXTENSION insight ($new_version)"

exit $status
