-- Issue 15, SASRec (part 4, serving): a SASRec model carries the customer
-- histories it recommends from (insight_sasrec_with_history), the algorithm
-- table serves it through insight_recommend_from and
-- insight_similar_items_from, and the recommender task takes
-- algorithm 'sasrec' (its rows before a cut-off: insight_recommender_rows).

--@ function src/sql/models/deep/sasrec.sql insight_sasrec_with_history

COMMENT ON FUNCTION @extschema@.insight_sasrec_with_history(bytea, text) IS
'A SASRec model of insight_sasrec_fit with the customer histories it recommends from (model flag 0x1; a history it had is replaced), read from the rows (customer, item, event_time timestamptz) of query, or, when query is NULL, of the registered sales (insight_sales lines with quantity > 0), as insight_sasrec_fit reads them: the distinct rows, each customer''s items in time order, the items of one order by their key''s text in byte order; items the model does not know are dropped. Per customer with at least one known item: every item bought (what insight_recommend_from leaves out with exclude_seen) and the latest max_length items (the input of the network). With it, insight_recommend_from(model, customer, k) scores every item for a customer by the final hidden state of the customer''s latest items (float network, no dropout) dotted with each item''s embedding (Kang & McAuley 2018, section III.E), an unknown customer getting the popularity ranking (share of the histories'' customers who bought each item); insight_similar_items_from ranks items by the cosine of item embeddings, with or without histories. For a cut-off, give a query with event_time < the cut-off (the recommender task does). Errors: 22004 for a NULL model; 22023 when no customer bought an item of the model; 42804 and 42601 for a query of the wrong shape; XX001 for corrupted model bytes; 54000 past insight.max_training_memory.';

--@ function src/sql/tasks/recommender.sql insight_recommender_params

--@ comment src/sql/tasks/recommender.sql insight_recommender_params

CREATE OR REPLACE FUNCTION @extschema@.insight_recommender_fit(algorithm text, params jsonb, query text)
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
        -- histories come from the same rows
        WHEN algorithm OPERATOR(pg_catalog.=) 'sasrec' THEN @extschema@.insight_sasrec_with_history(@extschema@.insight_sasrec_fit(query,
                (params OPERATOR(pg_catalog.->>) 'max_length')::int, (params OPERATOR(pg_catalog.->>) 'hidden')::int,
                (params OPERATOR(pg_catalog.->>) 'blocks')::int, (params OPERATOR(pg_catalog.->>) 'heads')::int,
                (params OPERATOR(pg_catalog.->>) 'dropout')::pg_catalog.float8, (params OPERATOR(pg_catalog.->>) 'epochs')::int,
                (params OPERATOR(pg_catalog.->>) 'batch_size')::int, (params OPERATOR(pg_catalog.->>) 'learning_rate')::pg_catalog.float8,
                (params OPERATOR(pg_catalog.->>) 'negatives')::int, (params OPERATOR(pg_catalog.->>) 'seed')::bigint), query)
        ELSE @extschema@.insight_popularity_fit(query) END;
END
$$;

COMMENT ON FUNCTION @extschema@.insight_recommender_fit(text, jsonb, text) IS
'Fit a recommender of the given algorithm with complete parameters (insight_recommender_params) over a query: of interactions (customer_id, item_id, value) for als, itemknn and popularity; of purchases (customer, item, event_time) for sasrec, whose model gets the customers'' histories from the same rows (insight_sasrec_with_history). insight_recommender_rows gives the query of each. Used by insight_train_recommender.';

CREATE OR REPLACE FUNCTION @extschema@.insight_recommender_rows(algorithm text, params jsonb, before timestamptz)
RETURNS text
LANGUAGE sql STABLE
AS $$
    SELECT CASE WHEN algorithm OPERATOR(pg_catalog.=) 'sasrec'
                THEN pg_catalog.format('SELECT customer_id, item_id, ordered_at FROM @extschema@.insight_sales WHERE quantity > 0 AND ordered_at < %L', before)
                ELSE pg_catalog.format('SELECT customer_id, item_id, value FROM @extschema@.insight_interactions(%L, NULL, %L)',
                                       before, params OPERATOR(pg_catalog.->>) 'measure') END
$$;

COMMENT ON FUNCTION @extschema@.insight_recommender_rows(text, jsonb, timestamptz) IS
'The query insight_recommender_fit reads for an algorithm, over the registered sales strictly before a cut-off: for sasrec the purchases (insight_sales lines with quantity > 0 as customer_id, item_id, ordered_at), for the others the interactions of insight_interactions(before, NULL, params->>''measure''). Used by insight_train_recommender''s evaluate and serve steps.';

CREATE OR REPLACE FUNCTION @extschema@.insight_recommender_evaluate(t @extschema@.insight_training)
RETURNS @extschema@.insight_training
LANGUAGE plpgsql
AS $$
DECLARE
    interactions constant pg_catalog.text := 'SELECT customer_id, item_id, value FROM pg_temp.insight_rec_train';
    test_query constant pg_catalog.text := 'SELECT customer_id, relevant FROM pg_temp.insight_rec_test';
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
'Recommender step evaluate: fits the algorithm (on insight_rec_train; sasrec on the purchases before the split, insight_recommender_rows) and the popularity baseline (on insight_rec_train) and scores both on insight_rec_test (insight_recommender_metrics at k = 10; score: NDCG@10).';

--@ function src/sql/tasks/recommender.sql insight_recommender_serve

--@ comment src/sql/tasks/recommender.sql insight_recommender_serve

COMMENT ON FUNCTION @extschema@.insight_train_recommender(text, jsonb, timestamptz, interval) IS
'Train, evaluate and register a recommender (algorithm als, itemknn, popularity or sasrec; params as the fit function''s arguments, plus measure: orders, quantity or log_quantity; sasrec fits over the purchases in time order, insight_sasrec_fit, and serves from the histories as of as_of, insight_sasrec_with_history). Evaluation on a time split: fit on purchases before as_of - holdout (as_of default: just after the last event); for every customer who buys in [as_of - holdout, as_of) items they had not bought before, recommend 10 unseen items and score hit rate, precision, recall, NDCG, MAP at 10 and catalogue coverage (insight_recommender_metrics), next to the popularity baseline on the same split. Then fits the serving model on all purchases before as_of and stores it (task recommender) with params and metrics (compared_with: the active model and its NDCG@10); it is activated when its NDCG@10 is at least the baseline''s and the active model''s. Runs through insight_train_task() (steps insight_recommender_*). Returns model_id.';

--@ comment src/sql/tasks/recommender.sql insight_recommend

--@ comment src/sql/tasks/recommender.sql insight_similar_items

--@ comment src/sql/models/recsys/recommend.sql insight_recommend_from

--@ comment src/sql/models/recsys/recommend.sql insight_similar_items_from
