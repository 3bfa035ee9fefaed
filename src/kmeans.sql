-- k-means clustering and segment-fit diagnostics: kmeans_fit, the
-- kmeans_model type, kmeans_cluster, kmeans_distance, kmeans_centroids,
-- silhouette and seasonality_index.  Glue in src/kmeans.c, algorithms in
-- src/kernel/kmeans_k.c.

-- ---------------------------------------------------------------------------
-- custvalue.kmeans_model: centroids (original units), the standardisation
-- and names of the dimensions, and the fit's summary.  A model value: JSON
-- text form, binary send/recv, cast to jsonb.
-- ---------------------------------------------------------------------------
CREATE TYPE custvalue.kmeans_model;

CREATE FUNCTION custvalue.kmeans_model_in(cstring) RETURNS custvalue.kmeans_model
    AS 'MODULE_PATHNAME', 'cv_kmeans_model_in' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION custvalue.kmeans_model_out(custvalue.kmeans_model) RETURNS cstring
    AS 'MODULE_PATHNAME', 'cv_kmeans_model_out' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION custvalue.kmeans_model_recv(internal) RETURNS custvalue.kmeans_model
    AS 'MODULE_PATHNAME', 'cv_kmeans_model_recv' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION custvalue.kmeans_model_send(custvalue.kmeans_model) RETURNS bytea
    AS 'MODULE_PATHNAME', 'cv_kmeans_model_send' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE TYPE custvalue.kmeans_model (
    INPUT = custvalue.kmeans_model_in,
    OUTPUT = custvalue.kmeans_model_out,
    RECEIVE = custvalue.kmeans_model_recv,
    SEND = custvalue.kmeans_model_send,
    INTERNALLENGTH = VARIABLE,
    ALIGNMENT = double,
    STORAGE = extended
);
COMMENT ON TYPE custvalue.kmeans_model IS 'k-means model: centroids, standardisation and names of the dimensions, sizes, inertia and the fit''s options';
COMMENT ON FUNCTION custvalue.kmeans_model_in(cstring) IS 'kmeans_model input from its json text';
COMMENT ON FUNCTION custvalue.kmeans_model_out(custvalue.kmeans_model) IS 'kmeans_model output as json text';
COMMENT ON FUNCTION custvalue.kmeans_model_recv(internal) IS 'kmeans_model binary input';
COMMENT ON FUNCTION custvalue.kmeans_model_send(custvalue.kmeans_model) IS 'kmeans_model binary output';

CREATE FUNCTION custvalue.kmeans_model_jsonb(custvalue.kmeans_model) RETURNS jsonb
    AS 'MODULE_PATHNAME', 'cv_kmeans_model_jsonb' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION custvalue.kmeans_model_jsonb(custvalue.kmeans_model) IS 'the k-means model as jsonb';
CREATE CAST (custvalue.kmeans_model AS jsonb)
    WITH FUNCTION custvalue.kmeans_model_jsonb(custvalue.kmeans_model);

-- ---------------------------------------------------------------------------
-- kmeans_fit: the rows are kept (a deterministic sample past max_rows) and
-- clustered in the final function.  Not strict: the state starts NULL, and
-- a NULL point is an error rather than a skipped row.
-- ---------------------------------------------------------------------------
CREATE FUNCTION custvalue.kmeans_fit_trans(custvalue.fitstate, float8[], int, jsonb)
    RETURNS custvalue.fitstate
    AS 'MODULE_PATHNAME', 'cv_kmeans_fit_trans' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION custvalue.kmeans_fit_trans(custvalue.fitstate, float8[], int, jsonb)
    IS 'kmeans_fit transition: keep one point';
CREATE FUNCTION custvalue.kmeans_fit_trans(custvalue.fitstate, float8[], int)
    RETURNS custvalue.fitstate
    AS 'MODULE_PATHNAME', 'cv_kmeans_fit_trans' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION custvalue.kmeans_fit_trans(custvalue.fitstate, float8[], int)
    IS 'kmeans_fit transition: keep one point';
CREATE FUNCTION custvalue.kmeans_fit_final(custvalue.fitstate) RETURNS custvalue.kmeans_model
    AS 'MODULE_PATHNAME', 'cv_kmeans_fit_final' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION custvalue.kmeans_fit_final(custvalue.fitstate)
    IS 'kmeans_fit final: k-means++ and Lloyd iterations over the kept points, best of n_init';

-- The final function sorts the kept rows into their canonical order in
-- place; that changes the representation, never the value, so READ_ONLY
-- holds.
CREATE AGGREGATE custvalue.kmeans_fit(point float8[], k int, options jsonb) (
    SFUNC = custvalue.kmeans_fit_trans,
    STYPE = custvalue.fitstate,
    FINALFUNC = custvalue.kmeans_fit_final,
    COMBINEFUNC = custvalue.fitstate_combine,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE custvalue.kmeans_fit(float8[], int, jsonb)
    IS 'fit k-means with k clusters (options: seed, n_init, max_iter, tol, standardize, names, max_rows)';
CREATE AGGREGATE custvalue.kmeans_fit(point float8[], k int) (
    SFUNC = custvalue.kmeans_fit_trans,
    STYPE = custvalue.fitstate,
    FINALFUNC = custvalue.kmeans_fit_final,
    COMBINEFUNC = custvalue.fitstate_combine,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE custvalue.kmeans_fit(float8[], int)
    IS 'fit k-means with k clusters on standardised points: best of 10 k-means++ runs';

-- ---------------------------------------------------------------------------
-- Scoring.  kmeans_cluster(m, ARRAY[a, b, ...]) is rewritten by the planner
-- into kmeans_cluster_args(m, a, b, ...): building an array per row costs
-- more than finding the nearest centroid.
-- ---------------------------------------------------------------------------
CREATE FUNCTION custvalue.kmeans_cluster_support(internal) RETURNS internal
    AS 'MODULE_PATHNAME', 'cv_kmeans_cluster_support' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION custvalue.kmeans_cluster_support(internal) IS
    'planner support: passes the elements of an ARRAY[...] argument of kmeans_cluster as separate arguments';
CREATE FUNCTION custvalue.kmeans_distance_support(internal) RETURNS internal
    AS 'MODULE_PATHNAME', 'cv_kmeans_distance_support' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION custvalue.kmeans_distance_support(internal) IS
    'planner support: passes the elements of an ARRAY[...] argument of kmeans_distance as separate arguments';

CREATE FUNCTION custvalue.kmeans_cluster_args(model custvalue.kmeans_model, VARIADIC point "any")
    RETURNS int
    AS 'MODULE_PATHNAME', 'cv_kmeans_cluster_args' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION custvalue.kmeans_cluster_args(custvalue.kmeans_model, "any") IS
    'kmeans_cluster with the float8 coordinates as separate arguments (what kmeans_cluster(m, ARRAY[...]) runs)';
CREATE FUNCTION custvalue.kmeans_distance_args(model custvalue.kmeans_model, VARIADIC point "any")
    RETURNS float8
    AS 'MODULE_PATHNAME', 'cv_kmeans_distance_args' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION custvalue.kmeans_distance_args(custvalue.kmeans_model, "any") IS
    'kmeans_distance with the float8 coordinates as separate arguments (what kmeans_distance(m, ARRAY[...]) runs)';

CREATE FUNCTION custvalue.kmeans_cluster(model custvalue.kmeans_model, point float8[])
    RETURNS int
    AS 'MODULE_PATHNAME', 'cv_kmeans_cluster' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE
    SUPPORT custvalue.kmeans_cluster_support;
COMMENT ON FUNCTION custvalue.kmeans_cluster(custvalue.kmeans_model, float8[]) IS
    'id 0..k-1 of the centroid nearest to the point (cluster 0 is the largest at fit time)';
CREATE FUNCTION custvalue.kmeans_distance(model custvalue.kmeans_model, point float8[])
    RETURNS float8
    AS 'MODULE_PATHNAME', 'cv_kmeans_distance' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE
    SUPPORT custvalue.kmeans_distance_support;
COMMENT ON FUNCTION custvalue.kmeans_distance(custvalue.kmeans_model, float8[]) IS
    'euclidean distance from the point to its nearest centroid, in the space the model was fitted in';

CREATE FUNCTION custvalue.kmeans_centroids(model custvalue.kmeans_model)
    RETURNS TABLE (cluster int, size bigint, centroid float8[], within_ss float8)
    AS 'MODULE_PATHNAME', 'cv_kmeans_centroids' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE ROWS 10;
COMMENT ON FUNCTION custvalue.kmeans_centroids(custvalue.kmeans_model) IS
    'per cluster: size, centroid in original units, within-cluster sum of squares (fitted space)';

-- ---------------------------------------------------------------------------
-- silhouette: mean silhouette coefficient; rows kept as for a fit, with the
-- cluster id as the target.  Rows with a NULL point or cluster are skipped.
-- ---------------------------------------------------------------------------
CREATE FUNCTION custvalue.silhouette_trans(custvalue.fitstate, float8[], int, jsonb)
    RETURNS custvalue.fitstate
    AS 'MODULE_PATHNAME', 'cv_silhouette_trans' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION custvalue.silhouette_trans(custvalue.fitstate, float8[], int, jsonb)
    IS 'silhouette transition: keep one labelled point';
CREATE FUNCTION custvalue.silhouette_trans(custvalue.fitstate, float8[], int)
    RETURNS custvalue.fitstate
    AS 'MODULE_PATHNAME', 'cv_silhouette_trans' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION custvalue.silhouette_trans(custvalue.fitstate, float8[], int)
    IS 'silhouette transition: keep one labelled point';
CREATE FUNCTION custvalue.silhouette_final(custvalue.fitstate) RETURNS float8
    AS 'MODULE_PATHNAME', 'cv_silhouette_final' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION custvalue.silhouette_final(custvalue.fitstate)
    IS 'silhouette final: mean silhouette coefficient of the kept points';

CREATE AGGREGATE custvalue.silhouette(point float8[], cluster int, options jsonb) (
    SFUNC = custvalue.silhouette_trans,
    STYPE = custvalue.fitstate,
    FINALFUNC = custvalue.silhouette_final,
    COMBINEFUNC = custvalue.fitstate_combine,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE custvalue.silhouette(float8[], int, jsonb)
    IS 'mean silhouette coefficient, -1..1 (options: max_rows, seed, standardize)';
CREATE AGGREGATE custvalue.silhouette(point float8[], cluster int) (
    SFUNC = custvalue.silhouette_trans,
    STYPE = custvalue.fitstate,
    FINALFUNC = custvalue.silhouette_final,
    COMBINEFUNC = custvalue.fitstate_combine,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE custvalue.silhouette(float8[], int)
    IS 'mean silhouette coefficient, -1..1, exact up to 10000 points, a deterministic sample beyond';

-- ---------------------------------------------------------------------------
-- seasonality_index: the state is a small fixed-size float8[] (the number
-- of periods, each period's sum, then each sum's rounding error: a
-- double-double, so that the row order does not change the bits), updated
-- in place and merged by addition; a float8[] round-trips exactly through
-- its text form.
-- ---------------------------------------------------------------------------
CREATE FUNCTION custvalue.seasonality_trans(float8[], float8, int, int) RETURNS float8[]
    AS 'MODULE_PATHNAME', 'cv_seasonality_trans' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION custvalue.seasonality_trans(float8[], float8, int, int)
    IS 'seasonality_index transition: add an amount to its period';
CREATE FUNCTION custvalue.seasonality_combine(float8[], float8[]) RETURNS float8[]
    AS 'MODULE_PATHNAME', 'cv_seasonality_combine' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION custvalue.seasonality_combine(float8[], float8[])
    IS 'seasonality_index combine: add the per-period sums of two partial states';
CREATE FUNCTION custvalue.seasonality_final(float8[]) RETURNS float8
    AS 'MODULE_PATHNAME', 'cv_seasonality_final' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION custvalue.seasonality_final(float8[])
    IS 'seasonality_index final: 1 - normalised entropy of the period shares';

CREATE AGGREGATE custvalue.seasonality_index(amount float8, period int, periods int) (
    SFUNC = custvalue.seasonality_trans,
    STYPE = float8[],
    FINALFUNC = custvalue.seasonality_final,
    COMBINEFUNC = custvalue.seasonality_combine,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE custvalue.seasonality_index(float8, int, int)
    IS 'seasonal dependency, 0 (amounts spread evenly over periods 1..periods) to 1 (all in one period)';
