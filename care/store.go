package care

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"lcrm/internal/clock"
	"lcrm/internal/config"
	"lcrm/internal/errs"
)

// ErrTaskNotFound means no open staff task has that id.
var ErrTaskNotFound = errs.New(errs.NotFound, errs.KeyNotFound, "care: no such open task")

// Store reads what the care rules leave for staff, the slow sign-off watch list and the
// open staff tasks (the console's /console/watch), and marks a task done.
type Store struct {
	pool *pgxpool.Pool
	// Now is the store's clock (clock.System from NewStore), read once per call: the
	// flags' lag is measured to it and a finished task is stamped with it.
	Now clock.Clock
}

// NewStore returns a Store over pool.
func NewStore(pool *pgxpool.Pool) *Store { return &Store{pool: pool, Now: clock.System} }

// Flag is one open slow sign-off flag as the watch list shows it.
type Flag struct {
	ID           int64
	ShipmentID   int64
	TrackingNo   string
	Reason       string
	ServiceLevel string
	ShipperName  string
	ShipperTier  string
	Since        time.Time     // when the clock started
	FlaggedAt    time.Time     //
	Lag          time.Duration // now - Since
	Window       time.Duration // the allowance exceeded (0 for past_promise)
	AlertAfter   time.Duration // lag at which a supervisor is alerted
	AlertedAt    *time.Time
}

// Critical reports whether the flag is at its alert point (twice the window, or past
// past_promise_alert for a broken promise): the watch list marks these.
func (f Flag) Critical() bool { return f.Lag >= f.AlertAfter }

// Flags returns the open flags, oldest clock first (at most limit, default 500), their lag
// measured to w.Now.
func (w *Store) Flags(ctx context.Context, limit int) ([]Flag, error) {
	if limit <= 0 || limit > config.MaxWatchPage {
		limit = config.DefaultWatchPage
	}
	p, err := w.flags(ctx, 0, limit)
	return p.Flags, err
}

// FlagPage is one page of the open flags, with the totals over all of them.
type FlagPage struct {
	Flags          []Flag
	More           bool // later pages follow
	Open, Critical int  // all open flags, and those at their alert point (0 past the last page)
}

// FlagsPage returns page (from 0) of the open flags, size per page (at most
// config.MaxWatchPage), oldest clock first, in one round trip.
func (w *Store) FlagsPage(ctx context.Context, page, size int) (FlagPage, error) {
	size = min(max(size, 1), config.MaxWatchPage)
	p, err := w.flags(ctx, max(page, 0)*size, size+1)
	if len(p.Flags) > size {
		p.Flags, p.More = p.Flags[:size], true
	}
	return p, err
}

// flags reads limit open flags from offset on, with the totals.
func (w *Store) flags(ctx context.Context, offset, limit int) (FlagPage, error) {
	now := w.Now()
	var p FlagPage
	rows, err := w.pool.Query(ctx, `
		SELECT f.id, f.shipment_id, s.tracking_no, f.reason, f.service_level, p.name, f.shipper_tier,
		       f.since, f.flagged_at, $1::timestamptz - f.since, f.window_allowed, x.alert_after,
		       f.alerted_at, count(*) OVER (), count(*) FILTER (WHERE $1::timestamptz - f.since >= x.alert_after) OVER ()
		FROM slow_signoffs f
		JOIN shipments s ON s.id = f.shipment_id
		JOIN shippers p ON p.id = s.shipper_id
		JOIN signoff_windows w ON w.service_level = f.service_level AND w.tier = f.shipper_tier
		CROSS JOIN LATERAL (SELECT CASE WHEN f.reason = 'past_promise' THEN w.past_promise_alert
		                                ELSE 2 * f.window_allowed END AS alert_after) x
		WHERE f.cleared_at IS NULL
		ORDER BY f.since, f.id OFFSET $2 LIMIT $3`, now, offset, limit)
	if err != nil {
		return p, fmt.Errorf("care: watch list: %w", err)
	}
	p.Flags, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (Flag, error) {
		var f Flag
		return f, r.Scan(&f.ID, &f.ShipmentID, &f.TrackingNo, &f.Reason, &f.ServiceLevel, &f.ShipperName, &f.ShipperTier,
			&f.Since, &f.FlaggedAt, &f.Lag, &f.Window, &f.AlertAfter, &f.AlertedAt, &p.Open, &p.Critical)
	})
	if err != nil {
		return p, fmt.Errorf("care: watch list: %w", err)
	}
	return p, nil
}

// Task is an open piece of work the care rules left for staff.
type Task struct {
	ID          int64
	Kind        string // slow_signoff or winback
	ShipperID   int64
	ShipperName string
	TrackingNo  string // slow_signoff tasks
	Text        string
	CreatedAt   time.Time
}

// Tasks returns the open staff tasks, oldest first (at most 500).
func (w *Store) Tasks(ctx context.Context) ([]Task, error) {
	rows, err := w.pool.Query(ctx, `
		SELECT t.id, t.kind, COALESCE(t.shipper_id, 0), COALESCE(p.name, ''), COALESCE(s.tracking_no, ''), t.text, t.created_at
		FROM staff_tasks t
		LEFT JOIN shippers p ON p.id = t.shipper_id
		LEFT JOIN shipments s ON s.id = t.shipment_id
		WHERE t.done_at IS NULL
		ORDER BY t.created_at, t.id LIMIT 500`)
	if err != nil {
		return nil, fmt.Errorf("care: tasks: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Task, error) {
		var t Task
		return t, r.Scan(&t.ID, &t.Kind, &t.ShipperID, &t.ShipperName, &t.TrackingNo, &t.Text, &t.CreatedAt)
	})
	if err != nil {
		return nil, fmt.Errorf("care: tasks: %w", err)
	}
	return out, nil
}

// FinishTask marks an open task done by a staff user. A task already done (a double
// submit) returns ErrTaskNotFound and keeps who finished it first. done_at is w.Now.
func (w *Store) FinishTask(ctx context.Context, id, userID int64) error {
	tag, err := w.pool.Exec(ctx, `UPDATE staff_tasks SET done_at = $3, done_by = $2 WHERE id = $1 AND done_at IS NULL`, id, userID, w.Now())
	if err != nil {
		return fmt.Errorf("care: finish task: %w", err)
	}
	if tag.RowsAffected() == 0 {
		return ErrTaskNotFound
	}
	return nil
}
