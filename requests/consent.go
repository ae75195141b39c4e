package requests

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"

	"lcrm/audit"
)

// Preference is a consignee's standing answer to "may we leave your parcel in a locker or
// at a station (驿站) without asking?". Without one recorded, couriers ask first.
type Preference string

// The preferences, in the order forms show them.
const (
	AskFirst   Preference = "ask_first"   // always ask before a locker or station
	LockersOK  Preference = "lockers_ok"  // a locker is fine, a station needs asking
	StationsOK Preference = "stations_ok" // a station is fine, a locker needs asking
	BothOK     Preference = "both_ok"     // a locker or a station is fine
)

// Preferences lists every preference in display order.
var Preferences = []Preference{AskFirst, LockersOK, StationsOK, BothOK}

// Valid reports whether p is a known preference.
func (p Preference) Valid() bool { return slices.Contains(Preferences, p) }

// Where a consent was set.
const (
	SourceTrackingPage = "tracking_page" // the consignee, after the last-4 check
	SourceStaff        = "staff"         // staff on a call (customer view)
)

// Consent is a consignee's recorded preference; SetAt is zero when none was ever set
// (Preference is then AskFirst).
type Consent struct {
	Preference Preference
	Source     string
	SetBy      int64
	SetAt      time.Time
}

// Consent returns the consignee's preference. A consignee merged into another has the
// survivor's, unless it had one of its own recorded later.
func (s *Store) Consent(ctx context.Context, consigneeID int64) (Consent, error) {
	var c Consent
	err := s.pool.QueryRow(ctx, `
		SELECT d.preference, d.source, COALESCE(d.set_by, 0), d.set_at FROM delivery_consents d
		WHERE d.consignee_id = $1 OR d.consignee_id = (SELECT merged_into FROM consignees WHERE id = $1)
		ORDER BY d.set_at DESC LIMIT 1`, consigneeID).Scan(&c.Preference, &c.Source, &c.SetBy, &c.SetAt)
	if errors.Is(err, pgx.ErrNoRows) {
		return Consent{Preference: AskFirst}, nil
	}
	if err != nil {
		return Consent{}, fmt.Errorf("requests: consent: %w", err)
	}
	return c, nil
}

// SetConsent records the consignee's preference from source, by (staff, or the zero
// Actor for the consignee on the tracking page), audited with its value before and after.
// Setting the same preference again changes nothing and writes no audit entry.
func (s *Store) SetConsent(ctx context.Context, consigneeID int64, p Preference, source string, by Actor) error {
	if !p.Valid() {
		return ErrBadConsent
	}
	if source != SourceTrackingPage && source != SourceStaff {
		return fmt.Errorf("requests: consent: unknown source %q", source)
	}
	now := s.Now()
	return pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		var before *string
		err := tx.QueryRow(ctx, `SELECT preference FROM delivery_consents WHERE consignee_id = $1 FOR UPDATE`, consigneeID).Scan(&before)
		if err != nil && !errors.Is(err, pgx.ErrNoRows) {
			return fmt.Errorf("requests: consent: %w", err)
		}
		if before != nil && *before == string(p) {
			return nil
		}
		if _, err := tx.Exec(ctx, `
			INSERT INTO delivery_consents (consignee_id, preference, source, set_by, set_at)
			VALUES ($1, $2, $3, NULLIF($4, 0::bigint), $5)
			ON CONFLICT (consignee_id) DO UPDATE SET preference = EXCLUDED.preference, source = EXCLUDED.source,
			    set_by = EXCLUDED.set_by, set_at = EXCLUDED.set_at`,
			consigneeID, string(p), source, by.UserID, now); err != nil {
			return fmt.Errorf("requests: consent: %w", err)
		}
		name := by.Name
		if name == "" {
			name = "consignee"
		}
		var old any
		if before != nil {
			old = map[string]string{"preference": *before}
		}
		return audit.Record(ctx, tx, audit.Entry{ActorID: by.UserID, Actor: name, Action: "consent.set", Object: "consignee",
			ObjectID: consigneeID, Before: old, After: map[string]string{"preference": string(p), "source": source}, At: now})
	})
}
