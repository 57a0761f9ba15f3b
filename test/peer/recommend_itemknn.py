"""Item-kNN (insight_itemknn_fit) against numpy / scikit-learn.

On Online Retail customers below 13000 (text order): for cosine (scikit-learn
cosine_similarity of the item x user matrix), and for the TF-IDF and BM25
weightings of benfred/implicit (tfidf_weight; bm25_weight with K1 1.2,
B 0.75, BM25Recommender's defaults) recomputed in numpy, checks that every
neighbour returned by insight_similar_items_from has the similarity numpy
gives, that the lists are the top of numpy's row (same scores by rank), and
that recommendation scores are sum_i r_ui * sim(i, j) over the user's items.
"""
import os
import sys

import numpy as np
from sklearn.metrics.pairwise import cosine_similarity
from sklearn.preprocessing import normalize

sys.path.insert(0, os.path.dirname(__file__))
from pgquery import Checks, query  # noqa: E402

K = 10
SUB = "SELECT customer_id, item_id, value FROM insight_interactions() WHERE customer_id < ''13000''"
c = Checks("recommend_itemknn")

rows = query(SUB.replace("''", "'"))
ukeys = sorted({r[0] for r in rows})
ikeys = sorted({r[1] for r in rows})
uidx = {k: n for n, k in enumerate(ukeys)}
iidx = {k: n for n, k in enumerate(ikeys)}
R = np.zeros((len(ukeys), len(ikeys)))
for u, i, v in rows:
    R[uidx[u], iidx[i]] += float(v)
X = R.T  # items x users
N = X.shape[0]
idf = np.log(N) - np.log1p((X > 0).sum(axis=0))


def tfidf(X):
    return normalize(np.sqrt(X) * idf[None, :])


def bm25(X, K1=1.2, B=0.75):
    length = X.sum(axis=1)
    norm = (1.0 - B) + B * length / length.mean()
    return X * (K1 + 1.0) / (K1 * norm[:, None] + X) * idf[None, :]


sims = {
    "cosine": cosine_similarity(X),
    "tfidf": tfidf(X) @ tfidf(X).T,
    "bm25": bm25(X) @ bm25(X).T,
}
probe = ["85123A", "22423", "47566", "84879", "21212", "22697", "20725", "23084"]
probe = [p for p in probe if p in iidx]
query("DROP TABLE IF EXISTS peer_knn")
query("CREATE TABLE peer_knn (similarity text, m bytea)")
for name, S in sims.items():
    query(f"INSERT INTO peer_knn SELECT '{name}', insight_itemknn_fit('{SUB}', neighbors => {K}, similarity => '{name}')")
    worst_val = worst_rank = 0.0
    for key in probe:
        i = iidx[key]
        got = query(f"SELECT item_key, score FROM peer_knn, insight_similar_items_from(m, '{key}', {K}) "
                    f"WHERE similarity = '{name}' ORDER BY rank")
        row = S[i].copy()
        row[i] = -np.inf
        want = np.sort(row[row > 0])[::-1][:K]
        vals = np.array([float(v) for _, v in got])
        worst_val = max(worst_val, max(abs(float(v) - S[i, iidx[k]]) / max(1, abs(S[i, iidx[k]])) for k, v in got))
        worst_rank = max(worst_rank, np.max(np.abs(vals - want) / np.maximum(1, np.abs(want)))
                         if len(vals) == len(want) else np.inf)
    c.check(f"{name}: neighbour similarities equal numpy", worst_val < 1e-6, f"max rel diff {worst_val:.2e}")
    c.check(f"{name}: neighbour lists are the top {K} of numpy's row", worst_rank < 1e-6, f"max rel diff {worst_rank:.2e}")

    # recommendation scores from the model's own lists
    for u in ["12347", "12431"]:
        nbr = {}
        mine = np.nonzero(R[uidx[u]])[0]
        keys = ",".join(f"('{ikeys[i]}')" for i in mine)
        for src, k, v in query(f"SELECT x.k, s.item_key, s.score FROM peer_knn, (VALUES {keys}) x(k), "
                               f"insight_similar_items_from(m, x.k, {K}) s WHERE similarity = '{name}'"):
            nbr[k] = nbr.get(k, 0.0) + R[uidx[u], iidx[src]] * float(v)
        got = query(f"SELECT item_key, score FROM peer_knn, insight_recommend_from(m, '{u}', 10) "
                    f"WHERE similarity = '{name}' ORDER BY rank")
        ok = all(abs(nbr.get(k, 0.0) - float(v)) < 1e-9 * max(1, abs(float(v))) for k, v in got)
        seen = {ikeys[i] for i in np.nonzero(R[uidx[u]])[0]}
        best = sorted((v for k, v in nbr.items() if k not in seen), reverse=True)[:10]
        ok = ok and np.allclose(sorted([float(v) for _, v in got], reverse=True)[:len(best)], best, rtol=1e-9)
        c.check(f"{name}: scores of {u} are sum r * sim over their items", ok)
query("DROP TABLE peer_knn")
c.report()
