-- ---------------------------------------------------------------------------
-- Operations, part 3: the privilege model.  Two group roles (NOLOGIN):
--
--   insight_reader  score and read: SELECT on insight's tables and views,
--                   EXECUTE on every function except those that write.
--                   Scoring reads the caller's own data: insight_sales is a
--                   security_invoker view, so a reader also needs SELECT on
--                   the registered source to get any row of it.
--   insight_admin   everything a reader may, plus register sources, train,
--                   store, activate, roll back and retrain (member of
--                   insight_reader, with write access to insight's tables).
--
-- The functions that write have EXECUTE revoked from PUBLIC.  Every function
-- runs with the caller's rights, except the registration triggers on
-- insight_sales_sources (SECURITY DEFINER with a pinned search_path, set
-- below: they replace the extension's views and functions built for the
-- source's key type, which only the extension's owner may do; they run DDL
-- built from quoted identifiers and literals, and the views they create read
-- with the caller's privileges).  Roles are cluster-wide: they are created
-- here when missing and left in place by DROP EXTENSION.
-- ---------------------------------------------------------------------------

DO $roles$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles r WHERE r.rolname OPERATOR(pg_catalog.=) 'insight_reader') THEN
        CREATE ROLE insight_reader NOLOGIN;
    END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles r WHERE r.rolname OPERATOR(pg_catalog.=) 'insight_admin') THEN
        CREATE ROLE insight_admin NOLOGIN;
    END IF;
    IF NOT pg_catalog.pg_has_role('insight_admin', 'insight_reader', 'MEMBER') THEN
        GRANT insight_reader TO insight_admin;
    END IF;
END
$roles$;

-- the trainers' tables of training rows on the shards (insight_training_table)
GRANT USAGE, CREATE ON SCHEMA insight_scratch TO insight_admin;

-- The functions that change the registry, the sources or the run log.
CREATE FUNCTION @extschema@.insight_writer_functions()
RETURNS SETOF regprocedure
LANGUAGE sql STABLE
AS $$
    SELECT p.oid::pg_catalog.regprocedure
      FROM pg_catalog.pg_proc p
      JOIN pg_catalog.pg_depend d ON d.classid OPERATOR(pg_catalog.=) 'pg_catalog.pg_proc'::pg_catalog.regclass
                                  AND d.objid OPERATOR(pg_catalog.=) p.oid AND d.deptype OPERATOR(pg_catalog.=) 'e'
      JOIN pg_catalog.pg_extension e ON e.oid OPERATOR(pg_catalog.=) d.refobjid AND e.extname OPERATOR(pg_catalog.=) 'insight'
     WHERE p.proname OPERATOR(pg_catalog.=) ANY ('{insight_register_sales,insight_register_reviews,insight_store_model,insight_activate,insight_rollback,insight_retrain,insight_retrain_one,insight_close_lost_runs,insight_lock_task,insight_apply_privileges}')
        OR p.proname OPERATOR(pg_catalog.~) '^insight_train_'
        OR (p.proname OPERATOR(pg_catalog.~) '^insight_retrain_'
            AND p.proname OPERATOR(pg_catalog.<>) 'insight_retrain_plan')
     ORDER BY p.oid::pg_catalog.regprocedure::pg_catalog.text
$$;

COMMENT ON FUNCTION @extschema@.insight_writer_functions() IS
'The functions of insight that write (register a source (sales or reviews), store, train, activate, roll back, retrain): EXECUTE on them is revoked from PUBLIC and granted to insight_admin.';

-- Apply the privilege model to every object of the extension; run at
-- CREATE EXTENSION, and again by the registration trigger for the view it
-- recreates.  Idempotent.
CREATE FUNCTION @extschema@.insight_apply_privileges()
RETURNS void
LANGUAGE plpgsql
AS $$
DECLARE
    obj record;
BEGIN
    FOR obj IN
        SELECT c.oid::pg_catalog.regclass AS rel, c.relkind
          FROM pg_catalog.pg_class c
          JOIN pg_catalog.pg_depend d ON d.classid OPERATOR(pg_catalog.=) 'pg_catalog.pg_class'::pg_catalog.regclass
                                      AND d.objid OPERATOR(pg_catalog.=) c.oid AND d.deptype OPERATOR(pg_catalog.=) 'e'
          JOIN pg_catalog.pg_extension e ON e.oid OPERATOR(pg_catalog.=) d.refobjid AND e.extname OPERATOR(pg_catalog.=) 'insight'
         WHERE c.relkind OPERATOR(pg_catalog.=) ANY ('{r,v,m,p,S}')
    LOOP
        IF obj.relkind OPERATOR(pg_catalog.=) 'S' THEN
            EXECUTE pg_catalog.format('GRANT USAGE, SELECT ON SEQUENCE %s TO insight_admin', obj.rel);
        ELSE
            EXECUTE pg_catalog.format('GRANT SELECT ON %s TO insight_reader', obj.rel);
            IF obj.relkind OPERATOR(pg_catalog.=) ANY ('{r,p}') THEN
                EXECUTE pg_catalog.format('GRANT INSERT, UPDATE, DELETE ON %s TO insight_admin', obj.rel);
            END IF;
        END IF;
    END LOOP;
    FOR obj IN SELECT f AS fn FROM @extschema@.insight_writer_functions() f LOOP
        EXECUTE pg_catalog.format('REVOKE EXECUTE ON ROUTINE %s FROM PUBLIC', obj.fn);
        EXECUTE pg_catalog.format('GRANT EXECUTE ON ROUTINE %s TO insight_admin', obj.fn);
    END LOOP;
END
$$;

COMMENT ON FUNCTION @extschema@.insight_apply_privileges() IS
'Grant insight''s privilege model on every object of the extension: SELECT on tables and views to insight_reader; INSERT, UPDATE, DELETE on tables and USAGE on sequences to insight_admin; EXECUTE on the writing functions (insight_writer_functions()) to insight_admin only. Run by CREATE EXTENSION and by every registration; run it again after adding objects by hand.';

-- After every registration, once the other triggers (fired in name order)
-- have rebuilt their objects: the rebuilt views get their grants again.
CREATE FUNCTION @extschema@.insight_sales_sources_privileges()
RETURNS trigger
LANGUAGE plpgsql
AS $$
BEGIN
    PERFORM @extschema@.insight_apply_privileges();
    RETURN NULL;
END
$$;

COMMENT ON FUNCTION @extschema@.insight_sales_sources_privileges() IS
'Trigger function on insight_sales_sources (AFTER INSERT OR UPDATE, fired last): runs insight_apply_privileges() so that the views rebuilt by the registration get their grants again.';

CREATE TRIGGER insight_sales_sources_zz_privileges
    AFTER INSERT OR UPDATE ON @extschema@.insight_sales_sources
    FOR EACH ROW EXECUTE FUNCTION @extschema@.insight_sales_sources_privileges();

-- The registration triggers run as the extension's owner.
DO $definer$
DECLARE
    fn pg_catalog.regprocedure;
BEGIN
    FOR fn IN SELECT DISTINCT t.tgfoid::pg_catalog.regprocedure FROM pg_catalog.pg_trigger t
               WHERE t.tgrelid OPERATOR(pg_catalog.=) '@extschema@.insight_sales_sources'::pg_catalog.regclass
                 AND NOT t.tgisinternal
    LOOP
        EXECUTE pg_catalog.format('ALTER FUNCTION %s SECURITY DEFINER SET search_path = pg_catalog, pg_temp', fn);
    END LOOP;
END
$definer$;

SELECT @extschema@.insight_apply_privileges();
