-- ---------------------------------------------------------------------------
-- RFM scores and the 11 named RFM segments.
--
-- insight_rfm_scores(as_of) and the view insight_rfm over it keep the source's
-- customer key type, so, like insight_sales and insight_customer_features,
-- they are rebuilt at every registration (trigger insight_sales_sources_build_rfm,
-- which fires after insight_sales_sources_build).  Other views must read RFM
-- through a function (rule of docs/design.md: never reference a rebuilt object
-- from a view), e.g. insight_rfm_scores() inside a LANGUAGE sql function.
-- ---------------------------------------------------------------------------

-- The segment map.  Scores are 1..5, 5 = best; fm = round half up of (f + m) / 2.
-- This is the widely used R x FM grid (Putler, "RFM analysis for successful
-- customer segmentation"; the R-by-F regex map of the common RFM notebooks),
-- made a partition of the 25 cells, with Lost carved out of Hibernating at R = 1.
CREATE FUNCTION @extschema@.insight_rfm_segment(r_score integer, f_score integer, m_score integer)
RETURNS text
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE
AS $$
DECLARE
    fm integer;
BEGIN
    IF LEAST(r_score, f_score, m_score) OPERATOR(pg_catalog.<) 1 OR GREATEST(r_score, f_score, m_score) OPERATOR(pg_catalog.>) 5 THEN
        RAISE EXCEPTION 'RFM scores must be between 1 and 5'
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = pg_catalog.format('The scores were r = %s, f = %s, m = %s.', r_score, f_score, m_score);
    END IF;
    fm := (f_score OPERATOR(pg_catalog.+) m_score OPERATOR(pg_catalog.+) 1) OPERATOR(pg_catalog./) 2;
    RETURN CASE
        WHEN r_score OPERATOR(pg_catalog.=) 5 AND fm OPERATOR(pg_catalog.>=) 4 THEN 'Champions'
        WHEN r_score OPERATOR(pg_catalog.>=) 3 AND fm OPERATOR(pg_catalog.>=) 4 THEN 'Loyal'
        WHEN r_score OPERATOR(pg_catalog.>=) 4 AND fm OPERATOR(pg_catalog.>=) 2 THEN 'Potential loyalist'
        WHEN r_score OPERATOR(pg_catalog.=) 5 THEN 'New customers'
        WHEN r_score OPERATOR(pg_catalog.=) 4 THEN 'Promising'
        WHEN r_score OPERATOR(pg_catalog.=) 3 AND fm OPERATOR(pg_catalog.=) 3 THEN 'Need attention'
        WHEN r_score OPERATOR(pg_catalog.=) 3 THEN 'About to sleep'
        WHEN fm OPERATOR(pg_catalog.=) 5 THEN 'Cannot lose them'
        WHEN fm OPERATOR(pg_catalog.>=) 3 THEN 'At risk'
        WHEN r_score OPERATOR(pg_catalog.=) 2 THEN 'Hibernating'
        ELSE 'Lost' END;
END
$$;

COMMENT ON FUNCTION @extschema@.insight_rfm_segment(integer, integer, integer) IS
'The RFM segment of scores r, f, m (1..5, 5 = best), on the R x FM grid with fm = round half up of (f + m) / 2: Champions R 5, FM 4-5; Loyal R 3-4, FM 4-5; Potential loyalist R 4-5, FM 2-3; New customers R 5, FM 1; Promising R 4, FM 1; Need attention R 3, FM 3; About to sleep R 3, FM 1-2; At risk R 1-2, FM 3-4; Cannot lose them R 1-2, FM 5; Hibernating R 2, FM 1-2; Lost R 1, FM 1-2. Every one of the 125 score triples has exactly one segment. Errors (22023) for a score outside 1..5.';

-- The segment names in the order of the map, best first (for reports and sorting).
CREATE FUNCTION @extschema@.insight_rfm_segment_names()
RETURNS text[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$ SELECT ARRAY['Champions', 'Loyal', 'Potential loyalist', 'New customers', 'Promising',
                   'Need attention', 'About to sleep', 'At risk', 'Cannot lose them',
                   'Hibernating', 'Lost']::pg_catalog.text[] $$;

COMMENT ON FUNCTION @extschema@.insight_rfm_segment_names() IS
'The 11 RFM segment names of insight_rfm_segment(), in map order (best first).';

-- The type of the registered customer key, as insight_customer_features() returns it.
CREATE FUNCTION @extschema@.insight_customer_key_type()
RETURNS regtype
LANGUAGE sql STABLE PARALLEL SAFE
AS $$
SELECT u.t::pg_catalog.regtype
  FROM pg_catalog.pg_proc p,
       LATERAL ROWS FROM (pg_catalog.unnest(p.proallargtypes), pg_catalog.unnest(p.proargnames)) AS u(t, n)
 WHERE p.oid OPERATOR(pg_catalog.=) '@extschema@.insight_customer_features(pg_catalog.timestamptz)'::pg_catalog.regprocedure
   AND u.n OPERATOR(pg_catalog.=) 'customer_id'
$$;

COMMENT ON FUNCTION @extschema@.insight_customer_key_type() IS
'The type of customer_id in the registered sales source (text before any registration).';

-- Placeholders until a source is registered (the trigger below replaces them).
CREATE FUNCTION @extschema@.insight_rfm_scores(as_of timestamptz DEFAULT NULL)
RETURNS TABLE (customer_id text, recency_days float8, frequency integer, monetary float8,
               r_score integer, f_score integer, m_score integer, rfm_cell text, segment text)
LANGUAGE sql STABLE PARALLEL SAFE
AS $$ SELECT s.customer_id, NULL::pg_catalog.float8, NULL::integer, NULL::pg_catalog.float8, NULL::integer,
             NULL::integer, NULL::integer, NULL::pg_catalog.text, NULL::pg_catalog.text
        FROM @extschema@.insight_no_sales_source() s $$;

CREATE VIEW @extschema@.insight_rfm AS SELECT * FROM @extschema@.insight_rfm_scores();

-- The body of insight_rfm_scores for a customer key type.
CREATE FUNCTION @extschema@.insight_rfm_scores_sql(key_type regtype)
RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE
AS $f$ SELECT @extschema@.insight_fill_sql($sql$
CREATE FUNCTION @extschema@.insight_rfm_scores(as_of timestamptz DEFAULT NULL)
RETURNS TABLE (customer_id %(key_type)s, recency_days float8, frequency integer, monetary float8,
               r_score integer, f_score integer, m_score integer, rfm_cell text, segment text)
LANGUAGE sql STABLE PARALLEL SAFE
AS $body$
-- score = 1 + floor(5 * (customers with a strictly worse value) / customers):
-- rank() gives tied customers the same rank, so equal values get equal scores
-- whatever the row order.  (OPERATOR() has one precedence whatever the
-- operator: the parentheses keep * and / before +.)
WITH f AS (
    SELECT c.customer_id, c.recency_days, c.orders AS frequency, c.total_spend AS monetary,
           pg_catalog.count(*) OVER () AS n,
           pg_catalog.rank() OVER (ORDER BY c.recency_days DESC) OPERATOR(pg_catalog.-) 1 AS r_worse,
           pg_catalog.rank() OVER (ORDER BY c.orders) OPERATOR(pg_catalog.-) 1 AS f_worse,
           pg_catalog.rank() OVER (ORDER BY c.total_spend) OPERATOR(pg_catalog.-) 1 AS m_worse
      FROM @extschema@.insight_customer_features($1) c
),
s AS (
    SELECT f.customer_id, f.recency_days, f.frequency, f.monetary,
           (1 OPERATOR(pg_catalog.+) ((5 OPERATOR(pg_catalog.*) f.r_worse) OPERATOR(pg_catalog./) f.n))::integer AS r_score,
           (1 OPERATOR(pg_catalog.+) ((5 OPERATOR(pg_catalog.*) f.f_worse) OPERATOR(pg_catalog./) f.n))::integer AS f_score,
           (1 OPERATOR(pg_catalog.+) ((5 OPERATOR(pg_catalog.*) f.m_worse) OPERATOR(pg_catalog./) f.n))::integer AS m_score
      FROM f
)
SELECT s.customer_id, s.recency_days, s.frequency, s.monetary, s.r_score, s.f_score, s.m_score,
       s.r_score::pg_catalog.text OPERATOR(pg_catalog.||) s.f_score::pg_catalog.text OPERATOR(pg_catalog.||) s.m_score::pg_catalog.text,
       @extschema@.insight_rfm_segment(s.r_score, s.f_score, s.m_score)
  FROM s
 ORDER BY s.customer_id
$body$ $sql$, pg_catalog.jsonb_build_object('key_type', @extschema@.insight_qualified_type(key_type))) $f$;

COMMENT ON FUNCTION @extschema@.insight_rfm_scores_sql(regtype) IS
'The CREATE FUNCTION statement of insight_rfm_scores(timestamptz) with customer_id of type key_type, filled by insight_fill_sql with the schema-qualified, quoted name of insight_qualified_type (a type or domain of any name in any schema).';

CREATE FUNCTION @extschema@.insight_build_rfm_objects()
RETURNS trigger
LANGUAGE plpgsql
AS $$
BEGIN
    ALTER EXTENSION insight DROP VIEW @extschema@.insight_rfm;
    DROP VIEW @extschema@.insight_rfm;
    ALTER EXTENSION insight DROP FUNCTION @extschema@.insight_rfm_scores(timestamptz);
    DROP FUNCTION @extschema@.insight_rfm_scores(timestamptz);
    EXECUTE @extschema@.insight_rfm_scores_sql(@extschema@.insight_customer_key_type());
    CREATE VIEW @extschema@.insight_rfm AS SELECT * FROM @extschema@.insight_rfm_scores();
    ALTER EXTENSION insight ADD FUNCTION @extschema@.insight_rfm_scores(timestamptz);
    ALTER EXTENSION insight ADD VIEW @extschema@.insight_rfm;
    PERFORM @extschema@.insight_comment_rfm_objects();
    RETURN NULL;
END
$$;

COMMENT ON FUNCTION @extschema@.insight_build_rfm_objects() IS
'Trigger function on insight_sales_sources (AFTER INSERT OR UPDATE, after insight_build_sales_objects): drops and creates insight_rfm_scores(timestamptz) and the view insight_rfm again with the registered customer key type, and comments them. Runs as the extension''s owner (SECURITY DEFINER, search_path pinned).';

CREATE FUNCTION @extschema@.insight_comment_rfm_objects()
RETURNS void
LANGUAGE plpgsql
AS $$
BEGIN
    COMMENT ON FUNCTION @extschema@.insight_rfm_scores(timestamptz) IS
'RFM of every customer with a purchase strictly before as_of (default: the whole history), from insight_customer_features(as_of). recency_days: days from the last purchase to as_of (not BG/NBD recency); frequency: orders with a purchase; monetary: total spend (source currency). r_score, f_score, m_score: 1..5 by quintile, 5 = best (most recent, most orders, highest spend): score = 1 + floor(5 * (customers with a strictly worse value) / customers), so tied values share a score whatever the row order. rfm_cell: the three scores as text, e.g. ''545''. segment: insight_rfm_segment(r, f, m). Rebuilt at every registration with the source''s customer key type.';
    COMMENT ON VIEW @extschema@.insight_rfm IS
'RFM scores and segment of every customer over the whole history (insight_rfm_scores()). Scores 1..5 by quintile, 5 = best, ties share a score: score = 1 + floor(5 * (customers with a strictly worse value) / customers). recency_days = days since the last purchase; frequency = orders; monetary = total spend. Segments on R x FM (fm = round half up of (f + m) / 2): Champions R 5, FM 4-5; Loyal R 3-4, FM 4-5; Potential loyalist R 4-5, FM 2-3; New customers R 5, FM 1; Promising R 4, FM 1; Need attention R 3, FM 3; About to sleep R 3, FM 1-2; At risk R 1-2, FM 3-4; Cannot lose them R 1-2, FM 5; Hibernating R 2, FM 1-2; Lost R 1, FM 1-2. Rebuilt at every registration: read it from other views through a function.';
    COMMENT ON COLUMN @extschema@.insight_rfm.customer_id IS 'Customer key, in the source''s type.';
    COMMENT ON COLUMN @extschema@.insight_rfm.recency_days IS 'Days from the last purchase to the end of the history (not BG/NBD recency).';
    COMMENT ON COLUMN @extschema@.insight_rfm.frequency IS 'Orders with a purchase.';
    COMMENT ON COLUMN @extschema@.insight_rfm.monetary IS 'Total spend (source currency).';
    COMMENT ON COLUMN @extschema@.insight_rfm.r_score IS 'Recency score 1..5, 5 = most recent: 1 + floor(5 x customers with a longer recency / customers).';
    COMMENT ON COLUMN @extschema@.insight_rfm.f_score IS 'Frequency score 1..5, 5 = most orders: 1 + floor(5 x customers with fewer orders / customers).';
    COMMENT ON COLUMN @extschema@.insight_rfm.m_score IS 'Monetary score 1..5, 5 = highest spend: 1 + floor(5 x customers with a lower total spend / customers).';
    COMMENT ON COLUMN @extschema@.insight_rfm.rfm_cell IS 'The three scores as text, r then f then m, e.g. ''545''.';
    COMMENT ON COLUMN @extschema@.insight_rfm.segment IS 'insight_rfm_segment(r_score, f_score, m_score): one of the 11 names of insight_rfm_segment_names().';
END
$$;

COMMENT ON FUNCTION @extschema@.insight_comment_rfm_objects() IS
'Comment insight_rfm_scores(timestamptz), the view insight_rfm and its columns: run at installation and by every registration, which rebuilds them.';

SELECT @extschema@.insight_comment_rfm_objects();

CREATE TRIGGER insight_sales_sources_build_rfm
    AFTER INSERT OR UPDATE ON @extschema@.insight_sales_sources
    FOR EACH ROW EXECUTE FUNCTION @extschema@.insight_build_rfm_objects();

CREATE FUNCTION @extschema@.insight_segment(customer text, as_of timestamptz DEFAULT NULL)
RETURNS text
LANGUAGE plpgsql STABLE PARALLEL SAFE
AS $$
DECLARE
    result pg_catalog.text;
BEGIN
    IF customer IS NULL THEN
        RETURN NULL;
    END IF;
    -- the key is compared in the source's key type, whatever type the caller passed
    EXECUTE pg_catalog.format(
        'SELECT r.segment FROM @extschema@.insight_rfm_scores($2) r WHERE r.customer_id OPERATOR(pg_catalog.=) $1::%s',
        @extschema@.insight_qualified_type(@extschema@.insight_customer_key_type()))
       INTO result USING customer, as_of;
    RETURN result;
END
$$;

COMMENT ON FUNCTION @extschema@.insight_segment(text, timestamptz) IS
'The RFM segment of one customer as of as_of (default: the whole history), as in insight_rfm; NULL for a customer without a purchase before as_of. The customer is the text form of a key of the source (''12347''); insight_segment(anyelement) takes the key in its own type (12347, 12347::bigint). Scores are relative to every customer, so each call ranks them all: for many customers, join insight_rfm or insight_rfm_scores(as_of) instead.';

CREATE FUNCTION @extschema@.insight_segment(customer anyelement, as_of timestamptz DEFAULT NULL)
RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE
AS $$ SELECT @extschema@.insight_segment($1::pg_catalog.text, $2) $$;

COMMENT ON FUNCTION @extschema@.insight_segment(anyelement, timestamptz) IS
'insight_segment(customer::text, as_of) for a key given in its own type.';
