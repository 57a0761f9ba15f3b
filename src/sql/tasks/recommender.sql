-- ---------------------------------------------------------------------------
-- The recommender task: offline evaluation on a time split, training,
-- registry, and serving (insight_recommend, insight_similar_items).
-- ---------------------------------------------------------------------------

CREATE FUNCTION @extschema@.insight_recommender_metrics(model bytea, test_query text, k int DEFAULT 10)
RETURNS jsonb
LANGUAGE plpgsql STABLE
AS $$
DECLARE
    result pg_catalog.jsonb;
BEGIN
    IF k IS NULL OR k OPERATOR(pg_catalog.<) 1 THEN
        RAISE EXCEPTION 'k must be at least 1, not %', k USING ERRCODE = 'invalid_parameter_value';
    END IF;
    -- test_query: rows (customer_id text, relevant text[]): the items each test customer bought
    EXECUTE pg_catalog.format($q$
        WITH t AS MATERIALIZED (
            SELECT q.customer_id::pg_catalog.text AS customer_id, q.relevant::pg_catalog.text[] AS relevant,
                   pg_catalog.row_number() OVER () AS n
              FROM (%s) q(customer_id, relevant)
             WHERE pg_catalog.cardinality(q.relevant) OPERATOR(pg_catalog.>) 0
        ),
        r AS (
            SELECT t.customer_id, x.item_key, x.rank, x.item_key OPERATOR(pg_catalog.=) ANY (t.relevant) AS hit
              FROM @extschema@.insight_recommend_each(
                       $1, (SELECT pg_catalog.array_agg(t.customer_id ORDER BY t.n) FROM t), $2) x
              JOIN t ON t.n OPERATOR(pg_catalog.=) x.user_index
        ),
        c AS (
            SELECT r.customer_id, r.rank, r.hit,
                   pg_catalog.count(*) FILTER (WHERE r.hit) OVER (PARTITION BY r.customer_id ORDER BY r.rank) AS hits_so_far
              FROM r
        ),
        per AS (
            SELECT t.customer_id,
                   pg_catalog.count(*) FILTER (WHERE c.hit) AS hits,
                   pg_catalog.cardinality(t.relevant) AS relevant,
                   COALESCE(pg_catalog.sum(1.0 OPERATOR(pg_catalog./) pg_catalog.log(2.0, c.rank OPERATOR(pg_catalog.+) 1.0)) FILTER (WHERE c.hit), 0) AS dcg,
                   (SELECT pg_catalog.sum(1.0 OPERATOR(pg_catalog./) pg_catalog.log(2.0, i OPERATOR(pg_catalog.+) 1.0))
                      FROM pg_catalog.generate_series(1, LEAST(pg_catalog.cardinality(t.relevant), $2)) i) AS idcg,
                   COALESCE(pg_catalog.sum(c.hits_so_far::numeric OPERATOR(pg_catalog./) c.rank) FILTER (WHERE c.hit), 0)
                       OPERATOR(pg_catalog./) LEAST(pg_catalog.cardinality(t.relevant), $2) AS ap
              FROM t LEFT JOIN c ON c.customer_id OPERATOR(pg_catalog.=) t.customer_id
             GROUP BY t.customer_id, t.relevant
        )
        SELECT pg_catalog.jsonb_build_object(
                   'k', $2,
                   'customers', pg_catalog.count(*),
                   'hit_rate', pg_catalog.avg((per.hits OPERATOR(pg_catalog.>) 0)::int)::pg_catalog.float8,
                   'precision', pg_catalog.avg(per.hits::numeric OPERATOR(pg_catalog./) $2)::pg_catalog.float8,
                   'recall', pg_catalog.avg(per.hits::numeric OPERATOR(pg_catalog./) per.relevant)::pg_catalog.float8,
                   'ndcg', pg_catalog.avg(per.dcg OPERATOR(pg_catalog./) per.idcg)::pg_catalog.float8,
                   'map', pg_catalog.avg(per.ap)::pg_catalog.float8,
                   'coverage', (SELECT pg_catalog.count(DISTINCT r.item_key) FROM r)::pg_catalog.float8
                               OPERATOR(pg_catalog./) (SELECT CASE WHEN n.items OPERATOR(pg_catalog.<>) 0 THEN n.items END
                                                         FROM (SELECT (@extschema@.insight_model_info($1)
                                                                       OPERATOR(pg_catalog.->>) 'items')::pg_catalog.float8 AS items) n))
          FROM per $q$, test_query)
    INTO result USING model, k;
    RETURN result;
END
$$;

COMMENT ON FUNCTION @extschema@.insight_recommender_metrics(bytea, text, int) IS
'Offline top-k metrics of a recommender model. test_query returns rows (customer_id, relevant text[]): the items each test customer went on to buy; each gets the k items of insight_recommend_from(model, customer_id, k) (their training items excluded), all of them from one call of insight_recommend_each, which finds or decodes the model once; the means over customers are returned as jsonb: hit_rate (share with at least one relevant item in the k), precision (hits / k), recall (hits / relevant), ndcg (DCG with gain 1/log2(rank + 1) over the ideal DCG of min(relevant, k) hits; Jarvelin & Kekalainen 2002), map (average precision at k divided by min(relevant, k), as ml_metrics apk), and coverage (distinct items recommended / items in the model). Customers with no relevant item are left out.';

-- Validate and complete the parameters of a recommender algorithm.
CREATE FUNCTION @extschema@.insight_recommender_params(algorithm text, params jsonb)
RETURNS jsonb
LANGUAGE plpgsql IMMUTABLE
AS $$
DECLARE
    defaults pg_catalog.jsonb;
    key pg_catalog.text;
    lo integer;
    hi integer;
BEGIN
    defaults := CASE
        WHEN algorithm OPERATOR(pg_catalog.=) 'als' THEN '{"factors": 64, "regularization": 0.01, "alpha": 1.0, "iterations": 15, "seed": 0, "solver": "cg", "cg_steps": 4}'::pg_catalog.jsonb
        WHEN algorithm OPERATOR(pg_catalog.=) 'itemknn' THEN '{"neighbors": 100, "similarity": "cosine"}'::pg_catalog.jsonb
        WHEN algorithm OPERATOR(pg_catalog.=) 'popularity' THEN '{}'::pg_catalog.jsonb
        -- insight_sasrec_fit's defaults
        WHEN algorithm OPERATOR(pg_catalog.=) 'sasrec' THEN '{"max_length": 50, "hidden": 50, "blocks": 2, "heads": 1, "dropout": 0.5, "epochs": 20, "batch_size": 128, "learning_rate": 0.001, "negatives": 1, "seed": 0}'::pg_catalog.jsonb
    END;
    IF defaults IS NULL THEN
        RAISE EXCEPTION 'unrecognized recommender algorithm "%"', algorithm
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Valid algorithms are als, itemknn, popularity and sasrec.';
    END IF;
    defaults := defaults OPERATOR(pg_catalog.||) '{"measure": "orders"}'::pg_catalog.jsonb;
    params := COALESCE(params, '{}');
    IF pg_catalog.jsonb_typeof(params) OPERATOR(pg_catalog.<>) 'object' THEN
        RAISE EXCEPTION 'params must be a JSON object' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    FOR key IN SELECT pg_catalog.jsonb_object_keys(params) LOOP
        IF NOT defaults OPERATOR(pg_catalog.?) key THEN
            RAISE EXCEPTION 'unrecognized parameter "%" for algorithm %', key, algorithm
                USING ERRCODE = 'invalid_parameter_value',
                      HINT = pg_catalog.format('Valid parameters are: %s.',
                          (SELECT pg_catalog.string_agg(k, ', ' ORDER BY k) FROM pg_catalog.jsonb_object_keys(defaults) k));
        END IF;
    END LOOP;
    params := defaults OPERATOR(pg_catalog.||) params;
    -- the sizes, checked before any work with the bounds of the fitting
    -- functions (insight_als_fit, insight_itemknn_fit, insight_sasrec_fit)
    FOR key, lo, hi IN VALUES ('factors', 1, 4096), ('iterations', 1, 10000), ('neighbors', 1, 100000), ('cg_steps', 1, 4096),
                              ('max_length', 1, 1024), ('hidden', 1, 4096), ('blocks', 0, 6), ('heads', 1, 4096),
                              ('epochs', 1, 100000), ('batch_size', 1, 65536), ('negatives', 1, 1000) LOOP
        IF params OPERATOR(pg_catalog.?) key
           AND (pg_catalog.jsonb_typeof(params OPERATOR(pg_catalog.->) key) OPERATOR(pg_catalog.<>) 'number'
                OR (params OPERATOR(pg_catalog.->>) key)::pg_catalog.numeric OPERATOR(pg_catalog.<>) pg_catalog.trunc((params OPERATOR(pg_catalog.->>) key)::pg_catalog.numeric)
                OR (params OPERATOR(pg_catalog.->>) key)::pg_catalog.numeric NOT BETWEEN lo AND hi) THEN
            RAISE EXCEPTION '% must be a whole number between % and %, not %', key, lo, hi, params OPERATOR(pg_catalog.->) key
                USING ERRCODE = 'invalid_parameter_value',
                      DETAIL = pg_catalog.format('%s is a size of the %s model; it is checked before any data is read.', key, algorithm);
        END IF;
    END LOOP;
    IF params OPERATOR(pg_catalog.?) 'solver'
       AND NOT (params OPERATOR(pg_catalog.->) 'solver') OPERATOR(pg_catalog.<@) '["cg", "exact"]'::pg_catalog.jsonb THEN
        RAISE EXCEPTION 'unknown ALS solver %', params OPERATOR(pg_catalog.->) 'solver'
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = 'The solver finds each user''s and item''s factors in a half-step of ALS.',
                  HINT = 'Use "cg" (conjugate gradients, the default) or "exact" (Cholesky).';
    END IF;
    RETURN params;
END
$$;

COMMENT ON FUNCTION @extschema@.insight_recommender_params(text, jsonb) IS
'The parameters of a recommender algorithm (als, itemknn, popularity, sasrec) with their defaults filled in (sasrec: those of insight_sasrec_fit), plus measure (orders; for sasrec it shapes only the evaluation''s test set); errors for an unknown algorithm or parameter, and (22023, before any work) for a size out of its bounds: factors 1..4096, iterations 1..10000, neighbors 1..100000, cg_steps 1..4096, max_length 1..1024, hidden 1..4096, blocks 0..6, heads 1..4096, epochs 1..100000, batch_size 1..65536, negatives 1..1000, whole numbers, and for an ALS solver other than "cg" or "exact" (the other sasrec arguments are checked by insight_sasrec_fit before it reads any row). Used by insight_train_recommender.';

-- Fit one recommender over the interactions a query returns.
CREATE FUNCTION @extschema@.insight_recommender_fit(algorithm text, params jsonb, query text)
RETURNS bytea
LANGUAGE plpgsql
AS $$
BEGIN
    RETURN CASE
        WHEN algorithm OPERATOR(pg_catalog.=) 'als' THEN @extschema@.insight_als_fit(query, (params OPERATOR(pg_catalog.->>) 'factors')::int,
                (params OPERATOR(pg_catalog.->>) 'regularization')::pg_catalog.float8, (params OPERATOR(pg_catalog.->>) 'alpha')::pg_catalog.float8,
                (params OPERATOR(pg_catalog.->>) 'iterations')::int, (params OPERATOR(pg_catalog.->>) 'seed')::bigint,
                -- models trained before the solver existed (no key) were exact
                COALESCE(params OPERATOR(pg_catalog.->>) 'solver', 'exact'), COALESCE((params OPERATOR(pg_catalog.->>) 'cg_steps')::int, 4))
        WHEN algorithm OPERATOR(pg_catalog.=) 'itemknn' THEN @extschema@.insight_itemknn_fit(query, (params OPERATOR(pg_catalog.->>) 'neighbors')::int,
                params OPERATOR(pg_catalog.->>) 'similarity')
        -- sequences: the query gives (customer, item, event_time); the
        -- histories come from the same read of the rows (with_history)
        WHEN algorithm OPERATOR(pg_catalog.=) 'sasrec' THEN @extschema@.insight_sasrec_fit(query,
                (params OPERATOR(pg_catalog.->>) 'max_length')::int, (params OPERATOR(pg_catalog.->>) 'hidden')::int,
                (params OPERATOR(pg_catalog.->>) 'blocks')::int, (params OPERATOR(pg_catalog.->>) 'heads')::int,
                (params OPERATOR(pg_catalog.->>) 'dropout')::pg_catalog.float8, (params OPERATOR(pg_catalog.->>) 'epochs')::int,
                (params OPERATOR(pg_catalog.->>) 'batch_size')::int, (params OPERATOR(pg_catalog.->>) 'learning_rate')::pg_catalog.float8,
                (params OPERATOR(pg_catalog.->>) 'negatives')::int, (params OPERATOR(pg_catalog.->>) 'seed')::bigint, true)
        ELSE @extschema@.insight_popularity_fit(query) END;
END
$$;

COMMENT ON FUNCTION @extschema@.insight_recommender_fit(text, jsonb, text) IS
'Fit a recommender of the given algorithm with complete parameters (insight_recommender_params) over a query: of interactions (customer_id, item_id, value) for als, itemknn and popularity; of purchases (customer, item, event_time) for sasrec, whose model gets the customers'' histories from the same read of the rows (insight_sasrec_fit with with_history: the model of insight_sasrec_with_history over the same query, the rows read once). insight_recommender_rows gives the query of each. Used by insight_train_recommender.';

-- The query a recommender's trainer reads its interactions with when they
-- are on the shards: collected there by insight_interactions_pack, one
-- partial state per shard reaching the coordinator, and given back by
-- insight_interactions_unpack.
CREATE FUNCTION @extschema@.insight_packed_interactions_sql(rows_from text)
RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
AS $$
SELECT pg_catalog.format($q$WITH p AS MATERIALIZED (
    SELECT %1$I.insight_interactions_pack(t.customer_id, t.item_id, t.value) AS packed FROM %2$s t)
SELECT u.customer_id, u.item_id, u.value FROM p, %1$I.insight_interactions_unpack(p.packed) u$q$, '@extschema@', $1)
$$;

COMMENT ON FUNCTION @extschema@.insight_packed_interactions_sql(text) IS
'The query (SQL text) a recommender''s trainer (insight_als_fit, insight_itemknn_fit, insight_popularity_fit) reads interactions with when they are on the shards: rows_from is a FROM item (a table, or a query in parentheses) with the columns customer_id, item_id (text) and value (float8): this backend''s table of training interactions on the shards (insight_training_table), or insight_interactions_sql in parentheses. The rows are collected by insight_interactions_pack, which Citus runs on each shard (worker_partial_agg), so that one partial state per shard reaches the coordinator instead of one row per (customer, item) pair, and given back by insight_interactions_unpack; the trainers number the keys and sum duplicate pairs in an order of their own, so the model is the one of the rows read directly, to the last bit. NULL for NULL.';

-- The training rows of an algorithm before a cut-off.
CREATE FUNCTION @extschema@.insight_recommender_rows(algorithm text, params jsonb, before timestamptz)
RETURNS text
LANGUAGE sql STABLE
AS $$
    SELECT CASE WHEN algorithm OPERATOR(pg_catalog.=) 'sasrec' AND l.lines IS NOT NULL
                -- on Citus: the distinct purchases, grouped by the
                -- distribution column on the shards (the fit reads distinct
                -- rows), each numbered in its customer's sequence there (by
                -- time, then item text in byte order: the fit's order) and
                -- collected by insight_interactions_pack with that number as
                -- the value (one partial state per shard reaches the
                -- coordinator); the fit reads the number as a time
                -- (to_timestamp(n): the order is all it reads of the time),
                -- so the model is the single node's
                THEN pg_catalog.format($q$WITH p AS MATERIALIZED (
    SELECT %1$I.insight_interactions_pack(n.customer_id, n.item_id, n.place) AS packed
      FROM (SELECT d.customer_id, d.item_id,
                   pg_catalog.row_number() OVER (PARTITION BY d.customer_key, d.customer_id
                                                 ORDER BY d.ordered_at, d.item_id COLLATE "C")::pg_catalog.float8 AS place
              FROM (SELECT s.customer_id AS customer_key, s.customer_id::pg_catalog.text AS customer_id,
                           s.item_id::pg_catalog.text AS item_id, s.ordered_at
                      FROM (%2$s) s
                     WHERE s.quantity OPERATOR(pg_catalog.>) 0 AND s.ordered_at OPERATOR(pg_catalog.<) %3$L::pg_catalog.timestamptz
                       AND s.customer_id IS NOT NULL AND s.item_id IS NOT NULL
                     GROUP BY s.customer_id, 2, 3, s.ordered_at) d) n)
SELECT u.customer_id, u.item_id, pg_catalog.to_timestamp(u.value) AS ordered_at
  FROM p, %1$I.insight_interactions_unpack(p.packed) u$q$, '@extschema@', l.lines, before)
                WHEN algorithm OPERATOR(pg_catalog.=) 'sasrec'
                THEN pg_catalog.format('SELECT customer_id, item_id, ordered_at FROM @extschema@.insight_sales WHERE quantity > 0 AND ordered_at < %L', before)
                -- on Citus: the pairs collected on the shards (one partial
                -- state per shard reaches the coordinator)
                ELSE COALESCE(@extschema@.insight_packed_interactions_sql(
                                  '(' OPERATOR(pg_catalog.||) @extschema@.insight_interactions_sql(before, NULL, params OPERATOR(pg_catalog.->>) 'measure')
                                      OPERATOR(pg_catalog.||) ')'),
                              pg_catalog.format('SELECT customer_id, item_id, value FROM @extschema@.insight_interactions(%L, NULL, %L)',
                                                before, params OPERATOR(pg_catalog.->>) 'measure')) END
      FROM (SELECT @extschema@.insight_sales_pushdown_lines() AS lines) l
$$;

COMMENT ON FUNCTION @extschema@.insight_recommender_rows(text, jsonb, timestamptz) IS
'The query insight_recommender_fit reads for an algorithm, over the registered sales strictly before a cut-off: for sasrec the purchases (insight_sales lines with quantity > 0 as customer_id, item_id, ordered_at; on Citus, for a source distributed by customer, the distinct such rows (grouped by the distribution column) numbered in their customer''s sequence on the shards (row_number() by time, then item text in byte order, the order insight_sasrec_fit reads them in) and collected there by insight_interactions_pack with that number as the value, so that one partial state per shard reaches the coordinator instead of one row per distinct purchase; given back by insight_interactions_unpack with the number as ordered_at = to_timestamp(n), since the fit reads nothing of the time but its order: the same model, histories and evaluation as the single node''s, to the bit), for the others the interactions of insight_interactions(before, NULL, params->>''measure''); on Citus, for a source distributed by customer, those interactions (insight_interactions_sql) collected on the shards by insight_interactions_pack (insight_packed_interactions_sql), so that one partial state per shard reaches the coordinator, and the same model. Used by insight_train_recommender''s evaluate and serve steps and by insight_recommender_group_scores.';

-- The recommender task's steps (see tasks/train.sql).  Evaluation on a time
-- split: fit on purchases before as_of - holdout, test on the new purchases
-- in [as_of - holdout, as_of).  They run with the caller's settings.
CREATE FUNCTION @extschema@.insight_recommender_setup(algorithm text, params jsonb, as_of timestamptz, holdout interval)
RETURNS @extschema@.insight_training
LANGUAGE plpgsql
AS $$
DECLARE
    t @extschema@.insight_training;
    split pg_catalog.timestamptz;
BEGIN
    t.params := @extschema@.insight_recommender_params(algorithm, params);
    IF holdout IS NULL OR holdout OPERATOR(pg_catalog.<=) interval '0' THEN
        RAISE EXCEPTION 'holdout must be a positive interval' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    t.task := 'recommender';
    t.algorithm := algorithm;
    t.trained_as_of := COALESCE(as_of, @extschema@.insight_default_as_of());
    split := t.trained_as_of OPERATOR(pg_catalog.-) holdout;
    t.setup := pg_catalog.jsonb_build_object('split', split,
        'temp_tables', pg_catalog.jsonb_build_array('insight_rec_train', 'insight_rec_test'));
    t.metrics := pg_catalog.jsonb_build_object('split', split, 'as_of', t.trained_as_of, 'holdout', holdout::pg_catalog.text);
    RETURN t;
END
$$;

COMMENT ON FUNCTION @extschema@.insight_recommender_setup(text, jsonb, timestamptz, interval) IS
'The recommender task''s entry step: validates the arguments of insight_train_recommender() (params with their defaults, insight_recommender_params) and returns the insight_training that insight_train_task() takes.';

-- The recommender test rows' query on the shards (insight_recommender_prepare):
-- each customer's new items in [split, as_of), the interactions joined to the
-- training table on the customer key (the distribution column of both) by an
-- anti-join, so that Citus runs it whole on each shard.
CREATE FUNCTION @extschema@.insight_recommender_test_sql(as_of timestamptz, split timestamptz, measure text, train_table text)
RETURNS text
LANGUAGE sql STABLE
AS $$
    SELECT pg_catalog.format($q$
        SELECT h.customer_key, h.customer_id, pg_catalog.array_agg(h.item_id ORDER BY h.item_id),
               k.customer_key IS NOT NULL
          FROM (%1$s) h(customer_key, customer_id, item_id, value)
          LEFT JOIN (SELECT DISTINCT r.customer_key FROM %2$s r) k
            ON k.customer_key OPERATOR(pg_catalog.=) h.customer_key
          LEFT JOIN %2$s r
            ON r.customer_key OPERATOR(pg_catalog.=) h.customer_key AND r.item_id OPERATOR(pg_catalog.=) h.item_id
         WHERE r.customer_key IS NULL
         GROUP BY h.customer_key, h.customer_id, k.customer_key $q$, i.query, train_table)
      FROM (SELECT @extschema@.insight_interactions_sql(as_of, split, measure) AS query) i
     WHERE i.query IS NOT NULL
$$;

COMMENT ON FUNCTION @extschema@.insight_recommender_test_sql(timestamptz, timestamptz, text, text) IS
'The query (SQL text) that fills the recommender task''s test table on the shards (insight_recommender_prepare, through insight_training_table): per customer with interactions in [split, as_of) (insight_interactions_sql(as_of, split, measure)), the customer key, the customer as text, the items not in the training table train_table (a qualified, quoted relation name, as insight_training_table returns it, pasted into the query as it is: a table co-located with the source with the columns customer_key, customer_id, item_id, value) in item order, and whether the customer has training interactions; an anti-join on the customer key, the distribution column of both, so that Citus runs it whole on each shard. NULL when the source is not distributed by customer (insight_interactions_sql NULL).';

CREATE FUNCTION @extschema@.insight_recommender_prepare(t @extschema@.insight_training)
RETURNS @extschema@.insight_training
LANGUAGE plpgsql
AS $$
DECLARE
    measure pg_catalog.text := t.params OPERATOR(pg_catalog.->>) 'measure';
    split pg_catalog.timestamptz := (t.setup OPERATOR(pg_catalog.->>) 'split')::pg_catalog.timestamptz;
    train pg_catalog.text;
    test pg_catalog.text;
    n_train bigint;
    n_test bigint;
    n_unknown bigint;
BEGIN
    -- the time split: fit before split, test on what customers bought in [split, as_of)
    -- that they had not bought before; on Citus, for a source distributed
    -- by customer, both tables on the shards (co-located with the source),
    -- each filled by one INSERT ... SELECT that runs whole on each shard
    train := @extschema@.insight_training_table('insight_rec_train',
        pg_catalog.format('SELECT i.customer_id, i.item_id, i.value FROM %I.insight_interactions(%L::pg_catalog.timestamptz, NULL, %L) i',
                          '@extschema@', split, measure),
        @extschema@.insight_interactions_sql(split, NULL, measure),
        'customer_id text, item_id text, value float8');
    EXECUTE pg_catalog.format('ANALYZE %s', train);
    -- (known: a join with the training customers, not "= ANY (SELECT ...)":
    -- a subplan the planner hashes only while the training rows fit in
    -- hash_mem, and otherwise scans again for every test row, which never
    -- ended at 10 million lines; docs/benchmarks.md, "Scale on one machine")
    test := @extschema@.insight_training_table('insight_rec_test',
        pg_catalog.format($q$
        SELECT h.customer_id, pg_catalog.array_agg(h.item_id ORDER BY h.item_id) AS relevant,
               k.customer_id IS NOT NULL AS known
          FROM %1$I.insight_interactions(%2$L::pg_catalog.timestamptz, %3$L::pg_catalog.timestamptz, %4$L) h
          LEFT JOIN (SELECT DISTINCT r.customer_id FROM pg_temp.insight_rec_train r) k
            ON k.customer_id OPERATOR(pg_catalog.=) h.customer_id
         WHERE NOT EXISTS (SELECT 1 FROM pg_temp.insight_rec_train r
                            WHERE r.customer_id OPERATOR(pg_catalog.=) h.customer_id
                              AND r.item_id OPERATOR(pg_catalog.=) h.item_id)
         GROUP BY h.customer_id, k.customer_id $q$, '@extschema@', t.trained_as_of, split, measure),
        @extschema@.insight_recommender_test_sql(t.trained_as_of, split, measure, train),
        'customer_id text, relevant text[], known boolean');
    EXECUTE pg_catalog.format('ANALYZE %s', test);
    EXECUTE pg_catalog.format('SELECT pg_catalog.count(*) FROM %s', train) INTO n_train;
    EXECUTE pg_catalog.format('SELECT pg_catalog.count(*), pg_catalog.count(*) FILTER (WHERE NOT r.known) FROM %s r', test)
       INTO n_test, n_unknown;
    IF n_train OPERATOR(pg_catalog.=) 0 OR n_test OPERATOR(pg_catalog.=) 0 THEN
        RAISE EXCEPTION 'no interactions on one side of the evaluation split'
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = pg_catalog.format('Training uses purchases before %s, the test the new purchases in [%s, %s).',
                                             split, split, t.trained_as_of),
                  HINT = 'Choose as_of and holdout so that both periods have purchases.';
    END IF;
    t.metrics := t.metrics OPERATOR(pg_catalog.||) pg_catalog.jsonb_build_object(
        'train_interactions', n_train, 'test_customers', n_test, 'test_customers_without_history', n_unknown);
    RETURN t;
END
$$;

COMMENT ON FUNCTION @extschema@.insight_recommender_prepare(@extschema@.insight_training) IS
'Recommender step prepare: the interactions before the split (insight_rec_train: customer_id, item_id, value) and, per customer, the items first bought in [split, as_of) (insight_rec_test: customer_id, relevant text[] in item order, known: the customer has training interactions), tables of insight_training_table: temporary tables, or on Citus, for a source distributed by customer, tables co-located with the source filled on the shards by one INSERT ... SELECT each (insight_interactions_sql; the test rows joined to the training table on the customer key), so that no row reaches the coordinator; 22023 when either side is empty.';

-- The query the recommender task's metrics read its test rows with
-- (insight_recommender_evaluate): from the temporary table as they are; from
-- the table on the shards, each customer's new items collected there as
-- pairs (insight_interactions_pack), one partial state per shard reaching
-- the coordinator, and gathered back into each customer's array (the metrics
-- read the items as a set: their order does not matter).
CREATE FUNCTION @extschema@.insight_recommender_test_query(test_rows text)
RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
AS $$
SELECT CASE WHEN $1 OPERATOR(pg_catalog.=) 'pg_temp.insight_rec_test'
            THEN 'SELECT customer_id, relevant FROM pg_temp.insight_rec_test'
            ELSE pg_catalog.format('SELECT p.customer_id, pg_catalog.array_agg(p.item_id) FROM (%s) p GROUP BY p.customer_id',
                     @extschema@.insight_packed_interactions_sql(pg_catalog.format(
                         '(SELECT r.customer_id, i.item_id, 1::pg_catalog.float8 AS value FROM %s r CROSS JOIN LATERAL pg_catalog.unnest(r.relevant) i(item_id))',
                         $1))) END
$$;

COMMENT ON FUNCTION @extschema@.insight_recommender_test_query(text) IS
'The query (SQL text) insight_recommender_metrics reads the recommender task''s test rows (customer_id, relevant text[]) with, from test_rows, the relation of insight_training_relation(''insight_rec_test''): the temporary table pg_temp.insight_rec_test as it is; this backend''s table on the shards (Citus, a source distributed by customer) through insight_packed_interactions_sql over each customer''s new items as pairs (value 1), so that one partial state per shard reaches the coordinator instead of one row per test customer, gathered back into each customer''s array there (in another order of the items: the metrics read them as a set). NULL for NULL.';

CREATE FUNCTION @extschema@.insight_recommender_evaluate(t @extschema@.insight_training)
RETURNS @extschema@.insight_training
LANGUAGE plpgsql
AS $$
DECLARE
    train_rows constant pg_catalog.text := @extschema@.insight_training_relation('insight_rec_train');
    -- on the shards: collected there (insight_interactions_pack), one
    -- partial state per shard reaching the coordinator
    interactions constant pg_catalog.text := CASE WHEN train_rows OPERATOR(pg_catalog.=) 'pg_temp.insight_rec_train'
        THEN 'SELECT customer_id, item_id, value FROM pg_temp.insight_rec_train'
        ELSE @extschema@.insight_packed_interactions_sql(train_rows) END;
    -- on the shards: the test rows collected there (insight_recommender_test_query)
    test_query constant pg_catalog.text := @extschema@.insight_recommender_test_query(
                                              @extschema@.insight_training_relation('insight_rec_test'));
    -- the interactions before the split are insight_rec_train already;
    -- sasrec reads the purchases before it
    train_query constant pg_catalog.text := CASE WHEN t.algorithm OPERATOR(pg_catalog.=) 'sasrec'
        THEN @extschema@.insight_recommender_rows(t.algorithm, t.params, (t.setup OPERATOR(pg_catalog.->>) 'split')::pg_catalog.timestamptz)
        ELSE interactions END;
    m pg_catalog.jsonb;
    b pg_catalog.jsonb;
BEGIN
    -- the evaluation model is not kept: the rule compares stored NDCG@10
    m := @extschema@.insight_recommender_metrics(@extschema@.insight_recommender_fit(t.algorithm, t.params, train_query), test_query, 10);
    b := @extschema@.insight_recommender_metrics(@extschema@.insight_popularity_fit(interactions), test_query, 10);
    t.score := (m OPERATOR(pg_catalog.->>) 'ndcg')::pg_catalog.float8;
    t.baseline_score := (b OPERATOR(pg_catalog.->>) 'ndcg')::pg_catalog.float8;
    t.metrics := t.metrics OPERATOR(pg_catalog.||) pg_catalog.jsonb_build_object('k', 10)
                 OPERATOR(pg_catalog.||) @extschema@.insight_recommender_at_10(m)
                 OPERATOR(pg_catalog.||) pg_catalog.jsonb_build_object('baseline',
                     pg_catalog.jsonb_build_object('algorithm', 'popularity') OPERATOR(pg_catalog.||) @extschema@.insight_recommender_at_10(b));
    RETURN t;
END
$$;

COMMENT ON FUNCTION @extschema@.insight_recommender_evaluate(@extschema@.insight_training) IS
'Recommender step evaluate: fits the algorithm (on insight_rec_train; sasrec on the purchases before the split, insight_recommender_rows) and the popularity baseline (on insight_rec_train) and scores both on insight_rec_test (insight_recommender_metrics at k = 10; score: NDCG@10). With the tables on the shards (insight_training_relation), the fits read the training interactions collected there by insight_interactions_pack (insight_packed_interactions_sql: one partial state per shard reaches the coordinator; the same models), and the metrics read the test rows collected there the same way (insight_recommender_test_query: one partial state per shard instead of one row per test customer).';

-- Top-level metrics names of insight_recommender_metrics at k = 10.
CREATE FUNCTION @extschema@.insight_recommender_at_10(m jsonb)
RETURNS jsonb
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
    SELECT pg_catalog.jsonb_object_agg(x.key OPERATOR(pg_catalog.||) '_at_10', m OPERATOR(pg_catalog.->) x.key)
      FROM pg_catalog.unnest(ARRAY['hit_rate', 'precision', 'recall', 'ndcg', 'map', 'coverage']) x(key)
$$;

COMMENT ON FUNCTION @extschema@.insight_recommender_at_10(jsonb) IS
'hit_rate, precision, recall, ndcg, map and coverage of insight_recommender_metrics(..., 10) as hit_rate_at_10, ..., coverage_at_10: the names in a recommender model''s metrics.';

CREATE FUNCTION @extschema@.insight_recommender_serve(t @extschema@.insight_training)
RETURNS @extschema@.insight_training
LANGUAGE plpgsql
AS $$
BEGIN
    -- the serving model: every purchase before as_of
    t.weights := @extschema@.insight_recommender_fit(t.algorithm, t.params,
        @extschema@.insight_recommender_rows(t.algorithm, t.params, t.trained_as_of));
    RETURN t;
END
$$;

COMMENT ON FUNCTION @extschema@.insight_recommender_serve(@extschema@.insight_training) IS
'Recommender step serve: fits the algorithm on every purchase before as_of (insight_recommender_rows; a sasrec model with the histories as of as_of).';

CREATE FUNCTION @extschema@.insight_recommender_compare(t @extschema@.insight_training, active @extschema@.insight_models)
RETURNS jsonb
LANGUAGE sql STABLE
AS $$ SELECT pg_catalog.jsonb_build_object('model_id', active.model_id,
                                           'ndcg_at_10', active.metrics OPERATOR(pg_catalog.->) 'ndcg_at_10') $$;

COMMENT ON FUNCTION @extschema@.insight_recommender_compare(@extschema@.insight_training, @extschema@.insight_models) IS
'Recommender step compare: the NDCG@10 the active model measured at its own training (its metrics), which the new model must reach.';

INSERT INTO @extschema@.insight_task_steps
    (task, prepare, evaluate, serve, compare, metric, higher_is_better, must_beat_baseline, kept_notice, builtin)
VALUES ('recommender', '@extschema@.insight_recommender_prepare(@extschema@.insight_training)',
        '@extschema@.insight_recommender_evaluate(@extschema@.insight_training)',
        '@extschema@.insight_recommender_serve(@extschema@.insight_training)',
        '@extschema@.insight_recommender_compare(@extschema@.insight_training, @extschema@.insight_models)',
        'ndcg_at_10', true, true,
        'recommender model %1$s stays a candidate: NDCG@10 %2$s is below the popularity baseline (%5$s) or the active model (%3$s)',
        true);

CREATE FUNCTION @extschema@.insight_train_recommender(algorithm text DEFAULT 'als', params jsonb DEFAULT '{}',
    as_of timestamptz DEFAULT NULL, holdout interval DEFAULT '30 days')
RETURNS bigint
LANGUAGE sql
AS $$ SELECT @extschema@.insight_train_task(@extschema@.insight_recommender_setup($1, $2, $3, $4)) $$;

COMMENT ON FUNCTION @extschema@.insight_train_recommender(text, jsonb, timestamptz, interval) IS
'Train, evaluate and register a recommender (algorithm als, itemknn, popularity or sasrec; params as the fit function''s arguments, plus measure: orders, quantity or log_quantity; sasrec fits over the purchases in time order, insight_sasrec_fit, and serves from the histories as of as_of, taken from the same read of the purchases, as insight_sasrec_with_history builds them). Evaluation on a time split: fit on purchases before as_of - holdout (as_of default: just after the last event); for every customer who buys in [as_of - holdout, as_of) items they had not bought before, recommend 10 unseen items and score hit rate, precision, recall, NDCG, MAP at 10 and catalogue coverage (insight_recommender_metrics), next to the popularity baseline on the same split. Then fits the serving model on all purchases before as_of and stores it (task recommender) with params and metrics (compared_with: the active model and its NDCG@10); it is activated when its NDCG@10 is at least the baseline''s and the active model''s. Runs through insight_train_task() (steps insight_recommender_*). Returns model_id.';

CREATE FUNCTION @extschema@.insight_recommend(customer text, k int DEFAULT 10, exclude_purchased boolean DEFAULT true)
RETURNS TABLE (item_id text, item_name text, score float8, rank int)
LANGUAGE plpgsql STABLE
AS $$
#variable_conflict use_column
BEGIN
    IF NOT EXISTS (SELECT 1 FROM @extschema@.insight_active_model('recommender')) THEN
        PERFORM @extschema@.insight_no_active_model('recommender');
    END IF;
    -- the weights go to the C function as stored (a TOAST pointer): the decoded
    -- model is cached per backend, so the value is not read again
    RETURN QUERY
    SELECT r.item_key, i.item_name, r.score, r.rank
      FROM @extschema@.insight_active_model('recommender') m
     CROSS JOIN LATERAL @extschema@.insight_recommend_from(m.weights, customer, k, exclude_purchased) r
      LEFT JOIN @extschema@.insight_items i ON i.item_id OPERATOR(pg_catalog.=) r.item_key
     ORDER BY r.rank;
END
$$;

COMMENT ON FUNCTION @extschema@.insight_recommend(text, int, boolean) IS
'The k items the active recommender model (insight_train_recommender) ranks best for a customer, with names from insight_register_items: (item_id as text, item_name, score, rank). exclude_purchased leaves out what the customer bought before the model''s as_of. A sasrec model scores every item from the customer''s latest items before its as_of (up to max_length; insight_sasrec_with_history). A customer without history, unknown or NULL gets the fallback: the most popular items (share of customers who bought them), ties broken by item key; never an error, never NaN. Raises 55000 "no recommender model is active" when none is.';

CREATE FUNCTION @extschema@.insight_recommend(customer anyelement, k int DEFAULT 10, exclude_purchased boolean DEFAULT true)
RETURNS TABLE (item_id text, item_name text, score float8, rank int)
LANGUAGE sql STABLE
AS $$ SELECT * FROM @extschema@.insight_recommend($1::pg_catalog.text, $2, $3) $$;

COMMENT ON FUNCTION @extschema@.insight_recommend(anyelement, int, boolean) IS
'insight_recommend for a customer key of any type (12347, 12347::bigint, a uuid): compared in its text form.';

CREATE FUNCTION @extschema@.insight_similar_items(item text, k int DEFAULT 10)
RETURNS TABLE (item_id text, item_name text, score float8, rank int)
LANGUAGE plpgsql STABLE
AS $$
#variable_conflict use_column
BEGIN
    IF NOT EXISTS (SELECT 1 FROM @extschema@.insight_active_model('recommender')) THEN
        PERFORM @extschema@.insight_no_active_model('recommender');
    END IF;
    RETURN QUERY
    SELECT r.item_key, i.item_name, r.score, r.rank
      FROM @extschema@.insight_active_model('recommender') m
     CROSS JOIN LATERAL @extschema@.insight_similar_items_from(m.weights, item, k) r
      LEFT JOIN @extschema@.insight_items i ON i.item_id OPERATOR(pg_catalog.=) r.item_key
     ORDER BY r.rank;
END
$$;

COMMENT ON FUNCTION @extschema@.insight_similar_items(text, int) IS
'The k items most similar to an item under the active recommender model (ALS: cosine of item factors; item-kNN: its neighbour list; SASRec: cosine of item embeddings), with names: (item_id, item_name, score, rank). No rows for an item the model has not seen; 0A000 when the active model is popularity; 55000 when no recommender model is active.';
