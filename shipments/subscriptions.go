package shipments

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"lcrm/customers"
	"lcrm/internal/errs"
)

// Subscription is one phone that asked for SMS status updates of one shipment, in the
// language the person used when subscribing.
type Subscription struct {
	ShipmentID int64
	Phone      string // E.164
	Locale     string // "zh-CN" or "en"
	CreatedAt  time.Time
}

// MaxSubscribers bounds the phones one shipment texts, so a verified visitor cannot turn
// one parcel into a way of sending SMS to many numbers.
const MaxSubscribers = 3

// ErrTooManySubscribers means a shipment already has MaxSubscribers other phones.
var ErrTooManySubscribers = errs.New(errs.Limited, "subscribe.full", "shipments: this shipment already sends status messages to the most phones allowed")

// DefaultLocale is the language of status messages when none is given.
const DefaultLocale = "zh-CN"

// normalizeLocale maps what a page knows ("en", "en-US", "zh", "") to the locales the
// SMS templates have.
func normalizeLocale(l string) string {
	if strings.HasPrefix(strings.ToLower(strings.TrimSpace(l)), "en") {
		return "en"
	}
	return DefaultLocale
}

// Subscribe records that phone wants SMS status updates of a shipment. The phone is put in
// E.164 (a bad one is a *errs.ValidationError); subscribing again is harmless and
// only updates the language. An unknown shipment is ErrNotFound; a new phone beyond
// MaxSubscribers is ErrTooManySubscribers.
func (st *Store) Subscribe(ctx context.Context, shipmentID int64, phone, locale string) error {
	p, err := customers.NormalizePhone(phone, "")
	if err != nil {
		var v errs.ValidationError
		v.AddKey("phone", errs.KeyPhone, map[string]any{"Value": strconv.Quote(phone)})
		return v.Err()
	}
	// The shipment row is locked first, and the phones are counted in a later statement:
	// under READ COMMITTED a statement sees what was committed when it started, so a count
	// in the locking statement itself would miss the subscription whose transaction it
	// waited for (concurrent requests stored up to 6 phones that way).
	return pgx.BeginFunc(ctx, st.pool, func(tx pgx.Tx) error {
		var others int
		err := tx.QueryRow(ctx, `SELECT 1 FROM shipments WHERE id = $1 FOR NO KEY UPDATE`, shipmentID).Scan(new(int))
		if err == nil {
			err = tx.QueryRow(ctx, `SELECT count(*) FROM shipment_subscriptions WHERE shipment_id = $1 AND phone <> $2`,
				shipmentID, p).Scan(&others)
		}
		switch {
		case errors.Is(err, pgx.ErrNoRows):
			return ErrNotFound
		case err != nil:
			return fmt.Errorf("shipments: subscribe %d: %w", shipmentID, err)
		case others >= MaxSubscribers:
			return ErrTooManySubscribers
		}
		_, err = tx.Exec(ctx, `
INSERT INTO shipment_subscriptions (shipment_id, phone, locale) VALUES ($1, $2, $3)
ON CONFLICT (shipment_id, phone) DO UPDATE SET locale = EXCLUDED.locale`,
			shipmentID, p, normalizeLocale(locale))
		if err != nil {
			return fmt.Errorf("shipments: subscribe %d: %w", shipmentID, err)
		}
		return nil
	})
}

// Unsubscribe stops status updates of a shipment to phone; it is not an error when the
// phone was not subscribed, so it is safe to retry.
func (st *Store) Unsubscribe(ctx context.Context, shipmentID int64, phone string) error {
	p, err := customers.NormalizePhone(phone, "")
	if err != nil {
		return nil // no such number can have been stored
	}
	if _, err := st.pool.Exec(ctx, `DELETE FROM shipment_subscriptions WHERE shipment_id = $1 AND phone = $2`, shipmentID, p); err != nil {
		return fmt.Errorf("shipments: unsubscribe %d: %w", shipmentID, err)
	}
	return nil
}

// Subscribers returns every phone subscribed to a shipment, oldest subscription first.
func (st *Store) Subscribers(ctx context.Context, shipmentID int64) ([]Subscription, error) {
	rows, err := st.pool.Query(ctx, `
SELECT shipment_id, phone, locale, created_at FROM shipment_subscriptions
WHERE shipment_id = $1 ORDER BY created_at, phone`, shipmentID)
	if err != nil {
		return nil, fmt.Errorf("shipments: subscribers of %d: %w", shipmentID, err)
	}
	subs, err := pgx.CollectRows(rows, pgx.RowToStructByPos[Subscription])
	if err != nil {
		return nil, fmt.Errorf("shipments: subscribers of %d: %w", shipmentID, err)
	}
	return subs, nil
}

// IsSubscribed reports whether phone already receives status updates of a shipment.
func (st *Store) IsSubscribed(ctx context.Context, shipmentID int64, phone string) (bool, error) {
	p, err := customers.NormalizePhone(phone, "")
	if err != nil {
		return false, nil
	}
	var ok bool
	err = st.pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM shipment_subscriptions WHERE shipment_id = $1 AND phone = $2)`, shipmentID, p).Scan(&ok)
	if err != nil {
		return false, fmt.Errorf("shipments: is subscribed %d: %w", shipmentID, err)
	}
	return ok, nil
}
