-- Issue 19, part 5 (scale on one machine): at ten million order lines the
-- CLV holdout's join of the calibration summary with the holdout purchases
-- was planned as a nested loop (customers x holdout buyers comparisons);
-- insight_clv_holdout_rows now runs with enable_nestloop off.

--@ function src/sql/tasks/clv.sql insight_clv_holdout_rows
