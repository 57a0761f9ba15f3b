"""insight_kmeans_fit against scikit-learn's KMeans and silhouette_score.

Data: standardized log-RFM of every Online Retail customer (insight_rfm:
ln(1 + recency_days), ln(1 + orders), ln(1 + total spend), standardized with
insight_scaler_fit), the features insight_train_segments clusters.

1. From the same initial centroids (tolerance 0, i.e. until the labels stop
   changing), the centroids agree within 1e-6 and the labels are identical.
2. With k-means++ and n_init = 10, our inertia is within 1% of
   KMeans(n_init=10) for k = 3..6 (not worse by more than 1%).
3. The silhouette stored in the model equals silhouette_score of our labels.
"""
import os
import sys

import numpy as np
from sklearn.cluster import KMeans
from sklearn.metrics import silhouette_score

sys.path.insert(0, os.path.dirname(__file__))
from pgquery import Checks, query, scalar  # noqa: E402

checks = Checks("kmeans vs scikit-learn")

query("""
DROP TABLE IF EXISTS peer_kmeans_rfm;
CREATE TABLE peer_kmeans_rfm AS
WITH raw AS (
    SELECT customer_id,
           ARRAY[ln(1 + recency_days), ln(1 + frequency), ln(1 + monetary)]::float8[] AS f
      FROM insight_rfm),
s AS (SELECT insight_scaler_fit(f) AS scaler FROM raw)
SELECT raw.customer_id, insight_scaler_transform(s.scaler, raw.f) AS features
  FROM raw, s;
SELECT 1""")
rows = query("SELECT customer_id, array_to_string(features, ',') FROM peer_kmeans_rfm ORDER BY customer_id")
ids = [r[0] for r in rows]
X = np.array([[float(v) for v in r[1].split(",")] for r in rows])
print(f"{len(X)} customers, {X.shape[1]} features")
checks.check("Online Retail customers", len(X) > 4000, str(len(X)))

def fit(sql):
    """Our model: centroids, labels of the customers (0-based), info."""
    query(f"DROP TABLE IF EXISTS peer_kmeans_model; CREATE TABLE peer_kmeans_model AS SELECT {sql} AS m; SELECT 1")
    cents = query("SELECT array_to_string(centroid, ',') FROM peer_kmeans_model, insight_kmeans_centroids(m) ORDER BY cluster")
    C = np.array([[float(v) for v in c[0].split(",")] for c in cents])
    lab = query("SELECT insight_kmeans_assign(m, features) - 1 FROM peer_kmeans_model, peer_kmeans_rfm ORDER BY customer_id")
    labels = np.array([int(r[0]) for r in lab])
    info = {k: v for k, v in query("SELECT key, value FROM peer_kmeans_model, jsonb_each_text(insight_model_info(m))")}
    return C, labels, info

# 1. same initial centroids: the customers at positions 0, 1000, 2000, 3000
for k in (3, 5):
    init = X[[i * 1000 for i in range(k)]]
    arr = "ARRAY[" + ",".join("[" + ",".join(repr(float(v)) for v in row) + "]" for row in init) + "]::float8[]"
    C, labels, info = fit(f"insight_kmeans_fit('SELECT features FROM peer_kmeans_rfm', {k}, max_iterations => 300, "
                          f"tolerance => 0, initial_centroids => {arr})")
    sk = KMeans(n_clusters=k, init=init, n_init=1, max_iter=300, tol=0, algorithm="lloyd").fit(X)
    diff = np.abs(C - sk.cluster_centers_).max()
    checks.check(f"k={k} same start: centroids agree within 1e-6", diff < 1e-6, f"max |diff| {diff:.3g}")
    checks.check(f"k={k} same start: identical labels", (labels == sk.labels_).all(),
                 f"{int((labels != sk.labels_).sum())} differ")
    checks.check(f"k={k} same start: inertia", abs(float(info['inertia']) - sk.inertia_) <= 1e-9 * sk.inertia_,
                 f"ours {float(info['inertia']):.9f} sklearn {sk.inertia_:.9f}")
    checks.check(f"k={k} same start: iterations", int(info["iterations"]) == sk.n_iter_,
                 f"ours {info['iterations']} sklearn {sk.n_iter_}")

# 2. k-means++, n_init = 10: inertia within 1% of scikit-learn's best
for k in (3, 4, 5, 6):
    C, labels, info = fit(f"insight_kmeans_fit('SELECT features FROM peer_kmeans_rfm', {k}, n_init => 10, seed => 0)")
    ours = float(info["inertia"])
    sk = KMeans(n_clusters=k, n_init=10, random_state=0, algorithm="lloyd").fit(X)
    ratio = ours / sk.inertia_
    checks.check(f"k={k} k-means++ n_init=10: inertia within 1% of scikit-learn", ratio <= 1.01,
                 f"ours {ours:.3f} sklearn {sk.inertia_:.3f} ratio {ratio:.5f}")
    recomputed = ((X - C[labels]) ** 2).sum()
    checks.check(f"k={k} inertia = sum of squared distances to the centroids",
                 abs(recomputed - ours) <= 1e-9 * ours, f"{recomputed:.6f} vs {ours:.6f}")
    sil = silhouette_score(X, labels)
    checks.check(f"k={k} silhouette = silhouette_score", abs(float(info["silhouette"]) - sil) < 1e-9,
                 f"ours {float(info['silhouette']):.12f} sklearn {sil:.12f}")
    sizes = np.bincount(labels, minlength=len(C))
    checks.check(f"k={k} sizes", info["sizes"] == "[" + ", ".join(str(s) for s in sizes) + "]", info["sizes"])

query("DROP TABLE peer_kmeans_model; DROP TABLE peer_kmeans_rfm; SELECT 1")
checks.report()
