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

--@ function src/sql/nn/nn.sql insight_nn_softmax

--@ comment src/sql/nn/nn.sql insight_nn_softmax
--@ function src/sql/models/deep/mlp.sql insight_mlp_fit

COMMENT ON FUNCTION @extschema@.insight_mlp_fit(text, integer[], text, integer, integer, float8, float8, float8, float8, integer, bigint) IS
'Fit a multilayer perceptron over a query returning (features float8[], target): for each hidden size a linear layer, ReLU (and inverted dropout with probability dropout, 0 to < 1) then the output layer, over features standardised by the training rows'' means and population standard deviations (stored with the model). loss: binary (boolean target, cross-entropy from the logit), mse or regression (float8 target, squared error), softmax (integer class 0..999 target, softmax cross-entropy, one output per class), ziln (float8 target >= 0, the zero-inflated lognormal loss of Wang, Liu & Miao 2019 as google/lifetime_value; the prediction is P(y > 0) E[y | y > 0]). Trained by AdamW (Loshchilov & Hutter 2019; torch.optim.AdamW: betas 0.9, 0.999, eps 1e-8; weight_decay 0 to 10, decoupled; learning_rate > 0 to 10) on mini-batches of batch_size rows (1 to 65536) shuffled every epoch (epochs 1 to 100000), He-normal weights before ReLU and Xavier-uniform for the output. validation_fraction (0 to 0.9) of the rows, drawn by the seed, validate: the weights of the epoch with the lowest validation loss are kept, and with patience > 0 training stops after that many epochs without improvement. Deterministic: the rows are put in a canonical order (by features, then target) before the seeded split, initialisation, shuffles and dropout, so the same seed and rows give the same bytes, in any order and under a parallel plan. Rows with NULL features, a NULL element or a NULL target are skipped and counted (NOTICE); a NOTICE per epoch gives the training and validation loss; cancellable at every mini-batch. Errors: 22023 for parameters out of range (a hidden layer of more than 65536 units, more than 16 hidden layers) and targets the loss does not take; 42804 for columns of the wrong type; 2202E for feature arrays of different lengths; 22000 for NaN or Infinity, no usable rows, one class only, or a ziln target without a positive value; 22003 when the loss stops being finite (lower the learning rate: nothing is returned); 54000 when the rows (about 12 bytes per feature and row) and the network exceed insight.max_training_memory, checked before allocation.';

--@ function src/sql/models/deep/mlp.sql insight_mlp_predict

--@ comment src/sql/models/deep/mlp.sql insight_mlp_predict

--@ function src/sql/models/deep/mlp.sql insight_mlp_predict_proba

--@ comment src/sql/models/deep/mlp.sql insight_mlp_predict_proba

--@ comment src/sql/models/algorithms.sql insight_predict

--@ comment src/sql/models/algorithms.sql insight_contributions
