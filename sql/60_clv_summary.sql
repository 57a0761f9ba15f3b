-- CLV summary (frequency, recency, T, monetary value) from the sales source.
-- CDNOW sample: the published summary of Fader, Hardie & Lee (2005) as
-- distributed with lifetimes, for all 2,357 customers.
\set ECHO none
\o /dev/null
\i test/clv/load_cdnow.sql
\o
\set ECHO all
SELECT count(*) AS orders, count(DISTINCT customer_id) AS customers FROM cdnow_orders;
-- the placeholder is gone: customer_id has the source's type
SELECT pg_typeof(customer_id) FROM insight_clv_summary('1997-10-01 00:00+00') LIMIT 1;
-- kept (as a table) for the model tests that follow
CREATE TABLE cdnow_clv AS
    SELECT * FROM insight_clv_summary('1997-10-01 00:00+00', '7 days');
-- every customer, x exact, t_x and T to 2 decimals (as published)
SELECT count(*) AS customers,
       count(*) FILTER (WHERE s.frequency = p.x) AS x_equal,
       count(*) FILTER (WHERE round(s.recency::numeric, 2) = round(p.t_x::numeric, 2)) AS t_x_equal,
       count(*) FILTER (WHERE round(s."T"::numeric, 2) = round(p."T"::numeric, 2)) AS T_equal,
       count(*) FILTER (WHERE s.frequency > 0) AS repeat_customers,
       count(*) FILTER (WHERE s.frequency > 0
                          AND round(s.monetary_value::numeric, 2) = round(p.zbar::numeric, 2)) AS zbar_equal,
       count(*) FILTER (WHERE s.frequency = 0 AND s.monetary_value IS NULL) AS one_time_null_spend
  FROM cdnow_clv s FULL JOIN cdnow_summary p USING (customer_id);
-- customer 1: (2, 30.428571, 38.857143) in weeks, (2, 213, 272) in days; the
-- 1997-12-12 purchase is after as_of and ignored
SELECT customer_id, frequency, round(recency::numeric, 6) AS recency, round("T"::numeric, 6) AS "T",
       round(monetary_value::numeric, 3) AS monetary_value
  FROM cdnow_clv WHERE customer_id = 1;
SELECT customer_id, frequency, recency, "T", monetary_value
  FROM insight_clv_summary('1997-10-01 00:00+00', '1 day') WHERE customer_id = 1;
-- independent of TimeZone and of the physical row order
SET TimeZone = 'Pacific/Kiritimati';
SELECT count(*) AS differing_rows FROM (
    (SELECT * FROM insight_clv_summary('1997-10-01 00:00+00') EXCEPT ALL SELECT * FROM cdnow_clv)
    UNION ALL
    (SELECT * FROM cdnow_clv EXCEPT ALL SELECT * FROM insight_clv_summary('1997-10-01 00:00+00'))) d;
RESET TimeZone;
CREATE TEMP TABLE cdnow_copy AS SELECT * FROM cdnow_orders ORDER BY random();
TRUNCATE cdnow_orders;
INSERT INTO cdnow_orders SELECT * FROM cdnow_copy;
SELECT count(*) AS differing_rows FROM (
    (SELECT * FROM insight_clv_summary('1997-10-01 00:00+00') EXCEPT ALL SELECT * FROM cdnow_clv)
    UNION ALL
    (SELECT * FROM cdnow_clv EXCEPT ALL SELECT * FROM insight_clv_summary('1997-10-01 00:00+00'))) d;
-- default as_of: the start of the UTC day after the latest purchase (1998-06-30),
-- so the last observed day is 1998-06-30
SELECT customer_id, frequency, recency, round("T"::numeric, 6) AS "T", round(monetary_value::numeric, 4) AS monetary_value
  FROM insight_clv_summary(period => '1 day') WHERE customer_id = 1;

-- Raw rows, unit day.
CREATE TABLE clv_raw (customer text, at timestamptz, amount numeric);
SELECT insight_register_sales('clv_raw', customer_column => 'customer', time_column => 'at',
                              amount_column => 'amount');
INSERT INTO clv_raw VALUES
    ('same day', '2018-04-24 10:00+00', 5), ('same day', '2018-04-24 18:00+00', 7),
    ('three', '2018-04-24 19:19+00', 10), ('three', '2018-04-24 20:13+00', 20),
    ('three', '2018-05-24 04:00+00', 30),
    ('late', '2019-02-01 00:00+00', 1),      -- at as_of: ignored
    ('last day', '2019-01-31 23:59:59+00', 4), -- on the last observed day: x = t_x = T = 0
    ('return', '2018-04-24 12:00+00', 10), ('return', '2018-06-01 12:00+00', -10);
SELECT * FROM insight_clv_summary('2019-02-01 00:00+00', '1 day') ORDER BY customer_id;
-- UTC days, whatever the session's TimeZone: 23:30 and 00:30 UTC are two days
INSERT INTO clv_raw VALUES ('midnight', '2018-04-24 23:30+00', 1), ('midnight', '2018-04-25 00:30+00', 2);
SET TimeZone = 'America/Los_Angeles';
SELECT * FROM insight_clv_summary('2018-04-26 00:00+00', '1 day') WHERE customer_id = 'midnight';
RESET TimeZone;
-- bad periods
SELECT * FROM insight_clv_summary('2019-02-01', '0 days');
SELECT * FROM insight_clv_summary('2019-02-01', '-7 days');
SELECT * FROM insight_clv_summary('2019-02-01', NULL);

-- Online Retail is registered again for the tests that follow.
\o /dev/null
\i test/register_online_retail.sql
\o
DROP TABLE clv_raw, cdnow_copy, cdnow_orders;
SELECT pg_typeof(customer_id) AS online_retail_key, count(*) AS customers FROM insight_clv_summary() GROUP BY 1;

-- A parallel plan (the per-day sums under a Gather Merge) gives the serial
-- summary, row for row (Online Retail, as_of 2011-06-01).
SET max_parallel_workers_per_gather = 0;
CREATE TABLE clv_serial AS SELECT * FROM insight_clv_summary('2011-06-01 00:00+00');
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
SET enable_indexscan = off;     -- 50_churn's index on the order time would
SET enable_bitmapscan = off;    -- give a serial index scan
CREATE FUNCTION pg_temp.plan_shows(q text, pattern text) RETURNS boolean LANGUAGE plpgsql AS $$
DECLARE line text;
BEGIN
    FOR line IN EXECUTE 'EXPLAIN (COSTS OFF) ' || q LOOP
        IF line LIKE pattern THEN RETURN true; END IF;
    END LOOP;
    RETURN false;
END $$;
SELECT pg_temp.plan_shows('SELECT * FROM insight_clv_summary(''2011-06-01 00:00+00'')', '%Workers Planned: 2%') AS parallel_plan;
SELECT (SELECT count(*) FROM clv_serial) AS customers, count(*) AS differing_rows FROM (
    (SELECT * FROM insight_clv_summary('2011-06-01 00:00+00') EXCEPT ALL SELECT * FROM clv_serial)
    UNION ALL
    (SELECT * FROM clv_serial EXCEPT ALL SELECT * FROM insight_clv_summary('2011-06-01 00:00+00'))) d;
RESET parallel_setup_cost;
RESET parallel_tuple_cost;
RESET min_parallel_table_scan_size;
RESET max_parallel_workers_per_gather;
RESET enable_indexscan;
RESET enable_bitmapscan;
DROP TABLE clv_serial;
