#!/usr/bin/env bash
# insight_report_html in a real browser, against the server in the PG*
# environment: a database of its own (insight_report_browser) with Online
# Retail and every task trained, the report in English and Chinese written to
# results/browser/, validated by tidy (no errors, no warnings), then loaded in
# headless Chromium by report_browser.py (its checks: see there), which saves
# its screenshots next to the reports.
set -euo pipefail
cd "$(dirname "$0")/../.."
db=insight_report_browser
dir=results/browser
mkdir -p "$dir"
dropdb --if-exists "$db" && createdb "$db"
PGDATABASE=$db psql -X -q -f test/browser/trained_online_retail.sql

failed=0
for lang in en zh; do
    PGDATABASE=$db psql -X -q -At -v ON_ERROR_STOP=1 -o "$dir/report.$lang.html" \
        -c "SELECT insight_report_html('$lang')"
    # tidy: exit 0 = clean, 1 = warnings, 2 = errors
    if msgs=$(tidy -errors -q "$dir/report.$lang.html" 2>&1) && [[ -z $msgs ]]; then
        echo "ok   $lang: tidy finds no error and no warning in $dir/report.$lang.html"
    else
        echo "FAIL $lang: tidy on $dir/report.$lang.html:"; echo "$msgs" | head -20
        failed=1
    fi
done
/usr/bin/python3 test/browser/report_browser.py "$dir/report.en.html" "$dir/report.zh.html" --screenshots "$dir" || failed=1
dropdb "$db"
exit $failed
