-- Recommenders on UCI Online Retail (registered by 00_setup).
SELECT insight_register_items('order_lines', 'stock_code', 'description') AS items_named;
SELECT * FROM insight_items WHERE item_id IN ('85123A', '22423', '84879') ORDER BY item_id;
SELECT insight_item_name('85123A'), insight_item_name('no such item');
-- each item's name is the most frequent one, ties to the first in text
-- order: what mode() WITHIN GROUP gives, computed here from the lines
SELECT count(*) AS items, count(*) FILTER (WHERE i.item_name IS NOT DISTINCT FROM m.name) AS same_as_mode
  FROM insight_items i
  FULL JOIN (SELECT stock_code::text AS item_id, mode() WITHIN GROUP (ORDER BY description::text) AS name
               FROM order_lines WHERE stock_code IS NOT NULL GROUP BY 1) m ON m.item_id = i.item_id;
-- ties, NULLs and a category (rolled back: the names above stay)
BEGIN;
CREATE TEMP TABLE item_names (item int, name text, category text);
INSERT INTO item_names VALUES (1, 'b', 'x'), (1, 'a', 'y'), (1, 'b', 'y'), (1, 'a', NULL),
                              (2, NULL, NULL), (3, 'c', 'z'), (3, 'c', NULL), (3, 'd', NULL), (NULL, 'e', 'e');
SELECT insight_register_items('item_names', 'item', 'name', 'category') AS items_named;
SELECT i.*, m.name AS mode_name, m.category AS mode_category
  FROM insight_items i
  FULL JOIN (SELECT item::text AS item_id, mode() WITHIN GROUP (ORDER BY name) AS name,
                    mode() WITHIN GROUP (ORDER BY category) AS category
               FROM item_names WHERE item IS NOT NULL GROUP BY 1) m ON m.item_id = i.item_id
 ORDER BY 1;
ROLLBACK;

-- interactions: distinct orders per (customer, item), net of returns, > 0 only
CREATE TABLE rec_or AS SELECT * FROM insight_interactions();
SELECT count(*) AS pairs, count(DISTINCT customer_id) AS customers, count(DISTINCT item_id) AS items,
       sum(value) AS orders, max(value) AS max_orders, min(value) AS min_value
  FROM rec_or;
-- the same, computed independently from the raw lines: no pair differs
WITH raw AS (
    SELECT customer_id::text AS customer_id, stock_code AS item_id,
           (count(DISTINCT invoice_no) FILTER (WHERE invoice_no NOT LIKE 'C%' AND quantity > 0)
            - count(DISTINCT invoice_no) FILTER (WHERE invoice_no LIKE 'C%' OR quantity < 0))::float8 AS value
      FROM order_lines
     WHERE customer_id IS NOT NULL AND unit_price > 0 AND quantity <> 0
       AND stock_code NOT IN ('POST', 'DOT', 'M', 'm', 'D', 'C2', 'CRUK', 'PADS', 'B',
                              'BANK CHARGES', 'AMAZONFEE', 'S')
     GROUP BY 1, 2)
SELECT count(*) FILTER (WHERE r.value > 0) AS raw_pairs,
       count(*) FILTER (WHERE r.value IS DISTINCT FROM i.value AND (r.value > 0 OR i.value IS NOT NULL)) AS differing
  FROM raw r FULL JOIN rec_or i USING (customer_id, item_id);
SELECT value FROM rec_or WHERE customer_id = '12347' AND item_id = '85116';
SELECT count(*) AS quantity_pairs, round(sum(value)::numeric) AS units
  FROM insight_interactions(measure => 'quantity');
SELECT count(*) FROM insight_interactions(measure => 'ratings');

-- popularity: the items most customers bought
CREATE TABLE rec_or_models AS
SELECT insight_popularity_fit('SELECT customer_id, item_id, value FROM rec_or') AS pop;
SELECT r.rank, r.item_key, insight_item_name(r.item_key) AS name, round(r.score::numeric, 4) AS share
  FROM rec_or_models, insight_recommend_from(pop, NULL, 5) r ORDER BY r.rank;
-- the share is the number of customers with the item over all customers
SELECT (SELECT count(*) FROM rec_or WHERE item_id = '85123A')::float8
       / (SELECT count(DISTINCT customer_id) FROM rec_or) AS share_85123A;

-- ALS: the objective decreases every iteration; recommendations are unseen items
SET client_min_messages = warning;
CREATE TABLE rec_or_als AS
SELECT insight_als_fit('SELECT customer_id, item_id, value FROM rec_or', factors => 16,
                       regularization => 0.1, alpha => 10, iterations => 4, seed => 42) AS als;
RESET client_min_messages;
SELECT jsonb_array_length(insight_model_info(als) -> 'loss') AS iterations,
       (SELECT bool_and(l.v < l.prev) FROM (
            SELECT v::float8 AS v, lag(v::float8) OVER (ORDER BY n) AS prev
              FROM jsonb_array_elements_text(insight_model_info(als) -> 'loss') WITH ORDINALITY e(v, n)) l
         WHERE l.prev IS NOT NULL) AS decreasing,
       insight_model_info(als) -> 'factors' AS factors, insight_model_info(als) -> 'users' AS users
  FROM rec_or_als;
SELECT count(*) AS rows, count(*) FILTER (WHERE o.item_id IS NOT NULL) AS already_bought,
       bool_and(r.score > '-Infinity' AND r.score < 'Infinity') AS finite
  FROM rec_or_als, insight_recommend_from(als, '12347', 10) r
  LEFT JOIN rec_or o ON o.customer_id = '12347' AND o.item_id = r.item_key;

-- item-kNN: every neighbour list holds at most 'neighbors' items, most similar first
CREATE TABLE rec_or_knn AS
SELECT insight_itemknn_fit('SELECT customer_id, item_id, value FROM rec_or', neighbors => 20) AS knn;
SELECT insight_model_info(knn) -> 'similarities' AS similarities FROM rec_or_knn;
SELECT r.rank, r.item_key, insight_item_name(r.item_key) AS name, round(r.score::numeric, 4) AS cosine
  FROM rec_or_knn, insight_similar_items_from(knn, '85123A', 5) r ORDER BY r.rank;
SELECT count(*) AS rows, count(*) FILTER (WHERE o.item_id IS NOT NULL) AS already_bought
  FROM rec_or_knn, insight_recommend_from(knn, '12347', 10) r
  LEFT JOIN rec_or o ON o.customer_id = '12347' AND o.item_id = r.item_key;
DROP TABLE rec_or_knn, rec_or_als, rec_or_models;
