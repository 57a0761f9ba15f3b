"""CLV models against the published CDNOW results and independent scipy code.

Everything on the Python side is written from the papers, not from insight's C:
  - the summary from the raw CDNOW_sample.txt lines (FHL 2005, section 4);
  - BG/NBD: the likelihood of Fader, Hardie & Lee (2005), "Counting Your
    Customers the Easy Way", Marketing Science 24(2), eq. (6); P(alive) from
    Fader, Hardie & Lee (2008), "Computing P(alive) Using the BG/NBD Model";
    E[Y(t) | x, t_x, T], eq. (10); P(X(t) = x), eq. (8);
  - Pareto/NBD: the likelihood of Fader & Hardie (2005), "A Note on Deriving
    the Pareto/NBD Model and Related Expressions", eq. (18)-(22) (scipy's
    hyp2f1), itself checked against the integral of Schmittlein, Morrison &
    Colombo (1987) done numerically with scipy.integrate.quad;
  - BG/BB: Fader, Hardie & Shang (2010), "Customer-Base Analysis in a
    Discrete-Time Noncontractual Setting", Marketing Science 29(6), eq. (5),
    (7), (11), (13), on their donations data;
  - Gamma-Gamma: Fader & Hardie (2013), "The Gamma-Gamma Model of Monetary
    Value", eq. (4) (likelihood) and (5) (expected spend);
  - maximum likelihood by scipy.optimize (Nelder-Mead on log-parameters,
    restarted until it no longer improves).
insight's fits must reach the scipy maximum (same parameters, and a
log-likelihood at least as high), and reproduce every published value of
issue 4.  Runs in a database of its own (insight_clv_peer), so the Online
Retail registration of the other peer tests is left alone.
"""
import csv
import datetime as dt
import json
import os
import subprocess
import warnings
from math import comb

import numpy as np
from scipy.integrate import quad
from scipy.optimize import minimize
from scipy.special import betaln, gammaln, hyp2f1

from pgquery import Checks, query, scalar

warnings.filterwarnings("ignore")
checks = Checks("clv vs published CDNOW results and scipy")

DB = "insight_clv_peer"
subprocess.run(["dropdb", "--if-exists", DB], check=True)
subprocess.run(["createdb", DB], check=True)
os.environ["PGDATABASE"] = DB
subprocess.run(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-c", "SET client_min_messages = warning",
                "-c", "CREATE EXTENSION insight", "-f", "test/clv/load_cdnow.sql"],
               check=True, stdout=subprocess.DEVNULL)


def info(sql):
    return json.loads(scalar(f"SELECT insight_model_info(({sql}))"))


def rel(a, b):
    return np.max(np.abs(np.asarray(a, float) / np.asarray(b, float) - 1))


# ---------------------------------------------------------------------------
# 1. Summary: as_of 1997-10-01 00:00 UTC (observed up to 1997-09-30), weeks
# ---------------------------------------------------------------------------
days = {}
for line in open("test/data/CDNOW_sample.txt"):
    f = line.split()
    d = dt.date(int(f[2][:4]), int(f[2][4:6]), int(f[2][6:]))
    if d < dt.date(1997, 10, 1):
        days.setdefault(int(f[1]), {}).setdefault(d, 0.0)
        days[int(f[1])][d] += float(f[4])
last_day = dt.date(1997, 9, 30)
ids = sorted(days)
x = np.array([len(days[c]) - 1 for c in ids], float)
tx = np.array([(max(days[c]) - min(days[c])).days / 7 for c in ids])
T = np.array([(last_day - min(days[c])).days / 7 for c in ids])
zbar = np.array([np.mean([v for d, v in sorted(days[c].items())[1:]]) if len(days[c]) > 1 else np.nan
                 for c in ids])

ours = {int(r[0]): r[1:] for r in query(
    "SELECT customer_id, frequency, recency, \"T\", monetary_value FROM insight_clv_summary('1997-10-01 00:00+00')")}
published = {int(r["ID"]): r for r in csv.DictReader(open("test/data/cdnow_customers_summary.csv"))}
with_tx = {int(r["ID"]): r for r in csv.DictReader(open("test/data/cdnow_customers_summary_with_transactions.csv"))}
checks.check("summary: 2,357 customers, as in cdnow_customers_summary.csv",
             len(ours) == 2357 and sorted(ours) == sorted(published), f"{len(ours)} vs {len(published)}")
bad = [c for c, p in published.items() if c not in ours
       or int(ours[c][0]) != int(p["frequency"])
       or round(float(ours[c][1]), 2) != float(p["recency"]) or round(float(ours[c][2]), 2) != float(p["T"])]
checks.check("summary = cdnow_customers_summary.csv (x exact, t_x and T to 2 decimals)", not bad, f"differ: {bad[:5]}")
repeat = [c for c, p in with_tx.items() if int(p["x"]) > 0]
bad = [c for c in repeat if ours[c][3] is None or abs(float(ours[c][3]) - float(with_tx[c]["zbar"])) > 0.005 + 1e-9]
checks.check(f"monetary_value = zbar of cdnow_customers_summary_with_transactions.csv ({len(repeat)} repeat customers)",
             len(repeat) == 946 and not bad, f"differ: {bad[:5]}")
checks.check("monetary_value is NULL for every one-time buyer",
             all(ours[c][3] is None for c in ours if int(ours[c][0]) == 0))
got = np.array([[float(v) for v in ours[c][:3]] for c in ids])
mx = np.array([float(ours[c][3]) if ours[c][3] is not None else np.nan for c in ids])
err = max(np.max(np.abs(got[:, 0] - x)), np.max(np.abs(got[:, 1] - tx)), np.max(np.abs(got[:, 2] - T)),
          np.nanmax(np.abs(mx - zbar)))
checks.check("summary = the one computed here from CDNOW_sample.txt, unrounded (1e-12)",
             err < 1e-12 and np.array_equal(np.isnan(mx), np.isnan(zbar)), f"max abs diff {err:.1e}")

# the raw rows of the issue (unit day), in a source of their own
query("""CREATE TABLE raw_rows (customer text, at timestamptz, amount numeric);
INSERT INTO raw_rows VALUES ('same day', '2018-04-24 10:00+00', 5), ('same day', '2018-04-24 18:00+00', 7),
    ('three', '2018-04-24 19:19+00', 10), ('three', '2018-04-24 20:13+00', 20), ('three', '2018-05-24 04:00+00', 30);
SELECT insight_register_sales('raw_rows', customer_column => 'customer', time_column => 'at', amount_column => 'amount')""")
raw = {r[0]: [float(v) for v in r[1:4]] for r in query(
    "SELECT customer_id, frequency, recency, \"T\" FROM insight_clv_summary('2019-02-01 00:00+00', '1 day')")}
checks.check("raw rows: two orders on one day -> (0, 0, T)", raw["same day"][:2] == [0, 0], raw["same day"])
checks.check("raw rows: 2018-04-24 19:19, 20:13, 2018-05-24 04:00, as_of 2019-02-01 -> (1, 30, 282)",
             raw["three"] == [1, 30, 282], raw["three"])
subprocess.run(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-f", "test/clv/load_cdnow.sql"],
               check=True, stdout=subprocess.DEVNULL)
c1d = [float(v) for v in query("SELECT frequency, recency, \"T\" FROM insight_clv_summary('1997-10-01 00:00+00', '1 day') "
                               "WHERE customer_id = 1")[0]]
c1w = [round(float(v), 6) for v in query("SELECT frequency, recency, \"T\" FROM insight_clv_summary('1997-10-01 00:00+00') "
                                         "WHERE customer_id = 1")[0]]
late = scalar("SELECT count(*) FROM cdnow_orders WHERE customer_id = 1 AND ordered_on = '1997-12-12'")
checks.check("CDNOW customer 1: (2, 213, 272) days, (2, 30.428571, 38.857143) weeks; its 1997-12-12 purchase ignored",
             c1d == [2, 213, 272] and c1w == [2, 30.428571, 38.857143] and late == "1", f"{c1d} {c1w} {late}")

# the summary in the database, collapsed, as the fits' input
query("CREATE TABLE cdnow_clv AS SELECT * FROM insight_clv_summary('1997-10-01 00:00+00')")


def fit(negll, start):
    """scipy's maximum: Nelder-Mead on log-parameters, restarted until it settles
    (tighter tolerances than these only chase rounding noise)."""
    options = {"xatol": 1e-8, "fatol": 1e-10, "maxiter": 100000, "maxfev": 100000}
    best = minimize(negll, np.log(start), method="Nelder-Mead", options=options)
    while True:
        nxt = minimize(negll, best.x, method="Nelder-Mead", options=options)
        if nxt.fun >= best.fun - 1e-12:
            return np.exp(best.x), -best.fun
        best = nxt


# ---------------------------------------------------------------------------
# 2. BG/NBD, FHL 2005 eq. (6):
#   L = B(a, b+x)/B(a, b) G(r+x) alpha^r / (G(r) (alpha+T)^(r+x))
#     + [x > 0] B(a+1, b+x-1)/B(a, b) G(r+x) alpha^r / (G(r) (alpha+t_x)^(r+x))
# ---------------------------------------------------------------------------
def bg_loglik(p, x=x, tx=tx, T=T):
    r, alpha, a, b = p
    common = gammaln(r + x) - gammaln(r) + r * np.log(alpha) - betaln(a, b)
    first = betaln(a, b + x) - (r + x) * np.log(alpha + T)
    second = np.where(x > 0, betaln(a + 1, np.maximum(b + x - 1, 1e-300)) - (r + x) * np.log(alpha + tx), -np.inf)
    return (common + np.logaddexp(first, second)).sum()


bg_pub = [0.2425982, 4.4136842, 0.7929899, 2.4261667]
j = info("SELECT insight_bgnbd_fit(frequency, recency, \"T\") FROM cdnow_clv")
bg = np.array([j[n] for n in ("r", "alpha", "a", "b")])
sp, sp_ll = fit(lambda t: -bg_loglik(np.exp(t)), [1, 1, 1, 1])
print(f"     BG/NBD insight {bg} LL {j['log_likelihood']:.7f}; scipy {sp} LL {sp_ll:.7f}; "
      f"LL at the published values {bg_loglik(bg_pub):.7f}")
checks.check("BG/NBD converged", j["converged"] is True)
checks.check("BG/NBD log-likelihood = FHL eq. (6) evaluated here at insight's parameters (1e-8)",
             abs(j["log_likelihood"] - bg_loglik(bg)) < 1e-8, f"{j['log_likelihood']:.9f} vs {bg_loglik(bg):.9f}")
checks.check("BG/NBD reaches scipy's maximum (log-likelihood not lower by more than 1e-8)",
             bg_loglik(bg) >= sp_ll - 1e-8, f"{bg_loglik(bg) - sp_ll:.1e}")
checks.check("BG/NBD parameters = scipy's (rel 1e-4; the likelihood is flat in b)", rel(bg, sp) < 1e-4,
             f"max rel diff {rel(bg, sp):.1e}")
checks.check("BG/NBD log-likelihood -9582.429 (+- 0.001)", abs(j["log_likelihood"] + 9582.429) <= 0.001,
             f"{j['log_likelihood']:.4f}")
for name, mine, pub in zip(("r", "alpha", "a", "b"), bg, [0.243, 4.414, 0.793, 2.426]):
    checks.check(f"BG/NBD {name} = {pub} (FHL 2005, 3 decimals)", round(mine, 3) == pub, f"{mine:.5f}")
# BTYD's values
for name, mine, pub in zip(("r", "alpha", "a"), bg, bg_pub):
    checks.check(f"BG/NBD {name} = {pub} (rel 1e-4)", abs(mine / pub - 1) < 1e-4, f"{mine:.7f}, rel {abs(mine / pub - 1):.1e}")
# b: BTYD's 2.4261667 lies 1.07e-4 away along the flat direction,
# with a log-likelihood 1.1e-7 below the maximum that both insight and scipy find
checks.check(f"BG/NBD b = {bg_pub[3]} (rel 1.1e-4: the published point is 1.1e-7 below the maximum in log-likelihood)",
             abs(bg[3] / bg_pub[3] - 1) < 1.1e-4 and bg_loglik(bg_pub) < bg_loglik(bg),
             f"{bg[3]:.7f}, rel {abs(bg[3] / bg_pub[3] - 1):.2e}, LL gap {bg_loglik(bg) - bg_loglik(bg_pub):.1e}")



def fd_standard_errors(loglik, p, rel_step=1e-4):
    """Standard errors from the inverse of minus the Hessian of the log-likelihood in
    the natural parameters, the Hessian by central differences of loglik itself
    (steps rel_step * p_i; no gradient from insight)."""
    p = np.asarray(p, float)
    k = len(p)
    h = rel_step * p
    H = np.zeros((k, k))
    for i in range(k):
        for j in range(i, k):
            def f(di, dj):
                q = p.copy()
                q[i] += di * h[i]
                q[j] += dj * h[j]
                return loglik(q)
            H[i, j] = H[j, i] = (f(1, 1) - f(1, -1) - f(-1, 1) + f(-1, -1)) / (4 * h[i] * h[j])
    return np.sqrt(np.diag(np.linalg.inv(-H)))


def check_standard_errors(name, j, names, loglik, params):
    mine = np.array([j["standard_errors"][n] for n in names])
    ref = fd_standard_errors(loglik, params)
    err = rel(mine, ref)
    print(f"     {name} standard errors insight {mine}; scipy finite-difference Hessian {ref}")
    checks.check(f"{name} standard errors = sqrt(diag(inverse Hessian)) by finite differences here (rel 1e-4)",
                 err < 1e-4, f"max rel diff {err:.1e}")


check_standard_errors("BG/NBD", j, ("r", "alpha", "a", "b"), bg_loglik, bg)

# P(alive), FHL 2008: 1 / (1 + [x > 0] a/(b+x-1) ((alpha+T)/(alpha+t_x))^(r+x))
M = "insight_bgnbd_model(0.243, 4.414, 0.793, 2.426)"
vals = [float(v) for v in query(f"""SELECT insight_bgnbd_p_alive({M}, 0, 0, 38.86), insight_bgnbd_p_alive({M}, 0, 0, 3000),
    insight_bgnbd_p_alive(insight_bgnbd_model(0.243, 4.414, 0.793, 1), 0, 0, 38.86),
    insight_bgnbd_p_alive({M}, 2, 30.43, 38.86)""")[0]]
checks.check("BG/NBD P(alive) = 1 exactly for x = 0 (T = 38.86, T = 3000, and b = 1)", vals[:3] == [1, 1, 1], vals[:3])
r, al, a, b = 0.243, 4.414, 0.793, 2.426
closed = 1 / (1 + a / (b + 1) * ((al + 38.86) / (al + 30.43)) ** (r + 2))
checks.check("BG/NBD P(alive | 2, 30.43, 38.86) = 0.7265786 (and FHL 2008 evaluated here)",
             round(vals[3], 7) == 0.7265786 and abs(vals[3] - closed) < 1e-14, f"{vals[3]:.10f} vs {closed:.10f}")

# predictions for every 10th customer
sel = slice(0, None, 10)
xs, txs, Ts = x[sel], tx[sel], T[sel]
rows = ",".join(f"({i},{a:g},{b!r},{c!r})" for i, (a, b, c) in enumerate(zip(xs, txs, Ts)))


def column(expr):
    return np.array([float(r[0]) for r in query(f"SELECT {expr} FROM (VALUES {rows}) v(i, x, t, \"T\") ORDER BY i")])


pa = np.where(xs > 0, 1 / (1 + a / np.maximum(b + xs - 1, 1e-300) * ((al + Ts) / (al + txs)) ** (r + xs)), 1)
err = np.max(np.abs(column(f"insight_bgnbd_p_alive({M}, x, t, \"T\")") - pa))
checks.check("BG/NBD P(alive), every 10th customer = FHL 2008 (1e-12)", err < 1e-12, f"max abs diff {err:.1e}")
t = 39.0
eq10 = ((a + b + xs - 1) / (a - 1) * (1 - ((al + Ts) / (al + Ts + t)) ** (r + xs)
                                      * hyp2f1(r + xs, b + xs, a + b + xs - 1, t / (al + Ts + t)))
        / (1 + (xs > 0) * a / np.maximum(b + xs - 1, 1e-300) * ((al + Ts) / (al + txs)) ** (r + xs)))
err = rel(column(f"insight_bgnbd_expected_purchases({M}, 39, x, t, \"T\")"), eq10)
checks.check("BG/NBD E[Y(39) | x, t_x, T] = FHL eq. (10) with scipy's hyp2f1 (rel 1e-10)", err < 1e-10,
             f"max rel diff {err:.1e}")
ns = np.arange(0, 15)
eq8 = (np.exp(betaln(a, b + ns) - betaln(a, b) + gammaln(r + ns) - gammaln(r) - gammaln(ns + 1)
              + r * np.log(al / (al + t)) + ns * np.log(t / (al + t)))
       + np.array([0.0] + [np.exp(betaln(a + 1, b + n - 1) - betaln(a, b))
                           * (1 - (al / (al + t)) ** r * sum(np.exp(gammaln(r + j) - gammaln(r) - gammaln(j + 1))
                                                             * (t / (al + t)) ** j for j in range(n)))
                           for n in ns[1:]]))
got = np.array([float(v[0]) for v in query(
    f"SELECT insight_bgnbd_purchase_probability({M}, n, 39) FROM generate_series(0, 14) n ORDER BY n")])
err = np.max(np.abs(got - eq8))
checks.check("BG/NBD P(X(39) = n), n = 0..14 = FHL eq. (8) (1e-12)", err < 1e-12, f"max abs diff {err:.1e}")

# ---------------------------------------------------------------------------
# 2b. Modified BG/NBD, Batislam, Denizel & Filiztekin (2007), as BTYDplus's
#     mbgnbd.LL: the dropout chance also at the first purchase,
#   L = B(a, b+x+1)/B(a, b) G(r+x) alpha^r / (G(r) (alpha+T)^(r+x))
#     + B(a+1, b+x)/B(a, b) G(r+x) alpha^r / (G(r) (alpha+t_x)^(r+x))
#   E[Y(t) | x, t_x, T] = (a+b+x)/(a-1) [1 - ((alpha+T)/(alpha+T+t))^(r+x)
#     2F1(r+x, b+x+1; a+b+x; t/(alpha+T+t))] / (1 + a/(b+x) ((alpha+T)/(alpha+t_x))^(r+x))
# ---------------------------------------------------------------------------
def mbg_loglik(p, x=x, tx=tx, T=T):
    r, alpha, a, b = p
    common = gammaln(r + x) - gammaln(r) + r * np.log(alpha) - betaln(a, b)
    return (common + np.logaddexp(betaln(a, b + x + 1) - (r + x) * np.log(alpha + T),
                                  betaln(a + 1, b + x) - (r + x) * np.log(alpha + tx))).sum()


j = info("SELECT insight_mbgnbd_fit(frequency, recency, \"T\") FROM cdnow_clv")
mbg = np.array([j[n] for n in ("r", "alpha", "a", "b")])
sp, sp_ll = fit(lambda t: -mbg_loglik(np.exp(t)), [1, 1, 1, 1])
print(f"     MBG/NBD insight {mbg} LL {j['log_likelihood']:.7f}; scipy {sp} LL {sp_ll:.7f}")
checks.check("MBG/NBD log-likelihood = Batislam et al. (2007) evaluated here at insight's parameters (1e-8)",
             abs(j["log_likelihood"] - mbg_loglik(mbg)) < 1e-8, f"{j['log_likelihood']:.9f} vs {mbg_loglik(mbg):.9f}")
checks.check("MBG/NBD reaches scipy's maximum (1e-8)", mbg_loglik(mbg) >= sp_ll - 1e-8, f"{mbg_loglik(mbg) - sp_ll:.1e}")
checks.check("MBG/NBD parameters = scipy's (rel 1e-4)", rel(mbg, sp) < 1e-4, f"max rel diff {rel(mbg, sp):.1e}")
for name, mine, pub in zip(("r", "alpha", "a", "b"), mbg, [0.525, 6.183, 0.891, 1.614]):
    checks.check(f"MBG/NBD {name} = {pub} (BTYDplus, 3 decimals)", round(mine, 3) == pub, f"{mine:.5f}")
r_, al_, a_, b_ = 0.525, 6.183, 0.891, 1.614
sel_ = slice(0, None, 10)
xs_, txs_, Ts_ = x[sel_], tx[sel_], T[sel_]
rows_ = ",".join(f"({i},{a:g},{b!r},{c!r})" for i, (a, b, c) in enumerate(zip(xs_, txs_, Ts_)))
got_ = np.array([[float(v) for v in r[1:]] for r in query(
    f"SELECT i, insight_mbgnbd_p_alive(m, x, t, \"T\"), insight_mbgnbd_expected_purchases(m, 39, x, t, \"T\") "
    f"FROM (VALUES {rows_}) v(i, x, t, \"T\"), insight_mbgnbd_model({r_}, {al_}, {a_}, {b_}) m ORDER BY i")])
pa_ = 1 / (1 + a_ / (b_ + xs_) * ((al_ + Ts_) / (al_ + txs_)) ** (r_ + xs_))
ey_ = ((a_ + b_ + xs_) / (a_ - 1) * (1 - ((al_ + Ts_) / (al_ + Ts_ + 39)) ** (r_ + xs_)
                                     * hyp2f1(r_ + xs_, b_ + xs_ + 1, a_ + b_ + xs_, 39 / (al_ + Ts_ + 39))) * pa_)
checks.check("MBG/NBD P(alive), every 10th customer = 1 / (1 + a/(b+x) ((alpha+T)/(alpha+t_x))^(r+x)) (1e-12)",
             np.max(np.abs(got_[:, 0] - pa_)) < 1e-12, f"max abs diff {np.max(np.abs(got_[:, 0] - pa_)):.1e}")
checks.check("MBG/NBD E[Y(39) | x, t_x, T], every 10th customer = the formula with scipy's hyp2f1 (rel 1e-10)",
             rel(got_[:, 1], ey_) < 1e-10, f"max rel diff {rel(got_[:, 1], ey_):.1e}")

# ---------------------------------------------------------------------------
# 2c. BG/BB, Fader, Hardie & Shang (2010), on their 11,104 donors
#     (test/data/donations.csv), from the paper's equations:
#   (5)  L = B(alpha+x, beta+n-x)/B(alpha, beta) B(gamma, delta+n)/B(gamma, delta)
#          + sum_{i=0}^{n-t_x-1} B(alpha+x, beta+t_x-x+i)/B(alpha, beta)
#                                B(gamma+1, delta+t_x+i)/B(gamma, delta)
#   (7)  P(X(n) = x), (11) P(alive at n+1), (13) E[X(n, n+n*)] in closed form
#        (gamma != 1): 1/L B(alpha+x+1, beta+n-x)/B(alpha, beta) delta/(gamma-1)
#        G(gamma+delta)/G(1+delta) [G(1+delta+n)/G(gamma+delta+n)
#                                   - G(1+delta+n+n*)/G(gamma+delta+n+n*)]
# ---------------------------------------------------------------------------
don = np.loadtxt("test/data/donations.csv", delimiter=",", skiprows=1)


def bgbb_row_loglik(p, xi, ti, ni):
    a, b, g, d = p
    acc = betaln(a + xi, b + ni - xi) - betaln(a, b) + betaln(g, d + ni) - betaln(g, d)
    for i in range(int(ni - ti)):
        acc = np.logaddexp(acc, betaln(a + xi, b + ti - xi + i) - betaln(a, b)
                           + betaln(g + 1, d + ti + i) - betaln(g, d))
    return acc


def bgbb_loglik(p):
    return sum(wi * bgbb_row_loglik(p, xi, ti, ni) for xi, ti, ni, wi in don)


query("CREATE TABLE donations (frequency int, recency int, periods int, weights int)")
subprocess.run(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-c",
                "\\copy donations FROM 'test/data/donations.csv' WITH (FORMAT csv, HEADER true)"], check=True)
j = info("SELECT insight_bgbb_fit(frequency, recency, periods) FROM donations, generate_series(1, weights)")
bb = np.array([j[n] for n in ("alpha", "beta", "gamma", "delta")])
sp, sp_ll = fit(lambda t: -bgbb_loglik(np.exp(t)), [1, 1, 1, 1])
print(f"     BG/BB insight {bb} LL {j['log_likelihood']:.7f}; scipy {sp} LL {sp_ll:.7f}")
checks.check("BG/BB converged", j["converged"] is True)
checks.check("BG/BB log-likelihood = FHS 2010 eq. (5) evaluated here at insight's parameters (1e-8)",
             abs(j["log_likelihood"] - bgbb_loglik(bb)) < 1e-8, f"{j['log_likelihood']:.9f} vs {bgbb_loglik(bb):.9f}")
checks.check("BG/BB reaches scipy's maximum (1e-8)", bgbb_loglik(bb) >= sp_ll - 1e-8, f"{bgbb_loglik(bb) - sp_ll:.1e}")
checks.check("BG/BB parameters = scipy's (rel 1e-4)", rel(bb, sp) < 1e-4, f"max rel diff {rel(bb, sp):.1e}")
for name, mine, pub in zip(("alpha", "beta", "gamma", "delta"), bb, [1.204, 0.750, 0.657, 2.783]):
    checks.check(f"BG/BB {name} = {pub} (FHS 2010, 3 decimals)", round(mine, 3) == pub, f"{mine:.5f}")
check_standard_errors("BG/BB", j, ("alpha", "beta", "gamma", "delta"), bgbb_loglik, bb)

# the scoring functions at a given model (gamma != 1 for the closed form of eq. 13)
al_, be_, ga_, de_ = 1.204, 0.750, 0.657, 2.783
M_ = f"insight_bgbb_model({al_}, {be_}, {ga_}, {de_})"
got_ = np.array([[float(v) for v in r] for r in query(
    f"SELECT insight_bgbb_p_alive({M_}, frequency, recency, periods), "
    f"insight_bgbb_expected_purchases({M_}, 5, frequency, recency, periods) FROM donations "
    f"ORDER BY frequency, recency, periods")])
ref_pa, ref_e = [], []
for xi, ti, ni in sorted((xi, ti, ni) for xi, ti, ni, _ in don):
    ll_ = bgbb_row_loglik([al_, be_, ga_, de_], xi, ti, ni)
    ref_pa.append(np.exp(betaln(al_ + xi, be_ + ni - xi) - betaln(al_, be_)
                         + betaln(ga_, de_ + ni + 1) - betaln(ga_, de_) - ll_))
    ref_e.append(np.exp(betaln(al_ + xi + 1, be_ + ni - xi) - betaln(al_, be_) - ll_) * de_ / (ga_ - 1)
                 * np.exp(gammaln(ga_ + de_) - gammaln(1 + de_))
                 * (np.exp(gammaln(1 + de_ + ni) - gammaln(ga_ + de_ + ni))
                    - np.exp(gammaln(1 + de_ + ni + 5) - gammaln(ga_ + de_ + ni + 5))))
checks.check("BG/BB P(alive), every pattern = FHS eq. (11) (1e-12)",
             np.max(np.abs(got_[:, 0] - ref_pa)) < 1e-12, f"max abs diff {np.max(np.abs(got_[:, 0] - ref_pa)):.1e}")
checks.check("BG/BB E[X(6, 11)], every pattern = FHS eq. (13) in closed form (rel 1e-10)",
             rel(got_[:, 1], ref_e) < 1e-10, f"max rel diff {rel(got_[:, 1], ref_e):.1e}")
pmf_ = [float(r[0]) for r in query(f"SELECT insight_bgbb_purchase_probability({M_}, x, 6) FROM generate_series(0, 6) x ORDER BY x")]
ref_pmf = [comb(6, k) * np.exp(betaln(al_ + k, be_ + 6 - k) - betaln(al_, be_) + betaln(ga_, de_ + 6) - betaln(ga_, de_))
           + sum(comb(i, k) * np.exp(betaln(al_ + k, be_ + i - k) - betaln(al_, be_) + betaln(ga_ + 1, de_ + i) - betaln(ga_, de_))
                 for i in range(k, 6)) for k in range(7)]
checks.check("BG/BB P(X(6) = x), x = 0..6 = FHS eq. (7) (1e-12)",
             np.max(np.abs(np.array(pmf_) - ref_pmf)) < 1e-12, f"max abs diff {np.max(np.abs(np.array(pmf_) - ref_pmf)):.1e}")

# ---------------------------------------------------------------------------
# 3. Pareto/NBD, FH 2005 eq. (18)-(22):
#   L = G(r+x) alpha^r beta^s / G(r) [ 1/((alpha+T)^(r+x) (beta+T)^s) + s/(r+s+x) A_0 ]
#   A_0 (alpha >= beta) = F(s+1, alpha, t_x) - F(s+1, alpha, T),
#   A_0 (alpha <  beta) = F(r+x, beta, t_x) - F(r+x, beta, T),
#   F(B, M, t) = 2F1(r+s+x, B; r+s+x+1; |alpha-beta|/(M+t)) / (M+t)^(r+s+x)
# and SMC 1987 as an integral over the time of death:
#   L = G(r+x) alpha^r beta^s / G(r) [ (alpha+T)^-(r+x) (beta+T)^-s
#       + s int_{t_x}^{T} (alpha+tau)^-(r+x) (beta+tau)^-(s+1) dtau ]
# ---------------------------------------------------------------------------
def pn_loglik_rows(p, x, tx, T):
    r, alpha, s, beta = p
    if alpha >= beta:
        B, M = s + 1, alpha
    else:
        B, M = r + x, beta
    k = r + s + x

    def F(t):
        return hyp2f1(k, B, k + 1, abs(alpha - beta) / (M + t)) / (M + t) ** k

    a0 = F(tx) - F(T)
    return (gammaln(r + x) - gammaln(r) + r * np.log(alpha) + s * np.log(beta)
            + np.log((alpha + T) ** -(r + x) * (beta + T) ** -s + s / k * a0))


def pn_loglik_integral(p, x, tx, T):
    r, alpha, s, beta = p
    inner = quad(lambda tau: (alpha + tau) ** -(r + x) * (beta + tau) ** -(s + 1), tx, T,
                 epsabs=0, epsrel=1e-13, limit=200)[0]
    return (gammaln(r + x) - gammaln(r) + r * np.log(alpha) + s * np.log(beta)
            + np.log((alpha + T) ** -(r + x) * (beta + T) ** -s + s * inner))


for p in ([0.553, 10.580, 0.606, 11.656], [0.553, 11.656, 0.606, 10.580]):
    err = max(abs(pn_loglik_rows(p, xi, ti, Ti) - pn_loglik_integral(p, xi, ti, Ti))
              for xi, ti, Ti in zip(x[::97], tx[::97], T[::97]))
    checks.check(f"Pareto/NBD: FH eq. (18)-(22) = SMC 1987 integral by quadrature, {p} (1e-10)", err < 1e-10,
                 f"max abs diff {err:.1e}")

pn_pub = [0.553, 10.580, 0.606, 11.656]
# identical rows collapsed with weights, for scipy's speed (the same likelihood)
uniq, counts = np.unique(np.c_[x, tx, T], axis=0, return_counts=True)
j = info("SELECT insight_pnbd_fit(frequency, recency, \"T\") FROM cdnow_clv")
pn = np.array([j[n] for n in ("r", "alpha", "s", "beta")])
sp, sp_ll = fit(lambda t: -(counts * pn_loglik_rows(np.exp(t), uniq[:, 0], uniq[:, 1], uniq[:, 2])).sum(), [1, 1, 1, 1])
pn_ll = pn_loglik_rows(pn, x, tx, T).sum()
pub_ll = pn_loglik_rows(pn_pub, x, tx, T).sum()
print(f"     Pareto/NBD insight {pn} LL {j['log_likelihood']:.7f}; scipy {sp} LL {sp_ll:.7f}; "
      f"LL at the published values {pub_ll:.7f}")
checks.check("Pareto/NBD converged", j["converged"] is True)
checks.check("Pareto/NBD log-likelihood = FH eq. (18) evaluated here at insight's parameters (1e-8)",
             abs(j["log_likelihood"] - pn_ll) < 1e-8, f"{j['log_likelihood']:.9f} vs {pn_ll:.9f}")
checks.check("Pareto/NBD reaches scipy's maximum (log-likelihood not lower by more than 1e-8)",
             pn_ll >= sp_ll - 1e-8, f"{pn_ll - sp_ll:.1e}")
checks.check("Pareto/NBD parameters = scipy's (rel 1e-4)", rel(pn, sp) < 1e-4, f"max rel diff {rel(pn, sp):.1e}")
checks.check("Pareto/NBD log-likelihood -9594.976 (+- 0.01)", abs(j["log_likelihood"] + 9594.976) <= 0.01,
             f"{j['log_likelihood']:.4f}")
# the paper's values (FHL 2005; ../shared/data/README.md), to the 3 decimals published
for name, mine, pub in zip(("r", "alpha", "s", "beta"), pn, [0.553, 10.578, 0.606, 11.669]):
    checks.check(f"Pareto/NBD {name} = {pub} (FHL 2005, 3 decimals)", round(mine, 3) == pub, f"{mine:.5f}")
# the issue also quotes alpha = 10.580, beta = 11.656 (LL -9594.976): not the
# maximum of this likelihood (2.9e-4 below it); insight and scipy agree on the
# maximum, within 0.002 (alpha) and 0.013 (beta) of those values
checks.check("Pareto/NBD alpha, beta within 2e-3 relative of the quoted 10.580, 11.656 (that point is below the maximum)",
             rel(pn[[1, 3]], [pn_pub[1], pn_pub[3]]) < 2e-3 and pub_ll < pn_ll,
             f"{pn[1]:.4f}, {pn[3]:.4f}; LL gap {pn_ll - pub_ll:.1e}")

check_standard_errors("Pareto/NBD", j, ("r", "alpha", "s", "beta"),
                      lambda p: (counts * pn_loglik_rows(p, uniq[:, 0], uniq[:, 1], uniq[:, 2])).sum(), pn)

# P(alive), FH eq. (36)-(37): 1 / (1 + s/(r+s+x) (alpha+T)^(r+x) (beta+T)^s A_0),
# and E[Y(t) | ...], FH eq. (41), for both orders of alpha and beta
for p in (pn_pub, [0.553, 8.0, 0.606, 11.656]):
    r_, al_, s_, be_ = p
    model = f"insight_pnbd_model({r_}, {al_}, {s_}, {be_})"
    lik_rest = np.exp(pn_loglik_rows(p, xs, txs, Ts) - gammaln(r_ + xs) + gammaln(r_)
                      - r_ * np.log(al_) - s_ * np.log(be_))
    pa = (al_ + Ts) ** -(r_ + xs) * (be_ + Ts) ** -s_ / lik_rest
    err = np.max(np.abs(column(f"insight_pnbd_p_alive({model}, x, t, \"T\")") - pa))
    checks.check(f"Pareto/NBD P(alive) {p}, every 10th customer = FH eq. (36)-(37) (1e-10)", err < 1e-10,
                 f"max abs diff {err:.1e}")
    cond = pa * (r_ + xs) * (be_ + Ts) / ((al_ + Ts) * (s_ - 1)) * (1 - ((be_ + Ts) / (be_ + Ts + t)) ** (s_ - 1))
    err = rel(column(f"insight_pnbd_expected_purchases({model}, 39, x, t, \"T\")"), cond)
    checks.check(f"Pareto/NBD E[Y(39) | x, t_x, T] {p} = FH eq. (41) (rel 1e-10)", err < 1e-10, f"max rel diff {err:.1e}")

# ---------------------------------------------------------------------------
# 4. Gamma-Gamma, Fader & Hardie 2013, on the x > 0 customers with spend > 0:
#   f(m | x) = G(px+q) / (G(px) G(q)) gamma^q m^(px-1) x^(px) / (gamma + m x)^(px+q)
#   E[M | x, m] = (q-1)/(px+q-1) gamma p/(q-1) + px/(px+q-1) m
# ---------------------------------------------------------------------------
keep = (x > 0) & (zbar > 0)
gx, gm = x[keep], zbar[keep]


def gg_loglik(p):
    pp, q, g = p
    return (gammaln(pp * gx + q) - gammaln(pp * gx) - gammaln(q) + q * np.log(g) + (pp * gx - 1) * np.log(gm)
            + pp * gx * np.log(gx) - (pp * gx + q) * np.log(g + gm * gx)).sum()


j = info("SELECT insight_gammagamma_fit(frequency, monetary_value) FROM cdnow_clv")
gg = np.array([j[n] for n in ("p", "q", "gamma")])
sp, sp_ll = fit(lambda t: -gg_loglik(np.exp(t)), [1, 1, 1])
print(f"     Gamma-Gamma insight {gg} LL {j['log_likelihood']:.7f}; scipy {sp} LL {sp_ll:.7f}")
checks.check("Gamma-Gamma fitted on the 946 repeat customers, the others skipped",
             j["customers"] == 946 and j["rows_skipped"] == len(x) - 946, f"{j['customers']}, {j['rows_skipped']}")
checks.check("Gamma-Gamma log-likelihood = FH 2013 eq. (4) at insight's parameters (1e-8)",
             abs(j["log_likelihood"] - gg_loglik(gg)) < 1e-8, f"{j['log_likelihood']:.9f} vs {gg_loglik(gg):.9f}")
checks.check("Gamma-Gamma reaches scipy's maximum (1e-8)", gg_loglik(gg) >= sp_ll - 1e-8, f"{gg_loglik(gg) - sp_ll:.1e}")
checks.check("Gamma-Gamma parameters = scipy's (rel 1e-5)", rel(gg, sp) < 1e-5, f"max rel diff {rel(gg, sp):.1e}")
checks.check("Gamma-Gamma p = 6.25, q = 3.74, gamma = 15.44 (+- 0.02)",
             np.max(np.abs(gg - [6.25, 3.74, 15.44])) <= 0.02, f"{gg}")
check_standard_errors("Gamma-Gamma", j, ("p", "q", "gamma"), gg_loglik, gg)
checks.check("Gamma-Gamma correlation of frequency and spend = numpy's",
             abs(j["frequency_spend_correlation"] - np.corrcoef(gx, gm)[0, 1]) < 1e-12,
             f"{j['frequency_spend_correlation']:.6f}")
pp, q, g = 6.25, 3.74, 15.44
for xi, mi, pub in ((2, 22.35, 24.6637), (1, 11.77, 18.9169), (0, None, 35.2190), (7, 73.74, 71.4697), (2, 100, 88.3530)):
    v = float(scalar(f"SELECT insight_gammagamma_expected_spend(insight_gammagamma_model(6.25, 3.74, 15.44), {xi}, "
                     f"{'NULL' if mi is None else mi})"))
    closed = (q - 1) / (pp * xi + q - 1) * g * pp / (q - 1) + (pp * xi / (pp * xi + q - 1) * mi if xi else 0)
    checks.check(f"Gamma-Gamma expected spend ({xi}, {mi}) = {pub} (and FH 2013 eq. (5))",
                 round(v, 4) == pub and abs(v - closed) < 1e-12, f"{v:.6f} vs {closed:.6f}")
j2 = info("SELECT insight_gammagamma_fit(x, m) FROM (SELECT frequency AS x, monetary_value AS m FROM cdnow_clv "
          "UNION ALL VALUES (3, 0), (2, -5)) d")
checks.check("Gamma-Gamma: training rows with spend 0 or -5 are never fitted",
             [j2[n] for n in ("p", "q", "gamma", "customers")] == [*gg, 946] and j2["rows_skipped"] == j["rows_skipped"] + 2)

# ---------------------------------------------------------------------------
# 5. CLV: sum_k E[spend] (E[X(k month)] - E[X((k-1) month)]) / (1+d)^k
# ---------------------------------------------------------------------------
def bg_expected(p, t, x, tx, T):
    r, al, a, b = p
    if t == 0:
        return 0.0
    return ((a + b + x - 1) / (a - 1) * (1 - ((al + T) / (al + T + t)) ** (r + x)
                                         * hyp2f1(r + x, b + x, a + b + x - 1, t / (al + T + t)))
            / (1 + (x > 0) * a / (b + x - 1) * ((al + T) / (al + tx)) ** (r + x)))


month = 30.4375 / 7
spend = (q - 1) / (pp * 2 + q - 1) * g * pp / (q - 1) + pp * 2 / (pp * 2 + q - 1) * 22.35
clv = sum(spend * (bg_expected([r, al, a, b], k * month, 2, 30.43, 38.86)
                   - bg_expected([r, al, a, b], (k - 1) * month, 2, 30.43, 38.86)) / 1.01 ** k for k in range(1, 13))
v = float(scalar(f"SELECT insight_clv_value({M}, insight_gammagamma_model(6.25, 3.74, 15.44), 2, 30.43, 38.86, 22.35)"))
checks.check("CLV over 12 months at 1 % a month = the discounted sum computed here (rel 1e-10)",
             abs(v / clv - 1) < 1e-10, f"{v:.6f} vs {clv:.6f}")

# ---------------------------------------------------------------------------
# 6. Three customers whose only purchase is on the last day: a clear error
# ---------------------------------------------------------------------------
for agg in ("insight_bgnbd_fit", "insight_pnbd_fit"):
    r = subprocess.run(["psql", "-X", "-q", "-v", "VERBOSITY=verbose", "-c",
                        f"SELECT {agg}(x, t, \"T\") FROM (VALUES (0, 0, 0), (0, 0, 0), (0, 0, 0)) v(x, t, \"T\")"],
                       capture_output=True, text=True)
    msg = r.stderr.strip().splitlines()[0] if r.stderr.strip() else ""
    checks.check(f"{agg}: x = t_x = T = 0 for every row is an error about a zero-length observation window, not NaN",
                 r.returncode != 0 and "ERROR:  22" in msg and "observation" in r.stderr and "HINT" in r.stderr
                 and "NaN" not in r.stdout, msg)

os.environ["PGDATABASE"] = "postgres"
subprocess.run(["dropdb", DB], check=True)
checks.report()
