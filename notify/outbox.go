// Package notify sends lcrm's SMS through an outbox: every message is a row in sms_outbox
// with a unique idempotency key, so enqueuing the same key twice stores one message and
// enqueuing inside the caller's transaction makes the message exist exactly when the
// caller's change does.
//
// The body is rendered at enqueue time (template per kind and locale, signature, free text
// shortened to the segment limit, the link never cut), so what staff see in the SMS history
// is exactly what goes out. Nothing is silently dropped: a message to an opted-out number or
// over the per-phone daily cap is stored with status suppressed and the reason.
//
// A Dispatcher claims due rows with FOR UPDATE SKIP LOCKED and sends them through a Driver
// (Twilio's Messages API, or the log driver when Twilio is not configured). Before calling
// Twilio it commits the row as 'sending' with a lease and the attempt's claim time. If the
// process dies after Twilio accepted the message but before its SID was stored, the outcome
// is unknown: when the lease runs out, the next dispatcher first asks Twilio's Messages list
// (To = recipient, DateSentAfter = claim time) whether a message with this body went out,
// and adopts its SID instead of sending again. Only when Twilio has no such message is it
// sent again. (Twilio's list has one-second resolution and may lag a moment behind a create;
// the lease of tens of seconds is far longer than that lag.) A dispatcher that was only
// paused past its lease cannot overwrite the new owner's outcome: every update is fenced on
// the claim time.
//
// Delivery receipts (ApplyReceipt) only move a message forward, so repeated and reordered
// receipts are harmless; a receipt for a SID not stored yet (it would have to beat our own
// commit of the SID by Twilio's whole delivery round trip) changes nothing.
package notify

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"lcrm/internal/clock"
	"lcrm/internal/config"
	"lcrm/internal/errs"
)

// Querier is satisfied by *pgxpool.Pool and pgx.Tx, so a message can be enqueued inside the caller's transaction.
type Querier interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// Kind says what a message is for; it picks the template, the freshness limit and whether
// the message is a care message (quiet hours, daily cap, opt-out apply).
type Kind string

// Message kinds.
const (
	KindDelayApology      Kind = "delay_apology"      // slow sign-off apology to the consignee
	KindShipperNotice     Kind = "shipper_notice"     // slow sign-off notice to a key-tier shipper
	KindSurvey            Kind = "survey"             // delivered: thank-you with the survey link
	KindComplaintFollowup Kind = "complaint_followup" // complaint resolved: please rate the handling
	KindComplaintReply    Kind = "complaint_reply"    // a staff public reply sent by SMS
	KindHoliday           Kind = "holiday_greeting"   // greetings to key shippers on configured dates
	KindStatus            Kind = "status_update"      // parcel status to a subscribed phone (picked up, failed attempt, exception)
	KindStatusNow         Kind = "status_now"         // parcel out for delivery: goes out even in quiet hours
	KindStatusFinal       Kind = "status_final"       // parcel delivered or returned: still sent once the parcel is delivered
	KindStaffAlert        Kind = "staff_alert"        // escalation / supervisor alert to a staff phone
	KindPasswordReset     Kind = "password_reset"     // one-time code for a shipper's password reset
	KindRequestReceived   Kind = "request_received"   // a consignee's delivery request was received (package requests)
	KindRequestAnswered   Kind = "request_answered"   // dispatch accepted or declined a delivery request
	KindDisruption        Kind = "disruption_notice"  // a declared disruption's notice: one per consignee, instead of per-parcel apologies
)

// Care reports whether the kind is a care message: those wait out quiet hours, count
// against the daily cap and are not sent to opted-out numbers. Staff alerts and replies to
// a customer's own complaint are not care messages, nor is a password reset code the
// person just asked for, nor the confirmation of a delivery request they just made.
func (k Kind) Care() bool {
	return k != KindStaffAlert && k != KindComplaintReply && k != KindPasswordReset && k != KindRequestReceived
}

// Quiet reports whether a message of the kind waits out quiet hours: every care message
// does except "out for delivery" (KindStatusNow), which the consignee needs before the
// courier arrives, not the next morning. Opt-outs and the daily cap still apply to it.
func (k Kind) Quiet() bool {
	return k.Care() && k != KindStatusNow
}

// Capped reports whether a message of the kind counts against, and is held to, the
// per-phone daily cap. Status SMS are not: the person asked for them on the tracking page
// (or the shipper did for its consignee), each status change sends at most one per phone,
// and a same-day parcel's picked up, out for delivery and delivered would otherwise use up
// the cap and suppress the delivered text or the survey thank-you behind them.
func (k Kind) Capped() bool {
	return k.Care() && !slices.Contains(statusKinds, string(k))
}

// statusKinds are the status SMS kinds (see Capped).
var statusKinds = []string{string(KindStatus), string(KindStatusNow), string(KindStatusFinal)}

// sendBy is how long after it is due a message of each kind is still worth sending.
var sendBy = map[Kind]time.Duration{
	KindDelayApology:      12 * time.Hour,
	KindShipperNotice:     24 * time.Hour,
	KindSurvey:            72 * time.Hour,
	KindComplaintFollowup: 72 * time.Hour,
	KindComplaintReply:    24 * time.Hour,
	KindHoliday:           24 * time.Hour,
	KindStatus:            12 * time.Hour, // outlives a night of quiet hours (dropped anyway once delivered)
	KindStatusNow:         2 * time.Hour,
	KindStatusFinal:       24 * time.Hour,
	KindStaffAlert:        2 * time.Hour,
	KindPasswordReset:     10 * time.Minute, // the code's own lifetime
	KindRequestReceived:   2 * time.Hour,
	KindRequestAnswered:   24 * time.Hour,
	KindDisruption:        12 * time.Hour,
}

// Message is one SMS to enqueue.
type Message struct {
	Key                                             string            // idempotency key, e.g. "delay-apology:123"; enqueuing an existing key stores nothing new
	Kind                                            Kind              // picks the template
	To                                              string            // recipient phone in E.164
	Locale                                          string            // "zh" (default) or "en"
	Vars                                            map[string]string // template variables: tracking_no, link, name, ref, text, ...
	ShipmentID, ConsigneeID, ShipperID, ComplaintID int64             // 0 when not applicable; the console's SMS history uses them
	NotBefore                                       time.Time         // zero: as soon as allowed
}

// Status is a message's state in the outbox.
type Status string

// Message states. queued → sending → sent → delivered|undelivered|failed; expired and
// suppressed are final states of messages that never went out.
const (
	StatusQueued      Status = "queued"
	StatusSending     Status = "sending"
	StatusSent        Status = "sent"
	StatusDelivered   Status = "delivered"
	StatusUndelivered Status = "undelivered"
	StatusFailed      Status = "failed"
	StatusExpired     Status = "expired"
	StatusSuppressed  Status = "suppressed"
)

// Reasons stored with a suppressed message.
const (
	ReasonOptedOut = "opted_out"
	ReasonDailyCap = "daily_cap"
)

// Errors of Enqueue.
var (
	ErrUnknownKind = errs.New(errs.Invalid, "error.notify.unknown_kind", "notify: unknown message kind")
	ErrBadMessage  = errs.New(errs.Invalid, "error.notify.bad_message", "notify: message needs a key and a recipient")
)

// Config tunes the outbox. Zero values take the defaults noted.
type Config struct {
	Signature   string         // sender signature: prefix for zh, suffix for en
	Zone        *time.Location // recipients' zone for quiet hours unless +86 (Asia/Shanghai); default UTC
	QuietStart  int            // quiet hours start, minutes after midnight; default 21:00
	QuietEnd    int            // quiet hours end, minutes after midnight; default 08:00
	NoQuiet     bool           // no quiet hours at all
	DailyCap    int            // care messages per phone per day; default 3, negative: no cap
	MaxSegments int            // segments per message; default 3
}

func (c Config) withDefaults() Config {
	if c.Zone == nil {
		c.Zone = time.UTC
	}
	if c.QuietStart == 0 && c.QuietEnd == 0 {
		c.QuietStart, c.QuietEnd = config.DefaultSMSQuietStart, config.DefaultSMSQuietEnd
	}
	if c.DailyCap == 0 {
		c.DailyCap = config.DefaultSMSDailyCap
	}
	if c.MaxSegments <= 0 {
		c.MaxSegments = config.DefaultSMSMaxSegments
	}
	return c
}

// Outbox stores messages to send and answers the console's questions about them.
type Outbox struct {
	pool *pgxpool.Pool
	cfg  Config
	// Now is the outbox's clock (clock.System from New): quiet hours, daily caps, send
	// times and leases are read against it, once per operation. Tests set it.
	Now clock.Clock
}

// New returns an outbox on pool.
func New(pool *pgxpool.Pool, cfg Config) *Outbox {
	return &Outbox{pool: pool, cfg: cfg.withDefaults(), Now: clock.System}
}

// shanghai is the local time of every +86 number.
var shanghai = config.DefaultZone

// zoneOf is the recipient's zone: China for +86 numbers, the configured zone otherwise.
func (o *Outbox) zoneOf(phone string) *time.Location {
	if strings.HasPrefix(phone, "+86") {
		return shanghai
	}
	return o.cfg.Zone
}

// afterQuiet returns t, or the end of the quiet hours t falls in (recipient's local time).
func (o *Outbox) afterQuiet(phone string, t time.Time) time.Time {
	if o.cfg.NoQuiet {
		return t
	}
	lt := t.In(o.zoneOf(phone))
	m := lt.Hour()*60 + lt.Minute()
	s, e := o.cfg.QuietStart, o.cfg.QuietEnd
	var quiet bool
	if s > e { // spans midnight
		quiet = m >= s || m < e
	} else {
		quiet = m >= s && m < e
	}
	if !quiet {
		return t
	}
	day := time.Date(lt.Year(), lt.Month(), lt.Day(), 0, 0, 0, 0, lt.Location())
	end := day.Add(time.Duration(e) * time.Minute)
	if !end.After(lt) {
		end = end.AddDate(0, 0, 1)
	}
	return end
}

// Enqueue stores m for sending and returns its id; created is false when a message with
// the same key already existed (nothing new is stored). Pass a transaction as q to enqueue
// atomically with the caller's change. A care message to an opted-out number, or beyond
// the daily cap for that phone on the day it is due (kinds that are Capped), is stored as
// suppressed with the reason. The cap is checked here, per day in the recipient's zone; two enqueues racing for
// the last slot in different transactions can both pass (the cap is a courtesy, not a bill).
func (o *Outbox) Enqueue(ctx context.Context, q Querier, m Message) (id int64, created bool, err error) {
	now := o.Now()
	p, err := o.prepare(m, now)
	if err != nil {
		return 0, false, err
	}
	m = p.m
	err = q.QueryRow(ctx, `
		INSERT INTO sms_outbox (key, kind, to_phone, locale, body, segments, care, status,
		    suppressed_reason, next_attempt_at, send_by, shipment_id, consignee_id, shipper_id,
		    complaint_id, created_at, updated_at)
		SELECT $1, $2, $3, $4, $5, $6, $7,
		    CASE WHEN s.opted OR s.capped THEN 'suppressed' ELSE 'queued' END,
		    CASE WHEN s.opted THEN 'opted_out' WHEN s.capped THEN 'daily_cap' ELSE '' END,
		    $8, $9, NULLIF($10, 0::bigint), NULLIF($11, 0::bigint), NULLIF($12, 0::bigint),
		    NULLIF($13, 0::bigint), $14, $14
		FROM (SELECT
		    $7 AND EXISTS (SELECT 1 FROM sms_optouts WHERE phone = $3) AS opted,
		    $15::int >= 0 AND (SELECT count(*) FROM sms_outbox
		        WHERE to_phone = $3 AND care AND kind <> ALL($18) AND status NOT IN ('suppressed', 'expired', 'failed')
		          AND next_attempt_at >= $16 AND next_attempt_at < $17) >= $15::int AS capped) s
		ON CONFLICT (key) DO NOTHING
		RETURNING id`,
		m.Key, string(m.Kind), m.To, m.Locale, p.body, p.segs, p.care, p.due, p.deadline,
		m.ShipmentID, m.ConsigneeID, m.ShipperID, m.ComplaintID, now, p.capN, p.dayStart, p.dayEnd, statusKinds,
	).Scan(&id)
	if err == nil {
		return id, true, nil
	}
	if !errors.Is(err, pgx.ErrNoRows) {
		return 0, false, fmt.Errorf("notify: enqueue %s: %w", m.Key, err)
	}
	if err := q.QueryRow(ctx, `SELECT id FROM sms_outbox WHERE key = $1`, m.Key).Scan(&id); err != nil {
		return 0, false, fmt.Errorf("notify: enqueue %s: %w", m.Key, err)
	}
	return id, false, nil
}
