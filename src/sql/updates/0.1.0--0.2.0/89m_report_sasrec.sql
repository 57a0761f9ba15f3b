-- The report's name of the SASRec recommender (tasks/report_html_parts.sql):
-- without it insight_report_html failed ("no report message
-- "algorithm.sasrec"") as soon as a SASRec model was in the registry, active
-- or not, since the recommender section names every algorithm trained.
INSERT INTO @extschema@.insight_report_messages (key, lang, message)
SELECT 'algorithm.sasrec', l.lang, 'SASRec' FROM (VALUES ('en'), ('zh')) l(lang)
ON CONFLICT (key, lang) DO UPDATE SET message = EXCLUDED.message;
