-- 006_console.sql: shipped as a no-op placeholder; databases created then recorded it
-- as applied, so the console tables are in 012_console.sql. Never edit a shipped migration.
SELECT 1;
