-- 002_complaints.sql: complaints with their timeline and photos, the SLA policy and its
-- calendar (business hours, holidays), the escalation ladder's record, in-app notifications,
-- canned replies, and the audit log of staff actions.

-- Complaint references are "C" + yymm + "-" + this number (6 digits, wider past 999999).
CREATE SEQUENCE complaint_ref_seq;

CREATE TABLE complaints (
    id                     bigserial PRIMARY KEY,
    ref                    text NOT NULL UNIQUE,
    -- A random token from the filing form: the same token files one complaint.
    idempotency_key        text UNIQUE,
    shipment_id            bigint NOT NULL REFERENCES shipments (id),
    shipper_id             bigint NOT NULL REFERENCES shippers (id),
    consignee_id           bigint NOT NULL REFERENCES consignees (id),
    category               text NOT NULL CHECK (category IN ('delayed', 'damaged', 'lost',
                               'not_received_but_signed', 'courier_attitude', 'wrong_address',
                               'billing', 'other')),
    description            text NOT NULL,
    contact_phone          text NOT NULL,                 -- E.164
    status                 text NOT NULL DEFAULT 'new' CHECK (status IN ('new', 'acknowledged',
                               'in_progress', 'waiting_customer', 'resolved', 'closed', 'reopened')),
    priority               text NOT NULL CHECK (priority IN ('P1', 'P2', 'P3', 'P4')),
    assignee_id            bigint REFERENCES users (id),
    first_response_due     timestamptz NOT NULL,
    resolution_due         timestamptz NOT NULL,
    -- The resolution clock: it starts at filing (or at the last reopen), and the working time
    -- spent waiting on the customer is added to its length.
    clock_start            timestamptz NOT NULL,
    paused_minutes         integer NOT NULL DEFAULT 0 CHECK (paused_minutes >= 0),
    paused_since           timestamptz,
    reopen_count           integer NOT NULL DEFAULT 0,
    first_responded_at     timestamptz,
    resolved_at            timestamptz,
    closed_at              timestamptz,
    rating                 smallint NOT NULL DEFAULT 0 CHECK (rating BETWEEN 0 AND 5),
    root_cause             text NOT NULL DEFAULT '' CHECK (root_cause IN ('', 'courier',
                               'sorting_hub', 'linehaul', 'address_data', 'weather', 'customer',
                               'system', 'other')),
    department             text NOT NULL DEFAULT '',
    resolution_code        text NOT NULL DEFAULT '',
    compensation_fen       bigint NOT NULL DEFAULT 0 CHECK (compensation_fen >= 0),
    created_at             timestamptz NOT NULL,
    updated_at             timestamptz NOT NULL
);
CREATE INDEX complaints_shipment_idx ON complaints (shipment_id);
CREATE INDEX complaints_shipper_created_idx ON complaints (shipper_id, created_at DESC);
CREATE INDEX complaints_consignee_idx ON complaints (consignee_id);
CREATE INDEX complaints_assignee_idx ON complaints (assignee_id) WHERE assignee_id IS NOT NULL;
-- The queue and the escalation check read only complaints still open.
CREATE INDEX complaints_open_idx ON complaints (status, resolution_due) WHERE status <> 'closed';
CREATE INDEX complaints_resolved_idx ON complaints (resolved_at) WHERE status = 'resolved';

-- The timeline: every status change, reply, note, assignment, escalation step.
CREATE TABLE complaint_entries (
    id             bigserial PRIMARY KEY,
    complaint_id   bigint NOT NULL REFERENCES complaints (id),
    kind           text NOT NULL CHECK (kind IN ('status', 'public_reply', 'internal_note',
                       'customer_message', 'assignment', 'escalation', 'priority', 'rating',
                       'resolution')),
    actor_id       bigint REFERENCES users (id),          -- NULL: the customer or the system
    actor          text NOT NULL,
    text           text NOT NULL DEFAULT '',
    from_status    text NOT NULL DEFAULT '',
    to_status      text NOT NULL DEFAULT '',
    public         boolean NOT NULL,
    at             timestamptz NOT NULL
);
CREATE INDEX complaint_entries_timeline_idx ON complaint_entries (complaint_id, at, id);

CREATE TABLE complaint_photos (
    id             bigserial PRIMARY KEY,
    complaint_id   bigint NOT NULL REFERENCES complaints (id),
    name           text NOT NULL,
    content_type   text NOT NULL CHECK (content_type IN ('image/jpeg', 'image/png', 'image/webp')),
    data           bytea NOT NULL CHECK (octet_length(data) <= 5242880),
    created_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX complaint_photos_complaint_idx ON complaint_photos (complaint_id);

-- Deadlines per priority and shipper tier. business_hours_only=false counts around the clock.
CREATE TABLE sla_policies (
    priority                text NOT NULL CHECK (priority IN ('P1', 'P2', 'P3', 'P4')),
    tier                    text NOT NULL CHECK (tier IN ('key', 'regular', 'small')),
    first_response_minutes  integer NOT NULL CHECK (first_response_minutes > 0),
    resolution_minutes      integer NOT NULL CHECK (resolution_minutes > 0),
    business_hours_only     boolean NOT NULL,
    PRIMARY KEY (priority, tier)
);
INSERT INTO sla_policies VALUES
    ('P1', 'key',     30,   480, false),
    ('P1', 'regular', 30,   720, false),
    ('P1', 'small',   60,  1440, false),
    ('P2', 'key',     60,  1440, false),
    ('P2', 'regular', 120, 1080, true),
    ('P2', 'small',   240, 1620, true),
    ('P3', 'key',     120, 1080, true),
    ('P3', 'regular', 240, 1620, true),
    ('P3', 'small',   480, 2700, true),
    ('P4', 'key',     240, 1620, true),
    ('P4', 'regular', 480, 2700, true),
    ('P4', 'small',   540, 4320, true);

-- Opening hours per weekday (0 = Sunday, as Go's time.Weekday), in the Asia/Shanghai zone.
-- A weekday without a row is closed.
CREATE TABLE business_hours (
    weekday  smallint PRIMARY KEY CHECK (weekday BETWEEN 0 AND 6),
    opens    time NOT NULL,
    closes   time NOT NULL CHECK (closes > opens)
);
INSERT INTO business_hours VALUES
    (1, '09:00', '18:00'), (2, '09:00', '18:00'), (3, '09:00', '18:00'),
    (4, '09:00', '18:00'), (5, '09:00', '18:00');

-- Public holidays: closed all day whatever the weekday.
CREATE TABLE holidays (
    day   date PRIMARY KEY,
    name  text NOT NULL
);
INSERT INTO holidays VALUES
    ('2026-10-01', '国庆节'), ('2026-10-02', '国庆节'), ('2026-10-05', '国庆节'),
    ('2026-10-06', '国庆节'), ('2026-10-07', '国庆节'),
    ('2027-01-01', '元旦'),
    ('2027-02-05', '春节'), ('2027-02-08', '春节'), ('2027-02-09', '春节'),
    ('2027-02-10', '春节'), ('2027-02-11', '春节');

-- One row per escalation step: the unique key makes a repeated check alert once.
-- round is the complaint's reopen_count, so a reopened complaint has a ladder of its own.
CREATE TABLE complaint_escalations (
    complaint_id   bigint NOT NULL REFERENCES complaints (id),
    deadline       text NOT NULL CHECK (deadline IN ('first_response', 'resolution')),
    round          integer NOT NULL,
    level          integer NOT NULL CHECK (level >= 1),
    notified       bigint[] NOT NULL,
    at             timestamptz NOT NULL,
    PRIMARY KEY (complaint_id, deadline, round, level)
);

CREATE TABLE notifications (
    id            bigserial PRIMARY KEY,
    user_id       bigint NOT NULL REFERENCES users (id),
    complaint_id  bigint REFERENCES complaints (id),
    kind          text NOT NULL,
    text          text NOT NULL,
    created_at    timestamptz NOT NULL,
    read_at       timestamptz
);
CREATE INDEX notifications_user_idx ON notifications (user_id, created_at DESC);

CREATE TABLE canned_replies (
    id          bigserial PRIMARY KEY,
    category    text NOT NULL,                 -- a complaint category, or '' for any
    locale      text NOT NULL CHECK (locale IN ('zh', 'en')),
    title       text NOT NULL,
    body        text NOT NULL,
    updated_at  timestamptz NOT NULL DEFAULT now(),
    UNIQUE (category, locale, title)
);
INSERT INTO canned_replies (category, locale, title, body) VALUES
    ('delayed', 'zh', '已催促派送', '您好{name}，您的快递 {tracking_no} 已加急处理，我们已联系网点优先派送，投诉单号 {ref}。'),
    ('delayed', 'en', 'Delivery chased', 'Hello {name}, we have asked the local station to deliver {tracking_no} first. Your complaint reference is {ref}.'),
    ('damaged', 'zh', '破损核实', '您好{name}，很抱歉快递 {tracking_no} 出现破损，请保留外包装，我们将在24小时内联系您核实赔付（单号 {ref}）。'),
    ('damaged', 'en', 'Damage check', 'Hello {name}, we are sorry {tracking_no} arrived damaged. Please keep the packaging; we will call you within 24 hours about compensation ({ref}).'),
    ('lost', 'zh', '丢件查找', '您好{name}，我们已启动快递 {tracking_no} 的查找流程，3个工作日内给您答复（单号 {ref}）。'),
    ('lost', 'en', 'Search started', 'Hello {name}, we have started a search for {tracking_no} and will answer within 3 working days ({ref}).'),
    ('not_received_but_signed', 'zh', '签收核实', '您好{name}，我们正在核实快递 {tracking_no} 的签收记录，稍后回复您（单号 {ref}）。'),
    ('not_received_but_signed', 'en', 'Sign-off check', 'Hello {name}, we are checking who signed for {tracking_no} and will get back to you ({ref}).'),
    ('courier_attitude', 'zh', '致歉', '您好{name}，对快递员的服务给您带来的不愉快深表歉意，我们已严肃处理（单号 {ref}）。'),
    ('courier_attitude', 'en', 'Apology', 'Hello {name}, we apologise for the courier''s conduct; the station has been told and will act ({ref}).'),
    ('wrong_address', 'zh', '地址更正', '您好{name}，快递 {tracking_no} 的地址已更正，将重新派送（单号 {ref}）。'),
    ('wrong_address', 'en', 'Address fixed', 'Hello {name}, the address of {tracking_no} has been corrected and it will be delivered again ({ref}).'),
    ('billing', 'zh', '账单核对', '您好{name}，我们正在核对快递 {tracking_no} 的费用，核对后回复您（单号 {ref}）。'),
    ('billing', 'en', 'Billing check', 'Hello {name}, we are checking the charges for {tracking_no} and will reply once done ({ref}).'),
    ('other', 'zh', '已收到', '您好{name}，您的反馈已收到，我们会尽快处理（单号 {ref}）。'),
    ('other', 'en', 'Received', 'Hello {name}, we have received your message and are on it ({ref}).');

-- Who changed what, when, from what to what (staff actions; read by the console).
CREATE TABLE audit_log (
    id         bigserial PRIMARY KEY,
    actor_id   bigint,
    actor      text NOT NULL,
    action     text NOT NULL,
    object     text NOT NULL,
    object_id  bigint NOT NULL DEFAULT 0,
    before     jsonb,
    after      jsonb,
    at         timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX audit_log_object_idx ON audit_log (object, object_id, at);
CREATE INDEX audit_log_at_idx ON audit_log (at);
