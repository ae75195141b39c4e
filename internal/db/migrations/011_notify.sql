-- 011_notify.sql: the SMS outbox, opt-outs and inbound replies (package notify).

-- One row per SMS lcrm ever meant to send. The unique key makes enqueuing idempotent; the
-- body is rendered at enqueue time, so what staff see is exactly what goes out.
CREATE TABLE sms_outbox (
    id               bigserial PRIMARY KEY,
    key              text NOT NULL UNIQUE,
    kind             text NOT NULL,
    to_phone         text NOT NULL,
    locale           text NOT NULL DEFAULT 'zh',
    body             text NOT NULL,
    segments         int NOT NULL DEFAULT 1,
    care             boolean NOT NULL DEFAULT true,  -- care messages obey quiet hours, caps, opt-out
    status           text NOT NULL DEFAULT 'queued'
        CHECK (status IN ('queued','sending','sent','delivered','undelivered','failed','expired','suppressed')),
    suppressed_reason text NOT NULL DEFAULT '',
    attempts         int NOT NULL DEFAULT 0,
    next_attempt_at  timestamptz NOT NULL DEFAULT now(),
    send_by          timestamptz,                    -- freshness: expire rather than send after
    lease_until      timestamptz,
    claimed_at       timestamptz,                    -- start of the current attempt (reconciliation)
    provider_sid     text NOT NULL DEFAULT '',
    error_code       int NOT NULL DEFAULT 0,
    error_message    text NOT NULL DEFAULT '',
    shipment_id      bigint,
    consignee_id     bigint,
    shipper_id       bigint,
    complaint_id     bigint,
    created_at       timestamptz NOT NULL DEFAULT now(),
    sent_at          timestamptz,
    updated_at       timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX sms_outbox_due_idx ON sms_outbox (next_attempt_at) WHERE status IN ('queued','sending');
CREATE INDEX sms_outbox_sid_idx ON sms_outbox (provider_sid) WHERE provider_sid <> '';
CREATE INDEX sms_outbox_phone_idx ON sms_outbox (to_phone, created_at);
CREATE INDEX sms_outbox_shipment_idx ON sms_outbox (shipment_id) WHERE shipment_id IS NOT NULL;
CREATE INDEX sms_outbox_consignee_idx ON sms_outbox (consignee_id) WHERE consignee_id IS NOT NULL;
CREATE INDEX sms_outbox_shipper_idx ON sms_outbox (shipper_id) WHERE shipper_id IS NOT NULL;
CREATE INDEX sms_outbox_complaint_idx ON sms_outbox (complaint_id) WHERE complaint_id IS NOT NULL;

-- Numbers that asked for no care messages. A row present means opted out.
CREATE TABLE sms_optouts (
    phone        text PRIMARY KEY,
    opted_out_at timestamptz NOT NULL DEFAULT now(),
    source       text NOT NULL                       -- 'reply' (STOP/退订/TD), 'twilio_21610', 'staff'
);

-- Replies received on our number, kept for staff to read.
CREATE TABLE sms_inbound (
    id            bigserial PRIMARY KEY,
    provider_sid  text NOT NULL UNIQUE,              -- Twilio retries webhooks: one row per MessageSid
    from_phone    text NOT NULL,
    to_phone      text NOT NULL DEFAULT '',
    body          text NOT NULL,
    action        text NOT NULL DEFAULT '',          -- 'opt_out', 'opt_in' or '' (a plain reply)
    consignee_id  bigint,
    complaint_id  bigint,
    received_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX sms_inbound_from_idx ON sms_inbound (from_phone, received_at);
CREATE INDEX sms_inbound_consignee_idx ON sms_inbound (consignee_id) WHERE consignee_id IS NOT NULL;
