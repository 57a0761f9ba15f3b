-- ---------------------------------------------------------------------------
-- The propensity task: for each customer, the probability of buying from an
-- item group in the next horizon, for targeting (issue 14, part 4).
--
-- Item groups: the category of insight_items (insight_register_items with a
-- category column) or, for an item without one, the item itself.  The task
-- models the top G groups by buyers.
--
-- Design: one binary MLP over (customer, group) pairs rather than one model
-- per group or a multi-label head: a pair's input is the customer's
-- point-in-time features, the customer's history in that group, the group's
-- one-hot code and the customer's history in every modelled group; its
-- label, a purchase from that group in [cutoff, cutoff + horizon).  The
-- hidden layers are shared by every group (a group with few buyers borrows
-- from the others, as a multi-label head's trunk would), the group code lets
-- each group have its own response, and the core's binary cross-entropy,
-- early stopping and integrated gradients serve as they are.
--
-- The windows are the churn and value tasks' (insight_horizon_windows): with
-- T = as_of, fitted on features at T - 2 horizon with the purchases of the
-- next horizon, measured on features at T - horizon with the purchases of
-- [T - horizon, T) (per group AUC and top-decile lift) next to two
-- audiences, and the serving model is fitted on that latest window.
-- ---------------------------------------------------------------------------

-- Groups and the customers' history in them ---------------------------------------

CREATE FUNCTION @extschema@.insight_item_group(item_id text)
RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE
AS $$
    SELECT COALESCE((SELECT i.category FROM @extschema@.insight_items i
                      WHERE i.item_id OPERATOR(pg_catalog.=) $1), $1)
$$;

COMMENT ON FUNCTION @extschema@.insight_item_group(text) IS
'The item group of an item key (as text): its category in insight_items (insight_register_items with a category column), or the item itself when it has none. The groups of the propensity task. NULL for NULL.';

-- The items of some groups, each with its group's position: the inverse of
-- insight_item_group over the registered items.
CREATE FUNCTION @extschema@.insight_item_group_members(item_groups text[])
RETURNS TABLE (item_id text, n integer)
LANGUAGE sql STABLE PARALLEL SAFE
AS $$
    SELECT i.item_id, g.n::integer
      FROM @extschema@.insight_items i
      JOIN pg_catalog.unnest($1) WITH ORDINALITY g(item_group, n) ON g.item_group OPERATOR(pg_catalog.=) i.category
    UNION ALL
    -- a group that is an item without a category
    SELECT g.item_group, g.n::integer
      FROM pg_catalog.unnest($1) WITH ORDINALITY g(item_group, n)
     WHERE NOT EXISTS (SELECT 1 FROM @extschema@.insight_items i
                        WHERE i.item_id OPERATOR(pg_catalog.=) g.item_group AND i.category IS NOT NULL)
$$;

COMMENT ON FUNCTION @extschema@.insight_item_group_members(text[]) IS
'The items of the item groups item_groups (insight_item_group: an item belongs to its category''s group in insight_items, or to its own group when it has no category), as (item_id, n: the group''s position in item_groups, from 1; an item in several positions once per position). A group name is also the group of the item of that key when that item has no category (as insight_item_group maps it). Used by insight_group_purchases, which sends them to the shards as literals.';

CREATE FUNCTION @extschema@.insight_top_item_groups(cutoff timestamptz, groups integer)
RETURNS TABLE (item_group text, buyers bigint, rank integer)
LANGUAGE plpgsql STABLE PARALLEL SAFE
AS $$
#variable_conflict use_column
BEGIN
    -- PL/pgSQL: never inlined, so an argument such as insight_default_as_of()
    -- is computed once, not once per sales line
    -- one query over insight_sales_lines_from(): on Citus over the source
    -- itself, where a count of distinct values of the distribution column is
    -- a sum of the shards' counts, so one row per group and shard reaches the
    -- coordinator
    RETURN QUERY EXECUTE pg_catalog.format($q$
    SELECT g.item_group, g.buyers, (pg_catalog.row_number() OVER (ORDER BY g.buyers DESC, g.item_group))::integer
      FROM (SELECT COALESCE(i.category, s.item_id::pg_catalog.text) AS item_group,
                   pg_catalog.count(DISTINCT s.customer_id) AS buyers
              FROM %s s
              LEFT JOIN @extschema@.insight_items i ON i.item_id OPERATOR(pg_catalog.=) s.item_id::pg_catalog.text
             WHERE s.ordered_at OPERATOR(pg_catalog.<) %L::pg_catalog.timestamptz AND s.quantity OPERATOR(pg_catalog.>) 0
               AND s.customer_id IS NOT NULL AND s.item_id IS NOT NULL
             GROUP BY 1) g
     ORDER BY 3
     LIMIT %L $q$, @extschema@.insight_sales_lines_from(), $1, $2);
END
$$;

COMMENT ON FUNCTION @extschema@.insight_top_item_groups(timestamptz, integer) IS
'The groups item groups (insight_item_group) with the most distinct buyers (customers with a kept line of quantity > 0 strictly before cutoff), as (item_group, buyers, rank from 1), ties by group name. The groups the propensity task models.';

-- Per customer and modelled group, the purchases from the group: orders and
-- days since the last one before cutoff, and whether one falls in
-- [cutoff, until).  One query over insight_sales_lines_from(), grouped by
-- the customer key too (which splits no group: equal texts are equal keys),
-- with the arguments as literals: on Citus, for a source distributed by
-- customer, it runs whole on the shards; the items of the groups go with it
-- as literals (insight_item_group_members, from insight_items on the
-- coordinator), so that no table of the coordinator has to be sent along.
CREATE FUNCTION @extschema@.insight_group_purchases(cutoff timestamptz, until timestamptz, item_groups text[],
                                                    customer text DEFAULT NULL)
RETURNS TABLE (customer_id text, n integer, orders float8, days float8, bought boolean)
LANGUAGE plpgsql STABLE
SET TimeZone = 'UTC'
AS $$
#variable_conflict use_column
DECLARE
    items pg_catalog.text[];
    ns integer[];
BEGIN
    SELECT pg_catalog.array_agg(m.item_id), pg_catalog.array_agg(m.n) INTO items, ns
      FROM @extschema@.insight_item_group_members(item_groups) m;
    RETURN QUERY EXECUTE pg_catalog.format($q$
        SELECT s.customer_id::pg_catalog.text, (%6$L::integer[])[g.k],
               (pg_catalog.count(DISTINCT s.order_id) FILTER (WHERE s.ordered_at OPERATOR(pg_catalog.<) %2$L::pg_catalog.timestamptz))::pg_catalog.float8,
               pg_catalog.date_part('epoch', %2$L::pg_catalog.timestamptz OPERATOR(pg_catalog.-)
                                             pg_catalog.max(s.ordered_at) FILTER (WHERE s.ordered_at OPERATOR(pg_catalog.<) %2$L::pg_catalog.timestamptz))
                   OPERATOR(pg_catalog./) 86400,
               pg_catalog.bool_or(s.ordered_at OPERATOR(pg_catalog.>=) %2$L::pg_catalog.timestamptz)
          FROM %1$s s
          JOIN pg_catalog.unnest(%4$L::pg_catalog.text[]) WITH ORDINALITY g(item_id, k)
            ON g.item_id OPERATOR(pg_catalog.=) s.item_id::pg_catalog.text
         WHERE s.quantity OPERATOR(pg_catalog.>) 0 AND s.ordered_at OPERATOR(pg_catalog.<) %3$L::pg_catalog.timestamptz
           AND (%5$L::pg_catalog.text IS NULL OR s.customer_id::pg_catalog.text OPERATOR(pg_catalog.=) %5$L::pg_catalog.text)
         GROUP BY s.customer_id, 1, 2 $q$, @extschema@.insight_sales_lines_from(), cutoff, until, items, customer, ns);
END
$$;

COMMENT ON FUNCTION @extschema@.insight_group_purchases(timestamptz, timestamptz, text[], text) IS
'The propensity task''s pass over the lines: one row per customer (key as text) and group of item_groups (n: its position, from 1; groups as insight_item_group gives them) with a purchase from the group (a kept line of quantity > 0) before until; orders = distinct orders with the group before cutoff (0 when none), days = days from the last such purchase to cutoff (NULL when none), bought = a purchase from the group in [cutoff, until). With customer, only that customer (keys compared as text). Used by insight_propensity_rows. One query over insight_sales_lines_from() grouped by the customer key: on Citus, for a source distributed by customer (insight_sales_pushdown_lines() not NULL), over the source, grouped by the distribution column, which Citus sends whole to the shards with the items of the groups as literals (insight_item_group_members: insight_items stays on the coordinator), so that one row per customer and group reaches the coordinator; elsewhere over insight_sales.';

CREATE FUNCTION @extschema@.insight_propensity_rows(cutoff timestamptz, horizon interval, item_groups text[],
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
groups AS MATERIALIZED (
    -- the pass over the lines (on Citus, on the shards)
    SELECT p.customer_id, p.n, p.orders, p.days, p.bought
      FROM @extschema@.insight_group_purchases($1, $1 OPERATOR(pg_catalog.+) COALESCE($2, interval '0'), $3, $4) p
),
past AS (
    SELECT p.customer_id, p.n, p.orders, p.days FROM groups p WHERE p.days IS NOT NULL
),
future AS (
    SELECT p.customer_id, p.n FROM groups p WHERE p.bought
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

COMMENT ON FUNCTION @extschema@.insight_propensity_rows(timestamptz, interval, text[], text) IS
'The propensity model''s rows at a cutoff: one per customer with a purchase strictly before cutoff (insight_customer_features(cutoff); with customer, only that customer, keys compared as text) and per group of item_groups (insight_item_group), in key then group order. features (15 + 2 x groups): insight_signed_log1p of the 13 customer features, ln(1 + orders with the group), exp(-days since the last purchase from the group / 90) (0 when never), the group''s one-hot code (groups elements), ln(1 + orders with each modelled group) (groups elements); every purchase counted is a kept line of quantity > 0 before cutoff, orders are distinct order keys. group_orders: orders with the group before cutoff; orders: the customer''s orders; bought: a kept line of quantity > 0 from the group in [cutoff, cutoff + horizon), NULL when horizon is NULL.';

-- Metrics -------------------------------------------------------------------------

-- Per group: AUC (insight_auc) and lift in the top decile of each score column
-- of a table (customer_id, item_group, bought, and the named scores).
CREATE FUNCTION @extschema@.insight_propensity_metrics(rows_table text, scores text[])
RETURNS jsonb
LANGUAGE plpgsql
AS $$
DECLARE
    result pg_catalog.jsonb;
BEGIN
    EXECUTE pg_catalog.format($q$
        WITH long AS (
            SELECT r.item_group, r.customer_id, r.bought, u.predictor, u.score
              FROM pg_temp.%I r
             CROSS JOIN LATERAL ROWS FROM (pg_catalog.unnest(%L::pg_catalog.text[]), pg_catalog.unnest(ARRAY[%s])) u(predictor, score)
        ),
        ranked AS (
            SELECT l.*, pg_catalog.ntile(10) OVER (PARTITION BY l.item_group, l.predictor
                                                   ORDER BY l.score DESC, l.customer_id) AS decile,
                   pg_catalog.bool_or(l.bought) OVER w AND NOT pg_catalog.bool_and(l.bought) OVER w AS both_classes
              FROM long l
            WINDOW w AS (PARTITION BY l.item_group, l.predictor)
        ),
        per AS (
            SELECT r.item_group, r.predictor, pg_catalog.count(*) AS customers,
                   pg_catalog.count(*) FILTER (WHERE r.bought) AS buyers,
                   @extschema@.insight_auc(r.score, r.bought) FILTER (WHERE r.both_classes) AS auc,
                   pg_catalog.avg(r.bought::integer) FILTER (WHERE r.decile OPERATOR(pg_catalog.=) 1)
                       OPERATOR(pg_catalog./) NULLIF(pg_catalog.avg(r.bought::integer), 0) AS lift
              FROM ranked r GROUP BY 1, 2
        )
        SELECT pg_catalog.jsonb_build_object(
                   'groups', (SELECT pg_catalog.jsonb_agg(x.o ORDER BY x.buyers DESC, x.item_group)
                                FROM (SELECT p.item_group, pg_catalog.max(p.buyers) AS buyers,
                                             pg_catalog.jsonb_build_object('item_group', p.item_group,
                                                 'customers', pg_catalog.max(p.customers), 'buyers', pg_catalog.max(p.buyers))
                                             OPERATOR(pg_catalog.||) pg_catalog.jsonb_object_agg(p.predictor,
                                                 pg_catalog.jsonb_build_object('auc', p.auc, 'lift', p.lift)) AS o
                                        FROM per p GROUP BY p.item_group) x),
                   'mean', (SELECT pg_catalog.jsonb_object_agg(m.predictor,
                                       pg_catalog.jsonb_build_object('auc', m.auc, 'lift', m.lift))
                              FROM (SELECT p.predictor, pg_catalog.avg(p.auc) AS auc, pg_catalog.avg(p.lift) AS lift
                                      FROM per p GROUP BY 1) m)) $q$,
        rows_table, scores,
        (SELECT pg_catalog.string_agg(pg_catalog.format('r.%I', s), ', ' ORDER BY n)
           FROM pg_catalog.unnest(scores) WITH ORDINALITY u(s, n)))
    INTO result;
    RETURN result;
END
$$;

COMMENT ON FUNCTION @extschema@.insight_propensity_metrics(text, text[]) IS
'Out-of-time metrics of propensity scores: rows_table a temporary table with customer_id, item_group, bought (boolean) and one float8 column per name in scores. Per group and score: auc (insight_auc, exact, ties count one half; NULL when the group has buyers only or none) and lift = the buyer rate among the top decile of customers by score (ntile(10) by score descending, ties by customer_id: the first ceil(n / 10)) / the group''s buyer rate (NULL with no buyer). Returns {"groups": [{item_group, customers, buyers, <score>: {auc, lift}}, ...] by buyers descending, "mean": {<score>: {auc, lift}}} (means over the groups where defined).';

-- Audiences to beat -----------------------------------------------------------------

-- The recommender's audience of a group: an ALS model fitted on the
-- interactions before cutoff, a customer's score for a group the sum of the
-- model's scores of the group's items, x_u . sum_i y_i.
CREATE FUNCTION @extschema@.insight_recommender_group_scores(cutoff timestamptz, item_groups text[], params jsonb DEFAULT '{}')
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
    -- (on Citus, for a source distributed by customer, the interactions
    -- collected on the shards: insight_recommender_rows)
    model := @extschema@.insight_recommender_fit('als', p, @extschema@.insight_recommender_rows('als', p, cutoff));
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
'The recommender''s audience of item groups, the propensity task''s second comparator: implicit ALS (Hu, Koren & Volinsky 2008; insight_als_fit with the recommender task''s parameters, insight_recommender_params(''als'', params)) fitted on insight_interactions before cutoff (insight_recommender_rows: on Citus, for a source distributed by customer, collected on the shards by insight_interactions_pack, one partial state per shard reaching the coordinator); a customer''s score for a group = the sum over the group''s items of the model''s score x_u . y_i (the score insight_audience_from ranks by), computed as x_u . (sum of the group''s y_i). One row per customer of the model and group with an item in it; customer_id as text.';

-- Parameters and steps ------------------------------------------------------------

CREATE FUNCTION @extschema@.insight_propensity_defaults()
RETURNS jsonb
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$ SELECT '{"groups": 20, "hidden": [16], "epochs": 30, "batch_size": 256, "learning_rate": 0.003,
               "weight_decay": 0.1, "dropout": 0.2, "validation_fraction": 0.2, "patience": 5,
               "seed": 1}'::pg_catalog.jsonb $$;

COMMENT ON FUNCTION @extschema@.insight_propensity_defaults() IS
'The default parameters of the propensity task: groups 20 (the number of item groups modelled, 1 to 200), and the hyper-parameters of its MLP (insight_mlp_fit, loss binary): hidden [16], epochs 30, batch_size 256, learning_rate 0.003, weight_decay 0.1, dropout 0.2, validation_fraction 0.2, patience 5, seed 1: a small, regularised network (see docs/reference/propensity.md for how it was chosen).';

CREATE FUNCTION @extschema@.insight_propensity_setup(horizon interval, as_of timestamptz, params jsonb)
RETURNS @extschema@.insight_training
LANGUAGE plpgsql
SET TimeZone = 'UTC'
SET IntervalStyle = 'postgres'
AS $$
DECLARE
    t @extschema@.insight_training := @extschema@.insight_horizon_windows('propensity', horizon, as_of);
    g pg_catalog.numeric;
BEGIN
    t.params := @extschema@.insight_mlp_params(params, @extschema@.insight_propensity_defaults(), 'propensity model');
    g := (t.params OPERATOR(pg_catalog.->>) 'groups')::pg_catalog.numeric;
    IF g OPERATOR(pg_catalog.<>) pg_catalog.trunc(g) OR g NOT BETWEEN 1 AND 200 THEN
        RAISE EXCEPTION 'groups must be a whole number between 1 and 200, not %', t.params OPERATOR(pg_catalog.->) 'groups'
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = 'The model''s input and its rows (customers x groups) grow with the number of item groups.';
    END IF;
    t.params := t.params OPERATOR(pg_catalog.||) pg_catalog.jsonb_build_object('horizon', horizon::pg_catalog.text);
    t.algorithm := 'mlp';
    RETURN t;
END
$$;

COMMENT ON FUNCTION @extschema@.insight_propensity_setup(interval, timestamptz, jsonb) IS
'The propensity task''s entry step: validates the arguments of insight_train_propensity() (params: insight_mlp_params over insight_propensity_defaults; groups a whole number from 1 to 200, else 22023) and returns the insight_training that insight_train_task() takes, with the windows of insight_horizon_windows.';

CREATE FUNCTION @extschema@.insight_propensity_prepare(t @extschema@.insight_training)
RETURNS @extschema@.insight_training
LANGUAGE plpgsql
SET TimeZone = 'UTC'
SET IntervalStyle = 'postgres'
AS $$
DECLARE
    horizon interval := (t.setup OPERATOR(pg_catalog.->>) 'horizon')::interval;
    test_cutoff pg_catalog.timestamptz := (t.setup OPERATOR(pg_catalog.->>) 'test_cutoff')::pg_catalog.timestamptz;
    item_groups pg_catalog.text[];
    tbl pg_catalog.text;
    n bigint;
    buyers bigint;
BEGIN
    -- the groups: the top ones by buyers before the test cutoff (no label
    -- of the test window is seen), the same for the three fits
    SELECT pg_catalog.array_agg(g.item_group ORDER BY g.rank) INTO item_groups
      FROM @extschema@.insight_top_item_groups(test_cutoff, (t.params OPERATOR(pg_catalog.->>) 'groups')::integer) g;
    IF item_groups IS NULL THEN
        RAISE EXCEPTION 'no training rows'
            USING ERRCODE = 'data_exception',
                  DETAIL = pg_catalog.format('No customer bought an item before the test cutoff %s (as_of - horizon).',
                                             t.metrics OPERATOR(pg_catalog.->>) 'test_cutoff'),
                  HINT = 'Use a shorter horizon or a later as_of.';
    END IF;
    t.params := t.params OPERATOR(pg_catalog.||) pg_catalog.jsonb_build_object('item_groups', pg_catalog.to_jsonb(item_groups));
    t.feature_names := t.feature_names OPERATOR(pg_catalog.||) '{group_orders,group_recency}'::pg_catalog.text[]
        OPERATOR(pg_catalog.||) ARRAY(SELECT 'group=' OPERATOR(pg_catalog.||) x FROM pg_catalog.unnest(item_groups) WITH ORDINALITY u(x, k) ORDER BY u.k)
        OPERATOR(pg_catalog.||) ARRAY(SELECT 'orders:' OPERATOR(pg_catalog.||) x FROM pg_catalog.unnest(item_groups) WITH ORDINALITY u(x, k) ORDER BY u.k);
    FOREACH tbl IN ARRAY ARRAY['train', 'test'] LOOP
        PERFORM @extschema@.insight_drop_temp_table('insight_propensity_' OPERATOR(pg_catalog.||) tbl);
        EXECUTE pg_catalog.format('CREATE TEMP TABLE %I ON COMMIT DROP AS SELECT * FROM %I.insight_propensity_rows($1, $2, $3)',
                                  'insight_propensity_' OPERATOR(pg_catalog.||) tbl, '@extschema@')
            USING (t.setup OPERATOR(pg_catalog.->>) (tbl OPERATOR(pg_catalog.||) '_cutoff'))::pg_catalog.timestamptz, horizon, item_groups;
        EXECUTE pg_catalog.format('SELECT pg_catalog.count(*), pg_catalog.count(*) FILTER (WHERE r.bought) FROM pg_temp.%I r',
                                  'insight_propensity_' OPERATOR(pg_catalog.||) tbl) INTO n, buyers;
        IF buyers OPERATOR(pg_catalog.=) 0 OR buyers OPERATOR(pg_catalog.=) n THEN
            RAISE EXCEPTION 'no % rows of both classes', CASE WHEN tbl OPERATOR(pg_catalog.=) 'train' THEN 'training' ELSE 'test' END
                USING ERRCODE = 'data_exception',
                      DETAIL = pg_catalog.format('At the %s cutoff %s, %s (customer, group) rows, of which %s bought from the group in the next %s.',
                                                 tbl, t.metrics OPERATOR(pg_catalog.->>) (tbl OPERATOR(pg_catalog.||) '_cutoff'), n, buyers, horizon),
                      HINT = 'Use a shorter horizon or a later as_of: the windows must hold purchases before and after each cutoff.';
        END IF;
        t.metrics := t.metrics OPERATOR(pg_catalog.||) pg_catalog.jsonb_build_object(
            tbl OPERATOR(pg_catalog.||) '_rows', n, tbl OPERATOR(pg_catalog.||) '_buyer_rate', buyers::pg_catalog.float8 OPERATOR(pg_catalog./) n);
    END LOOP;
    t.metrics := t.metrics OPERATOR(pg_catalog.||) pg_catalog.jsonb_build_object('item_groups', pg_catalog.to_jsonb(item_groups));
    RETURN t;
END
$$;

COMMENT ON FUNCTION @extschema@.insight_propensity_prepare(@extschema@.insight_training) IS
'Propensity step prepare: picks the params.groups item groups with the most buyers before the test cutoff (insight_top_item_groups; stored as params.item_groups) and materialises the labelled (customer, group) rows at the training and the test cutoff (insight_propensity_rows) in the temporary tables insight_propensity_train and insight_propensity_test. Errors (22000): "no training rows" when nobody bought before the test cutoff; "no training (test) rows of both classes" when nobody, or everybody, bought from the groups in a window.';

CREATE FUNCTION @extschema@.insight_propensity_fit(params jsonb, rows_table text)
RETURNS bytea
LANGUAGE sql
AS $$
    SELECT @extschema@.insight_mlp_fit_params(
        pg_catalog.format('SELECT t.features, t.bought FROM pg_temp.%I t', $2), 'binary',
        $1 OPERATOR(pg_catalog.-) '{groups,item_groups,horizon}'::pg_catalog.text[])
$$;

COMMENT ON FUNCTION @extschema@.insight_propensity_fit(jsonb, text) IS
'Fits the propensity model of the params (insight_propensity_setup) on a temporary table of labelled rows (insight_propensity_rows): a binary MLP (insight_mlp_fit, loss binary) over the (customer, group) features, whose prediction is P(the customer buys from the group in the horizon).';

CREATE FUNCTION @extschema@.insight_propensity_evaluate(t @extschema@.insight_training)
RETURNS @extschema@.insight_training
LANGUAGE plpgsql
SET TimeZone = 'UTC'
SET IntervalStyle = 'postgres'
AS $$
DECLARE
    m pg_catalog.jsonb;
    rec_error pg_catalog.text;
    started pg_catalog.timestamptz := pg_catalog.clock_timestamp();
BEGIN
    -- out-of-time: fit at the training cutoff, measure at the test cutoff
    t.evaluation_weights := @extschema@.insight_propensity_fit(t.params, 'insight_propensity_train');
    t.metrics := t.metrics OPERATOR(pg_catalog.||) pg_catalog.jsonb_build_object('fit_seconds',
        pg_catalog.round(pg_catalog.date_part('epoch', pg_catalog.clock_timestamp() OPERATOR(pg_catalog.-) started)::pg_catalog.numeric, 1));
    ALTER TABLE pg_temp.insight_propensity_test ADD COLUMN model pg_catalog.float8,
        ADD COLUMN popularity pg_catalog.float8, ADD COLUMN recommender pg_catalog.float8;
    -- popularity: orders with the group, ties (and the customers who never
    -- bought it) by orders overall
    UPDATE pg_temp.insight_propensity_test r
       SET model = @extschema@.insight_mlp_predict(t.evaluation_weights, r.features),
           -- (OPERATOR() has one precedence for every operator: parentheses)
           popularity = r.group_orders OPERATOR(pg_catalog.+)
                        (r.orders OPERATOR(pg_catalog./) (1 OPERATOR(pg_catalog.+) (SELECT pg_catalog.max(x.orders) FROM pg_temp.insight_propensity_test x)));
    BEGIN
        UPDATE pg_temp.insight_propensity_test r
           SET recommender = COALESCE(s.score, '-Infinity')
          FROM pg_temp.insight_propensity_test r2
          LEFT JOIN @extschema@.insight_recommender_group_scores((t.setup OPERATOR(pg_catalog.->>) 'test_cutoff')::pg_catalog.timestamptz,
                        ARRAY(SELECT pg_catalog.jsonb_array_elements_text(t.params OPERATOR(pg_catalog.->) 'item_groups'))) s
                 ON s.customer_id OPERATOR(pg_catalog.=) r2.customer_id AND s.item_group OPERATOR(pg_catalog.=) r2.item_group
         WHERE r2.customer_id OPERATOR(pg_catalog.=) r.customer_id AND r2.item_group OPERATOR(pg_catalog.=) r.item_group;
    EXCEPTION WHEN data_exception OR invalid_parameter_value OR program_limit_exceeded THEN
        GET STACKED DIAGNOSTICS rec_error = MESSAGE_TEXT;
        RAISE NOTICE 'the recommender audience is left out: %', rec_error;
    END;
    m := @extschema@.insight_propensity_metrics('insight_propensity_test',
             CASE WHEN rec_error IS NULL THEN '{model,popularity,recommender}'::pg_catalog.text[]
                  ELSE '{model,popularity}'::pg_catalog.text[] END);
    t.score := (m OPERATOR(pg_catalog.#>>) '{mean,model,auc}')::pg_catalog.float8;
    t.baseline_score := (m OPERATOR(pg_catalog.#>>) '{mean,popularity,auc}')::pg_catalog.float8;
    t.metrics := t.metrics OPERATOR(pg_catalog.||) m OPERATOR(pg_catalog.||) pg_catalog.jsonb_build_object(
        'mean_auc', t.score,
        'recommender', COALESCE(rec_error, 'ALS (insight_recommender_group_scores) fitted at the test cutoff'),
        'popularity', 'orders with the group, ties by orders overall',
        'beats_baseline', t.score OPERATOR(pg_catalog.>) t.baseline_score);
    RETURN t;
END
$$;

COMMENT ON FUNCTION @extschema@.insight_propensity_evaluate(@extschema@.insight_training) IS
'Propensity step evaluate: fits the evaluation model on insight_propensity_train and scores insight_propensity_test with it (column model), with the popularity audience (column popularity: the customer''s orders with the group before the cutoff, ties, including the customers who never bought from it, broken by their orders overall) and the recommender''s audience (column recommender: insight_recommender_group_scores fitted at the test cutoff, -Infinity for a customer it does not know; left out with a NOTICE when it cannot be fitted); metrics: insight_propensity_metrics (per group AUC and top-decile lift, and their means), score = the model''s mean AUC over the groups, baseline = the popularity audience''s.';

CREATE FUNCTION @extschema@.insight_propensity_serve(t @extschema@.insight_training)
RETURNS @extschema@.insight_training
LANGUAGE plpgsql
SET TimeZone = 'UTC'
SET IntervalStyle = 'postgres'
AS $$
BEGIN
    -- the model that serves: fitted on the latest labelled window
    RETURN @extschema@.insight_serve_on_test_window(t, 'insight_propensity_fit', 'insight_propensity_test');
END
$$;

COMMENT ON FUNCTION @extschema@.insight_propensity_serve(@extschema@.insight_training) IS
'Propensity step serve: fits the serving model on the latest labelled window (insight_propensity_test), through insight_serve_on_test_window.';

CREATE FUNCTION @extschema@.insight_propensity_compare(t @extschema@.insight_training, active @extschema@.insight_models)
RETURNS jsonb
LANGUAGE plpgsql
SET TimeZone = 'UTC'
SET IntervalStyle = 'postgres'
AS $$
DECLARE
    auc pg_catalog.float8;
BEGIN
    BEGIN
        PERFORM @extschema@.insight_drop_temp_table('insight_propensity_active');
        CREATE TEMP TABLE insight_propensity_active ON COMMIT DROP AS
            SELECT r.customer_id, r.item_group, r.bought,
                   @extschema@.insight_mlp_predict(COALESCE(active.evaluation_weights, active.weights), r.features) AS active
              FROM @extschema@.insight_propensity_rows((t.setup OPERATOR(pg_catalog.->>) 'test_cutoff')::pg_catalog.timestamptz,
                       (t.setup OPERATOR(pg_catalog.->>) 'horizon')::interval,
                       ARRAY(SELECT pg_catalog.jsonb_array_elements_text(active.params OPERATOR(pg_catalog.->) 'item_groups'))) r;
        auc := (@extschema@.insight_propensity_metrics('insight_propensity_active', '{active}')
                OPERATOR(pg_catalog.#>>) '{mean,active,auc}')::pg_catalog.float8;
        PERFORM @extschema@.insight_drop_temp_table('insight_propensity_active');
    EXCEPTION WHEN array_subscript_error OR invalid_parameter_value OR data_corrupted
                   OR feature_not_supported OR data_exception THEN
        auc := NULL;     -- the active model cannot score these rows
    END;
    RETURN pg_catalog.jsonb_build_object('model_id', active.model_id, 'mean_auc', auc);
END
$$;

COMMENT ON FUNCTION @extschema@.insight_propensity_compare(@extschema@.insight_training, @extschema@.insight_models) IS
'Propensity step compare: the mean AUC over its own item groups of the active model''s evaluation model (its serving model when it has none) on the same test window, NULL when it cannot score these rows.';

INSERT INTO @extschema@.insight_task_steps
    (task, prepare, evaluate, serve, compare, metric, higher_is_better, must_beat_baseline, kept_notice, builtin)
VALUES ('propensity', '@extschema@.insight_propensity_prepare(@extschema@.insight_training)',
        '@extschema@.insight_propensity_evaluate(@extschema@.insight_training)',
        '@extschema@.insight_propensity_serve(@extschema@.insight_training)',
        '@extschema@.insight_propensity_compare(@extschema@.insight_training, @extschema@.insight_models)',
        'mean_auc', true, true,
        'propensity model %1$s stays a candidate: its out-of-time mean AUC %2$s is below the %3$s of active model %4$s or the %5$s of the popularity audience',
        true);

CREATE FUNCTION @extschema@.insight_train_propensity(horizon interval DEFAULT '90 days',
                                                     as_of timestamptz DEFAULT NULL,
                                                     params jsonb DEFAULT '{}')
RETURNS bigint
LANGUAGE sql
SET TimeZone = 'UTC'
SET IntervalStyle = 'postgres'
AS $$ SELECT @extschema@.insight_train_task(@extschema@.insight_propensity_setup($1, $2, $3)) $$;

COMMENT ON FUNCTION @extschema@.insight_train_propensity(interval, timestamptz, jsonb) IS
'Train the purchase propensity model (P(a customer buys from an item group in the next horizon), for the params.groups item groups with the most buyers, insight_item_group) on the registered source and return its model_id: one binary MLP over (customer, group) rows (insight_propensity_rows: point-in-time customer features, the customer''s history in the groups, the group''s code). With T = as_of (default: just after the latest event): fits on the rows at T - 2*horizon labelled by the next horizon, measures out of time on the rows at T - horizon labelled by [T - horizon, T) (per group AUC and top-decile lift, insight_propensity_metrics) next to the popularity audience (the baseline) and the recommender''s audience (insight_recommender_group_scores), then fits the serving model on that latest window. It becomes active when its mean AUC is not below the popularity audience''s and not below the active propensity model''s on the same window; otherwise it stays a candidate (NOTICE). params: insight_propensity_defaults keys. Errors: 22023 for a horizon that is not positive, unknown or mistyped params, groups outside 1..200; 22000 for windows without purchases. Runs through insight_train_task() (steps insight_propensity_*) in the caller''s transaction.';

-- Scoring and targeting -----------------------------------------------------------

-- The active model's item groups, and the check of a group a caller names.
CREATE FUNCTION @extschema@.insight_propensity_groups()
RETURNS TABLE (item_group text, rank integer)
LANGUAGE sql STABLE PARALLEL SAFE
AS $$
    SELECT u.g, u.n::integer
      FROM @extschema@.insight_active_model('propensity') m,
           pg_catalog.jsonb_array_elements_text(m.params OPERATOR(pg_catalog.->) 'item_groups') WITH ORDINALITY u(g, n)
     ORDER BY 2
$$;

COMMENT ON FUNCTION @extschema@.insight_propensity_groups() IS
'The item groups the active propensity model scores (params.item_groups), by buyers at training, as (item_group, rank from 1). No rows when no propensity model is active.';

CREATE FUNCTION @extschema@.insight_propensity_model(item_group text)
RETURNS @extschema@.insight_models
LANGUAGE plpgsql STABLE PARALLEL SAFE
AS $$
DECLARE
    m @extschema@.insight_models;
BEGIN
    SELECT * INTO m FROM @extschema@.insight_active_model('propensity') a;
    IF m.model_id IS NULL THEN
        PERFORM @extschema@.insight_no_active_model('propensity');
    END IF;
    IF item_group IS NOT NULL
       AND NOT (m.params OPERATOR(pg_catalog.->) 'item_groups') OPERATOR(pg_catalog.?) item_group THEN
        RAISE EXCEPTION 'unknown item group "%"', item_group
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = pg_catalog.format('The active propensity model scores %s item groups, the ones with the most buyers when it was trained.',
                                             pg_catalog.jsonb_array_length(m.params OPERATOR(pg_catalog.->) 'item_groups')),
                  HINT = 'See SELECT * FROM insight_propensity_groups(); train with a larger params.groups to score more.';
    END IF;
    RETURN m;
END
$$;

COMMENT ON FUNCTION @extschema@.insight_propensity_model(text) IS
'The active propensity model, after checking that it scores item_group (NULL: not checked). Errors: 55000 "no propensity model is active"; 22023 "unknown item group" for a group it does not model (see insight_propensity_groups).';

CREATE FUNCTION @extschema@.insight_propensity(customer text, item_group text, as_of timestamptz DEFAULT NULL)
RETURNS float8
LANGUAGE plpgsql STABLE PARALLEL SAFE
SET TimeZone = 'UTC'
SET IntervalStyle = 'postgres'
AS $$
DECLARE
    m @extschema@.insight_models := @extschema@.insight_propensity_model(item_group);
BEGIN
    IF customer IS NULL OR item_group IS NULL THEN
        RETURN NULL;
    END IF;
    RETURN (SELECT @extschema@.insight_mlp_predict(m.weights, r.features)
              FROM @extschema@.insight_propensity_rows(COALESCE(as_of, @extschema@.insight_default_as_of()), NULL,
                       ARRAY(SELECT pg_catalog.jsonb_array_elements_text(m.params OPERATOR(pg_catalog.->) 'item_groups')), customer) r
             WHERE r.item_group OPERATOR(pg_catalog.=) insight_propensity.item_group);
END
$$;

COMMENT ON FUNCTION @extschema@.insight_propensity(text, text, timestamptz) IS
'The probability (0 to 1) under the active propensity model that the customer buys from the item group (insight_item_group) in the model''s horizon (params.horizon, default 90 days), from the customer''s history before as_of (default: just after the latest event). NULL for a NULL argument or a customer with no purchase before as_of. Errors: 55000 when no propensity model is active; 22023 "unknown item group" for a group the model does not score (insight_propensity_groups).';

CREATE FUNCTION @extschema@.insight_propensity(customer anyelement, item_group text, as_of timestamptz DEFAULT NULL)
RETURNS float8
LANGUAGE sql STABLE PARALLEL SAFE
AS $$ SELECT @extschema@.insight_propensity($1::pg_catalog.text, $2, $3) $$;

COMMENT ON FUNCTION @extschema@.insight_propensity(anyelement, text, timestamptz) IS
'insight_propensity(customer::text, item_group, as_of) for a customer key given in the source''s type (12347) or any type whose text form is a key.';

CREATE FUNCTION @extschema@.insight_propensity_audience(item_group text, size integer DEFAULT 100,
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
        -- (none when it is NULL; on Citus found on the shards)
        SELECT b.customer_id
          FROM @extschema@.insight_recent_buyers(t OPERATOR(pg_catalog.-) exclude_buyers_within, t,
                                                 item_group => insight_propensity_audience.item_group) b
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
'The size customers most likely to buy from an item group in the horizon of the active propensity model, for a campaign: (customer_id as text, probability 0 to 1, rank from 1), ties by customer key, from histories before as_of (default: just after the latest event). The propensity counterpart of insight_target_audience (which ranks the customers for one item by the recommender). Customers who bought from the group within exclude_buyers_within before as_of are left out (NULL, the default: nobody is, since past buyers are often the best audience of a group; insight_recent_buyers, on Citus grouped on the shards). No rows for a NULL group. Errors: 55000 when no propensity model is active; 22023 for an unknown item group (insight_propensity_groups) or a negative or NULL size.';
