-- 017_status_changes.sql: every change of a shipment's status, written in the transaction
-- that changed it (issue 13).
--
-- Status SMS to subscribers and webhooks to shippers both react to a status change. The
-- change is recorded here by the same transaction that stored the event and updated the
-- shipment, so a crash can never lose one or announce one that did not happen. Each
-- consumer marks a change done in its own column, inside the transaction that hands the
-- change on to its own outbox, so each change is handed on exactly once per consumer
-- (a cursor over the id would skip ids that commit out of order).
CREATE TABLE shipment_status_changes (
    id            bigserial PRIMARY KEY,
    shipment_id   bigint NOT NULL REFERENCES shipments(id) ON DELETE CASCADE,
    from_status   text NOT NULL,
    to_status     text NOT NULL,
    -- the event that set to_status, and its time
    event_key     text NOT NULL,
    occurred_at   timestamptz NOT NULL,
    changed_at    timestamptz NOT NULL,
    sms_done_at   timestamptz,
    hooks_done_at timestamptz,
    UNIQUE (shipment_id, to_status, event_key)
);

-- Consumers read what they have not yet handed on, oldest first.
CREATE INDEX shipment_status_changes_sms_todo ON shipment_status_changes (id) WHERE sms_done_at IS NULL;
CREATE INDEX shipment_status_changes_hooks_todo ON shipment_status_changes (id) WHERE hooks_done_at IS NULL;
