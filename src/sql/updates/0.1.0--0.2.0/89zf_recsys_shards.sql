-- Issue 19, the recommenders' training rows on the shards.  On Citus, with
-- the sales source distributed by its customer column, the recommender
-- task (ALS, item-kNN, popularity) builds its training interactions and its
-- test rows in tables co-located with the source, filled on the shards
-- (insight_training_table over insight_interactions_sql), and its trainers
-- read the interactions collected on the shards by insight_interactions_pack
-- (insight_rows_pack's machinery for (customer, item, value) rows): one
-- partial state per shard reaches the coordinator instead of one row per
-- pair; the serving fit and the propensity task's ALS comparator read
-- insight_interactions_sql packed the same way.  Elsewhere nothing changes.

--@ function src/sql/core/row_pack.sql insight_interactions_pack_accum
--@ comment src/sql/core/row_pack.sql insight_interactions_pack_accum

CREATE AGGREGATE @extschema@.insight_interactions_pack(customer_id text, item_id text, value float8) (
    SFUNC = @extschema@.insight_interactions_pack_accum,
    STYPE = bytea,
    COMBINEFUNC = @extschema@.insight_rows_pack_combine,
    FINALFUNC = @extschema@.insight_rows_pack_final,
    PARALLEL = SAFE
);

COMMENT ON AGGREGATE @extschema@.insight_interactions_pack(text, text, float8) IS
'Collects the interactions a recommender trains on (insight_als_fit, insight_itemknn_fit, insight_popularity_fit: customer_id text, item_id text, value float8) into one bytea, with NULLs kept, so that the trainer skips and counts the same rows as when it reads them: insight_rows_pack''s machinery (the same combine and final functions; one record of 24 bytes plus the two keys, padded to 8, per row). Its combine function concatenates partial states, so on Citus each shard collects its own rows (worker_partial_agg) and only one state per shard reaches the coordinator. insight_interactions_unpack gives the rows back, sorted by customer_id (the default collation, NULL last), then by their bytes: one order whatever the split (the recommenders'' trainers number the keys and sum duplicate pairs in an order of their own, so any order gives their model). At most 1 GB (54000 when more). NULL for no row.';

--@ function src/sql/core/row_pack.sql insight_interactions_unpack
--@ comment src/sql/core/row_pack.sql insight_interactions_unpack

--@ function src/sql/features/interactions.sql insight_interactions_sql
--@ comment src/sql/features/interactions.sql insight_interactions_sql
--@ function src/sql/features/interactions.sql insight_interactions
--@ comment src/sql/features/interactions.sql insight_interactions

--@ function src/sql/tasks/recommender.sql insight_packed_interactions_sql
--@ comment src/sql/tasks/recommender.sql insight_packed_interactions_sql
CREATE OR REPLACE FUNCTION @extschema@.insight_recommender_rows(algorithm text, params jsonb, before timestamptz)
RETURNS text
LANGUAGE sql STABLE
AS $$
    SELECT CASE WHEN algorithm OPERATOR(pg_catalog.=) 'sasrec' AND l.lines IS NOT NULL
                -- on Citus: the distinct purchases, grouped by the
                -- distribution column on the shards (the fit reads distinct
                -- rows: the same model)
                THEN pg_catalog.format('SELECT s.customer_id, s.item_id, s.ordered_at FROM (%s) s WHERE s.quantity > 0 AND s.ordered_at < %L GROUP BY s.customer_id, s.item_id, s.ordered_at',
                                       l.lines, before)
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
'The query insight_recommender_fit reads for an algorithm, over the registered sales strictly before a cut-off: for sasrec the purchases (insight_sales lines with quantity > 0 as customer_id, item_id, ordered_at; on Citus, for a source distributed by customer, the distinct such rows from one query over the source grouped by the distribution column, which Citus sends whole to the shards), for the others the interactions of insight_interactions(before, NULL, params->>''measure''); on Citus, for a source distributed by customer, those interactions (insight_interactions_sql) collected on the shards by insight_interactions_pack (insight_packed_interactions_sql), so that one partial state per shard reaches the coordinator, and the same model. Used by insight_train_recommender''s evaluate and serve steps and by insight_recommender_group_scores.';

CREATE OR REPLACE FUNCTION @extschema@.insight_recommender_prepare(t @extschema@.insight_training)
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
        -- on the shards: joined to the training table on the customer key
        -- (the distribution column of both), an anti-join for the new items
        pg_catalog.format($q$
        SELECT h.customer_key, h.customer_id, pg_catalog.array_agg(h.item_id ORDER BY h.item_id),
               k.customer_key IS NOT NULL
          FROM (%1$s) h(customer_key, customer_id, item_id, value)
          LEFT JOIN (SELECT DISTINCT r.customer_key FROM %2$s r) k
            ON k.customer_key OPERATOR(pg_catalog.=) h.customer_key
          LEFT JOIN %2$s r
            ON r.customer_key OPERATOR(pg_catalog.=) h.customer_key AND r.item_id OPERATOR(pg_catalog.=) h.item_id
         WHERE r.customer_key IS NULL
         GROUP BY h.customer_key, h.customer_id, k.customer_key $q$,
            @extschema@.insight_interactions_sql(t.trained_as_of, split, measure), train),
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
CREATE OR REPLACE FUNCTION @extschema@.insight_recommender_evaluate(t @extschema@.insight_training)
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
    test_query constant pg_catalog.text := pg_catalog.format('SELECT customer_id, relevant FROM %s',
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
'Recommender step evaluate: fits the algorithm (on insight_rec_train; sasrec on the purchases before the split, insight_recommender_rows) and the popularity baseline (on insight_rec_train) and scores both on insight_rec_test (insight_recommender_metrics at k = 10; score: NDCG@10). With the tables on the shards (insight_training_relation), the fits read the training interactions collected there by insight_interactions_pack (insight_packed_interactions_sql: one partial state per shard reaches the coordinator; the same models), and the metrics read the test rows, one per test customer.';

--@ function src/sql/tasks/propensity.sql insight_recommender_group_scores
--@ comment src/sql/tasks/propensity.sql insight_recommender_group_scores

-- The propensity task's pass per customer and group takes the items of the
-- modelled groups as literals instead of joining insight_items (a table of
-- the coordinator that Citus sent to the shards as an intermediate result).
--@ function src/sql/tasks/propensity.sql insight_item_group_members
--@ comment src/sql/tasks/propensity.sql insight_item_group_members
--@ function src/sql/tasks/propensity.sql insight_group_purchases
--@ comment src/sql/tasks/propensity.sql insight_group_purchases
