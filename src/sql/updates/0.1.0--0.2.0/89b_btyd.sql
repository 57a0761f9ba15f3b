-- Issue 18: every valid BG/NBD model scores (a + b + frequency <= 1 through
-- the contiguous relation of the expectation's Euler integral), so
-- insight_clv_model_unusable no longer refuses a + b <= 1.  The fits use
-- BFGS with analytic gradients and report standard errors;
-- insight_clv_log_likelihood exposes the likelihood and its gradient.  New
-- model: the modified BG/NBD (insight_mbgnbd_*).

--@ comment src/sql/models/clv/models.sql insight_clv_model_unusable

--@ comment src/sql/models/clv/models.sql insight_bgnbd_expected_purchases

--@ comment src/sql/models/clv/models.sql insight_bgnbd_expected_purchases 2

--@ comment src/sql/tasks/clv.sql insight_clv_usable

--@ function src/sql/models/clv/models.sql insight_clv_log_likelihood

--@ comment src/sql/models/clv/models.sql insight_clv_log_likelihood

--@ function src/sql/models/clv/models.sql insight_clv_log_likelihood 2

--@ comment src/sql/models/clv/models.sql insight_clv_log_likelihood 2

COMMENT ON AGGREGATE @extschema@.insight_bgnbd_fit(float8, float8, float8) IS
'Fit the BG/NBD model of Fader, Hardie & Lee (2005) to customers'' (frequency, recency, T), as from insight_clv_summary(): maximum likelihood (FHL eq. 6, in log space) over log-parameters by BFGS with the analytic gradient (Nocedal & Wright 2006, algorithm 6.1; Armijo backtracking; the box |ln parameter| <= 15 kept by projection) and Newton steps with the Hessian from central differences of the gradient, the restarted Nelder-Mead simplex taking over when BFGS does not converge, identical rows collapsed with weights. Returns the model (parameters r, alpha, a, b; log-likelihood, convergence and the standard errors of the parameters from the inverse Hessian of the log-likelihood, null where it is not positive definite, in insight_model_info). Rows with a NULL are skipped and counted. Errors: frequency not a whole number >= 0, recency outside [0, T], recency > 0 with frequency 0, every T = 0 (zero-length observation windows). NULL for no rows.';

COMMENT ON AGGREGATE @extschema@.insight_pnbd_fit(float8, float8, float8) IS
'Fit the Pareto/NBD model (Schmittlein, Morrison & Colombo 1987; likelihood as in Fader & Hardie 2005, note 009, eq. 18, in log space with Gauss hypergeometric series after Euler''s transformation) to customers'' (frequency, recency, T): maximum likelihood over log-parameters by BFGS with the analytic gradient (the series differentiated term by term; central differences where the integral is taken by quadrature) and Newton steps, as insight_bgnbd_fit, identical rows collapsed with weights. Returns the model (r, alpha, s, beta; standard errors in insight_model_info). Rows with a NULL are skipped and counted; the same input errors as insight_bgnbd_fit. NULL for no rows.';

COMMENT ON AGGREGATE @extschema@.insight_gammagamma_fit(float8, float8) IS
'Fit the Gamma-Gamma spend model of Fader & Hardie (2013) to customers'' (frequency, monetary_value) from insight_clv_summary(): maximum likelihood over log-parameters p, q, gamma by BFGS with the analytic gradient and Newton steps, as insight_bgnbd_fit (standard errors in insight_model_info). Only customers with frequency > 0 and a positive monetary_value are fitted; others and rows with a NULL are skipped and counted (rows_skipped in insight_model_info). The model info records the correlation between frequency and spend: the model assumes they are independent. NULL for no usable row.';

-- Modified BG/NBD (Batislam, Denizel & Filiztekin 2007) -----------------------

--@ function src/sql/models/clv/models.sql insight_mbgnbd_final

--@ comment src/sql/models/clv/models.sql insight_mbgnbd_final

CREATE AGGREGATE @extschema@.insight_mbgnbd_fit(frequency float8, recency float8, "T" float8) (
    SFUNC = @extschema@.insight_clv_summary_accum,
    STYPE = bytea,
    COMBINEFUNC = @extschema@.insight_clv_rows_combine,
    FINALFUNC = @extschema@.insight_mbgnbd_final,
    PARALLEL = SAFE
);

COMMENT ON AGGREGATE @extschema@.insight_mbgnbd_fit(float8, float8, float8) IS
'Fit the modified BG/NBD model (MBG/NBD) of Batislam, Denizel & Filiztekin (2007), "Empirical validation and comparison of models for customer base analysis", IJRM 24(3), to customers'' (frequency, recency, T): BG/NBD where a customer may also drop out right after the first purchase, so that one-time buyers can be gone (likelihood as in BTYDplus''s mbgnbd.LL: ln G(r+x) - ln G(r) + r ln alpha + ln B(a, b+x+1) - ln B(a, b) + ln[(alpha+T)^-(r+x) + a/(b+x) (alpha+t_x)^-(r+x)]). Maximum likelihood over log-parameters by BFGS with the analytic gradient and Newton steps, as insight_bgnbd_fit. Returns the model (r, alpha, a, b; standard errors in insight_model_info). Rows with a NULL are skipped and counted; the same input errors as insight_bgnbd_fit. NULL for no rows.';

--@ function src/sql/models/clv/models.sql insight_mbgnbd_model

--@ comment src/sql/models/clv/models.sql insight_mbgnbd_model

--@ function src/sql/models/clv/models.sql insight_mbgnbd_p_alive

--@ comment src/sql/models/clv/models.sql insight_mbgnbd_p_alive

--@ function src/sql/models/clv/models.sql insight_mbgnbd_expected_purchases

--@ comment src/sql/models/clv/models.sql insight_mbgnbd_expected_purchases

--@ function src/sql/models/clv/models.sql insight_mbgnbd_expected_purchases 2

--@ comment src/sql/models/clv/models.sql insight_mbgnbd_expected_purchases 2

--@ function src/sql/models/clv/models.sql insight_mbgnbd_purchase_probability

--@ comment src/sql/models/clv/models.sql insight_mbgnbd_purchase_probability

--@ comment src/sql/models/clv/models.sql insight_transaction_model_p_alive

--@ comment src/sql/models/clv/models.sql insight_transaction_model_expected_purchases
