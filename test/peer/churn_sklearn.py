"""Peer test of the churn task against scikit-learn (Debian python3-sklearn).

Trains a churn model on Online Retail with insight_train_churn(), exports the
rows it was trained on (insight_churn_training_rows at the stored cutoffs),
and checks:
  - scikit-learn LogisticRegression(C = 1/lambda) on the same rows gives the
    same weights and intercept (1e-4 relative), for the serving model and for
    the evaluation model stored in evaluation_weights;
  - insight_auc equals roc_auc_score on the same scores (1e-9), for the
    evaluation model's out-of-time scores and for the recency baseline.
"""
import json
import os
import sys

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score

sys.path.insert(0, os.path.dirname(__file__))
from pgquery import Checks, query, scalar  # noqa: E402

checks = Checks("churn_sklearn")

model_id = scalar("SET client_min_messages = warning; SELECT insight_train_churn()")
row = query(f"SELECT metrics, params, insight_model_info(weights), "
            f"insight_model_info(evaluation_weights) "
            f"FROM insight_models WHERE model_id = {model_id}")[0]
metrics, params, serve_info, eval_info = (json.loads(v) for v in row)
lam = float(params["lambda"])
horizon = params["horizon"]
print(f"model {model_id}: train cutoff {metrics['train_cutoff']}, test cutoff {metrics['test_cutoff']}, "
      f"lambda {lam}, horizon {horizon}")


def rows_at(cutoff):
    rows = query(f"SELECT features, churned, recency_days FROM insight_churn_training_rows('{cutoff}', '{horizon}')")
    X = np.array([[float(v) for v in r[0].strip("{}").split(",")] for r in rows])
    y = np.array([r[1] == "t" for r in rows], dtype=int)
    return X, y


def compare_fit(name, X, y, info):
    # newton-cholesky is an exact Newton solver, so it reaches the optimum on
    # the raw (unscaled) features; the objective is the same as insight's
    sk = LogisticRegression(C=1.0 / lam, solver="newton-cholesky", tol=1e-12, max_iter=1000).fit(X, y)
    ours = np.array(info["weights"])
    rel = np.abs(ours - sk.coef_[0]) / np.maximum(np.abs(sk.coef_[0]), 1e-300)
    checks.check(f"{name}: {len(y)} rows, as many as insight used", len(y) == info["rows"],
                 f"{info['rows']} in the model")
    checks.check(f"{name}: weights within 1e-4 relative of scikit-learn", rel.max() < 1e-4,
                 f"max relative difference {rel.max():.2e}")
    rel_b = abs(info["intercept"] - sk.intercept_[0]) / abs(sk.intercept_[0])
    checks.check(f"{name}: intercept within 1e-4 relative", rel_b < 1e-4,
                 f"{info['intercept']:.10g} vs {sk.intercept_[0]:.10g}, relative {rel_b:.2e}")


X_train, y_train = rows_at(metrics["train_cutoff"])
X_test, y_test = rows_at(metrics["test_cutoff"])
checks.check("test rows as stored", len(y_test) == metrics["test_rows"])
compare_fit("evaluation model", X_train, y_train, eval_info)
compare_fit("serving model", X_test, y_test, serve_info)

# AUC of the evaluation model's out-of-time scores and of recency
scores = query(f"""SELECT insight_logreg_predict(m.evaluation_weights, r.features),
                          r.recency_days, r.churned
                     FROM insight_models m, insight_churn_training_rows('{metrics["test_cutoff"]}', '{horizon}') r
                    WHERE m.model_id = {model_id}""")
p = np.array([float(r[0]) for r in scores])
rec = np.array([float(r[1]) for r in scores])
y = np.array([r[2] == "t" for r in scores], dtype=int)
auc_sk = roc_auc_score(y, p)
checks.check("stored out-of-time AUC equals roc_auc_score", abs(metrics["auc"] - auc_sk) < 1e-9,
             f"{metrics['auc']:.12f} vs {auc_sk:.12f}")
base_sk = roc_auc_score(y, rec)
checks.check("stored recency AUC equals roc_auc_score", abs(metrics["baseline"]["auc"] - base_sk) < 1e-9,
             f"{metrics['baseline']['auc']:.12f} vs {base_sk:.12f}")
checks.check("the model beats the recency baseline", auc_sk > base_sk, f"{auc_sk:.4f} > {base_sk:.4f}")

# insight_auc over scores exported and re-imported exactly
values = ",".join(f"({s!r}::float8,{bool(t)})" for s, t in zip(p, y))
auc_db = float(scalar(f"SELECT insight_auc(s, l) FROM (VALUES {values}) v(s, l)"))
checks.check("insight_auc equals roc_auc_score on the same scores", abs(auc_db - auc_sk) < 1e-9,
             f"{auc_db:.15f} vs {auc_sk:.15f}")
# with many ties: scores rounded to 2 decimals
pr = np.round(p, 2)
values = ",".join(f"({s!r}::float8,{bool(t)})" for s, t in zip(pr, y))
auc_db = float(scalar(f"SELECT insight_auc(s, l) FROM (VALUES {values}) v(s, l)"))
checks.check("insight_auc equals roc_auc_score with ties", abs(auc_db - roc_auc_score(y, pr)) < 1e-9,
             f"{auc_db:.15f} vs {roc_auc_score(y, pr):.15f}")
checks.report()
