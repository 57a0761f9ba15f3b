#!/usr/bin/env bash
# pg_dump of a database with a registered sales source restores into a fresh
# database (CREATE EXTENSION comes from the dump, then the data): the
# registration comes back, insight_sales and insight_customer_features() are
# rebuilt by the registration trigger, and every feature is identical.
set -euo pipefail
src=${PGDATABASE:?}
dst=insight_restore_check
dump=$(mktemp /tmp/insight-dump.XXXXXX.sql)
trap 'rm -f "$dump"; dropdb --if-exists "$dst" >/dev/null 2>&1 || true' EXIT

pg_dump --no-owner -d "$src" -f "$dump"
dropdb --if-exists "$dst" >/dev/null 2>&1
createdb "$dst"
psql -X -q -v ON_ERROR_STOP=1 -d "$dst" -f "$dump" >/dev/null

# values rounded to 6 decimals: sums may add up in another order in parallel plans
q="SELECT md5(string_agg(customer_id || ':' || (SELECT string_agg(round(v::numeric, 6)::text, ',') FROM unnest(features) v),
                         ';' ORDER BY customer_id))
     FROM insight_customer_features('2011-10-01 00:00+00')"
before=$(psql -X -At -d "$src" -c "$q")
after=$(psql -X -At -d "$dst" -c "$q")
lines_before=$(psql -X -At -d "$src" -c "SELECT count(*) FROM insight_sales")
lines_after=$(psql -X -At -d "$dst" -c "SELECT count(*) FROM insight_sales")
reg=$(psql -X -At -d "$dst" -c "SELECT source || ' ' || customer_column FROM insight_sales_sources")

status=0
check() { if [[ $2 == "$3" ]]; then echo "ok   $1 ($2)"; else echo "FAIL $1 ($2 vs $3)"; status=1; fi; }
check "registration restored" "$reg" "order_lines customer_id"
check "insight_sales lines" "$lines_after" "$lines_before"
check "features identical" "$after" "$before"
exit $status
