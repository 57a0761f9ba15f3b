-- ---------------------------------------------------------------------------
-- Customer lifetime value, part 2: the BG/NBD, Pareto/NBD and Gamma-Gamma
-- models as parallel-safe aggregates returning a model (bytea), their
-- constructors from known parameters, and their predictions.  Times are in
-- the unit of the summary the models were fitted on (insight_clv_summary's
-- period, weeks by default).
-- ---------------------------------------------------------------------------

-- Shared by the three fits: the state holds the training rows, identical
-- rows collapsed with weights.
CREATE FUNCTION @extschema@.insight_clv_rows_combine(state1 bytea, state2 bytea)
RETURNS bytea
AS 'MODULE_PATHNAME', 'insight_clv_rows_combine'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@.insight_clv_rows_combine(bytea, bytea) IS
'Combine function of insight_bgnbd_fit, insight_pnbd_fit and insight_gammagamma_fit: merges two states of collected rows.';

CREATE FUNCTION @extschema@.insight_clv_summary_accum(state bytea, frequency float8, recency float8, "T" float8)
RETURNS bytea
AS 'MODULE_PATHNAME', 'insight_clv_summary_accum'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@.insight_clv_summary_accum(bytea, float8, float8, float8) IS
'Transition function of insight_bgnbd_fit, insight_pnbd_fit, insight_mbgnbd_fit and insight_clv_fit_state: adds one customer''s (frequency, recency, T); rows with a NULL are skipped and counted.';

-- BG/NBD --------------------------------------------------------------------

CREATE FUNCTION @extschema@.insight_bgnbd_final(state bytea)
RETURNS bytea
AS 'MODULE_PATHNAME', 'insight_bgnbd_final'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@.insight_bgnbd_final(bytea) IS
'Final function of insight_bgnbd_fit: the maximum-likelihood fit.';

CREATE AGGREGATE @extschema@.insight_bgnbd_fit(frequency float8, recency float8, "T" float8) (
    SFUNC = @extschema@.insight_clv_summary_accum,
    STYPE = bytea,
    COMBINEFUNC = @extschema@.insight_clv_rows_combine,
    FINALFUNC = @extschema@.insight_bgnbd_final,
    PARALLEL = SAFE
);

COMMENT ON AGGREGATE @extschema@.insight_bgnbd_fit(float8, float8, float8) IS
'Fit the BG/NBD model of Fader, Hardie & Lee (2005) to customers'' (frequency, recency, T), as from insight_clv_summary(): maximum likelihood (FHL eq. 6, in log space) over log-parameters by BFGS with the analytic gradient (Nocedal & Wright 2006, algorithm 6.1; Armijo backtracking; the box |ln parameter| <= 15 kept by projection) and Newton steps with the Hessian from central differences of the gradient, the restarted Nelder-Mead simplex taking over when BFGS does not converge, identical rows collapsed with weights. Returns the model (parameters r, alpha, a, b; log-likelihood, convergence and the standard errors of the parameters from the inverse Hessian of the log-likelihood, null where it is not positive definite, in insight_model_info). Rows with a NULL are skipped and counted. Errors: frequency not a whole number >= 0, recency outside [0, T], recency > 0 with frequency 0, every T = 0 (zero-length observation windows). NULL for no rows.';

CREATE FUNCTION @extschema@.insight_bgnbd_model(r float8, alpha float8, a float8, b float8)
RETURNS bytea
AS 'MODULE_PATHNAME', 'insight_bgnbd_model'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@.insight_bgnbd_model(float8, float8, float8, float8) IS
'A BG/NBD model with known parameters (published values, what-if analysis): purchase rate ~ Gamma(r, alpha), dropout probability ~ Beta(a, b). Each must be positive and finite.';

CREATE FUNCTION @extschema@.insight_bgnbd_p_alive(model bytea, frequency float8, recency float8, "T" float8)
RETURNS float8
AS 'MODULE_PATHNAME', 'insight_bgnbd_p_alive'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@.insight_bgnbd_p_alive(bytea, float8, float8, float8) IS
'Probability that a customer with this history is still alive (BG/NBD, FHL 2005 eq. 11): 1 / (1 + a/(b+x-1) ((alpha+T)/(alpha+t_x))^(r+x)); exactly 1 for frequency 0.';

CREATE FUNCTION @extschema@.insight_bgnbd_expected_purchases(model bytea, t float8, frequency float8, recency float8, "T" float8)
RETURNS float8
AS 'MODULE_PATHNAME', 'insight_bgnbd_expected_purchases'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@.insight_bgnbd_expected_purchases(bytea, float8, float8, float8, float8) IS
'Expected purchases of a customer with this history in the next t time units (BG/NBD, FHL 2005 eq. 10; the hypergeometric function summed after Euler''s transformation, without a pole at a = 1). Every model scores: where a + b + frequency <= 1 (2F1 with c <= 0) the expectation is taken through the contiguous relation in b of its Euler integral (A&S 15.3.1, 15.2.10), continuous across c = 0.';

CREATE FUNCTION @extschema@.insight_bgnbd_expected_purchases(model bytea, t float8)
RETURNS float8
AS 'MODULE_PATHNAME', 'insight_bgnbd_expected_purchases_new'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@.insight_bgnbd_expected_purchases(bytea, float8) IS
'Expected purchases of a new customer in their first t time units (BG/NBD, FHL 2005 eq. 9), for every model, a + b <= 1 included (as insight_bgnbd_expected_purchases with frequency, recency and T 0).';

CREATE FUNCTION @extschema@.insight_bgnbd_purchase_probability(model bytea, n bigint, t float8)
RETURNS float8
AS 'MODULE_PATHNAME', 'insight_bgnbd_purchase_probability'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@.insight_bgnbd_purchase_probability(bytea, bigint, float8) IS
'P(X(t) = n): probability that a new customer makes exactly n purchases in t time units (BG/NBD, FHL 2005 eq. 8).';

-- Pareto/NBD ----------------------------------------------------------------

CREATE FUNCTION @extschema@.insight_pnbd_final(state bytea)
RETURNS bytea
AS 'MODULE_PATHNAME', 'insight_pnbd_final'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@.insight_pnbd_final(bytea) IS
'Final function of insight_pnbd_fit: the maximum-likelihood fit.';

CREATE AGGREGATE @extschema@.insight_pnbd_fit(frequency float8, recency float8, "T" float8) (
    SFUNC = @extschema@.insight_clv_summary_accum,
    STYPE = bytea,
    COMBINEFUNC = @extschema@.insight_clv_rows_combine,
    FINALFUNC = @extschema@.insight_pnbd_final,
    PARALLEL = SAFE
);

COMMENT ON AGGREGATE @extschema@.insight_pnbd_fit(float8, float8, float8) IS
'Fit the Pareto/NBD model (Schmittlein, Morrison & Colombo 1987; likelihood as in Fader & Hardie 2005, note 009, eq. 18, in log space with Gauss hypergeometric series after Euler''s transformation) to customers'' (frequency, recency, T): maximum likelihood over log-parameters by BFGS with the analytic gradient (the series differentiated term by term; central differences where the integral is taken by quadrature) and Newton steps, as insight_bgnbd_fit, identical rows collapsed with weights. Returns the model (r, alpha, s, beta; standard errors in insight_model_info). Rows with a NULL are skipped and counted; the same input errors as insight_bgnbd_fit. NULL for no rows.';

CREATE FUNCTION @extschema@.insight_pnbd_model(r float8, alpha float8, s float8, beta float8)
RETURNS bytea
AS 'MODULE_PATHNAME', 'insight_pnbd_model'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@.insight_pnbd_model(float8, float8, float8, float8) IS
'A Pareto/NBD model with known parameters: purchase rate ~ Gamma(r, alpha), dropout rate ~ Gamma(s, beta). Each must be positive and finite.';

CREATE FUNCTION @extschema@.insight_pnbd_p_alive(model bytea, frequency float8, recency float8, "T" float8)
RETURNS float8
AS 'MODULE_PATHNAME', 'insight_pnbd_p_alive'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@.insight_pnbd_p_alive(bytea, float8, float8, float8) IS
'Probability that a customer with this history is still alive (Pareto/NBD, Fader & Hardie 2005 note 009 eq. 36-37).';

CREATE FUNCTION @extschema@.insight_pnbd_expected_purchases(model bytea, t float8, frequency float8, recency float8, "T" float8)
RETURNS float8
AS 'MODULE_PATHNAME', 'insight_pnbd_expected_purchases'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@.insight_pnbd_expected_purchases(bytea, float8, float8, float8, float8) IS
'Expected purchases of a customer with this history in the next t time units (Pareto/NBD, note 009 eq. 41).';

CREATE FUNCTION @extschema@.insight_pnbd_expected_purchases(model bytea, t float8)
RETURNS float8
AS 'MODULE_PATHNAME', 'insight_pnbd_expected_purchases_new'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@.insight_pnbd_expected_purchases(bytea, float8) IS
'Expected purchases of a new customer in their first t time units (Pareto/NBD, note 009 eq. 27).';

CREATE FUNCTION @extschema@.insight_pnbd_purchase_probability(model bytea, n bigint, t float8)
RETURNS float8
AS 'MODULE_PATHNAME', 'insight_pnbd_purchase_probability'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@.insight_pnbd_purchase_probability(bytea, bigint, float8) IS
'P(X(t) = n): probability that a new customer makes exactly n purchases in t time units (Pareto/NBD, note 009 eq. 24-26).';

-- Gamma-Gamma ---------------------------------------------------------------

CREATE FUNCTION @extschema@.insight_gammagamma_accum(state bytea, frequency float8, monetary_value float8)
RETURNS bytea
AS 'MODULE_PATHNAME', 'insight_gammagamma_accum'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@.insight_gammagamma_accum(bytea, float8, float8) IS
'Transition function of insight_gammagamma_fit: adds one customer with frequency > 0 and a positive monetary_value; other rows are skipped and counted.';

CREATE FUNCTION @extschema@.insight_gammagamma_final(state bytea)
RETURNS bytea
AS 'MODULE_PATHNAME', 'insight_gammagamma_final'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@.insight_gammagamma_final(bytea) IS
'Final function of insight_gammagamma_fit: the maximum-likelihood fit.';

CREATE AGGREGATE @extschema@.insight_gammagamma_fit(frequency float8, monetary_value float8) (
    SFUNC = @extschema@.insight_gammagamma_accum,
    STYPE = bytea,
    COMBINEFUNC = @extschema@.insight_clv_rows_combine,
    FINALFUNC = @extschema@.insight_gammagamma_final,
    PARALLEL = SAFE
);

COMMENT ON AGGREGATE @extschema@.insight_gammagamma_fit(float8, float8) IS
'Fit the Gamma-Gamma spend model of Fader & Hardie (2013) to customers'' (frequency, monetary_value) from insight_clv_summary(): maximum likelihood over log-parameters p, q, gamma by BFGS with the analytic gradient and Newton steps, as insight_bgnbd_fit (standard errors in insight_model_info). Only customers with frequency > 0 and a positive monetary_value are fitted; others and rows with a NULL are skipped and counted (rows_skipped in insight_model_info). The model info records the correlation between frequency and spend: the model assumes they are independent. NULL for no usable row.';

CREATE FUNCTION @extschema@.insight_gammagamma_model(p float8, q float8, gamma float8)
RETURNS bytea
AS 'MODULE_PATHNAME', 'insight_gammagamma_model'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@.insight_gammagamma_model(float8, float8, float8) IS
'A Gamma-Gamma spend model with known parameters: spend per transaction ~ Gamma(p, nu), nu ~ Gamma(q, gamma). Each must be positive and finite.';

CREATE FUNCTION @extschema@.insight_gammagamma_expected_spend(model bytea, frequency float8, monetary_value float8)
RETURNS float8
AS 'MODULE_PATHNAME', 'insight_gammagamma_expected_spend'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@.insight_gammagamma_expected_spend(bytea, float8, float8) IS
'Expected spend per transaction of a customer (Fader & Hardie 2013 eq. 5): (gamma + monetary_value x) p / (p x + q - 1), the population mean gamma p / (q - 1) for frequency 0 (monetary_value may be NULL then). Errors when p x + q <= 1 (no finite mean). NULL for a NULL model or frequency, or a NULL monetary_value with frequency > 0.';

-- Lifetime value ------------------------------------------------------------

CREATE FUNCTION @extschema@.insight_clv_value(transactions bytea, spend bytea,
    frequency float8, recency float8, "T" float8, monetary_value float8,
    months integer DEFAULT 12, monthly_discount_rate float8 DEFAULT 0.01,
    period interval DEFAULT '7 days')
RETURNS float8
AS 'MODULE_PATHNAME', 'insight_clv_value'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@.insight_clv_value(bytea, bytea, float8, float8, float8, float8, integer, float8, interval) IS
'Customer lifetime value over the next months: the sum over months k = 1..months of expected spend (Gamma-Gamma) x (E[purchases by the end of month k] - E[purchases by the end of month k-1]) (BG/NBD or Pareto/NBD) / (1 + monthly_discount_rate)^k, a month being 30.4375 days expressed in period, the time unit of the transaction model. Errors when the spend model has q <= 1 (no finite mean). NULL when a model or the summary is NULL (monetary_value may be NULL for frequency 0).';

-- Either transaction model (BG/NBD or Pareto/NBD), dispatched on the model.
CREATE FUNCTION @extschema@.insight_transaction_model_p_alive(model bytea, frequency float8, recency float8, "T" float8)
RETURNS float8
AS 'MODULE_PATHNAME', 'insight_transaction_model_p_alive'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@.insight_transaction_model_p_alive(bytea, float8, float8, float8) IS
'insight_bgnbd_p_alive, insight_pnbd_p_alive or insight_mbgnbd_p_alive, whichever the model is.';

CREATE FUNCTION @extschema@.insight_transaction_model_expected_purchases(model bytea, t float8, frequency float8, recency float8, "T" float8)
RETURNS float8
AS 'MODULE_PATHNAME', 'insight_transaction_model_expected_purchases'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@.insight_transaction_model_expected_purchases(bytea, float8, float8, float8, float8) IS
'insight_bgnbd_expected_purchases, insight_pnbd_expected_purchases or insight_mbgnbd_expected_purchases, whichever the model is.';

CREATE FUNCTION @extschema@.insight_clv_model_unusable(model bytea)
RETURNS text
AS 'MODULE_PATHNAME', 'insight_clv_model_unusable'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@.insight_clv_model_unusable(bytea) IS
'NULL when a BG/NBD, Pareto/NBD, MBG/NBD, BG/BB or Gamma-Gamma model can score every customer, otherwise the reason it cannot: its parameters are positive and finite (checked on reading; a corrupt model is an error), a Gamma-Gamma model needs q > 1 (finite mean spend); every BG/NBD, Pareto/NBD and MBG/NBD model scores, a + b <= 1 included, and every BG/BB model (its expectations are finite sums). For activation: a model that cannot serve should not become active.';

CREATE FUNCTION @extschema@.insight_clv_log_likelihood(model bytea, frequency float8[], recency float8[], "T" float8[])
RETURNS float8[]
AS 'MODULE_PATHNAME', 'insight_clv_log_likelihood'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@.insight_clv_log_likelihood(bytea, float8[], float8[], float8[]) IS
'The log-likelihood that insight_bgnbd_fit, insight_pnbd_fit, insight_mbgnbd_fit or insight_bgbb_fit maximises (FHL 2005 eq. 6; Fader & Hardie 2005 note 009 eq. 18; BTYDplus mbgnbd.LL; Fader, Hardie & Shang 2010 eq. 5), of the customers whose (frequency, recency, T) (for BG/BB: frequency, recency, periods) the three equal-length arrays hold, under the model''s parameters, followed by its analytic gradient in the log-parameters (d ln L / d ln r, d ln L / d ln alpha, then a, b or s, beta; BG/BB: alpha, beta, gamma, delta): a float8[] of 5 values. For checking the gradient of the fits against finite differences, and for scoring a model on other customers. Errors: arrays of different lengths, empty or holding NULL, NaN or Infinity (2202E, 22004, 22000), a summary insight_bgnbd_fit (or for BG/BB insight_bgbb_fit) refuses (22023), a Gamma-Gamma model (22023).';

CREATE FUNCTION @extschema@.insight_clv_log_likelihood(model bytea, frequency float8[], monetary_value float8[])
RETURNS float8[]
AS 'MODULE_PATHNAME', 'insight_clv_log_likelihood'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@.insight_clv_log_likelihood(bytea, float8[], float8[]) IS
'The log-likelihood that insight_gammagamma_fit maximises (Fader & Hardie 2013, eq. 4), of the repeat customers whose frequency and mean spend the two equal-length arrays hold, under the model''s parameters, followed by its analytic gradient in the log-parameters (d ln L / d ln p, d ln L / d ln q, d ln L / d ln gamma): a float8[] of 4 values. Errors: arrays of different lengths, empty or holding NULL, NaN or Infinity (2202E, 22004, 22000), a frequency or spend that is not positive (22023), a transaction model (22023).';

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

-- The state the three fits above share, without a final function: one pass
-- collects it (on Citus, one partial state per shard), and each model is
-- fitted from it by its final function.
CREATE AGGREGATE @extschema@.insight_clv_fit_state(frequency float8, recency float8, "T" float8) (
    SFUNC = @extschema@.insight_clv_summary_accum,
    STYPE = bytea,
    COMBINEFUNC = @extschema@.insight_clv_rows_combine,
    PARALLEL = SAFE
);

COMMENT ON AGGREGATE @extschema@.insight_clv_fit_state(float8, float8, float8) IS
'The fit state that insight_bgnbd_fit, insight_pnbd_fit and insight_mbgnbd_fit build, returned as it is: customers'' (frequency, recency, T), identical rows collapsed with weights, rows with a NULL counted; insight_bgnbd_final(state), insight_pnbd_final(state) and insight_mbgnbd_final(state) fit each model from it, with the bytes of the aggregate over the same rows (the final function sorts the rows, so the order in which partial states were combined changes nothing). With a combine function: parallel plans and Citus (worker_partial_agg on each shard) combine partial states. Input errors of insight_bgnbd_fit. NULL for no rows.';

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

-- A customer's own predictive distribution of the purchases ahead (issue 18,
-- part 3): P(X(T, T+t) = n | x, t_x, T) and its median, the point forecast
-- for absolute error.

CREATE FUNCTION @extschema@.insight_bgnbd_purchase_probability(model bytea, n bigint, t float8, frequency float8, recency float8, "T" float8)
RETURNS float8
AS 'MODULE_PATHNAME', 'insight_bgnbd_purchase_probability_given'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@.insight_bgnbd_purchase_probability(bytea, bigint, float8, float8, float8, float8) IS
'P(X(T, T+t) = n | frequency, recency, T): probability that a customer with this history makes exactly n purchases in the next t time units (BG/NBD). Given alive at T the posterior is lambda ~ Gamma(r+x, alpha+T), p ~ Beta(a, b+x): [n = 0] (1 - P(alive)) + P(alive) x FHL 2005 eq. 8 at (r+x, alpha+T, a, b+x); its mean is insight_bgnbd_expected_purchases. Errors (22023): n outside 0..100000000, t negative or not finite, a summary the fits refuse.';

CREATE FUNCTION @extschema@.insight_bgnbd_median_purchases(model bytea, t float8, frequency float8, recency float8, "T" float8)
RETURNS float8
AS 'MODULE_PATHNAME', 'insight_bgnbd_median_purchases'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@.insight_bgnbd_median_purchases(bytea, float8, float8, float8, float8) IS
'The median of a customer''s purchases in the next t time units (BG/NBD): the smallest n with sum_{k<=n} insight_bgnbd_purchase_probability(model, k, t, frequency, recency, T) >= 1/2, a whole number. The median, not the mean, is the point forecast that minimises the expected absolute error (Gneiting 2011, "Making and evaluating point forecasts", JASA 106, 746-762): the CLV task measures holdout MAE with it. Errors: 22023 as insight_bgnbd_purchase_probability; 22003 a median above 1000000.';

CREATE FUNCTION @extschema@.insight_pnbd_purchase_probability(model bytea, n bigint, t float8, frequency float8, recency float8, "T" float8)
RETURNS float8
AS 'MODULE_PATHNAME', 'insight_pnbd_purchase_probability_given'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@.insight_pnbd_purchase_probability(bytea, bigint, float8, float8, float8, float8) IS
'P(X(T, T+t) = n | frequency, recency, T): probability that a customer with this history makes exactly n purchases in the next t time units (Pareto/NBD). Given alive at T the posterior is lambda ~ Gamma(r+x, alpha+T), mu ~ Gamma(s, beta+T) (memoryless lifetime): [n = 0] (1 - P(alive)) + P(alive) x note 009 eq. 24-26 at (r+x, alpha+T, s, beta+T); its mean is insight_pnbd_expected_purchases. Errors (22023): n outside 0..100000000, t negative or not finite, a summary the fits refuse.';

CREATE FUNCTION @extschema@.insight_pnbd_median_purchases(model bytea, t float8, frequency float8, recency float8, "T" float8)
RETURNS float8
AS 'MODULE_PATHNAME', 'insight_pnbd_median_purchases'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@.insight_pnbd_median_purchases(bytea, float8, float8, float8, float8) IS
'The median of a customer''s purchases in the next t time units (Pareto/NBD): the smallest n with sum_{k<=n} insight_pnbd_purchase_probability(model, k, t, frequency, recency, T) >= 1/2, a whole number. The median, not the mean, is the point forecast that minimises the expected absolute error (Gneiting 2011, "Making and evaluating point forecasts", JASA 106, 746-762): the CLV task measures holdout MAE with it. Errors: 22023 as insight_pnbd_purchase_probability; 22003 a median above 1000000.';

CREATE FUNCTION @extschema@.insight_mbgnbd_purchase_probability(model bytea, n bigint, t float8, frequency float8, recency float8, "T" float8)
RETURNS float8
AS 'MODULE_PATHNAME', 'insight_mbgnbd_purchase_probability_given'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@.insight_mbgnbd_purchase_probability(bytea, bigint, float8, float8, float8, float8) IS
'P(X(T, T+t) = n | frequency, recency, T): probability that a customer with this history makes exactly n purchases in the next t time units (MBG/NBD). Given alive at T the posterior is lambda ~ Gamma(r+x, alpha+T), p ~ Beta(a, b+x+1), one more survived dropout chance: [n = 0] (1 - P(alive)) + P(alive) x FHL 2005 eq. 8 at (r+x, alpha+T, a, b+x+1); its mean is insight_mbgnbd_expected_purchases. Errors (22023): n outside 0..100000000, t negative or not finite, a summary the fits refuse.';

CREATE FUNCTION @extschema@.insight_mbgnbd_median_purchases(model bytea, t float8, frequency float8, recency float8, "T" float8)
RETURNS float8
AS 'MODULE_PATHNAME', 'insight_mbgnbd_median_purchases'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@.insight_mbgnbd_median_purchases(bytea, float8, float8, float8, float8) IS
'The median of a customer''s purchases in the next t time units (MBG/NBD): the smallest n with sum_{k<=n} insight_mbgnbd_purchase_probability(model, k, t, frequency, recency, T) >= 1/2, a whole number. The median, not the mean, is the point forecast that minimises the expected absolute error (Gneiting 2011, "Making and evaluating point forecasts", JASA 106, 746-762): the CLV task measures holdout MAE with it. Errors: 22023 as insight_mbgnbd_purchase_probability; 22003 a median above 1000000.';

CREATE FUNCTION @extschema@.insight_transaction_model_purchase_probability(model bytea, n bigint, t float8, frequency float8, recency float8, "T" float8)
RETURNS float8
AS 'MODULE_PATHNAME', 'insight_transaction_model_purchase_probability_given'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@.insight_transaction_model_purchase_probability(bytea, bigint, float8, float8, float8, float8) IS
'insight_bgnbd_purchase_probability, insight_pnbd_purchase_probability or insight_mbgnbd_purchase_probability with a customer''s history, whichever the model is.';

CREATE FUNCTION @extschema@.insight_transaction_model_median_purchases(model bytea, t float8, frequency float8, recency float8, "T" float8)
RETURNS float8
AS 'MODULE_PATHNAME', 'insight_transaction_model_median_purchases'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@.insight_transaction_model_median_purchases(bytea, float8, float8, float8, float8) IS
'insight_bgnbd_median_purchases, insight_pnbd_median_purchases or insight_mbgnbd_median_purchases, whichever the model is.';

CREATE FUNCTION @extschema@.insight_clv_poisson_median(mean float8)
RETURNS float8
AS 'MODULE_PATHNAME', 'insight_clv_poisson_median'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@.insight_clv_poisson_median(float8) IS
'The median of a Poisson count with this mean: the smallest n with P(N <= n) >= 1/2 (0 for mean 0). The absolute-error point forecast of the CLV task''s baseline, the past repeat rate x/T continued read as a Poisson process. Errors (22023): a mean that is negative, above 1e8 or not finite.';

-- BG/BB (Fader, Hardie & Shang 2010), discrete opportunities -----------------

CREATE FUNCTION @extschema@.insight_bgbb_accum(state bytea, frequency float8, recency float8, periods float8)
RETURNS bytea
AS 'MODULE_PATHNAME', 'insight_bgbb_accum'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@.insight_bgbb_accum(bytea, float8, float8, float8) IS
'Transition function of insight_bgbb_fit: adds one customer''s (frequency, recency, periods); rows with a NULL are skipped and counted. Errors (22023): values that are not finite non-negative whole numbers, frequency > recency or recency > periods, recency > 0 with frequency 0 (or 0 with frequency > 0), periods > 100000.';

CREATE FUNCTION @extschema@.insight_bgbb_final(state bytea)
RETURNS bytea
AS 'MODULE_PATHNAME', 'insight_bgbb_final'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@.insight_bgbb_final(bytea) IS
'Final function of insight_bgbb_fit: the maximum-likelihood fit.';

CREATE AGGREGATE @extschema@.insight_bgbb_fit(frequency float8, recency float8, periods float8) (
    SFUNC = @extschema@.insight_bgbb_accum,
    STYPE = bytea,
    COMBINEFUNC = @extschema@.insight_clv_rows_combine,
    FINALFUNC = @extschema@.insight_bgbb_final,
    PARALLEL = SAFE
);

COMMENT ON AGGREGATE @extschema@.insight_bgbb_fit(float8, float8, float8) IS
'Fit the BG/BB model of Fader, Hardie & Shang (2010), "Customer-Base Analysis in a Discrete-Time Noncontractual Setting", Marketing Science 29(6), 1086-1108, for transactions at discrete opportunities (a yearly donation, an annual event). Per customer: frequency = the opportunities after the first with a transaction, recency = the last of them (0 for none), periods = the opportunities observed after the first. While alive a customer transacts at each opportunity with probability p ~ Beta(alpha, beta) and dies before each opportunity with probability theta ~ Beta(gamma, delta). Maximum likelihood (FHS eq. 5, in log space) over log-parameters by BFGS with the analytic gradient (digamma differences of the beta functions) and Newton steps, as insight_bgnbd_fit, identical rows collapsed with weights. Returns the model (alpha, beta, gamma, delta; log-likelihood, convergence and standard errors in insight_model_info). Rows with a NULL are skipped and counted. Errors: see insight_bgbb_accum; every periods = 0 (22023). NULL for no rows.';

CREATE FUNCTION @extschema@.insight_bgbb_model(alpha float8, beta float8, gamma float8, delta float8)
RETURNS bytea
AS 'MODULE_PATHNAME', 'insight_bgbb_model'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@.insight_bgbb_model(float8, float8, float8, float8) IS
'A BG/BB model with known parameters (published values, what-if analysis): transaction probability per opportunity ~ Beta(alpha, beta), death probability before each opportunity ~ Beta(gamma, delta) (Fader, Hardie & Shang 2010). Each must be positive and finite (22023).';

CREATE FUNCTION @extschema@.insight_bgbb_p_alive(model bytea, frequency float8, recency float8, periods float8)
RETURNS float8
AS 'MODULE_PATHNAME', 'insight_bgbb_p_alive'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@.insight_bgbb_p_alive(bytea, float8, float8, float8) IS
'Probability that a customer with this history (frequency x, recency t_x, periods n as for insight_bgbb_fit) is alive at the next opportunity, n+1 (BG/BB, Fader, Hardie & Shang 2010, eq. 11): B(alpha+x, beta+n-x)/B(alpha, beta) B(gamma, delta+n+1)/B(gamma, delta) / L(x, t_x, n), L of eq. 5. Errors: a model that is not BG/BB, a summary as insight_bgbb_accum (22023).';

CREATE FUNCTION @extschema@.insight_bgbb_expected_purchases(model bytea, future_periods integer, frequency float8, recency float8, periods float8)
RETURNS float8
AS 'MODULE_PATHNAME', 'insight_bgbb_expected_purchases'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@.insight_bgbb_expected_purchases(bytea, integer, float8, float8, float8) IS
'Expected transactions of a customer with this history (frequency, recency, periods as for insight_bgbb_fit) in the next future_periods opportunities (BG/BB, Fader, Hardie & Shang 2010, eq. 13, as the sum it is the closed form of: B(alpha+x+1, beta+n-x)/B(alpha, beta) / L(x, t_x, n) sum_{j=1..future_periods} B(gamma, delta+n+j)/B(gamma, delta), which has no pole at gamma = 1). Errors (22023): future_periods outside 0..100000, a summary as insight_bgbb_accum.';

CREATE FUNCTION @extschema@.insight_bgbb_purchase_probability(model bytea, x bigint, periods bigint)
RETURNS float8
AS 'MODULE_PATHNAME', 'insight_bgbb_purchase_probability'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@.insight_bgbb_purchase_probability(bytea, bigint, bigint) IS
'P(X(n) = x): probability that a customer makes exactly x transactions in the n = periods opportunities after the first (BG/BB, Fader, Hardie & Shang 2010, eq. 7); 0 for x > periods. Errors (22023): x < 0, periods outside 0..100000.';
