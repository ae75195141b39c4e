-- 018_placeholder.sql: stands in for another branch's migration 018 until it lands (drop on merge).
-- tern refuses a step with no SQL, hence the no-op.
SELECT 1;
