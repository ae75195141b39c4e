-- 022_placeholder.sql: empty. Branch "disrupt" was given migration 026 while 022-025 belong
-- to other branches; tern refuses a gap, so this file stands in for theirs here. Drop it at merge.
SELECT 1;
