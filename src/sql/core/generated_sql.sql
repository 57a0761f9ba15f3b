-- ---------------------------------------------------------------------------
-- Generated SQL: the one helper that fills a template.
--
-- insight generates SQL only where a registered source forces it: the
-- objects rebuilt at registration name the source's relation and columns and
-- keep its key types (insight_sales_rows, the features functions, the RFM,
-- CLV and churn objects).  Every such statement is a template with named
-- placeholders, written out in full where it is used, filled by
-- insight_fill_sql; everything else is plain SQL and PL/pgSQL.
-- ---------------------------------------------------------------------------

-- Placeholders are %(name)s (the value as it is: a qualified type name, an
-- SQL expression built from quoted parts), %(name)I (quoted as an
-- identifier, as format's %I) and %(name)L (quoted as a literal, as
-- format's %L; NULL gives NULL).  A value is filled in once and never scanned
-- again, so a value that contains a placeholder stays as it is.
CREATE FUNCTION @extschema@.insight_fill_sql(template text, args jsonb)
RETURNS text
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE
AS $$
DECLARE
    pattern CONSTANT pg_catalog.text := '%\(([a-z0-9_]+)\)([sIL])';
    pieces pg_catalog.text[] := pg_catalog.regexp_split_to_array(template, pattern);
    result pg_catalog.text := pieces[1];
    p record;
    value pg_catalog.text;
BEGIN
    FOR p IN SELECT m[1] AS name, m[2] AS conversion, n
               FROM pg_catalog.regexp_matches(template, pattern, 'g') WITH ORDINALITY AS t(m, n)
    LOOP
        IF NOT args OPERATOR(pg_catalog.?) p.name THEN
            RAISE EXCEPTION 'placeholder "%" of an SQL template has no value', p.name
                USING ERRCODE = 'undefined_parameter',
                      DETAIL = pg_catalog.format('The values given were for: %s.',
                          (SELECT pg_catalog.string_agg(k, ', ' ORDER BY k) FROM pg_catalog.jsonb_object_keys(args) k));
        END IF;
        value := args OPERATOR(pg_catalog.->>) p.name;
        IF value IS NULL AND p.conversion OPERATOR(pg_catalog.<>) 'L' THEN
            RAISE EXCEPTION 'placeholder "%" of an SQL template is null', p.name
                USING ERRCODE = 'null_value_not_allowed',
                      DETAIL = 'Only a %(name)L placeholder may be null; it is filled with NULL.';
        END IF;
        result := result
            OPERATOR(pg_catalog.||) CASE p.conversion WHEN 'I' THEN pg_catalog.quote_ident(value)
                                                     WHEN 'L' THEN pg_catalog.quote_nullable(value)
                                                     ELSE value END
            OPERATOR(pg_catalog.||) pieces[p.n OPERATOR(pg_catalog.+) 1];
    END LOOP;
    RETURN result;
END
$$;

COMMENT ON FUNCTION @extschema@.insight_fill_sql(text, jsonb) IS
'Fill an SQL template: every %(name)s is replaced by args->>name as it is (a qualified type name or an SQL expression built from quoted parts), every %(name)I by that value quoted as an identifier (quote_ident, as format''s %I) and every %(name)L by it quoted as a literal (quote_nullable, as format''s %L: JSON null gives NULL). Values are inserted once, never scanned for placeholders again. Used for the objects rebuilt at registration, the only SQL insight generates. Errors: 42P02 a placeholder without a value in args, 22004 a null value for %(name)s or %(name)I.';
