package notify

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"
)

// Receipt is one delivery receipt (Twilio's status callback).
type Receipt struct {
	SID          string // MessageSid
	Status       string // MessageStatus: sent, delivered, undelivered, failed (others ignored)
	ErrorCode    int
	ErrorMessage string
}

// receiptStatus maps Twilio's statuses onto ours; statuses before 'sent' teach us nothing.
var receiptStatus = map[string]Status{
	"sent": StatusSent, "delivered": StatusDelivered, "read": StatusDelivered,
	"undelivered": StatusUndelivered, "failed": StatusFailed,
}

// ApplyReceipt moves the message with r.SID forward to r.Status. Receipts repeat and arrive
// out of order, so a status only moves forward (sending < sent < delivered|undelivered|
// failed); a repeated or stale receipt changes nothing. changed reports whether the row
// moved. Error 21610 (recipient unsubscribed) also records the opt-out.
func (o *Outbox) ApplyReceipt(ctx context.Context, r Receipt) (changed bool, err error) {
	st, ok := receiptStatus[r.Status]
	if !ok || r.SID == "" {
		return false, nil
	}
	tx, err := o.pool.Begin(ctx)
	if err != nil {
		return false, fmt.Errorf("notify: receipt: %w", err)
	}
	defer tx.Rollback(ctx) //nolint:errcheck // after Commit a no-op
	var phone string
	err = tx.QueryRow(ctx, `
		UPDATE sms_outbox SET status = $2, updated_at = $5::timestamptz,
		    sent_at = COALESCE(sent_at, $5::timestamptz),
		    error_code = CASE WHEN $3::int <> 0 THEN $3::int ELSE error_code END,
		    error_message = CASE WHEN $4 <> '' THEN $4 ELSE error_message END
		WHERE provider_sid = $1
		  AND array_position(ARRAY['queued','sending','sent','delivered'], CASE WHEN status IN ('undelivered','failed') THEN 'delivered' ELSE status END)
		    < array_position(ARRAY['queued','sending','sent','delivered'], CASE WHEN $2 IN ('undelivered','failed') THEN 'delivered' ELSE $2 END)
		RETURNING to_phone`, r.SID, string(st), r.ErrorCode, r.ErrorMessage, o.Now()).Scan(&phone)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		changed = false
	case err != nil:
		return false, fmt.Errorf("notify: receipt: %w", err)
	default:
		changed = true
	}
	if r.ErrorCode == CodeUnsubscribed {
		if _, err := tx.Exec(ctx, `INSERT INTO sms_optouts (phone, source)
			SELECT to_phone, $2 FROM sms_outbox WHERE provider_sid = $1
			ON CONFLICT (phone) DO NOTHING`, r.SID, SourceTwilio); err != nil {
			return false, fmt.Errorf("notify: receipt opt-out: %w", err)
		}
	}
	if err := tx.Commit(ctx); err != nil {
		return false, fmt.Errorf("notify: receipt: %w", err)
	}
	return changed, nil
}

// Inbound is a message received on our number.
type Inbound struct {
	SID, From, To, Body string
}

// Actions of an inbound message.
const (
	ActionOptOut = "opt_out"
	ActionOptIn  = "opt_in"
	ActionReply  = "" // a plain reply, kept for staff
)

// InboundResult says what an inbound message did.
type InboundResult struct {
	ID          int64
	Action      string
	ConsigneeID int64 // 0 when no consignee has the phone
	ComplaintID int64 // the consignee's latest open complaint, 0 when none
	Duplicate   bool  // Twilio retried a message already stored: nothing more to do
}

// Keyword classifies a reply: STOP, 退订 and TD opt out; START opts back in (trimmed,
// case-insensitive).
func Keyword(body string) string {
	switch strings.ToUpper(strings.TrimSpace(body)) {
	case "STOP", "退订", "TD", "UNSUBSCRIBE":
		return ActionOptOut
	case "START", "UNSTOP":
		return ActionOptIn
	}
	return ActionReply
}

// HandleInbound stores in, applies an opt-out or opt-in keyword, and attaches a plain
// reply to the consignee with that phone and their latest open complaint (the caller adds
// it to the complaint's timeline: notify writes no complaint tables). A retried webhook
// (same MessageSid) is stored once and reported as Duplicate.
func (o *Outbox) HandleInbound(ctx context.Context, in Inbound) (InboundResult, error) {
	res := InboundResult{Action: Keyword(in.Body)}
	tx, err := o.pool.Begin(ctx)
	if err != nil {
		return res, fmt.Errorf("notify: inbound: %w", err)
	}
	defer tx.Rollback(ctx) //nolint:errcheck // after Commit a no-op
	var cons, comp *int64
	err = tx.QueryRow(ctx, `
		WITH c AS (
		    SELECT COALESCE(merged_into, id) AS id FROM consignees WHERE phone = $2),
		    k AS (
		    SELECT id FROM complaints WHERE consignee_id = (SELECT id FROM c)
		      AND status NOT IN ('resolved', 'closed') AND $5 = ''
		    ORDER BY created_at DESC LIMIT 1)
		INSERT INTO sms_inbound (provider_sid, from_phone, to_phone, body, action, consignee_id, complaint_id)
		VALUES ($1, $2, $3, $4, $5, (SELECT id FROM c), (SELECT id FROM k))
		ON CONFLICT (provider_sid) DO NOTHING
		RETURNING id, consignee_id, complaint_id`,
		in.SID, in.From, in.To, in.Body, res.Action).Scan(&res.ID, &cons, &comp)
	if errors.Is(err, pgx.ErrNoRows) {
		res.Duplicate = true
		return res, nil
	}
	if err != nil {
		return res, fmt.Errorf("notify: inbound: %w", err)
	}
	if cons != nil {
		res.ConsigneeID = *cons
	}
	if comp != nil {
		res.ComplaintID = *comp
	}
	switch res.Action {
	case ActionOptOut:
		err = o.OptOut(ctx, tx, in.From, SourceReply)
	case ActionOptIn:
		err = o.OptIn(ctx, tx, in.From)
	}
	if err != nil {
		return res, err
	}
	if err := tx.Commit(ctx); err != nil {
		return res, fmt.Errorf("notify: inbound: %w", err)
	}
	return res, nil
}
