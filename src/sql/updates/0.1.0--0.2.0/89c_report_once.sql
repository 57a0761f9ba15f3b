-- Issue 22, the report's speed (src/sql/tasks/report_html.sql, copied here):
-- what the sections share is computed once per report by
-- insight_report_today() and passed to them in ctx.today: one pass over the
-- sales by order (the data section, the header's date, the top items' window,
-- the CLV summary and scores: the targets' value and the CLV section) and the
-- features of every customer once (the retention targets and the RFM map),
-- instead of once per function that read them.

-- Today's customers, once per report -------------------------------------------------

-- What the sections need from the sales and from every customer as of as_of,
-- computed once per report (insight_report_html puts it in ctx.today; a
-- section called without it computes it): one pass over the sales by order
-- for the data section and the CLV summary (the value of the retention targets
-- and the CLV section), and the features of every customer once
-- (insight_customer_features: the retention targets and the RFM map), instead
-- of once per function that reads them (the sales were read about twelve
-- times; now three, with the recommender section's top items).
CREATE OR REPLACE FUNCTION @extschema@.insight_report_today(ctx jsonb)
RETURNS jsonb
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
SET TimeZone = 'UTC'
SET IntervalStyle = 'postgres'
SET jit = off
SET max_parallel_workers_per_gather = 0
AS $$
DECLARE
    lang pg_catalog.text := ctx ->> 'lang';
    as_of pg_catalog.timestamptz := (ctx ->> 'as_of')::pg_catalog.timestamptz;
    sm @extschema@.insight_models;
    churn_active boolean := EXISTS (SELECT 1 FROM @extschema@.insight_active_model('churn'));
    clv_active boolean := EXISTS (SELECT 1 FROM @extschema@.insight_active_model('clv'));
    clv_serving boolean;
    na pg_catalog.text := @extschema@.insight_report_msg(lang, 'na');
    today pg_catalog.jsonb;
BEGIN
    SELECT * INTO sm FROM @extschema@.insight_active_model('segments') mm;
    -- as insight_customer_360_clv: the CLV scores value the targets only when the model can serve
    -- (asked, with its NOTICE when it cannot, only when there are targets to value)
    clv_serving := churn_active AND clv_active AND EXISTS (SELECT 1 FROM @extschema@.insight_serving_model('clv'));

    -- one pass over the sales, by order and time (hashed: a sort of every line costs more)
    WITH o AS MATERIALIZED (
        SELECT s.customer_id, s.ordered_at AS at, s.order_id, pg_catalog.count(*) AS lines,
               pg_catalog.bool_or(s.quantity > 0 AND s.amount >= 0) AS purchase,
               pg_catalog.sum(s.amount) FILTER (WHERE s.amount > 0) AS revenue,
               pg_catalog.sum(s.amount::numeric) FILTER (WHERE s.quantity > 0 AND s.amount >= 0) AS spend
          FROM @extschema@.insight_sales s
         WHERE as_of IS NULL OR s.ordered_at < as_of
         GROUP BY 1, 2, 3
    ),
    -- the data section: every customer's months with a purchase (customers numbered, not named), the totals
    a AS (
        SELECT o.customer_id, pg_catalog.date_trunc('month', o.at) AS month, pg_catalog.sum(o.lines)::bigint AS lines,
               pg_catalog.count(DISTINCT o.order_id) AS orders, pg_catalog.min(o.at) AS first_at, pg_catalog.max(o.at) AS last_at,
               pg_catalog.max(o.at) FILTER (WHERE o.purchase) AS last_purchase_at, pg_catalog.sum(o.revenue) AS revenue,
               GROUPING(o.customer_id) AS total
          FROM o
         GROUP BY ROLLUP ((o.customer_id, pg_catalog.date_trunc('month', o.at)))
    ), g AS (
        SELECT a.*, CASE WHEN a.customer_id IS NOT NULL AND a.total = 0
                         THEN pg_catalog.dense_rank() OVER (ORDER BY a.customer_id) END AS customer_n
          FROM a
    ), d AS (
        SELECT pg_catalog.max(g.lines) FILTER (WHERE g.total = 1) AS lines,
               pg_catalog.max(g.orders) FILTER (WHERE g.total = 1) AS orders,
               pg_catalog.max(g.first_at) FILTER (WHERE g.total = 1) AS first_at,
               pg_catalog.max(g.last_at) FILTER (WHERE g.total = 1) AS last_at,
               pg_catalog.max(g.last_purchase_at) FILTER (WHERE g.total = 1) AS last_purchase_at,
               pg_catalog.max(g.revenue) FILTER (WHERE g.total = 1) AS revenue,
               pg_catalog.count(DISTINCT g.customer_n) FILTER (WHERE g.total = 0 AND g.revenue IS NOT NULL) AS buyers,
               pg_catalog.count(DISTINCT g.customer_n) FILTER (WHERE g.total = 0) AS customers,
               pg_catalog.array_agg(g.customer_n) FILTER (WHERE g.total = 0 AND g.revenue IS NOT NULL) AS cm_customer,
               pg_catalog.array_agg(g.month) FILTER (WHERE g.total = 0 AND g.revenue IS NOT NULL) AS cm_month,
               pg_catalog.array_agg(g.revenue) FILTER (WHERE g.total = 0 AND g.revenue IS NOT NULL) AS cm_revenue
          FROM g
    ),
    -- the CLV summary from the same pass, as insight_clv_summary(as_of, period) computes it (the
    -- purchase days of every customer with their exact spend; as_of by default the start of the
    -- UTC day after the latest purchase; 94_report_html compares the two), and the 12-month CLV
    -- as insight_clv_scores_at scores it
    ca AS (
        SELECT x.*, @extschema@.insight_clv_period_seconds(x.period) AS period_seconds,
               ((COALESCE(as_of, ((d.last_purchase_at AT TIME ZONE 'UTC')::pg_catalog.date + 1)::pg_catalog.timestamp AT TIME ZONE 'UTC')
                 - interval '1 microsecond') AT TIME ZONE 'UTC')::pg_catalog.date AS last_day
          FROM @extschema@.insight_clv_active() x, d
         WHERE clv_active
    ), days AS (
        SELECT o.customer_id, (o.at AT TIME ZONE 'UTC')::pg_catalog.date AS day, pg_catalog.sum(o.spend) AS spend,
               pg_catalog.min((o.at AT TIME ZONE 'UTC')::pg_catalog.date) OVER (PARTITION BY o.customer_id) AS first_day
          FROM o
         WHERE o.purchase AND o.customer_id IS NOT NULL AND clv_active
         GROUP BY 1, 2
    ), k AS (
        SELECT days.customer_id, (pg_catalog.count(*) - 1)::integer AS frequency,
               (pg_catalog.max(days.day) - pg_catalog.min(days.day))::pg_catalog.float8 * 86400 / ca.period_seconds AS recency,
               (ca.last_day - pg_catalog.min(days.day))::pg_catalog.float8 * 86400 / ca.period_seconds AS "T",
               (pg_catalog.avg(days.spend) FILTER (WHERE days.day > days.first_day))::pg_catalog.float8 AS monetary_value
          FROM days, ca
         GROUP BY days.customer_id, ca.period_seconds, ca.last_day
    ), c AS MATERIALIZED (
        SELECT k.customer_id::pg_catalog.text AS customer_id, k.frequency, k."T",
               @extschema@.insight_clv_value(ca.transactions, ca.spend, k.frequency, k.recency, k."T",
                                             k.monetary_value, 12, 0.01, ca.period) AS clv_12m
          FROM ca, k
    ),
    -- the features of every customer, once
    f AS MATERIALIZED (
        SELECT * FROM @extschema@.insight_customer_features(as_of)
    ),
    -- the retention targets, as insight_retention_targets_at ranks them, from f and c
    model AS (
        SELECT m.model_id, m.weights, pg_catalog.date_part('epoch', (m.params ->> 'horizon')::interval) / 86400 AS horizon_days
          FROM @extschema@.insight_active_model('churn') m
    ), val AS (
        SELECT v.weights FROM @extschema@.insight_serving_model('value') v WHERE churn_active
    ), basis AS (
        SELECT CASE WHEN EXISTS (SELECT 1 FROM val) THEN 'value_model'
                    WHEN clv_serving AND EXISTS (SELECT 1 FROM c) THEN 'clv_12m' ELSE 'past_rate' END AS value_basis
    ), scored AS MATERIALIZED (   -- each model called once per customer
        SELECT f.customer_id::pg_catalog.text AS customer_id, f.features, f.recency_days, f.orders,
               @extschema@.insight_predict(m.weights, f.features) AS churn_probability,
               CASE b.value_basis WHEN 'value_model' THEN (SELECT @extschema@.insight_value_predict(v.weights, f.features) FROM val v)
                                  WHEN 'clv_12m' THEN c.clv_12m
                    ELSE f.monetary * ((f.orders * m.horizon_days) / GREATEST(f.tenure_days, m.horizon_days)) END AS expected_value
          FROM model m, basis b, f LEFT JOIN c ON clv_serving AND c.customer_id = f.customer_id::pg_catalog.text
    ), t AS (
        SELECT scored.*, pg_catalog.row_number() OVER (ORDER BY scored.churn_probability * scored.expected_value DESC NULLS LAST, scored.customer_id) AS n,
               scored.churn_probability * scored.expected_value AS value_at_risk
          FROM scored
    ), tg AS (
        SELECT pg_catalog.array_agg(ARRAY[
                   CASE WHEN (ctx ->> 'ids')::boolean THEN t.customer_id ELSE t.n::pg_catalog.text END,
                   @extschema@.insight_report_num(t.churn_probability, 3, lang),
                   @extschema@.insight_report_num(t.value_at_risk, 0, lang),
                   @extschema@.insight_report_num(t.recency_days, 0, lang),
                   @extschema@.insight_report_num(t.orders, 0, lang),
                   -- a reason is "name +0.42": the feature's name in the page's language, then its contribution
                   COALESCE((SELECT pg_catalog.string_agg(@extschema@.insight_report_msg(lang, 'feature.' || pg_catalog.split_part(r.name, ' ', 1))
                                                          || ' ' || pg_catalog.split_part(r.name, ' ', 2),
                                                          @extschema@.insight_report_msg(lang, 'label.sep') ORDER BY r.i)
                               FROM pg_catalog.unnest(@extschema@.insight_top_reasons(@extschema@.insight_feature_names(),
                                        @extschema@.insight_contributions(m.weights, t.features), 3)) WITH ORDINALITY r(name, i)), na)] ORDER BY t.n)
                   FILTER (WHERE t.n <= 10) AS rows,
               (SELECT b.value_basis FROM basis b) AS basis,
               pg_catalog.array_agg(t.churn_probability) AS probabilities
          FROM t, model m
    ),
    -- the RFM scores, as insight_rfm_scores computes them, from f; the k-means clusters
    rw AS (
        SELECT f.customer_id, f.recency_days, f.orders AS frequency, f.total_spend AS monetary,
               pg_catalog.count(*) OVER () AS n,
               pg_catalog.rank() OVER (ORDER BY f.recency_days DESC) - 1 AS r_worse,
               pg_catalog.rank() OVER (ORDER BY f.orders) - 1 AS f_worse,
               pg_catalog.rank() OVER (ORDER BY f.total_spend) - 1 AS m_worse
          FROM f
    ), rfm AS (
        SELECT pg_catalog.array_agg(@extschema@.insight_rfm_segment((1 + ((5 * rw.r_worse) / rw.n))::integer, (1 + ((5 * rw.f_worse) / rw.n))::integer,
                                                                     (1 + ((5 * rw.m_worse) / rw.n))::integer) ORDER BY rw.customer_id) AS segs,
               pg_catalog.array_agg(rw.recency_days ORDER BY rw.customer_id) AS rec,
               pg_catalog.array_agg(rw.frequency::pg_catalog.float8 ORDER BY rw.customer_id) AS frq,
               pg_catalog.array_agg(rw.monetary ORDER BY rw.customer_id) AS mon,
               pg_catalog.array_agg(CASE WHEN sm.model_id IS NOT NULL
                                         THEN @extschema@.insight_segment_cluster(sm.weights, sm.preprocessing, rw.recency_days, rw.frequency, rw.monetary) END
                                    ORDER BY rw.customer_id) AS cls
          FROM rw
    ),
    -- the CLV section's grid of the matrices and the concentration by decile, from c
    cd AS (SELECT c.clv_12m, pg_catalog.ntile(10) OVER (ORDER BY c.clv_12m DESC, c.customer_id) AS decile FROM c WHERE c.clv_12m IS NOT NULL),
    dd AS (SELECT cd.decile, pg_catalog.count(*) AS n, pg_catalog.sum(cd.clv_12m) / pg_catalog.sum(pg_catalog.sum(cd.clv_12m)) OVER () AS share,
                  pg_catalog.sum(cd.clv_12m) AS clv
             FROM cd GROUP BY 1),
    con AS (
        SELECT (SELECT GREATEST(1, pg_catalog.percentile_disc(0.95) WITHIN GROUP (ORDER BY c.frequency)) FROM c) AS f_max,
               (SELECT pg_catalog.max(c."T") FROM c) AS t_max,
               pg_catalog.array_agg(dd.decile::pg_catalog.text ORDER BY dd.decile) AS labels,
               ARRAY[pg_catalog.array_agg(dd.share ORDER BY dd.decile)] AS vals,
               pg_catalog.array_agg(@extschema@.insight_report_pct(dd.share, lang) ORDER BY dd.decile) AS texts,
               pg_catalog.array_agg(ARRAY[dd.decile::pg_catalog.text, @extschema@.insight_report_num(dd.n, 0, lang), @extschema@.insight_report_num(dd.clv, 0, lang),
                                          @extschema@.insight_report_pct(dd.share, lang)] ORDER BY dd.decile) AS rows,
               pg_catalog.max(dd.share) FILTER (WHERE dd.decile = 1) AS top
          FROM dd
    )
    SELECT pg_catalog.jsonb_build_object('data', (SELECT pg_catalog.to_jsonb(d) FROM d), 'targets', (SELECT pg_catalog.to_jsonb(tg) FROM tg),
                                         'rfm', (SELECT pg_catalog.to_jsonb(rfm) FROM rfm), 'clv', (SELECT pg_catalog.to_jsonb(con) FROM con WHERE clv_active))
      INTO today;
    RETURN today;
END
$$;

COMMENT ON FUNCTION @extschema@.insight_report_today(jsonb) IS
'What the sections of insight_report_html read from the sales and today''s customers, computed once per report (insight_report_html passes it to every section as ctx.today; a section called with a context without it computes it), as jsonb: data = one pass over insight_sales before as_of, by order (lines, orders, first and last line, latest purchase, revenue, customers with a purchase and with any line, each customer''s months with a purchase, customers numbered rather than named); targets = the first ten retention targets as the churn section shows them (ranked as insight_retention_targets_at ranks them, from the same models and value basis; keys only when ctx.ids), their value basis and every customer''s churn probability; rfm = every customer''s RFM segment (as insight_rfm_scores), recency, orders, spend and k-means cluster; clv = the 95th percentile of frequency, the largest T and the 12-month CLV by decile (as insight_clv_scores_at; NULL without an active CLV model). The features of every customer (insight_customer_features) are computed once, and the CLV summary comes from the same pass over the sales as the data (the purchase days of every customer and their exact numeric spend, as insight_clv_summary defines them at its default as_of, the start of the UTC day after the latest purchase; test 94_report_html compares them): with the top items of the recommender section, the report reads the sales three times. ctx: insight_report_context(). jit off (a long query; JIT compilation cannot be interrupted) and no parallel plan (a PL/pgSQL SELECT INTO runs without workers, and a partial aggregate without them costs more).';

--@ function src/sql/tasks/report_html.sql insight_report_html_data

--@ comment src/sql/tasks/report_html.sql insight_report_html_data

--@ function src/sql/tasks/report_html.sql insight_report_html_churn

--@ comment src/sql/tasks/report_html.sql insight_report_html_churn

CREATE OR REPLACE FUNCTION @extschema@.insight_report_html_clv(ctx jsonb)
RETURNS text
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
SET TimeZone = 'UTC'
SET IntervalStyle = 'iso_8601'
AS $$
DECLARE
    lang pg_catalog.text := ctx ->> 'lang';
    k integer := (ctx ->> 'k')::integer;
    as_of pg_catalog.timestamptz := (ctx ->> 'as_of')::pg_catalog.timestamptz;
    c @extschema@.insight_models;
    x pg_catalog.jsonb;
    chosen pg_catalog.jsonb;
    period interval;
    h90 pg_catalog.float8;
    f_max integer;
    t_max pg_catalog.float8;
    fr record;
    hc pg_catalog.jsonb;
    cap integer;
    gn record;
    con record;
    body pg_catalog.text;
    f_title pg_catalog.text := @extschema@.insight_report_msg(lang, 'axis.frequency');
    r_title pg_catalog.text := @extschema@.insight_report_msg(lang, 'axis.recency');
BEGIN
    SELECT * INTO c FROM @extschema@.insight_active_model('clv') mm;
    IF NOT FOUND THEN
        RETURN @extschema@.insight_report_section('clv', @extschema@.insight_report_msg(lang, 'clv.title'),
                   @extschema@.insight_report_not_trained(ctx, 'clv', 'insight_train_clv()'));
    END IF;
    x := c.metrics;
    chosen := x -> c.algorithm;
    period := (c.params ->> 'period')::interval;
    h90 := 90 * 86400 / @extschema@.insight_clv_period_seconds(period);
    body := pg_catalog.format('<p class="summary">%s</p>', @extschema@.insight_html(@extschema@.insight_report_msg(lang, 'clv.summary',
                c.model_id::pg_catalog.text, @extschema@.insight_report_msg(lang, 'algorithm.' || c.algorithm), @extschema@.insight_report_interval(period, lang),
                x ->> 'spend_model_id',
                @extschema@.insight_report_interval((x ->> 'holdout')::interval, lang), @extschema@.insight_report_date((x ->> 'calibration_end')::pg_catalog.timestamptz, lang),
                @extschema@.insight_report_num((chosen ->> 'customers')::pg_catalog.float8, 0, lang),
                @extschema@.insight_report_num((chosen ->> 'total_predicted')::pg_catalog.float8, 0, lang),
                @extschema@.insight_report_num((chosen ->> 'total_actual')::pg_catalog.float8, 0, lang),
                @extschema@.insight_report_num((chosen ->> 'mae')::pg_catalog.float8, 3, lang),
                @extschema@.insight_report_num((x #>> '{baseline,mae}')::pg_catalog.float8, 3, lang))));

    -- today's customers: the grid of the matrices and the concentration (insight_report_today)
    SELECT * INTO con
      FROM pg_catalog.jsonb_to_record(COALESCE(ctx -> 'today', @extschema@.insight_report_today(ctx)) -> 'clv')
           AS x(f_max integer, t_max pg_catalog.float8, labels pg_catalog.text[], vals pg_catalog.float8[], texts pg_catalog.text[],
                rows pg_catalog.text[], top pg_catalog.float8);
    f_max := con.f_max;
    t_max := con.t_max;

    -- the frequency/recency matrices of a customer of age t_max (lifetimes' plot_frequency_recency_matrix)
    WITH g AS (
        SELECT fi.f, ri.r, ri.j,
               @extschema@.insight_transaction_model_expected_purchases(c.weights, h90, fi.f, ri.r, t_max) AS e,
               @extschema@.insight_transaction_model_p_alive(c.weights, fi.f, ri.r, t_max) AS a
          FROM (SELECT DISTINCT pg_catalog.round(f_max * i / 7.0)::integer AS f FROM pg_catalog.generate_series(0, 7) i) fi,
               (SELECT j, t_max * j / 9.0 AS r FROM pg_catalog.generate_series(0, 9) j) ri
         WHERE fi.f > 0 OR ri.j = 0
    ), rw AS (
        SELECT g.f, pg_catalog.array_agg(g.e ORDER BY g.j) AS e, pg_catalog.array_agg(g.a ORDER BY g.j) AS a,
               pg_catalog.array_agg(@extschema@.insight_report_num(g.e, 1, lang) ORDER BY g.j) AS et,
               pg_catalog.array_agg(@extschema@.insight_report_num(g.a, 2, lang) ORDER BY g.j) AS at
          FROM g WHERE g.f > 0 GROUP BY 1
    )
    SELECT pg_catalog.array_agg(rw.f::pg_catalog.text ORDER BY rw.f DESC) AS rows_f,
           pg_catalog.array_agg(rw.e ORDER BY rw.f DESC) AS e, pg_catalog.array_agg(rw.a ORDER BY rw.f DESC) AS a,
           pg_catalog.array_agg(rw.et ORDER BY rw.f DESC) AS et, pg_catalog.array_agg(rw.at ORDER BY rw.f DESC) AS at,
           (SELECT pg_catalog.array_agg(@extschema@.insight_report_num(t_max * j / 9.0, 0, lang) ORDER BY j) FROM pg_catalog.generate_series(0, 9) j) AS cols,
           pg_catalog.max(rw.e[10]) FILTER (WHERE rw.f = f_max) AS hot, pg_catalog.max(rw.e[1]) FILTER (WHERE rw.f = f_max) AS cold,
           pg_catalog.max(rw.a[1]) FILTER (WHERE rw.f = f_max) AS cold_alive
      INTO fr FROM rw;
    body := pg_catalog.concat(body,
        @extschema@.insight_report_figure('clv-frequency-recency', @extschema@.insight_report_msg(lang, 'clv.fr.title'),
            @extschema@.insight_report_msg(lang, 'clv.fr.reading', @extschema@.insight_report_num(fr.hot, 1, lang), @extschema@.insight_report_num(fr.cold, 1, lang)),
            @extschema@.insight_svg_heatmap(fr.rows_f, fr.cols, fr.e, fr.et, r_title, f_title),
            @extschema@.insight_html_table(ARRAY[pg_catalog.concat(f_title, ' \ ', r_title)] || fr.cols,
                (SELECT pg_catalog.array_agg(pg_catalog.array_prepend(fr.rows_f[i], ARRAY(SELECT pg_catalog.unnest(fr.et[i:i][:]))) ORDER BY i)
                   FROM pg_catalog.generate_series(1, pg_catalog.array_length(fr.rows_f, 1)) i)),
            lang),
        @extschema@.insight_report_figure('clv-p-alive', @extschema@.insight_report_msg(lang, 'clv.alive.title'),
            @extschema@.insight_report_msg(lang, 'clv.alive.reading', f_max::pg_catalog.text, @extschema@.insight_report_num(fr.cold_alive, 2, lang)),
            @extschema@.insight_svg_heatmap(fr.rows_f, fr.cols, fr.a, fr.at, r_title, f_title),
            @extschema@.insight_html_table(ARRAY[pg_catalog.concat(f_title, ' \ ', r_title)] || fr.cols,
                (SELECT pg_catalog.array_agg(pg_catalog.array_prepend(fr.rows_f[i], ARRAY(SELECT pg_catalog.unnest(fr.at[i:i][:]))) ORDER BY i)
                   FROM pg_catalog.generate_series(1, pg_catalog.array_length(fr.rows_f, 1)) i)),
            lang));

    -- the holdout charts, as insight_clv_evaluate stored them (computed here for
    -- a model trained without them): the evaluation model on the calibration period
    hc := x -> 'holdout_curves';
    IF hc IS NULL THEN
        SELECT @extschema@.insight_clv_holdout_curves(pg_catalog.array_agg(h.frequency),
                   pg_catalog.array_agg(@extschema@.insight_transaction_model_expected_purchases(COALESCE(c.evaluation_weights, c.weights),
                       (x ->> 'holdout_periods')::pg_catalog.float8, h.frequency, h.recency, h."T")),
                   pg_catalog.array_agg(h.actual), pg_catalog.array_agg(h.actual_spend), pg_catalog.array_agg(h.monetary_value))
          INTO hc
          FROM @extschema@.insight_clv_holdout_rows((x ->> 'calibration_end')::pg_catalog.timestamptz,
                                                    c.trained_as_of, period) h;
    END IF;
    -- the largest cap <= 7 such that every bucket 0 .. cap-1 and cap+ has at least k customers
    SELECT pg_catalog.max(b.key::integer) INTO cap
      FROM pg_catalog.jsonb_each(hc -> 'by_frequency') b
     WHERE (SELECT pg_catalog.bool_and((e ->> 'customers')::bigint >= k) AND pg_catalog.count(*) = b.key::integer + 1
              FROM pg_catalog.jsonb_array_elements(b.value) e);
    IF cap IS NOT NULL THEN
        SELECT pg_catalog.jsonb_agg(pg_catalog.jsonb_build_array(b.f, b.p) ORDER BY b.f) AS pp,
               pg_catalog.jsonb_agg(pg_catalog.jsonb_build_array(b.f, b.a) ORDER BY b.f) AS aa,
               pg_catalog.jsonb_agg(pg_catalog.jsonb_build_array(b.f, CASE WHEN b.f = cap THEN pg_catalog.concat(cap, '+') ELSE b.f::pg_catalog.text END) ORDER BY b.f) AS ticks,
               pg_catalog.array_agg(ARRAY[CASE WHEN b.f = cap THEN pg_catalog.concat(cap, '+') ELSE b.f::pg_catalog.text END,
                                          @extschema@.insight_report_num(b.n, 0, lang), @extschema@.insight_report_num(b.p, 2, lang),
                                          @extschema@.insight_report_num(b.a, 2, lang)] ORDER BY b.f) AS rows,
               pg_catalog.max(GREATEST(b.p, b.a)) AS top
          INTO gn
          FROM (SELECT (e ->> 'frequency')::integer AS f, (e ->> 'customers')::bigint AS n,
                       (e ->> 'predicted')::pg_catalog.float8 AS p, (e ->> 'actual')::pg_catalog.float8 AS a
                  FROM pg_catalog.jsonb_array_elements(hc -> 'by_frequency' -> cap::pg_catalog.text) e) b;
        body := pg_catalog.concat(body, @extschema@.insight_report_figure('clv-holdout', @extschema@.insight_report_msg(lang, 'clv.holdout.title'),
            @extschema@.insight_report_msg(lang, 'clv.holdout.reading',
                @extschema@.insight_report_num((chosen ->> 'total_predicted')::pg_catalog.float8, 0, lang),
                @extschema@.insight_report_num((chosen ->> 'total_actual')::pg_catalog.float8, 0, lang),
                @extschema@.insight_report_num((chosen ->> 'total_error_percent')::pg_catalog.float8, 1, lang) || '%'),
            @extschema@.insight_svg_lines(pg_catalog.jsonb_build_array(
                    pg_catalog.jsonb_build_object('name', @extschema@.insight_report_msg(lang, 'series.predicted'), 'points', gn.pp),
                    pg_catalog.jsonb_build_object('name', @extschema@.insight_report_msg(lang, 'series.observed'), 'points', gn.aa)),
                pg_catalog.jsonb_build_object('x_max', cap, 'y_max', gn.top * 1.1, 'dots', true, 'x_ticks', gn.ticks,
                    'y_ticks', (SELECT pg_catalog.jsonb_agg(pg_catalog.jsonb_build_array(v, @extschema@.insight_report_num(v, 1, lang)))
                                  FROM pg_catalog.unnest(ARRAY[0, gn.top / 2, gn.top]) v),
                    'x_title', @extschema@.insight_report_msg(lang, 'axis.frequency_cal'), 'y_title', @extschema@.insight_report_msg(lang, 'axis.purchases_holdout'))),
            @extschema@.insight_html_table(@extschema@.insight_report_msgs(lang, ARRAY['col.frequency', 'col.customers', 'col.predicted', 'col.actual']), gn.rows),
            lang));
    END IF;

    -- value gain and deciles (google/lifetime_value): predicted holdout revenue =
    -- expected purchases x expected spend of a Gamma-Gamma fitted on the calibration period
    WITH g AS (
        SELECT (e ->> 'q')::integer AS q, (e ->> 'model')::pg_catalog.float8 AS model, (e ->> 'perfect')::pg_catalog.float8 AS perfect
          FROM pg_catalog.jsonb_array_elements(hc -> 'gain') e
    ), model AS (
        SELECT g.q, g.model AS share FROM g
    ), perfect AS (
        SELECT g.q, g.perfect AS share FROM g
    ), dec AS (
        SELECT (e ->> 'decile')::integer AS decile, (e ->> 'customers')::bigint AS n,
               (e ->> 'predicted')::pg_catalog.float8 AS p, (e ->> 'actual')::pg_catalog.float8 AS a
          FROM pg_catalog.jsonb_array_elements(hc -> 'deciles') e
    )
    SELECT (SELECT pg_catalog.jsonb_build_array(pg_catalog.jsonb_build_array(0, 0)) ||
                   pg_catalog.jsonb_agg(pg_catalog.jsonb_build_array(model.q / 20.0, pg_catalog.round(model.share::numeric, 4)) ORDER BY model.q) FROM model) AS model_pts,
           (SELECT pg_catalog.jsonb_build_array(pg_catalog.jsonb_build_array(0, 0)) ||
                   pg_catalog.jsonb_agg(pg_catalog.jsonb_build_array(perfect.q / 20.0, pg_catalog.round(perfect.share::numeric, 4)) ORDER BY perfect.q) FROM perfect) AS perfect_pts,
           (SELECT pg_catalog.array_agg(ARRAY[@extschema@.insight_report_pct(model.q / 20.0, lang, 0), @extschema@.insight_report_pct(model.share, lang),
                                              @extschema@.insight_report_pct(perfect.share, lang)] ORDER BY model.q)
              FROM model JOIN perfect ON perfect.q = model.q) AS gain_rows,
           (SELECT model.share FROM model WHERE model.q = 4) AS at20,
           (SELECT perfect.share FROM perfect WHERE perfect.q = 4) AS best20,
           (SELECT pg_catalog.array_agg(dec.decile::pg_catalog.text ORDER BY dec.decile) FROM dec) AS labels,
           (SELECT ARRAY[pg_catalog.array_agg(dec.p ORDER BY dec.decile), pg_catalog.array_agg(dec.a ORDER BY dec.decile)] FROM dec) AS vals,
           (SELECT pg_catalog.array_agg(t ORDER BY dec.decile, o) FROM dec,
                   LATERAL (VALUES (1, @extschema@.insight_report_num(dec.p, 0, lang)), (2, @extschema@.insight_report_num(dec.a, 0, lang))) v(o, t)) AS texts,
           (SELECT pg_catalog.array_agg(ARRAY[dec.decile::pg_catalog.text, @extschema@.insight_report_num(dec.n, 0, lang),
                                              @extschema@.insight_report_num(dec.p, 0, lang), @extschema@.insight_report_num(dec.a, 0, lang)] ORDER BY dec.decile) FROM dec) AS dec_rows,
           (SELECT dec.p FROM dec WHERE dec.decile = 1) AS top_p,
           (SELECT dec.a FROM dec WHERE dec.decile = 1) AS top_a
      INTO gn;
    body := pg_catalog.concat(body,
        @extschema@.insight_report_figure('clv-gain', @extschema@.insight_report_msg(lang, 'clv.gain.title'),
            @extschema@.insight_report_msg(lang, 'clv.gain.reading', @extschema@.insight_report_pct(gn.at20, lang), @extschema@.insight_report_pct(gn.best20, lang)),
            @extschema@.insight_svg_lines(pg_catalog.jsonb_build_array(
                    pg_catalog.jsonb_build_object('name', pg_catalog.concat(@extschema@.insight_report_msg(lang, 'series.model'), ' ', c.model_id), 'points', gn.model_pts),
                    pg_catalog.jsonb_build_object('name', @extschema@.insight_report_msg(lang, 'series.perfect'), 'points', gn.perfect_pts)),
                pg_catalog.jsonb_build_object('x_max', 1, 'y_max', 1, 'diagonal', true,
                    'x_ticks', @extschema@.insight_report_share_ticks(lang), 'y_ticks', @extschema@.insight_report_share_ticks(lang),
                    'x_title', @extschema@.insight_report_msg(lang, 'axis.customers_ranked'), 'y_title', @extschema@.insight_report_msg(lang, 'axis.revenue_captured'))),
            @extschema@.insight_html_table(@extschema@.insight_report_msgs(lang, ARRAY['col.share_customers', 'series.model', 'series.perfect']), gn.gain_rows),
            lang),
        @extschema@.insight_report_figure('clv-deciles', @extschema@.insight_report_msg(lang, 'clv.decile.title'),
            @extschema@.insight_report_msg(lang, 'clv.decile.reading', @extschema@.insight_report_num(gn.top_p, 0, lang), @extschema@.insight_report_num(gn.top_a, 0, lang)),
            @extschema@.insight_svg_bars(gn.labels, @extschema@.insight_report_msgs(lang, ARRAY['series.predicted', 'col.actual']),
                                         gn.vals, gn.texts),
            @extschema@.insight_html_table(@extschema@.insight_report_msgs(lang, ARRAY['col.decile', 'col.customers', 'col.predicted', 'col.actual']), gn.dec_rows),
            lang),
        @extschema@.insight_report_figure('clv-concentration', @extschema@.insight_report_msg(lang, 'clv.concentration.title'),
            @extschema@.insight_report_msg(lang, 'clv.concentration.reading', @extschema@.insight_report_pct(con.top, lang)),
            @extschema@.insight_svg_bars(con.labels, ARRAY[@extschema@.insight_report_msg(lang, 'col.clv_share')], con.vals, con.texts),
            @extschema@.insight_html_table(@extschema@.insight_report_msgs(lang, ARRAY['col.decile', 'col.customers', 'col.clv', 'col.clv_share']), con.rows),
            lang));
    RETURN @extschema@.insight_report_section('clv', @extschema@.insight_report_msg(lang, 'clv.title'), body);
END
$$;

COMMENT ON FUNCTION @extschema@.insight_report_html_clv(jsonb) IS
'The customer value section of insight_report_html: the active CLV models and their holdout errors (insight_models.metrics); the frequency/recency matrices of expected purchase days in the next 90 days and of P(alive) for a customer as old as the oldest (as lifetimes'' plot_frequency_recency_matrix and plot_probability_alive_matrix draw them; frequencies up to the 95th percentile); calibration against the holdout (mean predicted and actual repeat purchase days by frequency before it, as lifetimes'' plot_calibration_purchases_vs_holdout_purchases; the top bucket k+ chosen so that every bucket has at least insight.min_group_size customers); the value gain chart and the decile chart of google/lifetime_value (predicted holdout revenue = the evaluation model''s expected purchases x the expected spend of a Gamma-Gamma fitted on the calibration period, against the actual holdout revenue): the holdout charts as insight_clv_evaluate stored them (metrics.holdout_curves, insight_clv_holdout_curves; computed on insight_clv_holdout_rows for a model trained without them); the concentration of the 12-month CLV by decile of customers (insight_clv_scores_at; with the grid of the matrices, from ctx.today, insight_report_today, computed when ctx has none). Says how to train a model when none is active.';

--@ function src/sql/tasks/report_html.sql insight_report_html_segments

--@ comment src/sql/tasks/report_html.sql insight_report_html_segments

CREATE OR REPLACE FUNCTION @extschema@.insight_report_html_recommender(ctx jsonb)
RETURNS text
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
SET TimeZone = 'UTC'
AS $$
DECLARE
    lang pg_catalog.text := ctx ->> 'lang';
    k integer := (ctx ->> 'k')::integer;
    as_of pg_catalog.timestamptz := (ctx ->> 'as_of')::pg_catalog.timestamptz;
    m @extschema@.insight_models;
    x pg_catalog.jsonb;
    mt record;
    it record;
    body pg_catalog.text;
    metric_keys constant pg_catalog.text[] := ARRAY['hit_rate_at_10', 'precision_at_10', 'recall_at_10', 'ndcg_at_10', 'map_at_10', 'coverage_at_10'];
BEGIN
    SELECT * INTO m FROM @extschema@.insight_active_model('recommender') mm;
    IF NOT FOUND THEN
        RETURN @extschema@.insight_report_section('recommender', @extschema@.insight_report_msg(lang, 'recommender.title'),
                   @extschema@.insight_report_not_trained(ctx, 'recommender', 'insight_train_recommender()'));
    END IF;
    x := m.metrics;
    body := pg_catalog.format('<p class="summary">%s</p>', @extschema@.insight_html(@extschema@.insight_report_msg(lang, 'recommender.summary',
                m.model_id::pg_catalog.text, @extschema@.insight_report_msg(lang, 'algorithm.' || m.algorithm),
                @extschema@.insight_report_date((x ->> 'split')::pg_catalog.timestamptz, lang), @extschema@.insight_report_interval((x ->> 'holdout')::interval, lang),
                @extschema@.insight_report_num((x ->> 'test_customers')::pg_catalog.float8, 0, lang))));

    -- the active model, the latest model of every other algorithm measured on the same split, popularity
    WITH s AS (
        SELECT 1 AS o, @extschema@.insight_report_msg(lang, 'algorithm.' || m.algorithm) AS name, x AS metrics
        UNION ALL
        SELECT 2, o.name, o.metrics FROM (
            SELECT DISTINCT ON (mo.algorithm) @extschema@.insight_report_msg(lang, 'algorithm.' || mo.algorithm) AS name, mo.metrics
              FROM @extschema@.insight_models mo
             WHERE mo.task = 'recommender' AND mo.algorithm <> m.algorithm
               AND mo.algorithm <> 'popularity'
               AND mo.metrics ->> 'split' = x ->> 'split'
             ORDER BY mo.algorithm, mo.model_id DESC) o
        UNION ALL
        SELECT 3, @extschema@.insight_report_msg(lang, 'algorithm.popularity'), x -> 'baseline'
    ), v AS (
        SELECT s.o, s.name, pg_catalog.row_number() OVER (ORDER BY s.o, s.name) AS n, mi.i, mi.metric,
               (s.metrics ->> mi.metric)::pg_catalog.float8 AS value
          FROM s, pg_catalog.unnest(metric_keys) WITH ORDINALITY mi(metric, i)
    )
    SELECT (SELECT pg_catalog.array_agg(q.name ORDER BY q.o, q.name) FROM (SELECT DISTINCT v.o, v.name FROM v) q) AS series,
           (SELECT pg_catalog.array_agg(@extschema@.insight_report_msg(lang, 'metric.' || mi.metric) ORDER BY mi.i)
              FROM pg_catalog.unnest(metric_keys) WITH ORDINALITY mi(metric, i)) AS labels,
           (SELECT pg_catalog.array_agg(r.vals ORDER BY r.o, r.name)
              FROM (SELECT v.o, v.name, pg_catalog.array_agg(v.value ORDER BY v.i) AS vals FROM v GROUP BY 1, 2) r) AS vals,
           (SELECT pg_catalog.array_agg(@extschema@.insight_report_num(v.value, 3, lang) ORDER BY v.i, v.o, v.name) FROM v) AS texts,
           (SELECT pg_catalog.array_agg(r.row ORDER BY r.i)
              FROM (SELECT v.i, pg_catalog.array_prepend(@extschema@.insight_report_msg(lang, 'metric.' || pg_catalog.min(v.metric)),
                                                         pg_catalog.array_agg(@extschema@.insight_report_num(v.value, 4, lang) ORDER BY v.o, v.name)) AS row
                      FROM v GROUP BY v.i) r) AS rows
      INTO mt;
    body := pg_catalog.concat(body, @extschema@.insight_report_figure('recommender-metrics', @extschema@.insight_report_msg(lang, 'recommender.metrics.title'),
        @extschema@.insight_report_msg(lang, 'recommender.metrics.reading', @extschema@.insight_report_msg(lang, 'algorithm.' || m.algorithm),
            @extschema@.insight_report_pct((x ->> 'hit_rate_at_10')::pg_catalog.float8, lang),
            @extschema@.insight_report_pct((x #>> '{baseline,hit_rate_at_10}')::pg_catalog.float8, lang)),
        @extschema@.insight_svg_bars(mt.labels, mt.series, mt.vals, mt.texts),
        @extschema@.insight_html_table(ARRAY[@extschema@.insight_report_msg(lang, 'col.metric')] || mt.series, mt.rows),
        lang));

    -- the items bought by the most customers in the last 90 days
    WITH e AS (
        -- the latest line before as_of, from the pass over the sales (insight_report_today)
        SELECT COALESCE(as_of, (COALESCE(ctx -> 'today', @extschema@.insight_report_today(ctx)) #>> '{data,last_at}')::pg_catalog.timestamptz) AS t_end
    ), b AS (
        SELECT s.item_id::pg_catalog.text AS item_id, pg_catalog.count(DISTINCT s.customer_id) AS n
          FROM @extschema@.insight_sales s, e
         WHERE s.amount > 0 AND s.ordered_at < e.t_end
           AND s.ordered_at >= e.t_end - interval '90 days'
         GROUP BY 1 HAVING pg_catalog.count(DISTINCT s.customer_id) >= k
         ORDER BY 2 DESC, 1 LIMIT 10
    ), v AS (
        SELECT b.*, pg_catalog.concat(COALESCE(i.item_name, b.item_id), ' (', b.item_id, ')') AS label
          FROM b LEFT JOIN @extschema@.insight_items i ON i.item_id = b.item_id
    )
    SELECT pg_catalog.array_agg(v.label ORDER BY v.n DESC, v.item_id) AS labels,
           ARRAY[pg_catalog.array_agg(v.n::pg_catalog.float8 ORDER BY v.n DESC, v.item_id)] AS vals,
           pg_catalog.array_agg(@extschema@.insight_report_num(v.n, 0, lang) ORDER BY v.n DESC, v.item_id) AS texts,
           pg_catalog.array_agg(ARRAY[v.label, @extschema@.insight_report_num(v.n, 0, lang)] ORDER BY v.n DESC, v.item_id) AS rows
      INTO it FROM v;
    IF it.labels IS NOT NULL THEN
        body := pg_catalog.concat(body, @extschema@.insight_report_figure('recommender-items', @extschema@.insight_report_msg(lang, 'recommender.items.title'),
            @extschema@.insight_report_msg(lang, 'recommender.items.reading', it.labels[1], it.texts[1]),
            @extschema@.insight_svg_bars(it.labels, ARRAY[@extschema@.insight_report_msg(lang, 'col.buyers')], it.vals, it.texts),
            @extschema@.insight_html_table(@extschema@.insight_report_msgs(lang, ARRAY['col.item', 'col.buyers']), it.rows),
            lang), @extschema@.insight_report_privacy(ctx, 0, 0));
    END IF;
    RETURN @extschema@.insight_report_section('recommender', @extschema@.insight_report_msg(lang, 'recommender.title'), body);
END
$$;

COMMENT ON FUNCTION @extschema@.insight_report_html_recommender(jsonb) IS
'The recommendations section of insight_report_html: the active recommender and its offline metrics at 10 (insight_models.metrics) next to the latest model of every other algorithm measured on the same split and the popularity baseline; the ten items bought by the most customers in the 90 days before as_of (default: before the latest line, from ctx.today, insight_report_today, computed when ctx has none; only items with at least insight.min_group_size buyers). Says how to train a model when none is active.';

--@ function src/sql/tasks/report_html.sql insight_report_html

--@ comment src/sql/tasks/report_html.sql insight_report_html


-- tasks/segment_summary.sql: insight_segment_profiles without JIT (the SQL fuzzer's
-- cancel came 1.2-4 s late under load: LLVM compiling its query is not interruptible)
--@ function src/sql/tasks/segment_summary.sql insight_segment_profiles
