-- Issue 18: every valid BG/NBD model scores (a + b + frequency <= 1 through
-- the contiguous relation of the expectation's Euler integral), so
-- insight_clv_model_unusable no longer refuses a + b <= 1.  The fits use
-- BFGS with analytic gradients and report standard errors;
-- insight_clv_log_likelihood exposes the likelihood and its gradient.

COMMENT ON FUNCTION @extschema@.insight_clv_model_unusable(bytea) IS
'NULL when a BG/NBD, Pareto/NBD or Gamma-Gamma model can score every customer, otherwise the reason it cannot: its parameters are positive and finite (checked on reading; a corrupt model is an error), a Gamma-Gamma model needs q > 1 (finite mean spend); every BG/NBD and Pareto/NBD model scores, a + b <= 1 included. For activation: a model that cannot serve should not become active.';

COMMENT ON FUNCTION @extschema@.insight_bgnbd_expected_purchases(bytea, float8, float8, float8, float8) IS
'Expected purchases of a customer with this history in the next t time units (BG/NBD, FHL 2005 eq. 10; the hypergeometric function summed after Euler''s transformation, without a pole at a = 1). Every model scores: where a + b + frequency <= 1 (2F1 with c <= 0) the expectation is taken through the contiguous relation in b of its Euler integral (A&S 15.3.1, 15.2.10), continuous across c = 0.';

COMMENT ON FUNCTION @extschema@.insight_bgnbd_expected_purchases(bytea, float8) IS
'Expected purchases of a new customer in their first t time units (BG/NBD, FHL 2005 eq. 9), for every model, a + b <= 1 included (as insight_bgnbd_expected_purchases with frequency, recency and T 0).';

COMMENT ON FUNCTION @extschema@.insight_clv_usable(@extschema@.insight_models) IS
'CLV step usable: insight_clv_model_unusable of the model''s weights (a transaction model or its Gamma-Gamma spend model): NULL when it can score every customer, otherwise why not (Gamma-Gamma q <= 1; every BG/NBD and Pareto/NBD model with positive finite parameters scores).';

CREATE FUNCTION @extschema@.insight_clv_log_likelihood(model bytea, frequency float8[], recency float8[], "T" float8[])
RETURNS float8[]
AS 'MODULE_PATHNAME', 'insight_clv_log_likelihood'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@.insight_clv_log_likelihood(bytea, float8[], float8[], float8[]) IS
'The log-likelihood that insight_bgnbd_fit or insight_pnbd_fit maximises (FHL 2005 eq. 6; Fader & Hardie 2005 note 009 eq. 18), of the customers whose (frequency, recency, T) the three equal-length arrays hold, under the model''s parameters, followed by its analytic gradient in the log-parameters (d ln L / d ln r, d ln L / d ln alpha, then a, b or s, beta): a float8[] of 5 values. For checking the gradient of the fits against finite differences, and for scoring a model on other customers. Errors: arrays of different lengths, empty or holding NULL, NaN or Infinity (2202E, 22004, 22000), a summary insight_bgnbd_fit refuses (22023), a Gamma-Gamma model (22023).';

CREATE FUNCTION @extschema@.insight_clv_log_likelihood(model bytea, frequency float8[], monetary_value float8[])
RETURNS float8[]
AS 'MODULE_PATHNAME', 'insight_clv_log_likelihood'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@.insight_clv_log_likelihood(bytea, float8[], float8[]) IS
'The log-likelihood that insight_gammagamma_fit maximises (Fader & Hardie 2013, eq. 4), of the repeat customers whose frequency and mean spend the two equal-length arrays hold, under the model''s parameters, followed by its analytic gradient in the log-parameters (d ln L / d ln p, d ln L / d ln q, d ln L / d ln gamma): a float8[] of 4 values. Errors: arrays of different lengths, empty or holding NULL, NaN or Infinity (2202E, 22004, 22000), a frequency or spend that is not positive (22023), a transaction model (22023).';

COMMENT ON AGGREGATE @extschema@.insight_bgnbd_fit(float8, float8, float8) IS
'Fit the BG/NBD model of Fader, Hardie & Lee (2005) to customers'' (frequency, recency, T), as from insight_clv_summary(): maximum likelihood (FHL eq. 6, in log space) over log-parameters by BFGS with the analytic gradient (Nocedal & Wright 2006, algorithm 6.1; Armijo backtracking; the box |ln parameter| <= 15 kept by projection) and Newton steps with the Hessian from central differences of the gradient, the restarted Nelder-Mead simplex taking over when BFGS does not converge, identical rows collapsed with weights. Returns the model (parameters r, alpha, a, b; log-likelihood, convergence and the standard errors of the parameters from the inverse Hessian of the log-likelihood, null where it is not positive definite, in insight_model_info). Rows with a NULL are skipped and counted. Errors: frequency not a whole number >= 0, recency outside [0, T], recency > 0 with frequency 0, every T = 0 (zero-length observation windows). NULL for no rows.';

COMMENT ON AGGREGATE @extschema@.insight_pnbd_fit(float8, float8, float8) IS
'Fit the Pareto/NBD model (Schmittlein, Morrison & Colombo 1987; likelihood as in Fader & Hardie 2005, note 009, eq. 18, in log space with Gauss hypergeometric series after Euler''s transformation) to customers'' (frequency, recency, T): maximum likelihood over log-parameters by BFGS with the analytic gradient (the series differentiated term by term; central differences where the integral is taken by quadrature) and Newton steps, as insight_bgnbd_fit, identical rows collapsed with weights. Returns the model (r, alpha, s, beta; standard errors in insight_model_info). Rows with a NULL are skipped and counted; the same input errors as insight_bgnbd_fit. NULL for no rows.';

COMMENT ON AGGREGATE @extschema@.insight_gammagamma_fit(float8, float8) IS
'Fit the Gamma-Gamma spend model of Fader & Hardie (2013) to customers'' (frequency, monetary_value) from insight_clv_summary(): maximum likelihood over log-parameters p, q, gamma by BFGS with the analytic gradient and Newton steps, as insight_bgnbd_fit (standard errors in insight_model_info). Only customers with frequency > 0 and a positive monetary_value are fitted; others and rows with a NULL are skipped and counted (rows_skipped in insight_model_info). The model info records the correlation between frequency and spend: the model assumes they are independent. NULL for no usable row.';
