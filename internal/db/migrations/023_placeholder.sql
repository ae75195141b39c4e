-- 023_placeholder.sql: empty. Branch "appeals" was given migration 024 while 022 and 023 belong
-- to other branches; tern refuses a gap, so this file stands in for theirs here. Drop it at merge.
SELECT 1;
