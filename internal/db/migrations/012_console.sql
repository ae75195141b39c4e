-- 012_console.sql: the staff console's contact log (who talked to which customer, how,
-- with what outcome) and indexes for looking a caller up by name.

-- pg_trgm is a trusted contrib extension (PostgreSQL 13+): the database owner may create
-- it. Its GIN indexes serve "name contains" searches of three or more characters.
CREATE EXTENSION IF NOT EXISTS pg_trgm;

-- One row per contact with a customer (a consignee or a shipper), optionally about one
-- complaint. idempotency_key comes from a nonce in the console's form, so a double submit
-- stores one row.
CREATE TABLE contacts (
    id               bigserial PRIMARY KEY,
    consignee_id     bigint REFERENCES consignees (id),
    shipper_id       bigint REFERENCES shippers (id),
    complaint_id     bigint REFERENCES complaints (id),
    user_id          bigint REFERENCES users (id),
    channel          text NOT NULL CHECK (channel IN ('phone', 'sms', 'email', 'wechat', 'visit')),
    direction        text NOT NULL CHECK (direction IN ('inbound', 'outbound')),
    summary          text NOT NULL DEFAULT '',
    outcome          text NOT NULL CHECK (outcome IN ('resolved', 'callback', 'no_answer',
                         'left_message', 'escalated')),
    idempotency_key  text UNIQUE,
    created_at       timestamptz NOT NULL DEFAULT now(),
    CHECK ((consignee_id IS NULL) <> (shipper_id IS NULL))
);
CREATE INDEX contacts_consignee_idx ON contacts (consignee_id, created_at DESC) WHERE consignee_id IS NOT NULL;
CREATE INDEX contacts_shipper_idx ON contacts (shipper_id, created_at DESC) WHERE shipper_id IS NOT NULL;
CREATE INDEX contacts_complaint_idx ON contacts (complaint_id, created_at DESC) WHERE complaint_id IS NOT NULL;

-- Caller lookup by name: consignee names, shipper company and contact names. Trigrams
-- serve "contains" for three or more characters; one or two characters (a surname, most
-- whole Chinese names) match the start of the name through a byte-order ("C") index, which
-- serves both the prefix LIKE and the ORDER BY of the first 20.
CREATE INDEX consignees_name_prefix_idx ON consignees ((name COLLATE "C")) WHERE merged_into IS NULL;
CREATE INDEX consignees_name_trgm_idx ON consignees USING gin (name gin_trgm_ops);
CREATE INDEX shippers_name_trgm_idx ON shippers USING gin (name gin_trgm_ops);
CREATE INDEX shippers_contact_name_trgm_idx ON shippers USING gin (contact_name gin_trgm_ops);
