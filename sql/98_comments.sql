-- Every function, procedure, aggregate, table, view and column of the
-- extension has a comment: after installation, after a registration that
-- rebuilds the registration's objects with other key types, and with Online
-- Retail registered.  Each query lists what lacks one: it must list nothing.
SELECT $q$
WITH member AS (
    SELECT d.classid, d.objid
      FROM pg_depend d
     WHERE d.refclassid = 'pg_extension'::regclass AND d.deptype = 'e'
       AND d.refobjid = (SELECT e.oid FROM pg_extension e WHERE e.extname = 'insight')
),
object AS (
    SELECT m.classid, m.objid, 0 AS objsubid
      FROM member m
     WHERE m.classid = 'pg_proc'::regclass
    UNION ALL
    SELECT m.classid, m.objid, a.attnum
      FROM member m
      JOIN pg_class c ON c.oid = m.objid AND c.relkind IN ('r', 'p', 'v', 'm', 'f')
      JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
     WHERE m.classid = 'pg_class'::regclass
)
SELECT pg_describe_object(o.classid, o.objid, o.objsubid) AS uncommented
  FROM object o
 WHERE NOT EXISTS (SELECT 1 FROM pg_description ds
                    WHERE ds.classoid = o.classid AND ds.objoid = o.objid AND ds.objsubid = o.objsubid)
 ORDER BY 1
$q$ AS uncommented_sql \gset

-- a fresh installation, before any registration
CREATE DATABASE insight_regress_comments;
\c insight_regress_comments
SET client_min_messages = warning;
CREATE EXTENSION insight;
RESET client_min_messages;
:uncommented_sql;
\c insight_regress
DROP DATABASE insight_regress_comments;

-- a registration with other key types (text customer, uuid order, no item):
-- every rebuilt function and view is dropped and created again
CREATE TABLE comment_shop (who text, at date, ord uuid, total numeric);
SELECT insight_register_sales('comment_shop', 'who', 'at', 'ord', amount_column => 'total');
:uncommented_sql;

-- and back to Online Retail
\o /dev/null
\i test/register_online_retail.sql
\o
:uncommented_sql;
DROP TABLE comment_shop;
