-- pgTAP: the extension's catalog contract.
\set ON_ERROR_STOP 1
\set QUIET 1
\pset format unaligned
\pset tuples_only true
\pset pager off
BEGIN;
SELECT plan(6);
SELECT has_schema('custvalue');
SELECT is((SELECT extrelocatable FROM pg_extension WHERE extname = 'custvalue'), false,
          'custvalue is not relocatable');
SELECT is((SELECT extnamespace::regnamespace::text FROM pg_extension WHERE extname = 'custvalue'),
          'pg_catalog', 'the extension''s own schema is pg_catalog: its script creates schema custvalue');
SELECT ok(EXISTS (SELECT 1 FROM pg_depend d JOIN pg_extension e ON d.refobjid = e.oid
                   WHERE e.extname = 'custvalue' AND d.classid = 'pg_namespace'::regclass
                     AND d.objid = 'custvalue'::regnamespace AND d.deptype = 'e'),
          'schema custvalue is a member of the extension');
SELECT is((SELECT trusted FROM pg_available_extension_versions WHERE name = 'custvalue'), true,
          'custvalue is trusted');
SELECT ok(has_schema_privilege('public', 'custvalue', 'USAGE'), 'PUBLIC may use schema custvalue');
SELECT * FROM finish();
ROLLBACK;
