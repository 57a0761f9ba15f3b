#!/usr/bin/env bash
# Fails when a lower layer of src/ includes a higher one (see src/README.md):
# core < math < features, eval, nn < models/<family> < models/algorithms.c.
# A model family may include its own folder only.
set -uo pipefail
cd "$(dirname "$0")/.."
rank() {
    case $1 in
        core/*) echo 0 ;; math/*) echo 1 ;; features/* | eval/* | nn/*) echo 2 ;;
        models/*/*) echo 3 ;; models/*) echo 4 ;; *) echo 9 ;;
    esac
}
bad=0
while IFS=: read -r file inc; do
    from=${file#src/}
    to=$(sed -n 's/.*#include "\([^"]*\)".*/\1/p' <<<"$inc")
    case $to in core/* | math/* | features/* | eval/* | nn/* | models/*) ;; *) continue ;; esac  # PostgreSQL's own
    rf=$(rank "$from"); rt=$(rank "$to")
    if (( rt > rf )); then
        echo "layer violation: $file includes $to" >&2; bad=1
    elif [[ $from == models/*/* && $to == models/*/* && ${from%/*} != "${to%/*}" ]]; then
        echo "family violation: $file includes $to" >&2; bad=1
    fi
done < <(grep -rH '#include "' src --include='*.[ch]')
exit $bad
