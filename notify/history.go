package notify

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"lcrm/internal/config"
)

// Filter narrows History and InboundHistory; zero fields do not filter. At least one field
// should be set: an empty filter lists the newest messages of all.
type Filter struct {
	ConsigneeID, ShipperID, ShipmentID, ComplaintID int64
	Phone                                           string
}

// Record is one outbox message as the console shows it.
type Record struct {
	ID               int64
	Kind             Kind
	To, Body, Locale string
	Segments         int
	Status           Status
	Reason           string // why suppressed or expired
	Attempts         int
	ErrorCode        int
	ErrorMessage     string
	ProviderSID      string
	Created          time.Time
	Due              time.Time // next attempt (queued) or lease end (sending)
	Sent             *time.Time
	Updated          time.Time
}

// History returns the newest messages matching f, newest first (one query).
func (o *Outbox) History(ctx context.Context, f Filter, limit int) ([]Record, error) {
	if limit <= 0 || limit > config.MaxSMSHistoryPage {
		limit = config.DefaultSMSHistoryPage
	}
	rows, err := o.pool.Query(ctx, `
		SELECT id, kind, to_phone, body, locale, segments, status, suppressed_reason, attempts,
		    error_code, error_message, provider_sid, created_at, next_attempt_at, sent_at, updated_at
		FROM sms_outbox
		WHERE ($1::bigint = 0 OR consignee_id = $1::bigint) AND ($2::bigint = 0 OR shipper_id = $2::bigint)
		  AND ($3::bigint = 0 OR shipment_id = $3::bigint) AND ($4::bigint = 0 OR complaint_id = $4::bigint)
		  AND ($5 = '' OR to_phone = $5)
		ORDER BY created_at DESC, id DESC LIMIT $6`,
		f.ConsigneeID, f.ShipperID, f.ShipmentID, f.ComplaintID, f.Phone, limit)
	if err != nil {
		return nil, fmt.Errorf("notify: history: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Record, error) {
		var x Record
		err := r.Scan(&x.ID, &x.Kind, &x.To, &x.Body, &x.Locale, &x.Segments, &x.Status, &x.Reason,
			&x.Attempts, &x.ErrorCode, &x.ErrorMessage, &x.ProviderSID, &x.Created, &x.Due, &x.Sent, &x.Updated)
		return x, err
	})
	if err != nil {
		return nil, fmt.Errorf("notify: history: %w", err)
	}
	return out, nil
}

// InboundRecord is one received message.
type InboundRecord struct {
	ID                       int64
	From, To, Body, Action   string
	ConsigneeID, ComplaintID int64
	Received                 time.Time
}

// InboundHistory returns the newest received messages matching f (ConsigneeID,
// ComplaintID, Phone as the sender), newest first (one query).
func (o *Outbox) InboundHistory(ctx context.Context, f Filter, limit int) ([]InboundRecord, error) {
	if limit <= 0 || limit > config.MaxSMSHistoryPage {
		limit = config.DefaultSMSHistoryPage
	}
	rows, err := o.pool.Query(ctx, `
		SELECT id, from_phone, to_phone, body, action, COALESCE(consignee_id, 0),
		    COALESCE(complaint_id, 0), received_at
		FROM sms_inbound
		WHERE ($1::bigint = 0 OR consignee_id = $1::bigint) AND ($2::bigint = 0 OR complaint_id = $2::bigint) AND ($3 = '' OR from_phone = $3)
		ORDER BY received_at DESC, id DESC LIMIT $4`, f.ConsigneeID, f.ComplaintID, f.Phone, limit)
	if err != nil {
		return nil, fmt.Errorf("notify: inbound history: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (InboundRecord, error) {
		var x InboundRecord
		err := r.Scan(&x.ID, &x.From, &x.To, &x.Body, &x.Action, &x.ConsigneeID, &x.ComplaintID, &x.Received)
		return x, err
	})
	if err != nil {
		return nil, fmt.Errorf("notify: inbound history: %w", err)
	}
	return out, nil
}

// Stats counts messages by status created since the given time (one query).
func (o *Outbox) Stats(ctx context.Context, since time.Time) (map[Status]int, error) {
	rows, err := o.pool.Query(ctx, `SELECT status, count(*) FROM sms_outbox WHERE created_at >= $1 GROUP BY status`, since)
	if err != nil {
		return nil, fmt.Errorf("notify: stats: %w", err)
	}
	defer rows.Close()
	out := map[Status]int{}
	for rows.Next() {
		var s Status
		var n int
		if err := rows.Scan(&s, &n); err != nil {
			return nil, fmt.Errorf("notify: stats: %w", err)
		}
		out[s] = n
	}
	return out, rows.Err()
}
