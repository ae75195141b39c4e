-- 032_outbox_cap_idx.sql: the outbox's daily cap counts a phone's care messages due in a
-- local day that were not suppressed, expired or failed (notify: Enqueue, EnqueueMany).
-- sms_outbox_phone_idx (to_phone, created_at) made that count read every row ever stored for
-- the phone, the suppressed ones included: for a key shipper's phone on a first slow
-- sign-off run, 15,800 rows per batch (BENCHMARKS.md, "Slow sign-off job"). This index holds
-- only the rows the cap counts, by due time, so a count reads at most the day's few.
CREATE INDEX sms_outbox_cap_idx ON sms_outbox (to_phone, next_attempt_at)
    WHERE care AND status NOT IN ('suppressed', 'expired', 'failed');
