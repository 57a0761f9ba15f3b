-- Issue 15, SASRec (part 1): the neural-network core gains causal
-- multi-head self-attention (attention:HEADS:LENGTH[:FROM[:P]]), and the
-- diagnostic function insight_nn_diagnose a trailing argument padding (the
-- rows attention layers ignore); a new signature, so dropped and created.

DROP FUNCTION @extschema@.insight_nn_diagnose(text, text, float8[], float8[], float8[], integer, integer, text, float8, float8, bigint, text);

--@ function src/sql/nn/nn.sql insight_nn_diagnose

--@ comment src/sql/nn/nn.sql insight_nn_diagnose

-- SASRec (part 2): the model, its fitting and its diagnostic function.

CREATE OR REPLACE FUNCTION @extschema@.insight_sasrec_fit(
    query text DEFAULT NULL, max_length integer DEFAULT 50, hidden integer DEFAULT 50,
    blocks integer DEFAULT 2, heads integer DEFAULT 1, dropout float8 DEFAULT 0.5,
    epochs integer DEFAULT 20, batch_size integer DEFAULT 128,
    learning_rate float8 DEFAULT 0.001, negatives integer DEFAULT 1, seed bigint DEFAULT 0)
RETURNS bytea
AS 'MODULE_PATHNAME', 'insight_sasrec_fit'
LANGUAGE C VOLATILE PARALLEL UNSAFE
SET jit = off;

COMMENT ON FUNCTION @extschema@.insight_sasrec_fit(text, integer, integer, integer, integer, float8, integer, integer, float8, integer, bigint) IS
'SASRec (Kang & McAuley 2018, "Self-Attentive Sequential Recommendation"; reference code kang205/SASRec) trained by mini-batch Adam (beta2 0.98 as the reference) over the rows (customer, item, event_time timestamptz) of query, or, when query is NULL, over the registered sales (insight_sales lines with quantity > 0). Sequences: the distinct (customer, item, event_time) rows, each customer''s items in time order, the items of one order (same event_time) by the text of their key in byte order; repeat purchases in later orders are kept; items numbered 1..N by their key''s text (0 is the padding); each customer''s latest max_length + 1 items are one sequence (inputs all but the last, targets the next item; customers with one item are left out). Network: item embeddings times sqrt(hidden) plus learned positional embeddings, dropout, blocks of [layer norm, causal self-attention with heads heads (queries from the layer norm, keys and values from the block input, dropout on the attention weights), residual to the normalised queries, layer norm, point-wise feed-forward (linear, ReLU, dropout, linear, dropout), residual], a final layer norm; the score of item j is the dot product of the hidden state with item j''s embedding (shared). Loss: the paper''s binary cross-entropy of each target against negatives items per position drawn uniformly among the items not in the sequence, padding positions ignored, the mean over the target positions; a NOTICE per epoch reports it. Seeded: the same data, arguments and seed give the same bytes. Memory under insight.max_training_memory; interruptible (SET jit = off: compiling the rows query is not). Returns the model (algorithm sasrec; insight_model_info). Errors: 22004 for a NULL argument other than query; 22023 for max_length outside 1..1024, hidden outside 1..4096, blocks outside 0..6, heads that do not divide hidden, dropout outside [0, 1), epochs outside 1..100000, batch_size outside 1..65536 / max_length, learning_rate outside (0, 10], negatives outside 1..1000, or no customer with two items or fewer than two distinct items; 42804 and 42601 for a query of the wrong shape; 22003 when the loss stops being finite; 54000 past insight.max_training_memory.';

--@ function src/sql/models/deep/sasrec.sql insight_sasrec_diagnose

--@ comment src/sql/models/deep/sasrec.sql insight_sasrec_diagnose

--@ function src/sql/models/deep/sasrec.sql insight_sasrec_evaluate

--@ comment src/sql/models/deep/sasrec.sql insight_sasrec_evaluate
