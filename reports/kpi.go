package reports

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"lcrm/internal/clock"
)

// Store runs the KPI queries against PostgreSQL. It only reads.
type Store struct {
	pool *pgxpool.Pool
	// Now is the store's clock (clock.System from NewStore): it stamps saved workbooks.
	// Refresh takes its instant from the caller (the job's slot) instead. Tests set it.
	Now clock.Clock
	// liveCuts counts the ranges read live rather than from the rollup (tests read it).
	liveCuts atomic.Int64
	// allLive ignores the rollup: every range is cut live (tests compare the two reads).
	allLive bool
}

// NewStore returns a Store over pool.
func NewStore(pool *pgxpool.Pool) *Store { return &Store{pool: pool, Now: clock.System} }

// Counts are the additive figures every grouping of the report shares; the rates are
// methods so that a zero denominator gives "no value" rather than a made-up 0 %.
type Counts struct {
	Created   int64          // shipments created in the period
	Delivered int64          // shipments delivered in the period
	OnTime    int64          // of those, delivered by the promised time
	Surveys   int64          // surveys of the delivered shipments
	Satisfied int64          // of those, CSAT 4 or 5
	LagMedian *time.Duration // sign-off lag median, nil without data
}

// OnTimeRate is OnTime / Delivered, nil when nothing was delivered.
func (c Counts) OnTimeRate() *float64 { return ratio(c.OnTime, c.Delivered) }

// CSATShare is the share of surveys answering 4 or 5, nil without surveys.
func (c Counts) CSATShare() *float64 { return ratio(c.Satisfied, c.Surveys) }

// ResponseRate is Surveys / Delivered, nil when nothing was delivered.
func (c Counts) ResponseRate() *float64 { return ratio(c.Surveys, c.Delivered) }

// ratio is num/den, nil when den is 0.
func ratio(num, den int64) *float64 {
	if den == 0 {
		return nil
	}
	r := float64(num) / float64(den)
	return &r
}

// Change is cur − prev, nil when either is missing: the tiles' "vs previous period".
func Change(cur, prev *float64) *float64 {
	if cur == nil || prev == nil {
		return nil
	}
	d := *cur - *prev
	return &d
}

// seconds turns a nullable number of seconds from SQL into a duration.
func seconds(s *float64) *time.Duration {
	if s == nil {
		return nil
	}
	d := time.Duration(*s * float64(time.Second)).Round(time.Second)
	return &d
}

// filterSQL returns the conditions Filter f puts on shipments aliased s, numbering its
// parameters after args and returning the extended args.
func filterSQL(f Filter, args []any) (string, []any) {
	var b strings.Builder
	add := func(cond string, v any) {
		args = append(args, v)
		b.WriteString(" AND ")
		b.WriteString(strings.ReplaceAll(cond, "$?", "$"+strconv.Itoa(len(args))))
	}
	if f.ShipperID != 0 {
		add("s.shipper_id = $?", f.ShipperID)
	}
	if f.Tier != "" {
		add("s.shipper_id IN (SELECT id FROM shippers WHERE tier = $?)", f.Tier)
	}
	if f.ServiceLevel != "" {
		add("s.service_level = $?", f.ServiceLevel)
	}
	if f.DestProvince != "" {
		add("s.dest_province = $?", f.DestProvince)
	}
	b.WriteString(f.disruptedSQL())
	return b.String(), args
}

// teamSQL lists the user $? and everyone whose manager chain leads to them; UNION (not
// UNION ALL) stops at a cycle.
const teamSQL = `c.assignee_id IN (WITH RECURSIVE team(id) AS (
    SELECT $?::bigint UNION SELECT u.id FROM users u JOIN team t ON u.manager_id = t.id)
  SELECT id FROM team)`

// complaintFilterSQL is filterSQL plus the Team condition on complaints aliased c: the
// conditions of the complaint queries.
func complaintFilterSQL(f Filter, args []any) (string, []any) {
	cond, args := filterSQL(f, args)
	if f.Team != 0 {
		args = append(args, f.Team)
		cond += " AND " + strings.ReplaceAll(teamSQL, "$?", "$"+strconv.Itoa(len(args)))
	}
	return cond, args
}

// zoneName is the IANA name PostgreSQL understands for the period's zone.
func (p Period) zoneName() string { return p.zone().String() }

// check rejects periods the queries cannot answer.
func (p Period) check() error {
	if !p.To.After(p.From) {
		return fmt.Errorf("reports: period %s..%s is empty or reversed", p.From, p.To)
	}
	if n := p.zoneName(); n == "Local" || n == "" {
		return fmt.Errorf("reports: zone %q has no IANA name", n)
	}
	return nil
}

// collect runs q and scans every row with scan.
func collect[T any](ctx context.Context, pool *pgxpool.Pool, place, q string, args []any, scan func(pgx.Rows) (T, error)) ([]T, error) {
	rows, err := pool.Query(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("reports: %s: %w", place, err)
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, fmt.Errorf("reports: %s: scan: %w", place, err)
		}
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("reports: %s: %w", place, err)
	}
	return out, nil
}
