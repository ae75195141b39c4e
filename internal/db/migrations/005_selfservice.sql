-- 005_selfservice.sql: reserved for its issue; replace this no-op.
SELECT 1;
