-- ---------------------------------------------------------------------------
-- Logistic regression: one IRLS pass per aggregate, a driver over any query,
-- prediction.  See src/models/linear/logreg.c for the formulas and their sources.
-- ---------------------------------------------------------------------------

CREATE FUNCTION @extschema@.insight_logreg_irls_accum(state bytea, features float8[], label boolean, params float8[])
RETURNS bytea
AS 'MODULE_PATHNAME', 'insight_logreg_irls_accum'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@.insight_logreg_irls_accum(bytea, float8[], boolean, float8[]) IS
'Transition function of insight_logreg_irls_step: buffers one row, standardised with the pass''s means and scales; a full buffer (up to 128 rows) is added to the log loss, gradient and Hessian at the pass''s coefficients by BLAS (dgemv, dsyrk).';

CREATE FUNCTION @extschema@.insight_logreg_irls_combine(state1 bytea, state2 bytea)
RETURNS bytea
AS 'MODULE_PATHNAME', 'insight_logreg_irls_combine'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@.insight_logreg_irls_combine(bytea, bytea) IS
'Combine function of insight_logreg_irls_step: adds two partial states of the same pass.';

CREATE FUNCTION @extschema@.insight_logreg_irls_final(state bytea)
RETURNS bytea
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE
AS 'MODULE_PATHNAME', 'insight_logreg_irls_final';

COMMENT ON FUNCTION @extschema@.insight_logreg_irls_final(bytea) IS
'Final function of insight_logreg_irls_step: adds the rows still buffered.';

CREATE AGGREGATE @extschema@.insight_logreg_irls_step(features float8[], label boolean, params float8[]) (
    SFUNC = @extschema@.insight_logreg_irls_accum,
    STYPE = bytea,
    FINALFUNC = @extschema@.insight_logreg_irls_final,
    COMBINEFUNC = @extschema@.insight_logreg_irls_combine,
    PARALLEL = SAFE
);

COMMENT ON AGGREGATE @extschema@.insight_logreg_irls_step(float8[], boolean, float8[]) IS
'One Newton (IRLS) pass of logistic regression over (features, label) rows, as a bytea state: rows used, rows skipped, positives, log loss, gradient and Hessian in standardised coordinates at params = means[d] || scales[d] || coefficients[d + 1], which must be the same for every row (each state reads them at its first row; partial states of different params do not combine, 22023). Parallel safe (combine function); insight_logreg_fit runs one per iteration. Rows with a NULL label, array or element are skipped and counted; a non-finite feature is an error (22000), found when the block of rows holding it is added.';

CREATE FUNCTION @extschema@.insight_logreg_fit(query text, lambda float8 DEFAULT 1.0,
                                               max_iterations integer DEFAULT 100,
                                               tolerance float8 DEFAULT 1e-8,
                                               in_memory boolean DEFAULT true)
RETURNS bytea
AS 'MODULE_PATHNAME', 'insight_logreg_fit'
LANGUAGE C VOLATILE PARALLEL UNSAFE;

COMMENT ON FUNCTION @extschema@.insight_logreg_fit(text, float8, integer, float8, boolean) IS
'Fit an L2-penalised logistic regression over a query returning (features float8[], label boolean): minimises the sum of log losses + (lambda/2)*||w||^2, intercept not penalised (the optimum of scikit-learn LogisticRegression(C = 1/lambda)). Newton''s method (IRLS) in standardised coordinates with step halving. With in_memory (the default) the query runs once: its rows are kept in memory when they fit in insight.max_training_memory (8 bytes per feature and label a row) and every iteration adds them up there a block at a time with BLAS, as the aggregate does; from 131,072 rows in memory (lambda > 0) a warm start comes first, Newton iterations on every 8th block of 512 rows with the penalty scaled by their share, to a step of 1e-3, so that fewer iterations over all rows follow (the model''s iterations count only those, each with the test below); there too, once a Newton step is <= 1e-2*(1 + largest coefficient), the next iteration adds up the loss and gradient only and solves with the last Hessian (the chord method, Kelley 1995, Iterative Methods for Linear and Nonlinear Equations, sec. 5.4: the gradient is exact, so the optimum and the test are unchanged), a second such iteration only when the steps shrink 100-fold; when they do not fit (a NOTICE says so), or with in_memory => false (for example on Citus, where the aggregate runs on the shards), a scaler pass (insight_scaler_fit) and then one parallel aggregate pass per iteration (insight_logreg_irls_step). Both find the same optimum (up to the rounding of sums in another order); stops when the largest Newton step is <= tolerance*(1 + largest coefficient), or (lambda > 0) when the Newton decrement g''H^(-1)g/2 is below the objective''s rounding (4eps*|objective|). On the pass-per-iteration path the query must return the same rows on every pass. Rows with a NULL label, array or element are skipped and counted (see insight_model_info). Errors: no training rows, one class only, lambda = 0 without a finite optimum (separable classes), non-finite values, arrays of different lengths. Not converging within max_iterations (lambda > 0) gives a WARNING and a model flagged converged = false. A NOTICE reports the objective after every iteration.';

CREATE FUNCTION @extschema@.insight_logreg_predict(model bytea, features float8[])
RETURNS float8
AS 'MODULE_PATHNAME', 'insight_logreg_predict'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@.insight_logreg_predict(bytea, float8[]) IS
'Probability of label true under a logistic regression model: 1 / (1 + exp(-(intercept + w*x))). NULL when an element is NULL; errors for the wrong number of features, a non-one-dimensional array, NaN or Infinity. The decoded model is cached per backend.';

CREATE FUNCTION @extschema@.insight_logreg_contributions(model bytea, features float8[])
RETURNS float8[]
AS 'MODULE_PATHNAME', 'insight_logreg_contributions'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@.insight_logreg_contributions(bytea, float8[]) IS
'Per-feature contribution to the logit relative to the average training row: w_j*(x_j - mean_j). Positive values push the probability of true up. NULL when an element is NULL.';
