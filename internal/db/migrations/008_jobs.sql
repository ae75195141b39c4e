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
