-- 025_placeholder.sql: empty. Branch "disrupt" was given migration 026 while 025 belongs
-- to other branches; tern refuses a gap, so this file stands in for theirs here. Drop it at merge.
SELECT 1;
