"""scipy maximising the BG/NBD and Pareto/NBD log-likelihoods on collapsed rows
(test/bench/bench_clv_fit.sh): the same likelihoods insight maximises, written
from the papers (FHL 2005 eq. 6; Fader & Hardie 2005 note 009 eq. 18-22 with
scipy's hyp2f1), on the same distinct (x, t_x, T, count) rows.

    clv_fit_scipy.py SIM_ROWS.csv CDNOW_ROWS.csv
"""
import sys
import time

import numpy as np
from scipy.optimize import minimize
from scipy.special import betaln, digamma, gammaln, hyp2f1


def load(path):
    d = np.loadtxt(path, delimiter=",")
    return d[:, 0], d[:, 1], d[:, 2], d[:, 3]


def bg_negll_grad(theta, x, tx, T, w):
    r, al, a, b = np.exp(theta)
    A = -(r + x) * np.log(al + T)
    D = np.where(x > 0, np.log(a) - np.log(np.maximum(b + x - 1, 1e-300)) - (r + x) * np.log(al + tx), -np.inf)
    tot = np.logaddexp(A, D)
    wa, wd = np.exp(A - tot), np.exp(D - tot)
    ll = gammaln(r + x) - gammaln(r) + r * np.log(al) + betaln(a, b + x) - betaln(a, b) + tot
    g = np.array([
        (digamma(r + x) - digamma(r) + np.log(al) - wa * np.log(al + T) - wd * np.log(al + tx)) @ w * r,
        (r / al - (r + x) * (wa / (al + T) + wd / (al + tx))) @ w * al,
        (digamma(a + b) - digamma(a + b + x) + wd / a) @ w * a,
        (digamma(b + x) - digamma(b) + digamma(a + b) - digamma(a + b + x) - wd / np.maximum(b + x - 1, 1e-300)) @ w * b])
    return -(ll @ w), -g


def pn_negll(theta, x, tx, T, w):
    r, al, s, be = np.exp(theta)
    if al >= be:
        B, M = s + 1, al
    else:
        B, M = r + x, be
    k = r + s + x
    F = lambda t: hyp2f1(k, B, k + 1, abs(al - be) / (M + t)) / (M + t) ** k
    ll = (gammaln(r + x) - gammaln(r) + r * np.log(al) + s * np.log(be)
          + np.log((al + T) ** -(r + x) * (be + T) ** -s + s / k * (F(tx) - F(T))))
    v = -(ll @ w)
    return v if np.isfinite(v) else np.inf


def run(name, fun, data, **kw):
    evals = [0]

    def counted(t):
        evals[0] += 1
        return fun(t, *data)

    t0 = time.perf_counter()
    res = minimize(counted, np.zeros(4), **kw)
    ms = (time.perf_counter() - t0) * 1000
    print(f"scipy {name}: {ms:.1f} ms, {res.nit} iterations, {evals[0]} evaluations "
          f"({ms / evals[0]:.2f} ms each), LL {-res.fun:.4f}, params {np.round(np.exp(res.x), 4)}")


sim = load(sys.argv[1])
cdnow = load(sys.argv[2])
print(f"distinct rows: simulated {len(sim[0])}, CDNOW_master {len(cdnow[0])}")
run("BG/NBD simulated 1M, L-BFGS-B with the analytic gradient", bg_negll_grad, sim, jac=True, method="L-BFGS-B",
    options={"ftol": 1e-15, "gtol": 1e-8, "maxiter": 1000})
run("BG/NBD CDNOW_master, L-BFGS-B with the analytic gradient", bg_negll_grad, cdnow, jac=True, method="L-BFGS-B",
    options={"ftol": 1e-15, "gtol": 1e-8, "maxiter": 1000})
run("Pareto/NBD CDNOW_master, Nelder-Mead", pn_negll, cdnow, method="Nelder-Mead",
    options={"xatol": 1e-8, "fatol": 1e-10, "maxiter": 100000, "maxfev": 100000})
run("Pareto/NBD CDNOW_master, L-BFGS-B with finite-difference gradients", pn_negll, cdnow, method="L-BFGS-B",
    options={"ftol": 1e-15, "gtol": 1e-8, "maxiter": 1000})
