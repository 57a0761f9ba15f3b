#!/usr/bin/env bash
# Reviews benchmarks (issue 16), on the 62,774 Chinese shopping reviews of
# ../shared/data/reviews/ (BENCH_REVIEWS=path to use another file of the
# same columns: cat,label,review; default: that file, else the shipped
# sample test/data/reviews_zh_sample.csv.gz), one backend, no parallel
# workers, timed inside the server with clock_timestamp():
#   1. a plain scan of the text column (count, sum(length)), tokenising and
#      hashing every review (insight_text_hash), training on every review
#      (insight_text_fit, defaults) and scoring every review
#      (insight_text_predict): median of 3 runs each (1 for training),
#      reviews per second and the ratio to the plain scan;
#   2. insight_sentiment(text) on a 100-character review: p50 and p99 of
#      2,000 calls in a PL/pgSQL loop (no client round trip);
#   3. the scikit-learn peer end to end: COPY the reviews out (psql), TF-IDF
#      character 1-2-grams, LogisticRegression(C = 1) fit (wall clock).
set -euo pipefail
cd "$(dirname "$0")/../.."
f=${BENCH_REVIEWS:-../shared/data/reviews/online_shopping_10_cats.csv.gz}
[[ -r $f ]] || f=test/data/reviews_zh_sample.csv.gz
f=$(realpath "$f")

psql -X -q -v ON_ERROR_STOP=1 -v f="$f" <<'SQL'
SET client_min_messages = warning;
DROP TABLE IF EXISTS bench_reviews;
CREATE TABLE bench_reviews (cat text, label int, review text);
\set cmd 'gzip -dc ' :f
COPY bench_reviews FROM PROGRAM :'cmd' WITH (FORMAT csv, HEADER true);
VACUUM ANALYZE bench_reviews;
SET max_parallel_workers_per_gather = 0;
CREATE TEMP TABLE runs (name text, ms float8);
CREATE TEMP TABLE mdl AS SELECT NULL::bytea AS m;
DO $$
DECLARE t0 timestamptz; n bigint; model bytea;
BEGIN
    PERFORM count(*), sum(length(review)) FROM bench_reviews;
    FOR i IN 1..3 LOOP
        t0 := clock_timestamp();
        PERFORM count(*), sum(length(review)) FROM bench_reviews;
        INSERT INTO runs VALUES ('plain scan', 1000 * extract(epoch FROM clock_timestamp() - t0));
        t0 := clock_timestamp();
        PERFORM sum(cardinality(insight_text_hash(review))) FROM bench_reviews;
        INSERT INTO runs VALUES ('tokenise + hash', 1000 * extract(epoch FROM clock_timestamp() - t0));
    END LOOP;
    t0 := clock_timestamp();
    model := insight_text_fit('SELECT review, label = 1 FROM bench_reviews');
    INSERT INTO runs VALUES ('train (insight_text_fit)', 1000 * extract(epoch FROM clock_timestamp() - t0));
    UPDATE mdl SET m = model;
    FOR i IN 1..3 LOOP
        t0 := clock_timestamp();
        -- the model read from a table, as insight_sentiment reads it (the
        -- model cache finds a stored value by its TOAST pointer)
        PERFORM sum(insight_text_predict(d.m, r.review)) FROM mdl d, bench_reviews r;
        INSERT INTO runs VALUES ('score (insight_text_predict)', 1000 * extract(epoch FROM clock_timestamp() - t0));
    END LOOP;
END $$;
\pset footer off
SELECT r.name, round(percentile_cont(0.5) WITHIN GROUP (ORDER BY r.ms)::numeric, 1) AS median_ms,
       round((n.n / (percentile_cont(0.5) WITHIN GROUP (ORDER BY r.ms) / 1000))::numeric) AS reviews_per_s,
       round((percentile_cont(0.5) WITHIN GROUP (ORDER BY r.ms) / s.ms)::numeric, 1) AS times_plain_scan
  FROM runs r, (SELECT count(*) AS n FROM bench_reviews) n,
       (SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY ms) AS ms FROM runs WHERE name = 'plain scan') s
 GROUP BY r.name, n.n, s.ms ORDER BY 2;

-- insight_sentiment latency: a model made active by hand for the bench
SELECT insight_register_reviews('bench_reviews', 'review', 'label', item_column => 'cat');
CREATE TEMP TABLE lat (us float8);
DO $$
DECLARE id bigint; t0 timestamptz; x float8; ts float8[] := '{}';
        r text := substr(repeat('这个手机质量很好，屏幕清晰，电池也耐用，物流很快，包装完好，客服态度也不错，总体来说非常满意。', 3), 1, 100);
BEGIN
    BEGIN
        id := insight_store_model('sentiment', 'text', (SELECT m FROM mdl), '{}', '{}');
        PERFORM insight_activate(id);
        x := insight_sentiment(r);
        FOR i IN 1..2000 LOOP
            t0 := clock_timestamp();
            x := insight_sentiment(r);
            ts := ts || 1e6 * extract(epoch FROM clock_timestamp() - t0)::float8;
        END LOOP;
        RAISE EXCEPTION 'rollback';   -- leave no model behind
    EXCEPTION WHEN raise_exception THEN NULL;
    END;
    INSERT INTO lat SELECT unnest(ts);
END $$;
SELECT length(r) AS review_chars, percentile_cont(0.5) WITHIN GROUP (ORDER BY us) AS p50_us,
       percentile_cont(0.99) WITHIN GROUP (ORDER BY us) AS p99_us, count(*) AS calls
  FROM lat, (SELECT substr(repeat('这个手机质量很好，屏幕清晰，电池也耐用，物流很快，包装完好，客服态度也不错，总体来说非常满意。', 3), 1, 100) AS r) x
 GROUP BY r;
DELETE FROM insight_review_sources;
SQL

/usr/bin/python3 - <<'PY'
import csv, io, subprocess, time
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
t0 = time.time()
out = subprocess.run(["psql", "-X", "-q", "-c", "COPY (SELECT review, label FROM bench_reviews WHERE review IS NOT NULL) TO STDOUT WITH (FORMAT csv)"],
                     check=True, capture_output=True, text=True).stdout
rows = list(csv.reader(io.StringIO(out)))
t1 = time.time()
X = TfidfVectorizer(analyzer="char", ngram_range=(1, 2)).fit_transform([r[0] for r in rows])
t2 = time.time()
LogisticRegression(C=1.0, max_iter=1000).fit(X, [r[1] == "1" for r in rows])
t3 = time.time()
print(f"scikit-learn peer, {len(rows)} reviews: COPY out {t1 - t0:.2f} s, TF-IDF {t2 - t1:.2f} s, "
      f"LogisticRegression fit {t3 - t2:.2f} s, end to end {t3 - t0:.2f} s ({len(rows) / (t3 - t0):.0f} reviews/s)")
PY
psql -X -q -c 'DROP TABLE bench_reviews'
