package notify

import (
	"context"
	"fmt"
)

// Sources of an opt-out, stored in sms_optouts.source.
const (
	SourceReply  = "reply"        // the recipient replied STOP/退订/TD
	SourceTwilio = "twilio_21610" // Twilio refused: the recipient unsubscribed with the carrier
	SourceStaff  = "staff"
)

// OptOut records that phone wants no more care messages. Repeating it keeps the first time.
func (o *Outbox) OptOut(ctx context.Context, q Querier, phone, source string) error {
	if _, err := q.Exec(ctx, `INSERT INTO sms_optouts (phone, source) VALUES ($1, $2)
		ON CONFLICT (phone) DO NOTHING`, phone, source); err != nil {
		return fmt.Errorf("notify: opt out: %w", err)
	}
	return nil
}

// OptIn lets phone receive care messages again.
func (o *Outbox) OptIn(ctx context.Context, q Querier, phone string) error {
	if _, err := q.Exec(ctx, `DELETE FROM sms_optouts WHERE phone = $1`, phone); err != nil {
		return fmt.Errorf("notify: opt in: %w", err)
	}
	return nil
}

// OptedOut reports whether phone has opted out of care messages.
func (o *Outbox) OptedOut(ctx context.Context, phone string) (bool, error) {
	var out bool
	err := o.pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM sms_optouts WHERE phone = $1)`, phone).Scan(&out)
	if err != nil {
		return false, fmt.Errorf("notify: opted out: %w", err)
	}
	return out, nil
}
