-- The propensity task: P(a customer buys from an item group in the next
-- horizon), one binary MLP over (customer, group) rows, measured out of time
-- per group (AUC, top-decile lift) against the popularity and the
-- recommender's audiences, served by insight_propensity and
-- insight_propensity_audience.
\set VERBOSITY default

-- before any training, and bad arguments
SELECT insight_propensity(12347, 'bags');
SELECT * FROM insight_propensity_audience('bags');
SELECT insight_train_propensity('0 days');
SELECT insight_train_propensity(params => '{"groups": 0}');
SELECT insight_train_propensity(params => '{"groups": 1000000000}');
SELECT insight_train_propensity(params => '{"groups": 2.5}');
SELECT insight_train_propensity(params => '{"groups": "20"}');
SELECT insight_train_propensity(params => '{"layers": 2}');

-- the rest in a transaction rolled back at the end (the next tests find no
-- propensity model and no item groups), with the sequences set back
CREATE TEMP TABLE registry_ids AS
SELECT format('%I.%I', schemaname, sequencename) AS seq, last_value
  FROM pg_sequences
 WHERE sequencename IN ('insight_models_model_id_seq', 'insight_model_activations_activation_id_seq');
BEGIN;
-- Online Retail has no category: a product type from keywords of the
-- description, first match wins; the items it does not match stay groups of
-- their own
CREATE TEMP VIEW order_lines_typed AS
SELECT l.stock_code, l.description,
       CASE WHEN d ~ 'CHRISTMAS|XMAS|ADVENT|SANTA|REINDEER|SNOWFLAKE|SNOWMAN|NATIVITY' THEN 'christmas'
            WHEN d ~ '\yBAGS?\y|SHOPPER|TOTE' THEN 'bags'
            WHEN d ~ 'CANDLE|T-LIGHT|TEA ?LIGHT|LANTERN|\yLIGHTS?\y|LAMP' THEN 'candles and lights'
            WHEN d ~ 'LUNCH ?BOX|BOTTLE|FLASK' THEN 'lunch boxes and bottles'
            WHEN d ~ '\yCARDS?\y|WRAP|GIFT TAG|ENVELOPE|PAPER|RIBBON' THEN 'cards and wrap'
            WHEN d ~ '\yMUGS?\y|\yCUPS?\y|BEAKER' THEN 'mugs and cups'
            WHEN d ~ 'BOWL|PLATE|DISH|NAPKIN|CAKE|BAKING|TRAY|\yJAR\y|\yTINS?\y|SPOON|CUTLERY|APRON|OVEN GLOVE|TEA TOWEL|TEAPOT|\yTEA\y|COASTER|PLACEMAT|BISCUIT|KITCHEN|JUG' THEN 'kitchen and tableware'
            WHEN d ~ 'GARDEN|PLANT|WATERING|BIRD|FLOWER POT' THEN 'garden'
            WHEN d ~ 'SIGN\y|DECORATION|BUNTING|GARLAND|HANGING|WREATH|ORNAMENT|BAUBLE|FAIRY' THEN 'signs and decorations'
            WHEN d ~ '\yPENS?\y|PENCIL|NOTEBOOK|STICKER|ERASER|RUBBER|STAMP|CHALK|MEMO|JOURNAL|CALENDAR' THEN 'stationery'
            WHEN d ~ '\yTOY|GAME|PUZZLE|DOLL|JIGSAW|SKITTLES|DOMINOES|PLAYHOUSE|SPACEBOY|CIRCUS|PARTY|BALLOON' THEN 'toys and games'
            WHEN d ~ 'NECKLACE|BRACELET|EARRING|\yRING\y|HAIR|CLIP|PURSE|WALLET|UMBRELLA|HANDBAG|CHARM' THEN 'jewellery and accessories'
            WHEN d ~ 'CUSHION|CLOCK|FRAME|MIRROR|DOORMAT|HOOK|RACK|DRAWER|STORAGE|\yBOX\y|CASES?\y|BASKET|HOLDER|DOORSTOP' THEN 'home and storage'
            WHEN d ~ 'BATH|SOAP|TISSUE|TOWEL|SPONGE' THEN 'bath'
       END AS product_type
  FROM order_lines l, LATERAL (SELECT upper(l.description) AS d) u;
SELECT insight_register_items('order_lines_typed', 'stock_code', 'description', 'product_type') > 3000 AS items_registered;
SELECT insight_item_group('85099B') AS jumbo_bag, insight_item_group('22960') AS unmatched_item;
SELECT item_group, buyers FROM insight_top_item_groups('2011-09-10', 5);

-- empty windows: clear errors
SAVEPOINT window_errors;
SELECT insight_train_propensity(as_of => '2009-01-01');
ROLLBACK TO window_errors;
SELECT insight_train_propensity(as_of => '2013-06-01');
ROLLBACK TO window_errors;

SET LOCAL client_min_messages = warning;   -- the per-epoch NOTICEs
SELECT insight_train_propensity() AS prop_id \gset
SET LOCAL client_min_messages = notice;
SELECT task, algorithm, status, params - '{horizon,item_groups}'::text[] AS params,
       jsonb_array_length(params->'item_groups') AS groups, metrics->>'train_cutoff' AS train_cutoff,
       metrics->>'test_cutoff' AS test_cutoff, metrics->'train_rows' AS train_rows, metrics->'test_rows' AS test_rows,
       array_length(feature_names, 1) AS features, (metrics->>'beats_baseline')::boolean AS beats_baseline
  FROM insight_models WHERE model_id = :prop_id;
-- out of time on Online Retail, per group: the model, the popularity and the recommender's audiences
SELECT g->>'item_group' AS item_group, g->'buyers' AS buyers,
       round((g#>>'{model,auc}')::numeric, 3) AS model_auc, round((g#>>'{popularity,auc}')::numeric, 3) AS popularity_auc,
       round((g#>>'{recommender,auc}')::numeric, 3) AS recommender_auc,
       round((g#>>'{model,lift}')::numeric, 2) AS model_lift, round((g#>>'{popularity,lift}')::numeric, 2) AS popularity_lift,
       round((g#>>'{recommender,lift}')::numeric, 2) AS recommender_lift
  FROM insight_models, jsonb_array_elements(metrics->'groups') g WHERE model_id = :prop_id;
SELECT k AS predictor, round((metrics#>>ARRAY['mean', k, 'auc'])::numeric, 4) AS mean_auc,
       round((metrics#>>ARRAY['mean', k, 'lift'])::numeric, 3) AS mean_lift
  FROM insight_models, unnest('{model,popularity,recommender}'::text[]) WITH ORDINALITY u(k, n)
 WHERE model_id = :prop_id ORDER BY n;
-- plausible: every group's AUC well above chance, its top decile buys more
-- than the average, and the model's mean AUC above both audiences'
SELECT bool_and((g#>>'{model,auc}')::float8 BETWEEN 0.6 AND 0.95) AS model_auc_plausible,
       bool_and((g#>>'{model,lift}')::float8 > 1.5) AS model_lift_plausible,
       bool_and((g#>>'{popularity,auc}')::float8 > 0.5 AND (g#>>'{recommender,auc}')::float8 > 0.5) AS audiences_above_chance,
       (metrics#>>'{mean,model,auc}')::float8 > (metrics#>>'{mean,popularity,auc}')::float8 AS beats_popularity,
       (metrics#>>'{mean,model,auc}')::float8 > (metrics#>>'{mean,recommender,auc}')::float8 AS beats_recommender
  FROM insight_models, jsonb_array_elements(metrics->'groups') g WHERE model_id = :prop_id GROUP BY metrics;
-- against a recomputation in plain SQL: the evaluation model on the test
-- rows, AUC as the Mann-Whitney U from average ranks, lift from the top
-- ceil(n / 10) rows
CREATE TEMP TABLE recomputed AS
WITH s AS (
    SELECT r.item_group, r.customer_id, r.bought, insight_mlp_predict(m.evaluation_weights, r.features) AS p
      FROM insight_models m,
           insight_propensity_rows((m.metrics->>'test_cutoff')::timestamptz, '90 days',
                                   ARRAY(SELECT jsonb_array_elements_text(m.params->'item_groups'))) r
     WHERE m.model_id = :prop_id
), ranked AS (
    SELECT s.*, rank() OVER (PARTITION BY item_group ORDER BY p)
                + (count(*) OVER (PARTITION BY item_group, p) - 1) / 2.0 AS avg_rank,
           row_number() OVER (PARTITION BY item_group ORDER BY p DESC, customer_id) AS position,
           count(*) OVER (PARTITION BY item_group) AS n
      FROM s
)
SELECT item_group,
       (sum(avg_rank) FILTER (WHERE bought) - count(*) FILTER (WHERE bought) * (count(*) FILTER (WHERE bought) + 1) / 2.0)
         / (count(*) FILTER (WHERE bought) * count(*) FILTER (WHERE NOT bought)) AS auc,
       avg(bought::int) FILTER (WHERE position <= ceil(n / 10.0)) / avg(bought::int) AS lift
  FROM ranked GROUP BY item_group;
SELECT count(*) AS groups,
       max(abs(c.auc - (g#>>'{model,auc}')::float8)) < 1e-9 AS auc_recomputed,
       max(abs(c.lift - (g#>>'{model,lift}')::float8)) < 1e-9 AS lift_recomputed
  FROM insight_models m, jsonb_array_elements(m.metrics->'groups') g
  JOIN recomputed c ON c.item_group = g->>'item_group'
 WHERE m.model_id = :prop_id;

-- served: one customer, the audience of a group
SELECT insight_propensity(12347, 'bags') BETWEEN 0 AND 1 AS probability,
       insight_propensity(12347, 'bags') = (SELECT probability FROM insight_propensity_audience('bags', 100000) WHERE customer_id = '12347') AS same_as_audience,
       insight_propensity(NULL::text, 'bags') IS NULL AS null_customer, insight_propensity(1, 'bags') IS NULL AS unknown_customer;
SELECT count(*) AS customers, min(rank) AS first, max(rank) AS last,
       bool_and(probability BETWEEN 0 AND 1) AS probabilities
  FROM insight_propensity_audience('bags', 50);
-- excluding recent buyers of the group leaves only customers who did not buy from it
SELECT insight_default_as_of() AS as_of \gset
WITH recent AS (
    SELECT DISTINCT s.customer_id::text AS customer_id
      FROM insight_sales s JOIN insight_items i ON i.item_id = s.item_id::text
     WHERE i.category = 'bags' AND s.quantity > 0 AND s.ordered_at >= :'as_of'::timestamptz - interval '90 days'
)
SELECT count(*) AS customers, count(*) FILTER (WHERE a.customer_id IN (SELECT customer_id FROM recent)) AS recent_buyers,
       (SELECT count(*) FROM insight_propensity_audience('bags', 50) b WHERE b.customer_id IN (SELECT customer_id FROM recent)) > 0 AS without_exclusion_some
  FROM insight_propensity_audience('bags', 50, '90 days') a;
SELECT count(*) AS groups FROM insight_propensity_groups();
SAVEPOINT serving_errors;
SELECT insight_propensity(12347, 'no such group');
ROLLBACK TO serving_errors;
SELECT * FROM insight_propensity_audience('no such group');
ROLLBACK TO serving_errors;
SELECT * FROM insight_propensity_audience('bags', -1);
ROLLBACK TO serving_errors;
-- retraining on unchanged data stores nothing
SET LOCAL client_min_messages = warning;
SELECT insight_retrain_propensity(params) = :prop_id AS retrain_unchanged FROM insight_models WHERE model_id = :prop_id;
SET LOCAL client_min_messages = notice;
ROLLBACK;
SELECT count(*) AS sequences_set_back
  FROM registry_ids,
       LATERAL (SELECT CASE WHEN last_value IS NULL THEN setval(seq, 1, false) ELSE setval(seq, last_value) END) s;
SELECT count(*) AS propensity_models FROM insight_models WHERE task = 'propensity';
