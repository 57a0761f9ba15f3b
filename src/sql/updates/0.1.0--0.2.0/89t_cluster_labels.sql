-- k-means clusters that their labels' words do not tell apart (two clusters
-- "recent, frequent, high spend" on Online Retail) are ranked by their
-- members' median spend: "(1 of 2 by median spend)".
--@ function src/sql/tasks/segments.sql insight_cluster_profiles

--@ comment src/sql/tasks/segments.sql insight_cluster_profiles

INSERT INTO @extschema@.insight_report_messages (key, lang, message)
SELECT v.key, l.lang, CASE l.lang WHEN 'en' THEN v.en ELSE @extschema@.insight_unicode_text(v.zh) END
  FROM (VALUES
    ('label.rank', ' (%s of %s by median spend)', '\uff08\u6309\u6d88\u8d39\u4e2d\u4f4d\u6570\u7b2c %s/%s\uff09')
  ) v(key, en, zh)
 CROSS JOIN (VALUES ('en'), ('zh')) l(lang)
 WHERE l.lang OPERATOR(pg_catalog.=) 'en' OR @extschema@.insight_unicode_text(v.zh) IS NOT NULL;
