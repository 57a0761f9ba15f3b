-- insight: customer insight for online shops, inside PostgreSQL.
-- This script is assembled by the Makefile from src/sql/*.sql in file-name order.

\echo Use "CREATE EXTENSION insight" to load this file. \quit
