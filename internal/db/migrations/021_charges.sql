-- 021_charges.sql: money. A shipment carries what the shipper pays (freight, an optional
-- surcharge) and, when known, what carrying it cost us; a shipper has payment terms and an
-- optional credit limit. Amounts are integer fen (分), never floats. NULL means "not
-- known" (a shipment imported before charges existed, or whose cost is not costed yet),
-- which is not the same as 0 (carried free); reports count the two apart.

ALTER TABLE shipments
    ADD COLUMN freight_fen   bigint CHECK (freight_fen >= 0),
    ADD COLUMN surcharge_fen bigint CHECK (surcharge_fen >= 0),
    ADD COLUMN cost_fen      bigint CHECK (cost_fen >= 0);

ALTER TABLE shippers
    ADD COLUMN payment_terms_days integer NOT NULL DEFAULT 30
        CHECK (payment_terms_days BETWEEN 0 AND 365),
    ADD COLUMN credit_limit_fen   bigint CHECK (credit_limit_fen >= 0);
