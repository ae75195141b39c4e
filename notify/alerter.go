package notify

import (
	"context"
	"crypto/sha1"
	"encoding/hex"
	"fmt"
)

// StaffAlerter sends escalation alerts to a staff member's phone as KindStaffAlert messages
// (complaints.Alerter). Staff alerts are not care messages: no quiet hours, cap or opt-out.
type StaffAlerter struct {
	Outbox *Outbox
	// PhoneOf returns the user's phone in E.164, "" when they have none (accounts.Store's
	// UserByID gives it).
	PhoneOf func(ctx context.Context, userID int64) (string, error)
	Link    string // the console address put in the message, e.g. PublicURL + "/console"
}

// Alert enqueues text for the user. A user without a phone gets no SMS (the in-app
// notification remains). The same alert text to the same user on the same day is one
// message, so a retried escalation run sends nothing twice.
func (a StaffAlerter) Alert(ctx context.Context, userID int64, text string) error {
	phone, err := a.PhoneOf(ctx, userID)
	if err != nil {
		return fmt.Errorf("notify: staff alert: %w", err)
	}
	if phone == "" {
		return nil
	}
	sum := sha1.Sum([]byte(text))
	day := a.Outbox.Now().In(a.Outbox.zoneOf(phone)).Format("2006-01-02")
	_, _, err = a.Outbox.Enqueue(ctx, a.Outbox.pool, Message{
		Key:  fmt.Sprintf("staff-alert:%d:%s:%s", userID, day, hex.EncodeToString(sum[:8])),
		Kind: KindStaffAlert, To: phone, Vars: map[string]string{"text": text, "link": a.Link},
	})
	return err
}
