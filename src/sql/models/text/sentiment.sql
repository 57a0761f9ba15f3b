-- ---------------------------------------------------------------------------
-- The text model (algorithm 12): src/models/text/sentiment.c,
-- docs/reference/reviews.md.
-- ---------------------------------------------------------------------------

-- VOLATILE: it runs the user's query.
CREATE FUNCTION @extschema@.insight_text_fit(query text, buckets integer DEFAULT 262144,
                                             c float8 DEFAULT 4, alpha float8 DEFAULT 1,
                                             max_iterations integer DEFAULT 200,
                                             variant text DEFAULT 'nblr',
                                             norm text DEFAULT 'l2')
RETURNS bytea
AS 'MODULE_PATHNAME', 'insight_text_fit'
LANGUAGE C VOLATILE PARALLEL UNSAFE;

COMMENT ON FUNCTION @extschema@.insight_text_fit(text, integer, float8, float8, integer, text, text) IS
'Train a sentiment model (algorithm 12, "text") on query, a SELECT of (review text, label boolean: true positive); returns the model as bytea. Each review is the set of its hashed n-grams (insight_text_hash(review, buckets)). variant ''nblr'': NB-weighted logistic regression (Wang & Manning 2012, NBSVM with the logistic loss: features r o f, r = log((p/|p|_1)/(q/|q|_1)), p and q alpha plus the per-label counts of each bucket); ''lr'': the same without the ratios. norm ''l2'' (the default): each review''s feature vector divided by its Euclidean norm over the buckets seen in training, as scikit-learn''s TfidfVectorizer(norm=''l2'') does per document (chosen by measurement with c = 4, docs/reference/reviews.md); ''none'': unnormalised. L2 logistic regression as scikit-learn''s LogisticRegression (minimise |w|^2/2 + c * sum of log losses, intercept unpenalised), by L-BFGS (Nocedal 1980) for at most max_iterations, NOTICE every 10. Rows with a NULL review or label are skipped and counted (NOTICE, insight_model_info(model)->''rows_skipped''); a review without tokens is kept as the empty document. Reads everything into memory under insight.max_training_memory. Errors: 22023 a parameter out of range (buckets 1 .. 16777216, c and alpha > 0, max_iterations 1 .. 10000, variant, norm), 22004 a NULL parameter, 22000 only one label or no usable token in any review, 42804 a query of other columns.';

CREATE FUNCTION @extschema@.insight_text_predict(model bytea, review text)
RETURNS float8
AS 'MODULE_PATHNAME', 'insight_text_predict'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@.insight_text_predict(bytea, text) IS
'The probability that a review is positive under a text model (insight_text_fit): sigmoid(intercept + the sum of the weights of the distinct hashed n-grams of the review, divided for a normalised model by the review''s norm sqrt(sum of r_j^2) over its n-grams the model knows). A review of only unknown n-grams, or without a token (''''), scores the empty document, sigmoid(intercept) (insight_model_info(model)->''empty_document_score''), never NULL or NaN. Errors: XX001 a corrupt model, 22023 a model of another algorithm.';

CREATE FUNCTION @extschema@.insight_text_contributions(model bytea, review text)
RETURNS TABLE (bucket integer, tokens text[], contribution float8)
AS 'MODULE_PATHNAME', 'insight_text_contributions'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@.insight_text_contributions(bytea, text) IS
'Why a text model scores a review as it does: one row per distinct bucket of the review (insight_text_hash), ascending, with the tokens that fell into it (text order; more than one when tokens share a bucket) and its weight in the model divided by the review''s norm for a normalised model (0 for a bucket it does not know). The sum of the contributions plus the model''s intercept is the logit of insight_text_predict(model, review) (a linear model: each feature''s contribution is its weight). Errors as insight_text_predict.';
