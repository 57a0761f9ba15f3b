-- Returns and cancellations marked by a status column: the registration
-- options return_status_column and return_status_values.
\set VERBOSITY default
\set SHOW_CONTEXT never
SET TimeZone = 'UTC';

CREATE TYPE regress_order_state AS ENUM ('paid', 'shipped', 'cancelled', 'returned');
CREATE TABLE status_shop (cust int, at timestamptz, order_no text, sku text, qty int, price numeric,
                          state regress_order_state);
INSERT INTO status_shop VALUES
    (1, '2024-01-01 10:00+00', 'A1', 'X', 2, 5, 'paid'),       -- purchase
    (1, '2024-01-02 10:00+00', 'A2', 'Y', 1, 10, 'shipped'),   -- purchase
    (1, '2024-01-03 10:00+00', 'A3', 'X', 1, 5, 'cancelled'),  -- return by its status
    (2, '2024-01-04 10:00+00', 'A4', 'X', 4, 5, 'paid'),       -- purchase
    (2, '2024-01-05 10:00+00', 'A5', 'Y', 2, 10, 'returned'),  -- return by its status
    (2, '2024-01-06 10:00+00', 'A6', 'Y', -1, 10, 'paid'),     -- return by its negative quantity
    (3, '2024-01-07 10:00+00', 'A7', 'Z', 1, 8, NULL);         -- no status: purchase

SELECT insight_register_sales('status_shop', 'cust', 'at', 'order_no', 'sku', 'qty', unit_price_column => 'price',
    options => '{"return_status_column": "state", "return_status_values": ["cancelled", "returned"]}');
SELECT options FROM insight_sales_sources;
SELECT customer_id, order_id, quantity, amount FROM insight_sales ORDER BY ordered_at;
-- return_rate = returned amount / spend: 5 / 20 and 30 / 20
SELECT customer_id, orders, total_spend, return_rate FROM insight_customer_features() ORDER BY 1;
CREATE TEMP TABLE by_status_sales AS SELECT * FROM insight_sales;
CREATE TEMP TABLE by_status_features AS SELECT * FROM insight_customer_features();

-- exactly what the same lines give when the returns are marked by a
-- negative quantity instead
CREATE TABLE signed_shop AS
    SELECT cust, at, order_no, sku,
           CASE WHEN state IN ('cancelled', 'returned') THEN -abs(qty) ELSE qty END AS qty, price
      FROM status_shop;
SELECT insight_register_sales('signed_shop', 'cust', 'at', 'order_no', 'sku', 'qty', unit_price_column => 'price');
SELECT count(*) AS sales_differences
  FROM ((TABLE by_status_sales EXCEPT ALL TABLE insight_sales)
        UNION ALL (TABLE insight_sales EXCEPT ALL TABLE by_status_sales)) d;
SELECT count(*) AS feature_differences
  FROM ((TABLE by_status_features EXCEPT ALL SELECT * FROM insight_customer_features())
        UNION ALL (SELECT * FROM insight_customer_features() EXCEPT ALL TABLE by_status_features)) d;

-- with "returns": "drop" the status returns go, as the other returns do
SELECT insight_register_sales('status_shop', 'cust', 'at', 'order_no', 'sku', 'qty', unit_price_column => 'price',
    options => '{"returns": "drop", "return_status_column": "state", "return_status_values": ["cancelled", "returned"]}');
SELECT customer_id, order_id, quantity, amount FROM insight_sales ORDER BY ordered_at;

-- any column type: the status is compared as text (numbers and booleans too)
CREATE TABLE flag_shop (cust text, at date, total numeric, "Is Cancelled?" boolean);
INSERT INTO flag_shop VALUES ('ann', '2024-02-01', 40, false), ('ann', '2024-02-02', 10, true),
                             ('bob', '2024-02-03', 25, NULL);
SELECT insight_register_sales('flag_shop', 'cust', 'at', amount_column => 'total',
    options => '{"return_status_column": "Is Cancelled?", "return_status_values": [true]}');
SELECT customer_id, amount FROM insight_sales ORDER BY ordered_at;
SELECT customer_id, total_spend, return_rate FROM insight_customer_features() ORDER BY 1;

-- a status value is data, not SQL
SELECT insight_register_sales('status_shop', 'cust', 'at', 'order_no', 'sku', 'qty', unit_price_column => 'price',
    options => '{"return_status_column": "state", "return_status_values": ["x''); DROP TABLE status_shop; --"]}');
SELECT count(*) AS returns FROM insight_sales WHERE quantity < 0;

-- errors
SELECT insight_register_sales('status_shop', 'cust', 'at', amount_column => 'price',
    options => '{"return_status_column": "status", "return_status_values": ["cancelled"]}');
SELECT insight_register_sales('status_shop', 'cust', 'at', amount_column => 'price',
    options => '{"return_status_column": "state"}');
SELECT insight_register_sales('status_shop', 'cust', 'at', amount_column => 'price',
    options => '{"return_status_values": ["cancelled"]}');
SELECT insight_register_sales('status_shop', 'cust', 'at', amount_column => 'price',
    options => '{"return_status_column": "state", "return_status_values": []}');
SELECT insight_register_sales('status_shop', 'cust', 'at', amount_column => 'price',
    options => '{"return_status_column": "state", "return_status_values": "cancelled"}');
SELECT insight_register_sales('status_shop', 'cust', 'at', amount_column => 'price',
    options => '{"return_status_column": "state", "return_status_values": [null]}');
SELECT insight_register_sales('status_shop', 'cust', 'at', amount_column => 'price',
    options => '{"return_status_column": "", "return_status_values": ["cancelled"]}');
SELECT insight_register_sales('status_shop', 'cust', 'at', amount_column => 'price',
    options => '{"return_status": "state"}');
-- the status column needs the SELECT privilege like every registered column
CREATE ROLE regress_status_admin IN ROLE insight_admin;
GRANT SELECT (cust, at, price) ON status_shop TO regress_status_admin;
SET ROLE regress_status_admin;
SELECT insight_register_sales('status_shop', 'cust', 'at', amount_column => 'price',
    options => '{"return_status_column": "state", "return_status_values": ["cancelled"]}');
RESET ROLE;
REVOKE ALL ON status_shop FROM regress_status_admin;
DROP ROLE regress_status_admin;
-- a failed registration leaves the previous one in place
SELECT source, options FROM insight_sales_sources;

-- back to Online Retail for the tests that follow
\o /dev/null
\i test/register_online_retail.sql
\o
DROP TABLE status_shop, signed_shop, flag_shop;
DROP TYPE regress_order_state;
RESET TimeZone;
