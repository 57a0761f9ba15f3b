#!/usr/bin/python3
"""Issue 18, part 3: is Online Retail's 93-day holdout (2011-09-08 to
2011-12-10) out of reach of any model fitted before it because of its level?

Reads the purchase days of every customer (customer, UTC day) exported from
insight_sales, e.g.
  ./run exec bash -c 'createdb orx; psql -d orx -f sql/00_setup.sql >/dev/null;
      psql -d orx -c "\\copy (SELECT customer_id::text, (ordered_at AT TIME ZONE '"'UTC'"')::date
          FROM insight_sales WHERE quantity > 0 AND amount >= 0 GROUP BY 1, 2) TO /tmp/or_days.csv CSV"'
  /usr/bin/python3 test/clv/online_retail_season.py /tmp/or_days.csv
and prints, in days (the models are scale-free in time):
  1. purchase days per month (the shop's level through the year);
  2. BG/NBD with a log-linear trend in the purchase rate, lambda * exp(g u)
     (u: days since 2010-12-01), fitted by maximum likelihood on the
     calibration period: a non-homogeneous Poisson process is a homogeneous
     one in operational time G(u) = int exp(g v) dv (Cox & Lewis 1966, ch. 4),
     so the BG/NBD likelihood of Fader, Hardie & Lee (2005, eq. 6) holds with
     t_x and T replaced by G-times, times the Jacobian prod_j exp(g u_j) of
     the repeat purchases; g = 0 is BG/NBD itself;
  3. the NBD model's (the no-dropout limit every BTYD fit reaches here)
     predictive median and mean MAE against the past rate's, with the
     holdout's horizon stretched by a level factor L: L = 1 is what a model
     fitted before the holdout can know; L > 1 gives it the holdout's level.
Not part of the suite (a few seconds); the figures are quoted in
docs/reference/clv.md.
"""
import collections
import csv
import datetime as dt
import sys

import numpy as np
from scipy.optimize import minimize
from scipy.special import gammaln
from scipy.stats import nbinom, poisson

D0 = dt.date(2010, 12, 1)
CAL_END = dt.date(2011, 9, 8)
HOLD_END = dt.date(2011, 12, 10)

days = collections.defaultdict(set)
months = collections.Counter()
with open(sys.argv[1]) as f:
    for c, d in csv.reader(f):
        d = dt.date.fromisoformat(d)
        days[c].add(d)
        months[d.strftime('%Y-%m')] += 1
print('purchase days per month:', ', '.join(f'{m} {n}' for m, n in sorted(months.items())))

u_first, u_last, u_sum, x, actual = [], [], [], [], []
for c, s in days.items():
    cal = sorted((d - D0).days for d in s if d < CAL_END)
    if not cal:
        continue
    u_first.append(cal[0]); u_last.append(cal[-1]); u_sum.append(sum(cal[1:]))
    x.append(len(cal) - 1)
    actual.append(sum(1 for d in s if CAL_END <= d < HOLD_END))
u0, ul, su, x, act = (np.array(a, dtype=float) for a in (u_first, u_last, u_sum, x, actual))
# T runs to the last observed day (the day before CAL_END), as insight_clv_summary counts it
uc, H = float((CAL_END - D0).days - 1), float((HOLD_END - CAL_END).days)
T = uc - u0
print(f'calibration customers {len(x)}, holdout {H:.0f} days, actual repeat purchase days {act.sum():.0f}')


def G(g, a, b):
    """int_a^b exp(g v) dv"""
    return b - a if abs(g) < 1e-12 else (np.exp(g * b) - np.exp(g * a)) / g


def trend_bgnbd_nll(p):
    r, al, a, b = np.exp(p[:4])
    g = p[4]
    tx, tt = G(g, u0, ul), G(g, u0, uc)
    l1 = gammaln(r + x) - gammaln(r) + r * np.log(al)
    l2 = gammaln(a + b) + gammaln(b + x) - gammaln(b) - gammaln(a + b + x)
    l3 = -(r + x) * np.log(al + tt)
    l4 = np.where(x > 0, np.log(a) - np.log(np.maximum(b + x - 1, 1e-300)) - (r + x) * np.log(al + tx), -np.inf)
    return -(l1 + l2 + np.logaddexp(l3, l4) + g * su).sum()


fits = {}
for free_g in (False, True):
    best = None
    for g0 in ((0.0,) if not free_g else (0.0, 0.002, -0.002)):
        f = (trend_bgnbd_nll if free_g else (lambda p: trend_bgnbd_nll(np.r_[p, 0.0])))
        p0 = np.r_[np.log([0.5, 10, 0.5, 2]), g0] if free_g else np.log([0.5, 10, 0.5, 2])
        res = minimize(f, p0, method='Nelder-Mead',
                       options={'maxiter': 20000, 'maxfev': 20000, 'xatol': 1e-9, 'fatol': 1e-9})
        if best is None or res.fun < best.fun:
            best = res
    fits[free_g] = best
r, al, a, b = np.exp(fits[True].x[:4])
print(f'BG/NBD with a trend: r {r:.4f}, alpha {al:.3f}, a {a:.3g}, b {b:.4g}, g {fits[True].x[4]:.3g} per day '
      f'(x{np.exp(fits[True].x[4] * 365):.3f} a year); log-likelihood {-fits[True].fun:.3f} '
      f'against {-fits[False].fun:.3f} without (g = 0)')

res = minimize(lambda p: -(gammaln(np.exp(p[0]) + x) - gammaln(np.exp(p[0])) + np.exp(p[0]) * p[1]
                           - (np.exp(p[0]) + x) * np.log(np.exp(p[1]) + T)).sum(),
               np.log([0.5, 10]), method='Nelder-Mead', options={'xatol': 1e-10, 'fatol': 1e-10, 'maxiter': 5000})
r, al = np.exp(res.x)
print(f'NBD: r {r:.4f}, alpha {al:.3f}; predicted total {((r + x) / (al + T) * H).sum():.1f}')
for L in (1.0, 1.1, 1.2, 1.34):
    t = H * L
    median = nbinom.median(r + x, (al + T) / (al + T + t))
    rate = np.where(T > 0, x / np.maximum(T, 1e-12) * t, 0.0)
    print(f'level x{L:.2f}: NBD MAE median {np.abs(median - act).mean():.4f}, mean {np.abs((r + x) / (al + T) * t - act).mean():.4f}'
          f' | past rate: Poisson median {np.abs(poisson.median(rate) - act).mean():.4f}, rate {np.abs(rate - act).mean():.4f}')
