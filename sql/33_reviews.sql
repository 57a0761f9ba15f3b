-- The review source (docs/reference/reviews.md): registration, labels from a
-- boolean, a 0/1 number or a rating, the view insight_reviews, errors.
\set VERBOSITY terse
-- before any registration
SELECT count(*) FROM insight_reviews;

CREATE TABLE rv_shop (id int, body text, stars numeric, ok boolean, bin int, who bigint, sku text, at date, n int);
INSERT INTO rv_shop VALUES
    (1, 'Great phone',  5, true,  1, 10, 'A', '2024-01-02', 7),
    (2, 'It is ok',     3, NULL,  0, 10, 'B', '2024-01-03', 7),
    (3, 'Broke at once', 1, false, 0, 11, 'A', NULL,        7),
    (4, NULL,           4, true,  1, NULL, NULL, '2024-01-05', 7),
    (5, 'meh',          2, false, NULL, 12, 'B', '2024-01-06', 7);

-- a rating: >= 4 positive, <= 2 negative, 3 left out
SELECT insight_register_reviews('rv_shop', 'body', 'stars', 'who', 'sku', 'at', '{"label": "rating"}');
SELECT source, text_column, label_column, customer_column, item_column, time_column, options FROM insight_review_sources;
SELECT * FROM insight_reviews ORDER BY rating DESC, review;
-- other thresholds: 5 positive, <= 3 negative
SELECT insight_register_reviews('rv_shop', 'body', 'stars', options => '{"label": "rating", "positive_min": 5, "negative_max": 3}');
SELECT rating, positive, customer_id IS NULL AND item_id IS NULL AND reviewed_at IS NULL AS no_keys
  FROM insight_reviews ORDER BY rating;
-- a boolean label, and a 0/1 number
SELECT insight_register_reviews('rv_shop', 'body', 'ok', item_column => 'sku');
SELECT review, positive, rating FROM insight_reviews ORDER BY review;
SELECT insight_register_reviews('rv_shop', 'body', 'bin');
SELECT pg_catalog.string_agg(coalesce(positive::text, 'null'), ',' ORDER BY review) AS labels FROM insight_reviews;

-- errors; the registration stays as it was
SELECT insight_register_reviews('rv_shop', 'body', 'stars');   -- 0/1 label holding 5
SELECT insight_register_reviews('rv_shop', 'body', 'ok', options => '{"label": "rating"}');
SELECT insight_register_reviews('rv_shop', 'id', 'ok');
SELECT insight_register_reviews('rv_shop', 'body', 'sku');
SELECT insight_register_reviews('rv_shop', 'body', 'ok', 'at');
SELECT insight_register_reviews('rv_shop', 'body', 'ok', time_column => 'sku');
SELECT insight_register_reviews('rv_shop', 'text', 'ok');
SELECT insight_register_reviews('rv_shop', NULL, 'ok');
CREATE SEQUENCE rv_seq;
SELECT insight_register_reviews('rv_seq', 'body', 'ok');
DROP SEQUENCE rv_seq;
SELECT insight_register_reviews('rv_shop', 'body', 'ok', options => '{"labels": "binary"}');
SELECT insight_register_reviews('rv_shop', 'body', 'ok', options => '{"label": "stars"}');
SELECT insight_register_reviews('rv_shop', 'body', 'stars', options => '{"label": "rating", "positive_min": 3, "negative_max": 3}');
SELECT insight_register_reviews('rv_shop', 'body', 'stars', options => '{"label": "rating", "positive_min": "4"}');
SELECT insight_register_reviews('rv_shop', 'body', 'ok', options => '[]');
SELECT label_column FROM insight_review_sources;

-- privileges: registering is for insight_admin; reading needs SELECT on the source
CREATE ROLE rv_reader IN ROLE insight_reader;
CREATE ROLE rv_admin IN ROLE insight_admin;
SET ROLE rv_reader;
SELECT insight_register_reviews('rv_shop', 'body', 'ok');
SELECT count(*) FROM insight_reviews;
RESET ROLE;
GRANT SELECT ON rv_shop TO rv_reader;
SET ROLE rv_reader;
SELECT count(*) AS reader_rows FROM insight_reviews;
RESET ROLE;
GRANT SELECT (id, body) ON rv_shop TO rv_admin;
SET ROLE rv_admin;
SELECT insight_register_reviews('rv_shop', 'body', 'ok');      -- no SELECT on ok
RESET ROLE;
GRANT SELECT ON rv_shop TO rv_admin;
SET ROLE rv_admin;
SELECT insight_register_reviews('rv_shop', 'body', 'ok');
RESET ROLE;
SELECT registered_by, label_column FROM insight_review_sources;

-- odd identifiers are quoted
CREATE TABLE "rv Odd ""t""" ("the Text" text, "Lab;el" boolean);
INSERT INTO "rv Odd ""t""" VALUES ('fine', true);
SELECT insight_register_reviews('"rv Odd ""t"""', 'the Text', 'Lab;el');
SELECT review, positive FROM insight_reviews;

DELETE FROM insight_review_sources;
DROP TABLE rv_shop, "rv Odd ""t""";
DROP ROLE rv_reader, rv_admin;
