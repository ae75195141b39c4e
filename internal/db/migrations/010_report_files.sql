-- 010_report_files.sql: KPI workbooks kept by the weekly and monthly jobs (and saved by
-- hand), so managers can download last week's or last month's file from the console.
-- One file per kind and period: a re-run replaces the file.
CREATE TABLE report_files (
    id          bigserial PRIMARY KEY,
    kind        text NOT NULL CHECK (kind IN ('weekly', 'monthly', 'manual')),
    period_from timestamptz NOT NULL,
    period_to   timestamptz NOT NULL CHECK (period_to > period_from),
    zone        text NOT NULL,
    file_name   text NOT NULL,
    content     bytea NOT NULL,
    size        integer NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    UNIQUE (kind, period_from, period_to)
);

CREATE INDEX report_files_created_idx ON report_files (created_at DESC);
