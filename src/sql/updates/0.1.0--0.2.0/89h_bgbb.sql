-- Issue 18, part 2: the BG/BB model of Fader, Hardie & Shang (2010) for
-- transactions at discrete opportunities (insight_bgbb_*); the CLV model
-- checks and the likelihood function take BG/BB models too.

--@ comment src/sql/models/clv/models.sql insight_clv_model_unusable

--@ comment src/sql/models/clv/models.sql insight_clv_log_likelihood

--@ function src/sql/models/clv/models.sql insight_bgbb_accum

--@ comment src/sql/models/clv/models.sql insight_bgbb_accum

--@ function src/sql/models/clv/models.sql insight_bgbb_final

--@ comment src/sql/models/clv/models.sql insight_bgbb_final

CREATE AGGREGATE @extschema@.insight_bgbb_fit(frequency float8, recency float8, periods float8) (
    SFUNC = @extschema@.insight_bgbb_accum,
    STYPE = bytea,
    COMBINEFUNC = @extschema@.insight_clv_rows_combine,
    FINALFUNC = @extschema@.insight_bgbb_final,
    PARALLEL = SAFE
);

COMMENT ON AGGREGATE @extschema@.insight_bgbb_fit(float8, float8, float8) IS
'Fit the BG/BB model of Fader, Hardie & Shang (2010), "Customer-Base Analysis in a Discrete-Time Noncontractual Setting", Marketing Science 29(6), 1086-1108, for transactions at discrete opportunities (a yearly donation, an annual event). Per customer: frequency = the opportunities after the first with a transaction, recency = the last of them (0 for none), periods = the opportunities observed after the first. While alive a customer transacts at each opportunity with probability p ~ Beta(alpha, beta) and dies before each opportunity with probability theta ~ Beta(gamma, delta). Maximum likelihood (FHS eq. 5, in log space) over log-parameters by BFGS with the analytic gradient (digamma differences of the beta functions) and Newton steps, as insight_bgnbd_fit, identical rows collapsed with weights. Returns the model (alpha, beta, gamma, delta; log-likelihood, convergence and standard errors in insight_model_info). Rows with a NULL are skipped and counted. Errors: see insight_bgbb_accum; every periods = 0 (22023). NULL for no rows.';

--@ function src/sql/models/clv/models.sql insight_bgbb_model

--@ comment src/sql/models/clv/models.sql insight_bgbb_model

--@ function src/sql/models/clv/models.sql insight_bgbb_p_alive

--@ comment src/sql/models/clv/models.sql insight_bgbb_p_alive

--@ function src/sql/models/clv/models.sql insight_bgbb_expected_purchases

--@ comment src/sql/models/clv/models.sql insight_bgbb_expected_purchases

--@ function src/sql/models/clv/models.sql insight_bgbb_purchase_probability

--@ comment src/sql/models/clv/models.sql insight_bgbb_purchase_probability

-- Issue 18, part 3: the CLV task chooses among BG/NBD, Pareto/NBD and MBG/NBD
-- on the holdout and says in the model's metrics and in the report which won,
-- by how much, and when the past-rate baseline beats it (insight_clv_evaluate,
-- insight_report_clv and the comment of insight_train_clv: 89n_clv_choice.sql).

INSERT INTO @extschema@.insight_report_messages (key, lang, message)
VALUES ('algorithm.mbgnbd', 'en', 'MBG/NBD'), ('algorithm.mbgnbd', 'zh', 'MBG/NBD');
