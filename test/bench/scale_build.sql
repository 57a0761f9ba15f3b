-- Online Retail replicated to :target kept order lines (run by
-- test/bench/bench_scale.sh in an empty database with insight; psql
-- variable target).  Method (docs/benchmarks.md, "Scale on one machine"):
--   * the source is Online Retail's lines with a customer (406,829 raw lines,
--     404,876 of them kept by the registration's cleaning: guest checkouts
--     dropped, since a copy of a guest is no one);
--   * copy k (k = 0, 1, ...) is every such line with customer_id shifted by
--     k * 100000 (the ids run from 12346 to 18287, so the copies never meet)
--     and invoice_no suffixed with '-k' for k > 0 (orders stay distinct; the
--     'C' prefix of a cancellation stays in front); dates, items, quantities,
--     prices and countries are unchanged: the copies are distinct customers
--     buying the same catalogue in the same year;
--   * floor(target / 404,876) whole copies, then the next copy truncated by
--     customer: its customers in id order, as long as the kept lines stay
--     within the target (so the count is the target to within one customer).
-- order_lines is left registered as the sales source (as
-- test/load_online_retail.sql registers it), indexed on the customer and the
-- time column, and analysed.
\set ON_ERROR_STOP 1
SET client_min_messages = warning;
\o /dev/null
\ir ../load_online_retail.sql
\o
CREATE TEMP TABLE scale_base AS SELECT * FROM order_lines WHERE customer_id IS NOT NULL;
CREATE TEMP TABLE scale_kept AS
SELECT customer_id::text::integer AS customer_id, count(*) AS kept FROM insight_sales GROUP BY 1;
SELECT sum(kept) AS lines_per_copy FROM scale_kept \gset
SELECT :target::bigint / :lines_per_copy AS full_copies \gset
SELECT coalesce(max(customer_id), 0) AS cutoff
  FROM (SELECT customer_id, sum(kept) OVER (ORDER BY customer_id) AS running FROM scale_kept) r
 WHERE running <= :target::bigint - :full_copies * :lines_per_copy \gset
TRUNCATE order_lines;
DROP INDEX IF EXISTS order_lines_customer_id_idx;
INSERT INTO order_lines
SELECT CASE WHEN k = 0 THEN invoice_no ELSE invoice_no || '-' || k END,
       stock_code, description, quantity, invoice_date, unit_price,
       customer_id + 100000 * k, country
  FROM scale_base, generate_series(0, :full_copies) k
 WHERE k < :full_copies OR customer_id <= :cutoff;
CREATE INDEX order_lines_customer ON order_lines (customer_id);
CREATE INDEX order_lines_time ON order_lines (invoice_date);
VACUUM ANALYZE order_lines;
SELECT format('%s whole copies of %s kept lines, then customers up to %s of copy %s', :full_copies, :lines_per_copy,
              :cutoff, :full_copies) AS copies \gset
\echo :copies
