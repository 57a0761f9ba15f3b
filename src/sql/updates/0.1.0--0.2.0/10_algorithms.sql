-- The algorithm table (src/models/algorithms.c): the generic entry points
-- insight_predict and insight_contributions, and churn scoring through them
-- instead of the logistic-regression functions by name, so that whatever
-- churn algorithm is active scores the customers.

--@ function src/sql/models/algorithms.sql insight_predict

COMMENT ON FUNCTION @extschema@.insight_predict(bytea, float8[]) IS
'The score of one row of features under a feature-based model of any algorithm (read from the model''s header): for logistic regression the probability of label true, exactly insight_logreg_predict. NULL when an element is NULL. Errors: 0A000 for an algorithm that does not predict from features (scaler, kmeans, the CLV models, recommenders), XX001 for a corrupt model, 2202E for the wrong number of features or an array that is not one-dimensional, 22000 for NaN or Infinity. The decoded model is cached per backend (insight.model_cache_size).';

--@ function src/sql/models/algorithms.sql insight_contributions

COMMENT ON FUNCTION @extschema@.insight_contributions(bytea, float8[]) IS
'Per-feature contributions to the score of one row under a feature-based model of any algorithm: for logistic regression w_j*(x_j - mean_j), the terms of the logit relative to the average training row, exactly insight_logreg_contributions. Positive values push the score up. NULL when an element is NULL; errors as insight_predict (0A000 for an algorithm without contributions).';

-- Churn scoring (tasks/churn.sql): the one-customer score, the set-wise
-- scores, the retention targets and the views' SQL; their comments are
-- unchanged.

CREATE OR REPLACE FUNCTION @extschema@.insight_churn(customer text, as_of timestamptz DEFAULT NULL)
RETURNS float8
LANGUAGE plpgsql STABLE PARALLEL SAFE
SET TimeZone = 'UTC'
SET IntervalStyle = 'postgres'
AS $$
DECLARE
    model pg_catalog.bytea;
    f pg_catalog.float8[];
BEGIN
    SELECT m.weights INTO model FROM @extschema@.insight_active_model('churn') m;
    IF model IS NULL THEN
        PERFORM @extschema@.insight_no_active_model('churn');
    END IF;
    IF customer IS NULL THEN
        RETURN NULL;
    END IF;
    -- only this customer's lines, compared in the source's key type
    SELECT c.features INTO f FROM @extschema@.insight_customer_features_of(customer, as_of) c;
    RETURN @extschema@.insight_predict(model, f);
END
$$;

CREATE OR REPLACE FUNCTION @extschema@.insight_churn_scores_at(as_of timestamptz DEFAULT NULL)
RETURNS TABLE (customer_id text, churn_probability float8, model_id bigint, as_of timestamptz)
LANGUAGE sql STABLE PARALLEL SAFE
SET TimeZone = 'UTC'
SET IntervalStyle = 'postgres'
AS $$
WITH model AS (
    SELECT m.model_id, m.weights FROM @extschema@.insight_active_model('churn') m
)
SELECT f.customer_id::pg_catalog.text, @extschema@.insight_predict(m.weights, f.features), m.model_id,
       COALESCE($1, (SELECT @extschema@.insight_default_as_of()))  -- once (an InitPlan), not per row
  FROM model m, @extschema@.insight_customer_features($1) f
 ORDER BY 1
$$;

CREATE OR REPLACE FUNCTION @extschema@.insight_retention_targets_at(as_of timestamptz DEFAULT NULL)
RETURNS TABLE (customer_id text, churn_probability float8, expected_orders float8,
               expected_value float8, value_at_risk float8, reasons text[],
               recency_days float8, orders integer, monetary float8, model_id bigint,
               clv_12m float8, value_basis text, clv_model_id bigint)
LANGUAGE sql STABLE PARALLEL SAFE
SET TimeZone = 'UTC'
SET IntervalStyle = 'postgres'
AS $$
WITH model AS (
    SELECT m.model_id, m.weights,
           pg_catalog.date_part('epoch', (m.params OPERATOR(pg_catalog.->>) 'horizon')::interval) OPERATOR(pg_catalog./) 86400 AS horizon_days
      FROM @extschema@.insight_active_model('churn') m
),
scored AS (
    SELECT f.customer_id::pg_catalog.text AS customer_id, f.recency_days, f.orders, f.monetary, m.model_id,
           @extschema@.insight_predict(m.weights, f.features) AS churn_probability,
           (f.orders OPERATOR(pg_catalog.*) m.horizon_days)
               OPERATOR(pg_catalog./) GREATEST(f.tenure_days, m.horizon_days) AS expected_orders,
           (SELECT pg_catalog.array_agg(u.name ORDER BY u.c DESC)
              FROM (SELECT x.name, x.c
                      FROM ROWS FROM (pg_catalog.unnest(@extschema@.insight_feature_names()),
                                      pg_catalog.unnest(@extschema@.insight_contributions(m.weights, f.features))) x(name, c)
                     WHERE x.c OPERATOR(pg_catalog.>) 0
                     ORDER BY x.c DESC LIMIT 3) u) AS reasons
      FROM model m, LATERAL @extschema@.insight_customer_features($1) f
),
clv AS (
    SELECT c.customer_id, c.clv_12m, c.clv_model_id FROM @extschema@.insight_customer_360_clv($1) c
),
valued AS (
    SELECT s.*, c.clv_12m, c.clv_model_id,
           CASE WHEN EXISTS (SELECT 1 FROM clv) THEN c.clv_12m
                ELSE s.monetary OPERATOR(pg_catalog.*) s.expected_orders END AS expected_value,
           CASE WHEN EXISTS (SELECT 1 FROM clv) THEN 'clv_12m' ELSE 'past_rate' END AS value_basis
      FROM scored s LEFT JOIN clv c ON c.customer_id OPERATOR(pg_catalog.=) s.customer_id
)
SELECT v.customer_id, v.churn_probability, v.expected_orders, v.expected_value,
       v.churn_probability OPERATOR(pg_catalog.*) v.expected_value,
       v.reasons, v.recency_days, v.orders, v.monetary, v.model_id, v.clv_12m, v.value_basis, v.clv_model_id
  FROM valued v
 ORDER BY 5 DESC NULLS LAST, 1
$$;

CREATE OR REPLACE FUNCTION @extschema@.insight_churn_views_sql(key_type text)
RETURNS text[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $f$ SELECT ARRAY[
pg_catalog.format($v$
CREATE VIEW @extschema@.insight_churn_scores AS
SELECT s.customer_id::%s AS customer_id, s.churn_probability, s.model_id, s.as_of
  FROM @extschema@.insight_churn_scores_at() s $v$, key_type),
pg_catalog.format($v$
CREATE VIEW @extschema@.insight_customer_360 AS
SELECT f.customer_id::%s AS customer_id,
       f.recency_days, f.frequency, f.monetary, f.tenure_days, f.orders, f.items, f.total_spend,
       f.spend_90d, f.spend_trend, f.mean_days_between_orders, f.sd_days_between_orders,
       f.distinct_items, f.return_rate,
       @extschema@.insight_predict(churn.weights, f.features) AS churn_probability,
       churn.model_id AS churn_model_id,
       seg.segment, seg.cluster, seg.cluster_label,
       clv.p_alive, clv.expected_purchases_90d, clv.clv_12m, clv.clv_model_id
  FROM @extschema@.insight_customer_360_features() f
  LEFT JOIN @extschema@.insight_active_model('churn') churn ON true
  LEFT JOIN @extschema@.insight_customer_360_segments() seg
         ON seg.customer_id OPERATOR(pg_catalog.=) f.customer_id
  LEFT JOIN @extschema@.insight_customer_360_clv() clv
         ON clv.customer_id OPERATOR(pg_catalog.=) f.customer_id $v$, key_type),
pg_catalog.format($v$
CREATE VIEW @extschema@.insight_retention_targets AS
SELECT t.customer_id::%s AS customer_id, t.churn_probability, t.expected_orders, t.expected_value,
       t.value_at_risk, t.reasons, t.recency_days, t.orders, t.monetary, t.model_id,
       t.clv_12m, t.value_basis, t.clv_model_id
  FROM @extschema@.insight_retention_targets_at() t $v$, key_type)] $f$;

-- The churn views read the functions above through their SQL: rebuild them
-- for the key type they have (the registered source's, or text), with
-- their comments and grants, as a registration does.
DROP VIEW @extschema@.insight_retention_targets, @extschema@.insight_customer_360,
          @extschema@.insight_churn_scores;
SELECT @extschema@.insight_create_churn_views(
    @extschema@.insight_qualified_type(@extschema@.insight_customer_key_type()));
SELECT @extschema@.insight_apply_privileges();
