-- 022_appeals.sql: regulator appeals (12305 / 邮政管理部门申诉). The postal regulator
-- forwards a customer's appeal with a reply deadline; the company answers it formally and
-- the regulator later rules whether it was an effective appeal (有效申诉). One appeal per
-- complaint; the regulator's number is unique, so registering it twice is one appeal.
CREATE TABLE appeals (
    id             bigserial PRIMARY KEY,
    complaint_id   bigint NOT NULL UNIQUE REFERENCES complaints (id),
    source         text NOT NULL CHECK (source IN ('hotline_12305', 'web_12305', 'provincial_bureau')),
    appeal_no      text NOT NULL UNIQUE CHECK (appeal_no <> '' AND length(appeal_no) <= 64),
    received_at    timestamptz NOT NULL,
    reply_due      timestamptz NOT NULL CHECK (reply_due > received_at),
    -- Half the reply window used without a formal reply: handed to a manager, once.
    escalated_at   timestamptz,
    escalated_to   bigint REFERENCES users (id),
    replied_at     timestamptz,                       -- the first formal reply
    effective      boolean,                           -- the verdict; NULL: none yet
    verdict_on     date,
    registered_by  bigint REFERENCES users (id),
    created_at     timestamptz NOT NULL,
    updated_at     timestamptz NOT NULL,
    CHECK ((effective IS NULL) = (verdict_on IS NULL))
);
CREATE INDEX appeals_received_idx ON appeals (received_at);
-- The escalation check reads only appeals still waiting for a formal reply.
CREATE INDEX appeals_waiting_idx ON appeals (received_at, reply_due) WHERE replied_at IS NULL AND escalated_at IS NULL;

-- The company's formal replies to the regulator: staff only, never on the customer's pages.
-- idempotency_key comes from a nonce in the console's form: a double submit is one reply.
CREATE TABLE appeal_replies (
    id               bigserial PRIMARY KEY,
    appeal_id        bigint NOT NULL REFERENCES appeals (id),
    idempotency_key  text UNIQUE,
    text             text NOT NULL,
    actor_id         bigint REFERENCES users (id),
    actor            text NOT NULL,
    at               timestamptz NOT NULL
);
CREATE INDEX appeal_replies_appeal_idx ON appeal_replies (appeal_id, at);

-- Attachments of a formal reply (scans, photos, PDF letters). Kept apart from
-- complaint_photos, which the customer's progress page shows.
CREATE TABLE appeal_files (
    id            bigserial PRIMARY KEY,
    reply_id      bigint NOT NULL REFERENCES appeal_replies (id),
    name          text NOT NULL,
    content_type  text NOT NULL CHECK (content_type IN ('image/jpeg', 'image/png', 'image/webp', 'application/pdf')),
    data          bytea NOT NULL CHECK (octet_length(data) <= 5242880),
    created_at    timestamptz NOT NULL
);
CREATE INDEX appeal_files_reply_idx ON appeal_files (reply_id);

-- Timeline kinds of appeals: registration, verdict and escalation ('appeal') and the formal
-- replies ('formal_reply'), never public.
ALTER TABLE complaint_entries DROP CONSTRAINT complaint_entries_kind_check;
ALTER TABLE complaint_entries ADD CONSTRAINT complaint_entries_kind_check CHECK (kind IN ('status',
    'public_reply', 'internal_note', 'customer_message', 'assignment', 'escalation', 'priority',
    'rating', 'resolution', 'appeal', 'formal_reply'));
ALTER TABLE complaint_entries ADD CONSTRAINT complaint_entries_appeal_private
    CHECK (kind NOT IN ('appeal', 'formal_reply') OR NOT public);
