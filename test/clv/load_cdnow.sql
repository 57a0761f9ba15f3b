-- Load the CDNOW sample (test/data/CDNOW_sample.txt: master id, customer id
-- 1..2357, date, CDs, dollars; Fader, Hardie & Lee 2005) as table
-- cdnow_orders, the published summaries as cdnow_summary (lifetimes'
-- cdnow_customers_summary_with_transactions.csv), and register cdnow_orders
-- as the sales source.  Zero-dollar lines are purchases there, so
-- non-positive amounts are kept.  Run with psql from the repository root.
SET client_min_messages = warning;   -- the same output whether they exist or not
DROP TABLE IF EXISTS cdnow_orders, cdnow_summary;
RESET client_min_messages;
CREATE TABLE cdnow_orders (customer_id integer, ordered_on date, cds integer, amount numeric(10,2));
\copy cdnow_orders FROM PROGRAM 'awk ''{ print $2 "," $3 "," $4 "," $5 }'' test/data/CDNOW_sample.txt' WITH (FORMAT csv)
CREATE TABLE cdnow_summary (customer_id integer PRIMARY KEY, x integer, t_x float8, "T" float8, zbar float8);
\copy cdnow_summary FROM 'test/data/cdnow_customers_summary_with_transactions.csv' WITH (FORMAT csv, HEADER true)
SELECT insight_register_sales('cdnow_orders', customer_column => 'customer_id',
    time_column => 'ordered_on', quantity_column => 'cds', amount_column => 'amount',
    options => '{"drop_nonpositive_price": false}');
