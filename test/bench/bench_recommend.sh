#!/usr/bin/env bash
# Recommender benchmarks (figures for the README; not a timed test).
#   1. insight_als_fit: seconds per iteration (and microseconds per interaction
#      per iteration), by the wall clock and by the backend's CPU time, and
#      peak memory, with the conjugate-gradient solver (4
#      steps, the default) and the exact one, at 64 factors on Online Retail
#      interactions, at 64 and 128 factors on a synthetic 1,000,000-interaction
#      table; one iteration = both half-steps and the objective
#   2. insight_recommend(customer, 10) latency p50 / p99 under pgbench, with ALS
#      active, then SASRec
# Run by ./run bench against the server in the PG* environment (Online Retail
# loaded and registered by test/bench/run_benchmarks.sh).
set -euo pipefail
cd "$(dirname "$0")/../.."
q() { psql -X -q -At -v ON_ERROR_STOP=1 "$@"; }

q -c 'SET client_min_messages = warning' -c "SELECT insight_register_items('order_lines', 'stock_code', 'description')" >/dev/null
q <<'SQL'
SET client_min_messages = warning;
DROP TABLE IF EXISTS bench_rec_or, bench_rec_1m;
CREATE TABLE bench_rec_or AS SELECT customer_id, item_id, value FROM insight_interactions();
-- 1M synthetic interactions: 50,000 users, 20,000 items with skewed popularity
SELECT setseed(0.42);
CREATE TABLE bench_rec_1m AS
SELECT u, i, sum(v)::float8 AS v FROM (
    SELECT (random() * 49999)::int AS u, (20000 * power(random(), 2))::int AS i, 1 + (random() * 3)::int AS v
      FROM generate_series(1, 1030000)) g
 GROUP BY u, i;
ANALYZE bench_rec_or; ANALYZE bench_rec_1m;
SQL

/usr/bin/python3 - <<'PY'
import subprocess, time, os

def run(sql):
    return subprocess.run(["psql", "-X", "-q", "-At", "-v", "ON_ERROR_STOP=1", "-c", sql],
                          check=True, capture_output=True, text=True).stdout.strip()

def hwm(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmHWM"):
                return int(line.split()[1])

def cpu(pid):
    # the backend's utime + stime in seconds (fields 14, 15 of /proc/<pid>/stat):
    # time on a core, without the time spent waiting for one on a loaded machine
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

def bench(table, cols, factors, solver):
    rows = int(run(f"SELECT count(*) FROM {table}"))
    out = {}
    for iters in (1, 6):
        # one backend per measurement: read the table first so its buffers count before the fit
        p = subprocess.Popen(["psql", "-X", "-q", "-At", "-v", "ON_ERROR_STOP=1"], stdin=subprocess.PIPE,
                             stdout=subprocess.PIPE, text=True)
        p.stdin.write("SET client_min_messages = warning;\nSELECT pg_backend_pid();\n"
                      f"SELECT count(*) FROM (SELECT * FROM {table}) t;\n")
        p.stdin.flush()
        pid = int(p.stdout.readline())
        p.stdout.readline()
        before = hwm(pid)
        c0 = cpu(pid)
        t0 = time.time()
        p.stdin.write(f"SELECT length(insight_als_fit('SELECT {cols} FROM {table}', {factors}, 0.01, 1.0, {iters}, 0, "
                      f"'{solver}'));\n")
        p.stdin.flush()
        p.stdout.readline()
        t = time.time() - t0
        c = cpu(pid) - c0
        after = hwm(pid)
        p.stdin.close()
        p.wait()
        out[iters] = (t, after - before, c)
    per_iter = (out[6][0] - out[1][0]) / 5
    cpu_iter = (out[6][2] - out[1][2]) / 5
    print(f"{table}: {rows} interactions, {factors} factors, solver {solver}: fit with 1 iteration {out[1][0]:.2f} s, "
          f"with 6 iterations {out[6][0]:.2f} s -> {per_iter:.3f} s per iteration "
          f"({per_iter / rows * 1e6:.3f} us per interaction); backend CPU time {cpu_iter:.3f} s per iteration "
          f"({cpu_iter / rows * 1e6:.3f} us); peak memory of the fit "
          f"{out[6][1] / 1024:.0f} MB (backend VmHWM after minus before)")
    return per_iter, cpu_iter

for solver in ("cg", "exact"):
    bench("bench_rec_or", "customer_id, item_id, value", 64, solver)
for factors in (64, 128):
    t = {solver: bench("bench_rec_1m", "u, i, v", factors, solver) for solver in ("cg", "exact")}
    print(f"  {factors} factors: CG {t['exact'][0] / t['cg'][0]:.1f}x faster than the exact solve per iteration "
          f"(wall clock), {t['exact'][1] / t['cg'][1]:.1f}x by backend CPU time; load average {os.getloadavg()}")
PY

# insight_recommend latency under pgbench (2 clients, 20 s; customers drawn from
# the Online Retail id range, so some are unknown and get the popularity fallback),
# with ALS active, then SASRec (the task's shape: max_length 50, hidden 50, 2 blocks,
# 3,659 items; one epoch, since the latency depends on the shape, not the training)
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
cat > "$dir/rec.sql" <<'SQL'
\set cid random(12346, 18287)
SELECT * FROM insight_recommend(:cid, 10);
SQL
chmod -R a+rwx "$dir"
latency() {
    rm -f "$dir"/rec.*[0-9]
    (cd "$dir" && pgbench -n -c 2 -j 2 -T 20 -f rec.sql -l --log-prefix=rec >/dev/null 2>&1)
    cat "$dir"/rec.*[0-9] | awk '{print $3}' | sort -n | awk -v what="$1" -v load="$(cut -d' ' -f1-3 /proc/loadavg)" '{a[NR]=$1} END {
        printf "insight_recommend(customer, 10), %s, under pgbench, 2 clients, 20 s: %d calls, p50 %.2f ms, p99 %.2f ms (load average after: %s)\n",
               what, NR, a[int(NR*0.5)]/1000, a[int(NR*0.99)]/1000, load }'
}
q -c 'SET client_min_messages = warning' -c "SELECT insight_train_recommender('als')" >/dev/null
latency "ALS active"
q -c 'SET client_min_messages = warning' \
  -c "SELECT insight_activate(insight_train_recommender('sasrec', '{\"epochs\": 1}'))" >/dev/null
latency "SASRec active"
q -c 'DROP TABLE bench_rec_or, bench_rec_1m'
