"""Peer test of insight's SASRec against PyTorch (Debian's python3-torch,
test-time only).

A small model is trained in the database (insight_sasrec_fit: 12 items, a
cycle of purchases, max_length 6, hidden 8, 2 blocks, 2 heads, dropout 0.2,
so its weights are not the initial ones), then insight_sasrec_diagnose runs
it, in double precision without dropout, on two fixed sequences (one
left-padded) with fixed targets and negatives, returning the hidden states,
the loss, its gradient and the weights.  The same weights go into SASRec
written here in torch after the reference (kang205/SASRec model.py and
modules.py: item embeddings times sqrt(d) plus positional embeddings,
padding zeroed; per block the queries from a layer norm, keys and values
from the block input, causal and key-padding masks, query masking, the
normalised queries added back, layer norm, point-wise feed-forward with
its residual, padding zeroed; a final layer norm; the binary cross-entropy
of targets and negatives over the non-padding positions), in float64, and
must give
  - the same hidden states at every non-padding position: 1e-5 relative;
  - the same loss: 1e-5 relative; the same gradient of every weight: 1e-4;
  - a causal mask (a later item changes no earlier position, in torch too,
    so the comparison is not vacuous);
  - the same bytes for the same seed.
"Relative" is per tensor: max |ours - torch| / max |torch|.
Layer norms use eps 1e-5 on both sides (the reference's TF code has 1e-8).
"""
import os
import sys

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(__file__))
from pgquery import Checks, query, scalar  # noqa: E402

torch.set_num_threads(1)
checks = Checks("sasrec_torch")

ITEMS, D, L, BLOCKS, HEADS = 12, 8, 6, 2, 2
DATA = ("SELECT 'c' || c AS customer, (c + t) % 12 + 100 AS item, "
        "timestamptz '2024-01-01' + t * interval '1 day' AS at "
        "FROM generate_series(1, 60) c, generate_series(0, 5 + c % 7) t")
FIT = (f"insight_sasrec_fit($q${DATA}$q$, max_length => {L}, hidden => {D}, blocks => {BLOCKS}, "
       f"heads => {HEADS}, dropout => 0.2, epochs => 20, batch_size => 16, learning_rate => 0.01, seed => 5)")
SEQS = [[0, 0, 3, 4, 5, 6], [1, 2, 3, 4, 5, 6]]
TGTS = [[0, 0, 4, 5, 6, 7], [2, 3, 4, 5, 6, 7]]
NEGS = [[1, 1, 9, 10, 11, 12], [12, 11, 10, 9, 8, 1]]


def arr(m):
    return "'{" + ",".join("{" + ",".join(str(v) for v in row) + "}" for row in m) + "}'::int[]"


def floats(text):
    return np.array([float(v) for v in text.strip("{}").split(",")])


def ours(seqs, tgts=TGTS, negs=NEGS):
    row = query(f"WITH m AS (SELECT {FIT} AS model) SELECT d.loss, d.hidden, d.gradient, d.weights "
                f"FROM m, insight_sasrec_diagnose(m.model, {arr(seqs)}, {arr(tgts)}, {arr(negs)}) d")[0]
    return float(row[0]), floats(row[1]).reshape(len(seqs), L, D), floats(row[2]), floats(row[3])


def unflatten(w):
    """The flat array (sasrec.h) as named float64 tensors that need gradients."""
    p, k = {}, 0

    def take(name, *shape):
        nonlocal k
        n = int(np.prod(shape))
        p[name] = torch.tensor(w[k:k + n].reshape(shape), dtype=torch.float64, requires_grad=True)
        k += n
    take("E", ITEMS + 1, D)
    take("P", L, D)
    for b in range(BLOCKS):
        take(f"ln1w{b}", D); take(f"ln1b{b}", D)
        for m in "qkv":
            take(f"W{m}{b}", D, D); take(f"b{m}{b}", D)
        take(f"ln2w{b}", D); take(f"ln2b{b}", D)
        take(f"W1{b}", D, D); take(f"b1{b}", D)
        take(f"W2{b}", D, D); take(f"b2{b}", D)
    take("lnw", D); take("lnb", D)
    assert k == len(w), (k, len(w))
    return p


def torch_forward(p, seqs):
    ids = torch.tensor(seqs)
    mask = (ids != 0).to(torch.float64).unsqueeze(-1)           # B x L x 1
    ln = lambda x, w, b: F.layer_norm(x, (D,), w, b, eps=1e-5)  # noqa: E731
    x = F.embedding(ids, p["E"]) * D ** 0.5 + p["P"].unsqueeze(0)
    x = x * mask
    dh = D // HEADS
    causal = torch.tril(torch.ones(L, L, dtype=torch.bool))
    for b in range(BLOCKS):
        q_in = ln(x, p[f"ln1w{b}"], p[f"ln1b{b}"])
        Q = F.linear(q_in, p[f"Wq{b}"], p[f"bq{b}"])
        K = F.linear(x, p[f"Wk{b}"], p[f"bk{b}"])
        V = F.linear(x, p[f"Wv{b}"], p[f"bv{b}"])
        outs = []
        for h in range(HEADS):
            sl = slice(h * dh, (h + 1) * dh)
            s = Q[..., sl] @ K[..., sl].transpose(1, 2) / dh ** 0.5
            allowed = causal.unsqueeze(0) & (ids != 0).unsqueeze(1)   # key masking, causality
            s = s.masked_fill(~allowed, float("-inf"))
            a = torch.softmax(s, dim=-1)
            a = torch.nan_to_num(a) * mask                            # query masking
            outs.append(a @ V[..., sl])
        x = torch.cat(outs, dim=-1) + q_in                            # residual: the normalised queries
        f_in = ln(x, p[f"ln2w{b}"], p[f"ln2b{b}"])
        f = F.linear(F.relu(F.linear(f_in, p[f"W1{b}"], p[f"b1{b}"])), p[f"W2{b}"], p[f"b2{b}"])
        x = (f + f_in) * mask
    return ln(x, p["lnw"], p["lnb"])


def torch_loss(p, h, tgts=TGTS, negs=NEGS):
    pos, neg = torch.tensor(tgts), torch.tensor(negs)
    zp = (h * F.embedding(pos, p["E"])).sum(-1)
    zn = (h * F.embedding(neg, p["E"])).sum(-1)
    target = (pos != 0).to(torch.float64)
    return ((-F.logsigmoid(zp) - F.logsigmoid(-zn)) * target).sum() / target.sum()


def rel(a, b):
    return float(np.max(np.abs(a - b)) / np.max(np.abs(b)))


# the same bytes for the same seed
same = scalar(f"SELECT {FIT} = {FIT}")
checks.check("the same seed gives the same model bytes", same == "t")

loss, hidden, grad, w = ours(SEQS)
p = unflatten(w)
h = torch_forward(p, SEQS)
tl = torch_loss(p, h)
tl.backward()
tgrad = np.concatenate([p[k].grad.numpy().ravel() for k in p])
real = np.array(SEQS) != 0
e_h = rel(hidden[real], h.detach().numpy()[real])
e_l = abs(loss - tl.item()) / abs(tl.item())
e_g = rel(grad, tgrad)
checks.check("hidden states (float64) within 1e-5", e_h <= 1e-5, f"{e_h:.2e}")
checks.check("loss within 1e-5", e_l <= 1e-5, f"{e_l:.2e}, loss {tl.item():.6f}")
checks.check("gradient of every weight within 1e-4", e_g <= 1e-4, f"{e_g:.2e} over {len(tgrad)} weights")

# causal mask: the last item changed; positions 0..4 unchanged on both sides
other = [row[:] for row in SEQS]
other[1][5] = 11
_, hidden2, _, _ = ours(other)
h2 = torch_forward(p, other).detach().numpy()
checks.check("causal: a later item changes no earlier position (ours)",
             np.array_equal(hidden[:, :5], hidden2[:, :5]) and not np.array_equal(hidden[1, 5], hidden2[1, 5]))
checks.check("causal: the same in torch, and ours equals torch there",
             np.allclose(h.detach().numpy()[:, :5], h2[:, :5], rtol=0, atol=1e-12)
             and rel(hidden2[real], h2[real]) <= 1e-5, f"{rel(hidden2[real], h2[real]):.2e}")

# a failing comparison is caught: a 1% change of one weight on the torch side
w1 = w.copy()
w1[(ITEMS + 1) * D + L * D + 2 * D] *= 1.01     # a query weight of block 1
p1 = unflatten(w1)
e_h1 = rel(hidden[real], torch_forward(p1, SEQS).detach().numpy()[real])
checks.check("a perturbed weight is detected", e_h1 > 1e-5, f"{e_h1:.2e}")

checks.report()
