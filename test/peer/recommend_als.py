"""Implicit ALS (insight_als_fit) against an independent numpy computation.

On Online Retail customers below 13000 (text order), checks that
  - the stored item factors are the exact solution of the item half-step
    normal equations of Hu, Koren & Volinsky (2008, eq. 4) given the stored
    user factors (the last half-step of the last iteration);
  - the stored objective equals eq. 3 recomputed densely over all pairs, and
    decreases at every iteration;
  - insight_als_fold_in equals a numpy solve of the user normal equations;
  - insight_recommend_from returns the top x_u . y_i of unseen items and
    insight_similar_items_from the top cosine of item factors;
with solver 'exact'.  The conjugate-gradient solver (the default): with as
many CG steps as factors its item factors also solve the normal equations (CG
converges in f steps), and with 3 steps its stored objective is eq. 3 and falls
at every iteration.
"""
import json
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(__file__))
from pgquery import Checks, query, scalar  # noqa: E402

F, LAM, ALPHA, ITER = 8, 0.5, 5.0, 4
SUB = "SELECT customer_id, item_id, value FROM insight_interactions() WHERE customer_id < ''13000''"
c = Checks("recommend_als")

query("DROP TABLE IF EXISTS peer_als")
query(f"CREATE TABLE peer_als AS SELECT insight_als_fit('{SUB}', factors => {F}, "
      f"regularization => {LAM}, alpha => {ALPHA}, iterations => {ITER}, seed => 11, solver => 'exact') AS m")


def arr(s):
    return np.array([float(v) for v in s.strip("{}").split(",")])


users = query("SELECT user_key, factors FROM peer_als, insight_als_user_factors(m) ORDER BY 1")
items = query("SELECT item_key, factors FROM peer_als, insight_als_item_factors(m) ORDER BY 1")
uidx = {k: n for n, (k, _) in enumerate(users)}
iidx = {k: n for n, (k, _) in enumerate(items)}
X = np.array([arr(f) for _, f in users])
Y = np.array([arr(f) for _, f in items])
R = np.zeros((len(users), len(items)))
for u, i, v in query(SUB.replace("''", "'")):
    R[uidx[u], iidx[i]] += float(v)
c.check("model holds every interaction", int((R > 0).sum()) ==
        int(scalar(f"SELECT count(*) FROM ({SUB.replace(chr(39) * 2, chr(39))}) s")))
C = 1 + ALPHA * R
P = (R > 0).astype(float)



def half_step_gap(X, Y):
    """Largest relative gap of Y to the item half-step's solution given X:
    y_i = (X^T X + X^T (C_i - I) X + lambda I)^-1 X^T C_i p_i."""
    XtX = X.T @ X
    worst = 0.0
    for i in range(len(items)):
        ci = C[:, i]
        A = XtX + X.T @ ((ci - 1)[:, None] * X) + LAM * np.eye(F)
        b = X.T @ (ci * P[:, i])
        y = np.linalg.solve(A, b)
        worst = max(worst, np.max(np.abs(y - Y[i]) / np.maximum(1, np.abs(y))))
    return worst


def check_loss(name, table, X, Y):
    loss = json.loads(scalar(f"SELECT insight_model_info(m) FROM {table}"))["loss"]
    S = X @ Y.T
    dense = float(np.sum(C * (P - S) ** 2) + LAM * (np.sum(X * X) + np.sum(Y * Y)))
    c.check(f"{name}: stored loss equals eq. 3 over all pairs", abs(dense - loss[-1]) <= 1e-8 * dense,
            f"numpy {dense:.10g}, stored {loss[-1]:.10g}")
    c.check(f"{name}: loss decreases every iteration", len(loss) == ITER and all(b < a for a, b in zip(loss, loss[1:])),
            str([round(v, 2) for v in loss]))
    return loss


worst = half_step_gap(X, Y)
c.check("item factors solve the normal equations (Hu et al. eq. 4)", worst < 1e-5, f"max rel diff {worst:.2e}")
exact_loss = check_loss("exact", "peer_als", X, Y)

# the CG solver, from the same start
for steps in (F, 3):
    query("DROP TABLE IF EXISTS peer_als_cg")
    query(f"CREATE TABLE peer_als_cg AS SELECT insight_als_fit('{SUB}', factors => {F}, regularization => {LAM}, "
          f"alpha => {ALPHA}, iterations => {ITER}, seed => 11, solver => 'cg', cg_steps => {steps}) AS m")
    Xc = np.array([arr(f) for _, f in query("SELECT user_key, factors FROM peer_als_cg, insight_als_user_factors(m) ORDER BY 1")])
    Yc = np.array([arr(f) for _, f in query("SELECT item_key, factors FROM peer_als_cg, insight_als_item_factors(m) ORDER BY 1")])
    gap = half_step_gap(Xc, Yc)
    if steps == F:
        # (in floating point CG loses some conjugacy on these ill-conditioned
        # systems, alpha 5: 2e-4 here, against 4e-2 with 3 steps)
        c.check(f"CG with {F} steps (= factors): item factors solve the normal equations", gap < 1e-3,
                f"max rel diff {gap:.2e}")
    else:
        c.check(f"CG with {steps} steps: item factors only approach the half-step's solution", gap > 1e-4,
                f"max rel diff {gap:.2e}")
    cg_loss = check_loss(f"CG {steps} steps", "peer_als_cg", Xc, Yc)
    # after 4 iterations 3 CG steps lag the exact half-steps (7% here); the
    # recommender's offline metrics are compared in 83_recommender_task
    tol = 0.001 if steps == F else 0.1
    c.check(f"CG {steps} steps: final objective at most {tol:.1%} above the exact solver's",
            exact_loss[-1] * (1 - 1e-9) <= cg_loss[-1] <= exact_loss[-1] * (1 + tol),
            f"{cg_loss[-1]:.6g} vs {exact_loss[-1]:.6g}")

# fold-in: a user half-step with the model's item factors
YtY = Y.T @ Y
for u in ["12347", "12360", "12524"]:
    row = R[uidx[u]]
    nz = np.nonzero(row)[0]
    keys = "{" + ",".join(items[i][0] for i in nz) + "}"
    vals = "{" + ",".join(repr(row[i]) for i in nz) + "}"
    got = arr(scalar(f"SELECT insight_als_fold_in(m, '{keys}', '{vals}') FROM peer_als"))
    cu = 1 + ALPHA * row
    A = YtY + Y.T @ ((cu - 1)[:, None] * Y) + LAM * np.eye(F)
    want = np.linalg.solve(A, Y.T @ (cu * (row > 0)))
    d = np.max(np.abs(got - want))
    c.check(f"fold-in of {u} equals a numpy solve", d < 1e-9 * max(1, np.max(np.abs(want))), f"max diff {d:.2e}")

    rec = query(f"SELECT item_key, score FROM peer_als, insight_recommend_from(m, '{u}', 10) ORDER BY rank")
    s = X[uidx[u]] @ Y.T
    s[nz] = -np.inf
    top = np.argsort(-s, kind="stable")[:10]
    c.check(f"recommendations of {u} are the top unseen x.y",
            [k for k, _ in rec] == [items[i][0] for i in top] and
            np.allclose([float(v) for _, v in rec], s[top], rtol=1e-12, atol=1e-12))

norms = np.linalg.norm(Y, axis=1)
i0 = iidx["85123A"]
cos = (Y @ Y[i0]) / (norms * norms[i0])
cos[i0] = -np.inf
top = np.argsort(-cos, kind="stable")[:5]
sim = query("SELECT item_key, score FROM peer_als, insight_similar_items_from(m, '85123A', 5) ORDER BY rank")
c.check("similar items are the top cosine of item factors",
        [k for k, _ in sim] == [items[i][0] for i in top] and
        np.allclose([float(v) for _, v in sim], cos[top], rtol=1e-9))
query("DROP TABLE peer_als, peer_als_cg")
c.report()
