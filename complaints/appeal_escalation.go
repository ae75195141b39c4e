package complaints

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// NotificationAppeal is the kind of the notification a manager gets when an appeal is
// handed to them.
const NotificationAppeal = "appeal"

// checkAppeals hands every appeal whose reply window is half used at now, still without a
// formal reply, to a manager: the complaint is assigned to them (unless it already is), they
// get an in-app notification (and the Alerter's message) and the timeline says so. The
// appeal's escalated_at, set under its row lock, makes this happen once per appeal however
// often and on however many instances the check runs. It returns the hand-overs made and
// the alerts to send after commit.
func (s *Store) checkAppeals(ctx context.Context, now time.Time) (int, []alert, error) {
	rows, err := s.pool.Query(ctx, `SELECT id FROM appeals
		WHERE replied_at IS NULL AND escalated_at IS NULL AND received_at + (reply_due - received_at) / 2 <= $1
		ORDER BY reply_due, id`, now)
	if err != nil {
		return 0, nil, fmt.Errorf("complaints: check appeals: %w", err)
	}
	due, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		return 0, nil, fmt.Errorf("complaints: check appeals: %w", err)
	}
	n := 0
	var alerts []alert
	for _, id := range due {
		var a *alert
		err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
			var err error
			a, err = s.handOver(ctx, tx, id, now)
			return err
		})
		if err != nil {
			return n, alerts, fmt.Errorf("complaints: check appeals: appeal %d: %w", id, err)
		}
		if a != nil {
			n++
			alerts = append(alerts, *a)
		}
	}
	return n, alerts, nil
}

// handOver gives one appeal to a manager (see checkAppeals); nil when it was settled since
// the scan or there is no manager to give it to (the next check tries again).
func (s *Store) handOver(ctx context.Context, tx pgx.Tx, appealID int64, now time.Time) (*alert, error) {
	var complaintID int64
	err := tx.QueryRow(ctx, `SELECT complaint_id FROM appeals WHERE id = $1`, appealID).Scan(&complaintID)
	if err != nil {
		return nil, err
	}
	// The complaint first, then the appeal: the order every writer of both takes.
	c, err := s.one(ctx, tx, "WHERE c.id = $1 FOR UPDATE OF c", complaintID)
	if err != nil {
		return nil, err
	}
	a, err := appealWhere(ctx, tx, "a.id = $1 FOR UPDATE OF a", appealID)
	if err != nil {
		return nil, err
	}
	if a.RepliedAt != nil || a.EscalatedAt != nil || a.HalfDue().After(now) {
		return nil, nil
	}
	mgr, err := managerFor(ctx, tx, c.AssigneeID)
	if err != nil || mgr.id == 0 {
		return nil, err
	}
	if _, err := tx.Exec(ctx, `UPDATE appeals SET escalated_at = $2, escalated_to = $3, updated_at = $2 WHERE id = $1`,
		a.ID, now, mgr.id); err != nil {
		return nil, err
	}
	if c.AssigneeID != mgr.id {
		before := c.AssigneeID
		c.AssigneeID = mgr.id
		if err := save(ctx, tx, c, now); err != nil {
			return nil, err
		}
		if _, err := addEntry(ctx, tx, c.ID, Actor{}, ActorSystem, Entry{At: now, Kind: KindAssignment, Text: "assigned to " + mgr.name}); err != nil {
			return nil, err
		}
		if err := record(ctx, tx, Actor{}, "assign", c.ID, map[string]int64{"assignee_id": before}, map[string]int64{"assignee_id": mgr.id}, now); err != nil {
			return nil, err
		}
	}
	zone := s.zone()
	text := fmt.Sprintf("%s: regulator appeal %s has used half its reply time (reply due %s) without a formal reply; it is now yours",
		c.Ref, a.No, a.ReplyDue.In(zone).Format("2006-01-02 15:04"))
	// The data lets the desk write the notification in the reader's language; text is the
	// English for the SMS alert and older readers.
	data := map[string]any{"ref": c.Ref, "appeal_no": a.No, "due": a.ReplyDue.In(zone).Format("2006-01-02 15:04")}
	if _, err := tx.Exec(ctx, `INSERT INTO notifications (user_id, complaint_id, kind, text, data, created_at)
		VALUES ($1, $2, $3, $4, $5, $6)`, mgr.id, c.ID, NotificationAppeal, text, data, now); err != nil {
		return nil, err
	}
	entry := fmt.Sprintf("appeal %s: half the reply time used without a formal reply, handed to manager %s", a.No, mgr.name)
	if _, err := addEntry(ctx, tx, c.ID, Actor{}, ActorSystem, Entry{At: now, Kind: KindAppeal, Text: entry}); err != nil {
		return nil, err
	}
	return &alert{userID: mgr.id, text: text}, nil
}

// managerFor picks the manager an appeal goes to: the first active manager up the
// assignee's chain (the assignee themself when a manager), else the active manager holding
// the fewest open complaints (then the lowest id). The zero person when there is no manager.
func managerFor(ctx context.Context, q querier, assignee int64) (person, error) {
	var p person
	err := q.QueryRow(ctx, `WITH RECURSIVE chain(id, depth) AS (
			SELECT $1::bigint, 0 UNION SELECT u.manager_id, c.depth + 1 FROM users u JOIN chain c ON u.id = c.id
			WHERE u.manager_id IS NOT NULL AND c.depth < $2)
		SELECT u.id, u.name FROM chain c JOIN users u ON u.id = c.id
		WHERE u.role = 'manager' AND u.active ORDER BY c.depth LIMIT 1`, assignee, maxLevel).Scan(&p.id, &p.name)
	if err == nil || !errors.Is(err, pgx.ErrNoRows) {
		return p, err
	}
	err = q.QueryRow(ctx, `SELECT u.id, u.name FROM users u
		WHERE u.role = 'manager' AND u.active
		ORDER BY (SELECT count(*) FROM complaints c WHERE c.assignee_id = u.id AND c.status NOT IN ('resolved', 'closed')), u.id
		LIMIT 1`).Scan(&p.id, &p.name)
	if errors.Is(err, pgx.ErrNoRows) {
		return person{}, nil
	}
	return p, err
}
