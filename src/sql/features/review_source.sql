-- ---------------------------------------------------------------------------
-- Review source: the shop's reviews (a text and a label or a rating, and
-- optionally who wrote it, about which item, when), registered once.
--
-- The registration is one row of insight_review_sources (kept by pg_dump).
-- The view insight_reviews reads the source through insight_review_rows(),
-- which builds its query from that row at every call, with the caller's
-- privileges (the view is security_invoker and the function is not SECURITY
-- DEFINER): a reader needs SELECT on the source to see any review.  Keys are
-- shown as text.  Until a source is registered, the view raises "no review
-- source is registered".  Documented in docs/reference/reviews.md.
-- ---------------------------------------------------------------------------

CREATE TABLE @extschema@.insight_review_sources (
    source_kind      text PRIMARY KEY DEFAULT 'reviews' CHECK (source_kind OPERATOR(pg_catalog.=) 'reviews'),
    source           regclass NOT NULL,
    text_column      name NOT NULL,
    label_column     name NOT NULL,
    customer_column  name,
    item_column      name,
    time_column      name,
    options          jsonb NOT NULL,
    registered_at    timestamptz NOT NULL DEFAULT pg_catalog.now(),
    registered_by    name NOT NULL DEFAULT CURRENT_USER
);

COMMENT ON TABLE @extschema@.insight_review_sources IS
'The registered review source (one row): relation, column mapping and label options with their defaults filled in. Written by insight_register_reviews().';

COMMENT ON COLUMN @extschema@.insight_review_sources.source_kind IS 'Always ''reviews'': the key that keeps the table to one registration.';
COMMENT ON COLUMN @extschema@.insight_review_sources.source IS 'The registered relation (table, partitioned table, view, materialized view or foreign table).';
COMMENT ON COLUMN @extschema@.insight_review_sources.text_column IS 'Column of the review''s text (text, varchar or char).';
COMMENT ON COLUMN @extschema@.insight_review_sources.label_column IS 'Column of the label (boolean, or a number 1 / 0 with options label = "binary") or of the rating (a number, with label = "rating").';
COMMENT ON COLUMN @extschema@.insight_review_sources.customer_column IS 'Column of the customer key (integer, numeric, text or uuid type); NULL: the reviews carry no customer.';
COMMENT ON COLUMN @extschema@.insight_review_sources.item_column IS 'Column of the item (or category) key (integer, numeric, text or uuid type); NULL: the reviews carry no item.';
COMMENT ON COLUMN @extschema@.insight_review_sources.time_column IS 'Column of the review''s time (timestamptz, timestamp or date; the last two read as UTC); NULL: the reviews carry no time.';
COMMENT ON COLUMN @extschema@.insight_review_sources.options IS 'Label options as given, completed with insight_reviews_default_options().';
COMMENT ON COLUMN @extschema@.insight_review_sources.registered_at IS 'When the source was registered.';
COMMENT ON COLUMN @extschema@.insight_review_sources.registered_by IS 'The role that registered it.';

SELECT pg_catalog.pg_extension_config_dump('@extschema@.insight_review_sources', '');

CREATE FUNCTION @extschema@.insight_reviews_default_options()
RETURNS jsonb
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$ SELECT '{"label": "binary", "positive_min": 4, "negative_max": 2}'::pg_catalog.jsonb $$;

COMMENT ON FUNCTION @extschema@.insight_reviews_default_options() IS
'Default label options of insight_register_reviews: label ("binary": the label column is boolean, or a number whose values are 1 = positive and 0 = negative; "rating": the label column is a rating, positive when >= positive_min, negative when <= negative_max, left out of training (positive NULL) in between), positive_min (4), negative_max (2): on a 1-5 star scale, 4 and 5 are positive, 1 and 2 negative, 3 is left out.';

-- Validate the options against the defaults and return them complete.
CREATE FUNCTION @extschema@.insight_reviews_options(options jsonb)
RETURNS jsonb
LANGUAGE plpgsql STABLE
AS $$
DECLARE
    defaults pg_catalog.jsonb := @extschema@.insight_reviews_default_options();
    merged pg_catalog.jsonb;
    key pg_catalog.text;
BEGIN
    IF options IS NULL THEN
        options := '{}';
    END IF;
    IF pg_catalog.jsonb_typeof(options) OPERATOR(pg_catalog.<>) 'object' THEN
        RAISE EXCEPTION 'options must be a JSON object' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    FOR key IN SELECT pg_catalog.jsonb_object_keys(options) LOOP
        IF NOT defaults OPERATOR(pg_catalog.?) key THEN
            RAISE EXCEPTION 'unrecognized review source option "%"', key
                USING ERRCODE = 'invalid_parameter_value',
                      HINT = 'Valid options are: label, positive_min, negative_max.';
        END IF;
    END LOOP;
    merged := defaults OPERATOR(pg_catalog.||) options;
    IF NOT (merged OPERATOR(pg_catalog.->>) 'label') OPERATOR(pg_catalog.=) ANY ('{binary,rating}')
       OR pg_catalog.jsonb_typeof(merged OPERATOR(pg_catalog.->) 'label') OPERATOR(pg_catalog.<>) 'string' THEN
        RAISE EXCEPTION 'option "label" must be "binary" or "rating"' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF pg_catalog.jsonb_typeof(merged OPERATOR(pg_catalog.->) 'positive_min') OPERATOR(pg_catalog.<>) 'number'
       OR pg_catalog.jsonb_typeof(merged OPERATOR(pg_catalog.->) 'negative_max') OPERATOR(pg_catalog.<>) 'number' THEN
        RAISE EXCEPTION 'options "positive_min" and "negative_max" must be numbers' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF (merged OPERATOR(pg_catalog.->>) 'negative_max')::pg_catalog.float8
       OPERATOR(pg_catalog.>=) (merged OPERATOR(pg_catalog.->>) 'positive_min')::pg_catalog.float8 THEN
        RAISE EXCEPTION 'option "negative_max" must be less than "positive_min"'
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = pg_catalog.format('negative_max is %s and positive_min is %s.',
                                             merged OPERATOR(pg_catalog.->>) 'negative_max', merged OPERATOR(pg_catalog.->>) 'positive_min');
    END IF;
    RETURN merged;
END
$$;

COMMENT ON FUNCTION @extschema@.insight_reviews_options(jsonb) IS
'Validate the options of insight_register_reviews and return them completed with insight_reviews_default_options() (NULL counts as {}). Errors (22023): not a JSON object, an unknown option, label other than "binary" or "rating", positive_min or negative_max not a number, negative_max >= positive_min.';

CREATE FUNCTION @extschema@.insight_register_reviews(
    source regclass,
    text_column name,
    label_column name,
    customer_column name DEFAULT NULL,
    item_column name DEFAULT NULL,
    time_column name DEFAULT NULL,
    options jsonb DEFAULT '{}')
RETURNS void
LANGUAGE plpgsql
AS $$
DECLARE
    full_options pg_catalog.jsonb;
    typ pg_catalog.regtype;
    bad pg_catalog.text;
BEGIN
    IF source IS NULL OR text_column IS NULL OR label_column IS NULL THEN
        RAISE EXCEPTION 'source, text_column and label_column must not be NULL'
            USING ERRCODE = 'null_value_not_allowed';
    END IF;
    IF NOT (SELECT c.relkind FROM pg_catalog.pg_class c WHERE c.oid OPERATOR(pg_catalog.=) source)
           OPERATOR(pg_catalog.=) ANY ('{r,p,v,m,f}') THEN
        RAISE EXCEPTION '% is not a table, view, materialized view or foreign table', source
            USING ERRCODE = 'wrong_object_type';
    END IF;
    full_options := @extschema@.insight_reviews_options(options);

    typ := @extschema@.insight_source_column(source, text_column, 'text', 'any');
    IF NOT typ OPERATOR(pg_catalog.=) ANY (ARRAY['pg_catalog.text', 'pg_catalog.varchar', 'pg_catalog.bpchar']::pg_catalog.regtype[]) THEN
        RAISE EXCEPTION 'column "%" of relation % has type %, which cannot be the text column', text_column, source, typ
            USING ERRCODE = 'datatype_mismatch',
                  HINT = 'Use a text, varchar or char column.';
    END IF;
    typ := @extschema@.insight_source_column(source, label_column, 'label', 'any');
    IF typ OPERATOR(pg_catalog.=) 'pg_catalog.bool'::pg_catalog.regtype THEN
        IF full_options OPERATOR(pg_catalog.->>) 'label' OPERATOR(pg_catalog.=) 'rating' THEN
            RAISE EXCEPTION 'a boolean column cannot hold a rating'
                USING ERRCODE = 'datatype_mismatch',
                      DETAIL = pg_catalog.format('Column "%s" of relation %s is boolean and the option label is "rating".', label_column, source),
                      HINT = 'Leave out the option label for a boolean label column.';
        END IF;
    ELSE
        -- a number, or the type error of insight_source_column
        PERFORM @extschema@.insight_source_column(source, label_column, 'label', 'number');
        IF full_options OPERATOR(pg_catalog.->>) 'label' OPERATOR(pg_catalog.=) 'binary' THEN
            EXECUTE pg_catalog.format('SELECT (s.%1$I)::pg_catalog.text FROM %2$s s WHERE s.%1$I IS NOT NULL AND s.%1$I OPERATOR(pg_catalog.<>) 0 AND s.%1$I OPERATOR(pg_catalog.<>) 1 LIMIT 1',
                                      label_column, source) INTO bad;
            IF bad IS NOT NULL THEN
                RAISE EXCEPTION 'label column "%" of relation % holds a value other than 0 and 1', label_column, source
                    USING ERRCODE = 'invalid_parameter_value',
                          DETAIL = pg_catalog.format('It holds %s.', bad),
                          HINT = 'For a rating, pass options => ''{"label": "rating"}'' (positive from positive_min, negative up to negative_max).';
            END IF;
        END IF;
    END IF;
    IF customer_column IS NOT NULL THEN
        PERFORM @extschema@.insight_source_column(source, customer_column, 'customer', 'key');
    END IF;
    IF item_column IS NOT NULL THEN
        PERFORM @extschema@.insight_source_column(source, item_column, 'item', 'key');
    END IF;
    IF time_column IS NOT NULL THEN
        PERFORM @extschema@.insight_source_column(source, time_column, 'time', 'time');
    END IF;

    -- one registration: a new one replaces the old
    DELETE FROM @extschema@.insight_review_sources;
    INSERT INTO @extschema@.insight_review_sources
        (source, text_column, label_column, customer_column, item_column, time_column, options)
    VALUES (source, text_column, label_column, customer_column, item_column, time_column, full_options);
END
$$;

COMMENT ON FUNCTION @extschema@.insight_register_reviews(regclass, name, name, name, name, name, jsonb) IS
'Register the shop''s reviews (replacing an earlier registration): text_column (text, varchar or char), label_column (boolean or 1/0 number with the default options; a rating with options {"label": "rating"}: positive when >= positive_min (4), negative when <= negative_max (2), left out of training in between), and optionally customer_column, item_column (integer, numeric, text or uuid) and time_column (timestamptz, timestamp or date, read as UTC). The view insight_reviews shows the rows. Errors: 42P01 unknown relation, 42809 not a relation, 42703 missing column, 42804 unusable column type, 42501 no SELECT privilege on a column, 22023 bad option or a binary label other than 0 and 1, 22004 a required argument NULL.';

-- The rows of the registered source, keys as text; its query is built from
-- the registration at every call and runs with the caller's privileges.
CREATE FUNCTION @extschema@.insight_review_rows()
RETURNS TABLE (customer_id text, item_id text, reviewed_at timestamptz,
               review text, rating float8, positive boolean)
LANGUAGE plpgsql STABLE PARALLEL RESTRICTED  -- reads the source through EXECUTE
AS $$
DECLARE
    r @extschema@.insight_review_sources;
    time_type pg_catalog.regtype;
    c_time pg_catalog.text := 'NULL::pg_catalog.timestamptz';
    c_rating pg_catalog.text := 'NULL::pg_catalog.float8';
    c_positive pg_catalog.text;
BEGIN
    SELECT * INTO r FROM @extschema@.insight_review_sources;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'no review source is registered'
            USING ERRCODE = 'undefined_object',
                  HINT = 'Register the reviews with insight_register_reviews(source, text_column, label_column, ...).';
    END IF;
    IF r.time_column IS NOT NULL THEN
        time_type := @extschema@.insight_source_column(r.source, r.time_column, 'time', 'time');
        c_time := CASE time_type
            WHEN 'pg_catalog.timestamptz'::pg_catalog.regtype THEN pg_catalog.format('s.%I', r.time_column)
            WHEN 'pg_catalog.timestamp'::pg_catalog.regtype THEN pg_catalog.format('(s.%I AT TIME ZONE ''UTC'')', r.time_column)
            ELSE pg_catalog.format('((s.%I)::pg_catalog.timestamp AT TIME ZONE ''UTC'')', r.time_column) END;
    END IF;
    IF r.options OPERATOR(pg_catalog.->>) 'label' OPERATOR(pg_catalog.=) 'rating' THEN
        c_rating := pg_catalog.format('(s.%I)::pg_catalog.float8', r.label_column);
        c_positive := pg_catalog.format(
            'CASE WHEN s.%1$I OPERATOR(pg_catalog.>=) %2$s THEN true WHEN s.%1$I OPERATOR(pg_catalog.<=) %3$s THEN false END',
            r.label_column, (r.options OPERATOR(pg_catalog.->>) 'positive_min')::pg_catalog.numeric,
            (r.options OPERATOR(pg_catalog.->>) 'negative_max')::pg_catalog.numeric);
    ELSIF @extschema@.insight_source_column(r.source, r.label_column, 'label', 'any') OPERATOR(pg_catalog.=) 'pg_catalog.bool'::pg_catalog.regtype THEN
        c_positive := pg_catalog.format('s.%I', r.label_column);
    ELSE
        c_positive := pg_catalog.format(
            'CASE WHEN s.%1$I OPERATOR(pg_catalog.=) 1 THEN true WHEN s.%1$I OPERATOR(pg_catalog.=) 0 THEN false END', r.label_column);
    END IF;
    RETURN QUERY EXECUTE pg_catalog.format(
        'SELECT %s, %s, %s, (s.%I)::pg_catalog.text, %s, %s FROM %s s',
        CASE WHEN r.customer_column IS NULL THEN 'NULL::pg_catalog.text'
             ELSE pg_catalog.format('(s.%I)::pg_catalog.text', r.customer_column) END,
        CASE WHEN r.item_column IS NULL THEN 'NULL::pg_catalog.text'
             ELSE pg_catalog.format('(s.%I)::pg_catalog.text', r.item_column) END,
        c_time, r.text_column, c_rating, c_positive, r.source);
END
$$;

COMMENT ON FUNCTION @extschema@.insight_review_rows() IS
'The rows of the registered review source (the body of the view insight_reviews): keys as text, time as timestamptz (UTC for timestamp and date columns), the text, the rating (NULL unless the option label is "rating") and the label positive (true, false, or NULL for a rating between negative_max and positive_min or a NULL label). Its query is built from insight_review_sources at every call and runs with the caller''s privileges (42501 without SELECT on the source). Raises "no review source is registered" (42704) before a registration.';

CREATE VIEW @extschema@.insight_reviews WITH (security_invoker = true) AS
    SELECT * FROM @extschema@.insight_review_rows();

COMMENT ON VIEW @extschema@.insight_reviews IS
'The reviews of the registered source (insight_register_reviews), one row per row of the source, read with the caller''s privileges (security_invoker).';
COMMENT ON COLUMN @extschema@.insight_reviews.customer_id IS 'The customer who wrote the review, as text; NULL when the source has no customer column.';
COMMENT ON COLUMN @extschema@.insight_reviews.item_id IS 'The item (or category) reviewed, as text; NULL when the source has no item column.';
COMMENT ON COLUMN @extschema@.insight_reviews.reviewed_at IS 'When the review was written (timestamptz; timestamp and date columns read as UTC); NULL when the source has no time column.';
COMMENT ON COLUMN @extschema@.insight_reviews.review IS 'The review''s text; NULL texts are kept here and skipped (and counted) by training and scoring.';
COMMENT ON COLUMN @extschema@.insight_reviews.rating IS 'The rating as float8 when the option label is "rating"; NULL otherwise.';
COMMENT ON COLUMN @extschema@.insight_reviews.positive IS 'The label: true positive, false negative, NULL left out of training (a rating strictly between negative_max and positive_min, or no label).';
