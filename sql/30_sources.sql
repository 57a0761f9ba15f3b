-- Sales source registration, cleaning rules and the insight_sales view.
\set VERBOSITY default
\set SHOW_CONTEXT never
SET TimeZone = 'UTC';

-- a small shop with every kind of line the cleaning rules are about
CREATE TABLE shop (
    line_id   serial,
    cust      bigint,
    ordered   timestamptz,
    order_no  text,
    sku       text,
    qty       numeric,
    price     float8
);
INSERT INTO shop (cust, ordered, order_no, sku, qty, price) VALUES
    (1, '2024-01-01 10:00+00', 'A1', 'X', 2, 5.0),        -- kept
    (1, '2024-01-01 10:00+00', 'A1', 'Y', 1, 3.0),        -- kept
    (NULL, '2024-01-02 10:00+00', 'A2', 'X', 1, 5.0),     -- guest: dropped
    (1, '2024-01-03 10:00+00', 'A3', 'X', -1, 5.0),       -- return (negative quantity)
    (2, '2024-01-04 10:00+00', 'CA4', 'X', 1, 5.0),       -- cancellation by prefix
    (2, '2024-01-05 10:00+00', 'A5', 'POST', 1, 18.0),    -- not a product: dropped
    (2, '2024-01-06 10:00+00', 'A6', 'Z', 1, 0.0),        -- zero price: dropped
    (2, '2024-01-07 10:00+00', 'A7', 'Z', 1, -11.0),      -- negative price: dropped
    (2, '2024-01-08 10:00+00', 'A8', 'Z', 0, 4.0),        -- zero quantity: dropped
    (2, '2024-01-09 10:00+00', 'A9', 'Z', 1, 'NaN'),      -- NaN price: dropped
    (2, '2024-01-10 10:00+00', 'A10', 'Z', 'Infinity', 4.0), -- infinite quantity: dropped
    (2, 'infinity', 'A11', 'Z', 1, 4.0),                  -- infinite time: dropped
    (2, NULL, 'A12', 'Z', 1, 4.0),                        -- no time: dropped
    (2, '2024-01-13 23:30+00', 'A13', NULL, 3, 2.5);      -- no item: kept

SELECT insight_register_sales('shop', 'cust', 'ordered', 'order_no', 'sku', 'qty',
                              unit_price_column => 'price',
                              options => '{"return_order_prefix": "CA", "exclude_items": ["POST"]}');
SELECT * FROM insight_sales ORDER BY ordered_at, item_id;
-- the view keeps the source's key types
SELECT attname, format_type(atttypid, atttypmod)
  FROM pg_attribute WHERE attrelid = 'insight_sales'::regclass AND attnum > 0 ORDER BY attnum;
-- the registration, with every default filled in
SELECT source, options FROM insight_sales_sources;

-- returns dropped instead of kept; guests kept
SELECT insight_register_sales('shop', 'cust', 'ordered', 'order_no', 'sku', 'qty',
                              unit_price_column => 'price',
                              options => '{"returns": "drop", "drop_missing_customer": false}');
SELECT customer_id, order_id, quantity, amount FROM insight_sales ORDER BY ordered_at, item_id;

-- without an order column every row is one order; amount given directly
CREATE TABLE payments (who text, paid date, total numeric);
INSERT INTO payments VALUES ('ann', '2024-03-01', 10), ('ann', '2024-03-01', 12), ('bob', '2024-03-02', -4),
                            ('bob', '2024-03-03', 0);
SELECT insight_register_sales('payments', 'who', 'paid', amount_column => 'total');
SELECT customer_id, count(*) AS lines, count(DISTINCT order_id) AS orders, sum(amount) AS amount
  FROM insight_sales GROUP BY customer_id ORDER BY customer_id;
SELECT attname, format_type(atttypid, atttypmod)
  FROM pg_attribute WHERE attrelid = 'insight_sales'::regclass AND attnum > 0 ORDER BY attnum;

-- date and timestamp columns are read as UTC, whatever TimeZone says
SET TimeZone = 'Pacific/Kiritimati';
SELECT customer_id, ordered_at AT TIME ZONE 'UTC' AS utc FROM insight_sales ORDER BY 1, 2;
SET TimeZone = 'UTC';

-- a char(n) key keeps its whole value, in the functions and the views built for it
CREATE TABLE fixed_keys (cust char(5), at timestamptz, total numeric);
INSERT INTO fixed_keys VALUES ('AB123', '2024-01-01', 10), ('AB124', '2024-01-02', 20), ('AB123', '2024-02-01', 5);
SELECT insight_register_sales('fixed_keys', 'cust', 'at', amount_column => 'total');
SELECT customer_id, orders, total_spend FROM insight_customer_360 ORDER BY 1;
SELECT customer_id, orders FROM insight_customer_features_of('AB123');
SELECT customer_id, frequency FROM insight_clv_customer_summary(NULL, '7 days', 'AB124');

-- hostile identifiers are data, not SQL
CREATE TABLE "weird ""shop""" ("a""; DROP TABLE shop; --" int, "When" timestamp, "Sum $1" float8);
INSERT INTO "weird ""shop""" VALUES (7, '2024-05-01 12:00', 9.5);
SELECT insight_register_sales('"weird ""shop"""', 'a"; DROP TABLE shop; --', 'When', amount_column => 'Sum $1');
SELECT customer_id, ordered_at, amount FROM insight_sales;
SELECT count(*) AS shop_still_there FROM shop;

-- errors
SELECT insight_register_sales('no_such_table', 'cust', 'ordered');
SELECT insight_register_sales('shop', 'customer', 'ordered', amount_column => 'price');
SELECT insight_register_sales('shop', 'Cust', 'ordered', amount_column => 'price');
SELECT insight_register_sales('shop', 'cust', 'order_no', amount_column => 'price');
SELECT insight_register_sales('shop', 'ordered', 'ordered', amount_column => 'price');
SELECT insight_register_sales('shop', 'cust', 'ordered', quantity_column => 'sku', unit_price_column => 'price');
SELECT insight_register_sales('shop', 'cust', 'ordered', quantity_column => 'qty');
SELECT insight_register_sales('shop', NULL, 'ordered', amount_column => 'price');
SELECT insight_register_sales('shop_line_id_seq', 'cust', 'ordered', amount_column => 'price');
SELECT insight_register_sales('shop', 'cust', 'ordered', amount_column => 'price', options => '{"drop_guests": true}');
SELECT insight_register_sales('shop', 'cust', 'ordered', amount_column => 'price', options => '{"returns": "net"}');
SELECT insight_register_sales('shop', 'cust', 'ordered', amount_column => 'price', options => '{"exclude_items": "POST"}');
SELECT insight_register_sales('shop', 'cust', 'ordered', amount_column => 'price', options => '{"exclude_items": [1]}');
SELECT insight_register_sales('shop', 'cust', 'ordered', amount_column => 'price', options => '{"drop_missing_customer": "yes"}');
SELECT insight_register_sales('shop', 'cust', 'ordered', amount_column => 'price', options => '{"return_order_prefix": "C"}');
SELECT insight_register_sales('shop', 'cust', 'ordered', amount_column => 'price', options => '[]');
-- a failed registration leaves the previous one in place
SELECT source FROM insight_sales_sources;

-- a view is a source too, but needs an order column: it has no row identity
CREATE VIEW shop_view AS SELECT * FROM shop WHERE cust = 1;
SELECT insight_register_sales('shop_view', 'cust', 'ordered', amount_column => 'price');
SELECT insight_register_sales('shop_view', 'cust', 'ordered', 'order_no', 'sku', 'qty', unit_price_column => 'price');
SELECT customer_id, order_id, quantity, amount FROM insight_sales ORDER BY ordered_at, item_id;
-- a partitioned table without an order column: rows in different partitions
-- at the same ctid are still different orders
CREATE TABLE split_shop (cust int, ordered date, total numeric) PARTITION BY RANGE (ordered);
CREATE TABLE split_shop_2023 PARTITION OF split_shop FOR VALUES FROM ('2023-01-01') TO ('2024-01-01');
CREATE TABLE split_shop_2024 PARTITION OF split_shop FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
INSERT INTO split_shop VALUES (1, '2023-06-01', 10), (1, '2024-06-01', 20);
SELECT insight_register_sales('split_shop', 'cust', 'ordered', amount_column => 'total');
SELECT customer_id, count(*) AS lines, count(DISTINCT order_id) AS orders FROM insight_sales GROUP BY 1;
SELECT customer_id, orders, frequency, monetary FROM insight_customer_features();

-- absurd values are dropped instead of overflowing the amount
CREATE TABLE huge (cust int, at timestamptz, q numeric, p float8, total numeric);
INSERT INTO huge VALUES (1, '2024-01-01 00:00+00', 1e300, 1e300, 1), (1, '2024-01-02 00:00+00', 2, 3, 1e400),
                        (1, '2024-01-03 00:00+00', 2, 3, 6);
SELECT insight_register_sales('huge', 'cust', 'at', quantity_column => 'q', unit_price_column => 'p');
SELECT ordered_at, quantity, amount FROM insight_sales;
SELECT insight_register_sales('huge', 'cust', 'at', amount_column => 'total');
SELECT ordered_at, quantity, amount FROM insight_sales;
-- keys must be hashable and comparable: money is not a key
SELECT insight_register_sales('huge', 'cust', 'at', order_column => 'p', amount_column => 'total');
CREATE TABLE cash (cust int, at timestamptz, ord money, total numeric);
SELECT insight_register_sales('cash', 'cust', 'at', 'ord', amount_column => 'total');

-- the source does not depend on insight's objects: dropping it (even with
-- CASCADE) leaves the extension and its models alone
CREATE TABLE doomed (cust int, at timestamptz, total numeric);
SELECT insight_register_sales('doomed', 'cust', 'at', amount_column => 'total');
DROP TABLE doomed CASCADE;
SELECT count(*) AS extension_still_there FROM pg_extension WHERE extname = 'insight';
SELECT * FROM insight_sales;

-- a user's view over the features survives a new registration with the same key type
SELECT insight_register_sales('shop', 'cust', 'ordered', 'order_no', 'sku', 'qty', unit_price_column => 'price');
CREATE VIEW my_customers AS SELECT customer_id, orders FROM insight_customer_features();
CREATE VIEW my_lines AS SELECT count(*) AS n FROM insight_sales;
SELECT insight_register_sales('shop', 'cust', 'ordered', 'order_no', 'sku', 'qty', unit_price_column => 'price',
                              options => '{"returns": "drop"}');
SELECT * FROM my_customers ORDER BY 1;
SELECT * FROM my_lines;
-- a different key type cannot replace them while the views exist
SELECT insight_register_sales('payments', 'who', 'paid', amount_column => 'total');
DROP VIEW my_customers, my_lines;
DROP TABLE huge, cash, fixed_keys;

-- an empty source is not an error: no lines, no customers
CREATE TABLE empty_shop (LIKE shop);
SELECT insight_register_sales('empty_shop', 'cust', 'ordered', amount_column => 'price');
SELECT count(*) AS lines FROM insight_sales;
SELECT count(*) AS customers FROM insight_customer_features();

-- reading goes through the caller's privileges (registering needs insight_admin)
CREATE ROLE regress_insight_reader IN ROLE insight_admin;
GRANT SELECT ON insight_sales TO regress_insight_reader;
SELECT insight_register_sales('shop', 'cust', 'ordered', 'order_no', 'sku', 'qty', unit_price_column => 'price');
GRANT SELECT ON insight_sales TO regress_insight_reader;
SET ROLE regress_insight_reader;
SELECT count(*) FROM insight_sales;
SELECT insight_register_sales('shop', 'cust', 'ordered', amount_column => 'price');
RESET ROLE;
GRANT SELECT (cust, ordered, price) ON shop TO regress_insight_reader;
SET ROLE regress_insight_reader;
SELECT insight_register_sales('shop', 'cust', 'ordered', 'order_no', amount_column => 'price');
RESET ROLE;
REVOKE ALL ON shop FROM regress_insight_reader;
REVOKE ALL ON insight_sales FROM regress_insight_reader;
DROP ROLE regress_insight_reader;

-- before any registration: a clear error (in a fresh database)
CREATE DATABASE insight_regress_fresh;
\c insight_regress_fresh
SET client_min_messages = warning;
CREATE EXTENSION insight;
RESET client_min_messages;
SELECT * FROM insight_sales;
SELECT * FROM insight_customer_features();
-- the reports too (their pass by order, insight_sales_orders, is a placeholder)
\set VERBOSITY terse
SELECT insight_report();
SELECT insight_report_html('en');
\set VERBOSITY default
\c insight_regress
DROP DATABASE insight_regress_fresh;

-- back to Online Retail for the tests that follow
\o /dev/null
\i test/register_online_retail.sql
\o
DROP VIEW shop_view;
DROP TABLE shop, payments, "weird ""shop""", empty_shop, split_shop;
RESET TimeZone;
