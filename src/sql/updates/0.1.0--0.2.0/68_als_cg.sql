-- Issue 23: ALS with conjugate gradients.  insight_als_fit takes solver
-- ('cg', the default, or 'exact') and cg_steps; the recommender's ALS
-- parameters gain both (a model stored before has neither and was exact).

DROP FUNCTION @extschema@.insight_als_fit(text, int, float8, float8, int, bigint);

--@ function src/sql/models/recsys/recommend.sql insight_als_fit

--@ comment src/sql/models/recsys/recommend.sql insight_als_fit

CREATE OR REPLACE FUNCTION @extschema@.insight_recommender_params(algorithm text, params jsonb)
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
    params := defaults OPERATOR(pg_catalog.||) params;
    -- the sizes, checked before any work with the bounds of the fitting
    -- functions (insight_als_fit, insight_itemknn_fit)
    FOR key, lo, hi IN VALUES ('factors', 1, 4096), ('iterations', 1, 10000), ('neighbors', 1, 100000), ('cg_steps', 1, 4096) LOOP
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
'The parameters of a recommender algorithm (als, itemknn, popularity) with their defaults filled in, plus measure (orders); errors for an unknown algorithm or parameter, and (22023, before any work) for a size out of its bounds: factors 1..4096, iterations 1..10000, neighbors 1..100000, cg_steps 1..4096, whole numbers, and for an ALS solver other than "cg" or "exact". Used by insight_train_recommender.';

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
        ELSE @extschema@.insight_popularity_fit(query) END;
END
$$;

COMMENT ON FUNCTION @extschema@.insight_recommender_fit(text, jsonb, text) IS
'Fit a recommender of the given algorithm with complete parameters (insight_recommender_params) over a query of interactions. Used by insight_train_recommender.';
