-- ---------------------------------------------------------------------------
-- Feature standardization (means and population standard deviations).
-- ---------------------------------------------------------------------------

CREATE FUNCTION @extschema@.insight_scaler_accum(state bytea, features float8[])
RETURNS bytea
AS 'MODULE_PATHNAME', 'insight_scaler_accum'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@.insight_scaler_accum(bytea, float8[]) IS
'Transition function of insight_scaler_fit: adds one feature row to the count and, per feature, to the exact sums of x and x^2 (fixed-point accumulators covering every double, 1616 bytes a feature); rows with a NULL array or element are skipped and counted. Errors: a row of another length, NaN or Infinity; more than 10,000 features (54000); a malformed state (XX001).';

CREATE FUNCTION @extschema@.insight_scaler_combine(state1 bytea, state2 bytea)
RETURNS bytea
AS 'MODULE_PATHNAME', 'insight_scaler_combine'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@.insight_scaler_combine(bytea, bytea) IS
'Combine function of insight_scaler_fit: adds two partial states (their exact sums), so any split of the rows gives the same bytes. A malformed state is XX001.';

CREATE FUNCTION @extschema@.insight_scaler_final(state bytea)
RETURNS bytea
AS 'MODULE_PATHNAME', 'insight_scaler_final'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@.insight_scaler_final(bytea) IS
'Final function of insight_scaler_fit: the scaler model (means, population standard deviations, 1 for a constant feature), each rounded once from the exact sums: mean = round(S / n), variance = round((n Q - S^2) / n^2), scale = sqrt(variance); NULL for no usable row. 22003 when a variance overflows a double; XX001 for a malformed state.';

CREATE AGGREGATE @extschema@.insight_scaler_fit(features float8[]) (
    SFUNC = @extschema@.insight_scaler_accum,
    STYPE = bytea,
    COMBINEFUNC = @extschema@.insight_scaler_combine,
    FINALFUNC = @extschema@.insight_scaler_final,
    PARALLEL = SAFE
);

COMMENT ON AGGREGATE @extschema@.insight_scaler_fit(float8[]) IS
'Fit a standardizer over feature rows: per feature the mean and the population standard deviation (ddof 0, as scikit-learn StandardScaler; 1 for a constant feature). Exact: the state keeps per feature the sums S of x and Q of x^2 exactly, in fixed-point accumulators wide enough for every double and its square (a long accumulator, Kulisch & Miranker 1981, Computer Arithmetic in Theory and Practice), and the final function rounds once, to nearest: mean = round(S / n), variance = round((n Q - S^2) / n^2), scale = sqrt(variance) (as Python''s float(Fraction(S, n)) and math.sqrt(float(Fraction(n Q - S^2, n^2)))). So the result is the same to the last bit whatever the order of the rows and however a parallel plan or Citus''s shards split them (partial aggregates on the shards). Rows with a NULL array or a NULL element are skipped and counted. Errors: arrays of different lengths, NaN or Infinity; more than 10,000 features (54000: the state keeps 1,616 bytes per feature); a variance that overflows a double (22003). NULL for no usable row.';

CREATE FUNCTION @extschema@.insight_scaler_transform(model bytea, features float8[])
RETURNS float8[]
AS 'MODULE_PATHNAME', 'insight_scaler_transform'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@.insight_scaler_transform(bytea, float8[]) IS
'Standardize a feature row with a scaler model: (x - mean) / scale per feature. NULL when an element is NULL; errors for the wrong number of features, NaN or Infinity, and 22003 when a result overflows (a value near the largest doubles far from the mean).';
