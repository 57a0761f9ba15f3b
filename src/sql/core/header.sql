-- insight: customer insight for online shops, inside PostgreSQL.
-- This script is assembled by the Makefile from the parts listed in SQL_PARTS.

\echo Use "CREATE EXTENSION insight" to load this file. \quit

-- insight needs PostgreSQL 15 or later (insight.control).  Checked here, in the
-- install script only: an upgrade script runs where an older version of
-- insight was installed, so on a server that was already supported.
DO $$
BEGIN
    IF pg_catalog.current_setting('server_version_num')::integer < 150000 THEN
        RAISE EXCEPTION 'insight requires PostgreSQL 15 or later'
            USING ERRCODE = 'feature_not_supported',
                  DETAIL = pg_catalog.format('This server is PostgreSQL %s.',
                                             pg_catalog.current_setting('server_version')),
                  HINT = 'Install insight into a server of version 15 or later.';
    END IF;
END
$$;
