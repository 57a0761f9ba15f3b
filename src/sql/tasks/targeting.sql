-- ---------------------------------------------------------------------------
-- Targeting: the customers most likely to buy an item next, for a campaign.
-- ---------------------------------------------------------------------------

CREATE FUNCTION @extschema@.insight_audience_from(model bytea, item_key text, size int DEFAULT 100,
    exclude text[] DEFAULT NULL)
RETURNS TABLE (user_key text, score float8, rank int)
AS 'MODULE_PATHNAME', 'insight_audience_from'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@.insight_audience_from(bytea, text, int, text[]) IS
'The size users of a recommender model most likely to want an item, as (user_key, score, rank): ALS x_u . y_i; item-kNN the sum of r * similarity over the user''s items (the score insight_recommend_from gives the item). Ties by user key; users in exclude are left out. No rows for an unknown item or a NULL argument; a popularity model cannot target (0A000); size < 0 is an error.';

CREATE FUNCTION @extschema@.insight_target_audience(item text, size int DEFAULT 100,
    exclude_buyers_within interval DEFAULT '90 days')
RETURNS TABLE (customer_id text, score float8, rank int)
LANGUAGE plpgsql STABLE
AS $$
#variable_conflict use_column
DECLARE
    as_of pg_catalog.timestamptz;
    buyers pg_catalog.text[];
BEGIN
    SELECT m.trained_as_of INTO as_of FROM @extschema@.insight_active_model('recommender') m;
    IF NOT FOUND THEN
        PERFORM @extschema@.insight_no_active_model('recommender');
    END IF;
    -- customers who bought the item in [as_of - exclude_buyers_within, as_of)
    -- are left out (on Citus found on the shards: insight_recent_buyers)
    IF exclude_buyers_within IS NOT NULL THEN
        SELECT pg_catalog.array_agg(b.customer_id ORDER BY b.customer_id) INTO buyers
          FROM @extschema@.insight_recent_buyers(as_of OPERATOR(pg_catalog.-) exclude_buyers_within, as_of, item) b;
    END IF;
    RETURN QUERY
    SELECT a.user_key, a.score, a.rank
      FROM @extschema@.insight_active_model('recommender') m
     CROSS JOIN LATERAL @extschema@.insight_audience_from(m.weights, item, size, buyers) a
     ORDER BY a.rank;
END
$$;

COMMENT ON FUNCTION @extschema@.insight_target_audience(text, int, interval) IS
'The size customers most likely to buy an item next under the active recommender model, for a campaign: (customer_id as text, score, rank), ties by customer key. Customers who bought the item within exclude_buyers_within before the model''s as_of are left out (NULL: nobody is; insight_recent_buyers, on Citus grouped on the shards). No rows for an item the model has not seen; 0A000 when the active model is popularity; 55000 when no recommender model is active.';
