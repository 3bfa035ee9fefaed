-- Deterministic pseudo-random numbers for the demo data generators.
--
-- random() is not reproducible (it depends on the session's seed and, under a
-- parallel plan, on which worker draws which row), so the generators derive
-- every "random" value from a hash of the row's key and a stream number
-- instead: the same key and stream always give the same value, on any plan
-- and any run.  Included by crm_data.sql and usage_data.sql with \ir.

CREATE SCHEMA IF NOT EXISTS gen;
COMMENT ON SCHEMA gen IS 'deterministic pseudo-random helpers for the demo data generators';

-- Uniform in [0, 1): the low 53 bits of a 64-bit hash of (key, stream).
-- One round of hashint8extended over consecutive keys is measurably uneven
-- (a chi-square test over 20 bins and a million keys rejects it); hashing
-- the hash again passes and costs little.
CREATE OR REPLACE FUNCTION gen.uniform(key bigint, stream integer)
RETURNS float8 LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$ SELECT (hashint8extended(hashint8extended(key, stream), stream) & 9007199254740991)::float8
             / 9007199254740992.0 $$;
COMMENT ON FUNCTION gen.uniform(bigint, integer) IS 'deterministic uniform [0,1) from a hash of (key, stream)';

-- Standard normal by the Box-Muller transform of two independent streams.
CREATE OR REPLACE FUNCTION gen.normal(key bigint, stream integer)
RETURNS float8 LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$ SELECT sqrt(-2.0 * ln(1.0 - gen.uniform(key, stream)))
             * cos(2.0 * pi() * gen.uniform(key, stream + 1000000)) $$;
COMMENT ON FUNCTION gen.normal(bigint, integer) IS 'deterministic standard normal from a hash of (key, stream)';
