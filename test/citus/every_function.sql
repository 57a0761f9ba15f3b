-- Every insight function, task and model, printed so that two databases can
-- be compared line by line: test/citus/run_citus_tests.sh runs it on the
-- Citus coordinator (order_lines distributed by customer) and on a single
-- node (order_lines a plain table, same rows) and fails on any difference.
--
-- Values are printed as PostgreSQL prints them (float8 in its shortest exact
-- form), so equal lines mean bit-for-bit equal results; a result that
-- involves the clock is listed in :volatile_output and only counted.
\set ON_ERROR_STOP 1
SET client_min_messages = warning;
\pset format unaligned
\pset tuples_only on

SET client_min_messages = error;  -- (Citus: "will be created only locally")
-- insight_digest_all(stage, customer): every function of the extension that
-- reads data and that can be called with its defaults (or with one customer
-- key), as rows and an md5 of the rows in text form.  An error is printed,
-- not raised: a function that fails on one side only is a difference too.
CREATE OR REPLACE FUNCTION pg_temp.insight_digest_all(stage text, customer text, volatile_output text[])
RETURNS TABLE (line text)
LANGUAGE plpgsql AS $$
DECLARE
    f record;
    call text;
    n bigint;
    digest text;
BEGIN
    FOR f IN
        SELECT p.oid::regprocedure AS sig, p.proname, p.pronargs, p.pronargdefaults,
               (SELECT a FROM unnest(p.proargtypes::oid[]) WITH ORDINALITY u(a, i) WHERE i = 1) AS arg1
          FROM pg_proc p JOIN pg_depend d ON d.classid = 'pg_proc'::regclass AND d.objid = p.oid
                                         AND d.refclassid = 'pg_extension'::regclass AND d.deptype = 'e'
          JOIN pg_extension e ON e.oid = d.refobjid AND e.extname = 'insight'
         WHERE p.prokind = 'f' AND (p.provolatile <> 'v' OR p.proname = 'insight_sales_rows')
           -- (SQL text for the shards: NULL, or the view insight_sales, on a
           -- single node by design)
           AND p.proname NOT IN ('insight_sales_pushdown_lines', 'insight_sales_lines_from', 'insight_clv_summary_query')
           AND p.prorettype NOT IN ('trigger'::regtype, 'void'::regtype, 'internal'::regtype)
           AND (p.pronargs = p.pronargdefaults
                OR (p.pronargs - p.pronargdefaults = 1 AND p.proargnames[1] = 'customer'
                    AND p.proargtypes[0] = 'text'::regtype))
         ORDER BY p.oid::regprocedure::text
    LOOP
        call := format('%I.%I(%s)', 'public', f.proname,
                       CASE WHEN f.pronargs = f.pronargdefaults THEN '' ELSE quote_literal(customer) || '::text' END);
        BEGIN
            -- up to 50 rows as they are (compare.py allows 1e-12 relative
            -- in their numbers: an average over rows that Citus returns in
            -- another order), more as an md5
            EXECUTE format('SELECT count(*), CASE WHEN count(*) <= 50 THEN coalesce(string_agg(t::text, %L ORDER BY t::text), %L)
                                                  ELSE md5(string_agg(t::text, %L ORDER BY t::text)) END
                              FROM %s t', ' ; ', '', E'\n', call) INTO n, digest;
            IF f.proname = ANY (volatile_output) THEN
                digest := '(not compared: it prints the time)';
            END IF;
            line := format('%s %s: %s rows %s', stage, f.sig, n, digest);
        EXCEPTION WHEN OTHERS THEN
            line := format('%s %s: error %s', stage, f.sig, SQLERRM);
        END;
        RETURN NEXT;
    END LOOP;
END
$$;
SET client_min_messages = warning;

-- a review source with customers (on Citus distributed by customer,
-- co-located with the sales; the same rows on both sides): the 1,000 Amazon
-- sentences (UCI, Kotzias et al. 2015) given, two each at most, to the
-- sample's customers in key order, one every 6 hours from 2011-01-01 UTC, so
-- that the review functions, the sentiment task and the churn review
-- features are compared too (a synthetic join, for the comparison only)
CREATE TEMP TABLE reviews_raw (review text, label int);
\copy reviews_raw FROM 'test/data/reviews_amazon_cells_labelled.txt' WITH (FORMAT csv, DELIMITER E'\t', QUOTE E'\x01')
CREATE TABLE reviews AS
WITH r AS (SELECT row_number() OVER (ORDER BY ctid) AS n, review, label = 1 AS positive FROM reviews_raw),
     c AS (SELECT row_number() OVER (ORDER BY customer_id) AS k, customer_id
             FROM (SELECT DISTINCT customer_id FROM order_lines) d)
SELECT c.customer_id, r.n AS review_id, timestamptz '2011-01-01 00:00+00' + r.n * interval '6 hours' AS written_at,
       r.review, r.positive
  FROM r JOIN c ON c.k = (r.n + 1) / 2
 ORDER BY r.n;
DROP TABLE reviews_raw;
SELECT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'citus') AS on_citus \gset
\if :on_citus
SELECT count(*) AS distributed FROM (SELECT create_distributed_table('reviews', 'customer_id', colocate_with => 'order_lines')) d \gset
SELECT count(*) AS truncated FROM (SELECT truncate_local_data_after_distributing_table('reviews')) d \gset
\endif
SELECT 'reviews ' || count(*) || ' of ' || count(DISTINCT customer_id) || ' customers' FROM reviews;
SELECT insight_register_reviews('reviews', 'review', 'positive', customer_column => 'customer_id',
                                item_column => 'review_id', time_column => 'written_at') IS NULL;

-- before any training: the sources layer, features, RFM, CLV summaries
SELECT line FROM pg_temp.insight_digest_all('untrained', '12347', :'volatile_output');

-- the report's top items (insight_top_items takes a window, so the digest
-- does not call it): every item with a buyer in the autumn, ranked
SELECT 'top items ' || string_agg(format('%s:%s', t.item_id, t.buyers), ' ' ORDER BY t.buyers DESC, t.item_id)
  FROM insight_top_items('2011-09-01', '2011-12-01', 1, NULL) t;

-- the items' names (insight_register_items: each (item, name) counted in one
-- grouping, on the shards on Citus)
SELECT 'items named ' || insight_register_items('order_lines', 'stock_code', 'description');
SELECT 'items ' || md5(string_agg(format('%s|%s|%s', item_id, item_name, category), ',' ORDER BY item_id)) FROM insight_items;

-- every task, trained as the demo trains them
SELECT 'train sentiment ' || (insight_train_sentiment() IS NOT NULL);
SELECT 'train churn ' || (insight_train_churn() IS NOT NULL);
SELECT 'train churn gbdt ' || (insight_train_churn(algorithm => 'gbdt') IS NOT NULL);
SELECT 'train churn with review features ' || (insight_train_churn(params => '{"review_features": true}') IS NOT NULL);
SELECT 'train clv ' || (insight_train_clv() IS NOT NULL);
SELECT 'train segments ' || (insight_train_segments() IS NOT NULL);
-- (SASRec small: its purchases are pushed down on Citus; its model is compared)
SELECT 'train recommender sasrec ' || (insight_train_recommender('sasrec', '{"epochs": 2, "hidden": 16, "max_length": 20}') IS NOT NULL);
SELECT 'train recommender als ' || (insight_train_recommender('als') IS NOT NULL);
SELECT 'train recommender itemknn ' || (insight_train_recommender('itemknn') IS NOT NULL);
SELECT 'train propensity ' || (insight_train_propensity() IS NOT NULL);
SELECT 'train value ' || (insight_train_value() IS NOT NULL);
CALL insight_retrain();
-- a task whose model did not beat its baseline on this sample has no model in
-- service: its newest candidate serves, so that its functions are compared too
SELECT format('activated %s v%s', m.task, m.version)
  FROM insight_models m
 WHERE NOT EXISTS (SELECT 1 FROM insight_models a WHERE a.task = m.task AND a.status = 'active')
   AND m.model_id = (SELECT max(c.model_id) FROM insight_models c WHERE c.task = m.task)
   AND insight_activate(m.model_id) IS NOT NULL
 ORDER BY m.task;

-- the models: weights, preprocessing, evaluation and metrics, bit for bit
-- (metrics without the keys that measure time)
SELECT format('model %s %s v%s %s as_of %s weights %s preprocessing %s evaluation %s metrics %s',
              task, algorithm, version, status, trained_as_of, md5(weights), md5(preprocessing),
              md5(evaluation_weights),
              (SELECT jsonb_object_agg(k, v)::text FROM jsonb_each(metrics) m(k, v)
                WHERE k !~ '(seconds|_ms|time|duration|_at)$'))
  FROM insight_models ORDER BY model_id;
SELECT format('training run %s %s %s rows %s model %s %s', task, algorithm, status, rows_used, model_id, error_message) FROM insight_training_runs ORDER BY run_id;

-- every function again, with the models in service
SELECT line FROM pg_temp.insight_digest_all('trained', '12347', :'volatile_output');
