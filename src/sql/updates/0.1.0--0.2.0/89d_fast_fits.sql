-- Issue 23: a logistic fit that reads its rows once when they fit in
-- insight.max_training_memory (insight_logreg_fit gains in_memory, default
-- true; false keeps one aggregate pass per iteration).

DROP FUNCTION @extschema@.insight_logreg_fit(text, float8, integer, float8);

CREATE FUNCTION @extschema@.insight_logreg_fit(query text, lambda float8 DEFAULT 1.0,
                                               max_iterations integer DEFAULT 100,
                                               tolerance float8 DEFAULT 1e-8,
                                               in_memory boolean DEFAULT true)
RETURNS bytea
AS 'MODULE_PATHNAME', 'insight_logreg_fit'
LANGUAGE C VOLATILE PARALLEL UNSAFE;

COMMENT ON FUNCTION @extschema@.insight_logreg_fit(text, float8, integer, float8, boolean) IS
'Fit an L2-penalised logistic regression over a query returning (features float8[], label boolean): minimises the sum of log losses + (lambda/2)·||w||², intercept not penalised (the optimum of scikit-learn LogisticRegression(C = 1/lambda)). Newton''s method (IRLS) in standardised coordinates with step halving. With in_memory (the default) the query runs once: its rows are kept in memory when they fit in insight.max_training_memory (8 bytes per feature and label a row) and every iteration adds them up there a block at a time with BLAS, as the aggregate does; when they do not fit (a NOTICE says so), or with in_memory => false (for example on Citus, where the aggregate runs on the shards), a scaler pass (insight_scaler_fit) and then one parallel aggregate pass per iteration (insight_logreg_irls_step). Both find the same optimum (up to the rounding of sums in another order); stops when the largest Newton step is <= tolerance·(1 + largest coefficient), or (lambda > 0) when the Newton decrement g''H⁻¹g/2 is below the objective''s rounding (4ε·|objective|). On the pass-per-iteration path the query must return the same rows on every pass. Rows with a NULL label, array or element are skipped and counted (see insight_model_info). Errors: no training rows, one class only, lambda = 0 without a finite optimum (separable classes), non-finite values, arrays of different lengths. Not converging within max_iterations (lambda > 0) gives a WARNING and a model flagged converged = false. A NOTICE reports the objective after every iteration.';
