#!/usr/bin/python3
"""Conformance of churn_fit and churn_risk against statsmodels and scikit-learn.

Generates subscribers with numeric features on different scales, a state
with unequal level frequencies and a plan, a label drawn from a logistic
model, and some rows with a NULL.  Then, in a scratch database:

- unpenalised: churn_fit's coefficients and standard errors in original
  units (churn_coefficients), its log-likelihood, null log-likelihood and
  every row's churn_risk against statsmodels' Logit on the same rows, with
  the dummies of pandas' get_dummies and the same reference level (the most
  frequent, ties to the first in byte order) dropped;
- penalised (l2 = 1): the standardized coefficients and intercept and every
  probability against scikit-learn's LogisticRegression(C=1) given the same
  standardized design (z-scores with the population sd, then the dummies);
- the encoding: levels, reference levels and design column names.

All within 1e-6 relative.  Exits non-zero on any mismatch.
Connects with the PGHOST/PGPORT/PGUSER environment the test runner exports.
"""
import json
import sys
import warnings

import numpy as np
import pandas as pd
import statsmodels.api as sm
from psycopg2.extras import execute_values
from sklearn.linear_model import LogisticRegression
from _scratchdb import scratch_db

DB = "custvalue_conf_churn"
N = 6000
NUM = ["account_length", "service_calls", "day_minutes", "intl_charge"]
CAT = ["state", "plan"]
RTOL = 1e-6
failures = []
# newton-cg at tol 1e-12 reaches the optimum, then says its line search stalls
warnings.filterwarnings("ignore", message=".*[Ll]ine [Ss]earch.*")


def check(name, got, want, rtol=RTOL, atol=1e-9):
    """Record a failure unless got and want agree elementwise."""
    got = np.asarray(got, dtype=float)
    want = np.asarray(want, dtype=float)
    err = np.abs(got - want) - (rtol * np.abs(want) + atol)
    if got.shape != want.shape or np.any(err > 0):
        i = int(np.argmax(err)) if got.shape == want.shape else 0
        failures.append("%s: got %r, want %r (worst at %d)" % (name, got.ravel()[i:i + 3],
                                                              want.ravel()[i:i + 3], i))
    else:
        print("ok   %s (%d values)" % (name, got.size))


def make_subscribers(rng):
    """Subscribers with effects like seed 004's, and a few incomplete rows."""
    states = np.array(["WV", "MN", "NY", "AL", "OH", "TX", "CA", "AK"])
    p_state = np.array([0.22, 0.18, 0.15, 0.12, 0.11, 0.10, 0.07, 0.05])
    df = pd.DataFrame({
        "id": np.arange(1, N + 1),
        "account_length": rng.normal(100, 40, N).round(),
        "service_calls": rng.poisson(1.6, N).astype(float),
        "day_minutes": rng.normal(180, 55, N).round(1),
        "intl_charge": rng.gamma(4, 0.7, N).round(2),
        "state": states[rng.choice(len(states), N, p=p_state)],
        "plan": np.where(rng.random(N) < 0.1, "yes", "no"),
    })
    eta = (-6.0 + 0.002 * df.account_length + 0.45 * df.service_calls + 0.013 * df.day_minutes
           + 0.15 * df.intl_charge + 2.0 * (df.plan == "yes") + 0.3 * (df.state == "NY"))
    df["churned"] = rng.random(N) < 1 / (1 + np.exp(-eta))
    df["churned"] = df["churned"].astype(object)
    df.loc[rng.random(N) < 0.01, "day_minutes"] = np.nan
    df.loc[rng.random(N) < 0.01, "state"] = None
    df.loc[rng.random(N) < 0.01, "churned"] = None
    return df


def reference_level(col):
    """Most frequent level, ties to the first in byte order."""
    counts = col.value_counts()
    top = counts.max()
    return sorted(counts[counts == top].index, key=lambda s: s.encode())[0]


def design(df, standardize):
    """Numeric columns (z-scores when asked) then get_dummies without the reference."""
    parts = []
    names = []
    for c in NUM:
        x = df[c]
        parts.append((x - x.mean()) / x.std(ddof=0) if standardize else x)
        names.append(c)
    for c in CAT:
        d = pd.get_dummies(df[c], prefix=c, prefix_sep="=").astype(float)
        d = d.drop(columns=c + "=" + reference_level(df[c]))
        parts.extend(d[k] for k in d.columns)
        names.extend(d.columns)
    return pd.concat(parts, axis=1, keys=names).to_numpy(), names


def fetch(conn, df, options):
    """The model's JSON, its coefficient table and every complete row's risk."""
    with conn.cursor() as c:
        c.execute("""CREATE TEMP TABLE m AS SELECT custvalue.churn_fit(
                       ARRAY[account_length, service_calls, day_minutes, intl_charge],
                       ARRAY[state, plan], churned, %s) AS m FROM subs""", (json.dumps(options),))
        c.execute("SELECT m::text FROM m")
        model = json.loads(c.fetchone()[0])
        c.execute("SELECT feature, coef, std_coef, std_error FROM m, custvalue.churn_coefficients(m)")
        coefs = pd.DataFrame(c.fetchall(), columns=["feature", "coef", "std_coef", "std_error"])
        c.execute("""SELECT id, custvalue.churn_risk(m, ARRAY[account_length, service_calls, day_minutes,
                       intl_charge], ARRAY[state, plan]) FROM subs, m
                     WHERE churned IS NOT NULL AND day_minutes IS NOT NULL AND state IS NOT NULL
                     ORDER BY id""")
        risk = np.array([r[1] for r in c.fetchall()])
        c.execute("DROP TABLE m")
    return model, coefs, risk


def main():
    rng = np.random.default_rng(20040728)
    df = make_subscribers(rng)
    with scratch_db(DB) as conn:
        with conn.cursor() as c:
            c.execute("""CREATE TABLE subs (id int, account_length float8, service_calls float8,
                           day_minutes float8, intl_charge float8, state text, plan text, churned bool)""")
            rows = [tuple(None if (isinstance(v, float) and np.isnan(v)) else
                          (v.item() if hasattr(v, "item") else v) for v in r)
                    for r in df[["id"] + NUM + CAT + ["churned"]].itertuples(index=False)]
            execute_values(c, "INSERT INTO subs VALUES %s", rows)
        names = {"names": NUM + CAT}
        complete = df.dropna().sort_values("id")
        y = complete["churned"].astype(float).to_numpy()

        # unpenalised: statsmodels Logit on the original units
        model, coefs, risk = fetch(conn, df, names)
        X, cols = design(complete, standardize=False)
        res = sm.Logit(y, sm.add_constant(X)).fit(method="newton", tol=1e-12, maxiter=100, disp=0)
        if list(coefs.feature) != ["(intercept)"] + cols:
            failures.append("design columns %r, want %r" % (list(coefs.feature), ["(intercept)"] + cols))
        else:
            print("ok   design columns match get_dummies with the reference dropped")
        for c in CAT:
            cat = [f for f in model["features"]["categorical"] if f["name"] == c][0]
            levels = sorted(complete[c].unique(), key=lambda s: s.encode())
            if cat["levels"] != levels or cat["reference"] != reference_level(complete[c]):
                failures.append("levels of %s: %r / %r" % (c, cat["levels"], cat["reference"]))
            else:
                print("ok   levels and reference of %s (%s)" % (c, cat["reference"]))
        check("coefficients vs statsmodels", coefs.coef, res.params)
        check("standard errors vs statsmodels", coefs.std_error, res.bse)
        check("log-likelihood vs statsmodels", model["fit"]["log_likelihood"], res.llf, atol=0)
        check("null log-likelihood vs statsmodels", model["fit"]["null_log_likelihood"], res.llnull, atol=0)
        check("aic vs statsmodels", model["fit"]["aic"], res.aic, atol=0)
        check("probabilities vs statsmodels", risk, res.predict(sm.add_constant(X)), atol=1e-12)
        if model["fit"]["rows_used"] != len(complete) or model["fit"]["rows_skipped"] != N - len(complete):
            failures.append("rows used/skipped %r/%r, want %d/%d" % (
                model["fit"]["rows_used"], model["fit"]["rows_skipped"], len(complete), N - len(complete)))
        else:
            print("ok   rows used and skipped (%d, %d)" % (len(complete), N - len(complete)))

        # penalised: scikit-learn C = 1 on the standardized design
        model, coefs, risk = fetch(conn, df, dict(names, l2=1.0))
        Z, _ = design(complete, standardize=True)
        sk = LogisticRegression(C=1.0, solver="newton-cg", tol=1e-12, max_iter=1000).fit(Z, y)
        check("penalised intercept vs scikit-learn", coefs.std_coef[0], sk.intercept_[0])
        check("penalised coefficients vs scikit-learn", coefs.std_coef[1:], sk.coef_[0])
        check("penalised probabilities vs scikit-learn", risk, sk.predict_proba(Z)[:, 1], atol=1e-12)
    for f in failures:
        print("FAIL " + f)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
