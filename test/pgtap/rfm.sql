-- pgTAP: the RFM+N contract (signatures, volatility, strictness, parallel
-- safety, SQLSTATEs of every user-facing error).
\set ON_ERROR_STOP 1
\set QUIET 1
\pset format unaligned
\pset tuples_only true
\pset pager off
BEGIN;
SELECT plan(70);

-- signatures and properties
SELECT has_function('custvalue', 'rfm_segment', ARRAY['integer', 'integer']);
SELECT has_function('custvalue', 'rfm_segment', ARRAY['integer', 'integer', 'integer', 'jsonb']);
SELECT has_function('custvalue', 'value_trend', ARRAY['double precision', 'double precision']);
SELECT has_function('custvalue', 'value_trend', ARRAY['double precision', 'double precision', 'double precision']);
SELECT function_returns('custvalue', 'rfm_segment', ARRAY['integer', 'integer'], 'text');
SELECT function_returns('custvalue', 'value_trend', ARRAY['double precision', 'double precision'], 'text');
SELECT is_strict('custvalue', 'rfm_segment', ARRAY['integer', 'integer']);
SELECT isnt_strict('custvalue', 'rfm_segment', ARRAY['integer', 'integer', 'integer', 'jsonb']);
SELECT is_strict('custvalue', 'value_trend', ARRAY['double precision', 'double precision', 'double precision']);
SELECT volatility_is('custvalue', 'rfm_segment', ARRAY['integer', 'integer'], 'immutable');
SELECT volatility_is('custvalue', 'rfm_segment', ARRAY['integer', 'integer', 'integer', 'jsonb'], 'immutable');
SELECT volatility_is('custvalue', 'value_trend', ARRAY['double precision', 'double precision'], 'immutable');
SELECT is_aggregate('custvalue', 'nps', ARRAY['integer']);
SELECT function_returns('custvalue', 'nps', ARRAY['integer'], 'double precision');
SELECT is(
    (SELECT aggtranstype::regtype::text FROM pg_aggregate WHERE aggfnoid = 'custvalue.nps(int)'::regprocedure),
    'bigint[]', 'nps has a concrete state type');
SELECT is(
    (SELECT aggcombinefn::text FROM pg_aggregate WHERE aggfnoid = 'custvalue.nps(int)'::regprocedure),
    'custvalue.nps_combine', 'nps has a combine function');
SELECT is(
    (SELECT count(*)::int FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
      WHERE n.nspname = 'custvalue' AND p.proname IN ('rfm_segment', 'value_trend', 'nps',
            'nps_trans', 'nps_combine', 'nps_final', 'rfmn_fit', 'rfmn_fit_trans', 'rfmn_fit_final',
            'rfmn_score', 'rfmn_segment', 'rfmn_thresholds') AND p.proparallel <> 's'),
    0, 'every rfm function and aggregate is parallel safe');
SELECT is(
    (SELECT count(*)::int FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
      WHERE n.nspname = 'custvalue' AND p.proname IN ('rfm_segment', 'value_trend', 'nps',
            'nps_trans', 'nps_combine', 'nps_final', 'rfmn_fit', 'rfmn_fit_trans', 'rfmn_fit_final',
            'rfmn_score', 'rfmn_segment', 'rfmn_thresholds', 'rfmn_model_in', 'rfmn_model_out',
            'rfmn_model_recv', 'rfmn_model_send', 'rfmn_model_jsonb')
        AND obj_description(p.oid, 'pg_proc') IS NULL),
    0, 'every rfm function and aggregate has a comment');

-- the model, its fit and scoring
SELECT has_type('custvalue', 'rfmn_model', 'type rfmn_model exists');
SELECT has_type('custvalue', 'rfmn_scores', 'type rfmn_scores exists');
SELECT is((SELECT count(*)::int FROM pg_cast
             WHERE castsource = 'custvalue.rfmn_model'::regtype AND casttarget = 'jsonb'::regtype),
          1, 'rfmn_model casts to jsonb');
SELECT is_aggregate('custvalue', 'rfmn_fit', ARRAY['double precision', 'double precision', 'double precision', 'double precision']);
SELECT is_aggregate('custvalue', 'rfmn_fit', ARRAY['double precision', 'double precision', 'double precision', 'double precision', 'jsonb']);
SELECT is(
    (SELECT count(*)::int FROM pg_aggregate WHERE aggfnoid::regproc::text = 'custvalue.rfmn_fit'
        AND aggtranstype = 'custvalue.fitstate'::regtype AND aggcombinefn = 'custvalue.fitstate_combine'::regproc),
    2, 'both rfmn_fit keep a custvalue.fitstate and combine with fitstate_combine');
SELECT isnt_strict('custvalue', 'rfmn_score', ARRAY['custvalue.rfmn_model', 'double precision', 'double precision', 'double precision', 'double precision']);
SELECT isnt_strict('custvalue', 'rfmn_segment', ARRAY['custvalue.rfmn_model', 'double precision', 'double precision', 'double precision', 'double precision']);
SELECT is_strict('custvalue', 'rfmn_thresholds', ARRAY['custvalue.rfmn_model']);
SELECT function_returns('custvalue', 'rfmn_score', ARRAY['custvalue.rfmn_model', 'double precision', 'double precision', 'double precision', 'double precision'], 'custvalue.rfmn_scores');
SELECT volatility_is('custvalue', 'rfmn_score', ARRAY['custvalue.rfmn_model', 'double precision', 'double precision', 'double precision', 'double precision'], 'immutable');
SELECT volatility_is('custvalue', 'rfmn_thresholds', ARRAY['custvalue.rfmn_model'], 'immutable');
SELECT ok((SELECT obj_description('custvalue.rfmn_model'::regtype, 'pg_type') IS NOT NULL
              AND obj_description('custvalue.rfmn_scores'::regtype, 'pg_type') IS NOT NULL),
          'the rfm types have comments');

-- values
SELECT is(custvalue.rfm_segment(5, 4), 'Champions', 'R5 F4 is Champions');
SELECT is(custvalue.rfm_segment(2, 5), 'Can''t Lose Them', 'R2 F5 is Can''t Lose Them');
SELECT is(custvalue.rfm_segment(3, 3, 3, '[{"segment": "x", "r": [4, 5]}]'), 'Other', 'no rule matches: Other');
SELECT is(custvalue.rfm_segment(NULL, 3, 3, '[{"segment": "x", "r": [4, 5]}, {"segment": "y", "f": [3, 3]}]'),
          'y', 'a NULL score skips rules on its dimension');
SELECT is(custvalue.value_trend(5, 0), 'new', 'previous 0 and current > 0: new');
SELECT is(custvalue.nps(r), 100::float8, 'all promoters: 100') FROM (VALUES (9), (10)) v(r);
SELECT is(custvalue.nps(r), NULL, 'no rows: NULL') FROM (VALUES (1)) v(r) WHERE false;
SELECT is((SELECT (custvalue.rfmn_score(custvalue.rfmn_fit(x, x, x, x), 2, 1, NULL, 3)).code
             FROM generate_series(1, 5) x), '41-3', 'recency reversed: 2 days of 1..5 scores 4; NULL shows as -');
SELECT is((SELECT custvalue.rfmn_segment(custvalue.rfmn_fit(x, x, x, x), 1, 5, 5, 5)
             FROM generate_series(1, 5) x), 'high_value', 'S = (5 + 5 + 5 + 5) / 4 is high_value');
SELECT results_eq(
    $$SELECT dimension, score, customers FROM custvalue.rfmn_thresholds(
        (SELECT custvalue.rfmn_fit(NULL, x, NULL, NULL) FROM unnest('{1,1,1,1,2,3}'::float8[]) x))$$,
    $$VALUES ('frequency', 1, 4::bigint), ('frequency', 4, 1), ('frequency', 5, 1)$$,
    'ties share a score; later values skip to their rank');

-- errors and their SQLSTATEs
SELECT throws_ok('SELECT custvalue.rfm_segment(0, 1)', '22023',
                 'r must be a score between 1 and 5, not 0', 'named map: r out of range');
SELECT throws_ok('SELECT custvalue.rfm_segment(1, 6)', '22023',
                 'f must be a score between 1 and 5, not 6', 'named map: f out of range');
SELECT throws_ok('SELECT custvalue.rfm_segment(1, 1, 101, ''[{"segment": "a"}]'')', '22023',
                 'm must be a score between 1 and 100, not 101', 'user map: m out of range');
SELECT throws_ok('SELECT custvalue.rfm_segment(1, 1, 1, ''[]'')', '22023',
                 'invalid segment map: map must be a non-empty array of rules, not an empty array',
                 'empty map');
SELECT throws_ok('SELECT custvalue.rfm_segment(1, 1, 1, ''[{"segment": "a", "x": 1}]'')', '22023',
                 'invalid segment map: rule 1 has unknown key "x" (allowed: segment, r, f, m)',
                 'unknown key in a rule');
SELECT throws_ok('SELECT custvalue.rfm_segment(1, 1, 1, ''[{"segment": "a", "r": [2, 1]}]'')', '22023',
                 'invalid segment map: rule 1: "r" range [2, 1] must not be reversed',
                 'reversed range');
SELECT throws_ok('SELECT custvalue.value_trend(-1, 1)', '22023',
                 'current must be a finite non-negative number, not -1', 'negative current');
SELECT throws_ok('SELECT custvalue.value_trend(1, -1)', '22023',
                 'previous must be a finite non-negative number, not -1', 'negative previous');
SELECT throws_ok('SELECT custvalue.value_trend(1, 1, -1)', '22023',
                 'band must be a finite non-negative number, not -1', 'negative band');
SELECT throws_ok('SELECT custvalue.value_trend(''NaN'', 1)', '22023',
                 'current must be a finite non-negative number, not NaN', 'NaN current');
SELECT throws_ok('SELECT custvalue.nps(r) FROM (VALUES (11)) v(r)', '22023',
                 'rating must be between 0 and 10, not 11', 'rating above 10');
SELECT throws_ok('SELECT custvalue.nps(r) FROM (VALUES (-1)) v(r)', '22023',
                 'rating must be between 0 and 10, not -1', 'rating below 0');
SELECT throws_ok('SELECT custvalue.nps_final(''{1,2}'')', '22023',
                 'nps state must be an int8 array of 11 counts without NULLs', 'malformed nps state');
SELECT throws_ok('SELECT custvalue.nps_final(''{0,0,0,0,0,0,0,0,0,0,-1}'')', '22023',
                 'nps state must hold non-negative counts, not -1', 'negative nps count');
SELECT throws_ok('SELECT custvalue.nps_combine(''{0,0,0,0,0,0,0,0,0,0,9223372036854775807}'', ''{0,0,0,0,0,0,0,0,0,0,1}'')',
                 '22003', 'nps count out of range', 'nps count overflow');

SELECT throws_ok('SELECT custvalue.rfmn_fit(1, 1, 1, 1, ''{"bins": 0}'')', '22023',
                 'option "bins" must be an integer between 1 and 100, not 0', 'bins out of range');
SELECT throws_ok('SELECT custvalue.rfmn_fit(1, 1, 1, 1, ''{"seed": 1}'')', '22023',
                 'unknown option "seed"', 'unknown option');
SELECT throws_ok('SELECT custvalue.rfmn_fit(1, 1, 1, 1, ''{"weights": [1]}'')', '2202E',
                 'option "weights" must have 4 elements (recency, frequency, monetary, nps), not 1',
                 'weights of the wrong length');
SELECT throws_ok('SELECT custvalue.rfmn_fit(1, 1, 1, 1, ''{"edges": [2, 3, 4]}'')', '22023',
                 'invalid rfmn_fit options: segment edges (high, mid, low) must be strictly descending, but edge 2 is 3 after 2',
                 'ascending edges');
SELECT throws_ok('SELECT custvalue.rfmn_fit(1, 1, 1, 1, ''{"ties": "average"}'')', '22023',
                 'option "ties" must be one of midrank, first, not "average"', 'unknown tie rule');
SELECT throws_ok('SELECT custvalue.rfmn_fit(1, 1, 1, 1, ''{"ties": 1}'')', '22023',
                 'option "ties" must be a string', 'tie rule not a string');
SELECT throws_ok($$SELECT replace(custvalue.rfmn_fit(x, 1, 1, 1)::text, '"midrank"', '"mean"')::custvalue.rfmn_model
                     FROM generate_series(1, 3) x$$, '22P02',
                 'invalid custvalue.rfmn_model value: "ties" must be "midrank" or "first"', 'model with an unknown tie rule');
SELECT throws_ok($$SELECT replace(custvalue.rfmn_fit(x, 1, 1, 1)::text, '"midrank"', '"first"')::custvalue.rfmn_model
                     FROM generate_series(1, 3) x$$, '22P02',
                 'invalid custvalue.rfmn_model value: recency: score 3 does not match its rank: 1 of 3 customers score lower, so its values score 1 + floor(5 * 1 / 3) = 2',
                 'midrank tables under ties "first"');
SELECT is((SELECT custvalue.rfmn_fit(x, 1, 1, 1)::jsonb ->> 'ties' FROM generate_series(1, 3) x), 'midrank',
          'the default tie rule is midrank, recorded in the model');
SELECT throws_ok('SELECT custvalue.rfmn_fit(''NaN'', 1, 1, 1)', '22023',
                 'recency must be a finite number, not NaN', 'NaN in a fit');
SELECT throws_ok('SELECT custvalue.rfmn_segment(custvalue.rfmn_fit(1, 1, 1, 1), 1, ''Infinity'', 1, 1)', '22023',
                 'frequency must be a finite number, not Infinity', 'infinite value to score');
SELECT throws_ok('SELECT ''{"kind": "rfmn_model", "version": 9}''::custvalue.rfmn_model', '22P02',
                 'invalid custvalue.rfmn_model value: unsupported "version" 9 (this build reads version 1)',
                 'model of another version');
SELECT throws_ok('SELECT ''{"kind": "scorecard"}''::custvalue.rfmn_model', '22P02',
                 'invalid custvalue.rfmn_model value: "kind" is "scorecard", expected "rfmn_model"',
                 'model of another kind');
SELECT throws_ok($$SET LOCAL custvalue.max_fit_memory = '64kB';
                   SELECT custvalue.rfmn_fit(1, 1, i, 1) FROM generate_series(1, 20000) i$$, '54000',
                 NULL, 'state past custvalue.max_fit_memory');

SELECT * FROM finish();
ROLLBACK;
