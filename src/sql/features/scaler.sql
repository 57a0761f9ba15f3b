-- ---------------------------------------------------------------------------
-- Feature standardization (means and population standard deviations).
-- ---------------------------------------------------------------------------

CREATE FUNCTION @extschema@.insight_scaler_accum(state bytea, features float8[])
RETURNS bytea
AS 'MODULE_PATHNAME', 'insight_scaler_accum'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@.insight_scaler_accum(bytea, float8[]) IS
'Transition function of insight_scaler_fit: adds one feature row to the count, means and sums of squared deviations (Welford); rows with a NULL array or element are skipped and counted. Errors: a row of another length, NaN or Infinity.';

CREATE FUNCTION @extschema@.insight_scaler_combine(state1 bytea, state2 bytea)
RETURNS bytea
AS 'MODULE_PATHNAME', 'insight_scaler_combine'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@.insight_scaler_combine(bytea, bytea) IS
'Combine function of insight_scaler_fit: merges two partial states (Chan, Golub & LeVeque 1979).';

CREATE FUNCTION @extschema@.insight_scaler_final(state bytea)
RETURNS bytea
AS 'MODULE_PATHNAME', 'insight_scaler_final'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@.insight_scaler_final(bytea) IS
'Final function of insight_scaler_fit: the scaler model (means, population standard deviations, 1 for a constant feature); NULL for no usable row.';

CREATE AGGREGATE @extschema@.insight_scaler_fit(features float8[]) (
    SFUNC = @extschema@.insight_scaler_accum,
    STYPE = bytea,
    COMBINEFUNC = @extschema@.insight_scaler_combine,
    FINALFUNC = @extschema@.insight_scaler_final,
    PARALLEL = SAFE
);

COMMENT ON AGGREGATE @extschema@.insight_scaler_fit(float8[]) IS
'Fit a standardizer over feature rows: per feature the mean and the population standard deviation (ddof 0, as scikit-learn StandardScaler; 1 for a constant feature), by Welford''s update merged with Chan, Golub & LeVeque (1979). Rows with a NULL array or a NULL element are skipped and counted. Errors: arrays of different lengths, NaN or Infinity. NULL for no usable row.';

CREATE FUNCTION @extschema@.insight_scaler_transform(model bytea, features float8[])
RETURNS float8[]
AS 'MODULE_PATHNAME', 'insight_scaler_transform'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@.insight_scaler_transform(bytea, float8[]) IS
'Standardize a feature row with a scaler model: (x - mean) / scale per feature. NULL when an element is NULL; errors for the wrong number of features, NaN or Infinity.';
