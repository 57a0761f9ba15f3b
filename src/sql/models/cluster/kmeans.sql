-- ---------------------------------------------------------------------------
-- k-means: k-means++ seeding and Lloyd iterations, one parallel-safe
-- aggregate per pass over the data (src/models/cluster/kmeans_pass.c, kmeans.c).
-- ---------------------------------------------------------------------------

CREATE FUNCTION @extschema@.insight_kmeans_pass_accum(state bytea, features float8[], plan bytea)
RETURNS bytea
AS 'MODULE_PATHNAME', 'insight_kmeans_pass_accum'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@.insight_kmeans_pass_accum(bytea, float8[], bytea) IS
'Transition function of insight_kmeans_pass: adds one feature row to the pass that plan describes (bounding box and variances, k-means++ draw, or Lloyd assignment); rows with a NULL array or element are skipped and counted.';

CREATE FUNCTION @extschema@.insight_kmeans_pass_combine(state1 bytea, state2 bytea)
RETURNS bytea
AS 'MODULE_PATHNAME', 'insight_kmeans_pass_combine'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@.insight_kmeans_pass_combine(bytea, bytea) IS
'Combine function of insight_kmeans_pass: merges two partial states of the same plan (exact fixed-point sums, so any split gives the same bytes).';

CREATE AGGREGATE @extschema@.insight_kmeans_pass(features float8[], plan bytea) (
    SFUNC = @extschema@.insight_kmeans_pass_accum,
    STYPE = bytea,
    COMBINEFUNC = @extschema@.insight_kmeans_pass_combine,
    PARALLEL = SAFE
);

COMMENT ON AGGREGATE @extschema@.insight_kmeans_pass(float8[], bytea) IS
'One pass of k-means over feature rows, driven by insight_kmeans_fit: with a plan built by the driver it computes the bounding box and variances, draws the next k-means++ centre of every run (Arthur & Vassilvitskii 2007, D^2 weighting by exponential keys, Efraimidis & Spirakis 2006), or makes the assignment step of a Lloyd iteration (Lloyd 1982: per-cluster sums and counts, and the inertia). Sums are exact fixed-point 128-bit integers, so serial and parallel plans give the same bytes. Rows with a NULL array or element are skipped and counted.';

CREATE FUNCTION @extschema@.insight_kmeans_sample_accum(state bytea, features float8[], fraction float8,
                                                     seed bigint, max_rows integer)
RETURNS bytea
AS 'MODULE_PATHNAME', 'insight_kmeans_sample_accum'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@.insight_kmeans_sample_accum(bytea, float8[], float8, bigint, integer) IS
'Transition function of insight_kmeans_sample: keeps the row when the hash of its values (keyed by seed) falls below fraction (every row for fraction >= 1); rows with a NULL array or element are skipped. fraction, seed and max_rows must be the same for every row (22023); fraction finite and >= 0, max_rows in 1..10000000 (22023), not NULL (22004).';

CREATE FUNCTION @extschema@.insight_kmeans_sample_combine(state1 bytea, state2 bytea)
RETURNS bytea
AS 'MODULE_PATHNAME', 'insight_kmeans_sample_combine'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@.insight_kmeans_sample_combine(bytea, bytea) IS
'Combine function of insight_kmeans_sample: concatenates the rows of two partial states of the same fraction, seed and max_rows (beyond 2 max_rows rows, keeps the max_rows of smallest hash), so any split gives the same sample.';

CREATE FUNCTION @extschema@.insight_kmeans_sample_final(state bytea)
RETURNS float8[]
AS 'MODULE_PATHNAME', 'insight_kmeans_sample_final'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@.insight_kmeans_sample_final(bytea) IS
'Final function of insight_kmeans_sample: the kept rows (at most max_rows, those of smallest hash), sorted by their values, as an m x d float8[][]; NULL when no row is kept. A malformed state is XX001.';

CREATE AGGREGATE @extschema@.insight_kmeans_sample(features float8[], fraction float8, seed bigint, max_rows integer) (
    SFUNC = @extschema@.insight_kmeans_sample_accum,
    STYPE = bytea,
    COMBINEFUNC = @extschema@.insight_kmeans_sample_combine,
    FINALFUNC = @extschema@.insight_kmeans_sample_final,
    PARALLEL = SAFE
);

COMMENT ON AGGREGATE @extschema@.insight_kmeans_sample(float8[], float8, bigint, integer) IS
'The rows on which insight_kmeans_fit computes the silhouette, collected where the rows are (parallel workers, Citus shards: each partial state holds its rows'' sample, at most twice their bytes, and only those reach the coordinator): a row is kept when u = (h >> 11) / 2^53 < fraction, h = hash_bytes_extended of its float8 values with the key seed XOR 0x5851F42D4C957F2D (every row for fraction >= 1), so the sample depends on the rows'' values only, not on their order or split; insight_kmeans_fit passes fraction 10000 / rows above 10,000 rows (else 1), its seed and max_rows 15000. Beyond max_rows kept rows, the max_rows with the smallest (hash, values) remain. Returns the rows sorted by their values (lexicographically, then by their bytes) as an m x d float8[][]; NULL when none is kept. Rows with a NULL array or element are skipped; arrays of different lengths (2202E), NaN or Infinity (22000) are errors.';

CREATE FUNCTION @extschema@.insight_kmeans_fit(
    query text, k integer, max_iterations integer DEFAULT 300, tolerance float8 DEFAULT 1e-4,
    n_init integer DEFAULT 10, seed bigint DEFAULT 0, initial_centroids float8[] DEFAULT NULL)
RETURNS bytea
AS 'MODULE_PATHNAME', 'insight_kmeans_fit'
LANGUAGE C VOLATILE PARALLEL UNSAFE;

COMMENT ON FUNCTION @extschema@.insight_kmeans_fit(text, integer, integer, float8, integer, bigint, float8[]) IS
'k-means over the first column (float8[]) of query; returns a kmeans model. n_init runs are seeded by k-means++ (Arthur & Vassilvitskii 2007) and improved by Lloyd iterations (Lloyd 1982) until the sum of squared centre shifts is at most tolerance x the mean feature variance (as scikit-learn KMeans) or max_iterations; the run with the lowest inertia wins. Every pass is one parallel-safe aggregate (insight_kmeans_pass). The same seed gives the same bytes. k => NULL chooses k in 2..10 by the silhouette (curve in the model info). initial_centroids (k x d array) replaces seeding (one run). Empty clusters are dropped; duplicate rows can leave fewer than k clusters (NOTICE). The silhouette is exact up to 10,000 rows, on a seeded sample of about 10,000 above, collected by the aggregate insight_kmeans_sample (so on Citus only the sample reaches the coordinator). NULL for no usable row; errors (22023) for k < 1, k above the number of rows, bad parameters, or a first column that is not float8[].';

CREATE FUNCTION @extschema@.insight_kmeans_assign(model bytea, features float8[])
RETURNS integer
AS 'MODULE_PATHNAME', 'insight_kmeans_assign'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@.insight_kmeans_assign(bytea, float8[]) IS
'The cluster (1..k) whose centroid is nearest to features (Euclidean; the lowest number on ties). NULL when an element is NULL; errors for the wrong number of features, NaN or Infinity.';

CREATE FUNCTION @extschema@.insight_kmeans_centroids(model bytea)
RETURNS TABLE (cluster integer, centroid float8[], size bigint)
AS 'MODULE_PATHNAME', 'insight_kmeans_centroids'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@.insight_kmeans_centroids(bytea) IS
'The clusters of a kmeans model: number (1..k), centroid and the number of training rows assigned to it.';
