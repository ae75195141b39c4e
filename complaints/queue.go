package complaints

import (
	"context"
	"fmt"
	"strings"

	"lcrm/internal/config"
)

// Filter selects complaints for the console's queue; zero fields match everything.
type Filter struct {
	Status     []Status // none: every status but closed
	Priority   []Priority
	AssigneeID int64 // -1: unassigned only
	Category   Category
	SLA        string // "", SLAOk, SLADueSoon or SLABreached
	Appeal     bool   // only complaints with a regulator appeal
	// Text is what an agent typed in the queue's search box: a complaint reference, a
	// tracking number, part of the consignee's name, or the last 4 digits of a phone.
	Text  string
	Limit int // 100 when 0, at most 1000
}

// likePattern is "%text%" with LIKE's wildcards in text escaped.
func likePattern(text string) string {
	return "%" + strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(text) + "%"
}

// nextDeadline orders the queue: the nearest deadline still running first (the first
// response while unanswered, the resolution while open and not paused), then the rest.
const nextDeadline = `LEAST(
	CASE WHEN c.first_responded_at IS NULL AND c.status NOT IN ('resolved', 'closed') THEN c.first_response_due END,
	CASE WHEN c.status NOT IN ('resolved', 'closed') AND c.paused_since IS NULL THEN c.resolution_due END)`

// Queue returns the complaints matching f, the nearest running deadline first. The SLA
// state is SLAState at the store's now.
func (s *Store) Queue(ctx context.Context, f Filter) ([]Complaint, error) {
	if f.Limit <= 0 {
		f.Limit = config.DefaultComplaintPage
	}
	f.Limit = min(f.Limit, config.MaxComplaintPage)
	var where []string
	var args []any
	arg := func(v any) string { args = append(args, v); return fmt.Sprintf("$%d", len(args)) }
	if len(f.Status) > 0 {
		where = append(where, "c.status = ANY("+arg(statusStrings(f.Status))+")")
	} else {
		where = append(where, "c.status <> 'closed'")
	}
	if len(f.Priority) > 0 {
		ps := make([]string, len(f.Priority))
		for i, p := range f.Priority {
			ps[i] = string(p)
		}
		where = append(where, "c.priority = ANY("+arg(ps)+")")
	}
	switch {
	case f.AssigneeID > 0:
		where = append(where, "c.assignee_id = "+arg(f.AssigneeID))
	case f.AssigneeID < 0:
		where = append(where, "c.assignee_id IS NULL")
	}
	if f.Category != "" {
		where = append(where, "c.category = "+arg(string(f.Category)))
	}
	if f.Appeal {
		where = append(where, "EXISTS (SELECT 1 FROM appeals a WHERE a.complaint_id = c.id)")
	}
	if q := strings.TrimSpace(f.Text); q != "" {
		ref, _ := ParseRef(q)
		ident := strings.ToUpper(strings.Join(strings.Fields(q), ""))
		cond := "c.ref = " + arg(ref) + " OR s.tracking_no = " + arg(ident) + " OR cn.name ILIKE " + arg(likePattern(q))
		if len(q) == 4 && strings.Trim(q, "0123456789") == "" {
			p := arg(q)
			cond += " OR right(cn.phone, 4) = " + p + " OR right(c.contact_phone, 4) = " + p
		}
		where = append(where, "("+cond+")")
	}
	now := s.Now()
	switch f.SLA { // narrow in SQL; SLAState below has the last word
	case SLABreached:
		where = append(where, worstShare(arg(now))+" >= 0.999999")
	case SLADueSoon:
		where = append(where, "c.status NOT IN ('resolved', 'closed') AND "+worstShare(arg(now))+fmt.Sprintf(" >= %f", DueSoonShare-0.000001))
	}
	sql := selectComplaint + "WHERE " + strings.Join(where, " AND ") + " ORDER BY " + nextDeadline + " NULLS LAST, c.id"
	if f.SLA == "" {
		sql += " LIMIT " + arg(f.Limit)
	}
	rows, err := s.pool.Query(ctx, sql, args...)
	if err != nil {
		return nil, fmt.Errorf("complaints: queue: %w", err)
	}
	defer rows.Close()
	var out []Complaint
	for rows.Next() && len(out) < f.Limit {
		c, err := scanComplaint(rows)
		if err != nil {
			return nil, fmt.Errorf("complaints: queue: %w", err)
		}
		if f.SLA != "" {
			if state, _, _ := SLAState(c, now); state != f.SLA {
				continue
			}
		}
		out = append(out, *c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("complaints: queue: %w", err)
	}
	return out, nil
}

// worstShare is SLAState's worst share used, in SQL at the time now (a placeholder): the
// resolution window's, or the first response's while unanswered and open. A window of no
// length counts as fully used, so the SQL never drops a complaint SLAState would keep.
func worstShare(now string) string {
	first := `COALESCE(EXTRACT(EPOCH FROM COALESCE(c.first_responded_at, ` + now + `) - c.created_at) /
		NULLIF(EXTRACT(EPOCH FROM c.first_response_due - c.created_at), 0), 1e9)`
	resEnd := `CASE WHEN c.status IN ('resolved', 'closed') AND c.resolved_at IS NOT NULL THEN c.resolved_at
		WHEN c.paused_since IS NOT NULL THEN c.paused_since ELSE ` + now + `::timestamptz END`
	res := `COALESCE(EXTRACT(EPOCH FROM (` + resEnd + `) - c.clock_start) /
		NULLIF(EXTRACT(EPOCH FROM c.resolution_due - c.clock_start), 0), 1e9)`
	return `GREATEST(` + res + `, CASE WHEN c.first_responded_at IS NULL AND c.status NOT IN ('resolved', 'closed') THEN ` + first + ` END)`
}

func statusStrings(ss []Status) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = string(s)
	}
	return out
}
