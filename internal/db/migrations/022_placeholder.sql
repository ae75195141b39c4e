-- 022_placeholder.sql: empty. Branch "requests" was given migration 025 while 022-024 belong
-- to other branches; tern refuses a gap, so this file stands in for theirs here. Drop it at merge.
SELECT 1;
