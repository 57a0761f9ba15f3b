-- ---------------------------------------------------------------------------
-- insight_report_html(), part 2: the sections and the page.  Each section is
-- a function of the report's context (insight_report_context: language,
-- as_of, insight.min_group_size, whether the caller may see customer keys)
-- returning its <section>; the benchmark times them one by one.
-- ---------------------------------------------------------------------------

CREATE FUNCTION @extschema@.insight_report_context(lang text DEFAULT 'en', as_of timestamptz DEFAULT NULL)
RETURNS jsonb
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
SELECT pg_catalog.jsonb_build_object(
           'lang', @extschema@.insight_report_lang(lang),
           'as_of', as_of,
           'k', @extschema@.insight_min_group_size(),
           'ids', pg_catalog.pg_has_role('insight_admin', 'MEMBER'))
$$;

COMMENT ON FUNCTION @extschema@.insight_report_context(text, timestamptz) IS
'The context every section of insight_report_html reads: lang (validated: en or zh, else 22023), as_of (NULL: the whole history), k = insight.min_group_size and ids = whether the caller may see customer keys (a member of insight_admin, or a superuser).';

CREATE FUNCTION @extschema@.insight_report_privacy(ctx jsonb, merged integer, suppressed integer)
RETURNS text
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
SELECT pg_catalog.concat('<p class="privacy">',
           @extschema@.insight_html(pg_catalog.concat_ws(' ',
               CASE WHEN merged > 0 THEN @extschema@.insight_report_msg(ctx ->> 'lang', 'privacy.merged', merged::pg_catalog.text, ctx ->> 'k') END,
               CASE WHEN suppressed > 0 THEN @extschema@.insight_report_msg(ctx ->> 'lang', 'privacy.suppressed', suppressed::pg_catalog.text, ctx ->> 'k') END,
               CASE WHEN COALESCE(merged, 0) + COALESCE(suppressed, 0) = 0
                    THEN @extschema@.insight_report_msg(ctx ->> 'lang', 'privacy.none', ctx ->> 'k') END)),
           '</p>')
$$;

COMMENT ON FUNCTION @extschema@.insight_report_privacy(jsonb, integer, integer) IS
'The privacy line under a chart of insight_report_html: how many groups smaller than insight.min_group_size were merged into "other" or not shown, or that every group shown is at least that large.';

CREATE FUNCTION @extschema@.insight_report_section(id text, title text, body text)
RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$ SELECT pg_catalog.format('<section id="%s"><h2>%s</h2>%s</section>', id, @extschema@.insight_html(title), body) $$;

COMMENT ON FUNCTION @extschema@.insight_report_section(text, text, text) IS
'A <section> of insight_report_html with its id and escaped title around an HTML body.';

CREATE FUNCTION @extschema@.insight_report_not_trained(ctx jsonb, task text, train_call text)
RETURNS text
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$ SELECT pg_catalog.format('<p class="not-trained">%s</p>', @extschema@.insight_html(@extschema@.insight_report_msg(
             ctx ->> 'lang', 'not_trained',
             @extschema@.insight_report_msg(ctx ->> 'lang', task || '.task'), train_call))) $$;

COMMENT ON FUNCTION @extschema@.insight_report_not_trained(jsonb, text, text) IS
'The paragraph of a section whose task has no active model: which call trains one.';

-- x-axis ticks for n consecutive labels, at most about six of them.
CREATE FUNCTION @extschema@.insight_report_ticks(labels text[])
RETURNS jsonb
LANGUAGE sql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
SELECT COALESCE(pg_catalog.jsonb_agg(pg_catalog.jsonb_build_array(i - 1, labels[i]) ORDER BY i), '[]')
  FROM pg_catalog.generate_series(1, COALESCE(pg_catalog.array_length(labels, 1), 0)) i
 WHERE (i - 1) % GREATEST(1, pg_catalog.ceil(pg_catalog.array_length(labels, 1) / 6.0)::integer) = 0
$$;

COMMENT ON FUNCTION @extschema@.insight_report_ticks(text[]) IS
'Ticks for a line chart whose x values are 0..n-1 with these labels: every label when there are at most six, else every ceil(n/6)-th.';

-- Ticks 0, 25 %, 50 %, 75 %, 100 % of a 0..1 axis.
CREATE FUNCTION @extschema@.insight_report_share_ticks(lang text)
RETURNS jsonb
LANGUAGE sql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$ SELECT pg_catalog.jsonb_agg(pg_catalog.jsonb_build_array(v, @extschema@.insight_report_pct(v, lang, 0)) ORDER BY v)
        FROM pg_catalog.unnest(ARRAY[0, 0.25, 0.5, 0.75, 1]::pg_catalog.float8[]) v $$;

COMMENT ON FUNCTION @extschema@.insight_report_share_ticks(text) IS
'Axis ticks at 0, 25, 50, 75 and 100 % for a share axis of a line chart.';

-- Points of a ROC curve: (false positive rate, true positive rate) at each
-- distinct score taken as a threshold, about `points` of them.
CREATE FUNCTION @extschema@.insight_report_roc(scores float8[], labels boolean[], points integer DEFAULT 50)
RETURNS jsonb
LANGUAGE sql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
WITH t AS (
    SELECT u.s, pg_catalog.count(*) FILTER (WHERE u.y) AS tp, pg_catalog.count(*) FILTER (WHERE NOT u.y) AS fp
      FROM ROWS FROM (pg_catalog.unnest(scores), pg_catalog.unnest(labels)) u(s, y)
     WHERE u.s IS NOT NULL AND u.y IS NOT NULL
     GROUP BY u.s
),
c AS (
    SELECT pg_catalog.sum(t.tp) OVER w AS ctp, pg_catalog.sum(t.fp) OVER w AS cfp,
           pg_catalog.row_number() OVER w AS rn, pg_catalog.count(*) OVER () AS n,
           pg_catalog.sum(t.tp) OVER () AS p, pg_catalog.sum(t.fp) OVER () AS q
      FROM t WINDOW w AS (ORDER BY t.s DESC)
)
SELECT pg_catalog.jsonb_build_array(pg_catalog.jsonb_build_array(0, 0)) ||
       COALESCE(pg_catalog.jsonb_agg(pg_catalog.jsonb_build_array(
           pg_catalog.round(c.cfp / NULLIF(c.q, 0), 4), pg_catalog.round(c.ctp / NULLIF(c.p, 0), 4)) ORDER BY c.rn), '[]')
  FROM c
 WHERE c.rn % GREATEST(1, c.n / points) = 0 OR c.rn = c.n
$$;

COMMENT ON FUNCTION @extschema@.insight_report_roc(float8[], boolean[], integer) IS
'The ROC curve of scores for labels (true = positive) as a JSON array of [false positive rate, true positive rate] points from [0, 0] to [1, 1]: one point per distinct score taken as the threshold (ties move together, as in scikit-learn roc_curve), thinned to about `points` of them. Rows with a NULL are ignored.';

-- A label of a k-means cluster that is true of its members: for each of
-- recency, orders and spend, the share of members on the better side of the
-- median customer decides: at least 3/4 gives "recent" / "frequent" / "high
-- spend", at most 1/4 "lapsed" / "infrequent" / "low spend", else "mixed".
CREATE FUNCTION @extschema@.insight_report_cluster_label(lang text, recent_share float8, frequent_share float8, high_spend_share float8)
RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
SELECT pg_catalog.array_to_string(ARRAY[
           @extschema@.insight_report_msg(lang, CASE WHEN recent_share >= 0.75 THEN 'label.recent'
                                                     WHEN recent_share <= 0.25 THEN 'label.lapsed' ELSE 'label.mixed_recency' END),
           @extschema@.insight_report_msg(lang, CASE WHEN frequent_share >= 0.75 THEN 'label.frequent'
                                                     WHEN frequent_share <= 0.25 THEN 'label.infrequent' ELSE 'label.mixed_frequency' END),
           @extschema@.insight_report_msg(lang, CASE WHEN high_spend_share >= 0.75 THEN 'label.high_spend'
                                                     WHEN high_spend_share <= 0.25 THEN 'label.low_spend' ELSE 'label.mixed_spend' END)],
       @extschema@.insight_report_msg(lang, 'label.sep'))
$$;

COMMENT ON FUNCTION @extschema@.insight_report_cluster_label(text, float8, float8, float8) IS
'A label of a k-means cluster from its members (not its centroid): recent_share, frequent_share and high_spend_share are the shares of members with fewer days since the last purchase, more orders and more total spend than the median customer; a share of at least 3/4 gives recent / frequent / high spend, at most 1/4 lapsed / infrequent / low spend, else mixed. So the label holds for at least three quarters of the members.';

-- Today's customers, once per report -------------------------------------------------

-- What the sections need from the sales and from every customer as of as_of,
-- computed once per report (insight_report_html puts it in ctx.today; a
-- section called without it computes it): one pass over the sales by order
-- for the data section and the CLV summary (the value of the retention targets
-- and the CLV section), and the features of every customer once
-- (insight_customer_features: the retention targets and the RFM map), instead
-- of once per function that reads them (the sales were read about twelve
-- times; now three, with the recommender section's top items).
CREATE FUNCTION @extschema@.insight_report_today(ctx jsonb)
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

    -- one pass over the sales, by order and time (hashed: a sort of every line costs more;
    -- on Citus grouped on the shards, insight_sales_orders)
    WITH o AS MATERIALIZED (
        SELECT s.customer_id, s.ordered_at AS at, s.order_id, s.lines, s.purchase, s.revenue, s.spend
          FROM @extschema@.insight_sales_orders(as_of) s
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
    -- the features of every customer, once, with the churn vector of the
    -- active churn model (its review features when it was trained with them)
    f AS MATERIALIZED (
        SELECT * FROM @extschema@.insight_churn_features(as_of,
                          (SELECT (m.params ->> 'sentiment_model_id')::bigint FROM @extschema@.insight_active_model('churn') m))
    ),
    -- the retention targets, as insight_retention_targets_at ranks them, from f and c
    model AS (
        SELECT m.model_id, m.weights, pg_catalog.date_part('epoch', (m.params ->> 'horizon')::interval) / 86400 AS horizon_days,
               (m.params ->> 'sentiment_model_id')::bigint AS sentiment_model_id
          FROM @extschema@.insight_active_model('churn') m
    ), val AS (
        SELECT v.weights FROM @extschema@.insight_serving_model('value') v WHERE churn_active
    ), basis AS (
        SELECT CASE WHEN EXISTS (SELECT 1 FROM val) THEN 'value_model'
                    WHEN clv_serving AND EXISTS (SELECT 1 FROM c) THEN 'clv_12m' ELSE 'past_rate' END AS value_basis
    ), scored AS MATERIALIZED (   -- each model called once per customer
        SELECT f.customer_id, f.churn_features, f.recency_days, f.orders,
               @extschema@.insight_predict(m.weights, f.churn_features) AS churn_probability,
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
                               FROM pg_catalog.unnest(@extschema@.insight_top_reasons(@extschema@.insight_churn_feature_names(m.sentiment_model_id),
                                        @extschema@.insight_contributions(m.weights, t.churn_features), 3)) WITH ORDINALITY r(name, i)), na)] ORDER BY t.n)
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
'What the sections of insight_report_html read from the sales and today''s customers, computed once per report (insight_report_html passes it to every section as ctx.today; a section called with a context without it computes it), as jsonb: data = one pass over insight_sales before as_of, by order (insight_sales_orders: on Citus grouped on the shards, one row per order reaching the coordinator; lines, orders, first and last line, latest purchase, revenue, customers with a purchase and with any line, each customer''s months with a purchase, customers numbered rather than named); targets = the first ten retention targets as the churn section shows them (ranked as insight_retention_targets_at ranks them, from the same models and value basis; keys only when ctx.ids), their value basis and every customer''s churn probability; rfm = every customer''s RFM segment (as insight_rfm_scores), recency, orders, spend and k-means cluster; clv = the 95th percentile of frequency, the largest T and the 12-month CLV by decile (as insight_clv_scores_at; NULL without an active CLV model). The features of every customer (insight_customer_features) are computed once, and the CLV summary comes from the same pass over the sales as the data (the purchase days of every customer and their exact numeric spend, as insight_clv_summary defines them at its default as_of, the start of the UTC day after the latest purchase; test 94_report_html compares them): with the top items of the recommender section, the report reads the sales three times. ctx: insight_report_context(). jit off (a long query; JIT compilation cannot be interrupted) and no parallel plan (a PL/pgSQL SELECT INTO runs without workers, and a partial aggregate without them costs more).';

-- Data covered ------------------------------------------------------------------

CREATE FUNCTION @extschema@.insight_report_html_data(ctx jsonb)
RETURNS text
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
SET TimeZone = 'UTC'
AS $$
DECLARE
    lang pg_catalog.text := ctx ->> 'lang';
    k integer := (ctx ->> 'k')::integer;
    as_of pg_catalog.timestamptz := (ctx ->> 'as_of')::pg_catalog.timestamptz;
    d record;
    mo record;
    co record;
    body pg_catalog.text;
BEGIN
    -- the pass over the sales, once per report (insight_report_today)
    SELECT * INTO d
      FROM pg_catalog.jsonb_to_record(COALESCE(ctx -> 'today', @extschema@.insight_report_today(ctx)) -> 'data')
           AS x(lines bigint, orders bigint, first_at pg_catalog.timestamptz, last_at pg_catalog.timestamptz, revenue pg_catalog.float8,
                buyers bigint, customers bigint, cm_customer bigint[], cm_month pg_catalog.timestamptz[], cm_revenue pg_catalog.float8[]);
    body := pg_catalog.format('<p class="summary">%s</p>', @extschema@.insight_html(@extschema@.insight_report_msg(lang, 'data.summary',
                @extschema@.insight_report_num(d.lines, 0, lang), @extschema@.insight_report_num(d.orders, 0, lang),
                @extschema@.insight_report_date(d.first_at, lang), @extschema@.insight_report_date(d.last_at, lang),
                @extschema@.insight_report_num(d.buyers, 0, lang),
                @extschema@.insight_report_num(d.customers - d.buyers, 0, lang),
                @extschema@.insight_report_num(d.revenue, 0, lang))));
    IF COALESCE(d.lines, 0) = 0 THEN
        RETURN @extschema@.insight_report_section('data', @extschema@.insight_report_msg(lang, 'data.title'), body);
    END IF;

    -- months: revenue and customers with a purchase; months of fewer than k customers suppressed
    WITH m AS (
        SELECT u.month, pg_catalog.sum(u.revenue) AS revenue, pg_catalog.count(*) AS customers
          FROM ROWS FROM (pg_catalog.unnest(d.cm_month), pg_catalog.unnest(d.cm_revenue)) u(month, revenue)
         GROUP BY 1
    ), v AS (
        SELECT m.month, @extschema@.insight_report_date(m.month, lang, 'month') AS label,
               CASE WHEN m.customers >= k THEN m.revenue END AS revenue,
               CASE WHEN m.customers >= k THEN m.customers END AS customers
          FROM m
    )
    SELECT pg_catalog.array_agg(v.label ORDER BY v.month) AS labels,
           pg_catalog.array_agg(v.revenue ORDER BY v.month) AS revenue,
           pg_catalog.array_agg(v.customers ORDER BY v.month) AS customers,
           pg_catalog.array_agg(COALESCE(@extschema@.insight_report_num(v.revenue, 0, lang), @extschema@.insight_report_msg(lang, 'suppressed', k::pg_catalog.text)) ORDER BY v.month) AS revenue_text,
           pg_catalog.array_agg(COALESCE(@extschema@.insight_report_num(v.customers, 0, lang), @extschema@.insight_report_msg(lang, 'suppressed', k::pg_catalog.text)) ORDER BY v.month) AS customers_text,
           pg_catalog.count(*) FILTER (WHERE v.customers IS NULL) AS suppressed,
           (pg_catalog.array_agg(v.label ORDER BY v.revenue DESC NULLS LAST))[1] AS best,
           pg_catalog.max(v.revenue) AS best_revenue,
           pg_catalog.min(v.customers) AS least, pg_catalog.max(v.customers) AS most,
           (pg_catalog.array_agg(v.label ORDER BY v.customers DESC NULLS LAST))[1] AS most_month
      INTO mo FROM v;
    body := pg_catalog.concat(body,
        @extschema@.insight_report_figure('data-revenue', @extschema@.insight_report_msg(lang, 'data.revenue.title'),
            @extschema@.insight_report_msg(lang, 'data.revenue.reading', mo.best, @extschema@.insight_report_num(mo.best_revenue, 0, lang),
                @extschema@.insight_report_date(d.first_at, lang), @extschema@.insight_report_date(d.last_at, lang)),
            @extschema@.insight_svg_bars(mo.labels, ARRAY[@extschema@.insight_report_msg(lang, 'col.revenue')], ARRAY[mo.revenue], mo.revenue_text),
            @extschema@.insight_html_table(@extschema@.insight_report_msgs(lang, ARRAY['col.month', 'col.revenue']),
                (SELECT pg_catalog.array_agg(ARRAY[u.l, u.t] ORDER BY u.n) FROM ROWS FROM (pg_catalog.unnest(mo.labels), pg_catalog.unnest(mo.revenue_text)) WITH ORDINALITY u(l, t, n))),
            lang),
        @extschema@.insight_report_figure('data-active', @extschema@.insight_report_msg(lang, 'data.active.title'),
            @extschema@.insight_report_msg(lang, 'data.active.reading', @extschema@.insight_report_num(mo.least, 0, lang),
                @extschema@.insight_report_num(mo.most, 0, lang), mo.most_month),
            @extschema@.insight_svg_lines(
                pg_catalog.jsonb_build_array(pg_catalog.jsonb_build_object('name', @extschema@.insight_report_msg(lang, 'col.customers'),
                    'points', (SELECT pg_catalog.jsonb_agg(pg_catalog.jsonb_build_array(u.n - 1, u.c) ORDER BY u.n)
                                 FROM pg_catalog.unnest(mo.customers) WITH ORDINALITY u(c, n) WHERE u.c IS NOT NULL))),
                pg_catalog.jsonb_build_object('x_max', pg_catalog.array_length(mo.labels, 1) - 1,
                    'x_ticks', @extschema@.insight_report_ticks(mo.labels), 'dots', true,
                    'y_max', mo.most * 1.1,
                    'y_ticks', (SELECT pg_catalog.jsonb_agg(pg_catalog.jsonb_build_array(x, @extschema@.insight_report_num(x, 0, lang)))
                                  FROM pg_catalog.unnest(ARRAY[0, pg_catalog.round(mo.most / 2.0), mo.most]) x),
                    'x_title', @extschema@.insight_report_msg(lang, 'col.month'),
                    'y_title', @extschema@.insight_report_msg(lang, 'col.customers'))),
            @extschema@.insight_html_table(@extschema@.insight_report_msgs(lang, ARRAY['col.month', 'col.customers']),
                (SELECT pg_catalog.array_agg(ARRAY[u.l, u.t] ORDER BY u.n) FROM ROWS FROM (pg_catalog.unnest(mo.labels), pg_catalog.unnest(mo.customers_text)) WITH ORDINALITY u(l, t, n))),
            lang),
        @extschema@.insight_report_privacy(ctx, 0, mo.suppressed::integer));

    -- cohorts: customers by month of first purchase x months since; cohorts
    -- and cells of fewer than k customers are blank
    WITH p AS (
        SELECT u.customer_id, u.month FROM ROWS FROM (pg_catalog.unnest(d.cm_customer), pg_catalog.unnest(d.cm_month)) u(customer_id, month)
    ), f AS (
        SELECT p.customer_id, pg_catalog.min(p.month) AS first FROM p GROUP BY 1
    ), c AS (
        SELECT f.first, ((pg_catalog.date_part('year', p.month) - pg_catalog.date_part('year', f.first)) * 12
                         + pg_catalog.date_part('month', p.month) - pg_catalog.date_part('month', f.first))::integer AS since,
               pg_catalog.count(*) AS n
          FROM p JOIN f ON f.customer_id = p.customer_id
         GROUP BY 1, 2
    ), sized AS (
        SELECT c.first, c.since, c.n, pg_catalog.max(c.n) FILTER (WHERE c.since = 0) OVER (PARTITION BY c.first) AS size
          FROM c
    ), grid AS (
        SELECT fs.first, fs.size, g.since, x.n
          FROM (SELECT DISTINCT sized.first, sized.size FROM sized WHERE sized.size >= k) fs
         CROSS JOIN pg_catalog.generate_series(0, (SELECT pg_catalog.max(sized.since) FROM sized)) g(since)
          LEFT JOIN sized x ON x.first = fs.first AND x.since = g.since
    ), r AS (
        SELECT grid.first, grid.size,
               pg_catalog.array_agg(CASE WHEN grid.n >= k THEN grid.n::pg_catalog.float8 / grid.size END ORDER BY grid.since) AS shares
          FROM grid GROUP BY 1, 2
    )
    SELECT pg_catalog.array_agg(pg_catalog.concat(@extschema@.insight_report_date(r.first, lang, 'month'), ' (', r.size, ')') ORDER BY r.first) AS labels,
           pg_catalog.array_agg(r.shares ORDER BY r.first) AS shares,
           pg_catalog.array_agg(pg_catalog.array_prepend(@extschema@.insight_report_date(r.first, lang, 'month'),
               pg_catalog.array_prepend(@extschema@.insight_report_num(r.size, 0, lang),
                   (SELECT pg_catalog.array_agg(COALESCE(@extschema@.insight_report_pct(x, lang, 0), '') ORDER BY i) FROM pg_catalog.unnest(r.shares) WITH ORDINALITY u(x, i)))) ORDER BY r.first) AS rows,
           pg_catalog.array_agg((SELECT pg_catalog.array_agg(COALESCE(@extschema@.insight_report_pct(x, lang, 0), '') ORDER BY i) FROM pg_catalog.unnest(r.shares) WITH ORDINALITY u(x, i)) ORDER BY r.first) AS cell_text,
           (SELECT pg_catalog.count(DISTINCT sized.first) FROM sized WHERE sized.size < k) AS small,
           (SELECT pg_catalog.sum(sized.n) FILTER (WHERE sized.since = 1)::pg_catalog.float8
                   / NULLIF(pg_catalog.sum(sized.size) FILTER (WHERE sized.since = 1), 0)
              FROM sized WHERE sized.size >= k) AS month1,
           (SELECT pg_catalog.array_agg(g::pg_catalog.text ORDER BY g) FROM pg_catalog.generate_series(0, (SELECT pg_catalog.max(sized.since) FROM sized)) g) AS cols
      INTO co FROM r;
    IF co.labels IS NOT NULL THEN
        body := pg_catalog.concat(body,
            @extschema@.insight_report_figure('data-cohorts', @extschema@.insight_report_msg(lang, 'data.cohort.title'),
                @extschema@.insight_report_msg(lang, 'data.cohort.reading', @extschema@.insight_report_pct(co.month1, lang), k::pg_catalog.text),
                @extschema@.insight_svg_heatmap(co.labels, co.cols, co.shares, co.cell_text,
                    @extschema@.insight_report_msg(lang, 'col.months_since'), @extschema@.insight_report_msg(lang, 'col.cohort')),
                @extschema@.insight_html_table(@extschema@.insight_report_msgs(lang, ARRAY['col.cohort', 'col.cohort_size']) || co.cols,
                                               co.rows),
                lang),
            @extschema@.insight_report_privacy(ctx, 0, co.small::integer));
    END IF;
    RETURN @extschema@.insight_report_section('data', @extschema@.insight_report_msg(lang, 'data.title'), body);
END
$$;

COMMENT ON FUNCTION @extschema@.insight_report_html_data(jsonb) IS
'The "data covered" section of insight_report_html, from the pass over the sales of ctx.today (insight_report_today; computed when ctx has none): kept lines, orders, dates, customers with a purchase (and those with returns only), revenue; revenue and customers with a purchase by month (months of fewer than insight.min_group_size customers suppressed); the cohort retention heatmap (customers by month of first purchase x months since: share of the cohort with a purchase that month; cohorts and cells of fewer than min_group_size customers blank). ctx: insight_report_context().';

-- Churn ---------------------------------------------------------------------------

CREATE FUNCTION @extschema@.insight_report_html_churn(ctx jsonb)
RETURNS text
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
SET TimeZone = 'UTC'
SET IntervalStyle = 'postgres'
AS $$
DECLARE
    lang pg_catalog.text := ctx ->> 'lang';
    k integer := (ctx ->> 'k')::integer;
    as_of pg_catalog.timestamptz := (ctx ->> 'as_of')::pg_catalog.timestamptz;
    m @extschema@.insight_models;
    x pg_catalog.jsonb;
    curves pg_catalog.jsonb;
    roc_model pg_catalog.jsonb;
    roc_recency pg_catalog.jsonb;
    g record;
    cal record;
    dist record;
    tg record;
    body pg_catalog.text;
    na pg_catalog.text := @extschema@.insight_report_msg(lang, 'na');
BEGIN
    SELECT * INTO m FROM @extschema@.insight_active_model('churn') mm;
    IF NOT FOUND THEN
        RETURN @extschema@.insight_report_section('churn', @extschema@.insight_report_msg(lang, 'churn.title'),
                   @extschema@.insight_report_not_trained(ctx, 'churn', 'insight_train_churn()'));
    END IF;
    x := m.metrics;
    body := pg_catalog.format('<p class="summary">%s</p>', @extschema@.insight_html(@extschema@.insight_report_msg(lang, 'churn.summary',
                m.model_id::pg_catalog.text, @extschema@.insight_report_msg(lang, 'algorithm.' || m.algorithm),
                @extschema@.insight_report_interval((m.params ->> 'horizon')::interval, lang),
                @extschema@.insight_report_num((x ->> 'train_rows')::pg_catalog.float8, 0, lang),
                @extschema@.insight_report_date((x ->> 'train_cutoff')::pg_catalog.timestamptz, lang),
                @extschema@.insight_report_num((x ->> 'test_rows')::pg_catalog.float8, 0, lang),
                @extschema@.insight_report_date((x ->> 'test_cutoff')::pg_catalog.timestamptz, lang),
                @extschema@.insight_report_pct((x #>> '{test,base_rate}')::pg_catalog.float8, lang),
                @extschema@.insight_report_num((x ->> 'auc')::pg_catalog.float8, 3, lang),
                @extschema@.insight_report_num((x #>> '{baseline,auc}')::pg_catalog.float8, 3, lang))));

    -- the charts of the out-of-time evaluation, as insight_churn_evaluate stored
    -- them (computed here on the test window for a model trained without them)
    curves := x -> 'curves';
    IF curves IS NULL THEN
        SELECT @extschema@.insight_churn_curves(
                   pg_catalog.array_agg(@extschema@.insight_predict(COALESCE(m.evaluation_weights, m.weights), r.features) ORDER BY r.customer_id),
                   pg_catalog.array_agg(r.churned ORDER BY r.customer_id), pg_catalog.array_agg(r.recency_days ORDER BY r.customer_id))
          INTO curves
          FROM @extschema@.insight_churn_training_rows((x ->> 'test_cutoff')::pg_catalog.timestamptz,
                                                       (m.params ->> 'horizon')::interval) r;
    END IF;
    roc_model := curves -> 'roc_model';
    roc_recency := curves -> 'roc_recency';
    body := pg_catalog.concat(body, @extschema@.insight_report_figure('churn-roc', @extschema@.insight_report_msg(lang, 'churn.roc.title'),
        @extschema@.insight_report_msg(lang, 'churn.roc.reading',
            @extschema@.insight_report_num((x ->> 'auc')::pg_catalog.float8, 3, lang),
            @extschema@.insight_report_num((x #>> '{baseline,auc}')::pg_catalog.float8, 3, lang)),
        @extschema@.insight_svg_lines(pg_catalog.jsonb_build_array(
                pg_catalog.jsonb_build_object('name', pg_catalog.concat(@extschema@.insight_report_msg(lang, 'series.model'), ' ', m.model_id), 'points', roc_model),
                pg_catalog.jsonb_build_object('name', @extschema@.insight_report_msg(lang, 'series.recency'), 'points', roc_recency)),
            pg_catalog.jsonb_build_object('x_max', 1, 'y_max', 1, 'diagonal', true,
                'x_ticks', @extschema@.insight_report_share_ticks(lang), 'y_ticks', @extschema@.insight_report_share_ticks(lang),
                'x_title', @extschema@.insight_report_msg(lang, 'axis.fpr'), 'y_title', @extschema@.insight_report_msg(lang, 'axis.tpr'))),
        @extschema@.insight_html_table(@extschema@.insight_report_msgs(lang, ARRAY['col.series', 'col.fpr', 'col.tpr']),
            (SELECT pg_catalog.array_agg(ARRAY[u.name, @extschema@.insight_report_num((u.p ->> 0)::pg_catalog.float8, 3, lang),
                                         @extschema@.insight_report_num((u.p ->> 1)::pg_catalog.float8, 3, lang)] ORDER BY u.o, u.n)
               FROM (SELECT 1 AS o, pg_catalog.concat(@extschema@.insight_report_msg(lang, 'series.model'), ' ', m.model_id) AS name, e.p, e.n
                       FROM pg_catalog.jsonb_array_elements(roc_model) WITH ORDINALITY e(p, n)
                     UNION ALL
                     SELECT 2, @extschema@.insight_report_msg(lang, 'series.recency'), e.p, e.n
                       FROM pg_catalog.jsonb_array_elements(roc_recency) WITH ORDINALITY e(p, n)) u)),
        lang));

    -- cumulative gain and calibration by decile of the predicted probability
    WITH gd AS (
        SELECT (e ->> 'decile')::integer AS decile, (e ->> 'customers')::bigint AS n, (e ->> 'churners')::bigint AS churners
          FROM pg_catalog.jsonb_array_elements(curves -> 'gain') e
    ), gc AS (
        SELECT gd.decile, gd.n,
               pg_catalog.sum(gd.n) OVER w::pg_catalog.float8 / pg_catalog.sum(gd.n) OVER () AS contacted,
               pg_catalog.sum(gd.churners) OVER w::pg_catalog.float8 / NULLIF(pg_catalog.sum(gd.churners) OVER (), 0) AS reached
          FROM gd WINDOW w AS (ORDER BY gd.decile)
    )
    SELECT pg_catalog.jsonb_build_array(pg_catalog.jsonb_build_array(0, 0)) ||
               pg_catalog.jsonb_agg(pg_catalog.jsonb_build_array(pg_catalog.round(gc.contacted::numeric, 4), pg_catalog.round(gc.reached::numeric, 4)) ORDER BY gc.decile) AS points,
           pg_catalog.array_agg(ARRAY[gc.decile::pg_catalog.text, @extschema@.insight_report_num(gc.n, 0, lang), @extschema@.insight_report_pct(gc.contacted, lang),
                                      @extschema@.insight_report_pct(gc.reached, lang),
                                      @extschema@.insight_report_num(gc.reached / gc.contacted, 2, lang)] ORDER BY gc.decile) AS rows,
           pg_catalog.max(gc.reached) FILTER (WHERE gc.decile = 3) AS at30
      INTO g FROM gc;
    body := pg_catalog.concat(body, @extschema@.insight_report_figure('churn-gain', @extschema@.insight_report_msg(lang, 'churn.gain.title'),
        @extschema@.insight_report_msg(lang, 'churn.gain.reading', @extschema@.insight_report_pct(g.at30, lang),
                                       @extschema@.insight_report_num(g.at30 / 0.3, 2, lang)),
        @extschema@.insight_svg_lines(pg_catalog.jsonb_build_array(
                pg_catalog.jsonb_build_object('name', pg_catalog.concat(@extschema@.insight_report_msg(lang, 'series.model'), ' ', m.model_id), 'points', g.points)),
            pg_catalog.jsonb_build_object('x_max', 1, 'y_max', 1, 'diagonal', true, 'dots', true,
                'x_ticks', @extschema@.insight_report_share_ticks(lang), 'y_ticks', @extschema@.insight_report_share_ticks(lang),
                'x_title', @extschema@.insight_report_msg(lang, 'axis.contacted'), 'y_title', @extschema@.insight_report_msg(lang, 'axis.captured'))),
        @extschema@.insight_html_table(@extschema@.insight_report_msgs(lang, ARRAY['col.decile', 'col.customers', 'col.share_customers', 'col.share_churners', 'col.lift']), g.rows),
        lang));

    WITH c AS (
        SELECT (e ->> 'decile')::integer AS decile, (e ->> 'customers')::bigint AS n,
               (e ->> 'predicted')::pg_catalog.float8 AS predicted, (e ->> 'observed')::pg_catalog.float8 AS observed
          FROM pg_catalog.jsonb_array_elements(curves -> 'calibration') e
         WHERE (e ->> 'customers')::bigint >= k
    )
    SELECT pg_catalog.array_agg(c.decile::pg_catalog.text ORDER BY c.decile) AS labels,
           ARRAY[pg_catalog.array_agg(c.predicted ORDER BY c.decile), pg_catalog.array_agg(c.observed ORDER BY c.decile)] AS vals,
           (SELECT pg_catalog.array_agg(t ORDER BY c2.decile, o)
              FROM c c2, LATERAL (VALUES (1, @extschema@.insight_report_pct(c2.predicted, lang)), (2, @extschema@.insight_report_pct(c2.observed, lang))) v(o, t)) AS texts,
           pg_catalog.array_agg(ARRAY[c.decile::pg_catalog.text, @extschema@.insight_report_num(c.n, 0, lang),
                                      @extschema@.insight_report_pct(c.predicted, lang), @extschema@.insight_report_pct(c.observed, lang)] ORDER BY c.decile) AS rows,
           pg_catalog.avg(pg_catalog.abs(c.predicted - c.observed)) AS off,
           10 - pg_catalog.count(*) AS small
      INTO cal FROM c;
    body := pg_catalog.concat(body, @extschema@.insight_report_figure('churn-calibration', @extschema@.insight_report_msg(lang, 'churn.calibration.title'),
        @extschema@.insight_report_msg(lang, 'churn.calibration.reading', @extschema@.insight_report_pct(cal.off, lang)),
        @extschema@.insight_svg_bars(cal.labels, @extschema@.insight_report_msgs(lang, ARRAY['series.predicted', 'series.observed']),
                                     cal.vals, cal.texts, 1),
        @extschema@.insight_html_table(@extschema@.insight_report_msgs(lang, ARRAY['col.decile', 'col.customers', 'col.predicted', 'col.observed']), cal.rows),
        lang), @extschema@.insight_report_privacy(ctx, 0, cal.small::integer));

    -- the customers to retain first (keys only for roles allowed to see them),
    -- and every customer's probability for the distribution (insight_report_today)
    SELECT * INTO tg
      FROM pg_catalog.jsonb_to_record(COALESCE(ctx -> 'today', @extschema@.insight_report_today(ctx)) -> 'targets')
           AS x(rows pg_catalog.text[], basis pg_catalog.text, probabilities pg_catalog.float8[]);
    -- today's customers: the serving model's probabilities in ten bins
    WITH s AS (
        SELECT LEAST(pg_catalog.width_bucket(u.p, 0, 1, 10), 10) AS bin FROM pg_catalog.unnest(tg.probabilities) u(p)
    ), b AS (
        SELECT gs.bin, pg_catalog.count(s.bin) AS n
          FROM pg_catalog.generate_series(1, 10) gs(bin) LEFT JOIN s ON s.bin = gs.bin GROUP BY 1
    )
    SELECT pg_catalog.array_agg(pg_catalog.format('%s-%s', @extschema@.insight_report_num((b.bin - 1) / 10.0, 1, lang),
                                                  @extschema@.insight_report_num(b.bin / 10.0, 1, lang)) ORDER BY b.bin) AS labels,
           ARRAY[pg_catalog.array_agg(CASE WHEN b.n >= k THEN b.n::pg_catalog.float8 WHEN b.n = 0 THEN 0 END ORDER BY b.bin)] AS vals,
           pg_catalog.array_agg(CASE WHEN b.n >= k OR b.n = 0 THEN @extschema@.insight_report_num(b.n, 0, lang)
                                     ELSE @extschema@.insight_report_msg(lang, 'suppressed', k::pg_catalog.text) END ORDER BY b.bin) AS texts,
           pg_catalog.sum(b.n) AS total, pg_catalog.sum(b.n) FILTER (WHERE b.bin > 5) AS high,
           pg_catalog.count(*) FILTER (WHERE b.n > 0 AND b.n < k) AS small
      INTO dist FROM b;
    body := pg_catalog.concat(body, @extschema@.insight_report_figure('churn-distribution', @extschema@.insight_report_msg(lang, 'churn.distribution.title'),
        @extschema@.insight_report_msg(lang, 'churn.distribution.reading',
            @extschema@.insight_report_pct(dist.high::pg_catalog.float8 / NULLIF(dist.total, 0), lang),
            @extschema@.insight_report_num(dist.total, 0, lang)),
        @extschema@.insight_svg_bars(dist.labels, ARRAY[@extschema@.insight_report_msg(lang, 'col.customers')], dist.vals, dist.texts),
        @extschema@.insight_html_table(@extschema@.insight_report_msgs(lang, ARRAY['col.range', 'col.customers']),
            (SELECT pg_catalog.array_agg(ARRAY[u.l, u.t] ORDER BY u.n) FROM ROWS FROM (pg_catalog.unnest(dist.labels), pg_catalog.unnest(dist.texts)) WITH ORDINALITY u(l, t, n))),
        lang), @extschema@.insight_report_privacy(ctx, 0, dist.small::integer));

    body := pg_catalog.concat(body, pg_catalog.format('<div class="table-box" id="churn-targets"><h3>%s</h3><p class="reading">%s</p>%s%s</div>',
        @extschema@.insight_html(@extschema@.insight_report_msg(lang, 'churn.targets.title')),
        @extschema@.insight_html(@extschema@.insight_report_msg(lang, 'churn.targets.reading',
            @extschema@.insight_report_msg(lang, CASE tg.basis WHEN 'clv_12m' THEN 'churn.value.clv' WHEN 'value_model' THEN 'churn.value.model' ELSE 'churn.value.past' END))),
        CASE WHEN NOT (ctx ->> 'ids')::boolean
             THEN pg_catalog.format('<p class="privacy">%s</p>', @extschema@.insight_html(@extschema@.insight_report_msg(lang, 'churn.targets.hidden'))) END,
        @extschema@.insight_html_table(@extschema@.insight_report_msgs(lang, ARRAY[
                                           CASE WHEN (ctx ->> 'ids')::boolean THEN 'col.customer' ELSE 'col.rank' END,
                                           'col.churn_probability', 'col.value_at_risk', 'col.days_since', 'col.orders', 'col.reasons']), tg.rows)));
    RETURN @extschema@.insight_report_section('churn', @extschema@.insight_report_msg(lang, 'churn.title'), body);
END
$$;

COMMENT ON FUNCTION @extschema@.insight_report_html_churn(jsonb) IS
'The churn section of insight_report_html: the active churn model and its out-of-time evaluation (insight_models.metrics); the ROC curves of the evaluation model and of the days since the last purchase alone, the cumulative gain and the calibration by decile of the test window, as insight_churn_evaluate stored them (metrics.curves, insight_churn_curves; for a model trained without them, computed on insight_churn_training_rows at metrics.test_cutoff scored by evaluation_weights); the distribution of today''s churn probabilities (bins of fewer than insight.min_group_size customers suppressed); the first ten retention targets (ranked as insight_retention_targets_at ranks them) with their reasons, customer keys only for members of insight_admin; the probabilities and the targets from ctx.today (insight_report_today; computed when ctx has none). Says how to train a model when none is active.';

-- Customer value ------------------------------------------------------------------

CREATE FUNCTION @extschema@.insight_report_html_clv(ctx jsonb)
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

    -- who came back in the holdout against the model's expectation, by time since
    -- the last purchase (metrics.come_back, insight_clv_come_back; models trained
    -- from 0.2.0 on), with the verdict of insight_report_clv on the last band
    IF pg_catalog.jsonb_typeof(x -> 'come_back') = 'array' AND pg_catalog.jsonb_array_length(x -> 'come_back') > 0 THEN
        WITH b AS (
            SELECT e.n, (e.value ->> 'customers')::bigint AS customers,
                   @extschema@.insight_report_msg(lang, 'unit.days', pg_catalog.concat(
                       @extschema@.insight_report_num((e.value ->> 'since_last_from')::pg_catalog.float8 * period_days, 0, lang), '-',
                       @extschema@.insight_report_num((e.value ->> 'since_last_to')::pg_catalog.float8 * period_days, 0, lang))) AS since,
                   (e.value ->> 'actual_share')::pg_catalog.float8 AS actual, (e.value ->> 'expected_share')::pg_catalog.float8 AS expected,
                   (e.value ->> 'mean_p_alive')::pg_catalog.float8 AS p_alive
              FROM pg_catalog.jsonb_array_elements(x -> 'come_back') WITH ORDINALITY e(value, n),
                   (SELECT @extschema@.insight_clv_period_seconds(period) / 86400 AS period_days) u
        )
        SELECT pg_catalog.array_agg(b.since ORDER BY b.n) AS labels,
               ARRAY[pg_catalog.array_agg(b.actual ORDER BY b.n), pg_catalog.array_agg(b.expected ORDER BY b.n)] AS vals,
               (SELECT pg_catalog.array_agg(t ORDER BY b2.n, o) FROM b b2,
                       LATERAL (VALUES (1, @extschema@.insight_report_pct(b2.actual, lang)), (2, @extschema@.insight_report_pct(b2.expected, lang))) v(o, t)) AS texts,
               pg_catalog.array_agg(ARRAY[b.since, @extschema@.insight_report_num(b.customers, 0, lang), @extschema@.insight_report_pct(b.actual, lang),
                                          @extschema@.insight_report_pct(b.expected, lang), @extschema@.insight_report_num(b.p_alive, 2, lang)] ORDER BY b.n) AS rows,
               (pg_catalog.array_agg(b.since ORDER BY b.n DESC))[1] AS last_since,
               (pg_catalog.array_agg(b.actual ORDER BY b.n DESC))[1] AS last_actual,
               (pg_catalog.array_agg(b.expected ORDER BY b.n DESC))[1] AS last_expected
          INTO gn FROM b;
        body := pg_catalog.concat(body, @extschema@.insight_report_figure('clv-come-back', @extschema@.insight_report_msg(lang, 'clv.comeback.title'),
            pg_catalog.concat(@extschema@.insight_report_msg(lang, 'clv.comeback.reading', gn.last_since,
                                  @extschema@.insight_report_pct(gn.last_actual, lang), @extschema@.insight_report_pct(gn.last_expected, lang)),
                -- the verdict, as insight_report_clv gives it
                CASE @extschema@.insight_clv_come_back_verdict(x -> 'come_back')
                     WHEN 'no_dropout' THEN @extschema@.insight_report_msg(lang, 'clv.comeback.no_dropout')
                     WHEN 'overrates' THEN @extschema@.insight_report_msg(lang, 'clv.comeback.overrates') END),
            @extschema@.insight_svg_bars(gn.labels, @extschema@.insight_report_msgs(lang, ARRAY['col.came_back', 'col.expected_share']),
                                         gn.vals, gn.texts, 1),
            @extschema@.insight_html_table(@extschema@.insight_report_msgs(lang, ARRAY['col.since_last', 'col.customers', 'col.came_back',
                                                                                      'col.expected_share', 'col.mean_p_alive']), gn.rows),
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
'The customer value section of insight_report_html: the active CLV models and their holdout errors (insight_models.metrics); the frequency/recency matrices of expected purchase days in the next 90 days and of P(alive) for a customer as old as the oldest (as lifetimes'' plot_frequency_recency_matrix and plot_probability_alive_matrix draw them; frequencies up to the 95th percentile); calibration against the holdout (mean predicted and actual repeat purchase days by frequency before it, as lifetimes'' plot_calibration_purchases_vs_holdout_purchases; the top bucket k+ chosen so that every bucket has at least insight.min_group_size customers); the value gain chart and the decile chart of google/lifetime_value (predicted holdout revenue = the evaluation model''s expected purchases x the expected spend of a Gamma-Gamma fitted on the calibration period, against the actual holdout revenue): the holdout charts as insight_clv_evaluate stored them (metrics.holdout_curves, insight_clv_holdout_curves; computed on insight_clv_holdout_rows for a model trained without them); who came back in the holdout against the model''s expectation, in four bands of the time since the last purchase (metrics.come_back, insight_clv_come_back; bars of the actual and expected shares, and mean P(alive)), with the verdict of insight_report_clv on the band that bought longest ago (insight_clv_come_back_verdict; shown for models trained from 0.2.0 on); the concentration of the 12-month CLV by decile of customers (insight_clv_scores_at; with the grid of the matrices, from ctx.today, insight_report_today, computed when ctx has none). Says how to train a model when none is active.';

-- The value model (deep) --------------------------------------------------------------

CREATE FUNCTION @extschema@.insight_report_html_value(ctx jsonb)
RETURNS text
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
SET TimeZone = 'UTC'
SET IntervalStyle = 'postgres'
AS $$
DECLARE
    lang pg_catalog.text := ctx ->> 'lang';
    k integer := (ctx ->> 'k')::integer;
    m @extschema@.insight_models;
    x pg_catalog.jsonb;
    mt record;
    gn record;
    dc record;
    body pg_catalog.text;
    model_name pg_catalog.text;
BEGIN
    SELECT * INTO m FROM @extschema@.insight_active_model('value') mm;
    IF NOT FOUND THEN
        RETURN @extschema@.insight_report_section('value', @extschema@.insight_report_msg(lang, 'value.title'),
                   @extschema@.insight_report_not_trained(ctx, 'value', 'insight_train_value()'));
    END IF;
    x := m.metrics;
    model_name := pg_catalog.concat(@extschema@.insight_report_msg(lang, 'series.model'), ' ', m.model_id);
    body := pg_catalog.format('<p class="summary">%s</p>', @extschema@.insight_html(@extschema@.insight_report_msg(lang, 'value.summary',
                m.model_id::pg_catalog.text, @extschema@.insight_report_msg(lang, 'algorithm.' || m.algorithm),
                COALESCE(m.params ->> 'hidden', @extschema@.insight_report_msg(lang, 'na')),
                @extschema@.insight_report_interval((m.params ->> 'horizon')::interval, lang),
                @extschema@.insight_report_num((x ->> 'train_rows')::pg_catalog.float8, 0, lang),
                @extschema@.insight_report_date((x ->> 'train_cutoff')::pg_catalog.timestamptz, lang),
                @extschema@.insight_report_num((x ->> 'test_rows')::pg_catalog.float8, 0, lang),
                @extschema@.insight_report_date((x ->> 'test_cutoff')::pg_catalog.timestamptz, lang),
                @extschema@.insight_report_interval((m.params ->> 'horizon')::interval, lang))));

    -- the out-of-time metrics of the model and its two comparators, as training stored them
    WITH p AS (
        SELECT v.n, @extschema@.insight_report_msg(lang, v.name) AS name, x -> v.key AS j
          FROM (VALUES (1, 'test', 'series.value_model'), (2, 'btyd', 'series.btyd'), (3, 'baseline', 'series.past_rate')) v(n, key, name)
    )
    SELECT pg_catalog.array_agg(ARRAY[p.name,
               @extschema@.insight_report_num((p.j ->> 'normalized_gini')::pg_catalog.float8, 4, lang),
               @extschema@.insight_report_num((p.j ->> 'spearman')::pg_catalog.float8, 4, lang),
               @extschema@.insight_report_num((p.j ->> 'decile_mape')::pg_catalog.float8, 4, lang),
               COALESCE(@extschema@.insight_report_num((p.j ->> 'total_error_percent')::pg_catalog.float8, 1, lang) || '%',
                        @extschema@.insight_report_msg(lang, 'na'))] ORDER BY p.n) AS rows
      INTO mt FROM p;
    body := pg_catalog.concat(body, pg_catalog.format('<div class="table-box" id="value-metrics"><h3>%s</h3><p class="reading">%s</p>%s</div>',
        @extschema@.insight_html(@extschema@.insight_report_msg(lang, 'value.metrics.title')),
        @extschema@.insight_html(@extschema@.insight_report_msg(lang, 'value.metrics.reading',
            @extschema@.insight_report_num((x #>> '{test,normalized_gini}')::pg_catalog.float8, 4, lang),
            @extschema@.insight_report_num((x #>> '{baseline,normalized_gini}')::pg_catalog.float8, 4, lang))),
        @extschema@.insight_html_table(@extschema@.insight_report_msgs(lang, ARRAY['col.predictor', 'col.normalized_gini', 'col.spearman',
                                                                                  'col.decile_mape', 'col.total_error']), mt.rows)));

    -- the gain chart (google/lifetime_value): each predictor's curve as training stored it, and the perfect order
    IF pg_catalog.jsonb_typeof(x #> '{test,gain}') = 'array' THEN
        WITH p AS (
            SELECT v.n, v.name, x #> ARRAY[v.key, 'gain'] AS g
              FROM (VALUES (1, 'test', model_name),
                           (2, 'btyd', @extschema@.insight_report_msg(lang, 'series.btyd')),
                           (3, 'baseline', @extschema@.insight_report_msg(lang, 'series.past_rate'))) v(n, key, name)
             WHERE pg_catalog.jsonb_typeof(x #> ARRAY[v.key, 'gain']) = 'array'
            UNION ALL
            SELECT 4, @extschema@.insight_report_msg(lang, 'series.perfect'),
                   (SELECT pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object('customers', e -> 'customers', 'model', e -> 'perfect') ORDER BY i)
                      FROM pg_catalog.jsonb_array_elements(x #> '{test,gain}') WITH ORDINALITY u(e, i))
        ), pts AS (
            SELECT p.n, p.name, u.i, (u.e ->> 'customers')::pg_catalog.float8 AS c, (u.e ->> 'model')::pg_catalog.float8 AS s
              FROM p, pg_catalog.jsonb_array_elements(p.g) WITH ORDINALITY u(e, i)
        )
        SELECT (SELECT pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object('name', q.name, 'points', q.points) ORDER BY q.n)
                  FROM (SELECT pts.n, pts.name, pg_catalog.jsonb_build_array(pg_catalog.jsonb_build_array(0, 0)) ||
                               pg_catalog.jsonb_agg(pg_catalog.jsonb_build_array(pg_catalog.round(pts.c::numeric, 4), pg_catalog.round(pts.s::numeric, 4)) ORDER BY pts.i) AS points
                          FROM pts GROUP BY pts.n, pts.name) q) AS series,
               (SELECT pg_catalog.array_agg(q.name ORDER BY q.n) FROM (SELECT DISTINCT pts.n, pts.name FROM pts) q) AS names,
               (SELECT pg_catalog.array_agg(r.row ORDER BY r.i)
                  FROM (SELECT pts.i, pg_catalog.array_prepend(@extschema@.insight_report_pct(pg_catalog.min(pts.c), lang, 0),
                                                               pg_catalog.array_agg(@extschema@.insight_report_pct(pts.s, lang) ORDER BY pts.n)) AS row
                          FROM pts GROUP BY pts.i) r) AS rows,
               (SELECT pts.s FROM pts WHERE pts.n = 1 AND pts.i = 4) AS at20,
               (SELECT pts.s FROM pts WHERE pts.n = 4 AND pts.i = 4) AS best20
          INTO gn;
        body := pg_catalog.concat(body, @extschema@.insight_report_figure('value-gain', @extschema@.insight_report_msg(lang, 'value.gain.title'),
            @extschema@.insight_report_msg(lang, 'value.gain.reading', @extschema@.insight_report_pct(gn.at20, lang), @extschema@.insight_report_pct(gn.best20, lang)),
            @extschema@.insight_svg_lines(gn.series,
                pg_catalog.jsonb_build_object('x_max', 1, 'y_max', 1, 'diagonal', true,
                    'x_ticks', @extschema@.insight_report_share_ticks(lang), 'y_ticks', @extschema@.insight_report_share_ticks(lang),
                    'x_title', @extschema@.insight_report_msg(lang, 'axis.customers_by_spend'), 'y_title', @extschema@.insight_report_msg(lang, 'axis.spend_reached'))),
            @extschema@.insight_html_table(ARRAY[@extschema@.insight_report_msg(lang, 'col.share_customers')] || gn.names, gn.rows),
            lang));
    ELSE
        body := pg_catalog.concat(body, pg_catalog.format('<p class="not-trained">%s</p>',
                    @extschema@.insight_html(@extschema@.insight_report_msg(lang, 'value.gain.missing'))));
    END IF;

    -- the decile chart (google/lifetime_value): mean predicted and actual spend by decile of predicted spend
    WITH d AS (
        SELECT (e ->> 'decile')::integer AS decile, (e ->> 'customers')::bigint AS n,
               (e ->> 'predicted_mean')::pg_catalog.float8 AS p, (e ->> 'actual_mean')::pg_catalog.float8 AS a
          FROM pg_catalog.jsonb_array_elements(CASE WHEN pg_catalog.jsonb_typeof(x #> '{test,deciles}') = 'array' THEN x #> '{test,deciles}' ELSE '[]' END) e
    ), c AS (
        SELECT * FROM d WHERE d.n >= k
    )
    SELECT pg_catalog.array_agg(c.decile::pg_catalog.text ORDER BY c.decile) AS labels,
           ARRAY[pg_catalog.array_agg(c.p ORDER BY c.decile), pg_catalog.array_agg(c.a ORDER BY c.decile)] AS vals,
           (SELECT pg_catalog.array_agg(t ORDER BY c2.decile, o)
              FROM c c2, LATERAL (VALUES (1, @extschema@.insight_report_num(c2.p, 0, lang)), (2, @extschema@.insight_report_num(c2.a, 0, lang))) v(o, t)) AS texts,
           pg_catalog.array_agg(ARRAY[c.decile::pg_catalog.text, @extschema@.insight_report_num(c.n, 0, lang),
                                      @extschema@.insight_report_num(c.p, 0, lang), @extschema@.insight_report_num(c.a, 0, lang)] ORDER BY c.decile) AS rows,
           (pg_catalog.array_agg(c.p ORDER BY c.decile DESC))[1] AS top_p, (pg_catalog.array_agg(c.a ORDER BY c.decile DESC))[1] AS top_a,
           (pg_catalog.array_agg(c.p ORDER BY c.decile))[1] AS low_p, (pg_catalog.array_agg(c.a ORDER BY c.decile))[1] AS low_a,
           (SELECT pg_catalog.count(*) FROM d) - pg_catalog.count(*) AS small
      INTO dc FROM c;
    IF dc.labels IS NOT NULL THEN
        body := pg_catalog.concat(body, @extschema@.insight_report_figure('value-deciles', @extschema@.insight_report_msg(lang, 'value.decile.title'),
            @extschema@.insight_report_msg(lang, 'value.decile.reading', @extschema@.insight_report_num(dc.top_p, 0, lang), @extschema@.insight_report_num(dc.top_a, 0, lang),
                @extschema@.insight_report_num(dc.low_p, 0, lang), @extschema@.insight_report_num(dc.low_a, 0, lang)),
            @extschema@.insight_svg_bars(dc.labels, @extschema@.insight_report_msgs(lang, ARRAY['series.predicted', 'col.actual']), dc.vals, dc.texts),
            @extschema@.insight_html_table(@extschema@.insight_report_msgs(lang, ARRAY['col.decile', 'col.customers', 'col.predicted', 'col.actual']), dc.rows),
            lang), @extschema@.insight_report_privacy(ctx, 0, dc.small::integer));
    END IF;
    RETURN @extschema@.insight_report_section('value', @extschema@.insight_report_msg(lang, 'value.title'), body);
END
$$;

COMMENT ON FUNCTION @extschema@.insight_report_html_value(jsonb) IS
'The section of insight_report_html on the deep value model (insight_train_value), from what its training stored (insight_models.metrics, no recomputation): the active model and its windows; its out-of-time normalized Gini, Spearman correlation, decile MAPE and total error next to BG/NBD x Gamma-Gamma and the past rate continued, as a table; the gain chart of google/lifetime_value (share of the test window''s spend reached by the customers ranked by each predictor, metrics.*.gain of insight_value_metrics, and the perfect order; a model trained before the gain was stored says to retrain); the decile chart (mean predicted and actual spend per customer by decile of predicted spend, lowest first, metrics.test.deciles; deciles of fewer than insight.min_group_size customers not shown). Says how to train a model when none is active.';

-- Segments --------------------------------------------------------------------------

CREATE FUNCTION @extschema@.insight_report_html_segments(ctx jsonb)
RETURNS text
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
SET TimeZone = 'UTC'
AS $$
DECLARE
    lang pg_catalog.text := ctx ->> 'lang';
    k integer := (ctx ->> 'k')::integer;
    as_of pg_catalog.timestamptz := (ctx ->> 'as_of')::pg_catalog.timestamptz;
    sm @extschema@.insight_models;
    segs pg_catalog.text[];
    rec pg_catalog.float8[];
    frq pg_catalog.float8[];
    mon pg_catalog.float8[];
    cls integer[];
    rf record;
    cl record;
    kc record;
    body pg_catalog.text := '';
    sep pg_catalog.text := @extschema@.insight_report_msg(lang, 'label.sep');
BEGIN
    SELECT * INTO sm FROM @extschema@.insight_active_model('segments') mm;
    -- every customer's RFM segment, recency, orders, spend and cluster (insight_report_today)
    SELECT x.segs, x.rec, x.frq, x.mon, x.cls INTO segs, rec, frq, mon, cls
      FROM pg_catalog.jsonb_to_record(COALESCE(ctx -> 'today', @extschema@.insight_report_today(ctx)) -> 'rfm')
           AS x(segs pg_catalog.text[], rec pg_catalog.float8[], frq pg_catalog.float8[], mon pg_catalog.float8[], cls integer[]);

    -- the RFM map: segments of fewer than k customers go into "other"
    WITH g AS (
        SELECT u.s, pg_catalog.count(*) AS n, pg_catalog.sum(u.m) AS revenue
          FROM ROWS FROM (pg_catalog.unnest(segs), pg_catalog.unnest(mon)) u(s, m) GROUP BY 1
    ), h AS (
        SELECT CASE WHEN g.n >= k THEN g.s END AS s,
               pg_catalog.sum(g.n) AS n, pg_catalog.sum(g.revenue) AS revenue, pg_catalog.count(*) AS groups
          FROM g GROUP BY 1
    ), v AS (
        SELECT h.*, h.n::pg_catalog.float8 / pg_catalog.sum(h.n) OVER () AS cshare,
               h.revenue / NULLIF(pg_catalog.sum(h.revenue) OVER (), 0) AS rshare,
               CASE WHEN h.s IS NULL THEN @extschema@.insight_report_msg(lang, 'other') ELSE @extschema@.insight_report_msg(lang, 'rfm.' || h.s) END AS label,
               COALESCE(pg_catalog.array_position(@extschema@.insight_rfm_segment_names(), h.s), 99) AS o
          FROM h WHERE h.s IS NOT NULL OR h.n >= k
    )
    SELECT pg_catalog.array_agg(v.label ORDER BY v.o) AS labels,
           ARRAY[pg_catalog.array_agg(v.cshare ORDER BY v.o), pg_catalog.array_agg(v.rshare ORDER BY v.o)] AS vals,
           (SELECT pg_catalog.array_agg(t ORDER BY v2.o, x) FROM v v2,
                   LATERAL (VALUES (1, @extschema@.insight_report_pct(v2.cshare, lang)), (2, @extschema@.insight_report_pct(v2.rshare, lang))) w(x, t)) AS texts,
           pg_catalog.array_agg(ARRAY[v.label, @extschema@.insight_report_num(v.n, 0, lang), @extschema@.insight_report_pct(v.cshare, lang),
                                      @extschema@.insight_report_num(v.revenue, 0, lang), @extschema@.insight_report_pct(v.rshare, lang)] ORDER BY v.o) AS rows,
           (pg_catalog.array_agg(v.label ORDER BY v.rshare DESC))[1] AS top, pg_catalog.max(v.rshare) AS top_r,
           (pg_catalog.array_agg(v.cshare ORDER BY v.rshare DESC))[1] AS top_c,
           (SELECT COALESCE(pg_catalog.sum(h.groups), 0) FROM h WHERE h.s IS NULL) AS merged,
           (SELECT COALESCE(pg_catalog.sum(h.groups), 0) FROM h WHERE h.s IS NULL AND h.n < k) AS dropped
      INTO rf FROM v;
    IF rf.labels IS NOT NULL THEN
        body := pg_catalog.concat(body, @extschema@.insight_report_figure('segments-rfm', @extschema@.insight_report_msg(lang, 'segments.rfm.title'),
            @extschema@.insight_report_msg(lang, 'segments.rfm.reading', rf.top, @extschema@.insight_report_pct(rf.top_c, lang), @extschema@.insight_report_pct(rf.top_r, lang)),
            @extschema@.insight_svg_bars(rf.labels, @extschema@.insight_report_msgs(lang, ARRAY['col.share_customers', 'col.share_revenue_all']),
                                         rf.vals, rf.texts),
            @extschema@.insight_html_table(@extschema@.insight_report_msgs(lang, ARRAY['col.segment', 'col.customers', 'col.share_customers', 'col.revenue', 'col.share_revenue_all']), rf.rows),
            lang), @extschema@.insight_report_privacy(ctx, (rf.merged - rf.dropped)::integer, rf.dropped::integer));
    END IF;

    IF sm.model_id IS NULL THEN
        RETURN @extschema@.insight_report_section('segments', @extschema@.insight_report_msg(lang, 'segments.title'),
                   pg_catalog.concat(body, @extschema@.insight_report_not_trained(ctx, 'segments', 'insight_train_segments()')));
    END IF;

    -- clusters: labelled from their members against the median customer
    WITH p AS (
        SELECT pr.cluster AS c, pr.customers AS n, pr.recency_quartiles AS rq, pr.frequency_quartiles AS fq,
               pr.monetary_quartiles AS mq, pr.label
          FROM @extschema@.insight_cluster_profiles(cls, rec, frq, mon, lang) pr
    ), v AS (
        SELECT p.c, p.n, p.rq, p.fq, p.mq,
               pg_catalog.concat(@extschema@.insight_report_msg(lang, 'col.cluster'), ' ', p.c, ': ', p.label) AS label
          FROM p WHERE p.n >= k
    )
    SELECT pg_catalog.array_agg(v.label ORDER BY v.c) AS labels,
           ARRAY[pg_catalog.array_agg(v.n::pg_catalog.float8 ORDER BY v.c)] AS vals,
           pg_catalog.array_agg(@extschema@.insight_report_num(v.n, 0, lang) ORDER BY v.c) AS texts,
           pg_catalog.array_agg(ARRAY[v.label, @extschema@.insight_report_num(v.n, 0, lang),
               pg_catalog.concat_ws(' / ', @extschema@.insight_report_num(v.rq[1], 0, lang), @extschema@.insight_report_num(v.rq[2], 0, lang), @extschema@.insight_report_num(v.rq[3], 0, lang)),
               pg_catalog.concat_ws(' / ', @extschema@.insight_report_num(v.fq[1], 0, lang), @extschema@.insight_report_num(v.fq[2], 0, lang), @extschema@.insight_report_num(v.fq[3], 0, lang)),
               pg_catalog.concat_ws(' / ', @extschema@.insight_report_num(v.mq[1], 0, lang), @extschema@.insight_report_num(v.mq[2], 0, lang), @extschema@.insight_report_num(v.mq[3], 0, lang))]
               ORDER BY v.c) AS rows,
           (SELECT pg_catalog.count(*) FROM p WHERE p.n < k) AS small
      INTO cl FROM v;
    SELECT (e ->> 'k')::integer AS best_k, (e ->> 'silhouette')::pg_catalog.float8 AS best_s
      INTO kc FROM pg_catalog.jsonb_array_elements(CASE WHEN pg_catalog.jsonb_typeof(sm.metrics -> 'k_curve') = 'array'
                                                        THEN sm.metrics -> 'k_curve' ELSE '[]' END) e
     ORDER BY (e ->> 'silhouette')::pg_catalog.float8 DESC LIMIT 1;
    body := pg_catalog.concat(body, @extschema@.insight_report_figure('segments-clusters', @extschema@.insight_report_msg(lang, 'segments.clusters.title'),
        @extschema@.insight_report_msg(lang, 'segments.clusters.reading', sm.metrics ->> 'k',
            @extschema@.insight_report_msg(lang, CASE WHEN sm.params ->> 'k' IS NULL THEN 'segments.k.chosen' ELSE 'segments.k.given' END,
                @extschema@.insight_report_num((sm.metrics ->> 'silhouette')::pg_catalog.float8, 3, lang))),
        @extschema@.insight_svg_bars(cl.labels, ARRAY[@extschema@.insight_report_msg(lang, 'col.customers')], cl.vals, cl.texts),
        @extschema@.insight_html_table(@extschema@.insight_report_msgs(lang, ARRAY['col.label', 'col.customers', 'col.recency_q', 'col.orders_q', 'col.spend_q']), cl.rows),
        lang), @extschema@.insight_report_privacy(ctx, 0, cl.small::integer));
    IF kc.best_k IS NOT NULL THEN
        body := pg_catalog.concat(body, @extschema@.insight_report_figure('segments-k', @extschema@.insight_report_msg(lang, 'segments.kcurve.title'),
            @extschema@.insight_report_msg(lang, 'segments.kcurve.reading', kc.best_k::pg_catalog.text, @extschema@.insight_report_num(kc.best_s, 3, lang), sm.metrics ->> 'k'),
            @extschema@.insight_svg_lines(pg_catalog.jsonb_build_array(pg_catalog.jsonb_build_object('name', @extschema@.insight_report_msg(lang, 'col.silhouette'),
                    'points', (SELECT pg_catalog.jsonb_agg(pg_catalog.jsonb_build_array((e ->> 'k')::integer, pg_catalog.round((e ->> 'silhouette')::numeric, 4))
                                                            ORDER BY (e ->> 'k')::integer)
                                 FROM pg_catalog.jsonb_array_elements(sm.metrics -> 'k_curve') e))),
                pg_catalog.jsonb_build_object('x_min', 1, 'x_max', 10, 'y_max', 1, 'dots', true,
                    'x_ticks', (SELECT pg_catalog.jsonb_agg(pg_catalog.jsonb_build_array(i, i::pg_catalog.text)) FROM pg_catalog.generate_series(2, 10) i),
                    'y_ticks', (SELECT pg_catalog.jsonb_agg(pg_catalog.jsonb_build_array(v, @extschema@.insight_report_num(v, 2, lang))) FROM pg_catalog.unnest(ARRAY[0, 0.25, 0.5, 0.75, 1]::pg_catalog.float8[]) v),
                    'x_title', @extschema@.insight_report_msg(lang, 'col.k'), 'y_title', @extschema@.insight_report_msg(lang, 'col.silhouette'))),
            @extschema@.insight_html_table(@extschema@.insight_report_msgs(lang, ARRAY['col.k', 'col.silhouette']),
                (SELECT pg_catalog.array_agg(ARRAY[e ->> 'k', @extschema@.insight_report_num((e ->> 'silhouette')::pg_catalog.float8, 3, lang)]
                                             ORDER BY (e ->> 'k')::integer)
                   FROM pg_catalog.jsonb_array_elements(sm.metrics -> 'k_curve') e)),
            lang));
    END IF;
    RETURN @extschema@.insight_report_section('segments', @extschema@.insight_report_msg(lang, 'segments.title'), body);
END
$$;

COMMENT ON FUNCTION @extschema@.insight_report_html_segments(jsonb) IS
'The segments section of insight_report_html: the RFM segment map (share of customers and of revenue = total spend of each segment, as insight_rfm_scores scores them, from ctx.today: insight_report_today, computed when ctx has none; segments of fewer than insight.min_group_size customers merged into "other"); the clusters of the active segments model with a label true of their members (insight_cluster_profiles: recency, orders and spend of at least 3/4 of the members against the median customer, as insight_customer_360 and insight_segment_summary label them) and their quartiles, clusters smaller than min_group_size not shown; how k was chosen (at the knee of the inertia curve, insight_kmeans_knee, or given), with the silhouette of every k tried (metrics.k_curve). Says how to train a model when none is active.';

-- Recommendations ------------------------------------------------------------------

CREATE FUNCTION @extschema@.insight_report_html_recommender(ctx jsonb)
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
        -- (on Citus the buyers of each item counted on the shards)
        SELECT t.item_id, t.buyers AS n
          FROM e, @extschema@.insight_top_items(e.t_end - interval '90 days', e.t_end, k, 10) t
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
'The recommendations section of insight_report_html: the active recommender and its offline metrics at 10 (insight_models.metrics) next to the latest model of every other algorithm measured on the same split and the popularity baseline; the ten items bought by the most customers in the 90 days before as_of (default: before the latest line, from ctx.today, insight_report_today, computed when ctx has none; only items with at least insight.min_group_size buyers; insight_top_items, on Citus counted on the shards). Says how to train a model when none is active.';

-- Tasks the report has no section of: their active model, or that there is none.
CREATE FUNCTION @extschema@.insight_report_html_other(ctx jsonb)
RETURNS text
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
SELECT @extschema@.insight_report_section('other', @extschema@.insight_report_msg(ctx ->> 'lang', 'other.title'),
           COALESCE(pg_catalog.string_agg(pg_catalog.format('<p class="%s">%s</p>', CASE WHEN m.model_id IS NULL THEN 'not-trained' ELSE 'summary' END,
               @extschema@.insight_html(CASE WHEN m.model_id IS NULL
                   THEN @extschema@.insight_report_msg(ctx ->> 'lang', 'other.none', s.task)
                   ELSE @extschema@.insight_report_msg(ctx ->> 'lang', 'other.active', s.task, m.model_id::pg_catalog.text, m.algorithm,
                            @extschema@.insight_report_date(m.trained_as_of, ctx ->> 'lang')) END)), '' ORDER BY s.task),
                    pg_catalog.format('<p>%s</p>', @extschema@.insight_html(@extschema@.insight_report_msg(ctx ->> 'lang', 'other.empty')))))
  FROM @extschema@.insight_task_steps s
  LEFT JOIN @extschema@.insight_models m ON m.task = s.task AND m.status = 'active'
 WHERE NOT s.task = ANY (ARRAY['churn', 'clv', 'value', 'segments', 'recommender'])
$$;

COMMENT ON FUNCTION @extschema@.insight_report_html_other(jsonb) IS
'The last section of insight_report_html: every task of insight_task_steps other than churn, clv, value, segments and recommender (the tasks of later issues), with its active model, or saying that it has none; a line when there is no such task.';

CREATE FUNCTION @extschema@.insight_report_html_style()
RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$ SELECT $css$
*{box-sizing:border-box}
body{margin:0 auto;max-width:980px;padding:16px;font:15px/1.5 system-ui,-apple-system,"Segoe UI","Noto Sans CJK SC","WenQuanYi Zen Hei","Microsoft YaHei",sans-serif;color:#1a202c;background:#fff}
h1{font-size:1.6em;margin:0 0 .2em}h2{font-size:1.3em;border-bottom:2px solid #2b6cb0;padding-bottom:.2em;margin-top:2em}h3{font-size:1.05em;margin:.2em 0}
p{overflow-wrap:anywhere}
nav ul{display:flex;flex-wrap:wrap;gap:.3em 1.2em;list-style:none;padding:0}
.chart-box,.table-box{margin:1.4em 0;padding:12px;border:1px solid #e2e8f0;border-radius:6px}
figure{margin:1.4em 0}
.reading{margin:.2em 0 .6em;color:#2d3748}
.privacy,.not-trained{color:#4a5568;font-size:.9em}
.not-trained{padding:.6em;background:#fffaf0;border-left:4px solid #dd6b20}
svg.chart{display:block;width:100%;height:auto;max-width:760px}
svg text{font-size:12px;fill:#1a202c}
svg text.tick,svg text.value{font-size:11px;fill:#4a5568}
svg text.cell-text{font-size:10px}svg text.cell-text.light{fill:#fff}
svg .axis{fill:none;stroke:#4a5568}svg .grid{stroke:#e2e8f0}
svg .reference{fill:none;stroke:#a0aec0;stroke-dasharray:4 4}
svg path.mark{fill:none;stroke-width:2.5}
.numbers{overflow-x:auto;max-width:100%}
table{border-collapse:collapse;font-size:.85em;margin:.4em 0}
th,td{border:1px solid #e2e8f0;padding:2px 6px;text-align:right;overflow-wrap:anywhere}
th:first-child,td:first-child{text-align:left}
details summary{cursor:pointer;color:#2b6cb0;font-size:.9em}
$css$ $$;

COMMENT ON FUNCTION @extschema@.insight_report_html_style()  IS
'The style sheet of insight_report_html (inline CSS: layout, charts, tables; CJK fonts in the font list).';

CREATE FUNCTION @extschema@.insight_report_html(lang text DEFAULT 'en', as_of timestamptz DEFAULT NULL)
RETURNS text
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
SET TimeZone = 'UTC'
AS $$
DECLARE
    ctx pg_catalog.jsonb := @extschema@.insight_report_context(lang, as_of);
    l pg_catalog.text := ctx ->> 'lang';
    last_at pg_catalog.timestamptz;
    sections pg_catalog.text[] := ARRAY['data', 'churn', 'clv', 'value', 'segments', 'recommender', 'other'];
    titles pg_catalog.text[] := ARRAY['data.title', 'churn.title', 'clv.title', 'value.title', 'segments.title', 'recommender.title', 'other.title'];
BEGIN
    -- what the sections read from the sales and today's customers, computed once
    ctx := ctx || pg_catalog.jsonb_build_object('today', @extschema@.insight_report_today(ctx));
    last_at := (ctx #>> '{today,data,last_at}')::pg_catalog.timestamptz;
    RETURN pg_catalog.concat(
        '<!DOCTYPE html>', E'\n',
        pg_catalog.format('<html lang="%s"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>%s</title><style>%s</style></head><body>',
            CASE l WHEN 'zh' THEN 'zh-Hans' ELSE 'en' END, @extschema@.insight_html(@extschema@.insight_report_msg(l, 'title')), @extschema@.insight_report_html_style()),
        E'\n<header>',
        pg_catalog.format('<h1>%s</h1><p class="subtitle">%s</p>', @extschema@.insight_html(@extschema@.insight_report_msg(l, 'title')),
            @extschema@.insight_html(@extschema@.insight_report_msg(l, 'subtitle', @extschema@.insight_report_date(COALESCE(as_of, last_at), l), ctx ->> 'k'))),
        pg_catalog.format('<nav aria-label="%s"><ul>%s</ul></nav>', @extschema@.insight_html(@extschema@.insight_report_msg(l, 'toc')),
            (SELECT pg_catalog.string_agg(pg_catalog.format('<li><a href="#%s">%s</a></li>', s, @extschema@.insight_html(@extschema@.insight_report_msg(l, t))), '' ORDER BY n)
               FROM ROWS FROM (pg_catalog.unnest(sections), pg_catalog.unnest(titles)) WITH ORDINALITY u(s, t, n))),
        E'</header>\n<main>\n',
        @extschema@.insight_report_html_data(ctx), E'\n',
        @extschema@.insight_report_html_churn(ctx), E'\n',
        @extschema@.insight_report_html_clv(ctx), E'\n',
        @extschema@.insight_report_html_value(ctx), E'\n',
        @extschema@.insight_report_html_segments(ctx), E'\n',
        @extschema@.insight_report_html_recommender(ctx), E'\n',
        @extschema@.insight_report_html_other(ctx), E'\n',
        E'</main>\n</body></html>\n');
END
$$;

COMMENT ON FUNCTION @extschema@.insight_report_html(text, timestamptz) IS
'The report as one self-contained HTML document (inline CSS and SVG; no script, no network; opens from a file) in English (lang ''en'') or Simplified Chinese (''zh''; another language is an error, 22023), from the data before as_of (NULL: the whole history): data covered (revenue and customers by month, cohort retention), churn (ROC against recency alone, cumulative gain, calibration by decile, probability distribution, retention targets with reasons), customer value (frequency/recency matrices of expected purchases and P(alive), calibration against the holdout, value gain and decile charts, concentration), the deep value model (out-of-time metrics against BG/NBD x Gamma-Gamma and the past rate, gain and decile charts, as its training stored them), segments (RFM map, k-means clusters labelled from their members, how k was chosen), recommendations (metrics against popularity and the other algorithms, top items) and the other tasks; a section whose task has no active model says how to train one. Every chart has a one-sentence reading and its numbers as an HTML table. No group of fewer than insight.min_group_size customers is shown with its own figures (merged into "other" or suppressed, said on the page); customer keys appear only in the retention targets, and only for members of insight_admin. Texts: insight_report_messages. Sections: insight_report_html_data, _churn, _clv, _value, _segments, _recommender, _other, each given the context (insight_report_context) with what they share computed once (ctx.today, insight_report_today: one pass over the sales, the features and the CLV scores of every customer once).';
