-- Set-up for the other tests: the extension and UCI Online Retail, registered.
SET client_min_messages = warning;
CREATE EXTENSION insight;
\set ECHO none
\o /dev/null
\i test/load_online_retail.sql
\o
\set ECHO all
RESET client_min_messages;
SELECT count(*) AS raw_lines FROM order_lines;
SELECT source, customer_column, time_column, order_column, item_column,
       quantity_column, amount_column, unit_price_column, options
  FROM insight_sales_sources;
