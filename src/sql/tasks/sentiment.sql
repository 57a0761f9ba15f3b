-- ---------------------------------------------------------------------------
-- The sentiment task: a text model (insight_text_fit) trained on the
-- registered reviews (insight_reviews) through the training skeleton
-- (train.sql), and insight_sentiment(text) from the active model.
-- docs/reference/reviews.md.
--
-- The holdout is every review whose md5 starts with a 32-bit number
-- divisible by 5 (about 20%, stratified only by chance): a review stays on
-- its side of the split at every retraining, so the active model's
-- evaluation model has never seen the current holdout and the "not worse"
-- comparison is fair.
-- ---------------------------------------------------------------------------

CREATE FUNCTION @extschema@.insight_sentiment_default_params()
RETURNS jsonb
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$ SELECT '{"buckets": 262144, "c": 4, "alpha": 1, "max_iterations": 200, "variant": "nblr", "norm": "l2"}'::pg_catalog.jsonb $$;

COMMENT ON FUNCTION @extschema@.insight_sentiment_default_params() IS
'Default params of insight_train_sentiment, the arguments of insight_text_fit: buckets 262144, c 4, alpha 1, max_iterations 200, variant "nblr", norm "l2" (chosen by measurement, docs/reference/reviews.md).';

-- Whether a review is in the holdout: the first 32 bits of its md5, as a
-- signed integer, divisible by 5.
CREATE FUNCTION @extschema@.insight_sentiment_held_out(review text)
RETURNS boolean
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
AS $$ SELECT (('x' OPERATOR(pg_catalog.||) pg_catalog.substr(pg_catalog.md5(review), 1, 8))::pg_catalog.bit(32)::integer
              OPERATOR(pg_catalog.%) 5) OPERATOR(pg_catalog.=) 0 $$;

COMMENT ON FUNCTION @extschema@.insight_sentiment_held_out(text) IS
'Whether a review belongs to the holdout of the sentiment task: the first 8 hex digits of md5(review), as a signed 32-bit integer, divisible by 5 (about 20% of the reviews). The same review is on the same side at every training.';

CREATE FUNCTION @extschema@.insight_sentiment_setup(params jsonb)
RETURNS @extschema@.insight_training
LANGUAGE plpgsql STABLE
AS $$
DECLARE
    t @extschema@.insight_training;
    defaults pg_catalog.jsonb := @extschema@.insight_sentiment_default_params();
    key pg_catalog.text;
BEGIN
    params := COALESCE(params, '{}');
    IF pg_catalog.jsonb_typeof(params) OPERATOR(pg_catalog.<>) 'object' THEN
        RAISE EXCEPTION 'params must be a JSON object' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    FOR key IN SELECT pg_catalog.jsonb_object_keys(params) LOOP
        IF NOT defaults OPERATOR(pg_catalog.?) key THEN
            RAISE EXCEPTION 'unrecognized sentiment parameter "%"', key
                USING ERRCODE = 'invalid_parameter_value',
                      HINT = 'Valid parameters are: buckets, c, alpha, max_iterations, variant, norm.';
        END IF;
    END LOOP;
    t.task := 'sentiment';
    t.algorithm := 'text';
    t.params := defaults OPERATOR(pg_catalog.||) params;
    t.metrics := '{}';
    t.setup := '{"temp_tables": ["insight_sentiment_train", "insight_sentiment_test"]}';
    RETURN t;
END
$$;

COMMENT ON FUNCTION @extschema@.insight_sentiment_setup(jsonb) IS
'Sentiment entry step: params completed with insight_sentiment_default_params() (22023 for a key it does not know; the values are checked by insight_text_fit).';

-- The model of params over the rows of a temporary table (review, positive).
CREATE FUNCTION @extschema@.insight_sentiment_fit(params jsonb, query text)
RETURNS bytea
LANGUAGE sql VOLATILE
AS $$
SELECT @extschema@.insight_text_fit(query,
           buckets => (params OPERATOR(pg_catalog.->>) 'buckets')::integer,
           c => (params OPERATOR(pg_catalog.->>) 'c')::pg_catalog.float8,
           alpha => (params OPERATOR(pg_catalog.->>) 'alpha')::pg_catalog.float8,
           max_iterations => (params OPERATOR(pg_catalog.->>) 'max_iterations')::integer,
           variant => params OPERATOR(pg_catalog.->>) 'variant',
           norm => params OPERATOR(pg_catalog.->>) 'norm')
$$;

COMMENT ON FUNCTION @extschema@.insight_sentiment_fit(jsonb, text) IS
'insight_text_fit(query, ...) with the arguments of a sentiment params object (buckets, c, alpha, max_iterations, variant, norm; errors of insight_text_fit and of the casts).';

CREATE FUNCTION @extschema@.insight_sentiment_prepare(t @extschema@.insight_training)
RETURNS @extschema@.insight_training
LANGUAGE plpgsql
AS $$
DECLARE
    n_train bigint;
    n_test bigint;
    n_null bigint;
    n_unlabelled bigint;
    rate pg_catalog.float8;
BEGIN
    PERFORM @extschema@.insight_drop_temp_table('insight_sentiment_train');
    PERFORM @extschema@.insight_drop_temp_table('insight_sentiment_test');
    CREATE TEMP TABLE insight_sentiment_all ON COMMIT DROP AS
        SELECT r.review, r.positive, r.reviewed_at FROM @extschema@.insight_reviews r;
    SELECT pg_catalog.count(*) FILTER (WHERE r.review IS NULL AND r.positive IS NOT NULL),
           pg_catalog.count(*) FILTER (WHERE r.positive IS NULL)
      INTO n_null, n_unlabelled FROM pg_temp.insight_sentiment_all r;
    CREATE TEMP TABLE insight_sentiment_train ON COMMIT DROP AS
        SELECT r.review, r.positive FROM pg_temp.insight_sentiment_all r
         WHERE r.review IS NOT NULL AND r.positive IS NOT NULL AND NOT @extschema@.insight_sentiment_held_out(r.review);
    CREATE TEMP TABLE insight_sentiment_test ON COMMIT DROP AS
        SELECT r.review, r.positive FROM pg_temp.insight_sentiment_all r
         WHERE r.review IS NOT NULL AND r.positive IS NOT NULL AND @extschema@.insight_sentiment_held_out(r.review);
    t.trained_as_of := (SELECT pg_catalog.max(r.reviewed_at) FROM pg_temp.insight_sentiment_all r
                         WHERE r.positive IS NOT NULL AND r.review IS NOT NULL);
    DROP TABLE pg_temp.insight_sentiment_all;
    SELECT pg_catalog.count(*), pg_catalog.avg(r.positive::integer) INTO n_train, rate FROM pg_temp.insight_sentiment_train r;
    SELECT pg_catalog.count(*) INTO n_test FROM pg_temp.insight_sentiment_test r;
    IF n_train OPERATOR(pg_catalog.=) 0 OR n_test OPERATOR(pg_catalog.=) 0 THEN
        RAISE EXCEPTION 'too few labelled reviews'
            USING ERRCODE = 'data_exception',
                  DETAIL = pg_catalog.format('The split gave %s training and %s holdout reviews with a text and a label.', n_train, n_test),
                  HINT = 'Register more reviews with insight_register_reviews().';
    END IF;
    IF n_null OPERATOR(pg_catalog.>) 0 THEN
        RAISE NOTICE 'sentiment: skipped % labelled reviews with a NULL text', n_null;
    END IF;
    t.metrics := t.metrics OPERATOR(pg_catalog.||) pg_catalog.jsonb_build_object(
        'train_rows', n_train, 'test_rows', n_test, 'train_positive_rate', rate,
        'rows_null_text', n_null, 'rows_unlabelled', n_unlabelled);
    RETURN t;
END
$$;

COMMENT ON FUNCTION @extschema@.insight_sentiment_prepare(@extschema@.insight_training) IS
'Sentiment step prepare: the labelled reviews with a text of insight_reviews, split by insight_sentiment_held_out into the temporary tables insight_sentiment_train and insight_sentiment_test; metrics train_rows, test_rows, train_positive_rate, rows_null_text (labelled reviews without a text: skipped, with a NOTICE) and rows_unlabelled; trained_as_of = the latest reviewed_at (NULL without a time column). "too few labelled reviews" (22000) when either side is empty.';

CREATE FUNCTION @extschema@.insight_sentiment_evaluate(t @extschema@.insight_training)
RETURNS @extschema@.insight_training
LANGUAGE plpgsql
AS $$
DECLARE
    m pg_catalog.jsonb;
BEGIN
    t.evaluation_weights := @extschema@.insight_sentiment_fit(t.params, 'SELECT review, positive FROM pg_temp.insight_sentiment_train');
    SELECT @extschema@.insight_binary_metrics(@extschema@.insight_text_predict(t.evaluation_weights, r.review), r.positive)
      INTO m FROM pg_temp.insight_sentiment_test r;
    t.score := (m OPERATOR(pg_catalog.->>) 'auc')::pg_catalog.float8;
    t.baseline_score := 0.5;
    t.metrics := t.metrics OPERATOR(pg_catalog.||) pg_catalog.jsonb_build_object(
        'auc', m OPERATOR(pg_catalog.->) 'auc',
        'accuracy', m OPERATOR(pg_catalog.->) 'at_0_5' OPERATOR(pg_catalog.->) 'accuracy',
        'f1', m OPERATOR(pg_catalog.->) 'at_0_5' OPERATOR(pg_catalog.->) 'f1',
        'test', m, 'baseline_auc', 0.5);
    RETURN t;
END
$$;

COMMENT ON FUNCTION @extschema@.insight_sentiment_evaluate(@extschema@.insight_training) IS
'Sentiment step evaluate: fits on insight_sentiment_train (kept as evaluation_weights) and measures on insight_sentiment_test: metrics auc (the score), accuracy and f1 (threshold 0.5), test (all of insight_binary_metrics), baseline_auc 0.5 (the class prior, which ranks no review above another).';

CREATE FUNCTION @extschema@.insight_sentiment_serve(t @extschema@.insight_training)
RETURNS @extschema@.insight_training
LANGUAGE plpgsql
AS $$
BEGIN
    t.weights := @extschema@.insight_sentiment_fit(t.params,
        'SELECT review, positive FROM pg_temp.insight_sentiment_train UNION ALL SELECT review, positive FROM pg_temp.insight_sentiment_test');
    t.metrics := t.metrics OPERATOR(pg_catalog.||) pg_catalog.jsonb_build_object('serve_rows',
        (SELECT pg_catalog.count(*) FROM pg_temp.insight_sentiment_train)
        OPERATOR(pg_catalog.+) (SELECT pg_catalog.count(*) FROM pg_temp.insight_sentiment_test));
    RETURN t;
END
$$;

COMMENT ON FUNCTION @extschema@.insight_sentiment_serve(@extschema@.insight_training) IS
'Sentiment step serve: the serving model, fitted on every labelled review with a text (training and holdout); metrics serve_rows, their number.';

CREATE FUNCTION @extschema@.insight_sentiment_compare(t @extschema@.insight_training, active @extschema@.insight_models)
RETURNS jsonb
LANGUAGE plpgsql
AS $$
DECLARE
    active_auc pg_catalog.float8;
BEGIN
    BEGIN
        SELECT @extschema@.insight_auc(@extschema@.insight_text_predict(
                   COALESCE(active.evaluation_weights, active.weights), r.review), r.positive)
          INTO active_auc FROM pg_temp.insight_sentiment_test r;
    EXCEPTION WHEN invalid_parameter_value OR data_corrupted THEN
        active_auc := NULL;     -- not a text model
    END;
    RETURN pg_catalog.jsonb_build_object('model_id', active.model_id, 'auc', active_auc);
END
$$;

COMMENT ON FUNCTION @extschema@.insight_sentiment_compare(@extschema@.insight_training, @extschema@.insight_models) IS
'Sentiment step compare: the AUC of the active model''s evaluation model (its serving model when it has none) on the same holdout, NULL when it is not a text model.';

INSERT INTO @extschema@.insight_task_steps
    (task, prepare, evaluate, serve, compare, metric, higher_is_better, kept_notice, builtin)
VALUES ('sentiment', '@extschema@.insight_sentiment_prepare(@extschema@.insight_training)',
        '@extschema@.insight_sentiment_evaluate(@extschema@.insight_training)',
        '@extschema@.insight_sentiment_serve(@extschema@.insight_training)',
        '@extschema@.insight_sentiment_compare(@extschema@.insight_training, @extschema@.insight_models)',
        'auc', true,
        'sentiment model %1$s stays a candidate: its holdout AUC %2$s is below the %3$s of active model %4$s on the same holdout',
        true);

CREATE FUNCTION @extschema@.insight_train_sentiment(params jsonb DEFAULT '{}')
RETURNS bigint
LANGUAGE sql
AS $$ SELECT @extschema@.insight_train_task(@extschema@.insight_sentiment_setup($1)) $$;

COMMENT ON FUNCTION @extschema@.insight_train_sentiment(jsonb) IS
'Train a sentiment model on the registered reviews (insight_register_reviews) and return its model_id: insight_text_fit (params: insight_sentiment_default_params) on about 80% of the labelled reviews, measured on the rest (insight_sentiment_held_out): metrics auc, accuracy, f1 and all of insight_binary_metrics in test; then the serving model on every labelled review. Reviews with a NULL text are skipped and counted (metrics.rows_null_text), unlabelled ones (a rating between the thresholds) are left out (metrics.rows_unlabelled). The model becomes active when no sentiment model is active, or when its holdout AUC is not below the active model''s evaluation model''s on the same holdout; otherwise it stays a candidate (NOTICE). Runs through insight_train_task() (steps insight_sentiment_*), in the caller''s transaction. Errors: 42704 no review source, 22000 too few labelled reviews or one label only, and those of insight_text_fit.';

CREATE FUNCTION @extschema@.insight_sentiment(review text)
RETURNS float8
LANGUAGE plpgsql STABLE PARALLEL SAFE
AS $$
DECLARE
    model pg_catalog.bytea;
BEGIN
    SELECT m.weights INTO model FROM @extschema@.insight_active_model('sentiment') m;
    IF model IS NULL THEN
        PERFORM @extschema@.insight_no_active_model('sentiment');
    END IF;
    IF review IS NULL THEN
        RETURN NULL;
    END IF;
    RETURN @extschema@.insight_text_predict(model, review);
END
$$;

COMMENT ON FUNCTION @extschema@.insight_sentiment(text) IS
'Probability that a review is positive under the active sentiment model (insight_train_sentiment): insight_text_predict. A text without a known n-gram (or empty) scores the empty document, sigmoid of the model''s intercept, never NULL or NaN; NULL for a NULL text; 55000 when no sentiment model is active. The decoded model is cached per backend.';

-- Insight from the reviews: per item and per customer, with the active
-- sentiment model (scores NULL when none can serve).  One SQL function
-- groups by either key; the two views read it.
CREATE FUNCTION @extschema@.insight_review_sentiment_by(by_customer boolean)
RETURNS TABLE (key text, reviews bigint, scored_reviews bigint, mean_sentiment float8,
               share_negative float8, labelled_share_negative float8,
               last_review_at timestamptz, model_id bigint)
LANGUAGE sql STABLE PARALLEL RESTRICTED  -- reads insight_reviews
AS $$
SELECT g.key,
       pg_catalog.count(*),
       pg_catalog.count(s.score),
       pg_catalog.avg(s.score),
       (pg_catalog.count(*) FILTER (WHERE s.score OPERATOR(pg_catalog.<) 0.5))::pg_catalog.float8
           OPERATOR(pg_catalog./) NULLIF(pg_catalog.count(s.score), 0),
       (pg_catalog.count(*) FILTER (WHERE NOT r.positive))::pg_catalog.float8
           OPERATOR(pg_catalog./) NULLIF(pg_catalog.count(r.positive), 0),
       pg_catalog.max(r.reviewed_at),
       pg_catalog.max(m.model_id)
  FROM @extschema@.insight_reviews r
  LEFT JOIN @extschema@.insight_serving_model('sentiment') m ON true
  CROSS JOIN LATERAL (SELECT CASE WHEN by_customer THEN r.customer_id ELSE r.item_id END AS key) g
  CROSS JOIN LATERAL (SELECT @extschema@.insight_text_predict(m.weights, r.review) AS score) s
 WHERE g.key IS NOT NULL
 GROUP BY g.key
$$;

COMMENT ON FUNCTION @extschema@.insight_review_sentiment_by(boolean) IS
'The rows of insight_customer_sentiment (by_customer true) or insight_item_sentiment (false): per key of insight_reviews (reviews without one left out), the number of reviews, of reviews scored (with a text, by the active sentiment model when one can serve), their mean probability positive, the share below 0.5, the share of labelled reviews labelled negative, the latest reviewed_at and the model''s id.';

CREATE VIEW @extschema@.insight_item_sentiment WITH (security_invoker = true) AS
SELECT g.key AS item_id, g.reviews, g.scored_reviews, g.mean_sentiment, g.share_negative,
       g.labelled_share_negative, g.model_id
  FROM @extschema@.insight_review_sentiment_by(false) g;

COMMENT ON VIEW @extschema@.insight_item_sentiment IS
'Per item (or category) of the registered reviews: how many, how they score under the active sentiment model (insight_sentiment), and how many are negative. One pass over insight_reviews (security_invoker: the caller''s privileges on the source).';
COMMENT ON COLUMN @extschema@.insight_item_sentiment.item_id IS 'The item (or category), as text; reviews without an item are left out.';
COMMENT ON COLUMN @extschema@.insight_item_sentiment.reviews IS 'Number of reviews of the item (with or without a text or a label).';
COMMENT ON COLUMN @extschema@.insight_item_sentiment.scored_reviews IS 'Number of them scored: with a text, when a sentiment model can serve (0 otherwise).';
COMMENT ON COLUMN @extschema@.insight_item_sentiment.mean_sentiment IS 'Mean probability positive of the scored reviews (0 to 1); NULL when none is scored.';
COMMENT ON COLUMN @extschema@.insight_item_sentiment.share_negative IS 'Share of the scored reviews with a probability positive below 0.5 (0 to 1); NULL when none is scored.';
COMMENT ON COLUMN @extschema@.insight_item_sentiment.labelled_share_negative IS 'Share of the labelled reviews (positive not NULL) whose label is negative (0 to 1): what the customers said, next to what the model reads; NULL without labels.';
COMMENT ON COLUMN @extschema@.insight_item_sentiment.model_id IS 'The sentiment model that scored them (insight_models.model_id); NULL when none can serve.';

CREATE VIEW @extschema@.insight_customer_sentiment WITH (security_invoker = true) AS
SELECT g.key AS customer_id, g.reviews, g.scored_reviews, g.mean_sentiment, g.share_negative,
       g.labelled_share_negative, g.last_review_at, g.model_id
  FROM @extschema@.insight_review_sentiment_by(true) g;

COMMENT ON VIEW @extschema@.insight_customer_sentiment IS
'Per customer of the registered reviews: how many reviews they wrote, how those score under the active sentiment model (insight_sentiment), how many are negative, and when they last wrote one. One pass over insight_reviews (security_invoker).';
COMMENT ON COLUMN @extschema@.insight_customer_sentiment.customer_id IS 'The customer, as text; reviews without a customer are left out.';
COMMENT ON COLUMN @extschema@.insight_customer_sentiment.reviews IS 'Number of reviews the customer wrote (with or without a text or a label).';
COMMENT ON COLUMN @extschema@.insight_customer_sentiment.scored_reviews IS 'Number of them scored: with a text, when a sentiment model can serve (0 otherwise).';
COMMENT ON COLUMN @extschema@.insight_customer_sentiment.mean_sentiment IS 'Mean probability positive of the scored reviews (0 to 1); NULL when none is scored.';
COMMENT ON COLUMN @extschema@.insight_customer_sentiment.share_negative IS 'Share of the scored reviews with a probability positive below 0.5 (0 to 1); NULL when none is scored.';
COMMENT ON COLUMN @extschema@.insight_customer_sentiment.labelled_share_negative IS 'Share of the customer''s labelled reviews whose label is negative (0 to 1); NULL without labels.';
COMMENT ON COLUMN @extschema@.insight_customer_sentiment.last_review_at IS 'The time of the customer''s latest review (timestamptz); NULL when the source has no time column.';
COMMENT ON COLUMN @extschema@.insight_customer_sentiment.model_id IS 'The sentiment model that scored them (insight_models.model_id); NULL when none can serve.';

-- The reviews concern of insight_customer_360 (see insight_churn_views_sql):
-- no rows without a review source with a customer column, so the view works
-- (with NULL review columns) when no reviews are registered.
CREATE FUNCTION @extschema@.insight_customer_360_reviews()
RETURNS TABLE (customer_id text, review_count bigint, mean_sentiment float8, share_negative float8)
LANGUAGE plpgsql STABLE PARALLEL RESTRICTED
AS $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM @extschema@.insight_review_sources r WHERE r.customer_column IS NOT NULL) THEN
        RETURN;
    END IF;
    RETURN QUERY SELECT g.key, g.reviews, g.mean_sentiment, g.share_negative
                   FROM @extschema@.insight_review_sentiment_by(true) g;
END
$$;

COMMENT ON FUNCTION @extschema@.insight_customer_360_reviews() IS
'The reviews concern of insight_customer_360: per customer of insight_reviews (customer_id as text), the number of reviews, their mean probability positive and the share scored below 0.5 under the active sentiment model (NULL when none can serve), as insight_customer_sentiment computes them (insight_review_sentiment_by); no rows when no review source is registered or it has no customer column. Reads the source with the caller''s privileges (42501 without SELECT on it, so reading insight_customer_360 then needs it, as it needs SELECT on the sales source).';

-- Why: the n-grams behind one score, and behind an item's reviews.
CREATE FUNCTION @extschema@.insight_sentiment_explain(review text)
RETURNS TABLE (tokens text[], contribution float8)
LANGUAGE plpgsql STABLE PARALLEL SAFE
AS $$
DECLARE
    model pg_catalog.bytea;
BEGIN
    SELECT m.weights INTO model FROM @extschema@.insight_active_model('sentiment') m;
    IF model IS NULL THEN
        PERFORM @extschema@.insight_no_active_model('sentiment');
    END IF;
    RETURN QUERY
        SELECT c.tokens, c.contribution FROM @extschema@.insight_text_contributions(model, review) c
         ORDER BY pg_catalog.abs(c.contribution) DESC, c.bucket;
END
$$;

COMMENT ON FUNCTION @extschema@.insight_sentiment_explain(text) IS
'The n-grams behind insight_sentiment(review): insight_text_contributions of the active sentiment model, the largest contributions (to the logit) first; their sum plus the model''s intercept is logit(insight_sentiment(review)). No rows for a NULL or token-less text; 55000 when no sentiment model is active.';

CREATE FUNCTION @extschema@.insight_review_terms(item text, k integer DEFAULT 10)
RETURNS TABLE (direction text, term text, reviews bigint, mean_contribution float8, total_contribution float8)
LANGUAGE plpgsql STABLE
AS $$
DECLARE
    model pg_catalog.bytea;
BEGIN
    IF k IS NULL OR k OPERATOR(pg_catalog.<) 1 THEN
        RAISE EXCEPTION 'k must be at least 1' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    SELECT m.weights INTO model FROM @extschema@.insight_active_model('sentiment') m;
    IF model IS NULL THEN
        PERFORM @extschema@.insight_no_active_model('sentiment');
    END IF;
    RETURN QUERY
    WITH c AS (
        SELECT x.tokens[1] AS term, x.contribution
          FROM @extschema@.insight_reviews r,
               @extschema@.insight_text_contributions(model, r.review) x
         WHERE r.item_id OPERATOR(pg_catalog.=) item AND x.contribution OPERATOR(pg_catalog.<>) 0),
    a AS (
        SELECT c.term, pg_catalog.count(*) AS n, pg_catalog.avg(c.contribution) AS mean,
               pg_catalog.sum(c.contribution) AS total
          FROM c GROUP BY c.term)
    (SELECT 'negative'::pg_catalog.text, a.term, a.n, a.mean, a.total FROM a
      WHERE a.total OPERATOR(pg_catalog.<) 0 ORDER BY a.total, a.term LIMIT k)
    UNION ALL
    (SELECT 'positive'::pg_catalog.text, a.term, a.n, a.mean, a.total FROM a
      WHERE a.total OPERATOR(pg_catalog.>) 0 ORDER BY a.total DESC, a.term LIMIT k);
END
$$;

COMMENT ON FUNCTION @extschema@.insight_review_terms(text, integer) IS
'"Why do they complain?": over the reviews of one item (or category: insight_reviews.item_id = item), the k n-grams that push them most towards negative, then the k that push them most towards positive, by the sum of their contributions to the logit under the active sentiment model (insight_text_contributions; a bucket is named by its first token). reviews: how many of the item''s reviews have it; mean_contribution and total_contribution: per review and summed. 22023 for k < 1; 55000 when no sentiment model is active.';
