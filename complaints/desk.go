package complaints

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// DeskChange is one of a staff user's complaints on which someone else (the customer, a
// supervisor, the escalation ladder) wrote to the timeline since the user last looked.
type DeskChange struct {
	Complaint
	NewEntries int       // entries by others since then
	LastAt     time.Time // the newest of them
}

// LastSeen returns when a user last looked at their desk (zero when never).
func (s *Store) LastSeen(ctx context.Context, userID int64) (time.Time, error) {
	var at time.Time
	err := s.pool.QueryRow(ctx, `SELECT seen_at FROM desk_seen WHERE user_id = $1`, userID).Scan(&at)
	if errors.Is(err, pgx.ErrNoRows) {
		return time.Time{}, nil
	}
	if err != nil {
		return at, fmt.Errorf("complaints: last seen: %w", err)
	}
	return at, nil
}

// MarkSeen records that a user looked at their desk at `at`. It never moves the time
// back, so a retried or late request cannot bring old changes back as new.
func (s *Store) MarkSeen(ctx context.Context, userID int64, at time.Time) error {
	_, err := s.pool.Exec(ctx, `INSERT INTO desk_seen (user_id, seen_at) VALUES ($1, $2)
		ON CONFLICT (user_id) DO UPDATE SET seen_at = GREATEST(desk_seen.seen_at, EXCLUDED.seen_at)`, userID, at)
	if err != nil {
		return fmt.Errorf("complaints: mark seen: %w", err)
	}
	return nil
}

// ChangedSince returns the complaints assigned to a user with timeline entries written by
// anyone else after since, the most recently changed first (at most 100). Two round trips
// whatever the number of complaints.
func (s *Store) ChangedSince(ctx context.Context, userID int64, since time.Time) ([]DeskChange, error) {
	rows, err := s.pool.Query(ctx, `SELECT e.complaint_id, count(*), max(e.at)
		FROM complaint_entries e JOIN complaints c ON c.id = e.complaint_id
		WHERE c.assignee_id = $1 AND e.at > $2 AND e.actor_id IS DISTINCT FROM $1
		GROUP BY e.complaint_id ORDER BY max(e.at) DESC, e.complaint_id LIMIT 100`, userID, since)
	if err != nil {
		return nil, fmt.Errorf("complaints: changed since: %w", err)
	}
	type count struct {
		id   int64
		n    int
		last time.Time
	}
	counts, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (count, error) {
		var c count
		return c, r.Scan(&c.id, &c.n, &c.last)
	})
	if err != nil || len(counts) == 0 {
		return nil, wrap("changed since", err)
	}
	ids := make([]int64, len(counts))
	for i, c := range counts {
		ids[i] = c.id
	}
	list, err := s.many(ctx, s.pool, "WHERE c.id = ANY($1)", ids)
	if err != nil {
		return nil, fmt.Errorf("complaints: changed since: %w", err)
	}
	byID := make(map[int64]Complaint, len(list))
	for _, c := range list {
		byID[c.ID] = c
	}
	out := make([]DeskChange, 0, len(counts))
	for _, c := range counts {
		if cp, ok := byID[c.id]; ok {
			out = append(out, DeskChange{Complaint: cp, NewEntries: c.n, LastAt: c.last})
		}
	}
	return out, nil
}

// ActiveWindow is how recently a staff user must have used the site to count as active on
// the wallboard.
const ActiveWindow = 15 * time.Minute

// Wallboard is the service desk at a glance, for the screen on the wall.
type Wallboard struct {
	Open       int        // complaints not resolved or closed
	Unassigned int        // open complaints nobody has claimed
	Waiting    int        // open complaints still without a first response
	Oldest     *time.Time // filing time of the oldest of those (nil when none)
	Breached   int        // open complaints past a deadline still running
	// AgentsActive is the number of active staff users (any staff role) whose session was
	// used within ActiveWindow: people at their desks, whether or not they hold a complaint.
	AgentsActive int
	// FirstResponses is how many complaints got their first response today (the store's zone), and
	// FirstResponseMedian the median time from filing to that response (0 when none).
	FirstResponses      int
	FirstResponseMedian time.Duration
}

// Wallboard computes the wallboard's figures at now in one round trip.
func (s *Store) Wallboard(ctx context.Context, now time.Time) (Wallboard, error) {
	day := now.In(s.zone())
	midnight := time.Date(day.Year(), day.Month(), day.Day(), 0, 0, 0, 0, s.zone())
	var w Wallboard
	var median *float64
	err := s.pool.QueryRow(ctx, `
WITH c AS (
	SELECT status NOT IN ('resolved', 'closed') AS open, assignee_id, created_at, first_responded_at,
		first_response_due, resolution_due, paused_since
	FROM complaints WHERE status <> 'closed' OR first_responded_at >= $2
)
SELECT count(*) FILTER (WHERE open),
	count(*) FILTER (WHERE open AND assignee_id IS NULL),
	count(*) FILTER (WHERE open AND first_responded_at IS NULL),
	min(created_at) FILTER (WHERE open AND first_responded_at IS NULL),
	count(*) FILTER (WHERE open AND ((first_responded_at IS NULL AND first_response_due < $1)
		OR (paused_since IS NULL AND resolution_due < $1))),
	count(*) FILTER (WHERE first_responded_at >= $2 AND first_responded_at <= $1),
	percentile_cont(0.5) WITHIN GROUP (ORDER BY EXTRACT(EPOCH FROM first_responded_at - created_at))
		FILTER (WHERE first_responded_at >= $2 AND first_responded_at <= $1),
	(SELECT count(DISTINCT s.user_id) FROM sessions s JOIN users u ON u.id = s.user_id
		WHERE u.role <> 'shipper' AND u.active AND s.last_seen_at > $3 AND s.last_seen_at <= $1 AND s.expires_at > $1)
FROM c`, now, midnight, now.Add(-ActiveWindow)).Scan(&w.Open, &w.Unassigned, &w.Waiting, &w.Oldest, &w.Breached,
		&w.FirstResponses, &median, &w.AgentsActive)
	if err != nil {
		return w, fmt.Errorf("complaints: wallboard: %w", err)
	}
	if median != nil {
		w.FirstResponseMedian = time.Duration(*median * float64(time.Second)).Round(time.Second)
	}
	return w, nil
}
