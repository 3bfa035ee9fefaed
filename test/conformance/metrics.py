#!/usr/bin/python3
"""Conformance of the model evaluation aggregates against scikit-learn.

Generates scored rows with heavy ties, continuous scores, a single
positive, every score equal, and probabilities on the calibration bin
edges; evaluates them with the custvalue aggregates in a scratch database
and compares with scikit-learn (roc_auc_score, average_precision_score,
roc_curve, precision_recall_curve, log_loss, brier_score_loss,
calibration_curve, StandardScaler) and, for the metrics scikit-learn does
not have (threshold_for_precision, confusion_at, lift_at, psi), with
independent numpy implementations of their documented definitions.
Numbers must agree to 1e-12 (relative above 1), curves point for point.
Exits non-zero on any mismatch.

Connects with the PGHOST/PGPORT/PGUSER environment the test runner exports.
"""
import math
import sys
import warnings

import numpy as np
from psycopg2.extras import execute_values
from sklearn.calibration import calibration_curve
from sklearn.metrics import (average_precision_score, brier_score_loss, log_loss,
                             precision_recall_curve, roc_auc_score, roc_curve)
from sklearn.preprocessing import StandardScaler
from _scratchdb import scratch_db

DB = "custvalue_conf_metrics"
TOL = 1e-12
failures = []
checks = 0


def close(got, want, what):
    """Record a mismatch unless got equals want to TOL (relative above 1)."""
    global checks
    checks += 1
    if got is None or want is None or not np.isfinite(want):
        ok = got is None and (want is None or not np.isfinite(want))
    else:
        ok = abs(got - want) <= TOL * max(1.0, abs(want))
    if not ok:
        failures.append(f"{what}: custvalue {got!r}, reference {want!r}")


def same_arrays(got, want, what):
    """Element-wise close(), lengths equal."""
    if len(got) != len(want):
        failures.append(f"{what}: {len(got)} points, reference {len(want)}")
        return
    for i, (g, w) in enumerate(zip(got, want)):
        close(g, float(w), f"{what}[{i}]")


def make_sets(rng):
    """name -> (scores, labels, probabilities)."""
    sets = {}
    # heavy ties: scores on a 0.02 grid, labels related to them
    n = 6000
    y = rng.random(n) < 0.3
    s = np.round(np.clip(0.35 + 0.25 * y + rng.normal(0, 0.2, n), 0, 1) / 0.02) * 0.02
    sets["ties"] = (s, y, s)
    # continuous scores, every one distinct
    n = 3000
    y = rng.random(n) < 0.2
    s = rng.normal(0, 1, n) + 1.2 * y
    sets["continuous"] = (s, y, 1 / (1 + np.exp(-s)))
    # a single positive
    n = 400
    y = np.zeros(n, dtype=bool)
    y[17] = True
    s = np.round(rng.random(n), 1)
    sets["single_positive"] = (s, y, s)
    # every score equal
    n = 250
    y = rng.random(n) < 0.4
    sets["all_equal"] = (np.full(n, 0.5), y, np.full(n, 0.5))
    # probabilities on the bin edges of 10 bins, and 0 and 1 exactly (log loss clips)
    n = 2000
    p = rng.integers(0, 11, n) / 10.0
    y = rng.random(n) < p
    sets["edges"] = (p, y, p)
    return sets


def lift_reference(s, y, fraction):
    """Positive rate in the top fraction * n rows over the overall rate, ties pro rata."""
    n = len(s)
    top = fraction * n
    order = np.argsort(-s, kind="stable")
    s_sorted, y_sorted = s[order], y[order]
    pos_top, taken, i = 0.0, 0, 0
    while i < n:
        j = i
        while j < n and s_sorted[j] == s_sorted[i]:
            j += 1
        rows, pos = j - i, int(y_sorted[i:j].sum())
        if taken + rows >= top:
            pos_top += (top - taken) * pos / rows
            break
        pos_top += pos
        taken += rows
        i = j
    return (pos_top / top) / (y.sum() / n)


def psi_reference(base, cur, bins):
    """PSI with edges at the baseline's lower (inverted-CDF) quantiles."""
    q = np.quantile(base, np.arange(1, bins) / bins, method="inverted_cdf")
    edges = np.unique(q)
    edges = edges[edges < base.max()]
    b = np.bincount(np.searchsorted(edges, base, side="left"), minlength=len(edges) + 1) / len(base)
    c = np.bincount(np.searchsorted(edges, cur, side="left"), minlength=len(edges) + 1) / len(cur)
    c = np.maximum(c, 1e-4)
    return float(np.sum((c - b) * np.log(c / b)))


def threshold_reference(s, y, target):
    """Lowest distinct threshold whose flagged rows reach the target precision."""
    best = None
    for t in np.unique(s):
        flagged = s >= t
        tp = int((y & flagged).sum())
        if tp / flagged.sum() >= target:
            best = (float(t), tp / flagged.sum(), tp / y.sum(), int(flagged.sum()), tp)
            break  # np.unique is ascending: the first that qualifies is the lowest
    return best


def check_set(cur, name, s, y, p):
    both = 0 < y.sum() < len(y)
    cur.execute("""SELECT custvalue.roc_auc(s, y), custvalue.average_precision(s, y),
                          custvalue.log_loss(p, y), custvalue.brier_score(p, y),
                          custvalue.lift_at(s, y, 0.1), custvalue.lift_at(s, y, 0.37),
                          (custvalue.threshold_for_precision(s, y, 0.85)).*,
                          (custvalue.confusion_at(s, y, 0.5)).*
                     FROM conf WHERE name = %s""", (name,))
    r = cur.fetchone()
    if both:
        close(r[0], roc_auc_score(y, s), f"{name}: roc_auc")
    else:
        close(r[0], None, f"{name}: roc_auc of one class")
    close(r[1], average_precision_score(y, s), f"{name}: average_precision")
    close(r[2], log_loss(y, p, labels=[False, True]), f"{name}: log_loss")
    close(r[3], brier_score_loss(y, p), f"{name}: brier_score")
    close(r[4], lift_reference(s, y, 0.1), f"{name}: lift_at 10%")
    close(r[5], lift_reference(s, y, 0.37), f"{name}: lift_at 37%")
    ref = threshold_reference(s, y, 0.85)
    if ref is None:
        if r[6] is not None:
            failures.append(f"{name}: threshold_for_precision {r[6:11]}, reference none")
    else:
        for g, w, what in zip(r[6:11], ref, ["threshold", "precision", "recall", "flagged", "tp"]):
            close(g, w, f"{name}: threshold_for_precision {what}")
    flagged = s >= 0.5
    close(r[14], float(flagged.sum()), f"{name}: confusion_at flagged")
    close(r[15], float((flagged & y).sum()), f"{name}: confusion_at true positives")

    # ROC curve point for point (every distinct threshold), after the start point
    cur.execute("""SELECT threshold, fpr, recall FROM custvalue.curve_points(
                     (SELECT custvalue.roc_curve(s, y) FROM conf WHERE name = %s))""", (name,))
    pts = cur.fetchall()
    fpr, tpr, thr = roc_curve(y, s, drop_intermediate=False)
    if both:
        same_arrays([x[1] for x in pts], fpr, f"{name}: roc fpr")
        same_arrays([x[2] for x in pts], tpr, f"{name}: roc tpr")
    same_arrays([x[0] for x in pts[1:]], thr[1:], f"{name}: roc thresholds")
    # PR curve: scikit-learn lists thresholds ascending and ends at (precision 1, recall 0)
    cur.execute("""SELECT threshold, precision, recall FROM custvalue.curve_points(
                     (SELECT custvalue.pr_curve(s, y) FROM conf WHERE name = %s))""", (name,))
    pts = cur.fetchall()
    prec, rec, thr = precision_recall_curve(y, s)
    mine = pts[1:][::-1] + [pts[0]]
    same_arrays([x[0] for x in mine[:-1]], thr, f"{name}: pr thresholds")
    same_arrays([x[1] for x in mine], prec, f"{name}: pr precision")
    if y.sum() > 0:
        same_arrays([x[2] for x in mine], rec, f"{name}: pr recall")
    # calibration over 10 and 7 bins: the non-empty bins
    for bins in (10, 7):
        cur.execute("""SELECT mean_predicted, observed FROM custvalue.calibration_points(
                         (SELECT custvalue.calibration(p, y, %s) FROM conf WHERE name = %s))
                        WHERE count > 0 ORDER BY bin""", (bins, name))
        pts = cur.fetchall()
        prob_true, prob_pred = calibration_curve(y, p, n_bins=bins)
        same_arrays([x[0] for x in pts], prob_pred, f"{name}: calibration({bins}) mean predicted")
        same_arrays([x[1] for x in pts], prob_true, f"{name}: calibration({bins}) observed")
    # PSI: the first half of the rows as the baseline, the second as current
    half = len(s) // 2
    for bins in (10, 4):
        cur.execute("""SELECT custvalue.psi(s, i >= %s, %s) FROM conf WHERE name = %s""", (half, bins, name))
        close(cur.fetchone()[0], psi_reference(s[:half], s[half:], bins), f"{name}: psi({bins})")


def check_scaler(cur, rng):
    """zscore_fit against numpy mean / population std and StandardScaler."""
    n = 5000
    x = np.column_stack([np.round(rng.lognormal(4, 1, n)), rng.integers(0, 20, n).astype(float),
                         np.full(n, 7.0), rng.normal(1e6, 1, n)])
    w = np.array([1.0, 0.6, 0.4, 0.2])
    with cur.connection.cursor() as c:
        c.execute("CREATE TABLE feats (i int, x float8[])")
        execute_values(c, "INSERT INTO feats VALUES %s",
                       [(i, [float(v) for v in row]) for i, row in enumerate(x)], page_size=5000)
    cur.execute("""WITH f AS (SELECT custvalue.zscore_fit(x) AS z FROM feats)
                   SELECT f.z::jsonb, array_agg(custvalue.zscore(f.z, x) ORDER BY i),
                          array_agg(custvalue.zscore_sum(f.z, x, %s) ORDER BY i)
                     FROM feats, f GROUP BY f.z::jsonb""", (list(w),))
    model, z, zsum = cur.fetchone()
    scaler = StandardScaler().fit(x)
    for j in range(x.shape[1]):
        close(model["features"]["mean"][j], float(np.mean(x[:, j])), f"scaler mean {j}")
        close(model["features"]["sd"][j], float(np.std(x[:, j])), f"scaler sd {j}")
    # the well-conditioned features against StandardScaler itself
    ref = scaler.transform(x)
    worst = max(abs(z[i][j] - ref[i, j]) for i in range(n) for j in range(3))
    close(worst, 0.0, "zscore against StandardScaler.transform, worst element of features 1-3")
    # all four, the fourth (1e6 + N(0, 1)) included, against the correctly rounded
    # mean and deviation (math.fsum): x - mean cancels, so numpy's few-ulp error
    # in the mean would show at 1e-10
    mean = np.array([math.fsum(x[:, j]) / n for j in range(x.shape[1])])
    sd = np.array([math.sqrt(math.fsum((x[:, j] - mean[j]) ** 2) / n) for j in range(x.shape[1])])
    ref = np.where(sd > 0, (x - mean) / np.where(sd > 0, sd, 1.0), 0.0)
    for j in range(x.shape[1]):
        close(model["features"]["mean"][j], float(mean[j]), f"scaler mean {j} against fsum")
    worst = max(abs(z[i][j] - ref[i, j]) for i in range(n) for j in range(x.shape[1]))
    close(worst, 0.0, "zscore against the correctly rounded mean and sd, worst element")
    worst = max(abs(zsum[i] - math.fsum(ref[i] * w)) for i in range(n))
    close(worst, 0.0, "zscore_sum against sum w * z, worst row")


def main():
    warnings.simplefilter("ignore")
    rng = np.random.default_rng(20261130)
    sets = make_sets(rng)
    with scratch_db(DB) as conn:
        with conn.cursor() as cur:
            cur.execute("CREATE TABLE conf (name text, i int, s float8, y bool, p float8)")
            for name, (s, y, p) in sets.items():
                execute_values(cur, "INSERT INTO conf VALUES %s",
                               [(name, i, float(a), bool(b), float(c)) for i, (a, b, c) in enumerate(zip(s, y, p))],
                               page_size=5000)
            for name, (s, y, p) in sets.items():
                check_set(cur, name, s, y, p)
            check_scaler(cur, rng)
    for f in failures[:40]:
        print("MISMATCH", f)
    print(f"metrics conformance: {checks} checks, {len(failures)} mismatches")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
