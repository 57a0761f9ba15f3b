#!/usr/bin/env bash
# One customer on a join-view source (issue 23): Online Retail split into
# orders (indexes on ordered_at and customer_id) and order_items (index on
# order_id), registered as the view orders JOIN order_items, a churn model
# trained; insight_churn(customer) under pgbench (1 client, 10 s, a random id
# from the Online Retail range a call) with the default as_of and with an
# explicit one, then max(ordered_at) over insight_sales against
# insight_latest_line(); the same for insight_clv(customer) (a CLV model
# trained), whose default as_of was max(ordered_at) over the purchases of
# insight_sales, against insight_latest_purchase().  Registers Online
# Retail again at the end.
set -euo pipefail
cd "$(dirname "$0")/../.."
psql -X -q -v ON_ERROR_STOP=1 <<'SQL' >/dev/null
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS insight;
-- Online Retail is loaded (run_benchmarks.sh)
CREATE TABLE orders AS SELECT invoice_no AS order_id, min(customer_id) AS customer_id, min(invoice_date) AS ordered_at FROM order_lines GROUP BY 1;
ALTER TABLE orders ADD PRIMARY KEY (order_id);
CREATE INDEX ON orders (ordered_at);
CREATE INDEX ON orders (customer_id);
CREATE TABLE order_items AS SELECT invoice_no AS order_id, stock_code, quantity, unit_price FROM order_lines;
CREATE INDEX ON order_items (order_id);
ANALYZE orders; ANALYZE order_items;
CREATE VIEW shop_lines AS SELECT o.order_id, o.customer_id, o.ordered_at, i.stock_code, i.quantity, i.unit_price
  FROM orders o JOIN order_items i USING (order_id);
SELECT insight_register_sales('shop_lines', customer_column => 'customer_id', time_column => 'ordered_at', order_column => 'order_id',
    item_column => 'stock_code', quantity_column => 'quantity', unit_price_column => 'unit_price',
    options => '{"return_order_prefix": "C"}');
SELECT insight_train_churn();
SELECT insight_train_clv();
SQL
dir=$(mktemp -d); chmod a+rwx $dir
printf '\\set cid random(12346, 18287)\nSELECT insight_churn(:cid);\n' > $dir/d.sql
printf '\\set cid random(12346, 18287)\nSELECT insight_churn(:cid, %s);\n' "'2011-12-09 12:50:00.000001+00'" > $dir/e.sql
printf '\\set cid random(12346, 18287)\nSELECT insight_clv(:cid);\n' > $dir/cd.sql
printf '\\set cid random(12346, 18287)\nSELECT insight_clv(:cid, as_of => %s);\n' "'2011-12-10 00:00:00+00'" > $dir/ce.sql
for f in d e cd ce; do
  (cd $dir && pgbench -n -c 1 -T 10 -f $f.sql -l --log-prefix=$f >/dev/null 2>&1)
  cat $dir/$f.* | awk '{print $3}' | sort -n | awk -v f=$f '{a[NR]=$1} END {printf "%s: %d calls, p50 %.3f ms, p99 %.3f ms\n", (f=="d"?"insight_churn, default as_of":f=="e"?"insight_churn, explicit as_of":f=="cd"?"insight_clv, default as_of":"insight_clv, explicit as_of"), NR, a[int(NR*0.5)]/1000, a[int(NR*0.99)]/1000}'
done
psql -X -At -c "SELECT max(ordered_at) FROM insight_sales" >/dev/null
psql -X -At -c "\timing on" -c "SELECT max(ordered_at) FROM insight_sales WHERE customer_id IS NOT NULL" -c "SELECT insight_latest_line()" \
     -c "SELECT max(ordered_at) FROM insight_sales WHERE quantity > 0 AND amount >= 0" -c "SELECT insight_latest_purchase()" | grep Time
psql -X -q -v ON_ERROR_STOP=1 -c 'SET client_min_messages = warning' -f test/register_online_retail.sql \
     -c 'DROP VIEW shop_lines' -c 'DROP TABLE orders, order_items' >/dev/null
rm -rf "$dir"
