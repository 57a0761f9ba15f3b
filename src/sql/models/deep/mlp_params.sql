-- ---------------------------------------------------------------------------
-- The MLP's hyper-parameters as one jsonb object, for the tasks that train
-- MLPs (churn with algorithm mlp, the value task): validated against the
-- task's defaults, then passed to insight_mlp_fit.
-- ---------------------------------------------------------------------------

CREATE FUNCTION @extschema@.insight_mlp_params(params jsonb, defaults jsonb, context text)
RETURNS jsonb
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE
AS $$
DECLARE
    k pg_catalog.text;
BEGIN
    params := COALESCE(params, '{}');
    IF pg_catalog.jsonb_typeof(params) OPERATOR(pg_catalog.<>) 'object' THEN
        RAISE EXCEPTION '% params must be a JSON object', context
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    FOR k IN SELECT pg_catalog.jsonb_object_keys(params) LOOP
        IF NOT defaults OPERATOR(pg_catalog.?) k THEN
            RAISE EXCEPTION 'unknown % parameter "%"', context, k
                USING ERRCODE = 'invalid_parameter_value',
                      HINT = pg_catalog.format('The %s takes %s (see insight_mlp_fit).', context,
                                 (SELECT pg_catalog.string_agg(x, ', ' ORDER BY x) FROM pg_catalog.jsonb_object_keys(defaults) x));
        END IF;
        IF pg_catalog.jsonb_typeof(params OPERATOR(pg_catalog.->) k) OPERATOR(pg_catalog.<>)
           pg_catalog.jsonb_typeof(defaults OPERATOR(pg_catalog.->) k) THEN
            RAISE EXCEPTION '% parameter "%" must be a JSON %', context, k,
                            pg_catalog.jsonb_typeof(defaults OPERATOR(pg_catalog.->) k)
                USING ERRCODE = 'invalid_parameter_value';
        END IF;
    END LOOP;
    RETURN defaults OPERATOR(pg_catalog.||) params;
END
$$;

COMMENT ON FUNCTION @extschema@.insight_mlp_params(jsonb, jsonb, text) IS
'A task''s MLP hyper-parameters: params (a JSON object whose keys are among those of defaults, each of the same JSON type: hidden an array, the others numbers) merged over defaults. Ranges are checked by insight_mlp_fit. context names the model in the messages ("mlp churn model"). Unknown keys, wrong types and a non-object are errors (22023).';

CREATE FUNCTION @extschema@.insight_mlp_fit_params(query text, loss text, params jsonb)
RETURNS bytea
LANGUAGE sql
AS $$
    SELECT @extschema@.insight_mlp_fit($1,
        ARRAY(SELECT h::integer FROM pg_catalog.jsonb_array_elements_text($3 OPERATOR(pg_catalog.->) 'hidden') h),
        $2,
        ($3 OPERATOR(pg_catalog.->>) 'epochs')::integer,
        ($3 OPERATOR(pg_catalog.->>) 'batch_size')::integer,
        ($3 OPERATOR(pg_catalog.->>) 'learning_rate')::pg_catalog.float8,
        ($3 OPERATOR(pg_catalog.->>) 'weight_decay')::pg_catalog.float8,
        ($3 OPERATOR(pg_catalog.->>) 'dropout')::pg_catalog.float8,
        ($3 OPERATOR(pg_catalog.->>) 'validation_fraction')::pg_catalog.float8,
        ($3 OPERATOR(pg_catalog.->>) 'patience')::integer,
        ($3 OPERATOR(pg_catalog.->>) 'seed')::bigint)
$$;

COMMENT ON FUNCTION @extschema@.insight_mlp_fit_params(text, text, jsonb) IS
'insight_mlp_fit(query, hidden, loss, epochs, batch_size, learning_rate, weight_decay, dropout, validation_fraction, patience, seed) with the hyper-parameters given as one JSON object (insight_mlp_params: every key present).';
