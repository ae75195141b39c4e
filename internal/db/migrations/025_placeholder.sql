-- 025_placeholder.sql: empty. Branch "console" was given migration 028 while 022-027 belong
-- to other branches; tern refuses a gap, so this file stands in for theirs here. Drop it at merge.
SELECT 1;
