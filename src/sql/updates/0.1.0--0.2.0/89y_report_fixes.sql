-- The English summary of the report's recommender section named the test
-- customers and the test window in the wrong places ("scored on the 30 days
-- customers who bought in the next 1,539"): its arguments are numbered now.
UPDATE @extschema@.insight_report_messages
   SET message = 'Model %1$s (%2$s), fitted on purchases before %3$s and scored on the %5$s customers who bought in the next %4$s (top 10 recommendations each).'
 WHERE key OPERATOR(pg_catalog.=) 'recommender.summary' AND lang OPERATOR(pg_catalog.=) 'en';
