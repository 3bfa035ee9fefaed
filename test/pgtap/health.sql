-- pgTAP: the health-scoring functions' catalog contract and error SQLSTATEs.
\set ON_ERROR_STOP 1
\set QUIET 1
\pset format unaligned
\pset tuples_only true
\pset pager off
BEGIN;
SELECT plan(96);

-- every signature exists, is immutable and strict
SELECT has_function('custvalue', 'health_score', ARRAY['double precision[]', 'double precision[]']);
SELECT has_function('custvalue', 'health_score', ARRAY['double precision[]', 'double precision[]', 'double precision']);
SELECT has_function('custvalue', 'health_coverage', ARRAY['double precision[]', 'double precision[]']);
SELECT has_function('custvalue', 'score_linear', ARRAY['double precision', 'double precision', 'double precision']);
SELECT has_function('custvalue', 'score_log', ARRAY['double precision', 'double precision', 'double precision']);
SELECT has_function('custvalue', 'score_recency', ARRAY['double precision', 'double precision']);
SELECT has_function('custvalue', 'score_bands', ARRAY['double precision', 'double precision[]', 'double precision[]']);
SELECT has_function('custvalue', 'score_ratio', ARRAY['double precision', 'double precision']);
SELECT has_function('custvalue', 'tier', ARRAY['double precision', 'double precision[]', 'text[]']);
SELECT has_function('custvalue', 'health_tier', ARRAY['double precision']);
SELECT volatility_is('custvalue', 'health_score', ARRAY['double precision[]', 'double precision[]'], 'immutable');
SELECT volatility_is('custvalue', 'health_score', ARRAY['double precision[]', 'double precision[]', 'double precision'], 'immutable');
SELECT volatility_is('custvalue', 'health_coverage', ARRAY['double precision[]', 'double precision[]'], 'immutable');
SELECT volatility_is('custvalue', 'score_linear', ARRAY['double precision', 'double precision', 'double precision'], 'immutable');
SELECT volatility_is('custvalue', 'score_log', ARRAY['double precision', 'double precision', 'double precision'], 'immutable');
SELECT volatility_is('custvalue', 'score_recency', ARRAY['double precision', 'double precision'], 'immutable');
SELECT volatility_is('custvalue', 'score_bands', ARRAY['double precision', 'double precision[]', 'double precision[]'], 'immutable');
SELECT volatility_is('custvalue', 'score_ratio', ARRAY['double precision', 'double precision'], 'immutable');
SELECT volatility_is('custvalue', 'tier', ARRAY['double precision', 'double precision[]', 'text[]'], 'immutable');
SELECT volatility_is('custvalue', 'health_tier', ARRAY['double precision'], 'immutable');
SELECT is_strict('custvalue', 'health_score', ARRAY['double precision[]', 'double precision[]']);
SELECT is_strict('custvalue', 'health_score', ARRAY['double precision[]', 'double precision[]', 'double precision']);
SELECT is_strict('custvalue', 'health_coverage', ARRAY['double precision[]', 'double precision[]']);
SELECT is_strict('custvalue', 'score_linear', ARRAY['double precision', 'double precision', 'double precision']);
SELECT is_strict('custvalue', 'score_log', ARRAY['double precision', 'double precision', 'double precision']);
SELECT is_strict('custvalue', 'score_recency', ARRAY['double precision', 'double precision']);
SELECT is_strict('custvalue', 'score_bands', ARRAY['double precision', 'double precision[]', 'double precision[]']);
SELECT is_strict('custvalue', 'score_ratio', ARRAY['double precision', 'double precision']);
SELECT is_strict('custvalue', 'tier', ARRAY['double precision', 'double precision[]', 'text[]']);
SELECT is_strict('custvalue', 'health_tier', ARRAY['double precision']);

-- pgTAP has no parallel-safety assertion: ask the catalog
SELECT is_empty($$
  SELECT p.oid::regprocedure::text FROM pg_proc p
   WHERE p.pronamespace = 'custvalue'::regnamespace
     AND p.proname IN ('health_score', 'health_coverage', 'score_linear', 'score_log',
                       'score_recency', 'score_bands', 'score_ratio', 'tier', 'health_tier')
     AND p.proargtypes::regtype[]::text[] <@ ARRAY['double precision', 'double precision[]', 'text[]']
     AND p.proparallel <> 's'$$,
  'health-scoring functions are parallel safe');
SELECT is((SELECT count(*)::int FROM pg_proc p
            WHERE p.pronamespace = 'custvalue'::regnamespace
              AND p.proname IN ('health_score', 'health_coverage', 'score_linear', 'score_log',
                                'score_recency', 'score_bands', 'score_ratio', 'tier', 'health_tier')
              AND p.proargtypes[0] <> 'custvalue.scorecard'::regtype
              AND p.proparallel = 's'
              AND obj_description(p.oid, 'pg_proc') IS NOT NULL), 10,
          'all 10 signatures are parallel safe and commented');

-- values
SELECT is(custvalue.health_score('{47,59,21}'::float8[], '{20,15,22}'), 2287 / 57::float8, 'seed example 2287/57');
SELECT is(custvalue.health_score('{80,60,NULL,100}'::float8[], '{0.4,0.3,0.2,0.1}'), 75::float8, 'NULL score renormalised to 75');
SELECT is(custvalue.health_coverage('{80,60,NULL,100}', '{0.4,0.3,0.2,0.1}'), 0.8::float8, 'coverage 0.8');
SELECT is(custvalue.health_tier(custvalue.health_score('{80,60,NULL,100}'::float8[], '{0.4,0.3,0.2,0.1}')), 'medium'::text, '75 is medium');

-- every error, with its SQLSTATE and message
SELECT throws_ok('SELECT custvalue.health_score(''{47,120,21}''::float8[], ''{20,15,22}'')', '22023', 'score must be between 0 and 100, not 120');
SELECT throws_ok('SELECT custvalue.health_score(''{NULL,-0.5}''::float8[], ''{1,1}'')', '22023', 'score must be between 0 and 100, not -0.5');
SELECT throws_ok('SELECT custvalue.health_score(''{47,NaN}''::float8[], ''{1,1}'')', '22023', 'scores must contain only finite numbers');
SELECT throws_ok('SELECT custvalue.health_score(''{Infinity}''::float8[], ''{1}'')', '22023', 'scores must contain only finite numbers');
SELECT throws_ok('SELECT custvalue.health_score(''{1,2,3}''::float8[], ''{1,1}'')', '2202E', 'scores and weights must have the same length');
SELECT throws_ok('SELECT custvalue.health_score(''{{1,2},{3,4}}''::float8[], ''{1,1,1,1}'')', '2202E', 'scores must be a one-dimensional array, not 2-dimensional');
SELECT throws_ok('SELECT custvalue.health_score(''{50,50}''::float8[], ''{1,-1}'')', '22023', 'weight must be greater than or equal to 0, not -1');
SELECT throws_ok('SELECT custvalue.health_score(''{50,50}''::float8[], ''{0,0}'')', '22023', 'weights must not all be zero');
SELECT throws_ok('SELECT custvalue.health_score(''{50,50}''::float8[], ''{1,NULL}'')', '22004', 'weights must not contain NULL elements');
SELECT throws_ok('SELECT custvalue.health_score(''{50,50}''::float8[], ''{1,NaN}'')', '22023', 'weights must contain only finite numbers');
SELECT throws_ok('SELECT custvalue.health_score(''{50}''::float8[], ''{-Infinity}'')', '22023', 'weights must contain only finite numbers');
SELECT throws_ok('SELECT custvalue.health_score(''{}''::float8[], ''{}'')', '22023', 'weights must not be empty');
SELECT throws_ok('SELECT custvalue.health_score(''{50,50}''::float8[], ''{{1,1}}'')', '2202E', 'weights must be a one-dimensional array, not 2-dimensional');
SELECT is(custvalue.health_score('{40,60}'::float8[], '{1e308,1e308}'), 50::float8, 'weights of 1e308 weigh as equal weights');
SELECT throws_ok('SELECT custvalue.health_score(''{50}''::float8[], ''{1}'', 1.5)', '22023', 'min_coverage must be between 0 and 1, not 1.5');
SELECT throws_ok('SELECT custvalue.health_score(''{50}''::float8[], ''{1}'', -0.1)', '22023', 'min_coverage must be between 0 and 1, not -0.1');
SELECT throws_ok('SELECT custvalue.health_score(''{50}''::float8[], ''{1}'', ''NaN'')', '22023', 'min_coverage must be a finite number, not NaN');
SELECT throws_ok('SELECT custvalue.health_score(''{50,NULL}''::float8[], ''{1,1}'', 2)', '22023', 'min_coverage must be between 0 and 1, not 2');
SELECT throws_ok('SELECT custvalue.health_coverage(''{50,50}'', ''{1}'')', '2202E', 'scores and weights must have the same length');
SELECT throws_ok('SELECT custvalue.health_coverage(''{101}'', ''{1}'')', '22023', 'score must be between 0 and 100, not 101');
SELECT throws_ok('SELECT custvalue.health_coverage(''{50}'', ''{-1}'')', '22023', 'weight must be greater than or equal to 0, not -1');
SELECT throws_ok('SELECT custvalue.score_linear(1, 5, 5)', '22023', 'poor and good must be different, not both 5');
SELECT throws_ok('SELECT custvalue.score_linear(''NaN'', 0, 1)', '22023', 'x must be a finite number, not NaN');
SELECT throws_ok('SELECT custvalue.score_linear(1, ''Infinity'', 1)', '22023', 'poor must be a finite number, not Infinity');
SELECT throws_ok('SELECT custvalue.score_linear(1, 0, ''-Infinity'')', '22023', 'good must be a finite number, not -Infinity');
SELECT throws_ok('SELECT custvalue.score_log(-1, 0, 9)', '22023', 'x must be greater than -1, not -1');
SELECT throws_ok('SELECT custvalue.score_log(1, -2, 9)', '22023', 'poor must be greater than -1, not -2');
SELECT throws_ok('SELECT custvalue.score_log(1, 0, -1.5)', '22023', 'good must be greater than -1, not -1.5');
SELECT throws_ok('SELECT custvalue.score_log(1, 3, 3)', '22023', 'poor and good must be different, not both 3');
SELECT throws_ok('SELECT custvalue.score_log(''Infinity'', 0, 3)', '22023', 'x must be a finite number, not Infinity');
SELECT throws_ok('SELECT custvalue.score_recency(-1, 30)', '22023', 'days must be greater than or equal to 0, not -1');
SELECT throws_ok('SELECT custvalue.score_recency(1, 0)', '22023', 'half_life must be greater than 0, not 0');
SELECT throws_ok('SELECT custvalue.score_recency(1, -3)', '22023', 'half_life must be greater than 0, not -3');
SELECT throws_ok('SELECT custvalue.score_recency(''Infinity'', 30)', '22023', 'days must be a finite number, not Infinity');
SELECT throws_ok('SELECT custvalue.score_recency(1, ''NaN'')', '22023', 'half_life must be a finite number, not NaN');
SELECT throws_ok('SELECT custvalue.score_bands(5, ''{10,20}'', ''{0,100}'')', '2202E', 'points must have one more element than edges');
SELECT throws_ok('SELECT custvalue.score_bands(5, ''{10,20}'', ''{0,50,60,100}'')', '2202E', 'points must have one more element than edges');
SELECT throws_ok('SELECT custvalue.score_bands(5, ''{10,10}'', ''{0,50,100}'')', '22023', 'edges must be strictly ascending');
SELECT throws_ok('SELECT custvalue.score_bands(5, ''{20,10}'', ''{0,50,100}'')', '22023', 'edges must be strictly ascending');
SELECT throws_ok('SELECT custvalue.score_bands(5, ''{10,20}'', ''{0,50,120}'')', '22023', 'point must be between 0 and 100, not 120');
SELECT throws_ok('SELECT custvalue.score_bands(5, ''{10,20}'', ''{-5,50,100}'')', '22023', 'point must be between 0 and 100, not -5');
SELECT throws_ok('SELECT custvalue.score_bands(5, ''{10,NULL}'', ''{0,50,100}'')', '22004', 'edges must not contain NULL elements');
SELECT throws_ok('SELECT custvalue.score_bands(5, ''{10,20}'', ''{0,NULL,100}'')', '22004', 'points must not contain NULL elements');
SELECT throws_ok('SELECT custvalue.score_bands(5, ''{NaN,20}'', ''{0,50,100}'')', '22023', 'edges must contain only finite numbers');
SELECT throws_ok('SELECT custvalue.score_bands(5, ''{10,20}'', ''{0,50,Infinity}'')', '22023', 'points must contain only finite numbers');
SELECT throws_ok('SELECT custvalue.score_bands(''NaN'', ''{10,20}'', ''{0,50,100}'')', '22023', 'x must be a finite number, not NaN');
SELECT throws_ok('SELECT custvalue.score_ratio(-1, 4)', '22023', 'part must be greater than or equal to 0, not -1');
SELECT throws_ok('SELECT custvalue.score_ratio(1, -4)', '22023', 'whole must be greater than or equal to 0, not -4');
SELECT throws_ok('SELECT custvalue.score_ratio(5, 3)', '22023', 'part must not be greater than whole');
SELECT throws_ok('SELECT custvalue.score_ratio(1, 0)', '22023', 'part must not be greater than whole');
SELECT throws_ok('SELECT custvalue.score_ratio(''NaN'', 4)', '22023', 'part must be a finite number, not NaN');
SELECT throws_ok('SELECT custvalue.score_ratio(1, ''Infinity'')', '22023', 'whole must be a finite number, not Infinity');
SELECT throws_ok('SELECT custvalue.tier(3, ''{1,2}'', ''{a,b}'')', '2202E', 'labels must have one more element than edges');
SELECT throws_ok('SELECT custvalue.tier(3, ''{1,2}'', ''{a,b,NULL}'')', '22004', 'labels must not contain NULL elements');
SELECT throws_ok('SELECT custvalue.tier(3, ''{2,1}'', ''{a,b,c}'')', '22023', 'edges must be strictly ascending');
SELECT throws_ok('SELECT custvalue.tier(3, ''{1,Infinity}'', ''{a,b,c}'')', '22023', 'edges must contain only finite numbers');
SELECT throws_ok('SELECT custvalue.tier(''-Infinity'', ''{1,2}'', ''{a,b,c}'')', '22023', 'value must be a finite number, not -Infinity');
SELECT throws_ok('SELECT custvalue.health_tier(100.5)', '22023', 'score must be between 0 and 100, not 100.5');
SELECT throws_ok('SELECT custvalue.health_tier(-1)', '22023', 'score must be between 0 and 100, not -1');
SELECT throws_ok('SELECT custvalue.health_tier(''NaN'')', '22023', 'score must be a finite number, not NaN');

SELECT * FROM finish();
ROLLBACK;
