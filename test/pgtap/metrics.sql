-- pgTAP: the model evaluation and standardisation contract (catalog shape,
-- safety markings, comments, SQLSTATEs, and values checked by hand).
\set ON_ERROR_STOP 1
\set QUIET 1
\pset format unaligned
\pset tuples_only true
\pset pager off
BEGIN;
SELECT plan(34);

SELECT has_type('custvalue', 'curve', 'type custvalue.curve exists');
SELECT has_type('custvalue', 'scaler', 'type custvalue.scaler exists');
SELECT has_composite('custvalue', 'operating_point', 'type custvalue.operating_point exists');
SELECT columns_are('custvalue', 'operating_point', ARRAY['threshold', 'precision', 'recall', 'flagged', 'true_positives']);
SELECT is_aggregate('custvalue', 'roc_auc', ARRAY['double precision', 'boolean']);
SELECT is_aggregate('custvalue', 'threshold_for_precision', ARRAY['double precision', 'boolean', 'double precision']);
SELECT is_aggregate('custvalue', 'psi', ARRAY['double precision', 'boolean', 'integer']);
SELECT is_aggregate('custvalue', 'zscore_fit', ARRAY['double precision[]', 'jsonb']);
SELECT function_returns('custvalue', 'threshold_for_precision', ARRAY['double precision', 'boolean', 'double precision'], 'custvalue.operating_point');
SELECT function_returns('custvalue', 'roc_curve', ARRAY['double precision', 'boolean'], 'custvalue.curve');
SELECT function_returns('custvalue', 'calibration', ARRAY['double precision', 'boolean', 'integer'], 'custvalue.curve');
SELECT function_returns('custvalue', 'zscore_fit', ARRAY['double precision[]'], 'custvalue.scaler');
SELECT function_returns('custvalue', 'zscore_sum', ARRAY['custvalue.scaler', 'double precision[]', 'double precision[]'], 'double precision');
SELECT is_strict('custvalue', 'curve_points', ARRAY['custvalue.curve']);
SELECT is_strict('custvalue', 'zscore', ARRAY['custvalue.scaler', 'double precision[]']);
SELECT isnt_strict('custvalue', 'metric_trans', ARRAY['custvalue.fitstate', 'double precision', 'boolean']);

-- every aggregate: parallel safe, a combine function, a concrete state type
SELECT is((SELECT count(*)::int FROM pg_aggregate a JOIN pg_proc p ON p.oid = a.aggfnoid
            WHERE p.pronamespace = 'custvalue'::regnamespace
              AND p.proname IN ('roc_auc', 'average_precision', 'threshold_for_precision', 'confusion_at',
                                'lift_at', 'log_loss', 'brier_score', 'calibration', 'psi', 'roc_curve',
                                'pr_curve', 'zscore_fit')
              AND p.proparallel = 's' AND a.aggcombinefn = 'custvalue.fitstate_combine'::regproc
              AND a.aggtranstype = 'custvalue.fitstate'::regtype), 13,
          'the 13 evaluation and standardisation aggregates are parallel safe, combine, keep a custvalue.fitstate');
SELECT is((SELECT count(*)::int FROM pg_proc
            WHERE pronamespace = 'custvalue'::regnamespace AND proparallel <> 's'
              AND (proname LIKE 'metric%' OR proname LIKE 'curve%' OR proname LIKE 'zscore%'
                   OR proname LIKE 'scaler%' OR proname LIKE '%_final' OR proname = 'calibration_points')), 0,
          'every evaluation function is parallel safe');
SELECT is((SELECT count(*)::int FROM pg_proc
            WHERE pronamespace = 'custvalue'::regnamespace
              AND (proname LIKE 'metric%' OR proname LIKE 'curve%' OR proname LIKE 'zscore%'
                   OR proname IN ('roc_auc', 'average_precision', 'threshold_for_precision', 'confusion_at',
                                  'lift_at', 'log_loss', 'brier_score', 'calibration', 'psi', 'roc_curve',
                                  'pr_curve', 'calibration_points'))
              AND obj_description(oid, 'pg_proc') IS NULL
              AND proname NOT IN ('curve_in', 'curve_out', 'curve_recv', 'curve_send')), 0,
          'every evaluation function and aggregate has a comment');
SELECT ok(EXISTS (SELECT 1 FROM pg_cast WHERE castsource = 'custvalue.curve'::regtype AND casttarget = 'jsonb'::regtype),
          'cast curve -> jsonb exists');

-- errors and their SQLSTATEs
SELECT throws_ok($$SELECT custvalue.roc_auc('NaN', true)$$, '22023', 'score must be a finite number, not NaN',
                 'NaN score is 22023');
SELECT throws_ok($$SELECT custvalue.log_loss(2, true)$$, '22023', 'probability must be between 0 and 1, not 2',
                 'probability above 1 is 22023');
SELECT throws_ok($$SELECT custvalue.threshold_for_precision(0.5, true, 0)$$, '22023',
                 'target must be greater than 0 and at most 1, not 0', 'target 0 is 22023');
SELECT throws_ok($$SELECT custvalue.lift_at(0.5, true, 1.5)$$, '22023',
                 'fraction must be greater than 0 and at most 1, not 1.5', 'fraction above 1 is 22023');
SELECT throws_ok($$SELECT custvalue.psi(0.5, true, 0)$$, '22023',
                 'bins must be an integer between 1 and 10000, not 0', 'bins 0 is 22023');
SELECT throws_ok($$SELECT custvalue.lift_at(x, true, x) FROM (VALUES (0.1::float8), (0.2)) v(x)$$, '22023',
                 'fraction must be the same in every row of a group, not 0.2 after 0.1', 'a changing parameter is 22023');
SELECT throws_ok($$SELECT custvalue.curve_points('{"kind": "curve", "version": 1, "curve": "calibration", "positives": 0, "negatives": 1, "count": [1], "observed_positives": [0], "mean_predicted": [0.5]}')$$,
                 '22023', 'curve_points needs a roc or pr curve, not a calibration curve', 'points of a calibration curve is 22023');
SELECT throws_ok($$SELECT '{"kind": "curve"}'::custvalue.curve$$, '22P02', NULL, 'malformed curve is 22P02');
SELECT throws_ok($$SELECT custvalue.zscore('{"kind": "scaler", "version": 1, "features": {"numeric": ["a"], "standardize": true, "mean": [0], "sd": [1]}, "count": [1]}', ARRAY[1, 2])$$,
                 '2202E', 'x must have 1 element to match the scaler, not 2', 'feature count mismatch is 2202E');

-- values worked out by hand
SELECT is(custvalue.roc_auc(s, l), 0.75::float8, 'roc_auc: ties across classes count one half')
  FROM (VALUES (0.9::float8, true), (0.8, true), (0.8, true), (0.3, true), (0.8, false), (0.5, false), (0.1, false)) v(s, l);
SELECT is(custvalue.threshold_for_precision(s, l, 0.75)::text, '(0.8,0.75,0.75,4,3)', 'threshold_for_precision: lowest threshold at 75%')
  FROM (VALUES (0.9::float8, true), (0.8, true), (0.8, true), (0.3, true), (0.8, false), (0.5, false), (0.1, false)) v(s, l);
SELECT is(custvalue.brier_score(p, l), 0.25::float8, 'brier_score of 0.5 everywhere is 0.25')
  FROM (VALUES (0.5::float8, true), (0.5, false)) v(p, l);
SELECT is((SELECT count(*)::int FROM custvalue.curve_points(c)), 3, 'curve_points: the start point and one per distinct threshold')
  FROM (SELECT custvalue.roc_curve(s, s > 1) AS c FROM (VALUES (1.0::float8), (2), (2)) v(s)) q;
SELECT is(custvalue.zscore_sum(z, ARRAY[3, 30], ARRAY[1, 0.5]), 1.5::float8, 'zscore_sum: 1 * 1 + 0.5 * 1')
  FROM (SELECT custvalue.zscore_fit(ARRAY[x, 10 * x]) AS z FROM (VALUES (1.0::float8), (3)) v(x)) q;

SELECT * FROM finish();
ROLLBACK;
