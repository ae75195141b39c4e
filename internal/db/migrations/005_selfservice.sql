-- 005_selfservice.sql: what customers do for themselves on the portal: satisfaction survey
-- answers and status SMS subscriptions.

-- One answer per shipment, kept raw (CSAT 1-5, NPS 0-10) so reports can tell merely
-- satisfied from loyal customers. Editable for 24 hours after created_at (enforced by
-- customers.SaveSurvey).
CREATE TABLE surveys (
    id            bigserial PRIMARY KEY,
    shipment_id   bigint NOT NULL UNIQUE REFERENCES shipments (id),
    consignee_id  bigint NOT NULL REFERENCES consignees (id),
    csat          smallint NOT NULL CHECK (csat BETWEEN 1 AND 5),
    nps           smallint NOT NULL CHECK (nps BETWEEN 0 AND 10),
    comment       text NOT NULL DEFAULT '',
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX surveys_created_idx ON surveys (created_at);
CREATE INDEX surveys_consignee_idx ON surveys (consignee_id);

-- Phones that asked for SMS status updates of one shipment (the notify jobs read this).
CREATE TABLE shipment_subscriptions (
    shipment_id  bigint NOT NULL REFERENCES shipments (id),
    phone        text NOT NULL,                      -- E.164
    locale       text NOT NULL DEFAULT 'zh-CN',
    created_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (shipment_id, phone)
);
