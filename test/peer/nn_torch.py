"""Peer test of insight's neural-network core against PyTorch (Debian's
python3-torch, test-time only).

For each case (an architecture, a loss, an optimiser) on seeded NumPy data:
the same initial weights (drawn here) and the same batches (consecutive
blocks of batch_size rows, taken in turn) go to insight_nn_diagnose and to
an equivalent torch.nn module, and must give
  - the same loss and gradient at the initial weights (step 0), and the
    same loss at each of the 100 optimiser steps: 1e-5 relative;
  - the same weights after 100 Adam / AdamW steps: 1e-4 relative.
"Relative" is per tensor: max |ours - torch| / max |torch| (the largest
deviation against the tensor's scale, so that a gradient element near zero
does not make the ratio meaningless).  Both sides run in double precision
(dtype float8, torch.float64); the float32 core (dtype float4, the one
insight_mlp_fit trains with) is compared with torch.float32 at step 0 to
1e-4 (float32 rounding).

Layers covered: linear, relu, gelu, layernorm, residual, embedding (dropout
is random on both sides, so it is checked by the finite-difference tests of
sql/43_nn.sql instead); losses binary, mse, softmax, ziln (the
zero-inflated lognormal of google/lifetime_value, written here in torch).
"""
import math
import os
import sys

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(__file__))
from pgquery import Checks, query  # noqa: E402

torch.set_num_threads(1)
checks = Checks("nn_torch")
STEPS = 100


def sql_array(a):
    if a.ndim == 1:
        return "'{" + ",".join(repr(float(v)) for v in a) + "}'::float8[]"
    return "'{" + ",".join("{" + ",".join(repr(float(v)) for v in row) + "}" for row in a) + "}'::float8[]"


def floats(text):
    return np.array([float(v) for v in text.strip("{}").split(",")])


class Net(torch.nn.Module):
    """The network of an insight layer string (src/nn/nn.h)."""

    def __init__(self, spec, inputs, dtype):
        super().__init__()
        self.kinds = []
        self.mods = torch.nn.ModuleList()
        w = inputs
        for tok in spec.split(","):
            parts = tok.split(":")
            kind = parts[0]
            mod = torch.nn.Identity()
            arg = None
            if kind == "linear":
                mod = torch.nn.Linear(w, int(parts[1]), dtype=dtype)
                w = int(parts[1])
            elif kind == "embedding":
                mod = torch.nn.Embedding(int(parts[1]), int(parts[2]), dtype=dtype)
                arg = w
                w = w * int(parts[2])
            elif kind == "layernorm":
                mod = torch.nn.LayerNorm(w, eps=1e-5, dtype=dtype)
            elif kind == "residual":
                arg = int(parts[1])
            self.kinds.append((kind, arg))
            self.mods.append(mod)

    def forward(self, x):
        acts = [x]
        for (kind, arg), mod in zip(self.kinds, self.mods):
            a = acts[-1]
            if kind == "relu":
                a = F.relu(a)
            elif kind == "gelu":
                a = F.gelu(a)
            elif kind == "residual":
                a = a + acts[arg]
            elif kind == "embedding":
                a = mod(a.long()).reshape(a.shape[0], -1)
            else:
                a = mod(a)
            acts.append(a)
        return acts[-1]


def torch_loss(name, z, y):
    if name == "binary":
        return F.binary_cross_entropy_with_logits(z[:, 0], y)
    if name == "mse":
        return F.mse_loss(z[:, 0], y)
    if name == "softmax":
        return F.cross_entropy(z, y.long())
    # ziln: google/lifetime_value zero_inflated_lognormal_loss
    pos = (y > 0).to(z.dtype)
    cls = F.binary_cross_entropy_with_logits(z[:, 0], pos, reduction="none")
    scale = torch.clamp(F.softplus(z[:, 2]), min=math.sqrt(1e-7))
    safe = pos * y + (1 - pos)
    logp = torch.distributions.LogNormal(z[:, 1], scale).log_prob(safe)
    return (cls - pos * logp).mean()


def flat(tensors):
    return np.concatenate([t.detach().double().numpy().ravel() for t in tensors])


def rel(ours, theirs):
    return float(np.max(np.abs(ours - theirs)) / max(np.max(np.abs(theirs)), 1e-300))


def run_torch(spec, loss, X, Y, w0, batch, optimizer, lr, wd, dtype, steps):
    net = Net(spec, X.shape[1], dtype)
    with torch.no_grad():
        at = 0
        for p in net.parameters():
            n = p.numel()
            p.copy_(torch.tensor(w0[at:at + n], dtype=dtype).reshape(p.shape))
            at += n
    opt_cls = torch.optim.AdamW if optimizer == "adamw" else torch.optim.Adam
    opt = opt_cls(net.parameters(), lr=lr, weight_decay=wd)
    xt = torch.tensor(X, dtype=dtype)
    yt = torch.tensor(Y, dtype=dtype)
    losses, grad0 = [], None
    for s in range(max(steps, 1)):
        first = (s * batch) % len(Y)
        opt.zero_grad()
        value = torch_loss(loss, net(xt[first:first + batch]), yt[first:first + batch])
        value.backward()
        losses.append(float(value))
        if grad0 is None:
            grad0 = flat(p.grad for p in net.parameters())
        if steps > 0:
            opt.step()
    return np.array(losses), grad0, flat(net.parameters())


def run_ours(spec, loss, X, Y, w0, batch, optimizer, lr, wd, dtype, steps):
    rows = query(f"SELECT loss, gradient, weights FROM insight_nn_diagnose('{spec}', '{loss}', "
                 f"{sql_array(X)}, {sql_array(Y)}, {sql_array(w0)}, steps => {steps}, batch_size => {batch}, "
                 f"optimizer => '{optimizer}', learning_rate => {lr}, weight_decay => {wd}, dtype => '{dtype}') "
                 f"ORDER BY step")
    return np.array([float(r[0]) for r in rows]), floats(rows[0][1]), floats(rows[-1][2])


def nparams(spec, X, Y, loss):
    return len(floats(query(f"SELECT weights FROM insight_nn_diagnose('{spec}', '{loss}', "
                            f"{sql_array(X)}, {sql_array(Y)})")[0][0]))


rng = np.random.default_rng(20240614)
N, D = 32, 5
X = rng.normal(size=(N, D))
IDS = rng.integers(0, 7, size=(N, 3)).astype(float)
targets = {
    "binary": (rng.random(N) < 0.4).astype(float),
    "mse": rng.normal(size=N) * 2 + 1,
    "softmax": rng.integers(0, 3, size=N).astype(float),
    "ziln": np.where(rng.random(N) < 0.5, 0.0, np.exp(rng.normal(size=N))),
}
CASES = [
    # name, layers, loss, inputs, optimizer, learning rate, weight decay
    ("mlp binary adam", "linear:16,relu,linear:8,relu,linear:1", "binary", X, "adam", 0.01, 0.0),
    ("gelu mse adam+l2", "linear:12,gelu,linear:1", "mse", X, "adam", 0.005, 0.01),
    ("layernorm residual softmax adamw", "linear:8,layernorm,gelu,linear:8,residual:2,relu,linear:3",
     "softmax", X, "adamw", 0.01, 0.05),
    ("ziln adamw", "linear:16,relu,linear:3", "ziln", X, "adamw", 0.003, 0.01),
    ("embedding binary adam", "embedding:7:4,linear:8,relu,linear:1", "binary", IDS, "adam", 0.01, 0.0),
]

for name, spec, loss, inputs, optimizer, lr, wd in CASES:
    Y = targets[loss]
    w0 = rng.normal(size=nparams(spec, inputs, Y, loss)) * 0.5
    batch = 8
    ours = run_ours(spec, loss, inputs, Y, w0, batch, optimizer, lr, wd, "float8", STEPS)
    theirs = run_torch(spec, loss, inputs, Y, w0, batch, optimizer, lr, wd, torch.float64, STEPS)
    e_loss0 = abs(ours[0][0] - theirs[0][0]) / abs(theirs[0][0])
    e_grad = rel(ours[1], theirs[1])
    e_losses = rel(ours[0], theirs[0])
    e_w = rel(ours[2], theirs[2])
    checks.check(f"{name}: step-0 loss (float64) within 1e-5", e_loss0 <= 1e-5, f"{e_loss0:.2e}, loss {theirs[0][0]:.6f}")
    checks.check(f"{name}: step-0 gradient (float64) within 1e-5", e_grad <= 1e-5, f"{e_grad:.2e}")
    checks.check(f"{name}: losses of {STEPS} steps within 1e-5", e_losses <= 1e-5,
                 f"{e_losses:.2e}, loss {theirs[0][0]:.4f} -> {theirs[0][-1]:.4f}")
    checks.check(f"{name}: weights after {STEPS} {optimizer} steps within 1e-4", e_w <= 1e-4, f"{e_w:.2e}")
    o32 = run_ours(spec, loss, inputs, Y, w0, batch, optimizer, lr, wd, "float4", 0)
    t32 = run_torch(spec, loss, inputs, Y, w0, batch, optimizer, lr, wd, torch.float32, 0)
    e32 = max(abs(o32[0][0] - t32[0][0]) / abs(t32[0][0]), rel(o32[1], t32[1]))
    checks.check(f"{name}: step-0 loss and gradient (float32) within 1e-4", e32 <= 1e-4, f"{e32:.2e}")

# A failing comparison is caught: a 1% change of one initial weight on our side
spec, loss = CASES[0][1], CASES[0][2]
Y = targets[loss]
w0 = rng.normal(size=nparams(spec, X, Y, loss)) * 0.5
w1 = w0.copy()
w1[0] *= 1.01
ours = run_ours(spec, loss, X, Y, w1, 8, "adam", 0.01, 0.0, "float8", 0)
theirs = run_torch(spec, loss, X, Y, w0, 8, "adam", 0.01, 0.0, torch.float64, 0)
checks.check("a perturbed weight is detected", rel(ours[1], theirs[1]) > 1e-5, f"{rel(ours[1], theirs[1]):.2e}")

checks.report()
