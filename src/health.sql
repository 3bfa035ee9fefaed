-- Health scoring: weighted, renormalised 0-100 scores, the normalisers
-- that map raw measures onto 0-100, and tiers.  Glue in src/health.c,
-- arithmetic in src/kernel/health_k.c.

-- health_score(ARRAY[a, b, ...], weights) is rewritten by the planner into
-- health_score_args(weights, a, b, ...), which takes the scores as separate
-- arguments: building an array per row costs more than the score itself.
CREATE FUNCTION custvalue.health_score_support(internal) RETURNS internal
AS 'MODULE_PATHNAME', 'cv_health_score_support'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION custvalue.health_score_support(internal) IS
'planner support: passes the elements of an ARRAY[...] argument of health_score as separate arguments';

CREATE FUNCTION custvalue.health_score_args(weights float8[], VARIADIC scores "any")
RETURNS float8
AS 'MODULE_PATHNAME', 'cv_health_score_args'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION custvalue.health_score_args(float8[], "any") IS
'health_score with the float8 scores as separate arguments (what health_score(ARRAY[...], weights) runs)';

CREATE FUNCTION custvalue.health_score(scores float8[], weights float8[])
RETURNS float8
AS 'MODULE_PATHNAME', 'cv_health_score'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE
SUPPORT custvalue.health_score_support;
COMMENT ON FUNCTION custvalue.health_score(float8[], float8[]) IS
'weighted mean of the non-null 0-100 scores, renormalised over their weights; null when none';

CREATE FUNCTION custvalue.health_score(scores float8[], weights float8[], min_coverage float8)
RETURNS float8
AS 'MODULE_PATHNAME', 'cv_health_score_min'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION custvalue.health_score(float8[], float8[], float8) IS
'weighted mean of the non-null 0-100 scores; null when their share of the weight is below min_coverage';

CREATE FUNCTION custvalue.health_coverage(scores float8[], weights float8[])
RETURNS float8
AS 'MODULE_PATHNAME', 'cv_health_coverage'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION custvalue.health_coverage(float8[], float8[]) IS
'share of the total weight carried by the non-null scores, 0 to 1';

CREATE FUNCTION custvalue.score_linear(x float8, poor float8, good float8)
RETURNS float8
AS 'MODULE_PATHNAME', 'cv_score_linear'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION custvalue.score_linear(float8, float8, float8) IS
'clamped linear ramp: 0 at poor, 100 at good (poor > good: lower is better)';

CREATE FUNCTION custvalue.score_log(x float8, poor float8, good float8)
RETURNS float8
AS 'MODULE_PATHNAME', 'cv_score_log'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION custvalue.score_log(float8, float8, float8) IS
'clamped ramp on log(1 + x): 0 at poor, 100 at good';

CREATE FUNCTION custvalue.score_recency(days float8, half_life float8)
RETURNS float8
AS 'MODULE_PATHNAME', 'cv_score_recency'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION custvalue.score_recency(float8, float8) IS
'recency score 100 * 2^(-days / half_life): 100 today, 50 after one half-life';

CREATE FUNCTION custvalue.score_bands(x float8, edges float8[], points float8[])
RETURNS float8
AS 'MODULE_PATHNAME', 'cv_score_bands'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION custvalue.score_bands(float8, float8[], float8[]) IS
'points of the half-open band [edge_i, edge_i+1) holding x; points has one more element than edges';

CREATE FUNCTION custvalue.score_ratio(part float8, whole float8)
RETURNS float8
AS 'MODULE_PATHNAME', 'cv_score_ratio'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION custvalue.score_ratio(float8, float8) IS
'share 100 * part / whole; null when whole is 0';

CREATE FUNCTION custvalue.tier(value float8, edges float8[], labels text[])
RETURNS text
AS 'MODULE_PATHNAME', 'cv_tier'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION custvalue.tier(float8, float8[], text[]) IS
'label of the half-open band [edge_i, edge_i+1) holding value; labels has one more element than edges';

CREATE FUNCTION custvalue.health_tier(score float8)
RETURNS text
AS 'MODULE_PATHNAME', 'cv_health_tier'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION custvalue.health_tier(float8) IS
'health tier of a 0-100 score: low below 60, medium from 60, high from 80';
