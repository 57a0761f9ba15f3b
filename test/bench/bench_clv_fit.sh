#!/usr/bin/env bash
# CLV fits (issue 18): the maximum-likelihood final functions alone, against
# scipy maximising the same likelihoods on the same distinct rows, in one run.
#   - BG/NBD on the 1,000,000 customers drawn by test/bench/clv_simulate.py
#     (seed 1; 217,972 distinct (x, t_x, T) rows);
#   - Pareto/NBD and BG/NBD on CDNOW_master.txt (23,570 customers, as_of
#     1997-10-01, weeks; 8,685 distinct rows).
# Method: the rows are collected once into a state (the fits' own transition
# function in a temporary aggregate); each final function is timed alone,
# best of 3, in ms (clock_timestamp() around EXECUTE); iterations and
# likelihood evaluations (with the gradient; the Hessian's and the Newton
# steps' included) from the fit's DEBUG1 line; time per evaluation = final
# time / evaluations (an upper bound: it includes the compaction of the rows);
# and the backend's CPU time (user + system from /proc/PID/stat) per fit over
# 10 fits, which a shared machine's load does not inflate.  Then
# test/bench/clv_fit_scipy.py maximises the same log-likelihoods (numpy/scipy,
# written from the papers) on the same distinct rows exported from the
# database: L-BFGS-B on log-parameters with numpy's analytic BG/NBD gradient,
# and Nelder-Mead (scipy's finite-difference gradient would be no faster) for
# Pareto/NBD, timed with time.perf_counter.
set -euo pipefail
cd "$(dirname "$0")/../.."
db=insight_bench_clv_fit
dropdb --if-exists "$db"
createdb "$db"
export PGDATABASE=$db
q() { psql -X -q -v ON_ERROR_STOP=1 "$@"; }

q <<'SQL'
SET client_min_messages = warning;
CREATE EXTENSION insight;
CREATE TABLE cdnow_master (customer_id integer, ordered_on date, cds integer, amount numeric(10, 2));
\copy cdnow_master FROM PROGRAM 'awk ''{ print $1 "," $2 "," $3 "," $4 }'' test/data/CDNOW_master.txt' WITH (FORMAT csv, HEADER true)
SELECT insight_register_sales('cdnow_master', customer_column => 'customer_id', time_column => 'ordered_on',
                              quantity_column => 'cds', amount_column => 'amount',
                              options => '{"drop_nonpositive_price": false}') \gset
CREATE TABLE cdnow_summary AS SELECT * FROM insight_clv_summary('1997-10-01 00:00+00');
CREATE TABLE sim (customer_id integer, frequency integer, recency float8, "T" float8, monetary_value float8);
\copy sim FROM PROGRAM '/usr/bin/python3 test/bench/clv_simulate.py 1000000 1' WITH (FORMAT csv)
CREATE AGGREGATE clv_collect3(float8, float8, float8) (
    sfunc = insight_clv_summary_accum, stype = bytea, combinefunc = insight_clv_rows_combine);
CREATE TABLE st AS SELECT 'sim' AS data, clv_collect3(frequency, recency, "T") AS tx FROM sim
    UNION ALL SELECT 'cdnow_master', clv_collect3(frequency, recency, "T") FROM cdnow_summary;
CREATE FUNCTION best_ms(q text, runs int DEFAULT 3) RETURNS float8 LANGUAGE plpgsql AS $$
DECLARE best float8; t0 timestamptz; d float8;
BEGIN
    FOR i IN 1..runs LOOP
        t0 := clock_timestamp();
        EXECUTE q;
        d := extract(epoch FROM clock_timestamp() - t0) * 1000;
        best := least(best, d);
    END LOOP;
    RETURN best;
END $$;
SQL
echo "load: $(cut -d' ' -f1-3 /proc/loadavg)"
for fit in "sim bgnbd" "cdnow_master bgnbd" "cdnow_master pnbd"; do
    set -- $fit
    ms=$(q -At -c "SELECT round(best_ms('SELECT insight_$2_final(tx) FROM st WHERE data = ''$1''')::numeric, 1)")
    # CPU time of the backend (user + system, /proc/PID/stat, clock ticks)
    # over 10 fits: on a shared machine the wall time also counts the time
    # the backend waited for a core
    cpu=$(q -At <<SQL
SELECT pg_backend_pid() AS pid \gset
\o /dev/null
SELECT count(*) FROM st;
\set t0 \`awk '{ print \$14 + \$15 }' /proc/:pid/stat\`
SELECT sum(length(insight_$2_final(tx))) FROM st, generate_series(1, 10) WHERE data = '$1';
\o
\set t1 \`awk '{ print \$14 + \$15 }' /proc/:pid/stat\`
SELECT round((:t1 - :t0) * 1000.0 / $(getconf CLK_TCK) / 10, 1);
SQL
)
    line=$(PGOPTIONS="-c client_min_messages=debug1" q -At -c "SELECT length(insight_$2_final(tx)) FROM st WHERE data = '$1'" 2>&1 \
           | grep -o 'log-likelihood .*likelihood)' || true)
    evals=$(sed -E 's/.* ([0-9]+) evaluations .*/\1/' <<<"$line")
    printf '%-13s %-6s final %9s ms, CPU %s ms  (%s; %s ms per evaluation, %s CPU)\n' "$1" "$2" "$ms" "$cpu" "$line" \
        "$(awk -v a="$ms" -v b="$evals" 'BEGIN { printf "%.2f", a / b }')" \
        "$(awk -v a="$cpu" -v b="$evals" 'BEGIN { printf "%.2f", a / b }')"
done
q -At -c "SELECT data, insight_model_info(insight_bgnbd_final(tx)) FROM st" -c "SELECT data, insight_model_info(insight_pnbd_final(tx)) FROM st WHERE data = 'cdnow_master'"
echo "load: $(cut -d' ' -f1-3 /proc/loadavg)"
q -c "\copy (SELECT frequency, recency, \"T\", count(*) FROM sim GROUP BY 1, 2, 3) TO '/tmp/bench_clv_sim_rows.csv' WITH (FORMAT csv)"
q -c "\copy (SELECT frequency, recency, \"T\", count(*) FROM cdnow_summary GROUP BY 1, 2, 3) TO '/tmp/bench_clv_cdnow_rows.csv' WITH (FORMAT csv)"
/usr/bin/python3 test/bench/clv_fit_scipy.py /tmp/bench_clv_sim_rows.csv /tmp/bench_clv_cdnow_rows.csv
rm -f /tmp/bench_clv_sim_rows.csv /tmp/bench_clv_cdnow_rows.csv
psql -X -q -d postgres -c "DROP DATABASE $db"
