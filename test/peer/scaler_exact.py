"""insight_scaler_fit against an exact reference in Python, and its order
independence.

insight_scaler_fit keeps the exact sums S = sum(x) and Q = sum(x^2) and
rounds once (src/features/scaler.c): mean = round(S / n), variance =
round((n Q - S^2) / n^2), scale = sqrt(variance) (1 when 0).  The reference
computes the same with fractions.Fraction (every double is a Fraction
exactly; int / int true division and float(Fraction) round correctly, so the
values must agree to the last bit), and numpy's mean and population std
(ddof 0, pairwise sums) must agree within 1e-13 relative.

Data: the segments task's inputs (ln(1 + recency_days), ln(1 + orders),
ln(1 + total spend) of every Online Retail customer, insight_log_rfm), and
seeded random columns with cancellation, a wide range of magnitudes
(1e-300 to 1e150, subnormals, squares beyond the doubles), a constant, and negative values.

Order: the same rows in three orders (by customer, descending, by a hash)
and as partial states (insight_scaler_accum over four parts of the rows,
combined with insight_scaler_combine in two orders) give the same bytes.
"""
import math
import os
import random
import sys
from fractions import Fraction

import numpy as np

sys.path.insert(0, os.path.dirname(__file__))
from pgquery import Checks, query  # noqa: E402

checks = Checks("scaler exact")


def reference(rows):
    """Means and scales of the rows (lists of floats), exactly rounded."""
    n = len(rows)
    means, scales = [], []
    for j in range(len(rows[0])):
        s = sum(Fraction(r[j]) for r in rows)
        q = sum(Fraction(r[j]) ** 2 for r in rows)
        means.append(float(s / n))
        var = float((n * q - s * s) / (n * n))
        sd = math.sqrt(var)
        scales.append(sd if sd > 0 else 1.0)
    return means, scales


def fitted(sql):
    """Means and scales of insight_scaler_fit over a query of (x float8[])."""
    r = query(f"""SELECT array_to_string(array(SELECT (e)::float8::text FROM jsonb_array_elements(i->'means') e), ','),
                         array_to_string(array(SELECT (e)::float8::text FROM jsonb_array_elements(i->'scales') e), ',')
                    FROM (SELECT insight_model_info(insight_scaler_fit(q.x)) AS i FROM ({sql}) q) m""")[0]
    return [float(v) for v in r[0].split(",")], [float(v) for v in r[1].split(",")]


def same_bits(a, b):
    return all(x.hex() == y.hex() for x, y in zip(a, b)) and len(a) == len(b)


# 1. the segments task's inputs
rows = query("""SELECT array_to_string(insight_log_rfm(f.recency_days, f.orders, f.total_spend), ',')
                  FROM insight_customer_features() f ORDER BY f.customer_id""")
rfm = [[float(v) for v in r[0].split(",")] for r in rows]
checks.check("Online Retail customers", len(rfm) > 4000, str(len(rfm)))
rm, rs = reference(rfm)
m, s = fitted("SELECT insight_log_rfm(f.recency_days, f.orders, f.total_spend) AS x FROM insight_customer_features() f")
checks.check("log-RFM means equal the exact reference to the last bit", same_bits(m, rm), f"{m} vs {rm}")
checks.check("log-RFM scales equal the exact reference to the last bit", same_bits(s, rs), f"{s} vs {rs}")
X = np.array(rfm)
nm, ns = X.mean(axis=0), X.std(axis=0)
checks.check("log-RFM within 1e-13 of numpy mean and std (ddof 0)",
             np.all(np.abs(np.array(m) - nm) <= 1e-13 * np.abs(nm)) and np.all(np.abs(np.array(s) - ns) <= 1e-13 * ns),
             f"{np.abs(np.array(m) - nm) / np.abs(nm)}, {np.abs(np.array(s) - ns) / ns}")

# 2. hostile columns: cancellation, a wide range, subnormals, constant, negative
rng = random.Random(20261207)
data = []
for i in range(3000):
    data.append([
        1e8 + rng.random(),                                   # large mean, small spread
        rng.choice([-1, 1]) * 10.0 ** rng.uniform(-300, 150),  # every magnitude
        rng.choice([5e-324, 1e-310, 2.5e-308, 0.0, -1e-315]),  # subnormals and zero
        3.25,                                                 # constant: scale 1
        -rng.expovariate(1.0) * 1e-20,                        # tiny negatives
        rng.choice([1e154, -1e154, 3e153]),                   # squares near the top
    ])
path = os.path.join("/tmp", f"peer_scaler_rows_{os.getpid()}.csv")
with open(path, "w") as f:
    for i, r in enumerate(data):
        f.write('%d,"{%s}"\n' % (i, ",".join(repr(v) for v in r)))
query("DROP AGGREGATE IF EXISTS peer_scaler_state(float8[]); "
      "CREATE AGGREGATE peer_scaler_state(float8[]) (SFUNC = insight_scaler_accum, STYPE = bytea); "
      "DROP TABLE IF EXISTS peer_scaler_rows; CREATE TABLE peer_scaler_rows (i int, x float8[]); SELECT 1")
query(f"\\copy peer_scaler_rows FROM '{path}' WITH (FORMAT csv)")
os.unlink(path)
back = [[float(v) for v in r[0].split(",")] for r in
        query("SELECT array_to_string(x, ',') FROM peer_scaler_rows ORDER BY i")]
checks.check("the hostile rows reach the database unchanged", back == data)
rm, rs = reference(data)
m, s = fitted("SELECT x FROM peer_scaler_rows")
checks.check("hostile means equal the exact reference to the last bit", same_bits(m, rm), f"{m} vs {rm}")
checks.check("hostile scales equal the exact reference to the last bit", same_bits(s, rs), f"{s} vs {rs}")
checks.check("the constant column has scale 1", s[3] == 1.0 and m[3] == 3.25, f"{m[3]}, {s[3]}")

# 3. the same bytes in any order and from combined partial states
for name, src in [("log-RFM", "SELECT f.customer_id::text AS k, insight_log_rfm(f.recency_days, f.orders, f.total_spend) AS x "
                              "FROM insight_customer_features() f"),
                  ("hostile", "SELECT i::text AS k, x FROM peer_scaler_rows")]:
    r = query(f"""WITH r AS MATERIALIZED ({src})
        SELECT (SELECT insight_scaler_fit(x ORDER BY k) FROM r) = (SELECT insight_scaler_fit(x ORDER BY k DESC) FROM r),
               (SELECT insight_scaler_fit(x ORDER BY k) FROM r) = (SELECT insight_scaler_fit(x ORDER BY md5(k)) FROM r),
               (SELECT insight_scaler_fit(x ORDER BY k) FROM r)
               = (SELECT insight_scaler_final(insight_scaler_combine(insight_scaler_combine(p[1], p[3]), insight_scaler_combine(p[4], p[2])))
                    FROM (SELECT array_agg(s ORDER BY g) AS p
                            FROM (SELECT hashtext(k) & 3 AS g, peer_scaler_state(x) AS s FROM r GROUP BY 1) g) p),
               (SELECT insight_scaler_fit(x ORDER BY k) FROM r)
               = (SELECT insight_scaler_final(insight_scaler_combine(insight_scaler_combine(p[2], p[4]), insight_scaler_combine(p[3], p[1])))
                    FROM (SELECT array_agg(s ORDER BY g) AS p
                            FROM (SELECT hashtext(k) & 3 AS g, peer_scaler_state(x) AS s FROM r GROUP BY 1) g) p)""")[0]
    checks.check(f"{name}: the same bytes in customer order and descending", r[0] == "t")
    checks.check(f"{name}: the same bytes in customer order and by a hash", r[1] == "t")
    checks.check(f"{name}: the same bytes from four partial states combined", r[2] == "t")
    checks.check(f"{name}: the same bytes from them combined in another order", r[3] == "t")

query("DROP TABLE peer_scaler_rows; DROP AGGREGATE peer_scaler_state(float8[]); SELECT 1")
checks.report()
