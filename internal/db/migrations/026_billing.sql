-- 026_billing.sql: money owed and paid. Monthly statements (对账单) per shipper, the lines
-- they billed (kept, so a closed statement never changes when a charge is corrected later:
-- the difference is billed on the next statement as an adjustment), compensation credited,
-- payments and how each payment was applied to statements. Amounts are integer fen.

-- A month (local month in the service zone) whose statements have all been closed.
CREATE TABLE billing_months (
    period_start timestamptz PRIMARY KEY,
    period_end   timestamptz NOT NULL,
    closed_at    timestamptz NOT NULL,
    statements   integer NOT NULL
);

-- One statement per shipper and month: the unique key is what makes a re-run, or two
-- instances closing at once, close a month once.
CREATE TABLE statements (
    id                   bigserial PRIMARY KEY,
    number               text NOT NULL UNIQUE,             -- e.g. ACME-202611
    shipper_id           bigint NOT NULL REFERENCES shippers (id),
    period_start         timestamptz NOT NULL,
    period_end           timestamptz NOT NULL,
    closed_at            timestamptz NOT NULL,
    due_at               timestamptz NOT NULL,              -- period_end + payment terms
    payment_terms_days   integer NOT NULL,
    shipments            bigint NOT NULL DEFAULT 0,         -- shipments created in the period
    unknown_charges      bigint NOT NULL DEFAULT 0,         -- of those, without a freight charge
    freight_fen          bigint NOT NULL DEFAULT 0,
    surcharge_fen        bigint NOT NULL DEFAULT 0,
    adjustment_fen       bigint NOT NULL DEFAULT 0,         -- corrections of earlier months' charges
    adjustments          bigint NOT NULL DEFAULT 0,
    compensation_fen     bigint NOT NULL DEFAULT 0,         -- credited (a positive number)
    compensations        bigint NOT NULL DEFAULT 0,
    carried_in_fen       bigint NOT NULL DEFAULT 0,         -- credit brought from the previous statement
    total_due_fen        bigint NOT NULL DEFAULT 0,         -- negative: a credit carried forward
    UNIQUE (shipper_id, period_start)
);
CREATE INDEX statements_due_idx ON statements (due_at);

-- What each statement billed per shipment: the shipment's charges for a shipment of the
-- month; for an adjustment, the difference between the charges now and what earlier
-- statements billed. No foreign keys: their per-row checks were 70 % of a month's close
-- (measured at 50,000 lines: 4.1 s of 5.8 s); the close writes the lines from shipments in
-- the transaction that creates their statement, and neither is ever deleted.
CREATE TABLE statement_lines (
    statement_id  bigint NOT NULL,
    shipment_id   bigint NOT NULL,
    adjustment    boolean NOT NULL,
    unknown       boolean NOT NULL,                         -- freight_fen was NULL
    freight_fen   bigint NOT NULL,
    surcharge_fen bigint NOT NULL,
    PRIMARY KEY (statement_id, shipment_id)
);
CREATE INDEX statement_lines_shipment_idx ON statement_lines (shipment_id);

-- Compensation credited per complaint (by the month it was resolved in); a later change of
-- the amount is credited as the difference on the next statement.
CREATE TABLE statement_credits (
    statement_id     bigint NOT NULL REFERENCES statements (id),
    complaint_id     bigint NOT NULL REFERENCES complaints (id),
    adjustment       boolean NOT NULL,
    compensation_fen bigint NOT NULL,
    PRIMARY KEY (statement_id, complaint_id)
);
CREATE INDEX statement_credits_complaint_idx ON statement_credits (complaint_id);

-- Shipments whose charges (or month) changed, or that were inserted into a month already
-- closed: the next close compares them with what was billed. Written by triggers in the
-- same transaction as the change; the close deletes the rows it has settled.
CREATE TABLE billing_changes (
    shipment_id bigint PRIMARY KEY
);

CREATE FUNCTION billing_mark_shipments() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        -- Only rows created inside a closed month: the normal flow costs one lookup.
        INSERT INTO billing_changes (shipment_id)
        SELECT n.id FROM new_rows n
        WHERE n.created_at < (SELECT max(period_end) FROM billing_months)
        ON CONFLICT DO NOTHING;
    ELSE
        INSERT INTO billing_changes (shipment_id)
        SELECT n.id FROM old_rows o JOIN new_rows n ON n.id = o.id
        WHERE (o.freight_fen, o.surcharge_fen, o.created_at)
              IS DISTINCT FROM (n.freight_fen, n.surcharge_fen, n.created_at)
        ON CONFLICT DO NOTHING;
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER shipments_billing_insert AFTER INSERT ON shipments
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION billing_mark_shipments();
CREATE TRIGGER shipments_billing_update AFTER UPDATE ON shipments
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION billing_mark_shipments();

-- A payment received. The reference is the idempotency key: the same reference twice is
-- one payment.
CREATE TABLE payments (
    id           bigserial PRIMARY KEY,
    reference    text NOT NULL UNIQUE,
    shipper_id   bigint NOT NULL REFERENCES shippers (id),
    statement_id bigint REFERENCES statements (id),         -- NULL: applied to the oldest open ones
    amount_fen   bigint NOT NULL CHECK (amount_fen > 0),
    paid_at      timestamptz NOT NULL,
    source       text NOT NULL CHECK (source IN ('api', 'import')),
    recorded_at  timestamptz NOT NULL
);
CREATE INDEX payments_shipper_idx ON payments (shipper_id, paid_at);

-- How a payment was applied: one row per statement it paid (a payment may be split).
CREATE TABLE payment_allocations (
    payment_id   bigint NOT NULL REFERENCES payments (id),
    statement_id bigint NOT NULL REFERENCES statements (id),
    amount_fen   bigint NOT NULL CHECK (amount_fen > 0),
    paid_at      timestamptz NOT NULL,
    PRIMARY KEY (payment_id, statement_id)
);
CREATE INDEX payment_allocations_statement_idx ON payment_allocations (statement_id);
