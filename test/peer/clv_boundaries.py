"""Every valid BG/NBD and Pareto/NBD model scores (issue 18, part 1), against scipy.

Everything on the Python side is written from the papers, not from insight's C:
  - BG/NBD E[Y(t) | x, t_x, T]: Fader, Hardie & Lee (2005), eq. (10), with
    scipy's hyp2f1 where c = a+b+x-1 != 0 (scipy defines 2F1 for a negative,
    non-integer c), and at c = 0 its limit, c 2F1(A, B; c; z) -> A B z
    2F1(A+1, B+1; 2; z) (Abramowitz & Stegun 15.1.2), in
        E = [c - (1-z)^u c 2F1(u, v; c; z)] / (a-1) * P(alive);
    and independently the definition it comes from (FHL appendix): given
    alive, E[(1 - (1 + p t/(alpha+T))^-(r+x)) / p] with p ~ Beta(a, b+x), by
    scipy.integrate.quad with the algebraic weight p^(a-1) (1-p)^(b+x-1);
  - BG/NBD P(alive): FHL (2008); P(X(t) = n): FHL eq. (8);
  - CLV: the discounted monthly sum of lifetimes'
    _customer_lifetime_value with the expectation above;
  - Pareto/NBD E[Y(t) | x, t_x, T]: Fader & Hardie (2005) note 009, eq. (41),
    its limit at s = 1 ((1 - q^(s-1))/(s-1) -> -ln q), P(alive) eq. (36)-(37)
    with the integral of Schmittlein, Morrison & Colombo (1987) by quad.
The grid crosses a + b + x = 1 (c = 0), a = 1 and s = 1, with a and b as small
as lifetimes issue #206's fit (a = 0.001, b = 0.039).  Prints the worst
relative error of each comparison.
"""
import itertools
import math

import numpy as np
from scipy.integrate import quad
from scipy.special import betaln, gammaln, hyp2f1

from pgquery import Checks, query

checks = Checks("clv_boundaries")


def p_alive(r, alpha, a, b, x, tx, T):
    if x == 0:
        return 1.0
    return 1 / (1 + a / (b + x - 1) * ((alpha + T) / (alpha + tx)) ** (r + x))


def bg_eq10(r, alpha, a, b, t, x, tx, T):
    """FHL eq. (10) with scipy's hyp2f1; the c -> 0 limit at c = 0."""
    u, v, c = r + x, b + x, a + b + x - 1
    z = t / (alpha + T + t)
    if c == 0:
        c_f = u * v * z * hyp2f1(u + 1, v + 1, 2, z)
    else:
        c_f = c * hyp2f1(u, v, c, z)
    if a == 1:
        return math.nan
    return (c - (1 - z) ** u * c_f) / (a - 1) * p_alive(r, alpha, a, b, x, tx, T)


def bg_integral(r, alpha, a, b, t, x, tx, T):
    """Given alive, E[(1 - (1 + p k)^-u) / p], p ~ Beta(a, b+x), k = t/(alpha+T)."""
    u, v, k = r + x, b + x, t / (alpha + T)
    f = lambda p: -math.expm1(-u * math.log1p(p * k)) / p if p > 0 else u * k
    val = quad(f, 0, 1, weight="alg", wvar=(a - 1, v - 1), epsabs=0, epsrel=1e-13, limit=200)[0]
    return val / math.exp(betaln(a, v)) * p_alive(r, alpha, a, b, x, tx, T)


# (r, alpha) x (a, b) x customer x t, with a + b + x crossing 1 and a crossing 1
params = [(0.243, 4.414), (2.5, 30.0)]
ab = [(0.001, 0.039), (0.23, 0.5), (0.23, 0.77), (0.23, 0.77 - 1e-7), (0.23, 0.77 + 1e-7), (0.5, 0.5),
      (0.05, 0.95), (0.6, 0.1), (0.999999, 0.3), (1.0, 0.3), (1.000001, 0.3), (1.0, 2.4), (0.793, 2.426),
      (2.5, 0.001)]
customers = [(0, 0, 0), (0, 0, 38), (1, 5, 38), (3, 20, 38), (12, 37, 38)]
horizons = [0.01, 1, 52, 300]
grid = [(r, al, a, b, t, x, tx, T) for (r, al), (a, b), (x, tx, T), t
        in itertools.product(params, ab, customers, horizons)]
values = ",".join(f"({i},{r!r},{al!r},{a!r},{b!r},{t!r},{x},{tx!r},{T!r})" for i, (r, al, a, b, t, x, tx, T)
                  in enumerate(grid))
got = {int(row[0]): [float(v) for v in row[1:]] for row in query(
    f"""SELECT i, insight_bgnbd_expected_purchases(m, t, x, tx, "T"), insight_bgnbd_p_alive(m, x, tx, "T")
          FROM (VALUES {values}) g(i, r, al, a, b, t, x, tx, "T"), insight_bgnbd_model(r, al, a, b) m ORDER BY i""")}

worst_q, worst_h = (0, None), (0, None)
n_h = 0
for i, case in enumerate(grid):
    mine = got[i][0]
    ref = bg_integral(*case)
    e = abs(mine / ref - 1)
    if e > worst_q[0] or not math.isfinite(e):
        worst_q = (e, case, mine, ref)
    # eq. (10) divides by a - 1: in floating point it loses about 1e-16 / |a - 1|
    # near a = 1, which the quadrature above covers
    if abs(case[2] - 1) >= 1e-3:
        h = bg_eq10(*case)
        if math.isfinite(h):
            n_h += 1
            e = abs(mine / h - 1)
            if e > worst_h[0] or not math.isfinite(e):
                worst_h = (e, case, mine, h)
print(f"     worst vs quad: {worst_q}")
print(f"     worst vs hyp2f1: {worst_h}")
checks.check(f"BG/NBD E[Y(t) | x, t_x, T] on {len(grid)} points (c from -0.77 to 12.8, a from 0.001 to 2.5, "
             f"a = 1, c = 0) = the integral over p by quad (rel 1e-12)",
             worst_q[0] < 1e-12 and all(math.isfinite(got[i][0]) for i in got), f"worst rel {worst_q[0]:.1e}")
checks.check(f"BG/NBD E[Y(t) | x, t_x, T] on the {n_h} points with |a - 1| >= 1e-3 = FHL eq. (10) with scipy's hyp2f1 "
             f"(c 2F1 -> A B z 2F1(A+1, B+1; 2; z) at c = 0) (rel 1e-9)",
             worst_h[0] < 1e-9, f"worst rel {worst_h[0]:.1e}")
c_le_0 = [i for i, (r, al, a, b, t, x, tx, T) in enumerate(grid) if a + b + x - 1 <= 0]
checks.check(f"the grid has {len(c_le_0)} points with a + b + x <= 1, each scored", len(c_le_0) >= 40, len(c_le_0))
err = max(abs(got[i][1] - p_alive(*(grid[i][:4] + grid[i][5:]))) for i in got)
checks.check("BG/NBD P(alive) on the grid = FHL 2008 (1e-14)", err < 1e-14, f"max abs {err:.1e}")
# continuity across c = 0 (b = 0.77 -+ 1e-7 against b = 0.77, a = 0.23, x = 0)
cont = max(abs(got[grid.index((r, al, 0.23, 0.77 + d, t, 0, 0, T))][0]
               / got[grid.index((r, al, 0.23, 0.77, t, 0, 0, T))][0] - 1)
           for (r, al), t, T, d in itertools.product(params, horizons, (0, 38), (-1e-7, 1e-7)))
checks.check("BG/NBD E continuous across c = 0: b = 0.77 -+ 1e-7 within 1e-6 relative of b = 0.77 (a = 0.23, x = 0)",
             cont < 1e-6, f"max rel {cont:.1e}")

# P(X(t) = n) for a new customer, FHL eq. (8), on models with a + b <= 1
worst = 0
for r, al, a, b in [(0.243, 4.414, 0.001, 0.039), (0.243, 4.414, 0.23, 0.5), (2.5, 30.0, 0.6, 0.1)]:
    t = 39.0
    ns = np.arange(0, 12)
    q = t / (al + t)
    nbd = np.exp(gammaln(r + ns) - gammaln(r) - gammaln(ns + 1) + r * np.log(al / (al + t)) + ns * np.log(q))
    eq8 = (np.exp(betaln(a, b + ns) - betaln(a, b)) * nbd
           + np.array([0.0] + [np.exp(betaln(a + 1, b + n - 1) - betaln(a, b)) * (1 - nbd[:n].sum())
                               for n in ns[1:]]))
    mine = np.array([float(v[0]) for v in query(
        f"SELECT insight_bgnbd_purchase_probability(insight_bgnbd_model({r}, {al}, {a}, {b}), n, {t}) "
        f"FROM generate_series(0, 11) n ORDER BY n")])
    worst = max(worst, np.max(np.abs(mine - eq8)))
checks.check("BG/NBD P(X(39) = n), n = 0..11, a + b <= 1 = FHL eq. (8) (1e-12)", worst < 1e-12, f"max abs {worst:.1e}")

# CLV of a model with a + b < 1: the discounted monthly sum with the integral expectation
r, al, a, b = 0.243, 4.414, 0.23, 0.5
pp, q, g = 6.25, 3.74, 15.44
month = 30.4375 / 7
worst = 0
for x, tx, T, m in [(0, 0, 38.86, None), (2, 30.43, 38.86, 22.35)]:
    spend = g * pp / (q - 1) if x == 0 else (q - 1) / (pp * x + q - 1) * g * pp / (q - 1) + pp * x / (pp * x + q - 1) * m
    e = [0.0] + [bg_integral(r, al, a, b, k * month, x, tx, T) for k in range(1, 13)]
    clv = sum(spend * (e[k] - e[k - 1]) / 1.01 ** k for k in range(1, 13))
    v = float(query(f"SELECT insight_clv_value(insight_bgnbd_model({r}, {al}, {a}, {b}), "
                    f"insight_gammagamma_model(6.25, 3.74, 15.44), {x}, {tx}, {T}, {'NULL' if m is None else m})")[0][0])
    worst = max(worst, abs(v / clv - 1))
checks.check("CLV (12 months, 1 % a month) under a + b = 0.73 = the discounted sum computed here (rel 1e-9)",
             worst < 1e-9, f"max rel {worst:.1e}")


# Pareto/NBD across s = 1
def pn_p_alive(r, alpha, s, beta, x, tx, T):
    if tx == T:
        return 1.0
    inner = quad(lambda tau: ((alpha + T) / (alpha + tau)) ** (r + x) * ((beta + T) / (beta + tau)) ** s / (beta + tau),
                 tx, T, epsabs=0, epsrel=1e-13, limit=200)[0]
    return 1 / (1 + s * inner)


def pn_expected(r, alpha, s, beta, t, x, tx, T):
    lq = math.log((beta + T) / (beta + T + t))
    bracket = -lq if s == 1 else -math.expm1((s - 1) * lq) / (s - 1)
    return pn_p_alive(r, alpha, s, beta, x, tx, T) * (r + x) * (beta + T) / (alpha + T) * bracket


pgrid = [(r, al, s, be, t, x, tx, T) for (r, al, be), s, (x, tx, T), t in itertools.product(
    [(0.553, 10.58, 11.656), (0.553, 8.0, 11.656)], [0.999999, 1.0, 1.000001, 0.606, 3.0],
    [(0, 0, 0), (0, 0, 38), (3, 20, 38)], [1, 52])]
values = ",".join(f"({i},{r!r},{al!r},{s!r},{be!r},{t!r},{x},{tx!r},{T!r})" for i, (r, al, s, be, t, x, tx, T)
                  in enumerate(pgrid))
pgot = {int(row[0]): float(row[1]) for row in query(
    f"""SELECT i, insight_pnbd_expected_purchases(insight_pnbd_model(r, al, s, be), t, x, tx, "T")
          FROM (VALUES {values}) g(i, r, al, s, be, t, x, tx, "T") ORDER BY i""")}
err = max(abs(pgot[i] / pn_expected(*c) - 1) for i, c in enumerate(pgrid))
checks.check(f"Pareto/NBD E[Y(t) | x, t_x, T] on {len(pgrid)} points crossing s = 1 = note 009 eq. (41) (rel 1e-10)",
             err < 1e-10, f"max rel {err:.1e}")

checks.report()
