-- 015_privacy.sql: the consignee as the shipper sent it, kept on each shipment (issue 11).
--
-- Consignees are one record per phone, shared by every shipper: staff see one customer
-- with everything about them. A shipper must see only what it sent itself; reading the
-- shared record back let a shipper learn the name and email another shipper had stored for
-- the same phone. These columns hold the shipper's own values, written when the shipment
-- is created; every shipper-facing view reads them. The phone is kept too, since a merge
-- moves the shipment to a record with another phone.
ALTER TABLE shipments
    ADD COLUMN consignee_name  text NOT NULL DEFAULT '',
    ADD COLUMN consignee_phone text NOT NULL DEFAULT '',
    ADD COLUMN consignee_email text NOT NULL DEFAULT '';

-- Existing shipments: the shared record is the best we know of what was sent.
UPDATE shipments s SET consignee_name = c.name, consignee_phone = c.phone, consignee_email = c.email
FROM consignees c WHERE c.id = s.consignee_id;
