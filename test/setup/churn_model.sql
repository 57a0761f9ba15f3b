\set ECHO none
-- Set-up of a pg_regress test run on its own after 00_setup (see test/schedule):
-- the active churn model that 50_churn leaves (a default training).  Trains
-- nothing when an earlier test left one active; prints nothing.
SET client_min_messages = error;
\o /dev/null
SELECT insight_train_churn()
 WHERE NOT EXISTS (SELECT FROM insight_models WHERE task = 'churn' AND status = 'active');
\o
RESET client_min_messages;
\set ECHO all
