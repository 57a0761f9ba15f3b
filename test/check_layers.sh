#!/usr/bin/env bash
# Fails when a lower layer of src/ includes a higher one (see src/README.md):
# core < math < features, eval, nn < models/<family> < models/algorithms.c.
# A model family may include its own folder only.  Includes of other paths
# (PostgreSQL's own, system headers) are not checked.
set -uo pipefail
cd "$(dirname "$0")/.."
grep -rH '#include "' src --include='*.[ch]' | awk -F: '
function rank(p) {
    if (p ~ /^core\//) return 0
    if (p ~ /^math\//) return 1
    if (p ~ /^(features|eval|nn)\//) return 2
    if (p ~ /^models\/[^\/]+\/./) return 3
    if (p ~ /^models\//) return 4
    return 9
}
function dir(p) { sub(/\/[^\/]*$/, "", p); return p }
{
    from = $1; sub(/^src\//, "", from)
    if (!match($0, /#include "[^"]*"/)) next
    to = substr($0, RSTART + 10, RLENGTH - 11)
    if (to !~ /^(core|math|features|eval|nn|models)\//) next
    if (rank(to) > rank(from)) {
        print "layer violation: " $1 " includes " to > "/dev/stderr"; bad = 1
    } else if (from ~ /^models\/[^\/]+\/./ && to ~ /^models\/[^\/]+\/./ && dir(from) != dir(to)) {
        print "family violation: " $1 " includes " to > "/dev/stderr"; bad = 1
    }
}
END { exit bad }'
