-- RFM scores and segments (src/sql/70_rfm.sql).

-- The segment map: every one of the 125 score triples has exactly one segment.
SELECT insight_rfm_segment(r, f, m) AS segment, count(*) AS cells,
       min(r) AS r_min, max(r) AS r_max,
       min((f + m + 1) / 2) AS fm_min, max((f + m + 1) / 2) AS fm_max
  FROM generate_series(1, 5) r, generate_series(1, 5) f, generate_series(1, 5) m
 GROUP BY 1 ORDER BY array_position(insight_rfm_segment_names(), insight_rfm_segment(r, f, m));
SELECT insight_rfm_segment(5, 5, 5), insight_rfm_segment(5, 1, 1), insight_rfm_segment(1, 5, 5),
       insight_rfm_segment(1, 1, 1), insight_rfm_segment(2, 1, 2), insight_rfm_segment(3, 3, 3),
       insight_rfm_segment(3, 4, 3), insight_rfm_segment(4, 1, 1), insight_rfm_segment(4, 2, 1);
SELECT insight_rfm_segment(0, 3, 3);
SELECT insight_rfm_segment(3, 6, 3);
SELECT insight_rfm_segment(NULL, 3, 3) IS NULL AS null_in_null_out;

-- Online Retail, whole history.
SELECT pg_typeof(customer_id) AS key_type, count(*) AS customers,
       count(*) FILTER (WHERE rfm_cell = r_score::text || f_score::text || m_score::text) AS cells_ok,
       count(*) FILTER (WHERE segment = insight_rfm_segment(r_score, f_score, m_score)) AS segments_ok
  FROM insight_rfm GROUP BY 1;
-- recency is almost free of ties: five equal fifths
SELECT r_score, count(*), round(min(recency_days)::numeric, 2) AS min_days,
       round(max(recency_days)::numeric, 2) AS max_days
  FROM insight_rfm GROUP BY r_score ORDER BY r_score;
-- frequency has many ties: equal values share a score
SELECT f_score, count(*), min(frequency), max(frequency)
  FROM insight_rfm GROUP BY f_score ORDER BY f_score;
SELECT m_score, count(*), round(min(monetary)::numeric, 2) AS min, round(max(monetary)::numeric, 2) AS max
  FROM insight_rfm GROUP BY m_score ORDER BY m_score;
SELECT count(*) AS values_with_two_scores FROM (
    SELECT frequency FROM insight_rfm GROUP BY frequency HAVING count(DISTINCT f_score) > 1) t;
-- the score rule recomputed independently: 1 + floor(5 * (customers strictly worse) / customers)
WITH v AS (SELECT frequency, count(*) AS c FROM insight_rfm GROUP BY frequency),
     w AS (SELECT frequency, coalesce(sum(c) OVER (ORDER BY frequency ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0) AS worse,
                  sum(c) OVER () AS n FROM v)
SELECT count(*) AS f_score_mismatches
  FROM insight_rfm r JOIN w USING (frequency)
 WHERE r.f_score <> 1 + floor(5 * w.worse / w.n);
SELECT segment, count(*) AS customers, round(avg(recency_days)::numeric, 1) AS mean_recency,
       round(avg(frequency)::numeric, 2) AS mean_frequency, round(avg(monetary)::numeric, 2) AS mean_monetary
  FROM insight_rfm GROUP BY segment ORDER BY array_position(insight_rfm_segment_names(), segment);
SELECT customer_id, round(recency_days::numeric, 3) AS recency_days, frequency,
       round(monetary::numeric, 2) AS monetary, r_score, f_score, m_score, rfm_cell, segment
  FROM insight_rfm WHERE customer_id IN (12346, 12347, 12748, 14646, 18287) ORDER BY customer_id;

-- insight_segment: any key type whose text is a key of the source
SELECT insight_segment(12347) AS int_key, insight_segment(12347::bigint) AS bigint_key,
       insight_segment('12347'::text) AS text_key, insight_segment('12347') AS literal_key, insight_segment(12346) AS lost_one,
       insight_segment(1) IS NULL AS unknown_is_null, insight_segment(NULL::integer) IS NULL AS null_is_null;
SELECT insight_segment(12347, '2011-01-01') AS as_of_2011, insight_segment(12347, '2010-01-01') IS NULL AS before_first_purchase;
SELECT insight_segment('x'::text);

-- CDNOW, in its own database: RFM recency is days since the last purchase.
-- Customer 4 bought on 1997-01-01, 1997-01-18, 1997-08-02 (and 1997-12-12,
-- after the cut-off): seen on 1997-09-30 its recency is 59 days, not the
-- BG/NBD recency of 213 days (first to last purchase).
SELECT current_database() AS regress_db \gset
SET client_min_messages = warning;
DROP DATABASE IF EXISTS insight_rfm_cdnow;
CREATE DATABASE insight_rfm_cdnow;
\c insight_rfm_cdnow
SET client_min_messages = warning;
CREATE EXTENSION insight;
CREATE TABLE cdnow_raw (line text);
\copy cdnow_raw FROM 'test/data/CDNOW_master.txt'
CREATE TABLE cdnow_lines AS
SELECT p[1]::integer AS customer_id, to_date(p[2], 'YYYYMMDD') AS purchase_date,
       p[3]::integer AS cds, p[4]::numeric AS dollar_value
  FROM (SELECT regexp_split_to_array(btrim(line), '\s+') AS p FROM cdnow_raw) t
 WHERE p[1] <> 'customer_id';
SELECT insight_register_sales('cdnow_lines', customer_column => 'customer_id',
    time_column => 'purchase_date', quantity_column => 'cds', amount_column => 'dollar_value');
RESET client_min_messages;
SELECT count(*) AS lines, count(DISTINCT customer_id) AS customers FROM cdnow_lines;
SELECT customer_id, recency_days, frequency, round(monetary::numeric, 2) AS monetary,
       r_score, f_score, m_score, rfm_cell, segment
  FROM insight_rfm_scores('1997-09-30 00:00+00') WHERE customer_id = 4;
-- its r_score from the rule, with recency 59 (213 would give a lower score)
SELECT 1 + floor(5 * count(*) FILTER (WHERE recency_days > 59) / count(*)) AS r_score_at_59,
       1 + floor(5 * count(*) FILTER (WHERE recency_days > 213) / count(*)) AS r_score_at_213,
       insight_rfm_segment(3, 4, 4) AS segment_if_213
  FROM insight_rfm_scores('1997-09-30 00:00+00');
SELECT insight_segment(4, '1997-09-30 00:00+00') AS segment_4,
       (SELECT round((tenure_days - recency_days)::numeric, 6) FROM insight_customer_features('1997-09-30 00:00+00') WHERE customer_id = 4) AS bgnbd_recency;
\c :regress_db
SET client_min_messages = warning;
DROP DATABASE insight_rfm_cdnow;
RESET client_min_messages;
SELECT count(*) AS online_retail_customers FROM insight_rfm;
