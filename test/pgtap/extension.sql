-- pgTAP: the extension's catalog contract.
\set ON_ERROR_STOP 1
\set QUIET 1
\pset format unaligned
\pset tuples_only true
\pset pager off
BEGIN;
SELECT plan(3);
SELECT has_schema('custvalue');
SELECT is((SELECT extrelocatable FROM pg_extension WHERE extname = 'custvalue'), false,
          'custvalue is not relocatable');
SELECT is((SELECT extnamespace::regnamespace::text FROM pg_extension WHERE extname = 'custvalue'),
          'custvalue', 'custvalue installs into schema custvalue');
SELECT * FROM finish();
ROLLBACK;
