#!/usr/bin/env bash
# k-means pass cost: one Lloyd pass of insight_kmeans_fit (one insight_kmeans_pass
# aggregate) against a plain scan of the same 1,000,000 feature rows, serial and
# with 2 parallel workers.
#
# Method: the same fit (k = 8, 3 features, fixed initial centroids, tolerance 0,
# so no run converges early) with max_iterations = 1 and = 21; the difference of
# the two times is 20 Lloyd passes (everything else is identical).  The scan,
# SELECT sum(features[1]) over the same table (reads every array), is timed the
# same way: 21 scans in a row in one statement minus 1 scan, divided by 20, so
# that on a busy machine both figures come from statements of the same lengths
# (the best of a few short runs is luckier than the best of a few long ones);
# the best single scan is shown too.  The four statements are timed in turn, 5
# rounds, and each time is the best of its 5.
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
-- time of n runs of q in a row
CREATE FUNCTION pg_temp.ms(q text, n int) RETURNS float8 LANGUAGE plpgsql AS $$
DECLARE t0 timestamptz;
BEGIN
    t0 := clock_timestamp();
    FOR i IN 1..n LOOP
        EXECUTE q;
    END LOOP;
    RETURN extract(epoch FROM clock_timestamp() - t0) * 1000;
END $$;
DO $$
DECLARE
    scan text := 'SELECT sum(features[1]) FROM bench_kmeans';
    fit text := 'SELECT insight_kmeans_fit(''SELECT features FROM bench_kmeans'', 8, tolerance => 0, '
        'initial_centroids => ''{{0.1,0.1,0.1},{0.9,0.9,0.9},{0.1,0.9,0.5},{0.9,0.1,0.5},'
        '{0.5,0.5,0.1},{0.5,0.5,0.9},{0.3,0.7,0.3},{0.7,0.3,0.7}}'', max_iterations => ';
BEGIN
    FOR round IN 1..5 LOOP
        INSERT INTO t VALUES ('scan1', pg_temp.ms(scan, 1)),
                             ('scan21', pg_temp.ms(scan, 21)),
                             ('fit1', pg_temp.ms(fit || '1)', 1)),
                             ('fit21', pg_temp.ms(fit || '21)', 1));
    END LOOP;
END $$;
WITH best AS (SELECT what, min(ms) AS ms FROM t GROUP BY what),
     b AS (SELECT (SELECT ms FROM best WHERE what = 'scan1') AS single,
                  ((SELECT ms FROM best WHERE what = 'scan21')
                   - (SELECT ms FROM best WHERE what = 'scan1')) / 20 AS scan,
                  ((SELECT ms FROM best WHERE what = 'fit21')
                   - (SELECT ms FROM best WHERE what = 'fit1')) / 20 AS pass)
SELECT current_setting('max_parallel_workers_per_gather') AS workers,
       round(scan::numeric, 1) AS scan_ms,
       round(single::numeric, 1) AS best_single_scan_ms,
       round(pass::numeric, 1) AS lloyd_pass_ms,
       round((pass / scan)::numeric, 2) AS pass_over_scan
FROM b;
SQL
echo "serial:"
PGOPTIONS='-c max_parallel_workers_per_gather=0' psql -X -q -v ON_ERROR_STOP=1 -f /tmp/bench_kmeans_timing.sql
echo "2 parallel workers:"
PGOPTIONS='-c max_parallel_workers_per_gather=2' psql -X -q -v ON_ERROR_STOP=1 -f /tmp/bench_kmeans_timing.sql
psql -X -q -c 'DROP TABLE bench_kmeans'
rm -f /tmp/bench_kmeans_timing.sql
