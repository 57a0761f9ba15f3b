-- DROP EXTENSION removes everything insight created, including the objects a
-- registration rebuilt; CREATE EXTENSION works again afterwards.
SELECT count(*) > 0 AS has_objects
  FROM pg_depend d WHERE d.refobjid = (SELECT oid FROM pg_extension WHERE extname = 'insight') AND d.deptype = 'e';
DROP EXTENSION insight;
SELECT count(*) AS leftover_relations FROM pg_class WHERE relname LIKE 'insight%';
SELECT count(*) AS leftover_functions FROM pg_proc WHERE proname LIKE 'insight%';
SELECT count(*) AS leftover_types FROM pg_type WHERE typname LIKE 'insight%' OR typname LIKE '_insight%';
SET client_min_messages = warning;
CREATE EXTENSION insight;
RESET client_min_messages;
SELECT count(*) AS models FROM insight_models;
