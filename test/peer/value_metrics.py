"""insight_value_metrics against google/lifetime_value's definitions and scipy.

On Online Retail's value rows (insight_value_training_rows at the value
task's test cutoff: each customer's spend in the next 90 days), three
predictors (the past rate continued, a noisy copy of the truth, and a
constant-ish score with ties) are measured by insight and here:
  - normalized Gini: lifetime_value/metrics.py's cumulative_true and
    gini_from_gain (Wang, Liu & Miao 2019, section 4.1), written with numpy:
    the actual values cumulated over customers sorted by prediction (highest
    first), raw Gini = 2 x mean - 1, normalized by the truth's own curve
    (ties in the prediction ordered by lowest actual first, as insight
    documents: pandas' unstable sort leaves them unspecified);
  - Spearman's correlation: scipy.stats.spearmanr (average ranks for ties);
  - decile MAPE: ten equal buckets by prediction (numpy.array_split of the
    ascending order: the first buckets take the remainder, like ntile), the
    mean of |mean predicted - mean actual| / mean actual over the buckets;
  - total error percent and MAE with numpy.
"""
import numpy as np
from scipy.stats import spearmanr

from pgquery import Checks, query

checks = Checks("value_metrics")
TOL = 1e-9


def gini(actual, predicted):
    order = np.lexsort((actual, -predicted))        # predicted desc, then actual asc
    cum = np.cumsum(actual[order]) / actual.sum()
    return 2 * cum.sum() / len(actual) - 1


def normalized_gini(actual, predicted):
    return gini(actual, predicted) / gini(actual, actual)


def decile_mape(actual, predicted):
    order = np.lexsort((actual, predicted))          # predicted asc, then actual asc
    errs = []
    for bucket in np.array_split(order, 10):
        a, p = actual[bucket].mean(), predicted[bucket].mean()
        if a > 0:
            errs.append(abs(p - a) / a)
    return float(np.mean(errs))


PREDICTORS = {
    "past rate": "r.past_rate",
    # the truth distorted by a factor in [0.5, 1.5] and noise in [0, 63], from a hash of the key
    "noisy truth": "r.spend * (0.5 + (hashtext(r.customer_id) & 1023) / 1023.0) + (hashtext(r.customer_id || 'x') & 63)",
    "tied scores": "round(r.past_rate / 500) * 500",   # many ties in the prediction
}
ROWS = ("(SELECT * FROM insight_value_training_rows(insight_default_as_of() - interval '90 days', '90 days')"
        " ORDER BY customer_id) r")
actual = np.array([float(x[0]) for x in query(f"SELECT r.spend FROM {ROWS}")])
checks.check(f"{len(actual)} customers, {int((actual > 0).sum())} with spend", len(actual) > 3000)

for name, expr in PREDICTORS.items():
    pred = np.array([float(x[0]) for x in query(f"SELECT {expr} FROM {ROWS}")])
    m = query(f"SELECT (m->>'normalized_gini')::float8, (m->>'spearman')::float8, (m->>'decile_mape')::float8, "
              f"(m->>'total_error_percent')::float8, (m->>'mae')::float8 "
              f"FROM (SELECT insight_value_metrics(array_agg({expr}), array_agg(r.spend)) m FROM {ROWS}) x")[0]
    ours = [float(x) for x in m]
    theirs = [normalized_gini(actual, pred), spearmanr(pred, actual).correlation, decile_mape(actual, pred),
              100 * (pred.sum() - actual.sum()) / actual.sum(), np.abs(pred - actual).mean()]
    for label, o, t in zip(("normalized Gini", "Spearman (scipy)", "decile MAPE", "total error %", "MAE"), ours, theirs):
        checks.check(f"{name}: {label} {o:.6f} = {t:.6f}", abs(o - t) <= TOL * max(1, abs(t)), f"difference {o - t:.2e}")

checks.report()
