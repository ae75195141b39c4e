-- 022: placeholder so this branch's migrations stay contiguous (tern refuses a gap).
-- Migration 022 belongs to the "value" branch (022_value.sql): delete this file when
-- merging that one. It changes nothing.
SELECT 1;
