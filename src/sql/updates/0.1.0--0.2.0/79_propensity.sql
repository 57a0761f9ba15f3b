-- The propensity task (tasks/propensity.sql: item groups, the rows, the
-- metrics, the recommender's group audience, the steps, insight_propensity
-- and insight_propensity_audience) and its retraining adapter
-- (ops/trainers.sql).

-- Groups and the customers' history in them ---------------------------------------

--@ function src/sql/tasks/propensity.sql insight_item_group

--@ comment src/sql/tasks/propensity.sql insight_item_group

CREATE OR REPLACE FUNCTION @extschema@.insight_top_item_groups(cutoff timestamptz, groups integer)
RETURNS TABLE (item_group text, buyers bigint, rank integer)
LANGUAGE plpgsql STABLE PARALLEL SAFE
AS $$
#variable_conflict use_column
BEGIN
    -- PL/pgSQL: never inlined, so an argument such as insight_default_as_of()
    -- is computed once, not once per sales line
    RETURN QUERY
    SELECT g.item_group, g.buyers, (pg_catalog.row_number() OVER (ORDER BY g.buyers DESC, g.item_group))::integer
      FROM (SELECT COALESCE(i.category, s.item_id::pg_catalog.text) AS item_group,
                   pg_catalog.count(DISTINCT s.customer_id) AS buyers
              FROM @extschema@.insight_sales s
              LEFT JOIN @extschema@.insight_items i ON i.item_id OPERATOR(pg_catalog.=) s.item_id::pg_catalog.text
             WHERE s.ordered_at OPERATOR(pg_catalog.<) $1 AND s.quantity OPERATOR(pg_catalog.>) 0
               AND s.customer_id IS NOT NULL AND s.item_id IS NOT NULL
             GROUP BY 1) g
     ORDER BY 3
     LIMIT $2;
END
$$;

--@ comment src/sql/tasks/propensity.sql insight_top_item_groups

CREATE OR REPLACE FUNCTION @extschema@.insight_propensity_rows(cutoff timestamptz, horizon interval, item_groups text[],
                                                    customer text DEFAULT NULL)
RETURNS TABLE (customer_id text, item_group text, features float8[], group_orders float8, orders float8, bought boolean)
LANGUAGE plpgsql STABLE PARALLEL SAFE
SET TimeZone = 'UTC'
SET IntervalStyle = 'postgres'
SET enable_nestloop = off
SET jit = off   -- compiling this query took about a second that no cancel interrupts
AS $$
#variable_conflict use_column
BEGIN
-- PL/pgSQL rather than SQL, so that the query is planned for the actual
-- arguments; and no nested loops: with few lines in the groups (groups that
-- are items) the planner joined the customers x groups to the aggregated
-- history by a nested loop that aggregated it again for every row (minutes).
RETURN QUERY
WITH g AS (
    SELECT u.item_group, u.n::integer AS n FROM pg_catalog.unnest($3) WITH ORDINALITY u(item_group, n)
),
f AS (
    SELECT c.customer_id::pg_catalog.text AS customer_id, c.features, c.orders
      FROM @extschema@.insight_customer_features($1) c WHERE $4 IS NULL
    UNION ALL
    SELECT c.customer_id::pg_catalog.text, c.features, c.orders
      FROM @extschema@.insight_customer_features_of($4, $1) c WHERE $4 IS NOT NULL
),
lines AS (
    SELECT s.customer_id::pg_catalog.text AS customer_id, s.order_id, s.ordered_at, g.n
      FROM @extschema@.insight_sales s
      LEFT JOIN @extschema@.insight_items i ON i.item_id OPERATOR(pg_catalog.=) s.item_id::pg_catalog.text
      JOIN g ON g.item_group OPERATOR(pg_catalog.=) COALESCE(i.category, s.item_id::pg_catalog.text)
     WHERE s.quantity OPERATOR(pg_catalog.>) 0
       AND s.ordered_at OPERATOR(pg_catalog.<) ($1 OPERATOR(pg_catalog.+) COALESCE($2, interval '0'))
       AND ($4 IS NULL OR s.customer_id::pg_catalog.text OPERATOR(pg_catalog.=) $4)
),
past AS MATERIALIZED (
    SELECT l.customer_id, l.n, pg_catalog.count(DISTINCT l.order_id)::pg_catalog.float8 AS orders,
           pg_catalog.date_part('epoch', $1 OPERATOR(pg_catalog.-) pg_catalog.max(l.ordered_at)) OPERATOR(pg_catalog./) 86400 AS days
      FROM lines l WHERE l.ordered_at OPERATOR(pg_catalog.<) $1
     GROUP BY 1, 2
),
future AS MATERIALIZED (
    SELECT DISTINCT l.customer_id, l.n FROM lines l WHERE l.ordered_at OPERATOR(pg_catalog.>=) $1
),
history AS (
    -- per customer: orders with the group and exp(-days since the last / 90)
    -- (0 when never) for every modelled group, in the order of item_groups
    SELECT f.customer_id,
           pg_catalog.array_agg(COALESCE(p.orders, 0) ORDER BY g.n) AS orders,
           pg_catalog.array_agg(COALESCE(pg_catalog.exp(OPERATOR(pg_catalog.-) p.days OPERATOR(pg_catalog./) 90), 0) ORDER BY g.n) AS recency
      FROM f CROSS JOIN g
      LEFT JOIN past p ON p.customer_id OPERATOR(pg_catalog.=) f.customer_id AND p.n OPERATOR(pg_catalog.=) g.n
     GROUP BY f.customer_id
)
SELECT f.customer_id, g.item_group,
       @extschema@.insight_signed_log1p(f.features)
       OPERATOR(pg_catalog.||) ARRAY[pg_catalog.ln(1 OPERATOR(pg_catalog.+) h.orders[g.n]), h.recency[g.n]]
       OPERATOR(pg_catalog.||) ARRAY(SELECT (k OPERATOR(pg_catalog.=) g.n)::integer::pg_catalog.float8
                                       FROM pg_catalog.generate_series(1, pg_catalog.cardinality($3)) k ORDER BY k)
       OPERATOR(pg_catalog.||) ARRAY(SELECT pg_catalog.ln(1 OPERATOR(pg_catalog.+) x)
                                       FROM pg_catalog.unnest(h.orders) WITH ORDINALITY u(x, k) ORDER BY u.k),
       h.orders[g.n], f.orders::pg_catalog.float8,
       CASE WHEN $2 IS NOT NULL THEN x.n IS NOT NULL END
  FROM f JOIN history h ON h.customer_id OPERATOR(pg_catalog.=) f.customer_id CROSS JOIN g
  LEFT JOIN future x ON x.customer_id OPERATOR(pg_catalog.=) f.customer_id AND x.n OPERATOR(pg_catalog.=) g.n
 ORDER BY 1, g.n;
END
$$;

--@ comment src/sql/tasks/propensity.sql insight_propensity_rows

-- Metrics -------------------------------------------------------------------------

-- Per group: AUC (insight_auc) and lift in the top decile of each score column
-- of a table (customer_id, item_group, bought, and the named scores).
--@ function src/sql/tasks/propensity.sql insight_propensity_metrics

--@ comment src/sql/tasks/propensity.sql insight_propensity_metrics

-- Audiences to beat -----------------------------------------------------------------

-- The recommender's audience of a group: an ALS model fitted on the
-- interactions before cutoff, a customer's score for a group the sum of the
-- model's scores of the group's items, x_u . sum_i y_i.
CREATE OR REPLACE FUNCTION @extschema@.insight_recommender_group_scores(cutoff timestamptz, item_groups text[], params jsonb DEFAULT '{}')
RETURNS TABLE (customer_id text, item_group text, score float8)
LANGUAGE plpgsql
SET TimeZone = 'UTC'
SET IntervalStyle = 'postgres'
AS $$
#variable_conflict use_column
DECLARE
    p pg_catalog.jsonb := @extschema@.insight_recommender_params('als', params);
    model pg_catalog.bytea;
BEGIN
    model := @extschema@.insight_recommender_fit('als', p,
        pg_catalog.format('SELECT customer_id, item_id, value FROM %I.insight_interactions(%L::pg_catalog.timestamptz, NULL, %L)',
                          '@extschema@', cutoff, p OPERATOR(pg_catalog.->>) 'measure'));
    RETURN QUERY
    WITH g AS (
        SELECT u.item_group FROM pg_catalog.unnest(item_groups) u(item_group)
    ),
    group_factors AS (
        SELECT g.item_group, v.k, pg_catalog.sum(v.y) AS y
          FROM @extschema@.insight_als_item_factors(model) i
          JOIN g ON g.item_group OPERATOR(pg_catalog.=) @extschema@.insight_item_group(i.item_key)
         CROSS JOIN LATERAL pg_catalog.unnest(i.factors) WITH ORDINALITY v(y, k)
         GROUP BY 1, 2
    )
    SELECT u.user_key, gf.item_group, pg_catalog.sum(x.x OPERATOR(pg_catalog.*) gf.y)
      FROM @extschema@.insight_als_user_factors(model) u
     CROSS JOIN LATERAL pg_catalog.unnest(u.factors) WITH ORDINALITY x(x, k)
      JOIN group_factors gf ON gf.k OPERATOR(pg_catalog.=) x.k
     GROUP BY 1, 2;
END
$$;

COMMENT ON FUNCTION @extschema@.insight_recommender_group_scores(timestamptz, text[], jsonb) IS
'The recommender''s audience of item groups, the propensity task''s second comparator: implicit ALS (Hu, Koren & Volinsky 2008; insight_als_fit with the recommender task''s parameters, insight_recommender_params(''als'', params)) fitted on insight_interactions before cutoff; a customer''s score for a group = the sum over the group''s items of the model''s score x_u . y_i (the score insight_audience_from ranks by), computed as x_u . (sum of the group''s y_i). One row per customer of the model and group with an item in it; customer_id as text.';

-- Parameters and steps ------------------------------------------------------------

--@ function src/sql/tasks/propensity.sql insight_propensity_defaults

--@ comment src/sql/tasks/propensity.sql insight_propensity_defaults

--@ function src/sql/tasks/propensity.sql insight_propensity_setup

--@ comment src/sql/tasks/propensity.sql insight_propensity_setup

--@ function src/sql/tasks/propensity.sql insight_propensity_prepare

--@ comment src/sql/tasks/propensity.sql insight_propensity_prepare

--@ function src/sql/tasks/propensity.sql insight_propensity_fit

--@ comment src/sql/tasks/propensity.sql insight_propensity_fit

--@ function src/sql/tasks/propensity.sql insight_propensity_evaluate

--@ comment src/sql/tasks/propensity.sql insight_propensity_evaluate

--@ function src/sql/tasks/propensity.sql insight_propensity_serve

--@ comment src/sql/tasks/propensity.sql insight_propensity_serve

--@ function src/sql/tasks/propensity.sql insight_propensity_compare

--@ comment src/sql/tasks/propensity.sql insight_propensity_compare

INSERT INTO @extschema@.insight_task_steps
    (task, prepare, evaluate, serve, compare, metric, higher_is_better, must_beat_baseline, kept_notice, builtin)
VALUES ('propensity', '@extschema@.insight_propensity_prepare(@extschema@.insight_training)',
        '@extschema@.insight_propensity_evaluate(@extschema@.insight_training)',
        '@extschema@.insight_propensity_serve(@extschema@.insight_training)',
        '@extschema@.insight_propensity_compare(@extschema@.insight_training, @extschema@.insight_models)',
        'mean_auc', true, true,
        'propensity model %1$s stays a candidate: its out-of-time mean AUC %2$s is below the %3$s of active model %4$s or the %5$s of the popularity audience',
        true);

--@ function src/sql/tasks/propensity.sql insight_train_propensity

--@ comment src/sql/tasks/propensity.sql insight_train_propensity

-- Scoring and targeting -----------------------------------------------------------

-- The active model's item groups, and the check of a group a caller names.
--@ function src/sql/tasks/propensity.sql insight_propensity_groups

--@ comment src/sql/tasks/propensity.sql insight_propensity_groups

--@ function src/sql/tasks/propensity.sql insight_propensity_model

--@ comment src/sql/tasks/propensity.sql insight_propensity_model

--@ function src/sql/tasks/propensity.sql insight_propensity

--@ comment src/sql/tasks/propensity.sql insight_propensity

--@ function src/sql/tasks/propensity.sql insight_propensity 2

--@ comment src/sql/tasks/propensity.sql insight_propensity 2

CREATE OR REPLACE FUNCTION @extschema@.insight_propensity_audience(item_group text, size integer DEFAULT 100,
    exclude_buyers_within interval DEFAULT NULL, as_of timestamptz DEFAULT NULL)
RETURNS TABLE (customer_id text, probability float8, rank integer)
LANGUAGE plpgsql STABLE
SET TimeZone = 'UTC'
SET IntervalStyle = 'postgres'
AS $$
#variable_conflict use_column
DECLARE
    m @extschema@.insight_models := @extschema@.insight_propensity_model(item_group);
    t pg_catalog.timestamptz := COALESCE(as_of, @extschema@.insight_default_as_of());
BEGIN
    IF size IS NULL OR size OPERATOR(pg_catalog.<) 0 THEN
        RAISE EXCEPTION 'size must be zero or more, not %', size
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF item_group IS NULL THEN
        RETURN;
    END IF;
    RETURN QUERY
    WITH recent AS (
        -- customers who bought from the group in [t - exclude_buyers_within, t)
        SELECT DISTINCT s.customer_id::pg_catalog.text AS customer_id
          FROM @extschema@.insight_sales s
          LEFT JOIN @extschema@.insight_items i ON i.item_id OPERATOR(pg_catalog.=) s.item_id::pg_catalog.text
         WHERE exclude_buyers_within IS NOT NULL AND s.quantity OPERATOR(pg_catalog.>) 0
           AND s.ordered_at OPERATOR(pg_catalog.>=) (t OPERATOR(pg_catalog.-) exclude_buyers_within)
           AND s.ordered_at OPERATOR(pg_catalog.<) t
           AND COALESCE(i.category, s.item_id::pg_catalog.text) OPERATOR(pg_catalog.=) insight_propensity_audience.item_group
    )
    SELECT s.customer_id, s.p, (pg_catalog.row_number() OVER (ORDER BY s.p DESC, s.customer_id))::integer
      FROM (SELECT r.customer_id, @extschema@.insight_mlp_predict(m.weights, r.features) AS p
              FROM @extschema@.insight_propensity_rows(t, NULL,
                       ARRAY(SELECT pg_catalog.jsonb_array_elements_text(m.params OPERATOR(pg_catalog.->) 'item_groups'))) r
             WHERE r.item_group OPERATOR(pg_catalog.=) insight_propensity_audience.item_group
               AND NOT EXISTS (SELECT 1 FROM recent x WHERE x.customer_id OPERATOR(pg_catalog.=) r.customer_id)) s
     ORDER BY 3
     LIMIT size;
END
$$;

COMMENT ON FUNCTION @extschema@.insight_propensity_audience(text, integer, interval, timestamptz) IS
'The size customers most likely to buy from an item group in the horizon of the active propensity model, for a campaign: (customer_id as text, probability 0 to 1, rank from 1), ties by customer key, from histories before as_of (default: just after the latest event). The propensity counterpart of insight_target_audience (which ranks the customers for one item by the recommender). Customers who bought from the group within exclude_buyers_within before as_of are left out (NULL, the default: nobody is, since past buyers are often the best audience of a group). No rows for a NULL group. Errors: 55000 when no propensity model is active; 22023 for an unknown item group (insight_propensity_groups) or a negative or NULL size.';

-- propensity: the horizon as stored, the groups and the model's
-- hyper-parameters (the item groups are picked again)
--@ function src/sql/ops/trainers.sql insight_retrain_propensity

--@ comment src/sql/ops/trainers.sql insight_retrain_propensity

INSERT INTO @extschema@.insight_trainers (task, train_function, rows_metric, builtin) VALUES
    ('propensity', '@extschema@.insight_retrain_propensity(jsonb)', 'serve_rows', true);

-- insight_admin only, as every function that trains
SELECT @extschema@.insight_apply_privileges();
