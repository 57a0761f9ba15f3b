-- The neural-network core and the MLP (issue 14, parts 1 and 2): the
-- diagnostic functions of src/sql/nn/nn.sql and the MLP of
-- src/sql/models/deep/mlp.sql, and the comments of insight_predict and
-- insight_contributions (src/sql/models/algorithms.sql), which serve it.

CREATE FUNCTION @extschema@.insight_nn_diagnose(
    layers text, loss text, x float8[], y float8[], weights float8[] DEFAULT NULL,
    steps integer DEFAULT 0, batch_size integer DEFAULT 0, optimizer text DEFAULT 'adam',
    learning_rate float8 DEFAULT 0.001, weight_decay float8 DEFAULT 0, seed bigint DEFAULT 0,
    dtype text DEFAULT 'float8')
RETURNS TABLE (step integer, loss float8, gradient float8[], weights float8[])
AS 'MODULE_PATHNAME', 'insight_nn_diagnose'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@.insight_nn_diagnose(text, text, float8[], float8[], float8[], integer, integer, text, float8, float8, bigint, text) IS
'Diagnostics of the neural-network core: builds the network layers (comma-separated: linear:UNITS, embedding:VOCAB:DIM, relu, gelu (exact, x Phi(x)), dropout:P (inverted, seeded), layernorm (eps 1e-5), residual:FROM (adds activation FROM: 0 the input, k the output of layer k)) over the d columns of x (an n x d float8 array), with loss binary (cross-entropy from the logit, y 0 or 1), mse, softmax (cross-entropy, y a class 0..k-1) or ziln (zero-inflated lognormal of Wang, Liu & Miao 2019 as google/lifetime_value, outputs (logit, mu, s), y >= 0), each the mean over the batch. weights: the flat parameter array in PyTorch''s parameters() order (linear weight out x in row-major then bias; embedding table; layernorm weight then bias), or NULL for the seeded initialisation (He normal before relu/gelu, else Xavier uniform; biases 0). With steps = 0, one row (step 0): the loss and its gradient with respect to the weights over the first batch. With steps > 0 (at most 100000), one row per optimiser step (adam = torch.optim.Adam, adamw = torch.optim.AdamW; betas 0.9, 0.999, eps 1e-8): the loss and gradient of batch s at the weights before the step, and the weights after it; batches are consecutive blocks of batch_size rows (0: all rows, else a divisor of n), taken in turn. dtype float4 runs the float/sgemm core that trains models, float8 the double/dgemm one. Errors: 22023 for an unknown layer, loss, optimizer or dtype, a target the loss does not take, sizes out of range; 2202E for arrays of the wrong shape or length; 22000 for NaN or Infinity; 22003 when the loss or the weights stop being finite (lower the learning rate); 54000 past insight.max_training_memory.';

CREATE FUNCTION @extschema@.insight_nn_softmax(logits float8[])
RETURNS float8[]
AS 'MODULE_PATHNAME', 'insight_nn_softmax'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@.insight_nn_softmax(float8[]) IS
'The softmax of the neural-network core: exp(z_j - max z) / sum_i exp(z_i - max z) for a one-dimensional float8 array without NULL, NaN or Infinity (errors 2202E, 22000), stable for logits of any magnitude: (-1000, -1001, -1002) and (1000, 999, 998) give what (0, -1, -2) gives.';
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
'Fit a multilayer perceptron over a query returning (features float8[], target): for each hidden size a linear layer, ReLU (and inverted dropout with probability dropout, 0 to < 1) then the output layer, over features standardised by the training rows'' means and population standard deviations (stored with the model). loss: binary (boolean target, cross-entropy from the logit), mse or regression (float8 target, squared error), softmax (integer class 0..999 target, softmax cross-entropy, one output per class), ziln (float8 target >= 0, the zero-inflated lognormal loss of Wang, Liu & Miao 2019 as google/lifetime_value; the prediction is P(y > 0) E[y | y > 0]). Trained by AdamW (Loshchilov & Hutter 2019; torch.optim.AdamW: betas 0.9, 0.999, eps 1e-8; weight_decay 0 to 10, decoupled; learning_rate > 0 to 10) on mini-batches of batch_size rows (1 to 65536) shuffled every epoch (epochs 1 to 100000), He-normal weights before ReLU and Xavier-uniform for the output. validation_fraction (0 to 0.9) of the rows, drawn by the seed, validate: the weights of the epoch with the lowest validation loss are kept, and with patience > 0 training stops after that many epochs without improvement. Deterministic: the rows are put in a canonical order (by features, then target) before the seeded split, initialisation, shuffles and dropout, so the same seed and rows give the same bytes, in any order and under a parallel plan. Rows with NULL features, a NULL element or a NULL target are skipped and counted (NOTICE); a NOTICE per epoch gives the training and validation loss; cancellable at every mini-batch. Errors: 22023 for parameters out of range (a hidden layer of more than 65536 units, more than 16 hidden layers) and targets the loss does not take; 42804 for columns of the wrong type; 2202E for feature arrays of different lengths; 22000 for NaN or Infinity, no usable rows, one class only, or a ziln target without a positive value; 22003 when the loss stops being finite (lower the learning rate: nothing is returned); 54000 when the rows (about 12 bytes per feature and row) and the network exceed insight.max_training_memory, checked before allocation.';

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

COMMENT ON FUNCTION @extschema@.insight_predict(bytea, float8[]) IS
'The score of one row of features under a feature-based model of any algorithm (read from the model''s header): for logistic regression the probability of label true, exactly insight_logreg_predict; for an MLP what insight_mlp_predict returns (probability, value, most probable class or expected value, by its loss). NULL when an element is NULL. Errors: 0A000 for an algorithm that does not predict from features (scaler, kmeans, the CLV models, recommenders), XX001 for a corrupt model, 2202E for the wrong number of features or an array that is not one-dimensional, 22000 for NaN or Infinity. The decoded model is cached per backend (insight.model_cache_size).';

COMMENT ON FUNCTION @extschema@.insight_contributions(bytea, float8[]) IS
'Per-feature contributions to the score of one row under a feature-based model of any algorithm: for logistic regression w_j·(x_j - mean_j), the terms of the logit relative to the average training row, exactly insight_logreg_contributions; for an MLP the integrated gradients (Sundararajan, Taly & Yan 2017; trapezoidal rule over 256 steps) of insight_mlp_predict(model, features, margin => true) from the average training row, which sum to that margin minus the average row''s up to the rule''s error (within 1% in sql/43_nn.sql). Positive values push the score up. NULL when an element is NULL; errors as insight_predict (0A000 for an algorithm without contributions).';
