-- 023_console.sql: the console as a team uses it all day.
--
-- Timeline entries and notifications carry a code and its data (jsonb) so the console
-- writes them in the viewer's language at view time; the old English text stays as the
-- fallback for rows written before (code '' / data '{}').
-- complaint_presence says who has a complaint open right now (a short TTL: rows older than
-- complaints.PresenceTTL are ignored, and overwritten on the next view).

ALTER TABLE complaint_entries
    ADD COLUMN code text NOT NULL DEFAULT '',
    ADD COLUMN data jsonb NOT NULL DEFAULT '{}';

ALTER TABLE notifications
    ADD COLUMN data jsonb NOT NULL DEFAULT '{}';

CREATE INDEX notifications_unread_idx ON notifications (user_id, created_at DESC) WHERE read_at IS NULL;

CREATE TABLE complaint_presence (
    complaint_id bigint NOT NULL REFERENCES complaints (id) ON DELETE CASCADE,
    user_id      bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    seen_at      timestamptz NOT NULL,
    PRIMARY KEY (complaint_id, user_id)
);

-- The caller lookup finds people by the last 4 digits of their phone (narrowed by name or
-- city): customers.Search reads these.
CREATE INDEX consignees_phone_last4_idx ON consignees (right(phone, 4)) WHERE merged_into IS NULL;
CREATE INDEX shippers_phone_last4_idx ON shippers (right(phone, 4)) WHERE phone <> '';
