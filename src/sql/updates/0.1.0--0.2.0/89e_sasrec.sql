-- Issue 15, SASRec (part 1): the neural-network core gains causal
-- multi-head self-attention (attention:HEADS:LENGTH[:FROM[:P]]), and the
-- diagnostic function insight_nn_diagnose a trailing argument padding (the
-- rows attention layers ignore); a new signature, so dropped and created.

DROP FUNCTION @extschema@.insight_nn_diagnose(text, text, float8[], float8[], float8[], integer, integer, text, float8, float8, bigint, text);

--@ function src/sql/nn/nn.sql insight_nn_diagnose

--@ comment src/sql/nn/nn.sql insight_nn_diagnose

-- SASRec (part 2): the model, its fitting and its diagnostic function.

--@ function src/sql/models/deep/sasrec.sql insight_sasrec_fit

--@ comment src/sql/models/deep/sasrec.sql insight_sasrec_fit

--@ function src/sql/models/deep/sasrec.sql insight_sasrec_diagnose

--@ comment src/sql/models/deep/sasrec.sql insight_sasrec_diagnose

--@ function src/sql/models/deep/sasrec.sql insight_sasrec_evaluate

--@ comment src/sql/models/deep/sasrec.sql insight_sasrec_evaluate
