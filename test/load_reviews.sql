-- Load the shipped reviews (test/data/reviews_*) into two ordinary tables,
-- each with a stratified 80/20 split fixed by a hash ("held_out": every
-- fifth review of its corpus or category and label, ordered by md5 of its
-- text and id):
--   reviews_en (id, corpus, review, positive, held_out): the UCI sentiment
--     labelled sentences of Amazon and Yelp (Kotzias et al. 2015), 2,000
--   reviews_zh (id, cat, review, positive, held_out): a stratified sample of
--     4,850 Chinese shopping reviews in 10 categories
--     (test/data/make_reviews_sample.py)
CREATE TEMP TABLE reviews_raw (review text, label int);
\copy reviews_raw FROM 'test/data/reviews_amazon_cells_labelled.txt' WITH (FORMAT csv, DELIMITER E'\t', QUOTE E'\x01')
ALTER TABLE reviews_raw ADD COLUMN corpus text DEFAULT 'amazon';
ALTER TABLE reviews_raw ALTER COLUMN corpus SET DEFAULT 'yelp';
\copy reviews_raw (review, label) FROM 'test/data/reviews_yelp_labelled.txt' WITH (FORMAT csv, DELIMITER E'\t', QUOTE E'\x01')
CREATE TABLE reviews_en AS
SELECT id, corpus, review, positive,
       row_number() OVER (PARTITION BY corpus, positive ORDER BY md5(review || id), id) % 5 = 0 AS held_out
  FROM (SELECT row_number() OVER (ORDER BY corpus, ctid) AS id, corpus, review, label = 1 AS positive
          FROM reviews_raw) r;
DROP TABLE reviews_raw;

CREATE TEMP TABLE reviews_raw (cat text, label int, review text);
\copy reviews_raw FROM PROGRAM 'gzip -dc test/data/reviews_zh_sample.csv.gz' WITH (FORMAT csv, HEADER true)
CREATE TABLE reviews_zh AS
SELECT id, cat, review, positive,
       row_number() OVER (PARTITION BY cat, positive ORDER BY md5(review || id), id) % 5 = 0 AS held_out
  FROM (SELECT row_number() OVER (ORDER BY ctid) AS id, cat, review, label = 1 AS positive
          FROM reviews_raw) r;
DROP TABLE reviews_raw;
