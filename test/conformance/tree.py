#!/usr/bin/python3
"""Conformance of custvalue's decision trees against scikit-learn.

Generates customers whose features float32 represents exactly (multiples of
1/8; scikit-learn casts features to float32) with integer targets (so that
every sum is exact whatever the order of the rows), fits custvalue.tree_fit
and scikit-learn's DecisionTreeClassifier / DecisionTreeRegressor with the
same options, and compares node by node: the split column, the threshold (at
float32 precision), the rows, the impurity; then every customer's leaf and
prediction (plus unseen customers), and the feature importances, to 1e-12.
Settings cover gini, entropy and squared error, several max_depth,
min_samples_leaf, min_samples_split and min_impurity_decrease, and a
categorical feature one-hot encoded as pandas' get_dummies with the most
frequent level dropped.

scikit-learn breaks ties between equally good splits by a random order of
the features; the data must have none.  Each reference tree is grown with
ten random_state values and the test stops with an error if they differ
(the data would then have a tie).  Exits non-zero on any mismatch.

Connects with the PGHOST/PGPORT/PGUSER environment the test runner exports.
"""
import json
import sys

import numpy as np
import pandas as pd
from psycopg2.extras import execute_values
from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor
from _scratchdb import scratch_db

DB = "custvalue_conf_tree"
N = 4000
N_NEW = 500
NUM = ["x1", "x2", "x3", "x4", "x5"]
LEVELS = ["Bronze", "Gold", "Platinum", "Standard"]
TOL = 1e-12

# (task, options, categorical?)
SETTINGS = [
    ("classification", {"criterion": "gini", "max_depth": 3}, False),
    ("classification", {"criterion": "gini", "max_depth": 6, "min_samples_leaf": 25}, False),
    ("classification", {"criterion": "entropy", "max_depth": 4, "min_samples_leaf": 10}, False),
    ("classification", {"criterion": "entropy", "max_depth": 8, "min_samples_leaf": 40,
                        "min_samples_split": 150, "min_impurity_decrease": 0.002}, False),
    ("classification", {"criterion": "gini", "max_depth": 5, "min_samples_leaf": 20}, True),
    ("regression", {"max_depth": 3}, False),
    ("regression", {"max_depth": 6, "min_samples_leaf": 15}, False),
    ("regression", {"max_depth": 10, "min_samples_leaf": 30, "min_impurity_decrease": 5.0}, False),
    ("regression", {"max_depth": 5, "min_samples_leaf": 10}, True),
]


def make_customers(rng, n):
    """Features on a grid of 1/8 (exact in float32), a segment, a label and
    an integer target that depend on them, with noise."""
    df = pd.DataFrame({"id": np.arange(1, n + 1)})
    df["x1"] = np.round(rng.normal(50, 20, n) * 8) / 8
    df["x2"] = rng.integers(0, 4000, n) / 8
    df["x3"] = np.round(rng.lognormal(3, 1, n) * 8) / 8
    df["x4"] = rng.integers(0, 40, n).astype(float)      # many ties in values
    df["x5"] = np.round(rng.normal(0, 1, n) * 64) / 8
    df["seg"] = rng.choice(LEVELS, n, p=[0.2, 0.15, 0.1, 0.55])
    segbonus = df["seg"].map({"Bronze": -0.5, "Gold": 1.0, "Platinum": 1.5, "Standard": 0.0})
    z = (0.05 * (df["x1"] - 50) + 0.004 * (df["x2"] - 250) - 0.02 * df["x3"]
         + 0.03 * (df["x4"] - 20) * (df["x5"] > 0) + segbonus)
    df["label"] = rng.random(n) < 1 / (1 + np.exp(-z))
    df["target"] = np.round(10 * z + 3 * df["x5"] + rng.normal(0, 5, n)).astype(float)
    return df


def design(df, with_cat, levels, reference):
    """The design matrix custvalue builds: numeric columns, then a dummy per
    non-reference level in byte order; and the column names."""
    cols = list(NUM)
    X = df[NUM].to_numpy(dtype=float)
    if with_cat:
        dummies = [lv for lv in levels if lv != reference]
        cols += ["seg=" + lv for lv in dummies]
        X = np.hstack([X, np.column_stack([(df["seg"] == lv).to_numpy(float) for lv in dummies])])
    return X, cols


def reference_tree(task, opts, X, y):
    """scikit-learn's tree, grown with ten random_state values that must agree."""
    kw = {"max_depth": opts.get("max_depth", 5),
          "min_samples_split": opts.get("min_samples_split", 2),
          "min_samples_leaf": opts.get("min_samples_leaf", 1),
          "min_impurity_decrease": opts.get("min_impurity_decrease", 0.0)}
    if task == "classification":
        make = lambda rs: DecisionTreeClassifier(criterion=opts.get("criterion", "gini"),
                                                 random_state=rs, **kw)
    else:
        make = lambda rs: DecisionTreeRegressor(criterion="squared_error", random_state=rs, **kw)
    trees = [make(rs).fit(X, y) for rs in range(10)]
    t0 = trees[0].tree_
    for t in trees[1:]:
        t = t.tree_
        if (t.node_count != t0.node_count or not np.array_equal(t.feature, t0.feature)
                or not np.array_equal(t.threshold, t0.threshold)):
            raise SystemExit("test data has a tie between splits (scikit-learn's trees differ "
                             "with the random_state): change the generator's seed")
    return trees[0]


def compare(task, opts, with_cat, cur, df, new):
    """Fit both sides, return a list of mismatches."""
    label = "%s %s%s" % (task, json.dumps(opts), " +categorical" if with_cat else "")
    counts = df["seg"].value_counts()
    levels = sorted(LEVELS)
    reference = sorted(levels, key=lambda lv: (-counts.get(lv, 0), lv))[0]
    X, cols = design(df, with_cat, levels, reference)
    Xn, _ = design(new, with_cat, levels, reference)
    y = df["label"].to_numpy() if task == "classification" else df["target"].to_numpy()
    sk = reference_tree(task, opts, X, y)
    t = sk.tree_

    options = dict(opts, names=NUM + (["seg"] if with_cat else []))
    yname = "label" if task == "classification" else "target"
    cats = ", ARRAY[seg]" if with_cat else ""
    cur.execute("SELECT custvalue.tree_fit(ARRAY[x1, x2, x3, x4, x5]%s, %s, %%s::jsonb)::text FROM conf"
                % (cats, yname), (json.dumps(options),))
    model = cur.fetchone()[0]
    cur.execute("SELECT node, feature, threshold, \"left\", \"right\", rows, impurity, value "
                "FROM custvalue.tree_nodes(%s::custvalue.tree_model) ORDER BY node", (model,))
    nodes = cur.fetchall()
    bad = []

    def mismatch(what):
        bad.append("%s: %s" % (label, what))

    if len(nodes) != t.node_count:
        mismatch("%d nodes, scikit-learn has %d" % (len(nodes), t.node_count))
        return bad
    for (node, feat, thr, left, right, rows, imp, value) in nodes:
        sk_leaf = t.children_left[node] == -1
        if sk_leaf != (feat is None):
            mismatch("node %d: leaf on one side only" % node)
            return bad
        if not sk_leaf:
            if cols.index(feat) != t.feature[node]:
                mismatch("node %d splits on %s, scikit-learn on %s" % (node, feat, cols[t.feature[node]]))
                return bad
            if np.float32(thr) != np.float32(t.threshold[node]):
                mismatch("node %d threshold %r, scikit-learn %r" % (node, thr, t.threshold[node]))
            if left != t.children_left[node] or right != t.children_right[node]:
                mismatch("node %d children (%d, %d), scikit-learn (%d, %d)"
                         % (node, left, right, t.children_left[node], t.children_right[node]))
        if rows != t.n_node_samples[node]:
            mismatch("node %d has %d rows, scikit-learn %d" % (node, rows, t.n_node_samples[node]))
        if abs(imp - t.impurity[node]) > TOL:
            mismatch("node %d impurity %r, scikit-learn %r" % (node, imp, t.impurity[node]))
        v = t.value[node][0]
        want = v[-1] / v.sum() if task == "classification" else v[0]
        if task == "classification" and len(sk.classes_) == 2 and not sk.classes_[1]:
            want = v[0] / v.sum()
        if abs(value - want) > TOL * max(1.0, abs(want)):
            mismatch("node %d value %r, scikit-learn %r" % (node, value, want))

    cur.execute("SELECT feature, importance FROM custvalue.tree_importance(%s::custvalue.tree_model)",
                (model,))
    imps = dict(cur.fetchall())
    for j, c in enumerate(cols):
        if abs(imps[c] - sk.feature_importances_[j]) > TOL:
            mismatch("importance of %s %r, scikit-learn %r" % (c, imps[c], sk.feature_importances_[j]))

    for table, frame, Xs in (("conf", df, X), ("conf_new", new, Xn)):
        cur.execute("SELECT custvalue.tree_predict(%%s::custvalue.tree_model, ARRAY[x1, x2, x3, x4, x5]%s), "
                    "custvalue.tree_leaf(%%s::custvalue.tree_model, ARRAY[x1, x2, x3, x4, x5]%s) "
                    "FROM %s ORDER BY id" % (cats, cats, table), (model, model))
        got = np.array(cur.fetchall(), dtype=float)
        want = sk.predict_proba(Xs)[:, 1] if task == "classification" else sk.predict(Xs)
        leaves = sk.apply(Xs)
        diff = np.abs(got[:, 0] - want) > TOL * np.maximum(1.0, np.abs(want))
        if diff.any():
            i = int(np.argmax(diff))
            mismatch("%s: %d predictions differ, e.g. id %d: %r against %r"
                     % (table, diff.sum(), frame["id"].iloc[i], got[i, 0], want[i]))
        if not np.array_equal(got[:, 1].astype(int), leaves):
            mismatch("%s: %d leaves differ" % (table, int((got[:, 1] != leaves).sum())))
    print("%s %s: %d nodes, depth %d" % ("FAIL" if bad else "ok  ", label, t.node_count, sk.get_depth()))
    return bad


def load(cur, name, df):
    cur.execute("CREATE TABLE %s (id int, x1 float8, x2 float8, x3 float8, x4 float8, x5 float8, "
                "seg text, label bool, target float8)" % name)
    execute_values(cur, "INSERT INTO %s VALUES %%s" % name,
                   [(int(r.id), r.x1, r.x2, r.x3, r.x4, r.x5, r.seg, bool(r.label), r.target)
                    for r in df.itertuples()])


def main():
    rng = np.random.default_rng(3)
    df = make_customers(rng, N)
    new = make_customers(rng, N_NEW)
    failures = []
    with scratch_db(DB) as conn:
        with conn.cursor() as cur:
            load(cur, "conf", df)
            load(cur, "conf_new", new)
            for task, opts, with_cat in SETTINGS:
                failures += compare(task, opts, with_cat, cur, df, new)
    for f in failures:
        print("MISMATCH " + f)
    print("%d settings, %d mismatches" % (len(SETTINGS), len(failures)))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
