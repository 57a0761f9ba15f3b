"""SASRec benchmarks (figures for docs/benchmarks.md; not a timed test).

Run by ./run bench (test/bench/run_benchmarks.sh) against the server in the
PG* environment, Online Retail loaded and registered.  Every figure is
printed with the load average before and after it.

1. Seconds per epoch, insight_sasrec_fit against SASRec written in PyTorch
   (Debian's python3-torch, float32, torch.set_num_threads(1): insight's
   backend is one thread too) with the same hyper-parameters (max_length
   50, hidden 50, 2 blocks, 1 head, dropout 0.5, batch 128, 1 negative,
   Adam lr 0.001, betas 0.9/0.98) on the same sequences, in one run: Online
   Retail (the registered sales) and synthetic data.  insight's epoch is
   the time between the NOTICEs of epochs 1 and 2 (psql's stderr read as it
   arrives), so it excludes reading the rows; PyTorch's is the second of two
   epochs (the first warms the allocator).  The torch network is the
   reference's (kang205/SASRec, as test/peer/sasrec_torch.py, which checks
   that it computes what insight computes), with its negatives drawn in
   numpy as insight draws them (uniform, redrawn while in the sequence).
2. Inference: every item scored for every sequence, as items x sequences
   per second: insight_recommend_from(model, customer, 10, false) over every
   customer of the model's histories (one call per customer, SQL included)
   against the torch network's forward pass in batches of 128 plus h E^T.
3. Growth: insight's epoch on synthetic data at 10k and 100k sequences, with
   1k and 20k items.
insight_recommend's latency with SASRec active: bench_recommend.sh.
Arguments (default all): compare (1 on Online Retail), inference (2),
growth (3, with the PyTorch comparison at 10k sequences).
"""
import os
import re
import subprocess
import sys
import tempfile
import time

import numpy as np
import torch
import torch.nn.functional as F

torch.set_num_threads(1)
L, D, BLOCKS, HEADS, DROPOUT, BATCH, LR = 50, 50, 2, 1, 0.5, 128, 0.001


def psql(sql, capture=True):
    return subprocess.run(["psql", "-X", "-q", "-At", "-v", "ON_ERROR_STOP=1", "-c", sql],
                          check=True, capture_output=capture, text=True).stdout.strip()


def load():
    return os.getloadavg()[0]


def fit_epoch_seconds(query, epochs=2):
    """insight: seconds between the NOTICEs of epochs 1 and 2 (the second epoch)."""
    sql = (f"SELECT length(insight_sasrec_fit($q${query}$q$, max_length => {L}, hidden => {D}, "
           f"blocks => {BLOCKS}, heads => {HEADS}, dropout => {DROPOUT}, epochs => {epochs}, "
           f"batch_size => {BATCH}, learning_rate => {LR}))")
    p = subprocess.Popen(["psql", "-X", "-q", "-At", "-v", "ON_ERROR_STOP=1", "-c", sql],
                         stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    stamps = []
    for line in p.stderr:
        if re.search(r"insight_sasrec_fit: epoch \d+ of", line):
            stamps.append(time.time())
    if p.wait() != 0:
        raise RuntimeError("insight_sasrec_fit failed")
    return stamps[1] - stamps[0]


def sequences(query):
    """The training sequences insight builds from (customer, item, event_time) rows."""
    rows = psql(f"SELECT customer, dense_rank() OVER (ORDER BY item COLLATE \"C\") FROM "
                f"(SELECT DISTINCT customer::text AS customer, item::text AS item, event_time FROM ({query}) q"
                f"(customer, item, event_time)) d ORDER BY customer COLLATE \"C\", event_time, item COLLATE \"C\"")
    by, items = {}, 0
    for line in rows.splitlines():
        c, i = line.split("|")
        by.setdefault(c, []).append(int(i))
        items = max(items, int(i))
    seqs = []
    for s in by.values():
        if len(s) >= 2:
            s = s[-(L + 1):]
            seqs.append([0] * (L + 1 - len(s)) + s)
    return np.array(seqs, dtype=np.int64), items


class SASRec(torch.nn.Module):
    """The reference's network (kang205/SASRec model.py, modules.py), float32."""

    def __init__(self, n):
        super().__init__()
        self.E = torch.nn.Embedding(n + 1, D, padding_idx=0)
        self.P = torch.nn.Embedding(L, D)
        lin = lambda: torch.nn.Linear(D, D)  # noqa: E731
        self.ln1 = torch.nn.ModuleList(torch.nn.LayerNorm(D) for _ in range(BLOCKS))
        self.ln2 = torch.nn.ModuleList(torch.nn.LayerNorm(D) for _ in range(BLOCKS))
        self.q = torch.nn.ModuleList(lin() for _ in range(BLOCKS))
        self.k = torch.nn.ModuleList(lin() for _ in range(BLOCKS))
        self.v = torch.nn.ModuleList(lin() for _ in range(BLOCKS))
        self.f1 = torch.nn.ModuleList(lin() for _ in range(BLOCKS))
        self.f2 = torch.nn.ModuleList(lin() for _ in range(BLOCKS))
        self.lnf = torch.nn.LayerNorm(D)
        self.drop = torch.nn.Dropout(DROPOUT)
        self.register_buffer("causal", torch.tril(torch.ones(L, L, dtype=torch.bool)))

    def forward(self, ids):
        mask = (ids != 0).unsqueeze(-1).float()
        x = self.drop(self.E(ids) * D ** 0.5 + self.P.weight.unsqueeze(0)) * mask
        allowed = self.causal.unsqueeze(0) & (ids != 0).unsqueeze(1)
        dh = D // HEADS
        for b in range(BLOCKS):
            q_in = self.ln1[b](x)
            Q, K, V = self.q[b](q_in), self.k[b](x), self.v[b](x)
            outs = []
            for h in range(HEADS):
                sl = slice(h * dh, (h + 1) * dh)
                s = (Q[..., sl] @ K[..., sl].transpose(1, 2)) / dh ** 0.5
                a = torch.nan_to_num(torch.softmax(s.masked_fill(~allowed, float("-inf")), -1))
                outs.append(self.drop(a) @ V[..., sl])
            x = (torch.cat(outs, -1) if HEADS > 1 else outs[0]) + q_in
            f_in = self.ln2[b](x)
            x = (self.drop(self.f2[b](self.drop(F.relu(self.f1[b](f_in))))) + f_in) * mask
        return self.lnf(x)


def negatives(rng, seqs, n):
    """One negative per input position (B x L), none in the row's sequence."""
    neg = rng.integers(1, n + 1, size=(seqs.shape[0], seqs.shape[1] - 1))
    for _ in range(100):       # redraw while in the sequence, as insight (random_neq)
        bad = (neg[..., None] == seqs[:, None, :]).any(-1)
        if not bad.any():
            break
        neg[bad] = rng.integers(1, n + 1, size=int(bad.sum()))
    return neg


def torch_epoch_seconds(seqs, n):
    torch.manual_seed(0)
    rng = np.random.default_rng(0)
    model = SASRec(n)
    opt = torch.optim.Adam(model.parameters(), lr=LR, betas=(0.9, 0.98))
    model.train()
    times = []
    for _ in range(2):
        t0 = time.time()
        order = rng.permutation(len(seqs))
        for first in range(0, len(seqs), BATCH):
            batch = seqs[order[first:first + BATCH]]
            ids, pos = batch[:, :-1], batch[:, 1:] * (batch[:, :-1] != 0)
            neg = torch.from_numpy(negatives(rng, batch, n))
            ids, pos = torch.from_numpy(ids), torch.from_numpy(pos)
            h = model(ids)
            zp = (h * model.E(pos)).sum(-1)
            zn = (h * model.E(neg)).sum(-1)
            target = (pos != 0).float()
            loss = ((-F.logsigmoid(zp) - F.logsigmoid(-zn)) * target).sum() / target.sum()
            opt.zero_grad()
            loss.backward()
            opt.step()
        times.append(time.time() - t0)
    return times[1], model


def torch_inference_rate(model, seqs, n):
    model.eval()
    ids = torch.from_numpy(seqs[:, 1:])     # the latest L items
    t0 = time.time()
    with torch.no_grad():
        for first in range(0, len(ids), BATCH):
            h = model(ids[first:first + BATCH])[:, -1, :]
            (h @ model.E.weight[1:].T).max()
    return n * len(ids) / (time.time() - t0)


def insight_inference_rate(query, items):
    psql("DROP TABLE IF EXISTS bench_sasrec_model")
    psql(f"SET client_min_messages = warning; CREATE TABLE bench_sasrec_model AS SELECT "
         f"insight_sasrec_fit($q${query}$q$, max_length => {L}, hidden => {D}, "
         f"blocks => {BLOCKS}, heads => {HEADS}, epochs => 1, with_history => true) AS m")
    customers = int(psql("SELECT insight_model_info(m)->>'customers' FROM bench_sasrec_model"))
    psql("SELECT count(*) FROM bench_sasrec_model, insight_recommend_from(m, 'warm-up', 1)")
    t0 = time.time()
    psql("SELECT count(*) FROM bench_sasrec_model, LATERAL (SELECT DISTINCT customer::text AS c FROM "
         f"({query}) q(customer, item, event_time)) c, insight_recommend_from(m, c.c, 10, false)")
    t = time.time() - t0
    psql("DROP TABLE bench_sasrec_model")
    return items * customers / t, customers, t


def synthetic(nseq, items, seed):
    """nseq customers, 2..51 purchases each (uniform), one a day, items skewed (power 2)."""
    rng = np.random.default_rng(seed)
    d = tempfile.mkdtemp()
    path = os.path.join(d, "rows.csv")
    with open(path, "w") as f:
        for c in range(nseq):
            k = int(rng.integers(2, L + 2))
            for t, i in enumerate((items * rng.random(k) ** 2).astype(int) + 1):
                f.write(f"c{c},{i},{t}\n")
    os.chmod(d, 0o755)
    os.chmod(path, 0o644)
    table = f"bench_sasrec_{nseq}_{items}"
    psql(f"DROP TABLE IF EXISTS {table}; CREATE TABLE {table} (customer text, item int, t int)")
    subprocess.run(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-c", f"\\copy {table} FROM '{path}' CSV"],
                   check=True)
    psql(f"ANALYZE {table}")
    return table


def compare(name, query):
    l0 = load()
    seqs, n = sequences(query)
    ours = fit_epoch_seconds(query)
    theirs, model = torch_epoch_seconds(seqs, n)
    print(f"{name}: {len(seqs)} sequences, {n} items: seconds per epoch insight {ours:.2f}, "
          f"PyTorch {torch.__version__} {theirs:.2f} (PyTorch / insight {theirs / ours:.2f}); "
          f"load average {l0:.2f} -> {load():.2f}", flush=True)
    return seqs, n, model


if __name__ == "__main__":
    print(f"load average at start: {os.getloadavg()}", flush=True)
    what = sys.argv[1:] or ["compare", "inference", "growth"]
    retail = "SELECT customer_id, item_id, ordered_at FROM insight_sales WHERE quantity > 0"
    if "compare" in what or "inference" in what:
        seqs, n, model = compare("Online Retail", retail)
        if "inference" in what:
            l0 = load()
            rate, customers, t = insight_inference_rate(retail, n)
            trate = torch_inference_rate(model, seqs, n)
            print(f"inference, Online Retail ({n} items): insight {rate / 1e6:.2f} M items x sequences/s "
                  f"({customers} customers in {t:.2f} s, one insight_recommend_from call each), "
                  f"PyTorch {trate / 1e6:.2f} M/s (batches of {BATCH}, {len(seqs)} sequences); "
                  f"load average {l0:.2f} -> {load():.2f}", flush=True)
    if "growth" in what:
        for nseq, items in [(10000, 1000), (10000, 20000), (100000, 1000), (100000, 20000)]:
            table = synthetic(nseq, items, 7)
            q = f"SELECT customer, item, timestamptz '2000-01-01' + t * interval '1 day' FROM {table}"
            if nseq == 10000:
                compare(f"synthetic {nseq} x {items}", q)
            else:
                l0 = load()
                t = fit_epoch_seconds(q)
                print(f"synthetic {nseq} sequences x {items} items: insight {t:.2f} s per epoch; "
                      f"load average {l0:.2f} -> {load():.2f}", flush=True)
            psql(f"DROP TABLE {table}")
    print(f"load average at end: {os.getloadavg()}", flush=True)
