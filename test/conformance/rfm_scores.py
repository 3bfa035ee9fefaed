#!/usr/bin/python3
"""Conformance of the RFM+N tie-aware scores against pandas.

Generates customers with heavy ties and NULLs, fits custvalue.rfmn_fit in a
scratch database and compares, for every customer and every dimension, the
score of custvalue.rfmn_score with 1 + floor(bins * (rank - 1) / N), where
rank is pandas' rank(method='min') in worst-to-best order (recency
descending, the others ascending) and N the dimension's non-NULL count.  It
also checks the weighted mean and segment, rfmn_thresholds against a pandas
groupby, and values the fit never saw against the count of fitted values
strictly worse (capped at bins).  Exits non-zero on any mismatch.

Connects with the PGHOST/PGPORT/PGUSER environment the test runner exports.
"""
import math
import os
import sys

import numpy as np
import pandas as pd
import psycopg2
from psycopg2.extras import execute_values

DB = "custvalue_conf_rfm"
DIMS = ["recency", "frequency", "monetary", "nps"]
N_CUSTOMERS = 20000


def make_customers(rng):
    """Customers with ties in every dimension and NULLs in some."""
    n = N_CUSTOMERS
    df = pd.DataFrame({
        "id": np.arange(1, n + 1),
        # days since last activity: many ties, a long tail
        "recency": np.minimum(rng.geometric(0.02, n), 365).astype(float),
        # active days: most customers active on one day only
        "frequency": np.where(rng.random(n) < 0.45, 1, rng.integers(1, 200, n)).astype(float),
        # minutes, rounded to tens: ties and a heavy tail
        "monetary": np.round(rng.lognormal(6, 1.5, n), -1),
        # mean NPS rating in halves
        "nps": np.round(rng.integers(0, 21, n) / 2.0, 1),
    })
    df.loc[rng.random(n) < 0.05, "recency"] = np.nan
    df.loc[rng.random(n) < 0.10, "monetary"] = np.nan
    df.loc[rng.random(n) < 0.60, "nps"] = np.nan
    return df


def reference_scores(df, bins):
    """Tie-aware scores with pandas' min rank, worst to best."""
    out = {}
    for d in DIMS:
        col = df[d]
        rank = col.rank(method="min", ascending=(d != "recency"))
        n = col.notna().sum()
        out[d] = np.where(col.isna(), np.nan, 1 + np.floor(bins * (rank - 1) / n))
    return pd.DataFrame(out, index=df.index)


def reference_unseen(fitted, probe, bins, reversed_):
    """Score of a value by the count of fitted values strictly worse."""
    v = np.sort(fitted[~np.isnan(fitted)])
    n = len(v)
    if reversed_:
        worse = n - np.searchsorted(v, probe, side="right")
    else:
        worse = np.searchsorted(v, probe, side="left")
    return np.minimum(bins, 1 + (bins * worse) // n)


def segment(s, edges):
    if s is None or (isinstance(s, float) and math.isnan(s)):
        return None
    if s >= edges[0]:
        return "high_value"
    if s >= edges[1]:
        return "mid_value"
    if s >= edges[2]:
        return "low_value"
    return "churn_risk"


def check_fit(cur, df, bins, weights, edges, failures):
    opts = '{"bins": %d, "weights": [%s], "edges": [%s]}' % (
        bins, ", ".join(map(str, weights)), ", ".join(map(str, edges)))
    cur.execute("""
        WITH m AS (SELECT custvalue.rfmn_fit(recency, frequency, monetary, nps, %s) AS model FROM rfm_conf)
        SELECT id, (s).r, (s).f, (s).m, (s).n, (s).score,
               custvalue.rfmn_segment(model, recency, frequency, monetary, nps)
          FROM rfm_conf, m, LATERAL custvalue.rfmn_score(model, recency, frequency, monetary, nps) s
         ORDER BY id""", (opts,))
    got = pd.DataFrame(cur.fetchall(), columns=["id"] + DIMS + ["score", "segment"]).set_index("id")
    ref = reference_scores(df, bins)
    ref.index = df["id"]
    label = "bins %d" % bins
    for d in DIMS:
        g = got[d].astype(float)
        bad = ~((g == ref[d]) | (g.isna() & ref[d].isna()))
        if bad.any():
            i = bad.idxmax()
            failures.append("%s: %s differs for %d customers, e.g. id %d: got %s, want %s"
                            % (label, d, bad.sum(), i, g[i], ref[d][i]))
    w = np.array(weights, dtype=float)
    present = ref[DIMS].notna().values & (w > 0)
    wsum = (present * w).sum(axis=1)
    num = (np.nan_to_num(ref[DIMS].values) * w * present).sum(axis=1)
    want_s = np.where(wsum > 0, num / np.where(wsum > 0, wsum, 1), np.nan)
    got_s = got["score"].astype(float).values
    bad = ~((np.abs(got_s - want_s) <= 1e-12) | (np.isnan(got_s) & np.isnan(want_s)))
    if bad.any():
        failures.append("%s: weighted mean differs for %d customers" % (label, bad.sum()))
    want_seg = [segment(x, edges) for x in want_s]
    bad = [i for i, (a, b) in enumerate(zip(got["segment"], want_seg)) if a != b]
    if bad:
        failures.append("%s: segment differs for %d customers" % (label, len(bad)))

    # realised thresholds: per dimension and score, min, max, count
    cur.execute("""SELECT dimension, score, min_value, max_value, customers
                     FROM custvalue.rfmn_thresholds(
                       (SELECT custvalue.rfmn_fit(recency, frequency, monetary, nps, %s) FROM rfm_conf))""",
                (opts,))
    got_t = sorted(cur.fetchall())
    want_t = []
    for d in DIMS:
        t = pd.DataFrame({"v": df[d], "s": ref[d].values}).dropna()
        for s, grp in t.groupby("s"):
            want_t.append((d, int(s), float(grp.v.min()), float(grp.v.max()), int(len(grp))))
    if got_t != sorted(want_t):
        failures.append("%s: rfmn_thresholds differ from the pandas groupby" % label)

    # values the fit never saw
    for d in ["recency", "monetary"]:
        fitted = df[d].values
        lo, hi = np.nanmin(fitted), np.nanmax(fitted)
        probe = np.concatenate([[lo - 1, hi + 1], np.linspace(lo, hi, 97) + 0.25])
        cur.execute("""SELECT (custvalue.rfmn_score(model, CASE WHEN %s THEN v END, NULL,
                                                    CASE WHEN NOT %s THEN v END, NULL)).*
                         FROM (SELECT custvalue.rfmn_fit(recency, frequency, monetary, nps, %s) AS model
                                 FROM rfm_conf) m, unnest(%s::float8[]) WITH ORDINALITY u(v, i)
                        ORDER BY i""", (d == "recency", d == "recency", opts, list(map(float, probe))))
        rows = cur.fetchall()
        got_u = np.array([r[0] if d == "recency" else r[2] for r in rows])
        want_u = reference_unseen(fitted, probe, bins, d == "recency")
        if not np.array_equal(got_u, want_u):
            failures.append("%s: unseen %s values score differently" % (label, d))


def main():
    rng = np.random.default_rng(20241122)
    df = make_customers(rng)
    admin = psycopg2.connect(dbname="postgres")
    admin.autocommit = True
    with admin.cursor() as c:
        c.execute("DROP DATABASE IF EXISTS " + DB)
        c.execute("CREATE DATABASE " + DB)
    failures = []
    try:
        conn = psycopg2.connect(dbname=DB)
        with conn, conn.cursor() as cur:
            cur.execute("CREATE EXTENSION custvalue")
            cur.execute("CREATE TABLE rfm_conf (id int, recency float8, frequency float8, "
                        "monetary float8, nps float8)")
            rows = [tuple(None if (isinstance(x, float) and math.isnan(x)) else x for x in r)
                    for r in df[["id"] + DIMS].itertuples(index=False, name=None)]
            execute_values(cur, "INSERT INTO rfm_conf VALUES %s", rows, page_size=5000)
            check_fit(cur, df, 5, [1, 1, 1, 1], [4, 3, 2], failures)
            check_fit(cur, df, 7, [3, 2, 1, 0.5], [5.5, 4, 2.5], failures)
            check_fit(cur, df, 100, [1, 1, 1, 0], [80, 50, 20], failures)
        conn.close()
    finally:
        with admin.cursor() as c:
            c.execute("DROP DATABASE IF EXISTS " + DB)
        admin.close()
    for f in failures:
        print("MISMATCH " + f)
    if failures:
        return 1
    print("rfm scores: %d customers x 3 fits agree with pandas rank(method='min')" % len(df))
    return 0


if __name__ == "__main__":
    sys.exit(main())
