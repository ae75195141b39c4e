package requests

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"lcrm/audit"
	"lcrm/customers"
	"lcrm/internal/errs"
)

// Pickup point kinds.
const (
	KindStation = "station" // 驿站: a staffed parcel station
	KindLocker  = "locker"  // 快递柜: a parcel locker
)

// PickupPoint is a station or locker where a consignee may collect a parcel.
type PickupPoint struct {
	ID      int64
	Name    string
	Address string
	City    string
	Hours   string // opening hours as written, e.g. "08:00-21:00"
	Kind    string // KindStation or KindLocker
	Active  bool   // inactive points are no longer offered
}

// ErrPickupExists means the city already has a point of that name.
var ErrPickupExists = errs.New(errs.Conflict, "requests.error.pickup_exists", "requests: the city already has a pickup point of that name")

// normalize trims p and reports every invalid field.
func (p *PickupPoint) normalize() error {
	var v errs.ValidationError
	p.Name, p.Address, p.City, p.Hours = strings.TrimSpace(p.Name), strings.TrimSpace(p.Address), strings.TrimSpace(p.City), strings.TrimSpace(p.Hours)
	for _, f := range []struct {
		name, value string
		max         int
	}{{"name", p.Name, customers.MaxName}, {"address", p.Address, customers.MaxStreet}, {"city", p.City, customers.MaxName}} {
		if f.value == "" {
			v.AddKey(f.name, errs.KeyRequired, nil)
		} else {
			v.Text(f.name, f.value, f.max, false)
		}
	}
	v.Text("hours", p.Hours, 100, false)
	if p.Kind != KindStation && p.Kind != KindLocker {
		v.AddKey("kind", "requests.field.pickup_kind", nil)
	}
	return v.Err()
}

// PickupPoints returns the points of city (every city when empty), active ones only
// unless all is set, by city and name.
func (s *Store) PickupPoints(ctx context.Context, city string, all bool) ([]PickupPoint, error) {
	rows, err := s.pool.Query(ctx, `SELECT id, name, address, city, hours, kind, active FROM pickup_points
		WHERE ($1 = '' OR city = $1) AND ($2 OR active) ORDER BY city, name, id`, strings.TrimSpace(city), all)
	if err != nil {
		return nil, fmt.Errorf("requests: pickup points: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (PickupPoint, error) {
		var p PickupPoint
		return p, r.Scan(&p.ID, &p.Name, &p.Address, &p.City, &p.Hours, &p.Kind, &p.Active)
	})
	if err != nil {
		return nil, fmt.Errorf("requests: pickup points: %w", err)
	}
	return out, nil
}

// SavePickupPoint creates p (ID 0) or updates it, audited with the values before and
// after; it returns the saved point. Deactivating is saving with Active false: requests
// that chose the point keep it.
func (s *Store) SavePickupPoint(ctx context.Context, p PickupPoint, by Actor) (PickupPoint, error) {
	if err := p.normalize(); err != nil {
		return p, err
	}
	now := s.Now()
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		var before any
		if p.ID != 0 {
			var old PickupPoint
			err := tx.QueryRow(ctx, `SELECT id, name, address, city, hours, kind, active FROM pickup_points WHERE id = $1 FOR UPDATE`, p.ID).
				Scan(&old.ID, &old.Name, &old.Address, &old.City, &old.Hours, &old.Kind, &old.Active)
			if errors.Is(err, pgx.ErrNoRows) {
				return ErrNotFound
			} else if err != nil {
				return err
			}
			if old == p {
				return nil
			}
			before = old
			_, err = tx.Exec(ctx, `UPDATE pickup_points SET name = $2, address = $3, city = $4, hours = $5, kind = $6, active = $7, updated_at = $8
				WHERE id = $1`, p.ID, p.Name, p.Address, p.City, p.Hours, p.Kind, p.Active, now)
			if err != nil {
				return err
			}
		} else if err := tx.QueryRow(ctx, `INSERT INTO pickup_points (name, address, city, hours, kind, active, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $7) RETURNING id`, p.Name, p.Address, p.City, p.Hours, p.Kind, p.Active, now).Scan(&p.ID); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Entry{ActorID: by.UserID, Actor: by.Name, Action: "pickup_point.save", Object: "pickup_point",
			ObjectID: p.ID, Before: before, After: p, At: now})
	})
	if isUnique(err) {
		return p, ErrPickupExists
	}
	if err != nil && !errors.Is(err, ErrNotFound) {
		return p, fmt.Errorf("requests: save pickup point: %w", err)
	}
	return p, err
}

// pickupPoint reads one point through q.
func pickupPoint(ctx context.Context, q pgx.Tx, id int64) (*PickupPoint, error) {
	var p PickupPoint
	err := q.QueryRow(ctx, `SELECT id, name, address, city, hours, kind, active FROM pickup_points WHERE id = $1`, id).
		Scan(&p.ID, &p.Name, &p.Address, &p.City, &p.Hours, &p.Kind, &p.Active)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, nil
	}
	return &p, err
}

// zoneOr returns z, or the default zone when nil.
func zoneOr(z *time.Location) *time.Location {
	if z == nil {
		return defaultZone
	}
	return z
}

// isUnique reports whether err is a unique-constraint violation.
func isUnique(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && pe.Code == "23505"
}
