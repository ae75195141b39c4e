package complaints

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"lcrm/audit"
	"lcrm/internal/errs"
)

// RootCauses is the defect taxonomy a resolution must name.
var RootCauses = []string{"courier", "sorting_hub", "linehaul", "address_data", "weather", "customer", "system", "other"}

// ResolutionCodes are the ways a complaint can be settled.
var ResolutionCodes = []string{"refunded", "redelivered", "compensated", "replaced", "explained", "no_fault"}

// Resolution is what staff record when they resolve a complaint.
type Resolution struct {
	RootCause       string // one of RootCauses, required
	Department      string // the responsible department, required
	Code            string // one of ResolutionCodes, required
	Note            string // shown to the customer on the progress page
	CompensationFen int64  // optional, in fen
}

// validate trims r and reports every bad field.
func (r *Resolution) validate() error {
	var v errs.ValidationError
	r.RootCause, r.Department = strings.TrimSpace(r.RootCause), strings.TrimSpace(r.Department)
	r.Code, r.Note = strings.TrimSpace(r.Code), strings.TrimSpace(r.Note)
	if !slices.Contains(RootCauses, r.RootCause) {
		v.AddKey("root_cause", "field.choose_one_of", map[string]any{"Choices": strings.Join(RootCauses, ", ")})
	}
	if r.Department == "" || len(r.Department) > 100 {
		v.AddKey("department", "field.required_at_most", map[string]any{"Max": 100})
	} else {
		v.Text("department", r.Department, 100, false)
	}
	if !slices.Contains(ResolutionCodes, r.Code) {
		v.AddKey("code", "field.choose_one_of", map[string]any{"Choices": strings.Join(ResolutionCodes, ", ")})
	}
	if len(r.Note) > 4*MaxDescription {
		v.AddKey("note", "field.complaints.note_long", nil)
	} else {
		v.Text("note", r.Note, 4*MaxDescription, true)
	}
	if r.CompensationFen < 0 {
		v.AddKey("compensation", "field.complaints.compensation", nil)
	}
	return v.Err()
}

// record writes an audit entry for a staff action on complaint id.
func record(ctx context.Context, q querier, by Actor, action string, id int64, before, after any, now time.Time) error {
	name := by.Name
	if by.UserID == 0 && name == "" {
		name = ActorSystem
	}
	return audit.Record(ctx, q, audit.Entry{ActorID: by.UserID, Actor: name, Action: "complaint." + action,
		Object: "complaint", ObjectID: id, Before: before, After: after, At: now})
}

// Claim makes by the assignee of an unassigned complaint (a new one becomes acknowledged).
// One atomic UPDATE guards it (only a complaint nobody holds is taken, so of two racing
// claims exactly one wins): when someone else holds the complaint the error wraps
// ErrAlreadyClaimed and names the holder. Claiming one's own complaint again is a no-op.
func (s *Store) Claim(ctx context.Context, id int64, by Actor) error {
	if by.UserID == 0 {
		return fmt.Errorf("complaints: claim: a staff user is required")
	}
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		now := s.Now()
		tag, err := tx.Exec(ctx, `UPDATE complaints SET assignee_id = $2, updated_at = $3
			WHERE id = $1 AND assignee_id IS NULL`, id, by.UserID, now)
		if err != nil {
			return err
		}
		c, err := s.one(ctx, tx, "WHERE c.id = $1 FOR UPDATE OF c", id)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			if c.AssigneeID == by.UserID {
				return nil
			}
			return fmt.Errorf("%w by %s", ErrAlreadyClaimed, c.AssigneeName)
		}
		if _, err := addEntry(ctx, tx, id, by, "", Entry{At: now, Kind: KindAssignment, Text: "claimed by " + by.Name,
			Code: CodeClaimed, Data: map[string]any{"name": by.Name}}); err != nil {
			return err
		}
		if c.Status == StatusNew {
			if err := s.move(ctx, tx, c, StatusAcknowledged, by, "", "", now); err != nil {
				return err
			}
		}
		return record(ctx, tx, by, "claim", id, map[string]int64{"assignee_id": 0}, map[string]int64{"assignee_id": by.UserID}, now)
	})
	return wrap("claim", err)
}

// Assign gives complaints to a staff user (to = 0 takes them off everyone), all or none.
// Complaints already with that user are left as they are.
func (s *Store) Assign(ctx context.Context, ids []int64, to int64, by Actor) error {
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		now := s.Now()
		name, who := "nobody", ""
		if to != 0 {
			err := tx.QueryRow(ctx, `SELECT name FROM users WHERE id = $1 AND active AND role <> 'shipper'`, to).Scan(&name)
			if errors.Is(err, pgx.ErrNoRows) {
				v := &errs.ValidationError{}
				v.AddKey("assignee", "field.complaints.assignee", map[string]any{"ID": to})
				return v
			}
			if err != nil {
				return err
			}
			who = name
		}
		sorted := slices.Clone(ids)
		slices.Sort(sorted)
		for _, id := range slices.Compact(sorted) {
			c, err := s.one(ctx, tx, "WHERE c.id = $1 FOR UPDATE OF c", id)
			if err != nil {
				return err
			}
			if c.AssigneeID == to {
				continue
			}
			before := c.AssigneeID
			c.AssigneeID = to
			if err := save(ctx, tx, c, now); err != nil {
				return err
			}
			text := fmt.Sprintf("assigned to %s", name)
			if _, err := addEntry(ctx, tx, id, by, ActorSystem, Entry{At: now, Kind: KindAssignment, Text: text,
				Code: CodeAssigned, Data: map[string]any{"name": who}}); err != nil {
				return err
			}
			if err := record(ctx, tx, by, "assign", id, map[string]int64{"assignee_id": before}, map[string]int64{"assignee_id": to}, now); err != nil {
				return err
			}
		}
		return nil
	})
	return wrap("assign", err)
}

// Transition moves a complaint to another status by the lifecycle (ErrIllegalTransition
// otherwise, naming both statuses). Resolving goes through Resolve (ErrNeedsResolution);
// moving to the status it already has is a no-op. Only those MayWork admits may
// (ErrNotYours, checked before anything else).
func (s *Store) Transition(ctx context.Context, id int64, to Status, by Actor) error {
	err := s.mutate(ctx, id, func(tx pgx.Tx, c *Complaint, now time.Time) error {
		if err := mayWork(ctx, tx, by, c); err != nil {
			return err
		}
		if to == StatusResolved {
			return ErrNeedsResolution
		}
		if !to.Valid() {
			v := &errs.ValidationError{}
			v.AddKey("to", "field.complaints.status", nil)
			return v
		}
		if c.Status == to {
			return nil
		}
		from := c.Status
		if err := s.move(ctx, tx, c, to, by, ActorSystem, "", now); err != nil {
			return err
		}
		return record(ctx, tx, by, "status", id, map[string]Status{"status": from}, map[string]Status{"status": to}, now)
	})
	return wrap("transition", err)
}

// Reply adds a staff reply: public ones show on the customer's progress page (the first
// sets FirstRespondedAt), internal notes only in the console. The same text sent again
// within minutes returns the entry already stored. Any staff user may write a note; a
// public reply only those MayWork admits (ErrNotYours, checked before the text).
func (s *Store) Reply(ctx context.Context, id int64, by Actor, text string, public bool) (Entry, error) {
	return s.ReplyAfter(ctx, id, by, text, public, -1)
}

// ReplyAfter is Reply from a page that showed the timeline up to entry seen: when anyone
// else has since replied, written a note or the customer wrote (entries after seen), it
// stores nothing and returns a *CrossedError listing them, so the agent reads them before
// sending. The check runs with the complaint locked, so of two agents replying at once the
// second is warned. seen < 0 skips the check.
func (s *Store) ReplyAfter(ctx context.Context, id int64, by Actor, text string, public bool, seen int64) (Entry, error) {
	kind := KindInternalNote
	if public {
		kind = KindPublicReply
	}
	var e Entry
	err := s.mutate(ctx, id, func(tx pgx.Tx, c *Complaint, now time.Time) error {
		if public {
			if err := mayWork(ctx, tx, by, c); err != nil {
				return err
			}
		}
		var err error
		if text, err = messageText("text", text); err != nil {
			return err
		}
		prev, dup, err := repeated(ctx, tx, id, kind, text, now)
		if err != nil || dup {
			e = prev
			return err
		}
		if seen >= 0 {
			crossed, err := crossing(ctx, tx, id, seen, by)
			if err != nil {
				return err
			}
			if len(crossed) > 0 {
				return &CrossedError{Entries: crossed}
			}
		}
		if e, err = addEntry(ctx, tx, id, by, ActorSystem, Entry{At: now, Kind: kind, Text: text, Public: public}); err != nil {
			return err
		}
		if public && c.FirstRespondedAt == nil {
			c.FirstRespondedAt = &now
		}
		return save(ctx, tx, c, now)
	})
	return e, wrap("reply", err)
}

// Resolve settles a complaint with its root cause, responsible department, resolution code
// and optional compensation (a *errs.ValidationError when any is missing or unknown).
// The note is the public text of the status change. Resolving a resolved complaint again
// with the same resolution is a no-op. Only those MayWork admits may (ErrNotYours, checked
// before the resolution).
func (s *Store) Resolve(ctx context.Context, id int64, by Actor, r Resolution) error {
	err := s.mutate(ctx, id, func(tx pgx.Tx, c *Complaint, now time.Time) error {
		if err := mayWork(ctx, tx, by, c); err != nil {
			return err
		}
		if err := r.validate(); err != nil {
			return err
		}
		same := c.RootCause == r.RootCause && c.Department == r.Department && c.ResolutionCode == r.Code && c.CompensationFen == r.CompensationFen
		if c.Status == StatusResolved && same {
			return nil
		}
		from := c.Status
		before := map[string]any{"status": from, "root_cause": c.RootCause, "department": c.Department,
			"code": c.ResolutionCode, "compensation_fen": c.CompensationFen}
		c.RootCause, c.Department, c.ResolutionCode, c.CompensationFen = r.RootCause, r.Department, r.Code, r.CompensationFen
		if err := s.move(ctx, tx, c, StatusResolved, by, ActorSystem, r.Note, now); err != nil {
			return err
		}
		detail := fmt.Sprintf("root cause %s, department %s, code %s, compensation %d.%02d CNY",
			r.RootCause, r.Department, r.Code, r.CompensationFen/100, r.CompensationFen%100)
		if _, err := addEntry(ctx, tx, id, by, ActorSystem, Entry{At: now, Kind: KindResolution, Text: detail,
			Code: CodeResolution, Data: map[string]any{"root_cause": r.RootCause, "department": r.Department, "code": r.Code,
				"yuan": fmt.Sprintf("%d.%02d", r.CompensationFen/100, r.CompensationFen%100)}}); err != nil {
			return err
		}
		return record(ctx, tx, by, "resolve", id, before, map[string]any{"status": StatusResolved, "root_cause": r.RootCause,
			"department": r.Department, "code": r.Code, "compensation_fen": r.CompensationFen, "note": r.Note}, now)
	})
	return wrap("resolve", err)
}

// SetPriority changes a complaint's priority (a supervisor's decision) and recomputes both
// deadlines from the policy of the new priority.
func (s *Store) SetPriority(ctx context.Context, id int64, p Priority, by Actor) error {
	if !p.Valid() {
		v := &errs.ValidationError{}
		v.AddKey("priority", "field.complaints.priority", nil)
		return v
	}
	err := s.mutate(ctx, id, func(tx pgx.Tx, c *Complaint, now time.Time) error {
		from, firstWas, resWas := c.Priority, c.FirstResponseDue, c.ResolutionDue
		if changed, err := s.reprioritize(ctx, tx, c, p, by, "", now); err != nil || !changed {
			return err
		}
		return record(ctx, tx, by, "priority", id, map[string]any{
			"priority": from, "first_response_due": firstWas, "resolution_due": resWas}, map[string]any{
			"priority": p, "first_response_due": c.FirstResponseDue, "resolution_due": c.ResolutionDue}, now)
	})
	return wrap("set priority", err)
}

// reprioritize gives the locked complaint c priority p with that priority's deadlines and
// a timeline entry (note, when given, in brackets after the change); false when c has p
// already.
func (s *Store) reprioritize(ctx context.Context, q querier, c *Complaint, p Priority, by Actor, note string, now time.Time) (bool, error) {
	if c.Priority == p {
		return false, nil
	}
	from := c.Priority
	text := fmt.Sprintf("%s -> %s", from, p)
	if note != "" {
		text += " (" + note + ")"
	}
	c.Priority = p
	if err := s.recompute(ctx, q, c); err != nil {
		return false, err
	}
	if err := save(ctx, q, c, now); err != nil {
		return false, err
	}
	data := map[string]any{"from": string(from), "to": string(p)}
	if note != "" {
		data["note"] = note
	}
	_, err := addEntry(ctx, q, c.ID, by, ActorSystem, Entry{At: now, Kind: KindPriority, Text: text, Code: CodePriority, Data: data})
	return err == nil, err
}
