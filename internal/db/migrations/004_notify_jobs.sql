-- 004_notify_jobs.sql: reserved for package notify (SMS outbox); its issue fills this in.
SELECT 1;
