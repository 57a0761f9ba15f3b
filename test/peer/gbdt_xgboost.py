"""Peer test of insight's gradient-boosted trees against python3-xgboost
(Debian 12's XGBoost 1.7.4, the library insight links: the same code, so the
values must agree to float4 rounding, here 1e-6).

On a fixed data set (seeded NumPy generator, missing values included):
  - insight_gbdt_fit and xgboost.train with the same parameters and one
    thread give the same predictions and the same SHAP values (pred_contribs)
    for every row, binary (subsample, colsample_bytree, seed, early stopping
    on the last rows) and regression;
  - the model of insight_gbdt_export (UBJ and JSON) loads in xgboost.Booster
    and predicts what insight predicts.
On the Online Retail churn windows (insight_churn_training_rows at the
cutoffs insight_train_churn uses): the GBDT's out-of-time AUC, printed next to
recency alone, equal to roc_auc_score over xgboost.train's predictions.
"""
import csv
import json
import os
import sys

import numpy as np
import xgboost as xgb
from sklearn.metrics import roc_auc_score

sys.path.insert(0, os.path.dirname(__file__))
from pgquery import Checks, query, scalar  # noqa: E402

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
    contribs = bst.predict(d, pred_contribs=True)
    checks.check(f"{name}: {info['rounds']} rounds kept of {info['rounds_trained']}, as xgboost.train",
                 info["rounds"] == bst.num_boosted_rounds(), f"xgboost {bst.num_boosted_rounds()}")
    diff = np.abs(ours - theirs).max()
    checks.check(f"{name}: predictions of {len(y)} rows equal xgboost's within {TOL}", diff <= TOL,
                 f"max difference {diff:.2e}")
    diff = np.abs(margin - bst.predict(d, output_margin=True)).max()
    checks.check(f"{name}: margins equal xgboost's within {TOL}", diff <= TOL, f"max difference {diff:.2e}")
    diff = np.abs(shap - contribs).max()
    checks.check(f"{name}: SHAP values (pred_contribs) equal xgboost's within {TOL}", diff <= TOL,
                 f"max difference {diff:.2e}")
    gap = np.abs(shap.sum(axis=1) - margin).max()
    checks.check(f"{name}: bias + sum of SHAP = margin within 1e-5 (float4 sums)", gap <= 1e-5,
                 f"max gap {gap:.2e}")
    # the gap is XGBoost's own float32 arithmetic: its Python API shows the same
    gap_theirs = np.abs(contribs.astype(np.float64).sum(axis=1)
                        - bst.predict(d, output_margin=True).astype(np.float64)).max()
    checks.check(f"{name}: that gap is xgboost's own ({gap_theirs:.2e} in Python)",
                 abs(gap - gap_theirs) <= 1e-6, f"ours {gap:.2e}")

    for fmt in ("ubj", "json"):
        raw = bytes.fromhex(scalar(f"SELECT encode(insight_gbdt_export(m, '{fmt}'), 'hex') FROM gbdt_peer_model"))
        exported = xgb.Booster(model_file=bytearray(raw))
        exported.set_param({"nthread": 1})
        diff = np.abs(exported.predict(d) - ours).max()
        checks.check(f"{name}: the {fmt.upper()} export loads in xgboost.Booster and predicts the same",
                     diff <= TOL, f"max difference {diff:.2e}")
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

# --- Online Retail churn windows, as insight_train_churn builds them -------
horizon = "90 days"
c_test = scalar(f"SELECT insight_default_as_of() - interval '{horizon}'")
c_train = scalar(f"SELECT timestamptz '{c_test}' - interval '{horizon}'")
params = {"rounds": 300, "max_depth": 3, "eta": 0.05, "subsample": 0.8, "colsample_bytree": 0.8, "seed": 1,
          "min_child_weight": 5, "early_stopping_rounds": 30, "validation_fraction": 0.2}
train_sql = (f"SELECT features, churned FROM insight_churn_training_rows('{c_train}', '{horizon}') "
             f"ORDER BY md5(customer_id)")
rows = query(f"SET client_min_messages = warning; "
             f"WITH m AS (SELECT insight_gbdt_fit($q${train_sql}$q$, '{json.dumps(params)}') AS m) "
             f"SELECT insight_gbdt_predict(m.m, r.features), r.recency_days, r.churned "
             f"FROM m, insight_churn_training_rows('{c_test}', '{horizon}') r ORDER BY r.customer_id")
p_ours = np.array([float(r[0]) for r in rows])
rec = np.array([float(r[1]) for r in rows])
y_test = np.array([r[2] == "t" for r in rows], dtype=int)
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
checks.report()
