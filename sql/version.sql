-- The extension installs, and the SQL and C sides agree on the version.
\i test/regress/setup.sql

SELECT extversion = tape.version() AS versions_agree,
       extversion ~ '^\d+\.\d+\.\d+$' AS semantic_version
  FROM pg_extension WHERE extname = 'tape';

-- what the extension owns
SELECT pg_describe_object(classid, objid, 0) AS object
  FROM pg_depend
 WHERE refclassid = 'pg_extension'::regclass
   AND refobjid = (SELECT oid FROM pg_extension WHERE extname = 'tape')
   AND deptype = 'e'
 ORDER BY 1;

-- every function is documented
SELECT p.oid::regprocedure AS undocumented
  FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
 WHERE n.nspname = 'tape' AND obj_description(p.oid, 'pg_proc') IS NULL;

-- the foreign data wrapper
SELECT fdwname, fdwhandler::regproc, fdwvalidator::regproc
  FROM pg_foreign_data_wrapper WHERE fdwname = 'polygon_fdw';

-- how each function is marked: volatility, parallel safety, strictness
SELECT p.oid::regprocedure AS function, p.prokind AS kind,
       CASE p.provolatile WHEN 'i' THEN 'immutable' WHEN 's' THEN 'stable' ELSE 'volatile' END AS volatility,
       CASE p.proparallel WHEN 's' THEN 'safe' WHEN 'r' THEN 'restricted' ELSE 'unsafe' END AS parallel,
       p.proisstrict AS strict
  FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
 WHERE n.nspname = 'tape'
 ORDER BY p.oid::regprocedure::text;
