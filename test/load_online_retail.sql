-- Load UCI Online Retail (test/data/online_retail.csv.gz) into an ordinary
-- order-lines table, as a shop would keep it, and register it with insight.
-- Run with psql from the repository root (\copy reads the file client-side).

DROP TABLE IF EXISTS order_lines;
CREATE TABLE order_lines (
    invoice_no   text NOT NULL,
    stock_code   text NOT NULL,
    description  text,
    quantity     integer NOT NULL,
    invoice_date timestamp NOT NULL,   -- shop local time, as in the file
    unit_price   numeric(12,3) NOT NULL,
    customer_id  integer,              -- NULL for guest checkouts
    country      text
);

CREATE TEMP TABLE online_retail_raw (
    invoice_no text, stock_code text, description text, quantity text,
    invoice_date text, unit_price text, customer_id text, country text
);
\copy online_retail_raw FROM PROGRAM 'gzip -dc test/data/online_retail.csv.gz' WITH (FORMAT csv, HEADER true)

INSERT INTO order_lines
SELECT invoice_no, stock_code, description, quantity::integer, invoice_date::timestamp,
       unit_price::numeric, nullif(customer_id, '')::numeric::integer, country
  FROM online_retail_raw;
DROP TABLE online_retail_raw;
CREATE INDEX ON order_lines (customer_id);
ANALYZE order_lines;

\ir register_online_retail.sql
