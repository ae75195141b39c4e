package complaints

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// Notification is an in-app message to one staff user (escalations today).
type Notification struct {
	ID          int64
	UserID      int64
	ComplaintID int64 // 0 when about no complaint
	Kind        string
	Text        string
	CreatedAt   time.Time
	ReadAt      *time.Time
}

// Notifications returns a user's notifications, newest first (at most 200), only the
// unread ones when unreadOnly.
func (s *Store) Notifications(ctx context.Context, userID int64, unreadOnly bool) ([]Notification, error) {
	rows, err := s.pool.Query(ctx, `SELECT id, user_id, COALESCE(complaint_id, 0), kind, text, created_at, read_at
		FROM notifications WHERE user_id = $1 AND (NOT $2 OR read_at IS NULL)
		ORDER BY created_at DESC, id DESC LIMIT 200`, userID, unreadOnly)
	if err != nil {
		return nil, fmt.Errorf("complaints: notifications: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Notification, error) {
		var n Notification
		return n, r.Scan(&n.ID, &n.UserID, &n.ComplaintID, &n.Kind, &n.Text, &n.CreatedAt, &n.ReadAt)
	})
	if err != nil {
		return nil, fmt.Errorf("complaints: notifications: %w", err)
	}
	return out, nil
}

// NotifyRole adds, in tx, one in-app notification of kind with each of texts for every
// active user of role (a role name as stored in users.role), at at. It returns how many
// notifications it added. Other packages' alerts (the slow sign-off detector's) go
// through here, so the notifications table has one owner.
func (s *Store) NotifyRole(ctx context.Context, tx pgx.Tx, role, kind string, texts []string, at time.Time) (int, error) {
	tag, err := tx.Exec(ctx, `INSERT INTO notifications (user_id, kind, text, created_at)
		SELECT u.id, $2, t.text, $4 FROM users u CROSS JOIN unnest($3::text[]) WITH ORDINALITY t(text, n)
		WHERE u.role = $1 AND u.active ORDER BY t.n, u.id`, role, kind, texts, at)
	if err != nil {
		return 0, fmt.Errorf("complaints: notify %s: %w", role, err)
	}
	return int(tag.RowsAffected()), nil
}

// MarkRead marks a user's notifications read: the given ones, or all when none is given.
// Notifications of other users are left alone; marking twice keeps the first time.
func (s *Store) MarkRead(ctx context.Context, userID int64, ids ...int64) error {
	if ids == nil {
		ids = []int64{} // NULL would match nothing
	}
	_, err := s.pool.Exec(ctx, `UPDATE notifications SET read_at = $3
		WHERE user_id = $1 AND read_at IS NULL AND (cardinality($2::bigint[]) = 0 OR id = ANY($2))`,
		userID, ids, s.Now())
	if err != nil {
		return fmt.Errorf("complaints: mark read: %w", err)
	}
	return nil
}

// AutoClose closes complaints resolved more than ReopenWindow before now and not reopened,
// with a timeline entry each; it returns how many it closed (0 on a repeated run).
// Regulator appeals are never closed automatically: closing one is a person's decision.
func (s *Store) AutoClose(ctx context.Context, now time.Time) (int, error) {
	tag, err := s.pool.Exec(ctx, `
		WITH closed AS (
			UPDATE complaints SET status = 'closed', closed_at = $1, updated_at = $1
			WHERE status = 'resolved' AND resolved_at <= $2
				AND NOT EXISTS (SELECT 1 FROM appeals a WHERE a.complaint_id = complaints.id)
			RETURNING id)
		INSERT INTO complaint_entries (complaint_id, kind, actor, text, from_status, to_status, public, at)
		SELECT id, 'status', $3, 'closed automatically 7 days after resolution', 'resolved', 'closed', true, $1 FROM closed`,
		now, now.Add(-ReopenWindow), ActorSystem)
	if err != nil {
		return 0, fmt.Errorf("complaints: auto close: %w", err)
	}
	return int(tag.RowsAffected()), nil
}
