package complaints

// Two agents on one complaint: who else has it open (presence with a short TTL) and the
// crossing-reply check (a reply written on a page older than another's reply).

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"lcrm/internal/errs"
)

// PresenceTTL is how long one view of a complaint page counts as "has it open": the page
// refreshes its row well within it (desk.js), and a closed tab drops out after it.
const PresenceTTL = 90 * time.Second

// Viewer is a staff user who has a complaint open.
type Viewer struct {
	UserID int64
	Name   string
	SeenAt time.Time
}

// Present records that userID has complaint id open now and returns the other staff users
// who had it open within PresenceTTL, most recent first, in one round trip (none for a
// complaint that does not exist).
func (s *Store) Present(ctx context.Context, id, userID int64) ([]Viewer, error) {
	now := s.Now()
	rows, err := s.pool.Query(ctx, `WITH up AS (
			INSERT INTO complaint_presence (complaint_id, user_id, seen_at)
			SELECT $1, $2, $3 WHERE EXISTS (SELECT 1 FROM complaints WHERE id = $1)
			ON CONFLICT (complaint_id, user_id) DO UPDATE SET seen_at = GREATEST(complaint_presence.seen_at, EXCLUDED.seen_at))
		SELECT p.user_id, u.name, p.seen_at FROM complaint_presence p JOIN users u ON u.id = p.user_id
		WHERE p.complaint_id = $1 AND p.user_id <> $2 AND p.seen_at > $4 AND u.active
		ORDER BY p.seen_at DESC, p.user_id`, id, userID, now, now.Add(-PresenceTTL))
	if err != nil {
		return nil, fmt.Errorf("complaints: presence: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Viewer, error) {
		var v Viewer
		return v, r.Scan(&v.UserID, &v.Name, &v.SeenAt)
	})
	if err != nil {
		return nil, fmt.Errorf("complaints: presence: %w", err)
	}
	return out, nil
}

// ErrCrossed means a reply was written on a page drawn before someone else wrote to the
// timeline (a reply, a note, the customer's message); *CrossedError carries those entries.
var ErrCrossed = errs.New(errs.Conflict, "desk.err_crossed", "complaints: someone else replied since the page was drawn")

// CrossedError lists the entries a reply would cross.
type CrossedError struct{ Entries []Entry }

// Error implements error.
func (e *CrossedError) Error() string { return ErrCrossed.Error() }

// Is makes errors.Is(err, ErrCrossed) true.
func (e *CrossedError) Is(target error) bool { return target == ErrCrossed }

// crossing returns the replies, notes and customer messages on complaint id after entry
// seen written by anyone but by, oldest first.
func crossing(ctx context.Context, q querier, id, seen int64, by Actor) ([]Entry, error) {
	rows, err := q.Query(ctx, `SELECT `+entryCols+`
		FROM complaint_entries WHERE complaint_id = $1 AND id > $2 AND actor_id IS DISTINCT FROM $3
		AND kind IN ('public_reply', 'internal_note', 'customer_message') ORDER BY at, id`, id, seen, by.UserID)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, scanEntry)
}
