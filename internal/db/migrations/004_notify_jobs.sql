-- 004_notify_jobs.sql: reserved for its issue; replace this no-op.
SELECT 1;
