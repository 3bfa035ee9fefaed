-- Bad input, generated from the catalog: every function and aggregate of
-- the extension is called with each of its arguments in turn replaced by
-- every bad value of that argument's type (NULL, NaN, +-Infinity,
-- subnormals, +-1e308, empty, one-element and NULL-holding arrays,
-- multi-dimensional arrays, wrong lengths, huge counts, absurd and unknown
-- options, malformed model text of every kind), the others holding good
-- values; aggregates over no rows, one row and three rows, and with the bad
-- value in one row only.  Every case must end in a result or an error with
-- an SQLSTATE of class 22 (data exception), 54 (program limit) or 0A (not
-- supported): no crash, no internal error (XX000), no non-finite result,
-- none taking more than 5 s.  A function landing in the extension is
-- covered without a new line here, unless it takes an argument type that
-- has no bad values yet, or is a model type without a sample (both are
-- reported below).  The outcome of every case stays in badinput.result
-- (badinput_states.sql and scripts/stress.sh read it).
SET extra_float_digits = 0;
SET client_min_messages = warning;
SET custvalue.max_fit_memory = '256MB';
CREATE SCHEMA badinput;

-- One valid value of each model type, fitted: the base of the malformed
-- texts of that type and the "model of another kind" of every other type.
CREATE TABLE badinput.sample (typ regtype PRIMARY KEY, val text NOT NULL);
INSERT INTO badinput.sample
SELECT 'custvalue.scorecard', custvalue.scorecard_fit(ARRAY[g % 7, g % 3, g, g * 0.5]::float8[])::text
  FROM generate_series(1, 40) g;
INSERT INTO badinput.sample
SELECT 'custvalue.rfmn_model', custvalue.rfmn_fit(g % 9, g % 4, g * 10, g % 11)::text
  FROM generate_series(1, 40) g;
INSERT INTO badinput.sample
SELECT 'custvalue.kmeans_model', custvalue.kmeans_fit(ARRAY[g % 7, g % 3, g, g * 0.5]::float8[], 3)::text
  FROM generate_series(1, 40) g;
INSERT INTO badinput.sample
SELECT 'custvalue.churn_model', custvalue.churn_fit(ARRAY[g % 7, g % 3, g % 5, (g * 7919) % 11]::float8[], ARRAY['a' || g % 3, 'b' || g % 2], (g * 7919) % 10 < 3, '{"l2": 1}')::text
  FROM generate_series(1, 40) g;
INSERT INTO badinput.sample
SELECT 'custvalue.curve', custvalue.roc_curve(g % 7, g % 4 = 0 OR g % 7 = 1)::text
  FROM generate_series(1, 40) g;
INSERT INTO badinput.sample
SELECT 'custvalue.scaler', custvalue.zscore_fit(ARRAY[g % 7, g % 3, g, g * 0.5]::float8[])::text
  FROM generate_series(1, 40) g;
INSERT INTO badinput.sample
SELECT 'custvalue.bgnbd_model', custvalue.bgnbd_fit(g % 5, (g % 5) * (g % 7), 40)::text
  FROM generate_series(1, 200) g;
INSERT INTO badinput.sample
SELECT 'custvalue.gammagamma_model', custvalue.gammagamma_fit(g % 5 + 1, 10 + (g * 7919) % 37)::text
  FROM generate_series(1, 200) g;
INSERT INTO badinput.sample
SELECT 'custvalue.tree_model', custvalue.tree_fit(ARRAY[g % 7, g % 3, g, g * 0.5]::float8[], ARRAY['a' || g % 3, 'b'], g % 4 = 0)::text
  FROM generate_series(1, 40) g;

-- A good value of each argument type: `val` for constant arguments, `rowval`
-- varying with the row number g for aggregate arguments.
CREATE TABLE badinput.good (typ regtype PRIMARY KEY, val text NOT NULL, rowval text NOT NULL);
INSERT INTO badinput.good VALUES
  ('float8',   '1.5::float8',                      '((g % 7) + 0.5)::float8'),
  ('float4',   '1.5::float4',                '((g % 7) + 0.5)::float4'),
  ('int2',     '2::int2',                    '((g % 5) + 1)::int2'),
  ('int4',     '2::int4',                      '((g % 5) + 1)::int4'),
  ('int8',     '2::int8',                    '((g % 5) + 1)::int8'),
  ('numeric',  '2.5::numeric',               '((g % 5) + 0.5)::numeric'),
  ('bool',     'true',                       '(g % 2 = 0)'),
  ('text',     '''a''::text',                '(''c'' || (g % 3))::text'),
  ('date',     '''2024-01-01''::date',       '(''2024-01-01''::date + g)'),
  ('timestamp', '''2024-01-01''::timestamp', '(''2024-01-01''::timestamp + g * interval ''1 day'')'),
  ('timestamptz', '''2024-01-01''::timestamptz', '(''2024-01-01''::timestamptz + g * interval ''1 day'')'),
  ('float8[]', 'ARRAY[1, 2, 3, 4]::float8[]', 'ARRAY[g % 7, g % 3, g, g * 0.5]::float8[]'),
  ('int4[]',   'ARRAY[1, 2, 3, 4]',          'ARRAY[g % 7, g % 3, g, g + 1]'),
  ('text[]',   'ARRAY[''a'', ''b'']',        'ARRAY[''c'' || (g % 3), ''d'' || (g % 2)]'),
  ('jsonb',    '''{}''::jsonb',              '''{}''::jsonb');
INSERT INTO badinput.good
SELECT typ, quote_literal(val) || '::' || typ::text, quote_literal(val) || '::' || typ::text
  FROM badinput.sample;

-- Bad values: (type, label, SQL expression of that type).
CREATE TABLE badinput.val (typ regtype, label text, expr text, PRIMARY KEY (typ, label));
INSERT INTO badinput.val
SELECT t::regtype, v.label, replace(v.expr, 'T', t)
  FROM unnest(ARRAY['float8', 'float4']) t,
       (VALUES ('null', 'NULL::T'), ('nan', '''NaN''::T'), ('inf', '''Infinity''::T'),
               ('-inf', '''-Infinity''::T'), ('subnormal', '''1e-310''::float8::T'),
               ('-subnormal', '''-1e-310''::float8::T'), ('1e308', '1e308::float8::T'),
               ('-1e308', '-1e308::float8::T'), ('zero', '0::T'), ('-0', '''-0''::T'),
               ('-1', '(-1)::T'), ('1e15', '1e15::T'), ('2^31', '2147483648::T')) v(label, expr);
INSERT INTO badinput.val
SELECT t::regtype, v.label, replace(v.expr, 'T', t)
  FROM unnest(ARRAY['int2', 'int4', 'int8']) t,
       (VALUES ('null', 'NULL::T'), ('zero', '0::T'), ('-1', '(-1)::T'), ('101', '101::T'),
               ('32767', '32767::T'), ('-32768', '(-32768)::T')) v(label, expr);
INSERT INTO badinput.val VALUES
  ('int4', 'int-max', '2147483647'), ('int4', 'int-min', '(-2147483648)'), ('int4', '1e6', '1000000'),
  ('int8', 'int8-max', '9223372036854775807::int8'), ('int8', 'int8-min', '(-9223372036854775808)::int8'),
  ('int8', '1e12', '1000000000000::int8'),
  ('numeric', 'null', 'NULL::numeric'), ('numeric', 'nan', '''NaN''::numeric'),
  ('numeric', '-1', '(-1)::numeric'), ('numeric', '1e300', '1e300::numeric'),
  ('bool', 'null', 'NULL::bool'),
  ('text', 'null', 'NULL::text'), ('text', 'empty', '''''::text'), ('text', 'unknown', '''no such thing''::text'),
  ('text', 'nan', '''NaN''::text'), ('text', '1MB', 'repeat(''x'', 1000000)'),
  ('text', 'json', '''{"kind": "x"}''::text');
INSERT INTO badinput.val
SELECT t::regtype, v.label, replace(v.expr, 'T', t)
  FROM unnest(ARRAY['date', 'timestamp', 'timestamptz']) t,
       (VALUES ('null', 'NULL::T'), ('infinity', '''infinity''::T'), ('-infinity', '''-infinity''::T'),
               ('earliest', '''4713-01-01 BC''::T'), ('far', '''200000-01-01''::T')) v(label, expr);
INSERT INTO badinput.val VALUES
  ('float8[]', 'null', 'NULL::float8[]'),
  ('float8[]', 'empty', '''{}''::float8[]'),
  ('float8[]', 'null-element', '''{NULL}''::float8[]'),
  ('float8[]', 'one-null', '''{1,NULL,3,4}''::float8[]'),
  ('float8[]', 'all-null', '''{NULL,NULL,NULL,NULL}''::float8[]'),
  ('float8[]', '2-d', '''{{1,2},{3,4}}''::float8[]'),
  ('float8[]', 'lower-bound-0', '''[0:3]={1,2,3,4}''::float8[]'),
  ('float8[]', 'nan', '''{NaN,1,2,3}''::float8[]'),
  ('float8[]', 'inf', '''{1,Infinity,2,3}''::float8[]'),
  ('float8[]', '-inf', '''{1,2,-Infinity,3}''::float8[]'),
  ('float8[]', 'subnormal', 'ARRAY[1e-310, 1e-310, 1e-310, 1e-310]::float8[]'),
  ('float8[]', '1e308', 'ARRAY[1e308, 1e308, 1e308, 1e308]::float8[]'),
  ('float8[]', '-1e308', 'ARRAY[-1e308, -1e308, -1e308, -1e308]::float8[]'),
  ('float8[]', 'zeros', '''{0,0,0,0}''::float8[]'),
  ('float8[]', 'negative', '''{-1,-1,-1,-1}''::float8[]'),
  ('float8[]', 'length-1', '''{1}''::float8[]'),
  ('float8[]', 'length-3', '''{1,2,3}''::float8[]'),
  ('float8[]', 'length-5', '''{1,2,3,4,5}''::float8[]'),
  ('float8[]', 'length-100000', 'array_fill(1::float8, ARRAY[100000])'),
  ('int4[]', 'null', 'NULL::int4[]'), ('int4[]', 'empty', '''{}''::int4[]'),
  ('int4[]', 'null-element', '''{NULL}''::int4[]'), ('int4[]', '2-d', '''{{1,2},{3,4}}''::int4[]'),
  ('int4[]', 'negative', '''{-1,-1,-1,-1}''::int4[]'), ('int4[]', 'int-max', '''{2147483647}''::int4[]'),
  ('text[]', 'null', 'NULL::text[]'), ('text[]', 'empty', '''{}''::text[]'),
  ('text[]', 'null-element', '''{NULL,b}''::text[]'), ('text[]', '2-d', '''{{a,b},{c,d}}''::text[]'),
  ('text[]', 'empty-string', '''{"",""}''::text[]'), ('text[]', 'length-1', '''{a}''::text[]'),
  ('text[]', 'length-10000', 'array_fill(''x''::text, ARRAY[10000])'),
  ('text[]', '1MB-element', 'ARRAY[repeat(''x'', 1000000), ''b'']');
-- Options: not an object, an unknown key, deeply nested, a megabyte long;
-- then every option name any fit knows with absurd values (a name a fit
-- does not know is an unknown key for it: 22023 too).
INSERT INTO badinput.val VALUES
  ('jsonb', 'null', 'NULL::jsonb'), ('jsonb', 'json-null', '''null''::jsonb'),
  ('jsonb', 'array', '''[]''::jsonb'), ('jsonb', 'string', '''"bins"''::jsonb'),
  ('jsonb', 'number', '''1''::jsonb'), ('jsonb', 'unknown-key', '''{"no_such_option": 1}''::jsonb'),
  ('jsonb', 'nested', '(repeat(''['', 1000) || repeat('']'', 1000))::jsonb'),
  ('jsonb', 'nested-object', '(repeat(''{"a": '', 500) || ''1'' || repeat(''}'', 500))::jsonb'),
  ('jsonb', '1MB', 'jsonb_build_object(''names'', ARRAY[repeat(''x'', 1000000)])');
INSERT INTO badinput.val
SELECT 'jsonb', k || '=' || v, quote_literal(jsonb_build_object(k, v::jsonb)::text) || '::jsonb'
  FROM unnest(ARRAY['bins', 'ties', 'weights', 'edges', 'names', 'higher_is_better', 'max_rows',
                    'seed', 'standardize', 'k', 'max_iter', 'n_init', 'tol', 'init', 'max_depth',
                    'min_leaf', 'min_samples_leaf', 'min_samples_split', 'horizon', 'periods',
                    'discount', 'penalty', 'l2', 'target_precision', 'threshold', 'max_bins',
                    'exact_cap', 'levels', 'segments']) k,
       unnest(ARRAY['-1', '0', '1.5', '1e9', '2147483648', '1e308', '-1e308', '"x"', 'null', 'true',
                    '[]', '{}', '[null]', '[1e308, -1e308]', '[[1]]']) v;
-- Model types: malformed text derived from each sample, and every other
-- kind's sample read as this kind.  Mutations of the numbers keep the
-- version, so that they reach the checks behind it.
CREATE FUNCTION badinput.keep_version(t text) RETURNS text LANGUAGE sql AS
$$ SELECT regexp_replace(t, '"version": [^,}]*', '"version": 1') $$;
INSERT INTO badinput.val
SELECT s.typ, v.label, quote_literal(v.txt) || '::' || s.typ::text
  FROM badinput.sample s,
       LATERAL (VALUES
         ('empty', ''), ('brace', '{'), ('object', '{}'), ('array', '[]'), ('json-null', 'null'),
         ('string', '"x"'), ('truncated', left(s.val, length(s.val) / 2)),
         ('truncated-1', left(s.val, length(s.val) - 1)),
         ('trailing', s.val || 'x'),
         ('version-999', regexp_replace(s.val, '"version": [0-9]+', '"version": 999')),
         ('version-0', regexp_replace(s.val, '"version": [0-9]+', '"version": 0')),
         ('kind-unknown', regexp_replace(s.val, '"kind": "[^"]*"', '"kind": "nosuch"')),
         ('no-kind', regexp_replace(s.val, '"kind": "[^"]*", ', '')),
         ('dup-kind', regexp_replace(s.val, '^\{', '{"kind": "x", ')),
         ('unknown-key', regexp_replace(s.val, '^\{', '{"zzz": 1, ')),
         ('shorter-array', regexp_replace(s.val, ', (-?[0-9.e+]+)\]', ']')),
         ('longer-array', regexp_replace(s.val, '\[(-?[0-9.e+]+)', '[\1, \1')),
         ('empty-arrays', regexp_replace(s.val, '\[[^][{}]*\]', '[]', 'g')),
         ('number-1e999', badinput.keep_version(regexp_replace(s.val, '(: )(-?[0-9][0-9.e+]*)([,}\]])', '\11e999\3', 'g'))),
         ('number-nan', badinput.keep_version(regexp_replace(s.val, '(: )(-?[0-9][0-9.e+]*)([,}\]])', '\1NaN\3', 'g'))),
         ('number--1', badinput.keep_version(regexp_replace(s.val, '([:,\[] )(-?[0-9][0-9.e+]*)', '\1-1', 'g'))),
         ('number-1e308', badinput.keep_version(regexp_replace(s.val, '([:,\[] )(-?[0-9][0-9.e+]*)', '\11e308', 'g'))),
         ('number-0', badinput.keep_version(regexp_replace(s.val, '([:,\[] )(-?[0-9][0-9.e+]*)', '\10', 'g'))),
         ('numbers-as-strings', badinput.keep_version(regexp_replace(s.val, '([:,\[] )(-?[0-9][0-9.e+]*)', '\1"\2"', 'g'))),
         ('nested', repeat('[', 100000)),
         ('nested-model', regexp_replace(s.val, '^\{', '{"x": ' || repeat('[', 70) || repeat(']', 70) || ', ')),
         ('megabytes', regexp_replace(s.val, '^\{', '{"x": "' || repeat('y', 2000000) || '", ')),
         ('nul-escape', regexp_replace(s.val, '"kind": "', '"kind": "\\u0000'))
       ) v(label, txt)
UNION ALL
SELECT s.typ, 'kind-' || o.typ::text, quote_literal(o.val) || '::' || s.typ::text
  FROM badinput.sample s JOIN badinput.sample o ON o.typ <> s.typ;

-- The functions under test: every function and aggregate of the extension
-- except type I/O, planner support, and the support functions of the fit
-- aggregates (badinput_states.sql crafts their states).
CREATE VIEW badinput.fn AS
SELECT p.oid, p.oid::regprocedure AS sig, p.prokind, p.proretset, p.provariadic, p.prorettype::regtype AS ret,
       (SELECT array_agg(t ORDER BY o) FROM unnest(p.proargtypes::regtype[]) WITH ORDINALITY u(t, o)) AS args
  FROM pg_proc p
 WHERE p.pronamespace = 'custvalue'::regnamespace
   AND p.prokind IN ('f', 'a')
   AND NOT EXISTS (SELECT FROM pg_type t WHERE p.oid IN (t.typinput, t.typoutput, t.typreceive, t.typsend))
   AND NOT EXISTS (SELECT FROM pg_aggregate a WHERE p.oid IN (a.aggtransfn, a.aggfinalfn, a.aggcombinefn))
   AND NOT 'internal'::regtype = ANY (p.proargtypes::regtype[])
   AND NOT 'cstring'::regtype = ANY (p.proargtypes::regtype[]);

CREATE TABLE badinput.result (
  fn regprocedure, arg int, label text, nrows int, query text,
  state text, message text, result text, ms float8);

-- One case: run q, keep its outcome, return its SQLSTATE ('ok' if none).
CREATE FUNCTION badinput.run(fn regprocedure, arg int, label text, nrows int, q text)
RETURNS text LANGUAGE plpgsql AS $$
DECLARE
  r text; st text; msg text; t0 timestamptz := clock_timestamp();
BEGIN
  BEGIN
    IF q ~ '^(CREATE|DROP) ' THEN
      EXECUTE q;
    ELSE
      EXECUTE q INTO r;
    END IF;
    st := 'ok';
  EXCEPTION WHEN OTHERS THEN
    GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE, msg = MESSAGE_TEXT;
  END;
  INSERT INTO badinput.result
  VALUES (fn, arg, label, nrows, left(q, 300), st, msg, left(r, 300),
          extract(epoch FROM clock_timestamp() - t0) * 1000);
  RETURN st;
END $$;

-- Whether a value's text reads back as its type and prints the same: a
-- model a function returns must (else the case's result says UNREADABLE).
CREATE FUNCTION badinput.checked(txt text, typ regtype) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE back text;
BEGIN
  IF txt IS NULL OR NOT EXISTS (SELECT FROM badinput.sample WHERE sample.typ = checked.typ) THEN
    RETURN txt;
  END IF;
  EXECUTE format('SELECT %L::%s::text', txt, typ) INTO back;
  RETURN CASE WHEN back = txt THEN txt ELSE 'UNREADABLE (differs): ' || txt END;
EXCEPTION WHEN OTHERS THEN
  RETURN 'UNREADABLE (' || SQLERRM || '): ' || txt;
END $$;

-- The SQL of one call: args[i] are expressions; aggregates over n rows
-- numbered g.
CREATE FUNCTION badinput.call_sql(f badinput.fn, args text[], n int) RETURNS text
LANGUAGE sql AS $$
  SELECT CASE
    WHEN f.prokind = 'a' THEN
      format('SELECT badinput.checked(%s(%s)::text, %L) FROM generate_series(1, %s) g',
             f.oid::regproc, array_to_string(args, ', '), f.ret, n)
    WHEN f.proretset THEN
      format('SELECT string_agg(t::text, %L) FROM %s(%s) t', '; ', f.oid::regproc, array_to_string(args, ', '))
    ELSE format('SELECT badinput.checked(%s(%s)::text, %L)', f.oid::regproc,
                array_to_string(args, ', '), f.ret) END $$;

-- Argument types of a function as called: a VARIADIC "any" becomes four
-- float8 arguments.
CREATE FUNCTION badinput.call_types(f badinput.fn) RETURNS regtype[]
LANGUAGE sql AS $$
  SELECT CASE WHEN f.provariadic = '"any"'::regtype
              THEN f.args[1:array_length(f.args, 1) - 1] || ARRAY['float8', 'float8', 'float8', 'float8']::regtype[]
              ELSE f.args END $$;

DO $$
DECLARE
  f badinput.fn;
  types regtype[];
  base text[];
  rowbase text[];
  args text[];
  v record;
  n int;
BEGIN
  FOR f IN SELECT * FROM badinput.fn ORDER BY sig::text LOOP
    types := badinput.call_types(f);
    SELECT array_agg(g.val ORDER BY i), array_agg(g.rowval ORDER BY i) INTO base, rowbase
      FROM unnest(types) WITH ORDINALITY u(t, i) LEFT JOIN badinput.good g ON g.typ = u.t;
    -- an argument type without a good value (a model type without a
    -- sample) is reported below; its functions wait for it
    CONTINUE WHEN array_position(base, NULL) IS NOT NULL;
    -- the good call
    IF f.prokind = 'a' THEN
      FOREACH n IN ARRAY ARRAY[0, 1, 3] LOOP
        PERFORM badinput.run(f.sig, 0, 'good', n, badinput.call_sql(f, rowbase, n));
      END LOOP;
    ELSE
      PERFORM badinput.run(f.sig, 0, 'good', NULL, badinput.call_sql(f, base, NULL));
    END IF;
    FOR i IN 1 .. coalesce(array_length(types, 1), 0) LOOP
      FOR v IN SELECT * FROM badinput.val WHERE typ = types[i] ORDER BY label LOOP
        IF f.prokind = 'a' THEN
          -- the bad value in every row, over 0, 1 and 3 rows ...
          FOREACH n IN ARRAY ARRAY[0, 1, 3] LOOP
            args := rowbase; args[i] := v.expr;
            PERFORM badinput.run(f.sig, i, v.label, n, badinput.call_sql(f, args, n));
          END LOOP;
          -- ... and in the second of three rows only
          args := rowbase;
          args[i] := format('CASE WHEN g = 2 THEN %s ELSE %s END', v.expr, rowbase[i]);
          PERFORM badinput.run(f.sig, i, v.label || ' (row 2)', 3, badinput.call_sql(f, args, 3));
        ELSE
          args := base; args[i] := v.expr;
          PERFORM badinput.run(f.sig, i, v.label, NULL, badinput.call_sql(f, args, NULL));
        END IF;
      END LOOP;
    END LOOP;
  END LOOP;
END $$;

-- Non-finite results that are the documented answer.
CREATE TABLE badinput.documented_nonfinite (fn regprocedure, pattern text, why text);
INSERT INTO badinput.documented_nonfinite
SELECT p, '^\(Infinity,0,0,', 'a curve starts at threshold +Infinity, where nothing is flagged (as scikit-learn)'
  FROM to_regprocedure('custvalue.curve_points(custvalue.curve)') p WHERE p IS NOT NULL;

-- A case is wrong when it fails outside the classes 22, 54 and 0A (so an
-- internal error XX000 is wrong), returns a non-finite number that is not
-- documented, or is slow.
CREATE VIEW badinput.wrong AS
SELECT fn, arg, label, nrows, state,
       CASE WHEN state = 'ok' THEN 'non-finite result: ' || result
            WHEN left(state, 2) NOT IN ('22', '54', '0A') THEN message
            ELSE 'took ' || round(ms::numeric) || ' ms' END AS why
  FROM badinput.result
 WHERE (state <> 'ok' AND left(state, 2) NOT IN ('22', '54', '0A'))
    OR (state = 'ok' AND result ~ '(NaN|Infinity|^UNREADABLE)'
        AND NOT EXISTS (SELECT FROM badinput.documented_nonfinite d
                         WHERE d.fn = result.fn AND result.result ~ d.pattern
                           AND replace(result.result, 'Infinity,0,0,', '') !~ '(NaN|Infinity)'))
    OR ms > 5000;

SELECT count(*) >= 500 AS at_least_500_cases,
       count(DISTINCT fn) = (SELECT count(*) FROM badinput.fn) AS every_function_called
  FROM badinput.result;
-- Functions not called, for want of a good value of an argument (none).
SELECT sig AS function_not_called FROM badinput.fn
 WHERE sig NOT IN (SELECT fn FROM badinput.result) ORDER BY 1;
-- Every case that went wrong (none).
SELECT * FROM badinput.wrong ORDER BY fn::text, arg, label, nrows;
-- Argument types without bad values, model types without a sample (none).
SELECT DISTINCT t AS type_without_bad_values
  FROM badinput.fn f, unnest(badinput.call_types(f)) t
 WHERE NOT EXISTS (SELECT FROM badinput.val v WHERE v.typ = t)
 ORDER BY 1;
SELECT t.oid::regtype AS model_type_without_sample
  FROM pg_type t
 WHERE t.typnamespace = 'custvalue'::regnamespace AND t.typtype = 'b' AND t.typelem = 0
   AND t.oid <> 'custvalue.fitstate'::regtype
   AND NOT EXISTS (SELECT FROM badinput.sample s WHERE s.typ = t.oid);
