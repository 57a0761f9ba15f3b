-- insight 0.1.0 -> 0.2.0, run by ALTER EXTENSION insight UPDATE.
-- Assembled by the Makefile from src/sql/updates/0.1.0--0.2.0/*.sql in file-name
-- order: one part per change, each saying what it changes.

\echo Use "ALTER EXTENSION insight UPDATE TO '0.2.0'" to load this file. \quit
