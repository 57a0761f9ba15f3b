-- The neural-network core and the MLP (issue 14, parts 1 and 2): the
-- diagnostic functions of src/sql/nn/nn.sql and the MLP of
-- src/sql/models/deep/mlp.sql, and the comments of insight_predict and
-- insight_contributions (src/sql/models/algorithms.sql), which serve it.

--@ function src/sql/nn/nn.sql insight_nn_diagnose

--@ comment src/sql/nn/nn.sql insight_nn_diagnose

--@ function src/sql/nn/nn.sql insight_nn_softmax

--@ comment src/sql/nn/nn.sql insight_nn_softmax
--@ function src/sql/models/deep/mlp.sql insight_mlp_fit

--@ comment src/sql/models/deep/mlp.sql insight_mlp_fit

--@ function src/sql/models/deep/mlp.sql insight_mlp_predict

--@ comment src/sql/models/deep/mlp.sql insight_mlp_predict

--@ function src/sql/models/deep/mlp.sql insight_mlp_predict_proba

--@ comment src/sql/models/deep/mlp.sql insight_mlp_predict_proba

--@ comment src/sql/models/algorithms.sql insight_predict

--@ comment src/sql/models/algorithms.sql insight_contributions
