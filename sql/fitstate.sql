-- custvalue.fitstate against crafted values: every function that takes a
-- state checks it before using it, the decoder refuses states whose header
-- lies about their content, and the transition and combine functions
-- refuse to run outside an aggregate.  Errors are shown as SQLSTATE: message.
CREATE FUNCTION pg_temp.err(q text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
  EXECUTE q;
  RETURN 'no error';
EXCEPTION WHEN OTHERS THEN
  RETURN SQLSTATE || ': ' || SQLERRM;
END $$;

-- Byte helpers: little-endian integers and doubles, and a state's text
-- form (kind name, colon, base64 of kind, format 1, options, payload).
CREATE FUNCTION pg_temp.le(b bytea) RETURNS bytea LANGUAGE sql AS
$$ SELECT coalesce(string_agg(substring(b FROM i FOR 1), ''::bytea ORDER BY i DESC), '')
     FROM generate_series(1, length(b)) i $$;
CREATE FUNCTION pg_temp.i64(bigint) RETURNS bytea LANGUAGE sql AS $$ SELECT pg_temp.le(int8send($1)) $$;
CREATE FUNCTION pg_temp.i32(int) RETURNS bytea LANGUAGE sql AS $$ SELECT pg_temp.le(int4send($1)) $$;
CREATE FUNCTION pg_temp.f64(float8) RETURNS bytea LANGUAGE sql AS $$ SELECT pg_temp.le(float8send($1)) $$;
CREATE FUNCTION pg_temp.state(kind int, params bytea, payload bytea) RETURNS text LANGUAGE sql AS
$$ SELECT CASE kind WHEN 2 THEN 'rows' ELSE 'distr' END || ':' ||
          translate(encode(set_byte('\x01010000'::bytea, 0, kind) || pg_temp.i32(length(params))
                           || params || payload, 'base64'), E'\n', '') $$;
-- A distribution payload (format 2): ndims, then per dimension n, nulls,
-- distinct values, the values and their counts.
CREATE FUNCTION pg_temp.dim(n bigint, nulls bigint, vals float8[], counts bigint[]) RETURNS bytea
LANGUAGE sql AS
$$ SELECT pg_temp.i64(n) || pg_temp.i64(nulls) || pg_temp.i64(coalesce(cardinality(vals), 0))
          || coalesce((SELECT string_agg(pg_temp.f64(v), ''::bytea ORDER BY o) FROM unnest(vals) WITH ORDINALITY u(v, o)), '')
          || coalesce((SELECT string_agg(pg_temp.i64(c), ''::bytea ORDER BY o) FROM unnest(counts) WITH ORDINALITY u(c, o)), '') $$;
CREATE FUNCTION pg_temp.distr(ndims int, dims bytea) RETURNS text LANGUAGE sql AS
$$ SELECT pg_temp.state(1, '{}', '\x02'::bytea || pg_temp.i32(ndims) || dims) $$;
-- ndims empty dimensions
CREATE FUNCTION pg_temp.empty(ndims int) RETURNS text LANGUAGE sql AS
$$ SELECT pg_temp.distr(ndims, decode(repeat('00', 24 * ndims), 'hex')) $$;

-- The server reads the helpers' bytes and writes them back unchanged.
SELECT pg_temp.distr(4, pg_temp.dim(2, 0, '{1,2}', '{1,1}') || pg_temp.dim(2, 0, '{3}', '{2}')
                        || pg_temp.dim(1, 1, '{5}', '{1}') || pg_temp.dim(0, 2, NULL, NULL))
     = custvalue.fitstate_out(custvalue.fitstate_in(
         pg_temp.distr(4, pg_temp.dim(2, 0, '{1,2}', '{1,1}') || pg_temp.dim(2, 0, '{3}', '{2}')
                          || pg_temp.dim(1, 1, '{5}', '{1}') || pg_temp.dim(0, 2, NULL, NULL))::cstring))::text
       AS helpers_round_trip;

-- The reproducer of a state with 24 empty dimensions, as an initcond of an
-- aggregate over rfmn_fit's transition and scorecard_fit's final function,
-- as the report gave it (its text is not valid base64), then its content
-- (a header of the older layout, options {}, 24 empty dimensions) and the
-- same with 1000 dimensions: refused before anything reads them.
SELECT pg_temp.err($q$
CREATE AGGREGATE pg_temp.leak(float8, float8, float8, float8)
  (sfunc = custvalue.rfmn_fit_trans, stype = custvalue.fitstate,
   finalfunc = custvalue.scorecard_fit_final,
   initcond = 'distr:AQEAAAIAAAB7fQEYAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=')
$q$);
SELECT pg_temp.err(format('SELECT %L::custvalue.fitstate',
                          pg_temp.state(1, '{}', '\x0118000000'::bytea || decode(repeat('00', 8 + 24 * 25), 'hex'))));
SELECT pg_temp.err(format('SELECT %L::custvalue.fitstate',
                          pg_temp.state(1, '{}', '\x01e8030000'::bytea || decode(repeat('00', 8 + 1000 * 25), 'hex'))));

-- The same attack in the current layout: 24 and 1000 empty dimensions fed
-- to rfmn_fit's transition (which reads four values), and 2 dimensions to
-- its final function.
CREATE FUNCTION pg_temp.agg_with(name text, initcond text, sfunc text, finalfunc text) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
  EXECUTE format('CREATE AGGREGATE pg_temp.%I(float8, float8, float8, float8) (sfunc = %s, '
                 'stype = custvalue.fitstate, finalfunc = %s, initcond = %L)',
                 name, sfunc, finalfunc, initcond);
END $$;
SELECT pg_temp.agg_with('dims24', pg_temp.empty(24), 'custvalue.rfmn_fit_trans', 'custvalue.scorecard_fit_final');
SELECT pg_temp.agg_with('dims1000', pg_temp.empty(1000), 'custvalue.rfmn_fit_trans', 'custvalue.rfmn_fit_final');
SELECT pg_temp.agg_with('dims2', pg_temp.empty(2), 'custvalue.rfmn_fit_trans', 'custvalue.rfmn_fit_final');
SELECT pg_temp.err($$SELECT pg_temp.dims24(1, 2, 3, 4)$$);
SELECT pg_temp.err($$SELECT pg_temp.dims1000(1, 2, 3, 4)$$);
SELECT pg_temp.err($$SELECT pg_temp.dims2(1, 2, 3, 4)$$);
SELECT pg_temp.err($$SELECT pg_temp.dims1000(1, 2, 3, 4) FROM generate_series(1, 0)$$);
-- final functions called on a state directly
SELECT pg_temp.err(format('SELECT custvalue.rfmn_fit_final(%L)', pg_temp.empty(2)));
SELECT pg_temp.err(format('SELECT custvalue.scorecard_fit_final(%L)', pg_temp.empty(1000)) || ' IS NULL');
-- an empty scorecard state is a card with no population; 1001 dimensions are refused
SELECT custvalue.scorecard_fit_final(pg_temp.empty(1)::custvalue.fitstate);
SELECT pg_temp.err(format('SELECT %L::custvalue.fitstate', pg_temp.empty(1001)));
-- scorecard_fit's transition on a state of another width
DO $$ BEGIN
  EXECUTE format('CREATE AGGREGATE pg_temp.card24b(float8[]) (sfunc = custvalue.scorecard_fit_trans, '
                 'stype = custvalue.fitstate, finalfunc = custvalue.scorecard_fit_final, initcond = %L)',
                 pg_temp.empty(24));
END $$;
SELECT pg_temp.err($$SELECT pg_temp.card24b(ARRAY[1, 2, 3, 4]::float8[])$$);

-- Headers that lie about their content.
SELECT pg_temp.err(format('SELECT %L::custvalue.fitstate',
                          pg_temp.state(1, '{}', '\x02'::bytea || pg_temp.i32(1000) || decode(repeat('00', 24 * 24), 'hex'))));
SELECT pg_temp.err(format('SELECT %L::custvalue.fitstate', pg_temp.distr(1, pg_temp.dim(3, 0, '{1,2}', '{1,1}'))));
SELECT pg_temp.err(format('SELECT %L::custvalue.fitstate', pg_temp.distr(1, pg_temp.dim(1, 0, '{1,2}', '{1,1}'))));
SELECT pg_temp.err(format('SELECT %L::custvalue.fitstate', pg_temp.distr(1, pg_temp.dim(2, 0, '{2,1}', '{1,1}'))));
SELECT pg_temp.err(format('SELECT %L::custvalue.fitstate', pg_temp.distr(1, pg_temp.dim(1, 0, '{NaN}', '{1}'))));
SELECT pg_temp.err(format('SELECT %L::custvalue.fitstate', pg_temp.distr(1, pg_temp.dim(1, 0, '{1}', '{0}') || '\x00'::bytea)));
SELECT pg_temp.err(format('SELECT %L::custvalue.fitstate', pg_temp.distr(1, pg_temp.dim(0, -1, NULL, NULL))));
-- the row count of the reproducer's "dimension count 4611686018427387904"
SELECT pg_temp.err(format('SELECT %L::custvalue.fitstate',
                          pg_temp.distr(1, pg_temp.dim(4611686018427387904, 0, '{1}', '{4611686018427387904}'))));
SELECT pg_temp.err(format('SELECT %L::custvalue.fitstate', pg_temp.distr(1, pg_temp.dim(1, 0, '{1}', '{1}') || '\x00'::bytea)));
SELECT pg_temp.err(format('SELECT %L::custvalue.fitstate', replace(pg_temp.empty(1), 'distr:', 'rows:')));
SELECT pg_temp.err(format('SELECT %L::custvalue.fitstate',
                          pg_temp.state(1, '{"bins": 3}\000', '\x02'::bytea || pg_temp.i32(1) || decode(repeat('00', 24), 'hex'))));
-- options that are not rfmn_fit's, carried by a state, fail in the final function
SELECT pg_temp.err(format('SELECT custvalue.rfmn_fit_final(%L)',
                          pg_temp.state(1, '{"bins": 0}', '\x02'::bytea || pg_temp.i32(4) || decode(repeat('00', 96), 'hex'))));
SELECT pg_temp.err(format('SELECT custvalue.rfmn_fit_final(%L)',
                          pg_temp.state(1, 'not json', '\x02'::bytea || pg_temp.i32(4) || decode(repeat('00', 96), 'hex'))));

-- Transition and combine functions outside an aggregate.
SELECT pg_temp.err($$SELECT custvalue.rfmn_fit_trans(NULL, 1, 2, 3, 4)$$);
SELECT pg_temp.err($$SELECT custvalue.scorecard_fit_trans(NULL, ARRAY[1.0::float8])$$);
SELECT pg_temp.err(format('SELECT custvalue.fitstate_combine(%L, %L)', pg_temp.empty(4), pg_temp.empty(4)));

-- combine: states of other widths or options do not merge
CREATE AGGREGATE pg_temp.merge_states(custvalue.fitstate)
  (sfunc = custvalue.fitstate_combine, stype = custvalue.fitstate, finalfunc = custvalue.rfmn_fit_final);
SELECT pg_temp.err(format($q$SELECT pg_temp.merge_states(s::custvalue.fitstate) FROM (VALUES (%L), (%L)) v(s)$q$,
                          pg_temp.empty(4), pg_temp.empty(3)));
SELECT pg_temp.err(format($q$SELECT pg_temp.merge_states(s::custvalue.fitstate) FROM (VALUES (%L), (%L)) v(s)$q$,
                          pg_temp.empty(4), pg_temp.state(1, '{"bins": 3}', '\x02'::bytea || pg_temp.i32(4) || decode(repeat('00', 96), 'hex'))));
SELECT pg_temp.err(format($q$SELECT pg_temp.merge_states(s::custvalue.fitstate) FROM (VALUES (%L), (%L)) v(s)$q$,
                          pg_temp.empty(4), pg_temp.state(2, '{}', '\x02'::bytea || pg_temp.i32(1) || pg_temp.i32(0)
                                                                   || decode(repeat('00', 41), 'hex'))));
-- merged row counts past the limit
SELECT pg_temp.err(format($q$SELECT pg_temp.merge_states(s::custvalue.fitstate) FROM (VALUES (%L), (%L)) v(s)$q$,
                          pg_temp.distr(4, pg_temp.dim(0, 36028797018963968, NULL, NULL) || decode(repeat('00', 72), 'hex')),
                          pg_temp.distr(4, pg_temp.dim(0, 36028797018963968, NULL, NULL) || decode(repeat('00', 72), 'hex'))));
-- merging valid crafted states gives the model of their union
SELECT custvalue.rfmn_score(pg_temp.merge_states(s::custvalue.fitstate), 1, 1, 1, 1)
  FROM (VALUES (pg_temp.distr(4, pg_temp.dim(2, 0, '{1,2}', '{1,1}') || pg_temp.dim(2, 0, '{1,2}', '{1,1}')
                                 || pg_temp.dim(2, 0, '{1,2}', '{1,1}') || pg_temp.dim(2, 0, '{1,2}', '{1,1}'))),
               (pg_temp.distr(4, pg_temp.dim(1, 0, '{3}', '{1}') || pg_temp.dim(1, 0, '{3}', '{1}')
                                 || pg_temp.dim(1, 0, '{3}', '{1}') || pg_temp.dim(1, 0, '{3}', '{1}')))) v(s);

-- A row state fed to the distribution fits, and crafted row states.
CREATE FUNCTION pg_temp.rows_state(nnum int, ncat int, has_y int, seen bigint, n bigint, body bytea) RETURNS text
LANGUAGE sql AS
$$ SELECT pg_temp.state(2, '{}', '\x02'::bytea || pg_temp.i32(nnum) || pg_temp.i32(ncat) || set_byte('\x00'::bytea, 0, has_y)
                        || pg_temp.i64(0) || pg_temp.i64(7) || pg_temp.i64(seen) || pg_temp.i64(0) || pg_temp.i64(n) || body) $$;
SELECT pg_temp.rows_state(1, 0, 0, 2, 2, pg_temp.i64(11) || pg_temp.i64(22) || pg_temp.f64(1.5) || pg_temp.f64(-2))::custvalue.fitstate;
SELECT pg_temp.err(format('SELECT custvalue.rfmn_fit_final(%L)', pg_temp.rows_state(1, 0, 0, 2, 2, pg_temp.i64(11) || pg_temp.i64(22) || pg_temp.f64(1.5) || pg_temp.f64(-2))));
SELECT pg_temp.err(format('SELECT custvalue.scorecard_fit_final(%L)', pg_temp.rows_state(1, 0, 0, 0, 0, '')));
SELECT pg_temp.err(format('SELECT %L::custvalue.fitstate', pg_temp.rows_state(1, 0, 0, 1, 2, pg_temp.f64(1.5) || pg_temp.f64(-2))));
SELECT pg_temp.err(format('SELECT %L::custvalue.fitstate', pg_temp.rows_state(2, -1, 0, 0, 0, '')));
SELECT pg_temp.err(format('SELECT %L::custvalue.fitstate', pg_temp.rows_state(1, 10000, 0, 0, 0, '')));
SELECT pg_temp.err(format('SELECT %L::custvalue.fitstate', pg_temp.rows_state(1, 0, 2, 0, 0, '')));
SELECT pg_temp.err(format('SELECT %L::custvalue.fitstate', pg_temp.rows_state(1, 0, 0, 1, 1, pg_temp.i64(1) || pg_temp.f64('Infinity'))));
SELECT pg_temp.err(format('SELECT %L::custvalue.fitstate', pg_temp.rows_state(-1, -1, 0, 1, 1, '')));
SELECT pg_temp.err(format('SELECT %L::custvalue.fitstate', pg_temp.rows_state(1, 0, 0, 4611686018427387904, 0, '')));
SELECT pg_temp.err(format('SELECT %L::custvalue.fitstate',
                          pg_temp.rows_state(0, 1, 0, 1, 0, pg_temp.i32(2) || pg_temp.i32(1) || '\x61'::bytea || pg_temp.i32(1) || '\x61'::bytea)));
SELECT pg_temp.err(format('SELECT %L::custvalue.fitstate',
                          pg_temp.rows_state(0, 1, 0, 1, 0, pg_temp.i32(1) || pg_temp.i32(2) || '\xc328'::bytea)));
SELECT pg_temp.err(format('SELECT %L::custvalue.fitstate',
                          pg_temp.rows_state(0, 1, 0, 1, 1, pg_temp.i32(1) || pg_temp.i32(1) || '\x61'::bytea || pg_temp.i64(1) || pg_temp.i32(1))));
SELECT pg_temp.err(format('SELECT %L::custvalue.fitstate', pg_temp.rows_state(1, 0, 0, 1, 1, pg_temp.i64(1) || pg_temp.f64(1) || '\x00'::bytea)));
-- a row state without a target, fed to a fit that needs one
SELECT pg_temp.err(format('SELECT custvalue.tree_fit_class_final(%L)', pg_temp.rows_state(1, 0, 0, 2, 2, pg_temp.i64(11) || pg_temp.i64(22) || pg_temp.f64(1.5) || pg_temp.f64(-2))));
SELECT custvalue.tree_fit_class_final(pg_temp.rows_state(1, 0, 1, 2, 2, pg_temp.i64(11) || pg_temp.i64(22) || pg_temp.f64(1.5) || pg_temp.f64(1) || pg_temp.f64(-2) || pg_temp.f64(0))::custvalue.fitstate) IS NOT NULL AS with_target_fits;
