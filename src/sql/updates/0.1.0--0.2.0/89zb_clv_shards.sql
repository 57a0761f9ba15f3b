-- Issue 19: on Citus, for a source distributed by customer, the CLV fits run
-- on the shards.  insight_clv_summary_query(as_of, period), generated at
-- registration from the same template as insight_clv_summary, gives the
-- summary's query as SQL text (NULL elsewhere); the CLV task's calibration
-- fits (their shared state, insight_clv_fit_state, in one query) and serving
-- fits and the value task's BTYD comparator run their aggregates over it as
-- a subquery, which Citus pushes down (a partial state per shard, combined
-- on the coordinator).  A database without Citus runs the fits as before.

--@ function src/sql/models/clv/summary.sql insight_clv_summary_query

--@ comment src/sql/models/clv/summary.sql insight_clv_summary_query

--@ function src/sql/models/clv/summary.sql insight_build_clv_objects

--@ comment src/sql/models/clv/summary.sql insight_build_clv_objects

ALTER FUNCTION @extschema@.insight_build_clv_objects() SECURITY DEFINER SET search_path = pg_catalog, pg_temp;

--@ comment src/sql/models/clv/models.sql insight_clv_summary_accum

-- The state the transaction-model fits share (the calibration fits on
-- Citus collect it in one query).
CREATE AGGREGATE @extschema@.insight_clv_fit_state(frequency float8, recency float8, "T" float8) (
    SFUNC = @extschema@.insight_clv_summary_accum,
    STYPE = bytea,
    COMBINEFUNC = @extschema@.insight_clv_rows_combine,
    PARALLEL = SAFE
);

COMMENT ON AGGREGATE @extschema@.insight_clv_fit_state(float8, float8, float8) IS
'The fit state that insight_bgnbd_fit, insight_pnbd_fit and insight_mbgnbd_fit build, returned as it is: customers'' (frequency, recency, T), identical rows collapsed with weights, rows with a NULL counted; insight_bgnbd_final(state), insight_pnbd_final(state) and insight_mbgnbd_final(state) fit each model from it, with the bytes of the aggregate over the same rows (the final function sorts the rows, so the order in which partial states were combined changes nothing). With a combine function: parallel plans and Citus (worker_partial_agg on each shard) combine partial states. Input errors of insight_bgnbd_fit. NULL for no rows.';

--@ function src/sql/tasks/clv.sql insight_clv_evaluate

--@ comment src/sql/tasks/clv.sql insight_clv_evaluate

--@ function src/sql/tasks/clv.sql insight_clv_serve

--@ comment src/sql/tasks/clv.sql insight_clv_serve

--@ function src/sql/tasks/value.sql insight_value_btyd

--@ comment src/sql/tasks/value.sql insight_value_btyd

-- A registered source gets insight_clv_summary_query from the CLV build
-- trigger, fired by an UPDATE; the other objects built at registration are
-- current, so their triggers sit this one out.
ALTER TABLE @extschema@.insight_sales_sources
    DISABLE TRIGGER insight_sales_sources_build,
    DISABLE TRIGGER insight_sales_sources_build_window,
    DISABLE TRIGGER insight_sales_sources_build_rfm,
    DISABLE TRIGGER insight_sales_sources_build_churn;
UPDATE @extschema@.insight_sales_sources SET options = options;
ALTER TABLE @extschema@.insight_sales_sources
    ENABLE TRIGGER insight_sales_sources_build,
    ENABLE TRIGGER insight_sales_sources_build_window,
    ENABLE TRIGGER insight_sales_sources_build_rfm,
    ENABLE TRIGGER insight_sales_sources_build_churn;
