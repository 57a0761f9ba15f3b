"""A CLV summary drawn from the BG/NBD and Gamma-Gamma models themselves, as CSV
on stdout (customer_id, frequency, recency, T, monetary_value; weeks), for
test/bench/bench_clv.sh.

    clv_simulate.py N SEED

Fader, Hardie & Lee (2005), section 2: while active, a customer buys as a
Poisson process of rate lambda ~ Gamma(r, alpha); after every repeat purchase
they become inactive with probability p ~ Beta(a, b).  Customers are acquired
uniformly over 12 weeks and observed until week 78 (CDNOW's design); times
are whole days in weeks, as the summary of a real source has them.  The
spend per repeat purchase is Gamma(p_s, nu), nu ~ Gamma(q, gamma) (Fader &
Hardie 2013), so the mean of x purchases is Gamma(p_s x, nu x).  Parameters:
the published CDNOW values (BG/NBD 0.243, 4.414, 0.793, 2.426; Gamma-Gamma
6.25, 3.74, 15.44).
"""
import sys

import numpy as np

n, seed = int(sys.argv[1]), int(sys.argv[2])
r, alpha, a, b = 0.243, 4.414, 0.793, 2.426
p_s, q, gamma = 6.25, 3.74, 15.44
rng = np.random.default_rng(seed)

lam = rng.gamma(r, 1 / alpha, n)
p = rng.beta(a, b, n)
T = 78 - rng.integers(0, 84, n) / 7            # first purchase in the first 12 weeks
x = np.zeros(n, np.int64)
t = np.zeros(n)                                # time of the latest purchase
idx = np.arange(n)                             # dropout only after repeat purchases (FHL eq. 6)
while idx.size:
    t_next = t[idx] + rng.exponential(1, idx.size) / lam[idx]
    bought = t_next <= T[idx]
    idx = idx[bought]
    t[idx] = t_next[bought]
    x[idx] += 1
    idx = idx[rng.random(idx.size) >= p[idx]]
recency = np.floor(t * 7) / 7                  # whole days
nu = rng.gamma(q, 1 / gamma, n)
spend = np.where(x > 0, rng.gamma(p_s * np.maximum(x, 1), 1 / (nu * np.maximum(x, 1))), np.nan)

out = sys.stdout
for i in range(n):
    m = "" if x[i] == 0 else f"{spend[i]:.2f}"
    out.write(f"{i + 1},{x[i]},{recency[i]!r},{T[i]!r},{m}\n")
