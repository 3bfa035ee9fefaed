-- Crafted fit states, generated from the catalog (uses the schema badinput
-- of badinput.sql).  Any user who can create an aggregate can hand the
-- support functions of a fit a state of their own making, so for every
-- aggregate whose state is custvalue.fitstate:
--   1. a valid partial state is built by a temporary aggregate over its
--      transition function alone;
--   2. its bytes are mutated: truncated at many lengths, single bytes set
--      to 0x00/0x01/0x7f/0xff, 32-bit and 64-bit fields overwritten with
--      lies (0xffffffff, 1000, 2^63-1) at every offset of the header
--      region, the kind byte set to each kind, bytes appended; and each
--      other fit's state is offered as this fit's;
--   3. each crafted state is read as custvalue.fitstate, given directly to
--      the final function, merged through the combine function inside an
--      aggregate, and used as the initcond of a temporary aggregate over
--      the transition, combine and final functions;
--   4. the support functions are called outside an aggregate.
-- Every case must end in a result or an error of class 22, 54 or 0A (no
-- crash, no XX000), and a model the final function returns must read back
-- as its type.
SET client_min_messages = warning;
SET custvalue.max_fit_memory = '256MB';

CREATE TABLE badinput.fit AS
SELECT row_number() OVER (ORDER BY a.aggfnoid::regprocedure::text) AS id,
       a.aggfnoid::regprocedure AS agg, a.aggtransfn::regprocedure AS transfn,
       a.aggfinalfn::regprocedure AS finalfn, a.aggcombinefn::regprocedure AS combinefn,
       p.prorettype::regtype AS ret,
       (SELECT array_agg(t ORDER BY o) FROM unnest(p.proargtypes::regtype[]) WITH ORDINALITY u(t, o)) AS args
  FROM pg_aggregate a JOIN pg_proc p ON p.oid = a.aggfnoid
 WHERE a.aggtranstype = 'custvalue.fitstate'::regtype;

-- 1. A valid state of each fit over 40 rows of good values, and the
--    temporary aggregates that take crafted states: badinput.merge_<id>
--    (combine as its transition, then the final function).
CREATE TABLE badinput.state (id bigint, kind text, bytes bytea);
DO $$
DECLARE
  f record;
  rowargs text;
  st text;
BEGIN
  FOR f IN SELECT * FROM badinput.fit LOOP
    SELECT string_agg(g.rowval, ', ' ORDER BY i) INTO rowargs
      FROM unnest(f.args) WITH ORDINALITY u(t, i) JOIN badinput.good g ON g.typ = u.t;
    EXECUTE format('CREATE AGGREGATE badinput.state_%s(%s) (SFUNC = %s, STYPE = custvalue.fitstate)',
                   f.id, array_to_string(f.args, ', '), f.transfn::regproc);
    EXECUTE format('CREATE AGGREGATE badinput.merge_%s(custvalue.fitstate) (SFUNC = %s, STYPE = custvalue.fitstate, FINALFUNC = %s)',
                   f.id, f.combinefn::regproc, f.finalfn::regproc);
    -- rows a fit accepts: the good values; else (metrics) probabilities in
    -- (0, 1) and integers (bins) the same in every row; else only the
    -- first number varying (a threshold or target the same in every row)
    st := NULL;
    FOR strategy IN 1 .. 3 LOOP
      IF strategy > 1 THEN
        SELECT string_agg(CASE WHEN u.t = 'float8'::regtype AND (strategy = 2 OR i = (SELECT min(o) FROM unnest(f.args) WITH ORDINALITY v(t2, o) WHERE t2 = 'float8'::regtype))
                                 THEN '((((g % 7) + 0.5) / 8)::float8)'
                               WHEN u.t = 'float8'::regtype THEN '0.5::float8'
                               WHEN u.t = 'int4'::regtype THEN '3' ELSE g.rowval END,
                          ', ' ORDER BY i) INTO rowargs
          FROM unnest(f.args) WITH ORDINALITY u(t, i) JOIN badinput.good g ON g.typ = u.t;
      END IF;
      BEGIN
        EXECUTE format('SELECT badinput.state_%s(%s)::text FROM generate_series(1, 40) g', f.id, rowargs) INTO st;
        EXIT;
      EXCEPTION WHEN OTHERS THEN
        CONTINUE;
      END;
    END LOOP;
    CONTINUE WHEN st IS NULL;
    INSERT INTO badinput.state
    VALUES (f.id, split_part(st, ':', 1), decode(split_part(st, ':', 2), 'base64'));
  END LOOP;
END $$;

-- States of other shapes, offered to every fit as its own: distributions
-- of 1, 3 and 1000 dimensions (a crafted 1000-dimension state once crashed
-- the server through rfmn_fit_trans), row buffers of 1 and 1000 features.
CREATE TABLE badinput.foreign_state (label text, txt text);
CREATE AGGREGATE badinput.distr_state(float8[]) (SFUNC = custvalue.scorecard_fit_trans, STYPE = custvalue.fitstate);
INSERT INTO badinput.foreign_state
SELECT 'distr of ' || d || ' dimensions', badinput.distr_state(x)::text
  FROM unnest(ARRAY[1, 3, 1000]) d,
       LATERAL (SELECT array_fill(g::float8, ARRAY[d]) x FROM generate_series(1, 5) g) r
 GROUP BY d;
CREATE AGGREGATE badinput.rows_state(float8[], bool) (SFUNC = custvalue.tree_fit_class_trans, STYPE = custvalue.fitstate);
INSERT INTO badinput.foreign_state
SELECT 'rows of ' || d || ' features', badinput.rows_state(x, y)::text
  FROM unnest(ARRAY[1, 1000]) d,
       LATERAL (SELECT array_fill(g::float8, ARRAY[d]) x, g % 2 = 0 y FROM generate_series(1, 5) g) r
 GROUP BY d;

-- 2. Mutations of each state's bytes.
CREATE FUNCTION badinput.state_text(kind text, b bytea) RETURNS text LANGUAGE sql AS
$$ SELECT kind || ':' || translate(encode(b, 'base64'), E'\n', '') $$;
CREATE FUNCTION badinput.put(b bytea, pos int, v bytea) RETURNS bytea LANGUAGE sql AS
$$ SELECT CASE WHEN pos + length(v) <= length(b) THEN overlay(b placing v from pos + 1) ELSE b END $$;
CREATE TABLE badinput.crafted AS
SELECT s.id, m.label, badinput.state_text(coalesce(m.kind, s.kind), m.bytes) AS txt
  FROM badinput.state s,
       LATERAL (
         SELECT 'truncated to ' || n, NULL, substring(s.bytes from 1 for n)
           FROM generate_series(0, length(s.bytes) - 1) n
          WHERE n < 48 OR n % 97 = 0 OR n > length(s.bytes) - 9
         UNION ALL
         SELECT format('byte %s = %s', n, v), NULL, set_byte(s.bytes, n, v)
           FROM generate_series(0, length(s.bytes) - 1) n, unnest(ARRAY[0, 1, 127, 255]) v
          WHERE n < 64 OR n % 61 = 0
         UNION ALL
         SELECT format('u32 at %s = %s', n, encode(v, 'hex')), NULL, badinput.put(s.bytes, n, v)
           FROM generate_series(0, 63) n, unnest(ARRAY['\xffffffff', '\xe8030000', '\x00000080']::bytea[]) v
         UNION ALL
         SELECT format('i64 at %s = %s', n, encode(v, 'hex')), NULL, badinput.put(s.bytes, n, v)
           FROM generate_series(0, 63) n,
                unnest(ARRAY['\xffffffffffffff7f', '\x0000000000000080', '\xffffffffffffffff']::bytea[]) v
         UNION ALL
         SELECT 'kind byte ' || k, NULL, set_byte(s.bytes, 0, k) FROM generate_series(0, 5) k
         UNION ALL
         SELECT 'named ' || o, o, s.bytes FROM unnest(ARRAY['distr', 'rows', 'nosuch', '']) o WHERE o <> s.kind
         UNION ALL
         SELECT 'appended byte', NULL, s.bytes || '\x00'::bytea
         UNION ALL
         SELECT 'doubled', NULL, s.bytes || s.bytes
       ) m(label, kind, bytes)
UNION ALL
SELECT s.id, 'state of ' || o.agg::text, badinput.state_text(t.kind, t.bytes)
  FROM badinput.state s JOIN badinput.fit o ON o.id <> s.id JOIN badinput.state t ON t.id = o.id
UNION ALL
SELECT s.id, f.label, f.txt FROM badinput.state s, badinput.foreign_state f;

-- 3. Each crafted state read as a value, finished, merged, and as initcond
--    (the initcond aggregates for the header region's mutations only: each
--    is a catalog entry).
CREATE VIEW badinput.state_result AS
SELECT * FROM badinput.result
 WHERE label ~ '^(read|final|merged|initcond): |called directly$|^final function of NULL$';
DO $$
DECLARE
  f record;
  c record;
  rowargs text;
  n int := 0;
BEGIN
  FOR f IN SELECT * FROM badinput.fit ORDER BY id LOOP
    SELECT string_agg(g.rowval, ', ' ORDER BY i) INTO rowargs
      FROM unnest(f.args) WITH ORDINALITY u(t, i) JOIN badinput.good g ON g.typ = u.t;
    FOR c IN SELECT * FROM badinput.crafted WHERE id = f.id ORDER BY label LOOP
      PERFORM badinput.run(f.agg, 1, 'read: ' || c.label, NULL,
                           format('SELECT %L::custvalue.fitstate::text', c.txt));
      PERFORM badinput.run(f.agg, 2, 'final: ' || c.label, NULL,
                           format('SELECT badinput.checked(%s(%L::custvalue.fitstate)::text, %L)',
                                  f.finalfn::regproc, c.txt, f.ret));
      PERFORM badinput.run(f.agg, 3, 'merged: ' || c.label, 2,
                           format('SELECT badinput.checked(badinput.merge_%s(s)::text, %L) FROM (VALUES (%L::custvalue.fitstate), (badinput.state_text(%L, %L)::custvalue.fitstate)) v(s)',
                                  f.id, f.ret, c.txt,
                                  (SELECT kind FROM badinput.state WHERE id = f.id),
                                  (SELECT bytes FROM badinput.state WHERE id = f.id)));
      IF c.label ~ '^(truncated to [0-9]$|truncated to [1-3][0-9]$|u32 at [0-9]+ = ffffffff|i64 at [0-9]+ = ffffffffffffff7f|kind byte|named|state of|distr of|rows of)' THEN
        n := n + 1;
        IF badinput.run(f.agg, 4, 'initcond: ' || c.label, NULL,
                        format('CREATE AGGREGATE badinput.init_%s(%s) (SFUNC = %s, STYPE = custvalue.fitstate, FINALFUNC = %s, COMBINEFUNC = %s, INITCOND = %L)',
                               n, array_to_string(f.args, ', '), f.transfn::regproc, f.finalfn::regproc,
                               f.combinefn::regproc, c.txt)) = 'ok' THEN
          PERFORM badinput.run(f.agg, 4, 'initcond: ' || c.label, 3,
                               format('SELECT badinput.checked(badinput.init_%s(%s)::text, %L) FROM generate_series(1, 3) g',
                                      n, rowargs, f.ret));
          EXECUTE format('DROP AGGREGATE badinput.init_%s(%s)', n, array_to_string(f.args, ', '));
        END IF;
      END IF;
    END LOOP;
    -- 4. the support functions outside an aggregate
    PERFORM badinput.run(f.agg, 5, 'transition function called directly', NULL,
                         format('SELECT %s(NULL::custvalue.fitstate, %s)::text FROM generate_series(1, 1) g',
                                f.transfn::regproc, rowargs));
    PERFORM badinput.run(f.agg, 5, 'combine function called directly', NULL,
                         format('SELECT %s(s, s)::text FROM (SELECT badinput.state_text(kind, bytes)::custvalue.fitstate s FROM badinput.state WHERE id = %s) t',
                                f.combinefn::regproc, f.id));
    PERFORM badinput.run(f.agg, 5, 'final function of NULL', NULL,
                         format('SELECT %s(NULL::custvalue.fitstate)::text', f.finalfn::regproc));
  END LOOP;
END $$;

SELECT count(*) >= 500 AS at_least_500_cases,
       count(DISTINCT fn) = (SELECT count(*) FROM badinput.fit) AS every_fit_crafted,
       count(*) FILTER (WHERE label ~ '^initcond') > 0 AS initcond_cases,
       count(*) FILTER (WHERE label ~ '^read' AND state = 'ok') > 0 AS some_mutations_read
  FROM badinput.state_result;
-- Every crafted case that went wrong (none), by function and reason.
SELECT fn, state, regexp_replace(left(CASE WHEN state = 'ok' THEN result ELSE message END, 90), '[0-9]+', 'N', 'g') AS why,
       count(*) AS cases, min(label) AS first_case
  FROM badinput.state_result
 WHERE (state <> 'ok' AND left(state, 2) NOT IN ('22', '54', '0A'))
    OR (state = 'ok' AND result ~ '(NaN|Infinity|^UNREADABLE)')
    OR ms > 5000
 GROUP BY 1, 2, 3 ORDER BY fn::text, 2, 3;
