#!/usr/bin/python3
"""Conformance of the RFM+N tie-aware scores against pandas.

Generates customers with heavy ties and NULLs (28% tied at the best
recency, 45% at the worst frequency), fits custvalue.rfmn_fit in a scratch
database under every option (bins, ties, weights, edges) and compares, for
every customer and every dimension, the score of custvalue.rfmn_score with
the tie rule computed from pandas' ranks in worst-to-best order (recency
descending, the others ascending), N being the dimension's non-NULL count:

  ties "first":   1 + floor(bins * (rank_min - 1) / N);
  ties "midrank": 1 + floor(bins * (rank_average - 1/2) / N), except that
                  the group with the worst value scores 1, the group with
                  the best value bins, and a single group 1 + floor(bins / 2).

It also checks the weighted mean and segment, rfmn_thresholds against a
pandas groupby, and values the fit never saw: under "first" against the
count of fitted values strictly worse (capped at bins), under "midrank"
against the score of the nearest better fitted value (1 below the worst,
bins past the best).  Exits non-zero on any mismatch.

Connects with the PGHOST/PGPORT/PGUSER environment the test runner exports.
"""
import math
import os
import sys

import numpy as np
import pandas as pd
from psycopg2.extras import execute_values
from _scratchdb import scratch_db

DB = "custvalue_conf_rfm"
DIMS = ["recency", "frequency", "monetary", "nps"]
N_CUSTOMERS = 20000


def make_customers(rng):
    """Customers with ties in every dimension and NULLs in some."""
    n = N_CUSTOMERS
    df = pd.DataFrame({
        "id": np.arange(1, n + 1),
        # days since last activity: 28% active on the last day, a long tail
        "recency": np.where(rng.random(n) < 0.28, 0,
                            np.minimum(rng.geometric(0.02, n), 365)).astype(float),
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


def tie_rule(ties, bins, rank_min, rank_avg, rank_max, n):
    """The score of values with pandas' min, average and max ranks."""
    if ties == "first":
        return 1 + np.floor(bins * (rank_min - 1) / n)
    score = 1 + np.floor(bins * (2 * rank_avg - 1) / (2 * n))
    score = np.where(rank_min == 1, 1, score)          # the worst group
    score = np.where(rank_max == n, bins, score)       # the best group
    return np.where((rank_min == 1) & (rank_max == n), 1 + bins // 2, score)


def reference_scores(df, bins, ties):
    """Tie-aware scores from pandas' ranks, worst to best."""
    out = {}
    for d in DIMS:
        col = df[d]
        asc = d != "recency"
        ranks = [col.rank(method=m, ascending=asc) for m in ("min", "average", "max")]
        n = col.notna().sum()
        out[d] = np.where(col.isna(), np.nan, tie_rule(ties, bins, *ranks, n))
    return pd.DataFrame(out, index=df.index)


def reference_unseen(fitted, probe, bins, reversed_, ties):
    """Score of a value the fit may not have seen."""
    v = np.sort(fitted[~np.isnan(fitted)])
    n = len(v)
    if ties == "first":
        if reversed_:
            worse = n - np.searchsorted(v, probe, side="right")
        else:
            worse = np.searchsorted(v, probe, side="left")
        return np.minimum(bins, 1 + (bins * worse) // n)
    # midrank: the score of the nearest fitted value at least as good
    s = pd.Series(v)
    scores = tie_rule(ties, bins, *[s.rank(method=m, ascending=not reversed_).values
                                     for m in ("min", "average", "max")], n)
    out = []
    for p in probe:
        if reversed_:
            better = np.nonzero(v <= p)[0]
            pick = better[-1] if len(better) else None     # largest value <= p
        else:
            better = np.nonzero(v >= p)[0]
            pick = better[0] if len(better) else None      # smallest value >= p
        if pick is None:
            out.append(bins)
        elif (p > v[-1]) if reversed_ else (p < v[0]):
            out.append(1)
        else:
            out.append(int(scores[pick]))
    return np.array(out)


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


def check_fit(cur, df, bins, ties, weights, edges, failures):
    """One fit; ties None leaves the option out (the default, midrank)."""
    opts = '{"bins": %d, %s"weights": [%s], "edges": [%s]}' % (
        bins, '"ties": "%s", ' % ties if ties else "",
        ", ".join(map(str, weights)), ", ".join(map(str, edges)))
    ties = ties or "midrank"
    cur.execute("""
        WITH m AS (SELECT custvalue.rfmn_fit(recency, frequency, monetary, nps, %s) AS model FROM rfm_conf)
        SELECT id, (s).r, (s).f, (s).m, (s).n, (s).score,
               custvalue.rfmn_segment(model, recency, frequency, monetary, nps)
          FROM rfm_conf, m, LATERAL custvalue.rfmn_score(model, recency, frequency, monetary, nps) s
         ORDER BY id""", (opts,))
    got = pd.DataFrame(cur.fetchall(), columns=["id"] + DIMS + ["score", "segment"]).set_index("id")
    ref = reference_scores(df, bins, ties)
    ref.index = df["id"]
    label = "bins %d ties %s" % (bins, ties)
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
        want_u = reference_unseen(fitted, probe, bins, d == "recency", ties)
        if not np.array_equal(got_u, want_u):
            failures.append("%s: unseen %s values score differently" % (label, d))


def check_shapes(cur, failures):
    """All values equal, fewer customers than bins, a single customer."""
    for values in ([7.0, 7.0, 7.0], [1.0, 2.0, 3.0], [4.0], [2.0, 2.0, 9.0]):
        df = pd.DataFrame({d: values for d in DIMS})
        for ties in ("midrank", "first"):
            for bins in (1, 4, 5):
                cur.execute("""
                    SELECT (custvalue.rfmn_score(model, v, v, v, v)).*
                      FROM (SELECT custvalue.rfmn_fit(v, v, v, v, %s) AS model
                              FROM unnest(%s::float8[]) v) f, unnest(%s::float8[]) WITH ORDINALITY u(v, i)
                     ORDER BY i""", ('{"bins": %d, "ties": "%s"}' % (bins, ties), values, values))
                got = [r[:4] for r in cur.fetchall()]
                ref = reference_scores(df, bins, ties)
                want = [tuple(int(ref[d][i]) for d in DIMS) for i in range(len(values))]
                if got != want:
                    failures.append("shape %s bins %d ties %s: got %s, want %s"
                                    % (values, bins, ties, got, want))


def main():
    rng = np.random.default_rng(20241122)
    df = make_customers(rng)
    failures = []
    with scratch_db(DB) as conn:
        with conn.cursor() as cur:
            cur.execute("CREATE TABLE rfm_conf (id int, recency float8, frequency float8, "
                        "monetary float8, nps float8)")
            rows = [tuple(None if (isinstance(x, float) and math.isnan(x)) else x for x in r)
                    for r in df[["id"] + DIMS].itertuples(index=False, name=None)]
            execute_values(cur, "INSERT INTO rfm_conf VALUES %s", rows, page_size=5000)
            check_fit(cur, df, 5, None, [1, 1, 1, 1], [4, 3, 2], failures)
            check_fit(cur, df, 5, "first", [1, 1, 1, 1], [4, 3, 2], failures)
            check_fit(cur, df, 7, "midrank", [3, 2, 1, 0.5], [5.5, 4, 2.5], failures)
            check_fit(cur, df, 7, "first", [3, 2, 1, 0.5], [5.5, 4, 2.5], failures)
            check_fit(cur, df, 100, "midrank", [1, 1, 1, 0], [80, 50, 20], failures)
            check_fit(cur, df, 100, "first", [1, 1, 1, 0], [80, 50, 20], failures)
            check_shapes(cur, failures)
    for f in failures:
        print("MISMATCH " + f)
    if failures:
        return 1
    print("rfm scores: %d customers x 6 fits (both tie rules) agree with pandas ranks" % len(df))
    return 0


if __name__ == "__main__":
    sys.exit(main())
