\set ECHO none
-- Set-up of a pg_regress test run on its own after 00_setup (see test/schedule):
-- what cdnow_summary.sql sets up, and the table clv_many (40 copies of
-- cdnow_clv) that 61_clv_bgnbd leaves.  Does nothing when they are there;
-- prints one line (cdnow_summary.sql turns echoing on again).
\ir cdnow_summary.sql
\set ECHO none
SET client_min_messages = error;
CREATE TABLE IF NOT EXISTS clv_many AS SELECT c.* FROM cdnow_clv c, generate_series(1, 40);
RESET client_min_messages;
ANALYZE clv_many;
\set ECHO all
