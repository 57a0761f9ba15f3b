-- Point-in-time customer features.
\set VERBOSITY default
\set SHOW_CONTEXT never
SET TimeZone = 'UTC';

-- A hand-made shop whose features are worked out in the comments.
CREATE TABLE tiny (cust int, at timestamptz, ord text, sku text, qty int, price numeric);
INSERT INTO tiny VALUES
    -- customer 1: orders of 13 and 7 on 2024-01-01 (13.5 h apart), 5 on 2024-01-11, a return of 5
    (1, '2024-01-01 10:00+00', 'O1', 'X', 2, 5), (1, '2024-01-01 10:00+00', 'O1', 'Y', 1, 3),
    (1, '2024-01-01 23:30+00', 'O2', 'Z', 1, 7),
    (1, '2024-01-11 10:00+00', 'O3', 'X', 1, 5),
    (1, '2024-01-12 10:00+00', 'CR1', 'X', -1, 5),
    -- customer 2: one order before as_of; one exactly at as_of and one after (both ignored)
    (2, '2024-01-20 10:00+00', 'O4', 'X', 4, 2),
    (2, '2024-01-21 10:00+00', 'O5', 'Y', 9, 9),
    (2, '2024-02-01 10:00+00', 'O6', 'Y', 9, 9),
    -- customer 3: only a return; customer 4: only after as_of (neither has features)
    (3, '2024-01-05 10:00+00', 'CR2', 'X', -2, 5),
    (4, '2024-01-25 10:00+00', 'O7', 'X', 1, 5),
    -- customer 5: 30 in the 90 days before the last 90 (2023-08-01), 10 in the last 90
    (5, '2023-08-01 00:00+00', 'O8', 'Y', 10, 3),
    (5, '2024-01-15 00:00+00', 'O9', 'Z', 2, 5);
SELECT insight_register_sales('tiny', 'cust', 'at', 'ord', 'sku', 'qty', unit_price_column => 'price',
                              options => '{"return_order_prefix": "CR"}');

-- as_of 2024-01-21 10:00 UTC. Customer 1: recency 10 days, frequency 1 (two UTC
-- days), 3 orders, total 25, monetary 25/3, tenure 20, 5 units, spend_90d 25,
-- trend 1, gaps 0.5625 and 9.4375 days (mean 5, sd sqrt(2 * 4.4375^2) = 6.2756),
-- 3 distinct items, return rate 5/25.
SELECT customer_id, recency_days, frequency, round(monetary::numeric, 6) AS monetary, tenure_days,
       orders, items, total_spend, spend_90d, round(spend_trend::numeric, 6) AS spend_trend,
       mean_days_between_orders AS mean_gap, round(sd_days_between_orders::numeric, 6) AS sd_gap,
       distinct_items, return_rate
  FROM insight_customer_features('2024-01-21 10:00+00') ORDER BY customer_id;
SELECT customer_id, array_length(features, 1) AS n, features[1:4] AS first_four,
       features[10:11] AS gaps_imputed
  FROM insight_customer_features('2024-01-21 10:00+00') ORDER BY customer_id;
SELECT insight_feature_names();

-- default as_of: just after the latest event, so everything counts
SELECT customer_id, orders, round(recency_days::numeric, 8) AS recency_days
  FROM insight_customer_features() ORDER BY customer_id;

-- as_of before any purchase: no customers
SELECT count(*) FROM insight_customer_features('2000-01-01 00:00+00');

-- the result does not depend on TimeZone: a purchase at 23:30 UTC counts on its
-- UTC day even where it is already the next day locally
SET TimeZone = 'Asia/Tokyo';
SELECT customer_id, frequency, recency_days FROM insight_customer_features('2024-01-21 10:00+00') ORDER BY 1;
SET TimeZone = 'UTC';

-- a date column: midnight UTC
CREATE TABLE tiny_days (cust int, day date, amount float8);
INSERT INTO tiny_days VALUES (1, '2024-01-01', 10), (1, '2024-01-03', 20), (1, '2024-01-03', 30);
SELECT insight_register_sales('tiny_days', 'cust', 'day', amount_column => 'amount');
SELECT customer_id, recency_days, frequency, orders, monetary, mean_days_between_orders, sd_days_between_orders
  FROM insight_customer_features('2024-01-04 00:00+00');

-- a line whose order id is NULL is an order by itself
CREATE TABLE loose (cust int, at timestamptz, ord text, amount numeric);
INSERT INTO loose VALUES (1, '2020-01-01 00:00+00', NULL, 10), (1, '2020-02-01 00:00+00', NULL, 20),
                         (1, '2020-03-01 00:00+00', 'A', 5), (1, '2020-03-01 00:00+00', 'A', 5);
SELECT insight_register_sales('loose', 'cust', 'at', 'ord', amount_column => 'amount');
SELECT customer_id, orders, total_spend, monetary, frequency FROM insight_customer_features('2020-04-01 00:00+00');
DROP TABLE loose;

-- Online Retail from here on
\o /dev/null
\i test/register_online_retail.sql
\o

-- every customer counted: equals the number of customers with a kept purchase
SELECT count(*) AS customers,
       (SELECT count(DISTINCT customer_id) FROM insight_sales WHERE amount > 0) AS with_purchase
  FROM insight_customer_features();

-- An independent computation for sampled customers, in plain SQL straight from
-- order_lines with the cleaning rules written out again.
CREATE TEMP TABLE sample_customers AS
SELECT DISTINCT customer_id FROM order_lines
 WHERE customer_id IN (12346, 12347, 12748, 13047, 14646, 14911, 15311, 16446, 17850, 18102)
    OR (customer_id IS NOT NULL AND customer_id % 97 = 0);
CREATE TEMP TABLE clean_lines AS
SELECT l.customer_id, l.invoice_no, l.stock_code,
       l.invoice_date AT TIME ZONE 'UTC' AS at,
       (CASE WHEN l.invoice_no LIKE 'C%' OR l.quantity < 0 THEN -1 ELSE 1 END) * abs(l.quantity)::float8 AS qty,
       (CASE WHEN l.invoice_no LIKE 'C%' OR l.quantity < 0 THEN -1 ELSE 1 END) * abs(l.quantity * l.unit_price::float8) AS amount
  FROM order_lines l JOIN sample_customers USING (customer_id)
 WHERE l.unit_price > 0 AND l.quantity <> 0
   AND l.stock_code NOT IN ('POST', 'DOT', 'M', 'm', 'D', 'C2', 'CRUK', 'PADS', 'B', 'BANK CHARGES', 'AMAZONFEE', 'S');
CREATE TEMP TABLE expected_features AS
WITH params AS (SELECT timestamptz '2011-10-01 00:00+00' AS as_of),
purchase_orders AS (
    SELECT c.customer_id, c.invoice_no, min(c.at) AS at, sum(c.amount) AS value, sum(c.qty) AS units
      FROM clean_lines c, params p
     WHERE c.at < p.as_of AND c.amount > 0
     GROUP BY 1, 2
)
SELECT s.customer_id,
       (SELECT extract(epoch FROM p.as_of - max(o.at)) / 86400 FROM purchase_orders o WHERE o.customer_id = s.customer_id) AS recency_days,
       (SELECT count(DISTINCT o.at::date) - 1 FROM purchase_orders o WHERE o.customer_id = s.customer_id) AS frequency,
       (SELECT avg(o.value) FROM purchase_orders o WHERE o.customer_id = s.customer_id) AS monetary,
       (SELECT extract(epoch FROM p.as_of - min(o.at)) / 86400 FROM purchase_orders o WHERE o.customer_id = s.customer_id) AS tenure_days,
       (SELECT count(*) FROM purchase_orders o WHERE o.customer_id = s.customer_id) AS orders,
       (SELECT sum(o.units) FROM purchase_orders o WHERE o.customer_id = s.customer_id) AS items,
       (SELECT sum(o.value) FROM purchase_orders o WHERE o.customer_id = s.customer_id) AS total_spend,
       (SELECT coalesce(sum(o.value), 0) FROM purchase_orders o
         WHERE o.customer_id = s.customer_id AND o.at >= p.as_of - interval '90 days') AS spend_90d,
       (SELECT coalesce(sum(o.value), 0) FROM purchase_orders o
         WHERE o.customer_id = s.customer_id AND o.at >= p.as_of - interval '180 days'
           AND o.at < p.as_of - interval '90 days') AS spend_prev,
       -- consecutive gaps telescope: their mean is (last - first) / (orders - 1)
       (SELECT extract(epoch FROM max(o.at) - min(o.at)) / 86400 / nullif(count(*) - 1, 0)
          FROM purchase_orders o WHERE o.customer_id = s.customer_id) AS mean_gap,
       (SELECT stddev_samp(extract(epoch FROM x.a[i + 1] - x.a[i]) / 86400)
          FROM (SELECT array_agg(o.at ORDER BY o.at) AS a FROM purchase_orders o
                 WHERE o.customer_id = s.customer_id) x,
               generate_series(1, array_length(x.a, 1) - 1) i) AS sd_gap,
       (SELECT count(DISTINCT c.stock_code) FROM clean_lines c
         WHERE c.customer_id = s.customer_id AND c.amount > 0 AND c.at < p.as_of) AS distinct_items,
       (SELECT coalesce(sum(-c.amount), 0) FROM clean_lines c
         WHERE c.customer_id = s.customer_id AND c.amount < 0 AND c.at < p.as_of) AS returned
  FROM sample_customers s, params p
 WHERE EXISTS (SELECT 1 FROM purchase_orders o WHERE o.customer_id = s.customer_id);

SELECT count(*) AS sampled_customers FROM expected_features;
-- every feature agrees within 1e-9 (relative); rows listed here would be mismatches
SELECT e.customer_id, f.* IS NULL AS missing
  FROM expected_features e
  LEFT JOIN insight_customer_features('2011-10-01 00:00+00') f USING (customer_id)
 WHERE f.customer_id IS NULL
    OR abs(f.recency_days - e.recency_days) > 1e-9
    OR f.frequency <> e.frequency
    OR abs(f.monetary - e.monetary) > 1e-9 * e.monetary
    OR abs(f.tenure_days - e.tenure_days) > 1e-9
    OR f.orders <> e.orders
    OR f.items <> e.items
    OR abs(f.total_spend - e.total_spend) > 1e-9 * e.total_spend
    OR abs(f.spend_90d - e.spend_90d) > 1e-6
    OR abs(f.spend_trend - coalesce((e.spend_90d - e.spend_prev) / nullif(e.spend_90d + e.spend_prev, 0), 0)) > 1e-9
    OR (f.mean_days_between_orders IS NULL) <> (e.mean_gap IS NULL)
    OR abs(f.mean_days_between_orders - e.mean_gap) > 1e-9
    OR (f.sd_days_between_orders IS NULL) <> (e.sd_gap IS NULL)
    OR abs(f.sd_days_between_orders - e.sd_gap) > 1e-9
    OR f.distinct_items <> e.distinct_items
    OR abs(f.return_rate - e.returned / e.total_spend) > 1e-9;
-- the sample covers the interesting cases
SELECT count(*) FILTER (WHERE orders = 1) AS one_order,
       count(*) FILTER (WHERE returned > 0) AS with_returns,
       count(*) FILTER (WHERE spend_90d = 0) AS nothing_in_90d
  FROM expected_features;

-- Customers whose features differ between a saved result and a new computation
-- (floating-point sums may add up in another order: 1e-9 relative tolerance).
CREATE FUNCTION differences(saved regclass, as_of timestamptz) RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE n bigint;
BEGIN
    EXECUTE format($q$
        SELECT count(*) FROM %s r FULL JOIN insight_customer_features($1) f USING (customer_id)
         WHERE r.customer_id IS NULL OR f.customer_id IS NULL
            OR EXISTS (SELECT 1 FROM unnest(r.features, f.features) u(x, y)
                        WHERE abs(x - y) > 1e-9 * greatest(1, abs(x)))$q$, saved)
    INTO n USING as_of;
    RETURN n;
END $$;

-- no event at or after as_of changes any value: add lines exactly at and after
-- as_of for sampled customers (purchases, returns, a new customer), compare
CREATE TEMP TABLE before_insert AS SELECT * FROM insight_customer_features('2011-10-01 00:00+00');
INSERT INTO order_lines (invoice_no, stock_code, quantity, invoice_date, unit_price, customer_id)
SELECT 'T' || customer_id, '85123A', 5, timestamp '2011-10-01 00:00', 2.55, customer_id FROM sample_customers
UNION ALL
SELECT 'CT' || customer_id, '85123A', -5, timestamp '2011-10-01 00:00', 2.55, customer_id FROM sample_customers
UNION ALL
SELECT 'T2' || customer_id, '22423', 1, timestamp '2011-11-15 09:00', 12.75, customer_id FROM sample_customers
UNION ALL
SELECT 'T3', '22423', 1, timestamp '2011-10-01 00:00', 12.75, 99999;
SELECT count(*) AS added_lines FROM order_lines WHERE invoice_no LIKE 'T%' OR invoice_no LIKE 'CT%';
SELECT differences('before_insert', '2011-10-01 00:00+00');
DELETE FROM order_lines WHERE invoice_no LIKE 'T%' OR invoice_no LIKE 'CT%';

-- TimeZone changes nothing; a forced parallel plan changes nothing
CREATE TEMP TABLE reference AS SELECT * FROM insight_customer_features();
SET TimeZone = 'America/Los_Angeles';
SELECT differences('reference', NULL);
SET TimeZone = 'Pacific/Kiritimati';
SELECT differences('reference', NULL);
SET TimeZone = 'UTC';
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
SELECT differences('reference', NULL);
-- bit for bit: the sums add up in the same order whatever the plan
SELECT count(*) AS exact_differences FROM (TABLE reference EXCEPT ALL SELECT * FROM insight_customer_features()) d;
RESET parallel_setup_cost;
RESET parallel_tuple_cost;
RESET min_parallel_table_scan_size;
RESET max_parallel_workers_per_gather;

-- one pass: computing every feature reads the source once (a scan of the
-- table or of one of its indexes)
CREATE VIEW source_scans AS
SELECT sum(pg_stat_get_xact_numscans(c.oid)) AS scans
  FROM pg_class c
 WHERE c.oid = 'order_lines'::regclass
    OR c.oid IN (SELECT indexrelid FROM pg_index WHERE indrelid = 'order_lines'::regclass);
SET max_parallel_workers_per_gather = 0;
BEGIN;
SELECT scans AS scans_before FROM source_scans \gset
SELECT count(*) AS customers FROM insight_customer_features();
SELECT scans - :scans_before AS scans FROM source_scans;
COMMIT;
DROP VIEW source_scans;
RESET max_parallel_workers_per_gather;

-- the report's top items (insight_top_items): the items by distinct buyers
-- with a purchase (a positive amount) in [since, until), as counted over the
-- lines; min_buyers keeps the items with that many; top limits; ties by key
WITH lines AS (SELECT s.item_id::text AS item_id, count(DISTINCT s.customer_id) AS buyers
                 FROM insight_sales s
                WHERE s.amount > 0 AND s.ordered_at >= '2011-09-01' AND s.ordered_at < '2011-12-01'
                GROUP BY 1)
SELECT (SELECT array_agg(t) FROM insight_top_items('2011-09-01', '2011-12-01', 1, NULL) t)
           = (SELECT array_agg(l ORDER BY l.buyers DESC, l.item_id) FROM lines l) AS every_item_ranked,
       (SELECT count(*) FROM insight_top_items('2011-09-01', '2011-12-01', 1, NULL)) AS items,
       (SELECT array_agg(t) FROM insight_top_items('2011-09-01', '2011-12-01', 200, 3) t)
           = (SELECT array_agg(l) FROM (SELECT * FROM lines WHERE buyers >= 200 ORDER BY buyers DESC, item_id LIMIT 3) l) AS top_three_of_200,
       (SELECT count(*) FROM insight_top_items('2011-09-01', '2011-12-01', 200, NULL))
           = (SELECT count(*) FROM lines WHERE buyers >= 200) AS min_buyers_kept;
SELECT * FROM insight_top_items('2011-09-01', '2011-12-01') ORDER BY buyers DESC, item_id LIMIT 3;
SELECT (SELECT count(*) FROM insight_top_items(NULL, '2011-12-01')) AS no_since,
       (SELECT count(*) FROM insight_top_items('2011-09-01', NULL)) AS no_until,
       (SELECT count(*) FROM insight_top_items('2011-09-01', '2011-12-01', NULL)) AS no_min_buyers,
       (SELECT count(*) FROM insight_top_items('2011-12-01', '2011-09-01')) AS empty_window;

DROP TABLE tiny, tiny_days;
DROP FUNCTION differences(regclass, timestamptz);
RESET TimeZone;

-- The history aggregate itself.  Its sums are exact (rounded once), so they
-- do not depend on the order of the lines: order A's amounts 0.1, 0.2, 0.3
-- come interleaved with other orders and add up to 0.6, the correctly
-- rounded sum (Python's math.fsum([0.1, 0.2, 0.3]) = 0.6), where adding them
-- one by one gives 0.6000000000000001 in four orders of six.  A's
-- return line (earlier, -1.5) counts only in the returned amount; the two
-- lines without an order are two orders; a zero amount counts nowhere (its
-- item neither).
CREATE TEMP TABLE history_lines (k int, o text, i text, t timestamptz, q float8, a float8);
INSERT INTO history_lines VALUES
    (1, 'A', 'x', '2024-01-02 10:00+00', 1, 0.1),
    (2, 'B', 'y', '2024-01-01 00:00+00', 2, 5),
    (3, 'A', 'y', '2024-01-02 09:00+00', 1, 0.2),
    (4, NULL, 'x', '2024-01-03 00:00+00', 1, 2),
    (5, 'A', 'x', '2024-01-02 11:00+00', 1, 0.3),
    (6, 'A', 'z', '2024-01-02 08:00+00', 3, -1.5),
    (7, NULL, 'w', '2024-01-03 00:00+00', 1, 2),
    (8, 'C', 'v', '2024-01-04 00:00+00', 1, 0);
CREATE FUNCTION pg_temp.us(t timestamptz) RETURNS float8 LANGUAGE sql
    AS $$ SELECT extract(epoch FROM t - '2000-01-01 00:00+00') * 1e6 $$;
CREATE TEMP TABLE expected_history AS
SELECT ARRAY[4, 3, 1.5,
             pg_temp.us('2024-01-01 00:00+00'), 5, 2,
             pg_temp.us('2024-01-02 09:00+00'), 0.6, 3,
             pg_temp.us('2024-01-03 00:00+00'), 2, 1,
             pg_temp.us('2024-01-03 00:00+00'), 2, 1]::float8[] AS h;
SELECT insight_customer_history(o, i, t, q, a ORDER BY k) = (TABLE expected_history) AS by_k,
       insight_customer_history(o, i, t, q, a ORDER BY k DESC) = (TABLE expected_history) AS by_k_desc,
       insight_customer_history(o, i, t, q, a ORDER BY t, a) = (TABLE expected_history) AS by_time,
       insight_customer_history(o, i, t, q, a ORDER BY a) = (TABLE expected_history) AS by_amount,
       (insight_customer_history(o, i, t, q, a ORDER BY k))[7:9] AS order_a
  FROM history_lines;
-- as a window aggregate (flat states), the same at the last line
SELECT h = (TABLE expected_history) AS window_same
  FROM (SELECT k, insight_customer_history(o, i, t, q, a) OVER (ORDER BY k) AS h FROM history_lines) w
 WHERE k = 8;
-- partial states (leaving the aggregate flat), combined: the same, whatever the split
CREATE AGGREGATE pg_temp.history_state("any", "any", timestamptz, float8, float8)
    (SFUNC = insight_history_accum, STYPE = bytea);
SELECT insight_history_final(insight_history_combine(
           (SELECT pg_temp.history_state(o, i, t, q, a) FROM history_lines WHERE k % 2 = 0),
           (SELECT pg_temp.history_state(o, i, t, q, a) FROM history_lines WHERE k % 2 = 1)))
       = (TABLE expected_history) AS combined_same,
       insight_history_final(insight_history_combine(
           (SELECT pg_temp.history_state(o, i, t, q, a) FROM history_lines WHERE k IN (5, 6)),
           (SELECT pg_temp.history_state(o, i, t, q, a) FROM history_lines WHERE k NOT IN (5, 6))))
       = (TABLE expected_history) AS combined_same_2;
-- sums beyond 2^63 (9.2e18) are an error, not a rounded value
SELECT insight_customer_history(o, i, t, q, a)
  FROM (VALUES ('A', 'x', timestamptz '2024-01-01 00:00+00', 1::float8, 5e18::float8),
               ('A', 'y', '2024-01-01 00:00+00', 1, 5e18)) v(o, i, t, q, a);
SELECT insight_customer_history('A'::text, 'x'::text, timestamptz '2024-01-01 00:00+00', 1::float8, -1e19::float8);
-- a line at infinity cannot be placed: an error about the line, not a corrupted state
SELECT insight_customer_history('A'::text, 'x'::text, timestamptz 'infinity', 1::float8, 1::float8);
-- purchases too small for a unit of 2^-64 sum to 0: an order of value 0 and a
-- return rate of 0 (nothing returned), not an error
SELECT insight_history_features(insight_customer_history('A'::text, 'x'::text, timestamptz '2024-01-01 00:00+00', 1::float8, 1e-300::float8),
                                '2024-02-01 00:00+00') AS tiny_purchase;
DROP AGGREGATE pg_temp.history_state("any", "any", timestamptz, float8, float8);
DROP TABLE history_lines, expected_history;
-- a negative number of top items is an error
SELECT * FROM insight_top_items('2011-09-01', '2011-12-01', 1, -1);
