-- The extension itself: version, its own schema (pg_catalog: the install
-- script creates schema custvalue, which holds every object), settings.
SELECT extname, extversion, extrelocatable, nspname
  FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace
 WHERE extname = 'custvalue';
LOAD 'custvalue';
SHOW custvalue.max_fit_memory;
SET custvalue.max_fit_memory = '32kB';
RESET custvalue.max_fit_memory;
-- the prefix is reserved: a misspelt setting is refused
SET custvalue.max_fit_memroy = 1;
