#!/usr/bin/python3
"""Regenerate the fuzz seed corpus in test/fuzz/corpus/<target>/.

Run against a database with custvalue installed (PGHOST/PGPORT/PGUSER/
PGDATABASE as for psql), after building test/fuzz/seeds.bin:

    test/fuzz/mkcorpus.py [TARGET...]

With target names, only those targets' database seeds are rewritten.

Model seeds are fitted and hand-written models of every kind (their JSON
text and their binary payload: model_send minus the 8-byte magic and
version); state seeds are partial states of every fit (the fitstate byte
form minus its header); the kernel-only kinds come from seeds.bin.  A new
model kind adds its queries to SEEDS.
"""
import base64
import os
import shutil
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
CORPUS = os.path.join(HERE, "corpus")

DATA = """
CREATE TEMP TABLE fz AS
SELECT i, (i % 17)::float8 AS a, (i * 7919 % 1000)::float8 / 10 AS b,
       CASE WHEN i % 5 = 0 THEN NULL ELSE (i % 11)::float8 END AS c,
       (i % 3)::float8 AS d,
       (i % 5)::float8 AS x, CASE WHEN i % 5 = 0 THEN 0 ELSE (i % 37)::float8 END AS tx,
       (40 + i % 10)::float8 AS big_t
  FROM generate_series(1, 300) i;
"""

# target -> list of (name, SQL returning one text value).  "json_*"
# targets get the text as is; "model_*" targets get decode(hex) bytes[8:];
# "state_*" targets get the state's byte form after its header.
SEEDS = {
    "json_scorecard": [
        ("fit", "SELECT custvalue.scorecard_fit(ARRAY[a, b, c])::text FROM fz"),
        ("opts", "SELECT custvalue.scorecard_fit(ARRAY[a, b], '{\"weights\": [2, 1], \"higher_is_better\": [false, true], \"names\": [\"x\", \"y\"]}')::text FROM fz"),
        ("compressed", "SELECT custvalue.scorecard_fit(ARRAY[b + j * 1000])::text FROM fz, generate_series(1, 400) j"),
    ],
    "model_scorecard": [
        ("fit", "SELECT encode(custvalue.scorecard_send(custvalue.scorecard_fit(ARRAY[a, b, c])), 'hex') FROM fz"),
        ("compressed", "SELECT encode(custvalue.scorecard_send(custvalue.scorecard_fit(ARRAY[b + j * 1000])), 'hex') FROM fz, generate_series(1, 400) j"),
    ],
    "json_rfmn": [
        ("fit", "SELECT custvalue.rfmn_fit(a, b, c, d)::text FROM fz"),
        ("opts", "SELECT custvalue.rfmn_fit(a, b, c, d, '{\"bins\": 3, \"ties\": \"first\"}')::text FROM fz"),
    ],
    "model_rfmn": [
        ("fit", "SELECT encode(custvalue.rfmn_model_send(custvalue.rfmn_fit(a, b, c, d)), 'hex') FROM fz"),
        ("opts", "SELECT encode(custvalue.rfmn_model_send(custvalue.rfmn_fit(a, b, c, d, '{\"bins\": 3, \"ties\": \"first\"}')), 'hex') FROM fz"),
    ],
    "json_kmeans": [
        ("fit", "SELECT custvalue.kmeans_fit(ARRAY[a, b, d], 3)::text FROM fz"),
        ("std", "SELECT custvalue.kmeans_fit(ARRAY[a, b], 2, '{\"standardize\": true, \"seed\": 7}')::text FROM fz"),
    ],
    "model_kmeans": [
        ("fit", "SELECT encode(custvalue.kmeans_model_send(custvalue.kmeans_fit(ARRAY[a, b, d], 3)), 'hex') FROM fz"),
        ("std", "SELECT encode(custvalue.kmeans_model_send(custvalue.kmeans_fit(ARRAY[a, b], 2, '{\"standardize\": true, \"seed\": 7}')), 'hex') FROM fz"),
    ],
    "json_churn": [
        ("fit", "SELECT custvalue.churn_fit(ARRAY[a, b], ARRAY['c' || (i % 3)], (i * 7919) % 10 < 3, '{\"l2\": 1}')::text FROM fz"),
    ],
    "model_churn": [
        ("fit", "SELECT encode(custvalue.churn_model_send(custvalue.churn_fit(ARRAY[a, b], ARRAY['c' || (i % 3)], (i * 7919) % 10 < 3, '{\"l2\": 1}')), 'hex') FROM fz"),
    ],
    "json_curve": [
        ("roc", "SELECT custvalue.roc_curve(b, d > 0)::text FROM fz"),
    ],
    "model_curve": [
        ("roc", "SELECT encode(custvalue.curve_send(custvalue.roc_curve(b, d > 0)), 'hex') FROM fz"),
    ],
    "json_scaler": [
        ("fit", "SELECT custvalue.zscore_fit(ARRAY[a, b, d])::text FROM fz"),
    ],
    "model_scaler": [
        ("fit", "SELECT encode(custvalue.scaler_send(custvalue.zscore_fit(ARRAY[a, b, d])), 'hex') FROM fz"),
    ],
    "json_tree": [
        ("class", "SELECT custvalue.tree_fit(ARRAY[a, b], ARRAY['c' || (i % 3)], d > 0, '{\"max_depth\": 4}')::text FROM fz"),
        ("reg", "SELECT custvalue.tree_fit(ARRAY[a, b], d * 1.5, '{\"max_depth\": 3}')::text FROM fz"),
    ],
    "model_tree": [
        ("class", "SELECT encode(custvalue.tree_model_send(custvalue.tree_fit(ARRAY[a, b], ARRAY['c' || (i % 3)], d > 0, '{\"max_depth\": 4}')), 'hex') FROM fz"),
        ("reg", "SELECT encode(custvalue.tree_model_send(custvalue.tree_fit(ARRAY[a, b], d * 1.5, '{\"max_depth\": 3}')), 'hex') FROM fz"),
    ],
    "state_distr": [
        ("scorecard", "SELECT custvalue.fitstate_out(pg_temp.fz_scorecard_state(ARRAY[a, b, c]))::text FROM fz"),
    ],
    "state_rows": [
        ("tree", "SELECT custvalue.fitstate_out(pg_temp.fz_tree_state(ARRAY[a, b], ARRAY['c' || (i % 3)], d > 0))::text FROM fz"),
    ],
    "json_bgnbd": [
        ("fit", "SELECT custvalue.bgnbd_fit(x, tx, big_t)::text FROM fz"),
        ("hand", "SELECT '{\"kind\": \"bgnbd_model\", \"version\": 1, \"r\": 0.25, \"alpha\": 4, \"a\": 0.8, \"b\": 2.5, \"time_unit\": \"week\"}'"),
    ],
    "model_bgnbd": [
        ("fit", "SELECT encode(custvalue.bgnbd_model_send(custvalue.bgnbd_fit(x, tx, big_t, '{\"penalizer\": 0.01}')), 'hex') FROM fz"),
    ],
    "json_gammagamma": [
        ("fit", "SELECT custvalue.gammagamma_fit(x, CASE WHEN x > 0 THEN b + 1 ELSE 0 END)::text FROM fz"),
        ("hand", "SELECT '{\"kind\": \"gammagamma_model\", \"version\": 1, \"p\": 6, \"q\": 3.5, \"gamma\": 15}'"),
    ],
    "model_gammagamma": [
        ("fit", "SELECT encode(custvalue.gammagamma_model_send(custvalue.gammagamma_fit(x, CASE WHEN x > 0 THEN b + 1 ELSE 0 END)), 'hex') FROM fz"),
    ],
    "state_tuples": [
        ("bgnbd", "SELECT custvalue.fitstate_out(pg_temp.fz_bgnbd_state(x, tx, big_t))::text FROM fz"),
        ("gammagamma", "SELECT custvalue.fitstate_out(pg_temp.fz_gammagamma_state(x, b + 1))::text FROM fz"),
        ("clv_summary", "SELECT custvalue.fitstate_out(pg_temp.fz_summary_state(date '2026-01-01' + (i % 40), a + 0.25, date '2026-03-01'))::text FROM fz WHERE i % 7 = 1"),
    ],
    "json_rfm_map": [
        ("map", "SELECT '[{\"segment\": \"Champions\", \"r\": [4, 5], \"f\": [4, 5]}, {\"segment\": \"Lost\", \"r\": [1, 1]}]'"),
    ],
}

STATE_AGGS = """
CREATE AGGREGATE pg_temp.fz_scorecard_state(float8[]) (
  SFUNC = custvalue.scorecard_fit_trans, STYPE = custvalue.fitstate);
CREATE AGGREGATE pg_temp.fz_tree_state(float8[], text[], bool) (
  SFUNC = custvalue.tree_fit_class_trans, STYPE = custvalue.fitstate);
CREATE AGGREGATE pg_temp.fz_bgnbd_state(float8, float8, float8) (
  SFUNC = custvalue.bgnbd_fit_trans, STYPE = custvalue.fitstate);
CREATE AGGREGATE pg_temp.fz_gammagamma_state(float8, float8) (
  SFUNC = custvalue.gammagamma_fit_trans, STYPE = custvalue.fitstate);
CREATE AGGREGATE pg_temp.fz_summary_state(date, float8, date) (
  SFUNC = custvalue.clv_summary_trans, STYPE = custvalue.fitstate);
"""

# Generic JSON documents for the parser.
JSON_DOCS = {
    "object": '{"kind": "scorecard", "version": 1, "n": [1, -2.5e-3, 1E+300], "s": "a\\u00e9\\ud83d\\ude00\\n"}',
    "nested": "[" * 60 + "]" * 60,
    "scalars": '[true, false, null, 0, -0, 0.5, "", {}]',
}


def psql(sql):
    out = subprocess.run(["psql", "-XAtq", "-v", "ON_ERROR_STOP=1", "-c", DATA + STATE_AGGS + sql],
                         check=True, capture_output=True, text=True).stdout
    return out.strip().splitlines()[-1]


def main():
    seeds = os.path.join(HERE, "seeds.bin")
    only = sys.argv[1:]
    for name, queries in SEEDS.items():
        if only and name not in only:
            continue
        d = os.path.join(CORPUS, name)
        os.makedirs(d, exist_ok=True)
        for f in os.listdir(d):         # crash-* files are regression cases: kept
            if not f.startswith("crash-"):
                os.unlink(os.path.join(d, f))
        for seed, sql in queries:
            value = psql(sql)
            if name.startswith("model_"):
                data = bytes.fromhex(value)[8:]
            elif name.startswith("state_"):
                raw = base64.b64decode(value.split(":", 1)[1])
                plen = int.from_bytes(raw[4:8], "little")
                data = raw[8 + plen:]
                b64 = os.path.join(CORPUS, "base64")
                os.makedirs(b64, exist_ok=True)
                with open(os.path.join(b64, name + "_" + seed), "w") as f:
                    f.write(value.split(":", 1)[1])
            else:
                data = value.encode()
            with open(os.path.join(d, seed), "wb") as f:
                f.write(data)
    if only:
        return 0
    d = os.path.join(CORPUS, "json")
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(d)
    for seed, doc in JSON_DOCS.items():
        with open(os.path.join(d, seed), "w") as f:
            f.write(doc)
    for name in SEEDS:
        if name.startswith("json_") and name != "json_rfm_map":
            first = min(os.listdir(os.path.join(CORPUS, name)), key=lambda f: os.path.getsize(os.path.join(CORPUS, name, f)))
            shutil.copy(os.path.join(CORPUS, name, first), os.path.join(d, name))
    for name in ("features", "json_features", "state_distr_merge", "state_rows_merge"):
        shutil.rmtree(os.path.join(CORPUS, name), ignore_errors=True)
        os.makedirs(os.path.join(CORPUS, name))
    subprocess.run([seeds, CORPUS], check=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
