"""Counts of insight_sales against the raw UCI Online Retail file, cleaned in
Python by the rules the README documents, and insight_scaler_fit against
scikit-learn's StandardScaler on the customer features.

Run by test/run_tests.sh against database insight_peer (Online Retail loaded
with test/load_online_retail.sql)."""
import csv
import gzip
import math
import os

import numpy as np
from sklearn.preprocessing import StandardScaler

from pgquery import Checks, query, scalar

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.join(HERE, "..", "data", "online_retail.csv.gz")
EXCLUDED = {"POST", "DOT", "M", "m", "D", "C2", "CRUK", "PADS", "B", "BANK CHARGES", "AMAZONFEE", "S"}

checks = Checks("online retail cleaning")

raw = 0
kept = 0
returns = 0
customers = set()
orders = set()
items = set()
revenue = 0.0
returned = 0.0
with gzip.open(DATA, "rt", newline="", encoding="utf-8") as f:
    for row in csv.DictReader(f):
        raw += 1
        if row["CustomerID"] == "":
            continue                                  # guest checkout
        qty = int(row["Quantity"])
        price = float(row["UnitPrice"])
        if qty == 0 or price <= 0 or row["StockCode"] in EXCLUDED:
            continue                                  # nothing sold, bad price, not a product
        kept += 1
        amount = abs(qty) * price
        if qty < 0 or row["InvoiceNo"].startswith("C"):
            returns += 1
            returned += amount
        else:
            revenue += amount
        customers.add(row["CustomerID"])
        orders.add(row["InvoiceNo"])
        items.add(row["StockCode"])

db = query("""SELECT (SELECT count(*) FROM order_lines), count(*), count(*) FILTER (WHERE amount < 0),
                     count(DISTINCT customer_id), count(DISTINCT order_id), count(DISTINCT item_id),
                     sum(amount) FILTER (WHERE amount > 0), -sum(amount) FILTER (WHERE amount < 0)
                FROM insight_sales""")[0]
checks.check("raw lines = 541,909 (file and table)", raw == 541909 and int(db[0]) == raw, f"file {raw}, table {db[0]}")
checks.check("kept lines", int(db[1]) == kept, f"insight {db[1]}, python {kept}")
checks.check("return lines", int(db[2]) == returns, f"insight {db[2]}, python {returns}")
checks.check("customers", int(db[3]) == len(customers), f"insight {db[3]}, python {len(customers)}")
checks.check("orders", int(db[4]) == len(orders), f"insight {db[4]}, python {len(orders)}")
checks.check("items", int(db[5]) == len(items), f"insight {db[5]}, python {len(items)}")
checks.check("revenue", math.isclose(float(db[6]), revenue, rel_tol=1e-12), f"insight {db[6]}, python {revenue:.2f}")
checks.check("returned", math.isclose(float(db[7]), returned, rel_tol=1e-12), f"insight {db[7]}, python {returned:.2f}")

# insight_scaler_fit == StandardScaler on the customer feature matrix
rows = query("SELECT array_to_string(features, ',') FROM insight_customer_features() ORDER BY customer_id")
x = np.array([[float(v) for v in r[0].split(",")] for r in rows])
ours = query("""SELECT insight_model_info(insight_scaler_fit(features)) ->> 'means',
                       insight_model_info(insight_scaler_fit(features)) ->> 'scales'
                  FROM insight_customer_features()""")[0]
means = np.array([float(v) for v in ours[0].strip("[]").split(",")])
scales = np.array([float(v) for v in ours[1].strip("[]").split(",")])
sk = StandardScaler().fit(x)
checks.check("scaler means = StandardScaler.mean_ (1e-12 relative)",
             np.allclose(means, sk.mean_, rtol=1e-12, atol=0), f"max diff {np.max(np.abs(means - sk.mean_)):.3g}")
checks.check("scaler scales = StandardScaler.scale_ (1e-12 relative)",
             np.allclose(scales, sk.scale_, rtol=1e-12, atol=0), f"max diff {np.max(np.abs(scales - sk.scale_)):.3g}")
z = query("""SELECT array_to_string(insight_scaler_transform(m.w, f.features), ',')
               FROM insight_customer_features() f,
                    (SELECT insight_scaler_fit(features) AS w FROM insight_customer_features()) m
              ORDER BY f.customer_id""")
zs = np.array([[float(v) for v in r[0].split(",")] for r in z])
checks.check("scaler transform = StandardScaler.transform (1e-9 absolute)",
             np.allclose(zs, sk.transform(x), rtol=0, atol=1e-9), f"{len(zs)} customers x {zs.shape[1]} features")
checks.report()
