-- pgTAP: the customer-lifetime-value contract (catalog shape, volatility,
-- safety markings, comments, SQLSTATEs).
\set ON_ERROR_STOP 1
\set QUIET 1
\pset format unaligned
\pset tuples_only true
\pset pager off
BEGIN;
SELECT plan(30);

SELECT has_type('custvalue', 'clv_input', 'type custvalue.clv_input exists');
SELECT has_type('custvalue', 'bgnbd_model', 'type custvalue.bgnbd_model exists');
SELECT has_type('custvalue', 'gammagamma_model', 'type custvalue.gammagamma_model exists');
SELECT is_aggregate('custvalue', 'clv_summary', ARRAY['timestamp with time zone', 'double precision', 'timestamp with time zone']);
SELECT is_aggregate('custvalue', 'clv_summary', ARRAY['date', 'double precision', 'date', 'jsonb']);
SELECT is_aggregate('custvalue', 'clv_summary', ARRAY['timestamp without time zone', 'double precision', 'timestamp without time zone', 'jsonb']);
SELECT is_aggregate('custvalue', 'bgnbd_fit', ARRAY['double precision', 'double precision', 'double precision', 'jsonb']);
SELECT is_aggregate('custvalue', 'gammagamma_fit', ARRAY['double precision', 'double precision']);
SELECT function_returns('custvalue', 'clv_summary', ARRAY['date', 'double precision', 'date'], 'custvalue.clv_input');
SELECT function_returns('custvalue', 'bgnbd_fit', ARRAY['double precision', 'double precision', 'double precision'], 'custvalue.bgnbd_model');
SELECT function_returns('custvalue', 'gammagamma_fit', ARRAY['double precision', 'double precision', 'jsonb'], 'custvalue.gammagamma_model');
SELECT function_returns('custvalue', 'clv',
  ARRAY['custvalue.bgnbd_model', 'custvalue.gammagamma_model', 'double precision', 'double precision',
        'double precision', 'double precision', 'double precision', 'double precision'], 'double precision');
SELECT volatility_is('custvalue', 'clv_summary_trans',
  ARRAY['custvalue.fitstate', 'timestamp with time zone', 'double precision', 'timestamp with time zone'], 'stable');
SELECT volatility_is('custvalue', 'clv_summary_trans',
  ARRAY['custvalue.fitstate', 'date', 'double precision', 'date'], 'immutable');
SELECT volatility_is('custvalue', 'bgnbd_expected_purchases',
  ARRAY['custvalue.bgnbd_model', 'double precision', 'double precision', 'double precision', 'double precision'], 'immutable');
SELECT is_strict('custvalue', 'bgnbd_p_alive', ARRAY['custvalue.bgnbd_model', 'double precision', 'double precision', 'double precision']);
SELECT is_strict('custvalue', 'gammagamma_expected_spend', ARRAY['custvalue.gammagamma_model', 'double precision', 'double precision']);

-- every aggregate: parallel safe, a combine function, a concrete state type
SELECT is((SELECT count(*)::int FROM pg_aggregate a JOIN pg_proc p ON p.oid = a.aggfnoid
            WHERE p.proname IN ('clv_summary', 'bgnbd_fit', 'gammagamma_fit')
              AND p.pronamespace = 'custvalue'::regnamespace
              AND p.proparallel = 's' AND a.aggcombinefn = 'custvalue.fitstate_combine'::regproc
              AND a.aggtranstype = 'custvalue.fitstate'::regtype), 10,
          'all ten CLV aggregates are parallel safe, combine, and keep a custvalue.fitstate');
SELECT is((SELECT count(*)::int FROM pg_proc
            WHERE pronamespace = 'custvalue'::regnamespace AND proparallel <> 's'
              AND (proname LIKE 'clv%' OR proname LIKE 'bgnbd%' OR proname LIKE 'gammagamma%')), 0,
          'every CLV function is parallel safe');
SELECT is((SELECT count(*)::int FROM pg_proc
            WHERE pronamespace = 'custvalue'::regnamespace
              AND (proname LIKE 'clv%' OR proname LIKE 'bgnbd%' OR proname LIKE 'gammagamma%')
              AND obj_description(oid, 'pg_proc') IS NULL
              AND proname !~ '_(in|out|recv|send|trans|final)$'), 0,
          'every user-facing CLV function has a comment');
SELECT ok(EXISTS (SELECT 1 FROM pg_cast WHERE castsource = 'custvalue.bgnbd_model'::regtype
                                         AND casttarget = 'jsonb'::regtype), 'cast bgnbd_model -> jsonb exists');
SELECT ok(EXISTS (SELECT 1 FROM pg_cast WHERE castsource = 'custvalue.gammagamma_model'::regtype
                                         AND casttarget = 'jsonb'::regtype), 'cast gammagamma_model -> jsonb exists');

-- errors and their SQLSTATEs
SELECT throws_ok($$SELECT custvalue.bgnbd_fit(3, 12, 10)$$, '22023',
                 'recency must not exceed t, but recency = 12 and t = 10', 'recency > t is 22023');
SELECT throws_ok($$SELECT custvalue.bgnbd_fit(0, 2, 10)$$, '22023',
                 'recency must be 0 when frequency is 0, not 2', 'recency without repeat purchases is 22023');
SELECT throws_ok($$SELECT custvalue.bgnbd_fit(1, 2, 10, '{"bogus": 1}')$$, '22023',
                 'unknown option "bogus"', 'unknown option is 22023');
SELECT throws_ok($$SELECT custvalue.clv_summary(date '2024-01-01', 1, date '2024-02-01', '{"period": "year"}')$$, '22023',
                 NULL, 'unknown period is 22023');
SELECT throws_ok($$SELECT custvalue.clv_summary(date 'infinity', 1, date '2024-02-01')$$, '22008',
                 'event_time must be finite, not infinity', 'infinite event time is 22008');
SELECT throws_ok($$SELECT custvalue.bgnbd_expected_purchases('{"kind": "bgnbd_model", "version": 1, "r": 1, "alpha": 1, "a": 1, "b": 1}', 1e20, 1, 1, 2)$$,
                 '22023', 'horizon must be between 0 and 1e15, not 1e+20', 'huge horizon is 22023');
SELECT throws_ok($$SELECT '{"kind": "bgnbd_model", "version": 1, "r": 1}'::custvalue.bgnbd_model$$, '22P02', NULL,
                 'malformed bgnbd_model text is 22P02');
SELECT throws_ok($$SELECT '{"kind": "gammagamma_model", "version": 1, "p": 1, "q": 1, "gamma": "x"}'::custvalue.gammagamma_model$$,
                 '22P02', NULL, 'malformed gammagamma_model text is 22P02');

SELECT * FROM finish();
ROLLBACK;
