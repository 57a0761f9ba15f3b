-- ---------------------------------------------------------------------------
-- SASRec, self-attentive sequential recommendation (Kang & McAuley 2018;
-- src/models/deep/sasrec*.c): fitting, and the diagnostic function of the
-- causal-mask test (sql/44_sasrec.sql) and the PyTorch peer test
-- (test/peer/sasrec_torch.py).  Reference: docs/reference/sasrec.md.
-- ---------------------------------------------------------------------------

CREATE FUNCTION @extschema@.insight_sasrec_fit(
    query text DEFAULT NULL, max_length integer DEFAULT 50, hidden integer DEFAULT 50,
    blocks integer DEFAULT 2, heads integer DEFAULT 1, dropout float8 DEFAULT 0.5,
    epochs integer DEFAULT 20, batch_size integer DEFAULT 128,
    learning_rate float8 DEFAULT 0.001, negatives integer DEFAULT 1, seed bigint DEFAULT 0,
    with_history boolean DEFAULT false)
RETURNS bytea
AS 'MODULE_PATHNAME', 'insight_sasrec_fit'
LANGUAGE C VOLATILE PARALLEL UNSAFE
SET jit = off;

COMMENT ON FUNCTION @extschema@.insight_sasrec_fit(text, integer, integer, integer, integer, float8, integer, integer, float8, integer, bigint, boolean) IS
'SASRec (Kang & McAuley 2018, "Self-Attentive Sequential Recommendation"; reference code kang205/SASRec) trained by mini-batch Adam (beta2 0.98 as the reference) over the rows (customer, item, event_time timestamptz) of query, or, when query is NULL, over the registered sales (insight_sales lines with quantity > 0). Sequences: the distinct (customer, item, event_time) rows, each customer''s items in time order, the items of one order (same event_time) by the text of their key in byte order; repeat purchases in later orders are kept; items numbered 1..N by their key''s text (0 is the padding); each customer''s latest max_length + 1 items are one sequence (inputs all but the last, targets the next item; customers with one item are left out). Network: item embeddings times sqrt(hidden) plus learned positional embeddings, dropout, blocks of [layer norm, causal self-attention with heads heads (queries from the layer norm, keys and values from the block input, dropout on the attention weights), residual to the normalised queries, layer norm, point-wise feed-forward (linear, ReLU, dropout, linear, dropout), residual], a final layer norm; the score of item j is the dot product of the hidden state with item j''s embedding (shared). Loss: the paper''s binary cross-entropy of each target against negatives items per position drawn uniformly among the items not in the sequence, padding positions ignored, the mean over the target positions; a NOTICE per epoch reports it. Seeded: the same data, arguments and seed give the same bytes. with_history: the model also carries the customer histories it recommends from, built from the same read of the rows (the same bytes as insight_sasrec_with_history(insight_sasrec_fit(query, ...), query), which reads the rows a second time). Memory under insight.max_training_memory; interruptible (SET jit = off: compiling the rows query is not). Returns the model (algorithm sasrec; insight_model_info). Errors: 22004 for a NULL argument other than query; 22023 for max_length outside 1..1024, hidden outside 1..4096, blocks outside 0..6, heads that do not divide hidden, dropout outside [0, 1), epochs outside 1..100000, batch_size outside 1..65536 / max_length, learning_rate outside (0, 10], negatives outside 1..1000, or no customer with two items or fewer than two distinct items; 42804 and 42601 for a query of the wrong shape; 22003 when the loss stops being finite; 54000 past insight.max_training_memory.';

CREATE FUNCTION @extschema@.insight_sasrec_diagnose(model bytea, sequences integer[],
    targets integer[], negatives integer[])
RETURNS TABLE (loss float8, hidden float8[], gradient float8[], weights float8[])
AS 'MODULE_PATHNAME', 'insight_sasrec_diagnose'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@.insight_sasrec_diagnose(bytea, integer[], integer[], integer[]) IS
'Diagnostics of a SASRec model of insight_sasrec_fit, in double precision and without dropout: for b sequences of item ids (a b x max_length integer array, 0 the padding, left-padded), their targets (b x max_length, 0 for none) and negatives (b x max_length k, k per position, in position order), one row: the loss (the mean over target positions of -log sigmoid(h . E[target]) - sum log(1 - sigmoid(h . E[negative])), 0 without targets), hidden (the final hidden state of every position, b x max_length x hidden values, flattened), gradient (of the loss with respect to weights) and weights (the flat parameter array: item embeddings (items + 1) x hidden, positional embeddings max_length x hidden, then the blocks in the neural-network core''s order, see insight_nn_diagnose). Errors: 2202E for arrays of the wrong shape; 22023 for an id outside the model''s items; XX001 for corrupted model bytes.';

CREATE FUNCTION @extschema@.insight_sasrec_evaluate(model bytea, query text DEFAULT NULL,
    negatives integer DEFAULT 100, k integer DEFAULT 10, seed bigint DEFAULT 0)
RETURNS TABLE (sequences bigint, skipped bigint, hit_rate float8, ndcg float8)
AS 'MODULE_PATHNAME', 'insight_sasrec_evaluate'
LANGUAGE C VOLATILE PARALLEL UNSAFE
SET jit = off;

COMMENT ON FUNCTION @extschema@.insight_sasrec_evaluate(bytea, text, integer, integer, bigint) IS
'The evaluation protocol of Kang & McAuley 2018 (section IV.B; kang205/SASRec util.py) for a SASRec model of insight_sasrec_fit over rows (customer, item, event_time timestamptz) of query (NULL: the registered sales, as insight_sasrec_fit), sequences built as insight_sasrec_fit does: for each customer with two items or more, the last item is the test item and the latest max_length items before it the input; the test item is ranked among negatives items (default 100) drawn uniformly, with replacement, among the items not in the customer''s kept sequence (seeded); rank r = the number of negatives scored strictly higher; hit_rate = mean [r < k] (HR@k), ndcg = mean [r < k] / log2(r + 2) (NDCG@k), over the sequences evaluated (NULL when none). Items are matched to the model''s by their text form; unknown items are dropped, and a customer whose test item the model does not know is counted in skipped. The leave-one-out split is the caller''s: train on the rows before each customer''s last item (the paper also holds out the second-last for validation). Scores in the float network, without dropout. Errors: 22004 for a NULL argument other than query; 22023 for negatives outside 1..100000 or k outside 1..negatives + 1; XX001 for corrupted model bytes; 54000 past insight.max_training_memory.';

CREATE FUNCTION @extschema@.insight_sasrec_with_history(model bytea, query text DEFAULT NULL)
RETURNS bytea
AS 'MODULE_PATHNAME', 'insight_sasrec_with_history'
LANGUAGE C VOLATILE PARALLEL UNSAFE
SET jit = off;

COMMENT ON FUNCTION @extschema@.insight_sasrec_with_history(bytea, text) IS
'A SASRec model of insight_sasrec_fit with the customer histories it recommends from (model flag 0x1; a history it had is replaced), read from the rows (customer, item, event_time timestamptz) of query, or, when query is NULL, of the registered sales (insight_sales lines with quantity > 0), as insight_sasrec_fit reads them: the distinct rows, each customer''s items in time order, the items of one order by their key''s text in byte order; items the model does not know are dropped. Per customer with at least one known item: every item bought (what insight_recommend_from leaves out with exclude_seen) and the latest max_length items (the input of the network). With it, insight_recommend_from(model, customer, k) scores every item for a customer by the final hidden state of the customer''s latest items (float network, no dropout) dotted with each item''s embedding (Kang & McAuley 2018, section III.E), an unknown customer getting the popularity ranking (share of the histories'' customers who bought each item); insight_similar_items_from ranks items by the cosine of item embeddings, with or without histories. For a cut-off, give a query with event_time < the cut-off. A model fitted on the same query gets these histories from insight_sasrec_fit(..., with_history => true), which reads the rows once for both (the recommender task does). Errors: 22004 for a NULL model; 22023 when no customer bought an item of the model; 42804 and 42601 for a query of the wrong shape; XX001 for corrupted model bytes; 54000 past insight.max_training_memory.';
