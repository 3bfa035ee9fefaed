#!/usr/bin/python3
"""Conformance of custvalue's k-means and silhouette against scikit-learn.

On data with known structure (scikit-learn's make_blobs, clusters of unequal
spread) and on structureless noise, for several k:
  - custvalue.kmeans_fit with n_init = 10 reaches an inertia at most 0.1%
    above the best of scikit-learn's KMeans (n_init = 10), both on the raw
    points (standardize off) and on z-scores (standardize on, compared with
    KMeans on StandardScaler's output);
  - the model's inertia, sizes and within-cluster sums of squares are those
    of its centroids recomputed here, and kmeans_cluster assigns every point
    to its nearest centroid;
  - custvalue.silhouette equals sklearn.metrics.silhouette_score to 1e-9 for
    scikit-learn's labels, custvalue's labels and labels with singletons.
Exits non-zero on any mismatch.

Connects with the PGHOST/PGPORT/PGUSER environment the test runner exports.
"""
import json
import os
import sys

# One thread: the results do not depend on it, and OpenMP threads that spin
# on a busy machine make scikit-learn's small fits take seconds.
os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np  # noqa: E402
from psycopg2.extras import execute_values  # noqa: E402
from sklearn.cluster import KMeans  # noqa: E402
from sklearn.datasets import make_blobs  # noqa: E402
from sklearn.metrics import silhouette_score  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402
from _scratchdb import scratch_db  # noqa: E402

DB = "custvalue_conf_kmeans"
INERTIA_SLACK = 1.001
SILHOUETTE_TOL = 1e-9
RATIOS = []  # custvalue's inertia / scikit-learn's, per fit


def datasets():
    """(name, points) pairs: blobs of unequal spread and scale, and noise."""
    blobs, _ = make_blobs(n_samples=3000, n_features=4, centers=6,
                          cluster_std=[0.5, 1.0, 1.5, 0.8, 2.0, 1.2], random_state=11)
    blobs[:, 1] *= 40.0  # one dimension in other units: standardising matters
    rng = np.random.default_rng(5)
    noise = rng.random((2500, 3))
    return [("blobs", blobs), ("noise", noise)]


def load(cur, name, X):
    cur.execute("DROP TABLE IF EXISTS %s" % name)
    cur.execute("CREATE TABLE %s (id int, p float8[])" % name)
    execute_values(cur, "INSERT INTO %s VALUES %%s" % name,
                   [(i, [float(v) for v in row]) for i, row in enumerate(X)])


def check_kmeans(cur, name, X, k, standardize, failures):
    label = "%s k=%d standardize=%s" % (name, k, standardize)
    opts = json.dumps({"standardize": standardize, "seed": 3})
    cur.execute("SELECT custvalue.kmeans_fit(p, %s, %s)::text FROM " + name, (k, opts))
    model = json.loads(cur.fetchone()[0])
    Z = StandardScaler().fit_transform(X) if standardize else X
    ref = KMeans(n_clusters=k, n_init=10, random_state=0).fit(Z)
    ours = model["inertia"]
    RATIOS.append(ours / ref.inertia_)
    if not ours <= ref.inertia_ * INERTIA_SLACK:
        failures.append("%s: inertia %.10g is more than 0.1%% above scikit-learn's %.10g"
                        % (label, ours, ref.inertia_))
    # the model's numbers are those of its centroids
    C = np.array(model["centroids"])
    if standardize:
        f = model["features"]
        C = (C - np.array(f["mean"])) / np.array(f["sd"])
    d2 = ((Z[:, None, :] - C[None, :, :]) ** 2).sum(axis=2)
    lab = d2.argmin(axis=1)
    inertia = d2.min(axis=1).sum()
    sizes = np.bincount(lab, minlength=k)
    within = np.array([d2[lab == c, c].sum() for c in range(k)])
    if abs(inertia - ours) > 1e-9 * inertia:
        failures.append("%s: inertia %.15g, recomputed from the centroids %.15g" % (label, ours, inertia))
    if list(sizes) != model["sizes"] or list(sizes) != sorted(sizes, reverse=True):
        failures.append("%s: sizes %s, recomputed %s" % (label, model["sizes"], list(sizes)))
    if np.max(np.abs(within - np.array(model["within_ss"]))) > 1e-9 * inertia:
        failures.append("%s: within_ss differ from the recomputed ones" % label)
    # centres are the means of their points (Lloyd's fixed point)
    means = np.array([Z[lab == c].mean(axis=0) for c in range(k)])
    shift = ((means - C) ** 2).sum()
    if shift > 1e-4 * np.var(Z, axis=0).mean():
        failures.append("%s: centroids are not the means of their points (shift %g)" % (label, shift))
    cur.execute("SELECT id, custvalue.kmeans_cluster(%s::custvalue.kmeans_model, p) FROM " + name
                + " ORDER BY id", (json.dumps(model),))
    got = np.array([r[1] for r in cur.fetchall()])
    if (got != lab).sum() > 0:
        failures.append("%s: kmeans_cluster differs from the nearest centroid for %d points"
                        % (label, (got != lab).sum()))
    return lab, ref.labels_, Z


def check_silhouette(cur, name, X, labels, what, failures):
    cur.execute("DROP TABLE IF EXISTS sil")
    cur.execute("CREATE TEMP TABLE sil (p float8[], c int)")
    execute_values(cur, "INSERT INTO sil VALUES %s",
                   [([float(v) for v in row], int(c)) for row, c in zip(X, labels)])
    cur.execute("SELECT custvalue.silhouette(p, c) FROM sil")
    ours = cur.fetchone()[0]
    ref = silhouette_score(X, labels)
    if abs(ours - ref) > SILHOUETTE_TOL:
        failures.append("%s %s: silhouette %.15g, scikit-learn %.15g" % (name, what, ours, ref))


def main():
    failures = []
    checks = 0
    with scratch_db(DB) as conn:
        with conn.cursor() as cur:
            for name, X in datasets():
                load(cur, name, X)
                for k in (2, 3, 6, 8):
                    for standardize in (False, True):
                        ours, theirs, Z = check_kmeans(cur, name, X, k, standardize, failures)
                        checks += 1
                    check_silhouette(cur, name, Z, theirs, "k=%d scikit-learn labels" % k, failures)
                    check_silhouette(cur, name, Z, ours, "k=%d custvalue labels" % k, failures)
                    checks += 2
                odd = np.arange(len(X)) % 5
                odd[:3] = [7, 8, 9]  # three singleton clusters score 0
                check_silhouette(cur, name, X, odd, "labels with singletons", failures)
                checks += 1
    for f in failures:
        print("FAIL " + f)
    print("kmeans conformance: %d checks, %d failures; inertia / scikit-learn's: %.6f to %.6f"
          % (checks, len(failures), min(RATIOS), max(RATIOS)))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
