-- 006_console.sql: reserved for its issue; replace this no-op.
SELECT 1;
