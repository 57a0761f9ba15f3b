-- ---------------------------------------------------------------------------
-- Deep models, the multilayer perceptron: fitting over any query,
-- prediction, class probabilities.  insight_predict and
-- insight_contributions (integrated gradients) serve it through the
-- algorithm table.  See src/models/deep/ and docs/reference/nn.md.
-- ---------------------------------------------------------------------------

CREATE FUNCTION @extschema@.insight_mlp_fit(
    query text, hidden integer[] DEFAULT '{64,32}', loss text DEFAULT 'binary',
    epochs integer DEFAULT 20, batch_size integer DEFAULT 256,
    learning_rate float8 DEFAULT 0.001, weight_decay float8 DEFAULT 0,
    dropout float8 DEFAULT 0, validation_fraction float8 DEFAULT 0.2,
    patience integer DEFAULT 5, seed bigint DEFAULT 0)
RETURNS bytea
AS 'MODULE_PATHNAME', 'insight_mlp_fit'
LANGUAGE C VOLATILE PARALLEL UNSAFE;

COMMENT ON FUNCTION @extschema@.insight_mlp_fit(text, integer[], text, integer, integer, float8, float8, float8, float8, integer, bigint) IS
'Fit a multilayer perceptron over a query returning (features float8[], target): for each hidden size a linear layer, ReLU (and inverted dropout with probability dropout, 0 to < 1) then the output layer, over features standardised by the training rows'' means and population standard deviations (stored with the model). loss: binary (boolean target, cross-entropy from the logit), mse or regression (float8 target, squared error), softmax (integer class 0..999 target, softmax cross-entropy, one output per class), ziln (float8 target >= 0, the zero-inflated lognormal loss of Wang, Liu & Miao 2019 as google/lifetime_value; the prediction is P(y > 0) E[y | y > 0]). Trained by AdamW (Loshchilov & Hutter 2019; torch.optim.AdamW: betas 0.9, 0.999, eps 1e-8; weight_decay 0 to 10, decoupled; learning_rate > 0 to 10) on mini-batches of batch_size rows (1 to 65536) shuffled every epoch (epochs 1 to 100000), He-normal weights before ReLU and Xavier-uniform for the output. validation_fraction (0 to 0.9) of the rows, drawn by the seed, validate: the weights of the epoch with the lowest validation loss are kept, and with patience > 0 training stops after that many epochs without improvement. Deterministic: the rows are put in a canonical order (by features, then target) before the seeded split, initialisation, shuffles and dropout, so the same seed and rows give the same bytes, in any order and under a parallel plan. Rows with NULL features, a NULL element or a NULL target are skipped and counted (NOTICE); a NOTICE per epoch gives the training and validation loss; cancellable at every mini-batch. Errors: 22023 for parameters out of range (a hidden layer of more than 65536 units, more than 16 hidden layers) and targets the loss does not take; 42804 for columns of the wrong type; 2202E for feature arrays of different lengths; 22000 for NaN or Infinity, no usable rows, one class only, or a ziln target without a positive value; 22003 when the loss stops being finite (lower the learning rate: nothing is returned); 54000 when the rows (about 8 bytes per feature and row: the double rows become the float32 training matrix in place) and the network exceed insight.max_training_memory, checked before allocation.';

CREATE FUNCTION @extschema@.insight_mlp_predict(model bytea, features float8[], margin boolean DEFAULT false)
RETURNS float8
AS 'MODULE_PATHNAME', 'insight_mlp_predict'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@.insight_mlp_predict(bytea, float8[], boolean) IS
'Prediction of an MLP (insight_mlp_fit) for one row of raw features: for loss binary the probability of true, mse the value, softmax the most probable class (0-based), ziln the expected value P(y > 0) exp(mu + sigma^2 / 2) (google/lifetime_value''s zero_inflated_lognormal_pred). With margin => true the value insight_contributions explains: the logit (binary), the value (mse), the log-probability of the most probable class (softmax), the logarithm of the expected value (ziln). NULL when an element is NULL; errors for the wrong number of features (2202E), NaN or Infinity (22000), a model of another algorithm (22023) or corrupt bytes (XX001). The decoded model is cached per backend.';

CREATE FUNCTION @extschema@.insight_mlp_predict_proba(model bytea, features float8[])
RETURNS float8[]
AS 'MODULE_PATHNAME', 'insight_mlp_predict_proba'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@.insight_mlp_predict_proba(bytea, float8[]) IS
'Class probabilities of an MLP classifier for one row of raw features: {P(false), P(true)} for loss binary, the softmax of the outputs (one per class, class 0 first) for loss softmax; they sum to 1. 22023 for an MLP of loss mse or ziln; other errors as insight_mlp_predict.';
