package complaints

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

// Deadline kinds of the escalation ladder.
const (
	DeadlineFirstResponse = "first_response"
	DeadlineResolution    = "resolution"
)

// maxLevel bounds the ladder (and a manager chain that loops).
const maxLevel = 20

// breach is one missed deadline of an open complaint.
type breach struct {
	id    int64
	kind  string
	due   time.Time
	round int
}

// alert is a notification stored by this run, handed to the Alerter after commit.
type alert struct {
	userID int64
	text   string
}

// CheckEscalations runs the escalation ladder at now. For every open complaint whose
// first-response or resolution deadline has passed unmet (a paused resolution clock does not
// run): level 1 alerts the assignee and the assignee's manager (unassigned: every active
// supervisor); every further EscalationInterval still unmet climbs one level up the manager
// chain, until its top. Each step writes an in-app notification per person and a timeline
// entry, once: the (complaint, deadline, round, level) key makes a repeated check alert
// nobody twice. Regulator appeals half through their reply time without a formal reply
// go to a manager here too (checkAppeals). It returns how many steps and hand-overs it took.
func (s *Store) CheckEscalations(ctx context.Context, now time.Time) (int, error) {
	interval := s.EscalationInterval
	if interval <= 0 {
		interval = DefaultEscalationInterval
	}
	rows, err := s.pool.Query(ctx, `
		SELECT id, 'first_response', first_response_due, reopen_count FROM complaints
		WHERE status NOT IN ('resolved', 'closed') AND first_responded_at IS NULL AND first_response_due <= $1
		UNION ALL
		SELECT id, 'resolution', resolution_due, reopen_count FROM complaints
		WHERE status NOT IN ('resolved', 'closed') AND paused_since IS NULL AND resolution_due <= $1
		ORDER BY 1, 2`, now)
	if err != nil {
		return 0, fmt.Errorf("complaints: check escalations: %w", err)
	}
	breaches, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (breach, error) {
		var b breach
		return b, r.Scan(&b.id, &b.kind, &b.due, &b.round)
	})
	if err != nil {
		return 0, fmt.Errorf("complaints: check escalations: %w", err)
	}
	steps := 0
	var alerts []alert
	for _, b := range breaches {
		want := min(1+int(now.Sub(b.due)/interval), maxLevel)
		for level := 1; level <= want; level++ {
			var stepAlerts []alert
			var done, top bool
			err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
				var err error
				stepAlerts, done, top, err = s.escalate(ctx, tx, b, level, now)
				return err
			})
			if err != nil {
				return steps, fmt.Errorf("complaints: check escalations: complaint %d: %w", b.id, err)
			}
			if done {
				steps++
				alerts = append(alerts, stepAlerts...)
			}
			if top {
				break
			}
		}
	}
	handed, appealAlerts, err := s.checkAppeals(ctx, now)
	steps += handed
	if err != nil {
		return steps, err
	}
	return steps, s.sendAlerts(ctx, append(alerts, appealAlerts...))
}

// sendAlerts hands new notifications to the Alerter, if any; failures do not undo them.
func (s *Store) sendAlerts(ctx context.Context, alerts []alert) error {
	if s.Alerter == nil {
		return nil
	}
	var errs []error
	for _, a := range alerts {
		if err := s.Alerter.Alert(ctx, a.userID, a.text); err != nil {
			errs = append(errs, fmt.Errorf("complaints: alert user %d: %w", a.userID, err))
		}
	}
	return errors.Join(errs...)
}

// escalate takes one step of b's ladder: it reports done when this call stored the step
// and top when the chain has nobody at this level (the ladder ends there).
func (s *Store) escalate(ctx context.Context, tx pgx.Tx, b breach, level int, now time.Time) (alerts []alert, done, top bool, err error) {
	c, err := s.one(ctx, tx, "WHERE c.id = $1 FOR UPDATE OF c", b.id)
	if err != nil {
		return nil, false, false, err
	}
	if !c.Status.Open() || c.ReopenCount != b.round {
		return nil, false, true, nil // settled since the scan
	}
	users, err := ladder(ctx, tx, c.AssigneeID, level)
	if err != nil || len(users) == 0 {
		return nil, false, true, err
	}
	tag, err := tx.Exec(ctx, `INSERT INTO complaint_escalations (complaint_id, deadline, round, level, notified, at)
		VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING`, b.id, b.kind, b.round, level, ids(users), now)
	if err != nil || tag.RowsAffected() == 0 {
		return nil, false, false, err
	}
	what := "first response"
	if b.kind == DeadlineResolution {
		what = "resolution"
	}
	text := fmt.Sprintf("%s (%s, %s): %s deadline %s missed, escalation level %d",
		c.Ref, c.Priority, c.Category, what, b.due.In(s.zone()).Format("2006-01-02 15:04"), level)
	// The console writes notif.escalation from these in the reader's language.
	data := map[string]any{"ref": c.Ref, "priority": string(c.Priority), "category": string(c.Category),
		"deadline": b.kind, "due": b.due.In(s.zone()).Format("2006-01-02 15:04"), "level": level}
	var names []string
	for _, u := range users {
		names = append(names, u.name)
		if _, err := tx.Exec(ctx, `INSERT INTO notifications (user_id, complaint_id, kind, text, data, created_at)
			VALUES ($1, $2, 'escalation', $3, $4, $5)`, u.id, c.ID, text, data, now); err != nil {
			return nil, false, false, err
		}
		alerts = append(alerts, alert{u.id, text})
	}
	entry := fmt.Sprintf("%s deadline missed: level %d, alerted %s", what, level, strings.Join(names, ", "))
	if _, err := addEntry(ctx, tx, c.ID, Actor{}, ActorSystem, Entry{At: now, Kind: KindEscalation, Text: entry,
		Code: CodeEscalated, Data: map[string]any{"deadline": b.kind, "level": level, "names": strings.Join(names, ", ")}}); err != nil {
		return nil, false, false, err
	}
	return alerts, true, false, nil
}

// person is a staff user on the ladder.
type person struct {
	id   int64
	name string
}

func ids(ps []person) []int64 {
	out := make([]int64, len(ps))
	for i, p := range ps {
		out[i] = p.id
	}
	return out
}

// ladder returns who is alerted at a level: for an assigned complaint level 1 is the
// assignee and their manager and level n the manager n steps up; for an unassigned one
// level 1 is every active supervisor and level n their managers n-1 steps up. Inactive
// users are not alerted; a level with nobody to alert is the top of the ladder.
func ladder(ctx context.Context, q querier, assignee int64, level int) ([]person, error) {
	var base []int64
	steps := level - 1
	if assignee != 0 {
		base, steps = []int64{assignee}, level
	} else {
		rows, err := q.Query(ctx, `SELECT id FROM users WHERE role = 'supervisor' AND active ORDER BY id`)
		if err != nil {
			return nil, err
		}
		if base, err = pgx.CollectRows(rows, pgx.RowTo[int64]); err != nil {
			return nil, err
		}
	}
	set := base
	for range steps {
		rows, err := q.Query(ctx, `SELECT DISTINCT manager_id FROM users WHERE id = ANY($1) AND manager_id IS NOT NULL ORDER BY 1`, set)
		if err != nil {
			return nil, err
		}
		if set, err = pgx.CollectRows(rows, pgx.RowTo[int64]); err != nil {
			return nil, err
		}
	}
	if assignee != 0 && level == 1 {
		set = append(set, assignee)
	}
	if len(set) == 0 {
		return nil, nil
	}
	rows, err := q.Query(ctx, `SELECT id, name FROM users WHERE id = ANY($1) AND active ORDER BY id`, set)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (person, error) {
		var p person
		return p, r.Scan(&p.id, &p.name)
	})
}
