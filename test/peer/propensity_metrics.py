"""insight_propensity_metrics against scikit-learn and numpy.

On Online Retail's propensity rows (insight_propensity_rows at the
propensity task's test cutoff, the 5 item groups with the most buyers; with
no category registered a group is an item), two scores of every (customer,
group) row are measured by insight and here, per group:
  - AUC: sklearn.metrics.roc_auc_score (ties count one half);
  - lift in the top decile: the buyer rate of the first ceil(n / 10) rows by
    score descending, ties by customer key, over the group's buyer rate.
The scores: the popularity audience as the task defines it (orders with the
group, ties by orders overall; many exact ties) and a score from a hash of
the key (no relation to the label).
"""
import json
import math

import numpy as np
from sklearn.metrics import roc_auc_score

from pgquery import Checks, query

checks = Checks("propensity_metrics")
TOL = 1e-9

TABLE = ("CREATE TEMP TABLE pr AS SELECT r.customer_id, r.item_group, r.bought, "
         "r.group_orders + r.orders / 1000.0 AS popularity, (hashtext(r.customer_id || r.item_group) & 1023)::float8 AS hashed "
         "FROM insight_propensity_rows(insight_default_as_of() - interval '90 days', '90 days', "
         "ARRAY(SELECT g.item_group FROM insight_top_item_groups(insight_default_as_of() - interval '90 days', 5) g ORDER BY g.rank)) r; ")
metrics = json.loads(query(TABLE + "SELECT insight_propensity_metrics('pr', '{popularity,hashed}')")[0][0])
rows = query(TABLE + "SELECT customer_id, item_group, bought, popularity, hashed FROM pr ORDER BY item_group, customer_id COLLATE \"C\"")
groups = {}
for c, g, b, p, h in rows:
    groups.setdefault(g, []).append((c, b == "t", float(p), float(h)))
checks.check(f"{len(groups)} groups, {len(rows)} rows", len(groups) == 5 and len(rows) > 10000)

ours = {x["item_group"]: x for x in metrics["groups"]}
for g, data in sorted(groups.items()):
    keys = [d[0] for d in data]
    y = np.array([d[1] for d in data])
    for col, name in ((2, "popularity"), (3, "hashed")):
        s = np.array([d[col] for d in data])
        auc = roc_auc_score(y, s)
        # score descending, ties by customer key (the keys are sorted, so a stable sort keeps them)
        order = sorted(range(len(s)), key=lambda i: (-s[i], keys[i]))
        top = order[:math.ceil(len(s) / 10)]
        lift = y[top].mean() / y.mean()
        o = ours[g][name]
        checks.check(f"{g} {name}: AUC {o['auc']:.6f} = sklearn {auc:.6f}", abs(o["auc"] - auc) <= TOL, f"difference {o['auc'] - auc:.2e}")
        checks.check(f"{g} {name}: lift {o['lift']:.6f} = numpy {lift:.6f}", abs(o["lift"] - lift) <= TOL * max(1, lift),
                     f"difference {o['lift'] - lift:.2e}")
    checks.check(f"{g}: buyers {ours[g]['buyers']} = {int(y.sum())}", ours[g]["buyers"] == int(y.sum()))

checks.report()
