-- Issue 18, part 3: the CLV task measures holdout MAE with each model's own
-- predictive median (P(X(T, T+t) = n | x, t_x, T), insight_*_purchase_probability
-- with a history, and insight_*_median_purchases), chooses on it, keeps the
-- mean for RMSE and totals, and reports both; the baseline's MAE under the
-- Poisson median of its rate; P(alive)'s spread and rank correlations in the
-- metrics (insight_clv_p_alive_spread) and the report; insight_purchases_median
-- serves the median.

--@ function src/sql/models/clv/models.sql insight_bgnbd_purchase_probability 2

--@ comment src/sql/models/clv/models.sql insight_bgnbd_purchase_probability 2

--@ function src/sql/models/clv/models.sql insight_bgnbd_median_purchases

--@ comment src/sql/models/clv/models.sql insight_bgnbd_median_purchases

--@ function src/sql/models/clv/models.sql insight_pnbd_purchase_probability 2

--@ comment src/sql/models/clv/models.sql insight_pnbd_purchase_probability 2

--@ function src/sql/models/clv/models.sql insight_pnbd_median_purchases

--@ comment src/sql/models/clv/models.sql insight_pnbd_median_purchases

--@ function src/sql/models/clv/models.sql insight_mbgnbd_purchase_probability 2

--@ comment src/sql/models/clv/models.sql insight_mbgnbd_purchase_probability 2

--@ function src/sql/models/clv/models.sql insight_mbgnbd_median_purchases

--@ comment src/sql/models/clv/models.sql insight_mbgnbd_median_purchases

--@ function src/sql/models/clv/models.sql insight_transaction_model_purchase_probability

--@ comment src/sql/models/clv/models.sql insight_transaction_model_purchase_probability

--@ function src/sql/models/clv/models.sql insight_transaction_model_median_purchases

--@ comment src/sql/models/clv/models.sql insight_transaction_model_median_purchases

--@ function src/sql/models/clv/models.sql insight_clv_poisson_median

--@ comment src/sql/models/clv/models.sql insight_clv_poisson_median

--@ function src/sql/tasks/clv.sql insight_clv_spearman

--@ comment src/sql/tasks/clv.sql insight_clv_spearman

--@ function src/sql/tasks/clv.sql insight_clv_p_alive_spread

--@ comment src/sql/tasks/clv.sql insight_clv_p_alive_spread

--@ function src/sql/tasks/clv.sql insight_clv_come_back

--@ comment src/sql/tasks/clv.sql insight_clv_come_back

--@ function src/sql/tasks/clv.sql insight_clv_evaluate

--@ comment src/sql/tasks/clv.sql insight_clv_evaluate

--@ function src/sql/tasks/clv.sql insight_clv_serve

--@ comment src/sql/tasks/clv.sql insight_clv_serve

--@ function src/sql/tasks/clv.sql insight_clv_compare

--@ comment src/sql/tasks/clv.sql insight_clv_compare

--@ function src/sql/tasks/clv.sql insight_report_clv

--@ comment src/sql/tasks/clv.sql insight_report_clv

--@ comment src/sql/tasks/clv.sql insight_train_clv

--@ function src/sql/tasks/clv.sql insight_purchases_median

--@ comment src/sql/tasks/clv.sql insight_purchases_median

--@ function src/sql/tasks/clv.sql insight_purchases_median 2

--@ comment src/sql/tasks/clv.sql insight_purchases_median 2
