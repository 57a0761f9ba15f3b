#!/usr/bin/env bash
# The cost of insight_report_html, section by section: Online Retail with
# every task trained (test/browser/trained_online_retail.sql: churn, CLV,
# segments, item-kNN then ALS, the deep value model) in a database of its own.
#
# Method: what the sections share (insight_report_today, computed once per
# report), then each section function (insight_report_html_data, _churn, _clv,
# _value, _segments, _recommender, _other) with the context the report gives
# them (insight_report_context('en') with ctx.today), their sum with the
# shared part, then the whole report in English
# and in Chinese and the text report insight_report(), each timed by
# clock_timestamp() around an EXECUTE in one PL/pgSQL loop; 3 rounds, and each
# figure is the best and the median of its 3.  Also what the sections call that
# costs most, for reference: the features of every customer
# (insight_customer_features), the retention targets, the CLV scores, the RFM
# scores, the segment summary.  Say the machine's load when quoting the
# figures (uptime is printed before and after).
set -euo pipefail
cd "$(dirname "$0")/../.."
db=insight_bench_report
dropdb --if-exists "$db" && createdb "$db"
PGDATABASE=$db psql -X -q -f test/browser/trained_online_retail.sql
uptime
PGDATABASE=$db psql -X -q -v ON_ERROR_STOP=1 <<'SQL'
SET client_min_messages = warning;
CREATE TEMP TABLE t (what text, n int, ms float8, round int);
CREATE FUNCTION pg_temp.ms(q text) RETURNS float8 LANGUAGE plpgsql AS $$
DECLARE t0 timestamptz;
BEGIN
    t0 := clock_timestamp();
    EXECUTE q;
    RETURN extract(epoch FROM clock_timestamp() - t0) * 1000;
END $$;
DO $$
DECLARE
    ctx text := insight_report_context('en')::text;
    ctxt text := (insight_report_context('en')
                  || jsonb_build_object('today', insight_report_today(insight_report_context('en'))))::text;
    q record;
BEGIN
    FOR r IN 1..3 LOOP
        FOR q IN SELECT * FROM (VALUES
            (0, 'shared: insight_report_today', format('SELECT insight_report_today(%L)', ctx)),
            (1, 'section data', format('SELECT insight_report_html_data(%L)', ctxt)),
            (2, 'section churn', format('SELECT insight_report_html_churn(%L)', ctxt)),
            (3, 'section clv', format('SELECT insight_report_html_clv(%L)', ctxt)),
            (4, 'section segments', format('SELECT insight_report_html_segments(%L)', ctxt)),
            (5, 'section recommender', format('SELECT insight_report_html_recommender(%L)', ctxt)),
            (6, 'section value', format('SELECT insight_report_html_value(%L)', ctxt)),
            (7, 'section other', format('SELECT insight_report_html_other(%L)', ctxt)),
            (9, 'whole report, en', 'SELECT insight_report_html(''en'')'),
            (10, 'whole report, zh', 'SELECT insight_report_html(''zh'')'),
            (11, 'text report, insight_report()', 'SELECT insight_report()'),
            (12, '(insight_customer_features())', 'SELECT count(*) FROM insight_customer_features()'),
            (13, '(insight_retention_targets_at())', 'SELECT count(*) FROM insight_retention_targets_at()'),
            (14, '(insight_clv_scores_at())', 'SELECT count(*) FROM insight_clv_scores_at()'),
            (15, '(insight_rfm_scores())', 'SELECT count(*) FROM insight_rfm_scores()'),
            (16, '(insight_segment_summary)', 'SELECT count(*) FROM insight_segment_summary')) v(n, what, sql)
        LOOP
            INSERT INTO t VALUES (q.what, q.n, pg_temp.ms(q.sql), r);
        END LOOP;
    END LOOP;
    -- the shared part and the sections' total, round by round
    INSERT INTO t SELECT 'shared + sum of the sections', 8, sum(ms), round FROM t WHERE n <= 7 GROUP BY round;
END $$;
SELECT what, round(min(ms)) AS best_ms,
       round(percentile_cont(0.5) WITHIN GROUP (ORDER BY ms)::numeric) AS median_ms
  FROM t GROUP BY what, n ORDER BY n;
SELECT length(insight_report_html('en')) AS bytes_en, length(insight_report_html('zh')) AS chars_zh;
SQL
uptime
dropdb "$db"
