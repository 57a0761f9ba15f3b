-- Issue 23, part 3: insight_customer_history keeps per-order exact sums
-- instead of every line (src/features/history.c); its comment says so.  The
-- functions and the aggregate are unchanged.
COMMENT ON AGGREGATE @extschema@.insight_customer_history("any", "any", timestamptz, float8, float8) IS
'One customer''s purchase history from their sales lines (use with GROUP BY customer): float8[] [orders, distinct_items, returned_amount, then per purchase order sorted by time: t (microseconds since 2000-01-01 UTC), value, units]. An order is a purchase when it has a line with a positive amount; negative amounts are returns. Keys of any hashable type. Sums are exact (128-bit fixed point in units of 2^-64) and rounded once, so the same whatever the order of the lines or the plan; an amount, quantity or sum of 2^63 or more in magnitude is an error (22003), as are a NaN or infinite amount or quantity and a time at infinity (22000). NULL when there is no purchase.';
