"""A customer's predictive distribution of purchases and its median (issue 18, part 3), against scipy.

insight computes P(X(T, T+t) = n | x, t_x, T) as [n = 0] (1 - P(alive)) +
P(alive) x the new-customer pmf at the posterior parameters.  Here the same
distribution is computed another way, from its definition, with scipy:
  - BG/NBD and MBG/NBD: given alive at T, lambda ~ Gamma(r+x, alpha+T) and
    p ~ Beta(a, b+x+k) (k = 1 for MBG/NBD: the dropout chance after the
    first purchase was survived too).  Given p, the count is the NBD count N
    of the next t (scipy.stats.nbinom) thinned by the dropout coin after
    each purchase: P(n | p) = (1-p)^n P(N = n) + [n>0] p (1-p)^(n-1) P(N >= n),
    integrated over p by scipy.integrate.quad with the algebraic weight;
  - Pareto/NBD: given alive at T, the remaining lifetime tau is Lomax:
    P(tau > u) = ((beta+T)/(beta+T+u))^s (mu ~ Gamma(s, beta+T)); given tau
    the count is NBD with exposure min(tau, t), so
    P(n) = P(tau >= t) NBD(n; t) + int_0^t f(u) NBD(n; u) du (quad);
  - P(alive): FHL (2008), BTYDplus's mbgnbd.PAlive, and for Pareto/NBD
    1 / (1 + s int_{t_x}^T ...) (Schmittlein et al. 1987) by quad.
The median is the smallest n with P(X <= n) >= 1/2; the Poisson median of the
baseline is scipy.stats.poisson.ppf(0.5, mean).  Models: the published CDNOW
fits, one with a + b < 1 (lifetimes issue #302), Pareto/NBD models whose
alpha and beta differ by more than a factor 10 (insight sums them by
quadrature, not by the series), and the Online Retail shape at the
no-dropout edge (a and s = exp(-15), beta = 3.1e6).
"""
import math

import numpy as np
from scipy.integrate import quad
from scipy.special import betaln
from scipy.stats import nbinom, poisson

from pgquery import Checks, query

checks = Checks("clv_median")

customers = [(0, 0, 38.86), (2, 30.43, 38.86), (5, 10, 38), (30, 38, 38.5), (1, 5, 52)]
horizons = [13.29, 39.0]
N_MAX = 60


def bg_p_alive(r, alpha, a, b, x, tx, T, k):
    if x + k == 0:
        return 1.0
    return 1 / (1 + a / (b + x + k - 1) * ((alpha + T) / (alpha + tx)) ** (r + x))


def bg_pmf(r, alpha, a, b, t, x, tx, T, k):
    u, v, q = r + x, b + x + k, (alpha + T) / (alpha + T + t)
    ns = np.arange(N_MAX + 1)
    nb, sf = nbinom.pmf(ns, u, q), nbinom.sf(ns - 1, u, q)   # P(N = n), P(N >= n)
    out = []
    for n in ns:
        f = lambda p: (1 - p) ** n * nb[n] + (p * (1 - p) ** (n - 1) * sf[n] if n > 0 else 0)
        out.append(quad(f, 0, 1, weight="alg", wvar=(a - 1, v - 1), epsabs=0, epsrel=1e-12, limit=200)[0]
                   / math.exp(betaln(a, v)))
    pa = bg_p_alive(r, alpha, a, b, x, tx, T, k)
    out = pa * np.array(out)
    out[0] += 1 - pa
    return out


def pn_p_alive(r, alpha, s, beta, x, tx, T):
    if tx == T:
        return 1.0
    inner = quad(lambda u: ((alpha + T) / (alpha + u)) ** (r + x) * ((beta + T) / (beta + u)) ** s / (beta + u),
                 tx, T, epsabs=0, epsrel=1e-13, limit=200)[0]
    return 1 / (1 + s * inner)


def pn_pmf(r, alpha, s, beta, t, x, tx, T):
    u, al, be = r + x, alpha + T, beta + T
    ns = np.arange(N_MAX + 1)
    surv = (be / (be + t)) ** s
    out = surv * nbinom.pmf(ns, u, al / (al + t))
    for n in ns:
        out[n] += quad(lambda w: s / (be + w) * (be / (be + w)) ** s * nbinom.pmf(n, u, al / (al + w)),
                       0, t, epsabs=0, epsrel=1e-12, limit=200)[0]
    pa = pn_p_alive(r, alpha, s, beta, x, tx, T)
    out = pa * out
    out[0] += 1 - pa
    return out


def median(pmf):
    return int(np.argmax(np.cumsum(pmf) >= 0.5))


edge = math.exp(-15)
models = [("bgnbd", (0.243, 4.414, 0.793, 2.426)), ("bgnbd", (0.243, 4.414, 0.23, 0.58)),
          ("bgnbd", (0.79, 6.3, edge, 7.25)), ("mbgnbd", (0.525, 6.183, 0.891, 1.614)),
          ("mbgnbd", (0.79, 6.3, edge, 1.0)), ("pnbd", (0.553, 10.578, 0.606, 11.669)),
          ("pnbd", (0.553, 10.578, 0.606, 300.0)), ("pnbd", (0.553, 0.2, 0.606, 11.669)),
          ("pnbd", (0.79, 6.3, edge, 3.1e6))]
worst_pmf, worst_sum, median_bad, n_med = 0.0, 0.0, [], 0
for name, p in models:
    for (x, tx, T) in customers:
        for t in horizons:
            if name == "pnbd":
                ref = pn_pmf(*p, t, x, tx, T)
            else:
                ref = bg_pmf(*p, t, x, tx, T, 1 if name == "mbgnbd" else 0)
            ctor = {"bgnbd": "insight_bgnbd_model", "mbgnbd": "insight_mbgnbd_model", "pnbd": "insight_pnbd_model"}[name]
            m = f"{ctor}({', '.join(repr(v) for v in p)})"
            rows = query(f"""SELECT n, insight_{name}_purchase_probability({m}, n, {t}, {x}, {tx}, {T})
                               FROM generate_series(0, {N_MAX}) n ORDER BY n""")
            got = np.array([float(v[1]) for v in rows])
            worst_pmf = max(worst_pmf, float(np.max(np.abs(got - ref))))
            if ref @ np.arange(N_MAX + 1) < 10:      # the tail beyond N_MAX is negligible
                worst_sum = max(worst_sum, abs(ref.sum() - 1))
            med = float(query(f"SELECT insight_transaction_model_median_purchases({m}, {t}, {x}, {tx}, {T})")[0][0])
            n_med += 1
            if med != median(ref):
                median_bad.append((name, p, x, tx, T, t, med, median(ref)))
checks.check(f"the reference pmfs with a mean below 10 sum to 1 over n = 0..{N_MAX} (1e-9)", worst_sum < 1e-9, f"max {worst_sum:.1e}")
checks.check("P(X(T, T+t) = n | x, t_x, T) of BG/NBD, MBG/NBD, Pareto/NBD = the posterior integrals computed here (1e-10)",
             worst_pmf < 1e-10, f"max abs {worst_pmf:.1e}")
checks.check(f"the median of {n_med} customer/model/horizon cases = the smallest n with P(X <= n) >= 1/2 of scipy's pmf",
             not median_bad, median_bad[:3])
# medians that are not all 0: the grid tells customers apart
meds = {float(v[0]) for v in query(
    "SELECT insight_bgnbd_median_purchases(insight_bgnbd_model(0.243, 4.414, 0.793, 2.426), 39, x, tx, tt) "
    "FROM (VALUES (0, 0, 38.86), (2, 30.43, 38.86), (30, 38, 38.5)) c(x, tx, tt)")}
checks.check("BG/NBD medians over 39 weeks for x = 0, 2, 30: 0, 1, 22", meds == {0.0, 1.0, 22.0}, sorted(meds))

means = [0, 1e-3, 0.5, math.log(2) - 1e-9, math.log(2) + 1e-9, 0.7, 1, 1.5, 2.3, 3.7, 10.5, 77.7, 1000.2]
got = [float(v[0]) for v in query("SELECT insight_clv_poisson_median(m) FROM unnest(ARRAY["
                                  + ",".join(repr(float(m)) for m in means) + "]::float8[]) WITH ORDINALITY u(m, i) ORDER BY i")]
ref = [float(poisson.ppf(0.5, m)) if m > 0 else 0.0 for m in means]
checks.check("insight_clv_poisson_median = scipy.stats.poisson.ppf(0.5, mean) on 13 means (ln 2 crossed)",
             got == ref, list(zip(means, got, ref)))

checks.report()
