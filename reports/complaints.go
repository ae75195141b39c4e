package reports

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// ComplaintFigures are the complaint KPIs of one set of complaints (all, or one category):
// see Definitions for each.
type ComplaintFigures struct {
	Category   string // "" for all complaints
	Filed      int64
	Repeats    int64 // filed by a consignee who had filed another in the 30 days before
	FRTMedian  *time.Duration
	FRTP90     *time.Duration
	ResMedian  *time.Duration
	ResP90     *time.Duration
	FRTDue     int64 // answered, or first-response deadline before the period's end and now
	FRTMet     int64 // answered by the deadline
	ResDue     int64 // resolved, or resolution deadline before the period's end and now
	ResMet     int64 // resolved by the deadline
	Reopened   int64 // reopened at least once
	Rated      int64 // rated by the customer after resolution (1-5)
	RatedHappy int64 // rated 4 or 5
}

// RepeatRate is Repeats / Filed.
func (c ComplaintFigures) RepeatRate() *float64 { return ratio(c.Repeats, c.Filed) }

// FRTCompliance is the first-response SLA compliance, FRTMet / FRTDue.
func (c ComplaintFigures) FRTCompliance() *float64 { return ratio(c.FRTMet, c.FRTDue) }

// ResCompliance is the resolution SLA compliance, ResMet / ResDue.
func (c ComplaintFigures) ResCompliance() *float64 { return ratio(c.ResMet, c.ResDue) }

// ReopenRate is Reopened / Filed.
func (c ComplaintFigures) ReopenRate() *float64 { return ratio(c.Reopened, c.Filed) }

// CSATAfterResolution is the share of customer ratings of 4 or 5.
func (c ComplaintFigures) CSATAfterResolution() *float64 { return ratio(c.RatedHappy, c.Rated) }

// Per1000 is Filed per 1,000 delivered shipments, nil when nothing was delivered.
func (c ComplaintFigures) Per1000(delivered int64) *float64 {
	return ratio(c.Filed*1000, delivered)
}

// ComplaintStats are the complaint figures of a period: the total, per category, and the
// escalation steps taken in the period.
type ComplaintStats struct {
	Total       ComplaintFigures
	ByCategory  []ComplaintFigures // most complaints first
	Escalations int64
}

// complaintsCTE selects the complaints filed in [$1, $2) whose shipment passes the filter
// (%s), with their times in seconds and whether the consignee complained in the 30 days
// before. $3 is the instant a deadline must be before to count as passed: the earlier of
// the period's end and now (dueBy), so a complaint due tomorrow is not a miss today.
const complaintsCTE = `
WITH c AS (
    SELECT c.id, c.category, c.assignee_id, c.root_cause, c.department, c.rating, c.reopen_count,
           EXTRACT(EPOCH FROM c.first_responded_at - c.created_at)::float8 AS frt,
           EXTRACT(EPOCH FROM c.resolved_at - c.created_at)::float8 AS res,
           c.first_responded_at IS NOT NULL OR c.first_response_due < $3 AS frt_due,
           c.first_responded_at <= c.first_response_due AS frt_met,
           c.resolved_at IS NOT NULL OR c.resolution_due < $3 AS res_due,
           c.resolved_at <= c.resolution_due AS res_met,
           EXISTS (SELECT 1 FROM complaints o
                   WHERE o.consignee_id = c.consignee_id AND o.created_at >= c.created_at - interval '30 days'
                     AND (o.created_at, o.id) < (c.created_at, c.id)) AS repeat
    FROM complaints c JOIN shipments s ON s.id = c.shipment_id
    WHERE c.created_at >= $1 AND c.created_at < $2 %s
)`

// figuresSQL are the aggregate columns of ComplaintFigures, in field order.
const figuresSQL = `count(*), count(*) FILTER (WHERE repeat),
       percentile_cont(0.5) WITHIN GROUP (ORDER BY frt), percentile_cont(0.9) WITHIN GROUP (ORDER BY frt),
       percentile_cont(0.5) WITHIN GROUP (ORDER BY res), percentile_cont(0.9) WITHIN GROUP (ORDER BY res),
       count(*) FILTER (WHERE frt_due), count(*) FILTER (WHERE frt_met),
       count(*) FILTER (WHERE res_due), count(*) FILTER (WHERE res_met),
       count(*) FILTER (WHERE reopen_count > 0), count(*) FILTER (WHERE rating > 0),
       count(*) FILTER (WHERE rating >= 4)`

// scanFigures scans the figuresSQL columns after the leading ones in lead.
func scanFigures(rows pgx.Rows, c *ComplaintFigures, lead ...any) error {
	var f50, f90, r50, r90 *float64
	dst := append(lead, &c.Filed, &c.Repeats, &f50, &f90, &r50, &r90, &c.FRTDue, &c.FRTMet,
		&c.ResDue, &c.ResMet, &c.Reopened, &c.Rated, &c.RatedHappy)
	err := rows.Scan(dst...)
	c.FRTMedian, c.FRTP90, c.ResMedian, c.ResP90 = seconds(f50), seconds(f90), seconds(r50), seconds(r90)
	return err
}

// complaintArgs are complaintsCTE's parameters for p: its bounds and the instant a
// deadline must be before to have passed, the earlier of p.To and p.AsOf (the store's
// clock when p has none).
func (st *Store) complaintArgs(p Period) []any {
	now := p.AsOf
	if now.IsZero() {
		now = st.Now()
	}
	return []any{p.From, p.To, minTime(p.To, now)}
}

// minTime is the earlier of a and b.
func minTime(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}

// Complaints returns the complaint KPIs of p under f: totals and per category from one
// statement, and the escalation count.
func (st *Store) Complaints(ctx context.Context, p Period, f Filter) (*ComplaintStats, error) {
	if err := p.check(); err != nil {
		return nil, err
	}
	cond, args := complaintFilterSQL(f, st.complaintArgs(p))
	q := fmt.Sprintf(complaintsCTE, cond) + `
SELECT GROUPING(category), COALESCE(category, ''), ` + figuresSQL + `
FROM c GROUP BY GROUPING SETS ((), (category))
ORDER BY GROUPING(category) DESC, count(*) DESC, category`
	type row struct {
		total bool
		c     ComplaintFigures
	}
	list, err := collect(ctx, st.pool, "complaints", q, args, func(rows pgx.Rows) (row, error) {
		var r row
		var total int
		err := scanFigures(rows, &r.c, &total, &r.c.Category)
		r.total = total == 1
		return r, err
	})
	if err != nil {
		return nil, err
	}
	out := &ComplaintStats{}
	for _, r := range list {
		if r.total {
			out.Total = r.c
		} else {
			out.ByCategory = append(out.ByCategory, r.c)
		}
	}
	cond, args = complaintFilterSQL(f, []any{p.From, p.To})
	esc := fmt.Sprintf(`
SELECT count(*) FROM complaint_escalations e
JOIN complaints c ON c.id = e.complaint_id JOIN shipments s ON s.id = c.shipment_id
WHERE e.at >= $1 AND e.at < $2 %s`, cond)
	if err := st.pool.QueryRow(ctx, esc, args...).Scan(&out.Escalations); err != nil {
		return nil, fmt.Errorf("reports: escalations: %w", err)
	}
	return out, nil
}

// ComplaintTiles are the complaint tiles of the dashboard for cur and prev (the stats of
// sum's period and previous period), after Summary.Tiles.
func ComplaintTiles(cur, prev *ComplaintStats, sum *Summary) []Tile {
	dur := func(d *time.Duration) *float64 {
		if d == nil {
			return nil
		}
		f := d.Seconds()
		return &f
	}
	num := func(v int64) *float64 { f := float64(v); return &f }
	c, p := cur.Total, prev.Total
	tile := func(name, unit string, a, b *float64) Tile {
		return Tile{Name: name, Unit: unit, Current: a, Previous: b, Diff: Change(a, b)}
	}
	return []Tile{
		tile("Complaints", "count", num(c.Filed), num(p.Filed)),
		tile("Complaints per 1,000 delivered", "score", c.Per1000(sum.Current.Delivered), p.Per1000(sum.Previous.Delivered)),
		tile("Repeat-complaint rate", "%", c.RepeatRate(), p.RepeatRate()),
		tile("First-response time median", "duration", dur(c.FRTMedian), dur(p.FRTMedian)),
		tile("First-response SLA compliance", "%", c.FRTCompliance(), p.FRTCompliance()),
		tile("Resolution time median", "duration", dur(c.ResMedian), dur(p.ResMedian)),
		tile("Resolution SLA compliance", "%", c.ResCompliance(), p.ResCompliance()),
		tile("Escalations", "count", num(cur.Escalations), num(prev.Escalations)),
	}
}
