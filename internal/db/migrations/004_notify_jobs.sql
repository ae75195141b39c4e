-- 004_notify_jobs.sql: shipped as a no-op placeholder; databases created then recorded it
-- as applied, so the SMS tables are in 011_notify.sql. Never edit a shipped migration.
SELECT 1;
