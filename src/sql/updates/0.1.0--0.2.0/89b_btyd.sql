-- Issue 18: every valid BG/NBD model scores (a + b + frequency <= 1 through
-- the contiguous relation of the expectation's Euler integral), so
-- insight_clv_model_unusable no longer refuses a + b <= 1.  The fits use
-- BFGS with analytic gradients and report standard errors;
-- insight_clv_log_likelihood exposes the likelihood and its gradient.  New
-- model: the modified BG/NBD (insight_mbgnbd_*).

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

-- Modified BG/NBD (Batislam, Denizel & Filiztekin 2007) -----------------------

CREATE FUNCTION @extschema@.insight_mbgnbd_final(state bytea)
RETURNS bytea
AS 'MODULE_PATHNAME', 'insight_mbgnbd_final'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@.insight_mbgnbd_final(bytea) IS
'Final function of insight_mbgnbd_fit: the maximum-likelihood fit.';

CREATE AGGREGATE @extschema@.insight_mbgnbd_fit(frequency float8, recency float8, "T" float8) (
    SFUNC = @extschema@.insight_clv_summary_accum,
    STYPE = bytea,
    COMBINEFUNC = @extschema@.insight_clv_rows_combine,
    FINALFUNC = @extschema@.insight_mbgnbd_final,
    PARALLEL = SAFE
);

COMMENT ON AGGREGATE @extschema@.insight_mbgnbd_fit(float8, float8, float8) IS
'Fit the modified BG/NBD model (MBG/NBD) of Batislam, Denizel & Filiztekin (2007), "Empirical validation and comparison of models for customer base analysis", IJRM 24(3), to customers'' (frequency, recency, T): BG/NBD where a customer may also drop out right after the first purchase, so that one-time buyers can be gone (likelihood as in BTYDplus''s mbgnbd.LL: ln G(r+x) - ln G(r) + r ln alpha + ln B(a, b+x+1) - ln B(a, b) + ln[(alpha+T)^-(r+x) + a/(b+x) (alpha+t_x)^-(r+x)]). Maximum likelihood over log-parameters by BFGS with the analytic gradient and Newton steps, as insight_bgnbd_fit. Returns the model (r, alpha, a, b; standard errors in insight_model_info). Rows with a NULL are skipped and counted; the same input errors as insight_bgnbd_fit. NULL for no rows.';

CREATE FUNCTION @extschema@.insight_mbgnbd_model(r float8, alpha float8, a float8, b float8)
RETURNS bytea
AS 'MODULE_PATHNAME', 'insight_mbgnbd_model'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@.insight_mbgnbd_model(float8, float8, float8, float8) IS
'An MBG/NBD model with known parameters (published values, what-if analysis): purchase rate ~ Gamma(r, alpha), dropout probability at the first purchase and after every repeat purchase ~ Beta(a, b). Each must be positive and finite.';

CREATE FUNCTION @extschema@.insight_mbgnbd_p_alive(model bytea, frequency float8, recency float8, "T" float8)
RETURNS float8
AS 'MODULE_PATHNAME', 'insight_mbgnbd_p_alive'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@.insight_mbgnbd_p_alive(bytea, float8, float8, float8) IS
'Probability that a customer with this history is still alive (MBG/NBD, Batislam et al. 2007; BTYDplus mbgnbd.PAlive): 1 / (1 + a/(b+x) ((alpha+T)/(alpha+t_x))^(r+x)), below 1 for frequency 0 too.';

CREATE FUNCTION @extschema@.insight_mbgnbd_expected_purchases(model bytea, t float8, frequency float8, recency float8, "T" float8)
RETURNS float8
AS 'MODULE_PATHNAME', 'insight_mbgnbd_expected_purchases'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@.insight_mbgnbd_expected_purchases(bytea, float8, float8, float8, float8) IS
'Expected purchases of a customer with this history in the next t time units (MBG/NBD, Batislam et al. 2007; BTYDplus mbgnbd.ConditionalExpectedTransactions): (a+b+x)/(a-1) [1 - ((alpha+T)/(alpha+T+t))^(r+x) 2F1(r+x, b+x+1; a+b+x; t/(alpha+T+t))] P(alive), summed as insight_bgnbd_expected_purchases with b+x+1 for b+x (no pole at a = 1, every model scores).';

CREATE FUNCTION @extschema@.insight_mbgnbd_expected_purchases(model bytea, t float8)
RETURNS float8
AS 'MODULE_PATHNAME', 'insight_mbgnbd_expected_purchases_new'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@.insight_mbgnbd_expected_purchases(bytea, float8) IS
'Expected purchases of a new customer in their first t time units (MBG/NBD: insight_mbgnbd_expected_purchases with frequency, recency and T 0, which includes the chance a/(a+b) of dropping out at the first purchase).';

CREATE FUNCTION @extschema@.insight_mbgnbd_purchase_probability(model bytea, n bigint, t float8)
RETURNS float8
AS 'MODULE_PATHNAME', 'insight_mbgnbd_purchase_probability'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@.insight_mbgnbd_purchase_probability(bytea, bigint, float8) IS
'P(X(t) = n): probability that a new customer makes exactly n purchases in t time units (MBG/NBD: B(a, b+n+1)/B(a, b) NBD(n) + B(a+1, b+n)/B(a, b) P(NBD >= n), dropping out right after the n-th purchase, the first at time 0 included).';

COMMENT ON FUNCTION @extschema@.insight_transaction_model_p_alive(bytea, float8, float8, float8) IS
'insight_bgnbd_p_alive, insight_pnbd_p_alive or insight_mbgnbd_p_alive, whichever the model is.';

COMMENT ON FUNCTION @extschema@.insight_transaction_model_expected_purchases(bytea, float8, float8, float8, float8) IS
'insight_bgnbd_expected_purchases, insight_pnbd_expected_purchases or insight_mbgnbd_expected_purchases, whichever the model is.';
