#!/usr/bin/python3
"""Parameter recovery of bgnbd_fit on 1,000,000 simulated customers.

Simulates customers from known BG/NBD parameters with numpy (purchase rate
lambda ~ Gamma(r, rate alpha), dropout chance p ~ Beta(a, b) after each
purchase, ages of 1..365 whole days, purchase times rounded to whole days
as clv_summary gives them), loads them, fits bgnbd_fit and checks:

  * every parameter within 1% of the truth (the sampling error at this size
    is a few tenths of a percent),
  * the fitted log-likelihood is at least that of the true parameters
    (computed by an independent numpy implementation of lifetimes'
    likelihood),
  * the fit converged, and the state held the distinct (frequency, recency,
    t) triples, far fewer than the customers.

Prints the fit time and the number of distinct triples.  Connects with the
PGHOST/PGPORT/PGUSER environment the test runner exports; exits non-zero on
any mismatch.
"""
import io
import sys
import time

import numpy as np
from scipy.special import gammaln
from _scratchdb import scratch_db

DB = "custvalue_conf_clv_recovery"
N = 1_000_000
TRUTH = {"r": 0.5, "alpha": 20.0, "a": 0.8, "b": 2.5}


def simulate(rng, n):
    lam = rng.gamma(TRUTH["r"], 1 / TRUTH["alpha"], n)
    p = rng.beta(TRUTH["a"], TRUTH["b"], n)
    T = rng.integers(1, 366, n).astype(float)
    x = np.zeros(n)
    tx = np.zeros(n)
    t = np.zeros(n)
    active = np.arange(n)
    while active.size:
        t[active] += rng.exponential(1 / lam[active])
        bought = active[t[active] <= T[active]]
        x[bought] += 1
        tx[bought] = np.minimum(np.round(t[bought]), T[bought])
        active = bought[rng.random(bought.size) >= p[bought]]
    return x, tx, T


def loglik(params, x, tx, T):
    r, alpha, a, b = params
    a1 = gammaln(r + x) - gammaln(r) + r * np.log(alpha)
    a2 = gammaln(a + b) + gammaln(b + x) - gammaln(b) - gammaln(a + b + x)
    a3 = -(r + x) * np.log(alpha + T)
    a4 = np.log(a) - np.log(b + np.maximum(x, 1) - 1) - (r + x) * np.log(tx + alpha)
    return (a1 + a2 + np.logaddexp(a3, np.where(x > 0, a4, -np.inf))).sum()


def main():
    failures = []

    def check(ok, what):
        print(("ok   " if ok else "FAIL ") + what)
        if not ok:
            failures.append(what)

    x, tx, T = simulate(np.random.default_rng(20050101), N)
    with scratch_db(DB) as conn:
        cur = conn.cursor()
        cur.execute("CREATE TABLE sim (frequency float8, recency float8, t float8)")
        buf = io.StringIO()
        np.savetxt(buf, np.column_stack([x, tx, T]), fmt="%d", delimiter=",")
        buf.seek(0)
        cur.copy_expert("COPY sim FROM STDIN WITH (FORMAT csv)", buf)
        start = time.time()
        cur.execute("SELECT custvalue.bgnbd_fit(frequency, recency, t)::jsonb FROM sim")
        m = cur.fetchone()[0]
        elapsed = time.time() - start
    print("     bgnbd_fit on %d customers: %.2f s, %d distinct triples, %d iterations"
          % (m["customers"], elapsed, m["distinct"], m["iterations"]))
    print("     r %.5f alpha %.4f a %.5f b %.5f (truth %s)" % (m["r"], m["alpha"], m["a"], m["b"], TRUTH))
    check(m["converged"] and m["customers"] == N, "the fit converged on all %d customers" % N)
    check(m["distinct"] < N / 2, "the state kept %d distinct triples, not the customers" % m["distinct"])
    for k, v in TRUTH.items():
        check(abs(m[k] - v) <= 0.01 * v, "%s = %.5g within 1%% of the true %g" % (k, m[k], v))
    ll_true = loglik([TRUTH[k] for k in ("r", "alpha", "a", "b")], x, tx, T)
    ll_fit = loglik([m[k] for k in ("r", "alpha", "a", "b")], x, tx, T)
    check(ll_fit >= ll_true, "fitted log-likelihood %.2f >= the true parameters' %.2f" % (ll_fit, ll_true))
    check(abs(ll_fit - m["log_likelihood"]) < 1e-6 * abs(ll_fit),
          "the model's log-likelihood equals numpy's at its parameters")
    print("%d failure(s)" % len(failures))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
