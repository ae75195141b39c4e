package complaints

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"lcrm/audit"
	"lcrm/customers"
	"lcrm/internal/errs"
)

// Policies returns the SLA policy table, by priority then tier.
func (s *Store) Policies(ctx context.Context) ([]Policy, error) {
	rows, err := s.pool.Query(ctx, `SELECT priority, tier, first_response_minutes, resolution_minutes, business_hours_only
		FROM sla_policies ORDER BY priority, array_position(ARRAY['key', 'regular', 'small'], tier)`)
	if err != nil {
		return nil, fmt.Errorf("complaints: policies: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Policy, error) {
		var p Policy
		return p, r.Scan(&p.Priority, &p.Tier, &p.FirstResponseMinutes, &p.ResolutionMinutes, &p.BusinessHoursOnly)
	})
	if err != nil {
		return nil, fmt.Errorf("complaints: policies: %w", err)
	}
	return out, nil
}

// SavePolicy sets one row of the SLA policy table (an admin's edit, audited). Complaints
// already filed keep their deadlines until their priority changes.
func (s *Store) SavePolicy(ctx context.Context, p Policy, by Actor) error {
	var v errs.ValidationError
	if !p.Priority.Valid() {
		v.AddKey("priority", "field.complaints.priority", nil)
	}
	if !customers.Tier(p.Tier).Valid() {
		v.AddKey("tier", "field.customers.tier", nil)
	}
	if p.FirstResponseMinutes <= 0 {
		v.AddKey("first_response_minutes", "field.positive", nil)
	}
	if p.ResolutionMinutes <= 0 || p.ResolutionMinutes < p.FirstResponseMinutes {
		v.AddKey("resolution_minutes", "field.complaints.resolution_minutes", nil)
	}
	if err := v.Err(); err != nil {
		return err
	}
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		// The row as it was, for the audit log (nil: a new row).
		var before any
		old := Policy{Priority: p.Priority, Tier: p.Tier}
		err := tx.QueryRow(ctx, `SELECT first_response_minutes, resolution_minutes, business_hours_only
			FROM sla_policies WHERE priority = $1 AND tier = $2 FOR UPDATE`, p.Priority, p.Tier).
			Scan(&old.FirstResponseMinutes, &old.ResolutionMinutes, &old.BusinessHoursOnly)
		switch {
		case err == nil:
			before = old
		case !errors.Is(err, pgx.ErrNoRows):
			return err
		}
		_, err = tx.Exec(ctx, `INSERT INTO sla_policies (priority, tier, first_response_minutes, resolution_minutes, business_hours_only)
			VALUES ($1, $2, $3, $4, $5) ON CONFLICT (priority, tier) DO UPDATE SET first_response_minutes = EXCLUDED.first_response_minutes,
			resolution_minutes = EXCLUDED.resolution_minutes, business_hours_only = EXCLUDED.business_hours_only`,
			p.Priority, p.Tier, p.FirstResponseMinutes, p.ResolutionMinutes, p.BusinessHoursOnly)
		if err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Entry{ActorID: by.UserID, Actor: by.Name, Action: "sla.policy",
			Object: "sla_policy", Before: before, After: p, At: s.Now()})
	})
	return wrap("save policy", err)
}

// Calendar returns the business hours and holidays the SLA clocks count on.
func (s *Store) Calendar(ctx context.Context) (Calendar, error) {
	cal, err := s.calendar(ctx, s.pool)
	if err != nil {
		return cal, fmt.Errorf("complaints: calendar: %w", err)
	}
	return cal, nil
}

// SetBusinessHours sets the opening hours of one weekday (opens >= closes closes it).
func (s *Store) SetBusinessHours(ctx context.Context, day time.Weekday, sp Span, by Actor) error {
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		// The day's hours as they were (nil: closed), for the audit log.
		var before, after any
		var opens, closes string
		err := tx.QueryRow(ctx, `SELECT to_char(opens, 'HH24:MI'), to_char(closes, 'HH24:MI') FROM business_hours
			WHERE weekday = $1 FOR UPDATE`, int(day)).Scan(&opens, &closes)
		switch {
		case err == nil:
			before = map[string]string{"opens": opens, "closes": closes}
		case !errors.Is(err, pgx.ErrNoRows):
			return err
		}
		if sp.Closes <= sp.Opens || sp.Opens < 0 || sp.Closes > 24*time.Hour {
			_, err = tx.Exec(ctx, `DELETE FROM business_hours WHERE weekday = $1`, int(day))
		} else {
			after = map[string]string{"opens": clockText(sp.Opens), "closes": clockText(min(sp.Closes, 24*time.Hour-time.Minute))}
			_, err = tx.Exec(ctx, `INSERT INTO business_hours (weekday, opens, closes)
				VALUES ($1, make_interval(secs => $2)::time, make_interval(secs => $3)::time)
				ON CONFLICT (weekday) DO UPDATE SET opens = EXCLUDED.opens, closes = EXCLUDED.closes`,
				int(day), sp.Opens.Seconds(), min(sp.Closes, 24*time.Hour-time.Second).Seconds())
		}
		if err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Entry{ActorID: by.UserID, Actor: by.Name, Action: "sla.hours",
			Object: "business_hours", ObjectID: int64(day), Before: before, After: after, At: s.Now()})
	})
	return wrap("set business hours", err)
}

// SetHoliday marks a day (in the store's zone) closed with a name; an empty name removes the holiday.
func (s *Store) SetHoliday(ctx context.Context, day time.Time, name string, by Actor) error {
	d := day.In(s.zone()).Format(time.DateOnly)
	name = strings.TrimSpace(name)
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		// The day as it was (nil: not a holiday), for the audit log.
		var before, after any
		var was string
		err := tx.QueryRow(ctx, `SELECT name FROM holidays WHERE day = $1::date FOR UPDATE`, d).Scan(&was)
		switch {
		case err == nil:
			before = map[string]string{"day": d, "name": was}
		case !errors.Is(err, pgx.ErrNoRows):
			return err
		}
		if name != "" {
			after = map[string]string{"day": d, "name": name}
		}
		if name == "" {
			_, err = tx.Exec(ctx, `DELETE FROM holidays WHERE day = $1::date`, d)
		} else {
			_, err = tx.Exec(ctx, `INSERT INTO holidays (day, name) VALUES ($1::date, $2)
				ON CONFLICT (day) DO UPDATE SET name = EXCLUDED.name`, d, name)
		}
		if err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Entry{ActorID: by.UserID, Actor: by.Name, Action: "sla.holiday",
			Object: "holiday", Before: before, After: after, At: s.Now()})
	})
	return wrap("set holiday", err)
}

// clockText is a time of day as HH:MM (the audit log's form of business hours).
func clockText(d time.Duration) string {
	m := int(d / time.Minute)
	return fmt.Sprintf("%02d:%02d", m/60, m%60)
}
