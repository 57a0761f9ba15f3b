"""Peer test of insight's gradient-boosted trees against python3-xgboost
(Debian 12's XGBoost 1.7.4, the library insight trains with).

insight trains with XGBoost but predicts and explains by walking the trees
itself in double precision (src/models/trees/gbdt_trees.h); XGBoost predicts
and computes SHAP values in float32.  On a fixed data set (seeded NumPy
generator, missing values included), for a binary model (subsample,
colsample_bytree, seed, early stopping on the last rows) and a regression:
  - insight_gbdt_fit and xgboost.train with the same parameters and one
    thread keep the same number of rounds and give the same predictions
    (probabilities, values) within 1e-6;
  - insight's margin equals an independent double sum: the leaf each row
    reaches in each tree by xgboost's pred_leaf, its value read from the JSON
    model (split_conditions) as float32, plus the base margin, summed in
    float64 by NumPy, within 1e-9; xgboost's own float32 margin is reported
    next to it;
  - each SHAP value equals xgboost's pred_contribs within 1e-6 (the
    difference is xgboost's float32 arithmetic: printed);
  - insight's bias + sum of SHAP values equals its margin within 1e-6 for
    every row, with xgboost's own float32 gap printed next to it;
  - the model of insight_gbdt_export (UBJ and JSON) loads in xgboost.Booster
    and predicts what insight predicts.
Forged models: XGBoost's model inside an insight model replaced by one that
xgboost.Booster loads without complaint but whose trees are broken (a node
its own child, which XGBoost's predictor would walk forever; a split on a
feature the model does not have; two parents for one node; a cover of 0),
the checksum recomputed: insight rejects each with XX001 and its reason, and
the same procedure on the intact tree gives a model that predicts as the
original.
On the Online Retail churn windows (insight_churn_training_rows at the
cutoffs insight_train_churn uses): the GBDT's out-of-time AUC, printed next to
recency alone, equal to roc_auc_score over xgboost.train's predictions, and
the same margin and SHAP checks on the test window.
"""
import csv
import json
import math
import os
import subprocess
import sys

import numpy as np
import xgboost as xgb
from sklearn.metrics import roc_auc_score

sys.path.insert(0, os.path.dirname(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "fuzz"))
from pgquery import Checks, query, scalar  # noqa: E402
from sql_fuzz import reseal  # noqa: E402

checks = Checks("gbdt_xgboost")
csv.field_size_limit(sys.maxsize)  # exported models are read as one hex field
TOL = 1e-6


def floats(text):
    return np.array([np.nan if v == "NULL" else float(v) for v in text.strip("{}").split(",")])


def sql_array(row):
    return "ARRAY[" + ",".join("NULL" if np.isnan(v) else repr(float(v)) for v in row) + "]::float8[]"


def xgb_params(p, objective):
    """insight's params as xgboost.train takes them (nthread 1, as insight)."""
    out = {"objective": objective, "eval_metric": "logloss" if objective.startswith("binary") else "rmse",
           "nthread": 1, "tree_method": p.get("tree_method", "hist")}
    for key in ("max_depth", "eta", "subsample", "colsample_bytree", "seed", "min_child_weight",
                "lambda", "alpha", "max_bin"):
        if key in p:
            out[key] = p[key]
    return out


def xgb_train(X, y, p, objective):
    """xgboost.train as insight trains: the last validation_fraction rows validate."""
    n = len(y)
    nvalid = int(np.floor(p.get("validation_fraction", 0.2 if p.get("early_stopping_rounds") else 0) * n))
    dtrain = xgb.DMatrix(X[:n - nvalid], label=y[:n - nvalid], missing=np.nan)
    evals = [(dtrain, "train")]
    if nvalid:
        evals.append((xgb.DMatrix(X[n - nvalid:], label=y[n - nvalid:], missing=np.nan), "valid"))
    es = p.get("early_stopping_rounds")
    callbacks = [xgb.callback.EarlyStopping(rounds=es, save_best=True)] if es else None
    return xgb.train(xgb_params(p, objective), dtrain, num_boost_round=p.get("rounds", 100),
                     evals=evals, callbacks=callbacks, verbose_eval=False)


def exact_margin(booster, d):
    """The margin as an exact double sum: the leaf that xgboost's pred_leaf
    says each row reaches in each tree, its float32 value from the JSON model,
    plus the base margin (ProbToMargin of base_score, in float32 as xgboost)."""
    model = json.loads(booster.save_raw("json"))["learner"]
    objective = model["objective"]["name"]
    base = np.float32(model["learner_model_param"]["base_score"])
    if objective == "binary:logistic":
        base = -np.log(np.float32(1) / base - np.float32(1), dtype=np.float32)
    leaves = booster.predict(d, pred_leaf=True).astype(int)
    leaves = leaves.reshape(leaves.shape[0], -1)
    values = [np.array(t["split_conditions"], dtype=np.float32).astype(np.float64)
              for t in model["gradient_booster"]["model"]["trees"]]
    total = np.full(leaves.shape[0], float(base))
    for t, v in enumerate(values):
        total += v[leaves[:, t]]
    return total


def shapley_by_definition(booster, X):
    """SHAP values by their definition, in float64, independently of any
    TreeSHAP code: for every subset S of the features, v(S) is the
    path-dependent expectation of the margin given x_S (Lundberg, Erion & Lee
    2018, Algorithm 1: a split on a feature of S follows x, any other split
    weighs both children by their covers), and phi_i is the Shapley sum over
    the subsets without i.  2^M subsets: for a handful of features only."""
    model = json.loads(booster.save_raw("json"))["learner"]
    n, m = X.shape
    x32 = X.astype(np.float32)
    v = np.zeros((1 << m, n))
    for t in model["gradient_booster"]["model"]["trees"]:
        left, right = np.array(t["left_children"]), np.array(t["right_children"])
        feat, dleft = np.array(t["split_indices"]), np.array(t["default_left"], dtype=bool)
        cond = np.array(t["split_conditions"], dtype=np.float32)
        cover = np.array(t["sum_hessian"], dtype=np.float32).astype(np.float64)
        goes_left = {}
        for j in range(len(left)):
            if left[j] >= 0:
                col = x32[:, feat[j]]
                goes_left[j] = np.where(np.isnan(col), dleft[j], col < cond[j])
        for subset in range(1 << m):
            w = np.zeros((len(left), n))
            w[0] = 1.0
            for j in range(len(left)):      # children come after their parent
                if left[j] < 0:
                    v[subset] += w[j] * np.float64(cond[j])
                elif subset >> feat[j] & 1:
                    w[left[j]] += w[j] * goes_left[j]
                    w[right[j]] += w[j] * ~goes_left[j]
                else:
                    w[left[j]] += w[j] * (cover[left[j]] / cover[j])
                    w[right[j]] += w[j] * (cover[right[j]] / cover[j])
    phi = np.zeros((n, m + 1))
    for i in range(m):
        for subset in range(1 << m):
            if not subset >> i & 1:
                k = bin(subset).count("1")
                weight = math.factorial(k) * math.factorial(m - k - 1) / math.factorial(m)
                phi[:, i] += weight * (v[subset | 1 << i] - v[subset])
    base = np.float32(model["learner_model_param"]["base_score"])
    if model["objective"]["name"] == "binary:logistic":
        base = -np.log(np.float32(1) / base - np.float32(1), dtype=np.float32)
    phi[:, m] = float(base) + v[0]
    return phi


def shap_checks(name, margin, shap, bst, d, exported, X=None):
    """Margin, SHAP and their sum against xgboost's (see the docstring)."""
    exact = exact_margin(exported, d)
    diff = np.abs(margin - exact).max()
    checks.check(f"{name}: margins equal the double sum of the leaves xgboost's pred_leaf reaches within 1e-9",
                 diff <= 1e-9, f"max difference {diff:.2e}")
    xgb_margin = bst.predict(d, output_margin=True).astype(np.float64)
    diff_xgb = np.abs(xgb_margin - exact).max()
    checks.check(f"{name}: xgboost's float32 margin is that sum to {diff_xgb:.2e} (reported; within 1e-5)",
                 diff_xgb <= 1e-5, f"ours {np.abs(margin - xgb_margin).max():.2e} from xgboost's")
    contribs = bst.predict(d, pred_contribs=True).astype(np.float64)
    diff = np.abs(shap - contribs).max()
    if X is None:
        checks.check(f"{name}: SHAP values equal xgboost's pred_contribs within {TOL}", diff <= TOL,
                     f"max difference {diff:.2e}")
    else:
        # xgboost's float32 SHAP values can miss by more than 1e-6: measured
        # against the definition, in float64, which insight's must meet
        exact = shapley_by_definition(exported, X)
        diff_def = np.abs(shap - exact).max()
        diff_xgb = np.abs(contribs - exact).max()
        checks.check(f"{name}: SHAP values equal the Shapley values by definition (float64) within 1e-9",
                     diff_def <= 1e-9, f"max difference {diff_def:.2e}")
        checks.check(f"{name}: xgboost's float32 pred_contribs are those to {diff_xgb:.2e}, "
                     f"insight's to {diff:.2e} from xgboost's (reported; within 1e-5)",
                     diff_xgb <= 1e-5 and diff <= 1e-5, f"max difference {diff:.2e}")
    gap = np.abs(shap.sum(axis=1) - margin).max()
    gap_theirs = np.abs(contribs.sum(axis=1) - xgb_margin).max()
    checks.check(f"{name}: bias + sum of SHAP = margin within {TOL} for every row "
                 f"(insight {gap:.1e}; xgboost's float32 {gap_theirs:.1e})",
                 gap <= TOL, f"max gap {gap:.2e}")


def export(fmt, table="gbdt_peer_model"):
    raw = bytes.fromhex(scalar(f"SELECT encode(insight_gbdt_export(m, '{fmt}'), 'hex') FROM {table}"))
    exported = xgb.Booster(model_file=bytearray(raw))
    exported.set_param({"nthread": 1})
    return exported


def compare(name, table, target, X, y, p, objective):
    pj = json.dumps(p)
    query(f"SET client_min_messages = warning; DROP TABLE IF EXISTS gbdt_peer_model; "
          f"CREATE TABLE gbdt_peer_model AS SELECT insight_gbdt_fit('SELECT f, {target} FROM {table} ORDER BY id', '{pj}') AS m")
    rows = query(f"SELECT insight_gbdt_predict(m, f), insight_gbdt_predict(m, f, true), insight_gbdt_explain(m, f) "
                 f"FROM gbdt_peer_model, {table} ORDER BY id")
    ours = np.array([float(r[0]) for r in rows])
    margin = np.array([float(r[1]) for r in rows])
    shap = np.array([floats(r[2]) for r in rows])
    info = json.loads(scalar("SELECT insight_model_info(m) FROM gbdt_peer_model"))

    bst = xgb_train(X, y, p, objective)
    d = xgb.DMatrix(X, missing=np.nan)
    theirs = bst.predict(d)
    checks.check(f"{name}: {info['rounds']} rounds kept of {info['rounds_trained']}, as xgboost.train",
                 info["rounds"] == bst.num_boosted_rounds(), f"xgboost {bst.num_boosted_rounds()}")
    diff = np.abs(ours - theirs).max()
    if objective.startswith("binary"):
        checks.check(f"{name}: probabilities of {len(y)} rows equal xgboost's within {TOL}", diff <= TOL,
                     f"max difference {diff:.2e}")
    else:
        # the value is the margin: insight's is the exact double sum (below),
        # xgboost's a float32 sum of the same leaves
        checks.check(f"{name}: values of {len(y)} rows equal xgboost's float32 ones to {diff:.2e} "
                     f"(reported; within 1e-5)", diff <= 1e-5, f"max difference {diff:.2e}")
    shap_checks(name, margin, shap, bst, d, export("json"), X)

    for fmt in ("ubj", "json"):
        diff = np.abs(export(fmt).predict(d) - theirs).max()
        checks.check(f"{name}: the {fmt.upper()} export loads in xgboost.Booster and predicts as xgboost.train's",
                     diff == 0, f"max difference {diff:.2e}")
    return info


# --- a fixed data set: 2000 rows, 5 features, 3% missing -------------------
rng = np.random.default_rng(17)
n = 2000
X = rng.normal(size=(n, 5))
X[:, 3] = np.round(X[:, 3] * 3)                       # a discrete feature
X[rng.random(size=(n, 5)) < 0.03] = np.nan
logit = 1.5 * np.nan_to_num(X[:, 0]) - np.nan_to_num(X[:, 1]) ** 2 + 0.5 * np.nan_to_num(X[:, 3]) \
    + rng.normal(scale=0.5, size=n)
yb = (logit > 0).astype(float)
yr = 2 * np.nan_to_num(X[:, 0]) + np.sin(3 * np.nan_to_num(X[:, 2])) + rng.normal(scale=0.1, size=n)
query("DROP TABLE IF EXISTS gbdt_peer; CREATE TABLE gbdt_peer (id int, f float8[], y boolean, v float8)")
for start in range(0, n, 500):
    values = ",".join(f"({i}, {sql_array(X[i])}, {bool(yb[i])}, {yr[i]!r})" for i in range(start, min(n, start + 500)))
    query(f"INSERT INTO gbdt_peer VALUES {values}")

compare("binary", "gbdt_peer", "y", X, yb,
        {"rounds": 200, "max_depth": 4, "eta": 0.3, "subsample": 0.8, "colsample_bytree": 0.8, "seed": 7,
         "min_child_weight": 2, "lambda": 2, "alpha": 0.1, "early_stopping_rounds": 8,
         "validation_fraction": 0.25}, "binary:logistic")
compare("regression", "gbdt_peer", "v", X, yr,
        {"rounds": 40, "max_depth": 5, "eta": 0.3, "tree_method": "exact"}, "reg:squarederror")
query("DROP TABLE gbdt_peer, gbdt_peer_model")

# --- forged models: a broken tree inside a valid checksum ----------------
def forge(model, tree_json):
    """The insight model with XGBoost's model replaced (layout in
    src/models/trees/gbdt_format.h; a model without feature names: the
    booster's length follows 152 bytes of fixed fields) and resealed."""
    assert int.from_bytes(model[28:32], "little") == 0, "a model without feature names"
    ubj = xgb.Booster(model_file=bytearray(json.dumps(tree_json).encode())).save_raw("ubj")
    payload = model[48:48 + 152] + len(ubj).to_bytes(8, "little") + bytes(ubj)
    header = model[:32] + len(payload).to_bytes(8, "little") + model[40:48]
    return reseal(header + payload)


def predict_forged(model):
    """(ok, output) of insight_gbdt_predict on a model given as bytes."""
    run = subprocess.run(["psql", "-X", "-q", "-At", "-v", "VERBOSITY=verbose", "-c",
                          f"SELECT insight_gbdt_predict('\\x{model.hex()}'::bytea, '{{1.5,-0.5,0.25}}')"],
                         capture_output=True, text=True)
    return run.returncode == 0, (run.stdout + run.stderr).strip()


query("SET client_min_messages = warning; DROP TABLE IF EXISTS gbdt_peer_model; "
      "CREATE TABLE gbdt_peer_model AS SELECT insight_gbdt_fit($q$SELECT ARRAY[i % 7, i % 5, i % 3]::float8[], "
      "(i % 7) + (i % 5) > 5 FROM generate_series(1, 300) i$q$, '{\"rounds\": 3, \"max_depth\": 2}') AS m")
original = bytes.fromhex(scalar("SELECT encode(m, 'hex') FROM gbdt_peer_model"))
expected = float(scalar("SELECT insight_gbdt_predict(m, '{1.5,-0.5,0.25}') FROM gbdt_peer_model"))
doc = json.loads(bytes.fromhex(scalar("SELECT encode(insight_gbdt_export(m, 'json'), 'hex') FROM gbdt_peer_model")))
ok, out = predict_forged(forge(original, doc))
checks.check("forged: the intact tree rebuilt and resealed predicts as the original",
             ok and abs(float(out) - expected) < 1e-15, out)


def broken(change):
    d = json.loads(json.dumps(doc))
    change(d["learner"]["gradient_booster"]["model"]["trees"][1])
    return d


def self_child(t):
    t["left_children"][0] = 0


def far_feature(t):
    t["split_indices"][0] = 99


def two_parents(t):
    t["right_children"][0] = t["left_children"][0]


def zero_cover(t):
    t["sum_hessian"][0] = 0.0


for label, change, reason in (("a node its own child", self_child, "has children 0 and"),
                              ("a split on feature 99 of 3", far_feature, "splits on feature 99 of 3"),
                              ("two parents of one node", two_parents, "has children"),
                              ("a split with a cover of 0", zero_cover, "splits with a cover of 0")):
    ok, out = predict_forged(forge(original, broken(change)))
    detail = [line for line in out.splitlines() if line.startswith("DETAIL")]
    checks.check(f"forged: {label}: XX001 with its reason", not ok and "XX001" in out and reason in out,
                 detail[0] if detail else out or "no output")
checks.check("forged: the server still answers", scalar("SELECT 1") == "1")
query("DROP TABLE gbdt_peer_model")

# --- Online Retail churn windows, as insight_train_churn builds them -------
horizon = "90 days"
c_test = scalar(f"SELECT insight_default_as_of() - interval '{horizon}'")
c_train = scalar(f"SELECT timestamptz '{c_test}' - interval '{horizon}'")
params = {"rounds": 300, "max_depth": 3, "eta": 0.05, "subsample": 0.8, "colsample_bytree": 0.8, "seed": 1,
          "min_child_weight": 5, "early_stopping_rounds": 30, "validation_fraction": 0.2}
train_sql = (f"SELECT features, churned FROM insight_churn_training_rows('{c_train}', '{horizon}') "
             f"ORDER BY md5(customer_id)")
rows = query(f"SET client_min_messages = warning; DROP TABLE IF EXISTS gbdt_peer_churn; "
             f"CREATE TABLE gbdt_peer_churn AS SELECT insight_gbdt_fit($q${train_sql}$q$, '{json.dumps(params)}') AS m; "
             f"SELECT insight_gbdt_predict(m.m, r.features), r.recency_days, r.churned, "
             f"insight_gbdt_predict(m.m, r.features, true), insight_gbdt_explain(m.m, r.features) "
             f"FROM gbdt_peer_churn m, insight_churn_training_rows('{c_test}', '{horizon}') r ORDER BY r.customer_id")
p_ours = np.array([float(r[0]) for r in rows])
rec = np.array([float(r[1]) for r in rows])
y_test = np.array([r[2] == "t" for r in rows], dtype=int)
m_ours = np.array([float(r[3]) for r in rows])
shap_ours = np.array([floats(r[4]) for r in rows])
auc = roc_auc_score(y_test, p_ours)
auc_rec = roc_auc_score(y_test, rec)
train = query(train_sql)
X_tr = np.array([floats(r[0]) for r in train])
y_tr = np.array([r[1] == "t" for r in train], dtype=float)
test = query(f"SELECT features FROM insight_churn_training_rows('{c_test}', '{horizon}') ORDER BY customer_id")
bst = xgb_train(X_tr, y_tr, params, "binary:logistic")
p_xgb = bst.predict(xgb.DMatrix(np.array([floats(r[0]) for r in test]), missing=np.nan))
print(f"Online Retail churn, horizon {horizon}: train cutoff {c_train} ({len(y_tr)} rows), "
      f"test cutoff {c_test} ({len(y_test)} rows): GBDT out-of-time AUC {auc:.4f} "
      f"({bst.num_boosted_rounds()} rounds), recency alone {auc_rec:.4f}")
checks.check("churn: insight's GBDT scores equal xgboost.train's on the test window",
             np.abs(p_ours - p_xgb).max() <= TOL, f"max difference {np.abs(p_ours - p_xgb).max():.2e}")
checks.check("churn: GBDT out-of-time AUC above recency alone", auc > auc_rec, f"{auc:.4f} vs {auc_rec:.4f}")
shap_checks(f"churn ({len(y_test)} test rows)", m_ours, shap_ours, bst,
            xgb.DMatrix(np.array([floats(r[0]) for r in test]), missing=np.nan),
            export("json", "gbdt_peer_churn"))
query("DROP TABLE gbdt_peer_churn")
checks.report()
