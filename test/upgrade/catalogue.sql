-- Every member object of the extension insight as sorted text lines, by name
-- (never by OID), so that two databases can be compared with diff: an upgraded
-- one and one where the current version was installed fresh.  Used by
-- test/upgrade/upgrade_test.sh.  Lines start with what they describe:
--   member       every object that belongs to the extension
--   extension    version, relocatable, schema
--   config       a table pg_dump dumps (pg_extension_config_dump), its condition
--   function     signature, result, kind, language, volatility, strictness,
--                parallel safety, security, config, cost, rows, ACL, and the md5
--                of the source with its -- comments taken out
--   aggregate    support functions, state type, initial value
--   relation     kind, options, row security, ACL; a view's definition
--   column       position, type, NOT NULL, default, identity, collation, ACL
--   constraint / index / trigger / policy / sequence / type / event_trigger
--   comment      every comment on a member or on a column of one
--   init_privs   the privileges pg_dump treats as the extension's own
--   source_comments  the md5 of a function's source as written (comments
--                included)
-- A difference in init_privs or source_comments lines alone is reported, not
-- failed: a comment inside a function body changes nothing, and privileges
-- granted by an upgrade script are recorded as initial privileges where a
-- fresh installation granted them to the objects the registration rebuilt
-- since (pg_dump and restore give the same objects either way).
\set ON_ERROR_STOP 1
SET search_path = pg_catalog;

CREATE TEMP TABLE members AS
SELECT d.classid, d.objid, pg_describe_object(d.classid, d.objid, 0) AS name
  FROM pg_depend d
  JOIN pg_extension e ON e.oid = d.refobjid
 WHERE d.refclassid = 'pg_extension'::regclass AND d.deptype = 'e' AND e.extname = 'insight';

-- a source without -- comments, trailing blanks and empty lines
CREATE FUNCTION pg_temp.uncommented(src text) RETURNS text LANGUAGE sql IMMUTABLE AS $$
SELECT regexp_replace(regexp_replace(regexp_replace(src, '--[^\n]*', '', 'g'),
                                     '[ \t]+\n', E'\n', 'g'),
                      '\n+', E'\n', 'g') $$;

-- one line each: a view's definition or a comment may span several
SELECT line FROM (
SELECT regexp_replace(line, '\s*\n\s*', ' ', 'g') AS line FROM (
SELECT 'member | ' || name AS line FROM members
UNION ALL
SELECT format('extension | %s | relocatable %s | schema %s', e.extversion, e.extrelocatable,
              e.extnamespace::regnamespace)
  FROM pg_extension e WHERE e.extname = 'insight'
UNION ALL
SELECT format('config | %s | condition %s', c.tab::regclass, c.cond)
  FROM pg_extension e, unnest(e.extconfig, e.extcondition) c(tab, cond) WHERE e.extname = 'insight'
UNION ALL
SELECT format('function | %s | args %s | returns %s | kind %s | language %s | volatile %s | strict %s'
              ' | parallel %s | secdef %s | leakproof %s | cost %s | rows %s | config %s | acl %s'
              ' | support %s | bin %s | source md5 %s',
              m.name, pg_get_function_arguments(p.oid), pg_get_function_result(p.oid), p.prokind,
              l.lanname, p.provolatile, p.proisstrict, p.proparallel, p.prosecdef, p.proleakproof,
              p.procost, p.prorows, p.proconfig, p.proacl, p.prosupport, p.probin,
              md5(pg_temp.uncommented(p.prosrc)))
  FROM members m JOIN pg_proc p ON m.classid = 'pg_proc'::regclass AND p.oid = m.objid
  JOIN pg_language l ON l.oid = p.prolang
UNION ALL
SELECT format('source_comments | %s | %s', m.name, md5(p.prosrc))
  FROM members m JOIN pg_proc p ON m.classid = 'pg_proc'::regclass AND p.oid = m.objid
UNION ALL
SELECT format('aggregate | %s | kind %s | direct args %s | trans %s | final %s | combine %s'
              ' | serial %s | deserial %s | mtrans %s | minvtrans %s | mfinal %s | final extra %s'
              ' | final modify %s | sortop %s | state %s | space %s | init %s | mstate %s | minit %s',
              m.name, a.aggkind, a.aggnumdirectargs, a.aggtransfn::regprocedure,
              a.aggfinalfn::regprocedure, a.aggcombinefn::regprocedure, a.aggserialfn::regprocedure,
              a.aggdeserialfn::regprocedure, a.aggmtransfn::regprocedure,
              a.aggminvtransfn::regprocedure, a.aggmfinalfn::regprocedure, a.aggfinalextra,
              a.aggfinalmodify, a.aggsortop::regoperator, a.aggtranstype::regtype, a.aggtransspace,
              a.agginitval, a.aggmtranstype::regtype, a.aggminitval)
  FROM members m JOIN pg_aggregate a ON m.classid = 'pg_proc'::regclass AND a.aggfnoid = m.objid
UNION ALL
SELECT format('relation | %s | kind %s | persistence %s | options %s | row security %s/%s | acl %s'
              ' | view %s',
              m.name, c.relkind, c.relpersistence, c.reloptions, c.relrowsecurity,
              c.relforcerowsecurity, c.relacl,
              CASE WHEN c.relkind IN ('v', 'm') THEN pg_get_viewdef(c.oid) END)
  FROM members m JOIN pg_class c ON m.classid = 'pg_class'::regclass AND c.oid = m.objid
UNION ALL
SELECT format('column | %s | %s | %s %s | not null %s | default %s | identity %s | generated %s'
              ' | collation %s | acl %s | comment %s',
              c.oid::regclass,
              row_number() OVER (PARTITION BY c.oid ORDER BY a.attnum),
              a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull,
              pg_get_expr(ad.adbin, ad.adrelid), a.attidentity, a.attgenerated,
              CASE WHEN a.attcollation <> 0 THEN a.attcollation::regcollation END, a.attacl,
              col_description(c.oid, a.attnum))
  FROM members m
  JOIN pg_class c ON c.oid = CASE WHEN m.classid = 'pg_class'::regclass THEN m.objid
                                  ELSE (SELECT t.typrelid FROM pg_type t
                                         WHERE m.classid = 'pg_type'::regclass AND t.oid = m.objid) END
  JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
  LEFT JOIN pg_attrdef ad ON ad.adrelid = c.oid AND ad.adnum = a.attnum
UNION ALL
SELECT format('constraint | %s | %s | %s | deferrable %s/%s', m.name, co.conname,
              pg_get_constraintdef(co.oid), co.condeferrable, co.condeferred)
  FROM members m JOIN pg_constraint co
    ON (m.classid = 'pg_class'::regclass AND co.conrelid = m.objid)
    OR (m.classid = 'pg_type'::regclass AND co.contypid = m.objid)
UNION ALL
SELECT format('index | %s | %s', m.name, pg_get_indexdef(i.indexrelid))
  FROM members m JOIN pg_index i ON m.classid = 'pg_class'::regclass AND i.indrelid = m.objid
UNION ALL
SELECT format('trigger | %s | %s | enabled %s', m.name, pg_get_triggerdef(t.oid), t.tgenabled)
  FROM members m JOIN pg_trigger t
    ON m.classid = 'pg_class'::regclass AND t.tgrelid = m.objid AND NOT t.tgisinternal
UNION ALL
SELECT format('policy | %s | %s | %s | permissive %s | roles %s | using %s | check %s', m.name,
              p.polname, p.polcmd, p.polpermissive,
              (SELECT array_agg(CASE WHEN r = 0 THEN 'public' ELSE r::regrole::text END ORDER BY 1)
                 FROM unnest(p.polroles) r),
              pg_get_expr(p.polqual, p.polrelid), pg_get_expr(p.polwithcheck, p.polrelid))
  FROM members m JOIN pg_policy p ON m.classid = 'pg_class'::regclass AND p.polrelid = m.objid
UNION ALL
SELECT format('sequence | %s | %s | start %s | increment %s | min %s | max %s | cache %s | cycle %s',
              m.name, s.seqtypid::regtype, s.seqstart, s.seqincrement, s.seqmin, s.seqmax,
              s.seqcache, s.seqcycle)
  FROM members m JOIN pg_sequence s ON m.classid = 'pg_class'::regclass AND s.seqrelid = m.objid
UNION ALL
SELECT format('type | %s | type %s | base %s | not null %s | default %s | acl %s | labels %s',
              m.name, t.typtype, t.typbasetype::regtype, t.typnotnull, t.typdefault, t.typacl,
              (SELECT array_agg(e.enumlabel ORDER BY e.enumsortorder)
                 FROM pg_enum e WHERE e.enumtypid = t.oid))
  FROM members m JOIN pg_type t ON m.classid = 'pg_type'::regclass AND t.oid = m.objid
UNION ALL
SELECT format('event_trigger | %s | %s | %s | tags %s | enabled %s', m.name, e.evtevent,
              e.evtfoid::regprocedure, e.evttags, e.evtenabled)
  FROM members m JOIN pg_event_trigger e
    ON m.classid = 'pg_event_trigger'::regclass AND e.oid = m.objid
UNION ALL
SELECT format('comment | %s | %s', m.name, d.description)
  FROM members m JOIN pg_description d
    ON d.classoid = m.classid AND d.objoid = m.objid AND d.objsubid = 0
UNION ALL
SELECT format('init_privs | %s | %s | %s', pg_describe_object(i.classoid, i.objoid, i.objsubid),
              i.privtype, i.initprivs)
  FROM members m JOIN pg_init_privs i ON i.classoid = m.classid AND i.objoid = m.objid
) lines
) one_line_each
ORDER BY line COLLATE "C";
