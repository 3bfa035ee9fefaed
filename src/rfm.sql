-- RFM+N value segmentation: segment maps, value trends, NPS.

CREATE FUNCTION custvalue.rfm_segment(r int, f int) RETURNS text
    AS 'MODULE_PATHNAME', 'cv_rfm_segment'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION custvalue.rfm_segment(int, int) IS
    'named rfm segment of r and f scores 1..5 (champions, loyal customers, ..., lost)';

-- Not strict: a NULL score matches only rules that leave its dimension out.
CREATE FUNCTION custvalue.rfm_segment(r int, f int, m int, map jsonb) RETURNS text
    AS 'MODULE_PATHNAME', 'cv_rfm_segment_map'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION custvalue.rfm_segment(int, int, int, jsonb) IS
    'segment of r, f, m scores under a user map: first matching rule, else ''Other''';

CREATE FUNCTION custvalue.value_trend(current float8, previous float8) RETURNS text
    AS 'MODULE_PATHNAME', 'cv_value_trend'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION custvalue.value_trend(float8, float8) IS
    'rising, stable or declining by relative change beyond 10%; new or inactive when previous is 0';

CREATE FUNCTION custvalue.value_trend(current float8, previous float8, band float8) RETURNS text
    AS 'MODULE_PATHNAME', 'cv_value_trend'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION custvalue.value_trend(float8, float8, float8) IS
    'rising, stable or declining by relative change beyond band; new or inactive when previous is 0';

-- nps: the state is the count of each rating 0..10.
CREATE FUNCTION custvalue.nps_trans(state int8[], rating int) RETURNS int8[]
    AS 'MODULE_PATHNAME', 'cv_nps_trans'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION custvalue.nps_trans(int8[], int) IS
    'nps transition: count one rating 0..10';

CREATE FUNCTION custvalue.nps_combine(state int8[], other int8[]) RETURNS int8[]
    AS 'MODULE_PATHNAME', 'cv_nps_combine'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION custvalue.nps_combine(int8[], int8[]) IS
    'nps combine: add the rating counts of two partial states';

CREATE FUNCTION custvalue.nps_final(state int8[]) RETURNS float8
    AS 'MODULE_PATHNAME', 'cv_nps_final'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION custvalue.nps_final(int8[]) IS
    'nps final: % promoters minus % detractors, NULL without ratings';

CREATE AGGREGATE custvalue.nps(rating int) (
    SFUNC = custvalue.nps_trans,
    STYPE = int8[],
    INITCOND = '{0,0,0,0,0,0,0,0,0,0,0}',
    FINALFUNC = custvalue.nps_final,
    COMBINEFUNC = custvalue.nps_combine,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE custvalue.nps(int) IS
    'net promoter score of 0..10 ratings: % promoters (9-10) minus % detractors (0-6), -100..100';
