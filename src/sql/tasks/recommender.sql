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
        WITH t AS (
            SELECT q.customer_id::pg_catalog.text AS customer_id, q.relevant::pg_catalog.text[] AS relevant
              FROM (%s) q(customer_id, relevant)
             WHERE pg_catalog.cardinality(q.relevant) OPERATOR(pg_catalog.>) 0
        ),
        r AS (
            SELECT t.customer_id, x.item_key, x.rank, x.item_key OPERATOR(pg_catalog.=) ANY (t.relevant) AS hit
              FROM t, @extschema@.insight_recommend_from($1, t.customer_id, $2) x
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
'Offline top-k metrics of a recommender model. test_query returns rows (customer_id, relevant text[]): the items each test customer went on to buy; each gets insight_recommend_from(model, customer_id, k) (their training items excluded) and the means over customers are returned as jsonb: hit_rate (share with at least one relevant item in the k), precision (hits / k), recall (hits / relevant), ndcg (DCG with gain 1/log2(rank + 1) over the ideal DCG of min(relevant, k) hits; Jarvelin & Kekalainen 2002), map (average precision at k divided by min(relevant, k), as ml_metrics apk), and coverage (distinct items recommended / items in the model). Customers with no relevant item are left out.';

-- Validate and complete the parameters of a recommender algorithm.
CREATE FUNCTION @extschema@.insight_recommender_params(algorithm text, params jsonb)
RETURNS jsonb
LANGUAGE plpgsql IMMUTABLE
AS $$
DECLARE
    defaults pg_catalog.jsonb;
    key pg_catalog.text;
BEGIN
    defaults := CASE
        WHEN algorithm OPERATOR(pg_catalog.=) 'als' THEN '{"factors": 64, "regularization": 0.01, "alpha": 1.0, "iterations": 15, "seed": 0}'::pg_catalog.jsonb
        WHEN algorithm OPERATOR(pg_catalog.=) 'itemknn' THEN '{"neighbors": 100, "similarity": "cosine"}'::pg_catalog.jsonb
        WHEN algorithm OPERATOR(pg_catalog.=) 'popularity' THEN '{}'::pg_catalog.jsonb
    END;
    IF defaults IS NULL THEN
        RAISE EXCEPTION 'unrecognized recommender algorithm "%"', algorithm
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Valid algorithms are als, itemknn and popularity.';
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
    RETURN defaults OPERATOR(pg_catalog.||) params;
END
$$;

COMMENT ON FUNCTION @extschema@.insight_recommender_params(text, jsonb) IS
'The parameters of a recommender algorithm (als, itemknn, popularity) with their defaults filled in, plus measure (orders); errors for an unknown algorithm or parameter. Used by insight_train_recommender.';

-- Fit one recommender over the interactions a query returns.
CREATE FUNCTION @extschema@.insight_recommender_fit(algorithm text, params jsonb, query text)
RETURNS bytea
LANGUAGE plpgsql
AS $$
BEGIN
    RETURN CASE
        WHEN algorithm OPERATOR(pg_catalog.=) 'als' THEN @extschema@.insight_als_fit(query, (params OPERATOR(pg_catalog.->>) 'factors')::int,
                (params OPERATOR(pg_catalog.->>) 'regularization')::pg_catalog.float8, (params OPERATOR(pg_catalog.->>) 'alpha')::pg_catalog.float8,
                (params OPERATOR(pg_catalog.->>) 'iterations')::int, (params OPERATOR(pg_catalog.->>) 'seed')::bigint)
        WHEN algorithm OPERATOR(pg_catalog.=) 'itemknn' THEN @extschema@.insight_itemknn_fit(query, (params OPERATOR(pg_catalog.->>) 'neighbors')::int,
                params OPERATOR(pg_catalog.->>) 'similarity')
        ELSE @extschema@.insight_popularity_fit(query) END;
END
$$;

COMMENT ON FUNCTION @extschema@.insight_recommender_fit(text, jsonb, text) IS
'Fit a recommender of the given algorithm with complete parameters (insight_recommender_params) over a query of interactions. Used by insight_train_recommender.';

CREATE FUNCTION @extschema@.insight_train_recommender(algorithm text DEFAULT 'als', params jsonb DEFAULT '{}',
    as_of timestamptz DEFAULT NULL, holdout interval DEFAULT '30 days')
RETURNS bigint
LANGUAGE plpgsql
AS $$
DECLARE
    p pg_catalog.jsonb := @extschema@.insight_recommender_params(algorithm, params);
    measure pg_catalog.text := p OPERATOR(pg_catalog.->>) 'measure';
    split pg_catalog.timestamptz;
    train_query pg_catalog.text;
    eval_model pg_catalog.bytea;
    baseline pg_catalog.bytea;
    weights pg_catalog.bytea;
    m pg_catalog.jsonb;
    b pg_catalog.jsonb;
    metrics pg_catalog.jsonb;
    active_ndcg pg_catalog.float8;
    new_id bigint;
BEGIN
    IF holdout IS NULL OR holdout OPERATOR(pg_catalog.<=) interval '0' THEN
        RAISE EXCEPTION 'holdout must be a positive interval' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    as_of := COALESCE(as_of, @extschema@.insight_default_as_of());
    split := as_of OPERATOR(pg_catalog.-) holdout;

    -- the time split: fit before split, test on what customers bought in [split, as_of)
    -- that they had not bought before
    PERFORM @extschema@.insight_drop_temp_table('insight_rec_train');
    PERFORM @extschema@.insight_drop_temp_table('insight_rec_test');
    CREATE TEMP TABLE insight_rec_train ON COMMIT DROP AS
        SELECT i.customer_id, i.item_id, i.value FROM @extschema@.insight_interactions(split, NULL, measure) i;
    ANALYZE pg_temp.insight_rec_train;
    CREATE TEMP TABLE insight_rec_test ON COMMIT DROP AS
        SELECT h.customer_id, pg_catalog.array_agg(h.item_id ORDER BY h.item_id) AS relevant,
               h.customer_id OPERATOR(pg_catalog.=) ANY (SELECT t.customer_id FROM pg_temp.insight_rec_train t) AS known
          FROM @extschema@.insight_interactions(as_of, split, measure) h
         WHERE NOT EXISTS (SELECT 1 FROM pg_temp.insight_rec_train t
                            WHERE t.customer_id OPERATOR(pg_catalog.=) h.customer_id
                              AND t.item_id OPERATOR(pg_catalog.=) h.item_id)
         GROUP BY h.customer_id;
    ANALYZE pg_temp.insight_rec_train;
    ANALYZE pg_temp.insight_rec_test;
    IF NOT EXISTS (SELECT 1 FROM pg_temp.insight_rec_train) OR NOT EXISTS (SELECT 1 FROM pg_temp.insight_rec_test) THEN
        RAISE EXCEPTION 'no interactions on one side of the evaluation split'
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = pg_catalog.format('Training uses purchases before %s, the test the new purchases in [%s, %s).', split, split, as_of),
                  HINT = 'Choose as_of and holdout so that both periods have purchases.';
    END IF;

    train_query := 'SELECT customer_id, item_id, value FROM pg_temp.insight_rec_train';
    eval_model := @extschema@.insight_recommender_fit(algorithm, p, train_query);
    baseline := @extschema@.insight_popularity_fit(train_query);
    m := @extschema@.insight_recommender_metrics(eval_model, 'SELECT customer_id, relevant FROM pg_temp.insight_rec_test', 10);
    b := @extschema@.insight_recommender_metrics(baseline, 'SELECT customer_id, relevant FROM pg_temp.insight_rec_test', 10);
    metrics := pg_catalog.jsonb_build_object(
        'split', split, 'as_of', as_of, 'holdout', holdout::pg_catalog.text,
        'train_interactions', (SELECT pg_catalog.count(*) FROM pg_temp.insight_rec_train),
        'test_customers', (SELECT pg_catalog.count(*) FROM pg_temp.insight_rec_test),
        'test_customers_without_history', (SELECT pg_catalog.count(*) FROM pg_temp.insight_rec_test WHERE NOT known),
        'k', 10,
        'hit_rate_at_10', m OPERATOR(pg_catalog.->) 'hit_rate', 'precision_at_10', m OPERATOR(pg_catalog.->) 'precision',
        'recall_at_10', m OPERATOR(pg_catalog.->) 'recall', 'ndcg_at_10', m OPERATOR(pg_catalog.->) 'ndcg',
        'map_at_10', m OPERATOR(pg_catalog.->) 'map', 'coverage_at_10', m OPERATOR(pg_catalog.->) 'coverage',
        'baseline', pg_catalog.jsonb_build_object(
            'algorithm', 'popularity',
            'hit_rate_at_10', b OPERATOR(pg_catalog.->) 'hit_rate', 'precision_at_10', b OPERATOR(pg_catalog.->) 'precision',
            'recall_at_10', b OPERATOR(pg_catalog.->) 'recall', 'ndcg_at_10', b OPERATOR(pg_catalog.->) 'ndcg',
            'map_at_10', b OPERATOR(pg_catalog.->) 'map', 'coverage_at_10', b OPERATOR(pg_catalog.->) 'coverage'));
    DROP TABLE pg_temp.insight_rec_train, pg_temp.insight_rec_test;

    -- the serving model: every purchase before as_of
    weights := @extschema@.insight_recommender_fit(algorithm, p,
        pg_catalog.format('SELECT customer_id, item_id, value FROM @extschema@.insight_interactions(%L, NULL, %L)', as_of, measure));
    new_id := @extschema@.insight_store_model('recommender', algorithm, weights, p, metrics, NULL, NULL, as_of);

    -- activate when at least as good (NDCG@10) as the popularity baseline and the model in service
    SELECT (a.metrics OPERATOR(pg_catalog.->>) 'ndcg_at_10')::pg_catalog.float8 INTO active_ndcg
      FROM @extschema@.insight_active_model('recommender') a;
    IF (m OPERATOR(pg_catalog.->>) 'ndcg')::pg_catalog.float8 OPERATOR(pg_catalog.>=) (b OPERATOR(pg_catalog.->>) 'ndcg')::pg_catalog.float8
       AND (active_ndcg IS NULL OR (m OPERATOR(pg_catalog.->>) 'ndcg')::pg_catalog.float8 OPERATOR(pg_catalog.>=) active_ndcg) THEN
        PERFORM @extschema@.insight_activate(new_id);
    ELSE
        RAISE NOTICE 'recommender model % stays a candidate: NDCG@10 % is below the popularity baseline (%) or the active model (%)',
            new_id, pg_catalog.round((m OPERATOR(pg_catalog.->>) 'ndcg')::numeric, 4),
            pg_catalog.round((b OPERATOR(pg_catalog.->>) 'ndcg')::numeric, 4), pg_catalog.round(active_ndcg::numeric, 4);
    END IF;
    RETURN new_id;
END
$$;

COMMENT ON FUNCTION @extschema@.insight_train_recommender(text, jsonb, timestamptz, interval) IS
'Train, evaluate and register a recommender (algorithm als, itemknn or popularity; params as the fit function''s arguments, plus measure: orders, quantity or log_quantity). Evaluation on a time split: fit on purchases before as_of - holdout (as_of default: just after the last event); for every customer who buys in [as_of - holdout, as_of) items they had not bought before, recommend 10 unseen items and score hit rate, precision, recall, NDCG, MAP at 10 and catalogue coverage (insight_recommender_metrics), next to the popularity baseline on the same split. Then fits the serving model on all purchases before as_of and stores it (task recommender) with params and metrics; it is activated when its NDCG@10 is at least the baseline''s and the active model''s. Returns model_id.';

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
'The k items the active recommender model (insight_train_recommender) ranks best for a customer, with names from insight_register_items: (item_id as text, item_name, score, rank). exclude_purchased leaves out what the customer bought before the model''s as_of. A customer without history, unknown or NULL gets the fallback: the most popular items (share of customers who bought them), ties broken by item key; never an error, never NaN. Raises 55000 "no recommender model is active" when none is.';

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
'The k items most similar to an item under the active recommender model (ALS: cosine of item factors; item-kNN: its neighbour list), with names: (item_id, item_name, score, rank). No rows for an item the model has not seen; 0A000 when the active model is popularity; 55000 when no recommender model is active.';
