-- ---------------------------------------------------------------------------
-- Customer purchase histories: the one-pass aggregate behind
-- insight_customer_features() (src/features/history.c).
-- ---------------------------------------------------------------------------

CREATE FUNCTION @extschema@.insight_history_accum(state bytea, order_key "any", item_key "any",
                                                  ordered_at timestamptz, quantity float8, amount float8)
RETURNS bytea
AS 'MODULE_PATHNAME', 'insight_history_accum'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@.insight_history_accum(bytea, "any", "any", timestamptz, float8, float8) IS
'Transition function of insight_customer_history: adds one sales line (order key, item key, time, quantity, amount) to the customer''s history state (bytea, updated in place when called as an aggregate).';

CREATE FUNCTION @extschema@.insight_history_combine(state1 bytea, state2 bytea)
RETURNS bytea
AS 'MODULE_PATHNAME', 'insight_history_combine'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@.insight_history_combine(bytea, bytea) IS
'Combine function of insight_customer_history: merges two partial history states of the same customer (parallel aggregation).';

CREATE FUNCTION @extschema@.insight_history_final(state bytea)
RETURNS float8[]
AS 'MODULE_PATHNAME', 'insight_history_final'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@.insight_history_final(bytea) IS
'Final function of insight_customer_history: the history as float8[] (see the aggregate); NULL when there is no purchase.';

CREATE AGGREGATE @extschema@.insight_customer_history(order_key "any", item_key "any",
                                                      ordered_at timestamptz, quantity float8, amount float8) (
    SFUNC = @extschema@.insight_history_accum,
    STYPE = bytea,
    COMBINEFUNC = @extschema@.insight_history_combine,
    FINALFUNC = @extschema@.insight_history_final,
    PARALLEL = SAFE
);

COMMENT ON AGGREGATE @extschema@.insight_customer_history("any", "any", timestamptz, float8, float8) IS
'One customer''s purchase history from their sales lines (use with GROUP BY customer): float8[] [orders, distinct_items, returned_amount, then per purchase order sorted by time: t (microseconds since 2000-01-01 UTC), value, units]. An order is a purchase when it has a line with a positive amount; negative amounts are returns. Keys of any hashable type. Sums are exact (128-bit fixed point in units of 2^-64) and rounded once, so the same whatever the order of the lines or the plan; an amount, quantity or sum of 2^63 or more in magnitude is an error (22003), as are a NaN or infinite amount or quantity and a time at infinity (22000). NULL when there is no purchase.';

CREATE FUNCTION @extschema@.insight_history_features(history float8[], as_of timestamptz)
RETURNS float8[]
AS 'MODULE_PATHNAME', 'insight_history_features'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@.insight_history_features(float8[], timestamptz) IS
'The 13 features of insight_feature_names() for a history from insight_customer_history, as of a time after its last order; the gap statistics are NULL when undefined. Errors for a malformed history or one with orders at or after as_of.';
