#!/usr/bin/env bash
# insight_customer_features() over all Online Retail rows vs a plain
# GROUP BY customer aggregate (count, sum, max) over the same rows: over the
# raw table order_lines, and over the cleaned rows (the view insight_sales)
# that the features are computed from.  One run, interleaved, median of 7
# runs each, timed inside the server with clock_timestamp(); every output
# column is consumed (summed) so that no aggregate is optimised away.
# Run with the server's default parallel settings, then with parallelism off.
# Expects Online Retail loaded and registered (test/bench/run_benchmarks.sh).
set -euo pipefail
for workers in 2 0; do
psql -X -q -v ON_ERROR_STOP=1 -v workers=$workers <<'SQL'
\pset footer off
SET max_parallel_workers_per_gather = :workers;
CREATE TEMP TABLE bench_runs (name text, ms float8);
DO $$
DECLARE
    t0 timestamptz;
BEGIN
    PERFORM count(*) FROM insight_customer_features();      -- warm the cache
    FOR i IN 1..7 LOOP
        t0 := clock_timestamp();
        PERFORM sum(f.recency_days + f.frequency + f.monetary + f.tenure_days + f.orders + f.items
                    + f.total_spend + f.spend_90d + f.spend_trend + coalesce(f.mean_days_between_orders, 0)
                    + coalesce(f.sd_days_between_orders, 0) + f.distinct_items + f.return_rate + f.features[1])
          FROM insight_customer_features() f;
        INSERT INTO bench_runs VALUES ('insight_customer_features()', 1000 * extract(epoch FROM clock_timestamp() - t0));

        t0 := clock_timestamp();
        PERFORM sum(g.n + g.spend + g.last)
          FROM (SELECT customer_id, count(*) AS n, sum(quantity * unit_price) AS spend,
                       extract(epoch FROM max(invoice_date)) AS last
                  FROM order_lines GROUP BY customer_id) g;
        INSERT INTO bench_runs VALUES ('plain GROUP BY over order_lines (raw)', 1000 * extract(epoch FROM clock_timestamp() - t0));

        t0 := clock_timestamp();
        PERFORM sum(g.n + g.spend + g.last)
          FROM (SELECT customer_id, count(*) AS n, sum(amount) AS spend,
                       extract(epoch FROM max(ordered_at)) AS last
                  FROM insight_sales GROUP BY customer_id) g;
        INSERT INTO bench_runs VALUES ('plain GROUP BY over insight_sales (cleaned)', 1000 * extract(epoch FROM clock_timestamp() - t0));
    END LOOP;
END $$;
\echo max_parallel_workers_per_gather = :workers
WITH med AS (
    SELECT name, percentile_cont(0.5) WITHIN GROUP (ORDER BY ms) AS median_ms
      FROM bench_runs GROUP BY name)
SELECT name, round(median_ms::numeric, 1) AS median_ms,
       round(((SELECT median_ms FROM med WHERE name LIKE 'insight%') / median_ms)::numeric, 2) AS features_ratio
  FROM med ORDER BY median_ms;
SQL
done
# CPU time of the backend, serial, 10 runs each: less sensitive to other
# work on the machine than wall time (utime + stime of /proc/self/stat, in
# clock ticks of 10 ms; needs a superuser, as the benchmarks run).
psql -X -q -At <<'SQL'
CREATE FUNCTION pg_temp.cpu() RETURNS float8 LANGUAGE sql AS $$
    SELECT (a[12]::float8 + a[13]::float8) / 100   -- fields 14 and 15 of proc(5)
      FROM (SELECT string_to_array(split_part(pg_read_file('/proc/self/stat'), ') ', 2), ' ') AS a) s $$;
SET max_parallel_workers_per_gather = 0;
SET client_min_messages = notice;
DO $$
DECLARE c0 float8; f float8 := 0; g float8 := 0;
BEGIN
    PERFORM count(*) FROM insight_customer_features();
    FOR i IN 1..10 LOOP
        c0 := pg_temp.cpu();
        PERFORM sum(x.recency_days) FROM insight_customer_features() x;
        f := f + pg_temp.cpu() - c0;
        c0 := pg_temp.cpu();
        PERFORM sum(g.n + g.spend + g.last)
          FROM (SELECT customer_id, count(*) AS n, sum(amount) AS spend, extract(epoch FROM max(ordered_at)) AS last
                  FROM insight_sales GROUP BY customer_id) g;
        g := g + pg_temp.cpu() - c0;
    END LOOP;
    RAISE NOTICE 'CPU time, serial, mean of 10: insight_customer_features() % s, plain GROUP BY over insight_sales % s, ratio %',
        round((f / 10)::numeric, 3), round((g / 10)::numeric, 3), round((f / g)::numeric, 2);
END $$;
SQL
psql -X -q -At -c "SELECT 'rows: ' || (SELECT count(*) FROM order_lines) || ' raw, ' || (SELECT count(*) FROM insight_sales) || ' cleaned, ' || (SELECT count(*) FROM insight_customer_features()) || ' customers'"
