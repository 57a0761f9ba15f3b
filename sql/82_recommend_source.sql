-- Interactions from a registered source: duplicate order lines equal the same data
-- pre-aggregated; returns are netted; pairs returned in full are dropped.
-- Online Retail is registered again at the end, as test/load_online_retail.sql does.
CREATE TABLE rec_lines (invoice text, customer int, item text, qty int, price numeric, at timestamp);
INSERT INTO rec_lines VALUES
    ('1', 1, 'A', 2, 1.0, '2011-01-01'), ('1', 1, 'B', 1, 2.0, '2011-01-01'),
    ('2', 1, 'A', 3, 1.0, '2011-02-01'), ('3', 2, 'A', 3, 1.0, '2011-01-05'),
    ('3', 2, 'C', 1, 5.0, '2011-01-05'), ('4', 2, 'B', 2, 2.0, '2011-03-01'),
    ('C5', 2, 'B', -2, 2.0, '2011-03-02'),   -- returns order 4's B: pair (2, B) is dropped
    ('6', 3, 'C', 1, 5.0, '2011-02-01'), ('7', 3, 'A', 1, 1.0, '2011-04-01'),
    ('8', 3, 'B', 4, 2.0, '2011-04-02'), ('C9', 3, 'B', -1, 2.0, '2011-04-03'),
    ('10', 4, 'C', 1, 5.0, '2011-05-01'), ('11', 4, 'A', 1, 1.0, '2011-05-02');
-- the same lines with every unit on a line of its own (quantity 2 = two duplicate lines)
CREATE TABLE rec_lines_dup AS
SELECT l.invoice, l.customer, l.item, sign(l.qty)::int AS qty, l.price, l.at
  FROM rec_lines l, generate_series(1, abs(l.qty)) g;
SELECT count(*) AS lines, (SELECT count(*) FROM rec_lines) AS aggregated_lines FROM rec_lines_dup;

CREATE TABLE rec_runs (source text, measure text, interactions text, model bytea);
CREATE FUNCTION rec_run(source text, measure text) RETURNS void LANGUAGE sql AS $$
    INSERT INTO rec_runs
    SELECT source, measure,
           (SELECT string_agg(format('%s/%s=%s', customer_id, item_id, value), ' ' ORDER BY customer_id, item_id)
              FROM insight_interactions(measure => measure)),
           insight_als_fit(format('SELECT customer_id, item_id, value FROM insight_interactions(measure => %L)', measure),
                           factors => 2, regularization => 0.1, alpha => 2, iterations => 3, seed => 5)
$$;
SET client_min_messages = warning;
SELECT insight_register_sales('rec_lines', customer_column => 'customer', time_column => 'at',
    order_column => 'invoice', item_column => 'item', quantity_column => 'qty',
    unit_price_column => 'price', options => '{"return_order_prefix": "C"}');
SELECT rec_run('rec_lines', 'orders'), rec_run('rec_lines', 'quantity'), rec_run('rec_lines', 'log_quantity');
SELECT insight_register_sales('rec_lines_dup', customer_column => 'customer', time_column => 'at',
    order_column => 'invoice', item_column => 'item', quantity_column => 'qty',
    unit_price_column => 'price', options => '{"return_order_prefix": "C"}');
SELECT rec_run('rec_lines_dup', 'orders'), rec_run('rec_lines_dup', 'quantity');
RESET client_min_messages;
SELECT source, measure, interactions FROM rec_runs ORDER BY measure, source;
-- the same factors from duplicated and pre-aggregated lines
SELECT a.measure,
       (SELECT max(abs(x - y)) FROM insight_als_item_factors(a.model) fa
          JOIN insight_als_item_factors(b.model) fb USING (item_key),
               unnest(fa.factors, fb.factors) AS t(x, y)) < 1e-6 AS same_item_factors,
       (SELECT max(abs(x - y)) FROM insight_als_user_factors(a.model) fa
          JOIN insight_als_user_factors(b.model) fb USING (user_key),
               unnest(fa.factors, fb.factors) AS t(x, y)) < 1e-6 AS same_user_factors
  FROM rec_runs a JOIN rec_runs b ON a.measure = b.measure AND a.source = 'rec_lines' AND b.source = 'rec_lines_dup'
 ORDER BY 1;
-- as_of and since bound the lines used
SELECT customer_id, item_id, value FROM insight_interactions(as_of => '2011-03-01 00:00+00', since => '2011-01-02 00:00+00')
 ORDER BY 1, 2;

-- Online Retail again, exactly as test/load_online_retail.sql registers it
SELECT insight_register_sales('order_lines',
    customer_column   => 'customer_id',
    time_column       => 'invoice_date',
    order_column      => 'invoice_no',
    item_column       => 'stock_code',
    quantity_column   => 'quantity',
    unit_price_column => 'unit_price',
    options => '{"return_order_prefix": "C",
                 "exclude_items": ["POST", "DOT", "M", "m", "D", "C2", "CRUK", "PADS", "B",
                                   "BANK CHARGES", "AMAZONFEE", "S"]}');
DROP FUNCTION rec_run(text, text);
DROP TABLE rec_runs, rec_lines, rec_lines_dup;
SELECT count(*) AS online_retail_lines FROM insight_sales;
