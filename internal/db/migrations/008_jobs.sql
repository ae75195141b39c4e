-- 008_jobs.sql: scheduled job history and the slow sign-off watch list (package jobs).

-- One row per run of a scheduled job, whichever instance ran it.
CREATE TABLE job_runs (
    id          bigserial PRIMARY KEY,
    job         text NOT NULL,
    trigger     text NOT NULL DEFAULT 'schedule' CHECK (trigger IN ('schedule', 'manual', 'cli')),
    instance    text NOT NULL DEFAULT '',
    started_at  timestamptz NOT NULL DEFAULT now(),
    finished_at timestamptz,
    status      text NOT NULL DEFAULT 'running' CHECK (status IN ('running', 'ok', 'failed', 'skipped')),
    items       integer NOT NULL DEFAULT 0,
    error       text NOT NULL DEFAULT ''
);
CREATE INDEX job_runs_job_idx ON job_runs (job, started_at DESC);

-- A shipment flagged by the slow sign-off detector, once per reason. The reports read
-- this table for the slow sign-off KPIs and the workbook's Slow sign-offs sheet.
CREATE TABLE slow_signoffs (
    id             bigserial PRIMARY KEY,
    shipment_id    bigint NOT NULL REFERENCES shipments (id),
    reason         text NOT NULL CHECK (reason IN ('out_for_delivery', 'at_station', 'past_promise')),
    -- since is when the clock started (out for delivery, arrival at the station, or the
    -- promised time); lag is flagged_at - since; window is the allowance that was exceeded.
    since          timestamptz NOT NULL,
    flagged_at     timestamptz NOT NULL DEFAULT now(),
    lag            interval NOT NULL,
    window_allowed interval NOT NULL,
    service_level  text NOT NULL,
    shipper_tier   text NOT NULL,
    -- alerted_at: a supervisor was alerted at twice the window; cleared_at: delivered.
    alerted_at     timestamptz,
    cleared_at     timestamptz,
    UNIQUE (shipment_id, reason)
);
CREATE INDEX slow_signoffs_open_idx ON slow_signoffs (flagged_at) WHERE cleared_at IS NULL;
CREATE INDEX slow_signoffs_flagged_idx ON slow_signoffs (flagged_at);

-- Scheduled runs claim their slot (the minute cron fired them for): a second instance that
-- fires for the same slot finds the row and does not run the job again.
ALTER TABLE job_runs ADD COLUMN slot timestamptz;
CREATE UNIQUE INDEX job_runs_slot_idx ON job_runs (job, slot) WHERE slot IS NOT NULL;

-- How long a parcel may stay out for delivery, or at its destination station, before the
-- slow sign-off detector flags it, per service level and shipper tier. past_promise_alert
-- is how late past the promised time a supervisor is alerted (the other two reasons alert
-- at twice their window).
CREATE TABLE signoff_windows (
    service_level       text NOT NULL CHECK (service_level IN ('standard', 'express', 'same_day')),
    tier                text NOT NULL CHECK (tier IN ('key', 'regular', 'small')),
    out_for_delivery    interval NOT NULL CHECK (out_for_delivery > '0'),
    at_station          interval NOT NULL CHECK (at_station > '0'),
    past_promise_alert  interval NOT NULL CHECK (past_promise_alert > '0'),
    PRIMARY KEY (service_level, tier)
);
INSERT INTO signoff_windows VALUES
    ('standard', 'key',     '3 hours',    '18 hours', '12 hours'),
    ('standard', 'regular', '4 hours',    '24 hours', '24 hours'),
    ('standard', 'small',   '4 hours',    '24 hours', '24 hours'),
    ('express',  'key',     '2 hours',    '8 hours',  '6 hours'),
    ('express',  'regular', '3 hours',    '12 hours', '12 hours'),
    ('express',  'small',   '3 hours',    '12 hours', '12 hours'),
    ('same_day', 'key',     '90 minutes', '4 hours',  '3 hours'),
    ('same_day', 'regular', '2 hours',    '6 hours',  '6 hours'),
    ('same_day', 'small',   '2 hours',    '6 hours',  '6 hours');

-- The detector's two clocks, each over parcels still on the road only: a run reads the
-- parcels whose clock is older than the shortest window, not every open parcel.
CREATE INDEX shipments_ofd_open_idx ON shipments (out_for_delivery_at)
    WHERE out_for_delivery_at IS NOT NULL AND status NOT IN ('delivered', 'returned');
CREATE INDEX shipments_station_open_idx ON shipments (arrived_at_station_at)
    WHERE arrived_at_station_at IS NOT NULL AND out_for_delivery_at IS NULL
      AND status NOT IN ('delivered', 'returned');
CREATE INDEX slow_signoffs_shipment_idx ON slow_signoffs (shipment_id) WHERE cleared_at IS NULL;

-- Work the jobs hand to staff: a supervisor alert for a parcel at twice its window, a
-- win-back call to a key shipper gone quiet. key makes each task once.
CREATE TABLE staff_tasks (
    id           bigserial PRIMARY KEY,
    key          text NOT NULL UNIQUE,
    kind         text NOT NULL CHECK (kind IN ('slow_signoff', 'winback')),
    shipper_id   bigint REFERENCES shippers (id),
    shipment_id  bigint REFERENCES shipments (id),
    text         text NOT NULL,
    created_at   timestamptz NOT NULL,
    done_at      timestamptz,
    done_by      bigint REFERENCES users (id)
);
CREATE INDEX staff_tasks_open_idx ON staff_tasks (created_at) WHERE done_at IS NULL;

-- Care messages already handed to the outbox (kind, shipment or complaint id, round: the
-- complaint's reopen_count, 0 for surveys): the flag a care job writes in the same
-- transaction as the message, so each is sent once.
CREATE TABLE care_sent (
    kind        text NOT NULL CHECK (kind IN ('survey', 'complaint_followup')),
    subject_id  bigint NOT NULL,
    round       integer NOT NULL DEFAULT 0,
    message_id  bigint NOT NULL,
    at          timestamptz NOT NULL,
    PRIMARY KEY (kind, subject_id, round)
);

-- Days key shippers get a greeting (date in LCRM_TIMEZONE).
CREATE TABLE greeting_days (
    day      date PRIMARY KEY,
    name_zh  text NOT NULL,
    name_en  text NOT NULL
);
INSERT INTO greeting_days VALUES
    ('2026-10-01', '国庆节', 'National Day'),
    ('2027-01-01', '元旦', 'New Year''s Day'),
    ('2027-02-06', '春节', 'Spring Festival'),
    ('2027-02-20', '元宵节', 'Lantern Festival'),
    ('2027-06-09', '端午节', 'Dragon Boat Festival'),
    ('2027-09-15', '中秋节', 'Mid-Autumn Festival'),
    ('2027-10-01', '国庆节', 'National Day');
