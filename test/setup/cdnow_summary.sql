\set ECHO none
-- Set-up of a pg_regress test run on its own after 00_setup (see test/schedule):
-- CDNOW loaded and registered, and its summary table cdnow_clv, as
-- 60_clv_summary leaves them.  Does nothing when cdnow_clv is there; prints
-- nothing.
SELECT to_regclass('cdnow_clv') IS NULL AS cdnow_needed \gset
\if :cdnow_needed
SET client_min_messages = error;
\o /dev/null
\i test/clv/load_cdnow.sql
CREATE TABLE cdnow_clv AS SELECT * FROM insight_clv_summary('1997-10-01 00:00+00', '7 days');
\o
RESET client_min_messages;
\endif
\set ECHO all
