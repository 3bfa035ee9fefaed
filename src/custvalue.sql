-- custvalue: objects shared by every capability.
--
-- Everything lives in schema custvalue, which this script creates: CREATE
-- SCHEMA fails when the schema already exists, so no role can prepare it
-- (with look-alike functions or operators) before a trusted install, and the
-- schema is a member of the extension, owned by the role that runs the
-- script (the bootstrap superuser in a trusted install).  The extension's
-- own schema is pg_catalog (see custvalue.control), so this script runs
-- with search_path pg_catalog, pg_temp.
--
-- Rules for every section (the extension is trusted): every custvalue
-- object is named with its schema, in definitions and in references
-- (SFUNC, STYPE, SUPPORT, casts); built-in types and functions come from
-- pg_catalog; no SECURITY DEFINER function, no SET search_path, no dynamic
-- SQL, no DDL outside this script.

CREATE SCHEMA custvalue;
COMMENT ON SCHEMA custvalue IS 'customer-value analytics: health scores, RFM+N segmentation, model evaluation';
-- An analytics library is used by everyone who can read the data: the
-- functions, aggregates and types are usable by PUBLIC (EXECUTE on
-- functions and USAGE on types are PUBLIC by default; the schema is not).
GRANT USAGE ON SCHEMA custvalue TO PUBLIC;

-- ---------------------------------------------------------------------------
-- custvalue.fitstate: the transition state shared by the fit aggregates.
-- A concrete type with an exact text round trip (kind name, colon, base64
-- of a little-endian byte format) so that partial aggregation can move
-- between processes and nodes; within an aggregate it is updated in place.
-- ---------------------------------------------------------------------------
CREATE TYPE custvalue.fitstate;

CREATE FUNCTION custvalue.fitstate_in(cstring) RETURNS custvalue.fitstate
    AS 'MODULE_PATHNAME', 'cv_fitstate_in' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION custvalue.fitstate_out(custvalue.fitstate) RETURNS cstring
    AS 'MODULE_PATHNAME', 'cv_fitstate_out' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION custvalue.fitstate_recv(internal) RETURNS custvalue.fitstate
    AS 'MODULE_PATHNAME', 'cv_fitstate_recv' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION custvalue.fitstate_send(custvalue.fitstate) RETURNS bytea
    AS 'MODULE_PATHNAME', 'cv_fitstate_send' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE TYPE custvalue.fitstate (
    INPUT = custvalue.fitstate_in,
    OUTPUT = custvalue.fitstate_out,
    RECEIVE = custvalue.fitstate_recv,
    SEND = custvalue.fitstate_send,
    INTERNALLENGTH = VARIABLE,
    ALIGNMENT = double,
    STORAGE = extended
);
COMMENT ON TYPE custvalue.fitstate IS 'partial state of a custvalue fit aggregate';

-- Not strict: either side may be NULL (a group with no rows yet).
CREATE FUNCTION custvalue.fitstate_combine(custvalue.fitstate, custvalue.fitstate)
    RETURNS custvalue.fitstate
    AS 'MODULE_PATHNAME', 'cv_fitstate_combine' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION custvalue.fitstate_combine(custvalue.fitstate, custvalue.fitstate)
    IS 'merge two partial states of the same fit aggregate';
