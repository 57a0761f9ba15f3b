-- The default as_of without a scan of the source (issue 23): with the source
-- registered as a view joining orders and their lines (the usual shop
-- schema), insight_latest_line() reads the orders backwards through an index
-- on their time and stops at the first kept line, where max(ordered_at) over
-- insight_sales hash-joins both tables.
\set VERBOSITY default
\set SHOW_CONTEXT never
SET client_min_messages = warning;
CREATE TABLE shop_orders AS
SELECT invoice_no AS order_id, min(customer_id) AS customer_id, min(invoice_date) AS ordered_at
  FROM order_lines GROUP BY invoice_no;
ALTER TABLE shop_orders ADD PRIMARY KEY (order_id);
CREATE INDEX shop_orders_ordered_at ON shop_orders (ordered_at);
CREATE TABLE shop_order_items AS SELECT invoice_no AS order_id, stock_code, quantity, unit_price FROM order_lines;
CREATE INDEX shop_order_items_order ON shop_order_items (order_id);
ANALYZE shop_orders, shop_order_items;
CREATE VIEW shop_lines AS
SELECT o.order_id, o.customer_id, o.ordered_at, i.stock_code, i.quantity, i.unit_price
  FROM shop_orders o JOIN shop_order_items i USING (order_id);
SELECT insight_register_sales('shop_lines', 'customer_id', 'ordered_at', 'order_id', 'stock_code', 'quantity',
                              unit_price_column => 'unit_price', options => '{"return_order_prefix": "C"}');
RESET client_min_messages;

-- the same time as the aggregate over the cleaned lines
SELECT insight_latest_line() AS latest_line,
       insight_latest_line() = (SELECT max(ordered_at) FROM insight_sales WHERE customer_id IS NOT NULL) AS same_as_max,
       insight_default_as_of() = insight_latest_line() + interval '1 microsecond' AS default_as_of;

-- its plan: a backward scan of the orders' time index, no scan of a whole table
CREATE FUNCTION pg_temp.plan_of(query text) RETURNS SETOF text LANGUAGE plpgsql AS $$
DECLARE line text;
BEGIN
    FOR line IN EXECUTE 'EXPLAIN (COSTS OFF) ' || query LOOP
        RETURN NEXT line;
    END LOOP;
END $$;
SELECT bool_or(p LIKE '%Index Scan Backward using shop_orders_ordered_at%') AS index_probe,
       NOT bool_or(p LIKE '%Seq Scan%') AS no_seq_scan
  FROM pg_temp.plan_of((SELECT prosrc FROM pg_proc WHERE proname = 'insight_latest_line')) p;
-- ... where max() over insight_sales reads both tables whole
SELECT bool_or(p LIKE '%Seq Scan%') AS max_scans
  FROM pg_temp.plan_of('SELECT max(ordered_at) FROM insight_sales WHERE customer_id IS NOT NULL') p;

-- one customer with the default as_of: the row of the explicit as_of
SELECT (SELECT f FROM insight_customer_features_of('12347') f) =
       (SELECT f FROM insight_customer_features_of('12347', insight_default_as_of()) f) AS same_features;

-- the latest purchase (the CLV summaries' default as_of is the UTC day
-- after it): the same time as max() over the purchases, by an index probe
SELECT insight_latest_purchase() AS latest_purchase,
       insight_latest_purchase() = (SELECT max(ordered_at) FROM insight_sales
                                     WHERE quantity > 0 AND amount >= 0) AS same_as_max;
SELECT bool_or(p LIKE '%Index Scan Backward using shop_orders_ordered_at%') AS index_probe,
       NOT bool_or(p LIKE '%Seq Scan%') AS no_seq_scan
  FROM pg_temp.plan_of((SELECT prosrc FROM pg_proc WHERE proname = 'insight_latest_purchase')) p;
-- one customer's CLV summary with the default as_of (what insight_clv(id),
-- insight_p_alive(id) and insight_expected_purchases(id) read): the rows of
-- the explicit as_of, and with an index on the customer no scan of a table
CREATE INDEX shop_orders_customer ON shop_orders (customer_id);
ANALYZE shop_orders;
SELECT (SELECT k FROM insight_clv_customer_summary(NULL, '7 days', '12347') k) =
       (SELECT k FROM insight_clv_customer_summary(
            ((((SELECT max(ordered_at) FROM insight_sales WHERE quantity > 0 AND amount >= 0) AT TIME ZONE 'UTC')::date + 1)::timestamp
             AT TIME ZONE 'UTC'), '7 days', '12347') k) AS same_summary;
SELECT NOT bool_or(p LIKE '%Seq Scan%') AS no_seq_scan,
       string_agg(p, E'\n') FILTER (WHERE p LIKE '%Seq Scan%') AS scans
  FROM pg_temp.plan_of((SELECT replace(replace(replace(prosrc, '$1', 'NULL::timestamptz'), '$2', '''7 days''::interval'), '$3', '''12347''')
                          FROM pg_proc WHERE proname = 'insight_clv_customer_summary')) p;

-- a date column is read as UTC midnight; guests (no customer) do not count
CREATE TABLE dated_shop (cust int, day date, sku text, qty int, price numeric);
INSERT INTO dated_shop VALUES (1, '2024-03-01', 'X', 1, 5), (2, '2024-03-05', 'Y', 2, 3), (NULL, '2024-03-09', 'X', 1, 5);
SET client_min_messages = warning;
SELECT insight_register_sales('dated_shop', 'cust', 'day', item_column => 'sku', quantity_column => 'qty',
                              unit_price_column => 'price', options => '{"drop_missing_customer": false}');
RESET client_min_messages;
SET TimeZone = 'UTC';
SELECT insight_latest_line() AS latest_with_customer, insight_default_as_of() AS default_as_of,
       insight_latest_purchase() AS latest_purchase;
RESET TimeZone;

-- back to Online Retail for the tests that follow
\o /dev/null
\i test/register_online_retail.sql
\o
DROP VIEW shop_lines;
DROP TABLE shop_orders, shop_order_items, dated_shop;
