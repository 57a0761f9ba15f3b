#!/usr/bin/env bash
# MLP training benchmark (issue 14), in one run on the same machine:
#   1. seconds per epoch and throughput (rows x epochs per second) of
#      insight_mlp_fit on ROWS (1,000,000) rows x 16 features, hidden {64,32},
#      binary loss, batch_size 256, AdamW, validation_fraction 0, against
#      PyTorch (python3-torch, torch.set_num_threads(1), float32) training
#      the same architecture (Linear 16-64, ReLU, Linear 64-32, ReLU,
#      Linear 32-1, BCEWithLogitsLoss, AdamW lr 0.001) on the same rows and
#      batch size, shuffled each epoch.  insight's time per epoch is
#      (t(EPOCHS) - t(1)) / (EPOCHS - 1) of two whole fits, so reading and
#      preparing the rows cancel out; PyTorch's is the mean of EPOCHS timed
#      epochs on tensors already in memory.
#   2. peak memory: the backend's VmHWM (peak resident set, /proc) after the
#      fit, next to its VmHWM before; PyTorch's ru_maxrss after training
#      (with the data in memory).
#   3. GFLOP/s reached: 6 x rows x (16*64 + 64*32 + 32*1) multiply-adds of
#      the three matrix products per epoch (forward 2, backward 4), against
#      this machine's single-thread float32 matrix product of 1024 x 1024
#      matrices (numpy over the system BLAS, and torch.mm).
#   4. share of the fit's time in sgemm: one more EPOCHS-epoch fit sampled by
#      `perf record` (cpu-clock, 999 Hz) on the backend; the share of samples
#      in libopenblas (the NN core's only BLAS call in training is sgemm) and
#      in the other objects of the process.
# Expects the extension installed (test/bench/run_benchmarks.sh).
set -euo pipefail
ROWS=${BENCH_MLP_ROWS:-1000000}
EPOCHS=${BENCH_MLP_EPOCHS:-10}

psql -X -q -v ON_ERROR_STOP=1 -v rows=$ROWS <<'SQL'
DROP TABLE IF EXISTS bench_mlp;
SELECT setseed(0.42) \g /dev/null
CREATE TABLE bench_mlp AS
SELECT f, (f[1] + 0.5 * f[2] - f[3] + f[4] * f[5] + random() - 1.0) > 0 AS l
  FROM (SELECT ARRAY(SELECT random() FROM generate_series(1, 16) WHERE g > 0) AS f
          FROM generate_series(1, :rows) g) x;
VACUUM ANALYZE bench_mlp;
SQL

fit() {  # fit EPOCHS: prints seconds, then the backend's VmHWM before and after (kB)
    psql -X -q -At -v ON_ERROR_STOP=1 -v epochs="$1" <<'SQL'
SET client_min_messages = warning;
SELECT pg_backend_pid() AS pid \gset
\setenv BENCH_PID :pid
\! grep VmHWM /proc/$BENCH_PID/status | tr -s ' ' | cut -d' ' -f2 > /tmp/bench_mlp_hwm0
SELECT extract(epoch FROM clock_timestamp()) AS t0 \gset
SELECT length(insight_mlp_fit('SELECT f, l FROM bench_mlp', '{64,32}', epochs => :epochs, batch_size => 256,
                              validation_fraction => 0, seed => 1)) > 0 AS fitted \gset
SELECT round((extract(epoch FROM clock_timestamp()) - :t0)::numeric, 3);
\! echo "$(cat /tmp/bench_mlp_hwm0) $(grep VmHWM /proc/$BENCH_PID/status | tr -s ' ' | cut -d' ' -f2)"
SQL
}
echo "insight_mlp_fit: $ROWS rows x 16 features, hidden {64,32}, batch 256, one backend (one BLAS thread)"
out1=$(fit 1)
outn=$(fit "$EPOCHS")
t1=$(sed -n 1p <<<"$out1")
tn=$(sed -n 1p <<<"$outn")
read -r hwm0 hwm1 <<<"$(sed -n 2p <<<"$outn")"
per_epoch=$(echo "scale=3; ($tn - $t1) / ($EPOCHS - 1)" | bc)
echo "  whole fit: 1 epoch ${t1} s, $EPOCHS epochs ${tn} s"
echo "  seconds per epoch: $per_epoch; rows x epochs per second: $(echo "$ROWS / $per_epoch" | bc)"
echo "  GFLOP/s: $(echo "scale=2; 6 * $ROWS * 3104 / $per_epoch / 1000000000" | bc)"
echo "  backend peak resident memory (VmHWM): $((hwm1 / 1024)) MB after the $EPOCHS-epoch fit ($((hwm0 / 1024)) MB before it)"

if command -v perf >/dev/null; then
    psql -X -q -At -v ON_ERROR_STOP=1 -v epochs="$EPOCHS" <<'SQL'
SET client_min_messages = warning;
SELECT pg_backend_pid() AS pid \gset
\setenv BENCH_PID :pid
\! (perf record -q -e cpu-clock -F 999 -p "$BENCH_PID" -o /tmp/bench_mlp.perf >/dev/null 2>&1 &); sleep 2
SELECT length(insight_mlp_fit('SELECT f, l FROM bench_mlp', '{64,32}', epochs => :epochs, batch_size => 256,
                              validation_fraction => 0, seed => 1)) > 0 AS fitted \gset
\! pkill -INT -f '^perf record .*bench_mlp'; while pgrep -f '^perf record .*bench_mlp' >/dev/null; do sleep 0.2; done
SQL
    echo "  share of the fit's CPU samples by object (perf record, cpu-clock 999 Hz; libopenblas = sgemm):"
    perf report -i /tmp/bench_mlp.perf --sort dso --stdio -q 2>/dev/null | awk 'NF && $1+0 >= 0.5 {print "    " $0}'
    echo "  the functions with the most samples:"
    perf report -i /tmp/bench_mlp.perf --sort dso,sym --stdio -q 2>/dev/null | awk 'NF && $1+0 >= 2 {print "    " $0}'
    rm -f /tmp/bench_mlp.perf /tmp/bench_mlp.perf.old /tmp/bench_mlp.perf.log
fi

OPENBLAS_NUM_THREADS=1 ROWS=$ROWS EPOCHS=$EPOCHS /usr/bin/python3 - <<'PY'
import io, os, resource, subprocess, time
import numpy as np
import torch
torch.set_num_threads(1)
rows, epochs = int(os.environ["ROWS"]), int(os.environ["EPOCHS"])
raw = subprocess.run(["psql", "-X", "-q", "-c",
                      "COPY (SELECT array_to_string(f, ','), l::int FROM bench_mlp) TO STDOUT WITH (FORMAT csv)"],
                     check=True, capture_output=True).stdout
data = np.loadtxt(io.BytesIO(raw.replace(b'"', b'')), delimiter=",", dtype=np.float32)
X = torch.tensor((data[:, :-1] - data[:, :-1].mean(0)) / data[:, :-1].std(0))
y = torch.tensor(data[:, -1])
del raw, data
torch.manual_seed(1)
net = torch.nn.Sequential(torch.nn.Linear(16, 64), torch.nn.ReLU(), torch.nn.Linear(64, 32), torch.nn.ReLU(),
                          torch.nn.Linear(32, 1))
opt = torch.optim.AdamW(net.parameters(), lr=0.001, weight_decay=0.0)
lossf = torch.nn.BCEWithLogitsLoss()
times = []
for e in range(epochs):
    t0 = time.time()
    perm = torch.randperm(rows)
    for i in range(0, rows, 256):
        idx = perm[i:i + 256]
        opt.zero_grad()
        loss = lossf(net(X[idx])[:, 0], y[idx])
        loss.backward()
        opt.step()
    times.append(time.time() - t0)
per_epoch = sum(times) / len(times)
print(f"PyTorch {torch.__version__} (one thread, float32): seconds per epoch {per_epoch:.3f} "
      f"(epochs {', '.join(f'{t:.2f}' for t in times)}); rows x epochs per second {rows / per_epoch:.0f}; "
      f"GFLOP/s {6 * rows * 3104 / per_epoch / 1e9:.2f}; peak resident memory (ru_maxrss) "
      f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024} MB with the data in memory")
a = np.random.default_rng(0).random((1024, 1024), dtype=np.float32)
a @ a
t0 = time.time()
for _ in range(5):
    a @ a
npt = (time.time() - t0) / 5
ta = torch.tensor(a)
torch.mm(ta, ta)
t0 = time.time()
for _ in range(5):
    torch.mm(ta, ta)
tt = (time.time() - t0) / 5
print(f"float32 1024^3 matrix product, one thread: numpy {2 * 1024 ** 3 / npt / 1e9:.1f} GFLOP/s, "
      f"torch.mm {2 * 1024 ** 3 / tt / 1e9:.1f} GFLOP/s")
PY
psql -X -q -c "DROP TABLE bench_mlp"
