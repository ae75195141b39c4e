package reports

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// Agent is the complaint figures of the complaints filed in the period that are assigned
// to one staff member now.
type Agent struct {
	UserID int64
	Name   string
	ComplaintFigures
}

// Agents returns one row per assignee of complaints filed in p under f, most complaints
// first. Unassigned complaints are left out.
func (st *Store) Agents(ctx context.Context, p Period, f Filter) ([]Agent, error) {
	if err := p.check(); err != nil {
		return nil, err
	}
	cond, args := complaintFilterSQL(f, st.complaintArgs(p))
	q := fmt.Sprintf(complaintsCTE, cond) + `
SELECT c.assignee_id, COALESCE(min(u.name), ''), ` + figuresSQL + `
FROM c LEFT JOIN users u ON u.id = c.assignee_id
WHERE c.assignee_id IS NOT NULL
GROUP BY c.assignee_id
ORDER BY count(*) DESC, c.assignee_id`
	return collect(ctx, st.pool, "agents", q, args, func(rows pgx.Rows) (Agent, error) {
		var a Agent
		err := scanFigures(rows, &a.ComplaintFigures, &a.UserID, &a.Name)
		return a, err
	})
}

// RootCause is one bar of the defects Pareto.
type RootCause struct {
	RootCause, Department string
	Complaints            int64
	Share, Cumulative     float64 // of all complaints with a root cause, running total
}

// rootCausesSQL groups the complaints of the period that have a root cause.
const rootCausesSQL = `
SELECT root_cause, department, count(*),
       count(*)::float8 / sum(count(*)) OVER (),
       sum(count(*)) OVER (ORDER BY count(*) DESC, root_cause, department)::float8 / sum(count(*)) OVER ()
FROM c WHERE root_cause <> ''
GROUP BY root_cause, department
ORDER BY count(*) DESC, root_cause, department`

// RootCauses returns the defects Pareto of p under f: complaints filed in the period with
// a recorded root cause, by root cause and responsible department, most first, with each
// bar's share and the cumulative share.
func (st *Store) RootCauses(ctx context.Context, p Period, f Filter) ([]RootCause, error) {
	if err := p.check(); err != nil {
		return nil, err
	}
	cond, args := complaintFilterSQL(f, st.complaintArgs(p))
	q := fmt.Sprintf(complaintsCTE, cond) + rootCausesSQL
	return collect(ctx, st.pool, "root causes", q, args, func(rows pgx.Rows) (RootCause, error) {
		var r RootCause
		err := rows.Scan(&r.RootCause, &r.Department, &r.Complaints, &r.Share, &r.Cumulative)
		return r, err
	})
}
