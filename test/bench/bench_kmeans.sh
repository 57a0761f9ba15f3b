#!/usr/bin/env bash
# k-means pass cost: one Lloyd pass of insight_kmeans_fit (one insight_kmeans_pass
# aggregate) against a plain scan of the same 1,000,000 feature rows, serial and
# with 2 parallel workers.
#
# Method: the same fit (k = 8, 3 features, fixed initial centroids, tolerance 0,
# so no run converges early) with max_iterations = 1 and = 11; the difference of
# the two times is 10 Lloyd passes (everything else is identical).  The scan is
# SELECT sum(features[1]) over the same table (reads every array).  Each time is
# the best of 3.
set -euo pipefail
psql -X -q -v ON_ERROR_STOP=1 <<'SQL'
SET client_min_messages = warning;
DROP TABLE IF EXISTS bench_kmeans;
SELECT setseed(0.5);
CREATE TABLE bench_kmeans AS
SELECT ARRAY[random(), random(), random()]::float8[] AS features FROM generate_series(1, 1000000);
VACUUM ANALYZE bench_kmeans;
SQL
cat > /tmp/bench_kmeans_timing.sql <<'SQL'
CREATE TEMP TABLE t (what text, ms float8);
CREATE FUNCTION pg_temp.best_ms(q text) RETURNS float8 LANGUAGE plpgsql AS $$
DECLARE best float8; t0 timestamptz; d float8;
BEGIN
    FOR i IN 1..3 LOOP
        t0 := clock_timestamp();
        EXECUTE q;
        d := extract(epoch FROM clock_timestamp() - t0) * 1000;
        best := least(best, d);
    END LOOP;
    RETURN best;
END $$;
\set init '''{{0.1,0.1,0.1},{0.9,0.9,0.9},{0.1,0.9,0.5},{0.9,0.1,0.5},{0.5,0.5,0.1},{0.5,0.5,0.9},{0.3,0.7,0.3},{0.7,0.3,0.7}}'''
INSERT INTO t SELECT 'scan', pg_temp.best_ms('SELECT sum(features[1]) FROM bench_kmeans');
INSERT INTO t SELECT 'fit1', pg_temp.best_ms(format('SELECT insight_kmeans_fit(''SELECT features FROM bench_kmeans'', 8, max_iterations => 1, tolerance => 0, initial_centroids => %L)', :init));
INSERT INTO t SELECT 'fit11', pg_temp.best_ms(format('SELECT insight_kmeans_fit(''SELECT features FROM bench_kmeans'', 8, max_iterations => 11, tolerance => 0, initial_centroids => %L)', :init));
SELECT current_setting('max_parallel_workers_per_gather') AS workers,
       round((SELECT ms FROM t WHERE what = 'scan')::numeric, 1) AS scan_ms,
       round((((SELECT ms FROM t WHERE what = 'fit11') - (SELECT ms FROM t WHERE what = 'fit1')) / 10)::numeric, 1) AS lloyd_pass_ms,
       round(((((SELECT ms FROM t WHERE what = 'fit11') - (SELECT ms FROM t WHERE what = 'fit1')) / 10)
              / (SELECT ms FROM t WHERE what = 'scan'))::numeric, 2) AS pass_over_scan;
SQL
echo "serial:"
PGOPTIONS='-c max_parallel_workers_per_gather=0' psql -X -q -v ON_ERROR_STOP=1 -f /tmp/bench_kmeans_timing.sql
echo "2 parallel workers:"
PGOPTIONS='-c max_parallel_workers_per_gather=2' psql -X -q -v ON_ERROR_STOP=1 -f /tmp/bench_kmeans_timing.sql
psql -X -q -c 'DROP TABLE bench_kmeans'
rm -f /tmp/bench_kmeans_timing.sql
