-- ---------------------------------------------------------------------------
-- Recommenders over implicit feedback: building blocks over any query of
-- rows (user_key, item_key, value).  See src/models/recsys/recommend.h for the shared
-- rules: keys in their text form, duplicate pairs summed, pairs <= 0 dropped,
-- NULL rows skipped; ties broken by popularity, then item key.
-- ---------------------------------------------------------------------------

CREATE FUNCTION @extschema@.insight_popularity_fit(query text)
RETURNS bytea
AS 'MODULE_PATHNAME', 'insight_popularity_fit'
LANGUAGE C VOLATILE STRICT PARALLEL UNSAFE;

COMMENT ON FUNCTION @extschema@.insight_popularity_fit(text) IS
'Popularity baseline over a query of rows (user_key, item_key, value): every item scored by the share of users with a positive interaction with it, ties broken by item key. Duplicate (user, item) rows sum, pairs whose sum is <= 0 are dropped, rows with a NULL are skipped. NULL when no interaction remains. The query runs read-only; its data are held in memory under insight.max_training_memory. PARALLEL UNSAFE because it runs a query.';

CREATE FUNCTION @extschema@.insight_als_fit(query text, factors int DEFAULT 64,
    regularization float8 DEFAULT 0.01, alpha float8 DEFAULT 1.0,
    iterations int DEFAULT 15, seed bigint DEFAULT 0,
    solver text DEFAULT 'cg', cg_steps int DEFAULT 4)
RETURNS bytea
AS 'MODULE_PATHNAME', 'insight_als_fit'
LANGUAGE C VOLATILE STRICT PARALLEL UNSAFE;

COMMENT ON FUNCTION @extschema@.insight_als_fit(text, int, float8, float8, int, bigint, text, int) IS
'Implicit-feedback ALS (Hu, Koren & Volinsky 2008) over a query of rows (user_key, item_key, value r): preference 1 for r > 0, confidence 1 + alpha * r, objective sum c (p - x.y)^2 + regularization (|X|^2 + |Y|^2) over all user-item pairs, with the Y^T Y + Y^T (C - I) Y decomposition. solver: cg (default) takes cg_steps (1 to 4096, default 4) conjugate-gradient steps on each user''s (item''s) normal equations per half-step, warm-started from its current factors (Takacs, Pilaszy & Tikk 2011; implicit''s use_cg), O(f^2 + n f) a step; exact solves each system by Cholesky, O(n f^2 + f^3). Users are solved first (CG from zero factors) from item factors uniform in [0, 0.01) drawn from seed; float32 factors; the same data, solver and seed give the same model. The objective after each iteration is reported as NOTICE (with the solver and the iteration''s seconds as DETAIL) and stored (insight_model_info(...)->''loss''). Interactions as in insight_popularity_fit; held in memory under insight.max_training_memory; interruptible. NULL when no interaction remains. Errors (22023): factors outside 1..4096, iterations outside 1..10000, a negative or non-finite regularization or alpha, an unknown solver, cg_steps outside 1..4096.';

CREATE FUNCTION @extschema@.insight_itemknn_fit(query text, neighbors int DEFAULT 100,
    similarity text DEFAULT 'cosine')
RETURNS bytea
AS 'MODULE_PATHNAME', 'insight_itemknn_fit'
LANGUAGE C VOLATILE STRICT PARALLEL UNSAFE;

COMMENT ON FUNCTION @extschema@.insight_itemknn_fit(text, int, text) IS
'Item-based k-nearest-neighbour recommender (Sarwar et al. 2001; Deshpande & Karypis 2004) over a query of rows (user_key, item_key, value r). similarity: cosine of the items'' value vectors, or tfidf / bm25 weighting (K1 1.2, B 0.75) as in benfred/implicit. Each item keeps its neighbors most similar items with a positive similarity; a user''s score for item j is the sum of r * similarity over the user''s items whose lists hold j. Interactions as in insight_popularity_fit. NULL when no interaction remains.';

CREATE FUNCTION @extschema@.insight_recommend_from(model bytea, user_key text, k int DEFAULT 10,
    exclude_seen boolean DEFAULT true, exclude text[] DEFAULT NULL)
RETURNS TABLE (item_key text, score float8, rank int)
AS 'MODULE_PATHNAME', 'insight_recommend_from'
LANGUAGE C IMMUTABLE PARALLEL SAFE ROWS 10;

COMMENT ON FUNCTION @extschema@.insight_recommend_from(bytea, text, int, boolean, text[]) IS
'The k best items for a user of a recommender model (als, itemknn, popularity, or sasrec with customer histories: insight_sasrec_with_history), as (item_key, score, rank 1..k). Scores: ALS x_u . y_i; item-kNN sum of r * similarity; popularity the share of users who have the item; SASRec the final hidden state of the user''s latest items (up to max_length, float network, no dropout) dotted with each item''s embedding (Kang & McAuley 2018), exclude_seen dropping every item the user bought in the history. A SASRec model without histories is an error (22023). Ties by popularity, then item key. exclude_seen drops the user''s own items, exclude drops the listed keys; fewer than k rows when fewer items remain (never padded). A user the model has not seen, or NULL, gets the popularity ranking (score = popularity share). No rows for a NULL model, k or exclude_seen; k < 0 is an error.';

CREATE FUNCTION @extschema@.insight_recommend_each(model bytea, user_keys text[], k int DEFAULT 10,
    exclude_seen boolean DEFAULT true)
RETURNS TABLE (user_index int, user_key text, item_key text, score float8, rank int)
AS 'MODULE_PATHNAME', 'insight_recommend_each'
LANGUAGE C IMMUTABLE PARALLEL SAFE ROWS 1000;

COMMENT ON FUNCTION @extschema@.insight_recommend_each(bytea, text[], int, boolean) IS
'insight_recommend_from(model, user_key, k, exclude_seen) for every element of user_keys, from one lookup (or decoding) of the model rather than one per user: rows (user_index, user_key, item_key, score, rank 1..k), user_index the element''s 1-based position in the array (its elements in storage order, a multidimensional array flattened), the same items, scores and ranks as insight_recommend_from gives that user. A NULL element gets the popularity ranking (user_key NULL), as a NULL user does; a repeated key gets its rows again. For scoring many customers at once, as insight_recommender_metrics does. No rows for a NULL model, user_keys, k or exclude_seen; k < 0 is an error (22023); a SASRec model without histories is an error (22023).';

CREATE FUNCTION @extschema@.insight_similar_items_from(model bytea, item_key text, k int DEFAULT 10)
RETURNS TABLE (item_key text, score float8, rank int)
AS 'MODULE_PATHNAME', 'insight_similar_items_from'
LANGUAGE C IMMUTABLE PARALLEL SAFE ROWS 10;

COMMENT ON FUNCTION @extschema@.insight_similar_items_from(bytea, text, int) IS
'The k items most similar to an item: ALS by cosine of item factors, item-kNN from the item''s neighbour list (at most neighbors rows), SASRec by cosine of item embeddings. Ties by popularity, then item key; the item itself is never returned. No rows for an item the model has not seen. A popularity model has no similarity (error 0A000).';

CREATE FUNCTION @extschema@.insight_als_fold_in(model bytea, item_keys text[], item_values float8[])
RETURNS float8[]
AS 'MODULE_PATHNAME', 'insight_als_fold_in'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@.insight_als_fold_in(bytea, text[], float8[]) IS
'Factors of a user the ALS model has not seen, without retraining: one exact user half-step with the model''s item factors (Hu et al. 2008 eq. 4; implicit''s recalculate_user). Values of the same item sum; unknown items and NULL pairs are ignored; items whose sum is <= 0 are dropped. No entries give zero factors. Errors: arrays of different lengths, NaN or Infinity.';

CREATE FUNCTION @extschema@.insight_als_model(item_keys text[], item_factors float8[],
    regularization float8 DEFAULT 0.01, alpha float8 DEFAULT 1.0)
RETURNS bytea
AS 'MODULE_PATHNAME', 'insight_als_model'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@.insight_als_model(text[], float8[], float8, float8) IS
'An ALS model from item factors trained elsewhere: item_factors is an items x factors float8[][] whose row k belongs to item_keys[k]. The model has no users; serve it with insight_als_fold_in and insight_similar_items_from. Errors: duplicate or NULL keys, shapes that disagree, non-finite factors.';

CREATE FUNCTION @extschema@.insight_als_user_factors(model bytea)
RETURNS TABLE (user_key text, factors float8[])
AS 'MODULE_PATHNAME', 'insight_als_user_factors'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@.insight_als_user_factors(bytea) IS
'The user factors of an ALS model, one row per user in key order.';

CREATE FUNCTION @extschema@.insight_als_item_factors(model bytea)
RETURNS TABLE (item_key text, factors float8[])
AS 'MODULE_PATHNAME', 'insight_als_item_factors'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@.insight_als_item_factors(bytea) IS
'The item factors of an ALS model, one row per item in key order.';
