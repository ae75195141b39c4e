package complaints

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// Notification is an in-app message to one staff user (escalations today).
type Notification struct {
	ID           int64
	UserID       int64
	ComplaintID  int64  // 0 when about no complaint
	ComplaintRef string // its reference (NotificationsPage only)
	Kind         string
	Text         string         // as written (the fallback for rows without Data)
	Data         map[string]any // the values the console writes notif.KIND with; empty for old rows
	CreatedAt    time.Time
	ReadAt       *time.Time
}

// Note is one notification to add: the kind's message data and a plain fallback text.
type Note struct {
	Text string
	Data map[string]any
}

// notificationCols are the columns scanNotification reads.
const notificationCols = `id, user_id, COALESCE(complaint_id, 0), kind, text, data, created_at, read_at`

func scanNotification(r pgx.CollectableRow) (Notification, error) {
	var n Notification
	return n, r.Scan(&n.ID, &n.UserID, &n.ComplaintID, &n.Kind, &n.Text, &n.Data, &n.CreatedAt, &n.ReadAt)
}

// NotificationPage is one page of a user's notifications and whether older ones follow.
type NotificationPage struct {
	Items  []Notification
	More   bool
	Unread int // the user's unread notifications in all
}

// NotificationsPage returns page (from 0) of a user's notifications, newest first, size
// per page (only the unread ones when unreadOnly), with the unread count, in one round trip.
func (s *Store) NotificationsPage(ctx context.Context, userID int64, unreadOnly bool, page, size int) (NotificationPage, error) {
	var p NotificationPage
	page, size = max(page, 0), min(max(size, 1), 200)
	rows, err := s.pool.Query(ctx, `SELECT n.id, n.user_id, COALESCE(n.complaint_id, 0), n.kind, n.text, n.data,
		n.created_at, n.read_at, COALESCE(c.ref, ''),
		(SELECT count(*) FROM notifications WHERE user_id = $1 AND read_at IS NULL)
		FROM notifications n LEFT JOIN complaints c ON c.id = n.complaint_id
		WHERE n.user_id = $1 AND (NOT $2 OR n.read_at IS NULL)
		ORDER BY n.created_at DESC, n.id DESC OFFSET $3 LIMIT $4`, userID, unreadOnly, page*size, size+1)
	if err != nil {
		return p, fmt.Errorf("complaints: notifications: %w", err)
	}
	p.Items, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (Notification, error) {
		var n Notification
		return n, r.Scan(&n.ID, &n.UserID, &n.ComplaintID, &n.Kind, &n.Text, &n.Data, &n.CreatedAt, &n.ReadAt, &n.ComplaintRef, &p.Unread)
	})
	if err != nil {
		return p, fmt.Errorf("complaints: notifications: %w", err)
	}
	if len(p.Items) > size {
		p.Items, p.More = p.Items[:size], true
	}
	return p, nil
}

// OpenNotification marks one of a user's notifications read (keeping an earlier read
// time) and returns it: opening its link is reading it. Another user's is ErrNotFound.
func (s *Store) OpenNotification(ctx context.Context, userID, id int64) (Notification, error) {
	rows, err := s.pool.Query(ctx, `UPDATE notifications SET read_at = COALESCE(read_at, $3)
		WHERE id = $2 AND user_id = $1 RETURNING `+notificationCols, userID, id, s.Now())
	if err != nil {
		return Notification{}, fmt.Errorf("complaints: open notification: %w", err)
	}
	n, err := pgx.CollectExactlyOneRow(rows, scanNotification)
	if errors.Is(err, pgx.ErrNoRows) {
		return n, ErrNotFound
	}
	if err != nil {
		return n, fmt.Errorf("complaints: open notification: %w", err)
	}
	return n, nil
}

// Notifications returns a user's notifications, newest first (at most 200), only the
// unread ones when unreadOnly.
func (s *Store) Notifications(ctx context.Context, userID int64, unreadOnly bool) ([]Notification, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+notificationCols+`
		FROM notifications WHERE user_id = $1 AND (NOT $2 OR read_at IS NULL)
		ORDER BY created_at DESC, id DESC LIMIT 200`, userID, unreadOnly)
	if err != nil {
		return nil, fmt.Errorf("complaints: notifications: %w", err)
	}
	out, err := pgx.CollectRows(rows, scanNotification)
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
	notes := make([]Note, len(texts))
	for i, t := range texts {
		notes[i] = Note{Text: t}
	}
	return s.NotifyRoleNotes(ctx, tx, role, kind, notes, at)
}

// NotifyRoleNotes is NotifyRole with each notification's data, so the console writes it
// in the reader's language (notif.KIND in the console catalogue) rather than the text.
func (s *Store) NotifyRoleNotes(ctx context.Context, tx pgx.Tx, role, kind string, notes []Note, at time.Time) (int, error) {
	texts, data := make([]string, len(notes)), make([]map[string]any, len(notes))
	for i, n := range notes {
		texts[i], data[i] = n.Text, n.Data
		if data[i] == nil {
			data[i] = map[string]any{}
		}
	}
	tag, err := tx.Exec(ctx, `INSERT INTO notifications (user_id, kind, text, data, created_at)
		SELECT u.id, $2, t.text, t.data, $5 FROM users u CROSS JOIN unnest($3::text[], $4::jsonb[]) WITH ORDINALITY t(text, data, n)
		WHERE u.role = $1 AND u.active ORDER BY t.n, u.id`, role, kind, texts, data, at)
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
		INSERT INTO complaint_entries (complaint_id, kind, actor, text, from_status, to_status, public, at, code)
		SELECT id, 'status', $3, 'closed automatically 7 days after resolution', 'resolved', 'closed', true, $1, 'auto_closed' FROM closed`,
		now, now.Add(-ReopenWindow), ActorSystem)
	if err != nil {
		return 0, fmt.Errorf("complaints: auto close: %w", err)
	}
	return int(tag.RowsAffected()), nil
}
